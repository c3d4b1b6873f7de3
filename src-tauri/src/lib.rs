//! The desktop shell: Tauri setup, commands and the error boundary. Thin adapters over
//! `callrec-core`; no product logic lives here.

mod commands;
mod error;
mod state;

use tauri::Manager;

pub use error::IpcError;
pub use state::AppInfo;

/// Starts the app. Configuration failures are not fatal: the window opens and says what is
/// wrong, because a reviewer can act on a message but not on a crash.
pub fn run() {
    init_logging();
    tauri::Builder::default()
        .setup(|app| {
            let state = state::AppState::load()?;
            if let Err(error) = &state.config {
                tracing::warn!(%error, "configuration is not usable");
            }
            app.manage(state);
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::app_info,
            commands::probe_project
        ])
        .run(tauri::generate_context!())
        .unwrap_or_else(|error| {
            eprintln!("Callrec could not start: {error}");
            std::process::exit(1);
        });
}

fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("CALLREC_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn,callrec=info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}
