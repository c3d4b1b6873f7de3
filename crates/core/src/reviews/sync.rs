//! The sync with the agency's project (docs/reviews.md): the scorecard read, the outbox pushed
//! in order with PostgREST upserts, then the agency's reviews and notes pulled in keyset order
//! on the server's `updated_at`. A project without Callrec's tables is a state (reviews stay
//! on this computer), not an error; so is a project that cannot be reached.

use std::time::Duration;

use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::{
    CheckAnswer, MAX_AT_MS, MAX_CHECK_TEXT, MAX_CHECKS, MAX_COMMENT_CHARS, MAX_NOTE_CHARS, Note,
    NoteKind, Review, ReviewError, ReviewStatus, Reviewer, Scorecard, ScorecardCheck, SyncStatus,
    reviewer,
};
use crate::calls::MAX_ID_LEN;
use crate::http;
use crate::library::{Library, OutboxKind, StoredNote, StoredReview, SyncRecord};
use crate::session::{SessionError, SessionManager};

/// The SQL an agency applies to its project to share reviews (in the repository).
pub const MIGRATION_FILE: &str = "supabase/migrations/20261207000000_callrec_reviews.sql";
/// Rows per pull request.
const PAGE: usize = 500;
/// Pages per table in one sync: a server that never stops answering full pages stops here.
const MAX_PAGES: usize = 400;
/// A pull starts this far before the last cursor: a transaction that began earlier may commit
/// later, with an earlier `updated_at`. Rows read twice change nothing.
const OVERLAP: Duration = Duration::from_secs(5);
/// The whole sync, token refresh and every request included.
const DEADLINE: Duration = Duration::from_secs(60);

const STATE_SHARED: &str = "shared";
const STATE_LOCAL_ONLY: &str = "local_only";
const STATE_OFFLINE: &str = "offline";

/// What the sync stands at for the signed-in reviewer, from the library alone.
pub fn status(library: &Library, project: &str) -> Result<SyncStatus, ReviewError> {
    let record = library.sync_record(project)?;
    let (pending, refused, reason) = library.outbox_counts(project)?;
    Ok(if refused > 0 {
        SyncStatus::Refused {
            pending,
            refused,
            reason: reason.unwrap_or_default(),
        }
    } else {
        match record.state.as_str() {
            STATE_SHARED => SyncStatus::Shared {
                at: record.at.unwrap_or_default(),
                pending,
            },
            STATE_LOCAL_ONLY => SyncStatus::LocalOnly {
                migration: MIGRATION_FILE.to_owned(),
                pending,
            },
            STATE_OFFLINE => SyncStatus::Offline { pending },
            _ => SyncStatus::NotYet { pending },
        }
    })
}

/// Why one request did not give rows.
enum Failure {
    /// The project has no such table (PostgREST's PGRST205, or 42P01 from older versions).
    Missing,
    /// Not reached, or no answer in time: try again later.
    Unreachable,
    /// Refused for this entry only (a 4xx other than 401, 408 or 429): kept aside.
    Refused(String),
    /// Anything else stops this sync with its error.
    Fatal(ReviewError),
}

impl From<SessionError> for Failure {
    fn from(error: SessionError) -> Self {
        if error.is_unreachable() {
            Failure::Unreachable
        } else {
            Failure::Fatal(ReviewError::Session(error))
        }
    }
}

/// Sends one PostgREST request; the rows it answers (an empty list for an empty body).
async fn request(
    session: &SessionManager,
    method: Method,
    path: &str,
    query: &[(&str, String)],
    body: Option<&Value>,
) -> Result<Vec<Value>, Failure> {
    let url = session.project().endpoint(path);
    let response = session
        .send(|client| {
            let mut request = client
                .request(method.clone(), url.clone())
                .query(query)
                .header("Accept", "application/json");
            if let Some(body) = body {
                request = request
                    .header(
                        "Prefer",
                        "resolution=merge-duplicates,return=representation",
                    )
                    .json(body);
            }
            request
        })
        .await?;
    let status = response.status().as_u16();
    let bytes = http::read_capped(response, http::MAX_JSON_BODY)
        .await
        .map_err(|error| match error {
            http::HttpError::TooLarge { max } => Failure::Fatal(ReviewError::BadAnswer(format!(
                "an answer over {} MiB",
                max >> 20
            ))),
            _ => Failure::Unreachable,
        })?;
    if (200..300).contains(&status) {
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(Vec::new());
        }
        return serde_json::from_slice::<Vec<Value>>(&bytes)
            .map_err(|e| Failure::Fatal(ReviewError::BadAnswer(e.to_string())));
    }
    let error = http::PostgrestError::parse(&bytes);
    let code = error.code;
    let message: String = error
        .message
        .unwrap_or_else(|| format!("the server answered {status}"))
        .chars()
        .take(300)
        .collect();
    Err(match (status, code.as_deref()) {
        (404, Some("PGRST205" | "42P01")) => Failure::Missing,
        (408 | 429, _) | (500.., _) => Failure::Unreachable,
        (400..=499, _) if status != 401 => Failure::Refused(match &code {
            Some(code) => format!("{code}: {message}"),
            None => message,
        }),
        _ => Failure::Fatal(ReviewError::Api {
            status,
            code,
            message,
        }),
    })
}

/// Pushes what waits, then pulls the agency's reviews and notes: the status it ends in.
pub async fn sync(session: &SessionManager, library: &Library) -> Result<SyncStatus, ReviewError> {
    let who = reviewer(session)?;
    let mut record = library.sync_record(&who.project)?;
    let outcome =
        match tokio::time::timeout(DEADLINE, run(session, library, &who, &mut record)).await {
            Ok(outcome) => outcome,
            Err(_) => Err(Failure::Unreachable),
        };
    match outcome {
        Ok(()) => {
            record.state = STATE_SHARED.to_owned();
            record.at = Some(super::now_text());
        }
        Err(Failure::Missing) => record.state = STATE_LOCAL_ONLY.to_owned(),
        Err(Failure::Unreachable) => record.state = STATE_OFFLINE.to_owned(),
        Err(Failure::Refused(reason)) => {
            return Err(ReviewError::Api {
                status: 400,
                code: None,
                message: reason,
            });
        }
        Err(Failure::Fatal(error)) => return Err(error),
    }
    library.set_sync_record(&who.project, &record)?;
    status(library, &who.project)
}

async fn run(
    session: &SessionManager,
    library: &Library,
    who: &Reviewer,
    record: &mut SyncRecord,
) -> Result<(), Failure> {
    let cards = request(
        session,
        Method::GET,
        "rest/v1/callrec_scorecards",
        &[("select", "checks".into()), ("limit", "1".into())],
        None,
    )
    .await?;
    record.scorecard = Some(cards.first().map(scorecard).unwrap_or_default());
    push(session, library, who).await?;
    record.reviews_cursor = pull(
        session,
        library,
        who,
        Table::Reviews,
        record.reviews_cursor.take(),
    )
    .await?;
    record.notes_cursor = pull(
        session,
        library,
        who,
        Table::Notes,
        record.notes_cursor.take(),
    )
    .await?;
    Ok(())
}

/// The agency's checks, bounded: at most [`MAX_CHECKS`], ids and labels cut to
/// [`MAX_CHECK_TEXT`], a weight that is not a positive number counted as 1.
fn scorecard(row: &Value) -> Scorecard {
    let text = |v: Option<&Value>| -> Option<String> {
        let s = v?.as_str()?.trim();
        (!s.is_empty()).then(|| s.chars().take(MAX_CHECK_TEXT).collect())
    };
    let checks = row
        .get("checks")
        .and_then(Value::as_array)
        .map(|checks| {
            checks
                .iter()
                .filter_map(|check| {
                    let id = text(check.get("id"))?;
                    Some(ScorecardCheck {
                        label: text(check.get("label")).unwrap_or_else(|| id.clone()),
                        weight: check
                            .get("weight")
                            .and_then(Value::as_f64)
                            .filter(|w| w.is_finite() && *w > 0.0 && *w <= 1000.0)
                            .unwrap_or(1.0),
                        id,
                    })
                })
                .take(MAX_CHECKS)
                .collect()
        })
        .unwrap_or_default();
    Scorecard { checks }
}

/// The outbox, oldest first; each entry goes once the server answered 2xx.
async fn push(session: &SessionManager, library: &Library, who: &Reviewer) -> Result<(), Failure> {
    let fatal = |e: crate::library::LibraryError| Failure::Fatal(e.into());
    for entry in library.outbox(&who.project).map_err(fatal)? {
        let (path, conflict, body) = match entry.kind {
            OutboxKind::Review => {
                let Some(stored) = library
                    .review(&who.project, &entry.key, &who.user.id)
                    .map_err(fatal)?
                else {
                    library.outbox_done(entry.seq).map_err(fatal)?;
                    continue;
                };
                (
                    "rest/v1/callrec_reviews",
                    "agency_id,call_id,reviewer_id",
                    review_row(&stored),
                )
            }
            OutboxKind::Note => {
                let Some(stored) = library
                    .note(&who.project, &entry.key, &who.user.id)
                    .map_err(fatal)?
                else {
                    library.outbox_done(entry.seq).map_err(fatal)?;
                    continue;
                };
                ("rest/v1/callrec_notes", "id", note_row(&stored))
            }
        };
        let Some(body) = body else {
            library
                .outbox_refused(entry.seq, "the call's agency is not known on this computer")
                .map_err(fatal)?;
            continue;
        };
        match request(
            session,
            Method::POST,
            path,
            &[("on_conflict", conflict.into())],
            Some(&json!([body])),
        )
        .await
        {
            Ok(rows) => {
                // The stored row comes back: the last writer's, which may be another
                // computer's newer edit.
                for row in &rows {
                    apply(library, who, entry.kind, row);
                }
                if entry.kind == OutboxKind::Note {
                    library
                        .note_synced(&who.project, &entry.key)
                        .map_err(fatal)?;
                }
                library.outbox_done(entry.seq).map_err(fatal)?;
            }
            Err(Failure::Refused(reason)) => {
                tracing::warn!("the project refused a review change: {reason}");
                library.outbox_refused(entry.seq, &reason).map_err(fatal)?;
            }
            Err(other) => return Err(other),
        }
    }
    Ok(())
}

fn review_row(stored: &StoredReview) -> Option<Value> {
    let r = &stored.review;
    Some(json!({
        "agency_id": stored.agency_id.as_ref()?,
        "call_id": r.call_id,
        "reviewer_id": r.reviewer_id,
        "status": r.status.as_str(),
        "checks": r.checks,
        "score": r.score,
        "edited_at": r.edited_at,
    }))
}

fn note_row(stored: &StoredNote) -> Option<Value> {
    let n = &stored.note;
    Some(json!({
        "id": n.id,
        "agency_id": stored.agency_id.as_ref()?,
        "call_id": n.call_id,
        "reviewer_id": n.reviewer_id,
        "kind": n.kind.as_str(),
        "at_ms": n.at_ms,
        "end_ms": n.end_ms,
        "body": n.body,
        "created_at": n.created_at,
        "deleted_at": stored.deleted_at,
    }))
}

#[derive(Clone, Copy)]
enum Table {
    Reviews,
    Notes,
}

/// Where a pull got to: the last row's server time and id.
#[derive(Serialize, Deserialize)]
struct Cursor {
    updated_at: String,
    id: String,
}

/// Pulls one table from `cursor` (less [`OVERLAP`]) to its end; the new cursor.
async fn pull(
    session: &SessionManager,
    library: &Library,
    who: &Reviewer,
    table: Table,
    cursor: Option<String>,
) -> Result<Option<String>, Failure> {
    let (path, kind) = match table {
        Table::Reviews => ("rest/v1/callrec_reviews", OutboxKind::Review),
        Table::Notes => ("rest/v1/callrec_notes", OutboxKind::Note),
    };
    let start: Option<Cursor> = cursor.as_deref().and_then(|c| serde_json::from_str(c).ok());
    let mut after: Option<Cursor> = None;
    for _ in 0..MAX_PAGES {
        let mut query = vec![
            ("select", "*".to_owned()),
            ("order", "updated_at.asc,id.asc".to_owned()),
            ("limit", PAGE.to_string()),
        ];
        match (&after, &start) {
            (Some(c), _) => query.push((
                "or",
                format!(
                    "(updated_at.gt.{0},and(updated_at.eq.{0},id.gt.{1}))",
                    c.updated_at, c.id
                ),
            )),
            (None, Some(c)) => {
                query.push(("updated_at", format!("gte.{}", earlier(&c.updated_at))))
            }
            (None, None) => {}
        }
        let rows = request(session, Method::GET, path, &query, None).await?;
        for row in &rows {
            apply(library, who, kind, row);
        }
        let last = rows.last().and_then(|row| {
            Some(Cursor {
                updated_at: row.get("updated_at")?.as_str()?.to_owned(),
                id: row.get("id")?.as_str()?.to_owned(),
            })
        });
        if let Some(last) = last {
            after = Some(last);
        }
        if rows.len() < PAGE || after.is_none() {
            break;
        }
    }
    Ok(after.or(start).and_then(|c| serde_json::to_string(&c).ok()))
}

/// `text` less [`OVERLAP`], in RFC 3339; `text` itself when it is not a time.
fn earlier(text: &str) -> String {
    use time::format_description::well_known::Rfc3339;
    time::OffsetDateTime::parse(text, &Rfc3339)
        .ok()
        .and_then(|t| (t - OVERLAP).format(&Rfc3339).ok())
        .unwrap_or_else(|| text.to_owned())
}

/// Keeps one row from the server, when it holds what the table allows (a row that does not
/// is skipped with a warning: it never reaches the library).
fn apply(library: &Library, who: &Reviewer, kind: OutboxKind, row: &Value) {
    let kept = match kind {
        OutboxKind::Review => parse_review(row, &who.user.id)
            .map(|stored| library.put_review(&who.project, &stored, false).map(drop)),
        OutboxKind::Note => parse_note(row, &who.user.id)
            .map(|stored| library.put_note(&who.project, &stored, false)),
    };
    match kept {
        Some(Ok(())) => {}
        Some(Err(error)) => tracing::warn!("a pulled review row was not kept: {error}"),
        None => tracing::warn!("a pulled review row is not what the table allows: skipped"),
    }
}

fn bounded(row: &Value, key: &str, max: usize) -> Option<String> {
    let s = row.get(key)?.as_str()?;
    (!s.is_empty() && s.len() <= max && !s.chars().any(char::is_control)).then(|| s.to_owned())
}

fn instant(row: &Value, key: &str) -> Option<String> {
    use time::format_description::well_known::Rfc3339;
    let s = bounded(row, key, 64)?;
    time::OffsetDateTime::parse(&s, &Rfc3339).ok()?;
    Some(s)
}

fn parse_review(row: &Value, me: &str) -> Option<StoredReview> {
    let reviewer = bounded(row, "reviewer_id", MAX_ID_LEN)?;
    let checks = row
        .get("checks")?
        .as_object()?
        .iter()
        .take(MAX_CHECKS)
        .filter_map(|(id, answer)| {
            let answer: CheckAnswer = serde_json::from_value(answer.clone()).ok()?;
            let comment = answer
                .comment
                .map(|c| c.chars().take(MAX_COMMENT_CHARS).collect());
            Some((
                id.chars().take(MAX_CHECK_TEXT).collect(),
                CheckAnswer { comment, ..answer },
            ))
        })
        .collect();
    Some(StoredReview {
        review: Review {
            call_id: bounded(row, "call_id", MAX_ID_LEN)?,
            mine: reviewer == me,
            reviewer_id: Some(reviewer),
            reviewer_email: None,
            status: ReviewStatus::parse(row.get("status")?.as_str()?)?,
            checks,
            score: match row.get("score") {
                None | Some(Value::Null) => None,
                // numeric comes as a number, or as a string when the project says so.
                Some(v) => Some(
                    v.as_f64()
                        .or_else(|| v.as_str()?.parse().ok())
                        .filter(|s: &f64| (0.0..=100.0).contains(s))?,
                ),
            },
            edited_at: instant(row, "edited_at")?,
        },
        agency_id: bounded(row, "agency_id", MAX_ID_LEN),
    })
}

fn parse_note(row: &Value, me: &str) -> Option<StoredNote> {
    let reviewer = bounded(row, "reviewer_id", MAX_ID_LEN)?;
    let at_ms = row.get("at_ms")?.as_u64().filter(|&at| at <= MAX_AT_MS)?;
    let end_ms = match row.get("end_ms") {
        None | Some(Value::Null) => None,
        Some(v) => Some(v.as_u64().filter(|&end| end >= at_ms && end <= MAX_AT_MS)?),
    };
    let body = row.get("body")?.as_str()?;
    if body.chars().count() > MAX_NOTE_CHARS {
        return None;
    }
    Some(StoredNote {
        note: Note {
            id: uuid::Uuid::parse_str(row.get("id")?.as_str()?)
                .ok()?
                .to_string(),
            call_id: bounded(row, "call_id", MAX_ID_LEN)?,
            mine: reviewer == me,
            reviewer_id: Some(reviewer),
            kind: NoteKind::parse(row.get("kind")?.as_str()?)?,
            at_ms,
            end_ms,
            body: body.to_owned(),
            created_at: instant(row, "created_at")?,
            synced: true,
        },
        agency_id: bounded(row, "agency_id", MAX_ID_LEN),
        deleted_at: match row.get("deleted_at") {
            None | Some(Value::Null) => None,
            Some(_) => Some(instant(row, "deleted_at")?),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hostile_scorecard_is_bounded() {
        let long = "x".repeat(10_000);
        let checks: Vec<Value> = (0..500)
            .map(|n| json!({"id": format!("c{n}{long}"), "weight": if n == 0 { json!(-3) } else { json!("heavy") }}))
            .chain([json!({"label": "no id"}), json!(7)])
            .collect();
        let card = scorecard(&json!({ "checks": checks }));
        assert_eq!(card.checks.len(), MAX_CHECKS);
        assert!(
            card.checks
                .iter()
                .all(|c| c.id.chars().count() == MAX_CHECK_TEXT && c.weight == 1.0)
        );
        assert_eq!(scorecard(&json!({"checks": "nope"})), Scorecard::default());
    }

    #[test]
    fn rows_outside_what_the_tables_allow_are_not_kept() {
        let note = json!({
            "id": "6f9619ff-8b86-4d01-b42d-00cf4fc964ff", "call_id": "c1", "reviewer_id": "u2",
            "kind": "note", "at_ms": 1500, "end_ms": null, "body": "hello",
            "created_at": "2026-12-07T10:00:00.123456+00:00", "deleted_at": null,
        });
        let kept = parse_note(&note, "u1").unwrap();
        assert!(!kept.note.mine && kept.note.synced && kept.note.at_ms == 1500);
        for (key, bad) in [
            ("at_ms", json!(MAX_AT_MS + 1)),
            ("at_ms", json!(-1)),
            ("end_ms", json!(1000)),
            ("kind", json!("sticker")),
            ("id", json!("not-a-uuid")),
            ("created_at", json!("yesterday")),
            ("call_id", json!("c\u{7}1")),
            ("body", json!("x".repeat(MAX_NOTE_CHARS + 1))),
        ] {
            let mut row = note.clone();
            row[key] = bad;
            assert!(parse_note(&row, "u1").is_none(), "{key} = {}", row[key]);
        }
        let review = json!({
            "call_id": "c1", "reviewer_id": "u1", "agency_id": "a1", "status": "flagged",
            "checks": {"greet": {"result": "pass"}, "bad": {"result": "maybe"}},
            "score": "75.50", "edited_at": "2026-12-07T10:00:00Z",
        });
        let kept = parse_review(&review, "u1").unwrap();
        assert!(kept.review.mine);
        assert_eq!(kept.review.score, Some(75.5));
        assert_eq!(
            kept.review.checks.len(),
            1,
            "the unreadable answer is dropped"
        );
        for (key, bad) in [
            ("status", json!("done")),
            ("score", json!(101)),
            ("edited_at", json!("")),
        ] {
            let mut row = review.clone();
            row[key] = bad;
            assert!(parse_review(&row, "u1").is_none(), "{key}");
        }
    }

    #[test]
    fn a_pull_starts_a_little_before_its_cursor() {
        assert_eq!(earlier("2026-12-07T10:00:03.5Z"), "2026-12-07T09:59:58.5Z");
        assert_eq!(earlier("garbage"), "garbage");
    }
}
