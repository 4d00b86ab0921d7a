//! The audit log, for program officers.

use actix_web::{get, web};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::auth::Admin;
use crate::error::{ApiResult, Problem};
use crate::repo::audit::{self, AuditEvent};
use crate::routes::{List, Page};
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditFilter {
    /// e.g. `user`, `call`, `proposal`.
    pub entity_type: Option<String>,
    pub entity_id: Option<String>,
}

/// Audit events, newest first.
#[utoipa::path(
    tag = "audit",
    security(("bearer" = [])),
    params(AuditFilter, Page),
    responses((status = 200, body = List<AuditEvent>), (status = 401, body = Problem), (status = 403, body = Problem))
)]
#[get("/audit")]
pub async fn list_audit_events(
    state: web::Data<AppState>,
    _admin: Admin,
    filter: web::Query<AuditFilter>,
    page: web::Query<Page>,
) -> ApiResult<web::Json<List<AuditEvent>>> {
    let (limit, offset) = page.into_inner().resolve()?;
    let AuditFilter { entity_type, entity_id } = filter.into_inner();
    let (events, total) = state
        .db
        .read(move |c| Ok(audit::list(c, entity_type.as_deref(), entity_id.as_deref(), limit, offset)?))
        .await?;
    Ok(web::Json(List::new(events, total)))
}
