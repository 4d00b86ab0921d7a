//! The audit log, as program officers read it.

use serde::Deserialize;
use utoipa::IntoParams;

use crate::app::Tx;
use crate::error::ApiResult;
use crate::repo::audit::{self, AuditEvent};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditFilter {
    /// e.g. `user`, `call`, `proposal`.
    pub entity_type: Option<String>,
    pub entity_id: Option<String>,
}

/// Audit events, newest first; and how many match.
pub fn list(tx: &mut Tx, filter: AuditFilter, limit: i64, offset: i64) -> ApiResult<(Vec<AuditEvent>, i64)> {
    Ok(audit::list(tx.conn, filter.entity_type.as_deref(), filter.entity_id.as_deref(), limit, offset)?)
}
