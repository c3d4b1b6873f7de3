//! `callrec export CALL_ID --out F.wav`: the whole timeline decoded to one WAV file, at the
//! chosen speed (pitch kept), streamed from the call's signed URLs.

use std::path::PathBuf;

use clap::Args;

use callrec_core::config::Settings;
use callrec_core::player::export_wav;

use crate::exit::CliError;
use crate::output::Output;

#[derive(Args, Debug)]
pub struct ExportArgs {
    /// The call's id (the internal one, as `callrec calls` lists it).
    call_id: String,
    /// The WAV file to write (16-bit stereo): a new file, never one that exists.
    #[arg(long, value_name = "F.wav")]
    out: PathBuf,
    /// 0.5–3.0; the pitch is kept.
    #[arg(long, value_name = "X", default_value_t = 1.0)]
    speed: f64,
}

pub async fn run(output: &Output, flags: Settings, args: ExportArgs) -> Result<(), CliError> {
    let timeline = super::play::call_timeline(flags, &args.call_id).await?;
    let out = args.out.clone();
    let summary = tokio::task::spawn_blocking(move || export_wav(&timeline, args.speed, &out))
        .await
        .map_err(|e| CliError::other(format!("the export stopped: {e}")))??;
    for problem in &summary.problems {
        output.note(problem);
    }
    output.result(&summary, || {
        format!(
            "wrote {} ({:.1} s, {} Hz stereo)",
            args.out.display(),
            summary.seconds,
            summary.sample_rate
        )
    });
    Ok(())
}
