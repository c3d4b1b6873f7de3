//! Tauri commands: plain inputs, one core call, serde outputs. Nothing else.

use tauri::State;

use callrec_core::project::{self, ProjectStatus};

use crate::error::IpcError;
use crate::state::{AppInfo, AppState};

#[tauri::command]
pub fn app_info(state: State<'_, AppState>) -> AppInfo {
    let config = state.config.as_ref().ok();
    let project = config.and_then(|config| config.project.as_ref());
    AppInfo {
        version: env!("CARGO_PKG_VERSION").to_owned(),
        demo: config.is_some_and(|config| config.demo),
        supabase_url: project.map(|p| p.supabase_url.to_string()),
        functions_url: project.map(|p| p.functions_url.to_string()),
        demo_email: config.and_then(|config| config.demo_email.clone()),
        data_dir: config
            .map(|config| config.data_dir.display().to_string())
            .unwrap_or_default(),
    }
}

#[tauri::command]
pub async fn probe_project(state: State<'_, AppState>) -> Result<ProjectStatus, IpcError> {
    let config = state.config.as_ref().map_err(IpcError::of)?;
    Ok(project::probe(&state.http, config.project.as_ref()).await?)
}
