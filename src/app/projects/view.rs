//! What projects look like on the wire (and on the pages), with the bodies they take.

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::prefecture::PrefectureCode;
use crate::domain::project::Phase;
use crate::domain::proposal::content::{Kpi, Measure};
use crate::repo::projects::{ProjectRow, ProjectYearRow};

/// One fiscal year of a project's schedule, and its grant once made.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ScheduledYear {
    pub fiscal_year: i32,
    pub amount_yen: i64,
    pub granted_at: Option<DateTime<FixedOffset>>,
}

/// A KPI the project's proposal named, as agreed at adoption (004 §4-2-1).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProjectKpi {
    pub name: String,
    pub baseline: Option<Measure>,
    pub target: Option<Measure>,
    pub target_fiscal_year: Option<i32>,
}

/// 採択課題: an adopted proposal being funded.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Project {
    pub id: String,
    pub proposal_id: String,
    pub call_id: String,
    pub title: String,
    #[schema(value_type = String, example = "13")]
    pub lead_prefecture_code: PrefectureCode,
    #[schema(value_type = Vec<String>)]
    pub partner_prefecture_codes: Vec<PrefectureCode>,
    pub phase: Phase,
    /// Why the project was completed or terminated.
    pub phase_reason: Option<String>,
    /// A conditional adoption's conditions (null for an unconditional one).
    pub conditions: Option<String>,
    /// True once nothing stands between the project and its grants.
    pub conditions_cleared: bool,
    pub conditions_note: Option<String>,
    pub schedule: Vec<ScheduledYear>,
    pub kpis: Vec<ProjectKpi>,
    pub created_at: DateTime<FixedOffset>,
    pub updated_at: DateTime<FixedOffset>,
}

impl Project {
    pub fn new(row: &ProjectRow, partners: Vec<PrefectureCode>, years: Vec<ProjectYearRow>, kpis: Vec<Kpi>) -> Self {
        Project {
            id: row.id.clone(),
            proposal_id: row.proposal_id.clone(),
            call_id: row.call_id.clone(),
            title: row.title.clone(),
            lead_prefecture_code: row.lead_prefecture_code,
            partner_prefecture_codes: partners,
            phase: row.phase,
            phase_reason: row.phase_reason.clone(),
            conditions: row.conditions.clone(),
            conditions_cleared: row.conditions_cleared(),
            conditions_note: row.conditions_note.clone(),
            schedule: years
                .into_iter()
                .map(|y| ScheduledYear { fiscal_year: y.fiscal_year, amount_yen: y.amount_yen.get(), granted_at: y.granted_at.map(|t| t.shown()) })
                .collect(),
            kpis: kpis
                .into_iter()
                .filter_map(|k| Some(ProjectKpi { name: k.name?, baseline: k.baseline, target: k.target, target_fiscal_year: k.target_fiscal_year }))
                .collect(),
            created_at: row.created_at.shown(),
            updated_at: row.updated_at.shown(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct GrantView {
    pub fiscal_year: i32,
    pub amount_yen: i64,
    pub granted_at: DateTime<FixedOffset>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClearConditions {
    /// How the conditions were met.
    pub note: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PhaseChange {
    /// `completed` or `terminated`.
    pub to: Phase,
    pub reason: String,
}
