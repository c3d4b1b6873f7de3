//! `callrec://call/<id>[?t=SECONDS]` links: read from untrusted input (a command-line
//! argument, an OS event) into a call id and a moment, and made for "Copy link to this
//! moment". Only a well-formed call id ever comes out, never the raw URL.

use serde::Serialize;
use ts_rs::TS;

use crate::{ErrorCode, ErrorKind};

/// The URL scheme registered for Callrec links (also in tauri.conf.json, `plugins.deep-link`).
pub const LINK_SCHEME: &str = "callrec";

/// Links longer than this are refused before parsing: a real one is under 60 characters.
const MAX_LINK_LEN: usize = 512;

/// The payload of [`OPEN_CALL_EVENT`].
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct OpenCall {
    /// A call id (UUID, lowercase hyphenated) as the calls table stores it.
    pub call_id: String,
    /// A moment in the call (seconds on its timeline), from `?t=83.5`.
    pub at: Option<f64>,
}

/// The latest moment a link may name: the longest recording Callrec plays.
const MAX_MOMENT_SECS: f64 = crate::player::MAX_SEGMENT_SECS;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum LinkError {
    #[error("the link is empty")]
    Empty,
    #[error("the link is {0} characters long; a Callrec link is at most {MAX_LINK_LEN}")]
    TooLong(usize),
    #[error("the link is not a valid URL")]
    NotAUrl,
    #[error("the link is not a callrec:// link")]
    WrongScheme,
    #[error("callrec://{0} is not a link Callrec knows; expected callrec://call/<id>")]
    UnknownTarget(String),
    #[error(
        "a call link is callrec://call/<id>[?t=SECONDS], without user, port, other query or fragment"
    )]
    Malformed,
    #[error("the moment in the link is not a number of seconds within a call")]
    BadMoment,
    #[error("the call id in the link is not a UUID")]
    BadCallId,
}

impl ErrorCode for LinkError {
    fn code(&self) -> &'static str {
        match self {
            Self::Empty => "link_empty",
            Self::TooLong(_) => "link_too_long",
            Self::NotAUrl => "link_not_a_url",
            Self::WrongScheme => "link_wrong_scheme",
            Self::UnknownTarget(_) => "link_unknown_target",
            Self::Malformed => "link_malformed",
            Self::BadCallId => "link_bad_call_id",
            Self::BadMoment => "link_bad_moment",
        }
    }

    fn kind(&self) -> ErrorKind {
        ErrorKind::Usage
    }
}

/// Reads the call id out of `callrec://call/<uuid>` (one trailing slash tolerated). The id is
/// returned normalised (lowercase, hyphenated) so the UI can compare it with the table's ids.
pub fn parse_call_link(link: &str) -> Result<OpenCall, LinkError> {
    let link = link.trim();
    if link.is_empty() {
        return Err(LinkError::Empty);
    }
    if link.len() > MAX_LINK_LEN {
        return Err(LinkError::TooLong(link.len()));
    }
    let url = url::Url::parse(link).map_err(|_| LinkError::NotAUrl)?;
    if url.scheme() != LINK_SCHEME {
        return Err(LinkError::WrongScheme);
    }
    match url.host_str() {
        // The URL parser keeps a custom scheme's host as written; hosts are case-insensitive.
        Some(host) if host.eq_ignore_ascii_case("call") => {}
        other => {
            // Only a short, printable name goes into the message: the link itself is hostile.
            let shown: String = other.unwrap_or("").chars().take(40).collect();
            return Err(LinkError::UnknownTarget(shown));
        }
    }
    if !url.username().is_empty()
        || url.password().is_some()
        || url.port().is_some()
        || url.fragment().is_some()
    {
        return Err(LinkError::Malformed);
    }
    let at = match url.query() {
        None => None,
        Some(query) => Some(parse_moment(query)?),
    };
    // The URL parser has already resolved dot segments, so `call/../../x` arrives as `/x`.
    let id = url.path().strip_prefix('/').unwrap_or_default();
    let id = id.strip_suffix('/').unwrap_or(id);
    if id.is_empty() || id.contains('/') {
        return Err(LinkError::Malformed);
    }
    // Only the canonical 36-character form: `Uuid::try_parse` also takes braces, `urn:uuid:`
    // and the unhyphenated form, which no Callrec link uses.
    if id.len() != 36 {
        return Err(LinkError::BadCallId);
    }
    let id = uuid::Uuid::try_parse(id).map_err(|_| LinkError::BadCallId)?;
    Ok(OpenCall {
        call_id: id.hyphenated().to_string(),
        at,
    })
}

/// `t=83.5`, and nothing else: seconds from 0 to the longest call, to the millisecond.
fn parse_moment(query: &str) -> Result<f64, LinkError> {
    let value = query.strip_prefix("t=").ok_or(LinkError::Malformed)?;
    if value.is_empty()
        || value.len() > 12
        || !value.bytes().all(|b| b.is_ascii_digit() || b == b'.')
    {
        return Err(LinkError::BadMoment);
    }
    let seconds: f64 = value.parse().map_err(|_| LinkError::BadMoment)?;
    if !(0.0..=MAX_MOMENT_SECS).contains(&seconds) {
        return Err(LinkError::BadMoment);
    }
    Ok((seconds * 1000.0).round() / 1000.0)
}

/// The link to `at` seconds into `call_id` (a validated UUID), as `parse_call_link` reads it.
pub fn moment_link(call_id: &str, at: f64) -> Result<String, LinkError> {
    let id = uuid::Uuid::try_parse(call_id).map_err(|_| LinkError::BadCallId)?;
    if !at.is_finite() || !(0.0..=MAX_MOMENT_SECS).contains(&at) {
        return Err(LinkError::BadMoment);
    }
    // Tenths of a second: what a reviewer can point at, and a short link.
    let tenths = (at * 10.0).round() / 10.0;
    Ok(format!(
        "{LINK_SCHEME}://call/{}?t={tenths}",
        id.hyphenated()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "0b6f2c1e-8d3a-4f5b-9c7d-1e2f3a4b5c6d";

    fn call_id(link: &str) -> Result<String, LinkError> {
        parse_call_link(link).map(|call| call.call_id)
    }

    #[test]
    fn reads_the_call_id_of_a_call_link() {
        assert_eq!(call_id(&format!("callrec://call/{ID}")), Ok(ID.to_owned()));
        assert_eq!(call_id(&format!("callrec://call/{ID}/")), Ok(ID.to_owned()));
        // Browsers and shells may pass an uppercase id or surrounding whitespace.
        let upper = format!(" callrec://call/{} ", ID.to_uppercase());
        assert_eq!(call_id(&upper), Ok(ID.to_owned()));
        // Scheme and host are case-insensitive in URLs.
        assert_eq!(call_id(&format!("CALLREC://CALL/{ID}")), Ok(ID.to_owned()));
    }

    #[test]
    fn refuses_path_traversal_and_extra_segments() {
        assert_eq!(call_id("callrec://call/../../x"), Err(LinkError::BadCallId));
        assert_eq!(
            call_id(&format!("callrec://call/../{ID}")),
            Ok(ID.to_owned()),
            "dot segments resolve inside the link, never outside it"
        );
        // Encoded dots are dot segments too (WHATWG URL), resolved the same way.
        assert_eq!(
            call_id("callrec://call/%2e%2e/%2E%2E/x"),
            Err(LinkError::BadCallId)
        );
        assert_eq!(
            call_id(&format!("callrec://call/{ID}/x")),
            Err(LinkError::Malformed)
        );
        assert_eq!(
            call_id(&format!("callrec://call//{ID}")),
            Err(LinkError::Malformed)
        );
        assert_eq!(call_id("callrec://call/"), Err(LinkError::Malformed));
        assert_eq!(call_id("callrec://call"), Err(LinkError::Malformed));
    }

    #[test]
    fn refuses_other_schemes_and_hosts() {
        assert_eq!(
            call_id(&format!("https://call/{ID}")),
            Err(LinkError::WrongScheme)
        );
        assert_eq!(
            call_id(&format!("file:///call/{ID}")),
            Err(LinkError::WrongScheme)
        );
        assert_eq!(
            call_id(&format!("callrecx://call/{ID}")),
            Err(LinkError::WrongScheme)
        );
        assert_eq!(
            call_id(&format!("callrec://settings/{ID}")),
            Err(LinkError::UnknownTarget("settings".into()))
        );
        assert_eq!(
            call_id(&format!("callrec:///call/{ID}")),
            Err(LinkError::UnknownTarget(String::new()))
        );
        assert_eq!(
            call_id(&format!("callrec:call/{ID}")),
            Err(LinkError::UnknownTarget(String::new()))
        );
    }

    #[test]
    fn refuses_user_port_query_and_fragment() {
        for link in [
            format!("callrec://user@call/{ID}"),
            format!("callrec://user:pw@call/{ID}"),
            format!("callrec://call:80/{ID}"),
            format!("callrec://call/{ID}?play=1"),
            format!("callrec://call/{ID}#t=10"),
        ] {
            assert_eq!(call_id(&link), Err(LinkError::Malformed), "{link}");
        }
    }

    #[test]
    fn refuses_ids_that_are_not_canonical_uuids() {
        for id in [
            "42",
            "x",
            "0b6f2c1e8d3a4f5b9c7d1e2f3a4b5c6d",
            "{0b6f2c1e-8d3a-4f5b-9c7d-1e2f3a4b5c6d}",
            "0b6f2c1e-8d3a-4f5b-9c7d-1e2f3a4b5c6g",
            "0b6f2c1e-8d3a-4f5b-9c7d-1e2f3a4b5c6d%00",
            "%3Cscript%3E",
            "' OR 1=1 --",
        ] {
            let link = format!("callrec://call/{id}");
            assert!(
                matches!(
                    call_id(&link),
                    Err(LinkError::BadCallId | LinkError::NotAUrl)
                ),
                "{link} gave {:?}",
                call_id(&link)
            );
        }
    }

    #[test]
    fn refuses_empty_garbage_and_huge_links() {
        assert_eq!(call_id(""), Err(LinkError::Empty));
        assert_eq!(call_id("   "), Err(LinkError::Empty));
        assert_eq!(call_id("not a url"), Err(LinkError::NotAUrl));
        assert_eq!(call_id("--help"), Err(LinkError::NotAUrl));
        let huge = format!("callrec://call/{ID}/{}", "a".repeat(10 * 1024));
        assert_eq!(call_id(&huge), Err(LinkError::TooLong(huge.len())));
        let huge_host = format!("callrec://{}/{ID}", "h".repeat(400));
        let error = call_id(&huge_host).unwrap_err();
        assert!(
            error.to_string().len() < 120,
            "the message stays short: {error}"
        );
    }

    #[test]
    fn errors_have_stable_codes() {
        assert_eq!(LinkError::BadCallId.code(), "link_bad_call_id");
        assert_eq!(LinkError::WrongScheme.kind(), ErrorKind::Usage);
    }

    #[test]
    fn the_event_payload_is_camel_case() {
        let payload = serde_json::to_value(OpenCall {
            call_id: ID.to_owned(),
            at: Some(83.5),
        })
        .unwrap();
        assert_eq!(payload, serde_json::json!({ "callId": ID, "at": 83.5 }));
    }

    #[test]
    fn a_link_to_a_moment_opens_the_call_there_and_round_trips() {
        let opened = parse_call_link(&format!("callrec://call/{ID}?t=83.5")).unwrap();
        assert_eq!(opened.at, Some(83.5));
        assert_eq!(
            parse_call_link(&format!("callrec://call/{ID}")).unwrap().at,
            None
        );
        let link = moment_link(ID, 83.46).unwrap();
        assert_eq!(link, format!("callrec://call/{ID}?t=83.5"));
        assert_eq!(parse_call_link(&link).unwrap().at, Some(83.5));
        assert_eq!(
            moment_link(ID, 0.0).unwrap(),
            format!("callrec://call/{ID}?t=0")
        );
        for bad in [
            "t=",
            "t=-1",
            "t=1e9",
            "t=NaN",
            "t=inf",
            "t=99999999",
            "t=1.2.3",
            "t=0x10",
        ] {
            assert_eq!(
                parse_call_link(&format!("callrec://call/{ID}?{bad}")),
                Err(LinkError::BadMoment),
                "{bad}"
            );
        }
        assert_eq!(
            parse_call_link(&format!("callrec://call/{ID}?t=1&t=2")),
            Err(LinkError::BadMoment)
        );
        assert_eq!(moment_link("not-a-uuid", 1.0), Err(LinkError::BadCallId));
        assert_eq!(moment_link(ID, f64::NAN), Err(LinkError::BadMoment));
        assert_eq!(moment_link(ID, -1.0), Err(LinkError::BadMoment));
    }
}
