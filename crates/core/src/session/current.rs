//! The session of whichever project is current: what the desktop shell holds. The sign-in
//! screen may name another project; signing in to it makes it current (and saves it to
//! `config.toml`) only once the sign-in has succeeded, so a typo never replaces a working setup.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use tokio::sync::{RwLock, watch};

use super::{
    KeyringStore, Mirror, SessionError, SessionManager, SessionState, SharedChannel, TokenStore,
};
use crate::config::{self, Config, ProjectConfig};
use crate::secret::Secret;

/// What the sign-in screen sends. The password is a secret from the moment it arrives.
#[derive(Debug)]
pub struct SignInRequest {
    /// Another project's URL; `None` keeps the current project.
    pub supabase_url: Option<String>,
    /// That project's anon key; may be left out for the current project's URL.
    pub anon_key: Option<String>,
    pub email: String,
    pub password: Secret<String>,
}

pub struct CurrentSession {
    http: reqwest::Client,
    store: Arc<dyn TokenStore>,
    data_dir: PathBuf,
    manager: RwLock<Option<SessionManager>>,
    shared: Arc<Mutex<SharedChannel>>,
    next_id: AtomicU64,
}

impl std::fmt::Debug for CurrentSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CurrentSession")
            .field("data_dir", &self.data_dir)
            .finish()
    }
}

impl CurrentSession {
    /// The session over the OS keyring, for `config`'s project (if one is configured).
    pub fn open(http: reqwest::Client, config: &Config) -> Result<Self, SessionError> {
        let store: Arc<dyn TokenStore> = Arc::new(KeyringStore::new()?);
        Ok(Self::new(
            http,
            config.project.clone(),
            store,
            config.data_dir.clone(),
        ))
    }

    pub fn new(
        http: reqwest::Client,
        project: Option<ProjectConfig>,
        store: Arc<dyn TokenStore>,
        data_dir: PathBuf,
    ) -> Self {
        let (tx, _) = watch::channel(SessionState::signed_out(store.info()));
        let session = Self {
            http,
            store,
            data_dir,
            manager: RwLock::new(None),
            shared: Arc::new(Mutex::new(SharedChannel { current: 0, tx })),
            next_id: AtomicU64::new(1),
        };
        if let Some(project) = project {
            let manager = session.manager_for(project);
            session.make_current(&manager);
            // Not yet shared with anyone: `try_write` cannot fail here.
            if let Ok(mut slot) = session.manager.try_write() {
                *slot = Some(manager);
            }
        }
        session
    }

    /// Every state change of the current project's session, including a switch of project.
    pub fn subscribe(&self) -> watch::Receiver<SessionState> {
        self.shared_channel().tx.subscribe()
    }

    /// Where sessions (and per-profile secrets such as an endpoint's API key) are kept.
    pub fn store(&self) -> &dyn TokenStore {
        self.store.as_ref()
    }

    /// The current project's manager, for modules that make authenticated requests.
    pub async fn manager(&self) -> Option<SessionManager> {
        self.manager.read().await.clone()
    }

    pub async fn project(&self) -> Option<ProjectConfig> {
        self.manager()
            .await
            .map(|manager| manager.project().clone())
    }

    pub async fn state(&self) -> SessionState {
        match self.manager().await {
            Some(manager) => manager.state(),
            None => SessionState::signed_out(self.store.info()),
        }
    }

    pub async fn restore(&self) -> Result<SessionState, SessionError> {
        match self.manager().await {
            Some(manager) => manager.restore().await,
            None => Ok(self.state().await),
        }
    }

    pub async fn sign_out(&self) -> Result<SessionState, SessionError> {
        match self.manager().await {
            Some(manager) => manager.sign_out().await,
            None => Ok(self.state().await),
        }
    }

    /// Signs in to the current project, or to the one the request names: that one is
    /// validated, signed in to, and only then saved and made current.
    pub async fn sign_in(&self, request: SignInRequest) -> Result<SessionState, SessionError> {
        let current = self.manager().await;
        // A blank form field means "keep the configured one", as leaving it out does.
        let given = |value: &Option<String>| {
            value
                .as_deref()
                .map(str::trim)
                .filter(|text| !text.is_empty())
                .map(str::to_owned)
        };
        let target = match (given(&request.supabase_url), given(&request.anon_key)) {
            (None, None) => None,
            (Some(url), key) => Some(config::project_for_sign_in(
                &url,
                key.as_deref(),
                current.as_ref().map(SessionManager::project),
            )?),
            (None, Some(key)) => {
                let project = current
                    .as_ref()
                    .ok_or(SessionError::NotConfigured)?
                    .project();
                Some(config::project_for_sign_in(
                    project.supabase_url.as_str(),
                    Some(&key),
                    Some(project),
                )?)
            }
        };
        let same = |project: &ProjectConfig| {
            current.as_ref().is_some_and(|manager| {
                manager.project().supabase_url == project.supabase_url
                    && manager.project().anon_key == project.anon_key
            })
        };
        match target {
            None => {
                let manager = current.ok_or(SessionError::NotConfigured)?;
                manager.sign_in(&request.email, &request.password).await
            }
            Some(project) if same(&project) => {
                let manager = current.ok_or(SessionError::NotConfigured)?;
                manager.sign_in(&request.email, &request.password).await
            }
            Some(project) => {
                let manager = self.manager_for(project.clone());
                let state = manager.sign_in(&request.email, &request.password).await?;
                config::save_project(&self.data_dir, &project)?;
                *self.manager.write().await = Some(manager.clone());
                self.make_current(&manager);
                Ok(state)
            }
        }
    }

    fn manager_for(&self, project: ProjectConfig) -> SessionManager {
        let mirror = Mirror {
            shared: Arc::clone(&self.shared),
            id: self.next_id.fetch_add(1, Ordering::Relaxed),
        };
        SessionManager::build(
            self.http.clone(),
            project,
            Arc::clone(&self.store),
            self.data_dir.clone(),
            Some(mirror),
        )
    }

    fn make_current(&self, manager: &SessionManager) {
        let Some(mirror) = &manager.inner.mirror else {
            return;
        };
        let mut shared = self.shared_channel();
        shared.current = mirror.id;
        shared.tx.send_replace(manager.state());
    }

    fn shared_channel(&self) -> std::sync::MutexGuard<'_, SharedChannel> {
        self.shared
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
