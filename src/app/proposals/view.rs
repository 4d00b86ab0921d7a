//! What the API (and the pages) show of a proposal and of what hangs off it.

use std::collections::HashMap;

use chrono::{DateTime, FixedOffset};
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::DbConn;
use crate::domain::attachment::AttachmentRef;
use crate::domain::proposal::content::SignatoryRole;
use crate::domain::proposal::{ProposalContent, ProposalStatus};
use crate::domain::time::Instant;
use crate::domain::validation::FieldError;
use crate::error::{ApiError, ApiResult};
use crate::repo::attachments::{self, AttachmentRow};
use crate::app::access::Readable;
use crate::repo::proposals::{self, PartnerRow, Parts, ProposalRow, VersionRow};

#[derive(Debug, Serialize, ToSchema)]
pub struct Partner {
    #[schema(example = "13")]
    pub prefecture_code: String,
    pub confirmed: bool,
    pub confirmed_at: Option<DateTime<FixedOffset>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Endorsement {
    pub role: SignatoryRole,
    /// When the endorsement covering the current content was given; null if none does.
    pub endorsed_at: Option<DateTime<FixedOffset>>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Attachment {
    pub id: String,
    pub filename: String,
    /// Bytes.
    pub size: i64,
    /// SHA-256 of the file, hex.
    pub sha256: String,
    pub created_at: chrono::DateTime<chrono::FixedOffset>,
}

// `C` is the content: parsed for the pages and lists, left out (`()`) where `ProposalJson`
// writes the stored text in its place.
/// A proposal: its content (the fields of the proposal body) and its state.
#[derive(Debug, Serialize, ToSchema)]
pub struct Proposal<C = ProposalContent> {
    pub id: String,
    pub call_id: String,
    #[schema(example = "14")]
    pub lead_prefecture_code: String,
    pub status: ProposalStatus,
    pub version: i32,
    #[serde(flatten)]
    pub content: C,
    pub partners: Vec<Partner>,
    pub endorsements: Vec<Endorsement>,
    pub attachments: Vec<Attachment>,
    #[schema(example = "R8-LAB-14-0001")]
    pub receipt_number: Option<String>,
    pub submitted_at: Option<DateTime<FixedOffset>>,
    pub created_at: DateTime<FixedOffset>,
    pub updated_at: DateTime<FixedOffset>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SubmittedVersion {
    /// 1 for the first submission, 2 after a resubmission, …
    pub version: i32,
    pub receipt_number: String,
    pub submitted_at: DateTime<FixedOffset>,
    /// SHA-256 sealing the content and the attachments: what the endorsements covered.
    pub content_hash: String,
    pub content: ProposalContent,
    /// The attachments as they were submitted.
    pub attachments: Vec<AttachmentRef>,
}

impl From<&PartnerRow> for Partner {
    fn from(p: &PartnerRow) -> Self {
        Partner { prefecture_code: p.prefecture_code.to_string(), confirmed: p.confirmed_at.is_some(), confirmed_at: p.confirmed_at.map(Instant::shown) }
    }
}

impl From<&AttachmentRow> for Attachment {
    fn from(a: &AttachmentRow) -> Self {
        Attachment { id: a.id.clone(), filename: a.filename.clone(), size: a.size, sha256: a.sha256.clone(), created_at: a.created_at.shown() }
    }
}

impl SubmittedVersion {
    pub fn of(v: VersionRow) -> ApiResult<Self> {
        Ok(SubmittedVersion {
            content: v.content()?,
            attachments: v.attachments()?,
            version: v.version_no,
            receipt_number: v.receipt_number,
            submitted_at: v.submitted_at.shown(),
            content_hash: v.content_hash,
        })
    }
}

fn group<R>(rows: Vec<R>, key: impl Fn(&R) -> &str) -> HashMap<String, Vec<R>> {
    let mut grouped: HashMap<String, Vec<R>> = HashMap::new();
    for row in rows {
        grouped.entry(key(&row).to_string()).or_default().push(row);
    }
    grouped
}

/// A proposal's view from its row and what hangs off it; `parts` may hold endorsements given
/// for other contents, which do not count.
pub fn of<C>(row: &ProposalRow, content: C, parts: Parts) -> Proposal<C> {
    Proposal {
        id: row.id.clone(),
        call_id: row.call_id.clone(),
        lead_prefecture_code: row.lead_prefecture_code.to_string(),
        status: row.status(),
        version: row.version,
        content,
        partners: parts.partners.iter().map(Partner::from).collect(),
        endorsements: SignatoryRole::ALL
            .into_iter()
            .map(|role| Endorsement {
                role,
                endorsed_at: parts.endorsements_of(&row.content_hash).find(|e| e.role == role).map(|e| e.endorsed_at.shown()),
            })
            .collect(),
        attachments: parts.attachments.iter().map(Attachment::from).collect(),
        receipt_number: row.receipt_number.clone(),
        submitted_at: row.submitted_at.map(Instant::shown),
        created_at: row.created_at.shown(),
        updated_at: row.updated_at.shown(),
    }
}

/// A proposal as the API answers one: [`Proposal`] with the content's stored text written in as
/// it is. That text is `ProposalContent`'s canonical serialisation (what endorsements seal),
/// so parsing it only to serialise it again would be a tenth of the work of a read. The body
/// is written by the caller, off the database's thread (on SQLite, off the one writer).
pub struct ProposalJson {
    row: ProposalRow,
    parts: Parts,
}

impl ProposalJson {
    pub fn of(row: ProposalRow, parts: Parts) -> ApiResult<Self> {
        row.content_members()?;
        Ok(ProposalJson { row, parts })
    }

    pub fn version(&self) -> i32 {
        self.row.version
    }

    pub fn body(self) -> ApiResult<Vec<u8>> {
        let ProposalJson { row, parts } = self;
        let members = row.content_members()?;
        let mut body = serde_json::to_vec(&of(&row, (), parts)).map_err(ApiError::internal)?;
        // `{…state…}` + `,` + the content's members + `}`.
        if !members.trim().is_empty() {
            body.pop();
            body.push(b',');
            body.extend_from_slice(members.as_bytes());
            body.push(b'}');
        }
        Ok(body)
    }
}

/// The views of a page of proposals, in the rows' order, from three queries whatever the
/// page size.
pub fn proposals(conn: &mut DbConn, rows: &[ProposalRow]) -> ApiResult<Vec<Proposal>> {
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let hashes: Vec<String> = rows.iter().map(|r| r.content_hash.clone()).collect();
    let mut partners = group(proposals::partners_of(conn, &ids)?, |p| &p.proposal_id);
    let mut endorsements = group(proposals::endorsements_covering(conn, &ids, &hashes)?, |e| &e.proposal_id);
    let mut attachments = group(attachments::of_proposals(conn, &ids)?, |a| &a.proposal_id);
    rows.iter()
        .map(|row| {
            let parts = Parts {
                partners: partners.remove(&row.id).unwrap_or_default(),
                attachments: attachments.remove(&row.id).unwrap_or_default(),
                endorsements: endorsements.remove(&row.id).unwrap_or_default(),
            };
            Ok(of(row, row.content()?, parts))
        })
        .collect()
}

/// The view of a proposal read for a caller, from what that read already holds.
pub fn of_readable(found: Readable) -> ApiResult<Proposal> {
    let content = found.row.content()?;
    Ok(of(&found.row, content, found.parts))
}

/// One proposal's view, as it stands now.
pub fn proposal(conn: &mut DbConn, id: &str) -> ApiResult<Proposal> {
    let row = proposals::find(conn, id)?.ok_or_else(crate::app::access::proposal_not_found)?;
    let parts = proposals::parts(conn, id)?;
    Ok(of(&row, row.content()?, parts))
}

/// What `submit` would say now, without submitting.
#[derive(Debug, Serialize, ToSchema)]
pub struct Checklist {
    /// True when `submit` would succeed now.
    pub ready: bool,
    /// Every reason it would not, as `submit`'s 422 lists them; a refusal of the whole
    /// submission (deadline passed, not a draft, a prefecture taken) is one line with its code.
    pub problems: Vec<FieldError>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EndorsementsRequested {
    /// The roles whose signatories were emailed a new link.
    pub requested: Vec<SignatoryRole>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EndorsementPreview {
    pub role: SignatoryRole,
    pub proposal_id: String,
    pub title: Option<String>,
    pub summary: Option<String>,
    #[schema(example = "14")]
    pub lead_prefecture_code: String,
    pub call_title: String,
    /// SHA-256 of the content being endorsed.
    pub content_hash: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EndorsementRecorded {
    pub role: SignatoryRole,
    pub endorsed_at: DateTime<FixedOffset>,
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};
    use serde_json::{Value, json};

    use super::*;
    use crate::domain::prefecture::PrefectureCode;
    use crate::repo::proposals::EndorsementRow;

    fn row(content: &ProposalContent) -> ProposalRow {
        let at = Instant::from(Utc.with_ymd_and_hms(2026, 12, 1, 9, 30, 0).unwrap());
        let (text, hash) = content.stored();
        ProposalRow {
            id: "p1".into(),
            call_id: "c1".into(),
            lead_prefecture_code: PrefectureCode::new(14).unwrap(),
            status: ProposalStatus::Draft,
            version: 7,
            content: text,
            content_hash: hash,
            receipt_number: None,
            submitted_at: None,
            created_by: "u1".into(),
            created_at: at,
            updated_at: at,
            shortlisted: None,
        }
    }

    fn parts(row: &ProposalRow) -> Parts {
        let endorsement = |hash: &str| EndorsementRow {
            id: format!("e-{hash}"),
            proposal_id: row.id.clone(),
            role: SignatoryRole::Governor,
            content_hash: hash.to_string(),
            signatory_name: None,
            signatory_email: None,
            endorsed_at: row.created_at,
        };
        Parts { endorsements: vec![endorsement(&row.content_hash), endorsement("an older content")], ..Parts::default() }
    }

    #[test]
    fn the_api_answer_is_the_parsed_view_with_the_stored_text_written_in() {
        let patch = json!({
            "title": "しずおか共創ラボ \"Lab\"\n",
            "keywords": ["水素", "𠮷野"],
            "partner_prefecture_codes": ["13"],
            "kpis": [{"name": "企業数", "baseline": 1.5, "target": "30社", "target_fiscal_year": 2030}],
        });
        let content = ProposalContent::default().merged(&patch).unwrap();
        let row = row(&content);
        let answer = ProposalJson::of(row.clone(), parts(&row)).unwrap();
        assert_eq!(answer.version(), 7);
        let sent: Value = serde_json::from_slice(&answer.body().unwrap()).expect("the answer is JSON");
        let view = serde_json::to_value(of(&row, row.content().unwrap(), parts(&row))).unwrap();
        assert_eq!(sent, view);
        assert_eq!(sent["title"], "しずおか共創ラボ \"Lab\"\n");
        assert_eq!(sent["endorsements"][0]["endorsed_at"], "2026-12-01T18:30:00+09:00");
    }

    #[test]
    fn a_stored_content_that_is_not_an_object_is_refused_not_sent() {
        let mut row = row(&ProposalContent::default());
        row.content = "[1]".into();
        assert!(ProposalJson::of(row, Parts::default()).is_err());
    }
}
