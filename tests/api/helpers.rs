#![allow(dead_code)] // helpers serve every test module; not each uses all of them
//! The test harness: every test gets its own server on a random port and its own fresh
//! database — a SQLite file in a temporary folder, or, when `KYOSO_TEST_POSTGRES_URL` names a
//! PostgreSQL server, a database cloned from a migrated template.

use std::collections::HashMap;
use std::net::TcpListener;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};

use awc::http::{Method, StatusCode, header};
use chrono::Duration;
use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};
use kyoso::clock::ShiftedClock;
use kyoso::config::Settings;
use kyoso::mail::MailTransport;
use kyoso::startup::{Application, build_state};
use kyoso::state::AppState;
use serde_json::{Value, json};
use tempfile::TempDir;

pub const ADMIN_EMAIL: &str = "po@jst.example";
pub const PASSWORD: &str = "correct horse battery staple";

/// The PostgreSQL server the suite runs against, when set; SQLite otherwise.
pub fn postgres_admin_url() -> Option<String> {
    std::env::var("KYOSO_TEST_POSTGRES_URL").ok().filter(|u| !u.is_empty())
}

fn replace_database(url: &str, database: &str) -> String {
    match url.rfind('/') {
        Some(i) if url[..i].contains("://") && url[..i].ends_with(|c: char| c != '/') => {
            let (base, rest) = url.split_at(i);
            let query = rest.find('?').map(|q| &rest[q..]).unwrap_or("");
            format!("{base}/{database}{query}")
        }
        _ => format!("{}/{database}", url.trim_end_matches('/')),
    }
}

/// A migrated template database, created once per test process.
fn postgres_template(admin_url: &str) -> String {
    static TEMPLATE: OnceLock<String> = OnceLock::new();
    TEMPLATE
        .get_or_init(|| {
            let name = format!("kyoso_tpl_{}", std::process::id());
            let mut admin = PgConnection::establish(admin_url).expect("connect to the test PostgreSQL server");
            // One statement per call: PostgreSQL runs a multi-statement string as one transaction,
            // and CREATE/DROP DATABASE refuse to run inside one.
            admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name}")).expect("drop an old template");
            admin.batch_execute(&format!("CREATE DATABASE {name}")).expect("create the template database");
            let db = kyoso::db::Db::connect(&replace_database(admin_url, &name), 1).expect("connect to the template");
            db.run_migrations().expect("migrate the template");
            drop(db);
            name
        })
        .clone()
}

/// A fresh PostgreSQL database for one test.
pub fn fresh_postgres_database(admin_url: &str) -> String {
    static CREATING: Mutex<()> = Mutex::new(());
    let template = postgres_template(admin_url);
    let name = format!("kyoso_t_{}", uuid::Uuid::new_v4().simple());
    // PostgreSQL refuses to copy a template that another CREATE DATABASE is reading.
    let _one_at_a_time = CREATING.lock().unwrap_or_else(|p| p.into_inner());
    let mut admin = PgConnection::establish(admin_url).expect("connect to the test PostgreSQL server");
    admin
        .batch_execute(&format!("CREATE DATABASE {name} TEMPLATE {template};"))
        .expect("create a test database");
    replace_database(admin_url, &name)
}

pub fn test_settings(dir: &TempDir) -> Settings {
    let mut settings = Settings::load_from(HashMap::new()).expect("default settings");
    settings.app.data_dir = dir.path().to_path_buf();
    settings.database.url = match postgres_admin_url() {
        Some(url) => fresh_postgres_database(&url),
        None => dir.path().join("kyoso.sqlite3").to_string_lossy().into_owned(),
    };
    settings.database.pool_size = 6;
    settings.server.workers = 2;
    settings.mail.dir = dir.path().join("mail").to_string_lossy().into_owned();
    settings.mail.worker_enabled = false;
    settings.storage.attachments_dir = dir.path().join("attachments");
    settings.auth.jwt_secret = "test secret, long enough for HS256 signing".into();
    // Cheap hashing keeps the suite fast; the algorithm (argon2id) is the same.
    settings.auth.argon2_memory_kib = 256;
    settings.auth.argon2_iterations = 1;
    // Tests step the clock past deadlines (weeks); their users stay logged in. Tests of expiry
    // set the production lifetimes back (see `with_production_token_lifetimes`).
    settings.auth.access_ttl_secs = 90 * 24 * 3600;
    settings.auth.refresh_ttl_secs = 180 * 24 * 3600;
    settings.auth.session_lifetime_secs = 180 * 24 * 3600;
    settings.bootstrap.admin_email = Some(ADMIN_EMAIL.into());
    settings.bootstrap.admin_password = Some(PASSWORD.into());
    settings
}

pub fn with_production_token_lifetimes(settings: &mut Settings) {
    let defaults = Settings::load_from(HashMap::new()).expect("default settings");
    settings.auth.access_ttl_secs = defaults.auth.access_ttl_secs;
    settings.auth.refresh_ttl_secs = defaults.auth.refresh_ttl_secs;
    settings.auth.session_lifetime_secs = defaults.auth.session_lifetime_secs;
}

pub struct Response {
    pub status: StatusCode,
    pub headers: awc::http::header::HeaderMap,
    pub body: Value,
    pub bytes: Vec<u8>,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned)
    }

    pub fn str(&self, field: &str) -> String {
        self.body[field].as_str().unwrap_or_else(|| panic!("no string {field:?} in {}", self.body)).to_string()
    }

    /// Asserts a problem document with the given status and code.
    #[track_caller]
    pub fn assert_problem(&self, status: u16, code: &str) {
        assert_eq!(self.status.as_u16(), status, "unexpected status; body: {}", self.body);
        assert_eq!(self.header("content-type").as_deref(), Some("application/problem+json"), "body: {}", self.body);
        assert_eq!(self.body["code"], code, "body: {}", self.body);
        for member in ["type", "title", "status", "detail"] {
            assert!(!self.body[member].is_null(), "problem lacks {member}: {}", self.body);
        }
    }

    /// Asserts a 422 whose `errors` name `field` with `code`.
    #[track_caller]
    pub fn assert_field_error(&self, field: &str, code: &str) {
        assert_eq!(self.status.as_u16(), 422, "unexpected status; body: {}", self.body);
        let errors = self.body["errors"].as_array().unwrap_or_else(|| panic!("no errors in {}", self.body));
        assert!(errors.iter().any(|e| e["field"] == field && e["code"] == code), "no {field}:{code} in {}", self.body);
    }

    #[track_caller]
    pub fn assert_status(&self, status: u16) -> &Self {
        assert_eq!(self.status.as_u16(), status, "unexpected status; body: {}", self.body);
        self
    }
}

#[derive(Debug, Clone)]
pub struct TestUser {
    pub id: String,
    pub email: String,
    pub token: String,
    pub refresh_token: String,
}

pub struct TestApp {
    pub address: String,
    pub state: AppState,
    pub clock: Arc<ShiftedClock>,
    pub mail_dir: PathBuf,
    pub dir: TempDir,
    pub admin: TestUser,
    client: awc::Client,
    next_user: std::cell::Cell<u32>,
}

pub struct Request<'a> {
    app: &'a TestApp,
    method: Method,
    path: String,
    token: Option<String>,
    headers: Vec<(String, String)>,
    body: Option<(String, Vec<u8>)>,
}

impl Request<'_> {
    pub fn token(mut self, token: &str) -> Self {
        self.token = Some(token.to_string());
        self
    }

    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    pub fn json(mut self, body: &Value) -> Self {
        self.body = Some(("application/json".into(), serde_json::to_vec(body).expect("serializable")));
        self
    }

    pub fn raw(mut self, content_type: &str, body: impl Into<Vec<u8>>) -> Self {
        self.body = Some((content_type.into(), body.into()));
        self
    }

    pub async fn send(self) -> Response {
        let url = format!("{}{}", self.app.address, self.path);
        let mut req = self.app.client.request(self.method, url);
        if let Some(t) = &self.token {
            req = req.insert_header((header::AUTHORIZATION, format!("Bearer {t}")));
        }
        for (k, v) in &self.headers {
            req = req.insert_header((k.as_str(), v.as_str()));
        }
        let mut res = match self.body {
            Some((ct, bytes)) => req.insert_header((header::CONTENT_TYPE, ct)).send_body(bytes).await,
            None => req.send().await,
        }
        .expect("request reaches the server");
        let bytes = res.body().limit(64 * 1024 * 1024).await.expect("response body").to_vec();
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Response { status: res.status(), headers: res.headers().clone(), body, bytes }
    }
}

#[derive(Debug, Clone)]
pub struct SentEmail {
    pub to: String,
    pub subject: String,
    pub body: String,
}

impl SentEmail {
    /// The one-time token of the link in this email.
    pub fn token(&self) -> String {
        let start = self.body.find("token=").expect("the email carries a token link") + "token=".len();
        self.body[start..].chars().take_while(|c| c.is_ascii_alphanumeric() || "-_.".contains(*c)).collect::<String>()
            .trim_end_matches('.')
            .to_string()
    }
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        Self::spawn_with(|_| {}).await
    }

    pub async fn spawn_with(adjust: impl FnOnce(&mut Settings)) -> TestApp {
        let dir = tempfile::tempdir().expect("temporary folder");
        let mut settings = test_settings(&dir);
        adjust(&mut settings);
        let mail_dir = PathBuf::from(&settings.mail.dir);
        let clock = Arc::new(ShiftedClock::default());
        let state = build_state(settings, clock.clone()).expect("application state");
        let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
        let app = Application::build(state.clone(), listener).expect("server");
        let address = format!("http://127.0.0.1:{}", app.port());
        actix_web::rt::spawn(app.into_server());
        let client = awc::Client::builder().timeout(std::time::Duration::from_secs(60)).finish();
        let mut test_app = TestApp {
            address,
            state,
            clock,
            mail_dir,
            dir,
            admin: TestUser { id: String::new(), email: ADMIN_EMAIL.into(), token: String::new(), refresh_token: String::new() },
            client,
            next_user: std::cell::Cell::new(0),
        };
        test_app.admin = test_app.login(ADMIN_EMAIL, PASSWORD).await;
        test_app
    }

    pub fn request(&self, method: Method, path: &str) -> Request<'_> {
        Request { app: self, method, path: path.to_string(), token: None, headers: Vec::new(), body: None }
    }

    pub fn get(&self, path: &str) -> Request<'_> {
        self.request(Method::GET, path)
    }

    pub fn post(&self, path: &str) -> Request<'_> {
        self.request(Method::POST, path)
    }

    pub fn put(&self, path: &str) -> Request<'_> {
        self.request(Method::PUT, path)
    }

    pub fn patch(&self, path: &str) -> Request<'_> {
        self.request(Method::PATCH, path)
    }

    pub fn delete(&self, path: &str) -> Request<'_> {
        self.request(Method::DELETE, path)
    }

    pub async fn login(&self, email: &str, password: &str) -> TestUser {
        let res = self.post("/api/v1/auth/login").json(&json!({ "email": email, "password": password })).send().await;
        res.assert_status(200);
        let token = res.str("access_token");
        let me = self.get("/api/v1/me").token(&token).send().await;
        TestUser { id: me.str("id"), email: email.to_string(), token, refresh_token: res.str("refresh_token") }
    }

    pub fn advance(&self, by: Duration) {
        self.clock.advance(by);
    }

    /// Runs the mail worker's delivery once, as the background worker would.
    pub async fn deliver_mail(&self) -> kyoso::mail::DeliveryReport {
        kyoso::mail::deliver_due(&self.state, &MailTransport::file(self.mail_dir.clone())).await.expect("delivery pass")
    }

    /// Every email delivered to the mail folder, oldest first.
    pub fn emails(&self) -> Vec<SentEmail> {
        let Ok(entries) = std::fs::read_dir(&self.mail_dir) else { return Vec::new() };
        let mut files: Vec<(std::time::SystemTime, PathBuf)> = entries
            .filter_map(Result::ok)
            .filter(|e| e.path().extension().is_some_and(|x| x == "eml"))
            .map(|e| (e.metadata().and_then(|m| m.modified()).unwrap_or(std::time::UNIX_EPOCH), e.path()))
            .collect();
        files.sort();
        files
            .into_iter()
            .map(|(_, path)| {
                let raw = std::fs::read(&path).expect("readable email");
                let parsed = mail_parser::MessageParser::default().parse(&raw).expect("a MIME message");
                SentEmail {
                    to: parsed
                        .to()
                        .and_then(|a| a.first())
                        .and_then(|a| a.address())
                        .unwrap_or_default()
                        .to_string(),
                    subject: parsed.subject().unwrap_or_default().to_string(),
                    body: parsed.body_text(0).map(|b| b.to_string()).unwrap_or_default(),
                }
            })
            .collect()
    }

    /// Delivers pending mail and returns the newest email to `to`.
    pub async fn last_email_to(&self, to: &str) -> SentEmail {
        self.deliver_mail().await;
        self.emails().into_iter().rev().find(|e| e.to == to).unwrap_or_else(|| panic!("no email to {to}"))
    }

    fn unique(&self, prefix: &str) -> String {
        let n = self.next_user.get() + 1;
        self.next_user.set(n);
        format!("{prefix}{n}@example.jp")
    }

    /// Invites, activates and logs in a user described by `fields` (role-specific fields).
    pub async fn user(&self, fields: Value) -> TestUser {
        let role = fields["role"].as_str().unwrap_or("applicant").to_string();
        let email = fields["email"].as_str().map(str::to_owned).unwrap_or_else(|| self.unique(&role));
        let mut body = json!({ "email": email, "name": format!("Test {role}") });
        if let (Value::Object(b), Value::Object(f)) = (&mut body, fields) {
            for (k, v) in f {
                b.insert(k, v);
            }
        }
        self.post("/api/v1/users").token(&self.admin.token).json(&body).send().await.assert_status(201);
        let token = self.last_email_to(&email).await.token();
        self.post("/api/v1/auth/activate").json(&json!({ "token": token, "password": PASSWORD })).send().await.assert_status(204);
        self.login(&email, PASSWORD).await
    }

    pub async fn applicant(&self, prefecture: &str) -> TestUser {
        self.user(json!({ "role": "applicant", "prefecture_code": prefecture })).await
    }

    pub async fn reviewer(&self, affiliation: &str) -> TestUser {
        self.user(json!({ "role": "reviewer", "affiliation": affiliation })).await
    }
}
