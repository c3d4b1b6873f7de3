//! Which recording endpoints to ask, where, and with what credential: the project's
//! configuration (flags → env → file), refined per profile by [`EndpointPrefs`] in
//! `profiles.toml`. B's API key is a secret and lives only in the OS keyring (or comes from
//! `CALLREC_SIGNED_URL_API_KEY`, which wins).

use std::path::Path;

use url::Url;

use super::RecordingsError;
use crate::config::{ConfigError, ProjectConfig, parse_base_url};
use crate::secret::Secret;
use crate::session::profiles::{self, EndpointPrefs};
use crate::session::{SessionError, TokenStore};

/// How endpoint B is authorised.
#[derive(Debug, Clone)]
pub enum Credential {
    /// The signed-in user's access token (the default).
    UserJwt,
    /// An API key (magpipe-style deployments).
    ApiKey(Secret<String>),
}

#[derive(Debug, Clone)]
pub struct EndpointSettings {
    pub call_recording: Option<Url>,
    /// `None` when turned off.
    pub signed_url: Option<Url>,
    pub credential: Credential,
}

impl EndpointSettings {
    /// Both endpoints on, at the project's configured bases, B with the user's JWT (or the
    /// environment's API key).
    pub fn from_project(project: &ProjectConfig) -> Self {
        Self {
            call_recording: Some(project.functions_url.clone()),
            signed_url: Some(project.signed_url_functions_url.clone()),
            credential: match &project.signed_url_api_key {
                Some(key) => Credential::ApiKey(key.clone()),
                None => Credential::UserJwt,
            },
        }
    }

    /// The project's settings with the profile's choices applied; B's API key is read from
    /// `store` when the profile asks for it and the environment gave none.
    pub fn load(
        project: &ProjectConfig,
        data_dir: &Path,
        store: &dyn TokenStore,
    ) -> Result<Self, RecordingsError> {
        let prefs = profiles::endpoint_prefs(data_dir, project.supabase_url.as_str());
        let mut settings = Self::from_project(project);
        let base = |setting, raw: &Option<String>, default: Url| -> Result<Url, RecordingsError> {
            match raw {
                Some(raw) => parse_base_url(setting, raw).map_err(config_error),
                None => Ok(default),
            }
        };
        settings.call_recording = if prefs.call_recording_enabled {
            Some(base(
                "the get-call-recording URL",
                &prefs.call_recording_url,
                project.functions_url.clone(),
            )?)
        } else {
            None
        };
        settings.signed_url = if prefs.signed_url_enabled {
            Some(base(
                "the get-signed-recording-url URL",
                &prefs.signed_url_url,
                project.signed_url_functions_url.clone(),
            )?)
        } else {
            None
        };
        if prefs.signed_url_use_api_key && project.signed_url_api_key.is_none() {
            let key = store
                .load(&api_key_account(project))?
                .ok_or_else(|| RecordingsError::Settings {
                    reason: "get-signed-recording-url is set to use an API key, but none is in the keyring: save one, or switch back to your sign-in".into(),
                })?;
            settings.credential = Credential::ApiKey(key);
        }
        Ok(settings)
    }
}

fn config_error(error: ConfigError) -> RecordingsError {
    RecordingsError::Settings {
        reason: error.to_string(),
    }
}

/// The keyring account of endpoint B's API key for `project`: `<host>/signed-url-api-key`.
pub fn api_key_account(project: &ProjectConfig) -> String {
    let url = &project.supabase_url;
    match (url.host_str(), url.port()) {
        (Some(host), Some(port)) => format!("{host}:{port}/signed-url-api-key"),
        (Some(host), None) => format!("{host}/signed-url-api-key"),
        (None, _) => format!("{url}/signed-url-api-key"),
    }
}

/// Saves the endpoint settings; `api_key` `Some` stores the key in the keyring (and makes B
/// use it), `Some("")`-like empty keys are refused, and turning the key off deletes it.
pub fn save(
    project: &ProjectConfig,
    data_dir: &Path,
    store: &dyn TokenStore,
    prefs: EndpointPrefs,
    api_key: Option<Secret<String>>,
) -> Result<(), RecordingsError> {
    let account = api_key_account(project);
    match (&api_key, prefs.signed_url_use_api_key) {
        (Some(key), _) if key.expose().trim().is_empty() => {
            return Err(RecordingsError::Settings {
                reason: "the API key for get-signed-recording-url is empty".into(),
            });
        }
        (Some(key), _) => store.save(&account, key)?,
        (None, false) => store.delete(&account)?,
        (None, true) => {}
    }
    for raw in [&prefs.call_recording_url, &prefs.signed_url_url]
        .into_iter()
        .flatten()
    {
        parse_base_url("an endpoint URL", raw).map_err(config_error)?;
    }
    profiles::set_endpoint_prefs(data_dir, project.supabase_url.as_str(), prefs).map_err(
        |error: SessionError| RecordingsError::Settings {
            reason: error.to_string(),
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::MemoryStore;

    fn project() -> ProjectConfig {
        let url = parse_base_url("t", "https://p.supabase.co").unwrap();
        ProjectConfig {
            functions_url: url.join("functions/v1").unwrap(),
            signed_url_functions_url: url.join("functions/v1").unwrap(),
            supabase_url: url,
            anon_key: Secret::new("anon".into()),
            signed_url_api_key: None,
            columns: Default::default(),
        }
    }

    #[test]
    fn profile_choices_apply_and_the_key_stays_in_the_keyring() {
        let dir = tempfile::tempdir().unwrap();
        let store = MemoryStore::new();
        let project = project();
        let settings = EndpointSettings::load(&project, dir.path(), &store).unwrap();
        assert!(settings.call_recording.is_some() && settings.signed_url.is_some());
        assert!(matches!(settings.credential, Credential::UserJwt));

        let prefs = EndpointPrefs {
            call_recording_enabled: false,
            signed_url_url: Some("https://api.magpipe.test/functions/v1".into()),
            signed_url_use_api_key: true,
            ..EndpointPrefs::default()
        };
        save(
            &project,
            dir.path(),
            &store,
            prefs,
            Some(Secret::new("mp_key".into())),
        )
        .unwrap();
        let file = std::fs::read_to_string(dir.path().join(profiles::PROFILES_FILE_NAME)).unwrap();
        assert!(!file.contains("mp_key"), "{file}");
        let settings = EndpointSettings::load(&project, dir.path(), &store).unwrap();
        assert!(settings.call_recording.is_none());
        assert_eq!(
            settings.signed_url.unwrap().as_str(),
            "https://api.magpipe.test/functions/v1"
        );
        assert!(matches!(&settings.credential, Credential::ApiKey(k) if k.expose() == "mp_key"));

        // Turning the key off removes it from the keyring.
        save(&project, dir.path(), &store, EndpointPrefs::default(), None).unwrap();
        assert!(store.load(&api_key_account(&project)).unwrap().is_none());
        let bad = EndpointPrefs {
            signed_url_url: Some("http://example.com/f".into()),
            ..EndpointPrefs::default()
        };
        assert!(save(&project, dir.path(), &store, bad, None).is_err());

        // Asked to use a key the keyring does not have, or an empty one: a settings error.
        let wants_key = EndpointPrefs {
            signed_url_use_api_key: true,
            ..EndpointPrefs::default()
        };
        save(&project, dir.path(), &store, wants_key.clone(), None).unwrap();
        let error = EndpointSettings::load(&project, dir.path(), &store).unwrap_err();
        assert_eq!(crate::ErrorCode::code(&error), "endpoint_settings");
        assert!(
            error.to_string().contains("none is in the keyring"),
            "{error}"
        );
        let empty = save(
            &project,
            dir.path(),
            &store,
            wants_key,
            Some(Secret::new(" ".into())),
        );
        assert!(empty.unwrap_err().to_string().contains("empty"));
    }
}
