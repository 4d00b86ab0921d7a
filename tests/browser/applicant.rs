//! A prefecture officer's way from an empty draft to the receipt, in chromium.

use serde_json::json;
use thirtyfour::prelude::*;

use crate::fixtures::{complete_content, endorse_all, open_call};
use crate::helpers::{PASSWORD, TestApp};
use crate::{ChromeDriver, appears, heading, screenshot_path, text_of};

async fn type_into(driver: &WebDriver, name: &str, text: &str) {
    let input = driver.find(By::Css(&format!("[name='{name}']"))).await.unwrap_or_else(|e| panic!("no field {name}: {e}"));
    input.clear().await.unwrap();
    input.send_keys(text).await.unwrap();
}

#[actix_web::test]
#[ignore = "needs chromium and chromium-driver"]
async fn an_applicant_goes_from_an_empty_draft_to_the_receipt() {
    let app = TestApp::spawn().await;
    let call = open_call(&app, "lab_construction").await;
    let officer = app.applicant("13").await;
    let chromedriver = ChromeDriver::start();
    let driver = chromedriver.browser().await;
    driver.goto(format!("{}/login", app.address)).await.unwrap();
    driver.find(By::Id("email")).await.unwrap().send_keys(&officer.email).await.unwrap();
    driver.find(By::Id("password")).await.unwrap().send_keys(PASSWORD).await.unwrap();
    driver.find(By::Css("form.card button[type=submit]")).await.unwrap().click().await.unwrap();
    heading(&driver, "ようこそ 東京都").await;
    driver.find(By::Css(&format!("form[action='/calls/{call}/proposals/new'] button"))).await.unwrap().click().await.unwrap();
    appears(&driver, By::Id("proposal-form"), "the proposal form").await;
    let id = driver.current_url().await.unwrap().path().trim_start_matches("/proposals/").to_string();

    type_into(&driver, "title", "水素社会実装のための産学官共同研究拠点").await;
    type_into(&driver, "summary", "県内の大学と企業が水素の製造・貯蔵・利用を一体で研究する拠点を整備する。").await;
    type_into(&driver, "funding_plan[0].fiscal_year", "2027").await;
    type_into(&driver, "funding_plan[0].prefecture_yen", "50,000,000").await;
    type_into(&driver, "funding_plan[0].university_yen", "20000000").await;
    let save = driver.find(By::Id("save-draft")).await.unwrap();
    save.scroll_into_view().await.unwrap();
    save.click().await.unwrap();
    assert_eq!(text_of(&driver, "div.notice").await, "下書きを保存しました。");
    let stored = app.get(&format!("/api/v1/proposals/{id}")).token(&officer.token).send().await;
    assert_eq!(stored.body["funding_plan"][0]["prefecture_yen"], 50_000_000);
    assert!(driver.source().await.unwrap().contains("70,000,000円"), "the year's total is computed");

    // The rest of the content as a colleague would complete it; the checklist then names
    // only the endorsements still missing.
    let mut content = complete_content("browser", "13", &[]);
    content["title"] = json!("水素社会実装のための産学官共同研究拠点");
    app.patch(&format!("/api/v1/proposals/{id}")).token(&officer.token).json(&content).send().await.assert_status(200);
    driver.goto(format!("{}/proposals/{id}", app.address)).await.unwrap();
    let checklist = text_of(&driver, "#checklist").await;
    assert!(checklist.contains("同意（都道府県知事）"), "{checklist}");
    driver.screenshot(&screenshot_path("proposal-form.png")).await.expect("screenshot");

    endorse_all(&app, &officer, &id, "browser").await;
    driver.refresh().await.unwrap();
    assert!(text_of(&driver, "#checklist").await.contains("提出できる状態です"));
    driver.find(By::Id("to-submit")).await.unwrap().click().await.unwrap();
    heading(&driver, "提出の確認").await;
    let submit = driver.find(By::Id("submit-proposal")).await.unwrap();
    submit.scroll_into_view().await.unwrap();
    submit.click().await.unwrap();
    heading(&driver, "受付票").await;
    let receipt = text_of(&driver, "#receipt-number").await;
    let stored = app.get(&format!("/api/v1/proposals/{id}")).token(&officer.token).send().await;
    assert_eq!(stored.body["status"], "submitted");
    assert_eq!(stored.body["receipt_number"], receipt.as_str());
    driver.quit().await.unwrap();
}
