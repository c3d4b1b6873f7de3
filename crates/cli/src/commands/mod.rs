//! One module per `callrec` command; each is a thin layer over `callrec-core`.

pub mod analyze;
pub mod backend;
pub mod calls;
pub mod config;
pub mod demo;
pub mod download;
pub mod endpoints;
pub mod export;
pub mod library;
pub mod play;
pub mod recordings;
pub mod reviews;
pub mod session;
pub mod status;

/// Resolves on Ctrl-C (SIGINT) or, on Unix, SIGTERM: service managers and test harnesses stop
/// long-running commands with SIGTERM, and the backend must still clean up its temp dir.
pub async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut terminate) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = terminate.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}
