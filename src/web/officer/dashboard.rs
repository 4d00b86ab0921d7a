//! The call's dashboard: proposals by status and by prefecture, the conflict matrix with the
//! hand-made assignments in it, each reviewer's progress, and automatic assignment with a
//! preview first.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use crate::app::officer::{self, Dashboard, Pairing};
use crate::app::review::view::{AssignReviewer, AutoAssign, AutoAssignResult};
use crate::app::review::{assignments, auto};
use crate::auth::CurrentUser;
use crate::domain::call::CallStatus;
use crate::domain::conflict::ConflictReason;
use crate::domain::prefecture::PrefectureCode;
use crate::domain::proposal::ProposalStatus;
use crate::domain::review::{AssignmentStatus, ReviewStatus};
use crate::error::{ApiError, FieldError};
use crate::repo::audit::Actor;
use crate::state::AppState;

use super::text::T;
use super::{call_status, officer, or_page, or_return, posted, proposal_status, texts};
use crate::web::present::prefecture;
use crate::web::{Chrome, Fields, Form, Page, render, see_other};

struct Cell {
    name: String,
    /// The status code of the proposal led from here, `partner`, or empty.
    class: String,
    label: String,
}

struct ProposalView {
    id: String,
    receipt: String,
    title: String,
    status: &'static str,
    lead: String,
    partners: String,
}

struct MatrixCell {
    class: &'static str,
    label: String,
    assign: Option<String>,
    remove: Option<String>,
}

struct ReviewerView {
    name: String,
    affiliation: String,
    assigned: usize,
    accepted: usize,
    submitted: usize,
    cells: Vec<MatrixCell>,
}

#[derive(Template)]
#[template(path = "officer/dashboard.html", config = "src/web/askama.toml")]
struct DashboardPage {
    c: Chrome,
    t: &'static T,
    id: String,
    title: String,
    status: &'static str,
    closes_at: String,
    budget: String,
    in_review: bool,
    by_status: Vec<(&'static str, usize)>,
    grid: Vec<Cell>,
    proposals: Vec<ProposalView>,
    reviewers: Vec<ReviewerView>,
    alert: Option<String>,
    auto_errors: Vec<String>,
    /// Once decisions are published, the label of the link to the call's projects.
    projects_link: Option<&'static str>,
}

struct PairView {
    proposal: String,
    reviewer: String,
    affinity: u32,
}

struct UnfilledView {
    proposal: String,
    missing: u32,
    why: String,
}

#[derive(Template)]
#[template(path = "officer/preview.html", config = "src/web/askama.toml")]
struct PreviewPage {
    c: Chrome,
    t: &'static T,
    id: String,
    title: String,
    pairs: Vec<PairView>,
    total_affinity: u64,
    unfilled: Vec<UnfilledView>,
    reviewers_per_proposal: String,
    max_per_reviewer: String,
}

fn receipt_or_title(p: &officer::ProposalLine) -> String {
    p.receipt_number.clone().or_else(|| p.title.clone()).unwrap_or_else(|| "—".into())
}

/// One cell per prefecture, in code order (north to south, region by region): the proposal led
/// from there, or the proposal it joins — the one-proposal-per-prefecture rule at a glance.
fn grid(page: &Page, d: &Dashboard) -> Vec<Cell> {
    let t = texts(page);
    let live = |p: &&officer::ProposalLine| p.status != ProposalStatus::Withdrawn;
    PrefectureCode::all()
        .map(|code| {
            let name = prefecture(page.lang, code);
            if let Some(p) = d.proposals.iter().filter(live).find(|p| p.lead == code) {
                return Cell { name, class: p.status.as_str().to_string(), label: format!("{} · {}", proposal_status(t, p.status), receipt_or_title(p)) };
            }
            match d.proposals.iter().filter(live).find(|p| p.partners.iter().any(|(c, _)| *c == code)) {
                Some(p) => Cell { name, class: "partner".into(), label: format!("{} {}", t.partner_of, prefecture(page.lang, p.lead)) },
                None => Cell { name, class: String::new(), label: String::new() },
            }
        })
        .collect()
}

fn matrix_cell(t: &T, call_id: &str, proposal_id: &str, reviewer_id: &str, cell: &Pairing, in_review: bool) -> MatrixCell {
    let reason = |r: ConflictReason| match r {
        ConflictReason::SameOrganization => t.coi_org,
        ConflictReason::SamePrefecture => t.coi_prefecture,
        ConflictReason::Declared => t.coi_declared,
    };
    match cell {
        Pairing::Free => MatrixCell {
            class: "free",
            label: String::new(),
            assign: in_review.then(|| format!("{proposal_id} {reviewer_id}")),
            remove: None,
        },
        Pairing::Conflict(r) => MatrixCell { class: "coi", label: reason(*r).into(), assign: None, remove: None },
        Pairing::Assigned(status, review, id) => {
            let (class, label) = match (status, review) {
                (AssignmentStatus::Declined, _) => ("declined", t.declined),
                (_, Some(ReviewStatus::Submitted)) => ("submitted", t.submitted),
                (AssignmentStatus::Accepted, _) => ("accepted", t.accepted),
                _ => ("pending", t.pending),
            };
            let removable = in_review && *status != AssignmentStatus::Declined && *review != Some(ReviewStatus::Submitted);
            MatrixCell { class, label: label.into(), assign: None, remove: removable.then(|| format!("/admin/calls/{call_id}/assignments/{id}/remove")) }
        }
    }
}

fn dashboard_page(page: &Page, d: Dashboard, alert: Option<String>, auto_errors: Vec<String>) -> DashboardPage {
    let t = texts(page);
    let lang = page.lang;
    let in_review = d.call.status == CallStatus::UnderReview;
    let by_status = ProposalStatus::VARIANTS
        .iter()
        .map(|s| (proposal_status(t, *s), d.proposals.iter().filter(|p| p.status == *s).count()))
        .filter(|(_, n)| *n > 0)
        .collect();
    let reviewers = d
        .reviewers
        .iter()
        .map(|r| ReviewerView {
            name: r.name.clone(),
            affiliation: r.affiliation.clone(),
            assigned: r.assigned,
            accepted: r.accepted,
            submitted: r.submitted,
            cells: r.cells.iter().zip(&d.proposals).map(|(c, p)| matrix_cell(t, &d.call.id, &p.id, &r.id, c, in_review)).collect(),
        })
        .collect();
    let proposals = d
        .proposals
        .iter()
        .map(|p| ProposalView {
            id: p.id.clone(),
            receipt: p.receipt_number.clone().unwrap_or_else(|| "—".into()),
            title: p.title.clone().unwrap_or_else(|| "—".into()),
            status: proposal_status(t, p.status),
            lead: prefecture(lang, p.lead),
            partners: p
                .partners
                .iter()
                .map(|(c, confirmed)| if *confirmed { prefecture(lang, *c) } else { format!("{}（{}）", prefecture(lang, *c), t.unconfirmed) })
                .collect::<Vec<_>>()
                .join("、"),
        })
        .collect();
    DashboardPage {
        c: page.chrome(),
        t,
        grid: grid(page, &d),
        id: d.call.id.clone(),
        title: d.call.title.clone(),
        status: call_status(t, d.call.status),
        closes_at: lang.date_time(d.call.closes_at),
        budget: lang.yen(d.call.total_budget_yen),
        in_review,
        by_status,
        proposals,
        reviewers,
        alert,
        auto_errors,
        projects_link: (d.call.status == crate::domain::call::CallStatus::Decided).then(|| crate::web::project_view::PT::of(lang).projects),
    }
}

async fn load(state: &AppState, user: &CurrentUser, id: &str) -> Result<Dashboard, ApiError> {
    let id = id.to_string();
    state.read(Actor::user(user), move |tx| officer::dashboard(tx, &id)).await
}

/// The dashboard again, with what was refused and why.
async fn with_alert(page: &Page, state: &AppState, user: &CurrentUser, id: &str, e: ApiError) -> HttpResponse {
    let d = or_return!(or_page(page, load(state, user, id).await));
    let auto_errors: Vec<String> = e.errors.iter().map(|f: &FieldError| format!("{}: {}", f.field, f.message)).collect();
    let alert = auto_errors.is_empty().then(|| e.detail.clone());
    render(page, e.status, &dashboard_page(page, d, alert, auto_errors))
}

pub async fn show(req: HttpRequest, state: web::Data<AppState>, path: web::Path<String>) -> HttpResponse {
    let (page, user) = or_return!(officer(&req, &state).await);
    let d = or_return!(or_page(&page, load(&state, &user, &path).await));
    render(&page, StatusCode::OK, &dashboard_page(&page, d, None, Vec::new()))
}

fn options(f: &Fields) -> Result<AutoAssign, ApiError> {
    let number = |name: &str| -> Result<Option<u32>, ApiError> {
        f.filled(name).map(|v| v.parse::<u32>().map_err(|_| ApiError::field(name, "invalid", "enter a whole number"))).transpose()
    };
    Ok(AutoAssign { reviewers_per_proposal: number("reviewers_per_proposal")?, max_per_reviewer: number("max_per_reviewer")?, dry_run: false })
}

/// The dry run: what automatic assignment would form now, and what would stay unfilled and why.
pub async fn preview(req: HttpRequest, state: web::Data<AppState>, path: web::Path<String>, form: Form) -> HttpResponse {
    let (page, user, f) = or_return!(posted(&req, &state, form).await);
    let id = path.into_inner();
    let opts = match options(&f) {
        Ok(o) => o,
        Err(e) => return with_alert(&page, &state, &user, &id, e).await,
    };
    let (admin, call_id) = (user.clone(), id.clone());
    let dry_run = AutoAssign { dry_run: true, ..opts };
    let preview = state.read(Actor::user(&user), move |tx| auto::run(tx, &admin, &call_id, dry_run, "")).await;
    let preview: AutoAssignResult = match preview {
        Ok(p) => p,
        Err(e) => return with_alert(&page, &state, &user, &id, e).await,
    };
    let d = or_return!(or_page(&page, load(&state, &user, &id).await));
    let proposal_name = |pid: &str| d.proposals.iter().find(|p| p.id == pid).map(receipt_or_title).unwrap_or_default();
    let reviewer_name = |rid: &str| d.reviewers.iter().find(|r| r.id == rid).map(|r| format!("{}（{}）", r.name, r.affiliation)).unwrap_or_default();
    let t = texts(&page);
    let page_view = PreviewPage {
        c: page.chrome(),
        t,
        id: id.clone(),
        title: d.call.title.clone(),
        pairs: preview.pairs.iter().map(|p| PairView { proposal: proposal_name(&p.proposal_id), reviewer: reviewer_name(&p.reviewer_id), affinity: p.affinity }).collect(),
        total_affinity: preview.total_affinity,
        unfilled: preview
            .unfilled
            .iter()
            .map(|u| UnfilledView {
                proposal: proposal_name(&u.proposal_id),
                missing: u.missing,
                why: match u.reason.as_str() {
                    "not_enough_eligible_reviewers" => t.why_not_enough.to_string(),
                    "reviewer_load_exhausted" => t.why_load.to_string(),
                    _ => u.detail.clone(),
                },
            })
            .collect(),
        reviewers_per_proposal: f.text("reviewers_per_proposal"),
        max_per_reviewer: f.text("max_per_reviewer"),
    };
    render(&page, StatusCode::OK, &page_view)
}

pub async fn apply(req: HttpRequest, state: web::Data<AppState>, path: web::Path<String>, form: Form) -> HttpResponse {
    let (page, user, f) = or_return!(posted(&req, &state, form).await);
    let id = path.into_inner();
    let opts = match options(&f) {
        Ok(o) => o,
        Err(e) => return with_alert(&page, &state, &user, &id, e).await,
    };
    let (admin, call_id, base) = (user.clone(), id.clone(), state.settings.app.public_base_url.clone());
    match state.write(Actor::user(&user), move |tx| auto::run(tx, &admin, &call_id, opts, &base)).await {
        Ok(_) => see_other(&page, &format!("/admin/calls/{id}#matrix")),
        Err(e) => with_alert(&page, &state, &user, &id, e).await,
    }
}

/// Assigns by hand; the matrix cell's button carries "proposal reviewer".
pub async fn assign(req: HttpRequest, state: web::Data<AppState>, path: web::Path<String>, form: Form) -> HttpResponse {
    let (page, user, f) = or_return!(posted(&req, &state, form).await);
    let id = path.into_inner();
    let pair = f.text("pair");
    let (proposal_id, reviewer_id) = pair.split_once(' ').unwrap_or_default();
    let input = AssignReviewer { proposal_id: proposal_id.into(), reviewer_id: reviewer_id.into() };
    let (admin, call_id, base) = (user.clone(), id.clone(), state.settings.app.public_base_url.clone());
    match state.write(Actor::user(&user), move |tx| assignments::assign(tx, &admin, &call_id, input, &base)).await {
        Ok(_) => see_other(&page, &format!("/admin/calls/{id}#matrix")),
        Err(e) => with_alert(&page, &state, &user, &id, e).await,
    }
}

pub async fn remove(req: HttpRequest, state: web::Data<AppState>, path: web::Path<(String, String)>, form: Form) -> HttpResponse {
    let (page, user, _) = or_return!(posted(&req, &state, form).await);
    let (id, assignment) = path.into_inner();
    let call_id = id.clone();
    match state.write(Actor::user(&user), move |tx| officer::remove_assignment(tx, &call_id, &assignment)).await {
        Ok(()) => see_other(&page, &format!("/admin/calls/{id}#matrix")),
        Err(e) => with_alert(&page, &state, &user, &id, e).await,
    }
}
