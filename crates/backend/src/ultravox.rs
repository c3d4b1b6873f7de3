//! Ultravox's `GET /api/calls/{call_id}/recording` (`X-API-Key`): a 302 to a GCS V4 signed
//! URL that lives `--url-lifetime` seconds (300 by default, like Ultravox's), or 200 with the
//! audio for calls flagged `direct`. Errors in Django REST framework's `{"detail": ...}` shape.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::cache;
use crate::db::DbError;
use crate::signing;
use crate::state::{AppState, Shared};
use crate::stats::Counters;
use crate::timefmt;

#[derive(Debug, thiserror::Error)]
pub enum UltravoxError {
    #[error(transparent)]
    Db(#[from] DbError),
    #[error(transparent)]
    Cache(#[from] cache::CacheError),
}

fn detail(status: StatusCode, msg: &str) -> Response {
    let mut r = (status, axum::Json(json!({ "detail": msg }))).into_response();
    if status == StatusCode::UNAUTHORIZED {
        r.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("X-API-Key"),
        );
    }
    r
}

pub(crate) async fn recording(
    State(state): State<Shared>,
    Path(call_id): Path<String>,
    method: Method,
    headers: HeaderMap,
) -> Response {
    Counters::bump(&state.counters.ultravox_requests);
    match answer(&state, &call_id, &method, &headers).await {
        Ok(r) => r,
        Err(e) => {
            tracing::error!("ultravox recording failed: {e}");
            detail(
                StatusCode::INTERNAL_SERVER_ERROR,
                "A server error occurred.",
            )
        }
    }
}

async fn answer(
    state: &AppState,
    call_id: &str,
    method: &Method,
    headers: &HeaderMap,
) -> Result<Response, UltravoxError> {
    let Some(key) = headers
        .get("x-api-key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
    else {
        return Ok(detail(
            StatusCode::UNAUTHORIZED,
            "Authentication credentials were not provided.",
        ));
    };
    let id = call_id.to_string();
    let (account, row) = state
        .db
        .call(move |conn| -> Result<_, DbError> {
            let account: Option<String> = rusqlite::OptionalExtension::optional(conn.query_row(
                "SELECT id FROM agencies WHERE ultravox_api_key = ?1",
                [&key],
                |r| r.get(0),
            ))?;
            let row = crate::db::find_ultravox(conn, &id)?;
            Ok((account, row))
        })
        .await??;
    let Some(account) = account else {
        return Ok(detail(StatusCode::UNAUTHORIZED, "Invalid API key."));
    };
    // Calls of another account do not exist for this key.
    let Some(row) = row.filter(|r| r.agency_id == account) else {
        return Ok(detail(StatusCode::NOT_FOUND, "Not found."));
    };
    if row.mode == "direct" {
        return Ok(crate::storage::serve_ultravox(state, method, headers, &row.audio).await);
    }
    let ext = cache::format_of(&row.audio)?.extension();
    let path = format!(
        "/gcs/ultravox-recordings/{}/recording.{ext}",
        row.ultravox_call_id
    );
    let query = signing::gcs_sign(
        &state.keys,
        &state.host,
        &path,
        timefmt::now_secs(),
        state.url_lifetime,
    );
    let location = format!(
        "{}{}?{query}",
        state.base_url,
        signing::uri_encode(&path, true)
    );
    let mut resp = (StatusCode::FOUND, axum::Json(json!({}))).into_response();
    match HeaderValue::from_str(&location) {
        Ok(v) => {
            resp.headers_mut().insert(header::LOCATION, v);
            Ok(resp)
        }
        Err(_) => Ok(detail(
            StatusCode::INTERNAL_SERVER_ERROR,
            "A server error occurred.",
        )),
    }
}
