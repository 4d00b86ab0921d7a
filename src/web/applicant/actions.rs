//! What the applicant does to a proposal besides editing it: partners, endorsements,
//! attachments, submission (with its confirmation and receipt), unsubmitting and withdrawing.

use std::collections::BTreeMap;

use actix_multipart::Multipart;
use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use crate::app::Tx;
use crate::app::proposals::endorsements::LinkSettings;
use crate::app::proposals::partners::partner_code;
use crate::app::proposals::{self, attachments::stored_path};
use crate::auth::CurrentUser;
use crate::auth::tokens::random_token;
use crate::error::{ApiError, ApiResult};
use crate::repo::audit::Actor;
use crate::state::AppState;
use crate::web::{or_return, posted_by};
use crate::web::account::page_or_error;
use crate::web::present::{DocSource, ProposalDoc, proposal_doc};
use crate::web::{Chrome, Fields, Form, Page, csrf_refused, error_page, fields, message, render, see_other};

use super::text::{T, checklist_line};
use super::{Workspace, applicant, applicant_or_return, workspace};

/// Runs an applicant's action from a posted form, then goes back to the proposal with `done`.
async fn act<V: Send + 'static>(
    req: HttpRequest,
    state: &AppState,
    form: Form,
    done: &str,
    action: impl FnOnce(&mut Tx<'_>, &CurrentUser, &Fields) -> ApiResult<V> + Send + 'static,
) -> HttpResponse {
    let (page, user, f) = or_return!(posted_by(&req, &state, form, applicant).await);
    let id = req.match_info().get("id").unwrap_or_default().to_string();
    match state.write(Actor::user(&user), move |tx| action(tx, &user, &f)).await {
        Ok(_) => see_other(&page, &format!("/proposals/{id}?done={done}")),
        Err(e) => error_page(&page, &e),
    }
}

pub async fn confirm_partner(req: HttpRequest, state: web::Data<AppState>, path: web::Path<(String, String)>, form: Form) -> HttpResponse {
    let (id, code) = path.into_inner();
    act(req, &state, form, "confirmed", move |tx, user, _| proposals::confirm_partner(tx, user, &id, partner_code(&code)?)).await
}

pub async fn withdraw_partner(req: HttpRequest, state: web::Data<AppState>, path: web::Path<(String, String)>, form: Form) -> HttpResponse {
    let (id, code) = path.into_inner();
    act(req, &state, form, "withdrawn_partner", move |tx, user, _| proposals::withdraw_confirmation(tx, user, &id, partner_code(&code)?)).await
}

pub async fn request_endorsements(req: HttpRequest, state: web::Data<AppState>, path: web::Path<String>, form: Form) -> HttpResponse {
    let (id, settings) = (path.into_inner(), LinkSettings::configured(&state.settings, state.links.clone()));
    act(req, &state, form, "requested", move |tx, user, _| proposals::request_endorsements(tx, user, &id, &settings)).await
}

pub async fn remove(req: HttpRequest, state: web::Data<AppState>, path: web::Path<(String, String)>, form: Form) -> HttpResponse {
    let page = page_or_error!(req, state);
    let user = applicant_or_return!(page, req);
    if !page.csrf_ok(fields(form).get("csrf")) {
        return csrf_refused(&page);
    }
    let (id, aid) = path.into_inner();
    let (writer, proposal_id) = (user.clone(), id.clone());
    match state.write(Actor::user(&user), move |tx| proposals::remove_attachment(tx, &writer, &proposal_id, &aid)).await {
        Ok(removed) => {
            proposals::discard_file(&state.settings.storage.attachments_dir, &removed);
            see_other(&page, &format!("/proposals/{id}?done=removed#attachments"))
        }
        Err(e) => error_page(&page, &e),
    }
}

/// Uploads a PDF from the form (multipart, with the CSRF token beside the file).
pub async fn upload(req: HttpRequest, state: web::Data<AppState>, path: web::Path<String>, multipart: Multipart) -> HttpResponse {
    let page = page_or_error!(req, state);
    let user = applicant_or_return!(page, req);
    let id = path.into_inner();
    let root = state.settings.storage.attachments_dir.clone();
    let (received, mut guard, others) = match crate::upload::receive(multipart, &root.join(&id), state.settings.storage.max_attachment_bytes).await {
        Ok(r) => r,
        Err(e) if e.status == StatusCode::UNSUPPORTED_MEDIA_TYPE => {
            let t = T::of(page.lang);
            return message(&page, e.status, page.m().refused_title, t.not_a_pdf, Some(back(&page, &id)));
        }
        Err(e) => return error_page(&page, &e),
    };
    if !page.csrf_ok(others.iter().find(|(k, _)| k == "csrf").map(|(_, v)| v.as_str())) {
        return csrf_refused(&page);
    }
    let (writer, proposal_id) = (user.clone(), id.clone());
    match state.write(Actor::user(&user), move |tx| proposals::upload_attachment(tx, &writer, &proposal_id, &received, &root)).await {
        Ok(_) => {
            guard.0 = None;
            see_other(&page, &format!("/proposals/{id}?done=uploaded#attachments"))
        }
        Err(e) => error_page(&page, &e),
    }
}

fn back(page: &Page, id: &str) -> crate::web::Link {
    crate::web::Link { href: format!("/proposals/{id}"), label: page.m().back_to_edit.into() }
}

pub async fn download(req: HttpRequest, state: web::Data<AppState>, path: web::Path<(String, String)>) -> HttpResponse {
    let page = page_or_error!(req, state);
    let user = applicant_or_return!(page, req);
    let (id, aid) = path.into_inner();
    let reader = user.clone();
    let row = match state.read(Actor::user(&user), move |tx| proposals::download_attachment(tx, &reader, &id, &aid)).await {
        Ok(row) => row,
        Err(e) => return error_page(&page, &e),
    };
    match tokio::fs::read(stored_path(&state.settings.storage.attachments_dir, &row.proposal_id, &row.id)).await {
        Ok(bytes) => page.finish(
            HttpResponse::Ok()
                .content_type("application/pdf")
                .insert_header((header::CONTENT_DISPOSITION, format!("attachment; filename*=UTF-8''{}", crate::web::session::encode(&row.filename))))
                .body(bytes),
        ),
        Err(e) => error_page(&page, &ApiError::internal(e)),
    }
}

#[derive(Template)]
#[template(path = "applicant/submit.html", config = "src/web/askama.toml")]
struct SubmitPage {
    c: Chrome,
    t: &'static T,
    id: String,
    key: String,
    ready: bool,
    problems: Vec<String>,
    doc: ProposalDoc,
}

#[derive(Template)]
#[template(path = "applicant/receipt.html", config = "src/web/askama.toml")]
struct ReceiptPage {
    c: Chrome,
    t: &'static T,
    id: String,
    receipt: String,
    submitted_at: String,
    content_hash: String,
    doc: ProposalDoc,
}

fn doc_of(page: &Page, w: &Workspace, content: &crate::domain::proposal::ProposalContent, attachments: &[proposals::Attachment]) -> ProposalDoc {
    let id = w.proposal.id.clone();
    let download = move |aid: &str| format!("/proposals/{id}/attachments/{aid}");
    proposal_doc(
        page.lang,
        DocSource {
            content,
            lead_prefecture_code: &w.proposal.lead_prefecture_code,
            call_title: &w.call.title,
            receipt_number: w.proposal.receipt_number.clone(),
            attachments,
            download: Some(&download),
        },
    )
}

/// What will be submitted, with the checklist, and the button that submits it.
pub async fn confirm_submit(req: HttpRequest, state: web::Data<AppState>, path: web::Path<String>) -> HttpResponse {
    let page = page_or_error!(req, state);
    let user = applicant_or_return!(page, req);
    let w = match workspace(&state, &user, &path).await {
        Ok(w) => w,
        Err(e) => return error_page(&page, &e),
    };
    let doc = doc_of(&page, &w, &w.proposal.content, &w.proposal.attachments);
    let problems = w.checklist.problems.iter().map(|p| checklist_line(page.lang, &BTreeMap::new(), p)).collect();
    // The key makes a double click one submission: the second is answered as a retry.
    let submit = SubmitPage { c: page.chrome(), t: T::of(page.lang), id: w.proposal.id.clone(), key: random_token(), ready: w.checklist.ready, problems, doc };
    render(&page, StatusCode::OK, &submit)
}

pub async fn submit(req: HttpRequest, state: web::Data<AppState>, path: web::Path<String>, form: Form) -> HttpResponse {
    let (page, user, f) = or_return!(posted_by(&req, &state, form, applicant).await);
    let (id, key) = (path.into_inner(), f.filled("key"));
    let (writer, proposal_id) = (user.clone(), id.clone());
    match state.write(Actor::user(&user), move |tx| proposals::submit(tx, &writer, &proposal_id, key.as_deref())).await {
        Ok(_) => see_other(&page, &format!("/proposals/{id}/receipt")),
        Err(e) if e.status == StatusCode::UNPROCESSABLE_ENTITY => see_other(&page, &format!("/proposals/{id}/submit")),
        Err(e) => error_page(&page, &e),
    }
}

/// The receipt: the number, when, and the snapshot that was submitted last.
pub async fn receipt(req: HttpRequest, state: web::Data<AppState>, path: web::Path<String>) -> HttpResponse {
    let page = page_or_error!(req, state);
    let user = applicant_or_return!(page, req);
    let w = match workspace(&state, &user, &path).await {
        Ok(w) => w,
        Err(e) => return error_page(&page, &e),
    };
    let (reader, id) = (user.clone(), path.into_inner());
    let versions = match state.read(Actor::user(&user), move |tx| proposals::list_versions(tx, &reader, &id)).await {
        Ok(v) => v,
        Err(e) => return error_page(&page, &e),
    };
    let Some(last) = versions.last() else { return error_page(&page, &ApiError::not_found("receipt")) };
    let attachments: Vec<proposals::Attachment> = last
        .attachments
        .iter()
        .map(|a| proposals::Attachment { id: a.id.clone(), filename: a.filename.clone(), size: a.size, sha256: a.sha256.clone(), created_at: last.submitted_at })
        .collect();
    let doc = doc_of(&page, &w, &last.content, &attachments);
    let receipt = ReceiptPage {
        c: page.chrome(),
        t: T::of(page.lang),
        id: w.proposal.id.clone(),
        receipt: last.receipt_number.clone(),
        submitted_at: page.lang.date_time(last.submitted_at),
        content_hash: last.content_hash.clone(),
        doc,
    };
    render(&page, StatusCode::OK, &receipt)
}

/// Unsubmitting and withdrawing ask for the box to be ticked first.
async fn confirmed_transition(
    req: HttpRequest,
    state: &AppState,
    form: Form,
    done: &'static str,
    transition: fn(&mut Tx<'_>, &CurrentUser, &str) -> ApiResult<proposals::Proposal>,
) -> HttpResponse {
    let (page, user, f) = or_return!(posted_by(&req, &state, form, applicant).await);
    let id = req.match_info().get("id").unwrap_or_default().to_string();
    if f.get("understood") != Some("yes") {
        let t = T::of(page.lang);
        return message(&page, StatusCode::UNPROCESSABLE_ENTITY, page.m().refused_title, t.tick_to_confirm, Some(back(&page, &id)));
    }
    let (writer, proposal_id) = (user.clone(), id.clone());
    match state.write(Actor::user(&user), move |tx| transition(tx, &writer, &proposal_id)).await {
        Ok(_) => see_other(&page, &format!("/proposals/{id}?done={done}")),
        Err(e) => error_page(&page, &e),
    }
}

pub async fn unsubmit(req: HttpRequest, state: web::Data<AppState>, form: Form) -> HttpResponse {
    confirmed_transition(req, &state, form, "unsubmitted", proposals::unsubmit).await
}

pub async fn withdraw(req: HttpRequest, state: web::Data<AppState>, form: Form) -> HttpResponse {
    confirmed_transition(req, &state, form, "withdrawn", proposals::withdraw).await
}
