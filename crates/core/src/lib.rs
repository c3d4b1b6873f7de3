//! Callrec's product logic, with no Tauri dependency: the desktop shell (`src-tauri`) and the
//! CLI (`crates/cli`) are thin adapters over this crate.
//!
//! Each module owns one concern and one `thiserror` error enum; every error enum implements
//! [`ErrorCode`], so the shells map failures to a stable machine-readable code exactly once.

pub mod analysis;
pub mod app;
pub mod auth;
pub mod bytestore;
pub mod calls;
pub mod config;
pub mod downloads;
pub mod files;
pub mod http;
pub mod library;
pub mod links;
pub mod player;
pub mod preferences;
pub mod project;
pub mod recordings;
pub mod remote;
pub mod reviews;
pub mod secret;
pub mod session;
pub mod timeline;
pub mod waveform;

/// A stable, machine-readable name for a failure kind (`snake_case`), shared by the UI
/// (which never matches on message text) and the CLI's `--json` output.
pub trait ErrorCode: std::error::Error {
    fn code(&self) -> &'static str;
    /// The broad class of the failure: what the CLI's exit code and the UI's recovery
    /// action (re-configure, sign in, retry) depend on.
    fn kind(&self) -> ErrorKind;
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// The configuration or the request itself is wrong; retrying will not help.
    Usage,
    /// Not signed in, or the server refused the credentials.
    Auth,
    /// The thing asked for does not exist (or is not visible to this user).
    NotFound,
    /// The network or the server failed; retrying later may help.
    Network,
    Other,
}
