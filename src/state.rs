//! What every handler can reach: built once by `startup` and shared through `web::Data`.

use std::sync::Arc;

use crate::auth::hashing::HashingPool;
use crate::auth::one_time::LinkSigner;
use crate::auth::password::Passwords;
use crate::auth::session_check::SessionCache;
use crate::auth::throttle::LoginThrottle;
use crate::auth::tokens::AccessTokens;
use crate::clock::Clock;
use crate::config::Settings;
use crate::db::Db;

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub settings: Arc<Settings>,
    pub clock: Arc<dyn Clock>,
    pub access_tokens: Arc<AccessTokens>,
    pub links: Arc<LinkSigner>,
    pub passwords: Arc<Passwords>,
    /// The threads that run `passwords`' hashing; see `auth::hashing`.
    pub hashing: Arc<HashingPool>,
    pub throttle: Arc<LoginThrottle>,
    pub session_cache: Arc<SessionCache>,
    /// Wakes the mail worker when a transaction has queued emails.
    pub mail_wakeup: Arc<tokio::sync::Notify>,
}

impl AppState {
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.clock.now()
    }
}
