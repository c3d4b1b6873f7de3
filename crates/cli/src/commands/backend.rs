//! `callrec backend`: the local Supabase-compatible backend, until Ctrl-C.

use serde::Serialize;

use callrec_backend::{BackendArgs, RunningBackend};

use crate::exit::CliError;
use crate::output::Output;

/// What a script needs to talk to a running backend (`callrec --json backend`).
#[derive(Serialize)]
pub struct BackendInfo {
    pub supabase_url: String,
    pub anon_key: String,
    pub functions_url: String,
    pub demo_email: String,
    pub demo_password: String,
    /// The backend's database and audio cache (a temp dir, removed on exit, unless given).
    pub data_dir: String,
}

impl BackendInfo {
    pub fn of(backend: &RunningBackend) -> Self {
        let user = backend.demo_user();
        Self {
            supabase_url: backend.base_url().to_owned(),
            anon_key: backend.anon_key().to_owned(),
            functions_url: format!("{}/functions/v1", backend.base_url()),
            demo_email: user.email.clone(),
            demo_password: user.password.clone(),
            data_dir: backend.data_dir().display().to_string(),
        }
    }
}

pub async fn start(args: BackendArgs) -> Result<RunningBackend, CliError> {
    callrec_backend::start(args)
        .await
        .map_err(|error| CliError {
            code: "backend_start".into(),
            message: format!("the local backend could not start: {error}"),
            kind: callrec_core::ErrorKind::Other,
        })
}

pub async fn run(output: &Output, args: BackendArgs) -> Result<(), CliError> {
    let backend = start(args).await?;
    output.result(&BackendInfo::of(&backend), || backend.banner());
    output.note("Serving until Ctrl-C or SIGTERM.");
    super::shutdown_signal().await;
    backend.shutdown().await;
    Ok(())
}
