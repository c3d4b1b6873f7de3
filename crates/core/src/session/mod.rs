//! The signed-in session: sign in, restore at launch, keep the access token fresh, sign out.
//!
//! [`SessionManager`] holds one project's session for the desktop shell and the CLI alike. Its
//! refresh token lives in the OS keyring ([`store`]), in the compact form of [`stored`], under
//! `com.callrec.desktop` / `<supabase host>/<user id>`; `profiles.toml` in the data dir says
//! which user is current for each project. The webview only ever sees [`SessionState`], which
//! has no token in it.
//!
//! Refreshing follows supabase-js: 90 s before expiry (or halfway through a shorter token's
//! life), and on a 401. Refresh tokens are single-use, so only one refresh runs at a time
//! however many requests wait, and each waiter re-checks after the lock whether another
//! already did it. The successor is written to the keyring before it is used: a crash after
//! that cannot leave the keyring with a token the server has already retired.

mod current;
pub mod profiles;
pub mod store;
pub mod stored;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use reqwest::{RequestBuilder, Response, StatusCode};
use serde::{Deserialize, Serialize};
use tokio::sync::watch;
use ts_rs::TS;

use crate::auth::{self, AuthClient, AuthError, AuthSession, LogoutScope};
use crate::config::{ConfigError, ProjectConfig};
use crate::http;
use crate::secret::Secret;
use crate::{ErrorCode, ErrorKind};

pub use current::{CurrentSession, SignInRequest};
pub use profiles::Profile;
pub use store::{KeyringBackend, KeyringInfo, KeyringStore, MemoryStore, StoreError, TokenStore};
pub use stored::{MAX_STORED_BYTES, StoredSession};

/// supabase-js's `EXPIRY_MARGIN_MS`: refresh this long before the access token expires.
pub const EXPIRY_MARGIN_SECS: i64 = 90;
/// Best-effort calls at sign-out must not hold the reviewer up for long.
const SIGN_OUT_TIMEOUT: Duration = Duration::from_secs(10);
/// The file whose lock one process holds while it refreshes (see [`refresh_lock`]).
const REFRESH_LOCK_FILE: &str = "refresh.lock";
/// How long a refresh waits for the other process's (its auth deadline, and some).
const REFRESH_LOCK_WAIT: Duration = Duration::from_secs(15);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum SessionStatus {
    SignedOut,
    SignedIn,
    /// Signed in from the saved session, but the project could not be reached to confirm it.
    Offline,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct SessionUser {
    pub id: String,
    pub email: String,
}

/// Why the state is what it is, when that needs saying (signed out by the server, offline).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct SessionNotice {
    /// A stable code (`refresh_token_already_used`, `session_not_found`, `unreachable`, …).
    pub code: String,
    pub message: String,
}

/// What the UI and `callrec whoami` know about the session. Never a token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct SessionState {
    #[ts(inline)]
    pub status: SessionStatus,
    pub user: Option<SessionUser>,
    pub notice: Option<SessionNotice>,
    pub keyring: KeyringInfo,
}

impl SessionState {
    pub fn signed_out(keyring: KeyringInfo) -> Self {
        Self {
            status: SessionStatus::SignedOut,
            user: None,
            notice: None,
            keyring,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    #[error("not signed in")]
    NotSignedIn,
    /// The server ended the session; `code` is the auth error's.
    #[error("{message}")]
    Ended { code: &'static str, message: String },
    #[error(transparent)]
    Auth(#[from] AuthError),
    #[error(transparent)]
    Keyring(#[from] StoreError),
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("no Supabase project is configured: give its URL and anon key")]
    NotConfigured,
    #[error("cannot reach {url}: {reason}")]
    Unreachable { url: String, reason: String },
    #[error("writing {path}: {reason}")]
    DataFile { path: PathBuf, reason: String },
}

impl ErrorCode for SessionError {
    fn code(&self) -> &'static str {
        match self {
            Self::NotSignedIn => "not_signed_in",
            Self::Ended { code, .. } => code,
            Self::Auth(error) => error.code(),
            Self::Keyring(error) => error.code(),
            Self::Config(error) => error.code(),
            Self::NotConfigured => "not_configured",
            Self::Unreachable { .. } => "unreachable",
            Self::DataFile { .. } => "data_file",
        }
    }

    fn kind(&self) -> ErrorKind {
        match self {
            Self::NotSignedIn | Self::Ended { .. } => ErrorKind::Auth,
            Self::Auth(error) => error.kind(),
            Self::Keyring(error) => error.kind(),
            Self::Config(error) => error.kind(),
            Self::NotConfigured => ErrorKind::Usage,
            Self::Unreachable { .. } => ErrorKind::Network,
            Self::DataFile { .. } => ErrorKind::Other,
        }
    }
}

impl SessionError {
    /// The project could not be reached, answered too late, or its auth server failed: the
    /// session is not in doubt, only the network. Callers with a local copy (the call list's
    /// library) answer from it instead of failing.
    pub fn is_unreachable(&self) -> bool {
        match self {
            Self::Unreachable { .. } => true,
            Self::Auth(error) => matches!(
                error,
                AuthError::Unreachable { .. } | AuthError::ServerError { .. }
            ),
            _ => false,
        }
    }
}

/// Takes `<data dir>/refresh.lock` (waiting up to [`REFRESH_LOCK_WAIT`]); released when the
/// file is dropped, or by the OS when the process ends. Without it (a read-only dir, a wait
/// past the deadline) the refresh goes ahead: the keyring re-read still covers most races.
async fn refresh_lock(data_dir: &Path) -> Option<std::fs::File> {
    let path = data_dir.join(REFRESH_LOCK_FILE);
    let opened = crate::files::create_dir_all(data_dir).and_then(|()| {
        crate::files::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
    });
    let file = match opened {
        Ok(file) => file,
        Err(error) => {
            tracing::warn!(%error, "no refresh lock: refreshing without it");
            return None;
        }
    };
    let give_up = std::time::Instant::now() + REFRESH_LOCK_WAIT;
    loop {
        match file.try_lock() {
            Ok(()) => return Some(file),
            Err(std::fs::TryLockError::WouldBlock) if std::time::Instant::now() < give_up => {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            Err(error) => {
                tracing::warn!(%error, "no refresh lock: refreshing without it");
                return None;
            }
        }
    }
}

/// What a refresh grant gave: a new session from the server, or the one another process (the
/// app beside the CLI) had already rotated to and saved in the keyring.
enum Renewed {
    Refreshed(AuthSession),
    Adopted(Tokens),
}

/// What the reviewer is told when the server ends the session.
fn ended_notice(error: &AuthError) -> SessionNotice {
    let message = match error {
        AuthError::RefreshTokenAlreadyUsed => "You were signed out: this session's refresh token was used twice (another copy of the session, such as a second Callrec or a copied keyring entry, refreshed it first), so the server ended the session to be safe. Sign in again.".to_owned(),
        AuthError::RefreshTokenNotFound => "You were signed out: the server no longer knows this session (it was signed out on another device, revoked, or expired). Sign in again.".to_owned(),
        AuthError::SessionNotFound { .. } => "You were signed out: this session was ended on the server (signed out on another device, or revoked by an administrator). Sign in again.".to_owned(),
        AuthError::SessionExpired { .. } => "You were signed out: the session reached the time limit the project sets. Sign in again.".to_owned(),
        other => format!("You were signed out: {other}. Sign in again."),
    };
    SessionNotice {
        code: error.code().to_owned(),
        message,
    }
}

fn offline_notice(error: &dyn ErrorCode) -> SessionNotice {
    SessionNotice {
        code: error.code().to_owned(),
        message: format!(
            "The project could not be reached to confirm your session ({error}); showing the saved sign-in. Callrec retries with your next request."
        ),
    }
}

/// The live tokens. Only ever in this process's memory and the keyring.
#[derive(Clone)]
struct Tokens {
    access: Option<Secret<String>>,
    refresh: Secret<String>,
    expires_at: i64,
    /// The access token's lifetime as issued; 0 when unknown (restored from the keyring).
    lifetime: i64,
}

impl Tokens {
    fn from_stored(stored: StoredSession) -> Self {
        Self {
            access: stored.access_token,
            refresh: stored.refresh_token,
            expires_at: stored.expires_at,
            lifetime: 0,
        }
    }

    fn from_session(session: &AuthSession) -> Self {
        Self {
            access: Some(session.access_token.clone()),
            refresh: session.refresh_token.clone(),
            expires_at: session.expires_at,
            lifetime: session.expires_in,
        }
    }

    /// Due for a refresh: supabase-js's 90 s margin, or half the lifetime of a token that
    /// lives less than three minutes (else every use of a short token would refresh it).
    fn stale(&self, now: i64) -> bool {
        let margin = if self.lifetime > 0 {
            EXPIRY_MARGIN_SECS.min(self.lifetime / 2)
        } else {
            EXPIRY_MARGIN_SECS
        };
        self.access.is_none() || now >= self.expires_at.saturating_sub(margin)
    }

    fn expired(&self, now: i64) -> bool {
        self.access.is_none() || now >= self.expires_at
    }
}

struct Active {
    user: SessionUser,
    tokens: Tokens,
    offline: bool,
    notice: Option<SessionNotice>,
}

enum Live {
    SignedOut { notice: Option<SessionNotice> },
    Active(Active),
}

/// Forwards one manager's states to a channel shared by the managers of [`CurrentSession`],
/// but only while that manager is the current one.
#[derive(Clone)]
struct Mirror {
    shared: Arc<Mutex<SharedChannel>>,
    id: u64,
}

struct SharedChannel {
    current: u64,
    tx: watch::Sender<SessionState>,
}

struct Inner {
    http: reqwest::Client,
    auth: AuthClient,
    store: Arc<dyn TokenStore>,
    keyring: KeyringInfo,
    data_dir: PathBuf,
    /// The project's key in `profiles.toml`.
    project_key: String,
    /// `<host>[:port]`, the first half of the keyring account.
    host: String,
    live: Mutex<Live>,
    /// Serializes everything that changes the tokens: sign-in, restore, refresh, sign-out.
    ops: tokio::sync::Mutex<()>,
    tx: watch::Sender<SessionState>,
    mirror: Option<Mirror>,
}

/// One project's session. Cheap to clone; clones share everything.
#[derive(Clone)]
pub struct SessionManager {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for SessionManager {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionManager")
            .field("project", &http::redact(&self.project().supabase_url))
            .field("state", &self.state())
            .finish()
    }
}

/// Where a token came from when a request needs one.
enum TokenView {
    Fresh(Secret<String>),
    Stale(Option<Secret<String>>),
}

impl SessionManager {
    pub fn new(
        http: reqwest::Client,
        project: ProjectConfig,
        store: Arc<dyn TokenStore>,
        data_dir: impl Into<PathBuf>,
    ) -> Self {
        Self::build(http, project, store, data_dir.into(), None)
    }

    fn build(
        http: reqwest::Client,
        project: ProjectConfig,
        store: Arc<dyn TokenStore>,
        data_dir: PathBuf,
        mirror: Option<Mirror>,
    ) -> Self {
        let keyring = store.info();
        let url = &project.supabase_url;
        let host = match (url.host_str(), url.port()) {
            (Some(host), Some(port)) => format!("{host}:{port}"),
            (Some(host), None) => host.to_owned(),
            (None, _) => url.to_string(),
        };
        let (tx, _) = watch::channel(SessionState::signed_out(keyring.clone()));
        Self {
            inner: Arc::new(Inner {
                auth: AuthClient::new(http.clone(), project.clone()),
                http,
                store,
                keyring,
                data_dir,
                project_key: project.supabase_url.to_string(),
                host,
                live: Mutex::new(Live::SignedOut { notice: None }),
                ops: tokio::sync::Mutex::new(()),
                tx,
                mirror,
            }),
        }
    }

    pub fn project(&self) -> &ProjectConfig {
        self.inner.auth.project()
    }

    pub fn data_dir(&self) -> &Path {
        &self.inner.data_dir
    }

    /// The keyring account of `user_id`'s session in this project: `<host>/<user id>`.
    pub fn keyring_key(&self, user_id: &str) -> String {
        format!("{}/{user_id}", self.inner.host)
    }

    pub fn state(&self) -> SessionState {
        let live = self.live();
        self.state_of(&live)
    }

    /// Every change of state, starting with the current one. Modules that cache anything
    /// tied to the session (signed URLs, pending requests) drop it on `signedOut`.
    pub fn subscribe(&self) -> watch::Receiver<SessionState> {
        self.inner.tx.subscribe()
    }

    /// Signs in with the password grant, keeps the session in the keyring and makes this
    /// user current for the project.
    pub async fn sign_in(
        &self,
        email: &str,
        password: &Secret<String>,
    ) -> Result<SessionState, SessionError> {
        let _ops = self.inner.ops.lock().await;
        let session = self
            .inner
            .auth
            .sign_in_with_password(email, password)
            .await?;
        let user = SessionUser {
            id: session.user.id.clone(),
            email: session.user.email.clone(),
        };
        // Another user of this project was current: their entry goes (one session per
        // project at a time); their server session lapses on its own.
        let previous = match &*self.live() {
            Live::Active(active) => Some(active.user.id.clone()),
            Live::SignedOut { .. } => None,
        }
        .or_else(|| {
            profiles::current(&self.inner.data_dir, &self.inner.project_key).map(|p| p.user_id)
        });
        if let Some(previous) = previous.filter(|id| *id != user.id)
            && let Err(error) = self.store_delete(self.keyring_key(&previous)).await
        {
            tracing::warn!(%error, "could not remove the previous user's keyring entry");
        }
        let tokens = Tokens::from_session(&session);
        if let Err(error) = self.persist(&user, &tokens).await {
            // Unsaved, the session would be lost at exit: end it now rather than strand it.
            let _ = tokio::time::timeout(
                SIGN_OUT_TIMEOUT,
                self.inner
                    .auth
                    .logout(&session.access_token, LogoutScope::Local),
            )
            .await;
            return Err(error);
        }
        profiles::set(
            &self.inner.data_dir,
            &self.inner.project_key,
            Some(Profile {
                user_id: user.id.clone(),
                email: user.email.clone(),
            }),
        )?;
        tracing::debug!(user_id = %user.id, "signed in");
        Ok(self.set_live(Live::Active(Active {
            user,
            tokens,
            offline: false,
            notice: None,
        })))
    }

    /// Restores the project's current user from the keyring, as at launch. A network failure
    /// is not an error: the saved identity is kept and the state is `offline`. A session the
    /// server has ended leaves the state signed out with a notice saying why.
    pub async fn restore(&self) -> Result<SessionState, SessionError> {
        let _ops = self.inner.ops.lock().await;
        if matches!(&*self.live(), Live::Active(_)) {
            return Ok(self.state());
        }
        let Some(profile) = profiles::current(&self.inner.data_dir, &self.inner.project_key) else {
            return Ok(self.state());
        };
        let key = self.keyring_key(&profile.user_id);
        let Some(value) = self.store_load(key.clone()).await? else {
            profiles::set(&self.inner.data_dir, &self.inner.project_key, None)?;
            return Ok(self.set_live(Live::SignedOut {
                notice: Some(SessionNotice {
                    code: "session_missing".into(),
                    message: format!(
                        "The saved session of {} is no longer in the keyring (it was removed, or this keyring forgets on logout). Sign in again.",
                        profile.email
                    ),
                }),
            }));
        };
        let stored = match StoredSession::decode(&value) {
            Ok(stored) => stored,
            Err(problem) => {
                tracing::warn!(?problem, "discarding an unreadable keyring entry");
                self.forget(&profile.user_id).await;
                return Ok(self.set_live(Live::SignedOut {
                    notice: Some(SessionNotice {
                        code: "stored_session_unreadable".into(),
                        message: "The saved session could not be read (it was written by another version of Callrec, or damaged). Sign in again.".into(),
                    }),
                }));
            }
        };
        let mut user = SessionUser {
            id: stored.user_id.clone(),
            email: stored.email.clone(),
        };
        let mut tokens = Tokens {
            access: stored.access_token.clone(),
            refresh: stored.refresh_token.clone(),
            expires_at: stored.expires_at,
            lifetime: 0,
        };

        // A token that is still good proves little on its own: ask the server whether its
        // session still exists (it may have been revoked while Callrec was closed).
        let mut needs_refresh = tokens.stale(auth::now_secs());
        if let (false, Some(access)) = (needs_refresh, &tokens.access) {
            match self.inner.auth.user(access).await {
                Ok(found) => {
                    user.email = found.email;
                }
                Err(AuthError::BadJwt { .. }) => needs_refresh = true,
                Err(error) if error.ends_session() => return Ok(self.end(&user.id, &error).await),
                Err(error) => return Ok(self.set_offline(user, tokens, &error)),
            }
        }
        if needs_refresh {
            tracing::debug!(user_id = %user.id, "restoring: refreshing the saved session");
            match self.refresh_grant(&user.id, &tokens.refresh).await {
                Ok(Renewed::Adopted(adopted)) => {
                    return Ok(self.set_live(Live::Active(Active {
                        user,
                        tokens: adopted,
                        offline: false,
                        notice: None,
                    })));
                }
                Ok(Renewed::Refreshed(session)) => {
                    tokens = Tokens::from_session(&session);
                    user.email = session.user.email.clone();
                    let notice = self
                        .persist(&user, &tokens)
                        .await
                        .err()
                        .map(|e| keyring_notice(&e));
                    return Ok(self.set_live(Live::Active(Active {
                        user,
                        tokens,
                        offline: false,
                        notice,
                    })));
                }
                Err(error) if error.ends_session() => return Ok(self.end(&user.id, &error).await),
                Err(error) => return Ok(self.set_offline(user, tokens, &error)),
            }
        }
        tracing::debug!(user_id = %user.id, "restored the saved session");
        Ok(self.set_live(Live::Active(Active {
            user,
            tokens,
            offline: false,
            notice: None,
        })))
    }

    /// Signs out: drops every token from memory (waiting requests fail with
    /// `not_signed_in`), deletes the keyring entry and the profile, then ends the session on
    /// the server if it can (best effort: a sign-out offline still signs out here). Works in a
    /// fresh process too (`callrec logout`): the session is then read from the keyring.
    pub async fn sign_out(&self) -> Result<SessionState, SessionError> {
        let _ops = self.inner.ops.lock().await;
        let taken = std::mem::replace(&mut *self.live(), Live::SignedOut { notice: None });
        let state = self.publish();
        let (user_id, tokens) = match taken {
            Live::Active(active) => (Some(active.user.id), Some(active.tokens)),
            Live::SignedOut { .. } => {
                match profiles::current(&self.inner.data_dir, &self.inner.project_key) {
                    Some(profile) => {
                        let key = self.keyring_key(&profile.user_id);
                        let tokens = self
                            .store_load(key)
                            .await
                            .ok()
                            .flatten()
                            .and_then(|value| StoredSession::decode(&value).ok())
                            .map(|stored| Tokens {
                                access: stored.access_token,
                                refresh: stored.refresh_token,
                                expires_at: stored.expires_at,
                                lifetime: 0,
                            });
                        (Some(profile.user_id), tokens)
                    }
                    None => (None, None),
                }
            }
        };
        let Some(user_id) = user_id else {
            return Ok(state);
        };
        let deleted = self.store_delete(self.keyring_key(&user_id)).await;
        let forgotten = profiles::set(&self.inner.data_dir, &self.inner.project_key, None);
        if let Some(tokens) = tokens
            && tokio::time::timeout(SIGN_OUT_TIMEOUT, self.logout_on_server(tokens))
                .await
                .is_err()
        {
            tracing::debug!("the server logout timed out; signed out locally");
        }
        deleted?;
        forgotten?;
        Ok(state)
    }

    /// A valid access token, refreshed first when it is due.
    pub async fn access_token(&self) -> Result<Secret<String>, SessionError> {
        match self.token_view()? {
            TokenView::Fresh(token) => Ok(token),
            TokenView::Stale(seen) => self.refresh_after(seen).await,
        }
    }

    /// Sends the request `build` makes with `apikey` and `Authorization: Bearer` added. On a
    /// 401 it refreshes once (or takes the token another request just refreshed) and retries
    /// once; a second 401 is returned as it is. `build` runs once per attempt, so bodies are
    /// rebuilt rather than cloned. The token is never handed to the caller.
    pub async fn send<F>(&self, build: F) -> Result<Response, SessionError>
    where
        F: Fn(&reqwest::Client) -> RequestBuilder,
    {
        let mut states = self.subscribe();
        let token = self.access_token().await?;
        let response = self.send_once(&build, &token, &mut states).await?;
        if response.status() != StatusCode::UNAUTHORIZED {
            self.set_online();
            return Ok(response);
        }
        tracing::debug!("401 from the server: refreshing once and retrying");
        let token = self.refresh_after(Some(token)).await?;
        let response = self.send_once(&build, &token, &mut states).await?;
        self.set_online();
        Ok(response)
    }

    async fn send_once<F>(
        &self,
        build: &F,
        token: &Secret<String>,
        states: &mut watch::Receiver<SessionState>,
    ) -> Result<Response, SessionError>
    where
        F: Fn(&reqwest::Client) -> RequestBuilder,
    {
        let request = build(&self.inner.http)
            .header("apikey", self.project().anon_key.expose())
            .bearer_auth(token.expose());
        tokio::select! {
            result = request.send() => result.map_err(|error| {
                let url = error.url().map(http::redact).unwrap_or_default();
                let failure = SessionError::Unreachable {
                    url,
                    reason: auth::describe_transport_error(&error),
                };
                // No connection, or no answer in time (a server that accepts and stays
                // silent): the network's state, not the session's.
                if error.is_connect() || error.is_timeout() {
                    self.mark_offline(&failure);
                }
                failure
            }),
            // A sign-out (or a refresh the server refused) drops requests still in flight.
            _ = states.wait_for(|state| state.status == SessionStatus::SignedOut) => {
                Err(SessionError::NotSignedIn)
            }
        }
    }

    fn token_view(&self) -> Result<TokenView, SessionError> {
        let now = auth::now_secs();
        match &*self.live() {
            Live::SignedOut { .. } => Err(SessionError::NotSignedIn),
            Live::Active(active) => Ok(match &active.tokens.access {
                Some(token) if !active.tokens.stale(now) => TokenView::Fresh(token.clone()),
                seen => TokenView::Stale(seen.clone()),
            }),
        }
    }

    /// Refreshes unless another caller did while this one waited for the lock (`seen` is
    /// the token this caller found stale or the server refused).
    async fn refresh_after(
        &self,
        seen: Option<Secret<String>>,
    ) -> Result<Secret<String>, SessionError> {
        let _ops = self.inner.ops.lock().await;
        let now = auth::now_secs();
        let (user, refresh) = match &*self.live() {
            Live::SignedOut { .. } => return Err(SessionError::NotSignedIn),
            Live::Active(active) => {
                if let Some(token) = &active.tokens.access
                    && active.tokens.access != seen
                    && !active.tokens.expired(now)
                {
                    return Ok(token.clone());
                }
                (active.user.clone(), active.tokens.refresh.clone())
            }
        };
        // One process refreshes at a time: the app and the CLI sending the same refresh token
        // at once would have GoTrue see a reuse and revoke the session's tokens. The one that
        // waited finds its successor in the keyring below and takes it.
        let _refreshing = refresh_lock(&self.inner.data_dir).await;
        // Another process on this keyring (the CLI beside the app) may have rotated the token
        // already: then ours is retired and its successor is in the keyring.
        let mut refresh = refresh;
        if let Some(saved) = self.saved_successor(&user.id, &refresh).await {
            let adopted = Tokens::from_stored(saved);
            match adopted.access.clone() {
                Some(token) if !adopted.expired(now) && Some(&token) != seen.as_ref() => {
                    tracing::debug!("took the session another process refreshed");
                    self.set_live(Live::Active(Active {
                        user,
                        tokens: adopted,
                        offline: false,
                        notice: None,
                    }));
                    return Ok(token);
                }
                _ => refresh = adopted.refresh,
            }
        }
        tracing::debug!(user_id = %user.id, "refreshing the session");
        match self.refresh_grant(&user.id, &refresh).await {
            Ok(Renewed::Adopted(tokens)) => {
                let token = tokens.access.clone();
                self.set_live(Live::Active(Active {
                    user,
                    tokens,
                    offline: false,
                    notice: None,
                }));
                // `refresh_grant` adopts only a session with an unexpired access token.
                token.ok_or(SessionError::NotSignedIn)
            }
            Ok(Renewed::Refreshed(session)) => {
                tracing::debug!(expires_at = session.expires_at, "refreshed the session");
                let tokens = Tokens::from_session(&session);
                let user = SessionUser {
                    id: user.id,
                    email: session.user.email.clone(),
                };
                // The old refresh token is retired now: the keyring gets the new one first.
                let notice = self
                    .persist(&user, &tokens)
                    .await
                    .err()
                    .map(|error| keyring_notice(&error));
                if let Some(notice) = &notice {
                    tracing::warn!(code = %notice.code, "the refreshed session could not be saved");
                }
                let token = session.access_token.clone();
                self.set_live(Live::Active(Active {
                    user,
                    tokens,
                    offline: false,
                    notice,
                }));
                Ok(token)
            }
            Err(error) if error.ends_session() => {
                let state = self.end(&user.id, &error).await;
                let notice = state.notice.unwrap_or_else(|| ended_notice(&error));
                Err(SessionError::Ended {
                    code: error.code(),
                    message: notice.message,
                })
            }
            Err(error) => {
                if matches!(
                    error,
                    AuthError::Unreachable { .. } | AuthError::ServerError { .. }
                ) {
                    self.mark_offline(&error);
                }
                Err(error.into())
            }
        }
    }

    /// The refresh grant for `refresh`. Refused as already used, it reads the keyring again:
    /// another process on this keyring (the app beside the CLI) may have rotated the token
    /// after this one last read it, and then its successor is there. That session is taken
    /// (or refreshed in turn) rather than this one signed out. Only when the keyring holds
    /// nothing newer does the refusal stand.
    async fn refresh_grant(
        &self,
        user_id: &str,
        refresh: &Secret<String>,
    ) -> Result<Renewed, AuthError> {
        match self.inner.auth.refresh(refresh).await {
            Err(AuthError::RefreshTokenAlreadyUsed) => {
                let Some(saved) = self.saved_successor(user_id, refresh).await else {
                    return Err(AuthError::RefreshTokenAlreadyUsed);
                };
                tracing::debug!(
                    "the refresh token was rotated by another process: taking its session"
                );
                let adopted = Tokens::from_stored(saved);
                if !adopted.expired(auth::now_secs()) {
                    return Ok(Renewed::Adopted(adopted));
                }
                self.inner
                    .auth
                    .refresh(&adopted.refresh)
                    .await
                    .map(Renewed::Refreshed)
            }
            other => other.map(Renewed::Refreshed),
        }
    }

    /// The keyring's session for `user_id` when it holds a different refresh token than
    /// `ours`; read failures count as "no".
    async fn saved_successor(&self, user_id: &str, ours: &Secret<String>) -> Option<StoredSession> {
        let value = self.store_load(self.keyring_key(user_id)).await.ok()??;
        StoredSession::decode(&value)
            .ok()
            .filter(|saved| saved.user_id == user_id && saved.refresh_token != *ours)
    }

    async fn logout_on_server(&self, tokens: Tokens) {
        let access = if tokens.expired(auth::now_secs()) {
            // An expired token cannot log out; a refresh (not kept anywhere) gets one that can.
            match self.inner.auth.refresh(&tokens.refresh).await {
                Ok(session) => session.access_token,
                Err(error) => {
                    tracing::debug!(code = error.code(), "no server logout: refresh refused");
                    return;
                }
            }
        } else {
            match tokens.access {
                Some(access) => access,
                None => return,
            }
        };
        if let Err(error) = self.inner.auth.logout(&access, LogoutScope::Local).await {
            tracing::debug!(
                code = error.code(),
                "server logout failed; signed out locally"
            );
        }
    }

    /// The server ended the session: forget it everywhere and say why.
    async fn end(&self, user_id: &str, error: &AuthError) -> SessionState {
        tracing::info!(code = error.code(), "the server ended the session");
        self.forget(user_id).await;
        self.set_live(Live::SignedOut {
            notice: Some(ended_notice(error)),
        })
    }

    async fn forget(&self, user_id: &str) {
        if let Err(error) = self.store_delete(self.keyring_key(user_id)).await {
            tracing::warn!(%error, "could not remove the keyring entry of an ended session");
        }
        if let Err(error) = profiles::set(&self.inner.data_dir, &self.inner.project_key, None) {
            tracing::warn!(%error, "could not update the profiles file");
        }
    }

    async fn persist(&self, user: &SessionUser, tokens: &Tokens) -> Result<(), SessionError> {
        let stored = StoredSession {
            refresh_token: tokens.refresh.clone(),
            access_token: tokens.access.clone(),
            user_id: user.id.clone(),
            email: user.email.clone(),
            expires_at: tokens.expires_at,
        };
        let value = stored.encode().map_err(|bytes| StoreError::TooLarge {
            bytes,
            max: MAX_STORED_BYTES,
        })?;
        let key = self.keyring_key(&user.id);
        self.blocking(move |store| store.save(&key, &value)).await?;
        Ok(())
    }

    async fn store_load(&self, key: String) -> Result<Option<Secret<String>>, StoreError> {
        self.blocking(move |store| store.load(&key)).await
    }

    async fn store_delete(&self, key: String) -> Result<(), StoreError> {
        self.blocking(move |store| store.delete(&key)).await
    }

    /// Keyring calls block (D-Bus, the keychain): off the async threads.
    async fn blocking<T, F>(&self, call: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&dyn TokenStore) -> Result<T, StoreError> + Send + 'static,
    {
        let store = Arc::clone(&self.inner.store);
        tokio::task::spawn_blocking(move || call(store.as_ref()))
            .await
            .map_err(|error| StoreError::Failed {
                operation: "reach",
                reason: error.to_string(),
            })?
    }

    fn live(&self) -> MutexGuard<'_, Live> {
        // Never held across an await or a panic-prone call; a poisoned lock still holds a
        // consistent value.
        self.inner
            .live
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn state_of(&self, live: &Live) -> SessionState {
        let keyring = self.inner.keyring.clone();
        match live {
            Live::SignedOut { notice } => SessionState {
                notice: notice.clone(),
                ..SessionState::signed_out(keyring)
            },
            Live::Active(active) => SessionState {
                status: if active.offline {
                    SessionStatus::Offline
                } else {
                    SessionStatus::SignedIn
                },
                user: Some(active.user.clone()),
                notice: active.notice.clone(),
                keyring,
            },
        }
    }

    fn set_live(&self, live: Live) -> SessionState {
        *self.live() = live;
        self.publish()
    }

    fn set_offline(&self, user: SessionUser, tokens: Tokens, error: &AuthError) -> SessionState {
        tracing::info!(
            code = error.code(),
            "project unreachable; keeping the saved session"
        );
        self.set_live(Live::Active(Active {
            user,
            tokens,
            offline: true,
            notice: Some(offline_notice(error)),
        }))
    }

    /// Marks the session offline (kept, not ended) after a request found the project
    /// unreachable; the next request that gets through marks it online again.
    pub(crate) fn mark_offline(&self, error: &dyn ErrorCode) {
        let changed = match &mut *self.live() {
            Live::Active(active) if !active.offline => {
                active.offline = true;
                active.notice = Some(offline_notice(error));
                true
            }
            _ => false,
        };
        if changed {
            self.publish();
        }
    }

    fn set_online(&self) {
        let changed = match &mut *self.live() {
            Live::Active(active) if active.offline => {
                active.offline = false;
                active.notice = None;
                true
            }
            _ => false,
        };
        if changed {
            self.publish();
        }
    }

    fn publish(&self) -> SessionState {
        let state = self.state();
        self.inner.tx.send_if_modified(|current| {
            let changed = *current != state;
            if changed {
                *current = state.clone();
            }
            changed
        });
        if let Some(mirror) = &self.inner.mirror {
            let shared = mirror
                .shared
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            if shared.current == mirror.id {
                shared.tx.send_if_modified(|current| {
                    let changed = *current != state;
                    if changed {
                        *current = state.clone();
                    }
                    changed
                });
            }
        }
        state
    }
}

fn keyring_notice(error: &SessionError) -> SessionNotice {
    SessionNotice {
        code: error.code().to_owned(),
        message: format!(
            "Signed in, but the session could not be saved in the keyring ({error}): you will need to sign in again next time."
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_state_has_exactly_the_ipc_shape() {
        let state = SessionState {
            status: SessionStatus::SignedIn,
            user: Some(SessionUser {
                id: "u1".into(),
                email: "a@b.test".into(),
            }),
            notice: None,
            keyring: KeyringInfo {
                backend: KeyringBackend::Keyutils,
                persistent: false,
                warning: Some("w".into()),
            },
        };
        assert_eq!(
            serde_json::to_value(&state).unwrap(),
            serde_json::json!({
                "status": "signedIn",
                "user": {"id": "u1", "email": "a@b.test"},
                "notice": null,
                "keyring": {"backend": "keyutils", "persistent": false, "warning": "w"}
            })
        );
        let offline = SessionState {
            status: SessionStatus::Offline,
            ..state.clone()
        };
        assert_eq!(serde_json::to_value(&offline).unwrap()["status"], "offline");
        let out = SessionState::signed_out(state.keyring.clone());
        assert_eq!(serde_json::to_value(&out).unwrap()["status"], "signedOut");
    }

    #[test]
    fn short_tokens_refresh_halfway_long_ones_90_s_early() {
        let tokens = |lifetime, expires_at| Tokens {
            access: Some(Secret::new("a".into())),
            refresh: Secret::new("r".into()),
            expires_at,
            lifetime,
        };
        assert!(!tokens(3600, 1000).stale(1000 - 91));
        assert!(tokens(3600, 1000).stale(1000 - 90));
        assert!(!tokens(10, 1000).stale(1000 - 6));
        assert!(tokens(10, 1000).stale(1000 - 5));
        // Unknown lifetime (restored): the full margin.
        assert!(tokens(0, 1000).stale(1000 - 90));
        assert!(!tokens(0, 1000).expired(999));
        assert!(tokens(0, 1000).expired(1000));
    }

    #[test]
    fn codes_and_kinds_map_to_cli_exits() {
        assert_eq!(SessionError::NotSignedIn.kind(), ErrorKind::Auth);
        let ended = SessionError::Ended {
            code: "refresh_token_already_used",
            message: "m".into(),
        };
        assert_eq!(ended.code(), "refresh_token_already_used");
        assert_eq!(ended.kind(), ErrorKind::Auth);
        let unreachable = SessionError::from(AuthError::Unreachable {
            url: "u".into(),
            reason: "r".into(),
        });
        assert_eq!(unreachable.code(), "unreachable");
        assert_eq!(unreachable.kind(), ErrorKind::Network);
        assert_eq!(SessionError::NotConfigured.kind(), ErrorKind::Usage);
        let unavailable = SessionError::from(StoreError::Unavailable { reason: "r".into() });
        assert_eq!(unavailable.code(), "keyring_unavailable");
    }
}
