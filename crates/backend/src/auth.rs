//! GoTrue (`/auth/v1`): password and refresh-token grants, `GET /user`, `POST /logout`,
//! `GET /health`, with GoTrue's error codes and shapes. The refresh logic follows GoTrue's:
//! single-use rotating tokens; reusing the parent of the session's active token returns that
//! active token again (a client that lost the response); reusing any other revoked token within
//! the reuse interval (10 s) grants a fresh one, after it revokes the whole session's tokens
//! and answers `refresh_token_already_used`.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use rand::Rng;
use rusqlite::{OptionalExtension, TransactionBehavior, params};
use serde_json::{Value, json};

use crate::db::{self, DbError, UserRow};
use crate::signing::{self, JwtFailure};
use crate::state::{AppState, Shared};
use crate::stats::Counters;
use crate::timefmt::{MICROS_PER_SEC, format_go, now_micros};

/// GoTrue's version string in `/health`.
const GOTRUE_VERSION: &str = "v2.180.0";
/// The window of the password-attempt rate limit (GoTrue's token limiter counts per 5 minutes).
const RATE_WINDOW: Duration = Duration::from_secs(300);
const AUDIENCE: &str = "authenticated";

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// GoTrue's `HTTPError`: `{code, error_code, msg}` (or `{code, message}` for API 2024-01-01).
    #[error("{status} {code}: {msg}")]
    Http {
        status: StatusCode,
        code: &'static str,
        msg: String,
        retry_after: Option<u64>,
    },
    #[error(transparent)]
    Db(#[from] DbError),
}

fn http(status: StatusCode, code: &'static str, msg: impl Into<String>) -> AuthError {
    AuthError::Http {
        status,
        code,
        msg: msg.into(),
        retry_after: None,
    }
}

fn bad_request(code: &'static str, msg: impl Into<String>) -> AuthError {
    http(StatusCode::BAD_REQUEST, code, msg)
}

fn forbidden(code: &'static str, msg: impl Into<String>) -> AuthError {
    http(StatusCode::FORBIDDEN, code, msg)
}

/// Whether the client asked for GoTrue's 2024-01-01 error shape (supabase-js does).
fn new_api(headers: &HeaderMap) -> bool {
    headers
        .get("x-supabase-api-version")
        .and_then(|v| v.to_str().ok())
        .and_then(crate::timefmt::parse_timestamptz)
        .is_some_and(|t| t >= 1_704_067_200 * MICROS_PER_SEC)
}

impl AuthError {
    pub(crate) fn render(self, new_api: bool) -> Response {
        match self {
            AuthError::Http {
                status,
                code,
                msg,
                retry_after,
            } => {
                let body = if new_api {
                    json!({ "code": code, "message": msg })
                } else {
                    json!({ "code": status.as_u16(), "error_code": code, "msg": msg })
                };
                let mut resp = (status, axum::Json(body)).into_response();
                let h = resp.headers_mut();
                h.insert("x-sb-error-code", HeaderValue::from_static(code));
                if new_api {
                    h.insert(
                        "x-supabase-api-version",
                        HeaderValue::from_static("2024-01-01"),
                    );
                }
                if let Some(secs) = retry_after {
                    h.insert(header::RETRY_AFTER, HeaderValue::from(secs));
                }
                resp
            }
            AuthError::Db(e) => {
                tracing::error!("auth database error: {e}");
                let err = http(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "unexpected_failure",
                    "Database error querying schema",
                );
                err.render(new_api)
            }
        }
    }
}

fn parse_body<T: serde::de::DeserializeOwned>(body: &Bytes) -> Result<T, AuthError> {
    if body.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(bad_request(
            "bad_json",
            "Could not parse request body as JSON: unexpected end of JSON input",
        ));
    }
    serde_json::from_slice(body).map_err(|e| {
        bad_request(
            "bad_json",
            format!("Could not parse request body as JSON: {e}"),
        )
    })
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct PasswordParams {
    email: String,
    phone: String,
    password: String,
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct RefreshParams {
    refresh_token: String,
}

/// A session as issued: what the token response is built from.
struct Issued {
    user: UserRow,
    session_id: String,
    session_created: i64,
    refresh_token: String,
}

/// `POST /auth/v1/token?grant_type=...`
pub(crate) async fn token(
    State(state): State<Shared>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let new_api = new_api(&headers);
    let result = match q.get("grant_type").map(String::as_str) {
        Some("password") => {
            Counters::bump(&state.counters.password_grants);
            password_grant(&state, &body).await
        }
        Some("refresh_token") => {
            Counters::bump(&state.counters.refresh_grants);
            refresh_grant(&state, &body).await
        }
        _ => Err(bad_request("invalid_credentials", "unsupported_grant_type")),
    };
    match result {
        Ok(issued) => match token_response(&state, &issued) {
            Ok(v) => (StatusCode::OK, axum::Json(v)).into_response(),
            Err(e) => e.render(new_api),
        },
        Err(e) => e.render(new_api),
    }
}

fn rate_limit(state: &AppState, email: &str) -> Result<(), AuthError> {
    let now = Instant::now();
    let Ok(mut map) = state.attempts.lock() else {
        return Ok(());
    };
    let q = map.entry(email.to_ascii_lowercase()).or_default();
    while q
        .front()
        .is_some_and(|t| now.duration_since(*t) >= RATE_WINDOW)
    {
        q.pop_front();
    }
    if q.len() >= state.password_attempts as usize {
        let oldest = q.front().copied().unwrap_or(now);
        let wait = RATE_WINDOW
            .saturating_sub(now.duration_since(oldest))
            .as_secs()
            .max(1);
        Counters::bump(&state.counters.rate_limited);
        return Err(AuthError::Http {
            status: StatusCode::TOO_MANY_REQUESTS,
            code: "over_request_rate_limit",
            msg: "Request rate limit reached".to_string(),
            retry_after: Some(wait),
        });
    }
    q.push_back(now);
    Ok(())
}

fn ct_eq(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// A GoTrue-style legacy refresh token: 12 characters of `[a-z0-9]`.
fn new_refresh_token() -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let mut rng = rand::rng();
    (0..12)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect()
}

async fn password_grant(state: &AppState, body: &Bytes) -> Result<Issued, AuthError> {
    let p: PasswordParams = parse_body(body)?;
    if !p.email.is_empty() && !p.phone.is_empty() {
        return Err(bad_request(
            "validation_failed",
            "Only an email address or phone number should be provided on login.",
        ));
    }
    if p.email.is_empty() {
        if !p.phone.is_empty() {
            return Err(http(
                StatusCode::UNPROCESSABLE_ENTITY,
                "phone_provider_disabled",
                "Phone logins are disabled",
            ));
        }
        return Err(bad_request("validation_failed", "missing email or phone"));
    }
    rate_limit(state, &p.email)?;
    let email = p.email.clone();
    let password = p.password;
    state
        .db
        .call(move |conn| -> Result<Issued, AuthError> {
            let Some((user, salt, hash)) = db::find_user_by_email(conn, &email)? else {
                return Err(bad_request("invalid_credentials", "Invalid login credentials"));
            };
            if !ct_eq(&crate::seed::hash_password(&salt, &password), &hash) {
                return Err(bad_request("invalid_credentials", "Invalid login credentials"));
            }
            if user.email_confirmed_at.is_none() {
                return Err(bad_request("email_not_confirmed", "Email not confirmed"));
            }
            let now = now_micros();
            let session_id = uuid::Uuid::new_v4().to_string();
            let refresh_token = new_refresh_token();
            let tx = conn.transaction().map_err(DbError::from)?;
            tx.execute(
                "INSERT INTO sessions (id, user_id, created_at, updated_at) VALUES (?1, ?2, ?3, ?3)",
                params![session_id, user.id, now],
            )
            .map_err(DbError::from)?;
            tx.execute(
                "INSERT INTO refresh_tokens (token, session_id, user_id, parent, revoked, created_at, updated_at)
                 VALUES (?1, ?2, ?3, NULL, 0, ?4, ?4)",
                params![refresh_token, session_id, user.id, now],
            )
            .map_err(DbError::from)?;
            tx.execute("UPDATE users SET last_sign_in_at = ?1, updated_at = ?1 WHERE id = ?2", params![now, user.id])
                .map_err(DbError::from)?;
            tx.commit().map_err(DbError::from)?;
            let user = UserRow { last_sign_in_at: Some(now), updated_at: now, ..user };
            Ok(Issued { user, session_id, session_created: now, refresh_token })
        })
        .await?
}

fn valid_refresh_format(token: &str) -> bool {
    token.len() == 12
        && token
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
}

enum RefreshOutcome {
    Issued(Issued),
    Reused,
}

async fn refresh_grant(state: &AppState, body: &Bytes) -> Result<Issued, AuthError> {
    let p: RefreshParams = parse_body(body)?;
    // GoTrue validates the shape first: anything but a 12-character legacy token (or its newer
    // signed format, which this backend does not issue) is "not valid".
    if !valid_refresh_format(&p.refresh_token) {
        return Err(bad_request(
            "validation_failed",
            "Refresh token is not valid",
        ));
    }
    let reuse_interval =
        i64::try_from(state.refresh_reuse_interval).unwrap_or(i64::MAX / MICROS_PER_SEC);
    let token = p.refresh_token;
    let outcome = state
        .db
        .call(move |conn| -> Result<RefreshOutcome, AuthError> {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(DbError::from)?;
            let found = tx
                .query_row(
                    "SELECT id, session_id, user_id, revoked, updated_at FROM refresh_tokens WHERE token = ?1",
                    [&token],
                    |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?, r.get::<_, bool>(3)?, r.get::<_, i64>(4)?)),
                )
                .optional()
                .map_err(DbError::from)?;
            let Some((_id, session_id, user_id, revoked, updated_at)) = found else {
                return Err(bad_request("refresh_token_not_found", "Invalid Refresh Token: Refresh Token Not Found"));
            };
            let Some(user) = db::find_user(&tx, &user_id)? else {
                return Err(bad_request("refresh_token_not_found", "Invalid Refresh Token: Refresh Token Not Found"));
            };
            let session_created: Option<i64> = tx
                .query_row("SELECT created_at FROM sessions WHERE id = ?1", [&session_id], |r| r.get(0))
                .optional()
                .map_err(DbError::from)?;
            let Some(session_created) = session_created else {
                return Err(bad_request("session_not_found", "Invalid Refresh Token: No Valid Session Found"));
            };
            let now = now_micros();
            let mut issued: Option<String> = None;
            if revoked {
                let active: Option<(String, Option<String>)> = tx
                    .query_row(
                        "SELECT token, parent FROM refresh_tokens WHERE session_id = ?1 AND revoked = 0 ORDER BY id DESC LIMIT 1",
                        [&session_id],
                        |r| Ok((r.get(0)?, r.get(1)?)),
                    )
                    .optional()
                    .map_err(DbError::from)?;
                match active {
                    // The client lost the answer to its last refresh: hand the same token back.
                    Some((active_token, Some(parent))) if parent == token => issued = Some(active_token),
                    _ => {
                        if now > updated_at.saturating_add(reuse_interval * MICROS_PER_SEC) {
                            tx.execute(
                                "UPDATE refresh_tokens SET revoked = 1, updated_at = ?1 WHERE session_id = ?2 AND revoked = 0",
                                params![now, session_id],
                            )
                            .map_err(DbError::from)?;
                            tx.commit().map_err(DbError::from)?;
                            return Ok(RefreshOutcome::Reused);
                        }
                    }
                }
            }
            let refresh_token = match issued {
                Some(t) => t,
                None => {
                    let fresh = new_refresh_token();
                    tx.execute(
                        "UPDATE refresh_tokens SET revoked = 1, updated_at = ?1 WHERE token = ?2 AND revoked = 0",
                        params![now, token],
                    )
                    .map_err(DbError::from)?;
                    tx.execute(
                        "INSERT INTO refresh_tokens (token, session_id, user_id, parent, revoked, created_at, updated_at)
                         VALUES (?1, ?2, ?3, ?4, 0, ?5, ?5)",
                        params![fresh, session_id, user_id, token, now],
                    )
                    .map_err(DbError::from)?;
                    fresh
                }
            };
            tx.execute("UPDATE sessions SET updated_at = ?1 WHERE id = ?2", params![now, session_id])
                .map_err(DbError::from)?;
            tx.commit().map_err(DbError::from)?;
            Ok(RefreshOutcome::Issued(Issued { user, session_id, session_created, refresh_token }))
        })
        .await??;
    match outcome {
        RefreshOutcome::Issued(i) => Ok(i),
        RefreshOutcome::Reused => {
            Counters::bump(&state.counters.refresh_reuse_rejections);
            Err(bad_request(
                "refresh_token_already_used",
                "Invalid Refresh Token: Already Used",
            ))
        }
    }
}

fn user_metadata(user: &UserRow) -> Value {
    json!({
        "email": user.email,
        "email_verified": user.email_confirmed_at.is_some(),
        "full_name": user.full_name,
        "phone_verified": false,
        "sub": user.id,
    })
}

/// GoTrue's user object.
pub(crate) fn user_json(user: &UserRow) -> Value {
    let confirmed = user.email_confirmed_at.map(format_go);
    let mut v = json!({
        "id": user.id,
        "aud": AUDIENCE,
        "role": "authenticated",
        "email": user.email,
        "phone": "",
        "app_metadata": { "provider": "email", "providers": ["email"] },
        "user_metadata": user_metadata(user),
        "identities": [{
            "identity_id": uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_OID, user.id.as_bytes()).to_string(),
            "id": user.id,
            "user_id": user.id,
            "identity_data": user_metadata(user),
            "provider": "email",
            "last_sign_in_at": user.last_sign_in_at.map(format_go),
            "created_at": format_go(user.created_at),
            "updated_at": format_go(user.updated_at),
            "email": user.email,
        }],
        "created_at": format_go(user.created_at),
        "updated_at": format_go(user.updated_at),
        "is_anonymous": false,
    });
    if let Some(obj) = v.as_object_mut() {
        // GoTrue omits unset optional times (`omitempty`).
        if let Some(c) = confirmed {
            obj.insert("email_confirmed_at".into(), json!(c));
            obj.insert("confirmed_at".into(), json!(c));
        }
        if let Some(l) = user.last_sign_in_at {
            obj.insert("last_sign_in_at".into(), json!(format_go(l)));
        }
    }
    v
}

fn token_response(state: &AppState, issued: &Issued) -> Result<Value, AuthError> {
    let iat = crate::timefmt::now_secs();
    let lifetime = i64::try_from(state.token_lifetime).unwrap_or(3600);
    let exp = iat + lifetime;
    let user = &issued.user;
    let claims = json!({
        "iss": format!("{}/auth/v1", state.base_url),
        "sub": user.id,
        "aud": AUDIENCE,
        "exp": exp,
        "iat": iat,
        "email": user.email,
        "phone": "",
        "app_metadata": { "provider": "email", "providers": ["email"] },
        "user_metadata": user_metadata(user),
        "role": "authenticated",
        "aal": "aal1",
        "amr": [{ "method": "password", "timestamp": issued.session_created / MICROS_PER_SEC }],
        "session_id": issued.session_id,
        "is_anonymous": false,
    });
    let access = signing::encode_jwt(&claims, &state.keys.jwt_secret).map_err(|e| {
        http(
            StatusCode::INTERNAL_SERVER_ERROR,
            "unexpected_failure",
            e.to_string(),
        )
    })?;
    Ok(json!({
        "access_token": access,
        "token_type": "bearer",
        "expires_in": lifetime,
        "expires_at": exp,
        "refresh_token": issued.refresh_token,
        "user": user_json(user),
    }))
}

/// An authenticated caller, as GoTrue's `requireAuthentication` establishes it.
#[derive(Debug, Clone)]
pub(crate) struct Authed {
    pub user: UserRow,
    pub session_id: Option<String>,
    pub aud: Option<String>,
}

pub(crate) fn bearer(headers: &HeaderMap) -> Option<&str> {
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = v.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("bearer")
        || token.is_empty()
        || token.contains(char::is_whitespace)
    {
        return None;
    }
    Some(token)
}

fn jwt_message(f: &JwtFailure) -> String {
    // golang-jwt v5's wording, which GoTrue passes through.
    match f {
        JwtFailure::Empty | JwtFailure::Parts(_) => {
            "token is malformed: token contains an invalid number of segments".into()
        }
        JwtFailure::BadSignature => "token signature is invalid: signature is invalid".into(),
        JwtFailure::BadAlgorithm => "token signature is invalid: signing method is invalid".into(),
        JwtFailure::Malformed => "token is malformed: could not JSON decode claim".into(),
    }
}

/// Validates the bearer token and loads its user and session (GoTrue's `requireAuthentication`).
pub(crate) async fn authenticate(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<Authed, AuthError> {
    let Some(token) = bearer(headers) else {
        return Err(http(
            StatusCode::UNAUTHORIZED,
            "no_authorization",
            "This endpoint requires a valid Bearer token",
        ));
    };
    let claims = signing::decode_jwt(token, &state.keys.jwt_secret).map_err(|f| {
        forbidden(
            "bad_jwt",
            format!(
                "invalid JWT: unable to parse or verify signature, {}",
                jwt_message(&f)
            ),
        )
    })?;
    let now = crate::timefmt::now_secs();
    // golang-jwt: no leeway; expired once now >= exp.
    if signing::claim_secs(&claims, "exp").is_some_and(|exp| now >= exp) {
        return Err(forbidden(
            "bad_jwt",
            "invalid JWT: unable to parse or verify signature, token has invalid claims: token is expired",
        ));
    }
    if signing::claim_secs(&claims, "nbf").is_some_and(|nbf| now < nbf) {
        return Err(forbidden(
            "bad_jwt",
            "invalid JWT: unable to parse or verify signature, token has invalid claims: token is not valid yet",
        ));
    }
    let sub = signing::claim_str(&claims, "sub")
        .unwrap_or_default()
        .to_string();
    if sub.is_empty() {
        return Err(forbidden("bad_jwt", "invalid claim: missing sub claim"));
    }
    let Ok(sub_uuid) = uuid::Uuid::parse_str(&sub) else {
        return Err(bad_request(
            "bad_jwt",
            "invalid claim: sub claim must be a UUID",
        ));
    };
    let session_id = signing::claim_str(&claims, "session_id")
        .filter(|s| !s.is_empty() && *s != uuid::Uuid::nil().to_string())
        .map(str::to_string);
    if let Some(s) = &session_id
        && uuid::Uuid::parse_str(s).is_err()
    {
        return Err(forbidden(
            "bad_jwt",
            "invalid claim: session_id claim must be a UUID",
        ));
    }
    let aud = match claims.get("aud") {
        Some(Value::String(a)) => Some(a.clone()),
        Some(Value::Array(a)) => a.first().and_then(Value::as_str).map(str::to_string),
        _ => None,
    };
    let sid = session_id.clone();
    let user_id = sub_uuid.to_string();
    let user = state
        .db
        .call(move |conn| -> Result<UserRow, AuthError> {
            let Some(user) = db::find_user(conn, &user_id)? else {
                return Err(forbidden(
                    "user_not_found",
                    "User from sub claim in JWT does not exist",
                ));
            };
            if let Some(s) = &sid
                && !db::session_exists(conn, s)?
            {
                return Err(forbidden(
                    "session_not_found",
                    "Session from session_id claim in JWT does not exist",
                ));
            }
            Ok(user)
        })
        .await??;
    Ok(Authed {
        user,
        session_id,
        aud,
    })
}

/// `GET /auth/v1/user`
pub(crate) async fn user(State(state): State<Shared>, headers: HeaderMap) -> Response {
    Counters::bump(&state.counters.user_requests);
    let new_api = new_api(&headers);
    match authenticate(&state, &headers).await {
        Ok(a) => {
            if a.aud.as_deref() != Some(AUDIENCE) {
                return bad_request(
                    "validation_failed",
                    "Token audience doesn't match request audience",
                )
                .render(new_api);
            }
            (StatusCode::OK, axum::Json(user_json(&a.user))).into_response()
        }
        Err(e) => e.render(new_api),
    }
}

/// `POST /auth/v1/logout?scope=global|local|others` (default global: every session of the user).
pub(crate) async fn logout(
    State(state): State<Shared>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    Counters::bump(&state.counters.logouts);
    let new_api = new_api(&headers);
    let scope = q.get("scope").map(String::as_str).unwrap_or("");
    if !matches!(scope, "" | "global" | "local" | "others") {
        return bad_request(
            "validation_failed",
            format!("Unsupported logout scope {scope:?}"),
        )
        .render(new_api);
    }
    let authed = match authenticate(&state, &headers).await {
        Ok(a) => a,
        Err(e) => return e.render(new_api),
    };
    let scope = scope.to_string();
    let result = state
        .db
        .call(move |conn| -> Result<(), DbError> {
            match (scope.as_str(), &authed.session_id) {
                ("local", Some(s)) => conn.execute("DELETE FROM sessions WHERE id = ?1", [s])?,
                ("others", Some(s)) => conn.execute(
                    "DELETE FROM sessions WHERE id != ?1 AND user_id = ?2",
                    params![s, authed.user.id],
                )?,
                _ => conn.execute("DELETE FROM sessions WHERE user_id = ?1", [&authed.user.id])?,
            };
            Ok(())
        })
        .await;
    match result {
        Ok(Ok(())) => StatusCode::NO_CONTENT.into_response(),
        Ok(Err(e)) | Err(e) => AuthError::Db(e).render(new_api),
    }
}

/// `GET /auth/v1/health`
pub(crate) async fn health() -> Response {
    axum::Json(json!({
        "version": GOTRUE_VERSION,
        "name": "GoTrue",
        "description": "GoTrue is a user registration and authentication API",
    }))
    .into_response()
}

/// GoTrue's answer for paths it does not serve.
pub(crate) async fn not_found(headers: HeaderMap) -> Response {
    http(StatusCode::NOT_FOUND, "not_found", "Not Found").render(new_api(&headers))
}
