//! Speed with the pitch kept: a time-stretch between the decoder and rodio.
//!
//! Why Signalsmith Stretch (`signalsmith-stretch`, bindings to the MIT C++ header library):
//! a modern, maintained spectral time-stretch made for changing speed without changing
//! pitch, it streams block by block with a documented latency we can compensate (so media
//! time stays exact), and it builds here from crates.io (its bindgen needs `libclang-dev`).
//! rodio's own `speed` resamples, which moves the pitch with the speed.
//! Stretching happens before rodio, on the player thread, so the output callback stays cheap.

use signalsmith_stretch::Stretch;

const CHANNELS: usize = 2;

/// Streams interleaved stereo through Signalsmith Stretch at a fixed speed, compensating
/// its latency so that output frame `k` is media time `start + k × speed / rate`.
pub(crate) struct Stretcher {
    inner: Stretch,
    speed: f64,
    input_latency: usize,
    /// Pre-roll output frames still to drop after the start.
    drop_frames: usize,
    /// Input gathered until there is enough to position the stretcher (`seek`).
    pending: Vec<f32>,
    started: bool,
    /// The fractional output frame carried between blocks, so lengths add up exactly.
    carry: f64,
}

impl Stretcher {
    pub fn new(rate: u32, speed: f64) -> Self {
        let inner = Stretch::preset_default(CHANNELS as u32, rate);
        let input_latency = inner.input_latency();
        Self {
            inner,
            speed,
            input_latency,
            drop_frames: 0,
            pending: Vec::new(),
            started: false,
            carry: 0.0,
        }
    }

    /// Stretches `input` (interleaved stereo); returns what is ready of the output.
    pub fn push(&mut self, input: &[f32]) -> Vec<f32> {
        if !self.started {
            self.pending.extend_from_slice(input);
            if self.pending.len() < self.input_latency * CHANNELS {
                return Vec::new();
            }
            // As the library's README says: position the processing time at the first
            // input frame with `seek(first inputLatency frames)`, then drop `outputLatency`
            // frames of pre-roll.
            let pending = std::mem::take(&mut self.pending);
            let (head, _) = pending.split_at(self.input_latency * CHANNELS);
            self.inner.seek(head, self.speed);
            self.started = true;
            self.drop_frames = self.inner.output_latency();
            let rest = pending[self.input_latency * CHANNELS..].to_vec();
            return self.process(&rest);
        }
        self.process(input)
    }

    fn process(&mut self, input: &[f32]) -> Vec<f32> {
        let frames_in = input.len() / CHANNELS;
        let exact = frames_in as f64 / self.speed + self.carry;
        let frames_out = exact.floor() as usize;
        self.carry = exact - frames_out as f64;
        let mut out = vec![0.0f32; frames_out * CHANNELS];
        self.inner.process(input, &mut out);
        self.drop_preroll(out)
    }

    fn drop_preroll(&mut self, mut out: Vec<f32>) -> Vec<f32> {
        let drop = self.drop_frames.min(out.len() / CHANNELS);
        self.drop_frames -= drop;
        out.drain(..drop * CHANNELS);
        out
    }

    /// The rest of the output at the end of the input (the stretcher holds about its
    /// latency's worth).
    pub fn finish(&mut self) -> Vec<f32> {
        if !self.started {
            if self.pending.is_empty() {
                return Vec::new();
            }
            // Shorter than the latency: pad with silence so it can be positioned at all.
            let pad = self.input_latency * CHANNELS - self.pending.len();
            self.pending.extend(std::iter::repeat_n(0.0, pad));
            self.push(&[]);
        }
        // Silence to move the processing time to the end of the input, then the tail.
        let silence = vec![0.0f32; self.input_latency * CHANNELS];
        let mut out = self.process(&silence);
        let tail_frames = self.inner.output_latency();
        let mut tail = vec![0.0f32; tail_frames * CHANNELS];
        self.inner.flush(&mut tail);
        out.extend(self.drop_preroll(tail));
        out
    }
}
