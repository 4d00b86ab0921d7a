//! Authentication: password hashing, access and refresh tokens, signed one-time links, login
//! throttling, and the extractors that put the caller's identity and role into handlers.

pub mod extract;
pub mod hashing;
pub mod one_time;
pub mod password;
pub mod session_check;
pub mod throttle;
pub mod tokens;

pub use extract::{Admin, Applicant, CurrentUser, Reviewer};
