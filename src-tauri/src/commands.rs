//! Tauri commands: plain inputs, one core call, serde outputs. Nothing else.

use tauri::State;

use callrec_core::calls::{self, CallPage, CallQuery, Cursor};
use callrec_core::config::ProjectConfig;
use callrec_core::project::{self, ProjectStatus};
use callrec_core::secret::Secret;
use callrec_core::session::{SessionError, SessionManager, SessionState, SignInRequest};

use crate::error::IpcError;
use crate::state::{AppInfo, AppState};

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
    Ok(calls::list(&session, state.library()?, &query, cursor.as_ref()).await?)
}
