//! Progress reports (実績報告), one per project and fiscal year.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::{progress_reports, projects};
use crate::domain::report::{KpiActual, Outcomes, ReportContent, ReportStatus};
use crate::domain::time::Instant;
use crate::repo::CorruptRow;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = progress_reports)]
pub struct ReportRow {
    pub project_id: String,
    pub fiscal_year: i32,
    pub status: ReportStatus,
    pub kpis: String,
    pub papers: Option<i64>,
    pub patents_domestic_filed: Option<i64>,
    pub patents_domestic_granted: Option<i64>,
    pub patents_foreign_filed: Option<i64>,
    pub patents_foreign_granted: Option<i64>,
    pub products: Option<i64>,
    pub revenue_yen: Option<i64>,
    pub press: Option<i64>,
    pub awards: Option<i64>,
    pub narrative: String,
    pub version: i32,
    pub updated_by: String,
    pub submitted_at: Option<Instant>,
    pub submitted_by: Option<String>,
    pub created_at: Instant,
    pub updated_at: Instant,
}

impl ReportRow {
    pub fn outcomes(&self) -> Outcomes {
        Outcomes {
            papers: self.papers,
            patents_domestic_filed: self.patents_domestic_filed,
            patents_domestic_granted: self.patents_domestic_granted,
            patents_foreign_filed: self.patents_foreign_filed,
            patents_foreign_granted: self.patents_foreign_granted,
            products: self.products,
            revenue_yen: self.revenue_yen,
            press: self.press,
            awards: self.awards,
        }
    }

    pub fn kpis(&self) -> Result<Vec<KpiActual>, CorruptRow> {
        serde_json::from_str(&self.kpis).map_err(|e| CorruptRow::new("progress_reports.kpis", &self.project_id, e))
    }

    pub fn content(&self) -> Result<ReportContent, CorruptRow> {
        Ok(ReportContent { kpis: self.kpis()?, outcomes: self.outcomes(), narrative: self.narrative.clone() })
    }
}

#[derive(AsChangeset, Insertable)]
#[diesel(table_name = progress_reports, treat_none_as_null = true)]
struct ContentChange<'a> {
    kpis: String,
    papers: Option<i64>,
    patents_domestic_filed: Option<i64>,
    patents_domestic_granted: Option<i64>,
    patents_foreign_filed: Option<i64>,
    patents_foreign_granted: Option<i64>,
    products: Option<i64>,
    revenue_yen: Option<i64>,
    press: Option<i64>,
    awards: Option<i64>,
    narrative: &'a str,
    updated_by: &'a str,
    updated_at: Instant,
}

impl<'a> ContentChange<'a> {
    fn new(content: &'a ReportContent, by: &'a str, now: DateTime<Utc>) -> Self {
        let o = &content.outcomes;
        Self {
            kpis: serde_json::to_string(&content.kpis).unwrap_or_else(|_| "[]".into()),
            papers: o.papers,
            patents_domestic_filed: o.patents_domestic_filed,
            patents_domestic_granted: o.patents_domestic_granted,
            patents_foreign_filed: o.patents_foreign_filed,
            patents_foreign_granted: o.patents_foreign_granted,
            products: o.products,
            revenue_yen: o.revenue_yen,
            press: o.press,
            awards: o.awards,
            narrative: &content.narrative,
            updated_by: by,
            updated_at: Instant::from(now),
        }
    }
}

pub fn find(conn: &mut DbConn, project_id: &str, fiscal_year: i32) -> QueryResult<Option<ReportRow>> {
    progress_reports::table.find((project_id, fiscal_year)).select(ReportRow::as_select()).get_result(conn).optional()
}

/// A project's reports, oldest fiscal year first.
pub fn of_project(conn: &mut DbConn, project_id: &str) -> QueryResult<Vec<ReportRow>> {
    progress_reports::table
        .filter(progress_reports::project_id.eq(project_id))
        .order(progress_reports::fiscal_year.asc())
        .select(ReportRow::as_select())
        .load(conn)
}

/// Creates the year's report as a draft.
pub fn insert_draft(conn: &mut DbConn, project_id: &str, fiscal_year: i32, content: &ReportContent, by: &str, now: DateTime<Utc>) -> QueryResult<()> {
    diesel::insert_into(progress_reports::table)
        .values((
            progress_reports::project_id.eq(project_id),
            progress_reports::fiscal_year.eq(fiscal_year),
            progress_reports::status.eq(ReportStatus::Draft),
            progress_reports::version.eq(1),
            progress_reports::created_at.eq(Instant::from(now)),
            ContentChange::new(content, by, now),
        ))
        .execute(conn)?;
    Ok(())
}

/// Replaces a draft's content, a new version; false when the report is not a draft any more.
pub fn update_draft(conn: &mut DbConn, project_id: &str, fiscal_year: i32, content: &ReportContent, by: &str, now: DateTime<Utc>) -> QueryResult<bool> {
    let updated = diesel::update(draft(project_id, fiscal_year))
        .set((ContentChange::new(content, by, now), progress_reports::version.eq(progress_reports::version + 1)))
        .execute(conn)?;
    Ok(updated == 1)
}

/// Locks a draft as submitted; false when it is not a draft any more.
pub fn submit(conn: &mut DbConn, project_id: &str, fiscal_year: i32, by: &str, now: DateTime<Utc>) -> QueryResult<bool> {
    let updated = diesel::update(draft(project_id, fiscal_year))
        .set((
            progress_reports::status.eq(ReportStatus::Submitted),
            progress_reports::submitted_at.eq(Instant::from(now)),
            progress_reports::submitted_by.eq(by),
            progress_reports::updated_at.eq(Instant::from(now)),
            progress_reports::version.eq(progress_reports::version + 1),
        ))
        .execute(conn)?;
    Ok(updated == 1)
}

fn draft(project_id: &str, fiscal_year: i32) -> diesel::dsl::Filter<diesel::dsl::Find<progress_reports::table, (String, i32)>, diesel::dsl::Eq<progress_reports::status, ReportStatus>> {
    progress_reports::table.find((project_id.to_string(), fiscal_year)).filter(progress_reports::status.eq(ReportStatus::Draft))
}

/// The latest submitted report of each of a call's projects.
pub fn latest_submitted_of_call(conn: &mut DbConn, call_id: &str) -> QueryResult<Vec<ReportRow>> {
    let rows = progress_reports::table
        .inner_join(projects::table)
        .filter(projects::call_id.eq(call_id))
        .filter(progress_reports::status.eq(ReportStatus::Submitted))
        .order((progress_reports::project_id.asc(), progress_reports::fiscal_year.desc()))
        .select(ReportRow::as_select())
        .load::<ReportRow>(conn)?;
    let mut latest: Vec<ReportRow> = Vec::new();
    for row in rows {
        if latest.last().is_none_or(|l| l.project_id != row.project_id) {
            latest.push(row);
        }
    }
    Ok(latest)
}
