//! The whole timeline decoded (at a chosen speed) into a 16-bit WAV file: the playback
//! pipeline with a file where the device would be.

use std::io::BufWriter;
use std::path::Path;

use serde::Serialize;

use super::{PlayerError, TimelineReader, TimelineSegment};

/// What was written. The file has one rate whatever the segments' own: the highest among
/// them, so nothing is downsampled.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportSummary {
    pub sample_rate: u32,
    pub frames: u64,
    pub seconds: f64,
    /// Segments that could not be read whole (the rest of the file is still written).
    pub problems: Vec<String>,
}

/// Decodes `timeline` at `speed` into a stereo 16-bit WAV at `out`: the same pipeline as
/// playback (decode, stretch, rate conversion) with a file where the device would be.
pub fn export_wav(
    timeline: &[TimelineSegment],
    speed: f64,
    out: &Path,
) -> Result<ExportSummary, PlayerError> {
    let mut reader = TimelineReader::open(timeline, speed, None)?;
    let rate = reader.rate();
    let export_error = |source: std::io::Error| PlayerError::Export {
        path: out.display().to_string(),
        source,
    };
    let spec = hound::WavSpec {
        channels: 2,
        sample_rate: rate,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    // Never over an existing file or through a symlink: the reviewer names a new file.
    let file = crate::files::options()
        .write(true)
        .create_new(true)
        .open(out)
        .map_err(export_error)?;
    let mut writer = hound::WavWriter::new(BufWriter::new(file), spec)
        .map_err(|e| export_error(std::io::Error::other(e)))?;
    let mut problems = Vec::new();
    let mut samples = 0u64;
    while let Some(block) = reader.next_block() {
        match block {
            Ok(block) => {
                samples += block.samples.len() as u64;
                for sample in block.samples {
                    let value = (sample.clamp(-1.0, 1.0) * f32::from(i16::MAX)).round() as i16;
                    writer
                        .write_sample(value)
                        .map_err(|e| export_error(std::io::Error::other(e)))?;
                }
            }
            Err(problem) => problems.push(problem.to_string()),
        }
    }
    writer
        .finalize()
        .map_err(|e| export_error(std::io::Error::other(e)))?;
    let frames = samples / 2;
    Ok(ExportSummary {
        sample_rate: rate,
        frames,
        seconds: frames as f64 / f64::from(rate),
        problems,
    })
}
