//! The four-level evaluation (S, A, B, C) of the Knowledge Cluster Initiative reviews (seed 003).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, diesel::AsExpression, diesel::FromSqlRow)]
#[diesel(sql_type = diesel::sql_types::Text)]
pub enum Grade {
    S,
    A,
    B,
    C,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a grade (expected S, A, B or C)")]
pub struct InvalidGrade;

impl Grade {
    pub const ALL: [Grade; 4] = [Grade::S, Grade::A, Grade::B, Grade::C];

    /// Points as 003 counts them: S = 4 … C = 1, so a total score lies in 1.00–4.00.
    pub fn points(self) -> u8 {
        match self {
            Grade::S => 4,
            Grade::A => 3,
            Grade::B => 2,
            Grade::C => 1,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Grade::S => "S",
            Grade::A => "A",
            Grade::B => "B",
            Grade::C => "C",
        }
    }
}

impl crate::domain::TextValue for Grade {
    fn as_text(&self) -> &'static str {
        self.as_str()
    }
}

impl FromStr for Grade {
    type Err = InvalidGrade;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "S" => Ok(Grade::S),
            "A" => Ok(Grade::A),
            "B" => Ok(Grade::B),
            "C" => Ok(Grade::C),
            _ => Err(InvalidGrade),
        }
    }
}

impl fmt::Display for Grade {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
