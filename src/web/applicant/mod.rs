//! The prefecture officer's pages: the home with open calls and the prefecture's proposals, the
//! proposal form with its live checklist, partners, endorsements, attachments, submission and
//! the receipt. Every action goes through the same use-cases as the JSON API.

mod actions;
mod form;
mod project;
mod reports;
mod text;

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use crate::app::proposals::drafting::{Endorsements, update_with};
use crate::app::proposals::{self, Checklist, Proposal};
use crate::auth::CurrentUser;
use crate::domain::proposal::ProposalStatus;
use crate::domain::user::Role;
use crate::error::ApiError;
use crate::repo::audit::Actor;
use crate::repo::calls::Call;
use crate::state::AppState;
use crate::web::{or_return, posted_by};

use super::account::page_or_error;
use super::present::{DocSource, ProposalDoc, prefecture_of, proposal_doc};
use super::{Chrome, Form, Page, csrf_refused, error_page, fields, render, see_other};
use form::{FormView, Layout, Values};
use text::{T, checklist_line};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/calls/{id}/proposals/new", web::post().to(create))
        .route("/proposals/{id}", web::get().to(show))
        .route("/proposals/{id}", web::post().to(save))
        .route("/proposals/{id}/partners/{code}/confirm", web::post().to(actions::confirm_partner))
        .route("/proposals/{id}/partners/{code}/withdraw", web::post().to(actions::withdraw_partner))
        .route("/proposals/{id}/endorsements/request", web::post().to(actions::request_endorsements))
        .route("/proposals/{id}/attachments", web::post().to(actions::upload))
        .route("/proposals/{id}/attachments/{aid}", web::get().to(actions::download))
        .route("/proposals/{id}/attachments/{aid}/remove", web::post().to(actions::remove))
        .route("/proposals/{id}/submit", web::get().to(actions::confirm_submit))
        .route("/proposals/{id}/submit", web::post().to(actions::submit))
        .route("/proposals/{id}/receipt", web::get().to(actions::receipt))
        .route("/proposals/{id}/unsubmit", web::post().to(actions::unsubmit))
        .route("/proposals/{id}/withdraw", web::post().to(actions::withdraw))
        .route("/projects/{id}", web::get().to(project::show))
        .route("/projects/{id}/evaluations/{evaluation_id}/self-evaluation", web::post().to(project::write_self_evaluation))
        .route("/projects/{id}/reports/{fiscal_year}", web::get().to(reports::show))
        .route("/projects/{id}/reports/{fiscal_year}", web::post().to(reports::save))
        .route("/projects/{id}/reports/{fiscal_year}/submit", web::get().to(reports::confirm_submit))
        .route("/projects/{id}/reports/{fiscal_year}/submit", web::post().to(reports::submit));
}

/// The signed-in applicant, or the response that sends anyone else away.
fn applicant(page: &Page, req: &HttpRequest) -> Result<CurrentUser, HttpResponse> {
    crate::web::signed_in_as(page, req, Role::Applicant, "these pages are for the prefectures' officers")
}

macro_rules! applicant_or_return {
    ($page:expr, $req:expr) => {
        match applicant(&$page, &$req) {
            Ok(u) => u,
            Err(response) => return response,
        }
    };
}
pub(crate) use applicant_or_return;

struct CallLine {
    id: String,
    title: String,
    deadline: String,
    left: String,
    startable: bool,
}

struct ProposalLine {
    id: String,
    title: String,
    call_title: String,
    role: &'static str,
    status: &'static str,
    deadline: String,
    left: String,
    receipt: String,
}

#[derive(Template)]
#[template(path = "applicant/home.html", config = "src/web/askama.toml")]
struct HomePage {
    c: Chrome,
    t: &'static T,
    prefecture: String,
    calls: Vec<CallLine>,
    proposals: Vec<ProposalLine>,
    pt: &'static crate::web::project_view::PT,
    projects: Vec<ProjectLine>,
}

struct ProjectLine {
    id: String,
    title: String,
    role: &'static str,
    phase: &'static str,
    next: String,
}

fn seconds_left(call: &Call, now: chrono::DateTime<chrono::Utc>) -> i64 {
    (call.closes_at.with_timezone(&chrono::Utc) - now).num_seconds()
}

/// The applicant's home: open calls with the time left, and the prefecture's proposals.
pub async fn home(page: &Page, state: &AppState, user: &CurrentUser) -> HttpResponse {
    let reader = user.clone();
    let loaded = state
        .read(Actor::user(user), move |tx| {
            let (calls, _) = crate::app::calls::list(tx, &reader, None, 100, 0)?;
            let (proposals, _) = proposals::list(tx, &reader, None, None, 100, 0)?;
            let projects = crate::app::projects::list(tx, &reader, None)?;
            Ok((calls, proposals, projects, tx.now))
        })
        .await;
    let (calls, proposals, projects, now) = match loaded {
        Ok(found) => found,
        Err(e) => return error_page(page, &e),
    };
    let (lang, t) = (page.lang, T::of(page.lang));
    let own = user.prefecture.map(|p| p.to_string());
    let taken: Vec<&str> = proposals.iter().filter(|p| p.status != ProposalStatus::Withdrawn).map(|p| p.call_id.as_str()).collect();
    let call_lines = calls
        .iter()
        .filter(|c| c.accepting_submissions)
        .map(|c| CallLine {
            id: c.id.clone(),
            title: c.title.clone(),
            deadline: lang.date_time(c.closes_at),
            left: t.left(lang, seconds_left(c, now)),
            startable: !taken.contains(&c.id.as_str()),
        })
        .collect();
    let proposal_lines = proposals
        .iter()
        .map(|p| {
            let call = calls.iter().find(|c| c.id == p.call_id);
            ProposalLine {
                id: p.id.clone(),
                title: p.content.title.clone().unwrap_or_else(|| "—".into()),
                call_title: call.map(|c| c.title.clone()).unwrap_or_default(),
                role: if Some(&p.lead_prefecture_code) == own.as_ref() { t.as_lead } else { t.as_partner },
                status: t.status(lang, p.status),
                deadline: call.map(|c| lang.date_time(c.closes_at)).unwrap_or_default(),
                left: call.map(|c| t.left(lang, seconds_left(c, now))).unwrap_or_default(),
                receipt: p.receipt_number.clone().unwrap_or_default(),
            }
        })
        .collect();
    let prefecture = own.as_deref().map(|p| prefecture_of(lang, p)).unwrap_or_default();
    let pt = crate::web::project_view::PT::of(lang);
    let project_lines = projects
        .iter()
        .map(|p| ProjectLine {
            id: p.id.clone(),
            title: p.title.clone(),
            role: if Some(p.lead_prefecture_code.to_string()) == own { t.as_lead } else { t.as_partner },
            phase: pt.phase(lang, p.phase),
            // The next year still to be granted, the one the prefecture waits for.
            next: p.schedule.iter().find(|y| y.granted_at.is_none()).map(|y| format!("{} {}", y.fiscal_year, lang.yen(y.amount_yen))).unwrap_or_else(|| "—".into()),
        })
        .collect();
    render(page, StatusCode::OK, &HomePage { c: page.chrome(), t, prefecture, calls: call_lines, proposals: proposal_lines, pt, projects: project_lines })
}

/// Starts the prefecture's proposal for a call, empty, and opens its form.
async fn create(req: HttpRequest, state: web::Data<AppState>, path: web::Path<String>, form: Form) -> HttpResponse {
    let page = page_or_error!(req, state);
    let user = applicant_or_return!(page, req);
    if !page.csrf_ok(fields(form).get("csrf")) {
        return csrf_refused(&page);
    }
    let Some(lead) = user.prefecture else { return error_page(&page, &ApiError::forbidden("the account belongs to no prefecture")) };
    let (writer, call_id) = (user.clone(), path.into_inner());
    let created = state
        .write(Actor::user(&user), move |tx| {
            let content = proposals::drafting::initial_content(None, lead)?;
            proposals::create(tx, &writer, lead, &call_id, content)
        })
        .await;
    match created {
        Ok(p) => see_other(&page, &format!("/proposals/{}", p.id)),
        Err(e) => error_page(&page, &e),
    }
}

/// The proposal with what hangs off it, as one read.
pub struct Workspace {
    pub proposal: Proposal,
    pub call: Call,
    pub checklist: Checklist,
    pub now: chrono::DateTime<chrono::Utc>,
}

pub async fn workspace(state: &AppState, user: &CurrentUser, id: &str) -> Result<Workspace, ApiError> {
    let (reader, id) = (user.clone(), id.to_string());
    state
        .read(Actor::user(user), move |tx| {
            let proposal = proposals::get(tx, &reader, &id)?;
            let call = crate::app::calls::get(tx, &reader, &proposal.call_id)?;
            let checklist = proposals::checklist(tx, &reader, &id)?;
            Ok(Workspace { proposal, call, checklist, now: tx.now })
        })
        .await
}

struct Line {
    label: String,
    value: String,
    ok: bool,
}

struct PartnerLine {
    name: String,
    confirmed: bool,
    when: String,
}

struct AttachmentLine {
    id: String,
    name: String,
    size: String,
    sha256: String,
}

struct DiffLine {
    label: String,
    theirs: String,
    yours: String,
}

#[derive(Template)]
#[template(path = "applicant/proposal.html", config = "src/web/askama.toml")]
struct ProposalPage {
    c: Chrome,
    t: &'static T,
    id: String,
    heading: String,
    status: &'static str,
    call_title: String,
    deadline: String,
    left: String,
    receipt: Option<String>,
    notice: Option<&'static str>,
    errors: Vec<String>,
    version: i32,
    form: Option<FormView>,
    doc: Option<ProposalDoc>,
    ready: bool,
    checklist: Vec<String>,
    endorsements: Vec<Line>,
    any_endorsed: bool,
    void_confirm_needed: bool,
    partners: Vec<PartnerLine>,
    own_partner: Option<(String, bool)>,
    attachments: Vec<AttachmentLine>,
    lead: bool,
    draft: bool,
    open: bool,
    submitted: bool,
    conflict: Vec<DiffLine>,
}

/// What the page shows besides the stored content.
#[derive(Default)]
struct Shown {
    values: Option<Values>,
    errors: BTreeMap<String, String>,
    notice: Option<&'static str>,
    conflict: Vec<DiffLine>,
    void_confirm_needed: bool,
    funding_rows: Option<usize>,
}

fn notice(t: &'static T, done: Option<&str>) -> Option<&'static str> {
    Some(match done? {
        "saved" => t.saved,
        "requested" => t.endorsements_requested,
        "confirmed" => t.partner_confirmed,
        "withdrawn_partner" => t.partner_withdrawn,
        "uploaded" => t.uploaded,
        "removed" => t.removed,
        "unsubmitted" => t.unsubmitted,
        "withdrawn" => t.withdrawn,
        _ => return None,
    })
}

fn proposal_page(page: &Page, w: &Workspace, user: &CurrentUser, shown: Shown) -> ProposalPage {
    let (lang, t) = (page.lang, T::of(page.lang));
    let p = &w.proposal;
    let lead = user.prefecture.map(|c| c.to_string()).as_deref() == Some(p.lead_prefecture_code.as_str());
    let draft = p.status == ProposalStatus::Draft;
    let open = w.call.accepting_submissions;
    let lead_code = p.lead_prefecture_code.parse().ok();
    let form = match (lead && draft && open, lead_code) {
        (true, Some(lead_code)) => {
            let values = shown.values.clone().unwrap_or_else(|| Values::of(&p.content));
            let layout = Layout { lang, program: w.call.program, lead: lead_code, values: &values, errors: &shown.errors, funding_rows: shown.funding_rows };
            Some(form::view(&layout))
        }
        _ => None,
    };
    let labels: BTreeMap<String, String> =
        form.as_ref().map(|f| f.inputs().into_iter().map(|i| (i.name.clone(), i.label.clone())).collect()).unwrap_or_default();
    let id = p.id.clone();
    let download = move |aid: &str| format!("/proposals/{id}/attachments/{aid}");
    let doc = form.is_none().then(|| {
        proposal_doc(
            lang,
            DocSource {
                content: &p.content,
                lead_prefecture_code: &p.lead_prefecture_code,
                call_title: &w.call.title,
                receipt_number: p.receipt_number.clone(),
                attachments: &p.attachments,
                download: Some(&download),
            },
        )
    });
    let own_partner = user
        .prefecture
        .and_then(|own| p.partners.iter().find(|x| x.prefecture_code == own.to_string()))
        .map(|x| (x.prefecture_code.clone(), x.confirmed));
    let known: Vec<&String> = shown.errors.keys().filter(|k| labels.contains_key(*k) || k.starts_with("partner_prefecture_codes") || k.starts_with("signatories.")).collect();
    ProposalPage {
        c: page.chrome(),
        t,
        id: p.id.clone(),
        heading: p.content.title.clone().unwrap_or_else(|| "—".into()),
        status: t.status(lang, p.status),
        call_title: w.call.title.clone(),
        deadline: lang.date_time(w.call.closes_at),
        left: t.left(lang, seconds_left(&w.call, w.now)),
        receipt: p.receipt_number.clone(),
        notice: shown.notice,
        errors: shown.errors.iter().filter(|(k, _)| !known.contains(k)).map(|(k, e)| format!("{k}: {e}")).collect(),
        version: p.version,
        form,
        doc,
        ready: w.checklist.ready,
        checklist: w.checklist.problems.iter().map(|e| checklist_line(lang, &labels, e)).collect(),
        endorsements: p
            .endorsements
            .iter()
            .map(|e| Line {
                label: lang.pick(e.role.name_ja(), e.role.name_en()).into(),
                value: e.endorsed_at.map(|at| lang.date_time(at)).unwrap_or_else(|| t.not_endorsed.into()),
                ok: e.endorsed_at.is_some(),
            })
            .collect(),
        any_endorsed: p.endorsements.iter().any(|e| e.endorsed_at.is_some()),
        void_confirm_needed: shown.void_confirm_needed,
        partners: p
            .partners
            .iter()
            .map(|x| PartnerLine {
                name: prefecture_of(lang, &x.prefecture_code),
                confirmed: x.confirmed,
                when: x.confirmed_at.map(|at| lang.date_time(at)).unwrap_or_default(),
            })
            .collect(),
        own_partner,
        attachments: p
            .attachments
            .iter()
            .map(|a| AttachmentLine { id: a.id.clone(), name: a.filename.clone(), size: super::i18n::separated(a.size), sha256: a.sha256.clone() })
            .collect(),
        lead,
        draft,
        open,
        submitted: p.status == ProposalStatus::Submitted,
        conflict: shown.conflict,
    }
}

#[derive(serde::Deserialize)]
pub struct ShowQuery {
    done: Option<String>,
    funding_rows: Option<usize>,
}

async fn show(req: HttpRequest, state: web::Data<AppState>, path: web::Path<String>, query: web::Query<ShowQuery>) -> HttpResponse {
    let page = page_or_error!(req, state);
    let user = applicant_or_return!(page, req);
    match workspace(&state, &user, &path).await {
        Ok(w) => {
            let shown = Shown { notice: notice(T::of(page.lang), query.done.as_deref()), funding_rows: query.funding_rows, ..Shown::default() };
            render(&page, StatusCode::OK, &proposal_page(&page, &w, &user, shown))
        }
        Err(e) => error_page(&page, &e),
    }
}

/// Saves the form as the draft's content. A form loaded from an older version does not
/// overwrite: it comes back with the differences. A change that would void endorsements
/// needs the box ticked. Problems are shown next to their fields with what was typed kept.
async fn save(req: HttpRequest, state: web::Data<AppState>, path: web::Path<String>, form: Form) -> HttpResponse {
    let (page, user, f) = or_return!(posted_by(&req, &state, form, applicant).await);
    let id = path.into_inner();
    let w = match workspace(&state, &user, &id).await {
        Ok(w) => w,
        Err(e) => return error_page(&page, &e),
    };
    let Ok(lead) = w.proposal.lead_prefecture_code.parse() else { return error_page(&page, &ApiError::internal("lead prefecture")) };
    let (lang, t) = (page.lang, T::of(page.lang));
    let values = Values::posted(&f);
    let built = form::build(&values, w.call.program, lead, t);
    let funding_rows = f.get("funding_rows").and_then(|n| n.parse::<usize>().ok());
    let add_year = f.get("action") == Some("add_year");
    let again = |errors: BTreeMap<String, String>, conflict: Vec<DiffLine>, void_confirm_needed: bool, status: StatusCode| {
        let shown = Shown { values: Some(values.clone()), errors, conflict, void_confirm_needed, funding_rows, notice: None };
        render(&page, status, &proposal_page(&page, &w, &user, shown))
    };
    if !built.problems.is_empty() {
        let errors = built.problems.iter().map(|p| (p.field.clone(), p.message.clone())).collect();
        return again(errors, Vec::new(), false, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let version = f.get("version").and_then(|v| v.parse::<i32>().ok());
    let keep = if f.get("confirm_void") == Some("yes") { Endorsements::Void } else { Endorsements::Keep };
    let (writer, proposal_id, patch) = (user.clone(), id.clone(), built.patch.clone());
    let saved = state
        .write(Actor::user(&user), move |tx| update_with(tx, &writer, &proposal_id, &Some(version.into_iter().collect()), &patch, keep))
        .await;
    match saved {
        Ok(_) if add_year => see_other(&page, &format!("/proposals/{id}?done=saved&funding_rows={}#funding", funding_rows.unwrap_or(0) + 1)),
        Ok(_) => see_other(&page, &format!("/proposals/{id}?done=saved")),
        Err(e) if e.code == "version_conflict" => {
            let theirs = Values::of(&w.proposal.content);
            let layout = Layout { lang, program: w.call.program, lead, values: &values, errors: &BTreeMap::new(), funding_rows };
            let conflict = form::view(&layout)
                .inputs()
                .into_iter()
                .filter(|i| theirs.get(&i.name) != i.value)
                .map(|i| DiffLine { label: i.label.clone(), theirs: theirs.get(&i.name).to_string(), yours: i.value.clone() })
                .collect();
            again(BTreeMap::new(), conflict, false, StatusCode::CONFLICT)
        }
        Err(e) if e.code == "endorsements_would_be_voided" => again(BTreeMap::new(), Vec::new(), true, StatusCode::CONFLICT),
        Err(e) if e.status == StatusCode::UNPROCESSABLE_ENTITY => {
            let errors = e.errors.iter().map(|p| (built.field_of(&p.field), p.message.clone())).collect();
            again(errors, Vec::new(), false, StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(e) => error_page(&page, &e),
    }
}
