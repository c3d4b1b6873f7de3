//! PostgREST (`/rest/v1`): reads of `calls` and of Callrec's review tables with select, order,
//! filters (every comparison operator, `in`, `is`, `like`/`ilike`, `or`/`and`/`not`), paging by
//! `limit`/`offset` or `Range`, `Prefer: count=...`, row-level security by agency, and
//! Supabase's 1000-row cap; writes of the review tables ([`write`]). Range and status rules
//! follow PostgREST's `RangeQuery.hs` and `Response.hs`.

mod fuzzy;
mod mutate;
mod parse;
mod prefer;
mod reviews;
mod schema;
mod sql;
mod values;
mod write;
mod write_rules;

use std::fmt::Write as _;

use axum::body::Body;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use rusqlite::types::Value as SqlValue;
use serde_json::json;

use crate::db::{self, DbError};
use crate::signing::{self, JwtFailure};
use crate::state::{AppState, Shared};
use crate::stats::Counters;
use crate::timefmt;
pub(crate) use schema::CALLS as CALL_COLUMNS;
pub use schema::TableShape;
use sql::{OutCol, PgError, Scope, Table};
pub(crate) use values::jsonb_text;
pub use write::{MAX_BODY_BYTES, MAX_BODY_ROWS};

/// Supabase's `max-rows`.
pub const MAX_ROWS: i64 = 1000;
/// PostgREST's allowed clock skew when checking `exp`, `nbf` and `iat`.
const JWT_SKEW_SECS: i64 = 30;

#[derive(Debug, thiserror::Error)]
pub enum RestError {
    #[error("{} {}: {}", .0.status, .0.code, .0.message)]
    Pg(PgError),
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<PgError> for RestError {
    fn from(e: PgError) -> Self {
        RestError::Pg(e)
    }
}

impl IntoResponse for RestError {
    fn into_response(self) -> Response {
        let e = match self {
            RestError::Pg(e) => e,
            RestError::Db(e) => {
                tracing::error!("rest database error: {e}");
                PgError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "PGRST001",
                    "Database client error. Retrying the connection.",
                )
                .details(e.to_string())
            }
        };
        pg_error_response(e)
    }
}

fn pg_error_response(e: PgError) -> Response {
    let body =
        json!({ "code": e.code, "details": e.details, "hint": e.hint, "message": e.message });
    let mut resp = (e.status, axum::Json(body)).into_response();
    // PostgREST's 401s for a database error (anon without a grant) say only `Bearer`.
    if e.code == "42501" && e.status == StatusCode::UNAUTHORIZED {
        resp.headers_mut()
            .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    }
    if e.code.starts_with("PGRST30") && e.status == StatusCode::UNAUTHORIZED {
        let v = format!(
            "Bearer error=\"invalid_token\", error_description=\"{}\"",
            e.message.replace('"', "\\\"")
        );
        if let Ok(v) = HeaderValue::from_str(&v) {
            resp.headers_mut().insert(header::WWW_AUTHENTICATE, v);
        }
    }
    resp
}

/// The database role a request runs as, from its JWT (PostgREST's `parseClaims`).
#[derive(Debug, Clone)]
enum Role {
    Anon,
    Authenticated { sub: Option<String> },
    Service,
}

fn jwt_error(code: &'static str, message: &str) -> PgError {
    PgError::new(StatusCode::UNAUTHORIZED, code, message)
}

fn role_of(state: &AppState, headers: &HeaderMap) -> Result<Role, PgError> {
    let Some(raw) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    else {
        return Ok(Role::Anon);
    };
    let token = match raw.split_once(' ') {
        Some((scheme, t)) if scheme.eq_ignore_ascii_case("bearer") => t.trim(),
        _ if raw.eq_ignore_ascii_case("bearer") => "",
        _ => return Ok(Role::Anon),
    };
    let claims = signing::decode_jwt(token, &state.keys.jwt_secret).map_err(|f| match f {
        JwtFailure::Empty => jwt_error("PGRST301", "Empty JWT is sent in Authorization header"),
        JwtFailure::Parts(n) => jwt_error("PGRST301", &format!("Expected 3 parts in JWT; got {n}")),
        JwtFailure::BadSignature => jwt_error("PGRST301", "No suitable key or wrong key type")
            .details("None of the keys was able to decode the JWT"),
        JwtFailure::BadAlgorithm => {
            jwt_error("PGRST301", "Wrong or unsupported encoding algorithm")
        }
        JwtFailure::Malformed => jwt_error("PGRST301", "JWT cryptographic operation failed"),
    })?;
    let now = timefmt::now_secs();
    let number = |name: &str, msg: &'static str| -> Result<Option<i64>, PgError> {
        match claims.get(name) {
            None | Some(serde_json::Value::Null) => Ok(None),
            Some(v) => v
                .as_f64()
                .map(|f| Some(f.floor() as i64))
                .ok_or_else(|| jwt_error("PGRST303", msg)),
        }
    };
    if let Some(exp) = number("exp", "The JWT 'exp' claim must be a number")?
        && now - JWT_SKEW_SECS > exp
    {
        return Err(jwt_error("PGRST303", "JWT expired"));
    }
    if let Some(nbf) = number("nbf", "The JWT 'nbf' claim must be a number")?
        && now + JWT_SKEW_SECS < nbf
    {
        return Err(jwt_error("PGRST303", "JWT not yet valid"));
    }
    if let Some(iat) = number("iat", "The JWT 'iat' claim must be a number")?
        && now + JWT_SKEW_SECS < iat
    {
        return Err(jwt_error("PGRST303", "JWT issued at future"));
    }
    match claims.get("role").and_then(|r| r.as_str()) {
        None | Some("anon") => Ok(Role::Anon),
        Some("authenticated") => Ok(Role::Authenticated {
            sub: signing::claim_str(&claims, "sub").map(str::to_string),
        }),
        Some("service_role") => Ok(Role::Service),
        Some(other) => Err(PgError::new(
            StatusCode::UNAUTHORIZED,
            "22023",
            format!("role \"{other}\" does not exist"),
        )),
    }
}

/// The tables PostgREST exposes (its schema cache), in the order the OpenAPI root lists them:
/// `calls` in the configured shape, and Callrec's review tables unless `--no-reviews`.
fn exposed(state: &AppState) -> Vec<Table> {
    let mut tables = vec![state.table.table()];
    if state.reviews {
        tables.extend(reviews::tables());
    }
    tables
}

/// An exposed table, or PostgREST's 404 with its "Perhaps you meant" hint.
fn find_table(state: &AppState, name: &str) -> Result<Table, PgError> {
    let tables = exposed(state);
    if let Some(t) = tables.iter().find(|t| t.name == name) {
        return Ok(t);
    }
    let names: Vec<&str> = tables.iter().map(|t| t.name).collect();
    let mut e = PgError::new(
        StatusCode::NOT_FOUND,
        "PGRST205",
        format!("Could not find the table 'public.{name}' in the schema cache"),
    );
    e.hint =
        fuzzy::closest(&names, name).map(|t| format!("Perhaps you meant the table 'public.{t}'"));
    Err(e)
}

/// A row range `[lower, upper]` (`upper = None`: unbounded), PostgREST's `NonnegRange`.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Span {
    lower: i64,
    upper: Option<i64>,
}

impl Span {
    const ALL: Span = Span {
        lower: 0,
        upper: None,
    };

    fn intersect(self, o: Span) -> Span {
        let upper = match (self.upper, o.upper) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        Span {
            lower: self.lower.max(o.lower),
            upper,
        }
    }

    fn is_empty(self) -> bool {
        self.upper.is_some_and(|u| u < self.lower)
    }
}

/// The `Range` header, PostgREST's regex `^([0-9]+)-([0-9]*)$` (no unit prefix).
fn header_range(headers: &HeaderMap) -> Span {
    let Some(v) = headers.get(header::RANGE).and_then(|v| v.to_str().ok()) else {
        return Span::ALL;
    };
    let Some((l, u)) = v.split_once('-') else {
        return Span::ALL;
    };
    if l.is_empty()
        || !l.bytes().all(|b| b.is_ascii_digit())
        || !u.bytes().all(|b| b.is_ascii_digit())
    {
        return Span::ALL;
    }
    let Ok(lower) = l.parse::<i64>() else {
        return Span::ALL;
    };
    let upper = if u.is_empty() {
        None
    } else {
        u.parse::<i64>().ok()
    };
    Span { lower, upper }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Media {
    Json,
    Object,
}

fn negotiate(headers: &HeaderMap) -> Result<Media, PgError> {
    let Some(accept) = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()) else {
        return Ok(Media::Json);
    };
    if accept.trim().is_empty() {
        return Ok(Media::Json);
    }
    for part in accept.split(',') {
        let mt = part
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        match mt.as_str() {
            "application/json" | "*/*" | "application/*" => return Ok(Media::Json),
            "application/vnd.pgrst.object+json" | "application/vnd.pgrst.object" => {
                return Ok(Media::Object);
            }
            _ => {}
        }
    }
    Err(PgError::new(
        StatusCode::NOT_ACCEPTABLE,
        "PGRST107",
        format!("None of these media types are available: {accept}"),
    ))
}

/// A parsed request's query string.
struct ReadPlan {
    columns: Vec<OutCol>,
    filters: Vec<(String, bool, parse::OpExpr)>,
    trees: Vec<parse::LogicTree>,
    order: Vec<parse::OrderTerm>,
    limit: Option<i64>,
    offset: Option<i64>,
    /// `on_conflict=` (writes).
    on_conflict: Option<Vec<String>>,
    /// `columns=` (writes): the body's columns.
    payload_columns: Option<Vec<String>>,
    canonical: String,
}

fn parse_error(e: parse::ParseError) -> PgError {
    PgError::new(StatusCode::BAD_REQUEST, "PGRST100", e.message).details(e.details)
}

fn not_embedded(path: &[String]) -> PgError {
    let name = path.first().cloned().unwrap_or_default();
    PgError::new(
        StatusCode::BAD_REQUEST,
        "PGRST108",
        format!("'{name}' is not an embedded resource in this request"),
    )
    .hint(format!(
        "Verify that '{name}' is included in the 'select' query parameter."
    ))
}

fn plan(table: sql::Table, query: Option<&str>) -> Result<ReadPlan, PgError> {
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(query.unwrap_or("").as_bytes())
        .into_owned()
        .filter(|(k, _)| k != "apikey")
        .collect();
    let mut select = None;
    let mut order = None;
    let (mut limit, mut offset) = (None, None);
    let (mut on_conflict, mut payload_columns) = (None, None);
    let mut filters = Vec::new();
    let mut trees = Vec::new();
    for (k, v) in &pairs {
        match k.as_str() {
            "select" => select = Some(v.clone()),
            "order" => order = Some(v.clone()),
            // PostgREST reads these with `readMaybe`: anything but an integer is ignored.
            "limit" => limit = v.trim().parse::<i64>().ok().or(limit),
            "offset" => offset = v.trim().parse::<i64>().ok().or(offset),
            "on_conflict" => {
                on_conflict = Some(parse::columns("on_conflict", v).map_err(parse_error)?);
            }
            "columns" => {
                payload_columns = Some(parse::columns("columns", v).map_err(parse_error)?);
            }
            key if key.ends_with(".order")
                || key.ends_with(".limit")
                || key.ends_with(".offset") =>
            {
                let path: Vec<String> = key.split('.').map(str::to_string).collect();
                return Err(not_embedded(&path));
            }
            key if parse::is_logic_key(key) => {
                let (path, t) = parse::logic(key, v).map_err(parse_error)?;
                if !path.is_empty() {
                    return Err(not_embedded(&path));
                }
                trees.push(t);
            }
            key => {
                if v.is_empty() {
                    // PostgREST drops parameters without a value.
                    continue;
                }
                let (path, f) = parse::filter(key, v).map_err(parse_error)?;
                if !path.is_empty() {
                    return Err(not_embedded(&path));
                }
                filters.push((f.field, f.json_path, f.expr));
            }
        }
    }
    let nodes = match &select {
        Some(s) => parse::select(s).map_err(parse_error)?,
        None => vec![parse::SelectNode::Star],
    };
    let columns = sql::columns(table, &nodes)?;
    let order = match &order {
        Some(o) => parse::order(table.name, o).map_err(parse_error)?,
        None => Vec::new(),
    };
    let mut sorted = pairs.clone();
    sorted.sort();
    let canonical = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(sorted)
        .finish();
    Ok(ReadPlan {
        columns,
        filters,
        trees,
        order,
        limit,
        offset,
        on_conflict,
        payload_columns,
        canonical,
    })
}

fn scope_for(
    role: &Role,
) -> impl FnOnce(&rusqlite::Connection) -> Result<Scope, DbError> + Send + 'static {
    let role = role.clone();
    move |conn| match role {
        Role::Anon => Ok(Scope::Nothing),
        Role::Service => Ok(Scope::All),
        Role::Authenticated { sub } => {
            let Some(sub) = sub.filter(|s| uuid::Uuid::parse_str(s).is_ok()) else {
                return Ok(Scope::Nothing);
            };
            // RLS: `agency_id = (select agency_id from users where id = auth.uid())`.
            Ok(match db::find_user(conn, &sub)?.and_then(|u| u.agency_id) {
                Some(a) => Scope::Agency(a),
                None => Scope::Nothing,
            })
        }
    }
}

/// Writes one row as JSON, keys in select order (as PostgREST's `json_agg` does).
fn write_row(
    out: &mut String,
    row: &rusqlite::Row<'_>,
    cols: &[OutCol],
    index: &[usize],
) -> rusqlite::Result<()> {
    out.push('{');
    for (n, (c, &i)) in cols.iter().zip(index).enumerate() {
        if n > 0 {
            out.push(',');
        }
        out.push_str(&serde_json::to_string(&c.key).unwrap_or_default());
        out.push(':');
        let v: SqlValue = row.get(i)?;
        let rendered = values::json(c.col, v, c.as_text);
        out.push_str(&rendered);
    }
    out.push('}');
    Ok(())
}

struct ReadResult {
    body: String,
    rows: i64,
    total: Option<i64>,
}

/// `/rest/v1/{table}`: reads here, writes in [`write`].
pub(crate) async fn handle(
    State(state): State<Shared>,
    Path(table): Path<String>,
    method: Method,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    body: Body,
) -> Response {
    Counters::bump(&state.counters.rest_requests);
    match serve(&state, &table, &method, &headers, query.as_deref(), body).await {
        Ok(r) => r,
        Err(e) => e.into_response(),
    }
}

async fn serve(
    state: &AppState,
    name: &str,
    method: &Method,
    headers: &HeaderMap,
    query: Option<&str>,
    body: Body,
) -> Result<Response, RestError> {
    let role = role_of(state, headers)?;
    let table = find_table(state, name)?;
    if *method != Method::GET && *method != Method::HEAD {
        return write::handle(state, table, role, method, headers, query, body).await;
    }
    read(state, table, role, method, headers, query).await
}

/// `GET|HEAD /rest/v1/{table}`.
async fn read(
    state: &AppState,
    table: Table,
    role: Role,
    method: &Method,
    headers: &HeaderMap,
    query: Option<&str>,
) -> Result<Response, RestError> {
    let media = negotiate(headers)?;
    let table_columns = table;
    let plan = plan(table, query)?;

    // PostgREST's getRanges: header range ∩ limit/offset range; `limit=0` is its own case.
    let header_span = if *method == Method::GET {
        header_range(headers)
    } else {
        Span::ALL
    };
    let limit_span = match (plan.limit, plan.offset) {
        (Some(l), Some(o)) => Span {
            lower: o,
            upper: Some(o.saturating_add(l).saturating_sub(1)),
        },
        (Some(l), None) => Span {
            lower: 0,
            upper: Some(l.saturating_sub(1)),
        },
        (None, Some(o)) => Span {
            lower: o,
            upper: None,
        },
        (None, None) => Span::ALL,
    };
    let limit_zero = plan.limit == Some(0);
    let top = if limit_zero {
        Span {
            lower: 0,
            upper: Some(-1),
        }
    } else {
        header_span.intersect(limit_span)
    };
    if top.is_empty() && !limit_zero {
        let details = if header_span.is_empty() {
            "The lower boundary must be lower than or equal to the upper boundary in the Range header."
        } else {
            "Limit should be greater than or equal to zero."
        };
        return Err(PgError::new(
            StatusCode::RANGE_NOT_SATISFIABLE,
            "PGRST103",
            "Requested range not satisfiable",
        )
        .details(details)
        .into());
    }
    if top.lower < 0 {
        return Err(PgError::new(
            StatusCode::BAD_REQUEST,
            "2201X",
            "OFFSET must not be negative",
        )
        .into());
    }
    // Supabase's max-rows caps what one response returns.
    let fetch_limit = if limit_zero {
        0
    } else {
        let want = top
            .upper
            .map(|u| u.saturating_sub(top.lower).saturating_add(1))
            .unwrap_or(MAX_ROWS);
        want.min(MAX_ROWS)
    };
    let count = prefer::Preferences::from_headers(headers).count;
    let order_sql = sql::order_clause(table_columns, &plan.order)?;

    let kind = write::kind_of(&role);
    let role_scope = scope_for(&role);
    let filters = plan.filters;
    let trees = plan.trees;
    let columns = plan.columns.clone();
    let lower = top.lower;
    let result = state
        .db
        .call(move |conn| -> Result<ReadResult, RestError> {
            let scope = role_scope(conn)?;
            let where_sql = sql::where_clause(table_columns, &scope, &filters, &trees)?;
            // Privileges are checked when the statement starts, after its parameters are read.
            write::require(table, kind, |p| p.select)?;
            let total = match count {
                Some(_) => {
                    let text = format!(
                        "SELECT count(*) FROM {} WHERE {}",
                        table.name, where_sql.text
                    );
                    let mut stmt = conn.prepare_cached(&text).map_err(DbError::from)?;
                    Some(
                        stmt.query_row(rusqlite::params_from_iter(where_sql.params.iter()), |r| {
                            r.get::<_, i64>(0)
                        })
                        .map_err(DbError::from)?,
                    )
                }
                None => None,
            };
            let mut body = String::from("[");
            let mut rows = 0i64;
            if fetch_limit > 0 {
                // Distinct stored expressions; output keys map onto them.
                let mut physical: Vec<&'static str> = Vec::new();
                let index: Vec<usize> = columns
                    .iter()
                    .map(|c| match physical.iter().position(|p| *p == c.col.expr) {
                        Some(i) => i,
                        None => {
                            physical.push(c.col.expr);
                            physical.len() - 1
                        }
                    })
                    .collect();
                let select_list = if physical.is_empty() {
                    "1".to_string()
                } else {
                    physical.join(", ")
                };
                let mut text = format!(
                    "SELECT {select_list} FROM {} WHERE {}",
                    table.name, where_sql.text
                );
                if !order_sql.is_empty() {
                    let _ = write!(text, " ORDER BY {order_sql}");
                }
                let _ = write!(text, " LIMIT {fetch_limit} OFFSET {lower}");
                let mut stmt = conn.prepare_cached(&text).map_err(DbError::from)?;
                let mut q = stmt
                    .query(rusqlite::params_from_iter(where_sql.params.iter()))
                    .map_err(DbError::from)?;
                while let Some(row) = q.next().map_err(DbError::from)? {
                    if rows > 0 {
                        body.push(',');
                    }
                    write_row(&mut body, row, &columns, &index).map_err(DbError::from)?;
                    rows += 1;
                }
            }
            body.push(']');
            Ok(ReadResult { body, rows, total })
        })
        .await??;

    // PostgREST's rangeStatusHeader.
    let upper = lower + result.rows - 1;
    let status = match result.total {
        None => StatusCode::OK,
        Some(total) if lower > total => {
            return Err(PgError::new(
                StatusCode::RANGE_NOT_SATISFIABLE,
                "PGRST103",
                "Requested range not satisfiable",
            )
            .details(format!(
                "An offset of {lower} was requested, but there are only {total} rows."
            ))
            .into());
        }
        Some(total) if 1 + upper - lower < total => StatusCode::PARTIAL_CONTENT,
        Some(_) => StatusCode::OK,
    };
    let range_str = if result.total != Some(0) && lower <= upper {
        format!("{lower}-{upper}")
    } else {
        "*".to_string()
    };
    let total_str = result
        .total
        .map(|t| t.to_string())
        .unwrap_or_else(|| "*".to_string());

    let (body, ctype) = match media {
        Media::Json => (result.body, "application/json; charset=utf-8"),
        Media::Object => {
            if result.rows != 1 {
                return Err(PgError::new(
                    StatusCode::NOT_ACCEPTABLE,
                    "PGRST116",
                    "Cannot coerce the result to a single JSON object",
                )
                .details(format!("The result contains {} rows", result.rows))
                .into());
            }
            let inner = result
                .body
                .strip_prefix('[')
                .and_then(|b| b.strip_suffix(']'))
                .unwrap_or("{}")
                .to_string();
            (inner, "application/vnd.pgrst.object+json; charset=utf-8")
        }
    };
    let mut resp = Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, ctype)
        .header(header::CONTENT_RANGE, format!("{range_str}/{total_str}"))
        .header(
            header::CONTENT_LOCATION,
            if plan.canonical.is_empty() {
                format!("/{}", table.name)
            } else {
                format!("/{}?{}", table.name, plan.canonical)
            },
        );
    if let Some(c) = count {
        resp = resp.header("preference-applied", prefer::count_text(c));
    }
    let len = body.len();
    let resp = if *method == Method::HEAD {
        resp.header(header::CONTENT_LENGTH, len).body(Body::empty())
    } else {
        resp.body(Body::from(body))
    };
    Ok(resp.unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response()))
}

/// The response of `GET /rest/v1/` (PostgREST's OpenAPI root), reduced to what a client might
/// probe: the tables, those the role has a privilege on (`openapi-mode = follow-privileges`).
pub(crate) async fn root(State(state): State<Shared>, headers: HeaderMap) -> Response {
    Counters::bump(&state.counters.rest_requests);
    let role = match role_of(&state, &headers) {
        Ok(r) => r,
        Err(e) => return pg_error_response(e),
    };
    let kind = write::kind_of(&role);
    let tables: Vec<Table> = exposed(&state)
        .into_iter()
        .filter(|t| write::privileges(t, kind) != schema::Privileges::NONE)
        .collect();
    let mut paths = serde_json::Map::new();
    paths.insert("/".into(), json!({}));
    let mut definitions = serde_json::Map::new();
    for t in tables {
        paths.insert(format!("/{}", t.name), json!({}));
        let properties: serde_json::Map<_, _> = t
            .columns
            .iter()
            .map(|c| (c.name.to_string(), json!({ "format": c.ty.pg_name() })))
            .collect();
        definitions.insert(
            t.name.to_string(),
            json!({ "type": "object", "properties": properties }),
        );
    }
    axum::Json(json!({
        "swagger": "2.0",
        "info": { "title": "standard public schema", "version": "12.2.3" },
        "paths": paths,
        "definitions": definitions,
    }))
    .into_response()
}

/// Renders one call row (all columns) the way `select=*` does, for the admin API.
pub(crate) fn call_json(
    conn: &rusqlite::Connection,
    id: &str,
) -> Result<Option<serde_json::Value>, DbError> {
    let cols: Vec<OutCol> = CALL_COLUMNS
        .iter()
        .map(|c| OutCol {
            key: c.name.to_string(),
            col: c,
            as_text: false,
        })
        .collect();
    let index: Vec<usize> = (0..cols.len()).collect();
    let names: Vec<&str> = CALL_COLUMNS.iter().map(|c| c.name).collect();
    let mut stmt = conn.prepare(&format!(
        "SELECT {} FROM calls WHERE id = ?1",
        names.join(", ")
    ))?;
    let mut q = stmt.query([id])?;
    let Some(row) = q.next()? else {
        return Ok(None);
    };
    let mut s = String::new();
    write_row(&mut s, row, &cols, &index)?;
    Ok(serde_json::from_str(&s).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans() {
        let a = Span {
            lower: 10,
            upper: None,
        };
        let b = Span {
            lower: 0,
            upper: Some(24),
        };
        assert_eq!(
            a.intersect(b),
            Span {
                lower: 10,
                upper: Some(24)
            }
        );
        assert!(
            Span {
                lower: 5,
                upper: Some(2)
            }
            .is_empty()
        );
        assert!(!Span::ALL.is_empty());
    }

    #[test]
    fn range_header() {
        let mut h = HeaderMap::new();
        h.insert(header::RANGE, HeaderValue::from_static("0-24"));
        assert_eq!(
            header_range(&h),
            Span {
                lower: 0,
                upper: Some(24)
            }
        );
        h.insert(header::RANGE, HeaderValue::from_static("10-"));
        assert_eq!(
            header_range(&h),
            Span {
                lower: 10,
                upper: None
            }
        );
        h.insert(header::RANGE, HeaderValue::from_static("items=0-24"));
        assert_eq!(header_range(&h), Span::ALL);
    }
}
