//! `callrec recordings CALL_ID`: the call's legs on its clock, each with its copies from both
//! recording endpoints (best first: the one that plays), and each endpoint's outcome. Signed
//! URLs are secrets: shown only with `--show-urls`.

use clap::Args;

use callrec_core::ErrorCode;
use callrec_core::calls::{self, OpenedCall};
use callrec_core::config::Settings;
use callrec_core::recordings::{EndpointOutcome, Resolved};

use crate::exit::CliError;
use crate::output::Output;

#[derive(Args, Debug)]
pub struct RecordingsArgs {
    /// The call's id (the internal one, as `callrec calls` lists it).
    call_id: String,
    /// Include each segment's signed URL (a credential for a few minutes: keep it private).
    #[arg(long)]
    show_urls: bool,
}

pub async fn run(output: &Output, flags: Settings, args: RecordingsArgs) -> Result<(), CliError> {
    let app = super::session::signed_in(flags).await?;
    // The call itself, by `id=eq.` (offline: the library's copy). Its recordings are asked of
    // the endpoints either way, so a call the list cannot show is a note, not a failure.
    let call = match app.open_call(&args.call_id).await {
        Ok(opened) => Some(opened),
        Err(error) => {
            output.note(format!("the call itself: {error} ({})", error.code()));
            None
        }
    };
    let resolved = app.recordings().await?.resolve(&args.call_id).await?;
    if let Some(failure) = &resolved.failure {
        // Neither endpoint has a recording: the combined reason; its kind is not-found (exit
        // 4) whenever either endpoint said so.
        return Err(CliError {
            code: failure.code().into(),
            message: failure.to_string(),
            kind: failure.kind(),
        });
    }
    // One endpoint failed: say so on stderr in both modes (`--json` users see it too; the
    // document has it as well). Messages name their endpoint already.
    for (_, outcome) in endpoints(&resolved) {
        if let EndpointOutcome::Failed { code, message } = outcome {
            output.note(format!("{message} ({code})"));
        }
    }
    let mut document = serde_json::to_value(&resolved.recording)
        .map_err(|error| CliError::other(format!("encoding the result: {error}")))?;
    if let (Some(object), Some(opened)) = (document.as_object_mut(), &call) {
        let row = serde_json::to_value(&opened.row)
            .map_err(|error| CliError::other(format!("encoding the call: {error}")))?;
        object.insert("call".into(), row);
    }
    if args.show_urls
        && let Some(segments) = document.get_mut("segments").and_then(|s| s.as_array_mut())
    {
        for shown in segments.iter_mut() {
            let segment = shown
                .get("id")
                .and_then(|id| id.as_str())
                .and_then(|id| resolved.segment(id));
            if let (Some(segment), Some(object)) = (segment, shown.as_object_mut()) {
                object.insert("url".into(), segment.url.expose().as_str().into());
            }
        }
    }
    output.result(&document, || {
        let mut text = String::new();
        if let Some(opened) = &call {
            text.push_str(&call_line(opened));
            text.push('\n');
        }
        text.push_str(&table(&resolved, args.show_urls));
        text
    });
    Ok(())
}

/// `call <id>  created …  <seconds> s  from … to …`: what the table knows of the call.
fn call_line(opened: &OpenedCall) -> String {
    let row = &opened.row;
    let mut text = format!("call {}", row.id);
    if let Some(at) = &row.created_at {
        text.push_str(&format!("  created {at}"));
    }
    if let Some(d) = row.duration_seconds {
        text.push_str(&format!("  {d} s"));
    }
    for (what, value) in [("from", &row.from_number), ("to", &row.to_number)] {
        if let Some(value) = value {
            text.push_str(&format!("  {what} {value}"));
        }
    }
    if opened.source == calls::CallSource::Offline {
        text.push_str("  (offline: the library's copy)");
    }
    text
}

fn endpoints(resolved: &Resolved) -> [(&'static str, &EndpointOutcome); 2] {
    [
        ("get-call-recording", &resolved.recording.call_recording),
        (
            "get-signed-recording-url",
            &resolved.recording.signed_recording_url,
        ),
    ]
}

fn clock(seconds: f64) -> String {
    let seconds = seconds.max(0.0).round() as u64;
    format!("{}:{:02}", seconds / 60, seconds % 60)
}

fn table(resolved: &Resolved, show_urls: bool) -> String {
    let cell = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".into());
    let mut lines = vec![format!(
        "{:<5}  {:<24}  {:>8}  {:<9}  {:<12}  {:<12}  {:<24}  {}",
        "LEG", "LABEL", "SECONDS", "COPY", "SOURCE", "STATUS", "FROM", "EXPIRES IN"
    )];
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    for (number, leg) in resolved.recording.legs.iter().enumerate() {
        if let Some(gap) = leg.gap_before {
            lines.push(format!("       … {} not recorded between legs", clock(gap)));
        }
        for (rank, copy) in leg.copies.iter().enumerate() {
            let Some(segment) = resolved.segment(&copy.recording_id) else {
                continue;
            };
            let view = segment.view();
            // The first copy plays; the others are alternates it falls back to.
            let leg_cell = if rank == 0 {
                format!("{}", number + 1)
            } else {
                "  alt".to_owned()
            };
            let mut line = format!(
                "{:<5}  {:<24}  {:>8}  {:<9}  {:<12}  {:<12}  {:<24}  {}s",
                leg_cell,
                view.label,
                view.duration_seconds
                    .map(|d| format!("{d:.1}"))
                    .unwrap_or_else(|| "-".into()),
                format!("{:?}", copy.kind).to_lowercase(),
                cell(&view.source),
                cell(&view.status),
                view.endpoint.function(),
                view.expires_at - now,
            );
            if let Some(note) = &view.note {
                line.push_str(&format!("  ({note})"));
            }
            lines.push(line);
            if show_urls {
                lines.push(format!("       {}", segment.url.expose()));
            }
        }
    }
    for (name, outcome) in endpoints(resolved) {
        lines.push(match outcome {
            EndpointOutcome::Ok { segments, notes } => {
                let mut text = format!("{name}: ok, {segments} segment(s)");
                for note in notes {
                    text.push_str(&format!("\n  note: {note}"));
                }
                text
            }
            EndpointOutcome::Failed { code, message } => format!("{message} ({code})"),
            EndpointOutcome::Disabled => format!("{name}: turned off"),
        });
    }
    if !show_urls {
        lines.push(
            "URLs hidden (signed, short-lived credentials): add --show-urls to print them".into(),
        );
    }
    lines.join("\n")
}
