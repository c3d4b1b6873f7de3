//! Every file Callrec creates is the reviewer's alone: run with a umask of 000 (the most open
//! a machine can be set up with), a session of the CLI — sign in, the list, a download, an
//! export of the files and of the audio, sign out — leaves nothing in the data dir nor among
//! the exports that another user could read.

#![cfg(unix)]

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Stdio;

use callrec_backend::BackendArgs;
use callrec_backend::fixtures as fx;

mod common;

const BIN: &str = env!("CARGO_BIN_EXE_callrec");

/// Every path under `root` (itself included) with its mode.
fn walk(root: &Path, out: &mut Vec<(String, bool, u32)>) {
    let meta = std::fs::symlink_metadata(root).unwrap();
    out.push((
        root.display().to_string(),
        meta.is_dir(),
        meta.permissions().mode() & 0o777,
    ));
    if meta.is_dir() {
        for entry in std::fs::read_dir(root).unwrap() {
            walk(&entry.unwrap().path(), out);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_callrec_writes_is_readable_by_others_whatever_the_umask() {
    if !common::keyctl_or_skip("nothing_callrec_writes_is_readable_by_others_whatever_the_umask") {
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
    let script = r#"umask 000
printf '%s\n' "$PW" | "$CALLREC" login --email "$EMAIL" --password-stdin >/dev/null || exit 9
"$CALLREC" --json calls --all > /dev/null || exit 10
"$CALLREC" download "$CALL" > /dev/null 2>&1 || exit 11
"$CALLREC" library export "$CALL" --to "$OUT/files" > /dev/null || exit 12
"$CALLREC" export "$CALL" --out "$OUT/call.wav" > /dev/null || exit 13
"$CALLREC" export "$CALL" --out "$OUT/call.wav" > /dev/null 2> "$OUT/again.err"; echo $? > "$OUT/again.rc"
ln -s "$OUT/target" "$OUT/link.wav"
"$CALLREC" export "$CALL" --out "$OUT/link.wav" > /dev/null 2> "$OUT/link.err"; echo $? > "$OUT/link.rc"
"$CALLREC" logout > /dev/null || exit 14
"#;
    let status = common::in_keyring_session(script)
        .env("CALLREC_DATA_DIR", &data)
        .env("CALLREC_SUPABASE_URL", backend.base_url())
        .env("CALLREC_SUPABASE_ANON_KEY", backend.anon_key())
        .env("CALLREC", BIN)
        .env("CALL", fx::MULTI_SEGMENT)
        .env("OUT", &out)
        .env("PW", &user.password)
        .env("EMAIL", &user.email)
        .stdin(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success(), "{status}");

    let mut seen = Vec::new();
    walk(&data, &mut seen);
    // The library and its journal, the recordings, the locks, the profiles: all there.
    for expected in ["library.sqlite3", "profiles.toml", "recordings"] {
        assert!(
            seen.iter().any(|(path, ..)| path.ends_with(expected)),
            "{expected} missing from {seen:#?}"
        );
    }
    let exported = out.join("files");
    walk(&exported, &mut seen);
    for (path, is_dir, mode) in &seen {
        // The export folder is the reviewer's own choice (created if missing, like `mkdir`):
        // its files are private, the folder is left as the umask makes it.
        if *is_dir && Path::new(path) == exported {
            continue;
        }
        let wanted = if *is_dir { 0o700 } else { 0o600 };
        assert_eq!(*mode, wanted, "{path} is {mode:o}");
    }
    let wav = out.join("call.wav");
    let mode = std::fs::metadata(&wav).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "the exported audio is {mode:o}");

    // An export never writes over a file, nor through a symlink someone left in its place.
    let rc = |name: &str| std::fs::read_to_string(out.join(name)).unwrap();
    assert_ne!(rc("again.rc").trim(), "0", "{}", rc("again.err"));
    assert_ne!(rc("link.rc").trim(), "0", "{}", rc("link.err"));
    assert!(
        !out.join("target").exists(),
        "the symlink's target was created"
    );
}
