//! Bulk: every call of a list filter queued at once (the CLI's `download --filter` and the
//! app's "Download all"), paging the list as the call list itself does.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::{DownloadError, Downloads};
use crate::calls::{self, CallQuery};
use crate::session::SessionManager;

/// The most calls one bulk request queues.
pub const MAX_BULK_CALLS: u32 = 10_000;
/// How many calls a bulk request queues when it does not say.
pub const DEFAULT_BULK_CALLS: u32 = 1000;
/// The largest page the list serves.
const MAX_PAGE: u32 = 1000;

/// What a bulk request queued.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct BulkQueued {
    /// Calls with at least one segment newly queued.
    pub queued_calls: u32,
    /// Matching calls with nothing left to download (every segment already verified here).
    pub skipped: u32,
    /// Segments queued in all.
    pub segments: u32,
}

/// The ids of the calls matching `query` that have a recording, each once, in the query's
/// order, at most `limit` (1..=[`MAX_BULK_CALLS`]). Pages go through [`calls::list`], so each
/// page is also remembered by the library, and offline the library answers.
pub async fn matching_calls(
    session: &SessionManager,
    library: &crate::library::Library,
    query: &CallQuery,
    limit: u32,
) -> Result<Vec<String>, DownloadError> {
    let limit = usize::try_from(limit.clamp(1, MAX_BULK_CALLS)).unwrap_or(1);
    let query = CallQuery {
        has_recording: Some(true),
        // Downloaded calls are skipped when queued (a partly downloaded one is not
        // "downloaded"), so the filter stays the list's own either way.
        downloaded: None,
        limit: match query.limit {
            0 => MAX_PAGE,
            rows => rows.min(MAX_PAGE),
        },
        ..query.clone()
    };
    let mut seen = HashSet::new();
    let mut ids = Vec::new();
    let mut cursor = None;
    loop {
        let page = calls::list(session, library, &query, cursor.as_ref())
            .await
            .map_err(|e| DownloadError::resolve(&e))?;
        for row in page.rows {
            // The server filtered on it; a library answer or a stale row is checked again.
            if row.has_recording != Some(false) && seen.insert(row.id.clone()) {
                ids.push(row.id);
            }
        }
        cursor = page.next;
        if cursor.is_none() || ids.len() >= limit {
            break;
        }
    }
    ids.truncate(limit);
    Ok(ids)
}

/// How many calls [`matching_calls`] would find without a limit (the count the list's
/// "Download all" shows); `None` when the answer has no count.
pub async fn count_matching(
    session: &SessionManager,
    library: &crate::library::Library,
    query: &CallQuery,
) -> Result<Option<u64>, DownloadError> {
    let query = CallQuery {
        has_recording: Some(true),
        downloaded: None,
        limit: 1,
        ..query.clone()
    };
    let page = calls::list(session, library, &query, None)
        .await
        .map_err(|e| DownloadError::resolve(&e))?;
    Ok(page.total)
}

impl Downloads {
    /// Queues every segment not yet downloaded of each call [`matching_calls`] finds.
    pub async fn enqueue_matching(
        &self,
        session: &SessionManager,
        query: &CallQuery,
        limit: u32,
    ) -> Result<BulkQueued, DownloadError> {
        let ids = matching_calls(session, self.library(), query, limit).await?;
        let mut result = BulkQueued::default();
        for id in ids {
            let queued = self.enqueue_call(&id).await?;
            if queued.is_empty() {
                result.skipped += 1;
            } else {
                result.segments += u32::try_from(queued.len()).unwrap_or(u32::MAX);
                result.queued_calls += 1;
            }
        }
        Ok(result)
    }
}
