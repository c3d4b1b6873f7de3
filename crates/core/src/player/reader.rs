//! The timeline decoded without an output: for export, waveform peaks and benchmarks.

use super::pipeline::{Pipeline, Produced};
use super::{PlayerError, SegmentInfo, TimelineSegment};

/// Decoded audio from [`TimelineReader::next_block`].
#[derive(Debug, Clone)]
pub struct AudioBlock {
    /// Timeline seconds of the first frame.
    pub start: f64,
    /// Interleaved stereo at [`TimelineReader::rate`].
    pub samples: Vec<f32>,
    pub segment: usize,
}

/// The player's pipeline (decode, stretch for speed, rate conversion), pulled by hand.
pub struct TimelineReader {
    pipeline: Pipeline,
}

impl TimelineReader {
    /// `rate`: the rate to deliver at; `None` for the highest of the segments' rates.
    pub fn open(
        timeline: &[TimelineSegment],
        speed: f64,
        rate: Option<u32>,
    ) -> Result<Self, PlayerError> {
        Ok(Self {
            pipeline: Pipeline::open(timeline, speed, rate)?,
        })
    }

    pub fn duration(&self) -> f64 {
        self.pipeline.duration()
    }

    /// Starts the background frame scan of each streamed MP3 whose length is only an
    /// estimate, as the player does (it fetches each such file once more).
    pub fn index_streamed_mp3(&mut self) {
        self.pipeline.index_streamed_mp3();
    }

    /// Waits up to `timeout` for those scans and takes their exact lengths and frame
    /// indexes; true when none is left running.
    pub fn wait_for_lengths(&mut self, timeout: std::time::Duration) -> bool {
        self.pipeline.wait_for_lengths(timeout)
    }

    pub fn segments(&self) -> Vec<SegmentInfo> {
        self.pipeline.segment_infos()
    }

    pub fn rate(&self) -> u32 {
        self.pipeline.out_rate()
    }

    /// Moves to timeline second `to` (clamped to the timeline).
    pub fn seek(&mut self, to: f64) -> Result<(), PlayerError> {
        self.pipeline.seek(to)
    }

    /// The next block, `None` at the end. A segment that could not be read whole gives an
    /// `Err` once, and reading goes on with what follows.
    pub fn next_block(&mut self) -> Option<Result<AudioBlock, PlayerError>> {
        match self.pipeline.next() {
            Produced::Audio(chunk) => Some(Ok(AudioBlock {
                start: chunk.media_start,
                samples: chunk.samples,
                segment: chunk.segment,
            })),
            Produced::Problem(error) => Some(Err(error)),
            Produced::End => None,
        }
    }
}
