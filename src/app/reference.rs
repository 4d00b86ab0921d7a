//! Reference data: prefectures and their designated cities.

use serde::Serialize;
use utoipa::ToSchema;

use crate::app::Tx;
use crate::error::ApiResult;
use crate::repo::reference;

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
pub fn prefectures(tx: &mut Tx) -> ApiResult<Vec<Prefecture>> {
    let rows = reference::prefectures_with_cities(tx.conn)?;
    Ok(rows
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
        .collect())
}
