//! HTTP resources, one module per resource. Handlers parse, authorise, call the domain and the
//! repositories, and answer; the rules themselves live in `crate::domain`.

pub mod assignments;
pub mod attachments;
pub mod audit;
pub mod auth;
pub mod auto_assignment;
pub mod calls;
pub mod conflicts;
pub mod decisions;
pub mod endorsements;
pub mod evaluation_results;
pub mod evaluations;
pub mod funding;
pub mod health;
pub mod hearings;
pub mod partners;
pub mod projects;
pub mod proposals;
pub mod ranking;
pub mod reference;
pub mod reports;
pub mod reviews;
pub mod submission;
pub mod users;

mod support;

pub use support::{Body, List, MaybeBody, Page, created_at, etag, if_match, with_etag, with_etag_json, path_error as support_path_error, query_error as support_query_error, wants_csv};

use utoipa_actix_web::service_config::ServiceConfig;

/// Every route under `/api/v1`, in one place to grep.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(health::openapi_json)
        .service(auth::login)
        .service(auth::refresh)
        .service(auth::logout)
        .service(auth::activate)
        .service(auth::request_password_reset)
        .service(auth::confirm_password_reset)
        .service(users::me)
        .service(users::create_user)
        .service(users::list_users)
        .service(users::update_user)
        .service(users::change_password)
        .service(reference::list_prefectures)
        .service(audit::list_audit_events)
        .service(calls::create_call)
        .service(calls::list_calls)
        .service(calls::get_call)
        .service(calls::update_call)
        .service(calls::publish_call)
        .service(calls::start_review)
        .service(proposals::create_proposal)
        .service(proposals::list_proposals)
        .service(proposals::get_proposal)
        .service(proposals::update_proposal)
        .service(partners::confirm_partner)
        .service(partners::withdraw_confirmation)
        .service(submission::submit_proposal)
        .service(submission::proposal_checklist)
        .service(submission::unsubmit_proposal)
        .service(submission::withdraw_proposal)
        .service(proposals::list_versions)
        .service(endorsements::request_endorsements)
        .service(endorsements::preview_endorsement)
        .service(endorsements::endorse)
        .service(attachments::upload_attachment)
        .service(attachments::download_attachment)
        .service(attachments::remove_attachment)
        .service(conflicts::declare_conflict)
        .service(conflicts::list_conflicts)
        .service(assignments::list_assignments)
        .service(auto_assignment::auto_assign)
        .service(assignments::assign_reviewer)
        .service(assignments::my_assignments)
        .service(assignments::accept_assignment)
        .service(assignments::decline_assignment)
        .service(conflicts::declare_own_conflict)
        .service(reviews::get_review)
        .service(reviews::save_review)
        .service(reviews::submit_review)
        .service(reviews::return_review)
        .service(ranking::call_ranking)
        .service(decisions::decide)
        .service(decisions::get_decision)
        .service(decisions::list_decisions)
        .service(decisions::budget_plan)
        .service(decisions::publish_decisions)
        .service(decisions::proposal_result)
        .service(decisions::public_results)
        .service(hearings::make_shortlist)
        .service(hearings::schedule_hearing)
        .service(hearings::list_hearings)
        .service(hearings::move_hearing)
        .service(projects::list_projects)
        .service(projects::get_project)
        .service(projects::clear_conditions)
        .service(projects::grant_year)
        .service(projects::change_phase)
        .service(reports::save_report)
        .service(reports::submit_report)
        .service(reports::list_reports)
        .service(reports::kpi_progress)
        .service(funding::funding_report)
        .service(evaluation_results::publish_evaluation)
        .service(evaluation_results::public_evaluation_results)
        .service(evaluations::create_evaluation)
        .service(evaluations::list_evaluations)
        .service(evaluations::get_evaluation)
        .service(evaluations::update_evaluation)
        .service(evaluations::write_self_evaluation)
        .service(evaluations::read_self_evaluation)
        .service(evaluations::assign_evaluator)
        .service(evaluations::list_evaluators);
}
