//! What the app shows about itself: plain answers of [`super::App`]'s use-cases.

use serde::Serialize;
use ts_rs::TS;

use crate::config::{Config, ProjectConfig};

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
