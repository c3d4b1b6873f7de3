//! RIFF WAVE: PCM16 (mono/stereo) and G.711 µ-law. Sizes are known before the first sample,
//! so the header is written first and the samples are streamed after it.

use std::io::Write;

use super::signal::{Signal, to_i16};
use super::{AudioError, CHUNK_FRAMES};

const WAVE_FORMAT_PCM: u16 = 1;
const WAVE_FORMAT_MULAW: u16 = 7;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Coding {
    Pcm16,
    Mulaw,
}

fn bytes_per_sample(coding: Coding) -> u64 {
    match coding {
        Coding::Pcm16 => 2,
        Coding::Mulaw => 1,
    }
}

/// Total file length for `frames` frames.
pub fn file_len(coding: Coding, channels: u16, frames: u64) -> u64 {
    let data = frames * u64::from(channels) * bytes_per_sample(coding);
    header(coding, channels, 0, frames, data).len() as u64 + data + data % 2
}

/// The header up to and including the `data` chunk's size field.
fn header(coding: Coding, channels: u16, sample_rate: u32, frames: u64, data_len: u64) -> Vec<u8> {
    let bps = bytes_per_sample(coding) as u16;
    let block_align = channels * bps;
    let (tag, fmt_len) = match coding {
        // Plain 16-byte PCM fmt chunk.
        Coding::Pcm16 => (WAVE_FORMAT_PCM, 16u32),
        // Non-PCM formats carry cbSize (18 bytes) and need a fact chunk.
        Coding::Mulaw => (WAVE_FORMAT_MULAW, 18u32),
    };
    let fact_len = if coding == Coding::Mulaw { 12 } else { 0 };
    // RIFF chunks are word-aligned: an odd data chunk is followed by a pad byte.
    let pad = data_len % 2;
    let riff_len = 4 + (8 + u64::from(fmt_len)) + fact_len + 8 + data_len + pad;

    let mut h = Vec::with_capacity(58);
    h.extend_from_slice(b"RIFF");
    h.extend_from_slice(&(riff_len.min(u64::from(u32::MAX)) as u32).to_le_bytes());
    h.extend_from_slice(b"WAVE");
    h.extend_from_slice(b"fmt ");
    h.extend_from_slice(&fmt_len.to_le_bytes());
    h.extend_from_slice(&tag.to_le_bytes());
    h.extend_from_slice(&channels.to_le_bytes());
    h.extend_from_slice(&sample_rate.to_le_bytes());
    h.extend_from_slice(&(sample_rate * u32::from(block_align)).to_le_bytes());
    h.extend_from_slice(&block_align.to_le_bytes());
    h.extend_from_slice(&(bps * 8).to_le_bytes());
    if coding == Coding::Mulaw {
        h.extend_from_slice(&0u16.to_le_bytes()); // cbSize
        h.extend_from_slice(b"fact");
        h.extend_from_slice(&4u32.to_le_bytes());
        h.extend_from_slice(&(frames.min(u64::from(u32::MAX)) as u32).to_le_bytes());
    }
    h.extend_from_slice(b"data");
    h.extend_from_slice(&(data_len.min(u64::from(u32::MAX)) as u32).to_le_bytes());
    h
}

pub fn encode(
    coding: Coding,
    mut signal: Signal,
    sample_rate: u32,
    out: &mut dyn Write,
) -> Result<(), AudioError> {
    let channels = signal.channels();
    let frames = signal.total_frames();
    let data_len = frames * u64::from(channels) * bytes_per_sample(coding);
    out.write_all(&header(coding, channels, sample_rate, frames, data_len))?;

    let mut pcm = vec![0f32; CHUNK_FRAMES * usize::from(channels)];
    let mut bytes = Vec::with_capacity(pcm.len() * 2);
    loop {
        let n = signal.fill(&mut pcm) * usize::from(channels);
        if n == 0 {
            break;
        }
        bytes.clear();
        match coding {
            Coding::Pcm16 => bytes.extend(pcm[..n].iter().flat_map(|&x| to_i16(x).to_le_bytes())),
            Coding::Mulaw => bytes.extend(pcm[..n].iter().map(|&x| linear_to_mulaw(to_i16(x)))),
        }
        out.write_all(&bytes)?;
    }
    if data_len % 2 == 1 {
        out.write_all(&[0])?;
    }
    Ok(())
}

/// G.711 µ-law from 16-bit linear PCM (the classic Sun g711.c algorithm: bias 0x84, clip 32635).
pub fn linear_to_mulaw(pcm: i16) -> u8 {
    const BIAS: i32 = 0x84;
    const CLIP: i32 = 32635;
    let mut v = i32::from(pcm);
    let sign = if v < 0 {
        v = -v;
        0x80
    } else {
        0
    };
    v = v.min(CLIP) + BIAS;
    // Segment = position of the highest set bit above bit 7.
    let exponent = (31 - v.leading_zeros() as i32 - 7).clamp(0, 7);
    let mantissa = (v >> (exponent + 3)) & 0x0F;
    !(sign | (exponent << 4) | mantissa) as u8
}

/// G.711 µ-law to 16-bit linear PCM (for tests and checks).
#[cfg(test)]
pub fn mulaw_to_linear(u: u8) -> i16 {
    let u = !u;
    let sign = u & 0x80;
    let exponent = i32::from((u >> 4) & 0x07);
    let mantissa = i32::from(u & 0x0F);
    let magnitude = (((mantissa << 3) + 0x84) << exponent) - 0x84;
    (if sign != 0 { -magnitude } else { magnitude }) as i16
}
