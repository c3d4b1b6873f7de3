//! One segment's decoder: symphonia 0.6 (every format and codec it has, plus libopus for
//! Opus) turning a [`Media`] into blocks of stereo `f32` at the file's own rate.

use std::sync::{Arc, OnceLock};

use symphonia::core::codecs::audio::well_known::CODEC_ID_MP3;
use symphonia::core::codecs::audio::{AudioDecoder, AudioDecoderOptions};
use symphonia::core::codecs::registry::CodecRegistry;
use symphonia::core::errors::Error as SymphoniaError;
use symphonia::core::formats::probe::Hint;
use symphonia::core::formats::{FormatOptions, FormatReader, SeekMode, SeekTo, TrackType};
use symphonia::core::io::{MediaSourceStream, MediaSourceStreamOptions};
use symphonia::core::meta::MetadataOptions;
use symphonia::core::units::{Duration as Ticks, Time, TimeBase, Timestamp};

use super::media::{Media, OffsetSource, RangeSource};
use super::{MAX_CHANNELS, MAX_SEGMENT_SECS, PlayerError, SAMPLE_RATES};

/// Packets in a row that may fail before the rest of a segment is given up as unreadable:
/// a few bad frames are skipped (heard as a gap), a file of garbage ends the segment.
const MAX_CONSECUTIVE_ERRORS: u32 = 64;

fn codecs() -> &'static CodecRegistry {
    static CODECS: OnceLock<CodecRegistry> = OnceLock::new();
    CODECS.get_or_init(|| {
        let mut registry = CodecRegistry::new();
        symphonia::default::register_enabled_codecs(&mut registry);
        // symphonia has no Opus decoder of its own.
        registry.register_audio_decoder::<symphonia_adapter_libopus::OpusDecoder>();
        registry
    })
}

/// Decoded audio: interleaved stereo (mono is duplicated, channels past two are dropped).
pub(crate) struct Block {
    pub samples: Vec<f32>,
    /// Segment-relative media time of the first frame, in seconds.
    pub start: f64,
}

pub(crate) struct SegmentDecoder {
    format: Box<dyn FormatReader + 'static>,
    decoder: Box<dyn AudioDecoder>,
    track_id: u32,
    time_base: Option<TimeBase>,
    pub rate: u32,
    /// From the container; an estimate for MP3 without a Xing/VBRI header.
    pub duration: Option<f64>,
    /// True when the duration came from a header we trust (not a bit-rate estimate).
    pub duration_exact: bool,
    clear_trim_end: bool,
    pub is_mp3: bool,
    /// Encoder delay the container trims from the start (an MP3's LAME tag), in frames.
    pub delay: u32,
    /// Frames before this segment time are decoded but dropped (after an accurate seek the
    /// demuxer lands on the packet *containing* the target).
    skip_until: Option<f64>,
    /// Where the next block is expected to start when packets carry no usable timestamp.
    next_start: f64,
    /// Segment time of the source's first frame: 0, or where a view opened by
    /// [`open_at`](Self::open_at) begins (the demuxer counts time from there).
    time_offset: f64,
    pub errors: u32,
    consecutive_errors: u32,
    scratch: Vec<f32>,
    description: String,
}

/// `f` (a call into symphonia), with a panic inside it — a demuxer's or decoder's bug on a
/// hostile file, such as an overflowing header multiplication — turned into this file's
/// error (`audio_corrupt`) at the decoder's edge.
fn guarded<T>(media: &str, f: impl FnOnce() -> Result<T, PlayerError>) -> Result<T, PlayerError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).unwrap_or_else(|panic| {
        Err(PlayerError::Crashed {
            what: media.to_owned(),
            reason: super::panic_text(panic.as_ref()),
        })
    })
}

/// A rate and a channel count a recording can have, before either sizes anything.
fn check_bounds(media: &str, rate: u32, channels: Option<usize>) -> Result<(), PlayerError> {
    let refuse = |reason: String| {
        Err(PlayerError::UnsupportedAudio {
            media: media.to_owned(),
            reason,
        })
    };
    if !SAMPLE_RATES.contains(&rate) {
        return refuse(format!(
            "{rate} Hz, outside {}–{} Hz",
            SAMPLE_RATES.start(),
            SAMPLE_RATES.end()
        ));
    }
    match channels {
        Some(0) => refuse("no channels".into()),
        Some(n) if n > MAX_CHANNELS => refuse(format!("{n} channels, at most {MAX_CHANNELS}")),
        _ => Ok(()),
    }
}

impl SegmentDecoder {
    pub fn open(media: &Media) -> Result<Self, PlayerError> {
        Self::open_with(media, &Hint::new(), 0.0)
    }

    /// An MP3 decoder on `source` from byte `start` (a frame header, from the frame index),
    /// whose first frame is at segment time `time`: decoding starts there, with no prefix
    /// read. [`skip_to`](Self::skip_to) then drops what comes before the target.
    pub fn open_mp3_at(
        source: Arc<dyn RangeSource>,
        start: u64,
        time: f64,
    ) -> Result<Self, PlayerError> {
        let view = Media::Remote(Arc::new(OffsetSource::new(source, start)));
        let mut hint = Hint::new();
        hint.with_extension("mp3");
        Self::open_with(&view, &hint, time)
    }

    fn open_with(media: &Media, hint: &Hint, time_offset: f64) -> Result<Self, PlayerError> {
        guarded(&media.describe(), || Self::probe(media, hint, time_offset))
    }

    fn probe(media: &Media, hint: &Hint, time_offset: f64) -> Result<Self, PlayerError> {
        let description = media.describe();
        let unreadable = |source: std::io::Error| match media {
            // The network (after the remote reader's retries), not the file.
            Media::Remote(_) => PlayerError::Fetch {
                media: description.clone(),
                reason: source.to_string(),
            },
            Media::File(_) => PlayerError::Open {
                media: description.clone(),
                source,
            },
        };
        let source = media.open().map_err(unreadable)?;
        let stream = MediaSourceStream::new(source, MediaSourceStreamOptions::default());
        // No hint from names: the format is detected from the content (servers and file
        // names lie); only a view into a file we already know is MP3 says so.
        let format = symphonia::default::get_probe()
            .probe(
                hint,
                stream,
                FormatOptions::default(),
                MetadataOptions::default(),
            )
            .map_err(|e| match e {
                SymphoniaError::IoError(source) => unreadable(source),
                other => PlayerError::UnsupportedFormat {
                    media: description.clone(),
                    reason: other.to_string(),
                },
            })?;
        let track =
            format
                .default_track(TrackType::Audio)
                .ok_or_else(|| PlayerError::NoAudioTrack {
                    media: description.clone(),
                })?;
        let params = track
            .codec_params
            .as_ref()
            .and_then(|p| p.audio())
            .ok_or_else(|| PlayerError::NoAudioTrack {
                media: description.clone(),
            })?
            .clone();
        let decoder = codecs()
            .make_audio_decoder(&params, &AudioDecoderOptions::default())
            .map_err(|e| PlayerError::UnsupportedCodec {
                media: description.clone(),
                reason: e.to_string(),
            })?;
        let rate = params.sample_rate.filter(|r| *r > 0).ok_or_else(|| {
            PlayerError::UnsupportedFormat {
                media: description.clone(),
                reason: "no sample rate".into(),
            }
        })?;
        check_bounds(
            &description,
            rate,
            params.channels.as_ref().map(|c| c.count()),
        )?;
        let time_base = track.time_base;
        // A declared length beyond any recording is not trusted (the audio's own end is).
        let duration = match (track.num_frames, time_base) {
            (Some(frames), Some(tb)) => tb
                .calc_duration(Ticks::new(frames))
                .map(|t| t.as_secs_f64()),
            (Some(frames), None) => Some(frames as f64 / f64::from(rate)),
            _ => None,
        }
        .filter(|d| d.is_finite() && *d <= MAX_SEGMENT_SECS);
        // An MP3 without a LAME tag has no encoder delay recorded, and its length may be a
        // bit-rate estimate: symphonia then trims every packet past the estimate, so a VBR
        // file without a Xing header would stop early. Keep every frame instead (the cost
        // on a file whose length *was* right is at most one frame of encoder padding).
        let is_mp3 = params.codec == CODEC_ID_MP3;
        let clear_trim_end = is_mp3 && track.delay.is_none();
        let delay = track.delay.unwrap_or(0);
        Ok(Self {
            track_id: track.id,
            format,
            decoder,
            time_base,
            rate,
            duration,
            duration_exact: !clear_trim_end,
            clear_trim_end,
            is_mp3,
            delay,
            skip_until: None,
            next_start: time_offset,
            time_offset,
            errors: 0,
            consecutive_errors: 0,
            scratch: Vec::new(),
            description,
        })
    }

    fn ts_to_secs(&self, ts: Timestamp) -> Option<f64> {
        self.time_base
            .and_then(|tb| tb.calc_time(ts))
            .map(|t| t.as_secs_f64() + self.time_offset)
    }

    /// Drops the decoded frames before segment time `secs` (after opening at an earlier
    /// frame with [`open_mp3_at`](Self::open_mp3_at)).
    pub fn skip_to(&mut self, secs: f64) {
        self.skip_until = (secs > self.next_start).then_some(secs);
    }

    /// Seeks to `secs` (segment time). Frame-accurate where the container allows: decoding
    /// resumes at the packet holding `secs` and the frames before it are dropped.
    pub fn seek(&mut self, secs: f64, mode: SeekMode) -> Result<(), PlayerError> {
        let description = self.description.clone();
        guarded(&description, || self.seek_unguarded(secs, mode))
    }

    fn seek_unguarded(&mut self, secs: f64, mode: SeekMode) -> Result<(), PlayerError> {
        let time =
            Time::try_from_secs_f64((secs - self.time_offset).max(0.0)).unwrap_or(Time::ZERO);
        let seeked = self.format.seek(
            mode,
            SeekTo::Time {
                time,
                track_id: Some(self.track_id),
            },
        );
        self.decoder.reset();
        self.consecutive_errors = 0;
        match seeked {
            Ok(to) => {
                let landed = self.ts_to_secs(to.actual_ts).unwrap_or(secs);
                self.next_start = landed;
                // Either mode may land before the target (on the packet holding it, or a
                // coarse guess): decode from there and drop what comes before.
                self.skip_until = (landed < secs).then_some(secs);
                Ok(())
            }
            // Past the end: nothing more to play in this segment.
            Err(SymphoniaError::SeekError(_)) if self.duration.is_some_and(|d| secs >= d) => {
                self.next_start = secs;
                self.skip_until = Some(f64::INFINITY);
                Ok(())
            }
            Err(e) => Err(PlayerError::Seek {
                media: self.description.clone(),
                reason: e.to_string(),
            }),
        }
    }

    /// The next block of audio, or `None` at the end of the segment (or where it stops
    /// being readable: see `errors` and compare the end with `duration`).
    pub fn next_block(&mut self) -> Result<Option<Block>, PlayerError> {
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.decode_next())) {
            Ok(decoded) => decoded,
            Err(panic) => Err(PlayerError::Crashed {
                what: self.description.clone(),
                reason: super::panic_text(panic.as_ref()),
            }),
        }
    }

    fn decode_next(&mut self) -> Result<Option<Block>, PlayerError> {
        loop {
            let mut packet = match self.format.next_packet() {
                Ok(Some(packet)) => packet,
                Ok(None) | Err(SymphoniaError::ResetRequired) => return Ok(None),
                // A truncated file ends this way; the caller reports it by the missing length.
                Err(SymphoniaError::IoError(e))
                    if e.kind() == std::io::ErrorKind::UnexpectedEof =>
                {
                    return Ok(None);
                }
                // The network gave up (after the remote reader's retries).
                Err(SymphoniaError::IoError(e)) => {
                    return Err(PlayerError::Fetch {
                        media: self.description.clone(),
                        reason: e.to_string(),
                    });
                }
                Err(SymphoniaError::DecodeError(_)) => {
                    if self.count_error() {
                        return Ok(None);
                    }
                    continue;
                }
                Err(e) => {
                    return Err(PlayerError::Decode {
                        media: self.description.clone(),
                        reason: e.to_string(),
                    });
                }
            };
            if packet.track_id != self.track_id {
                continue;
            }
            if self.clear_trim_end {
                packet.trim_end = Ticks::ZERO;
            }
            // A packet time far past the stream (a hostile container) would size the
            // waveform and the timeline: the running clock stands in for it.
            let start = self
                .ts_to_secs(packet.pts)
                .filter(|t| *t <= self.latest_credible())
                .unwrap_or(self.next_start);
            let buf = match self.decoder.decode(&packet) {
                Ok(buf) => buf,
                Err(SymphoniaError::DecodeError(_)) | Err(SymphoniaError::IoError(_)) => {
                    if self.count_error() {
                        return Ok(None);
                    }
                    continue;
                }
                Err(e) => {
                    return Err(PlayerError::Decode {
                        media: self.description.clone(),
                        reason: e.to_string(),
                    });
                }
            };
            self.consecutive_errors = 0;
            let frames = buf.frames();
            if frames == 0 {
                continue;
            }
            let channels = buf.spec().channels().count().max(1);
            if channels > MAX_CHANNELS || self.next_start > MAX_SEGMENT_SECS {
                return Err(PlayerError::UnsupportedAudio {
                    media: self.description.clone(),
                    reason: if channels > MAX_CHANNELS {
                        format!("{channels} channels, at most {MAX_CHANNELS}")
                    } else {
                        format!("longer than {} h", MAX_SEGMENT_SECS / 3600.0)
                    },
                });
            }
            buf.copy_to_vec_interleaved(&mut self.scratch);
            let rate = f64::from(self.rate);
            self.next_start = start + frames as f64 / rate;
            let mut first = 0usize;
            if let Some(until) = self.skip_until {
                if self.next_start <= until {
                    continue;
                }
                first = (((until - start) * rate).round().max(0.0) as usize).min(frames);
                self.skip_until = None;
            }
            let mut samples = Vec::with_capacity((frames - first) * 2);
            for frame in self.scratch.chunks_exact(channels).skip(first) {
                let left = frame[0];
                let right = if channels > 1 { frame[1] } else { left };
                samples.push(left);
                samples.push(right);
            }
            return Ok(Some(Block {
                samples,
                start: start + first as f64 / rate,
            }));
        }
    }

    /// The latest time a packet may credibly start at: just past the declared length when
    /// it is exact, else the longest recording accepted.
    fn latest_credible(&self) -> f64 {
        match self.duration {
            Some(d) if self.duration_exact => d + 1.0,
            _ => MAX_SEGMENT_SECS,
        }
    }

    /// Segment time just past the last frame decoded.
    pub fn position(&self) -> f64 {
        self.next_start
    }

    /// Counts a bad packet; true when there have been too many in a row to go on. Packets
    /// being dropped before a seek target are not reported: after a start mid-file the
    /// first frames may lack their bit reservoir, and none of them is heard.
    fn count_error(&mut self) -> bool {
        if self.skip_until.is_none() {
            self.errors += 1;
        }
        self.consecutive_errors += 1;
        self.consecutive_errors >= MAX_CONSECUTIVE_ERRORS
    }

    /// Walks the rest of the file without decoding to learn its true length (for an MP3
    /// whose header gave only an estimate), then rewinds. Demuxing is cheap next to decoding.
    pub fn measure_duration(&mut self) -> Option<f64> {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.measure_unguarded()))
            .ok()
            .flatten()
    }

    fn measure_unguarded(&mut self) -> Option<f64> {
        let mut end = 0.0f64;
        loop {
            match self.format.next_packet() {
                Ok(Some(packet)) if packet.track_id == self.track_id => {
                    let len = packet.dur.saturating_add(packet.trim_end);
                    let packet_end = packet.pts.saturating_add(len);
                    if let Some(secs) = self.ts_to_secs(packet_end) {
                        end = end.max(secs);
                    }
                }
                Ok(Some(_)) => {}
                Ok(None) | Err(_) => break,
            }
        }
        self.seek(0.0, SeekMode::Accurate).ok()?;
        (end > 0.0).then_some(end)
    }
}
