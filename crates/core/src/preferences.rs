//! What the reviewer chose and expects to find again: the last playback speed, the output
//! device and the size of the played recordings' cache. Kept in `<data_dir>/preferences.toml` (no secrets in it), written
//! atomically, and read leniently: a damaged or odd file gives the defaults for what cannot
//! be read, never an error that stops playback.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::player::{MAX_SPEED, MIN_SPEED};
use crate::{ErrorCode, ErrorKind};

pub const PREFERENCES_FILE_NAME: &str = "preferences.toml";

/// Device names come from the OS; longer than this is not a name we were given.
const MAX_DEVICE_NAME_LEN: usize = 512;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Preferences {
    /// The last playback speed (0.5–3.0); 1.0 when never set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub speed: Option<f64>,
    /// The output device's name; the system default when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_device: Option<String>,
    /// The played recordings' cache limit in MB; [`crate::bytestore::DEFAULT_CACHE_BYTES`]
    /// when never set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_limit_mb: Option<u64>,
}

/// 1 MB, as Settings counts the cache (decimal, as the UI shows every size).
pub const MB: u64 = 1_000_000;
/// The largest cache Settings accepts: 1 TB.
pub const MAX_CACHE_MB: u64 = 1_000_000;

impl Preferences {
    /// The cache limit in bytes, the default when never set.
    pub fn cache_limit_bytes(&self) -> u64 {
        self.cache_limit_mb
            .map_or(crate::bytestore::DEFAULT_CACHE_BYTES, |mb| mb * MB)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum PreferencesError {
    #[error("speed {0} is outside {MIN_SPEED}–{MAX_SPEED}")]
    InvalidSpeed(f64),
    #[error("that output device name is not one the system gave")]
    InvalidDevice,
    #[error("a cache of {0} MB is outside {min}–{MAX_CACHE_MB} MB", min = crate::bytestore::MIN_CACHE_BYTES / MB)]
    InvalidCacheLimit(u64),
    #[error("cannot save preferences to {path}: {source}")]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl ErrorCode for PreferencesError {
    fn code(&self) -> &'static str {
        match self {
            Self::InvalidSpeed(_) => "invalid_speed",
            Self::InvalidDevice => "invalid_device",
            Self::InvalidCacheLimit(_) => "invalid_cache_limit",
            Self::Write { .. } => "preferences_write_failed",
        }
    }

    fn kind(&self) -> ErrorKind {
        match self {
            Self::InvalidSpeed(_) | Self::InvalidDevice | Self::InvalidCacheLimit(_) => {
                ErrorKind::Usage
            }
            Self::Write { .. } => ErrorKind::Other,
        }
    }
}

/// The preferences of one data dir. Cheap to clone; every change is saved at once.
#[derive(Debug, Clone)]
pub struct PreferencesFile {
    path: PathBuf,
}

impl PreferencesFile {
    pub fn in_data_dir(data_dir: &Path) -> Self {
        Self {
            path: data_dir.join(PREFERENCES_FILE_NAME),
        }
    }

    /// What is saved; each unreadable or out-of-range value is left out (and logged), so a
    /// damaged file never costs the reviewer more than that one setting.
    pub fn load(&self) -> Preferences {
        let text = match std::fs::read_to_string(&self.path) {
            Ok(text) => text,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                return Preferences::default();
            }
            Err(error) => {
                tracing::warn!("preferences: cannot read {}: {error}", self.path.display());
                return Preferences::default();
            }
        };
        let table = match text.parse::<toml::Table>() {
            Ok(table) => table,
            Err(error) => {
                tracing::warn!("preferences: {} is not TOML: {error}", self.path.display());
                return Preferences::default();
            }
        };
        let speed = match table.get("speed") {
            Some(toml::Value::Float(speed)) => Some(*speed),
            Some(toml::Value::Integer(speed)) => Some(*speed as f64),
            _ => None,
        }
        .filter(|speed| valid_speed(*speed));
        let output_device = match table.get("outputDevice") {
            Some(toml::Value::String(name)) => Some(name.clone()),
            _ => None,
        }
        .filter(|name| valid_device(name));
        let cache_limit_mb = match table.get("cacheLimitMb") {
            Some(toml::Value::Integer(mb)) => u64::try_from(*mb).ok(),
            _ => None,
        }
        .filter(|mb| valid_cache_mb(*mb));
        Preferences {
            speed,
            output_device,
            cache_limit_mb,
        }
    }

    pub fn set_speed(&self, speed: f64) -> Result<Preferences, PreferencesError> {
        if !valid_speed(speed) {
            return Err(PreferencesError::InvalidSpeed(speed));
        }
        self.update(|p| p.speed = Some(speed))
    }

    /// `None`: the system's default device.
    pub fn set_output_device(&self, name: Option<String>) -> Result<Preferences, PreferencesError> {
        if name.as_deref().is_some_and(|n| !valid_device(n)) {
            return Err(PreferencesError::InvalidDevice);
        }
        self.update(|p| p.output_device = name)
    }

    /// The played recordings' cache limit, in MB.
    pub fn set_cache_limit_mb(&self, mb: u64) -> Result<Preferences, PreferencesError> {
        if !valid_cache_mb(mb) {
            return Err(PreferencesError::InvalidCacheLimit(mb));
        }
        self.update(|p| p.cache_limit_mb = Some(mb))
    }

    fn update(
        &self,
        change: impl FnOnce(&mut Preferences),
    ) -> Result<Preferences, PreferencesError> {
        let mut preferences = self.load();
        change(&mut preferences);
        let write_error = |source| PreferencesError::Write {
            path: self.path.clone(),
            source,
        };
        if let Some(dir) = self.path.parent() {
            crate::files::create_dir_all(dir).map_err(write_error)?;
        }
        let text = toml::to_string(&preferences)
            .map_err(|e| write_error(std::io::Error::other(e.to_string())))?;
        crate::files::write_atomic(&self.path, &text).map_err(write_error)?;
        Ok(preferences)
    }
}

fn valid_speed(speed: f64) -> bool {
    (MIN_SPEED..=MAX_SPEED).contains(&speed)
}

fn valid_cache_mb(mb: u64) -> bool {
    (crate::bytestore::MIN_CACHE_BYTES / MB..=MAX_CACHE_MB).contains(&mb)
}

fn valid_device(name: &str) -> bool {
    !name.trim().is_empty() && name.len() <= MAX_DEVICE_NAME_LEN && !name.contains('\0')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file() -> (tempfile::TempDir, PreferencesFile) {
        let dir = tempfile::tempdir().unwrap();
        let file = PreferencesFile::in_data_dir(dir.path());
        (dir, file)
    }

    #[test]
    fn nothing_saved_is_the_defaults() {
        let (_dir, file) = file();
        assert_eq!(file.load(), Preferences::default());
    }

    #[test]
    fn speed_and_device_survive_a_reload_and_each_change_keeps_the_other() {
        let (dir, file) = file();
        file.set_speed(1.75).unwrap();
        file.set_output_device(Some("USB Headset".into())).unwrap();
        file.set_cache_limit_mb(512).unwrap();
        let again = PreferencesFile::in_data_dir(dir.path()).load();
        assert_eq!(again.cache_limit_mb, Some(512));
        assert_eq!(again.cache_limit_bytes(), 512 * MB);
        assert_eq!(again.speed, Some(1.75));
        assert_eq!(again.output_device.as_deref(), Some("USB Headset"));
        file.set_output_device(None).unwrap();
        let again = file.load();
        assert_eq!(again.speed, Some(1.75));
        assert_eq!(again.output_device, None);
    }

    #[test]
    fn bad_values_are_refused_and_nothing_is_written() {
        let (dir, file) = file();
        for speed in [0.49, 3.01, f64::NAN, f64::INFINITY, -1.0] {
            assert!(matches!(
                file.set_speed(speed),
                Err(PreferencesError::InvalidSpeed(_))
            ));
        }
        for name in ["", "  ", "a\0b", &"x".repeat(600)] {
            assert!(matches!(
                file.set_output_device(Some(name.to_owned())),
                Err(PreferencesError::InvalidDevice)
            ));
        }
        for mb in [0, 63, MAX_CACHE_MB + 1, u64::MAX] {
            assert!(matches!(
                file.set_cache_limit_mb(mb),
                Err(PreferencesError::InvalidCacheLimit(_))
            ));
        }
        assert!(!dir.path().join(PREFERENCES_FILE_NAME).exists());
    }

    #[test]
    fn a_damaged_file_loses_only_what_cannot_be_read() {
        let (dir, file) = file();
        let path = dir.path().join(PREFERENCES_FILE_NAME);
        std::fs::write(
            &path,
            "speed = 9.0\noutputDevice = \"Speakers\"\ncacheLimitMb = -5\n",
        )
        .unwrap();
        let loaded = file.load();
        assert_eq!(loaded.speed, None, "out of range");
        assert_eq!(loaded.cache_limit_mb, None, "out of range");
        assert_eq!(
            loaded.cache_limit_bytes(),
            crate::bytestore::DEFAULT_CACHE_BYTES
        );
        assert_eq!(loaded.output_device.as_deref(), Some("Speakers"));
        std::fs::write(&path, "speed = \"fast\"\noutputDevice = 3\n").unwrap();
        assert_eq!(file.load(), Preferences::default());
        std::fs::write(&path, "\u{0}not toml at all [[[").unwrap();
        assert_eq!(file.load(), Preferences::default());
        // Writing over a damaged file replaces it with a good one.
        file.set_speed(2.0).unwrap();
        assert_eq!(file.load().speed, Some(2.0));
    }
}
