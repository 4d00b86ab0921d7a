//! Reviewer assignments. (Review arrives with its own migration; until then no reviewer is
//! assigned to anything.)

use diesel::QueryResult;

use crate::db::DbConn;

/// Whether a reviewer may read a proposal: assigned, not declined, not conflicted.
pub fn reviewer_may_read(_conn: &mut DbConn, _proposal_id: &str, _reviewer_id: &str) -> QueryResult<bool> {
    Ok(false)
}

/// The proposals a reviewer may read.
pub fn readable_proposal_ids(_conn: &mut DbConn, _reviewer_id: &str) -> QueryResult<Vec<String>> {
    Ok(Vec::new())
}
