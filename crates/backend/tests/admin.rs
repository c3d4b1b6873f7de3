//! The admin API, the public Rust API (args, banner, lifecycle), and unknown routes.

mod common;

use callrec_backend::{BackendArgs, Faults, Stats, start};
use clap::Parser;
use common::{fixtures, small, start_with};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

#[tokio::test]
async fn admin_needs_the_service_key_twice() {
    let ctx = small().await;
    let service = ctx.backend.service_role_key();
    let anon = ctx.anon();
    for (apikey, bearer) in [
        (None, None),
        (Some(anon), Some(anon)),
        (Some(service), None),
        (None, Some(service)),
        (Some(anon), Some(service)),
    ] {
        let mut req = ctx.http.get(ctx.url("/admin/v1/stats"));
        if let Some(k) = apikey {
            req = req.header("apikey", k);
        }
        if let Some(b) = bearer {
            req = req.bearer_auth(b);
        }
        assert_eq!(
            req.send().await.unwrap().status(),
            StatusCode::UNAUTHORIZED,
            "{apikey:?} {bearer:?}"
        );
    }
    let r = ctx
        .admin(Method::GET, "/admin/v1/stats")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let stats: Stats = r.json().await.unwrap();
    assert_eq!(stats, ctx.backend.stats());
}

#[tokio::test]
async fn faults_over_the_admin_api() {
    let ctx = small().await;
    let v: Value = ctx
        .admin(Method::GET, "/admin/v1/faults")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        v,
        json!({ "latency_ms": 0, "bandwidth": null, "drop_after": null, "error_rate": 0.0, "missing": [] })
    );
    let r = ctx
        .admin(Method::PUT, "/admin/v1/faults")
        .json(&json!({ "error_rate": 1.0, "latency_ms": 5 }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        ctx.backend.faults(),
        Faults {
            error_rate: 1.0,
            latency_ms: 5,
            ..Default::default()
        }
    );
    let t = ctx.reviewer().await;
    let r = ctx.rest("?limit=1", &t).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(r.json::<Value>().await.unwrap()["code"], "PGRST001");
    // The admin API itself is never faulted.
    let r = ctx
        .admin(Method::PUT, "/admin/v1/faults")
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let r = ctx.rest("?limit=1", &t).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);

    for bad in [
        json!({ "error_rate": 2.0 }),
        json!({ "bandwidth": 0 }),
        json!({ "nonsense": 1 }),
    ] {
        let r = ctx
            .admin(Method::PUT, "/admin/v1/faults")
            .json(&bad)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{bad}");
    }
    assert!(
        ctx.backend
            .set_faults(Faults {
                error_rate: -1.0,
                ..Default::default()
            })
            .is_err()
    );
}

#[tokio::test]
async fn inserting_calls() {
    let ctx = small().await;
    let id = "5f0c1d2e-3a4b-4c5d-8e6f-7a8b9c0d1e2f";
    let r = ctx
        .admin(Method::POST, "/admin/v1/calls")
        .json(&json!({ "id": id, "agency_id": fixtures::AGENCY_HARBOR, "status": "voicemail", "duration_seconds": 12 }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let row: Value = r.json().await.unwrap();
    assert_eq!(row["id"], id);
    assert_eq!(row["status"], "voicemail");
    assert_eq!(row["has_recording"], true);
    // It is a real call: Harbor's reviewer can play it.
    let harbor = ctx.token(fixtures::USER_HARBOR_EMAIL).await;
    let (s, v) = ctx.endpoint_b(&harbor, id).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["recordings"][0]["duration_seconds"], 12);
    let (s, _) = ctx.endpoint_a(&harbor, id).await;
    assert_eq!(s, StatusCode::OK);

    let r = ctx
        .admin(Method::POST, "/admin/v1/calls")
        .json(&json!({ "id": id }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let r = ctx
        .admin(Method::POST, "/admin/v1/calls")
        .json(&json!({ "agency_id": "nope" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let r = ctx
        .admin(Method::POST, "/admin/v1/calls")
        .json(&json!({ "duration_seconds": 1_000_000_000_000i64 }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let r = ctx
        .admin(Method::POST, "/admin/v1/calls")
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::CREATED,
        "an empty body takes every default"
    );
    let r = ctx
        .admin(Method::POST, "/admin/v1/calls")
        .json(&json!({ "has_recording": false }))
        .send()
        .await
        .unwrap();
    let row: Value = r.json().await.unwrap();
    let t = ctx.reviewer().await;
    let (s, _) = ctx.endpoint_b(&t, row["id"].as_str().unwrap()).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn inserting_a_call_in_another_format_serves_that_format() {
    let ctx = small().await;
    let r = ctx
        .admin(Method::POST, "/admin/v1/calls")
        .json(&json!({ "format": "wav_stereo", "duration_seconds": 2 }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let row: Value = r.json().await.unwrap();
    let t = ctx.reviewer().await;
    let (s, v) = ctx.endpoint_b(&t, row["id"].as_str().unwrap()).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let url = v["recordings"][0]["url"].as_str().unwrap();
    let bytes = ctx
        .http
        .get(url)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(&bytes[..4], b"RIFF");
    // fmt chunk: channels at byte 22 (stereo), 16 kHz at 24; 2 s of 16-bit stereo after the header.
    assert_eq!(u16::from_le_bytes([bytes[22], bytes[23]]), 2);
    assert_eq!(
        u32::from_le_bytes([bytes[24], bytes[25], bytes[26], bytes[27]]),
        16_000
    );
    assert_eq!(bytes.len(), 44 + 2 * 16_000 * 2 * 2);

    // Unknown formats and durations past the renderer's limit (5 h) are refused.
    for bad in [
        json!({ "format": "flac" }),
        json!({ "duration_seconds": 5 * 3600 + 1 }),
    ] {
        let r = ctx
            .admin(Method::POST, "/admin/v1/calls")
            .json(&bad)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{bad}");
    }
}

#[tokio::test]
async fn public_api_and_banner() {
    let ctx = small().await;
    let b = &ctx.backend;
    assert!(b.base_url().starts_with("http://127.0.0.1:"));
    assert!(!b.base_url().ends_with('/'));
    assert_eq!(b.functions_url(), format!("{}/functions/v1", b.base_url()));
    assert_eq!(b.demo_user().email, fixtures::USER_REVIEWER_EMAIL);
    assert_eq!(b.demo_users().len(), 6);
    assert!(b.demo_users().iter().any(|u| u.agency.is_none()));
    assert!(b.demo_users().iter().any(|u| !u.email_confirmed));
    let banner = b.banner();
    for needle in [
        b.base_url(),
        b.anon_key(),
        &b.functions_url(),
        fixtures::DEMO_PASSWORD,
    ] {
        assert!(banner.contains(needle), "banner lacks {needle}:\n{banner}");
    }
    for u in b.demo_users() {
        assert!(
            banner.contains(&u.email) && banner.contains(&u.purpose),
            "{}",
            u.email
        );
    }
    // Same seed, same keys (a demo config can keep them).
    let other = start(BackendArgs {
        calls: 30,
        ..Default::default()
    })
    .await
    .unwrap();
    assert_eq!(other.anon_key(), b.anon_key());
    let third = start(BackendArgs {
        calls: 30,
        seed: 7,
        ..Default::default()
    })
    .await
    .unwrap();
    assert_ne!(third.anon_key(), b.anon_key());
    other.shutdown().await;
    third.shutdown().await;
}

#[derive(Parser)]
struct Cli {
    #[command(flatten)]
    backend: BackendArgs,
}

#[test]
fn args_parse_with_the_documented_defaults() {
    let cli = Cli::try_parse_from(["x"]).unwrap();
    let d = BackendArgs::default();
    let a = cli.backend;
    assert_eq!(
        (a.port, a.calls, a.token_lifetime, a.url_lifetime, a.seed),
        (d.port, d.calls, d.token_lifetime, d.url_lifetime, d.seed)
    );
    assert_eq!(
        (a.port, a.calls, a.token_lifetime, a.url_lifetime),
        (0, 300, 3600, 300)
    );
    let a = Cli::try_parse_from([
        "x",
        "--calls",
        "200000",
        "--drop-after",
        "1000",
        "--error-rate",
        "0.5",
        "--bandwidth",
        "64000",
    ])
    .unwrap()
    .backend;
    assert_eq!(
        (a.calls, a.drop_after, a.bandwidth),
        (200_000, Some(1000), Some(64_000))
    );
    assert!(Cli::try_parse_from(["x", "--calls", "200001"]).is_err());
    assert!(Cli::try_parse_from(["x", "--token-lifetime", "0"]).is_err());
}

#[tokio::test]
async fn data_dir_is_reused_and_temp_dirs_are_removed() {
    let dir = tempfile::tempdir().unwrap();
    let args = BackendArgs {
        calls: 40,
        data_dir: Some(dir.path().to_path_buf()),
        ..Default::default()
    };
    let ctx = start_with(args.clone()).await;
    let session = ctx.login(fixtures::USER_REVIEWER_EMAIL).await;
    let rt = session["refresh_token"].as_str().unwrap().to_string();
    ctx.backend.shutdown().await;

    // Same seed and size: the data (and the session) survive a restart.
    let ctx = start_with(args).await;
    let r = ctx.refresh(&rt).await;
    assert_eq!(r.status(), StatusCode::OK);
    ctx.backend.shutdown().await;
    assert!(dir.path().join("callrec-backend.sqlite3").exists());

    let ctx = small().await;
    let tmp = ctx.backend.data_dir().to_path_buf();
    assert!(tmp.exists());
    ctx.backend.shutdown().await;
    assert!(!tmp.exists(), "the default data dir is removed on shutdown");
}

#[tokio::test]
async fn unknown_routes_get_the_gateways_404() {
    let ctx = small().await;
    let r = ctx.get("/nothing/here").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        r.json::<Value>().await.unwrap(),
        json!({ "message": "no Route matched with those values" })
    );
}

#[tokio::test]
async fn seeding_200k_calls_is_quick_enough() {
    // Not a timing assertion (see the benchmark): just that the largest seed works.
    let ctx = start_with(BackendArgs {
        calls: 200_000,
        ..Default::default()
    })
    .await;
    let t = ctx.reviewer().await;
    let r = ctx
        .rest("?select=id&limit=1", &t)
        .header("Prefer", "count=exact")
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["content-range"], "0-0/200000");
    eprintln!("seeded 200,000 calls in {:?}", ctx.backend.seeded_in());
}
