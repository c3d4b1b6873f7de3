//! What is kept on this computer: the download queue's life (started for the signed-in
//! reviewer on first use, stopped at sign-out), the library's files, and the cache of played
//! recordings.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::{App, AppError, RunningQueue};
use crate::calls::CallQuery;
use crate::downloads::{
    self, BulkQueued, DownloadAction, DownloadOptions, Downloads, LibraryUsage,
};
use crate::library::{DownloadRecord, FileRecord};

impl App {
    /// The running download queue, started for the signed-in session on first use.
    pub async fn downloads(&self) -> Result<Downloads, AppError> {
        self.downloads_with(DownloadOptions::default()).await
    }

    /// [`App::downloads`], started with `options` if it is not running yet.
    pub async fn downloads_with(&self, options: DownloadOptions) -> Result<Downloads, AppError> {
        let mut slot = self.downloads.lock().await;
        if let Some(running) = slot.as_ref() {
            return Ok(running.queue.clone());
        }
        let queue = self.download_queue(options).await?;
        let runner = queue.start();
        *slot = Some(RunningQueue {
            queue: queue.clone(),
            runner,
        });
        Ok(queue)
    }

    /// A download queue for the signed-in reviewer, not started: for a caller that runs it
    /// in the foreground (`Downloads::run_until_idle`), as the CLI does.
    pub async fn download_queue(&self, options: DownloadOptions) -> Result<Downloads, AppError> {
        let session = self.signed_in().await?;
        Ok(Downloads::for_session(
            Arc::clone(self.library()?),
            &session,
            self.http.clone(),
            self.session()?.store(),
            options,
        )?)
    }

    /// The queue if one runs (removing files must not start one).
    pub async fn running_downloads(&self) -> Option<Downloads> {
        self.downloads
            .lock()
            .await
            .as_ref()
            .map(|r| r.queue.clone())
    }

    /// Stops the queue. Queued items stay in the library and resume with the next queue.
    pub async fn stop_downloads(&self) {
        if let Some(running) = self.downloads.lock().await.take() {
            running.runner.abort();
        }
    }

    /// Queues each leg of a call for download (its preferred copy).
    pub async fn download_call(&self, call_id: &str) -> Result<Vec<DownloadRecord>, AppError> {
        Ok(self.downloads().await?.enqueue_call(call_id).await?)
    }

    /// Queues one recording of a call (its id, as the call's `Recording` lists it).
    pub async fn download_recording(
        &self,
        call_id: &str,
        recording_id: &str,
    ) -> Result<DownloadRecord, AppError> {
        Ok(self
            .downloads()
            .await?
            .enqueue_recording(call_id, recording_id)
            .await?)
    }

    /// Queues every call of the list's filter that has a recording (at most `limit`).
    pub async fn download_matching(
        &self,
        query: &CallQuery,
        limit: Option<u32>,
    ) -> Result<BulkQueued, AppError> {
        let session = self.signed_in().await?;
        let limit = limit.unwrap_or(downloads::DEFAULT_BULK_CALLS);
        Ok(self
            .downloads()
            .await?
            .enqueue_matching(&session, query, limit)
            .await?)
    }

    /// How many calls of the list's filter have a recording; `None` when the server says not.
    pub async fn count_matching(&self, query: &CallQuery) -> Result<Option<u64>, AppError> {
        let session = self.signed_in().await?;
        Ok(downloads::count_matching(&session, self.library()?, query).await?)
    }

    pub async fn control_download(
        &self,
        call_id: &str,
        index: u32,
        action: DownloadAction,
    ) -> Result<(), AppError> {
        Ok(self.downloads().await?.apply(call_id, index, action)?)
    }

    /// What the downloads and the cache take on disk.
    pub fn library_usage(&self) -> Result<LibraryUsage, AppError> {
        Ok(downloads::usage(self.library()?)?)
    }

    /// Sets the played recordings' cache limit (MB), remembers it, and evicts down to it.
    pub fn set_cache_limit(&self, megabytes: u64) -> Result<LibraryUsage, AppError> {
        let library = self.library()?;
        let limit = match &self.preferences {
            Some(preferences) => preferences
                .set_cache_limit_mb(megabytes)?
                .cache_limit_bytes(),
            None => megabytes.saturating_mul(crate::preferences::MB),
        };
        library.cache().set_limit(limit);
        self.library_usage()
    }

    /// Deletes a call's downloaded files (and any download of it in flight).
    pub async fn remove_call_files(&self, call_id: &str) -> Result<Vec<FileRecord>, AppError> {
        let running = self.running_downloads().await;
        Ok(downloads::remove_call(
            self.library()?,
            call_id,
            running.as_ref(),
        )?)
    }

    /// Copies a call's files into `folder` with readable names.
    pub fn export_call_files(
        &self,
        call_id: &str,
        folder: &Path,
    ) -> Result<Vec<PathBuf>, AppError> {
        Ok(downloads::export_call(self.library()?, call_id, folder)?)
    }

    /// The call's first downloaded file.
    pub fn call_file(&self, call_id: &str) -> Result<PathBuf, AppError> {
        Ok(downloads::local_file(self.library()?, call_id, 0)?)
    }
}
