//! The `callrec` binary as a script sees it: exit codes, one JSON document on stdout, the
//! configuration order, and no secret ever printed.

use std::process::{Command, Output};

use callrec_backend::BackendArgs;
use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_callrec");

/// A `callrec` command with a private data dir and none of the caller's `CALLREC_*` settings.
fn callrec(data_dir: &std::path::Path) -> Command {
    let mut command = Command::new(BIN);
    for (name, _) in std::env::vars() {
        if name.starts_with("CALLREC_") {
            command.env_remove(name);
        }
    }
    command.env("CALLREC_DATA_DIR", data_dir);
    command
}

fn json_of(output: &Output) -> Value {
    let stdout = String::from_utf8_lossy(&output.stdout);
    serde_json::from_str(&stdout).unwrap_or_else(|error| {
        panic!(
            "stdout is not one JSON document ({error}):\n{stdout}\nstderr:\n{}",
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

#[test]
fn usage_errors_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let output = callrec(dir.path()).arg("no-such-command").output().unwrap();
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn status_without_a_project_says_how_to_configure_one() {
    let dir = tempfile::tempdir().unwrap();
    let output = callrec(dir.path())
        .args(["--json", "status"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let json = json_of(&output);
    assert_eq!(json["error"]["code"], "not_configured");
}

#[test]
fn config_layers_flags_over_env_over_file_and_hides_the_api_key() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("config.toml"),
        "supabase_url = \"https://file.supabase.co\"\nanon_key = \"from-file\"\nfunctions_url = \"https://fn.example/v1\"\n",
    )
    .unwrap();
    let output = callrec(dir.path())
        .env("CALLREC_SUPABASE_URL", "https://env.supabase.co")
        .env("CALLREC_SIGNED_URL_API_KEY", "sk_live_very_secret")
        .args([
            "--json",
            "config",
            "--signed-url-functions-url",
            "https://b.example/functions/v1",
        ])
        .output()
        .unwrap();
    assert!(output.status.success());
    let json = json_of(&output);
    assert_eq!(json["supabase_url"], "https://env.supabase.co/");
    assert_eq!(json["functions_url"], "https://fn.example/v1");
    assert_eq!(
        json["signed_url_functions_url"],
        "https://b.example/functions/v1"
    );
    assert_eq!(json["signed_url_api_key_set"], true);
    let everything = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(!everything.contains("sk_live_very_secret"));
    assert!(
        !everything.contains("from-file"),
        "the anon key is not shown either"
    );
}

#[test]
fn an_insecure_project_url_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let output = callrec(dir.path())
        .args([
            "--json",
            "status",
            "--supabase-url",
            "http://example.com",
            "--anon-key",
            "k",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(json_of(&output)["error"]["code"], "config_invalid_url");
}

#[test]
fn status_reports_an_unreachable_project_with_exit_5() {
    let dir = tempfile::tempdir().unwrap();
    // A port nothing listens on: bind, note the port, close.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let output = callrec(dir.path())
        .env("CALLREC_SUPABASE_URL", format!("http://127.0.0.1:{port}"))
        .env("CALLREC_SUPABASE_ANON_KEY", "anon")
        .args(["--json", "status"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(5));
    assert_eq!(json_of(&output)["error"]["code"], "unreachable");
}

#[tokio::test(flavor = "multi_thread")]
async fn status_against_the_local_backend() {
    let backend = callrec_backend::start(BackendArgs {
        calls: 20,
        ..BackendArgs::default()
    })
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut command = callrec(dir.path());
    command
        .env("CALLREC_SUPABASE_URL", backend.base_url())
        .env("CALLREC_SUPABASE_ANON_KEY", backend.anon_key())
        .args(["--json", "status"]);
    let output = tokio::task::spawn_blocking(move || command.output().unwrap())
        .await
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let json = json_of(&output);
    assert_eq!(json["authService"], "GoTrue");
    assert_eq!(json["restReachable"], true);

    // A wrong anon key is refused by the gateway: an auth failure, exit 3.
    let mut command = callrec(dir.path());
    command
        .env("CALLREC_SUPABASE_URL", backend.base_url())
        .env("CALLREC_SUPABASE_ANON_KEY", "not-the-key")
        .args(["--json", "status"]);
    let output = tokio::task::spawn_blocking(move || command.output().unwrap())
        .await
        .unwrap();
    assert_eq!(output.status.code(), Some(3));
    assert_eq!(json_of(&output)["error"]["code"], "key_rejected");
    backend.shutdown().await;
}

#[cfg(unix)]
#[test]
fn backend_prints_one_json_document_then_serves() {
    use std::io::Read;
    let dir = tempfile::tempdir().unwrap();
    let mut child = callrec(dir.path())
        .args(["--json", "backend", "--port", "0", "--calls", "10"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    // Read until the document is complete; the process keeps serving afterwards.
    let mut text = String::new();
    let mut buffer = [0u8; 1024];
    let json = loop {
        let read = stdout.read(&mut buffer).unwrap();
        assert!(read > 0, "backend exited before printing its JSON: {text}");
        text.push_str(&String::from_utf8_lossy(&buffer[..read]));
        if let Ok(json) = serde_json::from_str::<Value>(&text) {
            break json;
        }
    };
    let url = json["supabase_url"].as_str().unwrap().to_owned();
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    assert!(json["demo_email"].as_str().unwrap().contains('@'));
    let health = reqwest::blocking::Client::new()
        .get(format!("{url}/auth/v1/health"))
        .header("apikey", json["anon_key"].as_str().unwrap())
        .send()
        .unwrap();
    assert!(health.status().is_success());

    // SIGTERM, as a service manager or a test harness sends it: a clean exit that removes
    // the temporary data dir.
    let data_dir = std::path::PathBuf::from(json["data_dir"].as_str().unwrap());
    assert!(data_dir.exists());
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = child.wait().unwrap();
    assert!(status.success(), "{status}");
    assert!(!data_dir.exists(), "{} was left behind", data_dir.display());
}
