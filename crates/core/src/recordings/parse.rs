//! What both endpoints' parsers share: size limits, the server's words, URL rules, text
//! cleaning. Everything here takes untrusted input and never panics.

use serde_json::Value;
use url::Url;

use super::{Endpoint, RecordingsError};
use crate::http;

/// A recording endpoint's answer is a few hundred bytes; more than this is not one.
pub const MAX_BODY_BYTES: usize = 2 * 1024 * 1024;
/// Signed URLs run to a couple of KB (GCS V4 ~1 KB); longer is not a URL we will fetch.
pub const MAX_URL_BYTES: usize = 16 * 1024;
/// Labels, sources and statuses are short words; longer text is cut when shown.
pub const MAX_LABEL_CHARS: usize = 100;
/// More segments than this for one call is not a call.
pub const MAX_SEGMENTS: usize = 1000;
/// The server's message is shown after ours, cut to this.
const MAX_SERVER_TEXT: usize = 300;

/// `text` made safe to show: control characters dropped, whitespace collapsed, cut to `max`
/// characters with an ellipsis.
pub fn clean_text(text: &str, max: usize) -> String {
    let mut out = String::new();
    let mut count = 0;
    let mut last_space = true;
    for ch in text.chars() {
        let ch = if ch.is_whitespace() { ' ' } else { ch };
        if ch.is_control() || (ch == ' ' && last_space) {
            continue;
        }
        if count == max {
            out.push('…');
            break;
        }
        last_space = ch == ' ';
        out.push(ch);
        count += 1;
    }
    out.trim_end().to_owned()
}

/// The server's explanation in an error body, whatever shape it takes: `{"error":"…"}` (endpoint
/// A), `{"error":{"code","message"}}` (B), `{"message"}` / `{"msg"}` (the edge relay, GoTrue),
/// `{"detail"}`, or a short plain-text body. HTML pages and binary noise give `None`.
pub fn server_text(body: &[u8]) -> Option<String> {
    if let Ok(value) = serde_json::from_slice::<Value>(body) {
        let pick = |v: &Value| -> Option<String> {
            for key in ["message", "error_description", "msg", "detail", "error"] {
                if let Some(Value::String(text)) = v.get(key) {
                    return Some(text.clone());
                }
            }
            None
        };
        let text = match value.get("error") {
            Some(Value::Object(_)) => value.get("error").and_then(pick),
            _ => None,
        }
        .or_else(|| pick(&value));
        return text
            .map(|t| clean_text(&t, MAX_SERVER_TEXT))
            .filter(|t| !t.is_empty());
    }
    let text = std::str::from_utf8(body).ok()?.trim();
    if text.is_empty() || text.starts_with('<') || text.len() > 4 * MAX_SERVER_TEXT {
        return None;
    }
    Some(clean_text(text, MAX_SERVER_TEXT))
}

/// A short description of a body that is not the expected JSON, for `bad_response`.
pub fn describe_non_json(body: &[u8], error: &serde_json::Error) -> String {
    if body.is_empty() {
        return "the body is empty".into();
    }
    let preview = match std::str::from_utf8(body) {
        Ok(text) if text.trim_start().starts_with('<') => "an HTML or XML page".to_owned(),
        Ok(text) => format!("\"{}\"", clean_text(text, 40)),
        Err(_) => format!("{} bytes of binary data", body.len()),
    };
    format!("it is not JSON ({error}): {preview}")
}

/// A recording URL we agree to fetch: parseable, at most [`MAX_URL_BYTES`], `https` (or `http`
/// to a loopback host). `file:`, `data:`, `javascript:` and any other scheme are refused.
pub fn recording_url(endpoint: Endpoint, raw: &str) -> Result<Url, RecordingsError> {
    let unsafe_url = |reason: String| RecordingsError::UnsafeUrl { endpoint, reason };
    let raw = raw.trim();
    if raw.is_empty() {
        return Err(unsafe_url("the URL is empty".into()));
    }
    if raw.len() > MAX_URL_BYTES {
        return Err(unsafe_url(format!(
            "the URL is {} bytes long (at most {MAX_URL_BYTES})",
            raw.len()
        )));
    }
    let url = Url::parse(raw).map_err(|error| unsafe_url(format!("not a URL ({error})")))?;
    if !http::is_allowed_remote(&url) {
        let scheme = url.scheme();
        return Err(unsafe_url(match scheme {
            "http" => format!(
                "plain http to {} (only https is fetched, http only on this computer)",
                url.host_str().unwrap_or("?")
            ),
            "https" => "an https URL without a host".into(),
            other => format!("the {other}: scheme (only https is fetched)"),
        }));
    }
    Ok(url)
}

/// Reads at most [`MAX_BODY_BYTES`] of `response`; more is `bad_response`, as is a connection
/// that breaks mid-body.
pub async fn read_body(
    endpoint: Endpoint,
    mut response: reqwest::Response,
) -> Result<Vec<u8>, RecordingsError> {
    let mut body = Vec::new();
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                if body.len() + chunk.len() > MAX_BODY_BYTES {
                    return Err(RecordingsError::BadResponse {
                        endpoint,
                        reason: format!("the answer is larger than {MAX_BODY_BYTES} bytes"),
                    });
                }
                body.extend_from_slice(&chunk);
            }
            Ok(None) => return Ok(body),
            Err(error) => {
                return Err(RecordingsError::BadResponse {
                    endpoint,
                    reason: format!(
                        "the connection broke while reading it ({})",
                        crate::auth::describe_transport_error(&error)
                    ),
                });
            }
        }
    }
}

/// Lower-cased text to match wordings on; the server's words differ between deployments, so
/// matching looks for a few robust words rather than whole sentences.
pub fn lower(text: &Option<String>) -> String {
    text.as_deref().unwrap_or("").to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_text_reads_every_shape() {
        assert_eq!(
            server_text(br#"{"error":"call_id is required"}"#).as_deref(),
            Some("call_id is required")
        );
        assert_eq!(
            server_text(br#"{"error":{"code":"no_recording","message":"None here"}}"#).as_deref(),
            Some("None here")
        );
        assert_eq!(
            server_text(br#"{"code":401,"message":"Invalid JWT"}"#).as_deref(),
            Some("Invalid JWT")
        );
        assert_eq!(server_text(b"<html><body>502</body></html>"), None);
        assert_eq!(
            server_text(b"upstream timed out\n").as_deref(),
            Some("upstream timed out")
        );
        assert_eq!(server_text(&[0xff, 0xfe, 0x00]), None);
        assert_eq!(server_text(br#"{"error":{"code":5}}"#), None);
    }

    #[test]
    fn clean_text_cuts_and_strips() {
        assert_eq!(clean_text("a\u{0}b\n\n c\u{1b}[31m", 100), "ab c[31m");
        assert_eq!(clean_text(&"x".repeat(500), 5), "xxxxx…");
    }

    #[test]
    fn only_https_or_loopback_urls_pass() {
        let e = Endpoint::SignedRecordingUrl;
        assert!(recording_url(e, "https://s.test/a.wav?sig=1").is_ok());
        assert!(recording_url(e, "http://127.0.0.1:5/a.wav").is_ok());
        for bad in [
            "file:///etc/passwd",
            "javascript:alert(1)",
            "data:audio/wav;base64,AAAA",
            "http://example.com/a.wav",
            "ftp://x.test/a",
            "../../x",
            "",
        ] {
            let error = recording_url(e, bad).unwrap_err();
            assert!(matches!(error, RecordingsError::UnsafeUrl { .. }), "{bad}");
        }
        let long = format!("https://s.test/{}", "a".repeat(MAX_URL_BYTES));
        assert!(
            recording_url(e, &long)
                .unwrap_err()
                .to_string()
                .contains("bytes long")
        );
        assert!(
            recording_url(e, "file:///etc/passwd")
                .unwrap_err()
                .to_string()
                .contains("file: scheme")
        );
    }
}
