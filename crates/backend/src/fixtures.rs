//! The seeded world's notable objects, under ids that never change (whatever `--seed` or
//! `--calls`), so tests can name the case they exercise: "the stereo call", "the call whose
//! recording Ultravox lost". Everything else in the seed is generated from `--seed`.
//!
//! Every fixture call belongs to the demo agency (Northwind Care) unless noted, and is dated in
//! the two days before the seed's anchor (the start of the UTC day it was seeded), so the demo's
//! first page shows them.

use crate::audio::{AudioFormat, Damage};

/// The password of every demo user: one memorable string for the demo.
pub const DEMO_PASSWORD: &str = "callrec-demo";

/// Northwind Care: the demo agency, with an Ultravox key and `--calls` calls.
pub const AGENCY_NORTHWIND: &str = "3b8da8db-7b51-491e-901d-8be0904a822c";
/// Harbor Health Partners: a second agency with an Ultravox key (cross-agency tests).
pub const AGENCY_HARBOR: &str = "0b7fc318-1841-4d62-a98b-0ac6aedb7ddb";
/// Juniper Home Services: an agency WITHOUT an Ultravox key (endpoint A answers 400).
pub const AGENCY_JUNIPER: &str = "b371ac6f-292a-440d-add3-f736711e96bf";

pub const AGENCY_NORTHWIND_NAME: &str = "Northwind Care";
pub const AGENCY_HARBOR_NAME: &str = "Harbor Health Partners";
pub const AGENCY_JUNIPER_NAME: &str = "Juniper Home Services";

/// The Ultravox API keys the seed gives the two agencies that have one.
pub const ULTRAVOX_KEY_NORTHWIND: &str = "nWc8Qz2L.Tq4vX9mRk7PfY3sHd6JbN1wGe5uLa0C";
pub const ULTRAVOX_KEY_HARBOR: &str = "hB7tKp3M.Vx2cQ8nWz5RgL1yFd9JsA4mPe6TuH0k";

/// The main reviewer: Northwind Care.
pub const USER_REVIEWER: &str = "2f932314-247f-4cce-82af-dd52c68d5b4f";
pub const USER_REVIEWER_EMAIL: &str = "reviewer@northwind.test";
/// A second Northwind Care reviewer: reads the main reviewer's reviews and notes, cannot change
/// them.
pub const USER_COLLEAGUE: &str = "6d1c4f8e-93a2-4b57-8e0d-2a7c5b9e4f31";
pub const USER_COLLEAGUE_EMAIL: &str = "colleague@northwind.test";
/// A reviewer at Harbor Health Partners (sees only Harbor's calls).
pub const USER_HARBOR: &str = "1070e4ac-8170-4f00-93ec-c4bd34c2f6a2";
pub const USER_HARBOR_EMAIL: &str = "reviewer@harbor.test";
/// A reviewer at Juniper Home Services, the agency without an Ultravox key.
pub const USER_JUNIPER: &str = "aa3632f1-b69b-4a87-91c9-5de5438d1001";
pub const USER_JUNIPER_EMAIL: &str = "reviewer@juniper.test";
/// A confirmed user with no agency: endpoint A answers 403, REST lists nothing.
pub const USER_NO_AGENCY: &str = "28d87ba3-0971-4088-b9cf-a8fdd87f6b8c";
pub const USER_NO_AGENCY_EMAIL: &str = "noagency@callrec.test";
/// A Northwind user whose email is not confirmed: the password grant answers
/// 400 `email_not_confirmed`.
pub const USER_UNCONFIRMED: &str = "e86ea852-33d9-4348-8b1e-2a8457b21e09";
pub const USER_UNCONFIRMED_EMAIL: &str = "unconfirmed@northwind.test";

/// Identifying tones: each segment label has its own, so a test hearing audio can tell which
/// segment plays. Stereo calls put the agent (left) on [`TONE_MAIN_HZ`] and the customer
/// (right) on [`TONE_CUSTOMER_HZ`].
pub const TONE_MAIN_HZ: f32 = 440.0;
pub const TONE_TRANSFER_HZ: f32 = 660.0;
pub const TONE_RECONNECT_HZ: f32 = 880.0;
pub const TONE_CUSTOMER_HZ: f32 = 330.0;

/// A demo login, as the banner lists them.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DemoUser {
    pub id: String,
    pub email: String,
    pub password: String,
    /// The agency's name; `None` for the user without an agency.
    pub agency: Option<String>,
    pub email_confirmed: bool,
    /// What the login is for.
    pub purpose: String,
}

pub(crate) struct UserSpec {
    pub id: &'static str,
    pub email: &'static str,
    pub full_name: &'static str,
    pub agency_id: Option<&'static str>,
    pub confirmed: bool,
    pub purpose: &'static str,
}

pub(crate) const USERS: &[UserSpec] = &[
    UserSpec {
        id: USER_REVIEWER,
        email: USER_REVIEWER_EMAIL,
        full_name: "Riley Morgan",
        agency_id: Some(AGENCY_NORTHWIND),
        confirmed: true,
        purpose: "main reviewer: the demo agency's calls and recordings",
    },
    UserSpec {
        id: USER_COLLEAGUE,
        email: USER_COLLEAGUE_EMAIL,
        full_name: "Sam Patel",
        agency_id: Some(AGENCY_NORTHWIND),
        confirmed: true,
        purpose: "second Northwind reviewer: reads the main reviewer's reviews, cannot edit them",
    },
    UserSpec {
        id: USER_HARBOR,
        email: USER_HARBOR_EMAIL,
        full_name: "Casey Nguyen",
        agency_id: Some(AGENCY_HARBOR),
        confirmed: true,
        purpose: "second agency: sees none of Northwind's calls",
    },
    UserSpec {
        id: USER_JUNIPER,
        email: USER_JUNIPER_EMAIL,
        full_name: "Dana Brooks",
        agency_id: Some(AGENCY_JUNIPER),
        confirmed: true,
        purpose: "agency without an Ultravox key: get-call-recording answers 400",
    },
    UserSpec {
        id: USER_NO_AGENCY,
        email: USER_NO_AGENCY_EMAIL,
        full_name: "Alex Rivera",
        agency_id: None,
        confirmed: true,
        purpose: "no agency: get-call-recording answers 403, the call list is empty",
    },
    UserSpec {
        id: USER_UNCONFIRMED,
        email: USER_UNCONFIRMED_EMAIL,
        full_name: "Jamie Fox",
        agency_id: Some(AGENCY_NORTHWIND),
        confirmed: false,
        purpose: "unconfirmed email: sign-in fails with email_not_confirmed",
    },
];

pub(crate) struct AgencySpec {
    pub id: &'static str,
    pub name: &'static str,
    pub ultravox_key: Option<&'static str>,
    /// The agency's phone line (the `to` of inbound calls, the `from` of outbound ones).
    pub line: &'static str,
    /// The QA checks of its `callrec_scorecards` row.
    pub scorecard: &'static [ScorecardCheck],
}

/// One check of an agency's scorecard (`callrec_scorecards.checks`: `[{"id","label","weight"}]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct ScorecardCheck {
    pub id: &'static str,
    pub label: &'static str,
    pub weight: u32,
}

const fn check(id: &'static str, label: &'static str, weight: u32) -> ScorecardCheck {
    ScorecardCheck { id, label, weight }
}

/// Northwind Care's scorecard.
pub const SCORECARD_NORTHWIND: &[ScorecardCheck] = &[
    check("greeting", "Greeted the caller and gave their name", 1),
    check("identity", "Verified the caller's identity", 2),
    check("need", "Understood the reason for the call", 2),
    check(
        "resolution",
        "Resolved the request or booked a clear next step",
        3,
    ),
    check("closing", "Summarised the call and closed politely", 1),
];

const SCORECARD_HARBOR: &[ScorecardCheck] = &[
    check("greeting", "Greeted the caller and gave their name", 1),
    check(
        "identity",
        "Verified date of birth before discussing health details",
        3,
    ),
    check("empathy", "Acknowledged the caller's concern", 1),
    check(
        "resolution",
        "Answered the question or routed to the right clinician",
        2,
    ),
];

const SCORECARD_JUNIPER: &[ScorecardCheck] = &[
    check("greeting", "Greeted the caller and gave their name", 1),
    check("address", "Confirmed the service address", 2),
    check(
        "booking",
        "Booked a visit window and quoted the call-out fee",
        3,
    ),
    check("closing", "Read back the booking before closing", 1),
];

pub(crate) const AGENCIES: &[AgencySpec] = &[
    AgencySpec {
        id: AGENCY_NORTHWIND,
        name: AGENCY_NORTHWIND_NAME,
        ultravox_key: Some(ULTRAVOX_KEY_NORTHWIND),
        line: "+15035550100",
        scorecard: SCORECARD_NORTHWIND,
    },
    AgencySpec {
        id: AGENCY_HARBOR,
        name: AGENCY_HARBOR_NAME,
        ultravox_key: Some(ULTRAVOX_KEY_HARBOR),
        line: "+16175550142",
        scorecard: SCORECARD_HARBOR,
    },
    AgencySpec {
        id: AGENCY_JUNIPER,
        name: AGENCY_JUNIPER_NAME,
        ultravox_key: None,
        line: "+15125550187",
        scorecard: SCORECARD_JUNIPER,
    },
];

/// What Ultravox holds for a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UltravoxMode {
    /// Ultravox has no recording: 404.
    None,
    /// 302 to a GCS signed URL (the usual answer).
    Redirect,
    /// 200 with the audio itself.
    Direct,
}

/// One recording segment as endpoint B lists it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Segment {
    pub label: &'static str,
    pub source: &'static str,
    pub status: &'static str,
    pub format: AudioFormat,
    pub duration_ms: u64,
    pub tone_hz: f32,
    pub right_tone_hz: Option<f32>,
    pub damage: Damage,
    /// Call time between the previous segment's end and this one's start (nothing recorded).
    pub gap_before_ms: u64,
}

const fn seg(
    label: &'static str,
    source: &'static str,
    status: &'static str,
    format: AudioFormat,
    secs: u64,
    tone_hz: f32,
) -> Segment {
    Segment {
        label,
        source,
        status,
        format,
        duration_ms: secs * 1000,
        tone_hz,
        right_tone_hz: None,
        damage: Damage::None,
        gap_before_ms: 0,
    }
}

const fn main_synced(format: AudioFormat, secs: u64) -> Segment {
    seg("main", "signalwire", "synced", format, secs, TONE_MAIN_HZ)
}

const fn damaged(mut s: Segment, damage: Damage) -> Segment {
    s.damage = damage;
    s
}

/// A notable call.
#[derive(Debug, Clone, Copy)]
pub struct FixtureCall {
    /// Stable short name, e.g. `"wav_stereo"`.
    pub name: &'static str,
    pub call_id: &'static str,
    pub agency_id: &'static str,
    pub description: &'static str,
    pub has_recording: bool,
    /// Whether the call has an Ultravox id at all.
    pub has_ultravox_id: bool,
    pub ultravox: UltravoxMode,
    /// Endpoint B's segments, in order (`main` first).
    pub segments: &'static [Segment],
}

pub const WAV_PCM16: &str = "99b94321-557b-498b-a3e8-d950e6160a39";
pub const WAV_MULAW: &str = "ab21e69f-75de-449b-a13c-8a4b508da211";
pub const WAV_STEREO: &str = "bc241ce6-1722-4b0b-855d-5ecec39b62fc";
pub const MP3_CBR: &str = "e697f987-d889-4458-93b2-7c6cb526c796";
pub const MP3_VBR: &str = "57fde8cb-0ffc-4495-8b1e-c35e03b13df1";
pub const MP3_VBR_NO_XING: &str = "3f869abc-1924-417e-a894-319bea590e4a";
pub const OGG_OPUS: &str = "9c92ab26-e72a-41c4-8d81-0b707c8c8f7c";
pub const MULTI_SEGMENT: &str = "32ffa868-8700-423f-b228-89b138bf8b71";
pub const MULTI_SEGMENT_PENDING: &str = "7417aa87-a9eb-403a-b9ee-2c0edcfc7fcf";
pub const PENDING_ONLY: &str = "809a905f-0cb2-45b8-a817-b514b88ad56a";
pub const MISSING_RECORDING: &str = "4de21bb8-76af-4475-acf2-dadc2d575817";
pub const NO_RECORDING: &str = "3c0b59aa-1252-4378-9ba8-3a204de1dd9e";
pub const TRUNCATED: &str = "8012cde0-cf2a-4e7c-8707-a9182ef2583d";
pub const CORRUPT: &str = "c3b2de6c-a4e5-42fe-9553-91baa794e509";
pub const LONG_WAV: &str = "a92fb327-4b2a-4915-b0cf-01956f3d6274";
pub const LONG_MP3_CBR: &str = "650de333-f592-4341-b25c-84648179f10c";
pub const LONG_MP3_VBR_NO_XING: &str = "d2eaf281-9446-4351-9f96-44aa39a7f593";
pub const ULTRAVOX_DIRECT: &str = "2de288b0-86a9-4e24-a65b-fcedc9df2a28";
pub const ULTRAVOX_ONLY: &str = "9fb6c5cc-f1d8-4745-baf0-d6e9d40ffdde";
pub const SEGMENTS_ONLY: &str = "7e22c0cd-bf32-4cb0-baca-5c49b472bb13";
pub const OTHER_AGENCY: &str = "2faecdb5-0692-4867-abec-924cefb9053a";
pub const KEYLESS_AGENCY: &str = "3946544f-bf69-47c4-b84b-c254a8591e93";

const HOUR_SECS: u64 = 3600;

static CALLS: &[FixtureCall] = &[
    FixtureCall {
        name: "wav_pcm16",
        call_id: WAV_PCM16,
        agency_id: AGENCY_NORTHWIND,
        description: "single main segment, WAV PCM16 16 kHz mono, 30 s; Ultravox 302",
        has_recording: true,
        has_ultravox_id: true,
        ultravox: UltravoxMode::Redirect,
        segments: &[main_synced(AudioFormat::WavPcm16, 30)],
    },
    FixtureCall {
        name: "wav_mulaw",
        call_id: WAV_MULAW,
        agency_id: AGENCY_NORTHWIND,
        description: "single main segment, WAV G.711 µ-law 8 kHz, 45 s",
        has_recording: true,
        has_ultravox_id: true,
        ultravox: UltravoxMode::Redirect,
        segments: &[main_synced(AudioFormat::WavMulaw, 45)],
    },
    FixtureCall {
        name: "wav_stereo",
        call_id: WAV_STEREO,
        agency_id: AGENCY_NORTHWIND,
        description: "stereo WAV, agent left (440 Hz) and customer right (330 Hz), 40 s",
        has_recording: true,
        has_ultravox_id: true,
        ultravox: UltravoxMode::Redirect,
        segments: &[Segment {
            right_tone_hz: Some(TONE_CUSTOMER_HZ),
            ..main_synced(AudioFormat::WavStereo, 40)
        }],
    },
    FixtureCall {
        name: "mp3_cbr",
        call_id: MP3_CBR,
        agency_id: AGENCY_NORTHWIND,
        description: "MP3 constant bit rate, 60 s",
        has_recording: true,
        has_ultravox_id: true,
        ultravox: UltravoxMode::Redirect,
        segments: &[main_synced(AudioFormat::Mp3Cbr, 60)],
    },
    FixtureCall {
        name: "mp3_vbr",
        call_id: MP3_VBR,
        agency_id: AGENCY_NORTHWIND,
        description: "MP3 variable bit rate with a Xing header, 60 s",
        has_recording: true,
        has_ultravox_id: true,
        ultravox: UltravoxMode::Redirect,
        segments: &[main_synced(AudioFormat::Mp3Vbr, 60)],
    },
    FixtureCall {
        name: "mp3_vbr_no_xing",
        call_id: MP3_VBR_NO_XING,
        agency_id: AGENCY_NORTHWIND,
        description: "MP3 variable bit rate without a Xing/Info header, 60 s",
        has_recording: true,
        has_ultravox_id: true,
        ultravox: UltravoxMode::Redirect,
        segments: &[main_synced(AudioFormat::Mp3VbrNoXing, 60)],
    },
    FixtureCall {
        name: "ogg_opus",
        call_id: OGG_OPUS,
        agency_id: AGENCY_NORTHWIND,
        description: "OGG/Opus, 50 s, source livekit",
        has_recording: true,
        has_ultravox_id: true,
        ultravox: UltravoxMode::Redirect,
        segments: &[seg(
            "main",
            "livekit",
            "synced",
            AudioFormat::OggOpus,
            50,
            TONE_MAIN_HZ,
        )],
    },
    FixtureCall {
        name: "multi_segment",
        call_id: MULTI_SEGMENT,
        agency_id: AGENCY_NORTHWIND,
        description: "three synced WAV segments: main 440 Hz 20 s (signalwire), transfer_conference 660 Hz 15 s (livekit), reconnect_to_agent 880 Hz 10 s (unknown)",
        has_recording: true,
        has_ultravox_id: true,
        ultravox: UltravoxMode::Redirect,
        segments: &[
            seg(
                "main",
                "signalwire",
                "synced",
                AudioFormat::WavPcm16,
                20,
                TONE_MAIN_HZ,
            ),
            seg(
                "transfer_conference",
                "livekit",
                "synced",
                AudioFormat::WavPcm16,
                15,
                TONE_TRANSFER_HZ,
            ),
            seg(
                "reconnect_to_agent",
                "unknown",
                "synced",
                AudioFormat::WavPcm16,
                10,
                TONE_RECONNECT_HZ,
            ),
        ],
    },
    FixtureCall {
        name: "multi_segment_pending",
        call_id: MULTI_SEGMENT_PENDING,
        agency_id: AGENCY_NORTHWIND,
        description: "mixed formats and states: main MP3 CBR 440 Hz 25 s synced, transfer_conference WAV 660 Hz 12 s pending_sync (signalwire), then 30 s unrecorded, reconnect_to_agent OGG/Opus 880 Hz 8 s pending_sync (livekit)",
        has_recording: true,
        has_ultravox_id: true,
        ultravox: UltravoxMode::Redirect,
        segments: &[
            seg(
                "main",
                "signalwire",
                "synced",
                AudioFormat::Mp3Cbr,
                25,
                TONE_MAIN_HZ,
            ),
            seg(
                "transfer_conference",
                "signalwire",
                "pending_sync",
                AudioFormat::WavPcm16,
                12,
                TONE_TRANSFER_HZ,
            ),
            Segment {
                gap_before_ms: 30_000,
                ..seg(
                    "reconnect_to_agent",
                    "livekit",
                    "pending_sync",
                    AudioFormat::OggOpus,
                    8,
                    TONE_RECONNECT_HZ,
                )
            },
        ],
    },
    FixtureCall {
        name: "pending_only",
        call_id: PENDING_ONLY,
        agency_id: AGENCY_NORTHWIND,
        description: "single main segment not yet synced: a provider URL (signalwire), WAV 25 s",
        has_recording: true,
        has_ultravox_id: true,
        ultravox: UltravoxMode::Redirect,
        segments: &[seg(
            "main",
            "signalwire",
            "pending_sync",
            AudioFormat::WavPcm16,
            25,
            TONE_MAIN_HZ,
        )],
    },
    FixtureCall {
        name: "missing_recording",
        call_id: MISSING_RECORDING,
        agency_id: AGENCY_NORTHWIND,
        description: "has_recording = true but the audio is gone: Ultravox 404, endpoint B 404",
        has_recording: true,
        has_ultravox_id: true,
        ultravox: UltravoxMode::None,
        segments: &[],
    },
    FixtureCall {
        name: "no_recording",
        call_id: NO_RECORDING,
        agency_id: AGENCY_NORTHWIND,
        description: "a missed call, has_recording = false: both endpoints 404",
        has_recording: false,
        has_ultravox_id: true,
        ultravox: UltravoxMode::None,
        segments: &[],
    },
    FixtureCall {
        name: "truncated",
        call_id: TRUNCATED,
        agency_id: AGENCY_NORTHWIND,
        description: "WAV PCM16 90 s cut at ~60 % (header claims the full length)",
        has_recording: true,
        has_ultravox_id: true,
        ultravox: UltravoxMode::Redirect,
        segments: &[damaged(
            main_synced(AudioFormat::WavPcm16, 90),
            Damage::Truncated,
        )],
    },
    FixtureCall {
        name: "corrupt",
        call_id: CORRUPT,
        agency_id: AGENCY_NORTHWIND,
        description: "MP3 CBR 90 s, garbage after ~30 %",
        has_recording: true,
        has_ultravox_id: true,
        ultravox: UltravoxMode::Redirect,
        segments: &[damaged(
            main_synced(AudioFormat::Mp3Cbr, 90),
            Damage::Corrupt,
        )],
    },
    FixtureCall {
        name: "long_wav",
        call_id: LONG_WAV,
        agency_id: AGENCY_NORTHWIND,
        description: "60-minute WAV PCM16 (~115 MB)",
        has_recording: true,
        has_ultravox_id: true,
        ultravox: UltravoxMode::Redirect,
        segments: &[main_synced(AudioFormat::WavPcm16, HOUR_SECS)],
    },
    FixtureCall {
        name: "long_mp3_cbr",
        call_id: LONG_MP3_CBR,
        agency_id: AGENCY_NORTHWIND,
        description: "60-minute MP3 CBR",
        has_recording: true,
        has_ultravox_id: true,
        ultravox: UltravoxMode::Redirect,
        segments: &[main_synced(AudioFormat::Mp3Cbr, HOUR_SECS)],
    },
    FixtureCall {
        name: "long_mp3_vbr_no_xing",
        call_id: LONG_MP3_VBR_NO_XING,
        agency_id: AGENCY_NORTHWIND,
        description: "60-minute MP3 VBR without a Xing header (duration only estimable)",
        has_recording: true,
        has_ultravox_id: true,
        ultravox: UltravoxMode::Redirect,
        segments: &[main_synced(AudioFormat::Mp3VbrNoXing, HOUR_SECS)],
    },
    FixtureCall {
        name: "ultravox_direct",
        call_id: ULTRAVOX_DIRECT,
        agency_id: AGENCY_NORTHWIND,
        description: "Ultravox answers 200 with the audio (no redirect); endpoint A returns the API URL itself",
        has_recording: true,
        has_ultravox_id: true,
        ultravox: UltravoxMode::Direct,
        segments: &[main_synced(AudioFormat::WavPcm16, 20)],
    },
    FixtureCall {
        name: "ultravox_only",
        call_id: ULTRAVOX_ONLY,
        agency_id: AGENCY_NORTHWIND,
        description: "Ultravox has the recording (302) but nothing is synced: endpoint B 404 no_recording",
        has_recording: true,
        has_ultravox_id: true,
        ultravox: UltravoxMode::Redirect,
        segments: &[],
    },
    FixtureCall {
        name: "segments_only",
        call_id: SEGMENTS_ONLY,
        agency_id: AGENCY_NORTHWIND,
        description: "no Ultravox id (endpoint A 404), endpoint B has a synced MP3 CBR main segment, 35 s",
        has_recording: true,
        has_ultravox_id: false,
        ultravox: UltravoxMode::None,
        segments: &[main_synced(AudioFormat::Mp3Cbr, 35)],
    },
    FixtureCall {
        name: "other_agency",
        call_id: OTHER_AGENCY,
        agency_id: AGENCY_HARBOR,
        description: "Harbor Health Partners' call with a WAV recording: 404 for Northwind users",
        has_recording: true,
        has_ultravox_id: true,
        ultravox: UltravoxMode::Redirect,
        segments: &[main_synced(AudioFormat::WavPcm16, 30)],
    },
    FixtureCall {
        name: "keyless_agency",
        call_id: KEYLESS_AGENCY,
        agency_id: AGENCY_JUNIPER,
        description: "Juniper Home Services' call (agency without an Ultravox key): endpoint A 400, endpoint B works",
        has_recording: true,
        has_ultravox_id: true,
        ultravox: UltravoxMode::Redirect,
        segments: &[main_synced(AudioFormat::WavPcm16, 30)],
    },
];

/// Every notable call.
pub fn calls() -> &'static [FixtureCall] {
    CALLS
}

/// A notable call by its short name (e.g. `"multi_segment"`).
pub fn call(name: &str) -> Option<&'static FixtureCall> {
    CALLS.iter().find(|c| c.name == name)
}

/// The Ultravox id the seed gives a fixture call (stable, derived from the call id).
pub fn ultravox_call_id(call_id: &str) -> String {
    uuid::Uuid::new_v5(
        &uuid::Uuid::NAMESPACE_OID,
        format!("ultravox/{call_id}").as_bytes(),
    )
    .to_string()
}
