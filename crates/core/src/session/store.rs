//! Where a session's secrets live: the OS keyring, behind [`TokenStore`] so other modules'
//! tests can use [`MemoryStore`].
//!
//! The real store is keyring-core 1 with the store crates chosen here (keyring 4's own docs
//! say an app that picks its stores links these rather than the `keyring` umbrella crate):
//! Secret Service on Linux, falling back to the kernel's keyutils session keyring when no
//! Secret Service answers; the keychain on macOS; the credential manager on Windows. There is
//! never a fallback to a plain file: without a keyring, signing in fails with
//! `keyring_unavailable`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::secret::Secret;
use crate::{ErrorCode, ErrorKind};

/// The keyring entries' service name (the app's identifier).
pub const SERVICE: &str = crate::config::APP_IDENTIFIER;

/// Which OS store keeps the session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum KeyringBackend {
    SecretService,
    Keyutils,
    MacosKeychain,
    WindowsCredentialManager,
    /// [`MemoryStore`], in tests only; never shown to the UI's types.
    #[ts(skip)]
    Memory,
}

/// What the UI says about where the session is kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct KeyringInfo {
    #[ts(inline)]
    pub backend: KeyringBackend,
    /// Whether the session survives logging out of the computer.
    pub persistent: bool,
    /// Something the reviewer should know about this store, e.g. that it forgets on logout.
    pub warning: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "no OS keyring is available to keep the session ({reason}); Callrec never keeps it in a plain file"
    )]
    Unavailable { reason: String },
    #[error("the OS keyring failed to {operation} the session: {reason}")]
    Failed {
        operation: &'static str,
        reason: String,
    },
    #[error(
        "the session is too large for the OS keyring ({bytes} bytes; at most {max} fit everywhere)"
    )]
    TooLarge { bytes: usize, max: usize },
}

impl ErrorCode for StoreError {
    fn code(&self) -> &'static str {
        match self {
            Self::Unavailable { .. } => "keyring_unavailable",
            Self::Failed { .. } | Self::TooLarge { .. } => "keyring_error",
        }
    }

    fn kind(&self) -> ErrorKind {
        ErrorKind::Other
    }
}

/// A place for secret strings, one per key (the keyring's "account"). Calls may block (D-Bus,
/// the keychain): async code runs them on a blocking thread.
pub trait TokenStore: Send + Sync {
    /// The secret under `key`, or `None` when there is no such entry.
    fn load(&self, key: &str) -> Result<Option<Secret<String>>, StoreError>;
    /// Creates or replaces the entry.
    fn save(&self, key: &str, value: &Secret<String>) -> Result<(), StoreError>;
    /// Removes the entry; removing a missing entry is not an error.
    fn delete(&self, key: &str) -> Result<(), StoreError>;
    fn info(&self) -> KeyringInfo;
}

/// The OS keyring.
pub struct KeyringStore {
    store: Arc<keyring_core::CredentialStore>,
    info: KeyringInfo,
}

impl std::fmt::Debug for KeyringStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyringStore")
            .field("info", &self.info)
            .finish()
    }
}

/// What the keyutils fallback tells the reviewer.
pub const KEYUTILS_WARNING: &str = "No Secret Service (such as GNOME Keyring or KWallet) answered, so your session is kept in the kernel keyring instead: it lasts only until you log out of the computer, and you will need to sign in again after that.";

impl KeyringStore {
    /// Opens the platform's keyring. On Linux: the Secret Service, else keyutils (checked with
    /// a write, since building an entry succeeds even where reads are then refused).
    pub fn new() -> Result<Self, StoreError> {
        open_platform_store()
    }

    fn entry(&self, key: &str) -> Result<keyring_core::Entry, StoreError> {
        self.store
            .build(SERVICE, key, None)
            .map_err(|error| failed("open", &error))
    }
}

fn failed(operation: &'static str, error: &keyring_core::Error) -> StoreError {
    match error {
        keyring_core::Error::NoStorageAccess(_) | keyring_core::Error::NoDefaultStore => {
            StoreError::Unavailable {
                reason: error.to_string(),
            }
        }
        _ => StoreError::Failed {
            operation,
            reason: error.to_string(),
        },
    }
}

impl TokenStore for KeyringStore {
    fn load(&self, key: &str) -> Result<Option<Secret<String>>, StoreError> {
        // Bytes, not `get_password`: Windows stores passwords as UTF-16, which would halve
        // the 2,560 bytes a credential may hold. The secret is always written as UTF-8.
        match self.entry(key)?.get_secret() {
            Ok(bytes) => String::from_utf8(bytes)
                .map(|text| Some(Secret::new(text)))
                .map_err(|_| StoreError::Failed {
                    operation: "read",
                    reason: "the stored value is not UTF-8".into(),
                }),
            Err(keyring_core::Error::NoEntry) => Ok(None),
            Err(error) => Err(failed("read", &error)),
        }
    }

    fn save(&self, key: &str, value: &Secret<String>) -> Result<(), StoreError> {
        self.entry(key)?
            .set_secret(value.expose().as_bytes())
            .map_err(|error| failed("save", &error))
    }

    fn delete(&self, key: &str) -> Result<(), StoreError> {
        match self.entry(key)?.delete_credential() {
            Ok(()) | Err(keyring_core::Error::NoEntry) => Ok(()),
            Err(error) => Err(failed("delete", &error)),
        }
    }

    fn info(&self) -> KeyringInfo {
        self.info.clone()
    }
}

#[cfg(target_os = "linux")]
fn open_platform_store() -> Result<KeyringStore, StoreError> {
    let secret_service_error = match zbus_secret_service_keyring_store::Store::new() {
        Ok(store) => {
            return Ok(KeyringStore {
                store,
                info: KeyringInfo {
                    backend: KeyringBackend::SecretService,
                    persistent: true,
                    warning: None,
                },
            });
        }
        Err(error) => error,
    };
    tracing::info!(
        error = %secret_service_error,
        "no Secret Service answered; trying the kernel keyring (keyutils)"
    );
    let keyutils = linux_keyutils_keyring_store::Store::new()
        .map_err(|error| error.to_string())
        .and_then(|store| {
            let store: Arc<keyring_core::CredentialStore> = store;
            probe(&store).map(|()| store)
        });
    match keyutils {
        Ok(store) => Ok(KeyringStore {
            store,
            info: KeyringInfo {
                backend: KeyringBackend::Keyutils,
                persistent: false,
                warning: Some(KEYUTILS_WARNING.into()),
            },
        }),
        Err(keyutils_error) => Err(StoreError::Unavailable {
            reason: format!(
                "no Secret Service answered on the session bus ({secret_service_error}), and the kernel keyring refused a test entry ({keyutils_error})"
            ),
        }),
    }
}

/// Writes, reads back and removes a throwaway entry: keyutils builds entries anywhere but
/// refuses reads outside a session keyring.
#[cfg(target_os = "linux")]
fn probe(store: &Arc<keyring_core::CredentialStore>) -> Result<(), String> {
    let entry = store
        .build(SERVICE, "keyring-probe", None)
        .map_err(|error| error.to_string())?;
    entry.set_secret(b"probe").map_err(|e| e.to_string())?;
    let read = entry.get_secret().map_err(|e| e.to_string());
    let _ = entry.delete_credential();
    match read? {
        bytes if bytes == b"probe" => Ok(()),
        _ => Err("the test entry read back differently".into()),
    }
}

#[cfg(all(
    unix,
    not(any(
        target_os = "linux",
        target_os = "macos",
        target_os = "ios",
        target_os = "android"
    ))
))]
fn open_platform_store() -> Result<KeyringStore, StoreError> {
    let store = zbus_secret_service_keyring_store::Store::new().map_err(|error| {
        StoreError::Unavailable {
            reason: format!("no Secret Service answered on the session bus ({error})"),
        }
    })?;
    Ok(KeyringStore {
        store,
        info: KeyringInfo {
            backend: KeyringBackend::SecretService,
            persistent: true,
            warning: None,
        },
    })
}

#[cfg(target_os = "macos")]
fn open_platform_store() -> Result<KeyringStore, StoreError> {
    let store = apple_native_keyring_store::keychain::Store::new().map_err(|error| {
        StoreError::Unavailable {
            reason: error.to_string(),
        }
    })?;
    Ok(KeyringStore {
        store,
        info: KeyringInfo {
            backend: KeyringBackend::MacosKeychain,
            persistent: true,
            warning: None,
        },
    })
}

#[cfg(target_os = "windows")]
fn open_platform_store() -> Result<KeyringStore, StoreError> {
    let store =
        windows_native_keyring_store::Store::new().map_err(|error| StoreError::Unavailable {
            reason: error.to_string(),
        })?;
    Ok(KeyringStore {
        store,
        info: KeyringInfo {
            backend: KeyringBackend::WindowsCredentialManager,
            persistent: true,
            warning: None,
        },
    })
}

#[cfg(not(any(unix, target_os = "windows")))]
fn open_platform_store() -> Result<KeyringStore, StoreError> {
    Err(StoreError::Unavailable {
        reason: "this platform has no supported keyring".into(),
    })
}

/// An in-process store for tests of other modules: same contract, nothing persisted.
#[derive(Default)]
pub struct MemoryStore {
    entries: Mutex<HashMap<String, Secret<String>>>,
}

impl MemoryStore {
    pub fn new() -> Self {
        Self::default()
    }

    /// The keys present, sorted (tests check what was left behind).
    pub fn keys(&self) -> Vec<String> {
        let mut keys: Vec<String> = match self.entries.lock() {
            Ok(entries) => entries.keys().cloned().collect(),
            Err(poisoned) => poisoned.into_inner().keys().cloned().collect(),
        };
        keys.sort();
        keys
    }

    fn entries(&self) -> std::sync::MutexGuard<'_, HashMap<String, Secret<String>>> {
        // A panic elsewhere while holding the lock leaves the map intact: keep using it.
        self.entries
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl TokenStore for MemoryStore {
    fn load(&self, key: &str) -> Result<Option<Secret<String>>, StoreError> {
        Ok(self.entries().get(key).cloned())
    }

    fn save(&self, key: &str, value: &Secret<String>) -> Result<(), StoreError> {
        self.entries().insert(key.to_owned(), value.clone());
        Ok(())
    }

    fn delete(&self, key: &str) -> Result<(), StoreError> {
        self.entries().remove(key);
        Ok(())
    }

    fn info(&self) -> KeyringInfo {
        KeyringInfo {
            backend: KeyringBackend::Memory,
            persistent: false,
            warning: Some("a test store: kept in this process's memory only".into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_store_keeps_the_trait_contract() {
        let store = MemoryStore::new();
        assert!(store.load("a").unwrap().is_none());
        store.save("a", &Secret::new("1".into())).unwrap();
        store.save("a", &Secret::new("2".into())).unwrap();
        assert_eq!(store.load("a").unwrap().unwrap().expose(), "2");
        store.delete("a").unwrap();
        store.delete("a").unwrap();
        assert!(store.keys().is_empty());
    }

    #[test]
    fn keyring_info_serializes_for_the_ui() {
        let info = KeyringInfo {
            backend: KeyringBackend::WindowsCredentialManager,
            persistent: true,
            warning: None,
        };
        assert_eq!(
            serde_json::to_value(&info).unwrap(),
            serde_json::json!({"backend": "windows_credential_manager", "persistent": true, "warning": null})
        );
    }
}
