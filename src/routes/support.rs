//! Request and response plumbing shared by the resources.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};
use futures_util::StreamExt as _;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::error::{ApiError, FieldError};
use crate::state::AppState;

/// A JSON request body. Unlike `web::Json`, a body that does not fit the expected shape is
/// answered with a 422 naming the offending field (`funding_plan[2].prefecture_yen`), and
/// merge-patch bodies (`application/merge-patch+json`) are accepted as JSON.
pub struct Body<T>(pub T);

fn is_json(content_type: Option<&str>) -> bool {
    match content_type {
        None => true,
        Some(ct) => {
            let essence = ct.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
            essence == "application/json" || (essence.starts_with("application/") && essence.ends_with("+json"))
        }
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for Body<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let bytes = read_json_body(req, payload);
        Box::pin(async move { parse_json(&bytes.await?).map(Body) })
    }
}

/// Reads a body declared as JSON, within the configured size limit.
fn read_json_body(req: &HttpRequest, payload: &mut Payload) -> impl Future<Output = Result<web::BytesMut, ApiError>> + 'static {
    let limit = req
        .app_data::<web::Data<AppState>>()
        .map(|s| s.settings.server.json_limit_bytes)
        .unwrap_or(1 << 20);
    let content_type = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let mut payload = payload.take();
    async move {
        if !is_json(content_type.as_deref()) {
            return Err(ApiError::new(
                actix_web::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "the request body must be JSON (application/json)",
            ));
        }
        let mut bytes = web::BytesMut::new();
        while let Some(chunk) = payload.next().await {
            let chunk = chunk.map_err(|e| ApiError::bad_request("malformed_body", format!("could not read the body: {e}")))?;
            if bytes.len() + chunk.len() > limit {
                return Err(ApiError::new(
                    actix_web::http::StatusCode::PAYLOAD_TOO_LARGE,
                    "payload_too_large",
                    format!("the request body exceeds {limit} bytes"),
                ));
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(bytes)
    }
}

fn is_blank(bytes: &[u8]) -> bool {
    bytes.iter().all(u8::is_ascii_whitespace)
}

/// Parses JSON, telling syntax errors (400) from shape errors (422, with the field path).
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    if is_blank(bytes) {
        return Err(ApiError::bad_request("malformed_json", "the request body is empty; JSON was expected"));
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        match inner.classify() {
            serde_json::error::Category::Data => {
                let field = if path == "." { String::new() } else { path };
                ApiError::validation(vec![FieldError::new(field, "invalid", clean_serde_message(&inner))])
            }
            _ => ApiError::bad_request("malformed_json", format!("the request body is not valid JSON: {inner}")),
        }
    })?;
    de.end().map_err(|e| ApiError::bad_request("malformed_json", format!("unexpected data after the JSON value: {e}")))?;
    Ok(value)
}

fn clean_serde_message(e: &serde_json::Error) -> String {
    // serde appends " at line 1 column 17"; the field path says where more usefully.
    let text = e.to_string();
    match text.rfind(" at line ") {
        Some(i) => text[..i].to_string(),
        None => text,
    }
}

/// `?limit=&offset=` (API.md: default 50, at most 500).
#[derive(Debug, Clone, Copy, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Page {
    /// 1–500, default 50.
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// Default 0.
    #[param(minimum = 0)]
    pub offset: Option<i64>,
}

impl Page {
    pub const DEFAULT_LIMIT: i64 = 50;
    pub const MAX_LIMIT: i64 = 500;

    pub fn resolve(self) -> Result<(i64, i64), ApiError> {
        let limit = self.limit.unwrap_or(Self::DEFAULT_LIMIT);
        let offset = self.offset.unwrap_or(0);
        let mut errors = Vec::new();
        if !(1..=Self::MAX_LIMIT).contains(&limit) {
            errors.push(FieldError::new("limit", "out_of_range", format!("must be between 1 and {}", Self::MAX_LIMIT)));
        }
        if offset < 0 {
            errors.push(FieldError::new("offset", "out_of_range", "must not be negative"));
        }
        if errors.is_empty() { Ok((limit, offset)) } else { Err(ApiError::validation(errors)) }
    }
}

/// Every list: `{"items": [...], "total": N}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct List<T> {
    pub items: Vec<T>,
    pub total: i64,
}

impl<T> List<T> {
    pub fn new(items: Vec<T>, total: i64) -> Self {
        Self { items, total }
    }

    pub fn all(items: Vec<T>) -> Self {
        let total = items.len() as i64;
        Self { items, total }
    }
}

/// Whether the caller asked for CSV: `Accept: text/csv`, or `format=csv` in the query.
pub fn wants_csv(req: &HttpRequest, format: Option<&str>) -> bool {
    format.is_some_and(|f| f.eq_ignore_ascii_case("csv"))
        || req.headers().get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|a| a.contains("text/csv"))
}

/// Errors from actix's own extractors (query strings, paths) as problems.
pub fn query_error(err: actix_web::error::QueryPayloadError, _: &HttpRequest) -> actix_web::Error {
    ApiError::validation(vec![FieldError::new("query", "invalid", err.to_string())]).into()
}

pub fn path_error(err: actix_web::error::PathError, _: &HttpRequest) -> actix_web::Error {
    ApiError::new(actix_web::http::StatusCode::NOT_FOUND, "not_found", format!("no such resource: {err}")).into()
}

/// The entity tag of a versioned resource.
pub fn etag(version: i32) -> String {
    format!("\"{version}\"")
}

/// The versions an `If-Match` header accepts: `None` when absent or `*` (no precondition).
/// Entity tags are compared leniently — `"3"`, `W/"3"` and `3` all name version 3 — because
/// clients echo what they received in many forms.
pub fn if_match(req: &HttpRequest) -> Result<Option<Vec<i32>>, ApiError> {
    let Some(raw) = req.headers().get(header::IF_MATCH) else { return Ok(None) };
    let raw = raw.to_str().map_err(|_| ApiError::bad_request("invalid_if_match", "If-Match is not readable"))?;
    if raw.trim() == "*" {
        return Ok(None);
    }
    let versions = raw
        .split(',')
        .map(|t| t.trim().trim_start_matches("W/").trim_matches('"').parse::<i32>())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| ApiError::version_conflict())?;
    Ok(Some(versions))
}

/// A 201 answer saying where the created resource is read (`path` below `/api/v1`; for a
/// resource with no address of its own, the list that holds it).
pub fn created_at(mut response: actix_web::HttpResponse, path: &str) -> actix_web::HttpResponse {
    if let Ok(value) = header::HeaderValue::from_str(&format!("/api/v1{path}")) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
}

/// A JSON response carrying the resource's ETag.
pub fn with_etag<T: Serialize>(status: actix_web::http::StatusCode, version: i32, body: &T) -> actix_web::HttpResponse {
    actix_web::HttpResponse::build(status).insert_header((header::ETAG, etag(version))).json(body)
}

/// `with_etag` for a body already serialised.
pub fn with_etag_json(status: actix_web::http::StatusCode, version: i32, json: Vec<u8>) -> actix_web::HttpResponse {
    actix_web::HttpResponse::build(status)
        .insert_header((header::ETAG, etag(version)))
        .content_type(header::ContentType::json())
        .body(json)
}

/// A JSON body that may also be absent (an empty body is `None`).
pub struct MaybeBody<T>(pub Option<T>);

impl<T: DeserializeOwned + 'static> FromRequest for MaybeBody<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let empty = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim() == "0")
            || (req.headers().get(header::CONTENT_LENGTH).is_none() && req.headers().get(header::TRANSFER_ENCODING).is_none());
        if empty {
            return Box::pin(async { Ok(MaybeBody(None)) });
        }
        let bytes = read_json_body(req, payload);
        Box::pin(async move {
            let bytes = bytes.await?;
            if is_blank(&bytes) { Ok(MaybeBody(None)) } else { parse_json(&bytes).map(|v| MaybeBody(Some(v))) }
        })
    }
}
