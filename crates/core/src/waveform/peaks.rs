//! The pure part of the waveform: decoded audio reduced to one peak per bucket, the peaks
//! quantised for the UI and the cache, and silence found in them.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// A quiet stretch of a segment, in segment seconds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Silence {
    pub start: f64,
    pub end: f64,
}

/// Buckets of a segment's audio filled block by block. A bucket is *complete* once audio past
/// its end was seen; complete buckets are handed out once each, in order ([`take_complete`]).
///
/// [`take_complete`]: Bucketer::take_complete
#[derive(Debug)]
pub(crate) struct Bucketer {
    bucket_secs: f64,
    /// Peak |amplitude| per bucket, over both channels (full scale = 1.0).
    peaks: Vec<f32>,
    /// Buckets before this one are complete.
    complete: usize,
    /// Buckets before this one were handed out (and are no longer changed).
    taken: usize,
}

impl Bucketer {
    pub fn new(bucket_secs: f64) -> Self {
        Self {
            bucket_secs,
            peaks: Vec::new(),
            complete: 0,
            taken: 0,
        }
    }

    /// Adds interleaved stereo `samples` at `rate` whose first frame is at `start` seconds.
    pub fn push(&mut self, start: f64, samples: &[f32], rate: u32) {
        // The decoder bounds times already; this keeps a bad caller from sizing `peaks` too.
        if rate == 0 || !start.is_finite() || start > crate::player::MAX_SEGMENT_SECS {
            return;
        }
        let rate = f64::from(rate);
        let frames = samples.len() / 2;
        let mut frame = 0usize;
        while frame < frames {
            let t = start + frame as f64 / rate;
            // The epsilon keeps a frame stamped exactly on a boundary (0.3 s / 0.05 s =
            // 5.999…) in the bucket it starts.
            let bucket = (t / self.bucket_secs + 1e-7).floor().max(0.0) as usize;
            // The first frame of the next bucket (at least one frame on, whatever the rounding).
            let boundary = (bucket + 1) as f64 * self.bucket_secs;
            let end = (((boundary - start) * rate - 1e-6).ceil().max(0.0) as usize)
                .clamp(frame + 1, frames);
            // `f32::max` skips NaN, so a garbage sample never poisons a bucket.
            let peak = samples[frame * 2..end * 2]
                .iter()
                .fold(0.0f32, |m, s| m.max(s.abs()));
            // Audio for a bucket already handed out (a timestamp going back) is dropped: what
            // was sent stays what is stored.
            if bucket >= self.taken {
                if self.peaks.len() <= bucket {
                    self.peaks.resize(bucket + 1, 0.0);
                }
                self.peaks[bucket] = self.peaks[bucket].max(peak.min(1.0));
            }
            frame = end;
        }
        let block_end = start + frames as f64 / rate;
        let done = (block_end / self.bucket_secs + 1e-7).floor().max(0.0) as usize;
        if done > self.complete {
            self.complete = done;
            if self.peaks.len() < done {
                // A gap in the audio (skipped packets): silent buckets.
                self.peaks.resize(done, 0.0);
            }
        }
    }

    /// The end of the audio: the last, partial bucket is complete too.
    pub fn finish(&mut self) {
        self.complete = self.peaks.len();
    }

    /// The complete buckets not handed out yet: (index of the first, their peaks).
    pub fn take_complete(&mut self) -> Option<(usize, Vec<u8>)> {
        if self.complete <= self.taken {
            return None;
        }
        let first = self.taken;
        let batch = self.peaks[first..self.complete]
            .iter()
            .map(|p| quantise(*p))
            .collect();
        self.taken = self.complete;
        Some((first, batch))
    }

    pub fn peaks(&self) -> &[f32] {
        &self.peaks
    }
}

/// A peak (full scale 1.0) as 0–255, linear: what the UI draws and the library keeps.
pub fn quantise(peak: f32) -> u8 {
    // NaN clamps to NaN, which `as` turns into 0.
    (peak.clamp(0.0, 1.0) * 255.0).round() as u8
}

/// Runs of buckets at or below `threshold_db` relative to the loudest bucket, lasting at least
/// `min_secs`, in seconds. All-silent audio is one silence (when long enough).
pub fn find_silences(
    peaks: &[f32],
    bucket_secs: f64,
    threshold_db: f32,
    min_secs: f64,
) -> Vec<Silence> {
    let loudest = peaks.iter().fold(0.0f32, |m, p| m.max(*p));
    let threshold = loudest * 10f32.powf(threshold_db / 20.0);
    let min_buckets = (min_secs / bucket_secs - 1e-9).ceil().max(1.0) as usize;
    let mut silences = Vec::new();
    let mut run_start: Option<usize> = None;
    for (i, peak) in peaks
        .iter()
        .chain(std::iter::once(&f32::INFINITY))
        .enumerate()
    {
        let quiet = *peak <= threshold;
        match (quiet, run_start) {
            (true, None) => run_start = Some(i),
            (false, Some(start)) => {
                if i - start >= min_buckets {
                    silences.push(Silence {
                        start: millis(start as f64 * bucket_secs),
                        end: millis(i as f64 * bucket_secs),
                    });
                }
                run_start = None;
            }
            _ => {}
        }
    }
    silences
}

/// Rounded to the millisecond (what the UI can show), which also keeps a silence the same
/// number after a round trip through the library's JSON.
fn millis(secs: f64) -> f64 {
    (secs * 1000.0).round() / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    const RATE: u32 = 1000;

    /// `secs` of stereo audio at `level` on both channels.
    fn tone(secs: f64, level: f32) -> Vec<f32> {
        let frames = (secs * f64::from(RATE)).round() as usize;
        (0..frames)
            .flat_map(|i| {
                let v = if i % 2 == 0 { level } else { -level };
                [v, v * 0.5]
            })
            .collect()
    }

    #[test]
    fn each_bucket_holds_the_peak_of_its_own_time_span() {
        let mut b = Bucketer::new(0.05);
        let mut audio = tone(0.1, 0.2);
        audio.extend(tone(0.05, 0.9));
        audio.extend(tone(0.05, 0.0));
        b.push(0.0, &audio, RATE);
        b.finish();
        let (first, peaks) = b.take_complete().unwrap();
        assert_eq!(first, 0);
        assert_eq!(peaks, vec![51, 51, 230, 0]);
    }

    #[test]
    fn buckets_are_handed_out_once_in_order_across_uneven_blocks() {
        let mut b = Bucketer::new(0.05);
        let audio = tone(1.0, 0.5);
        let mut seen = Vec::new();
        let mut at = 0usize;
        // Blocks of 7, 13, 29 … frames: never aligned with the 50-frame buckets.
        for (n, len) in [7usize, 13, 29, 101, 3, 250, 597].iter().enumerate() {
            let len = (*len).min(audio.len() / 2 - at);
            b.push(
                at as f64 / f64::from(RATE),
                &audio[at * 2..(at + len) * 2],
                RATE,
            );
            at += len;
            if let Some((first, peaks)) = b.take_complete() {
                assert_eq!(first, seen.len(), "batch {n} starts where the last ended");
                seen.extend(peaks);
            }
        }
        b.finish();
        if let Some((first, peaks)) = b.take_complete() {
            assert_eq!(first, seen.len());
            seen.extend(peaks);
        }
        assert_eq!(seen.len(), 20);
        assert!(seen.iter().all(|p| *p == quantise(0.5)));
        assert!(b.take_complete().is_none());
    }

    #[test]
    fn a_gap_in_timestamps_leaves_silent_buckets_and_a_step_back_changes_nothing_sent() {
        let mut b = Bucketer::new(0.05);
        b.push(0.0, &tone(0.1, 0.5), RATE);
        assert_eq!(b.take_complete(), Some((0, vec![128, 128])));
        // 0.2 s skipped (bad packets), then audio again.
        b.push(0.3, &tone(0.1, 0.5), RATE);
        // A block stamped earlier than what was handed out: ignored for those buckets.
        b.push(0.0, &tone(0.1, 1.0), RATE);
        b.finish();
        assert_eq!(b.take_complete(), Some((2, vec![0, 0, 0, 0, 128, 128])));
    }

    #[test]
    fn garbage_samples_never_panic_or_exceed_full_scale() {
        let mut b = Bucketer::new(0.05);
        b.push(0.0, &[f32::NAN, f32::INFINITY, -7.0, 0.1], RATE);
        b.push(f64::NAN, &[1.0, 1.0], RATE);
        b.push(-1.0, &tone(0.01, 0.3), RATE);
        b.push(0.0, &[0.2], RATE); // half a frame
        b.finish();
        let (_, peaks) = b.take_complete().unwrap();
        assert_eq!(peaks, vec![255]);
        assert_eq!(quantise(f32::NAN), 0);
    }

    #[test]
    fn silences_are_long_quiet_runs_relative_to_the_loudest_bucket() {
        let bs = 0.05;
        // 1 s loud, 1.5 s at -46 dB of it, 0.5 s loud, 0.8 s silent (too short), 1 s loud,
        // then 1 s at -30 dB (not quiet enough).
        let mut peaks = vec![0.5f32; 20];
        peaks.extend(vec![0.0025; 30]);
        peaks.extend(vec![0.4; 10]);
        peaks.extend(vec![0.0; 16]);
        peaks.extend(vec![0.5; 20]);
        peaks.extend(vec![0.0158; 20]);
        let found = find_silences(&peaks, bs, -40.0, 1.0);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!((found[0].start - 1.0).abs() < 1e-9);
        assert!((found[0].end - 2.5).abs() < 1e-9);
    }

    #[test]
    fn a_silence_at_the_end_and_an_all_silent_segment_count() {
        let mut peaks = vec![0.3f32; 10];
        peaks.extend(vec![0.0; 20]);
        let found = find_silences(&peaks, 0.05, -40.0, 1.0);
        assert_eq!(
            found,
            vec![Silence {
                start: 0.5,
                end: 1.5
            }]
        );
        assert_eq!(
            find_silences(&[0.0; 40], 0.05, -40.0, 1.0),
            vec![Silence {
                start: 0.0,
                end: 2.0
            }]
        );
        assert!(find_silences(&[0.0; 19], 0.05, -40.0, 1.0).is_empty());
        assert!(find_silences(&[], 0.05, -40.0, 1.0).is_empty());
    }
}
