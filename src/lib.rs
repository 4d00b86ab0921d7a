//! Kyoso (共創): the REST backend of the national open call that funds regional
//! science-and-technology hubs — prefectures apply, external experts review, the agency decides.

pub mod app;
pub mod auth;
pub mod bootstrap;
pub mod clock;
pub mod config;
pub mod db;
pub mod demo;
pub mod domain;
pub mod error;
pub mod idempotency;
pub mod mail;
pub mod openapi;
pub mod repo;
pub mod routes;
pub mod startup;
pub mod state;
pub mod telemetry;
pub mod upload;
pub mod web;
