//! Email: bilingual templates, the transports (files in the embedded mode, SMTP in production)
//! and the worker that drains the outbox.

pub mod ics;
pub mod templates;
pub mod transport;
pub mod worker;

pub use transport::MailTransport;
pub use worker::{DeliveryReport, deliver_due, spawn_worker};
