//! MP3 through LAME (`mp3lame-encoder`, which builds LAME 3.100 from source; LGPL).
//!
//! With the VBR tag on, LAME starts the stream with a placeholder frame and only knows the
//! real Xing/Info + LAME tag (frame count, byte count, seek TOC, encoder delay/padding, music
//! CRC) after the flush. The caller writes the stream first and patches the tag in afterwards
//! (see `Encoded::patches`).

use std::io::Write;
use std::num::NonZeroU32;

use mp3lame_encoder::{Bitrate, Builder, FlushGap, MonoPcm, Quality, VbrMode};

use super::signal::{Signal, to_i16};
use super::{AudioError, CHUNK_FRAMES, Patch};

/// MPEG-2 Layer III at 16 kHz (576 samples per frame).
pub const SAMPLE_RATE: u32 = 16_000;
/// 40 kbps is the lowest MPEG-2 rate whose 16 kHz frame (180 bytes) can hold LAME's Info tag
/// (LAME silently drops the tag at 32 kbps, and then decoders cannot trim the encoder delay).
pub const CBR_KBPS: Bitrate = Bitrate::Kbps40;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// 40 kbps CBR, with LAME's "Info" tag frame (gapless info, exact duration).
    Cbr,
    /// VBR (mtrh, V4) with the "Xing" tag frame.
    VbrTagged,
    /// The same VBR encoding without any tag frame: LAME never emits the placeholder.
    VbrUntagged,
}

fn enc_err(what: &str, e: impl std::fmt::Display) -> AudioError {
    AudioError::Encoder(format!("LAME {what}: {e}"))
}

/// Encodes the signal; returns the tag frame to patch in at offset 0, if any.
pub fn encode(
    mode: Mode,
    mut signal: Signal,
    out: &mut dyn Write,
) -> Result<Vec<Patch>, AudioError> {
    let mut b = Builder::new().ok_or_else(|| AudioError::Encoder("LAME: out of memory".into()))?;
    b.set_num_channels(1).map_err(|e| enc_err("channels", e))?;
    b.set_sample_rate(SAMPLE_RATE)
        .map_err(|e| enc_err("sample rate", e))?;
    b.set_output_sample_rate(NonZeroU32::new(SAMPLE_RATE))
        .map_err(|e| enc_err("output rate", e))?;
    b.set_mode(mp3lame_encoder::Mode::Mono)
        .map_err(|e| enc_err("mode", e))?;
    // Algorithm quality 5 is LAME's default trade-off (7 is noticeably worse, 2 much slower).
    b.set_quality(Quality::Good)
        .map_err(|e| enc_err("quality", e))?;
    match mode {
        Mode::Cbr => {
            b.set_vbr_mode(VbrMode::Off)
                .map_err(|e| enc_err("vbr mode", e))?;
            b.set_brate(CBR_KBPS).map_err(|e| enc_err("bitrate", e))?;
        }
        Mode::VbrTagged | Mode::VbrUntagged => {
            b.set_vbr_mode(VbrMode::Mtrh)
                .map_err(|e| enc_err("vbr mode", e))?;
            b.set_vbr_quality(Quality::Nice)
                .map_err(|e| enc_err("vbr quality", e))?;
        }
    }
    let tagged = mode != Mode::VbrUntagged;
    b.set_to_write_vbr_tag(tagged)
        .map_err(|e| enc_err("vbr tag", e))?;
    let mut enc = b.build().map_err(|e| enc_err("init", e))?;

    let mut pcm = vec![0f32; CHUNK_FRAMES];
    let mut pcm16 = vec![0i16; CHUNK_FRAMES];
    let mut mp3 = Vec::with_capacity(mp3lame_encoder::max_required_buffer_size(CHUNK_FRAMES));
    let mut first_frame_len = None;
    let mut written = 0usize;
    loop {
        let n = signal.fill(&mut pcm);
        mp3.clear();
        if n == 0 {
            enc.flush_to_vec::<FlushGap>(&mut mp3)
                .map_err(|e| enc_err("flush", e))?;
        } else {
            for (d, &s) in pcm16.iter_mut().zip(&pcm[..n]) {
                *d = to_i16(s);
            }
            enc.encode_to_vec(MonoPcm(&pcm16[..n]), &mut mp3)
                .map_err(|e| enc_err("encode", e))?;
        }
        if written == 0 && !mp3.is_empty() {
            first_frame_len = frame_len(&mp3);
        }
        written += mp3.len();
        out.write_all(&mp3)?;
        if n == 0 {
            break;
        }
    }

    if !tagged {
        return Ok(Vec::new());
    }
    let mut tag = Vec::with_capacity(enc.lame_tag_size());
    enc.lame_tag_encode_to_vec(&mut tag)
        .ok_or_else(|| AudioError::Encoder("LAME produced no Xing/Info tag frame".into()))?;
    // The tag must fit exactly over the placeholder frame LAME wrote first.
    if Some(tag.len()) != first_frame_len {
        return Err(AudioError::Encoder(format!(
            "LAME tag frame is {} bytes, the placeholder frame {:?}",
            tag.len(),
            first_frame_len
        )));
    }
    Ok(vec![Patch {
        offset: 0,
        bytes: tag,
    }])
}

/// Length in bytes of the MPEG audio frame whose 4-byte header is `h` (Layer III only).
pub fn frame_len(h: &[u8]) -> Option<usize> {
    if h.len() < 4 || h[0] != 0xFF || h[1] & 0xE0 != 0xE0 {
        return None;
    }
    let version = (h[1] >> 3) & 0x03; // 3 = MPEG-1, 2 = MPEG-2, 0 = MPEG-2.5
    let layer = (h[1] >> 1) & 0x03; // 1 = Layer III
    if version == 1 || layer != 1 {
        return None;
    }
    let bitrate_idx = usize::from(h[2] >> 4);
    let rate_idx = usize::from((h[2] >> 2) & 0x03);
    let padding = usize::from((h[2] >> 1) & 0x01);
    if bitrate_idx == 0 || bitrate_idx == 15 || rate_idx == 3 {
        return None;
    }
    const V1: [usize; 15] = [
        0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320,
    ];
    const V2: [usize; 15] = [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160];
    let (kbps, rate, coef) = match version {
        3 => (V1[bitrate_idx], [44_100, 48_000, 32_000][rate_idx], 144),
        2 => (V2[bitrate_idx], [22_050, 24_000, 16_000][rate_idx], 72),
        _ => (V2[bitrate_idx], [11_025, 12_000, 8_000][rate_idx], 72),
    };
    Some(coef * kbps * 1000 / rate + padding)
}
