//! Human or `--json` output: one JSON document on stdout, everything else on stderr.

use std::process::ExitCode;

use serde::Serialize;

use crate::exit::CliError;

pub struct Output {
    json: bool,
}

impl Output {
    pub fn new(json: bool) -> Self {
        Self { json }
    }

    /// The command's result: `value` as JSON with `--json`, else the human text.
    pub fn result<T: Serialize>(&self, value: &T, human: impl FnOnce() -> String) {
        if self.json {
            match serde_json::to_string_pretty(value) {
                Ok(text) => println!("{text}"),
                Err(error) => eprintln!("callrec: could not encode the result as JSON: {error}"),
            }
        } else {
            println!("{}", human());
        }
    }

    /// Progress and notices: always stderr, so stdout stays one document.
    pub fn note(&self, text: impl AsRef<str>) {
        eprintln!("{}", text.as_ref());
    }

    pub fn fail(&self, error: &CliError) -> ExitCode {
        if self.json {
            let document = serde_json::json!({ "error": error });
            println!("{document}");
        } else {
            eprintln!("callrec: {} ({})", error.message, error.code);
        }
        error.exit_code()
    }
}
