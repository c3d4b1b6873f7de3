//! PostgREST (`/rest/v1`): reads of `calls` with select, order, filters (every comparison
//! operator, `in`, `is`, `like`/`ilike`, `or`/`and`/`not`), paging by `limit`/`offset` or
//! `Range`, `Prefer: count=...`, row-level security by agency, and Supabase's 1000-row cap.
//! Range and status rules follow PostgREST's `RangeQuery.hs` and `Response.hs`.

mod parse;
mod schema;
mod sql;

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
use sql::{OutCol, PgError, Scope};

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

/// The closest known table, for PostgREST's "Perhaps you meant" hint.
fn table_hint(name: &str) -> Option<String> {
    let d = levenshtein(name, schema::TABLE);
    (d <= 3).then(|| format!("Perhaps you meant the table 'public.{}'", schema::TABLE))
}

fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur.push((prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
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

/// `Prefer: count=exact|planned|estimated` (several headers or comma-separated values).
fn count_preference(headers: &HeaderMap) -> Option<&'static str> {
    let mut found = None;
    for v in headers.get_all("prefer") {
        for p in v.to_str().unwrap_or_default().split(',') {
            match p.trim() {
                "count=exact" => found = Some("exact"),
                "count=planned" => found = Some("planned"),
                "count=estimated" => found = Some("estimated"),
                _ => {}
            }
        }
    }
    found
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

/// A parsed read request.
struct ReadPlan {
    columns: Vec<OutCol>,
    filters: Vec<(String, bool, parse::OpExpr)>,
    trees: Vec<parse::LogicTree>,
    order: Vec<parse::OrderTerm>,
    limit: Option<i64>,
    offset: Option<i64>,
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
    let mut filters = Vec::new();
    let mut trees = Vec::new();
    for (k, v) in &pairs {
        match k.as_str() {
            "select" => select = Some(v.clone()),
            "order" => order = Some(v.clone()),
            // PostgREST reads these with `readMaybe`: anything but an integer is ignored.
            "limit" => limit = v.trim().parse::<i64>().ok().or(limit),
            "offset" => offset = v.trim().parse::<i64>().ok().or(offset),
            "columns" | "on_conflict" => {}
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
        Some(o) => parse::order(o).map_err(parse_error)?,
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
        let text = |s: String| serde_json::to_string(&s).unwrap_or_default();
        let rendered = match (v, c.col.ty) {
            (SqlValue::Null, _) => "null".to_string(),
            (SqlValue::Integer(b), schema::PgType::Bool) => {
                let s = if b != 0 { "true" } else { "false" };
                if c.as_text {
                    format!("\"{s}\"")
                } else {
                    s.to_string()
                }
            }
            (SqlValue::Integer(t), schema::PgType::Timestamptz) => {
                if c.as_text {
                    text(pg_text_timestamp(t))
                } else {
                    text(timefmt::format_pg(t))
                }
            }
            (SqlValue::Integer(n), _) => {
                if c.as_text {
                    format!("\"{n}\"")
                } else {
                    n.to_string()
                }
            }
            (SqlValue::Text(s), _) => text(s),
            (SqlValue::Real(f), _) => f.to_string(),
            (SqlValue::Blob(_), _) => "null".to_string(),
        };
        out.push_str(&rendered);
    }
    out.push('}');
    Ok(())
}

/// `timestamptz::text` in a UTC session: `2024-01-15 10:32:20.12+00`.
fn pg_text_timestamp(micros: i64) -> String {
    let iso = timefmt::format_pg(micros);
    iso.replacen('T', " ", 1)
        .trim_end_matches(":00")
        .to_string()
}

struct ReadResult {
    body: String,
    rows: i64,
    total: Option<i64>,
}

/// `GET|HEAD /rest/v1/{table}` (and the refusals for writes).
pub(crate) async fn handle(
    State(state): State<Shared>,
    Path(table): Path<String>,
    method: Method,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    Counters::bump(&state.counters.rest_requests);
    match read(&state, &table, &method, &headers, query.as_deref()).await {
        Ok(r) => r,
        Err(e) => e.into_response(),
    }
}

async fn read(
    state: &AppState,
    table: &str,
    method: &Method,
    headers: &HeaderMap,
    query: Option<&str>,
) -> Result<Response, RestError> {
    let role = role_of(state, headers)?;
    if table != schema::TABLE {
        let mut e = PgError::new(
            StatusCode::NOT_FOUND,
            "PGRST205",
            format!("Could not find the table 'public.{table}' in the schema cache"),
        );
        e.hint = table_hint(table);
        return Err(e.into());
    }
    if *method != Method::GET && *method != Method::HEAD {
        return Err(match role {
            Role::Service => sql::not_implemented(
                "writes are not supported by the local backend; use the admin API",
            ),
            Role::Anon => PgError::new(
                StatusCode::UNAUTHORIZED,
                "42501",
                "permission denied for table calls",
            ),
            Role::Authenticated { .. } => PgError::new(
                StatusCode::FORBIDDEN,
                "42501",
                "permission denied for table calls",
            ),
        }
        .into());
    }
    let media = negotiate(headers)?;
    let table_columns = state.table.columns();
    let plan = plan(table_columns, query)?;

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
    let count = count_preference(headers);
    let order_sql = sql::order_clause(table_columns, &plan.order)?;

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
            let total = match count {
                Some(_) => {
                    let text = format!("SELECT count(*) FROM calls WHERE {}", where_sql.text);
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
                let mut text = format!("SELECT {select_list} FROM calls WHERE {}", where_sql.text);
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
                "/calls".to_string()
            } else {
                format!("/calls?{}", plan.canonical)
            },
        );
    if let Some(c) = count {
        resp = resp.header("preference-applied", format!("count={c}"));
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
/// probe: the table list.
pub(crate) async fn root(State(state): State<Shared>, headers: HeaderMap) -> Response {
    Counters::bump(&state.counters.rest_requests);
    if let Err(e) = role_of(&state, &headers) {
        return pg_error_response(e);
    }
    axum::Json(json!({
        "swagger": "2.0",
        "info": { "title": "standard public schema", "version": "12.2.3" },
        "paths": { "/": {}, "/calls": {} },
        "definitions": { "calls": { "type": "object", "properties":
            state.table.columns().iter().map(|c| (c.name.to_string(), json!({ "format": c.ty.pg_name() }))).collect::<serde_json::Map<_, _>>()
        } },
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

    #[test]
    fn text_timestamps() {
        assert_eq!(pg_text_timestamp(1_500_000), "1970-01-01 00:00:01.5+00");
    }
}
