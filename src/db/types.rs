//! Typed columns: the domain's values go into and come out of rows as themselves, on both
//! backends (the impls are generic over the diesel backend, so `MultiConnection` picks them up).
//! A stored value that does not parse is a deserialisation error naming the value — never a
//! silent default that would turn a corrupt row into a plausible one.

use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql};
use diesel::serialize::{self, Output, ToSql};
use diesel::sql_types::{BigInt, Text, Timestamp};

use crate::auth::one_time::Purpose;
use crate::domain::TextValue;
use crate::domain::call::{CallStatus, Program};
use crate::domain::decision::Outcome;
use crate::domain::evaluation::{EvaluationKind, EvaluationStatus};
use crate::domain::grade::Grade;
use crate::domain::money::Yen;
use crate::domain::prefecture::PrefectureCode;
use crate::domain::project::Phase;
use crate::domain::report::ReportStatus;
use crate::domain::proposal::ProposalStatus;
use crate::domain::proposal::content::SignatoryRole;
use crate::domain::review::{AssignmentStatus, ReviewStage, ReviewStatus};
use crate::domain::time::Instant;
use crate::domain::user::Role;

fn to_text<'b, T: TextValue, DB: Backend>(value: &'b T, out: &mut Output<'b, '_, DB>) -> serialize::Result
where
    str: ToSql<Text, DB>,
{
    value.as_text().to_sql(out)
}

fn from_text<T, DB>(bytes: DB::RawValue<'_>) -> deserialize::Result<T>
where
    T: TextValue,
    T::Err: std::fmt::Display,
    DB: Backend,
    String: FromSql<Text, DB>,
{
    let text = String::from_sql(bytes)?;
    parse_stored(&text).map_err(Into::into)
}

/// A stored text back into its domain value; the error names the value.
pub fn parse_stored<T>(text: &str) -> Result<T, String>
where
    T: std::str::FromStr,
    T::Err: std::fmt::Display,
{
    text.parse().map_err(|e: T::Err| format!("stored value {text:?}: {e}"))
}

macro_rules! text_columns {
    ($($t:ty),+ $(,)?) => {$(
        impl<DB: Backend> ToSql<Text, DB> for $t
        where
            str: ToSql<Text, DB>,
        {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, DB>) -> serialize::Result {
                to_text(self, out)
            }
        }

        impl<DB: Backend> FromSql<Text, DB> for $t
        where
            String: FromSql<Text, DB>,
        {
            fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Self> {
                from_text(bytes)
            }
        }
    )+};
}

text_columns!(
    Program,
    CallStatus,
    ProposalStatus,
    SignatoryRole,
    AssignmentStatus,
    ReviewStatus,
    ReviewStage,
    Outcome,
    Phase,
    ReportStatus,
    Grade,
    Role,
    Purpose,
    PrefectureCode,
    EvaluationKind,
    EvaluationStatus,
);

impl<DB: Backend> ToSql<BigInt, DB> for Yen
where
    i64: ToSql<BigInt, DB>,
{
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, DB>) -> serialize::Result {
        self.as_i64_ref().to_sql(out)
    }
}

impl<DB: Backend> FromSql<BigInt, DB> for Yen
where
    i64: FromSql<BigInt, DB>,
{
    fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Self> {
        let amount = i64::from_sql(bytes)?;
        Yen::new(amount).map_err(|e| format!("stored amount {amount}: {e}").into())
    }
}

impl<DB: Backend> ToSql<Timestamp, DB> for Instant
where
    chrono::NaiveDateTime: ToSql<Timestamp, DB>,
{
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, DB>) -> serialize::Result {
        self.stored_ref().to_sql(out)
    }
}

impl<DB: Backend> FromSql<Timestamp, DB> for Instant
where
    chrono::NaiveDateTime: FromSql<Timestamp, DB>,
{
    fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Self> {
        chrono::NaiveDateTime::from_sql(bytes).map(Instant::from_stored)
    }
}
