//! Endpoint A, `GET <functions>/get-call-recording?call_id=…` (shared/spec/get-call-recording.txt):
//! `{"recording_url": "…"}`, a freshly signed Ultravox URL (about 300 s of life). Its errors
//! are `{"error": "…"}` from the function, or `{"code":401,"message"}` from the edge relay;
//! two different 400s and two different 404s are told apart by their words.

use serde_json::Value;
use url::Url;

use super::parse::{self, lower, server_text};
use super::{Endpoint, RawSegment, RecordingsError, identity};
use crate::config::join;
use crate::session::SessionManager;

const ENDPOINT: Endpoint = Endpoint::CallRecording;
pub const FUNCTION: &str = "get-call-recording";

/// Asks endpoint A for `call_id`'s recording through the session (which refreshes on a 401 and
/// retries once). The call id is sent as given: `resolve` validates it first.
pub async fn fetch(
    session: &SessionManager,
    base: &Url,
    call_id: &str,
) -> Result<Vec<RawSegment>, RecordingsError> {
    let url = join(base, FUNCTION);
    let response = session
        .send(|client| {
            client
                .get(url.clone())
                .query(&[("call_id", call_id)])
                .header("Accept", "application/json")
                .timeout(crate::http::API_TIMEOUT)
        })
        .await
        .map_err(|error| RecordingsError::Session {
            endpoint: ENDPOINT,
            error,
        })?;
    let status = response.status().as_u16();
    let body = parse::read_body(ENDPOINT, response).await?;
    parse(status, &body, &crate::http::redact(&url))
}

/// Endpoint A's answer → its one segment, or the failure it describes. Never panics.
pub fn parse(status: u16, body: &[u8], url: &str) -> Result<Vec<RawSegment>, RecordingsError> {
    if (200..300).contains(&status) {
        return parse_ok(body);
    }
    let server = server_text(body);
    let words = lower(&server);
    Err(match status {
        400 => {
            if words.contains("ultravox")
                || words.contains("api key")
                || words.contains("credential")
            {
                RecordingsError::UltravoxKeyMissing { server }
            } else if words.contains("call_id")
                || words.contains("call id")
                || words.contains("required")
                || words.contains("missing")
            {
                RecordingsError::MissingCallId {
                    endpoint: ENDPOINT,
                    server,
                }
            } else {
                RecordingsError::BadRequest {
                    endpoint: ENDPOINT,
                    status,
                    server,
                }
            }
        }
        401 => RecordingsError::SignInRequired {
            endpoint: ENDPOINT,
            server,
        },
        403 => RecordingsError::NoAgency {
            endpoint: ENDPOINT,
            server,
        },
        404 => not_found(&words, server, url),
        500..=599 => RecordingsError::Server {
            endpoint: ENDPOINT,
            status,
            server,
        },
        _ => RecordingsError::Api {
            endpoint: ENDPOINT,
            status,
            code: format!("HTTP {status}"),
            server,
        },
    })
}

/// The spec's three 404s: no such call (or another agency's), `has_recording` false, and
/// Ultravox having none. The edge runtime's own 404 means the function is not deployed there.
fn not_found(words: &str, server: Option<String>, url: &str) -> RecordingsError {
    if words.contains("function") {
        RecordingsError::EndpointMissing {
            endpoint: ENDPOINT,
            url: url.to_owned(),
            server,
        }
    } else if words.contains("ultravox")
        || words.contains("not available")
        || words.contains("unavailable")
    {
        RecordingsError::UltravoxUnavailable { server }
    } else if words.contains("no recording")
        || words.contains("has_recording")
        || words.contains("without a recording")
    {
        RecordingsError::NoRecording {
            endpoint: ENDPOINT,
            server,
        }
    } else if words.contains("call") {
        RecordingsError::CallNotFound {
            endpoint: ENDPOINT,
            server,
        }
    } else {
        RecordingsError::NotFound {
            endpoint: ENDPOINT,
            server,
        }
    }
}

fn parse_ok(body: &[u8]) -> Result<Vec<RawSegment>, RecordingsError> {
    let bad = |reason: String| RecordingsError::BadResponse {
        endpoint: ENDPOINT,
        reason,
    };
    let value: Value =
        serde_json::from_slice(body).map_err(|e| bad(parse::describe_non_json(body, &e)))?;
    let Value::Object(object) = value else {
        return Err(bad("expected a JSON object with recording_url".into()));
    };
    match object.get("recording_url") {
        Some(Value::String(raw)) => {
            let url = parse::recording_url(ENDPOINT, raw)?;
            Ok(vec![RawSegment {
                id: identity::key(ENDPOINT, "main", &url),
                slot: identity::slot(ENDPOINT, "main", 0),
                label: "main".into(),
                url,
                duration_seconds: None,
                source: Some("ultravox".into()),
                status: None,
                created_at: None,
                endpoint: ENDPOINT,
            }])
        }
        None | Some(Value::Null) => Err(RecordingsError::NoRecording {
            endpoint: ENDPOINT,
            server: Some("it answered without a recording_url".into()),
        }),
        Some(other) => Err(bad(format!(
            "recording_url is {}, not a string",
            super::endpoint_b::type_name(other)
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ErrorCode, ErrorKind};

    fn code(status: u16, body: &str) -> &'static str {
        parse(status, body.as_bytes(), "u").unwrap_err().code()
    }

    #[test]
    fn every_documented_status_has_its_own_code() {
        assert_eq!(
            code(400, r#"{"error":"call_id is required"}"#),
            "missing_call_id"
        );
        assert_eq!(
            code(400, r#"{"error":"Missing call_id parameter"}"#),
            "missing_call_id"
        );
        assert_eq!(
            code(
                400,
                r#"{"error":"Ultravox API key not configured for this agency"}"#
            ),
            "ultravox_key_missing"
        );
        assert_eq!(
            code(400, r#"{"error":"No API key for agency"}"#),
            "ultravox_key_missing"
        );
        assert_eq!(code(400, "{}"), "bad_request");
        assert_eq!(
            code(401, r#"{"code":401,"message":"Invalid JWT"}"#),
            "sign_in_required"
        );
        assert_eq!(
            code(403, r#"{"error":"User is not associated with an agency"}"#),
            "no_agency"
        );
        assert_eq!(code(404, r#"{"error":"Call not found"}"#), "call_not_found");
        assert_eq!(
            code(404, r#"{"error":"No recording available for this call"}"#),
            "no_recording"
        );
        assert_eq!(
            code(404, r#"{"error":"Recording not available"}"#),
            "ultravox_recording_unavailable"
        );
        assert_eq!(code(404, "nothing"), "not_found");
        assert_eq!(
            code(
                404,
                r#"{"code":"NOT_FOUND","message":"Requested function was not found"}"#
            ),
            "endpoint_not_deployed"
        );
        assert_eq!(code(500, "<html>oops</html>"), "server_error");
        assert_eq!(code(418, ""), "endpoint_error");
    }

    #[test]
    fn the_ok_answer_becomes_one_ultravox_main_segment() {
        let segments = parse(
            200,
            br#"{"recording_url":"https://g.test/r.wav?X-Goog-Expires=300"}"#,
            "u",
        )
        .unwrap();
        assert_eq!(segments.len(), 1);
        assert_eq!(segments[0].label, "main");
        assert_eq!(segments[0].source.as_deref(), Some("ultravox"));
        let error = parse(200, br#"{"recording_url":"file:///etc/passwd"}"#, "u").unwrap_err();
        assert_eq!(error.code(), "unsafe_url");
        assert_eq!(error.kind(), ErrorKind::Other);
        assert_eq!(
            parse(200, b"not json", "u").unwrap_err().code(),
            "bad_response"
        );
        assert_eq!(
            parse(200, br#"{"recording_url":5}"#, "u")
                .unwrap_err()
                .code(),
            "bad_response"
        );
        assert_eq!(
            parse(200, br#"[]"#, "u").unwrap_err().code(),
            "bad_response"
        );
        assert_eq!(
            parse(200, br#"{}"#, "u").unwrap_err().code(),
            "no_recording"
        );
    }
}
