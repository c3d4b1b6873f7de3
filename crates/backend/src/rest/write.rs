//! PostgREST's writes (`POST`, `PATCH`, `DELETE` on `/rest/v1/<table>`), following
//! `ApiRequest.hs` (payload and `columns`), `Plan.hs` (unknown columns, `on_conflict`),
//! `QueryBuilder.hs` (which columns an insert and an upsert set) and `Response.hs` (statuses and
//! headers): `Prefer: return=minimal` (the default: 201 or 204, no body),
//! `return=representation` (the rows, shaped by `select=`), `return=headers-only`,
//! `resolution=merge-duplicates|ignore-duplicates` with `on_conflict` (default: the primary
//! key), `missing=default`, `count=exact`. Errors come in Postgres' order: the request's own
//! (PGRST1xx, PGRST204), the statement's (42703, 42P10), privileges (42501), then each row's
//! (22P02, 42501, 23502, 23514, 23505) as [`super::mutate`] applies the table's rules.
//!
//! Bounds of the local backend (the hosted API has its own gateway limits): a body of at most
//! [`MAX_BODY_BYTES`] and [`MAX_BODY_ROWS`] rows, else 413.

use std::fmt::Write as _;

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use rusqlite::TransactionBehavior;
use rusqlite::types::Value as SqlValue;
use serde_json::{Map, Value, json};

use super::mutate::{self, Caller, CallerKind, Conflict, OnConflict};
use super::prefer::{Missing, Preferences, Representation, Resolution};
use super::schema::{Column, ColumnDefault, Privileges};
use super::sql::{self, OutCol, PgError, Scope, Table};
use super::values::{self, from_json};
use super::write_rules::{Row, Unique};
use super::{Media, ReadPlan, RestError, Role, negotiate, plan};
use crate::db::{self, DbError};
use crate::state::AppState;

/// The largest request body.
pub const MAX_BODY_BYTES: usize = 1 << 20;
/// The most rows one request may write.
pub const MAX_BODY_ROWS: usize = 1000;

/// A refusal of the local backend's own bounds.
fn too_large(message: String) -> Response {
    (
        StatusCode::PAYLOAD_TOO_LARGE,
        axum::Json(json!({ "message": message })),
    )
        .into_response()
}

fn invalid_body(message: impl Into<String>) -> PgError {
    PgError::new(StatusCode::BAD_REQUEST, "PGRST102", message)
}

pub(crate) fn kind_of(role: &Role) -> CallerKind {
    match role {
        Role::Anon => CallerKind::Anon,
        Role::Authenticated { .. } => CallerKind::Authenticated,
        Role::Service => CallerKind::Service,
    }
}

pub(crate) fn privileges(table: Table, kind: CallerKind) -> Privileges {
    match kind {
        CallerKind::Anon => table.grants.anon,
        CallerKind::Authenticated => table.grants.authenticated,
        CallerKind::Service => table.grants.service,
    }
}

fn permission_denied(table: Table, kind: CallerKind) -> PgError {
    mutate::insufficient_privilege(kind, format!("permission denied for table {}", table.name))
}

/// `GRANT`s, checked when the statement starts.
pub(crate) fn require(
    table: Table,
    kind: CallerKind,
    need: impl Fn(Privileges) -> bool,
) -> Result<(), PgError> {
    if need(privileges(table, kind)) {
        Ok(())
    } else {
        Err(permission_denied(table, kind))
    }
}

/// The caller as row-level security sees them: `auth.uid()` and its `users.agency_id`.
pub(crate) fn caller(conn: &rusqlite::Connection, role: &Role) -> Result<Caller, DbError> {
    let kind = kind_of(role);
    let Role::Authenticated { sub } = role else {
        return Ok(Caller {
            kind,
            uid: None,
            agency: None,
        });
    };
    let uid = sub
        .as_deref()
        .and_then(|s| uuid::Uuid::parse_str(s).ok())
        .map(|u| u.hyphenated().to_string());
    let agency = match &uid {
        Some(id) => db::find_user(conn, id)?.and_then(|u| u.agency_id),
        None => None,
    };
    Ok(Caller { kind, uid, agency })
}

/// A parsed body: its columns (a set, in name order, as PostgREST keeps them) and its objects.
/// With `?columns=` the body reaches Postgres unparsed, so its errors come from the statement,
/// after the privilege check.
struct Payload {
    columns: Vec<usize>,
    rows: Objects,
}

/// A body's objects, or the error Postgres gives reading it.
type Objects = Result<Vec<Map<String, Value>>, PgError>;

fn content_type_ok(headers: &HeaderMap) -> Result<(), PgError> {
    let Some(ct) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return Ok(());
    };
    let mime = ct
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    match mime.as_str() {
        "" | "application/json" => Ok(()),
        "text/csv" | "application/x-www-form-urlencoded" => Err(sql::not_implemented(format!(
            "{mime} bodies are not supported by the local backend"
        ))),
        other => Err(invalid_body(format!(
            "Content-Type not acceptable: {other}"
        ))),
    }
}

fn json_rows_error(message: &str) -> PgError {
    PgError::new(StatusCode::BAD_REQUEST, "22023", message)
}

fn payload(table: Table, bytes: &[u8], columns: Option<&[String]>) -> Result<Payload, PgError> {
    let (names, rows): (Vec<String>, Objects) = match columns {
        Some(cols) => {
            let rows = match serde_json::from_slice::<Value>(bytes) {
                Ok(Value::Object(o)) => Ok(vec![o]),
                Ok(Value::Array(items)) => items
                    .into_iter()
                    .map(|v| match v {
                        Value::Object(o) => Ok(o),
                        _ => Err(json_rows_error(
                            "argument of json_to_recordset must be an array of objects",
                        )),
                    })
                    .collect(),
                Ok(_) => Err(json_rows_error(
                    "cannot call json_to_recordset on a non-array",
                )),
                Err(_) => Err(PgError::new(
                    StatusCode::BAD_REQUEST,
                    "22P02",
                    "invalid input syntax for type json",
                )),
            };
            (cols.to_vec(), rows)
        }
        None => {
            let v: Value =
                serde_json::from_slice(bytes).map_err(|_| invalid_body("Empty or invalid json"))?;
            match v {
                Value::Object(o) => (o.keys().cloned().collect(), Ok(vec![o])),
                Value::Array(items) => {
                    let keys = |o: &Map<String, Value>| {
                        let mut k: Vec<&String> = o.keys().collect();
                        k.sort();
                        k.into_iter().cloned().collect::<Vec<_>>()
                    };
                    match items.first() {
                        None => (Vec::new(), Ok(Vec::new())),
                        Some(Value::Object(first)) => {
                            let canonical = keys(first);
                            let mut rows = Vec::with_capacity(items.len());
                            for item in items {
                                match item {
                                    Value::Object(o) if keys(&o) == canonical => rows.push(o),
                                    _ => return Err(invalid_body("All object keys must match")),
                                }
                            }
                            (canonical, Ok(rows))
                        }
                        Some(_) => return Err(invalid_body("All object keys must match")),
                    }
                }
                // Anything else is taken as an empty array.
                _ => (Vec::new(), Ok(Vec::new())),
            }
        }
    };
    let mut names = names;
    names.sort();
    names.dedup();
    let mut columns = Vec::with_capacity(names.len());
    for name in &names {
        match table.columns.iter().position(|c| c.name == name) {
            Some(i) => columns.push(i),
            None => {
                return Err(PgError::new(
                    StatusCode::BAD_REQUEST,
                    "PGRST204",
                    format!(
                        "Could not find the '{name}' column of '{}' in the schema cache",
                        table.name
                    ),
                ));
            }
        }
    }
    Ok(Payload { columns, rows })
}

fn default_value(col: &Column, caller: &Caller, now: i64) -> SqlValue {
    match col.default {
        ColumnDefault::Null => SqlValue::Null,
        ColumnDefault::Literal(s) => values::store(col, s).unwrap_or(SqlValue::Null),
        ColumnDefault::Now => SqlValue::Integer(now),
        ColumnDefault::RandomUuid => SqlValue::Text(uuid::Uuid::new_v4().to_string()),
        ColumnDefault::AuthUid => caller
            .uid
            .clone()
            .map(SqlValue::Text)
            .unwrap_or(SqlValue::Null),
    }
}

/// A payload column's value in one object: its key, or if absent NULL (`missing=default`: the
/// column's default).
fn field(
    col: &Column,
    obj: &Map<String, Value>,
    missing: Option<Missing>,
    caller: &Caller,
    now: i64,
) -> Result<SqlValue, PgError> {
    match obj.get(col.name) {
        Some(v) => from_json(col, v),
        None if missing == Some(Missing::Default) => Ok(default_value(col, caller, now)),
        None => Ok(SqlValue::Null),
    }
}

/// The rows an insert proposes: the payload's columns from each object (converted first, row by
/// row, as `json_to_recordset` does), every other column its default.
fn proposed_rows(
    table: Table,
    payload_columns: &[usize],
    objects: &[Map<String, Value>],
    missing: Option<Missing>,
    caller: &Caller,
    now: i64,
) -> Result<Vec<Row>, PgError> {
    let mut converted = Vec::with_capacity(objects.len());
    for obj in objects {
        let mut vals = Vec::with_capacity(payload_columns.len());
        for &i in payload_columns {
            vals.push(field(&table.columns[i], obj, missing, caller, now)?);
        }
        converted.push(vals);
    }
    Ok(converted
        .into_iter()
        .map(|vals| {
            let mut row: Vec<SqlValue> = table
                .columns
                .iter()
                .map(|c| default_value(c, caller, now))
                .collect();
            for (&i, v) in payload_columns.iter().zip(vals) {
                row[i] = v;
            }
            Row(row)
        })
        .collect())
}

/// `ON CONFLICT (<on_conflict or the primary key>)`: the columns must exist (42703) and be a
/// unique key (42P10).
fn arbiter(table: Table, on_conflict: Option<&[String]>) -> Result<&'static Unique, PgError> {
    let Some(rules) = table.writes else {
        return Err(sql::not_implemented("writes"));
    };
    let Some(cols) = on_conflict else {
        return Ok(rules.primary_key());
    };
    if let Some(bad) = cols.iter().find(|c| table.column(c).is_none()) {
        return Err(PgError::new(
            StatusCode::BAD_REQUEST,
            "42703",
            format!("column \"{bad}\" does not exist"),
        ));
    }
    let mut want: Vec<&str> = cols.iter().map(String::as_str).collect();
    want.sort_unstable();
    want.dedup();
    rules
        .uniques
        .iter()
        .find(|u| {
            let mut have = u.columns.to_vec();
            have.sort_unstable();
            have == want
        })
        .ok_or_else(|| {
            PgError::new(
                StatusCode::BAD_REQUEST,
                "42P10",
                "there is no unique or exclusion constraint matching the ON CONFLICT specification",
            )
        })
}

/// Rows as PostgREST's JSON, keys in `select` order.
fn render(table: Table, rows: &[Row], cols: &[OutCol]) -> String {
    let mut out = String::from("[");
    for (n, row) in rows.iter().enumerate() {
        if n > 0 {
            out.push(',');
        }
        out.push('{');
        for (k, c) in cols.iter().enumerate() {
            if k > 0 {
                out.push(',');
            }
            let _ = write!(
                out,
                "{}:",
                serde_json::to_string(&c.key).unwrap_or_default()
            );
            let v = row.0[table.index(c.col.name)].clone();
            out.push_str(&values::json(c.col, v, c.as_text));
        }
        out.push('}');
    }
    out.push(']');
    out
}

fn singular(media: Media, rows: usize) -> Result<(), PgError> {
    if media == Media::Object && rows != 1 {
        return Err(PgError::new(
            StatusCode::NOT_ACCEPTABLE,
            "PGRST116",
            "Cannot coerce the result to a single JSON object",
        )
        .details(format!("The result contains {rows} rows")));
    }
    Ok(())
}

/// `Content-Range` of a mutation (`RangeQuery.contentRangeH lower upper total`).
fn content_range(lower: i64, upper: i64, total: Option<i64>) -> String {
    let range = if total != Some(0) && lower <= upper {
        format!("{lower}-{upper}")
    } else {
        "*".to_string()
    };
    let total = total.map_or_else(|| "*".to_string(), |t| t.to_string());
    format!("{range}/{total}")
}

/// What a write answers.
struct Outcome {
    status: StatusCode,
    content_range: String,
    applied: Preferences,
    location: Option<String>,
    body: Option<String>,
    media: Media,
}

impl Outcome {
    fn into_response(self) -> Response {
        let mut b = Response::builder()
            .status(self.status)
            .header(header::CONTENT_RANGE, self.content_range);
        if let Some(p) = self.applied.applied() {
            b = b.header("preference-applied", p);
        }
        if let Some(l) = self.location
            && let Ok(v) = HeaderValue::from_str(&l)
        {
            b = b.header(header::LOCATION, v);
        }
        let body = match self.body {
            Some(text) => {
                let (text, ctype) = match self.media {
                    Media::Json => (text, "application/json; charset=utf-8"),
                    Media::Object => (
                        text.strip_prefix('[')
                            .and_then(|t| t.strip_suffix(']'))
                            .unwrap_or("{}")
                            .to_string(),
                        "application/vnd.pgrst.object+json; charset=utf-8",
                    ),
                };
                b = b.header(header::CONTENT_TYPE, ctype);
                Body::from(text)
            }
            None => Body::empty(),
        };
        b.body(body)
            .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
    }
}

/// A non-read request on an exposed table.
pub(crate) async fn handle(
    state: &AppState,
    table: Table,
    role: Role,
    method: &Method,
    headers: &HeaderMap,
    query: Option<&str>,
    body: Body,
) -> Result<Response, RestError> {
    let kind = kind_of(&role);
    if table.writes.is_none() {
        // The local backend does not write this table: PostgREST's answer without the grant,
        // and a plain refusal for the service role (the admin API adds calls).
        return Err(match kind {
            CallerKind::Service => sql::not_implemented(
                "writes are not supported by the local backend; use the admin API",
            ),
            _ => permission_denied(table, kind),
        }
        .into());
    }
    match *method {
        Method::POST | Method::PATCH | Method::DELETE => {}
        Method::PUT => {
            return Err(sql::not_implemented(
                "PUT is not supported by the local backend; POST with Prefer: resolution=merge-duplicates upserts",
            )
            .into());
        }
        _ => {
            return Err(PgError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "PGRST117",
                format!("Unsupported HTTP method: {method}"),
            )
            .into());
        }
    }
    let prefs = Preferences::from_headers(headers);
    let plan = plan(table, query)?;
    let media = negotiate(headers)?;
    if *method != Method::POST && (plan.limit.is_some() || plan.offset.is_some()) {
        return Err(sql::not_implemented(
            "limit and offset on PATCH and DELETE are not supported by the local backend",
        )
        .into());
    }
    let payload = if *method == Method::DELETE {
        None
    } else {
        content_type_ok(headers)?;
        let bytes = match axum::body::to_bytes(body, MAX_BODY_BYTES).await {
            Ok(b) => b,
            Err(_) => {
                return Ok(too_large(format!(
                    "Request body is larger than the local backend's limit of {MAX_BODY_BYTES} bytes"
                )));
            }
        };
        let p = payload(table, &bytes, plan.payload_columns.as_deref())?;
        if let Ok(rows) = &p.rows
            && rows.len() > MAX_BODY_ROWS
        {
            return Ok(too_large(format!(
                "The local backend writes at most {MAX_BODY_ROWS} rows per request; this body has {}",
                rows.len()
            )));
        }
        Some(p)
    };
    let outcome = match (*method).clone() {
        Method::POST => {
            let conflict = match prefs.resolution {
                None => None,
                Some(r) => Some((r, arbiter(table, plan.on_conflict.as_deref())?)),
            };
            post(state, table, role, prefs, plan, media, payload, conflict).await?
        }
        Method::PATCH => patch(state, table, role, prefs, plan, media, payload).await?,
        _ => delete(state, table, role, prefs, plan, media).await?,
    };
    Ok(outcome.into_response())
}

fn filters(table: Table, plan: &ReadPlan) -> Result<sql::Sql, PgError> {
    sql::where_clause(table, &Scope::All, &plan.filters, &plan.trees)
}

fn immediate(conn: &mut rusqlite::Connection) -> Result<rusqlite::Transaction<'_>, DbError> {
    Ok(conn.transaction_with_behavior(TransactionBehavior::Immediate)?)
}

#[allow(clippy::too_many_arguments)]
async fn post(
    state: &AppState,
    table: Table,
    role: Role,
    prefs: Preferences,
    plan: ReadPlan,
    media: Media,
    payload: Option<Payload>,
    conflict: Option<(Resolution, &'static Unique)>,
) -> Result<Outcome, RestError> {
    let Some(payload) = payload else {
        return Err(invalid_body("Empty or invalid json").into());
    };
    let kind = kind_of(&role);
    let conflict = conflict.map(|(r, arbiter)| Conflict {
        action: if r == Resolution::IgnoreDuplicates || payload.columns.is_empty() {
            OnConflict::Nothing
        } else {
            OnConflict::Update
        },
        arbiter,
    });
    let merging = conflict.is_some_and(|c| c.action == OnConflict::Update);
    let written = state
        .db
        .call(move |conn| -> Result<mutate::Written, RestError> {
            let tx = immediate(conn)?;
            require(table, kind, |p| p.insert && (!merging || p.update))?;
            let caller = caller(&tx, &role)?;
            let objects = payload.rows?;
            let now = crate::timefmt::now_micros();
            let rows = proposed_rows(
                table,
                &payload.columns,
                &objects,
                prefs.missing,
                &caller,
                now,
            )?;
            let written = mutate::insert(&tx, table, &caller, rows, &payload.columns, conflict)?;
            singular(media, written.rows.len())?;
            tx.commit().map_err(DbError::from)?;
            Ok(written)
        })
        .await??;
    let n = written.rows.len() as i64;
    let status = if prefs.resolution == Some(Resolution::MergeDuplicates) && written.inserted == 0 {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    let location = match (prefs.representation, written.rows.as_slice()) {
        (Some(Representation::HeadersOnly), [row]) => table.writes.map(|w| {
            let pk = w.primary_key();
            let pairs: Vec<(String, String)> = pk
                .columns
                .iter()
                .map(|c| {
                    let col = &table.columns[table.index(c)];
                    (
                        c.to_string(),
                        format!("eq.{}", values::pg_text(col, row.value(table, c))),
                    )
                })
                .collect();
            let q = url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs(pairs)
                .finish();
            format!("/{}?{q}", table.name)
        }),
        _ => None,
    };
    Ok(Outcome {
        status,
        content_range: content_range(1, 0, prefs.counts().then_some(n)),
        applied: prefs,
        location,
        body: (prefs.representation == Some(Representation::Full))
            .then(|| render(table, &written.rows, &plan.columns)),
        media,
    })
}

async fn patch(
    state: &AppState,
    table: Table,
    role: Role,
    prefs: Preferences,
    plan: ReadPlan,
    media: Media,
    payload: Option<Payload>,
) -> Result<Outcome, RestError> {
    let Some(payload) = payload else {
        return Err(invalid_body("Empty or invalid json").into());
    };
    let kind = kind_of(&role);
    let where_sql = filters(table, &plan)?;
    let rows = state
        .db
        .call(move |conn| -> Result<Vec<Row>, RestError> {
            let tx = immediate(conn)?;
            require(table, kind, |p| p.update && p.select)?;
            let caller = caller(&tx, &role)?;
            let objects = payload.rows?;
            // `UPDATE ... FROM <body>`: nothing to set (`{}`, `[]`) updates nothing.
            let Some(first) = objects.first().filter(|_| !payload.columns.is_empty()) else {
                return Ok(Vec::new());
            };
            let now = crate::timefmt::now_micros();
            let mut set = Vec::with_capacity(payload.columns.len());
            for &i in &payload.columns {
                set.push((
                    i,
                    field(&table.columns[i], first, prefs.missing, &caller, now)?,
                ));
            }
            let rows = mutate::update(&tx, table, &caller, &where_sql, &set)?;
            singular(media, rows.len())?;
            tx.commit().map_err(DbError::from)?;
            Ok(rows)
        })
        .await??;
    let n = rows.len() as i64;
    let range = content_range(0, n - 1, prefs.counts().then_some(n));
    let applied = Preferences {
        resolution: None,
        ..prefs
    };
    Ok(changed(table, &rows, applied, range, &plan, media))
}

async fn delete(
    state: &AppState,
    table: Table,
    role: Role,
    prefs: Preferences,
    plan: ReadPlan,
    media: Media,
) -> Result<Outcome, RestError> {
    let kind = kind_of(&role);
    let where_sql = filters(table, &plan)?;
    let rows = state
        .db
        .call(move |conn| -> Result<Vec<Row>, RestError> {
            let tx = immediate(conn)?;
            require(table, kind, |p| p.delete)?;
            let caller = caller(&tx, &role)?;
            let rows = mutate::delete(&tx, table, &caller, &where_sql)?;
            singular(media, rows.len())?;
            tx.commit().map_err(DbError::from)?;
            Ok(rows)
        })
        .await??;
    let n = rows.len() as i64;
    let range = content_range(1, 0, prefs.counts().then_some(n));
    let applied = Preferences {
        resolution: None,
        missing: None,
        ..prefs
    };
    Ok(changed(table, &rows, applied, range, &plan, media))
}

/// What a PATCH or DELETE answers: 200 with the rows when they were asked for, else 204.
fn changed(
    table: Table,
    rows: &[Row],
    applied: Preferences,
    content_range: String,
    plan: &ReadPlan,
    media: Media,
) -> Outcome {
    let full = applied.representation == Some(Representation::Full);
    Outcome {
        status: if full {
            StatusCode::OK
        } else {
            StatusCode::NO_CONTENT
        },
        content_range,
        applied,
        location: None,
        body: full.then(|| render(table, rows, &plan.columns)),
        media,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rest::reviews::{NOTE_TABLE, REVIEW_TABLE};

    #[test]
    fn payloads_follow_postgrest() {
        let p = payload(&NOTE_TABLE, br#"{"id":"x","body":"b"}"#, None).unwrap();
        let names: Vec<&str> = p
            .columns
            .iter()
            .map(|&i| NOTE_TABLE.columns[i].name)
            .collect();
        assert_eq!(names, ["body", "id"]);
        let e = payload(&NOTE_TABLE, br#"[{"id":1},{"body":2}]"#, None)
            .err()
            .unwrap();
        assert_eq!(
            (e.code, e.message.as_str()),
            ("PGRST102", "All object keys must match")
        );
        let e = payload(&NOTE_TABLE, b"", None).err().unwrap();
        assert_eq!(e.message, "Empty or invalid json");
        let e = payload(&NOTE_TABLE, br#"{"zeta":1,"nope":2}"#, None)
            .err()
            .unwrap();
        assert_eq!(e.code, "PGRST204");
        assert_eq!(
            e.message,
            "Could not find the 'nope' column of 'callrec_notes' in the schema cache"
        );
        // `columns` picks the columns; other keys are ignored.
        let cols = vec!["body".to_string()];
        let p = payload(&NOTE_TABLE, br#"[{"body":"a","x":1},{"y":2}]"#, Some(&cols)).unwrap();
        assert_eq!(p.columns.len(), 1);
        assert_eq!(p.rows.unwrap().len(), 2);
        assert_eq!(
            payload(&NOTE_TABLE, b"42", None)
                .unwrap()
                .rows
                .unwrap()
                .len(),
            0
        );
    }

    #[test]
    fn on_conflict_must_name_a_unique_key() {
        let natural = ["call_id", "reviewer_id", "agency_id"].map(String::from);
        assert_eq!(
            arbiter(&REVIEW_TABLE, Some(&natural)).unwrap().name,
            "callrec_reviews_key"
        );
        assert_eq!(
            arbiter(&REVIEW_TABLE, None).unwrap().name,
            "callrec_reviews_pkey"
        );
        let partial = ["call_id".to_string()];
        assert_eq!(
            arbiter(&REVIEW_TABLE, Some(&partial)).unwrap_err().code,
            "42P10"
        );
        let unknown = ["nope".to_string()];
        assert_eq!(
            arbiter(&REVIEW_TABLE, Some(&unknown)).unwrap_err().code,
            "42703"
        );
    }

    #[test]
    fn content_ranges() {
        assert_eq!(content_range(1, 0, None), "*/*");
        assert_eq!(content_range(1, 0, Some(3)), "*/3");
        assert_eq!(content_range(0, 2, None), "0-2/*");
        assert_eq!(content_range(0, -1, Some(0)), "*/0");
    }
}
