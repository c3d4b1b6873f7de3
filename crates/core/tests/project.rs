//! `project::probe` against the local backend and against servers that are not Supabase.

use callrec_core::ErrorCode;
use callrec_core::config::{ProjectConfig, parse_base_url};
use callrec_core::project::{ProbeError, probe};
use callrec_core::secret::Secret;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn project(url: &str, key: &str) -> ProjectConfig {
    let url = parse_base_url("test", url).unwrap();
    ProjectConfig {
        functions_url: url.join("functions/v1").unwrap(),
        signed_url_functions_url: url.join("functions/v1").unwrap(),
        supabase_url: url,
        anon_key: Secret::new(key.to_owned()),
        signed_url_api_key: None,
    }
}

/// A one-trick HTTP server answering every request with `response`.
async fn canned_server(response: &'static str) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let mut buffer = [0u8; 4096];
            let _ = socket.read(&mut buffer).await;
            let _ = socket.write_all(response.as_bytes()).await;
            let _ = socket.shutdown().await;
        }
    });
    url
}

#[tokio::test]
async fn the_local_backend_is_a_reachable_supabase_project() {
    let backend = callrec_backend::start(callrec_backend::BackendArgs {
        calls: 5,
        ..Default::default()
    })
    .await
    .unwrap();
    let client = callrec_core::http::client().unwrap();
    let status = probe(
        &client,
        Some(&project(backend.base_url(), backend.anon_key())),
    )
    .await
    .unwrap();
    assert_eq!(status.auth_service, "GoTrue");
    assert!(status.rest_reachable);
    backend.shutdown().await;
}

#[tokio::test]
async fn an_html_site_is_not_a_supabase_project() {
    let url = canned_server(
        "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 13\r\nConnection: close\r\n\r\n<html></html>",
    )
    .await;
    let client = callrec_core::http::client().unwrap();
    let error = probe(&client, Some(&project(&url, "k"))).await.unwrap_err();
    assert_eq!(error.code(), "not_supabase", "{error}");
}

#[tokio::test]
async fn a_non_json_5xx_is_a_server_error_with_its_text() {
    let url = canned_server(
        "HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/html\r\nContent-Length: 24\r\nConnection: close\r\n\r\n<h1>502 Bad Gateway</h1>",
    )
    .await;
    let client = callrec_core::http::client().unwrap();
    let error = probe(&client, Some(&project(&url, "k"))).await.unwrap_err();
    match &error {
        ProbeError::Server { status, message } => {
            assert_eq!(*status, 502);
            assert!(message.contains("Bad Gateway"), "{message}");
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
