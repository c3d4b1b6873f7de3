//! `callrec login`, `callrec whoami`, `callrec logout`: the session in the OS keyring, shared
//! with the desktop app (same keyring entries, same data dir).

use std::io::{IsTerminal, Read};
use std::sync::Arc;

use clap::Args;

use callrec_core::app::App;
use callrec_core::config::{Config, Settings};
use callrec_core::http;
use callrec_core::secret::Secret;
use callrec_core::session::{
    KeyringInfo, KeyringStore, SessionError, SessionManager, SessionState, SessionStatus,
};
use callrec_core::{ErrorCode, ErrorKind};

use crate::exit::CliError;
use crate::output::Output;

#[derive(Args, Debug)]
pub struct LoginArgs {
    /// The reviewer's email address.
    #[arg(long, value_name = "EMAIL")]
    email: String,
    /// Read the password from standard input (all of it, minus one trailing newline). Without
    /// it the password is asked for on the terminal, without echo.
    #[arg(long)]
    password_stdin: bool,
}

pub(crate) fn manager(flags: Settings) -> Result<SessionManager, CliError> {
    let config = Config::from_process_env(flags)?;
    let project = config.project.ok_or(SessionError::NotConfigured)?;
    let store = KeyringStore::new().map_err(SessionError::from)?;
    Ok(SessionManager::new(
        http::client()?,
        project,
        Arc::new(store),
        config.data_dir,
    ))
}

/// The app, as the desktop shell holds it, with the session restored as at launch; signed
/// out is an error (exit 3). Commands working for the reviewer call its use-cases.
pub(crate) async fn signed_in(flags: Settings) -> Result<App, CliError> {
    let app = App::load(flags)?;
    app.config()?;
    if app.current_project().await.is_none() {
        return Err(SessionError::NotConfigured.into());
    }
    let state = app.session_state().await?;
    if state.status == SessionStatus::SignedOut {
        return Err(not_signed_in(state.notice));
    }
    Ok(app)
}

fn not_signed_in(notice: Option<callrec_core::session::SessionNotice>) -> CliError {
    match notice {
        Some(notice) => CliError {
            code: notice.code,
            message: notice.message,
            kind: ErrorKind::Auth,
        },
        None => {
            let error = SessionError::NotSignedIn;
            CliError {
                code: error.code().into(),
                message: "not signed in: run `callrec login --email …`".into(),
                kind: error.kind(),
            }
        }
    }
}

fn read_password(from_stdin: bool) -> Result<Secret<String>, CliError> {
    let usage = |message: &str| CliError::usage(message);
    let mut password = if from_stdin {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|error| usage(&format!("reading the password from stdin: {error}")))?;
        if text.ends_with('\n') {
            text.pop();
            if text.ends_with('\r') {
                text.pop();
            }
        }
        text
    } else if std::io::stdin().is_terminal() {
        rpassword::prompt_password("Password: ")
            .map_err(|error| usage(&format!("reading the password: {error}")))?
    } else {
        return Err(usage(
            "no terminal to ask for the password on: pipe it in with --password-stdin",
        ));
    };
    if password.is_empty() {
        return Err(usage("the password is empty"));
    }
    let secret = Secret::new(std::mem::take(&mut password));
    Ok(secret)
}

fn describe_keyring(keyring: &KeyringInfo) -> String {
    let backend = serde_json::to_value(keyring.backend)
        .ok()
        .and_then(|value| value.as_str().map(str::to_owned))
        .unwrap_or_default();
    let mut text = format!(
        "{backend} ({})",
        if keyring.persistent {
            "kept across logouts"
        } else {
            "until you log out of this computer"
        }
    );
    if let Some(warning) = &keyring.warning {
        text.push_str("\nNote: ");
        text.push_str(warning);
    }
    text
}

fn describe(state: &SessionState) -> String {
    let mut text = match (&state.status, &state.user) {
        (SessionStatus::SignedOut, _) | (_, None) => "Signed out.".to_owned(),
        (status, Some(user)) => format!(
            "Signed in as {} (user id {})\nStatus:  {}",
            user.email,
            user.id,
            if *status == SessionStatus::Offline {
                "offline (the project could not be reached; using the saved session)"
            } else {
                "online"
            }
        ),
    };
    text.push_str("\nKeyring: ");
    text.push_str(&describe_keyring(&state.keyring));
    if let Some(notice) = &state.notice {
        text.push_str(&format!("\n{} ({})", notice.message, notice.code));
    }
    text
}

pub async fn login(output: &Output, flags: Settings, args: LoginArgs) -> Result<(), CliError> {
    let manager = manager(flags)?;
    let password = read_password(args.password_stdin)?;
    let state = manager.sign_in(&args.email, &password).await?;
    output.result(&state, || describe(&state));
    Ok(())
}

/// Restores the session as the app does at launch; signed out is exit 3.
pub async fn whoami(output: &Output, flags: Settings) -> Result<(), CliError> {
    let manager = manager(flags)?;
    let state = manager.restore().await?;
    if state.status == SessionStatus::SignedOut {
        return Err(not_signed_in(state.notice));
    }
    output.result(&state, || describe(&state));
    Ok(())
}

pub async fn logout(output: &Output, flags: Settings) -> Result<(), CliError> {
    let manager = manager(flags)?;
    let state = manager.sign_out().await?;
    output.result(&state, || describe(&state));
    Ok(())
}
