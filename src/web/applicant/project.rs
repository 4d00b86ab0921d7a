//! The lead (or partner) prefecture's view of a project: the page the grant email links to,
//! with the year's progress reports and the call's evaluation rounds, where the lead
//! prefecture writes its self-evaluations.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};

use crate::app::evaluations::self_evaluations::{self, WriteSelfEvaluation};
use crate::repo::audit::Actor;
use crate::state::AppState;
use crate::web::{or_return, posted_by};

use super::{applicant, applicant_or_return};
use crate::web::account::page_or_error;
use crate::web::project_progress::{RT, project_page};
use crate::web::{Form, error_page, render, see_other};

#[derive(serde::Deserialize)]
pub struct Done {
    done: Option<String>,
}

pub async fn show(req: HttpRequest, state: web::Data<AppState>, path: web::Path<String>, query: web::Query<Done>) -> HttpResponse {
    let page = page_or_error!(req, state);
    // A program officer following the same link lands on the officer's page of the project.
    if page.user_with(crate::domain::user::Role::Admin).is_some() {
        return see_other(&page, &format!("/admin/projects/{}", path.into_inner()));
    }
    let user = applicant_or_return!(page, req);
    match project_page(&page, &state, &user, &path, false).await {
        Ok(mut shown) => {
            shown.notice = (query.done.as_deref() == Some("self_evaluation")).then_some(shown.rt.self_saved);
            render(&page, StatusCode::OK, &shown)
        }
        Err(e) => error_page(&page, &e),
    }
}

/// Saves the lead prefecture's self-evaluation for a round; a refusal comes back on the
/// project page with what was typed kept.
pub async fn write_self_evaluation(req: HttpRequest, state: web::Data<AppState>, path: web::Path<(String, String)>, form: Form) -> HttpResponse {
    let (page, user, f) = or_return!(posted_by(&req, &state, form, applicant).await);
    let (id, evaluation_id) = path.into_inner();
    let (writer, project_id, round_id, text) = (user.clone(), id.clone(), evaluation_id.clone(), f.text("text"));
    let input = WriteSelfEvaluation { text };
    match state.write(Actor::user(&user), move |tx| self_evaluations::write(tx, &writer, &round_id, &project_id, input)).await {
        Ok(_) => see_other(&page, &format!("/projects/{id}?done=self_evaluation#round-{evaluation_id}")),
        Err(e) if e.status.is_client_error() && e.status != StatusCode::NOT_FOUND && e.status != StatusCode::FORBIDDEN => {
            match project_page(&page, &state, &user, &id, false).await {
                Ok(mut shown) => {
                    shown.progress.refused(RT::of(page.lang), &evaluation_id, f.text("text"), &e);
                    render(&page, e.status, &shown)
                }
                Err(_) => error_page(&page, &e),
            }
        }
        Err(e) => error_page(&page, &e),
    }
}
