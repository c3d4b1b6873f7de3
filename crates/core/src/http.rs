//! The one HTTP client of the process, and the URL rules every request follows.

use std::net::IpAddr;
use std::time::Duration;

pub use reqwest::Client;

use url::{Host, Url};

/// Sent as `X-Client-Info`, as supabase-js does, so server logs can tell Callrec's traffic.
pub const CLIENT_INFO: &str = concat!("callrec/", env!("CARGO_PKG_VERSION"));
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// The first-byte and stall deadline of every request the client sends: no byte for this long,
/// before the headers or between body chunks, ends it. A server that accepts and then stays
/// silent cannot hold a request (or a thread waiting on one) forever. Media readers keep
/// shorter idle deadlines of their own on top.
pub const STALL_TIMEOUT: Duration = Duration::from_secs(20);
/// Bounds a whole API request; media streams build their own requests without it.
pub const API_TIMEOUT: Duration = Duration::from_secs(30);
/// The most of a JSON answer (auth, PostgREST, functions) read into memory: a page of 1,000
/// calls is well under 2 MB, and a server must not be able to size our allocations.
pub const MAX_JSON_BODY: usize = 8 * 1024 * 1024;
const MAX_REDIRECTS: usize = 5;

#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    #[error("could not set up the HTTP client: {}", describe_error(.0))]
    ClientBuild(reqwest::Error),
    /// The server sent (or announced) more than the reader takes.
    #[error("the server's answer is larger than the {max} bytes Callrec reads")]
    TooLarge { max: usize },
    #[error("the server's answer broke off: {reason}")]
    Body { reason: String },
}

impl crate::ErrorCode for HttpError {
    fn code(&self) -> &'static str {
        match self {
            Self::ClientBuild(_) => "http_client",
            Self::TooLarge { .. } => "response_too_large",
            Self::Body { .. } => "unreachable",
        }
    }

    fn kind(&self) -> crate::ErrorKind {
        match self {
            Self::ClientBuild(_) => crate::ErrorKind::Other,
            Self::TooLarge { .. } | Self::Body { .. } => crate::ErrorKind::Network,
        }
    }
}

/// Builds the process's client: connect and stall deadlines, bounded redirects that never
/// leave https (except to loopback), no `Referer`, and Callrec's user agent. Share it; it
/// pools connections.
pub fn client() -> Result<reqwest::Client, HttpError> {
    let redirect = reqwest::redirect::Policy::custom(|attempt| {
        if attempt.previous().len() >= MAX_REDIRECTS {
            attempt.error("too many redirects")
        } else if is_allowed_remote(attempt.url()) {
            attempt.follow()
        } else {
            attempt.error("redirect to a URL that is neither https nor loopback")
        }
    });
    reqwest::Client::builder()
        .user_agent(CLIENT_INFO)
        .connect_timeout(CONNECT_TIMEOUT)
        .read_timeout(STALL_TIMEOUT)
        .redirect(redirect)
        // reqwest sends the previous URL as `Referer` when it follows a redirect: for a signed
        // storage URL that is its query, credential and all, handed to the next host.
        .referer(false)
        .build()
        .map_err(HttpError::ClientBuild)
}

/// PostgREST's error body (`{code, message, details, hint}`), each part optional: other
/// servers in front of it (a gateway, a proxy) answer with less, or with no JSON at all.
#[derive(Debug, Default, serde::Deserialize)]
pub struct PostgrestError {
    pub code: Option<String>,
    pub message: Option<String>,
    pub details: Option<String>,
    pub hint: Option<String>,
}

impl PostgrestError {
    /// The body read leniently: what is not such an object gives every part `None`.
    pub fn parse(body: &[u8]) -> Self {
        serde_json::from_slice(body).unwrap_or_default()
    }
}

/// Reads `response`'s body, refusing more than `max` bytes: a `Content-Length` over it is
/// refused before reading, and a body that grows past it stops there.
pub async fn read_capped(
    mut response: reqwest::Response,
    max: usize,
) -> Result<Vec<u8>, HttpError> {
    if response
        .content_length()
        .is_some_and(|length| length > max as u64)
    {
        return Err(HttpError::TooLarge { max });
    }
    let mut bytes = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|error| HttpError::Body {
        reason: describe_error(&error),
    })? {
        if bytes.len() + chunk.len() > max {
            return Err(HttpError::TooLarge { max });
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes)
}

/// A transport error in words, without its URL: reqwest's own text includes the URL, query and
/// all, and a signed URL's query is its credential. Callers name the URL themselves, redacted.
pub fn describe_error(error: &reqwest::Error) -> String {
    use std::error::Error as _;
    let what = if error.is_timeout() {
        return "the request timed out (no answer in time)".into();
    } else if error.is_connect() {
        return "connection refused or no route to the host".into();
    } else if error.is_redirect() {
        "a redirect was refused"
    } else if error.is_body() || error.is_decode() {
        "the body could not be read"
    } else if error.is_builder() {
        "the request could not be built"
    } else {
        "the request failed"
    };
    // The causes (hyper's, io's, our redirect policy's words) carry no URL.
    let mut text = what.to_owned();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// True for `localhost` and loopback addresses (where plain http is acceptable).
pub fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Domain(domain)) => domain.eq_ignore_ascii_case("localhost"),
        Some(Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}

/// The only URLs Callrec fetches: https anywhere, http on loopback. `file:`, `data:`,
/// `javascript:` and every other scheme are refused.
pub fn is_allowed_remote(url: &Url) -> bool {
    match url.scheme() {
        "https" => url.host().is_some(),
        "http" => is_loopback(url),
        _ => false,
    }
}

/// The URL with its query and fragment replaced by `…`: signed URLs carry their credential in
/// the query, so this is the only form of a URL that may be logged or shown in an error.
pub fn redact(url: &Url) -> String {
    let mut shown = url.clone();
    let had_query = shown.query().is_some();
    shown.set_query(None);
    shown.set_fragment(None);
    let _ = shown.set_password(None);
    let _ = shown.set_username("");
    if had_query {
        format!("{shown}?…")
    } else {
        shown.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(text: &str) -> Url {
        Url::parse(text).unwrap()
    }

    #[test]
    fn only_https_or_loopback_http_is_fetched() {
        assert!(is_allowed_remote(&url(
            "https://storage.example.com/a.wav?sig=1"
        )));
        assert!(is_allowed_remote(&url("http://127.0.0.1:9/a")));
        assert!(is_allowed_remote(&url("http://localhost/a")));
        assert!(!is_allowed_remote(&url("http://10.0.0.1/a")));
        assert!(!is_allowed_remote(&url("http://example.com/a")));
        assert!(!is_allowed_remote(&url("file:///etc/passwd")));
        assert!(!is_allowed_remote(&url("data:audio/wav;base64,AAAA")));
        assert!(!is_allowed_remote(&url("javascript:alert(1)")));
    }

    #[test]
    fn redaction_drops_the_credentials() {
        let shown = redact(&url(
            "https://user:pw@storage.example.com/rec/a.wav?X-Goog-Signature=abc#t=1",
        ));
        assert_eq!(shown, "https://storage.example.com/rec/a.wav?…");
        assert_eq!(
            redact(&url("https://x.co/plain")),
            "https://x.co/plain".to_string()
        );
    }
}
