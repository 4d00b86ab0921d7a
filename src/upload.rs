//! Receiving an uploaded PDF over HTTP (multipart/form-data, field `file`), for the JSON API and
//! the pages alike: streamed to a temporary file while hashed, then checked by its content.

use std::path::{Path, PathBuf};

use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use futures_util::StreamExt as _;
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt as _;

use crate::app::proposals::attachments::Received;
use crate::auth::tokens::hex;
use crate::domain::attachment::{EncryptionProbe, PROBE_BYTES, looks_like_pdf, safe_filename};
use crate::error::{ApiError, ApiResult};
use crate::repo::new_id;

/// The small fields sent beside the file (a page's CSRF token) are kept, this many at most,
/// each cut at this many bytes: nothing else is needed from them.
const OTHER_FIELDS: usize = 8;
const OTHER_FIELD_BYTES: usize = 1024;

/// Removes a half-written upload whatever happens.
pub struct TempFile(pub Option<PathBuf>);

impl Drop for TempFile {
    fn drop(&mut self) {
        if let Some(p) = self.0.take() {
            let _ = std::fs::remove_file(p);
        }
    }
}

fn unsupported() -> ApiError {
    ApiError::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type", "attachments must be PDF files")
}

fn too_large(limit: usize) -> ApiError {
    ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large", format!("attachments are limited to {limit} bytes"))
}

/// Streams the `file` field to a temporary file, hashing it and keeping its first and last
/// bytes for the PDF check; nothing is kept in memory beyond one chunk.
pub async fn receive(mut multipart: Multipart, dir: &Path, limit: usize) -> ApiResult<(Received, TempFile, Vec<(String, String)>)> {
    let mut others = Vec::new();
    while let Some(field) = multipart.next().await {
        let mut field = field.map_err(|e| match e {
            actix_multipart::MultipartError::ContentTypeMissing
            | actix_multipart::MultipartError::ContentTypeParse
            | actix_multipart::MultipartError::ContentTypeIncompatible => {
                ApiError::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type", "send the file as multipart/form-data in the field `file`")
            }
            other => ApiError::bad_request("malformed_multipart", other.to_string()),
        })?;
        if field.name() != Some("file") {
            let name = field.name().unwrap_or_default().to_string();
            let mut value = Vec::new();
            while let Some(chunk) = field.next().await {
                let chunk = chunk.map_err(|e| ApiError::bad_request("malformed_multipart", e.to_string()))?;
                if value.len() + chunk.len() <= OTHER_FIELD_BYTES {
                    value.extend_from_slice(&chunk);
                }
            }
            if others.len() < OTHER_FIELDS {
                others.push((name, String::from_utf8_lossy(&value).into_owned()));
            }
            continue;
        }
        let filename = safe_filename(field.content_disposition().and_then(|cd| cd.get_filename()));
        tokio::fs::create_dir_all(dir).await.map_err(ApiError::internal)?;
        let temp = dir.join(format!(".upload-{}", new_id()));
        let guard = TempFile(Some(temp.clone()));
        let mut file = tokio::fs::File::create(&temp).await.map_err(ApiError::internal)?;
        let (mut hasher, mut head, mut tail, mut size) = (Sha256::new(), Vec::with_capacity(PROBE_BYTES), Vec::with_capacity(2 * PROBE_BYTES), 0usize);
        let mut encryption = EncryptionProbe::default();
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(|e| ApiError::bad_request("malformed_multipart", e.to_string()))?;
            size += chunk.len();
            if size > limit {
                return Err(too_large(limit));
            }
            hasher.update(&chunk);
            encryption.feed(&chunk);
            if head.len() < PROBE_BYTES {
                head.extend_from_slice(&chunk[..chunk.len().min(PROBE_BYTES - head.len())]);
            }
            tail.extend_from_slice(&chunk);
            if tail.len() > PROBE_BYTES {
                tail.drain(..tail.len() - PROBE_BYTES);
            }
            file.write_all(&chunk).await.map_err(ApiError::internal)?;
        }
        file.sync_all().await.map_err(ApiError::internal)?;
        if !looks_like_pdf(&head, &tail) {
            return Err(unsupported());
        }
        if encryption.encrypted() {
            return Err(ApiError::field("file", "encrypted_pdf", "encrypted (password-protected) PDFs cannot be read by the reviewers; upload it without encryption"));
        }
        let received = Received { temp, filename, size: size as i64, sha256: hex(&hasher.finalize()) };
        return Ok((received, guard, others));
    }
    Err(ApiError::field("file", "required", "send the PDF in the multipart field `file`"))
}


/// A file already in memory (the demo's sample PDF), written to `dir` as an upload would be.
pub fn received_from_bytes(dir: &Path, filename: &str, bytes: &[u8]) -> std::io::Result<Received> {
    std::fs::create_dir_all(dir)?;
    let temp = dir.join(format!(".upload-{}", new_id()));
    std::fs::write(&temp, bytes)?;
    Ok(Received { temp, filename: safe_filename(Some(filename)), size: bytes.len() as i64, sha256: hex(&Sha256::digest(bytes)) })
}
