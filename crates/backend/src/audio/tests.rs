//! Decodes what the module renders (symphonia for WAV/MP3, the `ogg` + `opus` crates and the
//! symphonia libopus adapter for Opus) and checks duration, tone, pauses, channels, tags,
//! determinism and damage.

use std::io::Cursor;
use std::process::Command;

use symphonia::core::codecs::audio::AudioDecoderOptions;
use symphonia::core::codecs::registry::CodecRegistry;
use symphonia::core::formats::probe::Hint;
use symphonia::core::formats::{FormatOptions, TrackType};
use symphonia::core::io::MediaSourceStream;
use symphonia::core::meta::MetadataOptions;
use symphonia::core::units::Duration as SymDuration;

use super::*;

const TONE: f32 = 440.0;
const RIGHT_TONE: f32 = 620.0;

fn spec(format: AudioFormat, duration_ms: u64, seed: u64) -> AudioSpec {
    AudioSpec {
        format,
        duration_ms,
        tone_hz: TONE,
        right_tone_hz: (format == AudioFormat::WavStereo).then_some(RIGHT_TONE),
        seed,
        damage: Damage::None,
    }
}

fn render_vec(spec: &AudioSpec) -> Vec<u8> {
    let mut out = Vec::new();
    let n = render(spec, &mut out).unwrap_or_else(|e| panic!("render {spec:?}: {e}"));
    assert_eq!(n, out.len() as u64, "render's byte count");
    out
}

/// Decoded PCM, interleaved.
#[derive(Debug)]
struct Pcm {
    rate: u32,
    channels: usize,
    samples: Vec<f32>,
}

impl Pcm {
    fn frames(&self) -> usize {
        self.samples.len() / self.channels
    }
    fn channel(&self, c: usize) -> Vec<f32> {
        self.samples
            .iter()
            .skip(c)
            .step_by(self.channels)
            .copied()
            .collect()
    }
}

fn codecs() -> CodecRegistry {
    let mut registry = CodecRegistry::new();
    symphonia::default::register_enabled_codecs(&mut registry);
    registry.register_audio_decoder::<symphonia_adapter_libopus::OpusDecoder>();
    registry
}

/// Decodes with symphonia. `keep_end`: clear `trim_end` (a VBR MP3 without Xing has only an
/// estimated duration, and the demuxer trims the packets past it).
fn decode_symphonia(bytes: &[u8], ext: &str, keep_end: bool) -> Pcm {
    let mss = MediaSourceStream::new(Box::new(Cursor::new(bytes.to_vec())), Default::default());
    let mut hint = Hint::new();
    hint.with_extension(ext);
    let mut format = symphonia::default::get_probe()
        .probe(
            &hint,
            mss,
            FormatOptions::default(),
            MetadataOptions::default(),
        )
        .expect("probe");
    let track = format
        .default_track(TrackType::Audio)
        .expect("audio track")
        .clone();
    let params = track
        .codec_params
        .as_ref()
        .and_then(|p| p.audio())
        .expect("audio params")
        .clone();
    let mut decoder = codecs()
        .make_audio_decoder(&params, &AudioDecoderOptions::default())
        .expect("decoder");
    let mut pcm = Pcm {
        rate: 0,
        channels: 1,
        samples: Vec::new(),
    };
    let mut tmp: Vec<f32> = Vec::new();
    while let Some(mut packet) = format.next_packet().expect("packet") {
        if packet.track_id != track.id {
            continue;
        }
        if keep_end {
            packet.trim_end = SymDuration::ZERO;
        }
        let buf = decoder.decode(&packet).expect("decode");
        pcm.rate = buf.spec().rate();
        pcm.channels = buf.spec().channels().count();
        tmp.clear();
        buf.copy_to_vec_interleaved(&mut tmp);
        pcm.samples.extend_from_slice(&tmp);
    }
    pcm
}

/// What the Ogg Opus container says, checked against RFC 7845 on the way.
#[derive(Debug)]
struct OpusInfo {
    pre_skip: usize,
    final_granule: u64,
    /// Granule positions of the pages, in order.
    page_granules: Vec<u64>,
    pcm: Pcm,
}

/// Reads the Ogg pages with the `ogg` crate (which checks the CRCs) and decodes with libopus,
/// applying pre-skip and end trimming by hand.
fn decode_ogg_opus(bytes: &[u8]) -> OpusInfo {
    let mut reader = ogg::PacketReader::new(Cursor::new(bytes));
    let head = reader.read_packet_expected().expect("OpusHead");
    assert!(
        head.first_in_stream() && head.last_in_page(),
        "OpusHead alone on the first page"
    );
    assert_eq!(&head.data[..8], b"OpusHead");
    assert_eq!(head.data.len(), 19);
    assert_eq!(head.data[8], 1, "version");
    assert_eq!(head.data[9], 1, "channels");
    let pre_skip = usize::from(u16::from_le_bytes([head.data[10], head.data[11]]));
    assert_eq!(
        u32::from_le_bytes(head.data[12..16].try_into().unwrap()),
        48_000
    );
    assert_eq!(head.data[18], 0, "mapping family");
    let tags = reader.read_packet_expected().expect("OpusTags");
    assert_eq!(&tags.data[..8], b"OpusTags");
    assert!(tags.last_in_page(), "OpusTags ends its page");
    assert_eq!(tags.absgp_page(), 0);

    let mut decoder = opus::Decoder::new(48_000, opus::Channels::Mono).expect("decoder");
    let mut samples = Vec::new();
    let mut frame = vec![0f32; 5760];
    let mut page_granules = Vec::new();
    let mut final_granule = None;
    while let Some(p) = reader.read_packet().expect("ogg packet") {
        assert!(final_granule.is_none(), "packet after the end of stream");
        let n = decoder
            .decode_float(&p.data, &mut frame, false)
            .expect("opus decode");
        assert_eq!(n, 960, "20 ms packets");
        samples.extend_from_slice(&frame[..n]);
        if p.last_in_page() {
            page_granules.push(p.absgp_page());
        }
        if p.last_in_stream() {
            final_granule = Some(p.absgp_page());
        }
    }
    let final_granule = final_granule.expect("an end-of-stream page");
    // End trimming may only cut into the last packet.
    assert!(
        final_granule as usize <= samples.len() && final_granule as usize > samples.len() - 960
    );
    samples.truncate(final_granule as usize);
    samples.drain(..pre_skip.min(samples.len()));
    OpusInfo {
        pre_skip,
        final_granule,
        page_granules,
        pcm: Pcm {
            rate: 48_000,
            channels: 1,
            samples,
        },
    }
}

fn decode(format: AudioFormat, bytes: &[u8]) -> Pcm {
    match format {
        AudioFormat::OggOpus => decode_ogg_opus(bytes).pcm,
        AudioFormat::Mp3VbrNoXing => decode_symphonia(bytes, "mp3", true),
        _ => decode_symphonia(bytes, format.extension(), false),
    }
}

/// RMS per window of `win` samples.
fn window_rms(x: &[f32], win: usize) -> Vec<f32> {
    x.chunks(win)
        .map(|c| (c.iter().map(|v| v * v).sum::<f32>() / c.len() as f32).sqrt())
        .collect()
}

/// Frequency from positive-going zero crossings, interpolated between samples.
fn zero_crossing_hz(x: &[f32], rate: u32) -> Option<f64> {
    let mut first = None;
    let mut last = 0.0;
    let mut count = 0usize;
    for i in 1..x.len() {
        let (a, b) = (f64::from(x[i - 1]), f64::from(x[i]));
        if a < 0.0 && b >= 0.0 {
            let t = (i - 1) as f64 + a / (a - b);
            first.get_or_insert(t);
            last = t;
            count += 1;
        }
    }
    let first = first?;
    (count >= 3).then(|| (count - 1) as f64 * f64::from(rate) / (last - first))
}

/// Median zero-crossing frequency over the loud 50 ms windows (the syllables' peaks), so the
/// near-silent edges of syllables and codec noise do not count.
fn speaking_hz(x: &[f32], rate: u32) -> f64 {
    let win = rate as usize / 20;
    let mut freqs: Vec<f64> = x
        .chunks_exact(win)
        .filter(|c| window_rms(c, win)[0] > 0.1)
        .filter_map(|c| zero_crossing_hz(c, rate))
        .collect();
    assert!(freqs.len() >= 5, "too few loud windows: {}", freqs.len());
    freqs.sort_by(f64::total_cmp);
    freqs[freqs.len() / 2]
}

/// Goertzel power of `x` (Hann-windowed) at `hz`.
fn power_at(x: &[f32], rate: u32, hz: f64) -> f64 {
    let w = std::f64::consts::TAU * hz / f64::from(rate);
    let coeff = 2.0 * w.cos();
    let (mut s1, mut s2) = (0.0f64, 0.0f64);
    let n = x.len() as f64;
    for (i, &v) in x.iter().enumerate() {
        let hann = 0.5 - 0.5 * (std::f64::consts::TAU * i as f64 / n).cos();
        let s = f64::from(v) * hann + coeff * s1 - s2;
        s2 = s1;
        s1 = s;
    }
    s1 * s1 + s2 * s2 - coeff * s1 * s2
}

/// The spectral peak (0.5 % grid from 15 Hz to Nyquist) of half a second of speech starting
/// at the first loud window.
fn dominant_hz(x: &[f32], rate: u32) -> f64 {
    let win = rate as usize / 20;
    let start = window_rms(x, win)
        .iter()
        .position(|&r| r > 0.1)
        .expect("some speech")
        * win;
    let excerpt = &x[start..(start + rate as usize / 2).min(x.len())];
    let mut best = (0.0, 0.0);
    let mut hz = 15.0;
    while hz < f64::from(rate) / 2.0 {
        let p = power_at(excerpt, rate, hz);
        if p > best.1 {
            best = (hz, p);
        }
        hz *= 1.005;
    }
    best.0
}

/// Lengths (seconds) of runs of near silence (below -50 dBFS in 10 ms windows).
fn silent_spans(x: &[f32], rate: u32) -> Vec<f64> {
    let win = rate as usize / 100;
    let mut spans = Vec::new();
    let mut run = 0usize;
    for r in window_rms(x, win) {
        if r < 0.003 {
            run += 1;
        } else {
            if run > 0 {
                spans.push(run as f64 / 100.0);
            }
            run = 0;
        }
    }
    if run > 0 {
        spans.push(run as f64 / 100.0);
    }
    spans
}

fn assert_close(actual: f64, expected: f64, rel: f64, what: &str) {
    assert!(
        (actual - expected).abs() <= expected * rel,
        "{what}: {actual:.2}, expected {expected:.2} ± {:.1} %",
        rel * 100.0
    );
}

/// Samples a decoder may add to an MP3 that has no gapless info: LAME's encoder delay (576)
/// plus the decoder delay (529), plus padding up to a whole frame.
const MP3_UNTRIMMED_MAX: usize = 576 + 529 + 576;

fn check_duration(format: AudioFormat, pcm: &Pcm, duration_ms: u64) {
    let expected = signal::frames_for(duration_ms, format.sample_rate()) as usize;
    assert_eq!(pcm.rate, format.sample_rate(), "{format:?} rate");
    assert_eq!(
        pcm.channels,
        usize::from(format.channels()),
        "{format:?} channels"
    );
    let got = pcm.frames();
    match format {
        // Exact: PCM, and Opus trimmed by pre-skip and the final granule.
        AudioFormat::WavPcm16
        | AudioFormat::WavMulaw
        | AudioFormat::WavStereo
        | AudioFormat::OggOpus => {
            assert_eq!(got, expected, "{format:?} frames")
        }
        // The LAME tag's delay/padding let the decoder trim exactly; allow a frame.
        AudioFormat::Mp3Cbr | AudioFormat::Mp3Vbr => {
            assert!(
                got.abs_diff(expected) <= 576,
                "{format:?}: {got} frames, expected {expected}"
            )
        }
        AudioFormat::Mp3VbrNoXing => assert!(
            got >= expected && got <= expected + MP3_UNTRIMMED_MAX,
            "{format:?}: {got} frames, expected {expected} + delay"
        ),
    }
}

/// Duration, tone, pauses and level of one rendered mono file.
fn check_mono_content(format: AudioFormat, pcm: &Pcm) {
    let x = pcm.channel(0);
    let hz = speaking_hz(&x, pcm.rate);
    assert_close(
        hz,
        f64::from(TONE),
        0.02,
        &format!("{format:?} zero-crossing tone"),
    );
    let peak = dominant_hz(&x, pcm.rate);
    assert_close(
        peak,
        f64::from(TONE),
        0.02,
        &format!("{format:?} spectral peak"),
    );

    let spans = silent_spans(&x, pcm.rate);
    let pauses = spans.iter().filter(|&&s| s >= 0.4).count();
    assert!(pauses >= 2, "{format:?}: pauses ≥ 0.4 s: {spans:?}");
    assert!(
        spans.iter().all(|&s| s <= 1.3),
        "{format:?}: no pause longer than 1.2 s: {spans:?}"
    );

    let max = x.iter().fold(0f32, |m, v| m.max(v.abs()));
    assert!(
        (0.45..=0.56).contains(&max),
        "{format:?}: peak {max} (≈ -6 dBFS expected)"
    );
    let loud = window_rms(&x, pcm.rate as usize / 20)
        .iter()
        .filter(|&&r| r > 0.02)
        .count() as f64
        / (x.len() as f64 / (f64::from(pcm.rate) / 20.0));
    assert!(
        (0.3..0.9).contains(&loud),
        "{format:?}: speech fraction {loud:.2}"
    );
}

fn check_format(format: AudioFormat) {
    let s = spec(format, 15_000, 11);
    let bytes = render_vec(&s);
    let pcm = decode(format, &bytes);
    check_duration(format, &pcm, s.duration_ms);
    if format.channels() == 1 {
        check_mono_content(format, &pcm);
    }
}

#[test]
fn content_type_and_extension() {
    use AudioFormat::*;
    for (f, ct, ext) in [
        (WavPcm16, "audio/wav", "wav"),
        (WavMulaw, "audio/wav", "wav"),
        (WavStereo, "audio/wav", "wav"),
        (Mp3Cbr, "audio/mpeg", "mp3"),
        (Mp3Vbr, "audio/mpeg", "mp3"),
        (Mp3VbrNoXing, "audio/mpeg", "mp3"),
        (OggOpus, "audio/ogg", "opus"),
    ] {
        assert_eq!(f.content_type(), ct);
        assert_eq!(f.extension(), ext);
    }
}

#[test]
fn wav_pcm16_content() {
    check_format(AudioFormat::WavPcm16);
}

#[test]
fn wav_mulaw_content() {
    check_format(AudioFormat::WavMulaw);
}

#[test]
fn mp3_cbr_content() {
    check_format(AudioFormat::Mp3Cbr);
}

#[test]
fn mp3_vbr_content() {
    check_format(AudioFormat::Mp3Vbr);
}

#[test]
fn mp3_vbr_no_xing_content() {
    check_format(AudioFormat::Mp3VbrNoXing);
}

#[test]
fn ogg_opus_content() {
    check_format(AudioFormat::OggOpus);
}

#[test]
fn wav_headers_are_exact() {
    let pcm = render_vec(&spec(AudioFormat::WavPcm16, 5_000, 1));
    assert_eq!(pcm.len(), 44 + 5 * 16_000 * 2);
    assert_eq!(&pcm[..4], b"RIFF");
    assert_eq!(
        u32::from_le_bytes(pcm[4..8].try_into().unwrap()) as usize,
        pcm.len() - 8
    );
    assert_eq!(&pcm[36..40], b"data");

    let mulaw = render_vec(&spec(AudioFormat::WavMulaw, 5_001, 1));
    let frames = 40_008u32;
    assert_eq!(
        u16::from_le_bytes([mulaw[20], mulaw[21]]),
        7,
        "WAVE_FORMAT_MULAW"
    );
    assert_eq!(
        u32::from_le_bytes(mulaw[16..20].try_into().unwrap()),
        18,
        "fmt with cbSize"
    );
    assert_eq!(&mulaw[38..42], b"fact");
    assert_eq!(
        u32::from_le_bytes(mulaw[46..50].try_into().unwrap()),
        frames,
        "fact sample count"
    );
    assert_eq!(&mulaw[50..54], b"data");
    assert_eq!(
        u32::from_le_bytes(mulaw[54..58].try_into().unwrap()),
        frames
    );
    assert_eq!(mulaw.len(), 58 + frames as usize);
    // An odd-sized data chunk is followed by a pad byte (RIFF word alignment).
    assert_eq!(wav::file_len(wav::Coding::Mulaw, 1, 3), 58 + 3 + 1);
    assert_eq!(
        u32::from_le_bytes(mulaw[4..8].try_into().unwrap()) as usize,
        mulaw.len() - 8
    );
    // Silence is encoded as 0xFF, which decodes to exactly 0.
    assert_eq!(mulaw[58], 0xFF);
    assert_eq!(wav::mulaw_to_linear(0xFF), 0);
}

#[test]
fn mulaw_round_trip() {
    for v in [
        -32768i32, -32635, -1000, -5, 0, 5, 100, 1000, 8000, 32635, 32767,
    ] {
        let back = i32::from(wav::mulaw_to_linear(wav::linear_to_mulaw(v as i16)));
        // µ-law keeps about 4 significant bits: error within ~1/16 of the magnitude.
        assert!(
            (back - v.clamp(-32635, 32635)).abs() <= v.abs() / 16 + 8,
            "{v} -> {back}"
        );
    }
}

#[test]
fn stereo_channels_carry_their_own_tones_and_take_turns() {
    let s = spec(AudioFormat::WavStereo, 40_000, 5);
    let bytes = render_vec(&s);
    let pcm = decode(s.format, &bytes);
    check_duration(s.format, &pcm, s.duration_ms);
    let (left, right) = (pcm.channel(0), pcm.channel(1));
    assert_close(
        speaking_hz(&left, pcm.rate),
        f64::from(TONE),
        0.02,
        "left tone",
    );
    assert_close(
        speaking_hz(&right, pcm.rate),
        f64::from(RIGHT_TONE),
        0.02,
        "right tone",
    );
    assert_close(
        dominant_hz(&left, pcm.rate),
        f64::from(TONE),
        0.02,
        "left peak",
    );
    assert_close(
        dominant_hz(&right, pcm.rate),
        f64::from(RIGHT_TONE),
        0.02,
        "right peak",
    );

    let win = pcm.rate as usize / 20;
    let (l, r) = (window_rms(&left, win), window_rms(&right, win));
    let both = l
        .iter()
        .zip(&r)
        .filter(|(a, b)| **a > 0.02 && **b > 0.02)
        .count();
    let left_only = l
        .iter()
        .zip(&r)
        .filter(|(a, b)| **a > 0.02 && **b <= 0.02)
        .count();
    let right_only = l
        .iter()
        .zip(&r)
        .filter(|(a, b)| **a <= 0.02 && **b > 0.02)
        .count();
    let n = l.len();
    assert!(
        left_only * 10 > n && right_only * 10 > n,
        "both talk: {left_only} {right_only} of {n}"
    );
    assert!(
        both * 50 < n,
        "talking over each other in {both} of {n} windows"
    );

    // Turns: the active speaker changes several times.
    let mut turns = 0;
    let mut last = None;
    for (a, b) in l.iter().zip(&r) {
        let now = if *a > 0.02 {
            Some(0)
        } else if *b > 0.02 {
            Some(1)
        } else {
            None
        };
        if now.is_some() && last.is_some() && now != last {
            turns += 1;
        }
        if now.is_some() {
            last = now;
        }
    }
    assert!(turns >= 4, "only {turns} turns in 40 s");

    // Both channels have pauses of real silence.
    for x in [&left, &right] {
        assert!(silent_spans(x, pcm.rate).iter().any(|&s| s >= 0.4));
    }
    // Phrases are separated by pauses in which neither speaks.
    let mixed: Vec<f32> = left.iter().zip(&right).map(|(a, b)| a + b).collect();
    let spans = silent_spans(&mixed, pcm.rate);
    assert!(
        spans.iter().filter(|&&s| s >= 0.4).count() >= 5,
        "{spans:?}"
    );
}

#[test]
fn stereo_without_right_tone_uses_a_fourth_below() {
    let s = AudioSpec {
        right_tone_hz: None,
        ..spec(AudioFormat::WavStereo, 20_000, 5)
    };
    let pcm = decode(s.format, &render_vec(&s));
    assert_close(
        speaking_hz(&pcm.channel(1), pcm.rate),
        f64::from(TONE) * 0.75,
        0.02,
        "right tone",
    );
}

#[test]
fn deterministic_per_seed() {
    for format in AudioFormat::ALL {
        let a = render_vec(&spec(format, 5_000, 42));
        let b = render_vec(&spec(format, 5_000, 42));
        assert!(a == b, "{format:?}: same spec, different bytes");
        let c = render_vec(&spec(format, 5_000, 43));
        assert!(a != c, "{format:?}: different seed, same bytes");
    }
}

/// The script itself: phrase and pause lengths, syllable rate.
#[test]
fn script_has_speech_like_timing() {
    let mut phrase = 0.0;
    let mut phrases = Vec::new();
    let mut pauses = Vec::new();
    let mut syllables = 0;
    for span in signal::Script::new(3).skip(1).take(5_000) {
        match span {
            signal::Span::Syllable { secs, amp, .. } => {
                assert!((1.0 / 6.0..=1.0 / 3.0).contains(&secs) && (0.5..=1.0).contains(&amp));
                phrase += secs;
                syllables += 1;
            }
            signal::Span::Silence { secs } if secs >= 0.4 => {
                assert!(secs <= 1.2);
                pauses.push(secs);
                phrases.push(phrase);
                phrase = 0.0;
            }
            signal::Span::Silence { secs } => phrase += secs,
        }
    }
    assert!(
        phrases.iter().all(|p| (1.5..=5.0).contains(p)),
        "{phrases:?}"
    );
    assert!(syllables > 1000 && pauses.len() > 100);
}

fn first_frame(bytes: &[u8]) -> &[u8] {
    let len = mp3::frame_len(bytes).expect("an MPEG frame at offset 0");
    &bytes[..len]
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// Sizes of all frames, walking the headers.
fn frame_sizes(bytes: &[u8]) -> Vec<usize> {
    let mut sizes = Vec::new();
    let mut pos = 0;
    while pos < bytes.len() {
        let len = mp3::frame_len(&bytes[pos..]).unwrap_or_else(|| panic!("no frame at {pos}"));
        sizes.push(len);
        pos += len;
    }
    assert_eq!(pos, bytes.len(), "frames tile the file");
    sizes
}

#[test]
fn mp3_tags() {
    let cbr = render_vec(&spec(AudioFormat::Mp3Cbr, 10_000, 2));
    let vbr = render_vec(&spec(AudioFormat::Mp3Vbr, 10_000, 2));
    let raw = render_vec(&spec(AudioFormat::Mp3VbrNoXing, 10_000, 2));

    assert!(contains(first_frame(&cbr), b"Info"), "CBR has an Info tag");
    let sizes = frame_sizes(&cbr);
    assert!(
        sizes.iter().all(|&s| s == 180),
        "40 kbps at 16 kHz: 180-byte frames"
    );

    let tag = first_frame(&vbr);
    assert!(
        contains(tag, b"Xing") && contains(tag, b"LAME"),
        "VBR has a Xing + LAME tag"
    );
    let xing = tag.windows(4).position(|w| w == b"Xing").unwrap();
    let flags = u32::from_be_bytes(tag[xing + 4..xing + 8].try_into().unwrap());
    assert!(
        flags & 0x3 == 0x3,
        "frame and byte counts present: {flags:#x}"
    );
    let frames = u32::from_be_bytes(tag[xing + 8..xing + 12].try_into().unwrap()) as usize;
    let byte_count = u32::from_be_bytes(tag[xing + 12..xing + 16].try_into().unwrap()) as usize;
    let sizes = frame_sizes(&vbr);
    assert_eq!(frames, sizes.len() - 1, "Xing frame count = audio frames");
    assert_eq!(byte_count, vbr.len(), "Xing byte count = file length");
    let audio_sizes = &sizes[1..];
    assert!(
        audio_sizes.iter().min() < audio_sizes.iter().max(),
        "VBR frame sizes vary"
    );

    // (LAME's version string may still appear in an audio frame's ancillary bits: not a tag.)
    for needle in [&b"Xing"[..], b"Info", b"VBRI"] {
        assert!(
            !contains(first_frame(&raw), needle),
            "untagged VBR has {needle:?}"
        );
    }
    // Same VBR stream, just without the tag frame.
    assert!(
        raw[..] == vbr[tag.len()..],
        "NoXing = Vbr minus its tag frame"
    );
}

#[test]
fn mp3_no_xing_end_is_trimmed_by_default_demuxer() {
    // Documents why `decode` clears `trim_end` for untagged VBR (see shared notes).
    let s = spec(AudioFormat::Mp3VbrNoXing, 20_000, 3);
    let bytes = render_vec(&s);
    let kept = decode_symphonia(&bytes, "mp3", true).frames();
    let trimmed = decode_symphonia(&bytes, "mp3", false).frames();
    assert!(kept >= trimmed);
    assert!(kept >= signal::frames_for(s.duration_ms, 16_000) as usize);
}

#[test]
fn ogg_opus_container() {
    let s = spec(AudioFormat::OggOpus, 7_010, 9);
    let bytes = render_vec(&s);
    let info = decode_ogg_opus(&bytes);
    assert_eq!(info.final_granule, info.pre_skip as u64 + 7_010 * 48);
    assert!(
        info.pre_skip > 0 && info.pre_skip < 960 * 2,
        "pre-skip {}",
        info.pre_skip
    );
    assert!(
        info.page_granules.windows(2).all(|w| w[0] < w[1]),
        "granules increase"
    );
    // About one page per second.
    assert!(info.page_granules.windows(2).all(|w| w[1] - w[0] <= 48_000));
    // The symphonia adapter agrees (its Ogg demuxer applies pre-skip and end trimming).
    let pcm = decode_symphonia(&bytes, "opus", false);
    assert_eq!(pcm.rate, 48_000);
    assert!(
        pcm.frames().abs_diff(7_010 * 48) <= 960,
        "symphonia + libopus: {} frames",
        pcm.frames()
    );
    // Bit rate around 24 kbps (speech with pauses, VBR: below the target).
    let kbps = bytes.len() as f64 * 8.0 / 7.01 / 1000.0;
    assert!((8.0..=32.0).contains(&kbps), "{kbps:.1} kbps");
}

fn check_damage(format: AudioFormat) {
    let base = spec(format, 8_000, 4);
    let full = render_vec(&base);
    let truncated = render_vec(&AudioSpec {
        damage: Damage::Truncated,
        ..base.clone()
    });
    let corrupt = render_vec(&AudioSpec {
        damage: Damage::Corrupt,
        ..base.clone()
    });

    assert!(
        truncated.len() < full.len(),
        "{format:?}: truncated is shorter"
    );
    assert_close(
        truncated.len() as f64,
        full.len() as f64 * 0.6,
        0.02,
        &format!("{format:?} cut"),
    );
    assert!(
        full.starts_with(&truncated),
        "{format:?}: truncated is a prefix"
    );

    assert_eq!(
        corrupt.len(),
        full.len(),
        "{format:?}: corrupt keeps the length"
    );
    let k = full.len() * 3 / 10;
    assert_eq!(corrupt[..k], full[..k], "{format:?}: first 30 % intact");
    let differing = corrupt[k..]
        .iter()
        .zip(&full[k..])
        .filter(|(a, b)| a != b)
        .count();
    assert!(
        differing * 10 > (full.len() - k) * 9,
        "{format:?}: garbage after 30 %"
    );

    // The file path (one pass, patched in place) gives the same bytes as the stream.
    let dir = tempfile::tempdir().unwrap();
    for (damage, expected) in [
        (Damage::None, &full),
        (Damage::Truncated, &truncated),
        (Damage::Corrupt, &corrupt),
    ] {
        let path = dir.path().join(format!("x.{}", format.extension()));
        let len = render_to_file(
            &AudioSpec {
                damage,
                ..base.clone()
            },
            &path,
        )
        .unwrap();
        let on_disk = std::fs::read(&path).unwrap();
        assert_eq!(len, on_disk.len() as u64);
        assert!(
            on_disk == *expected,
            "{format:?} {damage:?}: file differs from stream"
        );
    }
}

#[test]
fn damage_wav() {
    for f in [
        AudioFormat::WavPcm16,
        AudioFormat::WavMulaw,
        AudioFormat::WavStereo,
    ] {
        check_damage(f);
    }
}

#[test]
fn damage_mp3() {
    for f in [
        AudioFormat::Mp3Cbr,
        AudioFormat::Mp3Vbr,
        AudioFormat::Mp3VbrNoXing,
    ] {
        check_damage(f);
    }
}

#[test]
fn damage_opus() {
    check_damage(AudioFormat::OggOpus);
}

#[test]
fn damaged_headers_still_claim_full_length() {
    let s = AudioSpec {
        damage: Damage::Truncated,
        ..spec(AudioFormat::WavPcm16, 5_000, 1)
    };
    let bytes = render_vec(&s);
    assert_eq!(
        u32::from_le_bytes(bytes[40..44].try_into().unwrap()),
        5 * 16_000 * 2
    );
    let s = AudioSpec {
        damage: Damage::Truncated,
        ..spec(AudioFormat::Mp3Vbr, 5_000, 1)
    };
    let full = render_vec(&AudioSpec {
        damage: Damage::None,
        ..s.clone()
    });
    let cut = render_vec(&s);
    assert_eq!(
        first_frame(&cut),
        first_frame(&full),
        "Xing tag (with the full byte count) intact"
    );
}

#[test]
fn render_to_file_is_atomic_and_creates_dirs() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a/b/c/rec.wav");
    let s = spec(AudioFormat::WavMulaw, 5_000, 1);
    let len = render_to_file(&s, &path).unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), render_vec(&s));
    assert_eq!(len, std::fs::metadata(&path).unwrap().len());
    // Re-rendering replaces the file; no temp files are left behind.
    render_to_file(&s, &path).unwrap();
    let names: Vec<_> = std::fs::read_dir(path.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, vec![std::ffi::OsString::from("rec.wav")]);
    // A failing render leaves nothing.
    let bad = AudioSpec {
        tone_hz: f32::NAN,
        ..s
    };
    assert!(render_to_file(&bad, &dir.path().join("bad.wav")).is_err());
    assert!(!dir.path().join("bad.wav").exists());
}

#[test]
fn odd_specs_give_short_files_or_clear_errors() {
    for format in AudioFormat::ALL {
        // Zero duration: a valid, empty file.
        let s = spec(format, 0, 1);
        let bytes = render_vec(&s);
        assert!(!bytes.is_empty(), "{format:?}");
        let pcm = decode(format, &bytes);
        match format {
            AudioFormat::Mp3VbrNoXing => assert!(pcm.frames() <= MP3_UNTRIMMED_MAX),
            AudioFormat::Mp3Cbr | AudioFormat::Mp3Vbr => assert!(pcm.frames() <= 576),
            _ => assert_eq!(pcm.frames(), 0, "{format:?}"),
        }
        // A few milliseconds.
        let s = spec(format, 3, 1);
        let pcm = decode(format, &render_vec(&s));
        check_duration(format, &pcm, 3);
        // Damage on tiny files keeps the headers.
        for damage in [Damage::Truncated, Damage::Corrupt] {
            render_vec(&AudioSpec {
                damage,
                ..spec(format, 0, 1)
            });
        }

        for tone in [f32::NAN, f32::INFINITY, -440.0, 0.0, 5.0, 3401.0, 20_000.0] {
            let err = render(
                &AudioSpec {
                    tone_hz: tone,
                    ..spec(format, 1000, 1)
                },
                &mut Vec::new(),
            )
            .unwrap_err();
            assert!(err.to_string().contains("tone_hz"), "{format:?}: {err}");
        }
        let err = render(&spec(format, MAX_DURATION_MS + 1, 1), &mut Vec::new()).unwrap_err();
        assert!(err.to_string().contains("duration"), "{err}");
    }
    // Extreme but valid tones: band-limited, still the dominant frequency.
    for tone in [MIN_TONE_HZ, MAX_TONE_HZ] {
        let s = AudioSpec {
            tone_hz: tone,
            ..spec(AudioFormat::WavMulaw, 6_000, 1)
        };
        let pcm = decode(s.format, &render_vec(&s));
        let hz = dominant_hz(&pcm.channel(0), pcm.rate);
        assert_close(hz, f64::from(tone), 0.02, "extreme tone");
    }
    let bad_right = AudioSpec {
        right_tone_hz: Some(-1.0),
        ..spec(AudioFormat::WavStereo, 1000, 1)
    };
    assert!(render(&bad_right, &mut Vec::new()).is_err());
}

/// (format duration, stream start time) as the system's ffprobe sees them; `None` (with a
/// note) when ffprobe is missing.
fn ffprobe(path: &Path) -> Option<(f64, f64)> {
    let out = match Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-show_entries",
            "format=duration:stream=start_time",
        ])
        .args(["-of", "default=nw=1"])
        .arg(path)
        .output()
    {
        Ok(out) => out,
        Err(_) => {
            println!("note: ffprobe not on PATH, skipping the system-tool check");
            return None;
        }
    };
    assert!(
        out.status.success(),
        "ffprobe failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stderr.is_empty(),
        "ffprobe complained: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    let field = |name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(name)?.strip_prefix('='))
            .and_then(|v| v.trim().parse::<f64>().ok())
    };
    Some((
        field("duration").expect("a duration"),
        field("start_time").unwrap_or(0.0),
    ))
}

#[test]
fn system_tools_accept_the_files() {
    let dir = tempfile::tempdir().unwrap();
    let expected = 12.34;
    for format in AudioFormat::ALL {
        let s = spec(format, 12_340, 8);
        let path = dir
            .path()
            .join(format!("{format:?}.{}", format.extension()));
        render_to_file(&s, &path).unwrap();
        let Some((duration, start)) = ffprobe(&path) else {
            return;
        };
        println!("{format:?}: ffprobe duration {duration} s, start {start} s");
        match format {
            // ffprobe 5.1 reports a tagged MP3's whole frame count as its duration and the
            // encoder delay as its start time: the audible part is within a frame (36 ms).
            AudioFormat::Mp3Cbr | AudioFormat::Mp3Vbr => {
                assert!(
                    start > 0.05 && start < 0.08,
                    "{format:?}: LAME delay read: {start}"
                );
                assert!(
                    (duration - start - expected).abs() <= 0.036,
                    "{format:?}: {duration} - {start}"
                );
            }
            // No tag: ffprobe estimates the duration from the first frame's bit rate.
            AudioFormat::Mp3VbrNoXing => {
                assert!(duration > 0.0, "{format:?}: {duration}");
            }
            // ffprobe 5.1 leaves the pre-skip in an Ogg Opus duration (it does the same for
            // opusenc's files); the rest is exact thanks to the final granule.
            AudioFormat::OggOpus => {
                let pre_skip =
                    decode_ogg_opus(&std::fs::read(&path).unwrap()).pre_skip as f64 / 48_000.0;
                assert!(
                    (duration - pre_skip - expected).abs() <= 0.001,
                    "{format:?}: {duration} s"
                );
                opusinfo_check(&path, expected);
            }
            _ => assert!(
                (duration - expected).abs() <= 0.001,
                "{format:?}: {duration} s"
            ),
        }
    }
}

/// `opusinfo` (opus-tools) validates the Ogg Opus stream and reports the playback length.
fn opusinfo_check(path: &Path, expected: f64) {
    let Ok(out) = Command::new("opusinfo").arg(path).output() else {
        println!("note: opusinfo not on PATH, skipping");
        return;
    };
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && !text.contains("WARNING") && !text.contains("ERROR"),
        "{text}"
    );
    // "Playback length: 0m:12.339s"
    let length = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("Playback length: "))
        .expect(&text);
    let (m, s) = length.trim_end_matches('s').split_once("m:").expect(length);
    let secs = m.parse::<f64>().unwrap() * 60.0 + s.parse::<f64>().unwrap();
    assert!((secs - expected).abs() <= 0.002, "opusinfo: {length}");
}

/// Release-mode timings for 60-minute files:
/// `cargo test --release -p callrec-backend audio::tests::timing_60_min -- --ignored --nocapture`
#[test]
#[ignore]
fn timing_60_min() {
    // CPU seconds of this process (the only test running): wall time is noisy on a shared box.
    fn cpu_secs() -> f64 {
        let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
        let fields: Vec<&str> = stat
            .rsplit_once(')')
            .map_or("", |(_, r)| r)
            .split_whitespace()
            .collect();
        let ticks = |i: usize| {
            fields
                .get(i)
                .and_then(|v| v.parse::<f64>().ok())
                .unwrap_or(0.0)
        };
        (ticks(11) + ticks(12)) / 100.0
    }
    let only = std::env::var("CALLREC_AUDIO_FORMAT").ok();
    let dir = tempfile::tempdir().unwrap();
    for format in AudioFormat::ALL {
        if only.as_deref().is_some_and(|f| f != format!("{format:?}")) {
            continue;
        }
        let s = spec(format, 60 * 60 * 1000, 1);
        let path = dir
            .path()
            .join(format!("{format:?}.{}", format.extension()));
        let (t, c) = (std::time::Instant::now(), cpu_secs());
        let len = render_to_file(&s, &path).unwrap();
        let (file_secs, file_cpu) = (t.elapsed().as_secs_f64(), cpu_secs() - c);
        let (t, c) = (std::time::Instant::now(), cpu_secs());
        let streamed = render(&s, &mut std::io::sink()).unwrap();
        let (stream_secs, stream_cpu) = (t.elapsed().as_secs_f64(), cpu_secs() - c);
        assert_eq!(len, streamed);
        let hwm = std::fs::read_to_string("/proc/self/status")
            .ok()
            .and_then(|s| {
                s.lines()
                    .find(|l| l.starts_with("VmHWM"))
                    .map(|l| l.split_whitespace().skip(1).collect::<Vec<_>>().join(" "))
            })
            .unwrap_or_default();
        let probe = ffprobe(&path).map_or(String::new(), |(d, _)| format!(", ffprobe {d:.2} s"));
        println!(
            "{format:?}: {:.1} MB; render_to_file {file_secs:.1} s ({file_cpu:.1} s CPU); \
             render to a sink {stream_secs:.1} s ({stream_cpu:.1} s CPU){probe}; peak RSS so far {hwm}",
            len as f64 / 1e6
        );
        std::fs::remove_file(&path).unwrap();
    }
}

/// Writes a 30-second sample of every format for listening or inspection:
/// `CALLREC_AUDIO_DUMP=/tmp/audio cargo test -p callrec-backend audio::tests::dump_samples -- --ignored`
#[test]
#[ignore]
fn dump_samples() {
    let dir = std::env::var_os("CALLREC_AUDIO_DUMP")
        .map_or_else(|| std::env::temp_dir().join("callrec-audio"), Into::into);
    for format in AudioFormat::ALL {
        let path = Path::new(&dir).join(format!("{format:?}.{}", format.extension()));
        render_to_file(&spec(format, 30_000, 1), &path).unwrap();
        println!("{}", path.display());
    }
}
