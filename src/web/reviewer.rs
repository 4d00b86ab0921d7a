//! The reviewer's pages: the assignments, one assignment with the proposal and the grading
//! form, the confirmation before submitting, and the attachments.

use std::collections::BTreeMap;

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use crate::app::proposals::attachments::stored_path;
use crate::app::proposals::download_attachment;
use crate::app::review::view::{MyAssignment, Review};
use crate::app::review::workspace::{Workspace, workspace};
use crate::app::review::{assignments, conflicts, reviews};
use crate::auth::CurrentUser;
use crate::domain::grade::Grade;
use crate::domain::review::{AssignmentStatus, ReviewInput, ReviewStage, ReviewStatus};
use crate::domain::user::Role;
use crate::error::{ApiError, FieldError};
use crate::repo::audit::Actor;
use crate::state::AppState;
use crate::web::{or_return, posted_by};

use super::account::page_or_error;
use super::i18n::Lang;
use super::present::{DocSource, ProposalDoc, prefecture_of, proposal_doc};
use super::{Chrome, Fields, Form, Page, csrf_refused, error_page, fields, render, see_other};

struct Row {
    id: String,
    title: String,
    receipt: String,
    lead: String,
    assigned_on: String,
    pending: bool,
    readable: bool,
    hearing: bool,
    /// An evaluation round's project rather than a proposal: listed with a badge.
    evaluation: Option<&'static str>,
}

struct Group {
    heading: &'static str,
    rows: Vec<Row>,
}

#[derive(Template)]
#[template(path = "assignments.html", config = "src/web/askama.toml")]
struct ListPage {
    c: Chrome,
    notice: Option<&'static str>,
    groups: Vec<Group>,
}

struct GradeOption {
    value: &'static str,
    label: &'static str,
    checked: bool,
}

/// One criterion of the form (or of the read-only table), the overall grade last.
struct CriterionView {
    name: String,
    grade_field: String,
    comment_field: String,
    comment_id: String,
    comment_label: &'static str,
    weight: String,
    options: Vec<GradeOption>,
    shown: String,
    comment: String,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "assignment.html", config = "src/web/askama.toml")]
struct AssignmentPage {
    c: Chrome,
    id: String,
    title: String,
    status: &'static str,
    call_title: String,
    notice: Option<&'static str>,
    errors: Vec<String>,
    pending: bool,
    readonly: bool,
    editable: bool,
    declinable: bool,
    /// Conflicts are declared on proposals; an evaluator declines instead.
    conflict_declarable: bool,
    rows: Vec<CriterionView>,
    submitted_at: Option<String>,
    proposal: Option<ProposalDoc>,
}

#[derive(Template)]
#[template(path = "confirm.html", config = "src/web/askama.toml")]
struct ConfirmPage {
    c: Chrome,
    id: String,
    title: String,
    rows: Vec<CriterionView>,
    submitted_at: Option<String>,
}

#[derive(serde::Deserialize)]
pub struct Notice {
    done: Option<String>,
}

fn notice(page: &Page, done: Option<&str>) -> Option<&'static str> {
    let m = page.m();
    match done? {
        "saved" => Some(m.saved),
        "submitted" => Some(m.review_submitted),
        "declined" => Some(m.declined),
        _ => None,
    }
}

fn status_label(lang: Lang, a: &MyAssignment) -> &'static str {
    let m = lang.messages();
    match (a.assignment.status, a.assignment.review_status) {
        (AssignmentStatus::Declined, _) => m.declined,
        (_, Some(ReviewStatus::Submitted)) => m.submitted,
        (AssignmentStatus::Pending, _) => m.pending,
        _ => m.accepted,
    }
}

/// The signed-in reviewer, or the response that sends anyone else away.
fn reviewer(page: &Page, req: &HttpRequest) -> Result<CurrentUser, HttpResponse> {
    crate::web::signed_in_as(page, req, Role::Reviewer, "only reviewers have assignments")
}

macro_rules! reviewer_or_return {
    ($page:expr, $req:expr) => {
        match reviewer(&$page, &$req) {
            Ok(u) => u,
            Err(response) => return response,
        }
    };
}

pub async fn list(req: HttpRequest, state: web::Data<AppState>, query: web::Query<Notice>) -> HttpResponse {
    let page = page_or_error!(req, state);
    let user = reviewer_or_return!(page, req);
    let mine = match state.read(Actor::user(&user), move |tx| assignments::mine(tx, &user)).await {
        Ok(mine) => mine,
        Err(e) => return error_page(&page, &e),
    };
    let (lang, m) = (page.lang, page.m());
    let mut groups: Vec<Group> = [m.pending, m.accepted, m.submitted, m.declined].map(|heading| Group { heading, rows: Vec::new() }).into();
    for a in &mine {
        let label = status_label(lang, a);
        let row = Row {
            id: a.assignment.id.clone(),
            title: a.proposal_title.clone().or_else(|| a.project_title.clone()).unwrap_or_else(|| "—".into()),
            receipt: a.receipt_number.clone().unwrap_or_default(),
            lead: a.lead_prefecture_code.as_deref().map(|c| prefecture_of(lang, c)).unwrap_or_default(),
            assigned_on: lang.date_time(a.assignment.created_at),
            pending: a.assignment.status == AssignmentStatus::Pending,
            readable: a.assignment.status != AssignmentStatus::Declined,
            hearing: a.assignment.stage == ReviewStage::Hearing,
            evaluation: a.assignment.evaluation_id.as_ref().map(|_| lang.pick("中間・事後評価", "Evaluation round")),
        };
        if let Some(group) = groups.iter_mut().find(|g| g.heading == label) {
            group.rows.push(row);
        }
    }
    let notice = notice(&page, query.done.as_deref());
    render(&page, StatusCode::OK, &ListPage { c: page.chrome(), notice, groups })
}

/// What the form shows: the typed values when a save failed, the saved review otherwise.
struct Entered {
    grades: BTreeMap<String, String>,
    comments: BTreeMap<String, String>,
    overall_grade: String,
    overall_comment: String,
}

impl Entered {
    fn of(review: Option<&Review>) -> Self {
        let Some(r) = review else {
            return Entered { grades: BTreeMap::new(), comments: BTreeMap::new(), overall_grade: String::new(), overall_comment: String::new() };
        };
        Entered {
            grades: r.grades.iter().map(|(k, g)| (k.clone(), g.as_str().to_string())).collect(),
            comments: r.comments.clone(),
            overall_grade: r.overall_grade.map(|g| g.as_str().to_string()).unwrap_or_default(),
            overall_comment: r.overall_comment.clone().unwrap_or_default(),
        }
    }

    fn of_form(criteria: &[crate::domain::call::Criterion], f: &Fields) -> Self {
        let pick = |prefix: &str| -> BTreeMap<String, String> {
            criteria.iter().filter_map(|c| f.filled(&format!("{prefix}.{}", c.code)).map(|v| (c.code.clone(), v))).collect()
        };
        Entered {
            grades: pick("grade"),
            comments: pick("comment"),
            overall_grade: f.text("overall_grade"),
            overall_comment: f.text("overall_comment"),
        }
    }

    fn input(&self) -> ReviewInput {
        ReviewInput {
            grades: self.grades.clone(),
            comments: self.comments.clone(),
            overall_grade: Some(self.overall_grade.clone()).filter(|g| !g.is_empty()),
            overall_comment: Some(self.overall_comment.clone()).filter(|c| !c.trim().is_empty()),
        }
    }
}

fn options(lang: Lang, chosen: &str) -> Vec<GradeOption> {
    let mut options: Vec<GradeOption> = Grade::ALL.iter().map(|g| GradeOption { value: g.as_str(), label: g.as_str(), checked: chosen == g.as_str() }).collect();
    options.push(GradeOption { value: "", label: lang.messages().not_graded, checked: chosen.is_empty() });
    options
}

fn problem_for(errors: &[FieldError], field: &str) -> Option<String> {
    errors.iter().find(|e| e.field == field).map(|e| e.message.clone())
}

fn criterion_views(lang: Lang, w: &Workspace, entered: &Entered, errors: &[FieldError]) -> Vec<CriterionView> {
    let m = lang.messages();
    let shown = |g: &str| if g.is_empty() { m.not_graded.to_string() } else { g.to_string() };
    let mut rows: Vec<CriterionView> = w
        .criteria
        .iter()
        .map(|c| {
            let grade = entered.grades.get(&c.code).cloned().unwrap_or_default();
            CriterionView {
                name: c.name.clone(),
                grade_field: format!("grade.{}", c.code),
                comment_field: format!("comment.{}", c.code),
                comment_id: format!("comment-{}", c.code),
                comment_label: m.comment,
                weight: format!("×{}", c.weight),
                options: options(lang, &grade),
                shown: shown(&grade),
                comment: entered.comments.get(&c.code).cloned().unwrap_or_default(),
                error: problem_for(errors, &format!("grades.{}", c.code)).or_else(|| problem_for(errors, &format!("comments.{}", c.code))),
            }
        })
        .collect();
    // An evaluation round's overall grade is computed at publication, not given.
    if w.assignment.assignment.evaluation_id.is_some() {
        return rows;
    }
    rows.push(CriterionView {
        name: m.overall_grade.into(),
        grade_field: "overall_grade".into(),
        comment_field: "overall_comment".into(),
        comment_id: "overall-comment".into(),
        comment_label: m.overall_comment,
        weight: String::new(),
        options: options(lang, &entered.overall_grade),
        shown: shown(&entered.overall_grade),
        comment: entered.overall_comment.clone(),
        error: problem_for(errors, "overall_grade").or_else(|| problem_for(errors, "overall_comment")),
    });
    rows
}

fn title_of(w: &Workspace) -> String {
    w.assignment.proposal_title.clone().or_else(|| w.assignment.project_title.clone()).unwrap_or_else(|| "—".into())
}

fn assignment_page(page: &Page, w: &Workspace, entered: Option<Entered>, errors: &[FieldError], notice: Option<&'static str>) -> AssignmentPage {
    let lang = page.lang;
    let a = &w.assignment.assignment;
    let submitted = w.review.as_ref().is_some_and(|r| r.status == ReviewStatus::Submitted);
    let active = a.status != AssignmentStatus::Declined;
    let entered = entered.unwrap_or_else(|| Entered::of(w.review.as_ref()));
    let rows = criterion_views(lang, w, &entered, errors);
    let id = a.id.clone();
    let download = move |attachment: &str| format!("/me/assignments/{id}/attachments/{attachment}");
    let proposal = w.proposal.as_ref().map(|p| {
        proposal_doc(
            lang,
            DocSource {
                content: &p.content,
                lead_prefecture_code: &p.lead_prefecture_code,
                call_title: &w.call_title,
                receipt_number: p.receipt_number.clone(),
                attachments: &p.attachments,
                download: Some(&download),
            },
        )
    });
    AssignmentPage {
        c: page.chrome(),
        id: a.id.clone(),
        title: title_of(w),
        status: status_label(lang, &w.assignment),
        call_title: w.call_title.clone(),
        notice,
        errors: errors.iter().filter(|e| !e.field.starts_with("grades.") && !e.field.starts_with("comments.") && !e.field.starts_with("overall_")).map(|e| e.message.clone()).collect(),
        pending: a.status == AssignmentStatus::Pending,
        readonly: submitted,
        editable: active && !submitted,
        declinable: active && !submitted,
        conflict_declarable: active && !submitted && a.evaluation_id.is_none(),
        rows,
        submitted_at: w.review.as_ref().and_then(|r| r.submitted_at).map(|t| lang.date_time(t)),
        proposal,
    }
}

async fn load(state: &AppState, user: &CurrentUser, id: &str) -> Result<Workspace, ApiError> {
    let (user, id) = (user.clone(), id.to_string());
    state.read(Actor::user(&user), move |tx| workspace(tx, &user, &id)).await
}

pub async fn show(req: HttpRequest, state: web::Data<AppState>, path: web::Path<String>, query: web::Query<Notice>) -> HttpResponse {
    let page = page_or_error!(req, state);
    let user = reviewer_or_return!(page, req);
    match load(&state, &user, &path).await {
        Ok(w) => render(&page, StatusCode::OK, &assignment_page(&page, &w, None, &[], notice(&page, query.done.as_deref()))),
        Err(e) => error_page(&page, &e),
    }
}

/// Runs a reviewer's action on an assignment from a posted form, then goes to `next`.
async fn act<T: Send + 'static>(
    req: HttpRequest,
    state: &AppState,
    form: Form,
    next: impl FnOnce(&str) -> String,
    action: impl FnOnce(&mut crate::app::Tx<'_>, &CurrentUser, &Fields) -> crate::error::ApiResult<T> + Send + 'static,
) -> HttpResponse {
    let (page, user, f) = or_return!(posted_by(&req, &state, form, reviewer).await);
    let actor = Actor::user(&user);
    match state.write(actor, move |tx| action(tx, &user, &f)).await {
        Ok(_) => see_other(&page, &next(req.match_info().get("id").unwrap_or_default())),
        Err(e) => error_page(&page, &e),
    }
}

fn reason(f: &Fields) -> Option<String> {
    f.filled("reason")
}

pub async fn accept(req: HttpRequest, state: web::Data<AppState>, path: web::Path<String>, form: Form) -> HttpResponse {
    let id = path.into_inner();
    act(req, &state, form, |id| format!("/me/assignments/{id}"), move |tx, user, _| assignments::accept(tx, user, &id)).await
}

pub async fn decline(req: HttpRequest, state: web::Data<AppState>, path: web::Path<String>, form: Form) -> HttpResponse {
    let id = path.into_inner();
    act(req, &state, form, |_| "/me/assignments?done=declined".into(), move |tx, user, f| assignments::decline(tx, user, &id, reason(f))).await
}

pub async fn conflict(req: HttpRequest, state: web::Data<AppState>, path: web::Path<String>, form: Form) -> HttpResponse {
    let id = path.into_inner();
    act(req, &state, form, |_| "/me/assignments?done=declined".into(), move |tx, user, f| conflicts::declare_own(tx, user, &id, reason(f))).await
}

/// Saves the form as a draft; "confirm" then shows what would be submitted. Problems are shown
/// next to their fields with what was typed kept.
pub async fn save(req: HttpRequest, state: web::Data<AppState>, path: web::Path<String>, form: Form) -> HttpResponse {
    let (page, user, f) = or_return!(posted_by(&req, &state, form, reviewer).await);
    let id = path.into_inner();
    let w = match load(&state, &user, &id).await {
        Ok(w) => w,
        Err(e) => return error_page(&page, &e),
    };
    let entered = Entered::of_form(&w.criteria, &f);
    let (input, reviewer, review_id) = (entered.input(), user.clone(), id.clone());
    match state.write(Actor::user(&user), move |tx| reviews::save(tx, &reviewer, &review_id, input)).await {
        Ok(_) if f.get("action") == Some("confirm") => see_other(&page, &format!("/me/assignments/{id}/confirm")),
        Ok(_) => see_other(&page, &format!("/me/assignments/{id}?done=saved#review")),
        Err(e) if e.status == StatusCode::UNPROCESSABLE_ENTITY => {
            render(&page, e.status, &assignment_page(&page, &w, Some(entered), &e.errors, None))
        }
        Err(e) => error_page(&page, &e),
    }
}

pub async fn confirm(req: HttpRequest, state: web::Data<AppState>, path: web::Path<String>) -> HttpResponse {
    let page = page_or_error!(req, state);
    let user = reviewer_or_return!(page, req);
    let w = match load(&state, &user, &path).await {
        Ok(w) => w,
        Err(e) => return error_page(&page, &e),
    };
    let rows = criterion_views(page.lang, &w, &Entered::of(w.review.as_ref()), &[]);
    render(&page, StatusCode::OK, &ConfirmPage { c: page.chrome(), id: path.into_inner(), title: title_of(&w), rows, submitted_at: None })
}

/// Submits the saved review; an incomplete one goes back to the form with its problems.
pub async fn submit(req: HttpRequest, state: web::Data<AppState>, path: web::Path<String>, form: Form) -> HttpResponse {
    let page = page_or_error!(req, state);
    let user = reviewer_or_return!(page, req);
    if !page.csrf_ok(fields(form).get("csrf")) {
        return csrf_refused(&page);
    }
    let id = path.into_inner();
    let (reviewer, review_id) = (user.clone(), id.clone());
    match state.write(Actor::user(&user), move |tx| reviews::submit(tx, &reviewer, &review_id)).await {
        Ok(_) => see_other(&page, &format!("/me/assignments/{id}?done=submitted")),
        Err(e) if e.status == StatusCode::UNPROCESSABLE_ENTITY => match load(&state, &user, &id).await {
            Ok(w) => render(&page, e.status, &assignment_page(&page, &w, None, &e.errors, None)),
            Err(e) => error_page(&page, &e),
        },
        Err(e) => error_page(&page, &e),
    }
}

pub async fn attachment(req: HttpRequest, state: web::Data<AppState>, path: web::Path<(String, String)>) -> HttpResponse {
    let page = page_or_error!(req, state);
    let user = reviewer_or_return!(page, req);
    let (assignment_id, attachment_id) = path.into_inner();
    let reader = user.clone();
    let found = state
        .read(Actor::user(&user), move |tx| {
            let w = workspace(tx, &reader, &assignment_id)?;
            let proposal = w.proposal.ok_or_else(|| ApiError::not_found("proposal"))?;
            download_attachment(tx, &reader, &proposal.id, &attachment_id)
        })
        .await;
    let row = match found {
        Ok(row) => row,
        Err(e) => return error_page(&page, &e),
    };
    match tokio::fs::read(stored_path(&state.settings.storage.attachments_dir, &row.proposal_id, &row.id)).await {
        Ok(bytes) => page.finish(
            HttpResponse::Ok()
                .content_type("application/pdf")
                .insert_header((header::CONTENT_DISPOSITION, format!("attachment; filename*=UTF-8''{}", super::session::encode(&row.filename))))
                .body(bytes),
        ),
        Err(e) => error_page(&page, &ApiError::internal(e)),
    }
}
