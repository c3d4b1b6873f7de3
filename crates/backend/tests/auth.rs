//! GoTrue contract: grants, rotation and reuse, user, logout, errors, rate limit, and the
//! gateway's apikey check.

mod common;

use callrec_backend::BackendArgs;
use common::{Ctx, claims, fixtures, now, small, start_with};
use reqwest::StatusCode;
use serde_json::{Value, json};

#[tokio::test]
async fn password_grant_returns_a_gotrue_session() {
    let ctx = small().await;
    let r = ctx
        .password_grant(fixtures::USER_REVIEWER_EMAIL, fixtures::DEMO_PASSWORD)
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["token_type"], "bearer");
    assert_eq!(v["expires_in"], 3600);
    let rt = v["refresh_token"].as_str().unwrap();
    assert!(rt.len() >= 12, "refresh token {rt}");
    let user = &v["user"];
    assert_eq!(user["id"], fixtures::USER_REVIEWER);
    assert_eq!(user["email"], fixtures::USER_REVIEWER_EMAIL);
    assert_eq!(user["aud"], "authenticated");
    assert_eq!(user["role"], "authenticated");
    assert_eq!(user["app_metadata"]["provider"], "email");
    assert_eq!(user["app_metadata"]["providers"], json!(["email"]));
    assert!(user["email_confirmed_at"].is_string());
    assert!(user["created_at"].is_string() && user["updated_at"].is_string());
    assert!(user["user_metadata"].is_object());

    // A real HS256 JWT signed with the project's secret.
    let token = v["access_token"].as_str().unwrap();
    let c = claims(token);
    assert_eq!(c["sub"], fixtures::USER_REVIEWER);
    assert_eq!(c["email"], fixtures::USER_REVIEWER_EMAIL);
    assert_eq!(c["role"], "authenticated");
    assert_eq!(c["aud"], "authenticated");
    assert_eq!(c["aal"], "aal1");
    assert_eq!(c["is_anonymous"], false);
    assert!(c["session_id"].is_string());
    assert_eq!(
        c["exp"].as_i64().unwrap() - c["iat"].as_i64().unwrap(),
        3600
    );
    assert_eq!(v["expires_at"], c["exp"]);
    assert!(
        common::verify_hs256(token, ctx.backend.jwt_secret()),
        "signed with jwt_secret()"
    );
    assert!(!common::verify_hs256(token, "another-secret"));
    assert_eq!(ctx.backend.stats().password_grants, 1);
}

async fn error(r: reqwest::Response) -> (StatusCode, Value) {
    let s = r.status();
    (s, r.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn password_grant_errors_in_gotrue_shapes() {
    let ctx = small().await;
    let (s, v) = error(
        ctx.password_grant(fixtures::USER_REVIEWER_EMAIL, "wrong")
            .await,
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(
        v,
        json!({ "code": 400, "error_code": "invalid_credentials", "msg": "Invalid login credentials" })
    );

    let (s, v) = error(
        ctx.password_grant("nobody@northwind.test", fixtures::DEMO_PASSWORD)
            .await,
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(v["error_code"], "invalid_credentials");

    let (s, v) = error(
        ctx.password_grant(fixtures::USER_UNCONFIRMED_EMAIL, fixtures::DEMO_PASSWORD)
            .await,
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(
        v,
        json!({ "code": 400, "error_code": "email_not_confirmed", "msg": "Email not confirmed" })
    );

    // supabase-js asks for the 2024-01-01 shape.
    let r = ctx
        .post("/auth/v1/token?grant_type=password")
        .header("X-Supabase-Api-Version", "2024-01-01")
        .json(&json!({ "email": fixtures::USER_REVIEWER_EMAIL, "password": "nope" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["x-supabase-api-version"], "2024-01-01");
    assert_eq!(r.headers()["x-sb-error-code"], "invalid_credentials");
    let (s, v) = error(r).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(
        v,
        json!({ "code": "invalid_credentials", "message": "Invalid login credentials" })
    );

    let r = ctx
        .post("/auth/v1/token?grant_type=password")
        .body("{not json")
        .send()
        .await
        .unwrap();
    let (s, v) = error(r).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(v["error_code"], "bad_json");

    let r = ctx
        .post("/auth/v1/token?grant_type=magic")
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    let (s, v) = error(r).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(v["msg"], "unsupported_grant_type");

    let r = ctx
        .post("/auth/v1/token?grant_type=password")
        .json(&json!({ "password": "x" }))
        .send()
        .await
        .unwrap();
    let (s, v) = error(r).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(v["error_code"], "validation_failed");
}

#[tokio::test]
async fn apikey_is_required_like_the_gateway() {
    let ctx = small().await;
    let body =
        json!({ "email": fixtures::USER_REVIEWER_EMAIL, "password": fixtures::DEMO_PASSWORD });
    for path in [
        "/auth/v1/token?grant_type=password",
        "/rest/v1/calls",
        "/functions/v1/get-call-recording",
    ] {
        let r = ctx
            .http
            .post(ctx.url(path))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "{path}");
        let v: Value = r.json().await.unwrap();
        assert_eq!(
            v,
            json!({ "message": "No API key found in request", "hint": "No `apikey` request header or url param was found." }),
            "{path}"
        );
        let r = ctx
            .http
            .post(ctx.url(path))
            .header("apikey", "not-the-key")
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
        let v: Value = r.json().await.unwrap();
        assert_eq!(v["message"], "Invalid API key");
        assert!(v["hint"].is_string());
    }
    // The key may also come as a query parameter; the service key is accepted too.
    let r = ctx
        .http
        .get(ctx.url(&format!("/auth/v1/health?apikey={}", ctx.anon())))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let r = ctx
        .http
        .get(ctx.url("/auth/v1/health"))
        .header("apikey", ctx.backend.service_role_key())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(ctx.backend.stats().apikey_rejections >= 6);
}

#[tokio::test]
async fn health_names_gotrue() {
    let ctx = small().await;
    let v: Value = ctx
        .get("/auth/v1/health")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["name"], "GoTrue");
    assert!(v["version"].is_string() && v["description"].is_string());
}

#[tokio::test]
async fn refresh_tokens_rotate_and_reuse_revokes_the_family() {
    let ctx = start_with(BackendArgs {
        calls: 30,
        refresh_reuse_interval: 0,
        ..Default::default()
    })
    .await;
    let s0 = ctx.login(fixtures::USER_REVIEWER_EMAIL).await;
    let rt0 = s0["refresh_token"].as_str().unwrap().to_string();

    let r = ctx.refresh(&rt0).await;
    assert_eq!(r.status(), StatusCode::OK);
    let s1: Value = r.json().await.unwrap();
    let rt1 = s1["refresh_token"].as_str().unwrap().to_string();
    assert_ne!(rt0, rt1, "refresh tokens rotate");
    assert_eq!(
        claims(s1["access_token"].as_str().unwrap())["session_id"],
        claims(s0["access_token"].as_str().unwrap())["session_id"]
    );

    // GoTrue: reusing the parent of the active token returns the active token (lost response).
    let r = ctx.refresh(&rt0).await;
    assert_eq!(r.status(), StatusCode::OK);
    let again: Value = r.json().await.unwrap();
    assert_eq!(again["refresh_token"], rt1.as_str());

    let s2: Value = ctx.refresh(&rt1).await.json().await.unwrap();
    let rt2 = s2["refresh_token"].as_str().unwrap().to_string();
    assert_ne!(rt2, rt1);

    // rt0 is now two generations old: reuse outside the interval is refused...
    let r = ctx.refresh(&rt0).await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let v: Value = r.json().await.unwrap();
    assert_eq!(
        v,
        json!({ "code": 400, "error_code": "refresh_token_already_used", "msg": "Invalid Refresh Token: Already Used" })
    );
    // ...and the whole family is revoked: the latest token is dead too.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let r = ctx.refresh(&rt2).await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error_code"], "refresh_token_already_used");
    let st = ctx.backend.stats();
    assert_eq!(st.refresh_reuse_rejections, 2);
    assert_eq!(st.refresh_grants, 5);
}

#[tokio::test]
async fn reuse_within_the_interval_is_tolerated() {
    let ctx = small().await; // default 10 s interval
    let s0 = ctx.login(fixtures::USER_REVIEWER_EMAIL).await;
    let rt0 = s0["refresh_token"].as_str().unwrap().to_string();
    let rt1 = ctx.refresh(&rt0).await.json::<Value>().await.unwrap()["refresh_token"]
        .as_str()
        .unwrap()
        .to_string();
    let rt2 = ctx.refresh(&rt1).await.json::<Value>().await.unwrap()["refresh_token"]
        .as_str()
        .unwrap()
        .to_string();
    assert_ne!(rt1, rt2);
    // Concurrent-refresh tolerance: a just-revoked token still refreshes for ~10 s.
    let r = ctx.refresh(&rt0).await;
    assert_eq!(r.status(), StatusCode::OK);
}

#[tokio::test]
async fn unknown_and_malformed_refresh_tokens() {
    let ctx = small().await;
    let r = ctx.refresh("abcdefgh1234").await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error_code"], "refresh_token_not_found");
    assert_eq!(v["msg"], "Invalid Refresh Token: Refresh Token Not Found");

    let r = ctx.refresh("short").await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error_code"], "validation_failed");
}

#[tokio::test]
async fn user_endpoint_validates_the_jwt() {
    let ctx = small().await;
    let token = ctx.reviewer().await;
    let r = ctx
        .get("/auth/v1/user")
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["id"], fixtures::USER_REVIEWER);

    let r = ctx.get("/auth/v1/user").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        r.json::<Value>().await.unwrap()["error_code"],
        "no_authorization"
    );

    let mut c = claims(&token);
    c["exp"] = json!(now() - 5);
    let expired = ctx.mint(c);
    let r = ctx
        .get("/auth/v1/user")
        .bearer_auth(&expired)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error_code"], "bad_jwt");
    assert!(
        v["msg"].as_str().unwrap().contains("token is expired"),
        "{v}"
    );

    let foreign = common::jwt(&claims(&token), "some-other-secret-with-32-characters!!");
    let r = ctx
        .get("/auth/v1/user")
        .bearer_auth(&foreign)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(r.json::<Value>().await.unwrap()["error_code"], "bad_jwt");

    // The anon key is a valid JWT without a user.
    let r = ctx
        .get("/auth/v1/user")
        .bearer_auth(ctx.anon())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["msg"], "invalid claim: missing sub claim");
}

#[tokio::test]
async fn short_token_lifetime_expires_access_tokens() {
    let ctx = start_with(BackendArgs {
        calls: 30,
        token_lifetime: 2,
        ..Default::default()
    })
    .await;
    let s = ctx.login(fixtures::USER_REVIEWER_EMAIL).await;
    assert_eq!(s["expires_in"], 2);
    tokio::time::sleep(std::time::Duration::from_millis(3100)).await;
    let r = ctx
        .get("/auth/v1/user")
        .bearer_auth(s["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // The refresh token still works and yields a fresh access token.
    let r = ctx.refresh(s["refresh_token"].as_str().unwrap()).await;
    assert_eq!(r.status(), StatusCode::OK);
    let fresh: Value = r.json().await.unwrap();
    let r = ctx
        .get("/auth/v1/user")
        .bearer_auth(fresh["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
}

async fn logout(ctx: &Ctx, token: &str, scope: Option<&str>) -> StatusCode {
    let path = match scope {
        Some(s) => format!("/auth/v1/logout?scope={s}"),
        None => "/auth/v1/logout".to_string(),
    };
    ctx.post(&path)
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .status()
}

#[tokio::test]
async fn logout_ends_sessions() {
    let ctx = small().await;
    let a = ctx.login(fixtures::USER_REVIEWER_EMAIL).await;
    let b = ctx.login(fixtures::USER_REVIEWER_EMAIL).await;
    let at = a["access_token"].as_str().unwrap();
    assert_eq!(logout(&ctx, at, None).await, StatusCode::NO_CONTENT);

    // Global scope: both sessions are gone.
    for s in [&a, &b] {
        let r = ctx
            .get("/auth/v1/user")
            .bearer_auth(s["access_token"].as_str().unwrap())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        let v: Value = r.json().await.unwrap();
        assert_eq!(v["error_code"], "session_not_found");
        let r = ctx.refresh(s["refresh_token"].as_str().unwrap()).await;
        assert_eq!(r.status(), StatusCode::BAD_REQUEST);
        assert_eq!(
            r.json::<Value>().await.unwrap()["error_code"],
            "refresh_token_not_found"
        );
    }
    // Logging out again with the dead session's token is refused.
    assert_eq!(logout(&ctx, at, None).await, StatusCode::FORBIDDEN);
    assert_eq!(ctx.backend.stats().logouts, 2);
}

#[tokio::test]
async fn logout_local_keeps_other_sessions() {
    let ctx = small().await;
    let a = ctx.login(fixtures::USER_REVIEWER_EMAIL).await;
    let b = ctx.login(fixtures::USER_REVIEWER_EMAIL).await;
    assert_eq!(
        logout(&ctx, a["access_token"].as_str().unwrap(), Some("local")).await,
        StatusCode::NO_CONTENT
    );
    let r = ctx
        .get("/auth/v1/user")
        .bearer_auth(b["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        logout(
            &ctx,
            b["access_token"].as_str().unwrap(),
            Some("everything")
        )
        .await,
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn password_attempts_are_rate_limited_per_email() {
    let ctx = start_with(BackendArgs {
        calls: 30,
        password_attempts: 3,
        ..Default::default()
    })
    .await;
    for _ in 0..3 {
        let r = ctx
            .password_grant(fixtures::USER_REVIEWER_EMAIL, "wrong")
            .await;
        assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    }
    let r = ctx
        .password_grant(fixtures::USER_REVIEWER_EMAIL, fixtures::DEMO_PASSWORD)
        .await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=300).contains(&retry), "Retry-After {retry}");
    let v: Value = r.json().await.unwrap();
    assert_eq!(
        v,
        json!({ "code": 429, "error_code": "over_request_rate_limit", "msg": "Request rate limit reached" })
    );
    // Another email is not affected.
    let r = ctx
        .password_grant(fixtures::USER_HARBOR_EMAIL, fixtures::DEMO_PASSWORD)
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(ctx.backend.stats().rate_limited, 1);
}

#[tokio::test]
async fn cors_preflight_on_auth() {
    let ctx = small().await;
    let r = ctx
        .http
        .request(
            reqwest::Method::OPTIONS,
            ctx.url("/auth/v1/token?grant_type=password"),
        )
        .header("Origin", "http://localhost:5173")
        .header("Access-Control-Request-Method", "POST")
        .header("Access-Control-Request-Headers", "apikey,content-type")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        r.headers()["access-control-allow-methods"]
            .to_str()
            .unwrap()
            .contains("POST")
    );
    assert_eq!(
        r.headers()["access-control-allow-headers"],
        "apikey,content-type"
    );
    assert_eq!(
        r.headers()["access-control-allow-origin"],
        "http://localhost:5173"
    );
}
