//! Conflicts of interest between reviewers and proposals (SPEC §5.1).
//!
//! A reviewer may not review a proposal when
//! - (a) the reviewer's affiliation is one of the proposal's organizations (its signatory
//!   organizations and the members of its co-creation venue), names compared after
//!   [`normalize_name`];
//! - (b) the reviewer's affiliation prefecture is one of the proposal's participating
//!   prefectures;
//! - (c) the reviewer declared a conflict with it. Declarations are stored and checked by the
//!   caller; [`ConflictReason::Declared`] exists so that every reason is reported the same way.
//!
//! Everything here is pure: no IO, no clock, no randomness.

use std::collections::HashMap;

use unicode_normalization::UnicodeNormalization;
use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};

use crate::domain::prefecture::PrefectureCode;

/// The comparison form of an organization name (also used for expertise keywords): Unicode
/// NFKC (full-width letters, digits and spaces become their ASCII forms, half-width katakana
/// become full-width), then Unicode lowercase, then every whitespace character removed.
///
/// So `"東京大学"`, `"東京 大学"` and `"東京\u{3000}大学"` are one name, and so are
/// `"ＴＯＫＹＯ Univ"` and `"tokyo univ"`. A name that normalises to `""` matches nothing.
pub fn normalize_name(name: &str) -> String {
    let nfkc: String = name.nfkc().collect();
    nfkc.to_lowercase()
        .chars()
        // Format characters (zero-width space, joiners, bidi marks, BOM) are invisible: a name
        // carrying one must still be the same organization.
        .filter(|c| !c.is_whitespace() && c.general_category() != GeneralCategory::Format)
        .collect()
}

/// The parties of a proposal that a reviewer must not belong to.
#[derive(Debug, Clone)]
pub struct ProposalParties {
    /// Signatory organizations and co-creation venue members, as entered (not normalised).
    pub organizations: Vec<String>,
    /// Participating prefectures.
    pub prefectures: Vec<PrefectureCode>,
}

/// What of a reviewer the conflict rules look at.
#[derive(Debug, Clone)]
pub struct ReviewerProfile {
    /// The reviewer's affiliation, as entered (not normalised).
    pub affiliation: String,
    /// The prefecture of the affiliation, when known.
    pub affiliation_prefecture: Option<PrefectureCode>,
}

/// Why a reviewer may not review a proposal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ConflictReason {
    /// Rule (a): the affiliation is one of the proposal's organizations.
    SameOrganization,
    /// Rule (b): the affiliation prefecture participates in the proposal.
    SamePrefecture,
    /// Rule (c): the reviewer declared a conflict.
    Declared,
}

impl ConflictReason {
    /// The stable machine-readable code, identical to the serde form.
    pub fn code(self) -> &'static str {
        match self {
            ConflictReason::SameOrganization => "same_organization",
            ConflictReason::SamePrefecture => "same_prefecture",
            ConflictReason::Declared => "declared",
        }
    }
}

/// The rule-based conflict between one reviewer and one proposal, rule (a) checked before rule
/// (b); `None` when neither applies. Declared conflicts (rule (c)) are the caller's.
pub fn conflict_between(
    reviewer: &ReviewerProfile,
    proposal: &ProposalParties,
) -> Option<ConflictReason> {
    let affiliation = normalize_name(&reviewer.affiliation);
    if !affiliation.is_empty()
        && proposal
            .organizations
            .iter()
            .any(|o| normalize_name(o) == affiliation)
    {
        return Some(ConflictReason::SameOrganization);
    }
    match reviewer.affiliation_prefecture {
        Some(p) if proposal.prefectures.contains(&p) => Some(ConflictReason::SamePrefecture),
        _ => None,
    }
}

/// Every rule-based conflicted `(proposal index, reviewer index)` pair, sorted and without
/// duplicates (a pair conflicted by both rules appears once).
///
/// Runs in time proportional to the input size plus the number of conflicted pairs: proposals
/// are indexed by normalised organization name and by prefecture, and each reviewer looks up
/// its own affiliation and prefecture, so there is no proposals × reviewers loop.
pub fn conflicted_pairs(
    proposals: &[ProposalParties],
    reviewers: &[ReviewerProfile],
) -> Vec<(u32, u32)> {
    // Normalised organization name -> proposals naming it (ascending, each proposal once).
    let mut by_organization: HashMap<String, Vec<u32>> = HashMap::new();
    // Prefecture number (1..=47) -> proposals in which it participates (ascending, once each).
    let mut by_prefecture: Vec<Vec<u32>> = vec![Vec::new(); 48];
    for (index, proposal) in proposals.iter().enumerate() {
        let index = index as u32;
        for organization in &proposal.organizations {
            let key = normalize_name(organization);
            if key.is_empty() {
                continue;
            }
            let list = by_organization.entry(key).or_default();
            if list.last() != Some(&index) {
                list.push(index);
            }
        }
        for prefecture in &proposal.prefectures {
            let list = &mut by_prefecture[usize::from(prefecture.number())];
            if list.last() != Some(&index) {
                list.push(index);
            }
        }
    }

    let mut pairs = Vec::new();
    for (index, reviewer) in reviewers.iter().enumerate() {
        let index = index as u32;
        let affiliation = normalize_name(&reviewer.affiliation);
        if !affiliation.is_empty()
            && let Some(list) = by_organization.get(&affiliation)
        {
            pairs.extend(list.iter().map(|&p| (p, index)));
        }
        if let Some(prefecture) = reviewer.affiliation_prefecture {
            pairs.extend(
                by_prefecture[usize::from(prefecture.number())]
                    .iter()
                    .map(|&p| (p, index)),
            );
        }
    }
    pairs.sort_unstable();
    pairs.dedup();
    pairs
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pref(code: &str) -> PrefectureCode {
        code.parse().unwrap()
    }

    fn reviewer(affiliation: &str, prefecture: Option<&str>) -> ReviewerProfile {
        ReviewerProfile {
            affiliation: affiliation.to_string(),
            affiliation_prefecture: prefecture.map(pref),
        }
    }

    fn proposal(organizations: &[&str], prefectures: &[&str]) -> ProposalParties {
        ProposalParties {
            organizations: organizations.iter().map(|s| s.to_string()).collect(),
            prefectures: prefectures.iter().map(|s| pref(s)).collect(),
        }
    }

    #[test]
    fn normalisation_folds_width_case_and_spacing() {
        let tokyo = normalize_name("東京大学");
        for variant in [
            "東京 大学",
            "東京\u{3000}大学",
            " 東京大学\t",
            "東\n京 \u{3000} 大学",
        ] {
            assert_eq!(normalize_name(variant), tokyo, "{variant:?}");
        }
        assert_eq!(normalize_name("ＴＯＫＹＯ Univ"), "tokyouniv");
        // Invisible format characters do not make another organization.
        for hidden in ["東京\u{200B}大学", "東\u{200D}京大学", "\u{FEFF}東京大学", "東京\u{2060}大\u{200E}学"] {
            assert_eq!(normalize_name(hidden), tokyo, "{hidden:?}");
        }
        assert_eq!(normalize_name("tokyo univ"), "tokyouniv");
        assert_eq!(normalize_name("ＴＯＫＹＯ\u{3000}ＵＮＩＶ"), "tokyouniv");
        // Half-width katakana become full-width; full-width digits become ASCII.
        assert_eq!(normalize_name("ｶﾅｶﾞﾜ１２３"), "カナガワ123");
        // Non-ASCII lowercase too.
        assert_eq!(normalize_name("ÉCOLE Ünïv"), "écoleünïv");
        assert_eq!(normalize_name(""), "");
        assert_eq!(normalize_name(" \u{3000}\t"), "");
        assert_ne!(normalize_name("東京大学"), normalize_name("京都大学"));
    }

    #[test]
    fn same_organization_is_a_conflict_after_normalisation() {
        let p = proposal(&["ＴＯＫＹＯ Univ", "神奈川 工科　大学"], &["14"]);
        for affiliation in [
            "tokyo univ",
            "TOKYO UNIV",
            "Tokyo\u{3000}Univ",
            "ｔｏｋｙｏｕｎｉｖ",
            "神奈川工科大学",
        ] {
            assert_eq!(
                conflict_between(&reviewer(affiliation, None), &p),
                Some(ConflictReason::SameOrganization),
                "{affiliation:?}"
            );
        }
        assert_eq!(conflict_between(&reviewer("tokyo univ.", None), &p), None);
        assert_eq!(
            conflict_between(&reviewer("Kyoto Univ", Some("26")), &p),
            None
        );
    }

    #[test]
    fn same_prefecture_is_a_conflict() {
        let p = proposal(&["A"], &["14", "13"]);
        assert_eq!(
            conflict_between(&reviewer("B", Some("13")), &p),
            Some(ConflictReason::SamePrefecture)
        );
        assert_eq!(
            conflict_between(&reviewer("B", Some("14")), &p),
            Some(ConflictReason::SamePrefecture)
        );
        assert_eq!(conflict_between(&reviewer("B", Some("12")), &p), None);
        assert_eq!(conflict_between(&reviewer("B", None), &p), None);
    }

    #[test]
    fn organization_rule_is_reported_before_prefecture_rule() {
        let p = proposal(&["A univ"], &["14"]);
        assert_eq!(
            conflict_between(&reviewer("a univ", Some("14")), &p),
            Some(ConflictReason::SameOrganization)
        );
    }

    #[test]
    fn empty_names_never_match() {
        let p = proposal(&["", " ", "\u{3000}"], &[]);
        for affiliation in ["", "  ", "\u{3000}"] {
            assert_eq!(
                conflict_between(&reviewer(affiliation, None), &p),
                None,
                "{affiliation:?}"
            );
        }
        assert!(
            conflicted_pairs(&[p], &[reviewer("", None), reviewer("\u{3000}", None)]).is_empty()
        );
    }

    #[test]
    fn reason_codes_match_serde() {
        for reason in [
            ConflictReason::SameOrganization,
            ConflictReason::SamePrefecture,
            ConflictReason::Declared,
        ] {
            assert_eq!(
                serde_json::to_value(reason).unwrap(),
                serde_json::Value::String(reason.code().into())
            );
        }
        assert_eq!(ConflictReason::SamePrefecture.code(), "same_prefecture");
    }

    #[test]
    fn bulk_pairs_are_sorted_and_deduplicated() {
        // Reviewer 0 conflicts with proposal 1 by both rules and through two spellings.
        let proposals = vec![
            proposal(&["X"], &["01"]),
            proposal(&["Ａ大学", "a大学", "A 大学"], &["14"]),
            proposal(&[], &["14", "14"]),
        ];
        let reviewers = vec![
            reviewer("A大学", Some("14")),
            reviewer("x", None),
            reviewer("", Some("01")),
        ];
        assert_eq!(
            conflicted_pairs(&proposals, &reviewers),
            vec![(0, 1), (0, 2), (1, 0), (2, 0)]
        );
        assert!(conflicted_pairs(&[], &reviewers).is_empty());
        assert!(conflicted_pairs(&proposals, &[]).is_empty());
    }

    use crate::domain::test_rng::SplitMix;

    fn random_name(rng: &mut SplitMix) -> String {
        const SPELLINGS: [&[&str]; 5] = [
            &["東京大学", "東京 大学", "東京\u{3000}大学"],
            &["Tokyo Univ", "ＴＯＫＹＯ Univ", "tokyo\u{3000}univ"],
            &["京都大学"],
            &[
                "Kanagawa Tech",
                "KANAGAWA TECH",
                "ｋａｎａｇａｗａ ｔｅｃｈ",
            ],
            &["", " "],
        ];
        let group = SPELLINGS[rng.below(SPELLINGS.len() as u64) as usize];
        group[rng.below(group.len() as u64) as usize].to_string()
    }

    #[test]
    fn bulk_equals_pairwise_on_random_instances() {
        let mut rng = SplitMix(7);
        for _ in 0..200 {
            let n_proposals = rng.below(8) as usize;
            let n_reviewers = rng.below(8) as usize;
            let proposals: Vec<ProposalParties> = (0..n_proposals)
                .map(|_| ProposalParties {
                    organizations: (0..rng.below(4)).map(|_| random_name(&mut rng)).collect(),
                    prefectures: (0..rng.below(3))
                        .map(|_| PrefectureCode::new(1 + rng.below(5) as u8).unwrap())
                        .collect(),
                })
                .collect();
            let reviewers: Vec<ReviewerProfile> = (0..n_reviewers)
                .map(|_| ReviewerProfile {
                    affiliation: random_name(&mut rng),
                    affiliation_prefecture: (rng.below(2) == 0)
                        .then(|| PrefectureCode::new(1 + rng.below(5) as u8).unwrap()),
                })
                .collect();
            let mut expected = Vec::new();
            for (p, proposal) in proposals.iter().enumerate() {
                for (r, reviewer) in reviewers.iter().enumerate() {
                    if conflict_between(reviewer, proposal).is_some() {
                        expected.push((p as u32, r as u32));
                    }
                }
            }
            assert_eq!(conflicted_pairs(&proposals, &reviewers), expected);
        }
    }

    #[test]
    fn bulk_is_fast_on_a_large_instance() {
        // 5,000 × 2,000 would be 10M pairwise checks; the index makes it a few thousand look-ups.
        let proposals: Vec<ProposalParties> = (0..5_000u32)
            .map(|i| ProposalParties {
                organizations: (0..5)
                    .map(|k| format!("Org {}", (i * 7 + k * 13) % 3_000))
                    .collect(),
                prefectures: vec![PrefectureCode::new(1 + (i % 47) as u8).unwrap()],
            })
            .collect();
        let reviewers: Vec<ReviewerProfile> = (0..2_000u32)
            .map(|i| ReviewerProfile {
                affiliation: format!("ＯＲＧ {}", (i * 11) % 3_000),
                affiliation_prefecture: (i % 2 == 0)
                    .then(|| PrefectureCode::new(1 + (i % 47) as u8).unwrap()),
            })
            .collect();
        let pairs = conflicted_pairs(&proposals, &reviewers);
        assert!(pairs.windows(2).all(|w| w[0] < w[1]));
        // Spot-check against the pairwise rule.
        for &(p, r) in pairs.iter().step_by(97) {
            assert!(conflict_between(&reviewers[r as usize], &proposals[p as usize]).is_some());
        }
        assert!(pairs.len() > 100_000, "{}", pairs.len());
    }
}
