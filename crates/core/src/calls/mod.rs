//! The agency's calls from PostgREST's `/rest/v1/calls`, through [`SessionManager::send`]:
//! filters, sorts, keyset paging (never deep offsets), the exact or estimated total, and a
//! tolerant row parser (agencies' schemas differ; only a row without `id` is skipped).

mod query;
mod row;

pub use query::{CallQuery, Cursor, MAX_LIMIT, Sort, content_range_total, quote};
pub use row::{CallRow, parse_rows};

use std::time::Duration;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::http;
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
            Self::RangeNotSatisfiable | Self::Query(_) => ErrorKind::Usage,
            Self::Decode(_) | Self::TooLarge { .. } | Self::Library(_) => ErrorKind::Network,
        }
    }
}

/// Fetches one page of calls from the project's PostgREST.
pub async fn fetch_page(
    session: &SessionManager,
    query: &CallQuery,
    cursor: Option<&Cursor>,
    count: Count,
) -> Result<CallPage, CallsError> {
    let params = query.params(cursor)?;
    // `endpoint` keeps a base path (`https://host/base`), which `Url::join` would drop.
    let url = session.project().endpoint("rest/v1/calls");
    let prefer = match (cursor, count) {
        (None, Count::Exact) => Some("count=exact"),
        (None, Count::Estimated) => Some("count=estimated"),
        _ => None,
    };
    let response = session
        .send(|client| {
            let mut request = client
                .get(url.clone())
                .query(&params)
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
        return Err(api_error(status, &body));
    }
    let value: serde_json::Value =
        serde_json::from_slice(&body).map_err(|e| CallsError::Decode(e.to_string()))?;
    let serde_json::Value::Array(items) = value else {
        return Err(CallsError::Decode("expected a JSON array of rows".into()));
    };
    let received = items.len();
    let (rows, skipped) = parse_rows(items);
    // A full page means there may be more; the cursor is the last row's key (even when the last
    // row the server sent was skipped, the last parsed one keeps the order).
    let next = if received >= query.limit() as usize {
        rows.last().map(|row| Cursor::after(query.sort, row))
    } else {
        None
    };
    Ok(CallPage {
        rows,
        next,
        total: if prefer.is_some() { total } else { None },
        skipped,
        source: CallSource::Remote,
    })
}

fn api_error(status: u16, body: &[u8]) -> CallsError {
    #[derive(Deserialize)]
    struct PgError {
        code: Option<String>,
        message: Option<String>,
        details: Option<String>,
        hint: Option<String>,
    }
    match serde_json::from_slice::<PgError>(body) {
        Ok(e) => {
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
        Err(_) => CallsError::Api {
            status,
            code: None,
            message: format!("the server answered {status}"),
            details: None,
            hint: None,
        },
    }
}

/// What the library files this session's calls under: the project's URL and the signed-in
/// user, so a reviewer of another agency on the same computer never sees these calls offline.
pub fn project_key(session: &SessionManager) -> String {
    let user = session.state().user.map(|u| u.id).unwrap_or_default();
    format!("{} {user}", session.project().supabase_url)
}

/// The page after `cursor`: from the server first, remembered in `library`; when the server
/// cannot be reached (a transport error), from the library, marked [`CallSource::Offline`].
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
    library: &crate::library::Library,
    query: &CallQuery,
    cursor: Option<&Cursor>,
) -> Result<CallPage, CallsError> {
    list_within(session, library, query, cursor, LIST_DEADLINE).await
}

/// [`list`], with the project given `deadline` to answer (the whole page: token refresh,
/// request and body) before the library answers instead.
pub async fn list_within(
    session: &SessionManager,
    library: &crate::library::Library,
    query: &CallQuery,
    cursor: Option<&Cursor>,
    deadline: Duration,
) -> Result<CallPage, CallsError> {
    let project = project_key(session);
    if query.downloaded == Some(true) {
        return library
            .query_calls(&project, query, cursor)
            .map_err(|e| CallsError::Library(e.to_string()));
    }
    let count = if query.downloaded.is_some() {
        Count::None
    } else {
        Count::Exact
    };
    let fetched =
        match tokio::time::timeout(deadline, fetch_page(session, query, cursor, count)).await {
            Ok(fetched) => fetched,
            Err(_) => {
                let failure = SessionError::Unreachable {
                    url: http::redact(&session.project().endpoint("rest/v1/calls")),
                    reason: format!("no answer within {} s", deadline.as_secs_f32()),
                };
                session.mark_offline(&failure);
                Err(CallsError::Session(failure))
            }
        };
    match fetched {
        Ok(mut page) => {
            if let Err(error) = library.upsert_calls(&project, &page.rows) {
                tracing::warn!("the library could not remember a page of calls: {error}");
            }
            // `downloaded` is local knowledge: set from the library's verified files.
            if let Err(error) = library.mark_downloaded(&mut page.rows) {
                tracing::warn!("the library could not tell which calls are downloaded: {error}");
                if query.downloaded.is_some() {
                    return Err(CallsError::Library(error.to_string()));
                }
            }
            if let Some(wanted) = query.downloaded {
                page.rows.retain(|row| row.downloaded == wanted);
            }
            Ok(page)
        }
        // Offline is a state, not an error: no connection, no answer in time, or no token
        // because the auth server cannot be reached (whatever the token's age).
        Err(CallsError::Session(error)) if error.is_unreachable() => {
            tracing::info!("{error}: serving calls from the library");
            library
                .query_calls(&project, query, cursor)
                .map_err(|e| CallsError::Library(e.to_string()))
        }
        Err(error) => Err(error),
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
}
