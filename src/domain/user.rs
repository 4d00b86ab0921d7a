//! Accounts: roles, email addresses and the password policy.

use std::fmt;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::ValidateEmail;

use crate::domain::text_enum;

text_enum! {
    #[derive(Serialize, Deserialize, ToSchema)]
    #[serde(rename_all = "snake_case")]
    pub enum Role ("role") {
        /// An officer of one prefecture (都道府県の担当者).
        Applicant = "applicant",
        /// An external expert (審査委員).
        Reviewer = "reviewer",
        /// A program officer of the agency.
        Admin = "admin",
    }
}

/// An email address as accounts are keyed: trimmed and lower-cased, so `PO@JST.example` and
/// `po@jst.example` are one account.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a valid email address")]
pub struct InvalidEmail;

impl Email {
    pub fn parse(raw: &str) -> Result<Self, InvalidEmail> {
        let normalised = raw.trim().to_lowercase();
        if normalised.len() <= 254 && normalised.validate_email() {
            Ok(Self(normalised))
        } else {
            Err(InvalidEmail)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

pub const PASSWORD_MIN_CHARS: usize = 12;
pub const PASSWORD_MAX_CHARS: usize = 128;

/// API.md: passwords are 12–128 characters (counted as characters, not bytes, so Japanese
/// passphrases are judged fairly).
pub fn check_password(password: &str) -> Result<(), String> {
    let chars = password.chars().count();
    if chars < PASSWORD_MIN_CHARS {
        Err(format!("must be at least {PASSWORD_MIN_CHARS} characters"))
    } else if chars > PASSWORD_MAX_CHARS {
        Err(format!("must be at most {PASSWORD_MAX_CHARS} characters"))
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_trimmed_and_lowercased() {
        assert_eq!(Email::parse("  PO@JST.Example ").map(|e| e.to_string()), Ok("po@jst.example".into()));
        assert!(Email::parse("not-an-email").is_err());
        assert!(Email::parse("").is_err());
    }

    #[test]
    fn password_length_is_counted_in_characters() {
        assert!(check_password("short").is_err());
        assert!(check_password("あいうえおかきくけこさし").is_ok()); // 12 characters, 36 bytes
        assert!(check_password(&"x".repeat(128)).is_ok());
        assert!(check_password(&"x".repeat(129)).is_err());
    }
}
