//! The GoTrue client against the local backend (real grants, rotation, logout, rate limit) and
//! against canned servers for the shapes the backend does not produce: GoTrue's older error
//! bodies, non-JSON 5xx, HTML, bodies missing fields or with the wrong types.

mod common;

use std::time::Duration;

use callrec_backend::{BackendArgs, fixtures};
use callrec_core::ErrorCode;
use callrec_core::auth::{AuthClient, AuthError, LogoutScope};
use callrec_core::secret::Secret;
use common::{backend, backend_project, canned_server, http_response, project};

fn client_for(url: &str) -> AuthClient {
    AuthClient::new(callrec_core::http::client().unwrap(), project(url, "anon"))
}

fn password(text: &str) -> Secret<String> {
    Secret::new(text.to_owned())
}

#[tokio::test]
async fn password_grant_user_and_logout_against_the_backend() {
    let backend = backend(BackendArgs::default()).await;
    let client = AuthClient::new(
        callrec_core::http::client().unwrap(),
        backend_project(&backend),
    );
    let user = backend.demo_user();
    let session = client
        .sign_in_with_password(&user.email, &password(&user.password))
        .await
        .unwrap();
    assert_eq!(session.user.id, user.id);
    assert_eq!(session.user.email, user.email);
    assert_eq!(session.expires_in, 3600);
    let me = client.user(&session.access_token).await.unwrap();
    assert_eq!(me.id, user.id);

    client
        .logout(&session.access_token, LogoutScope::Local)
        .await
        .unwrap();
    // The access token is still a valid JWT, but its session is gone.
    let error = client.user(&session.access_token).await.unwrap_err();
    assert_eq!(error.code(), "session_not_found", "{error}");
    let error = client.refresh(&session.refresh_token).await.unwrap_err();
    assert_eq!(error.code(), "refresh_token_not_found", "{error}");
    assert!(error.ends_session());
    backend.shutdown().await;
}

#[tokio::test]
async fn backend_refusals_have_their_own_codes() {
    let backend = backend(BackendArgs {
        password_attempts: 3,
        ..BackendArgs::default()
    })
    .await;
    let client = AuthClient::new(
        callrec_core::http::client().unwrap(),
        backend_project(&backend),
    );
    let error = client
        .sign_in_with_password(fixtures::USER_REVIEWER_EMAIL, &password("wrong"))
        .await
        .unwrap_err();
    assert!(
        matches!(error, AuthError::InvalidCredentials { .. }),
        "{error:?}"
    );
    assert_eq!(error.code(), "invalid_credentials");

    let error = client
        .sign_in_with_password(
            fixtures::USER_UNCONFIRMED_EMAIL,
            &password(fixtures::DEMO_PASSWORD),
        )
        .await
        .unwrap_err();
    assert_eq!(error.code(), "email_not_confirmed", "{error}");

    // The third attempt on one email within the window is the last allowed; then 429.
    for _ in 0..2 {
        let _ = client
            .sign_in_with_password(fixtures::USER_REVIEWER_EMAIL, &password("wrong"))
            .await;
    }
    let error = client
        .sign_in_with_password(fixtures::USER_REVIEWER_EMAIL, &password("wrong"))
        .await
        .unwrap_err();
    let AuthError::RateLimited {
        retry_after: Some(wait),
    } = &error
    else {
        panic!("expected a rate limit with Retry-After, got {error:?}");
    };
    assert!(*wait > Duration::ZERO && *wait <= Duration::from_secs(300));
    assert!(
        error
            .to_string()
            .contains(&format!("in {} s", wait.as_secs())),
        "the message says how long: {error}"
    );
    assert_eq!(backend.stats().rate_limited, 1);

    // A malformed refresh token is refused as such (and ends a session).
    let error = client.refresh(&password("not-a-token")).await.unwrap_err();
    assert_eq!(error.code(), "auth_rejected", "{error}");
    assert!(error.ends_session());
    backend.shutdown().await;
}

#[tokio::test]
async fn reusing_a_rotated_refresh_token_is_refresh_token_already_used() {
    let backend = backend(BackendArgs {
        refresh_reuse_interval: 0,
        ..BackendArgs::default()
    })
    .await;
    let client = AuthClient::new(
        callrec_core::http::client().unwrap(),
        backend_project(&backend),
    );
    let user = backend.demo_user();
    let first = client
        .sign_in_with_password(&user.email, &password(&user.password))
        .await
        .unwrap();
    let second = client.refresh(&first.refresh_token).await.unwrap();
    assert_ne!(second.refresh_token, first.refresh_token, "tokens rotate");
    let _third = client.refresh(&second.refresh_token).await.unwrap();
    let error = client.refresh(&first.refresh_token).await.unwrap_err();
    assert!(
        matches!(error, AuthError::RefreshTokenAlreadyUsed),
        "{error:?}"
    );
    assert!(error.ends_session());
    assert_eq!(backend.stats().refresh_reuse_rejections, 1);
    backend.shutdown().await;
}

#[tokio::test]
async fn gotrue_error_shapes_from_a_canned_server() {
    let cases = [
        // GoTrue before API 2024-01-01.
        (
            "400 Bad Request",
            r#"{"code":400,"error_code":"invalid_credentials","msg":"Invalid login credentials"}"#,
            "invalid_credentials",
            "Invalid login credentials",
        ),
        // Old GoTrue, OAuth style.
        (
            "400 Bad Request",
            r#"{"error":"invalid_grant","error_description":"Email not confirmed"}"#,
            "email_not_confirmed",
            "not confirmed",
        ),
        (
            "400 Bad Request",
            r#"{"error":"invalid_grant","error_description":"Invalid Refresh Token: Already Used"}"#,
            "refresh_token_already_used",
            "already used",
        ),
        (
            "400 Bad Request",
            r#"{"error":"invalid_grant","error_description":"Invalid Refresh Token: Refresh Token Not Found"}"#,
            "refresh_token_not_found",
            "no longer knows",
        ),
        // API 2024-01-01.
        (
            "403 Forbidden",
            r#"{"code":"session_not_found","message":"Session from session_id claim in JWT does not exist"}"#,
            "session_not_found",
            "ended on the server",
        ),
        (
            "403 Forbidden",
            r#"{"code":"bad_jwt","message":"invalid JWT: unable to parse or verify signature, token is expired"}"#,
            "bad_jwt",
            "token is expired",
        ),
        (
            "400 Bad Request",
            r#"{"code":"validation_failed","message":"missing email or phone","extra":{"x":1}}"#,
            "auth_rejected",
            "missing email or phone",
        ),
        // The gateway, not GoTrue.
        (
            "401 Unauthorized",
            r#"{"message":"Invalid API key","hint":"Double check your Supabase `anon` or `service_role` API key."}"#,
            "key_rejected",
            "Invalid API key",
        ),
    ];
    for (status, body, code, fragment) in cases {
        let url = canned_server(http_response(status, "application/json", &[], body)).await;
        let error = client_for(&url)
            .sign_in_with_password("a@b.test", &password("pw"))
            .await
            .unwrap_err();
        assert_eq!(error.code(), code, "{body}: {error}");
        assert!(error.to_string().contains(fragment), "{body}: {error}");
    }
}

#[tokio::test]
async fn a_rate_limit_without_json_still_says_how_long() {
    let url = canned_server(http_response(
        "429 Too Many Requests",
        "text/plain",
        &["Retry-After: 42"],
        "Too Many Requests",
    ))
    .await;
    let error = client_for(&url)
        .sign_in_with_password("a@b.test", &password("pw"))
        .await
        .unwrap_err();
    assert!(
        matches!(error, AuthError::RateLimited { retry_after: Some(wait) } if wait == Duration::from_secs(42)),
        "{error:?}"
    );
    assert!(error.to_string().contains("in 42 s"), "{error}");
}

#[tokio::test]
async fn a_non_json_5xx_is_a_server_error_quoting_the_text() {
    let url = canned_server(http_response(
        "502 Bad Gateway",
        "text/html",
        &[],
        "<html><h1>502 Bad Gateway</h1><p>cloudflare</p></html>",
    ))
    .await;
    let error = client_for(&url).refresh(&password("r")).await.unwrap_err();
    let AuthError::ServerError { status, message } = &error else {
        panic!("expected server_error, got {error:?}");
    };
    assert_eq!(*status, 502);
    assert!(message.contains("not JSON"), "{message}");
    assert!(message.contains("502 Bad Gateway"), "{message}");
    assert!(!error.ends_session(), "a 5xx keeps the session");
}

#[tokio::test]
async fn html_pages_are_not_supabase() {
    for status in ["200 OK", "404 Not Found"] {
        let url = canned_server(http_response(
            status,
            "text/html",
            &[],
            "<!doctype html><title>My blog</title>",
        ))
        .await;
        let error = client_for(&url)
            .sign_in_with_password("a@b.test", &password("pw"))
            .await
            .unwrap_err();
        assert_eq!(error.code(), "not_supabase", "{status}: {error}");
        // A success answer of the token endpoint is where tokens live: described, never
        // quoted. A refusal holds none, and its text says what answered.
        if status.starts_with("200") {
            assert!(!error.to_string().contains("My blog"), "{error}");
            assert!(error.to_string().contains("not quoted"), "{error}");
        } else {
            assert!(error.to_string().contains("My blog"), "{error}");
        }
    }
}

#[tokio::test]
async fn json_missing_fields_or_of_the_wrong_type_is_malformed() {
    for body in [
        r#"{"token_type":"bearer"}"#,
        r#"{"access_token":"a","refresh_token":"r","expires_in":3600,"user":null}"#,
        r#"{"access_token":"a","refresh_token":"r","expires_in":"an hour","user":{"id":"u"}}"#,
        r#"{"access_token":["a"],"refresh_token":"r","expires_in":3600,"user":{"id":"u"}}"#,
        r#"{"access_token":"a","refresh_token":"r","expires_in":3600,"user":{"id":42}}"#,
        r#""just a string""#,
    ] {
        let url = canned_server(http_response("200 OK", "application/json", &[], body)).await;
        let error = client_for(&url)
            .sign_in_with_password("a@b.test", &password("pw"))
            .await
            .unwrap_err();
        assert_eq!(error.code(), "malformed_response", "{body}: {error}");
    }
    // GET /user, too.
    let url = canned_server(http_response(
        "200 OK",
        "application/json",
        &[],
        r#"{"email":"x"}"#,
    ))
    .await;
    let error = client_for(&url).user(&password("t")).await.unwrap_err();
    assert_eq!(error.code(), "malformed_response", "{error}");
}

#[tokio::test]
async fn a_closed_port_is_unreachable() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let error = client_for(&format!("http://127.0.0.1:{port}"))
        .sign_in_with_password("a@b.test", &password("pw"))
        .await
        .unwrap_err();
    assert_eq!(error.code(), "unreachable", "{error}");
    assert_eq!(error.kind(), callrec_core::ErrorKind::Network);
}
