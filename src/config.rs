//! Settings: `config/default.toml` (compiled in, so the binary runs from any folder), then an
//! optional file named by `KYOSO_CONFIG`, then `KYOSO__SECTION__KEY` variables, then the fixed
//! variable names that API.md promises to deployers.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use config::{Config, Environment, File, FileFormat};
use serde::Deserialize;

const DEFAULTS: &str = include_str!("../config/default.toml");

#[derive(Debug, Clone, Deserialize)]
pub struct Settings {
    pub app: AppSettings,
    pub server: ServerSettings,
    pub database: DatabaseSettings,
    pub auth: AuthSettings,
    pub mail: MailSettings,
    pub storage: StorageSettings,
    pub endorsement: EndorsementSettings,
    #[serde(default)]
    pub bootstrap: BootstrapSettings,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    Development,
    Production,
}

#[derive(Debug, Clone, Deserialize)]
pub struct AppSettings {
    pub mode: Mode,
    pub data_dir: PathBuf,
    pub public_base_url: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ServerSettings {
    pub bind: String,
    pub workers: usize,
    pub json_limit_bytes: usize,
    pub trust_forwarded_for: bool,
    /// With `trust_forwarded_for`: how many proxies in front of the server append to
    /// `X-Forwarded-For`; the client is the address the outermost of them saw.
    pub trusted_proxy_hops: usize,
}

#[derive(Debug, Clone, Deserialize)]
pub struct DatabaseSettings {
    pub url: String,
    pub pool_size: u32,
}

#[derive(Debug, Clone, Deserialize)]
pub struct AuthSettings {
    pub jwt_secret: String,
    pub issuer: String,
    pub audience: String,
    pub access_ttl_secs: i64,
    pub refresh_ttl_secs: i64,
    pub invitation_ttl_hours: i64,
    pub password_reset_ttl_minutes: i64,
    pub argon2_memory_kib: u32,
    pub argon2_iterations: u32,
    /// Threads that hash passwords (0: one per core), and how long a request may queue for one.
    pub password_hashing_threads: usize,
    pub password_hashing_wait_ms: u64,
    pub login_failures_per_account: u32,
    pub login_failures_per_ip: u32,
    pub login_window_secs: u64,
    pub password_resets_per_account: u32,
    pub password_resets_per_ip: u32,
    pub password_reset_window_secs: u64,
    /// Absolute lifetime of a login session, however often its refresh token rotates.
    pub session_lifetime_secs: i64,
    /// How long a request may rely on an earlier check that its session is live.
    pub session_check_cache_ms: u64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct MailSettings {
    pub dir: String,
    pub smtp_url: String,
    pub from: String,
    pub poll_interval_ms: u64,
    pub retry_base_secs: i64,
    pub max_attempts: i32,
    pub worker_enabled: bool,
}

#[derive(Debug, Clone, Deserialize)]
pub struct StorageSettings {
    pub attachments_dir: PathBuf,
    pub max_attachment_bytes: usize,
}

#[derive(Debug, Clone, Deserialize)]
pub struct EndorsementSettings {
    pub token_ttl_hours: i64,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct BootstrapSettings {
    pub admin_email: Option<String>,
    pub admin_password: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("configuration: {0}")]
    Load(#[from] config::ConfigError),
    #[error("configuration: {0}")]
    Invalid(String),
}

/// The variables API.md fixes, mapped onto settings keys.
const FIXED_VARIABLES: [(&str, &str); 5] = [
    ("DATABASE_URL", "database.url"),
    ("KYOSO_BIND", "server.bind"),
    ("KYOSO_MAIL_DIR", "mail.dir"),
    ("KYOSO_BOOTSTRAP_ADMIN_EMAIL", "bootstrap.admin_email"),
    ("KYOSO_BOOTSTRAP_ADMIN_PASSWORD", "bootstrap.admin_password"),
];

impl Settings {
    /// Reads the layered settings from the process environment.
    pub fn load() -> Result<Self, SettingsError> {
        Self::load_from(std::env::vars().collect())
    }

    /// Same as [`Settings::load`] with the environment given as a map, so tests can build
    /// settings without touching the process environment.
    pub fn load_from(env: HashMap<String, String>) -> Result<Self, SettingsError> {
        let var = |name: &str| env.get(name).filter(|v| !v.is_empty()).cloned();
        let mut builder = Config::builder().add_source(File::from_str(DEFAULTS, FileFormat::Toml));
        if let Some(path) = var("KYOSO_CONFIG") {
            builder = builder.add_source(File::with_name(&path).required(true));
        }
        let generic: config::Map<String, String> = env
            .iter()
            .filter(|(k, _)| k.starts_with("KYOSO__"))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        builder = builder.add_source(
            Environment::with_prefix("KYOSO")
                .prefix_separator("__")
                .separator("__")
                .try_parsing(true)
                .source(Some(generic)),
        );
        for (variable, key) in FIXED_VARIABLES {
            builder = builder.set_override_option(key, var(variable))?;
        }
        let settings: Settings = builder.build()?.try_deserialize()?;
        settings.check()?;
        Ok(settings)
    }

    fn check(&self) -> Result<(), SettingsError> {
        if self.mail.dir.is_empty() && self.mail.smtp_url.is_empty() {
            return Err(SettingsError::Invalid(
                "mail: set either mail.dir (KYOSO_MAIL_DIR) or mail.smtp_url".into(),
            ));
        }
        if self.auth.session_check_cache_ms > 5000 {
            return Err(SettingsError::Invalid(
                "auth.session_check_cache_ms: at most 5000, so that ended sessions stop working within 5 s".into(),
            ));
        }
        if self.auth.access_ttl_secs <= 0 || self.auth.refresh_ttl_secs <= 0 || self.auth.session_lifetime_secs <= 0 {
            return Err(SettingsError::Invalid("auth: token lifetimes must be positive".into()));
        }
        Ok(())
    }

    /// The mail folder when emails go to files, resolved like every other relative path.
    pub fn mail_dir(&self) -> Option<PathBuf> {
        (!self.mail.dir.is_empty()).then(|| PathBuf::from(&self.mail.dir))
    }

    pub fn data_path(&self, name: impl AsRef<Path>) -> PathBuf {
        self.app.data_dir.join(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_serve_sqlite_on_localhost_with_file_mail() {
        let s = Settings::load_from(HashMap::new()).expect("defaults load");
        assert_eq!(s.server.bind, "127.0.0.1:8080");
        assert_eq!(s.database.url, "data/kyoso.sqlite3");
        assert_eq!(s.mail_dir(), Some(PathBuf::from("data/mail")));
        assert_eq!(s.app.mode, Mode::Development);
        assert!(s.bootstrap.admin_email.is_none());
    }

    #[test]
    fn fixed_variables_override_the_defaults() {
        let env = [
            ("DATABASE_URL", "postgres://u:p@localhost/kyoso"),
            ("KYOSO_BIND", "0.0.0.0:9000"),
            ("KYOSO_MAIL_DIR", "/tmp/outbox"),
            ("KYOSO_BOOTSTRAP_ADMIN_EMAIL", "po@jst.example"),
            ("KYOSO__AUTH__ACCESS_TTL_SECS", "60"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let s = Settings::load_from(env).expect("loads");
        assert_eq!(s.database.url, "postgres://u:p@localhost/kyoso");
        assert_eq!(s.server.bind, "0.0.0.0:9000");
        assert_eq!(s.mail_dir(), Some(PathBuf::from("/tmp/outbox")));
        assert_eq!(s.bootstrap.admin_email.as_deref(), Some("po@jst.example"));
        assert_eq!(s.auth.access_ttl_secs, 60);
    }
}
