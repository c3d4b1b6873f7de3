//! Keeps a running app's reviews shared without a button: a sync shortly after each change
//! (changes close together push once) and every few minutes while the app runs, for whoever
//! is signed in then. A failed sync is a state the next one retries, never an error shown.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{Notify, watch};

use super::{SyncStatus, sync};
use crate::library::Library;
use crate::session::SessionManager;

/// How long after a change the push starts (further changes meanwhile join it).
pub const AFTER_CHANGE: Duration = Duration::from_secs(2);
/// How often the agency's reviews are pulled when nothing changes here.
pub const EVERY: Duration = Duration::from_secs(120);

#[derive(Debug, Clone)]
pub struct AutoSync {
    poke: Arc<Notify>,
    /// Where the last sync this runner made ended (the shell tells the UI).
    synced: Arc<watch::Sender<Option<SyncStatus>>>,
    after_change: Duration,
    every: Duration,
}

impl Default for AutoSync {
    fn default() -> Self {
        Self::with_timing(AFTER_CHANGE, EVERY)
    }
}

impl AutoSync {
    pub fn with_timing(after_change: Duration, every: Duration) -> Self {
        Self {
            poke: Arc::new(Notify::new()),
            synced: Arc::new(watch::channel(None).0),
            after_change,
            every,
        }
    }

    /// Each sync's outcome as it ends: the UI reads the open call's reviews again.
    pub fn subscribe(&self) -> watch::Receiver<Option<SyncStatus>> {
        self.synced.subscribe()
    }

    /// A review changed here: sync soon.
    pub fn changed(&self) {
        self.poke.notify_one();
    }

    /// Syncs until the task is dropped: first soon after the start, then after each change
    /// and every [`EVERY`]. `manager` gives the session of the moment (`None`: signed out).
    pub async fn run<F, Fut>(&self, library: Arc<Library>, manager: F)
    where
        F: Fn() -> Fut,
        Fut: Future<Output = Option<SessionManager>>,
    {
        let mut wait = self.after_change;
        loop {
            tokio::select! {
                () = tokio::time::sleep(wait) => {}
                () = self.poke.notified() => tokio::time::sleep(self.after_change).await,
            }
            wait = self.every;
            let Some(session) = manager().await else {
                continue;
            };
            if session.state().user.is_none() {
                continue;
            }
            match sync(&session, &library).await {
                Ok(status) => {
                    tracing::debug!(?status, "reviews synced");
                    self.synced.send_replace(Some(status));
                }
                Err(error) => tracing::info!("the reviews' sync did not finish: {error}"),
            }
        }
    }
}
