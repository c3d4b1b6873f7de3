//! `callrec calls`: one page of the agency's calls, from the project or (offline) the library.

use clap::{Args, ValueEnum};

use callrec_core::calls::{
    CallPage, CallQuery, CallRow, CallSource, Cursor, Field, MAX_LIMIT, Sort,
};

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
    /// Only calls in this direction (e.g. inbound, outbound), if the table has a direction.
    #[arg(long)]
    direction: Option<String>,
    /// Only calls with this status, if the table has one.
    #[arg(long)]
    status: Option<String>,
    /// Text in any text column the table has (numbers, agent, …), or a full call id (`*`
    /// matches anything).
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
    /// Only calls you gave this status (`unreviewed`: not reviewed yet). Reviewed, in review
    /// and flagged are answered from the library (where reviews are kept), even online.
    #[arg(long, value_enum)]
    review: Option<super::reviews::Status>,
    #[arg(long, value_enum, default_value = "-date", allow_hyphen_values = true)]
    sort: SortArg,
    /// Show one call by its id (read by id, not searched for; offline, the library's copy).
    #[arg(long, value_name = "CALL_ID", conflicts_with_all = [
        "since", "until", "has_recording", "no_recording", "direction", "status", "search",
        "limit", "all", "downloaded", "not_downloaded", "review",
    ])]
    id: Option<String>,
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
            review: self.review.map(Into::into),
        }
    }
}

pub async fn run(
    output: &Output,
    flags: callrec_core::config::Settings,
    args: CallsArgs,
) -> Result<(), CliError> {
    let app = super::session::signed_in(flags).await?;
    if let Some(id) = &args.id {
        let opened = app.open_call(id).await?;
        if opened.source == CallSource::Offline {
            output
                .note("offline: the project could not be reached; showing the call as seen before");
        }
        let page = CallPage {
            rows: vec![opened.row.clone()],
            next: None,
            total: None,
            skipped: 0,
            source: opened.source,
            schema: opened.schema.clone(),
        };
        output.result(&opened, || table(&page));
        return Ok(());
    }
    let query = args.query();
    // Without --all, --limit calls: page after page (keyset, 1,000 at a time) until there are
    // that many or no more.
    let wanted = (!args.all).then(|| args.wanted() as usize);
    let mut page = app.list_calls(&query, None).await?;
    while wanted.is_none_or(|wanted| page.rows.len() < wanted) {
        let Some(after) = page.next.take() else {
            break;
        };
        let next = app.list_calls(&query, Some(&after)).await?;
        page.rows.extend(next.rows);
        page.skipped += next.skipped;
        page.schema = next.schema;
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

/// A value of `row` for `field`: the parsed one, else the column's raw value when it had the
/// wrong type (shown as the server sent it, cut to a cell), else `-`.
fn cell(page: &CallPage, row: &CallRow, field: Field) -> String {
    let parsed = match field {
        Field::Duration => row.duration_seconds.map(|d| format!("{d}")),
        Field::Direction => row.direction.clone(),
        Field::From => row.from_number.clone(),
        Field::To => row.to_number.clone(),
        Field::Status => row.status.clone(),
        Field::Agent => row.agent_name.clone(),
        Field::Sentiment => row.sentiment.clone(),
        Field::Started => row.started_at.clone(),
        Field::Ended => row.ended_at.clone(),
        Field::Transcript => row.transcript.clone(),
        Field::Summary => row.summary.clone(),
    };
    parsed
        .or_else(|| {
            let column = page.schema.column(field)?;
            let raw = row.extra.get(column)?;
            Some(raw.to_string().chars().take(24).collect())
        })
        .unwrap_or_else(|| "-".into())
}

fn table(page: &CallPage) -> String {
    // Only the fields this project's table has: no column of dashes.
    let fields: Vec<(Field, &str, usize)> = [
        (Field::Duration, "SECONDS", 8),
        (Field::Direction, "DIRECTION", 9),
        (Field::From, "FROM", 16),
        (Field::To, "TO", 16),
        (Field::Status, "STATUS", 10),
        (Field::Agent, "AGENT", 20),
        (Field::Sentiment, "SENTIMENT", 9),
    ]
    .into_iter()
    .filter(|(field, _, _)| page.schema.column(*field).is_some())
    .collect();
    let line = |created: String, cells: Vec<String>, rec: &str, id: &str| {
        let mut text = format!("{created:<25}");
        for ((field, _, width), cell) in fields.iter().zip(cells) {
            if *field == Field::Duration {
                text.push_str(&format!("  {cell:>width$}"));
            } else {
                text.push_str(&format!("  {cell:<width$}"));
            }
        }
        text.push_str(&format!("  {rec:<3}  {id}"));
        text
    };
    let mut lines = vec![line(
        "CREATED".into(),
        fields.iter().map(|(_, h, _)| (*h).to_owned()).collect(),
        "REC",
        "ID",
    )];
    for r in &page.rows {
        lines.push(line(
            r.created_at.clone().unwrap_or_else(|| "-".into()),
            fields.iter().map(|(f, _, _)| cell(page, r, *f)).collect(),
            match r.has_recording {
                Some(true) => "yes",
                Some(false) => "no",
                None => "?",
            },
            &r.id,
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
