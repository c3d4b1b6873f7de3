//! The remote reader against the real backend's stores: a segment streamed in Range reads and
//! one downloaded, each across several lifetimes of a 5-second signed URL, complete and
//! byte-identical; retries of 5xx and dropped connections; refused URLs and schemes.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use callrec_backend::fixtures as fx;
use callrec_backend::{BackendArgs, Faults, RunningBackend};
use callrec_core::ErrorCode;
use callrec_core::recordings::{Endpoint, EndpointSettings, Recordings, Resolved};
use callrec_core::remote::{
    BlockingReader, BoxFuture, EXPIRY_MARGIN, FixedUrl, LeasedUrl, ReaderOptions, RemoteError,
    RemoteReader, UrlLease,
};
use callrec_core::secret::Secret;
use common::*;
use futures_util::StreamExt;
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

async fn resolved(
    backend: &RunningBackend,
    dir: &std::path::Path,
    call: &str,
) -> (Recordings, Resolved) {
    let session = signed_in_as(backend, fx::USER_REVIEWER_EMAIL, dir).await;
    let recordings = Recordings::new(
        session.clone(),
        callrec_core::http::client().unwrap(),
        EndpointSettings::from_project(session.project()),
    );
    let resolved = recordings.resolve(call).await.unwrap();
    (recordings, resolved)
}

/// The object's bytes, fetched in one plain GET while the URL is fresh (the reference).
async fn reference(url: &Secret<url::Url>) -> Vec<u8> {
    let response = reqwest::get(url.expose().clone()).await.unwrap();
    assert_eq!(response.status(), 200);
    response.bytes().await.unwrap().to_vec()
}

fn sha(bytes: &[u8]) -> String {
    format!("{:x}", Sha256::digest(bytes))
}

/// A lease as seen from a clock far behind storage's: the last URL always looks fresh, so
/// only a refusal renews it.
struct LaggingClock {
    inner: Arc<dyn UrlLease>,
    last: tokio::sync::Mutex<Option<LeasedUrl>>,
}

impl UrlLease for LaggingClock {
    fn current(&self) -> BoxFuture<'_, Result<LeasedUrl, RemoteError>> {
        Box::pin(async move {
            let mut last = self.last.lock().await;
            if last.is_none() {
                *last = Some(self.inner.current().await?);
            }
            Ok(last.clone().unwrap())
        })
    }

    fn refused<'a>(
        &'a self,
        stale: &'a LeasedUrl,
    ) -> BoxFuture<'a, Result<LeasedUrl, RemoteError>> {
        Box::pin(async move {
            let renewed = self.inner.refused(stale).await?;
            *self.last.lock().await = Some(renewed.clone());
            Ok(renewed)
        })
    }
}

fn fast_retries() -> ReaderOptions {
    ReaderOptions {
        min_delay: Duration::from_millis(20),
        max_delay: Duration::from_millis(200),
        max_retries: 10,
        ..ReaderOptions::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streamed_and_downloaded_across_several_url_expiries() {
    let backend = backend(BackendArgs {
        url_lifetime: 5,
        ..BackendArgs::default()
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let (recordings, resolved) = resolved(&backend, dir.path(), fx::WAV_PCM16).await;
    // The Ultravox copy (a GCS V4 URL) is streamed; B's stored segment (a Supabase Storage
    // token URL) is downloaded. Both are 30 s of 16 kHz PCM: ~960 KB.
    let streamed = resolved.by_slot("a:main:0").unwrap().clone();
    let downloaded = resolved.by_slot("b:main:0").unwrap().clone();
    assert_eq!(downloaded.endpoint, Endpoint::SignedRecordingUrl);
    let streamed_ref = reference(&streamed.url).await;
    let downloaded_ref = reference(&downloaded.url).await;
    assert!(streamed_ref.len() > 900_000, "{}", streamed_ref.len());

    // 64 KB/s: each transfer takes ~15 s, three URL lifetimes; the download's connection is
    // also cut every 150 KB (~2.3 s), so it must reopen on URLs that have expired meanwhile.
    backend
        .set_faults(Faults {
            bandwidth: Some(64_000),
            drop_after: Some(150_000),
            ..Faults::default()
        })
        .unwrap();
    let http = callrec_core::http::client().unwrap();

    // The player's way: 64 KB Range reads. With the 30 s margin, a 5-s URL is always due, so
    // every read starts on a freshly resolved URL; no read ever sees a refusal.
    let stream_lease = recordings.lease(fx::WAV_PCM16, &streamed, EXPIRY_MARGIN);
    let player = RemoteReader::new(http.clone(), stream_lease.clone(), fast_retries());
    // The downloader's way: one stream from byte 0, on a computer whose clock lags storage's:
    // it believes each URL is still good, so it only learns of the expiry from storage's
    // refusal (Supabase Storage's 400 InvalidJWT), the harder path.
    let download_lease = recordings.lease(fx::WAV_PCM16, &downloaded, Duration::ZERO);
    let skewed: Arc<dyn UrlLease> = Arc::new(LaggingClock {
        inner: download_lease.clone(),
        last: tokio::sync::Mutex::new(None),
    });
    let downloader = RemoteReader::new(http.clone(), skewed, fast_retries());

    let started = Instant::now();
    let play = async {
        let mut bytes = Vec::new();
        loop {
            let chunk = player
                .read_range(bytes.len() as u64, 64 * 1024)
                .await
                .unwrap();
            if chunk.is_empty() {
                break;
            }
            bytes.extend_from_slice(&chunk);
        }
        bytes
    };
    let part = dir.path().join("b-main.wav.part");
    let download = async {
        let mut file = tokio::fs::File::create(&part).await.unwrap();
        let mut stream = std::pin::pin!(downloader.stream_from(0));
        while let Some(chunk) = stream.next().await {
            file.write_all(&chunk.unwrap()).await.unwrap();
        }
        file.flush().await.unwrap();
    };
    let (played, ()) = tokio::join!(play, download);
    let elapsed = started.elapsed();
    let saved = std::fs::read(&part).unwrap();

    assert_eq!(played.len(), streamed_ref.len());
    assert_eq!(sha(&played), sha(&streamed_ref));
    assert_eq!(saved.len(), downloaded_ref.len());
    assert_eq!(sha(&saved), sha(&downloaded_ref));
    assert_eq!(player.total_len(), Some(streamed_ref.len() as u64));
    assert_eq!(downloader.total_len(), Some(downloaded_ref.len() as u64));
    assert!(
        elapsed > Duration::from_secs(12),
        "the transfers spanned {elapsed:?}"
    );
    eprintln!(
        "expiry test: {:?}; player {:?}, {} resolves; downloader {:?}, {} resolves",
        elapsed,
        player.stats(),
        stream_lease.resolves(),
        downloader.stats(),
        download_lease.resolves()
    );
    // The streamed segment was renewed before use, never refused.
    assert!(stream_lease.resolves() >= 3, "{}", stream_lease.resolves());
    assert_eq!(player.stats().refusals, 0);
    // The download met expired URLs (storage's 400) and resolved again each time.
    assert!(downloader.stats().refusals >= 1, "{:?}", downloader.stats());
    assert!(download_lease.resolves() >= 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_errors_and_drops_are_retried_and_reads_stay_exact() {
    let backend = backend(BackendArgs::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let (_, resolved) = resolved(&backend, dir.path(), fx::MULTI_SEGMENT).await;
    let segment = resolved.by_slot("b:transfer_conference:0").unwrap();
    let whole = reference(&segment.url).await;
    backend
        .set_faults(Faults {
            error_rate: 0.3,
            drop_after: Some(50_000),
            ..Faults::default()
        })
        .unwrap();
    let reader = RemoteReader::new(
        callrec_core::http::client().unwrap(),
        Arc::new(FixedUrl(segment.url.clone())),
        fast_retries(),
    );
    // Arbitrary windows (a seek's read), including one past the end and one across it.
    let len = whole.len() as u64;
    for (start, count) in [
        (0, 44),
        (1000, 120_000),
        (len - 10, 100),
        (len, 10),
        (len / 2, 1),
    ] {
        let got = reader.read_range(start, count).await.unwrap();
        let end = (start + count).min(len) as usize;
        assert_eq!(
            &got[..],
            &whole[start.min(len) as usize..end],
            "{start}+{count}"
        );
    }
    let mut streamed = Vec::new();
    let mut stream = std::pin::pin!(reader.stream_from(len / 3));
    while let Some(chunk) = stream.next().await {
        streamed.extend_from_slice(&chunk.unwrap());
    }
    assert_eq!(sha(&streamed), sha(&whole[(len / 3) as usize..]));
    let stats = reader.stats();
    assert!(stats.retries > 0, "{stats:?}");

    // The decoder's synchronous view, from a thread of its own.
    let blocking = BlockingReader::new(reader.clone(), tokio::runtime::Handle::current());
    let whole_for_thread = whole.clone();
    std::thread::spawn(move || {
        let mut buf = vec![0u8; 4096];
        let n = blocking.read_at(100, &mut buf).unwrap();
        assert_eq!(&buf[..n], &whole_for_thread[100..4196]);
        assert_eq!(blocking.read_at(len, &mut buf).unwrap(), 0);
        assert_eq!(blocking.total_len(), Some(len));
    })
    .join()
    .unwrap();
    // Its length is known before the first read when asked for.
    let fresh = RemoteReader::new(
        callrec_core::http::client().unwrap(),
        Arc::new(FixedUrl(segment.url.clone())),
        fast_retries(),
    );
    assert_eq!(fresh.total_len(), None);
    assert_eq!(fresh.fetch_len().await.unwrap(), Some(len));
}

#[tokio::test]
async fn refused_urls_and_schemes_end_with_clear_errors() {
    let backend = backend(BackendArgs::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let (_, resolved) = resolved(&backend, dir.path(), fx::WAV_PCM16).await;
    let http = callrec_core::http::client().unwrap();

    // A tampered signature cannot be renewed by a fixed lease: a few refusals, then an error
    // whose message has no signature in it.
    let mut tampered = resolved.by_slot("b:main:0").unwrap().url.expose().clone();
    tampered.set_query(Some("token=eyJhbGciOiJIUzI1NiJ9.e30.bad"));
    let reader = RemoteReader::new(
        http.clone(),
        Arc::new(FixedUrl(Secret::new(tampered))),
        fast_retries(),
    );
    let error = reader.read_range(0, 10).await.unwrap_err();
    assert_eq!(error.code(), "storage_refused");
    assert!(!error.to_string().contains("eyJ"), "{error}");
    assert!(error.to_string().contains("?…"), "{error}");

    for raw in ["file:///etc/passwd", "http://example.com/a.wav"] {
        let lease: Arc<dyn UrlLease> = Arc::new(FixedUrl(Secret::new(raw.parse().unwrap())));
        let error = RemoteReader::new(http.clone(), lease, fast_retries())
            .read_range(0, 10)
            .await
            .unwrap_err();
        assert_eq!(error.code(), "unsafe_url", "{raw}");
    }

    // A redirect off https (to a non-loopback http host) is not followed.
    let redirector = canned_server(http_response(
        "302 Found",
        "text/plain",
        &["Location: http://example.com/a.wav"],
        "",
    ))
    .await;
    let lease: Arc<dyn UrlLease> = Arc::new(FixedUrl(Secret::new(
        format!("{redirector}/a.wav").parse().unwrap(),
    )));
    let error = RemoteReader::new(http.clone(), lease, fast_retries())
        .read_range(0, 10)
        .await
        .unwrap_err();
    assert_eq!(error.code(), "unreachable");
    assert!(error.to_string().contains("redirect"), "{error}");
}

/// Captures what `callrec_core` logs, at TRACE.
#[derive(Clone, Default)]
struct Captured(Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

// Current-thread runtime: the thread-local subscriber sees every task of the test.
#[tokio::test(flavor = "current_thread")]
async fn no_signed_url_reaches_a_log_line() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new("callrec_core=trace"))
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let backend = backend(BackendArgs {
        url_lifetime: 5,
        ..BackendArgs::default()
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let (recordings, resolved) = resolved(&backend, dir.path(), fx::MULTI_SEGMENT_PENDING).await;
    let http = callrec_core::http::client().unwrap();
    let mut queries = Vec::new();
    for segment in &resolved.segments {
        queries.push(segment.url.expose().query().unwrap_or("").to_owned());
        let lease = recordings.lease(fx::MULTI_SEGMENT_PENDING, segment, EXPIRY_MARGIN);
        let reader = RemoteReader::new(http.clone(), lease.clone(), fast_retries());
        assert_eq!(reader.read_range(0, 4).await.unwrap().len(), 4);
        assert!(lease.resolves() >= 1, "a 5-s URL is renewed before use");
        let url = recordings
            .resolve(fx::MULTI_SEGMENT_PENDING)
            .await
            .unwrap()
            .segment(&segment.id)
            .unwrap()
            .url
            .clone();
        queries.push(url.expose().query().unwrap_or("").to_owned());
    }
    // And a refusal, whose error is logged by whoever shows it.
    let mut tampered = resolved.segments[0].url.expose().clone();
    tampered.set_query(Some("token=eyJhbGciOiJIUzI1NiJ9.e30.bad"));
    let error = RemoteReader::new(
        http,
        Arc::new(FixedUrl(Secret::new(tampered))),
        fast_retries(),
    )
    .read_range(0, 4)
    .await
    .unwrap_err();
    tracing::warn!("{error}");
    let text = String::from_utf8_lossy(&captured.0.lock().unwrap()).into_owned();
    assert!(text.contains("resolved the recording URL again"), "{text}");
    assert!(text.contains("?…"), "redacted URLs are logged: {text}");
    for query in queries.iter().filter(|q| !q.is_empty()) {
        assert!(
            !text.contains(query.as_str()),
            "a signed query was logged: {text}"
        );
    }
    for secret in [
        "token=",
        "Signature=",
        "X-Goog-Signature",
        "eyJhbGciOiJIUzI1NiJ9.e30",
    ] {
        assert!(!text.contains(secret), "{secret} logged: {text}");
    }
}
