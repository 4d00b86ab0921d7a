//! Publishing an evaluation round: the submitted grades it reads, the results it keeps.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::{evaluation_assignments, evaluation_results, evaluation_reviews, evaluations, projects};
use crate::domain::evaluation::EvaluationStatus;
use crate::domain::grade::Grade;
use crate::domain::prefecture::PrefectureCode;
use crate::domain::time::Instant;
use crate::repo::CorruptRow;

/// The grades of every submitted review of the round, by project.
pub fn submitted_grades(conn: &mut DbConn, evaluation_id: &str) -> QueryResult<BTreeMap<String, Vec<BTreeMap<String, Grade>>>> {
    let rows: Vec<(String, String, String)> = evaluation_reviews::table
        .inner_join(evaluation_assignments::table)
        .filter(evaluation_assignments::evaluation_id.eq(evaluation_id))
        .filter(evaluation_assignments::removed_at.is_null())
        .filter(evaluation_reviews::status.eq("submitted"))
        .select((evaluation_assignments::project_id, evaluation_reviews::assignment_id, evaluation_reviews::grades))
        .load(conn)?;
    let mut by_project: BTreeMap<String, Vec<BTreeMap<String, Grade>>> = BTreeMap::new();
    for (project_id, assignment_id, grades) in rows {
        let grades = serde_json::from_str(&grades).map_err(|e| CorruptRow::new("evaluation_reviews.grades", &assignment_id, e))?;
        by_project.entry(project_id).or_default().push(grades);
    }
    Ok(by_project)
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = evaluation_results)]
pub struct ResultRow {
    pub evaluation_id: String,
    pub project_id: String,
    pub score_hundredths: i32,
    pub grade: Grade,
    pub item_means: String,
    pub adjustment_percent: Option<i32>,
}

impl ResultRow {
    pub fn score(&self) -> f64 {
        f64::from(self.score_hundredths) / 100.0
    }
}

pub fn insert_results(conn: &mut DbConn, rows: &[ResultRow]) -> QueryResult<()> {
    for row in rows {
        diesel::insert_into(evaluation_results::table).values(row).execute(conn)?;
    }
    Ok(())
}

pub fn mark_published(conn: &mut DbConn, id: &str, now: DateTime<Utc>) -> QueryResult<bool> {
    let updated = diesel::update(evaluations::table.find(id).filter(evaluations::status.eq(EvaluationStatus::Open.as_str())))
        .set((
            evaluations::status.eq(EvaluationStatus::Published.as_str()),
            evaluations::published_at.eq(Instant::from(now)),
            evaluations::version.eq(evaluations::version + 1),
            evaluations::updated_at.eq(Instant::from(now)),
        ))
        .execute(conn)?;
    Ok(updated == 1)
}

/// A published result with what the public sees of its project.
pub struct PublishedResult {
    pub result: ResultRow,
    pub title: String,
    pub lead_prefecture_code: PrefectureCode,
}

pub fn results_of(conn: &mut DbConn, evaluation_id: &str) -> QueryResult<Vec<PublishedResult>> {
    let rows: Vec<(ResultRow, String, PrefectureCode)> = evaluation_results::table
        .inner_join(projects::table)
        .filter(evaluation_results::evaluation_id.eq(evaluation_id))
        .order((evaluation_results::score_hundredths.desc(), projects::id.asc()))
        .select((ResultRow::as_select(), projects::title, projects::lead_prefecture_code))
        .load(conn)?;
    Ok(rows.into_iter().map(|(result, title, lead_prefecture_code)| PublishedResult { result, title, lead_prefecture_code }).collect())
}
