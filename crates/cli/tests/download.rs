//! `callrec download` as a process, killed with SIGKILL at 20 random points of a 115 MB
//! recording and restarted each time: it completes with the backend's SHA-256 and the library
//! never shows a half state (no `files` row without its complete file, no final file without
//! its row). Then `callrec library du|list|export|remove` on the result.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use callrec_backend::fixtures as fx;
use callrec_backend::{BackendArgs, Faults};
use callrec_core::library::{DownloadState, Library};
use serde_json::Value;

mod common;

const BIN: &str = env!("CARGO_BIN_EXE_callrec");
const KILLS: usize = 20;
/// The backend's pace, bytes per second: slow enough for 20 kill points in one transfer.
const BANDWIDTH: u64 = 40_000_000;

/// A small xorshift generator: the kill points differ per run, and the seed is printed so a
/// failing run can be replayed (`CALLREC_KILL_SEED`).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn sha256_of_file(path: &Path) -> String {
    use sha2::Digest;
    let bytes = std::fs::read(path).unwrap();
    format!("{:x}", sha2::Sha256::digest(&bytes))
}

/// No half state: every `files` row has its complete file, every final file has its row.
fn assert_consistent(data: &Path, call: &str, round: usize) {
    let library = Library::open(data).unwrap();
    let files = library.files(Some(call)).unwrap();
    for file in &files {
        let len = std::fs::metadata(data.join(&file.path)).map(|m| m.len());
        assert_eq!(len.ok(), Some(file.size), "round {round}: {file:?}");
    }
    let dir = data.join("recordings").join(call);
    for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.ends_with(".part") {
            continue;
        }
        // A final file without its row is allowed only in the instant between the rename and
        // the row, and the next start adopts it; recovery must have left none behind.
        let recorded = files
            .iter()
            .any(|f| f.path == format!("recordings/{call}/{name}"));
        let download = library.download(call, 0).unwrap();
        assert!(
            recorded || download.is_some_and(|d| d.total == Some(entry.metadata().unwrap().len())),
            "round {round}: final file {name} without a files row"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn download_survives_sigkill_at_20_random_points() {
    if !common::keyctl_or_skip("download_survives_sigkill_at_20_random_points") {
        return;
    }
    // Paced so 20 kill points fit in the transfer: ~115 MB at 40 MB/s.
    let backend = callrec_backend::start(BackendArgs {
        calls: 12,
        bandwidth: Some(BANDWIDTH),
        ..BackendArgs::default()
    })
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let out = dir.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    let user = backend.demo_user().clone();
    let call = fx::LONG_WAV;
    // Each round waits for the test's go-ahead, so the library is inspected between runs.
    let script = r#"printf '%s\n' "$PW" | "$CALLREC" login --email "$EMAIL" --password-stdin >/dev/null || exit 9
"$CALLREC" --json download "../../etc" > "$OUT/hostile.json" 2>/dev/null; echo $? > "$OUT/hostile.rc"
n=0
while :; do
  while [ ! -e "$OUT/go.$n" ]; do sleep 0.01; done
  "$CALLREC" --json download --segment 0 "$CALL" > "$OUT/run.$n.json" 2> "$OUT/run.$n.err" &
  echo $! > "$OUT/pid.tmp"; mv "$OUT/pid.tmp" "$OUT/pid.$n"
  wait $!; rc=$?
  echo $rc > "$OUT/rc.tmp"; mv "$OUT/rc.tmp" "$OUT/rc.$n"
  [ $rc -eq 0 ] && break
  n=$((n+1))
done
"$CALLREC" --json recordings --show-urls "$CALL" > "$OUT/recordings.json" || exit 10
"#;
    let mut command = common::in_keyring_session(script);
    command
        .env("CALLREC_DATA_DIR", &data)
        .env("CALLREC_SUPABASE_URL", backend.base_url())
        .env("CALLREC_SUPABASE_ANON_KEY", backend.anon_key())
        .env("CALLREC", BIN)
        .env("CALL", call)
        .env("OUT", &out)
        .env("PW", &user.password)
        .env("EMAIL", &user.email)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let child = command.spawn().unwrap();

    let seed = std::env::var("CALLREC_KILL_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
                | 1
        });
    eprintln!("kill points from CALLREC_KILL_SEED={seed}");
    let mut rng = Rng(seed);
    // About 115 MB: 60 min of 16 kHz mono PCM16 (kill points only; lengths are checked
    // against the backend's answer below).
    let approx_len: u64 = 3600 * 16_000 * 2;
    let mut points: Vec<u64> = (0..KILLS)
        .map(|_| (approx_len as f64 * (0.02 + 0.93 * rng.unit())) as u64)
        .collect();
    points.sort_unstable();
    let part = data.join(format!("recordings/{call}/0.part"));
    let wait_for = |path: PathBuf, limit: Duration| async move {
        let deadline = Instant::now() + limit;
        while !path.exists() {
            assert!(
                Instant::now() < deadline,
                "{} never appeared",
                path.display()
            );
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    };
    let started = Instant::now();
    let mut kills = Vec::new();
    for (round, point) in points.iter().enumerate() {
        std::fs::write(out.join(format!("go.{round}")), "").unwrap();
        wait_for(out.join(format!("pid.{round}")), Duration::from_secs(60)).await;
        let pid = std::fs::read_to_string(out.join(format!("pid.{round}"))).unwrap();
        let rc_path = out.join(format!("rc.{round}"));
        // Every fourth kill lands at a random moment of the start (session, resolve, hashing
        // the prefix), within half the time the rest takes at the backend's pace: a late round
        // has little left, and a fast machine finishes it before a later kill; the others
        // when the .part reaches the point.
        let how = if round % 4 == 3 {
            let done = std::fs::metadata(&part).map(|m| m.len()).unwrap_or(0);
            let rest_ms = approx_len.saturating_sub(done) * 1000 / BANDWIDTH;
            let delay = Duration::from_millis(rng.next() % (rest_ms / 2).clamp(1, 400));
            tokio::time::sleep(delay).await;
            format!("after {delay:?}")
        } else {
            let deadline = Instant::now() + Duration::from_secs(60);
            loop {
                let len = std::fs::metadata(&part).map(|m| m.len()).unwrap_or(0);
                if len >= *point || rc_path.exists() {
                    break;
                }
                assert!(
                    Instant::now() < deadline,
                    "round {round}: the .part stalled at {len}"
                );
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
            format!("at {point} bytes")
        };
        if rc_path.exists() {
            let err = std::fs::read_to_string(out.join(format!("run.{round}.err")));
            panic!("round {round}: the run ended before its kill point {how}: {err:?}");
        }
        let killed = Command::new("kill")
            .args(["-KILL", pid.trim()])
            .status()
            .unwrap();
        assert!(killed.success());
        wait_for(rc_path.clone(), Duration::from_secs(10)).await;
        let rc = std::fs::read_to_string(&rc_path).unwrap();
        assert_eq!(rc.trim(), "137", "round {round}: killed by SIGKILL");
        assert_consistent(&data, call, round);
        let reached = std::fs::metadata(&part).map(|m| m.len()).unwrap_or(0);
        kills.push(format!("{how} (.part {reached})"));
    }
    // The last run goes to the end.
    std::fs::write(out.join(format!("go.{KILLS}")), "").unwrap();
    wait_for(out.join(format!("rc.{KILLS}")), Duration::from_secs(120)).await;
    let output = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap())
        .await
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    let last_err =
        std::fs::read_to_string(out.join(format!("run.{KILLS}.err"))).unwrap_or_default();
    assert_eq!(
        std::fs::read_to_string(out.join(format!("rc.{KILLS}")))
            .unwrap()
            .trim(),
        "0",
        "the last run failed: {last_err}"
    );
    assert!(output.status.success(), "script: {stderr}");
    eprintln!(
        "{KILLS} kills in {:?}: {}",
        started.elapsed(),
        kills.join(", ")
    );

    // A hostile id was refused as a usage error (exit 2) with its code.
    let hostile: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("hostile.json")).unwrap()).unwrap();
    assert_eq!(hostile["error"]["code"], "invalid_call_id", "{hostile}");
    assert_eq!(
        std::fs::read_to_string(out.join("hostile.rc"))
            .unwrap()
            .trim(),
        "2"
    );

    // The result equals the backend's file.
    let run: Value = serde_json::from_str(
        &std::fs::read_to_string(out.join(format!("run.{KILLS}.json"))).unwrap(),
    )
    .unwrap();
    // A kill that lands after the commit leaves the file done: the last run then reports it
    // as already here rather than fetched again.
    let done = run["done"]
        .get(0)
        .or_else(|| run["already"].get(0))
        .unwrap_or_else(|| panic!("the last run reports no file: {run}"));
    let recordings: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("recordings.json")).unwrap())
            .unwrap();
    let url = recordings["segments"][0]["url"]
        .as_str()
        .unwrap()
        .to_owned();
    backend.set_faults(Faults::default()).unwrap();
    let (reference, expected_len) = {
        use sha2::Digest;
        let mut response = reqwest::get(&url).await.unwrap();
        assert_eq!(response.status(), 200);
        let mut hasher = sha2::Sha256::new();
        let mut len = 0u64;
        while let Some(chunk) = response.chunk().await.unwrap() {
            hasher.update(&chunk);
            len += chunk.len() as u64;
        }
        (format!("{:x}", hasher.finalize()), len)
    };
    let library = Library::open(&data).unwrap();
    let files = library.files(Some(call)).unwrap();
    assert_eq!(files.len(), 1);
    assert_eq!(files[0].sha256, reference, "recorded SHA-256");
    assert_eq!(files[0].size, expected_len);
    assert!(expected_len > 100_000_000, "{expected_len}");
    assert_eq!(done["sha256"], reference);
    assert_eq!(
        sha256_of_file(&data.join(&files[0].path)),
        reference,
        "on disk"
    );
    assert_eq!(files[0].path, format!("recordings/{call}/0.wav"));
    assert_eq!(
        library.download(call, 0).unwrap().unwrap().state,
        DownloadState::Done
    );
    assert!(!part.exists());
    drop(library);

    // The library commands (no network, no keyring needed).
    let callrec = |args: &[&str]| {
        let output = Command::new(BIN)
            .env_remove("CALLREC_SUPABASE_URL")
            .env("CALLREC_DATA_DIR", &data)
            .args(args)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).unwrap()
    };
    let du: Value = serde_json::from_str(&callrec(&["--json", "library", "du"])).unwrap();
    assert_eq!(du["bytes"], expected_len);
    assert_eq!(du["calls"], 1);
    let list: Value = serde_json::from_str(&callrec(&["--json", "library", "list"])).unwrap();
    assert_eq!(list["files"][0]["sha256"], reference);
    assert_eq!(list["queue"].as_array().unwrap().len(), 0);
    let export = dir.path().join("export");
    let exported: Value = serde_json::from_str(&callrec(&[
        "--json",
        "library",
        "export",
        call,
        "--to",
        export.to_str().unwrap(),
    ]))
    .unwrap();
    let exported = PathBuf::from(exported[0].as_str().unwrap());
    assert_eq!(exported.parent(), Some(export.as_path()));
    assert!(
        exported.to_string_lossy().ends_with("_main.wav"),
        "{exported:?}"
    );
    assert_eq!(std::fs::metadata(&exported).unwrap().len(), expected_len);
    callrec(&["library", "remove", call]);
    let du: Value = serde_json::from_str(&callrec(&["--json", "library", "du"])).unwrap();
    assert_eq!(du["bytes"], 0);
    assert!(!data.join(format!("recordings/{call}")).exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn download_by_filter_and_by_id_then_the_list_marks_them() {
    if !common::keyctl_or_skip("download_by_filter_and_by_id_then_the_list_marks_them") {
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
    let user = backend.demo_user().clone();
    let script = r#"printf '%s\n' "$PW" | "$CALLREC" login --email "$EMAIL" --password-stdin >/dev/null || exit 9
"$CALLREC" --json download --filter --search "$ONE" > "$OUT/filter.json" 2> "$OUT/filter.err" || exit 10
"$CALLREC" download --concurrency 2 "$MULTI" > "$OUT/multi.txt" 2> "$OUT/multi.err" || exit 11
"$CALLREC" --json download "$MULTI" > "$OUT/again.json" 2> "$OUT/again.err" || exit 12
"$CALLREC" --json calls --all --limit 1000 > "$OUT/calls.json" || exit 13
"$CALLREC" --json calls --downloaded --limit 1 --all > "$OUT/downloaded.json" 2> "$OUT/downloaded.err" || exit 14
"$CALLREC" --json calls --not-downloaded --limit 5 --all > "$OUT/not-downloaded.json" || exit 15
"$CALLREC" calls --downloaded > "$OUT/downloaded.txt" || exit 16
"$CALLREC" calls --downloaded --not-downloaded 2> "$OUT/both.err"; echo $? > "$OUT/both.rc"
"#;
    let mut command = common::in_keyring_session(script);
    let out = dir.path().to_owned();
    command
        .env("CALLREC_DATA_DIR", &data)
        .env("CALLREC_SUPABASE_URL", backend.base_url())
        .env("CALLREC_SUPABASE_ANON_KEY", backend.anon_key())
        .env("CALLREC", BIN)
        .env("ONE", fx::WAV_PCM16)
        .env("MULTI", fx::MULTI_SEGMENT)
        .env("OUT", &out)
        .env("PW", &user.password)
        .env("EMAIL", &user.email)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let child = command.spawn().unwrap();
    let output = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap())
        .await
        .unwrap();
    let read = |name: &str| std::fs::read_to_string(out.join(name)).unwrap_or_default();
    assert!(
        output.status.success(),
        "exit {:?}: {}\nfilter: {}\nmulti: {}",
        output.status.code(),
        String::from_utf8_lossy(&output.stderr),
        read("filter.err"),
        read("multi.err")
    );
    let filtered: Value = serde_json::from_str(&read("filter.json")).unwrap();
    let done = filtered["done"].as_array().unwrap();
    assert!(!done.is_empty());
    assert!(
        done.iter().all(|f| f["callId"] == fx::WAV_PCM16),
        "{filtered}"
    );
    assert!(
        read("filter.err").contains("1 call(s) match the filter"),
        "{}",
        read("filter.err")
    );
    // Human output: one line per file (SHA-256, size, call, path) and a count; progress on
    // stderr as plain lines (not a terminal here).
    let multi = read("multi.txt");
    assert!(
        multi
            .lines()
            .last()
            .unwrap()
            .ends_with("downloaded, 0 already here, 0 failed"),
        "{multi}"
    );
    assert!(read("multi.err").contains("done,"), "{}", read("multi.err"));
    assert!(
        read("again.err").contains("already downloaded"),
        "{}",
        read("again.err")
    );
    // A second download of a call fetches nothing and reports its files as already here.
    let again: Value = serde_json::from_str(&read("again.json")).unwrap();
    assert_eq!(again["done"].as_array().map(Vec::len), Some(0), "{again}");
    let already = again["already"].as_array().unwrap();
    assert!(already.len() >= 2, "{again}");
    assert!(
        already
            .iter()
            .all(|f| f["callId"] == fx::MULTI_SEGMENT && f["sha256"].is_string()),
        "{again}"
    );
    // The list marks exactly the downloaded calls.
    let calls: Value = serde_json::from_str(&read("calls.json")).unwrap();
    let marked: Vec<&str> = calls["rows"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|row| row["downloaded"] == true)
        .map(|row| row["id"].as_str().unwrap())
        .collect();
    let mut expected = vec![fx::WAV_PCM16, fx::MULTI_SEGMENT];
    expected.sort_unstable();
    let mut marked = marked;
    marked.sort_unstable();
    assert_eq!(marked, expected);

    // `--downloaded` lists exactly those, from the library (said on stderr), page by page;
    // `--not-downloaded` the rest of the project's list, in its order.
    let ids = |json: &str| -> Vec<String> {
        let page: Value = serde_json::from_str(json).unwrap();
        page["rows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|row| row["id"].as_str().unwrap().to_owned())
            .collect()
    };
    let mut downloaded = ids(&read("downloaded.json"));
    downloaded.sort_unstable();
    assert_eq!(downloaded, expected);
    assert!(
        read("downloaded.err").contains("from the library"),
        "{}",
        read("downloaded.err")
    );
    let all = ids(&read("calls.json"));
    let rest: Vec<String> = all
        .iter()
        .filter(|id| !expected.contains(&id.as_str()))
        .cloned()
        .collect();
    assert_eq!(ids(&read("not-downloaded.json")), rest);
    let table = read("downloaded.txt");
    assert!(
        table.contains(fx::MULTI_SEGMENT) && table.contains(fx::WAV_PCM16),
        "{table}"
    );
    assert!(table.trim_end().ends_with("2 call(s) of 2"), "{table}");
    assert_eq!(
        read("both.rc").trim(),
        "2",
        "clap refuses both: {}",
        read("both.err")
    );
    assert!(
        read("both.err").contains("cannot be used with"),
        "{}",
        read("both.err")
    );
}
