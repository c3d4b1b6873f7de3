//! No token or password reaches a log line, a file in the data dir, or the state the UI gets:
//! the whole flow — sign in, restore, expiry and refresh, a request, sign out — runs with a
//! TRACE-level subscriber capturing every crate's events (reqwest's and hyper's `log` records
//! included, through the log bridge), then everything written is searched for every token the
//! session ever held. Its own test binary: the subscriber is process-global.

mod common;

use std::io::Write;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use callrec_backend::BackendArgs;
use callrec_core::secret::Secret;
use callrec_core::session::{SessionStatus, TokenStore};
use common::{backend, manager, memory, stored};

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

fn files_under(dir: &Path) -> Vec<(String, String)> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            found.extend(files_under(&path));
        } else {
            let bytes = std::fs::read(&path).unwrap();
            found.push((
                path.display().to_string(),
                String::from_utf8_lossy(&bytes).into_owned(),
            ));
        }
    }
    found
}

#[tokio::test(flavor = "multi_thread")]
async fn no_token_or_password_in_logs_files_or_state() {
    let captured = Captured::default();
    let writer = captured.clone();
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .try_init()
        .expect("the only subscriber in this test binary");

    // The real keyring when there is one (its D-Bus traffic is logged too), else memory.
    let store: Arc<dyn TokenStore> =
        match common::secret_service_or_skip("no_token_…: the real-keyring part") {
            Some(keyring) => keyring,
            None => memory(),
        };
    let backend = backend(BackendArgs {
        token_lifetime: 2,
        ..BackendArgs::default()
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let user = backend.demo_user();
    let password = Secret::new(user.password.clone());
    let mut secrets: Vec<String> = vec![user.password.clone()];
    let mut states = Vec::new();

    let session = manager(&backend, store.clone(), dir.path());
    states.push(session.sign_in(&user.email, &password).await.unwrap());
    let first = stored(store.as_ref(), &session, &user.id).unwrap();
    secrets.push(first.refresh_token.expose().clone());
    secrets.push(first.access_token.clone().unwrap().expose().clone());
    let files_while_signed_in = files_under(dir.path());

    // Restore in a new manager: the stored token is due, so this refreshes.
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    let restored = manager(&backend, store.clone(), dir.path());
    states.push(restored.restore().await.unwrap());
    assert_eq!(states.last().unwrap().status, SessionStatus::SignedIn);
    let second = stored(store.as_ref(), &restored, &user.id).unwrap();
    secrets.push(second.refresh_token.expose().clone());
    secrets.push(second.access_token.clone().unwrap().expose().clone());

    // Expiry → a refresh inside a request.
    tokio::time::sleep(Duration::from_millis(2_100)).await;
    let url = format!("{}/rest/v1/calls?select=id&limit=1", backend.base_url());
    let response = restored.send(|http| http.get(&url)).await.unwrap();
    assert_eq!(response.status(), 200);
    let third = stored(store.as_ref(), &restored, &user.id).unwrap();
    secrets.push(third.refresh_token.expose().clone());
    secrets.push(third.access_token.clone().unwrap().expose().clone());
    assert_eq!(backend.stats().refresh_grants, 2, "both refreshes happened");
    states.push(restored.state());

    // A refused sign-in and a sign-out, for their log lines too.
    let _ = session
        .sign_in(&user.email, &Secret::new("wrong-password".into()))
        .await;
    states.push(restored.sign_out().await.unwrap());
    let files_after = files_under(dir.path());
    backend.shutdown().await;

    let log = captured.text();
    if std::env::var_os("CALLREC_DUMP_LOG").is_some() {
        std::fs::write("/tmp/callrec-trace.log", &log).unwrap();
    }
    // The capture really holds the HTTP stack's TRACE output, not just ours.
    assert!(log.contains("TRACE"), "no TRACE lines captured");
    assert!(
        log.contains("reqwest") || log.contains("hyper"),
        "reqwest/hyper logs were not captured:\n{log}"
    );
    assert!(log.contains("refresh"), "our own events are there too");
    for secret in &secrets {
        assert!(secret.len() >= 8, "a token too short to search for");
        assert!(!log.contains(secret.as_str()), "a secret is in the log");
        for (path, text) in files_while_signed_in.iter().chain(&files_after) {
            assert!(!text.contains(secret.as_str()), "a secret is in {path}");
        }
        for state in &states {
            let json = serde_json::to_string(state).unwrap();
            assert!(!json.contains(secret.as_str()), "a secret is in {json}");
        }
    }
    // The files that exist are the non-secret ones.
    let names: Vec<_> = files_while_signed_in
        .iter()
        .map(|(path, _)| path.clone())
        .collect();
    assert!(
        names.iter().any(|name| name.ends_with("profiles.toml")),
        "{names:?}"
    );
}
