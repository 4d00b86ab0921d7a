//! Attachments: PDFs uploaded to a draft, stored with their SHA-256 and served back byte for
//! byte to whoever may read the proposal. Receiving and streaming the bytes is the HTTP side's.

use std::path::{Path, PathBuf};

use crate::app::access::{Loaded, load, lock};
use crate::app::{Event, Subject, Tx};
use crate::auth::CurrentUser;
use crate::domain::attachment;
use crate::error::{ApiError, ApiResult};
use crate::repo::new_id;
use crate::repo::attachments::{self, AttachmentRow};
use crate::repo::proposals;

use super::view::Attachment;

/// Where an attachment's bytes live: one folder per proposal under the configured directory.
pub fn stored_path(root: &Path, proposal_id: &str, attachment_id: &str) -> PathBuf {
    root.join(proposal_id).join(format!("{attachment_id}.pdf"))
}

/// A file received in full, checked, waiting in `temp` to be moved into place.
pub struct Received {
    pub temp: PathBuf,
    pub filename: String,
    pub size: i64,
    pub sha256: String,
}

/// Whether the caller may upload to the proposal at all, asked before reading an upload.
pub fn may_upload(tx: &mut Tx<'_>, user: &CurrentUser, id: &str) -> ApiResult<()> {
    load(tx.conn, id, user)?.require_editable(tx.now)?;
    require_room(tx, id)
}

fn require_room(tx: &mut Tx<'_>, id: &str) -> ApiResult<()> {
    if attachments::refs(tx.conn, id)?.len() < attachment::MAX_PER_PROPOSAL {
        Ok(())
    } else {
        Err(ApiError::conflict("too_many_attachments", format!("a proposal carries at most {} attachments", attachment::MAX_PER_PROPOSAL))
            .with("max_attachments", attachment::MAX_PER_PROPOSAL))
    }
}

/// Records a received file and moves it under `root`. The attachments are part of what the
/// signatories endorse: the proposal is resealed, a new version, and its endorsements void.
pub fn upload_attachment(tx: &mut Tx<'_>, user: &CurrentUser, id: &str, received: &Received, root: &Path) -> ApiResult<Attachment> {
    let loaded = lock(tx.conn, id, user)?;
    loaded.require_editable(tx.now)?;
    require_room(tx, id)?;
    let attachment_id = new_id();
    attachments::insert(tx.conn, (&attachment_id, id, &received.filename, received.size, &received.sha256, &user.id), tx.now)?;
    reseal(tx, &loaded)?;
    let (endorsements_voided, endorsement_links_voided) = super::void_endorsements(tx, &loaded)?;
    tx.audit(
        Subject::proposal(id),
        Event::AttachmentUploaded {
            attachment_id: attachment_id.clone(),
            filename: received.filename.clone(),
            size: received.size,
            sha256: received.sha256.clone(),
            endorsements_voided,
            endorsement_links_voided,
        },
    )?;
    // Moved into place inside the transaction: if this fails, no row points at nothing.
    std::fs::rename(&received.temp, stored_path(root, id, &attachment_id)).map_err(ApiError::internal)?;
    let row = attachments::find(tx.conn, id, &attachment_id)?.ok_or_else(|| ApiError::internal("attachment vanished"))?;
    Ok(Attachment::from(&row))
}

/// Seals the unchanged content with the attachments as they now are: a new version.
fn reseal(tx: &mut Tx<'_>, loaded: &Loaded) -> ApiResult<()> {
    let files = attachments::refs(tx.conn, &loaded.row.id)?;
    match proposals::update_content(tx.conn, &loaded.row, &loaded.row.content()?, &files, tx.now)? {
        Some(_) => Ok(()),
        None => Err(ApiError::version_conflict()),
    }
}

/// Removes an attachment from a draft, under the same rules as an upload. The seal covers the
/// attachments, so the proposal is resealed, a new version, and its endorsements void. The
/// bytes stay until the transaction has committed: the caller then discards them with
/// `discard_file`, so a rolled-back removal never leaves a row pointing at nothing.
pub fn remove_attachment(tx: &mut Tx<'_>, user: &CurrentUser, id: &str, attachment_id: &str) -> ApiResult<AttachmentRow> {
    let loaded = lock(tx.conn, id, user)?;
    loaded.require_editable(tx.now)?;
    let row = attachments::find(tx.conn, id, attachment_id)?.ok_or_else(|| ApiError::not_found("attachment"))?;
    if !attachments::delete(tx.conn, id, attachment_id)? {
        return Err(ApiError::not_found("attachment"));
    }
    reseal(tx, &loaded)?;
    let (endorsements_voided, endorsement_links_voided) = super::void_endorsements(tx, &loaded)?;
    tx.audit(
        Subject::proposal(id),
        Event::AttachmentRemoved {
            attachment_id: row.id.clone(),
            filename: row.filename.clone(),
            sha256: row.sha256.clone(),
            endorsements_voided,
            endorsement_links_voided,
        },
    )?;
    Ok(row)
}

/// Deletes a removed attachment's bytes, after the removal committed. A file left behind by a
/// failure here is only unreachable, never served: the row is gone.
pub fn discard_file(root: &Path, removed: &AttachmentRow) {
    let path = stored_path(root, &removed.proposal_id, &removed.id);
    if let Err(e) = std::fs::remove_file(&path) {
        tracing::warn!(error = %e, path = %path.display(), "a removed attachment's file stayed on disk");
    }
}

/// The attachment's row, for a caller who may read the proposal.
pub fn download_attachment(tx: &mut Tx<'_>, user: &CurrentUser, id: &str, attachment_id: &str) -> ApiResult<AttachmentRow> {
    load(tx.conn, id, user)?;
    attachments::find(tx.conn, id, attachment_id)?.ok_or_else(|| ApiError::not_found("attachment"))
}
