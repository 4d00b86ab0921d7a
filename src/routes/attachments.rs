//! Attachments: PDFs uploaded to a draft, checked by content, stored with their SHA-256 and
//! served back byte for byte to whoever may read the proposal.

use actix_multipart::Multipart;
use actix_web::http::header;
use actix_web::{HttpResponse, delete, get, post, web};
use tokio::io::AsyncReadExt as _;

use crate::app::proposals::attachments::stored_path;
use crate::app::proposals::{self as app, Attachment};
use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult, Problem};
use crate::repo::audit::Actor;
use crate::state::AppState;
use crate::upload::receive;

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
    let (received, mut guard, _) = receive(multipart, &root.join(id.as_str()), limit).await?;
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

/// Remove an attachment from a draft: only the lead applicant, only while the proposal can be
/// edited, as for an upload. Attachments are part of the endorsed content: the removal makes a
/// new version and voids the endorsements.
#[utoipa::path(
    tag = "proposals",
    security(("bearer" = [])),
    params(("id" = String, Path), ("aid" = String, Path)),
    responses(
        (status = 204, description = "Removed"),
        (status = 409, description = "`call_not_open` or `invalid_state` (not a draft)", body = Problem),
        (status = 403, description = "Not the lead prefecture's officer", body = Problem),
        (status = 404, body = Problem),
    )
)]
#[delete("/proposals/{id}/attachments/{aid}")]
pub async fn remove_attachment(state: web::Data<AppState>, user: CurrentUser, path: web::Path<(String, String)>) -> ApiResult<HttpResponse> {
    let (id, aid) = path.into_inner();
    let removed = state.write(Actor::user(&user), move |tx| app::remove_attachment(tx, &user, &id, &aid)).await?;
    app::discard_file(&state.settings.storage.attachments_dir, &removed);
    Ok(HttpResponse::NoContent().finish())
}

/// RFC 8187 encoding of a filename for `filename*`.
fn percent_encode(name: &str) -> String {
    name.bytes()
        .map(|b| if b.is_ascii_alphanumeric() || b"-._~".contains(&b) { (b as char).to_string() } else { format!("%{b:02X}") })
        .collect()
}
