//! What a review is: a status, timestamped notes and bookmarks, and the agency's scorecard
//! answered. Shared by the library, the sync and the shells; serialised for the UI (ts-rs) and
//! for `--json`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Longest note text (characters), as the agency's table enforces.
pub const MAX_NOTE_CHARS: usize = 10_000;
/// Longest comment on a check (characters).
pub const MAX_COMMENT_CHARS: usize = 2_000;
/// Most checks a scorecard may have.
pub const MAX_CHECKS: usize = 100;
/// Longest check id or label (characters).
pub const MAX_CHECK_TEXT: usize = 200;
/// A note's time on the call's clock: no call is longer than a day.
pub const MAX_AT_MS: u64 = 24 * 3600 * 1000;

/// Where a reviewer is with a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum ReviewStatus {
    #[default]
    Unreviewed,
    InReview,
    Reviewed,
    Flagged,
}

impl ReviewStatus {
    pub const ALL: [ReviewStatus; 4] = [
        ReviewStatus::Unreviewed,
        ReviewStatus::InReview,
        ReviewStatus::Reviewed,
        ReviewStatus::Flagged,
    ];

    /// The name stored in the library and the agency's table.
    pub fn as_str(self) -> &'static str {
        match self {
            ReviewStatus::Unreviewed => "unreviewed",
            ReviewStatus::InReview => "in_review",
            ReviewStatus::Reviewed => "reviewed",
            ReviewStatus::Flagged => "flagged",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

/// One answer on the scorecard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum CheckResult {
    Pass,
    Fail,
    /// Does not apply to this call: left out of the score.
    Na,
}

impl CheckResult {
    pub fn as_str(self) -> &'static str {
        match self {
            CheckResult::Pass => "pass",
            CheckResult::Fail => "fail",
            CheckResult::Na => "na",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [CheckResult::Pass, CheckResult::Fail, CheckResult::Na]
            .into_iter()
            .find(|r| r.as_str() == text)
    }
}

/// One of the agency's checks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ScorecardCheck {
    pub id: String,
    pub label: String,
    /// How much the check counts in the score (default 1).
    #[serde(default = "one")]
    pub weight: f64,
}

fn one() -> f64 {
    1.0
}

/// The agency's checks, in the order they are asked.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Scorecard {
    pub checks: Vec<ScorecardCheck>,
}

/// A check answered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct CheckAnswer {
    pub result: CheckResult,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub comment: Option<String>,
}

/// One reviewer's review of one call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Review {
    pub call_id: String,
    /// The reviewer's user id; `None` for this computer's reviewer before a first sign-in
    /// named them.
    pub reviewer_id: Option<String>,
    /// The reviewer's e-mail when known (this computer's reviewer), for reports.
    pub reviewer_email: Option<String>,
    pub status: ReviewStatus,
    /// Answers by check id.
    pub checks: BTreeMap<String, CheckAnswer>,
    /// 0–100: the weight of passed checks over that of passed and failed ones.
    pub score: Option<f64>,
    /// When the reviewer made the last change (RFC 3339, their clock): the last writer wins.
    pub edited_at: String,
    pub mine: bool,
}

/// A note's kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum NoteKind {
    Note,
    /// A moment marked with one key: no text.
    Bookmark,
}

impl NoteKind {
    pub fn as_str(self) -> &'static str {
        match self {
            NoteKind::Note => "note",
            NoteKind::Bookmark => "bookmark",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "note" => Some(NoteKind::Note),
            "bookmark" => Some(NoteKind::Bookmark),
            _ => None,
        }
    }
}

/// A note or bookmark at a moment (or over a span) of a call. Notes are append-only; a
/// deleted one is a tombstone and is not listed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Note {
    pub id: String,
    pub call_id: String,
    pub reviewer_id: Option<String>,
    pub kind: NoteKind,
    /// Milliseconds on the call's clock.
    #[ts(type = "number")]
    pub at_ms: u64,
    /// The end of a span; `None` for a moment.
    #[ts(type = "number | null")]
    pub end_ms: Option<u64>,
    pub body: String,
    /// RFC 3339.
    pub created_at: String,
    pub mine: bool,
    /// Pushed to the agency's project.
    pub synced: bool,
}

/// Where this computer's reviews stand with the agency's project.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", tag = "state")]
#[ts(export)]
pub enum SyncStatus {
    /// Never tried on this computer.
    NotYet { pending: u32 },
    /// The project has Callrec's tables; the last sync ended at `at` (RFC 3339).
    Shared { at: String, pending: u32 },
    /// The project has no Callrec tables: reviews stay on this computer until the SQL file
    /// is applied to it.
    LocalOnly { migration: String, pending: u32 },
    /// The last attempt could not reach the project; changes wait in the outbox.
    Offline { pending: u32 },
    /// Changes the project refused, kept aside with its reason.
    Refused {
        pending: u32,
        refused: u32,
        reason: String,
    },
}

/// Everything the call pane shows about reviews of one call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct CallReviews {
    pub call_id: String,
    /// This reviewer's review (status `unreviewed` and no answers when never touched).
    pub mine: Review,
    /// The other reviewers' reviews of the call (from the last sync).
    pub others: Vec<Review>,
    /// Every reviewer's notes and bookmarks, by time on the call.
    pub notes: Vec<Note>,
    pub scorecard: Scorecard,
    pub sync: SyncStatus,
}

/// The score of a scorecard's answers: passed weight over passed and failed weight, 0–100,
/// `None` when nothing is scored. Answers to checks no longer on the card do not count.
pub fn score(card: &Scorecard, answers: &BTreeMap<String, CheckAnswer>) -> Option<f64> {
    let (mut passed, mut scored) = (0.0, 0.0);
    for check in &card.checks {
        let weight = if check.weight.is_finite() && check.weight > 0.0 {
            check.weight
        } else {
            continue;
        };
        match answers.get(&check.id).map(|a| a.result) {
            Some(CheckResult::Pass) => {
                passed += weight;
                scored += weight;
            }
            Some(CheckResult::Fail) => scored += weight,
            Some(CheckResult::Na) | None => {}
        }
    }
    (scored > 0.0).then(|| (passed / scored * 10_000.0).round() / 100.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn card() -> Scorecard {
        Scorecard {
            checks: vec![
                ScorecardCheck {
                    id: "greet".into(),
                    label: "Greeted".into(),
                    weight: 1.0,
                },
                ScorecardCheck {
                    id: "verify".into(),
                    label: "Verified".into(),
                    weight: 2.0,
                },
                ScorecardCheck {
                    id: "close".into(),
                    label: "Closed".into(),
                    weight: 1.0,
                },
            ],
        }
    }

    fn answer(result: CheckResult) -> CheckAnswer {
        CheckAnswer {
            result,
            comment: None,
        }
    }

    #[test]
    fn the_score_weighs_passes_over_what_was_scored_and_leaves_out_na() {
        let mut answers = BTreeMap::new();
        assert_eq!(score(&card(), &answers), None);
        answers.insert("greet".into(), answer(CheckResult::Pass));
        answers.insert("verify".into(), answer(CheckResult::Fail));
        answers.insert("close".into(), answer(CheckResult::Na));
        assert_eq!(score(&card(), &answers), Some(33.33));
        answers.insert("verify".into(), answer(CheckResult::Pass));
        assert_eq!(score(&card(), &answers), Some(100.0));
        // An answer to a check the agency has since removed does not count.
        answers.insert("gone".into(), answer(CheckResult::Fail));
        assert_eq!(score(&card(), &answers), Some(100.0));
    }

    #[test]
    fn statuses_and_results_round_trip_their_stored_names() {
        for status in ReviewStatus::ALL {
            assert_eq!(ReviewStatus::parse(status.as_str()), Some(status));
        }
        assert_eq!(ReviewStatus::parse("done"), None);
        assert_eq!(CheckResult::parse("na"), Some(CheckResult::Na));
        assert_eq!(NoteKind::parse("bookmark"), Some(NoteKind::Bookmark));
        assert_eq!(NoteKind::parse(""), None);
    }
}
