//! Both endpoints' segments → one timeline.
//!
//! B's `recordings[]` in the order B gives; A's Ultravox URL added as a `main` segment unless B
//! already holds that recording. "Already holds" means either
//! * a B segment at the same object (scheme, host, port and path equal; the query is only the
//!   signature, which differs on every signing), or
//! * a B `main` segment whose source is `ultravox`: B's copy of the very recording A fetches
//!   from Ultravox, under another (synced, longer-lived) URL.
//!
//! A B `main` from another source (signalwire, livekit) is a different recording of the call
//! (the carrier's, not the AI's), so A's is kept beside it. Then `main` segments first, then by
//! `created_at`; a stable sort keeps B's order among equals, and segments without a readable
//! time after those with one.

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use url::Url;

use super::RawSegment;

fn same_object(a: &Url, b: &Url) -> bool {
    a.scheme() == b.scheme()
        && a.host_str().map(str::to_ascii_lowercase) == b.host_str().map(str::to_ascii_lowercase)
        && a.port_or_known_default() == b.port_or_known_default()
        && a.path() == b.path()
}

fn is_main(segment: &RawSegment) -> bool {
    segment.label.eq_ignore_ascii_case("main")
}

/// True when B's list already has the recording `a` points at.
pub fn b_holds(b: &[RawSegment], a: &RawSegment) -> bool {
    b.iter().any(|segment| {
        same_object(&segment.url, &a.url)
            || (is_main(segment)
                && segment
                    .source
                    .as_deref()
                    .is_some_and(|s| s.eq_ignore_ascii_case("ultravox")))
    })
}

/// The merged timeline (see the module doc).
pub fn merge(a: Vec<RawSegment>, b: Vec<RawSegment>) -> Vec<RawSegment> {
    let mut merged = b;
    for segment in a {
        if !b_holds(&merged, &segment) {
            merged.push(segment);
        }
    }
    merged.sort_by_key(|segment| {
        let time = segment
            .created_at
            .as_deref()
            .and_then(|t| OffsetDateTime::parse(t.trim(), &Rfc3339).ok());
        (!is_main(segment), time.is_none(), time)
    });
    merged
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::recordings::Endpoint;

    fn seg(
        endpoint: Endpoint,
        label: &str,
        url: &str,
        source: &str,
        at: Option<&str>,
    ) -> RawSegment {
        RawSegment {
            id: format!("{label}@{url}"),
            label: label.into(),
            url: Url::parse(url).unwrap(),
            duration_seconds: None,
            source: Some(source.into()),
            status: None,
            created_at: at.map(Into::into),
            endpoint,
        }
    }

    fn a(url: &str) -> RawSegment {
        seg(Endpoint::CallRecording, "main", url, "ultravox", None)
    }

    fn b(label: &str, url: &str, source: &str, at: Option<&str>) -> RawSegment {
        seg(Endpoint::SignedRecordingUrl, label, url, source, at)
    }

    fn labels(segments: &[RawSegment]) -> Vec<String> {
        segments
            .iter()
            .map(|s| format!("{}:{}", s.label, s.source.as_deref().unwrap_or("")))
            .collect()
    }

    #[test]
    fn a_joins_as_ultravox_main_beside_a_carrier_main() {
        let merged = merge(
            vec![a("https://gcs.test/uv/1.wav?X-Goog-Signature=1")],
            vec![
                b(
                    "main",
                    "https://s.test/m.wav?token=1",
                    "signalwire",
                    Some("2024-01-15T10:32:20Z"),
                ),
                b(
                    "transfer_conference",
                    "https://s.test/t.wav",
                    "livekit",
                    Some("2024-01-15T10:35:00Z"),
                ),
            ],
        );
        assert_eq!(
            labels(&merged),
            [
                "main:signalwire",
                "main:ultravox",
                "transfer_conference:livekit"
            ]
        );
    }

    #[test]
    fn the_same_object_under_another_signature_is_one_segment() {
        let merged = merge(
            vec![a("https://S.test:443/rec/1.wav?sig=new")],
            vec![b(
                "main",
                "https://s.test/rec/1.wav?sig=old",
                "unknown",
                None,
            )],
        );
        assert_eq!(merged.len(), 1);
        assert_eq!(merged[0].endpoint, Endpoint::SignedRecordingUrl);
        // A different path is a different recording.
        let merged = merge(
            vec![a("https://s.test/rec/2.wav?sig=new")],
            vec![b(
                "main",
                "https://s.test/rec/1.wav?sig=old",
                "unknown",
                None,
            )],
        );
        assert_eq!(merged.len(), 2);
    }

    #[test]
    fn b_main_from_ultravox_replaces_a() {
        let merged = merge(
            vec![a("https://gcs.test/uv/1.wav")],
            vec![b("main", "https://s.test/synced/1.wav", "Ultravox", None)],
        );
        assert_eq!(labels(&merged), ["main:Ultravox"]);
        // ...but an ultravox-sourced transfer segment is not A's main recording.
        let merged = merge(
            vec![a("https://gcs.test/uv/1.wav")],
            vec![b(
                "transfer_conference",
                "https://s.test/t.wav",
                "ultravox",
                None,
            )],
        );
        assert_eq!(
            labels(&merged),
            ["main:ultravox", "transfer_conference:ultravox"]
        );
    }

    #[test]
    fn main_first_then_by_time_keeping_b_order_among_equals() {
        let merged = merge(
            vec![],
            vec![
                b(
                    "reconnect_to_agent",
                    "https://s.test/3",
                    "x",
                    Some("2024-01-15T10:40:00Z"),
                ),
                b(
                    "transfer_conference",
                    "https://s.test/2",
                    "x",
                    Some("2024-01-15T10:35:00+00:00"),
                ),
                b("zeta", "https://s.test/5", "x", None),
                b("alpha", "https://s.test/6", "x", None),
                b(
                    "main",
                    "https://s.test/1",
                    "x",
                    Some("2024-01-15T10:32:20Z"),
                ),
                b("odd", "https://s.test/4", "x", Some("not a time")),
            ],
        );
        assert_eq!(
            labels(&merged),
            [
                "main:x",
                "transfer_conference:x",
                "reconnect_to_agent:x",
                "zeta:x",
                "alpha:x",
                "odd:x"
            ]
        );
    }

    #[test]
    fn either_side_alone() {
        assert_eq!(merge(vec![a("https://g.test/1")], vec![]).len(), 1);
        assert_eq!(
            merge(vec![], vec![b("main", "https://s.test/1", "x", None)]).len(),
            1
        );
        assert!(merge(vec![], vec![]).is_empty());
    }
}
