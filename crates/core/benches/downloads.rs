//! Downloads benchmark over loopback from the local backend's storage (signed URLs, Range,
//! ETag), printed in one run:
//!
//! * one large file (1 GB by default: a 4.7-hour stereo WAV, real rendered audio) through the
//!   real `callrec_core::downloads::Downloads` queue (`.part`, SHA-256, length checks, rename,
//!   library rows, then fsync) against `curl -s -o FILE URL` on the same URL, alternating, a
//!   few times each: MB/s and the ratio, best of `BENCH_RUNS` (5) each (target ≥ 0.9× curl), and
//!   the CPU time each side used. Two Callrec figures: until the item is done (verified,
//!   renamed, recorded, playable: what curl's exit means), the ratio's figure; and until its
//!   fsync has run too, against curl + fsync. `BENCH_PROFILE=1` prints each transfer's stages
//!   (receive, queue, hash, write, fsync) from `callrec_core::downloads`.
//! * 20 segments at once (20 calls of one 3-minute WAV each) with concurrency 4 and 20: total
//!   time, aggregate MB/s and per-item min/median/max (from the queue's own progress).
//! * the process's RSS before and after (the backend serves from this process too, on its own
//!   runtime, so the figure is an upper bound of the downloader's).
//!
//! `cargo bench -p callrec-core --bench downloads`; `BENCH_MB=256` for a smaller file,
//! `BENCH_RUNS=1` for one run of each.

#[path = "../tests/common/mod.rs"]
mod common;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use callrec_backend::{BackendArgs, RunningBackend};
use callrec_core::downloads::DownloadOptions;
use callrec_core::library::DownloadState;
use callrec_core::recordings::Recordings;

const MB: f64 = 1_000_000.0;
/// `wav_stereo`: 16 kHz, 2 channels, 16-bit.
const STEREO_BYTES_PER_SEC: u64 = 16_000 * 2 * 2;

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// (current, peak) resident set size in MB, from `/proc/self/status` (Linux).
fn rss() -> String {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<f64>().ok())
            .map_or_else(|| "?".to_owned(), |kb| format!("{:.1} MB", kb / 1024.0))
    };
    format!("RSS {} (peak {})", field("VmRSS:"), field("VmHWM:"))
}

/// CPU seconds used so far by this process (both runtimes: server and client) and by its
/// waited-for children (curl), from `/proc/self/stat` (Linux; clock ticks at the usual 100 Hz).
fn cpu_seconds() -> (f64, f64) {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name's closing parenthesis; utime is field 14 overall.
    let fields: Vec<f64> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest)
        .unwrap_or("")
        .split_whitespace()
        .map(|f| f.parse().unwrap_or(0.0))
        .collect();
    let ticks = |i: usize| fields.get(i).copied().unwrap_or(0.0) / 100.0;
    (ticks(11) + ticks(12), ticks(13) + ticks(14))
}

fn main() {
    if std::env::var_os("BENCH_PROFILE").is_some() {
        // Each transfer's stages (receive, queue, hash, write, fsync) on stderr.
        tracing_subscriber::fmt()
            .with_env_filter("callrec_core::downloads::stages=debug")
            .with_writer(std::io::stderr)
            .init();
    }
    println!("process before: {}", rss());
    // The backend on its own runtime, standing in for a server in another process.
    let server = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let backend = server.block_on(common::backend(BackendArgs {
        url_lifetime: 3600,
        ..BackendArgs::default()
    }));
    let client = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    client.block_on(async {
        large_file(&backend).await;
        twenty_segments(&backend).await;
    });
    println!("process after: {}", rss());
    drop(client);
    server.block_on(backend.shutdown());
}

/// Adds a call whose one stored segment is `format` for `seconds` (admin API).
async fn insert_call(backend: &RunningBackend, format: &str, seconds: u64) -> String {
    let key = backend.service_role_key();
    let response = reqwest::Client::new()
        .post(format!("{}/admin/v1/calls", backend.base_url()))
        .header("apikey", key)
        .bearer_auth(key)
        .json(&serde_json::json!({ "format": format, "duration_seconds": seconds }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201, "{:?}", response.text().await);
    let row: serde_json::Value = response.json().await.unwrap();
    row["id"].as_str().unwrap().to_owned()
}

/// The call's stored segment's signed URL; a one-byte GET first makes the backend render it,
/// so the timed transfers measure serving, not rendering.
async fn warm_url(recordings: &Recordings, call: &str) -> url::Url {
    let resolved = recordings.resolve(call).await.unwrap();
    let url = resolved.segments[0].url.expose().clone();
    let response = reqwest::Client::new()
        .get(url.clone())
        .header("Range", "bytes=0-0")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 206);
    url
}

/// When an item was first seen running, and done.
type Span = (Option<Instant>, Option<Instant>);

fn options(concurrency: usize) -> DownloadOptions {
    DownloadOptions {
        concurrency,
        reserve_bytes: 0,
        ..DownloadOptions::default()
    }
}

async fn large_file(backend: &RunningBackend) {
    let megabytes = env_u64("BENCH_MB", 1024);
    let runs = env_u64("BENCH_RUNS", 5).max(1);
    let seconds = (megabytes << 20).div_ceil(STEREO_BYTES_PER_SEC);
    let call = insert_call(backend, "wav_stereo", seconds).await;
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().join("callrec");
    std::fs::create_dir_all(&data_dir).unwrap();
    let (downloads, recordings) = common::downloads_on(
        backend,
        &data_dir,
        true,
        Duration::from_secs(30),
        options(4),
    )
    .await;
    let started = Instant::now();
    let url = warm_url(&recordings, &call).await;
    println!(
        "large file: {seconds} s of stereo WAV rendered by the backend in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let curl_file = dir.path().join("curl.out");
    let http = callrec_core::http::client().unwrap();
    let mut bare_rates = Vec::new();
    let mut reference = None;
    let (mut curl_rates, mut synced_rates, mut callrec_rates, mut durable_rates) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let (mut curl_cpu, mut callrec_cpu) = (Vec::new(), Vec::new());
    for run in 1..=runs {
        let _ = std::fs::remove_file(&curl_file);
        let cpu_before = cpu_seconds();
        let started = Instant::now();
        let status = tokio::process::Command::new("curl")
            .args(["-s", "-o"])
            .arg(&curl_file)
            .arg(url.as_str())
            .status()
            .await
            .expect("curl must be installed");
        let took = started.elapsed().as_secs_f64();
        assert!(status.success(), "curl: {status}");
        // What durability costs on this disk: curl's file made durable as Callrec's is.
        std::fs::File::open(&curl_file).unwrap().sync_all().unwrap();
        let took_synced = started.elapsed().as_secs_f64();
        let cpu_after = cpu_seconds();
        // (the server in this process, curl)
        curl_cpu.push((cpu_after.0 - cpu_before.0, cpu_after.1 - cpu_before.1, took));
        let len = std::fs::metadata(&curl_file).unwrap().len();
        if reference.is_none() {
            let path = curl_file.clone();
            let sha = tokio::task::spawn_blocking(move || common::sha256_of_file(&path))
                .await
                .unwrap();
            reference = Some((sha, len));
        }
        let _ = std::fs::remove_file(&curl_file);
        curl_rates.push(len as f64 / MB / took);
        synced_rates.push(len as f64 / MB / took_synced);

        // The same client stack with nothing written: what the HTTP stack alone reaches.
        let started = Instant::now();
        let mut response = http.get(url.clone()).send().await.unwrap();
        let mut received = 0u64;
        while let Some(chunk) = response.chunk().await.unwrap() {
            received += chunk.len() as u64;
        }
        bare_rates.push(received as f64 / MB / started.elapsed().as_secs_f64());

        let cpu_before = cpu_seconds();
        let started = Instant::now();
        downloads.enqueue_call(&call).await.unwrap();
        // When the queue first shows the item done (as the UI and CLI see it).
        let mut progress = downloads.subscribe();
        let done_at = {
            let call = call.clone();
            tokio::spawn(async move {
                loop {
                    let done = progress
                        .borrow_and_update()
                        .items
                        .iter()
                        .any(|i| i.call_id == call && i.state == DownloadState::Done);
                    if done {
                        return Instant::now();
                    }
                    if progress.changed().await.is_err() {
                        return Instant::now();
                    }
                }
            })
        };
        let summary = downloads.run_until_idle().await.unwrap();
        let took_durable = started.elapsed().as_secs_f64();
        let took = done_at.await.unwrap().duration_since(started).as_secs_f64();
        callrec_cpu.push((cpu_seconds().0 - cpu_before.0, took_durable));
        assert!(summary.failed.is_empty(), "{:?}", summary.failed);
        let file = &summary.done[0];
        let (sha, len) = reference.as_ref().unwrap();
        assert_eq!((&file.sha256, file.size), (sha, *len), "Callrec's file");
        assert!(downloads.library().files_not_durable().unwrap().is_empty());
        downloads.remove_call(&call).unwrap();
        callrec_rates.push(*len as f64 / MB / took);
        durable_rates.push(*len as f64 / MB / took_durable);
        println!(
            "  run {run}: curl {:>7.1} MB/s   curl + fsync {:>7.1} MB/s   reqwest to nowhere \
             {:>7.1} MB/s   Callrec done {:>7.1} MB/s   Callrec durable {:>7.1} MB/s",
            curl_rates.last().unwrap(),
            synced_rates.last().unwrap(),
            bare_rates.last().unwrap(),
            callrec_rates.last().unwrap(),
            durable_rates.last().unwrap()
        );
        let (server, curl, curl_took) = curl_cpu.last().copied().unwrap_or_default();
        let (both, took) = callrec_cpu.last().copied().unwrap_or_default();
        println!(
            "         CPU: curl {curl:.2} s + server {server:.2} s in {curl_took:.2} s; \
             Callrec + server {both:.2} s in {took:.2} s (2 cores = {:.2} s available)",
            2.0 * took
        );
    }
    let (_, len) = reference.unwrap();
    let best = |rates: &[f64]| rates.iter().copied().fold(0.0, f64::max);
    let (curl, synced, ours, durable) = (
        best(&curl_rates),
        best(&synced_rates),
        best(&callrec_rates),
        best(&durable_rates),
    );
    let (curl_median, ours_median) = (median(&mut curl_rates), median(&mut callrec_rates));
    println!(
        "large file ({:.0} MB, best of {runs} each): curl {curl:.1} MB/s, Callrec {ours:.1} MB/s \
         (done: verified, renamed, recorded) = {:.2}x curl (target >= 0.90); medians \
         {curl_median:.1} and {ours_median:.1} MB/s = {:.2}x",
        len as f64 / MB,
        ours / curl,
        ours_median / curl_median
    );
    println!(
        "  durable (fsync included): curl + fsync {synced:.1} MB/s, Callrec {durable:.1} MB/s = \
         {:.2}x",
        durable / synced
    );
}

async fn twenty_segments(backend: &RunningBackend) {
    const SECONDS: u64 = 180;
    let mut calls = Vec::new();
    for _ in 0..20 {
        calls.push(insert_call(backend, "wav_pcm16", SECONDS).await);
    }
    for concurrency in [4, 20] {
        let dir = tempfile::tempdir().unwrap();
        let (downloads, recordings) = common::downloads_on(
            backend,
            dir.path(),
            true,
            Duration::from_secs(30),
            options(concurrency),
        )
        .await;
        if concurrency == 4 {
            for call in &calls {
                warm_url(&recordings, call).await;
            }
        }
        for call in &calls {
            downloads.enqueue_call(call).await.unwrap();
        }
        // Each item's first sign of running and of being done, from the queue's progress.
        let seen: Arc<Mutex<HashMap<String, Span>>> = Arc::default();
        let mut progress = downloads.subscribe();
        let watcher = {
            let seen = seen.clone();
            tokio::spawn(async move {
                while progress.changed().await.is_ok() {
                    let now = Instant::now();
                    let items = progress.borrow_and_update().items.clone();
                    let mut seen = seen.lock().unwrap();
                    for item in items {
                        let entry = seen.entry(item.call_id).or_default();
                        if item.state == DownloadState::Running && entry.0.is_none() {
                            entry.0 = Some(now);
                        }
                        if item.state == DownloadState::Done && entry.1.is_none() {
                            entry.1 = Some(now);
                        }
                    }
                }
            })
        };
        let started = Instant::now();
        let summary = downloads.run_until_idle().await.unwrap();
        let took = started.elapsed().as_secs_f64();
        watcher.abort();
        assert!(summary.failed.is_empty(), "{:?}", summary.failed);
        assert_eq!(summary.done.len(), 20);
        let bytes: u64 = summary.done.iter().map(|f| f.size).sum();
        let mut items: Vec<f64> = seen
            .lock()
            .unwrap()
            .values()
            .map(|(start, end)| {
                let start = start.unwrap_or(started);
                end.map_or(took, |end| end.duration_since(start).as_secs_f64())
            })
            .collect();
        items.sort_by(f64::total_cmp);
        println!(
            "20 segments ({:.1} MB each), concurrency {concurrency:>2}: {took:.2} s, {:.1} MB/s \
             in all; per item min {:.2} s, median {:.2} s, max {:.2} s",
            bytes as f64 / 20.0 / MB,
            bytes as f64 / MB / took,
            items.first().copied().unwrap_or(0.0),
            median(&mut items),
            items.last().copied().unwrap_or(0.0),
        );
    }
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    match values.len() {
        0 => 0.0,
        n if n % 2 == 1 => values[n / 2],
        n => (values[n / 2 - 1] + values[n / 2]) / 2.0,
    }
}
