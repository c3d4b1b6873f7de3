//! Values that must never reach a log line, a file, the webview or an error message.

use std::fmt;

/// A secret value (token, API key, signed URL). It refuses `Display` and `Serialize`, and its
/// `Debug` prints a fixed placeholder, so deriving `Debug` on a struct holding one stays safe.
/// The only way out is [`Secret::expose`], which makes every use greppable.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret<T>(T);

impl<T> Secret<T> {
    pub fn new(value: T) -> Self {
        Self(value)
    }

    /// The secret itself. Call it only where the value is handed to its one legitimate user
    /// (an HTTP header, the keyring).
    pub fn expose(&self) -> &T {
        &self.0
    }
}

impl<T> fmt::Debug for Secret<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

impl<T> From<T> for Secret<T> {
    fn from(value: T) -> Self {
        Self(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_value() {
        let secret = Secret::new("eyJhbGciOi.token".to_string());
        let printed = format!("{secret:?} {:?}", Some(&secret));
        assert!(!printed.contains("eyJ"), "{printed}");
        assert_eq!(secret.expose(), "eyJhbGciOi.token");
    }
}

// Compile-time proof: a secret cannot be printed or serialized by accident.
#[cfg(test)]
static_assertions::assert_not_impl_any!(Secret<String>: fmt::Display, serde::Serialize);
