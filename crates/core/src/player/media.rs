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
    /// Like [`read_at`](Self::read_at), for one pass over the whole file (the MP3 frame
    /// scan): a source with a cache keeps none of it, so the scan does not evict what
    /// playback needs. Call it from a thread of its own, not from an async task.
    fn read_uncached(&self, offset: u64, buf: &mut [u8]) -> io::Result<usize> {
        self.read_at(offset, buf)
    }
}

/// The bytes of `inner` from `start` on, as a source of their own: a decoder opened on it
/// begins at a frame we chose (an MP3 frame index entry) instead of the file's start.
#[derive(Debug)]
pub(crate) struct OffsetSource {
    inner: Arc<dyn RangeSource>,
    start: u64,
}

impl OffsetSource {
    pub fn new(inner: Arc<dyn RangeSource>, start: u64) -> Self {
        Self { inner, start }
    }
}

impl RangeSource for OffsetSource {
    fn total_len(&self) -> Option<u64> {
        self.inner
            .total_len()
            .map(|len| len.saturating_sub(self.start))
    }

    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<usize> {
        match self.start.checked_add(offset) {
            Some(at) => self.inner.read_at(at, buf),
            None => Ok(0),
        }
    }

    fn read_uncached(&self, offset: u64, buf: &mut [u8]) -> io::Result<usize> {
        match self.start.checked_add(offset) {
            Some(at) => self.inner.read_uncached(at, buf),
            None => Ok(0),
        }
    }
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

/// Bytes in memory as a source: what the decoding path's fuzzing and the unit tests feed it.
#[derive(Debug)]
pub struct Bytes(pub Vec<u8>);

impl RangeSource for Bytes {
    fn total_len(&self) -> Option<u64> {
        Some(self.0.len() as u64)
    }
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<usize> {
        let Some(rest) = usize::try_from(offset).ok().and_then(|o| self.0.get(o..)) else {
            return Ok(0);
        };
        let n = rest.len().min(buf.len());
        buf[..n].copy_from_slice(&rest[..n]);
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_offset_view_reads_the_inner_bytes_from_its_start() {
        let inner: Arc<dyn RangeSource> = Arc::new(Bytes((0..100u8).collect()));
        let view = OffsetSource::new(inner, 40);
        assert_eq!(view.total_len(), Some(60));
        let mut buf = [0u8; 4];
        assert_eq!(view.read_at(0, &mut buf).unwrap(), 4);
        assert_eq!(buf, [40, 41, 42, 43]);
        assert_eq!(view.read_uncached(58, &mut buf).unwrap(), 2);
        assert_eq!(&buf[..2], &[98, 99]);
        assert_eq!(view.read_at(60, &mut buf).unwrap(), 0);
        assert_eq!(view.read_at(u64::MAX, &mut buf).unwrap(), 0);
        // Past the inner end the view is empty, not negative.
        let inner: Arc<dyn RangeSource> = Arc::new(Bytes(vec![1, 2, 3]));
        assert_eq!(OffsetSource::new(inner, 10).total_len(), Some(0));
    }

    #[test]
    fn a_decoder_reader_over_a_view_seeks_relative_to_the_view() {
        let inner: Arc<dyn RangeSource> = Arc::new(Bytes((0..100u8).collect()));
        let media = Media::Remote(Arc::new(OffsetSource::new(inner, 90)));
        let mut reader = media.open().unwrap();
        assert_eq!(reader.byte_len(), Some(10));
        assert_eq!(reader.seek(SeekFrom::End(-2)).unwrap(), 8);
        let mut buf = [0u8; 8];
        assert_eq!(reader.read(&mut buf).unwrap(), 2);
        assert_eq!(&buf[..2], &[98, 99]);
    }
}
