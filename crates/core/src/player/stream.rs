//! A remote recording as a [`RangeSource`]: fixed-size blocks fetched by HTTP Range on
//! demand (through [`crate::remote::RemoteReader`], which retries drops and re-resolves
//! expired URLs), read ahead while playing, and kept in a bounded cache.
//!
//! Why our own rather than `stream-download`: the notes found its reader waiting for the
//! whole file after symphonia probed the tail, and its storage keeps the whole file (a temp
//! file); here a read anywhere costs one block, a seek fetches only the blocks around its
//! target, and memory is capped at [`MAX_BLOCKS`] × [`BLOCK_LEN`] — psst's and librespot's
//! model (ranged reads into a block map plus a read-ahead window).

use std::collections::{HashMap, VecDeque};
use std::io;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::Duration;

use bytes::Bytes;

use super::media::RangeSource;
use crate::remote::RemoteReader;

/// 64 KB: 2 s of 16 kHz PCM, ~13 s of 40 kbps MP3; small enough that a seek's first read
/// and symphonia's probe of the file's tail cost little.
pub const BLOCK_LEN: u64 = 64 * 1024;
/// Blocks requested ahead of the one being read (in parallel).
const READ_AHEAD: u64 = 4;
/// At most 2 MB held per stream.
pub const MAX_BLOCKS: usize = 32;
/// A read waits this long for its block before failing (the reader itself retries drops
/// with backoff well within it).
const READ_TIMEOUT: Duration = Duration::from_secs(60);

enum Slot {
    Pending,
    Ready(Bytes),
    Failed(String),
}

#[derive(Default)]
struct Blocks {
    slots: HashMap<u64, Slot>,
    /// Least recently used first.
    recency: VecDeque<u64>,
}

struct State {
    blocks: Mutex<Blocks>,
    arrived: Condvar,
    fetched_bytes: AtomicU64,
    /// Bytes read past the cache (the MP3 frame scan), counted apart from playback's.
    uncached_bytes: AtomicU64,
    requests: AtomicU64,
    /// The block of the last read, to tell playing (sequential) from probing and seeking.
    last_block: AtomicU64,
}

/// See the module doc. Use it from the player's thread, not from an async task (a read
/// waits for the network).
pub struct StreamedMedia {
    reader: RemoteReader,
    runtime: tokio::runtime::Handle,
    state: Arc<State>,
}

impl std::fmt::Debug for StreamedMedia {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the URL: it is signed.
        f.debug_struct("StreamedMedia")
            .field("len", &self.reader.total_len())
            .finish_non_exhaustive()
    }
}

impl StreamedMedia {
    pub fn new(reader: RemoteReader, runtime: tokio::runtime::Handle) -> Self {
        Self {
            reader,
            runtime,
            state: Arc::new(State {
                blocks: Mutex::default(),
                arrived: Condvar::new(),
                fetched_bytes: AtomicU64::new(0),
                uncached_bytes: AtomicU64::new(0),
                requests: AtomicU64::new(0),
                last_block: AtomicU64::new(u64::MAX),
            }),
        }
    }

    /// Bytes received so far (for the benchmark and tests).
    pub fn fetched_bytes(&self) -> u64 {
        self.state.fetched_bytes.load(Ordering::Relaxed)
    }

    /// Bytes received for reads past the cache (the MP3 frame scan) so far.
    pub fn uncached_bytes(&self) -> u64 {
        self.state.uncached_bytes.load(Ordering::Relaxed)
    }

    /// Block requests made so far.
    pub fn requests(&self) -> u64 {
        self.state.requests.load(Ordering::Relaxed)
    }

    fn lock(&self) -> MutexGuard<'_, Blocks> {
        self.state.blocks.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Starts fetching `index` unless it is cached or on its way.
    fn request(&self, blocks: &mut Blocks, index: u64) {
        if let Some(slot) = blocks.slots.get(&index)
            && !matches!(slot, Slot::Failed(_))
        {
            blocks.recency.retain(|i| *i != index);
            blocks.recency.push_back(index);
            return;
        }
        blocks.slots.insert(index, Slot::Pending);
        blocks.recency.retain(|i| *i != index);
        blocks.recency.push_back(index);
        evict(blocks);
        self.state.requests.fetch_add(1, Ordering::Relaxed);
        let reader = self.reader.clone();
        let state = Arc::clone(&self.state);
        self.runtime.spawn(async move {
            let result = reader.read_range(index * BLOCK_LEN, BLOCK_LEN).await;
            let mut blocks = state.blocks.lock().unwrap_or_else(|e| e.into_inner());
            // Evicted while on its way: nobody needs it any more.
            if let Some(slot) = blocks.slots.get_mut(&index) {
                *slot = match result {
                    Ok(bytes) => {
                        state
                            .fetched_bytes
                            .fetch_add(bytes.len() as u64, Ordering::Relaxed);
                        Slot::Ready(bytes)
                    }
                    Err(error) => Slot::Failed(error.to_string()),
                };
            }
            drop(blocks);
            state.arrived.notify_all();
        });
    }
}

/// Drops the least recently used finished blocks beyond the cap.
fn evict(blocks: &mut Blocks) {
    let mut scanned = 0;
    while blocks.slots.len() > MAX_BLOCKS && scanned < blocks.recency.len() {
        let Some(oldest) = blocks.recency.pop_front() else {
            break;
        };
        if matches!(blocks.slots.get(&oldest), Some(Slot::Pending)) {
            blocks.recency.push_back(oldest);
            scanned += 1;
        } else {
            blocks.slots.remove(&oldest);
        }
    }
}

impl RangeSource for StreamedMedia {
    fn total_len(&self) -> Option<u64> {
        self.reader.total_len()
    }

    /// One Range request for the whole of `buf`, straight to the caller: a pass over the
    /// file must not push playback's blocks out of the cache.
    fn read_uncached(&self, offset: u64, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() || self.reader.total_len().is_some_and(|len| offset >= len) {
            return Ok(0);
        }
        let (sender, arrived) = std::sync::mpsc::channel();
        let reader = self.reader.clone();
        let len = buf.len() as u64;
        // On the runtime (the reader's client lives there), waited for on this thread.
        self.runtime.spawn(async move {
            let _ = sender.send(reader.read_range(offset, len).await);
        });
        let bytes = arrived
            .recv()
            .map_err(|_| io::Error::other("the runtime stopped"))?
            .map_err(io::Error::other)?;
        self.state
            .uncached_bytes
            .fetch_add(bytes.len() as u64, Ordering::Relaxed);
        let n = bytes.len().min(buf.len());
        buf[..n].copy_from_slice(&bytes[..n]);
        Ok(n)
    }

    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<usize> {
        let len = self.reader.total_len();
        if buf.is_empty() || len.is_some_and(|len| offset >= len) {
            return Ok(0);
        }
        let index = offset / BLOCK_LEN;
        let mut blocks = self.lock();
        self.request(&mut blocks, index);
        // Read ahead only while reading on from the last block (playing): a probe of the
        // tail, a seek's first read or a length estimate's samples fetch just their block.
        // And only once the length is known (past a short file's end would earn 416s).
        let previous = self.state.last_block.swap(index, Ordering::Relaxed);
        let sequential = previous == index || previous.wrapping_add(1) == index;
        if let Some(len) = len.filter(|_| sequential) {
            let last = (len - 1) / BLOCK_LEN;
            for ahead in index + 1..=(index + READ_AHEAD).min(last) {
                self.request(&mut blocks, ahead);
            }
        }
        loop {
            match blocks.slots.get(&index) {
                Some(Slot::Ready(bytes)) => {
                    let start = (offset - index * BLOCK_LEN) as usize;
                    if start >= bytes.len() {
                        return Ok(0);
                    }
                    let n = (bytes.len() - start).min(buf.len());
                    buf[..n].copy_from_slice(&bytes[start..start + n]);
                    return Ok(n);
                }
                Some(Slot::Failed(message)) => {
                    let message = message.clone();
                    // A later read tries again.
                    blocks.slots.remove(&index);
                    return Err(io::Error::other(message));
                }
                Some(Slot::Pending) => {
                    let (guard, timeout) = self
                        .state
                        .arrived
                        .wait_timeout(blocks, READ_TIMEOUT)
                        .unwrap_or_else(|e| e.into_inner());
                    blocks = guard;
                    if timeout.timed_out() {
                        return Err(io::Error::new(
                            io::ErrorKind::TimedOut,
                            "the recording stopped arriving",
                        ));
                    }
                }
                // Evicted by read-ahead of others before it arrived: ask again.
                None => self.request(&mut blocks, index),
            }
        }
    }
}
