//! A program officer runs a call in the browser, from creating it to publishing the decisions.
//! Applicants and reviewers act through the API fixtures; every officer step is a click.

use chrono::Duration;
use thirtyfour::prelude::*;

use crate::fixtures::{complete_content, create_proposal, endorse_all, expert, review};
use crate::helpers::{ADMIN_EMAIL, PASSWORD, TestApp};
use crate::{ChromeDriver, heading, screenshot_path, text_of};

async fn fill(driver: &WebDriver, id: &str, value: &str) {
    let field = driver.find(By::Id(id)).await.unwrap_or_else(|e| panic!("no #{id}: {e}"));
    field.clear().await.unwrap();
    field.send_keys(value).await.unwrap();
}

/// datetime-local inputs take their value as a script sets it; typing depends on the locale.
async fn set_value(driver: &WebDriver, id: &str, value: &str) {
    driver.execute(&format!("document.getElementById('{id}').value = '{value}';"), Vec::new()).await.unwrap();
}

/// Waits until the browser is at a URL ending with `end` (the same heading may be on both pages).
async fn arrived(driver: &WebDriver, end: &str) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let url = driver.current_url().await.map(|u| u.to_string()).unwrap_or_default();
        if url.ends_with(end) {
            return;
        }
        assert!(std::time::Instant::now() < deadline, "still at {url}, not at …{end}");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

async fn click(driver: &WebDriver, css: &str) {
    let button = driver.find(By::Css(css)).await.unwrap_or_else(|e| panic!("no {css}: {e}"));
    button.scroll_into_view().await.unwrap();
    button.click().await.unwrap();
}

#[actix_web::test]
#[ignore = "needs chromium and chromium-driver"]
async fn an_officer_runs_a_call_from_creation_to_published_decisions() {
    let app = TestApp::spawn().await;
    let chromedriver = ChromeDriver::start();
    let driver = chromedriver.browser().await;
    driver.goto(format!("{}/login?next=/admin", app.address)).await.unwrap();
    fill(&driver, "email", ADMIN_EMAIL).await;
    fill(&driver, "password", PASSWORD).await;
    click(&driver, "form.card button[type=submit]").await;
    heading(&driver, "公募").await;

    // Create the call: terms, budget and the criteria with their weights.
    click(&driver, "a[href='/admin/calls/new']").await;
    heading(&driver, "公募を作成").await;
    let jst = |t: chrono::DateTime<chrono::Utc>| t.with_timezone(&kyoso::domain::time::jst()).format("%Y-%m-%dT%H:%M").to_string();
    let now = app.state.now();
    fill(&driver, "fiscal_year", "2026").await;
    fill(&driver, "title", "令和8年度 地域産学官共同研究拠点 公募").await;
    fill(&driver, "description", "地域の科学技術拠点を整備する提案を募集します。").await;
    set_value(&driver, "opens_at", &jst(now - Duration::days(1))).await;
    set_value(&driver, "closes_at", &jst(now + Duration::days(30))).await;
    fill(&driver, "total_budget_yen", "5,000,000,000").await;
    fill(&driver, "max_request_yen", "3,000,000,000").await;
    fill(&driver, "reviewers_per_proposal", "2").await;
    for (i, (code, name, weight)) in [("purpose", "目的の明確さ", "1"), ("feasibility", "実現可能性", "2"), ("impact", "波及効果", "1")].iter().enumerate() {
        for (part, value) in [("code", code), ("name", name), ("weight", weight)] {
            let input = driver.find(By::Css(&format!("input[name='criteria.{i}.{part}']"))).await.unwrap();
            input.send_keys(*value).await.unwrap();
        }
    }
    click(&driver, "form.card button.primary").await;
    heading(&driver, "令和8年度 地域産学官共同研究拠点 公募").await;
    let call = driver.current_url().await.unwrap().path().rsplit('/').next().unwrap().to_string();

    driver.goto(format!("{}/admin", app.address)).await.unwrap();
    click(&driver, &format!("form[action='/admin/calls/{call}/publish'] button")).await;
    heading(&driver, "令和8年度 地域産学官共同研究拠点 公募").await;
    assert!(text_of(&driver, "table.facts").await.contains("公募中"));

    // Applicants submit through the API: two prefectures alone, one joint proposal.
    let mut proposals = Vec::new();
    for (tag, lead, partners) in [("miyagi", "04", &[][..]), ("tokyo", "13", &["11"][..]), ("kyoto", "26", &[][..])] {
        let applicant = app.applicant(lead).await;
        let mut content = complete_content(tag, lead, partners);
        content["keywords"] = serde_json::json!(["materials", "energy"]);
        let id = create_proposal(&app, &applicant, &call, &content).await.str("id");
        for code in partners {
            let partner = app.applicant(code).await;
            app.post(&format!("/api/v1/proposals/{id}/partners/{code}/confirm")).token(&partner.token).send().await.assert_status(200);
        }
        endorse_all(&app, &applicant, &id, tag).await;
        app.post(&format!("/api/v1/proposals/{id}/submit")).token(&applicant.token).send().await.assert_status(200);
        proposals.push(id);
    }
    let reviewers = [
        expert(&app, "九州大学", Some("40"), &["materials"], None).await,
        expert(&app, "北海道大学", Some("01"), &["energy"], None).await,
        expert(&app, "東北大学", Some("04"), &["materials", "energy"], None).await,
    ];
    app.advance(Duration::days(31));

    // Start the review from the list, then preview and apply the automatic assignment.
    driver.goto(format!("{}/admin", app.address)).await.unwrap();
    click(&driver, &format!("form[action='/admin/calls/{call}/start-review'] button")).await;
    heading(&driver, "令和8年度 地域産学官共同研究拠点 公募").await;
    fill(&driver, "reviewers_per_proposal", "2").await;
    click(&driver, &format!("form[action='/admin/calls/{call}/auto-assign'] button")).await;
    heading(&driver, "自動割当の確認").await;
    let held = app.get(&format!("/api/v1/calls/{call}/assignments")).token(&app.admin.token).send().await;
    assert_eq!(held.body["total"], 0, "the preview assigns nobody");
    click(&driver, &format!("form[action='/admin/calls/{call}/auto-assign/apply'] button.primary")).await;
    heading(&driver, "令和8年度 地域産学官共同研究拠点 公募").await;

    // Reviewers accept and grade through the API.
    let held = app.get(&format!("/api/v1/calls/{call}/assignments")).token(&app.admin.token).send().await;
    assert_eq!(held.body["total"], 6, "{}", held.body);
    for a in held.body["items"].as_array().unwrap() {
        let reviewer = reviewers.iter().find(|r| r.id == a["reviewer_id"].as_str().unwrap()).unwrap();
        let id = a["id"].as_str().unwrap();
        app.post(&format!("/api/v1/assignments/{id}/accept")).token(&reviewer.token).send().await.assert_status(200);
        let grades = if a["proposal_id"] == proposals[1].as_str() { ["S", "S", "A"] } else { ["A", "B", "B"] };
        review(&app, reviewer, id, grades).await;
    }
    driver.goto(format!("{}/admin/calls/{call}", app.address)).await.unwrap();
    heading(&driver, "令和8年度 地域産学官共同研究拠点 公募").await;
    assert!(text_of(&driver, "ol.pref-grid").await.contains("連携"));
    driver.execute("document.getElementById('prefectures').scrollIntoView({ block: 'start' });", Vec::new()).await.unwrap();
    driver.screenshot(&screenshot_path("call-dashboard.png")).await.expect("screenshot");

    // Decisions beside the ranking, within the budget.
    driver.goto(format!("{}/admin/calls/{call}/ranking", app.address)).await.unwrap();
    heading(&driver, "ランキングと採否").await;
    for (i, (outcome, amount)) in [(1, ("adopted", "2,000,000,000")), (0, ("conditionally_adopted", "1,500,000,000")), (2, ("rejected", "0"))] {
        let id = &proposals[i];
        driver.find(By::Css(&format!("#outcome-{id} option[value='{outcome}']"))).await.unwrap().click().await.unwrap();
        fill(&driver, &format!("amount-{id}"), amount).await;
        fill(&driver, &format!("feedback-{id}"), "審査委員会の所見です。").await;
        if outcome == "conditionally_adopted" {
            fill(&driver, &format!("conditions-{id}"), "運営体制の見直しを条件とします。").await;
        }
        click(&driver, &format!("form[action='/admin/calls/{call}/decisions/{id}'] button")).await;
        arrived(&driver, &format!("#p-{id}")).await;
        heading(&driver, "ランキングと採否").await;
    }
    assert!(text_of(&driver, "div.budget").await.contains("1,500,000,000円"));

    // The confirmation names who will be emailed; publishing ends the call.
    click(&driver, &format!("a[href='/admin/calls/{call}/publish-decisions']")).await;
    heading(&driver, "採否を公表").await;
    assert!(text_of(&driver, "table.grid").await.contains("@example.jp"));
    click(&driver, &format!("form[action='/admin/calls/{call}/publish-decisions'] button.primary")).await;
    heading(&driver, "令和8年度 地域産学官共同研究拠点 公募").await;
    assert!(text_of(&driver, "table.facts").await.contains("採否公表済み"));
    let result = app.get(&format!("/api/v1/calls/{call}")).token(&app.admin.token).send().await;
    assert_eq!(result.body["status"], "decided");
    driver.quit().await.unwrap();
}
