//! Player benchmark over loopback from the local backend, uncached 60-minute files:
//! time from opening the timeline to the first decoded block (what the player hands to the
//! output), from a seek to 45:00 to the first block after it, the bytes fetched for each,
//! the duration reported, and decode speed per format (× real time, local files).
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
        let media = Arc::new(StreamedMedia::new(
            RemoteReader::new(
                callrec_core::http::client().unwrap(),
                Arc::new(FixedUrl(segment.url.clone())),
                ReaderOptions::default(),
            ),
            tokio::runtime::Handle::current(),
        ));
        let timeline = vec![TimelineSegment {
            label: segment.label.clone(),
            media: Media::Remote(media.clone()),
        }];
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
        let timeline = [TimelineSegment {
            label: "main".into(),
            media: Media::File(path),
        }];
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
