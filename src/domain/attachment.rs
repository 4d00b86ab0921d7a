//! Attachments are PDF only, recognised by their content — the name and the declared type of
//! an upload prove nothing.

/// How much of the beginning and end of a file the check looks at.
pub const PROBE_BYTES: usize = 1024;

/// A PDF starts with a `%PDF-<major>.<minor>` header and ends with a trailer: `startxref`, then
/// `%%EOF` (ISO 32000-1 §7.5). `head` and `tail` are the first and last [`PROBE_BYTES`] bytes.
pub fn looks_like_pdf(head: &[u8], tail: &[u8]) -> bool {
    let header = head.starts_with(b"%PDF-1.") || head.starts_with(b"%PDF-2.");
    let eof = find(tail, b"%%EOF");
    let startxref = find(tail, b"startxref");
    header && matches!((startxref, eof), (Some(x), Some(e)) if x < e)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).rposition(|w| w == needle)
}

/// A filename safe to store and send back: no folders, no control characters, bounded length.
pub fn safe_filename(raw: Option<&str>) -> String {
    let base = raw.unwrap_or("").rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = base.chars().filter(|c| !c.is_control() && *c != '"').take(200).collect();
    let cleaned = cleaned.trim().trim_start_matches('.').to_string();
    if cleaned.is_empty() { "attachment.pdf".to_string() } else { cleaned }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &[u8] = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\nstartxref\n9\n%%EOF\n";

    #[test]
    fn a_pdf_is_recognised_by_header_and_trailer() {
        assert!(looks_like_pdf(MINIMAL, MINIMAL));
        assert!(looks_like_pdf(b"%PDF-2.0 ...", b"... startxref 1234 %%EOF"));
    }

    #[test]
    fn other_content_is_refused_whatever_its_name() {
        assert!(!looks_like_pdf(b"PK\x03\x04 a zip", b"startxref %%EOF"));
        assert!(!looks_like_pdf(b"%PDF-1.4 truncated", b"no trailer here"));
        assert!(!looks_like_pdf(b"<html>%PDF-1.4", MINIMAL));
        assert!(!looks_like_pdf(b"%PDF-1.4", b"%%EOF then startxref"));
        assert!(!looks_like_pdf(b"", b""));
    }

    #[test]
    fn filenames_lose_their_folders_and_control_characters() {
        assert_eq!(safe_filename(Some("../../etc/計画書.pdf")), "計画書.pdf");
        assert_eq!(safe_filename(Some("C:\\docs\\plan.pdf")), "plan.pdf");
        assert_eq!(safe_filename(Some("a\u{0}b\".pdf")), "ab.pdf");
        assert_eq!(safe_filename(Some("..")), "attachment.pdf");
        assert_eq!(safe_filename(None), "attachment.pdf");
    }
}
