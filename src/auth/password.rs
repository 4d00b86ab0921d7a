//! argon2id password hashes. Hashing is deliberately slow, so callers run it on the blocking pool.

use argon2::password_hash::{PasswordHasher as _, PasswordVerifier as _};
use argon2::{Algorithm, Argon2, Params, Version};

#[derive(Clone)]
pub struct Passwords {
    params: Params,
    /// Verified against when the email is unknown, so that a failed login takes as long
    /// whether or not the account exists.
    dummy_hash: String,
}

#[derive(Debug, thiserror::Error)]
#[error("password hashing failed: {0}")]
pub struct HashError(String);

impl Passwords {
    pub fn new(memory_kib: u32, iterations: u32) -> Result<Self, HashError> {
        let params = Params::new(memory_kib, iterations, 1, None).map_err(|e| HashError(e.to_string()))?;
        let mut this = Self { params, dummy_hash: String::new() };
        this.dummy_hash = this.hash("kyoso-dummy-password-for-timing")?;
        Ok(this)
    }

    fn argon2(&self) -> Argon2<'_> {
        Argon2::new(Algorithm::Argon2id, Version::V0x13, self.params.clone())
    }

    pub fn hash(&self, password: &str) -> Result<String, HashError> {
        self.argon2()
            .hash_password(password.as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| HashError(e.to_string()))
    }

    /// The parameters stored in the hash are used, so hashes made under older settings still verify.
    pub fn verify(&self, password: &str, hash: &str) -> bool {
        self.argon2().verify_password(password.as_bytes(), hash).is_ok()
    }

    /// Spends the time of one verification and fails.
    pub fn verify_dummy(&self, password: &str) -> bool {
        let _ = self.verify(password, &self.dummy_hash);
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_argon2id_and_verify_only_the_right_password() {
        let p = Passwords::new(1024, 1).unwrap();
        let hash = p.hash("correct horse battery").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(p.verify("correct horse battery", &hash));
        assert!(!p.verify("wrong horse battery", &hash));
        assert!(!p.verify("anything", "not a hash"));
        assert!(!p.verify_dummy("kyoso-dummy-password-for-timing"));
    }
}
