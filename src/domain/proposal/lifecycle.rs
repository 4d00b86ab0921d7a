//! A proposal's lifecycle (SPEC §4.4):
//! `draft` → `submitted` → `under_review` → `adopted` | `conditionally_adopted` | `rejected`;
//! before the deadline a submission can be pulled back to `draft`, and a draft or submission
//! can be `withdrawn` for good. In a two-stage call (SPEC §5.4) the shortlist splits the
//! proposals under review into `shortlisted` (heard, then decided) and `not_shortlisted`
//! (rejected at publication).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::text_enum;

text_enum! {
    #[derive(Serialize, Deserialize, ToSchema)]
    #[serde(rename_all = "snake_case")]
    pub enum ProposalStatus ("proposal status") {
        Draft = "draft",
        Submitted = "submitted",
        UnderReview = "under_review",
        /// Two-stage calls: chosen after the document review to be heard.
        Shortlisted = "shortlisted",
        /// Two-stage calls: not chosen for the hearing; rejected when decisions are published.
        NotShortlisted = "not_shortlisted",
        Adopted = "adopted",
        ConditionallyAdopted = "conditionally_adopted",
        Rejected = "rejected",
        Withdrawn = "withdrawn",
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    Submit,
    Unsubmit,
    Withdraw,
    StartReview,
    Shortlist,
    PassOver,
}

impl ProposalStatus {
    /// Statuses of proposals that were submitted and not withdrawn: what review works on.
    pub const SUBMITTED_ONCE: [ProposalStatus; 7] = [
        ProposalStatus::Submitted,
        ProposalStatus::UnderReview,
        ProposalStatus::Shortlisted,
        ProposalStatus::NotShortlisted,
        ProposalStatus::Adopted,
        ProposalStatus::ConditionallyAdopted,
        ProposalStatus::Rejected,
    ];

    /// Statuses of proposals that await a decision (or hold one not yet published).
    pub const AWAITING_DECISION: [ProposalStatus; 4] =
        [ProposalStatus::Submitted, ProposalStatus::UnderReview, ProposalStatus::Shortlisted, ProposalStatus::NotShortlisted];

    /// The status shown for a stored status and the shortlist mark (`None` before any
    /// shortlist): the shortlist only refines `under_review`; a decided proposal shows its outcome.
    pub fn with_shortlist(stored: ProposalStatus, shortlisted: Option<bool>) -> ProposalStatus {
        match (stored, shortlisted) {
            (ProposalStatus::UnderReview, Some(true)) => ProposalStatus::Shortlisted,
            (ProposalStatus::UnderReview, Some(false)) => ProposalStatus::NotShortlisted,
            (status, _) => status,
        }
    }

    /// The status kept in the `status` column: the shortlist statuses are `under_review` there.
    pub fn stored(self) -> ProposalStatus {
        match self {
            ProposalStatus::Shortlisted | ProposalStatus::NotShortlisted => ProposalStatus::UnderReview,
            status => status,
        }
    }

    /// The shortlist mark a status implies, when it implies one.
    pub fn shortlist_mark(self) -> Option<bool> {
        match self {
            ProposalStatus::Shortlisted => Some(true),
            ProposalStatus::NotShortlisted => Some(false),
            _ => None,
        }
    }

    /// A live proposal holds its prefectures: only a withdrawal releases them.
    pub fn is_live(self) -> bool {
        self != ProposalStatus::Withdrawn
    }

    /// Submitted at some point and not withdrawn: what review and decisions work on.
    pub fn was_submitted(self) -> bool {
        Self::SUBMITTED_ONCE.contains(&self)
    }

    /// The status a transition leads to, or why it cannot happen now.
    pub fn after(self, transition: Transition) -> Result<ProposalStatus, String> {
        use ProposalStatus::*;
        match (transition, self) {
            (Transition::Submit, Draft) => Ok(Submitted),
            (Transition::Unsubmit, Submitted) => Ok(Draft),
            (Transition::Withdraw, Draft | Submitted) => Ok(Withdrawn),
            (Transition::StartReview, Submitted) => Ok(UnderReview),
            (Transition::Shortlist, UnderReview) => Ok(Shortlisted),
            (Transition::PassOver, UnderReview) => Ok(NotShortlisted),
            (t, s) => Err(format!("a {} proposal cannot be {}", s.as_str().replace('_', " "), t.past_participle())),
        }
    }
}

impl Transition {
    fn past_participle(self) -> &'static str {
        match self {
            Transition::Submit => "submitted",
            Transition::Unsubmit => "pulled back to draft",
            Transition::Withdraw => "withdrawn",
            Transition::StartReview => "put under review",
            Transition::Shortlist => "shortlisted",
            Transition::PassOver => "left off the shortlist",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::ProposalStatus::*;
    use super::*;

    #[test]
    fn drafts_submit_and_submissions_come_back_or_go() {
        assert_eq!(Draft.after(Transition::Submit), Ok(Submitted));
        assert_eq!(Submitted.after(Transition::Unsubmit), Ok(Draft));
        assert_eq!(Draft.after(Transition::Withdraw), Ok(Withdrawn));
        assert_eq!(Submitted.after(Transition::Withdraw), Ok(Withdrawn));
        assert_eq!(Submitted.after(Transition::StartReview), Ok(UnderReview));
    }

    #[test]
    fn withdrawal_is_final_and_review_is_not_undone() {
        for t in [Transition::Submit, Transition::Unsubmit, Transition::Withdraw, Transition::StartReview, Transition::Shortlist, Transition::PassOver] {
            assert!(Withdrawn.after(t).is_err());
        }
        assert!(UnderReview.after(Transition::Unsubmit).is_err());
        assert!(UnderReview.after(Transition::Withdraw).is_err());
        assert!(Submitted.after(Transition::Submit).is_err());
        assert!(Draft.after(Transition::Unsubmit).is_err());
    }

    #[test]
    fn the_shortlist_splits_proposals_under_review_once() {
        assert_eq!(UnderReview.after(Transition::Shortlist), Ok(Shortlisted));
        assert_eq!(UnderReview.after(Transition::PassOver), Ok(NotShortlisted));
        for t in [Transition::Shortlist, Transition::PassOver] {
            assert!(Shortlisted.after(t).is_err());
            assert!(NotShortlisted.after(t).is_err());
            assert!(Submitted.after(t).is_err());
        }
        assert!(Shortlisted.after(Transition::Withdraw).is_err());
    }

    #[test]
    fn the_shortlist_mark_refines_only_under_review() {
        assert_eq!(ProposalStatus::with_shortlist(UnderReview, Some(true)), Shortlisted);
        assert_eq!(ProposalStatus::with_shortlist(UnderReview, Some(false)), NotShortlisted);
        assert_eq!(ProposalStatus::with_shortlist(UnderReview, None), UnderReview);
        assert_eq!(ProposalStatus::with_shortlist(Adopted, Some(true)), Adopted);
        for s in ProposalStatus::VARIANTS {
            assert_eq!(ProposalStatus::with_shortlist(s.stored(), s.shortlist_mark()), *s);
        }
    }

    #[test]
    fn only_withdrawal_releases_the_prefectures() {
        assert!(Draft.is_live() && Adopted.is_live() && Rejected.is_live());
        assert!(!Withdrawn.is_live());
        assert!(!Draft.was_submitted() && UnderReview.was_submitted());
    }
}
