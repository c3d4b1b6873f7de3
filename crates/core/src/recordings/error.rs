//! Every way a recording endpoint can fail, each with its own code and a message a reviewer can
//! act on. The server's own words are kept (cleaned and shortened) after ours.

use crate::session::{SessionError, StoreError};
use crate::{ErrorCode, ErrorKind};

use super::Endpoint;

/// What the server said, shown after our explanation (already cleaned: see `server_text`).
fn said(server: &Option<String>) -> String {
    match server {
        Some(text) if !text.is_empty() => format!(" (the server said: \"{text}\")"),
        _ => String::new(),
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RecordingsError {
    #[error("the call id {reason}")]
    InvalidCallId { reason: String },
    #[error("{endpoint}: {error}")]
    Session {
        endpoint: Endpoint,
        #[source]
        error: SessionError,
    },
    #[error(
        "{endpoint} says the request had no call id{}; this is a bug in Callrec or a proxy that dropped the query, not something you can fix",
        said(server)
    )]
    MissingCallId {
        endpoint: Endpoint,
        server: Option<String>,
    },
    #[error(
        "{} cannot fetch the Ultravox recording: your agency has no Ultravox API key configured{}. An agency administrator can add it; the other endpoint's recordings still play",
        Endpoint::CallRecording,
        said(server)
    )]
    UltravoxKeyMissing { server: Option<String> },
    #[error("{endpoint} refused the request as invalid ({status}){}", said(server))]
    BadRequest {
        endpoint: Endpoint,
        status: u16,
        server: Option<String>,
    },
    #[error(
        "{endpoint} did not accept your sign-in, even after refreshing it{}. Sign in again",
        said(server)
    )]
    SignInRequired {
        endpoint: Endpoint,
        server: Option<String>,
    },
    #[error(
        "{} refused the API key configured for it{}. Check the key in the endpoint settings (or CALLREC_SIGNED_URL_API_KEY)",
        Endpoint::SignedRecordingUrl,
        said(server)
    )]
    ApiKeyRefused { server: Option<String> },
    #[error(
        "{endpoint}: your account is not linked to an agency{}, so it can see no recordings. Ask your agency's administrator to add you",
        said(server)
    )]
    NoAgency {
        endpoint: Endpoint,
        server: Option<String>,
    },
    #[error(
        "{endpoint}: no such call in your agency{}. It may have been deleted, or belong to another agency",
        said(server)
    )]
    CallNotFound {
        endpoint: Endpoint,
        server: Option<String>,
    },
    #[error("{endpoint}: this call has no recording{}", said(server))]
    NoRecording {
        endpoint: Endpoint,
        server: Option<String>,
    },
    #[error(
        "{}: Ultravox has no recording for this call (it may not be ready yet, or was deleted){}",
        Endpoint::CallRecording,
        said(server)
    )]
    UltravoxUnavailable { server: Option<String> },
    #[error("{endpoint}: not found{}", said(server))]
    NotFound {
        endpoint: Endpoint,
        server: Option<String>,
    },
    #[error(
        "{endpoint} is not deployed at {url}{}. Check its base URL in the endpoint settings",
        said(server)
    )]
    EndpointMissing {
        endpoint: Endpoint,
        url: String,
        server: Option<String>,
    },
    #[error(
        "{endpoint} failed on the server ({status}){}. Try again later; if it persists, tell your agency's administrator",
        said(server)
    )]
    Server {
        endpoint: Endpoint,
        status: u16,
        server: Option<String>,
    },
    #[error("{endpoint} answered {status} {code}{}", said(server))]
    Api {
        endpoint: Endpoint,
        status: u16,
        code: String,
        server: Option<String>,
    },
    #[error("{endpoint} sent an answer Callrec cannot read: {reason}")]
    BadResponse { endpoint: Endpoint, reason: String },
    #[error("{endpoint} sent a recording URL Callrec will not open: {reason}")]
    UnsafeUrl { endpoint: Endpoint, reason: String },
    #[error("{endpoint} is turned off in the endpoint settings")]
    Disabled { endpoint: Endpoint },
    #[error("the endpoint settings could not be read: {0}")]
    Keyring(#[from] StoreError),
    #[error("the recording endpoint settings are not usable: {reason}")]
    Settings { reason: String },
    #[error("the segment {id} is no longer listed for this call")]
    SegmentGone { id: String },
    #[error("{message}")]
    BothFailed {
        message: String,
        code: &'static str,
        kind: ErrorKind,
    },
}

impl RecordingsError {
    /// The endpoint this failure belongs to, if any.
    pub fn endpoint(&self) -> Option<Endpoint> {
        match self {
            Self::Session { endpoint, .. }
            | Self::MissingCallId { endpoint, .. }
            | Self::BadRequest { endpoint, .. }
            | Self::SignInRequired { endpoint, .. }
            | Self::NoAgency { endpoint, .. }
            | Self::CallNotFound { endpoint, .. }
            | Self::NoRecording { endpoint, .. }
            | Self::NotFound { endpoint, .. }
            | Self::EndpointMissing { endpoint, .. }
            | Self::Server { endpoint, .. }
            | Self::Api { endpoint, .. }
            | Self::BadResponse { endpoint, .. }
            | Self::UnsafeUrl { endpoint, .. }
            | Self::Disabled { endpoint } => Some(*endpoint),
            Self::UltravoxKeyMissing { .. } | Self::UltravoxUnavailable { .. } => {
                Some(Endpoint::CallRecording)
            }
            Self::ApiKeyRefused { .. } => Some(Endpoint::SignedRecordingUrl),
            Self::InvalidCallId { .. }
            | Self::Keyring(_)
            | Self::Settings { .. }
            | Self::SegmentGone { .. }
            | Self::BothFailed { .. } => None,
        }
    }
}

impl ErrorCode for RecordingsError {
    fn code(&self) -> &'static str {
        match self {
            Self::InvalidCallId { .. } => "invalid_call_id",
            Self::Session { error, .. } => error.code(),
            Self::MissingCallId { .. } => "missing_call_id",
            Self::UltravoxKeyMissing { .. } => "ultravox_key_missing",
            Self::BadRequest { .. } => "bad_request",
            Self::SignInRequired { .. } => "sign_in_required",
            Self::ApiKeyRefused { .. } => "api_key_refused",
            Self::NoAgency { .. } => "no_agency",
            Self::CallNotFound { .. } => "call_not_found",
            Self::NoRecording { .. } => "no_recording",
            Self::UltravoxUnavailable { .. } => "ultravox_recording_unavailable",
            Self::NotFound { .. } => "not_found",
            Self::EndpointMissing { .. } => "endpoint_not_deployed",
            Self::Server { .. } => "server_error",
            Self::Api { .. } => "endpoint_error",
            Self::BadResponse { .. } => "bad_response",
            Self::UnsafeUrl { .. } => "unsafe_url",
            Self::Disabled { .. } => "endpoint_disabled",
            Self::Keyring(error) => error.code(),
            Self::Settings { .. } => "endpoint_settings",
            Self::SegmentGone { .. } => "segment_gone",
            Self::BothFailed { code, .. } => code,
        }
    }

    fn kind(&self) -> ErrorKind {
        match self {
            Self::InvalidCallId { .. }
            | Self::MissingCallId { .. }
            | Self::UltravoxKeyMissing { .. }
            | Self::BadRequest { .. }
            | Self::EndpointMissing { .. }
            | Self::Settings { .. }
            | Self::Disabled { .. } => ErrorKind::Usage,
            Self::Session { error, .. } => error.kind(),
            Self::SignInRequired { .. } | Self::ApiKeyRefused { .. } | Self::NoAgency { .. } => {
                ErrorKind::Auth
            }
            Self::CallNotFound { .. }
            | Self::NoRecording { .. }
            | Self::UltravoxUnavailable { .. }
            | Self::NotFound { .. }
            | Self::SegmentGone { .. } => ErrorKind::NotFound,
            Self::Server { .. } | Self::BadResponse { .. } => ErrorKind::Network,
            Self::Api { status, .. } => match status {
                401 | 403 => ErrorKind::Auth,
                404 | 410 => ErrorKind::NotFound,
                400..=499 => ErrorKind::Usage,
                _ => ErrorKind::Network,
            },
            Self::UnsafeUrl { .. } => ErrorKind::Other,
            Self::Keyring(error) => error.kind(),
            Self::BothFailed { kind, .. } => *kind,
        }
    }
}

/// The one error for "neither endpoint gave a recording": both reasons in one sentence, with
/// the code and kind both share, else "not found" when either says so (the CLI's exit 4),
/// else the first one's.
pub fn combine(a: &RecordingsError, b: &RecordingsError) -> RecordingsError {
    let message = format!("No recording could be loaded. {a}. {b}.");
    let (code, kind) = if a.code() == b.code() {
        (a.code(), a.kind())
    } else if a.kind() == ErrorKind::NotFound || b.kind() == ErrorKind::NotFound {
        ("no_recording", ErrorKind::NotFound)
    } else {
        // The reason the reviewer can act on first: sign in, then retry later, then settings.
        let rank = |kind| match kind {
            ErrorKind::Auth => 0,
            ErrorKind::Network => 1,
            ErrorKind::Usage => 2,
            _ => 3,
        };
        let kind = if rank(a.kind()) <= rank(b.kind()) {
            a.kind()
        } else {
            b.kind()
        };
        ("recording_unavailable", kind)
    };
    RecordingsError::BothFailed {
        message,
        code,
        kind,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn combined_failures_keep_both_reasons_and_pick_an_actionable_kind() {
        let not_found = RecordingsError::NoRecording {
            endpoint: Endpoint::SignedRecordingUrl,
            server: None,
        };
        let no_key = RecordingsError::UltravoxKeyMissing { server: None };
        let both = combine(&no_key, &not_found);
        assert_eq!(
            (both.code(), both.kind()),
            ("no_recording", ErrorKind::NotFound)
        );
        let text = both.to_string();
        assert!(
            text.contains("no Ultravox API key") && text.contains("has no recording"),
            "{text}"
        );
        let server = RecordingsError::Server {
            endpoint: Endpoint::CallRecording,
            status: 503,
            server: None,
        };
        let sign_in = RecordingsError::SignInRequired {
            endpoint: Endpoint::SignedRecordingUrl,
            server: None,
        };
        let both = combine(&server, &sign_in);
        assert_eq!(
            (both.code(), both.kind()),
            ("recording_unavailable", ErrorKind::Auth)
        );
        let same = combine(
            &server,
            &RecordingsError::Server {
                endpoint: Endpoint::SignedRecordingUrl,
                status: 500,
                server: Some("boom".into()),
            },
        );
        assert_eq!(
            (same.code(), same.kind()),
            ("server_error", ErrorKind::Network)
        );
    }
}
