//! Publishing an evaluation round: scores and grades for every project, the cohort mean, the
//! interim adjustment of later years (or completion after an ex-post round), emails to the lead
//! prefectures, and the public results without evaluator identities.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::Serialize;
use utoipa::ToSchema;

use crate::app::{Event, Subject, Tx};
use crate::domain::evaluation::{EvaluationKind, EvaluationStatus};
use crate::domain::evaluation_results::{self as results, ProjectPlan, ScheduledYear};
use crate::domain::grade::Grade;
use crate::domain::prefecture::PrefectureCode;
use crate::domain::project::Phase;
use crate::error::{ApiError, ApiResult};
use crate::mail::templates::{self, EvaluationResultNotice};
use crate::repo::evaluation_results::{self as stored, ResultRow};
use crate::repo::evaluations;
use crate::repo::projects::{self, ProjectRow};
use crate::repo::{CorruptRow, calls, users};

fn round_not_found() -> ApiError {
    ApiError::not_found("evaluation")
}

/// A published round as the public sees it.
#[derive(Debug, Serialize, ToSchema)]
pub struct RoundResults {
    pub evaluation_id: String,
    pub call_id: String,
    pub kind: EvaluationKind,
    pub title: String,
    pub fiscal_year: i32,
    /// The mean of the projects' total scores (two decimals).
    pub cohort_mean: Option<f64>,
    /// Best score first.
    pub items: Vec<ProjectResultView>,
    pub total: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProjectResultView {
    pub project_id: String,
    pub title: String,
    #[schema(value_type = String, example = "13")]
    pub lead_prefecture_code: PrefectureCode,
    /// 1.00–4.00: the mean over evaluators of the weighted item mean.
    pub score: f64,
    #[schema(value_type = String, example = "A")]
    pub grade: Grade,
    /// Item code → mean points over the evaluators.
    pub items: BTreeMap<String, f64>,
    /// The percentage applied to later fiscal years (interim rounds).
    pub adjustment_percent: Option<i32>,
}

/// Publishes a round: refused while an active project of the call lacks a submitted review.
pub fn publish(tx: &mut Tx<'_>, id: &str, base_url: &str) -> ApiResult<RoundResults> {
    let round = evaluations::lock(tx.conn, id)?.ok_or_else(round_not_found)?;
    if round.status != EvaluationStatus::Open {
        return Err(ApiError::invalid_state("this round is published already"));
    }
    // The call's row lock keeps two rounds (and late decisions) from sharing out one year's
    // budget at the same time.
    let call = calls::lock(tx.conn, &round.call_id)?.ok_or_else(round_not_found)?;
    let all_projects = projects::of_call(tx.conn, &round.call_id)?;
    let evaluated: Vec<&ProjectRow> = all_projects.iter().filter(|p| p.phase == Phase::Active).collect();
    if evaluated.is_empty() {
        return Err(ApiError::invalid_state("the call has no active project to evaluate"));
    }
    let mut grades = stored::submitted_grades(tx.conn, id)?;
    let missing: Vec<&str> = evaluated.iter().filter(|p| !grades.contains_key(&p.id)).map(|p| p.id.as_str()).collect();
    if !missing.is_empty() {
        return Err(ApiError::conflict("reviews_missing", format!("{} project(s) have no submitted review yet", missing.len())).with("missing", &missing));
    }
    let items = round.items()?;
    let mut outcomes = Vec::with_capacity(evaluated.len());
    for project in &evaluated {
        let reviews = grades.remove(&project.id).unwrap_or_default();
        let result = results::project_result(&items, &reviews).ok_or_else(|| ApiError::internal("a submitted review lacks an item"))?;
        outcomes.push(result);
    }

    let adjusted = if round.kind == EvaluationKind::Interim {
        let ids: Vec<&str> = all_projects.iter().map(|p| p.id.as_str()).collect();
        let mut years = projects::years_of_many(tx.conn, &ids)?;
        let in_round: HashSet<&str> = evaluated.iter().map(|p| p.id.as_str()).collect();
        // What the call's other projects (completed or terminated) still hold: their grants.
        let mut others: HashMap<i32, i64> = HashMap::new();
        for p in all_projects.iter().filter(|p| !in_round.contains(p.id.as_str())) {
            for y in years.get(&p.id).into_iter().flatten().filter(|y| y.granted_at.is_some()) {
                *others.entry(y.fiscal_year).or_insert(0) += y.amount_yen.get();
            }
        }
        let plans: Vec<ProjectPlan> = evaluated
            .iter()
            .zip(&outcomes)
            .map(|(p, r)| ProjectPlan {
                score: r.score,
                grade: r.grade,
                years: years
                    .remove(&p.id)
                    .unwrap_or_default()
                    .into_iter()
                    .map(|y| ScheduledYear { fiscal_year: y.fiscal_year, amount: y.amount_yen, granted: y.granted_at.is_some() })
                    .collect(),
            })
            .collect();
        let budgets = call.budget_by_year()?;
        Some(results::adjust(&plans, round.fiscal_year, &round.adjustments(), &budgets, |y| others.get(&y).copied().unwrap_or(0)))
    } else {
        None
    };

    let mut rows = Vec::with_capacity(evaluated.len());
    for (i, (project, result)) in evaluated.iter().zip(&outcomes).enumerate() {
        let adjustment = adjusted.as_ref().map(|a| &a[i]);
        let (consequence_ja, consequence_en) = match adjustment {
            Some(a) => {
                for &(fiscal_year, _, to) in &a.changes {
                    projects::set_amount(tx.conn, &project.id, fiscal_year, to)?;
                }
                let changes = a.changes.iter().map(|&(fiscal_year, from, to)| YearChange { fiscal_year, from: from.get(), to: to.get() }).collect();
                let capped = a.capped.iter().map(|&(fiscal_year, wanted, given)| YearChange { fiscal_year, from: wanted.get(), to: given.get() }).collect();
                tx.audit(
                    Subject::project(&project.id),
                    Event::EvaluationAdjusted { evaluation_id: id.to_string(), grade: result.grade, percent: a.percent, changes, capped_by_budget: capped },
                )?;
                if a.terminated {
                    let reason = format!("中間評価「{}」の総合評価 {}（配分 0%）", round.title, result.grade.as_str());
                    end_project(tx, project, Phase::Terminated, reason)?;
                    ("配分 0%: 本課題は中止となります。".to_string(), "0% allocation: the project is terminated.".to_string())
                } else {
                    (format!("次年度以降の配分: {}%", a.percent), format!("Later fiscal years: {}% of their amounts.", a.percent))
                }
            }
            None => {
                end_project(tx, project, Phase::Completed, format!("事後評価「{}」", round.title))?;
                ("事後評価をもって本課題は完了しました。".to_string(), "With the ex-post evaluation the project is completed.".to_string())
            }
        };
        let score = format!("{:.2}", result.score);
        let link = format!("{}/projects/{}", base_url.trim_end_matches('/'), project.id);
        let email = templates::evaluation_published(&EvaluationResultNotice {
            round_title: &round.title,
            project_title: &project.title,
            score: &score,
            grade: result.grade.as_str(),
            consequence_ja: &consequence_ja,
            consequence_en: &consequence_en,
            link: &link,
        });
        for officer in users::active_applicants_of(tx.conn, &[project.lead_prefecture_code])? {
            tx.enqueue(&officer.email, &email)?;
        }
        rows.push(ResultRow {
            evaluation_id: id.to_string(),
            project_id: project.id.clone(),
            score_hundredths: (result.score * 100.0).round() as i32,
            grade: result.grade,
            item_means: serde_json::to_string(&result.item_means).unwrap_or_else(|_| "{}".into()),
            adjustment_percent: adjustment.map(|a| i32::try_from(a.percent).unwrap_or(i32::MAX)),
        });
    }
    stored::insert_results(tx.conn, &rows)?;
    if !stored::mark_published(tx.conn, id, tx.now)? {
        return Err(ApiError::invalid_state("the round changed meanwhile; reload it"));
    }
    let scores: Vec<f64> = outcomes.iter().map(|r| r.score).collect();
    tx.audit(Subject::evaluation(id), Event::EvaluationPublished { projects: rows.len(), cohort_mean: results::cohort_mean(&scores) })?;
    public_results(tx, id)
}

/// One fiscal year's amount before and after an adjustment (or wanted and given, where a yearly
/// budget held an increase back).
#[derive(Debug, Clone, Serialize)]
pub struct YearChange {
    pub fiscal_year: i32,
    pub from: i64,
    pub to: i64,
}

fn end_project(tx: &mut Tx<'_>, project: &ProjectRow, to: Phase, reason: String) -> ApiResult<()> {
    if !projects::set_phase(tx.conn, &project.id, Phase::Active, to, &reason, tx.now)? {
        return Err(ApiError::invalid_state("a project changed meanwhile; reload the call"));
    }
    tx.audit(Subject::project(&project.id), Event::ProjectPhaseChanged { from: Phase::Active, to, reason })
}

/// A published round's results, for anyone: no evaluator is named. Before publication the
/// results do not exist (404).
pub fn public_results(tx: &mut Tx<'_>, id: &str) -> ApiResult<RoundResults> {
    let round = evaluations::find(tx.conn, id)?.filter(|r| r.status == EvaluationStatus::Published).ok_or_else(round_not_found)?;
    let published = stored::results_of(tx.conn, id)?;
    let scores: Vec<f64> = published.iter().map(|p| p.result.score()).collect();
    let items = published
        .into_iter()
        .map(|p| {
            let score = p.result.score();
            let means = serde_json::from_str(&p.result.item_means).map_err(|e| CorruptRow::new("evaluation_results.item_means", &p.result.project_id, e))?;
            Ok(ProjectResultView {
                project_id: p.result.project_id,
                title: p.title,
                lead_prefecture_code: p.lead_prefecture_code,
                score,
                grade: p.result.grade,
                items: means,
                adjustment_percent: p.result.adjustment_percent,
            })
        })
        .collect::<ApiResult<Vec<_>>>()?;
    Ok(RoundResults {
        evaluation_id: round.id,
        call_id: round.call_id,
        kind: round.kind,
        title: round.title,
        fiscal_year: round.fiscal_year,
        cohort_mean: results::cohort_mean(&scores),
        total: items.len() as i64,
        items,
    })
}
