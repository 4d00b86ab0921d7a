//! iCalendar (RFC 5545) invitations for hearing slots, written here rather than with a crate:
//! one VEVENT in Japan Standard Time is a few lines, and the rules that matter — CRLF line
//! ends, lines folded at 75 octets without splitting a UTF-8 character, escaped text, a stable
//! UID with a SEQUENCE that grows on every move — are checked by the tests below.

use chrono::{DateTime, Utc};

use crate::domain::time::jst;

/// One hearing, as an invitation calendar programs import.
pub struct HearingEvent<'a> {
    /// Stable for the slot: a moved slot replaces the earlier invitation instead of adding one.
    pub uid: &'a str,
    /// Bumped on every move (RFC 5545 §3.8.7.4).
    pub sequence: i32,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub stamped_at: DateTime<Utc>,
    pub summary: &'a str,
    pub location: &'a str,
    pub description: &'a str,
}

/// Japan has kept +09:00 without daylight saving since 1951: one STANDARD rule describes it.
const VTIMEZONE: &[&str] = &[
    "BEGIN:VTIMEZONE",
    "TZID:Asia/Tokyo",
    "BEGIN:STANDARD",
    "DTSTART:19700101T000000",
    "TZOFFSETFROM:+0900",
    "TZOFFSETTO:+0900",
    "TZNAME:JST",
    "END:STANDARD",
    "END:VTIMEZONE",
];

fn local(t: DateTime<Utc>) -> String {
    t.with_timezone(&jst()).format("%Y%m%dT%H%M%S").to_string()
}

/// TEXT values escape backslash, semicolon, comma and newlines (RFC 5545 §3.3.11).
fn text(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.replace("\r\n", "\n").chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' | '\r' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

/// Folds a content line into lines of at most 75 octets, continuations starting with a space
/// (RFC 5545 §3.1), never inside a UTF-8 character.
fn fold(line: &str) -> String {
    let mut out = String::with_capacity(line.len() + line.len() / 70 * 3);
    let mut width = 0;
    for c in line.chars() {
        if width + c.len_utf8() > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += c.len_utf8();
    }
    out.push_str("\r\n");
    out
}

/// The `.ics` text of the invitation.
pub fn hearing_invitation(e: &HearingEvent<'_>) -> String {
    let mut lines: Vec<String> = vec!["BEGIN:VCALENDAR".into(), "VERSION:2.0".into(), "PRODID:-//Kyoso//Hearing slots//JA".into(), "CALSCALE:GREGORIAN".into(), "METHOD:PUBLISH".into()];
    lines.extend(VTIMEZONE.iter().map(|l| l.to_string()));
    lines.extend([
        "BEGIN:VEVENT".to_string(),
        format!("UID:{}", e.uid),
        format!("SEQUENCE:{}", e.sequence),
        format!("DTSTAMP:{}", e.stamped_at.format("%Y%m%dT%H%M%SZ")),
        format!("DTSTART;TZID=Asia/Tokyo:{}", local(e.starts_at)),
        format!("DTEND;TZID=Asia/Tokyo:{}", local(e.ends_at)),
        format!("SUMMARY:{}", text(e.summary)),
        format!("LOCATION:{}", text(e.location)),
        format!("DESCRIPTION:{}", text(e.description)),
        "END:VEVENT".to_string(),
        "END:VCALENDAR".to_string(),
    ]);
    lines.iter().map(|l| fold(l)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn event(sequence: i32) -> String {
        hearing_invitation(&HearingEvent {
            uid: "slot-1@kyoso",
            sequence,
            starts_at: Utc.with_ymd_and_hms(2027, 2, 10, 1, 0, 0).unwrap(),
            ends_at: Utc.with_ymd_and_hms(2027, 2, 10, 1, 45, 0).unwrap(),
            stamped_at: Utc.with_ymd_and_hms(2027, 1, 20, 3, 4, 5).unwrap(),
            summary: "ヒアリング: 神奈川県 地域産学官共同研究拠点, 第2会議室; 発表20分",
            location: "文部科学省 東館16F 第2会議室",
            description: "line one\nline two",
        })
    }

    #[test]
    fn the_invitation_is_one_event_in_japan_standard_time() {
        let ics = event(0);
        assert!(ics.starts_with("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"), "{ics}");
        assert!(ics.ends_with("END:VEVENT\r\nEND:VCALENDAR\r\n"), "{ics}");
        // 01:00 UTC is 10:00 in Tokyo.
        assert!(ics.contains("\r\nDTSTART;TZID=Asia/Tokyo:20270210T100000\r\n"), "{ics}");
        assert!(ics.contains("\r\nDTEND;TZID=Asia/Tokyo:20270210T104500\r\n"), "{ics}");
        assert!(ics.contains("\r\nBEGIN:VTIMEZONE\r\nTZID:Asia/Tokyo\r\n"), "{ics}");
        assert!(ics.contains("\r\nDTSTAMP:20270120T030405Z\r\n"), "{ics}");
        assert!(ics.contains("\r\nUID:slot-1@kyoso\r\nSEQUENCE:0\r\n"), "{ics}");
        assert!(event(2).contains("\r\nUID:slot-1@kyoso\r\nSEQUENCE:2\r\n"));
    }

    #[test]
    fn every_line_ends_in_crlf_and_fits_75_octets() {
        let ics = event(0);
        assert!(!ics.replace("\r\n", "").contains('\n'), "bare LF in {ics:?}");
        for line in ics.split("\r\n") {
            assert!(line.len() <= 75, "{} octets: {line}", line.len());
        }
        let unfolded = ics.replace("\r\n ", "");
        assert!(unfolded.contains("SUMMARY:ヒアリング: 神奈川県 地域産学官共同研究拠点\\, 第2会議室\\; 発表20分\r\n"), "{unfolded}");
        assert!(unfolded.contains("DESCRIPTION:line one\\nline two\r\n"), "{unfolded}");
    }

    #[test]
    fn folding_never_splits_a_character() {
        let folded = fold(&format!("X:{}", "あ".repeat(60)));
        for line in folded.split("\r\n") {
            assert!(line.len() <= 75);
        }
        assert_eq!(folded.replace("\r\n ", ""), format!("X:{}\r\n", "あ".repeat(60)));
    }
}
