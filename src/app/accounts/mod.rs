//! Accounts: signing in and out, passwords set from emailed links, and the users program
//! officers invite.

pub mod lifecycle;
pub mod pages;
pub mod passwords;
pub mod session;
pub mod users;
