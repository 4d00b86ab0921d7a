//! Building blocks for tests of calls and proposals.
#![allow(dead_code)]

use chrono::{Duration, Utc};
use serde_json::{Value, json};

use crate::helpers::{Response, TestApp, TestUser};

pub const MAX_REQUEST: i64 = 3_000_000_000;

pub fn call_body(program: &str) -> Value {
    call_body_at(program, Utc::now())
}

/// Terms of a call that opened a day before `now` and closes 30 days after it.
pub fn call_body_at(program: &str, now: chrono::DateTime<Utc>) -> Value {
    let opens = now - Duration::days(1);
    json!({
        "program": program,
        "fiscal_year": 2026,
        "title": format!("令和8年度 {program} 公募"),
        "description": "地域の科学技術拠点の公募",
        "opens_at": opens.to_rfc3339(),
        "closes_at": (opens + Duration::days(31)).to_rfc3339(),
        "total_budget_yen": 69_500_000_000_i64,
        "max_request_yen": MAX_REQUEST,
        "reviewers_per_proposal": 2,
        "criteria": [
            { "code": "purpose", "name": "目的の明確さ", "weight": 1.0 },
            { "code": "feasibility", "name": "実現可能性", "weight": 2.0 },
            { "code": "impact", "name": "波及効果", "weight": 1.0 }
        ]
    })
}

/// A published call, open for 30 more days.
pub async fn open_call(app: &TestApp, program: &str) -> String {
    let body = call_body_at(program, app.state.now());
    let res = app.post("/api/v1/calls").token(&app.admin.token).json(&body).send().await;
    res.assert_status(201);
    let id = res.str("id");
    app.post(&format!("/api/v1/calls/{id}/publish")).token(&app.admin.token).send().await.assert_status(200);
    id
}

/// Everything a lab-construction proposal needs, for a lead and partner prefectures; signatory
/// emails are unique per `tag` so their endorsement links can be found.
/// The part of a tag usable in an email address.
fn slug(tag: &str) -> String {
    tag.chars().filter(char::is_ascii_alphanumeric).collect()
}

pub fn complete_content(tag: &str, lead: &str, partners: &[&str]) -> Value {
    let mail = slug(tag);
    let consultations: Vec<Value> = std::iter::once(lead)
        .chain(partners.iter().copied())
        .flat_map(|p| {
            let code: kyoso::domain::prefecture::PrefectureCode = p.parse().unwrap();
            code.designated_cities().map(|c| c.city_code().to_string()).collect::<Vec<_>>()
        })
        .map(|city| json!({ "city_code": city, "consulted_on": "2026-04-15", "note": "事前協議済み" }))
        .collect();
    let funding: Vec<Value> = (2027..2037)
        .map(|y| json!({ "fiscal_year": y, "prefecture_yen": 50_000_000, "university_yen": 20_000_000, "industry_yen": 30_000_000, "other_yen": 0, "expenses_yen": 100_000_000 }))
        .collect();
    json!({
        "title": format!("{tag} 地域産学官共同研究拠点"),
        "summary": "材料科学の産学官共同研究拠点を整備する。",
        "keywords": ["materials", "manufacturing"],
        "partner_prefecture_codes": partners,
        "signatories": [
            { "role": "governor", "name": "知事 太郎", "title": "知事", "organization": format!("{tag}県庁"), "email": format!("governor.{mail}@pref.example.jp"), "representative": true },
            { "role": "university_head", "name": "学長 花子", "title": "学長", "organization": format!("{tag}大学"), "email": format!("president.{mail}@univ.example.jp"), "representative": false },
            { "role": "industry_representative", "name": "会長 次郎", "title": "会長", "organization": format!("{tag}経済連合会"), "email": format!("chair.{mail}@biz.example.jp"), "representative": false }
        ],
        "consultations": consultations,
        "sections": {
            "purpose": "目的", "goals": "目標", "activity_plan": "活動計画（PDCA）", "positioning": "位置づけ",
            "expected_outcomes": "成果", "operating_body": "事業運営委員会", "facility_management": "管理体制",
            "land": "大学敷地内の県有地", "facility_plan": "施設・設備計画"
        },
        "funding_plan": funding,
        "requested_amount_yen": 2_000_000_000_i64,
        "construction_type": "new_building",
        "land_provided": true
    })
}

pub async fn create_proposal(app: &TestApp, applicant: &TestUser, call_id: &str, content: &Value) -> Response {
    app.post(&format!("/api/v1/calls/{call_id}/proposals")).token(&applicant.token).json(content).send().await
}

/// Asks for endorsements and follows every emailed link, as the three signatories would.
pub async fn endorse_all(app: &TestApp, applicant: &TestUser, proposal_id: &str, tag: &str) {
    app.post(&format!("/api/v1/proposals/{proposal_id}/endorsements/request"))
        .token(&applicant.token)
        .send()
        .await
        .assert_status(202);
    for address in signatory_emails(tag) {
        let token = app.last_email_to(&address).await.token();
        app.post(&format!("/api/v1/endorsements/{token}")).send().await.assert_status(200);
    }
}

pub fn signatory_emails(tag: &str) -> [String; 3] {
    let tag = slug(tag);
    [
        format!("governor.{tag}@pref.example.jp"),
        format!("president.{tag}@univ.example.jp"),
        format!("chair.{tag}@biz.example.jp"),
    ]
}

/// A complete, endorsed and submitted single-prefecture proposal.
pub async fn submitted_proposal(app: &TestApp, applicant: &TestUser, call_id: &str, tag: &str, lead: &str) -> Value {
    let res = create_proposal(app, applicant, call_id, &complete_content(tag, lead, &[])).await;
    res.assert_status(201);
    let id = res.str("id");
    endorse_all(app, applicant, &id, tag).await;
    let res = app.post(&format!("/api/v1/proposals/{id}/submit")).token(&applicant.token).send().await;
    res.assert_status(200);
    res.body
}

/// A minimal valid PDF.
pub fn pdf(extra: &str) -> Vec<u8> {
    format!("%PDF-1.4\n% {extra}\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\nstartxref\n9\n%%EOF\n").into_bytes()
}

/// A multipart/form-data body with one file field.
pub fn multipart(field: &str, filename: &str, content_type: &str, bytes: &[u8]) -> (String, Vec<u8>) {
    let boundary = "kyoso-test-boundary-7d93";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{filename}\"\r\nContent-Type: {content_type}\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

pub async fn audit_actions(app: &TestApp, entity_type: &str, entity_id: &str) -> Vec<String> {
    let res = app
        .get(&format!("/api/v1/audit?entity_type={entity_type}&entity_id={entity_id}&limit=500"))
        .token(&app.admin.token)
        .send()
        .await;
    res.body["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap().to_string()).collect()
}

/// A call under review with one submitted proposal per `(tag, prefecture)`, each with the given
/// keywords. Returns the call and the proposal ids, in order.
pub async fn call_under_review(app: &TestApp, proposals: &[(&str, &str, &[&str])]) -> (String, Vec<String>) {
    let with_requests: Vec<(&str, &str, &[&str], i64)> = proposals.iter().map(|(t, p, k)| (*t, *p, *k, 2_000_000_000)).collect();
    call_under_review_with(app, 69_500_000_000, &with_requests).await
}

/// As [`call_under_review`], with the call's total budget and each proposal's request chosen.
pub async fn call_under_review_with(app: &TestApp, budget: i64, proposals: &[(&str, &str, &[&str], i64)]) -> (String, Vec<String>) {
    let mut body = call_body_at("lab_construction", app.state.now());
    body["total_budget_yen"] = json!(budget);
    body["max_request_yen"] = json!(budget.min(MAX_REQUEST));
    call_under_review_of(app, &body, proposals).await
}

/// As [`call_under_review_with`], for a call with the terms `body`.
pub async fn call_under_review_of(app: &TestApp, body: &Value, proposals: &[(&str, &str, &[&str], i64)]) -> (String, Vec<String>) {
    let res = app.post("/api/v1/calls").token(&app.admin.token).json(body).send().await;
    res.assert_status(201);
    let call = res.str("id");
    app.post(&format!("/api/v1/calls/{call}/publish")).token(&app.admin.token).send().await.assert_status(200);
    let mut ids = Vec::new();
    for (tag, prefecture, keywords, requested) in proposals {
        let officer = app.applicant(prefecture).await;
        let mut content = complete_content(tag, prefecture, &[]);
        content["keywords"] = json!(keywords);
        content["requested_amount_yen"] = json!(requested);
        let id = create_proposal(app, &officer, &call, &content).await.str("id");
        endorse_all(app, &officer, &id, tag).await;
        app.post(&format!("/api/v1/proposals/{id}/submit")).token(&officer.token).send().await.assert_status(200);
        ids.push(id);
    }
    app.advance(Duration::days(31));
    app.post(&format!("/api/v1/calls/{call}/start-review")).token(&app.admin.token).send().await.assert_status(200);
    (call, ids)
}

/// Closes the call's submissions and has one reviewer grade every proposal (S, A, B): what a
/// decision needs.
pub async fn close_and_review(app: &TestApp, call: &str, proposals: &[&str]) {
    app.advance(Duration::days(31));
    app.post(&format!("/api/v1/calls/{call}/start-review")).token(&app.admin.token).send().await.assert_status(200);
    let reviewer = expert(app, "九州大学", Some("40"), &["materials"], None).await;
    for id in proposals {
        let a = assign(app, call, id, &reviewer).await.str("id");
        review(app, &reviewer, &a, ["S", "A", "B"]).await;
    }
}

pub async fn expert(app: &TestApp, affiliation: &str, prefecture: Option<&str>, expertise: &[&str], max: Option<u32>) -> TestUser {
    let mut fields = json!({ "role": "reviewer", "affiliation": affiliation, "expertise": expertise });
    if let Some(p) = prefecture {
        fields["affiliation_prefecture_code"] = json!(p);
    }
    if let Some(m) = max {
        fields["max_assignments"] = json!(m);
    }
    app.user(fields).await
}

pub async fn assign(app: &TestApp, call: &str, proposal: &str, reviewer: &TestUser) -> Response {
    app.post(&format!("/api/v1/calls/{call}/assignments"))
        .token(&app.admin.token)
        .json(&json!({ "proposal_id": proposal, "reviewer_id": reviewer.id }))
        .send()
        .await
}

/// Saves and submits a complete review with the given grades for purpose, feasibility, impact.
pub async fn review(app: &TestApp, reviewer: &TestUser, assignment: &str, grades: [&str; 3]) {
    let body = json!({
        "grades": { "purpose": grades[0], "feasibility": grades[1], "impact": grades[2] },
        "comments": { "feasibility": "根拠が明確" },
        "overall_grade": grades[1],
        "overall_comment": "総合所見"
    });
    app.put(&format!("/api/v1/assignments/{assignment}/review")).token(&reviewer.token).json(&body).send().await.assert_status(200);
    app.post(&format!("/api/v1/assignments/{assignment}/review/submit")).token(&reviewer.token).send().await.assert_status(200);
}

/// Submitted proposals in an open lab-construction call: Tokyo's joint one with Saitama as a
/// confirmed partner (tag "capital"), and Aomori's alone (tag "north").
pub struct JointAndSingle {
    pub call: String,
    pub joint: String,
    pub single: String,
    pub tokyo: TestUser,
    pub saitama: TestUser,
    pub aomori: TestUser,
}

pub async fn joint_and_single(app: &TestApp) -> JointAndSingle {
    let call = open_call(app, "lab_construction").await;
    let tokyo = app.applicant("13").await;
    let saitama = app.applicant("11").await;
    let joint = create_proposal(app, &tokyo, &call, &complete_content("capital", "13", &["11"])).await.str("id");
    app.post(&format!("/api/v1/proposals/{joint}/partners/11/confirm")).token(&saitama.token).send().await.assert_status(200);
    endorse_all(app, &tokyo, &joint, "capital").await;
    app.post(&format!("/api/v1/proposals/{joint}/submit")).token(&tokyo.token).send().await.assert_status(200);
    let aomori = app.applicant("02").await;
    let single = submitted_proposal(app, &aomori, &call, "north", "02").await["id"].as_str().unwrap_or_default().to_string();
    JointAndSingle { call, joint, single, tokyo, saitama, aomori }
}
