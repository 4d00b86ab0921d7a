//! Builds everything the server runs on — settings, database, secrets, mail — and the actix
//! `App`. Used by `main` and by the tests, which start the same app on a fresh database.

use std::net::TcpListener;
use std::path::Path;
use std::sync::Arc;

use actix_web::body::MessageBody;
use actix_web::dev::{Server, ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::{ErrorHandlerResponse, ErrorHandlers};
use actix_web::{App, HttpResponse, HttpServer, web};
use utoipa_swagger_ui::{Config as SwaggerConfig, SwaggerUi};

use crate::openapi::KnownRoutes;
use crate::routes::health::ApiDocument;

use crate::auth::one_time::LinkSigner;
use crate::auth::hashing::HashingPool;
use crate::auth::password::Passwords;
use crate::auth::session_check::SessionCache;
use crate::auth::throttle::LoginThrottle;
use crate::auth::tokens::AccessTokens;
use crate::clock::Clock;
use crate::config::{Mode, Settings};
use crate::db::Db;
use crate::error::{ApiError, PROBLEM_JSON};
use crate::mail::MailTransport;
use crate::state::AppState;

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error(transparent)]
    Db(#[from] crate::db::DbError),
    #[error("secret: {0}")]
    Secret(String),
    #[error(transparent)]
    Mail(#[from] crate::mail::transport::TransportError),
    #[error("bootstrap admin: {0}")]
    Bootstrap(#[from] crate::bootstrap::AdminError),
    #[error(transparent)]
    Io(#[from] std::io::Error),
    #[error("starting the password-hashing threads: {0}")]
    Threads(std::io::Error),
}

/// Registers every handler on a utoipa-instrumented `App`, returning the app and the OpenAPI
/// document collected from exactly those handlers (so the two cannot drift apart).
#[macro_export]
macro_rules! described_app {
    () => {{
        use utoipa_actix_web::AppExt as _;
        let (app, mut api) = actix_web::App::new()
            .into_utoipa_app()
            .openapi($crate::openapi::base())
            .service($crate::routes::health::health)
            .service(utoipa_actix_web::scope("/api/v1").configure($crate::routes::configure))
            .split_for_parts();
        $crate::openapi::finish(&mut api);
        (app, api)
    }};
}

/// The JWT secret: configured, or in development generated once into the data folder.
fn jwt_secret(settings: &Settings) -> Result<Vec<u8>, StartupError> {
    let configured = settings.auth.jwt_secret.trim();
    if !configured.is_empty() {
        if settings.app.mode == Mode::Production
            && let Some(problem) = weak_secret(configured)
        {
            return Err(StartupError::Secret(format!(
                "auth.jwt_secret (KYOSO__AUTH__JWT_SECRET) {problem}; production mode needs a long random value, e.g. `head -c 48 /dev/urandom | base64`"
            )));
        }
        return Ok(configured.as_bytes().to_vec());
    }
    if settings.app.mode == Mode::Production {
        return Err(StartupError::Secret(
            "production mode requires auth.jwt_secret (KYOSO__AUTH__JWT_SECRET); refusing to start".into(),
        ));
    }
    let path = settings.data_path("jwt-secret");
    read_or_create_secret(&path)
}

/// Secrets that were published (in this repository's examples) and so sign forgeable tokens.
const KNOWN_SECRETS: [&str; 3] = [
    "compose-demo-secret-change-me-0123456789abcdef",
    "test secret, long enough for HS256 signing",
    "change-me",
];

/// Why a configured secret cannot protect a production deployment, if it cannot: anyone who
/// guesses it signs admin tokens.
pub fn weak_secret(secret: &str) -> Option<&'static str> {
    let lowered = secret.to_lowercase();
    if KNOWN_SECRETS.iter().any(|k| lowered == *k) || ["change-me", "changeme", "example", "secret"].iter().any(|w| lowered.contains(w)) {
        return Some("is a published example value");
    }
    if secret.len() < 32 {
        return Some("is shorter than 32 bytes");
    }
    let distinct: std::collections::BTreeSet<u8> = secret.bytes().collect();
    // Repetition: few distinct symbols, or a short pattern repeated.
    let periodic = (1..=secret.len() / 2).any(|p| secret.len() % p == 0 && secret.as_bytes().chunks(p).all(|c| c == &secret.as_bytes()[..p]));
    if distinct.len() < 10 || periodic {
        return Some("is too repetitive to be random");
    }
    None
}

fn read_or_create_secret(path: &Path) -> Result<Vec<u8>, StartupError> {
    match std::fs::read_to_string(path) {
        Ok(s) if s.trim().len() >= 32 => return Ok(s.trim().as_bytes().to_vec()),
        Ok(_) => return Err(StartupError::Secret(format!("{} is too short; delete it to regenerate", path.display()))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(StartupError::Secret(format!("{}: {e}", path.display()))),
    }
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let secret = format!("{}{}", crate::auth::tokens::random_token(), crate::auth::tokens::random_token());
    write_private(path, &secret)?;
    tracing::info!(path = %path.display(), "generated a JWT secret for development");
    Ok(secret.into_bytes())
}

#[cfg(test)]
mod secret_tests {
    use super::weak_secret;

    #[test]
    fn published_short_and_repetitive_secrets_are_refused() {
        assert!(weak_secret("compose-demo-secret-change-me-0123456789abcdef").is_some());
        assert!(weak_secret("short-but-random-9f8a").is_some());
        assert!(weak_secret(&"a".repeat(64)).is_some());
        assert!(weak_secret(&"abcd1234".repeat(6)).is_some());
        assert!(weak_secret("0101010101010101010101010101010101010101").is_some());
        assert_eq!(weak_secret("q3Jx9Lw0vT2mZ8rB5nC7yH1kD4fG6sA0pE2uI9oQ"), None);
    }
}

#[cfg(unix)]
fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write as _;
    use std::os::unix::fs::OpenOptionsExt as _;
    let mut f = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path)?;
    f.write_all(contents.as_bytes())
}

#[cfg(not(unix))]
fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    std::fs::write(path, contents)
}

/// Connects and migrates the database, loads secrets and builds the shared state.
pub fn build_state(settings: Settings, clock: Arc<dyn Clock>) -> Result<AppState, StartupError> {
    let db = Db::connect(&settings.database.url, settings.database.pool_size)?;
    let applied = db.run_migrations()?;
    if applied > 0 {
        tracing::info!(applied, "database migrations applied");
    }
    let secret = jwt_secret(&settings)?;
    let auth = &settings.auth;
    let passwords = Passwords::new(auth.argon2_memory_kib, auth.argon2_iterations).map_err(|e| StartupError::Secret(e.to_string()))?;
    let threads = match auth.password_hashing_threads {
        0 => HashingPool::default_threads(),
        n => n,
    };
    let hashing = HashingPool::start(threads, std::time::Duration::from_millis(auth.password_hashing_wait_ms)).map_err(StartupError::Threads)?;
    let state = AppState {
        db,
        access_tokens: Arc::new(AccessTokens::new(&secret, &auth.issuer, &auth.audience, auth.access_ttl_secs)),
        links: Arc::new(LinkSigner::new(&secret)),
        passwords: Arc::new(passwords),
        hashing: Arc::new(hashing),
        throttle: Arc::new(LoginThrottle::from_settings(auth)),
        session_cache: Arc::new(SessionCache::new(auth.session_check_cache_ms)),
        clock,
        mail_wakeup: Arc::new(tokio::sync::Notify::new()),
        settings: Arc::new(settings),
    };
    crate::bootstrap::ensure_bootstrap_admin(&state)?;
    Ok(state)
}

/// Error responses produced outside our handlers (unknown routes, actix's own extractors) are
/// rewritten as problem documents, so clients meet one error format everywhere.
fn problem_for_bare_errors<B: MessageBody + 'static>(
    res: ServiceResponse<B>,
) -> actix_web::Result<ErrorHandlerResponse<B>> {
    let content_type = res.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    // The pages answer their errors as readable HTML pages of their own.
    if content_type.starts_with(PROBLEM_JSON) || content_type.starts_with("application/json") || content_type.starts_with("text/html") {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    }
    let status = res.status();
    let code = match status.as_u16() {
        404 => "not_found",
        405 => "method_not_allowed",
        413 => "payload_too_large",
        415 => "unsupported_media_type",
        s if s >= 500 => "internal_error",
        _ => "bad_request",
    };
    let detail = status.canonical_reason().unwrap_or("error").to_lowercase();
    let (req, _) = res.into_parts();
    let response = actix_web::ResponseError::error_response(&ApiError::new(status, code, detail));
    Ok(ErrorHandlerResponse::Response(ServiceResponse::new(req, response).map_into_right_body()))
}

/// No handler matched: either the path names no resource (404) or it does but not for this
/// method (405, with the methods it accepts in `Allow`).
async fn unknown_route(req: actix_web::HttpRequest, routes: web::Data<KnownRoutes>) -> HttpResponse {
    match routes.allowed(req.path()) {
        Some(methods) => {
            let mut response = actix_web::ResponseError::error_response(&ApiError::new(
                actix_web::http::StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                format!("{} is not accepted here; use {}", req.method(), methods.join(", ")),
            ));
            if let Ok(value) = header::HeaderValue::from_str(&methods.join(", ")) {
                response.headers_mut().insert(header::ALLOW, value);
            }
            response
        }
        None => actix_web::ResponseError::error_response(&ApiError::new(
            actix_web::http::StatusCode::NOT_FOUND,
            "not_found",
            "no such resource",
        )),
    }
}

async fn docs_redirect() -> HttpResponse {
    HttpResponse::PermanentRedirect().insert_header((header::LOCATION, "/docs/")).finish()
}

/// The application: every route, the API document and Swagger UI, the error format, and the
/// request context (request id, security headers, logging) around all of them.
pub fn app(
    state: AppState,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let (app, api) = crate::described_app!();
    let document = serde_json::to_vec(&api).unwrap_or_default();
    let routes = KnownRoutes::from_document(&api);
    app.app_data(web::Data::new(state))
        .app_data(web::Data::new(routes))
        .app_data(web::Data::new(ApiDocument(web::Bytes::from(document))))
        .app_data(web::QueryConfig::default().error_handler(crate::routes::support_query_error))
        .app_data(web::PathConfig::default().error_handler(crate::routes::support_path_error))
        .service(SwaggerUi::new("/docs/{_:.*}").config(SwaggerConfig::new(["/api/v1/openapi.json"])))
        .route("/docs", web::get().to(docs_redirect))
        .configure(crate::web::configure)
        .default_service(web::to(unknown_route))
        .wrap(ErrorHandlers::new().default_handler(problem_for_bare_errors))
        .wrap(actix_web::middleware::from_fn(crate::telemetry::request_context))
}

/// A running server (zero2prod style), bound before it starts so tests can use port 0.
pub struct Application {
    port: u16,
    server: Server,
}

impl Application {
    pub fn build(state: AppState, listener: TcpListener) -> Result<Self, StartupError> {
        let port = listener.local_addr()?.port();
        let workers = match state.settings.server.workers {
            0 => std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2),
            n => n,
        };
        if state.settings.mail.worker_enabled {
            let transport = MailTransport::from_settings(&state.settings)?;
            crate::mail::spawn_worker(state.clone(), transport);
        }
        // Every database access runs on a worker's blocking pool and needs one of the pool's
        // connections: threads beyond the connections would only wait in `pool.get()`, each
        // with its own stack and malloc arena (the surge measured 521 threads and 521 MB), and
        // that wait is not first-come first-served. So all workers together get as many
        // blocking threads as there are connections, and work past them queues in order. The
        // hashing pool has its own threads.
        let pool_size = usize::try_from(state.settings.database.pool_size).unwrap_or(8);
        let blocking_threads = pool_size.div_ceil(workers).max(1);
        let server = HttpServer::new(move || app(state.clone()))
            .workers(workers)
            .worker_max_blocking_threads(blocking_threads)
            .listen(listener)?
            .run();
        Ok(Self { port, server })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }

    pub fn into_server(self) -> Server {
        self.server
    }
}
