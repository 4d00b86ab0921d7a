//! Who a page request comes from: the session named by the page cookie.

use crate::app::events::{Event, Subject};
use crate::auth::CurrentUser;
use crate::error::ApiResult;
use crate::repo::{page_sessions, sessions};

use super::super::Tx;

/// What a page cookie turned out to name.
pub enum PageSession {
    Live(CurrentUser),
    /// The cookie's token was already exchanged through `/auth/refresh`, while the session is
    /// still open: someone copied the cookie. The session must end for everyone holding it.
    Copied,
    /// Signed out, reset, expired, or never existed.
    Gone,
}

/// The signed-in account behind a page cookie. Reading only; a copied cookie is ended by
/// [`end_copied`], so that the common case stays a read.
pub fn page_user(tx: &mut Tx<'_>, cookie_token: &str, ip: Option<String>) -> ApiResult<PageSession> {
    if let Some((session_id, user)) = page_sessions::find_live(tx.conn, cookie_token, tx.now)? {
        return Ok(PageSession::Live(CurrentUser {
            role: user.role(),
            prefecture: user.prefecture(),
            id: user.id,
            session_id,
            ip,
        }));
    }
    Ok(match sessions::find_refresh(tx.conn, cookie_token)? {
        Some((token, session)) if token.rotated_at.is_some() && session.revoked_at.is_none() => PageSession::Copied,
        _ => PageSession::Gone,
    })
}

/// Ends the session of a cookie whose token was rotated elsewhere, as the API does when a
/// rotated refresh token comes back: whoever rotated it loses the session too.
pub fn end_copied(tx: &mut Tx<'_>, cookie_token: &str) -> ApiResult<()> {
    if let Some((token, session)) = sessions::find_refresh(tx.conn, cookie_token)?
        && token.rotated_at.is_some()
        && sessions::revoke(tx.conn, &session.id, "refresh token reuse", tx.now)?
    {
        tx.audit(Subject::session(&session.id), Event::RefreshTokenReused { user_id: session.user_id })?;
    }
    Ok(())
}
