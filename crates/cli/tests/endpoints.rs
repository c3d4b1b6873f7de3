//! `callrec endpoints` as a process: shows the defaults, switches an endpoint off, sets a URL,
//! refuses an unsafe one, keeps endpoint B's API key in the keyring (never in profiles.toml).

use std::process::Stdio;

use serde_json::Value;

mod common;

const BIN: &str = env!("CARGO_BIN_EXE_callrec");

#[test]
fn endpoints_show_change_refuse_and_keep_the_key_in_the_keyring() {
    if !common::keyctl_or_skip("endpoints test") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    // Each step writes its JSON (or its exit code) to a file; the kernel keyring session is
    // private to this script, so no real keyring is touched.
    let script = r#"
"$CALLREC" --json endpoints > "$OUT/defaults.json" || exit 10
"$CALLREC" --json endpoints --call-recording off --signed-url-url https://fn.example.com/functions/v1 > "$OUT/changed.json" || exit 11
"$CALLREC" --json endpoints --signed-url-url http://evil.example.com/ > "$OUT/refused.json" 2>/dev/null
echo $? > "$OUT/refused.code"
printf 'sk-test-0123456789' | "$CALLREC" --json endpoints --api-key-stdin > "$OUT/key.json" || exit 12
"$CALLREC" --json endpoints --use-jwt --call-recording on --signed-url-url default > "$OUT/jwt.json" || exit 13
"#;
    let mut command = common::in_keyring_session(script);
    let output = command
        .env("CALLREC_DATA_DIR", dir.path())
        .env("CALLREC_SUPABASE_URL", "http://127.0.0.1:9")
        .env("CALLREC_SUPABASE_ANON_KEY", "anon")
        .env("CALLREC", BIN)
        .env("OUT", dir.path())
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "exit {:?}\n{}\n{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let read = |name: &str| std::fs::read_to_string(dir.path().join(name)).unwrap();
    let json = |name: &str| -> Value { serde_json::from_str(&read(name)).unwrap() };

    let defaults = json("defaults.json");
    assert_eq!(defaults["callRecording"]["enabled"], true);
    assert_eq!(defaults["signedRecordingUrl"]["enabled"], true);
    assert_eq!(
        defaults["callRecording"]["url"],
        "http://127.0.0.1:9/functions/v1"
    );
    assert_eq!(defaults["credential"], "jwt");

    let changed = json("changed.json");
    assert_eq!(changed["callRecording"]["enabled"], false);
    assert_eq!(
        changed["signedRecordingUrl"]["url"],
        "https://fn.example.com/functions/v1"
    );

    // Plain http to another host is refused, with a usage error, and nothing changes.
    assert_eq!(read("refused.code").trim(), "2");
    let refused = json("refused.json");
    assert!(refused["error"]["message"].is_string(), "{refused}");

    let key = json("key.json");
    assert_eq!(key["credential"], "apiKey");
    assert_eq!(
        key["signedRecordingUrl"]["url"], "https://fn.example.com/functions/v1",
        "the refused change left the saved URL alone"
    );
    let profiles = read("profiles.toml");
    assert!(
        !profiles.contains("sk-test"),
        "the API key never lands in a plain file: {profiles}"
    );

    let jwt = json("jwt.json");
    assert_eq!(jwt["credential"], "jwt");
    assert_eq!(jwt["callRecording"]["enabled"], true);
    assert_eq!(
        jwt["signedRecordingUrl"]["url"],
        "http://127.0.0.1:9/functions/v1"
    );
}
