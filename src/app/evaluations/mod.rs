//! Evaluation rounds (中間評価・事後評価, SPEC §8): the program officer opens a round over a
//! call's projects with weighted items, the lead prefectures write their self-evaluations,
//! evaluators grade each item S/A/B/C, and publication turns the grades into scores, grades and
//! (for an interim round) next years' money.

pub mod evaluators;
pub mod publication;
pub mod rounds;
pub mod self_evaluations;
