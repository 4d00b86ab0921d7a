//! Where emails go: `.eml` files in a folder (embedded mode, tests) or an SMTP server.

use std::path::PathBuf;

use lettre::message::header::{ContentTransferEncoding, ContentType};
use lettre::message::{Body, Mailbox, MultiPart, SinglePart};
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::config::Settings;
use crate::mail::templates::Attachment;

#[derive(Clone)]
pub enum MailTransport {
    File { dir: PathBuf, transport: AsyncFileTransport<Tokio1Executor> },
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
}

#[derive(Debug, thiserror::Error)]
pub enum TransportError {
    #[error("mail: {0}")]
    Setup(String),
}

impl MailTransport {
    pub fn from_settings(settings: &Settings) -> Result<Self, TransportError> {
        match settings.mail_dir() {
            Some(dir) => Ok(Self::file(dir)),
            None => AsyncSmtpTransport::<Tokio1Executor>::from_url(&settings.mail.smtp_url)
                .map(|b| Self::Smtp(b.build()))
                .map_err(|e| TransportError::Setup(format!("smtp_url: {e}"))),
        }
    }

    /// The folder is created on first delivery, not here: a missing or unwritable folder is a
    /// delivery failure to retry, like an SMTP outage.
    pub fn file(dir: PathBuf) -> Self {
        let transport = AsyncFileTransport::<Tokio1Executor>::new(&dir);
        Self::File { dir, transport }
    }

    pub fn describe(&self) -> String {
        match self {
            Self::File { dir, .. } => format!("files in {}", dir.display()),
            Self::Smtp(_) => "SMTP".to_string(),
        }
    }

    pub async fn send(&self, message: Message) -> Result<(), String> {
        match self {
            Self::File { dir, transport } => {
                tokio::fs::create_dir_all(dir).await.map_err(|e| format!("{}: {e}", dir.display()))?;
                transport.send(message).await.map(|_| ()).map_err(|e| e.to_string())
            }
            Self::Smtp(transport) => transport.send(message).await.map(|_| ()).map_err(|e| e.to_string()),
        }
    }
}

/// Builds the MIME message; an address that cannot be parsed is a permanent failure.
///
/// The text goes as 8bit UTF-8 (RFC 6152) rather than base64, so a `.eml` file or a message's
/// source stays readable and its `token=` link can be found by anyone looking for it. lettre
/// only chooses 8bit for lines under 76 bytes — a few Japanese characters — so the body is
/// prepared here against the real limit of RFC 5322 (998 bytes a line); base64 remains the
/// fallback for text that 8bit cannot carry.
pub fn build_message(from: &str, to: &str, subject: &str, body: &str) -> Result<Message, String> {
    build_message_with(from, to, subject, body, None)
}

/// As [`build_message`]; with an attachment the message is `multipart/mixed`: the same text
/// part, then the file. Emails without one stay single-part text, as before.
pub fn build_message_with(from: &str, to: &str, subject: &str, body: &str, attachment: Option<&Attachment>) -> Result<Message, String> {
    let from: Mailbox = from.parse().map_err(|e| format!("sender {from:?}: {e}"))?;
    let to: Mailbox = to.parse().map_err(|e| format!("recipient {to:?}: {e}"))?;
    let builder = Message::builder().from(from).to(to).subject(subject);
    let Some(attachment) = attachment else {
        return builder.header(ContentType::TEXT_PLAIN).body(eight_bit_body(body)).map_err(|e| e.to_string());
    };
    let content_type = ContentType::parse(&attachment.content_type).map_err(|e| format!("attachment type {:?}: {e}", attachment.content_type))?;
    let text = SinglePart::builder().header(ContentType::TEXT_PLAIN).body(eight_bit_body(body));
    // 8bit like the text, so the invitation stays readable in the message's source.
    let file = lettre::message::Attachment::new(attachment.filename.clone()).body(eight_bit_body(&attachment.body), content_type);
    builder.multipart(MultiPart::mixed().singlepart(text).singlepart(file)).map_err(|e| e.to_string())
}

fn eight_bit_body(text: &str) -> Body {
    let normalized = text.replace("\r\n", "\n").replace('\r', "\n");
    let fits = !normalized.contains('\0') && normalized.split('\n').all(|line| line.len() <= 998);
    if !fits {
        return Body::new(normalized);
    }
    let mut crlf = normalized.replace('\n', "\r\n");
    if !crlf.ends_with("\r\n") {
        crlf.push_str("\r\n");
    }
    Body::dangerous_pre_encoded(crlf.into_bytes(), ContentTransferEncoding::EightBit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn japanese_text_is_sent_readable_as_8bit_with_crlf_lines() {
        let m = build_message("Kyoso <a@example.jp>", "b@example.jp", "件名", "山田様\nhttp://h/activate?token=abc.def\n").unwrap();
        let raw = String::from_utf8(m.formatted()).unwrap();
        assert!(raw.contains("Content-Transfer-Encoding: 8bit"), "{raw}");
        assert!(raw.contains("山田様\r\nhttp://h/activate?token=abc.def\r\n"), "{raw}");
    }

    #[test]
    fn overlong_lines_fall_back_to_an_encoding_that_carries_them() {
        let m = build_message("a@example.jp", "b@example.jp", "s", &"あ".repeat(400)).unwrap();
        let raw = String::from_utf8(m.formatted()).unwrap();
        assert!(!raw.contains("Content-Transfer-Encoding: 8bit"));
    }

    #[test]
    fn an_attachment_makes_a_mixed_message_keeping_the_text_readable() {
        let ics = Attachment { filename: "hearing.ics".into(), content_type: "text/calendar; charset=utf-8; method=PUBLISH".into(), body: "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n".into() };
        let m = build_message_with("a@example.jp", "b@example.jp", "件名", "山田様\n", Some(&ics)).unwrap();
        let raw = String::from_utf8(m.formatted()).unwrap();
        assert!(raw.contains("multipart/mixed"), "{raw}");
        assert!(raw.contains("山田様\r\n"), "{raw}");
        assert!(raw.contains("filename=\"hearing.ics\""), "{raw}");
        assert!(raw.contains("text/calendar"), "{raw}");
        let plain = String::from_utf8(build_message("a@example.jp", "b@example.jp", "s", "b").unwrap().formatted()).unwrap();
        assert!(!plain.contains("multipart"), "{plain}");
    }

    #[test]
    fn unparseable_addresses_are_refused() {
        assert!(build_message("a@example.jp", "not an address", "s", "b").is_err());
    }
}
