//! The funding report (002 資金投入状況調査): what each fiscal year grants and plans, by the lead
//! prefecture of the projects and its 地方, as the agency reports it upwards.

use std::collections::BTreeMap;

use serde::Serialize;
use utoipa::ToSchema;

use crate::app::Tx;
use crate::app::review::ranking::{UTF8_BOM, spreadsheet_cell};
use crate::domain::prefecture::{PrefectureCode, Region};
use crate::domain::project::planned_amount;
use crate::error::{ApiError, ApiResult};
use crate::repo::projects;

/// One fiscal year of one lead prefecture.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct FundingLine {
    #[schema(value_type = String, example = "13")]
    pub prefecture_code: PrefectureCode,
    pub region: Region,
    #[schema(example = "関東地方")]
    pub region_name_ja: &'static str,
    pub fiscal_year: i32,
    /// Granted (交付決定) in that year.
    pub granted_yen: i64,
    /// Granted, plus what active projects still have scheduled for that year.
    pub scheduled_yen: i64,
    /// Projects with a non-zero planned amount in that year.
    pub projects: i64,
}

/// Every fiscal year (or one), ordered by year then prefecture code; only lines with money in
/// them.
pub fn report(tx: &mut Tx<'_>, fiscal_year: Option<i32>) -> ApiResult<Vec<FundingLine>> {
    let mut lines: BTreeMap<(i32, PrefectureCode), FundingLine> = BTreeMap::new();
    for (year, prefecture, phase) in projects::funding_rows(tx.conn, fiscal_year)? {
        let amount = year.amount_yen.get();
        let granted = year.granted_at.is_some();
        let planned = planned_amount(phase, granted, amount);
        let line = lines.entry((year.fiscal_year, prefecture)).or_insert_with(|| FundingLine {
            prefecture_code: prefecture,
            region: prefecture.region(),
            region_name_ja: prefecture.region().name_ja(),
            fiscal_year: year.fiscal_year,
            granted_yen: 0,
            scheduled_yen: 0,
            projects: 0,
        });
        if granted {
            line.granted_yen += amount;
        }
        line.scheduled_yen += planned;
        line.projects += i64::from(planned > 0);
    }
    Ok(lines.into_values().filter(|l| l.scheduled_yen > 0 || l.granted_yen > 0).collect())
}

/// The report as CSV, the columns of the JSON: UTF-8 with a BOM for Excel, no cell a formula.
pub fn to_csv(lines: &[FundingLine]) -> ApiResult<Vec<u8>> {
    let mut w = csv::Writer::from_writer(UTF8_BOM.to_vec());
    w.write_record(["prefecture_code", "region", "region_name_ja", "fiscal_year", "granted_yen", "scheduled_yen", "projects"]).map_err(ApiError::internal)?;
    for l in lines {
        let record = [
            l.prefecture_code.to_string(),
            l.region.to_string(),
            l.region_name_ja.to_string(),
            l.fiscal_year.to_string(),
            l.granted_yen.to_string(),
            l.scheduled_yen.to_string(),
            l.projects.to_string(),
        ];
        w.write_record(record.iter().map(|cell| spreadsheet_cell(cell).into_owned())).map_err(ApiError::internal)?;
    }
    w.into_inner().map_err(ApiError::internal)
}
