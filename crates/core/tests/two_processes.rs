//! The app and the CLI on one data dir and one keyring: migrations that race, and a refresh
//! that finds its token already rotated by the other.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use std::time::Duration;

use callrec_backend::BackendArgs;
use callrec_core::library::Library;
use callrec_core::secret::Secret;
use callrec_core::session::{KeyringInfo, MemoryStore, SessionStatus, StoreError, TokenStore};
use common::{backend, manager, memory, stored};

#[test]
fn libraries_opened_at_once_migrate_once() {
    for _ in 0..5 {
        let dir = tempfile::tempdir().unwrap();
        let start = Arc::new(Barrier::new(6));
        let openers: Vec<_> = (0..6)
            .map(|_| {
                let dir = dir.path().to_owned();
                let start = Arc::clone(&start);
                std::thread::spawn(move || {
                    start.wait();
                    Library::open(&dir).map(|_| ()).map_err(|e| e.to_string())
                })
            })
            .collect();
        for opener in openers {
            opener.join().unwrap().unwrap();
        }
        // And the result is a whole library.
        let library = Library::open(dir.path()).unwrap();
        assert!(library.query_calls("p", &Default::default(), None).is_ok());
    }
}

/// A keyring whose next `stale_loads` reads return `snapshot`: this process read the entry
/// just before the other one saved its rotated session.
struct LaggingStore {
    inner: Arc<MemoryStore>,
    snapshot: std::sync::Mutex<Option<Secret<String>>>,
    stale_loads: AtomicUsize,
}

impl TokenStore for LaggingStore {
    fn load(&self, key: &str) -> Result<Option<Secret<String>>, StoreError> {
        if self
            .stale_loads
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok()
        {
            return Ok(self.snapshot.lock().unwrap().clone());
        }
        self.inner.load(key)
    }

    fn save(&self, key: &str, value: &Secret<String>) -> Result<(), StoreError> {
        self.inner.save(key, value)
    }

    fn delete(&self, key: &str) -> Result<(), StoreError> {
        self.inner.delete(key)
    }

    fn info(&self) -> KeyringInfo {
        self.inner.info()
    }
}

#[tokio::test]
async fn a_refresh_refused_as_already_used_takes_the_session_the_other_process_saved() {
    let backend = backend(BackendArgs {
        token_lifetime: 2,
        // GoTrue's reuse grace off: a second use of a rotated token is refused at once.
        refresh_reuse_interval: 0,
        ..BackendArgs::default()
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let keyring = memory();
    let user = backend.demo_user().clone();
    let app = manager(&backend, keyring.clone(), dir.path());
    app.sign_in(&user.email, &Secret::new(user.password.clone()))
        .await
        .unwrap();
    let key = app.keyring_key(&user.id);
    let lagging = Arc::new(LaggingStore {
        inner: keyring.clone(),
        snapshot: std::sync::Mutex::new(keyring.load(&key).unwrap()),
        stale_loads: AtomicUsize::new(0),
    });
    let cli = manager(&backend, lagging.clone(), dir.path());
    assert_eq!(cli.restore().await.unwrap().status, SessionStatus::SignedIn);

    // The app refreshes twice (the CLI's token is then no longer the active one's parent,
    // which GoTrue would simply answer again) and saves each successor.
    for _ in 0..2 {
        tokio::time::sleep(Duration::from_millis(1_100)).await;
        app.access_token().await.unwrap();
    }
    let rotated = stored(keyring.as_ref(), &app, &user.id).unwrap();
    let rejections = backend.stats().refresh_reuse_rejections;

    // The CLI read the keyring just before that save: it refreshes with the retired token.
    lagging.stale_loads.store(1, Ordering::SeqCst);
    let response = cli
        .send(|http| {
            http.get(format!(
                "{}/rest/v1/calls?select=id&limit=1",
                backend.base_url()
            ))
        })
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        backend.stats().refresh_reuse_rejections > rejections,
        "the server refused the retired token"
    );
    // The CLI did not sign out: it took the app's session from the keyring (the request above
    // went out with the app's access token), and the app's saved session is still there. (Like
    // GoTrue, the backend revoked the session's refresh tokens when it saw the reuse, so both
    // will be asked to sign in at their next refresh; what matters here is that the CLI neither
    // signed itself out nor deleted the app's entry on the strength of its own stale token.)
    assert_eq!(cli.state().status, SessionStatus::SignedIn);
    assert_eq!(app.state().status, SessionStatus::SignedIn);
    let kept = stored(keyring.as_ref(), &app, &user.id).expect("the session is still saved");
    assert_eq!(kept.refresh_token, rotated.refresh_token);
    backend.shutdown().await;
}

#[tokio::test]
async fn app_and_cli_refreshing_at_once_send_the_token_once_and_both_stay_signed_in() {
    let backend = backend(BackendArgs {
        token_lifetime: 2,
        // GoTrue's reuse grace off: the same refresh token sent twice is a reuse, and the
        // server revokes the session's tokens.
        refresh_reuse_interval: 0,
        ..BackendArgs::default()
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let keyring = memory();
    let user = backend.demo_user().clone();
    let app = manager(&backend, keyring.clone(), dir.path());
    app.sign_in(&user.email, &Secret::new(user.password.clone()))
        .await
        .unwrap();
    let cli = manager(&backend, keyring.clone(), dir.path());
    assert_eq!(cli.restore().await.unwrap().status, SessionStatus::SignedIn);

    for round in 0..2 {
        // Both hold the same token, expired; both need one now.
        tokio::time::sleep(Duration::from_millis(2_100)).await;
        let grants = backend.stats().refresh_grants;
        let (from_app, from_cli) = tokio::join!(app.access_token(), cli.access_token());
        let (from_app, from_cli) = (from_app.unwrap(), from_cli.unwrap());
        assert_eq!(
            backend.stats().refresh_grants - grants,
            1,
            "round {round}: one process refreshed, the other took its session"
        );
        assert_eq!(from_app.expose(), from_cli.expose(), "round {round}");
        assert_eq!(backend.stats().refresh_reuse_rejections, 0, "round {round}");
        assert_eq!(app.state().status, SessionStatus::SignedIn);
        assert_eq!(cli.state().status, SessionStatus::SignedIn);
    }
    backend.shutdown().await;
}
