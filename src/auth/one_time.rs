//! Signed one-time tokens for the links in emails (invitation, password reset, endorsement).
//!
//! A token is `<id>.<mac>`: a random id (the database row that makes it single-use, expiring
//! and voidable) and an HMAC-SHA256 over purpose and id. The signature lets forged or mistyped
//! tokens be refused without a database lookup, and ties a token to its purpose: an
//! invitation link cannot be replayed as an endorsement.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

crate::domain::text_enum! {
    /// What a one-time link is for; part of its signature.
    pub enum Purpose ("link purpose") {
        Invitation = "invitation",
        PasswordReset = "password_reset",
        Endorsement = "endorsement",
    }
}

#[derive(Clone)]
pub struct LinkSigner {
    key: Vec<u8>,
}

impl LinkSigner {
    /// Derives its own key from the server secret, so the JWT key is never used for links.
    pub fn new(server_secret: &[u8]) -> Self {
        let mut mac = HmacSha256::new_from_slice(server_secret).expect("HMAC accepts keys of any length");
        mac.update(b"kyoso one-time links v1");
        Self { key: mac.finalize().into_bytes().to_vec() }
    }

    fn mac(&self, purpose: Purpose, id: &str) -> HmacSha256 {
        let mut mac = HmacSha256::new_from_slice(&self.key).expect("HMAC accepts keys of any length");
        mac.update(purpose.as_str().as_bytes());
        mac.update(b".");
        mac.update(id.as_bytes());
        mac
    }

    /// A fresh id and the token that carries it.
    pub fn issue(&self, purpose: Purpose) -> (String, String) {
        let id = uuid::Uuid::new_v4().simple().to_string();
        let signature = URL_SAFE_NO_PAD.encode(self.mac(purpose, &id).finalize().into_bytes());
        let token = format!("{id}.{signature}");
        (id, token)
    }

    /// The id inside a token, if its signature is genuine for this purpose (checked in constant time).
    pub fn verify(&self, purpose: Purpose, token: &str) -> Option<String> {
        let (id, signature) = token.trim().split_once('.')?;
        if id.len() != 32 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let signature = URL_SAFE_NO_PAD.decode(signature).ok()?;
        self.mac(purpose, id).verify_slice(&signature).ok()?;
        Some(id.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_verifies_only_for_its_purpose_and_key() {
        let signer = LinkSigner::new(b"secret");
        let (id, token) = signer.issue(Purpose::Invitation);
        assert_eq!(signer.verify(Purpose::Invitation, &token), Some(id));
        assert_eq!(signer.verify(Purpose::Endorsement, &token), None);
        assert_eq!(LinkSigner::new(b"other").verify(Purpose::Invitation, &token), None);
    }

    #[test]
    fn tampered_or_malformed_tokens_are_refused() {
        let signer = LinkSigner::new(b"secret");
        let (_, token) = signer.issue(Purpose::PasswordReset);
        let mut tampered = token.clone();
        tampered.replace_range(0..1, if token.starts_with('a') { "b" } else { "a" });
        assert_eq!(signer.verify(Purpose::PasswordReset, &tampered), None);
        for bad in ["", ".", "abc", "abc.def", "ü.ü"] {
            assert_eq!(signer.verify(Purpose::PasswordReset, bad), None);
        }
    }
}
