//! The speech-like test signal: tones shaped by syllable envelopes, grouped into phrases that
//! are separated by pauses of exact digital silence, two speakers taking turns.
//!
//! Everything is generated on the fly (O(1) memory) and is a pure function of the spec, so the
//! same spec always produces the same samples. The phrase/syllable script is drawn in seconds
//! from the PRNG independently of the sample rate, so every format carries the same "call".

use std::f64::consts::TAU;

/// Peak amplitude of the loudest syllable: about -6 dBFS.
pub const PEAK: f64 = 0.5;
/// Relative amplitudes of the fundamental, 2nd and 3rd harmonic. The fundamental stays
/// dominant (tests identify a segment by it); the overtones only make it less synthetic.
const HARMONICS: [f64; 3] = [1.0, 0.12, 0.06];

/// Syllable rate 3–6 Hz.
const SYLLABLE_SECS: (f64, f64) = (1.0 / 6.0, 1.0 / 3.0);
/// Target phrase length; a phrase ends with the first syllable that reaches the target, so a
/// phrase lasts between the lower bound and the upper bound plus one syllable (≤ 5 s).
const PHRASE_TARGET_SECS: (f64, f64) = (1.5, 4.65);
/// Pauses between phrases: real digital silence, long enough for silence detection.
const PAUSE_SECS: (f64, f64) = (0.4, 1.2);
/// Short stops between words inside a phrase (well below the 0.4 s pause threshold).
const WORD_GAP_SECS: (f64, f64) = (0.04, 0.15);
const WORD_GAP_CHANCE: f64 = 0.2;
/// Silence before the first phrase (picking up the phone).
const LEAD_IN_SECS: (f64, f64) = (0.25, 0.6);
/// The other party answers after most phrases; sometimes the same speaker goes on.
const SWITCH_SPEAKER_CHANCE: f64 = 0.8;
/// Fade at the very end, so a phrase cut by the file's end does not click.
const END_FADE_SECS: f64 = 0.01;

/// splitmix64: tiny, fast, good enough for shaping a test signal, and fully deterministic.
#[derive(Debug, Clone)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        mix64(self.0)
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    pub fn range(&mut self, (lo, hi): (f64, f64)) -> f64 {
        lo + (hi - lo) * self.unit()
    }
}

/// The splitmix64 output function: a stateless 64-bit mixer.
pub fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Who is talking in a span of the script.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Speaker {
    /// Left channel in stereo.
    Agent,
    /// Right channel in stereo.
    Customer,
}

/// One piece of the script, in seconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Span {
    Silence {
        secs: f64,
    },
    Syllable {
        speaker: Speaker,
        secs: f64,
        amp: f64,
    },
}

/// An endless, seeded script of phrases and pauses (independent of any sample rate).
#[derive(Debug, Clone)]
pub struct Script {
    rng: SplitMix64,
    started: bool,
    speaker: Speaker,
    /// Seconds of the current phrase still to fill; `None` between phrases.
    phrase_left: Option<f64>,
    /// The last span was a syllable (word gaps only go between syllables).
    after_syllable: bool,
}

impl Script {
    pub fn new(seed: u64) -> Self {
        let mut rng = SplitMix64::new(seed ^ 0x5EED_CA11_0000_0001);
        let speaker = if rng.unit() < 0.5 {
            Speaker::Agent
        } else {
            Speaker::Customer
        };
        Self {
            rng,
            started: false,
            speaker,
            phrase_left: None,
            after_syllable: false,
        }
    }
}

impl Iterator for Script {
    type Item = Span;

    fn next(&mut self) -> Option<Span> {
        if !self.started {
            self.started = true;
            return Some(Span::Silence {
                secs: self.rng.range(LEAD_IN_SECS),
            });
        }
        let left = match self.phrase_left {
            Some(left) => left,
            None => {
                let target = self.rng.range(PHRASE_TARGET_SECS);
                self.after_syllable = false;
                target
            }
        };
        if left <= 0.0 {
            // Phrase done: pause, then maybe hand over to the other party.
            self.phrase_left = None;
            if self.rng.unit() < SWITCH_SPEAKER_CHANCE {
                self.speaker = match self.speaker {
                    Speaker::Agent => Speaker::Customer,
                    Speaker::Customer => Speaker::Agent,
                };
            }
            return Some(Span::Silence {
                secs: self.rng.range(PAUSE_SECS),
            });
        }
        if self.after_syllable && self.rng.unit() < WORD_GAP_CHANCE {
            let secs = self.rng.range(WORD_GAP_SECS);
            self.phrase_left = Some(left - secs);
            self.after_syllable = false;
            return Some(Span::Silence { secs });
        }
        let secs = self.rng.range(SYLLABLE_SECS);
        // Stressed and unstressed syllables; the loudest reach the full -6 dBFS.
        let amp = (0.55 + 0.5 * self.rng.unit()).min(1.0);
        self.phrase_left = Some(left - secs);
        self.after_syllable = true;
        Some(Span::Syllable {
            speaker: self.speaker,
            secs,
            amp,
        })
    }
}

/// A sine oscillator as a rotating phasor: no transcendental call per sample, harmonics from
/// the fundamental's sine and cosine.
#[derive(Debug, Clone)]
struct Voice {
    cos: f64,
    sin: f64,
    step_cos: f64,
    step_sin: f64,
    /// Harmonic weights, zero for harmonics at or above 0.45 × the sample rate (no aliasing),
    /// scaled so that the waveform peaks at `PEAK`.
    weights: [f64; 3],
}

impl Voice {
    fn new(tone_hz: f64, sample_rate: u32) -> Self {
        let mut weights = [0.0; 3];
        for (k, w) in weights.iter_mut().enumerate() {
            if tone_hz * (k as f64 + 1.0) < 0.45 * f64::from(sample_rate) {
                *w = HARMONICS[k];
            }
        }
        // Scale so that the waveform's true peak (over one period) is `PEAK`.
        let peak = (0..4096)
            .map(|i| {
                let t = TAU * f64::from(i) / 4096.0;
                (weights[0] * t.sin() + weights[1] * (2.0 * t).sin() + weights[2] * (3.0 * t).sin())
                    .abs()
            })
            .fold(0.0, f64::max);
        for w in &mut weights {
            *w *= PEAK / peak;
        }
        let step = TAU * tone_hz / f64::from(sample_rate);
        Self {
            cos: 1.0,
            sin: 0.0,
            step_cos: step.cos(),
            step_sin: step.sin(),
            weights,
        }
    }

    #[inline]
    fn next(&mut self) -> f64 {
        let (s, c) = (self.sin, self.cos);
        let [w1, w2, w3] = self.weights;
        // sin 2x = 2 sin x cos x; sin 3x = sin x (3 - 4 sin² x).
        let v = w1 * s + w2 * 2.0 * s * c + w3 * s * (3.0 - 4.0 * s * s);
        let c2 = c * self.step_cos - s * self.step_sin;
        let s2 = s * self.step_cos + c * self.step_sin;
        // First-order renormalisation keeps the phasor on the unit circle for hours.
        let g = 1.5 - 0.5 * (c2 * c2 + s2 * s2);
        self.cos = c2 * g;
        self.sin = s2 * g;
        v
    }
}

/// The current span in samples.
#[derive(Debug, Clone)]
struct Current {
    /// Frame index (exclusive) at which the span ends.
    end: u64,
    /// `None` for silence.
    speaker: Option<Speaker>,
    amp: f64,
    /// Envelope phasor: env = amp · (1 − cos θ) / 2, θ going 0 → 2π over the syllable, which is
    /// zero with zero slope at both ends (no clicks).
    env_cos: f64,
    env_sin: f64,
    env_step_cos: f64,
    env_step_sin: f64,
}

/// Renders the script as interleaved f32 frames at a given rate, mono or stereo.
#[derive(Debug, Clone)]
pub struct Signal {
    script: Script,
    sample_rate: u32,
    channels: u16,
    total: u64,
    pos: u64,
    /// Script time (seconds) at the end of the current span; span boundaries are rounded from
    /// this running sum so rounding never accumulates.
    script_secs: f64,
    current: Current,
    agent: Voice,
    customer: Voice,
    fade_frames: u64,
}

impl Signal {
    /// `right_tone_hz` is the customer's tone; in mono everybody speaks at `tone_hz` (a mono
    /// recording is identified by its one tone).
    pub fn new(
        seed: u64,
        duration_ms: u64,
        sample_rate: u32,
        channels: u16,
        tone_hz: f64,
        right_tone_hz: f64,
    ) -> Self {
        let total = frames_for(duration_ms, sample_rate);
        let right = if channels == 2 {
            right_tone_hz
        } else {
            tone_hz
        };
        let fade_frames = ((END_FADE_SECS * f64::from(sample_rate)) as u64).max(1);
        Self {
            script: Script::new(seed),
            sample_rate,
            channels,
            total,
            pos: 0,
            script_secs: 0.0,
            current: Current {
                end: 0,
                speaker: None,
                amp: 0.0,
                env_cos: 1.0,
                env_sin: 0.0,
                env_step_cos: 1.0,
                env_step_sin: 0.0,
            },
            agent: Voice::new(tone_hz, sample_rate),
            customer: Voice::new(right, sample_rate),
            fade_frames,
        }
    }

    pub fn total_frames(&self) -> u64 {
        self.total
    }

    pub fn channels(&self) -> u16 {
        self.channels
    }

    /// Frames still to come.
    pub fn remaining(&self) -> u64 {
        self.total - self.pos
    }

    fn next_span(&mut self) {
        let start = self.current.end;
        // The script never ends, so this loop always finds a span of at least one frame.
        loop {
            let span = self.script.next().unwrap_or(Span::Silence { secs: 1.0 });
            let secs = match span {
                Span::Silence { secs } | Span::Syllable { secs, .. } => secs,
            };
            self.script_secs += secs;
            let end = (self.script_secs * f64::from(self.sample_rate)).round() as u64;
            if end <= start {
                continue;
            }
            let len = (end - start) as f64;
            let c = &mut self.current;
            c.end = end;
            c.env_cos = 1.0;
            c.env_sin = 0.0;
            c.env_step_cos = (TAU / len).cos();
            c.env_step_sin = (TAU / len).sin();
            match span {
                Span::Silence { .. } => {
                    c.speaker = None;
                    c.amp = 0.0;
                }
                Span::Syllable { speaker, amp, .. } => {
                    c.speaker = Some(speaker);
                    c.amp = amp;
                }
            }
            return;
        }
    }

    /// Fills `out` (interleaved, whole frames) and returns the number of frames written; 0 at
    /// the end.
    pub fn fill(&mut self, out: &mut [f32]) -> usize {
        let ch = usize::from(self.channels);
        let want = ((out.len() / ch) as u64).min(self.remaining()) as usize;
        let mut i = 0;
        while i < want {
            if self.pos >= self.current.end {
                self.next_span();
            }
            let run = ((self.current.end - self.pos) as usize).min(want - i);
            let frames = &mut out[i * ch..(i + run) * ch];
            match self.current.speaker {
                None => frames.fill(0.0),
                Some(speaker) => {
                    let c = &mut self.current;
                    let voice = match speaker {
                        Speaker::Agent => &mut self.agent,
                        Speaker::Customer => &mut self.customer,
                    };
                    // In stereo the agent is on the left, the customer on the right.
                    let lane = if ch == 2 && speaker == Speaker::Customer {
                        1
                    } else {
                        0
                    };
                    for frame in frames.chunks_exact_mut(ch) {
                        let env = c.amp * 0.5 * (1.0 - c.env_cos);
                        let v = (env * voice.next()) as f32;
                        let (ec, es) = (c.env_cos, c.env_sin);
                        c.env_cos = ec * c.env_step_cos - es * c.env_step_sin;
                        c.env_sin = es * c.env_step_cos + ec * c.env_step_sin;
                        frame.fill(0.0);
                        frame[lane] = v;
                    }
                }
            }
            // Fade the last few milliseconds out (only touches the file's final frames).
            let fade_start = self.total.saturating_sub(self.fade_frames);
            let run_end = self.pos + run as u64;
            if run_end > fade_start {
                for (k, frame) in frames.chunks_exact_mut(ch).enumerate() {
                    let p = self.pos + k as u64;
                    if p >= fade_start {
                        let g = (self.total - p) as f32 / self.fade_frames as f32;
                        frame.iter_mut().for_each(|s| *s *= g);
                    }
                }
            }
            self.pos = run_end;
            i += run;
        }
        want
    }
}

/// Frames of `duration_ms` at `sample_rate`, rounded to the nearest frame.
pub fn frames_for(duration_ms: u64, sample_rate: u32) -> u64 {
    ((u128::from(duration_ms) * u128::from(sample_rate) + 500) / 1000) as u64
}

/// f32 in [-1, 1] to PCM16, rounding (the signal peaks at -6 dBFS, so no clipping occurs).
#[inline]
pub fn to_i16(x: f32) -> i16 {
    (x * 32767.0).round().clamp(-32768.0, 32767.0) as i16
}
