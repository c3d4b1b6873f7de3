//! The player thread: applies commands, keeps the output queue filled from the pipeline,
//! and reports what the output reached.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use super::output::{Item, Note, OutputSource, Shared};
use super::pipeline::{Pipeline, Produced};
use super::{
    ChannelMode, Command, Event, MAX_VOLUME, PlayState, PlayerError, PlayerOptions, Subscribers,
};

/// Output seconds kept queued ahead of the device: enough to ride out a slow read, small
/// enough that memory stays bounded and a speed change is heard soon.
const QUEUE_TARGET_SECS: f64 = 0.5;
/// How often the thread looks for commands when the queue is full.
const IDLE_POLL: Duration = Duration::from_millis(10);
/// Position events while playing: 20 Hz (the UI wants ≥ 10).
const POSITION_EVERY: Duration = Duration::from_millis(50);
/// `PrevSegment` this far into a segment goes back to its start, as a CD player does.
const PREV_RESTARTS_AFTER_SECS: f64 = 3.0;

struct Output {
    // Field order matters: the player must go before the device it plays on.
    _player: rodio::Player,
    _sink: rodio::MixerDeviceSink,
    rate: u32,
}

struct Engine {
    options: PlayerOptions,
    shared: Arc<Shared>,
    subscribers: Subscribers,
    output: Option<Output>,
    pipeline: Option<Pipeline>,
    generation: u64,
    state: PlayState,
    speed: f64,
    volume: f64,
    channel_mode: ChannelMode,
    last_position: Instant,
    /// When `Play` was asked for, to log the time to the first sample.
    play_asked: Option<Instant>,
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
        pipeline: None,
        generation: 0,
        state: PlayState::Idle,
        speed,
        volume: 1.0,
        channel_mode: ChannelMode::Both,
        last_position: Instant::now(),
        play_asked: None,
    };
    loop {
        let wait = if engine.wants_audio() {
            Duration::ZERO
        } else {
            IDLE_POLL
        };
        match inbox.recv_timeout(wait) {
            Ok(Command::Stop) | Err(RecvTimeoutError::Disconnected) => break,
            Ok(command) => engine.handle(command),
            Err(RecvTimeoutError::Timeout) => {}
        }
        if engine.wants_audio() {
            engine.produce();
        }
        engine.announce_new_lengths();
        engine.report();
    }
    // The queue's waiters must not block the device's teardown.
    engine.shared.paused.store(true, Ordering::SeqCst);
    engine.output = None;
}

impl Engine {
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

    /// Once a streamed MP3's frame scan gives its true length, the timeline is announced
    /// again (the UI redraws the scrubber from `Loaded`).
    fn announce_new_lengths(&mut self) {
        if let Some(pipeline) = self.pipeline.as_mut()
            && pipeline.update_lengths()
        {
            let loaded = Event::Loaded {
                duration: pipeline.duration(),
                segments: pipeline.segment_infos(),
            };
            self.emit(loaded);
        }
    }

    fn wants_audio(&self) -> bool {
        self.pipeline.as_ref().is_some_and(|p| !p.is_done())
            && self.shared.queued_secs() < QUEUE_TARGET_SECS
    }

    fn produce(&mut self) {
        let Some(pipeline) = self.pipeline.as_mut() else {
            return;
        };
        let generation = self.generation;
        let item = match pipeline.next() {
            Produced::Audio(chunk) => Item::Audio { generation, chunk },
            Produced::Problem(error) => Item::Marker {
                generation,
                note: Note::Problem(error),
            },
            Produced::End => Item::Marker {
                generation,
                note: Note::End,
            },
        };
        self.shared.push(item);
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
        match command {
            Command::Load(timeline) => self.load(&timeline),
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
            let rate = self.output.as_ref().map(|o| o.rate);
            if let (Some(pipeline), Some(rate)) = (self.pipeline.as_mut(), rate)
                && pipeline.out_rate() != rate
            {
                pipeline.set_out_rate(rate);
                self.seek(self.shared.position());
            }
        }
    }

    fn load(&mut self, timeline: &[super::TimelineSegment]) {
        self.shared.paused.store(true, Ordering::SeqCst);
        self.generation = self.shared.restart(0.0, 0);
        self.pipeline = None;
        // Opening the device now takes it off the time to first audio, and tells the rate
        // to decode at. Without one, the timeline still loads (and can be exported).
        let out_rate = self
            .ensure_output()
            .then(|| self.output.as_ref().map(|o| o.rate))
            .flatten();
        match Pipeline::open(timeline, self.speed, out_rate) {
            Ok(mut pipeline) => {
                pipeline.index_streamed_mp3();
                self.emit(Event::Loaded {
                    duration: pipeline.duration(),
                    segments: pipeline.segment_infos(),
                });
                self.pipeline = Some(pipeline);
                self.state = PlayState::Paused;
            }
            Err(error) => {
                self.state = PlayState::Idle;
                self.emit_error(&error);
            }
        }
        self.emit_state();
        self.emit_position();
    }

    fn play(&mut self) {
        if self.pipeline.is_none() {
            self.emit_error(&PlayerError::NothingLoaded);
            return;
        }
        if !self.ensure_output() {
            return;
        }
        let device_rate = self.output.as_ref().map(|o| o.rate);
        if let (Some(pipeline), Some(rate)) = (self.pipeline.as_mut(), device_rate)
            && pipeline.out_rate() != rate
        {
            // Loaded before a device was there: decode again at its rate, from here.
            pipeline.set_out_rate(rate);
            self.seek(self.shared.position());
        }
        if self.state == PlayState::Ended {
            self.seek(0.0);
        }
        self.play_asked = Some(Instant::now());
        self.shared.want_audio_start.store(true, Ordering::SeqCst);
        self.shared.paused.store(false, Ordering::SeqCst);
        self.state = PlayState::Playing;
        self.emit_state();
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
        let Some(pipeline) = self.pipeline.as_mut() else {
            self.emit_error(&PlayerError::NothingLoaded);
            return;
        };
        let to = if to.is_finite() { to } else { 0.0 };
        let to = to.clamp(0.0, pipeline.duration());
        let segment = pipeline.segment_at(to);
        self.generation = self.shared.restart(to, segment);
        if let Err(error) = pipeline.seek(to) {
            self.emit_error(&error);
        }
        if self.state == PlayState::Ended {
            self.state = PlayState::Paused;
            self.emit_state();
        }
        if self.state == PlayState::Playing {
            self.shared.want_audio_start.store(true, Ordering::SeqCst);
            self.play_asked = Some(Instant::now());
        }
        self.emit_position();
    }

    fn set_speed(&mut self, speed: f64) {
        let result = match self.pipeline.as_mut() {
            Some(pipeline) => pipeline.set_speed(speed),
            None if (super::MIN_SPEED..=super::MAX_SPEED).contains(&speed) => Ok(()),
            None => Err(PlayerError::InvalidSpeed(speed)),
        };
        if let Err(error) = result {
            self.emit_error(&error);
            return;
        }
        self.speed = speed;
        if self.pipeline.is_some() && self.state != PlayState::Ended {
            // What is queued was stretched at the old speed: start again from here.
            self.seek(self.shared.position());
        }
        self.emit_state();
    }

    fn use_copy(&mut self, segment: usize, copy: usize) {
        let Some(pipeline) = self.pipeline.as_mut() else {
            self.emit_error(&PlayerError::NothingLoaded);
            return;
        };
        match pipeline.use_copy(segment, copy) {
            // From where playback is, on the copy now chosen.
            Ok(()) => self.seek(self.shared.position()),
            Err(error) => self.emit_error(&error),
        }
    }

    fn jump_segment(&mut self, step: isize) {
        let Some(pipeline) = self.pipeline.as_ref() else {
            self.emit_error(&PlayerError::NothingLoaded);
            return;
        };
        let position = self.shared.position();
        let current = pipeline.segment_at(position);
        let target = if step > 0 {
            current + 1
        } else {
            let start = pipeline.segment_start(current).unwrap_or(0.0);
            if position - start > PREV_RESTARTS_AFTER_SECS || current == 0 {
                current
            } else {
                current - 1
            }
        };
        match pipeline.segment_start(target) {
            Some(start) => self.seek(start),
            // Past the last segment: its end.
            None => self.seek(pipeline.duration()),
        }
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
            && let Some(asked) = self.play_asked.take()
        {
            tracing::debug!(
                latency_ms = started.saturating_duration_since(asked).as_secs_f64() * 1e3,
                "player: first sample handed to the output"
            );
        }
        if self.state == PlayState::Playing && self.last_position.elapsed() >= POSITION_EVERY {
            self.emit_position();
        }
    }
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
