//! Login throttling: after too many failed logins within a window, for one account or from one
//! client address, further attempts are refused with 429 and `Retry-After` until the window
//! ends — even with the right password, or guessing would simply continue.
//!
//! Kept in memory: it only has to slow down guessing against this process. It counts failures,
//! not requests, and must report when the block ends, which a request-rate limiter such as
//! `governor` does not model, hence this small fixed-window counter.

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::{DateTime, Duration, Utc};

#[derive(Debug)]
struct Window {
    started: DateTime<Utc>,
    failures: u32,
}

#[derive(Debug)]
pub struct Throttle {
    limit: u32,
    window: Duration,
    windows: Mutex<HashMap<String, Window>>,
}

impl Throttle {
    pub fn new(limit: u32, window: Duration) -> Self {
        Self { limit: limit.max(1), window, windows: Mutex::new(HashMap::new()) }
    }

    /// Seconds until `key` may try again, if it is blocked now.
    pub fn blocked_for(&self, key: &str, now: DateTime<Utc>) -> Option<u64> {
        let windows = self.windows.lock().unwrap_or_else(|p| p.into_inner());
        let w = windows.get(key)?;
        let ends = w.started + self.window;
        (w.failures >= self.limit && now < ends).then(|| (ends - now).num_seconds().max(1) as u64)
    }

    pub fn record_failure(&self, key: &str, now: DateTime<Utc>) {
        let mut windows = self.windows.lock().unwrap_or_else(|p| p.into_inner());
        // Forget expired windows now and then, so the map cannot grow without bound.
        if windows.len() > 10_000 {
            let window = self.window;
            windows.retain(|_, w| now < w.started + window);
        }
        let w = windows.entry(key.to_string()).or_insert(Window { started: now, failures: 0 });
        if now >= w.started + self.window {
            *w = Window { started: now, failures: 0 };
        }
        w.failures += 1;
    }

    pub fn clear(&self, key: &str) {
        self.windows.lock().unwrap_or_else(|p| p.into_inner()).remove(key);
    }
}

pub struct LoginThrottle {
    pub per_account: Throttle,
    pub per_ip: Throttle,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_after_the_limit_until_the_window_ends() {
        let t = Throttle::new(3, Duration::seconds(60));
        let t0 = Utc::now();
        for _ in 0..2 {
            t.record_failure("a", t0);
        }
        assert_eq!(t.blocked_for("a", t0), None);
        t.record_failure("a", t0);
        assert_eq!(t.blocked_for("a", t0 + Duration::seconds(10)), Some(50));
        assert_eq!(t.blocked_for("b", t0), None);
        assert_eq!(t.blocked_for("a", t0 + Duration::seconds(61)), None);
    }

    #[test]
    fn a_new_window_starts_counting_from_zero() {
        let t = Throttle::new(2, Duration::seconds(60));
        let t0 = Utc::now();
        t.record_failure("a", t0);
        t.record_failure("a", t0 + Duration::seconds(61));
        assert_eq!(t.blocked_for("a", t0 + Duration::seconds(62)), None);
        t.clear("a");
        assert_eq!(t.blocked_for("a", t0), None);
    }
}
