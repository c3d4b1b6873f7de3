//! The vocabulary of a writable table's rules, the parts of its Postgres definition that decide
//! what a write does: unique constraints, CHECK constraints, the owner column of its write
//! policies, and its `BEFORE INSERT OR UPDATE ... FOR EACH ROW` trigger. [`super::mutate`]
//! applies them in the order Postgres does.

use axum::http::StatusCode;
use rusqlite::types::Value as SqlValue;

use super::schema::Table;
use super::sql::PgError;

/// One row in stored form, a value per column of its table, in table order.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Row(pub Vec<SqlValue>);

impl Row {
    pub(crate) fn value(&self, table: &Table, column: &str) -> &SqlValue {
        &self.0[table.index(column)]
    }

    pub(crate) fn set(&mut self, table: &Table, column: &str, v: SqlValue) {
        self.0[table.index(column)] = v;
    }

    pub(crate) fn text(&self, table: &Table, column: &str) -> Option<&str> {
        match self.value(table, column) {
            SqlValue::Text(s) => Some(s),
            _ => None,
        }
    }

    pub(crate) fn int(&self, table: &Table, column: &str) -> Option<i64> {
        match self.value(table, column) {
            SqlValue::Integer(n) => Some(*n),
            _ => None,
        }
    }

    /// `old.c is distinct from new.c` for each of `columns`.
    pub(crate) fn differs(&self, other: &Row, table: &Table, columns: &[&str]) -> bool {
        columns
            .iter()
            .any(|c| self.value(table, c) != other.value(table, c))
    }
}

/// `UNIQUE (...)` or the primary key.
#[derive(Debug)]
pub(crate) struct Unique {
    /// The constraint's (and its index's) name, e.g. `callrec_notes_pkey`.
    pub name: &'static str,
    pub columns: &'static [&'static str],
}

/// `CONSTRAINT name CHECK (...)`: `holds` answers whether the row passes (a NULL result passes,
/// as in Postgres).
#[derive(Debug)]
pub(crate) struct Check {
    pub name: &'static str,
    pub holds: fn(&Table, &Row) -> bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op {
    Insert,
    Update,
}

/// What a BEFORE trigger returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fired {
    /// `return new` (as the trigger left it).
    New,
    /// `return old`: the update writes the stored row unchanged.
    Old,
}

/// A row-level BEFORE INSERT OR UPDATE trigger: the table, the operation, the stored row (on
/// update), the row being written, and the server's clock (`clock_timestamp()`).
pub(crate) type Trigger = fn(&Table, Op, Option<&Row>, &mut Row, i64) -> Result<Fired, PgError>;

/// How a table is written.
#[derive(Debug)]
pub(crate) struct Writes {
    /// The primary key first, then the other unique constraints in creation order (the order
    /// Postgres inserts index entries in, so the first violated one is reported).
    pub uniques: &'static [Unique],
    /// By name: the order Postgres evaluates CHECK constraints in.
    pub checks: &'static [Check],
    /// The column the insert and update policies compare with `auth.uid()` (`with check (owner =
    /// auth.uid() and agency_id = <the caller's agency>)`, update `using (owner = auth.uid())`).
    /// `None`: no insert or update policy, so only the service role (which bypasses row-level
    /// security) writes.
    pub owner: Option<&'static str>,
    pub trigger: Trigger,
}

impl Writes {
    pub(crate) fn primary_key(&self) -> &'static Unique {
        &self.uniques[0]
    }
}

/// `raise exception '<message>' using errcode = '<code>'`: PostgREST answers 400 for class 23
/// (but 23503/23505) and for P0001.
pub(crate) fn raise(code: &'static str, message: &str) -> PgError {
    PgError::new(StatusCode::BAD_REQUEST, code, message)
}
