//! Reviews of calls: a status, timestamped notes and bookmarks, and the agency's scorecard,
//! kept in the library first (so everything works offline) and shared through the agency's
//! Supabase project (`docs/reviews.md`: the tables, the conflict rules and the sync).
//!
//! Each use-case here is what the app's command and the CLI's subcommand both call: it checks
//! the input against the bounds the agency's table enforces, writes the library (queueing the
//! change in the outbox), and answers with the call's reviews as the UI shows them.

mod auto;
mod export;
mod model;
mod sync;

pub use auto::AutoSync;
pub use export::{ExportFormat, clock, export};
pub use model::*;
pub use sync::{MIGRATION_FILE, status, sync};

use crate::calls::{MAX_ID_LEN, project_key};
use crate::library::{Library, LibraryError, StoredNote, StoredReview};
use crate::session::{SessionError, SessionManager, SessionUser};
use crate::{ErrorCode, ErrorKind};

#[derive(Debug, thiserror::Error)]
pub enum ReviewError {
    #[error("sign in first: reviews are kept per reviewer")]
    NotSignedIn,
    #[error("the library: {0}")]
    Library(String),
    #[error("{0}")]
    Session(#[from] SessionError),
    #[error("a note is at most {max} characters (this one has {len})")]
    NoteTooLong { len: usize, max: usize },
    #[error("a comment is at most {max} characters")]
    CommentTooLong { max: usize },
    #[error("{0}")]
    BadNoteTime(String),
    #[error("the scorecard has no check {id:?}")]
    UnknownCheck { id: String },
    #[error("no note {id:?} of yours on this call")]
    NoteNotFound { id: String },
    #[error("{id:?} is not a call id")]
    BadCallId { id: String },
    #[error("the project answered {status}: {message}")]
    Api {
        status: u16,
        code: Option<String>,
        message: String,
    },
    #[error("the project's answer is not what PostgREST sends: {0}")]
    BadAnswer(String),
    #[error("{0}")]
    Export(String),
}

impl ErrorCode for ReviewError {
    fn code(&self) -> &'static str {
        match self {
            Self::NotSignedIn => "not_signed_in",
            Self::Library(_) => "library",
            Self::Session(error) => error.code(),
            Self::NoteTooLong { .. } => "note_too_long",
            Self::CommentTooLong { .. } => "comment_too_long",
            Self::BadNoteTime(_) => "bad_note_time",
            Self::UnknownCheck { .. } => "unknown_check",
            Self::NoteNotFound { .. } => "note_not_found",
            Self::BadCallId { .. } => "bad_call_id",
            Self::Api { .. } => "reviews_refused",
            Self::BadAnswer(_) => "reviews_bad_answer",
            Self::Export(_) => "export_failed",
        }
    }

    fn kind(&self) -> ErrorKind {
        match self {
            Self::NotSignedIn => ErrorKind::Auth,
            Self::Session(error) => error.kind(),
            Self::NoteNotFound { .. } => ErrorKind::NotFound,
            Self::NoteTooLong { .. }
            | Self::CommentTooLong { .. }
            | Self::BadNoteTime(_)
            | Self::UnknownCheck { .. }
            | Self::BadCallId { .. } => ErrorKind::Usage,
            Self::Api { .. } | Self::BadAnswer(_) => ErrorKind::Network,
            Self::Library(_) | Self::Export(_) => ErrorKind::Other,
        }
    }
}

impl From<LibraryError> for ReviewError {
    fn from(error: LibraryError) -> Self {
        ReviewError::Library(error.to_string())
    }
}

/// Who reviews, and where their reviews are kept.
struct Reviewer {
    project: String,
    user: SessionUser,
}

fn reviewer(session: &SessionManager) -> Result<Reviewer, ReviewError> {
    let user = session.state().user.ok_or(ReviewError::NotSignedIn)?;
    Ok(Reviewer {
        project: project_key(session),
        user,
    })
}

fn checked_call(call_id: &str) -> Result<&str, ReviewError> {
    let id = call_id.trim();
    if id.is_empty() || id.len() > MAX_ID_LEN || id.chars().any(char::is_control) {
        return Err(ReviewError::BadCallId {
            id: call_id.chars().take(MAX_ID_LEN).collect(),
        });
    }
    Ok(id)
}

/// Now, as the agency's table keeps it (microseconds, UTC): the string compares as stored.
pub(crate) fn now_text() -> String {
    let now = time::OffsetDateTime::now_utc();
    let now = now
        .replace_nanosecond(now.nanosecond() / 1000 * 1000)
        .unwrap_or(now);
    now.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// The call's agency as the remembered row says (every agency's `calls` has `agency_id`);
/// the push needs it, the library works without it.
fn agency_of(library: &Library, who: &Reviewer, call_id: &str) -> Option<String> {
    library
        .call_in(&who.project, call_id)
        .ok()
        .flatten()
        .and_then(|(row, _)| row.agency_id)
}

/// Everything the call pane shows about the reviews of `call_id`.
pub fn call_reviews(
    session: &SessionManager,
    library: &Library,
    call_id: &str,
) -> Result<CallReviews, ReviewError> {
    let who = reviewer(session)?;
    let call_id = checked_call(call_id)?;
    collect(library, &who, call_id)
}

fn collect(library: &Library, who: &Reviewer, call_id: &str) -> Result<CallReviews, ReviewError> {
    let scorecard = library.sync_record(&who.project)?.scorecard;
    collect_with(library, who, call_id, scorecard.unwrap_or_default())
}

/// [`collect`] with the scorecard already read.
fn collect_with(
    library: &Library,
    who: &Reviewer,
    call_id: &str,
    scorecard: Scorecard,
) -> Result<CallReviews, ReviewError> {
    let me = who.user.id.as_str();
    let mut mine = None;
    let mut others = Vec::new();
    for stored in library.reviews_of_call(&who.project, call_id, me)? {
        if stored.review.mine {
            mine = Some(stored.review);
        } else {
            others.push(stored.review);
        }
    }
    Ok(CallReviews {
        call_id: call_id.to_owned(),
        mine: mine.unwrap_or_else(|| blank(who, call_id)),
        others,
        notes: library.notes_of_call(&who.project, call_id, me)?,
        scorecard,
        sync: status(library, &who.project)?,
    })
}

fn blank(who: &Reviewer, call_id: &str) -> Review {
    Review {
        call_id: call_id.to_owned(),
        reviewer_id: Some(who.user.id.clone()),
        reviewer_email: Some(who.user.email.clone()),
        status: ReviewStatus::Unreviewed,
        checks: Default::default(),
        score: None,
        edited_at: String::new(),
        mine: true,
    }
}

/// Changes this reviewer's review of `call_id` with `change`, stamps it and queues the push.
fn edit(
    session: &SessionManager,
    library: &Library,
    call_id: &str,
    change: impl FnOnce(&mut Review, &Scorecard) -> Result<(), ReviewError>,
) -> Result<CallReviews, ReviewError> {
    let who = reviewer(session)?;
    let call_id = checked_call(call_id)?;
    let card = library
        .sync_record(&who.project)?
        .scorecard
        .unwrap_or_default();
    let mut stored = match library.review(&who.project, call_id, &who.user.id)? {
        Some(stored) => stored,
        None => StoredReview {
            review: blank(&who, call_id),
            agency_id: None,
        },
    };
    change(&mut stored.review, &card)?;
    stored.review.score = score(&card, &stored.review.checks);
    stored.review.edited_at = now_text();
    stored.review.reviewer_email = Some(who.user.email.clone());
    if stored.agency_id.is_none() {
        stored.agency_id = agency_of(library, &who, call_id);
    }
    library.put_review(&who.project, &stored, true)?;
    collect_with(library, &who, call_id, card)
}

pub fn set_status(
    session: &SessionManager,
    library: &Library,
    call_id: &str,
    status: ReviewStatus,
) -> Result<CallReviews, ReviewError> {
    edit(session, library, call_id, |review, _| {
        review.status = status;
        Ok(())
    })
}

/// Answers (or, with `result` none, clears) one of the scorecard's checks. A review that was
/// not started is then in review.
pub fn answer_check(
    session: &SessionManager,
    library: &Library,
    call_id: &str,
    check_id: &str,
    result: Option<CheckResult>,
    comment: Option<String>,
) -> Result<CallReviews, ReviewError> {
    let comment = comment
        .map(|c| c.trim().to_owned())
        .filter(|c| !c.is_empty());
    if comment
        .as_ref()
        .is_some_and(|c| c.chars().count() > MAX_COMMENT_CHARS)
    {
        return Err(ReviewError::CommentTooLong {
            max: MAX_COMMENT_CHARS,
        });
    }
    edit(session, library, call_id, |review, card| {
        if !card.checks.iter().any(|c| c.id == check_id) {
            return Err(ReviewError::UnknownCheck {
                id: check_id.chars().take(MAX_CHECK_TEXT).collect(),
            });
        }
        match result {
            Some(result) => {
                review
                    .checks
                    .insert(check_id.to_owned(), CheckAnswer { result, comment });
            }
            None => {
                review.checks.remove(check_id);
            }
        }
        if review.status == ReviewStatus::Unreviewed {
            review.status = ReviewStatus::InReview;
        }
        Ok(())
    })
}

/// A note (with text) or a bookmark (without) at `at_ms`, or over `at_ms..end_ms`.
pub fn add_note(
    session: &SessionManager,
    library: &Library,
    call_id: &str,
    kind: NoteKind,
    at_ms: u64,
    end_ms: Option<u64>,
    body: &str,
) -> Result<CallReviews, ReviewError> {
    let who = reviewer(session)?;
    let call_id = checked_call(call_id)?;
    let body = body.trim();
    let len = body.chars().count();
    if len > MAX_NOTE_CHARS {
        return Err(ReviewError::NoteTooLong {
            len,
            max: MAX_NOTE_CHARS,
        });
    }
    if kind == NoteKind::Note && body.is_empty() {
        return Err(ReviewError::BadNoteTime(
            "a note needs text (a bookmark has none)".into(),
        ));
    }
    if at_ms > MAX_AT_MS || end_ms.is_some_and(|end| end > MAX_AT_MS) {
        return Err(ReviewError::BadNoteTime(format!(
            "a note's time is within a day of the call's start (at most {} s)",
            MAX_AT_MS / 1000
        )));
    }
    if end_ms.is_some_and(|end| end < at_ms) {
        return Err(ReviewError::BadNoteTime(
            "a span ends after it starts".into(),
        ));
    }
    let note = StoredNote {
        note: Note {
            id: uuid::Uuid::new_v4().to_string(),
            call_id: call_id.to_owned(),
            reviewer_id: Some(who.user.id.clone()),
            kind,
            at_ms,
            end_ms,
            body: if kind == NoteKind::Bookmark {
                String::new()
            } else {
                body.to_owned()
            },
            created_at: now_text(),
            mine: true,
            synced: false,
        },
        agency_id: agency_of(library, &who, call_id),
        deleted_at: None,
    };
    library.put_note(&who.project, &note, true)?;
    collect(library, &who, call_id)
}

/// Deletes one of this reviewer's notes (a tombstone, shared like the note).
pub fn delete_note(
    session: &SessionManager,
    library: &Library,
    call_id: &str,
    note_id: &str,
) -> Result<CallReviews, ReviewError> {
    let who = reviewer(session)?;
    let call_id = checked_call(call_id)?;
    if !library.delete_note(&who.project, note_id, &who.user.id, &now_text())? {
        return Err(ReviewError::NoteNotFound {
            id: note_id.chars().take(64).collect(),
        });
    }
    collect(library, &who, call_id)
}
