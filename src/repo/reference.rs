//! Reference data: prefectures and designated cities, as shipped by the migrations.

use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::{designated_cities, prefectures};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = prefectures)]
pub struct PrefectureRow {
    pub code: String,
    pub name_ja: String,
    pub name_en: String,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = designated_cities)]
pub struct CityRow {
    pub code: String,
    pub prefecture_code: String,
    pub name_ja: String,
    pub name_en: String,
}

pub fn prefectures_with_cities(conn: &mut DbConn) -> QueryResult<Vec<(PrefectureRow, Vec<CityRow>)>> {
    let prefectures: Vec<PrefectureRow> =
        prefectures::table.order(prefectures::code.asc()).select(PrefectureRow::as_select()).load(conn)?;
    let cities: Vec<CityRow> =
        designated_cities::table.order(designated_cities::code.asc()).select(CityRow::as_select()).load(conn)?;
    Ok(prefectures
        .into_iter()
        .map(|p| {
            let own = cities.iter().filter(|c| c.prefecture_code == p.code).cloned().collect();
            (p, own)
        })
        .collect())
}
