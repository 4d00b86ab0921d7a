//! The only code that talks SQL (through diesel). One module per aggregate; functions take the
//! connection of the caller's transaction, so a state change, its audit event and its emails
//! commit together.

pub mod assignments;
pub mod audit;
pub mod calls;
pub mod decisions;
pub mod outbox;
pub mod proposals;
pub mod reference;
pub mod sessions;
pub mod tokens;
pub mod users;

pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}
