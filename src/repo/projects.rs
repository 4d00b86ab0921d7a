//! Projects (採択課題) and their schedules per fiscal year.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::{projects, project_years, proposal_partners};
use crate::domain::money::Yen;
use crate::domain::prefecture::PrefectureCode;
use crate::domain::project::{Phase, YearAmount};
use crate::domain::time::Instant;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = projects)]
pub struct ProjectRow {
    pub id: String,
    pub proposal_id: String,
    pub call_id: String,
    pub lead_prefecture_code: PrefectureCode,
    pub title: String,
    pub phase: Phase,
    pub phase_reason: Option<String>,
    pub conditions: Option<String>,
    pub conditions_cleared_at: Option<Instant>,
    pub conditions_cleared_by: Option<String>,
    pub conditions_note: Option<String>,
    pub created_at: Instant,
    pub updated_at: Instant,
}

impl ProjectRow {
    /// An unconditional adoption has nothing to clear.
    pub fn conditions_cleared(&self) -> bool {
        self.conditions.is_none() || self.conditions_cleared_at.is_some()
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = project_years)]
pub struct ProjectYearRow {
    pub project_id: String,
    pub fiscal_year: i32,
    pub amount_yen: Yen,
    pub granted_at: Option<Instant>,
    pub granted_by: Option<String>,
}

pub fn insert(conn: &mut DbConn, row: &ProjectRow, schedule: &[YearAmount]) -> QueryResult<()> {
    diesel::insert_into(projects::table).values(row).execute(conn)?;
    // One statement per year: MultiConnection has no batch insert, and a schedule has ten years at most.
    for y in schedule {
        let year = ProjectYearRow { project_id: row.id.clone(), fiscal_year: y.fiscal_year, amount_yen: y.amount_yen, granted_at: None, granted_by: None };
        diesel::insert_into(project_years::table).values(&year).execute(conn)?;
    }
    Ok(())
}

pub fn find(conn: &mut DbConn, id: &str) -> QueryResult<Option<ProjectRow>> {
    projects::table.find(id).select(ProjectRow::as_select()).get_result(conn).optional()
}

/// Reads a project for a change that depends on its state, holding its row lock (an update that
/// changes nothing) until the transaction ends.
pub fn lock(conn: &mut DbConn, id: &str) -> QueryResult<Option<ProjectRow>> {
    diesel::update(projects::table.find(id)).set(projects::updated_at.eq(projects::updated_at)).execute(conn)?;
    find(conn, id)
}

pub fn of_call(conn: &mut DbConn, call_id: &str) -> QueryResult<Vec<ProjectRow>> {
    projects::table.filter(projects::call_id.eq(call_id)).order(projects::id.asc()).select(ProjectRow::as_select()).load(conn)
}

/// Projects, optionally of one call; for an applicant only those its prefecture leads or
/// is a confirmed partner of.
pub fn list(conn: &mut DbConn, call_id: Option<&str>, prefecture: Option<PrefectureCode>) -> QueryResult<Vec<ProjectRow>> {
    let mut q = projects::table.into_boxed();
    if let Some(call_id) = call_id {
        q = q.filter(projects::call_id.eq(call_id.to_string()));
    }
    if let Some(code) = prefecture {
        let partnered = proposal_partners::table
            .filter(proposal_partners::prefecture_code.eq(code.as_str().to_string()))
            .filter(proposal_partners::confirmed_at.is_not_null())
            .select(proposal_partners::proposal_id);
        q = q.filter(projects::lead_prefecture_code.eq(code.as_str().to_string()).or(projects::proposal_id.eq_any(partnered)));
    }
    q.order((projects::call_id.asc(), projects::id.asc())).select(ProjectRow::as_select()).load(conn)
}

pub fn years_of(conn: &mut DbConn, project_id: &str) -> QueryResult<Vec<ProjectYearRow>> {
    project_years::table
        .filter(project_years::project_id.eq(project_id))
        .order(project_years::fiscal_year.asc())
        .select(ProjectYearRow::as_select())
        .load(conn)
}

/// The schedules of many projects, by project, in one query.
pub fn years_of_many(conn: &mut DbConn, project_ids: &[&str]) -> QueryResult<HashMap<String, Vec<ProjectYearRow>>> {
    let rows = project_years::table
        .filter(project_years::project_id.eq_any(project_ids))
        .order((project_years::project_id.asc(), project_years::fiscal_year.asc()))
        .select(ProjectYearRow::as_select())
        .load(conn)?;
    let mut by_project: HashMap<String, Vec<ProjectYearRow>> = HashMap::new();
    for row in rows {
        by_project.entry(row.project_id.clone()).or_default().push(row);
    }
    Ok(by_project)
}

/// Every scheduled year of every project, with the project's call and lead prefecture: what
/// the funding report adds up. `fiscal_year` narrows it to one year.
pub fn funding_rows(conn: &mut DbConn, fiscal_year: Option<i32>) -> QueryResult<Vec<(ProjectYearRow, PrefectureCode, Phase)>> {
    let mut q = project_years::table.inner_join(projects::table).into_boxed();
    if let Some(year) = fiscal_year {
        q = q.filter(project_years::fiscal_year.eq(year));
    }
    q.order((project_years::fiscal_year.asc(), projects::lead_prefecture_code.asc()))
        .select((ProjectYearRow::as_select(), projects::lead_prefecture_code, projects::phase))
        .load(conn)
}

pub fn clear_conditions(conn: &mut DbConn, id: &str, by: &str, note: &str, now: DateTime<Utc>) -> QueryResult<bool> {
    let updated = diesel::update(projects::table.find(id).filter(projects::conditions_cleared_at.is_null()))
        .set((
            projects::conditions_cleared_at.eq(Instant::from(now)),
            projects::conditions_cleared_by.eq(by),
            projects::conditions_note.eq(note),
            projects::updated_at.eq(Instant::from(now)),
        ))
        .execute(conn)?;
    Ok(updated == 1)
}

/// Grants one fiscal year, once: false when it was granted already (or is not scheduled).
pub fn grant(conn: &mut DbConn, project_id: &str, fiscal_year: i32, by: &str, now: DateTime<Utc>) -> QueryResult<bool> {
    let updated = diesel::update(
        project_years::table
            .filter(project_years::project_id.eq(project_id))
            .filter(project_years::fiscal_year.eq(fiscal_year))
            .filter(project_years::granted_at.is_null()),
    )
    .set((project_years::granted_at.eq(Instant::from(now)), project_years::granted_by.eq(by)))
    .execute(conn)?;
    Ok(updated == 1)
}

/// Sets a not yet granted year's amount (an interim evaluation's adjustment).
pub fn set_amount(conn: &mut DbConn, project_id: &str, fiscal_year: i32, amount: Yen) -> QueryResult<bool> {
    let updated = diesel::update(
        project_years::table
            .filter(project_years::project_id.eq(project_id))
            .filter(project_years::fiscal_year.eq(fiscal_year))
            .filter(project_years::granted_at.is_null()),
    )
    .set(project_years::amount_yen.eq(amount.get()))
    .execute(conn)?;
    Ok(updated == 1)
}

/// Moves a project from one phase to another; false if it was not in `from` any more.
pub fn set_phase(conn: &mut DbConn, id: &str, from: Phase, to: Phase, reason: &str, now: DateTime<Utc>) -> QueryResult<bool> {
    let updated = diesel::update(projects::table.find(id).filter(projects::phase.eq(from.as_str())))
        .set((projects::phase.eq(to.as_str()), projects::phase_reason.eq(reason), projects::updated_at.eq(Instant::from(now))))
        .execute(conn)?;
    Ok(updated == 1)
}
