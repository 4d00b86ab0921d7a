//! The OpenAPI document: paths and schemas are collected from the handlers' `#[utoipa::path]`
//! annotations as routes are registered (see `startup`); this adds what is global.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::error::{FieldError, Problem};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Kyoso API",
        version = "1.0.0",
        description = "Kyoso (共創): the open call for regional science-and-technology hubs — \
prefectures apply, external experts review, the agency decides. Errors are RFC 9457 problem \
documents (`application/problem+json`) with a stable `code`. Instants are RFC 3339 and shown in \
Japan Standard Time (+09:00). Money is an integer number of yen.",
        license(name = "MIT")
    ),
    components(schemas(Problem, FieldError)),
    modifiers(&BearerAuth),
    tags(
        (name = "ops", description = "Health and the API document"),
        (name = "auth", description = "Login, tokens, activation, password reset"),
        (name = "users", description = "Accounts"),
        (name = "reference", description = "Prefectures and designated cities"),
        (name = "audit", description = "The append-only audit log"),
        (name = "calls", description = "Calls (公募): terms, publication, review start"),
        (name = "proposals", description = "Proposals (提案): drafting, partners, submission, attachments"),
        (name = "endorsements", description = "Endorsements (連名) by the three signatories"),
        (name = "review", description = "Conflicts of interest, assignments, S/A/B/C reviews, ranking"),
        (name = "decisions", description = "Decisions within the budget, publication, results"),
        (name = "selection", description = "Two-stage selection: the shortlist after the document review, hearing slots"),
        (name = "projects", description = "Projects after adoption: schedules per fiscal year, conditions, annual grants, stage gates, the funding report"),
        (name = "reports", description = "Annual progress reports (実績報告) against the KPIs, and the KPI progress view"),
        (name = "evaluations", description = "Interim and ex-post evaluation rounds (中間評価・事後評価): items, self-evaluations, evaluators, grades, published results"),
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).bearer_format("JWT").build()),
        );
    }
}

pub fn base() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

/// Completes the document once every path is collected:
/// - error responses are documented with the media type they are sent with,
///   `application/problem+json` (RFC 9457), which utoipa's annotations give as `application/json`;
/// - the errors every operation of a kind can answer are documented once here rather than on
///   each handler: 401 and 403 where a token is required, 400/413/415/422 where a body is read, 422
///   where query parameters are parsed.
pub fn finish(api: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::path::ParameterIn;
    use utoipa::openapi::schema::Ref;
    use utoipa::openapi::{ContentBuilder, RefOr, ResponseBuilder};

    const PROBLEM_SCHEMA: &str = "#/components/schemas/Problem";
    let problem = |description: &str| {
        RefOr::T(
            ResponseBuilder::new()
                .description(description)
                .content(crate::error::PROBLEM_JSON, ContentBuilder::new().schema(Some(Ref::from_schema_name("Problem"))).build())
                .build(),
        )
    };
    for item in api.paths.paths.values_mut() {
        let operations = [&mut item.get, &mut item.put, &mut item.post, &mut item.delete, &mut item.patch];
        for operation in operations.into_iter().flatten() {
            let responses = &mut operation.responses.responses;
            for response in responses.values_mut() {
                let RefOr::T(response) = response else { continue };
                let is_problem = response.content.get("application/json").is_some_and(|c| {
                    matches!(c, RefOr::T(content) if matches!(&content.schema, Some(RefOr::Ref(r)) if r.ref_location == PROBLEM_SCHEMA))
                });
                if is_problem && let Some(content) = response.content.shift_remove("application/json") {
                    response.content.insert(crate::error::PROBLEM_JSON.to_string(), content);
                }
            }
            let mut expected: Vec<(&str, &str)> = Vec::new();
            if operation.security.as_ref().is_some_and(|s| !s.is_empty()) {
                expected.push(("401", "Missing, invalid or expired access token, or the session ended (`session_ended`)"));
                // Any signed-in account may be told to change its password first.
                expected.push(("403", "The account must change its password first (`password_change_required`), or may not do this"));
            }
            if operation.request_body.is_some() {
                expected.extend([
                    ("400", "Malformed body (`malformed_json`)"),
                    ("413", "Body too large (`payload_too_large`)"),
                    ("415", "Wrong media type (`unsupported_media_type`)"),
                    ("422", "Every problem with the request (`validation_failed`)"),
                ]);
            }
            let has_query = operation
                .parameters
                .iter()
                .flatten()
                .any(|p| matches!(p, RefOr::T(p) if p.parameter_in == ParameterIn::Query));
            if has_query {
                expected.push(("422", "Invalid query parameters (`validation_failed`)"));
            }
            for (status, description) in expected {
                responses.entry(status.to_string()).or_insert_with(|| problem(description));
            }
        }
    }
    open_embedded_bodies(api);
    add_links(api);
}

/// A response that embeds the proposal body (`#[serde(flatten)]`, written as `allOf`, also
/// inside lists) must not inherit the body's "no unknown fields" rule: that rule is for
/// requests, and under `allOf` it would forbid the response's own fields (`id`, `status`, …).
/// The document is rewritten as JSON because the embedding occurs at any depth.
fn open_embedded_bodies(api: &mut utoipa::openapi::OpenApi) {
    use serde_json::Value;
    const BODY: &str = "ProposalContent";
    fn open_up(node: &mut Value, reference: &Value, open: &Value) {
        match node {
            Value::Object(map) => {
                if let Some(Value::Array(parts)) = map.get_mut("allOf") {
                    for part in parts.iter_mut().filter(|p| *p == reference) {
                        *part = open.clone();
                    }
                }
                map.values_mut().for_each(|v| open_up(v, reference, open));
            }
            Value::Array(items) => items.iter_mut().for_each(|v| open_up(v, reference, open)),
            _ => {}
        }
    }
    let Ok(mut doc) = serde_json::to_value(&*api) else { return };
    let mut open = doc["components"]["schemas"][BODY].clone();
    let Some(fields) = open.as_object_mut() else { return };
    fields.remove("additionalProperties");
    let reference = serde_json::json!({ "$ref": format!("#/components/schemas/{BODY}") });
    open_up(&mut doc, &reference, &open);
    match serde_json::from_value(doc) {
        Ok(opened) => *api = opened,
        Err(e) => tracing::error!(error = %e, "the OpenAPI document could not be rewritten"),
    }
}

/// Where a response names a resource: `(operation, status, kind, expression)`. `kind` is the
/// path prefix of the operations on that resource (`/api/v1/{kind}/{id}…`), `expression` the
/// runtime expression that gives its id.
const RESOURCE_SOURCES: &[(&str, &str, &str, &str)] = &[
    ("create_call", "201", "calls", "$response.body#/id"),
    ("update_call", "200", "calls", "$response.body#/id"),
    ("publish_call", "200", "calls", "$response.body#/id"),
    ("start_review", "200", "calls", "$response.body#/id"),
    ("publish_decisions", "200", "calls", "$response.body#/id"),
    ("list_calls", "200", "calls", "$response.body#/items/0/id"),
    ("create_proposal", "201", "proposals", "$response.body#/id"),
    ("update_proposal", "200", "proposals", "$response.body#/id"),
    ("submit_proposal", "200", "proposals", "$response.body#/id"),
    ("unsubmit_proposal", "200", "proposals", "$response.body#/id"),
    ("list_proposals", "200", "proposals", "$response.body#/items/0/id"),
    ("decide", "200", "proposals", "$response.body#/proposal_id"),
    ("assign_reviewer", "201", "assignments", "$response.body#/id"),
    ("accept_assignment", "200", "assignments", "$response.body#/id"),
    ("list_assignments", "200", "assignments", "$response.body#/0/id"),
    ("my_assignments", "200", "assignments", "$response.body#/0/id"),
    ("save_review", "200", "assignments", "$request.path.id"),
    ("make_shortlist", "200", "calls", "$response.body#/id"),
    ("schedule_hearing", "201", "hearings", "$response.body#/id"),
    ("list_hearings", "200", "hearings", "$response.body#/items/0/id"),
    ("create_user", "201", "users", "$response.body#/id"),
    ("list_users", "200", "users", "$response.body#/items/0/id"),
    ("list_projects", "200", "projects", "$response.body#/items/0/id"),
    ("get_project", "200", "projects", "$response.body#/id"),
    ("clear_conditions", "200", "projects", "$response.body#/id"),
    ("create_evaluation", "201", "evaluations", "$response.body#/id"),
    ("list_evaluations", "200", "evaluations", "$response.body#/items/0/id"),
    ("get_evaluation", "200", "evaluations", "$response.body#/id"),
    ("assign_evaluator", "201", "assignments", "$response.body#/id"),
];

/// OpenAPI links, so that stateful clients (schemathesis) follow the real workflow: a created
/// or listed call leads to publishing it and proposing to it, a proposal to its edits,
/// attachments, endorsements and submission, an assignment to its review, and so on. Every
/// operation whose only path parameter is the resource's `id` is a target.
fn add_links(api: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::RefOr;
    use utoipa::openapi::link::LinkBuilder;

    let mut operations: Vec<(String, String)> = Vec::new();
    for (path, item) in &api.paths.paths {
        let ops = [&item.get, &item.put, &item.post, &item.delete, &item.patch];
        for op in ops.into_iter().flatten() {
            if let Some(id) = &op.operation_id {
                operations.push((path.clone(), id.clone()));
            }
        }
    }
    let targets = |kind: &str| -> Vec<String> {
        let prefixes = [format!("/api/v1/{kind}/{{id}}"), format!("/api/v1/public/{kind}/{{id}}")];
        operations
            .iter()
            .filter(|(path, _)| prefixes.iter().any(|p| path == p || path.starts_with(&format!("{p}/"))))
            .filter(|(path, _)| path.matches('{').count() == 1)
            .map(|(_, id)| id.clone())
            .collect()
    };
    let mut links: Vec<(String, String, String, utoipa::openapi::link::Link)> = Vec::new();
    for (source, status, kind, expression) in RESOURCE_SOURCES {
        for target in targets(kind) {
            let link = LinkBuilder::new().operation_id(target.clone()).parameter("id", *expression).build();
            links.push((source.to_string(), status.to_string(), target, link));
        }
    }
    // An uploaded attachment can be downloaded.
    let download = LinkBuilder::new()
        .operation_id("download_attachment")
        .parameter("id", "$request.path.id")
        .parameter("aid", "$response.body#/id")
        .build();
    links.push(("upload_attachment".into(), "201".into(), "download_attachment".into(), download));
    for item in api.paths.paths.values_mut() {
        let ops = [&mut item.get, &mut item.put, &mut item.post, &mut item.delete, &mut item.patch];
        for op in ops.into_iter().flatten() {
            let Some(id) = op.operation_id.clone() else { continue };
            for (source, status, target, link) in &links {
                if *source != id {
                    continue;
                }
                if let Some(RefOr::T(response)) = op.responses.responses.get_mut(status) {
                    response.links.insert(target.clone(), RefOr::T(link.clone()));
                }
            }
        }
    }
}

/// The whole document, as served at `/api/v1/openapi.json`.
pub fn document() -> utoipa::openapi::OpenApi {
    let (_, api) = crate::described_app!();
    api
}

/// The paths of the document and the methods each accepts, to tell "no such resource" (404)
/// from "not with this method" (405 with `Allow`).
#[derive(Debug, Clone, Default)]
pub struct KnownRoutes(Vec<(Vec<String>, Vec<&'static str>)>);

impl KnownRoutes {
    pub fn from_document(api: &utoipa::openapi::OpenApi) -> Self {
        let routes = api
            .paths
            .paths
            .iter()
            .map(|(path, item)| {
                let segments = path.trim_matches('/').split('/').map(str::to_string).collect();
                let methods = [
                    ("GET", item.get.is_some()),
                    ("PUT", item.put.is_some()),
                    ("POST", item.post.is_some()),
                    ("DELETE", item.delete.is_some()),
                    ("PATCH", item.patch.is_some()),
                ]
                .into_iter()
                .filter_map(|(m, present)| present.then_some(m))
                .collect();
                (segments, methods)
            })
            .collect();
        Self(routes)
    }

    /// The methods allowed on `path`, if it names a known resource.
    pub fn allowed(&self, path: &str) -> Option<Vec<&'static str>> {
        let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
        let matches = |template: &[String]| {
            template.len() == parts.len()
                && template.iter().zip(&parts).all(|(t, p)| (t.starts_with('{') && !p.is_empty()) || t == p)
        };
        let mut methods: Vec<&'static str> =
            self.0.iter().filter(|(t, _)| matches(t)).flat_map(|(_, m)| m.iter().copied()).collect();
        methods.sort_unstable();
        methods.dedup();
        (!methods.is_empty()).then_some(methods)
    }
}
