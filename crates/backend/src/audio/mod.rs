//! Audio made by the backend itself: speech-like, identifiable content in every format the
//! recordings are served in. Nothing is downloaded; LAME (built from source, LGPL) and
//! Debian's libopus do the lossy encoding.
//!
//! Content (see [`signal`]): a tone at `tone_hz` (the segment's identity) shaped by 3–6 Hz
//! syllable envelopes, in phrases of 1.5–5 s separated by 0.4–1.2 s of exact digital silence;
//! in stereo the agent (left, `tone_hz`) and the customer (right, [`right_tone`]) take turns.
//! Peak level -6 dBFS. The output is a pure function of the spec (seeded splitmix64).
//!
//! | format | coding |
//! | --- | --- |
//! | `WavPcm16` / `WavStereo` | PCM16, 16 kHz, mono / stereo |
//! | `WavMulaw` | G.711 µ-law, 8 kHz, `fact` chunk |
//! | `Mp3Cbr` | MPEG-2 Layer III, 16 kHz, 40 kbps CBR, LAME "Info" tag |
//! | `Mp3Vbr` | 16 kHz VBR (LAME V4), "Xing" + LAME tag (frames, bytes, TOC, delay) |
//! | `Mp3VbrNoXing` | the same VBR stream without the tag frame |
//! | `OggOpus` | Opus 48 kHz mono, 20 ms packets, 24 kbps VBR, exact pre-skip/granules |
//!
//! Audio is generated and encoded in chunks of `CHUNK_FRAMES` and streamed to the writer, so
//! memory stays small (peak RSS ≈ 6 MB rendering 60 minutes) whatever the duration.
//!
//! Formats whose header depends on the whole encoding (the MP3 Xing/Info tag) and damaged
//! files (which need the final length) are rendered in two passes by [`render`] (a counting
//! pass, then the real one; the encoders are deterministic) and in one pass plus in-place
//! patching by [`render_to_file`], which is therefore the faster way to render big files.
//! Both give the same bytes.

use std::borrow::Cow;
use std::fs::File;
use std::io::{BufWriter, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

mod mp3;
mod ogg_opus;
pub mod signal;
mod wav;

#[cfg(test)]
mod tests;

/// The container/codec of a rendered recording.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AudioFormat {
    /// RIFF WAVE, PCM 16-bit, 16 kHz, mono.
    WavPcm16,
    /// RIFF WAVE, G.711 µ-law, 8 kHz, mono.
    WavMulaw,
    /// RIFF WAVE, PCM 16-bit, 16 kHz, stereo: agent on the left, customer on the right.
    WavStereo,
    /// MPEG-1/2 Layer III, constant bit rate.
    Mp3Cbr,
    /// MPEG Layer III, variable bit rate, with a Xing/Info header frame.
    Mp3Vbr,
    /// MPEG Layer III, variable bit rate, without any Xing/Info/VBRI header.
    Mp3VbrNoXing,
    /// Ogg-encapsulated Opus.
    OggOpus,
}

/// Deliberate damage, for error-path tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Damage {
    None,
    /// The file is cut at about 60 % of its length (header intact, claims full length).
    Truncated,
    /// The header is intact; bytes after about 30 % are overwritten with garbage.
    Corrupt,
}

/// What to render. Deterministic: the same spec always gives the same bytes.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct AudioSpec {
    pub format: AudioFormat,
    pub duration_ms: u64,
    /// The segment's identifying tone (Hz). For stereo, the agent's (left) tone.
    pub tone_hz: f32,
    /// Stereo only: the customer's (right) tone (Hz).
    pub right_tone_hz: Option<f32>,
    /// Seeds the speech-like envelope and pause placement.
    pub seed: u64,
    pub damage: Damage,
}

#[derive(Debug, thiserror::Error)]
pub enum AudioError {
    #[error("audio encoder failed: {0}")]
    Encoder(String),
    #[error("writing audio: {0}")]
    Io(#[from] std::io::Error),
}

impl AudioFormat {
    /// Every format, for iteration in tests and listings.
    pub const ALL: [AudioFormat; 7] = [
        AudioFormat::WavPcm16,
        AudioFormat::WavMulaw,
        AudioFormat::WavStereo,
        AudioFormat::Mp3Cbr,
        AudioFormat::Mp3Vbr,
        AudioFormat::Mp3VbrNoXing,
        AudioFormat::OggOpus,
    ];

    pub fn content_type(self) -> &'static str {
        match self {
            AudioFormat::WavPcm16 | AudioFormat::WavMulaw | AudioFormat::WavStereo => "audio/wav",
            AudioFormat::Mp3Cbr | AudioFormat::Mp3Vbr | AudioFormat::Mp3VbrNoXing => "audio/mpeg",
            AudioFormat::OggOpus => "audio/ogg",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            AudioFormat::WavPcm16 | AudioFormat::WavMulaw | AudioFormat::WavStereo => "wav",
            AudioFormat::Mp3Cbr | AudioFormat::Mp3Vbr | AudioFormat::Mp3VbrNoXing => "mp3",
            AudioFormat::OggOpus => "opus",
        }
    }

    /// The sample rate the audio is encoded at (what a decoder reports).
    pub fn sample_rate(self) -> u32 {
        match self {
            AudioFormat::WavPcm16 | AudioFormat::WavStereo => 16_000,
            AudioFormat::WavMulaw => 8_000,
            AudioFormat::Mp3Cbr | AudioFormat::Mp3Vbr | AudioFormat::Mp3VbrNoXing => {
                mp3::SAMPLE_RATE
            }
            AudioFormat::OggOpus => ogg_opus::SAMPLE_RATE,
        }
    }

    pub fn channels(self) -> u16 {
        match self {
            AudioFormat::WavStereo => 2,
            _ => 1,
        }
    }
}

/// Accepted tone range: the telephone band, which every format here carries cleanly
/// (µ-law at 8 kHz; MP3 at 16 kHz and Opus at 24 kbps low-pass not far above it).
pub const MIN_TONE_HZ: f32 = 20.0;
pub const MAX_TONE_HZ: f32 = 3400.0;
/// Longest accepted recording. The app's recordings are at most 60 min; 5 h leaves room for
/// a ~1 GB stereo WAV (4.6 h at 64 kB/s), the downloads benchmark's object.
pub const MAX_DURATION_MS: u64 = 5 * 3600 * 1000;

/// Frames generated and encoded per step.
pub(crate) const CHUNK_FRAMES: usize = 4096;

/// Bytes to overwrite at `offset` after the encoder finished (e.g. the MP3 tag frame).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Patch {
    offset: u64,
    bytes: Vec<u8>,
}

/// What an encoder reports back.
#[derive(Debug, Clone, Default)]
struct Encoded {
    patches: Vec<Patch>,
    /// Length of the container/codec headers, which damage never touches.
    header_len: u64,
}

/// Checks a spec without rendering it.
pub fn validate(spec: &AudioSpec) -> Result<(), AudioError> {
    let check_tone = |name: &str, hz: f32| {
        if hz.is_finite() && (MIN_TONE_HZ..=MAX_TONE_HZ).contains(&hz) {
            Ok(())
        } else {
            Err(AudioError::Encoder(format!(
                "invalid audio spec: {name} {hz} Hz is outside {MIN_TONE_HZ}..={MAX_TONE_HZ} Hz"
            )))
        }
    };
    check_tone("tone_hz", spec.tone_hz)?;
    if spec.format.channels() == 2
        && let Some(hz) = spec.right_tone_hz
    {
        check_tone("right_tone_hz", hz)?;
    }
    if spec.duration_ms > MAX_DURATION_MS {
        return Err(AudioError::Encoder(format!(
            "invalid audio spec: duration {} ms is longer than {MAX_DURATION_MS} ms",
            spec.duration_ms
        )));
    }
    Ok(())
}

/// The customer's tone in stereo: `right_tone_hz`, or a fourth below the agent's tone (440 →
/// 330 Hz; a fourth above when that would leave the accepted range).
pub fn right_tone(spec: &AudioSpec) -> f32 {
    spec.right_tone_hz.unwrap_or_else(|| {
        let down = spec.tone_hz * 0.75;
        if down >= MIN_TONE_HZ {
            down
        } else {
            spec.tone_hz / 0.75
        }
    })
}

fn signal_for(spec: &AudioSpec) -> signal::Signal {
    signal::Signal::new(
        spec.seed,
        spec.duration_ms,
        spec.format.sample_rate(),
        spec.format.channels(),
        f64::from(spec.tone_hz),
        f64::from(right_tone(spec)),
    )
}

/// Counts what goes through, so encoders can report their header length.
pub(crate) struct Counter<W> {
    inner: W,
    count: u64,
}

impl<W: Write> Counter<W> {
    pub(crate) fn new(inner: W) -> Self {
        Self { inner, count: 0 }
    }
    pub(crate) fn count(&self) -> u64 {
        self.count
    }
}

impl<W: Write> Write for Counter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.count += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

fn wav_coding(format: AudioFormat) -> Option<wav::Coding> {
    match format {
        AudioFormat::WavPcm16 | AudioFormat::WavStereo => Some(wav::Coding::Pcm16),
        AudioFormat::WavMulaw => Some(wav::Coding::Mulaw),
        _ => None,
    }
}

/// Encodes the undamaged stream (with placeholder bytes where patches go).
fn encode(spec: &AudioSpec, out: &mut dyn Write) -> Result<Encoded, AudioError> {
    let signal = signal_for(spec);
    if let Some(coding) = wav_coding(spec.format) {
        wav::encode(coding, signal, spec.format.sample_rate(), out)?;
        return Ok(Encoded {
            patches: Vec::new(),
            header_len: wav::file_len(coding, spec.format.channels(), 0),
        });
    }
    match spec.format {
        AudioFormat::OggOpus => {
            let header_len = ogg_opus::encode(signal, spec.seed, out)?;
            Ok(Encoded {
                patches: Vec::new(),
                header_len,
            })
        }
        format => {
            let mode = match format {
                AudioFormat::Mp3Cbr => mp3::Mode::Cbr,
                AudioFormat::Mp3Vbr => mp3::Mode::VbrTagged,
                _ => mp3::Mode::VbrUntagged,
            };
            let patches = mp3::encode(mode, signal, out)?;
            // The tag frame is the MP3 "header"; an untagged stream has none.
            let header_len = patches.first().map_or(0, |p| p.bytes.len() as u64);
            Ok(Encoded {
                patches,
                header_len,
            })
        }
    }
}

/// Exact output length and header length without encoding, where the format allows it (WAV).
fn known_len(spec: &AudioSpec) -> Option<(u64, Encoded)> {
    let coding = wav_coding(spec.format)?;
    let frames = signal::frames_for(spec.duration_ms, spec.format.sample_rate());
    let channels = spec.format.channels();
    let header_len = wav::file_len(coding, channels, 0);
    Some((
        wav::file_len(coding, channels, frames),
        Encoded {
            patches: Vec::new(),
            header_len,
        },
    ))
}

/// Where damage starts: (bytes kept for `Truncated`, first garbage byte for `Corrupt`).
/// Headers stay intact even in tiny files.
fn damage_points(len: u64, header_len: u64) -> (u64, u64) {
    let cut = (len * 6 / 10).max(header_len).min(len);
    let garbage_from = (len * 3 / 10).max(header_len).min(len);
    (cut, garbage_from)
}

/// Deterministic garbage for absolute file offset `offset..offset + buf.len()`: the same
/// bytes whether written in a stream or patched into a file.
fn fill_garbage(seed: u64, offset: u64, buf: &mut [u8]) {
    let key = signal::mix64(seed ^ 0xBAD0_BAD0_BAD0_BAD0);
    for (i, b) in buf.iter_mut().enumerate() {
        let p = offset + i as u64;
        *b = (signal::mix64(key.wrapping_add(p / 8)) >> (8 * (p % 8))) as u8;
    }
}

/// Applies patches and damage to a stream on its way to the real writer.
struct Shaper<'a> {
    inner: &'a mut dyn Write,
    pos: u64,
    patches: &'a [Patch],
    seed: u64,
    cut: u64,
    garbage_from: u64,
    written: u64,
}

impl Write for Shaper<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let start = self.pos;
        let end = start + buf.len() as u64;
        let mut data = Cow::Borrowed(buf);
        for p in self.patches {
            let (ps, pe) = (p.offset, p.offset + p.bytes.len() as u64);
            if ps < end && pe > start {
                let (from, to) = (ps.max(start), pe.min(end));
                data.to_mut()[(from - start) as usize..(to - start) as usize]
                    .copy_from_slice(&p.bytes[(from - ps) as usize..(to - ps) as usize]);
            }
        }
        if end > self.garbage_from {
            let from = self.garbage_from.max(start);
            fill_garbage(
                self.seed,
                from,
                &mut data.to_mut()[(from - start) as usize..],
            );
        }
        let keep = end.min(self.cut).saturating_sub(start) as usize;
        self.inner.write_all(&data[..keep])?;
        self.written += keep as u64;
        self.pos = end;
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// Renders `spec` into `out`; returns the number of bytes written.
pub fn render(spec: &AudioSpec, out: &mut dyn Write) -> Result<u64, AudioError> {
    validate(spec)?;
    // A first, counting pass where the final length or the patches are needed up front.
    let needs_len = spec.damage != Damage::None;
    let needs_patches = matches!(spec.format, AudioFormat::Mp3Cbr | AudioFormat::Mp3Vbr);
    let (len, plan) = match known_len(spec) {
        Some((len, plan)) => (Some(len), plan),
        None if needs_len || needs_patches => {
            let mut counter = Counter::new(std::io::sink());
            let plan = encode(spec, &mut counter)?;
            (Some(counter.count()), plan)
        }
        None => (None, Encoded::default()),
    };
    let (cut, garbage_from) = match (spec.damage, len) {
        (Damage::Truncated, Some(len)) => (damage_points(len, plan.header_len).0, u64::MAX),
        (Damage::Corrupt, Some(len)) => (u64::MAX, damage_points(len, plan.header_len).1),
        _ => (u64::MAX, u64::MAX),
    };
    let mut shaper = Shaper {
        inner: out,
        pos: 0,
        patches: &plan.patches,
        seed: spec.seed,
        cut,
        garbage_from,
        written: 0,
    };
    {
        let mut buf = BufWriter::with_capacity(64 * 1024, &mut shaper);
        let second = encode(spec, &mut buf)?;
        buf.flush()?;
        if second
            .patches
            .iter()
            .map(|p| p.bytes.len())
            .ne(plan.patches.iter().map(|p| p.bytes.len()))
        {
            return Err(AudioError::Encoder(
                "encoder output changed between passes".into(),
            ));
        }
    }
    if let Some(len) = len
        && shaper.pos != len
    {
        return Err(AudioError::Encoder(format!(
            "encoder output changed between passes ({len} then {} bytes)",
            shaper.pos
        )));
    }
    shaper.flush()?;
    Ok(shaper.written)
}

/// Renders `spec` to `path` atomically (temp file in the same folder, then rename), so a
/// concurrent reader never sees half a file. Returns the file's length.
pub fn render_to_file(spec: &AudioSpec, path: &Path) -> Result<u64, AudioError> {
    validate(spec)?;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&dir)?;
    let tmp = temp_path(&dir, path);
    let result = write_file(spec, &tmp).and_then(|len| {
        std::fs::rename(&tmp, path)?;
        Ok(len)
    });
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// A unique hidden name next to the target (same filesystem, so the rename is atomic).
fn temp_path(dir: &Path, path: &Path) -> PathBuf {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let name = path
        .file_name()
        .map_or_else(|| "audio".into(), |n| n.to_string_lossy());
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    dir.join(format!(".{name}.{}.{n}.tmp", std::process::id()))
}

/// One encoding pass straight into the file, then patches and damage in place.
fn write_file(spec: &AudioSpec, tmp: &Path) -> Result<u64, AudioError> {
    let file = File::create(tmp)?;
    let mut buf = BufWriter::with_capacity(256 * 1024, file);
    let encoded = encode(spec, &mut buf)?;
    let mut file = buf.into_inner().map_err(|e| e.into_error())?;
    let len = file.stream_position()?;
    for p in &encoded.patches {
        file.seek(SeekFrom::Start(p.offset))?;
        file.write_all(&p.bytes)?;
    }
    let (cut, garbage_from) = damage_points(len, encoded.header_len);
    let final_len = match spec.damage {
        Damage::None => len,
        Damage::Truncated => {
            file.set_len(cut)?;
            cut
        }
        Damage::Corrupt => {
            file.seek(SeekFrom::Start(garbage_from))?;
            let mut block = vec![0u8; 64 * 1024];
            let mut pos = garbage_from;
            while pos < len {
                let n = (len - pos).min(block.len() as u64) as usize;
                fill_garbage(spec.seed, pos, &mut block[..n]);
                file.write_all(&block[..n])?;
                pos += n as u64;
            }
            len
        }
    };
    // Durable before it becomes visible under its real name.
    file.sync_all()?;
    Ok(final_len)
}
