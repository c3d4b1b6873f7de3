//! The call list, one call, and its recordings.

use super::{App, AppError};
use crate::calls::{self, CallPage, CallQuery, Cursor, OpenedCall};
use crate::recordings::{self, Recording, Recordings};

impl App {
    /// One page of the call list: from the server (and remembered), or from the library when
    /// the server cannot be reached in time.
    pub async fn list_calls(
        &self,
        query: &CallQuery,
        cursor: Option<&Cursor>,
    ) -> Result<CallPage, AppError> {
        let session = self.signed_in().await?;
        let deadline = self
            .config
            .as_ref()
            .map_or(calls::LIST_DEADLINE, |config| config.list_deadline);
        Ok(calls::list_within(&session, self.library()?, query, cursor, deadline).await?)
    }

    /// One call by its id (a deep link, the call pane): from the library offline.
    pub async fn open_call(&self, call_id: &str) -> Result<OpenedCall, AppError> {
        let session = self.signed_in().await?;
        Ok(calls::open(&session, self.library()?, call_id).await?)
    }

    /// A call's recordings from both endpoints, merged; each endpoint's failure is part of
    /// the answer, so only a failure before asking either is an error.
    pub async fn call_recordings(&self, call_id: &str) -> Result<Recording, AppError> {
        let session = self.signed_in().await?;
        let store = self.session()?.store();
        Ok(recordings::resolve(&session, &self.http, store, call_id).await?)
    }

    /// The signed-in reviewer's view of the recording endpoints.
    pub async fn recordings(&self) -> Result<Recordings, AppError> {
        let session = self.signed_in().await?;
        Ok(Recordings::for_session(
            &session,
            &self.http,
            self.session()?.store(),
        )?)
    }
}
