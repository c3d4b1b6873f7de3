//! What can go wrong with a download, one code each.

use std::path::Path;

use crate::library::LibraryError;
use crate::remote::RemoteError;
use crate::{ErrorCode, ErrorKind};

#[derive(Debug, thiserror::Error)]
pub enum DownloadError {
    #[error("invalid call id \"{shown}\": it {reason}")]
    InvalidCallId { shown: String, reason: String },
    #[error("call {call_id} has no recording {recording}")]
    NoSegment { call_id: String, recording: String },
    #[error("call {call_id} has no recording to download")]
    NoRecording { call_id: String },
    #[error("segment {index} of call {call_id} is not downloaded (or its file is gone)")]
    NotDownloaded { call_id: String, index: u32 },
    #[error("no download of segment {index} of call {call_id} is queued")]
    NotQueued { call_id: String, index: u32 },
    /// The recording endpoints' own failure, code and kind kept.
    #[error("{message}")]
    Resolve {
        code: &'static str,
        kind: ErrorKind,
        message: String,
    },
    #[error(transparent)]
    Remote(#[from] RemoteError),
    #[error(
        "not enough free space in {dir}: {needed} bytes needed (plus a reserve), {available} available"
    )]
    NoSpace {
        needed: u64,
        available: u64,
        dir: String,
    },
    #[error("the download's length is wrong: {got} bytes where the server announced {expected}")]
    Length { expected: u64, got: u64 },
    /// More bytes than a recording can be: announced so, or sent without an end.
    #[error(
        "the server {} bytes, more than a recording can be (at most {limit}): the download stopped",
        match announced { Some(n) => format!("announced {n}"), None => format!("sent over {limit}") }
    )]
    TooLarge { limit: u64, announced: Option<u64> },
    #[error("refusing a path outside the data folder: {0}")]
    UnsafePath(String),
    #[error("the disk holding {path} is full")]
    DiskFull { path: String },
    #[error("another Callrec process is downloading into {dir}; let it finish or close it first")]
    Busy { dir: String },
    #[error("{path}: {reason}")]
    Io { path: String, reason: String },
    #[error(transparent)]
    Library(#[from] LibraryError),
}

impl DownloadError {
    pub fn resolve(error: &dyn ErrorCode) -> Self {
        Self::Resolve {
            code: error.code(),
            kind: error.kind(),
            message: error.to_string(),
        }
    }

    /// Whether the `.part` is better gone than resumed: what filled the disk (freed, so the
    /// failure can be recorded and nothing stands in the way once space is back), or the start
    /// of a body that was never a recording.
    pub(super) fn spoils_the_part(&self) -> bool {
        matches!(self, Self::DiskFull { .. } | Self::TooLarge { .. })
    }

    pub(super) fn io(path: &Path, error: &std::io::Error) -> Self {
        if error.kind() == std::io::ErrorKind::StorageFull {
            return Self::DiskFull {
                path: path.display().to_string(),
            };
        }
        Self::Io {
            path: path.display().to_string(),
            reason: error.to_string(),
        }
    }
}

impl ErrorCode for DownloadError {
    fn code(&self) -> &'static str {
        match self {
            Self::InvalidCallId { .. } => "invalid_call_id",
            Self::NoSegment { .. } => "no_segment",
            Self::NoRecording { .. } => "no_recording",
            Self::NotQueued { .. } => "not_queued",
            Self::NotDownloaded { .. } => "not_downloaded",
            Self::Resolve { code, .. } => code,
            Self::Remote(error) => error.code(),
            Self::NoSpace { .. } | Self::DiskFull { .. } => "no_space",
            Self::Busy { .. } => "downloads_busy",
            Self::Length { .. } => "length_mismatch",
            Self::TooLarge { .. } => "recording_too_large",
            Self::UnsafePath(_) => "unsafe_path",
            Self::Io { .. } => "download_io",
            Self::Library(error) => error.code(),
        }
    }

    fn kind(&self) -> ErrorKind {
        match self {
            Self::InvalidCallId { .. } | Self::UnsafePath(_) => ErrorKind::Usage,
            Self::NoSegment { .. }
            | Self::NoRecording { .. }
            | Self::NotQueued { .. }
            | Self::NotDownloaded { .. } => ErrorKind::NotFound,
            Self::Resolve { kind, .. } => *kind,
            Self::Remote(error) => error.kind(),
            Self::Length { .. } | Self::TooLarge { .. } => ErrorKind::Network,
            Self::NoSpace { .. } | Self::DiskFull { .. } | Self::Busy { .. } | Self::Io { .. } => {
                ErrorKind::Other
            }
            Self::Library(error) => error.kind(),
        }
    }
}
