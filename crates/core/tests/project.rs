//! `project::probe` against the local backend and against servers that are not Supabase.

mod common;

use callrec_backend::BackendArgs;
use callrec_core::ErrorCode;
use callrec_core::project::{ProbeError, probe};
use common::{backend, backend_project, canned_server, http_response, project};

#[tokio::test]
async fn the_local_backend_is_a_reachable_supabase_project() {
    let backend = backend(BackendArgs::default()).await;
    let client = callrec_core::http::client().unwrap();
    let status = probe(&client, Some(&backend_project(&backend)))
        .await
        .unwrap();
    assert_eq!(status.auth_service, "GoTrue");
    assert!(status.rest_reachable);
    backend.shutdown().await;
}

#[tokio::test]
async fn an_html_site_is_not_a_supabase_project() {
    let url = canned_server(http_response("200 OK", "text/html", &[], "<html></html>")).await;
    let client = callrec_core::http::client().unwrap();
    let error = probe(&client, Some(&project(&url, "k"))).await.unwrap_err();
    assert_eq!(error.code(), "not_supabase", "{error}");
}

#[tokio::test]
async fn a_non_json_5xx_is_a_server_error_with_its_text() {
    let url = canned_server(http_response(
        "502 Bad Gateway",
        "text/html",
        &[],
        "<h1>502 Bad Gateway</h1>",
    ))
    .await;
    let client = callrec_core::http::client().unwrap();
    let error = probe(&client, Some(&project(&url, "k"))).await.unwrap_err();
    match &error {
        ProbeError::Server { status, message } => {
            assert_eq!(*status, 502);
            assert_eq!(message, "<h1>502 Bad Gateway</h1>");
        }
        other => panic!("expected a server error, got {other:?}"),
    }
}

#[tokio::test]
async fn nothing_configured_is_its_own_error() {
    let client = callrec_core::http::client().unwrap();
    let error = probe(&client, None).await.unwrap_err();
    assert_eq!(error.code(), "not_configured");
}
