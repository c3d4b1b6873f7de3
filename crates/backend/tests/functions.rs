//! Endpoint A (get-call-recording) and endpoint B (get-signed-recording-url): every documented
//! status, CORS, and the Ultravox endpoint behind A.

mod common;

use common::{Ctx, claims, fixtures, small};
use reqwest::StatusCode;
use serde_json::{Value, json};

fn options(ctx: &Ctx, name: &str) -> reqwest::RequestBuilder {
    ctx.http
        .request(
            reqwest::Method::OPTIONS,
            ctx.url(&format!("/functions/v1/{name}")),
        )
        .header("Origin", "http://localhost:1420")
        .header("Access-Control-Request-Method", "POST")
        .header(
            "Access-Control-Request-Headers",
            "authorization, apikey, content-type",
        )
}

#[tokio::test]
async fn preflights_answer_with_cors_headers() {
    let ctx = small().await;
    for name in ["get-call-recording", "get-signed-recording-url"] {
        let r = options(&ctx, name).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{name}");
        let h = r.headers();
        assert_eq!(h["access-control-allow-origin"], "*");
        let allowed = h["access-control-allow-headers"].to_str().unwrap();
        for needed in ["authorization", "apikey", "content-type"] {
            assert!(allowed.contains(needed), "{name}: {allowed}");
        }
        assert!(h.contains_key("access-control-allow-methods"));
        assert_eq!(r.text().await.unwrap(), "ok");
    }
    assert_eq!(
        ctx.backend.stats().function_a_requests,
        0,
        "preflights are not calls"
    );
}

#[tokio::test]
async fn endpoint_a_statuses() {
    let ctx = small().await;
    let reviewer = ctx.reviewer().await;

    // 401: the relay refuses a missing or invalid JWT before the function runs.
    let r = ctx
        .get(&format!(
            "/functions/v1/get-call-recording?call_id={}",
            fixtures::WAV_PCM16
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        r.json::<Value>().await.unwrap(),
        json!({ "code": 401, "message": "Missing authorization header" })
    );
    let (s, v) = ctx
        .endpoint_a("garbage.token.here", fixtures::WAV_PCM16)
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert_eq!(v["message"], "Invalid JWT");
    // The anon key passes the relay but is no user: the function's own 401.
    let (s, v) = ctx.endpoint_a(ctx.anon(), fixtures::WAV_PCM16).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert!(v["error"].is_string(), "{v}");

    // 400: no call_id.
    let r = ctx
        .get("/functions/v1/get-call-recording")
        .bearer_auth(&reviewer)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        r.json::<Value>().await.unwrap(),
        json!({ "error": "call_id is required" })
    );

    // 403: a user without an agency.
    let lonely = ctx.token(fixtures::USER_NO_AGENCY_EMAIL).await;
    let (s, v) = ctx.endpoint_a(&lonely, fixtures::WAV_PCM16).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert!(v["error"].is_string());

    // 404: unknown, another agency's, no recording, Ultravox has none, no Ultravox id.
    for id in [
        "00000000-0000-4000-8000-000000000000",
        "not-a-uuid",
        fixtures::OTHER_AGENCY,
        fixtures::NO_RECORDING,
        fixtures::MISSING_RECORDING,
        fixtures::SEGMENTS_ONLY,
    ] {
        let (s, v) = ctx.endpoint_a(&reviewer, id).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{id}: {v}");
        assert!(v["error"].is_string());
    }
    let (_, v) = ctx.endpoint_a(&reviewer, fixtures::MISSING_RECORDING).await;
    assert_eq!(v["error"], "Recording not available");

    // 400: the agency has no Ultravox key.
    let juniper = ctx.token(fixtures::USER_JUNIPER_EMAIL).await;
    let (s, v) = ctx.endpoint_a(&juniper, fixtures::KEYLESS_AGENCY).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(v["error"].as_str().unwrap().contains("Ultravox API key"));

    // 200 via a 302 from Ultravox: the GCS signed URL.
    let (s, v) = ctx.endpoint_a(&reviewer, fixtures::WAV_PCM16).await;
    assert_eq!(s, StatusCode::OK);
    let url = v["recording_url"].as_str().unwrap();
    assert!(
        url.starts_with(&ctx.url("/gcs/ultravox-recordings/")),
        "{url}"
    );
    for p in [
        "X-Goog-Algorithm=GOOG4-HMAC-SHA256",
        "X-Goog-Credential=",
        "X-Goog-Date=",
        "X-Goog-Expires=300",
        "X-Goog-SignedHeaders=host",
        "X-Goog-Signature=",
    ] {
        assert!(url.contains(p), "{p} in {url}");
    }
    // 200 via Ultravox's direct answer: the API URL itself.
    let (s, v) = ctx.endpoint_a(&reviewer, fixtures::ULTRAVOX_DIRECT).await;
    assert_eq!(s, StatusCode::OK);
    let uv = fixtures::ultravox_call_id(fixtures::ULTRAVOX_DIRECT);
    assert_eq!(
        v["recording_url"],
        ctx.url(&format!("/api/calls/{uv}/recording"))
    );

    // A logged-out session no longer passes supabase.auth.getUser().
    let s2 = ctx.login(fixtures::USER_REVIEWER_EMAIL).await;
    let t2 = s2["access_token"].as_str().unwrap();
    let r = ctx
        .post("/auth/v1/logout?scope=local")
        .bearer_auth(t2)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let (s, _) = ctx.endpoint_a(t2, fixtures::WAV_PCM16).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert!(ctx.backend.stats().ultravox_requests >= 4);
}

#[tokio::test]
async fn ultravox_endpoint() {
    let ctx = small().await;
    let uv = fixtures::ultravox_call_id(fixtures::WAV_PCM16);
    let path = format!("/api/calls/{uv}/recording");
    let r = ctx.http.get(ctx.url(&path)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let r = ctx
        .http
        .get(ctx.url(&path))
        .header("X-API-Key", "nope.nope")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        r.json::<Value>().await.unwrap()["detail"],
        "Invalid API key."
    );
    // Harbor's key does not see Northwind's call.
    let r = ctx
        .http
        .get(ctx.url(&path))
        .header("X-API-Key", fixtures::ULTRAVOX_KEY_HARBOR)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = ctx
        .http
        .get(ctx.url(&path))
        .header("X-API-Key", fixtures::ULTRAVOX_KEY_NORTHWIND)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FOUND);
    let loc = r.headers()["location"].to_str().unwrap();
    assert!(
        loc.contains(&format!("/gcs/ultravox-recordings/{uv}/recording.wav?")),
        "{loc}"
    );
    let missing = fixtures::ultravox_call_id(fixtures::MISSING_RECORDING);
    let r = ctx
        .http
        .get(ctx.url(&format!("/api/calls/{missing}/recording")))
        .header("X-API-Key", fixtures::ULTRAVOX_KEY_NORTHWIND)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn endpoint_b_statuses() {
    let ctx = small().await;
    let reviewer = ctx.reviewer().await;
    let path = "/functions/v1/get-signed-recording-url";

    let r = ctx
        .post(path)
        .json(&json!({ "call_id": fixtures::WAV_PCM16 }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        r.json::<Value>().await.unwrap(),
        json!({ "error": { "code": "unauthorized", "message": "Unauthorized" } })
    );
    let (s, v) = ctx.endpoint_b(ctx.anon(), fixtures::WAV_PCM16).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert_eq!(v["error"]["code"], "unauthorized");

    // 400: no call_id (missing, empty).
    for body in [
        json!({}),
        json!({ "call_id": "" }),
        json!({ "call_id": null }),
    ] {
        let r = ctx
            .post(path)
            .bearer_auth(&reviewer)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(
            r.json::<Value>().await.unwrap(),
            json!({ "error": { "code": "missing_param", "message": "call_id is required" } })
        );
    }
    // A body that is not JSON makes `req.json()` throw: the function's 500.
    let r = ctx
        .post(path)
        .bearer_auth(&reviewer)
        .body("call_id=1")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"]["code"], "server_error");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("is not valid JSON"),
        "{v}"
    );

    // 404s.
    for id in [
        "00000000-0000-4000-8000-000000000000",
        "nope",
        fixtures::OTHER_AGENCY,
    ] {
        let (s, v) = ctx.endpoint_b(&reviewer, id).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{id}");
        assert_eq!(
            v,
            json!({ "error": { "code": "not_found", "message": "Call not found" } })
        );
    }
    for id in [
        fixtures::MISSING_RECORDING,
        fixtures::ULTRAVOX_ONLY,
        fixtures::NO_RECORDING,
    ] {
        let (s, v) = ctx.endpoint_b(&reviewer, id).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{id}");
        assert_eq!(v["error"]["code"], "no_recording");
    }
    let lonely = ctx.token(fixtures::USER_NO_AGENCY_EMAIL).await;
    let (s, _) = ctx.endpoint_b(&lonely, fixtures::WAV_PCM16).await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // The keyless agency's call works here: endpoint B needs no Ultravox key.
    let juniper = ctx.token(fixtures::USER_JUNIPER_EMAIL).await;
    let (s, _) = ctx.endpoint_b(&juniper, fixtures::KEYLESS_AGENCY).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(ctx.backend.stats().function_b_requests, 14);
}

#[tokio::test]
async fn endpoint_b_lists_segments() {
    let ctx = small().await;
    let reviewer = ctx.reviewer().await;
    let (s, v) = ctx.endpoint_b(&reviewer, fixtures::MULTI_SEGMENT).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["call_id"], fixtures::MULTI_SEGMENT);
    let recs = v["recordings"].as_array().unwrap();
    let labels: Vec<&str> = recs.iter().map(|r| r["label"].as_str().unwrap()).collect();
    assert_eq!(
        labels,
        ["main", "transfer_conference", "reconnect_to_agent"]
    );
    let sources: Vec<&str> = recs.iter().map(|r| r["source"].as_str().unwrap()).collect();
    assert_eq!(sources, ["signalwire", "livekit", "unknown"]);
    let durations: Vec<i64> = recs
        .iter()
        .map(|r| r["duration_seconds"].as_i64().unwrap())
        .collect();
    assert_eq!(durations, [20, 15, 10]);
    assert_eq!(v["recording_url"], recs[0]["url"]);
    for r in recs {
        assert_eq!(r["status"], "synced");
        assert!(r["created_at"].as_str().unwrap().ends_with('Z'));
        let url = r["url"].as_str().unwrap();
        assert!(
            url.starts_with(&ctx.url("/storage/v1/object/sign/recordings/")),
            "{url}"
        );
        // Supabase's signed URL token: a JWT naming the object, signed with the project secret.
        let token = url.split("token=").nth(1).unwrap();
        assert!(common::verify_hs256(token, ctx.backend.jwt_secret()));
        let c = claims(token);
        let object = url
            .split("/object/sign/")
            .nth(1)
            .unwrap()
            .split('?')
            .next()
            .unwrap();
        assert_eq!(c["url"], object);
        assert_eq!(c["exp"].as_i64().unwrap() - c["iat"].as_i64().unwrap(), 300);
    }

    let (_, v) = ctx
        .endpoint_b(&reviewer, fixtures::MULTI_SEGMENT_PENDING)
        .await;
    let recs = v["recordings"].as_array().unwrap();
    let statuses: Vec<&str> = recs.iter().map(|r| r["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["synced", "pending_sync", "pending_sync"]);
    assert!(
        recs[1]["url"]
            .as_str()
            .unwrap()
            .starts_with(&ctx.url("/provider/signalwire/"))
    );
    assert!(
        recs[2]["url"]
            .as_str()
            .unwrap()
            .starts_with(&ctx.url("/provider/livekit/"))
    );
    assert!(
        recs[1]["url"].as_str().unwrap().contains("Expires=")
            && recs[1]["url"].as_str().unwrap().contains("Signature=")
    );
    assert!(
        recs[2]["url"].as_str().unwrap().contains(".opus?"),
        "{}",
        recs[2]["url"]
    );
}

#[tokio::test]
async fn error_rate_fault_answers_5xx() {
    let ctx = small().await;
    let reviewer = ctx.reviewer().await;
    ctx.backend
        .set_faults(callrec_backend::Faults {
            error_rate: 1.0,
            ..Default::default()
        })
        .unwrap();
    let (s, _) = ctx.endpoint_a(&reviewer, fixtures::WAV_PCM16).await;
    assert!(s.is_server_error(), "{s}");
    let (s, _) = ctx.endpoint_b(&reviewer, fixtures::WAV_PCM16).await;
    assert!(s.is_server_error(), "{s}");
    let r = ctx.rest("?limit=1", &reviewer).send().await.unwrap();
    assert!(r.status().is_server_error());
    // Auth is not subject to it.
    let r = ctx
        .get("/auth/v1/user")
        .bearer_auth(&reviewer)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(ctx.backend.stats().injected_errors, 3);
    ctx.backend.set_faults(Default::default()).unwrap();
    let (s, _) = ctx.endpoint_b(&reviewer, fixtures::WAV_PCM16).await;
    assert_eq!(s, StatusCode::OK);
}

#[tokio::test]
async fn unknown_function() {
    let ctx = small().await;
    let r = ctx.get("/functions/v1/nope").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}
