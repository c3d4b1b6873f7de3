//! The library's segments, verified files and download queue (migration 2).
//!
//! Invariant kept with [`crate::downloads`]: a `files` row exists only for a file that was
//! fully written, length-checked, hashed and renamed into place; everything in flight is a
//! `downloads` row plus a `.part` file. A row with `durable = 0` (its fsync still to come, or
//! cut short by a crash) is hashed again after a restart before it is trusted.

use std::collections::{HashMap, HashSet};

use rusqlite::{OptionalExtension, Row, params};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::{Library, LibraryError};
use crate::calls::CallRow;

/// SQL true for a `calls` row whose every known leg has a file of one of its copies (and at
/// least one file exists). A row without a leg (saved before migration 6) is a leg of its own.
pub(super) const DOWNLOADED_SQL: &str = "(EXISTS (SELECT 1 FROM files f WHERE f.call_id = calls.id)
    AND NOT EXISTS (SELECT 1 FROM segments s WHERE s.call_id = calls.id AND NOT EXISTS
        (SELECT 1 FROM segments t JOIN files g
            ON g.call_id = t.call_id AND g.segment_index = t.segment_index
         WHERE t.call_id = s.call_id
           AND COALESCE(t.leg, -1 - t.segment_index) = COALESCE(s.leg, -1 - s.segment_index))))";

/// A segment of a call as last resolved (no URL: those are secrets and short-lived).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct SegmentRecord {
    pub call_id: String,
    /// The recording's handle within its call: assigned once per identity by
    /// [`Library::record_segments`], it names the file and the queue row.
    pub index: u32,
    /// The recording's identity (`recordings::identity::key`).
    pub segment_id: String,
    /// Where it sat in its endpoint's answer (`b:main:0`): how rows saved before identities
    /// are adopted. Not stored.
    #[serde(skip)]
    #[ts(skip)]
    pub slot: Option<String>,
    /// Which leg of the call it is a copy of, as last planned.
    pub leg: Option<u32>,
    /// As the server said: shown, never used in a path.
    pub label: String,
    pub source: Option<String>,
    pub status: Option<String>,
    pub duration_seconds: Option<f64>,
    pub created_at: Option<String>,
    pub endpoint: Option<String>,
}

/// A complete, verified file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct FileRecord {
    pub call_id: String,
    pub index: u32,
    /// Relative to the data dir, `/`-separated: `recordings/<call id>/<index>.<ext>`.
    pub path: String,
    #[ts(type = "number")]
    pub size: u64,
    /// Lowercase hex.
    pub sha256: String,
    pub etag: Option<String>,
    pub content_type: Option<String>,
    /// Unix seconds.
    #[ts(type = "number")]
    pub completed_at: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum DownloadState {
    Queued,
    Running,
    Paused,
    Failed,
    Done,
}

impl DownloadState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Running => "running",
            Self::Paused => "paused",
            Self::Failed => "failed",
            Self::Done => "done",
        }
    }

    fn parse(text: &str) -> Self {
        match text {
            "running" => Self::Running,
            "paused" => Self::Paused,
            "failed" => Self::Failed,
            "done" => Self::Done,
            _ => Self::Queued,
        }
    }
}

/// One queued (or finished) segment download.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct DownloadRecord {
    pub call_id: String,
    pub index: u32,
    pub segment_id: String,
    pub label: String,
    pub state: DownloadState,
    #[ts(type = "number")]
    pub bytes: u64,
    #[ts(type = "number | null")]
    pub total: Option<u64>,
    /// ETag or Last-Modified the `.part` was started from (for If-Range).
    #[serde(skip)]
    #[ts(skip)]
    pub validator: Option<String>,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
    pub attempts: u32,
    /// The finished `.part`'s SHA-256, saved just before its rename (migration 5).
    #[serde(skip)]
    #[ts(skip)]
    pub sha256: Option<String>,
    #[ts(type = "number")]
    pub created_at: i64,
    #[ts(type = "number")]
    pub updated_at: i64,
}

const DOWNLOAD_COLUMNS: &str = "call_id, segment_index, segment_id, label, state, bytes, total,
    validator, error_code, error_message, attempts, created_at, updated_at, sha256";

fn download_row(row: &Row<'_>) -> rusqlite::Result<DownloadRecord> {
    Ok(DownloadRecord {
        call_id: row.get(0)?,
        index: row.get(1)?,
        segment_id: row.get(2)?,
        label: row.get(3)?,
        state: DownloadState::parse(&row.get::<_, String>(4)?),
        bytes: row.get::<_, i64>(5)?.max(0) as u64,
        total: row.get::<_, Option<i64>>(6)?.map(|t| t.max(0) as u64),
        validator: row.get(7)?,
        error_code: row.get(8)?,
        error_message: row.get(9)?,
        attempts: row.get(10)?,
        created_at: row.get(11)?,
        updated_at: row.get(12)?,
        sha256: row.get(13)?,
    })
}

const FILE_COLUMNS: &str =
    "call_id, segment_index, path, size, sha256, etag, content_type, completed_at";

fn file_row(row: &Row<'_>) -> rusqlite::Result<FileRecord> {
    Ok(FileRecord {
        call_id: row.get(0)?,
        index: row.get(1)?,
        path: row.get(2)?,
        size: row.get::<_, i64>(3)?.max(0) as u64,
        sha256: row.get(4)?,
        etag: row.get(5)?,
        content_type: row.get(6)?,
        completed_at: row.get(7)?,
    })
}

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

fn size_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

impl Library {
    /// Records `call_id`'s recordings as last resolved and returns them with their indexes: a
    /// recording seen before (by identity, or by the slot a row saved before identities was
    /// named after) keeps its index, a new one gets the next free index. A recording missing
    /// from this answer is forgotten unless a file of it is kept.
    pub fn record_segments(
        &self,
        call_id: &str,
        segments: &[SegmentRecord],
    ) -> Result<Vec<SegmentRecord>, LibraryError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let known: Vec<(u32, String)> = {
            let mut stmt = tx.prepare_cached(
                "SELECT segment_index, segment_id FROM segments WHERE call_id = ?1",
            )?;
            stmt.query_map([call_id], |row| Ok((row.get(0)?, row.get(1)?)))?
                .collect::<Result<_, _>>()?
        };
        let mut next = known.iter().map(|(i, _)| i + 1).max().unwrap_or(0);
        let mut recorded = Vec::with_capacity(segments.len());
        for s in segments {
            let seen = known
                .iter()
                .find(|(_, id)| *id == s.segment_id)
                .or_else(|| known.iter().find(|(_, id)| Some(id) == s.slot.as_ref()))
                .map(|(i, _)| *i)
                .filter(|i| !recorded.iter().any(|r: &SegmentRecord| r.index == *i));
            let index = seen.unwrap_or_else(|| {
                next += 1;
                next - 1
            });
            recorded.push(SegmentRecord {
                call_id: call_id.to_owned(),
                index,
                ..s.clone()
            });
        }
        let kept: Vec<u32> = recorded.iter().map(|s| s.index).collect();
        for (index, _) in &known {
            if !kept.contains(index) {
                tx.execute(
                    "DELETE FROM segments WHERE call_id = ?1 AND segment_index = ?2
                     AND NOT EXISTS (SELECT 1 FROM files f
                         WHERE f.call_id = ?1 AND f.segment_index = ?2)",
                    params![call_id, index],
                )?;
                // Kept for its file: no longer a copy of a planned leg.
                tx.execute(
                    "UPDATE segments SET leg = NULL WHERE call_id = ?1 AND segment_index = ?2",
                    params![call_id, index],
                )?;
            }
        }
        {
            let mut stmt = tx.prepare_cached(
                "INSERT INTO segments (call_id, segment_index, segment_id, label, source, status,
                 duration_seconds, created_at, endpoint, seen_at, leg)
                 VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11)
                 ON CONFLICT (call_id, segment_index) DO UPDATE SET
                   segment_id = excluded.segment_id, label = excluded.label,
                   source = excluded.source, status = excluded.status,
                   duration_seconds = excluded.duration_seconds,
                   created_at = excluded.created_at, endpoint = excluded.endpoint,
                   seen_at = excluded.seen_at, leg = excluded.leg",
            )?;
            for s in &recorded {
                stmt.execute(params![
                    call_id,
                    s.index,
                    s.segment_id,
                    s.label,
                    s.source,
                    s.status,
                    s.duration_seconds,
                    s.created_at,
                    s.endpoint,
                    now(),
                    s.leg,
                ])?;
            }
        }
        tx.commit()?;
        Ok(recorded)
    }

    pub fn segments(&self, call_id: &str) -> Result<Vec<SegmentRecord>, LibraryError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT call_id, segment_index, segment_id, label, source, status, duration_seconds,
             created_at, endpoint, leg FROM segments WHERE call_id = ?1 ORDER BY segment_index",
        )?;
        let rows = stmt
            .query_map([call_id], |row| {
                Ok(SegmentRecord {
                    call_id: row.get(0)?,
                    index: row.get(1)?,
                    segment_id: row.get(2)?,
                    label: row.get(3)?,
                    source: row.get(4)?,
                    status: row.get(5)?,
                    duration_seconds: row.get(6)?,
                    created_at: row.get(7)?,
                    endpoint: row.get(8)?,
                    slot: None,
                    leg: row.get(9)?,
                })
            })?
            .collect::<Result<_, _>>()?;
        Ok(rows)
    }

    /// Queues a segment: a new row, or a failed/paused/done one queued again (a running or
    /// queued one is left as it is). Returns the row as it now is.
    pub fn queue_download(&self, segment: &SegmentRecord) -> Result<DownloadRecord, LibraryError> {
        let conn = self.conn();
        let at = now();
        conn.execute(
            "INSERT INTO downloads (call_id, segment_index, segment_id, label, state, created_at,
             updated_at) VALUES (?1, ?2, ?3, ?4, 'queued', ?5, ?5)
             ON CONFLICT (call_id, segment_index) DO UPDATE SET state = 'queued',
               segment_id = excluded.segment_id, label = excluded.label, error_code = NULL,
               error_message = NULL, sha256 = NULL, updated_at = excluded.updated_at
             WHERE downloads.state IN ('failed', 'paused', 'done')",
            params![
                segment.call_id,
                segment.index,
                segment.segment_id,
                segment.label,
                at
            ],
        )?;
        drop(conn);
        self.download(&segment.call_id, segment.index)?
            .ok_or_else(|| LibraryError::Query("the queued download vanished".into()))
    }

    pub fn download(
        &self,
        call_id: &str,
        index: u32,
    ) -> Result<Option<DownloadRecord>, LibraryError> {
        let conn = self.conn();
        let sql = format!(
            "SELECT {DOWNLOAD_COLUMNS} FROM downloads WHERE call_id = ?1 AND segment_index = ?2"
        );
        Ok(conn
            .query_row(&sql, params![call_id, index], download_row)
            .optional()?)
    }

    /// Every queue row, oldest first.
    pub fn downloads(&self) -> Result<Vec<DownloadRecord>, LibraryError> {
        let conn = self.conn();
        let sql = format!(
            "SELECT {DOWNLOAD_COLUMNS} FROM downloads ORDER BY created_at, call_id, segment_index"
        );
        let mut stmt = conn.prepare(&sql)?;
        let rows = stmt
            .query_map([], download_row)?
            .collect::<Result<_, _>>()?;
        Ok(rows)
    }

    /// Takes the oldest queued row and marks it running (one more attempt), atomically.
    pub fn claim_next_download(&self) -> Result<Option<DownloadRecord>, LibraryError> {
        let conn = self.conn();
        let sql = format!(
            "UPDATE downloads SET state = 'running', attempts = attempts + 1, error_code = NULL,
             error_message = NULL, updated_at = ?1
             WHERE (call_id, segment_index) = (SELECT call_id, segment_index FROM downloads
                 WHERE state = 'queued' ORDER BY created_at, call_id, segment_index LIMIT 1)
             RETURNING {DOWNLOAD_COLUMNS}"
        );
        Ok(conn.query_row(&sql, [now()], download_row).optional()?)
    }

    /// After a restart nothing is running: what was is queued again. Returns how many.
    pub fn requeue_running(&self) -> Result<usize, LibraryError> {
        let conn = self.conn();
        Ok(conn.execute(
            "UPDATE downloads SET state = 'queued', updated_at = ?1 WHERE state = 'running'",
            [now()],
        )?)
    }

    pub fn set_download_state(
        &self,
        call_id: &str,
        index: u32,
        state: DownloadState,
        error: Option<(&str, &str)>,
    ) -> Result<(), LibraryError> {
        let conn = self.conn();
        conn.execute(
            "UPDATE downloads SET state = ?3, error_code = ?4, error_message = ?5, updated_at = ?6
             WHERE call_id = ?1 AND segment_index = ?2",
            params![
                call_id,
                index,
                state.as_str(),
                error.map(|e| e.0),
                error.map(|e| e.1),
                now()
            ],
        )?;
        Ok(())
    }

    /// Bytes on disk so far, the object's length and validator once known.
    pub fn set_download_progress(
        &self,
        call_id: &str,
        index: u32,
        bytes: u64,
        total: Option<u64>,
        validator: Option<&str>,
    ) -> Result<(), LibraryError> {
        let conn = self.conn();
        conn.execute(
            "UPDATE downloads SET bytes = ?3, total = ?4, validator = ?5, updated_at = ?6
             WHERE call_id = ?1 AND segment_index = ?2",
            params![
                call_id,
                index,
                size_i64(bytes),
                total.map(size_i64),
                validator,
                now()
            ],
        )?;
        Ok(())
    }

    pub fn remove_download(&self, call_id: &str, index: u32) -> Result<(), LibraryError> {
        let conn = self.conn();
        conn.execute(
            "DELETE FROM downloads WHERE call_id = ?1 AND segment_index = ?2",
            params![call_id, index],
        )?;
        Ok(())
    }

    /// The file is in place (renamed; `durable` once its data is known to be on disk): record
    /// it and mark its download done, in one transaction.
    pub fn complete_download(&self, file: &FileRecord, durable: bool) -> Result<(), LibraryError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        tx.execute(
            &format!(
                "INSERT OR REPLACE INTO files ({FILE_COLUMNS}, durable)
                 VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9)"
            ),
            params![
                file.call_id,
                file.index,
                file.path,
                size_i64(file.size),
                file.sha256,
                file.etag,
                file.content_type,
                file.completed_at,
                durable
            ],
        )?;
        tx.execute(
            "UPDATE downloads SET state = 'done', bytes = ?3, total = ?3, error_code = NULL,
             error_message = NULL, updated_at = ?4 WHERE call_id = ?1 AND segment_index = ?2",
            params![file.call_id, file.index, size_i64(file.size), now()],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Saves a finished `.part`'s SHA-256 before it is renamed (see migration 5).
    pub fn set_download_sha256(
        &self,
        call_id: &str,
        index: u32,
        sha256: &str,
    ) -> Result<(), LibraryError> {
        let conn = self.conn();
        conn.execute(
            "UPDATE downloads SET sha256 = ?3, updated_at = ?4
             WHERE call_id = ?1 AND segment_index = ?2",
            params![call_id, index, sha256, now()],
        )?;
        Ok(())
    }

    /// A download to do again from nothing (its file was found damaged): queued, no bytes, no
    /// validator, no hash.
    pub fn restart_download(&self, call_id: &str, index: u32) -> Result<(), LibraryError> {
        let conn = self.conn();
        conn.execute(
            "UPDATE downloads SET state = 'queued', bytes = 0, total = NULL, validator = NULL,
             sha256 = NULL, error_code = NULL, error_message = NULL, updated_at = ?3
             WHERE call_id = ?1 AND segment_index = ?2",
            params![call_id, index, now()],
        )?;
        Ok(())
    }

    /// Records whether a file's data is known to be on disk (fsynced).
    pub fn mark_file_durable(
        &self,
        call_id: &str,
        index: u32,
        durable: bool,
    ) -> Result<(), LibraryError> {
        let conn = self.conn();
        conn.execute(
            "UPDATE files SET durable = ?3 WHERE call_id = ?1 AND segment_index = ?2",
            params![call_id, index, durable],
        )?;
        Ok(())
    }

    /// Files recorded but not yet known to be on disk.
    pub fn files_not_durable(&self) -> Result<Vec<FileRecord>, LibraryError> {
        let conn = self.conn();
        let sql = format!(
            "SELECT {FILE_COLUMNS} FROM files WHERE durable = 0 ORDER BY call_id, segment_index"
        );
        let mut stmt = conn.prepare(&sql)?;
        let rows = stmt.query_map([], file_row)?.collect::<Result<_, _>>()?;
        Ok(rows)
    }

    pub fn file(&self, call_id: &str, index: u32) -> Result<Option<FileRecord>, LibraryError> {
        let conn = self.conn();
        let sql =
            format!("SELECT {FILE_COLUMNS} FROM files WHERE call_id = ?1 AND segment_index = ?2");
        Ok(conn
            .query_row(&sql, params![call_id, index], file_row)
            .optional()?)
    }

    /// Every file, or one call's, by call then segment.
    pub fn files(&self, call_id: Option<&str>) -> Result<Vec<FileRecord>, LibraryError> {
        let conn = self.conn();
        let sql = format!(
            "SELECT {FILE_COLUMNS} FROM files WHERE ?1 IS NULL OR call_id = ?1
             ORDER BY call_id, segment_index"
        );
        let mut stmt = conn.prepare(&sql)?;
        let rows = stmt
            .query_map([call_id], file_row)?
            .collect::<Result<_, _>>()?;
        Ok(rows)
    }

    /// Forgets a call's files and finished downloads (the caller deletes the files: rows go
    /// first, so a crash in between leaves an orphan file to sweep, never a row without a file).
    pub fn remove_files(&self, call_id: &str) -> Result<Vec<FileRecord>, LibraryError> {
        let files = self.files(Some(call_id))?;
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        tx.execute("DELETE FROM files WHERE call_id = ?1", [call_id])?;
        tx.execute(
            "DELETE FROM downloads WHERE call_id = ?1 AND state = 'done'",
            [call_id],
        )?;
        tx.commit()?;
        Ok(files)
    }

    /// Forgets one file row (its file was found missing or damaged).
    pub fn forget_file(&self, call_id: &str, index: u32) -> Result<(), LibraryError> {
        let conn = self.conn();
        conn.execute(
            "DELETE FROM files WHERE call_id = ?1 AND segment_index = ?2",
            params![call_id, index],
        )?;
        Ok(())
    }

    /// The bytes of every recorded file.
    pub fn files_size(&self) -> Result<u64, LibraryError> {
        let conn = self.conn();
        let n: i64 =
            conn.query_row("SELECT coalesce(sum(size), 0) FROM files", [], |r| r.get(0))?;
        Ok(n.max(0) as u64)
    }

    /// Sets `downloaded` on each row: true when the call has a verified file (its row, and a
    /// file of that size on disk) for every segment the library knows of it, and at least one.
    /// Works for remote pages as for offline ones: it only looks at the local library.
    pub fn mark_downloaded(&self, rows: &mut [CallRow]) -> Result<(), LibraryError> {
        if rows.is_empty() {
            return Ok(());
        }
        let ids: HashSet<&str> = rows.iter().map(|r| r.id.as_str()).collect();
        let mut files: HashMap<String, Vec<FileRecord>> = HashMap::new();
        // Each known recording as (its index, its leg key): a leg is whole when one copy is.
        let mut segments: HashMap<String, Vec<(u32, i64)>> = HashMap::new();
        {
            let conn = self.conn();
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT {FILE_COLUMNS} FROM files WHERE call_id = ?1"
            ))?;
            let mut seg_stmt = conn.prepare_cached(
                "SELECT segment_index, COALESCE(leg, -1 - segment_index) FROM segments
                 WHERE call_id = ?1",
            )?;
            for id in &ids {
                let found: Vec<FileRecord> =
                    stmt.query_map([id], file_row)?.collect::<Result<_, _>>()?;
                if found.is_empty() {
                    continue;
                }
                files.insert((*id).to_owned(), found);
                let known: Vec<(u32, i64)> = seg_stmt
                    .query_map([id], |r| Ok((r.get(0)?, r.get(1)?)))?
                    .collect::<Result<_, _>>()?;
                segments.insert((*id).to_owned(), known);
            }
        }
        for row in rows.iter_mut() {
            row.downloaded = files.get(&row.id).is_some_and(|found| {
                let verified: HashSet<u32> = found
                    .iter()
                    .filter(|f| {
                        std::fs::metadata(self.dir.join(&f.path))
                            .is_ok_and(|m| m.is_file() && m.len() == f.size)
                    })
                    .map(|f| f.index)
                    .collect();
                let whole_legs: HashSet<i64> = segments
                    .get(&row.id)
                    .into_iter()
                    .flatten()
                    .filter(|(index, _)| verified.contains(index))
                    .map(|(_, leg)| *leg)
                    .collect();
                !verified.is_empty()
                    && segments
                        .get(&row.id)
                        .is_none_or(|known| known.iter().all(|(_, leg)| whole_legs.contains(leg)))
            });
        }
        Ok(())
    }

    /// The call as last seen (any project), for export names.
    pub fn call(&self, id: &str) -> Result<Option<CallRow>, LibraryError> {
        let project: Option<String> = self
            .conn()
            .query_row(
                "SELECT project FROM calls WHERE id = ?1 ORDER BY seen_at DESC LIMIT 1",
                [id],
                |r| r.get(0),
            )
            .optional()?;
        match project {
            Some(project) => Ok(self.call_in(&project, id)?.map(|(row, _)| row)),
            None => Ok(None),
        }
    }

    /// `project`'s copy of call `id`, read with the project's columns.
    pub fn call_in(
        &self,
        project: &str,
        id: &str,
    ) -> Result<Option<(CallRow, crate::calls::CallSchema)>, LibraryError> {
        let raw: Option<String> = self
            .conn()
            .query_row(
                "SELECT raw FROM calls WHERE project = ?1 AND id = ?2",
                [project, id],
                |r| r.get(0),
            )
            .optional()?;
        let schema = self.call_schema(project)?.unwrap_or_default();
        Ok(raw
            .and_then(|raw| serde_json::from_str(&raw).ok())
            .and_then(|value| CallRow::from_json(value, &schema))
            .map(|row| (row, schema)))
    }
}
