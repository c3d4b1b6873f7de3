//! Writes, row by row, in the order Postgres applies a table's rules to an `INSERT ... ON
//! CONFLICT`, an `UPDATE` and a `DELETE` (ExecInsert, ExecOnConflictUpdate, ExecUpdate):
//!
//! - insert: BEFORE trigger, the insert policy's WITH CHECK (for every proposed row, whichever
//!   path it takes), NOT NULL then CHECK constraints, then the arbiter key: no conflict inserts
//!   (other unique keys may still fail with 23505), a conflict is skipped (`ignore-duplicates`)
//!   or updated (`merge-duplicates`: the stored row must pass the select and update policies'
//!   USING, else 42501; a row this statement already wrote is 21000);
//! - update: rows the select and update policies let the caller see (others match nothing),
//!   BEFORE trigger (which may keep the stored row), WITH CHECK, constraints, unique keys;
//! - delete: rows the select policy lets the caller see.
//!
//! Callers run these in one transaction and roll it back on any error, as PostgREST does.
//! Constraint errors carry their `Failing row`/`Key` details only for roles that bypass
//! row-level security: Postgres leaves them out when RLS applies, so as not to leak rows.

use std::collections::HashSet;
use std::sync::atomic::{AtomicI64, Ordering};

use axum::http::StatusCode;
use rusqlite::types::Value as SqlValue;
use rusqlite::{Connection, params_from_iter};

use super::RestError;
use super::schema::Table;
use super::sql::{PgError, Sql};
use super::values::pg_text;
use super::write_rules::{Fired, Op, Row, Unique, Writes};
use crate::db::DbError;
use crate::timefmt;

/// Who writes: the role, `auth.uid()` and the agency row-level security compares with.
#[derive(Debug, Clone)]
pub(crate) struct Caller {
    pub kind: CallerKind,
    pub uid: Option<String>,
    pub agency: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CallerKind {
    Anon,
    Authenticated,
    /// `service_role`: bypasses row-level security.
    Service,
}

impl Caller {
    fn bypasses_rls(&self) -> bool {
        self.kind == CallerKind::Service
    }
}

/// `42501`: PostgREST answers 401 to anon, 403 to a signed-in role.
pub(crate) fn insufficient_privilege(caller: CallerKind, message: String) -> PgError {
    let status = if caller == CallerKind::Anon {
        StatusCode::UNAUTHORIZED
    } else {
        StatusCode::FORBIDDEN
    };
    PgError::new(status, "42501", message)
}

/// What an arbiter-key conflict does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OnConflict {
    Nothing,
    Update,
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct Conflict {
    pub action: OnConflict,
    pub arbiter: &'static Unique,
}

/// Rows written (inserted or updated, in statement order) and how many were inserted.
#[derive(Debug, Default)]
pub(crate) struct Written {
    pub rows: Vec<Row>,
    pub inserted: usize,
}

fn writes(table: &Table) -> &'static Writes {
    table
        .writes
        .unwrap_or_else(|| panic!("{} is not writable", table.name))
}

/// `clock_timestamp()`: the server's clock, never behind an earlier stamp of this process.
fn clock() -> i64 {
    static LAST: AtomicI64 = AtomicI64::new(0);
    let now = timefmt::now_micros();
    let prev = LAST
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |last| {
            Some(now.max(last + 1))
        })
        .unwrap_or(now);
    now.max(prev + 1)
}

// Policies -----------------------------------------------------------------------------------

fn text_eq(v: &SqlValue, want: Option<&str>) -> bool {
    matches!((v, want), (SqlValue::Text(a), Some(b)) if a == b)
}

/// The select policy's USING: the caller's agency.
fn sees(table: &Table, caller: &Caller, row: &Row) -> bool {
    match caller.kind {
        CallerKind::Service => true,
        CallerKind::Anon => false,
        CallerKind::Authenticated => {
            text_eq(row.value(table, "agency_id"), caller.agency.as_deref())
        }
    }
}

/// The update policy's USING: the caller's own row.
fn owns(table: &Table, caller: &Caller, row: &Row) -> bool {
    if caller.bypasses_rls() {
        return true;
    }
    match writes(table).owner {
        Some(owner) => text_eq(row.value(table, owner), caller.uid.as_deref()),
        None => false,
    }
}

/// The insert and update policies' WITH CHECK: the caller's own row, in the caller's agency.
fn may_write(table: &Table, caller: &Caller, row: &Row) -> bool {
    caller.bypasses_rls() || (owns(table, caller, row) && sees(table, caller, row))
}

fn rls_violation(table: &Table, caller: &Caller) -> PgError {
    insufficient_privilege(
        caller.kind,
        format!(
            "new row violates row-level security policy for table \"{}\"",
            table.name
        ),
    )
}

fn rls_using_violation(table: &Table, caller: &Caller) -> PgError {
    insufficient_privilege(
        caller.kind,
        format!(
            "new row violates row-level security policy (USING expression) for table \"{}\"",
            table.name
        ),
    )
}

// Constraints --------------------------------------------------------------------------------

/// `Failing row contains (...)`: each value as text, clipped to 64 bytes.
fn failing_row(table: &Table, row: &Row) -> String {
    let values: Vec<String> = table
        .columns
        .iter()
        .zip(&row.0)
        .map(|(c, v)| {
            let mut s = pg_text(c, v);
            if s.len() > 64 {
                let mut cut = 64;
                while !s.is_char_boundary(cut) {
                    cut -= 1;
                }
                s.truncate(cut);
                s.push_str("...");
            }
            s
        })
        .collect();
    format!("Failing row contains ({}).", values.join(", "))
}

fn constraints(table: &Table, caller: &Caller, row: &Row) -> Result<(), PgError> {
    let details = |e: PgError| {
        if caller.bypasses_rls() {
            e.details(failing_row(table, row))
        } else {
            e
        }
    };
    for (c, v) in table.columns.iter().zip(&row.0) {
        if !c.nullable && *v == SqlValue::Null {
            return Err(details(PgError::new(
                StatusCode::BAD_REQUEST,
                "23502",
                format!(
                    "null value in column \"{}\" of relation \"{}\" violates not-null constraint",
                    c.name, table.name
                ),
            )));
        }
    }
    for check in writes(table).checks {
        if !(check.holds)(table, row) {
            return Err(details(PgError::new(
                StatusCode::BAD_REQUEST,
                "23514",
                format!(
                    "new row for relation \"{}\" violates check constraint \"{}\"",
                    table.name, check.name
                ),
            )));
        }
    }
    Ok(())
}

fn duplicate(table: &Table, caller: &Caller, key: &Unique, row: &Row) -> PgError {
    let e = PgError::new(
        StatusCode::CONFLICT,
        "23505",
        format!(
            "duplicate key value violates unique constraint \"{}\"",
            key.name
        ),
    );
    if !caller.bypasses_rls() {
        return e;
    }
    let values: Vec<String> = key
        .columns
        .iter()
        .map(|c| pg_text(&table.columns[table.index(c)], row.value(table, c)))
        .collect();
    e.details(format!(
        "Key ({})=({}) already exists.",
        key.columns.join(", "),
        values.join(", ")
    ))
}

// Storage ------------------------------------------------------------------------------------

fn column_list(table: &Table) -> String {
    let names: Vec<&str> = table.columns.iter().map(|c| c.name).collect();
    names.join(", ")
}

fn read_rows(
    conn: &Connection,
    table: &Table,
    where_sql: &str,
    params: &[SqlValue],
) -> Result<Vec<(i64, Row)>, DbError> {
    let text = format!(
        "SELECT rowid, {} FROM {} WHERE {where_sql} ORDER BY rowid",
        column_list(table),
        table.name
    );
    let mut stmt = conn.prepare_cached(&text)?;
    let n = table.columns.len();
    let rows = stmt.query_map(params_from_iter(params.iter()), |r| {
        let mut values = Vec::with_capacity(n);
        for i in 0..n {
            values.push(r.get::<_, SqlValue>(i + 1)?);
        }
        Ok((r.get::<_, i64>(0)?, Row(values)))
    })?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

/// The stored row holding `row`'s values of `key`, other than `except`.
fn find_key(
    conn: &Connection,
    table: &Table,
    key: &Unique,
    row: &Row,
    except: Option<i64>,
) -> Result<Option<(i64, Row)>, DbError> {
    let mut conds = Vec::new();
    let mut params = Vec::new();
    for c in key.columns {
        let v = row.value(table, c);
        if *v == SqlValue::Null {
            // NULLs are distinct: never a conflict.
            return Ok(None);
        }
        params.push(v.clone());
        conds.push(format!("{c} = ?{}", params.len()));
    }
    if let Some(rowid) = except {
        params.push(SqlValue::Integer(rowid));
        conds.push(format!("rowid <> ?{}", params.len()));
    }
    Ok(read_rows(conn, table, &conds.join(" AND "), &params)?
        .into_iter()
        .next())
}

fn check_keys(
    conn: &Connection,
    table: &Table,
    caller: &Caller,
    row: &Row,
    except: Option<i64>,
) -> Result<(), RestError> {
    for key in writes(table).uniques {
        if find_key(conn, table, key, row, except)?.is_some() {
            return Err(duplicate(table, caller, key, row).into());
        }
    }
    Ok(())
}

fn store_new(conn: &Connection, table: &Table, row: &Row) -> Result<i64, DbError> {
    let marks: Vec<String> = (1..=row.0.len()).map(|i| format!("?{i}")).collect();
    let text = format!(
        "INSERT INTO {} ({}) VALUES ({})",
        table.name,
        column_list(table),
        marks.join(", ")
    );
    conn.prepare_cached(&text)?
        .execute(params_from_iter(row.0.iter()))?;
    Ok(conn.last_insert_rowid())
}

fn store_over(conn: &Connection, table: &Table, rowid: i64, row: &Row) -> Result<(), DbError> {
    let sets: Vec<String> = table
        .columns
        .iter()
        .enumerate()
        .map(|(i, c)| format!("{} = ?{}", c.name, i + 1))
        .collect();
    let text = format!(
        "UPDATE {} SET {} WHERE rowid = ?{}",
        table.name,
        sets.join(", "),
        row.0.len() + 1
    );
    let mut params = row.0.clone();
    params.push(SqlValue::Integer(rowid));
    conn.prepare_cached(&text)?
        .execute(params_from_iter(params.iter()))?;
    Ok(())
}

// Statements ---------------------------------------------------------------------------------

/// One stored row's update: `set` applied, the trigger, WITH CHECK, constraints, keys.
fn update_one(
    conn: &Connection,
    table: &Table,
    caller: &Caller,
    rowid: i64,
    old: &Row,
    set: impl FnOnce(&mut Row),
) -> Result<Row, RestError> {
    let mut new = old.clone();
    set(&mut new);
    if (writes(table).trigger)(table, Op::Update, Some(old), &mut new, clock())? == Fired::Old {
        new = old.clone();
    }
    if !may_write(table, caller, &new) {
        return Err(rls_violation(table, caller).into());
    }
    constraints(table, caller, &new)?;
    check_keys(conn, table, caller, &new, Some(rowid))?;
    store_over(conn, table, rowid, &new)?;
    Ok(new)
}

/// `INSERT INTO table (...) VALUES <rows> [ON CONFLICT (arbiter) DO NOTHING | DO UPDATE SET
/// <set> = EXCLUDED.<set>]`. `rows` are complete (defaults applied); `set` are the positions
/// of the payload's columns.
pub(crate) fn insert(
    conn: &Connection,
    table: &Table,
    caller: &Caller,
    rows: Vec<Row>,
    set: &[usize],
    conflict: Option<Conflict>,
) -> Result<Written, RestError> {
    let rules = writes(table);
    let mut out = Written::default();
    let mut touched: HashSet<i64> = HashSet::new();
    for mut new in rows {
        (rules.trigger)(table, Op::Insert, None, &mut new, clock())?;
        if !may_write(table, caller, &new) {
            return Err(rls_violation(table, caller).into());
        }
        constraints(table, caller, &new)?;
        if let Some(c) = conflict
            && let Some((rowid, old)) = find_key(conn, table, c.arbiter, &new, None)?
        {
            if c.action == OnConflict::Nothing {
                continue;
            }
            if touched.contains(&rowid) {
                return Err(PgError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "21000",
                    "ON CONFLICT DO UPDATE command cannot affect row a second time",
                )
                .hint("Ensure that no rows proposed for insertion within the same command have duplicate constrained values.")
                .into());
            }
            if !(sees(table, caller, &old) && owns(table, caller, &old)) {
                return Err(rls_using_violation(table, caller).into());
            }
            let excluded = new;
            let row = update_one(conn, table, caller, rowid, &old, |r| {
                for &i in set {
                    r.0[i] = excluded.0[i].clone();
                }
            })?;
            touched.insert(rowid);
            out.rows.push(row);
            continue;
        }
        check_keys(conn, table, caller, &new, None)?;
        let rowid = store_new(conn, table, &new)?;
        touched.insert(rowid);
        out.inserted += 1;
        out.rows.push(new);
    }
    Ok(out)
}

/// `UPDATE table SET <set> WHERE <filters>`: rows the caller may not update match nothing.
pub(crate) fn update(
    conn: &Connection,
    table: &Table,
    caller: &Caller,
    filters: &Sql,
    set: &[(usize, SqlValue)],
) -> Result<Vec<Row>, RestError> {
    let mut out = Vec::new();
    for (rowid, old) in read_rows(conn, table, &filters.text, &filters.params)? {
        if !(sees(table, caller, &old) && owns(table, caller, &old)) {
            continue;
        }
        out.push(update_one(conn, table, caller, rowid, &old, |r| {
            for (i, v) in set {
                r.0[*i] = v.clone();
            }
        })?);
    }
    Ok(out)
}

/// `DELETE FROM table WHERE <filters>`: rows the caller cannot see match nothing.
pub(crate) fn delete(
    conn: &Connection,
    table: &Table,
    caller: &Caller,
    filters: &Sql,
) -> Result<Vec<Row>, RestError> {
    let mut out = Vec::new();
    for (rowid, old) in read_rows(conn, table, &filters.text, &filters.params)? {
        if !sees(table, caller, &old) {
            continue;
        }
        conn.prepare_cached(&format!("DELETE FROM {} WHERE rowid = ?1", table.name))
            .map_err(DbError::from)?
            .execute([rowid])
            .map_err(DbError::from)?;
        out.push(old);
    }
    Ok(out)
}
