//! Declared conflicts, reviewer assignments and reviews.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::db::DbConn;
use crate::domain::grade::Grade;
use crate::repo::CorruptRow;
use crate::db::schema::{assignments, conflicts, proposal_partners, proposals as proposals_table, reviews, users};
use crate::domain::conflict::{self, ConflictReason, ProposalParties, ReviewerProfile};
use crate::domain::prefecture::PrefectureCode;
use crate::domain::review::{AssignmentStatus, ReviewContent, ReviewStage, ReviewStatus};
use crate::domain::time::Instant;
use crate::domain::user::Role;
use crate::repo::proposals::{PartnerRow, ProposalRow};
use crate::repo::users::UserRow;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = conflicts)]
pub struct ConflictRow {
    pub id: String,
    pub proposal_id: String,
    pub reviewer_id: String,
    pub reason: String,
    pub declared_by: String,
    pub created_at: Instant,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = assignments)]
pub struct AssignmentRow {
    pub id: String,
    pub call_id: String,
    pub proposal_id: String,
    pub reviewer_id: String,
    pub status: AssignmentStatus,
    pub decline_reason: Option<String>,
    pub affinity: i32,
    pub origin: String,
    pub created_by: String,
    pub created_at: Instant,
    pub updated_at: Instant,
    /// Set when a conflict of interest removed the assignment; the row stays for the record.
    pub removed_at: Option<Instant>,
    pub stage: ReviewStage,
}

impl AssignmentRow {
    pub fn status(&self) -> AssignmentStatus {
        self.status
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = reviews)]
pub struct ReviewRow {
    pub assignment_id: String,
    pub grades: String,
    pub comments: String,
    pub overall_grade: Option<Grade>,
    pub overall_comment: Option<String>,
    pub status: ReviewStatus,
    pub submitted_at: Option<Instant>,
    pub created_at: Instant,
    pub updated_at: Instant,
}

impl ReviewRow {
    pub fn status(&self) -> ReviewStatus {
        self.status
    }

    pub fn content(&self) -> Result<ReviewContent, CorruptRow> {
        let corrupt = |column, e| CorruptRow::new(column, &self.assignment_id, e);
        Ok(ReviewContent {
            grades: serde_json::from_str(&self.grades).map_err(|e| corrupt("reviews.grades", e))?,
            comments: serde_json::from_str(&self.comments).map_err(|e| corrupt("reviews.comments", e))?,
            overall_grade: self.overall_grade,
            overall_comment: self.overall_comment.clone(),
        })
    }
}

// ---- conflicts of interest --------------------------------------------------------------

/// The parties of a proposal, as the conflict rules compare them.
pub fn parties(conn: &mut DbConn, proposal: &ProposalRow) -> QueryResult<ProposalParties> {
    parties_of(conn, std::slice::from_ref(proposal))?.pop().ok_or(diesel::result::Error::NotFound)
}

/// The parties of many proposals, in their order, in one query for all their partners.
pub fn parties_of(conn: &mut DbConn, proposals: &[ProposalRow]) -> QueryResult<Vec<ProposalParties>> {
    let ids: Vec<&str> = proposals.iter().map(|p| p.id.as_str()).collect();
    let mut invited = partners_of(conn, &ids)?;
    proposals
        .iter()
        .map(|p| {
            let mut prefectures = vec![p.lead()];
            prefectures.extend(invited.remove(&p.id).unwrap_or_default().iter().map(PartnerRow::prefecture));
            Ok(ProposalParties { organizations: p.content()?.organizations(), prefectures })
        })
        .collect()
}

/// The partner rows (invited or confirmed) of many proposals, by proposal, in prefecture order.
pub fn partners_of(conn: &mut DbConn, proposal_ids: &[&str]) -> QueryResult<HashMap<String, Vec<PartnerRow>>> {
    let rows = proposal_partners::table
        .filter(proposal_partners::proposal_id.eq_any(proposal_ids))
        .order((proposal_partners::proposal_id.asc(), proposal_partners::prefecture_code.asc()))
        .select(PartnerRow::as_select())
        .load(conn)?;
    let mut by_proposal: HashMap<String, Vec<PartnerRow>> = HashMap::new();
    for row in rows {
        by_proposal.entry(row.proposal_id.clone()).or_default().push(row);
    }
    Ok(by_proposal)
}

/// The confirmed partner prefectures of many proposals, by proposal, in one query.
pub fn confirmed_partners_of(conn: &mut DbConn, proposal_ids: &[&str]) -> QueryResult<HashMap<String, Vec<PrefectureCode>>> {
    Ok(partners_of(conn, proposal_ids)?
        .into_iter()
        .map(|(id, rows)| (id, rows.iter().filter(|r| r.confirmed_at.is_some()).map(PartnerRow::prefecture).collect()))
        .collect())
}

/// Many proposals by id, in one query.
pub fn proposals_by_id(conn: &mut DbConn, ids: &[&str]) -> QueryResult<HashMap<String, ProposalRow>> {
    Ok(proposals_table::table
        .filter(proposals_table::id.eq_any(ids))
        .select(ProposalRow::as_select())
        .load(conn)?
        .into_iter()
        .map(|p| (p.id.clone(), p))
        .collect())
}

pub fn profile(reviewer: &UserRow) -> ReviewerProfile {
    ReviewerProfile {
        affiliation: reviewer.affiliation.clone().unwrap_or_default(),
        affiliation_prefecture: reviewer.affiliation_prefecture(),
    }
}

pub fn declared_conflict(conn: &mut DbConn, proposal_id: &str, reviewer_id: &str) -> QueryResult<Option<ConflictRow>> {
    conflicts::table
        .filter(conflicts::proposal_id.eq(proposal_id))
        .filter(conflicts::reviewer_id.eq(reviewer_id))
        .select(ConflictRow::as_select())
        .get_result(conn)
        .optional()
}

/// Why a reviewer may not review a proposal, if they may not (SPEC §5.1).
pub fn conflict_of(conn: &mut DbConn, proposal: &ProposalRow, reviewer: &UserRow) -> QueryResult<Option<ConflictReason>> {
    if declared_conflict(conn, &proposal.id, &reviewer.id)?.is_some() {
        return Ok(Some(ConflictReason::Declared));
    }
    let parties = parties(conn, proposal)?;
    Ok(conflict::conflict_between(&profile(reviewer), &parties))
}

pub fn declare_conflict(
    conn: &mut DbConn,
    proposal_id: &str,
    reviewer_id: &str,
    reason: &str,
    declared_by: &str,
    now: DateTime<Utc>,
) -> QueryResult<ConflictRow> {
    if let Some(existing) = declared_conflict(conn, proposal_id, reviewer_id)? {
        return Ok(existing);
    }
    diesel::insert_into(conflicts::table)
        .values((
            conflicts::id.eq(super::new_id()),
            conflicts::proposal_id.eq(proposal_id),
            conflicts::reviewer_id.eq(reviewer_id),
            conflicts::reason.eq(reason),
            conflicts::declared_by.eq(declared_by),
            conflicts::created_at.eq(Instant::from(now)),
        ))
        .execute(conn)?;
    declared_conflict(conn, proposal_id, reviewer_id)?.ok_or(diesel::result::Error::NotFound)
}

pub fn declared_conflicts_of_proposal(conn: &mut DbConn, proposal_id: &str) -> QueryResult<Vec<ConflictRow>> {
    conflicts::table
        .filter(conflicts::proposal_id.eq(proposal_id))
        .order(conflicts::created_at.asc())
        .select(ConflictRow::as_select())
        .load(conn)
}

pub fn declared_conflict_pairs(conn: &mut DbConn, proposal_ids: &[String]) -> QueryResult<HashSet<(String, String)>> {
    Ok(conflicts::table
        .filter(conflicts::proposal_id.eq_any(proposal_ids))
        .select((conflicts::proposal_id, conflicts::reviewer_id))
        .load::<(String, String)>(conn)?
        .into_iter()
        .collect())
}

// ---- assignments ------------------------------------------------------------------------

/// An assignment that was not removed.
pub fn find(conn: &mut DbConn, id: &str) -> QueryResult<Option<AssignmentRow>> {
    assignments::table
        .find(id)
        .filter(assignments::removed_at.is_null())
        .select(AssignmentRow::as_select())
        .get_result(conn)
        .optional()
}

/// Reads an assignment (not removed) for a change, taking its row lock first (an update that
/// changes nothing), so that submitting its review and removing it happen one after the other
/// on PostgreSQL as on SQLite.
pub fn lock(conn: &mut DbConn, id: &str) -> QueryResult<Option<AssignmentRow>> {
    diesel::update(assignments::table.find(id)).set(assignments::id.eq(assignments::id)).execute(conn)?;
    find(conn, id)
}

/// The assignment of a pair, unless it was removed.
pub fn find_pair(conn: &mut DbConn, proposal_id: &str, reviewer_id: &str) -> QueryResult<Option<AssignmentRow>> {
    assignments::table
        .filter(assignments::removed_at.is_null())
        .filter(assignments::proposal_id.eq(proposal_id))
        .filter(assignments::reviewer_id.eq(reviewer_id))
        .select(AssignmentRow::as_select())
        .get_result(conn)
        .optional()
}

/// The pair's assignment that was taken back, if any. A pair keeps one row (UNIQUE per pair), so
/// giving the place again means restoring that row.
pub fn find_removed_pair(conn: &mut DbConn, proposal_id: &str, reviewer_id: &str) -> QueryResult<Option<AssignmentRow>> {
    assignments::table
        .filter(assignments::removed_at.is_not_null())
        .filter(assignments::proposal_id.eq(proposal_id))
        .filter(assignments::reviewer_id.eq(reviewer_id))
        .select(AssignmentRow::as_select())
        .get_result(conn)
        .optional()
}

/// The pairs of a call whose assignment was taken back: automatic assignment does not offer them
/// again (an officer took the reviewer off that proposal; only the officer puts them back).
pub fn removed_pairs(conn: &mut DbConn, call_id: &str) -> QueryResult<Vec<(String, String)>> {
    assignments::table
        .filter(assignments::call_id.eq(call_id))
        .filter(assignments::removed_at.is_not_null())
        .select((assignments::proposal_id, assignments::reviewer_id))
        .load(conn)
}

/// Gives a taken-back assignment again: pending, as if new, with any draft review it kept.
pub fn restore(conn: &mut DbConn, id: &str, now: DateTime<Utc>) -> QueryResult<()> {
    diesel::update(assignments::table.find(id))
        .set((
            assignments::removed_at.eq(None::<Instant>),
            assignments::status.eq(AssignmentStatus::Pending.as_str()),
            assignments::decline_reason.eq(None::<String>),
            assignments::updated_at.eq(Instant::from(now)),
        ))
        .execute(conn)
        .map(|_| ())
}

pub fn insert(conn: &mut DbConn, row: &AssignmentRow) -> QueryResult<()> {
    diesel::insert_into(assignments::table).values(row).execute(conn).map(|_| ())
}

pub fn set_status(conn: &mut DbConn, id: &str, status: AssignmentStatus, decline_reason: Option<&str>, now: DateTime<Utc>) -> QueryResult<()> {
    diesel::update(assignments::table.find(id))
        .set((
            assignments::status.eq(status.as_str()),
            assignments::decline_reason.eq(decline_reason),
            assignments::updated_at.eq(Instant::from(now)),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Removes an assignment (a conflict came to light) unless its review is submitted: the row and
/// any draft review stay, marked, so nothing is erased. False when the review was submitted
/// meanwhile — decided by the database, so a submission racing the removal cannot be lost.
pub fn remove(conn: &mut DbConn, id: &str, now: DateTime<Utc>) -> QueryResult<bool> {
    let submitted = reviews::table
        .filter(reviews::assignment_id.eq(id))
        .filter(reviews::status.eq(ReviewStatus::Submitted.as_str()))
        .select(reviews::assignment_id);
    let updated = diesel::update(assignments::table.find(id))
        .filter(assignments::removed_at.is_null())
        .filter(diesel::dsl::not(diesel::dsl::exists(submitted)))
        .set((assignments::removed_at.eq(Some(Instant::from(now))), assignments::updated_at.eq(Instant::from(now))))
        .execute(conn)?;
    Ok(updated == 1)
}

pub fn of_call(conn: &mut DbConn, call_id: &str) -> QueryResult<Vec<AssignmentRow>> {
    assignments::table
        .filter(assignments::call_id.eq(call_id))
        .filter(assignments::removed_at.is_null())
        .order((assignments::proposal_id.asc(), assignments::created_at.asc(), assignments::id.asc()))
        .select(AssignmentRow::as_select())
        .load(conn)
}

pub fn of_reviewer(conn: &mut DbConn, reviewer_id: &str) -> QueryResult<Vec<AssignmentRow>> {
    assignments::table
        .filter(assignments::reviewer_id.eq(reviewer_id))
        .filter(assignments::removed_at.is_null())
        .order((assignments::created_at.asc(), assignments::id.asc()))
        .select(AssignmentRow::as_select())
        .load(conn)
}

/// How many active (not declined) assignments a reviewer holds in a stage of a call.
pub fn active_load(conn: &mut DbConn, call_id: &str, reviewer_id: &str, stage: ReviewStage) -> QueryResult<i64> {
    assignments::table
        .filter(assignments::call_id.eq(call_id))
        .filter(assignments::stage.eq(stage.as_str()))
        .filter(assignments::reviewer_id.eq(reviewer_id))
        .filter(assignments::removed_at.is_null())
        .filter(assignments::status.ne(AssignmentStatus::Declined.as_str()))
        .count()
        .get_result(conn)
}

pub fn reviewers(conn: &mut DbConn) -> QueryResult<Vec<UserRow>> {
    users::table
        .filter(users::role.eq(Role::Reviewer.as_str()))
        .filter(users::active.eq(true))
        .order(users::id.asc())
        .select(UserRow::as_select())
        .load(conn)
}

/// Whether a reviewer may read a proposal: actively assigned to it and not in conflict.
pub fn reviewer_may_read(conn: &mut DbConn, proposal_id: &str, reviewer_id: &str) -> QueryResult<bool> {
    let Some(assignment) = find_pair(conn, proposal_id, reviewer_id)? else { return Ok(false) };
    Ok(readable_of(conn, reviewer_id, &[assignment])?.contains_key(proposal_id))
}

/// The proposals a reviewer may read, in the order of their assignments.
pub fn readable_proposal_ids(conn: &mut DbConn, reviewer_id: &str) -> QueryResult<Vec<String>> {
    let held = of_reviewer(conn, reviewer_id)?;
    let readable = readable_of(conn, reviewer_id, &held)?;
    Ok(held.into_iter().map(|a| a.proposal_id).filter(|id| readable.contains_key(id)).collect())
}

/// The proposals of a reviewer's assignments that the reviewer may read (active, not
/// conflicted), by id, in a constant number of queries however many assignments there are.
pub fn readable_of(conn: &mut DbConn, reviewer_id: &str, held: &[AssignmentRow]) -> QueryResult<HashMap<String, ProposalRow>> {
    let ids: Vec<&str> = held.iter().filter(|a| a.reviewer_id == reviewer_id && a.status().is_active()).map(|a| a.proposal_id.as_str()).collect();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let Some(reviewer) = crate::repo::users::find(conn, reviewer_id)? else { return Ok(HashMap::new()) };
    let declared: HashSet<String> = conflicts::table
        .filter(conflicts::reviewer_id.eq(reviewer_id))
        .filter(conflicts::proposal_id.eq_any(&ids))
        .select(conflicts::proposal_id)
        .load::<String>(conn)?
        .into_iter()
        .collect();
    let rows: Vec<ProposalRow> = proposals_by_id(conn, &ids)?.into_values().filter(|p| !declared.contains(&p.id)).collect();
    let parties = parties_of(conn, &rows)?;
    let profile = profile(&reviewer);
    Ok(rows
        .into_iter()
        .zip(&parties)
        .filter(|(_, parties)| conflict::conflict_between(&profile, parties).is_none())
        .map(|(p, _)| (p.id.clone(), p))
        .collect())
}

// ---- reviews ----------------------------------------------------------------------------

pub fn review(conn: &mut DbConn, assignment_id: &str) -> QueryResult<Option<ReviewRow>> {
    reviews::table.find(assignment_id).select(ReviewRow::as_select()).get_result(conn).optional()
}

/// The status of the review of each of many assignments that has one, in one query.
pub fn review_statuses(conn: &mut DbConn, assignment_ids: &[&str]) -> QueryResult<HashMap<String, ReviewStatus>> {
    Ok(reviews::table
        .filter(reviews::assignment_id.eq_any(assignment_ids))
        .select((reviews::assignment_id, reviews::status))
        .load::<(String, ReviewStatus)>(conn)?
        .into_iter()
        .collect())
}

fn json_text<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "{}".into())
}

/// Saves a draft review, creating it on first save.
pub fn save_review(conn: &mut DbConn, assignment_id: &str, content: &ReviewContent, now: DateTime<Utc>) -> QueryResult<()> {
    let grades: BTreeMap<&String, &str> = content.grades.iter().map(|(k, g)| (k, g.as_str())).collect();
    let values = (
        reviews::grades.eq(json_text(&grades)),
        reviews::comments.eq(json_text(&content.comments)),
        reviews::overall_grade.eq(content.overall_grade.map(|g| g.as_str())),
        reviews::overall_comment.eq(content.overall_comment.clone()),
        reviews::updated_at.eq(Instant::from(now)),
    );
    if review(conn, assignment_id)?.is_some() {
        diesel::update(reviews::table.find(assignment_id)).set(values).execute(conn)?;
    } else {
        diesel::insert_into(reviews::table)
            .values((
                reviews::assignment_id.eq(assignment_id),
                values.0,
                values.1,
                values.2,
                values.3,
                reviews::status.eq(ReviewStatus::Draft.as_str()),
                reviews::created_at.eq(Instant::from(now)),
                values.4,
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Locks or unlocks a review; false if it was not in `from` any more.
pub fn set_review_status(conn: &mut DbConn, assignment_id: &str, from: ReviewStatus, to: ReviewStatus, now: DateTime<Utc>) -> QueryResult<bool> {
    let submitted_at = (to == ReviewStatus::Submitted).then(|| Instant::from(now));
    let updated = diesel::update(reviews::table.filter(reviews::assignment_id.eq(assignment_id)).filter(reviews::status.eq(from.as_str())))
        .set((reviews::status.eq(to.as_str()), reviews::submitted_at.eq(submitted_at), reviews::updated_at.eq(Instant::from(now))))
        .execute(conn)?;
    Ok(updated == 1)
}

/// Every submitted review of a call, with the proposal and reviewer it belongs to.
pub fn submitted_reviews_of_call(conn: &mut DbConn, call_id: &str) -> QueryResult<Vec<(AssignmentRow, ReviewRow)>> {
    assignments::table
        .inner_join(reviews::table)
        .filter(assignments::call_id.eq(call_id))
        .filter(assignments::removed_at.is_null())
        .filter(assignments::status.ne(AssignmentStatus::Declined.as_str()))
        .filter(reviews::status.eq(ReviewStatus::Submitted.as_str()))
        .order((assignments::proposal_id.asc(), assignments::reviewer_id.asc()))
        .select((AssignmentRow::as_select(), ReviewRow::as_select()))
        .load(conn)
}
