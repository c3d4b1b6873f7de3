//! Where Callrec finds its Supabase project and keeps its data.
//!
//! Every setting is resolved in one order: command-line flags, then `CALLREC_*` environment
//! variables, then the config file (`<data dir>/config.toml`). The data directory itself comes
//! from flags or `CALLREC_DATA_DIR`, else the OS data dir (the same one Tauri's `app_data_dir`
//! gives for our identifier, so the app and the CLI share one library).

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use url::Url;

use crate::ErrorCode;
use crate::calls::ColumnOverrides;
use crate::secret::Secret;

/// The app's bundle identifier; also the name of the data directory.
pub const APP_IDENTIFIER: &str = "com.callrec.desktop";
pub const CONFIG_FILE_NAME: &str = "config.toml";

pub const ENV_SUPABASE_URL: &str = "CALLREC_SUPABASE_URL";
pub const ENV_ANON_KEY: &str = "CALLREC_SUPABASE_ANON_KEY";
pub const ENV_FUNCTIONS_URL: &str = "CALLREC_FUNCTIONS_URL";
pub const ENV_SIGNED_URL_FUNCTIONS_URL: &str = "CALLREC_SIGNED_URL_FUNCTIONS_URL";
pub const ENV_SIGNED_URL_API_KEY: &str = "CALLREC_SIGNED_URL_API_KEY";
pub const ENV_DATA_DIR: &str = "CALLREC_DATA_DIR";
/// Seconds a call-list request may take before the list is answered from the library, marked
/// offline (default [`crate::calls::LIST_DEADLINE`]; tests shorten it).
pub const ENV_LIST_DEADLINE: &str = "CALLREC_LIST_DEADLINE_SECS";
const MAX_LIST_DEADLINE_SECS: u64 = 300;
/// Set by `callrec demo` for the app it starts: the project is the local demo backend.
pub const ENV_DEMO: &str = "CALLREC_DEMO";
/// Set by `callrec demo`: the demo reviewer's email, prefilled on the sign-in screen.
pub const ENV_DEMO_EMAIL: &str = "CALLREC_DEMO_EMAIL";

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{setting} is not a valid URL ({value:?}): {reason}")]
    InvalidUrl {
        setting: &'static str,
        value: String,
        reason: String,
    },
    #[error("{setting} must be an https URL (http is allowed only for localhost), got {scheme:?}")]
    InsecureUrl {
        setting: &'static str,
        scheme: String,
    },
    #[error(
        "the Supabase URL is set but the anon key is missing: set {ENV_ANON_KEY} or --anon-key"
    )]
    MissingAnonKey,
    #[error("no data directory: set {ENV_DATA_DIR} (the OS reports no home directory)")]
    NoDataDir,
    #[error("reading the config file {path}: {source}")]
    ReadFile {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the config file {path} is not valid TOML: {message}")]
    ParseFile { path: PathBuf, message: String },
    #[error("writing the config file {path}: {source}")]
    WriteFile {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{setting} must be {expected}, got {value:?}")]
    InvalidSetting {
        setting: &'static str,
        expected: &'static str,
        value: String,
    },
}

impl ErrorCode for ConfigError {
    fn code(&self) -> &'static str {
        match self {
            Self::InvalidUrl { .. } | Self::InsecureUrl { .. } => "config_invalid_url",
            Self::MissingAnonKey => "config_missing_anon_key",
            Self::NoDataDir => "config_no_data_dir",
            Self::ReadFile { .. } | Self::ParseFile { .. } | Self::WriteFile { .. } => {
                "config_file"
            }
            Self::InvalidSetting { .. } => "config_invalid",
        }
    }

    fn kind(&self) -> crate::ErrorKind {
        crate::ErrorKind::Usage
    }
}

/// One layer of settings. Every layer has the same shape; [`Config::resolve`] stacks them.
#[derive(Debug, Default, Clone, Deserialize, Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    pub supabase_url: Option<String>,
    pub anon_key: Option<String>,
    pub functions_url: Option<String>,
    pub signed_url_functions_url: Option<String>,
    /// Endpoint B's API key. Only flags and the environment may carry it: the config file is
    /// a plain file, and secrets never live in one.
    #[serde(skip)]
    pub signed_url_api_key: Option<String>,
    #[serde(skip)]
    pub data_dir: Option<PathBuf>,
    /// `[columns]`: the project's `calls` columns Callrec should read a field from when the
    /// usual names do not fit (`duration = "billsec"`). Only from the file.
    #[serde(skip_serializing_if = "ColumnOverrides::is_empty")]
    pub columns: ColumnOverrides,
}

impl Settings {
    /// Reads the `CALLREC_*` variables through `lookup` (injected so tests need not touch the
    /// process environment). Empty values count as unset.
    pub fn from_env(lookup: impl Fn(&str) -> Option<String>) -> Self {
        let get = |name: &str| lookup(name).filter(|value| !value.trim().is_empty());
        Self {
            supabase_url: get(ENV_SUPABASE_URL),
            anon_key: get(ENV_ANON_KEY),
            functions_url: get(ENV_FUNCTIONS_URL),
            signed_url_functions_url: get(ENV_SIGNED_URL_FUNCTIONS_URL),
            signed_url_api_key: get(ENV_SIGNED_URL_API_KEY),
            data_dir: get(ENV_DATA_DIR).map(PathBuf::from),
            columns: ColumnOverrides::new(),
        }
    }

    /// Reads `<data_dir>/config.toml`; a missing file is an empty layer.
    pub fn from_file(path: &Path) -> Result<Self, ConfigError> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                return Ok(Self::default());
            }
            Err(source) => {
                return Err(ConfigError::ReadFile {
                    path: path.to_owned(),
                    source,
                });
            }
        };
        toml::from_str(&text).map_err(|error| ConfigError::ParseFile {
            path: path.to_owned(),
            message: error.message().to_owned(),
        })
    }

    /// `self` where set, else `fallback`.
    fn or(self, fallback: Self) -> Self {
        Self {
            supabase_url: self.supabase_url.or(fallback.supabase_url),
            anon_key: self.anon_key.or(fallback.anon_key),
            functions_url: self.functions_url.or(fallback.functions_url),
            signed_url_functions_url: self
                .signed_url_functions_url
                .or(fallback.signed_url_functions_url),
            signed_url_api_key: self.signed_url_api_key.or(fallback.signed_url_api_key),
            data_dir: self.data_dir.or(fallback.data_dir),
            columns: if self.columns.is_empty() {
                fallback.columns
            } else {
                self.columns
            },
        }
    }
}

/// A Supabase project Callrec talks to, validated.
#[derive(Debug, Clone)]
pub struct ProjectConfig {
    /// The project's base URL, e.g. `https://abcd.supabase.co` (no trailing slash in `as_str`
    /// of the endpoints built from it).
    pub supabase_url: Url,
    /// The anon key is public by design, but it is still kept out of logs.
    pub anon_key: Secret<String>,
    /// Base of endpoint A (`get-call-recording`), default `<supabase>/functions/v1`.
    pub functions_url: Url,
    /// Base of endpoint B (`get-signed-recording-url`), default the same as `functions_url`.
    pub signed_url_functions_url: Url,
    /// Endpoint B's API key, when it is not called with the user's JWT.
    pub signed_url_api_key: Option<Secret<String>>,
    /// The `[columns]` overrides of this project's `calls` table (see [`ColumnOverrides`]).
    pub columns: ColumnOverrides,
}

impl ProjectConfig {
    /// `<supabase>/<path>`, e.g. `endpoint("auth/v1/token")`.
    pub fn endpoint(&self, path: &str) -> Url {
        join(&self.supabase_url, path)
    }
}

/// Everything Callrec needs to start.
#[derive(Debug, Clone)]
pub struct Config {
    /// `None` until a project is configured; the app then shows how to configure one.
    pub project: Option<ProjectConfig>,
    pub data_dir: PathBuf,
    pub demo: bool,
    pub demo_email: Option<String>,
    /// How long a call-list request may take before the library answers instead.
    pub list_deadline: Duration,
}

impl Config {
    /// Resolves flags → environment → config file. `env` is the process environment in
    /// production and a map in tests.
    pub fn resolve(
        flags: Settings,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        let env_layer = Settings::from_env(&env);
        let data_dir = match flags.data_dir.clone().or(env_layer.data_dir.clone()) {
            Some(dir) => dir,
            None => default_data_dir().ok_or(ConfigError::NoDataDir)?,
        };
        let file_layer = Settings::from_file(&data_dir.join(CONFIG_FILE_NAME))?;
        let settings = flags.or(env_layer).or(file_layer);
        let demo = env(ENV_DEMO).is_some_and(|value| value == "1" || value == "true");
        let demo_email = env(ENV_DEMO_EMAIL).filter(|value| !value.is_empty());
        let list_deadline = match env(ENV_LIST_DEADLINE).filter(|value| !value.trim().is_empty()) {
            None => crate::calls::LIST_DEADLINE,
            Some(value) => match value.trim().parse::<u64>() {
                Ok(secs @ 1..=MAX_LIST_DEADLINE_SECS) => Duration::from_secs(secs),
                _ => {
                    return Err(ConfigError::InvalidSetting {
                        setting: ENV_LIST_DEADLINE,
                        expected: "a whole number of seconds from 1 to 300",
                        value,
                    });
                }
            },
        };
        Ok(Self {
            project: project_from(settings)?,
            data_dir,
            demo,
            demo_email,
            list_deadline,
        })
    }

    /// Resolves from the real process environment.
    pub fn from_process_env(flags: Settings) -> Result<Self, ConfigError> {
        Self::resolve(flags, |name| std::env::var(name).ok())
    }
}

/// The OS data directory for Callrec (`~/.local/share/com.callrec.desktop` on Linux,
/// `~/Library/Application Support/com.callrec.desktop` on macOS, `%APPDATA%\…` on Windows).
pub fn default_data_dir() -> Option<PathBuf> {
    directories::BaseDirs::new().map(|dirs| dirs.data_dir().join(APP_IDENTIFIER))
}

fn project_from(settings: Settings) -> Result<Option<ProjectConfig>, ConfigError> {
    let Some(raw_url) = settings.supabase_url else {
        return Ok(None);
    };
    let supabase_url = parse_base_url("the Supabase URL", &raw_url)?;
    let anon_key = settings
        .anon_key
        .filter(|key| !key.trim().is_empty())
        .ok_or(ConfigError::MissingAnonKey)?;
    let functions_url = match settings.functions_url {
        Some(raw) => parse_base_url("the functions URL", &raw)?,
        None => join(&supabase_url, "functions/v1"),
    };
    let signed_url_functions_url = match settings.signed_url_functions_url {
        Some(raw) => parse_base_url("the signed-URL functions URL", &raw)?,
        None => functions_url.clone(),
    };
    Ok(Some(ProjectConfig {
        supabase_url,
        anon_key: Secret::new(anon_key.trim().to_owned()),
        functions_url,
        signed_url_functions_url,
        signed_url_api_key: settings.signed_url_api_key.map(Secret::new),
        columns: settings.columns,
    }))
}

/// The project a sign-in screen names: its URL and, unless the URL is the current project's,
/// its anon key. For the current project's URL the other settings (functions URLs, endpoint
/// B's key) are kept; another URL gets the defaults derived from it.
pub fn project_for_sign_in(
    supabase_url: &str,
    anon_key: Option<&str>,
    current: Option<&ProjectConfig>,
) -> Result<ProjectConfig, ConfigError> {
    let url = parse_base_url("the Supabase URL", supabase_url)?;
    let same = current.filter(|project| project.supabase_url == url);
    let anon_key = match anon_key.map(str::trim).filter(|key| !key.is_empty()) {
        Some(key) => Secret::new(key.to_owned()),
        None => same
            .map(|project| project.anon_key.clone())
            .ok_or(ConfigError::MissingAnonKey)?,
    };
    Ok(match same {
        Some(project) => ProjectConfig {
            anon_key,
            ..project.clone()
        },
        None => ProjectConfig {
            functions_url: join(&url, "functions/v1"),
            signed_url_functions_url: join(&url, "functions/v1"),
            supabase_url: url,
            anon_key,
            signed_url_api_key: None,
            // Another project's table: the overrides of this one do not apply.
            columns: ColumnOverrides::new(),
        },
    })
}

/// Saves `project` as `<data_dir>/config.toml`, atomically (a temp file renamed over it), so
/// the next launch finds it. All of it is public: the URLs, and the anon key, which Supabase
/// designs to be shipped in clients. Endpoint B's API key is a secret and is never written.
pub fn save_project(data_dir: &Path, project: &ProjectConfig) -> Result<(), ConfigError> {
    let path = data_dir.join(CONFIG_FILE_NAME);
    let settings = Settings {
        supabase_url: Some(project.supabase_url.to_string()),
        anon_key: Some(project.anon_key.expose().clone()),
        functions_url: Some(project.functions_url.to_string()),
        signed_url_functions_url: Some(project.signed_url_functions_url.to_string()),
        signed_url_api_key: None,
        data_dir: None,
        columns: project.columns.clone(),
    };
    let text = toml::to_string(&settings).map_err(|error| ConfigError::WriteFile {
        path: path.clone(),
        source: std::io::Error::other(error.to_string()),
    })?;
    let text = format!("# Written by Callrec when you signed in. No secrets live here.\n{text}");
    crate::files::write_atomic(&path, &text)
        .map_err(|source| ConfigError::WriteFile { path, source })
}

/// Parses a base URL; https only, except plain http to a loopback host (demo and tests).
pub fn parse_base_url(setting: &'static str, raw: &str) -> Result<Url, ConfigError> {
    let url = Url::parse(raw.trim()).map_err(|error| ConfigError::InvalidUrl {
        setting,
        value: raw.to_owned(),
        reason: error.to_string(),
    })?;
    match url.scheme() {
        "https" => {}
        "http" if crate::http::is_loopback(&url) => {}
        scheme => {
            return Err(ConfigError::InsecureUrl {
                setting,
                scheme: scheme.to_owned(),
            });
        }
    }
    if url.host_str().is_none() || url.cannot_be_a_base() {
        return Err(ConfigError::InvalidUrl {
            setting,
            value: raw.to_owned(),
            reason: "it has no host".into(),
        });
    }
    Ok(url)
}

/// `base` + `path`, whatever trailing slash `base` has.
pub fn join(base: &Url, path: &str) -> Url {
    let mut url = base.clone();
    let joined = format!(
        "{}/{}",
        base.path().trim_end_matches('/'),
        path.trim_start_matches('/')
    );
    url.set_path(&joined);
    url.set_query(None);
    url
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |name| map.get(name).cloned()
    }

    fn temp_dir_flags(dir: &Path) -> Settings {
        Settings {
            data_dir: Some(dir.to_owned()),
            ..Settings::default()
        }
    }

    #[test]
    fn column_overrides_are_read_kept_on_save_and_typos_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(CONFIG_FILE_NAME);
        std::fs::write(
            &path,
            "supabase_url = \"https://abcd.supabase.co\"\nanon_key = \"k\"\n[columns]\nduration = \"billsec\"\nto = \"service_number\"\n",
        )
        .unwrap();
        let project = Config::resolve(temp_dir_flags(dir.path()), env_of(&[]))
            .unwrap()
            .project
            .unwrap();
        use crate::calls::Field;
        assert_eq!(project.columns[&Field::Duration], "billsec");
        assert_eq!(project.columns[&Field::To], "service_number");
        // Signing in again to the same project keeps them; another project starts without.
        let same = project_for_sign_in("https://abcd.supabase.co", None, Some(&project)).unwrap();
        save_project(dir.path(), &same).unwrap();
        let read = Config::resolve(temp_dir_flags(dir.path()), env_of(&[]))
            .unwrap()
            .project
            .unwrap();
        assert_eq!(read.columns, project.columns);
        let other =
            project_for_sign_in("https://efgh.supabase.co", Some("k2"), Some(&project)).unwrap();
        assert!(other.columns.is_empty());
        std::fs::write(&path, "[columns]\nlength = \"billsec\"\n").unwrap();
        let error = Config::resolve(temp_dir_flags(dir.path()), env_of(&[])).unwrap_err();
        assert_eq!(error.code(), "config_file");
        assert!(error.to_string().contains("duration"), "{error}");
    }

    #[test]
    fn nothing_configured_means_no_project() {
        let dir = tempfile::tempdir().unwrap();
        let config = Config::resolve(temp_dir_flags(dir.path()), env_of(&[])).unwrap();
        assert!(config.project.is_none());
        assert_eq!(config.data_dir, dir.path());
        assert!(!config.demo);
    }

    #[test]
    fn the_list_deadline_is_15_s_unless_set_within_bounds() {
        let dir = tempfile::tempdir().unwrap();
        let resolve = |value: &str| {
            Config::resolve(
                temp_dir_flags(dir.path()),
                env_of(&[(ENV_LIST_DEADLINE, value)]),
            )
        };
        assert_eq!(resolve("").unwrap().list_deadline, Duration::from_secs(15));
        assert_eq!(resolve("2").unwrap().list_deadline, Duration::from_secs(2));
        for bad in ["0", "301", "-1", "1.5", "soon"] {
            let error = resolve(bad).unwrap_err();
            assert_eq!(error.code(), "config_invalid", "{bad}: {error}");
        }
    }

    #[test]
    fn flags_beat_env_which_beats_the_file() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(CONFIG_FILE_NAME),
            "supabase_url = \"https://file.supabase.co\"\nanon_key = \"file-key\"\nfunctions_url = \"https://file.example/fn\"\n",
        )
        .unwrap();
        let env = env_of(&[
            (ENV_SUPABASE_URL, "https://env.supabase.co/"),
            (
                ENV_SIGNED_URL_FUNCTIONS_URL,
                "https://b.example/functions/v1",
            ),
        ]);
        let flags = Settings {
            anon_key: Some("flag-key".into()),
            ..temp_dir_flags(dir.path())
        };
        let project = Config::resolve(flags, env).unwrap().project.unwrap();
        assert_eq!(project.supabase_url.as_str(), "https://env.supabase.co/");
        assert_eq!(project.anon_key.expose(), "flag-key");
        assert_eq!(project.functions_url.as_str(), "https://file.example/fn");
        assert_eq!(
            project.signed_url_functions_url.as_str(),
            "https://b.example/functions/v1"
        );
    }

    #[test]
    fn functions_urls_default_from_the_project_url() {
        let dir = tempfile::tempdir().unwrap();
        let env = env_of(&[
            (ENV_SUPABASE_URL, "https://abcd.supabase.co"),
            (ENV_ANON_KEY, "anon"),
        ]);
        let project = Config::resolve(temp_dir_flags(dir.path()), env)
            .unwrap()
            .project
            .unwrap();
        assert_eq!(
            project.functions_url.as_str(),
            "https://abcd.supabase.co/functions/v1"
        );
        assert_eq!(project.signed_url_functions_url, project.functions_url);
        assert_eq!(
            project.endpoint("auth/v1/token").as_str(),
            "https://abcd.supabase.co/auth/v1/token"
        );
    }

    #[test]
    fn plain_http_only_for_loopback() {
        assert!(parse_base_url("x", "http://127.0.0.1:5000").is_ok());
        assert!(parse_base_url("x", "http://localhost:5000").is_ok());
        assert!(parse_base_url("x", "http://[::1]:5000").is_ok());
        for bad in [
            "http://example.com",
            "file:///etc/passwd",
            "javascript:alert(1)",
            "ftp://x.org",
        ] {
            let error = parse_base_url("x", bad).unwrap_err();
            assert_eq!(error.code(), "config_invalid_url", "{bad}: {error}");
        }
        assert!(matches!(
            parse_base_url("x", "not a url"),
            Err(ConfigError::InvalidUrl { .. })
        ));
    }

    #[test]
    fn a_url_without_a_key_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let env = env_of(&[(ENV_SUPABASE_URL, "https://abcd.supabase.co")]);
        let error = Config::resolve(temp_dir_flags(dir.path()), env).unwrap_err();
        assert!(matches!(error, ConfigError::MissingAnonKey));
        assert!(error.to_string().contains(ENV_ANON_KEY));
    }

    #[test]
    fn a_broken_config_file_names_the_file() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(CONFIG_FILE_NAME), "supabase_url = [").unwrap();
        let error = Config::resolve(temp_dir_flags(dir.path()), env_of(&[])).unwrap_err();
        assert!(error.to_string().contains(CONFIG_FILE_NAME), "{error}");
        std::fs::write(dir.path().join(CONFIG_FILE_NAME), "password = \"x\"").unwrap();
        let error = Config::resolve(temp_dir_flags(dir.path()), env_of(&[])).unwrap_err();
        assert_eq!(error.code(), "config_file");
    }

    #[test]
    fn demo_marker_and_email_come_from_the_environment() {
        let dir = tempfile::tempdir().unwrap();
        let env = env_of(&[(ENV_DEMO, "1"), (ENV_DEMO_EMAIL, "reviewer@demo.test")]);
        let config = Config::resolve(temp_dir_flags(dir.path()), env).unwrap();
        assert!(config.demo);
        assert_eq!(config.demo_email.as_deref(), Some("reviewer@demo.test"));
    }

    #[test]
    fn a_project_from_the_sign_in_screen_is_validated_saved_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let project =
            project_for_sign_in(" https://abcd.supabase.co ", Some("anon-key"), None).unwrap();
        assert_eq!(
            project.functions_url.as_str(),
            "https://abcd.supabase.co/functions/v1"
        );
        save_project(dir.path(), &project).unwrap();
        let config = Config::resolve(temp_dir_flags(dir.path()), env_of(&[])).unwrap();
        let read = config.project.unwrap();
        assert_eq!(read.supabase_url, project.supabase_url);
        assert_eq!(read.anon_key.expose(), "anon-key");
        assert_eq!(read.functions_url, project.functions_url);
        // Only the file remains: the temp file was renamed over it.
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|entry| entry.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from(CONFIG_FILE_NAME)]);

        // The same URL keeps the current key and functions URLs; another needs its key.
        let custom = ProjectConfig {
            functions_url: Url::parse("https://fn.example/v1").unwrap(),
            ..read
        };
        let again = project_for_sign_in("https://abcd.supabase.co/", None, Some(&custom)).unwrap();
        assert_eq!(again.functions_url.as_str(), "https://fn.example/v1");
        assert_eq!(again.anon_key.expose(), "anon-key");
        let other = project_for_sign_in("https://efgh.supabase.co", None, Some(&custom));
        assert!(matches!(other, Err(ConfigError::MissingAnonKey)));
        for bad in ["http://example.com", "file:///etc/passwd", "nonsense"] {
            let error = project_for_sign_in(bad, Some("k"), None).unwrap_err();
            assert_eq!(error.code(), "config_invalid_url", "{bad}");
        }
    }

    #[test]
    fn join_ignores_trailing_slashes() {
        let base = Url::parse("https://x.co/functions/v1/").unwrap();
        assert_eq!(
            join(&base, "/get-call-recording").as_str(),
            "https://x.co/functions/v1/get-call-recording"
        );
    }
}
