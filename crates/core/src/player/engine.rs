//! The player thread: applies commands at once, owns the output, and reports what the
//! output reached. It never decodes and never waits on a read: each loaded call is decoded on
//! its own thread ([`producer`](super::producer)), so pause, seek and loading another call
//! answer while a server stalls.

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use super::output::{Note, OutputSource, Shared};
use super::producer::{Layout, Producer, Report, Work};
use super::{
    ChannelMode, Command, Event, MAX_VOLUME, PlayState, PlayerError, PlayerOptions, Subscribers,
};

/// How often the thread looks for commands and reports between them.
const IDLE_POLL: Duration = Duration::from_millis(10);
/// ... and while a call opens or its first audio is awaited: the reviewer is waiting on it,
/// and a 10 ms look added up to 10 ms to each of "opened" and "audio started".
const HURRY_POLL: Duration = Duration::from_millis(1);
/// How long the thread looks that often after a load, play or seek; a stalled server must
/// not keep it waking a thousand times a second.
const HURRY_FOR: Duration = Duration::from_secs(2);
/// Position events while playing: 20 Hz (the UI wants ≥ 10).
const POSITION_EVERY: Duration = Duration::from_millis(50);
/// `PrevSegment` this far into a segment goes back to its start, as a CD player does.
const PREV_RESTARTS_AFTER_SECS: f64 = 3.0;
/// Controls kept while a call opens (the oldest dropped beyond): `Load` then `Seek`, `Play`
/// is the usual sequence; a stalled open must not let them pile up.
const MAX_PENDING: usize = 64;

struct Output {
    // Field order matters: the player must go before the device it plays on.
    _player: rodio::Player,
    _sink: rodio::MixerDeviceSink,
    rate: u32,
}

/// The wait for audio after a play or seek, as a reviewer sees it: asked, then handed to the
/// output, then moving (the position is reported that moment, not at the next 50 ms tick).
#[derive(Clone, Copy)]
enum FirstAudio {
    /// Nothing awaited: the output moves (or nothing was asked).
    Moving,
    /// Since when (to log the time to the first sample).
    Asked(Instant),
    /// The position the first audio started at.
    Started(f64),
}

/// The loaded call, as the player thread knows it.
enum Call {
    Nothing,
    /// Opening on its decode thread; the controls that need it, asked meanwhile, apply in
    /// order once it is open.
    Opening {
        producer: Producer,
        pending: VecDeque<Command>,
    },
    Ready {
        producer: Producer,
        layout: Layout,
    },
}

struct Engine {
    options: PlayerOptions,
    shared: Arc<Shared>,
    subscribers: Subscribers,
    output: Option<Output>,
    call: Call,
    generation: u64,
    state: PlayState,
    speed: f64,
    volume: f64,
    channel_mode: ChannelMode,
    last_position: Instant,
    first_audio: FirstAudio,
    /// Until when the thread looks every [`HURRY_POLL`].
    hurry_until: Option<Instant>,
}

pub(super) fn run(options: PlayerOptions, inbox: &Receiver<Command>, subscribers: Subscribers) {
    let speed = options
        .speed
        .filter(|s| (super::MIN_SPEED..=super::MAX_SPEED).contains(s))
        .unwrap_or(1.0);
    let mut engine = Engine {
        options,
        shared: Arc::new(Shared::new()),
        subscribers,
        output: None,
        call: Call::Nothing,
        generation: 0,
        state: PlayState::Idle,
        speed,
        volume: 1.0,
        channel_mode: ChannelMode::Both,
        last_position: Instant::now(),
        first_audio: FirstAudio::Moving,
        hurry_until: None,
    };
    loop {
        match inbox.recv_timeout(engine.poll_every()) {
            Ok(Command::Stop) | Err(RecvTimeoutError::Disconnected) => break,
            Ok(command) => engine.handle(command),
            Err(RecvTimeoutError::Timeout) => {}
        }
        engine.take_reports();
        engine.report();
    }
    // The queue's waiters must not block the device's teardown.
    engine.shared.paused.store(true, Ordering::SeqCst);
    engine.output = None;
}

impl Engine {
    fn poll_every(&mut self) -> Duration {
        match self.hurry_until {
            Some(until) if Instant::now() < until => HURRY_POLL,
            Some(_) => {
                self.hurry_until = None;
                IDLE_POLL
            }
            None => IDLE_POLL,
        }
    }

    /// Someone waits on what comes next (an open, the first audio): look often for a while.
    fn hurry(&mut self) {
        self.hurry_until = Some(Instant::now() + HURRY_FOR);
    }

    fn emit(&self, event: Event) {
        let mut subscribers = self.subscribers.lock().unwrap_or_else(|e| e.into_inner());
        subscribers.retain(|s| s.send(event.clone()).is_ok());
    }

    fn emit_error(&self, error: &PlayerError) {
        tracing::warn!(code = crate::ErrorCode::code(error), "player: {error}");
        self.emit(error.into());
    }

    fn emit_state(&self) {
        self.emit(Event::State {
            state: self.state,
            speed: self.speed,
            volume: self.volume,
            channel_mode: self.channel_mode,
        });
    }

    fn emit_position(&mut self) {
        self.last_position = Instant::now();
        self.emit(Event::Position {
            position: self.shared.position(),
            segment: self.shared.segment.load(Ordering::Relaxed),
        });
    }

    fn emit_loaded(&self, layout: &Layout) {
        self.emit(Event::Loaded {
            duration: layout.duration,
            segments: layout.segments.clone(),
        });
    }

    fn producer(&self) -> Option<&Producer> {
        match &self.call {
            Call::Nothing => None,
            Call::Opening { producer, .. } | Call::Ready { producer, .. } => Some(producer),
        }
    }

    fn layout(&self) -> Option<&Layout> {
        match &self.call {
            Call::Ready { layout, .. } => Some(layout),
            _ => None,
        }
    }

    /// What the loaded call's decode thread said since the last look.
    fn take_reports(&mut self) {
        while let Some(report) = self.producer().and_then(Producer::report) {
            match report {
                Report::Opened(layout) => self.opened(layout),
                Report::Relaid(layout) => {
                    self.emit_loaded(&layout);
                    if let Call::Ready { layout: known, .. } = &mut self.call {
                        *known = layout;
                    }
                }
                Report::Failed(error) => self.emit_error(&error),
                Report::Lost(error) => {
                    self.shared.paused.store(true, Ordering::SeqCst);
                    self.generation = self.shared.restart(0.0, 0);
                    self.call = Call::Nothing;
                    self.state = PlayState::Idle;
                    self.emit_error(&error);
                    self.emit_state();
                    self.emit_position();
                }
            }
        }
    }

    /// The call opened: announced, paused at the start, then what was asked meanwhile.
    fn opened(&mut self, layout: Layout) {
        let Call::Opening { producer, pending } = std::mem::replace(&mut self.call, Call::Nothing)
        else {
            return;
        };
        self.emit_loaded(&layout);
        self.call = Call::Ready { producer, layout };
        self.state = PlayState::Paused;
        self.emit_state();
        self.emit_position();
        for command in pending {
            self.handle(command);
        }
    }

    /// Opens the output device if it is not open; a missing device is reported, not fatal.
    fn ensure_output(&mut self) -> bool {
        if self.output.is_some() {
            return true;
        }
        match open_output(&self.options, &self.shared) {
            Ok(output) => {
                self.output = Some(output);
                true
            }
            Err(error) => {
                self.emit_error(&error);
                false
            }
        }
    }

    fn handle(&mut self, command: Command) {
        if let Call::Opening { pending, .. } = &mut self.call
            && needs_the_call(&command)
        {
            if pending.len() == MAX_PENDING {
                pending.pop_front();
            }
            pending.push_back(command);
            return;
        }
        match command {
            Command::Load(timeline) => self.load(timeline),
            Command::Play => self.play(),
            Command::Pause => self.pause(),
            Command::Toggle => match self.state {
                PlayState::Playing => self.pause(),
                _ => self.play(),
            },
            Command::Seek(to) => self.seek(to),
            Command::SeekBy(delta) => self.seek(self.shared.position() + delta),
            Command::Speed(speed) => self.set_speed(speed),
            Command::Volume(volume) => {
                if !(0.0..=MAX_VOLUME).contains(&volume) {
                    self.emit_error(&PlayerError::InvalidVolume(volume));
                    return;
                }
                self.volume = volume;
                self.shared.set_volume(volume as f32);
                self.emit_state();
            }
            Command::UseCopy { segment, copy } => self.use_copy(segment, copy),
            Command::NextSegment => self.jump_segment(1),
            Command::PrevSegment => self.jump_segment(-1),
            Command::ChannelMode(mode) => {
                self.channel_mode = mode;
                self.shared.set_channel_mode(mode);
                self.emit_state();
            }
            Command::OutputDevice(device) => self.switch_output(device),
            Command::Stop => {}
        }
    }

    fn switch_output(&mut self, device: Option<String>) {
        if self.options.device == device {
            return;
        }
        self.options.device = device;
        if self.output.is_none() {
            // Opened with the new choice on the next play.
            return;
        }
        let was_playing = self.state == PlayState::Playing;
        self.shared.paused.store(true, Ordering::SeqCst);
        self.output = None;
        if was_playing {
            // `play` opens the new device and, at a new rate, decodes again from here.
            self.state = PlayState::Paused;
            self.play();
        } else if self.ensure_output() {
            self.follow_device_rate();
        }
    }

    /// Loaded before a device was there, or moved to one at another rate: decode again at
    /// its rate, from here.
    fn follow_device_rate(&mut self) {
        let Some(rate) = self.output.as_ref().map(|o| o.rate) else {
            return;
        };
        if let Call::Ready { producer, layout } = &mut self.call
            && layout.out_rate != rate
        {
            layout.out_rate = rate;
            producer.send(Work::OutRate(rate));
            self.seek(self.shared.position());
        }
    }

    fn load(&mut self, timeline: Vec<super::TimelineSegment>) {
        self.shared.paused.store(true, Ordering::SeqCst);
        self.generation = self.shared.restart(0.0, 0);
        // Opening the device now takes it off the time to first audio, and tells the rate
        // to decode at. Without one, the timeline still loads (and can be exported).
        let out_rate = self
            .ensure_output()
            .then(|| self.output.as_ref().map(|o| o.rate))
            .flatten();
        // The previous call's thread is told to stop as its producer is dropped here.
        self.call = Call::Opening {
            producer: Producer::spawn(
                timeline,
                self.speed,
                out_rate,
                self.generation,
                Arc::clone(&self.shared),
            ),
            pending: VecDeque::new(),
        };
        self.hurry();
    }

    fn play(&mut self) {
        if !matches!(self.call, Call::Ready { .. }) {
            self.emit_error(&PlayerError::NothingLoaded);
            return;
        }
        if !self.ensure_output() {
            return;
        }
        self.follow_device_rate();
        if self.state == PlayState::Ended {
            self.seek(0.0);
        }
        self.await_audio();
        self.shared.paused.store(false, Ordering::SeqCst);
        self.state = PlayState::Playing;
        self.emit_state();
    }

    /// The next audio the output plays is timed and reported as soon as it moves.
    fn await_audio(&mut self) {
        self.first_audio = FirstAudio::Asked(Instant::now());
        self.shared.want_audio_start.store(true, Ordering::SeqCst);
        self.hurry();
    }

    fn pause(&mut self) {
        if self.state != PlayState::Playing {
            return;
        }
        self.shared.paused.store(true, Ordering::SeqCst);
        self.state = PlayState::Paused;
        self.emit_state();
    }

    fn seek(&mut self, to: f64) {
        let to = if to.is_finite() { to } else { 0.0 };
        let Call::Ready { producer, layout } = &mut self.call else {
            self.emit_error(&PlayerError::NothingLoaded);
            return;
        };
        let to = to.clamp(0.0, layout.duration);
        let segment = layout.segment_at(to);
        self.generation = self.shared.restart(to, segment);
        producer.send(Work::Seek {
            to,
            generation: self.generation,
        });
        if self.state == PlayState::Ended {
            self.state = PlayState::Paused;
            self.emit_state();
        }
        if self.state == PlayState::Playing {
            self.await_audio();
        }
        self.emit_position();
    }

    fn set_speed(&mut self, speed: f64) {
        if !(super::MIN_SPEED..=super::MAX_SPEED).contains(&speed) {
            self.emit_error(&PlayerError::InvalidSpeed(speed));
            return;
        }
        self.speed = speed;
        if let Call::Ready { producer, .. } = &self.call {
            producer.send(Work::Speed(speed));
            if self.state != PlayState::Ended {
                // What is queued was stretched at the old speed: start again from here.
                self.seek(self.shared.position());
            }
        }
        self.emit_state();
    }

    fn use_copy(&mut self, segment: usize, copy: usize) {
        let Call::Ready { producer, layout } = &self.call else {
            self.emit_error(&PlayerError::NothingLoaded);
            return;
        };
        if layout
            .segments
            .get(segment)
            .is_none_or(|s| copy >= s.copies.len())
        {
            self.emit_error(&PlayerError::NoSuchCopy { segment, copy });
            return;
        }
        producer.send(Work::UseCopy { segment, copy });
        // From where playback is, on the copy now chosen.
        self.seek(self.shared.position());
    }

    fn jump_segment(&mut self, step: isize) {
        let Some(layout) = self.layout() else {
            self.emit_error(&PlayerError::NothingLoaded);
            return;
        };
        let position = self.shared.position();
        let current = layout.segment_at(position);
        let target = if step > 0 {
            current + 1
        } else {
            let start = layout.segment_start(current).unwrap_or(0.0);
            if position - start > PREV_RESTARTS_AFTER_SECS || current == 0 {
                current
            } else {
                current - 1
            }
        };
        // Past the last segment: its end.
        let to = layout.segment_start(target).unwrap_or(layout.duration);
        self.seek(to);
    }

    /// Reports what the output has reached and, while playing, the position.
    fn report(&mut self) {
        let notes = self.shared.take_notes();
        if !notes.is_empty() {
            // Where the output is as the marker is reached: an error's place on the timeline.
            self.emit_position();
        }
        for (generation, note) in notes {
            if generation != self.generation {
                continue;
            }
            match note {
                Note::Problem(error) => self.emit_error(&error),
                Note::End => {
                    self.shared.paused.store(true, Ordering::SeqCst);
                    self.emit_position();
                    self.state = PlayState::Ended;
                    self.emit(Event::Ended);
                    self.emit_state();
                }
            }
        }
        if let Some(started) = self.shared.take_audio_started()
            && let FirstAudio::Asked(asked) = self.first_audio
        {
            tracing::debug!(
                latency_ms = started.saturating_duration_since(asked).as_secs_f64() * 1e3,
                "player: first sample handed to the output"
            );
            self.first_audio = FirstAudio::Started(self.shared.position());
        }
        if self.state != PlayState::Playing {
            return;
        }
        // The first move past where audio started is what a waiting reviewer sees as "playing".
        let moved =
            matches!(self.first_audio, FirstAudio::Started(from) if self.shared.position() > from);
        if moved {
            self.first_audio = FirstAudio::Moving;
            self.hurry_until = None;
        }
        if moved || self.last_position.elapsed() >= POSITION_EVERY {
            self.emit_position();
        }
    }
}

/// The controls that act on the loaded call, kept while it opens; the others (volume,
/// channels, device, another call) apply at once.
fn needs_the_call(command: &Command) -> bool {
    matches!(
        command,
        Command::Play
            | Command::Pause
            | Command::Toggle
            | Command::Seek(_)
            | Command::SeekBy(_)
            | Command::Speed(_)
            | Command::NextSegment
            | Command::PrevSegment
            | Command::UseCopy { .. }
    )
}

fn open_output(options: &PlayerOptions, shared: &Arc<Shared>) -> Result<Output, PlayerError> {
    let builder = match options.device.as_deref().and_then(find_device) {
        Some(device) => rodio::DeviceSinkBuilder::from_device(device),
        None => rodio::DeviceSinkBuilder::from_default_device(),
    }
    .map_err(|e| PlayerError::NoOutputDevice(e.to_string()))?;
    let mut sink = builder
        .open_sink_or_fallback()
        .map_err(|e| PlayerError::NoOutputDevice(e.to_string()))?;
    sink.log_on_drop(false);
    let rate = sink.config().sample_rate();
    let player = rodio::Player::connect_new(sink.mixer());
    player.append(OutputSource::new(Arc::clone(shared), rate));
    player.play();
    Ok(Output {
        _player: player,
        _sink: sink,
        rate: rate.get(),
    })
}

fn find_device(name: &str) -> Option<rodio::cpal::Device> {
    use rodio::cpal::traits::{DeviceTrait, HostTrait};
    rodio::cpal::default_host()
        .output_devices()
        .ok()?
        .find(|d| d.description().is_ok_and(|desc| desc.name() == name))
}

/// The output devices' names, for the settings' choice ([`PlayerOptions::device`]).
pub(super) fn output_devices() -> Vec<String> {
    use rodio::cpal::traits::{DeviceTrait, HostTrait};
    rodio::cpal::default_host()
        .output_devices()
        .map(|devices| {
            devices
                .filter_map(|d| d.description().ok().map(|desc| desc.name().to_owned()))
                .collect()
        })
        .unwrap_or_default()
}
