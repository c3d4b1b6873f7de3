//! `callrec config`: the resolved configuration, without secrets.

use serde::Serialize;

use callrec_core::config::{Config, Settings};

use crate::exit::CliError;
use crate::output::Output;

#[derive(Serialize)]
struct ShownConfig {
    supabase_url: Option<String>,
    functions_url: Option<String>,
    signed_url_functions_url: Option<String>,
    signed_url_api_key_set: bool,
    data_dir: String,
    demo: bool,
}

pub fn run(output: &Output, flags: Settings) -> Result<(), CliError> {
    let config = Config::from_process_env(flags)?;
    let project = config.project.as_ref();
    let shown = ShownConfig {
        supabase_url: project.map(|p| p.supabase_url.to_string()),
        functions_url: project.map(|p| p.functions_url.to_string()),
        signed_url_functions_url: project.map(|p| p.signed_url_functions_url.to_string()),
        signed_url_api_key_set: project.is_some_and(|p| p.signed_url_api_key.is_some()),
        data_dir: config.data_dir.display().to_string(),
        demo: config.demo,
    };
    output.result(&shown, || {
        let unset = || "(not set)".to_owned();
        format!(
            "Supabase URL:            {}\nFunctions URL:           {}\nSigned-URL functions:    {}\nSigned-URL API key:      {}\nData directory:          {}",
            shown.supabase_url.clone().unwrap_or_else(unset),
            shown.functions_url.clone().unwrap_or_else(unset),
            shown.signed_url_functions_url.clone().unwrap_or_else(unset),
            if shown.signed_url_api_key_set { "set" } else { "not set (the user's JWT is used)" },
            shown.data_dir,
        )
    });
    Ok(())
}
