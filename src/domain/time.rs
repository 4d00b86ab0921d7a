//! Instants are stored as UTC and shown in Japan Standard Time (SPEC §3: deadlines are shown in
//! Asia/Tokyo). Japan has no daylight saving time, so a fixed +09:00 offset is exact.

use chrono::{DateTime, FixedOffset, NaiveDateTime, SubsecRound, Utc};

/// An instant, kept in UTC (a `Timestamp` column holds it as such). Naive date-times appear
/// nowhere else, so a local time can never be stored by mistake. It holds microseconds, what
/// PostgreSQL keeps: an answer built from a row just written shows what a later read will.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, diesel::AsExpression, diesel::FromSqlRow)]
#[diesel(sql_type = diesel::sql_types::Timestamp)]
pub struct Instant(NaiveDateTime);

impl Instant {
    pub fn utc(self) -> DateTime<Utc> {
        self.0.and_utc()
    }

    /// As the API and the pages show it: Japan Standard Time.
    pub fn shown(self) -> DateTime<FixedOffset> {
        shown(self.0)
    }

    /// The UTC wall-clock value as stored.
    pub fn stored(self) -> NaiveDateTime {
        self.0
    }

    /// For the column impl, which must lend out the stored value.
    pub(crate) fn stored_ref(&self) -> &NaiveDateTime {
        &self.0
    }

    pub fn from_stored(utc: NaiveDateTime) -> Self {
        Self(utc)
    }
}

impl From<DateTime<Utc>> for Instant {
    fn from(instant: DateTime<Utc>) -> Self {
        Self(stored(instant))
    }
}

impl From<DateTime<FixedOffset>> for Instant {
    fn from(instant: DateTime<FixedOffset>) -> Self {
        Self(from_api(instant))
    }
}

pub fn jst() -> FixedOffset {
    FixedOffset::east_opt(9 * 3600).expect("+09:00 is a valid offset")
}

/// A stored (UTC) instant as the API shows it.
pub fn shown(stored: NaiveDateTime) -> DateTime<FixedOffset> {
    stored.and_utc().with_timezone(&jst())
}

pub fn stored(instant: DateTime<Utc>) -> NaiveDateTime {
    instant.naive_utc().trunc_subsecs(6)
}

/// An instant received in any offset, as stored.
pub fn from_api(instant: DateTime<FixedOffset>) -> NaiveDateTime {
    stored(instant.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_instant_keeps_the_microseconds_a_database_keeps() {
        let now = DateTime::parse_from_rfc3339("2026-12-07T10:00:00.123456789+09:00").expect("a valid instant");
        let kept = Instant::from(now);
        assert_eq!(kept.shown().to_rfc3339(), "2026-12-07T10:00:00.123456+09:00");
        assert_eq!(Instant::from(now.with_timezone(&Utc)), kept);
    }

    #[test]
    fn instants_are_shown_in_japan_standard_time() {
        let received: DateTime<FixedOffset> = "2026-12-01T08:00:00Z".parse().unwrap();
        let s = from_api(received);
        assert_eq!(shown(s).to_rfc3339(), "2026-12-01T17:00:00+09:00");
    }
}
