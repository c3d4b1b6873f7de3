//! What every handler shares.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Instant;

use rand::rngs::StdRng;

use crate::cache::AudioCache;
use crate::db::Db;
use crate::faults::Faults;
use crate::signing::Keys;
use crate::stats::Counters;

pub(crate) struct AppState {
    pub db: Db,
    pub keys: Keys,
    /// `http://127.0.0.1:<port>`, no trailing slash.
    pub base_url: String,
    /// `127.0.0.1:<port>`: the host GCS signatures cover.
    pub host: String,
    pub token_lifetime: u64,
    pub url_lifetime: u64,
    pub refresh_reuse_interval: u64,
    pub password_attempts: u32,
    pub faults: RwLock<Faults>,
    pub fault_rng: Mutex<StdRng>,
    pub counters: Arc<Counters>,
    pub audio: AudioCache,
    /// For endpoint A's call to Ultravox: redirects disabled, as `redirect: 'manual'`.
    pub http: reqwest::Client,
    /// Password attempts per email, for GoTrue's rate limit.
    pub attempts: Mutex<HashMap<String, VecDeque<Instant>>>,
    /// The `calls` table's shape PostgREST serves.
    pub table: crate::rest::TableShape,
    /// Whether PostgREST serves Callrec's review tables (`callrec_scorecards`,
    /// `callrec_reviews`, `callrec_notes`): false with `--no-reviews`, a project without them.
    pub reviews: bool,
}

pub(crate) type Shared = Arc<AppState>;

impl AppState {
    pub(crate) fn faults(&self) -> Faults {
        self.faults.read().map(|f| f.clone()).unwrap_or_default()
    }
}
