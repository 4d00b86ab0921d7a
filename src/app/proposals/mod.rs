//! Proposals (提案): a prefecture drafts, invites partners, collects endorsements and submits
//! before the deadline; program officers and assigned reviewers read.

pub mod attachments;
pub mod drafting;
pub mod endorsements;
pub mod partners;
pub mod submission;
pub mod view;

pub use attachments::{discard_file, download_attachment, may_upload, remove_attachment, upload_attachment};
pub use drafting::{create, get, get_json, list, list_versions, update};
pub use endorsements::{endorse, preview_endorsement, request_endorsements};
pub use partners::{confirm_partner, withdraw_confirmation};
pub use submission::{checklist, submit, unsubmit, withdraw};
pub use view::{Attachment, Checklist, Endorsement, Partner, Proposal, ProposalJson, SubmittedVersion};

use chrono::{DateTime, Utc};

use crate::db::DbConn;
use crate::domain::prefecture::PrefectureCode;
use crate::error::ApiResult;
use crate::repo::proposals::{self, ClaimError};
use crate::app::Tx;
use crate::app::access::{Loaded, prefecture_taken};
use crate::auth::one_time::Purpose;
use crate::repo::tokens;

/// After the sealed content changed from the one `loaded` read: the endorsements of the old content no
/// longer count and every outstanding endorsement link is voided. Returns how many of each.
fn void_endorsements(tx: &mut Tx<'_>, loaded: &Loaded) -> ApiResult<(usize, usize)> {
    let endorsements = loaded.parts.endorsements_of(&loaded.row.content_hash).count();
    let links = tokens::void_for_subject(tx.conn, &loaded.row.id, Purpose::Endorsement, None, tx.now)?;
    Ok((endorsements, links))
}

/// Records that `prefecture` takes part in the proposal; the one-prefecture rule's conflict if
/// another proposal of the call got it first.
fn claim(conn: &mut DbConn, call_id: &str, prefecture: PrefectureCode, proposal_id: &str, role: &str, now: DateTime<Utc>) -> ApiResult<()> {
    proposals::claim(conn, call_id, prefecture, proposal_id, role, now).map_err(|e| match e {
        ClaimError::Taken => prefecture_taken(prefecture),
        ClaimError::Db(e) => e.into(),
    })
}
