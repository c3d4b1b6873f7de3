//! The agency's calls from PostgREST's `/rest/v1/calls`, through [`SessionManager::send`]:
//! filters, sorts, keyset paging (never deep offsets), the exact or estimated total, and a
//! tolerant row parser. Agencies' tables differ: the columns are learned from the rows
//! (`schema`), kept per project in the library, and only what the table has is offered.

mod query;
mod row;
pub mod schema;

pub use query::{CallQuery, Cursor, MAX_LIMIT, Plan, Search, Sort, content_range_total, quote};
pub use row::{CallRow, parse_rows};
pub use schema::{CallSchema, Column, ColumnKind, ColumnOverrides, Field, Filter, Offers};

/// A call id is a server's value we put in a URL and a path: longer is not an id.
pub const MAX_ID_LEN: usize = 128;

use std::time::Duration;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::http;
use crate::library::Library;
use crate::session::{SessionError, SessionManager};
use crate::{ErrorCode, ErrorKind};

/// How long a page of the list may take from the project (a refresh of the token included)
/// before the library answers instead, marked offline: a server that accepts and then stays
/// silent must not hold the list. [`crate::config::Config::list_deadline`] can change it.
pub const LIST_DEADLINE: Duration = Duration::from_secs(15);

/// Where a page came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum CallSource {
    Remote,
    Offline,
}

/// One page of the call list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct CallPage {
    pub rows: Vec<CallRow>,
    /// The cursor of the next page; `None` on the last one.
    pub next: Option<Cursor>,
    /// The total matching the filters (first page only, when asked for).
    #[ts(type = "number | null")]
    pub total: Option<u64>,
    /// Rows the server sent that could not be shown (no `id`).
    pub skipped: u32,
    pub source: CallSource,
    /// The table the rows were read with: what the list shows and offers.
    pub schema: CallSchema,
}

/// One call, opened by its id (a deep link, the call pane, `callrec recordings`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct OpenedCall {
    pub row: CallRow,
    pub source: CallSource,
    pub schema: CallSchema,
}

/// How the total is counted on the first page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Count {
    #[default]
    Exact,
    Estimated,
    None,
}

#[derive(Debug, thiserror::Error)]
pub enum CallsError {
    #[error(transparent)]
    Session(#[from] SessionError),
    /// PostgREST's `{code, details, hint, message}`.
    #[error("{message}")]
    Api {
        status: u16,
        code: Option<String>,
        message: String,
        details: Option<String>,
        hint: Option<String>,
    },
    #[error("the page asked for is past the end of the list")]
    RangeNotSatisfiable,
    #[error("invalid query: {0}")]
    Query(String),
    /// A filter or sort on a column the table lacks (said before asking the server, or the
    /// server's `42703` when the table changed since it was learned).
    #[error(
        "this project's calls table has no {wanted} column; its columns are: {} (a [columns] entry in config.toml maps a field to another column)",
        columns.join(", ")
    )]
    MissingColumn {
        wanted: String,
        columns: Vec<String>,
    },
    #[error(
        "this project's calls table has no text column to search (a full call id is still found); its columns are: {}",
        columns.join(", ")
    )]
    NothingToSearch { columns: Vec<String> },
    #[error("no call {id} in this project")]
    NotFound { id: String },
    #[error("the server's answer could not be read: {0}")]
    Decode(String),
    #[error("the server's page of calls is larger than the {max} bytes Callrec reads")]
    TooLarge { max: usize },
    /// Offline, and the library could not answer either.
    #[error("offline, and the library failed: {0}")]
    Library(String),
}

impl ErrorCode for CallsError {
    fn code(&self) -> &'static str {
        match self {
            Self::Session(error) => error.code(),
            Self::Api { status: 401, .. } | Self::Api { status: 403, .. } => "not_authorized",
            Self::Api { .. } => "server_error",
            Self::RangeNotSatisfiable => "range_not_satisfiable",
            Self::Query(_) => "invalid_query",
            Self::MissingColumn { .. } => "missing_column",
            Self::NothingToSearch { .. } => "nothing_to_search",
            Self::NotFound { .. } => "call_not_found",
            Self::Decode(_) => "bad_response",
            Self::TooLarge { .. } => "response_too_large",
            Self::Library(_) => "library",
        }
    }

    fn kind(&self) -> ErrorKind {
        match self {
            Self::Session(error) => error.kind(),
            Self::Api { status, .. } => match *status {
                401 | 403 => ErrorKind::Auth,
                404 => ErrorKind::NotFound,
                400..=499 => ErrorKind::Usage,
                _ => ErrorKind::Network,
            },
            Self::RangeNotSatisfiable
            | Self::Query(_)
            | Self::MissingColumn { .. }
            | Self::NothingToSearch { .. } => ErrorKind::Usage,
            Self::NotFound { .. } => ErrorKind::NotFound,
            Self::Decode(_) | Self::TooLarge { .. } | Self::Library(_) => ErrorKind::Network,
        }
    }
}

/// A page as the server sent it, with the schema its rows show.
struct RawPage {
    items: Vec<serde_json::Value>,
    total: Option<u64>,
    schema: CallSchema,
}

/// Asks `/rest/v1/calls` with `params`; `schema` is what the request was built from (its
/// column names, for the error when the server says one does not exist).
async fn fetch_raw(
    session: &SessionManager,
    schema: &CallSchema,
    params: &[(String, String)],
    prefer: Option<&'static str>,
) -> Result<RawPage, CallsError> {
    // `endpoint` keeps a base path (`https://host/base`), which `Url::join` would drop.
    let url = session.project().endpoint("rest/v1/calls");
    let response = session
        .send(|client| {
            let mut request = client
                .get(url.clone())
                .query(params)
                .header("Accept", "application/json");
            if let Some(prefer) = prefer {
                request = request.header("Prefer", prefer);
            }
            request
        })
        .await?;
    let status = response.status().as_u16();
    let total = response
        .headers()
        .get("content-range")
        .and_then(|v| v.to_str().ok())
        .and_then(content_range_total);
    let body = http::read_capped(response, http::MAX_JSON_BODY)
        .await
        .map_err(|error| match error {
            http::HttpError::TooLarge { max } => CallsError::TooLarge { max },
            // The body broke off or stalled: the network's fault, so the library answers.
            other => CallsError::Session(SessionError::Unreachable {
                url: http::redact(&url),
                reason: other.to_string(),
            }),
        })?;
    if status == 416 {
        return Err(CallsError::RangeNotSatisfiable);
    }
    if !(200..300).contains(&status) {
        return Err(match api_error(status, &body) {
            // The table changed since it was learned: the same usage error as a filter on a
            // column known to be absent, never a server error.
            CallsError::Api {
                code: Some(code),
                message,
                ..
            } if code == "42703" => CallsError::MissingColumn {
                wanted: missing_column_name(&message),
                columns: schema.names(),
            },
            other => other,
        });
    }
    let value: serde_json::Value =
        serde_json::from_slice(&body).map_err(|e| CallsError::Decode(e.to_string()))?;
    let serde_json::Value::Array(items) = value else {
        return Err(CallsError::Decode("expected a JSON array of rows".into()));
    };
    let learned = CallSchema::learn(&items, Some(schema), schema.overrides())
        .unwrap_or_else(|| schema.clone());
    Ok(RawPage {
        items,
        total: if prefer.is_some() { total } else { None },
        schema: learned,
    })
}

/// `x` of PostgREST's `column calls.x does not exist`, bounded (it is the server's text).
fn missing_column_name(message: &str) -> String {
    let name = message
        .strip_prefix("column ")
        .and_then(|rest| rest.split_whitespace().next())
        .map(|name| name.rsplit('.').next().unwrap_or(name))
        .unwrap_or("a column it was asked for");
    name.chars().take(schema::MAX_NAME_LEN).collect()
}

impl RawPage {
    fn into_page(self, query: &CallQuery) -> CallPage {
        let received = self.items.len();
        let (rows, skipped) = parse_rows(self.items, &self.schema);
        // A full page means there may be more; the cursor is the last row's key (even when
        // the last row the server sent was skipped, the last parsed one keeps the order).
        let next = if received >= query.limit() as usize {
            rows.last().map(|row| Cursor::after(query.sort, row))
        } else {
            None
        };
        CallPage {
            rows,
            next,
            total: self.total,
            skipped,
            source: CallSource::Remote,
            schema: self.schema,
        }
    }
}

/// Fetches one page of calls from the project's PostgREST, built from `schema`'s columns;
/// the page's rows are read with the schema they show (`CallPage::schema`).
pub async fn fetch_page(
    session: &SessionManager,
    schema: &CallSchema,
    query: &CallQuery,
    cursor: Option<&Cursor>,
    count: Count,
) -> Result<CallPage, CallsError> {
    let params = query.params(schema, cursor)?;
    let prefer = match (cursor, count) {
        (None, Count::Exact) => Some("count=exact"),
        (None, Count::Estimated) => Some("count=estimated"),
        _ => None,
    };
    Ok(fetch_raw(session, schema, &params, prefer)
        .await?
        .into_page(query))
}

fn api_error(status: u16, body: &[u8]) -> CallsError {
    let e = http::PostgrestError::parse(body);
    if e.code.as_deref() == Some("PGRST103") {
        return CallsError::RangeNotSatisfiable;
    }
    CallsError::Api {
        status,
        message: e
            .message
            .unwrap_or_else(|| format!("the server answered {status}")),
        code: e.code,
        details: e.details,
        hint: e.hint,
    }
}

/// What the library files this session's calls under: the project's URL and the signed-in
/// user, so a reviewer of another agency on the same computer never sees these calls offline.
pub fn project_key(session: &SessionManager) -> String {
    let user = session.state().user.map(|u| u.id).unwrap_or_default();
    format!("{} {user}", session.project().supabase_url)
}

/// The schema the library keeps for `project`, mapped with the config's `overrides` (saved
/// again when they changed the mapping); before any row was seen, the assumed one.
fn known_schema(
    library: &Library,
    project: &str,
    overrides: &ColumnOverrides,
) -> Result<CallSchema, CallsError> {
    let Some(stored) = library
        .call_schema(project)
        .map_err(|e| CallsError::Library(e.to_string()))?
    else {
        return Ok(CallSchema::assumed(overrides));
    };
    let schema = stored.remap(overrides);
    if !schema.same_as(&stored) {
        library
            .save_call_schema(project, &schema)
            .map_err(|e| CallsError::Library(e.to_string()))?;
    }
    Ok(schema)
}

/// Keeps what a page taught: a changed schema (new or missing columns) and its rows.
fn remember(library: &Library, project: &str, before: &CallSchema, page: &RawPage) {
    if page.schema.learned
        && !page.schema.same_as(before)
        && let Err(error) = library.save_call_schema(project, &page.schema)
    {
        tracing::warn!("the library could not keep the calls table's columns: {error}");
    }
    if let Err(error) = library.upsert_calls(project, &page.schema, &page.items) {
        tracing::warn!("the library could not remember a page of calls: {error}");
    }
}

/// Whether `query` needs more than the certain columns (so an assumed schema must be checked
/// against the table before it is used).
fn needs_schema(query: &CallQuery) -> bool {
    query.direction.is_some()
        || query.status.is_some()
        || matches!(query.sort, Sort::DurationDesc | Sort::DurationAsc)
        || query.search_text().is_some_and(|t| !query::is_uuid(t))
}

/// The schema to build `query` from: the library's, else learned from one row now (a filter
/// on a column the table lacks is then a usage error before the real request).
async fn schema_for(
    session: &SessionManager,
    library: &Library,
    project: &str,
    query: &CallQuery,
) -> Result<CallSchema, CallsError> {
    let schema = known_schema(library, project, &session.project().columns)?;
    if schema.learned || !needs_schema(query) {
        return Ok(schema);
    }
    let probe = CallQuery {
        limit: 1,
        ..CallQuery::default()
    };
    let page = fetch_raw(session, &schema, &probe.params(&schema, None)?, None).await?;
    remember(library, project, &schema, &page);
    Ok(page.schema)
}

/// The page after `cursor`: from the server first, remembered in `library` (the rows as sent,
/// and the table's columns when the page shows new or missing ones); when the server cannot
/// be reached (a transport error), from the library, marked [`CallSource::Offline`].
///
/// `query.downloaded` is local knowledge PostgREST cannot filter on:
/// * `Some(true)` ("Downloaded", what plays without a network) is answered from the library
///   even online, marked [`CallSource::Offline`] ("calls saved on this computer"): every
///   downloaded call is there, the paging and total are exact, and it looks the same with the
///   network gone. Asking the server for `id=in.(…)` would not scale to a large library (URL
///   length) and could show nothing the library lacks.
/// * `Some(false)` ("not downloaded yet": what to fetch before a trip) asks the server for the
///   page and drops the downloaded rows from it: the page may be shorter than `limit` (even
///   empty) while `next` still continues after the server's last row, and `total` is `None`
///   (the server's count would include the downloaded calls).
pub async fn list(
    session: &SessionManager,
    library: &Library,
    query: &CallQuery,
    cursor: Option<&Cursor>,
) -> Result<CallPage, CallsError> {
    list_within(session, library, query, cursor, LIST_DEADLINE).await
}

/// [`list`], with the project given `deadline` to answer (the whole page: token refresh,
/// request and body) before the library answers instead.
pub async fn list_within(
    session: &SessionManager,
    library: &Library,
    query: &CallQuery,
    cursor: Option<&Cursor>,
    deadline: Duration,
) -> Result<CallPage, CallsError> {
    let project = project_key(session);
    let reviewer = session.state().user.map(|u| u.id);
    let offline = || {
        library
            .query_calls_where(&project, query, cursor, None, reviewer.as_deref())
            .map_err(CallsError::from)
    };
    // Only the library knows what is downloaded or reviewed here: those pages are its own
    // (the calls seen before), never the server's. "Not reviewed yet" filters the server's.
    let reviewed = query
        .review
        .is_some_and(|status| status != crate::reviews::ReviewStatus::Unreviewed);
    if query.downloaded == Some(true) || reviewed {
        known_schema(library, &project, &session.project().columns)?;
        return offline();
    }
    let count = if query.downloaded.is_some() || query.review.is_some() {
        None
    } else if cursor.is_none() {
        Some("count=exact")
    } else {
        None
    };
    // The whole remote part (learning the table, the token's refresh, the request and its
    // body) has `deadline`: a project that accepts and stays silent is offline.
    let started = std::time::Instant::now();
    let schema = match within(
        session,
        deadline,
        schema_for(session, library, &project, query),
    )
    .await
    {
        Ok(schema) => schema,
        Err(CallsError::Session(error)) if error.is_unreachable() => {
            tracing::info!("{error}: serving calls from the library");
            return offline();
        }
        Err(error) => return Err(error),
    };
    // What the table lacks is refused here, before the server is asked.
    let params = query.params(&schema, cursor)?;
    let left = deadline.saturating_sub(started.elapsed());
    match within(session, left, fetch_raw(session, &schema, &params, count)).await {
        Ok(raw) => {
            let answered = started.elapsed();
            remember(library, &project, &schema, &raw);
            let mut page = raw.into_page(query);
            // `downloaded` is local knowledge: set from the library's verified files.
            if let Err(error) = library.mark_analysed(&mut page.rows) {
                tracing::warn!("the library could not tell which calls were analysed: {error}");
            }
            if let Err(error) = library.mark_downloaded(&mut page.rows) {
                tracing::warn!("the library could not tell which calls are downloaded: {error}");
                if query.downloaded.is_some() {
                    return Err(CallsError::Library(error.to_string()));
                }
            }
            if let Some(wanted) = query.downloaded {
                page.rows.retain(|row| row.downloaded == wanted);
            }
            if let Some(reviewer) = &reviewer
                && let Err(error) = library.mark_reviewed(&project, reviewer, &mut page.rows)
            {
                tracing::warn!("the library could not tell which calls were reviewed: {error}");
                if query.review.is_some() {
                    return Err(CallsError::Library(error.to_string()));
                }
            }
            if let Some(wanted) = query.review {
                page.rows.retain(|row| row.review_status == wanted);
            }
            tracing::debug!(
                rows = page.rows.len(),
                server_ms = answered.as_millis(),
                library_ms = (started.elapsed() - answered).as_millis(),
                "a page of calls"
            );
            Ok(page)
        }
        // Offline is a state, not an error: no connection, no answer in time, or no token
        // because the auth server cannot be reached (whatever the token's age).
        Err(CallsError::Session(error)) if error.is_unreachable() => {
            tracing::info!("{error}: serving calls from the library");
            offline()
        }
        Err(error @ CallsError::MissingColumn { .. }) => {
            // The server says a column it was asked for is gone: the table changed since it
            // was learned, so the next request learns it again.
            if let Err(e) = library.forget_call_schema(&project) {
                tracing::warn!("the library could not forget the calls table's columns: {e}");
            }
            Err(error)
        }
        Err(error) => Err(error),
    }
}

/// `remote`, given `deadline`: past it the project counts as unreachable (and the session as
/// offline), so the caller answers from the library.
async fn within<T>(
    session: &SessionManager,
    deadline: Duration,
    remote: impl std::future::Future<Output = Result<T, CallsError>>,
) -> Result<T, CallsError> {
    match tokio::time::timeout(deadline, remote).await {
        Ok(answer) => answer,
        Err(_) => {
            let failure = SessionError::Unreachable {
                url: http::redact(&session.project().endpoint("rest/v1/calls")),
                reason: format!("no answer within {} s", deadline.as_secs_f32()),
            };
            session.mark_offline(&failure);
            Err(CallsError::Session(failure))
        }
    }
}

/// One call by its id (`id=eq.<id>`, never through the search): from the server, remembered;
/// from the library when the server cannot be reached.
pub async fn open(
    session: &SessionManager,
    library: &Library,
    id: &str,
) -> Result<OpenedCall, CallsError> {
    let id = id.trim();
    if id.is_empty() || id.len() > MAX_ID_LEN || id.chars().any(char::is_control) {
        return Err(CallsError::Query(format!(
            "a call id is 1 to {MAX_ID_LEN} printable characters"
        )));
    }
    let project = project_key(session);
    let schema = known_schema(library, &project, &session.project().columns)?;
    // A plain filter's operand is taken verbatim: no quoting needed, none added.
    let params = [
        ("select".to_owned(), "*".to_owned()),
        ("id".to_owned(), format!("eq.{id}")),
        ("limit".to_owned(), "1".to_owned()),
    ];
    let fetched = within(
        session,
        LIST_DEADLINE,
        fetch_raw(session, &schema, &params, None),
    )
    .await;
    let opened = match fetched {
        Ok(raw) => {
            remember(library, &project, &schema, &raw);
            let (rows, _) = parse_rows(raw.items, &raw.schema);
            rows.into_iter().next().map(|row| OpenedCall {
                row,
                source: CallSource::Remote,
                schema: raw.schema,
            })
        }
        Err(CallsError::Session(error)) if error.is_unreachable() => {
            tracing::info!("{error}: opening the call from the library");
            library
                .call_in(&project, id)?
                .map(|(row, schema)| OpenedCall {
                    row,
                    source: CallSource::Offline,
                    schema,
                })
        }
        Err(error) => return Err(error),
    };
    let mut opened = opened.ok_or_else(|| CallsError::NotFound { id: id.to_owned() })?;
    library.mark_downloaded(std::slice::from_mut(&mut opened.row))?;
    library.mark_analysed(std::slice::from_mut(&mut opened.row))?;
    if let Some(user) = session.state().user {
        library.mark_reviewed(&project, &user.id, std::slice::from_mut(&mut opened.row))?;
    }
    Ok(opened)
}

impl From<crate::library::LibraryError> for CallsError {
    fn from(error: crate::library::LibraryError) -> Self {
        match error {
            crate::library::LibraryError::Calls(error) => *error,
            other => CallsError::Library(other.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postgrest_errors_keep_their_message() {
        let e = api_error(
            400,
            br#"{"code":"42703","details":null,"hint":null,"message":"column calls.x does not exist"}"#,
        );
        assert_eq!(e.to_string(), "column calls.x does not exist");
        assert_eq!(e.kind(), ErrorKind::Usage);
        assert!(matches!(
            api_error(416, br#"{"code":"PGRST103","message":"m"}"#),
            CallsError::RangeNotSatisfiable
        ));
        assert_eq!(api_error(502, b"<html>").kind(), ErrorKind::Network);
    }

    #[test]
    fn the_missing_column_is_named_from_the_server_s_message_bounded() {
        assert_eq!(
            missing_column_name("column calls.from_number does not exist"),
            "from_number"
        );
        let long = format!("column calls.{} does not exist", "x".repeat(500));
        assert_eq!(missing_column_name(&long).len(), schema::MAX_NAME_LEN);
        assert_eq!(missing_column_name("odd"), "a column it was asked for");
    }
}
