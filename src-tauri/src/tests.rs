//! The webview may learn who is signed in, never a token: every payload type the commands
//! and events send is serialized here after a real sign-in and searched for the session's
//! tokens and for anything shaped like a JWT.

use std::sync::Arc;

use callrec_backend::BackendArgs;
use callrec_core::config::{Config, ProjectConfig, parse_base_url};
use callrec_core::project;
use callrec_core::secret::Secret;
use callrec_core::session::{
    CurrentSession, MemoryStore, SessionManager, SessionStatus, SignInRequest, StoredSession,
    TokenStore,
};

use crate::error::IpcError;
use callrec_core::app::AppInfo;

/// True for `xxx.yyy.zzz` with base64url parts, the first starting like a JSON object.
fn looks_like_a_jwt(text: &str) -> bool {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.'))
        .any(|word| {
            let parts: Vec<&str> = word.split('.').collect();
            parts.len() == 3 && parts[0].starts_with("eyJ") && parts.iter().all(|p| p.len() >= 8)
        })
}

#[test]
fn the_jwt_detector_detects_jwts() {
    assert!(looks_like_a_jwt(
        r#"{"x":"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJlMTIz"}"#
    ));
    assert!(!looks_like_a_jwt(r#"{"email":"a@b.test","id":"2f93-…"}"#));
}

#[tokio::test(flavor = "multi_thread")]
async fn no_ipc_payload_carries_a_token() {
    let backend = callrec_backend::start(BackendArgs {
        calls: 5,
        ..BackendArgs::default()
    })
    .await
    .unwrap();
    let url = parse_base_url("test", backend.base_url()).unwrap();
    let project = ProjectConfig {
        functions_url: url.join("functions/v1").unwrap(),
        signed_url_functions_url: url.join("functions/v1").unwrap(),
        supabase_url: url,
        anon_key: Secret::new(backend.anon_key().to_owned()),
        signed_url_api_key: None,
        columns: Default::default(),
    };
    let dir = tempfile::tempdir().unwrap();
    let http = callrec_core::http::client().unwrap();
    let store = Arc::new(MemoryStore::new());
    let session = CurrentSession::new(
        http.clone(),
        Some(project.clone()),
        store.clone(),
        dir.path().to_owned(),
    );
    let user = backend.demo_user();
    let mut events = session.subscribe();

    let mut payloads: Vec<String> = Vec::new();
    let mut push = |value: serde_json::Value| payloads.push(value.to_string());

    // A failed sign-in's error, then the signed-in state.
    let refused = session
        .sign_in(SignInRequest {
            supabase_url: None,
            anon_key: None,
            email: user.email.clone(),
            password: Secret::new("wrong-password".into()),
        })
        .await
        .unwrap_err();
    push(serde_json::to_value(IpcError::from(refused)).unwrap());
    let signed_in = session
        .sign_in(SignInRequest {
            supabase_url: None,
            anon_key: None,
            email: user.email.clone(),
            password: Secret::new(user.password.clone()),
        })
        .await
        .unwrap();
    assert_eq!(signed_in.status, SessionStatus::SignedIn);
    push(serde_json::to_value(&signed_in).unwrap());
    // The event payload is the same type; take the one actually sent.
    events.changed().await.unwrap();
    push(serde_json::to_value(&*events.borrow()).unwrap());

    let key = SessionManager::new(http.clone(), project.clone(), store.clone(), dir.path())
        .keyring_key(&user.id);
    let stored = StoredSession::decode(&store.load(&key).unwrap().unwrap()).unwrap();
    let access = stored.access_token.clone().unwrap();
    let refresh = stored.refresh_token.clone();

    let config = Config {
        project: Some(project.clone()),
        data_dir: dir.path().to_owned(),
        demo: true,
        demo_email: Some(user.email.clone()),
        list_deadline: callrec_core::calls::LIST_DEADLINE,
    };
    push(serde_json::to_value(AppInfo::new(Some(&config), Some(&project))).unwrap());
    let status = project::probe(&http, Some(&project)).await.unwrap();
    push(serde_json::to_value(&status).unwrap());
    push(serde_json::to_value(session.restore().await.unwrap()).unwrap());
    push(serde_json::to_value(session.sign_out().await.unwrap()).unwrap());

    for payload in &payloads {
        assert!(!payload.contains(access.expose().as_str()), "{payload}");
        assert!(!payload.contains(refresh.expose().as_str()), "{payload}");
        assert!(!payload.contains(&user.password), "{payload}");
        assert!(!payload.contains(backend.anon_key()), "{payload}");
        assert!(!looks_like_a_jwt(payload), "{payload}");
    }
    // The payloads did carry what the UI needs.
    assert!(payloads.iter().any(|p| p.contains(&user.email)));
    assert!(payloads.iter().any(|p| p.contains(&user.id)));
    backend.shutdown().await;
}

/// The one list of commands (`command_list.rs`), as names.
fn command_list() -> Vec<&'static str> {
    macro_rules! callrec_commands {
        ($($command:ident),* $(,)?) => {
            vec![$(stringify!($command)),*]
        };
    }
    include!("command_list.rs")
}

#[test]
fn the_capability_grants_exactly_the_listed_commands() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/src-tauri/capabilities/default.json"
    );
    let capability: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let mut granted: Vec<String> = capability["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p.as_str())
        .filter_map(|p| p.strip_prefix("allow-"))
        .map(|p| p.replace('-', "_"))
        .collect();
    let mut listed: Vec<String> = command_list().into_iter().map(str::to_owned).collect();
    granted.sort();
    listed.sort();
    assert_eq!(
        granted, listed,
        "src-tauri/capabilities/default.json drifted from command_list.rs"
    );
}

#[test]
fn the_ui_calls_exactly_the_listed_commands() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/ui/src/lib/ipc.ts");
    let source = std::fs::read_to_string(path).unwrap();
    // `call<T>('name'` and `subscribe('name'`: the typed IPC's only ways to reach the shell.
    let mut called: Vec<String> = Vec::new();
    for opener in [">('", "subscribe('"] {
        for (at, _) in source.match_indices(opener) {
            let rest = &source[at + opener.len()..];
            let name: String = rest.chars().take_while(|c| *c != '\'').collect();
            if name.chars().all(|c| c.is_ascii_lowercase() || c == '_') && !called.contains(&name) {
                called.push(name);
            }
        }
    }
    let mut listed: Vec<String> = command_list().into_iter().map(str::to_owned).collect();
    called.sort();
    listed.sort();
    assert_eq!(
        called, listed,
        "ui/src/lib/ipc.ts drifted from command_list.rs"
    );
}
