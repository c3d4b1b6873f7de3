//! One row of `calls`, parsed tolerantly: agencies' schemas differ, so a missing column, a
//! null, a wrong type or a bad date never drops the row; the raw value is kept in `extra` and
//! the column named in `invalid`. Only a row without a usable `id` is skipped.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use ts_rs::TS;

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
    /// Other columns, and the raw value of any known column that could not be read.
    #[ts(type = "Record<string, unknown>")]
    pub extra: BTreeMap<String, Value>,
    /// Known columns whose value had the wrong type or an unreadable date.
    pub invalid: Vec<String>,
    /// Set from the library, never from the server: the call has verified local files.
    #[serde(default)]
    pub downloaded: bool,
}

const TIMES: [&str; 3] = ["created_at", "started_at", "ended_at"];

fn is_time(text: &str) -> bool {
    use time::format_description::well_known::{Iso8601, Rfc3339};
    time::OffsetDateTime::parse(text, &Rfc3339).is_ok()
        || time::PrimitiveDateTime::parse(text, &Iso8601::DEFAULT).is_ok()
        // PostgreSQL's text form: `2026-01-31 12:00:00+00`.
        || time::OffsetDateTime::parse(&text.replacen(' ', "T", 1), &Iso8601::DEFAULT).is_ok()
}

impl CallRow {
    /// `None` when the row has no usable `id`.
    pub fn from_json(value: Value) -> Option<Self> {
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
                "duration_seconds" => match &value {
                    Value::Number(n) => {
                        row.duration_seconds = n.as_f64();
                        true
                    }
                    Value::String(s) => match s.trim().parse::<f64>() {
                        Ok(d) if d.is_finite() => {
                            row.duration_seconds = Some(d);
                            true
                        }
                        _ => false,
                    },
                    _ => false,
                },
                k @ ("agency_id" | "ultravox_call_id" | "direction" | "from_number"
                | "to_number" | "status" | "agent_name" | "created_at" | "started_at"
                | "ended_at") => {
                    let text = match &value {
                        Value::String(s) => Some(s.clone()),
                        Value::Number(n) if !TIMES.contains(&k) => Some(n.to_string()),
                        _ => None,
                    };
                    match text {
                        Some(t) if TIMES.contains(&k) && !is_time(&t) => None,
                        other => other,
                    }
                    .map(|t| {
                        *row.text_field(k) = Some(t);
                    })
                    .is_some()
                }
                _ => {
                    row.extra.insert(key, value);
                    continue;
                }
            };
            if !ok {
                row.invalid.push(key.clone());
                row.extra.insert(key, value);
            }
        }
        (!row.id.is_empty()).then_some(row)
    }

    fn text_field(&mut self, key: &str) -> &mut Option<String> {
        match key {
            "agency_id" => &mut self.agency_id,
            "ultravox_call_id" => &mut self.ultravox_call_id,
            "direction" => &mut self.direction,
            "from_number" => &mut self.from_number,
            "to_number" => &mut self.to_number,
            "status" => &mut self.status,
            "agent_name" => &mut self.agent_name,
            "created_at" => &mut self.created_at,
            "started_at" => &mut self.started_at,
            _ => &mut self.ended_at,
        }
    }
}

/// The rows of a page and how many were skipped (no `id`).
pub fn parse_rows(items: Vec<Value>) -> (Vec<CallRow>, u32) {
    let mut skipped = 0;
    let rows = items
        .into_iter()
        .filter_map(|item| {
            let row = CallRow::from_json(item);
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
        let (rows, skipped) = parse_rows(vec![
            json!({"id": "a", "created_at": "2026-01-01T00:00:00+00:00", "has_recording": true,
                   "duration_seconds": 12, "from_number": "+1555"}),
            json!({"id": "b", "created_at": "not a date", "has_recording": "yes",
                   "duration_seconds": "7.5", "agent_name": 42, "queue": "sales"}),
            json!({"id": "c"}),
            json!({"agency_id": "x"}),
            json!({"id": null}),
            json!("not an object"),
        ]);
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
    fn postgres_text_timestamps_are_dates() {
        assert!(is_time("2026-01-31 12:00:00+00"));
        assert!(is_time("2026-01-31T12:00:00.123456+00:00"));
        assert!(!is_time("31/01/2026"));
    }
}
