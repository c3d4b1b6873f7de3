//! One byte store per recording ([`ByteStore`]), kept in a bounded cache of played
//! recordings ([`RecordingCache`]).
//!
//! A store is keyed by the recording's identity (`recordings::identity::key`: endpoint,
//! label, storage object — never a URL's query string nor a place in a list), so every reader
//! of one recording in this process shares one store and one fetcher: the decoder, the
//! waveform's pass and the MP3 frame scan each fetch nothing another already did, a download
//! starts from what playback fetched, and a recording played to its end plays again with the
//! network gone.
//!
//! On disk, `<data dir>/cache/recordings/<key>.bin` (sparse, the bytes at their offsets) and
//! `<key>.json` (the range set, see [`meta`]). Least recently opened first, closed stores are
//! evicted beyond the limit (Settings); a downloaded recording is moved out of the cache into
//! the library, so the cache never holds what the reviewer chose to keep.

mod meta;
mod store;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};

use sha2::{Digest, Sha256};

pub use store::{BLOCK_LEN, ByteStore, StreamedMedia};

use crate::remote::RemoteReader;
use meta::Meta;
use store::Backing;

/// The cache's size when the reviewer has not chosen one.
pub const DEFAULT_CACHE_BYTES: u64 = 2 * 1024 * 1024 * 1024;
/// The smallest limit Settings accepts: room for one long call.
pub const MIN_CACHE_BYTES: u64 = 64 * 1024 * 1024;

/// A cached recording complete on disk: what offline playback and a download start from.
#[derive(Debug, Clone, PartialEq)]
pub struct CachedFile {
    pub path: PathBuf,
    pub len: u64,
    pub validator: Option<String>,
}

/// See the module doc. Cheap to share behind an `Arc`; one per data dir.
#[derive(Debug)]
pub struct RecordingCache {
    dir: PathBuf,
    limit: AtomicU64,
    open: Mutex<HashMap<String, Weak<ByteStore>>>,
}

impl RecordingCache {
    pub fn in_data_dir(data_dir: &Path, limit: u64) -> Self {
        Self::new(data_dir.join("cache").join("recordings"), limit)
    }

    pub fn new(dir: PathBuf, limit: u64) -> Self {
        Self {
            dir,
            limit: AtomicU64::new(limit.max(MIN_CACHE_BYTES)),
            open: Mutex::default(),
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn limit(&self) -> u64 {
        self.limit.load(Ordering::Relaxed)
    }

    /// Sets the limit (at least [`MIN_CACHE_BYTES`]) and evicts down to it.
    pub fn set_limit(&self, bytes: u64) {
        self.limit
            .store(bytes.max(MIN_CACHE_BYTES), Ordering::Relaxed);
        self.trim();
    }

    fn paths(&self, id: &str) -> (PathBuf, PathBuf) {
        let key = key(id);
        (
            self.dir.join(format!("{key}.bin")),
            self.dir.join(format!("{key}.json")),
        )
    }

    fn registry(&self) -> std::sync::MutexGuard<'_, HashMap<String, Weak<ByteStore>>> {
        self.open.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The store of recording `id`: the one already open in this process, or the cached
    /// bytes of an earlier session, or a new one. `reader` fetches what is missing. A cache
    /// that cannot be written plays on from a temporary store (logged, not fatal).
    pub fn store(
        &self,
        id: &str,
        reader: RemoteReader,
        runtime: tokio::runtime::Handle,
    ) -> std::io::Result<Arc<ByteStore>> {
        let mut open = self.registry();
        if let Some(store) = open.get(id).and_then(Weak::upgrade) {
            return Ok(store);
        }
        let store = match self.open_cached(id, reader.clone(), runtime.clone()) {
            Ok(store) => Arc::new(store),
            Err(error) => {
                tracing::warn!("the recordings cache is not writable, streaming only: {error}");
                ByteStore::temporary(reader, runtime)?
            }
        };
        open.retain(|_, weak| weak.strong_count() > 0);
        open.insert(id.to_owned(), Arc::downgrade(&store));
        drop(open);
        self.trim();
        Ok(store)
    }

    fn open_cached(
        &self,
        id: &str,
        reader: RemoteReader,
        runtime: tokio::runtime::Handle,
    ) -> std::io::Result<ByteStore> {
        crate::files::create_dir_all(&self.dir)?;
        let (bin, meta) = self.paths(id);
        let file = crate::files::options()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&bin)?;
        let saved = Meta::load(&meta, id, file.metadata()?.len());
        if saved.is_none() {
            // Bytes without an index we trust are bytes we cannot tell apart from holes.
            file.set_len(0)?;
        }
        // Opened now: the last to be evicted.
        let _ = file.set_modified(std::time::SystemTime::now());
        Ok(ByteStore::new(
            id,
            file,
            Backing::Cached { meta },
            saved,
            reader,
            runtime,
        ))
    }

    /// Recording `id` complete in the cache (every byte of its saved length present).
    pub fn complete(&self, id: &str) -> Option<CachedFile> {
        if let Some(store) = self.registry().get(id).and_then(Weak::upgrade)
            && !store.is_complete()
        {
            return None;
        }
        let (bin, meta) = self.paths(id);
        let bin_len = std::fs::metadata(&bin).ok()?.len();
        let saved = Meta::load(&meta, id, bin_len)?;
        let len = saved.len?;
        (saved.ranges == [(0, len)] || len == 0).then(|| CachedFile {
            path: bin,
            len,
            validator: saved.validator,
        })
    }

    /// The bytes of `id` from its start that the cache holds, when any: `(path, bytes, len,
    /// validator)` for a download to begin from.
    pub fn prefix(&self, id: &str) -> Option<(PathBuf, u64, Option<u64>, Option<String>)> {
        let (bin, meta) = self.paths(id);
        let bin_len = std::fs::metadata(&bin).ok()?.len();
        let saved = Meta::load(&meta, id, bin_len)?;
        let (0, end) = *saved.ranges.first()? else {
            return None;
        };
        Some((bin, end, saved.len, saved.validator))
    }

    /// Lets go of recording `id` (it was downloaded: the library keeps it now). An open store
    /// goes on reading its file, which is gone from the directory.
    pub fn forget(&self, id: &str) {
        if let Some(store) = self.registry().get(id).and_then(Weak::upgrade) {
            store.forget();
        }
        let (bin, meta) = self.paths(id);
        let _ = std::fs::remove_file(meta);
        let _ = std::fs::remove_file(bin);
    }

    /// Bytes held by the cache on disk (each store's present ranges, as last saved).
    pub fn usage(&self) -> u64 {
        self.entries().iter().map(|e| e.present).sum()
    }

    fn entries(&self) -> Vec<Entry> {
        let Ok(read) = std::fs::read_dir(&self.dir) else {
            return Vec::new();
        };
        read.filter_map(Result::ok)
            .filter_map(|entry| {
                let path = entry.path();
                if path.extension()? != "bin" {
                    return None;
                }
                let meta_path = path.with_extension("json");
                let file = std::fs::metadata(&path).ok()?;
                let used = std::fs::read(&meta_path)
                    .ok()
                    .and_then(|bytes| serde_json::from_slice::<Meta>(&bytes).ok());
                Some(Entry {
                    id: used.as_ref().map(|m| m.id.clone()),
                    present: used.map_or(file.len(), |m| m.present()),
                    used: file.modified().ok(),
                    bin: path,
                    meta: meta_path,
                })
            })
            .collect()
    }

    /// Evicts closed stores, least recently opened first, until the cache is within its
    /// limit. Returns the bytes freed.
    pub fn trim(&self) -> u64 {
        let limit = self.limit();
        let mut entries = self.entries();
        let mut total: u64 = entries.iter().map(|e| e.present).sum();
        if total <= limit {
            return 0;
        }
        entries.sort_by_key(|e| e.used);
        let open = self.registry();
        let mut freed = 0;
        for entry in entries {
            if total <= limit {
                break;
            }
            let in_use = entry
                .id
                .as_ref()
                .and_then(|id| open.get(id))
                .is_some_and(|weak| weak.strong_count() > 0);
            if in_use {
                continue;
            }
            let _ = std::fs::remove_file(&entry.meta);
            if std::fs::remove_file(&entry.bin).is_ok() {
                total = total.saturating_sub(entry.present);
                freed += entry.present;
            }
        }
        freed
    }
}

struct Entry {
    id: Option<String>,
    present: u64,
    used: Option<std::time::SystemTime>,
    bin: PathBuf,
    meta: PathBuf,
}

/// A file name for identity `id`: no part of a URL or label reaches a path.
fn key(id: &str) -> String {
    let digest = Sha256::digest(id.as_bytes());
    digest[..16].iter().map(|b| format!("{b:02x}")).collect()
}
