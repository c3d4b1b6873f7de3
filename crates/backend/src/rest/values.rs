//! A column value's forms: request text (filters, defaults) and request JSON (bodies, as
//! `json_to_record` reads them) in, the stored SQLite value, and Postgres' text and JSON out.
//! Bad input fails as the type's input function does (22P02, 22007, 22003, 22P05).

use axum::http::StatusCode;
use rusqlite::types::Value as SqlValue;
use serde_json::Value;

use super::schema::{Column, PgType};
use super::sql::PgError;
use crate::timefmt::{self, MICROS_PER_SEC};

pub(crate) fn invalid_input(ty: PgType, v: &str) -> PgError {
    let code = if ty == PgType::Timestamptz {
        "22007"
    } else {
        "22P02"
    };
    PgError::new(
        StatusCode::BAD_REQUEST,
        code,
        format!("invalid input syntax for type {}: \"{v}\"", ty.pg_name()),
    )
}

fn out_of_range(ty: PgType, v: &str) -> PgError {
    PgError::new(
        StatusCode::BAD_REQUEST,
        "22003",
        format!("value \"{v}\" is out of range for type {}", ty.pg_name()),
    )
}

/// Postgres text cannot hold NUL (`\u0000` in JSON).
fn no_nul(v: &str) -> Result<(), PgError> {
    if v.contains('\0') {
        return Err(PgError::new(
            StatusCode::BAD_REQUEST,
            "22P05",
            "unsupported Unicode escape sequence",
        )
        .details("\\u0000 cannot be converted to text."));
    }
    Ok(())
}

pub(crate) fn parse_bool(v: &str) -> Option<bool> {
    let t = v.trim().to_ascii_lowercase();
    if t.is_empty() {
        return None;
    }
    // Postgres accepts any unique prefix of these words.
    let words: [(&str, bool); 6] = [
        ("true", true),
        ("yes", true),
        ("on", true),
        ("false", false),
        ("no", false),
        ("off", false),
    ];
    match t.as_str() {
        "1" | "t" | "y" => return Some(true),
        "0" | "f" | "n" => return Some(false),
        "o" => return None,
        _ => {}
    }
    words
        .iter()
        .find(|(w, _)| w.starts_with(t.as_str()) && t.len() >= 2)
        .map(|(_, b)| *b)
}

/// A request value (a filter's, a default's) as the column's type, bound as SQLite stores it.
/// A `numeric` is compared exactly, not rounded to the column's scale.
pub(crate) fn convert(col: &Column, v: &str) -> Result<SqlValue, PgError> {
    match col.ty {
        PgType::Text => Ok(SqlValue::Text(v.to_string())),
        PgType::Uuid => uuid::Uuid::parse_str(v.trim())
            .map(|u| SqlValue::Text(u.hyphenated().to_string()))
            .map_err(|_| invalid_input(col.ty, v)),
        PgType::Bool => parse_bool(v)
            .map(|b| SqlValue::Integer(i64::from(b)))
            .ok_or_else(|| invalid_input(col.ty, v)),
        PgType::Int => match v.trim().parse::<i64>() {
            Ok(n) if i32::try_from(n).is_ok() => Ok(SqlValue::Integer(n)),
            Ok(_) => Err(out_of_range(col.ty, v)),
            Err(_) => Err(invalid_input(col.ty, v)),
        },
        PgType::BigInt => {
            let t = v.trim();
            match t.parse::<i64>() {
                Ok(n) => Ok(SqlValue::Integer(n)),
                Err(_)
                    if !t.is_empty()
                        && t.trim_start_matches(['-', '+'])
                            .bytes()
                            .all(|b| b.is_ascii_digit()) =>
                {
                    Err(out_of_range(col.ty, v))
                }
                Err(_) => Err(invalid_input(col.ty, v)),
            }
        }
        PgType::Numeric { scale, .. } => match parse_numeric(v) {
            Some(Numeric::Finite(d)) => Ok(d.scaled_exact(scale)),
            Some(Numeric::NaN) => Ok(SqlValue::Real(f64::NAN)),
            Some(Numeric::Infinite(neg)) => Ok(SqlValue::Real(if neg {
                f64::NEG_INFINITY
            } else {
                f64::INFINITY
            })),
            None => Err(invalid_input(col.ty, v)),
        },
        PgType::Timestamptz => {
            let now = timefmt::now_micros();
            let day = timefmt::start_of_day(now);
            let special = match v.trim().to_ascii_lowercase().as_str() {
                "now" => Some(now),
                "today" => Some(day),
                "yesterday" => Some(day - 86_400 * MICROS_PER_SEC),
                "tomorrow" => Some(day + 86_400 * MICROS_PER_SEC),
                "epoch" => Some(0),
                "infinity" => Some(i64::MAX),
                "-infinity" => Some(i64::MIN),
                _ => None,
            };
            special
                .or_else(|| timefmt::parse_timestamptz(v))
                .map(SqlValue::Integer)
                .ok_or_else(|| invalid_input(col.ty, v))
        }
        PgType::Jsonb => serde_json::from_str::<Value>(v.trim())
            .map(|j| SqlValue::Text(jsonb_text(&j)))
            .map_err(|_| {
                PgError::new(
                    StatusCode::BAD_REQUEST,
                    "22P02",
                    "invalid input syntax for type json",
                )
            }),
    }
}

/// A value written to the column, from Postgres input text: as [`convert`], but text cannot
/// hold NUL and a `numeric(p,s)` is rounded to its scale and must fit its precision.
pub(crate) fn store(col: &Column, v: &str) -> Result<SqlValue, PgError> {
    match col.ty {
        PgType::Text => {
            no_nul(v)?;
            Ok(SqlValue::Text(v.to_string()))
        }
        PgType::Numeric { precision, scale } => match parse_numeric(v) {
            Some(Numeric::Finite(d)) => d.fit(precision, scale).map(SqlValue::Integer),
            // Kept as text: no stored row holds it (a check constraint refuses it first).
            Some(Numeric::NaN) => Ok(SqlValue::Text("NaN".into())),
            Some(Numeric::Infinite(_)) => Err(PgError::new(
                StatusCode::BAD_REQUEST,
                "22003",
                "numeric field overflow",
            )
            .details(format!(
                "A field with precision {precision}, scale {scale} cannot hold an infinite value."
            ))),
            None => Err(invalid_input(col.ty, v)),
        },
        _ => convert(col, v),
    }
}

/// A JSON body's value for the column, as `json_to_record` reads it: null is NULL, a string is
/// its text, any other value its JSON text; a `jsonb` column takes the value itself.
pub(crate) fn from_json(col: &Column, v: &Value) -> Result<SqlValue, PgError> {
    match v {
        Value::Null => Ok(SqlValue::Null),
        _ if col.ty == PgType::Jsonb => {
            check_json_nul(v)?;
            Ok(SqlValue::Text(jsonb_text(v)))
        }
        Value::String(s) => store(col, s),
        other => store(col, &other.to_string()),
    }
}

fn check_json_nul(v: &Value) -> Result<(), PgError> {
    match v {
        Value::String(s) => no_nul(s),
        Value::Array(items) => items.iter().try_for_each(check_json_nul),
        Value::Object(map) => map.iter().try_for_each(|(k, v)| {
            no_nul(k)?;
            check_json_nul(v)
        }),
        _ => Ok(()),
    }
}

// numeric ------------------------------------------------------------------------------------

/// A `numeric` input.
#[derive(Debug, Clone, PartialEq)]
enum Numeric {
    Finite(Decimal),
    NaN,
    Infinite(bool),
}

/// `0.d1d2...dn × 10^point`, digits without leading zeros.
#[derive(Debug, Clone, PartialEq)]
struct Decimal {
    negative: bool,
    digits: Vec<u8>,
    point: i64,
}

/// Postgres' `numeric_in` syntax: blanks, a sign, digits with an optional point, an optional
/// exponent; or `NaN`, `Infinity`, `inf` (any case, infinities signed).
fn parse_numeric(input: &str) -> Option<Numeric> {
    let s = input.trim();
    let (negative, body) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let lower = body.to_ascii_lowercase();
    if lower == "nan" && body.len() == s.len() {
        return Some(Numeric::NaN);
    }
    if lower == "infinity" || lower == "inf" {
        return Some(Numeric::Infinite(negative));
    }
    let b = body.as_bytes();
    let mut i = 0;
    let mut digits = Vec::new();
    let mut point = 0i64;
    let mut seen_point = false;
    let mut any = false;
    while i < b.len() {
        match b[i] {
            d @ b'0'..=b'9' => {
                any = true;
                digits.push(d - b'0');
                if !seen_point {
                    point += 1;
                }
            }
            b'.' if !seen_point => seen_point = true,
            _ => break,
        }
        i += 1;
    }
    if !any {
        return None;
    }
    if i < b.len() {
        if !matches!(b[i], b'e' | b'E') {
            return None;
        }
        let exp: i64 = body[i + 1..].parse().ok()?;
        if !(-100_000..=100_000).contains(&exp) {
            return None;
        }
        point += exp;
    }
    while digits.first() == Some(&0) {
        digits.remove(0);
        point -= 1;
    }
    while digits.last() == Some(&0) {
        digits.pop();
    }
    if digits.is_empty() {
        point = 0;
    }
    Some(Numeric::Finite(Decimal {
        negative,
        digits,
        point,
    }))
}

impl Decimal {
    /// The value in units of 10^-scale, rounded half away from zero; `None` past i64.
    fn rounded(&self, scale: u32) -> Option<i64> {
        let k = self.point + i64::from(scale);
        if k > 18 {
            return None;
        }
        let mut n: i64 = 0;
        for idx in 0..k.max(0) {
            let d = self.digits.get(idx as usize).copied().unwrap_or(0);
            n = n * 10 + i64::from(d);
        }
        let next = if k >= 0 {
            self.digits.get(k as usize).copied().unwrap_or(0)
        } else {
            0
        };
        if next >= 5 {
            n += 1;
        }
        Some(if self.negative { -n } else { n })
    }

    /// `numeric(precision, scale)`: rounded, and less than 10^(precision - scale) in size.
    fn fit(&self, precision: u32, scale: u32) -> Result<i64, PgError> {
        let limit = 10i64.checked_pow(precision).unwrap_or(i64::MAX);
        match self.rounded(scale) {
            Some(n) if n.abs() < limit => Ok(n),
            _ => Err(PgError::new(
                StatusCode::BAD_REQUEST,
                "22003",
                "numeric field overflow",
            )
            .details(format!(
                "A field with precision {precision}, scale {scale} must round to an absolute value less than 10^{}.",
                precision - scale
            ))),
        }
    }

    /// For comparisons with stored units of 10^-scale: an integer when exact, else a real.
    fn scaled_exact(&self, scale: u32) -> SqlValue {
        let frac_digits = self.digits.len() as i64 - self.point;
        if frac_digits <= i64::from(scale)
            && let Some(n) = self.rounded(scale)
        {
            return SqlValue::Integer(n);
        }
        let text: String = self.digits.iter().map(|d| char::from(b'0' + d)).collect();
        let mantissa: f64 = format!("0.{text}").parse().unwrap_or(0.0);
        let v = mantissa * 10f64.powi((self.point + i64::from(scale)).clamp(-400, 400) as i32);
        SqlValue::Real(if self.negative { -v } else { v })
    }
}

/// A stored `numeric(p,s)` (units of 10^-s) as Postgres prints it: `87.50`.
pub(crate) fn numeric_text(units: i64, scale: u32) -> String {
    if scale == 0 {
        return units.to_string();
    }
    let unit = 10u64.pow(scale);
    let abs = units.unsigned_abs();
    let sign = if units < 0 { "-" } else { "" };
    format!(
        "{sign}{}.{:0width$}",
        abs / unit,
        abs % unit,
        width = scale as usize
    )
}

// jsonb --------------------------------------------------------------------------------------

/// jsonb's canonical text, as Postgres prints it: keys sorted by length then bytes, the last
/// of duplicate keys kept, `", "` and `": "` as separators.
pub(crate) fn jsonb_text(v: &Value) -> String {
    let mut out = String::new();
    write_jsonb(&mut out, v);
    out
}

fn write_jsonb(out: &mut String, v: &Value) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&plain_number(&n.to_string())),
        Value::String(s) => out.push_str(&serde_json::to_string(s).unwrap_or_default()),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_jsonb(out, item);
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort_by(|a, b| a.len().cmp(&b.len()).then_with(|| a.cmp(b)));
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str(&serde_json::to_string(k).unwrap_or_default());
                out.push_str(": ");
                write_jsonb(out, &map[k]);
            }
            out.push('}');
        }
    }
}

/// A JSON number without an exponent (jsonb keeps numbers as `numeric`): `1e20` is
/// `100000000000000000000`.
fn plain_number(text: &str) -> String {
    if !text.contains(['e', 'E']) {
        return text.to_string();
    }
    match parse_numeric(text) {
        Some(Numeric::Finite(d)) => {
            let digits: String = d.digits.iter().map(|x| char::from(b'0' + x)).collect();
            let sign = if d.negative { "-" } else { "" };
            if digits.is_empty() {
                "0".to_string()
            } else if d.point <= 0 {
                format!(
                    "{sign}0.{}{digits}",
                    "0".repeat(d.point.unsigned_abs() as usize)
                )
            } else if d.point as usize >= digits.len() {
                format!(
                    "{sign}{digits}{}",
                    "0".repeat(d.point as usize - digits.len())
                )
            } else {
                let (a, b) = digits.split_at(d.point as usize);
                format!("{sign}{a}.{b}")
            }
        }
        _ => text.to_string(),
    }
}

// Out ------------------------------------------------------------------------------------------

/// `timestamptz` as Postgres' JSON prints it (`infinity` included).
fn json_timestamp(micros: i64) -> String {
    match micros {
        i64::MAX => "infinity".into(),
        i64::MIN => "-infinity".into(),
        t => timefmt::format_pg(t),
    }
}

/// `timestamptz::text` in a UTC session: `2024-01-15 10:32:20.12+00`.
pub(crate) fn pg_text_timestamp(micros: i64) -> String {
    match micros {
        i64::MAX => "infinity".into(),
        i64::MIN => "-infinity".into(),
        t => {
            let iso = timefmt::format_pg(t);
            iso.replacen('T', " ", 1)
                .trim_end_matches(":00")
                .to_string()
        }
    }
}

/// A stored value as Postgres' text output (error details): NULL is `null`.
pub(crate) fn pg_text(col: &Column, v: &SqlValue) -> String {
    match (v, col.ty) {
        (SqlValue::Null, _) => "null".into(),
        (SqlValue::Integer(b), PgType::Bool) => (if *b != 0 { "t" } else { "f" }).into(),
        (SqlValue::Integer(t), PgType::Timestamptz) => pg_text_timestamp(*t),
        (SqlValue::Integer(n), PgType::Numeric { scale, .. }) => numeric_text(*n, scale),
        (SqlValue::Integer(n), _) => n.to_string(),
        (SqlValue::Text(s), _) => s.clone(),
        (SqlValue::Real(f), _) => f.to_string(),
        (SqlValue::Blob(_), _) => String::new(),
    }
}

/// A stored value as it appears in PostgREST's JSON (`as_text`: cast to `text` first).
pub(crate) fn json(col: &Column, v: SqlValue, as_text: bool) -> String {
    let string = |s: &str| serde_json::to_string(s).unwrap_or_default();
    match (v, col.ty) {
        (SqlValue::Null, _) => "null".into(),
        (SqlValue::Integer(b), PgType::Bool) => {
            let s = if b != 0 { "true" } else { "false" };
            if as_text {
                format!("\"{s}\"")
            } else {
                s.into()
            }
        }
        (SqlValue::Integer(t), PgType::Timestamptz) => {
            if as_text {
                string(&pg_text_timestamp(t))
            } else {
                string(&json_timestamp(t))
            }
        }
        (SqlValue::Integer(n), PgType::Numeric { scale, .. }) => {
            let s = numeric_text(n, scale);
            if as_text { string(&s) } else { s }
        }
        (SqlValue::Integer(n), _) => {
            if as_text {
                format!("\"{n}\"")
            } else {
                n.to_string()
            }
        }
        (SqlValue::Text(s), PgType::Jsonb) => {
            if as_text {
                string(&s)
            } else {
                s
            }
        }
        (SqlValue::Text(s), _) => string(&s),
        (SqlValue::Real(f), _) => f.to_string(),
        (SqlValue::Blob(_), _) => "null".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rest::schema::{CALLS, col};

    fn column(name: &str) -> &'static Column {
        CALLS.iter().find(|c| c.name == name).unwrap()
    }

    #[test]
    fn bools_like_postgres() {
        for t in ["true", "TRUE", "t", "yes", "on", "1", "tr", "y"] {
            assert_eq!(parse_bool(t), Some(true), "{t}");
        }
        for f in ["false", "f", "no", "off", "0", "fa"] {
            assert_eq!(parse_bool(f), Some(false), "{f}");
        }
        for bad in ["", "o", "maybe", "2"] {
            assert_eq!(parse_bool(bad), None, "{bad}");
        }
    }

    #[test]
    fn converts() {
        assert!(
            convert(column("id"), "nope")
                .unwrap_err()
                .message
                .contains("invalid input syntax for type uuid")
        );
        assert_eq!(
            convert(column("duration_seconds"), "99999999999")
                .unwrap_err()
                .code,
            "22003"
        );
        assert_eq!(
            convert(column("created_at"), "garbage").unwrap_err().code,
            "22007"
        );
        let big = col("n", PgType::BigInt, false);
        assert_eq!(
            convert(&big, "99999999999"),
            Ok(SqlValue::Integer(99_999_999_999))
        );
        assert_eq!(
            convert(&big, "99999999999999999999").unwrap_err().code,
            "22003"
        );
        assert_eq!(
            convert(&big, "1.5").unwrap_err().message,
            "invalid input syntax for type bigint: \"1.5\""
        );
    }

    #[test]
    fn numerics_round_and_overflow_like_numeric_5_2() {
        let score = col(
            "score",
            PgType::Numeric {
                precision: 5,
                scale: 2,
            },
            true,
        );
        let stored = |v: &str| store(&score, v);
        assert_eq!(stored("87.5"), Ok(SqlValue::Integer(8750)));
        assert_eq!(stored(" 87.005 "), Ok(SqlValue::Integer(8701)));
        assert_eq!(stored("-0.004"), Ok(SqlValue::Integer(0)));
        assert_eq!(stored("1e2"), Ok(SqlValue::Integer(10_000)));
        assert_eq!(stored("999.994"), Ok(SqlValue::Integer(99_999)));
        let e = stored("999.995").unwrap_err();
        assert_eq!(
            (e.code, e.message.as_str()),
            ("22003", "numeric field overflow")
        );
        assert_eq!(
            e.details.as_deref(),
            Some(
                "A field with precision 5, scale 2 must round to an absolute value less than 10^3."
            )
        );
        assert_eq!(stored("abc").unwrap_err().code, "22P02");
        assert_eq!(stored("1.2.3").unwrap_err().code, "22P02");
        assert_eq!(stored("NaN"), Ok(SqlValue::Text("NaN".into())));
        assert_eq!(numeric_text(8750, 2), "87.50");
        assert_eq!(numeric_text(-5, 2), "-0.05");
        assert_eq!(numeric_text(10_000, 2), "100.00");
        // Filters compare exactly.
        assert_eq!(convert(&score, "50"), Ok(SqlValue::Integer(5000)));
        assert_eq!(convert(&score, "50.005"), Ok(SqlValue::Real(5000.5)));
    }

    #[test]
    fn jsonb_prints_canonically() {
        let v: Value =
            serde_json::from_str(r#"{"weight":1,"id":"greeting","label":"Hi","a":[1,2.5,{}]}"#)
                .unwrap();
        assert_eq!(
            jsonb_text(&v),
            r#"{"a": [1, 2.5, {}], "id": "greeting", "label": "Hi", "weight": 1}"#
        );
        assert_eq!(plain_number("1e20"), "100000000000000000000");
        assert_eq!(plain_number("1.5e-3"), "0.0015");
        let checks = col("checks", PgType::Jsonb, false);
        assert_eq!(
            from_json(&checks, &serde_json::json!("x\u{0}"))
                .unwrap_err()
                .code,
            "22P05"
        );
        assert_eq!(from_json(&checks, &Value::Null), Ok(SqlValue::Null));
    }

    #[test]
    fn json_bodies_read_like_json_to_record() {
        let at = col("at_ms", PgType::BigInt, false);
        assert_eq!(
            from_json(&at, &serde_json::json!(1500)),
            Ok(SqlValue::Integer(1500))
        );
        assert_eq!(
            from_json(&at, &serde_json::json!("1500")),
            Ok(SqlValue::Integer(1500))
        );
        assert_eq!(
            from_json(&at, &serde_json::json!(1.5)).unwrap_err().code,
            "22P02"
        );
        let body = col("body", PgType::Text, false);
        assert_eq!(
            from_json(&body, &serde_json::json!(12)),
            Ok(SqlValue::Text("12".into()))
        );
        assert_eq!(
            from_json(&body, &serde_json::json!("a\u{0}"))
                .unwrap_err()
                .code,
            "22P05"
        );
    }

    #[test]
    fn text_timestamps() {
        assert_eq!(pg_text_timestamp(1_500_000), "1970-01-01 00:00:01.5+00");
        assert_eq!(pg_text_timestamp(i64::MAX), "infinity");
    }
}
