//! `callrec play CALL_ID`: the call's segments as one timeline through the output device,
//! streamed by Range requests (URLs re-resolved as they expire), with a progress line.

use std::io::Write;
use std::time::Duration;

use clap::Args;

use callrec_core::app::App;
use callrec_core::config::Settings;
use callrec_core::player::{Command, Event, Player, PlayerOptions, TimelineSegment};

use crate::exit::CliError;
use crate::output::Output;

#[derive(Args, Debug)]
pub struct PlayArgs {
    /// The call's id (the internal one, as `callrec calls` lists it).
    call_id: String,
    /// Start this many seconds into the timeline.
    #[arg(long, value_name = "S")]
    from: Option<f64>,
    /// 0.5–3.0; the pitch is kept.
    #[arg(long, value_name = "X", default_value_t = 1.0)]
    speed: f64,
    /// Start at the first segment with this label (e.g. `transfer_conference`).
    #[arg(long, value_name = "LABEL")]
    segment: Option<String>,
}

/// The call's segments: downloaded files first, else streamed from their signed URLs (renewed
/// as they expire). Must run inside the runtime.
pub async fn call_timeline(
    flags: Settings,
    call_id: &str,
) -> Result<Vec<TimelineSegment>, CliError> {
    Ok(call_audio(flags, call_id).await?.0)
}

/// [`call_timeline`], and the app it was planned by.
pub async fn call_audio(
    flags: Settings,
    call_id: &str,
) -> Result<(Vec<TimelineSegment>, App), CliError> {
    let app = super::session::signed_in(flags).await?;
    let timeline = app.call_timeline(call_id).await?;
    Ok((timeline.segments, app))
}

pub async fn run(output: &Output, flags: Settings, args: PlayArgs) -> Result<(), CliError> {
    let timeline = call_timeline(flags, &args.call_id).await?;
    let labels: Vec<String> = timeline.iter().map(|s| s.label.clone()).collect();
    let start_segment = match &args.segment {
        Some(label) => Some(
            labels
                .iter()
                .position(|l| l == label)
                .ok_or_else(|| CliError {
                    code: "segment_not_found".into(),
                    message: format!(
                        "the call has no segment {label:?} (it has: {})",
                        labels.join(", ")
                    ),
                    kind: callrec_core::ErrorKind::NotFound,
                })?,
        ),
        None => None,
    };
    let finished = tokio::task::spawn_blocking(move || {
        play_blocking(timeline, args.from, args.speed, start_segment)
    })
    .await
    .map_err(|e| CliError::other(format!("the player stopped: {e}")))?;
    let position = finished?;
    output.result(
        &serde_json::json!({ "callId": args.call_id, "ended": true, "position": position }),
        || format!("played to {}", clock(position)),
    );
    Ok(())
}

/// Plays to the end; returns the final position. Errors that stop playback are returned,
/// others (a damaged segment) are printed and playback goes on. The progress line is on
/// stderr in both modes (stdout stays one document).
fn play_blocking(
    timeline: Vec<TimelineSegment>,
    from: Option<f64>,
    speed: f64,
    start_segment: Option<usize>,
) -> Result<f64, CliError> {
    let player = Player::spawn(PlayerOptions {
        speed: Some(speed),
        ..PlayerOptions::default()
    });
    let events = player.subscribe();
    let send = |command| player.send(command).map_err(CliError::from);
    send(Command::Load(timeline))?;
    send(Command::Speed(speed))?;
    let mut boundaries: Vec<(String, f64)> = Vec::new();
    let mut duration = 0.0;
    let mut started = false;
    let mut position = 0.0;
    let mut stderr = std::io::stderr();
    loop {
        let Ok(event) = events.recv_timeout(Duration::from_secs(120)) else {
            return Err(CliError::other("the player stopped answering"));
        };
        match event {
            Event::Loaded {
                duration: d,
                segments,
            } => {
                duration = d;
                boundaries = segments.into_iter().map(|s| (s.label, s.start)).collect();
                let at = match start_segment {
                    Some(i) => boundaries.get(i).map_or(0.0, |b| b.1),
                    None => from.unwrap_or(0.0),
                };
                if at > 0.0 {
                    send(Command::Seek(at))?;
                }
                send(Command::Play)?;
                started = true;
            }
            Event::Position {
                position: p,
                segment,
            } => {
                position = p;
                if started {
                    let label = boundaries.get(segment).map_or("", |b| b.0.as_str());
                    let _ = write!(
                        stderr,
                        "\r{} / {}  {label:<24} {speed:.2}×",
                        clock(p),
                        clock(duration)
                    );
                    let _ = stderr.flush();
                }
            }
            Event::Ended => {
                let _ = writeln!(stderr);
                return Ok(position);
            }
            Event::Error { code, message } => {
                let fatal = matches!(
                    code.as_str(),
                    "no_output_device" | "nothing_loaded" | "invalid_speed"
                ) || !started;
                if fatal {
                    return Err(CliError {
                        code,
                        message,
                        kind: callrec_core::ErrorKind::Other,
                    });
                }
                let _ = writeln!(stderr, "\n{message} ({code})");
            }
            Event::State { .. } => {}
        }
    }
}

fn clock(secs: f64) -> String {
    let secs = secs.max(0.0) as u64;
    format!("{:02}:{:02}", secs / 60, secs % 60)
}
