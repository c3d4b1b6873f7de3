//! One segment's transfer into `<index>.part`, then into place.
//!
//! Why not [`crate::remote::RemoteReader::stream_from`]: the downloader must persist the
//! validator across process restarts (If-Range after a SIGKILL), restart cleanly when a server
//! answers a ranged request with 200, and record the ETag; the reader keeps its validator and
//! headers private and fails on a 200 instead. It does share the reader's URL lease
//! ([`UrlLease`]: expiry margin, one re-resolve for all) and the process client's URL policy.

use std::io::SeekFrom;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use backon::BackoffBuilder;
use reqwest::StatusCode;
use reqwest::header::{CONTENT_LENGTH, CONTENT_RANGE, ETAG, IF_RANGE, LAST_MODIFIED, RANGE};
use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncSeekExt};
use tokio::sync::{mpsc, oneshot};

use super::{Control, DownloadError, DownloadOptions, paths};
use crate::http;
use crate::library::{DownloadRecord, FileRecord, Library};
use crate::remote::{RemoteError, UrlLease};

pub(super) enum Ended {
    Done(FileRecord),
    Paused,
    Cancelled,
}

pub(super) struct Job<'a> {
    pub data_dir: &'a Path,
    pub library: &'a Library,
    pub record: &'a DownloadRecord,
    pub lease: Arc<dyn UrlLease>,
    pub http: &'a reqwest::Client,
    pub options: &'a DownloadOptions,
    pub control: &'a Control,
    /// Called with (bytes on disk, total) as bytes arrive.
    pub progress: &'a (dyn Fn(u64, Option<u64>) + Send + Sync),
}

/// What the response to a request means for the `.part`.
enum Answer {
    /// The body continues the `.part` at `pos`.
    Continue(reqwest::Response),
    /// The body is the whole object: truncate the `.part` first.
    Restart(reqwest::Response),
    /// The `.part` already holds every byte.
    Complete,
}

/// Chunks queued for the writer before the receiving task waits (backpressure).
const QUEUED_CHUNKS: usize = 32;

enum Op {
    Write(bytes::Bytes),
    Flush(oneshot::Sender<std::io::Result<()>>),
    Truncate(oneshot::Sender<std::io::Result<()>>),
}

/// The `.part` being written: a blocking thread writes the chunks the receiving task hands it
/// (and a thread of its own hashes them), so receiving, writing and hashing overlap. (All three
/// on one task capped a 1 GB loopback download at ~0.3x curl.)
struct Part {
    ops: mpsc::Sender<Op>,
    worker: Option<tokio::task::JoinHandle<std::io::Result<(std::fs::File, Sha256, Stages)>>>,
    /// Set when the transfer ends without [`Part::finish`]: the writer stops at once, so a
    /// retry reopening the `.part` never races writes still queued here.
    abandoned: Arc<AtomicBool>,
    pos: u64,
}

/// Where a transfer's time went (logged at debug level when it completes; the downloads
/// benchmark prints it with `BENCH_PROFILE=1`).
#[derive(Debug, Default)]
struct Stages {
    /// Receiving task: waiting for the next chunk from the connection.
    receive: Duration,
    /// Receiving task: waiting for room in the writer's queue (the writer is behind).
    queue: Duration,
    /// Receiving task: saving the progress in the library (once a second; a synchronous commit).
    save: Duration,
    chunks: u64,
    /// Hashing thread: busy. Writer thread: writing, and idle.
    hash: Duration,
    write: Duration,
    idle: Duration,
}

/// What the hashing thread is handed, in the file's order.
enum HashOp {
    Data(bytes::Bytes),
    /// The file was truncated: start over.
    Reset,
}

/// Chunks queued for the hashing thread (cheap: `Bytes` are shared, not copied).
const QUEUED_HASHES: usize = 64;

/// Writes the `.part` while a second thread hashes the same chunks: writing and hashing each
/// took about a core on their own, and done one after the other they capped a 1 GB loopback
/// download at ~0.45x curl with the other core half idle (benches/downloads.rs).
fn write_part(
    file: std::fs::File,
    hasher: Sha256,
    ops: mpsc::Receiver<Op>,
    abandoned: &AtomicBool,
) -> std::io::Result<(std::fs::File, Sha256, Stages)> {
    let (hashes, hash_rx) = std::sync::mpsc::sync_channel::<HashOp>(QUEUED_HASHES);
    std::thread::scope(|scope| {
        let hashing = scope.spawn(move || {
            let mut hasher = hasher;
            let mut busy = Duration::ZERO;
            for op in hash_rx {
                let started = Instant::now();
                match op {
                    HashOp::Data(bytes) => hasher.update(&bytes),
                    HashOp::Reset => hasher = Sha256::new(),
                }
                busy += started.elapsed();
            }
            (hasher, busy)
        });
        let written = write_chunks(file, ops, &hashes, abandoned);
        // Closing the queue ends the hashing thread once it has caught up.
        drop(hashes);
        let (hasher, busy) = hashing
            .join()
            .map_err(|_| std::io::Error::other("the hashing thread failed"))?;
        let (file, mut stages) = written?;
        stages.hash = busy;
        Ok((file, hasher, stages))
    })
}

fn write_chunks(
    file: std::fs::File,
    mut ops: mpsc::Receiver<Op>,
    hashes: &std::sync::mpsc::SyncSender<HashOp>,
    abandoned: &AtomicBool,
) -> std::io::Result<(std::fs::File, Stages)> {
    use std::io::Seek;
    let hash = |op: HashOp| {
        hashes
            .send(op)
            .map_err(|_| std::io::Error::other("the hashing thread stopped"))
    };
    let mut file = file;
    let mut stages = Stages::default();
    // The chunks themselves, written with one writev per batch: no copy into a buffer first.
    let mut batch = Batch::default();
    let mut waited = Instant::now();
    while let Some(op) = ops.blocking_recv() {
        stages.idle += waited.elapsed();
        if abandoned.load(Ordering::SeqCst) {
            // The batch is dropped unwritten.
            return Err(std::io::Error::other("the download stopped"));
        }
        match op {
            Op::Write(bytes) => {
                hash(HashOp::Data(bytes.clone()))?;
                batch.push(bytes);
                if batch.len >= WRITE_BATCH {
                    let started = Instant::now();
                    batch.write_to(&mut file)?;
                    stages.write += started.elapsed();
                }
            }
            Op::Flush(ack) => {
                let _ = ack.send(batch.write_to(&mut file));
            }
            Op::Truncate(ack) => {
                let result = batch.write_to(&mut file).and_then(|()| {
                    file.set_len(0)?;
                    file.seek(std::io::SeekFrom::Start(0)).map(|_| ())
                });
                let result = result.and_then(|()| hash(HashOp::Reset));
                let _ = ack.send(result);
            }
        }
        waited = Instant::now();
    }
    let started = Instant::now();
    batch.write_to(&mut file)?;
    stages.write += started.elapsed();
    Ok((file, stages))
}

/// Bytes gathered before the writer writes them (the chunks come in tens to hundreds of KB).
const WRITE_BATCH: usize = 1 << 20;

#[derive(Default)]
struct Batch {
    chunks: Vec<bytes::Bytes>,
    len: usize,
}

impl Batch {
    fn push(&mut self, bytes: bytes::Bytes) {
        self.len += bytes.len();
        self.chunks.push(bytes);
    }

    /// Writes every chunk, in order, and empties the batch.
    fn write_to(&mut self, file: &mut std::fs::File) -> std::io::Result<()> {
        use std::io::{IoSlice, Write};
        let mut slices: Vec<IoSlice<'_>> = self.chunks.iter().map(|c| IoSlice::new(c)).collect();
        let mut rest = &mut slices[..];
        while !rest.is_empty() {
            match file.write_vectored(rest) {
                Ok(0) => return Err(std::io::ErrorKind::WriteZero.into()),
                Ok(n) => IoSlice::advance_slices(&mut rest, n),
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        drop(slices);
        self.chunks.clear();
        self.len = 0;
        Ok(())
    }
}

impl Part {
    fn start(file: std::fs::File, hasher: Sha256, pos: u64) -> Self {
        let (ops, receiver) = mpsc::channel(QUEUED_CHUNKS);
        let abandoned = Arc::new(AtomicBool::new(false));
        let stop = Arc::clone(&abandoned);
        let worker = tokio::task::spawn_blocking(move || write_part(file, hasher, receiver, &stop));
        Self {
            ops,
            worker: Some(worker),
            abandoned,
            pos,
        }
    }

    /// The writer's own error, once it has stopped.
    async fn failure(&mut self, path: &Path) -> DownloadError {
        let reason = match self.worker.take() {
            Some(worker) => match worker.await {
                Ok(Err(e)) => return DownloadError::io(path, &e),
                Ok(Ok(_)) => "the writer stopped early".to_owned(),
                Err(e) => format!("the writer failed: {e}"),
            },
            None => "the writer is gone".to_owned(),
        };
        DownloadError::Io {
            path: path.display().to_string(),
            reason,
        }
    }

    async fn write(&mut self, bytes: bytes::Bytes, path: &Path) -> Result<(), DownloadError> {
        let len = bytes.len() as u64;
        if self.ops.send(Op::Write(bytes)).await.is_err() {
            return Err(self.failure(path).await);
        }
        self.pos += len;
        Ok(())
    }

    async fn ask(
        &mut self,
        op: fn(oneshot::Sender<std::io::Result<()>>) -> Op,
        path: &Path,
    ) -> Result<(), DownloadError> {
        let (ack, done) = oneshot::channel();
        if self.ops.send(op(ack)).await.is_err() {
            return Err(self.failure(path).await);
        }
        match done.await {
            Ok(result) => result.map_err(|e| DownloadError::io(path, &e)),
            Err(_) => Err(self.failure(path).await),
        }
    }

    async fn flush(&mut self, path: &Path) -> Result<(), DownloadError> {
        self.ask(Op::Flush, path).await
    }

    async fn truncate(&mut self, path: &Path) -> Result<(), DownloadError> {
        self.ask(Op::Truncate, path).await?;
        self.pos = 0;
        Ok(())
    }

    /// Every byte written: the file and the SHA-256 of its content.
    async fn finish(
        mut self,
        path: &Path,
    ) -> Result<(std::fs::File, Sha256, Stages), DownloadError> {
        let (ops, _) = mpsc::channel(1);
        drop(std::mem::replace(&mut self.ops, ops)); // closing the queue ends the writer
        match self.worker.take() {
            Some(worker) => match worker.await {
                Ok(Ok(written)) => Ok(written),
                Ok(Err(e)) => Err(DownloadError::io(path, &e)),
                Err(e) => Err(DownloadError::Io {
                    path: path.display().to_string(),
                    reason: format!("the writer failed: {e}"),
                }),
            },
            None => Err(self.failure(path).await),
        }
    }
}

impl Drop for Part {
    fn drop(&mut self) {
        if self.worker.is_some() {
            self.abandoned.store(true, Ordering::SeqCst);
        }
    }
}

fn header(response: &reqwest::Response, name: reqwest::header::HeaderName) -> Option<String> {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// A strong ETag, else Last-Modified: what If-Range may carry (RFC 9110 §13.1.5).
fn validator_of(response: &reqwest::Response) -> Option<String> {
    header(response, ETAG)
        .filter(|tag| tag.starts_with('"'))
        .or_else(|| header(response, LAST_MODIFIED))
}

/// `bytes a-b/total` → (a, b, total).
fn content_range(value: &str) -> Option<(u64, u64, Option<u64>)> {
    let rest = value.trim().strip_prefix("bytes")?.trim_start();
    let (range, total) = rest.split_once('/')?;
    let (a, b) = range.trim().split_once('-')?;
    let total = match total.trim() {
        "*" => None,
        n => Some(n.parse().ok()?),
    };
    Some((a.trim().parse().ok()?, b.trim().parse().ok()?, total))
}

fn hex(digest: &[u8]) -> String {
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Waits `delay`, returning early if the item is paused or cancelled meanwhile.
async fn sleep_or_control(control: &Control, delay: Duration) {
    tokio::select! {
        _ = tokio::time::sleep(delay) => {}
        _ = control.notify.notified() => {}
    }
}

pub(super) fn check_space(dir: &Path, needed: u64, reserve: u64) -> Result<(), DownloadError> {
    let available = fs4::available_space(dir).map_err(|e| DownloadError::io(dir, &e))?;
    if available < needed.saturating_add(reserve) {
        return Err(DownloadError::NoSpace {
            needed,
            available,
            dir: dir.display().to_string(),
        });
    }
    Ok(())
}

/// Copies the first `len` bytes of `from` (a cached recording) into `to` (an empty `.part`),
/// off the runtime; returns the bytes copied.
async fn copy_prefix(from: &Path, to: &Path, len: u64) -> std::io::Result<u64> {
    let (from, to) = (from.to_owned(), to.to_owned());
    tokio::task::spawn_blocking(move || {
        use std::io::Read;
        let mut source = std::fs::File::open(from)?.take(len);
        let mut part = crate::files::options().write(true).open(to)?;
        std::io::copy(&mut source, &mut part)
    })
    .await
    .map_err(std::io::Error::other)?
}

pub(super) async fn transfer(job: Job<'_>) -> Result<Ended, DownloadError> {
    let record = job.record;
    let options = job.options;
    let call_dir = paths::inside(job.data_dir, &paths::call_dir(&record.call_id)?)?;
    crate::files::create_dir_all(&call_dir).map_err(|e| DownloadError::io(&call_dir, &e))?;
    let part_path = paths::inside(
        job.data_dir,
        &paths::part_path(&record.call_id, record.index)?,
    )?;
    let io = |e: std::io::Error| DownloadError::io(&part_path, &e);

    let mut file = crate::files::tokio_options()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&part_path)
        .await
        .map_err(io)?;
    let mut pos = file.metadata().await.map_err(io)?.len();
    let mut total = record.total;
    let mut validator = record.validator.clone();
    if pos == 0
        && let Some((cached, len, cached_total, cached_validator)) =
            job.library.cache().prefix(&record.segment_id)
        && cached_total.is_some_and(|t| t <= options.max_bytes)
    {
        // What playback fetched is the `.part`'s start: the request below asks only for the
        // rest, under the cached bytes' validator (If-Range), so a changed object starts over.
        pos = copy_prefix(&cached, &part_path, len).await.map_err(io)?;
        total = cached_total;
        validator = cached_validator;
        file = crate::files::tokio_options()
            .read(true)
            .write(true)
            .open(&part_path)
            .await
            .map_err(io)?;
    }
    if total.is_some_and(|t| pos > t) || (pos > 0 && total.is_none() && validator.is_none()) {
        // Longer than the object, or nothing to check a resume against: start over.
        file.set_len(0).await.map_err(io)?;
        pos = 0;
        validator = None;
    }
    // The hash covers the prefix already on disk, read back (not trusted from anywhere else).
    let mut hasher = Sha256::new();
    if pos > 0 {
        file.seek(SeekFrom::Start(0)).await.map_err(io)?;
        let mut buffer = vec![0u8; 1 << 20];
        let mut hashed = 0u64;
        while hashed < pos {
            let n = file.read(&mut buffer).await.map_err(io)?;
            if n == 0 {
                break;
            }
            let n = n.min(usize::try_from(pos - hashed).unwrap_or(usize::MAX));
            hasher.update(&buffer[..n]);
            hashed += n as u64;
        }
        pos = hashed;
    }
    file.seek(SeekFrom::Start(pos)).await.map_err(io)?;
    let mut part = Part::start(file.into_std().await, hasher, pos);
    (job.progress)(part.pos, total);

    let new_backoff = || {
        backon::ExponentialBuilder::default()
            .with_min_delay(options.min_delay)
            .with_max_delay(options.max_delay)
            .with_max_times(options.max_retries)
            .with_jitter()
            .build()
    };
    let mut backoff = new_backoff();
    let mut refusals = 0usize;
    let mut space_checked = false;
    let mut last_saved = Instant::now();
    let started = Instant::now();
    let mut receive = Duration::ZERO;
    let mut queue = Duration::ZERO;
    let mut save = Duration::ZERO;
    let mut chunks = 0u64;

    // Gives up (with `error`) when the retries are spent, else waits and returns.
    macro_rules! retry {
        ($error:expr) => {{
            match backoff.next() {
                Some(delay) => {
                    tracing::debug!(?delay, "retrying a download: {}", $error);
                    sleep_or_control(job.control, delay).await;
                }
                None => return Err($error),
            }
        }};
    }

    'request: loop {
        match job.control.state.load(Ordering::SeqCst) {
            Control::PAUSE => {
                part.flush(&part_path).await?;
                return Ok(Ended::Paused);
            }
            Control::CANCEL => return Ok(Ended::Cancelled),
            _ => {}
        }
        // Each request asks the lease: it renews a URL about to expire before it is refused.
        let leased = job.lease.current().await.map_err(DownloadError::Remote)?;
        let url = leased.url.expose().clone();
        let shown = http::redact(&url);
        if !http::is_allowed_remote(&url) {
            return Err(DownloadError::Remote(RemoteError::UnsafeUrl { url: shown }));
        }
        let mut request = job.http.get(url);
        if part.pos > 0 {
            request = request.header(RANGE, format!("bytes={}-", part.pos));
            if let Some(validator) = &validator {
                request = request.header(IF_RANGE, validator);
            }
        }
        let response = match tokio::time::timeout(options.idle_timeout, request.send()).await {
            Err(_) => {
                retry!(DownloadError::Remote(RemoteError::Transport {
                    url: shown,
                    reason: "no answer in time".into(),
                }));
                continue;
            }
            Ok(Err(error)) => {
                let failure = DownloadError::Remote(RemoteError::Transport {
                    url: shown,
                    reason: crate::auth::describe_transport_error(&error),
                });
                if error.is_redirect() {
                    return Err(failure);
                }
                retry!(failure);
                continue;
            }
            Ok(Ok(response)) => response,
        };
        let status = response.status();
        let answer = match status {
            StatusCode::PARTIAL_CONTENT => {
                let range = header(&response, CONTENT_RANGE).and_then(|v| content_range(&v));
                let fresh = validator_of(&response);
                let changed = matches!((&validator, &fresh), (Some(old), Some(new)) if old != new);
                match range {
                    Some((start, _, object_len)) if start == part.pos && !changed => {
                        if let Some(len) = object_len {
                            if total.is_some_and(|t| t != len) && part.pos > 0 {
                                // Same validator, another length: do not trust the prefix.
                                part.truncate(&part_path).await?;
                                total = None;
                                validator = None;
                                continue 'request;
                            }
                            total = Some(len);
                        }
                        validator = fresh.or(validator);
                        Answer::Continue(response)
                    }
                    _ => {
                        // Another range than asked, or a changed object: start over, unranged.
                        part.truncate(&part_path).await?;
                        total = None;
                        validator = None;
                        continue 'request;
                    }
                }
            }
            StatusCode::OK => {
                total = header(&response, CONTENT_LENGTH).and_then(|v| v.parse().ok());
                validator = validator_of(&response);
                Answer::Restart(response)
            }
            StatusCode::RANGE_NOT_SATISFIABLE => {
                let len = header(&response, CONTENT_RANGE).and_then(|v| {
                    v.trim()
                        .strip_prefix("bytes */")
                        .and_then(|n| n.trim().parse::<u64>().ok())
                });
                if len == Some(part.pos) && total.is_none_or(|t| t == part.pos) {
                    total = len;
                    Answer::Complete
                } else {
                    part.truncate(&part_path).await?;
                    total = None;
                    validator = None;
                    retry!(DownloadError::Remote(RemoteError::Http {
                        status: 416,
                        url: shown,
                    }));
                    continue;
                }
            }
            // Expired or bad signatures: S3/CloudFront 403, Supabase Storage and GCS 400.
            StatusCode::BAD_REQUEST
            | StatusCode::UNAUTHORIZED
            | StatusCode::FORBIDDEN
            | StatusCode::GONE => {
                refusals += 1;
                if refusals > options.max_refusals {
                    return Err(DownloadError::Remote(RemoteError::Refused {
                        status: status.as_u16(),
                        url: shown,
                    }));
                }
                // The lease resolves again (once for every reader); the next request takes it.
                job.lease
                    .refused(&leased)
                    .await
                    .map_err(DownloadError::Remote)?;
                continue;
            }
            status
                if status.is_server_error()
                    || status == StatusCode::REQUEST_TIMEOUT
                    || status == StatusCode::TOO_MANY_REQUESTS =>
            {
                retry!(DownloadError::Remote(RemoteError::Http {
                    status: status.as_u16(),
                    url: shown,
                }));
                continue;
            }
            status => {
                return Err(DownloadError::Remote(RemoteError::Http {
                    status: status.as_u16(),
                    url: shown,
                }));
            }
        };
        let mut response = match answer {
            Answer::Complete => break 'request,
            Answer::Restart(response) => {
                if part.pos > 0 {
                    tracing::info!(url = %shown, "the server sent the whole object: restarting the file");
                    part.truncate(&part_path).await?;
                }
                response
            }
            Answer::Continue(response) => response,
        };
        refusals = 0;
        // The validator and length are saved before any byte of this answer is written, so
        // a restart after a kill resumes against the same object.
        job.library.set_download_progress(
            &record.call_id,
            record.index,
            part.pos,
            total,
            validator.as_deref(),
        )?;
        if let Some(announced) = total.filter(|t| *t > options.max_bytes) {
            return Err(DownloadError::TooLarge {
                limit: options.max_bytes,
                announced: Some(announced),
            });
        }
        if !space_checked {
            let needed = total.map_or(0, |t| t.saturating_sub(part.pos));
            check_space(&call_dir, needed, options.reserve_bytes)?;
            space_checked = true;
        }
        loop {
            let waiting = Instant::now();
            let chunk = tokio::select! {
                chunk = tokio::time::timeout(options.idle_timeout, response.chunk()) => chunk,
                _ = job.control.notify.notified() => continue 'request,
            };
            receive += waiting.elapsed();
            match chunk {
                Ok(Ok(Some(bytes))) => {
                    let end = part.pos + bytes.len() as u64;
                    if let Some(t) = total
                        && end > t
                    {
                        return Err(DownloadError::Length {
                            expected: t,
                            got: end,
                        });
                    }
                    if end > options.max_bytes {
                        return Err(DownloadError::TooLarge {
                            limit: options.max_bytes,
                            announced: None,
                        });
                    }
                    let queued = Instant::now();
                    part.write(bytes, &part_path).await?;
                    queue += queued.elapsed();
                    chunks += 1;
                    backoff = new_backoff();
                    (job.progress)(part.pos, total);
                    if last_saved.elapsed() >= Duration::from_secs(1) {
                        let saving = Instant::now();
                        job.library.set_download_progress(
                            &record.call_id,
                            record.index,
                            part.pos,
                            total,
                            validator.as_deref(),
                        )?;
                        last_saved = Instant::now();
                        save += saving.elapsed();
                    }
                }
                Ok(Ok(None)) => {
                    if total.is_none_or(|t| part.pos >= t) {
                        break 'request;
                    }
                    retry!(DownloadError::Remote(RemoteError::Transport {
                        url: shown.clone(),
                        reason: "the body ended early".into(),
                    }));
                    continue 'request;
                }
                Ok(Err(error)) => {
                    retry!(DownloadError::Remote(RemoteError::Transport {
                        url: shown.clone(),
                        reason: crate::auth::describe_transport_error(&error),
                    }));
                    continue 'request;
                }
                Err(_) => {
                    retry!(DownloadError::Remote(RemoteError::Transport {
                        url: shown.clone(),
                        reason: "the body stalled".into(),
                    }));
                    continue 'request;
                }
            }
        }
    }

    // Every byte is here: check the length, sniff, save the hash, rename, then record. The
    // fsync comes after, off the critical path ([`make_durable`]): the file is complete and
    // playable now, and a crash before the fsync is caught by hashing it again on restart.
    let written = part.pos;
    let received = started.elapsed();
    let (file, hasher, mut stages) = part.finish(&part_path).await?;
    stages.receive = receive;
    stages.queue = queue;
    stages.save = save;
    stages.chunks = chunks;
    tracing::debug!(
        target: "callrec_core::downloads::stages",
        bytes = written,
        ?received,
        writer_behind = ?started.elapsed() - received,
        ?stages,
        "a segment's transfer, stage by stage"
    );
    let mut file = tokio::fs::File::from_std(file);
    let len = file.metadata().await.map_err(io)?.len();
    if len != written || total.is_some_and(|t| t != len) {
        return Err(DownloadError::Length {
            expected: total.unwrap_or(written),
            got: len,
        });
    }
    let mut head = [0u8; 16];
    file.seek(SeekFrom::Start(0)).await.map_err(io)?;
    let mut filled = 0;
    while filled < head.len() {
        let n = file.read(&mut head[filled..]).await.map_err(io)?;
        if n == 0 {
            break;
        }
        filled += n;
    }
    drop(file);
    let ext = paths::sniff(&head[..filled]);
    let final_rel = paths::final_path(&record.call_id, record.index, ext)?;
    let final_path = paths::inside(job.data_dir, &final_rel)?;
    let sha256 = hex(&hasher.finalize());
    // Committed (synchronously) before the rename: a final file found after a crash without its
    // `files` row is adopted only if it hashes to this.
    job.library
        .set_download_sha256(&record.call_id, record.index, &sha256)?;
    tokio::fs::rename(&part_path, &final_path)
        .await
        .map_err(|e| DownloadError::io(&final_path, &e))?;
    let file = FileRecord {
        call_id: record.call_id.clone(),
        index: record.index,
        path: paths::to_stored(&final_rel)?,
        size: len,
        sha256,
        etag: validator.filter(|v| v.starts_with('"')),
        content_type: Some(paths::content_type(ext).to_owned()),
        completed_at: time::OffsetDateTime::now_utc().unix_timestamp(),
    };
    job.library.complete_download(&file, false)?;
    Ok(Ended::Done(file))
}

/// Puts a completed file's data and directory entry on disk, then records it as durable.
/// Runs after the file is already done and playable (an fsync of a 1 GB file takes a third of
/// a second or more here, as long as the rest of the download); until it has run, a restart
/// hashes the file again before trusting it.
pub(super) fn make_durable(library: &Library, file: &FileRecord) -> Result<(), DownloadError> {
    let path = paths::inside(library.dir(), Path::new(&file.path))?;
    let started = Instant::now();
    // Opened for writing (nothing is written): Windows' FlushFileBuffers refuses a read-only
    // handle.
    let opened = std::fs::OpenOptions::new().write(true).open(&path);
    match opened.and_then(|handle| handle.sync_all()) {
        Ok(()) => {}
        // Removed meanwhile (the reviewer deleted the call): nothing left to make durable.
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(DownloadError::io(&path, &e)),
    }
    if let Some(dir) = path.parent() {
        sync_dir(dir);
    }
    library.mark_file_durable(&file.call_id, file.index, true)?;
    tracing::debug!(
        target: "callrec_core::downloads::stages",
        bytes = file.size,
        fsync = ?started.elapsed(),
        "a segment's file made durable"
    );
    Ok(())
}

/// Makes a rename durable (the directory entry); best effort where directories cannot be
/// opened (Windows).
pub(super) fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Ok(handle) = std::fs::File::open(dir) {
        let _ = handle.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
}

/// SHA-256 of a whole file, hex (for adopting a file renamed just before a crash).
pub(super) fn hash_file(path: &Path) -> std::io::Result<String> {
    use std::io::Read;
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut buffer)?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
    }
    Ok(hex(&hasher.finalize()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The writer and its hashing thread see the same chunks in the same order, across
    /// batches and a truncation: the file and the hash agree.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn written_bytes_and_hash_agree_across_batches_and_a_truncation() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("0.part");
        let file = std::fs::File::create(&path).unwrap();
        let mut part = Part::start(file, Sha256::new(), 0);
        let chunk = |seed: u8, len: usize| {
            bytes::Bytes::from(
                (0..len)
                    .map(|i| seed.wrapping_add(i as u8))
                    .collect::<Vec<_>>(),
            )
        };
        // Thrown away by the truncation (more than one batch, so some of it is on disk).
        for seed in 0..12 {
            part.write(chunk(seed, 300_000), &path).await.unwrap();
        }
        part.truncate(&path).await.unwrap();
        let mut expected = Vec::new();
        // Odd sizes over several write batches.
        for seed in 0..150u8 {
            let bytes = chunk(seed.wrapping_mul(7), 250_000 + usize::from(seed) * 13);
            expected.extend_from_slice(&bytes);
            part.write(bytes, &path).await.unwrap();
        }
        assert_eq!(part.pos, expected.len() as u64);
        let (file, hasher, _) = part.finish(&path).await.unwrap();
        drop(file);
        assert_eq!(std::fs::read(&path).unwrap(), expected);
        assert_eq!(
            hex(&hasher.finalize()),
            hex(&Sha256::digest(&expected)),
            "the hash covers exactly the bytes on disk"
        );
    }
}
