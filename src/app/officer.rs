//! What the program officer's pages need beyond the API's use-cases: the call's dashboard
//! (proposals, the conflict matrix, each reviewer's progress), rehearsals of the operations
//! whose effects an officer wants to see before committing to them (automatic assignment,
//! publishing decisions), and taking an assignment back by hand.

use std::collections::{HashMap, HashSet};

use diesel::connection::{Connection, TransactionManager};

use crate::app::{Event, Subject, Tx, decisions};
use crate::auth::CurrentUser;
use crate::db::DbConn;
use crate::domain::call::CallStatus;
use crate::domain::conflict::{self, ConflictReason};
use crate::domain::prefecture::PrefectureCode;
use crate::domain::proposal::ProposalStatus;
use crate::domain::review::{AssignmentStatus, ReviewStatus};
use crate::error::{ApiError, ApiResult};
use crate::repo::assignments;
use crate::repo::calls::{self, Call};
use crate::repo::{outbox, proposals};

/// A proposal as the dashboard lists it.
pub struct ProposalLine {
    pub id: String,
    pub receipt_number: Option<String>,
    pub title: Option<String>,
    pub status: ProposalStatus,
    pub lead: PrefectureCode,
    /// Partner prefectures, each with whether it confirmed.
    pub partners: Vec<(PrefectureCode, bool)>,
}

/// One cell of the conflict matrix.
pub enum Pairing {
    Free,
    /// Excluded by the rules or a declaration.
    Conflict(ConflictReason),
    Assigned(AssignmentStatus, Option<ReviewStatus>, String),
}

pub struct ReviewerLine {
    pub id: String,
    pub name: String,
    pub affiliation: String,
    pub assigned: usize,
    pub accepted: usize,
    pub submitted: usize,
    /// One cell per proposal, in the order of [`Dashboard::proposals`].
    pub cells: Vec<Pairing>,
}

pub struct Dashboard {
    pub call: Call,
    pub proposals: Vec<ProposalLine>,
    pub reviewers: Vec<ReviewerLine>,
}

/// The call with every proposal, every active reviewer (the ones who can still be asked)
/// against every proposal, and who has
/// done what: a fixed number of queries whatever the size of the call.
pub fn dashboard(tx: &mut Tx<'_>, call_id: &str) -> ApiResult<Dashboard> {
    let call = calls::find(tx.conn, call_id)?.ok_or_else(|| ApiError::not_found("call"))?;
    let rows = proposals::in_call_with_status(tx.conn, call_id, ProposalStatus::VARIANTS)?;
    let ids: Vec<&str> = rows.iter().map(|p| p.id.as_str()).collect();
    let mut partners = assignments::partners_of(tx.conn, &ids)?;
    let parties = assignments::parties_of(tx.conn, &rows)?;
    let owned: Vec<String> = ids.iter().map(|s| s.to_string()).collect();
    let declared = assignments::declared_conflict_pairs(tx.conn, &owned)?;
    let held = assignments::of_call(tx.conn, call_id)?;
    let held_ids: Vec<&str> = held.iter().map(|a| a.id.as_str()).collect();
    let reviews = assignments::review_statuses(tx.conn, &held_ids)?;
    let by_pair: HashMap<(&str, &str), _> = held.iter().map(|a| ((a.proposal_id.as_str(), a.reviewer_id.as_str()), a)).collect();

    let mut proposals = Vec::with_capacity(rows.len());
    for p in &rows {
        proposals.push(ProposalLine {
            id: p.id.clone(),
            receipt_number: p.receipt_number.clone(),
            title: p.content()?.title,
            status: p.status(),
            lead: p.lead(),
            partners: partners.remove(&p.id).unwrap_or_default().iter().map(|r| (r.prefecture(), r.confirmed_at.is_some())).collect(),
        });
    }
    let mut reviewers = Vec::new();
    for r in assignments::reviewers(tx.conn)? {
        let profile = assignments::profile(&r);
        let mut line = ReviewerLine {
            id: r.id.clone(),
            name: r.name.clone(),
            affiliation: r.affiliation.clone().unwrap_or_default(),
            assigned: 0,
            accepted: 0,
            submitted: 0,
            cells: Vec::with_capacity(rows.len()),
        };
        for (p, parties) in rows.iter().zip(&parties) {
            let cell = match by_pair.get(&(p.id.as_str(), r.id.as_str())) {
                Some(a) if a.status().is_active() => {
                    let review = reviews.get(&a.id).copied();
                    line.assigned += 1;
                    line.accepted += usize::from(a.status() == AssignmentStatus::Accepted);
                    line.submitted += usize::from(review == Some(ReviewStatus::Submitted));
                    Pairing::Assigned(a.status(), review, a.id.clone())
                }
                _ if declared.contains(&(p.id.clone(), r.id.clone())) => Pairing::Conflict(ConflictReason::Declared),
                Some(a) => Pairing::Assigned(a.status(), None, a.id.clone()),
                None => conflict::conflict_between(&profile, parties).map_or(Pairing::Free, Pairing::Conflict),
            };
            line.cells.push(cell);
        }
        reviewers.push(line);
    }
    Ok(Dashboard { call: call.view(tx.now)?, proposals, reviewers })
}

/// Runs `work` in a savepoint that is always rolled back: the officer sees exactly what the
/// operation would do — the same code, the same rules — and nothing of it stays.
fn rehearse<T>(tx: &mut Tx<'_>, work: impl FnOnce(&mut Tx<'_>) -> ApiResult<T>) -> ApiResult<T> {
    type Savepoints = <DbConn as Connection>::TransactionManager;
    Savepoints::begin_transaction(tx.conn)?;
    let outcome = {
        let mut inner = Tx::new(tx.conn, tx.now, tx.actor.clone());
        work(&mut inner)
    };
    Savepoints::rollback_transaction(tx.conn)?;
    outcome
}

/// Who publishing the decisions would email, and about what, without publishing.
pub fn preview_publication(tx: &mut Tx<'_>, call_id: &str) -> ApiResult<Vec<(String, String)>> {
    rehearse(tx, |tx| {
        let before: HashSet<String> = outbox::all(tx.conn)?.into_iter().map(|m| m.id).collect();
        decisions::publication::publish(tx, call_id, "")?;
        Ok(outbox::all(tx.conn)?.into_iter().filter(|m| !before.contains(&m.id)).map(|m| (m.recipient, m.subject)).collect())
    })
}

/// What granting a project's fiscal year would grant and whom it would email, without granting:
/// the same refusals as the grant itself.
pub fn preview_grant(tx: &mut Tx<'_>, admin: &CurrentUser, project_id: &str, fiscal_year: i32) -> ApiResult<(i64, Vec<String>)> {
    rehearse(tx, |tx| {
        let before: HashSet<String> = outbox::all(tx.conn)?.into_iter().map(|m| m.id).collect();
        let grant = crate::app::projects::grant(tx, admin, project_id, fiscal_year, "")?;
        let recipients = outbox::all(tx.conn)?.into_iter().filter(|m| !before.contains(&m.id)).map(|m| m.recipient).collect();
        Ok((grant.amount_yen, recipients))
    })
}

/// A program officer takes an assignment back, e.g. from a reviewer who does not answer. A
/// submitted review is never erased, and once decisions are published every review stands.
pub fn remove_assignment(tx: &mut Tx<'_>, call_id: &str, assignment_id: &str) -> ApiResult<()> {
    // The call first, then the assignment, as every review write.
    let call = calls::lock(tx.conn, call_id)?.ok_or_else(|| ApiError::not_found("call"))?;
    let row = assignments::lock(tx.conn, assignment_id)?.filter(|a| a.call_id == call.id).ok_or_else(|| ApiError::not_found("assignment"))?;
    let submitted = assignments::review(tx.conn, &row.id)?.is_some_and(|r| r.status() == ReviewStatus::Submitted);
    if call.status() == CallStatus::Decided || submitted || !assignments::remove(tx.conn, &row.id, tx.now)? {
        return Err(ApiError::conflict("review_locked", "a submitted review stands; its assignment cannot be taken back"));
    }
    tx.audit(Subject::assignment(&row.id), Event::AssignmentRemoved { proposal_id: row.proposal_id, reviewer_id: row.reviewer_id })
}

/// Every call with how many proposals it holds in each status (one query per call: the list
/// is a handful of calls a year).
pub fn calls_overview(tx: &mut Tx<'_>, admin: &CurrentUser) -> ApiResult<Vec<(Call, Vec<(ProposalStatus, usize)>)>> {
    let (calls, _) = crate::app::calls::list(tx, admin, None, 200, 0)?;
    calls
        .into_iter()
        .map(|call| {
            let rows = proposals::in_call_with_status(tx.conn, &call.id, ProposalStatus::VARIANTS)?;
            let counts = ProposalStatus::VARIANTS
                .iter()
                .map(|s| (*s, rows.iter().filter(|p| p.status() == *s).count()))
                .filter(|(_, n)| *n > 0)
                .collect();
            Ok((call, counts))
        })
        .collect()
}

/// One account, as the officer edits it.
pub fn user(tx: &mut Tx<'_>, id: &str) -> ApiResult<crate::repo::users::User> {
    let row = crate::repo::users::find(tx.conn, id)?.ok_or_else(|| ApiError::not_found("user"))?;
    Ok(row.view()?)
}
