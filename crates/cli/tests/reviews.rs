//! `callrec review`, `notes`, `reviews sync` and `reviews export` against the local backend: a
//! reviewer's status, scorecard answers and notes, shared with a colleague through the project,
//! and the export that opens as a CSV with one row per review and the notes' times as `mm:ss`.

use std::process::Stdio;

use callrec_backend::BackendArgs;
use serde_json::Value;

mod common;

const BIN: &str = env!("CARGO_BIN_EXE_callrec");

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_review_made_in_the_cli_is_shared_and_exported() {
    if !common::keyctl_or_skip("a_review_made_in_the_cli_is_shared_and_exported") {
        return;
    }
    let backend = callrec_backend::start(BackendArgs {
        calls: 8,
        ..BackendArgs::default()
    })
    .await
    .unwrap();
    let me = backend.demo_user().clone();
    let colleague = backend
        .demo_users()
        .iter()
        .find(|u| u.agency == me.agency && u.email != me.email && u.email_confirmed)
        .expect("a second reviewer of the demo agency")
        .clone();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    // Each reviewer on their own data dir, one after the other in one keyring session.
    let script = r#"set -e
export CALLREC_DATA_DIR="$DATA1"
printf '%s\n' "$PW1" | "$CALLREC" login --email "$EMAIL1" --password-stdin >/dev/null
CALL=$("$CALLREC" --json calls --limit 1 | sed -n 's/.*"id": *"\([^"]*\)".*/\1/p' | head -n 1)
echo "$CALL" > "$OUT/call"
"$CALLREC" --json reviews sync > "$OUT/sync1.json"
"$CALLREC" --json review "$CALL" --status flagged --check greeting=pass --check identity=fail \
  --note "Promised a refund, no ticket" --at 83.5 > "$OUT/review.json"
"$CALLREC" --json review "$CALL" --at 3725 > /dev/null
"$CALLREC" --json reviews sync > "$OUT/sync2.json"
code=0
"$CALLREC" --json review "$CALL" --check greeting=maybe > "$OUT/bad.json" || code=$?
echo "$code" > "$OUT/bad.code"
export CALLREC_DATA_DIR="$DATA2"
printf '%s\n' "$PW2" | "$CALLREC" login --email "$EMAIL2" --password-stdin >/dev/null
"$CALLREC" --json calls --limit 1 >/dev/null
"$CALLREC" --json reviews sync >/dev/null
"$CALLREC" --json notes "$CALL" > "$OUT/notes.json"
"$CALLREC" reviews export --format csv -o "$OUT/reviews.csv"
"$CALLREC" reviews export --format json > "$OUT/reviews.json"
"$CALLREC" reviews export --since 2000-01-01 --until 2000-01-02 --format csv > "$OUT/none.csv"
"#;
    let status = common::in_keyring_session(script)
        .env("DATA1", dir.path().join("one"))
        .env("DATA2", dir.path().join("two"))
        .env("CALLREC_SUPABASE_URL", backend.base_url())
        .env("CALLREC_SUPABASE_ANON_KEY", backend.anon_key())
        .env("CALLREC", BIN)
        .env("OUT", &out)
        .env("PW1", &me.password)
        .env("EMAIL1", &me.email)
        .env("PW2", &colleague.password)
        .env("EMAIL2", &colleague.email)
        .stdin(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success(), "{status}");
    let read = |name: &str| std::fs::read_to_string(out.join(name)).unwrap();
    let json = |name: &str| -> Value { serde_json::from_str(&read(name)).unwrap() };
    let call = read("call").trim().to_owned();
    assert!(!call.is_empty());

    assert_eq!(json("sync1.json")["state"], "shared");
    let review = json("review.json");
    assert_eq!(review["mine"]["status"], "flagged");
    assert_eq!(review["mine"]["checks"]["greeting"]["result"], "pass");
    // The demo scorecard weighs identity twice greeting: 1 / (1 + 2).
    let score = review["mine"]["score"].as_f64().unwrap();
    assert!(score > 0.0 && score < 50.0, "{score}");
    assert_eq!(json("sync2.json")["pending"], 0, "everything pushed");
    assert_eq!(
        read("bad.code").trim(),
        "2",
        "a bad answer is a usage error"
    );
    assert_eq!(json("bad.json")["error"]["code"], "usage");

    // The colleague sees both notes, by time, as another reviewer's.
    let notes = json("notes.json");
    let notes = notes.as_array().unwrap();
    assert_eq!(notes.len(), 2);
    assert_eq!(
        (notes[0]["atMs"].as_u64(), notes[0]["kind"].as_str()),
        (Some(83_500), Some("note"))
    );
    assert_eq!(
        (notes[1]["atMs"].as_u64(), notes[1]["kind"].as_str()),
        (Some(3_725_000), Some("bookmark"))
    );
    assert!(notes.iter().all(|n| n["mine"] == false));

    // The CSV: a header, then one row per review (the colleague's export holds the one review
    // the project shared), each check a column, the notes as mm:ss.
    let mut csv = csv::Reader::from_path(out.join("reviews.csv")).unwrap();
    let header = csv.headers().unwrap().clone();
    let rows: Vec<csv::StringRecord> = csv.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 1, "{rows:?}");
    let field = |name: &str| {
        &rows[0][header
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("no {name} in {header:?}"))]
    };
    assert_eq!(field("call_id"), call);
    assert_eq!(field("status"), "flagged");
    assert_eq!(
        field("notes"),
        "01:23 Promised a refund, no ticket\n1:02:05 (bookmark)"
    );
    assert!(
        header.iter().filter(|h| h.ends_with("(comment)")).count() >= 3,
        "a column per check: {header:?}"
    );
    let exported = json("reviews.json");
    assert_eq!(exported[0]["notes"][0]["at"], "01:23");
    assert_eq!(
        read("none.csv").lines().count(),
        1,
        "the header alone: no review that day"
    );
    backend.shutdown().await;
}
