//! The rules of the open call, in plain Rust: no IO, no HTTP, no SQL. Everything here is
//! unit-tested on its own.

pub mod grade;
pub mod prefecture;
pub mod time;
pub mod user;
