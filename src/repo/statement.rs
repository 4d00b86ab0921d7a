//! A statement written as SQL text with its binds, for the hot writes Diesel would prepare
//! again on every run: it never keeps an `UPDATE` prepared (the SQL of a changeset with
//! optional fields varies), nor, through the two-backend connection on SQLite, an `INSERT`.
//! An auto-save paid a parse and a plan for each of its writes (on PostgreSQL a Parse round of
//! the protocol, on SQLite a `sqlite3_prepare` on the writer's turn). A `Statement` is kept
//! prepared on the connection, keyed by its text.

use diesel::QueryResult;
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use diesel::sql_types::{Integer, Nullable, Text, Timestamp};

use crate::db::MultiBackend;
use crate::domain::time::Instant;

enum Piece<'a> {
    Sql(&'static str),
    Text(&'a str),
    OptionalText(Option<&'a str>),
    Integer(i32),
    Instant(Instant),
    OptionalInstant(Option<Instant>),
}

/// SQL text and binds, in order: `Statement::new("UPDATE t SET a = ").text(a).sql(" WHERE …")`.
/// Placeholders are written by the backend (`$1` or `?`); write only what both backends read.
pub struct Statement<'a> {
    pieces: Vec<Piece<'a>>,
}

impl<'a> Statement<'a> {
    pub fn new(sql: &'static str) -> Self {
        Statement { pieces: vec![Piece::Sql(sql)] }
    }

    pub fn sql(mut self, sql: &'static str) -> Self {
        self.pieces.push(Piece::Sql(sql));
        self
    }

    pub fn text(mut self, value: &'a str) -> Self {
        self.pieces.push(Piece::Text(value));
        self
    }

    pub fn optional_text(mut self, value: Option<&'a str>) -> Self {
        self.pieces.push(Piece::OptionalText(value));
        self
    }

    pub fn integer(mut self, value: i32) -> Self {
        self.pieces.push(Piece::Integer(value));
        self
    }

    pub fn instant(mut self, value: Instant) -> Self {
        self.pieces.push(Piece::Instant(value));
        self
    }

    pub fn optional_instant(mut self, value: Option<Instant>) -> Self {
        self.pieces.push(Piece::OptionalInstant(value));
        self
    }
}

impl QueryId for Statement<'_> {
    type QueryId = ();
    // Keyed by its SQL text, which differs between statements.
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl QueryFragment<MultiBackend> for Statement<'_> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, MultiBackend>) -> QueryResult<()> {
        for piece in &self.pieces {
            match piece {
                Piece::Sql(sql) => out.push_sql(sql),
                Piece::Text(value) => out.push_bind_param::<Text, _>(*value)?,
                Piece::OptionalText(value) => out.push_bind_param::<Nullable<Text>, _>(value)?,
                Piece::Integer(value) => out.push_bind_param::<Integer, _>(value)?,
                Piece::Instant(value) => out.push_bind_param::<Timestamp, _>(value)?,
                Piece::OptionalInstant(value) => out.push_bind_param::<Nullable<Timestamp>, _>(value)?,
            }
        }
        Ok(())
    }
}

impl<Conn> diesel::RunQueryDsl<Conn> for Statement<'_> {}
