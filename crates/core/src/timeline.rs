//! A call on one clock: its recordings grouped into legs, each leg's copies ranked.
//!
//! Both endpoints may list the same conversation (A's Ultravox copy and B's synced copy of
//! `main`, under different URLs), and B may list a leg twice. Playing every recording in turn
//! plays the call twice, so [`plan`] groups recordings into **legs**:
//!
//! * two recordings are **alternates** of one leg when they carry the same label (A's recording
//!   counts as `main`) and their times overlap on the call's clock, or no timestamps tell them
//!   apart (either has none);
//! * distinct legs play in time order; a leg without a time keeps its place (`main` first,
//!   others after the timed ones, in the endpoints' order); unknown labels stay their own legs;
//! * a **gap** between two timed legs (the next starts after the last ended) is kept as a mark,
//!   not played as silence;
//! * a leg's copies are ranked by [`CopyKind`]: a verified local copy first, then a synced copy
//!   (permanent storage), then one whose status the endpoint did not say, then the provider's
//!   (Ultravox through A, or B's `pending_sync` URL, which may expire). Among equals the
//!   endpoints' order (B before A) decides. The player plays the first copy and falls back to
//!   the next, from the same place, when one fails.
//!
//! The call's length is the length of what plays: the sum of its legs, never of its copies.
//! The planner is pure (no I/O): online it ranks what the endpoints answered, offline what the
//! library remembers, so a call plays the same audio under the same labels either way.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use ts_rs::TS;

/// Two timed recordings of one label closer than this (start to end) still count as one leg:
/// a carrier's and the AI's recording of a conversation start a moment apart.
const OVERLAP_SLACK_SECS: f64 = 2.0;
/// A pause between legs shorter than this is not worth a mark on the scrubber.
const MIN_GAP_SECS: f64 = 1.0;

/// Where a copy comes from, best first (the derived order is the preference).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum CopyKind {
    /// Downloaded and verified on this computer.
    Local,
    /// The agency's permanent storage (B, `synced`).
    Synced,
    /// Listed without a status.
    Unknown,
    /// The provider's copy: Ultravox (A) or a `pending_sync` URL (B); may expire.
    Provider,
}

/// One recording as the planner sees it.
#[derive(Debug, Clone)]
pub struct Take {
    pub id: String,
    pub label: String,
    /// From endpoint A (`get-call-recording`): its recording is the call's `main`.
    pub from_a: bool,
    pub status: Option<String>,
    /// `created_at` as the endpoint gave it (RFC 3339), read as the recording's start.
    pub created_at: Option<String>,
    pub duration: Option<f64>,
    /// A verified local copy of this very recording exists.
    pub local: bool,
}

impl Take {
    fn kind(&self) -> CopyKind {
        if self.local {
            CopyKind::Local
        } else if self.from_a {
            CopyKind::Provider
        } else {
            match self
                .status
                .as_deref()
                .map(str::to_ascii_lowercase)
                .as_deref()
            {
                Some("synced") => CopyKind::Synced,
                Some(crate::recordings::PENDING_SYNC) => CopyKind::Provider,
                _ => CopyKind::Unknown,
            }
        }
    }

    fn leg_label(&self) -> String {
        if self.from_a {
            "main".to_owned()
        } else {
            self.label.to_ascii_lowercase()
        }
    }

    fn start(&self) -> Option<OffsetDateTime> {
        self.created_at
            .as_deref()
            .and_then(|t| OffsetDateTime::parse(t.trim(), &Rfc3339).ok())
    }
}

/// A copy of a leg: which take (index into [`plan`]'s input) and what kind it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Copy {
    pub take: usize,
    pub kind: CopyKind,
}

/// One leg of the call: one conversation, however many copies of it there are.
#[derive(Debug, Clone, PartialEq)]
pub struct Leg {
    pub label: String,
    /// Seconds from the call's start on its clock, when a copy's time says.
    pub start: Option<f64>,
    /// The server's figure for the preferred copy that has one (the audio decides in the end).
    pub duration: Option<f64>,
    /// Seconds of the call between the previous leg's end and this one's start, when both are
    /// known and it is worth a mark.
    pub gap_before: Option<f64>,
    /// Best first (see [`CopyKind`]); never empty.
    pub copies: Vec<Copy>,
}

/// A call's legs in playing order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Timeline {
    pub legs: Vec<Leg>,
}

impl Timeline {
    /// The leg holding take `take`, and the copy's rank in it.
    pub fn find(&self, take: usize) -> Option<(usize, usize)> {
        self.legs.iter().enumerate().find_map(|(leg, l)| {
            l.copies
                .iter()
                .position(|c| c.take == take)
                .map(|rank| (leg, rank))
        })
    }
}

struct Group {
    label: String,
    /// Earliest start and latest known end of its timed copies (seconds since the epoch).
    span: Option<(f64, f64)>,
    first_seen: usize,
    takes: Vec<usize>,
}

fn epoch_secs(t: OffsetDateTime) -> f64 {
    t.unix_timestamp_nanos() as f64 / 1e9
}

/// Groups `takes` into legs on the call's clock. `call_start` (the calls row's `started_at`)
/// is the clock's zero when given; else the earliest recording's start.
pub fn plan(takes: &[Take], call_start: Option<OffsetDateTime>) -> Timeline {
    let mut groups: Vec<Group> = Vec::new();
    // B's entries first: among equal kinds B's (the agency's list) leads, and A joins them.
    let mut order: Vec<usize> = (0..takes.len()).collect();
    order.sort_by_key(|&i| takes[i].from_a);
    for i in order {
        let take = &takes[i];
        let label = take.leg_label();
        let span = take.start().map(|start| {
            let start = epoch_secs(start);
            (start, start + take.duration.unwrap_or(0.0).max(0.0))
        });
        let joins = groups.iter().position(|g| {
            g.label == label
                && match (span, g.span) {
                    (Some((s, e)), Some((gs, ge))) => {
                        s <= ge + OVERLAP_SLACK_SECS && gs <= e + OVERLAP_SLACK_SECS
                    }
                    _ => true,
                }
        });
        match joins {
            Some(g) => {
                let group = &mut groups[g];
                group.takes.push(i);
                group.span = match (group.span, span) {
                    (Some((a, b)), Some((c, d))) => Some((a.min(c), b.max(d))),
                    (a, b) => a.or(b),
                };
            }
            None => groups.push(Group {
                label,
                span,
                first_seen: i,
                takes: vec![i],
            }),
        }
    }
    // Playing order: timed legs by start; `main` without a time first; other untimed legs
    // after the timed ones, in the endpoints' order.
    groups.sort_by(|a, b| {
        let rank = |g: &Group| match (g.span, g.label == "main") {
            (None, true) => 0,
            (Some(_), _) => 1,
            (None, false) => 2,
        };
        rank(a)
            .cmp(&rank(b))
            .then_with(|| {
                let start = |g: &Group| g.span.map_or(0.0, |s| s.0);
                start(a).total_cmp(&start(b))
            })
            .then(a.first_seen.cmp(&b.first_seen))
    });
    let zero = call_start.map(epoch_secs).or_else(|| {
        groups
            .iter()
            .filter_map(|g| g.span.map(|s| s.0))
            .reduce(f64::min)
    });
    let mut legs = Vec::with_capacity(groups.len());
    let mut last_end: Option<f64> = None;
    for group in groups {
        let mut copies: Vec<Copy> = group
            .takes
            .iter()
            .map(|&take| Copy {
                take,
                kind: takes[take].kind(),
            })
            .collect();
        // Stable: equal kinds keep B-before-A and each endpoint's own order.
        copies.sort_by_key(|c| c.kind);
        let duration = copies.iter().find_map(|c| takes[c.take].duration);
        let start = group.span.zip(zero).map(|((s, _), z)| s - z);
        let end = group.span.map(|(s, e)| {
            // The leg's end as the preferred copy's length says, else the longest known.
            duration.map_or(e, |d| s + d)
        });
        let gap_before = match (last_end, group.span) {
            (Some(last), Some((s, _))) if s - last >= MIN_GAP_SECS => Some(s - last),
            _ => None,
        };
        if let Some(end) = end {
            last_end = Some(last_end.map_or(end, |last| last.max(end)));
        }
        legs.push(Leg {
            label: takes[copies[0].take].label.clone(),
            start,
            duration,
            gap_before,
            copies,
        });
    }
    Timeline { legs }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn take(label: &str, status: &str, at: Option<&str>, duration: Option<f64>) -> Take {
        Take {
            id: format!("b:{label}:{}", at.unwrap_or("-")),
            label: label.into(),
            from_a: false,
            status: Some(status.into()),
            created_at: at.map(Into::into),
            duration,
            local: false,
        }
    }

    fn a() -> Take {
        Take {
            id: "a:main".into(),
            label: "main".into(),
            from_a: true,
            status: None,
            created_at: None,
            duration: None,
            local: false,
        }
    }

    fn shape(timeline: &Timeline) -> Vec<(String, Vec<usize>)> {
        timeline
            .legs
            .iter()
            .map(|l| (l.label.clone(), l.copies.iter().map(|c| c.take).collect()))
            .collect()
    }

    #[test]
    fn both_endpoints_main_is_one_leg_synced_first() {
        let takes = [a(), take("main", "synced", None, Some(40.0))];
        let t = plan(&takes, None);
        assert_eq!(shape(&t), [("main".to_owned(), vec![1, 0])]);
        assert_eq!(t.legs[0].copies[1].kind, CopyKind::Provider);
        assert_eq!(t.legs[0].duration, Some(40.0));
    }

    #[test]
    fn a_local_copy_leads_whatever_it_is() {
        let mut provider = a();
        provider.local = true;
        let takes = [take("main", "synced", None, None), provider];
        let t = plan(&takes, None);
        assert_eq!(shape(&t), [("main".to_owned(), vec![1, 0])]);
        assert_eq!(t.legs[0].copies[0].kind, CopyKind::Local);
    }

    #[test]
    fn pending_sync_ranks_below_a_status_less_copy() {
        let takes = [
            take("main", "pending_sync", None, None),
            Take {
                status: None,
                ..take("main", "", None, None)
            },
        ];
        let t = plan(&takes, None);
        assert_eq!(shape(&t), [("main".to_owned(), vec![1, 0])]);
    }

    #[test]
    fn same_label_far_apart_in_time_is_two_legs_in_time_order() {
        let takes = [
            take("main", "synced", Some("2024-01-15T10:40:00Z"), Some(60.0)),
            take("main", "synced", Some("2024-01-15T10:30:00Z"), Some(60.0)),
        ];
        let t = plan(&takes, None);
        assert_eq!(
            shape(&t),
            [("main".to_owned(), vec![1]), ("main".to_owned(), vec![0])]
        );
        assert_eq!(t.legs[0].start, Some(0.0));
        assert_eq!(t.legs[1].start, Some(600.0));
        // 10:31 to 10:40: marked, not played.
        assert_eq!(t.legs[1].gap_before, Some(540.0));
    }

    #[test]
    fn same_label_overlapping_is_one_leg() {
        let takes = [
            take("main", "synced", Some("2024-01-15T10:30:00Z"), Some(60.0)),
            take(
                "main",
                "pending_sync",
                Some("2024-01-15T10:30:30Z"),
                Some(60.0),
            ),
        ];
        assert_eq!(
            shape(&plan(&takes, None)),
            [("main".to_owned(), vec![0, 1])]
        );
    }

    #[test]
    fn different_labels_never_merge_and_unknown_labels_stay() {
        let takes = [
            take("hold_music", "synced", None, None),
            take("main", "synced", None, None),
            take("transfer_conference", "synced", None, None),
        ];
        let t = plan(&takes, None);
        // Untimed: main first, the others in the endpoint's order.
        assert_eq!(
            shape(&t),
            [
                ("main".to_owned(), vec![1]),
                ("hold_music".to_owned(), vec![0]),
                ("transfer_conference".to_owned(), vec![2]),
            ]
        );
    }

    #[test]
    fn timed_legs_follow_the_clock_and_the_call_start_is_zero() {
        let takes = [
            take(
                "reconnect_to_agent",
                "synced",
                Some("2024-01-15T10:40:00Z"),
                Some(10.0),
            ),
            take(
                "transfer_conference",
                "synced",
                Some("2024-01-15T10:35:00+00:00"),
                Some(30.0),
            ),
            take("main", "synced", Some("2024-01-15T10:32:20Z"), Some(125.0)),
            a(),
        ];
        let start = OffsetDateTime::parse("2024-01-15T10:32:00Z", &Rfc3339).unwrap();
        let t = plan(&takes, Some(start));
        assert_eq!(
            shape(&t),
            [
                ("main".to_owned(), vec![2, 3]),
                ("transfer_conference".to_owned(), vec![1]),
                ("reconnect_to_agent".to_owned(), vec![0]),
            ]
        );
        assert_eq!(t.legs[0].start, Some(20.0));
        // main ends 10:34:25; the transfer starts 10:35:00: a 35 s gap.
        assert_eq!(t.legs[1].gap_before, Some(35.0));
        // The transfer ends 10:35:30; the reconnect starts 10:40:00.
        assert_eq!(t.legs[2].gap_before, Some(270.0));
        assert_eq!(t.find(3), Some((0, 1)));
    }

    #[test]
    fn back_to_back_legs_have_no_gap_and_odd_times_count_as_none() {
        let takes = [
            take("main", "synced", Some("2024-01-15T10:00:00Z"), Some(60.0)),
            take(
                "transfer",
                "synced",
                Some("2024-01-15T10:01:00.5Z"),
                Some(5.0),
            ),
            take("odd", "synced", Some("not a time"), None),
        ];
        let t = plan(&takes, None);
        assert_eq!(t.legs[1].gap_before, None);
        assert_eq!(t.legs[2].label, "odd");
        assert_eq!(t.legs[2].start, None);
    }

    #[test]
    fn nothing_in_nothing_out() {
        assert!(plan(&[], None).legs.is_empty());
    }
}
