//! `callrec calls`: one page of the agency's calls, from the project or (offline) the library.

use clap::{Args, ValueEnum};

use callrec_core::calls::{self, CallPage, CallQuery, CallSource, Cursor, MAX_LIMIT, Sort};
use callrec_core::config::Config;
use callrec_core::library::Library;

use crate::exit::CliError;
use crate::output::Output;

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum SortArg {
    /// Newest first.
    #[value(name = "-date")]
    DateDesc,
    #[value(name = "date")]
    DateAsc,
    /// Longest first.
    #[value(name = "-duration")]
    DurationDesc,
    #[value(name = "duration")]
    DurationAsc,
}

#[derive(Args, Debug)]
pub struct CallsArgs {
    /// Calls created at or after this date or RFC 3339 time.
    #[arg(long, value_name = "DATE")]
    since: Option<String>,
    /// Calls created before this date or RFC 3339 time.
    #[arg(long, value_name = "DATE")]
    until: Option<String>,
    /// Only calls with a recording.
    #[arg(long, conflicts_with = "no_recording")]
    has_recording: bool,
    /// Only calls without a recording.
    #[arg(long)]
    no_recording: bool,
    /// Only calls in this direction (e.g. inbound, outbound).
    #[arg(long)]
    direction: Option<String>,
    /// Only calls with this status.
    #[arg(long)]
    status: Option<String>,
    /// Text in a number or the agent's name, or a call id (`*` matches anything).
    #[arg(long, value_name = "TEXT")]
    search: Option<String>,
    /// How many calls (default 50; up to 100,000, fetched 1,000 per request). With --all,
    /// how many per request.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=i64::from(MAX_CALLS)))]
    limit: Option<u32>,
    /// Every matching call, page after page (each page is also kept in the library, so this
    /// makes the whole list available offline).
    #[arg(long)]
    all: bool,
    /// Only calls downloaded to this computer (answered from the library, even online).
    #[arg(long, conflicts_with = "not_downloaded")]
    downloaded: bool,
    /// Only calls not (fully) downloaded yet: the project's pages without the downloaded ones,
    /// read until there are --limit of them (or no more).
    #[arg(long)]
    not_downloaded: bool,
    #[arg(long, value_enum, default_value = "-date", allow_hyphen_values = true)]
    sort: SortArg,
}

/// The most calls one `callrec calls` gathers without --all: bounded so that a typo cannot
/// hold the whole list in memory.
const MAX_CALLS: u32 = 100_000;

impl CallsArgs {
    /// The calls asked for (without --all) or the page size (with it).
    fn wanted(&self) -> u32 {
        self.limit.unwrap_or(if self.all { MAX_LIMIT } else { 50 })
    }

    fn query(&self) -> CallQuery {
        CallQuery {
            sort: match self.sort {
                SortArg::DateDesc => Sort::DateDesc,
                SortArg::DateAsc => Sort::DateAsc,
                SortArg::DurationDesc => Sort::DurationDesc,
                SortArg::DurationAsc => Sort::DurationAsc,
            },
            since: self.since.clone(),
            until: self.until.clone(),
            has_recording: match (self.has_recording, self.no_recording) {
                (true, _) => Some(true),
                (_, true) => Some(false),
                _ => None,
            },
            direction: self.direction.clone(),
            status: self.status.clone(),
            search: self.search.clone(),
            // The server's page: PostgREST serves at most 1,000 rows a request, so a larger
            // --limit is gathered over several (see `run`).
            limit: self.wanted().min(MAX_LIMIT),
            downloaded: match (self.downloaded, self.not_downloaded) {
                (true, _) => Some(true),
                (_, true) => Some(false),
                _ => None,
            },
        }
    }
}

pub async fn run(
    output: &Output,
    flags: callrec_core::config::Settings,
    args: CallsArgs,
) -> Result<(), CliError> {
    let deadline = Config::from_process_env(flags.clone())?.list_deadline;
    let manager = super::session::signed_in(flags).await?.manager;
    let library = Library::open(manager.data_dir())?;
    let query = args.query();
    // Without --all, --limit calls: page after page (keyset, 1,000 at a time) until there are
    // that many or no more.
    let wanted = (!args.all).then(|| args.wanted() as usize);
    let mut page = calls::list_within(&manager, &library, &query, None, deadline).await?;
    while wanted.is_none_or(|wanted| page.rows.len() < wanted) {
        let Some(after) = page.next.take() else {
            break;
        };
        let next = calls::list_within(&manager, &library, &query, Some(&after), deadline).await?;
        page.rows.extend(next.rows);
        page.skipped += next.skipped;
        if next.source == CallSource::Offline {
            page.source = CallSource::Offline;
        }
        page.next = next.next;
    }
    if let Some(wanted) = wanted
        && page.rows.len() > wanted
    {
        page.rows.truncate(wanted);
        page.next = page.rows.last().map(|row| Cursor::after(query.sort, row));
    }
    if query.downloaded == Some(true) {
        output.note("downloaded calls, from the library on this computer");
    } else if page.source == CallSource::Offline {
        output.note("offline: the project could not be reached; showing calls seen before");
    }
    output.result(&page, || table(&page));
    Ok(())
}

fn table(page: &CallPage) -> String {
    let cell = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".into());
    let mut lines = vec![format!(
        "{:<25}  {:>8}  {:<9}  {:<16}  {:<16}  {:<10}  {:<20}  {:<3}  {}",
        "CREATED", "SECONDS", "DIRECTION", "FROM", "TO", "STATUS", "AGENT", "REC", "ID"
    )];
    for r in &page.rows {
        lines.push(format!(
            "{:<25}  {:>8}  {:<9}  {:<16}  {:<16}  {:<10}  {:<20}  {:<3}  {}",
            cell(&r.created_at),
            r.duration_seconds
                .map(|d| format!("{d}"))
                .unwrap_or_else(|| "-".into()),
            cell(&r.direction),
            cell(&r.from_number),
            cell(&r.to_number),
            cell(&r.status),
            cell(&r.agent_name),
            match r.has_recording {
                Some(true) => "yes",
                Some(false) => "no",
                None => "?",
            },
            r.id
        ));
    }
    let mut footer = format!("{} call(s)", page.rows.len());
    if let Some(total) = page.total {
        footer.push_str(&format!(" of {total}"));
    }
    if page.skipped > 0 {
        footer.push_str(&format!("; {} row(s) without an id skipped", page.skipped));
    }
    if page.next.is_some() {
        footer.push_str("; more with a narrower filter or --limit");
    }
    lines.push(footer);
    lines.join("\n")
}
