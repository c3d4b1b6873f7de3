//! A file's bytes through the whole decoding path — probe, decode, speed, rate conversion,
//! waveform — as the fuzzer drives it (`crates/core/tests/fuzz_decoder.rs` in CI, the
//! cargo-fuzz target in `fuzz/` on demand). Whatever the bytes, the answer is audio or a
//! specific error, within bounds: never a panic, a hang or a giant allocation.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use super::{Bytes, Media, PlayerError, TimelineReader, TimelineSegment};
use crate::ErrorCode;
use crate::waveform::{WaveformSegment, segment_waveform};

/// What one pass over a file gave.
#[derive(Debug, Clone, PartialEq)]
pub struct Decoded {
    /// Seconds of audio decoded (at most the budget asked for).
    pub seconds: f64,
    /// Frames handed out at the output rate.
    pub frames: u64,
    /// Waveform buckets computed.
    pub buckets: usize,
    /// The codes of the problems met on the way (a corrupt packet run, a truncation).
    pub problems: Vec<&'static str>,
}

/// Decodes `bytes` at 1.25× into 48 kHz for at most `budget_secs` of audio, and computes
/// their waveform. An error is the file refused whole (its code is specific).
pub fn decode_untrusted(bytes: Vec<u8>, budget_secs: f64) -> Result<Decoded, PlayerError> {
    let media = Media::Remote(Arc::new(Bytes(bytes)));
    let timeline = vec![TimelineSegment::new("fuzz", media.clone())];
    let mut reader = TimelineReader::open(&timeline, 1.25, Some(48_000))?;
    let rate = f64::from(reader.rate());
    let mut frames = 0u64;
    let mut seconds = 0.0;
    let mut problems = Vec::new();
    while let Some(block) = reader.next_block() {
        match block {
            Ok(block) => {
                frames += (block.samples.len() / 2) as u64;
                seconds = block.start + (block.samples.len() / 2) as f64 / rate;
                if seconds >= budget_secs {
                    break;
                }
            }
            Err(problem) => problems.push(problem.code()),
        }
    }
    let computed = segment_waveform(
        None,
        "fuzz",
        &WaveformSegment {
            index: 0,
            label: "fuzz".into(),
            media,
        },
        &AtomicBool::new(false),
        &mut |_| {},
    );
    if let Some(error) = &computed.error {
        problems.push(error.code());
    }
    Ok(Decoded {
        seconds,
        frames,
        buckets: computed.waveform.peaks.len(),
        problems,
    })
}
