//! A [`CallQuery`] as PostgREST query parameters: filters, order, keyset cursor, search.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::schema::{CallSchema, Field, Filter};
use super::{CallRow, CallsError};

/// Supabase's default `max-rows`: a page never asks for more.
pub const MAX_LIMIT: u32 = 1000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum Sort {
    #[default]
    DateDesc,
    DateAsc,
    DurationDesc,
    DurationAsc,
}

impl Sort {
    fn desc(self) -> bool {
        matches!(self, Self::DateDesc | Self::DurationDesc)
    }
}

/// What the list shows: filters, sort and page size. Every field may be left out by the UI
/// (`#[serde(default)]`): an empty object is the first page of all calls, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(export)]
pub struct CallQuery {
    pub sort: Sort,
    /// `created_at >= since` (RFC 3339 or a date).
    pub since: Option<String>,
    /// `created_at < until` (RFC 3339 or a date; exclusive).
    pub until: Option<String>,
    pub has_recording: Option<bool>,
    pub direction: Option<String>,
    pub status: Option<String>,
    /// One text over the table's text columns ([`super::Offers::search`]), or a full call id.
    pub search: Option<String>,
    /// Rows per page, 1..=1000 (0 means 50).
    pub limit: u32,
    /// Only calls downloaded to this computer (`true`) or only those not (`false`): a verified
    /// file for every segment the library knows of the call. The server cannot know this, so
    /// [`super::list`] answers `true` from the library even online, and filters the server's
    /// page for `false`; never sent to PostgREST.
    pub downloaded: Option<bool>,
    /// Only calls this reviewer has given this status (`unreviewed`: never reviewed). Like
    /// `downloaded`, the library knows it, not the server: never sent to PostgREST.
    pub review: Option<crate::reviews::ReviewStatus>,
}

/// Where the next page starts: the sort key of the last row seen (keyset paging).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Cursor {
    pub sort: Sort,
    pub created_at: String,
    pub id: String,
    /// For the duration sorts; `None` = the row had no duration (those sort last).
    pub duration_seconds: Option<f64>,
}

impl Cursor {
    pub fn after(sort: Sort, row: &CallRow) -> Self {
        Self {
            sort,
            created_at: row.created_at.clone().unwrap_or_default(),
            id: row.id.clone(),
            duration_seconds: row.duration_seconds,
        }
    }
}

/// A value quoted per PostgREST's grammar: inside `"…"` the reserved characters `,.:()` lose
/// their meaning, and `"` and `\` are escaped with `\`.
pub fn quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

/// The LIKE pattern `*text*` with the user's text literal: `%`, `_` and `\` escaped for LIKE.
/// `*` stays a wildcard (PostgREST turns every `*` into `%` and offers no escape for it), which
/// the search documents: `555*12` matches `555-0112`.
fn like_contains(text: &str) -> String {
    let mut out = String::from("*");
    for c in text.chars() {
        match c {
            '%' | '_' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out.push('*');
    out
}

pub(crate) fn is_uuid(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

/// Accepts `YYYY-MM-DD` or an RFC 3339 timestamp.
fn check_time(what: &str, value: &str) -> Result<(), CallsError> {
    let date = time::macros::format_description!("[year]-[month]-[day]");
    if time::Date::parse(value, &date).is_ok()
        || time::OffsetDateTime::parse(value, &time::format_description::well_known::Rfc3339)
            .is_ok()
    {
        Ok(())
    } else {
        Err(CallsError::Query(format!(
            "{what} must be a date (2026-01-31) or an RFC 3339 time, not {value:?}"
        )))
    }
}

impl CallQuery {
    pub fn limit(&self) -> u32 {
        match self.limit {
            0 => 50,
            n => n.min(MAX_LIMIT),
        }
    }

    /// The search text, trimmed; `None` when there is none.
    pub fn search_text(&self) -> Option<&str> {
        self.search
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
    }

    /// The columns this query reads, checked against `schema`: a filter, sort or search on
    /// something the table lacks is the caller's mistake, said before asking the server.
    pub fn plan<'s>(&self, schema: &'s CallSchema) -> Result<Plan<'s>, CallsError> {
        let missing = |what: &str| CallsError::MissingColumn {
            wanted: what.to_owned(),
            columns: schema.names(),
        };
        let filter = |filter: Filter, value: &Option<String>| -> Result<_, CallsError> {
            match value {
                None => Ok(None),
                Some(value) if schema.offers.filters.contains(&filter) => Ok(schema
                    .column(filter.field())
                    .map(|column| (column, value.clone()))),
                Some(_) => Err(missing(filter.field().key())),
            }
        };
        let direction = filter(Filter::Direction, &self.direction)?;
        let status = filter(Filter::Status, &self.status)?;
        if !schema.offers.sorts.contains(&self.sort) {
            return Err(missing(Field::Duration.key()));
        }
        let duration = match self.sort {
            Sort::DurationDesc | Sort::DurationAsc => schema.column(Field::Duration),
            Sort::DateDesc | Sort::DateAsc => None,
        };
        let search = match self.search_text() {
            None => None,
            Some(text) => {
                let id = is_uuid(text).then(|| text.to_ascii_lowercase());
                if id.is_none() && schema.offers.search.is_empty() {
                    return Err(CallsError::NothingToSearch {
                        columns: schema.names(),
                    });
                }
                Some(Search {
                    text: text.to_owned(),
                    columns: schema.offers.search.iter().map(String::as_str).collect(),
                    id,
                })
            }
        };
        Ok(Plan {
            direction,
            status,
            duration,
            search,
        })
    }

    /// The query parameters of the page after `cursor` (the first page without one).
    pub fn params(
        &self,
        schema: &CallSchema,
        cursor: Option<&Cursor>,
    ) -> Result<Vec<(String, String)>, CallsError> {
        let plan = self.plan(schema)?;
        let mut p: Vec<(String, String)> = vec![("select".into(), "*".into())];
        if let Some(since) = &self.since {
            check_time("since", since)?;
            p.push(("created_at".into(), format!("gte.{since}")));
        }
        if let Some(until) = &self.until {
            check_time("until", until)?;
            p.push(("created_at".into(), format!("lt.{until}")));
        }
        if let Some(has) = self.has_recording {
            p.push(("has_recording".into(), format!("is.{has}")));
        }
        // A plain filter's operand is the rest of the value, verbatim (no quoting there:
        // quotes would become part of the value); only lists and logic trees are parsed.
        for (column, value) in [plan.direction, plan.status].into_iter().flatten() {
            p.push((column.to_owned(), format!("eq.{value}")));
        }
        // Several `or` keys would be ANDed, but PostgREST keeps one value per key name, so the
        // search and the cursor go into one `and=(…)`.
        let mut and: Vec<String> = Vec::new();
        if let Some(search) = &plan.search {
            let pattern = quote(&like_contains(&search.text));
            let mut terms: Vec<String> = search
                .columns
                .iter()
                .map(|column| format!("{column}.ilike.{pattern}"))
                .collect();
            if let Some(id) = &search.id {
                terms.push(format!("id.eq.{}", quote(id)));
            }
            and.push(format!("or({})", terms.join(",")));
        }
        if let Some(cursor) = cursor {
            if cursor.sort != self.sort {
                return Err(CallsError::Query(
                    "the cursor belongs to another sort order".into(),
                ));
            }
            and.push(self.keyset(cursor, plan.duration));
        }
        if !and.is_empty() {
            p.push(("and".into(), format!("({})", and.join(","))));
        }
        let dir = if self.sort.desc() { "desc" } else { "asc" };
        let order = match plan.duration {
            None => format!("created_at.{dir},id.{dir}"),
            Some(duration) => format!("{duration}.{dir}.nullslast,id.{dir}"),
        };
        p.push(("order".into(), order));
        p.push(("limit".into(), self.limit().to_string()));
        Ok(p)
    }

    /// Rows strictly after `cursor` in this sort.
    fn keyset(&self, cursor: &Cursor, duration: Option<&str>) -> String {
        let (op, id) = if self.sort.desc() {
            ("lt", quote(&cursor.id))
        } else {
            ("gt", quote(&cursor.id))
        };
        match duration {
            None => {
                let at = quote(&cursor.created_at);
                format!("or(created_at.{op}.{at},and(created_at.eq.{at},id.{op}.{id}))")
            }
            Some(c) => match cursor.duration_seconds {
                Some(d) => {
                    format!("or({c}.{op}.{d},and({c}.eq.{d},id.{op}.{id}),{c}.is.null)")
                }
                None => format!("and({c}.is.null,id.{op}.{id})"),
            },
        }
    }
}

/// The columns a [`CallQuery`] reads on one table ([`CallQuery::plan`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Plan<'s> {
    /// `(column, value)` of the direction filter.
    pub direction: Option<(&'s str, String)>,
    pub status: Option<(&'s str, String)>,
    /// The duration column, when sorting by it.
    pub duration: Option<&'s str>,
    pub search: Option<Search<'s>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Search<'s> {
    pub text: String,
    pub columns: Vec<&'s str>,
    /// The text as a call id, when it is a full one.
    pub id: Option<String>,
}

/// The total in a `Content-Range` header (`0-24/3573458`, `*/0`); `None` for `*` or `0-24/*`.
pub fn content_range_total(header: &str) -> Option<u64> {
    let (_, total) = header.trim().rsplit_once('/')?;
    total.trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_range() {
        assert_eq!(content_range_total("0-24/3573458"), Some(3_573_458));
        assert_eq!(content_range_total("*/12"), Some(12));
        assert_eq!(content_range_total("0-24/*"), None);
        assert_eq!(content_range_total("*"), None);
    }

    #[test]
    fn hostile_search_text_stays_inside_its_quotes() {
        let q = CallQuery {
            search: Some(r#"a,b)or(id.neq.x"\"#.into()),
            ..Default::default()
        };
        let schema = CallSchema::learn(
            &[serde_json::json!({"id": "a", "caller": "x", "agent": "y"})],
            None,
            &Default::default(),
        )
        .unwrap();
        let p = q.params(&schema, None).unwrap();
        let and = &p.iter().find(|(k, _)| k == "and").unwrap().1;
        assert_eq!(
            and,
            r#"(or(caller.ilike."*a,b)or(id.neq.x\"\\\\*",agent.ilike."*a,b)or(id.neq.x\"\\\\*"))"#
        );
    }

    #[test]
    fn keyset_after_a_cursor() {
        let q = CallQuery::default();
        let c = Cursor {
            sort: Sort::DateDesc,
            created_at: "2026-01-01T00:00:00+00:00".into(),
            id: "b".into(),
            duration_seconds: None,
        };
        let p = q.params(&CallSchema::default(), Some(&c)).unwrap();
        assert!(p.contains(&(
            "and".into(),
            r#"(or(created_at.lt."2026-01-01T00:00:00+00:00",and(created_at.eq."2026-01-01T00:00:00+00:00",id.lt."b")))"#.into()
        )));
        assert!(p.contains(&("order".into(), "created_at.desc,id.desc".into())));
        assert!(
            CallQuery {
                sort: Sort::DateAsc,
                ..Default::default()
            }
            .params(&CallSchema::default(), Some(&c))
            .is_err()
        );
    }

    #[test]
    fn what_the_table_lacks_is_a_usage_error_naming_the_columns() {
        let minimal = CallSchema::learn(
            &[serde_json::json!({"id": "a", "created_at": "2026-01-01T00:00:00Z", "duration": 3})],
            None,
            &Default::default(),
        )
        .unwrap();
        let direction = CallQuery {
            direction: Some("inbound".into()),
            ..Default::default()
        };
        let error = direction.params(&minimal, None).unwrap_err();
        assert_eq!(crate::ErrorCode::code(&error), "missing_column");
        assert_eq!(crate::ErrorCode::kind(&error), crate::ErrorKind::Usage);
        let message = error.to_string();
        assert!(message.contains("direction"), "{message}");
        assert!(message.contains("created_at, duration, id"), "{message}");
        let search = CallQuery {
            search: Some("555".into()),
            ..Default::default()
        };
        assert_eq!(
            crate::ErrorCode::code(&search.params(&minimal, None).unwrap_err()),
            "nothing_to_search"
        );
        // A full call id is still found, by `id` alone.
        let id = CallQuery {
            search: Some("0B0E6A52-4D0F-4B39-9A55-0C5B8B2F4E11".into()),
            ..Default::default()
        };
        let p = id.params(&minimal, None).unwrap();
        assert!(p.contains(&(
            "and".into(),
            r#"(or(id.eq."0b0e6a52-4d0f-4b39-9a55-0c5b8b2f4e11"))"#.into()
        )));
        // Sorting by the duration uses its column, whatever its name.
        let longest = CallQuery {
            sort: Sort::DurationDesc,
            ..Default::default()
        };
        let p = longest.params(&minimal, None).unwrap();
        assert!(p.contains(&("order".into(), "duration.desc.nullslast,id.desc".into())));
    }

    #[test]
    fn limits_and_dates() {
        assert_eq!(
            CallQuery {
                limit: 5000,
                ..Default::default()
            }
            .limit(),
            1000
        );
        assert!(
            CallQuery {
                since: Some("yesterday".into()),
                ..Default::default()
            }
            .params(&CallSchema::default(), None)
            .is_err()
        );
        assert!(
            CallQuery {
                since: Some("2026-01-31".into()),
                ..Default::default()
            }
            .params(&CallSchema::default(), None)
            .is_ok()
        );
        assert!(is_uuid("0b0e6a52-4d0f-4b39-9a55-0c5b8b2f4e11"));
        assert!(!is_uuid("0b0e6a52"));
    }
}
