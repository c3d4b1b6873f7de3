//! Edge functions (`/functions/v1`):
//!
//! * `get-call-recording` (endpoint A, GET `?call_id=`): per its spec, asks Ultravox for the
//!   call's recording with redirects disabled and returns `{"recording_url": ...}`. Deployed
//!   with the default `verify_jwt`, so the edge relay rejects missing or invalid JWTs before the
//!   function runs (`{"code":401,"message":...}`); the function's own errors are `{"error": "..."}`.
//! * `get-signed-recording-url` (endpoint B, POST `{"call_id"}`): magpipe's function, whose
//!   published source answers `{"error":{"code","message"}}`: 401 `unauthorized`, 400
//!   `missing_param`, 404 `not_found` / `no_recording`, 500 `server_error` (including a body
//!   that is not JSON, as `req.json()` throws). It is deployed without `verify_jwt` (it also
//!   takes API keys), so its 401 is its own.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::auth;
use crate::cache;
use crate::db::{self, DbError, RecordingRow};
use crate::signing;
use crate::state::{AppState, Shared};
use crate::stats::Counters;
use crate::timefmt;

#[derive(Debug, thiserror::Error)]
pub enum FunctionError {
    #[error(transparent)]
    Db(#[from] DbError),
    #[error(transparent)]
    Cache(#[from] cache::CacheError),
    #[error(transparent)]
    Signing(#[from] signing::SigningError),
    #[error("calling Ultravox: {0}")]
    Upstream(#[from] reqwest::Error),
}

fn cors(mut resp: Response) -> Response {
    let h = resp.headers_mut();
    h.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    h.insert(
        header::ACCESS_CONTROL_ALLOW_HEADERS,
        HeaderValue::from_static("authorization, x-client-info, apikey, content-type"),
    );
    h.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static("GET, POST, OPTIONS"),
    );
    resp
}

fn json_response(status: StatusCode, body: Value) -> Response {
    cors((status, axum::Json(body)).into_response())
}

/// The usual Supabase function answer to a preflight: `200 ok` with the CORS headers.
fn preflight() -> Response {
    cors((StatusCode::OK, "ok").into_response())
}

/// The edge relay's JWT check (`verify_jwt = true`): signature and expiry only.
fn relay_verify(state: &AppState, headers: &HeaderMap) -> Option<Response> {
    let relay = |msg: &str| {
        Some(cors(
            (
                StatusCode::UNAUTHORIZED,
                axum::Json(json!({ "code": 401, "message": msg })),
            )
                .into_response(),
        ))
    };
    let Some(raw) = headers.get(header::AUTHORIZATION) else {
        return relay("Missing authorization header");
    };
    let token = raw.to_str().ok().and_then(|v| {
        v.strip_prefix("Bearer ")
            .or_else(|| v.strip_prefix("bearer "))
    });
    let Some(token) = token else {
        return relay("Invalid JWT");
    };
    match signing::decode_jwt(token, &state.keys.jwt_secret) {
        Ok(claims)
            if signing::claim_secs(&claims, "exp").is_none_or(|e| timefmt::now_secs() < e) =>
        {
            None
        }
        _ => relay("Invalid JWT"),
    }
}

fn err_a(status: StatusCode, msg: &str) -> Response {
    json_response(status, json!({ "error": msg }))
}

/// `GET /functions/v1/get-call-recording?call_id=<uuid>` (endpoint A).
pub(crate) async fn get_call_recording(
    State(state): State<Shared>,
    method: Method,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    if method == Method::OPTIONS {
        return preflight();
    }
    Counters::bump(&state.counters.function_a_requests);
    if let Some(r) = relay_verify(&state, &headers) {
        return r;
    }
    match call_recording(&state, &q, &headers).await {
        Ok(r) => r,
        Err(e) => {
            tracing::error!("get-call-recording failed: {e}");
            err_a(StatusCode::INTERNAL_SERVER_ERROR, "Internal server error")
        }
    }
}

async fn call_recording(
    state: &AppState,
    q: &HashMap<String, String>,
    headers: &HeaderMap,
) -> Result<Response, FunctionError> {
    // supabase.auth.getUser(): the session must still exist, not just the JWT be valid.
    let user = match auth::authenticate(state, headers).await {
        Ok(a) => a.user,
        Err(auth::AuthError::Db(e)) => return Err(e.into()),
        Err(_) => return Ok(err_a(StatusCode::UNAUTHORIZED, "Invalid or expired token")),
    };
    let Some(call_id) = q.get("call_id").filter(|c| !c.is_empty()).cloned() else {
        return Ok(err_a(StatusCode::BAD_REQUEST, "call_id is required"));
    };
    let Some(agency_id) = user.agency_id else {
        return Ok(err_a(
            StatusCode::FORBIDDEN,
            "User is not associated with an agency",
        ));
    };
    // A malformed id fails the Postgres query, which the function reports as not found.
    let Ok(call_uuid) = uuid::Uuid::parse_str(&call_id) else {
        return Ok(err_a(StatusCode::NOT_FOUND, "Call not found"));
    };
    let id = call_uuid.to_string();
    let lookup = state
        .db
        .call(move |conn| -> Result<_, DbError> {
            let call = db::find_call(conn, &id)?;
            let key = match &call {
                Some(c) => db::agency_key(conn, &c.agency_id)?,
                None => None,
            };
            Ok((call, key))
        })
        .await??;
    let (call, key) = lookup;
    let Some(call) = call.filter(|c| c.agency_id == agency_id) else {
        return Ok(err_a(StatusCode::NOT_FOUND, "Call not found"));
    };
    if !call.has_recording {
        return Ok(err_a(
            StatusCode::NOT_FOUND,
            "No recording available for this call",
        ));
    }
    let key = match key {
        None => {
            return Ok(err_a(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Failed to retrieve agency credentials",
            ));
        }
        Some(None) => {
            return Ok(err_a(
                StatusCode::BAD_REQUEST,
                "Ultravox API key not configured for this agency",
            ));
        }
        Some(Some(k)) => k,
    };
    // The real function interpolates the id as is; a call without one asks for `.../null/...`.
    let uv_id = call.ultravox_call_id.unwrap_or_else(|| "null".to_string());
    let url = format!(
        "{}/api/calls/{}/recording",
        state.base_url,
        signing::uri_encode(&uv_id, false)
    );
    let resp = state.http.get(&url).header("X-API-Key", key).send().await?;
    let status = resp.status();
    if status == StatusCode::FOUND {
        if let Some(loc) = resp
            .headers()
            .get(header::LOCATION)
            .and_then(|l| l.to_str().ok())
        {
            return Ok(json_response(
                StatusCode::OK,
                json!({ "recording_url": loc }),
            ));
        }
    } else if status == StatusCode::OK {
        return Ok(json_response(
            StatusCode::OK,
            json!({ "recording_url": url }),
        ));
    }
    Ok(err_a(StatusCode::NOT_FOUND, "Recording not available"))
}

fn err_b(status: StatusCode, code: &str, message: &str) -> Response {
    json_response(
        status,
        json!({ "error": { "code": code, "message": message } }),
    )
}

/// V8's `JSON.parse` message for a body that is not JSON, as `req.json()` throws it.
fn v8_json_error(body: &[u8], e: &serde_json::Error) -> String {
    let text = String::from_utf8_lossy(body);
    if e.is_eof() {
        return "Unexpected end of JSON input".to_string();
    }
    // serde reports 1-based line/column of the offending character.
    let offset: usize = text
        .split_inclusive('\n')
        .take(e.line().saturating_sub(1))
        .map(str::len)
        .sum::<usize>()
        + e.column().saturating_sub(1);
    let token = text
        .get(offset..)
        .and_then(|s| s.chars().next())
        .unwrap_or(' ');
    let shown = if text.chars().count() <= 10 {
        format!("\"{text}\"")
    } else {
        format!("\"{}\"...", text.chars().take(10).collect::<String>())
    };
    format!("Unexpected token '{token}', {shown} is not valid JSON")
}

/// `POST /functions/v1/get-signed-recording-url` with `{"call_id": "..."}` (endpoint B).
pub(crate) async fn get_signed_recording_url(
    State(state): State<Shared>,
    method: Method,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if method == Method::OPTIONS {
        return preflight();
    }
    Counters::bump(&state.counters.function_b_requests);
    match signed_recording_url(&state, &headers, &body).await {
        Ok(r) => r,
        Err(e) => {
            tracing::error!("get-signed-recording-url failed: {e}");
            err_b(
                StatusCode::INTERNAL_SERVER_ERROR,
                "server_error",
                &e.to_string(),
            )
        }
    }
}

async fn signed_recording_url(
    state: &AppState,
    headers: &HeaderMap,
    body: &Bytes,
) -> Result<Response, FunctionError> {
    let user = match auth::authenticate(state, headers).await {
        Ok(a) => a.user,
        Err(auth::AuthError::Db(e)) => return Err(e.into()),
        Err(_) => {
            return Ok(err_b(
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "Unauthorized",
            ));
        }
    };
    let parsed: Value = match serde_json::from_slice(body) {
        Ok(v) => v,
        Err(e) => {
            return Ok(err_b(
                StatusCode::INTERNAL_SERVER_ERROR,
                "server_error",
                &v8_json_error(body, &e),
            ));
        }
    };
    let call_id = match &parsed {
        Value::Null => {
            return Ok(err_b(
                StatusCode::INTERNAL_SERVER_ERROR,
                "server_error",
                "Cannot destructure property 'call_id' of '(intermediate value)' as it is null.",
            ));
        }
        Value::Object(m) => m.get("call_id").cloned().unwrap_or(Value::Null),
        _ => Value::Null,
    };
    // JavaScript truthiness: missing, null, "", 0 and false are all "no call_id".
    let truthy = match &call_id {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::String(s) => !s.is_empty(),
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        _ => true,
    };
    if !truthy {
        return Ok(err_b(
            StatusCode::BAD_REQUEST,
            "missing_param",
            "call_id is required",
        ));
    }
    let not_found = || err_b(StatusCode::NOT_FOUND, "not_found", "Call not found");
    // Anything but a UUID string makes the `.eq("id", call_id)` query fail: "not found".
    let Some(id) = call_id
        .as_str()
        .and_then(|s| uuid::Uuid::parse_str(s).ok())
        .map(|u| u.to_string())
    else {
        return Ok(not_found());
    };
    let Some(agency_id) = user.agency_id else {
        // RLS hides every call from a user without an agency.
        return Ok(not_found());
    };
    let found = state
        .db
        .call(move |conn| -> Result<_, DbError> {
            match db::find_call(conn, &id)? {
                Some(c) if c.agency_id == agency_id => {
                    Ok(Some((c.id.clone(), db::recordings_for_call(conn, &c.id)?)))
                }
                _ => Ok(None),
            }
        })
        .await??;
    let Some((call_id, rows)) = found else {
        return Ok(not_found());
    };
    let mut recordings = Vec::with_capacity(rows.len());
    for r in &rows {
        recordings.push(json!({
            "url": recording_url(state, r)?,
            "label": r.label,
            "duration_seconds": (r.audio.duration_ms as f64 / 1000.0).round() as i64,
            "source": r.source,
            "status": r.status,
            "created_at": timefmt::format_iso_seconds(r.audio.created_at),
        }));
    }
    let Some(first) = recordings.first().and_then(|r| r.get("url")).cloned() else {
        return Ok(err_b(
            StatusCode::NOT_FOUND,
            "no_recording",
            "No recording available for this call",
        ));
    };
    Ok(json_response(
        StatusCode::OK,
        json!({ "call_id": call_id, "recording_url": first, "recordings": recordings }),
    ))
}

/// A segment's URL: a Supabase Storage signed URL once synced, the provider's URL before.
pub(crate) fn recording_url(state: &AppState, r: &RecordingRow) -> Result<String, FunctionError> {
    let ext = cache::format_of(&r.audio)?.extension();
    let now = timefmt::now_secs();
    if r.status == "synced" {
        let object = format!("recordings/{}.{ext}", r.path);
        let token = signing::storage_token(&state.keys, &object, now, state.url_lifetime)?;
        Ok(format!(
            "{}/storage/v1/object/sign/{}?token={token}",
            state.base_url,
            signing::uri_encode(&object, true)
        ))
    } else {
        let path = format!("/provider/{}/{}.{ext}", r.source, r.path);
        let expires = now.saturating_add(i64::try_from(state.url_lifetime).unwrap_or(i64::MAX));
        let query = signing::provider_sign(&state.keys, &path, expires);
        Ok(format!(
            "{}{}?{query}",
            state.base_url,
            signing::uri_encode(&path, true)
        ))
    }
}

/// The edge runtime's answer for an unknown function.
pub(crate) async fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        axum::Json(json!({ "code": "NOT_FOUND", "message": "Requested function was not found" })),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v8_messages() {
        let body = b"not json";
        let e = serde_json::from_slice::<Value>(body).unwrap_err();
        assert_eq!(
            v8_json_error(body, &e),
            "Unexpected token 'o', \"not json\" is not valid JSON"
        );
        let e = serde_json::from_slice::<Value>(b"").unwrap_err();
        assert_eq!(v8_json_error(b"", &e), "Unexpected end of JSON input");
    }
}
