//! Attachments: PDFs uploaded to a draft, stored with their SHA-256 and served back byte for
//! byte to whoever may read the proposal. Receiving and streaming the bytes is the HTTP side's.

use std::path::{Path, PathBuf};

use crate::app::access::{load, lock};
use crate::app::{Event, Subject, Tx};
use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult};
use crate::repo::new_id;
use crate::repo::proposals::{self, AttachmentRow};

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
    load(tx.conn, id, user)?.require_editable(tx.now)
}

/// Records a received file and moves it under `root`.
pub fn upload_attachment(tx: &mut Tx<'_>, user: &CurrentUser, id: &str, received: &Received, root: &Path) -> ApiResult<Attachment> {
    lock(tx.conn, id, user)?.require_editable(tx.now)?;
    let attachment_id = new_id();
    proposals::insert_attachment(tx.conn, (&attachment_id, id, &received.filename, received.size, &received.sha256, &user.id), tx.now)?;
    tx.audit(
        Subject::proposal(id),
        Event::AttachmentUploaded {
            attachment_id: attachment_id.clone(),
            filename: received.filename.clone(),
            size: received.size,
            sha256: received.sha256.clone(),
        },
    )?;
    // Moved into place inside the transaction: if this fails, no row points at nothing.
    std::fs::rename(&received.temp, stored_path(root, id, &attachment_id)).map_err(ApiError::internal)?;
    let row = proposals::find_attachment(tx.conn, id, &attachment_id)?.ok_or_else(|| ApiError::internal("attachment vanished"))?;
    Ok(Attachment::from(&row))
}

/// The attachment's row, for a caller who may read the proposal.
pub fn download_attachment(tx: &mut Tx<'_>, user: &CurrentUser, id: &str, attachment_id: &str) -> ApiResult<AttachmentRow> {
    load(tx.conn, id, user)?;
    proposals::find_attachment(tx.conn, id, attachment_id)?.ok_or_else(|| ApiError::not_found("attachment"))
}
