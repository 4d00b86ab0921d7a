//! Attachments are PDF only, recognised by their content — the name and the declared type of
//! an upload prove nothing.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

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

/// An attachment as it counts in what is endorsed and submitted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AttachmentRef {
    pub id: String,
    pub filename: String,
    /// Bytes.
    pub size: i64,
    /// SHA-256 of the file, hex.
    pub sha256: String,
}

/// How many attachments a proposal may carry.
pub const MAX_PER_PROPOSAL: usize = 20;

/// The hash that endorsements cover: the content's hash sealed with the attachments' names and
/// digests, in an order that does not depend on upload order. Without attachments it is the
/// content's hash itself, so endorsements given before attachments existed stay valid.
pub fn sealed_hash(content_hash: &str, attachments: &[AttachmentRef]) -> String {
    if attachments.is_empty() {
        return content_hash.to_string();
    }
    let mut files: Vec<(&str, &str)> = attachments.iter().map(|a| (a.sha256.as_str(), a.filename.as_str())).collect();
    files.sort_unstable();
    let mut hasher = Sha256::new();
    hasher.update(content_hash.as_bytes());
    for (sha256, filename) in files {
        // Lengths first, so that no two lists of names run together into the same bytes.
        hasher.update(format!("\n{}:{sha256}{}:{filename}", sha256.len(), filename.len()).as_bytes());
    }
    hasher.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// Finds the `/Encrypt` entry of an encrypted PDF's trailer (or cross-reference stream) in a
/// file fed chunk by chunk: the reviewers could not open such a file, and its content cannot be
/// checked. `/EncryptMetadata` and the like are other names and do not count.
#[derive(Debug, Default)]
pub struct EncryptionProbe {
    carry: Vec<u8>,
    found: bool,
}

const ENCRYPT: &[u8] = b"/Encrypt";

/// Bytes that may continue a PDF name (ISO 32000-1 §7.2.2: anything but whitespace and
/// delimiters).
fn continues_name(b: u8) -> bool {
    !(b.is_ascii_whitespace() || b == 0 || b"()<>[]{}/%".contains(&b))
}

impl EncryptionProbe {
    pub fn feed(&mut self, chunk: &[u8]) {
        if self.found {
            return;
        }
        self.carry.extend_from_slice(chunk);
        let window = &self.carry;
        let mut at = 0;
        while let Some(pos) = window[at..].windows(ENCRYPT.len()).position(|w| w == ENCRYPT) {
            let end = at + pos + ENCRYPT.len();
            match window.get(end) {
                Some(&next) if continues_name(next) => at = end,
                // The name may go on in the next chunk: decide then.
                None => break,
                Some(_) => {
                    self.found = true;
                    return;
                }
            }
        }
        let keep = ENCRYPT.len().min(self.carry.len());
        self.carry.drain(..self.carry.len() - keep);
    }

    /// Whether the file fed so far is encrypted; call once the whole file was fed.
    pub fn encrypted(&self) -> bool {
        self.found || self.carry.ends_with(ENCRYPT)
    }
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
    fn an_encrypt_entry_is_found_even_across_chunks() {
        let encrypted = b"trailer\n<< /Root 1 0 R /Encrypt 5 0 R /ID [<ab><cd>] >>\nstartxref\n9\n%%EOF";
        for split in 0..encrypted.len() {
            let mut probe = EncryptionProbe::default();
            probe.feed(&encrypted[..split]);
            probe.feed(&encrypted[split..]);
            assert!(probe.encrypted(), "split at {split}");
        }
        let mut probe = EncryptionProbe::default();
        probe.feed(b"<< /Encrypt<</Filter/Standard>> >>");
        assert!(probe.encrypted());
    }

    #[test]
    fn other_names_starting_with_encrypt_are_not_encryption() {
        let mut probe = EncryptionProbe::default();
        probe.feed(b"<< /EncryptMetadata false >>");
        probe.feed(MINIMAL);
        assert!(!probe.encrypted());
    }

    fn file(name: &str, sha: &str) -> AttachmentRef {
        AttachmentRef { id: name.into(), filename: name.into(), size: 1, sha256: sha.into() }
    }

    #[test]
    fn the_sealed_hash_covers_attachments_but_not_their_order() {
        assert_eq!(sealed_hash("c", &[]), "c");
        let (a, b) = (file("a.pdf", "11"), file("b.pdf", "22"));
        let sealed = sealed_hash("c", &[a.clone(), b.clone()]);
        assert_ne!(sealed, "c");
        assert_eq!(sealed, sealed_hash("c", &[b.clone(), a.clone()]));
        assert_ne!(sealed, sealed_hash("c", &[a.clone()]));
        assert_ne!(sealed, sealed_hash("c", &[a, file("b.pdf", "23")]));
        assert_ne!(sealed, sealed_hash("d", &[file("a.pdf", "11"), b]));
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
