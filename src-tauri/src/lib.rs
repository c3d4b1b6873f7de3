//! The desktop shell: Tauri setup, commands and the error boundary. Thin adapters over
//! `callrec-core`; no product logic lives here.

mod commands;
mod desktop;
mod error;
mod lockdown;
#[cfg(target_os = "linux")]
mod painting;
#[cfg(test)]
mod tests;
#[cfg(target_os = "linux")]
mod webkit_features;

use tauri::{Emitter, Manager};

use callrec_core::ErrorCode;
use callrec_core::app::App;
use callrec_core::config::Settings;

pub use callrec_core::app::AppInfo;
pub use callrec_core::links::OpenCall;
pub use desktop::OPEN_CALL_EVENT;
pub use error::IpcError;

/// Emitted with a `SessionState` whenever the session changes, including on its own (a refresh
/// the server refused, the project unreachable, a switch of project).
pub const SESSION_CHANGED_EVENT: &str = "session-changed";
/// A background sync of the reviews ended; payload: its `SyncStatus`.
pub const REVIEWS_SYNCED_EVENT: &str = "reviews-synced";

/// Starts the app. Configuration failures are not fatal: the window opens and says what is
/// wrong, because a reviewer can act on a message but not on a crash.
pub fn run() {
    // First, while the process has one thread: it may set the environment WebKitGTK reads.
    #[cfg(target_os = "linux")]
    let rendering = painting::choose();
    init_logging();
    #[cfg(target_os = "linux")]
    tracing::info!(?rendering, "how WebKitGTK renders the page");
    let context = tauri::generate_context!();
    if desktop::handed_over_to_running_instance(&context.config().identifier) {
        return;
    }
    tauri::Builder::default()
        // Single-instance first: a second launch must hand over and exit before anything else.
        .plugin(desktop::single_instance())
        .plugin(tauri_plugin_deep_link::init())
        .plugin(desktop::deep_links())
        .plugin(desktop::window_state())
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_opener::init())
        .plugin(tauri_plugin_clipboard_manager::init())
        .plugin(lockdown::navigation_guard())
        .setup(move |app| {
            #[cfg(target_os = "linux")]
            if let Some(window) = app.get_webview_window(desktop::MAIN_WINDOW) {
                painting::apply(&window, &rendering);
            }
            let state = App::load(Settings::default())?;
            if let Err(error) = state.config() {
                tracing::warn!(%error, "configuration is not usable");
            }
            if let Ok(session) = state.session() {
                let mut changes = session.subscribe();
                let handle = app.handle().clone();
                tauri::async_runtime::spawn(async move {
                    while changes.changed().await.is_ok() {
                        let current = changes.borrow_and_update().clone();
                        if let Err(error) = handle.emit(SESSION_CHANGED_EVENT, current) {
                            tracing::warn!(%error, "could not emit {SESSION_CHANGED_EVENT}");
                        }
                    }
                });
            }
            // Each background sync's outcome goes to the UI, which reads the open call again.
            let mut synced = state.auto_sync().subscribe();
            let handle = app.handle().clone();
            tauri::async_runtime::spawn(async move {
                while synced.changed().await.is_ok() {
                    let status = synced.borrow_and_update().clone();
                    if let Err(error) = handle.emit(REVIEWS_SYNCED_EVENT, status) {
                        tracing::warn!(%error, "could not emit {REVIEWS_SYNCED_EVENT}");
                    }
                }
            });
            app.manage(state);
            let handle = app.handle().clone();
            tauri::async_runtime::spawn(async move {
                handle.state::<App>().run_auto_sync().await;
            });
            // Restore the saved session without holding up the window.
            let handle = app.handle().clone();
            tauri::async_runtime::spawn(async move {
                let app = handle.state::<App>();
                if app.session().is_ok()
                    && let Err(error) = app.session_state().await
                {
                    tracing::warn!(code = error.code(), %error, "restoring the session failed");
                }
            });
            Ok(())
        })
        // Every command of the one list (`command_list.rs`).
        .invoke_handler({
            macro_rules! callrec_commands {
                ($($command:ident),* $(,)?) => {
                    tauri::generate_handler![$(commands::$command),*]
                };
            }
            include!("command_list.rs")
        })
        .run(context)
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
