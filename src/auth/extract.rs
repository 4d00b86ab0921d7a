//! The caller's identity, from the bearer token, as extractors: a handler that takes `Admin`
//! cannot run for anyone else, so roles are enforced by types rather than by checks sprinkled
//! through handlers.

use std::future::{Ready, ready};
use std::ops::Deref;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};

use crate::auth::tokens::TokenError;
use crate::domain::prefecture::PrefectureCode;
use crate::domain::user::Role;
use crate::error::ApiError;
use crate::state::AppState;

/// The authenticated caller and where the request came from (for the audit log).
#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub id: String,
    pub role: Role,
    pub prefecture: Option<PrefectureCode>,
    pub session_id: String,
    pub ip: Option<String>,
}

impl CurrentUser {
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }

    /// The prefecture of an applicant; `None` for other roles.
    pub fn applicant_prefecture(&self) -> Option<PrefectureCode> {
        (self.role == Role::Applicant).then_some(self.prefecture).flatten()
    }
}

/// The client address: the peer, or the forwarded address when the server is configured to
/// sit behind a trusted proxy.
#[derive(Debug, Clone)]
pub struct ClientIp(pub Option<String>);

pub fn client_ip(req: &HttpRequest) -> Option<String> {
    let trust_proxy = req
        .app_data::<web::Data<AppState>>()
        .is_some_and(|s| s.settings.server.trust_forwarded_for);
    if trust_proxy && let Some(addr) = req.connection_info().realip_remote_addr() {
        return Some(strip_port(addr));
    }
    req.peer_addr().map(|a| a.ip().to_string())
}

fn strip_port(addr: &str) -> String {
    match addr.parse::<std::net::SocketAddr>() {
        Ok(sa) => sa.ip().to_string(),
        Err(_) => addr.to_string(),
    }
}

impl FromRequest for ClientIp {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(ClientIp(client_ip(req))))
    }
}

fn authenticate(req: &HttpRequest) -> Result<CurrentUser, ApiError> {
    let state = req
        .app_data::<web::Data<AppState>>()
        .ok_or_else(|| ApiError::internal("application state missing"))?;
    let token = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| ApiError::unauthorized("unauthenticated", "an access token is required"))?;
    let claims = state.access_tokens.decode(token, state.now()).map_err(|e| match e {
        TokenError::Expired => ApiError::unauthorized("token_expired", "the access token has expired; refresh it"),
        TokenError::Invalid => ApiError::unauthorized("invalid_token", "the access token is not valid"),
    })?;
    Ok(CurrentUser {
        id: claims.sub,
        role: claims.role,
        prefecture: claims.prefecture,
        session_id: claims.sid,
        ip: client_ip(req),
    })
}

impl FromRequest for CurrentUser {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(authenticate(req))
    }
}

macro_rules! role_extractor {
    ($(#[$doc:meta])* $name:ident, $role:expr, $what:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone)]
        pub struct $name(pub CurrentUser);

        impl Deref for $name {
            type Target = CurrentUser;
            fn deref(&self) -> &CurrentUser {
                &self.0
            }
        }

        impl FromRequest for $name {
            type Error = ApiError;
            type Future = Ready<Result<Self, ApiError>>;

            fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
                ready(authenticate(req).and_then(|user| {
                    if user.role == $role {
                        Ok($name(user))
                    } else {
                        Err(ApiError::forbidden(concat!("only ", $what, " may do this")))
                    }
                }))
            }
        }
    };
}

role_extractor!(
    /// A program officer of the agency.
    Admin, Role::Admin, "program officers (admin)"
);
role_extractor!(
    /// An officer of a prefecture.
    Applicant, Role::Applicant, "prefecture officers (applicant)"
);
role_extractor!(
    /// An external expert.
    Reviewer, Role::Reviewer, "reviewers"
);

impl Applicant {
    pub fn prefecture(&self) -> Result<PrefectureCode, ApiError> {
        self.0.prefecture.ok_or_else(|| ApiError::forbidden("this applicant account has no prefecture"))
    }
}
