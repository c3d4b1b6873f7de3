//! `callrec endpoints`: the current project's recording-endpoint settings — each endpoint on or
//! off, its base URL, and whether `get-signed-recording-url` is called with the reviewer's JWT
//! or an API key kept in the OS keyring. With no flags it shows them; flags change them.

use std::io::Read;
use std::sync::Arc;

use clap::{Args, ValueEnum};
use serde::Serialize;

use callrec_core::config::{Config, Settings};
use callrec_core::recordings::settings::{self as endpoint_settings};
use callrec_core::secret::Secret;
use callrec_core::session::{KeyringStore, SessionError, profiles};

use crate::exit::CliError;
use crate::output::Output;

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Switch {
    On,
    Off,
}

#[derive(Args, Debug)]
pub struct EndpointsArgs {
    /// Ask `get-call-recording` (endpoint A, the Ultravox URL).
    #[arg(long, value_enum, value_name = "on|off")]
    call_recording: Option<Switch>,
    /// Base URL of `get-call-recording` (`default`: the project's functions URL).
    #[arg(long, value_name = "URL")]
    call_recording_url: Option<String>,
    /// Ask `get-signed-recording-url` (endpoint B, the labelled segments).
    #[arg(long, value_enum, value_name = "on|off")]
    signed_url: Option<Switch>,
    /// Base URL of `get-signed-recording-url` (`default`: the project's).
    #[arg(long, value_name = "URL")]
    signed_url_url: Option<String>,
    /// Read endpoint B's API key from standard input and keep it in the OS keyring.
    #[arg(long, conflicts_with = "use_jwt")]
    api_key_stdin: bool,
    /// Call endpoint B with the signed-in reviewer's JWT (removes a saved API key).
    #[arg(long)]
    use_jwt: bool,
}

impl EndpointsArgs {
    fn changes_anything(&self) -> bool {
        self.call_recording.is_some()
            || self.call_recording_url.is_some()
            || self.signed_url.is_some()
            || self.signed_url_url.is_some()
            || self.api_key_stdin
            || self.use_jwt
    }
}

/// What is shown: never the key itself.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Shown {
    project: String,
    call_recording: Endpoint,
    signed_recording_url: Endpoint,
    /// `jwt` or `apiKey`.
    credential: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Endpoint {
    enabled: bool,
    url: String,
}

fn url_setting(raw: &Option<String>, current: Option<String>) -> Option<String> {
    match raw.as_deref().map(str::trim) {
        Some("default") | Some("") => None,
        Some(url) => Some(url.to_owned()),
        None => current,
    }
}

pub async fn run(output: &Output, flags: Settings, args: EndpointsArgs) -> Result<(), CliError> {
    let config = Config::from_process_env(flags)?;
    let project = config.project.ok_or(SessionError::NotConfigured)?;
    let key = project.supabase_url.as_str().to_owned();
    let mut prefs = profiles::endpoint_prefs(&config.data_dir, &key);
    if args.changes_anything() {
        if let Some(switch) = args.call_recording {
            prefs.call_recording_enabled = matches!(switch, Switch::On);
        }
        if let Some(switch) = args.signed_url {
            prefs.signed_url_enabled = matches!(switch, Switch::On);
        }
        prefs.call_recording_url = url_setting(&args.call_recording_url, prefs.call_recording_url);
        prefs.signed_url_url = url_setting(&args.signed_url_url, prefs.signed_url_url);
        let api_key = if args.api_key_stdin {
            let mut text = String::new();
            std::io::stdin()
                .read_to_string(&mut text)
                .map_err(|error| {
                    CliError::usage(format!("reading the API key from stdin: {error}"))
                })?;
            prefs.signed_url_use_api_key = true;
            Some(Secret::new(text.trim().to_owned()))
        } else {
            None
        };
        if args.use_jwt {
            prefs.signed_url_use_api_key = false;
        }
        // Saving also removes a key no longer used, so any change goes through the keyring.
        let store: Arc<KeyringStore> = Arc::new(KeyringStore::new().map_err(SessionError::from)?);
        endpoint_settings::save(
            &project,
            &config.data_dir,
            store.as_ref(),
            prefs.clone(),
            api_key,
        )?;
    }
    let shown = Shown {
        project: key,
        call_recording: Endpoint {
            enabled: prefs.call_recording_enabled,
            url: prefs
                .call_recording_url
                .clone()
                .unwrap_or_else(|| project.functions_url.to_string()),
        },
        signed_recording_url: Endpoint {
            enabled: prefs.signed_url_enabled,
            url: prefs
                .signed_url_url
                .clone()
                .unwrap_or_else(|| project.signed_url_functions_url.to_string()),
        },
        credential: if prefs.signed_url_use_api_key || project.signed_url_api_key.is_some() {
            "apiKey"
        } else {
            "jwt"
        },
    };
    output.result(&shown, || {
        let line = |name: &str, e: &Endpoint| {
            format!(
                "{name:<26} {:<3}  {}",
                if e.enabled { "on" } else { "off" },
                e.url
            )
        };
        [
            line("get-call-recording", &shown.call_recording),
            line("get-signed-recording-url", &shown.signed_recording_url),
            format!("{:<26} {}", "credential (signed URLs)", shown.credential),
        ]
        .join("\n")
    });
    Ok(())
}
