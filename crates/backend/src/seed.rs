//! The deterministic seed: agencies, users, the notable fixture calls and `--calls` generated
//! calls for the demo agency, all in one transaction with prepared statements (200,000 calls in
//! a few seconds). Audio is not rendered here: recordings only describe their audio, which the
//! storage service renders on first request.

use std::path::Path;
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rusqlite::{Connection, Statement, params};

use crate::audio::{AudioFormat, Damage};
use crate::db::{self, DbError};
use crate::fixtures::{self, FixtureCall, Segment, UltravoxMode};
use crate::timefmt::{MICROS_PER_SEC, now_micros, start_of_day};

#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("removing the old database {path}: {source}")]
    Remove {
        path: String,
        source: std::io::Error,
    },
    #[error("encoding a value: {0}")]
    Json(#[from] serde_json::Error),
}

/// What [`prepare`] did.
#[derive(Debug, Clone)]
pub(crate) struct SeedInfo {
    /// Whether an existing database with the same seed parameters was reused.
    pub reused: bool,
    pub elapsed: Duration,
}

const DAY_MICROS: i64 = 86_400 * MICROS_PER_SEC;

/// Opens or (re)builds the database at `path` for `seed` and `calls`.
pub(crate) fn prepare(path: &Path, seed: u64, calls: u32) -> Result<SeedInfo, SeedError> {
    let started = Instant::now();
    if path.exists() {
        let conn = db::open(path)?;
        let matches = |k: &str, v: &str| -> Result<bool, SeedError> {
            Ok(db::meta_get(&conn, k)?.as_deref() == Some(v))
        };
        let same = conn
            .query_row(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'",
                [],
                |_| Ok(()),
            )
            .is_ok()
            && matches("schema_version", db::SCHEMA_VERSION)?
            && matches("seed", &seed.to_string())?
            && matches("calls", &calls.to_string())?
            && matches("complete", "1")?;
        if same {
            return Ok(SeedInfo {
                reused: true,
                elapsed: started.elapsed(),
            });
        }
        drop(conn);
        for suffix in ["", "-wal", "-shm"] {
            let p = format!("{}{suffix}", path.display());
            if Path::new(&p).exists() {
                std::fs::remove_file(&p).map_err(|source| SeedError::Remove {
                    path: p.clone(),
                    source,
                })?;
            }
        }
    }
    let mut conn = db::open(path)?;
    let anchor = start_of_day(now_micros());
    seed_all(&mut conn, seed, calls, anchor)?;
    Ok(SeedInfo {
        reused: false,
        elapsed: started.elapsed(),
    })
}

pub(crate) fn hash_password(salt: &str, password: &str) -> String {
    crate::signing::sha256_hex(format!("{salt}:{password}").as_bytes())
}

pub(crate) fn new_uuid(rng: &mut impl Rng) -> String {
    uuid::Builder::from_random_bytes(rng.random())
        .into_uuid()
        .to_string()
}

/// The text a format or damage is stored as (its serde name).
pub(crate) fn enum_text<T: serde::Serialize>(v: &T) -> Result<String, serde_json::Error> {
    match serde_json::to_value(v)? {
        serde_json::Value::String(s) => Ok(s),
        other => Ok(other.to_string()),
    }
}

/// One call row to insert.
#[derive(Debug, Clone, serde::Deserialize)]
pub(crate) struct NewCall {
    pub id: String,
    pub ultravox_call_id: Option<String>,
    pub agency_id: String,
    pub has_recording: bool,
    pub created_at: i64,
    pub started_at: Option<i64>,
    pub ended_at: Option<i64>,
    pub duration_seconds: Option<i64>,
    pub direction: String,
    pub from_number: String,
    pub to_number: String,
    pub status: String,
    pub agent_name: Option<String>,
}

pub(crate) struct Inserter<'c> {
    calls: Statement<'c>,
    recordings: Statement<'c>,
    ultravox: Statement<'c>,
}

impl<'c> Inserter<'c> {
    pub(crate) fn new(conn: &'c Connection) -> Result<Self, rusqlite::Error> {
        Ok(Inserter {
            calls: conn.prepare(
                "INSERT INTO calls (id, ultravox_call_id, agency_id, has_recording, created_at, started_at, ended_at,
                   duration_seconds, direction, from_number, to_number, status, agent_name)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
            )?,
            recordings: conn.prepare(
                "INSERT INTO recordings (id, call_id, position, label, source, status, format, duration_ms, tone_hz,
                   right_tone_hz, damage, audio_seed, created_at, path)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
            )?,
            ultravox: conn.prepare(
                "INSERT INTO ultravox_recordings (ultravox_call_id, call_id, agency_id, mode, format, duration_ms,
                   tone_hz, right_tone_hz, damage, audio_seed, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            )?,
        })
    }

    pub(crate) fn call(&mut self, c: &NewCall) -> Result<(), rusqlite::Error> {
        self.calls.execute(params![
            c.id,
            c.ultravox_call_id,
            c.agency_id,
            c.has_recording,
            c.created_at,
            c.started_at,
            c.ended_at,
            c.duration_seconds,
            c.direction,
            c.from_number,
            c.to_number,
            c.status,
            c.agent_name,
        ])?;
        Ok(())
    }

    /// Inserts a segment; returns nothing (the id is the caller's).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn segment(
        &mut self,
        id: &str,
        call: &NewCall,
        position: usize,
        seg: &Segment,
        audio_seed: i64,
        created_at: i64,
    ) -> Result<(), SeedError> {
        let path = format!("{}/{}/{}", call.agency_id, call.id, id);
        self.recordings.execute(params![
            id,
            call.id,
            position as i64,
            seg.label,
            seg.source,
            seg.status,
            enum_text(&seg.format)?,
            seg.duration_ms as i64,
            f64::from(seg.tone_hz),
            seg.right_tone_hz.map(f64::from),
            enum_text(&seg.damage)?,
            audio_seed,
            created_at,
            path,
        ])?;
        Ok(())
    }

    pub(crate) fn ultravox(
        &mut self,
        call: &NewCall,
        mode: UltravoxMode,
        audio: &Segment,
        audio_seed: i64,
        created_at: i64,
    ) -> Result<(), SeedError> {
        let (Some(uv_id), mode) = (call.ultravox_call_id.as_deref(), mode) else {
            return Ok(());
        };
        let mode = match mode {
            UltravoxMode::None => return Ok(()),
            UltravoxMode::Redirect => "redirect",
            UltravoxMode::Direct => "direct",
        };
        self.ultravox.execute(params![
            uv_id,
            call.id,
            call.agency_id,
            mode,
            enum_text(&audio.format)?,
            audio.duration_ms as i64,
            f64::from(audio.tone_hz),
            audio.right_tone_hz.map(f64::from),
            enum_text(&audio.damage)?,
            audio_seed,
            created_at,
        ])?;
        Ok(())
    }
}

/// Inserts a call with its segments and Ultravox recording. Ultravox holds the same audio as
/// the main segment (same spec, hence the same bytes and ETag), as its copy of the conversation.
pub(crate) fn insert_full_call(
    ins: &mut Inserter<'_>,
    rng: &mut StdRng,
    call: &NewCall,
    segments: &[Segment],
    ultravox: UltravoxMode,
) -> Result<(), SeedError> {
    ins.call(call)?;
    let synced_at =
        call.ended_at.unwrap_or(call.created_at) + rng.random_range(5..90) * MICROS_PER_SEC;
    // A call with an unrecorded stretch dates each segment when its recording started, one after
    // the other from the call's start; the others keep the sync time (what seeded data had).
    let dated = segments.iter().any(|s| s.gap_before_ms > 0);
    let mut at = call.started_at.unwrap_or(call.created_at);
    let mut main_seed = None;
    for (pos, seg) in segments.iter().enumerate() {
        let id = new_uuid(rng);
        let audio_seed = rng.random::<i64>();
        main_seed.get_or_insert(audio_seed);
        at += micros(seg.gap_before_ms);
        let created = if dated {
            at
        } else {
            synced_at + pos as i64 * MICROS_PER_SEC
        };
        ins.segment(&id, call, pos, seg, audio_seed, created)?;
        at += micros(seg.duration_ms);
    }
    let fallback = fixtures_default_audio(call);
    let audio = segments.first().unwrap_or(&fallback);
    let audio_seed = main_seed.unwrap_or_else(|| rng.random::<i64>());
    ins.ultravox(
        call,
        ultravox,
        audio,
        audio_seed,
        call.ended_at.unwrap_or(call.created_at),
    )?;
    Ok(())
}

fn micros(ms: u64) -> i64 {
    i64::try_from(ms.saturating_mul(1000)).unwrap_or(i64::MAX)
}

/// Audio Ultravox holds for a call with no synced segments: a WAV of the call's length.
fn fixtures_default_audio(call: &NewCall) -> Segment {
    let secs = call.duration_seconds.unwrap_or(30).clamp(5, 3600) as u64;
    Segment {
        label: "main",
        source: "unknown",
        status: "synced",
        format: AudioFormat::WavPcm16,
        duration_ms: secs * 1000,
        tone_hz: fixtures::TONE_MAIN_HZ,
        right_tone_hz: None,
        damage: Damage::None,
        gap_before_ms: 0,
    }
}

fn seed_all(conn: &mut Connection, seed: u64, calls: u32, anchor: i64) -> Result<(), SeedError> {
    let mut rng = StdRng::seed_from_u64(seed);
    conn.execute_batch("PRAGMA synchronous = OFF;")?;
    conn.execute_batch(db::SCHEMA)?;
    let tx = conn.transaction()?;
    {
        let epoch = anchor - 400 * DAY_MICROS;
        for a in fixtures::AGENCIES {
            tx.execute(
                "INSERT INTO agencies (id, name, ultravox_api_key, created_at) VALUES (?1, ?2, ?3, ?4)",
                params![a.id, a.name, a.ultravox_key, epoch],
            )?;
        }
        for a in fixtures::AGENCIES {
            let checks = crate::rest::jsonb_text(&serde_json::to_value(a.scorecard)?);
            tx.execute(
                "INSERT INTO callrec_scorecards (agency_id, checks, updated_at) VALUES (?1, ?2, ?3)",
                params![a.id, checks, epoch],
            )?;
        }
        for u in fixtures::USERS {
            // From the seed and the user, not the generator: adding a demo user leaves the
            // generated calls as they were.
            let salt = crate::signing::sha256_hex(format!("salt:{seed}:{}", u.id).as_bytes())[..32]
                .to_string();
            let hash = hash_password(&salt, fixtures::DEMO_PASSWORD);
            let confirmed = u.confirmed.then_some(epoch + DAY_MICROS);
            tx.execute(
                "INSERT INTO users (id, email, password_salt, password_hash, email_confirmed_at, agency_id, full_name,
                   created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)",
                params![u.id, u.email, salt, hash, confirmed, u.agency_id, u.full_name, epoch],
            )?;
        }

        let mut ins = Inserter::new(&tx)?;
        let fixture_calls = fixtures::calls();
        for (i, f) in fixture_calls.iter().enumerate() {
            // Two days before the anchor, newest first, spaced 1.5 h apart.
            let created = anchor
                - (i as i64 + 1) * 90 * 60 * MICROS_PER_SEC
                - rng.random_range(0..600) * MICROS_PER_SEC;
            let call = fixture_row(f, created, &mut rng);
            insert_full_call(&mut ins, &mut rng, &call, f.segments, f.ultravox)?;
        }

        let in_demo = fixture_calls
            .iter()
            .filter(|f| f.agency_id == fixtures::AGENCY_NORTHWIND)
            .count() as u32;
        let plan = [
            (&fixtures::AGENCIES[0], calls.saturating_sub(in_demo)),
            (&fixtures::AGENCIES[1], 40),
            (&fixtures::AGENCIES[2], 12),
        ];
        for (agency, n) in plan {
            // In clustered-key order, so the calls table is appended to, not split.
            let mut times: Vec<i64> = (0..n).map(|_| random_created(&mut rng, anchor)).collect();
            times.sort_unstable();
            for created in times {
                let g = generate_call(&mut rng, agency, created);
                insert_full_call(&mut ins, &mut rng, &g.call, &g.segments, g.ultravox)?;
            }
        }
    }
    tx.execute_batch(db::BULK_INDEXES)?;
    for (k, v) in [
        ("schema_version", db::SCHEMA_VERSION.to_string()),
        ("seed", seed.to_string()),
        ("calls", calls.to_string()),
        ("anchor", anchor.to_string()),
        ("complete", "1".to_string()),
    ] {
        db::meta_set(&tx, k, &v)?;
    }
    tx.commit()?;
    conn.execute_batch("PRAGMA synchronous = NORMAL;")?;
    Ok(())
}

fn fixture_row(f: &FixtureCall, created: i64, rng: &mut StdRng) -> NewCall {
    let agency = fixtures::AGENCIES
        .iter()
        .find(|a| a.id == f.agency_id)
        .unwrap_or(&fixtures::AGENCIES[0]);
    let total_ms: u64 = f.segments.iter().map(|s| s.duration_ms).sum();
    let (status, started, ended, duration) = if f.has_recording {
        let secs = if total_ms == 0 {
            95
        } else {
            total_ms.div_ceil(1000) as i64
        };
        let started = created + 6 * MICROS_PER_SEC;
        (
            "completed",
            Some(started),
            Some(started + secs * MICROS_PER_SEC),
            Some(secs),
        )
    } else {
        ("missed", None, Some(created + 25 * MICROS_PER_SEC), Some(0))
    };
    NewCall {
        id: f.call_id.to_string(),
        ultravox_call_id: f
            .has_ultravox_id
            .then(|| fixtures::ultravox_call_id(f.call_id)),
        agency_id: f.agency_id.to_string(),
        has_recording: f.has_recording,
        created_at: created,
        started_at: started,
        ended_at: ended,
        duration_seconds: duration,
        direction: "inbound".to_string(),
        from_number: customer_number(rng),
        to_number: agency.line.to_string(),
        status: status.to_string(),
        agent_name: Some("Ava (AI)".to_string()),
    }
}

const AREA_CODES: &[u16] = &[
    201, 206, 212, 213, 303, 305, 312, 404, 415, 503, 512, 602, 617, 646, 702, 713, 718, 720, 773,
    808, 917, 971,
];

const AGENTS: &[&str] = &[
    "Ava (AI)",
    "Ava (AI)",
    "Ava (AI)",
    "Jordan Lee",
    "Priya Shah",
    "Marcus Green",
    "Elena Rossi",
    "Sam Carter",
    "Noah Kim",
    "Grace Okafor",
    "Liam O'Brien",
    "Sofia Alvarez",
];

/// A US number in the 555-0100..0199 block reserved for fiction, in E.164.
fn customer_number(rng: &mut StdRng) -> String {
    let area = AREA_CODES[rng.random_range(0..AREA_CODES.len())];
    format!("+1{area}55501{:02}", rng.random_range(0..100))
}

struct Generated {
    call: NewCall,
    segments: Vec<Segment>,
    ultravox: UltravoxMode,
}

fn pick_format(rng: &mut StdRng) -> AudioFormat {
    match rng.random_range(0..100) {
        0..55 => AudioFormat::WavPcm16,
        55..63 => AudioFormat::WavMulaw,
        63..68 => AudioFormat::WavStereo,
        68..83 => AudioFormat::Mp3Cbr,
        83..90 => AudioFormat::Mp3Vbr,
        90..93 => AudioFormat::Mp3VbrNoXing,
        _ => AudioFormat::OggOpus,
    }
}

fn pick_source(rng: &mut StdRng) -> &'static str {
    match rng.random_range(0..100) {
        0..70 => "signalwire",
        70..95 => "livekit",
        _ => "unknown",
    }
}

/// A call time in the 90 days before `anchor`, mostly in US business hours (13–23 UTC).
fn random_created(rng: &mut StdRng, anchor: i64) -> i64 {
    let day = rng.random_range(0..90i64);
    let hour = if rng.random_bool(0.85) {
        rng.random_range(13..23i64)
    } else {
        rng.random_range(0..24i64)
    };
    anchor - (day + 1) * DAY_MICROS
        + hour * 3600 * MICROS_PER_SEC
        + rng.random_range(0..3600 * MICROS_PER_SEC)
}

fn generate_call(rng: &mut StdRng, agency: &fixtures::AgencySpec, created: i64) -> Generated {
    let inbound = rng.random_bool(0.65);
    let status = match rng.random_range(0..100) {
        0..85 => "completed",
        85..91 => "voicemail",
        91..97 => "missed",
        _ => "failed",
    };
    let has_recording = match status {
        "completed" => rng.random_bool(0.97),
        "voicemail" => rng.random_bool(0.9),
        _ => false,
    };
    let secs: i64 = match status {
        // Log-uniform 15 s–3 min, with a tail of longer calls.
        "completed" if rng.random_bool(0.06) => rng.random_range(180..900),
        "completed" => (rng.random_range(15f64.ln()..180f64.ln())).exp().round() as i64,
        "voicemail" => rng.random_range(8..60),
        _ => 0,
    };
    let (started, ended) = match status {
        "missed" => (None, created + 25 * MICROS_PER_SEC),
        "failed" => (None, created + 3 * MICROS_PER_SEC),
        _ => {
            let s = created + rng.random_range(2..15) * MICROS_PER_SEC;
            (Some(s), s + secs * MICROS_PER_SEC)
        }
    };
    let customer = customer_number(rng);
    let (from, to) = if inbound {
        (customer, agency.line.to_string())
    } else {
        (agency.line.to_string(), customer)
    };
    let agent = if status == "missed" && rng.random_bool(0.5) {
        None
    } else {
        Some(AGENTS[rng.random_range(0..AGENTS.len())].to_string())
    };
    let ultravox_id = rng.random_bool(0.97).then(|| new_uuid(rng));
    let call = NewCall {
        id: new_uuid(rng),
        ultravox_call_id: ultravox_id,
        agency_id: agency.id.to_string(),
        has_recording,
        created_at: created,
        started_at: started,
        ended_at: Some(ended),
        duration_seconds: Some(secs),
        direction: if inbound { "inbound" } else { "outbound" }.to_string(),
        from_number: from,
        to_number: to,
        status: status.to_string(),
        agent_name: agent,
    };
    if !has_recording {
        return Generated {
            call,
            segments: Vec::new(),
            ultravox: UltravoxMode::None,
        };
    }
    let total_ms = (secs.max(5) * 1000 + rng.random_range(0..1000)) as u64;
    let status_of = |rng: &mut StdRng| {
        if rng.random_bool(0.04) {
            "pending_sync"
        } else {
            "synced"
        }
    };
    let format = pick_format(rng);
    let mut main = Segment {
        label: "main",
        source: pick_source(rng),
        status: status_of(rng),
        format,
        duration_ms: total_ms,
        tone_hz: fixtures::TONE_MAIN_HZ,
        right_tone_hz: (format == AudioFormat::WavStereo).then_some(fixtures::TONE_CUSTOMER_HZ),
        damage: Damage::None,
        gap_before_ms: 0,
    };
    let mut segments = Vec::with_capacity(3);
    let shape = rng.random_range(0..100);
    if shape < 7 && total_ms >= 20_000 {
        // A transfer: main, then the conference, sometimes back to an agent.
        let three = shape < 2;
        let transfer_ms = total_ms * 25 / 100;
        let reconnect_ms = if three { total_ms * 15 / 100 } else { 0 };
        main.duration_ms = total_ms - transfer_ms - reconnect_ms;
        segments.push(main);
        segments.push(Segment {
            label: "transfer_conference",
            source: pick_source(rng),
            status: status_of(rng),
            format: AudioFormat::WavPcm16,
            duration_ms: transfer_ms,
            tone_hz: fixtures::TONE_TRANSFER_HZ,
            right_tone_hz: None,
            damage: Damage::None,
            gap_before_ms: 0,
        });
        if three {
            segments.push(Segment {
                label: "reconnect_to_agent",
                source: pick_source(rng),
                status: status_of(rng),
                format: AudioFormat::WavPcm16,
                duration_ms: reconnect_ms,
                tone_hz: fixtures::TONE_RECONNECT_HZ,
                right_tone_hz: None,
                damage: Damage::None,
                gap_before_ms: 0,
            });
        }
    } else {
        segments.push(main);
    }
    // Where the audio is: 2 % only at Ultravox (not synced yet), 1 % lost everywhere
    // (has_recording but both endpoints 404); Ultravox itself mostly redirects, sometimes
    // answers directly, sometimes has nothing.
    let place = rng.random_range(0..100);
    let mut ultravox = match rng.random_range(0..100) {
        0..92 => UltravoxMode::Redirect,
        92..94 => UltravoxMode::Direct,
        _ => UltravoxMode::None,
    };
    match place {
        0..2 => segments.clear(),
        2 => {
            segments.clear();
            ultravox = UltravoxMode::None;
        }
        _ => {}
    }
    Generated {
        call,
        segments,
        ultravox,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeds_deterministically() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.db");
        let b = dir.path().join("b.db");
        prepare(&a, 42, 120).unwrap();
        prepare(&b, 42, 120).unwrap();
        let ids = |p: &Path| -> Vec<String> {
            let c = db::open(p).unwrap();
            let mut s = c
                .prepare("SELECT id || from_number || status FROM calls ORDER BY id")
                .unwrap();
            s.query_map([], |r| r.get(0))
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap()
        };
        assert_eq!(ids(&a), ids(&b));
        let c = db::open(&a).unwrap();
        let n: i64 = c
            .query_row(
                "SELECT count(*) FROM calls WHERE agency_id = ?1",
                [fixtures::AGENCY_NORTHWIND],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(n, 120);
        // Reopening with the same parameters reuses the data.
        assert!(prepare(&a, 42, 120).unwrap().reused);
        assert!(!prepare(&a, 43, 120).unwrap().reused);
    }
}
