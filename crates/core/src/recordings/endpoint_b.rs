//! Endpoint B, `POST <functions>/get-signed-recording-url` with `{"call_id"}`
//! (shared/spec/get-signed-recording-url.txt): `{call_id, recording_url, recordings: [{url,
//! label, duration_seconds, source, status, created_at}]}`; errors `{"error":{"code","message"}}`.
//!
//! Tolerant where tolerance is harmless: an optional field of the wrong type is dropped with a
//! note, an unknown label/source/status is kept as it is. A segment whose URL is unsafe or
//! unreadable is left out with a note saying why; only when nothing usable remains is the
//! whole answer an error.

use serde_json::{Map, Value};
use url::Url;

use super::parse::{self, MAX_LABEL_CHARS, MAX_SEGMENTS, clean_text, lower, server_text};
use super::settings::Credential;
use super::{Endpoint, RawSegment, RecordingsError, identity};
use crate::config::join;
use crate::session::SessionManager;

const ENDPOINT: Endpoint = Endpoint::SignedRecordingUrl;
pub const FUNCTION: &str = "get-signed-recording-url";

/// B's segments plus notes about what was left out or dropped.
#[derive(Debug, Default)]
pub struct Answer {
    pub segments: Vec<RawSegment>,
    pub notes: Vec<String>,
}

/// Asks endpoint B: with the user's JWT through the session (refresh and one retry on 401),
/// or with the configured API key as the bearer.
pub async fn fetch(
    session: &SessionManager,
    http: &reqwest::Client,
    base: &Url,
    credential: &Credential,
    call_id: &str,
) -> Result<Answer, RecordingsError> {
    let url = join(base, FUNCTION);
    let body = serde_json::json!({ "call_id": call_id });
    let build = |client: &reqwest::Client| {
        client
            .post(url.clone())
            .json(&body)
            .header("Accept", "application/json")
            .timeout(crate::http::API_TIMEOUT)
    };
    let response = match credential {
        Credential::UserJwt => {
            session
                .send(build)
                .await
                .map_err(|error| RecordingsError::Session {
                    endpoint: ENDPOINT,
                    error,
                })?
        }
        Credential::ApiKey(key) => build(http)
            .header("apikey", session.project().anon_key.expose())
            .bearer_auth(key.expose())
            .send()
            .await
            .map_err(|error| RecordingsError::Session {
                endpoint: ENDPOINT,
                error: crate::session::SessionError::Unreachable {
                    url: crate::http::redact(&url),
                    reason: crate::auth::describe_transport_error(&error),
                },
            })?,
    };
    let status = response.status().as_u16();
    let bytes = parse::read_body(ENDPOINT, response).await?;
    let api_key = matches!(credential, Credential::ApiKey(_));
    parse(status, &bytes, &crate::http::redact(&url), api_key)
}

/// JavaScript-ish type names for messages about wrong types.
pub(crate) fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Endpoint B's answer → its segments, or the failure it describes. Never panics.
pub fn parse(
    status: u16,
    body: &[u8],
    url: &str,
    api_key: bool,
) -> Result<Answer, RecordingsError> {
    if (200..300).contains(&status) {
        return parse_ok(body);
    }
    let server = server_text(body);
    let words = lower(&server);
    // `{"error":{"code":"…"}}`; the edge relay's `{"code":401}` is a number, not a code.
    let code = serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(
            |value| match value.get("error").and_then(|e| e.get("code")) {
                Some(Value::String(code)) => Some(code.to_ascii_lowercase()),
                _ => match value.get("code") {
                    Some(Value::String(code)) => Some(code.to_ascii_lowercase()),
                    _ => None,
                },
            },
        );
    let code = code.as_deref().unwrap_or("");
    Err(match (status, code) {
        (401, _) | (_, "unauthorized") if api_key => RecordingsError::ApiKeyRefused { server },
        (401, _) | (_, "unauthorized") => RecordingsError::SignInRequired {
            endpoint: ENDPOINT,
            server,
        },
        (_, "missing_param") => RecordingsError::MissingCallId {
            endpoint: ENDPOINT,
            server,
        },
        (_, "no_recording") => RecordingsError::NoRecording {
            endpoint: ENDPOINT,
            server,
        },
        (404, "not_found") | (404, "") if words.contains("function") => {
            RecordingsError::EndpointMissing {
                endpoint: ENDPOINT,
                url: url.to_owned(),
                server,
            }
        }
        (_, "not_found") => RecordingsError::CallNotFound {
            endpoint: ENDPOINT,
            server,
        },
        (400, "") if words.contains("call_id") || words.contains("required") => {
            RecordingsError::MissingCallId {
                endpoint: ENDPOINT,
                server,
            }
        }
        (403, "") if words.contains("agency") => RecordingsError::NoAgency {
            endpoint: ENDPOINT,
            server,
        },
        (404, "") if words.contains("recording") => RecordingsError::NoRecording {
            endpoint: ENDPOINT,
            server,
        },
        (404, "") if words.contains("call") => RecordingsError::CallNotFound {
            endpoint: ENDPOINT,
            server,
        },
        (500..=599, "" | "server_error" | "internal_error" | "worker_error") => {
            RecordingsError::Server {
                endpoint: ENDPOINT,
                status,
                server,
            }
        }
        (_, "") => RecordingsError::Api {
            endpoint: ENDPOINT,
            status,
            code: format!("HTTP {status}"),
            server,
        },
        (_, code) => RecordingsError::Api {
            endpoint: ENDPOINT,
            status,
            code: clean_text(code, 60),
            server,
        },
    })
}

fn parse_ok(body: &[u8]) -> Result<Answer, RecordingsError> {
    let bad = |reason: String| RecordingsError::BadResponse {
        endpoint: ENDPOINT,
        reason,
    };
    let value: Value =
        serde_json::from_slice(body).map_err(|e| bad(parse::describe_non_json(body, &e)))?;
    let Value::Object(object) = value else {
        return Err(bad(format!(
            "expected a JSON object, got {}",
            type_name(&value)
        )));
    };
    let mut answer = Answer::default();
    let mut refused: Option<RecordingsError> = None;
    let items = match object.get("recordings") {
        None | Some(Value::Null) => &[][..],
        Some(Value::Array(items)) => items.as_slice(),
        Some(other) => {
            answer.notes.push(format!(
                "recordings was {}, not an array; it was ignored",
                type_name(other)
            ));
            &[][..]
        }
    };
    if items.len() > MAX_SEGMENTS {
        return Err(bad(format!(
            "{} recordings for one call (at most {MAX_SEGMENTS})",
            items.len()
        )));
    }
    // A recording's id is its identity (endpoint, label, storage object); its slot (label +
    // occurrence) finds it again when a re-resolve shows it moved (e.g. once synced).
    let mut seen: Vec<(String, usize)> = Vec::new();
    for (index, item) in items.iter().enumerate() {
        match segment(index, item, &mut seen, &mut answer.notes) {
            Ok(segment) => answer.segments.push(segment),
            Err(error) => {
                answer
                    .notes
                    .push(format!("recording {} was left out: {error}", index + 1));
                refused.get_or_insert(error);
            }
        }
    }
    if answer.segments.is_empty() && items.is_empty() {
        // The contract's fallback: the primary URL alone.
        match object.get("recording_url") {
            Some(Value::String(raw)) => {
                let url = parse::recording_url(ENDPOINT, raw)?;
                answer.segments.push(RawSegment {
                    id: identity::key(ENDPOINT, "main", &url),
                    slot: identity::slot(ENDPOINT, "main", 0),
                    label: "main".into(),
                    url,
                    duration_seconds: None,
                    source: None,
                    status: None,
                    created_at: None,
                    endpoint: ENDPOINT,
                });
            }
            None | Some(Value::Null) => {}
            Some(other) => {
                return Err(bad(format!(
                    "recording_url is {}, not a string",
                    type_name(other)
                )));
            }
        }
    }
    if answer.segments.is_empty() {
        return Err(refused.unwrap_or(RecordingsError::NoRecording {
            endpoint: ENDPOINT,
            server: Some("it answered with no recordings".into()),
        }));
    }
    Ok(answer)
}

fn segment(
    index: usize,
    item: &Value,
    seen: &mut Vec<(String, usize)>,
    notes: &mut Vec<String>,
) -> Result<RawSegment, RecordingsError> {
    let Value::Object(fields) = item else {
        return Err(RecordingsError::BadResponse {
            endpoint: ENDPOINT,
            reason: format!("it is {}, not an object", type_name(item)),
        });
    };
    let url = match fields.get("url") {
        Some(Value::String(raw)) => parse::recording_url(ENDPOINT, raw)?,
        Some(other) => {
            return Err(RecordingsError::BadResponse {
                endpoint: ENDPOINT,
                reason: format!("its url is {}, not a string", type_name(other)),
            });
        }
        None => {
            return Err(RecordingsError::BadResponse {
                endpoint: ENDPOINT,
                reason: "it has no url".into(),
            });
        }
    };
    let mut text = |name: &str| -> Option<String> {
        match fields.get(name) {
            None | Some(Value::Null) => None,
            Some(Value::String(value)) => {
                Some(clean_text(value, MAX_LABEL_CHARS)).filter(|v| !v.is_empty())
            }
            Some(other) => {
                notes.push(format!(
                    "recording {}: {name} was {}, not a string; ignored",
                    index + 1,
                    type_name(other)
                ));
                None
            }
        }
    };
    // Unknown labels are shown as they are; a missing one is the contract's only required
    // kind, `main`, for the first segment, and "unlabelled" after it.
    let label = text("label").unwrap_or_else(|| {
        if index == 0 {
            "main".into()
        } else {
            "unlabelled".into()
        }
    });
    let source = text("source");
    let status = text("status");
    let created_at = text("created_at");
    let duration_seconds = duration(fields, index, notes);
    let occurrence = match seen.iter_mut().find(|(l, _)| *l == label) {
        Some((_, count)) => {
            *count += 1;
            *count
        }
        None => {
            seen.push((label.clone(), 0));
            0
        }
    };
    Ok(RawSegment {
        id: identity::key(ENDPOINT, &label, &url),
        slot: identity::slot(ENDPOINT, &label, occurrence),
        label,
        url,
        duration_seconds,
        source,
        status,
        created_at,
        endpoint: ENDPOINT,
    })
}

/// `duration_seconds`: a non-negative finite number (a numeric string is accepted too, as
/// some deployments send one); anything else is dropped with a note, to be read from the audio.
fn duration(fields: &Map<String, Value>, index: usize, notes: &mut Vec<String>) -> Option<f64> {
    let value = fields.get("duration_seconds")?;
    let seconds = match value {
        Value::Null => return None,
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse::<f64>().ok(),
        _ => None,
    };
    match seconds {
        Some(s) if (0.0..1e9).contains(&s) => Some(s),
        _ => {
            notes.push(format!(
                "recording {}: duration_seconds is not a usable number; it will be read from the audio",
                index + 1
            ));
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorCode;

    fn code(status: u16, body: &str) -> &'static str {
        parse(status, body.as_bytes(), "u", false)
            .unwrap_err()
            .code()
    }

    #[test]
    fn every_error_shape_has_its_own_code() {
        assert_eq!(
            code(
                401,
                r#"{"error":{"code":"unauthorized","message":"Unauthorized"}}"#
            ),
            "sign_in_required"
        );
        assert_eq!(
            parse(
                401,
                br#"{"error":{"code":"unauthorized","message":"no"}}"#,
                "u",
                true
            )
            .unwrap_err()
            .code(),
            "api_key_refused"
        );
        assert_eq!(
            code(
                400,
                r#"{"error":{"code":"missing_param","message":"call_id is required"}}"#
            ),
            "missing_call_id"
        );
        assert_eq!(
            code(
                404,
                r#"{"error":{"code":"not_found","message":"Call not found"}}"#
            ),
            "call_not_found"
        );
        assert_eq!(
            code(
                404,
                r#"{"error":{"code":"no_recording","message":"No recording"}}"#
            ),
            "no_recording"
        );
        assert_eq!(
            code(
                500,
                r#"{"error":{"code":"server_error","message":"Unexpected token"}}"#
            ),
            "server_error"
        );
        assert_eq!(code(503, "<html>Bad gateway</html>"), "server_error");
        assert_eq!(
            code(
                429,
                r#"{"error":{"code":"rate_limited","message":"slow down"}}"#
            ),
            "endpoint_error"
        );
        assert_eq!(
            code(
                404,
                r#"{"code":"NOT_FOUND","message":"Requested function was not found"}"#
            ),
            "endpoint_not_deployed"
        );
    }

    #[test]
    fn segments_keep_order_unknown_values_and_fallback() {
        let answer = parse(
            200,
            br#"{"call_id":"c","recording_url":"https://s.test/a.mp3","recordings":[
              {"url":"https://s.test/a.mp3","label":"main","duration_seconds":125,"source":"signalwire","status":"synced","created_at":"2024-01-15T10:32:20Z"},
              {"url":"https://p.test/b.wav?Expires=1","label":"hold_music","duration_seconds":"12.5","source":"carrier-x","status":"archived"},
              {"url":"file:///etc/passwd","label":"../../x"},
              {"url":"https://s.test/c.wav","label":"hold_music","duration_seconds":-3,"source":7}
            ]}"#,
            "u",
            false,
        )
        .unwrap();
        let slots: Vec<_> = answer.segments.iter().map(|s| s.slot.as_str()).collect();
        assert_eq!(slots, ["b:main:0", "b:hold_music:0", "b:hold_music:1"]);
        // Identities name the storage object, not the position: the same label twice differs.
        assert!(answer.segments[1].id.starts_with("b:hold_music:"));
        assert_ne!(answer.segments[1].id, answer.segments[2].id);
        assert_eq!(answer.segments[1].duration_seconds, Some(12.5));
        assert_eq!(answer.segments[1].status.as_deref(), Some("archived"));
        assert_eq!(answer.segments[2].duration_seconds, None);
        assert_eq!(answer.segments[2].source, None);
        let notes = answer.notes.join("\n");
        assert!(
            notes.contains("recording 3 was left out") && notes.contains("file: scheme"),
            "{notes}"
        );
        assert!(notes.contains("source was a number"), "{notes}");

        let fallback = parse(
            200,
            br#"{"recording_url":"https://s.test/a.mp3","recordings":[]}"#,
            "u",
            false,
        )
        .unwrap();
        assert_eq!(fallback.segments.len(), 1);
        assert_eq!(fallback.segments[0].label, "main");
        let none = parse(200, br#"{"recordings":[]}"#, "u", false).unwrap_err();
        assert_eq!(none.code(), "no_recording");
        let only_bad = parse(
            200,
            br#"{"recordings":[{"url":"javascript:alert(1)"}]}"#,
            "u",
            false,
        )
        .unwrap_err();
        assert_eq!(only_bad.code(), "unsafe_url");
    }
}
