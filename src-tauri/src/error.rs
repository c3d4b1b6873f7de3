//! The one place core errors become what the webview sees.

use serde::Serialize;
use ts_rs::TS;

use callrec_core::ErrorCode;

/// A failure as the UI receives it: a stable `code` to branch on and a message to show.
/// Core messages never contain secrets (tokens and signed URLs are `Secret`s, URLs are
/// redacted), so passing `Display` through is safe.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct IpcError {
    pub code: String,
    pub message: String,
}

impl IpcError {
    /// A failure of the shell itself (a dialog, the file manager), not of the core.
    pub fn new(code: &str, message: impl Into<String>) -> Self {
        Self {
            code: code.to_owned(),
            message: message.into(),
        }
    }

    pub fn of(error: &impl ErrorCode) -> Self {
        Self {
            code: error.code().to_owned(),
            message: error.to_string(),
        }
    }
}

impl<E: ErrorCode> From<E> for IpcError {
    fn from(error: E) -> Self {
        Self::of(&error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use callrec_core::project::ProbeError;

    #[test]
    fn core_errors_cross_as_code_and_message() {
        let error = IpcError::from(ProbeError::Unreachable {
            url: "http://127.0.0.1:9".into(),
            reason: "connection refused".into(),
        });
        assert_eq!(error.code, "unreachable");
        assert!(error.message.contains("127.0.0.1:9"), "{}", error.message);
        let json = serde_json::to_value(&error).unwrap();
        assert_eq!(json["code"], "unreachable");
    }
}
