//! The append-only audit log: who did what, to which entity, when and from where.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use crate::auth::CurrentUser;
use crate::db::DbConn;
use crate::db::schema::audit_events;
use crate::domain::time::Instant;
use crate::repo::statement::Statement;

/// Who caused a change.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user_id: Option<String>,
    /// A readable label: `user:<id>`, `signatory:governor`, `system`, `anonymous`.
    pub label: String,
    pub ip: Option<String>,
}

impl Actor {
    pub fn user(user: &CurrentUser) -> Self {
        Self { user_id: Some(user.id.clone()), label: format!("{}:{}", user.role, user.id), ip: user.ip.clone() }
    }

    pub fn account(user_id: &str, ip: Option<String>) -> Self {
        Self { user_id: Some(user_id.to_string()), label: format!("user:{user_id}"), ip }
    }

    pub fn anonymous(label: impl Into<String>, ip: Option<String>) -> Self {
        Self { user_id: None, label: label.into(), ip }
    }

    pub fn system() -> Self {
        Self { user_id: None, label: "system".into(), ip: None }
    }
}

pub fn record(
    conn: &mut DbConn,
    actor: &Actor,
    at: DateTime<Utc>,
    action: &str,
    entity_type: &str,
    entity_id: &str,
    details: Value,
) -> QueryResult<()> {
    let details = details.to_string();
    Statement::new("INSERT INTO audit_events (occurred_at, actor_id, actor, ip, action, entity_type, entity_id, details) VALUES (")
        .instant(Instant::from(at))
        .sql(", ")
        .optional_text(actor.user_id.as_deref())
        .sql(", ")
        .text(&actor.label)
        .sql(", ")
        .optional_text(actor.ip.as_deref())
        .sql(", ")
        .text(action)
        .sql(", ")
        .text(entity_type)
        .sql(", ")
        .text(entity_id)
        .sql(", ")
        .text(&details)
        .sql(")")
        .execute(conn)
        .map(|_| ())
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = audit_events)]
struct EventRow {
    id: i64,
    occurred_at: Instant,
    actor_id: Option<String>,
    actor: String,
    ip: Option<String>,
    action: String,
    entity_type: String,
    entity_id: String,
    details: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEvent {
    pub id: String,
    pub occurred_at: chrono::DateTime<chrono::FixedOffset>,
    pub actor_id: Option<String>,
    pub actor: String,
    pub ip: Option<String>,
    pub action: String,
    pub entity_type: String,
    pub entity_id: String,
    #[schema(value_type = Object)]
    pub details: Value,
}

pub fn list(
    conn: &mut DbConn,
    entity_type: Option<&str>,
    entity_id: Option<&str>,
    limit: i64,
    offset: i64,
) -> QueryResult<(Vec<AuditEvent>, i64)> {
    let filtered = || {
        let mut q = audit_events::table.into_boxed();
        if let Some(t) = entity_type {
            q = q.filter(audit_events::entity_type.eq(t.to_string()));
        }
        if let Some(id) = entity_id {
            q = q.filter(audit_events::entity_id.eq(id.to_string()));
        }
        q
    };
    let total = filtered().count().get_result(conn)?;
    let rows: Vec<EventRow> =
        filtered().order(audit_events::id.desc()).limit(limit).offset(offset).select(EventRow::as_select()).load(conn)?;
    let events = rows
        .into_iter()
        .map(|r| {
            let details =
                serde_json::from_str(&r.details).map_err(|e| crate::repo::CorruptRow::new("audit_events.details", &r.id.to_string(), e))?;
            Ok(AuditEvent {
                id: r.id.to_string(),
                occurred_at: r.occurred_at.shown(),
                actor_id: r.actor_id,
                actor: r.actor,
                ip: r.ip,
                action: r.action,
                entity_type: r.entity_type,
                entity_id: r.entity_id,
                details,
            })
        })
        .collect::<QueryResult<Vec<_>>>()?;
    Ok((events, total))
}
