//! What the shell holds for the lifetime of the app.

use serde::Serialize;
use ts_rs::TS;

use std::sync::Arc;

use callrec_core::config::{Config, ConfigError, ProjectConfig, Settings};
use callrec_core::downloads::{DownloadOptions, Downloads};
use callrec_core::http::{self, HttpError};
use callrec_core::library::Library;
use callrec_core::player::{Player, PlayerOptions};
use callrec_core::preferences::PreferencesFile;
use callrec_core::reviews::AutoSync;
use callrec_core::session::CurrentSession;
use callrec_core::waveform::Waveforms;

use crate::error::IpcError;

pub struct AppState {
    /// A configuration error is kept, not raised: the window opens and shows it.
    pub config: Result<Config, ConfigError>,
    pub http: http::Client,
    /// The session of the current project (which sign-in may switch). Without a usable
    /// configuration or keyring, the error the session commands answer with.
    pub session: Result<CurrentSession, IpcError>,
    /// The SQLite library under the data dir; a failure to open it is kept like the config's,
    /// so the app still signs in and lists calls online.
    pub library: Result<Arc<Library>, IpcError>,
    /// The download queue, started on first use by a signed-in reviewer (it takes the data
    /// dir's queue lock, so the CLI's `download` waits its turn) and dropped at sign-out.
    downloads: tokio::sync::Mutex<Option<RunningQueue>>,
    /// The player thread, started on the first play (it opens the output device then).
    player: std::sync::OnceLock<Player>,
    /// The last speed and the output device, under the data dir (none without a config).
    pub preferences: Option<PreferencesFile>,
    /// The waveform of the call loaded last (computed beside playback, cached in the library).
    pub waveforms: Waveforms,
    /// Shares review changes soon after they are made, and pulls the agency's now and then.
    pub auto_sync: AutoSync,
}

struct RunningQueue {
    queue: Downloads,
    runner: tokio::task::JoinHandle<()>,
}

impl AppState {
    pub fn load() -> Result<Self, HttpError> {
        let config = Config::from_process_env(Settings::default());
        let http = http::client()?;
        let session = match &config {
            Ok(config) => CurrentSession::open(http.clone(), config).map_err(IpcError::from),
            Err(error) => Err(IpcError::of(error)),
        };
        let library = match &config {
            Ok(config) => Library::open(&config.data_dir)
                .map(Arc::new)
                .map_err(IpcError::from),
            Err(error) => Err(IpcError::of(error)),
        };
        if let Err(error) = &library {
            tracing::warn!(code = %error.code, "the library is not usable: {}", error.message);
        }
        let preferences = config
            .as_ref()
            .ok()
            .map(|config| PreferencesFile::in_data_dir(&config.data_dir));
        let waveforms = Waveforms::new(library.as_ref().ok().cloned());
        Ok(Self {
            config,
            http,
            session,
            library,
            downloads: tokio::sync::Mutex::new(None),
            player: std::sync::OnceLock::new(),
            preferences,
            waveforms,
            auto_sync: AutoSync::default(),
        })
    }

    pub fn session(&self) -> Result<&CurrentSession, IpcError> {
        self.session.as_ref().map_err(Clone::clone)
    }

    pub fn library(&self) -> Result<&Arc<Library>, IpcError> {
        self.library.as_ref().map_err(Clone::clone)
    }

    /// The running download queue, started for the signed-in session on first use.
    pub async fn downloads(&self) -> Result<Downloads, IpcError> {
        let mut slot = self.downloads.lock().await;
        if let Some(running) = slot.as_ref() {
            return Ok(running.queue.clone());
        }
        let current = self.session()?;
        let session = current
            .manager()
            .await
            .ok_or_else(|| IpcError::of(&callrec_core::session::SessionError::NotSignedIn))?;
        let queue = Downloads::for_session(
            Arc::clone(self.library()?),
            &session,
            self.http.clone(),
            current.store(),
            DownloadOptions::default(),
        )?;
        let runner = queue.start();
        *slot = Some(RunningQueue {
            queue: queue.clone(),
            runner,
        });
        Ok(queue)
    }

    /// The player, started on first use at the remembered speed, on the chosen device.
    pub fn player(&self) -> &Player {
        self.player.get_or_init(|| {
            let saved = self
                .preferences
                .as_ref()
                .map(PreferencesFile::load)
                .unwrap_or_default();
            Player::spawn(PlayerOptions {
                device: saved.output_device,
                speed: saved.speed,
            })
        })
    }

    /// The queue if one runs (removing files must not start one).
    pub async fn running_downloads(&self) -> Option<Downloads> {
        self.downloads
            .lock()
            .await
            .as_ref()
            .map(|r| r.queue.clone())
    }

    /// Stops the queue (at sign-out: its URLs came from that session). Queued items stay in
    /// the library and resume with the next session's queue.
    pub async fn stop_downloads(&self) {
        if let Some(running) = self.downloads.lock().await.take() {
            running.runner.abort();
        }
    }
}

/// The player's settings as the UI shows them.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct PlayerPreferences {
    /// The speed the player starts at (the last one chosen).
    pub speed: f64,
    /// `None`: the system default.
    pub output_device: Option<String>,
    /// What the system offers now.
    pub devices: Vec<String>,
}

/// What the UI shows about this installation and the project it points at. No secrets.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct AppInfo {
    pub version: String,
    pub demo: bool,
    pub supabase_url: Option<String>,
    pub functions_url: Option<String>,
    pub demo_email: Option<String>,
    pub data_dir: String,
}

impl AppInfo {
    /// `project` is the current one (sign-in may have switched from the configured one).
    pub fn new(config: Option<&Config>, project: Option<&ProjectConfig>) -> Self {
        Self {
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
}
