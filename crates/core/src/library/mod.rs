//! The embedded library: `<data dir>/library.sqlite3` (SQLite, WAL) remembers every call page
//! seen, so the list works offline with the same filters, sorts, keyset paging and search as
//! PostgREST. Migration 2 adds each call's segments, the verified downloaded files and the
//! persistent download queue (`store.rs`, used by [`crate::downloads`]). Migration 7 keeps each
//! project's learned `calls` columns (`call_schemas`) and each row as the server sent it, so
//! offline filters, sorts and search follow the same table as online.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use rusqlite::{
    Connection, OptionalExtension, TransactionBehavior, params_from_iter, types::Value as Sql,
};

mod analyses;
mod reviews;
mod store;
mod waveforms;
pub use reviews::{OutboxEntry, OutboxKind, StoredNote, StoredReview, SyncRecord};
pub use store::{DownloadRecord, DownloadState, FileRecord, SegmentRecord};
pub use waveforms::StoredWaveform;

use crate::bytestore::RecordingCache;
use crate::calls::{
    CallPage, CallQuery, CallRow, CallSchema, CallSource, CallsError, Cursor, Sort,
};
use crate::reviews::ReviewStatus;
use crate::{ErrorCode, ErrorKind};

pub const FILE_NAME: &str = "library.sqlite3";

/// Append only: never edit a migration that has shipped.
const MIGRATIONS: &[&str] = &[
    r#"
CREATE TABLE calls (
    project TEXT NOT NULL,
    id TEXT NOT NULL,
    agency_id TEXT,
    has_recording INTEGER,
    created_at TEXT,
    -- created_at as microseconds since the epoch: what the list sorts and pages on.
    created_us INTEGER,
    ultravox_call_id TEXT,
    started_at TEXT,
    ended_at TEXT,
    duration_seconds REAL,
    direction TEXT,
    from_number TEXT,
    to_number TEXT,
    status TEXT,
    agent_name TEXT,
    -- The row as the server sent it (parsed back into CallRow when served offline).
    raw TEXT NOT NULL,
    seen_at INTEGER NOT NULL,
    PRIMARY KEY (project, id)
) WITHOUT ROWID;
CREATE INDEX calls_by_date ON calls(project, created_us, id);
CREATE INDEX calls_by_duration ON calls(project, duration_seconds, id);
"#,
    // Issue 7: a call's segments as last resolved, the verified files on disk, and the persistent
    // download queue. Keyed by (call id, segment index): the index is where the segment sits in
    // the merged timeline and names its file; `segment_id` finds it again after a re-resolve.
    r#"
CREATE TABLE segments (
    call_id TEXT NOT NULL,
    segment_index INTEGER NOT NULL CHECK (segment_index >= 0),
    segment_id TEXT NOT NULL,
    label TEXT NOT NULL,
    source TEXT,
    status TEXT,
    duration_seconds REAL,
    created_at TEXT,
    endpoint TEXT,
    seen_at INTEGER NOT NULL,
    PRIMARY KEY (call_id, segment_index)
) WITHOUT ROWID;
-- A row here means: the file at `path` (relative to the data dir) is complete, has `size`
-- bytes and this SHA-256. Written only after the fsync and the atomic rename.
CREATE TABLE files (
    call_id TEXT NOT NULL,
    segment_index INTEGER NOT NULL CHECK (segment_index >= 0),
    path TEXT NOT NULL UNIQUE,
    size INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    etag TEXT,
    content_type TEXT,
    completed_at INTEGER NOT NULL,
    PRIMARY KEY (call_id, segment_index)
) WITHOUT ROWID;
CREATE TABLE downloads (
    call_id TEXT NOT NULL,
    segment_index INTEGER NOT NULL CHECK (segment_index >= 0),
    segment_id TEXT NOT NULL,
    label TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'paused', 'failed', 'done')),
    bytes INTEGER NOT NULL DEFAULT 0,
    total INTEGER,
    -- The ETag (else Last-Modified) the .part was started from: sent as If-Range on resume,
    -- even after a restart, so a changed object is never spliced onto an old prefix.
    validator TEXT,
    error_code TEXT,
    error_message TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (call_id, segment_index)
) WITHOUT ROWID;
CREATE INDEX downloads_by_state ON downloads(state, created_at);
"#,
    // 3: the total of a filtered list counted from an index alone (a covering index holds every
    // column the structured filters use), not by reading 100,000 rows of raw JSON: 60–80 ms → ~12 ms.
    r#"
CREATE INDEX calls_filters
    ON calls(project, has_recording, direction, status, created_us, duration_seconds);
"#,
    // 4: cached waveforms (`waveforms.rs`), one row per segment, with what identifies the audio
    // they came from (a downloaded file's SHA-256, else the byte length and label). A rowid
    // table, not WITHOUT ROWID: rows carry a blob of up to ~72 KB (an hour at 20 peaks/s).
    r#"
CREATE TABLE waveforms (
    call_id TEXT NOT NULL,
    segment_index INTEGER NOT NULL CHECK (segment_index >= 0),
    label TEXT NOT NULL,
    byte_len INTEGER NOT NULL,
    sha256 TEXT,
    bucket_ms INTEGER NOT NULL CHECK (bucket_ms > 0),
    peaks BLOB NOT NULL,
    -- JSON [[start, end], …] in segment seconds.
    silences TEXT NOT NULL,
    computed_at INTEGER NOT NULL,
    PRIMARY KEY (call_id, segment_index)
);
"#,
    // 5: durability off the critical path. A file is recorded, and playable, once it is renamed
    // into place; its data is fsynced afterwards and `durable` set. A row still at 0 after a
    // restart is hashed again before it is trusted (`Downloads::recover`). Earlier files were
    // fsynced before their rename: 1. `downloads.sha256` is a finished `.part`'s hash, saved
    // before the rename: what a final file found without its `files` row must hash to before
    // it is adopted.
    r#"
ALTER TABLE files ADD COLUMN durable INTEGER NOT NULL DEFAULT 1;
ALTER TABLE downloads ADD COLUMN sha256 TEXT;
"#,
    // 6: a recording keeps its `segment_index` for its call: the index is now a handle on the
    // recording's identity (`segment_id`), no longer its place in an endpoint's list, so a file
    // stays tied to the same audio whatever order or subset a later answer gives. `leg` groups
    // the copies of one leg (alternates): a call is downloaded when each leg has a file. NULL
    // (rows from before): each recording its own leg.
    r#"
ALTER TABLE segments ADD COLUMN leg INTEGER;
"#,
    // 7 (issue 17): agencies' `calls` tables differ. Each project's learned columns and their
    // mapping (`CallSchema` as JSON); `raw` becomes the row as the server sent it (it held
    // our parsed `CallRow`), rebuilt here from the columns of the only table Callrec read
    // before, plus the unknown columns kept in `extra`. The parsed columns stay, filled
    // through the mapping, for the indexed filters and sorts.
    r#"
CREATE TABLE call_schemas (
    project TEXT PRIMARY KEY,
    schema TEXT NOT NULL,
    learned_at INTEGER NOT NULL
) WITHOUT ROWID;
UPDATE calls SET raw = json_patch(
    json_object(
        'id', id, 'ultravox_call_id', ultravox_call_id, 'agency_id', agency_id,
        'has_recording', CASE has_recording WHEN 1 THEN json('true') WHEN 0 THEN json('false') END,
        'created_at', created_at, 'started_at', started_at, 'ended_at', ended_at,
        'duration_seconds', duration_seconds, 'direction', direction,
        'from_number', from_number, 'to_number', to_number, 'status', status,
        'agent_name', agent_name),
    COALESCE(json_extract(raw, '$.extra'), '{}'))
WHERE json_valid(raw) AND json_type(raw, '$.invalid') = 'array';
"#,
    // 8 (issue 15): each call's response times once measured (`analysis`), for the list's
    // "worst reply" column; a call measured again replaces its row.
    r#"
CREATE TABLE analyses (
    call_id TEXT PRIMARY KEY,
    stereo INTEGER NOT NULL,
    turns INTEGER NOT NULL,
    worst REAL,
    median REAL,
    analyzed_at INTEGER NOT NULL
) WITHOUT ROWID;
"#,
    // 9 (issue 16): reviews kept here first, shared through the agency's project. A review is
    // one row per call and reviewer (the agency's natural key); notes are append-only, a
    // delete is a tombstone; the outbox names what to push (the current row is what is sent,
    // so several edits of one review push once), in the order they were made.
    r#"
CREATE TABLE reviews (
    project TEXT NOT NULL,
    call_id TEXT NOT NULL,
    reviewer_id TEXT NOT NULL,
    reviewer_email TEXT,
    agency_id TEXT,
    status TEXT NOT NULL,
    checks TEXT NOT NULL,
    score REAL,
    edited_at TEXT NOT NULL,
    edited_us INTEGER NOT NULL,
    PRIMARY KEY (project, call_id, reviewer_id)
) WITHOUT ROWID;
CREATE INDEX reviews_status ON reviews (project, reviewer_id, status);
CREATE TABLE notes (
    project TEXT NOT NULL,
    id TEXT NOT NULL,
    call_id TEXT NOT NULL,
    reviewer_id TEXT NOT NULL,
    agency_id TEXT,
    kind TEXT NOT NULL,
    at_ms INTEGER NOT NULL,
    end_ms INTEGER,
    body TEXT NOT NULL,
    created_at TEXT NOT NULL,
    deleted_at TEXT,
    synced INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (project, id)
) WITHOUT ROWID;
CREATE INDEX notes_call ON notes (project, call_id, at_ms);
CREATE TABLE review_outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    project TEXT NOT NULL,
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    refused TEXT
);
CREATE INDEX review_outbox_project ON review_outbox (project, seq);
CREATE TABLE review_sync (
    project TEXT PRIMARY KEY,
    state TEXT NOT NULL,
    at TEXT,
    reviews_cursor TEXT,
    notes_cursor TEXT,
    scorecard TEXT
) WITHOUT ROWID;
"#,
];

#[derive(Debug, thiserror::Error)]
pub enum LibraryError {
    #[error("the library {path}: {reason}")]
    Open { path: PathBuf, reason: String },
    #[error("the library: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("invalid query: {0}")]
    Query(String),
    /// The query asks for what the project's table lacks (the same error as online).
    #[error(transparent)]
    Calls(Box<CallsError>),
}

impl From<CallsError> for LibraryError {
    fn from(error: CallsError) -> Self {
        LibraryError::Calls(Box::new(error))
    }
}

impl ErrorCode for LibraryError {
    fn code(&self) -> &'static str {
        match self {
            Self::Open { .. } => "library_open",
            Self::Sqlite(error)
                if error.sqlite_error_code() == Some(rusqlite::ErrorCode::DiskFull) =>
            {
                "no_space"
            }
            Self::Sqlite(_) => "library",
            Self::Query(_) => "invalid_query",
            Self::Calls(error) => error.code(),
        }
    }
    fn kind(&self) -> ErrorKind {
        match self {
            Self::Query(_) => ErrorKind::Usage,
            Self::Calls(error) => error.kind(),
            _ => ErrorKind::Other,
        }
    }
}

pub struct Library {
    conn: Mutex<Connection>,
    /// The data dir: `files.path` is relative to it.
    dir: PathBuf,
    /// The played recordings' bytes, beside the kept ones: one registry of byte stores per
    /// library, so every reader and download of a recording in this process shares one.
    cache: Arc<RecordingCache>,
}

/// A time or a date (RFC 3339, ISO 8601, PostgreSQL's text form, `YYYY-MM-DD`) as
/// microseconds since the epoch: how the library compares instants.
pub fn parse_instant(text: &str) -> Option<i64> {
    micros(text)
}

fn micros(text: &str) -> Option<i64> {
    use time::format_description::well_known::{Iso8601, Rfc3339};
    let date = time::macros::format_description!("[year]-[month]-[day]");
    let t = time::OffsetDateTime::parse(text, &Rfc3339)
        .or_else(|_| time::OffsetDateTime::parse(&text.replacen(' ', "T", 1), &Iso8601::DEFAULT))
        .or_else(|_| {
            time::PrimitiveDateTime::parse(text, &Iso8601::DEFAULT).map(|t| t.assume_utc())
        })
        .or_else(|_| time::Date::parse(text, &date).map(|d| d.midnight().assume_utc()))
        .ok()?;
    i64::try_from(t.unix_timestamp_nanos() / 1000).ok()
}

fn like_escape(text: &str) -> String {
    let mut out = String::from("%");
    for c in text.chars() {
        match c {
            '%' | '_' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            '*' => out.push('%'),
            c => out.push(c),
        }
    }
    out.push('%');
    out
}

/// Puts the file in WAL mode (kept in the file, so a no-op after the first time). Switching a
/// new file needs it to itself, and SQLite answers "busy" at once, without its busy timeout,
/// to a second process (the CLI beside the app) opening it at that moment: it tries again for
/// a few seconds.
fn enable_wal(conn: &Connection) -> rusqlite::Result<()> {
    let give_up = std::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        match conn.pragma_update(None, "journal_mode", "WAL") {
            Err(rusqlite::Error::SqliteFailure(error, _))
                if matches!(
                    error.code,
                    rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked
                ) && std::time::Instant::now() < give_up =>
            {
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            other => return other,
        }
    }
}

/// Brings the schema forward: an append-only list of SQL migrations, tracked in SQLite's
/// `user_version`, so every library file gets each one exactly once. The version is read inside
/// a `BEGIN IMMEDIATE` transaction (the write lock taken first, waiting on the busy timeout):
/// the app and the CLI opening the library at once cannot both see the old version and both
/// apply the same migration. (rusqlite_migration reads it before its transaction begins.)
fn migrate(conn: &mut Connection) -> Result<(), String> {
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(|e| e.to_string())?;
    let version: i64 = tx
        .query_row("PRAGMA user_version", [], |row| row.get(0))
        .map_err(|e| e.to_string())?;
    let applied = usize::try_from(version).unwrap_or(usize::MAX);
    if applied > MIGRATIONS.len() {
        return Err(format!(
            "the library's schema (version {version}) is newer than this Callrec knows ({}): update Callrec",
            MIGRATIONS.len()
        ));
    }
    for (index, sql) in MIGRATIONS.iter().enumerate().skip(applied) {
        tx.execute_batch(sql)
            .map_err(|e| format!("migration {}: {e}", index + 1))?;
    }
    if applied < MIGRATIONS.len() {
        tx.pragma_update(None, "user_version", MIGRATIONS.len())
            .map_err(|e| e.to_string())?;
    }
    tx.commit().map_err(|e| e.to_string())
}

impl Library {
    /// Opens (creating and migrating) `<data_dir>/library.sqlite3`.
    pub fn open(data_dir: &Path) -> Result<Self, LibraryError> {
        let path = data_dir.join(FILE_NAME);
        let fail = |reason: String| LibraryError::Open {
            path: path.clone(),
            reason,
        };
        crate::files::create_dir_all(data_dir).map_err(|e| fail(e.to_string()))?;
        // The file exists, private, before SQLite opens it: SQLite gives its journal files
        // (`-wal`, `-shm`) the database file's mode. Files from before this rule are closed up.
        crate::files::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| fail(e.to_string()))?;
        for suffix in ["", "-wal", "-shm"] {
            let mut file = path.clone().into_os_string();
            file.push(suffix);
            crate::files::restrict(Path::new(&file)).map_err(|e| fail(e.to_string()))?;
        }
        let mut conn = Connection::open(&path).map_err(|e| fail(e.to_string()))?;
        enable_wal(&conn).map_err(|e| fail(e.to_string()))?;
        // Every commit reaches the disk before the call returns (SQLite's default, stated):
        // the downloader saves a file's hash before renaming it and relies on that order.
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(|e| fail(e.to_string()))?;
        conn.pragma_update(None, "foreign_keys", "ON")
            .map_err(|e| fail(e.to_string()))?;
        migrate(&mut conn).map_err(fail)?;
        Ok(Self {
            conn: Mutex::new(conn),
            dir: data_dir.to_owned(),
            // The reviewer's limit (Settings), whichever shell opens the library.
            cache: Arc::new(RecordingCache::in_data_dir(
                data_dir,
                crate::preferences::PreferencesFile::in_data_dir(data_dir)
                    .load()
                    .cache_limit_bytes(),
            )),
        })
    }

    /// The data dir this library lives in (files are stored relative to it).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The recordings cache of this data dir (see [`crate::bytestore`]).
    pub fn cache(&self) -> &Arc<RecordingCache> {
        &self.cache
    }

    fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Remembers the server's `items` (rows of `schema`'s table) as seen now; a row seen again
    /// replaces the old copy, and an item without an id is not kept.
    pub fn upsert_calls(
        &self,
        project: &str,
        schema: &CallSchema,
        items: &[serde_json::Value],
    ) -> Result<(), LibraryError> {
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        {
            let mut stmt = tx.prepare_cached(
                "INSERT OR REPLACE INTO calls (project, id, agency_id, has_recording, created_at,
                 created_us, ultravox_call_id, started_at, ended_at, duration_seconds, direction,
                 from_number, to_number, status, agent_name, raw, seen_at)
                 VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17)",
            )?;
            for item in items {
                let Some(r) = CallRow::from_json(item.clone(), schema) else {
                    continue;
                };
                let raw = serde_json::to_string(item).unwrap_or_default();
                stmt.execute(rusqlite::params![
                    project,
                    r.id,
                    r.agency_id,
                    r.has_recording,
                    r.created_at,
                    r.created_at.as_deref().and_then(micros),
                    r.ultravox_call_id,
                    r.started_at,
                    r.ended_at,
                    r.duration_seconds,
                    r.direction,
                    r.from_number,
                    r.to_number,
                    r.status,
                    r.agent_name,
                    raw,
                    now,
                ])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// The columns last learned of `project`'s `calls` table.
    pub fn call_schema(&self, project: &str) -> Result<Option<CallSchema>, LibraryError> {
        let text: Option<String> = self
            .conn()
            .query_row(
                "SELECT schema FROM call_schemas WHERE project = ?1",
                [project],
                |r| r.get(0),
            )
            .optional()?;
        // A copy this version cannot read is learned again, not an error.
        Ok(text.and_then(|text| serde_json::from_str(&text).ok()))
    }

    /// Keeps `schema` for `project`. When it maps a field to another column than before, the
    /// parsed columns of the project's rows are filled again from each row as sent, so the
    /// indexed filters and sorts follow the new mapping.
    pub fn save_call_schema(&self, project: &str, schema: &CallSchema) -> Result<(), LibraryError> {
        let before = self.call_schema(project)?;
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let text = serde_json::to_string(schema).map_err(|e| LibraryError::Query(e.to_string()))?;
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        tx.execute(
            "INSERT OR REPLACE INTO call_schemas (project, schema, learned_at) VALUES (?1, ?2, ?3)",
            rusqlite::params![project, text, now],
        )?;
        let mapping = |s: &CallSchema| {
            s.columns
                .iter()
                .filter(|c| c.field.is_some())
                .map(|c| (c.name.clone(), c.field))
                .collect::<Vec<_>>()
        };
        if before.is_none_or(|b| mapping(&b) != mapping(schema)) {
            let rows: Vec<(String, String)> = {
                let mut stmt = tx.prepare("SELECT id, raw FROM calls WHERE project = ?1")?;
                stmt.query_map([project], |r| Ok((r.get(0)?, r.get(1)?)))?
                    .collect::<Result<_, _>>()?
            };
            let mut update = tx.prepare(
                "UPDATE calls SET started_at = ?3, ended_at = ?4, duration_seconds = ?5,
                 direction = ?6, from_number = ?7, to_number = ?8, status = ?9, agent_name = ?10
                 WHERE project = ?1 AND id = ?2",
            )?;
            for (id, raw) in rows {
                let Some(r) = serde_json::from_str(&raw)
                    .ok()
                    .and_then(|v| CallRow::from_json(v, schema))
                else {
                    continue;
                };
                update.execute(rusqlite::params![
                    project,
                    id,
                    r.started_at,
                    r.ended_at,
                    r.duration_seconds,
                    r.direction,
                    r.from_number,
                    r.to_number,
                    r.status,
                    r.agent_name,
                ])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Forgets `project`'s columns: the next page learns them again.
    pub fn forget_call_schema(&self, project: &str) -> Result<(), LibraryError> {
        self.conn()
            .execute("DELETE FROM call_schemas WHERE project = ?1", [project])?;
        Ok(())
    }

    /// The schema queries of `project` are read with: the learned one, else the assumed.
    fn schema_or_assumed(&self, project: &str) -> Result<CallSchema, LibraryError> {
        Ok(self.call_schema(project)?.unwrap_or_default())
    }

    /// The page of remembered calls after `cursor`: the same filters, order and keyset as
    /// [`CallQuery::params`] asks of PostgREST, plus `query.downloaded` (which only the library
    /// knows). The total is counted on the first page.
    pub fn query_calls(
        &self,
        project: &str,
        query: &CallQuery,
        cursor: Option<&Cursor>,
    ) -> Result<CallPage, LibraryError> {
        self.query_calls_where(project, query, cursor, None, None)
    }

    /// [`Library::query_calls`] with `downloaded` in place of `query.downloaded` when given:
    /// filtered on whether each call is downloaded (a verified file for every segment the
    /// library knows of it, see [`Library::mark_downloaded`]). Rows come back with
    /// `downloaded` set. `reviewer` is whose reviews `query.review` and the rows' review
    /// status are read from (none: no review filter, every row unreviewed).
    pub fn query_calls_where(
        &self,
        project: &str,
        query: &CallQuery,
        cursor: Option<&Cursor>,
        downloaded: Option<bool>,
        reviewer: Option<&str>,
    ) -> Result<CallPage, LibraryError> {
        let schema = self.schema_or_assumed(project)?;
        // The same check as online: what the table lacks is a usage error, not an empty page.
        let plan = query.plan(&schema)?;
        let mut filter = String::from("project = ?");
        if let Some(downloaded) = downloaded.or(query.downloaded) {
            filter.push_str(if downloaded { " AND " } else { " AND NOT " });
            filter.push_str(store::DOWNLOADED_SQL);
        }
        let mut args: Vec<Sql> = vec![Sql::Text(project.to_owned())];
        let time_arg = |what: &str, text: &str| {
            micros(text)
                .ok_or_else(|| LibraryError::Query(format!("{what}: {text:?} is not a time")))
        };
        if let Some(since) = &query.since {
            filter.push_str(" AND created_us >= ?");
            args.push(Sql::Integer(time_arg("since", since)?));
        }
        if let Some(until) = &query.until {
            filter.push_str(" AND created_us < ?");
            args.push(Sql::Integer(time_arg("until", until)?));
        }
        if let Some(has) = query.has_recording {
            filter.push_str(" AND has_recording = ?");
            args.push(Sql::Integer(has.into()));
        }
        if let (Some(status), Some(reviewer)) = (query.review, reviewer) {
            filter.push_str(if status == ReviewStatus::Unreviewed {
                " AND id NOT IN (SELECT call_id FROM reviews
                     WHERE project = ? AND reviewer_id = ? AND status <> ?)"
            } else {
                " AND id IN (SELECT call_id FROM reviews
                     WHERE project = ? AND reviewer_id = ? AND status = ?)"
            });
            args.push(Sql::Text(project.to_owned()));
            args.push(Sql::Text(reviewer.to_owned()));
            args.push(Sql::Text(status.as_str().to_owned()));
        }
        // Filled through the mapping when the row was kept (see `save_call_schema`).
        if let Some((_, direction)) = &plan.direction {
            filter.push_str(" AND direction = ?");
            args.push(Sql::Text(direction.clone()));
        }
        if let Some((_, status)) = &plan.status {
            filter.push_str(" AND status = ?");
            args.push(Sql::Text(status.clone()));
        }
        if let Some(search) = &plan.search {
            // Each text column of the row as the server sent it: the same columns PostgREST
            // searches. Names are plain (`[A-Za-z0-9_]`), so the JSON path needs no escaping.
            // SQLite's LIKE is case-insensitive for ASCII, as ilike is.
            let n = args.len() + 1;
            let mut terms: Vec<String> = search
                .columns
                .iter()
                .map(|c| format!("json_extract(raw, '$.\"{c}\"') LIKE ?{n} ESCAPE '\\'"))
                .collect();
            args.push(Sql::Text(like_escape(&search.text)));
            if let Some(id) = &search.id {
                terms.push(format!("id = ?{}", n + 1));
                args.push(Sql::Text(id.clone()));
            }
            // Positional `?` before mixes with numbered ones: number everything instead.
            filter.push_str(&format!(" AND ({})", terms.join(" OR ")));
        }
        let total_filter = filter.clone();
        let total_args = args.clone();
        let desc = matches!(query.sort, Sort::DateDesc | Sort::DurationDesc);
        let (op, dir) = if desc { ("<", "DESC") } else { (">", "ASC") };
        if let Some(cursor) = cursor {
            if cursor.sort != query.sort {
                return Err(LibraryError::Query(
                    "the cursor belongs to another sort order".into(),
                ));
            }
            match query.sort {
                Sort::DateDesc | Sort::DateAsc => {
                    let at = micros(&cursor.created_at).unwrap_or(0);
                    filter.push_str(&format!(
                        " AND (created_us {op} ? OR (created_us = ? AND id {op} ?))"
                    ));
                    args.extend([
                        Sql::Integer(at),
                        Sql::Integer(at),
                        Sql::Text(cursor.id.clone()),
                    ]);
                }
                Sort::DurationDesc | Sort::DurationAsc => match cursor.duration_seconds {
                    Some(d) => {
                        filter.push_str(&format!(
                            " AND (duration_seconds {op} ? OR (duration_seconds = ? AND id {op} ?)
                             OR duration_seconds IS NULL)"
                        ));
                        args.extend([Sql::Real(d), Sql::Real(d), Sql::Text(cursor.id.clone())]);
                    }
                    None => {
                        filter.push_str(&format!(" AND duration_seconds IS NULL AND id {op} ?"));
                        args.push(Sql::Text(cursor.id.clone()));
                    }
                },
            }
        }
        let order = match query.sort {
            Sort::DateDesc | Sort::DateAsc => format!("created_us {dir}, id {dir}"),
            Sort::DurationDesc | Sort::DurationAsc => {
                format!("duration_seconds IS NULL, duration_seconds {dir}, id {dir}")
            }
        };
        let limit = query.limit();
        let sql = number_params(&format!(
            "SELECT raw FROM calls WHERE {filter} ORDER BY {order} LIMIT {limit}"
        ));
        let conn = self.conn();
        let mut stmt = conn.prepare(&sql)?;
        let raws = stmt
            .query_map(params_from_iter(args.iter()), |row| row.get::<_, String>(0))?
            .collect::<Result<Vec<_>, _>>()?;
        let mut skipped = 0;
        let rows: Vec<CallRow> = raws
            .iter()
            .filter_map(|raw| {
                let row = serde_json::from_str(raw)
                    .ok()
                    .and_then(|v| CallRow::from_json(v, &schema));
                if row.is_none() {
                    skipped += 1;
                }
                row
            })
            .collect();
        let next = if raws.len() >= limit as usize {
            rows.last().map(|r| Cursor::after(query.sort, r))
        } else {
            None
        };
        let total = if cursor.is_none() {
            let sql = number_params(&format!(
                "SELECT count(*) FROM calls INDEXED BY calls_filters WHERE {total_filter}"
            ));
            conn.query_row(&sql, params_from_iter(total_args.iter()), |r| {
                r.get::<_, i64>(0)
            })
            .optional()?
            .map(|n| n as u64)
        } else {
            None
        };
        drop(stmt);
        drop(conn);
        let mut rows = rows;
        self.mark_downloaded(&mut rows)?;
        self.mark_analysed(&mut rows)?;
        if let Some(reviewer) = reviewer {
            self.mark_reviewed(project, reviewer, &mut rows)?;
        }
        Ok(CallPage {
            rows,
            next,
            total,
            skipped,
            source: CallSource::Offline,
            schema,
        })
    }
}

/// Numbers every bare `?` in order, so numbered (`?7`) and bare parameters agree.
fn number_params(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 16);
    let mut n = 0;
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        out.push(c);
        if c == '?' {
            if chars.peek().is_some_and(|d| d.is_ascii_digit()) {
                let mut digits = String::new();
                while let Some(d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                    digits.push(*d);
                    chars.next();
                }
                n = n.max(digits.parse().unwrap_or(0));
                out.push_str(&digits);
            } else {
                n += 1;
                out.push_str(&n.to_string());
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calls::{ColumnOverrides, Field};

    /// A library written before migration 7 kept our parsed `CallRow` as `raw`: it is turned
    /// into the row as the server sent it, unknown columns and unreadable values included.
    #[test]
    fn migration_7_keeps_rows_seen_before_it() {
        let dir = tempfile::tempdir().unwrap();
        {
            let conn = Connection::open(dir.path().join(FILE_NAME)).unwrap();
            // A library as Callrec left it at migration 6.
            for sql in &MIGRATIONS[..6] {
                conn.execute_batch(sql).unwrap();
            }
            conn.pragma_update(None, "user_version", 6).unwrap();
            let old = serde_json::json!({
                "id": "c1", "agencyId": "a", "hasRecording": null,
                "createdAt": "2026-01-02T03:04:05+00:00", "ultravoxCallId": null,
                "startedAt": null, "endedAt": null, "durationSeconds": 61.0,
                "direction": "inbound", "fromNumber": "+1555", "toNumber": null,
                "status": null, "agentName": "Ava",
                "extra": {"queue": "sales", "has_recording": "yes"}, "invalid": ["has_recording"],
                "downloaded": false
            });
            conn.execute(
                "INSERT INTO calls (project, id, agency_id, has_recording, created_at, created_us,
                 duration_seconds, direction, from_number, agent_name, raw, seen_at)
                 VALUES ('p', 'c1', 'a', NULL, '2026-01-02T03:04:05+00:00', 1767323045000000,
                 61.0, 'inbound', '+1555', 'Ava', ?1, 0)",
                [old.to_string()],
            )
            .unwrap();
        }
        let library = Library::open(dir.path()).unwrap();
        let (row, schema) = library.call_in("p", "c1").unwrap().unwrap();
        assert!(
            !schema.learned,
            "no schema was kept before: the assumed one"
        );
        assert_eq!(row.duration_seconds, Some(61.0));
        assert_eq!(row.from_number.as_deref(), Some("+1555"));
        assert_eq!(row.has_recording, None);
        assert_eq!(row.extra["queue"], "sales");
        assert_eq!(row.extra["has_recording"], "yes");
        assert_eq!(
            row.invalid,
            ["has_recording"],
            "the unreadable value is kept raw"
        );
        let page = library
            .query_calls(
                "p",
                &CallQuery {
                    search: Some("ava".into()),
                    ..Default::default()
                },
                None,
            )
            .unwrap();
        assert_eq!(page.rows, [row]);
    }

    /// A new `[columns]` mapping fills the indexed columns again from each row as sent.
    #[test]
    fn a_new_mapping_refills_the_parsed_columns() {
        let dir = tempfile::tempdir().unwrap();
        let library = Library::open(dir.path()).unwrap();
        let items = [
            serde_json::json!({"id": "a", "created_at": "2026-01-01T00:00:00Z", "duration": 5, "billsec": 50}),
            serde_json::json!({"id": "b", "created_at": "2026-01-02T00:00:00Z", "duration": 9, "billsec": 10}),
        ];
        let schema = CallSchema::learn(&items, None, &ColumnOverrides::new()).unwrap();
        library.save_call_schema("p", &schema).unwrap();
        library.upsert_calls("p", &schema, &items).unwrap();
        let longest = CallQuery {
            sort: Sort::DurationDesc,
            ..Default::default()
        };
        let order = |library: &Library| -> Vec<String> {
            let page = library.query_calls("p", &longest, None).unwrap();
            page.rows.into_iter().map(|r| r.id).collect()
        };
        assert_eq!(order(&library), ["b", "a"]);
        let billsec = schema.remap(&[(Field::Duration, "billsec".to_owned())].into());
        library.save_call_schema("p", &billsec).unwrap();
        assert_eq!(order(&library), ["a", "b"]);
        let page = library.query_calls("p", &longest, None).unwrap();
        assert_eq!(page.rows[0].duration_seconds, Some(50.0));
        assert_eq!(page.rows[0].extra["duration"], 5);
    }
}
