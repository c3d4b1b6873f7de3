//! `callrec analyze` on the backend's stereo call (agent left, customer right), streamed and
//! then downloaded: the same figures as the core's analysis of the downloaded file (which
//! `crates/core/tests/analysis.rs` holds to the audio's known turns within 50 ms), in JSON and
//! as a table.

use std::process::Stdio;

use callrec_backend::BackendArgs;
use callrec_backend::fixtures as fx;
use callrec_core::analysis::{self, CallAnalysis};
use callrec_core::player::{Media, TimelineSegment};
use serde_json::Value;

mod common;

const BIN: &str = env!("CARGO_BIN_EXE_callrec");

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn analyze_prints_each_turn_s_latency_streamed_and_downloaded() {
    if !common::keyctl_or_skip("analyze_prints_each_turn_s_latency_streamed_and_downloaded") {
        return;
    }
    let backend = callrec_backend::start(BackendArgs {
        calls: 12,
        ..BackendArgs::default()
    })
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let out = dir.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    let user = backend.demo_user().clone();
    let script = r#"printf '%s\n' "$PW" | "$CALLREC" login --email "$EMAIL" --password-stdin >/dev/null || exit 9
"$CALLREC" --json analyze "$CALL" > "$OUT/streamed.json" || exit 10
"$CALLREC" download "$CALL" > /dev/null 2>&1 || exit 11
"$CALLREC" --json analyze "$CALL" > "$OUT/downloaded.json" || exit 12
"$CALLREC" analyze "$CALL" > "$OUT/table.txt" || exit 13
"$CALLREC" --json library list > "$OUT/library.json" || exit 14
"$CALLREC" --json calls --id "$CALL" > "$OUT/call.json" || exit 15
"#;
    let status = common::in_keyring_session(script)
        .env("CALLREC_DATA_DIR", &data)
        .env("CALLREC_SUPABASE_URL", backend.base_url())
        .env("CALLREC_SUPABASE_ANON_KEY", backend.anon_key())
        .env("CALLREC", BIN)
        .env("CALL", fx::WAV_STEREO)
        .env("OUT", &out)
        .env("PW", &user.password)
        .env("EMAIL", &user.email)
        .stdin(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success(), "{status}");
    let read = |name: &str| std::fs::read_to_string(out.join(name)).unwrap();

    let library: Value = serde_json::from_str(&read("library.json")).unwrap();
    let file = data.join(library["files"][0]["path"].as_str().unwrap());
    let expected = analysis::analyze(&[TimelineSegment::new("main", Media::File(file))]).unwrap();
    assert!(
        expected.stereo && expected.latencies.len() >= 4,
        "{expected:?}"
    );
    // (serde_json's float parsing may differ from the printed value in the last bit.)
    let expected_json = serde_json::to_value(&expected).unwrap();
    for name in ["streamed.json", "downloaded.json"] {
        let got: Value = serde_json::from_str(&read(name)).unwrap();
        assert_close(&got, &expected_json, name);
        let _typed: CallAnalysis = serde_json::from_value(got).unwrap();
    }

    // The measure is kept: the list shows the call's worst reply from now on.
    let call: Value = serde_json::from_str(&read("call.json")).unwrap();
    let kept = call["row"]["worstLatency"]
        .as_f64()
        .expect("worstLatency in the row");
    assert!(
        (kept - expected.worst_latency.unwrap().seconds).abs() < 1e-6,
        "{call}"
    );

    let table = read("table.txt");
    assert!(
        table.contains("stereo (agent left, customer right)"),
        "{table}"
    );
    let turns = table
        .lines()
        .skip_while(|l| !l.starts_with("TURN"))
        .skip(1)
        .take_while(|l| !l.starts_with("median"))
        .count();
    assert_eq!(turns, expected.latencies.len(), "{table}");
    let worst = expected.worst_latency.unwrap().seconds;
    assert!(table.contains(&format!("worst {worst:.2} s")), "{table}");
    backend.shutdown().await;
}

/// Equal JSON, numbers within a microsecond.
fn assert_close(got: &Value, want: &Value, at: &str) {
    match (got, want) {
        (Value::Number(a), Value::Number(b)) => {
            let (a, b) = (a.as_f64().unwrap(), b.as_f64().unwrap());
            assert!((a - b).abs() < 1e-6, "{at}: {a} vs {b}");
        }
        (Value::Array(a), Value::Array(b)) => {
            assert_eq!(a.len(), b.len(), "{at}: {got} vs {want}");
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                assert_close(x, y, &format!("{at}[{i}]"));
            }
        }
        (Value::Object(a), Value::Object(b)) => {
            assert_eq!(a.len(), b.len(), "{at}: {got} vs {want}");
            for (key, y) in b {
                assert_close(&a[key], y, &format!("{at}.{key}"));
            }
        }
        _ => assert_eq!(got, want, "{at}"),
    }
}
