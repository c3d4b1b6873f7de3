//! A call's waveform: each segment decoded in a pass of its own (not the player's), reduced to
//! one peak per [`BUCKET_MS`] and sent in batches as it goes, so the UI draws it while a
//! streamed segment is still arriving; silences marked; a complete segment's peaks kept in the
//! library, so the next time they come at once, without decoding.
//!
//! Why a fixed time resolution (50 ms) rather than a fixed bucket count per segment: a bucket
//! then means the same thing in every segment and in every cached row, whatever the window's
//! width; the UI reduces buckets to pixels. An hour is 72,000 bytes — small for the library
//! and for IPC. Peaks are computed here and never from the webview's audio (it plays none).

mod peaks;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use ts_rs::TS;

pub use peaks::{Silence, find_silences, quantise};

use crate::library::{Library, StoredWaveform};
use crate::player::{CallTimeline, Media, PlayerError, TimelineReader, TimelineSegment};
use crate::{ErrorCode, ErrorKind};

/// One bucket per 50 ms: 20 per second.
pub const BUCKET_MS: u32 = 50;
/// A bucket this far below the segment's loudest is quiet…
pub const SILENCE_DB: f32 = -40.0;
/// …and quiet buckets lasting this long are a silence.
pub const MIN_SILENCE_SECS: f64 = 1.0;
/// Batches go out at most this often (and at the end): smooth drawing, few IPC messages.
pub const BATCH_INTERVAL: Duration = Duration::from_millis(100);

pub fn bucket_secs() -> f64 {
    f64::from(BUCKET_MS) / 1000.0
}

#[derive(Debug, thiserror::Error)]
pub enum WaveformError {
    /// The segment could not be opened or read (whole): the player's reason, code kept.
    #[error("waveform of segment {segment}: {source}")]
    Media {
        segment: String,
        #[source]
        source: PlayerError,
    },
    #[error("the waveform was cancelled (another call was loaded)")]
    Cancelled,
}

impl ErrorCode for WaveformError {
    fn code(&self) -> &'static str {
        match self {
            Self::Media { source, .. } => source.code(),
            Self::Cancelled => "waveform_cancelled",
        }
    }

    fn kind(&self) -> ErrorKind {
        match self {
            Self::Media { source, .. } => source.kind(),
            Self::Cancelled => ErrorKind::Other,
        }
    }
}

/// Why a segment's waveform is incomplete, as the UI gets it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct WaveformProblem {
    pub code: String,
    pub message: String,
}

impl From<&WaveformError> for WaveformProblem {
    fn from(error: &WaveformError) -> Self {
        Self {
            code: error.code().to_owned(),
            message: error.to_string(),
        }
    }
}

/// A batch of one segment's peaks, on the `watch_waveform` channel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct WaveformEvent {
    pub call_id: String,
    /// The segment's index on the call's timeline.
    pub segment: u32,
    /// Index of the first bucket in `peaks` (batches of a segment follow on without overlap).
    pub first_bucket: u32,
    /// Peak |amplitude| per bucket, 0–255 (linear, 255 = full scale).
    pub peaks: Vec<u8>,
    /// Seconds per bucket.
    pub bucket_seconds: f64,
    /// The last batch of this segment; `silences` and `error` come with it.
    pub done: bool,
    /// Segment seconds; only with `done`.
    pub silences: Vec<Silence>,
    /// The peaks came from the library, not from decoding.
    pub cached: bool,
    /// Set with `done` when the segment could not be read whole (the peaks cover what was).
    pub error: Option<WaveformProblem>,
}

/// One segment to compute: where it sits on the call's timeline, its label, its audio.
#[derive(Debug, Clone)]
pub struct WaveformSegment {
    pub index: u32,
    pub label: String,
    pub media: Media,
}

impl WaveformSegment {
    /// The segments of a call's timeline, read through their second readers (see
    /// [`CallTimeline::second_readers`]).
    pub fn of_timeline(timeline: &CallTimeline) -> Vec<Self> {
        timeline
            .segments
            .iter()
            .zip(&timeline.second_readers)
            .enumerate()
            .map(|(i, (segment, media))| Self {
                index: u32::try_from(i).unwrap_or(u32::MAX),
                label: segment.label.clone(),
                media: media.clone(),
            })
            .collect()
    }
}

/// A new batch of peaks: the index of its first bucket, and the peaks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Batch {
    pub first_bucket: usize,
    pub peaks: Vec<u8>,
}

/// One segment's waveform.
#[derive(Debug, Clone, PartialEq)]
pub struct SegmentWaveform {
    pub bucket_secs: f64,
    pub peaks: Vec<u8>,
    pub silences: Vec<Silence>,
    /// From the library, without decoding.
    pub cached: bool,
}

/// The result of a segment's pass: its peaks so far, and why they stop short, if they do.
#[derive(Debug)]
pub struct Computed {
    pub waveform: SegmentWaveform,
    pub error: Option<WaveformError>,
}

impl Computed {
    pub fn is_complete(&self) -> bool {
        self.error.is_none()
    }
}

/// Decodes `media` (in a pass of its own) into peaks, calling `on_batch` with each run of
/// newly complete buckets — at most every [`BATCH_INTERVAL`], and once at the end — so the
/// batches cover the segment once, in order. Stops early when `cancel` is set.
pub fn compute(
    label: &str,
    media: &Media,
    cancel: &AtomicBool,
    on_batch: &mut dyn FnMut(Batch),
) -> Computed {
    let bucket_secs = bucket_secs();
    let mut bucketer = peaks::Bucketer::new(bucket_secs);
    let mut sent = Vec::new();
    let media_error = |source| WaveformError::Media {
        segment: label.to_owned(),
        source,
    };
    // The player's pipeline over this one segment at 1×: the segment's own decoder, at its own
    // rate (no stretch, no rate conversion), with its truncation and corruption checks.
    let timeline = [TimelineSegment::new(label.to_owned(), media.clone())];
    let mut error = None;
    match TimelineReader::open(&timeline, 1.0, None) {
        Err(e) => error = Some(media_error(e)),
        Ok(mut reader) => {
            let rate = reader.rate();
            let mut last_batch = Instant::now();
            while let Some(block) = reader.next_block() {
                if cancel.load(Ordering::Relaxed) {
                    error = Some(WaveformError::Cancelled);
                    break;
                }
                match block {
                    Ok(block) => bucketer.push(block.start, &block.samples, rate),
                    // The first problem says most (a truncation may follow a fetch failure).
                    Err(e) => {
                        error.get_or_insert_with(|| media_error(e));
                    }
                }
                if last_batch.elapsed() >= BATCH_INTERVAL
                    && let Some((first_bucket, peaks)) = bucketer.take_complete()
                {
                    sent.extend_from_slice(&peaks);
                    on_batch(Batch {
                        first_bucket,
                        peaks,
                    });
                    last_batch = Instant::now();
                }
            }
        }
    }
    if !matches!(error, Some(WaveformError::Cancelled)) {
        bucketer.finish();
    }
    if let Some((first_bucket, peaks)) = bucketer.take_complete() {
        sent.extend_from_slice(&peaks);
        on_batch(Batch {
            first_bucket,
            peaks,
        });
    }
    let silences = find_silences(bucketer.peaks(), bucket_secs, SILENCE_DB, MIN_SILENCE_SECS);
    Computed {
        waveform: SegmentWaveform {
            bucket_secs,
            peaks: sent,
            silences,
            cached: false,
        },
        error,
    }
}

/// What identifies a segment's audio for the cache.
///
/// A downloaded file: its SHA-256 from the `files` table. A streamed segment: its byte length
/// and label — hashing would need the whole object before the first peak, and a recording does
/// not change once made; the length still catches an object replaced by a re-encoded one. Once
/// downloaded, the same object's length matches, so a waveform computed while streaming serves
/// the downloaded file too.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SegmentIdentity {
    pub byte_len: u64,
    pub sha256: Option<String>,
}

/// The identity of `segment` of `call_id`, when it can be told without decoding (for a stream,
/// the first block is fetched if the length is not known yet; it is needed anyway).
pub fn identify(
    library: &Library,
    call_id: &str,
    segment: &WaveformSegment,
) -> Option<SegmentIdentity> {
    match &segment.media {
        Media::File(path) => {
            let recorded = library.files(Some(call_id)).ok().and_then(|files| {
                files
                    .into_iter()
                    .find(|file| library.dir().join(&file.path) == *path)
            });
            match recorded {
                Some(file) => Some(SegmentIdentity {
                    byte_len: file.size,
                    sha256: Some(file.sha256),
                }),
                None => std::fs::metadata(path).ok().map(|m| SegmentIdentity {
                    byte_len: m.len(),
                    sha256: None,
                }),
            }
        }
        Media::Remote(source) => {
            if source.total_len().is_none() {
                source.read_at(0, &mut [0u8; 1]).ok()?;
            }
            source.total_len().map(|byte_len| SegmentIdentity {
                byte_len,
                sha256: None,
            })
        }
    }
}

/// Whether `stored` is the waveform of audio with this identity and label, at today's
/// resolution.
pub fn cache_matches(stored: &StoredWaveform, label: &str, identity: &SegmentIdentity) -> bool {
    stored.bucket_ms == BUCKET_MS
        && stored.byte_len == identity.byte_len
        && stored.label == label
        && match (&stored.sha256, &identity.sha256) {
            (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
            _ => true,
        }
}

/// `segment`'s waveform: from the library when it holds one for this very audio (one batch,
/// at once), else computed (see [`compute`]) and, when complete, stored.
pub fn segment_waveform(
    library: Option<&Library>,
    call_id: &str,
    segment: &WaveformSegment,
    cancel: &AtomicBool,
    on_batch: &mut dyn FnMut(Batch),
) -> Computed {
    let identity = library.and_then(|library| identify(library, call_id, segment));
    if let (Some(library), Some(identity)) = (library, &identity) {
        match library.waveform(call_id, segment.index) {
            Ok(Some(stored)) if cache_matches(&stored, &segment.label, identity) => {
                on_batch(Batch {
                    first_bucket: 0,
                    peaks: stored.peaks.clone(),
                });
                return Computed {
                    waveform: SegmentWaveform {
                        bucket_secs: f64::from(stored.bucket_ms) / 1000.0,
                        peaks: stored.peaks,
                        silences: stored
                            .silences
                            .iter()
                            .map(|&(start, end)| Silence { start, end })
                            .collect(),
                        cached: true,
                    },
                    error: None,
                };
            }
            Ok(_) => {}
            // The cache is a shortcut: without it the waveform is computed.
            Err(error) => tracing::warn!(code = error.code(), "reading a cached waveform: {error}"),
        }
    }
    let computed = compute(&segment.label, &segment.media, cancel, on_batch);
    if let (Some(library), Some(identity), true) = (library, identity, computed.is_complete()) {
        let stored = StoredWaveform {
            call_id: call_id.to_owned(),
            index: segment.index,
            label: segment.label.clone(),
            byte_len: identity.byte_len,
            sha256: identity.sha256,
            bucket_ms: BUCKET_MS,
            peaks: computed.waveform.peaks.clone(),
            silences: computed
                .waveform
                .silences
                .iter()
                .map(|s| (s.start, s.end))
                .collect(),
        };
        if let Err(error) = library.store_waveform(&stored) {
            tracing::warn!(code = error.code(), "storing a waveform: {error}");
        }
    }
    computed
}

/// One segment's events so far, for a subscriber that comes late.
#[derive(Debug, Clone)]
struct SegmentSoFar {
    peaks: Vec<u8>,
    last: Option<WaveformEvent>,
}

#[derive(Default)]
struct Hub {
    /// Bumped by every job started: a job whose number is not current sends nothing more.
    generation: u64,
    call_id: Option<String>,
    cancel: Arc<AtomicBool>,
    /// The job ended with an error on some segment (loading the call again retries).
    failed: bool,
    segments: Vec<SegmentSoFar>,
    subscribers: Vec<Sender<WaveformEvent>>,
}

/// The waveform job of the call being played: one at a time, a new call cancels the old one.
/// Its events go to every subscriber; a subscriber gets what was computed so far first.
#[derive(Clone)]
pub struct Waveforms {
    library: Option<Arc<Library>>,
    hub: Arc<Mutex<Hub>>,
}

impl Waveforms {
    /// Without a library, nothing is cached (every waveform is computed).
    pub fn new(library: Option<Arc<Library>>) -> Self {
        Self {
            library,
            hub: Arc::default(),
        }
    }

    fn hub(&self) -> MutexGuard<'_, Hub> {
        self.hub.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Computes the waveform of `timeline` (the call `call_id`) on a thread of its own,
    /// cancelling the job before. Loading the call already being computed (or done) without
    /// error keeps that job.
    pub fn start_call(&self, call_id: &str, timeline: &CallTimeline) {
        self.start(call_id, WaveformSegment::of_timeline(timeline));
    }

    /// See [`Waveforms::start_call`].
    pub fn start(&self, call_id: &str, segments: Vec<WaveformSegment>) {
        let (generation, cancel) = {
            let mut hub = self.hub();
            if hub.call_id.as_deref() == Some(call_id) && !hub.failed {
                return;
            }
            hub.cancel.store(true, Ordering::Relaxed);
            hub.generation += 1;
            hub.call_id = Some(call_id.to_owned());
            hub.cancel = Arc::new(AtomicBool::new(false));
            hub.failed = false;
            hub.segments = vec![
                SegmentSoFar {
                    peaks: Vec::new(),
                    last: None,
                };
                segments.len()
            ];
            (hub.generation, Arc::clone(&hub.cancel))
        };
        let job = self.clone();
        let call_id = call_id.to_owned();
        let spawned = std::thread::Builder::new()
            .name("callrec-waveform".into())
            .spawn(move || job.run(generation, &call_id, &segments, &cancel));
        if let Err(error) = spawned {
            tracing::warn!("could not start the waveform job: {error}");
            self.hub().failed = true;
        }
    }

    /// Cancels the job (e.g. when nothing is loaded any more).
    pub fn cancel(&self) {
        let mut hub = self.hub();
        hub.cancel.store(true, Ordering::Relaxed);
        hub.generation += 1;
        hub.call_id = None;
        hub.segments.clear();
    }

    /// Every event from now on, after the current call's peaks so far (one event per segment).
    pub fn subscribe(&self) -> Receiver<WaveformEvent> {
        let (tx, rx) = mpsc::channel();
        let mut hub = self.hub();
        if let Some(call_id) = hub.call_id.clone() {
            for (index, so_far) in hub.segments.iter().enumerate() {
                let Some(last) = &so_far.last else { continue };
                let _ = tx.send(WaveformEvent {
                    call_id: call_id.clone(),
                    segment: u32::try_from(index).unwrap_or(u32::MAX),
                    first_bucket: 0,
                    peaks: so_far.peaks.clone(),
                    ..last.clone()
                });
            }
        }
        hub.subscribers.push(tx);
        rx
    }

    /// Sends `event` if its job is still the current one; false when it is not (stop).
    fn emit(&self, generation: u64, event: WaveformEvent) -> bool {
        let mut hub = self.hub();
        if hub.generation != generation {
            return false;
        }
        if let Some(so_far) = hub.segments.get_mut(event.segment as usize) {
            so_far.peaks.extend_from_slice(&event.peaks);
            so_far.last = Some(WaveformEvent {
                peaks: Vec::new(),
                ..event.clone()
            });
        }
        if event.error.is_some() {
            hub.failed = true;
        }
        hub.subscribers.retain(|s| s.send(event.clone()).is_ok());
        true
    }

    fn run(
        &self,
        generation: u64,
        call_id: &str,
        segments: &[WaveformSegment],
        cancel: &AtomicBool,
    ) {
        let bucket_seconds = bucket_secs();
        for segment in segments {
            let event = |first_bucket: usize, peaks: Vec<u8>| WaveformEvent {
                call_id: call_id.to_owned(),
                segment: segment.index,
                first_bucket: u32::try_from(first_bucket).unwrap_or(u32::MAX),
                peaks,
                bucket_seconds,
                done: false,
                silences: Vec::new(),
                cached: false,
                error: None,
            };
            // The last batch waits, to go out with `done` (and the silences) in one message.
            let mut pending: Option<Batch> = None;
            let mut current = true;
            // A panic in the decoding path (a hostile file) fails this segment's waveform,
            // not the app: the thread's edge catches it.
            let computed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                segment_waveform(
                    self.library.as_deref(),
                    call_id,
                    segment,
                    cancel,
                    &mut |batch| {
                        if let Some(previous) = pending.replace(batch) {
                            current &=
                                self.emit(generation, event(previous.first_bucket, previous.peaks));
                            if !current {
                                cancel.store(true, Ordering::Relaxed);
                            }
                        }
                    },
                )
            }))
            .unwrap_or_else(|panic| Computed {
                waveform: SegmentWaveform {
                    bucket_secs: bucket_seconds,
                    peaks: Vec::new(),
                    silences: Vec::new(),
                    cached: false,
                },
                error: Some(WaveformError::Media {
                    segment: segment.label.clone(),
                    source: PlayerError::Crashed {
                        what: format!("the waveform of {}", segment.label),
                        reason: crate::player::panic_text(panic.as_ref()),
                    },
                }),
            });
            if !current || matches!(computed.error, Some(WaveformError::Cancelled)) {
                return;
            }
            let last = pending.unwrap_or(Batch {
                first_bucket: computed.waveform.peaks.len(),
                peaks: Vec::new(),
            });
            let done = WaveformEvent {
                done: true,
                silences: computed.waveform.silences,
                cached: computed.waveform.cached,
                error: computed.error.as_ref().map(WaveformProblem::from),
                bucket_seconds: computed.waveform.bucket_secs,
                ..event(last.first_bucket, last.peaks)
            };
            if !self.emit(generation, done) {
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stored(sha256: Option<&str>) -> StoredWaveform {
        StoredWaveform {
            call_id: "c".into(),
            index: 0,
            label: "main".into(),
            byte_len: 1000,
            sha256: sha256.map(str::to_owned),
            bucket_ms: BUCKET_MS,
            peaks: vec![1, 2, 3],
            silences: Vec::new(),
        }
    }

    #[test]
    fn a_cached_waveform_serves_only_the_same_audio_at_the_same_resolution() {
        let file = |sha: &str| SegmentIdentity {
            byte_len: 1000,
            sha256: Some(sha.into()),
        };
        let streamed = SegmentIdentity {
            byte_len: 1000,
            sha256: None,
        };
        assert!(cache_matches(&stored(Some("ab")), "main", &file("AB")));
        assert!(!cache_matches(&stored(Some("ab")), "main", &file("cd")));
        // Computed while streaming: serves the download of the same length, and the stream.
        assert!(cache_matches(&stored(None), "main", &file("ab")));
        assert!(cache_matches(&stored(Some("ab")), "main", &streamed));
        assert!(!cache_matches(&stored(None), "transfer", &streamed));
        let longer = SegmentIdentity {
            byte_len: 1001,
            sha256: None,
        };
        assert!(!cache_matches(&stored(None), "main", &longer));
        let coarser = StoredWaveform {
            bucket_ms: 100,
            ..stored(None)
        };
        assert!(!cache_matches(&coarser, "main", &streamed));
    }

    #[test]
    fn errors_keep_the_players_code() {
        let error = WaveformError::Media {
            segment: "main".into(),
            source: PlayerError::Truncated {
                segment: "main".into(),
                played: 1.0,
                expected: 2.0,
            },
        };
        assert_eq!(error.code(), "audio_truncated");
        assert_eq!(WaveformError::Cancelled.code(), "waveform_cancelled");
        let problem = WaveformProblem::from(&error);
        assert!(problem.message.contains("main"), "{}", problem.message);
    }
}
