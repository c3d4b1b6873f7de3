//! The project and the session: what the app points at, signing in, signing out (which
//! also stops the download queue: its URLs came from that session).

use super::{App, AppError, AppInfo};
use crate::config::ProjectConfig;
use crate::project::{self, ProjectStatus};
use crate::session::{SessionError, SessionManager, SessionState, SignInRequest};

impl App {
    /// The project the session is on (sign-in may have switched it), else the configured one.
    pub async fn current_project(&self) -> Option<ProjectConfig> {
        match &self.session {
            Ok(session) => session.project().await,
            Err(_) => self
                .config
                .as_ref()
                .ok()
                .and_then(|config| config.project.clone()),
        }
    }

    /// The signed-in session's manager, or `not_signed_in`.
    pub async fn signed_in(&self) -> Result<SessionManager, AppError> {
        self.session()?
            .manager()
            .await
            .ok_or(AppError::Session(SessionError::NotSignedIn))
    }

    pub async fn app_info(&self) -> AppInfo {
        let project = self.current_project().await;
        AppInfo::new(self.config.as_ref().ok(), project.as_ref())
    }

    pub async fn probe_project(&self) -> Result<ProjectStatus, AppError> {
        self.config()?;
        let project = self.current_project().await;
        Ok(project::probe(&self.http, project.as_ref()).await?)
    }

    /// The session; the first call waits for the launch's restore from the keyring.
    pub async fn session_state(&self) -> Result<SessionState, AppError> {
        Ok(self.session()?.restore().await?)
    }

    pub async fn sign_in(&self, request: SignInRequest) -> Result<SessionState, AppError> {
        Ok(self.session()?.sign_in(request).await?)
    }

    /// Stops the download queue (queued items stay in the library for the next session),
    /// then ends the session and wipes it from the keyring.
    pub async fn sign_out(&self) -> Result<SessionState, AppError> {
        self.stop_downloads().await;
        Ok(self.session()?.sign_out().await?)
    }
}
