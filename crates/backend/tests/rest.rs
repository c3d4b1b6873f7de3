//! PostgREST contract: scoping (RLS), paging by limit/offset and Range, counts and their
//! status codes, every filter operator, logic trees, ordering, the 1000-row cap and errors.

mod common;

use callrec_backend::{BackendArgs, MAX_ROWS};
use common::{Ctx, all_rows, claims, fixtures, now, small, start_with};
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn get(
    ctx: &Ctx,
    query: &str,
    bearer: &str,
) -> (StatusCode, reqwest::header::HeaderMap, Value) {
    let r = ctx.rest(query, bearer).send().await.unwrap();
    let s = r.status();
    let h = r.headers().clone();
    (s, h, r.json().await.unwrap_or(Value::Null))
}

async fn counted(
    ctx: &Ctx,
    query: &str,
    bearer: &str,
    range: Option<&str>,
) -> (StatusCode, String, Value) {
    let mut req = ctx.rest(query, bearer).header("Prefer", "count=exact");
    if let Some(r) = range {
        req = req.header("Range", r).header("Range-Unit", "items");
    }
    let r = req.send().await.unwrap();
    let s = r.status();
    let cr = r
        .headers()
        .get("content-range")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (s, cr, r.json().await.unwrap_or(Value::Null))
}

fn ids(rows: &Value) -> Vec<String> {
    rows.as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn rows_are_scoped_by_agency_and_role() {
    let ctx = small().await;
    // Anon key only (and no Authorization at all): RLS shows nothing.
    let (s, h, v) = get(&ctx, "", ctx.anon()).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v, json!([]));
    assert_eq!(h["content-range"], "*/*");
    let r = ctx.get("/rest/v1/calls").send().await.unwrap();
    assert_eq!(r.json::<Value>().await.unwrap(), json!([]));

    let reviewer = ctx.reviewer().await;
    let rows = all_rows(&ctx, &reviewer).await;
    assert_eq!(rows.len(), 60);
    assert!(
        rows.iter()
            .all(|r| r["agency_id"] == fixtures::AGENCY_NORTHWIND)
    );

    let harbor = ctx.token(fixtures::USER_HARBOR_EMAIL).await;
    let rows = all_rows(&ctx, &harbor).await;
    assert!(!rows.is_empty());
    assert!(
        rows.iter()
            .all(|r| r["agency_id"] == fixtures::AGENCY_HARBOR)
    );
    assert!(rows.iter().any(|r| r["id"] == fixtures::OTHER_AGENCY));

    let lonely = ctx.token(fixtures::USER_NO_AGENCY_EMAIL).await;
    assert!(all_rows(&ctx, &lonely).await.is_empty());

    // The service role bypasses RLS.
    let all = all_rows(&ctx, ctx.backend.service_role_key()).await;
    assert!(all.len() > 60);
    assert!(
        all.iter()
            .any(|r| r["agency_id"] == fixtures::AGENCY_JUNIPER)
    );
}

#[tokio::test]
async fn rows_have_postgres_types() {
    let ctx = small().await;
    let t = ctx.reviewer().await;
    let (s, _, v) = get(&ctx, &format!("?id=eq.{}", fixtures::MULTI_SEGMENT), &t).await;
    assert_eq!(s, StatusCode::OK);
    let row = &v[0];
    let keys: Vec<&str> = row
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    for k in [
        "id",
        "ultravox_call_id",
        "agency_id",
        "has_recording",
        "created_at",
        "started_at",
        "ended_at",
        "duration_seconds",
        "direction",
        "from_number",
        "to_number",
        "status",
        "agent_name",
    ] {
        assert!(keys.contains(&k), "missing {k}");
    }
    assert_eq!(row["has_recording"], true);
    assert_eq!(row["duration_seconds"], 45);
    let created = row["created_at"].as_str().unwrap();
    assert!(
        created.ends_with("+00:00") && created.contains('T'),
        "{created}"
    );
    assert!(row["from_number"].as_str().unwrap().starts_with("+1"));
}

#[tokio::test]
async fn paging_counts_and_statuses_follow_postgrest() {
    let ctx = small().await;
    let t = ctx.reviewer().await;
    let order = "?order=created_at.desc,id.desc";

    // A counted partial page: 206 and the total.
    let (s, cr, v) = counted(&ctx, &format!("{order}&limit=25"), &t, None).await;
    assert_eq!(s, StatusCode::PARTIAL_CONTENT);
    assert_eq!(cr, "0-24/60");
    assert_eq!(v.as_array().unwrap().len(), 25);
    let first_page = ids(&v);

    // The same through Range.
    let (s, cr, v) = counted(&ctx, order, &t, Some("25-49")).await;
    assert_eq!(s, StatusCode::PARTIAL_CONTENT);
    assert_eq!(cr, "25-49/60");
    let second = ids(&v);
    assert!(second.iter().all(|id| !first_page.contains(id)));

    // offset/limit and Range agree.
    let (_, cr, v) = counted(&ctx, &format!("{order}&limit=25&offset=25"), &t, None).await;
    assert_eq!(cr, "25-49/60");
    assert_eq!(ids(&v), second);

    // The whole set with a count: 200.
    let (s, cr, v) = counted(&ctx, order, &t, None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(cr, "0-59/60");
    assert_eq!(v.as_array().unwrap().len(), 60);

    // The tail page is still "partial" (fewer rows than the total).
    let (s, cr, _) = counted(&ctx, &format!("{order}&offset=50"), &t, None).await;
    assert_eq!(s, StatusCode::PARTIAL_CONTENT);
    assert_eq!(cr, "50-59/60");

    // Without a count: 200 and an unknown total.
    let (s, h, v) = get(&ctx, &format!("{order}&limit=10"), &t).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(h["content-range"], "0-9/*");
    assert_eq!(v.as_array().unwrap().len(), 10);

    // Planned and estimated counts are answered too.
    for pref in ["count=planned", "count=estimated"] {
        let r = ctx
            .rest("?limit=5", &t)
            .header("Prefer", pref)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::PARTIAL_CONTENT);
        assert_eq!(r.headers()["content-range"], "0-4/60");
        assert_eq!(r.headers()["preference-applied"], pref);
    }
}

#[tokio::test]
async fn out_of_range_requests() {
    let ctx = small().await;
    let t = ctx.reviewer().await;
    let (s, _, v) = counted(&ctx, "?offset=100", &t, None).await;
    assert_eq!(s, StatusCode::RANGE_NOT_SATISFIABLE);
    assert_eq!(
        v,
        json!({
            "code": "PGRST103",
            "details": "An offset of 100 was requested, but there are only 60 rows.",
            "hint": null,
            "message": "Requested range not satisfiable"
        })
    );
    let (s, _, v) = counted(&ctx, "", &t, Some("100-120")).await;
    assert_eq!(s, StatusCode::RANGE_NOT_SATISFIABLE);
    assert_eq!(v["code"], "PGRST103");

    // Exactly at the end: an empty partial page, not an error.
    let (s, cr, v) = counted(&ctx, "?offset=60", &t, None).await;
    assert_eq!(s, StatusCode::PARTIAL_CONTENT);
    assert_eq!(cr, "*/60");
    assert_eq!(v, json!([]));

    // Without a count PostgREST cannot tell: 200 and nothing.
    let (s, h, v) = get(&ctx, "?offset=100", &t).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(h["content-range"], "*/*");
    assert_eq!(v, json!([]));

    // Reversed Range bounds and a negative limit.
    let (s, _, v) = counted(&ctx, "", &t, Some("10-5")).await;
    assert_eq!(s, StatusCode::RANGE_NOT_SATISFIABLE);
    assert_eq!(
        v["details"],
        "The lower boundary must be lower than or equal to the upper boundary in the Range header."
    );
    let (s, _, v) = get(&ctx, "?limit=-1", &t).await;
    assert_eq!(s, StatusCode::RANGE_NOT_SATISFIABLE);
    assert_eq!(
        v["details"],
        "Limit should be greater than or equal to zero."
    );

    // Absurd numbers are not a crash.
    let (s, _, v) = get(&ctx, "?limit=9223372036854775807&offset=5", &t).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v.as_array().unwrap().len(), 55);
    let (s, cr, _) = counted(&ctx, "", &t, Some("0-9223372036854775807")).await;
    assert_eq!((s, cr.as_str()), (StatusCode::OK, "0-59/60"));
    let (s, _, _) = counted(&ctx, "?offset=9223372036854775807", &t, None).await;
    assert_eq!(s, StatusCode::RANGE_NOT_SATISFIABLE);

    // limit=0 is allowed.
    let (s, cr, v) = counted(&ctx, "?limit=0", &t, None).await;
    assert_eq!(s, StatusCode::PARTIAL_CONTENT);
    assert_eq!(cr, "*/60");
    assert_eq!(v, json!([]));
}

#[tokio::test]
async fn responses_are_capped_at_1000_rows() {
    let ctx = start_with(BackendArgs {
        calls: 1500,
        ..Default::default()
    })
    .await;
    let t = ctx.reviewer().await;
    let (s, cr, v) = counted(&ctx, "?select=id", &t, None).await;
    assert_eq!(s, StatusCode::PARTIAL_CONTENT);
    assert_eq!(cr, "0-999/1500");
    assert_eq!(v.as_array().unwrap().len() as i64, MAX_ROWS);
    let (_, cr, v) = counted(&ctx, "?select=id&limit=5000&offset=700", &t, None).await;
    assert_eq!(cr, "700-1499/1500");
    assert_eq!(v.as_array().unwrap().len(), 800);
    let (_, cr, v) = counted(&ctx, "?select=id", &t, Some("0-4999")).await;
    assert_eq!(cr, "0-999/1500");
    assert_eq!(v.as_array().unwrap().len(), 1000);
}

#[tokio::test]
async fn select_columns_aliases_and_casts() {
    let ctx = small().await;
    let t = ctx.reviewer().await;
    let (s, _, v) = get(
        &ctx,
        &format!(
            "?select=id,when:created_at,secs:duration_seconds::text&id=eq.{}",
            fixtures::WAV_PCM16
        ),
        &t,
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let row = v[0].as_object().unwrap();
    assert_eq!(
        row.keys().cloned().collect::<Vec<_>>(),
        vec!["id", "secs", "when"]
            .into_iter()
            .map(String::from)
            .collect::<Vec<_>>()
    );
    assert_eq!(row["secs"], "30");
    let (s, _, v) = get(&ctx, "?select=nope", &t).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(v["code"], "42703");
    assert_eq!(v["message"], "column calls.nope does not exist");
    let (s, _, v) = get(&ctx, "?select=id,agencies(name)", &t).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(v["code"], "PGRST200");
}

type Pred = Box<dyn Fn(&Value) -> bool>;

#[tokio::test]
async fn every_filter_operator_matches_its_meaning() {
    let ctx = small().await;
    let t = ctx.reviewer().await;
    let rows = all_rows(&ctx, &t).await;
    let pivot = rows[rows.len() / 2]["created_at"]
        .as_str()
        .unwrap()
        .to_string();
    let pivot_t = pivot.clone();
    let s = |v: &Value, k: &str| v[k].as_str().map(str::to_string);
    let d = |v: &Value| v["duration_seconds"].as_i64();
    let cases: Vec<(String, Pred)> = vec![
        (
            "status=eq.completed".into(),
            Box::new(move |r| s(r, "status").as_deref() == Some("completed")),
        ),
        (
            "status=neq.completed".into(),
            Box::new(move |r| s(r, "status").as_deref() != Some("completed")),
        ),
        (
            "duration_seconds=gt.60".into(),
            Box::new(move |r| d(r).is_some_and(|x| x > 60)),
        ),
        (
            "duration_seconds=gte.60".into(),
            Box::new(move |r| d(r).is_some_and(|x| x >= 60)),
        ),
        (
            "duration_seconds=lt.60".into(),
            Box::new(move |r| d(r).is_some_and(|x| x < 60)),
        ),
        (
            "duration_seconds=lte.60".into(),
            Box::new(move |r| d(r).is_some_and(|x| x <= 60)),
        ),
        (
            "has_recording=eq.true".into(),
            Box::new(|r| r["has_recording"] == true),
        ),
        (
            "has_recording=is.false".into(),
            Box::new(|r| r["has_recording"] == false),
        ),
        (
            "agent_name=is.null".into(),
            Box::new(|r| r["agent_name"].is_null()),
        ),
        (
            "agent_name=not.is.null".into(),
            Box::new(|r| !r["agent_name"].is_null()),
        ),
        (
            "agent_name=like.*(AI)".into(),
            Box::new(move |r| s(r, "agent_name").is_some_and(|a| a.ends_with("(AI)"))),
        ),
        (
            "agent_name=like.*ava*".into(),
            Box::new(move |r| s(r, "agent_name").is_some_and(|a| a.contains("ava"))),
        ),
        (
            "agent_name=ilike.*ava*".into(),
            Box::new(move |r| s(r, "agent_name").is_some_and(|a| a.to_lowercase().contains("ava"))),
        ),
        (
            "status=in.(missed,failed)".into(),
            Box::new(move |r| matches!(s(r, "status").as_deref(), Some("missed" | "failed"))),
        ),
        (
            "status=not.in.(missed,failed)".into(),
            Box::new(move |r| !matches!(s(r, "status").as_deref(), Some("missed" | "failed"))),
        ),
        (
            format!("created_at=gte.{}", urlencode(&pivot)),
            Box::new(move |r| s(r, "created_at").unwrap() >= pivot_t),
        ),
        (
            "direction=eq.outbound&duration_seconds=gt.30".into(),
            Box::new(move |r| {
                s(r, "direction").as_deref() == Some("outbound") && d(r).is_some_and(|x| x > 30)
            }),
        ),
        (
            "or=(status.eq.missed,duration_seconds.gt.100)".into(),
            Box::new(move |r| {
                s(r, "status").as_deref() == Some("missed") || d(r).is_some_and(|x| x > 100)
            }),
        ),
        (
            "or=(status.eq.voicemail,and(direction.eq.outbound,agent_name.ilike.*AI*))".into(),
            Box::new(move |r| {
                s(r, "status").as_deref() == Some("voicemail")
                    || (s(r, "direction").as_deref() == Some("outbound")
                        && s(r, "agent_name").is_some_and(|a| a.to_lowercase().contains("ai")))
            }),
        ),
        (
            "not.or=(status.eq.completed,status.eq.missed)".into(),
            Box::new(move |r| !matches!(s(r, "status").as_deref(), Some("completed" | "missed"))),
        ),
        (
            "status=not.eq.completed".into(),
            Box::new(move |r| s(r, "status").as_deref() != Some("completed")),
        ),
        (
            "agent_name=ilike(any).{*lee*,*shah*}".into(),
            Box::new(move |r| {
                s(r, "agent_name").is_some_and(|a| {
                    let a = a.to_lowercase();
                    a.contains("lee") || a.contains("shah")
                })
            }),
        ),
        (
            "agent_name=isdistinct.Ava (AI)".into(),
            Box::new(move |r| s(r, "agent_name").as_deref() != Some("Ava (AI)")),
        ),
    ];
    // Most cases must select a proper, non-empty subset, or they prove little.
    let mut discriminating = 0;
    let total = cases.len();
    for (q, pred) in cases {
        let expected: Vec<String> = rows
            .iter()
            .filter(|r| pred(r))
            .map(|r| r["id"].as_str().unwrap().to_string())
            .collect();
        if !expected.is_empty() && expected.len() < rows.len() {
            discriminating += 1;
        }
        let (st, cr, v) = counted(
            &ctx,
            &format!("?{q}&order=created_at.desc,id.desc"),
            &t,
            None,
        )
        .await;
        assert!(st.is_success(), "{q}: {st} {v}");
        assert_eq!(ids(&v), expected, "{q}");
        assert!(cr.ends_with(&format!("/{}", expected.len())), "{q}: {cr}");
    }
    assert!(
        discriminating + 2 >= total,
        "{discriminating} of {total} cases discriminate"
    );
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[tokio::test]
async fn ordering_with_nulls() {
    let ctx = small().await;
    let t = ctx.reviewer().await;
    let (_, _, v) = get(&ctx, "?order=created_at.desc,id.desc", &t).await;
    let times: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["created_at"].as_str().unwrap())
        .collect();
    assert!(times.windows(2).all(|w| w[0] >= w[1]), "created_at.desc");

    // Postgres: ascending puts NULLs last, descending first; nullsfirst/nullslast override.
    let nulls = |v: &Value| -> Vec<bool> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|r| r["agent_name"].is_null())
            .collect()
    };
    let (_, _, v) = get(&ctx, "?order=agent_name.asc,id", &t).await;
    let n = nulls(&v);
    if n.iter().any(|x| *x) {
        assert!(n.last() == Some(&true) && n.first() == Some(&false));
        let (_, _, v) = get(&ctx, "?order=agent_name.desc,id", &t).await;
        assert_eq!(nulls(&v).first(), Some(&true));
        let (_, _, v) = get(&ctx, "?order=agent_name.asc.nullsfirst,id", &t).await;
        assert_eq!(nulls(&v).first(), Some(&true));
    }
    let (_, _, v) = get(
        &ctx,
        "?order=duration_seconds.asc,id&select=duration_seconds",
        &t,
    )
    .await;
    let ds: Vec<i64> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["duration_seconds"].as_i64().unwrap())
        .collect();
    assert!(ds.windows(2).all(|w| w[0] <= w[1]));
}

#[tokio::test]
async fn errors_follow_postgres_and_postgrest() {
    let ctx = small().await;
    let t = ctx.reviewer().await;
    let (s, _, v) = get(&ctx, "?colour=eq.red", &t).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(v["code"], "42703");
    let (s, _, v) = get(&ctx, "?order=colour.desc", &t).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(v["code"], "42703");
    let (s, _, v) = get(&ctx, "?id=eq.not-a-uuid", &t).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(v["code"], "22P02");
    assert_eq!(
        v["message"],
        "invalid input syntax for type uuid: \"not-a-uuid\""
    );
    let (s, _, v) = get(&ctx, "?created_at=gte.last-tuesday", &t).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(v["code"], "22007");
    let (s, _, v) = get(&ctx, "?id=like.*abc*", &t).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(v["code"], "42883");
    let (s, _, v) = get(&ctx, "?status=completed", &t).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(v["code"], "PGRST100");
    assert!(
        v["message"]
            .as_str()
            .unwrap()
            .starts_with("\"failed to parse filter (completed)\"")
    );
    let (s, _, v) = get(&ctx, "?or=(status.eq.missed", &t).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(v["code"], "PGRST100");
    let r = ctx
        .get("/rest/v1/call")
        .bearer_auth(&t)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["code"], "PGRST205");
    assert_eq!(
        v["message"],
        "Could not find the table 'public.call' in the schema cache"
    );
    assert_eq!(v["hint"], "Perhaps you meant the table 'public.calls'");
    for k in ["code", "details", "hint", "message"] {
        assert!(v.get(k).is_some(), "{k}");
    }
}

#[tokio::test]
async fn jwt_errors_are_401() {
    let ctx = small().await;
    let t = ctx.reviewer().await;
    // PostgREST allows 30 s of clock skew: only a token expired longer ago is refused.
    let mut c = claims(&t);
    c["exp"] = json!(now() - 10);
    let (s, _, _) = get(&ctx, "?limit=1", &ctx.mint(c.clone())).await;
    assert_eq!(s, StatusCode::OK);
    c["exp"] = json!(now() - 120);
    let (s, h, v) = get(&ctx, "?limit=1", &ctx.mint(c.clone())).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert_eq!(
        v,
        json!({ "code": "PGRST303", "details": null, "hint": null, "message": "JWT expired" })
    );
    assert!(
        h["www-authenticate"]
            .to_str()
            .unwrap()
            .contains("invalid_token")
    );

    let foreign = common::jwt(&claims(&t), "not-this-projects-secret-not-this-one");
    let (s, _, v) = get(&ctx, "?limit=1", &foreign).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert_eq!(v["code"], "PGRST301");
    let (s, _, v) = get(&ctx, "?limit=1", "abc.def").await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert_eq!(v["message"], "Expected 3 parts in JWT; got 2");
}

#[tokio::test]
async fn single_object_and_head() {
    let ctx = small().await;
    let t = ctx.reviewer().await;
    let r = ctx
        .rest(&format!("?id=eq.{}", fixtures::WAV_STEREO), &t)
        .header("Accept", "application/vnd.pgrst.object+json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["id"], fixtures::WAV_STEREO);
    let r = ctx
        .rest("?limit=2", &t)
        .header("Accept", "application/vnd.pgrst.object+json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_ACCEPTABLE);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["code"], "PGRST116");
    assert_eq!(v["details"], "The result contains 2 rows");

    let r = ctx
        .req(reqwest::Method::HEAD, "/rest/v1/calls?limit=5")
        .bearer_auth(&t)
        .header("Prefer", "count=exact")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(r.headers()["content-range"], "0-4/60");
    assert!(r.bytes().await.unwrap().is_empty());
}

#[tokio::test]
async fn inserted_calls_appear_at_the_top() {
    let ctx = small().await;
    let t = ctx.reviewer().await;
    let page = "?order=created_at.desc,id.desc&limit=3";
    let (_, _, before) = get(&ctx, page, &t).await;
    let r = ctx
        .admin(reqwest::Method::POST, "/admin/v1/calls")
        .json(&json!({ "agent_name": "Paging Test" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let row: Value = r.json().await.unwrap();
    assert_eq!(row["agent_name"], "Paging Test");
    assert_eq!(row["agency_id"], fixtures::AGENCY_NORTHWIND);
    let (_, _, after) = get(&ctx, page, &t).await;
    assert_eq!(after[0]["id"], row["id"]);
    assert_eq!(after[1]["id"], before[0]["id"]);
    let (_, cr, _) = counted(&ctx, "?limit=1", &t, None).await;
    assert_eq!(cr, "0-0/61");
}
