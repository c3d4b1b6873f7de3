//! `callrec review CALL_ID …`, `callrec notes CALL_ID`, `callrec reviews sync|export`: the same
//! use-cases as the app's review panel (`callrec_core::reviews`), kept in the library first
//! and shared through the agency's project.

use std::path::PathBuf;

use clap::{Args, Subcommand, ValueEnum};

use callrec_core::config::Settings;
use callrec_core::reviews::{
    self, CallReviews, CheckResult, ExportFormat, NoteKind, ReviewStatus, SyncStatus,
};

use crate::exit::CliError;
use crate::output::Output;

#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum Status {
    Unreviewed,
    InReview,
    Reviewed,
    Flagged,
}

impl From<Status> for ReviewStatus {
    fn from(s: Status) -> Self {
        match s {
            Status::Unreviewed => ReviewStatus::Unreviewed,
            Status::InReview => ReviewStatus::InReview,
            Status::Reviewed => ReviewStatus::Reviewed,
            Status::Flagged => ReviewStatus::Flagged,
        }
    }
}

#[derive(Args, Debug)]
pub struct ReviewArgs {
    /// The call's id (as `callrec calls` lists it).
    call_id: String,
    /// Sets your status of the call.
    #[arg(long, value_enum)]
    status: Option<Status>,
    /// Adds a note (with --at).
    #[arg(long, requires = "at")]
    note: Option<String>,
    /// Where the note (or, alone, a bookmark) is on the call, in seconds.
    #[arg(long)]
    at: Option<f64>,
    /// Answers a scorecard check: `ID=pass|fail|na` (`ID=` clears it). Repeatable.
    #[arg(long = "check", value_name = "ID=RESULT")]
    checks: Vec<String>,
}

#[derive(Args, Debug)]
pub struct NotesArgs {
    call_id: String,
}

#[derive(Args, Debug)]
pub struct ReviewsArgs {
    #[command(subcommand)]
    command: ReviewsCommand,
}

#[derive(Subcommand, Debug)]
enum ReviewsCommand {
    /// Push this computer's changes and pull the agency's reviews and notes.
    Sync,
    /// Every review this computer knows of, one row each, with its scorecard and notes.
    Export(ExportArgs),
}

#[derive(Args, Debug)]
struct ExportArgs {
    /// Reviews edited from this date or time (RFC 3339 or YYYY-MM-DD).
    #[arg(long)]
    since: Option<String>,
    /// Reviews edited before this date or time.
    #[arg(long)]
    until: Option<String>,
    #[arg(long, value_enum, default_value = "csv")]
    format: Format,
    /// Write here instead of standard output (created; an existing file is not overwritten).
    #[arg(long, short)]
    output: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Format {
    Csv,
    Json,
}

fn milliseconds(seconds: f64) -> Result<u64, CliError> {
    if !seconds.is_finite() || seconds < 0.0 {
        return Err(CliError::usage(format!(
            "--at {seconds}: a time on the call, in seconds from 0"
        )));
    }
    Ok((seconds * 1000.0).round() as u64)
}

fn check_answer(text: &str) -> Result<(&str, Option<CheckResult>), CliError> {
    let (id, result) = text.split_once('=').ok_or_else(|| {
        CliError::usage(format!("--check {text:?}: write ID=pass, ID=fail or ID=na"))
    })?;
    let result = match result {
        "" => None,
        other => Some(CheckResult::parse(other).ok_or_else(|| {
            CliError::usage(format!("--check {text:?}: the result is pass, fail or na"))
        })?),
    };
    Ok((id, result))
}

pub async fn review(output: &Output, flags: Settings, args: ReviewArgs) -> Result<(), CliError> {
    let app = super::session::signed_in(flags).await?;
    let checks = args
        .checks
        .iter()
        .map(|c| check_answer(c))
        .collect::<Result<Vec<_>, _>>()?;
    let mut current = app.call_reviews(&args.call_id).await?;
    if let Some(status) = args.status {
        current = app.set_review_status(&args.call_id, status.into()).await?;
    }
    for (id, result) in checks {
        current = app.answer_check(&args.call_id, id, result, None).await?;
    }
    if let Some(at) = args.at {
        let (kind, body) = match &args.note {
            Some(text) => (NoteKind::Note, text.as_str()),
            None => (NoteKind::Bookmark, ""),
        };
        current = app
            .add_note(&args.call_id, kind, milliseconds(at)?, None, body)
            .await?;
    }
    output.result(&current, || describe(&current));
    Ok(())
}

pub async fn notes(output: &Output, flags: Settings, args: NotesArgs) -> Result<(), CliError> {
    let app = super::session::signed_in(flags).await?;
    let current = app.call_reviews(&args.call_id).await?;
    output.result(&current.notes, || notes_text(&current));
    Ok(())
}

pub async fn run(output: &Output, flags: Settings, args: ReviewsArgs) -> Result<(), CliError> {
    let app = super::session::signed_in(flags).await?;
    match args.command {
        ReviewsCommand::Sync => {
            let status = app.sync_reviews().await?;
            output.result(&status, || sync_text(&status));
        }
        ReviewsCommand::Export(args) => {
            let format = match args.format {
                Format::Csv => ExportFormat::Csv,
                Format::Json => ExportFormat::Json,
            };
            let text = app
                .export_reviews(args.since.as_deref(), args.until.as_deref(), format)
                .await?;
            match args.output {
                Some(path) => {
                    use std::io::Write as _;
                    let mut file = callrec_core::files::options()
                        .write(true)
                        .create_new(true)
                        .open(&path)
                        .and_then(|mut f| f.write_all(text.as_bytes()).map(|()| f));
                    file.as_mut()
                        .map_err(|e| CliError::other(format!("{}: {e}", path.display())))?;
                    output.note(format!("wrote {}", path.display()));
                }
                // The export is the output itself, whatever --json says.
                None => print!("{text}"),
            }
        }
    }
    Ok(())
}

fn describe(r: &CallReviews) -> String {
    let mut text = format!(
        "call {}: {}{}\n",
        r.call_id,
        r.mine.status.as_str(),
        r.mine
            .score
            .map(|s| format!(", score {s:.0} %"))
            .unwrap_or_default()
    );
    for check in &r.scorecard.checks {
        let answer = r
            .mine
            .checks
            .get(&check.id)
            .map_or("-", |a| a.result.as_str());
        text.push_str(&format!("  {answer:<4} {} ({})\n", check.label, check.id));
    }
    for other in &r.others {
        text.push_str(&format!(
            "  {}: {}\n",
            other
                .reviewer_email
                .as_deref()
                .or(other.reviewer_id.as_deref())
                .unwrap_or("?"),
            other.status.as_str()
        ));
    }
    text.push_str(&notes_text(r));
    text.push_str(&sync_text(&r.sync));
    text
}

fn notes_text(r: &CallReviews) -> String {
    r.notes
        .iter()
        .map(|n| {
            let at = reviews::clock(n.at_ms);
            let who = if n.mine { "" } else { " (another reviewer)" };
            match n.kind {
                NoteKind::Bookmark => format!("{at}  bookmark{who}\n"),
                NoteKind::Note => format!("{at}  {}{who}\n", n.body),
            }
        })
        .collect()
}

fn sync_text(status: &SyncStatus) -> String {
    match status {
        SyncStatus::NotYet { pending } => format!("not synced yet ({pending} changes waiting)\n"),
        SyncStatus::Shared { at, pending } => {
            format!("shared; last sync {at} ({pending} waiting)\n")
        }
        SyncStatus::LocalOnly { migration, pending } => format!(
            "the project has no Callrec review tables: reviews stay on this computer ({pending} waiting); apply {migration} to share them\n"
        ),
        SyncStatus::Offline { pending } => {
            format!("offline: {pending} changes wait to be pushed\n")
        }
        SyncStatus::Refused {
            pending,
            refused,
            reason,
        } => {
            format!("{refused} changes refused by the project ({reason}); {pending} waiting\n")
        }
    }
}
