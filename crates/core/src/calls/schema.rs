//! What an agency's `calls` table holds, learned from its rows: agencies' tables differ, and only
//! `id`, `agency_id`, `has_recording`, `created_at` and `ultravox_call_id` are certain. Each
//! [`Field`] Callrec understands is mapped to a column by the names agencies use, or by the
//! project's `[columns]` override in `config.toml`; the list offers only the filters, sorts and
//! search the mapped columns allow ([`Offers`]).

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use serde_json::Value;
use ts_rs::TS;

use super::Sort;

/// Columns every agency's table has, under these names.
pub const CERTAIN: [&str; 5] = [
    "id",
    "agency_id",
    "has_recording",
    "created_at",
    "ultravox_call_id",
];
/// A server could send any number of keys: the schema keeps at most this many columns.
pub const MAX_COLUMNS: usize = 256;
/// Postgres truncates identifiers to 63 bytes: a longer key is not a column of a table.
pub const MAX_NAME_LEN: usize = 63;
/// The search's `or=(…)` grows with each column: URLs stay well under servers' limits.
pub const MAX_SEARCH_COLUMNS: usize = 12;

/// A value Callrec understands, whatever the agency named its column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum Field {
    Duration,
    From,
    To,
    Agent,
    Status,
    Direction,
    Started,
    Ended,
    Transcript,
    Summary,
    Sentiment,
}

/// What a field's values should be; a value of another type is kept raw (`CallRow::invalid`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Expect {
    Seconds,
    Time,
    Text,
}

impl Field {
    pub const ALL: [Field; 11] = [
        Field::Duration,
        Field::From,
        Field::To,
        Field::Agent,
        Field::Status,
        Field::Direction,
        Field::Started,
        Field::Ended,
        Field::Transcript,
        Field::Summary,
        Field::Sentiment,
    ];

    /// The name in `config.toml`'s `[columns]` and in messages.
    pub fn key(self) -> &'static str {
        match self {
            Field::Duration => "duration",
            Field::From => "from",
            Field::To => "to",
            Field::Agent => "agent",
            Field::Status => "status",
            Field::Direction => "direction",
            Field::Started => "started",
            Field::Ended => "ended",
            Field::Transcript => "transcript",
            Field::Summary => "summary",
            Field::Sentiment => "sentiment",
        }
    }

    /// Column names agencies use for this field, most likely first. The first is what the
    /// local backend's `full` schema (and Callrec before schemas were learned) calls it.
    pub fn aliases(self) -> &'static [&'static str] {
        match self {
            Field::Duration => &[
                "duration_seconds",
                "duration",
                "call_duration",
                "duration_secs",
                "length_seconds",
            ],
            Field::From => &[
                "from_number",
                "from",
                "caller_number",
                "caller",
                "from_phone",
            ],
            Field::To => &[
                "to_number",
                "to",
                "callee_number",
                "called_number",
                "to_phone",
            ],
            Field::Agent => &["agent_name", "agent", "assistant_name", "assistant"],
            Field::Status => &["status", "call_status", "state"],
            Field::Direction => &["direction", "call_direction", "call_type"],
            Field::Started => &["started_at", "start_time", "started", "joined_at"],
            Field::Ended => &["ended_at", "end_time", "ended"],
            Field::Transcript => &["transcript", "transcription", "transcript_text"],
            Field::Summary => &["summary", "call_summary", "short_summary"],
            Field::Sentiment => &["sentiment", "call_sentiment", "sentiment_label"],
        }
    }

    pub(crate) fn expects(self) -> Expect {
        match self {
            Field::Duration => Expect::Seconds,
            Field::Started | Field::Ended => Expect::Time,
            _ => Expect::Text,
        }
    }
}

/// The `[columns]` table of `config.toml`: `duration = "billsec"` maps a field to a column the
/// aliases do not know. Keys are [`Field`]s, so a typo is a config error, not a silent no-op.
pub type ColumnOverrides = BTreeMap<Field, String>;

/// The JSON type a column's values have had.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum ColumnKind {
    /// Only nulls seen so far.
    Unknown,
    Text,
    Number,
    Boolean,
    /// Strings that all read as timestamps (never searched: `ilike` on a timestamp fails).
    Time,
    /// Strings that all read as UUIDs (never searched: `ilike` on a uuid fails).
    Uuid,
    /// Arrays, objects, or a mix of types.
    Other,
}

impl ColumnKind {
    fn of(value: &Value) -> Self {
        match value {
            Value::Null => ColumnKind::Unknown,
            Value::Bool(_) => ColumnKind::Boolean,
            Value::Number(_) => ColumnKind::Number,
            Value::String(s) if super::query::is_uuid(s) => ColumnKind::Uuid,
            Value::String(s) if super::row::is_time(s) => ColumnKind::Time,
            Value::String(_) => ColumnKind::Text,
            Value::Array(_) | Value::Object(_) => ColumnKind::Other,
        }
    }

    /// Both seen in one column. Strings generalise to text (a page of UUID-looking notes does
    /// not make `notes` a uuid column once text was seen), so kinds settle instead of flapping.
    fn merge(self, other: Self) -> Self {
        use ColumnKind::*;
        match (self, other) {
            (a, b) if a == b => a,
            (Unknown, k) | (k, Unknown) => k,
            (Text | Time | Uuid, Text | Time | Uuid) => Text,
            _ => Other,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Column {
    pub name: String,
    pub kind: ColumnKind,
    /// The field Callrec reads from this column, if any.
    pub field: Option<Field>,
}

/// The list's filters that need a column (dates, recording and "downloaded" always work).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum Filter {
    Direction,
    Status,
}

impl Filter {
    pub fn field(self) -> Field {
        match self {
            Filter::Direction => Field::Direction,
            Filter::Status => Field::Status,
        }
    }
}

/// What the list can offer on this table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Offers {
    pub sorts: Vec<Sort>,
    pub filters: Vec<Filter>,
    /// The text columns a search looks in (a full call id is always found by `id`).
    pub search: Vec<String>,
}

/// A project's `calls` table as learned from its rows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct CallSchema {
    /// Every column, in name order.
    pub columns: Vec<Column>,
    /// `false` until a row has been seen: the columns are then assumed (the first alias of each
    /// field), and a server's "column does not exist" corrects the assumption.
    pub learned: bool,
    pub offers: Offers,
    /// The `[columns]` overrides the mapping was made with (the config's, never stored).
    #[serde(skip)]
    #[ts(skip)]
    overrides: ColumnOverrides,
}

/// A name that can be written into a PostgREST filter and a JSON path as is: PostgREST's
/// grammar gives `.`, `,`, `:`, `(`, `)` and quotes meanings, so other columns are shown but
/// never filtered, sorted or searched on.
pub(crate) fn is_plain_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= MAX_NAME_LEN
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        && !name.as_bytes()[0].is_ascii_digit()
}

impl Default for CallSchema {
    fn default() -> Self {
        Self::assumed(&ColumnOverrides::new())
    }
}

impl CallSchema {
    /// Before any row is seen: the certain columns and each field under its usual name (or
    /// its override), so a fresh project behaves as Callrec always did.
    pub fn assumed(overrides: &ColumnOverrides) -> Self {
        let mut kinds: BTreeMap<String, ColumnKind> = BTreeMap::new();
        for name in CERTAIN {
            kinds.insert(name.to_owned(), ColumnKind::Unknown);
        }
        // The fields of the table Callrec was first built against (the backend's `full`).
        let usual = Field::ALL
            .into_iter()
            .filter(|f| !matches!(f, Field::Transcript | Field::Summary | Field::Sentiment));
        for field in usual {
            let name = overrides
                .get(&field)
                .map(String::as_str)
                .unwrap_or(field.aliases()[0]);
            let kind = match field.expects() {
                Expect::Seconds => ColumnKind::Number,
                Expect::Time => ColumnKind::Time,
                Expect::Text => ColumnKind::Text,
            };
            kinds.insert(name.to_owned(), kind);
        }
        Self::build(kinds, false, overrides)
    }

    /// The schema `rows` show (`select=*` sends every column of every row), with what
    /// `previous` knew of the kinds of columns that are all null here. `None` when no row is
    /// an object: an empty page teaches nothing.
    pub fn learn(
        rows: &[Value],
        previous: Option<&CallSchema>,
        overrides: &ColumnOverrides,
    ) -> Option<Self> {
        let mut kinds: BTreeMap<String, ColumnKind> = BTreeMap::new();
        let mut any = false;
        for row in rows {
            let Value::Object(map) = row else { continue };
            any = true;
            // The certain columns first, so the bound never drops one of them.
            let certain = CERTAIN.iter().filter_map(|n| map.get_key_value(*n));
            let others = map.iter().filter(|(n, _)| !CERTAIN.contains(&n.as_str()));
            for (name, value) in certain.chain(others) {
                if name.len() > MAX_NAME_LEN {
                    continue;
                }
                if !kinds.contains_key(name) && kinds.len() >= MAX_COLUMNS {
                    continue;
                }
                let kind = kinds.entry(name.clone()).or_insert(ColumnKind::Unknown);
                *kind = kind.merge(ColumnKind::of(value));
            }
        }
        if !any {
            return None;
        }
        if let Some(previous) = previous.filter(|p| p.learned) {
            for column in &previous.columns {
                if let Some(kind) = kinds.get_mut(&column.name) {
                    *kind = kind.merge(column.kind);
                }
            }
        }
        Some(Self::build(kinds, true, overrides))
    }

    /// The same columns mapped with `overrides` (the config may have changed since).
    pub fn remap(&self, overrides: &ColumnOverrides) -> Self {
        let kinds = self
            .columns
            .iter()
            .map(|c| (c.name.clone(), c.kind))
            .collect();
        Self::build(kinds, self.learned, overrides)
    }

    fn build(
        kinds: BTreeMap<String, ColumnKind>,
        learned: bool,
        overrides: &ColumnOverrides,
    ) -> Self {
        let mut taken: BTreeSet<&str> = CERTAIN.into_iter().collect();
        let mut fields: BTreeMap<String, Field> = BTreeMap::new();
        for field in Field::ALL {
            let chosen = match overrides.get(&field) {
                // An override is what the reviewer said: never second-guessed by an alias.
                Some(name) => Some(name.as_str()).filter(|n| kinds.contains_key(*n)),
                None => field
                    .aliases()
                    .iter()
                    .copied()
                    .find(|name| kinds.contains_key(*name) && !taken.contains(name)),
            };
            if let Some(name) = chosen.filter(|n| !taken.contains(n)) {
                taken.insert(name);
                fields.insert(name.to_owned(), field);
            }
        }
        let columns: Vec<Column> = kinds
            .into_iter()
            .map(|(name, kind)| Column {
                field: fields.get(&name).copied(),
                name,
                kind,
            })
            .collect();
        let offers = Self::offers(&columns);
        Self {
            columns,
            learned,
            offers,
            overrides: overrides.clone(),
        }
    }

    fn offers(columns: &[Column]) -> Offers {
        let mapped = |field: Field| {
            columns
                .iter()
                .find(|c| c.field == Some(field) && is_plain_name(&c.name))
        };
        let mut sorts = vec![Sort::DateDesc, Sort::DateAsc];
        // Keyset paging compares the cursor's number with the column: only a numeric column.
        if mapped(Field::Duration)
            .is_some_and(|c| matches!(c.kind, ColumnKind::Number | ColumnKind::Unknown))
        {
            sorts.extend([Sort::DurationDesc, Sort::DurationAsc]);
        }
        let filters = [Filter::Direction, Filter::Status]
            .into_iter()
            .filter(|f| mapped(f.field()).is_some())
            .collect();
        // Mapped fields first (what a reviewer types: numbers, names), then other text.
        let mut search: Vec<String> = Vec::new();
        let text = |c: &Column| c.kind == ColumnKind::Text && is_plain_name(&c.name);
        for field in [
            Field::From,
            Field::To,
            Field::Agent,
            Field::Status,
            Field::Direction,
            Field::Sentiment,
            Field::Summary,
            Field::Transcript,
        ] {
            if let Some(c) = mapped(field).filter(|c| text(c)) {
                search.push(c.name.clone());
            }
        }
        for c in columns {
            if text(c) && c.field.is_none() && !CERTAIN.contains(&c.name.as_str()) {
                search.push(c.name.clone());
            }
        }
        search.truncate(MAX_SEARCH_COLUMNS);
        Offers {
            sorts,
            filters,
            search,
        }
    }

    pub fn overrides(&self) -> &ColumnOverrides {
        &self.overrides
    }

    /// The column `field` is read from.
    pub fn column(&self, field: Field) -> Option<&str> {
        self.columns
            .iter()
            .find(|c| c.field == Some(field))
            .map(|c| c.name.as_str())
    }

    /// The field read from column `name`.
    pub fn field_of(&self, name: &str) -> Option<Field> {
        self.columns
            .iter()
            .find(|c| c.name == name)
            .and_then(|c| c.field)
    }

    pub fn names(&self) -> Vec<String> {
        self.columns.iter().map(|c| c.name.clone()).collect()
    }

    /// Whether `other` has the same columns, kinds and mapping (what the library keeps).
    pub fn same_as(&self, other: &CallSchema) -> bool {
        self.columns == other.columns && self.learned == other.learned
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn minimal() -> Vec<Value> {
        vec![
            json!({"id": "0b0e6a52-4d0f-4b39-9a55-0c5b8b2f4e11", "agency_id": "0b0e6a52-4d0f-4b39-9a55-0c5b8b2f4e12",
                   "has_recording": true, "created_at": "2026-01-01T00:00:00+00:00",
                   "ultravox_call_id": null, "duration": 61}),
        ]
    }

    #[test]
    fn fields_map_from_the_names_agencies_use() {
        let s = CallSchema::learn(
            &[
                json!({"id": "a", "caller_number": "+1555", "assistant_name": "Ava",
                     "duration": 12, "call_summary": "asked", "transcript": "hi",
                     "sentiment": "positive", "service_number": "+1666", "tags": ["x"]}),
            ],
            None,
            &ColumnOverrides::new(),
        )
        .unwrap();
        assert_eq!(s.column(Field::From), Some("caller_number"));
        assert_eq!(s.column(Field::Agent), Some("assistant_name"));
        assert_eq!(s.column(Field::Duration), Some("duration"));
        assert_eq!(s.column(Field::Summary), Some("call_summary"));
        assert_eq!(s.column(Field::To), None);
        assert_eq!(s.column(Field::Direction), None);
        assert!(s.offers.sorts.contains(&Sort::DurationDesc));
        assert!(s.offers.filters.is_empty());
        // Mapped text first, then the other text columns; never arrays.
        assert_eq!(
            s.offers.search,
            [
                "caller_number",
                "assistant_name",
                "sentiment",
                "call_summary",
                "transcript",
                "service_number"
            ]
        );
    }

    #[test]
    fn an_override_wins_and_a_missing_one_maps_nothing() {
        let rows = [json!({"id": "a", "duration": 3, "billsec": 9, "to": "x"})];
        let overrides: ColumnOverrides = [
            (Field::Duration, "billsec".to_owned()),
            (Field::Agent, "nope".to_owned()),
        ]
        .into();
        let s = CallSchema::learn(&rows, None, &overrides).unwrap();
        assert_eq!(s.column(Field::Duration), Some("billsec"));
        assert_eq!(s.column(Field::Agent), None);
        assert_eq!(s.column(Field::To), Some("to"));
        // `duration` is then just another column.
        assert_eq!(s.field_of("duration"), None);
    }

    #[test]
    fn minimal_tables_offer_only_what_they_have() {
        let s = CallSchema::learn(&minimal(), None, &ColumnOverrides::new()).unwrap();
        assert_eq!(
            s.names(),
            [
                "agency_id",
                "created_at",
                "duration",
                "has_recording",
                "id",
                "ultravox_call_id"
            ]
        );
        assert!(s.offers.search.is_empty(), "uuids and times are not text");
        assert!(s.offers.filters.is_empty());
        assert_eq!(s.offers.sorts.len(), 4);
        // A text duration cannot be keyset-paged numerically.
        let text = CallSchema::learn(
            &[json!({"id": "a", "duration": "00:01:02"})],
            None,
            &ColumnOverrides::new(),
        )
        .unwrap();
        assert_eq!(text.offers.sorts, [Sort::DateDesc, Sort::DateAsc]);
    }

    #[test]
    fn kinds_settle_and_nulls_keep_what_was_known() {
        let first = CallSchema::learn(
            &[json!({"id": "a", "note": "free text", "score": 1})],
            None,
            &ColumnOverrides::new(),
        )
        .unwrap();
        let second = CallSchema::learn(
            &[json!({"id": "b", "note": "0b0e6a52-4d0f-4b39-9a55-0c5b8b2f4e11", "score": null})],
            Some(&first),
            &ColumnOverrides::new(),
        )
        .unwrap();
        assert!(second.same_as(&first));
        assert!(CallSchema::learn(&[json!("x")], None, &ColumnOverrides::new()).is_none());
    }

    #[test]
    fn what_a_server_sends_is_bounded() {
        let mut row = serde_json::Map::new();
        row.insert("id".into(), json!("a"));
        row.insert("x".repeat(64), json!("too long"));
        row.insert("odd name".into(), json!("shown only"));
        for i in 0..1000 {
            row.insert(format!("c{i:04}"), json!("v"));
        }
        let s = CallSchema::learn(&[Value::Object(row)], None, &ColumnOverrides::new()).unwrap();
        assert_eq!(s.columns.len(), MAX_COLUMNS);
        assert!(s.columns.iter().any(|c| c.name == "id"));
        assert!(s.columns.iter().all(|c| c.name.len() <= MAX_NAME_LEN));
        assert_eq!(s.offers.search.len(), MAX_SEARCH_COLUMNS);
        assert!(!s.offers.search.iter().any(|c| c == "odd name"));
    }

    #[test]
    fn assumed_is_the_full_schema() {
        let s = CallSchema::assumed(&ColumnOverrides::new());
        assert!(!s.learned);
        assert_eq!(s.column(Field::From), Some("from_number"));
        assert_eq!(s.offers.filters, [Filter::Direction, Filter::Status]);
        assert_eq!(
            s.offers.search[..3],
            ["from_number", "to_number", "agent_name"]
        );
    }
}
