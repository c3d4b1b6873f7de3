//! Playback: a call's segments as one timeline, decoded by symphonia 0.6, stretched for
//! speed with the pitch kept, played through rodio: controls on the player's own thread, each
//! loaded call decoded on a thread of its own.
//!
//! The rest of the app talks to it by messages, as psst's player does: [`Command`]s in
//! through [`Player::send`], [`Event`]s out through [`Player::subscribe`]. The media time in
//! events is the player's own (rodio's position is output time, which speed changes).
//! [`export_wav`] runs the same pipeline into a file instead of a device.

mod call;
mod decode;
mod engine;
mod export;
mod media;
mod mp3index;
mod mp3len;
mod output;
mod pipeline;
mod producer;
mod reader;
mod resample;
mod stretch;
mod untrusted;

use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

pub use crate::bytestore::StreamedMedia;
pub use call::{CallTimeline, call_timeline};
pub use export::{ExportSummary, export_wav};
pub use media::{Bytes, Media, RangeSource};
pub use reader::{AudioBlock, TimelineReader};
pub use untrusted::{Decoded, decode_untrusted};

use crate::timeline::CopyKind;
use crate::{ErrorCode, ErrorKind};

pub const MIN_SPEED: f64 = 0.5;
pub const MAX_SPEED: f64 = 3.0;
pub const MAX_VOLUME: f64 = 1.5;

/// What a file may declare before it is refused as `unsupported_audio`: every number a file
/// controls is checked against these before it sizes a buffer, a loop or an output.
pub const SAMPLE_RATES: std::ops::RangeInclusive<u32> = 8_000..=384_000;
pub const MAX_CHANNELS: usize = 8;
/// The longest recording Callrec accepts: a declared length beyond is not trusted, and a
/// packet time beyond is treated as a lie (the decoder's running clock is used instead).
pub const MAX_SEGMENT_SECS: f64 = 12.0 * 3600.0;

/// One leg of a call's timeline: one conversation, with every copy of it there is.
#[derive(Debug, Clone)]
pub struct TimelineSegment {
    /// Shown on the scrubber (`main`, `transfer_conference`, …).
    pub label: String,
    /// Best first (never empty): the first copy that opens plays; when it fails (unreadable,
    /// refused, corrupt, cut short) the next takes over from the same place.
    pub copies: Vec<SegmentCopy>,
    /// Call time between the previous leg's end and this one's start: marked, not played.
    pub gap_before: Option<f64>,
}

/// One copy of a leg.
#[derive(Debug, Clone)]
pub struct SegmentCopy {
    /// What it is, for the reviewer ("downloaded", "synced", …).
    pub kind: CopyKind,
    /// The recording's identity, to name it in events.
    pub recording_id: String,
    pub media: Media,
}

impl TimelineSegment {
    /// A leg with a single copy (a file, a test's source).
    pub fn new(label: impl Into<String>, media: Media) -> Self {
        Self {
            label: label.into(),
            copies: vec![SegmentCopy {
                kind: CopyKind::Unknown,
                recording_id: String::new(),
                media,
            }],
            gap_before: None,
        }
    }

    /// The preferred copy's audio.
    pub fn media(&self) -> &Media {
        &self.copies[0].media
    }
}

#[derive(Debug)]
pub enum Command {
    /// Replaces what is loaded; the player is then paused at 0.
    Load(Vec<TimelineSegment>),
    Play,
    Pause,
    Toggle,
    /// Seconds on the timeline (clamped to it).
    Seek(f64),
    /// Seconds forward (or back, when negative) from where playback is.
    SeekBy(f64),
    /// 0.5–3.0; the pitch is kept.
    Speed(f64),
    /// 0–1.5 (150 %).
    Volume(f64),
    NextSegment,
    /// To the start of this segment, or of the previous one within its first 3 s.
    PrevSegment,
    /// Plays copy `copy` of leg `segment` from now on (from the same place when it is the leg
    /// playing).
    UseCopy {
        segment: usize,
        copy: usize,
    },
    ChannelMode(ChannelMode),
    /// Plays on this device from now on (`None`: the system default), carrying on from the
    /// same place; a device that is gone falls back to the default.
    OutputDevice(Option<String>),
    /// Ends the player thread and releases the output device.
    Stop,
}

/// What the UI asks of the player: the [`Command`]s that make sense over IPC (loading a
/// timeline is the shell's `play_call`, which resolves the call first).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "type", rename_all = "camelCase")]
#[ts(export)]
pub enum PlayerControl {
    Play,
    Pause,
    Toggle,
    Seek { seconds: f64 },
    SeekBy { seconds: f64 },
    Speed { value: f64 },
    Volume { value: f64 },
    NextSegment,
    PrevSegment,
    UseCopy { segment: u32, copy: u32 },
    ChannelMode { mode: ChannelMode },
}

impl From<PlayerControl> for Command {
    fn from(control: PlayerControl) -> Self {
        match control {
            PlayerControl::Play => Command::Play,
            PlayerControl::Pause => Command::Pause,
            PlayerControl::Toggle => Command::Toggle,
            PlayerControl::Seek { seconds } => Command::Seek(seconds),
            PlayerControl::SeekBy { seconds } => Command::SeekBy(seconds),
            PlayerControl::Speed { value } => Command::Speed(value),
            PlayerControl::Volume { value } => Command::Volume(value),
            PlayerControl::NextSegment => Command::NextSegment,
            PlayerControl::PrevSegment => Command::PrevSegment,
            PlayerControl::UseCopy { segment, copy } => Command::UseCopy {
                segment: segment as usize,
                copy: copy as usize,
            },
            PlayerControl::ChannelMode { mode } => Command::ChannelMode(mode),
        }
    }
}

/// For stereo recordings: the agent is on the left, the customer on the right.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
#[repr(u8)]
pub enum ChannelMode {
    Both = 0,
    /// The left channel alone (the customer's muted).
    AgentOnly = 1,
    /// The right channel alone (the agent's muted).
    CustomerOnly = 2,
}

impl ChannelMode {
    fn from_u8(value: u8) -> Self {
        match value {
            1 => Self::AgentOnly,
            2 => Self::CustomerOnly,
            _ => Self::Both,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum PlayState {
    /// Nothing loaded.
    Idle,
    Paused,
    Playing,
    /// At the end of the timeline; `Play` starts it again.
    Ended,
}

/// A leg's place on the timeline (seconds) and which of its copies plays.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct SegmentInfo {
    pub label: String,
    pub start: f64,
    pub duration: f64,
    /// Call time skipped before this leg (a gap between legs, marked on the scrubber).
    pub gap_before: Option<f64>,
    /// The leg's copies, best first.
    pub copies: Vec<CopyInfo>,
    /// Which of `copies` plays.
    pub playing: u32,
}

/// A copy of a leg as events show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct CopyInfo {
    pub recording_id: String,
    pub kind: CopyKind,
    /// Why this copy is not playing, when it failed (its error code).
    pub failed: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(
    tag = "type",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
#[ts(export, rename = "PlayerEvent")]
pub enum Event {
    Loaded {
        duration: f64,
        segments: Vec<SegmentInfo>,
    },
    /// At least 10 times a second while playing, and after every seek.
    Position {
        /// Timeline seconds of the audio last handed to the output.
        position: f64,
        segment: usize,
    },
    State {
        state: PlayState,
        speed: f64,
        volume: f64,
        channel_mode: ChannelMode,
    },
    Ended,
    /// `code` is stable (see [`PlayerError`]'s `ErrorCode`); the player stays usable.
    Error {
        code: String,
        message: String,
    },
}

#[derive(Debug, thiserror::Error)]
pub enum PlayerError {
    #[error("cannot read {media}: {source}")]
    Open {
        media: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{media} is not audio in a format Callrec can play ({reason})")]
    UnsupportedFormat { media: String, reason: String },
    #[error("{media} has no audio track")]
    NoAudioTrack { media: String },
    /// The file declares numbers outside what a recording can be (see [`SAMPLE_RATES`],
    /// [`MAX_CHANNELS`]): refused before they size anything.
    #[error("{media} declares audio Callrec does not accept ({reason})")]
    UnsupportedAudio { media: String, reason: String },
    /// A panic inside the decoding path (a decoder's bug on a hostile file), caught at the
    /// thread's edge: the call fails, the player or waveform goes on.
    #[error("{what} failed inside the decoder ({reason})")]
    Crashed { what: String, reason: String },
    #[error("{media} uses a codec Callrec cannot decode ({reason})")]
    UnsupportedCodec { media: String, reason: String },
    #[error("fetching {media} failed: {reason}")]
    Fetch { media: String, reason: String },
    #[error("decoding {media} failed: {reason}")]
    Decode { media: String, reason: String },
    #[error("seeking in {media} failed: {reason}")]
    Seek { media: String, reason: String },
    #[error("segment {segment} is damaged: {bad_packets} unreadable packet(s) were skipped")]
    Corrupt { segment: String, bad_packets: u32 },
    #[error("segment {segment} ends early: {played:.1} s of {expected:.1} s could be read")]
    Truncated {
        segment: String,
        played: f64,
        expected: f64,
    },
    #[error("no audio output device: {0}")]
    NoOutputDevice(String),
    #[error("nothing to play: the timeline has no segments")]
    EmptyTimeline,
    #[error("leg {segment} has no copy {copy}")]
    NoSuchCopy { segment: usize, copy: usize },
    #[error("nothing is loaded")]
    NothingLoaded,
    #[error("speed {0} is outside {MIN_SPEED}–{MAX_SPEED}")]
    InvalidSpeed(f64),
    #[error("volume {0} is outside 0–{MAX_VOLUME}")]
    InvalidVolume(f64),
    #[error("writing {path}: {source}")]
    Export {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("the player has stopped")]
    Stopped,
    /// Finding the call's recordings (or its downloaded files) failed; code and kind kept.
    #[error("{message}")]
    Resolve {
        code: &'static str,
        kind: ErrorKind,
        message: String,
    },
    #[error("call {call_id} is not available offline: it was not downloaded, and {reason}")]
    NotAvailableOffline { call_id: String, reason: String },
}

impl PlayerError {
    /// Another module's failure, with its code and kind.
    pub fn resolve(error: &dyn ErrorCode) -> Self {
        Self::Resolve {
            code: error.code(),
            kind: error.kind(),
            message: error.to_string(),
        }
    }
}

impl ErrorCode for PlayerError {
    fn code(&self) -> &'static str {
        match self {
            Self::Open { source, .. } if source.kind() == std::io::ErrorKind::NotFound => {
                "media_not_found"
            }
            Self::Open { .. } => "media_unreadable",
            Self::UnsupportedFormat { .. } => "unsupported_format",
            Self::NoAudioTrack { .. } => "no_audio_track",
            Self::UnsupportedCodec { .. } => "unsupported_codec",
            Self::UnsupportedAudio { .. } => "unsupported_audio",
            Self::Crashed { .. } => "audio_corrupt",
            Self::Fetch { .. } => "media_fetch_failed",
            Self::Decode { .. } => "decode_failed",
            Self::Seek { .. } => "seek_failed",
            Self::Corrupt { .. } => "audio_corrupt",
            Self::Truncated { .. } => "audio_truncated",
            Self::NoOutputDevice(_) => "no_output_device",
            Self::EmptyTimeline => "empty_timeline",
            Self::NoSuchCopy { .. } => "no_such_copy",
            Self::NothingLoaded => "nothing_loaded",
            Self::InvalidSpeed(_) => "invalid_speed",
            Self::InvalidVolume(_) => "invalid_volume",
            Self::Export { .. } => "export_failed",
            Self::Stopped => "player_stopped",
            Self::Resolve { code, .. } => code,
            Self::NotAvailableOffline { .. } => "not_available_offline",
        }
    }

    fn kind(&self) -> ErrorKind {
        match self {
            Self::Open { source, .. } if source.kind() == std::io::ErrorKind::NotFound => {
                ErrorKind::NotFound
            }
            Self::EmptyTimeline
            | Self::NoSuchCopy { .. }
            | Self::NothingLoaded
            | Self::InvalidSpeed(_)
            | Self::InvalidVolume(_)
            | Self::Export { .. } => ErrorKind::Usage,
            Self::Fetch { .. } | Self::NotAvailableOffline { .. } => ErrorKind::Network,
            Self::Resolve { kind, .. } => *kind,
            _ => ErrorKind::Other,
        }
    }
}

impl From<&PlayerError> for Event {
    fn from(error: &PlayerError) -> Self {
        Event::Error {
            code: error.code().to_owned(),
            message: error.to_string(),
        }
    }
}

/// Opens every segment of `timeline` (format detection, headers, and for a local MP3
/// without a Xing header a walk over its frames) and says where each sits on the timeline.
pub fn timeline_info(timeline: &[TimelineSegment]) -> Result<Vec<SegmentInfo>, PlayerError> {
    Ok(pipeline::Pipeline::open(timeline, 1.0, None)?.segment_infos())
}

/// The output devices' names, for the settings' choice of [`PlayerOptions::device`].
pub fn output_devices() -> Vec<String> {
    engine::output_devices()
}

/// How to open the output.
#[derive(Debug, Clone, Default)]
pub struct PlayerOptions {
    /// An output device's name (from settings); the system default when `None` or not found.
    pub device: Option<String>,
    /// The speed to start at (the app remembers the last one).
    pub speed: Option<f64>,
}

type Subscribers = Arc<Mutex<Vec<Sender<Event>>>>;

/// A handle on the player thread. Dropping it stops the thread.
pub struct Player {
    commands: Sender<Command>,
    subscribers: Subscribers,
    thread: Option<JoinHandle<()>>,
}

impl Player {
    pub fn spawn(options: PlayerOptions) -> Self {
        let (commands, inbox) = mpsc::channel();
        let subscribers: Subscribers = Arc::default();
        let thread = std::thread::Builder::new()
            .name("callrec-player".into())
            .spawn({
                let subscribers = Arc::clone(&subscribers);
                move || run_restarting(&options, &inbox, &subscribers)
            })
            .ok();
        Self {
            commands,
            subscribers,
            thread,
        }
    }

    pub fn send(&self, command: Command) -> Result<(), PlayerError> {
        self.commands
            .send(command)
            .map_err(|_| PlayerError::Stopped)
    }

    /// Every event from now on (each subscriber gets them all).
    pub fn subscribe(&self) -> Receiver<Event> {
        let (tx, rx) = mpsc::channel();
        self.subscribers
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(tx);
        rx
    }
}

/// The player thread: a panic inside it (a decoder's bug on a hostile file) is caught here,
/// reported as that call's failure (`audio_corrupt`), and a fresh engine takes the next
/// command: one bad file never leaves the player answering `player_stopped`.
fn run_restarting(options: &PlayerOptions, inbox: &Receiver<Command>, subscribers: &Subscribers) {
    loop {
        let ran = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            engine::run(options.clone(), inbox, Arc::clone(subscribers));
        }));
        let Err(panic) = ran else {
            return;
        };
        let error = PlayerError::Crashed {
            what: "playing this call".into(),
            reason: panic_text(panic.as_ref()),
        };
        tracing::error!("{error}");
        let event = Event::from(&error);
        let idle = Event::State {
            state: PlayState::Idle,
            speed: options.speed.unwrap_or(1.0),
            volume: 1.0,
            channel_mode: ChannelMode::Both,
        };
        let subscribers = subscribers.lock().unwrap_or_else(|e| e.into_inner());
        for subscriber in subscribers.iter() {
            let _ = subscriber.send(event.clone());
            let _ = subscriber.send(idle.clone());
        }
    }
}

/// A panic's message (a `&str` or `String` payload), bounded: it may quote a file's bytes.
pub(crate) fn panic_text(panic: &(dyn std::any::Any + Send)) -> String {
    let text = panic
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| panic.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("a panic");
    text.chars().take(200).collect()
}

impl Drop for Player {
    fn drop(&mut self) {
        let _ = self.commands.send(Command::Stop);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
