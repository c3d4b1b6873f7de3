//! The download queue against the real backend (and, for a server that ignores Range, a small
//! axum server): every download completes with the SHA-256 of the server's file through
//! dropped connections, expiring URLs and restarts; hostile ids and labels never leave the
//! data dir; no space is a clear error with nothing presented as complete.

mod common;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use callrec_backend::fixtures as fx;
use callrec_backend::{BackendArgs, Faults};
use callrec_core::ErrorCode;
use callrec_core::calls::{CallQuery, CallRow};
use callrec_core::downloads::{self, DownloadOptions, Downloads, FixedSource};
use callrec_core::library::{DownloadState, Library};
use callrec_core::recordings::Recordings;
use common::*;

fn fast() -> DownloadOptions {
    DownloadOptions {
        min_delay: Duration::from_millis(20),
        max_delay: Duration::from_millis(300),
        max_retries: 12,
        idle_timeout: Duration::from_secs(10),
        reserve_bytes: 0,
        ..DownloadOptions::default()
    }
}

/// The reference SHA-256 and length of each leg of `call` (plain GETs now).
async fn references(recordings: &Recordings, call: &str) -> Vec<(String, u64)> {
    let resolved = recordings.resolve(call).await.unwrap();
    let mut out = Vec::new();
    // A call downloads one copy per leg: the best one, in the legs' order.
    for leg in &resolved.timeline.legs {
        let segment = &resolved.segments[leg.copies[0].take];
        out.push(sha256_of_url(segment.url.expose()).await);
    }
    out
}

/// Asserts the library holds exactly the completed files of `call`, matching `expected`,
/// each at `recordings/<call>/<index>.<ext>` with no `.part` left.
fn assert_verified(downloads: &Downloads, dir: &Path, call: &str, expected: &[(String, u64)]) {
    let files = downloads.library().files(Some(call)).unwrap();
    assert_eq!(files.len(), expected.len(), "{files:?}");
    for (file, (sha, len)) in files.iter().zip(expected) {
        assert_eq!(
            &file.sha256, sha,
            "recorded SHA-256 of segment {}",
            file.index
        );
        assert_eq!(file.size, *len);
        let on_disk = dir.join(&file.path);
        assert_eq!(
            &sha256_of_file(&on_disk),
            sha,
            "SHA-256 on disk of {}",
            file.path
        );
        assert!(
            file.path
                .starts_with(&format!("recordings/{call}/{}.", file.index)),
            "{}",
            file.path
        );
    }
    let parts: Vec<_> = files_under(dir)
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "part"))
        .collect();
    assert!(parts.is_empty(), "left over: {parts:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_downloads_verified_and_the_list_says_so() {
    let backend = backend(BackendArgs::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let (downloads, recordings) =
        downloads_on(&backend, dir.path(), false, Duration::from_secs(30), fast()).await;
    let expected = references(&recordings, fx::MULTI_SEGMENT).await;
    assert!(expected.len() >= 3, "{expected:?}");
    let progress = downloads.subscribe();

    let queued = downloads.enqueue_call(fx::MULTI_SEGMENT).await.unwrap();
    assert_eq!(queued.len(), expected.len());
    let summary = downloads.run_until_idle().await.unwrap();
    assert_eq!(summary.done.len(), expected.len(), "{summary:?}");
    assert!(summary.failed.is_empty());
    assert_verified(&downloads, dir.path(), fx::MULTI_SEGMENT, &expected);
    for file in &summary.done {
        assert!(
            file.path.ends_with(".wav"),
            "sniffed from RIFF/WAVE: {}",
            file.path
        );
        assert_eq!(file.content_type.as_deref(), Some("audio/wav"));
    }
    // The last progress says every item is done with all its bytes.
    let last = progress.borrow().clone();
    assert_eq!(last.items.len(), expected.len());
    for item in &last.items {
        assert_eq!(item.state, DownloadState::Done);
        assert_eq!(Some(item.bytes), item.total);
    }
    let json = serde_json::to_value(&last).unwrap();
    assert!(
        json["items"][0].get("callId").is_some(),
        "camelCase: {json}"
    );

    // Queuing it again finds nothing to do.
    assert!(
        downloads
            .enqueue_call(fx::MULTI_SEGMENT)
            .await
            .unwrap()
            .is_empty()
    );

    // The list marks it (remote rows as offline ones), and the offline filter finds it.
    let library = downloads.library();
    let rows = vec![
        CallRow {
            id: fx::MULTI_SEGMENT.into(),
            created_at: Some("2026-11-21T14:05:00Z".into()),
            from_number: Some("+15551234567".into()),
            direction: Some("inbound".into()),
            ..CallRow::default()
        },
        CallRow {
            id: fx::WAV_PCM16.into(),
            created_at: Some("2026-11-20T10:00:00Z".into()),
            ..CallRow::default()
        },
    ];
    let mut marked = rows.clone();
    library.mark_downloaded(&mut marked).unwrap();
    assert!(marked[0].downloaded);
    assert!(!marked[1].downloaded);
    let items: Vec<serde_json::Value> = vec![
        serde_json::json!({"id": fx::MULTI_SEGMENT, "created_at": "2026-11-21T14:05:00Z",
                           "from_number": "+15551234567", "direction": "inbound"}),
        serde_json::json!({"id": fx::WAV_PCM16, "created_at": "2026-11-20T10:00:00Z"}),
    ];
    library
        .upsert_calls("p", &callrec_core::calls::CallSchema::default(), &items)
        .unwrap();
    let only = |downloaded| {
        library
            .query_calls_where("p", &CallQuery::default(), None, Some(downloaded), None)
            .unwrap()
            .rows
            .into_iter()
            .map(|r| (r.id, r.downloaded))
            .collect::<Vec<_>>()
    };
    assert_eq!(only(true), vec![(fx::MULTI_SEGMENT.to_owned(), true)]);
    assert_eq!(only(false), vec![(fx::WAV_PCM16.to_owned(), false)]);
    assert_eq!(
        library.files_size().unwrap(),
        expected.iter().map(|e| e.1).sum::<u64>()
    );

    // Export: readable names, exact copies, never overwriting.
    let out = dir.path().join("export");
    let written = downloads::export_call(library, fx::MULTI_SEGMENT, &out).unwrap();
    let names: Vec<String> = written
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names[0], "2026-11-21_1405_+15551234567_main.wav",
        "{names:?}"
    );
    assert_eq!(sha256_of_file(&written[0]), expected[0].0);
    let again = downloads::export_call(library, fx::MULTI_SEGMENT, &out).unwrap();
    assert_eq!(again.len(), written.len());
    assert!(
        again.iter().all(|p| !written.contains(p)),
        "never overwritten: {again:?}"
    );
    assert_eq!(std::fs::read_dir(&out).unwrap().count(), 2 * written.len());

    // A verified file deleted behind the library's back is no longer "downloaded".
    let first = dir.path().join(&summary.done[0].path);
    std::fs::remove_file(&first).unwrap();
    let mut marked = rows.clone();
    library.mark_downloaded(&mut marked).unwrap();
    assert!(!marked[0].downloaded);

    // Remove: rows and files go.
    let removed = downloads.remove_call(fx::MULTI_SEGMENT).unwrap();
    assert_eq!(removed.len(), expected.len());
    assert!(library.files(Some(fx::MULTI_SEGMENT)).unwrap().is_empty());
    assert!(
        !dir.path()
            .join("recordings")
            .join(fx::MULTI_SEGMENT)
            .exists()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_dropped_every_few_mb_still_complete_and_verify() {
    let backend = backend(BackendArgs::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let (downloads, recordings) =
        downloads_on(&backend, dir.path(), true, Duration::from_secs(30), fast()).await;
    // 60 minutes of 16 kHz PCM: ~115 MB, cut every 8 MB.
    let expected = references(&recordings, fx::LONG_WAV).await;
    assert!(expected[0].1 > 100_000_000, "{expected:?}");
    backend
        .set_faults(Faults {
            drop_after: Some(8_000_000),
            ..Faults::default()
        })
        .unwrap();
    let before = backend.stats().dropped_connections;
    downloads.enqueue_call(fx::LONG_WAV).await.unwrap();
    let summary = downloads.run_until_idle().await.unwrap();
    assert!(summary.failed.is_empty(), "{summary:?}");
    let drops = backend.stats().dropped_connections - before;
    assert!(drops >= 10, "only {drops} drops");
    assert_verified(&downloads, dir.path(), fx::LONG_WAV, &expected);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn urls_expiring_every_two_seconds_are_resolved_again_mid_download() {
    let backend = backend(BackendArgs {
        url_lifetime: 2,
        ..BackendArgs::default()
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    // No margin: each URL is used to its last second, then resolved again.
    let (downloads, recordings) =
        downloads_on(&backend, dir.path(), true, Duration::ZERO, fast()).await;
    let expected = references(&recordings, fx::WAV_PCM16).await;
    // ~960 KB at 150 KB/s: at least 6.4 s, cut every 150 KB (1 s a connection). A URL serves
    // connections opened in its 2 s of life, so one resolve covers at most 3 s: the download
    // needs at least three, however fast the machine.
    backend
        .set_faults(Faults {
            bandwidth: Some(150_000),
            drop_after: Some(150_000),
            ..Faults::default()
        })
        .unwrap();
    let before = backend.stats().function_b_requests;
    downloads.enqueue_call(fx::WAV_PCM16).await.unwrap();
    let summary = downloads.run_until_idle().await.unwrap();
    assert!(summary.failed.is_empty(), "{summary:?}");
    let resolves = backend.stats().function_b_requests - before;
    // The first resolve, then at least two more across the expiries.
    assert!(resolves >= 3, "resolved {resolves} times");
    assert_verified(&downloads, dir.path(), fx::WAV_PCM16, &expected);
}

/// A server that ignores Range and If-Range: always 200 with the whole body; the first
/// `cut_first` responses are cut after 40 % of it. Returns the URL and the Range headers seen.
async fn range_ignoring_server(
    body: Arc<Vec<u8>>,
    cut_first: usize,
) -> (url::Url, Arc<std::sync::Mutex<Vec<Option<String>>>>) {
    use axum::body::Body;
    use axum::http::{HeaderMap, header};
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let served = Arc::new(AtomicUsize::new(0));
    let app = {
        let seen = seen.clone();
        axum::Router::new().route(
            "/{*path}",
            axum::routing::get(move |headers: HeaderMap| {
                let body = body.clone();
                let seen = seen.clone();
                let served = served.clone();
                async move {
                    seen.lock().unwrap().push(
                        headers
                            .get(header::RANGE)
                            .and_then(|v| v.to_str().ok())
                            .map(str::to_owned),
                    );
                    let n = served.fetch_add(1, Ordering::SeqCst);
                    let len = body.len();
                    let cut = if n < cut_first { len * 2 / 5 } else { len };
                    let chunks: Vec<Result<bytes::Bytes, std::io::Error>> = body[..cut]
                        .chunks(64 * 1024)
                        .map(|c| Ok(bytes::Bytes::copy_from_slice(c)))
                        .chain((cut < len).then(|| {
                            Err(std::io::Error::new(
                                std::io::ErrorKind::ConnectionReset,
                                "cut",
                            ))
                        }))
                        .collect();
                    axum::response::Response::builder()
                        .header(header::CONTENT_LENGTH, len)
                        .header(header::ETAG, "\"v1\"")
                        .header(header::CONTENT_TYPE, "text/html")
                        .body(Body::from_stream(futures_util::stream::iter(chunks)))
                        .unwrap()
                }
            }),
        )
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/files/audio", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (url::Url::parse(&url).unwrap(), seen)
}

fn fixed_queue(
    dir: &Path,
    calls: Vec<(String, Vec<(String, url::Url)>)>,
    options: DownloadOptions,
) -> Downloads {
    let library = Arc::new(Library::open(dir).unwrap());
    Downloads::new(
        library,
        Arc::new(FixedSource { calls }),
        callrec_core::http::client().unwrap(),
        options,
    )
    .unwrap()
}

/// 3 MB of an MPEG audio frame sync followed by noise-ish bytes.
fn mp3ish(len: usize) -> Vec<u8> {
    let mut body: Vec<u8> = (0..len).map(|i| (i * 31 % 251) as u8).collect();
    body[..4].copy_from_slice(&[0xFF, 0xFB, 0x90, 0x64]);
    body
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_ignoring_range_restarts_the_file_cleanly() {
    let body = Arc::new(mp3ish(3_000_000));
    let (url, seen) = range_ignoring_server(body.clone(), 1).await;
    let dir = tempfile::tempdir().unwrap();
    let call = "0b0e8d0a-1f7e-4a4e-9b8e-1c2d3e4f5a6b";
    let downloads = fixed_queue(
        dir.path(),
        vec![(call.into(), vec![("main".into(), url)])],
        fast(),
    );
    downloads.enqueue_call(call).await.unwrap();
    let summary = downloads.run_until_idle().await.unwrap();
    assert!(summary.failed.is_empty(), "{summary:?}");
    let seen = seen.lock().unwrap().clone();
    // The first request was unranged and cut at ~40 %; the next asked for the rest, got the
    // whole object (200) and the file was restarted instead of spliced.
    assert_eq!(seen[0], None);
    let resumed_at = seen[1]
        .as_deref()
        .and_then(|r| r.strip_prefix("bytes="))
        .and_then(|r| r.strip_suffix('-'))
        .and_then(|n| n.parse::<usize>().ok());
    assert!(
        resumed_at.is_some_and(|n| n > 0 && n < body.len()),
        "{seen:?}"
    );
    let expected = {
        use sha2::Digest;
        format!("{:x}", sha2::Sha256::digest(&*body))
    };
    assert_verified(
        &downloads,
        dir.path(),
        call,
        &[(expected, body.len() as u64)],
    );
    // Sniffed from the bytes, not from the server's `text/html` or the URL.
    assert!(
        summary.done[0].path.ends_with("/0.mp3"),
        "{}",
        summary.done[0].path
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_ids_and_labels_never_produce_a_path_outside_the_data_dir() {
    let body = Arc::new(mp3ish(200_000));
    let (url, _) = range_ignoring_server(body, 0).await;
    let root = tempfile::tempdir().unwrap();
    let data = root.path().join("data");
    let long = "x".repeat(10_000);
    let hostile_ids = [
        "../escape",
        "/etc/passwd",
        "a/../../b",
        "nul\0byte",
        "..",
        "C:\\Windows",
        long.as_str(),
        "",
    ];
    let good = "c0ffee00-0000-4000-8000-000000000001";
    let labels = [
        "../../../etc/passwd",
        "/abs/olute",
        "nul\0label",
        long.as_str(),
    ];
    let mut calls: Vec<(String, Vec<(String, url::Url)>)> = hostile_ids
        .iter()
        .map(|id| ((*id).to_owned(), vec![("main".into(), url.clone())]))
        .collect();
    calls.push((
        good.into(),
        labels
            .iter()
            .map(|l| ((*l).to_owned(), url.clone()))
            .collect(),
    ));
    let downloads = fixed_queue(&data, calls, fast());
    for id in hostile_ids {
        let error = downloads.enqueue_call(id).await.unwrap_err();
        assert_eq!(error.code(), "invalid_call_id", "{id:?}");
        assert_eq!(error.kind(), callrec_core::ErrorKind::Usage);
        assert!(
            error.to_string().len() < 300,
            "short message for {} bytes",
            id.len()
        );
        assert!(!error.to_string().contains('\0'));
    }
    downloads.enqueue_call(good).await.unwrap();
    let summary = downloads.run_until_idle().await.unwrap();
    assert_eq!(summary.done.len(), labels.len(), "{summary:?}");
    // Nothing but the data dir was created next to it, and inside it only id-named files.
    let outside: Vec<_> = std::fs::read_dir(root.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(outside, vec![std::ffi::OsString::from("data")]);
    for path in files_under(&data) {
        let text = path.to_string_lossy().into_owned();
        let ok = text.starts_with("library.sqlite3")
            || text == "downloads.lock"
            || (text.starts_with(&format!("recordings/{good}/")) && text.ends_with(".mp3"));
        assert!(ok, "unexpected file {text}");
    }
    // Export names keep only safe characters of the labels.
    let out = root.path().join("export");
    for written in downloads::export_call(downloads.library(), good, &out).unwrap() {
        assert_eq!(written.parent(), Some(out.as_path()));
        let name = written.file_name().unwrap().to_string_lossy().into_owned();
        assert!(name.len() < 120, "{name}");
        assert!(
            name.chars()
                .all(|c| c.is_ascii_alphanumeric() || "+-_.".contains(c)),
            "{name}"
        );
    }

    // A call folder that is a symlink out of the data dir is refused, nothing written there.
    drop(downloads);
    #[cfg(unix)]
    {
        let other = "c0ffee00-0000-4000-8000-000000000002";
        let target = root.path().join("elsewhere");
        std::fs::create_dir_all(&target).unwrap();
        std::os::unix::fs::symlink(&target, data.join("recordings").join(other)).unwrap();
        let downloads = fixed_queue(
            &data,
            vec![(other.into(), vec![("main".into(), url.clone())])],
            fast(),
        );
        downloads.enqueue_call(other).await.unwrap();
        let summary = downloads.run_until_idle().await.unwrap();
        assert_eq!(summary.failed.len(), 1);
        assert_eq!(summary.failed[0].error_code.as_deref(), Some("unsafe_path"));
        assert!(std::fs::read_dir(&target).unwrap().next().is_none());
    }
}

fn no_half_state(downloads: &Downloads, dir: &Path, call: &str) {
    assert!(downloads.library().files(Some(call)).unwrap().is_empty());
    let finals: Vec<PathBuf> = files_under(dir)
        .into_iter()
        .filter(|p| p.starts_with("recordings") && p.extension().is_some_and(|e| e != "part"))
        .collect();
    assert!(finals.is_empty(), "{finals:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn too_little_free_space_is_a_clear_error_and_nothing_looks_complete() {
    let backend = backend(BackendArgs::default()).await;
    let dir = tempfile::tempdir().unwrap();
    // The check, with a reserve no disk has.
    let (downloads, _) = downloads_on(
        &backend,
        dir.path(),
        true,
        Duration::from_secs(30),
        DownloadOptions {
            reserve_bytes: u64::MAX / 4,
            ..fast()
        },
    )
    .await;
    downloads.enqueue_call(fx::WAV_PCM16).await.unwrap();
    let summary = downloads.run_until_idle().await.unwrap();
    assert_eq!(summary.failed.len(), 1, "{summary:?}");
    let failed = &summary.failed[0];
    assert_eq!(failed.error_code.as_deref(), Some("no_space"));
    assert!(
        failed
            .error_message
            .as_deref()
            .unwrap()
            .contains("not enough free space"),
        "{failed:?}"
    );
    no_half_state(&downloads, dir.path(), fx::WAV_PCM16);
    let row = downloads
        .library()
        .download(fx::WAV_PCM16, 0)
        .unwrap()
        .unwrap();
    assert_eq!(row.state, DownloadState::Failed);

    // A real small filesystem: a 512 KB tmpfs (root only) and the ~960 KB recording.
    let mount = tempfile::tempdir().unwrap();
    let mounted = std::process::Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=512k", "tmpfs"])
        .arg(mount.path())
        .output()
        .is_ok_and(|o| o.status.success());
    if !mounted {
        eprintln!("SKIPPED the tmpfs part: `mount -t tmpfs` needs root");
        return;
    }
    struct Unmount(PathBuf);
    impl Drop for Unmount {
        fn drop(&mut self) {
            let _ = std::process::Command::new("umount").arg(&self.0).status();
        }
    }
    let _unmount = Unmount(mount.path().to_owned());
    let (downloads, _) = downloads_on(
        &backend,
        mount.path(),
        true,
        Duration::from_secs(30),
        fast(),
    )
    .await;
    downloads.enqueue_call(fx::WAV_PCM16).await.unwrap();
    let summary = downloads.run_until_idle().await.unwrap();
    assert_eq!(summary.failed.len(), 1, "{summary:?}");
    assert_eq!(summary.failed[0].error_code.as_deref(), Some("no_space"));
    no_half_state(&downloads, mount.path(), fx::WAV_PCM16);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_queue_survives_restarts_and_obeys_pause_resume_cancel_retry() {
    let backend = backend(BackendArgs::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let (downloads, recordings) =
        downloads_on(&backend, dir.path(), true, Duration::from_secs(30), fast()).await;
    let expected = references(&recordings, fx::MULTI_SEGMENT).await;
    assert_eq!(expected.len(), 3);
    // ~300 KB/s per response: each segment takes a few seconds.
    backend
        .set_faults(Faults {
            bandwidth: Some(150_000),
            ..Faults::default()
        })
        .unwrap();
    downloads.enqueue_call(fx::MULTI_SEGMENT).await.unwrap();
    let runner = {
        let downloads = downloads.clone();
        tokio::spawn(async move { downloads.run_until_idle().await.unwrap() })
    };
    // Once bytes flow, pause segment 0 and cancel segment 1.
    let mut progress = downloads.subscribe();
    progress
        .wait_for(|p| p.items.iter().filter(|i| i.bytes > 50_000).count() >= 2)
        .await
        .unwrap();
    downloads.pause(fx::MULTI_SEGMENT, 0).unwrap();
    downloads.cancel(fx::MULTI_SEGMENT, 1).unwrap();
    backend.set_faults(Faults::default()).unwrap();
    let summary = runner.await.unwrap();
    assert_eq!(
        (summary.paused, summary.cancelled, summary.done.len()),
        (1, 1, 1),
        "{summary:?}"
    );
    let library = downloads.library();
    let paused = library.download(fx::MULTI_SEGMENT, 0).unwrap().unwrap();
    assert_eq!(paused.state, DownloadState::Paused);
    let part = dir
        .path()
        .join(format!("recordings/{}/0.part", fx::MULTI_SEGMENT));
    assert!(
        std::fs::metadata(&part).unwrap().len() > 0,
        "the paused part is kept"
    );
    assert!(library.download(fx::MULTI_SEGMENT, 1).unwrap().is_none());
    assert!(
        !dir.path()
            .join(format!("recordings/{}/1.part", fx::MULTI_SEGMENT))
            .exists()
    );
    drop(downloads);

    // A restart: the paused item stays paused until resumed, then resumes from its .part.
    let (downloads, _) =
        downloads_on(&backend, dir.path(), true, Duration::from_secs(30), fast()).await;
    let summary = downloads.run_until_idle().await.unwrap();
    assert!(summary.done.is_empty());
    let served = backend.stats().storage_bytes_served;
    downloads.resume(fx::MULTI_SEGMENT, 0).unwrap();
    downloads
        .enqueue_recording(
            fx::MULTI_SEGMENT,
            &recording_at(&downloads, fx::MULTI_SEGMENT, 1).await,
        )
        .await
        .unwrap();
    let summary = downloads.run_until_idle().await.unwrap();
    assert_eq!(summary.done.len(), 2, "{summary:?}");
    let resumed_bytes = backend.stats().storage_bytes_served - served;
    assert!(
        resumed_bytes < expected[0].1 + expected[1].1,
        "segment 0 resumed rather than restarted ({resumed_bytes} bytes)"
    );
    assert_verified(&downloads, dir.path(), fx::MULTI_SEGMENT, &expected);
    // A segment already downloaded is not fetched again.
    let again = downloads
        .enqueue_recording(
            fx::MULTI_SEGMENT,
            &recording_at(&downloads, fx::MULTI_SEGMENT, 1).await,
        )
        .await
        .unwrap();
    assert_eq!(again.state, DownloadState::Done);
    let served = backend.stats().storage_bytes_served;
    assert!(downloads.run_until_idle().await.unwrap().done.is_empty());
    assert_eq!(backend.stats().storage_bytes_served, served);

    // A process killed mid-download leaves `running`: the next start queues it again.
    downloads.remove_call(fx::MULTI_SEGMENT).unwrap();
    downloads
        .enqueue_recording(
            fx::MULTI_SEGMENT,
            &recording_at(&downloads, fx::MULTI_SEGMENT, 2).await,
        )
        .await
        .unwrap();
    let claimed = downloads.library().claim_next_download().unwrap().unwrap();
    assert_eq!(claimed.state, DownloadState::Running);
    drop(downloads);
    let (downloads, _) =
        downloads_on(&backend, dir.path(), true, Duration::from_secs(30), fast()).await;
    let row = downloads
        .library()
        .download(fx::MULTI_SEGMENT, 2)
        .unwrap()
        .unwrap();
    assert_eq!(row.state, DownloadState::Queued);
    // Queuing it again changes nothing (and resolves the call while the backend is healthy).
    let again = downloads
        .enqueue_recording(
            fx::MULTI_SEGMENT,
            &recording_at(&downloads, fx::MULTI_SEGMENT, 2).await,
        )
        .await
        .unwrap();
    assert_eq!(again.state, DownloadState::Queued);

    // Retry: a backend failing every request fails the item with a stated reason; once it
    // is healthy again a retry completes it.
    backend
        .set_faults(Faults {
            error_rate: 1.0,
            ..Faults::default()
        })
        .unwrap();
    let summary = downloads.run_until_idle().await.unwrap();
    assert_eq!(summary.failed.len(), 1, "{summary:?}");
    let failed = &summary.failed[0];
    assert_eq!(failed.state, DownloadState::Failed);
    assert!(
        failed.error_code.is_some() && failed.error_message.is_some(),
        "{failed:?}"
    );
    let row = downloads
        .library()
        .download(fx::MULTI_SEGMENT, 2)
        .unwrap()
        .unwrap();
    assert_eq!(row.error_code, failed.error_code);
    backend.set_faults(Faults::default()).unwrap();
    downloads.retry(fx::MULTI_SEGMENT, 2).unwrap();
    let summary = downloads.run_until_idle().await.unwrap();
    assert_eq!(summary.done.len(), 1, "{summary:?}");
    let file = downloads
        .library()
        .file(fx::MULTI_SEGMENT, 2)
        .unwrap()
        .unwrap();
    assert_eq!(file.sha256, expected[2].0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recovery_adopts_a_file_renamed_before_a_crash_and_sweeps_orphans() {
    let body = Arc::new(mp3ish(300_000));
    let (url, _) = range_ignoring_server(body.clone(), 0).await;
    let dir = tempfile::tempdir().unwrap();
    let call = "0b0e8d0a-1f7e-4a4e-9b8e-1c2d3e4f5a6c";
    let source = || vec![(call.to_owned(), vec![("main".to_owned(), url.clone())])];
    let downloads = fixed_queue(dir.path(), source(), fast());
    downloads.enqueue_call(call).await.unwrap();
    let done = downloads.run_until_idle().await.unwrap().done.remove(0);
    // As if killed between the rename and the `files` row: the row is missing, the download
    // still running. Plus an orphaned .part and a final file of a segment nobody queued.
    let library = downloads.library();
    library.forget_file(call, 0).unwrap();
    library
        .set_download_state(call, 0, DownloadState::Running, None)
        .unwrap();
    let call_dir = dir.path().join("recordings").join(call);
    std::fs::write(call_dir.join("7.part"), b"orphan").unwrap();
    std::fs::write(call_dir.join("8.wav"), b"RIFF orphan").unwrap();
    std::fs::write(call_dir.join("notes.txt"), b"not ours").unwrap();
    // One runner per data dir: a second process (here, a second queue) is told so.
    let second = Downloads::new(
        Arc::new(Library::open(dir.path()).unwrap()),
        Arc::new(FixedSource { calls: source() }),
        callrec_core::http::client().unwrap(),
        fast(),
    );
    let busy = second.err().expect("a second queue on the same data dir");
    assert_eq!(busy.code(), "downloads_busy");
    assert!(
        busy.to_string().contains("another Callrec process"),
        "{busy}"
    );
    drop(downloads);

    let downloads = fixed_queue(dir.path(), source(), fast());
    let file = downloads.library().file(call, 0).unwrap().unwrap();
    assert_eq!(file.sha256, done.sha256);
    assert_eq!(
        downloads
            .library()
            .download(call, 0)
            .unwrap()
            .unwrap()
            .state,
        DownloadState::Done
    );
    assert!(!call_dir.join("7.part").exists());
    assert!(!call_dir.join("8.wav").exists());
    assert!(
        call_dir.join("notes.txt").exists(),
        "files that are not ours stay"
    );
    // Nothing left to do.
    assert!(downloads.run_until_idle().await.unwrap().done.is_empty());
}

/// An item is done, and playable, before its fsync; a machine crash in between leaves a
/// `files` row not marked durable. On restart such a file is hashed again: kept if intact,
/// else deleted and downloaded again. A final file found without its row is adopted only if
/// it hashes to the SHA-256 saved before its rename.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn files_not_yet_durable_at_a_crash_are_hashed_again_on_restart() {
    let body = Arc::new(mp3ish(300_000));
    let (url, _) = range_ignoring_server(body.clone(), 0).await;
    let dir = tempfile::tempdir().unwrap();
    let intact = "1b0e8d0a-1f7e-4a4e-9b8e-1c2d3e4f5a6c";
    let zeroed = "2b0e8d0a-1f7e-4a4e-9b8e-1c2d3e4f5a6c";
    let unrecorded = "3b0e8d0a-1f7e-4a4e-9b8e-1c2d3e4f5a6c";
    let calls = [intact, zeroed, unrecorded];
    let source = || {
        calls
            .iter()
            .map(|call| ((*call).to_owned(), vec![("main".to_owned(), url.clone())]))
            .collect::<Vec<_>>()
    };
    let downloads = fixed_queue(dir.path(), source(), fast());
    for call in calls {
        downloads.enqueue_call(call).await.unwrap();
    }
    let done = downloads.run_until_idle().await.unwrap().done;
    assert_eq!(done.len(), 3);
    let sha = done[0].sha256.clone();
    assert!(done.iter().all(|f| f.sha256 == sha));
    let library = downloads.library();
    assert!(
        library.files_not_durable().unwrap().is_empty(),
        "run_until_idle returns once every file is durable"
    );
    let path_of = |call: &str| {
        dir.path()
            .join(library.file(call, 0).unwrap().unwrap().path)
    };
    // The machine stopped after each item was done, before its fsync. The first file's data
    // had reached the disk anyway; the second's had not (its length, but zeros).
    library.mark_file_durable(intact, 0, false).unwrap();
    library.mark_file_durable(zeroed, 0, false).unwrap();
    std::fs::write(path_of(zeroed), vec![0u8; body.len()]).unwrap();
    // The third was renamed, but its `files` row was lost and its bytes are not the ones hashed.
    let unrecorded_path = path_of(unrecorded);
    library.forget_file(unrecorded, 0).unwrap();
    library
        .set_download_state(unrecorded, 0, DownloadState::Running, None)
        .unwrap();
    std::fs::write(&unrecorded_path, vec![0u8; body.len()]).unwrap();
    let zeroed_path = path_of(zeroed);
    drop(downloads);

    let downloads = fixed_queue(dir.path(), source(), fast());
    let library = downloads.library();
    assert!(library.files_not_durable().unwrap().is_empty());
    let kept = library
        .file(intact, 0)
        .unwrap()
        .expect("the intact file is kept");
    assert_eq!(kept.sha256, sha);
    for call in [zeroed, unrecorded] {
        assert!(library.file(call, 0).unwrap().is_none(), "{call}");
        let download = library.download(call, 0).unwrap().unwrap();
        assert_eq!(download.state, DownloadState::Queued, "{call}");
    }
    assert!(!zeroed_path.exists() && !unrecorded_path.exists());
    let again = downloads.run_until_idle().await.unwrap();
    let mut redone: Vec<_> = again.done.iter().map(|f| f.call_id.as_str()).collect();
    redone.sort_unstable();
    assert_eq!(
        redone,
        [zeroed, unrecorded],
        "only the damaged files are fetched again"
    );
    for call in calls {
        let file = library.file(call, 0).unwrap().unwrap();
        assert_eq!(file.sha256, sha, "{call}");
        assert_eq!(std::fs::read(dir.path().join(&file.path)).unwrap(), *body);
    }
}

/// A server with two objects: `/slow` (2 MB sent 32 KB every 40 ms: about 2.5 s) and `/fast`.
async fn slow_and_fast_server(body: Arc<Vec<u8>>) -> (url::Url, url::Url) {
    use axum::body::Body;
    use axum::http::header;
    let respond = |body: Arc<Vec<u8>>, pause: Duration| {
        let chunks: Vec<bytes::Bytes> = body
            .chunks(32 * 1024)
            .map(bytes::Bytes::copy_from_slice)
            .collect();
        let stream = futures_util::stream::unfold(chunks.into_iter(), move |mut rest| async move {
            let chunk = rest.next()?;
            tokio::time::sleep(pause).await;
            Some((Ok::<_, std::io::Error>(chunk), rest))
        });
        axum::response::Response::builder()
            .header(header::CONTENT_LENGTH, body.len())
            .body(Body::from_stream(stream))
            .unwrap()
    };
    let slow = body.clone();
    let app = axum::Router::new()
        .route(
            "/slow",
            axum::routing::get(move || {
                let body = slow.clone();
                async move { respond(body, Duration::from_millis(40)) }
            }),
        )
        .route(
            "/fast",
            axum::routing::get(move || {
                let body = body.clone();
                async move { respond(body, Duration::ZERO) }
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    let url = |path: &str| url::Url::parse(&format!("{base}{path}")).unwrap();
    (url("/slow"), url("/fast"))
}

/// A call queued while another downloads starts at once when a slot is free, not after the
/// running one ends (the app's queue runs for the life of the process).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_queued_while_another_downloads_starts_at_once() {
    let body = Arc::new(mp3ish(2_000_000));
    let (slow_url, fast_url) = slow_and_fast_server(body.clone()).await;
    let dir = tempfile::tempdir().unwrap();
    let slow_call = "4b0e8d0a-1f7e-4a4e-9b8e-1c2d3e4f5a6c";
    let fast_call = "5b0e8d0a-1f7e-4a4e-9b8e-1c2d3e4f5a6c";
    let downloads = fixed_queue(
        dir.path(),
        vec![
            (slow_call.to_owned(), vec![("main".to_owned(), slow_url)]),
            (fast_call.to_owned(), vec![("main".to_owned(), fast_url)]),
        ],
        fast(),
    );
    let state_of = |progress: &downloads::Progress, call: &str| {
        progress
            .items
            .iter()
            .find(|i| i.call_id == call)
            .map(|i| (i.state, i.bytes))
    };
    let mut progress = downloads.subscribe();
    downloads.enqueue_call(slow_call).await.unwrap();
    let runner = {
        let downloads = downloads.clone();
        tokio::spawn(async move { downloads.run_until_idle().await })
    };
    tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            if matches!(state_of(&progress.borrow_and_update(), slow_call), Some((DownloadState::Running, b)) if b > 0)
            {
                break;
            }
            progress.changed().await.unwrap();
        }
    })
    .await
    .expect("the slow call starts");
    downloads.enqueue_call(fast_call).await.unwrap();
    let slow_when_fast_done = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            let now = progress.borrow_and_update().clone();
            if matches!(state_of(&now, fast_call), Some((DownloadState::Done, _))) {
                break state_of(&now, slow_call);
            }
            progress.changed().await.unwrap();
        }
    })
    .await
    .expect("the second call finishes");
    assert!(
        matches!(slow_when_fast_done, Some((DownloadState::Running, _))),
        "the second call waited for the first: {slow_when_fast_done:?}"
    );
    let summary = runner.await.unwrap().unwrap();
    assert_eq!(summary.done.len(), 2);
    assert!(summary.failed.is_empty());
}

/// Adds a call (admin API) whose main segment is a short WAV, for the filter below.
async fn add_call(
    backend: &callrec_backend::RunningBackend,
    agent: &str,
    created_at: &str,
    has_recording: bool,
) -> String {
    let key = backend.service_role_key();
    let response = reqwest::Client::new()
        .post(format!("{}/admin/v1/calls", backend.base_url()))
        .header("apikey", key)
        .bearer_auth(key)
        .json(&serde_json::json!({
            "agent_name": agent,
            "created_at": created_at,
            "has_recording": has_recording,
            "duration_seconds": 1,
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let row: serde_json::Value = response.json().await.unwrap();
    row["id"].as_str().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_filter_queues_each_matching_call_with_a_recording_once_within_the_limit() {
    let backend = backend(BackendArgs::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let (downloads, _) =
        downloads_on(&backend, dir.path(), true, Duration::from_secs(30), fast()).await;
    let lister_dir = tempfile::tempdir().unwrap();
    let session = signed_in_as(&backend, fx::USER_REVIEWER_EMAIL, lister_dir.path()).await;
    // Four calls with a recording and one without match; a fifth with a recording does not.
    let mut matching = Vec::new();
    for day in 1..=4 {
        let at = format!("2026-03-0{day}T10:00:00Z");
        matching.push(add_call(&backend, "Bulk Tester", &at, true).await);
    }
    matching.reverse(); // newest first, the query's order
    let silent = add_call(&backend, "Bulk Tester", "2026-03-05T10:00:00Z", false).await;
    let other = add_call(&backend, "Someone Else", "2026-03-06T10:00:00Z", true).await;
    // Pages of two, so the paging (and its stop at the limit) is exercised.
    let query = CallQuery {
        search: Some("Bulk Tester".into()),
        limit: 2,
        ..CallQuery::default()
    };

    let ids = downloads::matching_calls(&session, downloads.library(), &query, 1000)
        .await
        .unwrap();
    assert_eq!(ids, matching, "silent {silent}, other {other}");
    assert_eq!(
        downloads::count_matching(&session, downloads.library(), &query)
            .await
            .unwrap(),
        Some(4)
    );

    // The limit: only the newest three, in order.
    let first = downloads
        .enqueue_matching(&session, &query, 3)
        .await
        .unwrap();
    assert_eq!(
        first,
        downloads::BulkQueued {
            queued_calls: 3,
            skipped: 0,
            segments: 3,
        }
    );
    let summary = downloads.run_until_idle().await.unwrap();
    assert!(summary.failed.is_empty(), "{summary:?}");
    let mut done: Vec<&str> = summary.done.iter().map(|f| f.call_id.as_str()).collect();
    done.sort_unstable();
    let mut newest: Vec<&str> = matching[..3].iter().map(String::as_str).collect();
    newest.sort_unstable();
    assert_eq!(done, newest, "each matching call once, within the limit");

    // Again without a limit: the three downloaded are skipped, the fourth is queued.
    let second = downloads
        .enqueue_matching(&session, &query, 1000)
        .await
        .unwrap();
    assert_eq!(
        second,
        downloads::BulkQueued {
            queued_calls: 1,
            skipped: 3,
            segments: 1,
        }
    );
    let summary = downloads.run_until_idle().await.unwrap();
    let done: Vec<&str> = summary.done.iter().map(|f| f.call_id.as_str()).collect();
    assert_eq!(done, vec![matching[3].as_str()]);
    let files = downloads.library().files(None).unwrap();
    assert_eq!(files.len(), 4, "{files:?}");
    assert!(
        files
            .iter()
            .all(|f| f.call_id != silent && f.call_id != other),
        "{files:?}"
    );
}

/// The identity of the recording the library keeps at `index` for `call_id`.
async fn recording_at(downloads: &Downloads, call_id: &str, index: u32) -> String {
    downloads
        .recordings(call_id)
        .await
        .unwrap()
        .into_iter()
        .find(|record| record.index == index)
        .unwrap_or_else(|| panic!("no recording at {index}"))
        .segment_id
}

/// A server of three objects without a Content-Length (chunked), as a misbehaving storage or
/// proxy sends them: `/endless` never ends, `/sized/<n>` is `n` bytes (ETag `"v1"`, Range
/// ignored), and `/huge` announces 20 GB.
async fn unsized_server() -> url::Url {
    use axum::body::Body;
    use axum::extract::Path as UrlPath;
    use axum::http::header;
    fn chunked(bytes: impl Iterator<Item = u8> + Send + 'static) -> Body {
        let mut bytes = bytes;
        Body::from_stream(futures_util::stream::iter(std::iter::from_fn(move || {
            let chunk: Vec<u8> = bytes.by_ref().take(64 * 1024).collect();
            (!chunk.is_empty()).then(|| Ok::<_, std::io::Error>(bytes::Bytes::from(chunk)))
        })))
    }
    let pattern = |i: usize| (i * 31 % 251) as u8;
    let app = axum::Router::new()
        .route(
            "/endless",
            axum::routing::get(move || async move { chunked((0..).map(pattern)) }),
        )
        .route(
            "/sized/{n}",
            axum::routing::get(move |UrlPath(n): UrlPath<usize>| async move {
                axum::response::Response::builder()
                    .header(header::ETAG, "\"v1\"")
                    .body(chunked(mp3ish(n).into_iter()))
                    .unwrap()
            }),
        )
        .route(
            "/huge",
            axum::routing::get(move || async move {
                axum::response::Response::builder()
                    .header(header::CONTENT_LENGTH, 20_000_000_000u64)
                    .body(chunked((0..).map(pattern)))
                    .unwrap()
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = url::Url::parse(&format!("http://{}/", listener.local_addr().unwrap())).unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    url
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    format!("{:x}", sha2::Sha256::digest(bytes))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_that_never_ends_stops_at_the_bound_with_its_own_error() {
    let base = unsized_server().await;
    let dir = tempfile::tempdir().unwrap();
    let endless = "1a000000-0000-4000-8000-000000000001";
    let huge = "1a000000-0000-4000-8000-000000000002";
    let fine = "1a000000-0000-4000-8000-000000000003";
    let limit = 4_000_000;
    let downloads = fixed_queue(
        dir.path(),
        vec![
            (
                endless.into(),
                vec![("main".into(), base.join("endless").unwrap())],
            ),
            (
                huge.into(),
                vec![("main".into(), base.join("huge").unwrap())],
            ),
            (
                fine.into(),
                vec![("main".into(), base.join("sized/1500000").unwrap())],
            ),
        ],
        DownloadOptions {
            max_bytes: limit,
            ..fast()
        },
    );
    for call in [endless, huge, fine] {
        downloads.enqueue_call(call).await.unwrap();
    }
    let summary = tokio::time::timeout(Duration::from_secs(60), downloads.run_until_idle())
        .await
        .expect("an endless body must not hold the queue")
        .unwrap();
    let failed = |call: &str| {
        summary
            .failed
            .iter()
            .find(|f| f.call_id == call)
            .unwrap_or_else(|| panic!("{call} did not fail: {summary:?}"))
            .clone()
    };
    let sent = failed(endless);
    assert_eq!(
        sent.error_code.as_deref(),
        Some("recording_too_large"),
        "{sent:?}"
    );
    assert!(
        sent.error_message
            .as_deref()
            .unwrap()
            .contains("sent over 4000000 bytes"),
        "{sent:?}"
    );
    let announced = failed(huge);
    assert_eq!(announced.error_code.as_deref(), Some("recording_too_large"));
    assert!(
        announced
            .error_message
            .as_deref()
            .unwrap()
            .contains("announced 20000000000 bytes"),
        "{announced:?}"
    );
    // Nothing of either is kept to resume from, nor presented as complete.
    for call in [endless, huge] {
        assert!(downloads.library().files(Some(call)).unwrap().is_empty());
        let kept: Vec<PathBuf> = files_under(dir.path())
            .into_iter()
            .filter(|p| p.starts_with(format!("recordings/{call}")))
            .filter(|p| p.extension().is_some_and(|e| e != "part"))
            .collect();
        assert!(kept.is_empty(), "{call}: {kept:?}");
        let part = dir.path().join(format!("recordings/{call}/0.part"));
        assert!(
            !part.exists(),
            "{call}: a .part of the refused body is left"
        );
    }
    // A body without a length that does end is a recording like any other.
    assert_eq!(summary.done.len(), 1, "{summary:?}");
    assert_verified(
        &downloads,
        dir.path(),
        fine,
        &[(sha256_hex(&mp3ish(1_500_000)), 1_500_000)],
    );
}

/// A tmpfs of `size` at `at`, unmounted on drop; `None` (and why, printed) where mounting needs
/// a privilege this run lacks.
struct Tmpfs(PathBuf);

impl Tmpfs {
    fn mount(at: &Path, size: &str) -> Option<Self> {
        let output = std::process::Command::new("mount")
            .args([
                "-t",
                "tmpfs",
                "-o",
                &format!("size={size},mode=0700"),
                "tmpfs",
            ])
            .arg(at)
            .output();
        match output {
            Ok(o) if o.status.success() => Some(Self(at.to_owned())),
            other => {
                eprintln!("SKIPPED: `mount -t tmpfs` is not allowed here: {other:?}");
                None
            }
        }
    }

    fn resize(&self, size: &str) {
        let status = std::process::Command::new("mount")
            .args(["-o", &format!("remount,size={size}")])
            .arg(&self.0)
            .status()
            .unwrap();
        assert!(status.success(), "remount {size}");
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount").arg(&self.0).status();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_stops_the_transfer_and_the_next_try_succeeds_once_space_is_back() {
    let base = unsized_server().await;
    let root = tempfile::tempdir().unwrap();
    let data = root.path().join("data");
    std::fs::create_dir(&data).unwrap();
    // The whole data dir (library included) on a 3 MB disk; the body has no length, so no
    // check of free space can refuse it first: the writes themselves meet the full disk.
    let Some(disk) = Tmpfs::mount(&data, "3m") else {
        return;
    };
    let call = "1a000000-0000-4000-8000-000000000004";
    let len = 5_000_000;
    let queue = || {
        fixed_queue(
            &data,
            vec![(
                call.into(),
                vec![("main".into(), base.join(&format!("sized/{len}")).unwrap())],
            )],
            fast(),
        )
    };
    let downloads = queue();
    downloads.enqueue_call(call).await.unwrap();
    let summary = tokio::time::timeout(Duration::from_secs(60), downloads.run_until_idle())
        .await
        .unwrap()
        .expect("a full disk fails the item, not the queue");
    assert_eq!(summary.failed.len(), 1, "{summary:?}");
    let failed = &summary.failed[0];
    assert_eq!(failed.error_code.as_deref(), Some("no_space"), "{failed:?}");
    assert!(
        failed.error_message.as_deref().unwrap().contains("is full"),
        "{failed:?}"
    );
    no_half_state(&downloads, &data, call);
    assert_eq!(
        downloads
            .library()
            .download(call, 0)
            .unwrap()
            .unwrap()
            .state,
        DownloadState::Failed
    );
    drop(downloads);

    // The library was not harmed: it opens again and says the same.
    let downloads = queue();
    let row = downloads.library().download(call, 0).unwrap().unwrap();
    assert_eq!(row.state, DownloadState::Failed);
    assert_eq!(row.error_code.as_deref(), Some("no_space"));

    // Space is back: the retry completes, verified, whatever the first try left.
    disk.resize("16m");
    downloads.retry(call, 0).unwrap();
    let summary = downloads.run_until_idle().await.unwrap();
    assert!(summary.failed.is_empty(), "{summary:?}");
    assert_verified(
        &downloads,
        &data,
        call,
        &[(sha256_hex(&mp3ish(len)), len as u64)],
    );
}
