//! The rules of the open call, in plain Rust: no IO, no HTTP, no SQL. Everything here is
//! unit-tested on its own.


mod macros;

pub mod assignment;
pub mod attachment;
pub mod budget;
pub mod call;
pub mod conflict;
pub mod decision;
pub mod evaluation;
pub mod evaluation_results;
pub mod grade;
pub mod money;
pub mod prefecture;
pub mod project;
pub mod proposal;
pub mod report;
pub mod review;
pub mod scoring;
pub mod time;
pub mod user;
pub mod validation;

#[cfg(test)]
mod test_rng;

pub(crate) use macros::text_enum;

/// A stored or received spelling that names no value of a closed set: a corrupt row or a bad
/// request, never silently replaced by a default.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {kind} {value:?}")]
pub struct UnknownValue {
    pub kind: &'static str,
    pub value: String,
}

impl UnknownValue {
    pub fn new(kind: &'static str, value: &str) -> Self {
        // Bounded: the value may be anything a client sent.
        Self { kind, value: value.chars().take(64).collect() }
    }
}

/// A value with one fixed spelling; what `crate::db::types` stores in a `Text` column.
pub trait TextValue: std::str::FromStr + Copy {
    fn as_text(&self) -> &'static str;
}
