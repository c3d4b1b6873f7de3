//! The call list against the real local backend (PostgREST subset): keyset paging while calls
//! arrive, every filter, hostile search text, the total, the sorts.

mod common;

use std::collections::HashSet;

use callrec_backend::{BackendArgs, RunningBackend, TableShape};
use callrec_core::calls::{
    self, CallPage, CallQuery, CallRow, CallSchema, CallSource, ColumnOverrides, Count, Cursor,
    Field, Filter, Sort,
};
use callrec_core::library::{FileRecord, Library, SegmentRecord};
use callrec_core::secret::Secret;
use callrec_core::session::SessionManager;
use common::memory;

struct Ctx {
    backend: RunningBackend,
    session: SessionManager,
    backend_user_id: String,
    /// The table as its first row shows it.
    schema: CallSchema,
    _dir: tempfile::TempDir,
}

async fn ctx(calls: u32) -> Ctx {
    ctx_on(calls, TableShape::Full, ColumnOverrides::new()).await
}

async fn ctx_on(calls: u32, shape: TableShape, columns: ColumnOverrides) -> Ctx {
    let backend = callrec_backend::start(BackendArgs {
        calls,
        schema: shape,
        ..Default::default()
    })
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let session = SessionManager::new(
        callrec_core::http::client().unwrap(),
        callrec_core::config::ProjectConfig {
            columns,
            ..common::backend_project(&backend)
        },
        memory(),
        dir.path(),
    );
    let user = backend.demo_user();
    session
        .sign_in(&user.email, &Secret::new(user.password.clone()))
        .await
        .unwrap();
    let backend_user_id = user.id.clone();
    let assumed = CallSchema::assumed(&session.project().columns);
    let probe = CallQuery {
        limit: 1,
        ..Default::default()
    };
    let schema = calls::fetch_page(&session, &assumed, &probe, None, Count::None)
        .await
        .unwrap()
        .schema;
    assert!(schema.learned);
    Ctx {
        backend,
        session,
        backend_user_id,
        schema,
        _dir: dir,
    }
}

async fn page(ctx: &Ctx, query: &CallQuery, cursor: Option<&Cursor>) -> CallPage {
    calls::fetch_page(&ctx.session, &ctx.schema, query, cursor, Count::Exact)
        .await
        .unwrap()
}

/// Every row of `query`, page by page; `between` runs before each next page.
async fn all_pages(ctx: &Ctx, query: &CallQuery, mut between: impl AsyncFnMut()) -> Vec<CallRow> {
    let mut rows = Vec::new();
    let mut cursor = None;
    loop {
        let p = page(ctx, query, cursor.as_ref()).await;
        assert_eq!(p.source, CallSource::Remote);
        assert_eq!(p.skipped, 0);
        assert!(p.rows.len() <= query.limit() as usize);
        rows.extend(p.rows);
        match p.next {
            Some(next) => cursor = Some(next),
            None => return rows,
        }
        between().await;
    }
}

/// Everything the reviewer can see, in one page.
async fn everything(ctx: &Ctx) -> Vec<CallRow> {
    let p = page(
        ctx,
        &CallQuery {
            limit: 1000,
            ..Default::default()
        },
        None,
    )
    .await;
    assert!(p.next.is_none());
    assert_eq!(p.total, Some(p.rows.len() as u64));
    p.rows
}

async fn insert_call(ctx: &Ctx) -> String {
    let key = ctx.backend.service_role_key();
    let row: serde_json::Value = reqwest::Client::new()
        .post(format!("{}/admin/v1/calls", ctx.backend.base_url()))
        .header("apikey", key)
        .bearer_auth(key)
        .json(&serde_json::json!({ "agent_name": "Arrived Meanwhile" }))
        .send()
        .await
        .unwrap()
        .error_for_status()
        .unwrap()
        .json()
        .await
        .unwrap();
    row["id"].as_str().unwrap().to_owned()
}

fn ids(rows: &[CallRow]) -> Vec<String> {
    rows.iter().map(|r| r.id.clone()).collect()
}

#[tokio::test]
async fn keyset_paging_has_no_duplicate_and_no_gap_while_calls_arrive() {
    let ctx = ctx(60).await;
    let before = everything(&ctx).await;
    assert!(before.len() >= 20, "the fixture should give several pages");
    let query = CallQuery {
        limit: 7,
        ..Default::default()
    };
    let first = page(&ctx, &query, None).await;
    assert_eq!(first.total, Some(before.len() as u64));
    let mut inserted = Vec::new();
    let seen = all_pages(&ctx, &query, async || {
        inserted.push(insert_call(&ctx).await)
    })
    .await;
    assert!(!inserted.is_empty());
    // Newer calls land above the cursor: the walk sees exactly the calls there were, in order.
    assert_eq!(ids(&seen), ids(&before));
    let unique: HashSet<_> = ids(&seen).into_iter().collect();
    assert_eq!(unique.len(), seen.len());
    // And the next first page shows them, with the new total.
    let after = page(&ctx, &query, None).await;
    assert_eq!(after.total, Some((before.len() + inserted.len()) as u64));
    assert_eq!(&after.rows[0].id, inserted.last().unwrap());
}

#[tokio::test]
async fn every_sort_pages_to_the_same_order_as_one_big_page() {
    let ctx = ctx(40).await;
    for sort in [
        Sort::DateDesc,
        Sort::DateAsc,
        Sort::DurationDesc,
        Sort::DurationAsc,
    ] {
        let big = page(
            &ctx,
            &CallQuery {
                sort,
                limit: 1000,
                ..Default::default()
            },
            None,
        )
        .await
        .rows;
        let paged = all_pages(
            &ctx,
            &CallQuery {
                sort,
                limit: 6,
                ..Default::default()
            },
            async || {},
        )
        .await;
        assert_eq!(ids(&paged), ids(&big), "{sort:?}");
        let key = |r: &CallRow| match sort {
            Sort::DateDesc | Sort::DateAsc => r.created_at.clone().unwrap(),
            _ => format!("{:012.3}", r.duration_seconds.unwrap_or(f64::MAX)),
        };
        let keys: Vec<_> = paged.iter().map(key).collect();
        let mut sorted = keys.clone();
        sorted.sort();
        if matches!(sort, Sort::DateDesc | Sort::DurationDesc) {
            sorted.reverse();
            // Desc puts nulls last too: compare only the non-null part's order.
            if sort == Sort::DurationDesc {
                let non_null: Vec<_> = keys
                    .iter()
                    .filter(|k| !k.starts_with("179769"))
                    .cloned()
                    .collect();
                let mut s = non_null.clone();
                s.sort();
                s.reverse();
                assert_eq!(non_null, s, "{sort:?}");
                continue;
            }
        }
        assert_eq!(keys, sorted, "{sort:?}");
    }
}

/// Asserts the server's answer to `query` is exactly the rows of `all` that `keep` accepts.
async fn check_filter(
    ctx: &Ctx,
    all: &[CallRow],
    query: CallQuery,
    keep: impl Fn(&CallRow) -> bool,
) {
    let what = format!("{query:?}");
    let expected: Vec<_> = all.iter().filter(|r| keep(r)).cloned().collect();
    let got = all_pages(ctx, &CallQuery { limit: 9, ..query }, async || {}).await;
    assert_eq!(ids(&got), ids(&expected), "{what}");
}

#[tokio::test]
async fn every_filter_returns_exactly_the_matching_calls() {
    let ctx = ctx(60).await;
    let all = everything(&ctx).await;

    for has in [true, false] {
        let q = CallQuery {
            has_recording: Some(has),
            ..Default::default()
        };
        check_filter(&ctx, &all, q, |r| r.has_recording == Some(has)).await;
    }
    let direction = all[0].direction.clone().unwrap();
    let q = CallQuery {
        direction: Some(direction.clone()),
        ..Default::default()
    };
    check_filter(&ctx, &all, q, |r| r.direction.as_ref() == Some(&direction)).await;
    let status = all[3].status.clone().unwrap();
    let q = CallQuery {
        status: Some(status.clone()),
        ..Default::default()
    };
    check_filter(&ctx, &all, q, |r| r.status.as_ref() == Some(&status)).await;

    // Dates: [since, until) between two rows' times.
    let until = all[5].created_at.clone().unwrap();
    let since = all[all.len() - 5].created_at.clone().unwrap();
    let q = CallQuery {
        since: Some(since.clone()),
        until: Some(until.clone()),
        ..Default::default()
    };
    let (s, u) = (time_of(&since), time_of(&until));
    check_filter(&ctx, &all, q, |r| {
        let t = time_of(r.created_at.as_ref().unwrap());
        t >= s && t < u
    })
    .await;

    // Search over each field, case-insensitively.
    let contains = |field: &Option<String>, t: &str| {
        field
            .as_ref()
            .is_some_and(|f| f.to_lowercase().contains(&t.to_lowercase()))
    };
    let number = all[2].from_number.clone().unwrap();
    let part = number[number.len() - 4..].to_owned();
    let to = all[7].to_number.clone().unwrap();
    let to_part = to[to.len() - 5..].to_owned();
    let agent = all.iter().find_map(|r| r.agent_name.clone()).unwrap();
    let agent_part = agent.split_whitespace().next().unwrap().to_uppercase();
    for text in [part, to_part, agent_part] {
        let q = CallQuery {
            search: Some(text.clone()),
            ..Default::default()
        };
        check_filter(&ctx, &all, q, |r| {
            contains(&r.from_number, &text)
                || contains(&r.to_number, &text)
                || contains(&r.agent_name, &text)
                || contains(&r.status, &text)
                || contains(&r.direction, &text)
        })
        .await;
    }
    let id = all[11].id.clone();
    let q = CallQuery {
        search: Some(id.to_uppercase()),
        ..Default::default()
    };
    check_filter(&ctx, &all, q, |r| r.id == id).await;

    // Hostile text is only ever text.
    for text in [
        "a,b)or(id.neq.x",
        "%",
        "_",
        "\"),or(id.neq.x",
        "x\\",
        "1:2.3",
        "(+1)",
    ] {
        let q = CallQuery {
            search: Some(text.to_owned()),
            ..Default::default()
        };
        check_filter(&ctx, &all, q, |r| {
            contains(&r.from_number, text)
                || contains(&r.to_number, text)
                || contains(&r.agent_name, text)
                || contains(&r.status, text)
                || contains(&r.direction, text)
        })
        .await;
    }
    // `*` is the one wildcard the search offers.
    let q = CallQuery {
        search: Some("*".into()),
        ..Default::default()
    };
    check_filter(&ctx, &all, q, |r| {
        r.from_number.is_some() || r.to_number.is_some() || r.agent_name.is_some()
    })
    .await;
}

fn time_of(text: &str) -> time::OffsetDateTime {
    time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| {
            time::OffsetDateTime::parse(
                &text.replacen(' ', "T", 1),
                &time::format_description::well_known::Iso8601::DEFAULT,
            )
            .unwrap()
        })
}

/// Walks `query` through `calls::list`, page by page.
async fn list_all(
    session: &SessionManager,
    library: &Library,
    query: &CallQuery,
    source: CallSource,
) -> (Vec<CallRow>, Option<u64>) {
    let mut rows = Vec::new();
    let mut cursor = None;
    let mut total = None;
    loop {
        let p = calls::list(session, library, query, cursor.as_ref())
            .await
            .unwrap();
        assert_eq!(p.source, source);
        if cursor.is_none() {
            total = p.total;
        }
        rows.extend(p.rows);
        match p.next {
            Some(next) => cursor = Some(next),
            None => return (rows, total),
        }
    }
}

#[tokio::test]
async fn offline_the_library_serves_the_same_pages() {
    let ctx = ctx(50).await;
    let dir = tempfile::tempdir().unwrap();
    let library = Library::open(dir.path()).unwrap();
    assert!(dir.path().join("library.sqlite3").exists());
    let all = everything(&ctx).await;
    let has = all[0].has_recording.unwrap();
    let agent = all.iter().find_map(|r| r.agent_name.clone()).unwrap();
    let word = agent.split_whitespace().next().unwrap().to_lowercase();
    let queries = [
        CallQuery {
            limit: 7,
            ..Default::default()
        },
        CallQuery {
            limit: 4,
            sort: Sort::DateAsc,
            has_recording: Some(has),
            ..Default::default()
        },
        CallQuery {
            limit: 5,
            sort: Sort::DurationDesc,
            ..Default::default()
        },
        CallQuery {
            limit: 5,
            sort: Sort::DurationAsc,
            search: Some(word.clone()),
            ..Default::default()
        },
        CallQuery {
            limit: 3,
            since: all[all.len() - 8].created_at.clone(),
            until: all[4].created_at.clone(),
            ..Default::default()
        },
        CallQuery {
            limit: 6,
            search: Some("a,b)or(id.neq.x".into()),
            ..Default::default()
        },
    ];
    let mut online = Vec::new();
    for q in &queries {
        online.push(list_all(&ctx.session, &library, q, CallSource::Remote).await);
    }
    let project = calls::project_key(&ctx.session);
    ctx.backend.shutdown().await;
    for (q, (rows, total)) in queries.iter().zip(&online) {
        let (offline, offline_total) =
            list_all(&ctx.session, &library, q, CallSource::Offline).await;
        assert_eq!(ids(&offline), ids(rows), "{q:?}");
        assert_eq!(&offline, rows, "{q:?}");
        assert_eq!(offline_total, *total, "{q:?}");
    }
    // A reopened library still has them.
    drop(library);
    let library = Library::open(dir.path()).unwrap();
    let p = library.query_calls(&project, &queries[0], None).unwrap();
    assert_eq!(p.total, Some(all.len() as u64));
    // Filed per project and user: another reviewer of the project sees none of them.
    assert!(project.ends_with(&ctx.backend_user_id));
    let other = project.replace(&ctx.backend_user_id, "someone-else");
    let p = library.query_calls(&other, &queries[0], None).unwrap();
    assert_eq!((p.rows.len(), p.total), (0, Some(0)));
}

/// Puts `call` in the library as the downloader leaves it: `segments` known segments, a
/// verified file on disk for each index in `files` (the downloader itself is tested in
/// tests/downloads.rs; here only the list's view of its results matters).
fn as_downloaded(library: &Library, call: &str, segments: u32, files: &[u32]) {
    let records: Vec<SegmentRecord> = (0..segments)
        .map(|index| SegmentRecord {
            call_id: call.to_owned(),
            index,
            segment_id: format!("b:main:{index}"),
            slot: None,
            leg: Some(index),
            label: "main".into(),
            source: None,
            status: None,
            duration_seconds: None,
            created_at: None,
            endpoint: None,
        })
        .collect();
    library.record_segments(call, &records).unwrap();
    for &index in files {
        let rel = format!("recordings/{call}/{index}.wav");
        let path = library.dir().join(&rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, b"RIFF\x04\0\0\0WAVE").unwrap();
        library
            .complete_download(
                &FileRecord {
                    call_id: call.to_owned(),
                    index,
                    path: rel,
                    size: 12,
                    sha256: "0".repeat(64),
                    etag: None,
                    content_type: Some("audio/wav".into()),
                    completed_at: 0,
                },
                true,
            )
            .unwrap();
    }
}

#[tokio::test]
async fn the_downloaded_filter_answers_from_the_library_and_pages_the_rest_from_the_server() {
    let ctx = ctx(30).await;
    let dir = tempfile::tempdir().unwrap();
    let library = Library::open(dir.path()).unwrap();
    let every = CallQuery {
        limit: 1000,
        ..Default::default()
    };
    let (all, _) = list_all(&ctx.session, &library, &every, CallSource::Remote).await;
    assert!(all.len() > 20);
    // Three calls downloaded, one only partly (1 of its 2 segments): that one is not.
    let done = [&all[1].id, &all[5].id, &all[17].id];
    for id in done {
        as_downloaded(&library, id, 1, &[0]);
    }
    as_downloaded(&library, &all[9].id, 2, &[0]);
    let not_done: Vec<String> = ids(&all)
        .into_iter()
        .filter(|id| !done.contains(&id))
        .collect();

    // "Downloaded", online: the library answers (no request), in the list's order, paged.
    let rest_before = ctx.backend.stats().rest_requests;
    let downloaded = CallQuery {
        limit: 2,
        downloaded: Some(true),
        ..Default::default()
    };
    let (rows, total) = list_all(&ctx.session, &library, &downloaded, CallSource::Offline).await;
    assert_eq!(
        ctx.backend.stats().rest_requests,
        rest_before,
        "no server request"
    );
    assert_eq!(ids(&rows), done.map(String::clone).to_vec());
    assert_eq!(total, Some(3));
    assert!(rows.iter().all(|r| r.downloaded));
    // Other filters still apply to it.
    let inbound = CallQuery {
        direction: Some(all[5].direction.clone().unwrap()),
        ..downloaded.clone()
    };
    let (rows, _) = list_all(&ctx.session, &library, &inbound, CallSource::Offline).await;
    assert!(ids(&rows).contains(&all[5].id));
    assert!(rows.iter().all(|r| r.direction == all[5].direction));

    // "Not downloaded", online: the server's pages without the downloaded rows; paging goes on
    // past pages the filter shortened, and the server's total (which counts them) is not shown.
    let not_downloaded = CallQuery {
        limit: 4,
        downloaded: Some(false),
        ..Default::default()
    };
    let first = calls::list(&ctx.session, &library, &not_downloaded, None)
        .await
        .unwrap();
    assert_eq!(first.total, None);
    assert_eq!(first.rows.len(), 3, "all[1] is dropped from the first 4");
    assert!(first.next.is_some());
    let (rows, _) = list_all(&ctx.session, &library, &not_downloaded, CallSource::Remote).await;
    assert_eq!(ids(&rows), not_done);
    assert!(rows.iter().all(|r| !r.downloaded));

    // Offline, both answer from the library the same way.
    ctx.backend.shutdown().await;
    let (rows, total) = list_all(&ctx.session, &library, &downloaded, CallSource::Offline).await;
    assert_eq!((ids(&rows).len(), total), (3, Some(3)));
    let (rows, total) =
        list_all(&ctx.session, &library, &not_downloaded, CallSource::Offline).await;
    assert_eq!(ids(&rows), not_done);
    assert_eq!(total, Some(not_done.len() as u64));

    // The field is camelCase and optional in JSON, as the UI sends it.
    let parsed: CallQuery = serde_json::from_str(r#"{"downloaded":true}"#).unwrap();
    assert_eq!(parsed.downloaded, Some(true));
    let parsed: CallQuery = serde_json::from_str("{}").unwrap();
    assert_eq!(parsed.downloaded, None);
    // PostgREST never hears of it.
    let params = not_downloaded.params(&CallSchema::default(), None).unwrap();
    assert!(
        params.iter().all(|(k, _)| !k.contains("download")),
        "{params:?}"
    );
}

/// A signed-in manager on a canned project whose `/rest/v1/calls` answers `status` + `body`.
async fn canned(status: &str, headers: &[&str], body: &str) -> (SessionManager, tempfile::TempDir) {
    let token = serde_json::json!({
        "access_token": "a.b.c", "refresh_token": "r", "expires_in": 3600, "token_type": "bearer",
        "user": { "id": "0b0e6a52-4d0f-4b39-9a55-0c5b8b2f4e11", "email": "r@example.com" }
    })
    .to_string();
    let url = common::routed_server(vec![
        (
            "/auth/v1/token",
            common::http_response("200 OK", "application/json", &[], &token),
        ),
        (
            "/rest/v1/calls",
            common::http_response(status, "application/json", headers, body),
        ),
    ])
    .await;
    let dir = tempfile::tempdir().unwrap();
    let session = SessionManager::new(
        callrec_core::http::client().unwrap(),
        common::project(&url, "anon"),
        memory(),
        dir.path(),
    );
    session
        .sign_in("r@example.com", &Secret::new("pw".into()))
        .await
        .unwrap();
    (session, dir)
}

#[tokio::test]
async fn odd_schemas_keep_every_row_with_an_id() {
    let body = serde_json::json!([
        { "id": "1", "agency_id": "a", "has_recording": true, "created_at": "2026-01-02T03:04:05+00:00",
          "duration_seconds": 61.5, "queue": "sales", "tags": ["x"] },
        { "id": "2", "has_recording": null, "created_at": "yesterday", "duration_seconds": "n/a",
          "from_number": 5551234, "agent_name": { "first": "Ann" } },
        { "id": "3" },
        { "agency_id": "a", "created_at": "2026-01-02T03:04:05+00:00" },
        { "id": 4, "started_at": "2026-01-02 03:04:05+00", "ended_at": 17 }
    ])
    .to_string();
    let (session, _dir) = canned("200 OK", &["Content-Range: 0-4/5"], &body).await;
    let page = calls::fetch_page(
        &session,
        &CallSchema::default(),
        &CallQuery::default(),
        None,
        Count::Exact,
    )
    .await
    .unwrap();
    assert_eq!(page.total, Some(5));
    assert_eq!(page.skipped, 1);
    assert_eq!(ids(&page.rows), ["1", "2", "3", "4"]);
    let [one, two, three, four] = &page.rows[..] else {
        unreachable!()
    };
    assert_eq!(one.duration_seconds, Some(61.5));
    assert_eq!(one.extra["queue"], "sales");
    assert!(one.invalid.is_empty());
    assert_eq!(two.created_at, None);
    assert_eq!(two.extra["created_at"], "yesterday");
    assert_eq!(two.from_number.as_deref(), Some("5551234"));
    assert_eq!(
        two.invalid,
        ["agent_name", "created_at", "duration_seconds"]
    );
    assert_eq!(three.has_recording, None);
    assert_eq!(four.started_at.as_deref(), Some("2026-01-02 03:04:05+00"));
    assert_eq!(four.invalid, ["ended_at"]);
    // Rows without a created_at still page (by id) rather than fail.
    assert!(page.next.is_none());
}

#[tokio::test]
async fn postgrest_errors_and_counts_from_the_wire() {
    let (session, _dir) = canned(
        "400 Bad Request",
        &[],
        r#"{"code":"42703","details":null,"hint":"Perhaps you meant calls.status","message":"column calls.state does not exist"}"#,
    )
    .await;
    let error = calls::fetch_page(
        &session,
        &CallSchema::default(),
        &CallQuery::default(),
        None,
        Count::Exact,
    )
    .await
    .unwrap_err();
    // A column the server says does not exist is the same usage error as one known absent.
    assert_eq!(code(&error), "missing_column");
    assert!(error.to_string().contains("no state column"), "{error}");
    let (session, _dir) = canned(
        "416 Range Not Satisfiable",
        &[],
        r#"{"code":"PGRST103","details":"An offset of 10 was requested, but there are only 2 rows.","hint":null,"message":"Requested range not satisfiable"}"#,
    )
    .await;
    let error = calls::fetch_page(
        &session,
        &CallSchema::default(),
        &CallQuery::default(),
        None,
        Count::Exact,
    )
    .await
    .unwrap_err();
    assert_eq!(
        callrec_core::ErrorCode::code(&error),
        "range_not_satisfiable"
    );
    for (range, total) in [("*/3573458", Some(3_573_458)), ("0-1/*", None), ("*", None)] {
        let header = format!("Content-Range: {range}");
        let (session, _dir) = canned("200 OK", &[&header], r#"[{"id":"a"},{"id":"b"}]"#).await;
        let page = calls::fetch_page(
            &session,
            &CallSchema::default(),
            &CallQuery::default(),
            None,
            Count::Estimated,
        )
        .await
        .unwrap();
        assert_eq!(page.total, total, "{range}");
    }
}

/// The value of column `name` in `row`, as text: the field it maps to, else the raw value.
fn value_of(schema: &CallSchema, row: &CallRow, name: &str) -> Option<String> {
    let field = match schema.field_of(name) {
        Some(field) => field,
        None => {
            return row.extra.get(name).map(|v| match v {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            });
        }
    };
    match field {
        Field::Duration => row.duration_seconds.map(|d| d.to_string()),
        Field::From => row.from_number.clone(),
        Field::To => row.to_number.clone(),
        Field::Agent => row.agent_name.clone(),
        Field::Status => row.status.clone(),
        Field::Direction => row.direction.clone(),
        Field::Started => row.started_at.clone(),
        Field::Ended => row.ended_at.clone(),
        Field::Transcript => row.transcript.clone(),
        Field::Summary => row.summary.clone(),
        Field::Sentiment => row.sentiment.clone(),
    }
}

fn code(error: &impl callrec_core::ErrorCode) -> &'static str {
    error.code()
}

/// Walks `query` through `calls::list` (the path the app and the CLI take).
async fn walk(
    session: &SessionManager,
    library: &Library,
    query: &CallQuery,
) -> (Vec<CallRow>, CallSchema) {
    let mut rows = Vec::new();
    let mut cursor = None;
    loop {
        let p = calls::list(session, library, query, cursor.as_ref())
            .await
            .unwrap_or_else(|e| panic!("{query:?}: {e}"));
        assert!(p.rows.len() <= query.limit() as usize);
        rows.extend(p.rows);
        match p.next {
            Some(next) => cursor = Some(next),
            None => return (rows, p.schema),
        }
    }
}

/// Every offered filter, sort and search, paging, opening by id and the same offline, on one
/// shape of the `calls` table; what the table lacks is a usage error, online and offline.
async fn exercise(shape: TableShape) {
    let ctx = ctx_on(40, shape, ColumnOverrides::new()).await;
    let dir = tempfile::tempdir().unwrap();
    let library = Library::open(dir.path()).unwrap();
    let project = calls::project_key(&ctx.session);
    let schema = ctx.schema.clone();
    let every = CallQuery {
        limit: 1000,
        ..Default::default()
    };
    let (all, listed) = walk(&ctx.session, &library, &every).await;
    assert!(all.len() >= 30, "{shape:?}");
    assert!(listed.same_as(&schema));
    assert!(
        library
            .call_schema(&project)
            .unwrap()
            .unwrap()
            .same_as(&schema),
        "kept per project"
    );
    // No column of dashes: every mapped field has values in some row.
    for column in schema.columns.iter().filter(|c| c.field.is_some()) {
        assert!(
            all.iter()
                .any(|r| value_of(&schema, r, &column.name).is_some()),
            "{shape:?}: {} is empty",
            column.name
        );
    }
    assert!(all.iter().all(|r| r.invalid.is_empty()), "{shape:?}");

    let mut queries: Vec<(CallQuery, Vec<String>)> = Vec::new();
    // Sorts: paged in sevens, the same order as one big page, and ordered by the key.
    for &sort in &schema.offers.sorts {
        let big = CallQuery {
            sort,
            ..every.clone()
        };
        let (big_rows, _) = walk(&ctx.session, &library, &big).await;
        let paged = CallQuery { limit: 7, ..big };
        let (rows, _) = walk(&ctx.session, &library, &paged).await;
        assert_eq!(ids(&rows), ids(&big_rows), "{shape:?} {sort:?}");
        if matches!(sort, Sort::DurationDesc | Sort::DurationAsc) {
            let d: Vec<f64> = rows.iter().filter_map(|r| r.duration_seconds).collect();
            let mut sorted = d.clone();
            sorted.sort_by(f64::total_cmp);
            if sort == Sort::DurationDesc {
                sorted.reverse();
            }
            assert_eq!(d, sorted, "{shape:?} {sort:?}");
        }
        queries.push((paged, ids(&rows)));
    }
    // Filters the table has: exactly the matching rows.
    let mut check = async |query: CallQuery, keep: &dyn Fn(&CallRow) -> bool| {
        let expected: Vec<String> = all
            .iter()
            .filter(|r| keep(r))
            .map(|r| r.id.clone())
            .collect();
        let q = CallQuery { limit: 6, ..query };
        let (rows, _) = walk(&ctx.session, &library, &q).await;
        assert_eq!(ids(&rows), expected, "{shape:?} {q:?}");
        queries.push((q, expected));
    };
    check(
        CallQuery {
            has_recording: Some(true),
            ..Default::default()
        },
        &|r| r.has_recording == Some(true),
    )
    .await;
    let until = all[4].created_at.clone().unwrap();
    let (u, s) = (
        time_of(&until),
        time_of(all[30].created_at.as_ref().unwrap()),
    );
    check(
        CallQuery {
            since: all[30].created_at.clone(),
            until: Some(until),
            ..Default::default()
        },
        &|r| {
            let t = time_of(r.created_at.as_ref().unwrap());
            t >= s && t < u
        },
    )
    .await;
    for &filter in &schema.offers.filters {
        let value = |r: &CallRow| match filter {
            Filter::Direction => r.direction.clone(),
            Filter::Status => r.status.clone(),
        };
        let wanted = value(&all[3]).unwrap();
        let mut q = CallQuery::default();
        match filter {
            Filter::Direction => q.direction = Some(wanted.clone()),
            Filter::Status => q.status = Some(wanted.clone()),
        }
        check(q, &|r| value(r).as_ref() == Some(&wanted)).await;
    }
    // Search: a piece of each searched column's value, over every searched column.
    for column in &schema.offers.search {
        let Some(value) = all.iter().find_map(|r| value_of(&schema, r, column)) else {
            continue;
        };
        let piece: String = value
            .chars()
            .skip(value.chars().count() / 2)
            .take(5)
            .collect();
        let piece = piece.to_uppercase();
        let hit = |r: &CallRow| {
            schema.offers.search.iter().any(|c| {
                value_of(&schema, r, c)
                    .is_some_and(|v| v.to_lowercase().contains(&piece.to_lowercase()))
            })
        };
        check(
            CallQuery {
                search: Some(piece.clone()),
                ..Default::default()
            },
            &hit,
        )
        .await;
    }
    // A full call id, in any case, on every shape.
    let id = all[9].id.clone();
    check(
        CallQuery {
            search: Some(id.to_uppercase()),
            ..Default::default()
        },
        &|r| r.id == id,
    )
    .await;

    // What the table lacks: a usage error naming it and the columns there are.
    let mut absent: Vec<(CallQuery, &str)> = Vec::new();
    if !schema.offers.filters.contains(&Filter::Direction) {
        absent.push((
            CallQuery {
                direction: Some("inbound".into()),
                ..Default::default()
            },
            "missing_column",
        ));
    }
    if !schema.offers.filters.contains(&Filter::Status) {
        absent.push((
            CallQuery {
                status: Some("completed".into()),
                ..Default::default()
            },
            "missing_column",
        ));
    }
    if schema.offers.search.is_empty() {
        absent.push((
            CallQuery {
                search: Some("555".into()),
                ..Default::default()
            },
            "nothing_to_search",
        ));
    }
    for (q, expected) in &absent {
        let error = calls::list(&ctx.session, &library, q, None)
            .await
            .unwrap_err();
        assert_eq!(code(&error), *expected, "{shape:?} {q:?}");
        assert_eq!(
            callrec_core::ErrorCode::kind(&error),
            callrec_core::ErrorKind::Usage
        );
        assert!(error.to_string().contains("created_at"), "{error}");
    }

    // Opening one call: by its id, the same row as the list's.
    let opened = calls::open(&ctx.session, &library, &all[5].id)
        .await
        .unwrap();
    assert_eq!(opened.source, CallSource::Remote);
    assert_eq!(opened.row, all[5]);
    let unknown = calls::open(
        &ctx.session,
        &library,
        "00000000-0000-4000-8000-000000000000",
    )
    .await
    .unwrap_err();
    assert_eq!(code(&unknown), "call_not_found");

    // Offline: the library answers every query the same, and refuses the same.
    ctx.backend.shutdown().await;
    for (q, expected) in &queries {
        let (rows, schema_offline) = walk(&ctx.session, &library, q).await;
        assert_eq!(&ids(&rows), expected, "{shape:?} offline {q:?}");
        assert!(schema_offline.same_as(&schema));
    }
    for (q, expected) in &absent {
        let error = calls::list(&ctx.session, &library, q, None)
            .await
            .unwrap_err();
        assert_eq!(code(&error), *expected, "{shape:?} offline {q:?}");
    }
    let opened = calls::open(&ctx.session, &library, &all[5].id)
        .await
        .unwrap();
    assert_eq!(opened.source, CallSource::Offline);
    assert_eq!(opened.row, all[5]);
}

#[tokio::test]
async fn the_full_table_offers_everything_online_and_offline() {
    exercise(TableShape::Full).await;
}

#[tokio::test]
async fn a_minimal_table_offers_what_it_has_online_and_offline() {
    exercise(TableShape::Minimal).await;
}

#[tokio::test]
async fn magpipe_s_table_offers_what_it_has_online_and_offline() {
    exercise(TableShape::Magpipe).await;
}

#[tokio::test]
async fn each_shape_maps_its_own_column_names() {
    let minimal = ctx_on(5, TableShape::Minimal, ColumnOverrides::new()).await;
    let s = &minimal.schema;
    assert_eq!(s.column(Field::Duration), Some("duration"));
    assert!(s.offers.filters.is_empty() && s.offers.search.is_empty());
    assert_eq!(s.offers.sorts.len(), 4, "duration stays sortable");
    let magpipe = ctx_on(5, TableShape::Magpipe, ColumnOverrides::new()).await;
    let s = &magpipe.schema;
    assert_eq!(s.column(Field::From), Some("caller_number"));
    assert_eq!(s.column(Field::Agent), Some("assistant_name"));
    assert_eq!(s.column(Field::Summary), Some("call_summary"));
    assert_eq!(s.column(Field::Transcript), Some("transcript"));
    assert_eq!(s.column(Field::To), None, "service_number is no usual name");
    assert!(s.offers.search.contains(&"service_number".to_owned()));
    // The project's `[columns]` override maps it.
    let mapped = ctx_on(
        5,
        TableShape::Magpipe,
        [(Field::To, "service_number".to_owned())].into(),
    )
    .await;
    assert_eq!(mapped.schema.column(Field::To), Some("service_number"));
    let dir = tempfile::tempdir().unwrap();
    let library = Library::open(dir.path()).unwrap();
    let (rows, _) = walk(&mapped.session, &library, &CallQuery::default()).await;
    assert!(
        rows.iter()
            .all(|r| r.to_number.is_some() && r.transcript.is_some())
    );
}

#[tokio::test]
async fn a_table_that_lost_a_column_is_learned_again() {
    // The library thinks the table is the full one (as Callrec learned it before), but the
    // project now serves the minimal table: the server's 42703 is the same usage error, and
    // the next request learns the table as it is.
    let ctx = ctx_on(8, TableShape::Minimal, ColumnOverrides::new()).await;
    let dir = tempfile::tempdir().unwrap();
    let library = Library::open(dir.path()).unwrap();
    let project = calls::project_key(&ctx.session);
    let full = CallSchema::learn(
        &[
            serde_json::json!({"id": "a", "created_at": "2026-01-01T00:00:00Z",
                             "direction": "inbound", "duration_seconds": 3}),
        ],
        None,
        &ColumnOverrides::new(),
    )
    .unwrap();
    library.save_call_schema(&project, &full).unwrap();
    let inbound = CallQuery {
        direction: Some("inbound".into()),
        ..Default::default()
    };
    let error = calls::list(&ctx.session, &library, &inbound, None)
        .await
        .unwrap_err();
    assert_eq!(code(&error), "missing_column");
    assert!(error.to_string().contains("direction"), "{error}");
    assert!(
        library.call_schema(&project).unwrap().is_none(),
        "forgotten"
    );
    let error = calls::list(&ctx.session, &library, &inbound, None)
        .await
        .unwrap_err();
    assert_eq!(code(&error), "missing_column");
    assert!(
        error.to_string().contains("duration"),
        "now the real columns: {error}"
    );
    let page = calls::list(&ctx.session, &library, &CallQuery::default(), None)
        .await
        .unwrap();
    assert_eq!(page.schema.column(Field::Duration), Some("duration"));
}
