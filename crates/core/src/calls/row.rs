//! One row of `calls`, parsed tolerantly through the project's [`CallSchema`]: agencies' tables
//! differ, so a missing column, a null, a wrong type or a bad date never drops the row; the raw
//! value is kept in `extra` and the column named in `invalid`. Only a row without a usable `id`
//! is skipped.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use ts_rs::TS;

use super::schema::{CallSchema, Expect, Field};

/// A call as Callrec understands it. Each field is read from the column the schema maps it to
/// (`duration_seconds` from `duration`, `billsec`, …), whatever the agency named it.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct CallRow {
    pub id: String,
    pub agency_id: Option<String>,
    pub has_recording: Option<bool>,
    /// RFC 3339, as the server wrote it.
    pub created_at: Option<String>,
    pub ultravox_call_id: Option<String>,
    pub started_at: Option<String>,
    pub ended_at: Option<String>,
    pub duration_seconds: Option<f64>,
    pub direction: Option<String>,
    pub from_number: Option<String>,
    pub to_number: Option<String>,
    pub status: Option<String>,
    pub agent_name: Option<String>,
    #[serde(default)]
    pub transcript: Option<String>,
    #[serde(default)]
    pub summary: Option<String>,
    #[serde(default)]
    pub sentiment: Option<String>,
    /// Unmapped columns by name, and the raw value of any mapped column that could not be read.
    #[ts(type = "Record<string, unknown>")]
    pub extra: BTreeMap<String, Value>,
    /// Columns (by their name in the table) whose value had the wrong type or an unreadable date.
    pub invalid: Vec<String>,
    /// Set from the library, never from the server: the call has verified local files.
    #[serde(default)]
    pub downloaded: bool,
    /// Set from the library, never from the server: the agent's worst response latency
    /// (seconds), once the call's audio was analysed.
    #[serde(default)]
    pub worst_latency: Option<f64>,
    /// Set from the library, never from the server: this reviewer's status of the call.
    #[serde(default)]
    pub review_status: crate::reviews::ReviewStatus,
    /// Set from the library: this reviewer's scorecard score (0–100), once scored.
    #[serde(default)]
    pub score: Option<f64>,
}

pub(crate) fn is_time(text: &str) -> bool {
    use time::format_description::well_known::{Iso8601, Rfc3339};
    time::OffsetDateTime::parse(text, &Rfc3339).is_ok()
        || time::PrimitiveDateTime::parse(text, &Iso8601::DEFAULT).is_ok()
        // PostgreSQL's text form: `2026-01-31 12:00:00+00`.
        || time::OffsetDateTime::parse(&text.replacen(' ', "T", 1), &Iso8601::DEFAULT).is_ok()
}

/// A value as text: strings, and numbers (an id or a phone number stored as one).
fn text_of(value: &Value, expect: Expect) -> Option<String> {
    let text = match value {
        Value::String(s) => s.clone(),
        Value::Number(n) if expect == Expect::Text => n.to_string(),
        _ => return None,
    };
    (expect != Expect::Time || is_time(&text)).then_some(text)
}

fn seconds_of(value: &Value) -> Option<f64> {
    match value {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse::<f64>().ok(),
        _ => None,
    }
    .filter(|d| d.is_finite())
}

impl CallRow {
    /// `None` when the row has no usable `id`.
    pub fn from_json(value: Value, schema: &CallSchema) -> Option<Self> {
        let Value::Object(map) = value else {
            return None;
        };
        let mut row = CallRow::default();
        for (key, value) in map {
            if value.is_null() {
                continue;
            }
            let ok = match key.as_str() {
                "id" => match &value {
                    Value::String(s) if !s.is_empty() => {
                        row.id = s.clone();
                        true
                    }
                    Value::Number(n) => {
                        row.id = n.to_string();
                        true
                    }
                    _ => false,
                },
                "has_recording" => match &value {
                    Value::Bool(b) => {
                        row.has_recording = Some(*b);
                        true
                    }
                    _ => false,
                },
                "agency_id" => set(&mut row.agency_id, text_of(&value, Expect::Text)),
                "ultravox_call_id" => set(&mut row.ultravox_call_id, text_of(&value, Expect::Text)),
                "created_at" => set(&mut row.created_at, text_of(&value, Expect::Time)),
                name => match schema.field_of(name) {
                    Some(Field::Duration) => {
                        row.duration_seconds = seconds_of(&value);
                        row.duration_seconds.is_some()
                    }
                    Some(field) => match row.text_field(field) {
                        Some(slot) => set(slot, text_of(&value, field.expects())),
                        None => false,
                    },
                    None => {
                        row.extra.insert(key, value);
                        continue;
                    }
                },
            };
            if !ok {
                row.invalid.push(key.clone());
                row.extra.insert(key, value);
            }
        }
        (!row.id.is_empty()).then_some(row)
    }

    /// The slot of a text field; `None` for the duration, a number read apart.
    fn text_field(&mut self, field: Field) -> Option<&mut Option<String>> {
        Some(match field {
            Field::From => &mut self.from_number,
            Field::To => &mut self.to_number,
            Field::Agent => &mut self.agent_name,
            Field::Status => &mut self.status,
            Field::Direction => &mut self.direction,
            Field::Started => &mut self.started_at,
            Field::Ended => &mut self.ended_at,
            Field::Transcript => &mut self.transcript,
            Field::Summary => &mut self.summary,
            Field::Sentiment => &mut self.sentiment,
            Field::Duration => return None,
        })
    }
}

fn set(slot: &mut Option<String>, value: Option<String>) -> bool {
    let ok = value.is_some();
    *slot = value;
    ok
}

/// The rows of a page and how many were skipped (no `id`).
pub fn parse_rows(items: Vec<Value>, schema: &CallSchema) -> (Vec<CallRow>, u32) {
    let mut skipped = 0;
    let rows = items
        .into_iter()
        .filter_map(|item| {
            let row = CallRow::from_json(item, schema);
            if row.is_none() {
                skipped += 1;
            }
            row
        })
        .collect();
    (rows, skipped)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn odd_rows_are_kept_and_marked() {
        let (rows, skipped) = parse_rows(
            vec![
                json!({"id": "a", "created_at": "2026-01-01T00:00:00+00:00", "has_recording": true,
                   "duration_seconds": 12, "from_number": "+1555"}),
                json!({"id": "b", "created_at": "not a date", "has_recording": "yes",
                   "duration_seconds": "7.5", "agent_name": 42, "queue": "sales"}),
                json!({"id": "c"}),
                json!({"agency_id": "x"}),
                json!({"id": null}),
                json!("not an object"),
            ],
            &CallSchema::default(),
        );
        assert_eq!(skipped, 3);
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0].duration_seconds, Some(12.0));
        assert!(rows[0].invalid.is_empty());
        let b = &rows[1];
        assert_eq!(b.created_at, None);
        assert_eq!(b.duration_seconds, Some(7.5));
        assert_eq!(b.agent_name.as_deref(), Some("42"));
        assert_eq!(b.invalid, vec!["created_at", "has_recording"]);
        assert_eq!(b.extra["created_at"], json!("not a date"));
        assert_eq!(b.extra["queue"], json!("sales"));
        assert_eq!(rows[2].created_at, None);
    }

    #[test]
    fn fields_are_read_from_the_columns_the_schema_maps() {
        use crate::calls::schema::ColumnOverrides;
        let raw = json!({"id": "m", "duration": "7.5", "caller_number": "+1555",
                         "sentiment": 3, "started_at": "soon", "billsec": 9});
        let schema =
            CallSchema::learn(std::slice::from_ref(&raw), None, &ColumnOverrides::new()).unwrap();
        let row = CallRow::from_json(raw, &schema).unwrap();
        assert_eq!(row.duration_seconds, Some(7.5));
        assert_eq!(row.from_number.as_deref(), Some("+1555"));
        assert_eq!(row.sentiment.as_deref(), Some("3"));
        assert_eq!(row.started_at, None);
        assert_eq!(row.invalid, ["started_at"]);
        assert_eq!(row.extra["started_at"], json!("soon"));
        assert_eq!(row.extra["billsec"], json!(9));
        // The same table with `duration = "billsec"`: the other column is shown as it is.
        let billsec = schema.remap(&[(Field::Duration, "billsec".to_owned())].into());
        let raw = json!({"id": "m", "duration": "7.5", "billsec": 9});
        let row = CallRow::from_json(raw, &billsec).unwrap();
        assert_eq!(row.duration_seconds, Some(9.0));
        assert_eq!(row.extra["duration"], json!("7.5"));
    }

    #[test]
    fn postgres_text_timestamps_are_dates() {
        assert!(is_time("2026-01-31 12:00:00+00"));
        assert!(is_time("2026-01-31T12:00:00.123456+00:00"));
        assert!(!is_time("31/01/2026"));
    }
}
