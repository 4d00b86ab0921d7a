//! The funding report as a page: a table per fiscal year (chosen with a plain GET form) and its
//! CSV.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::app::projects::funding;
use crate::repo::audit::Actor;
use crate::state::AppState;

use super::{officer, or_page, or_return};
use crate::web::present::prefecture;
use crate::web::project_view::PT;
use crate::web::{Chrome, render};

struct Row {
    fiscal_year: i32,
    prefecture: String,
    region: &'static str,
    granted: String,
    scheduled: String,
    projects: i64,
}

#[derive(Template)]
#[template(path = "projects/funding.html", config = "src/web/askama.toml")]
struct FundingPage {
    c: Chrome,
    t: &'static PT,
    years: Vec<i32>,
    year: String,
    year_error: Option<String>,
    rows: Vec<Row>,
    granted_total: String,
    scheduled_total: String,
}

#[derive(Deserialize)]
pub struct YearQuery {
    fiscal_year: Option<String>,
}

/// The chosen year: none for every year; a typed year that is not a number is refused.
fn chosen(query: &YearQuery) -> Result<Option<i32>, ()> {
    match query.fiscal_year.as_deref().map(str::trim).filter(|y| !y.is_empty()) {
        None => Ok(None),
        Some(y) => y.parse().map(Some).map_err(|_| ()),
    }
}

pub async fn page(req: HttpRequest, state: web::Data<AppState>, query: web::Query<YearQuery>) -> HttpResponse {
    let (page, user) = or_return!(officer(&req, &state).await);
    let t = PT::of(page.lang);
    let (year, year_error) = match chosen(&query) {
        Ok(y) => (y, None),
        Err(()) => (None, Some(t.invalid_year.to_string())),
    };
    let found = state
        .read(Actor::user(&user), move |tx| {
            let all = funding::report(tx, None)?;
            let shown = if year.is_some() { funding::report(tx, year)? } else { all.clone() };
            Ok((all, shown))
        })
        .await;
    let (all, lines) = or_return!(or_page(&page, found));
    let lang = page.lang;
    let mut years: Vec<i32> = all.iter().map(|l| l.fiscal_year).collect();
    years.dedup();
    let rows = lines
        .iter()
        .map(|l| Row {
            fiscal_year: l.fiscal_year,
            prefecture: prefecture(lang, l.prefecture_code),
            region: lang.pick(l.region.name_ja(), l.region.name_en()),
            granted: lang.yen(l.granted_yen),
            scheduled: lang.yen(l.scheduled_yen),
            projects: l.projects,
        })
        .collect();
    let year_text = year.map(|y| y.to_string()).unwrap_or_default();
    let status = if year_error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    render(
        &page,
        status,
        &FundingPage {
            c: page.chrome(),
            t,
            years,
            year: year_text,
            year_error,
            rows,
            granted_total: lang.yen(lines.iter().map(|l| l.granted_yen).sum()),
            scheduled_total: lang.yen(lines.iter().map(|l| l.scheduled_yen).sum()),
        },
    )
}

pub async fn csv(req: HttpRequest, state: web::Data<AppState>, query: web::Query<YearQuery>) -> HttpResponse {
    let (page, user) = or_return!(officer(&req, &state).await);
    let Ok(year) = chosen(&query) else {
        let t = PT::of(page.lang);
        return crate::web::message(&page, StatusCode::UNPROCESSABLE_ENTITY, t.funding_report, t.invalid_year, None);
    };
    let made = state.read(Actor::user(&user), move |tx| funding::to_csv(&funding::report(tx, year)?)).await;
    let body = or_return!(or_page(&page, made));
    let name = year.map_or_else(|| "all".to_string(), |y| y.to_string());
    page.finish(
        HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8")
            .insert_header((header::CONTENT_DISPOSITION, format!("attachment; filename=\"funding-{name}.csv\"")))
            .body(body),
    )
}
