//! The decoding path fuzzed: real files of every format Callrec meets (the backend's encoders:
//! PCM and µ-law WAV, stereo WAV, MP3 CBR/VBR with and without Xing, Ogg Opus), mutated —
//! bits flipped, header words set to extremes, cut short, spliced — and each run through
//! probe → decode → speed → rate conversion → waveform (`player::decode_untrusted`). Every
//! run must end in audio or a specific error, with bounded output: a panic fails the test and
//! proptest shrinks it to the smallest mutation list that still fails.
//!
//! Time-boxed for CI: `CALLREC_FUZZ_SECS` (default 20) and `CALLREC_FUZZ_CASES` (default
//! 100,000, whichever ends first); run longer on demand, e.g.
//! `CALLREC_FUZZ_SECS=3600 cargo test -p callrec-core --test fuzz_decoder -- --nocapture`.
//! Prints how many executions ran. The cargo-fuzz target in `fuzz/` drives the same function
//! with coverage feedback (nightly).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use callrec_backend::audio::{AudioFormat, AudioSpec, Damage, render};
use callrec_core::player::decode_untrusted;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

/// Seconds of audio (media time) decoded per run at most (the seeds are 3 s long).
const BUDGET_SECS: f64 = 10.0;

/// The codes a hostile file may end in: each names what was wrong with it.
const SPECIFIC: &[&str] = &[
    "unsupported_audio",
    "unsupported_format",
    "unsupported_codec",
    "no_audio_track",
    "decode_failed",
    "seek_failed",
    "audio_corrupt",
    "audio_truncated",
    "media_fetch_failed",
    "media_unreadable",
];

fn seeds() -> Vec<(AudioFormat, Vec<u8>)> {
    [
        AudioFormat::WavPcm16,
        AudioFormat::WavMulaw,
        AudioFormat::WavStereo,
        AudioFormat::Mp3Cbr,
        AudioFormat::Mp3Vbr,
        AudioFormat::Mp3VbrNoXing,
        AudioFormat::OggOpus,
    ]
    .into_iter()
    .map(|format| {
        let spec = AudioSpec {
            format,
            duration_ms: 3_000,
            tone_hz: 440.0,
            right_tone_hz: Some(660.0),
            seed: 11,
            damage: Damage::None,
        };
        let mut bytes = Vec::new();
        render(&spec, &mut bytes).expect("a seed file");
        (format, bytes)
    })
    .collect()
}

#[derive(Debug, Clone)]
enum Mutation {
    Flip {
        at: u32,
        bit: u8,
    },
    Byte {
        at: u32,
        value: u8,
    },
    /// A little-endian word set to a value chosen to break arithmetic (0, 1, 2³¹, 2³²−1, …).
    Word {
        at: u32,
        value: u32,
    },
    Truncate {
        at: u32,
    },
    Insert {
        at: u32,
        bytes: Vec<u8>,
    },
    Remove {
        at: u32,
        len: u16,
    },
}

/// A position: half the time in the first 512 bytes, where the headers are.
fn position() -> impl Strategy<Value = u32> {
    prop_oneof![0u32..512, any::<u32>()]
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let extreme = prop_oneof![
        Just(0u32),
        Just(1),
        Just(0x7FFF_FFFF),
        Just(0x8000_0000),
        Just(u32::MAX),
        Just(384_001),
        any::<u32>(),
    ];
    prop_oneof![
        (position(), 0u8..8).prop_map(|(at, bit)| Mutation::Flip { at, bit }),
        (position(), any::<u8>()).prop_map(|(at, value)| Mutation::Byte { at, value }),
        (position(), extreme).prop_map(|(at, value)| Mutation::Word { at, value }),
        any::<u32>().prop_map(|at| Mutation::Truncate { at }),
        (position(), proptest::collection::vec(any::<u8>(), 1..64))
            .prop_map(|(at, bytes)| Mutation::Insert { at, bytes }),
        (position(), 1u16..4096).prop_map(|(at, len)| Mutation::Remove { at, len }),
    ]
}

fn apply(mut bytes: Vec<u8>, mutations: &[Mutation]) -> Vec<u8> {
    for mutation in mutations {
        if bytes.is_empty() {
            break;
        }
        let at = |at: u32| at as usize % bytes.len();
        match mutation {
            Mutation::Flip { at: a, bit } => {
                let i = at(*a);
                bytes[i] ^= 1 << bit;
            }
            Mutation::Byte { at: a, value } => {
                let i = at(*a);
                bytes[i] = *value;
            }
            Mutation::Word { at: a, value } => {
                let i = at(*a).min(bytes.len().saturating_sub(4));
                let end = (i + 4).min(bytes.len());
                bytes[i..end].copy_from_slice(&value.to_le_bytes()[..end - i]);
            }
            Mutation::Truncate { at: a } => {
                let i = at(*a);
                bytes.truncate(i);
            }
            Mutation::Insert { at: a, bytes: new } => {
                let i = at(*a);
                bytes.splice(i..i, new.iter().copied());
            }
            Mutation::Remove { at: a, len } => {
                let i = at(*a);
                let end = (i + usize::from(*len)).min(bytes.len());
                bytes.drain(i..end);
            }
        }
    }
    bytes
}

fn check(bytes: Vec<u8>) -> Result<(), TestCaseError> {
    match decode_untrusted(bytes, BUDGET_SECS) {
        Ok(decoded) => {
            prop_assert!(
                decoded.seconds <= BUDGET_SECS + 5.0,
                "decoded past the budget: {decoded:?}"
            );
            // Peaks every 50 ms over the longest recording accepted (12 h), at most.
            prop_assert!(decoded.buckets <= 12 * 3600 * 20 + 1, "{decoded:?}");
            for code in &decoded.problems {
                prop_assert!(SPECIFIC.contains(code), "problem {code}: {decoded:?}");
            }
        }
        Err(error) => {
            let code = callrec_core::ErrorCode::code(&error);
            prop_assert!(SPECIFIC.contains(&code), "{code}: {error}");
        }
    }
    Ok(())
}

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[test]
fn every_seed_decodes_unmutated() {
    for (format, bytes) in seeds() {
        let decoded =
            decode_untrusted(bytes, BUDGET_SECS).unwrap_or_else(|e| panic!("{format:?}: {e}"));
        assert!(
            (decoded.seconds - 3.0).abs() < 0.2,
            "{format:?}: {decoded:?}"
        );
        assert!(decoded.buckets >= 55, "{format:?}: {decoded:?}");
        assert!(decoded.problems.is_empty(), "{format:?}: {decoded:?}");
    }
}

#[test]
fn mutated_files_end_in_audio_or_a_specific_error() {
    let seeds = seeds();
    let secs = env_number("CALLREC_FUZZ_SECS", 20);
    let cases = env_number("CALLREC_FUZZ_CASES", 100_000);
    let deadline = Instant::now() + Duration::from_secs(secs);
    let executions = AtomicU64::new(0);
    let mut runner = TestRunner::new(Config {
        cases: u32::try_from(cases).unwrap_or(u32::MAX),
        failure_persistence: None,
        // Shrinking a failure may take many runs; it is bounded too.
        max_shrink_iters: 2_000,
        ..Config::default()
    });
    let strategy = (0..seeds.len(), proptest::collection::vec(mutation(), 1..6));
    let started = Instant::now();
    let result = runner.run(&strategy, |(seed, mutations)| {
        // Past the time box each remaining case passes without running (proptest has no
        // clock of its own); a failure found before it is still shrunk in full.
        if Instant::now() >= deadline {
            return Ok(());
        }
        executions.fetch_add(1, Ordering::Relaxed);
        check(apply(seeds[seed].1.clone(), &mutations))
    });
    let ran = executions.load(Ordering::Relaxed);
    println!(
        "fuzz_decoder: {ran} executions over {} seed files in {:.1} s",
        seeds.len(),
        started.elapsed().as_secs_f64()
    );
    if let Err(failure) = result {
        panic!("{failure}");
    }
    assert!(ran >= 50, "the time box let too few runs through: {ran}");
}
