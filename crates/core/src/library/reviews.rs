//! Reviews, notes, the outbox and the sync's place (migration 9): kept here first, so a review
//! works offline; [`crate::reviews`] decides what to write and when to push or pull.

use std::collections::BTreeMap;

use rusqlite::{OptionalExtension, Row, params};

use super::{Library, LibraryError, micros};
use crate::calls::CallRow;
use crate::reviews::{CheckAnswer, Note, NoteKind, Review, ReviewStatus, Scorecard};

/// What the outbox names: the row's current state is what is pushed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutboxKind {
    Review,
    Note,
}

impl OutboxKind {
    fn as_str(self) -> &'static str {
        match self {
            OutboxKind::Review => "review",
            OutboxKind::Note => "note",
        }
    }
}

/// One change waiting to be pushed, in the order it was made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxEntry {
    pub seq: i64,
    pub kind: OutboxKind,
    /// The call's id (a review: this reviewer's of that call) or the note's id.
    pub key: String,
}

/// A review as stored, with what a push needs besides the shown [`Review`].
#[derive(Debug, Clone, PartialEq)]
pub struct StoredReview {
    pub review: Review,
    pub agency_id: Option<String>,
}

/// A note as stored, tombstones included.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredNote {
    pub note: Note,
    pub agency_id: Option<String>,
    pub deleted_at: Option<String>,
}

/// Where the sync stands for a project, as kept between runs.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SyncRecord {
    /// `shared`, `local_only`, `offline`, or empty before any attempt.
    pub state: String,
    /// When the last sync ended (RFC 3339).
    pub at: Option<String>,
    /// The pull cursors (`updated_at` and `id` of the last row applied), as JSON.
    pub reviews_cursor: Option<String>,
    pub notes_cursor: Option<String>,
    pub scorecard: Option<Scorecard>,
}

fn review_from(row: &Row<'_>, me: &str) -> rusqlite::Result<StoredReview> {
    let reviewer: String = row.get("reviewer_id")?;
    let status: String = row.get("status")?;
    let checks: String = row.get("checks")?;
    Ok(StoredReview {
        review: Review {
            call_id: row.get("call_id")?,
            mine: reviewer == me,
            reviewer_id: Some(reviewer),
            reviewer_email: row.get("reviewer_email")?,
            // Written by this module from the enum; anything else is a row from a newer
            // Callrec, shown as not reviewed rather than failing the call.
            status: ReviewStatus::parse(&status).unwrap_or_default(),
            checks: serde_json::from_str::<BTreeMap<String, CheckAnswer>>(&checks)
                .unwrap_or_default(),
            score: row.get("score")?,
            edited_at: row.get("edited_at")?,
        },
        agency_id: row.get("agency_id")?,
    })
}

fn note_from(row: &Row<'_>, me: &str) -> rusqlite::Result<StoredNote> {
    let reviewer: String = row.get("reviewer_id")?;
    let kind: String = row.get("kind")?;
    let at: i64 = row.get("at_ms")?;
    let end: Option<i64> = row.get("end_ms")?;
    Ok(StoredNote {
        note: Note {
            id: row.get("id")?,
            call_id: row.get("call_id")?,
            mine: reviewer == me,
            reviewer_id: Some(reviewer),
            kind: NoteKind::parse(&kind).unwrap_or(NoteKind::Note),
            at_ms: u64::try_from(at).unwrap_or(0),
            end_ms: end.and_then(|e| u64::try_from(e).ok()),
            body: row.get("body")?,
            created_at: row.get("created_at")?,
            synced: row.get("synced")?,
        },
        agency_id: row.get("agency_id")?,
        deleted_at: row.get("deleted_at")?,
    })
}

fn to_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

impl Library {
    /// `reviewer`'s review of `call_id`, if they made one.
    pub fn review(
        &self,
        project: &str,
        call_id: &str,
        reviewer: &str,
    ) -> Result<Option<StoredReview>, LibraryError> {
        Ok(self
            .conn()
            .query_row(
                "SELECT * FROM reviews WHERE project = ?1 AND call_id = ?2 AND reviewer_id = ?3",
                params![project, call_id, reviewer],
                |row| review_from(row, reviewer),
            )
            .optional()?)
    }

    /// Every reviewer's review of `call_id`; `me` marks which is this reviewer's.
    pub fn reviews_of_call(
        &self,
        project: &str,
        call_id: &str,
        me: &str,
    ) -> Result<Vec<StoredReview>, LibraryError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT * FROM reviews WHERE project = ?1 AND call_id = ?2 ORDER BY edited_us",
        )?;
        let rows = stmt
            .query_map(params![project, call_id], |row| review_from(row, me))?
            .collect::<Result<_, _>>()?;
        Ok(rows)
    }

    /// Writes a review. `local`: this reviewer's own change, queued for the push (once: a
    /// change already waiting pushes the row as it is then). Otherwise a row from the server,
    /// kept only when it is not older than the stored one (the last writer wins).
    pub fn put_review(
        &self,
        project: &str,
        stored: &StoredReview,
        local: bool,
    ) -> Result<bool, LibraryError> {
        let review = &stored.review;
        let reviewer = review.reviewer_id.as_deref().unwrap_or_default();
        let edited_us = micros(&review.edited_at)
            .ok_or_else(|| LibraryError::Query(format!("{:?} is not a time", review.edited_at)))?;
        let checks = serde_json::to_string(&review.checks)
            .map_err(|e| LibraryError::Query(e.to_string()))?;
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let changed = tx.execute(
            "INSERT INTO reviews (project, call_id, reviewer_id, reviewer_email, agency_id, status,
                 checks, score, edited_at, edited_us)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
             ON CONFLICT (project, call_id, reviewer_id) DO UPDATE SET
                 reviewer_email = coalesce(excluded.reviewer_email, reviewer_email),
                 agency_id = coalesce(excluded.agency_id, agency_id),
                 status = excluded.status, checks = excluded.checks, score = excluded.score,
                 edited_at = excluded.edited_at, edited_us = excluded.edited_us
             WHERE excluded.edited_us >= edited_us",
            params![
                project,
                review.call_id,
                reviewer,
                review.reviewer_email,
                stored.agency_id,
                review.status.as_str(),
                checks,
                review.score,
                review.edited_at,
                edited_us,
            ],
        )? > 0;
        if local && changed {
            queue(&tx, project, OutboxKind::Review, &review.call_id)?;
        }
        tx.commit()?;
        Ok(changed)
    }

    /// The live (not deleted) notes of `call_id`, by time on the call.
    pub fn notes_of_call(
        &self,
        project: &str,
        call_id: &str,
        me: &str,
    ) -> Result<Vec<Note>, LibraryError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT * FROM notes WHERE project = ?1 AND call_id = ?2 AND deleted_at IS NULL
             ORDER BY at_ms, created_at, id",
        )?;
        let rows = stmt
            .query_map(params![project, call_id], |row| {
                note_from(row, me).map(|n| n.note)
            })?
            .collect::<Result<_, _>>()?;
        Ok(rows)
    }

    /// One note, tombstone and all.
    pub fn note(
        &self,
        project: &str,
        id: &str,
        me: &str,
    ) -> Result<Option<StoredNote>, LibraryError> {
        Ok(self
            .conn()
            .query_row(
                "SELECT * FROM notes WHERE project = ?1 AND id = ?2",
                params![project, id],
                |row| note_from(row, me),
            )
            .optional()?)
    }

    /// Writes a note. `local`: this reviewer's new note, queued for the push. From the server:
    /// a note is never edited, so only its tombstone (once set, kept) and `synced` change.
    pub fn put_note(
        &self,
        project: &str,
        stored: &StoredNote,
        local: bool,
    ) -> Result<(), LibraryError> {
        let note = &stored.note;
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        tx.execute(
            "INSERT INTO notes (project, id, call_id, reviewer_id, agency_id, kind, at_ms, end_ms,
                 body, created_at, deleted_at, synced)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
             ON CONFLICT (project, id) DO UPDATE SET
                 deleted_at = coalesce(deleted_at, excluded.deleted_at),
                 synced = max(synced, excluded.synced)",
            params![
                project,
                note.id,
                note.call_id,
                note.reviewer_id.as_deref().unwrap_or_default(),
                stored.agency_id,
                note.kind.as_str(),
                to_i64(note.at_ms),
                note.end_ms.map(to_i64),
                note.body,
                note.created_at,
                stored.deleted_at,
                note.synced,
            ],
        )?;
        if local {
            queue(&tx, project, OutboxKind::Note, &note.id)?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Sets `reviewer`'s note `id` deleted at `at` and queues the tombstone. False when there is
    /// no such note of theirs, or it was deleted already.
    pub fn delete_note(
        &self,
        project: &str,
        id: &str,
        reviewer: &str,
        at: &str,
    ) -> Result<bool, LibraryError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let deleted = tx.execute(
            "UPDATE notes SET deleted_at = ?4, synced = 0
             WHERE project = ?1 AND id = ?2 AND reviewer_id = ?3 AND deleted_at IS NULL",
            params![project, id, reviewer, at],
        )? > 0;
        if deleted {
            queue(&tx, project, OutboxKind::Note, id)?;
        }
        tx.commit()?;
        Ok(deleted)
    }

    /// Marks a note as pushed.
    pub fn note_synced(&self, project: &str, id: &str) -> Result<(), LibraryError> {
        self.conn().execute(
            "UPDATE notes SET synced = 1 WHERE project = ?1 AND id = ?2",
            params![project, id],
        )?;
        Ok(())
    }

    /// What waits to be pushed, oldest first (entries kept aside as refused are not).
    pub fn outbox(&self, project: &str) -> Result<Vec<OutboxEntry>, LibraryError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT seq, kind, key FROM review_outbox
             WHERE project = ?1 AND refused IS NULL ORDER BY seq",
        )?;
        let rows = stmt
            .query_map([project], |row| {
                let kind: String = row.get(1)?;
                Ok(OutboxEntry {
                    seq: row.get(0)?,
                    kind: if kind == "note" {
                        OutboxKind::Note
                    } else {
                        OutboxKind::Review
                    },
                    key: row.get(2)?,
                })
            })?
            .collect::<Result<_, _>>()?;
        Ok(rows)
    }

    /// The numbers of entries waiting and kept aside as refused, and the latest refusal.
    pub fn outbox_counts(&self, project: &str) -> Result<(u32, u32, Option<String>), LibraryError> {
        let conn = self.conn();
        let (pending, refused): (i64, i64) = conn.query_row(
            "SELECT count(*) FILTER (WHERE refused IS NULL), count(*) FILTER (WHERE refused IS NOT NULL)
             FROM review_outbox WHERE project = ?1",
            [project],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )?;
        let reason = conn
            .query_row(
                "SELECT refused FROM review_outbox WHERE project = ?1 AND refused IS NOT NULL
                 ORDER BY seq DESC LIMIT 1",
                [project],
                |row| row.get(0),
            )
            .optional()?;
        let count = |n: i64| u32::try_from(n).unwrap_or(u32::MAX);
        Ok((count(pending), count(refused), reason))
    }

    /// The server took entry `seq`.
    pub fn outbox_done(&self, seq: i64) -> Result<(), LibraryError> {
        self.conn()
            .execute("DELETE FROM review_outbox WHERE seq = ?1", [seq])?;
        Ok(())
    }

    /// The server refused entry `seq` for good: kept aside with `reason`, the queue goes on.
    pub fn outbox_refused(&self, seq: i64, reason: &str) -> Result<(), LibraryError> {
        self.conn().execute(
            "UPDATE review_outbox SET refused = ?2 WHERE seq = ?1",
            params![seq, reason],
        )?;
        Ok(())
    }

    pub fn sync_record(&self, project: &str) -> Result<SyncRecord, LibraryError> {
        Ok(self
            .conn()
            .query_row(
                "SELECT state, at, reviews_cursor, notes_cursor, scorecard FROM review_sync
                 WHERE project = ?1",
                [project],
                |row| {
                    let card: Option<String> = row.get(4)?;
                    Ok(SyncRecord {
                        state: row.get(0)?,
                        at: row.get(1)?,
                        reviews_cursor: row.get(2)?,
                        notes_cursor: row.get(3)?,
                        scorecard: card.and_then(|c| serde_json::from_str(&c).ok()),
                    })
                },
            )
            .optional()?
            .unwrap_or_default())
    }

    pub fn set_sync_record(&self, project: &str, record: &SyncRecord) -> Result<(), LibraryError> {
        let card = record
            .scorecard
            .as_ref()
            .and_then(|c| serde_json::to_string(c).ok());
        self.conn().execute(
            "INSERT INTO review_sync (project, state, at, reviews_cursor, notes_cursor, scorecard)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (project) DO UPDATE SET state = excluded.state, at = excluded.at,
                 reviews_cursor = excluded.reviews_cursor, notes_cursor = excluded.notes_cursor,
                 scorecard = excluded.scorecard",
            params![
                project,
                record.state,
                record.at,
                record.reviews_cursor,
                record.notes_cursor,
                card
            ],
        )?;
        Ok(())
    }

    /// Sets each row's `review_status` and `score` from `reviewer`'s reviews (local knowledge,
    /// like `downloaded`: never from the server).
    pub fn mark_reviewed(
        &self,
        project: &str,
        reviewer: &str,
        rows: &mut [CallRow],
    ) -> Result<(), LibraryError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT status, score FROM reviews
             WHERE project = ?1 AND call_id = ?2 AND reviewer_id = ?3",
        )?;
        for row in rows.iter_mut() {
            let found = stmt
                .query_row(params![project, row.id, reviewer], |r| {
                    Ok((r.get::<_, String>(0)?, r.get::<_, Option<f64>>(1)?))
                })
                .optional()?;
            (row.review_status, row.score) = match found {
                Some((status, score)) => (ReviewStatus::parse(&status).unwrap_or_default(), score),
                None => (ReviewStatus::Unreviewed, None),
            };
        }
        Ok(())
    }

    /// Every review (any reviewer) edited in `[since, until)` (microseconds; open ends), with
    /// its live notes, oldest first: the export's rows.
    pub fn reviews_between(
        &self,
        project: &str,
        me: &str,
        since: Option<i64>,
        until: Option<i64>,
    ) -> Result<Vec<(Review, Vec<Note>)>, LibraryError> {
        let reviews: Vec<StoredReview> = {
            let conn = self.conn();
            let mut stmt = conn.prepare(
                "SELECT * FROM reviews WHERE project = ?1 AND edited_us >= ?2 AND edited_us < ?3
                 ORDER BY edited_us, call_id, reviewer_id",
            )?;
            stmt.query_map(
                params![
                    project,
                    since.unwrap_or(i64::MIN),
                    until.unwrap_or(i64::MAX)
                ],
                |row| review_from(row, me),
            )?
            .collect::<Result<_, _>>()?
        };
        let mut out = Vec::with_capacity(reviews.len());
        for stored in reviews {
            let notes = self
                .notes_of_call(project, &stored.review.call_id, me)?
                .into_iter()
                .filter(|n| n.reviewer_id == stored.review.reviewer_id)
                .collect();
            out.push((stored.review, notes));
        }
        Ok(out)
    }
}

/// Queues `key` unless a change of it is already waiting (the push sends the row as it is then).
fn queue(
    tx: &rusqlite::Transaction<'_>,
    project: &str,
    kind: OutboxKind,
    key: &str,
) -> Result<(), LibraryError> {
    tx.execute(
        "INSERT INTO review_outbox (project, kind, key)
         SELECT ?1, ?2, ?3 WHERE NOT EXISTS (
             SELECT 1 FROM review_outbox
             WHERE project = ?1 AND kind = ?2 AND key = ?3 AND refused IS NULL)",
        params![project, kind.as_str(), key],
    )?;
    Ok(())
}
