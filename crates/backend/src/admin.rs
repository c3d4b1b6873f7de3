//! The test-control API (`/admin/v1`), for the service role only: both `apikey` and
//! `Authorization: Bearer` must carry the service_role key. Faults, stats, and inserting a
//! call at the top of the list (to test paging against a list that moves).

use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use rand::SeedableRng;
use serde_json::json;

use crate::audio::{AudioFormat, Damage};
use crate::db::DbError;
use crate::faults::Faults;
use crate::fixtures::{self, Segment, UltravoxMode};
use crate::seed::{self, NewCall};
use crate::state::Shared;
use crate::timefmt::{self, MICROS_PER_SEC};

#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error("{0}")]
    BadRequest(String),
    #[error("a call with id {0} already exists")]
    Conflict(String),
    #[error(transparent)]
    Db(#[from] DbError),
    #[error(transparent)]
    Seed(#[from] seed::SeedError),
}

impl IntoResponse for AdminError {
    fn into_response(self) -> Response {
        let status = match &self {
            AdminError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AdminError::Conflict(_) => StatusCode::CONFLICT,
            AdminError::Db(_) | AdminError::Seed(_) => StatusCode::INTERNAL_SERVER_ERROR,
        };
        (status, axum::Json(json!({ "message": self.to_string() }))).into_response()
    }
}

pub(crate) async fn require_service_role(
    State(state): State<Shared>,
    req: Request,
    next: Next,
) -> Response {
    let apikey = req.headers().get("apikey").and_then(|v| v.to_str().ok());
    let bearer = crate::auth::bearer(req.headers());
    let key = state.keys.service_key.as_str();
    if apikey == Some(key) && bearer == Some(key) {
        return next.run(req).await;
    }
    (
        StatusCode::UNAUTHORIZED,
        axum::Json(json!({ "message": "the admin API needs the service_role key as apikey and as Authorization: Bearer" })),
    )
        .into_response()
}

pub(crate) async fn get_faults(State(state): State<Shared>) -> Response {
    axum::Json(state.faults()).into_response()
}

pub(crate) async fn put_faults(State(state): State<Shared>, body: Bytes) -> Response {
    let faults: Faults = match serde_json::from_slice(&body) {
        Ok(f) => f,
        Err(e) => return AdminError::BadRequest(format!("invalid faults: {e}")).into_response(),
    };
    if let Err(e) = faults.validate() {
        return AdminError::BadRequest(e.to_string()).into_response();
    }
    if let Ok(mut f) = state.faults.write() {
        *f = faults.clone();
    }
    axum::Json(faults).into_response()
}

pub(crate) async fn get_stats(State(state): State<Shared>) -> Response {
    axum::Json(state.counters.snapshot()).into_response()
}

const MAX_CALL_SECS: i64 = (crate::audio::MAX_DURATION_MS / 1000) as i64;

/// `POST /admin/v1/calls`: every field optional.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
struct NewCallBody {
    id: Option<String>,
    agency_id: Option<String>,
    ultravox_call_id: Option<String>,
    /// Default: now (so the call sorts first by `created_at.desc`).
    created_at: Option<String>,
    /// Default true: the call gets a 30 s WAV main segment and an Ultravox recording.
    has_recording: Option<bool>,
    /// The main segment's format (`wav_pcm16` by default, or any [`AudioFormat`] name):
    /// `wav_stereo` is the densest (64 kB/s), e.g. ~1 GB in 4.6 h for the downloads benchmark.
    format: Option<AudioFormat>,
    duration_seconds: Option<i64>,
    direction: Option<String>,
    from_number: Option<String>,
    to_number: Option<String>,
    status: Option<String>,
    agent_name: Option<String>,
}

pub(crate) async fn insert_call(State(state): State<Shared>, body: Bytes) -> Response {
    match insert(&state, &body).await {
        Ok(v) => (StatusCode::CREATED, axum::Json(v)).into_response(),
        Err(e) => e.into_response(),
    }
}

async fn insert(state: &Shared, body: &Bytes) -> Result<serde_json::Value, AdminError> {
    let b: NewCallBody = if body.iter().all(u8::is_ascii_whitespace) {
        NewCallBody::default()
    } else {
        serde_json::from_slice(body)
            .map_err(|e| AdminError::BadRequest(format!("invalid call: {e}")))?
    };
    let uuid_field = |v: Option<String>, what: &str| -> Result<Option<String>, AdminError> {
        v.map(|s| {
            uuid::Uuid::parse_str(&s)
                .map(|u| u.to_string())
                .map_err(|_| AdminError::BadRequest(format!("{what} must be a UUID")))
        })
        .transpose()
    };
    let id = uuid_field(b.id, "id")?.unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    let agency_id = uuid_field(b.agency_id, "agency_id")?
        .unwrap_or_else(|| fixtures::AGENCY_NORTHWIND.to_string());
    let Some(agency) = fixtures::AGENCIES.iter().find(|a| a.id == agency_id) else {
        return Err(AdminError::BadRequest(format!(
            "unknown agency {agency_id}"
        )));
    };
    let created_at = match b.created_at {
        Some(t) => timefmt::parse_timestamptz(&t)
            .ok_or_else(|| AdminError::BadRequest(format!("invalid created_at {t:?}")))?,
        None => timefmt::now_micros(),
    };
    let has_recording = b.has_recording.unwrap_or(true);
    let secs = b
        .duration_seconds
        .unwrap_or(if has_recording { 30 } else { 0 });
    // The audio renderer takes at most `MAX_DURATION_MS`.
    if !(0..=MAX_CALL_SECS).contains(&secs) {
        return Err(AdminError::BadRequest(format!(
            "duration_seconds must be between 0 and {MAX_CALL_SECS}"
        )));
    }
    let started = created_at + 4 * MICROS_PER_SEC;
    let call = NewCall {
        id: id.clone(),
        ultravox_call_id: Some(
            b.ultravox_call_id
                .unwrap_or_else(|| uuid::Uuid::new_v4().to_string()),
        ),
        agency_id,
        has_recording,
        created_at,
        started_at: Some(started),
        ended_at: Some(started + secs * MICROS_PER_SEC),
        duration_seconds: Some(secs),
        direction: b.direction.unwrap_or_else(|| "inbound".to_string()),
        from_number: b.from_number.unwrap_or_else(|| "+12125550142".to_string()),
        to_number: b.to_number.unwrap_or_else(|| agency.line.to_string()),
        status: b.status.unwrap_or_else(|| "completed".to_string()),
        agent_name: Some(b.agent_name.unwrap_or_else(|| "Ava (AI)".to_string())),
    };
    let segment = Segment {
        label: "main",
        source: "signalwire",
        status: "synced",
        format: b.format.unwrap_or(AudioFormat::WavPcm16),
        duration_ms: u64::try_from(secs.max(1) * 1000).unwrap_or(1000),
        tone_hz: fixtures::TONE_MAIN_HZ,
        right_tone_hz: None,
        damage: Damage::None,
        gap_before_ms: 0,
    };
    let result = state
        .db
        .call(move |conn| -> Result<serde_json::Value, AdminError> {
            if crate::db::find_call(conn, &call.id)?.is_some() {
                return Err(AdminError::Conflict(call.id.clone()));
            }
            let tx = conn.transaction().map_err(DbError::from)?;
            {
                let mut ins = seed::Inserter::new(&tx).map_err(DbError::from)?;
                let mut rng = rand::rngs::StdRng::from_rng(&mut rand::rng());
                let (segments, mode): (&[Segment], UltravoxMode) = if call.has_recording {
                    (std::slice::from_ref(&segment), UltravoxMode::Redirect)
                } else {
                    (&[], UltravoxMode::None)
                };
                seed::insert_full_call(&mut ins, &mut rng, &call, segments, mode)?;
            }
            tx.commit().map_err(DbError::from)?;
            crate::rest::call_json(conn, &call.id)?
                .ok_or_else(|| AdminError::BadRequest("call vanished".into()))
        })
        .await??;
    Ok(result)
}
