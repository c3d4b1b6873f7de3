//! Running `callrec` as a process in a private kernel keyring session (keyutils): a test's
//! session never touches the machine's keyring, and no Secret Service is needed.

use std::process::Command;

/// Whether `keyctl` can give the test a session; when not, the test is skipped (it panics
/// instead under `CALLREC_REQUIRE_KEYRING=1`, as CI sets).
pub fn keyctl_or_skip(test: &str) -> bool {
    let available = cfg!(target_os = "linux")
        && Command::new("keyctl")
            .arg("--version")
            .output()
            .is_ok_and(|output| output.status.success());
    if !available {
        if std::env::var("CALLREC_REQUIRE_KEYRING").is_ok_and(|v| v == "1") {
            panic!("CALLREC_REQUIRE_KEYRING=1 but `keyctl` is not installed");
        }
        eprintln!("SKIPPED {test}: no keyctl");
    }
    available
}

/// `sh -c script` in a fresh kernel keyring session, without the caller's `CALLREC_*` settings
/// and with no D-Bus session bus, so the CLI keeps its session in that keyring.
pub fn in_keyring_session(script: &str) -> Command {
    let mut command = Command::new("keyctl");
    for (name, _) in std::env::vars() {
        if name.starts_with("CALLREC_") {
            command.env_remove(name);
        }
    }
    command
        .env(
            "DBUS_SESSION_BUS_ADDRESS",
            "unix:path=/nonexistent/callrec-test-bus",
        )
        .args(["session", "-", "sh", "-c", script]);
    command
}
