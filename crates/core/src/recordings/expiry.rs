//! When a signed URL stops working, read from the URL itself where it says so.
//!
//! Real stores put it in different places: GCS V4 (`X-Goog-Date` + `X-Goog-Expires`, what
//! Ultravox redirects to), S3 SigV4 (`X-Amz-Date` + `X-Amz-Expires`), CloudFront and S3 V2
//! (`Expires`, epoch seconds), Supabase Storage (a JWT in `token` whose `exp` claim is the
//! end). Anything else gets a conservative default: a URL we cannot read is assumed to die
//! soon, so it is resolved again rather than used past its life.

use base64::Engine;
use serde::{Deserialize, Serialize};
use time::PrimitiveDateTime;
use time::macros::format_description;
use ts_rs::TS;
use url::Url;

/// How long a URL whose expiry cannot be read is trusted. Ultravox's signed URLs live 300 s;
/// two minutes keeps well inside that and inside most stores' shortest defaults.
pub const DEFAULT_LIFETIME_SECS: i64 = 120;

/// Where an expiry time came from (shown in `--json`, useful when a store misbehaves).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum ExpirySource {
    /// `X-Goog-Date` + `X-Goog-Expires` (or the `X-Amz-` pair).
    SignedQuery,
    /// `Expires=<epoch seconds>`.
    ExpiresParam,
    /// The `exp` claim of a JWT in `token`.
    TokenExp,
    /// Nothing in the URL says: [`DEFAULT_LIFETIME_SECS`] from when it was resolved.
    Assumed,
}

/// When `url` (resolved at `resolved_at`, Unix seconds) expires, and how we know.
pub fn expires_at(url: &Url, resolved_at: i64) -> (i64, ExpirySource) {
    let param = |names: &[&str]| {
        url.query_pairs()
            .find(|(key, _)| names.iter().any(|name| key.eq_ignore_ascii_case(name)))
            .map(|(_, value)| value.into_owned())
    };
    let signed = |date: &str, expires: &str| -> Option<i64> {
        let start = parse_compact_date(&param(&[date])?)?;
        let lifetime: i64 = param(&[expires])?.trim().parse().ok()?;
        (lifetime >= 0).then(|| start.saturating_add(lifetime))
    };
    if let Some(at) =
        signed("X-Goog-Date", "X-Goog-Expires").or_else(|| signed("X-Amz-Date", "X-Amz-Expires"))
    {
        return (at, ExpirySource::SignedQuery);
    }
    if let Some(at) = param(&["Expires"]).and_then(|v| v.trim().parse::<i64>().ok())
        && at > 0
    {
        return (at, ExpirySource::ExpiresParam);
    }
    if let Some(at) = param(&["token"]).and_then(|token| jwt_exp(&token)) {
        return (at, ExpirySource::TokenExp);
    }
    (
        resolved_at.saturating_add(DEFAULT_LIFETIME_SECS),
        ExpirySource::Assumed,
    )
}

/// `20260101T120000Z` (the signed-URL date format) → Unix seconds.
fn parse_compact_date(text: &str) -> Option<i64> {
    let format = format_description!("[year][month][day]T[hour][minute][second]Z");
    PrimitiveDateTime::parse(text.trim(), format)
        .ok()
        .map(|date| date.assume_utc().unix_timestamp())
}

/// The `exp` claim of a JWT, unverified: we only need to know when the server will say no,
/// the server checks the signature.
fn jwt_exp(token: &str) -> Option<i64> {
    let payload = token.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    let claims: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    let exp = claims.get("exp")?;
    exp.as_i64().or_else(|| exp.as_f64().map(|f| f as i64))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(url: &str) -> (i64, ExpirySource) {
        expires_at(&Url::parse(url).unwrap(), 1_000)
    }

    #[test]
    fn reads_every_signing_style() {
        // 2026-01-01T12:00:00Z = 1767268800
        assert_eq!(
            at(
                "https://storage.googleapis.com/b/o.wav?X-Goog-Algorithm=GOOG4-RSA-SHA256&X-Goog-Date=20260101T120000Z&X-Goog-Expires=300&X-Goog-Signature=ab"
            ),
            (1_767_268_800 + 300, ExpirySource::SignedQuery)
        );
        assert_eq!(
            at(
                "https://s3.amazonaws.com/b/o.wav?X-Amz-Date=20260101T120000Z&X-Amz-Expires=60&X-Amz-Signature=ab"
            ),
            (1_767_268_860, ExpirySource::SignedQuery)
        );
        assert_eq!(
            at("https://d.cloudfront.net/o.wav?Expires=1767268900&Signature=x&Key-Pair-Id=k"),
            (1_767_268_900, ExpirySource::ExpiresParam)
        );
        let payload = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(br#"{"url":"recordings/a.wav","iat":1767268800,"exp":1767268805}"#);
        assert_eq!(
            at(&format!(
                "https://p.supabase.co/storage/v1/object/sign/recordings/a.wav?token=eyJhbGciOiJIUzI1NiJ9.{payload}.sig"
            )),
            (1_767_268_805, ExpirySource::TokenExp)
        );
    }

    #[test]
    fn unreadable_or_absent_expiry_is_assumed_short() {
        for url in [
            "https://x.test/public/a.mp3",
            "https://x.test/a.mp3?X-Goog-Date=garbage&X-Goog-Expires=300",
            "https://x.test/a.mp3?Expires=soon",
            "https://x.test/a.mp3?token=not-a-jwt",
            "https://x.test/a.mp3?token=a.%%%.c",
        ] {
            assert_eq!(
                at(url),
                (1_000 + DEFAULT_LIFETIME_SECS, ExpirySource::Assumed),
                "{url}"
            );
        }
    }
}
