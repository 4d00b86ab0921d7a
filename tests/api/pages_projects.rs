//! The project pages over HTTP: the lead prefecture's project page and home section, the program
//! officer's project list, project page and its three actions, the funding report page, and the
//! lead prefecture's progress-report and self-evaluation forms.

use chrono::Duration;
use serde_json::{Value, json};

use crate::helpers::{ADMIN_EMAIL, PASSWORD, TestApp};
use crate::pages::Browser;
use crate::project_reports::co_created;
use crate::projects::{funded, project_of};

async fn officer(app: &TestApp) -> Browser<'_> {
    let web = Browser::new(app);
    web.sign_in(ADMIN_EMAIL, PASSWORD).await.assert_redirect("/");
    web
}

async fn project(app: &TestApp, id: &str) -> Value {
    let res = app.get(&format!("/api/v1/projects/{id}")).token(&app.admin.token).send().await;
    res.assert_status(200);
    res.body
}

#[actix_web::test]
async fn the_lead_prefecture_sees_its_project_and_lists_it_on_its_home() {
    let app = TestApp::spawn().await;
    let f = funded(&app).await;
    let joint = project_of(&app, &f.call, &f.joint).await["id"].as_str().unwrap().to_string();
    let web = Browser::new(&app);
    web.sign_in(&f.tokyo.email, PASSWORD).await.assert_redirect("/");
    web.get("/").await.assert_page(200, &["採択課題", &format!("href=\"/projects/{joint}\""), "実施中", "2026 1,000,000,000円"]);
    web.get(&format!("/projects/{joint}")).await.assert_page(
        200,
        &["capital 地域産学官共同研究拠点", "東京都", "埼玉県", "運営体制に地元金融機関を加えること", "未解除", "年度別の交付予定", "2027", "1,000,000,000円", "2,000,000,000円", "未交付", "成果指標（KPI）", "実績報告", "未作成", &format!("href=\"/projects/{joint}/reports/2027\""), "評価はまだありません。"],
    );
    let en = web.get(&format!("/projects/{joint}?lang=en")).await;
    en.assert_page(200, &["Schedule by fiscal year", "¥1,000,000,000", "Not yet granted", "Tokyo"]);
    assert!(!en.text.contains("/admin/projects"), "no officer action on the prefecture's page");

    // A prefecture not taking part finds nothing; a program officer is sent to the officer's page.
    let other = Browser::new(&app);
    other.sign_in(&f.aomori.email, PASSWORD).await;
    other.get(&format!("/projects/{joint}")).await.assert_page(404, &[]);
    Browser::new(&app).get(&format!("/projects/{joint}")).await.assert_redirect("/login?next=");
    officer(&app).await.get(&format!("/projects/{joint}")).await.assert_redirect(&format!("/admin/projects/{joint}"));
}

#[actix_web::test]
async fn the_officer_lists_a_calls_projects_and_clears_grants_and_ends_one() {
    let app = TestApp::spawn().await;
    let f = funded(&app).await;
    let joint = project_of(&app, &f.call, &f.joint).await["id"].as_str().unwrap().to_string();
    let web = officer(&app).await;
    web.get(&format!("/admin/calls/{}", f.call)).await.assert_page(200, &[&format!("href=\"/admin/projects?call_id={}\"", f.call)]);
    web.get(&format!("/admin/projects?call_id={}", f.call)).await.assert_page(200, &["capital 地域産学官共同研究拠点", "north 地域産学官共同研究拠点", "青森県", "未解除", "条件なしの採択"]);
    let page = web.get(&format!("/admin/projects/{joint}")).await;
    page.assert_page(200, &["採択条件を解除", "交付決定へ", "完了・中止"]);
    let csrf = page.csrf();

    // Granting before the conditions are cleared: the confirmation says why, nothing is granted.
    web.get(&format!("/admin/projects/{joint}/grants/2026")).await.assert_page(409, &["採択条件が解除されていないため"]);
    web.post(&format!("/admin/projects/{joint}/grants/2026"), &[("csrf", &csrf)]).await.assert_page(409, &["採択条件が解除されていないため", "role=\"alert\""]);

    // Clearing the conditions: refused without the token, the missing note shown beside its field.
    web.post(&format!("/admin/projects/{joint}/conditions"), &[("note", "済")]).await.assert_page(403, &[]);
    web.post(&format!("/admin/projects/{joint}/conditions"), &[("csrf", &csrf), ("note", " ")]).await.assert_page(422, &["id=\"note-error\""]);
    assert_eq!(project(&app, &joint).await["conditions_cleared"], false);
    web.post(&format!("/admin/projects/{joint}/conditions"), &[("csrf", &csrf), ("note", "地元金融機関が参画")]).await.assert_redirect(&format!("/admin/projects/{joint}?done="));
    web.get(&format!("/admin/projects/{joint}?done=conditions")).await.assert_page(200, &["記録しました。", "解除済み", "地元金融機関が参画"]);

    // The confirmation names the amount and who is emailed, and grants nothing itself.
    let confirm = web.get(&format!("/admin/projects/{joint}/grants/2026")).await;
    confirm.assert_page(200, &["交付決定の確認", "1,000,000,000円", &f.tokyo.email]);
    assert!(project(&app, &joint).await["schedule"][0]["granted_at"].is_null());
    web.post(&format!("/admin/projects/{joint}/grants/2026"), &[]).await.assert_page(403, &[]);
    web.post(&format!("/admin/projects/{joint}/grants/2026"), &[("csrf", &confirm.csrf())]).await.assert_redirect(&format!("/admin/projects/{joint}?done=grant"));
    assert!(project(&app, &joint).await["schedule"][0]["granted_at"].is_string());
    assert!(app.last_email_to(&f.tokyo.email).await.subject.contains("交付決定"));
    web.post(&format!("/admin/projects/{joint}/grants/2026"), &[("csrf", &csrf)]).await.assert_page(409, &["この年度は交付決定済みです。"]);
    web.get(&format!("/admin/projects/{joint}")).await.assert_page(200, &["交付決定済み", "1,000,000,000円"]);

    // Ending it: the reason is required, beside its field, and the choice is kept.
    web.post(&format!("/admin/projects/{joint}/phase"), &[("to", "terminated"), ("reason", "x")]).await.assert_page(403, &[]);
    web.post(&format!("/admin/projects/{joint}/phase"), &[("csrf", &csrf), ("to", "terminated"), ("reason", "")]).await.assert_page(422, &["id=\"reason-error\"", "value=\"terminated\" checked"]);
    web.post(&format!("/admin/projects/{joint}/phase"), &[("csrf", &csrf), ("reason", "断念")]).await.assert_page(422, &["id=\"to-error\"", "断念"]);
    web.post(&format!("/admin/projects/{joint}/phase"), &[("csrf", &csrf), ("to", "terminated"), ("reason", "拠点整備の断念")]).await.assert_redirect(&format!("/admin/projects/{joint}?done=phase"));
    assert_eq!(project(&app, &joint).await["phase"], "terminated");
    let ended = web.get(&format!("/admin/projects/{joint}")).await;
    ended.assert_page(200, &["中止", "拠点整備の断念"]);
    assert!(!ended.text.contains("交付決定へ"), "nothing is granted to a terminated project");
    web.post(&format!("/admin/projects/{joint}/phase"), &[("csrf", &csrf), ("to", "completed"), ("reason", "x")]).await.assert_page(409, &["role=\"alert\""]);
    web.get(&format!("/admin/projects/{joint}?lang=en")).await.assert_page(200, &["Terminated", "Schedule by fiscal year", "¥1,000,000,000"]);

    // Prefecture officers never open these pages.
    let tokyo = Browser::new(&app);
    tokyo.sign_in(&f.tokyo.email, PASSWORD).await;
    tokyo.get(&format!("/admin/projects/{joint}")).await.assert_page(403, &[]);
}

#[actix_web::test]
async fn the_funding_report_page_shows_a_year_and_downloads_its_csv() {
    let app = TestApp::spawn().await;
    let f = funded(&app).await;
    let single = project_of(&app, &f.call, &f.single).await["id"].as_str().unwrap().to_string();
    app.post(&format!("/api/v1/projects/{single}/grants/2026")).token(&app.admin.token).send().await.assert_status(200);
    let web = officer(&app).await;
    let all = web.get("/admin/reports/funding").await;
    all.assert_page(200, &["資金投入状況", "青森県", "東北地方", "東京都", "関東地方", "<option value=\"2027\">", "3,000,000,000円", "href=\"/admin/reports/funding.csv?fiscal_year=\""]);
    let year = web.get("/admin/reports/funding?fiscal_year=2027").await;
    year.assert_page(200, &["<option value=\"2027\" selected>", "href=\"/admin/reports/funding.csv?fiscal_year=2027\""]);
    assert!(!year.text.contains("青森県"), "Aomori has nothing in 2027");
    web.get("/admin/reports/funding?fiscal_year=next").await.assert_page(422, &["年度は数字"]);
    web.get("/admin/reports/funding?lang=en").await.assert_page(200, &["Funding report", "Tohoku", "¥1,000,000,000"]);

    let csv = web.get("/admin/reports/funding.csv?fiscal_year=2026").await;
    assert_eq!(csv.status, 200);
    let text = csv.text.strip_prefix('\u{FEFF}').expect("a byte-order mark for Excel");
    assert!(text.starts_with("prefecture_code,region,region_name_ja,fiscal_year,granted_yen,scheduled_yen,projects\n02,tohoku,東北地方,2026,1000000000,1000000000,1\n"), "{text}");
}

async fn report(app: &TestApp, project: &str, year: i32) -> Value {
    let res = app.get(&format!("/api/v1/projects/{project}/reports")).token(&app.admin.token).send().await;
    res.assert_status(200);
    res.body["items"].as_array().unwrap().iter().find(|r| r["fiscal_year"] == year).cloned().unwrap_or(Value::Null)
}

const OUTCOME_LABELS: [&str; 9] = ["論文数", "特許出願（国内）", "特許取得（国内）", "特許出願（海外）", "特許取得（海外）", "製品化件数", "売上（円）", "報道件数", "受賞件数"];

#[actix_web::test]
async fn the_lead_prefecture_drafts_then_submits_a_progress_report_through_its_confirmation() {
    let app = TestApp::spawn().await;
    let c = co_created(&app).await;
    let (joint, form) = (c.joint.clone(), format!("/projects/{}/reports/2026", c.joint));
    let web = Browser::new(&app);
    web.sign_in(&c.tokyo.email, PASSWORD).await.assert_redirect("/");
    web.get(&format!("/projects/{joint}")).await.assert_page(200, &["未作成", &format!("href=\"{form}\""), "報告書を作成・編集"]);
    let page = web.get(&form).await;
    page.assert_page(200, &[&["新規雇用", "CO2排出量", "name=\"kpi.0\"", "name=\"narrative\"", "下書き保存", "提出"][..], &OUTCOME_LABELS[..]].concat());
    web.get(&format!("{form}?lang=en")).await.assert_page(200, &["Papers", "Patents granted (abroad)", "Revenue (yen)", "Save draft", "Submit"]);
    // The choice of language sticks; back to Japanese.
    web.get(&format!("{form}?lang=ja")).await.assert_page(200, &["論文数"]);
    web.get(&format!("/projects/{joint}/reports/2031")).await.assert_page(404, &[]);
    let csrf = page.csrf();

    // Refused without the token; a negative or non-numeric count is shown beside its field,
    // with what was typed kept, and nothing is saved.
    web.post(&form, &[("kpi.0", "40人"), ("action", "save")]).await.assert_page(403, &[]);
    let negative = web.post(&form, &[("csrf", &csrf), ("kpi.0", "40人"), ("outcomes.papers", "-1"), ("narrative", "途中経過"), ("action", "save")]).await;
    negative.assert_page(422, &["id=\"outcomes.papers-error\"", "0以上の数を入力してください。", "value=\"40人\"", "value=\"-1\"", "途中経過"]);
    web.post(&form, &[("csrf", &csrf), ("outcomes.awards", "たくさん"), ("action", "save")]).await.assert_page(422, &["id=\"outcomes.awards-error\"", "0以上の整数で入力してください。"]);
    assert!(report(&app, &joint, 2026).await.is_null());

    // A partial draft is saved.
    let draft = [("csrf", csrf.as_str()), ("kpi.0", "40人"), ("outcomes.papers", "3"), ("outcomes.revenue_yen", "1,200,000"), ("action", "save")];
    web.post(&form, &draft).await.assert_redirect(&format!("{form}?done=saved"));
    let saved = report(&app, &joint, 2026).await;
    assert_eq!((saved["status"].as_str(), saved["outcomes"]["papers"].as_i64(), saved["outcomes"]["revenue_yen"].as_i64()), (Some("draft"), Some(3), Some(1_200_000)));
    assert_eq!(saved["kpis"][0], json!({ "name": "新規雇用", "actual": "40人" }));
    web.get(&format!("{form}?done=saved")).await.assert_page(200, &["下書きを保存しました。", "value=\"40人\"", "value=\"1200000\"", "name=\"version\" value=\"1\""]);
    web.get(&format!("/projects/{joint}")).await.assert_page(200, &["下書き"]);

    // "提出" saves, then confirms; submitting the partial report lists every gap on top and beside its field.
    let submit = [("csrf", csrf.as_str()), ("version", "1"), ("kpi.0", "40人"), ("outcomes.papers", "3"), ("action", "submit")];
    web.post(&form, &submit).await.assert_redirect(&format!("{form}/submit"));
    let confirm = web.get(&format!("{form}/submit")).await;
    confirm.assert_page(200, &["実績報告の提出の確認", "以後は変更できません", "修正に戻る", "name=\"version\" value=\"2\""]);
    assert!(!confirm.text.contains("name=\"narrative\""), "the confirmation shows the report read-only");
    let gaps = web.post(&format!("{form}/submit"), &[("csrf", &csrf), ("version", "2")]).await;
    gaps.assert_page(422, &["id=\"gaps\"", "CO2排出量: 入力してください。", "受賞件数: 入力してください。", "id=\"kpi.1-error\"", "id=\"narrative-error\""]);
    assert_eq!(report(&app, &joint, 2026).await["status"], "draft");
    // A form loaded before someone else's save does not overwrite it.
    web.post(&form, &[("csrf", &csrf), ("version", "1"), ("kpi.0", "99人"), ("action", "save")]).await.assert_page(412, &["他の担当者が先に保存しました", "value=\"99人\""]);
    assert_eq!(report(&app, &joint, 2026).await["kpis"][0]["actual"], "40人");

    // Complete, confirmed, submitted: then read-only and locked.
    let mut full: Vec<(String, String)> = vec![("csrf".into(), csrf.clone()), ("version".into(), "2".into()), ("kpi.0".into(), "52人".into()), ("kpi.1".into(), "900".into())];
    full.extend(OUTCOME_NAMES.iter().map(|n| (format!("outcomes.{n}"), if *n == "revenue_yen" { "3500000".to_string() } else { "2".to_string() })));
    full.extend([("narrative".to_string(), "拠点の本格稼働により共同研究が拡大した。".to_string()), ("action".to_string(), "submit".to_string())]);
    let full: Vec<(&str, &str)> = full.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    web.post(&form, &full).await.assert_redirect(&format!("{form}/submit"));
    web.get(&format!("{form}/submit")).await.assert_page(200, &["3,500,000円", "52人", "拠点の本格稼働"]);
    web.post(&format!("{form}/submit"), &[("version", "3")]).await.assert_page(403, &[]);
    assert_eq!(report(&app, &joint, 2026).await["status"], "draft");
    web.post(&format!("{form}/submit"), &[("csrf", &csrf), ("version", "3")]).await.assert_redirect(&format!("{form}?done=submitted"));
    assert_eq!(report(&app, &joint, 2026).await["status"], "submitted");
    let done = web.get(&format!("{form}?done=submitted")).await;
    done.assert_page(200, &["提出しました。", "提出済み", "提出日時", "3,500,000円", "52人"]);
    assert!(!done.text.contains("name=\"narrative\""), "a submitted report is read-only");
    web.post(&form, &full).await.assert_page(409, &["この実績報告は提出済みのため、変更できません。"]);
    web.get(&format!("/projects/{joint}")).await.assert_page(200, &["提出済み", "表示"]);

    // The partner prefecture sees the statuses, without a link to the form.
    let saitama = Browser::new(&app);
    saitama.sign_in(&c.saitama.email, PASSWORD).await;
    let partner = saitama.get(&format!("/projects/{joint}")).await;
    partner.assert_page(200, &["提出済み", "未作成"]);
    assert!(!partner.text.contains(&format!("href=\"{form}\"")), "partners read the statuses only");
}

const OUTCOME_NAMES: [&str; 9] =
    ["papers", "patents_domestic_filed", "patents_domestic_granted", "patents_foreign_filed", "patents_foreign_granted", "products", "revenue_yen", "press", "awards"];

#[actix_web::test]
async fn the_lead_prefecture_writes_its_self_evaluation_until_the_due_date() {
    let app = TestApp::spawn().await;
    let f = funded(&app).await;
    let joint = project_of(&app, &f.call, &f.joint).await["id"].as_str().unwrap().to_string();
    let due = (app.state.now() + Duration::days(14)).to_rfc3339();
    let body = json!({ "kind": "interim", "fiscal_year": 2026, "title": "令和8年度 中間評価", "self_evaluation_due": due });
    let round = app.post(&format!("/api/v1/calls/{}/evaluations", f.call)).token(&app.admin.token).json(&body).send().await;
    round.assert_status(201);
    let round = round.str("id");
    let action = format!("/projects/{joint}/evaluations/{round}/self-evaluation");
    let web = Browser::new(&app);
    web.sign_in(&f.tokyo.email, PASSWORD).await;
    let page = web.get(&format!("/projects/{joint}")).await;
    page.assert_page(200, &["中間評価", "令和8年度 中間評価", "受付中", "自己評価書の提出期限", &format!("action=\"{action}\"")]);
    assert!(!page.text.contains("評価はまだありません。"));
    let csrf = page.csrf();

    web.post(&action, &[("text", "計画どおり")]).await.assert_page(403, &[]);
    web.post(&action, &[("csrf", &csrf), ("text", "  ")]).await.assert_page(422, &["id=\"self-evaluation-error\"", "入力してください。"]);
    web.post(&action, &[("csrf", &csrf), ("text", "KPI は計画どおり。地元企業 12 社が参画。")]).await.assert_redirect(&format!("/projects/{joint}?done=self_evaluation"));
    let read = app.get(&format!("/api/v1/evaluations/{round}/projects/{joint}/self-evaluation")).token(&app.admin.token).send().await;
    assert_eq!(read.body["text"], "KPI は計画どおり。地元企業 12 社が参画。");
    web.get(&format!("/projects/{joint}?done=self_evaluation")).await.assert_page(200, &["自己評価書を保存しました。", ">KPI は計画どおり。地元企業 12 社が参画。</textarea>"]);
    web.get(&format!("/projects/{joint}?lang=en")).await.assert_page(200, &["Interim evaluation", "Self-evaluation due", "Save the self-evaluation"]);
    web.get(&format!("/projects/{joint}?lang=ja")).await.assert_page(200, &["中間評価"]);

    // The partner sees the round without the form; the officer reads the text on the project page.
    let saitama = Browser::new(&app);
    saitama.sign_in(&f.saitama.email, PASSWORD).await;
    let partner = saitama.get(&format!("/projects/{joint}")).await;
    partner.assert_page(200, &["令和8年度 中間評価"]);
    assert!(!partner.text.contains(&action) && !partner.text.contains("地元企業 12 社"));
    officer(&app).await.get(&format!("/admin/projects/{joint}")).await.assert_page(200, &["令和8年度 中間評価", "地元企業 12 社が参画"]);

    // After the due date the form is gone and a late post is refused in words, keeping the text.
    app.advance(Duration::days(15));
    let late = web.post(&action, &[("csrf", &csrf), ("text", "遅れて追記")]).await;
    late.assert_page(409, &["自己評価書の提出期限を過ぎたため、保存できません。", "遅れて追記"]);
    assert!(!web.get(&format!("/projects/{joint}")).await.text.contains(&action), "no form after the due date");
    assert_eq!(app.get(&format!("/api/v1/evaluations/{round}/projects/{joint}/self-evaluation")).token(&app.admin.token).send().await.body["text"], "KPI は計画どおり。地元企業 12 社が参画。");
}
