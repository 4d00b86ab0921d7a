//! HTTP resources, one module per resource. Handlers parse, authorise, call the domain and the
//! repositories, and answer; the rules themselves live in `crate::domain`.

pub mod audit;
pub mod auth;
pub mod health;
pub mod reference;
pub mod users;

mod support;

pub use support::{Body, List, Page, path_error as support_path_error, query_error as support_query_error};

use utoipa_actix_web::service_config::ServiceConfig;

/// Every route under `/api/v1`, in one place to grep.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(health::openapi_json)
        .service(auth::login)
        .service(auth::refresh)
        .service(auth::logout)
        .service(auth::activate)
        .service(auth::request_password_reset)
        .service(auth::confirm_password_reset)
        .service(users::me)
        .service(users::create_user)
        .service(users::list_users)
        .service(reference::list_prefectures)
        .service(audit::list_audit_events);
}
