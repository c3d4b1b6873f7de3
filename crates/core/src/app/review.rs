//! Reviews: each change written to the library with its outbox row, then shared soon by
//! the background sync; the sync and the export on demand.

use super::{App, AppError};
use crate::reviews::{
    self, CallReviews, CheckResult, ExportFormat, NoteKind, ReviewStatus, SyncStatus,
};

impl App {
    /// Everything the call pane shows about the reviews of a call (from the library).
    pub async fn call_reviews(&self, call_id: &str) -> Result<CallReviews, AppError> {
        let session = self.signed_in().await?;
        Ok(reviews::call_reviews(&session, self.library()?, call_id)?)
    }

    pub async fn set_review_status(
        &self,
        call_id: &str,
        status: ReviewStatus,
    ) -> Result<CallReviews, AppError> {
        let session = self.signed_in().await?;
        let changed = reviews::set_status(&session, self.library()?, call_id, status)?;
        self.auto_sync.changed();
        Ok(changed)
    }

    /// Answers one of the scorecard's checks (`result` none: clears it).
    pub async fn answer_check(
        &self,
        call_id: &str,
        check_id: &str,
        result: Option<CheckResult>,
        comment: Option<String>,
    ) -> Result<CallReviews, AppError> {
        let session = self.signed_in().await?;
        let changed = reviews::answer_check(
            &session,
            self.library()?,
            call_id,
            check_id,
            result,
            comment,
        )?;
        self.auto_sync.changed();
        Ok(changed)
    }

    pub async fn add_note(
        &self,
        call_id: &str,
        kind: NoteKind,
        at_ms: u64,
        end_ms: Option<u64>,
        body: &str,
    ) -> Result<CallReviews, AppError> {
        let session = self.signed_in().await?;
        let changed = reviews::add_note(
            &session,
            self.library()?,
            call_id,
            kind,
            at_ms,
            end_ms,
            body,
        )?;
        self.auto_sync.changed();
        Ok(changed)
    }

    pub async fn delete_note(&self, call_id: &str, note_id: &str) -> Result<CallReviews, AppError> {
        let session = self.signed_in().await?;
        let changed = reviews::delete_note(&session, self.library()?, call_id, note_id)?;
        self.auto_sync.changed();
        Ok(changed)
    }

    /// Pushes this computer's review changes and pulls the agency's.
    pub async fn sync_reviews(&self) -> Result<SyncStatus, AppError> {
        let session = self.signed_in().await?;
        Ok(reviews::sync(&session, self.library()?).await?)
    }

    /// Every review between `since` and `until` (dates or times), as CSV or JSON.
    pub async fn export_reviews(
        &self,
        since: Option<&str>,
        until: Option<&str>,
        format: ExportFormat,
    ) -> Result<String, AppError> {
        let session = self.signed_in().await?;
        Ok(reviews::export(
            &session,
            self.library()?,
            since,
            until,
            format,
        )?)
    }

    /// Runs the reviews' background sync until the task is dropped, for whoever is signed
    /// in at each moment.
    pub async fn run_auto_sync(&self) {
        let Ok(library) = self.library().cloned() else {
            return;
        };
        let current = || async {
            match &self.session {
                Ok(session) => session.manager().await,
                Err(_) => None,
            }
        };
        self.auto_sync.run(library, current).await;
    }
}
