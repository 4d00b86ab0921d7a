//! Who a page request comes from: the session named by the page cookie.

use crate::auth::CurrentUser;
use crate::error::ApiResult;
use crate::repo::page_sessions;

use super::super::Tx;

/// The signed-in account behind a page cookie, or `None` when the session was revoked (sign-out,
/// password reset, token reuse), has expired, or never existed.
pub fn page_user(tx: &mut Tx<'_>, cookie_token: &str, ip: Option<String>) -> ApiResult<Option<CurrentUser>> {
    let found = page_sessions::find_live(tx.conn, cookie_token, tx.now)?;
    Ok(found.map(|(session_id, user)| CurrentUser { role: user.role(), prefecture: user.prefecture(), id: user.id, session_id, ip }))
}
