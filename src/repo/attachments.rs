//! Attachments of proposals (PDFs): their rows; the files live under the attachments folder.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::attachments;
use crate::domain::attachment::AttachmentRef;
use crate::domain::time::Instant;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = attachments)]
pub struct AttachmentRow {
    pub id: String,
    pub proposal_id: String,
    pub filename: String,
    pub size: i64,
    pub sha256: String,
    pub uploaded_by: String,
    pub created_at: Instant,
}

impl AttachmentRow {
    /// The attachment as it counts in its proposal's seal.
    pub fn to_ref(&self) -> AttachmentRef {
        AttachmentRef { id: self.id.clone(), filename: self.filename.clone(), size: self.size, sha256: self.sha256.clone() }
    }
}

pub fn insert(conn: &mut DbConn, row: (&str, &str, &str, i64, &str, &str), now: DateTime<Utc>) -> QueryResult<()> {
    let (id, proposal_id, filename, size, sha256, uploaded_by) = row;
    diesel::insert_into(attachments::table)
        .values((
            attachments::id.eq(id),
            attachments::proposal_id.eq(proposal_id),
            attachments::filename.eq(filename),
            attachments::size.eq(size),
            attachments::sha256.eq(sha256),
            attachments::uploaded_by.eq(uploaded_by),
            attachments::created_at.eq(Instant::from(now)),
        ))
        .execute(conn)
        .map(|_| ())
}

/// The attachments of several proposals at once, oldest first within each.
pub fn of_proposals(conn: &mut DbConn, proposal_ids: &[String]) -> QueryResult<Vec<AttachmentRow>> {
    attachments::table
        .filter(attachments::proposal_id.eq_any(proposal_ids))
        .order((attachments::created_at.asc(), attachments::id.asc()))
        .select(AttachmentRow::as_select())
        .load(conn)
}

/// One proposal's attachments, oldest first: [`of_proposals`] with a statement SQLite caches.
pub fn of_proposal(conn: &mut DbConn, proposal_id: &str) -> QueryResult<Vec<AttachmentRow>> {
    attachments::table
        .filter(attachments::proposal_id.eq(proposal_id))
        .order((attachments::created_at.asc(), attachments::id.asc()))
        .select(AttachmentRow::as_select())
        .load(conn)
}

/// A proposal's attachments as they count in its seal.
pub fn refs(conn: &mut DbConn, proposal_id: &str) -> QueryResult<Vec<AttachmentRef>> {
    Ok(of_proposal(conn, proposal_id)?.iter().map(AttachmentRow::to_ref).collect())
}

pub fn find(conn: &mut DbConn, proposal_id: &str, id: &str) -> QueryResult<Option<AttachmentRow>> {
    attachments::table
        .filter(attachments::proposal_id.eq(proposal_id))
        .filter(attachments::id.eq(id))
        .select(AttachmentRow::as_select())
        .get_result(conn)
        .optional()
}

/// Removes one attachment's row; false if the proposal had no such attachment.
pub fn delete(conn: &mut DbConn, proposal_id: &str, id: &str) -> QueryResult<bool> {
    let removed = diesel::delete(attachments::table.filter(attachments::proposal_id.eq(proposal_id)).filter(attachments::id.eq(id))).execute(conn)?;
    Ok(removed == 1)
}
