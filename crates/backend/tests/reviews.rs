//! PostgREST contract of Callrec's review tables (docs/reviews.md): reads, inserts, upserts
//! (`merge-duplicates`, `ignore-duplicates`, `on_conflict`), patches and refused deletes; the
//! migration's defaults, constraints, triggers (last writer wins by `edited_at`, append-only
//! notes) and row-level security across reviewers and agencies; PostgREST's errors; and
//! `--no-reviews`.

mod common;

use callrec_backend::{BackendArgs, MAX_BODY_ROWS};
use common::{Ctx, fixtures, small, start_with};
use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

const NOTES: &str = "/rest/v1/callrec_notes";
const REVIEWS: &str = "/rest/v1/callrec_reviews";
const SCORECARDS: &str = "/rest/v1/callrec_scorecards";

struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: Value,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    fn rows(&self) -> &Vec<Value> {
        self.body
            .as_array()
            .unwrap_or_else(|| panic!("not rows: {}", self.body))
    }
}

async fn call(
    ctx: &Ctx,
    method: Method,
    path: &str,
    bearer: &str,
    prefer: &[&str],
    body: Option<Value>,
) -> Answer {
    let mut req = ctx.req(method, path).bearer_auth(bearer);
    for p in prefer {
        req = req.header("Prefer", *p);
    }
    if let Some(b) = body {
        req = req.json(&b);
    }
    let r = req.send().await.expect("request");
    let status = r.status();
    let headers = r.headers().clone();
    let text = r.text().await.unwrap_or_default();
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or(Value::String(text))
    };
    Answer {
        status,
        headers,
        body,
    }
}

async fn get(ctx: &Ctx, path: &str, bearer: &str) -> Answer {
    call(ctx, Method::GET, path, bearer, &[], None).await
}

async fn post(ctx: &Ctx, path: &str, bearer: &str, prefer: &[&str], body: Value) -> Answer {
    call(ctx, Method::POST, path, bearer, prefer, Some(body)).await
}

async fn patch(ctx: &Ctx, path: &str, bearer: &str, prefer: &[&str], body: Value) -> Answer {
    call(ctx, Method::PATCH, path, bearer, prefer, Some(body)).await
}

const REPR: &str = "return=representation";
const MERGE: &str = "resolution=merge-duplicates";

fn review_key() -> &'static str {
    "on_conflict=agency_id,call_id,reviewer_id"
}

fn review(call_id: &str, status: &str, edited_at: &str) -> Value {
    json!({
        "agency_id": fixtures::AGENCY_NORTHWIND,
        "call_id": call_id,
        "status": status,
        "checks": { "greeting": { "result": "pass" } },
        "score": 87.5,
        "edited_at": edited_at,
    })
}

fn note(id: &str, call_id: &str, body: &str) -> Value {
    json!({
        "id": id,
        "agency_id": fixtures::AGENCY_NORTHWIND,
        "call_id": call_id,
        "kind": "note",
        "at_ms": 1500,
        "end_ms": 4000,
        "body": body,
        "created_at": "2026-12-07T09:00:00.5+00:00",
    })
}

fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

fn assert_error(a: &Answer, status: StatusCode, code: &str, message: &str) {
    assert_eq!(a.status, status, "{}", a.body);
    assert_eq!(a.body["code"], code, "{}", a.body);
    assert_eq!(a.body["message"], message, "{}", a.body);
    for k in ["code", "details", "hint", "message"] {
        assert!(a.body.get(k).is_some(), "{k} missing from {}", a.body);
    }
}

#[tokio::test]
async fn scorecards_are_seeded_per_agency_and_read_only() {
    let ctx = small().await;
    let reviewer = ctx.reviewer().await;
    let a = get(&ctx, &format!("{SCORECARDS}?select=*"), &reviewer).await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(a.rows().len(), 1, "RLS: the reviewer's agency only");
    let card = &a.rows()[0];
    assert_eq!(card["agency_id"], fixtures::AGENCY_NORTHWIND);
    let checks = card["checks"].as_array().unwrap();
    assert!((4..=5).contains(&checks.len()));
    let ids: Vec<&str> = checks.iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert_eq!(
        ids,
        fixtures::SCORECARD_NORTHWIND
            .iter()
            .map(|c| c.id)
            .collect::<Vec<_>>()
    );
    assert!(checks.iter().all(|c| c["weight"].as_u64().unwrap() >= 1));

    let harbor = ctx.token(fixtures::USER_HARBOR_EMAIL).await;
    let a = get(&ctx, SCORECARDS, &harbor).await;
    assert_eq!(a.rows().len(), 1);
    assert_eq!(a.rows()[0]["agency_id"], fixtures::AGENCY_HARBOR);
    let service = ctx.backend.service_role_key().to_string();
    assert_eq!(get(&ctx, SCORECARDS, &service).await.rows().len(), 3);

    // Reviewers only read them.
    let refused = "permission denied for table callrec_scorecards".to_string();
    let body = json!({ "agency_id": fixtures::AGENCY_NORTHWIND, "checks": [] });
    let a = post(&ctx, SCORECARDS, &reviewer, &[MERGE], body.clone()).await;
    assert_error(&a, StatusCode::FORBIDDEN, "42501", &refused);
    let a = patch(&ctx, SCORECARDS, &reviewer, &[], json!({ "checks": [] })).await;
    assert_error(&a, StatusCode::FORBIDDEN, "42501", &refused);

    // The service role (the agency's admin) writes them; the trigger stamps updated_at.
    let before = card["updated_at"].as_str().unwrap().to_string();
    let a = patch(
        &ctx,
        &format!("{SCORECARDS}?agency_id=eq.{}", fixtures::AGENCY_NORTHWIND),
        &service,
        &[REPR],
        json!({ "checks": [{ "id": "greeting", "label": "Greeted", "weight": 1 }] }),
    )
    .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    assert_eq!(a.rows()[0]["checks"][0]["label"], "Greeted");
    assert!(a.rows()[0]["updated_at"].as_str().unwrap() > before.as_str());
    // `checks` must stay an array.
    let a = patch(&ctx, SCORECARDS, &service, &[], json!({ "checks": {} })).await;
    assert_error(
        &a,
        StatusCode::BAD_REQUEST,
        "23514",
        "new row for relation \"callrec_scorecards\" violates check constraint \"callrec_scorecards_checks_array\"",
    );

    // anon has no grant at all: 401, even for reads.
    let a = get(&ctx, SCORECARDS, ctx.anon()).await;
    assert_error(&a, StatusCode::UNAUTHORIZED, "42501", &refused);
    assert_eq!(a.header("www-authenticate"), Some("Bearer"));
}

#[tokio::test]
async fn reviews_insert_with_defaults_and_upsert_on_their_natural_key() {
    let ctx = small().await;
    let t = ctx.reviewer().await;
    let call_id = fixtures::WAV_PCM16;

    // return=minimal is the default: 201, no body.
    let a = post(
        &ctx,
        REVIEWS,
        &t,
        &[],
        review(call_id, "in_review", "2026-12-07T10:00:00+00:00"),
    )
    .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
    assert_eq!(a.body, Value::Null);
    assert_eq!(a.header("content-range"), Some("*/*"));
    assert!(a.header("content-type").is_none());

    let raw = ctx
        .get(&format!("{REVIEWS}?call_id=eq.{call_id}"))
        .bearer_auth(&t)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    // Keys in table order.
    let at = |k: &str| {
        raw.find(&format!("\"{k}\":"))
            .unwrap_or_else(|| panic!("{k}: {raw}"))
    };
    let order = [
        "id",
        "agency_id",
        "call_id",
        "reviewer_id",
        "status",
        "checks",
        "score",
        "edited_at",
        "updated_at",
    ];
    assert!(order.windows(2).all(|w| at(w[0]) < at(w[1])), "{raw}");
    let row = serde_json::from_str::<Value>(&raw).unwrap()[0].clone();
    assert!(uuid::Uuid::parse_str(row["id"].as_str().unwrap()).is_ok());
    assert_eq!(
        row["reviewer_id"],
        fixtures::USER_REVIEWER,
        "default auth.uid()"
    );
    assert_eq!(row["score"], json!(87.5));
    assert_eq!(row["edited_at"], "2026-12-07T10:00:00+00:00");
    let updated = row["updated_at"].as_str().unwrap().to_string();
    assert!(updated.ends_with("+00:00") && updated.as_str() > "2026-01-01");

    // numeric(5,2) prints its scale.
    let raw = ctx
        .get(&format!("{REVIEWS}?select=score&call_id=eq.{call_id}"))
        .bearer_auth(&t)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(raw, r#"[{"score":87.50}]"#);

    // A plain insert of the same natural key is a conflict; RLS hides the key from the details.
    let a = post(
        &ctx,
        REVIEWS,
        &t,
        &[],
        review(call_id, "reviewed", "2026-12-07T11:00:00+00:00"),
    )
    .await;
    assert_error(
        &a,
        StatusCode::CONFLICT,
        "23505",
        "duplicate key value violates unique constraint \"callrec_reviews_key\"",
    );
    assert_eq!(a.body["details"], Value::Null);

    // The upsert meets the same row: 200 (nothing inserted), the same id, the new values.
    let a = post(
        &ctx,
        &format!("{REVIEWS}?{}", review_key()),
        &t,
        &[MERGE, REPR],
        review(call_id, "reviewed", "2026-12-07T11:00:00+00:00"),
    )
    .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    assert_eq!(
        a.header("preference-applied"),
        Some("resolution=merge-duplicates, return=representation")
    );
    assert_eq!(a.rows().len(), 1);
    assert_eq!(a.rows()[0]["id"], row["id"]);
    assert_eq!(a.rows()[0]["status"], "reviewed");
    assert!(a.rows()[0]["updated_at"].as_str().unwrap() > updated.as_str());

    // An upsert that inserts is 201; select= shapes the representation.
    let a = post(
        &ctx,
        &format!("{REVIEWS}?{}&select=call_id,status", review_key()),
        &t,
        &[MERGE, REPR],
        review(fixtures::MP3_CBR, "flagged", "2026-12-07T11:00:00+00:00"),
    )
    .await;
    assert_eq!(a.status, StatusCode::CREATED);
    assert_eq!(
        a.body,
        json!([{ "call_id": fixtures::MP3_CBR, "status": "flagged" }])
    );

    // ignore-duplicates skips the existing row: nothing returned, nothing changed.
    let a = post(
        &ctx,
        &format!("{REVIEWS}?{}", review_key()),
        &t,
        &["resolution=ignore-duplicates", REPR],
        review(call_id, "unreviewed", "2026-12-08T00:00:00+00:00"),
    )
    .await;
    assert_eq!(a.status, StatusCode::CREATED);
    assert_eq!(a.body, json!([]));
    let a = get(
        &ctx,
        &format!("{REVIEWS}?select=status&call_id=eq.{call_id}"),
        &t,
    )
    .await;
    assert_eq!(a.body, json!([{ "status": "reviewed" }]));

    // The service role (no RLS) is told which key.
    let service = ctx.backend.service_role_key().to_string();
    let mut dup = review(call_id, "reviewed", "2026-12-07T11:00:00+00:00");
    dup["reviewer_id"] = json!(fixtures::USER_REVIEWER);
    let a = post(&ctx, REVIEWS, &service, &[], dup).await;
    assert_eq!(a.status, StatusCode::CONFLICT);
    assert_eq!(
        a.body["details"],
        format!(
            "Key (agency_id, call_id, reviewer_id)=({}, {call_id}, {}) already exists.",
            fixtures::AGENCY_NORTHWIND,
            fixtures::USER_REVIEWER
        )
    );

    // on_conflict must name a unique key.
    let a = post(
        &ctx,
        &format!("{REVIEWS}?on_conflict=call_id"),
        &t,
        &[MERGE],
        review(call_id, "reviewed", "2026-12-07T11:00:00+00:00"),
    )
    .await;
    assert_error(
        &a,
        StatusCode::BAD_REQUEST,
        "42P10",
        "there is no unique or exclusion constraint matching the ON CONFLICT specification",
    );
}

#[tokio::test]
async fn a_review_is_last_writer_wins_by_edited_at() {
    let ctx = small().await;
    let t = ctx.reviewer().await;
    let call_id = fixtures::MULTI_SEGMENT;
    let upsert = |status: &str, edited: &str| review(call_id, status, edited);
    let path = format!("{REVIEWS}?{}", review_key());
    let a = post(
        &ctx,
        &path,
        &t,
        &[MERGE, REPR],
        upsert("reviewed", "2026-12-07T10:00:00.5Z"),
    )
    .await;
    assert_eq!(a.status, StatusCode::CREATED);
    let stored = a.rows()[0].clone();

    // Yesterday's offline change reaches the server later: ignored, the stored row returned.
    let a = post(
        &ctx,
        &path,
        &t,
        &[MERGE, REPR],
        upsert("flagged", "2026-12-06T18:00:00Z"),
    )
    .await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(a.rows()[0], stored, "unchanged, updated_at included");

    // The same through PATCH.
    let by_call = format!("{REVIEWS}?call_id=eq.{call_id}");
    let a = patch(
        &ctx,
        &by_call,
        &t,
        &[REPR],
        json!({ "status": "flagged", "edited_at": "2026-12-07T10:00:00.499999Z" }),
    )
    .await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(a.body, json!([stored]));

    // The same instant is not older; a later one wins and moves updated_at.
    let a = patch(
        &ctx,
        &by_call,
        &t,
        &[REPR],
        json!({ "status": "in_review", "edited_at": "2026-12-07T12:00:00.5+02:00" }),
    )
    .await;
    assert_eq!(a.rows()[0]["status"], "in_review");
    let a = patch(
        &ctx,
        &by_call,
        &t,
        &[REPR],
        json!({ "status": "flagged", "edited_at": "2026-12-07T11:00:00Z" }),
    )
    .await;
    let row = &a.rows()[0];
    assert_eq!(row["status"], "flagged");
    assert_eq!(row["edited_at"], "2026-12-07T11:00:00+00:00");
    assert!(row["updated_at"].as_str() > stored["updated_at"].as_str());

    // The natural key never moves.
    let a = patch(&ctx, &by_call, &t, &[], json!({ "call_id": "another" })).await;
    assert_error(
        &a,
        StatusCode::BAD_REQUEST,
        "23514",
        "callrec_reviews: agency_id, call_id and reviewer_id cannot change",
    );
    // A PATCH matching nothing: 204, or 200 [] with representation.
    let none = format!("{REVIEWS}?call_id=eq.nothing-here");
    let a = patch(&ctx, &none, &t, &[], json!({ "status": "reviewed" })).await;
    assert_eq!(a.status, StatusCode::NO_CONTENT);
    let a = patch(&ctx, &none, &t, &[REPR], json!({ "status": "reviewed" })).await;
    assert_eq!((a.status, a.body.clone()), (StatusCode::OK, json!([])));
}

#[tokio::test]
async fn notes_are_append_only_and_deleted_by_tombstone() {
    let ctx = small().await;
    let t = ctx.reviewer().await;
    let id = new_id();
    let path = format!("{NOTES}?on_conflict=id");
    let a = post(
        &ctx,
        &path,
        &t,
        &[MERGE, REPR],
        note(&id, fixtures::WAV_PCM16, "Missed the greeting"),
    )
    .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
    let stored = a.rows()[0].clone();
    assert_eq!(
        stored["created_at"], "2026-12-07T09:00:00.5+00:00",
        "kept as sent"
    );
    assert_eq!(stored["deleted_at"], Value::Null);
    assert_eq!(stored["reviewer_id"], fixtures::USER_REVIEWER);

    // A re-push of the same note is accepted and changes nothing but updated_at.
    let a = post(
        &ctx,
        &path,
        &t,
        &[MERGE, REPR],
        note(&id, fixtures::WAV_PCM16, "Missed the greeting"),
    )
    .await;
    assert_eq!(a.status, StatusCode::OK);
    let again = &a.rows()[0];
    assert_eq!(again["body"], stored["body"]);
    assert!(again["updated_at"].as_str() > stored["updated_at"].as_str());

    // Its text, times and kind never change.
    let edit_refused = "callrec_notes: a note cannot be edited, only deleted (deleted_at set)";
    let a = post(
        &ctx,
        &path,
        &t,
        &[MERGE],
        note(&id, fixtures::WAV_PCM16, "Edited"),
    )
    .await;
    assert_error(&a, StatusCode::BAD_REQUEST, "23514", edit_refused);
    let one = format!("{NOTES}?id=eq.{id}");
    for change in [
        json!({ "at_ms": 0 }),
        json!({ "kind": "bookmark" }),
        json!({ "end_ms": null }),
    ] {
        let a = patch(&ctx, &one, &t, &[], change.clone()).await;
        assert_error(&a, StatusCode::BAD_REQUEST, "23514", edit_refused);
    }
    let a = get(&ctx, &one, &t).await;
    assert_eq!(a.rows()[0]["body"], "Missed the greeting");

    // A delete is a tombstone; a second one keeps the first time; none is undone.
    let a = patch(
        &ctx,
        &one,
        &t,
        &[REPR],
        json!({ "deleted_at": "2026-12-07T12:00:00Z" }),
    )
    .await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(a.rows()[0]["deleted_at"], "2026-12-07T12:00:00+00:00");
    let a = patch(
        &ctx,
        &one,
        &t,
        &[REPR],
        json!({ "deleted_at": "2026-12-08T12:00:00Z" }),
    )
    .await;
    assert_eq!(a.rows()[0]["deleted_at"], "2026-12-07T12:00:00+00:00");
    let a = patch(&ctx, &one, &t, &[], json!({ "deleted_at": null })).await;
    assert_error(
        &a,
        StatusCode::BAD_REQUEST,
        "23514",
        "callrec_notes: a deleted note cannot be restored (deleted_at cannot be cleared)",
    );

    // There is no DELETE: 403 signed in, 401 for anon.
    let a = call(&ctx, Method::DELETE, &one, &t, &[], None).await;
    assert_error(
        &a,
        StatusCode::FORBIDDEN,
        "42501",
        "permission denied for table callrec_notes",
    );
    let a = call(&ctx, Method::DELETE, &one, ctx.anon(), &[], None).await;
    assert_error(
        &a,
        StatusCode::UNAUTHORIZED,
        "42501",
        "permission denied for table callrec_notes",
    );
    // anon writes nothing either.
    let a = post(&ctx, NOTES, ctx.anon(), &[], note(&new_id(), "c", "x")).await;
    assert_eq!(
        (a.status, a.body["code"].clone()),
        (StatusCode::UNAUTHORIZED, json!("42501"))
    );
    assert_eq!(get(&ctx, &one, &t).await.rows().len(), 1, "still there");

    // The service role may delete (it has every grant).
    let service = ctx.backend.service_role_key().to_string();
    let a = call(&ctx, Method::DELETE, &one, &service, &[REPR], None).await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(a.rows()[0]["id"], json!(id));
    assert!(get(&ctx, &one, &t).await.rows().is_empty());
}

#[tokio::test]
async fn constraints_and_types_fail_as_postgres_does() {
    let ctx = small().await;
    let t = ctx.reviewer().await;
    let bad = |change: Value| {
        let mut n = note(&new_id(), "call-1", "body");
        for (k, v) in change.as_object().unwrap() {
            n[k] = v.clone();
        }
        n
    };
    let check = |name: &str| {
        format!("new row for relation \"callrec_notes\" violates check constraint \"{name}\"")
    };
    for (change, constraint) in [
        (json!({ "at_ms": -1 }), "callrec_notes_at_ms"),
        (json!({ "end_ms": 1000 }), "callrec_notes_end_ms"),
        (json!({ "kind": "highlight" }), "callrec_notes_kind"),
        (
            json!({ "body": "x".repeat(10_001) }),
            "callrec_notes_body_length",
        ),
    ] {
        let a = post(&ctx, NOTES, &t, &[], bad(change)).await;
        assert_error(&a, StatusCode::BAD_REQUEST, "23514", &check(constraint));
        assert_eq!(
            a.body["details"],
            Value::Null,
            "RLS applies: no row in details"
        );
    }
    // 10,000 characters (not bytes) is the limit.
    let a = post(
        &ctx,
        NOTES,
        &t,
        &[],
        bad(json!({ "body": "é".repeat(10_000) })),
    )
    .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
    // A span needs end ≥ start; a point has none.
    let a = post(
        &ctx,
        NOTES,
        &t,
        &[],
        bad(json!({ "end_ms": null, "kind": "bookmark", "body": "" })),
    )
    .await;
    assert_eq!(a.status, StatusCode::CREATED);

    let a = post(&ctx, NOTES, &t, &[], bad(json!({ "at_ms": null }))).await;
    assert_error(
        &a,
        StatusCode::BAD_REQUEST,
        "23502",
        "null value in column \"at_ms\" of relation \"callrec_notes\" violates not-null constraint",
    );
    let mut no_id = bad(json!({}));
    no_id.as_object_mut().unwrap().remove("id");
    let a = post(&ctx, NOTES, &t, &[], no_id).await;
    assert_eq!(a.body["code"], "23502", "notes' ids are made by the client");

    let a = post(&ctx, NOTES, &t, &[], bad(json!({ "id": "not-a-uuid" }))).await;
    assert_error(
        &a,
        StatusCode::BAD_REQUEST,
        "22P02",
        "invalid input syntax for type uuid: \"not-a-uuid\"",
    );
    let a = post(
        &ctx,
        NOTES,
        &t,
        &[],
        bad(json!({ "created_at": "yesterday-ish" })),
    )
    .await;
    assert_error(
        &a,
        StatusCode::BAD_REQUEST,
        "22007",
        "invalid input syntax for type timestamp with time zone: \"yesterday-ish\"",
    );
    let a = post(&ctx, NOTES, &t, &[], bad(json!({ "at_ms": 1.5 }))).await;
    assert_error(
        &a,
        StatusCode::BAD_REQUEST,
        "22P02",
        "invalid input syntax for type bigint: \"1.5\"",
    );

    let mut r = review("call-1", "done", "2026-12-07T10:00:00Z");
    let a = post(&ctx, REVIEWS, &t, &[], r.clone()).await;
    assert_error(
        &a,
        StatusCode::BAD_REQUEST,
        "23514",
        "new row for relation \"callrec_reviews\" violates check constraint \"callrec_reviews_status\"",
    );
    r["status"] = json!("reviewed");
    r["score"] = json!(100.01);
    let a = post(&ctx, REVIEWS, &t, &[], r.clone()).await;
    assert_eq!(
        a.body["message"],
        "new row for relation \"callrec_reviews\" violates check constraint \"callrec_reviews_score\""
    );
    r["score"] = json!(1000);
    let a = post(&ctx, REVIEWS, &t, &[], r.clone()).await;
    assert_error(
        &a,
        StatusCode::BAD_REQUEST,
        "22003",
        "numeric field overflow",
    );
    r["score"] = json!(100.004);
    r["checks"] = json!([]);
    let a = post(&ctx, REVIEWS, &t, &[], r.clone()).await;
    assert_eq!(
        a.body["message"],
        "new row for relation \"callrec_reviews\" violates check constraint \"callrec_reviews_checks_object\""
    );
    r["checks"] = json!({});
    let a = post(&ctx, REVIEWS, &t, &[REPR], r).await;
    assert_eq!(a.status, StatusCode::CREATED);
    assert_eq!(a.rows()[0]["score"], json!(100.0), "rounded to 100.00");

    // The service role bypasses RLS, so Postgres shows it the failing row.
    let service = ctx.backend.service_role_key().to_string();
    let mut n = bad(json!({ "at_ms": -5, "end_ms": null, "reviewer_id": fixtures::USER_REVIEWER }));
    n["id"] = json!("7e0c3a52-2d4b-4a8e-9a51-0f3b2c6d1e77");
    let a = post(&ctx, NOTES, &service, &[], n).await;
    assert_eq!(a.body["code"], "23514");
    let details = a.body["details"].as_str().unwrap();
    assert!(
        details.starts_with(&format!(
            "Failing row contains (7e0c3a52-2d4b-4a8e-9a51-0f3b2c6d1e77, {}, call-1, {}, note, -5, null, body, 2026-12-07 09:00:00.5+00, null, ",
            fixtures::AGENCY_NORTHWIND,
            fixtures::USER_REVIEWER
        )),
        "{details}"
    );
}

#[tokio::test]
async fn bodies_and_columns_are_checked_like_postgrest() {
    let ctx = small().await;
    let t = ctx.reviewer().await;
    let mut n = note(&new_id(), "call-1", "b");
    n["colour"] = json!("red");
    let a = post(&ctx, NOTES, &t, &[], n).await;
    assert_error(
        &a,
        StatusCode::BAD_REQUEST,
        "PGRST204",
        "Could not find the 'colour' column of 'callrec_notes' in the schema cache",
    );
    // Unknown columns are found before privileges are checked.
    let a = post(&ctx, NOTES, ctx.anon(), &[], json!({ "colour": 1 })).await;
    assert_eq!(a.body["code"], "PGRST204");
    let a = patch(&ctx, NOTES, &t, &[], json!({ "colour": 1 })).await;
    assert_eq!(a.body["code"], "PGRST204");

    let a = ctx
        .post(NOTES)
        .bearer_auth(&t)
        .header("Content-Type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(a.status(), StatusCode::BAD_REQUEST);
    let v: Value = a.json().await.unwrap();
    assert_eq!(
        (v["code"].as_str(), v["message"].as_str()),
        (Some("PGRST102"), Some("Empty or invalid json"))
    );
    let a = post(
        &ctx,
        NOTES,
        &t,
        &[],
        json!([note(&new_id(), "c", "a"), { "id": new_id() }]),
    )
    .await;
    assert_error(
        &a,
        StatusCode::BAD_REQUEST,
        "PGRST102",
        "All object keys must match",
    );

    // With ?columns= (what supabase-js sends for arrays) keys may differ: missing ones are
    // NULL, or their default with Prefer: missing=default.
    let (a_id, b_id) = (new_id(), new_id());
    let rows = json!([
        note(&a_id, "c", "first"),
        { "id": b_id, "agency_id": fixtures::AGENCY_NORTHWIND, "call_id": "c", "at_ms": 0 },
    ]);
    let cols = "columns=%22id%22,%22agency_id%22,%22call_id%22,%22kind%22,%22at_ms%22,%22end_ms%22,%22body%22,%22created_at%22";
    let a = post(&ctx, &format!("{NOTES}?{cols}"), &t, &[REPR], rows.clone()).await;
    assert_eq!(
        a.body["code"], "23502",
        "kind is null without missing=default: {}",
        a.body
    );
    let a = post(
        &ctx,
        &format!("{NOTES}?{cols}"),
        &t,
        &[REPR, "missing=default"],
        rows,
    )
    .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
    assert_eq!(
        a.header("preference-applied"),
        Some("missing=default, return=representation")
    );
    assert_eq!(a.rows()[1]["kind"], "note");
    assert_eq!(a.rows()[1]["body"], "");
    assert_eq!(a.rows()[1]["end_ms"], Value::Null);

    // Bounds: rows per request, bytes per body.
    let many: Vec<Value> = (0..=MAX_BODY_ROWS)
        .map(|_| note(&new_id(), "c", "x"))
        .collect();
    let a = post(&ctx, NOTES, &t, &[], Value::Array(many)).await;
    assert_eq!(a.status, StatusCode::PAYLOAD_TOO_LARGE);
    let a = post(
        &ctx,
        NOTES,
        &t,
        &[],
        note(&new_id(), "c", &"x".repeat(1 << 20)),
    )
    .await;
    assert_eq!(a.status, StatusCode::PAYLOAD_TOO_LARGE);
    // Neither wrote anything.
    let a = get(&ctx, &format!("{NOTES}?select=id&body=eq.x"), &t).await;
    assert!(a.rows().is_empty());
}

#[tokio::test]
async fn row_level_security_across_reviewers_and_agencies() {
    let ctx = small().await;
    let reviewer = ctx.reviewer().await;
    let colleague = ctx.token(fixtures::USER_COLLEAGUE_EMAIL).await;
    let harbor = ctx.token(fixtures::USER_HARBOR_EMAIL).await;
    let lonely = ctx.token(fixtures::USER_NO_AGENCY_EMAIL).await;
    let note_id = new_id();
    let a = post(
        &ctx,
        NOTES,
        &reviewer,
        &[],
        note(&note_id, fixtures::WAV_PCM16, "mine"),
    )
    .await;
    assert_eq!(a.status, StatusCode::CREATED);
    let a = post(
        &ctx,
        REVIEWS,
        &reviewer,
        &[],
        review(fixtures::WAV_PCM16, "reviewed", "2026-12-07T10:00:00Z"),
    )
    .await;
    assert_eq!(a.status, StatusCode::CREATED);

    // A colleague of the same agency reads them; another agency and no agency see nothing.
    for path in [NOTES, REVIEWS] {
        assert_eq!(get(&ctx, path, &colleague).await.rows().len(), 1, "{path}");
        assert!(get(&ctx, path, &harbor).await.rows().is_empty(), "{path}");
        assert!(get(&ctx, path, &lonely).await.rows().is_empty(), "{path}");
    }

    // Another reviewer's rows match nothing for an update...
    let one = format!("{NOTES}?id=eq.{note_id}");
    let a = patch(
        &ctx,
        &one,
        &colleague,
        &[REPR],
        json!({ "deleted_at": "2026-12-07T12:00:00Z" }),
    )
    .await;
    assert_eq!((a.status, a.body.clone()), (StatusCode::OK, json!([])));
    let a = patch(
        &ctx,
        REVIEWS,
        &colleague,
        &[],
        json!({ "status": "flagged" }),
    )
    .await;
    assert_eq!(a.status, StatusCode::NO_CONTENT);
    assert_eq!(
        get(&ctx, REVIEWS, &reviewer).await.rows()[0]["status"],
        "reviewed"
    );
    // ...and an upsert onto one is refused by the update policy.
    let mut theirs = note(&note_id, fixtures::WAV_PCM16, "mine");
    theirs["reviewer_id"] = json!(fixtures::USER_COLLEAGUE);
    let a = post(
        &ctx,
        &format!("{NOTES}?on_conflict=id"),
        &colleague,
        &[MERGE],
        theirs,
    )
    .await;
    assert_error(
        &a,
        StatusCode::FORBIDDEN,
        "42501",
        "new row violates row-level security policy (USING expression) for table \"callrec_notes\"",
    );

    // Writing as someone else, or into another agency, is refused.
    let rls = "new row violates row-level security policy for table \"callrec_reviews\"";
    let mut as_other = review(fixtures::MP3_CBR, "reviewed", "2026-12-07T10:00:00Z");
    as_other["reviewer_id"] = json!(fixtures::USER_REVIEWER);
    let a = post(&ctx, REVIEWS, &colleague, &[], as_other).await;
    assert_error(&a, StatusCode::FORBIDDEN, "42501", rls);
    let a = post(
        &ctx,
        REVIEWS,
        &harbor,
        &[],
        review(fixtures::OTHER_AGENCY, "reviewed", "2026-12-07T10:00:00Z"),
    )
    .await;
    assert_error(&a, StatusCode::FORBIDDEN, "42501", rls);
    let a = post(
        &ctx,
        REVIEWS,
        &lonely,
        &[],
        review(fixtures::MP3_CBR, "reviewed", "2026-12-07T10:00:00Z"),
    )
    .await;
    assert_error(&a, StatusCode::FORBIDDEN, "42501", rls);
    // Nor in another agency than the reviewer's own.
    let mut moved = review(fixtures::WAV_PCM16, "reviewed", "2026-12-07T10:00:00Z");
    moved["agency_id"] = json!(fixtures::AGENCY_HARBOR);
    let a = post(&ctx, REVIEWS, &reviewer, &[], moved).await;
    assert_error(&a, StatusCode::FORBIDDEN, "42501", rls);

    // Harbor's own review is Harbor's alone.
    let mut theirs = review(fixtures::OTHER_AGENCY, "flagged", "2026-12-07T10:00:00Z");
    theirs["agency_id"] = json!(fixtures::AGENCY_HARBOR);
    let a = post(&ctx, REVIEWS, &harbor, &[REPR], theirs).await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
    assert_eq!(a.rows()[0]["reviewer_id"], fixtures::USER_HARBOR);
    assert_eq!(get(&ctx, REVIEWS, &reviewer).await.rows().len(), 1);
    assert_eq!(get(&ctx, REVIEWS, &harbor).await.rows().len(), 1);
}

#[tokio::test]
async fn pulls_page_by_updated_at_then_id() {
    let ctx = small().await;
    let t = ctx.reviewer().await;
    let mut notes = Vec::new();
    for i in 0..7 {
        notes.push(note(&new_id(), "call-pull", &format!("note {i}")));
    }
    // One statement: rows of one write may share nothing but their order.
    let a = post(&ctx, NOTES, &t, &[REPR], Value::Array(notes)).await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
    let harbor = ctx.token(fixtures::USER_HARBOR_EMAIL).await;
    let mut h = note(&new_id(), "call-pull", "harbor's");
    h["agency_id"] = json!(fixtures::AGENCY_HARBOR);
    assert_eq!(
        post(&ctx, NOTES, &harbor, &[], h).await.status,
        StatusCode::CREATED
    );

    let all = get(
        &ctx,
        &format!("{NOTES}?select=*&order=updated_at.asc,id.asc"),
        &t,
    )
    .await;
    let all = all.rows().clone();
    assert_eq!(all.len(), 7);

    let enc = |s: &str| -> String { url::form_urlencoded::byte_serialize(s.as_bytes()).collect() };
    let page = |cursor_t: &str, cursor_id: &str, limit: usize| {
        format!(
            "{NOTES}?select=*&agency_id=eq.{}&or=(updated_at.gt.{t},and(updated_at.eq.{t},id.gt.{cursor_id}))&order=updated_at.asc,id.asc&limit={limit}",
            fixtures::AGENCY_NORTHWIND,
            t = enc(cursor_t),
        )
    };
    // Walk the table three rows at a time from the third row's cursor.
    let mut seen = Vec::new();
    let (mut ct, mut cid) = (
        all[2]["updated_at"].as_str().unwrap().to_string(),
        all[2]["id"].as_str().unwrap().to_string(),
    );
    loop {
        let a = get(&ctx, &page(&ct, &cid, 3), &t).await;
        assert_eq!(a.status, StatusCode::OK, "{}", a.body);
        let rows = a.rows().clone();
        if rows.is_empty() {
            break;
        }
        let last = rows.last().unwrap();
        ct = last["updated_at"].as_str().unwrap().to_string();
        cid = last["id"].as_str().unwrap().to_string();
        seen.extend(rows);
    }
    assert_eq!(seen, all[3..].to_vec());

    // The cursor may be any RFC 3339 form of the same instant, and ids compare as uuids.
    let first = &all[0];
    let stamp = first["updated_at"].as_str().unwrap();
    let zulu = stamp.replace("+00:00", "Z");
    let a = get(
        &ctx,
        &page(&zulu, "00000000-0000-0000-0000-000000000000", 500),
        &t,
    )
    .await;
    assert_eq!(a.rows().len(), 7);
    let a = get(
        &ctx,
        &page(&zulu, &first["id"].as_str().unwrap().to_uppercase(), 500),
        &t,
    )
    .await;
    assert_eq!(a.rows().len(), 6);
    // An unencoded `+` is a space in a query string, which is not a timestamp.
    let raw = page(stamp, first["id"].as_str().unwrap(), 5).replace("%2B", "+");
    let a = get(&ctx, &raw, &t).await;
    assert_eq!(a.body["code"], "22007", "{}", a.body);
}

#[tokio::test]
async fn singular_responses_and_repeated_keys_roll_back() {
    let ctx = small().await;
    let t = ctx.reviewer().await;
    let two = json!([
        note(&new_id(), "c-single", "a"),
        note(&new_id(), "c-single", "b")
    ]);
    let a = ctx
        .post(&format!("{NOTES}?select=id"))
        .bearer_auth(&t)
        .header("Prefer", REPR)
        .header("Accept", "application/vnd.pgrst.object+json")
        .json(&two)
        .send()
        .await
        .unwrap();
    assert_eq!(a.status(), StatusCode::NOT_ACCEPTABLE);
    let v: Value = a.json().await.unwrap();
    assert_eq!(v["code"], "PGRST116");
    assert_eq!(v["details"], "The result contains 2 rows");
    assert!(
        get(&ctx, &format!("{NOTES}?call_id=eq.c-single"), &t)
            .await
            .rows()
            .is_empty(),
        "rolled back"
    );
    let one = note(&new_id(), "c-single", "a");
    let a = ctx
        .post(NOTES)
        .bearer_auth(&t)
        .header("Prefer", REPR)
        .header("Accept", "application/vnd.pgrst.object+json")
        .json(&one)
        .send()
        .await
        .unwrap();
    assert_eq!(a.status(), StatusCode::CREATED);
    let v: Value = a.json().await.unwrap();
    assert_eq!(v["id"], one["id"], "an object, not an array");

    // One upsert may not touch a row twice.
    let dup = json!([
        review("c-twice", "in_review", "2026-12-07T10:00:00Z"),
        review("c-twice", "reviewed", "2026-12-07T11:00:00Z"),
    ]);
    let a = post(
        &ctx,
        &format!("{REVIEWS}?{}", review_key()),
        &t,
        &[MERGE],
        dup,
    )
    .await;
    assert_error(
        &a,
        StatusCode::INTERNAL_SERVER_ERROR,
        "21000",
        "ON CONFLICT DO UPDATE command cannot affect row a second time",
    );
    assert!(
        get(&ctx, &format!("{REVIEWS}?call_id=eq.c-twice"), &t)
            .await
            .rows()
            .is_empty()
    );
}

#[tokio::test]
async fn the_tables_are_listed_and_hinted() {
    let ctx = small().await;
    let t = ctx.reviewer().await;
    let root = |bearer: String| {
        let ctx = &ctx;
        async move {
            let v: Value = ctx
                .get("/rest/v1")
                .bearer_auth(bearer)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            let mut paths: Vec<String> = v["paths"].as_object().unwrap().keys().cloned().collect();
            paths.sort();
            (paths, v)
        }
    };
    let (paths, v) = root(t.clone()).await;
    assert_eq!(
        paths,
        [
            "/",
            "/callrec_notes",
            "/callrec_reviews",
            "/callrec_scorecards",
            "/calls"
        ]
    );
    assert_eq!(
        v["definitions"]["callrec_reviews"]["properties"]["score"]["format"],
        "numeric"
    );
    // anon has no privilege on them: not listed.
    let (paths, _) = root(ctx.anon().to_string()).await;
    assert_eq!(paths, ["/", "/calls"]);

    let a = get(&ctx, "/rest/v1/callrec_review", &t).await;
    assert_eq!(a.status, StatusCode::NOT_FOUND);
    assert_eq!(
        a.body["hint"],
        "Perhaps you meant the table 'public.callrec_reviews'"
    );
}

#[tokio::test]
async fn without_the_migration_the_tables_are_not_found() {
    let ctx = start_with(BackendArgs {
        calls: 20,
        no_reviews: true,
        ..Default::default()
    })
    .await;
    let t = ctx.reviewer().await;
    for (table, hint) in [
        (
            "callrec_reviews",
            json!("Perhaps you meant the table 'public.calls'"),
        ),
        (
            "callrec_notes",
            json!("Perhaps you meant the table 'public.calls'"),
        ),
        ("callrec_scorecards", Value::Null),
    ] {
        let path = format!("/rest/v1/{table}");
        for a in [
            get(&ctx, &format!("{path}?select=*"), &t).await,
            post(&ctx, &path, &t, &[MERGE], json!({})).await,
            patch(&ctx, &path, &t, &[], json!({})).await,
        ] {
            assert_error(
                &a,
                StatusCode::NOT_FOUND,
                "PGRST205",
                &format!("Could not find the table 'public.{table}' in the schema cache"),
            );
            assert_eq!(a.body["hint"], hint, "{table}");
        }
    }
    assert_eq!(
        get(&ctx, "/rest/v1/calls?select=id", &t).await.rows().len(),
        20
    );
}
