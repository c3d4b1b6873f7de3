//! `callrec demo`: the local backend plus the app pointed at it, in one command.

use std::path::{Path, PathBuf};

use clap::Args;
use tokio::process::Command;

use callrec_backend::BackendArgs;
use callrec_core::config::{
    self, ENV_ANON_KEY, ENV_DATA_DIR, ENV_DEMO, ENV_DEMO_EMAIL, ENV_FUNCTIONS_URL,
    ENV_SIGNED_URL_API_KEY, ENV_SIGNED_URL_FUNCTIONS_URL, ENV_SUPABASE_URL, Settings,
};

use super::backend::{self, BackendInfo};
use crate::exit::CliError;
use crate::output::Output;

/// The app binary's name (tauri.conf.json `mainBinaryName`).
const APP_BINARY: &str = "callrec-app";
const ENV_APP_BIN: &str = "CALLREC_APP_BIN";

#[derive(Args, Debug)]
pub struct DemoArgs {
    #[command(flatten)]
    backend: BackendArgs,
    /// Only run the backend and print the environment for the CLI; do not start the app.
    #[arg(long)]
    no_app: bool,
    /// The app binary [env: CALLREC_APP_BIN; default: next to `callrec`, then PATH]
    #[arg(long, value_name = "PATH")]
    app: Option<PathBuf>,
}

pub async fn run(output: &Output, flags: Settings, mut args: DemoArgs) -> Result<(), CliError> {
    let data_dir = match flags
        .data_dir
        .or_else(|| std::env::var_os(ENV_DATA_DIR).map(PathBuf::from))
    {
        Some(dir) => dir,
        None => config::default_data_dir().ok_or(config::ConfigError::NoDataDir)?,
    };
    // The demo keeps its own profile, and its backend keeps rendered audio between runs.
    let profile_dir = data_dir.join("demo");
    if args.backend.data_dir.is_none() {
        args.backend.data_dir = Some(data_dir.join("demo-backend"));
    }
    let app = if args.no_app {
        None
    } else {
        Some(find_app(args.app.as_deref())?)
    };

    let running = backend::start(args.backend).await?;
    let info = BackendInfo::of(&running);
    let exports = format!(
        "export {ENV_SUPABASE_URL}={}\nexport {ENV_ANON_KEY}={}\nexport {ENV_DATA_DIR}={}",
        info.supabase_url,
        info.anon_key,
        profile_dir.display()
    );
    output.result(&info, || {
        format!("{}\n\nFor the CLI:\n{exports}", running.banner())
    });

    let Some(app) = app else {
        output.note("Backend running; Ctrl-C stops it.");
        super::shutdown_signal().await;
        running.shutdown().await;
        return Ok(());
    };

    output.note(format!("Starting {} …", app.display()));
    let mut child = Command::new(&app)
        .env(ENV_SUPABASE_URL, &info.supabase_url)
        .env(ENV_ANON_KEY, &info.anon_key)
        .env(ENV_DATA_DIR, &profile_dir)
        .env(ENV_DEMO, "1")
        .env(ENV_DEMO_EMAIL, &info.demo_email)
        // The demo backend serves both functions itself; inherited overrides would point
        // the app elsewhere.
        .env_remove(ENV_FUNCTIONS_URL)
        .env_remove(ENV_SIGNED_URL_FUNCTIONS_URL)
        .env_remove(ENV_SIGNED_URL_API_KEY)
        .kill_on_drop(true)
        .spawn()
        .map_err(|error| CliError::other(format!("could not start {}: {error}", app.display())))?;

    let outcome = tokio::select! {
        status = child.wait() => status.map_err(|error| CliError::other(format!("waiting for the app: {error}"))),
        _ = super::shutdown_signal() => {
            let _ = child.kill().await;
            child.wait().await.map_err(|error| CliError::other(format!("stopping the app: {error}")))
        }
    };
    running.shutdown().await;
    let status = outcome?;
    if status.success() || status.code().is_none() {
        Ok(())
    } else {
        Err(CliError::other(format!("the app exited with {status}")))
    }
}

/// `--app`, then `$CALLREC_APP_BIN`, then beside this executable, then `PATH`.
fn find_app(explicit: Option<&Path>) -> Result<PathBuf, CliError> {
    let candidates = explicit
        .map(Path::to_owned)
        .into_iter()
        .chain(std::env::var_os(ENV_APP_BIN).map(PathBuf::from))
        .chain(
            std::env::current_exe()
                .ok()
                .and_then(|exe| exe.parent().map(|dir| dir.join(binary_name()))),
        )
        .chain(
            std::env::var_os("PATH")
                .map(|path| {
                    std::env::split_paths(&path)
                        .map(|dir| dir.join(binary_name()))
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default(),
        );
    for candidate in candidates {
        if candidate.is_file() {
            return Ok(candidate);
        }
    }
    Err(CliError {
        code: "app_not_found".into(),
        message: format!(
            "the Callrec app ({}) was not found next to callrec or on PATH; build it with `cargo build -p callrec-app`, pass --app, or use --no-app",
            binary_name()
        ),
        kind: callrec_core::ErrorKind::Usage,
    })
}

fn binary_name() -> String {
    format!("{APP_BINARY}{}", std::env::consts::EXE_SUFFIX)
}
