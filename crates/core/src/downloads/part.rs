//! The `.part` being written: a blocking thread writes the chunks the receiving task hands
//! it, a thread of its own hashes them, so receiving, writing and hashing overlap.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};
use tokio::sync::{mpsc, oneshot};

use super::DownloadError;

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
pub(super) struct Part {
    ops: mpsc::Sender<Op>,
    worker: Option<tokio::task::JoinHandle<std::io::Result<(std::fs::File, Sha256, Stages)>>>,
    /// Set when the transfer ends without [`Part::finish`]: the writer stops at once, so a
    /// retry reopening the `.part` never races writes still queued here.
    abandoned: Arc<AtomicBool>,
    pub pos: u64,
}

/// Where a transfer's time went (logged at debug level when it completes; the downloads
/// benchmark prints it with `BENCH_PROFILE=1`).
#[derive(Debug, Default)]
pub(super) struct Stages {
    /// Receiving task: waiting for the next chunk from the connection.
    pub receive: Duration,
    /// Receiving task: waiting for room in the writer's queue (the writer is behind).
    pub queue: Duration,
    /// Receiving task: saving the progress in the library (once a second; a synchronous commit).
    pub save: Duration,
    pub chunks: u64,
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
    pub fn start(file: std::fs::File, hasher: Sha256, pos: u64) -> Self {
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

    pub async fn write(&mut self, bytes: bytes::Bytes, path: &Path) -> Result<(), DownloadError> {
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

    pub async fn flush(&mut self, path: &Path) -> Result<(), DownloadError> {
        self.ask(Op::Flush, path).await
    }

    pub async fn truncate(&mut self, path: &Path) -> Result<(), DownloadError> {
        self.ask(Op::Truncate, path).await?;
        self.pos = 0;
        Ok(())
    }

    /// Every byte written: the file and the SHA-256 of its content.
    pub async fn finish(
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
            hasher.finalize(),
            Sha256::digest(&expected),
            "the hash covers exactly the bytes on disk"
        );
    }
}
