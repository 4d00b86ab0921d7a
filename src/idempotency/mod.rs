//! Idempotent requests: with an `Idempotency-Key` header, a retry of an operation that already
//! succeeded is answered with the first response instead of being done twice.

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::{FromRequest, HttpRequest, HttpResponse};
use diesel::connection::{Connection, TransactionManager};
use futures_util::future::{Ready, ready};
use serde::Serialize;
use serde_json::Value;

use crate::app::Tx;
use crate::db::DbConn;
use crate::error::{ApiError, ApiResult, is_unique_violation};
use crate::repo::idempotency as store;
use crate::routes::with_etag;

const MAX_KEY_CHARS: usize = 200;

/// The `Idempotency-Key` header, if sent: readable, 1–200 characters once trimmed.
pub struct IdempotencyKey(pub Option<String>);

fn invalid(detail: &'static str) -> ApiError {
    ApiError::bad_request("invalid_idempotency_key", detail)
}

impl IdempotencyKey {
    fn parse(req: &HttpRequest) -> ApiResult<Self> {
        let Some(raw) = req.headers().get("Idempotency-Key") else { return Ok(Self(None)) };
        let key = raw.to_str().map_err(|_| invalid("Idempotency-Key is not readable"))?.trim();
        if key.is_empty() || key.len() > MAX_KEY_CHARS {
            return Err(invalid("Idempotency-Key must be 1–200 characters"));
        }
        Ok(Self(Some(key.to_string())))
    }
}

impl FromRequest for IdempotencyKey {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Self::parse(req))
    }
}

/// How an idempotent operation was answered.
pub enum Outcome<T> {
    /// Done now.
    Fresh(T),
    /// Done before, under the same key: the response stored then.
    Replayed(Value),
}

/// What one attempt inside the savepoint came to.
enum Attempt<T> {
    Done(T),
    /// A concurrent request with the same key stored its response first.
    KeyTaken,
}

/// Runs `work` on `resource_id` once per key of `user_id`. Callers serialise requests that may
/// share a key (e.g. with a row lock) before calling, so a retry sees the first one's response.
pub fn once<T: Serialize>(
    tx: &mut Tx<'_>,
    user_id: &str,
    key: Option<&str>,
    resource_id: &str,
    work: impl FnOnce(&mut Tx<'_>) -> ApiResult<T>,
) -> ApiResult<Outcome<T>> {
    let Some(key) = key else { return work(tx).map(Outcome::Fresh) };
    if let Some(stored) = replay(tx.conn, user_id, key, resource_id)? {
        return Ok(stored);
    }
    // Requests the caller's lock does not serialise (one key sent for two resources) can still
    // race to store their response; the loser's work is undone and it answers as a retry.
    match in_savepoint(tx, |tx| {
        let value = work(tx)?;
        let response = serde_json::to_string(&value).map_err(ApiError::internal)?;
        match store::store_idempotent_response(tx.conn, user_id, key, resource_id, &response, tx.now) {
            Ok(()) => Ok(Attempt::Done(value)),
            Err(e) if is_unique_violation(&e) => Ok(Attempt::KeyTaken),
            Err(e) => Err(e.into()),
        }
    })? {
        Attempt::Done(value) => Ok(Outcome::Fresh(value)),
        Attempt::KeyTaken => replay(tx.conn, user_id, key, resource_id)?
            .ok_or_else(|| ApiError::invalid_state("the submission could not be completed; retry")),
    }
}

/// Runs `work` in a savepoint, kept only when the attempt is done.
fn in_savepoint<T>(tx: &mut Tx<'_>, work: impl FnOnce(&mut Tx<'_>) -> ApiResult<Attempt<T>>) -> ApiResult<Attempt<T>> {
    type Savepoints = <DbConn as Connection>::TransactionManager;
    Savepoints::begin_transaction(tx.conn)?;
    let attempt = work(tx);
    // Closed whatever happened: the enclosing transaction expects its own depth back.
    let closed = match attempt {
        Ok(Attempt::Done(_)) => Savepoints::commit_transaction(tx.conn),
        _ => Savepoints::rollback_transaction(tx.conn),
    };
    let attempt = attempt?;
    closed?;
    Ok(attempt)
}

/// The response stored under `key`, if any; refused if the key was used for another resource.
fn replay<T>(conn: &mut DbConn, user_id: &str, key: &str, resource_id: &str) -> ApiResult<Option<Outcome<T>>> {
    let Some((stored_for, response)) = store::idempotent_response(conn, user_id, key)? else { return Ok(None) };
    if stored_for != resource_id {
        return Err(ApiError::field(
            "Idempotency-Key",
            "idempotency_key_reused",
            "this key was already used for another proposal; use a new key",
        ));
    }
    serde_json::from_str(&response).map(|body| Some(Outcome::Replayed(body))).map_err(ApiError::internal)
}

/// A replayed answer: the stored body with the ETag of the version it showed, marked so a
/// client knows it was stored from an earlier identical request.
pub fn replayed(body: &Value) -> HttpResponse {
    let version = body["version"].as_i64().and_then(|v| i32::try_from(v).ok()).unwrap_or(0);
    let mut response = with_etag(StatusCode::OK, version, body);
    response.headers_mut().insert(HeaderName::from_static("idempotent-replayed"), HeaderValue::from_static("true"));
    response
}
