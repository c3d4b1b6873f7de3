//! Callrec's shared-review tables (docs/reviews.md), as the agency's migration defines them:
//! columns and defaults, grants, keys, CHECK constraints, write policies and triggers. The
//! triggers' messages and error codes are the migration's.

use rusqlite::types::Value as SqlValue;

use super::schema::{Column, ColumnDefault, Grants, PgType, Privileges, Table, col, with_default};
use super::sql::PgError;
use super::write_rules::{Check, Fired, Op, Row, Unique, Writes, raise};

pub(crate) const SCORECARDS: &str = "callrec_scorecards";
pub(crate) const REVIEWS: &str = "callrec_reviews";
pub(crate) const NOTES: &str = "callrec_notes";

/// The review statuses `callrec_reviews_status` allows.
pub(crate) const STATUSES: &[&str] = &["unreviewed", "in_review", "reviewed", "flagged"];
/// The note kinds `callrec_notes_kind` allows.
pub(crate) const KINDS: &[&str] = &["note", "bookmark"];
/// `char_length(body) <= 10000`.
pub(crate) const MAX_BODY_CHARS: usize = 10_000;

/// The three tables, in the order the API lists them.
pub(crate) fn tables() -> [&'static Table; 3] {
    [&SCORECARD_TABLE, &REVIEW_TABLE, &NOTE_TABLE]
}

// Columns ------------------------------------------------------------------------------------

const SCORE: PgType = PgType::Numeric {
    precision: 5,
    scale: 2,
};

static SCORECARD_COLUMNS: &[Column] = &[
    col("agency_id", PgType::Uuid, false),
    with_default("checks", PgType::Jsonb, false, ColumnDefault::Literal("[]")),
    with_default("updated_at", PgType::Timestamptz, false, ColumnDefault::Now),
];

static REVIEW_COLUMNS: &[Column] = &[
    with_default("id", PgType::Uuid, false, ColumnDefault::RandomUuid),
    col("agency_id", PgType::Uuid, false),
    col("call_id", PgType::Text, false),
    with_default("reviewer_id", PgType::Uuid, false, ColumnDefault::AuthUid),
    with_default(
        "status",
        PgType::Text,
        false,
        ColumnDefault::Literal("unreviewed"),
    ),
    with_default("checks", PgType::Jsonb, false, ColumnDefault::Literal("{}")),
    col("score", SCORE, true),
    with_default("edited_at", PgType::Timestamptz, false, ColumnDefault::Now),
    with_default("updated_at", PgType::Timestamptz, false, ColumnDefault::Now),
];

static NOTE_COLUMNS: &[Column] = &[
    col("id", PgType::Uuid, false),
    col("agency_id", PgType::Uuid, false),
    col("call_id", PgType::Text, false),
    with_default("reviewer_id", PgType::Uuid, false, ColumnDefault::AuthUid),
    with_default("kind", PgType::Text, false, ColumnDefault::Literal("note")),
    col("at_ms", PgType::BigInt, false),
    col("end_ms", PgType::BigInt, true),
    with_default("body", PgType::Text, false, ColumnDefault::Literal("")),
    with_default("created_at", PgType::Timestamptz, false, ColumnDefault::Now),
    col("deleted_at", PgType::Timestamptz, true),
    with_default("updated_at", PgType::Timestamptz, false, ColumnDefault::Now),
];

// Tables -------------------------------------------------------------------------------------

/// `revoke all ... from anon`; reviewers read scorecards, the service role writes them.
const SCORECARD_GRANTS: Grants = Grants {
    anon: Privileges::NONE,
    authenticated: Privileges::READ,
    service: Privileges::ALL,
};

/// `grant select, insert, update ... to authenticated`: nobody but the service role deletes.
const REVIEW_GRANTS: Grants = Grants {
    anon: Privileges::NONE,
    authenticated: Privileges::WRITE,
    service: Privileges::ALL,
};

pub(crate) static SCORECARD_TABLE: Table = Table {
    name: SCORECARDS,
    columns: SCORECARD_COLUMNS,
    grants: SCORECARD_GRANTS,
    writes: Some(&SCORECARD_WRITES),
};

pub(crate) static REVIEW_TABLE: Table = Table {
    name: REVIEWS,
    columns: REVIEW_COLUMNS,
    grants: REVIEW_GRANTS,
    writes: Some(&REVIEW_WRITES),
};

pub(crate) static NOTE_TABLE: Table = Table {
    name: NOTES,
    columns: NOTE_COLUMNS,
    grants: REVIEW_GRANTS,
    writes: Some(&NOTE_WRITES),
};

static SCORECARD_WRITES: Writes = Writes {
    uniques: &[Unique {
        name: "callrec_scorecards_pkey",
        columns: &["agency_id"],
    }],
    checks: &[Check {
        name: "callrec_scorecards_checks_array",
        holds: |t, r| jsonb_kind(r.value(t, "checks"), '['),
    }],
    owner: None,
    trigger: stamp,
};

static REVIEW_WRITES: Writes = Writes {
    uniques: &[
        Unique {
            name: "callrec_reviews_pkey",
            columns: &["id"],
        },
        Unique {
            name: "callrec_reviews_key",
            columns: &["agency_id", "call_id", "reviewer_id"],
        },
    ],
    checks: &[
        Check {
            name: "callrec_reviews_checks_object",
            holds: |t, r| jsonb_kind(r.value(t, "checks"), '{'),
        },
        Check {
            name: "callrec_reviews_score",
            // `score between 0 and 100`, in hundredths; a NaN (kept as text) is above 100.
            holds: |t, r| match r.value(t, "score") {
                SqlValue::Null => true,
                SqlValue::Integer(n) => (0..=10_000).contains(n),
                _ => false,
            },
        },
        Check {
            name: "callrec_reviews_status",
            holds: |t, r| r.text(t, "status").is_none_or(|s| STATUSES.contains(&s)),
        },
    ],
    owner: Some("reviewer_id"),
    trigger: review_write,
};

static NOTE_WRITES: Writes = Writes {
    uniques: &[Unique {
        name: "callrec_notes_pkey",
        columns: &["id"],
    }],
    checks: &[
        Check {
            name: "callrec_notes_at_ms",
            holds: |t, r| r.int(t, "at_ms").is_none_or(|n| n >= 0),
        },
        Check {
            name: "callrec_notes_body_length",
            holds: |t, r| {
                r.text(t, "body")
                    .is_none_or(|b| b.chars().count() <= MAX_BODY_CHARS)
            },
        },
        Check {
            name: "callrec_notes_end_ms",
            // `end_ms is null or end_ms >= at_ms` (NULL when at_ms is: passes).
            holds: |t, r| match (r.int(t, "end_ms"), r.int(t, "at_ms")) {
                (Some(end), Some(at)) => end >= at,
                _ => true,
            },
        },
        Check {
            name: "callrec_notes_kind",
            holds: |t, r| r.text(t, "kind").is_none_or(|k| KINDS.contains(&k)),
        },
    ],
    owner: Some("reviewer_id"),
    trigger: note_write,
};

/// `jsonb_typeof(c) = 'array'|'object'` on the canonical text (NULL passes).
fn jsonb_kind(v: &SqlValue, opener: char) -> bool {
    match v {
        SqlValue::Text(s) => s.starts_with(opener),
        _ => true,
    }
}

// Triggers -----------------------------------------------------------------------------------

/// `callrec_scorecards_stamp`: `updated_at` is the server's clock.
fn stamp(table: &Table, _: Op, _: Option<&Row>, new: &mut Row, now: i64) -> Result<Fired, PgError> {
    new.set(table, "updated_at", SqlValue::Integer(now));
    Ok(Fired::New)
}

/// `callrec_reviews_write`: the natural key never changes; an update older (by `edited_at`)
/// than the stored row returns OLD; otherwise `updated_at` is stamped.
fn review_write(
    table: &Table,
    op: Op,
    old: Option<&Row>,
    new: &mut Row,
    now: i64,
) -> Result<Fired, PgError> {
    if let (Op::Update, Some(old)) = (op, old) {
        if new.differs(old, table, &["agency_id", "call_id", "reviewer_id"]) {
            return Err(raise(
                "23514",
                "callrec_reviews: agency_id, call_id and reviewer_id cannot change",
            ));
        }
        // `new.edited_at < old.edited_at` (NULL: not older).
        if let (Some(n), Some(o)) = (new.int(table, "edited_at"), old.int(table, "edited_at"))
            && n < o
        {
            return Ok(Fired::Old);
        }
    }
    stamp(table, op, old, new, now)
}

/// `callrec_notes_write`: append-only. Only `deleted_at` may change, from null to a time; a
/// second tombstone keeps the first one's time; a tombstone is never cleared.
fn note_write(
    table: &Table,
    op: Op,
    old: Option<&Row>,
    new: &mut Row,
    now: i64,
) -> Result<Fired, PgError> {
    if let (Op::Update, Some(old)) = (op, old) {
        let fixed = [
            "id",
            "agency_id",
            "call_id",
            "reviewer_id",
            "kind",
            "at_ms",
            "end_ms",
            "body",
            "created_at",
        ];
        if new.differs(old, table, &fixed) {
            return Err(raise(
                "23514",
                "callrec_notes: a note cannot be edited, only deleted (deleted_at set)",
            ));
        }
        let stored = old.value(table, "deleted_at").clone();
        if stored != SqlValue::Null {
            if *new.value(table, "deleted_at") == SqlValue::Null {
                return Err(raise(
                    "23514",
                    "callrec_notes: a deleted note cannot be restored (deleted_at cannot be cleared)",
                ));
            }
            new.set(table, "deleted_at", stored);
        }
    }
    stamp(table, op, old, new, now)
}
