//! Who may see and do what with a proposal. An applicant of an uninvolved prefecture must not
//! even learn that a proposal exists (404), while a partner may read but not edit (403).

use crate::domain::prefecture::PrefectureCode;
use crate::domain::user::Role;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Relation {
    /// A program officer: reads everything.
    Admin,
    /// An applicant of the lead prefecture (とりまとめ): edits, submits.
    Lead,
    /// An applicant of an invited partner prefecture: reads, confirms its own participation.
    Partner(PrefectureCode),
    /// A reviewer assigned to the proposal, not conflicted: reads.
    Reviewer,
}

impl Relation {
    pub fn is_lead(self) -> bool {
        self == Relation::Lead
    }
}

/// The caller's relation to a proposal, if any.
pub fn relation(
    role: Role,
    prefecture: Option<PrefectureCode>,
    lead: PrefectureCode,
    invited_partners: &[PrefectureCode],
    reviewer_may_read: bool,
) -> Option<Relation> {
    match role {
        Role::Admin => Some(Relation::Admin),
        Role::Applicant => {
            let own = prefecture?;
            if own == lead {
                Some(Relation::Lead)
            } else if invited_partners.contains(&own) {
                Some(Relation::Partner(own))
            } else {
                None
            }
        }
        Role::Reviewer => reviewer_may_read.then_some(Relation::Reviewer),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(code: &str) -> PrefectureCode {
        code.parse().unwrap()
    }

    #[test]
    fn lead_partner_and_strangers_are_told_apart() {
        let partners = [p("11")];
        assert_eq!(relation(Role::Applicant, Some(p("13")), p("13"), &partners, false), Some(Relation::Lead));
        assert_eq!(relation(Role::Applicant, Some(p("11")), p("13"), &partners, false), Some(Relation::Partner(p("11"))));
        assert_eq!(relation(Role::Applicant, Some(p("14")), p("13"), &partners, false), None);
        assert_eq!(relation(Role::Admin, None, p("13"), &partners, false), Some(Relation::Admin));
        assert_eq!(relation(Role::Reviewer, None, p("13"), &partners, false), None);
        assert_eq!(relation(Role::Reviewer, None, p("13"), &partners, true), Some(Relation::Reviewer));
    }
}
