//! `callrec calls` as a process: signed in (in a private kernel keyring session), one JSON
//! document with `--json`, a table without; offline it serves the library and says so.

use std::process::Stdio;

use callrec_backend::BackendArgs;
use serde_json::Value;

mod common;

const BIN: &str = env!("CARGO_BIN_EXE_callrec");

#[tokio::test(flavor = "multi_thread")]
async fn calls_lists_pages_as_json_and_as_a_table_and_offline() {
    if !common::keyctl_or_skip("calls_lists_pages_as_json_and_as_a_table_and_offline") {
        return;
    }
    let backend = callrec_backend::start(BackendArgs {
        calls: 12,
        ..BackendArgs::default()
    })
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let user = backend.demo_user().clone();
    let script = r#"printf '%s\n' "$PW" | "$CALLREC" login --email "$EMAIL" --password-stdin >/dev/null || exit 9
"$CALLREC" --json calls --limit 5 --sort -date > "$OUT/online.json" || exit 10
"$CALLREC" --json calls --all --limit 5 > "$OUT/all.json" || exit 14
"$CALLREC" calls --limit 5 --has-recording > "$OUT/table.txt" || exit 11
"$CALLREC" --json calls --sort nonsense 2>/dev/null && exit 12
# Stop here until the backend is gone, then ask again.
while [ ! -e "$OUT/stopped" ]; do sleep 0.05; done
"$CALLREC" --json calls --limit 5 --sort -date > "$OUT/offline.json" 2> "$OUT/offline.err" || exit 13
"$CALLREC" --json calls --all --limit 5 > "$OUT/offline-all.json" 2>/dev/null || exit 15
"#;
    let mut command = common::in_keyring_session(script);
    command
        .env("CALLREC_DATA_DIR", dir.path())
        .env("CALLREC_SUPABASE_URL", backend.base_url())
        .env("CALLREC_SUPABASE_ANON_KEY", backend.anon_key())
        .env("CALLREC", BIN)
        .env("OUT", dir.path())
        .env("PW", &user.password)
        .env("EMAIL", &user.email)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let child = command.spawn().unwrap();
    let online_path = dir.path().join("table.txt");
    // Wait for the online part, then stop the backend.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while !online_path.exists() || std::fs::read_to_string(&online_path).unwrap().is_empty() {
        assert!(
            std::time::Instant::now() < deadline,
            "the online part never finished"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    backend.shutdown().await;
    std::fs::write(dir.path().join("stopped"), "").unwrap();
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
    let read = |name: &str| std::fs::read_to_string(dir.path().join(name)).unwrap();
    let online: Value = serde_json::from_str(&read("online.json")).unwrap();
    assert_eq!(online["source"], "remote");
    assert_eq!(online["rows"].as_array().unwrap().len(), 5);
    assert!(online["total"].as_u64().unwrap() >= 12);
    assert!(online["next"]["createdAt"].is_string());
    let table = read("table.txt");
    assert!(table.starts_with("CREATED"), "{table}");
    assert!(
        !table.lines().skip(1).any(|l| l.contains("  no  ")),
        "{table}"
    );
    // --all pages through every call by keyset: each once, and the library now holds them all.
    let all: Value = serde_json::from_str(&read("all.json")).unwrap();
    let ids: Vec<&str> = all["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    let unique: std::collections::HashSet<&str> = ids.iter().copied().collect();
    assert_eq!(ids.len() as u64, online["total"].as_u64().unwrap());
    assert_eq!(unique.len(), ids.len(), "no call twice");
    assert!(all["next"].is_null());
    let offline_all: Value = serde_json::from_str(&read("offline-all.json")).unwrap();
    assert_eq!(offline_all["source"], "offline");
    assert_eq!(offline_all["rows"], all["rows"]);
    let offline: Value = serde_json::from_str(&read("offline.json")).unwrap();
    assert_eq!(offline["source"], "offline");
    assert_eq!(offline["rows"], online["rows"]);
    assert!(read("offline.err").contains("offline"));
}
