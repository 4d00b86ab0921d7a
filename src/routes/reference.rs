//! Reference data: prefectures and their designated cities.

use actix_web::{get, web};

use crate::app::reference::{self, Prefecture};
use crate::error::ApiResult;
use crate::repo::audit::Actor;
use crate::routes::List;
use crate::state::AppState;

/// The 47 prefectures with their designated cities (政令指定都市).
#[utoipa::path(tag = "reference", responses((status = 200, body = List<Prefecture>)))]
#[get("/prefectures")]
pub async fn list_prefectures(state: web::Data<AppState>) -> ApiResult<web::Json<List<Prefecture>>> {
    let prefectures = state.read(Actor::anonymous("anonymous", None), reference::prefectures).await?;
    Ok(web::Json(List::all(prefectures)))
}
