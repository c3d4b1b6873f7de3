//! What the shell holds for the lifetime of the app.

use serde::Serialize;
use ts_rs::TS;

use callrec_core::config::{Config, ConfigError, Settings};
use callrec_core::http::{self, ClientBuildError};

pub struct AppState {
    /// A configuration error is kept, not raised: the window opens and shows it.
    pub config: Result<Config, ConfigError>,
    pub http: http::Client,
}

impl AppState {
    pub fn load() -> Result<Self, ClientBuildError> {
        Ok(Self {
            config: Config::from_process_env(Settings::default()),
            http: http::client()?,
        })
    }
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
