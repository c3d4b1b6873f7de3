//! `callrec recordings` as a process, signed in inside a private kernel keyring session: the
//! merged segments as JSON (no URL unless asked), a table, an endpoint's failure on stderr, and
//! exit code 4 with one error document when neither endpoint has a recording.

use std::process::Stdio;

use callrec_backend::BackendArgs;
use callrec_backend::fixtures as fx;
use serde_json::Value;

mod common;

const BIN: &str = env!("CARGO_BIN_EXE_callrec");

#[tokio::test(flavor = "multi_thread")]
async fn recordings_prints_merged_segments_hides_urls_and_exits_4_without_any() {
    if !common::keyctl_or_skip(
        "recordings_prints_merged_segments_hides_urls_and_exits_4_without_any",
    ) {
        return;
    }
    let backend = callrec_backend::start(BackendArgs {
        calls: 5,
        ..BackendArgs::default()
    })
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let user = backend.demo_user().clone();
    let script = r#"printf '%s\n' "$PW" | "$CALLREC" login --email "$EMAIL" --password-stdin >/dev/null || exit 9
"$CALLREC" --json recordings "$MULTI" > "$OUT/multi.json" 2> "$OUT/multi.err" || exit 10
"$CALLREC" --json recordings "$MULTI" --show-urls > "$OUT/urls.json" || exit 11
"$CALLREC" recordings "$PENDING" > "$OUT/table.txt" || exit 12
"$CALLREC" --json recordings "$SEGMENTS_ONLY" > "$OUT/one.json" 2> "$OUT/one.err" || exit 13
"$CALLREC" --json recordings "$MISSING" > "$OUT/missing.json" 2> "$OUT/missing.err"
echo $? > "$OUT/missing.code"
"$CALLREC" recordings "$MISSING" > /dev/null 2> "$OUT/missing-human.err"
echo $? > "$OUT/missing-human.code"
"$CALLREC" --json recordings " " > "$OUT/blank.json" 2>/dev/null
echo $? > "$OUT/blank.code"
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
        .env("MULTI", fx::MULTI_SEGMENT)
        .env("PENDING", fx::MULTI_SEGMENT_PENDING)
        .env("SEGMENTS_ONLY", fx::SEGMENTS_ONLY)
        .env("MISSING", fx::MISSING_RECORDING)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let output = tokio::task::spawn_blocking(move || command.output().unwrap())
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

    let multi_text = read("multi.json");
    let multi: Value = serde_json::from_str(&multi_text).unwrap();
    assert_eq!(multi["callId"], fx::MULTI_SEGMENT);
    let labels: Vec<_> = multi["segments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["label"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        labels,
        ["main", "main", "transfer_conference", "reconnect_to_agent"]
    );
    assert_eq!(multi["segments"][1]["source"], "ultravox");
    assert_eq!(multi["segments"][1]["endpoint"], "callRecording");
    assert_eq!(multi["callRecording"]["state"], "ok");
    assert_eq!(multi["signedRecordingUrl"]["segments"], 3);
    assert!(multi["combined"].is_null());
    assert!(
        !multi_text.contains("://") && !multi_text.contains("token="),
        "{multi_text}"
    );
    assert!(multi["segments"][0].get("url").is_none());
    assert!(read("multi.err").is_empty(), "{}", read("multi.err"));

    let urls: Value = serde_json::from_str(&read("urls.json")).unwrap();
    for segment in urls["segments"].as_array().unwrap() {
        let url = segment["url"].as_str().unwrap();
        assert!(url.starts_with(backend.base_url()), "{url}");
    }
    assert!(
        urls["segments"][0]["url"]
            .as_str()
            .unwrap()
            .contains("token=")
    );

    let table = read("table.txt");
    // Which call it is (read by id), then its legs.
    assert!(table.starts_with("call "), "{table}");
    assert!(table.lines().nth(1).unwrap().starts_with("LEG"), "{table}");
    // A's copy of main is main's alternate, not a leg of its own.
    assert!(table.contains("  alt  main"), "{table}");
    assert_eq!(
        table.lines().filter(|l| l.starts_with("  alt")).count(),
        1,
        "{table}"
    );
    assert!(table.contains("provider copy, may expire"), "{table}");
    assert!(
        table.contains("get-signed-recording-url: ok, 3 segment(s)"),
        "{table}"
    );
    assert!(
        table.contains("--show-urls") && !table.contains("://"),
        "{table}"
    );

    // One endpoint failing: the other's segment is printed, the failure on stderr.
    let one: Value = serde_json::from_str(&read("one.json")).unwrap();
    assert_eq!(one["segments"].as_array().unwrap().len(), 1);
    assert_eq!(
        one["callRecording"]["code"],
        "ultravox_recording_unavailable"
    );
    assert!(
        read("one.err").contains("get-call-recording:"),
        "{}",
        read("one.err")
    );

    // Neither: exit 4, exactly one JSON error document, both reasons.
    assert_eq!(read("missing.code").trim(), "4");
    let missing: Value = serde_json::from_str(&read("missing.json")).unwrap();
    assert_eq!(missing["error"]["code"], "no_recording");
    let message = missing["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("get-call-recording") && message.contains("get-signed-recording-url"),
        "{message}"
    );
    assert_eq!(read("missing-human.code").trim(), "4");
    assert!(read("missing-human.err").contains("No recording could be loaded"));

    // A blank id is a usage error (exit 2) before any request.
    assert_eq!(read("blank.code").trim(), "2");
    let blank: Value = serde_json::from_str(&read("blank.json")).unwrap();
    assert_eq!(blank["error"]["code"], "invalid_call_id");
}
