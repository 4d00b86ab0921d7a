//! Instants are stored as UTC and shown in Japan Standard Time (SPEC §3: deadlines are shown in
//! Asia/Tokyo). Japan has no daylight saving time, so a fixed +09:00 offset is exact.

use chrono::{DateTime, FixedOffset, NaiveDateTime, Utc};

pub fn jst() -> FixedOffset {
    FixedOffset::east_opt(9 * 3600).expect("+09:00 is a valid offset")
}

/// A stored (UTC) instant as the API shows it.
pub fn shown(stored: NaiveDateTime) -> DateTime<FixedOffset> {
    stored.and_utc().with_timezone(&jst())
}

pub fn stored(instant: DateTime<Utc>) -> NaiveDateTime {
    instant.naive_utc()
}

/// An instant received in any offset, as stored.
pub fn from_api(instant: DateTime<FixedOffset>) -> NaiveDateTime {
    instant.with_timezone(&Utc).naive_utc()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instants_are_shown_in_japan_standard_time() {
        let received: DateTime<FixedOffset> = "2026-12-01T08:00:00Z".parse().unwrap();
        let s = from_api(received);
        assert_eq!(shown(s).to_rfc3339(), "2026-12-01T17:00:00+09:00");
    }
}
