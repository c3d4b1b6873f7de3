//! Request counters, so tests can assert what the client actually did (how many refreshes,
//! how many storage bytes) rather than guess from timings.

use std::sync::atomic::{AtomicU64, Ordering};

macro_rules! stats {
    ($($(#[$doc:meta])* $name:ident),* $(,)?) => {
        /// A snapshot of the backend's counters since start.
        #[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
        #[serde(default)]
        pub struct Stats {
            $($(#[$doc])* pub $name: u64,)*
        }

        #[derive(Debug, Default)]
        pub(crate) struct Counters {
            $(pub(crate) $name: AtomicU64,)*
        }

        impl Counters {
            pub(crate) fn snapshot(&self) -> Stats {
                Stats { $($name: self.$name.load(Ordering::Relaxed),)* }
            }
        }
    };
}

stats! {
    /// `POST /auth/v1/token?grant_type=password` requests (any outcome).
    password_grants,
    /// `POST /auth/v1/token?grant_type=refresh_token` requests (any outcome).
    refresh_grants,
    /// Refresh attempts rejected as `refresh_token_already_used`.
    refresh_reuse_rejections,
    /// Password attempts answered 429 `over_request_rate_limit`.
    rate_limited,
    /// `GET /auth/v1/user` requests.
    user_requests,
    /// `POST /auth/v1/logout` requests.
    logouts,
    /// `/rest/v1/*` requests.
    rest_requests,
    /// `/functions/v1/get-call-recording` requests (endpoint A), preflights excluded.
    function_a_requests,
    /// `/functions/v1/get-signed-recording-url` requests (endpoint B), preflights excluded.
    function_b_requests,
    /// Ultravox `GET /api/calls/{id}/recording` requests.
    ultravox_requests,
    /// Requests to any of the three signed-URL stores.
    storage_requests,
    /// Body bytes the stores sent.
    storage_bytes_served,
    /// Audio files rendered into the cache.
    audio_renders,
    /// Requests answered 5xx by the `error_rate` fault.
    injected_errors,
    /// Storage bodies cut by the `drop_after` fault.
    dropped_connections,
    /// Requests rejected at the gateway for a missing or wrong `apikey`.
    apikey_rejections,
}

impl Counters {
    pub(crate) fn bump(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn add(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Ordering::Relaxed);
    }
}
