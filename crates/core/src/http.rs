//! The one HTTP client of the process, and the URL rules every request follows.

use std::net::IpAddr;
use std::time::Duration;

pub use reqwest::Client;

use url::{Host, Url};

/// Sent as `X-Client-Info`, as supabase-js does, so server logs can tell Callrec's traffic.
pub const CLIENT_INFO: &str = concat!("callrec/", env!("CARGO_PKG_VERSION"));
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Bounds a whole API request; media streams build their own requests without it.
pub const API_TIMEOUT: Duration = Duration::from_secs(30);
const MAX_REDIRECTS: usize = 5;

#[derive(Debug, thiserror::Error)]
#[error("could not set up the HTTP client: {0}")]
pub struct ClientBuildError(#[from] reqwest::Error);

impl crate::ErrorCode for ClientBuildError {
    fn code(&self) -> &'static str {
        "http_client"
    }

    fn kind(&self) -> crate::ErrorKind {
        crate::ErrorKind::Other
    }
}

/// Builds the process's client: connect timeout, bounded redirects that never leave https
/// (except to loopback), and Callrec's user agent. Share it; it pools connections.
pub fn client() -> Result<reqwest::Client, ClientBuildError> {
    let redirect = reqwest::redirect::Policy::custom(|attempt| {
        if attempt.previous().len() >= MAX_REDIRECTS {
            attempt.error("too many redirects")
        } else if is_allowed_remote(attempt.url()) {
            attempt.follow()
        } else {
            attempt.error("redirect to a URL that is neither https nor loopback")
        }
    });
    Ok(reqwest::Client::builder()
        .user_agent(CLIENT_INFO)
        .connect_timeout(CONNECT_TIMEOUT)
        .redirect(redirect)
        .build()?)
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
