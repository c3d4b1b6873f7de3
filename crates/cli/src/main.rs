//! `callrec`: the Callrec command line, on the same core as the desktop app.

mod commands;
mod exit;
mod output;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use callrec_core::config::Settings;

use crate::output::Output;

#[derive(Parser, Debug)]
#[command(
    name = "callrec",
    version,
    about = "Browse agency calls and play their recordings"
)]
struct Cli {
    /// Print one JSON document on stdout (progress and logs go to stderr).
    #[arg(long, global = true)]
    json: bool,
    #[command(flatten)]
    project: ProjectFlags,
    #[command(subcommand)]
    command: Command,
}

/// Flags beat `CALLREC_*` environment variables, which beat `<data dir>/config.toml`.
#[derive(Args, Debug, Default)]
struct ProjectFlags {
    /// The Supabase project URL [env: CALLREC_SUPABASE_URL]
    #[arg(long, global = true, value_name = "URL")]
    supabase_url: Option<String>,
    /// The project's anon (public) key [env: CALLREC_SUPABASE_ANON_KEY]
    #[arg(long, global = true, value_name = "KEY")]
    anon_key: Option<String>,
    /// Base URL of get-call-recording [env: CALLREC_FUNCTIONS_URL; default <supabase>/functions/v1]
    #[arg(long, global = true, value_name = "URL")]
    functions_url: Option<String>,
    /// Base URL of get-signed-recording-url [env: CALLREC_SIGNED_URL_FUNCTIONS_URL]
    #[arg(long, global = true, value_name = "URL")]
    signed_url_functions_url: Option<String>,
    /// Library, downloads and config live here [env: CALLREC_DATA_DIR]
    #[arg(long, global = true, value_name = "DIR")]
    data_dir: Option<PathBuf>,
}

impl ProjectFlags {
    fn into_settings(self) -> Settings {
        Settings {
            supabase_url: self.supabase_url,
            anon_key: self.anon_key,
            functions_url: self.functions_url,
            signed_url_functions_url: self.signed_url_functions_url,
            // Secrets are not taken as flags (they would show in `ps`); only the environment.
            signed_url_api_key: None,
            data_dir: self.data_dir,
            // The calls table's column overrides live only in config.toml.
            columns: Default::default(),
        }
    }
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run the local Supabase-compatible backend (demo data, real audio) until Ctrl-C.
    Backend(callrec_backend::BackendArgs),
    /// Start the local backend and the Callrec app pointed at it: the whole product, no setup.
    Demo(commands::demo::DemoArgs),
    /// Show the resolved configuration and where each setting came from (no secrets).
    Config,
    /// Check that the configured Supabase project is reachable.
    Status,
    /// Sign in to the configured project; the session is kept in the OS keyring.
    Login(commands::session::LoginArgs),
    /// Show who is signed in (restoring the saved session, as the app does at launch).
    Whoami,
    /// List the agency's calls (newest first); offline, the calls seen before.
    Calls(commands::calls::CallsArgs),
    /// A call's recording segments from both endpoints, merged (URLs only with --show-urls).
    Recordings(commands::recordings::RecordingsArgs),
    /// Show or change the recording endpoints: each on or off, its URL, endpoint B's credential.
    Endpoints(commands::endpoints::EndpointsArgs),
    /// Download calls (or one segment) for offline use: resumable, verified, queued.
    Download(commands::download::DownloadArgs),
    /// What is downloaded: list, remove, du (space used), export (copy with readable names).
    Library(commands::library::LibraryArgs),
    /// Play a call: its segments as one timeline, streamed, with a progress line.
    Play(commands::play::PlayArgs),
    /// Decode a call's whole timeline to a WAV file (at the chosen speed, pitch kept).
    Export(commands::export::ExportArgs),
    /// Who is silent when: each channel's speech, the silences, the agent's response latency
    /// at each turn (median and worst).
    Analyze(commands::analyze::AnalyzeArgs),
    /// Review a call: your status, a note or bookmark at a time, scorecard answers; shows the
    /// call's reviews.
    Review(commands::reviews::ReviewArgs),
    /// Every reviewer's notes and bookmarks on a call, by time.
    Notes(commands::reviews::NotesArgs),
    /// The agency's shared reviews: sync (push and pull), export (CSV or JSON).
    Reviews(commands::reviews::ReviewsArgs),
    /// Sign out: end the session on the server if it can be reached, and forget it here.
    Logout,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging();
    let output = Output::new(cli.json);
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => return output.fail(&exit::CliError::other(format!("starting: {error}"))),
    };
    let settings = cli.project.into_settings();
    let result = runtime.block_on(async {
        match cli.command {
            Command::Backend(args) => commands::backend::run(&output, args).await,
            Command::Demo(args) => commands::demo::run(&output, settings, args).await,
            Command::Config => commands::config::run(&output, settings),
            Command::Status => commands::status::run(&output, settings).await,
            Command::Login(args) => commands::session::login(&output, settings, args).await,
            Command::Whoami => commands::session::whoami(&output, settings).await,
            Command::Calls(args) => commands::calls::run(&output, settings, args).await,
            Command::Recordings(args) => commands::recordings::run(&output, settings, args).await,
            Command::Endpoints(args) => commands::endpoints::run(&output, settings, args).await,
            Command::Download(args) => commands::download::run(&output, settings, args).await,
            Command::Library(args) => commands::library::run(&output, settings, args),
            Command::Play(args) => commands::play::run(&output, settings, args).await,
            Command::Export(args) => commands::export::run(&output, settings, args).await,
            Command::Analyze(args) => commands::analyze::run(&output, settings, args).await,
            Command::Review(args) => commands::reviews::review(&output, settings, args).await,
            Command::Notes(args) => commands::reviews::notes(&output, settings, args).await,
            Command::Reviews(args) => commands::reviews::run(&output, settings, args).await,
            Command::Logout => commands::session::logout(&output, settings).await,
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => output.fail(&error),
    }
}

fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("CALLREC_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}
