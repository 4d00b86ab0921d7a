//! Money: whole yen, never negative.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, diesel::AsExpression, diesel::FromSqlRow)]
#[serde(transparent)]
#[diesel(sql_type = diesel::sql_types::BigInt)]
pub struct Yen(i64);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("an amount of yen must be a whole number ≥ 0")]
pub struct NegativeYen;

impl Yen {
    pub const ZERO: Yen = Yen(0);

    pub fn new(amount: i64) -> Result<Self, NegativeYen> {
        if amount >= 0 { Ok(Self(amount)) } else { Err(NegativeYen) }
    }

    pub fn get(self) -> i64 {
        self.0
    }

    /// For the column impl, which must lend out the stored integer.
    pub(crate) fn as_i64_ref(&self) -> &i64 {
        &self.0
    }

    pub fn checked_add(self, other: Yen) -> Option<Yen> {
        self.0.checked_add(other.0).map(Yen)
    }
}

impl<'de> Deserialize<'de> for Yen {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let amount = i64::deserialize(deserializer)?;
        Yen::new(amount).map_err(serde::de::Error::custom)
    }
}

impl fmt::Display for Yen {
    /// Grouped by thousands, as amounts are written in Japanese budget papers: 3,000,000,000 円.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let digits = self.0.to_string();
        let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                grouped.push(',');
            }
            grouped.push(c);
        }
        write!(f, "{grouped} 円")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negative_amounts_cannot_be_made_or_parsed() {
        assert!(Yen::new(-1).is_err());
        assert!(serde_json::from_str::<Yen>("-5").is_err());
        assert!(serde_json::from_str::<Yen>("1.5").is_err());
        assert_eq!(serde_json::from_str::<Yen>("3000000000").unwrap().get(), 3_000_000_000);
    }

    #[test]
    fn amounts_display_grouped_by_thousands() {
        assert_eq!(Yen::new(69_500_000_000).unwrap().to_string(), "69,500,000,000 円");
        assert_eq!(Yen::new(0).unwrap().to_string(), "0 円");
        assert_eq!(Yen::new(999).unwrap().to_string(), "999 円");
    }
}
