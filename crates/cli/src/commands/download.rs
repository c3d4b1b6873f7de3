//! `callrec download CALL_ID…`: downloads calls (or one segment) into the library, resumable
//! and verified, through the persistent queue: a run also finishes what an earlier one left
//! queued or interrupted. Progress goes to stderr (one live line on a terminal, plain lines
//! otherwise); the result (files, failures) to stdout.

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use clap::Args;

use callrec_core::calls::{CallQuery, Sort};
use callrec_core::config::Settings;
use callrec_core::downloads::{
    DEFAULT_BULK_CALLS, DownloadOptions, MAX_BULK_CALLS, Progress, RunSummary,
};
use callrec_core::library::{DownloadState, FileRecord};

use crate::exit::CliError;
use crate::output::Output;

#[derive(Args, Debug)]
pub struct DownloadArgs {
    /// Calls to download (every segment of each). With none (and no --filter), finishes what
    /// is queued.
    call_ids: Vec<String>,
    /// Bulk: every call with a recording that matches the filter flags below (as `callrec
    /// calls` takes them), newest first.
    #[arg(long, conflicts_with_all = ["call_ids", "segment"])]
    filter: bool,
    /// With --filter: calls created at or after this date or RFC 3339 time.
    #[arg(long, value_name = "DATE", requires = "filter")]
    since: Option<String>,
    /// With --filter: calls created before this date or RFC 3339 time.
    #[arg(long, value_name = "DATE", requires = "filter")]
    until: Option<String>,
    /// With --filter: only calls in this direction.
    #[arg(long, requires = "filter")]
    direction: Option<String>,
    /// With --filter: only calls with this status.
    #[arg(long, requires = "filter")]
    status: Option<String>,
    /// With --filter: text in a number or the agent's name, or a call id.
    #[arg(long, value_name = "TEXT", requires = "filter")]
    search: Option<String>,
    /// With --filter: at most this many calls.
    #[arg(long, default_value_t = DEFAULT_BULK_CALLS as usize, requires = "filter")]
    max_calls: usize,
    /// Only this recording of a single call: its position, from 0, among the recordings
    /// `callrec recordings --json` lists (leg by leg, the copy that plays first).
    #[arg(long, value_name = "INDEX")]
    segment: Option<u32>,
    /// Downloads at once.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=32))]
    concurrency: u16,
}

pub async fn run(output: &Output, flags: Settings, args: DownloadArgs) -> Result<(), CliError> {
    if args.segment.is_some() && args.call_ids.len() != 1 {
        return Err(CliError::usage("--segment needs exactly one call id"));
    }
    let app = super::session::signed_in(flags).await?;
    let library = app.library()?;
    let downloads = app
        .download_queue(DownloadOptions {
            concurrency: usize::from(args.concurrency),
            ..DownloadOptions::default()
        })
        .await?;
    if args.filter {
        let limit = u32::try_from(args.max_calls).unwrap_or(MAX_BULK_CALLS);
        let bulk = downloads
            .enqueue_matching(&app.signed_in().await?, &filter_query(&args), limit)
            .await?;
        output.note(format!(
            "{} call(s) match the filter: {} queued ({} segment(s)), {} already downloaded",
            bulk.queued_calls + bulk.skipped,
            bulk.queued_calls,
            bulk.segments,
            bulk.skipped
        ));
    }
    // Asked for, but already downloaded and verified: reported beside what this run fetched,
    // so a script reads the file either way.
    let mut already: Vec<FileRecord> = Vec::new();
    for call_id in &args.call_ids {
        match args.segment {
            Some(position) => {
                let listed = downloads.recordings(call_id).await?;
                let Some(record) = listed.get(position as usize) else {
                    return Err(CliError {
                        code: "no_segment".into(),
                        message: format!(
                            "call {call_id} has {} recording(s): --segment takes 0 to {}",
                            listed.len(),
                            listed.len().saturating_sub(1)
                        ),
                        kind: callrec_core::ErrorKind::NotFound,
                    });
                };
                let queued = downloads
                    .enqueue_recording(call_id, &record.segment_id)
                    .await?;
                if queued.state == DownloadState::Done {
                    output.note(format!("{call_id} segment {position}: already downloaded"));
                    already.extend(
                        library
                            .files(Some(call_id))?
                            .into_iter()
                            .filter(|f| f.index == queued.index),
                    );
                }
            }
            None => {
                let queued = downloads.enqueue_call(call_id).await?;
                if queued.is_empty() {
                    output.note(format!("{call_id}: already downloaded"));
                }
                // Its legs not queued again: those already here (all of them, or some).
                already.extend(
                    library
                        .files(Some(call_id))?
                        .into_iter()
                        .filter(|f| !queued.iter().any(|q| q.index == f.index)),
                );
            }
        }
    }
    let reporter = tokio::spawn(report(downloads.subscribe()));
    let summary = downloads.run_until_idle().await;
    reporter.abort();
    let _ = reporter.await;
    let summary = summary?;
    if std::io::stderr().is_terminal() {
        eprintln!();
    }
    output.result(
        &Report {
            summary: &summary,
            already: &already,
        },
        || human(&summary, &already),
    );
    if let Some(first) = summary.failed.first() {
        return Err(CliError {
            code: first
                .error_code
                .clone()
                .unwrap_or_else(|| "download_failed".into()),
            message: format!(
                "{} of {} download(s) failed; first: call {} segment {}: {}",
                summary.failed.len(),
                summary.failed.len() + summary.done.len(),
                first.call_id,
                first.index,
                first.error_message.as_deref().unwrap_or("unknown error")
            ),
            kind: callrec_core::ErrorKind::Network,
        });
    }
    Ok(())
}

/// The filter flags as the list's query (`callrec calls` takes the same), newest first.
fn filter_query(args: &DownloadArgs) -> CallQuery {
    CallQuery {
        sort: Sort::DateDesc,
        since: args.since.clone(),
        until: args.until.clone(),
        direction: args.direction.clone(),
        status: args.status.clone(),
        search: args.search.clone(),
        ..CallQuery::default()
    }
}

/// The JSON result: the run's summary and the files that were already here.
#[derive(serde::Serialize)]
struct Report<'a> {
    #[serde(flatten)]
    summary: &'a RunSummary,
    already: &'a [FileRecord],
}

fn human(summary: &RunSummary, already: &[FileRecord]) -> String {
    let mut lines: Vec<String> = summary
        .done
        .iter()
        .chain(already)
        .map(|f| format!("{}  {:>12}  {}  {}", f.sha256, f.size, f.call_id, f.path))
        .collect();
    lines.push(format!(
        "{} downloaded, {} already here, {} failed",
        summary.done.len(),
        already.len(),
        summary.failed.len()
    ));
    lines.join("\n")
}

pub(crate) fn size(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "kB", "MB", "GB", "TB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1000.0 && unit + 1 < UNITS.len() {
        value /= 1000.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

fn line(progress: &Progress) -> String {
    let done = progress
        .items
        .iter()
        .filter(|i| i.state == DownloadState::Done)
        .count();
    let total = progress.total.map_or_else(|| "?".to_owned(), size);
    let eta = progress
        .eta_seconds
        .map_or_else(String::new, |s| format!(", {}s left", s.ceil() as u64));
    format!(
        "{done}/{} done, {} of {total} at {}/s{eta}",
        progress.items.len(),
        size(progress.bytes),
        size(progress.rate as u64)
    )
}

/// Progress on stderr: a live line on a terminal, a plain line every 2 s otherwise, and a line
/// whenever an item finishes or fails.
async fn report(mut progress: tokio::sync::watch::Receiver<Progress>) {
    let live = std::io::stderr().is_terminal();
    let mut last_line = Instant::now();
    let mut finished = std::collections::HashSet::new();
    while progress.changed().await.is_ok() {
        let snapshot = progress.borrow_and_update().clone();
        for item in &snapshot.items {
            let key = (item.call_id.clone(), item.index);
            let ended = matches!(item.state, DownloadState::Done | DownloadState::Failed);
            if ended && finished.insert(key) {
                let what = match item.state {
                    DownloadState::Done => format!("done, {}", size(item.bytes)),
                    _ => format!(
                        "failed: {}",
                        item.error_message.as_deref().unwrap_or("unknown error")
                    ),
                };
                if live {
                    eprint!("\r\x1b[2K");
                }
                eprintln!(
                    "{} segment {} ({}): {what}",
                    item.call_id, item.index, item.label
                );
            }
        }
        if live {
            eprint!("\r\x1b[2K{}", line(&snapshot));
        } else if last_line.elapsed() >= Duration::from_secs(2) {
            last_line = Instant::now();
            eprintln!("{}", line(&snapshot));
        }
    }
}
