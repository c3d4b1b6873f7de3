//! A recording's stable identity.
//!
//! One recording can reach us under many URLs: every signing of a storage object differs in its
//! query, and both endpoints can point at it. What stays the same is which endpoint listed it,
//! under which label, and the storage object its URL names (scheme, host, port, path). That is
//! the key a download, a cached byte store and the library's rows hang off — never a list
//! position, which changes when an endpoint answers in another order or fails.

use sha2::{Digest, Sha256};
use url::Url;

use super::Endpoint;

/// The storage object a URL names: the URL without its query, fragment or credentials.
pub fn object(url: &Url) -> String {
    let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
    let port = url
        .port_or_known_default()
        .map(|port| format!(":{port}"))
        .unwrap_or_default();
    format!("{}://{host}{port}{}", url.scheme(), url.path())
}

/// `<a|b>:<label>:<16 hex of the object's SHA-256>`. The label is kept readable for logs and
/// the CLI; the hash keeps the object (a path, possibly telling) out of them.
pub fn key(endpoint: Endpoint, label: &str, url: &Url) -> String {
    let side = match endpoint {
        Endpoint::CallRecording => "a",
        Endpoint::SignedRecordingUrl => "b",
    };
    let digest = Sha256::digest(object(url).as_bytes());
    let hex: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
    format!("{side}:{}:{hex}", label.to_ascii_lowercase())
}

/// Where a recording sat in its endpoint's answer (`b:main:0` = B's first `main`). Not an
/// identity: used only to find a recording again when its object moved (a provider copy that
/// has since been synced to permanent storage) and to adopt rows saved before identities.
pub fn slot(endpoint: Endpoint, label: &str, occurrence: usize) -> String {
    let side = match endpoint {
        Endpoint::CallRecording => "a",
        Endpoint::SignedRecordingUrl => "b",
    };
    format!("{side}:{label}:{occurrence}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn the_query_and_host_case_do_not_change_the_identity() {
        let b = Endpoint::SignedRecordingUrl;
        assert_eq!(
            key(b, "main", &url("https://S.test/rec/1.wav?sig=1")),
            key(b, "main", &url("https://s.test:443/rec/1.wav?sig=2&exp=9"))
        );
    }

    #[test]
    fn endpoint_label_and_object_each_change_it() {
        let (a, b) = (Endpoint::CallRecording, Endpoint::SignedRecordingUrl);
        let u = url("https://s.test/rec/1.wav");
        let base = key(b, "main", &u);
        assert_ne!(base, key(a, "main", &u));
        assert_ne!(base, key(b, "transfer", &u));
        assert_ne!(base, key(b, "main", &url("https://s.test/rec/2.wav")));
        assert_ne!(base, key(b, "main", &url("http://s.test/rec/1.wav")));
        assert!(base.starts_with("b:main:"), "{base}");
        assert!(
            !base.contains("rec/1"),
            "the path stays out of the key: {base}"
        );
    }
}
