//! Ogg Opus (RFC 7845) through Debian's libopus (`opus` crate) and the `ogg` crate's page writer.
//!
//! 48 kHz mono, 20 ms packets, 24 kbps VBR. The encoder's lookahead is declared as pre-skip
//! and the signal is fed that much longer, so after the decoder drops the pre-skip the output
//! lines up with the input; the last page's granule position trims the final packet so the
//! duration is exact to the sample.

use std::io::Write;

use ogg::writing::{PacketWriteEndInfo, PacketWriter};
use opus::{Application, Bitrate, Channels};

use super::signal::{Signal, mix64};
use super::{AudioError, Counter};

pub const SAMPLE_RATE: u32 = 48_000;
/// 20 ms at 48 kHz.
pub const FRAME: usize = 960;
pub const BITRATE: i32 = 24_000;
/// Audio packets per Ogg page: one page per second keeps seeking fine-grained and overhead low.
const PACKETS_PER_PAGE: u64 = 50;
/// RFC 6716 upper bound for one packet's size, plenty for 20 ms at 24 kbps.
const MAX_PACKET: usize = 1275 * 3 + 7;

fn enc_err(what: &str, e: opus::Error) -> AudioError {
    AudioError::Encoder(format!("libopus {what}: {e}"))
}

/// The Ogg stream serial number: any value works, derived from the seed so output is
/// deterministic.
pub fn serial_for(seed: u64) -> u32 {
    mix64(seed ^ 0x0991_0FF5) as u32
}

/// Returns the length of the two header pages.
pub fn encode(mut signal: Signal, seed: u64, out: &mut dyn Write) -> Result<u64, AudioError> {
    let mut enc = opus::Encoder::new(SAMPLE_RATE, Channels::Mono, Application::Voip)
        .map_err(|e| enc_err("encoder", e))?;
    enc.set_bitrate(Bitrate::Bits(BITRATE))
        .map_err(|e| enc_err("bitrate", e))?;
    enc.set_vbr(true).map_err(|e| enc_err("vbr", e))?;
    // Default complexity (10): measured here, 5 and 2 were 2.3× and 1.7× *slower* for this
    // signal (60 min: 10.7 s CPU at 10, 24.8 s at 5, 18.3 s at 2).
    let pre_skip = enc.get_lookahead().map_err(|e| enc_err("lookahead", e))?;
    let pre_skip = u16::try_from(pre_skip)
        .map_err(|_| AudioError::Encoder(format!("libopus lookahead {pre_skip} out of range")))?;

    let serial = serial_for(seed);
    let mut ogg = PacketWriter::new(Counter::new(out));

    // ID header, alone on the first page (RFC 7845 §3).
    let mut head = Vec::with_capacity(19);
    head.extend_from_slice(b"OpusHead");
    head.push(1); // version
    head.push(1); // channels
    head.extend_from_slice(&pre_skip.to_le_bytes());
    head.extend_from_slice(&SAMPLE_RATE.to_le_bytes()); // input rate (informational)
    head.extend_from_slice(&0i16.to_le_bytes()); // output gain
    head.push(0); // channel mapping family 0: mono/stereo
    ogg.write_packet(head, serial, PacketWriteEndInfo::EndPage, 0)?;

    // Comment header, on its own page(s).
    let vendor = b"callrec-backend (libopus)";
    let comment = b"ENCODER=callrec-backend";
    let mut tags = Vec::with_capacity(64);
    tags.extend_from_slice(b"OpusTags");
    tags.extend_from_slice(&(vendor.len() as u32).to_le_bytes());
    tags.extend_from_slice(vendor);
    tags.extend_from_slice(&1u32.to_le_bytes());
    tags.extend_from_slice(&(comment.len() as u32).to_le_bytes());
    tags.extend_from_slice(comment);
    ogg.write_packet(tags, serial, PacketWriteEndInfo::EndPage, 0)?;
    let header_len = ogg.inner().count();

    // The encoder delays its output by `pre_skip` samples: feed that many more (zeros after
    // the signal's end), in whole 20 ms frames.
    let samples = signal.total_frames();
    let end_granule = samples + u64::from(pre_skip);
    let packets = end_granule.div_ceil(FRAME as u64).max(1);
    let mut pcm = [0f32; FRAME];
    let mut packet = vec![0u8; MAX_PACKET];
    for i in 1..=packets {
        let n = signal.fill(&mut pcm);
        pcm[n..].fill(0.0);
        let len = enc
            .encode_float(&pcm, &mut packet)
            .map_err(|e| enc_err("encode", e))?;
        let (info, granule) = if i == packets {
            // Ends the stream and trims the padding of the last packet (end trimming).
            (PacketWriteEndInfo::EndStream, end_granule)
        } else if i % PACKETS_PER_PAGE == 0 {
            (PacketWriteEndInfo::EndPage, i * FRAME as u64)
        } else {
            (PacketWriteEndInfo::NormalPacket, i * FRAME as u64)
        };
        ogg.write_packet(packet[..len].to_vec(), serial, info, granule)?;
    }
    Ok(header_len)
}
