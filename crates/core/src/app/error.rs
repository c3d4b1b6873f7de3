//! The application's one error: what any use-case of [`super::App`] can fail with, each
//! module's error kept whole (its code and kind pass through), so each shell maps it once.

use crate::{ErrorCode, ErrorKind};

/// A part of the app that could not be set up at launch (the configuration, the keyring, the
/// library): kept, and answered to every use-case that needs it, so the window still opens
/// and says what is wrong.
#[derive(Debug, Clone)]
pub struct Unavailable {
    pub code: &'static str,
    pub kind: ErrorKind,
    pub message: String,
}

impl Unavailable {
    pub fn of(error: &dyn ErrorCode) -> Self {
        Self {
            code: error.code(),
            kind: error.kind(),
            message: error.to_string(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{}", .0.message)]
    Unavailable(Unavailable),
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    #[error(transparent)]
    Session(#[from] crate::session::SessionError),
    #[error(transparent)]
    Probe(#[from] crate::project::ProbeError),
    #[error(transparent)]
    Calls(#[from] crate::calls::CallsError),
    #[error(transparent)]
    Recordings(#[from] crate::recordings::RecordingsError),
    #[error(transparent)]
    Library(#[from] crate::library::LibraryError),
    #[error(transparent)]
    Downloads(#[from] crate::downloads::DownloadError),
    #[error(transparent)]
    Player(#[from] crate::player::PlayerError),
    #[error(transparent)]
    Analysis(#[from] crate::analysis::AnalysisError),
    #[error(transparent)]
    Reviews(#[from] crate::reviews::ReviewError),
    #[error(transparent)]
    Preferences(#[from] crate::preferences::PreferencesError),
    /// A use-case's worker thread ended without an answer (it panicked): the app goes on.
    #[error("{what} stopped unexpectedly")]
    Stopped { what: &'static str },
}

impl AppError {
    fn inner(&self) -> Option<&dyn ErrorCode> {
        Some(match self {
            Self::Unavailable(_) | Self::Stopped { .. } => return None,
            Self::Config(e) => e,
            Self::Session(e) => e,
            Self::Probe(e) => e,
            Self::Calls(e) => e,
            Self::Recordings(e) => e,
            Self::Library(e) => e,
            Self::Downloads(e) => e,
            Self::Player(e) => e,
            Self::Analysis(e) => e,
            Self::Reviews(e) => e,
            Self::Preferences(e) => e,
        })
    }
}

impl ErrorCode for AppError {
    fn code(&self) -> &'static str {
        match (self, self.inner()) {
            (_, Some(inner)) => inner.code(),
            (Self::Unavailable(kept), None) => kept.code,
            (_, None) => "internal",
        }
    }

    fn kind(&self) -> ErrorKind {
        match (self, self.inner()) {
            (_, Some(inner)) => inner.kind(),
            (Self::Unavailable(kept), None) => kept.kind,
            (_, None) => ErrorKind::Other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_module_s_error_keeps_its_code_and_kind_through_the_app() {
        let error = AppError::from(crate::session::SessionError::NotSignedIn);
        assert_eq!(error.code(), "not_signed_in");
        assert_eq!(error.kind(), ErrorKind::Auth);
        let kept = Unavailable::of(&crate::library::LibraryError::Query("bad".into()));
        let error = AppError::Unavailable(kept);
        assert_eq!(error.code(), "invalid_query");
        assert_eq!(error.kind(), ErrorKind::Usage);
        assert_eq!(AppError::Stopped { what: "analysis" }.code(), "internal");
    }
}
