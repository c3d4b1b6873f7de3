//! The CLI's exit codes and the error every command returns.

use std::process::ExitCode;

use callrec_core::{ErrorCode, ErrorKind};
use serde::Serialize;

/// 0 ok, 1 other, 2 usage, 3 not signed in or auth refused, 4 not found, 5 network or server.
pub fn exit_code(kind: ErrorKind) -> u8 {
    match kind {
        ErrorKind::Other => 1,
        ErrorKind::Usage => 2,
        ErrorKind::Auth => 3,
        ErrorKind::NotFound => 4,
        ErrorKind::Network => 5,
    }
}

/// A failure as the CLI reports it: the same `code` the app's UI receives.
#[derive(Debug, Serialize)]
pub struct CliError {
    pub code: String,
    pub message: String,
    #[serde(skip)]
    pub kind: ErrorKind,
}

impl CliError {
    pub fn other(message: impl Into<String>) -> Self {
        Self {
            code: "other".into(),
            message: message.into(),
            kind: ErrorKind::Other,
        }
    }

    /// The command line itself is wrong (exit 2), said in `message`.
    pub fn usage(message: impl Into<String>) -> Self {
        Self {
            code: "usage".into(),
            message: message.into(),
            kind: ErrorKind::Usage,
        }
    }

    pub fn exit_code(&self) -> ExitCode {
        ExitCode::from(exit_code(self.kind))
    }
}

impl<E: ErrorCode> From<E> for CliError {
    fn from(error: E) -> Self {
        Self {
            code: error.code().to_owned(),
            message: error.to_string(),
            kind: error.kind(),
        }
    }
}
