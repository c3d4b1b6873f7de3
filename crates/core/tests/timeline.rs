//! One call on one clock, against the local backend: two copies of one leg play once, an
//! alternate takes over where a copy fails, gaps are marked and not played, and a downloaded
//! call plays the same audio under the same labels whatever the endpoints answer later.

mod common;

use std::sync::Arc;
use std::time::Duration;

use callrec_backend::fixtures as fx;
use callrec_backend::{BackendArgs, Faults, RunningBackend};
use callrec_core::downloads::{DownloadOptions, Downloads, RecordingsSource};
use callrec_core::library::Library;
use callrec_core::player::{self, CallTimeline, Media, TimelineReader};
use callrec_core::recordings::{EndpointSettings, Recordings};
use callrec_core::timeline::CopyKind;

async fn signed_in(backend: &RunningBackend, dir: &std::path::Path) -> Recordings {
    let session = common::signed_in_as(backend, fx::USER_REVIEWER_EMAIL, dir).await;
    let settings = EndpointSettings::from_project(session.project());
    Recordings::new(session, callrec_core::http::client().unwrap(), settings)
}

async fn timeline_of(recordings: &Recordings, library: &Library, call: &str) -> CallTimeline {
    player::call_timeline(
        recordings,
        library,
        &callrec_core::http::client().unwrap(),
        call,
    )
    .await
    .unwrap()
}

/// Decodes `timeline` whole off the runtime; returns (seconds of audio, the errors met, the
/// copy each leg ended on, each block's (start, end) in timeline seconds).
async fn decode_all(timeline: CallTimeline) -> (f64, Vec<String>, Vec<u32>, Vec<(f64, f64)>) {
    tokio::task::spawn_blocking(move || {
        let mut reader = TimelineReader::open(&timeline.segments, 1.0, None).unwrap();
        let rate = f64::from(reader.rate());
        let (mut secs, mut errors, mut blocks) = (0.0, Vec::new(), Vec::new());
        while let Some(block) = reader.next_block() {
            match block {
                Ok(block) => {
                    let len = block.samples.len() as f64 / 2.0 / rate;
                    blocks.push((block.start, block.start + len));
                    secs += len;
                }
                Err(error) => errors.push(callrec_core::ErrorCode::code(&error).to_owned()),
            }
        }
        let playing = reader.segments().iter().map(|s| s.playing).collect();
        (secs, errors, playing, blocks)
    })
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_call_both_endpoints_return_plays_once_at_its_length() {
    let backend = common::backend(BackendArgs::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let recordings = signed_in(&backend, dir.path()).await;
    let resolved = recordings.resolve(fx::WAV_STEREO).await.unwrap();
    // A's Ultravox copy and B's synced copy: one leg, the synced copy first.
    assert_eq!(resolved.recording.legs.len(), 1, "{:?}", resolved.recording);
    let leg = &resolved.recording.legs[0];
    assert_eq!(leg.label, "main");
    let kinds: Vec<_> = leg.copies.iter().map(|c| c.kind).collect();
    assert_eq!(kinds, [CopyKind::Synced, CopyKind::Provider]);
    assert_eq!(resolved.recording.segments.len(), 2);

    let library = Library::open(dir.path()).unwrap();
    let timeline = timeline_of(&recordings, &library, fx::WAV_STEREO).await;
    assert_eq!(timeline.segments.len(), 1);
    assert_eq!(timeline.segments[0].copies.len(), 2);
    let (secs, errors, _, _) = decode_all(timeline).await;
    assert!(errors.is_empty(), "{errors:?}");
    // 0:40, not the 1:20 of both copies in turn.
    assert!((secs - 40.0).abs() < 0.2, "played {secs:.2} s");
    backend.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_alternate_takes_over_where_the_chosen_copy_starts_answering_404() {
    let backend = common::backend(BackendArgs::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let recordings = signed_in(&backend, dir.path()).await;
    let resolved = recordings.resolve(fx::LONG_WAV).await.unwrap();
    let synced = resolved.segment(&resolved.recording.legs[0].copies[0].recording_id);
    let object = synced
        .unwrap()
        .url
        .expose()
        .path()
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned();
    let library = Library::open(dir.path()).unwrap();
    let timeline = timeline_of(&recordings, &library, fx::LONG_WAV).await;
    let faults = backend.faults();
    let backend = Arc::new(backend);
    let lose = {
        let backend = Arc::clone(&backend);
        move || {
            backend
                .set_faults(Faults {
                    missing: vec![object.clone()],
                    ..faults.clone()
                })
                .unwrap()
        }
    };
    let (errors, playing, blocks) = tokio::task::spawn_blocking(move || {
        let mut reader = TimelineReader::open(&timeline.segments, 1.0, None).unwrap();
        let rate = f64::from(reader.rate());
        let (mut errors, mut blocks) = (Vec::new(), Vec::new());
        let mut lost = false;
        // Ten minutes in, storage loses the synced copy; read on to 20 minutes.
        while let Some(block) = reader.next_block() {
            match block {
                Ok(block) => {
                    let end = block.start + block.samples.len() as f64 / 2.0 / rate;
                    blocks.push((block.start, end));
                    if end > 600.0 && !lost {
                        lose();
                        lost = true;
                    }
                    if end > 1200.0 {
                        break;
                    }
                }
                Err(error) => errors.push(callrec_core::ErrorCode::code(&error).to_owned()),
            }
        }
        let playing: Vec<u32> = reader.segments().iter().map(|s| s.playing).collect();
        (errors, playing, blocks)
    })
    .await
    .unwrap();
    assert_eq!(errors.len(), 1, "one failure reported: {errors:?}");
    assert_eq!(playing, [1], "the provider's copy took over");
    // From the same place: the audio runs on without a jump back or a hole.
    for pair in blocks.windows(2) {
        let (last_end, next_start) = (pair[0].1, pair[1].0);
        assert!(
            (next_start - last_end).abs() < 0.05,
            "a jump from {last_end:.3} to {next_start:.3}"
        );
    }
    assert!(blocks.last().unwrap().1 > 1200.0);
    Arc::try_unwrap(backend).ok().unwrap().shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_gap_between_legs_is_marked_not_played() {
    let backend = common::backend(BackendArgs::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let recordings = signed_in(&backend, dir.path()).await;
    let resolved = recordings.resolve(fx::MULTI_SEGMENT_PENDING).await.unwrap();
    let legs = &resolved.recording.legs;
    let labels: Vec<_> = legs.iter().map(|l| l.label.as_str()).collect();
    assert_eq!(
        labels,
        ["main", "transfer_conference", "reconnect_to_agent"]
    );
    assert_eq!(legs[0].copies.len(), 2, "A's copy is main's alternate");
    assert_eq!(legs[1].gap_before, None);
    let gap = legs[2]
        .gap_before
        .expect("the 30 s before the reconnect is marked");
    assert!((gap - 30.0).abs() < 1.0, "gap {gap}");

    let library = Library::open(dir.path()).unwrap();
    let timeline = timeline_of(&recordings, &library, fx::MULTI_SEGMENT_PENDING).await;
    assert_eq!(timeline.segments[2].gap_before, legs[2].gap_before);
    let (secs, errors, _, _) = decode_all(timeline).await;
    assert!(errors.is_empty(), "{errors:?}");
    // 25 + 12 + 8 s: the gap is not played as silence.
    assert!((secs - 45.0).abs() < 0.3, "played {secs:.2} s");
    backend.shutdown().await;
}

/// The labels and the bytes each leg plays, as (label, file length) from a downloaded call.
fn played_files(timeline: &CallTimeline) -> Vec<(String, u64)> {
    timeline
        .segments
        .iter()
        .map(|s| match s.media() {
            Media::File(path) => (s.label.clone(), std::fs::metadata(path).unwrap().len()),
            Media::Remote(_) => panic!("{} streams: the call is downloaded", s.label),
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_downloaded_call_plays_the_same_whatever_the_endpoints_answer_later() {
    let backend = common::backend(BackendArgs::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let recordings = signed_in(&backend, dir.path()).await;
    let library = Arc::new(Library::open(dir.path()).unwrap());
    let downloads = Downloads::new(
        Arc::clone(&library),
        Arc::new(RecordingsSource::new(recordings.clone())),
        callrec_core::http::client().unwrap(),
        DownloadOptions::default(),
    )
    .unwrap();
    let queued = downloads.enqueue_call(fx::MULTI_SEGMENT).await.unwrap();
    // One copy per leg: main's two copies are not both kept.
    assert_eq!(queued.len(), 3, "{queued:?}");
    let summary = downloads.run_until_idle().await.unwrap();
    assert!(summary.failed.is_empty(), "{:?}", summary.failed);
    let before = played_files(&timeline_of(&recordings, &library, fx::MULTI_SEGMENT).await);
    assert_eq!(
        before.iter().map(|(l, _)| l.as_str()).collect::<Vec<_>>(),
        ["main", "transfer_conference", "reconnect_to_agent"]
    );
    // One process runs the queue (`downloads.lock`): this one steps aside.
    drop(downloads);
    // Endpoint A fails from now on, and B's answer names the same recordings: resolving the
    // call again (a refresh) keeps each file with its recording.
    let mut only_b = EndpointSettings::from_project(recordings.session().project());
    only_b.call_recording = None;
    let recordings_b = Recordings::new(
        recordings.session().clone(),
        callrec_core::http::client().unwrap(),
        only_b,
    );
    let again = Downloads::new(
        Arc::clone(&library),
        Arc::new(RecordingsSource::new(recordings_b.clone())),
        callrec_core::http::client().unwrap(),
        DownloadOptions::default(),
    )
    .unwrap();
    assert!(
        again
            .enqueue_call(fx::MULTI_SEGMENT)
            .await
            .unwrap()
            .is_empty()
    );
    let after = played_files(&timeline_of(&recordings_b, &library, fx::MULTI_SEGMENT).await);
    assert_eq!(after, before);
    // Offline: the backend is gone; the same files under the same labels.
    backend.shutdown().await;
    let offline = played_files(&timeline_of(&recordings, &library, fx::MULTI_SEGMENT).await);
    assert_eq!(offline, before);
    tokio::time::sleep(Duration::from_millis(10)).await;
}

#[test]
fn a_recording_keeps_its_index_whatever_order_or_subset_a_later_answer_gives() {
    use callrec_core::library::SegmentRecord;
    let dir = tempfile::tempdir().unwrap();
    let library = Library::open(dir.path()).unwrap();
    let record = |id: &str, slot: Option<&str>| SegmentRecord {
        call_id: fx::MULTI_SEGMENT.into(),
        index: 0,
        segment_id: id.into(),
        slot: slot.map(Into::into),
        leg: None,
        label: "main".into(),
        source: None,
        status: None,
        duration_seconds: None,
        created_at: None,
        endpoint: None,
    };
    let index_of =
        |rows: &[SegmentRecord], id: &str| rows.iter().find(|r| r.segment_id == id).unwrap().index;
    let first = library
        .record_segments(fx::MULTI_SEGMENT, &[record("x", None), record("y", None)])
        .unwrap();
    assert_eq!((index_of(&first, "x"), index_of(&first, "y")), (0, 1));
    // Another order, one gone, one new: x and y keep theirs, z gets the next free one.
    let later = library
        .record_segments(fx::MULTI_SEGMENT, &[record("z", None), record("y", None)])
        .unwrap();
    assert_eq!((index_of(&later, "y"), index_of(&later, "z")), (1, 2));
    // x had no file: forgotten. A row named by an old slot is adopted by its recording.
    let known = library.segments(fx::MULTI_SEGMENT).unwrap();
    assert!(known.iter().all(|r| r.segment_id != "x"));
    let adopted = library
        .record_segments(fx::MULTI_SEGMENT, &[record("y-now", Some("y"))])
        .unwrap();
    assert_eq!(index_of(&adopted, "y-now"), 1);
}

/// Each leg's label and the bytes of the file it plays from (the call must play from disk).
fn played_bytes(timeline: &CallTimeline) -> Vec<(String, Vec<u8>)> {
    timeline
        .segments
        .iter()
        .map(|s| match s.media() {
            Media::File(path) => (s.label.clone(), std::fs::read(path).unwrap()),
            Media::Remote(_) => panic!("{} streams with the network gone", s.label),
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_call_played_once_plays_again_with_the_network_gone() {
    let backend = common::backend(BackendArgs::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let recordings = signed_in(&backend, dir.path()).await;
    let originals = {
        let library = Library::open(dir.path()).unwrap();
        let online = timeline_of(&recordings, &library, fx::MULTI_SEGMENT).await;
        assert!(!online.local_only);
        let (secs, errors, _, _) = decode_all(online).await;
        assert!(errors.is_empty(), "{errors:?}");
        assert!(secs > 1.0, "{secs}");
        // What storage holds for each leg's chosen copy, to compare the cache with.
        let resolved = recordings.resolve(fx::MULTI_SEGMENT).await.unwrap();
        let mut originals = Vec::new();
        for leg in &resolved.timeline.legs {
            let segment = &resolved.segments[leg.copies[0].take];
            let bytes = reqwest::get(segment.url.expose().clone())
                .await
                .unwrap()
                .bytes()
                .await
                .unwrap();
            originals.push((leg.label.clone(), bytes.to_vec()));
        }
        originals
    };
    // The network gone, and the app started again (a library opened afresh).
    backend.shutdown().await;
    let library = Library::open(dir.path()).unwrap();
    let offline = timeline_of(&recordings, &library, fx::MULTI_SEGMENT).await;
    assert!(offline.local_only);
    let cached = played_bytes(&offline);
    assert_eq!(cached.len(), originals.len());
    for ((label, bytes), (original_label, original)) in cached.iter().zip(&originals) {
        assert_eq!(label, original_label);
        assert!(
            bytes == original,
            "{label}: the cached bytes differ from storage's"
        );
    }
    let (secs, errors, _, _) = decode_all(offline).await;
    assert!(errors.is_empty(), "{errors:?}");
    assert!(secs > 1.0, "{secs}");
    tokio::time::sleep(Duration::from_millis(10)).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_download_fetches_only_what_playing_did_not_and_the_cache_lets_go_of_it() {
    let backend = common::backend(BackendArgs::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let recordings = signed_in(&backend, dir.path()).await;
    let library = Arc::new(Library::open(dir.path()).unwrap());
    let call = fx::LONG_MP3_CBR;
    // The first ten minutes played.
    let timeline = timeline_of(&recordings, &library, call).await;
    let before = backend.stats().storage_bytes_served;
    let segments = timeline.segments.clone();
    tokio::task::spawn_blocking(move || {
        let mut reader = TimelineReader::open(&segments, 1.0, None).unwrap();
        while let Some(Ok(block)) = reader.next_block() {
            if block.start >= 600.0 {
                break;
            }
        }
    })
    .await
    .unwrap();
    let played = backend.stats().storage_bytes_served - before;
    drop(timeline);
    let downloads = Downloads::new(
        Arc::clone(&library),
        Arc::new(RecordingsSource::new(recordings.clone())),
        callrec_core::http::client().unwrap(),
        DownloadOptions::default(),
    )
    .unwrap();
    let before = backend.stats().storage_bytes_served;
    downloads.enqueue_call(call).await.unwrap();
    let summary = downloads.run_until_idle().await.unwrap();
    let downloaded = backend.stats().storage_bytes_served - before;
    assert!(summary.failed.is_empty(), "{:?}", summary.failed);
    let size: u64 = summary.done.iter().map(|f| f.size).sum();
    // Ten minutes of sixty were fetched once, by playing; the download fetched the rest
    // (give or take the read-ahead and the probe of the tail).
    assert!(played > size / 8 && played < size / 4, "{played} of {size}");
    assert!(
        downloaded + played <= size + 512 * 1024 && downloaded < size - played + 512 * 1024,
        "played {played}, downloaded {downloaded}, of {size}"
    );
    // The file is the library's now, whole and verified; the cache holds none of it.
    let kept = played_bytes(&timeline_of(&recordings, &library, call).await);
    let original = reqwest::get(
        recordings.resolve(call).await.unwrap().segments[0]
            .url
            .expose()
            .clone(),
    )
    .await
    .unwrap()
    .bytes()
    .await
    .unwrap();
    assert!(
        kept[0].1 == original,
        "the kept file differs from storage's"
    );
    assert_eq!(library.cache().usage(), 0);
    tokio::time::sleep(Duration::from_millis(10)).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_leg_whose_length_was_only_estimated_ends_where_its_audio_ends_without_a_fall_back() {
    let backend = common::backend(BackendArgs::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let recordings = signed_in(&backend, dir.path()).await;
    let library = Library::open(dir.path()).unwrap();
    // A header-less VBR MP3, streamed: its length is a guess (3642 s for 3600 s of audio)
    // until its frames are counted, which this reader never asks for.
    let timeline = timeline_of(&recordings, &library, fx::LONG_MP3_VBR_NO_XING).await;
    assert_eq!(
        timeline.segments[0].copies.len(),
        2,
        "two copies of one leg"
    );
    let (secs, errors, playing, _) = decode_all(timeline).await;
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(playing, [0], "the first copy played to its end");
    assert!((secs - 3600.0).abs() < 1.0, "{secs}");
    tokio::time::sleep(Duration::from_millis(10)).await;
}
