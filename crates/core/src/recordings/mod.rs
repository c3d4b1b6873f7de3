//! A call's recordings from both endpoints, as one call on one clock.
//!
//! [`Recordings::resolve`] asks endpoint A (`get-call-recording`, the Ultravox copy) and
//! endpoint B (`get-signed-recording-url`, stored segments) **at once**, parses each exactly as
//! its contract says ([`endpoint_a`], [`endpoint_b`]), gives each recording its identity
//! ([`identity`]: endpoint, label, storage object), and plans the call's legs
//! ([`crate::timeline`]: two copies of one leg are alternates, never played twice). Each
//! endpoint's failure is kept as its own [`RecordingsError`]. The result is a [`Resolved`]: the
//! [`Segment`]s with their signed URLs (secrets, for the player and the downloader), the
//! [`crate::timeline::Timeline`] over them, and the [`Recording`] the UI and
//! `callrec recordings` show, which has no URL in it.
//!
//! A signed URL is a lease: [`Recordings::lease`] gives a [`crate::remote::RenewingLease`]
//! that re-resolves the segment's endpoint when the URL is about to expire or storage refuses
//! it, finding the recording again by its [`Segment::id`], or by its slot when it moved.

pub mod endpoint_a;
pub mod endpoint_b;
mod error;
pub mod expiry;
pub mod identity;
pub mod parse;
pub mod settings;

use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use ts_rs::TS;
use url::Url;

pub use error::{RecordingsError, combine};
pub use expiry::ExpirySource;
pub use settings::{Credential, EndpointSettings};

use crate::ErrorCode;
use crate::remote::{BoxFuture, Fresh, RemoteError, RenewingLease, Resolve};
use crate::secret::Secret;
use crate::session::SessionManager;
use crate::timeline::{self, CopyKind, Take, Timeline};

/// Which endpoint a segment or a failure belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum Endpoint {
    /// A: `get-call-recording` (Ultravox).
    CallRecording,
    /// B: `get-signed-recording-url` (stored segments).
    SignedRecordingUrl,
}

impl Endpoint {
    pub fn function(self) -> &'static str {
        match self {
            Self::CallRecording => endpoint_a::FUNCTION,
            Self::SignedRecordingUrl => endpoint_b::FUNCTION,
        }
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.function())
    }
}

/// A segment as an endpoint's parser produces it, before expiry is read.
#[derive(Debug, Clone)]
pub struct RawSegment {
    /// The recording's identity ([`identity::key`]).
    pub id: String,
    /// Where it sat in its endpoint's answer ([`identity::slot`]).
    pub slot: String,
    pub label: String,
    pub url: Url,
    pub duration_seconds: Option<f64>,
    pub source: Option<String>,
    pub status: Option<String>,
    pub created_at: Option<String>,
    pub endpoint: Endpoint,
}

/// One recording segment, with its signed URL. Not `Serialize`: the URL is a secret (use
/// [`Segment::view`] for anything shown).
#[derive(Debug, Clone)]
pub struct Segment {
    /// The recording's identity ([`identity::key`]): the same whatever URL, order or answer.
    pub id: String,
    /// Its place in its endpoint's answer, to find it again if its object moved.
    pub slot: String,
    pub label: String,
    pub url: Secret<Url>,
    /// The server's figure; `None` until the audio's header is read.
    pub duration_seconds: Option<f64>,
    pub source: Option<String>,
    pub status: Option<String>,
    pub created_at: Option<String>,
    pub endpoint: Endpoint,
    /// Unix seconds after which storage will refuse `url`.
    pub expires_at: i64,
    pub expiry: ExpirySource,
}

/// B's status for a provider URL that has not been copied to permanent storage yet.
pub const PENDING_SYNC: &str = "pending_sync";

impl Segment {
    fn from_raw(raw: RawSegment, resolved_at: i64) -> Self {
        let (expires_at, expiry) = expiry::expires_at(&raw.url, resolved_at);
        Self {
            id: raw.id,
            slot: raw.slot,
            label: raw.label,
            url: Secret::new(raw.url),
            duration_seconds: raw.duration_seconds,
            source: raw.source,
            status: raw.status,
            created_at: raw.created_at,
            endpoint: raw.endpoint,
            expires_at,
            expiry,
        }
    }

    /// What the timeline planner needs of it; `local`: a verified copy is on this computer.
    pub fn take(&self, local: bool) -> Take {
        Take {
            id: self.id.clone(),
            label: self.label.clone(),
            from_a: self.endpoint == Endpoint::CallRecording,
            status: self.status.clone(),
            created_at: self.created_at.clone(),
            duration: self.duration_seconds,
            local,
        }
    }

    /// What may be shown: everything but the URL.
    pub fn view(&self) -> SegmentView {
        SegmentView {
            id: self.id.clone(),
            label: self.label.clone(),
            duration_seconds: self.duration_seconds,
            source: self.source.clone(),
            status: self.status.clone(),
            created_at: self.created_at.clone(),
            endpoint: self.endpoint,
            expires_at: self.expires_at,
            expiry: self.expiry,
            note: (self.status.as_deref() == Some(PENDING_SYNC))
                .then(|| "provider copy, may expire".to_owned()),
        }
    }
}

/// A segment as the UI and `--json` see it: no URL.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct SegmentView {
    pub id: String,
    pub label: String,
    pub duration_seconds: Option<f64>,
    pub source: Option<String>,
    pub status: Option<String>,
    pub created_at: Option<String>,
    pub endpoint: Endpoint,
    /// Unix seconds.
    #[ts(type = "number")]
    pub expires_at: i64,
    pub expiry: ExpirySource,
    /// Something the reviewer should know (e.g. "provider copy, may expire").
    pub note: Option<String>,
}

/// How one endpoint fared.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "state", rename_all = "camelCase")]
#[ts(export)]
pub enum EndpointOutcome {
    /// It answered; `notes` say what was left out of its answer and why.
    Ok {
        segments: u32,
        notes: Vec<String>,
    },
    Failed {
        code: String,
        message: String,
    },
    Disabled,
}

/// A call's recordings for the UI: merged segments and each endpoint's outcome.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Recording {
    pub call_id: String,
    /// Every recording, leg by leg (a leg's copies best first).
    pub segments: Vec<SegmentView>,
    /// The call's legs in playing order: what plays is one copy of each.
    pub legs: Vec<LegView>,
    pub call_recording: EndpointOutcome,
    pub signed_recording_url: EndpointOutcome,
    /// One message for both failures, when neither endpoint gave a segment.
    pub combined: Option<String>,
    /// The stable code of that combined failure (what the UI branches on).
    pub combined_code: Option<String>,
}

/// One leg of the call as shown: its place on the clock and its copies, best first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct LegView {
    pub label: String,
    /// Seconds from the call's start, when a copy's time says.
    pub start: Option<f64>,
    pub duration_seconds: Option<f64>,
    /// Call time between the previous leg's end and this one's start (marked, not played).
    pub gap_before: Option<f64>,
    pub copies: Vec<CopyView>,
}

/// One copy of a leg: which recording ([`SegmentView::id`]) and where it comes from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct CopyView {
    pub recording_id: String,
    pub kind: CopyKind,
}

impl LegView {
    pub fn of(leg: &timeline::Leg, takes: &[Take]) -> Self {
        Self {
            label: leg.label.clone(),
            start: leg.start,
            duration_seconds: leg.duration,
            gap_before: leg.gap_before,
            copies: leg
                .copies
                .iter()
                .map(|copy| CopyView {
                    recording_id: takes[copy.take].id.clone(),
                    kind: copy.kind,
                })
                .collect(),
        }
    }
}

/// The outcome of [`Recordings::resolve`]: segments with URLs, plus the shown [`Recording`].
#[derive(Debug)]
pub struct Resolved {
    /// Every recording, B's then A's ([`Resolved::timeline`]'s takes are these, by index).
    pub segments: Vec<Segment>,
    /// The call's legs, ranked without knowing what is downloaded (the player ranks again
    /// with the library).
    pub timeline: Timeline,
    pub recording: Recording,
    /// Why there is no segment at all, as one error (both endpoints' reasons combined).
    pub failure: Option<RecordingsError>,
}

impl Resolved {
    pub fn segment(&self, id: &str) -> Option<&Segment> {
        self.segments.iter().find(|segment| segment.id == id)
    }

    /// What the library keeps of each recording (no URL), leg by leg, best copy first, each
    /// with the index of its take in [`Resolved::segments`]. The library assigns `index`.
    pub fn records(&self, call_id: &str) -> Vec<(usize, crate::library::SegmentRecord)> {
        let mut listed = Vec::with_capacity(self.segments.len());
        for (leg, planned) in self.timeline.legs.iter().enumerate() {
            for copy in &planned.copies {
                let segment = &self.segments[copy.take];
                listed.push((
                    copy.take,
                    crate::library::SegmentRecord {
                        call_id: call_id.to_owned(),
                        index: 0,
                        segment_id: segment.id.clone(),
                        slot: Some(segment.slot.clone()),
                        leg: u32::try_from(leg).ok(),
                        label: segment.label.clone(),
                        source: segment.source.clone(),
                        status: segment.status.clone(),
                        duration_seconds: segment.duration_seconds,
                        created_at: segment.created_at.clone(),
                        endpoint: Some(segment.endpoint.to_string()),
                    },
                ));
            }
        }
        listed
    }

    /// The recording that sat at `slot` (`b:main:0`) in its endpoint's answer.
    pub fn by_slot(&self, slot: &str) -> Option<&Segment> {
        self.segments.iter().find(|segment| segment.slot == slot)
    }
}

/// Asks the recording endpoints for calls. Cheap to clone.
#[derive(Clone)]
pub struct Recordings {
    inner: Arc<Inner>,
}

struct Inner {
    session: SessionManager,
    http: reqwest::Client,
    settings: EndpointSettings,
}

/// The longest call id accepted; ids are UUIDs (36 characters), but deployments vary.
const MAX_CALL_ID: usize = 200;

fn check_call_id(call_id: &str) -> Result<&str, RecordingsError> {
    let call_id = call_id.trim();
    let reason = if call_id.is_empty() {
        "is empty"
    } else if call_id.len() > MAX_CALL_ID {
        "is too long to be a call id"
    } else if call_id.chars().any(char::is_control) {
        "contains control characters"
    } else {
        return Ok(call_id);
    };
    Err(RecordingsError::InvalidCallId {
        reason: reason.to_owned(),
    })
}

fn outcome(
    result: &Result<Vec<RawSegment>, RecordingsError>,
    notes: Vec<String>,
) -> EndpointOutcome {
    match result {
        Ok(segments) => EndpointOutcome::Ok {
            segments: u32::try_from(segments.len()).unwrap_or(u32::MAX),
            notes,
        },
        Err(RecordingsError::Disabled { .. }) => EndpointOutcome::Disabled,
        Err(error) => EndpointOutcome::Failed {
            code: error.code().to_owned(),
            message: error.to_string(),
        },
    }
}

impl Recordings {
    /// The resolver for `session`'s project with the profile's endpoint settings (B's API
    /// key, when the profile uses one, from `store`).
    pub fn for_session(
        session: &SessionManager,
        http: &reqwest::Client,
        store: &dyn crate::session::TokenStore,
    ) -> Result<Self, RecordingsError> {
        let settings = EndpointSettings::load(session.project(), session.data_dir(), store)?;
        Ok(Self::new(session.clone(), http.clone(), settings))
    }

    pub fn new(session: SessionManager, http: reqwest::Client, settings: EndpointSettings) -> Self {
        Self {
            inner: Arc::new(Inner {
                session,
                http,
                settings,
            }),
        }
    }

    pub fn session(&self) -> &SessionManager {
        &self.inner.session
    }

    /// One endpoint's segments for `call_id` (already validated by the caller or not: the
    /// server's answer to a bad id is mapped like any other).
    pub async fn fetch(
        &self,
        endpoint: Endpoint,
        call_id: &str,
    ) -> Result<(Vec<RawSegment>, Vec<String>), RecordingsError> {
        let settings = &self.inner.settings;
        match endpoint {
            Endpoint::CallRecording => {
                let base = settings
                    .call_recording
                    .as_ref()
                    .ok_or(RecordingsError::Disabled { endpoint })?;
                endpoint_a::fetch(&self.inner.session, base, call_id)
                    .await
                    .map(|segments| (segments, Vec::new()))
            }
            Endpoint::SignedRecordingUrl => {
                let base = settings
                    .signed_url
                    .as_ref()
                    .ok_or(RecordingsError::Disabled { endpoint })?;
                let answer = endpoint_b::fetch(
                    &self.inner.session,
                    &self.inner.http,
                    base,
                    &settings.credential,
                    call_id,
                )
                .await?;
                Ok((answer.segments, answer.notes))
            }
        }
    }

    /// Both endpoints at once, merged. Fails only for an invalid call id; every endpoint
    /// failure is in the result ([`Recording`]'s outcomes, [`Resolved::failure`]).
    pub async fn resolve(&self, call_id: &str) -> Result<Resolved, RecordingsError> {
        let call_id = check_call_id(call_id)?;
        let (a, b) = tokio::join!(
            self.fetch(Endpoint::CallRecording, call_id),
            self.fetch(Endpoint::SignedRecordingUrl, call_id)
        );
        let resolved_at = crate::auth::now_secs();
        let (a, a_notes) = split(a);
        let (b, b_notes) = split(b);
        for error in [a.as_ref().err(), b.as_ref().err()].into_iter().flatten() {
            tracing::info!(code = error.code(), "{error}");
        }
        let recording_outcomes = (outcome(&a, a_notes), outcome(&b, b_notes));
        let failure = match (&a, &b) {
            (Err(a), Err(b)) => Some(combine(a, b)),
            _ => None,
        };
        let unique = distinct(
            b.as_ref().map(Clone::clone).unwrap_or_default(),
            a.as_ref().map(Clone::clone).unwrap_or_default(),
        );
        let segments: Vec<Segment> = unique
            .into_iter()
            .map(|raw| Segment::from_raw(raw, resolved_at))
            .collect();
        let takes: Vec<Take> = segments.iter().map(|s| s.take(false)).collect();
        let timeline = timeline::plan(&takes, None);
        let recording = Recording {
            call_id: call_id.to_owned(),
            // Leg by leg, best copy first: the order the UI lists them in.
            segments: timeline
                .legs
                .iter()
                .flat_map(|leg| leg.copies.iter().map(|c| segments[c.take].view()))
                .collect(),
            legs: timeline
                .legs
                .iter()
                .map(|leg| LegView::of(leg, &takes))
                .collect(),
            call_recording: recording_outcomes.0,
            signed_recording_url: recording_outcomes.1,
            combined: failure.as_ref().map(ToString::to_string),
            combined_code: failure.as_ref().map(|f| f.code().to_owned()),
        };
        Ok(Resolved {
            segments,
            timeline,
            recording,
            failure,
        })
    }

    /// A lease on `segment`'s URL that re-resolves (its endpoint only) when the URL expires
    /// within `margin` or storage refuses it. Hand it to [`crate::remote::RemoteReader`].
    pub fn lease(
        &self,
        call_id: &str,
        segment: &Segment,
        margin: std::time::Duration,
    ) -> Arc<RenewingLease<SegmentResolver>> {
        let resolver = SegmentResolver {
            recordings: self.clone(),
            call_id: call_id.to_owned(),
            segment_id: segment.id.clone(),
            slot: segment.slot.clone(),
            endpoint: segment.endpoint,
        };
        Arc::new(RenewingLease::with_initial(
            resolver,
            Fresh {
                url: segment.url.clone(),
                expires_at: segment.expires_at,
            },
            margin,
        ))
    }
}

fn split(
    result: Result<(Vec<RawSegment>, Vec<String>), RecordingsError>,
) -> (Result<Vec<RawSegment>, RecordingsError>, Vec<String>) {
    match result {
        Ok((segments, notes)) => (Ok(segments), notes),
        Err(error) => (Err(error), Vec::new()),
    }
}

/// What the desktop shell's command calls: both endpoints for `call_id` with the profile's
/// settings, as the UI shows it.
pub async fn resolve(
    session: &SessionManager,
    http: &reqwest::Client,
    store: &dyn crate::session::TokenStore,
    call_id: &str,
) -> Result<Recording, RecordingsError> {
    Recordings::for_session(session, http, store)?
        .resolve(call_id)
        .await
        .map(|resolved| resolved.recording)
}

/// B's list first, then A's; a recording both point at (the same storage object) is kept
/// once, as B's: one object, one identity, its bytes fetched once.
fn distinct(b: Vec<RawSegment>, a: Vec<RawSegment>) -> Vec<RawSegment> {
    let mut kept: Vec<RawSegment> = Vec::with_capacity(a.len() + b.len());
    for raw in b.into_iter().chain(a) {
        let object = identity::object(&raw.url);
        if !kept
            .iter()
            .any(|k| k.id == raw.id || identity::object(&k.url) == object)
        {
            kept.push(raw);
        }
    }
    kept
}

/// Re-resolves one recording of one call: asks only its endpoint again.
pub struct SegmentResolver {
    recordings: Recordings,
    call_id: String,
    segment_id: String,
    slot: String,
    endpoint: Endpoint,
}

impl Resolve for SegmentResolver {
    fn resolve(&self) -> BoxFuture<'_, Result<Fresh, RemoteError>> {
        Box::pin(async move {
            let found = async {
                let (segments, _) = self.recordings.fetch(self.endpoint, &self.call_id).await?;
                let resolved_at = crate::auth::now_secs();
                // Its identity, else what now sits in its slot (a provider copy since synced).
                let at = segments
                    .iter()
                    .position(|segment| segment.id == self.segment_id)
                    .or_else(|| segments.iter().position(|s| s.slot == self.slot));
                at.map(|i| Segment::from_raw(segments[i].clone(), resolved_at))
                    .ok_or_else(|| RecordingsError::SegmentGone {
                        id: self.segment_id.clone(),
                    })
            }
            .await;
            match found {
                Ok(segment) => Ok(Fresh {
                    url: segment.url,
                    expires_at: segment.expires_at,
                }),
                Err(error) => Err(RemoteError::resolve(&error)),
            }
        })
    }
}
