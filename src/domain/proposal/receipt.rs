//! Receipt numbers (受付番号): `R8-LAB-13-0001` = era year of the call's fiscal year (令和8年度),
//! program, lead prefecture, and a sequence unique within the call.

use crate::domain::call::Program;
use crate::domain::prefecture::PrefectureCode;

/// The Japanese era of a fiscal year as written in receipt numbers. Fiscal years start in April,
/// and Reiwa began on 1 May 2019, so FY2019 is counted as 令和元年度 (R1), as the government does.
pub fn era_year(fiscal_year: i32) -> String {
    if fiscal_year >= 2019 {
        format!("R{}", fiscal_year - 2018)
    } else if fiscal_year >= 1989 {
        format!("H{}", fiscal_year - 1988)
    } else {
        format!("FY{fiscal_year}")
    }
}

pub fn receipt_number(fiscal_year: i32, program: Program, lead: PrefectureCode, sequence: i64) -> String {
    format!("{}-{}-{}-{:04}", era_year(fiscal_year), program.receipt_mark(), lead, sequence)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn receipt_numbers_read_like_the_agencys() {
        let tokyo: PrefectureCode = "13".parse().unwrap();
        assert_eq!(receipt_number(2026, Program::LabConstruction, tokyo, 1), "R8-LAB-13-0001");
        let hokkaido: PrefectureCode = "01".parse().unwrap();
        assert_eq!(receipt_number(2027, Program::RegionalCoCreation, hokkaido, 123), "R9-COC-01-0123");
    }

    #[test]
    fn fiscal_years_map_to_their_era() {
        assert_eq!(era_year(2019), "R1");
        assert_eq!(era_year(2009), "H21"); // the FY2009 supplementary budget of seed 001
        assert_eq!(era_year(1980), "FY1980");
    }
}
