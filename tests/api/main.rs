//! Integration tests: each drives the real HTTP app on a fresh database (SQLite by default,
//! PostgreSQL when `KYOSO_TEST_POSTGRES_URL` is set).

mod helpers;

mod accounts;
mod auth;
mod auth_hardening;
mod lifecycle;
mod errors;
mod funding;
mod mail;
mod ops;
mod reference;
mod fixtures;

mod attachments;
mod calls;
mod endorsements;
mod partners;
mod proposals;
mod races;
mod assignments;
mod reviews;
mod decisions;
mod two_stage;
mod projects;
mod project_reports;
mod evaluations;
mod project_lifecycle;
mod demo;
mod page_fixtures;
mod pages;
mod pages_officer;
mod pages_applicant;
mod pages_projects;

mod drift;
