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
use super::{CopyInfo, PlayerError, SegmentCopy, SegmentInfo, TimelineSegment};

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
    /// Every copy of the leg, best first, and why each that failed did.
    copies: Vec<(SegmentCopy, Option<&'static str>)>,
    /// Which copy `media` and `decoder` are.
    playing: usize,
    gap_before: Option<f64>,
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

/// Which leg, of legs starting at `starts` (in order), timeline time `t` falls in; the last
/// past the end, the first before the start.
pub(super) fn leg_at(starts: impl Iterator<Item = f64>, t: f64) -> usize {
    starts
        .take_while(|start| *start <= t)
        .count()
        .saturating_sub(1)
}

/// Opens one copy: format detection and headers, and for a header-less VBR MP3 a better
/// length than the bit rate's guess.
fn open_copy(media: &Media) -> Result<SegmentDecoder, PlayerError> {
    let mut decoder = SegmentDecoder::open(media)?;
    // A header-less VBR MP3's length is a bit-rate guess (minutes off on an hour). For a
    // local file, walking its frames is cheap and gives the true length; a remote one would
    // have to be fetched whole, so it is estimated from samples.
    if !decoder.duration_exact {
        let better = match media {
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
    Ok(decoder)
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
        let mut problems = Vec::new();
        let mut offset = 0.0;
        for segment in timeline {
            let mut copies: Vec<_> = segment.copies.iter().map(|c| (c.clone(), None)).collect();
            // The first copy that opens plays; the others wait as fallbacks.
            let mut opened = None;
            let mut first_error = None;
            for (i, (copy, failed)) in copies.iter_mut().enumerate() {
                match open_copy(&copy.media) {
                    Ok(decoder) => {
                        opened = Some((i, decoder));
                        break;
                    }
                    Err(error) => {
                        *failed = Some(crate::ErrorCode::code(&error));
                        first_error.get_or_insert(error);
                    }
                }
            }
            let (playing, decoder) = match (opened, first_error) {
                (Some(found), Some(error)) => {
                    problems.push(error);
                    found
                }
                (Some(found), None) => found,
                (None, Some(error)) => return Err(error),
                (None, None) => return Err(PlayerError::EmptyTimeline),
            };
            let duration = decoder.duration.unwrap_or(0.0);
            segments.push(LoadedSegment {
                label: segment.label.clone(),
                media: copies[playing].0.media.clone(),
                copies,
                playing,
                gap_before: segment.gap_before,
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
        // A copy that failed to open is reported once playback starts, as it falls back.
        pipeline
            .out
            .extend(problems.into_iter().map(Produced::Problem));
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
        if changed {
            self.relayout();
        }
    }

    /// After a leg's length changed: the legs after it move along the timeline, and so does
    /// the clock when it is in one of them.
    fn relayout(&mut self) {
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

    /// Plays copy `copy` of leg `index` from now on; in the leg playing, from `at` (leg time).
    fn switch_copy(&mut self, index: usize, copy: usize, at: f64) -> Result<(), PlayerError> {
        let segment = self
            .segments
            .get_mut(index)
            .filter(|s| copy < s.copies.len())
            .ok_or(PlayerError::NoSuchCopy {
                segment: index,
                copy,
            })?;
        let media = segment.copies[copy].0.media.clone();
        let mut decoder = match open_copy(&media) {
            Ok(decoder) => decoder,
            Err(error) => {
                segment.copies[copy].1 = Some(crate::ErrorCode::code(&error));
                return Err(error);
            }
        };
        let duration = decoder.duration.unwrap_or(0.0);
        let at = at.clamp(0.0, duration);
        if at > 0.0 {
            decoder.seek(at, SeekMode::Accurate)?;
        }
        segment.copies[copy].1 = None;
        segment.playing = copy;
        segment.media = media;
        segment.decoder = decoder;
        segment.scan = None;
        segment.frames = None;
        segment.at_start = at == 0.0;
        if segment.duration != duration {
            segment.duration = duration;
            self.relayout();
        } else {
            // The copy shown as playing changed: announce the timeline again.
            self.lengths_changed = true;
        }
        self.index_streamed_mp3();
        Ok(())
    }

    /// The reviewer's choice of copy for a leg; the caller seeks to where playback is, so
    /// the leg playing carries on from the same place.
    pub fn use_copy(&mut self, index: usize, copy: usize) -> Result<(), PlayerError> {
        self.switch_copy(index, copy, 0.0)
    }

    /// After the playing copy of the current leg failed at leg time `at`: the next copy that
    /// opens takes over from there. False when none is left.
    fn fall_back(&mut self, at: f64) -> bool {
        let index = self.index;
        let Some(segment) = self.segments.get(index) else {
            return false;
        };
        let from = segment.playing + 1;
        for copy in from..segment.copies.len() {
            if self.segments[index].copies[copy].1.is_some() {
                continue;
            }
            match self.switch_copy(index, copy, at) {
                Ok(()) => {
                    if let Some(mut stretcher) = self.stretcher.take() {
                        let tail = stretcher.finish();
                        self.push_audio(&tail);
                    }
                    let offset = self.segments[index].offset;
                    self.restart_stretch(offset + at);
                    return true;
                }
                Err(error) => self.out.push_back(Produced::Problem(error)),
            }
        }
        false
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
                gap_before: s.gap_before,
                copies: s
                    .copies
                    .iter()
                    .map(|(copy, failed)| CopyInfo {
                        recording_id: copy.recording_id.clone(),
                        kind: copy.kind,
                        failed: failed.map(str::to_owned),
                    })
                    .collect(),
                playing: u32::try_from(s.playing).unwrap_or(u32::MAX),
            })
            .collect()
    }

    /// Which segment timeline time `t` falls in (the last one past the end).
    pub fn segment_at(&self, t: f64) -> usize {
        leg_at(self.segments.iter().map(|s| s.offset), t)
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
                let at = segment.decoder.position();
                let code = crate::ErrorCode::code(&error);
                segment.copies[segment.playing].1 = Some(code);
                self.out.push_back(Produced::Problem(error));
                if !self.fall_back(at) {
                    self.finish_segment();
                }
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
        // A frame scan done by now makes the leg's length exact before it is judged.
        self.apply_scans(FrameScan::poll);
        let segment = &mut self.segments[index];
        let reached = segment.decoder.position();
        let estimated = !segment.decoder.duration_exact && segment.frames.is_none();
        if estimated && segment.decoder.errors == 0 && reached > 0.0 {
            // The length was a guess (a header-less VBR MP3 whose frames are not counted
            // yet): a clean end is the true end, not a truncation to fall back from.
            if (segment.duration - reached).abs() > f64::EPSILON {
                segment.duration = reached;
                self.relayout();
            }
        } else if segment.duration > 0.0 && reached + TRUNCATION_SLACK_SECS < segment.duration {
            let truncated = PlayerError::Truncated {
                segment: segment.label.clone(),
                played: reached,
                expected: segment.duration,
            };
            segment.copies[segment.playing].1 = Some(crate::ErrorCode::code(&truncated));
            self.out.push_back(Produced::Problem(truncated));
            // Another copy of the leg plays what this one lacks.
            if self.fall_back(reached) {
                return;
            }
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
