//! The three signed-URL stores: byte serving (Range, ETag, If-Range, HEAD, 416), expired and
//! tampered signatures in each store's own words, lazy rendering, and the stream faults.

mod common;

use std::time::{Duration, Instant};

use callrec_backend::{BackendArgs, Faults};
use common::{Ctx, fixtures, small, start_with};
use reqwest::StatusCode;
use serde_json::Value;

/// Endpoint B's URL of a call's segment.
async fn segment_url(ctx: &Ctx, token: &str, call: &str, index: usize) -> String {
    let (s, v) = ctx.endpoint_b(token, call).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v["recordings"][index]["url"].as_str().unwrap().to_string()
}

/// Endpoint A's GCS URL of a call.
async fn gcs_url(ctx: &Ctx, token: &str, call: &str) -> String {
    let (s, v) = ctx.endpoint_a(token, call).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v["recording_url"].as_str().unwrap().to_string()
}

async fn fetch(
    ctx: &Ctx,
    url: &str,
    headers: &[(&str, &str)],
) -> (StatusCode, reqwest::header::HeaderMap, Vec<u8>) {
    let mut req = ctx.http.get(url);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let r = req.send().await.unwrap();
    let s = r.status();
    let h = r.headers().clone();
    (s, h, r.bytes().await.unwrap().to_vec())
}

/// Range, validators, conditional requests and HEAD against one URL.
async fn check_byte_serving(ctx: &Ctx, url: &str, content_type: &str, allow_head: bool) {
    let (s, h, full) = fetch(ctx, url, &[]).await;
    assert_eq!(s, StatusCode::OK, "{}", String::from_utf8_lossy(&full));
    assert_eq!(h["accept-ranges"], "bytes");
    assert_eq!(h["content-type"], content_type);
    let len = full.len();
    assert!(len > 1000);
    assert_eq!(h["content-length"].to_str().unwrap(), len.to_string());
    let etag = h["etag"].to_str().unwrap().to_string();
    assert!(
        etag.starts_with('"') && etag.ends_with('"'),
        "strong ETag {etag}"
    );
    let last_modified = h["last-modified"].to_str().unwrap().to_string();
    assert!(last_modified.ends_with("GMT"));

    // The same bytes every time.
    let (_, h2, again) = fetch(ctx, url, &[]).await;
    assert_eq!(again, full);
    assert_eq!(h2["etag"].to_str().unwrap(), etag);

    let (s, h, part) = fetch(ctx, url, &[("Range", "bytes=100-1099")]).await;
    assert_eq!(s, StatusCode::PARTIAL_CONTENT);
    assert_eq!(
        h["content-range"].to_str().unwrap(),
        format!("bytes 100-1099/{len}")
    );
    assert_eq!(h["content-length"], "1000");
    assert_eq!(part, full[100..1100]);

    let (s, h, tail) = fetch(ctx, url, &[("Range", "bytes=-500")]).await;
    assert_eq!(s, StatusCode::PARTIAL_CONTENT);
    assert_eq!(
        h["content-range"].to_str().unwrap(),
        format!("bytes {}-{}/{len}", len - 500, len - 1)
    );
    assert_eq!(tail, full[len - 500..]);

    let (s, _, open) = fetch(ctx, url, &[("Range", &format!("bytes={}-", len - 10))]).await;
    assert_eq!(s, StatusCode::PARTIAL_CONTENT);
    assert_eq!(open, full[len - 10..]);

    let (s, h, _) = fetch(ctx, url, &[("Range", &format!("bytes={len}-"))]).await;
    assert_eq!(s, StatusCode::RANGE_NOT_SATISFIABLE);
    assert_eq!(
        h["content-range"].to_str().unwrap(),
        format!("bytes */{len}")
    );

    // If-Range: a matching validator keeps the range, a stale one gets the whole file.
    let (s, _, _) = fetch(ctx, url, &[("Range", "bytes=0-9"), ("If-Range", &etag)]).await;
    assert_eq!(s, StatusCode::PARTIAL_CONTENT);
    let (s, _, _) = fetch(
        ctx,
        url,
        &[("Range", "bytes=0-9"), ("If-Range", &last_modified)],
    )
    .await;
    assert_eq!(s, StatusCode::PARTIAL_CONTENT);
    let (s, _, body) = fetch(
        ctx,
        url,
        &[("Range", "bytes=0-9"), ("If-Range", "\"stale\"")],
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(body.len(), len);

    let (s, _, body) = fetch(ctx, url, &[("If-None-Match", &etag)]).await;
    assert_eq!(s, StatusCode::NOT_MODIFIED);
    assert!(body.is_empty());

    let r = ctx.http.head(url).send().await.unwrap();
    if allow_head {
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(
            r.headers()["content-length"].to_str().unwrap(),
            len.to_string()
        );
        assert_eq!(r.headers()["etag"].to_str().unwrap(), etag);
        assert!(r.bytes().await.unwrap().is_empty());
    } else {
        // A GCS V4 signature covers the method: a GET URL does not authorise HEAD.
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
    }
}

#[tokio::test]
async fn supabase_storage_serves_bytes() {
    let ctx = small().await;
    let t = ctx.reviewer().await;
    let url = segment_url(&ctx, &t, fixtures::WAV_PCM16, 0).await;
    check_byte_serving(&ctx, &url, "audio/wav", true).await;
    assert_eq!(
        ctx.backend.stats().audio_renders,
        1,
        "rendered once, then cached"
    );
}

#[tokio::test]
async fn gcs_serves_bytes() {
    let ctx = small().await;
    let t = ctx.reviewer().await;
    let url = gcs_url(&ctx, &t, fixtures::MP3_CBR).await;
    check_byte_serving(&ctx, &url, "audio/mpeg", false).await;
}

#[tokio::test]
async fn provider_serves_bytes() {
    let ctx = small().await;
    let t = ctx.reviewer().await;
    let url = segment_url(&ctx, &t, fixtures::PENDING_ONLY, 0).await;
    assert!(url.contains("/provider/signalwire/"));
    check_byte_serving(&ctx, &url, "audio/wav", true).await;
}

#[tokio::test]
async fn ultravox_and_storage_serve_the_same_audio() {
    let ctx = small().await;
    let t = ctx.reviewer().await;
    let a = gcs_url(&ctx, &t, fixtures::WAV_STEREO).await;
    let b = segment_url(&ctx, &t, fixtures::WAV_STEREO, 0).await;
    let (_, ha, ba) = fetch(&ctx, &a, &[]).await;
    let (_, hb, bb) = fetch(&ctx, &b, &[]).await;
    assert_eq!(ba, bb);
    assert_eq!(ha["etag"], hb["etag"]);
    // Direct answers from Ultravox need the key, and carry the audio.
    let uv = fixtures::ultravox_call_id(fixtures::ULTRAVOX_DIRECT);
    let r = ctx
        .http
        .get(ctx.url(&format!("/api/calls/{uv}/recording")))
        .header("X-API-Key", fixtures::ULTRAVOX_KEY_NORTHWIND)
        .header("Range", "bytes=0-3")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(&r.bytes().await.unwrap()[..], b"RIFF");
}

#[tokio::test]
async fn every_segment_has_its_own_audio() {
    let ctx = small().await;
    let t = ctx.reviewer().await;
    let mut etags = Vec::new();
    for i in 0..3 {
        let url = segment_url(&ctx, &t, fixtures::MULTI_SEGMENT, i).await;
        let (s, h, _) = fetch(&ctx, &url, &[("Range", "bytes=0-11")]).await;
        assert_eq!(s, StatusCode::PARTIAL_CONTENT);
        etags.push(h["etag"].to_str().unwrap().to_string());
    }
    etags.dedup();
    assert_eq!(etags.len(), 3);
    // Each format with its content type.
    for (call, ctype, magic) in [
        (fixtures::OGG_OPUS, "audio/ogg", &b"OggS"[..]),
        (fixtures::WAV_MULAW, "audio/wav", &b"RIFF"[..]),
    ] {
        let url = segment_url(&ctx, &t, call, 0).await;
        let (s, h, body) = fetch(&ctx, &url, &[("Range", "bytes=0-3")]).await;
        assert_eq!(s, StatusCode::PARTIAL_CONTENT);
        assert_eq!(h["content-type"], ctype);
        assert_eq!(body, magic);
    }
}

fn tamper(url: &str, param: &str) -> String {
    // Flip one character near the end of the parameter's value (inside a JWT's signature).
    let start = url.find(&format!("{param}=")).unwrap() + param.len() + 1;
    let end = url[start..]
        .find('&')
        .map(|e| start + e)
        .unwrap_or(url.len());
    let mut bytes = url.as_bytes().to_vec();
    let i = end - 5;
    bytes[i] = if bytes[i] == b'a' { b'b' } else { b'a' };
    String::from_utf8(bytes).unwrap()
}

#[tokio::test]
async fn tampered_signatures_are_refused() {
    let ctx = small().await;
    let t = ctx.reviewer().await;

    let url = segment_url(&ctx, &t, fixtures::WAV_PCM16, 0).await;
    let (s, _, body) = fetch(&ctx, &tamper(&url, "token"), &[]).await;
    // Supabase Storage answers client errors with HTTP 400 and the detail in the body.
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let v: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(v["statusCode"], "400");
    assert_eq!(v["error"], "InvalidJWT");
    assert_eq!(v["message"], "signature verification failed");
    // A valid token for another object.
    let other = segment_url(&ctx, &t, fixtures::WAV_MULAW, 0).await;
    let token = other.split("token=").nth(1).unwrap();
    let swapped = format!("{}token={token}", url.split("token=").next().unwrap());
    let (s, _, body) = fetch(&ctx, &swapped, &[]).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(
        serde_json::from_slice::<Value>(&body).unwrap()["error"],
        "InvalidSignature"
    );
    let (s, _, _) = fetch(&ctx, url.split('?').next().unwrap(), &[]).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);

    let url = gcs_url(&ctx, &t, fixtures::WAV_PCM16).await;
    let (s, h, body) = fetch(&ctx, &tamper(&url, "X-Goog-Signature"), &[]).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert!(h["content-type"].to_str().unwrap().contains("xml"));
    assert!(String::from_utf8_lossy(&body).contains("<Code>SignatureDoesNotMatch</Code>"));
    // Stretching the lifetime breaks the signature too.
    let stretched = url.replace("X-Goog-Expires=300", "X-Goog-Expires=3000");
    let (s, _, _) = fetch(&ctx, &stretched, &[]).await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    let url = segment_url(&ctx, &t, fixtures::PENDING_ONLY, 0).await;
    let (s, _, body) = fetch(&ctx, &tamper(&url, "Signature"), &[]).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert!(String::from_utf8_lossy(&body).contains("<Code>SignatureDoesNotMatch</Code>"));
}

#[tokio::test]
async fn expired_urls_are_refused_in_each_stores_words() {
    let ctx = start_with(BackendArgs {
        calls: 30,
        url_lifetime: 3,
        ..Default::default()
    })
    .await;
    let t = ctx.reviewer().await;
    let supabase = segment_url(&ctx, &t, fixtures::WAV_PCM16, 0).await;
    let gcs = gcs_url(&ctx, &t, fixtures::WAV_PCM16).await;
    assert!(gcs.contains("X-Goog-Expires=3&"));
    let provider = segment_url(&ctx, &t, fixtures::PENDING_ONLY, 0).await;
    tokio::time::sleep(Duration::from_millis(4100)).await;

    let (s, _, body) = fetch(&ctx, &supabase, &[]).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let v: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(v["statusCode"], "400");
    assert_eq!(v["error"], "InvalidJWT");
    assert_eq!(v["message"], "\"exp\" claim timestamp check failed");

    let (s, _, body) = fetch(&ctx, &gcs, &[]).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let text = String::from_utf8_lossy(&body);
    assert!(
        text.contains("<Code>ExpiredToken</Code>") && text.contains("Invalid argument."),
        "{text}"
    );

    let (s, _, body) = fetch(&ctx, &provider, &[]).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let text = String::from_utf8_lossy(&body);
    assert!(
        text.contains("<Code>AccessDenied</Code>") && text.contains("Request has expired"),
        "{text}"
    );

    // Resolving again gives working URLs.
    let fresh = segment_url(&ctx, &t, fixtures::WAV_PCM16, 0).await;
    let (s, _, _) = fetch(&ctx, &fresh, &[("Range", "bytes=0-1")]).await;
    assert_eq!(s, StatusCode::PARTIAL_CONTENT);
}

#[tokio::test]
async fn concurrent_first_requests_render_once() {
    let ctx = small().await;
    let t = ctx.reviewer().await;
    let url = segment_url(&ctx, &t, fixtures::MP3_VBR, 0).await;
    let fetches = (0..4).map(|_| fetch(&ctx, &url, &[]));
    let results = futures_util::future::join_all(fetches).await;
    let first = &results[0].2;
    for (s, _, body) in &results {
        assert_eq!(*s, StatusCode::OK);
        assert_eq!(body, first);
    }
    assert_eq!(ctx.backend.stats().audio_renders, 1);
}

#[tokio::test]
async fn drop_after_cuts_the_body() {
    let ctx = start_with(BackendArgs {
        calls: 30,
        drop_after: Some(4096),
        ..Default::default()
    })
    .await;
    let t = ctx.reviewer().await;
    let url = segment_url(&ctx, &t, fixtures::WAV_PCM16, 0).await;
    let r = ctx.http.get(&url).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let advertised: usize = r.headers()["content-length"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(advertised > 4096);
    assert!(r.bytes().await.is_err(), "the connection is cut mid-body");
    let st = ctx.backend.stats();
    assert_eq!(st.dropped_connections, 1);
    assert_eq!(st.storage_bytes_served, 4096);
    // A range inside the first N bytes completes.
    let (s, _, body) = fetch(&ctx, &url, &[("Range", "bytes=0-1023")]).await;
    assert_eq!(s, StatusCode::PARTIAL_CONTENT);
    assert_eq!(body.len(), 1024);
}

#[tokio::test]
async fn bandwidth_and_latency_slow_things_down() {
    let ctx = small().await;
    let t = ctx.reviewer().await;
    let url = segment_url(&ctx, &t, fixtures::WAV_PCM16, 0).await;
    ctx.backend
        .set_faults(Faults {
            bandwidth: Some(40_000),
            ..Default::default()
        })
        .unwrap();
    let started = Instant::now();
    let (s, _, body) = fetch(&ctx, &url, &[("Range", "bytes=0-19999")]).await;
    assert_eq!(s, StatusCode::PARTIAL_CONTENT);
    assert_eq!(body.len(), 20_000);
    assert!(
        started.elapsed() >= Duration::from_millis(450),
        "{:?}",
        started.elapsed()
    );

    ctx.backend
        .set_faults(Faults {
            latency_ms: 300,
            ..Default::default()
        })
        .unwrap();
    let started = Instant::now();
    let r = ctx.get("/auth/v1/health").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(started.elapsed() >= Duration::from_millis(300));
}

#[tokio::test]
async fn storage_error_rate() {
    let ctx = small().await;
    let t = ctx.reviewer().await;
    let supabase = segment_url(&ctx, &t, fixtures::WAV_PCM16, 0).await;
    let gcs = gcs_url(&ctx, &t, fixtures::WAV_PCM16).await;
    ctx.backend
        .set_faults(Faults {
            error_rate: 1.0,
            ..Default::default()
        })
        .unwrap();
    for url in [&supabase, &gcs] {
        let (s, _, _) = fetch(&ctx, url, &[]).await;
        assert!(s.is_server_error(), "{s}");
    }
}

#[tokio::test]
async fn damaged_recordings_are_served_as_they_are() {
    let ctx = small().await;
    let t = ctx.reviewer().await;
    for call in [fixtures::TRUNCATED, fixtures::CORRUPT] {
        let url = segment_url(&ctx, &t, call, 0).await;
        let (s, h, body) = fetch(&ctx, &url, &[]).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(
            h["content-length"].to_str().unwrap(),
            body.len().to_string()
        );
    }
}

#[tokio::test]
async fn missing_objects() {
    let ctx = small().await;
    let t = ctx.reviewer().await;
    let url = segment_url(&ctx, &t, fixtures::WAV_PCM16, 0).await;
    // A validly signed token for an object that does not exist.
    let object = "recordings/nope/nope/00000000-0000-4000-8000-000000000000.wav";
    let token = ctx.mint(
        serde_json::json!({ "url": object, "iat": common::now(), "exp": common::now() + 60 }),
    );
    let base = url.split("/storage/").next().unwrap();
    let (s, _, body) = fetch(
        &ctx,
        &format!("{base}/storage/v1/object/sign/{object}?token={token}"),
        &[],
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let v: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(v["statusCode"], "404");
    assert_eq!(v["error"], "not_found");
}
