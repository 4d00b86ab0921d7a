//! Access tokens are checked against their session on every request, so that logout, refresh
//! reuse, password changes and deactivation take effect at once rather than when the token
//! expires. The answer is cached briefly (`auth.session_check_cache_ms`, at most 5 s) so a
//! burst of requests costs one lookup; the cache is per process, which is why it is short.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::repo::sessions::Liveness;

const MAX_ENTRIES: usize = 10_000;

pub struct SessionCache {
    ttl: Duration,
    entries: Mutex<HashMap<String, (Instant, Liveness)>>,
}

impl SessionCache {
    pub fn new(ttl_ms: u64) -> Self {
        Self { ttl: Duration::from_millis(ttl_ms), entries: Mutex::new(HashMap::new()) }
    }

    pub fn get(&self, session_id: &str) -> Option<Liveness> {
        if self.ttl.is_zero() {
            return None;
        }
        let entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        entries.get(session_id).filter(|(at, _)| at.elapsed() < self.ttl).map(|(_, l)| *l)
    }

    pub fn put(&self, session_id: &str, liveness: Liveness) {
        if self.ttl.is_zero() {
            return;
        }
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        if entries.len() >= MAX_ENTRIES {
            let ttl = self.ttl;
            entries.retain(|_, (at, _)| at.elapsed() < ttl);
            if entries.len() >= MAX_ENTRIES {
                entries.clear();
            }
        }
        entries.insert(session_id.to_string(), (Instant::now(), liveness));
    }

    /// Drops every cached answer: this process just ended sessions, so its own requests need not
    /// wait for the entries to age out.
    pub fn forget_all(&self) {
        self.entries.lock().unwrap_or_else(|p| p.into_inner()).clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_reused_only_within_the_ttl() {
        let cache = SessionCache::new(50);
        cache.put("s", Liveness::Live { must_change_password: false });
        assert_eq!(cache.get("s"), Some(Liveness::Live { must_change_password: false }));
        assert_eq!(cache.get("other"), None);
        std::thread::sleep(Duration::from_millis(60));
        assert_eq!(cache.get("s"), None);
        cache.put("s", Liveness::Ended);
        cache.forget_all();
        assert_eq!(cache.get("s"), None);
    }

    #[test]
    fn a_zero_ttl_caches_nothing() {
        let cache = SessionCache::new(0);
        cache.put("s", Liveness::Ended);
        assert_eq!(cache.get("s"), None);
    }
}
