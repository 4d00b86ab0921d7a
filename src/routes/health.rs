//! Liveness with a database check, for load balancers and `docker compose`.

use actix_web::{HttpResponse, get, web};
use serde::Serialize;
use utoipa::ToSchema;

use crate::state::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    #[schema(example = "ok")]
    pub status: &'static str,
    #[schema(example = "ok")]
    pub database: &'static str,
}

/// 200 when the service and its database answer; 503 otherwise.
#[utoipa::path(tag = "ops", responses((status = 200, body = Health), (status = 503, body = Health)))]
#[get("/health")]
pub async fn health(state: web::Data<AppState>) -> HttpResponse {
    if state.db.ping().await {
        HttpResponse::Ok().json(Health { status: "ok", database: "ok" })
    } else {
        HttpResponse::ServiceUnavailable().json(Health { status: "degraded", database: "unavailable" })
    }
}

/// The serialized OpenAPI document, computed once at start.
pub struct ApiDocument(pub web::Bytes);

/// The OpenAPI 3 document of this API.
#[utoipa::path(
    tag = "ops",
    responses((status = 200, description = "The OpenAPI 3 document", content_type = "application/json", body = Object))
)]
#[get("/openapi.json")]
pub async fn openapi_json(document: web::Data<ApiDocument>) -> HttpResponse {
    HttpResponse::Ok().content_type("application/json").body(document.0.clone())
}
