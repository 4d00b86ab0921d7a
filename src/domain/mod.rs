//! The rules of the open call, in plain Rust: no IO, no HTTP, no SQL. Everything here is
//! unit-tested on its own.

pub mod assignment;
pub mod attachment;
pub mod budget;
pub mod call;
pub mod conflict;
pub mod decision;
pub mod grade;
pub mod money;
pub mod prefecture;
pub mod proposal;
pub mod review;
pub mod scoring;
pub mod time;
pub mod user;
pub mod validation;
