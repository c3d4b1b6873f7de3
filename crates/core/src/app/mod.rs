//! The application: one object ([`App`]) that holds what a running Callrec holds — the
//! configuration, the HTTP client, the session, the library, the download queue, the player,
//! the waveforms, the preferences, the reviews' background sync — and owns each use-case
//! once. The desktop shell's commands and the CLI's subcommands are one call each into it,
//! plus the mapping of [`AppError`] at their boundary.
//!
//! The use-cases, by concern: [`session`] (the project, signing in and out), [`browse`] (the
//! call list, a call, its recordings), [`keep`] (downloads, the library's files, the cache),
//! [`playback`] (play a call, analyse it, the player's settings), [`review`] (reviews and
//! their sync).

mod browse;
mod error;
mod keep;
mod playback;
mod review;
mod session;
mod views;

use std::sync::{Arc, OnceLock};

pub use error::{AppError, Unavailable};
pub use views::{AppInfo, PlayerPreferences};

use crate::config::{Config, ConfigError, Settings};
use crate::downloads::Downloads;
use crate::http::{self, HttpError};
use crate::library::Library;
use crate::player::Player;
use crate::preferences::PreferencesFile;
use crate::reviews::AutoSync;
use crate::session::CurrentSession;
use crate::waveform::Waveforms;

/// See the module doc.
pub struct App {
    /// A configuration error is kept, not raised: the window opens and shows it.
    config: Result<Config, Unavailable>,
    http: http::Client,
    /// The session of the current project (which sign-in may switch). Without a usable
    /// configuration or keyring, the error the session's use-cases answer with.
    session: Result<CurrentSession, Unavailable>,
    /// The SQLite library under the data dir; a failure to open it is kept like the config's,
    /// so the app still signs in and lists calls online.
    library: Result<Arc<Library>, Unavailable>,
    /// The download queue, started on first use by a signed-in reviewer (it takes the data
    /// dir's queue lock, so another process's queue waits its turn) and dropped at sign-out.
    downloads: tokio::sync::Mutex<Option<RunningQueue>>,
    /// The player thread, started on the first play (it opens the output device then).
    player: OnceLock<Player>,
    /// The last speed, the output device and the cache's size (none without a config).
    preferences: Option<PreferencesFile>,
    /// The waveform of the call loaded last (computed beside playback, cached in the library).
    waveforms: Waveforms,
    /// Shares review changes soon after they are made, and pulls the agency's now and then.
    auto_sync: AutoSync,
}

struct RunningQueue {
    queue: Downloads,
    runner: tokio::task::JoinHandle<()>,
}

impl App {
    /// The app for `settings` (over the process's environment): what cannot be set up is
    /// kept as the answer of the use-cases that need it; only a client that cannot be built
    /// stops it.
    pub fn load(settings: Settings) -> Result<Self, HttpError> {
        let loading = std::time::Instant::now();
        let app = Self::with_config(Config::from_process_env(settings), http::client()?);
        tracing::debug!(ms = loading.elapsed().as_millis(), "the app's state loaded");
        Ok(app)
    }

    pub fn with_config(config: Result<Config, ConfigError>, http: http::Client) -> Self {
        let session = match &config {
            Ok(config) => {
                CurrentSession::open(http.clone(), config).map_err(|e| Unavailable::of(&e))
            }
            Err(error) => Err(Unavailable::of(error)),
        };
        let library = match &config {
            Ok(config) => Library::open(&config.data_dir)
                .map(Arc::new)
                .map_err(|e| Unavailable::of(&e)),
            Err(error) => Err(Unavailable::of(error)),
        };
        if let Err(error) = &library {
            tracing::warn!(
                code = error.code,
                "the library is not usable: {}",
                error.message
            );
        }
        let preferences = config
            .as_ref()
            .ok()
            .map(|config| PreferencesFile::in_data_dir(&config.data_dir));
        let waveforms = Waveforms::new(library.as_ref().ok().cloned());
        Self {
            config: config.map_err(|e| Unavailable::of(&e)),
            http,
            session,
            library,
            downloads: tokio::sync::Mutex::new(None),
            player: OnceLock::new(),
            preferences,
            waveforms,
            auto_sync: AutoSync::default(),
        }
    }

    pub fn config(&self) -> Result<&Config, AppError> {
        self.config
            .as_ref()
            .map_err(|kept| AppError::Unavailable(kept.clone()))
    }

    pub fn http(&self) -> &http::Client {
        &self.http
    }

    pub fn session(&self) -> Result<&CurrentSession, AppError> {
        self.session
            .as_ref()
            .map_err(|kept| AppError::Unavailable(kept.clone()))
    }

    pub fn library(&self) -> Result<&Arc<Library>, AppError> {
        self.library
            .as_ref()
            .map_err(|kept| AppError::Unavailable(kept.clone()))
    }

    pub fn waveforms(&self) -> &Waveforms {
        &self.waveforms
    }

    pub fn auto_sync(&self) -> &AutoSync {
        &self.auto_sync
    }
}
