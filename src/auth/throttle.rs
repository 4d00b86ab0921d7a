//! Throttling of guessable endpoints: failed logins per account (the guessing target) and per
//! client address (a high ceiling only: colleagues behind one prefecture gateway share it), and
//! password-reset requests per account and per address (mail bombing, outbox growth).
//!
//! The counts live in the database (`repo::attempts`), so several app instances sharing one
//! PostgreSQL count together, and an attempt is reserved before the slow work it guards, so
//! parallel requests get no more attempts than sequential ones.

use chrono::Duration;

use crate::config::AuthSettings;

/// A limit of attempts per fixed window.
#[derive(Debug, Clone, Copy)]
pub struct Limit {
    pub attempts: u32,
    pub window: Duration,
}

impl Limit {
    fn new(attempts: u32, window_secs: u64) -> Self {
        Self { attempts: attempts.max(1), window: Duration::seconds(i64::try_from(window_secs).unwrap_or(i64::MAX / 1000)) }
    }
}

#[derive(Debug, Clone)]
pub struct LoginThrottle {
    pub per_account: Limit,
    pub per_ip: Limit,
    pub resets_per_account: Limit,
    pub resets_per_ip: Limit,
}

impl LoginThrottle {
    /// How long a counter can still matter: the longest window of any limit. Older counters can
    /// be forgotten without giving anyone an attempt back.
    pub fn longest_window(&self) -> Duration {
        [&self.per_account, &self.per_ip, &self.resets_per_account, &self.resets_per_ip].iter().map(|l| l.window).max().unwrap_or_default()
    }

    pub fn from_settings(auth: &AuthSettings) -> Self {
        Self {
            per_account: Limit::new(auth.login_failures_per_account, auth.login_window_secs),
            per_ip: Limit::new(auth.login_failures_per_ip, auth.login_window_secs),
            resets_per_account: Limit::new(auth.password_resets_per_account, auth.password_reset_window_secs),
            resets_per_ip: Limit::new(auth.password_resets_per_ip, auth.password_reset_window_secs),
        }
    }
}

/// The counter keys. What was typed is normalised the way accounts are looked up, so `A@x` and
/// `a@x ` share one count whether or not the account exists.
pub fn login_account_key(email: &str) -> String {
    format!("login:account:{}", email.trim().to_lowercase())
}

pub fn login_ip_key(ip: Option<&str>) -> String {
    format!("login:ip:{}", ip.unwrap_or("unknown"))
}

pub fn reset_account_key(email: &str) -> String {
    format!("reset:account:{}", email.trim().to_lowercase())
}

pub fn reset_ip_key(ip: Option<&str>) -> String {
    format!("reset:ip:{}", ip.unwrap_or("unknown"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_are_kept_as_long_as_the_longest_window_needs_them() {
        let mut auth = crate::config::Settings::load_from(std::collections::HashMap::new()).expect("defaults").auth;
        auth.login_window_secs = 900;
        auth.password_reset_window_secs = 3600;
        assert_eq!(LoginThrottle::from_settings(&auth).longest_window(), Duration::seconds(3600));
        auth.login_window_secs = 7200;
        assert_eq!(LoginThrottle::from_settings(&auth).longest_window(), Duration::seconds(7200));
    }
}
