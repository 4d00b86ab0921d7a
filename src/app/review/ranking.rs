//! The ranking of a call's reviewed proposals, as JSON or as a spreadsheet.

use std::collections::HashMap;

use crate::app::Tx;
use crate::db::DbConn;
use crate::domain::proposal::ProposalStatus;
use crate::domain::review::ReviewStage;
use crate::domain::scoring::{self, SubmittedReview};
use crate::error::{ApiError, ApiResult};
use crate::repo::assignments;
use crate::repo::calls::{self, CallRow};
use crate::repo::proposals::{self, ProposalRow};

use super::view::RankedProposal;

/// Four decimals: enough to tell proposals apart, without binary-fraction noise.
pub fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

/// The reviewed proposals of a call with their submitted reviews, in the shape the scoring
/// rules take: two queries whatever the size of the call.
fn scored_call(conn: &mut DbConn, call: &CallRow, stage: ReviewStage) -> ApiResult<(Vec<ProposalRow>, Vec<SubmittedReview>)> {
    let proposals: Vec<ProposalRow> = proposals::in_call_with_status(conn, &call.id, &ProposalStatus::SUBMITTED_ONCE)?
        .into_iter()
        .filter(|p| stage == ReviewStage::Document || p.shortlisted == Some(true))
        .collect();
    let index: HashMap<&str, usize> = proposals.iter().enumerate().map(|(i, p)| (p.id.as_str(), i)).collect();
    let mut reviewers: HashMap<String, usize> = HashMap::new();
    let mut reviews = Vec::new();
    for (assignment, review) in assignments::submitted_reviews_of_call(conn, &call.id)? {
        if assignment.stage != stage {
            continue;
        }
        let Some(&proposal) = index.get(assignment.proposal_id.as_str()) else { continue };
        let next = reviewers.len();
        let reviewer = *reviewers.entry(assignment.reviewer_id.clone()).or_insert(next);
        reviews.push(SubmittedReview { proposal, reviewer, grades: review.content()?.grades });
    }
    Ok((proposals, reviews))
}

/// The stage whose ranking decides: the hearing's once a two-stage call has its shortlist.
pub fn deciding_stage(call: &CallRow) -> ReviewStage {
    if call.hearing_started_at.is_some() { ReviewStage::Hearing } else { ReviewStage::Document }
}

/// The call's reviewed proposals ranked by the deciding stage's scores, best first.
pub fn ranked(conn: &mut DbConn, call: &CallRow) -> ApiResult<Vec<RankedProposal>> {
    ranked_in(conn, call, deciding_stage(call))
}

/// The proposals a stage reviewed, ranked by that stage's scores, best first.
pub fn ranked_in(conn: &mut DbConn, call: &CallRow, stage: ReviewStage) -> ApiResult<Vec<RankedProposal>> {
    let criteria = call.criteria()?;
    let (proposals, reviews) = scored_call(conn, call, stage)?;
    let standings = scoring::rank(&criteria, proposals.len(), &reviews);
    Ok(standings
        .into_iter()
        .map(|s| {
            let p = &proposals[s.proposal];
            let content = p.content()?;
            Ok(RankedProposal {
                proposal_id: p.id.clone(),
                receipt_number: p.receipt_number.clone(),
                title: content.title,
                lead_prefecture_code: p.lead_prefecture_code.to_string(),
                requested_amount_yen: content.requested_amount_yen.map(|y| y.get()),
                rank: s.rank,
                score: s.score.map(round4),
                calibrated_score: s.calibrated_score.map(round4),
                reviews: s.reviews,
                spread: s.spread.map(round4),
                criteria: s.criteria.into_iter().map(|(k, v)| (k, round4(v))).collect(),
                grades: s.grades,
            })
        })
        .collect::<Result<_, crate::repo::CorruptRow>>()?)
}

/// A call's ranking with what a spreadsheet of it needs besides.
pub struct CallRanking {
    pub call_id: String,
    pub stage: ReviewStage,
    /// The call's criterion codes, one column each.
    pub criteria: Vec<String>,
    pub items: Vec<RankedProposal>,
}

/// The ranking of a call (program officers), of the given stage or else the deciding one.
pub fn of_call(tx: &mut Tx<'_>, call_id: &str, stage: Option<ReviewStage>) -> ApiResult<CallRanking> {
    let call = calls::find(tx.conn, call_id)?.ok_or_else(|| ApiError::not_found("call"))?;
    let stage = stage.unwrap_or_else(|| deciding_stage(&call));
    let items = ranked_in(tx.conn, &call, stage)?;
    let criteria = call.criteria()?.into_iter().map(|c| c.code).collect();
    Ok(CallRanking { call_id: call.id, stage, criteria, items })
}

fn number(x: Option<f64>) -> String {
    x.map(|v| format!("{v:.4}")).unwrap_or_default()
}

/// A cell as a spreadsheet will not run it: text an applicant wrote (a title such as
/// `=HYPERLINK(…)`) would otherwise be a formula in the officer's Excel. A leading `'` makes
/// Excel and LibreOffice show the text as text; TAB and CR count because Excel strips them
/// before looking for `=`.
pub fn spreadsheet_cell(text: &str) -> std::borrow::Cow<'_, str> {
    match text.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{text}").into(),
        _ => text.into(),
    }
}

/// Tells Excel the file is UTF-8: without it Japanese Excel reads the titles as Shift_JIS.
pub const UTF8_BOM: &[u8] = "\u{FEFF}".as_bytes();

impl CallRanking {
    /// The ranking as CSV: one row per proposal, one column per criterion, then the grade counts.
    pub fn to_csv(&self) -> ApiResult<Vec<u8>> {
        let codes = &self.criteria;
        let mut w = csv::Writer::from_writer(UTF8_BOM.to_vec());
        let mut header: Vec<String> = ["rank", "proposal_id", "receipt_number", "lead_prefecture_code", "title", "requested_amount_yen", "score", "calibrated_score", "reviews", "spread"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        header.extend(codes.iter().map(|c| format!("criterion:{c}")));
        header.extend(["S", "A", "B", "C"].iter().map(|s| s.to_string()));
        w.write_record(&header).map_err(ApiError::internal)?;
        for item in &self.items {
            let mut record = vec![
                item.rank.to_string(),
                item.proposal_id.clone(),
                item.receipt_number.clone().unwrap_or_default(),
                item.lead_prefecture_code.clone(),
                item.title.clone().unwrap_or_default(),
                item.requested_amount_yen.map(|y| y.to_string()).unwrap_or_default(),
                number(item.score),
                number(item.calibrated_score),
                item.reviews.to_string(),
                number(item.spread),
            ];
            record.extend(codes.iter().map(|c| number(item.criteria.get(c).copied())));
            record.extend([item.grades.s, item.grades.a, item.grades.b, item.grades.c].iter().map(u32::to_string));
            w.write_record(record.iter().map(|cell| spreadsheet_cell(cell).into_owned())).map_err(ApiError::internal)?;
        }
        w.into_inner().map_err(ApiError::internal)
    }
}

#[cfg(test)]
mod tests {
    use super::spreadsheet_cell;

    #[test]
    fn cells_that_a_spreadsheet_would_run_are_quoted_as_text() {
        for risky in ["=HYPERLINK(\"http://x\",\"x\")", "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"] {
            assert_eq!(spreadsheet_cell(risky), format!("'{risky}"));
        }
        for plain in ["", "地域拠点 = 研究", "1,000", "R8-LAB-01-0001", "3.7500", "'quoted"] {
            assert_eq!(spreadsheet_cell(plain), plain);
        }
    }
}
