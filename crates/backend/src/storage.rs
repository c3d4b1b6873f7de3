//! The three stores behind signed URLs, each checking its own signature style and failing in
//! its own words, and one file server under them (Range, ETag, If-Range, HEAD, 416):
//!
//! * Supabase Storage `GET /storage/v1/object/sign/{bucket}/{path}?token=<JWT>`. Like
//!   storage-api, every client error is HTTP 400 with the real status inside the JSON body
//!   (`{"statusCode":"400","code":"InvalidJWT",...}`; a missing object is 400 with
//!   `"statusCode":"404"`); only an unsatisfiable range is a real 416.
//! * GCS `GET /gcs/{bucket}/{object}?X-Goog-...` (Ultravox's redirect target): expired →
//!   400 `ExpiredToken`, bad signature → 403 `SignatureDoesNotMatch`, XML bodies. The V4
//!   signature covers the method, so a GET URL does not authorise HEAD (403), as on GCS.
//! * Provider `GET /provider/{source}/{path}?Expires=&Signature=` (recordings not yet synced,
//!   CloudFront-style): expired or tampered → 403 with an S3-style XML body; HEAD allowed.

use std::io::SeekFrom;

use axum::body::Body;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use tokio::io::AsyncSeekExt;

use crate::cache::{self, CacheError, CachedFile};
use crate::db::{self, AudioRow, DbError};
use crate::faults::{self, StreamFaults};
use crate::signing::{self, GcsCheck, ProviderCheck, StorageTokenError};
use crate::state::{AppState, Shared};
use crate::timefmt;

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error(transparent)]
    Db(#[from] DbError),
    #[error(transparent)]
    Cache(#[from] CacheError),
    #[error("opening the audio file: {0}")]
    Io(#[from] std::io::Error),
}

/// Whose conventions an answer follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Store {
    Supabase,
    Gcs,
    Provider,
    /// Ultravox's own `200` answer with the audio.
    Ultravox,
}

fn supabase_error(status_in_body: &str, code: &str, error: &str, message: &str) -> Response {
    let http = if status_in_body == "500" {
        StatusCode::INTERNAL_SERVER_ERROR
    } else {
        StatusCode::BAD_REQUEST
    };
    (
        http,
        axum::Json(json!({ "statusCode": status_in_body, "code": code, "error": error, "message": message })),
    )
        .into_response()
}

fn xml(status: StatusCode, body: String) -> Response {
    (
        status,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/xml; charset=UTF-8"),
        )],
        body,
    )
        .into_response()
}

fn gcs_error(status: StatusCode, code: &str, message: &str, details: &str) -> Response {
    let details = if details.is_empty() {
        String::new()
    } else {
        format!("<Details>{}</Details>", xml_escape(details))
    };
    xml(
        status,
        format!(
            "<?xml version='1.0' encoding='UTF-8'?><Error><Code>{code}</Code><Message>{message}</Message>{details}</Error>"
        ),
    )
}

fn s3_error(status: StatusCode, code: &str, message: &str, extra: &str) -> Response {
    xml(
        status,
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code><Message>{message}</Message>{extra}<RequestId>CALLRECDEMO0000</RequestId></Error>"
        ),
    )
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn internal(store: Store, e: &StorageError) -> Response {
    tracing::error!("storage failed: {e}");
    match store {
        Store::Supabase => {
            supabase_error("500", "InternalError", "internal", "Internal Server Error")
        }
        Store::Gcs => gcs_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalError",
            "We encountered an internal error. Please try again.",
            "",
        ),
        Store::Provider => s3_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalError",
            "We encountered an internal error. Please try again.",
            "",
        ),
        Store::Ultravox => (
            StatusCode::INTERNAL_SERVER_ERROR,
            axum::Json(json!({ "detail": "Internal server error." })),
        )
            .into_response(),
    }
}

fn not_satisfiable(store: Store, len: u64) -> Response {
    let mut resp = match store {
        Store::Supabase => (
            StatusCode::RANGE_NOT_SATISFIABLE,
            axum::Json(json!({ "statusCode": "416", "code": "InvalidRange", "error": "invalid_range", "message": "invalid range provided" })),
        )
            .into_response(),
        Store::Gcs => gcs_error(StatusCode::RANGE_NOT_SATISFIABLE, "InvalidRange", "The requested range cannot be satisfied.", ""),
        Store::Provider => s3_error(StatusCode::RANGE_NOT_SATISFIABLE, "InvalidRange", "The requested range is not satisfiable", ""),
        Store::Ultravox => (StatusCode::RANGE_NOT_SATISFIABLE, axum::Json(json!({ "detail": "Requested range not satisfiable." }))).into_response(),
    };
    if let Ok(v) = HeaderValue::from_str(&format!("bytes */{len}")) {
        resp.headers_mut().insert(header::CONTENT_RANGE, v);
    }
    resp
}

/// A single byte range request, resolved against the file length.
#[derive(Debug, PartialEq)]
enum RangeReq {
    /// No usable Range header (absent, malformed, several ranges): the whole file.
    Full,
    Part(u64, u64),
    Unsatisfiable,
}

fn parse_range(value: &str, len: u64) -> RangeReq {
    let Some(spec) = value.trim().strip_prefix("bytes=") else {
        return RangeReq::Full;
    };
    if spec.contains(',') {
        return RangeReq::Full;
    }
    let Some((a, b)) = spec.trim().split_once('-') else {
        return RangeReq::Full;
    };
    let (a, b) = (a.trim(), b.trim());
    let num = |s: &str| -> Option<u64> {
        (!s.is_empty() && s.bytes().all(|c| c.is_ascii_digit()))
            .then(|| s.parse().ok())
            .flatten()
    };
    match (a.is_empty(), b.is_empty()) {
        (true, true) => RangeReq::Full,
        (true, false) => match num(b) {
            Some(0) => RangeReq::Unsatisfiable,
            Some(n) if len > 0 => RangeReq::Part(len.saturating_sub(n), len - 1),
            Some(_) => RangeReq::Unsatisfiable,
            None => RangeReq::Full,
        },
        (false, _) => {
            let Some(start) = num(a) else {
                return RangeReq::Full;
            };
            let end = if b.is_empty() {
                None
            } else {
                match num(b) {
                    Some(e) if e >= start => Some(e),
                    _ => return RangeReq::Full,
                }
            };
            if start >= len {
                return RangeReq::Unsatisfiable;
            }
            RangeReq::Part(start, end.unwrap_or(len - 1).min(len - 1))
        }
    }
}

fn etag_matches(list: &str, etag: &str) -> bool {
    list.split(',')
        .map(str::trim)
        .any(|t| t == "*" || t.trim_start_matches("W/") == etag)
}

/// The `missing` fault: an object whose path contains one of its strings is answered as if
/// deleted (each store's own 404), as when storage loses a copy mid-play.
fn deleted(state: &AppState, object: &str) -> bool {
    state
        .faults()
        .missing
        .iter()
        .any(|part| !part.is_empty() && object.contains(part.as_str()))
}

/// Serves a rendered file: validators, conditional requests, one byte range, HEAD, and the
/// bandwidth/drop-after faults on the body.
pub(crate) async fn serve(
    state: &AppState,
    store: Store,
    method: &Method,
    headers: &HeaderMap,
    file: &CachedFile,
    last_modified: i64,
    extra: &[(&'static str, String)],
) -> Result<Response, StorageError> {
    // A just-inserted call's recording can be dated a few seconds ahead; never claim the future.
    let last_modified = last_modified.min(timefmt::now_micros());
    let last_modified_http = timefmt::format_http(last_modified);
    let mut builder = Response::builder()
        .header(header::ACCEPT_RANGES, "bytes")
        .header(header::ETAG, &file.etag)
        .header(header::LAST_MODIFIED, &last_modified_http)
        .header(header::CONTENT_TYPE, file.content_type);
    for (k, v) in extra {
        builder = builder.header(*k, v);
    }
    if let Some(inm) = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        && etag_matches(inm, &file.etag)
    {
        return Ok(builder
            .status(StatusCode::NOT_MODIFIED)
            .body(Body::empty())
            .unwrap_or_default());
    }
    let len = file.len;
    let mut range = match headers.get(header::RANGE).and_then(|v| v.to_str().ok()) {
        Some(r) => parse_range(r, len),
        None => RangeReq::Full,
    };
    // If-Range: the range applies only if the validator still matches (strong comparison).
    if range != RangeReq::Full
        && let Some(ir) = headers.get(header::IF_RANGE).and_then(|v| v.to_str().ok())
    {
        let ir = ir.trim();
        let fresh = if ir.starts_with('"') {
            ir == file.etag
        } else if ir.starts_with("W/") {
            false
        } else {
            timefmt::parse_http(ir) == Some(last_modified.div_euclid(timefmt::MICROS_PER_SEC))
        };
        if !fresh {
            range = RangeReq::Full;
        }
    }
    let (status, start, count) = match range {
        RangeReq::Full => (StatusCode::OK, 0, len),
        RangeReq::Part(s, e) => (StatusCode::PARTIAL_CONTENT, s, e - s + 1),
        RangeReq::Unsatisfiable => return Ok(not_satisfiable(store, len)),
    };
    builder = builder.status(status).header(header::CONTENT_LENGTH, count);
    if status == StatusCode::PARTIAL_CONTENT {
        builder = builder.header(
            header::CONTENT_RANGE,
            format!("bytes {start}-{}/{len}", start + count - 1),
        );
    }
    if *method == Method::HEAD {
        return Ok(builder.body(Body::empty()).unwrap_or_default());
    }
    let mut f = tokio::fs::File::open(&file.path).await?;
    if start > 0 {
        f.seek(SeekFrom::Start(start)).await?;
    }
    let fl = state.faults();
    let stream = faults::file_body(
        f,
        count,
        StreamFaults {
            bandwidth: fl.bandwidth,
            drop_after: fl.drop_after,
        },
        state.counters.clone(),
    );
    Ok(builder.body(Body::from_stream(stream)).unwrap_or_default())
}

async fn render(state: &AppState, audio: &AudioRow) -> Result<CachedFile, StorageError> {
    let spec = cache::spec_of(audio)?;
    Ok(state.audio.ensure(&spec).await?)
}

/// Splits `<agency>/<call>/<recording>.<ext>` and returns the recording id and extension.
fn recording_key(path: &str) -> Option<(String, String)> {
    let last = path.rsplit('/').next()?;
    let (stem, ext) = last.rsplit_once('.')?;
    uuid::Uuid::parse_str(stem).ok()?;
    Some((stem.to_string(), ext.to_string()))
}

/// Finds the recording an object path names, if it is what the path says it is.
async fn lookup_recording(
    state: &AppState,
    path: &str,
    want_status: &'static str,
    source: Option<String>,
) -> Result<Option<AudioRow>, StorageError> {
    let Some((id, ext)) = recording_key(path) else {
        return Ok(None);
    };
    let path = path.to_string();
    let row = state
        .db
        .call(move |conn| db::find_recording(conn, &id))
        .await??;
    let Some(row) = row else {
        return Ok(None);
    };
    let fmt_ext = cache::format_of(&row.audio)?.extension();
    let ok = format!("{}.{fmt_ext}", row.path) == path
        && ext == fmt_ext
        && row.status == want_status
        && source.is_none_or(|s| s == row.source);
    Ok(ok.then_some(row.audio))
}

#[derive(serde::Deserialize)]
pub(crate) struct SignQuery {
    token: Option<String>,
    download: Option<String>,
}

/// `GET|HEAD /storage/v1/object/sign/{bucket}/{*path}?token=...`
pub(crate) async fn supabase_signed(
    State(state): State<Shared>,
    Path((bucket, path)): Path<(String, String)>,
    axum::extract::Query(q): axum::extract::Query<SignQuery>,
    method: Method,
    headers: HeaderMap,
) -> Response {
    let Some(token) = q.token.filter(|t| !t.is_empty()) else {
        return supabase_error(
            "400",
            "InvalidRequest",
            "Bad Request",
            "querystring must have required property 'token'",
        );
    };
    let object_url = format!("{bucket}/{path}");
    match signing::verify_storage_token(&state.keys, &token, &object_url, timefmt::now_secs()) {
        Ok(()) => {}
        Err(StorageTokenError::InvalidJwt(msg)) => {
            return supabase_error("400", "InvalidJWT", "InvalidJWT", msg);
        }
        Err(StorageTokenError::UrlMismatch) => {
            return supabase_error(
                "400",
                "InvalidSignature",
                "InvalidSignature",
                "Invalid signature",
            );
        }
    }
    let result = async {
        if deleted(&state, &object_url) {
            return Ok(None);
        }
        if bucket != "recordings" {
            return Ok(None);
        }
        let Some(audio) = lookup_recording(&state, &path, "synced", None).await? else {
            return Ok(None);
        };
        let file = render(&state, &audio).await?;
        let mut extra = vec![
            ("x-robots-tag", "none".to_string()),
            ("cache-control", "no-cache".to_string()),
        ];
        if let Some(d) = &q.download {
            let name = if d.is_empty() {
                path.rsplit('/').next().unwrap_or("").to_string()
            } else {
                d.clone()
            };
            let enc = signing::uri_encode(&name, false);
            extra.push((
                "content-disposition",
                format!("attachment; filename={enc}; filename*=UTF-8''{enc}"),
            ));
        }
        serve(
            &state,
            Store::Supabase,
            &method,
            &headers,
            &file,
            audio.created_at,
            &extra,
        )
        .await
        .map(Some)
    }
    .await;
    match result {
        Ok(Some(r)) => r,
        Ok(None) => supabase_error("404", "NoSuchKey", "not_found", "Object not found"),
        Err(e) => internal(Store::Supabase, &e),
    }
}

fn query_pairs(raw: Option<&str>) -> Vec<(String, String)> {
    url::form_urlencoded::parse(raw.unwrap_or("").as_bytes())
        .into_owned()
        .collect()
}

/// `GET /gcs/{bucket}/{*object}?X-Goog-...` (HEAD fails the signature, as on GCS).
pub(crate) async fn gcs(
    State(state): State<Shared>,
    Path((bucket, object)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
    method: Method,
    headers: HeaderMap,
) -> Response {
    let pairs = query_pairs(raw.as_deref());
    let path = format!("/gcs/{bucket}/{object}");
    match signing::gcs_verify(
        &state.keys,
        &state.host,
        &path,
        method.as_str(),
        &pairs,
        timefmt::now_secs(),
    ) {
        GcsCheck::Valid => {}
        GcsCheck::Anonymous => {
            return gcs_error(
                StatusCode::FORBIDDEN,
                "AccessDenied",
                "Access denied.",
                "Anonymous caller does not have storage.objects.get access to the Google Cloud Storage object. Permission 'storage.objects.get' denied on resource (or it may not exist).",
            );
        }
        GcsCheck::BadParameters(msg) => {
            return gcs_error(
                StatusCode::BAD_REQUEST,
                "InvalidArgument",
                "Invalid argument.",
                msg,
            );
        }
        GcsCheck::Expired { at } => {
            return gcs_error(
                StatusCode::BAD_REQUEST,
                "ExpiredToken",
                "Invalid argument.",
                &format!(
                    "The provided token has expired. Request signature expired at: {}",
                    timefmt::format_pg(at * timefmt::MICROS_PER_SEC)
                ),
            );
        }
        GcsCheck::Mismatch {
            string_to_sign,
            canonical_request,
        } => {
            return xml(
                StatusCode::FORBIDDEN,
                format!(
                    "<?xml version='1.0' encoding='UTF-8'?><Error><Code>SignatureDoesNotMatch</Code><Message>Access denied.</Message><Details>The request signature we calculated does not match the signature you provided. Check your Google secret key and signing method.</Details><StringToSign>{}</StringToSign><CanonicalRequest>{}</CanonicalRequest></Error>",
                    xml_escape(&string_to_sign),
                    xml_escape(&canonical_request)
                ),
            );
        }
    }
    let result = async {
        if deleted(&state, &object) {
            return Ok(None);
        }
        // Objects are `<ultravox_call_id>/recording.<ext>`.
        let Some((uv_id, file_name)) = object.split_once('/') else {
            return Ok(None);
        };
        if bucket != "ultravox-recordings" {
            return Ok(None);
        }
        let id = uv_id.to_string();
        let row = state
            .db
            .call(move |conn| db::find_ultravox(conn, &id))
            .await??;
        let Some(row) = row else {
            return Ok(None);
        };
        let ext = cache::format_of(&row.audio)?.extension();
        if file_name != format!("recording.{ext}") {
            return Ok(None);
        }
        let file = render(&state, &row.audio).await?;
        let extra = [
            ("cache-control", "private, max-age=0".to_string()),
            ("x-goog-generation", (row.audio.created_at).to_string()),
            ("x-goog-metageneration", "1".to_string()),
            ("x-goog-stored-content-length", file.len.to_string()),
            ("x-goog-storage-class", "STANDARD".to_string()),
        ];
        serve(
            &state,
            Store::Gcs,
            &method,
            &headers,
            &file,
            row.audio.created_at,
            &extra,
        )
        .await
        .map(Some)
    }
    .await;
    match result {
        Ok(Some(r)) => r,
        Ok(None) => gcs_error(
            StatusCode::NOT_FOUND,
            "NoSuchKey",
            "The specified key does not exist.",
            &format!("No such object: {bucket}/{object}"),
        ),
        Err(e) => internal(Store::Gcs, &e),
    }
}

/// `GET|HEAD /provider/{source}/{*path}?Expires=&Signature=`
pub(crate) async fn provider(
    State(state): State<Shared>,
    Path((source, object)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
    method: Method,
    headers: HeaderMap,
) -> Response {
    let pairs = query_pairs(raw.as_deref());
    let get = |n: &str| pairs.iter().find(|(k, _)| k == n).map(|(_, v)| v.as_str());
    let path = format!("/provider/{source}/{object}");
    let now = timefmt::now_secs();
    match signing::provider_verify(&state.keys, &path, get("Expires"), get("Signature"), now) {
        ProviderCheck::Valid => {}
        ProviderCheck::Missing => {
            return s3_error(StatusCode::FORBIDDEN, "AccessDenied", "Access denied", "");
        }
        ProviderCheck::Mismatch => {
            return s3_error(
                StatusCode::FORBIDDEN,
                "SignatureDoesNotMatch",
                "The request signature we calculated does not match the signature you provided. Check your key and signing method.",
                "",
            );
        }
        ProviderCheck::Expired { at } => {
            let http = |s: i64| timefmt::format_http(s * timefmt::MICROS_PER_SEC);
            return s3_error(
                StatusCode::FORBIDDEN,
                "AccessDenied",
                "Request has expired",
                &format!(
                    "<Expires>{}</Expires><ServerTime>{}</ServerTime>",
                    http(at),
                    http(now)
                ),
            );
        }
    }
    let result = async {
        if deleted(&state, &object) {
            return Ok(None);
        }
        let Some(audio) =
            lookup_recording(&state, &object, "pending_sync", Some(source.clone())).await?
        else {
            return Ok(None);
        };
        let file = render(&state, &audio).await?;
        serve(
            &state,
            Store::Provider,
            &method,
            &headers,
            &file,
            audio.created_at,
            &[],
        )
        .await
        .map(Some)
    }
    .await;
    match result {
        Ok(Some(r)) => r,
        Ok(None) => s3_error(
            StatusCode::NOT_FOUND,
            "NoSuchKey",
            "The specified key does not exist.",
            "",
        ),
        Err(e) => internal(Store::Provider, &e),
    }
}

/// Serves an Ultravox `direct` recording (its 200 answer), for [`crate::ultravox`].
pub(crate) async fn serve_ultravox(
    state: &AppState,
    method: &Method,
    headers: &HeaderMap,
    audio: &AudioRow,
) -> Response {
    let result = async {
        let file = render(state, audio).await?;
        serve(
            state,
            Store::Ultravox,
            method,
            headers,
            &file,
            audio.created_at,
            &[],
        )
        .await
    }
    .await;
    result.unwrap_or_else(|e| internal(Store::Ultravox, &e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges() {
        assert_eq!(parse_range("bytes=0-9", 100), RangeReq::Part(0, 9));
        assert_eq!(parse_range("bytes=90-", 100), RangeReq::Part(90, 99));
        assert_eq!(parse_range("bytes=90-200", 100), RangeReq::Part(90, 99));
        assert_eq!(parse_range("bytes=-10", 100), RangeReq::Part(90, 99));
        assert_eq!(parse_range("bytes=-500", 100), RangeReq::Part(0, 99));
        assert_eq!(parse_range("bytes=100-", 100), RangeReq::Unsatisfiable);
        assert_eq!(parse_range("bytes=-0", 100), RangeReq::Unsatisfiable);
        assert_eq!(parse_range("bytes=5-2", 100), RangeReq::Full);
        assert_eq!(parse_range("bytes=0-1,5-6", 100), RangeReq::Full);
        assert_eq!(parse_range("items=0-1", 100), RangeReq::Full);
        assert_eq!(parse_range("bytes=x-1", 100), RangeReq::Full);
    }

    #[test]
    fn keys() {
        let id = "9c92ab26-e72a-41c4-8d81-0b707c8c8f7c";
        assert_eq!(
            recording_key(&format!("a/b/{id}.wav")),
            Some((id.to_string(), "wav".to_string()))
        );
        assert_eq!(recording_key("a/b/nope.wav"), None);
    }
}
