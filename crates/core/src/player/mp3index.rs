//! A frame index for a streamed MP3 whose length no header gives (no Xing/VBRI/LAME tag):
//! one pass over the file, in the background, walking the MPEG frame headers.
//!
//! Without it such a file's length is an estimate ([`super::mp3len`], 1–3 % off) and a seek
//! lands where the bit rate guesses (seconds off in a VBR file). The pass costs fetching the
//! file once — the honest price of a file with no index — in large Range reads that bypass
//! the stream's block cache, and keeps only a sparse table: one (byte offset, first sample)
//! entry per ~0.5 s of audio. With it the length is exact and a seek starts decoding at an
//! entry a few frames before the target and drops samples up to it, as a local file would.

use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, TryRecvError};
use std::time::{Duration, Instant};

use super::media::RangeSource;
use super::mp3len::{audio_start, frame_header};

/// Each uncached read: large, so a 20 MB file is twenty requests.
const READ_LEN: usize = 1024 * 1024;
/// Audio seconds between table entries.
const ENTRY_SPACING_SECS: f64 = 0.5;
/// The bit reservoir: a Layer III frame's data may begin up to this many bytes before its
/// header, inside earlier frames.
const MAX_MAIN_DATA_BEGIN: usize = 511;
/// The longest possible Layer III frame (MPEG-1, 320 kbps, 32 kHz, padded), to look ahead
/// three frames when finding the first one.
const MAX_FRAME_LEN: usize = 1441;

/// The frames of an MP3, sparsely: where every `stride`-th frame starts and its first sample.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct FrameTable {
    /// (byte offset of a frame header, sample it starts at counted from the first frame),
    /// increasing.
    entries: Vec<(u64, u64)>,
    total_samples: u64,
    /// Samples of encoder delay before segment time 0 (trimmed by the demuxer).
    delay: u64,
    rate: u32,
    /// Samples decoded and dropped before a seek target so its first frame has the bit
    /// reservoir (and the synthesis filter's history) it needs.
    lead_samples: u64,
    /// Frames walked, and bytes of the file read to walk them.
    pub frames: u64,
    pub bytes_read: u64,
}

impl FrameTable {
    /// The exact length, in seconds.
    pub fn duration(&self) -> f64 {
        self.total_samples.saturating_sub(self.delay) as f64 / f64::from(self.rate)
    }

    /// Where to start decoding for segment time `secs`: (byte offset, segment seconds of
    /// that frame — negative within the encoder delay), the last entry at least the
    /// reservoir lead before the target.
    pub fn start_for(&self, secs: f64) -> (u64, f64) {
        let target = (secs.max(0.0) * f64::from(self.rate)) as u64 + self.delay;
        let want = target.saturating_sub(self.lead_samples);
        let index = self
            .entries
            .partition_point(|&(_, sample)| sample <= want)
            .saturating_sub(1);
        let (offset, sample) = self.entries.get(index).copied().unwrap_or((0, 0));
        let time = (sample as f64 - self.delay as f64) / f64::from(self.rate);
        (offset, time)
    }
}

/// The header tag an MP3's first frame may carry instead of audio.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FirstFrameTag {
    /// Xing or VBRI: a VBR file, whose length is exact but whose byte positions are not
    /// proportional to time (a seek by range lands seconds off).
    Vbr,
    /// Info: a CBR file, where a seek by range is exact.
    Cbr,
}

/// The tag in the frame at the start of `frame`, if any (Xing/Info after the side
/// information, VBRI 32 bytes after the header).
fn tag_of(frame: &[u8]) -> Option<FirstFrameTag> {
    let at = |offset: usize| frame.get(offset..offset + 4);
    [4 + 9, 4 + 17, 4 + 32]
        .into_iter()
        .find_map(|offset| match at(offset)? {
            b"Xing" => Some(FirstFrameTag::Vbr),
            b"Info" => Some(FirstFrameTag::Cbr),
            _ => None,
        })
        .or_else(|| (at(36)? == b"VBRI").then_some(FirstFrameTag::Vbr))
}

/// The tag of the MP3 behind `source`'s first frame (a few KB read, the first block the
/// decoder has read anyway).
pub(crate) fn first_frame_tag(source: &dyn RangeSource) -> Option<FirstFrameTag> {
    let start = audio_start(source);
    let mut head = vec![0u8; 4096];
    let mut filled = 0;
    while filled < head.len() {
        match source.read_at(start + filled as u64, &mut head[filled..]) {
            Ok(0) | Err(_) => break,
            Ok(n) => filled += n,
        }
    }
    let head = &head[..filled];
    let first = (0..head.len()).find(|&i| frame_header(&head[i..]).is_some())?;
    tag_of(&head[first..])
}

/// Walks the frames of the MP3 behind `source` (sampled at `rate` Hz, `delay` samples of
/// encoder delay trimmed from the start as its LAME tag says). `Ok(None)` when no run of
/// frames is found; an error when a read fails or `cancel` is set.
pub(crate) fn scan(
    source: &dyn RangeSource,
    rate: u32,
    delay: u32,
    cancel: &AtomicBool,
) -> io::Result<Option<FrameTable>> {
    let Some(total) = source.total_len() else {
        return Ok(None);
    };
    let mut window = Window {
        source,
        total,
        base: 0,
        bytes: Vec::with_capacity(READ_LEN + 4 * MAX_FRAME_LEN),
        read: 0,
        cancel,
    };
    let mut at = audio_start(source);
    window.base = at;
    let mut entries = Vec::new();
    let (mut frames, mut samples, mut stride) = (0u64, 0u64, 0u64);
    let mut min_frame_len = usize::MAX;
    let mut samples_per_frame = 0u32;
    let mut in_sync = false;
    loop {
        window.cover(at, 4 + 3 * MAX_FRAME_LEN)?;
        let Some(here) = window.at(at) else {
            break;
        };
        let header = frame_header(here).filter(|(len, _)| *len >= 24);
        let Some((len, per_frame)) = header else {
            // Lost (or not yet found) the frames: step a byte, as a decoder resyncs.
            in_sync = false;
            at += 1;
            continue;
        };
        // A first frame, or one after garbage, counts only when two more follow it (a stray
        // 0xFF byte in the data is not a frame).
        if !in_sync && !chained(here, len) {
            at += 1;
            continue;
        }
        if at + len as u64 > total {
            // A cut-off last frame: a decoder cannot play it either.
            break;
        }
        if frames == 0 && !in_sync && tag_of(here).is_some() {
            // A Xing/Info/VBRI header frame holds no audio; the demuxer skips it too.
            in_sync = true;
            at += len as u64;
            continue;
        }
        if stride == 0 {
            let per_entry = ENTRY_SPACING_SECS * f64::from(rate) / f64::from(per_frame);
            stride = (per_entry.round() as u64).max(1);
        }
        if frames % stride == 0 {
            entries.push((at, samples));
        }
        frames += 1;
        samples += u64::from(per_frame);
        samples_per_frame = per_frame;
        min_frame_len = min_frame_len.min(len);
        in_sync = true;
        at += len as u64;
    }
    if frames == 0 {
        return Ok(None);
    }
    let lead_frames = (MAX_MAIN_DATA_BEGIN.div_ceil(min_frame_len) + 1).max(2) as u64;
    Ok(Some(FrameTable {
        entries,
        total_samples: samples,
        delay: u64::from(delay),
        rate,
        lead_samples: lead_frames * u64::from(samples_per_frame),
        frames,
        bytes_read: window.read,
    }))
}

/// True when frame headers follow the frame of length `len` at the start of `bytes` twice
/// (or the data ends where a frame does).
fn chained(bytes: &[u8], len: usize) -> bool {
    let mut at = 0;
    let mut len = len;
    for _ in 0..2 {
        at += len;
        if at == bytes.len() {
            return true;
        }
        match bytes.get(at..).and_then(frame_header) {
            Some((next, _)) if next >= 24 => len = next,
            _ => return false,
        }
    }
    true
}

/// The part of the file being walked, refilled by large uncached reads.
struct Window<'a> {
    source: &'a dyn RangeSource,
    total: u64,
    /// File offset of `bytes[0]`.
    base: u64,
    bytes: Vec<u8>,
    read: u64,
    cancel: &'a AtomicBool,
}

impl Window<'_> {
    /// Makes the window hold `want` bytes from `at` (fewer at the end of the file).
    fn cover(&mut self, at: u64, want: usize) -> io::Result<()> {
        let end = self.base + self.bytes.len() as u64;
        if at + want as u64 <= end || end >= self.total {
            return Ok(());
        }
        if self.cancel.load(Ordering::Relaxed) {
            return Err(io::Error::new(io::ErrorKind::Interrupted, "cancelled"));
        }
        // Keep only what is still ahead.
        let keep_from = usize::try_from(at.saturating_sub(self.base))
            .unwrap_or(usize::MAX)
            .min(self.bytes.len());
        self.bytes.drain(..keep_from);
        self.base += keep_from as u64;
        let mut chunk = vec![0u8; READ_LEN];
        let mut filled = 0;
        let from = self.base + self.bytes.len() as u64;
        while filled < chunk.len() && from + (filled as u64) < self.total {
            match self
                .source
                .read_uncached(from + filled as u64, &mut chunk[filled..])?
            {
                0 => break,
                n => filled += n,
            }
        }
        self.read += filled as u64;
        self.bytes.extend_from_slice(&chunk[..filled]);
        Ok(())
    }

    /// The bytes from `at` to the end of the window; `None` past the end of the file.
    fn at(&self, at: u64) -> Option<&[u8]> {
        let start = usize::try_from(at.checked_sub(self.base)?).ok()?;
        self.bytes.get(start..).filter(|rest| !rest.is_empty())
    }
}

/// What a finished scan gives: the table (`None` when the file had no frames to walk or a
/// read failed — seeks stay coarse then).
pub(crate) type ScanOutcome = Option<FrameTable>;

/// A scan running on its own thread; dropping the handle stops it at its next read.
pub(crate) struct FrameScan {
    outcome: Receiver<ScanOutcome>,
    cancel: Arc<AtomicBool>,
}

impl FrameScan {
    pub fn start(source: Arc<dyn RangeSource>, rate: u32, delay: u32) -> Self {
        let (sender, outcome) = mpsc::channel();
        let cancel = Arc::new(AtomicBool::new(false));
        let stop = Arc::clone(&cancel);
        let spawned = std::thread::Builder::new()
            .name("callrec-mp3-index".into())
            .spawn(move || {
                let started = Instant::now();
                let table = match scan(source.as_ref(), rate, delay, &stop) {
                    Ok(table) => table,
                    Err(error) if error.kind() == io::ErrorKind::Interrupted => return,
                    Err(error) => {
                        tracing::warn!("player: MP3 frame scan failed, seeks stay coarse: {error}");
                        None
                    }
                };
                if let Some(table) = &table {
                    tracing::info!(
                        frames = table.frames,
                        bytes = table.bytes_read,
                        ms = started.elapsed().as_secs_f64() * 1e3,
                        duration = table.duration(),
                        "player: MP3 frame index built"
                    );
                }
                let _ = sender.send(table);
            });
        if let Err(error) = spawned {
            tracing::warn!("player: no thread for the MP3 frame scan: {error}");
        }
        Self { outcome, cancel }
    }

    /// The outcome once the scan has finished (given once), `None` while it runs.
    pub fn poll(&self) -> Option<ScanOutcome> {
        match self.outcome.try_recv() {
            Ok(outcome) => Some(outcome),
            Err(TryRecvError::Empty) => None,
            // The thread ended without a table (or never started).
            Err(TryRecvError::Disconnected) => Some(None),
        }
    }

    /// Like [`poll`](Self::poll), waiting up to `timeout` for the scan to finish.
    pub fn wait(&self, timeout: Duration) -> Option<ScanOutcome> {
        match self.outcome.recv_timeout(timeout) {
            Ok(outcome) => Some(outcome),
            Err(RecvTimeoutError::Timeout) => None,
            Err(RecvTimeoutError::Disconnected) => Some(None),
        }
    }
}

impl Drop for FrameScan {
    fn drop(&mut self) {
        self.cancel.store(true, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::player::media::Bytes;

    /// An MPEG-1 Layer III frame at 44.1 kHz: `kbps_index` 1–14, body of zeros.
    fn frame(kbps_index: u8, padded: bool) -> Vec<u8> {
        let header = [
            0xFF,
            0xFB,
            (kbps_index << 4) | (u8::from(padded) << 1),
            0xC4,
        ];
        let (len, _) = frame_header(&header).unwrap();
        let mut bytes = vec![0u8; len];
        bytes[..4].copy_from_slice(&header);
        bytes
    }

    /// ID3v2 tag, junk with a false sync, then `n` frames of varying bit rate, a cut-off
    /// frame and an ID3v1 tag.
    fn vbr_file(n: usize) -> (Vec<u8>, Vec<u64>) {
        let mut file = b"ID3\x04\x00\x00\x00\x00\x00\x20".to_vec();
        file.extend([0u8; 32]);
        file.extend([0xFF, 0xFB, 0x90, 0x00, 1, 2, 3]);
        let mut starts = Vec::new();
        for i in 0..n {
            starts.push(file.len() as u64);
            file.extend(frame([5, 9, 14, 3][i % 4], i % 3 == 0));
        }
        file.extend(&frame(9, false)[..100]);
        file.extend(b"TAG");
        file.extend([0u8; 125]);
        (file, starts)
    }

    #[test]
    fn the_scan_counts_every_frame_and_indexes_every_half_second() {
        let (file, starts) = vbr_file(1000);
        let table = scan(&Bytes(file.clone()), 44_100, 0, &AtomicBool::new(false))
            .unwrap()
            .unwrap();
        assert_eq!(table.frames, 1000);
        assert_eq!(table.total_samples, 1000 * 1152);
        assert!((table.duration() - 1000.0 * 1152.0 / 44_100.0).abs() < 1e-9);
        assert_eq!(table.bytes_read, file.len() as u64 - 42);
        // 0.5 s at 44.1 kHz is 19 frames of 1152.
        assert_eq!(table.entries.len(), 1000usize.div_ceil(19));
        for (k, &(offset, sample)) in table.entries.iter().enumerate() {
            assert_eq!(offset, starts[k * 19]);
            assert_eq!(sample, (k * 19 * 1152) as u64);
        }
    }

    #[test]
    fn a_seek_starts_at_an_entry_the_reservoir_lead_before_its_target() {
        let (file, starts) = vbr_file(1000);
        let table = scan(&Bytes(file), 44_100, 0, &AtomicBool::new(false))
            .unwrap()
            .unwrap();
        // The smallest frame here is 48 kbps (156 bytes): 511 bytes back is 4 frames, +1.
        assert_eq!(table.lead_samples, 5 * 1152);
        let frame_secs = 1152.0 / 44_100.0;
        // Entry 3 starts at frame 57; a target 5 frames into it is the first to use it.
        let (offset, time) = table.start_for(62.0 * frame_secs + 1e-6);
        assert_eq!(offset, starts[57]);
        assert!((time - 57.0 * frame_secs).abs() < 1e-9);
        let (offset, _) = table.start_for(61.9 * frame_secs);
        assert_eq!(offset, starts[38]);
        assert_eq!(table.start_for(0.0), (starts[0], 0.0));
        assert_eq!(table.start_for(-3.0), (starts[0], 0.0));
        let (offset, _) = table.start_for(1e9);
        assert_eq!(offset, starts[19 * 52]);
    }

    #[test]
    fn no_frames_is_no_table_and_a_cancelled_scan_stops() {
        let junk = Bytes(vec![0xFF; 10_000]);
        assert_eq!(first_frame_tag(&junk), None);
        assert_eq!(
            scan(&junk, 44_100, 0, &AtomicBool::new(false)).unwrap(),
            None
        );
        let (file, _) = vbr_file(10);
        let error = scan(&Bytes(file), 44_100, 0, &AtomicBool::new(true)).unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::Interrupted);
    }

    #[test]
    fn a_xing_frame_is_no_audio_and_the_encoder_delay_comes_off() {
        let (plain, _) = vbr_file(100);
        assert_eq!(first_frame_tag(&Bytes(plain.clone())), None);
        let mut xing = frame(9, false);
        xing[4 + 32..4 + 36].copy_from_slice(b"Xing");
        let mut file = xing;
        // Past the ID3 tag: the false sync's 7 bytes, then the frames.
        let first_audio = file.len() as u64 + 7;
        file.extend(&plain[42..]);
        let source = Bytes(file);
        assert_eq!(first_frame_tag(&source), Some(FirstFrameTag::Vbr));
        let table = scan(&source, 44_100, 1105, &AtomicBool::new(false))
            .unwrap()
            .unwrap();
        assert_eq!(table.frames, 100);
        assert!((table.duration() - (100.0 * 1152.0 - 1105.0) / 44_100.0).abs() < 1e-9);
        // Time 0 is past the delay: decoding starts at the first audio frame, before it.
        let (offset, time) = table.start_for(0.0);
        assert_eq!(offset, first_audio);
        assert!((time + 1105.0 / 44_100.0).abs() < 1e-9);
    }

    #[test]
    fn a_background_scan_reports_its_table() {
        let (file, _) = vbr_file(100);
        let scan = FrameScan::start(Arc::new(Bytes(file)), 44_100, 0);
        let table = scan.wait(Duration::from_secs(10)).unwrap().unwrap();
        assert_eq!(table.frames, 100);
    }
}
