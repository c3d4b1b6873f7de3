//! Timestamps. The database keeps every instant as microseconds since the Unix epoch (UTC), so
//! comparisons and ordering are integer operations; each service renders them the way the real
//! one does (Postgres JSON, Go's RFC 3339, HTTP dates, GCS's compact form).

use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};

pub(crate) const MICROS_PER_SEC: i64 = 1_000_000;

/// Microseconds since the epoch, now.
pub(crate) fn now_micros() -> i64 {
    let nanos = OffsetDateTime::now_utc().unix_timestamp_nanos();
    i64::try_from(nanos / 1000).unwrap_or(i64::MAX)
}

/// Seconds since the epoch, now.
pub(crate) fn now_secs() -> i64 {
    OffsetDateTime::now_utc().unix_timestamp()
}

fn to_datetime(micros: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(micros) * 1000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

fn fraction(micros: i64) -> String {
    let frac = micros.rem_euclid(MICROS_PER_SEC);
    if frac == 0 {
        return String::new();
    }
    let digits = format!("{frac:06}");
    format!(".{}", digits.trim_end_matches('0'))
}

fn base(dt: OffsetDateTime) -> String {
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
        dt.year(),
        u8::from(dt.month()),
        dt.day(),
        dt.hour(),
        dt.minute(),
        dt.second()
    )
}

/// Postgres' JSON rendering of a `timestamptz` in a UTC session:
/// `2024-01-15T10:32:20.12+00:00` (fraction without trailing zeros, none when zero).
pub(crate) fn format_pg(micros: i64) -> String {
    format!("{}{}+00:00", base(to_datetime(micros)), fraction(micros))
}

/// Go's `time.Time` JSON (RFC 3339 with nanoseconds trimmed), as GoTrue returns it.
pub(crate) fn format_go(micros: i64) -> String {
    format!("{}{}Z", base(to_datetime(micros)), fraction(micros))
}

/// Whole-second ISO 8601 in UTC, `2024-01-15T10:32:20Z`.
pub(crate) fn format_iso_seconds(micros: i64) -> String {
    format!("{}Z", base(to_datetime(micros)))
}

/// An HTTP date (`Last-Modified`), e.g. `Sun, 06 Nov 1994 08:49:37 GMT`.
pub(crate) fn format_http(micros: i64) -> String {
    let secs = u64::try_from(micros.div_euclid(MICROS_PER_SEC)).unwrap_or(0);
    httpdate::fmt_http_date(std::time::UNIX_EPOCH + std::time::Duration::from_secs(secs))
}

/// Parses an HTTP date back to whole seconds since the epoch.
pub(crate) fn parse_http(value: &str) -> Option<i64> {
    let t = httpdate::parse_http_date(value).ok()?;
    let d = t.duration_since(std::time::UNIX_EPOCH).ok()?;
    i64::try_from(d.as_secs()).ok()
}

/// GCS V4 signing's compact UTC form, `20261121T120000Z`.
pub(crate) fn format_goog(secs: i64) -> String {
    let dt = to_datetime(secs.saturating_mul(MICROS_PER_SEC));
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        dt.year(),
        u8::from(dt.month()),
        dt.day(),
        dt.hour(),
        dt.minute(),
        dt.second()
    )
}

/// Parses `20261121T120000Z` to seconds since the epoch.
pub(crate) fn parse_goog(value: &str) -> Option<i64> {
    let b = value.as_bytes();
    if b.len() != 16 || b[8] != b'T' || b[15] != b'Z' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> { value.get(r)?.parse().ok() };
    let date = Date::from_calendar_date(
        i32::try_from(num(0..4)?).ok()?,
        Month::try_from(u8::try_from(num(4..6)?).ok()?).ok()?,
        u8::try_from(num(6..8)?).ok()?,
    )
    .ok()?;
    let time = Time::from_hms(
        u8::try_from(num(9..11)?).ok()?,
        u8::try_from(num(11..13)?).ok()?,
        u8::try_from(num(13..15)?).ok()?,
    )
    .ok()?;
    Some(
        PrimitiveDateTime::new(date, time)
            .assume_utc()
            .unix_timestamp(),
    )
}

/// The UTC midnight that starts the day holding `micros`.
pub(crate) fn start_of_day(micros: i64) -> i64 {
    let day = 86_400 * MICROS_PER_SEC;
    micros.div_euclid(day) * day
}

/// Parses the `timestamptz` input forms a client realistically sends (what Postgres accepts of
/// ISO 8601): `2024-01-15`, `2024-01-15T10:32`, `2024-01-15 10:32:20.5`, with an optional `Z`,
/// `UTC` or numeric offset (`+02`, `+0200`, `-05:30`). No offset means UTC, Supabase's session
/// time zone. Returns microseconds since the epoch.
pub(crate) fn parse_timestamptz(input: &str) -> Option<i64> {
    let s = input.trim();
    let mut p = Cursor {
        s: s.as_bytes(),
        i: 0,
    };
    let year = p.digits(4, 4)?;
    p.expect(b'-')?;
    let month = p.digits(1, 2)?;
    p.expect(b'-')?;
    let day = p.digits(1, 2)?;
    let date = Date::from_calendar_date(
        i32::try_from(year).ok()?,
        Month::try_from(u8::try_from(month).ok()?).ok()?,
        u8::try_from(day).ok()?,
    )
    .ok()?;
    let (mut hour, mut minute, mut second, mut micros) = (0u32, 0u32, 0u32, 0u32);
    if matches!(p.peek(), Some(b'T' | b't' | b' '))
        && p.peek_at(1).is_some_and(|c| c.is_ascii_digit())
    {
        p.i += 1;
        hour = p.digits(1, 2)?;
        p.expect(b':')?;
        minute = p.digits(2, 2)?;
        if p.peek() == Some(b':') {
            p.i += 1;
            second = p.digits(2, 2)?;
            if p.peek() == Some(b'.') {
                p.i += 1;
                let start = p.i;
                while p.peek().is_some_and(|c| c.is_ascii_digit()) {
                    p.i += 1;
                }
                let frac = std::str::from_utf8(p.s.get(start..p.i)?).ok()?;
                if frac.is_empty() {
                    return None;
                }
                // Postgres rounds to microseconds; truncating is close enough for filters.
                let padded = format!("{:0<6}", &frac[..frac.len().min(6)]);
                micros = padded.parse().ok()?;
            }
        }
    }
    let time = Time::from_hms_micro(
        u8::try_from(hour).ok()?,
        u8::try_from(minute).ok()?,
        u8::try_from(second).ok()?,
        micros,
    )
    .ok()?;
    while p.peek() == Some(b' ') {
        p.i += 1;
    }
    let offset_secs: i32 = match p.peek() {
        None => 0,
        Some(b'Z' | b'z') => {
            p.i += 1;
            0
        }
        Some(b'U') if p.rest().eq_ignore_ascii_case(b"UTC") => {
            p.i += 3;
            0
        }
        Some(sign @ (b'+' | b'-')) => {
            p.i += 1;
            let oh = p.digits(2, 2)?;
            let mut om = 0;
            if p.peek() == Some(b':') {
                p.i += 1;
                om = p.digits(2, 2)?;
            } else if p.peek().is_some_and(|c| c.is_ascii_digit()) {
                om = p.digits(2, 2)?;
            }
            if oh > 15 || om > 59 {
                return None;
            }
            let secs = i32::try_from(oh * 3600 + om * 60).ok()?;
            if sign == b'-' { -secs } else { secs }
        }
        Some(_) => return None,
    };
    if p.peek().is_some() {
        return None;
    }
    let offset = UtcOffset::from_whole_seconds(offset_secs).ok()?;
    let dt = PrimitiveDateTime::new(date, time).assume_offset(offset);
    i64::try_from(dt.unix_timestamp_nanos() / 1000).ok()
}

struct Cursor<'a> {
    s: &'a [u8],
    i: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }
    fn peek_at(&self, ahead: usize) -> Option<u8> {
        self.s.get(self.i + ahead).copied()
    }
    fn rest(&self) -> &[u8] {
        self.s.get(self.i..).unwrap_or_default()
    }
    fn expect(&mut self, c: u8) -> Option<()> {
        (self.peek() == Some(c)).then(|| self.i += 1)
    }
    fn digits(&mut self, min: usize, max: usize) -> Option<u32> {
        let start = self.i;
        while self.i - start < max && self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.i += 1;
        }
        if self.i - start < min {
            return None;
        }
        std::str::from_utf8(self.s.get(start..self.i)?)
            .ok()?
            .parse()
            .ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pg_format_trims_fraction() {
        assert_eq!(format_pg(0), "1970-01-01T00:00:00+00:00");
        assert_eq!(format_pg(1_500_000), "1970-01-01T00:00:01.5+00:00");
        assert_eq!(format_go(123), "1970-01-01T00:00:00.000123Z");
    }

    #[test]
    fn parses_common_forms() {
        let base = parse_timestamptz("2024-01-15T10:32:20Z").unwrap();
        assert_eq!(parse_timestamptz("2024-01-15 10:32:20"), Some(base));
        assert_eq!(parse_timestamptz("2024-01-15T12:32:20+02:00"), Some(base));
        assert_eq!(parse_timestamptz("2024-01-15T12:32:20+0200"), Some(base));
        assert_eq!(
            parse_timestamptz("2024-01-15T10:32:20.250Z"),
            Some(base + 250_000)
        );
        assert_eq!(
            parse_timestamptz("2024-01-15"),
            Some(base - (10 * 3600 + 32 * 60 + 20) * MICROS_PER_SEC)
        );
        assert_eq!(parse_timestamptz("2024-13-01"), None);
        assert_eq!(parse_timestamptz("yesterday-ish"), None);
        assert_eq!(format_pg(base), "2024-01-15T10:32:20+00:00");
    }

    #[test]
    fn goog_round_trip() {
        let s = format_goog(1_700_000_000);
        assert_eq!(s, "20231114T221320Z");
        assert_eq!(parse_goog(&s), Some(1_700_000_000));
    }
}
