//! Reviews for reporting: one row per review (any reviewer this computer knows of), with its
//! scorecard answers and its notes, as CSV (one column per check) or JSON.

use serde::Serialize;

use super::{Note, NoteKind, Review, ReviewError, reviewer};
use crate::library::Library;
use crate::session::SessionManager;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ExportFormat {
    #[default]
    Csv,
    Json,
}

/// `mm:ss` (or `h:mm:ss` from an hour) of a time on the call, in whole seconds.
pub fn clock(ms: u64) -> String {
    let secs = ms / 1000;
    let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    if h > 0 {
        format!("{h}:{m:02}:{s:02}")
    } else {
        format!("{m:02}:{s:02}")
    }
}

fn note_text(note: &Note) -> String {
    let at = match note.end_ms {
        Some(end) => format!("{}–{}", clock(note.at_ms), clock(end)),
        None => clock(note.at_ms),
    };
    match note.kind {
        NoteKind::Bookmark => format!("{at} (bookmark)"),
        NoteKind::Note => format!("{at} {}", note.body),
    }
}

#[derive(Serialize)]
struct JsonRow<'a> {
    #[serde(flatten)]
    review: &'a Review,
    notes: Vec<JsonNote<'a>>,
}

#[derive(Serialize)]
struct JsonNote<'a> {
    at: String,
    end: Option<String>,
    #[serde(flatten)]
    note: &'a Note,
}

/// The reviews edited in `[since, until)` (RFC 3339 times or dates; open ends), as `format`.
pub fn export(
    session: &SessionManager,
    library: &Library,
    since: Option<&str>,
    until: Option<&str>,
    format: ExportFormat,
) -> Result<String, ReviewError> {
    let who = reviewer(session)?;
    let bound = |what: &str, text: Option<&str>| -> Result<Option<i64>, ReviewError> {
        text.map(|t| {
            crate::library::parse_instant(t).ok_or_else(|| {
                ReviewError::Export(format!("{what}: {t:?} is not a date or a time"))
            })
        })
        .transpose()
    };
    let rows = library.reviews_between(
        &who.project,
        &who.user.id,
        bound("since", since)?,
        bound("until", until)?,
    )?;
    let card = library
        .sync_record(&who.project)?
        .scorecard
        .unwrap_or_default();
    match format {
        ExportFormat::Json => {
            let out: Vec<JsonRow<'_>> = rows
                .iter()
                .map(|(review, notes)| JsonRow {
                    review,
                    notes: notes
                        .iter()
                        .map(|note| JsonNote {
                            at: clock(note.at_ms),
                            end: note.end_ms.map(clock),
                            note,
                        })
                        .collect(),
                })
                .collect();
            serde_json::to_string_pretty(&out).map_err(|e| ReviewError::Export(e.to_string()))
        }
        ExportFormat::Csv => {
            let mut writer = csv::Writer::from_writer(Vec::new());
            let mut header: Vec<String> = ["call_id", "reviewer", "status", "score", "edited_at"]
                .map(String::from)
                .to_vec();
            for check in &card.checks {
                header.push(check.label.clone());
                header.push(format!("{} (comment)", check.label));
            }
            header.push("notes".into());
            let fail = |e: csv::Error| ReviewError::Export(e.to_string());
            writer.write_record(&header).map_err(fail)?;
            for (review, notes) in &rows {
                let mut record = vec![
                    review.call_id.clone(),
                    review
                        .reviewer_email
                        .clone()
                        .or_else(|| review.reviewer_id.clone())
                        .unwrap_or_default(),
                    review.status.as_str().to_owned(),
                    review.score.map(|s| format!("{s:.2}")).unwrap_or_default(),
                    review.edited_at.clone(),
                ];
                for check in &card.checks {
                    let answer = review.checks.get(&check.id);
                    record.push(
                        answer
                            .map(|a| a.result.as_str().to_owned())
                            .unwrap_or_default(),
                    );
                    record.push(answer.and_then(|a| a.comment.clone()).unwrap_or_default());
                }
                record.push(notes.iter().map(note_text).collect::<Vec<_>>().join("\n"));
                writer.write_record(&record).map_err(fail)?;
            }
            let bytes = writer
                .into_inner()
                .map_err(|e| ReviewError::Export(e.to_string()))?;
            String::from_utf8(bytes).map_err(|e| ReviewError::Export(e.to_string()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::clock;

    #[test]
    fn note_times_read_as_minutes_and_seconds() {
        assert_eq!(clock(0), "00:00");
        assert_eq!(clock(83_999), "01:23");
        assert_eq!(clock(3_600_000 + 62_000), "1:01:02");
    }
}
