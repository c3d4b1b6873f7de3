//! One recording's bytes: a sparse file plus the set of byte ranges it holds, filled by one
//! fetcher (block requests over the recording's [`RemoteReader`], never two for one block)
//! and read by any number of [`StreamedMedia`] readers, each with its own read-ahead.
//!
//! psst's and librespot's model (a sparse store and a range set per file, readers that wait
//! for the range they need), with the bytes on disk instead of in memory: a played
//! recording's bytes are already where the cache, a download and offline playback want them.

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::Duration;

use rangemap::RangeSet;

use super::meta::Meta;
use crate::player::RangeSource;
use crate::remote::RemoteReader;

/// 64 KB: 2 s of 16 kHz PCM, ~13 s of 40 kbps MP3; small enough that a seek's first read
/// and symphonia's probe of the file's tail cost little.
pub const BLOCK_LEN: u64 = 64 * 1024;
/// Blocks requested ahead of the one a reader reads, while it reads on.
const READ_AHEAD: u64 = 4;
/// A read waits this long for its block before failing (the reader itself retries drops
/// with backoff well within it).
const READ_TIMEOUT: Duration = Duration::from_secs(60);
/// The range set is saved beside the bytes after this many new blocks (and when the store
/// is complete or closed): a crash costs at most these blocks, fetched again.
const SAVE_EVERY: u32 = 256;

/// Where a store keeps its bytes: a named file in the cache (kept), or an unnamed temporary
/// file (tests, benchmarks, and a cache that could not be opened).
pub(super) enum Backing {
    Cached { meta: PathBuf },
    Temporary,
}

#[derive(Default)]
struct Inner {
    present: RangeSet<u64>,
    /// Blocks on their way.
    pending: HashSet<u64>,
    /// Blocks whose last fetch failed, with why: the next read of one tries again.
    failed: HashMap<u64, String>,
    len: Option<u64>,
    validator: Option<String>,
    unsaved: u32,
}

/// See the module doc.
pub struct ByteStore {
    id: String,
    file: File,
    backing: Backing,
    reader: RemoteReader,
    runtime: tokio::runtime::Handle,
    inner: Mutex<Inner>,
    arrived: Condvar,
    /// Set when the cache let go of this recording (downloaded, or evicted while closed):
    /// nothing is saved for it any more.
    forgotten: AtomicBool,
    fetched_bytes: AtomicU64,
    scan_bytes: AtomicU64,
    requests: AtomicU64,
}

impl std::fmt::Debug for ByteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the URL: it is signed.
        f.debug_struct("ByteStore")
            .field("len", &self.total_len())
            .field("present", &self.present_bytes())
            .finish_non_exhaustive()
    }
}

impl ByteStore {
    pub(super) fn new(
        id: &str,
        file: File,
        backing: Backing,
        meta: Option<Meta>,
        reader: RemoteReader,
        runtime: tokio::runtime::Handle,
    ) -> Self {
        let mut inner = Inner::default();
        if let Some(meta) = meta {
            inner.len = meta.len;
            inner.validator = meta.validator;
            for (start, end) in meta.ranges {
                inner.present.insert(start..end);
            }
        }
        Self {
            id: id.to_owned(),
            file,
            backing,
            reader,
            runtime,
            inner: Mutex::new(inner),
            arrived: Condvar::new(),
            forgotten: AtomicBool::new(false),
            fetched_bytes: AtomicU64::new(0),
            scan_bytes: AtomicU64::new(0),
            requests: AtomicU64::new(0),
        }
    }

    /// A store of its own in an unnamed temporary file, kept by nobody once dropped.
    pub fn temporary(
        reader: RemoteReader,
        runtime: tokio::runtime::Handle,
    ) -> io::Result<Arc<Self>> {
        let file = tempfile::tempfile()?;
        Ok(Arc::new(Self::new(
            "",
            file,
            Backing::Temporary,
            None,
            reader,
            runtime,
        )))
    }

    /// A new reader of this store, with its own read-ahead.
    pub fn reader(self: &Arc<Self>) -> StreamedMedia {
        StreamedMedia {
            store: Arc::clone(self),
            last_block: AtomicU64::new(u64::MAX),
            last_scan_block: AtomicU64::new(u64::MAX),
        }
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    /// The recording's length, once known (from a response, or the saved range set).
    pub fn total_len(&self) -> Option<u64> {
        self.lock().len.or_else(|| self.reader.total_len())
    }

    /// Bytes held.
    pub fn present_bytes(&self) -> u64 {
        self.lock().present.iter().map(|r| r.end - r.start).sum()
    }

    /// Every byte is here.
    pub fn is_complete(&self) -> bool {
        let inner = self.lock();
        is_complete(&inner)
    }

    /// Bytes received from storage by this store (for the benchmark and tests).
    pub fn fetched_bytes(&self) -> u64 {
        self.fetched_bytes.load(Ordering::Relaxed)
    }

    /// Of those, the bytes fetched for a pass over the whole file (the MP3 frame scan).
    pub fn scan_bytes(&self) -> u64 {
        self.scan_bytes.load(Ordering::Relaxed)
    }

    /// Block requests made so far.
    pub fn requests(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    pub(super) fn forget(&self) {
        self.forgotten.store(true, Ordering::SeqCst);
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Starts fetching block `index` unless it is here or on its way.
    fn request(self: &Arc<Self>, inner: &mut Inner, index: u64, scan: bool) {
        let start = index * BLOCK_LEN;
        let end = inner
            .len
            .map_or(start + BLOCK_LEN, |len| (start + BLOCK_LEN).min(len));
        if start >= end && inner.len.is_some()
            || covers(&inner.present, start, end)
            || inner.pending.contains(&index)
        {
            return;
        }
        inner.failed.remove(&index);
        inner.pending.insert(index);
        self.requests.fetch_add(1, Ordering::Relaxed);
        let store = Arc::clone(self);
        self.runtime.spawn(async move {
            let result = store.reader.read_range(start, BLOCK_LEN).await;
            store.arrive(index, start, scan, result);
        });
    }

    fn arrive(
        &self,
        index: u64,
        start: u64,
        scan: bool,
        result: Result<bytes::Bytes, crate::remote::RemoteError>,
    ) {
        let mut inner = self.lock();
        inner.pending.remove(&index);
        match result.map_err(|e| e.to_string()).and_then(|bytes| {
            write_at(&self.file, &bytes, start)
                .map_err(|e| format!("the recording's cache: {e}"))?;
            Ok(bytes.len() as u64)
        }) {
            Ok(n) => {
                self.fetched_bytes.fetch_add(n, Ordering::Relaxed);
                if scan {
                    self.scan_bytes.fetch_add(n, Ordering::Relaxed);
                }
                // Another object under the same identity (re-encoded, replaced): what was
                // kept of the old one must not be mixed in.
                let validator = self.reader.validator();
                let len = self.reader.total_len();
                let changed = matches!((&inner.validator, &validator), (Some(a), Some(b)) if a != b)
                    || matches!((inner.len, len), (Some(a), Some(b)) if a != b);
                if changed {
                    inner.present = RangeSet::new();
                }
                if validator.is_some() {
                    inner.validator = validator;
                }
                if len.is_some() {
                    inner.len = len;
                }
                if n > 0 {
                    inner.present.insert(start..start + n);
                }
                inner.unsaved += 1;
                if inner.unsaved >= SAVE_EVERY || is_complete(&inner) {
                    self.save(&mut inner);
                }
            }
            Err(message) => {
                inner.failed.insert(index, message);
            }
        }
        drop(inner);
        self.arrived.notify_all();
    }

    fn save(&self, inner: &mut Inner) {
        inner.unsaved = 0;
        let Backing::Cached { meta, .. } = &self.backing else {
            return;
        };
        if self.forgotten.load(Ordering::SeqCst) {
            return;
        }
        let saved = Meta {
            id: self.id.clone(),
            len: inner.len,
            validator: inner.validator.clone(),
            ranges: inner.present.iter().map(|r| (r.start, r.end)).collect(),
        };
        if let Err(error) = saved.save(meta) {
            // The bytes are still good for this session; the next one fetches them again.
            tracing::warn!("could not save a recording's cache index: {error}");
        }
    }

    /// Reads what is here at `offset` (up to `buf.len()`), fetching and waiting for the
    /// block it lies in when missing.
    fn read(
        self: &Arc<Self>,
        cursor: &AtomicU64,
        scan: bool,
        offset: u64,
        buf: &mut [u8],
    ) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        let index = offset / BLOCK_LEN;
        let mut inner = self.lock();
        if inner.len.is_none() {
            inner.len = self.reader.total_len();
        }
        if inner.len.is_some_and(|len| offset >= len) {
            return Ok(0);
        }
        // Read ahead only while this reader reads on from its last block (playing, a scan):
        // a probe of the tail, a seek's first read or a length estimate fetch just their
        // block. And only once the length is known (past a short file's end would earn 416s).
        let previous = cursor.swap(index, Ordering::Relaxed);
        let sequential = previous == index || previous.wrapping_add(1) == index;
        if let Some(len) = inner.len.filter(|_| sequential) {
            let last = (len - 1) / BLOCK_LEN;
            for ahead in index + 1..=(index + READ_AHEAD).min(last) {
                self.request(&mut inner, ahead, scan);
            }
        }
        loop {
            if let Some(run) = inner.present.get(&offset) {
                let n = usize::try_from(run.end - offset)
                    .unwrap_or(usize::MAX)
                    .min(buf.len());
                drop(inner);
                return read_at(&self.file, &mut buf[..n], offset);
            }
            if let Some(message) = inner.failed.remove(&index) {
                return Err(io::Error::other(message));
            }
            // Past the end of a recording whose length no answer gave.
            if inner.len.is_some_and(|len| offset >= len) {
                return Ok(0);
            }
            if !inner.pending.contains(&index) {
                self.request(&mut inner, index, scan);
                if !inner.pending.contains(&index) {
                    // The block's bytes are here but not at `offset`: the object ends before.
                    return Ok(0);
                }
            }
            let (guard, timeout) = self
                .arrived
                .wait_timeout(inner, READ_TIMEOUT)
                .unwrap_or_else(|e| e.into_inner());
            inner = guard;
            if timeout.timed_out() && !inner.present.contains(&offset) {
                return Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    "the recording stopped arriving",
                ));
            }
        }
    }
}

impl Drop for ByteStore {
    fn drop(&mut self) {
        let mut inner = std::mem::take(&mut *self.lock());
        if inner.unsaved > 0 {
            self.save(&mut inner);
        }
    }
}

fn is_complete(inner: &Inner) -> bool {
    inner
        .len
        .is_some_and(|len| len == 0 || covers(&inner.present, 0, len))
}

fn covers(present: &RangeSet<u64>, start: u64, end: u64) -> bool {
    start >= end || present.get(&start).is_some_and(|run| run.end >= end)
}

#[cfg(unix)]
fn read_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<usize> {
    use std::os::unix::fs::FileExt;
    file.read_exact_at(buf, offset)?;
    Ok(buf.len())
}

#[cfg(unix)]
fn write_at(file: &File, buf: &[u8], offset: u64) -> io::Result<()> {
    use std::os::unix::fs::FileExt;
    file.write_all_at(buf, offset)
}

#[cfg(windows)]
fn read_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<usize> {
    use std::os::windows::fs::FileExt;
    let mut done = 0;
    while done < buf.len() {
        match file.seek_read(&mut buf[done..], offset + done as u64)? {
            0 => return Err(io::ErrorKind::UnexpectedEof.into()),
            n => done += n,
        }
    }
    Ok(done)
}

#[cfg(windows)]
fn write_at(file: &File, buf: &[u8], offset: u64) -> io::Result<()> {
    use std::os::windows::fs::FileExt;
    let mut done = 0;
    while done < buf.len() {
        done += file.seek_write(&buf[done..], offset + done as u64)?;
    }
    Ok(())
}

/// A reader of a [`ByteStore`]: what the decoder, the waveform and the MP3 frame scan read a
/// remote recording through. Use it from a thread of its own, not from an async task (a read
/// may wait for the network).
pub struct StreamedMedia {
    store: Arc<ByteStore>,
    /// The block of this reader's last read, to tell playing (sequential) from probing and
    /// seeking; the frame scan's reads keep their own.
    last_block: AtomicU64,
    last_scan_block: AtomicU64,
}

impl std::fmt::Debug for StreamedMedia {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StreamedMedia")
            .field("store", &self.store)
            .finish()
    }
}

impl StreamedMedia {
    /// A reader over a store of its own, in a temporary file (tests and benchmarks; the app
    /// reads through [`super::RecordingCache::store`]).
    pub fn new(reader: RemoteReader, runtime: tokio::runtime::Handle) -> io::Result<Self> {
        Ok(ByteStore::temporary(reader, runtime)?.reader())
    }

    pub fn store(&self) -> &Arc<ByteStore> {
        &self.store
    }

    /// Bytes the store received so far.
    pub fn fetched_bytes(&self) -> u64 {
        self.store.fetched_bytes()
    }

    /// Of those, the bytes fetched for the MP3 frame scan.
    pub fn uncached_bytes(&self) -> u64 {
        self.store.scan_bytes()
    }

    /// Block requests made so far.
    pub fn requests(&self) -> u64 {
        self.store.requests()
    }
}

impl RangeSource for StreamedMedia {
    fn total_len(&self) -> Option<u64> {
        self.store.total_len()
    }

    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<usize> {
        self.store.read(&self.last_block, false, offset, buf)
    }

    fn read_uncached(&self, offset: u64, buf: &mut [u8]) -> io::Result<usize> {
        let mut done = 0;
        // The scan asks for large buffers: filled block by block, all from the store.
        while done < buf.len() {
            let n = self.store.read(
                &self.last_scan_block,
                true,
                offset + done as u64,
                &mut buf[done..],
            )?;
            if n == 0 {
                break;
            }
            done += n;
        }
        Ok(done)
    }
}
