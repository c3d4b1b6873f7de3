//! SQLite: schema, a small connection pool, and the row lookups several services share.
//!
//! rusqlite is blocking, so every query runs on tokio's blocking pool through [`Db::call`].
//! WAL mode lets readers proceed while the auth service writes sessions.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use rusqlite::{Connection, OptionalExtension, params};
use tokio::sync::Semaphore;

/// Bump when the schema or the seed's meaning changes: a data dir with another version is rebuilt.
pub(crate) const SCHEMA_VERSION: &str = "6";

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("database pool closed")]
    Closed,
    #[error("database task failed: {0}")]
    Task(String),
}

pub(crate) fn open(path: &Path) -> Result<Connection, DbError> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    conn.execute_batch(
        "PRAGMA journal_mode = WAL;
         PRAGMA synchronous = NORMAL;
         PRAGMA foreign_keys = ON;
         PRAGMA temp_store = MEMORY;
         PRAGMA cache_size = -32000;",
    )?;
    Ok(conn)
}

/// Tables. Instants are INTEGER microseconds since the epoch (UTC); booleans are 0/1; ids are
/// lowercase hyphenated UUID text.
pub(crate) const SCHEMA: &str = "
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);

CREATE TABLE agencies (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    ultravox_api_key TEXT,
    created_at INTEGER NOT NULL
);

CREATE TABLE users (
    id TEXT PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    password_salt TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    email_confirmed_at INTEGER,
    agency_id TEXT REFERENCES agencies(id),
    full_name TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    last_sign_in_at INTEGER
);

-- Clustered by (agency_id, created_at, id): the app lists one agency's calls newest first, so
-- a filtered, counted page reads contiguous rows instead of one table lookup per index entry.
CREATE TABLE calls (
    id TEXT NOT NULL,
    ultravox_call_id TEXT,
    agency_id TEXT NOT NULL REFERENCES agencies(id),
    has_recording INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    started_at INTEGER,
    ended_at INTEGER,
    duration_seconds INTEGER,
    direction TEXT NOT NULL,
    from_number TEXT NOT NULL,
    to_number TEXT NOT NULL,
    status TEXT NOT NULL,
    agent_name TEXT,
    PRIMARY KEY (agency_id, created_at, id)
) WITHOUT ROWID;
CREATE UNIQUE INDEX calls_id ON calls(id);

-- Segments as endpoint B (get-signed-recording-url) lists them.
CREATE TABLE recordings (
    id TEXT PRIMARY KEY,
    call_id TEXT NOT NULL REFERENCES calls(id),
    position INTEGER NOT NULL,
    label TEXT NOT NULL,
    source TEXT NOT NULL,
    status TEXT NOT NULL,
    format TEXT NOT NULL,
    duration_ms INTEGER NOT NULL,
    tone_hz REAL NOT NULL,
    right_tone_hz REAL,
    damage TEXT NOT NULL,
    audio_seed INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    -- Object key without extension: <agency_id>/<call_id>/<recording_id>
    path TEXT NOT NULL
);

-- What Ultravox holds for a call (endpoint A): 'redirect' (302 to GCS) or 'direct' (200 audio).
CREATE TABLE ultravox_recordings (
    ultravox_call_id TEXT PRIMARY KEY,
    call_id TEXT NOT NULL,
    agency_id TEXT NOT NULL,
    mode TEXT NOT NULL,
    format TEXT NOT NULL,
    duration_ms INTEGER NOT NULL,
    tone_hz REAL NOT NULL,
    right_tone_hz REAL,
    damage TEXT NOT NULL,
    audio_seed INTEGER NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

CREATE TABLE refresh_tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    token TEXT NOT NULL UNIQUE,
    session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    user_id TEXT NOT NULL,
    parent TEXT,
    revoked INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX refresh_tokens_session ON refresh_tokens(session_id, id);
CREATE INDEX sessions_user ON sessions(user_id);

-- Callrec's shared reviews (docs/reviews.md), written through PostgREST (rest/write.rs, which
-- applies the migration's constraints, policies and triggers). numeric(5,2) is kept in
-- hundredths, jsonb as its canonical text.
CREATE TABLE callrec_scorecards (
    agency_id TEXT PRIMARY KEY,
    checks TEXT NOT NULL,
    updated_at INTEGER NOT NULL
);

CREATE TABLE callrec_reviews (
    id TEXT PRIMARY KEY,
    agency_id TEXT NOT NULL,
    call_id TEXT NOT NULL,
    reviewer_id TEXT NOT NULL,
    status TEXT NOT NULL,
    checks TEXT NOT NULL,
    score INTEGER,
    edited_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (agency_id, call_id, reviewer_id)
);
CREATE INDEX callrec_reviews_pull ON callrec_reviews(agency_id, updated_at, id);

CREATE TABLE callrec_notes (
    id TEXT PRIMARY KEY,
    agency_id TEXT NOT NULL,
    call_id TEXT NOT NULL,
    reviewer_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    at_ms INTEGER NOT NULL,
    end_ms INTEGER,
    body TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    deleted_at INTEGER,
    updated_at INTEGER NOT NULL
);
CREATE INDEX callrec_notes_pull ON callrec_notes(agency_id, updated_at, id);
CREATE INDEX callrec_notes_call ON callrec_notes(agency_id, call_id);
";

/// Indexes on the bulk tables, built after seeding (faster than maintaining them per insert).
/// No index leads with (agency_id, has_recording): the planner would prefer it to the clustered
/// key and pay a lookup per row. `calls_created` serves the service role's unscoped lists.
pub(crate) const BULK_INDEXES: &str = "
CREATE INDEX calls_created ON calls(created_at, id);
CREATE INDEX calls_ultravox ON calls(ultravox_call_id);
CREATE INDEX recordings_call ON recordings(call_id, position);
ANALYZE;
";

struct Inner {
    conns: Mutex<Vec<Connection>>,
    permits: Semaphore,
    path: PathBuf,
}

/// A fixed-size pool of connections to one SQLite file.
#[derive(Clone)]
pub(crate) struct Db {
    inner: Arc<Inner>,
}

impl Db {
    pub(crate) fn new(path: &Path, size: usize) -> Result<Db, DbError> {
        let mut conns = Vec::with_capacity(size);
        for _ in 0..size {
            conns.push(open(path)?);
        }
        Ok(Db {
            inner: Arc::new(Inner {
                conns: Mutex::new(conns),
                permits: Semaphore::new(size),
                path: path.to_path_buf(),
            }),
        })
    }

    /// Runs `f` with a pooled connection on the blocking pool.
    pub(crate) async fn call<T, F>(&self, f: F) -> Result<T, DbError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> T + Send + 'static,
    {
        let _permit = self
            .inner
            .permits
            .acquire()
            .await
            .map_err(|_| DbError::Closed)?;
        let conn = {
            let mut guard = self.inner.conns.lock().map_err(|_| DbError::Closed)?;
            guard.pop()
        };
        let mut conn = match conn {
            Some(c) => c,
            None => open(&self.inner.path)?,
        };
        let joined = tokio::task::spawn_blocking(move || {
            let out = f(&mut conn);
            (conn, out)
        })
        .await;
        match joined {
            Ok((conn, out)) => {
                if let Ok(mut guard) = self.inner.conns.lock() {
                    guard.push(conn);
                }
                Ok(out)
            }
            // The connection went down with the task; the next call opens a fresh one.
            Err(e) => Err(DbError::Task(e.to_string())),
        }
    }
}

pub(crate) fn meta_get(conn: &Connection, key: &str) -> Result<Option<String>, DbError> {
    Ok(conn
        .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
        .optional()?)
}

pub(crate) fn meta_set(conn: &Connection, key: &str, value: &str) -> Result<(), DbError> {
    conn.execute(
        "INSERT INTO meta(key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        params![key, value],
    )?;
    Ok(())
}

#[derive(Debug, Clone)]
pub(crate) struct UserRow {
    pub id: String,
    pub email: String,
    pub agency_id: Option<String>,
    pub email_confirmed_at: Option<i64>,
    pub full_name: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub last_sign_in_at: Option<i64>,
}

const USER_COLUMNS: &str =
    "id, email, agency_id, email_confirmed_at, full_name, created_at, updated_at, last_sign_in_at";

fn user_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<UserRow> {
    Ok(UserRow {
        id: r.get(0)?,
        email: r.get(1)?,
        agency_id: r.get(2)?,
        email_confirmed_at: r.get(3)?,
        full_name: r.get(4)?,
        created_at: r.get(5)?,
        updated_at: r.get(6)?,
        last_sign_in_at: r.get(7)?,
    })
}

pub(crate) fn find_user(conn: &Connection, id: &str) -> Result<Option<UserRow>, DbError> {
    Ok(conn
        .query_row(
            &format!("SELECT {USER_COLUMNS} FROM users WHERE id = ?1"),
            [id],
            user_from_row,
        )
        .optional()?)
}

/// A user and their password material, by email (case-insensitive, as GoTrue lowercases).
pub(crate) fn find_user_by_email(
    conn: &Connection,
    email: &str,
) -> Result<Option<(UserRow, String, String)>, DbError> {
    Ok(conn
        .query_row(
            &format!(
                "SELECT {USER_COLUMNS}, password_salt, password_hash FROM users WHERE email = ?1 COLLATE NOCASE"
            ),
            [email],
            |r| Ok((user_from_row(r)?, r.get(8)?, r.get(9)?)),
        )
        .optional()?)
}

pub(crate) fn session_exists(conn: &Connection, id: &str) -> Result<bool, DbError> {
    Ok(conn
        .query_row("SELECT 1 FROM sessions WHERE id = ?1", [id], |_| Ok(()))
        .optional()?
        .is_some())
}

#[derive(Debug, Clone)]
pub(crate) struct CallRow {
    pub id: String,
    pub ultravox_call_id: Option<String>,
    pub agency_id: String,
    pub has_recording: bool,
}

pub(crate) fn find_call(conn: &Connection, id: &str) -> Result<Option<CallRow>, DbError> {
    Ok(conn
        .query_row(
            "SELECT id, ultravox_call_id, agency_id, has_recording FROM calls WHERE id = ?1",
            [id],
            |r| {
                Ok(CallRow {
                    id: r.get(0)?,
                    ultravox_call_id: r.get(1)?,
                    agency_id: r.get(2)?,
                    has_recording: r.get(3)?,
                })
            },
        )
        .optional()?)
}

/// An agency's Ultravox key: `None` when the agency does not exist, `Some(None)` when it has no key.
pub(crate) fn agency_key(
    conn: &Connection,
    agency_id: &str,
) -> Result<Option<Option<String>>, DbError> {
    Ok(conn
        .query_row(
            "SELECT ultravox_api_key FROM agencies WHERE id = ?1",
            [agency_id],
            |r| r.get(0),
        )
        .optional()?)
}

/// An audio object as stored: enough to render it and to describe it.
#[derive(Debug, Clone)]
pub(crate) struct AudioRow {
    pub format: String,
    pub duration_ms: i64,
    pub tone_hz: f64,
    pub right_tone_hz: Option<f64>,
    pub damage: String,
    pub audio_seed: i64,
    pub created_at: i64,
}

impl AudioRow {
    /// Reads the seven audio columns, which every query selects in this order from `first`.
    fn read(r: &rusqlite::Row<'_>, first: usize) -> rusqlite::Result<Self> {
        Ok(Self {
            format: r.get(first)?,
            duration_ms: r.get(first + 1)?,
            tone_hz: r.get(first + 2)?,
            right_tone_hz: r.get(first + 3)?,
            damage: r.get(first + 4)?,
            audio_seed: r.get(first + 5)?,
            created_at: r.get(first + 6)?,
        })
    }
}

#[derive(Debug, Clone)]
pub(crate) struct RecordingRow {
    pub label: String,
    pub source: String,
    pub status: String,
    pub path: String,
    pub audio: AudioRow,
}

const RECORDING_COLUMNS: &str = "label, source, status, path, format, duration_ms, tone_hz, right_tone_hz, damage, audio_seed, created_at";

fn recording_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<RecordingRow> {
    Ok(RecordingRow {
        label: r.get(0)?,
        source: r.get(1)?,
        status: r.get(2)?,
        path: r.get(3)?,
        audio: AudioRow::read(r, 4)?,
    })
}

pub(crate) fn recordings_for_call(
    conn: &Connection,
    call_id: &str,
) -> Result<Vec<RecordingRow>, DbError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {RECORDING_COLUMNS} FROM recordings WHERE call_id = ?1 ORDER BY position"
    ))?;
    let rows = stmt.query_map([call_id], recording_from_row)?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

pub(crate) fn find_recording(conn: &Connection, id: &str) -> Result<Option<RecordingRow>, DbError> {
    Ok(conn
        .query_row(
            &format!("SELECT {RECORDING_COLUMNS} FROM recordings WHERE id = ?1"),
            [id],
            recording_from_row,
        )
        .optional()?)
}

#[derive(Debug, Clone)]
pub(crate) struct UltravoxRow {
    pub ultravox_call_id: String,
    pub agency_id: String,
    pub mode: String,
    pub audio: AudioRow,
}

pub(crate) fn find_ultravox(
    conn: &Connection,
    ultravox_call_id: &str,
) -> Result<Option<UltravoxRow>, DbError> {
    Ok(conn
        .query_row(
            "SELECT ultravox_call_id, agency_id, mode, format, duration_ms, tone_hz, right_tone_hz, damage, audio_seed, created_at
             FROM ultravox_recordings WHERE ultravox_call_id = ?1",
            [ultravox_call_id],
            |r| {
                Ok(UltravoxRow {
                    ultravox_call_id: r.get(0)?,
                    agency_id: r.get(1)?,
                    mode: r.get(2)?,
                    audio: AudioRow::read(r, 3)?,
                })
            },
        )
        .optional()?)
}
