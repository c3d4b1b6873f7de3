//! Seeds 200,000 calls and measures, over loopback, the app's heaviest list query: a filtered,
//! searched, counted, ordered page. Not a test: it prints figures.
//!
//! `cargo bench -p callrec-backend --bench seed_and_query`

use std::time::{Duration, Instant};

use callrec_backend::{BackendArgs, fixtures, start};
use serde_json::{Value, json};

const CALLS: u32 = 200_000;
const WARMUP: usize = 10;
const RUNS: usize = 200;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn iso(secs_ago: u64) -> String {
    let t = std::time::SystemTime::now() - Duration::from_secs(secs_ago);
    httpdate_to_iso(t)
}

/// RFC 3339 in UTC without pulling a date crate into the bench.
fn httpdate_to_iso(t: std::time::SystemTime) -> String {
    let secs = t
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0) as i64;
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Civil-from-days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let started = Instant::now();
        let backend = start(BackendArgs { calls: CALLS, ..Default::default() }).await.expect("backend");
        let startup = started.elapsed();
        println!("seeded {CALLS} calls: {:.2} s (seeding {:.2} s)", startup.as_secs_f64(), backend.seeded_in().as_secs_f64());

        let http = reqwest::Client::new();
        let login: Value = http
            .post(format!("{}/auth/v1/token?grant_type=password", backend.base_url()))
            .header("apikey", backend.anon_key())
            .json(&json!({ "email": fixtures::USER_REVIEWER_EMAIL, "password": fixtures::DEMO_PASSWORD }))
            .send()
            .await
            .expect("login")
            .json()
            .await
            .expect("login json");
        let token = login["access_token"].as_str().expect("token").to_string();

        let from = iso(30 * 86_400);
        let to = iso(0);
        let terms = ["ava", "lee", "555", "shah", "0142", "ross"];
        let mut lat = Vec::with_capacity(RUNS);
        let mut last_range = String::new();
        for i in 0..WARMUP + RUNS {
            let term = terms[i % terms.len()];
            let page = (i / terms.len()) % 3;
            let url = format!(
                "{}/rest/v1/calls?select=*&has_recording=eq.true&created_at=gte.{from}&created_at=lt.{to}\
                 &or=(agent_name.ilike.*{term}*,from_number.ilike.*{term}*,to_number.ilike.*{term}*)\
                 &order=created_at.desc,id.desc&limit=50&offset={}",
                backend.base_url(),
                page * 50
            );
            let t0 = Instant::now();
            let r = http
                .get(&url)
                .header("apikey", backend.anon_key())
                .bearer_auth(&token)
                .header("Prefer", "count=exact")
                .send()
                .await
                .expect("query");
            let status = r.status();
            let range = r.headers().get("content-range").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
            let body = r.bytes().await.expect("body");
            let elapsed = t0.elapsed();
            assert!(status.is_success(), "{status}: {}", String::from_utf8_lossy(&body));
            if i >= WARMUP {
                lat.push(elapsed);
                last_range = range;
            }
        }
        lat.sort();
        println!(
            "filtered+counted page (has_recording, 30-day created_at range, ilike on 3 columns, order created_at.desc,id.desc, limit 50, count=exact), {RUNS} runs over loopback:"
        );
        println!(
            "  p50 {:.1} ms   p95 {:.1} ms   min {:.1} ms   max {:.1} ms   (last Content-Range {last_range})",
            percentile(&lat, 0.5).as_secs_f64() * 1e3,
            percentile(&lat, 0.95).as_secs_f64() * 1e3,
            lat[0].as_secs_f64() * 1e3,
            lat[lat.len() - 1].as_secs_f64() * 1e3,
        );

        // The plain first page (no search), the app's default view.
        let mut plain = Vec::with_capacity(RUNS);
        for i in 0..WARMUP + RUNS {
            let url = format!(
                "{}/rest/v1/calls?select=*&order=created_at.desc,id.desc&limit=50",
                backend.base_url()
            );
            let t0 = Instant::now();
            let r = http.get(&url).header("apikey", backend.anon_key()).bearer_auth(&token).header("Prefer", "count=exact").send().await.expect("query");
            let _ = r.bytes().await.expect("body");
            if i >= WARMUP {
                plain.push(t0.elapsed());
            }
        }
        plain.sort();
        println!(
            "first page, no filter, count=exact: p50 {:.1} ms   p95 {:.1} ms",
            percentile(&plain, 0.5).as_secs_f64() * 1e3,
            percentile(&plain, 0.95).as_secs_f64() * 1e3
        );
        backend.shutdown().await;
    });
}
