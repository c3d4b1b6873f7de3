//! A GoTrue (Supabase Auth) client: the password grant, the refresh grant, `GET /user` and
//! `POST /logout`, with every failure sorted into a stable code.
//!
//! It follows GoTrue's real bodies, not the local backend's: a token response needs only
//! `access_token`, `refresh_token` and `user.id`; everything else is optional and extra fields
//! are ignored. Errors come in three shapes depending on GoTrue's age and the API version asked
//! for — `{code, error_code, msg}`, `{error, error_description}` and `{code, message}` — and
//! from the gateway in front of it (`{message}`), and 5xx bodies may be HTML or plain text.
//! Nothing in here panics on what a server sends.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use reqwest::{RequestBuilder, Response, StatusCode};
use serde::Serialize;
use serde_json::{Map, Value};

use crate::config::ProjectConfig;
use crate::http;
use crate::secret::Secret;
use crate::{ErrorCode, ErrorKind};

/// The error shape supabase-js asks for (`{code, message}`); older servers ignore the header.
const API_VERSION: &str = "2024-01-01";
/// Each GoTrue request's whole deadline. GoTrue answers in milliseconds; a launch that cannot
/// confirm the session in this long goes on offline (with the saved session) rather than wait.
const AUTH_TIMEOUT: Duration = Duration::from_secs(10);
/// Bodies larger than this are not GoTrue's: read no further.
const MAX_BODY: usize = 256 * 1024;
/// Where both grants go; its answers hold tokens.
const TOKEN_ENDPOINT: &str = "auth/v1/token";
/// How much of a non-JSON body an error message quotes.
const QUOTED_CHARS: usize = 120;

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("wrong email or password ({message})")]
    InvalidCredentials { message: String },
    #[error("this email address is not confirmed yet: open the confirmation link sent to it")]
    EmailNotConfirmed { message: String },
    #[error("{}", rate_limited_message(*.retry_after))]
    RateLimited { retry_after: Option<Duration> },
    #[error("the refresh token was already used: the server ended the session for safety")]
    RefreshTokenAlreadyUsed,
    #[error("the server no longer knows this session's refresh token (signed out or revoked)")]
    RefreshTokenNotFound,
    #[error("the session was ended on the server (signed out elsewhere or revoked)")]
    SessionNotFound { message: String },
    #[error("the session has expired on the server ({message})")]
    SessionExpired { message: String },
    #[error("the server refused the access token ({message})")]
    BadJwt { message: String },
    #[error("the project refused the anon key (HTTP {status}): {message}")]
    KeyRejected { status: u16, message: String },
    /// Any other refusal GoTrue names with its own code (`validation_failed`, `user_banned`, …).
    #[error("the auth server refused the request (HTTP {status}, {error_code}): {message}")]
    Rejected {
        status: u16,
        error_code: String,
        message: String,
    },
    #[error("cannot reach {url}: {reason}")]
    Unreachable { url: String, reason: String },
    #[error("the auth server failed (HTTP {status}): {message}")]
    ServerError { status: u16, message: String },
    #[error("{url} does not look like a Supabase project ({reason})")]
    NotSupabase { url: String, reason: String },
    #[error("the auth server's answer to {endpoint} is not what GoTrue sends: {reason}")]
    MalformedResponse { endpoint: String, reason: String },
    #[error("the auth server's answer to {endpoint} is larger than the {max} bytes Callrec reads")]
    TooLarge { endpoint: String, max: usize },
}

fn rate_limited_message(retry_after: Option<Duration>) -> String {
    match retry_after {
        // "in N s": the UI reads the wait back out of this phrase.
        Some(wait) => format!(
            "too many sign-in attempts: try again in {} s",
            wait.as_secs().max(1)
        ),
        None => "too many sign-in attempts: wait a minute, then try again".into(),
    }
}

impl ErrorCode for AuthError {
    fn code(&self) -> &'static str {
        match self {
            Self::InvalidCredentials { .. } => "invalid_credentials",
            Self::EmailNotConfirmed { .. } => "email_not_confirmed",
            Self::RateLimited { .. } => "rate_limited",
            Self::RefreshTokenAlreadyUsed => "refresh_token_already_used",
            Self::RefreshTokenNotFound => "refresh_token_not_found",
            Self::SessionNotFound { .. } => "session_not_found",
            Self::SessionExpired { .. } => "session_expired",
            Self::BadJwt { .. } => "bad_jwt",
            Self::KeyRejected { .. } => "key_rejected",
            Self::Rejected { .. } => "auth_rejected",
            Self::Unreachable { .. } => "unreachable",
            Self::ServerError { .. } => "server_error",
            Self::NotSupabase { .. } => "not_supabase",
            Self::MalformedResponse { .. } => "malformed_response",
            Self::TooLarge { .. } => "response_too_large",
        }
    }

    fn kind(&self) -> ErrorKind {
        match self {
            Self::InvalidCredentials { .. }
            | Self::EmailNotConfirmed { .. }
            | Self::RefreshTokenAlreadyUsed
            | Self::RefreshTokenNotFound
            | Self::SessionNotFound { .. }
            | Self::SessionExpired { .. }
            | Self::BadJwt { .. }
            | Self::KeyRejected { .. }
            | Self::Rejected { .. } => ErrorKind::Auth,
            // Waiting helps, as it does for the network.
            Self::RateLimited { .. }
            | Self::Unreachable { .. }
            | Self::ServerError { .. }
            | Self::TooLarge { .. } => ErrorKind::Network,
            Self::NotSupabase { .. } => ErrorKind::Usage,
            Self::MalformedResponse { .. } => ErrorKind::Other,
        }
    }
}

impl AuthError {
    /// True when the server has definitively refused a refresh token or a session: retrying
    /// cannot help, the user must sign in again. Network trouble, 5xx and rate limits are not.
    pub fn ends_session(&self) -> bool {
        match self {
            Self::RefreshTokenAlreadyUsed
            | Self::RefreshTokenNotFound
            | Self::SessionNotFound { .. }
            | Self::SessionExpired { .. } => true,
            // e.g. 400 validation_failed "Refresh token is not valid", 403 user_banned.
            Self::Rejected { status, .. } => (400..500).contains(status),
            _ => false,
        }
    }
}

/// Who is signed in, as GoTrue's user object says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthUser {
    pub id: String,
    /// Empty for users without an email (phone sign-ups).
    pub email: String,
}

/// What a grant returns. Tokens are secrets; `expires_at` is in Unix seconds.
#[derive(Debug, Clone)]
pub struct AuthSession {
    pub access_token: Secret<String>,
    pub refresh_token: Secret<String>,
    pub expires_at: i64,
    /// The access token's lifetime as issued (`expires_in`), in seconds.
    pub expires_in: i64,
    pub user: AuthUser,
}

/// `POST /logout`'s scope: this session, every session of the user, or all but this one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogoutScope {
    Local,
    Global,
    Others,
}

impl LogoutScope {
    fn as_str(self) -> &'static str {
        match self {
            Self::Local => "local",
            Self::Global => "global",
            Self::Others => "others",
        }
    }
}

/// A client for one project's GoTrue. Cheap to clone (the HTTP client is shared).
#[derive(Debug, Clone)]
pub struct AuthClient {
    http: reqwest::Client,
    project: ProjectConfig,
}

#[derive(Serialize)]
struct PasswordGrant<'a> {
    email: &'a str,
    password: &'a str,
}

#[derive(Serialize)]
struct RefreshGrant<'a> {
    refresh_token: &'a str,
}

impl AuthClient {
    pub fn new(http: reqwest::Client, project: ProjectConfig) -> Self {
        Self { http, project }
    }

    pub fn project(&self) -> &ProjectConfig {
        &self.project
    }

    /// `POST /auth/v1/token?grant_type=password`.
    pub async fn sign_in_with_password(
        &self,
        email: &str,
        password: &Secret<String>,
    ) -> Result<AuthSession, AuthError> {
        let request = self
            .request(reqwest::Method::POST, "auth/v1/token")
            .query(&[("grant_type", "password")])
            .json(&PasswordGrant {
                email: email.trim(),
                password: password.expose(),
            });
        let (status, body) = self.exchange(request, TOKEN_ENDPOINT).await?;
        parse_session(status, &body, &self.shown_url())
    }

    /// `POST /auth/v1/token?grant_type=refresh_token`. The token is single-use: the answer
    /// carries its successor, which must be kept before anything else happens.
    pub async fn refresh(&self, refresh_token: &Secret<String>) -> Result<AuthSession, AuthError> {
        let request = self
            .request(reqwest::Method::POST, "auth/v1/token")
            .query(&[("grant_type", "refresh_token")])
            .json(&RefreshGrant {
                refresh_token: refresh_token.expose(),
            });
        let (status, body) = self.exchange(request, TOKEN_ENDPOINT).await?;
        parse_session(status, &body, &self.shown_url())
    }

    /// `GET /auth/v1/user`: who the access token belongs to, and proof its session still exists.
    pub async fn user(&self, access_token: &Secret<String>) -> Result<AuthUser, AuthError> {
        let request = self
            .request(reqwest::Method::GET, "auth/v1/user")
            .bearer_auth(access_token.expose());
        let (status, body) = self.exchange(request, "auth/v1/user").await?;
        let object = json_object(status, &body, "auth/v1/user", &self.shown_url())?;
        parse_user(&Value::Object(object), "auth/v1/user")
    }

    /// `POST /auth/v1/logout?scope=…`: ends the session (or sessions) on the server.
    pub async fn logout(
        &self,
        access_token: &Secret<String>,
        scope: LogoutScope,
    ) -> Result<(), AuthError> {
        let request = self
            .request(reqwest::Method::POST, "auth/v1/logout")
            .query(&[("scope", scope.as_str())])
            .bearer_auth(access_token.expose());
        let (status, body) = self.exchange(request, "auth/v1/logout").await?;
        if status.is_success() {
            Ok(())
        } else {
            Err(classify_error(status, &body, &self.shown_url()))
        }
    }

    fn request(&self, method: reqwest::Method, path: &str) -> RequestBuilder {
        self.http
            .request(method, self.project.endpoint(path))
            .header("apikey", self.project.anon_key.expose())
            .header("X-Client-Info", http::CLIENT_INFO)
            .header("X-Supabase-Api-Version", API_VERSION)
            .timeout(AUTH_TIMEOUT)
    }

    fn shown_url(&self) -> String {
        http::redact(&self.project.supabase_url)
    }

    /// Sends and reads the answer; every non-2xx becomes its `AuthError` here, except that
    /// callers still see 2xx statuses (logout's 204 has no body).
    async fn exchange(
        &self,
        request: RequestBuilder,
        endpoint: &str,
    ) -> Result<(StatusCode, Body), AuthError> {
        let unreachable = |error: reqwest::Error| AuthError::Unreachable {
            url: self.shown_url(),
            reason: describe_transport_error(&error),
        };
        let response = request.send().await.map_err(unreachable)?;
        let status = response.status();
        let retry_after = retry_after(&response);
        let error_code_header = response
            .headers()
            .get("x-sb-error-code")
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned);
        let bytes = http::read_capped(response, MAX_BODY)
            .await
            .map_err(|error| match error {
                http::HttpError::TooLarge { max } => AuthError::TooLarge {
                    endpoint: endpoint.to_owned(),
                    max,
                },
                other => AuthError::Unreachable {
                    url: self.shown_url(),
                    reason: other.to_string(),
                },
            })?;
        let body = Body {
            text: String::from_utf8_lossy(&bytes).into_owned(),
            retry_after,
            error_code_header,
            // The token endpoint's success answers carry tokens (even one cut off or garbled
            // into "not JSON"): never quoted. Its refusals carry none, and quoting them (a
            // gateway's HTML, say) is what tells the reviewer what answered.
            quotable: endpoint != TOKEN_ENDPOINT || !status.is_success(),
        };
        if status.is_success() {
            Ok((status, body))
        } else {
            tracing::debug!(endpoint, status = status.as_u16(), "auth request refused");
            Err(classify_error(status, &body, &self.shown_url()))
        }
    }
}

/// A response body with the headers that matter for errors.
#[derive(Debug)]
pub(crate) struct Body {
    text: String,
    retry_after: Option<Duration>,
    error_code_header: Option<String>,
    /// False for the token endpoint's success answers: the body may be a token response (even a
    /// truncated or garbled one), so an error describes it without quoting it.
    quotable: bool,
}

impl Default for Body {
    fn default() -> Self {
        Self {
            text: String::new(),
            retry_after: None,
            error_code_header: None,
            quotable: true,
        }
    }
}

impl Body {
    /// The start of a body that is not JSON, for an error message; never a token response.
    fn shown(&self) -> String {
        if self.quotable {
            quote(&self.text)
        } else if self.text.trim().is_empty() {
            "an empty body".into()
        } else {
            format!(
                "{} bytes, not quoted (an answer to a sign-in may hold tokens)",
                self.text.len()
            )
        }
    }
}

/// `Retry-After` as seconds or as an HTTP date.
fn retry_after(response: &Response) -> Option<Duration> {
    let value = response
        .headers()
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let date = httpdate::parse_http_date(value).ok()?;
    Some(
        date.duration_since(SystemTime::now())
            .unwrap_or(Duration::from_secs(1)),
    )
}

/// Kept for the modules that describe transport errors through `auth`; see
/// [`http::describe_error`] (never the URL: reqwest's own text includes it, query and all).
pub(crate) fn describe_transport_error(error: &reqwest::Error) -> String {
    http::describe_error(error)
}

/// The parts of an error body GoTrue (or its gateway) may send.
struct ErrorFields {
    code: Option<String>,
    message: Option<String>,
}

fn error_fields(object: &Map<String, Value>, header: Option<&str>) -> ErrorFields {
    let text = |key: &str| object.get(key).and_then(Value::as_str).map(str::to_owned);
    let message = text("msg")
        .or_else(|| text("message"))
        .or_else(|| text("error_description"))
        .or_else(|| text("error"));
    // `{code, error_code, msg}` (code is the HTTP status there), `{code, message}` (code is
    // the name), `{error, error_description}` (OAuth style: the name is in the description).
    let code = text("error_code")
        .or_else(|| text("code"))
        .or_else(|| header.map(str::to_owned))
        .or_else(|| {
            let error = text("error")?;
            let description = text("error_description").unwrap_or_default();
            Some(code_from_description(&description).unwrap_or(error))
        });
    ErrorFields { code, message }
}

/// Older GoTrue answers `{"error":"invalid_grant","error_description":"…"}`; its wording is
/// the only way to tell the cases apart.
fn code_from_description(description: &str) -> Option<String> {
    let lower = description.to_ascii_lowercase();
    let code = if lower.contains("invalid login credentials") {
        "invalid_credentials"
    } else if lower.contains("email not confirmed") {
        "email_not_confirmed"
    } else if lower.contains("already used") {
        "refresh_token_already_used"
    } else if lower.contains("refresh token not found") {
        "refresh_token_not_found"
    } else if lower.contains("no valid session") || lower.contains("session not found") {
        "session_not_found"
    } else {
        return None;
    };
    Some(code.to_owned())
}

/// The start of a body that is not JSON, for an error message.
fn quote(text: &str) -> String {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return "an empty body".into();
    }
    let mut quoted: String = trimmed
        .chars()
        .take(QUOTED_CHARS)
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if trimmed.chars().count() > QUOTED_CHARS {
        quoted.push('…');
    }
    format!("{quoted:?}")
}

/// Turns a non-2xx answer into its `AuthError`. Pure, so every shape is unit-tested.
pub(crate) fn classify_error(status: StatusCode, body: &Body, url: &str) -> AuthError {
    let status_u16 = status.as_u16();
    let json = serde_json::from_str::<Value>(&body.text).ok();
    let fields = match &json {
        Some(Value::Object(object)) => {
            Some(error_fields(object, body.error_code_header.as_deref()))
        }
        _ => None,
    };
    let code = fields.as_ref().and_then(|f| f.code.clone()).or_else(|| {
        // A body that is not JSON can still be named by GoTrue's header.
        body.error_code_header.clone()
    });
    let message = fields
        .as_ref()
        .and_then(|f| f.message.clone())
        .unwrap_or_default();

    if status == StatusCode::TOO_MANY_REQUESTS
        || code
            .as_deref()
            .is_some_and(|c| c.starts_with("over_") && c.ends_with("_rate_limit"))
    {
        return AuthError::RateLimited {
            retry_after: body.retry_after,
        };
    }
    if status.is_server_error() {
        let message = match &fields {
            Some(_) if !message.is_empty() => message,
            Some(_) => "no message".into(),
            None => format!("the body is not JSON, it is {}", body.shown()),
        };
        return AuthError::ServerError {
            status: status_u16,
            message,
        };
    }
    let Some(fields) = fields else {
        return AuthError::NotSupabase {
            url: url.to_owned(),
            reason: format!(
                "HTTP {status_u16} with a body that is not GoTrue's JSON: {}",
                body.shown()
            ),
        };
    };
    let message = if message.is_empty() {
        "no message".to_owned()
    } else {
        message
    };
    match code.as_deref() {
        Some("invalid_credentials") => AuthError::InvalidCredentials { message },
        Some("email_not_confirmed") => AuthError::EmailNotConfirmed { message },
        Some("refresh_token_already_used") => AuthError::RefreshTokenAlreadyUsed,
        Some("refresh_token_not_found") => AuthError::RefreshTokenNotFound,
        Some("session_not_found") => AuthError::SessionNotFound { message },
        Some("session_expired") => AuthError::SessionExpired { message },
        Some("bad_jwt") => AuthError::BadJwt { message },
        Some(code) => AuthError::Rejected {
            status: status_u16,
            error_code: code.to_owned(),
            message,
        },
        // The gateway (Kong) refuses a missing or wrong apikey with `{message, hint}`.
        None if status == StatusCode::UNAUTHORIZED || status == StatusCode::FORBIDDEN => {
            AuthError::KeyRejected {
                status: status_u16,
                message,
            }
        }
        None if fields.message.is_none() || status == StatusCode::NOT_FOUND => {
            AuthError::NotSupabase {
                url: url.to_owned(),
                reason: format!("HTTP {status_u16} without a GoTrue error: {message}"),
            }
        }
        None => AuthError::Rejected {
            status: status_u16,
            error_code: "unknown".into(),
            message,
        },
    }
}

fn json_object(
    status: StatusCode,
    body: &Body,
    endpoint: &str,
    url: &str,
) -> Result<Map<String, Value>, AuthError> {
    match serde_json::from_str::<Value>(&body.text) {
        Ok(Value::Object(object)) => Ok(object),
        Ok(other) => Err(AuthError::MalformedResponse {
            endpoint: endpoint.to_owned(),
            reason: format!("expected a JSON object, got {}", json_kind(&other)),
        }),
        Err(_) => Err(AuthError::NotSupabase {
            url: url.to_owned(),
            reason: format!(
                "{endpoint} answered HTTP {} with a body that is not JSON: {}",
                status.as_u16(),
                body.shown()
            ),
        }),
    }
}

fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn malformed(endpoint: &str, reason: impl Into<String>) -> AuthError {
    AuthError::MalformedResponse {
        endpoint: endpoint.to_owned(),
        reason: reason.into(),
    }
}

fn required_str<'a>(
    object: &'a Map<String, Value>,
    key: &str,
    endpoint: &str,
) -> Result<&'a str, AuthError> {
    match object.get(key) {
        Some(Value::String(text)) if !text.is_empty() => Ok(text),
        Some(Value::String(_)) => Err(malformed(endpoint, format!("`{key}` is empty"))),
        Some(other) => Err(malformed(
            endpoint,
            format!("`{key}` is {}, not a string", json_kind(other)),
        )),
        None => Err(malformed(endpoint, format!("`{key}` is missing"))),
    }
}

/// An optional whole number of seconds; GoTrue sends integers, but tolerate `3600.0`.
fn optional_seconds(
    object: &Map<String, Value>,
    key: &str,
    endpoint: &str,
) -> Result<Option<i64>, AuthError> {
    match object.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(number)) => number
            .as_i64()
            .or_else(|| {
                number
                    .as_f64()
                    .filter(|f| f.is_finite() && f.abs() < 1e15)
                    .map(|f| f as i64)
            })
            .map(Some)
            .ok_or_else(|| malformed(endpoint, format!("`{key}` is not a whole number"))),
        Some(other) => Err(malformed(
            endpoint,
            format!("`{key}` is {}, not a number", json_kind(other)),
        )),
    }
}

fn parse_user(value: &Value, endpoint: &str) -> Result<AuthUser, AuthError> {
    let Value::Object(user) = value else {
        return Err(malformed(
            endpoint,
            format!("`user` is {}, not an object", json_kind(value)),
        ));
    };
    let id = required_str(user, "id", endpoint)?.to_owned();
    let email = match user.get("email") {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(email)) => email.clone(),
        Some(other) => {
            return Err(malformed(
                endpoint,
                format!("`user.email` is {}, not a string", json_kind(other)),
            ));
        }
    };
    Ok(AuthUser { id, email })
}

pub(crate) fn now_secs() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|elapsed| i64::try_from(elapsed.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// A successful grant's body → `AuthSession`.
fn parse_session(status: StatusCode, body: &Body, url: &str) -> Result<AuthSession, AuthError> {
    const ENDPOINT: &str = "auth/v1/token";
    let object = json_object(status, body, ENDPOINT, url)?;
    let access_token = required_str(&object, "access_token", ENDPOINT)?.to_owned();
    let refresh_token = required_str(&object, "refresh_token", ENDPOINT)?.to_owned();
    let user = parse_user(
        object.get("user").unwrap_or(&Value::Null),
        &format!("{ENDPOINT} (user)"),
    )?;
    let expires_in = optional_seconds(&object, "expires_in", ENDPOINT)?;
    let expires_at = optional_seconds(&object, "expires_at", ENDPOINT)?;
    let now = now_secs();
    let (expires_at, expires_in) = match (expires_at, expires_in) {
        (Some(at), Some(within)) => (at, within),
        (Some(at), None) => (at, at.saturating_sub(now)),
        (None, Some(within)) => (now.saturating_add(within), within),
        (None, None) => {
            return Err(malformed(
                ENDPOINT,
                "neither `expires_at` nor `expires_in` is given",
            ));
        }
    };
    Ok(AuthSession {
        access_token: Secret::new(access_token),
        refresh_token: Secret::new(refresh_token),
        expires_at,
        expires_in,
        user,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const URL: &str = "https://abcd.supabase.co/";

    fn body(text: &str) -> Body {
        Body {
            text: text.to_owned(),
            ..Body::default()
        }
    }

    fn classify(status: u16, text: &str) -> AuthError {
        classify_error(StatusCode::from_u16(status).unwrap(), &body(text), URL)
    }

    #[test]
    fn the_three_gotrue_error_shapes() {
        for (status, text, code) in [
            (
                400,
                r#"{"code":400,"error_code":"invalid_credentials","msg":"Invalid login credentials"}"#,
                "invalid_credentials",
            ),
            (
                400,
                r#"{"code":"email_not_confirmed","message":"Email not confirmed"}"#,
                "email_not_confirmed",
            ),
            (
                400,
                r#"{"error":"invalid_grant","error_description":"Invalid login credentials"}"#,
                "invalid_credentials",
            ),
            (
                400,
                r#"{"error":"invalid_grant","error_description":"Email not confirmed"}"#,
                "email_not_confirmed",
            ),
            (
                400,
                r#"{"error":"invalid_grant","error_description":"Invalid Refresh Token: Already Used"}"#,
                "refresh_token_already_used",
            ),
            (
                400,
                r#"{"error":"invalid_grant","error_description":"Invalid Refresh Token: Refresh Token Not Found"}"#,
                "refresh_token_not_found",
            ),
            (
                400,
                r#"{"code":400,"error_code":"refresh_token_already_used","msg":"Invalid Refresh Token: Already Used"}"#,
                "refresh_token_already_used",
            ),
            (
                403,
                r#"{"code":"session_not_found","message":"Session from session_id claim in JWT does not exist"}"#,
                "session_not_found",
            ),
            (
                403,
                r#"{"code":403,"error_code":"bad_jwt","msg":"invalid JWT: token is expired"}"#,
                "bad_jwt",
            ),
            (
                422,
                r#"{"code":422,"error_code":"user_banned","msg":"User is banned"}"#,
                "auth_rejected",
            ),
            (
                401,
                r#"{"message":"Invalid API key","hint":"Double check your Supabase `anon` or `service_role` API key."}"#,
                "key_rejected",
            ),
            (
                404,
                r#"{"message":"no Route matched with those values"}"#,
                "not_supabase",
            ),
            (404, "<html><body>Not Found</body></html>", "not_supabase"),
            (400, "{}", "not_supabase"),
            (
                500,
                r#"{"code":500,"error_code":"unexpected_failure","msg":"Database error"}"#,
                "server_error",
            ),
        ] {
            let error = classify(status, text);
            assert_eq!(error.code(), code, "{status} {text}: {error}");
        }
    }

    #[test]
    fn a_non_json_5xx_quotes_the_start_of_its_text() {
        let error = classify(502, &format!("<h1>502 Bad Gateway</h1>{}", "x".repeat(500)));
        assert_eq!(error.code(), "server_error");
        let text = error.to_string();
        assert!(text.contains("not JSON"), "{text}");
        assert!(text.contains("502 Bad Gateway"), "{text}");
        assert!(text.len() < 300, "{text}");
    }

    #[test]
    fn rate_limits_say_how_long_to_wait() {
        let limited = Body {
            text: r#"{"code":"over_request_rate_limit","message":"Request rate limit reached"}"#
                .into(),
            retry_after: Some(Duration::from_secs(37)),
            ..Body::default()
        };
        let error = classify_error(StatusCode::TOO_MANY_REQUESTS, &limited, URL);
        assert_eq!(error.code(), "rate_limited");
        assert!(error.to_string().contains("in 37 s"), "{error}");
        // Without a Retry-After, and with a non-JSON body, it is still a rate limit.
        let error = classify(429, "slow down");
        assert!(matches!(
            error,
            AuthError::RateLimited { retry_after: None }
        ));
        assert!(error.to_string().contains("wait"), "{error}");
        // GoTrue's email rate limit comes as 429 too, but its code alone is enough.
        let error = classify(
            400,
            r#"{"code":400,"error_code":"over_email_send_rate_limit","msg":"x"}"#,
        );
        assert_eq!(error.code(), "rate_limited");
    }

    #[test]
    fn token_bodies_tolerate_extras_and_refuse_missing_fields() {
        let ok = body(
            r#"{"access_token":"a.b.c","token_type":"bearer","expires_in":3600,"expires_at":1900000000,
                "refresh_token":"r1","user":{"id":"u1","email":"a@b.c","new_field":[1]},"weak_password":null}"#,
        );
        let session = parse_session(StatusCode::OK, &ok, URL).unwrap();
        assert_eq!(session.user.email, "a@b.c");
        assert_eq!(session.expires_at, 1_900_000_000);
        // Only expires_in: expires_at is computed.
        let within =
            body(r#"{"access_token":"a","refresh_token":"r","expires_in":60,"user":{"id":"u"}}"#);
        let session = parse_session(StatusCode::OK, &within, URL).unwrap();
        assert!((session.expires_at - now_secs() - 60).abs() <= 1);
        assert_eq!(session.user.email, "");

        for (text, fragment) in [
            (
                r#"{"refresh_token":"r","expires_in":1,"user":{"id":"u"}}"#,
                "access_token",
            ),
            (
                r#"{"access_token":7,"refresh_token":"r","expires_in":1,"user":{"id":"u"}}"#,
                "not a string",
            ),
            (
                r#"{"access_token":"a","refresh_token":"r","expires_in":"soon","user":{"id":"u"}}"#,
                "expires_in",
            ),
            (
                r#"{"access_token":"a","refresh_token":"r","expires_in":1}"#,
                "user",
            ),
            (
                r#"{"access_token":"a","refresh_token":"r","expires_in":1,"user":{"email":"x"}}"#,
                "id",
            ),
            (
                r#"{"access_token":"a","refresh_token":"r","user":{"id":"u"}}"#,
                "expires",
            ),
            (r#"[1,2]"#, "array"),
        ] {
            let error = parse_session(StatusCode::OK, &body(text), URL).unwrap_err();
            assert_eq!(error.code(), "malformed_response", "{text}: {error}");
            assert!(error.to_string().contains(fragment), "{text}: {error}");
        }
        let error = parse_session(StatusCode::OK, &body("<html>hi</html>"), URL).unwrap_err();
        assert_eq!(error.code(), "not_supabase");
    }

    #[test]
    fn a_token_response_is_never_quoted() {
        let secret = "eyJhbGciOiJIUzI1NiJ9.c2VjcmV0LXRva2Vu";
        let unquoted = |text: String| Body {
            text,
            quotable: false,
            ..Body::default()
        };
        // Cut off mid-way (not JSON any more), on success and on an error status alike.
        let cut = unquoted(format!(r#"{{"access_token":"{secret}","refresh_tok"#));
        let error = parse_session(StatusCode::OK, &cut, URL).unwrap_err();
        assert_eq!(error.code(), "not_supabase");
        assert!(!error.to_string().contains(secret), "{error}");
        assert!(error.to_string().contains("not quoted"), "{error}");
        for status in [StatusCode::BAD_REQUEST, StatusCode::BAD_GATEWAY] {
            let error = classify_error(status, &cut, URL);
            assert!(!error.to_string().contains(secret), "{error}");
        }
    }

    #[test]
    fn only_definitive_refusals_end_a_session() {
        assert!(AuthError::RefreshTokenAlreadyUsed.ends_session());
        assert!(
            classify(
                400,
                r#"{"code":"validation_failed","message":"Refresh token is not valid"}"#
            )
            .ends_session()
        );
        assert!(!classify(429, "").ends_session());
        assert!(!classify(503, "down").ends_session());
        assert!(
            !AuthError::Unreachable {
                url: URL.into(),
                reason: "x".into()
            }
            .ends_session()
        );
    }
}
