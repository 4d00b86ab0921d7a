//! What every page request carries: the language, the signed-in account (from the session
//! cookie), and the token that proves a form was sent from one of our pages (CSRF).
//!
//! The session cookie holds the session's refresh token: 256 random bits the database keeps
//! only as a hash, so the cookie cannot be forged or guessed, and it names a row of the same
//! sessions table the API uses — signing out, a password reset or token reuse end it for both.

use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use actix_web::{HttpRequest, HttpResponse};

use crate::app::accounts::pages::{PageSession, end_copied, page_user};
use crate::auth::CurrentUser;
use crate::auth::extract::client_ip;
use crate::auth::tokens::{hash_token, random_token};
use crate::config::Mode;
use crate::domain::user::Role;
use crate::error::ApiResult;
use crate::repo::audit::Actor;
use crate::state::AppState;

use super::i18n::{Lang, Messages};

pub const SESSION_COOKIE: &str = "kyoso_session";
const CSRF_COOKIE: &str = "kyoso_csrf";
const LANG_COOKIE: &str = "kyoso_lang";

/// The request as the pages see it.
pub struct Page {
    pub lang: Lang,
    pub user: Option<CurrentUser>,
    pub ip: Option<String>,
    session_token: Option<String>,
    csrf: String,
    switch_href: String,
    secure: bool,
    cookies: Vec<Cookie<'static>>,
}

/// What the layout needs: texts, the language switch, the sign-out form.
pub struct Chrome {
    pub m: &'static Messages,
    pub lang: &'static str,
    pub other_lang: &'static str,
    pub switch_href: String,
    pub signed_in: bool,
    pub csrf: String,
}

fn query_param(req: &HttpRequest, name: &str) -> Option<String> {
    url_pairs(req.query_string()).into_iter().find(|(k, _)| k == name).map(|(_, v)| v)
}

fn url_pairs(query: &str) -> Vec<(String, String)> {
    actix_web::web::Query::<Vec<(String, String)>>::from_query(query).map(|q| q.into_inner()).unwrap_or_default()
}

/// The same page in the other language: the query kept (a link's token), `lang` replaced.
fn switch_href(req: &HttpRequest, to: Lang) -> String {
    let mut pairs: Vec<(String, String)> = url_pairs(req.query_string()).into_iter().filter(|(k, _)| k != "lang").collect();
    pairs.push(("lang".into(), to.code().into()));
    let query = pairs.iter().map(|(k, v)| format!("{}={}", encode(k), encode(v))).collect::<Vec<_>>().join("&");
    format!("{}?{query}", req.path())
}

/// Percent-encodes everything but the unreserved characters.
pub fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

impl Page {
    /// Reads language, session and CSRF cookie; a revoked or expired session counts as none.
    pub async fn of(req: &HttpRequest, state: &AppState) -> ApiResult<Page> {
        let asked = query_param(req, "lang").and_then(|l| Lang::parse(&l));
        let lang = asked.or_else(|| req.cookie(LANG_COOKIE).and_then(|c| Lang::parse(c.value()))).unwrap_or(Lang::Ja);
        let secure = state.settings.app.mode == Mode::Production;
        let ip = client_ip(req);
        let mut page = Page {
            lang,
            user: None,
            ip: ip.clone(),
            session_token: None,
            csrf: String::new(),
            switch_href: switch_href(req, lang.other()),
            secure,
            cookies: Vec::new(),
        };
        if let Some(lang) = asked {
            page.cookies.push(page.cookie(LANG_COOKIE, lang.code().to_string(), false));
        }
        if let Some(token) = req.cookie(SESSION_COOKIE).map(|c| c.value().to_string()).filter(|t| !t.is_empty()) {
            let presented = token.clone();
            let found = state.read(Actor::anonymous("page", ip.clone()), {
                let ip = ip.clone();
                move |tx| page_user(tx, &presented, ip)
            });
            match found.await? {
                PageSession::Live(user) => {
                    page.session_token = Some(token);
                    page.user = Some(user);
                }
                PageSession::Copied => {
                    state.write(Actor::anonymous("page", ip), move |tx| end_copied(tx, &token)).await?;
                    page.cookies.push(page.removal(SESSION_COOKIE));
                }
                PageSession::Gone => page.cookies.push(page.removal(SESSION_COOKIE)),
            }
        }
        page.csrf = match (&page.session_token, req.cookie(CSRF_COOKIE)) {
            (Some(session), _) => session_csrf(session),
            (None, Some(c)) if c.value().len() >= 32 => c.value().to_string(),
            (None, _) => {
                let fresh = random_token();
                page.cookies.push(page.cookie(CSRF_COOKIE, fresh.clone(), true));
                fresh
            }
        };
        Ok(page)
    }

    fn cookie(&self, name: &'static str, value: String, http_only: bool) -> Cookie<'static> {
        let mut c = Cookie::build(name, value).path("/").http_only(http_only).same_site(SameSite::Lax).secure(self.secure).finish();
        if name == LANG_COOKIE {
            c.set_max_age(CookieDuration::days(365));
        }
        c
    }

    fn removal(&self, name: &'static str) -> Cookie<'static> {
        let mut c = self.cookie(name, String::new(), true);
        c.make_removal();
        c
    }

    pub fn m(&self) -> &'static Messages {
        self.lang.messages()
    }

    pub fn chrome(&self) -> Chrome {
        Chrome {
            m: self.m(),
            lang: self.lang.code(),
            other_lang: self.lang.other().code(),
            switch_href: self.switch_href.clone(),
            signed_in: self.user.is_some(),
            csrf: self.csrf.clone(),
        }
    }

    /// Whether a posted form carries this page's CSRF token (compared in constant time).
    pub fn csrf_ok(&self, sent: Option<&str>) -> bool {
        let Some(sent) = sent else { return false };
        let (a, b) = (sent.as_bytes(), self.csrf.as_bytes());
        !b.is_empty() && a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
    }

    pub fn session_token(&self) -> Option<&str> {
        self.session_token.as_deref()
    }

    /// Starts a page session: the cookie carries the session's refresh token.
    pub fn sign_in(&mut self, refresh_token: String) {
        self.cookies.push(self.cookie(SESSION_COOKIE, refresh_token, true));
    }

    pub fn sign_out(&mut self) {
        self.cookies.push(self.removal(SESSION_COOKIE));
    }

    /// The signed-in account if it has `role`.
    pub fn user_with(&self, role: Role) -> Option<&CurrentUser> {
        self.user.as_ref().filter(|u| u.role == role)
    }

    /// Adds the cookies this request set and the headers every page carries.
    pub fn finish(&self, mut response: HttpResponse) -> HttpResponse {
        for c in &self.cookies {
            let _ = response.add_cookie(c);
        }
        let headers = response.headers_mut();
        use actix_web::http::header::{self, HeaderValue};
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        // The endorsement and password links carry their token in the URL: never pass it on.
        headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
        headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'self'; style-src 'self'; script-src 'none'; form-action 'self'; frame-ancestors 'none'"),
        );
        response
    }
}

/// The CSRF token of a signed-in page: derived from the session's secret, so it changes with
/// the session and cannot be computed without it.
fn session_csrf(session_token: &str) -> String {
    hash_token(&format!("csrf:{session_token}"))
}
