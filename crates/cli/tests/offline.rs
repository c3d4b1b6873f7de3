//! `callrec calls` when the network comes and goes: offline after the access token expired
//! (the session kept, and refreshed when the project is back), a project that accepts and stays
//! silent, and a `--limit` larger than PostgREST's 1,000-row page. Each CLI run is a process in
//! a private kernel keyring session; the test stops and restarts the backend around it.

use std::path::Path;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use callrec_backend::{BackendArgs, RunningBackend};
use serde_json::Value;

mod common;

const BIN: &str = env!("CARGO_BIN_EXE_callrec");

fn spawn(script: &str, backend: &RunningBackend, dir: &Path) -> Child {
    let user = backend.demo_user().clone();
    let mut command = common::in_keyring_session(script);
    command
        .env("CALLREC_DATA_DIR", dir)
        .env("CALLREC_SUPABASE_URL", backend.base_url())
        .env("CALLREC_SUPABASE_ANON_KEY", backend.anon_key())
        .env("CALLREC", BIN)
        .env("OUT", dir)
        .env("PW", &user.password)
        .env("EMAIL", &user.email)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command.spawn().unwrap()
}

/// Waits for the script to create `name` (generous: the outcome matters, not the time).
async fn wait_for(dir: &Path, name: &str) {
    let deadline = Instant::now() + Duration::from_secs(120);
    while !dir.join(name).exists() {
        assert!(Instant::now() < deadline, "the script never reached {name}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn finish(child: Child) {
    let output = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap())
        .await
        .unwrap();
    assert!(
        output.status.success(),
        "exit {:?}\n{}\n{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

fn read_json(dir: &Path, name: &str) -> Value {
    let text = std::fs::read_to_string(dir.join(name)).unwrap();
    serde_json::from_str(&text).unwrap_or_else(|error| panic!("{name}: {error}\n{text}"))
}

fn ids(page: &Value) -> Vec<String> {
    page["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| row["id"].as_str().unwrap().to_owned())
        .collect()
}

fn port_of(backend: &RunningBackend) -> u16 {
    backend
        .base_url()
        .rsplit(':')
        .next()
        .unwrap()
        .trim_end_matches('/')
        .parse()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn offline_after_the_token_expired_shows_the_calls_seen_and_stays_signed_in() {
    if !common::keyctl_or_skip(
        "offline_after_the_token_expired_shows_the_calls_seen_and_stays_signed_in",
    ) {
        return;
    }
    let data = tempfile::tempdir().unwrap();
    let args = BackendArgs {
        calls: 12,
        token_lifetime: 2,
        data_dir: Some(data.path().to_owned()),
        ..BackendArgs::default()
    };
    let backend = callrec_backend::start(args.clone()).await.unwrap();
    let port = port_of(&backend);
    let dir = tempfile::tempdir().unwrap();
    let script = r#"printf '%s\n' "$PW" | "$CALLREC" login --email "$EMAIL" --password-stdin >/dev/null || exit 9
"$CALLREC" --json calls --limit 5 > "$OUT/online.json" || exit 10
touch "$OUT/online-done"
while [ ! -e "$OUT/stopped" ]; do sleep 0.05; done
"$CALLREC" --json calls --limit 5 > "$OUT/offline.json" 2> "$OUT/offline.err" || exit 11
"$CALLREC" --json whoami > "$OUT/whoami-offline.json" || exit 12
touch "$OUT/offline-done"
while [ ! -e "$OUT/restarted" ]; do sleep 0.05; done
"$CALLREC" --json calls --limit 5 > "$OUT/back.json" || exit 13
"$CALLREC" --json whoami > "$OUT/whoami-back.json" || exit 14
"#;
    let child = spawn(script, &backend, dir.path());
    wait_for(dir.path(), "online-done").await;
    backend.shutdown().await;
    // Past the access token's two-second life: offline must not depend on its age.
    tokio::time::sleep(Duration::from_millis(2_500)).await;
    std::fs::write(dir.path().join("stopped"), "").unwrap();
    wait_for(dir.path(), "offline-done").await;
    let backend = callrec_backend::start(BackendArgs { port, ..args })
        .await
        .unwrap();
    std::fs::write(dir.path().join("restarted"), "").unwrap();
    finish(child).await;

    let online = read_json(dir.path(), "online.json");
    assert_eq!(online["source"], "remote");
    let offline = read_json(dir.path(), "offline.json");
    assert_eq!(offline["source"], "offline");
    assert_eq!(ids(&offline), ids(&online));
    let note = std::fs::read_to_string(dir.path().join("offline.err")).unwrap();
    assert!(note.contains("offline"), "{note}");
    let whoami = read_json(dir.path(), "whoami-offline.json");
    assert_eq!(whoami["status"], "offline", "{whoami}");
    assert_eq!(whoami["user"]["email"], backend.demo_user().email);
    // The project is back: the session refreshed itself and the list is the project's again.
    let back = read_json(dir.path(), "back.json");
    assert_eq!(back["source"], "remote");
    assert_eq!(ids(&back), ids(&online));
    let whoami = read_json(dir.path(), "whoami-back.json");
    assert_eq!(whoami["status"], "signedIn", "{whoami}");
    backend.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_silent_project_gets_the_calls_from_the_library_in_well_under_a_minute() {
    if !common::keyctl_or_skip(
        "a_silent_project_gets_the_calls_from_the_library_in_well_under_a_minute",
    ) {
        return;
    }
    let backend = callrec_backend::start(BackendArgs {
        calls: 12,
        ..BackendArgs::default()
    })
    .await
    .unwrap();
    let port = port_of(&backend);
    let dir = tempfile::tempdir().unwrap();
    let script = r#"printf '%s\n' "$PW" | "$CALLREC" login --email "$EMAIL" --password-stdin >/dev/null || exit 9
"$CALLREC" --json calls --limit 5 > "$OUT/online.json" || exit 10
touch "$OUT/online-done"
while [ ! -e "$OUT/silent" ]; do sleep 0.05; done
CALLREC_LIST_DEADLINE_SECS=2 "$CALLREC" --json calls --limit 5 > "$OUT/silent.json" 2> "$OUT/silent.err" || exit 11
"#;
    let child = spawn(script, &backend, dir.path());
    wait_for(dir.path(), "online-done").await;
    backend.shutdown().await;
    // The project's address now accepts connections and never answers.
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .unwrap();
    let silent = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    let started = Instant::now();
    std::fs::write(dir.path().join("silent"), "").unwrap();
    finish(child).await;
    let took = started.elapsed();
    silent.abort();

    let online = read_json(dir.path(), "online.json");
    let page = read_json(dir.path(), "silent.json");
    assert_eq!(page["source"], "offline");
    assert_eq!(ids(&page), ids(&online));
    let note = std::fs::read_to_string(dir.path().join("silent.err")).unwrap();
    assert!(note.contains("offline"), "{note}");
    // Confirming the session at start and the list each have their deadline.
    assert!(took < Duration::from_secs(45), "took {took:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_limit_beyond_one_server_page_pages_through() {
    if !common::keyctl_or_skip("a_limit_beyond_one_server_page_pages_through") {
        return;
    }
    let backend = callrec_backend::start(BackendArgs {
        calls: 1_600,
        ..BackendArgs::default()
    })
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let script = r#"printf '%s\n' "$PW" | "$CALLREC" login --email "$EMAIL" --password-stdin >/dev/null || exit 9
"$CALLREC" --json calls --limit 1500 > "$OUT/limit.json" || exit 10
"$CALLREC" --json calls --all > "$OUT/all.json" || exit 11
"$CALLREC" --json calls --limit 100001 > /dev/null 2> "$OUT/too-many.err"
echo $? > "$OUT/too-many.code"
"#;
    let child = spawn(script, &backend, dir.path());
    finish(child).await;

    let limited = read_json(dir.path(), "limit.json");
    let all = read_json(dir.path(), "all.json");
    let limited_ids = ids(&limited);
    let all_ids = ids(&all);
    assert_eq!(limited_ids.len(), 1_500);
    assert!(all_ids.len() > 1_500, "{}", all_ids.len());
    // The same calls in the same order as every page from the start: none twice, none skipped.
    assert_eq!(limited_ids[..], all_ids[..1_500]);
    assert_eq!(limited["source"], "remote");
    assert!(limited["total"].as_u64().unwrap() > 1_500);
    assert!(
        limited["next"].is_object(),
        "more remain: {}",
        limited["next"]
    );
    // Bounded: a limit past 100,000 is a usage error (exit 2), not a giant read.
    let code = std::fs::read_to_string(dir.path().join("too-many.code")).unwrap();
    assert_eq!(code.trim(), "2");
    backend.shutdown().await;
}
