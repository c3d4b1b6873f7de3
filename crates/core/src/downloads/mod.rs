//! Downloads that survive anything: a persistent queue of segment downloads in the library,
//! run with bounded concurrency, each resumable and verified.
//!
//! * **Queue**: one `downloads` row per (call id, segment index), states queued → running →
//!   done / failed / paused. A restart turns `running` back into `queued` ([`Downloads::new`]
//!   runs [`Downloads::recover`]), so work resumes where the `.part` files left it.
//! * **Files**: `<data dir>/recordings/<call id>/<index>.part` while in flight, then renamed to
//!   `<index>.<ext>` (extension sniffed from the bytes); only then is the `files` row written
//!   (with size and SHA-256), and the item is done. The fsync follows off the critical path
//!   and marks the row durable; a row not durable at a restart is hashed again before it is
//!   trusted. Names come from validated ids only ([`paths`]).
//! * **Resume**: `Range: bytes=N-` with `If-Range` (the ETag, else Last-Modified, persisted with
//!   the row); a 200 restarts the file cleanly; the SHA-256 covers the prefix read back from disk.
//! * **URLs**: through a [`SegmentSource`]'s leases, which re-resolve expired or refused URLs;
//!   5xx and dropped connections back off and continue from the byte reached.
//! * **Progress**: [`Downloads::subscribe`] gives a `watch` of [`Progress`] (per item and in
//!   total: bytes, rate, ETA), ready to forward over a Tauri channel.

mod bulk;
mod error;
mod files;
mod part;
pub mod paths;
mod recover;
pub mod source;
mod transfer;

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use tokio::sync::{Notify, watch};
use ts_rs::TS;

pub use bulk::{BulkQueued, DEFAULT_BULK_CALLS, MAX_BULK_CALLS, count_matching, matching_calls};
pub use error::DownloadError;
pub use files::{LibraryUsage, export_call, local_file, remove_call, usage};
pub use source::{FixedSource, RecordingsSource, SegmentSource, SourceSegment};

use crate::ErrorCode;
use crate::library::{DownloadRecord, DownloadState, FileRecord, Library, SegmentRecord};

/// How the queue runs.
#[derive(Debug, Clone)]
pub struct DownloadOptions {
    /// Downloads at once (at least 1).
    pub concurrency: usize,
    /// Free space to leave on the data dir's filesystem beyond the download itself.
    pub reserve_bytes: u64,
    /// Retries of a dropped connection, timeout or 5xx without progress in between.
    pub max_retries: usize,
    /// Refusals (401/403/410/400) in a row, each followed by a re-resolve, before giving up.
    pub max_refusals: usize,
    pub min_delay: Duration,
    pub max_delay: Duration,
    /// A request or body silent for this long is treated as dropped.
    pub idle_timeout: Duration,
    /// Progress is published at most this often per item.
    pub progress_interval: Duration,
    /// The most bytes one recording may be: a larger announced length, or a body that goes on
    /// past it (with no length, or a server that never ends it), stops the download.
    pub max_bytes: u64,
}

/// 12 hours (the player's limit) of 48 kHz stereo 16-bit PCM, the largest form a call recording
/// is stored in.
pub const MAX_RECORDING_BYTES: u64 = 12 * 3600 * 48_000 * 2 * 2;

impl Default for DownloadOptions {
    fn default() -> Self {
        Self {
            concurrency: 4,
            reserve_bytes: 16 * 1024 * 1024,
            max_retries: 8,
            max_refusals: 3,
            min_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(30),
            progress_interval: Duration::from_millis(100),
            max_bytes: MAX_RECORDING_BYTES,
        }
    }
}

/// One item's progress.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ItemProgress {
    pub call_id: String,
    /// The recording's handle within its call (names the queue row for controls).
    pub index: u32,
    /// The recording's identity: what the call's `Recording` names it by.
    pub recording_id: String,
    pub label: String,
    pub state: DownloadState,
    #[ts(type = "number")]
    pub bytes: u64,
    #[ts(type = "number | null")]
    pub total: Option<u64>,
    /// Bytes per second (smoothed); 0 when not running.
    pub rate: f64,
    pub eta_seconds: Option<f64>,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
}

/// The whole queue's progress: every item and the sums over the unfinished ones.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Progress {
    pub items: Vec<ItemProgress>,
    #[ts(type = "number")]
    pub bytes: u64,
    /// `None` while some item's length is unknown.
    #[ts(type = "number | null")]
    pub total: Option<u64>,
    pub rate: f64,
    pub eta_seconds: Option<f64>,
}

/// What the reviewer asks of one queued item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum DownloadAction {
    Pause,
    Resume,
    Cancel,
    Retry,
}

/// What one [`Downloads::run_until_idle`] did.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct RunSummary {
    pub done: Vec<FileRecord>,
    pub failed: Vec<ItemProgress>,
    pub paused: u32,
    pub cancelled: u32,
}

/// What [`Downloads::recover`] found after a restart.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Recovery {
    pub requeued: usize,
    /// Final files renamed just before a crash, found with the SHA-256 saved before their
    /// rename, and recorded.
    pub adopted: usize,
    /// Files recorded but not yet made durable when the process stopped, hashed again and
    /// found intact.
    pub verified: usize,
    /// Such files that no longer matched their SHA-256 (a crash of the machine before the
    /// fsync): deleted and queued to download again.
    pub damaged: usize,
    /// Orphaned `.part` or final files deleted, and rows whose file was gone.
    pub removed: usize,
}

/// A running item's pause/cancel switch.
pub(crate) struct Control {
    state: AtomicU8,
    notify: Notify,
}

impl Control {
    const RUN: u8 = 0;
    const PAUSE: u8 = 1;
    const CANCEL: u8 = 2;

    fn set(&self, state: u8) {
        self.state.store(state, Ordering::SeqCst);
        self.notify.notify_one();
    }
}

type Key = (String, u32);

struct Inner {
    library: Arc<Library>,
    data_dir: PathBuf,
    source: Arc<dyn SegmentSource>,
    http: reqwest::Client,
    options: DownloadOptions,
    progress: watch::Sender<Progress>,
    items: Mutex<BTreeMap<Key, ItemProgress>>,
    controls: Mutex<HashMap<Key, Arc<Control>>>,
    /// Each call's segments (and leases) as resolved in this process.
    resolved: tokio::sync::Mutex<HashMap<String, Vec<SourceSegment>>>,
    wake: Notify,
    /// An exclusive lock on `<data dir>/downloads.lock` for this queue's life: two processes
    /// (the app and the CLI) must never write the same `.part`. The OS drops it when the
    /// process dies, even by SIGKILL.
    _lock: std::fs::File,
}

/// The lock file that makes one process at a time the queue's runner.
pub const LOCK_FILE: &str = "downloads.lock";

/// The download queue. Cheap to clone.
#[derive(Clone)]
pub struct Downloads {
    inner: Arc<Inner>,
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn item_of(record: &DownloadRecord) -> ItemProgress {
    ItemProgress {
        call_id: record.call_id.clone(),
        index: record.index,
        recording_id: record.segment_id.clone(),
        label: record.label.clone(),
        state: record.state,
        bytes: record.bytes,
        total: record.total,
        rate: 0.0,
        eta_seconds: None,
        error_code: record.error_code.clone(),
        error_message: record.error_message.clone(),
    }
}

impl Downloads {
    /// The queue over `library` (files go under `library.dir()`), after [`Downloads::recover`].
    pub fn new(
        library: Arc<Library>,
        source: Arc<dyn SegmentSource>,
        http: reqwest::Client,
        options: DownloadOptions,
    ) -> Result<Self, DownloadError> {
        let data_dir = library.dir().to_owned();
        let lock_path = data_dir.join(LOCK_FILE);
        let lock = crate::files::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(|e| DownloadError::io(&lock_path, &e))?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(DownloadError::Busy {
                    dir: data_dir.display().to_string(),
                });
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(DownloadError::io(&lock_path, &e)),
        }
        let downloads = Self {
            inner: Arc::new(Inner {
                library,
                data_dir,
                source,
                http,
                options: DownloadOptions {
                    concurrency: options.concurrency.max(1),
                    ..options
                },
                progress: watch::Sender::new(Progress::default()),
                items: Mutex::new(BTreeMap::new()),
                controls: Mutex::new(HashMap::new()),
                resolved: tokio::sync::Mutex::new(HashMap::new()),
                wake: Notify::new(),
                _lock: lock,
            }),
        };
        let recovery = downloads.recover()?;
        if recovery != Recovery::default() {
            tracing::info!(?recovery, "the download queue recovered from the last run");
        }
        downloads.reload()?;
        Ok(downloads)
    }

    /// The queue for `session`'s project: segments from both recording endpoints with the
    /// profile's endpoint settings (B's API key, if any, from `store`).
    pub fn for_session(
        library: Arc<Library>,
        session: &crate::session::SessionManager,
        http: reqwest::Client,
        store: &dyn crate::session::TokenStore,
        options: DownloadOptions,
    ) -> Result<Self, DownloadError> {
        let recordings = crate::recordings::Recordings::for_session(session, &http, store)
            .map_err(|e| DownloadError::resolve(&e))?;
        Self::new(
            library,
            Arc::new(RecordingsSource::new(recordings)),
            http,
            options,
        )
    }

    pub fn library(&self) -> &Library {
        &self.inner.library
    }

    /// Progress of every item, updated as bytes arrive.
    pub fn subscribe(&self) -> watch::Receiver<Progress> {
        self.inner.progress.subscribe()
    }

    /// The queue as stored.
    pub fn list(&self) -> Result<Vec<DownloadRecord>, DownloadError> {
        Ok(self.inner.library.downloads()?)
    }

    fn reload(&self) -> Result<(), DownloadError> {
        let records = self.inner.library.downloads()?;
        let mut items = lock(&self.inner.items);
        items.clear();
        for record in &records {
            items.insert((record.call_id.clone(), record.index), item_of(record));
        }
        drop(items);
        self.publish();
        Ok(())
    }

    fn publish(&self) {
        let items: Vec<ItemProgress> = lock(&self.inner.items).values().cloned().collect();
        let open: Vec<&ItemProgress> = items
            .iter()
            .filter(|i| i.state != DownloadState::Done)
            .collect();
        let bytes = open.iter().map(|i| i.bytes).sum::<u64>();
        let total = open
            .iter()
            .map(|i| i.total)
            .try_fold(0u64, |sum, t| t.map(|t| sum + t));
        let rate: f64 = open.iter().map(|i| i.rate).sum();
        let eta_seconds = total
            .filter(|_| rate > 0.0)
            .map(|t| t.saturating_sub(bytes) as f64 / rate);
        self.inner.progress.send_replace(Progress {
            items,
            bytes,
            total,
            rate,
            eta_seconds,
        });
    }

    fn set_item(&self, record: &DownloadRecord) {
        lock(&self.inner.items).insert((record.call_id.clone(), record.index), item_of(record));
        self.publish();
    }

    /// The call's segments, resolved once per process (leases renew themselves); `fresh`
    /// resolves again.
    async fn segments(
        &self,
        call_id: &str,
        fresh: bool,
    ) -> Result<Vec<SourceSegment>, DownloadError> {
        let mut cache = self.inner.resolved.lock().await;
        if !fresh && let Some(segments) = cache.get(call_id) {
            return Ok(segments.clone());
        }
        let segments = self.inner.source.segments(call_id).await?;
        if segments.is_empty() {
            return Err(DownloadError::NoRecording {
                call_id: call_id.to_owned(),
            });
        }
        let records: Vec<_> = segments.iter().map(|s| s.record.clone()).collect();
        // Each recording gets (or keeps) its index for this call from the library.
        let recorded = self.inner.library.record_segments(call_id, &records)?;
        let segments: Vec<SourceSegment> = segments
            .into_iter()
            .zip(recorded)
            .map(|(segment, record)| SourceSegment { record, ..segment })
            .collect();
        cache.insert(call_id.to_owned(), segments.clone());
        Ok(segments)
    }

    fn has_verified_file(&self, call_id: &str, index: u32) -> Result<bool, DownloadError> {
        Ok(self.inner.library.file(call_id, index)?.is_some_and(|f| {
            std::fs::metadata(self.inner.data_dir.join(&f.path)).is_ok_and(|m| m.len() == f.size)
        }))
    }

    /// Queues, for each leg of `call_id` without a verified file of any of its copies, its
    /// preferred copy (resolving the call now): two copies of one conversation are not both
    /// kept. Returns the call's queue rows.
    pub async fn enqueue_call(&self, call_id: &str) -> Result<Vec<DownloadRecord>, DownloadError> {
        paths::check_call_id(call_id)?;
        let segments = self.segments(call_id, true).await?;
        let mut rows = Vec::new();
        let mut legs = std::collections::HashSet::new();
        for segment in &segments {
            // One copy per leg: the first listed (the best), unless a copy of it is here.
            let leg = segment.record.leg;
            if leg.is_some_and(|leg| !legs.insert(leg)) {
                continue;
            }
            let mut here = false;
            for copy in segments.iter().filter(|s| match leg {
                Some(_) => s.record.leg == leg,
                None => s.record.index == segment.record.index,
            }) {
                if self.has_verified_file(call_id, copy.record.index)? {
                    here = true;
                    break;
                }
            }
            if here {
                continue;
            }
            let record = self.inner.library.queue_download(&segment.record)?;
            self.set_item(&record);
            rows.push(record);
        }
        self.inner.wake.notify_one();
        Ok(rows)
    }

    /// Queues one recording of `call_id` (its id, as [`crate::recordings::SegmentView::id`]
    /// says); one already downloaded and verified is left as it is (its row, done, is
    /// returned).
    pub async fn enqueue_recording(
        &self,
        call_id: &str,
        recording: &str,
    ) -> Result<DownloadRecord, DownloadError> {
        paths::check_call_id(call_id)?;
        let segments = self.segments(call_id, true).await?;
        let segment = segments
            .iter()
            .find(|s| s.record.segment_id == recording)
            .ok_or_else(|| DownloadError::NoSegment {
                call_id: call_id.to_owned(),
                recording: recording.chars().take(80).collect(),
            })?;
        let index = segment.record.index;
        if self.has_verified_file(call_id, index)?
            && let Some(done) = self
                .inner
                .library
                .download(call_id, index)?
                .filter(|d| d.state == DownloadState::Done)
        {
            return Ok(done);
        }
        let record = self.inner.library.queue_download(&segment.record)?;
        self.set_item(&record);
        self.inner.wake.notify_one();
        Ok(record)
    }

    /// The recordings of `call_id`, leg by leg and best copy first (resolving the call now).
    pub async fn recordings(&self, call_id: &str) -> Result<Vec<SegmentRecord>, DownloadError> {
        paths::check_call_id(call_id)?;
        let segments = self.segments(call_id, true).await?;
        Ok(segments.into_iter().map(|s| s.record).collect())
    }

    fn queued(&self, call_id: &str, index: u32) -> Result<DownloadRecord, DownloadError> {
        self.inner
            .library
            .download(call_id, index)?
            .ok_or_else(|| DownloadError::NotQueued {
                call_id: call_id.to_owned(),
                index,
            })
    }

    fn control(&self, call_id: &str, index: u32) -> Option<Arc<Control>> {
        lock(&self.inner.controls)
            .get(&(call_id.to_owned(), index))
            .cloned()
    }

    /// Applies a reviewer's `action` to one item.
    pub fn apply(
        &self,
        call_id: &str,
        index: u32,
        action: DownloadAction,
    ) -> Result<(), DownloadError> {
        match action {
            DownloadAction::Pause => self.pause(call_id, index),
            DownloadAction::Resume => self.resume(call_id, index),
            DownloadAction::Cancel => self.cancel(call_id, index),
            DownloadAction::Retry => self.retry(call_id, index),
        }
    }

    /// Pauses an item: a running one stops after its current chunk (the `.part` is kept).
    pub fn pause(&self, call_id: &str, index: u32) -> Result<(), DownloadError> {
        let record = self.queued(call_id, index)?;
        if let Some(control) = self.control(call_id, index) {
            control.set(Control::PAUSE);
        } else if record.state == DownloadState::Queued {
            self.set_state(&record, DownloadState::Paused, None)?;
        }
        Ok(())
    }

    /// Queues a paused item again.
    pub fn resume(&self, call_id: &str, index: u32) -> Result<(), DownloadError> {
        let record = self.queued(call_id, index)?;
        if record.state == DownloadState::Paused {
            self.set_state(&record, DownloadState::Queued, None)?;
            self.inner.wake.notify_one();
        }
        Ok(())
    }

    /// Queues a failed item again.
    pub fn retry(&self, call_id: &str, index: u32) -> Result<(), DownloadError> {
        let record = self.queued(call_id, index)?;
        if record.state == DownloadState::Failed {
            self.set_state(&record, DownloadState::Queued, None)?;
            self.inner.wake.notify_one();
        }
        Ok(())
    }

    /// Cancels an item: removes its `.part` and its queue row (a finished file stays).
    pub fn cancel(&self, call_id: &str, index: u32) -> Result<(), DownloadError> {
        let record = self.queued(call_id, index)?;
        if let Some(control) = self.control(call_id, index) {
            control.set(Control::CANCEL);
            return Ok(());
        }
        if record.state != DownloadState::Done {
            self.discard(call_id, index)?;
        }
        Ok(())
    }

    fn discard(&self, call_id: &str, index: u32) -> Result<(), DownloadError> {
        paths::remove_part(&self.inner.data_dir, call_id, index)?;
        self.inner.library.remove_download(call_id, index)?;
        lock(&self.inner.items).remove(&(call_id.to_owned(), index));
        self.publish();
        Ok(())
    }

    fn set_state(
        &self,
        record: &DownloadRecord,
        state: DownloadState,
        error: Option<&DownloadError>,
    ) -> Result<(), DownloadError> {
        let (code, message) = match error {
            Some(e) => (Some(e.code().to_owned()), Some(e.to_string())),
            None => (None, None),
        };
        self.inner.library.set_download_state(
            &record.call_id,
            record.index,
            state,
            code.as_deref().zip(message.as_deref()),
        )?;
        let mut items = lock(&self.inner.items);
        let item = items
            .entry((record.call_id.clone(), record.index))
            .or_insert_with(|| item_of(record));
        item.state = state;
        item.rate = 0.0;
        item.eta_seconds = None;
        item.error_code = code;
        item.error_message = message;
        drop(items);
        self.publish();
        Ok(())
    }

    /// Runs queued items, `concurrency` at a time, until none is queued or running and every
    /// finished file is durable. An item is done (and published so) before its fsync, which
    /// runs beside the next transfers. Items queued meanwhile start as soon as a slot is free.
    pub async fn run_until_idle(&self) -> Result<RunSummary, DownloadError> {
        let mut summary = RunSummary::default();
        let mut running = tokio::task::JoinSet::new();
        let mut syncing = tokio::task::JoinSet::new();
        loop {
            while running.len() < self.inner.options.concurrency {
                let Some(record) = self.inner.library.claim_next_download()? else {
                    break;
                };
                self.set_item(&record);
                let this = self.clone();
                running.spawn(async move {
                    let outcome = this.run_item(&record).await;
                    (record, outcome)
                });
            }
            if running.is_empty() && syncing.is_empty() {
                break;
            }
            // Whatever comes first: a transfer ends, an fsync ends, or something is queued,
            // resumed or retried meanwhile (claimed at once if a slot is free).
            let joined = tokio::select! {
                Some(joined) = running.join_next() => joined,
                Some(_) = syncing.join_next() => continue,
                () = self.inner.wake.notified() => continue,
            };
            let Ok((record, outcome)) = joined else {
                continue; // a panicked task: its row stays `running` and is requeued on restart
            };
            match outcome {
                Ok(transfer::Ended::Done(file)) => {
                    // Kept by the library now: the cache lets go of its copy.
                    self.inner.library.cache().forget(&record.segment_id);
                    let mut done = record.clone();
                    done.state = DownloadState::Done;
                    done.bytes = file.size;
                    done.total = Some(file.size);
                    self.set_item(&done);
                    let library = self.inner.library.clone();
                    let durable = file.clone();
                    syncing.spawn_blocking(move || {
                        if let Err(error) = transfer::make_durable(&library, &durable) {
                            // The row stays not durable: the next start hashes the file again.
                            tracing::warn!(call = %durable.call_id, "fsync failed: {error}");
                        }
                    });
                    summary.done.push(file);
                }
                Ok(transfer::Ended::Paused) => {
                    self.set_state(&record, DownloadState::Paused, None)?;
                    summary.paused += 1;
                }
                Ok(transfer::Ended::Cancelled) => {
                    self.discard(&record.call_id, record.index)?;
                    summary.cancelled += 1;
                }
                Err(error) => {
                    tracing::warn!(
                        call = %record.call_id,
                        index = record.index,
                        code = error.code(),
                        "download failed: {error}"
                    );
                    if error.spoils_the_part() {
                        paths::remove_part(&self.inner.data_dir, &record.call_id, record.index)?;
                    }
                    self.set_state(&record, DownloadState::Failed, Some(&error))?;
                    if let Some(item) = lock(&self.inner.items)
                        .get(&(record.call_id.clone(), record.index))
                        .cloned()
                    {
                        summary.failed.push(item);
                    }
                    // A later attempt resolves the call afresh.
                    self.inner.resolved.lock().await.remove(&record.call_id);
                }
            }
        }
        Ok(summary)
    }

    /// Runs the queue for the life of the process: whenever something is queued, resumed or
    /// retried. For the desktop app; the CLI uses [`Downloads::run_until_idle`].
    pub fn start(&self) -> tokio::task::JoinHandle<()> {
        let this = self.clone();
        tokio::spawn(async move {
            loop {
                if let Err(error) = this.run_until_idle().await {
                    tracing::warn!("the download queue stopped: {error}");
                }
                this.inner.wake.notified().await;
            }
        })
    }

    async fn run_item(&self, record: &DownloadRecord) -> Result<transfer::Ended, DownloadError> {
        let key = (record.call_id.clone(), record.index);
        let control = Arc::new(Control {
            state: AtomicU8::new(Control::RUN),
            notify: Notify::new(),
        });
        lock(&self.inner.controls).insert(key.clone(), control.clone());
        let result = self.transfer_item(record, &control).await;
        lock(&self.inner.controls).remove(&key);
        result
    }

    async fn transfer_item(
        &self,
        record: &DownloadRecord,
        control: &Control,
    ) -> Result<transfer::Ended, DownloadError> {
        paths::check_call_id(&record.call_id)?;
        let segments = self.segments(&record.call_id, false).await?;
        let segment = segments
            .iter()
            .find(|s| s.record.segment_id == record.segment_id)
            // A row queued before identities: its index was kept for the same recording.
            .or_else(|| segments.iter().find(|s| s.record.index == record.index))
            .ok_or_else(|| DownloadError::NoSegment {
                call_id: record.call_id.clone(),
                recording: record.segment_id.clone(),
            })?;
        let key = (record.call_id.clone(), record.index);
        let interval = self.inner.options.progress_interval;
        // (last publish, bytes then, smoothed rate)
        let meter = Mutex::new((Instant::now(), None::<u64>, 0.0f64));
        let progress = |bytes: u64, total: Option<u64>| {
            let mut meter = lock(&meter);
            let elapsed = meter.0.elapsed();
            let first = meter.1.is_none();
            if !first && elapsed < interval {
                return;
            }
            if let Some(before) = meter.1 {
                let instant = bytes.saturating_sub(before) as f64 / elapsed.as_secs_f64();
                meter.2 = if meter.2 == 0.0 {
                    instant
                } else {
                    0.7 * meter.2 + 0.3 * instant
                };
            }
            *meter = (Instant::now(), Some(bytes), meter.2);
            let rate = meter.2;
            drop(meter);
            if let Some(item) = lock(&self.inner.items).get_mut(&key) {
                item.bytes = bytes;
                item.total = total;
                item.state = DownloadState::Running;
                item.rate = rate;
                item.eta_seconds = total
                    .filter(|_| rate > 0.0)
                    .map(|t| t.saturating_sub(bytes) as f64 / rate);
            }
            self.publish();
        };
        transfer::transfer(transfer::Job {
            data_dir: &self.inner.data_dir,
            library: &self.inner.library,
            record,
            lease: segment.lease.clone(),
            http: &self.inner.http,
            options: &self.inner.options,
            control,
            progress: &progress,
        })
        .await
    }

    /// Deletes a call's downloaded files (and any download of it in flight).
    pub fn remove_call(&self, call_id: &str) -> Result<Vec<FileRecord>, DownloadError> {
        remove_call(&self.inner.library, call_id, Some(self))
    }
}
