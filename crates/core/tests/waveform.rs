//! Waveforms of rendered recordings (the backend's speech-like signal, whose script of
//! syllables and pauses is known): sound where the syllables are, silences where the long
//! pauses are; batches that cover a segment once, in order; the library's cache; cancellation;
//! damaged files; and a streamed segment against the same bytes on disk.

mod common;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use callrec_backend::BackendArgs;
use callrec_backend::audio::signal::{Script, Span};
use callrec_backend::audio::{AudioFormat, AudioSpec, Damage, render_to_file};
use callrec_backend::fixtures as fx;
use callrec_core::ErrorCode;
use callrec_core::library::{FileRecord, Library};
use callrec_core::player::{Media, StreamedMedia};
use callrec_core::recordings::{EndpointSettings, Recordings};
use callrec_core::remote::{FixedUrl, ReaderOptions, RemoteReader};
use callrec_core::waveform::{
    self, Batch, Computed, WaveformEvent, WaveformSegment, Waveforms, bucket_secs,
};

const CALL: &str = "0b7e9a52-5a2c-4c4e-9d51-3f0f6a1b2c3d";

fn render(path: &Path, format: AudioFormat, secs: u64, seed: u64, damage: Damage) -> PathBuf {
    let spec = AudioSpec {
        format,
        duration_ms: secs * 1000,
        tone_hz: 440.0,
        right_tone_hz: None,
        seed,
        damage,
    };
    render_to_file(&spec, path).expect("render fixture audio");
    path.to_owned()
}

/// Runs [`waveform::compute`] and keeps the batches.
fn compute(media: &Media) -> (Computed, Vec<Batch>) {
    let mut batches = Vec::new();
    let computed = waveform::compute("main", media, &AtomicBool::new(false), &mut |b| {
        batches.push(b)
    });
    (computed, batches)
}

/// The batches follow on from bucket 0 without gap or overlap; returns their peaks joined.
fn joined(batches: &[Batch]) -> Vec<u8> {
    let mut all = Vec::new();
    for (n, batch) in batches.iter().enumerate() {
        assert_eq!(
            batch.first_bucket,
            all.len(),
            "batch {n} starts where the last ended"
        );
        assert!(!batch.peaks.is_empty(), "batch {n} is empty");
        all.extend_from_slice(&batch.peaks);
    }
    all
}

/// The script's spans over `secs`: (start, end, amplitude; 0 for silence), consecutive
/// silences merged.
fn script(seed: u64, secs: f64) -> Vec<(f64, f64, f64)> {
    let mut spans: Vec<(f64, f64, f64)> = Vec::new();
    let mut at = 0.0;
    for span in Script::new(seed) {
        if at >= secs {
            break;
        }
        let (len, amp) = match span {
            Span::Silence { secs } => (secs, 0.0),
            Span::Syllable { secs, amp, .. } => (secs, amp),
        };
        let end = (at + len).min(secs);
        match spans.last_mut() {
            Some(last) if amp == 0.0 && last.2 == 0.0 => last.1 = end,
            _ => spans.push((at, end, amp)),
        }
        at += len;
    }
    spans
}

fn long_pauses(spans: &[(f64, f64, f64)], min: f64) -> Vec<(f64, f64)> {
    spans
        .iter()
        .filter(|s| s.2 == 0.0 && s.1 - s.0 >= min)
        .map(|s| (s.0, s.1))
        .collect()
}

fn bucket_at(peaks: &[u8], secs: f64) -> u8 {
    peaks[(secs / bucket_secs()) as usize]
}

#[test]
fn peaks_show_the_syllables_and_silences_mark_the_long_pauses() {
    let secs = 120;
    // The first seed whose script has a few pauses well over the 1 s minimum (pauses are
    // 0.4–1.2 s, so most are shorter and must not be marked).
    let seed = (1..500)
        .find(|seed| long_pauses(&script(*seed, secs as f64), 1.15).len() >= 3)
        .expect("a seed with long pauses");
    let dir = tempfile::tempdir().unwrap();
    let path = render(
        &dir.path().join("speech"),
        AudioFormat::WavPcm16,
        secs,
        seed,
        Damage::None,
    );
    let (computed, batches) = compute(&Media::File(path));
    assert!(computed.is_complete(), "{:?}", computed.error);
    let peaks = joined(&batches);
    assert_eq!(peaks, computed.waveform.peaks);
    assert_eq!(peaks.len(), 2400, "120 s at 20 buckets a second");

    let spans = script(seed, secs as f64);
    let mut syllables = 0;
    for &(start, end, amp) in &spans {
        let middle = (start + end) / 2.0;
        if amp > 0.0 && end - start >= 0.15 && end < secs as f64 {
            // The envelope peaks mid-syllable at amp × -6 dBFS (≥ 0.275 of full scale).
            let level = bucket_at(&peaks, middle);
            assert!(level >= 60, "syllable at {middle:.2} s: peak {level}");
            syllables += 1;
        }
        if amp == 0.0 && end - start >= 0.3 {
            // Digital silence: nothing at all, away from the edges.
            for t in [start + 0.06, middle, end - 0.06] {
                assert_eq!(
                    bucket_at(&peaks, t),
                    0,
                    "pause {start:.2}–{end:.2} s at {t:.2} s"
                );
            }
        }
    }
    assert!(syllables > 100, "only {syllables} syllables checked");

    let silences = &computed.waveform.silences;
    for (start, end) in long_pauses(&spans, 1.15) {
        assert!(
            silences
                .iter()
                .any(|s| s.start <= start + 0.1 && s.end >= end - 0.1),
            "the pause {start:.2}–{end:.2} s is not marked: {silences:?}"
        );
    }
    for s in silences {
        assert!(s.end - s.start >= 1.0 - 1e-9, "{s:?} is shorter than 1 s");
        assert!(
            spans
                .iter()
                .any(|p| p.2 == 0.0 && p.0 - 0.1 <= s.start && s.end <= p.1 + 0.1),
            "{s:?} is not in a pause"
        );
    }
}

#[test]
fn a_long_segment_comes_in_several_batches_covering_it_once_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let path = render(
        &dir.path().join("long"),
        AudioFormat::Mp3Cbr,
        20 * 60,
        3,
        Damage::None,
    );
    let (computed, batches) = compute(&Media::File(path));
    assert!(computed.is_complete(), "{:?}", computed.error);
    assert!(
        batches.len() >= 2,
        "{} batch(es) for 20 minutes: not progressive",
        batches.len()
    );
    let peaks = joined(&batches);
    assert_eq!(peaks, computed.waveform.peaks);
    // The MP3's frames cover 20 min up to one frame (72 ms at 16 kHz) beyond.
    let expected = 20 * 60 * 20;
    assert!(
        (expected..=expected + 2).contains(&peaks.len()),
        "{} buckets",
        peaks.len()
    );
    assert!(peaks.iter().filter(|p| **p > 60).count() > expected / 3);
}

/// A library with `file` recorded as `call`'s segment 0 (as a finished download would be).
fn library_with_file(dir: &Path, call: &str, file: &Path) -> Library {
    let library = Library::open(dir).unwrap();
    let relative = file.strip_prefix(dir).unwrap();
    library
        .complete_download(
            &FileRecord {
                call_id: call.to_owned(),
                index: 0,
                path: relative.to_string_lossy().replace('\\', "/"),
                size: std::fs::metadata(file).unwrap().len(),
                sha256: common::sha256_of_file(file),
                etag: None,
                content_type: Some("audio/wav".into()),
                completed_at: 0,
            },
            true,
        )
        .unwrap();
    library
}

/// A 30 s WAV downloaded as `CALL`'s segment 0 under `dir`: its path, the library recording
/// it, and the segment to compute a waveform of.
fn downloaded_segment(dir: &Path, damage: Damage) -> (PathBuf, Library, WaveformSegment) {
    std::fs::create_dir_all(dir.join("recordings").join(CALL)).unwrap();
    let path = render(
        &dir.join("recordings").join(CALL).join("0.wav"),
        AudioFormat::WavPcm16,
        30,
        5,
        damage,
    );
    let library = library_with_file(dir, CALL, &path);
    let segment = WaveformSegment {
        index: 0,
        label: "main".into(),
        media: Media::File(path.clone()),
    };
    (path, library, segment)
}

#[test]
fn the_library_returns_a_complete_waveform_without_decoding_again() {
    let dir = tempfile::tempdir().unwrap();
    let (path, library, segment) = downloaded_segment(dir.path(), Damage::None);
    let never = AtomicBool::new(false);
    let mut first_batches = Vec::new();
    let first = waveform::segment_waveform(Some(&library), CALL, &segment, &never, &mut |b| {
        first_batches.push(b)
    });
    assert!(first.is_complete(), "{:?}", first.error);
    assert!(!first.waveform.cached);
    assert_eq!(joined(&first_batches).len(), 600);

    // Without the file, only the library can answer.
    std::fs::remove_file(&path).unwrap();
    let mut batches = Vec::new();
    let again = waveform::segment_waveform(Some(&library), CALL, &segment, &never, &mut |b| {
        batches.push(b)
    });
    assert!(again.is_complete(), "{:?}", again.error);
    assert!(again.waveform.cached);
    assert_eq!(again.waveform.peaks, first.waveform.peaks);
    assert_eq!(again.waveform.silences, first.waveform.silences);
    assert_eq!(batches.len(), 1, "a cached waveform comes at once");
    assert_eq!(joined(&batches), first.waveform.peaks);

    // Another segment label at that index is other audio: decoded, and the file is gone.
    let other = WaveformSegment {
        label: "transfer".into(),
        ..segment
    };
    let missed = waveform::segment_waveform(Some(&library), CALL, &other, &never, &mut |_| {});
    assert!(!missed.waveform.cached);
    let error = missed.error.expect("the file is gone");
    assert_eq!(error.code(), "media_not_found", "{error}");
}

#[test]
fn a_waveform_is_stored_only_when_complete() {
    let dir = tempfile::tempdir().unwrap();
    let (_, library, segment) = downloaded_segment(dir.path(), Damage::Truncated);
    let partial = waveform::segment_waveform(
        Some(&library),
        CALL,
        &segment,
        &AtomicBool::new(false),
        &mut |_| {},
    );
    assert!(!partial.is_complete());
    assert!(!partial.waveform.peaks.is_empty());
    assert_eq!(library.waveform(CALL, 0).unwrap(), None);

    // Cancelled before the first block: nothing computed, nothing stored.
    let cancelled = waveform::segment_waveform(
        Some(&library),
        CALL,
        &segment,
        &AtomicBool::new(true),
        &mut |_| {},
    );
    assert_eq!(
        cancelled.error.expect("cancelled").code(),
        "waveform_cancelled"
    );
    assert_eq!(library.waveform(CALL, 0).unwrap(), None);
}

#[test]
fn damaged_files_give_the_peaks_of_what_decodes_and_an_error() {
    let dir = tempfile::tempdir().unwrap();
    for (format, damage, codes) in [
        (
            AudioFormat::WavPcm16,
            Damage::Truncated,
            &["audio_truncated"][..],
        ),
        (
            AudioFormat::Mp3Cbr,
            Damage::Truncated,
            &["audio_truncated"][..],
        ),
        // Garbage after 30 %: skipped packets, or the rest given up as unreadable.
        (
            AudioFormat::Mp3Cbr,
            Damage::Corrupt,
            &["audio_corrupt", "audio_truncated"][..],
        ),
        (
            AudioFormat::Mp3Vbr,
            Damage::Corrupt,
            &["audio_corrupt", "audio_truncated"][..],
        ),
    ] {
        let name = format!("{format:?}-{damage:?}");
        let path = render(&dir.path().join(&name), format, 40, 9, damage);
        let (computed, batches) = compute(&Media::File(path));
        let error = computed.error.unwrap_or_else(|| panic!("{name}: no error"));
        assert!(
            codes.contains(&error.code()),
            "{name}: {} ({error})",
            error.code()
        );
        let peaks = joined(&batches);
        // Truncated at ~60 %, corrupt after ~30 %: at least the intact part is there.
        assert!(
            peaks.len() >= 40 * 20 * 25 / 100,
            "{name}: only {} buckets",
            peaks.len()
        );
        assert!(
            peaks.iter().any(|p| *p > 60),
            "{name}: no sound in the intact part"
        );
    }
    // Not audio at all: an error, no peaks.
    let junk = dir.path().join("junk");
    std::fs::write(&junk, b"this is not a recording").unwrap();
    let (computed, batches) = compute(&Media::File(junk));
    assert_eq!(computed.error.unwrap().code(), "unsupported_format");
    assert!(batches.is_empty());
}

#[test]
fn cancelling_stops_a_computation_part_way() {
    let dir = tempfile::tempdir().unwrap();
    let path = render(
        &dir.path().join("long"),
        AudioFormat::Mp3Cbr,
        20 * 60,
        4,
        Damage::None,
    );
    let cancel = AtomicBool::new(false);
    let mut batches = 0;
    let computed = waveform::compute("main", &Media::File(path), &cancel, &mut |_| {
        batches += 1;
        cancel.store(true, Ordering::Relaxed);
    });
    assert_eq!(
        computed.error.expect("cancelled").code(),
        "waveform_cancelled"
    );
    assert_eq!(batches, 1, "nothing after the cancel");
    assert!(computed.waveform.peaks.len() < 20 * 60 * 20);
}

/// Events from `rx` until `until` holds for one (or 60 s pass).
fn events_until(
    rx: &std::sync::mpsc::Receiver<WaveformEvent>,
    until: impl Fn(&WaveformEvent) -> bool,
) -> Vec<WaveformEvent> {
    let mut seen = Vec::new();
    while let Ok(event) = rx.recv_timeout(Duration::from_secs(60)) {
        let stop = until(&event);
        seen.push(event);
        if stop {
            return seen;
        }
    }
    panic!("the awaited event never came; got {seen:?}");
}

#[test]
fn a_new_call_cancels_the_last_ones_job_and_late_subscribers_catch_up() {
    let dir = tempfile::tempdir().unwrap();
    let long = render(
        &dir.path().join("long"),
        AudioFormat::Mp3Cbr,
        30 * 60,
        4,
        Damage::None,
    );
    let short = render(
        &dir.path().join("short"),
        AudioFormat::WavPcm16,
        10,
        6,
        Damage::None,
    );
    let waveforms = Waveforms::new(None);
    let events = waveforms.subscribe();
    let segment = |index, path: &Path| WaveformSegment {
        index,
        label: "main".into(),
        media: Media::File(path.to_owned()),
    };
    waveforms.start("a", vec![segment(0, &long)]);
    let first = events_until(&events, |_| true);
    assert_eq!(first[0].call_id, "a");
    assert!(!first[0].done);

    waveforms.start("b", vec![segment(0, &short), segment(1, &short)]);
    let seen = events_until(&events, |e| e.call_id == "b" && e.segment == 1 && e.done);
    let first_b = seen.iter().position(|e| e.call_id == "b").unwrap();
    assert!(
        seen[first_b..].iter().all(|e| e.call_id == "b"),
        "call a's job went on after b was loaded"
    );
    assert!(!seen.iter().any(|e| e.call_id == "a" && e.done));
    let b0: Vec<&WaveformEvent> = seen
        .iter()
        .filter(|e| e.call_id == "b" && e.segment == 0)
        .collect();
    assert!(b0.last().unwrap().done);
    let b0_peaks: Vec<u8> = b0.iter().flat_map(|e| e.peaks.clone()).collect();
    assert_eq!(b0_peaks.len(), 200);
    // Nothing more of a, ever.
    assert!(events.recv_timeout(Duration::from_millis(300)).is_err());

    // A subscriber from now gets b's waveform so far: one event per segment.
    let late = waveforms.subscribe();
    let caught_up: Vec<WaveformEvent> = late.try_iter().collect();
    assert_eq!(caught_up.len(), 2);
    assert_eq!(caught_up[0].peaks, b0_peaks);
    assert!(
        caught_up
            .iter()
            .all(|e| e.done && e.first_bucket == 0 && e.call_id == "b")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_streamed_segment_has_the_peaks_of_the_same_file_on_disk() {
    let backend = common::backend(BackendArgs::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let session = common::signed_in_as(&backend, fx::USER_REVIEWER_EMAIL, dir.path()).await;
    let http = callrec_core::http::client().unwrap();
    let recordings = Recordings::new(
        session.clone(),
        http.clone(),
        EndpointSettings::from_project(session.project()),
    );
    let resolved = recordings.resolve(fx::MULTI_SEGMENT).await.unwrap();
    let segment = resolved
        .segments
        .iter()
        .find(|s| s.id.starts_with("b:") && s.label == "main")
        .expect("endpoint B's main segment");
    let bytes = reqwest::get(segment.url.expose().clone())
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let local = dir.path().join("main.wav");
    std::fs::write(&local, &bytes).unwrap();
    let reader = RemoteReader::new(
        http,
        Arc::new(FixedUrl(segment.url.clone())),
        ReaderOptions::default(),
    );
    let stream = Arc::new(StreamedMedia::new(reader, tokio::runtime::Handle::current()).unwrap());
    let remote = Media::Remote(stream.clone());
    let library = Library::open(dir.path()).unwrap();
    // The decoder waits on the network: off the runtime's threads.
    let (from_disk, from_stream, identity) = tokio::task::spawn_blocking(move || {
        let streamed = WaveformSegment {
            index: 0,
            label: "main".into(),
            media: remote.clone(),
        };
        let identity = waveform::identify(&library, fx::MULTI_SEGMENT, &streamed);
        (compute(&Media::File(local)).0, compute(&remote), identity)
    })
    .await
    .unwrap();
    let (from_stream, batches) = from_stream;
    assert!(from_disk.is_complete(), "{:?}", from_disk.error);
    assert!(from_stream.is_complete(), "{:?}", from_stream.error);
    assert_eq!(joined(&batches), from_stream.waveform.peaks);
    let (a, b) = (&from_disk.waveform.peaks, &from_stream.waveform.peaks);
    assert_eq!(a.len(), 400, "20 s");
    assert!(a.len().abs_diff(b.len()) <= 1);
    for (i, (x, y)) in a.iter().zip(b).enumerate() {
        assert!(x.abs_diff(*y) <= 2, "bucket {i}: {x} on disk, {y} streamed");
    }
    assert_eq!(from_disk.waveform.silences, from_stream.waveform.silences);
    assert_eq!(identity.map(|i| i.byte_len), Some(bytes.len() as u64));
    assert!(stream.fetched_bytes() >= bytes.len() as u64);
}
