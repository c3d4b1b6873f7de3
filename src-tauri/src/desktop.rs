//! Desktop integration: one running instance (a second launch focuses the first window) and
//! `callrec://call/<id>` links that open a call.
//!
//! Links reach the app as a command-line argument (Linux, Windows) or an OS event (macOS); the
//! deep-link plugin turns all of them into one event, and single-instance's `deep-link` feature
//! feeds it a second launch's arguments. Every link is untrusted input, read by
//! `callrec_core::links`: only a well-formed call id ever reaches the webview, never the raw URL.

use std::sync::Mutex;

use tauri::plugin::TauriPlugin;
use tauri::{AppHandle, Emitter, Manager, Runtime};
use tauri_plugin_deep_link::DeepLinkExt;

use callrec_core::ErrorCode;
use callrec_core::links::{OpenCall, parse_call_link};

/// Emitted to the main window with an [`OpenCall`] when a `callrec://call/<id>` link arrives.
pub const OPEN_CALL_EVENT: &str = "open-call";

pub(crate) const MAIN_WINDOW: &str = "main";

/// Whether another instance of the app runs in this session and took this launch's arguments.
/// Asked before anything of GTK or WebKit starts: the plugin's own hand-over exits from inside
/// Tauri's setup, with WebKit's threads running, and that exit can crash (SIGSEGV) the second
/// launch. Same D-Bus name, path and method as the plugin, so either side may be the older
/// build; when nothing answers, the plugin still takes the name as usual.
#[cfg(target_os = "linux")]
pub fn handed_over_to_running_instance(identifier: &str) -> bool {
    let name = format!("{identifier}.SingleInstance");
    let path = format!("/{}", name.replace('.', "/").replace('-', "_"));
    let Ok(connection) = zbus::blocking::Connection::session() else {
        return false;
    };
    let args: Vec<String> = std::env::args_os()
        .map(|arg| arg.to_string_lossy().into_owned())
        .collect();
    let cwd = std::env::current_dir().unwrap_or_default();
    let handed = connection.call_method(
        Some(name.as_str()),
        path.as_str(),
        Some("org.SingleInstance.DBus"),
        "ExecuteCallback",
        &(args, cwd.to_string_lossy().as_ref()),
    );
    match handed {
        Ok(_) => {
            tracing::info!("handed this launch to the running instance");
            true
        }
        // No owner (the usual first launch) or an instance that cannot answer: start normally.
        Err(_) => false,
    }
}

#[cfg(not(target_os = "linux"))]
pub fn handed_over_to_running_instance(_identifier: &str) -> bool {
    false
}

/// The single-instance plugin: a second launch hands its arguments (a link, with the
/// `deep-link` feature) to this instance and exits; this instance comes to the front.
pub fn single_instance<R: Runtime>() -> TauriPlugin<R> {
    tauri_plugin_single_instance::init(|app, args, _cwd| {
        tracing::info!(
            arguments = args.len().saturating_sub(1),
            "a second launch was handed to this instance"
        );
        focus_main_window(app);
    })
}

/// Window size, position and maximised state, saved on exit and restored at start. Not the
/// visibility or decorations: a window saved hidden must never come back hidden.
pub fn window_state<R: Runtime>() -> TauriPlugin<R> {
    use tauri_plugin_window_state::StateFlags;
    tauri_plugin_window_state::Builder::default()
        .with_state_flags(StateFlags::SIZE | StateFlags::POSITION | StateFlags::MAXIMIZED)
        .build()
}

/// A link the app was started with, kept until the UI asks for it (`take_open_call`) once it
/// shows the calls: an event sent before then (the page loading, the reviewer signing in) would
/// be lost.
#[derive(Default)]
pub struct PendingOpenCall(Mutex<Option<OpenCall>>);

impl PendingOpenCall {
    pub fn take(&self) -> Option<OpenCall> {
        lock(&self.0).take()
    }
}

/// Opens `callrec://call/<id>` links: those arriving while the app runs, and the one it was
/// started with. Register after the deep-link plugin.
pub fn deep_links<R: Runtime>() -> TauriPlugin<R> {
    tauri::plugin::Builder::new("callrec-desktop")
        .setup(|app, _api| {
            let pending = PendingOpenCall::default();
            // A cold start with a link: the deep-link plugin read it from the arguments.
            if let Ok(Some(urls)) = app.deep_link().get_current()
                && let Some(url) = urls.first()
            {
                match parse_call_link(url.as_str()) {
                    Ok(call) => *lock(&pending.0) = Some(call),
                    Err(error) => tracing::warn!(code = error.code(), %error, "ignored a link"),
                }
            }
            app.manage(pending);
            let handle = app.clone();
            app.deep_link().on_open_url(move |event| {
                for url in event.urls() {
                    open_link(&handle, url.as_str());
                }
            });
            Ok(())
        })
        .build()
}

fn open_link<R: Runtime>(app: &AppHandle<R>, link: &str) {
    match parse_call_link(link) {
        Ok(call) => {
            emit_open_call(app, call);
            focus_main_window(app);
        }
        // Not logged in full: it may be long or crafted; the error says what was wrong.
        Err(error) => tracing::warn!(code = error.code(), %error, "ignored a link"),
    }
}

fn emit_open_call<R: Runtime>(app: &AppHandle<R>, call: OpenCall) {
    tracing::info!(call_id = %call.call_id, "opening a call from a link");
    if let Err(error) = app.emit_to(MAIN_WINDOW, OPEN_CALL_EVENT, call) {
        tracing::warn!(%error, "could not emit {OPEN_CALL_EVENT}");
    }
}

fn focus_main_window<R: Runtime>(app: &AppHandle<R>) {
    let Some(window) = app.get_webview_window(MAIN_WINDOW) else {
        tracing::warn!("no main window to focus");
        return;
    };
    // Each step can fail on its own (e.g. a Wayland compositor refusing focus); the others
    // still help, so none of them stops the rest.
    for (step, result) in [
        ("unminimize", window.unminimize()),
        ("show", window.show()),
        ("set_focus", window.set_focus()),
    ] {
        if let Err(error) = result {
            tracing::warn!(%error, "{step} of the main window failed");
        }
    }
}

/// A poisoned lock only means another thread panicked mid-update of an `Option`; the value
/// is still usable.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}
