//! `callrec library list|remove|du|export`: what is downloaded, offline-capable (no network,
//! no sign-in: only the data dir).

use std::path::PathBuf;

use clap::{Args, Subcommand};
use serde::Serialize;

use callrec_core::config::{Config, Settings};
use callrec_core::downloads;
use callrec_core::library::{DownloadRecord, DownloadState, FileRecord, Library};

use super::download::size;
use crate::exit::CliError;
use crate::output::Output;

#[derive(Args, Debug)]
pub struct LibraryArgs {
    #[command(subcommand)]
    command: LibraryCommand,
}

#[derive(Subcommand, Debug)]
enum LibraryCommand {
    /// Downloaded files and unfinished downloads.
    List,
    /// Delete calls' downloaded files (and any unfinished download of them).
    Remove {
        #[arg(required = true)]
        call_ids: Vec<String>,
    },
    /// Space the downloaded files take.
    Du,
    /// Copy calls' files into a folder with readable names (date_time_number_label.ext).
    Export {
        #[arg(required = true)]
        call_ids: Vec<String>,
        /// The folder to copy into (created if missing).
        #[arg(long, value_name = "DIR")]
        to: PathBuf,
    },
}

#[derive(Serialize)]
struct Listing {
    files: Vec<FileRecord>,
    queue: Vec<DownloadRecord>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Usage {
    bytes: u64,
    files: usize,
    calls: usize,
}

pub fn run(output: &Output, flags: Settings, args: LibraryArgs) -> Result<(), CliError> {
    let config = Config::from_process_env(flags)?;
    let library = Library::open(&config.data_dir)?;
    match args.command {
        LibraryCommand::List => {
            let listing = Listing {
                files: library.files(None)?,
                queue: library
                    .downloads()?
                    .into_iter()
                    .filter(|d| d.state != DownloadState::Done)
                    .collect(),
            };
            output.result(&listing, || {
                let mut lines: Vec<String> = listing
                    .files
                    .iter()
                    .map(|f| {
                        format!(
                            "{}  {:>2}  {:>9}  {}  {}",
                            f.call_id,
                            f.index,
                            size(f.size),
                            &f.sha256[..12.min(f.sha256.len())],
                            f.path
                        )
                    })
                    .collect();
                for d in &listing.queue {
                    lines.push(format!(
                        "{}  {:>2}  {:>9}  {}{}",
                        d.call_id,
                        d.index,
                        size(d.bytes),
                        d.state.as_str(),
                        d.error_message
                            .as_deref()
                            .map(|m| format!(": {m}"))
                            .unwrap_or_default()
                    ));
                }
                lines.push(format!(
                    "{} file(s), {} unfinished download(s)",
                    listing.files.len(),
                    listing.queue.len()
                ));
                lines.join("\n")
            });
        }
        LibraryCommand::Remove { call_ids } => {
            let mut removed = Vec::new();
            for call_id in &call_ids {
                removed.extend(downloads::remove_call(&library, call_id, None)?);
            }
            output.result(&removed, || {
                format!(
                    "removed {} file(s), {}",
                    removed.len(),
                    size(removed.iter().map(|f| f.size).sum())
                )
            });
        }
        LibraryCommand::Du => {
            let files = library.files(None)?;
            let mut calls: Vec<&str> = files.iter().map(|f| f.call_id.as_str()).collect();
            calls.dedup();
            let usage = Usage {
                bytes: library.files_size()?,
                files: files.len(),
                calls: calls.len(),
            };
            output.result(&usage, || {
                format!(
                    "{} in {} file(s) of {} call(s) under {}",
                    size(usage.bytes),
                    usage.files,
                    usage.calls,
                    config.data_dir.display()
                )
            });
        }
        LibraryCommand::Export { call_ids, to } => {
            let mut written = Vec::new();
            for call_id in &call_ids {
                written.extend(downloads::export_call(&library, call_id, &to)?);
            }
            output.result(&written, || {
                written
                    .iter()
                    .map(|p| p.display().to_string())
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
    }
    Ok(())
}
