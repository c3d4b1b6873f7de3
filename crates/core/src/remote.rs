//! Reading a recording's bytes over HTTP: the one place the player (streaming) and the
//! downloader fetch audio from storage.
//!
//! Two parts:
//!
//! * A **lease** ([`UrlLease`], normally a [`RenewingLease`]) hands out the segment's signed
//!   URL. Before each request it checks the URL still has [`EXPIRY_MARGIN`] (30 s) to live and
//!   otherwise resolves the call again (through [`crate::recordings`]); when storage refuses a
//!   URL (401/403/410, or the 400 that Supabase Storage and GCS answer for an expired or bad
//!   signature) the reader tells the lease, which resolves again — once for all readers
//!   sharing it — and the read continues from the same byte.
//! * A **reader** ([`RemoteReader`]) fetches byte ranges: `Range: bytes=a-b`, `If-Range` with
//!   the first ETag (or Last-Modified) seen so a changed object is never spliced into an old
//!   one, redirects bounded and kept to https (the process client's policy, see
//!   [`crate::http::client`]), dropped connections and 5xx retried with exponential backoff,
//!   and a stalled body cut after [`ReaderOptions::idle_timeout`].
//!
//! # How the player uses it
//! One `RemoteReader` per open segment, shared behind an `Arc`. Its media source calls
//! [`RemoteReader::read_range`] for what the decoder asks (a probe of the head, a seek's
//! window), in blocks of 64–256 KB, and [`RemoteReader::total_len`] for the stream length once
//! the first answer told it. A seek is just a read at another offset: nothing downloads the
//! whole file.
//!
//! # How the downloader uses it
//! [`RemoteReader::stream_from`] from the length of its `*.part` file, writing each chunk as it
//! comes: one long request, re-opened from the next byte after a drop, an expiry or a refusal,
//! so a download survives several URL lifetimes. When the stream ends the file has exactly
//! [`RemoteReader::total_len`] bytes.
//!
//! URLs are never logged or put in an error whole: only [`crate::http::redact`]ed.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use backon::BackoffBuilder;
use bytes::{Bytes, BytesMut};
use futures_util::Stream;
use reqwest::StatusCode;
use reqwest::header::{CONTENT_LENGTH, CONTENT_RANGE, ETAG, IF_RANGE, LAST_MODIFIED, RANGE};
use url::Url;

use crate::secret::Secret;
use crate::{ErrorCode, ErrorKind, http};

/// A URL is re-resolved before use when it expires within this.
pub const EXPIRY_MARGIN: Duration = Duration::from_secs(30);

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

#[derive(Debug, thiserror::Error)]
pub enum RemoteError {
    /// Resolving the URL again failed (the endpoint's own error, code and kind kept).
    #[error("{message}")]
    Resolve {
        code: &'static str,
        kind: ErrorKind,
        message: String,
    },
    #[error(
        "storage refused the recording's URL ({status}) even after it was resolved again: {url}"
    )]
    Refused { status: u16, url: String },
    #[error(
        "the recording's URL is not one Callrec fetches (only https, http only on this computer): {url}"
    )]
    UnsafeUrl { url: String },
    #[error("storage answered {status} for {url}")]
    Http { status: u16, url: String },
    #[error("the recording could not be fetched from {url}: {reason}")]
    Transport { url: String, reason: String },
    #[error("storage ignored the byte range asked of {url}, so it cannot be read from the middle")]
    RangeIgnored { url: String },
    #[error("the recording changed on the server while it was being read ({url}); start again")]
    Changed { url: String },
}

impl RemoteError {
    /// Wraps an error from whatever resolves the URL.
    pub fn resolve(error: &dyn ErrorCode) -> Self {
        Self::Resolve {
            code: error.code(),
            kind: error.kind(),
            message: error.to_string(),
        }
    }
}

impl ErrorCode for RemoteError {
    fn code(&self) -> &'static str {
        match self {
            Self::Resolve { code, .. } => code,
            Self::Refused { .. } => "storage_refused",
            Self::UnsafeUrl { .. } => "unsafe_url",
            Self::Http { .. } => "storage_error",
            Self::Transport { .. } => "unreachable",
            Self::RangeIgnored { .. } => "range_unsupported",
            Self::Changed { .. } => "recording_changed",
        }
    }

    fn kind(&self) -> ErrorKind {
        match self {
            Self::Resolve { kind, .. } => *kind,
            Self::Refused { .. } => ErrorKind::Auth,
            Self::UnsafeUrl { .. } => ErrorKind::Other,
            Self::Http {
                status: 404 | 410, ..
            } => ErrorKind::NotFound,
            Self::Http { .. } | Self::Transport { .. } | Self::RangeIgnored { .. } => {
                ErrorKind::Network
            }
            Self::Changed { .. } => ErrorKind::Other,
        }
    }
}

/// A URL and when it stops working.
#[derive(Debug, Clone)]
pub struct Fresh {
    pub url: Secret<Url>,
    /// Unix seconds.
    pub expires_at: i64,
}

/// A URL handed out by a lease; `generation` tells a refusal of an old URL from one of the
/// current URL, so concurrent readers resolve once.
#[derive(Debug, Clone)]
pub struct LeasedUrl {
    pub url: Secret<Url>,
    pub expires_at: i64,
    pub generation: u64,
}

/// Something that can produce a fresh URL for one segment (e.g. by asking its endpoint again).
pub trait Resolve: Send + Sync {
    fn resolve(&self) -> BoxFuture<'_, Result<Fresh, RemoteError>>;
}

/// The reader's view of a segment's URL.
pub trait UrlLease: Send + Sync {
    /// A URL to use now: the current one while it has the margin to live, else a new one.
    fn current(&self) -> BoxFuture<'_, Result<LeasedUrl, RemoteError>>;
    /// Storage refused `stale`: a new URL, resolving again unless another reader already did.
    fn refused<'a>(&'a self, stale: &'a LeasedUrl)
    -> BoxFuture<'a, Result<LeasedUrl, RemoteError>>;
}

/// The usual lease: caches the URL, re-resolves through `R` when it is due or refused, one
/// resolve at a time however many readers wait.
pub struct RenewingLease<R> {
    resolver: R,
    margin: Duration,
    state: tokio::sync::Mutex<Option<LeasedUrl>>,
    resolves: AtomicU64,
}

impl<R: Resolve> RenewingLease<R> {
    /// Resolves on first use.
    pub fn new(resolver: R, margin: Duration) -> Self {
        Self {
            resolver,
            margin,
            state: tokio::sync::Mutex::new(None),
            resolves: AtomicU64::new(0),
        }
    }

    /// Starts from a URL already resolved.
    pub fn with_initial(resolver: R, initial: Fresh, margin: Duration) -> Self {
        Self {
            state: tokio::sync::Mutex::new(Some(LeasedUrl {
                url: initial.url,
                expires_at: initial.expires_at,
                generation: 0,
            })),
            ..Self::new(resolver, margin)
        }
    }

    /// How many times the URL was resolved again.
    pub fn resolves(&self) -> u64 {
        self.resolves.load(Ordering::Relaxed)
    }

    async fn renew(&self, slot: &mut Option<LeasedUrl>) -> Result<LeasedUrl, RemoteError> {
        let fresh = self.resolver.resolve().await?;
        let generation = slot.as_ref().map_or(0, |old| old.generation + 1);
        self.resolves.fetch_add(1, Ordering::Relaxed);
        tracing::debug!(
            url = %http::redact(fresh.url.expose()),
            expires_in = fresh.expires_at - crate::auth::now_secs(),
            "resolved the recording URL again"
        );
        let leased = LeasedUrl {
            url: fresh.url,
            expires_at: fresh.expires_at,
            generation,
        };
        *slot = Some(leased.clone());
        Ok(leased)
    }
}

impl<R: Resolve> UrlLease for RenewingLease<R> {
    fn current(&self) -> BoxFuture<'_, Result<LeasedUrl, RemoteError>> {
        Box::pin(async move {
            let mut slot = self.state.lock().await;
            let margin = i64::try_from(self.margin.as_secs()).unwrap_or(i64::MAX);
            match &*slot {
                Some(leased) if leased.expires_at - crate::auth::now_secs() > margin => {
                    Ok(leased.clone())
                }
                // A fresh URL that lives less than the margin (a store with short URLs) is
                // still the best there is: used as it is, not resolved in a loop.
                _ => self.renew(&mut slot).await,
            }
        })
    }

    fn refused<'a>(
        &'a self,
        stale: &'a LeasedUrl,
    ) -> BoxFuture<'a, Result<LeasedUrl, RemoteError>> {
        Box::pin(async move {
            let mut slot = self.state.lock().await;
            match &*slot {
                Some(leased) if leased.generation != stale.generation => Ok(leased.clone()),
                _ => self.renew(&mut slot).await,
            }
        })
    }
}

/// A lease on a URL that cannot be renewed (tests, or a URL the user pasted).
pub struct FixedUrl(pub Secret<Url>);

impl UrlLease for FixedUrl {
    fn current(&self) -> BoxFuture<'_, Result<LeasedUrl, RemoteError>> {
        Box::pin(async move {
            Ok(LeasedUrl {
                url: self.0.clone(),
                expires_at: i64::MAX,
                generation: 0,
            })
        })
    }

    fn refused<'a>(&'a self, _: &'a LeasedUrl) -> BoxFuture<'a, Result<LeasedUrl, RemoteError>> {
        Box::pin(async move { self.current().await })
    }
}

/// Retry and timeout policy of a [`RemoteReader`].
#[derive(Debug, Clone)]
pub struct ReaderOptions {
    /// Retries of a dropped connection, a timeout or a 5xx/429 without progress in between.
    pub max_retries: usize,
    /// Refusals (401/403/410/400) in a row, each followed by a re-resolve, before giving up.
    pub max_refusals: usize,
    pub min_delay: Duration,
    pub max_delay: Duration,
    /// A request or a body that sends nothing for this long is treated as dropped.
    pub idle_timeout: Duration,
}

impl Default for ReaderOptions {
    fn default() -> Self {
        Self {
            max_retries: 6,
            max_refusals: 3,
            min_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(5),
            idle_timeout: Duration::from_secs(30),
        }
    }
}

/// Counters for tests and diagnostics.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReaderStats {
    pub requests: u64,
    pub refusals: u64,
    pub retries: u64,
}

struct Inner {
    http: reqwest::Client,
    lease: Arc<dyn UrlLease>,
    options: ReaderOptions,
    /// The first strong ETag (else Last-Modified) seen: every later range must match it.
    validator: Mutex<Option<String>>,
    total_len: Mutex<Option<u64>>,
    requests: AtomicU64,
    refusals: AtomicU64,
    retries: AtomicU64,
}

/// Reads one segment's bytes by range (see the module doc). Cheap to clone.
#[derive(Clone)]
pub struct RemoteReader {
    inner: Arc<Inner>,
}

/// What a successful open gives: the response whose body starts at the asked byte.
struct Opened {
    response: reqwest::Response,
    url: String,
}

/// What to do after a response that is not the body asked for.
enum Step {
    /// Storage refused the URL (this status): resolve again and retry.
    Refused(u16),
    /// Worth retrying after a pause (this status).
    Transient(u16),
    Fail(RemoteError),
}

impl RemoteReader {
    pub fn new(http: reqwest::Client, lease: Arc<dyn UrlLease>, options: ReaderOptions) -> Self {
        Self {
            inner: Arc::new(Inner {
                http,
                lease,
                options,
                validator: Mutex::new(None),
                total_len: Mutex::new(None),
                requests: AtomicU64::new(0),
                refusals: AtomicU64::new(0),
                retries: AtomicU64::new(0),
            }),
        }
    }

    /// The object's length, once a response has said it.
    pub fn total_len(&self) -> Option<u64> {
        *lock(&self.inner.total_len)
    }

    /// The ETag or Last-Modified the reader's ranges were checked against, once known.
    pub fn validator(&self) -> Option<String> {
        lock(&self.inner.validator).clone()
    }

    pub fn stats(&self) -> ReaderStats {
        ReaderStats {
            requests: self.inner.requests.load(Ordering::Relaxed),
            refusals: self.inner.refusals.load(Ordering::Relaxed),
            retries: self.inner.retries.load(Ordering::Relaxed),
        }
    }

    fn backoff(&self) -> backon::ExponentialBackoff {
        let options = &self.inner.options;
        backon::ExponentialBuilder::default()
            .with_min_delay(options.min_delay)
            .with_max_delay(options.max_delay)
            .with_max_times(options.max_retries)
            .with_jitter()
            .build()
    }

    /// Waits before a retry, or says the retries are used up.
    async fn pause(
        &self,
        backoff: &mut backon::ExponentialBackoff,
        url: &str,
        reason: String,
        last_status: Option<u16>,
    ) -> Result<(), RemoteError> {
        match backoff.next() {
            Some(delay) => {
                self.inner.retries.fetch_add(1, Ordering::Relaxed);
                tracing::debug!(%url, %reason, ?delay, "retrying a recording read");
                tokio::time::sleep(delay).await;
                Ok(())
            }
            None => Err(match last_status {
                Some(status) => RemoteError::Http {
                    status,
                    url: url.to_owned(),
                },
                None => RemoteError::Transport {
                    url: url.to_owned(),
                    reason,
                },
            }),
        }
    }

    /// Opens a request whose body starts at `pos` (through `end`, inclusive, when given),
    /// handling expiry, refusals and retries. `Ok(None)`: `pos` is at or past the end.
    async fn open(&self, pos: u64, end: Option<u64>) -> Result<Option<Opened>, RemoteError> {
        if let Some(total) = self.total_len()
            && pos >= total
        {
            return Ok(None);
        }
        let mut backoff = self.backoff();
        let mut refusals = 0;
        let mut leased = self.inner.lease.current().await?;
        loop {
            let url = leased.url.expose().clone();
            let shown = http::redact(&url);
            if !http::is_allowed_remote(&url) {
                return Err(RemoteError::UnsafeUrl { url: shown });
            }
            let range = match end {
                Some(end) => format!("bytes={pos}-{end}"),
                None => format!("bytes={pos}-"),
            };
            let validator = lock(&self.inner.validator).clone();
            let mut request = self.inner.http.get(url).header(RANGE, range);
            if let Some(validator) = &validator {
                request = request.header(IF_RANGE, validator);
            }
            self.inner.requests.fetch_add(1, Ordering::Relaxed);
            let sent = tokio::time::timeout(self.inner.options.idle_timeout, request.send()).await;
            let response = match sent {
                Err(_) => {
                    self.pause(&mut backoff, &shown, "no answer in time".into(), None)
                        .await?;
                    continue;
                }
                Ok(Err(error)) => {
                    if error.is_redirect() {
                        // The client's policy refused the redirect (non-https or too many).
                        return Err(RemoteError::Transport {
                            url: shown,
                            reason: crate::auth::describe_transport_error(&error),
                        });
                    }
                    let reason = crate::auth::describe_transport_error(&error);
                    self.pause(&mut backoff, &shown, reason, None).await?;
                    continue;
                }
                Ok(Ok(response)) => response,
            };
            match self.accept(response, pos, validator.is_some(), &shown) {
                Ok(Some(response)) => {
                    return Ok(Some(Opened {
                        response,
                        url: shown,
                    }));
                }
                Ok(None) => return Ok(None),
                Err(Step::Fail(error)) => return Err(error),
                Err(Step::Refused(status)) => {
                    refusals += 1;
                    self.inner.refusals.fetch_add(1, Ordering::Relaxed);
                    if refusals > self.inner.options.max_refusals {
                        return Err(RemoteError::Refused { status, url: shown });
                    }
                    tracing::debug!(%shown, status, "storage refused the URL: resolving again");
                    leased = self.inner.lease.refused(&leased).await?;
                }
                Err(Step::Transient(status)) => {
                    self.pause(&mut backoff, &shown, format!("HTTP {status}"), Some(status))
                        .await?;
                }
            }
        }
    }

    /// Decides what a response means for a read starting at `pos`.
    fn accept(
        &self,
        response: reqwest::Response,
        pos: u64,
        sent_if_range: bool,
        url: &str,
    ) -> Result<Option<reqwest::Response>, Step> {
        let status = response.status();
        let header = |name| {
            response
                .headers()
                .get(name)
                .and_then(|v: &reqwest::header::HeaderValue| v.to_str().ok())
                .map(str::to_owned)
        };
        match status {
            StatusCode::PARTIAL_CONTENT => {
                let range = header(CONTENT_RANGE).and_then(|v| parse_content_range(&v));
                match range {
                    Some((start, _, total)) if start == pos => {
                        if let Some(total) = total {
                            *lock(&self.inner.total_len) = Some(total);
                        }
                    }
                    _ => {
                        return Err(Step::Fail(RemoteError::RangeIgnored {
                            url: url.to_owned(),
                        }));
                    }
                }
                self.remember_validator(header(ETAG), header(LAST_MODIFIED));
                Ok(Some(response))
            }
            StatusCode::OK => {
                if pos == 0 {
                    // The whole object from byte 0 serves a read from 0 (the rest of the body
                    // is simply not read). If it answers an If-Range, the object changed: the
                    // new one's validator replaces the old one's.
                    if sent_if_range {
                        *lock(&self.inner.validator) = None;
                    }
                    if let Some(len) = header(CONTENT_LENGTH).and_then(|v| v.parse().ok()) {
                        *lock(&self.inner.total_len) = Some(len);
                    }
                    self.remember_validator(header(ETAG), header(LAST_MODIFIED));
                    Ok(Some(response))
                } else if sent_if_range {
                    Err(Step::Fail(RemoteError::Changed {
                        url: url.to_owned(),
                    }))
                } else {
                    Err(Step::Fail(RemoteError::RangeIgnored {
                        url: url.to_owned(),
                    }))
                }
            }
            StatusCode::RANGE_NOT_SATISFIABLE => {
                let total = header(CONTENT_RANGE).and_then(|v| {
                    v.trim()
                        .strip_prefix("bytes */")
                        .and_then(|n| n.trim().parse().ok())
                });
                if let Some(total) = total {
                    *lock(&self.inner.total_len) = Some(total);
                    if pos >= total {
                        return Ok(None);
                    }
                }
                Err(Step::Fail(RemoteError::Http {
                    status: 416,
                    url: url.to_owned(),
                }))
            }
            // Expired or bad signatures: S3/CloudFront 403, Supabase Storage and GCS 400.
            StatusCode::BAD_REQUEST
            | StatusCode::UNAUTHORIZED
            | StatusCode::FORBIDDEN
            | StatusCode::GONE => Err(Step::Refused(status.as_u16())),
            StatusCode::REQUEST_TIMEOUT | StatusCode::TOO_MANY_REQUESTS => {
                Err(Step::Transient(status.as_u16()))
            }
            status if status.is_server_error() => Err(Step::Transient(status.as_u16())),
            status => Err(Step::Fail(RemoteError::Http {
                status: status.as_u16(),
                url: url.to_owned(),
            })),
        }
    }

    fn remember_validator(&self, etag: Option<String>, last_modified: Option<String>) {
        let mut validator = lock(&self.inner.validator);
        if validator.is_none() {
            // A weak ETag cannot be used with If-Range (RFC 9110 §13.1.5).
            *validator = etag.filter(|tag| tag.starts_with('"')).or(last_modified);
        }
    }

    /// `len` bytes from `start`; fewer only at the end of the object (none past it). Drops,
    /// expiries and refusals in the middle are recovered from the byte reached.
    pub async fn read_range(&self, start: u64, len: u64) -> Result<Bytes, RemoteError> {
        let capacity = usize::try_from(len.min(16 * 1024 * 1024)).unwrap_or(0);
        let mut out = BytesMut::with_capacity(capacity);
        if len == 0 {
            return Ok(out.freeze());
        }
        let last = start.saturating_add(len - 1);
        let mut backoff = self.backoff();
        'open: while (out.len() as u64) < len {
            let pos = start + out.len() as u64;
            let Some(Opened { mut response, url }) = self.open(pos, Some(last)).await? else {
                break;
            };
            loop {
                let chunk =
                    tokio::time::timeout(self.inner.options.idle_timeout, response.chunk()).await;
                match chunk {
                    Ok(Ok(Some(bytes))) => {
                        let want = usize::try_from(len - out.len() as u64).unwrap_or(usize::MAX);
                        out.extend_from_slice(&bytes[..bytes.len().min(want)]);
                        backoff = self.backoff();
                        if out.len() as u64 >= len {
                            break 'open;
                        }
                    }
                    Ok(Ok(None)) => {
                        let reached = start + out.len() as u64;
                        if self.total_len().is_some_and(|total| reached >= total) {
                            break 'open;
                        }
                        self.pause(&mut backoff, &url, "the body ended early".into(), None)
                            .await?;
                        continue 'open;
                    }
                    Ok(Err(error)) => {
                        let reason = crate::auth::describe_transport_error(&error);
                        self.pause(&mut backoff, &url, reason, None).await?;
                        continue 'open;
                    }
                    Err(_) => {
                        self.pause(&mut backoff, &url, "the body stalled".into(), None)
                            .await?;
                        continue 'open;
                    }
                }
            }
        }
        Ok(out.freeze())
    }

    /// The object from `offset` to its end, as chunks arrive (one request, re-opened at the
    /// next byte whenever it breaks). Ends after the last byte; an error ends it too.
    pub fn stream_from(
        &self,
        offset: u64,
    ) -> impl Stream<Item = Result<Bytes, RemoteError>> + Send + 'static {
        struct State {
            reader: RemoteReader,
            pos: u64,
            body: Option<Opened>,
            backoff: backon::ExponentialBackoff,
            done: bool,
        }
        let state = State {
            backoff: self.backoff(),
            reader: self.clone(),
            pos: offset,
            body: None,
            done: false,
        };
        futures_util::stream::unfold(state, |mut st| async move {
            loop {
                if st.done {
                    return None;
                }
                if st.body.is_none() {
                    match st.reader.open(st.pos, None).await {
                        Ok(Some(opened)) => st.body = Some(opened),
                        Ok(None) => return None,
                        Err(error) => {
                            st.done = true;
                            return Some((Err(error), st));
                        }
                    }
                }
                let Some(opened) = st.body.as_mut() else {
                    continue;
                };
                let timeout = st.reader.inner.options.idle_timeout;
                let outcome = tokio::time::timeout(timeout, opened.response.chunk()).await;
                let url = opened.url.clone();
                let reason = match outcome {
                    Ok(Ok(Some(bytes))) => {
                        st.pos += bytes.len() as u64;
                        st.backoff = st.reader.backoff();
                        return Some((Ok(bytes), st));
                    }
                    Ok(Ok(None)) => {
                        let total = st.reader.total_len();
                        if total.is_none_or(|total| st.pos >= total) {
                            return None;
                        }
                        "the body ended early".to_owned()
                    }
                    Ok(Err(error)) => crate::auth::describe_transport_error(&error),
                    Err(_) => "the body stalled".to_owned(),
                };
                st.body = None;
                if let Err(error) = st.reader.pause(&mut st.backoff, &url, reason, None).await {
                    st.done = true;
                    return Some((Err(error), st));
                }
            }
        })
    }
}

impl std::fmt::Debug for RemoteReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the URL: it is signed.
        f.debug_struct("RemoteReader")
            .field("total_len", &self.total_len())
            .field("stats", &self.stats())
            .finish()
    }
}

impl RemoteReader {
    /// The object's length, asking storage for its first byte if no answer has said it yet
    /// (a decoder wants the length before it seeks).
    pub async fn fetch_len(&self) -> Result<Option<u64>, RemoteError> {
        if self.total_len().is_none() {
            self.read_range(0, 1).await?;
        }
        Ok(self.total_len())
    }
}

/// A synchronous face of a [`RemoteReader`] for a decoder on its own thread (symphonia reads
/// through `std::io::Read + Seek`): each read runs as a task on `runtime` while the calling
/// thread waits for it. Call it from a thread of your own (or `spawn_blocking`), never from an
/// async task, whose worker it would hold up.
#[derive(Clone, Debug)]
pub struct BlockingReader {
    reader: RemoteReader,
    runtime: tokio::runtime::Handle,
}

impl BlockingReader {
    pub fn new(reader: RemoteReader, runtime: tokio::runtime::Handle) -> Self {
        Self { reader, runtime }
    }

    pub fn total_len(&self) -> Option<u64> {
        self.reader.total_len()
    }

    pub fn reader(&self) -> &RemoteReader {
        &self.reader
    }

    /// Up to `buf.len()` bytes at `offset`; `Ok(0)` only at the end of the object.
    pub fn read_at(&self, offset: u64, buf: &mut [u8]) -> std::io::Result<usize> {
        // A channel rather than `Handle::block_on`, which panics on threads inside the runtime.
        let (done, result) = std::sync::mpsc::sync_channel(1);
        let reader = self.reader.clone();
        let len = buf.len() as u64;
        self.runtime.spawn(async move {
            let _ = done.send(reader.read_range(offset, len).await);
        });
        let bytes = result
            .recv()
            .map_err(|_| std::io::Error::other("the async runtime stopped during a read"))?
            .map_err(std::io::Error::other)?;
        let n = bytes.len().min(buf.len());
        buf[..n].copy_from_slice(&bytes[..n]);
        Ok(n)
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // Held only for a copy in or out; a poisoned value is still consistent.
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// `bytes a-b/total` (total may be `*`) → (a, b, total).
fn parse_content_range(value: &str) -> Option<(u64, u64, Option<u64>)> {
    let rest = value.trim().strip_prefix("bytes")?.trim_start();
    let (range, total) = rest.split_once('/')?;
    let (a, b) = range.trim().split_once('-')?;
    let total = match total.trim() {
        "*" => None,
        n => Some(n.parse().ok()?),
    };
    Some((a.trim().parse().ok()?, b.trim().parse().ok()?, total))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Hands out `https://s.test/<n>` living `lifetime` seconds, counting calls.
    struct Counting {
        calls: AtomicU64,
        lifetime: i64,
    }

    impl Resolve for Counting {
        fn resolve(&self) -> BoxFuture<'_, Result<Fresh, RemoteError>> {
            Box::pin(async move {
                let n = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
                tokio::time::sleep(Duration::from_millis(20)).await;
                Ok(Fresh {
                    url: Secret::new(Url::parse(&format!("https://s.test/{n}")).unwrap()),
                    expires_at: crate::auth::now_secs() + self.lifetime,
                })
            })
        }
    }

    fn counting(lifetime: i64) -> Counting {
        Counting {
            calls: AtomicU64::new(0),
            lifetime,
        }
    }

    #[tokio::test]
    async fn concurrent_refusals_of_one_url_resolve_once() {
        let lease = RenewingLease::new(counting(600), EXPIRY_MARGIN);
        let first = lease.current().await.unwrap();
        assert_eq!(lease.resolves(), 1);
        // Cached while it has more than the margin to live.
        assert_eq!(lease.current().await.unwrap().generation, first.generation);
        let (a, b, c) = tokio::join!(
            lease.refused(&first),
            lease.refused(&first),
            lease.refused(&first)
        );
        let (a, b, c) = (a.unwrap(), b.unwrap(), c.unwrap());
        assert_eq!(
            lease.resolves(),
            2,
            "three readers refused the same URL: one resolve"
        );
        assert_eq!(a.url.expose().path(), "/2");
        assert_eq!((a.generation, b.generation, c.generation), (1, 1, 1));
    }

    #[tokio::test]
    async fn urls_due_within_the_margin_are_renewed_but_short_ones_not_in_a_loop() {
        // Every URL lives 5 s, less than the 30-s margin: each use renews once, and uses it.
        let lease = RenewingLease::with_initial(
            counting(5),
            Fresh {
                url: Secret::new(Url::parse("https://s.test/0").unwrap()),
                expires_at: crate::auth::now_secs() + 10,
            },
            EXPIRY_MARGIN,
        );
        let leased = lease.current().await.unwrap();
        assert_eq!(leased.url.expose().path(), "/1");
        assert_eq!(lease.resolves(), 1);
        // A long-lived initial URL is used as it is.
        let lease = RenewingLease::with_initial(
            counting(5),
            Fresh {
                url: Secret::new(Url::parse("https://s.test/0").unwrap()),
                expires_at: crate::auth::now_secs() + 300,
            },
            EXPIRY_MARGIN,
        );
        assert_eq!(lease.current().await.unwrap().url.expose().path(), "/0");
        assert_eq!(lease.resolves(), 0);
    }

    #[test]
    fn content_range_forms() {
        assert_eq!(
            parse_content_range("bytes 0-99/1000"),
            Some((0, 99, Some(1000)))
        );
        assert_eq!(parse_content_range("bytes 5-9/*"), Some((5, 9, None)));
        assert_eq!(parse_content_range("bytes */1000"), None);
        assert_eq!(parse_content_range("items 0-1/2"), None);
    }
}
