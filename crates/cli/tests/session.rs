//! `callrec login`, `whoami` and `logout` as separate processes: the session must survive
//! between them in the OS keyring — the real Secret Service, or the kernel keyring (keyutils)
//! when no session bus answers.

use std::io::Write as _;
use std::process::{Command, Output, Stdio};

use callrec_backend::{BackendArgs, RunningBackend};
use callrec_core::session::{KeyringBackend, KeyringStore, TokenStore};
use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_callrec");

fn require_keyring() -> bool {
    std::env::var("CALLREC_REQUIRE_KEYRING").is_ok_and(|v| v == "1")
}

/// Skips (saying why, past the harness's capture) or, when CI requires a keyring, fails.
fn skip(test: &str, reason: &str) {
    if require_keyring() {
        panic!("{test}: CALLREC_REQUIRE_KEYRING=1 but {reason}");
    }
    let _ = writeln!(std::io::stderr(), "SKIPPED {test}: {reason}");
}

/// `callrec` against `backend` with a private data dir and none of the caller's settings.
fn callrec(backend: &RunningBackend, data_dir: &std::path::Path) -> Command {
    configured(Command::new(BIN), backend, data_dir)
}

fn configured(
    mut command: Command,
    backend: &RunningBackend,
    data_dir: &std::path::Path,
) -> Command {
    for (name, _) in std::env::vars() {
        if name.starts_with("CALLREC_") {
            command.env_remove(name);
        }
    }
    command
        .env("CALLREC_DATA_DIR", data_dir)
        .env("CALLREC_SUPABASE_URL", backend.base_url())
        .env("CALLREC_SUPABASE_ANON_KEY", backend.anon_key());
    command
}

async fn run(mut command: Command, stdin: Option<String>) -> Output {
    tokio::task::spawn_blocking(move || {
        command.stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        });
        command.stdout(Stdio::piped()).stderr(Stdio::piped());
        let mut child = command.spawn().unwrap();
        if let Some(text) = stdin {
            child
                .stdin
                .take()
                .unwrap()
                .write_all(text.as_bytes())
                .unwrap();
        }
        child.wait_with_output().unwrap()
    })
    .await
    .unwrap()
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

fn everything(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn login_whoami_logout_as_separate_processes_on_the_real_keyring() {
    const TEST: &str = "login_whoami_logout_as_separate_processes_on_the_real_keyring";
    if std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_none() {
        return skip(TEST, "DBUS_SESSION_BUS_ADDRESS is unset (no session bus)");
    }
    match KeyringStore::new() {
        Ok(store) if store.info().backend == KeyringBackend::SecretService => {}
        Ok(_) => return skip(TEST, "no Secret Service answered on the session bus"),
        Err(error) => return skip(TEST, &error.to_string()),
    }
    let backend = callrec_backend::start(BackendArgs {
        calls: 5,
        ..BackendArgs::default()
    })
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let user = backend.demo_user().clone();

    let mut login = callrec(&backend, dir.path());
    login.args([
        "--json",
        "login",
        "--email",
        &user.email,
        "--password-stdin",
    ]);
    let output = run(login, Some(format!("{}\n", user.password))).await;
    assert!(output.status.success(), "{}", everything(&output));
    let state = json_of(&output);
    assert_eq!(state["status"], "signedIn");
    assert_eq!(state["user"]["email"], user.email.as_str());

    // A new process restores the session from the keyring.
    let mut whoami = callrec(&backend, dir.path());
    whoami.args(["--json", "whoami"]);
    let output = run(whoami, None).await;
    assert!(output.status.success(), "{}", everything(&output));
    let state = json_of(&output);
    assert_eq!(state["status"], "signedIn");
    assert_eq!(state["user"]["email"], user.email.as_str());
    assert_eq!(state["user"]["id"], user.id.as_str());
    assert_eq!(state["keyring"]["backend"], "secret_service");
    assert_eq!(state["keyring"]["persistent"], true);
    assert!(!everything(&output).contains(&user.password));

    // The human form says the same.
    let mut whoami = callrec(&backend, dir.path());
    whoami.arg("whoami");
    let output = run(whoami, None).await;
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        text.contains(&user.email) && text.contains("online") && text.contains("secret_service"),
        "{text}"
    );

    let mut logout = callrec(&backend, dir.path());
    logout.args(["--json", "logout"]);
    let output = run(logout, None).await;
    assert!(output.status.success(), "{}", everything(&output));
    assert_eq!(json_of(&output)["status"], "signedOut");
    let account = format!(
        "{}/{}",
        backend.base_url().trim_start_matches("http://"),
        user.id
    );
    assert!(
        KeyringStore::new()
            .unwrap()
            .load(&account)
            .unwrap()
            .is_none(),
        "logout leaves no keyring entry"
    );

    let mut whoami = callrec(&backend, dir.path());
    whoami.args(["--json", "whoami"]);
    let output = run(whoami, None).await;
    assert_eq!(output.status.code(), Some(3), "{}", everything(&output));
    assert_eq!(json_of(&output)["error"]["code"], "not_signed_in");
    backend.shutdown().await;
}

fn keyctl_available() -> bool {
    Command::new("keyctl")
        .arg("--version")
        .output()
        .is_ok_and(|output| output.status.success())
}

/// `sh -c script` inside a fresh kernel session keyring, with no reachable session bus;
/// the script finds the binary in `$CALLREC`.
fn in_keyring_session(backend: &RunningBackend, dir: &std::path::Path, script: &str) -> Command {
    let mut command = configured(Command::new("keyctl"), backend, dir);
    command
        .env(
            "DBUS_SESSION_BUS_ADDRESS",
            "unix:path=/nonexistent/callrec-test-bus",
        )
        .env("CALLREC", BIN)
        .args(["session", "-", "sh", "-c", script]);
    command
}

#[tokio::test(flavor = "multi_thread")]
async fn keyutils_fallback_without_a_session_bus() {
    const TEST: &str = "keyutils_fallback_without_a_session_bus";
    if !cfg!(target_os = "linux") {
        return;
    }
    if !keyctl_available() {
        return skip(TEST, "`keyctl` (keyutils) is not installed");
    }
    let backend = callrec_backend::start(BackendArgs {
        calls: 5,
        ..BackendArgs::default()
    })
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let user = backend.demo_user().clone();

    // login and whoami: two processes sharing one kernel session keyring; then logout.
    let mut command = in_keyring_session(
        &backend,
        dir.path(),
        r#"printf '%s\n' "$PW" | "$CALLREC" login --email "$EMAIL" --password-stdin >/dev/null && "$CALLREC" --json whoami && "$CALLREC" logout >/dev/null"#,
    );
    command.env("PW", &user.password).env("EMAIL", &user.email);
    let output = run(command, None).await;
    assert!(output.status.success(), "{}", everything(&output));
    let state = json_of(&output);
    assert_eq!(state["status"], "signedIn", "{state}");
    assert_eq!(state["user"]["email"], user.email.as_str());
    assert_eq!(state["user"]["id"], user.id.as_str());
    assert_eq!(state["keyring"]["backend"], "keyutils");
    assert_eq!(state["keyring"]["persistent"], false);
    let warning = state["keyring"]["warning"].as_str().unwrap_or_default();
    assert!(warning.contains("until you log out"), "{warning}");
    assert!(!everything(&output).contains(&user.password));
    // No plain-file fallback: nothing in the data dir holds the session.
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            !text.contains("refresh_token"),
            "{}: {text}",
            path.display()
        );
    }

    // Signed out (a fresh session keyring): exit 3; a wrong password: exit 3.
    let output = run(
        in_keyring_session(&backend, dir.path(), r#""$CALLREC" --json whoami"#),
        None,
    )
    .await;
    assert_eq!(output.status.code(), Some(3), "{}", everything(&output));
    assert_eq!(json_of(&output)["error"]["code"], "not_signed_in");
    let mut command = in_keyring_session(
        &backend,
        dir.path(),
        r#"printf 'wrong\n' | "$CALLREC" --json login --email "$EMAIL" --password-stdin"#,
    );
    command.env("EMAIL", &user.email);
    let output = run(command, None).await;
    assert_eq!(output.status.code(), Some(3), "{}", everything(&output));
    assert_eq!(json_of(&output)["error"]["code"], "invalid_credentials");
    // No terminal and no --password-stdin: a usage error, nothing sent.
    let grants = backend.stats().password_grants;
    let mut command = in_keyring_session(
        &backend,
        dir.path(),
        r#""$CALLREC" --json login --email "$EMAIL" </dev/null"#,
    );
    command.env("EMAIL", &user.email);
    let output = run(command, None).await;
    assert_eq!(output.status.code(), Some(2), "{}", everything(&output));
    assert_eq!(backend.stats().password_grants, grants);
    backend.shutdown().await;
}

#[test]
fn whoami_without_a_project_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let mut command = Command::new(BIN);
    for (name, _) in std::env::vars() {
        if name.starts_with("CALLREC_") {
            command.env_remove(name);
        }
    }
    let output = command
        .env("CALLREC_DATA_DIR", dir.path())
        .args(["--json", "whoami"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(json_of(&output)["error"]["code"], "not_configured");
}

/// With no session bus and no kernel session keyring there is no store at all: a clear
/// `keyring_unavailable` before the password is even sent, and never a file instead. (Inside a
/// desktop login's session keyring the keyutils fallback works instead; that is checked too.)
#[tokio::test(flavor = "multi_thread")]
async fn without_any_keyring_signing_in_fails_clearly_and_writes_no_file() {
    let backend = callrec_backend::start(BackendArgs {
        calls: 5,
        ..BackendArgs::default()
    })
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let user = backend.demo_user().clone();
    let mut login = callrec(&backend, dir.path());
    login
        .env(
            "DBUS_SESSION_BUS_ADDRESS",
            "unix:path=/nonexistent/callrec-test-bus",
        )
        .args([
            "--json",
            "login",
            "--email",
            &user.email,
            "--password-stdin",
        ]);
    let output = run(login, Some(user.password.clone())).await;
    if output.status.success() {
        // This process inherited a usable session keyring (a desktop login).
        assert_eq!(json_of(&output)["keyring"]["backend"], "keyutils");
        let mut logout = callrec(&backend, dir.path());
        logout.env(
            "DBUS_SESSION_BUS_ADDRESS",
            "unix:path=/nonexistent/callrec-test-bus",
        );
        logout.arg("logout");
        assert!(run(logout, None).await.status.success());
    } else {
        assert_eq!(output.status.code(), Some(1), "{}", everything(&output));
        let error = &json_of(&output)["error"];
        assert_eq!(error["code"], "keyring_unavailable");
        assert!(
            error["message"].as_str().unwrap().contains("never"),
            "{error}"
        );
        assert_eq!(backend.stats().password_grants, 0, "nothing was sent");
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            0,
            "no file was written"
        );
    }
    backend.shutdown().await;
}
