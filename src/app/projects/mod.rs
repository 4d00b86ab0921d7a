//! Projects after adoption (SPEC §8): created when decisions are published, then steered by the
//! program officer — conditions cleared, each fiscal year granted once, stage gates passed —
//! while the lead prefecture reports progress.

pub mod funding;
pub mod reports;
pub mod view;

use std::collections::HashMap;

use crate::app::{Event, Subject, Tx};
use crate::auth::CurrentUser;
use crate::domain::prefecture::PrefectureCode;
use crate::domain::project::{self, GrantRefusal, Phase, YearAmount};
use crate::domain::time::Instant;
use crate::domain::user::Role;
use crate::error::{ApiError, ApiResult};
use crate::mail::templates::{self, GrantNotice};
use crate::repo::calls::CallRow;
use crate::repo::decisions::DecisionRow;
use crate::repo::projects::{self, ProjectRow};
use crate::repo::proposals::ProposalRow;
use crate::repo::{assignments, calls, new_id, proposals, users};

use view::{GrantView, PhaseChange, Project};

pub fn project_not_found() -> ApiError {
    ApiError::not_found("project")
}

/// How the caller stands to a project: the agency, or a prefecture taking part in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProjectRelation {
    Admin,
    Lead,
    Partner,
}

/// A project loaded for a caller who may see it, with its partner prefectures.
pub struct LoadedProject {
    pub row: ProjectRow,
    pub partners: Vec<PrefectureCode>,
    pub relation: ProjectRelation,
}

impl LoadedProject {
    pub fn require_lead(&self) -> ApiResult<()> {
        if self.relation == ProjectRelation::Lead {
            Ok(())
        } else {
            Err(ApiError::forbidden("only an officer of the lead prefecture may do this"))
        }
    }
}

fn relation(user: &CurrentUser, row: &ProjectRow, partners: &[PrefectureCode]) -> Option<ProjectRelation> {
    match user.role {
        Role::Admin => Some(ProjectRelation::Admin),
        Role::Applicant => match user.prefecture {
            Some(code) if code == row.lead_prefecture_code => Some(ProjectRelation::Lead),
            Some(code) if partners.contains(&code) => Some(ProjectRelation::Partner),
            _ => None,
        },
        _ => None,
    }
}

fn with_relation(tx: &mut Tx<'_>, row: ProjectRow, user: &CurrentUser) -> ApiResult<LoadedProject> {
    let partners = assignments::confirmed_partners_of(tx.conn, &[row.proposal_id.as_str()])?.remove(&row.proposal_id).unwrap_or_default();
    let relation = relation(user, &row, &partners).ok_or_else(project_not_found)?;
    Ok(LoadedProject { row, partners, relation })
}

/// Loads a project for `user`: program officers and the prefectures taking part; 404 for
/// anyone else.
pub fn load(tx: &mut Tx<'_>, id: &str, user: &CurrentUser) -> ApiResult<LoadedProject> {
    let row = projects::find(tx.conn, id)?.ok_or_else(project_not_found)?;
    with_relation(tx, row, user)
}

/// [`load`] for a change: the project's row stays locked until the transaction ends.
pub fn lock(tx: &mut Tx<'_>, id: &str, user: &CurrentUser) -> ApiResult<LoadedProject> {
    let row = projects::lock(tx.conn, id)?.ok_or_else(project_not_found)?;
    with_relation(tx, row, user)
}

/// The project as the API shows it: schedule and the KPIs its proposal named.
pub fn view_of(tx: &mut Tx<'_>, loaded: &LoadedProject) -> ApiResult<Project> {
    let years = projects::years_of(tx.conn, &loaded.row.id)?;
    let proposal = proposals::find(tx.conn, &loaded.row.proposal_id)?.ok_or_else(project_not_found)?;
    Ok(Project::new(&loaded.row, loaded.partners.clone(), years, proposal.content()?.kpis.unwrap_or_default()))
}

pub fn get(tx: &mut Tx<'_>, user: &CurrentUser, id: &str) -> ApiResult<Project> {
    let loaded = load(tx, id, user)?;
    view_of(tx, &loaded)
}

/// Projects, optionally of one call: program officers see all, an applicant those its
/// prefecture leads or partners; reviewers none.
pub fn list(tx: &mut Tx<'_>, user: &CurrentUser, call_id: Option<&str>) -> ApiResult<Vec<Project>> {
    let prefecture = match user.role {
        Role::Admin => None,
        Role::Applicant => Some(user.prefecture.ok_or_else(|| ApiError::forbidden("an applicant account belongs to a prefecture"))?),
        _ => return Err(ApiError::forbidden("projects are for program officers and the prefectures taking part")),
    };
    let rows = projects::list(tx.conn, call_id, prefecture)?;
    let ids: Vec<&str> = rows.iter().map(|r| r.proposal_id.as_str()).collect();
    let mut partners = assignments::confirmed_partners_of(tx.conn, &ids)?;
    let project_ids: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
    let mut years = projects::years_of_many(tx.conn, &project_ids)?;
    let mut proposals = assignments::proposals_by_id(tx.conn, &ids)?;
    rows.iter()
        .map(|row| {
            let kpis = match proposals.remove(&row.proposal_id) {
                Some(p) => p.content()?.kpis.unwrap_or_default(),
                None => Vec::new(),
            };
            Ok(Project::new(row, partners.remove(&row.proposal_id).unwrap_or_default(), years.remove(&row.id).unwrap_or_default(), kpis))
        })
        .collect()
}

/// At publication: one project per adopted or conditionally adopted proposal, with the
/// decision's schedule. Part of the publication's transaction.
pub fn create_for_adoptions(
    tx: &mut Tx<'_>,
    call: &CallRow,
    adopted: &[(&ProposalRow, &DecisionRow)],
    schedules: &mut HashMap<String, Vec<YearAmount>>,
) -> ApiResult<usize> {
    for (proposal, decision) in adopted {
        let schedule = schedules
            .remove(&proposal.id)
            .unwrap_or_else(|| project::schedule_or_default(None, call.fiscal_year, decision.awarded_amount_yen));
        let row = ProjectRow {
            id: new_id(),
            proposal_id: proposal.id.clone(),
            call_id: call.id.clone(),
            lead_prefecture_code: proposal.lead(),
            title: proposal.content()?.title.unwrap_or_default(),
            phase: Phase::Active,
            phase_reason: None,
            conditions: decision.conditions.clone().filter(|_| decision.outcome() == crate::domain::decision::Outcome::ConditionallyAdopted),
            conditions_cleared_at: None,
            conditions_cleared_by: None,
            conditions_note: None,
            created_at: tx.now.into(),
            updated_at: tx.now.into(),
        };
        projects::insert(tx.conn, &row, &schedule)?;
        tx.audit(
            Subject::project(&row.id),
            Event::ProjectCreated { proposal_id: proposal.id.clone(), call_id: call.id.clone(), schedule, conditional: row.conditions.is_some() },
        )?;
    }
    Ok(adopted.len())
}

/// The program officer clears a conditional adoption's conditions, with a note; until then
/// nothing is granted.
pub fn clear_conditions(tx: &mut Tx<'_>, admin: &CurrentUser, id: &str, note: &str) -> ApiResult<Project> {
    let note = note.trim();
    let mut p = crate::domain::validation::Problems::new();
    p.text("note", Some(note), 10_000);
    p.into_result().map_err(ApiError::validation)?;
    let loaded = lock(tx, id, admin)?;
    if loaded.row.conditions.is_none() {
        return Err(ApiError::invalid_state("this project was adopted without conditions"));
    }
    if loaded.row.conditions_cleared_at.is_some() {
        return Err(ApiError::invalid_state("the conditions are cleared already"));
    }
    if loaded.row.phase != Phase::Active {
        return Err(ApiError::invalid_state(format!("a {} project is final", loaded.row.phase)));
    }
    projects::clear_conditions(tx.conn, id, &admin.id, note, tx.now)?;
    tx.audit(Subject::project(id), Event::ProjectConditionsCleared { note: note.to_string() })?;
    let loaded = load(tx, id, admin)?;
    view_of(tx, &loaded)
}

/// The annual grant (交付決定) of one scheduled fiscal year, once; the lead prefecture's
/// officers are emailed.
pub fn grant(tx: &mut Tx<'_>, admin: &CurrentUser, id: &str, fiscal_year: i32, base_url: &str) -> ApiResult<GrantView> {
    let loaded = lock(tx, id, admin)?;
    let years = projects::years_of(tx.conn, id)?;
    let year = years.iter().find(|y| y.fiscal_year == fiscal_year).ok_or_else(|| ApiError::not_found("scheduled fiscal year"))?;
    project::may_grant(loaded.row.phase, loaded.row.conditions_cleared(), year.granted_at.is_some()).map_err(|refusal| match refusal {
        GrantRefusal::ConditionsOpen => ApiError::conflict("conditions_open", "the conditions of this adoption are not cleared yet"),
        GrantRefusal::AlreadyGranted => ApiError::conflict("already_granted", format!("fiscal year {fiscal_year} is granted already")),
        GrantRefusal::NotActive(phase) => ApiError::invalid_state(format!("nothing is granted to a {phase} project")),
    })?;
    if !projects::grant(tx.conn, id, fiscal_year, &admin.id, tx.now)? {
        return Err(ApiError::conflict("already_granted", format!("fiscal year {fiscal_year} is granted already")));
    }
    tx.audit(Subject::project(id), Event::GrantMade { fiscal_year, amount_yen: year.amount_yen })?;
    let call = calls::find(tx.conn, &loaded.row.call_id)?.ok_or_else(project_not_found)?;
    let amount = year.amount_yen.to_string();
    let link = format!("{}/projects/{}", base_url.trim_end_matches('/'), id);
    let email = templates::grant_made(&GrantNotice { project_title: &loaded.row.title, call_title: &call.title, fiscal_year, amount: &amount, link: &link });
    for officer in users::active_applicants_of(tx.conn, &[loaded.row.lead_prefecture_code])? {
        tx.enqueue(&officer.email, &email)?;
    }
    Ok(GrantView { fiscal_year, amount_yen: year.amount_yen.get(), granted_at: Instant::from(tx.now).shown() })
}

/// A stage gate by hand: the program officer completes or terminates a project, with a reason.
pub fn change_phase(tx: &mut Tx<'_>, admin: &CurrentUser, id: &str, change: PhaseChange) -> ApiResult<Project> {
    let reason = change.reason.trim().to_string();
    let mut p = crate::domain::validation::Problems::new();
    p.text("reason", Some(&reason), 10_000);
    p.check(change.to != Phase::Active, "to", "invalid", "a project moves to completed or terminated");
    p.into_result().map_err(ApiError::validation)?;
    let loaded = lock(tx, id, admin)?;
    let from = loaded.row.phase;
    from.may_become(change.to).map_err(ApiError::invalid_state)?;
    if !projects::set_phase(tx.conn, id, from, change.to, &reason, tx.now)? {
        return Err(ApiError::invalid_state("the project changed meanwhile; reload it"));
    }
    tx.audit(Subject::project(id), Event::ProjectPhaseChanged { from, to: change.to, reason })?;
    let loaded = load(tx, id, admin)?;
    view_of(tx, &loaded)
}
