//! Fault knobs: latency, a bandwidth cap, connections cut after N body bytes, and a share of
//! requests answered 5xx. They can change at run time (admin API, `set_faults`) so one backend
//! can serve a test's healthy and unhealthy phases.

use std::io;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::{Bytes, BytesMut};
use futures_util::Stream;
use rand::Rng;
use tokio::io::AsyncReadExt;

use crate::stats::Counters;

/// The fault knobs. Every field has a harmless default, so a partial JSON body is fine.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Faults {
    /// Delay before every request except the admin API is handled.
    pub latency_ms: u64,
    /// Storage bodies are paced to at most this many bytes per second (per response).
    pub bandwidth: Option<u64>,
    /// Storage bodies are cut (connection aborted) after this many body bytes.
    pub drop_after: Option<u64>,
    /// Fraction (0.0–1.0) of `/rest`, `/functions` and storage requests answered 5xx.
    pub error_rate: f64,
    /// Storage objects whose path contains any of these answer 404, as if deleted.
    pub missing: Vec<String>,
}

impl Default for Faults {
    fn default() -> Self {
        Faults {
            latency_ms: 0,
            bandwidth: None,
            drop_after: None,
            error_rate: 0.0,
            missing: Vec::new(),
        }
    }
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum FaultsError {
    #[error("error_rate must be between 0.0 and 1.0, got {0}")]
    ErrorRate(f64),
    #[error("bandwidth must be at least 1 byte per second")]
    Bandwidth,
}

impl Faults {
    pub fn validate(&self) -> Result<(), FaultsError> {
        if !(0.0..=1.0).contains(&self.error_rate) || self.error_rate.is_nan() {
            return Err(FaultsError::ErrorRate(self.error_rate));
        }
        if self.bandwidth == Some(0) {
            return Err(FaultsError::Bandwidth);
        }
        Ok(())
    }
}

/// Which service a synthetic 5xx should look like: each fails in its own way in production.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Family {
    Rest,
    Functions,
    SupabaseStorage,
    Gcs,
    Provider,
}

/// Decides whether this request is one of the `error_rate` failures.
pub(crate) fn roll(rng: &std::sync::Mutex<rand::rngs::StdRng>, rate: f64) -> bool {
    if rate <= 0.0 {
        return false;
    }
    if rate >= 1.0 {
        return true;
    }
    match rng.lock() {
        Ok(mut r) => r.random::<f64>() < rate,
        Err(_) => false,
    }
}

/// A realistic 5xx for the family: PostgREST losing its database, the edge runtime's worker
/// error, storage's upstream failures; some are not JSON, as in production.
pub(crate) fn synthetic_error(family: Family) -> Response {
    let json = HeaderValue::from_static("application/json");
    let xml = HeaderValue::from_static("application/xml; charset=UTF-8");
    let (status, ctype, body): (StatusCode, HeaderValue, &'static str) = match family {
        Family::Rest => (
            StatusCode::SERVICE_UNAVAILABLE,
            json,
            r#"{"code":"PGRST001","details":"connection to server failed: Connection refused","hint":null,"message":"Database client error. Retrying the connection."}"#,
        ),
        Family::Functions => (
            StatusCode::INTERNAL_SERVER_ERROR,
            json,
            r#"{"code":"WORKER_ERROR","message":"Function exited due to an error (please check logs)"}"#,
        ),
        Family::SupabaseStorage => (
            StatusCode::BAD_GATEWAY,
            HeaderValue::from_static("text/html"),
            "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n",
        ),
        Family::Gcs => (
            StatusCode::SERVICE_UNAVAILABLE,
            xml,
            "<?xml version='1.0' encoding='UTF-8'?><Error><Code>ServiceUnavailable</Code><Message>We encountered an internal error. Please try again.</Message></Error>",
        ),
        Family::Provider => (
            StatusCode::SERVICE_UNAVAILABLE,
            xml,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>",
        ),
    };
    (status, [(header::CONTENT_TYPE, ctype)], body).into_response()
}

/// How a storage body is to be streamed.
#[derive(Debug, Clone, Copy)]
pub(crate) struct StreamFaults {
    pub bandwidth: Option<u64>,
    pub drop_after: Option<u64>,
}

struct StreamState {
    file: tokio::fs::File,
    remaining: u64,
    sent: u64,
    started: Instant,
    done: bool,
}

const MAX_CHUNK: u64 = 64 * 1024;
/// Without a bandwidth cap: fewer, larger reads (each one a blocking-pool round trip), as a
/// real storage server streams a file.
const UNPACED_CHUNK: u64 = 512 * 1024;

/// Streams `len` bytes from `file` (already positioned), applying the bandwidth cap and the
/// drop-after cut, and counting what was sent. Never holds more than one chunk in memory.
pub(crate) fn file_body(
    file: tokio::fs::File,
    len: u64,
    faults: StreamFaults,
    counters: Arc<Counters>,
) -> impl Stream<Item = Result<Bytes, io::Error>> + Send + 'static {
    // Small chunks under a low bandwidth cap keep the pacing smooth.
    let chunk = match faults.bandwidth {
        Some(bw) => (bw / 20).clamp(512, MAX_CHUNK),
        None => UNPACED_CHUNK,
    };
    let state = StreamState {
        file,
        remaining: len,
        sent: 0,
        started: Instant::now(),
        done: false,
    };
    futures_util::stream::unfold(state, move |mut st| {
        let counters = Arc::clone(&counters);
        async move {
            if st.done {
                return None;
            }
            if let Some(limit) = faults.drop_after
                && st.sent >= limit
                && st.remaining > 0
            {
                st.done = true;
                // Let hyper flush the headers and the bytes already yielded: erroring at once
                // can abort the connection before the client has seen the response at all.
                tokio::time::sleep(Duration::from_millis(100)).await;
                Counters::bump(&counters.dropped_connections);
                let err = io::Error::new(io::ErrorKind::ConnectionAborted, "drop_after fault");
                return Some((Err(err), st));
            }
            if st.remaining == 0 {
                return None;
            }
            let mut want = chunk.min(st.remaining);
            if let Some(limit) = faults.drop_after {
                want = want.min(limit - st.sent);
            }
            let cap = usize::try_from(want).unwrap_or(64 * 1024);
            let mut buf = BytesMut::with_capacity(cap);
            while buf.len() < cap {
                match st.file.read_buf(&mut buf).await {
                    Ok(0) => break,
                    Ok(_) => {}
                    Err(e) => {
                        st.done = true;
                        return Some((Err(e), st));
                    }
                }
            }
            if buf.is_empty() {
                // The file is shorter than its advertised length: end the body short.
                st.done = true;
                let err = io::Error::new(io::ErrorKind::UnexpectedEof, "file shrank");
                return Some((Err(err), st));
            }
            let n = buf.len() as u64;
            if let Some(bw) = faults.bandwidth {
                let due = st.started + Duration::from_secs_f64((st.sent + n) as f64 / bw as f64);
                tokio::time::sleep_until(due.into()).await;
            }
            st.sent += n;
            st.remaining = st.remaining.saturating_sub(n);
            Counters::add(&counters.storage_bytes_served, n);
            Some((Ok(buf.freeze()), st))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validates() {
        assert!(Faults::default().validate().is_ok());
        assert_eq!(
            Faults {
                error_rate: 1.5,
                ..Faults::default()
            }
            .validate(),
            Err(FaultsError::ErrorRate(1.5))
        );
        assert_eq!(
            Faults {
                bandwidth: Some(0),
                ..Faults::default()
            }
            .validate(),
            Err(FaultsError::Bandwidth)
        );
        let partial: Faults = serde_json::from_str(r#"{"latency_ms":5}"#).unwrap();
        assert_eq!(partial.latency_ms, 5);
        assert_eq!(partial.error_rate, 0.0);
    }
}
