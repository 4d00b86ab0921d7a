//! 実績報告 (SPEC §8): each fiscal year the lead prefecture reports the actual value of every KPI
//! its proposal named and the outcome counts of the programme's 実績一覧, with a narrative. A
//! draft may be partial; submission needs everything and locks the report. The program officer
//! then sees, per KPI, whether the project is on the straight line from baseline to target.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::proposal::content::Measure;
use crate::domain::text_enum;
use crate::domain::validation::{FieldError, Problems};

/// A narrative is a few pages of prose at most.
pub const NARRATIVE_MAX: usize = 20_000;
/// A KPI actual given as text ("45社") is as short as the proposal's own measures.
pub const MEASURE_TEXT_MAX: usize = 200;

text_enum! {
    #[derive(Serialize, Deserialize, ToSchema)]
    #[serde(rename_all = "snake_case")]
    pub enum ReportStatus ("report status") {
        Draft = "draft",
        /// Locked for good.
        Submitted = "submitted",
    }
}

/// The outcome counts of 003's 実績一覧. `None` is "not reported yet" (a draft may leave any
/// out); a submitted report has every one. Counts are never negative.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Outcomes {
    /// Papers published (論文数).
    #[schema(minimum = 0)]
    pub papers: Option<i64>,
    /// Patent applications filed in Japan.
    #[schema(minimum = 0)]
    pub patents_domestic_filed: Option<i64>,
    /// Patents granted in Japan.
    #[schema(minimum = 0)]
    pub patents_domestic_granted: Option<i64>,
    /// Patent applications filed abroad.
    #[schema(minimum = 0)]
    pub patents_foreign_filed: Option<i64>,
    /// Patents granted abroad.
    #[schema(minimum = 0)]
    pub patents_foreign_granted: Option<i64>,
    /// Products commercialised (商品化).
    #[schema(minimum = 0)]
    pub products: Option<i64>,
    /// Revenue from them, in yen.
    #[schema(minimum = 0)]
    pub revenue_yen: Option<i64>,
    /// Press coverage (新聞・テレビ等).
    #[schema(minimum = 0)]
    pub press: Option<i64>,
    /// Awards received (受賞).
    #[schema(minimum = 0)]
    pub awards: Option<i64>,
}

impl Outcomes {
    /// Every count with its field name, in the order of the 実績一覧.
    pub fn entries(&self) -> [(&'static str, Option<i64>); 9] {
        [
            ("papers", self.papers),
            ("patents_domestic_filed", self.patents_domestic_filed),
            ("patents_domestic_granted", self.patents_domestic_granted),
            ("patents_foreign_filed", self.patents_foreign_filed),
            ("patents_foreign_granted", self.patents_foreign_granted),
            ("products", self.products),
            ("revenue_yen", self.revenue_yen),
            ("press", self.press),
            ("awards", self.awards),
        ]
    }
}

/// One KPI's actual value for the year, as reported.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct KpiActual {
    /// The KPI's name exactly as the project's proposal named it.
    pub name: String,
    /// A number, or a short text such as "45社"; null while not known yet.
    pub actual: Option<Measure>,
}

/// A report body as sent: every part optional, so a draft can be saved early.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportInput {
    pub kpis: Option<Vec<KpiActual>>,
    pub outcomes: Option<Outcomes>,
    pub narrative: Option<String>,
}

/// A report's content once every value present is valid.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReportContent {
    pub kpis: Vec<KpiActual>,
    pub outcomes: Outcomes,
    pub narrative: String,
}

/// Checks a report body against the KPIs of the project (`kpi_names`), listing every problem:
/// unknown or repeated KPI names, overlong texts, negative counts. Blank texts count as not
/// given, so a draft may leave anything out.
pub fn parse_report(input: ReportInput, kpi_names: &[&str]) -> Result<ReportContent, Vec<FieldError>> {
    let mut p = Problems::new();
    let mut seen = HashSet::new();
    let given = input.kpis.unwrap_or_default();
    let mut kpis = Vec::with_capacity(given.len());
    for (i, kpi) in given.into_iter().enumerate() {
        let name = kpi.name.trim().to_string();
        if name.is_empty() {
            p.push(format!("kpis[{i}].name"), "required", "is required");
        } else if !kpi_names.contains(&name.as_str()) {
            p.push(format!("kpis[{i}].name"), "unknown_kpi", format!("the project has no KPI named 「{name}」"));
        } else if !seen.insert(name.clone()) {
            p.push(format!("kpis[{i}].name"), "duplicate", format!("「{name}」 is reported twice"));
        }
        let actual = match kpi.actual {
            Some(Measure::Text(text)) => {
                let text = text.trim().to_string();
                p.check(
                    text.chars().count() <= MEASURE_TEXT_MAX,
                    format!("kpis[{i}].actual"),
                    "too_long",
                    format!("must be at most {MEASURE_TEXT_MAX} characters"),
                );
                (!text.is_empty()).then_some(Measure::Text(text))
            }
            other => other,
        };
        kpis.push(KpiActual { name, actual });
    }
    let outcomes = input.outcomes.unwrap_or_default();
    for (field, count) in outcomes.entries() {
        p.check(count.is_none_or(|c| c >= 0), format!("outcomes.{field}"), "negative", "a count cannot be negative");
    }
    let narrative = input.narrative.unwrap_or_default().trim().to_string();
    p.optional_text("narrative", Some(&narrative), NARRATIVE_MAX);
    p.into_result()?;
    Ok(ReportContent { kpis, outcomes, narrative })
}

/// What stands between a saved report and its submission, all at once: an actual for every KPI
/// of the project (field `kpis.<name>`), every outcome count, and a narrative.
pub fn submission_problems(content: &ReportContent, kpi_names: &[&str]) -> Vec<FieldError> {
    let mut p = Problems::new();
    for name in kpi_names {
        let reported = content.kpis.iter().any(|k| k.name == *name && k.actual.is_some());
        p.check(reported, format!("kpis.{name}"), "required", format!("the actual value of 「{name}」 is missing"));
    }
    for (field, count) in content.outcomes.entries() {
        p.check(count.is_some(), format!("outcomes.{field}"), "required", "every outcome count is reported (0 when there is none)");
    }
    p.text("narrative", Some(&content.narrative), NARRATIVE_MAX);
    p.into_vec()
}

/// The number a measure stands for: a number as is, a text by its leading numeric part
/// ("1,200人" → 1200, "-3.5%" → -3.5, full-width digits too); `None` when it does not start
/// with one ("約30社", "高い").
pub fn numeric_value(measure: &Measure) -> Option<f64> {
    let text = match measure {
        Measure::Number(n) => return n.is_finite().then_some(*n),
        Measure::Text(text) => text,
    };
    let mut digits = String::new();
    for c in text.trim().chars().map(half_width) {
        match c {
            '0'..='9' => digits.push(c),
            '-' | '+' if digits.is_empty() => digits.push(c),
            '.' if !digits.contains('.') => digits.push(c),
            // Thousands separators between digits.
            ',' if digits.ends_with(|d: char| d.is_ascii_digit()) => {}
            _ => break,
        }
    }
    let digits = digits.trim_end_matches('.');
    if !digits.contains(|c: char| c.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

fn half_width(c: char) -> char {
    match c {
        '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
        '，' => ',',
        '．' => '.',
        '－' | '−' => '-',
        '＋' => '+',
        other => other,
    }
}

/// Where a KPI should stand in `fiscal_year` on the straight line from `baseline` (in the
/// call's fiscal year) to `target` (in `target_fiscal_year`), held at the target afterwards
/// and at the baseline before.
pub fn expected_value(baseline: f64, target: f64, call_fiscal_year: i32, target_fiscal_year: i32, fiscal_year: i32) -> f64 {
    if fiscal_year >= target_fiscal_year {
        return target;
    }
    if fiscal_year <= call_fiscal_year {
        return baseline;
    }
    let elapsed = f64::from(fiscal_year - call_fiscal_year);
    let span = f64::from(target_fiscal_year - call_fiscal_year);
    baseline + (target - baseline) * elapsed / span
}

/// Whether `actual` is at least as far along toward the target as `expected`: above it when the
/// target rises (jobs), below it when it falls (CO2 emissions). A target equal to the baseline
/// is to be kept, so reaching it is on track.
pub fn on_track(baseline: f64, target: f64, expected: f64, actual: f64) -> bool {
    // Tolerates the rounding of the straight line, so landing on it exactly counts.
    let slack = 1e-9 * expected.abs().max(1.0);
    if target < baseline { actual <= expected + slack } else { actual >= expected - slack }
}

/// A KPI's progress in one reported year: the expected value and whether the project is on
/// track, when the baseline and target (and, for `on_track`, the actual) have numbers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KpiProgress {
    pub expected: Option<f64>,
    pub on_track: Option<bool>,
}

/// A KPI agreed at adoption, measured in a reported year.
pub struct KpiLine<'a> {
    pub baseline: Option<&'a Measure>,
    pub target: Option<&'a Measure>,
    pub target_fiscal_year: Option<i32>,
    pub call_fiscal_year: i32,
}

impl KpiLine<'_> {
    pub fn progress(&self, fiscal_year: i32, actual: Option<&Measure>) -> KpiProgress {
        let line = (self.baseline.and_then(numeric_value), self.target.and_then(numeric_value), self.target_fiscal_year);
        let (Some(baseline), Some(target), Some(target_fy)) = line else {
            return KpiProgress { expected: None, on_track: None };
        };
        let expected = expected_value(baseline, target, self.call_fiscal_year, target_fy, fiscal_year);
        let on_track = actual.and_then(numeric_value).map(|actual| on_track(baseline, target, expected, actual));
        KpiProgress { expected: Some(expected), on_track }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(errors: Vec<FieldError>) -> Vec<String> {
        errors.into_iter().map(|e| format!("{}:{}", e.field, e.code)).collect()
    }

    fn kpi(name: &str, actual: Option<Measure>) -> KpiActual {
        KpiActual { name: name.to_string(), actual }
    }

    fn complete_outcomes() -> Outcomes {
        Outcomes {
            papers: Some(12),
            patents_domestic_filed: Some(3),
            patents_domestic_granted: Some(1),
            patents_foreign_filed: Some(2),
            patents_foreign_granted: Some(0),
            products: Some(1),
            revenue_yen: Some(25_000_000),
            press: Some(8),
            awards: Some(0),
        }
    }

    const NAMES: [&str; 2] = ["新規雇用", "参画企業数"];

    #[test]
    fn a_draft_may_be_partial_but_what_it_has_must_be_valid() {
        let empty = parse_report(ReportInput::default(), &NAMES).unwrap();
        assert_eq!(empty, ReportContent::default());
        let input = ReportInput {
            kpis: Some(vec![kpi(" 新規雇用 ", Some(Measure::Number(120.0))), kpi("参画企業数", Some(Measure::Text("  ".into())))]),
            outcomes: Some(Outcomes { papers: Some(3), ..Outcomes::default() }),
            narrative: Some(" 初年度 ".into()),
        };
        let parsed = parse_report(input, &NAMES).unwrap();
        assert_eq!(parsed.kpis, [kpi("新規雇用", Some(Measure::Number(120.0))), kpi("参画企業数", None)], "names trimmed, blank text is not given");
        assert_eq!(parsed.narrative, "初年度");
    }

    #[test]
    fn every_problem_of_a_body_is_listed() {
        let input = ReportInput {
            kpis: Some(vec![
                kpi("新規雇用", Some(Measure::Number(1.0))),
                kpi("新規雇用", None),
                kpi("売上", None),
                kpi("", Some(Measure::Text("x".repeat(MEASURE_TEXT_MAX + 1)))),
            ]),
            outcomes: Some(Outcomes { papers: Some(-1), awards: Some(-2), press: Some(0), ..Outcomes::default() }),
            narrative: Some("あ".repeat(NARRATIVE_MAX + 1)),
        };
        assert_eq!(
            codes(parse_report(input, &NAMES).unwrap_err()),
            [
                "kpis[1].name:duplicate",
                "kpis[2].name:unknown_kpi",
                "kpis[3].name:required",
                "kpis[3].actual:too_long",
                "outcomes.papers:negative",
                "outcomes.awards:negative",
                "narrative:too_long"
            ]
        );
    }

    #[test]
    fn submission_needs_every_kpi_every_outcome_and_a_narrative() {
        let complete = ReportContent {
            kpis: vec![kpi("参画企業数", Some(Measure::Text("45社".into()))), kpi("新規雇用", Some(Measure::Number(0.0)))],
            outcomes: complete_outcomes(),
            narrative: "初年度は拠点の立ち上げに注力した。".into(),
        };
        assert!(submission_problems(&complete, &NAMES).is_empty());
        let gaps = ReportContent {
            kpis: vec![kpi("新規雇用", None)],
            outcomes: Outcomes { papers: Some(0), revenue_yen: Some(0), ..complete_outcomes() },
            narrative: String::new(),
        };
        assert!(submission_problems(&gaps, &NAMES).len() == 3, "two KPIs and the narrative");
        let nothing = submission_problems(&ReportContent::default(), &NAMES);
        assert_eq!(
            codes(nothing),
            [
                "kpis.新規雇用:required",
                "kpis.参画企業数:required",
                "outcomes.papers:required",
                "outcomes.patents_domestic_filed:required",
                "outcomes.patents_domestic_granted:required",
                "outcomes.patents_foreign_filed:required",
                "outcomes.patents_foreign_granted:required",
                "outcomes.products:required",
                "outcomes.revenue_yen:required",
                "outcomes.press:required",
                "outcomes.awards:required",
                "narrative:required"
            ]
        );
    }

    #[test]
    fn a_text_measure_counts_by_its_leading_number() {
        let text = |s: &str| numeric_value(&Measure::Text(s.into()));
        assert_eq!(text("30社"), Some(30.0));
        assert_eq!(text("1,200人"), Some(1200.0));
        assert_eq!(text("１，２００人"), Some(1200.0), "full-width digits");
        assert_eq!(text("-3.5%"), Some(-3.5));
        assert_eq!(text("12.5億円"), Some(12.5));
        assert_eq!(text("3."), Some(3.0));
        assert_eq!(text("約30社"), None);
        assert_eq!(text("高い"), None);
        assert_eq!(text("-"), None);
        assert_eq!(numeric_value(&Measure::Number(42.0)), Some(42.0));
    }

    #[test]
    fn the_expected_value_runs_straight_from_baseline_to_target() {
        // 0 in FY2026 to 300 in FY2030: 75 a year.
        assert_eq!(expected_value(0.0, 300.0, 2026, 2030, 2026), 0.0);
        assert_eq!(expected_value(0.0, 300.0, 2026, 2030, 2027), 75.0);
        assert_eq!(expected_value(0.0, 300.0, 2026, 2030, 2029), 225.0);
        assert_eq!(expected_value(0.0, 300.0, 2026, 2030, 2030), 300.0);
        assert_eq!(expected_value(0.0, 300.0, 2026, 2030, 2033), 300.0, "held at the target after its year");
        assert_eq!(expected_value(0.0, 300.0, 2026, 2030, 2025), 0.0);
        // Falling: CO2 from 1000 t to 600 t by FY2028, i.e. 200 t less a year.
        assert_eq!(expected_value(1000.0, 600.0, 2026, 2028, 2027), 800.0);
        assert_eq!(expected_value(5.0, 9.0, 2026, 2026, 2026), 9.0, "a target in the call's own year");
    }

    #[test]
    fn on_track_means_at_least_as_far_along_in_either_direction() {
        assert!(on_track(0.0, 300.0, 75.0, 75.0));
        assert!(on_track(0.0, 300.0, 75.0, 90.0));
        assert!(!on_track(0.0, 300.0, 75.0, 60.0));
        assert!(on_track(1000.0, 600.0, 800.0, 780.0), "emissions fell further than the line");
        assert!(!on_track(1000.0, 600.0, 800.0, 850.0));
        assert!(on_track(0.1, 0.7, 0.1 + 0.2, 0.3), "rounding of the line does not count against");
        assert!(on_track(50.0, 50.0, 50.0, 50.0));
    }

    #[test]
    fn progress_needs_numbers_for_the_line_and_the_actual() {
        let baseline = Measure::Text("10社".into());
        let target = Measure::Number(50.0);
        let line = KpiLine { baseline: Some(&baseline), target: Some(&target), target_fiscal_year: Some(2030), call_fiscal_year: 2026 };
        assert_eq!(line.progress(2028, Some(&Measure::Text("32社".into()))), KpiProgress { expected: Some(30.0), on_track: Some(true) });
        assert_eq!(line.progress(2028, Some(&Measure::Number(29.0))), KpiProgress { expected: Some(30.0), on_track: Some(false) });
        assert_eq!(line.progress(2028, Some(&Measure::Text("多数".into()))), KpiProgress { expected: Some(30.0), on_track: None });
        let vague = Measure::Text("多数".into());
        let no_line = KpiLine { target: Some(&vague), ..line };
        assert_eq!(no_line.progress(2028, Some(&Measure::Number(40.0))), KpiProgress { expected: None, on_track: None });
    }
}
