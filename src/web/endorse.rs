//! The signatory's page: the whole proposal the emailed link asks them to endorse, and one button.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use crate::app::proposals::endorsements::{endorsement_document, token_invalid};
use crate::app::proposals::{endorse as endorse_use_case, preview_endorsement};
use crate::auth::one_time::Purpose;
use crate::repo::audit::Actor;
use crate::state::AppState;

use super::account::page_or_error;
use super::present::{DocSource, ProposalDoc, proposal_doc};
use super::{Chrome, Form, csrf_refused, error_page, fields, render};

#[derive(Template)]
#[template(path = "endorse.html", config = "src/web/askama.toml")]
struct EndorsePage {
    c: Chrome,
    role: &'static str,
    doc: ProposalDoc,
    content_hash: String,
    token: String,
}

#[derive(Template)]
#[template(path = "endorsed.html", config = "src/web/askama.toml")]
struct EndorsedPage {
    c: Chrome,
    title: String,
    call_title: String,
    role: &'static str,
    endorsed_at: String,
    content_hash: String,
}

#[derive(serde::Deserialize)]
pub struct TokenQuery {
    token: Option<String>,
}

pub async fn show(req: HttpRequest, state: web::Data<AppState>, query: web::Query<TokenQuery>) -> HttpResponse {
    let page = page_or_error!(req, state);
    let token = query.into_inner().token.unwrap_or_default();
    let Some(id) = state.links.verify(Purpose::Endorsement, &token) else {
        return error_page(&page, &token_invalid());
    };
    let document = match state.read(Actor::anonymous("signatory", page.ip.clone()), move |tx| endorsement_document(tx, &id)).await {
        Ok(d) => d,
        Err(e) => return error_page(&page, &e),
    };
    let lang = page.lang;
    let preview = &document.preview;
    let doc = proposal_doc(
        lang,
        DocSource {
            content: &document.content,
            lead_prefecture_code: &preview.lead_prefecture_code,
            call_title: &preview.call_title,
            receipt_number: None,
            attachments: &document.attachments,
            download: None,
        },
    );
    let role = lang.pick(preview.role.name_ja(), preview.role.name_en());
    render(&page, StatusCode::OK, &EndorsePage { c: page.chrome(), role, doc, content_hash: preview.content_hash.clone(), token })
}

pub async fn endorse(req: HttpRequest, state: web::Data<AppState>, form: Form) -> HttpResponse {
    let page = page_or_error!(req, state);
    let f = fields(form);
    if !page.csrf_ok(f.get("csrf")) {
        return csrf_refused(&page);
    }
    let Some(id) = state.links.verify(Purpose::Endorsement, &f.text("token")) else {
        return error_page(&page, &token_invalid());
    };
    // What was endorsed is read in the same transaction that records it, so the confirmation
    // names exactly the content the endorsement covers.
    let outcome = state
        .write(Actor::anonymous("signatory", page.ip.clone()), move |tx| {
            let preview = preview_endorsement(tx, &id)?;
            let recorded = endorse_use_case(tx, &id)?;
            Ok((preview, recorded))
        })
        .await;
    let (preview, recorded) = match outcome {
        Ok(done) => done,
        Err(e) => return error_page(&page, &e),
    };
    let lang = page.lang;
    render(
        &page,
        StatusCode::OK,
        &EndorsedPage {
            c: page.chrome(),
            title: preview.title.unwrap_or_default(),
            call_title: preview.call_title,
            role: lang.pick(recorded.role.name_ja(), recorded.role.name_en()),
            endorsed_at: lang.date_time(recorded.endorsed_at),
            content_hash: preview.content_hash,
        },
    )
}
