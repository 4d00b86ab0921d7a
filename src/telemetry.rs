//! Logging: human-readable lines in development, JSON in production; `RUST_LOG` filters.

use tracing_subscriber::EnvFilter;

pub fn init(json: bool) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,kyoso=info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_target(false);
    let result = if json { builder.json().try_init() } else { builder.try_init() };
    // A second init (tests) keeps the first subscriber.
    let _ = result;
}
