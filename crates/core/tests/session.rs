//! `SessionManager` against the local backend: sign-in, restore in a new manager, sign-out,
//! single-flight refresh under load, the 401 path, and sessions the server ends (refresh-token
//! reuse, sign-out elsewhere). The keyring here is the in-memory store; `keyring.rs` runs the
//! same life cycle on the real Secret Service.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use callrec_backend::{BackendArgs, RunningBackend};
use callrec_core::ErrorCode;
use callrec_core::auth::{AuthClient, LogoutScope};
use callrec_core::secret::Secret;
use callrec_core::session::{
    CurrentSession, MAX_STORED_BYTES, SessionError, SessionManager, SessionStatus, SignInRequest,
    TokenStore,
};
use common::{backend, backend_project, manager, memory, stored};

fn password(text: &str) -> Secret<String> {
    Secret::new(text.to_owned())
}

/// A manager on `backend` with the demo user signed in.
async fn signed_in(
    backend: &RunningBackend,
    store: Arc<dyn TokenStore>,
    dir: &std::path::Path,
) -> SessionManager {
    let user = backend.demo_user();
    let session = manager(backend, store, dir);
    session
        .sign_in(&user.email, &password(&user.password))
        .await
        .unwrap();
    session
}

fn calls_url(backend: &RunningBackend) -> String {
    format!("{}/rest/v1/calls?select=id&limit=1", backend.base_url())
}

#[tokio::test]
async fn sign_in_restore_in_a_new_manager_and_sign_out() {
    let backend = backend(BackendArgs::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let store = memory();
    let user = backend.demo_user();
    let first = manager(&backend, store.clone(), dir.path());
    let state = first
        .sign_in(&user.email, &password(&user.password))
        .await
        .unwrap();
    assert_eq!(state.status, SessionStatus::SignedIn);
    assert_eq!(state.user.as_ref().unwrap().email, user.email);
    assert_eq!(store.keys(), vec![first.keyring_key(&user.id)]);
    assert_eq!(
        first.keyring_key(&user.id),
        format!(
            "{}/{}",
            backend.base_url().trim_start_matches("http://"),
            user.id
        ),
        "<host>/<user id>"
    );
    let profiles = std::fs::read_to_string(dir.path().join("profiles.toml")).unwrap();
    assert!(
        profiles.contains(&user.id) && profiles.contains(&user.email),
        "{profiles}"
    );

    // A new manager (as at the next launch) finds the session through profiles.toml and the
    // keyring, and confirms it with the server.
    let users_before = backend.stats().user_requests;
    let second = manager(&backend, store.clone(), dir.path());
    assert_eq!(second.state().status, SessionStatus::SignedOut);
    let restored = second.restore().await.unwrap();
    assert_eq!(restored.status, SessionStatus::SignedIn);
    assert_eq!(restored.user, state.user);
    assert_eq!(backend.stats().user_requests, users_before + 1);
    let response = second
        .send(|http| http.get(calls_url(&backend)))
        .await
        .unwrap();
    assert_eq!(response.status(), 200);

    let logouts = backend.stats().logouts;
    let out = second.sign_out().await.unwrap();
    assert_eq!(out.status, SessionStatus::SignedOut);
    assert!(out.user.is_none());
    assert!(store.load(&second.keyring_key(&user.id)).unwrap().is_none());
    assert!(store.keys().is_empty());
    assert_eq!(
        backend.stats().logouts,
        logouts + 1,
        "the server session is ended too"
    );
    let profiles = std::fs::read_to_string(dir.path().join("profiles.toml")).unwrap();
    assert!(!profiles.contains(&user.id), "{profiles}");
    assert!(matches!(
        second.access_token().await,
        Err(SessionError::NotSignedIn)
    ));
    // And the next launch is signed out, without a notice.
    let third = manager(&backend, store.clone(), dir.path());
    let state = third.restore().await.unwrap();
    assert_eq!(state.status, SessionStatus::SignedOut);
    assert!(state.notice.is_none());
    backend.shutdown().await;
}

#[tokio::test]
async fn a_refused_sign_in_keeps_nothing() {
    let backend = backend(BackendArgs::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let store = memory();
    let session = manager(&backend, store.clone(), dir.path());
    let error = session
        .sign_in(&backend.demo_user().email, &password("wrong"))
        .await
        .unwrap_err();
    assert_eq!(error.code(), "invalid_credentials");
    assert_eq!(error.kind(), callrec_core::ErrorKind::Auth);
    assert!(store.keys().is_empty());
    assert!(!dir.path().join("profiles.toml").exists());
    assert_eq!(session.state().status, SessionStatus::SignedOut);
    backend.shutdown().await;
}

#[tokio::test]
async fn the_stored_form_for_the_demo_user_fits_with_its_access_token() {
    let backend = backend(BackendArgs::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let store = memory();
    let session = signed_in(&backend, store.clone(), dir.path()).await;
    let user = backend.demo_user();
    let value = store.load(&session.keyring_key(&user.id)).unwrap().unwrap();
    let json: serde_json::Value = serde_json::from_str(value.expose()).unwrap();
    assert_eq!(json["v"], 1);
    assert_eq!(json["user_id"], user.id.as_str());
    assert_eq!(json["email"], user.email.as_str());
    assert!(json["expires_at"].as_i64().unwrap() > 0);
    assert!(json["refresh_token"].is_string());
    assert!(
        json["access_token"].is_string(),
        "the demo user's token fits"
    );
    let bytes = value.expose().len();
    assert!(bytes <= MAX_STORED_BYTES);
    println!("stored form for the demo user: {bytes} bytes");
    backend.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_concurrent_requests_after_expiry_make_exactly_one_refresh() {
    let backend = backend(BackendArgs {
        token_lifetime: 5,
        ..BackendArgs::default()
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let store = memory();
    let session = signed_in(&backend, store.clone(), dir.path()).await;
    let user = backend.demo_user();
    let before = stored(store.as_ref(), &session, &user.id).unwrap();
    // Past the token's expiry: every request below needs a new one.
    tokio::time::sleep(Duration::from_millis(5_500)).await;
    let stats = backend.stats();

    let url = calls_url(&backend);
    let tasks: Vec<_> = (0..50)
        .map(|_| {
            let session = session.clone();
            let url = url.clone();
            tokio::spawn(async move { session.send(|http| http.get(&url)).await })
        })
        .collect();
    for task in tasks {
        let response = task.await.unwrap().unwrap();
        assert_eq!(response.status(), 200);
    }
    let after = backend.stats();
    assert_eq!(
        after.refresh_grants - stats.refresh_grants,
        1,
        "one refresh for 50 requests"
    );
    assert_eq!(
        after.rest_requests - stats.rest_requests,
        50,
        "no request was retried"
    );
    let now = stored(store.as_ref(), &session, &user.id).unwrap();
    assert_ne!(
        now.refresh_token, before.refresh_token,
        "the rotated token was stored"
    );
    assert!(now.expires_at > before.expires_at);
    backend.shutdown().await;
}

/// Which REST requests the proxy refuses.
#[derive(Clone, PartialEq)]
enum Poison {
    Nothing,
    /// Requests carrying this access token.
    Token(String),
    Everything,
}

/// A proxy in front of the backend that answers poisoned REST requests with PostgREST's 401,
/// as after a JWT-secret rotation: the token still looks valid to the client.
async fn rejecting_proxy(
    backend: &RunningBackend,
    poison: Arc<std::sync::Mutex<Poison>>,
    rejections: Arc<AtomicUsize>,
) -> String {
    use axum::body::Body;
    use axum::extract::Request;
    use axum::response::{IntoResponse, Response};

    let upstream = backend.base_url().to_owned();
    let http = reqwest::Client::new();
    let handler = move |request: Request| {
        let upstream = upstream.clone();
        let http = http.clone();
        let poison = poison.clone();
        let rejections = rejections.clone();
        async move {
            let bearer = request
                .headers()
                .get("authorization")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.strip_prefix("Bearer "))
                .map(str::to_owned);
            let refused = match (&*poison.lock().unwrap(), &bearer) {
                (Poison::Everything, _) => true,
                (Poison::Token(token), Some(bearer)) => token == bearer,
                _ => false,
            };
            if refused && request.uri().path().starts_with("/rest/") {
                rejections.fetch_add(1, Ordering::SeqCst);
                return (
                    axum::http::StatusCode::UNAUTHORIZED,
                    axum::Json(serde_json::json!({"code":"PGRST301","details":null,"hint":null,"message":"No suitable key or wrong key type"})),
                )
                    .into_response();
            }
            let url = format!(
                "{upstream}{}",
                request
                    .uri()
                    .path_and_query()
                    .map(|p| p.as_str())
                    .unwrap_or("/")
            );
            let method = request.method().clone();
            let mut headers = request.headers().clone();
            headers.remove("host");
            let body = axum::body::to_bytes(request.into_body(), 1 << 20)
                .await
                .unwrap();
            let answer = http
                .request(method, url)
                .headers(headers)
                .body(body)
                .send()
                .await
                .unwrap();
            let mut response = Response::builder().status(answer.status());
            for (name, value) in answer.headers() {
                if name != "transfer-encoding" && name != "content-length" {
                    response = response.header(name, value);
                }
            }
            response
                .body(Body::from(answer.bytes().await.unwrap()))
                .unwrap()
        }
    };
    let app = axum::Router::new().fallback(handler);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    url
}

#[tokio::test(flavor = "multi_thread")]
async fn a_401_refreshes_once_and_retries_once() {
    let backend = backend(BackendArgs::default()).await;
    let poison = Arc::new(std::sync::Mutex::new(Poison::Nothing));
    let rejections = Arc::new(AtomicUsize::new(0));
    let proxy = rejecting_proxy(&backend, poison.clone(), rejections.clone()).await;
    let dir = tempfile::tempdir().unwrap();
    let store = memory();
    let session = callrec_core::session::SessionManager::new(
        callrec_core::http::client().unwrap(),
        common::project(&proxy, backend.anon_key()),
        store.clone(),
        dir.path(),
    );
    let user = backend.demo_user();
    session
        .sign_in(&user.email, &password(&user.password))
        .await
        .unwrap();
    let first = stored(store.as_ref(), &session, &user.id).unwrap();
    *poison.lock().unwrap() = Poison::Token(first.access_token.clone().unwrap().expose().clone());
    // JWTs carry whole seconds: a refresh in the same second would mint the same token.
    tokio::time::sleep(Duration::from_millis(1_100)).await;

    let stats = backend.stats();
    let url = format!("{proxy}/rest/v1/calls?select=id&limit=1");
    let response = session.send(|http| http.get(&url)).await.unwrap();
    assert_eq!(
        response.status(),
        200,
        "the retry with the new token went through"
    );
    assert_eq!(rejections.load(Ordering::SeqCst), 1, "one 401");
    let after = backend.stats();
    assert_eq!(
        after.refresh_grants - stats.refresh_grants,
        1,
        "one refresh"
    );
    assert_eq!(
        after.rest_requests - stats.rest_requests,
        1,
        "one retry reached the server"
    );
    let now = stored(store.as_ref(), &session, &user.id).unwrap();
    assert_ne!(
        now.refresh_token, first.refresh_token,
        "the rotated token was stored"
    );

    // A 401 that persists comes back after one refresh and one retry, not a loop.
    *poison.lock().unwrap() = Poison::Everything;
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    let stats = backend.stats();
    let rejected = rejections.load(Ordering::SeqCst);
    let response = session.send(|http| http.get(&url)).await.unwrap();
    assert_eq!(response.status(), 401);
    assert_eq!(rejections.load(Ordering::SeqCst) - rejected, 2);
    assert_eq!(backend.stats().refresh_grants - stats.refresh_grants, 1);
    assert_eq!(
        session.state().status,
        SessionStatus::SignedIn,
        "a 401 is not a sign-out"
    );
    backend.shutdown().await;
}

#[tokio::test]
async fn refresh_token_reuse_signs_out_with_its_notice() {
    let backend = backend(BackendArgs {
        token_lifetime: 2,
        refresh_reuse_interval: 0,
        ..BackendArgs::default()
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let store = memory();
    let session = signed_in(&backend, store.clone(), dir.path()).await;
    let user = backend.demo_user();
    let mut changes = session.subscribe();

    // Another copy of this session (say, a copied keyring entry) rotates the token twice.
    let copy = stored(store.as_ref(), &session, &user.id).unwrap();
    let other = AuthClient::new(
        callrec_core::http::client().unwrap(),
        backend_project(&backend),
    );
    let next = other.refresh(&copy.refresh_token).await.unwrap();
    other.refresh(&next.refresh_token).await.unwrap();

    tokio::time::sleep(Duration::from_millis(1_100)).await;
    let error = session
        .send(|http| http.get(calls_url(&backend)))
        .await
        .unwrap_err();
    assert_eq!(error.code(), "refresh_token_already_used", "{error}");
    assert_eq!(error.kind(), callrec_core::ErrorKind::Auth);
    let state = session.state();
    assert_eq!(state.status, SessionStatus::SignedOut);
    let notice = state.notice.clone().unwrap();
    assert_eq!(notice.code, "refresh_token_already_used");
    assert!(notice.message.contains("used twice"), "{}", notice.message);
    assert!(store.keys().is_empty(), "the dead session left the keyring");
    // Subscribers (the shell's `session-changed`) saw it happen.
    changes.changed().await.unwrap();
    assert_eq!(*changes.borrow_and_update(), state);
    assert!(backend.stats().refresh_reuse_rejections >= 1);
    // The next launch does not resurrect it.
    let later = manager(&backend, store.clone(), dir.path());
    assert_eq!(
        later.restore().await.unwrap().status,
        SessionStatus::SignedOut
    );
    backend.shutdown().await;
}

#[tokio::test]
async fn a_second_process_takes_the_token_the_first_refreshed() {
    // 4 s: due for a refresh after 2 s (half the lifetime), and the refreshed token then stays
    // fresh for ≥ 1 s whatever second it was issued in, so the CLI reads it before it is due.
    let backend = backend(BackendArgs {
        token_lifetime: 4,
        ..BackendArgs::default()
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let store = memory();
    let user = backend.demo_user();
    // The app and the CLI: two managers over one keyring and one data dir.
    let app = manager(&backend, store.clone(), dir.path());
    app.sign_in(&user.email, &password(&user.password))
        .await
        .unwrap();
    let cli = manager(&backend, store.clone(), dir.path());
    assert_eq!(cli.restore().await.unwrap().status, SessionStatus::SignedIn);

    tokio::time::sleep(Duration::from_millis(2_100)).await;
    let stats = backend.stats();
    let from_app = app.access_token().await.unwrap();
    let from_cli = cli.access_token().await.unwrap();
    assert_eq!(
        from_cli, from_app,
        "the CLI took the app's new token from the keyring"
    );
    assert_eq!(backend.stats().refresh_grants - stats.refresh_grants, 1);
    let response = cli
        .send(|http| http.get(calls_url(&backend)))
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    backend.shutdown().await;
}

async fn sign_out_everywhere(backend: &RunningBackend) {
    let user = backend.demo_user();
    let other = AuthClient::new(
        callrec_core::http::client().unwrap(),
        backend_project(backend),
    );
    let elsewhere = other
        .sign_in_with_password(&user.email, &password(&user.password))
        .await
        .unwrap();
    other
        .logout(&elsewhere.access_token, LogoutScope::Global)
        .await
        .unwrap();
}

#[tokio::test]
async fn a_session_revoked_elsewhere_is_noticed_at_launch() {
    let backend = backend(BackendArgs::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let store = memory();
    let user = backend.demo_user();
    manager(&backend, store.clone(), dir.path())
        .sign_in(&user.email, &password(&user.password))
        .await
        .unwrap();
    sign_out_everywhere(&backend).await;

    let session = manager(&backend, store.clone(), dir.path());
    let state = session.restore().await.unwrap();
    assert_eq!(state.status, SessionStatus::SignedOut);
    let notice = state.notice.unwrap();
    assert_eq!(notice.code, "session_not_found");
    assert!(
        notice.message.contains("ended on the server"),
        "{}",
        notice.message
    );
    assert!(store.keys().is_empty());
    backend.shutdown().await;
}

#[tokio::test]
async fn a_session_revoked_elsewhere_is_noticed_at_refresh() {
    let backend = backend(BackendArgs {
        token_lifetime: 2,
        ..BackendArgs::default()
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let store = memory();
    let session = signed_in(&backend, store.clone(), dir.path()).await;
    sign_out_everywhere(&backend).await;
    tokio::time::sleep(Duration::from_millis(1_100)).await;

    let error = session.access_token().await.unwrap_err();
    assert_eq!(error.code(), "refresh_token_not_found", "{error}");
    let state = session.state();
    assert_eq!(state.status, SessionStatus::SignedOut);
    assert_eq!(state.notice.unwrap().code, "refresh_token_not_found");
    assert!(store.keys().is_empty());
    backend.shutdown().await;
}

#[tokio::test]
async fn restore_offline_keeps_the_identity() {
    let backend = backend(BackendArgs::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let store = memory();
    let user = backend.demo_user().clone();
    let project = backend_project(&backend);
    manager(&backend, store.clone(), dir.path())
        .sign_in(&user.email, &password(&user.password))
        .await
        .unwrap();
    backend.shutdown().await;

    let session = callrec_core::session::SessionManager::new(
        callrec_core::http::client().unwrap(),
        project,
        store.clone(),
        dir.path(),
    );
    let state = session.restore().await.unwrap();
    assert_eq!(state.status, SessionStatus::Offline);
    let restored = state.user.unwrap();
    assert_eq!(
        (restored.id, restored.email),
        (user.id.clone(), user.email.clone())
    );
    assert_eq!(state.notice.unwrap().code, "unreachable");
    assert_eq!(store.keys().len(), 1, "the saved session is kept");
    // Requests fail as unreachable, not as signed out.
    let error = session
        .send(|http| http.get("http://127.0.0.1:9/rest/v1/calls"))
        .await
        .unwrap_err();
    assert_eq!(error.code(), "unreachable");
}

#[tokio::test(flavor = "multi_thread")]
async fn sign_out_drops_requests_in_flight() {
    let backend = backend(BackendArgs::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let store = memory();
    let session = signed_in(&backend, store.clone(), dir.path()).await;
    let mut faults = backend.faults();
    faults.latency_ms = 3_000;
    backend.set_faults(faults).unwrap();
    let pending = {
        let session = session.clone();
        let url = calls_url(&backend);
        tokio::spawn(async move { session.send(|http| http.get(&url)).await })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    let started = std::time::Instant::now();
    let signing_out = tokio::spawn({
        let session = session.clone();
        async move { session.sign_out().await }
    });
    let result = pending.await.unwrap();
    assert!(
        matches!(result, Err(SessionError::NotSignedIn)),
        "{result:?}"
    );
    assert!(
        started.elapsed() < Duration::from_millis(2_000),
        "dropped, not waited for"
    );
    signing_out.await.unwrap().unwrap();
    assert!(store.keys().is_empty());
    backend.shutdown().await;
}

#[tokio::test]
async fn another_project_from_the_sign_in_screen_is_saved_only_once_signed_in() {
    let backend = backend(BackendArgs::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let store = memory();
    let session = CurrentSession::new(
        callrec_core::http::client().unwrap(),
        None,
        store.clone(),
        dir.path().to_owned(),
    );
    let mut changes = session.subscribe();
    let user = backend.demo_user();
    let request = |url: &str, key: &str, pw: &str| SignInRequest {
        supabase_url: Some(url.to_owned()),
        anon_key: Some(key.to_owned()),
        email: user.email.clone(),
        password: password(pw),
    };
    // Nothing configured and nothing given.
    let error = session
        .sign_in(SignInRequest {
            supabase_url: Some("  ".into()),
            anon_key: None,
            email: user.email.clone(),
            password: password("x"),
        })
        .await
        .unwrap_err();
    assert_eq!(error.code(), "not_configured");
    let error = session
        .sign_in(request("http://example.com", "k", "x"))
        .await
        .unwrap_err();
    assert_eq!(error.code(), "config_invalid_url");
    let error = session
        .sign_in(request(backend.base_url(), backend.anon_key(), "wrong"))
        .await
        .unwrap_err();
    assert_eq!(error.code(), "invalid_credentials");
    assert!(
        !dir.path().join("config.toml").exists(),
        "a failed sign-in saves nothing"
    );
    assert!(session.project().await.is_none());

    let state = session
        .sign_in(request(
            backend.base_url(),
            backend.anon_key(),
            &user.password,
        ))
        .await
        .unwrap();
    assert_eq!(state.status, SessionStatus::SignedIn);
    let config = std::fs::read_to_string(dir.path().join("config.toml")).unwrap();
    assert!(config.contains(backend.base_url()), "{config}");
    assert!(!config.contains(&user.password));
    assert_eq!(
        session.project().await.unwrap().supabase_url.as_str(),
        format!("{}/", backend.base_url())
    );
    changes.changed().await.unwrap();
    assert_eq!(changes.borrow_and_update().status, SessionStatus::SignedIn);
    // The saved project is what the next launch uses.
    let config = callrec_core::config::Config::resolve(
        callrec_core::config::Settings {
            data_dir: Some(dir.path().to_owned()),
            ..Default::default()
        },
        |_| None,
    )
    .unwrap();
    let next = CurrentSession::new(
        callrec_core::http::client().unwrap(),
        config.project,
        store.clone(),
        dir.path().to_owned(),
    );
    assert_eq!(
        next.restore().await.unwrap().status,
        SessionStatus::SignedIn
    );
    next.sign_out().await.unwrap();
    assert!(store.keys().is_empty());
    backend.shutdown().await;
}
