//! The applicant's result page, once the decisions are published.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use crate::app::decisions::publication;
use crate::app::proposals;
use crate::repo::audit::Actor;
use crate::state::AppState;

use super::account::page_or_error;
use super::{Chrome, error_page, render, to_login};

#[derive(Template)]
#[template(path = "result.html", config = "src/web/askama.toml")]
struct ResultPage {
    c: Chrome,
    title: String,
    receipt_number: Option<String>,
    outcome: &'static str,
    awarded: String,
    conditions: Option<String>,
    feedback: Option<String>,
    score: String,
    reviews: u32,
    criteria: Vec<(String, String)>,
    grades: Vec<(&'static str, u32)>,
}

pub async fn show(req: HttpRequest, state: web::Data<AppState>, path: web::Path<String>) -> HttpResponse {
    let page = page_or_error!(req, state);
    let Some(user) = page.user.clone() else {
        return to_login(&page, &req);
    };
    let id = path.into_inner();
    let found = state
        .read(Actor::user(&user), move |tx| {
            let result = publication::result(tx, &user, &id)?;
            let proposal = proposals::get(tx, &user, &id)?;
            Ok((result, proposal))
        })
        .await;
    let (result, proposal) = match found {
        Ok(found) => found,
        Err(e) => return error_page(&page, &e),
    };
    let lang = page.lang;
    let g = &result.grades;
    render(
        &page,
        StatusCode::OK,
        &ResultPage {
            c: page.chrome(),
            title: proposal.content.title.unwrap_or_default(),
            receipt_number: proposal.receipt_number,
            outcome: lang.pick(result.outcome.name_ja(), result.outcome.name_en()),
            awarded: lang.yen(result.awarded_amount_yen),
            conditions: result.conditions,
            feedback: result.feedback,
            score: result.score.map(|s| format!("{s:.2}")).unwrap_or_else(|| "—".into()),
            reviews: result.reviews,
            criteria: result.criteria.iter().map(|(k, v)| (k.clone(), format!("{v:.2}"))).collect(),
            grades: vec![("S", g.s), ("A", g.a), ("B", g.b), ("C", g.c)],
        },
    )
}
