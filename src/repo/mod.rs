//! The only code that talks SQL (through diesel). One module per aggregate; functions take the
//! connection of the caller's transaction, so a state change, its audit event and its emails
//! commit together.
//!
//! A lookup by key ends in `get_result`, not `first`: `first` adds `LIMIT ?`, and SQLite
//! re-prepares a statement whose LIMIT is a bound parameter every time it runs (the planner
//! may use the value), which cost a proposal read a fifth of its time (docs/benchmarks.md).
//!
//! Diesel prepares an `UPDATE` again on every run, and on SQLite an `INSERT` too; the writes
//! of the hot paths are [`statement::Statement`]s, which stay prepared.

pub mod assignments;
pub mod attachments;
pub mod attempts;
pub mod audit;
pub mod calls;
pub mod decisions;
pub mod evaluation_results;
pub mod evaluations;
pub mod hearings;
pub mod idempotency;
pub mod outbox;
pub mod page_sessions;
pub mod projects;
pub mod proposals;
pub mod reports;
pub mod reference;
pub mod sessions;
pub mod statement;
pub mod tokens;
pub mod users;

/// A row whose stored text does not parse (JSON columns): reported as what it is, never
/// replaced by a default.
#[derive(Debug, thiserror::Error)]
#[error("corrupt row: {column} of {id}: {reason}")]
pub struct CorruptRow {
    pub column: &'static str,
    pub id: String,
    pub reason: String,
}

impl CorruptRow {
    pub fn new(column: &'static str, id: &str, reason: impl std::fmt::Display) -> Self {
        Self { column, id: id.to_string(), reason: reason.to_string() }
    }
}

impl From<CorruptRow> for diesel::result::Error {
    fn from(e: CorruptRow) -> Self {
        diesel::result::Error::DeserializationError(Box::new(e))
    }
}

impl From<CorruptRow> for crate::error::ApiError {
    fn from(e: CorruptRow) -> Self {
        crate::error::ApiError::internal(e)
    }
}

pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}
