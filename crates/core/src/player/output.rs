//! The hand-over to rodio: a bounded queue the player thread fills, and our own
//! `rodio::Source` that the output callback drains. Volume, channel mode and pause are
//! applied here so they take effect within one span (≤ 512 frames), and the media time is
//! taken here, from the frames actually handed to the output.

use std::collections::VecDeque;
use std::num::NonZero;
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use rodio::{ChannelCount, SampleRate, Source};

use super::pipeline::Chunk;
use super::{ChannelMode, PlayerError};

/// Frames between looks at pause, volume and the channel mode: how soon they apply. (Not
/// rodio spans: the source has one rate throughout, see `resample`.)
const SPAN_FRAMES: usize = 512;
/// How long the output callback waits for audio that is late (a slow decode or network)
/// before it plays silence. Waiting rather than glitching keeps an unpaced sink (ALSA's
/// file plugin, in tests) gap-free; on a real device a wait this long is an underrun anyway.
const UNDERRUN_WAIT: Duration = Duration::from_millis(200);
/// Silence may run at most this far ahead of the wall clock. A real device never lets it
/// (it asks for audio in real time); an unpaced one would otherwise write silence as
/// fast as the CPU goes while paused.
const IDLE_LEAD: Duration = Duration::from_millis(500);

#[derive(Debug)]
pub(crate) enum Note {
    End,
    Problem(PlayerError),
}

pub(crate) enum Item {
    Audio { generation: u64, chunk: Chunk },
    Marker { generation: u64, note: Note },
}

#[derive(Default)]
pub(crate) struct Queue {
    items: VecDeque<Item>,
    /// Output seconds of audio queued.
    pub queued_secs: f64,
}

/// State shared between the player thread and the output callback.
pub(crate) struct Shared {
    queue: Mutex<Queue>,
    data_ready: Condvar,
    pub paused: AtomicBool,
    volume_bits: AtomicU32,
    channel_mode: AtomicU8,
    /// Bumped on every seek: queued audio of an older generation is dropped unplayed.
    pub generation: AtomicU64,
    position_us: AtomicU64,
    pub segment: AtomicUsize,
    /// Markers the output has reached (end of timeline, a damaged segment).
    notes: Mutex<Vec<(u64, Note)>>,
    /// Set by the player when it wants to know when audio next reaches the output.
    audio_started: Mutex<Option<Instant>>,
    pub want_audio_start: AtomicBool,
}

impl Shared {
    pub fn new() -> Self {
        Self {
            queue: Mutex::default(),
            data_ready: Condvar::new(),
            paused: AtomicBool::new(true),
            volume_bits: AtomicU32::new(1.0f32.to_bits()),
            channel_mode: AtomicU8::new(ChannelMode::Both as u8),
            generation: AtomicU64::new(0),
            position_us: AtomicU64::new(0),
            segment: AtomicUsize::new(0),
            notes: Mutex::default(),
            audio_started: Mutex::default(),
            want_audio_start: AtomicBool::new(false),
        }
    }

    fn lock_queue(&self) -> MutexGuard<'_, Queue> {
        // A poisoned lock only means a panic elsewhere; the queue itself is still valid.
        self.queue.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn queued_secs(&self) -> f64 {
        self.lock_queue().queued_secs
    }

    pub fn push(&self, item: Item) {
        let mut queue = self.lock_queue();
        if let Item::Audio { chunk, .. } = &item {
            queue.queued_secs += chunk_secs(chunk);
        }
        queue.items.push_back(item);
        drop(queue);
        self.data_ready.notify_all();
    }

    /// Drops everything queued and starts a new generation at `position`.
    pub fn restart(&self, position: f64, segment: usize) -> u64 {
        let mut queue = self.lock_queue();
        queue.items.clear();
        queue.queued_secs = 0.0;
        let generation = self.generation.fetch_add(1, Ordering::SeqCst) + 1;
        self.set_position(position);
        self.segment.store(segment, Ordering::Relaxed);
        generation
    }

    pub fn set_volume(&self, volume: f32) {
        self.volume_bits.store(volume.to_bits(), Ordering::Relaxed);
    }

    pub fn set_channel_mode(&self, mode: ChannelMode) {
        self.channel_mode.store(mode as u8, Ordering::Relaxed);
    }

    pub fn position(&self) -> f64 {
        self.position_us.load(Ordering::Relaxed) as f64 / 1e6
    }

    fn set_position(&self, secs: f64) {
        self.position_us
            .store((secs.max(0.0) * 1e6) as u64, Ordering::Relaxed);
    }

    pub fn take_notes(&self) -> Vec<(u64, Note)> {
        std::mem::take(&mut *self.notes.lock().unwrap_or_else(|e| e.into_inner()))
    }

    pub fn take_audio_started(&self) -> Option<Instant> {
        self.audio_started
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
    }

    fn gains(&self) -> [f32; 2] {
        let volume = f32::from_bits(self.volume_bits.load(Ordering::Relaxed));
        match ChannelMode::from_u8(self.channel_mode.load(Ordering::Relaxed)) {
            ChannelMode::Both => [volume, volume],
            ChannelMode::AgentOnly => [volume, 0.0],
            ChannelMode::CustomerOnly => [0.0, volume],
        }
    }
}

fn chunk_secs(chunk: &Chunk) -> f64 {
    (chunk.samples.len() / 2) as f64 / f64::from(chunk.rate)
}

/// The infinite source rodio plays: queued audio when playing, silence otherwise.
pub(crate) struct OutputSource {
    shared: Arc<Shared>,
    chunk: Option<(u64, Chunk)>,
    /// Next sample of `chunk`.
    pos: usize,
    span_left: usize,
    /// The device's rate: every chunk comes at it.
    rate: SampleRate,
    span_silent: bool,
    gains: [f32; 2],
    /// The generation whose end marker has been played (no waiting for more audio then).
    ended_generation: Option<u64>,
    /// Media time just past the last chunk taken: the position once the end is reached.
    last_end: f64,
    idle: Option<(Instant, u64)>,
}

impl OutputSource {
    pub fn new(shared: Arc<Shared>, rate: SampleRate) -> Self {
        let mut source = Self {
            shared,
            chunk: None,
            pos: 0,
            span_left: 0,
            rate,
            span_silent: true,
            gains: [1.0, 1.0],
            ended_generation: None,
            last_end: 0.0,
            idle: None,
        };
        source.prepare_span();
        source
    }

    /// Decides what the next span of samples is: audio or silence.
    fn prepare_span(&mut self) {
        let generation = self.shared.generation.load(Ordering::SeqCst);
        if self
            .chunk
            .as_ref()
            .is_some_and(|(g, c)| *g != generation || self.pos >= c.samples.len())
        {
            self.chunk = None;
        }
        self.gains = self.shared.gains();
        if !self.shared.paused.load(Ordering::Relaxed) {
            if self.chunk.is_none() {
                self.chunk = self.pop(generation);
                self.pos = 0;
            }
            if let Some((_, chunk)) = &self.chunk {
                let frames_left = (chunk.samples.len() - self.pos) / 2;
                self.span_left = frames_left.min(SPAN_FRAMES) * 2;
                debug_assert_eq!(
                    chunk.rate,
                    self.rate.get(),
                    "chunks come at the device rate"
                );
                self.span_silent = false;
                self.idle = None;
                let position = chunk.media_start + (self.pos / 2) as f64 * chunk.media_per_frame;
                self.shared.set_position(position);
                self.shared.segment.store(chunk.segment, Ordering::Relaxed);
                if self.shared.want_audio_start.swap(false, Ordering::SeqCst) {
                    *self
                        .shared
                        .audio_started
                        .lock()
                        .unwrap_or_else(|e| e.into_inner()) = Some(Instant::now());
                }
                return;
            }
        }
        self.pace_idle();
        self.span_left = SPAN_FRAMES * 2;
        self.span_silent = true;
    }

    /// The next audio chunk of `generation`, passing on the markers met on the way; waits
    /// a little for audio that is due but not there yet.
    fn pop(&mut self, generation: u64) -> Option<(u64, Chunk)> {
        let mut queue = self.shared.lock_queue();
        let mut waited = false;
        loop {
            match queue.items.pop_front() {
                Some(Item::Audio {
                    generation: g,
                    chunk,
                }) => {
                    queue.queued_secs = (queue.queued_secs - chunk_secs(&chunk)).max(0.0);
                    if g == generation {
                        self.last_end = chunk.media_start
                            + (chunk.samples.len() / 2) as f64 * chunk.media_per_frame;
                        return Some((g, chunk));
                    }
                }
                Some(Item::Marker {
                    generation: g,
                    note,
                }) => {
                    if g == generation {
                        if matches!(note, Note::End) {
                            self.ended_generation = Some(g);
                            self.shared.set_position(self.last_end);
                        }
                        self.shared
                            .notes
                            .lock()
                            .unwrap_or_else(|e| e.into_inner())
                            .push((g, note));
                    }
                }
                None => {
                    if waited || self.ended_generation == Some(generation) {
                        return None;
                    }
                    waited = true;
                    queue = self
                        .shared
                        .data_ready
                        .wait_timeout(queue, UNDERRUN_WAIT)
                        .map(|(guard, _)| guard)
                        .unwrap_or_else(|e| e.into_inner().0);
                }
            }
        }
    }

    fn pace_idle(&mut self) {
        let now = Instant::now();
        let (since, frames) = self.idle.get_or_insert((now, 0));
        let emitted = Duration::from_secs_f64(*frames as f64 / f64::from(self.rate.get()));
        let elapsed = now.duration_since(*since);
        if emitted > elapsed + IDLE_LEAD {
            std::thread::sleep((emitted - elapsed - IDLE_LEAD).min(Duration::from_millis(50)));
        }
        *frames += SPAN_FRAMES as u64;
    }
}

impl Iterator for OutputSource {
    type Item = f32;

    fn next(&mut self) -> Option<f32> {
        let sample = if self.span_silent {
            0.0
        } else if let Some((_, chunk)) = &self.chunk {
            let channel = self.pos % 2;
            let value = chunk.samples.get(self.pos).copied().unwrap_or(0.0);
            self.pos += 1;
            value * self.gains[channel]
        } else {
            0.0
        };
        self.span_left = self.span_left.saturating_sub(1);
        if self.span_left == 0 {
            self.prepare_span();
        }
        Some(sample)
    }
}

impl Source for OutputSource {
    fn current_span_len(&self) -> Option<usize> {
        // One rate and channel count throughout: a single span.
        None
    }
    fn channels(&self) -> ChannelCount {
        NonZero::new(2).expect("non-zero")
    }
    fn sample_rate(&self) -> SampleRate {
        self.rate
    }
    fn total_duration(&self) -> Option<Duration> {
        None
    }
}
