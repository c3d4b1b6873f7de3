//! Where a segment's bytes come from: a local file, or anything that can read a byte range
//! on demand (the remote stream, see [`RangeSource`]).

use std::io::{self, Read, Seek, SeekFrom};
use std::path::PathBuf;
use std::sync::Arc;

/// Random access to a remote recording, one byte range at a time. The player needs nothing
/// else from the network: `recordings`/`remote` implement it over HTTP Range requests
/// (re-resolving an expired signed URL underneath), tests over a buffer.
pub trait RangeSource: Send + Sync + std::fmt::Debug {
    /// The whole length in bytes, when the server said.
    fn total_len(&self) -> Option<u64>;
    /// Reads up to `buf.len()` bytes at `offset`; `Ok(0)` only at the end.
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<usize>;
}

/// One segment's audio.
#[derive(Debug, Clone)]
pub enum Media {
    File(PathBuf),
    Remote(Arc<dyn RangeSource>),
}

impl Media {
    /// A short, secret-free description for error messages (a remote URL may be signed).
    pub fn describe(&self) -> String {
        match self {
            Media::File(path) => path.display().to_string(),
            Media::Remote(_) => "remote recording".to_owned(),
        }
    }

    pub(crate) fn open(&self) -> io::Result<Box<dyn symphonia::core::io::MediaSource>> {
        match self {
            Media::File(path) => Ok(Box::new(std::fs::File::open(path)?)),
            Media::Remote(source) => {
                // The first block, fetched anyway, also tells the length, which the demuxers
                // want up front (e.g. an MP3's duration from its size).
                if source.total_len().is_none() {
                    source.read_at(0, &mut [0u8; 1])?;
                }
                Ok(Box::new(RangeReader {
                    source: Arc::clone(source),
                    pos: 0,
                }))
            }
        }
    }
}

/// A cursor over a [`RangeSource`], as symphonia reads it (its `MediaSourceStream` buffers
/// and reads ahead in blocks, so each `read` here is one ranged read).
struct RangeReader {
    source: Arc<dyn RangeSource>,
    pos: u64,
}

impl Read for RangeReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.source.read_at(self.pos, buf)?;
        self.pos += n as u64;
        Ok(n)
    }
}

impl Seek for RangeReader {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        let target = match pos {
            SeekFrom::Start(p) => Some(p),
            SeekFrom::Current(d) => self.pos.checked_add_signed(d),
            SeekFrom::End(d) => self
                .source
                .total_len()
                .ok_or_else(|| io::Error::new(io::ErrorKind::Unsupported, "length unknown"))?
                .checked_add_signed(d),
        };
        self.pos = target
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "seek before start"))?;
        Ok(self.pos)
    }
}

impl symphonia::core::io::MediaSource for RangeReader {
    fn is_seekable(&self) -> bool {
        true
    }
    fn byte_len(&self) -> Option<u64> {
        self.source.total_len()
    }
}
