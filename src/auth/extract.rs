//! The caller's identity, from the bearer token, as extractors: a handler that takes `Admin`
//! cannot run for anyone else, so roles are enforced by types rather than by checks sprinkled
//! through handlers.

use std::future::{Ready, ready};
use std::ops::Deref;

use actix_web::dev::Payload;
use actix_web::http::{StatusCode, header};
use actix_web::{FromRequest, HttpRequest, web};
use futures_util::future::LocalBoxFuture;

use crate::auth::tokens::TokenError;
use crate::config::Mode;
use crate::repo::sessions::{self, Liveness};
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

/// The client address: the peer, or, when the server is configured to sit behind trusted
/// proxies, the address the outermost of them saw.
#[derive(Debug, Clone)]
pub struct ClientIp(pub Option<String>);

pub fn client_ip(req: &HttpRequest) -> Option<String> {
    let peer = req.peer_addr().map(|a| a.ip());
    let server = req.app_data::<web::Data<AppState>>().map(|s| &s.settings.server);
    if let Some(server) = server.filter(|s| s.trust_forwarded_for) {
        let values: Vec<&str> =
            req.headers().get_all("x-forwarded-for").filter_map(|v| v.to_str().ok()).collect();
        if let Some(ip) = forwarded_client(&values.join(","), server.trusted_proxy_hops) {
            return Some(ip.to_string());
        }
    }
    peer.map(|ip| ip.to_string())
}

/// The client in an `X-Forwarded-For` list that passed through `hops` trusted proxies: each
/// appends the address it was connected from, so the entry `hops` from the right is the one the
/// outermost trusted proxy wrote. Entries further left came from the client and prove nothing.
/// `None` when the list is shorter than that or the entry is not an address.
pub fn forwarded_client(header: &str, hops: usize) -> Option<std::net::IpAddr> {
    let entries: Vec<&str> = header.split(',').map(str::trim).filter(|e| !e.is_empty()).collect();
    let entry = entries.len().checked_sub(hops.max(1)).map(|i| entries[i])?;
    entry
        .parse::<std::net::IpAddr>()
        .ok()
        .or_else(|| entry.parse::<std::net::SocketAddr>().ok().map(|sa| sa.ip()))
}

impl FromRequest for ClientIp {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(ClientIp(client_ip(req))))
    }
}

/// Until the bootstrap admin (production mode) has changed the password, only these answer.
const ALLOWED_BEFORE_PASSWORD_CHANGE: [&str; 3] = ["/api/v1/me", "/api/v1/me/password", "/api/v1/auth/logout"];

fn decode(req: &HttpRequest) -> Result<(CurrentUser, web::Data<AppState>), ApiError> {
    let state = req
        .app_data::<web::Data<AppState>>()
        .cloned()
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
    let user = CurrentUser {
        id: claims.sub,
        role: claims.role,
        prefecture: claims.prefecture,
        session_id: claims.sid,
        ip: client_ip(req),
    };
    Ok((user, state))
}

/// A valid signature is not enough: the token's session must still be live.
async fn check_session(state: &AppState, user: &CurrentUser, password_change_allowed: bool) -> Result<(), ApiError> {
    let liveness = match state.session_cache.get(&user.session_id) {
        Some(cached) => cached,
        None => {
            let (sid, uid, now) = (user.session_id.clone(), user.id.clone(), state.now());
            let fresh = state.db.read(move |c| Ok(sessions::liveness(c, &sid, &uid, now)?)).await?;
            state.session_cache.put(&user.session_id, fresh);
            fresh
        }
    };
    match liveness {
        Liveness::Ended => Err(ApiError::unauthorized("session_ended", "this session has ended; log in again")),
        Liveness::Live { must_change_password: true }
            if !password_change_allowed && state.settings.app.mode == Mode::Production =>
        {
            Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "password_change_required",
                "change the initial password first (POST /api/v1/me/password)",
            ))
        }
        Liveness::Live { .. } => Ok(()),
    }
}

fn authenticate(req: &HttpRequest) -> LocalBoxFuture<'static, Result<CurrentUser, ApiError>> {
    let decoded = decode(req);
    let password_change_allowed = ALLOWED_BEFORE_PASSWORD_CHANGE.contains(&req.path());
    Box::pin(async move {
        let (user, state) = decoded?;
        check_session(&state, &user, password_change_allowed).await?;
        Ok(user)
    })
}

impl FromRequest for CurrentUser {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        authenticate(req)
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
            type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

            fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
                let authenticated = authenticate(req);
                Box::pin(async move {
                    let user = authenticated.await?;
                    if user.role == $role {
                        Ok($name(user))
                    } else {
                        Err(ApiError::forbidden(concat!("only ", $what, " may do this")))
                    }
                })
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

#[cfg(test)]
mod tests {
    use super::forwarded_client;

    fn client(header: &str, hops: usize) -> Option<String> {
        forwarded_client(header, hops).map(|ip| ip.to_string())
    }

    #[test]
    fn the_client_is_the_entry_the_outermost_trusted_proxy_appended() {
        // A client claiming to be 1.1.1.1 through one proxy: the proxy appended the real peer.
        assert_eq!(client("1.1.1.1, 203.0.113.7", 1).as_deref(), Some("203.0.113.7"));
        assert_eq!(client("203.0.113.7", 1).as_deref(), Some("203.0.113.7"));
        // Two proxies: the inner one appended the outer one's address.
        assert_eq!(client("1.1.1.1, 203.0.113.7, 10.0.0.2", 2).as_deref(), Some("203.0.113.7"));
        assert_eq!(client("2001:db8::1, 10.0.0.2", 2).as_deref(), Some("2001:db8::1"));
        assert_eq!(client("203.0.113.7:5050", 1).as_deref(), Some("203.0.113.7"));
        assert_eq!(client("[2001:db8::1]:443", 1).as_deref(), Some("2001:db8::1"));
    }

    #[test]
    fn too_short_or_garbage_lists_give_no_client() {
        assert_eq!(client("", 1), None);
        assert_eq!(client("203.0.113.7", 2), None);
        assert_eq!(client("1.1.1.1, not-an-address", 1), None);
        assert_eq!(client(" , ", 1), None);
    }
}
