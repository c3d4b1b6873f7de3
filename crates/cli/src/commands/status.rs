//! `callrec status`: is the configured project reachable?

use callrec_core::config::{Config, Settings};
use callrec_core::{http, project};

use crate::exit::CliError;
use crate::output::Output;

pub async fn run(output: &Output, flags: Settings) -> Result<(), CliError> {
    let config = Config::from_process_env(flags)?;
    let client = http::client()?;
    let status = project::probe(&client, config.project.as_ref()).await?;
    output.result(&status, || {
        format!(
            "Connected: {} {} in {} ms; REST {}",
            status.auth_service,
            status.auth_version,
            status.latency_ms,
            if status.rest_reachable {
                "reachable"
            } else {
                "NOT reachable"
            }
        )
    });
    Ok(())
}
