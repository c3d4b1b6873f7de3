//! `<data dir>/profiles.toml`: which user is current for each project. Not secret — user ids
//! and emails only; the session itself is in the keyring under `<host>/<user id>`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::SessionError;

pub const PROFILES_FILE_NAME: &str = "profiles.toml";
/// Held (an OS file lock) around every read-modify-write of `profiles.toml`, so the app and the
/// CLI changing it at once cannot drop each other's change. A file of its own: the profiles
/// file is replaced by a rename, and a lock on a replaced file would guard nothing.
const LOCK_FILE_NAME: &str = "profiles.lock";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    pub user_id: String,
    pub email: String,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct ProfilesFile {
    /// Project URL → its current user.
    #[serde(default)]
    projects: BTreeMap<String, Profile>,
    /// Project URL → the recording endpoints' settings (no secrets: B's API key is in the
    /// keyring, this only says whether to use it).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    endpoints: BTreeMap<String, EndpointPrefs>,
}

/// A project's recording-endpoint settings as the reviewer chose them. Unset URLs mean the
/// project configuration's (`functions_url`, `signed_url_functions_url`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct EndpointPrefs {
    /// Endpoint A, `get-call-recording`.
    pub call_recording_enabled: bool,
    pub call_recording_url: Option<String>,
    /// Endpoint B, `get-signed-recording-url`.
    pub signed_url_enabled: bool,
    pub signed_url_url: Option<String>,
    /// Call B with the API key kept in the keyring instead of the user's JWT.
    pub signed_url_use_api_key: bool,
}

impl Default for EndpointPrefs {
    fn default() -> Self {
        Self {
            call_recording_enabled: true,
            call_recording_url: None,
            signed_url_enabled: true,
            signed_url_url: None,
            signed_url_use_api_key: false,
        }
    }
}

/// The recording-endpoint settings of `project` (the defaults when none were saved).
pub fn endpoint_prefs(data_dir: &Path, project: &str) -> EndpointPrefs {
    read(data_dir).endpoints.remove(project).unwrap_or_default()
}

/// Saves `project`'s recording-endpoint settings.
pub fn set_endpoint_prefs(
    data_dir: &Path,
    project: &str,
    prefs: EndpointPrefs,
) -> Result<(), SessionError> {
    update(data_dir, |file| {
        file.endpoints.insert(project.to_owned(), prefs.clone()) != Some(prefs)
    })
}

/// Reads, changes (`change` says whether it did) and writes the file, all under the lock.
fn update(
    data_dir: &Path,
    change: impl FnOnce(&mut ProfilesFile) -> bool,
) -> Result<(), SessionError> {
    let path = path(data_dir);
    let failed = |path: PathBuf, error: &dyn std::fmt::Display| SessionError::DataFile {
        path,
        reason: error.to_string(),
    };
    crate::files::create_dir_all(data_dir).map_err(|error| failed(data_dir.to_owned(), &error))?;
    let lock_path = data_dir.join(LOCK_FILE_NAME);
    let lock = crate::files::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(|error| failed(lock_path.clone(), &error))?;
    // Blocks while the other process writes (milliseconds); released when `lock` is dropped.
    lock.lock().map_err(|error| failed(lock_path, &error))?;
    let mut file = read(data_dir);
    if !change(&mut file) {
        return Ok(());
    }
    let text = toml::to_string(&file).map_err(|error| failed(path.clone(), &error))?;
    let text = format!(
        "# Which user is signed in to each project. No secrets: sessions are in the OS keyring.\n{text}"
    );
    crate::files::write_atomic(&path, &text).map_err(|error| failed(path, &error))
}

fn path(data_dir: &Path) -> PathBuf {
    data_dir.join(PROFILES_FILE_NAME)
}

fn read(data_dir: &Path) -> ProfilesFile {
    let path = path(data_dir);
    match std::fs::read_to_string(&path) {
        Ok(text) => toml::from_str(&text).unwrap_or_else(|error: toml::de::Error| {
            // Only pointers live here: losing them means signing in again, not losing data.
            tracing::warn!(path = %path.display(), error = error.message(), "ignoring an unreadable profiles file");
            ProfilesFile::default()
        }),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => ProfilesFile::default(),
        Err(error) => {
            tracing::warn!(path = %path.display(), %error, "cannot read the profiles file");
            ProfilesFile::default()
        }
    }
}

/// The current user of `project`, if any.
pub fn current(data_dir: &Path, project: &str) -> Option<Profile> {
    read(data_dir).projects.remove(project)
}

/// Makes `profile` current for `project`, or forgets the project's user with `None`.
pub fn set(data_dir: &Path, project: &str, profile: Option<Profile>) -> Result<(), SessionError> {
    update(data_dir, |file| match profile {
        Some(profile) => file.projects.insert(project.to_owned(), profile.clone()) != Some(profile),
        None => file.projects.remove(project).is_some(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profiles_for_several_projects_coexist() {
        let dir = tempfile::tempdir().unwrap();
        let a = Profile {
            user_id: "u1".into(),
            email: "a@x.test".into(),
        };
        let b = Profile {
            user_id: "u2".into(),
            email: "b@y.test".into(),
        };
        set(dir.path(), "https://a.supabase.co/", Some(a.clone())).unwrap();
        set(dir.path(), "https://b.supabase.co/", Some(b.clone())).unwrap();
        assert_eq!(current(dir.path(), "https://a.supabase.co/"), Some(a));
        set(dir.path(), "https://a.supabase.co/", None).unwrap();
        assert_eq!(current(dir.path(), "https://a.supabase.co/"), None);
        assert_eq!(current(dir.path(), "https://b.supabase.co/"), Some(b));
        let text = std::fs::read_to_string(dir.path().join(PROFILES_FILE_NAME)).unwrap();
        assert!(text.contains("b@y.test"), "{text}");
    }

    #[test]
    fn endpoint_prefs_live_beside_the_profiles() {
        let dir = tempfile::tempdir().unwrap();
        let project = "https://a.supabase.co/";
        assert_eq!(
            endpoint_prefs(dir.path(), project),
            EndpointPrefs::default()
        );
        let a = Profile {
            user_id: "u1".into(),
            email: "a@x.test".into(),
        };
        set(dir.path(), project, Some(a.clone())).unwrap();
        let prefs = EndpointPrefs {
            call_recording_enabled: false,
            signed_url_use_api_key: true,
            ..EndpointPrefs::default()
        };
        set_endpoint_prefs(dir.path(), project, prefs.clone()).unwrap();
        assert_eq!(endpoint_prefs(dir.path(), project), prefs);
        assert_eq!(current(dir.path(), project), Some(a));
    }

    #[test]
    fn writers_at_once_lose_no_change() {
        // Threads stand in for the app and the CLI: each has its own lock handle, as a
        // process would, and without the lock some of these updates would be lost.
        let dir = tempfile::tempdir().unwrap();
        let threads: Vec<_> = (0..8)
            .map(|t| {
                let dir = dir.path().to_owned();
                std::thread::spawn(move || {
                    for n in 0..10 {
                        let profile = Profile {
                            user_id: format!("u{t}-{n}"),
                            email: format!("{t}-{n}@x.test"),
                        };
                        set(&dir, &format!("https://p{t}-{n}.test/"), Some(profile)).unwrap();
                    }
                })
            })
            .collect();
        for thread in threads {
            thread.join().unwrap();
        }
        for t in 0..8 {
            for n in 0..10 {
                let found = current(dir.path(), &format!("https://p{t}-{n}.test/"));
                assert_eq!(found.map(|p| p.user_id), Some(format!("u{t}-{n}")));
            }
        }
    }

    #[test]
    fn a_broken_file_reads_as_empty() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(PROFILES_FILE_NAME), "projects = [").unwrap();
        assert_eq!(current(dir.path(), "https://a.supabase.co/"), None);
    }
}
