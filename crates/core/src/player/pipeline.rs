//! The timeline as one stream: each segment's decoder in turn, seeking across segments,
//! and the time-stretch for speed. Pull-based, so playback (the player thread) and export
//! (straight to a file) run the very same code.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, Instant};

use symphonia::core::formats::SeekMode;

use super::decode::SegmentDecoder;
use super::media::Media;
use super::mp3index::{FirstFrameTag, FrameScan, FrameTable, first_frame_tag};
use super::resample::Resampler;
use super::stretch::Stretcher;
use super::{PlayerError, SegmentInfo, TimelineSegment};

/// A segment shorter than its header claims by more than this is reported as truncated
/// (the slack covers codecs' rounding of the last frame).
const TRUNCATION_SLACK_SECS: f64 = 0.25;

/// Audio ready for the output: interleaved stereo at the output rate, after the stretch.
#[derive(Debug)]
pub(crate) struct Chunk {
    pub samples: Vec<f32>,
    pub rate: u32,
    /// Timeline time (seconds) of the first frame.
    pub media_start: f64,
    /// Media seconds one output frame stands for: `speed / rate`.
    pub media_per_frame: f64,
    pub segment: usize,
}

#[derive(Debug)]
pub(crate) enum Produced {
    Audio(Chunk),
    /// A segment could not be read whole; playback goes on with what follows.
    Problem(PlayerError),
    End,
}

struct LoadedSegment {
    label: String,
    media: Media,
    offset: f64,
    duration: f64,
    decoder: SegmentDecoder,
    /// False once read from: entering it again needs a seek to its start.
    at_start: bool,
    /// A streamed MP3 of inexact length being walked in the background, then its frames.
    scan: Option<FrameScan>,
    frames: Option<Arc<FrameTable>>,
}

impl LoadedSegment {
    /// Moves this segment's decoding to segment time `secs`.
    fn seek(&mut self, secs: f64) -> Result<(), PlayerError> {
        if let (Some(frames), Media::Remote(source)) = (&self.frames, &self.media) {
            // Exact: decode from an indexed frame shortly before, drop up to the target.
            let (start, time) = frames.start_for(secs);
            let mut decoder = SegmentDecoder::open_mp3_at(Arc::clone(source), start, time)?;
            decoder.skip_to(secs);
            self.decoder = decoder;
            return Ok(());
        }
        // A remote MP3 seeks by byte range on the bit rate (symphonia's accurate mode
        // would read every frame from the start, i.e. fetch the whole prefix).
        let mode = match self.media {
            Media::Remote(_) if self.decoder.is_mp3 && secs > 0.0 => SeekMode::Coarse,
            _ => SeekMode::Accurate,
        };
        self.decoder.seek(secs, mode)
    }

    /// Takes a finished scan's table; true when it changed the segment's length.
    fn take_scan(&mut self, outcome: Option<Option<FrameTable>>) -> bool {
        let Some(outcome) = outcome else {
            return false;
        };
        self.scan = None;
        let Some(table) = outcome else {
            return false;
        };
        // A header's length (Xing) is already exact; the walk corrects only an estimate.
        let duration = if self.decoder.duration_exact {
            self.duration
        } else {
            table.duration()
        };
        self.frames = Some(Arc::new(table));
        let changed = duration != self.duration;
        self.duration = duration;
        changed
    }
}

pub(crate) struct Pipeline {
    segments: Vec<LoadedSegment>,
    index: usize,
    speed: f64,
    stretcher: Option<Stretcher>,
    resampler: Resampler,
    /// Every chunk's rate (the device's, so rodio converts nothing).
    out_rate: u32,
    /// Timeline time of the next output frame.
    clock: f64,
    out: VecDeque<Produced>,
    done: bool,
    /// A frame scan changed a segment's length since [`Pipeline::update_lengths`] was asked.
    lengths_changed: bool,
}

impl Pipeline {
    /// `out_rate`: the rate to deliver at; `None` for the highest of the segments' rates.
    pub fn open(
        timeline: &[TimelineSegment],
        speed: f64,
        out_rate: Option<u32>,
    ) -> Result<Self, PlayerError> {
        if timeline.is_empty() {
            return Err(PlayerError::EmptyTimeline);
        }
        let mut segments = Vec::with_capacity(timeline.len());
        let mut offset = 0.0;
        for segment in timeline {
            let mut decoder = SegmentDecoder::open(&segment.media)?;
            // A header-less VBR MP3's length is a bit-rate guess (minutes off on an hour).
            // For a local file, walking its frames is cheap and gives the true length; a
            // remote one would have to be fetched whole, so it is estimated from samples.
            if !decoder.duration_exact {
                let better = match &segment.media {
                    Media::File(_) => decoder.measure_duration(),
                    Media::Remote(source) if decoder.is_mp3 => {
                        super::mp3len::estimate(source.as_ref(), decoder.rate)
                    }
                    Media::Remote(_) => None,
                };
                if let Some(better) = better {
                    decoder.duration = Some(better);
                }
            }
            let duration = decoder.duration.unwrap_or(0.0);
            segments.push(LoadedSegment {
                label: segment.label.clone(),
                media: segment.media.clone(),
                offset,
                duration,
                decoder,
                at_start: true,
                scan: None,
                frames: None,
            });
            offset += duration;
        }
        let max_rate = segments
            .iter()
            .map(|s| s.decoder.rate)
            .max()
            .unwrap_or(48_000);
        let out_rate = out_rate.filter(|r| *r > 0).unwrap_or(max_rate);
        let mut pipeline = Self {
            segments,
            index: 0,
            speed: 1.0,
            stretcher: None,
            resampler: Resampler::new(out_rate, out_rate),
            out_rate,
            clock: 0.0,
            out: VecDeque::new(),
            done: false,
            lengths_changed: false,
        };
        pipeline.set_speed(speed)?;
        pipeline.restart_stretch(0.0);
        Ok(pipeline)
    }

    /// Starts walking, in the background, each streamed MP3 whose length is an estimate
    /// (see `mp3index`): once done its length is exact and seeks land on the sample. Costs
    /// one fetch of each such file, so only playback asks for it, not export or waveforms
    /// (which read the files whole anyway).
    pub fn index_streamed_mp3(&mut self) {
        for segment in &mut self.segments {
            if let Media::Remote(source) = &segment.media
                && segment.decoder.is_mp3
                && segment.scan.is_none()
                && segment.frames.is_none()
                // Without a header the length is a guess; with a Xing/VBRI one it is exact
                // but a seek by range lands seconds off. Only a CBR (Info) file needs none.
                && (!segment.decoder.duration_exact
                    || first_frame_tag(source.as_ref()) == Some(FirstFrameTag::Vbr))
            {
                let decoder = &segment.decoder;
                segment.scan = Some(FrameScan::start(
                    Arc::clone(source),
                    decoder.rate,
                    decoder.delay,
                ));
            }
        }
    }

    /// Applies the frame scans that have finished; true (once) when that changed the
    /// timeline's lengths — the player then announces the timeline again.
    pub fn update_lengths(&mut self) -> bool {
        self.apply_scans(|scan| scan.poll());
        std::mem::take(&mut self.lengths_changed)
    }

    /// Waits up to `timeout` for every frame scan to finish and applies them; true when
    /// none is left running.
    pub fn wait_for_lengths(&mut self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        self.apply_scans(|scan| scan.wait(deadline.saturating_duration_since(Instant::now())));
        self.segments.iter().all(|s| s.scan.is_none())
    }

    fn apply_scans(&mut self, mut outcome: impl FnMut(&FrameScan) -> Option<Option<FrameTable>>) {
        let mut changed = false;
        for segment in &mut self.segments {
            let finished = segment.scan.as_ref().and_then(&mut outcome);
            changed |= segment.take_scan(finished);
        }
        if !changed {
            return;
        }
        // The segments after a corrected one move along the timeline, and so does the clock
        // when it is in one of them.
        let old_offset = self.segment_start(self.index);
        let mut offset = 0.0;
        for segment in &mut self.segments {
            segment.offset = offset;
            offset += segment.duration;
        }
        if let (Some(old), Some(new)) = (old_offset, self.segment_start(self.index)) {
            self.clock += new - old;
        }
        self.lengths_changed = true;
    }

    pub fn duration(&self) -> f64 {
        self.segments.last().map_or(0.0, |s| s.offset + s.duration)
    }

    pub fn segment_infos(&self) -> Vec<SegmentInfo> {
        self.segments
            .iter()
            .map(|s| SegmentInfo {
                label: s.label.clone(),
                start: s.offset,
                duration: s.duration,
            })
            .collect()
    }

    /// Which segment timeline time `t` falls in (the last one past the end).
    pub fn segment_at(&self, t: f64) -> usize {
        self.segments
            .iter()
            .rposition(|s| s.offset <= t)
            .unwrap_or(0)
    }

    pub fn segment_start(&self, index: usize) -> Option<f64> {
        self.segments.get(index).map(|s| s.offset)
    }

    pub fn is_done(&self) -> bool {
        self.done && self.out.is_empty()
    }

    /// Takes effect from the next seek (the player seeks to where it is).
    pub fn set_speed(&mut self, speed: f64) -> Result<(), PlayerError> {
        if !(super::MIN_SPEED..=super::MAX_SPEED).contains(&speed) {
            return Err(PlayerError::InvalidSpeed(speed));
        }
        self.speed = speed;
        Ok(())
    }

    pub fn out_rate(&self) -> u32 {
        self.out_rate
    }

    /// Takes effect from the next seek.
    pub fn set_out_rate(&mut self, rate: u32) {
        if rate > 0 {
            self.out_rate = rate;
        }
    }

    /// Starts the current segment's stretch and rate conversion afresh at timeline time `at`.
    fn restart_stretch(&mut self, at: f64) {
        self.clock = at;
        let rate = self
            .segments
            .get(self.index)
            .map_or(self.out_rate, |s| s.decoder.rate);
        self.resampler = Resampler::new(rate, self.out_rate);
        self.stretcher = (self.speed != 1.0).then(|| Stretcher::new(rate, self.speed));
    }

    /// Moves to timeline time `t` (clamped to the timeline).
    pub fn seek(&mut self, t: f64) -> Result<(), PlayerError> {
        // A scan that finished since is used at once (the engine re-announces the lengths).
        self.apply_scans(|scan| scan.poll());
        let t = t.clamp(0.0, self.duration());
        self.out.clear();
        self.done = false;
        self.index = self.segment_at(t);
        if let Some(segment) = self.segments.get_mut(self.index) {
            segment.seek(t - segment.offset)?;
            segment.at_start = false;
        }
        self.restart_stretch(t);
        Ok(())
    }

    /// The next thing to play; `End` (repeatedly) once the timeline is over.
    pub fn next(&mut self) -> Produced {
        loop {
            if let Some(item) = self.out.pop_front() {
                return item;
            }
            if self.done {
                return Produced::End;
            }
            self.step();
        }
    }

    fn step(&mut self) {
        let Some(segment) = self.segments.get_mut(self.index) else {
            self.done = true;
            self.out.push_back(Produced::End);
            return;
        };
        if segment.at_start {
            segment.at_start = false;
        }
        match segment.decoder.next_block() {
            Ok(Some(block)) => {
                let block_start = segment.offset + block.start;
                let samples = match self.stretcher.as_mut() {
                    None => {
                        // Unstretched, the packets' own timestamps keep the clock exact.
                        self.clock = block_start;
                        block.samples
                    }
                    Some(stretcher) => stretcher.push(&block.samples),
                };
                self.push_audio(&samples);
            }
            Ok(None) => self.finish_segment(),
            Err(error) => {
                self.out.push_back(Produced::Problem(error));
                self.finish_segment();
            }
        }
    }

    /// Converts to the output rate and queues, advancing the clock.
    fn push_audio(&mut self, samples: &[f32]) {
        let samples = self.resampler.process(samples);
        if samples.is_empty() {
            return;
        }
        let media_per_frame = self.speed / f64::from(self.out_rate);
        let media_start = self.clock;
        self.clock += (samples.len() / 2) as f64 * media_per_frame;
        self.out.push_back(Produced::Audio(Chunk {
            samples,
            rate: self.out_rate,
            media_start,
            media_per_frame,
            segment: self.index,
        }));
    }

    fn finish_segment(&mut self) {
        let index = self.index;
        if let Some(mut stretcher) = self.stretcher.take() {
            let tail = stretcher.finish();
            self.push_audio(&tail);
        }
        let segment = &self.segments[index];
        let reached = segment.decoder.position();
        if segment.duration > 0.0 && reached + TRUNCATION_SLACK_SECS < segment.duration {
            self.out
                .push_back(Produced::Problem(PlayerError::Truncated {
                    segment: segment.label.clone(),
                    played: reached,
                    expected: segment.duration,
                }));
        } else if segment.decoder.errors > 0 {
            self.out.push_back(Produced::Problem(PlayerError::Corrupt {
                segment: segment.label.clone(),
                bad_packets: segment.decoder.errors,
            }));
        }
        self.index += 1;
        if let Some(next) = self.segments.get_mut(self.index) {
            if !next.at_start
                && let Err(error) = next.seek(0.0)
            {
                self.out.push_back(Produced::Problem(error));
            }
            next.at_start = true;
            let offset = next.offset;
            self.restart_stretch(offset);
        }
    }
}
