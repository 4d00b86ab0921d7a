//! Attachments: PDFs uploaded to a draft, checked by content, stored with their SHA-256 and
//! served back byte for byte to whoever may read the proposal.

use std::path::{Path, PathBuf};

use actix_multipart::Multipart;
use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, get, post, web};
use futures_util::StreamExt as _;
use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

use crate::auth::CurrentUser;
use crate::auth::tokens::hex;
use crate::domain::attachment::{EncryptionProbe, PROBE_BYTES, looks_like_pdf, safe_filename};
use crate::error::{ApiError, ApiResult, Problem};
use crate::app::proposals::attachments::{Received, stored_path};
use crate::app::proposals::{self as app, Attachment};
use crate::repo::audit::Actor;
use crate::repo::new_id;
use crate::state::AppState;

/// Removes a half-written upload whatever happens.
struct TempFile(Option<PathBuf>);

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
async fn receive(mut multipart: Multipart, dir: &Path, limit: usize) -> ApiResult<(Received, TempFile)> {
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
            while let Some(chunk) = field.next().await {
                chunk.map_err(|e| ApiError::bad_request("malformed_multipart", e.to_string()))?;
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
        return Ok((received, guard));
    }
    Err(ApiError::field("file", "required", "send the PDF in the multipart field `file`"))
}

/// Upload a PDF to a draft (multipart/form-data, field `file`). The content is checked, not the
/// name: anything but a PDF is refused with 415, an encrypted PDF with 422. Attachments are
/// part of the endorsed content: an upload makes a new version and voids the endorsements.
#[utoipa::path(
    tag = "proposals",
    security(("bearer" = [])),
    params(("id" = String, Path)),
    request_body(content_type = "multipart/form-data", content = Object, description = "Field `file`: the PDF"),
    responses(
        (status = 201, body = Attachment),
        (status = 413, description = "Larger than the configured limit", body = Problem),
        (status = 415, description = "Not a PDF (`unsupported_media_type`)", body = Problem),
        (status = 422, description = "An encrypted PDF (`file`: `encrypted_pdf`)", body = Problem),
        (status = 409, description = "`call_not_open`, `invalid_state`, or `too_many_attachments` (at most 20 per proposal)", body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem),
    )
)]
#[post("/proposals/{id}/attachments")]
pub async fn upload_attachment(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<String>,
    multipart: Multipart,
) -> ApiResult<HttpResponse> {
    // Refuse before reading the upload when the caller may not upload at all.
    {
        let (id, user) = (id.clone(), user.clone());
        state.read(Actor::user(&user), move |tx| app::may_upload(tx, &user, &id)).await?;
    }
    let root = state.settings.storage.attachments_dir.clone();
    let limit = state.settings.storage.max_attachment_bytes;
    let (received, mut guard) = receive(multipart, &root.join(id.as_str()), limit).await?;
    let proposal_id = id.clone();
    let attachment = state
        .write(Actor::user(&user), move |tx| app::upload_attachment(tx, &user, &id, &received, &root))
        .await?;
    guard.0 = None;
    let location = format!("/proposals/{proposal_id}/attachments/{}", attachment.id);
    Ok(crate::routes::created_at(HttpResponse::Created().json(attachment), &location))
}

/// The bytes of a PDF, for the OpenAPI document.
struct PdfFile;

impl utoipa::PartialSchema for PdfFile {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
        ObjectBuilder::new().schema_type(Type::String).format(Some(SchemaFormat::KnownFormat(KnownFormat::Binary))).into()
    }
}

impl utoipa::ToSchema for PdfFile {}

/// Download an attachment: exactly the bytes uploaded.
#[utoipa::path(
    tag = "proposals",
    security(("bearer" = [])),
    params(("id" = String, Path), ("aid" = String, Path)),
    responses((status = 200, description = "The PDF", content_type = "application/pdf", body = PdfFile), (status = 404, body = Problem))
)]
#[get("/proposals/{id}/attachments/{aid}")]
pub async fn download_attachment(state: web::Data<AppState>, user: CurrentUser, path: web::Path<(String, String)>) -> ApiResult<HttpResponse> {
    let (id, aid) = path.into_inner();
    let (proposal_id, attachment_id) = (id.clone(), aid.clone());
    let row = state
        .read(Actor::user(&user), move |tx| app::download_attachment(tx, &user, &proposal_id, &attachment_id))
        .await?;
    let path = stored_path(&state.settings.storage.attachments_dir, &id, &aid);
    let file = tokio::fs::File::open(&path).await.map_err(|e| ApiError::internal(format!("{}: {e}", path.display())))?;
    let stream = futures_util::stream::unfold(file, |mut file| async move {
        let mut buf = vec![0u8; 64 * 1024];
        match file.read(&mut buf).await {
            Ok(0) => None,
            Ok(n) => {
                buf.truncate(n);
                Some((Ok::<_, std::io::Error>(web::Bytes::from(buf)), file))
            }
            Err(e) => Some((Err(e), file)),
        }
    });
    let disposition = format!(
        "attachment; filename=\"{}\"; filename*=UTF-8''{}",
        // The plain fallback is a quoted string: a quote or backslash in the name would end or
        // escape it, so they become `_` like every non-ASCII character.
        row.filename.chars().map(|c| if (c.is_ascii_graphic() || c == ' ') && c != '"' && c != '\\' { c } else { '_' }).collect::<String>(),
        percent_encode(&row.filename)
    );
    Ok(HttpResponse::Ok()
        .content_type("application/pdf")
        .insert_header((header::CONTENT_DISPOSITION, disposition))
        .insert_header((header::ETAG, format!("\"{}\"", row.sha256)))
        .insert_header(("X-Content-SHA256", row.sha256.clone()))
        .no_chunking(u64::try_from(row.size).unwrap_or(0))
        .streaming(stream))
}

/// RFC 8187 encoding of a filename for `filename*`.
fn percent_encode(name: &str) -> String {
    name.bytes()
        .map(|b| if b.is_ascii_alphanumeric() || b"-._~".contains(&b) { (b as char).to_string() } else { format!("%{b:02X}") })
        .collect()
}
