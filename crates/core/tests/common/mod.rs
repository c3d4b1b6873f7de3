//! Helpers shared by the core's integration tests.
#![allow(dead_code)]

use std::io::Write;
use std::sync::Arc;

use callrec_backend::{BackendArgs, RunningBackend};
use callrec_core::config::{ProjectConfig, parse_base_url};
use callrec_core::secret::Secret;
use callrec_core::session::{
    KeyringBackend, KeyringStore, MemoryStore, SessionManager, StoredSession, TokenStore,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

pub fn project(url: &str, key: &str) -> ProjectConfig {
    let url = parse_base_url("test", url).unwrap();
    ProjectConfig {
        functions_url: url.join("functions/v1").unwrap(),
        signed_url_functions_url: url.join("functions/v1").unwrap(),
        supabase_url: url,
        anon_key: Secret::new(key.to_owned()),
        signed_url_api_key: None,
        columns: Default::default(),
    }
}

pub async fn backend(args: BackendArgs) -> RunningBackend {
    callrec_backend::start(BackendArgs { calls: 5, ..args })
        .await
        .unwrap()
}

pub fn backend_project(backend: &RunningBackend) -> ProjectConfig {
    project(backend.base_url(), backend.anon_key())
}

/// A manager on `backend` over `store`, keeping its files in `dir`.
pub fn manager(
    backend: &RunningBackend,
    store: Arc<dyn TokenStore>,
    dir: &std::path::Path,
) -> SessionManager {
    SessionManager::new(
        callrec_core::http::client().unwrap(),
        backend_project(backend),
        store,
        dir,
    )
}

pub fn memory() -> Arc<MemoryStore> {
    Arc::new(MemoryStore::new())
}

/// The session `manager` keeps for `user_id` in `store`, decoded (tests look at the tokens).
pub fn stored(
    store: &dyn TokenStore,
    manager: &SessionManager,
    user_id: &str,
) -> Option<StoredSession> {
    store
        .load(&manager.keyring_key(user_id))
        .unwrap()
        .map(|value| StoredSession::decode(&value).unwrap())
}

/// An HTTP server answering every request with `response`, verbatim.
pub async fn canned_server(response: String) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let response = response.clone();
            tokio::spawn(async move {
                let mut buffer = [0u8; 8192];
                let _ = socket.read(&mut buffer).await;
                let _ = socket.write_all(response.as_bytes()).await;
                let _ = socket.shutdown().await;
            });
        }
    });
    url
}

/// An HTTP/1.1 response with `body` and the given extra header lines.
pub fn http_response(status: &str, content_type: &str, headers: &[&str], body: &str) -> String {
    let mut text = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    for header in headers {
        text.push_str(header);
        text.push_str("\r\n");
    }
    text.push_str("\r\n");
    text.push_str(body);
    text
}

/// The real Secret Service keyring, or `None` after saying why this test is skipped. With
/// `CALLREC_REQUIRE_KEYRING=1` (CI) a missing keyring fails the test instead.
pub fn secret_service_or_skip(test: &str) -> Option<Arc<KeyringStore>> {
    let reason = if std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_none() {
        "DBUS_SESSION_BUS_ADDRESS is unset (no session bus)".to_owned()
    } else {
        match KeyringStore::new() {
            Ok(store) if store.info().backend == KeyringBackend::SecretService => {
                return Some(Arc::new(store));
            }
            Ok(store) => format!(
                "no Secret Service answered on the session bus (the keyring fell back to {:?})",
                store.info().backend
            ),
            Err(error) => format!("no keyring: {error}"),
        }
    };
    skip_or_fail(test, &reason);
    None
}

/// Prints the reason past the test harness's capture (a skip must be visible), or panics
/// when CI requires the keyring.
pub fn skip_or_fail(test: &str, reason: &str) {
    if std::env::var("CALLREC_REQUIRE_KEYRING").is_ok_and(|v| v == "1") {
        panic!("{test}: CALLREC_REQUIRE_KEYRING=1 but {reason}");
    }
    let _ = writeln!(
        std::io::stderr(),
        "SKIPPED {test}: {reason}. Run under `dbus-run-session` with gnome-keyring unlocked (see scripts/test), or set CALLREC_REQUIRE_KEYRING=1 to make this a failure."
    );
}

/// An HTTP server answering each request with the response of the first route whose path
/// prefix the request line's path starts with (404 otherwise), verbatim.
pub async fn routed_server(routes: Vec<(&'static str, String)>) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let routes = Arc::new(routes);
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let routes = routes.clone();
            tokio::spawn(async move {
                let mut buffer = [0u8; 16384];
                let n = socket.read(&mut buffer).await.unwrap_or(0);
                let request = String::from_utf8_lossy(&buffer[..n]);
                let path = request.split_whitespace().nth(1).unwrap_or("/").to_owned();
                let response = routes
                    .iter()
                    .find(|(prefix, _)| path.starts_with(prefix))
                    .map(|(_, response)| response.clone())
                    .unwrap_or_else(|| http_response("404 Not Found", "text/plain", &[], "no"));
                let _ = socket.write_all(response.as_bytes()).await;
                let _ = socket.shutdown().await;
            });
        }
    });
    url
}

/// A manager on `backend` (in-memory store) signed in as `email` with the demo password.
pub async fn signed_in_as(
    backend: &RunningBackend,
    email: &str,
    dir: &std::path::Path,
) -> SessionManager {
    let session = manager(backend, memory(), dir);
    session
        .sign_in(
            email,
            &Secret::new(callrec_backend::fixtures::DEMO_PASSWORD.to_owned()),
        )
        .await
        .unwrap();
    session
}

/// Like [`canned_server`], counting the requests it answered.
pub async fn counting_server(response: String) -> (String, Arc<std::sync::atomic::AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let count = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = count.clone();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let response = response.clone();
            let counter = counter.clone();
            tokio::spawn(async move {
                let mut buffer = [0u8; 8192];
                let _ = socket.read(&mut buffer).await;
                counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let _ = socket.write_all(response.as_bytes()).await;
                let _ = socket.shutdown().await;
            });
        }
    });
    (url, count)
}

/// A download queue on `backend`, signed in as the demo reviewer, its library in `dir`.
/// `only_stored`: endpoint B only (one segment per call, the stored copy); `margin`: how long
/// before expiry a URL is resolved again.
pub async fn downloads_on(
    backend: &RunningBackend,
    dir: &std::path::Path,
    only_stored: bool,
    margin: std::time::Duration,
    options: callrec_core::downloads::DownloadOptions,
) -> (
    callrec_core::downloads::Downloads,
    callrec_core::recordings::Recordings,
) {
    use callrec_core::downloads::{Downloads, RecordingsSource};
    use callrec_core::recordings::{EndpointSettings, Recordings};
    let session = signed_in_as(backend, callrec_backend::fixtures::USER_REVIEWER_EMAIL, dir).await;
    let mut settings = EndpointSettings::from_project(session.project());
    if only_stored {
        settings.call_recording = None;
    }
    let recordings = Recordings::new(session, callrec_core::http::client().unwrap(), settings);
    let library = Arc::new(callrec_core::library::Library::open(dir).unwrap());
    let source = RecordingsSource {
        recordings: recordings.clone(),
        margin,
    };
    let downloads = Downloads::new(
        library,
        Arc::new(source),
        callrec_core::http::client().unwrap(),
        options,
    )
    .unwrap();
    (downloads, recordings)
}

/// SHA-256 (hex) and length of what a plain GET of `url` returns: the reference.
pub async fn sha256_of_url(url: &url::Url) -> (String, u64) {
    use sha2::Digest;
    let mut response = reqwest::get(url.clone()).await.unwrap();
    assert_eq!(response.status(), 200, "reference GET");
    let mut hasher = sha2::Sha256::new();
    let mut len = 0u64;
    while let Some(chunk) = response.chunk().await.unwrap() {
        hasher.update(&chunk);
        len += chunk.len() as u64;
    }
    (format!("{:x}", hasher.finalize()), len)
}

/// SHA-256 (hex) of a file.
pub fn sha256_of_file(path: &std::path::Path) -> String {
    use sha2::Digest;
    use std::io::Read;
    let mut file = std::fs::File::open(path).unwrap();
    let mut hasher = sha2::Sha256::new();
    let mut buffer = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut buffer).unwrap();
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
    }
    format!("{:x}", hasher.finalize())
}

/// Every file under `dir`, recursively (relative paths).
pub fn files_under(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(at) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&at) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push(path.strip_prefix(dir).unwrap().to_path_buf());
            }
        }
    }
    out.sort();
    out
}
