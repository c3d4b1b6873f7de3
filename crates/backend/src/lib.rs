//! A local, Supabase-compatible backend for Callrec's demo mode and tests.
//!
//! One loopback HTTP server stands in for an agency's whole Supabase project and what sits
//! behind it, following the real services' public contracts (status codes, error shapes,
//! headers), not convenient approximations of them:
//!
//! | path | stands in for |
//! | --- | --- |
//! | `/auth/v1/{token,user,logout,health}` | GoTrue |
//! | `/rest/v1/calls` | PostgREST (RLS by agency, 1000-row cap) |
//! | `/rest/v1/callrec_{scorecards,reviews,notes}` | PostgREST reads and writes of Callrec's shared reviews (docs/reviews.md: RLS, upserts, the migration's triggers); absent with `--no-reviews` |
//! | `/functions/v1/get-call-recording` | endpoint A (via Ultravox) |
//! | `/functions/v1/get-signed-recording-url` | endpoint B (magpipe) |
//! | `/api/calls/{id}/recording` | Ultravox's recording endpoint |
//! | `/storage/v1/object/sign/...`, `/gcs/...`, `/provider/...` | the three signed-URL stores |
//! | `/admin/v1/{faults,stats,calls}` | test control (service_role only) |
//!
//! The `apikey` header is required on auth, REST and functions, as Supabase's gateway requires
//! it. Data lives in SQLite under the data dir; audio is rendered on first request by
//! [`audio`] into the data dir's cache. [`fixtures`] names the notable seeded objects.
//!
//! ```no_run
//! # async fn demo() -> Result<(), callrec_backend::BackendError> {
//! use callrec_backend::{BackendArgs, start};
//! let backend = start(BackendArgs { calls: 50, ..Default::default() }).await?;
//! println!("{}", backend.banner());
//! backend.shutdown().await;
//! # Ok(()) }
//! ```

pub mod audio;

mod admin;
mod auth;
mod cache;
mod db;
pub mod faults;
pub mod fixtures;
mod functions;
mod gateway;
mod rest;
mod seed;
mod signing;
mod state;
mod stats;
mod storage;
mod timefmt;
mod ultravox;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use axum::Router;
use axum::middleware::{from_fn, from_fn_with_state};
use axum::routing::{any, get, post};
use rand::SeedableRng;

pub use faults::{Faults, FaultsError};
pub use fixtures::DemoUser;
pub use rest::{MAX_BODY_BYTES, MAX_BODY_ROWS, MAX_ROWS, TableShape};
pub use stats::Stats;

use state::{AppState, Shared};

/// The seed used when `--seed` is not given.
pub const DEFAULT_SEED: u64 = 20_261_121;
/// The largest `--calls`.
pub const MAX_CALLS: u32 = 200_000;

/// Options of `callrec backend` / `callrec demo`, and of [`start`] in tests.
#[derive(clap::Args, Clone, Debug)]
pub struct BackendArgs {
    /// Port on 127.0.0.1 to listen on; 0 picks a free one.
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// Calls seeded for the demo agency (Northwind Care), fixtures included.
    #[arg(long, default_value_t = 300, value_parser = clap::value_parser!(u32).range(0..=i64::from(MAX_CALLS)))]
    pub calls: u32,
    /// Where the SQLite database and the rendered audio live (kept across runs, reused when the
    /// seed and call count match). Default: a fresh temporary directory, removed on shutdown.
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    /// Access-token lifetime in seconds.
    #[arg(long, default_value_t = 3600, value_parser = clap::value_parser!(u64).range(1..))]
    pub token_lifetime: u64,
    /// Lifetime in seconds of the signed recording URLs (storage, GCS, provider).
    #[arg(long, default_value_t = 300, value_parser = clap::value_parser!(u64).range(1..=604_800))]
    pub url_lifetime: u64,
    /// GoTrue's refresh-token reuse interval in seconds.
    #[arg(long, default_value_t = 10)]
    pub refresh_reuse_interval: u64,
    /// Password attempts allowed per email in 5 minutes before 429 `over_request_rate_limit`
    /// (GoTrue's `/token` limit defaults to 150 per 5 minutes, per client IP).
    #[arg(long, default_value_t = 150)]
    pub password_attempts: u32,
    /// Fault: delay every request (admin API excepted) by this many milliseconds.
    #[arg(long, default_value_t = 0)]
    pub latency_ms: u64,
    /// Fault: pace storage bodies to this many bytes per second.
    #[arg(long)]
    pub bandwidth: Option<u64>,
    /// Fault: cut storage connections after this many body bytes.
    #[arg(long)]
    pub drop_after: Option<u64>,
    /// Fault: answer this fraction (0.0–1.0) of REST, functions and storage requests with 5xx.
    #[arg(long, default_value_t = 0.0)]
    pub error_rate: f64,
    /// Seed of the generated data and of the keys.
    #[arg(long, default_value_t = DEFAULT_SEED)]
    pub seed: u64,
    /// The shape of the `calls` table PostgREST serves (the same calls in each): `full`, the
    /// certain columns and `duration` (`minimal`), or magpipe's own names (`magpipe`).
    #[arg(long, value_enum, default_value_t = TableShape::Full)]
    pub schema: TableShape,
    /// Serve a project without Callrec's review tables (`callrec_scorecards`, `callrec_reviews`,
    /// `callrec_notes`): every request to them is 404 `PGRST205`, as before the migration.
    #[arg(long)]
    pub no_reviews: bool,
}

impl Default for BackendArgs {
    fn default() -> Self {
        BackendArgs {
            port: 0,
            calls: 300,
            data_dir: None,
            token_lifetime: 3600,
            url_lifetime: 300,
            refresh_reuse_interval: 10,
            password_attempts: 150,
            latency_ms: 0,
            bandwidth: None,
            drop_after: None,
            error_rate: 0.0,
            seed: DEFAULT_SEED,
            schema: TableShape::Full,
            no_reviews: false,
        }
    }
}

impl BackendArgs {
    fn faults(&self) -> Faults {
        Faults {
            latency_ms: self.latency_ms,
            bandwidth: self.bandwidth,
            drop_after: self.drop_after,
            error_rate: self.error_rate,
            missing: Vec::new(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum BackendError {
    #[error("invalid option: {0}")]
    InvalidArgs(String),
    #[error("preparing the data dir {path}: {source}")]
    DataDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("seeding the database: {0}")]
    Seed(#[from] seed::SeedError),
    #[error("opening the database: {0}")]
    Db(#[from] db::DbError),
    #[error("binding 127.0.0.1:{port}: {source}")]
    Bind { port: u16, source: std::io::Error },
    #[error("deriving keys: {0}")]
    Keys(#[from] signing::SigningError),
    #[error("building the HTTP client: {0}")]
    Http(#[from] reqwest::Error),
    #[error(transparent)]
    Faults(#[from] FaultsError),
    #[error("background task failed: {0}")]
    Task(String),
}

/// A backend serving on loopback. Stop it with [`RunningBackend::shutdown`] (dropping it also
/// stops the server, without waiting).
pub struct RunningBackend {
    state: Shared,
    demo_users: Vec<DemoUser>,
    data_dir: PathBuf,
    calls: u32,
    seeded_in: Duration,
    reused_data: bool,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
    // Dropped last: removes the default data dir once the server is gone.
    _temp: Option<tempfile::TempDir>,
}

impl std::fmt::Debug for RunningBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunningBackend")
            .field("base_url", &self.state.base_url)
            .field("data_dir", &self.data_dir)
            .finish()
    }
}

/// Seeds (or reuses) the data and starts serving on 127.0.0.1.
pub async fn start(args: BackendArgs) -> Result<RunningBackend, BackendError> {
    let faults = args.faults();
    faults.validate()?;
    if args.calls > MAX_CALLS {
        return Err(BackendError::InvalidArgs(format!(
            "--calls is at most {MAX_CALLS}"
        )));
    }
    if args.token_lifetime == 0 || args.url_lifetime == 0 || args.url_lifetime > 604_800 {
        return Err(BackendError::InvalidArgs(
            "lifetimes must be 1 s or more (URLs: at most 7 days)".into(),
        ));
    }
    let (temp, data_dir) = match &args.data_dir {
        Some(d) => {
            std::fs::create_dir_all(d).map_err(|source| BackendError::DataDir {
                path: d.clone(),
                source,
            })?;
            (None, d.clone())
        }
        None => {
            let t = tempfile::Builder::new()
                .prefix("callrec-backend-")
                .tempdir()
                .map_err(|source| BackendError::DataDir {
                    path: std::env::temp_dir(),
                    source,
                })?;
            let p = t.path().to_path_buf();
            (Some(t), p)
        }
    };
    let db_path = data_dir.join("callrec-backend.sqlite3");
    let (seed, calls) = (args.seed, args.calls);
    let path = db_path.clone();
    let info = tokio::task::spawn_blocking(move || seed::prepare(&path, seed, calls))
        .await
        .map_err(|e| BackendError::Task(e.to_string()))??;

    let listener = tokio::net::TcpListener::bind(("127.0.0.1", args.port))
        .await
        .map_err(|source| BackendError::Bind {
            port: args.port,
            source,
        })?;
    let addr = listener.local_addr().map_err(|source| BackendError::Bind {
        port: args.port,
        source,
    })?;
    let host = format!("127.0.0.1:{}", addr.port());
    let keys = signing::Keys::derive(args.seed)?;
    let counters = Arc::new(stats::Counters::default());
    let state: Shared = Arc::new(AppState {
        db: db::Db::new(&db_path, 4)?,
        keys,
        base_url: format!("http://{host}"),
        host,
        token_lifetime: args.token_lifetime,
        url_lifetime: args.url_lifetime,
        refresh_reuse_interval: args.refresh_reuse_interval,
        password_attempts: args.password_attempts.max(1),
        faults: RwLock::new(faults),
        fault_rng: Mutex::new(rand::rngs::StdRng::seed_from_u64(args.seed ^ 0x5EED_FA17)),
        counters: Arc::clone(&counters),
        audio: cache::AudioCache::new(data_dir.join("audio"), counters),
        http: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(30))
            .build()?,
        attempts: Mutex::new(HashMap::new()),
        table: args.schema,
        reviews: !args.no_reviews,
    });

    let app = router(Arc::clone(&state));
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let serve = axum::serve(listener, app).with_graceful_shutdown(async {
            let _ = rx.await;
        });
        if let Err(e) = serve.await {
            tracing::error!("backend server stopped: {e}");
        }
    });

    let demo_users = fixtures::USERS
        .iter()
        .map(|u| DemoUser {
            id: u.id.to_string(),
            email: u.email.to_string(),
            password: fixtures::DEMO_PASSWORD.to_string(),
            agency: u
                .agency_id
                .and_then(|a| fixtures::AGENCIES.iter().find(|x| x.id == a))
                .map(|a| a.name.to_string()),
            email_confirmed: u.confirmed,
            purpose: u.purpose.to_string(),
        })
        .collect();
    tracing::info!(base_url = %state.base_url, seeded_in = ?info.elapsed, reused = info.reused, "backend listening");
    Ok(RunningBackend {
        state,
        demo_users,
        data_dir,
        calls: args.calls,
        seeded_in: info.elapsed,
        reused_data: info.reused,
        shutdown: Some(tx),
        task: Some(task),
        _temp: temp,
    })
}

fn router(state: Shared) -> Router {
    let s = || Arc::clone(&state);
    let auth = Router::new()
        .route("/token", post(auth::token))
        .route("/user", get(auth::user))
        .route("/logout", post(auth::logout))
        .route("/health", get(auth::health))
        .fallback(auth::not_found)
        .layer(from_fn_with_state(s(), gateway::require_apikey))
        .layer(from_fn(gateway::cors));
    let rest = Router::new()
        .route("/", get(rest::root))
        .route("/{table}", any(rest::handle))
        .layer(from_fn_with_state(s(), gateway::inject_rest))
        .layer(from_fn_with_state(s(), gateway::require_apikey))
        .layer(from_fn(gateway::cors));
    let functions = Router::new()
        .route("/get-call-recording", any(functions::get_call_recording))
        .route(
            "/get-signed-recording-url",
            any(functions::get_signed_recording_url),
        )
        .fallback(functions::not_found)
        .layer(from_fn_with_state(s(), gateway::inject_functions))
        .layer(from_fn_with_state(s(), gateway::require_apikey));
    let supabase_storage = Router::new()
        .route(
            "/storage/v1/object/sign/{bucket}/{*path}",
            get(storage::supabase_signed),
        )
        .layer(from_fn_with_state(s(), gateway::inject_supabase_storage));
    let gcs = Router::new()
        .route("/gcs/{bucket}/{*object}", get(storage::gcs))
        .layer(from_fn_with_state(s(), gateway::inject_gcs));
    let provider = Router::new()
        .route("/provider/{source}/{*path}", get(storage::provider))
        .layer(from_fn_with_state(s(), gateway::inject_provider));
    let ultravox = Router::new().route("/api/calls/{call_id}/recording", get(ultravox::recording));
    let services = Router::new()
        .nest("/auth/v1", auth)
        .nest("/rest/v1", rest)
        .nest("/functions/v1", functions)
        .merge(supabase_storage)
        .merge(gcs)
        .merge(provider)
        .merge(ultravox)
        .layer(from_fn_with_state(s(), gateway::latency));
    let admin = Router::new()
        .route(
            "/admin/v1/faults",
            get(admin::get_faults).put(admin::put_faults),
        )
        .route("/admin/v1/stats", get(admin::get_stats))
        .route("/admin/v1/calls", post(admin::insert_call))
        .layer(from_fn_with_state(s(), admin::require_service_role));
    Router::new()
        .merge(services)
        .merge(admin)
        .fallback(gateway::no_route)
        .with_state(state)
}

impl RunningBackend {
    /// `http://127.0.0.1:<port>`, without a trailing slash.
    pub fn base_url(&self) -> &str {
        &self.state.base_url
    }

    /// `<base>/functions/v1`.
    pub fn functions_url(&self) -> String {
        format!("{}/functions/v1", self.state.base_url)
    }

    /// The project's anon key (a JWT with `role: anon`), stable for a given seed.
    pub fn anon_key(&self) -> &str {
        &self.state.keys.anon_key
    }

    /// The service_role key: admin API and tests only.
    pub fn service_role_key(&self) -> &str {
        &self.state.keys.service_key
    }

    /// The HS256 secret every JWT is signed with (tests mint expired or foreign tokens with it).
    pub fn jwt_secret(&self) -> &str {
        &self.state.keys.jwt_secret
    }

    pub fn demo_users(&self) -> &[DemoUser] {
        &self.demo_users
    }

    /// The main reviewer (Northwind Care).
    pub fn demo_user(&self) -> &DemoUser {
        &self.demo_users[0]
    }

    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// How long preparing the data took (seeding, or opening a reused database).
    pub fn seeded_in(&self) -> Duration {
        self.seeded_in
    }

    pub fn faults(&self) -> Faults {
        self.state.faults()
    }

    pub fn set_faults(&self, faults: Faults) -> Result<(), FaultsError> {
        faults.validate()?;
        if let Ok(mut f) = self.state.faults.write() {
            *f = faults;
        }
        Ok(())
    }

    pub fn stats(&self) -> Stats {
        self.state.counters.snapshot()
    }

    /// What `callrec backend` prints on start.
    pub fn banner(&self) -> String {
        use std::fmt::Write;
        let base = self.base_url();
        let mut s = String::new();
        let _ = writeln!(s, "Callrec local backend (Supabase-compatible) is running.");
        let _ = writeln!(s);
        let _ = writeln!(s, "  Base URL       {base}");
        let _ = writeln!(s, "  Auth           {base}/auth/v1");
        let _ = writeln!(s, "  REST           {base}/rest/v1/calls");
        if self.state.reviews {
            let _ = writeln!(
                s,
                "  Reviews        {base}/rest/v1/callrec_{{scorecards,reviews,notes}}"
            );
        }
        let _ = writeln!(s, "  Functions URL  {}", self.functions_url());
        let _ = writeln!(s, "  Anon key       {}", self.anon_key());
        let _ = writeln!(
            s,
            "  Service key    {}   (admin API and tests only)",
            self.service_role_key()
        );
        let _ = writeln!(
            s,
            "  Data dir       {}{}",
            self.data_dir.display(),
            if self._temp.is_some() {
                "   (temporary, removed on exit)"
            } else {
                ""
            }
        );
        let _ = writeln!(
            s,
            "  Data           {} calls for {} ({} in {} ms)",
            self.calls.max(
                fixtures::calls()
                    .iter()
                    .filter(|c| c.agency_id == fixtures::AGENCY_NORTHWIND)
                    .count() as u32
            ),
            fixtures::AGENCY_NORTHWIND_NAME,
            if self.reused_data { "reused" } else { "seeded" },
            self.seeded_in.as_millis(),
        );
        let _ = writeln!(s);
        let _ = writeln!(
            s,
            "Demo users (password for all: {}):",
            fixtures::DEMO_PASSWORD
        );
        let width = self
            .demo_users
            .iter()
            .map(|u| u.email.len())
            .max()
            .unwrap_or(0);
        for u in &self.demo_users {
            let agency = u.agency.as_deref().unwrap_or("no agency");
            let _ = writeln!(s, "  {:width$}  {:<22}  {}", u.email, agency, u.purpose);
        }
        let _ = writeln!(s);
        let _ = writeln!(s, "Try it:");
        let _ = writeln!(
            s,
            "  curl -s '{base}/auth/v1/token?grant_type=password' -H 'apikey: {}' -H 'Content-Type: application/json' -d '{{\"email\":\"{}\",\"password\":\"{}\"}}'",
            self.anon_key(),
            self.demo_user().email,
            self.demo_user().password
        );
        s
    }

    /// Stops serving: stops accepting, lets requests in flight finish for a moment, then ends.
    pub async fn shutdown(mut self) {
        self.stop().await;
    }

    async fn stop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(mut task) = self.task.take() {
            // Long storage streams would hold a graceful shutdown open; cut them after a moment.
            if tokio::time::timeout(Duration::from_secs(3), &mut task)
                .await
                .is_err()
            {
                task.abort();
                let _ = task.await;
            }
        }
    }

    /// Serves until Ctrl-C, then shuts down.
    pub async fn run_until_ctrl_c(self) -> Result<(), BackendError> {
        let result = tokio::signal::ctrl_c()
            .await
            .map_err(|e| BackendError::Task(format!("waiting for Ctrl-C: {e}")));
        self.shutdown().await;
        result
    }
}

impl Drop for RunningBackend {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}
