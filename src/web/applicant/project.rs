//! The lead (or partner) prefecture's view of a project: the page the grant email links to.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};

use crate::app::projects;
use crate::repo::audit::Actor;
use crate::state::AppState;

use super::{applicant, applicant_or_return};
use crate::web::account::page_or_error;
use crate::web::project_view::ProjectPage;
use crate::web::{error_page, render, see_other};

pub async fn show(req: HttpRequest, state: web::Data<AppState>, path: web::Path<String>) -> HttpResponse {
    let page = page_or_error!(req, state);
    // A program officer following the same link lands on the officer's page of the project.
    if page.user_with(crate::domain::user::Role::Admin).is_some() {
        return see_other(&page, &format!("/admin/projects/{}", path.into_inner()));
    }
    let user = applicant_or_return!(page, req);
    let (reader, id) = (user.clone(), path.into_inner());
    match state.read(Actor::user(&user), move |tx| projects::get(tx, &reader, &id)).await {
        Ok(project) => render(&page, StatusCode::OK, &ProjectPage::new(&page, &project, false)),
        Err(e) => error_page(&page, &e),
    }
}
