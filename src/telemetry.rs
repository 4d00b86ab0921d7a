//! Logging: human-readable lines in development, JSON in production; `RUST_LOG` filters. And
//! the request context every answer carries: a request id (in a header and in problem
//! documents, so a user's report can be found in the log), security headers, and one log line
//! per failed request.

use actix_web::body::{self, BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::HttpResponse;
use serde_json::Value;
use tracing::Instrument as _;
use tracing_subscriber::EnvFilter;

use crate::error::PROBLEM_JSON;

pub fn init(json: bool) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,kyoso=info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_target(false);
    let result = if json { builder.json().try_init() } else { builder.try_init() };
    // A second init (tests) keeps the first subscriber.
    let _ = result;
}

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Swagger UI is served from our own files; it styles elements inline and draws icons from
/// `data:` images, and needs nothing from elsewhere.
const DOCS_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; \
     font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

/// An id a proxy or client sent is kept when it is short and plain, so one id follows a
/// request through every hop; anything else (or nothing) gets a fresh UUID, so the log cannot
/// be fed newlines or megabytes through it.
fn request_id(req: &ServiceRequest) -> String {
    req.headers()
        .get(&REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| (1..=64).contains(&v.len()) && v.chars().all(|c| c.is_ascii_alphanumeric() || "-_.:".contains(c)))
        .map_or_else(|| uuid::Uuid::new_v4().to_string(), str::to_owned)
}

/// Answers carrying credentials (sign-in, refresh, activation, reset) must not be kept by a
/// browser or proxy cache.
fn carries_tokens(path: &str) -> bool {
    path.starts_with("/api/v1/auth/")
}

/// The middleware: request id, security headers, `request_id` in problem documents, and a log
/// line for each failure — a client error at info (they are routine: a load test makes
/// thousands), a server error at error.
pub async fn request_context(req: ServiceRequest, next: Next<impl MessageBody + 'static>) -> actix_web::Result<ServiceResponse<BoxBody>> {
    let id = request_id(&req);
    let (method, path) = (req.method().clone(), req.path().to_owned());
    let span = tracing::info_span!("request", request_id = %id);
    let outcome = next.call(req).instrument(span.clone()).await;
    match outcome {
        Ok(res) => {
            let (req, res) = res.into_parts();
            let (res, code) = decorate(res.map_into_boxed_body(), &id, &path).await;
            span.in_scope(|| log_failure(&method, &path, res.status(), &code));
            Ok(ServiceResponse::new(req, res))
        }
        // An error no handler turned into an answer (the request is gone with it): answered
        // here, so it is dressed like every other.
        Err(e) => {
            let (res, code) = decorate(e.error_response(), &id, &path).await;
            span.in_scope(|| log_failure(&method, &path, res.status(), &code));
            Err(actix_web::error::InternalError::from_response(e.to_string(), res).into())
        }
    }
}

fn log_failure(method: &actix_web::http::Method, path: &str, status: StatusCode, code: &str) {
    if status.is_server_error() {
        tracing::error!(%method, %path, status = status.as_u16(), %code, "request failed");
    } else if status.is_client_error() {
        tracing::info!(%method, %path, status = status.as_u16(), %code, "request refused");
    }
}

/// The answer with its headers, and the problem's `code` if it is a problem document.
async fn decorate(res: HttpResponse<BoxBody>, id: &str, path: &str) -> (HttpResponse<BoxBody>, String) {
    let (mut res, code) = with_request_id_in_problem(res, id).await;
    let headers = res.headers_mut();
    if let Ok(value) = HeaderValue::from_str(id) {
        headers.insert(REQUEST_ID, value);
    }
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    if carries_tokens(path) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if path == "/docs" || path.starts_with("/docs/") {
        headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(DOCS_CSP));
    }
    (res, code)
}

/// Problem documents name the request, so the one a user quotes leads to its log lines.
async fn with_request_id_in_problem(res: HttpResponse<BoxBody>, id: &str) -> (HttpResponse<BoxBody>, String) {
    let is_problem = res.headers().get(header::CONTENT_TYPE).is_some_and(|v| v.as_bytes().starts_with(PROBLEM_JSON.as_bytes()));
    if !is_problem {
        return (res, String::new());
    }
    let (res, body) = res.into_parts();
    // Problem documents are small and already in memory; a body that cannot be read is passed
    // on empty rather than failing the answer.
    let bytes = body::to_bytes(body).await.unwrap_or_default();
    let (body, code) = match serde_json::from_slice::<Value>(&bytes) {
        Ok(Value::Object(mut problem)) => {
            let code = problem.get("code").and_then(Value::as_str).unwrap_or_default().to_owned();
            problem.insert("request_id".into(), Value::String(id.to_owned()));
            (Value::Object(problem).to_string().into_bytes(), code)
        }
        _ => (bytes.to_vec(), String::new()),
    };
    (res.set_body(BoxBody::new(body)), code)
}
