use diesel::connection::SimpleConnection;
use kyoso::db::{Db, revert_all_migrations, run_migrations};
use serde_json::Value;

use crate::helpers::TestApp;

#[actix_web::test]
async fn health_reports_the_database() {
    let app = TestApp::spawn().await;
    let res = app.get("/health").send().await;
    res.assert_status(200);
    assert_eq!(res.body, serde_json::json!({ "status": "ok", "database": "ok" }));
}

/// When the server drops every connection (a restart, a failover), each pooled connection
/// fails at most one request and is then replaced: the pool does not check a connection used
/// within the last second, which saves a round trip per request. SQLite has no server to lose.
#[actix_web::test]
async fn connections_the_database_server_dropped_are_replaced() {
    use diesel::prelude::*;
    #[derive(QueryableByName)]
    struct Ended {
        #[diesel(sql_type = diesel::sql_types::Bool)]
        ended: bool,
    }
    let app = TestApp::spawn().await;
    if app.state.db.backend() != kyoso::db::Backend::Postgres {
        return;
    }
    // Every pooled connection in use just now, so that none would be checked on its own.
    let pool_size = app.state.settings.database.pool_size as usize;
    let warm: Vec<_> = (0..pool_size * 2).map(|_| app.get("/health").send()).collect();
    for res in futures_util::future::join_all(warm).await {
        res.assert_status(200);
    }
    let mut outside = diesel::PgConnection::establish(&app.state.settings.database.url).expect("a connection outside the pool");
    let ended: Vec<Ended> = diesel::sql_query(
        "SELECT pg_terminate_backend(pid) AS ended FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()",
    )
    .load(&mut outside)
    .expect("end the pool's connections");
    assert!(!ended.is_empty() && ended.iter().all(|e| e.ended), "the pool's connections were ended");

    let mut statuses = Vec::new();
    for _ in 0..pool_size + 3 {
        statuses.push(app.get("/health").send().await.status.as_u16());
    }
    let failed = statuses.iter().filter(|s| **s != 200).count();
    assert!((1..=pool_size).contains(&failed), "one failure at most per pooled connection: {statuses:?}");
    assert!(statuses[statuses.len() - 3..].iter().all(|s| *s == 200), "then every request is served: {statuses:?}");
}

/// The published document (docs/openapi.json) is exactly what the code generates. After a
/// deliberate API change, regenerate it with `UPDATE_OPENAPI=1 cargo test openapi`.
#[actix_web::test]
async fn openapi_document_is_served_and_matches_the_published_snapshot() {
    let app = TestApp::spawn().await;
    let res = app.get("/api/v1/openapi.json").send().await;
    res.assert_status(200);
    assert!(res.body["openapi"].as_str().is_some_and(|v| v.starts_with("3.")));
    let served = serde_json::to_string_pretty(&res.body).expect("serializable") + "\n";
    let generated = serde_json::to_value(kyoso::openapi::document()).expect("serializable");
    let generated = serde_json::to_string_pretty(&generated).expect("serializable") + "\n";
    assert_eq!(served, generated, "the served document is the generated one");
    // Keys sorted: a test dependency (thirtyfour) turns on serde_json's `preserve_order` in
    // test builds, and the snapshot must not depend on which build wrote it.
    let generated = serde_json::to_string_pretty(&sorted_keys(serde_json::from_str(&generated).expect("json"))).expect("serializable") + "\n";

    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/openapi.json");
    if std::env::var("UPDATE_OPENAPI").is_ok_and(|v| v == "1") {
        std::fs::write(&path, &generated).expect("write docs/openapi.json");
    }
    let published = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(published == generated, "docs/openapi.json is stale: run `UPDATE_OPENAPI=1 cargo test openapi` and commit it");
}

fn sorted_keys(value: serde_json::Value) -> serde_json::Value {
    match value {
        serde_json::Value::Object(map) => {
            let sorted: std::collections::BTreeMap<String, serde_json::Value> = map.into_iter().map(|(k, v)| (k, sorted_keys(v))).collect();
            serde_json::Value::Object(sorted.into_iter().collect())
        }
        serde_json::Value::Array(items) => serde_json::Value::Array(items.into_iter().map(sorted_keys).collect()),
        other => other,
    }
}

#[actix_web::test]
async fn openapi_document_covers_every_endpoint_of_api_md() {
    let doc = serde_json::to_value(kyoso::openapi::document()).expect("serializable");
    let paths = doc["paths"].as_object().expect("paths");
    for (path, method) in [
        ("/health", "get"),
        ("/api/v1/openapi.json", "get"),
        ("/api/v1/auth/login", "post"),
        ("/api/v1/auth/refresh", "post"),
        ("/api/v1/auth/logout", "post"),
        ("/api/v1/auth/activate", "post"),
        ("/api/v1/auth/password-reset", "post"),
        ("/api/v1/auth/password-reset/confirm", "post"),
        ("/api/v1/me", "get"),
        ("/api/v1/users", "post"),
        ("/api/v1/users", "get"),
        ("/api/v1/prefectures", "get"),
        ("/api/v1/calls", "post"),
        ("/api/v1/calls", "get"),
        ("/api/v1/calls/{id}", "get"),
        ("/api/v1/calls/{id}", "patch"),
        ("/api/v1/calls/{id}/publish", "post"),
        ("/api/v1/calls/{id}/start-review", "post"),
        ("/api/v1/calls/{id}/publish-decisions", "post"),
        ("/api/v1/calls/{id}/proposals", "post"),
        ("/api/v1/proposals", "get"),
        ("/api/v1/proposals/{id}", "get"),
        ("/api/v1/proposals/{id}", "patch"),
        ("/api/v1/proposals/{id}/partners/{code}/confirm", "post"),
        ("/api/v1/proposals/{id}/partners/{code}/confirm", "delete"),
        ("/api/v1/proposals/{id}/endorsements/request", "post"),
        ("/api/v1/endorsements/{token}", "post"),
        ("/api/v1/proposals/{id}/submit", "post"),
        ("/api/v1/proposals/{id}/unsubmit", "post"),
        ("/api/v1/proposals/{id}/withdraw", "post"),
        ("/api/v1/proposals/{id}/attachments", "post"),
        ("/api/v1/proposals/{id}/attachments/{aid}", "get"),
        ("/api/v1/proposals/{id}/versions", "get"),
        ("/api/v1/proposals/{id}/conflicts", "post"),
        ("/api/v1/calls/{id}/assignments", "get"),
        ("/api/v1/calls/{id}/assignments", "post"),
        ("/api/v1/calls/{id}/assignments/auto", "post"),
        ("/api/v1/me/assignments", "get"),
        ("/api/v1/assignments/{id}/accept", "post"),
        ("/api/v1/assignments/{id}/decline", "post"),
        ("/api/v1/assignments/{id}/conflict", "post"),
        ("/api/v1/assignments/{id}/review", "put"),
        ("/api/v1/assignments/{id}/review/submit", "post"),
        ("/api/v1/assignments/{id}/review/return", "post"),
        ("/api/v1/calls/{id}/ranking", "get"),
        ("/api/v1/proposals/{id}/decision", "put"),
        ("/api/v1/calls/{id}/budget-plan", "get"),
        ("/api/v1/proposals/{id}/result", "get"),
        ("/api/v1/public/calls/{id}/results", "get"),
        ("/api/v1/audit", "get"),
    ] {
        assert!(paths.get(path).and_then(|p| p.get(method)).is_some(), "{method} {path} is missing from the document");
    }
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
    // Errors are documented with the media type they are sent with.
    let unauthorized = &paths["/api/v1/auth/login"]["post"]["responses"]["401"]["content"];
    assert!(unauthorized.get("application/problem+json").is_some(), "{unauthorized}");
    assert!(unauthorized.get("application/json").is_none());
}

#[actix_web::test]
async fn swagger_ui_is_served_offline_at_docs() {
    let app = TestApp::spawn().await;
    let res = app.get("/docs/").send().await;
    res.assert_status(200);
    assert!(String::from_utf8_lossy(&res.bytes).contains("swagger"));
    let res = app.get("/docs/swagger-ui.css").send().await;
    res.assert_status(200);
}

fn table_count(db: &Db) -> usize {
    use diesel::prelude::*;
    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let mut conn = db.conn().expect("connection");
    let sql = match db.backend() {
        kyoso::db::Backend::Sqlite => "SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> '__diesel_schema_migrations'",
        kyoso::db::Backend::Postgres => "SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_schema = 'public' AND table_name <> '__diesel_schema_migrations'",
    };
    let rows: Vec<Count> = diesel::sql_query(sql).load(&mut **conn).expect("count tables");
    rows[0].n as usize
}

#[actix_web::test]
async fn every_migration_runs_down_and_up_again() {
    let app = TestApp::spawn().await;
    let db = &app.state.db;
    let before = table_count(db);
    assert!(before >= 8, "the schema has its tables ({before})");
    let mut conn = db.conn().expect("connection");
    let reverted = revert_all_migrations(&mut conn).expect("every down.sql runs");
    assert!(reverted >= 2);
    drop(conn);
    assert_eq!(table_count(db), 0, "down migrations drop everything they created");
    let mut conn = db.conn().expect("connection");
    let applied = run_migrations(&mut conn).expect("every up.sql runs again");
    assert_eq!(applied, reverted);
    drop(conn);
    assert_eq!(table_count(db), before);
}

#[actix_web::test]
async fn the_audit_log_cannot_be_rewritten() {
    let app = TestApp::spawn().await;
    let mut conn = app.state.db.conn().expect("connection");
    let update = conn.batch_execute("UPDATE audit_events SET action = 'forged'");
    let delete = conn.batch_execute("DELETE FROM audit_events");
    assert!(update.is_err(), "UPDATE on the audit log is refused by the database");
    assert!(delete.is_err(), "DELETE on the audit log is refused by the database");
}

/// PostgreSQL's row triggers do not fire on TRUNCATE, so a statement trigger refuses it. SQLite
/// has no TRUNCATE: there the statement fails whatever the schema, and the emptying DELETE is
/// refused by the test above.
#[actix_web::test]
async fn the_audit_log_cannot_be_truncated() {
    use diesel::prelude::*;
    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let app = TestApp::spawn().await;
    let mut conn = app.state.db.conn().expect("connection");
    let before: Vec<Count> = diesel::sql_query("SELECT COUNT(*) AS n FROM audit_events").load(&mut **conn).expect("count");
    assert!(before[0].n > 0, "signing in the admin left events to protect");
    let truncate = conn.batch_execute("TRUNCATE audit_events");
    let error = truncate.expect_err("TRUNCATE of the audit log is refused").to_string();
    if app.state.db.backend() == kyoso::db::Backend::Postgres {
        assert!(error.contains("append-only"), "refused by the trigger: {error}");
    }
    let after: Vec<Count> = diesel::sql_query("SELECT COUNT(*) AS n FROM audit_events").load(&mut **conn).expect("count");
    assert_eq!(after[0].n, before[0].n);
}

/// The environment that points the binary at a test's database and folders.
fn cli_env(dir: &tempfile::TempDir, settings: &kyoso::config::Settings) -> Vec<(&'static str, String)> {
    vec![
        ("DATABASE_URL", settings.database.url.clone()),
        ("KYOSO__APP__DATA_DIR", dir.path().to_string_lossy().into_owned()),
        ("KYOSO_MAIL_DIR", settings.mail.dir.clone()),
        ("RUST_LOG", "error".to_string()),
    ]
}

/// Runs `kyoso admin create --email <email>` with `password` on standard input.
fn admin_create(env: &[(&'static str, String)], email: &str, password: &[u8]) -> std::process::Output {
    use std::io::Write as _;
    use std::process::{Command, Stdio};

    let mut child = Command::new(env!("CARGO_BIN_EXE_kyoso"))
        .args(["admin", "create", "--email", email])
        .envs(env.iter().cloned())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("kyoso admin create runs");
    child.stdin.take().expect("stdin").write_all(password).expect("write password");
    child.wait_with_output().expect("finishes")
}

#[actix_web::test]
async fn the_binary_migrates_and_creates_an_admin_from_stdin() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let settings = crate::helpers::test_settings(&dir);
    let env = cli_env(&dir, &settings);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_kyoso"))
        .arg("migrate")
        .envs(env.iter().cloned())
        .output()
        .expect("kyoso migrate runs");
    assert!(out.status.success(), "migrate: {}", String::from_utf8_lossy(&out.stderr));

    let out = admin_create(&env, "Second.Admin@JST.example", b"a long enough password\n");
    assert!(out.status.success(), "admin create: {}", String::from_utf8_lossy(&out.stderr));

    let db = Db::connect(&settings.database.url, 1).expect("connect");
    let mut conn = db.conn().expect("connection");
    let admin = kyoso::repo::users::find_by_email(&mut conn, &kyoso::domain::user::Email::parse("second.admin@jst.example").unwrap())
        .expect("query")
        .expect("the admin exists");
    assert!(admin.active && admin.role == kyoso::domain::user::Role::Admin);
    drop(conn);

    // A short password is refused and creates nothing.
    assert!(!admin_create(&env, "third@jst.example", b"short\n").status.success());
    let mut conn = db.conn().expect("connection");
    let third = kyoso::repo::users::find_by_email(&mut conn, &kyoso::domain::user::Email::parse("third@jst.example").unwrap()).expect("query");
    assert!(third.is_none());
}

#[actix_web::test]
async fn production_mode_refuses_to_start_without_a_jwt_secret() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let mut settings = crate::helpers::test_settings(&dir);
    settings.app.mode = kyoso::config::Mode::Production;
    settings.auth.jwt_secret = String::new();
    let clock = std::sync::Arc::new(kyoso::clock::SystemClock);
    let err = kyoso::startup::build_state(settings, clock).err().expect("refused");
    assert!(err.to_string().contains("jwt_secret"), "{err}");
}

#[actix_web::test]
async fn development_mode_generates_a_secret_once_and_keeps_it() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let mut settings = crate::helpers::test_settings(&dir);
    settings.auth.jwt_secret = String::new();
    let clock = std::sync::Arc::new(kyoso::clock::SystemClock);
    kyoso::startup::build_state(settings.clone(), clock.clone()).expect("starts");
    let first = std::fs::read_to_string(dir.path().join("jwt-secret")).expect("secret written");
    kyoso::startup::build_state(settings, clock).expect("starts again");
    let second = std::fs::read_to_string(dir.path().join("jwt-secret")).expect("secret kept");
    assert_eq!(first, second);
    assert!(first.len() >= 64);
}

#[actix_web::test]
async fn responses_never_leak_internal_errors() {
    let app = TestApp::spawn().await;
    let res = app.get("/api/v1/users?limit=abc").token(&app.admin.token).send().await;
    res.assert_problem(422, "validation_failed");
    assert!(matches!(res.body["errors"], Value::Array(_)));
}

/// The CLI names what failed, not the HTTP API's generic "unexpected error".
#[actix_web::test]
async fn the_binary_says_why_an_admin_cannot_be_created() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let settings = crate::helpers::test_settings(&dir);
    let mut env = cli_env(&dir, &settings);
    let first = admin_create(&env, "po@jst.example", b"a long enough password\n");
    assert!(first.status.success(), "admin create: {}", String::from_utf8_lossy(&first.stderr));

    let again = admin_create(&env, "PO@jst.example", b"a long enough password\n");
    assert!(!again.status.success());
    let stderr = String::from_utf8_lossy(&again.stderr);
    assert!(stderr.contains("admin create: po@jst.example already has an account"), "{stderr}");

    // A database that cannot be used is named as the cause.
    let not_a_database = dir.path().join("not-a-database.sqlite");
    std::fs::write(&not_a_database, vec![b'x'; 4096]).expect("write a file that is not a database");
    env[0].1 = not_a_database.to_string_lossy().into_owned();
    let out = admin_create(&env, "other@jst.example", b"a long enough password\n");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("database") && !stderr.contains("unexpected error"), "{stderr}");
}

#[actix_web::test]
async fn every_answer_names_its_request_and_forbids_sniffing() {
    let app = TestApp::spawn().await;
    let ok = app.get("/health").send().await;
    ok.assert_status(200);
    let id = ok.header("x-request-id").expect("a request id");
    assert!(uuid::Uuid::parse_str(&id).is_ok(), "a fresh UUID: {id}");
    assert_eq!(ok.header("x-content-type-options").as_deref(), Some("nosniff"));

    let missing = app.get("/api/v1/calls/nope").token(&app.admin.token).send().await;
    missing.assert_problem(404, "not_found");
    let id = missing.header("x-request-id").expect("a request id");
    assert_eq!(missing.body["request_id"], id.as_str(), "the problem names the same request");
    assert_eq!(missing.header("x-content-type-options").as_deref(), Some("nosniff"));
    let unrouted = app.get("/nowhere").send().await;
    unrouted.assert_problem(404, "not_found");
    assert_eq!(unrouted.body["request_id"].as_str(), unrouted.header("x-request-id").as_deref());

    let passed_on = app.get("/health").header("X-Request-Id", "edge-42.a_b:c").send().await;
    assert_eq!(passed_on.header("x-request-id").as_deref(), Some("edge-42.a_b:c"), "a proxy's id is kept");
    for insane in ["a b", "x".repeat(65).as_str(), "<script>"] {
        let replaced = app.get("/health").header("X-Request-Id", insane).send().await;
        let id = replaced.header("x-request-id").expect("a request id");
        assert!(uuid::Uuid::parse_str(&id).is_ok(), "{insane:?} replaced by a UUID, got {id}");
    }
}

#[actix_web::test]
async fn a_created_resource_says_where_it_is() {
    let app = TestApp::spawn().await;
    let body = crate::fixtures::call_body("lab_construction");
    let res = app.post("/api/v1/calls").token(&app.admin.token).json(&body).send().await;
    res.assert_status(201);
    assert!(res.header("x-request-id").is_some());
    let location = res.header("location").expect("Location on 201");
    assert_eq!(location, format!("/api/v1/calls/{}", res.str("id")));
    let fetched = app.get(&location).token(&app.admin.token).send().await;
    fetched.assert_status(200);
    assert_eq!(fetched.body["id"], res.body["id"]);
}

#[actix_web::test]
async fn token_answers_are_not_cached_and_the_docs_page_has_a_content_security_policy() {
    let app = TestApp::spawn().await;
    let body = serde_json::json!({ "email": crate::helpers::ADMIN_EMAIL, "password": crate::helpers::PASSWORD });
    let login = app.post("/api/v1/auth/login").json(&body).send().await;
    login.assert_status(200);
    assert_eq!(login.header("cache-control").as_deref(), Some("no-store"));
    let refused = app.post("/api/v1/auth/login").json(&serde_json::json!({ "email": "x@example.jp", "password": "wrong-password-1" })).send().await;
    assert_eq!(refused.header("cache-control").as_deref(), Some("no-store"));
    assert!(app.get("/health").send().await.header("cache-control").is_none());

    let docs = app.get("/docs/").send().await;
    docs.assert_status(200);
    let csp = docs.header("content-security-policy").expect("a CSP on /docs");
    assert!(csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'"), "{csp}");
    assert!(!csp.contains("script-src 'self' 'unsafe-inline'"), "no inline scripts: {csp}");
}
