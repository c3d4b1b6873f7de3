//! Keys, JWTs and the three signed-URL styles the backend hands out:
//! Supabase Storage (`/storage/v1/object/sign/...?token=<JWT>`), GCS V4 (`X-Goog-*` with an
//! HMAC-SHA256 signature) as Ultravox's redirect target, and a provider (CloudFront-like
//! `Expires` + `Signature`) for recordings not yet synced.

use hmac::{Hmac, Mac};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, errors::ErrorKind};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

type HmacSha256 = Hmac<Sha256>;

/// Fixed `iat` of the API keys (2026-01-01T00:00:00Z) so the same seed always yields the same
/// anon key: a demo config can keep it across restarts.
const API_KEY_IAT: i64 = 1_767_225_600;
/// API keys live ten years, like Supabase's.
const API_KEY_LIFETIME: i64 = 10 * 365 * 86_400;
/// The project ref baked into the API keys, as Supabase does.
pub(crate) const PROJECT_REF: &str = "callreclocaldemo";
/// The service account named in GCS credentials.
const GCS_ACCESS_ID: &str = "ultravox-recordings@callrec-local.iam.gserviceaccount.com";

#[derive(Debug, thiserror::Error)]
pub enum SigningError {
    #[error("encoding a JWT: {0}")]
    Jwt(#[from] jsonwebtoken::errors::Error),
}

/// The project's secrets, all derived from the seed (the backend is a local stand-in: stable
/// keys are worth more than secret ones).
#[derive(Clone)]
pub(crate) struct Keys {
    pub jwt_secret: String,
    pub anon_key: String,
    pub service_key: String,
    gcs_secret: Vec<u8>,
    provider_secret: Vec<u8>,
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Keys { .. }")
    }
}

fn derive(seed: u64, purpose: &str) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(b"callrec-backend/");
    h.update(purpose.as_bytes());
    h.update(seed.to_le_bytes());
    h.finalize().into()
}

impl Keys {
    pub(crate) fn derive(seed: u64) -> Result<Keys, SigningError> {
        let jwt_secret = hex(&derive(seed, "jwt-secret"));
        let api_key = |role: &str| {
            encode_jwt(
                &json!({
                    "iss": "supabase",
                    "ref": PROJECT_REF,
                    "role": role,
                    "iat": API_KEY_IAT,
                    "exp": API_KEY_IAT + API_KEY_LIFETIME,
                }),
                &jwt_secret,
            )
        };
        Ok(Keys {
            anon_key: api_key("anon")?,
            service_key: api_key("service_role")?,
            gcs_secret: derive(seed, "gcs-hmac").to_vec(),
            provider_secret: derive(seed, "provider-hmac").to_vec(),
            jwt_secret,
        })
    }
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

pub(crate) fn sha256_hex(data: &[u8]) -> String {
    hex(&Sha256::digest(data))
}

fn hmac(key: &[u8], data: &[u8]) -> Vec<u8> {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = match HmacSha256::new_from_slice(key) {
        Ok(m) => m,
        Err(_) => return Vec::new(),
    };
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

/// Constant-time comparison, so signature checks do not leak a prefix length.
fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// RFC 3986 percent-encoding (unreserved characters kept), as signed-URL schemes require.
pub(crate) fn uri_encode(s: &str, keep_slash: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            b'/' if keep_slash => out.push('/'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

pub(crate) fn encode_jwt(claims: &Value, secret: &str) -> Result<String, SigningError> {
    Ok(jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )?)
}

/// Why a JWT could not be decoded (its claims are checked by each caller, whose rules differ:
/// GoTrue has no clock skew, PostgREST allows 30 s, storage checks its own claims).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum JwtFailure {
    Empty,
    Parts(usize),
    BadSignature,
    BadAlgorithm,
    Malformed,
}

/// Verifies an HS256 signature and returns the claims, without checking any claim.
pub(crate) fn decode_jwt(token: &str, secret: &str) -> Result<Map<String, Value>, JwtFailure> {
    if token.is_empty() {
        return Err(JwtFailure::Empty);
    }
    let parts = token.split('.').count();
    if parts != 3 {
        return Err(JwtFailure::Parts(parts));
    }
    let mut v = Validation::new(Algorithm::HS256);
    v.validate_exp = false;
    v.validate_nbf = false;
    v.validate_aud = false;
    v.required_spec_claims.clear();
    let key = DecodingKey::from_secret(secret.as_bytes());
    match jsonwebtoken::decode::<Map<String, Value>>(token, &key, &v) {
        Ok(data) => Ok(data.claims),
        Err(e) => Err(match e.kind() {
            ErrorKind::InvalidSignature => JwtFailure::BadSignature,
            ErrorKind::InvalidAlgorithm | ErrorKind::InvalidAlgorithmName => {
                JwtFailure::BadAlgorithm
            }
            _ => JwtFailure::Malformed,
        }),
    }
}

/// A numeric claim (seconds), as JSON numbers may be floats.
pub(crate) fn claim_secs(claims: &Map<String, Value>, name: &str) -> Option<i64> {
    claims
        .get(name)
        .and_then(Value::as_f64)
        .map(|f| f.floor() as i64)
}

pub(crate) fn claim_str<'a>(claims: &'a Map<String, Value>, name: &str) -> Option<&'a str> {
    claims.get(name).and_then(Value::as_str)
}

// ---------------------------------------------------------------------------------------------
// Supabase Storage signed URLs: a JWT `{url, iat, exp}` signed with the project's JWT secret.

pub(crate) fn storage_token(
    keys: &Keys,
    object_url: &str,
    now: i64,
    lifetime: u64,
) -> Result<String, SigningError> {
    let exp = now.saturating_add(i64::try_from(lifetime).unwrap_or(i64::MAX));
    encode_jwt(
        &json!({ "url": object_url, "iat": now, "exp": exp }),
        &keys.jwt_secret,
    )
}

/// Failures in the words storage-api uses (its JWT library is `jose`).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum StorageTokenError {
    /// `InvalidJWT` with jose's message.
    InvalidJwt(&'static str),
    /// `InvalidSignature`: the token is valid but for another object.
    UrlMismatch,
}

pub(crate) fn verify_storage_token(
    keys: &Keys,
    token: &str,
    object_url: &str,
    now: i64,
) -> Result<(), StorageTokenError> {
    let claims = decode_jwt(token, &keys.jwt_secret).map_err(|f| {
        StorageTokenError::InvalidJwt(match f {
            JwtFailure::BadSignature => "signature verification failed",
            JwtFailure::BadAlgorithm => "\"alg\" (Algorithm) Header Parameter value not allowed",
            JwtFailure::Empty | JwtFailure::Parts(_) => "Invalid Compact JWS",
            JwtFailure::Malformed => "JWT Claims Set must be a top-level JSON object",
        })
    })?;
    // jose checks `exp` (no tolerance) before storage compares the URL.
    if let Some(exp) = claim_secs(&claims, "exp")
        && exp <= now
    {
        return Err(StorageTokenError::InvalidJwt(
            "\"exp\" claim timestamp check failed",
        ));
    }
    if claim_str(&claims, "url") != Some(object_url) {
        return Err(StorageTokenError::UrlMismatch);
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// GCS V4 signed URLs (HMAC flavour), as Ultravox's recording redirect points at.

const GOOG_ALGORITHM: &str = "GOOG4-HMAC-SHA256";

fn gcs_scope(date: &str) -> String {
    format!(
        "{}/auto/storage/goog4_request",
        date.get(..8).unwrap_or(date)
    )
}

fn canonical_query(pairs: &[(String, String)]) -> String {
    let mut enc: Vec<(String, String)> = pairs
        .iter()
        .filter(|(k, _)| k != "X-Goog-Signature")
        .map(|(k, v)| (uri_encode(k, false), uri_encode(v, false)))
        .collect();
    enc.sort();
    enc.iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

fn gcs_string_to_sign(
    method: &str,
    host: &str,
    path: &str,
    pairs: &[(String, String)],
    date: &str,
) -> (String, String) {
    let canonical_request = format!(
        "{method}\n{}\n{}\nhost:{host}\n\nhost\nUNSIGNED-PAYLOAD",
        uri_encode(path, true),
        canonical_query(pairs)
    );
    let sts = format!(
        "{GOOG_ALGORITHM}\n{date}\n{}\n{}",
        gcs_scope(date),
        sha256_hex(canonical_request.as_bytes())
    );
    (sts, canonical_request)
}

/// The query string (without `?`) of a GCS V4 URL for `path` valid `lifetime` seconds from `now`.
pub(crate) fn gcs_sign(keys: &Keys, host: &str, path: &str, now: i64, lifetime: u64) -> String {
    let date = crate::timefmt::format_goog(now);
    let pairs = vec![
        ("X-Goog-Algorithm".to_string(), GOOG_ALGORITHM.to_string()),
        (
            "X-Goog-Credential".to_string(),
            format!("{GCS_ACCESS_ID}/{}", gcs_scope(&date)),
        ),
        ("X-Goog-Date".to_string(), date.clone()),
        ("X-Goog-Expires".to_string(), lifetime.to_string()),
        ("X-Goog-SignedHeaders".to_string(), "host".to_string()),
    ];
    let (sts, _) = gcs_string_to_sign("GET", host, path, &pairs, &date);
    let sig = hex(&hmac(&keys.gcs_secret, sts.as_bytes()));
    format!("{}&X-Goog-Signature={sig}", canonical_query(&pairs))
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum GcsCheck {
    Valid,
    /// No signature at all: an anonymous request to a private bucket.
    Anonymous,
    /// Malformed signing parameters.
    BadParameters(&'static str),
    Expired {
        at: i64,
    },
    Mismatch {
        string_to_sign: String,
        canonical_request: String,
    },
}

/// Checks a GCS V4 URL. `method` matters: the signature covers the verb, so a URL signed for
/// GET does not authorise HEAD, as on GCS.
pub(crate) fn gcs_verify(
    keys: &Keys,
    host: &str,
    path: &str,
    method: &str,
    pairs: &[(String, String)],
    now: i64,
) -> GcsCheck {
    let get = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let Some(sig) = get("X-Goog-Signature") else {
        return GcsCheck::Anonymous;
    };
    if get("X-Goog-Algorithm") != Some(GOOG_ALGORITHM) {
        return GcsCheck::BadParameters("The provided algorithm is not supported.");
    }
    let Some(date) = get("X-Goog-Date") else {
        return GcsCheck::BadParameters("Missing X-Goog-Date.");
    };
    let Some(start) = crate::timefmt::parse_goog(date) else {
        return GcsCheck::BadParameters("Invalid X-Goog-Date.");
    };
    let Some(expires) = get("X-Goog-Expires").and_then(|e| e.parse::<i64>().ok()) else {
        return GcsCheck::BadParameters("Invalid X-Goog-Expires.");
    };
    if !(1..=604_800).contains(&expires) {
        return GcsCheck::BadParameters("Expiration must be between 1 and 604800 seconds.");
    }
    if now >= start + expires {
        return GcsCheck::Expired {
            at: start + expires,
        };
    }
    let (string_to_sign, canonical_request) = gcs_string_to_sign(method, host, path, pairs, date);
    let expected = hex(&hmac(&keys.gcs_secret, string_to_sign.as_bytes()));
    if !ct_eq(expected.as_bytes(), sig.to_ascii_lowercase().as_bytes()) {
        return GcsCheck::Mismatch {
            string_to_sign,
            canonical_request,
        };
    }
    GcsCheck::Valid
}

// ---------------------------------------------------------------------------------------------
// Provider URLs (recordings still on the telephony provider): `Expires` + HMAC `Signature`.

fn provider_mac(keys: &Keys, path: &str, expires: i64) -> String {
    use base64::Engine;
    let mac = hmac(
        &keys.provider_secret,
        format!("{path}\n{expires}").as_bytes(),
    );
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(mac)
}

/// The query string for a provider URL of `path`, valid until `expires` (Unix seconds).
pub(crate) fn provider_sign(keys: &Keys, path: &str, expires: i64) -> String {
    format!(
        "Expires={expires}&Signature={}&Key-Pair-Id=K2CALLRECDEMO",
        provider_mac(keys, path, expires)
    )
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum ProviderCheck {
    Valid,
    Missing,
    Expired { at: i64 },
    Mismatch,
}

pub(crate) fn provider_verify(
    keys: &Keys,
    path: &str,
    expires: Option<&str>,
    signature: Option<&str>,
    now: i64,
) -> ProviderCheck {
    let (Some(expires), Some(sig)) = (expires, signature) else {
        return ProviderCheck::Missing;
    };
    let Ok(exp) = expires.parse::<i64>() else {
        return ProviderCheck::Mismatch;
    };
    if !ct_eq(provider_mac(keys, path, exp).as_bytes(), sig.as_bytes()) {
        return ProviderCheck::Mismatch;
    }
    if now >= exp {
        return ProviderCheck::Expired { at: exp };
    }
    ProviderCheck::Valid
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(query: &str) -> Vec<(String, String)> {
        url::form_urlencoded::parse(query.as_bytes())
            .into_owned()
            .collect()
    }

    #[test]
    fn keys_are_stable_per_seed() {
        let a = Keys::derive(7).unwrap();
        let b = Keys::derive(7).unwrap();
        let c = Keys::derive(8).unwrap();
        assert_eq!(a.anon_key, b.anon_key);
        assert_ne!(a.anon_key, c.anon_key);
        let claims = decode_jwt(&a.anon_key, &a.jwt_secret).unwrap();
        assert_eq!(claim_str(&claims, "role"), Some("anon"));
        assert_eq!(
            decode_jwt(&a.anon_key, &c.jwt_secret),
            Err(JwtFailure::BadSignature)
        );
        assert_eq!(decode_jwt("a.b", &a.jwt_secret), Err(JwtFailure::Parts(2)));
    }

    #[test]
    fn storage_tokens() {
        let k = Keys::derive(1).unwrap();
        let t = storage_token(&k, "recordings/a/b.wav", 1000, 60).unwrap();
        assert_eq!(
            verify_storage_token(&k, &t, "recordings/a/b.wav", 1059),
            Ok(())
        );
        assert_eq!(
            verify_storage_token(&k, &t, "recordings/a/b.wav", 1060),
            Err(StorageTokenError::InvalidJwt(
                "\"exp\" claim timestamp check failed"
            ))
        );
        assert_eq!(
            verify_storage_token(&k, &t, "recordings/a/c.wav", 1001),
            Err(StorageTokenError::UrlMismatch)
        );
        let mut tampered = t.clone();
        tampered.push('x');
        assert_eq!(
            verify_storage_token(&k, &tampered, "recordings/a/b.wav", 1001),
            Err(StorageTokenError::InvalidJwt(
                "signature verification failed"
            ))
        );
    }

    #[test]
    fn gcs_urls() {
        let k = Keys::derive(1).unwrap();
        let q = gcs_sign(&k, "127.0.0.1:9", "/gcs/b/o.wav", 1_700_000_000, 300);
        let p = pairs(&q);
        assert_eq!(
            gcs_verify(&k, "127.0.0.1:9", "/gcs/b/o.wav", "GET", &p, 1_700_000_100),
            GcsCheck::Valid
        );
        assert_eq!(
            gcs_verify(&k, "127.0.0.1:9", "/gcs/b/o.wav", "GET", &p, 1_700_000_300),
            GcsCheck::Expired { at: 1_700_000_300 }
        );
        assert!(matches!(
            gcs_verify(
                &k,
                "127.0.0.1:9",
                "/gcs/b/other.wav",
                "GET",
                &p,
                1_700_000_100
            ),
            GcsCheck::Mismatch { .. }
        ));
        assert!(matches!(
            gcs_verify(&k, "127.0.0.1:9", "/gcs/b/o.wav", "HEAD", &p, 1_700_000_100),
            GcsCheck::Mismatch { .. }
        ));
    }

    #[test]
    fn provider_urls() {
        let k = Keys::derive(1).unwrap();
        let q = provider_sign(&k, "/provider/signalwire/x.wav", 2000);
        let p = pairs(&q);
        let get = |n: &str| p.iter().find(|(a, _)| a == n).map(|(_, v)| v.as_str());
        let path = "/provider/signalwire/x.wav";
        assert_eq!(
            provider_verify(&k, path, get("Expires"), get("Signature"), 1999),
            ProviderCheck::Valid
        );
        assert_eq!(
            provider_verify(&k, path, get("Expires"), get("Signature"), 2000),
            ProviderCheck::Expired { at: 2000 }
        );
        assert_eq!(
            provider_verify(&k, path, Some("3000"), get("Signature"), 1999),
            ProviderCheck::Mismatch
        );
    }
}
