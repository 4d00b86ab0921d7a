//! The audit log, for program officers.

use actix_web::{get, web};

use crate::app::audit_log::{self, AuditFilter};
use crate::auth::Admin;
use crate::error::{ApiResult, Problem};
use crate::repo::audit::{Actor, AuditEvent};
use crate::routes::{List, Page};
use crate::state::AppState;

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
    admin: Admin,
    filter: web::Query<AuditFilter>,
    page: web::Query<Page>,
) -> ApiResult<web::Json<List<AuditEvent>>> {
    let (limit, offset) = page.into_inner().resolve()?;
    let filter = filter.into_inner();
    let (events, total) = state.read(Actor::user(&admin), move |tx| audit_log::list(tx, filter, limit, offset)).await?;
    Ok(web::Json(List::new(events, total)))
}
