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

/// The cache's size when the reviewer has not chosen one: 2 GB (decimal units, as the UI
/// shows sizes).
pub const DEFAULT_CACHE_BYTES: u64 = 2_000_000_000;
/// The smallest limit Settings accepts: room for one long call.
pub const MIN_CACHE_BYTES: u64 = 64_000_000;

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
        (saved.ranges == [(0, len)] || len == 0).then_some(CachedFile {
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, SystemTime};

    const SIZE: u64 = 30 * 1024 * 1024;

    /// A recording cached whole (a sparse file and its index), last opened at `at`.
    fn cached(cache: &RecordingCache, id: &str, at: SystemTime) {
        crate::files::create_dir_all(cache.dir()).unwrap();
        let (bin, meta) = cache.paths(id);
        let file = crate::files::options()
            .write(true)
            .create(true)
            .truncate(false)
            .open(&bin)
            .unwrap();
        file.set_len(SIZE).unwrap();
        file.set_modified(at).unwrap();
        Meta {
            id: id.to_owned(),
            len: Some(SIZE),
            validator: Some("\"v1\"".into()),
            ranges: vec![(0, SIZE)],
        }
        .save(&meta)
        .unwrap();
    }

    fn reader() -> RemoteReader {
        let url = url::Url::parse("http://127.0.0.1:9/never-fetched").unwrap();
        RemoteReader::new(
            reqwest::Client::new(),
            Arc::new(crate::remote::FixedUrl(crate::secret::Secret::new(url))),
            crate::remote::ReaderOptions::default(),
        )
    }

    #[test]
    fn the_least_recently_opened_closed_recording_goes_first_and_an_open_one_stays() {
        let dir = tempfile::tempdir().unwrap();
        let cache = RecordingCache::new(dir.path().join("cache"), MIN_CACHE_BYTES);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let old = SystemTime::now() - Duration::from_secs(3600);
        cached(&cache, "a", old);
        let open = cache
            .store("a", reader(), runtime.handle().clone())
            .unwrap();
        assert!(open.is_complete(), "the saved index is read back");
        cached(&cache, "b", old + Duration::from_secs(60));
        cached(&cache, "c", old + Duration::from_secs(120));
        // "a" is the oldest but open: "b" goes; then 60 MB fit in 64.
        std::fs::File::open(cache.paths("a").0)
            .unwrap()
            .set_modified(old)
            .unwrap();
        assert_eq!(cache.trim(), SIZE);
        assert!(cache.complete("a").is_some());
        assert!(cache.complete("b").is_none());
        assert_eq!(
            cache.complete("c").map(|f| (f.len, f.validator)),
            Some((SIZE, Some("\"v1\"".into())))
        );
        assert_eq!(cache.prefix("c").map(|p| p.1), Some(SIZE));
        assert_eq!(cache.usage(), 2 * SIZE);
        // Kept by the library now: the cache lets go, an open store saves nothing more.
        cache.forget("a");
        drop(open);
        assert!(cache.complete("a").is_none());
        assert_eq!(cache.usage(), SIZE);
    }

    #[test]
    fn an_index_that_does_not_match_its_bytes_is_no_cache_and_the_bytes_are_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let cache = RecordingCache::new(dir.path().join("cache"), MIN_CACHE_BYTES);
        cached(&cache, "a", SystemTime::now());
        // Another recording's index under this one's name (or a damaged one).
        let (bin, meta) = cache.paths("a");
        std::fs::write(
            &meta,
            br#"{"id":"z","len":10,"validator":null,"ranges":[[0,10]]}"#,
        )
        .unwrap();
        assert!(cache.complete("a").is_none());
        assert!(cache.prefix("a").is_none());
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let store = cache
            .store("a", reader(), runtime.handle().clone())
            .unwrap();
        assert_eq!(store.present_bytes(), 0);
        assert_eq!(std::fs::metadata(&bin).unwrap().len(), 0);
    }

    #[test]
    fn a_file_name_tells_nothing_of_the_recording() {
        let name = key("b:main:https://storage.example/agency/call 1.mp3?token=x");
        assert_eq!(name.len(), 32);
        assert!(name.chars().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(name, key("b:main:other"));
    }
}
