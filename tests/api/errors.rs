use serde_json::json;

use crate::helpers::TestApp;

#[actix_web::test]
async fn malformed_json_is_a_400_problem() {
    let app = TestApp::spawn().await;
    let res = app.post("/api/v1/auth/login").raw("application/json", "{\"email\": ").send().await;
    res.assert_problem(400, "malformed_json");
    let res = app.post("/api/v1/auth/login").raw("application/json", "").send().await;
    res.assert_problem(400, "malformed_json");
}

#[actix_web::test]
async fn a_body_of_the_wrong_shape_is_a_422_naming_the_field() {
    let app = TestApp::spawn().await;
    let res = app.post("/api/v1/auth/login").json(&json!({ "email": 5, "password": "x" })).send().await;
    res.assert_problem(422, "validation_failed");
    assert_eq!(res.body["errors"][0]["field"], "email");
    let res = app.post("/api/v1/users").token(&app.admin.token).json(&json!({ "email": "a@b.jp", "name": "A", "role": "emperor" })).send().await;
    res.assert_problem(422, "validation_failed");
    assert_eq!(res.body["errors"][0]["field"], "role");
}

#[actix_web::test]
async fn oversized_bodies_are_refused_with_413() {
    let app = TestApp::spawn().await;
    let big = json!({ "email": "x".repeat(2 * 1024 * 1024), "password": "y" });
    let res = app.post("/api/v1/auth/login").json(&big).send().await;
    res.assert_problem(413, "payload_too_large");
}

#[actix_web::test]
async fn non_json_bodies_are_refused_with_415() {
    let app = TestApp::spawn().await;
    let res = app.post("/api/v1/auth/login").raw("text/plain", "email=a").send().await;
    res.assert_problem(415, "unsupported_media_type");
}

#[actix_web::test]
async fn unknown_routes_are_404_and_other_methods_405_problems() {
    let app = TestApp::spawn().await;
    app.get("/api/v1/nothing-here").send().await.assert_problem(404, "not_found");
    app.get("/nowhere").send().await.assert_problem(404, "not_found");
    let res = app.delete("/api/v1/prefectures").send().await;
    res.assert_problem(405, "method_not_allowed");
    assert_eq!(res.header("allow").as_deref(), Some("GET"));
    let res = app.request(awc::http::Method::TRACE, "/api/v1/calls/some-id").send().await;
    res.assert_problem(405, "method_not_allowed");
    assert_eq!(res.header("allow").as_deref(), Some("GET, PATCH"));
    app.get("/api/v1/calls/some-id/nothing").send().await.assert_problem(404, "not_found");
}

#[actix_web::test]
async fn pagination_bounds_are_checked() {
    let app = TestApp::spawn().await;
    let res = app.get("/api/v1/users?limit=0").token(&app.admin.token).send().await;
    res.assert_problem(422, "validation_failed");
    let res = app.get("/api/v1/users?limit=501&offset=-1").token(&app.admin.token).send().await;
    res.assert_problem(422, "validation_failed");
    assert_eq!(res.body["errors"].as_array().unwrap().len(), 2, "both problems are listed: {}", res.body);
    let res = app.get("/api/v1/users?limit=500").token(&app.admin.token).send().await;
    res.assert_status(200);
}
