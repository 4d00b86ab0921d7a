//! The OpenAPI document: paths and schemas are collected from the handlers' `#[utoipa::path]`
//! annotations as routes are registered (see `startup`); this adds what is global.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::error::{FieldError, Problem};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Kyoso API",
        version = "1.0.0",
        description = "Kyoso (共創): the open call for regional science-and-technology hubs — \
prefectures apply, external experts review, the agency decides. Errors are RFC 9457 problem \
documents (`application/problem+json`) with a stable `code`. Instants are RFC 3339 and shown in \
Japan Standard Time (+09:00). Money is an integer number of yen.",
        license(name = "MIT")
    ),
    components(schemas(Problem, FieldError)),
    modifiers(&BearerAuth),
    tags(
        (name = "ops", description = "Health and the API document"),
        (name = "auth", description = "Login, tokens, activation, password reset"),
        (name = "users", description = "Accounts"),
        (name = "reference", description = "Prefectures and designated cities"),
        (name = "audit", description = "The append-only audit log"),
        (name = "calls", description = "Calls (公募): terms, publication, review start"),
        (name = "proposals", description = "Proposals (提案): drafting, partners, submission, attachments"),
        (name = "endorsements", description = "Endorsements (連名) by the three signatories"),
        (name = "review", description = "Conflicts of interest, assignments, S/A/B/C reviews, ranking"),
        (name = "decisions", description = "Decisions within the budget, publication, results"),
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).bearer_format("JWT").build()),
        );
    }
}

pub fn base() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

/// The whole document, as served at `/api/v1/openapi.json`.
pub fn document() -> utoipa::openapi::OpenApi {
    let (_, api) = crate::described_app!();
    api
}
