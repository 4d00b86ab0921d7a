//! Reference data: prefectures and their designated cities.

use actix_web::{get, web};
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::ApiResult;
use crate::repo::reference;
use crate::routes::List;
use crate::state::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct DesignatedCity {
    #[schema(example = "14100")]
    pub code: String,
    #[schema(example = "横浜市")]
    pub name_ja: String,
    #[schema(example = "Yokohama")]
    pub name_en: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Prefecture {
    #[schema(example = "14")]
    pub code: String,
    #[schema(example = "神奈川県")]
    pub name_ja: String,
    #[schema(example = "Kanagawa")]
    pub name_en: String,
    pub designated_cities: Vec<DesignatedCity>,
}

/// The 47 prefectures with their designated cities (政令指定都市).
#[utoipa::path(tag = "reference", responses((status = 200, body = List<Prefecture>)))]
#[get("/prefectures")]
pub async fn list_prefectures(state: web::Data<AppState>) -> ApiResult<web::Json<List<Prefecture>>> {
    let rows = state.db.read(|c| Ok(reference::prefectures_with_cities(c)?)).await?;
    let items = rows
        .into_iter()
        .map(|(p, cities)| Prefecture {
            code: p.code,
            name_ja: p.name_ja,
            name_en: p.name_en,
            designated_cities: cities
                .into_iter()
                .map(|c| DesignatedCity { code: c.code, name_ja: c.name_ja, name_en: c.name_en })
                .collect(),
        })
        .collect();
    Ok(web::Json(List::all(items)))
}
