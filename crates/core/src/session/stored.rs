//! The session as the keyring keeps it: compact JSON with a version, small enough for every
//! platform's store.
//!
//! `{"v":1,"refresh_token":…,"user_id":…,"email":…,"expires_at":…,"access_token":…}` — the
//! access token only while the whole value fits in [`MAX_STORED_BYTES`] (a Windows credential's
//! secret holds at most 2,560 bytes). Without it, the next launch refreshes first; with it, the
//! next launch can start offline with a token that may still be good.

use serde::{Deserialize, Serialize};

use crate::secret::Secret;

/// Windows' `CRED_MAX_CREDENTIAL_BLOB_SIZE`: the smallest limit of the stores we use.
pub const MAX_STORED_BYTES: usize = 2560;
pub const STORED_VERSION: u32 = 1;

/// A session read back from the keyring.
#[derive(Debug, Clone)]
pub struct StoredSession {
    pub refresh_token: Secret<String>,
    pub access_token: Option<Secret<String>>,
    pub user_id: String,
    pub email: String,
    pub expires_at: i64,
}

/// The wire form. Borrowed on the way out, so no token is copied into a long-lived `String`
/// that could end up printed; never `Debug`.
#[derive(Serialize)]
struct Out<'a> {
    v: u32,
    refresh_token: &'a str,
    user_id: &'a str,
    email: &'a str,
    expires_at: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    access_token: Option<&'a str>,
}

#[derive(Deserialize)]
struct In {
    v: u32,
    refresh_token: String,
    user_id: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    expires_at: i64,
    #[serde(default)]
    access_token: Option<String>,
}

/// Why a stored value cannot be used (it is then discarded, never shown).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecodeProblem {
    /// Written by a newer Callrec.
    Version(u32),
    /// Not our JSON (the message never quotes the value: it holds tokens).
    Malformed(String),
}

impl StoredSession {
    /// The keyring value, with the access token only if it fits. `None` when even the value
    /// without it is too large (a refresh token of kilobytes: not GoTrue's).
    pub fn encode(&self) -> Result<Secret<String>, usize> {
        let with = self.to_json(true);
        if with.len() <= MAX_STORED_BYTES {
            return Ok(Secret::new(with));
        }
        let without = self.to_json(false);
        if without.len() <= MAX_STORED_BYTES {
            Ok(Secret::new(without))
        } else {
            Err(without.len())
        }
    }

    fn to_json(&self, with_access_token: bool) -> String {
        let out = Out {
            v: STORED_VERSION,
            refresh_token: self.refresh_token.expose(),
            user_id: &self.user_id,
            email: &self.email,
            expires_at: self.expires_at,
            access_token: if with_access_token {
                self.access_token
                    .as_ref()
                    .map(|token| token.expose().as_str())
            } else {
                None
            },
        };
        // Serializing strings and integers into a String cannot fail.
        serde_json::to_string(&out).unwrap_or_default()
    }

    pub fn decode(value: &Secret<String>) -> Result<Self, DecodeProblem> {
        let parsed: In = serde_json::from_str(value.expose()).map_err(|error| {
            // serde_json's messages name the position and the expected type, not the data.
            DecodeProblem::Malformed(format!("line {}, column {}", error.line(), error.column()))
        })?;
        if parsed.v != STORED_VERSION {
            return Err(DecodeProblem::Version(parsed.v));
        }
        if parsed.refresh_token.is_empty() || parsed.user_id.is_empty() {
            return Err(DecodeProblem::Malformed(
                "the refresh token or the user id is empty".into(),
            ));
        }
        Ok(Self {
            refresh_token: Secret::new(parsed.refresh_token),
            access_token: parsed
                .access_token
                .filter(|token| !token.is_empty())
                .map(Secret::new),
            user_id: parsed.user_id,
            email: parsed.email,
            expires_at: parsed.expires_at,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session(access_len: usize) -> StoredSession {
        StoredSession {
            refresh_token: Secret::new("v1aa2bb3cc4d".into()),
            access_token: Some(Secret::new(format!("eyJ{}", "x".repeat(access_len)))),
            user_id: "2f932314-247f-4cce-82af-dd52c68d5b4f".into(),
            email: "reviewer@northwind.test".into(),
            expires_at: 1_900_000_000,
        }
    }

    #[test]
    fn round_trips_with_the_access_token_when_it_fits() {
        let value = session(900).encode().unwrap();
        assert!(
            value.expose().starts_with("{\"v\":1,"),
            "compact, versioned"
        );
        assert!(!value.expose().contains(' '));
        let back = StoredSession::decode(&value).unwrap();
        assert_eq!(back.refresh_token.expose(), "v1aa2bb3cc4d");
        assert_eq!(
            back.access_token.unwrap().expose(),
            session(900).access_token.unwrap().expose()
        );
        assert_eq!(back.email, "reviewer@northwind.test");
        assert_eq!(back.expires_at, 1_900_000_000);
    }

    #[test]
    fn a_huge_access_token_is_dropped_and_the_rest_fits() {
        let value = session(10_000).encode().unwrap();
        assert!(value.expose().len() <= MAX_STORED_BYTES);
        assert!(!value.expose().contains("access_token"));
        let back = StoredSession::decode(&value).unwrap();
        assert!(back.access_token.is_none());
        assert_eq!(back.refresh_token.expose(), "v1aa2bb3cc4d");
        // Right at the edge: the largest token that still fits is kept.
        let base = session(0).encode().unwrap().expose().len();
        let fits = session(MAX_STORED_BYTES - base).encode().unwrap();
        assert_eq!(fits.expose().len(), MAX_STORED_BYTES);
        assert!(fits.expose().contains("access_token"));
        let over = session(MAX_STORED_BYTES - base + 1).encode().unwrap();
        assert!(!over.expose().contains("access_token"));
    }

    #[test]
    fn a_huge_refresh_token_is_refused() {
        let mut huge = session(10);
        huge.refresh_token = Secret::new("r".repeat(3000));
        assert!(huge.encode().is_err());
    }

    #[test]
    fn bad_values_are_problems_not_panics_and_never_quoted() {
        for text in [
            "",
            "not json",
            "[]",
            "{\"v\":1}",
            "{\"v\":1,\"refresh_token\":\"\",\"user_id\":\"u\"}",
        ] {
            let problem = StoredSession::decode(&Secret::new(text.into())).unwrap_err();
            assert!(matches!(problem, DecodeProblem::Malformed(_)), "{text}");
        }
        let secret_inside = "{\"v\":1,\"refresh_token\":\"SECRET\",\"user_id\":7}";
        let DecodeProblem::Malformed(message) =
            StoredSession::decode(&Secret::new(secret_inside.into())).unwrap_err()
        else {
            panic!("expected malformed");
        };
        assert!(!message.contains("SECRET"), "{message}");
        let newer = "{\"v\":2,\"refresh_token\":\"r\",\"user_id\":\"u\"}";
        assert_eq!(
            StoredSession::decode(&Secret::new(newer.into())).unwrap_err(),
            DecodeProblem::Version(2)
        );
    }
}
