//! The length of a remote MP3 that has no Xing/VBRI header, without fetching it whole.
//!
//! symphonia estimates such a file from its first frames' bit rate, which for a VBR file is
//! far off (the benchmark's 60-minute file came out as 99 minutes). Fetching the whole file
//! would give the exact figure but cost the download the streaming avoids; instead we read
//! a few small windows spread over the file, walk the frame headers in each, and scale the
//! mean frame size to the file's length. Once a file is local its frames are counted exactly
//! (see `SegmentDecoder::measure_duration`), and a streamed one once the frame scan has
//! walked it (see `mp3index`).

use super::media::RangeSource;

/// Windows read across the file, and their size.
const WINDOWS: u64 = 12;
const WINDOW_LEN: usize = 16 * 1024;

/// (frame length in bytes, samples per frame) of the MPEG audio Layer III frame header at
/// the start of `b`, if it is one.
pub(super) fn frame_header(b: &[u8]) -> Option<(usize, u32)> {
    if b.len() < 4 || b[0] != 0xFF || b[1] & 0xE0 != 0xE0 {
        return None;
    }
    let version = (b[1] >> 3) & 3; // 3: MPEG-1, 2: MPEG-2, 0: MPEG-2.5
    let layer = (b[1] >> 1) & 3; // 1: Layer III
    if version == 1 || layer != 1 {
        return None;
    }
    let bitrate_index = usize::from(b[2] >> 4);
    let rate_index = usize::from((b[2] >> 2) & 3);
    if bitrate_index == 0 || bitrate_index == 15 || rate_index == 3 {
        return None;
    }
    const MPEG1_KBPS: [u32; 15] = [
        0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320,
    ];
    const MPEG2_KBPS: [u32; 15] = [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160];
    let (kbps, rate, per_frame, coefficient) = match version {
        3 => (
            MPEG1_KBPS[bitrate_index],
            [44_100, 48_000, 32_000][rate_index],
            1152,
            144,
        ),
        2 => (
            MPEG2_KBPS[bitrate_index],
            [22_050, 24_000, 16_000][rate_index],
            576,
            72,
        ),
        _ => (
            MPEG2_KBPS[bitrate_index],
            [11_025, 12_000, 8_000][rate_index],
            576,
            72,
        ),
    };
    let padding = u32::from((b[2] >> 1) & 1);
    let len = coefficient * kbps * 1000 / rate + padding;
    Some((len as usize, per_frame))
}

/// (bytes, frames, samples per frame) of the whole frames found in `window`, counting only
/// runs of at least three consecutive valid headers (so stray 0xFF bytes are not frames).
fn walk(window: &[u8]) -> (usize, usize, u32) {
    let (mut bytes, mut frames, mut per_frame) = (0, 0, 0);
    let mut at = 0;
    while at + 4 <= window.len() {
        let Some((len, _)) = frame_header(&window[at..]) else {
            at += 1;
            continue;
        };
        let chained = (1..3).all(|k| {
            let next = at + k * len;
            window.get(next..).and_then(frame_header).is_some()
        });
        if !chained || len < 24 {
            at += 1;
            continue;
        }
        // Walk the chain while frames are whole inside the window.
        while at + 4 <= window.len() {
            let Some((len, spf)) = frame_header(&window[at..]) else {
                break;
            };
            if at + len > window.len() {
                break;
            }
            bytes += len;
            frames += 1;
            per_frame = spf;
            at += len;
        }
    }
    (bytes, frames, per_frame)
}

/// Estimated duration (seconds) of the MP3 behind `source`, at `rate` Hz.
pub(crate) fn estimate(source: &dyn RangeSource, rate: u32) -> Option<f64> {
    let len = source.total_len()?;
    let start = audio_start(source);
    let audio = len.checked_sub(start)?;
    let (mut bytes, mut frames, mut per_frame) = (0usize, 0usize, 0u32);
    let mut window = vec![0u8; WINDOW_LEN];
    for i in 0..WINDOWS {
        let offset = start + audio * i / WINDOWS;
        let n = read_full(source, offset, &mut window);
        let (b, f, spf) = walk(&window[..n]);
        bytes += b;
        frames += f;
        if spf > 0 {
            per_frame = spf;
        }
    }
    if frames == 0 || per_frame == 0 {
        return None;
    }
    let mean = bytes as f64 / frames as f64;
    Some(audio as f64 / mean * f64::from(per_frame) / f64::from(rate))
}

/// Where the audio starts: past an ID3v2 tag, if the file opens with one.
pub(super) fn audio_start(source: &dyn RangeSource) -> u64 {
    let mut head = [0u8; 10];
    if read_full(source, 0, &mut head) == 10 && &head[..3] == b"ID3" {
        // ID3v2 size: four 7-bit bytes.
        let size = head[6..10]
            .iter()
            .fold(0u64, |acc, b| (acc << 7) | u64::from(b & 0x7F));
        return 10 + size;
    }
    0
}

fn read_full(source: &dyn RangeSource, offset: u64, buf: &mut [u8]) -> usize {
    let mut filled = 0;
    while filled < buf.len() {
        match source.read_at(offset + filled as u64, &mut buf[filled..]) {
            Ok(0) | Err(_) => break,
            Ok(n) => filled += n,
        }
    }
    filled
}
