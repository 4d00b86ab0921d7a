//! `kyoso demo`: the real command fills an empty database with every stage of the process,
//! its accounts sign in, and a second run refuses to touch the filled database.

use std::net::TcpListener;
use std::process::Command;
use std::sync::Arc;

use kyoso::clock::SystemClock;
use kyoso::startup::{Application, build_state};
use serde_json::{Value, json};

use crate::helpers::test_settings;

const DEMO_PASSWORD: &str = "demo password for the test";

fn run_demo(settings: &kyoso::config::Settings) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_kyoso"))
        .arg("demo")
        .arg("--password")
        .arg(DEMO_PASSWORD)
        .env("DATABASE_URL", &settings.database.url)
        .env("KYOSO__APP__DATA_DIR", &settings.app.data_dir)
        .env("KYOSO__MAIL__DIR", &settings.mail.dir)
        .env("KYOSO__STORAGE__ATTACHMENTS_DIR", &settings.storage.attachments_dir)
        .env("KYOSO__AUTH__JWT_SECRET", &settings.auth.jwt_secret)
        // Cheap hashing keeps the test fast; the algorithm is the same.
        .env("KYOSO__AUTH__ARGON2_MEMORY_KIB", "256")
        .env("KYOSO__AUTH__ARGON2_ITERATIONS", "1")
        .env("RUST_LOG", "error")
        .env_remove("KYOSO_BOOTSTRAP_ADMIN_EMAIL")
        .env_remove("KYOSO_BOOTSTRAP_ADMIN_PASSWORD")
        .output()
        .expect("run kyoso demo")
}

async fn login(client: &awc::Client, api: &str, email: &str) -> String {
    let mut res = client.post(format!("{api}/auth/login")).send_json(&json!({ "email": email, "password": DEMO_PASSWORD })).await.unwrap();
    assert_eq!(res.status().as_u16(), 200, "{email} signs in with the printed password");
    let body: Value = res.json().await.unwrap();
    body["access_token"].as_str().unwrap().to_string()
}

async fn get(client: &awc::Client, url: String, token: &str) -> Value {
    let mut res = client.get(url).bearer_auth(token).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 200);
    res.json().limit(10_000_000).await.unwrap()
}

#[actix_web::test]
async fn demo_fills_an_empty_database_with_every_stage_and_refuses_a_second_run() {
    let dir = tempfile::tempdir().unwrap();
    let mut settings = test_settings(&dir);
    settings.bootstrap.admin_email = None;
    settings.bootstrap.admin_password = None;

    let first = run_demo(&settings);
    let printed = String::from_utf8_lossy(&first.stdout);
    assert!(first.status.success(), "demo failed: {}", String::from_utf8_lossy(&first.stderr));
    assert!(printed.contains(DEMO_PASSWORD), "the password is printed: {printed}");
    for account in ["po@jst.example.jp", "miyagi@pref.example.jp", "kobayashi@univ.example.jp", "/login"] {
        assert!(printed.contains(account), "{account} is printed: {printed}");
    }

    let second = run_demo(&settings);
    assert!(!second.status.success(), "a second run must refuse");
    assert!(String::from_utf8_lossy(&second.stderr).contains("only an empty database"));

    let state = build_state(settings, Arc::new(SystemClock)).expect("state over the demo database");
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let app = Application::build(state, listener).unwrap();
    let api = format!("http://127.0.0.1:{}/api/v1", app.port());
    actix_web::rt::spawn(app.into_server());
    let client = awc::Client::default();

    let admin = login(&client, &api, "po@jst.example.jp").await;
    let calls = get(&client, format!("{api}/calls?limit=50"), &admin).await;
    let mut statuses: Vec<&str> = calls["items"].as_array().unwrap().iter().map(|c| c["status"].as_str().unwrap()).collect();
    statuses.sort_unstable();
    assert_eq!(statuses, ["decided", "draft", "hearing", "published", "under_review"]);
    let proposals = get(&client, format!("{api}/proposals?limit=100"), &admin).await;
    let mut by_status: Vec<&str> = proposals["items"].as_array().unwrap().iter().map(|p| p["status"].as_str().unwrap()).collect();
    by_status.sort_unstable();
    by_status.dedup();
    for status in ["adopted", "conditionally_adopted", "rejected", "under_review", "submitted", "draft", "shortlisted", "not_shortlisted"] {
        assert!(by_status.contains(&status), "a {status} proposal exists: {by_status:?}");
    }

    let reviewer = login(&client, &api, "kobayashi@univ.example.jp").await;
    let mine = get(&client, format!("{api}/me/assignments"), &reviewer).await;
    let mine = mine.as_array().or_else(|| mine["items"].as_array()).cloned().unwrap_or_default();
    assert!(!mine.is_empty(), "the reviewer has real assignments");

    let officer = login(&client, &api, "miyagi@pref.example.jp").await;
    let own = get(&client, format!("{api}/proposals?limit=100"), &officer).await;
    let adopted = own["items"].as_array().unwrap().iter().find(|p| p["status"] == "adopted").expect("Miyagi's adopted proposal");
    let result = get(&client, format!("{api}/proposals/{}/result", adopted["id"].as_str().unwrap()), &officer).await;
    assert_eq!(result["outcome"], "adopted");

    // After adoption: multi-year projects, conditions cleared, the first year granted.
    let projects = get(&client, format!("{api}/projects"), &admin).await;
    let projects = projects["items"].as_array().unwrap();
    assert_eq!(projects.len(), 2, "{projects:?}");
    for project in projects {
        assert_eq!(project["conditions_cleared"], true);
        assert_eq!(project["schedule"].as_array().unwrap().len(), 3);
        assert!(project["schedule"][0]["granted_at"].is_string() && project["schedule"][1]["granted_at"].is_null());
    }
    let reports = get(&client, format!("{api}/projects/{}/reports", projects[0]["id"].as_str().unwrap()), &admin).await;
    assert_eq!(reports["items"][0]["status"], "submitted");
    let decided = calls["items"].as_array().unwrap().iter().find(|c| c["status"] == "decided").unwrap();
    let rounds = get(&client, format!("{api}/calls/{}/evaluations", decided["id"].as_str().unwrap()), &admin).await;
    let statuses: Vec<&str> = rounds["items"].as_array().unwrap().iter().map(|r| r["status"].as_str().unwrap()).collect();
    assert!(statuses.contains(&"open") && statuses.contains(&"published"), "{statuses:?}");
    let mine = get(&client, format!("{api}/me/assignments"), &reviewer).await;
    let mine = mine.as_array().or_else(|| mine["items"].as_array()).cloned().unwrap_or_default();
    assert!(mine.iter().any(|a| a["evaluation_id"].is_string()), "an evaluator at work: {mine:?}");
    // The two-stage call's hearings are booked, and Osaka's draft carries a PDF.
    let hearing = calls["items"].as_array().unwrap().iter().find(|c| c["status"] == "hearing").unwrap();
    let slots = get(&client, format!("{api}/calls/{}/hearings", hearing["id"].as_str().unwrap()), &admin).await;
    assert_eq!(slots["total"], 2);
    let osaka = login(&client, &api, "osaka@pref.example.jp").await;
    let drafts = get(&client, format!("{api}/proposals?status=draft"), &osaka).await;
    let drafts = drafts["items"].as_array().unwrap();
    let draft = drafts.iter().find(|p| p["lead_prefecture_code"] == "27").expect("Osaka's own draft");
    // Hiroshima's joint draft invites Osaka, which leads its own: confirming is refused by the rule.
    let invitation = drafts.iter().find(|p| p["lead_prefecture_code"] == "34").expect("Hiroshima's invitation");
    let refused = client
        .post(format!("{api}/proposals/{}/partners/27/confirm", invitation["id"].as_str().unwrap()))
        .bearer_auth(&osaka)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status().as_u16(), 409);
    let attachments = draft["attachments"].as_array().cloned().unwrap_or_default();
    assert_eq!(attachments.len(), 1, "{draft}");
    let file = client
        .get(format!("{api}/proposals/{}/attachments/{}", draft["id"].as_str().unwrap(), attachments[0]["id"].as_str().unwrap()))
        .bearer_auth(&osaka)
        .send()
        .await
        .unwrap()
        .body()
        .await
        .unwrap();
    assert!(file.starts_with(b"%PDF-1."));
}
