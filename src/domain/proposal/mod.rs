//! Proposals (提案): their content (001 §5(2), 004 §4-2), the rules a submission must satisfy,
//! their lifecycle, and receipt numbers.

pub mod access;
pub mod content;
pub mod lifecycle;
pub mod receipt;
pub mod submission;

pub use content::ProposalContent;
pub use lifecycle::ProposalStatus;
