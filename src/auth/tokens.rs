//! Access tokens (JWT, HS256 pinned, short-lived) and refresh tokens (opaque, stored hashed).

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::domain::prefecture::PrefectureCode;
use crate::domain::user::Role;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    pub role: Role,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefecture: Option<PrefectureCode>,
    /// The login session, so a refresh-token reuse can be traced to it.
    pub sid: String,
    pub iss: String,
    pub aud: String,
    pub iat: i64,
    pub exp: i64,
}

pub struct AccessTokens {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    issuer: String,
    audience: String,
    pub ttl_secs: i64,
}

#[derive(Debug, PartialEq, Eq)]
pub enum TokenError {
    Invalid,
    Expired,
}

impl AccessTokens {
    pub fn new(secret: &[u8], issuer: &str, audience: &str, ttl_secs: i64) -> Self {
        // The algorithm is pinned: a token announcing any other `alg` is refused.
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[issuer]);
        validation.set_audience(&[audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        // Expiry is judged against the server's injected clock (see `decode`), like deadlines.
        validation.validate_exp = false;
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            issuer: issuer.to_string(),
            audience: audience.to_string(),
            ttl_secs,
        }
    }

    pub fn issue(
        &self,
        user_id: &str,
        role: Role,
        prefecture: Option<PrefectureCode>,
        session_id: &str,
        now: DateTime<Utc>,
    ) -> Result<String, jsonwebtoken::errors::Error> {
        let claims = Claims {
            sub: user_id.to_string(),
            role,
            prefecture,
            sid: session_id.to_string(),
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            iat: now.timestamp(),
            exp: now.timestamp() + self.ttl_secs,
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
    }

    pub fn decode(&self, token: &str, now: DateTime<Utc>) -> Result<Claims, TokenError> {
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map_err(|_| TokenError::Invalid)?;
        if data.claims.exp <= now.timestamp() {
            return Err(TokenError::Expired);
        }
        Ok(data.claims)
    }
}

/// 256 random bits, URL-safe: refresh tokens and one-time token ids.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::fill(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// What the database keeps of a bearer secret: a leaked table holds no usable token.
pub fn hash_token(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    fn tokens() -> AccessTokens {
        AccessTokens::new(b"a test secret of enough length....", "kyoso", "kyoso-api", 900)
    }

    #[test]
    fn issued_tokens_decode_until_they_expire() {
        let t = tokens();
        let now = Utc::now();
        let jwt = t.issue("u1", Role::Admin, None, "s1", now).unwrap();
        let claims = t.decode(&jwt, now).unwrap();
        assert_eq!((claims.sub.as_str(), claims.role), ("u1", Role::Admin));
        assert_eq!(t.decode(&jwt, now + Duration::seconds(901)).unwrap_err(), TokenError::Expired);
    }

    #[test]
    fn tokens_signed_with_another_key_or_audience_are_refused() {
        let now = Utc::now();
        let other = AccessTokens::new(b"another secret of enough length...", "kyoso", "kyoso-api", 900);
        let jwt = other.issue("u1", Role::Admin, None, "s1", now).unwrap();
        assert_eq!(tokens().decode(&jwt, now).unwrap_err(), TokenError::Invalid);
        let wrong_aud = AccessTokens::new(b"a test secret of enough length....", "kyoso", "elsewhere", 900);
        let jwt = wrong_aud.issue("u1", Role::Admin, None, "s1", now).unwrap();
        assert_eq!(tokens().decode(&jwt, now).unwrap_err(), TokenError::Invalid);
    }

    #[test]
    fn an_unsigned_token_is_refused() {
        // {"alg":"none"} header with admin claims and no signature.
        let forged = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiJ1MSIsInJvbGUiOiJhZG1pbiIsInNpZCI6InMiLCJpc3MiOiJreW9zbyIsImF1ZCI6Imt5b3NvLWFwaSIsImlhdCI6MCwiZXhwIjo5OTk5OTk5OTk5fQ.";
        assert_eq!(tokens().decode(forged, Utc::now()).unwrap_err(), TokenError::Invalid);
    }

    #[test]
    fn random_tokens_differ_and_hash_to_hex() {
        let (a, b) = (random_token(), random_token());
        assert_ne!(a, b);
        assert_eq!(hash_token(&a).len(), 64);
    }
}
