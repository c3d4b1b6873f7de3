//! Is the configured URL a reachable Supabase project? The first thing the app and the CLI
//! check, and what their "project" views show.

use std::time::Instant;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::config::ProjectConfig;
use crate::http::{self, API_TIMEOUT};
use crate::{ErrorCode, ErrorKind};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ProjectStatus {
    /// What the auth service calls itself (`GoTrue` on Supabase).
    pub auth_service: String,
    pub auth_version: String,
    /// PostgREST answered a query with the anon key.
    pub rest_reachable: bool,
    /// Round trip of the auth health check, in milliseconds.
    pub latency_ms: u32,
}

#[derive(Debug, thiserror::Error)]
pub enum ProbeError {
    #[error("no Supabase project is configured")]
    NotConfigured,
    #[error("cannot reach {url}: {reason}")]
    Unreachable { url: String, reason: String },
    #[error("{url} does not look like a Supabase project ({reason})")]
    NotSupabase { url: String, reason: String },
    #[error("the project refused the anon key (HTTP {status}): {message}")]
    KeyRejected { status: u16, message: String },
    #[error("the project answered HTTP {status}: {message}")]
    Server { status: u16, message: String },
    #[error("{url} answered with more than the {max} bytes a health check reads")]
    TooLarge { url: String, max: usize },
}

/// The most of a probe's answer read: health and error bodies are a few hundred bytes.
const MAX_PROBE_BODY: usize = 64 * 1024;

impl ErrorCode for ProbeError {
    fn code(&self) -> &'static str {
        match self {
            Self::NotConfigured => "not_configured",
            Self::Unreachable { .. } => "unreachable",
            Self::NotSupabase { .. } => "not_supabase",
            Self::KeyRejected { .. } => "key_rejected",
            Self::Server { .. } => "server_error",
            Self::TooLarge { .. } => "response_too_large",
        }
    }

    fn kind(&self) -> ErrorKind {
        match self {
            Self::NotConfigured | Self::NotSupabase { .. } => ErrorKind::Usage,
            Self::KeyRejected { .. } => ErrorKind::Auth,
            Self::Unreachable { .. } | Self::Server { .. } | Self::TooLarge { .. } => {
                ErrorKind::Network
            }
        }
    }
}

/// GoTrue's `/health` body; only `name` and `version` matter, and neither is guaranteed.
#[derive(Deserialize)]
struct Health {
    name: Option<String>,
    version: Option<String>,
}

/// Checks `auth/v1/health` and the PostgREST root, both with the anon key.
pub async fn probe(
    client: &reqwest::Client,
    project: Option<&ProjectConfig>,
) -> Result<ProjectStatus, ProbeError> {
    let project = project.ok_or(ProbeError::NotConfigured)?;
    let shown_url = http::redact(&project.supabase_url);
    let unreachable = |error: reqwest::Error| ProbeError::Unreachable {
        url: shown_url.clone(),
        reason: describe_transport_error(error),
    };

    let started = Instant::now();
    let response = client
        .get(project.endpoint("auth/v1/health"))
        .header("apikey", project.anon_key.expose())
        .header("X-Client-Info", http::CLIENT_INFO)
        .timeout(API_TIMEOUT)
        .send()
        .await
        .map_err(unreachable)?;
    let latency_ms = u32::try_from(started.elapsed().as_millis()).unwrap_or(u32::MAX);
    let status = response.status();
    let body = http::read_capped(response, MAX_PROBE_BODY)
        .await
        .map_err(|error| match error {
            http::HttpError::TooLarge { max } => ProbeError::TooLarge {
                url: shown_url.clone(),
                max,
            },
            other => ProbeError::Unreachable {
                url: shown_url.clone(),
                reason: other.to_string(),
            },
        })?;
    let body = String::from_utf8_lossy(&body).into_owned();
    if status == reqwest::StatusCode::UNAUTHORIZED || status == reqwest::StatusCode::FORBIDDEN {
        return Err(ProbeError::KeyRejected {
            status: status.as_u16(),
            message: server_message(&body),
        });
    }
    if status.is_server_error() {
        return Err(ProbeError::Server {
            status: status.as_u16(),
            message: server_message(&body),
        });
    }
    if !status.is_success() {
        return Err(ProbeError::NotSupabase {
            url: shown_url,
            reason: format!("auth/v1/health answered HTTP {}", status.as_u16()),
        });
    }
    let health: Health = serde_json::from_str(&body).map_err(|_| ProbeError::NotSupabase {
        url: shown_url.clone(),
        reason: "auth/v1/health did not answer JSON".into(),
    })?;

    // Not the PostgREST root: Supabase no longer serves its OpenAPI document to anon keys.
    // Any answer in PostgREST's shape (rows, or an error such as RLS's 401 or a missing
    // table's 404) proves the REST API is there.
    let rest = client
        .get(project.endpoint("rest/v1/calls"))
        .query(&[("select", "id"), ("limit", "1")])
        .header("apikey", project.anon_key.expose())
        .header("X-Client-Info", http::CLIENT_INFO)
        .timeout(API_TIMEOUT)
        .send()
        .await;
    let rest_reachable = match rest {
        Ok(response) if response.status().is_success() => true,
        Ok(response) => http::read_capped(response, MAX_PROBE_BODY)
            .await
            .ok()
            .and_then(|body| serde_json::from_slice::<serde_json::Value>(&body).ok())
            .is_some_and(|body| body.get("code").is_some() && body.get("message").is_some()),
        Err(_) => false,
    };

    Ok(ProjectStatus {
        auth_service: health.name.unwrap_or_else(|| "GoTrue".into()),
        auth_version: health.version.unwrap_or_else(|| "unknown".into()),
        rest_reachable,
        latency_ms,
    })
}

/// The server's own words from an error body in any of Supabase's shapes (`msg`, `message`,
/// `error_description`, `error`), else the start of the text; never more than 300 characters.
pub fn server_message(body: &str) -> String {
    let from_json = serde_json::from_str::<serde_json::Value>(body)
        .ok()
        .and_then(|value| {
            ["msg", "message", "error_description", "error"]
                .iter()
                .find_map(|key| match value.get(*key) {
                    Some(serde_json::Value::String(text)) => Some(text.clone()),
                    Some(serde_json::Value::Object(inner)) => inner
                        .get("message")
                        .and_then(|m| m.as_str())
                        .map(str::to_owned),
                    _ => None,
                })
        });
    let text = from_json.unwrap_or_else(|| body.trim().to_owned());
    let text = if text.is_empty() {
        "no message".to_owned()
    } else {
        text
    };
    text.chars().take(300).collect()
}

fn describe_transport_error(error: reqwest::Error) -> String {
    if error.is_timeout() {
        "the request timed out".into()
    } else if error.is_connect() {
        "connection refused or no route to the host".into()
    } else {
        // reqwest's Display includes the URL; we already name it, redacted.
        error.without_url().to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_message_reads_every_supabase_shape() {
        assert_eq!(
            server_message(r#"{"code":400,"error_code":"x","msg":"Invalid login"}"#),
            "Invalid login"
        );
        assert_eq!(
            server_message(r#"{"error":"invalid_grant","error_description":"Bad"}"#),
            "Bad"
        );
        assert_eq!(
            server_message(r#"{"code":"PGRST303","message":"JWT expired"}"#),
            "JWT expired"
        );
        assert_eq!(
            server_message(r#"{"error":{"code":"not_found","message":"No call"}}"#),
            "No call"
        );
        assert_eq!(
            server_message("<html>502 Bad Gateway</html>"),
            "<html>502 Bad Gateway</html>"
        );
        assert_eq!(server_message("  "), "no message");
        assert_eq!(server_message(&"x".repeat(5000)).len(), 300);
    }
}
