//! What the audit log records: one variant per kind of change, with its details typed. The
//! variant's name (snake_case) is the stored `action`; its fields are the stored `details`.

use chrono::{DateTime, FixedOffset};
use serde::Serialize;
use serde_json::Value;

use crate::domain::call::{CallStatus, Program};
use crate::app::evaluations::publication::YearChange;
use crate::domain::decision::Outcome;
use crate::domain::evaluation::EvaluationKind;
use crate::domain::grade::Grade;
use crate::domain::money::Yen;
use crate::domain::prefecture::PrefectureCode;
use crate::domain::project::{Phase, YearAmount};
use crate::domain::proposal::ProposalStatus;
use crate::domain::proposal::content::SignatoryRole;
use crate::domain::user::Role;

/// The entity a change happened to.
#[derive(Debug, Clone)]
pub struct Subject {
    pub kind: &'static str,
    pub id: String,
}

impl Subject {
    fn new(kind: &'static str, id: &str) -> Self {
        Self { kind, id: id.to_string() }
    }

    pub fn user(id: &str) -> Self {
        Self::new("user", id)
    }

    pub fn session(id: &str) -> Self {
        Self::new("session", id)
    }

    pub fn call(id: &str) -> Self {
        Self::new("call", id)
    }

    pub fn proposal(id: &str) -> Self {
        Self::new("proposal", id)
    }

    pub fn assignment(id: &str) -> Self {
        Self::new("assignment", id)
    }

    pub fn project(id: &str) -> Self {
        Self::new("project", id)
    }

    pub fn evaluation(id: &str) -> Self {
        Self::new("evaluation", id)
    }
}

/// A decision as it stood before a change.
#[derive(Debug, Clone, Serialize)]
pub struct PreviousDecision {
    pub outcome: Outcome,
    pub awarded_amount_yen: Yen,
}

#[derive(Debug, Clone, Serialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Event {
    // accounts and sessions
    AdminCreated { email: String },
    UserInvited { email: String, role: Role },
    UserActivated {},
    Login { session_id: String },
    /// `email` is what was typed when it names no account: never echo more than an address.
    LoginFailed { email: String },
    Logout {},
    RefreshTokenReused { user_id: String },
    PasswordResetRequested {},
    PasswordReset { sessions_ended: usize },
    PasswordChanged { sessions_ended: usize },
    UserUpdated { fields: Vec<&'static str> },
    UserDeactivated { sessions_ended: usize },
    UserReactivated {},

    // calls
    CallCreated { title: String, program: Program },
    CallUpdated { fields: Vec<String> },
    CallPublished { from: CallStatus, to: CallStatus },
    CallReviewStarted { from: CallStatus, to: CallStatus, proposals_under_review: usize },

    // proposals
    ProposalCreated { call_id: String, lead_prefecture_code: PrefectureCode },
    ProposalUpdated { fields: Vec<String>, endorsements_voided: usize, endorsement_links_voided: usize, partners_dropped: Vec<PrefectureCode> },
    PartnerConfirmed { prefecture_code: PrefectureCode },
    PartnerConfirmationWithdrawn { prefecture_code: PrefectureCode },
    AttachmentUploaded {
        attachment_id: String,
        filename: String,
        size: i64,
        sha256: String,
        endorsements_voided: usize,
        endorsement_links_voided: usize,
    },
    AttachmentRemoved {
        attachment_id: String,
        filename: String,
        sha256: String,
        endorsements_voided: usize,
        endorsement_links_voided: usize,
    },
    EndorsementsRequested { roles: Vec<SignatoryRole> },
    ProposalEndorsed { role: SignatoryRole, content_hash: String },
    ProposalSubmitted { receipt_number: String, version_no: i32 },
    ProposalUnsubmitted { from: ProposalStatus, to: ProposalStatus },
    ProposalWithdrawn { from: ProposalStatus, to: ProposalStatus, prefectures_released: usize },

    // review
    ConflictDeclared { reviewer_id: String, reason: String, assignment_removed: Option<String> },
    AssignmentCreated {
        proposal_id: String,
        reviewer_id: String,
        origin: &'static str,
        #[serde(skip_serializing_if = "Option::is_none")]
        affinity: Option<i32>,
    },
    AssignmentsAuto { created: usize, total_affinity: u64, unfilled: usize, reviewers_per_proposal: i32 },
    AssignmentAccepted { proposal_id: String },
    AssignmentDeclined { proposal_id: String, reason: Option<String> },
    /// A conflict of interest came to light: the assignment is set aside (its row and any draft
    /// review stay).
    AssignmentRemoved { proposal_id: String, reviewer_id: String },
    ReviewSaved { proposal_id: String },
    ReviewSubmitted { proposal_id: String },
    ReviewReturned { proposal_id: String, reason: String },

    // decisions
    DecisionRecorded { outcome: Outcome, awarded_amount_yen: Yen, previous: Option<PreviousDecision> },
    DecisionChanged { outcome: Outcome, awarded_amount_yen: Yen, previous: Option<PreviousDecision> },
    DecisionsPublished { decisions: usize, adopted: usize, awarded_yen: i64 },

    // two-stage selection
    ShortlistMade { shortlisted: usize, not_shortlisted: usize },
    ProposalShortlisted { from: ProposalStatus, to: ProposalStatus },
    HearingScheduled { slot_id: String, starts_at: DateTime<FixedOffset>, ends_at: DateTime<FixedOffset>, place: String },
    HearingMoved {
        slot_id: String,
        starts_at: DateTime<FixedOffset>,
        ends_at: DateTime<FixedOffset>,
        place: String,
        previous_starts_at: DateTime<FixedOffset>,
        sequence: i32,
    },

    // projects after adoption
    ProjectCreated { proposal_id: String, call_id: String, schedule: Vec<YearAmount>, conditional: bool },
    ProjectConditionsCleared { note: String },
    GrantMade { fiscal_year: i32, amount_yen: Yen },
    ProjectPhaseChanged { from: Phase, to: Phase, reason: String },
    ReportSaved { fiscal_year: i32 },
    ReportSubmitted { fiscal_year: i32 },
    EvaluationAdjusted { evaluation_id: String, grade: Grade, percent: u32, changes: Vec<YearChange>, capped_by_budget: Vec<YearChange> },
    EvaluationPublished { projects: usize, cohort_mean: Option<f64> },

    // evaluation rounds
    EvaluationOpened { call_id: String, kind: EvaluationKind, fiscal_year: i32, title: String, projects: usize },
    EvaluationUpdated { fields: Vec<String> },
    SelfEvaluationSaved { evaluation_id: String },
    SelfEvaluationReminded { projects: Vec<String> },
    EvaluatorAssigned { evaluation_id: String, project_id: String, reviewer_id: String },
    EvaluationAssignmentAccepted { evaluation_id: String, project_id: String },
    EvaluationAssignmentDeclined { evaluation_id: String, project_id: String, reason: Option<String> },
    EvaluationReviewSaved { evaluation_id: String, project_id: String },
    EvaluationReviewSubmitted { evaluation_id: String, project_id: String },
    EvaluationReviewReturned { evaluation_id: String, project_id: String, reason: String },
}

impl Event {
    /// The stored `action` and `details`.
    pub fn into_record(self) -> (String, Value) {
        let mut value = serde_json::to_value(&self).unwrap_or(Value::Null);
        let action = value
            .as_object_mut()
            .and_then(|o| o.remove("action"))
            .and_then(|a| a.as_str().map(str::to_owned))
            .unwrap_or_default();
        (action, value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_action_is_the_variant_name_and_the_details_are_its_fields() {
        let (action, details) = Event::PartnerConfirmed { prefecture_code: "13".parse().unwrap() }.into_record();
        assert_eq!(action, "partner_confirmed");
        assert_eq!(details, serde_json::json!({ "prefecture_code": "13" }));
        let (action, details) = Event::Logout {}.into_record();
        assert_eq!(action, "logout");
        assert_eq!(details, serde_json::json!({}));
    }
}
