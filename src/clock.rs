//! The server's clock. Deadlines are judged by it (SPEC §3), so it is injected rather than read
//! ad hoc; tests move it forward instead of sleeping past a deadline.

use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, Duration, DurationRound, Utc};

pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> DateTime<Utc>;
}

/// Microsecond precision: what PostgreSQL stores, so a value read back compares equal.
fn truncate(t: DateTime<Utc>) -> DateTime<Utc> {
    t.duration_trunc(Duration::microseconds(1)).unwrap_or(t)
}

#[derive(Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        truncate(Utc::now())
    }
}

/// The system clock shifted by an adjustable offset; used by tests to step past deadlines and
/// token expiries.
#[derive(Debug, Default)]
pub struct ShiftedClock {
    offset_micros: AtomicI64,
}

impl ShiftedClock {
    pub fn advance(&self, by: Duration) {
        let micros = by.num_microseconds().unwrap_or(i64::MAX);
        self.offset_micros.fetch_add(micros, Ordering::SeqCst);
    }
}

impl Clock for ShiftedClock {
    fn now(&self) -> DateTime<Utc> {
        truncate(Utc::now() + Duration::microseconds(self.offset_micros.load(Ordering::SeqCst)))
    }
}
