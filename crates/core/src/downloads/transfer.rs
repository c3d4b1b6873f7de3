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
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use backon::BackoffBuilder;
use reqwest::StatusCode;
use reqwest::header::{CONTENT_LENGTH, CONTENT_RANGE, ETAG, IF_RANGE, LAST_MODIFIED, RANGE};
use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncSeekExt};

use super::part::Part;
use super::{Control, DownloadError, DownloadOptions, paths};
use crate::http;
use crate::library::{DownloadRecord, FileRecord, Library};
use crate::remote::{LeasedUrl, RemoteError, UrlLease};

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
    /// The body continues the `.part` at its length.
    Continue(reqwest::Response),
    /// The body is the whole object: truncate the `.part` first.
    Restart(reqwest::Response),
    /// The `.part` already holds every byte.
    Complete,
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

/// The object the `.part` holds the start of: its length and validator, once known.
struct Resume {
    total: Option<u64>,
    validator: Option<String>,
}

impl Resume {
    fn forget(&mut self) {
        self.total = None;
        self.validator = None;
    }
}

/// What the receiving task measured (see [`Stages`]).
#[derive(Default)]
struct Received {
    receive: Duration,
    queue: Duration,
    save: Duration,
    chunks: u64,
}

/// What to do after one response.
enum Next {
    Body(Answer),
    /// Ask again at once (the `.part` was started over).
    Again,
    /// Ask again after a pause, unless the retries are spent.
    Retry(DownloadError),
    /// Storage refused the URL (this status): renew it, then ask again.
    Refused(u16),
}

/// How a body ended.
enum BodyEnd {
    /// Every byte of the object is in the `.part`.
    Done,
    /// Paused or cancelled meanwhile: ask the control.
    Interrupted,
    Retry(DownloadError),
}

pub(super) async fn transfer(job: Job<'_>) -> Result<Ended, DownloadError> {
    let record = job.record;
    let call_dir = paths::inside(job.data_dir, &paths::call_dir(&record.call_id)?)?;
    crate::files::create_dir_all(&call_dir).map_err(|e| DownloadError::io(&call_dir, &e))?;
    let part_path = paths::inside(
        job.data_dir,
        &paths::part_path(&record.call_id, record.index)?,
    )?;
    let (mut part, mut resume) = open_part(&job, &part_path).await?;
    let started = Instant::now();
    let received = match fetch(&job, &call_dir, &part_path, &mut part, &mut resume).await? {
        Ok(received) => received,
        Err(ended) => return Ok(ended),
    };
    let file = commit(&job, part, resume, &part_path, started, received).await?;
    Ok(Ended::Done(file))
}

/// Opens (or creates) the `.part`: an empty one starts from what the recordings cache holds
/// of the recording; a prefix that cannot be checked is dropped; the hash covers the prefix
/// read back from disk (not trusted from anywhere else).
async fn open_part(job: &Job<'_>, part_path: &Path) -> Result<(Part, Resume), DownloadError> {
    let record = job.record;
    let io = |e: std::io::Error| DownloadError::io(part_path, &e);
    let mut file = crate::files::tokio_options()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(part_path)
        .await
        .map_err(io)?;
    let mut pos = file.metadata().await.map_err(io)?.len();
    let mut resume = Resume {
        total: record.total,
        validator: record.validator.clone(),
    };
    if pos == 0
        && let Some((cached, len, total, validator)) =
            job.library.cache().prefix(&record.segment_id)
        && total.is_some_and(|t| t <= job.options.max_bytes)
    {
        // What playback fetched is the `.part`'s start: the request asks only for the rest,
        // under the cached bytes' validator (If-Range), so a changed object starts over.
        pos = copy_prefix(&cached, part_path, len).await.map_err(io)?;
        resume = Resume { total, validator };
    }
    if resume.total.is_some_and(|t| pos > t)
        || (pos > 0 && resume.total.is_none() && resume.validator.is_none())
    {
        // Longer than the object, or nothing to check a resume against: start over.
        file.set_len(0).await.map_err(io)?;
        pos = 0;
        resume.validator = None;
    }
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
    let part = Part::start(file.into_std().await, hasher, pos);
    (job.progress)(part.pos, resume.total);
    Ok((part, resume))
}

/// Requests the rest of the object until the `.part` holds all of it (`Ok(Ok)`), the item is
/// paused or cancelled (`Ok(Err)`), or it fails for good: drops, stalls and 5xx are retried
/// with backoff from the byte reached, refused URLs renewed through the lease.
async fn fetch(
    job: &Job<'_>,
    call_dir: &Path,
    part_path: &Path,
    part: &mut Part,
    resume: &mut Resume,
) -> Result<Result<Received, Ended>, DownloadError> {
    let options = job.options;
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
    let mut received = Received::default();
    loop {
        match job.control.state.load(Ordering::SeqCst) {
            Control::PAUSE => {
                part.flush(part_path).await?;
                return Ok(Err(Ended::Paused));
            }
            Control::CANCEL => return Ok(Err(Ended::Cancelled)),
            _ => {}
        }
        let retry = match request(job, part, resume).await? {
            (_, Err(failure)) => Some(failure),
            (leased, Ok(response)) => match classify(response, part, part_path, resume).await? {
                Next::Again => None,
                Next::Retry(failure) => Some(failure),
                Next::Refused(status) => {
                    refusals += 1;
                    if refusals > options.max_refusals {
                        return Err(DownloadError::Remote(RemoteError::Refused {
                            status,
                            url: http::redact(leased.url.expose()),
                        }));
                    }
                    // The lease resolves again (once for every reader); the next request
                    // takes it.
                    job.lease
                        .refused(&leased)
                        .await
                        .map_err(DownloadError::Remote)?;
                    None
                }
                Next::Body(answer) => {
                    let response = match answer {
                        Answer::Complete => return Ok(Ok(received)),
                        Answer::Restart(response) => {
                            if part.pos > 0 {
                                tracing::info!(
                                    "the server sent the whole object: restarting the file"
                                );
                                part.truncate(part_path).await?;
                            }
                            response
                        }
                        Answer::Continue(response) => response,
                    };
                    refusals = 0;
                    // The validator and length are saved before any byte of this answer is
                    // written, so a restart after a kill resumes against the same object.
                    save_progress(job, part.pos, resume)?;
                    if let Some(announced) = resume.total.filter(|t| *t > options.max_bytes) {
                        return Err(DownloadError::TooLarge {
                            limit: options.max_bytes,
                            announced: Some(announced),
                        });
                    }
                    if !space_checked {
                        let needed = resume.total.map_or(0, |t| t.saturating_sub(part.pos));
                        check_space(call_dir, needed, options.reserve_bytes)?;
                        space_checked = true;
                    }
                    let before = part.pos;
                    let end =
                        receive(job, response, part, part_path, resume, &mut received).await?;
                    if part.pos > before {
                        backoff = new_backoff();
                    }
                    match end {
                        BodyEnd::Done => return Ok(Ok(received)),
                        BodyEnd::Interrupted => None,
                        BodyEnd::Retry(failure) => Some(failure),
                    }
                }
            },
        };
        if let Some(failure) = retry {
            // Gives up when the retries are spent, else waits (or wakes for a control).
            let Some(delay) = backoff.next() else {
                return Err(failure);
            };
            tracing::debug!(?delay, "retrying a download: {failure}");
            sleep_or_control(job.control, delay).await;
        }
    }
}

/// One request for the rest of the object (from the `.part`'s length, under its validator).
/// A failure to get any answer is in the inner `Err`, to retry; a redirect or a URL Callrec
/// does not fetch from fails for good.
async fn request(
    job: &Job<'_>,
    part: &Part,
    resume: &Resume,
) -> Result<(LeasedUrl, Result<reqwest::Response, DownloadError>), DownloadError> {
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
        if let Some(validator) = &resume.validator {
            request = request.header(IF_RANGE, validator);
        }
    }
    let answer = match tokio::time::timeout(job.options.idle_timeout, request.send()).await {
        Err(_) => Err(DownloadError::Remote(RemoteError::Transport {
            url: shown,
            reason: "no answer in time".into(),
        })),
        Ok(Err(error)) => {
            let failure = DownloadError::Remote(RemoteError::Transport {
                url: shown,
                reason: crate::auth::describe_transport_error(&error),
            });
            if error.is_redirect() {
                return Err(failure);
            }
            Err(failure)
        }
        Ok(Ok(response)) => Ok(response),
    };
    Ok((leased, answer))
}

/// What a response means for the `.part` (started over here when it must be).
async fn classify(
    response: reqwest::Response,
    part: &mut Part,
    part_path: &Path,
    resume: &mut Resume,
) -> Result<Next, DownloadError> {
    let status = response.status();
    let shown = http::redact(response.url());
    Ok(match status {
        StatusCode::PARTIAL_CONTENT => {
            let range = header(&response, CONTENT_RANGE).and_then(|v| content_range(&v));
            let fresh = validator_of(&response);
            let changed =
                matches!((&resume.validator, &fresh), (Some(old), Some(new)) if old != new);
            match range {
                Some((start, _, object_len)) if start == part.pos && !changed => {
                    if let Some(len) = object_len {
                        if resume.total.is_some_and(|t| t != len) && part.pos > 0 {
                            // Same validator, another length: do not trust the prefix.
                            part.truncate(part_path).await?;
                            resume.forget();
                            return Ok(Next::Again);
                        }
                        resume.total = Some(len);
                    }
                    resume.validator = fresh.or(resume.validator.take());
                    Next::Body(Answer::Continue(response))
                }
                _ => {
                    // Another range than asked, or a changed object: start over, unranged.
                    part.truncate(part_path).await?;
                    resume.forget();
                    Next::Again
                }
            }
        }
        StatusCode::OK => {
            resume.total = header(&response, CONTENT_LENGTH).and_then(|v| v.parse().ok());
            resume.validator = validator_of(&response);
            Next::Body(Answer::Restart(response))
        }
        StatusCode::RANGE_NOT_SATISFIABLE => {
            let len = header(&response, CONTENT_RANGE).and_then(|v| {
                v.trim()
                    .strip_prefix("bytes */")
                    .and_then(|n| n.trim().parse::<u64>().ok())
            });
            if len == Some(part.pos) && resume.total.is_none_or(|t| t == part.pos) {
                resume.total = len;
                Next::Body(Answer::Complete)
            } else {
                part.truncate(part_path).await?;
                resume.forget();
                Next::Retry(DownloadError::Remote(RemoteError::Http {
                    status: 416,
                    url: shown,
                }))
            }
        }
        // Expired or bad signatures: S3/CloudFront 403, Supabase Storage and GCS 400.
        StatusCode::BAD_REQUEST
        | StatusCode::UNAUTHORIZED
        | StatusCode::FORBIDDEN
        | StatusCode::GONE => Next::Refused(status.as_u16()),
        status
            if status.is_server_error()
                || status == StatusCode::REQUEST_TIMEOUT
                || status == StatusCode::TOO_MANY_REQUESTS =>
        {
            Next::Retry(DownloadError::Remote(RemoteError::Http {
                status: status.as_u16(),
                url: shown,
            }))
        }
        status => {
            return Err(DownloadError::Remote(RemoteError::Http {
                status: status.as_u16(),
                url: shown,
            }));
        }
    })
}

fn save_progress(job: &Job<'_>, pos: u64, resume: &Resume) -> Result<(), DownloadError> {
    Ok(job.library.set_download_progress(
        &job.record.call_id,
        job.record.index,
        pos,
        resume.total,
        resume.validator.as_deref(),
    )?)
}

/// Writes the body into the `.part` as it arrives, bounded by the object's announced length
/// and by [`DownloadOptions::max_bytes`]; the progress is saved once a second.
async fn receive(
    job: &Job<'_>,
    mut response: reqwest::Response,
    part: &mut Part,
    part_path: &Path,
    resume: &Resume,
    received: &mut Received,
) -> Result<BodyEnd, DownloadError> {
    let options = job.options;
    let shown = http::redact(response.url());
    let mut last_saved = Instant::now();
    loop {
        let waiting = Instant::now();
        let chunk = tokio::select! {
            chunk = tokio::time::timeout(options.idle_timeout, response.chunk()) => chunk,
            _ = job.control.notify.notified() => return Ok(BodyEnd::Interrupted),
        };
        received.receive += waiting.elapsed();
        let reason = match chunk {
            Ok(Ok(Some(bytes))) => {
                let end = part.pos + bytes.len() as u64;
                if let Some(t) = resume.total
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
                part.write(bytes, part_path).await?;
                received.queue += queued.elapsed();
                received.chunks += 1;
                (job.progress)(part.pos, resume.total);
                if last_saved.elapsed() >= Duration::from_secs(1) {
                    let saving = Instant::now();
                    save_progress(job, part.pos, resume)?;
                    last_saved = Instant::now();
                    received.save += saving.elapsed();
                }
                continue;
            }
            Ok(Ok(None)) => {
                if resume.total.is_none_or(|t| part.pos >= t) {
                    return Ok(BodyEnd::Done);
                }
                "the body ended early".to_owned()
            }
            Ok(Err(error)) => crate::auth::describe_transport_error(&error),
            Err(_) => "the body stalled".to_owned(),
        };
        return Ok(BodyEnd::Retry(DownloadError::Remote(
            RemoteError::Transport { url: shown, reason },
        )));
    }
}

/// Every byte is here: check the length, sniff, save the hash, rename, then record. The
/// fsync comes after, off the critical path ([`make_durable`]): the file is complete and
/// playable now, and a crash before the fsync is caught by hashing it again on restart.
async fn commit(
    job: &Job<'_>,
    part: Part,
    resume: Resume,
    part_path: &Path,
    started: Instant,
    received: Received,
) -> Result<FileRecord, DownloadError> {
    let record = job.record;
    let io = |e: std::io::Error| DownloadError::io(part_path, &e);
    let written = part.pos;
    let receiving = started.elapsed();
    let (file, hasher, mut stages) = part.finish(part_path).await?;
    stages.receive = received.receive;
    stages.queue = received.queue;
    stages.save = received.save;
    stages.chunks = received.chunks;
    tracing::debug!(
        target: "callrec_core::downloads::stages",
        bytes = written,
        received = ?receiving,
        writer_behind = ?started.elapsed() - receiving,
        ?stages,
        "a segment's transfer, stage by stage"
    );
    let mut file = tokio::fs::File::from_std(file);
    let len = file.metadata().await.map_err(io)?.len();
    if len != written || resume.total.is_some_and(|t| t != len) {
        return Err(DownloadError::Length {
            expected: resume.total.unwrap_or(written),
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
    tokio::fs::rename(part_path, &final_path)
        .await
        .map_err(|e| DownloadError::io(&final_path, &e))?;
    let file = FileRecord {
        call_id: record.call_id.clone(),
        index: record.index,
        path: paths::to_stored(&final_rel)?,
        size: len,
        sha256,
        etag: resume.validator.filter(|v| v.starts_with('"')),
        content_type: Some(paths::content_type(ext).to_owned()),
        completed_at: time::OffsetDateTime::now_utc().unix_timestamp(),
    };
    job.library.complete_download(&file, false)?;
    Ok(file)
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
