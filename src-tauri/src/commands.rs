//! Tauri commands: plain inputs, one core call, serde outputs. Nothing else.

use tauri::State;
use tauri::ipc::Channel;

use callrec_core::ErrorCode;
use callrec_core::analysis;
use callrec_core::calls::{self, CallPage, CallQuery, Cursor, OpenedCall};
use callrec_core::config::ProjectConfig;
use callrec_core::downloads::{self, BulkQueued, DownloadAction, LibraryUsage, Progress};
use callrec_core::library::DownloadRecord;
use callrec_core::player::{self, Command, Event as PlayerEvent, PlayerControl};
use callrec_core::preferences::PreferencesFile;
use callrec_core::project::{self, ProjectStatus};
use callrec_core::recordings::{self, Recording, Recordings};
use callrec_core::reviews;
use callrec_core::secret::Secret;
use callrec_core::session::{SessionError, SessionManager, SessionState, SignInRequest};
use callrec_core::waveform::WaveformEvent;

use crate::error::IpcError;
use crate::state::{AppInfo, AppState, PlayerPreferences};

/// The project the session is on (sign-in may have switched it), else the configured one.
async fn current_project(state: &AppState) -> Option<ProjectConfig> {
    match &state.session {
        Ok(session) => session.project().await,
        Err(_) => state
            .config
            .as_ref()
            .ok()
            .and_then(|config| config.project.clone()),
    }
}

/// The signed-in session's manager, or `not_signed_in`.
async fn signed_in(state: &AppState) -> Result<SessionManager, IpcError> {
    state
        .session()?
        .manager()
        .await
        .ok_or_else(|| IpcError::of(&SessionError::NotSignedIn))
}

#[tauri::command]
pub async fn app_info(state: State<'_, AppState>) -> Result<AppInfo, IpcError> {
    let project = current_project(&state).await;
    Ok(AppInfo::new(state.config.as_ref().ok(), project.as_ref()))
}

#[tauri::command]
pub async fn probe_project(state: State<'_, AppState>) -> Result<ProjectStatus, IpcError> {
    state.config.as_ref().map_err(IpcError::of)?;
    let project = current_project(&state).await;
    Ok(project::probe(&state.http, project.as_ref()).await?)
}

/// The session; the first call waits for the launch's restore from the keyring.
#[tauri::command]
pub async fn session_state(state: State<'_, AppState>) -> Result<SessionState, IpcError> {
    Ok(state.session()?.restore().await?)
}

#[tauri::command]
pub async fn sign_in(
    state: State<'_, AppState>,
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
    Ok(state.session()?.sign_in(request).await?)
}

#[tauri::command]
pub async fn sign_out(state: State<'_, AppState>) -> Result<SessionState, IpcError> {
    state.stop_downloads().await;
    Ok(state.session()?.sign_out().await?)
}

/// One page of the call list: from the server (and remembered), or from the library when the
/// server cannot be reached.
#[tauri::command]
pub async fn list_calls(
    state: State<'_, AppState>,
    query: CallQuery,
    cursor: Option<Cursor>,
) -> Result<CallPage, IpcError> {
    let session = signed_in(&state).await?;
    let deadline = state
        .config
        .as_ref()
        .map_or(calls::LIST_DEADLINE, |config| config.list_deadline);
    Ok(calls::list_within(
        &session,
        state.library()?,
        &query,
        cursor.as_ref(),
        deadline,
    )
    .await?)
}

/// One call by its id (a deep link, the call pane): read by id, from the library offline.
#[tauri::command]
pub async fn open_call(
    state: State<'_, AppState>,
    call_id: String,
) -> Result<OpenedCall, IpcError> {
    let session = signed_in(&state).await?;
    Ok(calls::open(&session, state.library()?, &call_id).await?)
}

/// A call's recordings from both endpoints, merged; each endpoint's failure is part of the
/// answer (the UI shows it inline), so only a failure before asking either is an error here.
#[tauri::command]
pub async fn call_recordings(
    state: State<'_, AppState>,
    call_id: String,
) -> Result<Recording, IpcError> {
    let session = signed_in(&state).await?;
    let store = state.session()?.store();
    Ok(recordings::resolve(&session, &state.http, store, &call_id).await?)
}

/// Queues every segment of a call for download; the queue runs in the background.
#[tauri::command]
pub async fn download_call(
    state: State<'_, AppState>,
    call_id: String,
) -> Result<Vec<DownloadRecord>, IpcError> {
    Ok(state.downloads().await?.enqueue_call(&call_id).await?)
}

/// Queues one recording of a call (its id, as the call's `Recording` lists it); one already
/// downloaded is left as it is.
#[tauri::command]
pub async fn download_segment(
    state: State<'_, AppState>,
    call_id: String,
    recording_id: String,
) -> Result<DownloadRecord, IpcError> {
    Ok(state
        .downloads()
        .await?
        .enqueue_recording(&call_id, &recording_id)
        .await?)
}

/// Queues every call of the list's filter that has a recording (at most `limit`, default
/// 1000); calls already downloaded are counted, not queued again.
#[tauri::command]
pub async fn download_matching(
    state: State<'_, AppState>,
    query: CallQuery,
    limit: Option<u32>,
) -> Result<BulkQueued, IpcError> {
    let session = signed_in(&state).await?;
    let limit = limit.unwrap_or(downloads::DEFAULT_BULK_CALLS);
    Ok(state
        .downloads()
        .await?
        .enqueue_matching(&session, &query, limit)
        .await?)
}

/// How many calls of the list's filter have a recording (what "Download all" would queue,
/// downloaded ones included); null when the answer has no count.
#[tauri::command]
pub async fn count_matching(
    state: State<'_, AppState>,
    query: CallQuery,
) -> Result<Option<u64>, IpcError> {
    let session = signed_in(&state).await?;
    Ok(downloads::count_matching(&session, state.library()?, &query).await?)
}

#[tauri::command]
pub async fn control_download(
    state: State<'_, AppState>,
    call_id: String,
    index: u32,
    action: DownloadAction,
) -> Result<(), IpcError> {
    Ok(state.downloads().await?.apply(&call_id, index, action)?)
}

/// Streams the queue's progress to `on_progress` (the current state first), until the UI
/// drops the channel.
#[tauri::command]
pub async fn watch_downloads(
    state: State<'_, AppState>,
    on_progress: Channel<Progress>,
) -> Result<(), IpcError> {
    let mut progress = state.downloads().await?.subscribe();
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
pub async fn library_usage(state: State<'_, AppState>) -> Result<LibraryUsage, IpcError> {
    Ok(downloads::usage(state.library()?)?)
}

/// Sets the played recordings' cache limit (MB), remembers it, and evicts down to it.
#[tauri::command]
pub async fn set_cache_limit(
    state: State<'_, AppState>,
    megabytes: u64,
) -> Result<LibraryUsage, IpcError> {
    let library = state.library()?;
    let limit = match &state.preferences {
        Some(preferences) => preferences
            .set_cache_limit_mb(megabytes)?
            .cache_limit_bytes(),
        None => megabytes.saturating_mul(callrec_core::preferences::MB),
    };
    library.cache().set_limit(limit);
    Ok(downloads::usage(library)?)
}

/// Deletes a call's downloaded files (and any download of it in flight).
#[tauri::command]
pub async fn remove_call_files(
    state: State<'_, AppState>,
    call_id: String,
) -> Result<u32, IpcError> {
    let removed = downloads::remove_call(
        state.library()?,
        &call_id,
        state.running_downloads().await.as_ref(),
    )?;
    Ok(u32::try_from(removed.len()).unwrap_or(u32::MAX))
}

/// Copies a call's files into `folder` with readable names; without a folder, asks for one
/// with the OS dialog (`None` back when the reviewer cancels it).
#[tauri::command]
pub async fn export_call_files(
    app: tauri::AppHandle,
    state: State<'_, AppState>,
    call_id: String,
) -> Result<Option<Vec<String>>, IpcError> {
    use tauri_plugin_dialog::DialogExt;
    // The folder is the reviewer's pick in the OS dialog, in Rust: the webview never names a
    // path.
    let (tx, rx) = tokio::sync::oneshot::channel();
    app.dialog()
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
    let written = downloads::export_call(state.library()?, &call_id, &folder)?;
    Ok(Some(
        written.iter().map(|p| p.display().to_string()).collect(),
    ))
}

/// Shows a call's first downloaded file in the OS file manager.
#[tauri::command]
pub async fn show_call_files(state: State<'_, AppState>, call_id: String) -> Result<(), IpcError> {
    let file = downloads::local_file(state.library()?, &call_id, 0)?;
    tauri_plugin_opener::reveal_item_in_dir(&file)
        .map_err(|error| IpcError::new("show_in_folder", error.to_string()))
}

/// The call's timeline for the signed-in reviewer: downloaded files first, else streamed.
async fn call_timeline(state: &AppState, call_id: &str) -> Result<player::CallTimeline, IpcError> {
    let session = signed_in(state).await?;
    let recordings = Recordings::for_session(&session, &state.http, state.session()?.store())?;
    Ok(player::call_timeline(&recordings, state.library()?, &state.http, call_id).await?)
}

/// Plays a call: its segments as one timeline (downloaded files first, else streamed), from
/// `from` seconds. Progress comes as player events (`watch_player`); the call's waveform is
/// computed beside it (`watch_waveform`).
#[tauri::command]
pub async fn play_call(
    state: State<'_, AppState>,
    call_id: String,
    from: Option<f64>,
) -> Result<(), IpcError> {
    let timeline = call_timeline(&state, &call_id).await?;
    state.waveforms.start_call(&call_id, &timeline);
    let player = state.player();
    player.send(Command::Load(timeline.segments))?;
    if let Some(seconds) = from {
        player.send(Command::Seek(seconds))?;
    }
    Ok(player.send(Command::Play)?)
}

/// Who is silent when in the call: each channel's speech, the silences, the agent's response
/// latency at each turn (decoded off the async runtime).
#[tauri::command]
pub async fn analyze_call(
    state: State<'_, AppState>,
    call_id: String,
) -> Result<analysis::CallAnalysis, IpcError> {
    let timeline = call_timeline(&state, &call_id).await?;
    let library = std::sync::Arc::clone(state.library()?);
    let analysed = tauri::async_runtime::spawn_blocking(move || {
        analysis::analyze_call(&library, &call_id, &timeline.segments)
    })
    .await
    .map_err(|error| IpcError::new("analysis_failed", error.to_string()))?;
    Ok(analysed?)
}

/// Puts `callrec://call/<id>?t=<at>` on the clipboard, written by the shell (the webview has
/// no clipboard permission), and returns it.
#[tauri::command]
pub fn copy_moment_link(
    app: tauri::AppHandle,
    call_id: String,
    at: f64,
) -> Result<String, IpcError> {
    use tauri_plugin_clipboard_manager::ClipboardExt;
    let link = crate::desktop::moment_link(&call_id, at)?;
    app.clipboard()
        .write_text(link.clone())
        .map_err(|error| IpcError::new("clipboard_failed", error.to_string()))?;
    Ok(link)
}

/// Sends a control; a speed the player accepts is also remembered for the next start.
#[tauri::command]
pub fn player_control(state: State<'_, AppState>, control: PlayerControl) -> Result<(), IpcError> {
    state.player().send(control.into())?;
    // `set_speed` refuses what the player refuses too.
    if let (PlayerControl::Speed { value }, Some(preferences)) = (control, &state.preferences)
        && let Err(error) = preferences.set_speed(value)
    {
        // Playing at the new speed matters more than remembering it.
        tracing::warn!(code = error.code(), "{error}");
    }
    Ok(())
}

/// The remembered speed and device, and the devices there are to choose from.
#[tauri::command]
pub async fn player_preferences(state: State<'_, AppState>) -> Result<PlayerPreferences, IpcError> {
    let saved = state
        .preferences
        .as_ref()
        .map(PreferencesFile::load)
        .unwrap_or_default();
    // Listing devices asks the sound server; off the main thread.
    let devices = tauri::async_runtime::spawn_blocking(player::output_devices)
        .await
        .unwrap_or_default();
    Ok(PlayerPreferences {
        speed: saved.speed.unwrap_or(1.0),
        output_device: saved.output_device,
        devices,
    })
}

/// Plays on `name` from now on (`None`: the system default) and remembers the choice.
#[tauri::command]
pub fn set_output_device(state: State<'_, AppState>, name: Option<String>) -> Result<(), IpcError> {
    if let Some(preferences) = &state.preferences {
        preferences.set_output_device(name.clone())?;
    }
    Ok(state.player().send(Command::OutputDevice(name))?)
}

/// Streams the player's events to `on_event` until the UI drops the channel.
#[tauri::command]
pub fn watch_player(state: State<'_, AppState>, on_event: Channel<PlayerEvent>) {
    let events = state.player().subscribe();
    // The player's events come on a std channel; a plain thread forwards them.
    std::thread::spawn(move || {
        while let Ok(event) = events.recv() {
            if on_event.send(event).is_err() {
                break;
            }
        }
    });
}

/// Streams the waveform of the call being played to `on_event` (what was computed so far
/// first), until the UI drops the channel.
#[tauri::command]
pub fn watch_waveform(state: State<'_, AppState>, on_event: Channel<WaveformEvent>) {
    let events = state.waveforms.subscribe();
    std::thread::spawn(move || {
        while let Ok(event) = events.recv() {
            if on_event.send(event).is_err() {
                break;
            }
        }
    });
}

/// The `callrec://call/<id>` link the app was started with, once (then `None`).
#[tauri::command]
pub fn take_open_call(
    pending: State<'_, crate::desktop::PendingOpenCall>,
) -> Option<crate::OpenCall> {
    pending.take()
}

/// Everything the call pane shows about the reviews of a call (from the library: offline too).
#[tauri::command]
pub async fn call_reviews(
    state: State<'_, AppState>,
    call_id: String,
) -> Result<reviews::CallReviews, IpcError> {
    let session = signed_in(&state).await?;
    Ok(reviews::call_reviews(&session, state.library()?, &call_id)?)
}

#[tauri::command]
pub async fn set_review_status(
    state: State<'_, AppState>,
    call_id: String,
    status: reviews::ReviewStatus,
) -> Result<reviews::CallReviews, IpcError> {
    let session = signed_in(&state).await?;
    let changed = reviews::set_status(&session, state.library()?, &call_id, status)?;
    state.auto_sync.changed();
    Ok(changed)
}

/// Answers one of the scorecard's checks (`result` none: clears it).
#[tauri::command]
pub async fn answer_check(
    state: State<'_, AppState>,
    call_id: String,
    check_id: String,
    result: Option<reviews::CheckResult>,
    comment: Option<String>,
) -> Result<reviews::CallReviews, IpcError> {
    let session = signed_in(&state).await?;
    let changed = reviews::answer_check(
        &session,
        state.library()?,
        &call_id,
        &check_id,
        result,
        comment,
    )?;
    state.auto_sync.changed();
    Ok(changed)
}

#[tauri::command]
pub async fn add_note(
    state: State<'_, AppState>,
    call_id: String,
    kind: reviews::NoteKind,
    at_ms: u64,
    end_ms: Option<u64>,
    body: String,
) -> Result<reviews::CallReviews, IpcError> {
    let session = signed_in(&state).await?;
    let changed = reviews::add_note(
        &session,
        state.library()?,
        &call_id,
        kind,
        at_ms,
        end_ms,
        &body,
    )?;
    state.auto_sync.changed();
    Ok(changed)
}

#[tauri::command]
pub async fn delete_note(
    state: State<'_, AppState>,
    call_id: String,
    note_id: String,
) -> Result<reviews::CallReviews, IpcError> {
    let session = signed_in(&state).await?;
    let changed = reviews::delete_note(&session, state.library()?, &call_id, &note_id)?;
    state.auto_sync.changed();
    Ok(changed)
}

/// Pushes this computer's review changes and pulls the agency's.
#[tauri::command]
pub async fn sync_reviews(state: State<'_, AppState>) -> Result<reviews::SyncStatus, IpcError> {
    let session = signed_in(&state).await?;
    Ok(reviews::sync(&session, state.library()?).await?)
}

/// Writes every review as CSV where the reviewer picks in the OS dialog (in Rust: the webview
/// never names a path); the path written, or `None` when the dialog was cancelled.
#[tauri::command]
pub async fn export_reviews(
    app: tauri::AppHandle,
    state: State<'_, AppState>,
) -> Result<Option<String>, IpcError> {
    use tauri_plugin_dialog::DialogExt;
    let session = signed_in(&state).await?;
    let csv = reviews::export(
        &session,
        state.library()?,
        None,
        None,
        reviews::ExportFormat::Csv,
    )?;
    let (tx, rx) = tokio::sync::oneshot::channel();
    app.dialog()
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
