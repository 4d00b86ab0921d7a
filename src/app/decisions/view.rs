//! What decisions look like on the wire (and on the pages), with the body a decision is given in.

use std::collections::BTreeMap;

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::decision::Outcome;
use crate::domain::project::YearAmount;
use crate::domain::scoring::GradeCounts;
use crate::repo::decisions::DecisionRow;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionInput {
    pub outcome: Outcome,
    #[schema(example = 2_000_000_000_i64)]
    pub awarded_amount_yen: i64,
    /// Required for `conditionally_adopted`.
    pub conditions: Option<String>,
    /// Shown to the applicant.
    pub feedback: Option<String>,
    /// The award per fiscal year: consecutive years from the call's, summing to the award.
    /// Without it the whole award falls in the call's fiscal year.
    pub schedule: Option<Vec<YearAmount>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DecisionView {
    pub proposal_id: String,
    pub call_id: String,
    pub outcome: Outcome,
    pub awarded_amount_yen: i64,
    pub conditions: Option<String>,
    pub feedback: Option<String>,
    pub decided_by: String,
    pub updated_at: DateTime<FixedOffset>,
    /// The award per fiscal year (empty for a rejection).
    pub schedule: Vec<YearAmount>,
}

impl DecisionView {
    pub fn new(row: DecisionRow, schedule: Vec<YearAmount>) -> Self {
        DecisionView {
            schedule,
            outcome: row.outcome(),
            proposal_id: row.proposal_id,
            call_id: row.call_id,
            awarded_amount_yen: row.awarded_amount_yen.get(),
            conditions: row.conditions,
            feedback: row.feedback,
            decided_by: row.decided_by,
            updated_at: row.updated_at.shown(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CallDecisions {
    pub items: Vec<DecisionView>,
    pub total: i64,
    pub total_budget_yen: i64,
    pub awarded_yen: i64,
    pub remaining_yen: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BudgetPlan {
    /// The chosen proposals, best-ranked first.
    pub items: Vec<String>,
    pub total: i64,
    /// Sum of the chosen proposals' requests.
    pub total_yen: i64,
    /// Sum of the chosen proposals' scores.
    pub total_score: f64,
    pub budget_yen: i64,
    /// Reviewed proposals left out (for want of budget, or of a score).
    pub excluded: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProposalResult {
    pub proposal_id: String,
    pub outcome: Outcome,
    pub awarded_amount_yen: i64,
    pub conditions: Option<String>,
    pub feedback: Option<String>,
    /// The proposal's score: mean over its reviews of each review's weighted mean (1.00–4.00).
    pub score: Option<f64>,
    pub reviews: u32,
    /// Mean points per criterion.
    pub criteria: BTreeMap<String, f64>,
    #[schema(value_type = Object, example = json!({ "S": 2, "A": 3, "B": 1, "C": 0 }))]
    pub grades: GradeCounts,
    /// How far the proposal went: `hearing` when it was shortlisted and heard (two-stage
    /// calls), else `document`. The evaluation above is that stage's.
    pub stage_reached: crate::domain::review::ReviewStage,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AdoptedProposal {
    #[schema(example = "14")]
    pub lead_prefecture_code: String,
    #[schema(example = "神奈川県")]
    pub lead_prefecture_name_ja: String,
    pub lead_prefecture_name_en: String,
    pub partner_prefecture_codes: Vec<String>,
    pub receipt_number: Option<String>,
    pub title: Option<String>,
    pub awarded_amount_yen: i64,
    pub outcome: Outcome,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PublicResults {
    pub call_id: String,
    pub call_title: String,
    pub fiscal_year: i32,
    pub decisions_published_at: Option<DateTime<FixedOffset>>,
    pub items: Vec<AdoptedProposal>,
    pub total: i64,
}
