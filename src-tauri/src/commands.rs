//! The app's commands: each one call into the core's [`App`], its error mapped at the
//! boundary ([`IpcError`]). What is here beyond that is the desktop's own: the OS dialogs,
//! the file manager, the clipboard, and forwarding event streams to the webview.

use tauri::State;
use tauri::ipc::Channel;

use callrec_core::analysis::CallAnalysis;
use callrec_core::app::{App, AppInfo, PlayerPreferences};
use callrec_core::calls::{CallPage, CallQuery, Cursor, OpenedCall};
use callrec_core::downloads::{BulkQueued, DownloadAction, LibraryUsage, Progress};
use callrec_core::library::DownloadRecord;
use callrec_core::player::{Event as PlayerEvent, PlayerControl};
use callrec_core::project::ProjectStatus;
use callrec_core::recordings::Recording;
use callrec_core::reviews::{self, CallReviews, SyncStatus};
use callrec_core::secret::Secret;
use callrec_core::session::{SessionState, SignInRequest};
use callrec_core::waveform::WaveformEvent;

use crate::error::IpcError;

#[tauri::command]
pub async fn app_info(app: State<'_, App>) -> Result<AppInfo, IpcError> {
    Ok(app.app_info().await)
}

#[tauri::command]
pub async fn probe_project(app: State<'_, App>) -> Result<ProjectStatus, IpcError> {
    Ok(app.probe_project().await?)
}

/// The session; the first call waits for the launch's restore from the keyring.
#[tauri::command]
pub async fn session_state(app: State<'_, App>) -> Result<SessionState, IpcError> {
    Ok(app.session_state().await?)
}

#[tauri::command]
pub async fn sign_in(
    app: State<'_, App>,
    supabase_url: Option<String>,
    anon_key: Option<String>,
    email: String,
    password: String,
) -> Result<SessionState, IpcError> {
    let request = SignInRequest {
        supabase_url,
        anon_key,
        email,
        password: Secret::new(password),
    };
    Ok(app.sign_in(request).await?)
}

#[tauri::command]
pub async fn sign_out(app: State<'_, App>) -> Result<SessionState, IpcError> {
    Ok(app.sign_out().await?)
}

#[tauri::command]
pub async fn list_calls(
    app: State<'_, App>,
    query: CallQuery,
    cursor: Option<Cursor>,
) -> Result<CallPage, IpcError> {
    Ok(app.list_calls(&query, cursor.as_ref()).await?)
}

#[tauri::command]
pub async fn open_call(app: State<'_, App>, call_id: String) -> Result<OpenedCall, IpcError> {
    Ok(app.open_call(&call_id).await?)
}

#[tauri::command]
pub async fn call_recordings(app: State<'_, App>, call_id: String) -> Result<Recording, IpcError> {
    Ok(app.call_recordings(&call_id).await?)
}

#[tauri::command]
pub async fn download_call(
    app: State<'_, App>,
    call_id: String,
) -> Result<Vec<DownloadRecord>, IpcError> {
    Ok(app.download_call(&call_id).await?)
}

#[tauri::command]
pub async fn download_segment(
    app: State<'_, App>,
    call_id: String,
    recording_id: String,
) -> Result<DownloadRecord, IpcError> {
    Ok(app.download_recording(&call_id, &recording_id).await?)
}

#[tauri::command]
pub async fn download_matching(
    app: State<'_, App>,
    query: CallQuery,
    limit: Option<u32>,
) -> Result<BulkQueued, IpcError> {
    Ok(app.download_matching(&query, limit).await?)
}

#[tauri::command]
pub async fn count_matching(
    app: State<'_, App>,
    query: CallQuery,
) -> Result<Option<u64>, IpcError> {
    Ok(app.count_matching(&query).await?)
}

#[tauri::command]
pub async fn control_download(
    app: State<'_, App>,
    call_id: String,
    index: u32,
    action: DownloadAction,
) -> Result<(), IpcError> {
    Ok(app.control_download(&call_id, index, action).await?)
}

/// Streams the queue's progress to `on_progress` (the current state first), until the UI
/// drops the channel.
#[tauri::command]
pub async fn watch_downloads(
    app: State<'_, App>,
    on_progress: Channel<Progress>,
) -> Result<(), IpcError> {
    let mut progress = app.downloads().await?.subscribe();
    tauri::async_runtime::spawn(async move {
        loop {
            let current = progress.borrow_and_update().clone();
            if on_progress.send(current).is_err() || progress.changed().await.is_err() {
                break;
            }
        }
    });
    Ok(())
}

#[tauri::command]
pub async fn library_usage(app: State<'_, App>) -> Result<LibraryUsage, IpcError> {
    Ok(app.library_usage()?)
}

#[tauri::command]
pub async fn set_cache_limit(
    app: State<'_, App>,
    megabytes: u64,
) -> Result<LibraryUsage, IpcError> {
    Ok(app.set_cache_limit(megabytes)?)
}

/// Deletes a call's downloaded files; answers how many.
#[tauri::command]
pub async fn remove_call_files(app: State<'_, App>, call_id: String) -> Result<u32, IpcError> {
    let removed = app.remove_call_files(&call_id).await?;
    Ok(u32::try_from(removed.len()).unwrap_or(u32::MAX))
}

/// Copies a call's files into a folder the reviewer picks in the OS dialog (`None` back when
/// the dialog is cancelled).
#[tauri::command]
pub async fn export_call_files(
    handle: tauri::AppHandle,
    app: State<'_, App>,
    call_id: String,
) -> Result<Option<Vec<String>>, IpcError> {
    use tauri_plugin_dialog::DialogExt;
    // The folder is the reviewer's pick in the OS dialog, in Rust: the webview never names a
    // path.
    let (tx, rx) = tokio::sync::oneshot::channel();
    handle
        .dialog()
        .file()
        .set_title("Export the call's recordings to…")
        .pick_folder(move |picked| {
            let _ = tx.send(picked);
        });
    let folder = match rx.await.ok().flatten().map(|p| p.into_path()) {
        Some(Ok(path)) => path,
        Some(Err(error)) => return Err(IpcError::new("export_folder", error.to_string())),
        None => return Ok(None),
    };
    let written = app.export_call_files(&call_id, &folder)?;
    Ok(Some(
        written.iter().map(|p| p.display().to_string()).collect(),
    ))
}

/// Shows a call's first downloaded file in the OS file manager.
#[tauri::command]
pub async fn show_call_files(app: State<'_, App>, call_id: String) -> Result<(), IpcError> {
    let file = app.call_file(&call_id)?;
    tauri_plugin_opener::reveal_item_in_dir(&file)
        .map_err(|error| IpcError::new("show_in_folder", error.to_string()))
}

#[tauri::command]
pub async fn play_call(
    app: State<'_, App>,
    call_id: String,
    from: Option<f64>,
) -> Result<(), IpcError> {
    Ok(app.play_call(&call_id, from).await?)
}

#[tauri::command]
pub async fn analyze_call(app: State<'_, App>, call_id: String) -> Result<CallAnalysis, IpcError> {
    Ok(app.analyze_call(&call_id).await?)
}

/// Puts `callrec://call/<id>?t=<at>` on the clipboard, written by the shell (the webview has
/// no clipboard permission), and returns it.
#[tauri::command]
pub fn copy_moment_link(
    handle: tauri::AppHandle,
    call_id: String,
    at: f64,
) -> Result<String, IpcError> {
    use tauri_plugin_clipboard_manager::ClipboardExt;
    let link = callrec_core::links::moment_link(&call_id, at)?;
    handle
        .clipboard()
        .write_text(link.clone())
        .map_err(|error| IpcError::new("clipboard_failed", error.to_string()))?;
    Ok(link)
}

#[tauri::command]
pub fn player_control(app: State<'_, App>, control: PlayerControl) -> Result<(), IpcError> {
    Ok(app.player_control(control)?)
}

#[tauri::command]
pub async fn player_preferences(app: State<'_, App>) -> Result<PlayerPreferences, IpcError> {
    Ok(app.player_preferences().await)
}

#[tauri::command]
pub fn set_output_device(app: State<'_, App>, name: Option<String>) -> Result<(), IpcError> {
    Ok(app.set_output_device(name)?)
}

/// Streams the player's events to `on_event` until the UI drops the channel.
#[tauri::command]
pub fn watch_player(app: State<'_, App>, on_event: Channel<PlayerEvent>) {
    forward(app.player().subscribe(), on_event);
}

/// Streams the waveform of the call being played to `on_event` (what was computed so far
/// first), until the UI drops the channel.
#[tauri::command]
pub fn watch_waveform(app: State<'_, App>, on_event: Channel<WaveformEvent>) {
    forward(app.waveforms().subscribe(), on_event);
}

/// Forwards a std channel's events to the webview on a plain thread, until either side ends.
fn forward<T: serde::Serialize + Clone + Send + 'static>(
    events: std::sync::mpsc::Receiver<T>,
    to: Channel<T>,
) {
    std::thread::spawn(move || {
        while let Ok(event) = events.recv() {
            if to.send(event).is_err() {
                break;
            }
        }
    });
}

/// The `callrec://call/<id>` link the app was started with, once (then `None`).
#[tauri::command]
pub fn take_open_call(
    pending: State<'_, crate::desktop::PendingOpenCall>,
) -> Option<callrec_core::links::OpenCall> {
    pending.take()
}

#[tauri::command]
pub async fn call_reviews(app: State<'_, App>, call_id: String) -> Result<CallReviews, IpcError> {
    Ok(app.call_reviews(&call_id).await?)
}

#[tauri::command]
pub async fn set_review_status(
    app: State<'_, App>,
    call_id: String,
    status: reviews::ReviewStatus,
) -> Result<CallReviews, IpcError> {
    Ok(app.set_review_status(&call_id, status).await?)
}

#[tauri::command]
pub async fn answer_check(
    app: State<'_, App>,
    call_id: String,
    check_id: String,
    result: Option<reviews::CheckResult>,
    comment: Option<String>,
) -> Result<CallReviews, IpcError> {
    Ok(app
        .answer_check(&call_id, &check_id, result, comment)
        .await?)
}

#[tauri::command]
pub async fn add_note(
    app: State<'_, App>,
    call_id: String,
    kind: reviews::NoteKind,
    at_ms: u64,
    end_ms: Option<u64>,
    body: String,
) -> Result<CallReviews, IpcError> {
    Ok(app.add_note(&call_id, kind, at_ms, end_ms, &body).await?)
}

#[tauri::command]
pub async fn delete_note(
    app: State<'_, App>,
    call_id: String,
    note_id: String,
) -> Result<CallReviews, IpcError> {
    Ok(app.delete_note(&call_id, &note_id).await?)
}

#[tauri::command]
pub async fn sync_reviews(app: State<'_, App>) -> Result<SyncStatus, IpcError> {
    Ok(app.sync_reviews().await?)
}

/// Writes every review as CSV where the reviewer picks in the OS dialog (in Rust: the webview
/// never names a path); the path written, or `None` when the dialog was cancelled.
#[tauri::command]
pub async fn export_reviews(
    handle: tauri::AppHandle,
    app: State<'_, App>,
) -> Result<Option<String>, IpcError> {
    use tauri_plugin_dialog::DialogExt;
    let csv = app
        .export_reviews(None, None, reviews::ExportFormat::Csv)
        .await?;
    let (tx, rx) = tokio::sync::oneshot::channel();
    handle
        .dialog()
        .file()
        .set_title("Export the reviews to…")
        .set_file_name("callrec-reviews.csv")
        .add_filter("CSV", &["csv"])
        .save_file(move |picked| {
            let _ = tx.send(picked);
        });
    let path = match rx.await.ok().flatten().map(|p| p.into_path()) {
        Some(Ok(path)) => path,
        Some(Err(error)) => return Err(IpcError::new("export_folder", error.to_string())),
        None => return Ok(None),
    };
    callrec_core::files::write_atomic(&path, &csv)
        .map_err(|error| IpcError::new("export_failed", error.to_string()))?;
    Ok(Some(path.display().to_string()))
}
