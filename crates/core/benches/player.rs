//! Player benchmark over loopback from the local backend, uncached 60-minute files:
//! time from opening the timeline to the first decoded block (what the player hands to the
//! output), from a seek to 45:00 to the first block after it, the bytes fetched for each,
//! the duration reported, and decode speed per format (× real time, local files).
//!
//! Then the bytes fetched from storage for one 60-minute call (the VBR MP3 without a Xing
//! header) as the app uses it: played to its end, its waveform drawn, its frames indexed,
//! then downloaded — each as a ratio to the file's size (the byte store's target: 1.05 in
//! all).
//!
//! Then, for the VBR MP3 without a Xing header, the background frame scan (time, bytes)
//! and where a seek lands after it, against an exact local decode; and the memory (VmRSS)
//! while a 2-hour streamed timeline is read through at full speed.
//!
//! `cargo bench -p callrec-core --bench player --profile dev` (the release profile's LTO
//! takes long on a small machine); `-- --quick` skips the decode-speed part,
//! `BENCH_LOCAL_ONLY=1` the streaming part, `BENCH_DETAIL=1` adds the open times.

#[path = "../tests/common/mod.rs"]
mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use callrec_backend::BackendArgs;
use callrec_backend::audio::{AudioFormat, AudioSpec, Damage, render_to_file};
use callrec_backend::fixtures as fx;
use callrec_core::player::{Media, StreamedMedia, TimelineReader, TimelineSegment};
use callrec_core::recordings::{EndpointSettings, Recordings};
use callrec_core::remote::{FixedUrl, ReaderOptions, RemoteReader};

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    if std::env::var_os("BENCH_LOCAL_ONLY").is_none() {
        runtime.block_on(streaming(dir.path()));
        runtime.block_on(bytes_per_call(dir.path()));
        runtime.block_on(frame_index(dir.path()));
        runtime.block_on(two_hour_memory(dir.path()));
    }
    if !quick {
        decode_speed(dir.path());
    }
}

async fn streaming(dir: &std::path::Path) {
    let backend = common::backend(BackendArgs::default()).await;
    let session = common::signed_in_as(&backend, fx::USER_REVIEWER_EMAIL, dir).await;
    let recordings = Recordings::new(
        session.clone(),
        callrec_core::http::client().unwrap(),
        EndpointSettings::from_project(session.project()),
    );
    println!(
        "{:<22} {:>10} {:>10} {:>12} {:>10} {:>11} {:>12} {:>12}",
        "file (60 min)",
        "first ms",
        "first KB",
        "duration s",
        "seek ms",
        "seek KB",
        "landed s",
        "requests"
    );
    for (name, call) in [
        ("WAV PCM16", fx::LONG_WAV),
        ("MP3 CBR", fx::LONG_MP3_CBR),
        ("MP3 VBR without Xing", fx::LONG_MP3_VBR_NO_XING),
    ] {
        let resolved = recordings.resolve(call).await.unwrap();
        let segment = resolved
            .segments
            .iter()
            .find(|s| s.id.starts_with("b:"))
            .unwrap()
            .clone();
        // Warm the backend's render of the file so the first request measures streaming.
        let _ = reqwest::Client::new()
            .get(segment.url.expose().clone())
            .header("Range", "bytes=0-0")
            .send()
            .await;
        let media = streamed(&segment);
        let timeline = vec![TimelineSegment::new(
            segment.label.clone(),
            Media::Remote(media.clone()),
        )];
        let row = tokio::task::spawn_blocking(move || {
            let started = Instant::now();
            let mut reader = TimelineReader::open(&timeline, 1.0, Some(48_000)).unwrap();
            let opened = started.elapsed();
            reader.next_block().unwrap().unwrap();
            let first = started.elapsed();
            if std::env::var_os("BENCH_DETAIL").is_some() {
                eprintln!("  open {:.1} ms", opened.as_secs_f64() * 1e3);
            }
            let first_bytes = media.fetched_bytes();
            let duration = reader.duration();
            let before = media.fetched_bytes();
            let started = Instant::now();
            reader.seek(45.0 * 60.0).unwrap();
            let block = reader.next_block().unwrap().unwrap();
            let seek = started.elapsed();
            (
                first,
                first_bytes,
                duration,
                seek,
                media.fetched_bytes() - before,
                block.start,
                media.requests(),
            )
        })
        .await
        .unwrap();
        let ms = |d: Duration| d.as_secs_f64() * 1e3;
        println!(
            "{name:<22} {:>10.1} {:>10} {:>12.1} {:>10.1} {:>11} {:>12.3} {:>12}",
            ms(row.0),
            row.1 / 1024,
            row.2,
            ms(row.3),
            row.4 / 1024,
            row.5,
            row.6
        );
    }
}

/// Storage bytes served by the backend while `stage` runs.
async fn served_during<T>(
    backend: &callrec_backend::RunningBackend,
    stage: impl std::future::Future<Output = T>,
) -> (u64, T) {
    let before = backend.stats().storage_bytes_served;
    let out = stage.await;
    (backend.stats().storage_bytes_served - before, out)
}

async fn bytes_per_call(dir: &std::path::Path) {
    use callrec_core::downloads::{DownloadOptions, Downloads, RecordingsSource};
    use callrec_core::library::Library;
    use callrec_core::waveform::Waveforms;

    let backend = common::backend(BackendArgs::default()).await;
    let home = dir.join("bytes-per-call");
    let session = common::signed_in_as(&backend, fx::USER_REVIEWER_EMAIL, &home).await;
    let http = callrec_core::http::client().unwrap();
    let recordings = Recordings::new(
        session.clone(),
        http.clone(),
        EndpointSettings::from_project(session.project()),
    );
    let library = Arc::new(Library::open(&home).unwrap());
    let call = fx::LONG_MP3_VBR_NO_XING;
    let timeline = callrec_core::player::call_timeline(&recordings, &library, &http, call)
        .await
        .unwrap();

    // Its waveform drawn, then played to its end with its frames indexed, as the player does.
    let waveforms = Waveforms::new(None);
    let events = waveforms.subscribe();
    let legs = timeline.segments.len();
    let (waveform, ()) = served_during(&backend, async {
        waveforms.start_call(call, &timeline);
        tokio::task::spawn_blocking(move || {
            let mut done = 0;
            while done < legs {
                match events.recv_timeout(Duration::from_secs(600)) {
                    Ok(event) if event.done => done += 1,
                    Ok(_) => {}
                    Err(_) => panic!("the waveform never finished"),
                }
            }
        })
        .await
        .unwrap();
    })
    .await;
    let segments = timeline.segments.clone();
    let (play_and_index, ()) = served_during(&backend, async move {
        tokio::task::spawn_blocking(move || {
            let mut reader = TimelineReader::open(&segments, 1.0, None).unwrap();
            reader.index_streamed_mp3();
            while let Some(block) = reader.next_block() {
                if let Err(error) = block {
                    panic!("the call did not play whole: {error}");
                }
            }
            reader.wait_for_lengths(Duration::from_secs(600));
            // Played from the copy the waveform read: a fall-back would fetch another.
            assert!(reader.segments().iter().all(|s| s.playing == 0));
        })
        .await
        .unwrap();
    })
    .await;

    let downloads = Downloads::new(
        library,
        Arc::new(RecordingsSource::new(recordings)),
        http,
        DownloadOptions::default(),
    )
    .unwrap();
    let (download, summary) = served_during(&backend, async {
        downloads.enqueue_call(call).await.unwrap();
        downloads.run_until_idle().await.unwrap()
    })
    .await;
    let size: u64 = summary.done.iter().map(|f| f.size).sum();
    assert!(size > 0, "{summary:?}");
    let ratio = |bytes: u64| bytes as f64 / size as f64;
    println!();
    println!(
        "bytes fetched for one 60-minute call (VBR MP3 without Xing, {:.1} MB), as × its size:",
        size as f64 / 1e6
    );
    println!(
        "  play to the end + frame index {:>6.2}×",
        ratio(play_and_index)
    );
    println!("  waveform                      {:>6.2}×", ratio(waveform));
    println!("  download                      {:>6.2}×", ratio(download));
    println!(
        "  in all                        {:>6.2}×  (target ≤ 1.05)",
        ratio(play_and_index + waveform + download)
    );
}

fn streamed(segment: &callrec_core::recordings::Segment) -> Arc<StreamedMedia> {
    Arc::new(
        StreamedMedia::new(
            RemoteReader::new(
                callrec_core::http::client().unwrap(),
                Arc::new(FixedUrl(segment.url.clone())),
                ReaderOptions::default(),
            ),
            tokio::runtime::Handle::current(),
        )
        .unwrap(),
    )
}

/// Left channel of what `reader` gives from where it is, up to `frames`.
fn pull_left(reader: &mut TimelineReader, frames: usize) -> (f64, Vec<f32>) {
    let mut start = None;
    let mut left = Vec::new();
    while left.len() < frames {
        let Some(Ok(block)) = reader.next_block() else {
            break;
        };
        start.get_or_insert(block.start);
        left.extend(block.samples.iter().step_by(2));
    }
    (start.unwrap_or(f64::NAN), left)
}

/// The lag (seconds, within ±100 ms) that best matches `after` to `reference` from `at` s.
fn lag_secs(reference: &[f32], after: &[f32], at: f64, rate: u32) -> f64 {
    let at = (at * f64::from(rate)).round() as isize;
    let span = 4000.min(after.len());
    let reach = (f64::from(rate) * 0.1) as isize;
    let best = (-reach..=reach)
        .min_by(|a, b| {
            let cost = |lag: isize| -> f32 {
                (0..span)
                    .map(|i| {
                        let j = (at + lag + i as isize).clamp(0, reference.len() as isize - 1);
                        (reference[j as usize] - after[i]).powi(2)
                    })
                    .sum()
            };
            cost(*a).total_cmp(&cost(*b))
        })
        .unwrap_or(0);
    best as f64 / f64::from(rate)
}

const SEEK_AFTER_INDEX: f64 = 2550.0;

/// The VBR MP3 without Xing: the background frame scan and a seek after it.
async fn frame_index(dir: &std::path::Path) {
    let backend = common::backend(BackendArgs::default()).await;
    let session = common::signed_in_as(&backend, fx::USER_REVIEWER_EMAIL, dir).await;
    let recordings = Recordings::new(
        session.clone(),
        callrec_core::http::client().unwrap(),
        EndpointSettings::from_project(session.project()),
    );
    let resolved = recordings.resolve(fx::LONG_MP3_VBR_NO_XING).await.unwrap();
    let segment = resolved
        .segments
        .iter()
        .find(|s| s.id.starts_with("b:"))
        .unwrap()
        .clone();
    let local = dir.join("vbr-no-xing.mp3");
    let bytes = reqwest::get(segment.url.expose().clone())
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    std::fs::write(&local, &bytes).unwrap();
    let media = streamed(&segment);
    let timeline = vec![TimelineSegment::new(
        segment.label.clone(),
        Media::Remote(media.clone()),
    )];
    let row = tokio::task::spawn_blocking(move || {
        let mut reader = TimelineReader::open(&timeline, 1.0, None).unwrap();
        let estimated = reader.duration();
        let started = Instant::now();
        reader.index_streamed_mp3();
        reader.wait_for_lengths(Duration::from_secs(600));
        let scan = started.elapsed();
        let before = media.fetched_bytes();
        let started = Instant::now();
        // 42:30, between the length estimate's sampled windows (45:00 is one of them, so
        // its blocks would already be cached).
        reader.seek(SEEK_AFTER_INDEX).unwrap();
        let (landed, left) = pull_left(&mut reader, 32_000);
        let seek = started.elapsed();
        let seek_bytes = media.fetched_bytes() - before;
        let rate = reader.rate();
        let mut exact = TimelineReader::open(
            &[TimelineSegment::new("main", Media::File(local))],
            1.0,
            None,
        )
        .unwrap();
        exact.seek(SEEK_AFTER_INDEX - 0.2).unwrap();
        let (_, around) = pull_left(&mut exact, 32_000);
        (
            estimated,
            reader.duration(),
            exact.duration(),
            scan,
            media.uncached_bytes(),
            seek,
            seek_bytes,
            landed,
            lag_secs(&around, &left, 0.2, rate),
        )
    })
    .await
    .unwrap();
    println!(
        "\nVBR MP3 without Xing, frame index (60 min, {} KB)",
        bytes.len() / 1024
    );
    println!(
        "{:>12} {:>12} {:>12} {:>10} {:>10} {:>10} {:>10} {:>12} {:>12}",
        "estimate s",
        "indexed s",
        "local s",
        "scan ms",
        "scan KB",
        "seek ms",
        "seek KB",
        "landed s",
        "error ms"
    );
    println!(
        "{:>12.3} {:>12.3} {:>12.3} {:>10.0} {:>10} {:>10.1} {:>10} {:>12.3} {:>12.2}",
        row.0,
        row.1,
        row.2,
        row.3.as_secs_f64() * 1e3,
        row.4 / 1024,
        row.5.as_secs_f64() * 1e3,
        row.6 / 1024,
        row.7,
        row.8 * 1e3
    );
}

/// VmRSS of this process, in MB.
fn rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        })
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

/// Memory while a 2-hour streamed timeline (the 60-minute VBR MP3 without Xing, twice, as
/// the player would load it: frame scans running) is read through at full speed.
async fn two_hour_memory(dir: &std::path::Path) {
    let backend = common::backend(BackendArgs::default()).await;
    let session = common::signed_in_as(&backend, fx::USER_REVIEWER_EMAIL, dir).await;
    let recordings = Recordings::new(
        session.clone(),
        callrec_core::http::client().unwrap(),
        EndpointSettings::from_project(session.project()),
    );
    let resolved = recordings.resolve(fx::LONG_MP3_VBR_NO_XING).await.unwrap();
    let segment = resolved
        .segments
        .iter()
        .find(|s| s.id.starts_with("b:"))
        .unwrap()
        .clone();
    let media = [streamed(&segment), streamed(&segment)];
    let timeline: Vec<TimelineSegment> = media
        .iter()
        .enumerate()
        .map(|(i, m)| TimelineSegment::new(format!("hour {}", i + 1), Media::Remote(m.clone())))
        .collect();
    let (start, peak, end, secs, elapsed, fetched) = tokio::task::spawn_blocking(move || {
        let start = rss_mb();
        let started = Instant::now();
        let mut reader = TimelineReader::open(&timeline, 1.0, Some(48_000)).unwrap();
        reader.index_streamed_mp3();
        let mut peak = start;
        let mut frames = 0usize;
        let mut blocks = 0usize;
        while let Some(block) = reader.next_block() {
            if let Ok(block) = block {
                frames += block.samples.len() / 2;
            }
            blocks += 1;
            if blocks.is_multiple_of(64) {
                peak = peak.max(rss_mb());
            }
        }
        reader.wait_for_lengths(Duration::from_secs(600));
        let end = rss_mb();
        let fetched: u64 = media
            .iter()
            .map(|m| m.fetched_bytes() + m.uncached_bytes())
            .sum();
        (
            start,
            peak.max(end),
            end,
            frames as f64 / f64::from(reader.rate()),
            started.elapsed(),
            fetched,
        )
    })
    .await
    .unwrap();
    println!("\n2-hour streamed timeline read at full speed (VmRSS)");
    println!(
        "{:>10} {:>10} {:>10} {:>10} {:>10} {:>10} {:>12}",
        "audio s", "wall s", "start MB", "peak MB", "end MB", "growth MB", "fetched MB"
    );
    println!(
        "{:>10.0} {:>10.1} {:>10.1} {:>10.1} {:>10.1} {:>10.1} {:>12.1}",
        secs,
        elapsed.as_secs_f64(),
        start,
        peak,
        end,
        peak - start,
        fetched as f64 / 1e6
    );
}

fn decode_speed(dir: &std::path::Path) {
    println!("\n{:<16} {:>14}", "format (5 min)", "decode × RT");
    for format in [
        AudioFormat::WavPcm16,
        AudioFormat::WavMulaw,
        AudioFormat::Mp3Cbr,
        AudioFormat::Mp3Vbr,
        AudioFormat::Mp3VbrNoXing,
        AudioFormat::OggOpus,
    ] {
        let path = dir.join(format!("{format:?}"));
        render_to_file(
            &AudioSpec {
                format,
                duration_ms: 300_000,
                tone_hz: 440.0,
                right_tone_hz: None,
                seed: 1,
                damage: Damage::None,
            },
            &path,
        )
        .unwrap();
        let timeline = [TimelineSegment::new("main", Media::File(path))];
        let started = Instant::now();
        // At the file's own rate: decoding alone, no conversion.
        let mut reader = TimelineReader::open(&timeline, 1.0, None).unwrap();
        if std::env::var_os("BENCH_DETAIL").is_some() {
            eprintln!("  open {:.1} ms", started.elapsed().as_secs_f64() * 1e3);
        }
        let mut frames = 0usize;
        while let Some(block) = reader.next_block() {
            frames += block.unwrap().samples.len() / 2;
        }
        let secs = frames as f64 / f64::from(reader.rate());
        println!(
            "{:<16} {:>14.0}",
            format!("{format:?}"),
            secs / started.elapsed().as_secs_f64()
        );
    }
}
