//! What Supabase's API gateway (Kong) does in front of the services: the `apikey` check, CORS
//! for auth and REST, unknown routes; plus the fault middleware (latency, injected 5xx).

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::faults::{self, Family};
use crate::state::Shared;
use crate::stats::Counters;

/// The key sent as `apikey` header, or as `apikey` query parameter (Kong accepts both).
fn presented_key(req: &Request) -> Option<String> {
    if let Some(v) = req.headers().get("apikey") {
        return Some(v.to_str().unwrap_or_default().to_string());
    }
    let query = req.uri().query()?;
    url::form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == "apikey")
        .map(|(_, v)| v.into_owned())
}

/// Rejects requests without the project's anon or service_role key, as the gateway does.
/// Preflights pass: browsers send them without custom headers.
pub(crate) async fn require_apikey(
    State(state): State<Shared>,
    req: Request,
    next: Next,
) -> Response {
    if req.method() == Method::OPTIONS {
        return next.run(req).await;
    }
    match presented_key(&req) {
        None => {
            Counters::bump(&state.counters.apikey_rejections);
            (
                StatusCode::UNAUTHORIZED,
                axum::Json(json!({
                    "message": "No API key found in request",
                    "hint": "No `apikey` request header or url param was found."
                })),
            )
                .into_response()
        }
        Some(k) if k == state.keys.anon_key || k == state.keys.service_key => next.run(req).await,
        Some(_) => {
            Counters::bump(&state.counters.apikey_rejections);
            (
                StatusCode::UNAUTHORIZED,
                axum::Json(json!({
                    "message": "Invalid API key",
                    "hint": "Double check your Supabase `anon` or `service_role` API key."
                })),
            )
                .into_response()
        }
    }
}

/// The `latency_ms` fault: every request but the admin API waits first.
pub(crate) async fn latency(State(state): State<Shared>, req: Request, next: Next) -> Response {
    let ms = state.faults().latency_ms;
    if ms > 0 {
        tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
    }
    next.run(req).await
}

async fn inject(state: &Shared, family: Family, req: Request, next: Next) -> Response {
    if req.method() != Method::OPTIONS && faults::roll(&state.fault_rng, state.faults().error_rate)
    {
        Counters::bump(&state.counters.injected_errors);
        return faults::synthetic_error(family);
    }
    next.run(req).await
}

pub(crate) async fn inject_rest(State(s): State<Shared>, req: Request, next: Next) -> Response {
    inject(&s, Family::Rest, req, next).await
}

pub(crate) async fn inject_functions(
    State(s): State<Shared>,
    req: Request,
    next: Next,
) -> Response {
    inject(&s, Family::Functions, req, next).await
}

pub(crate) async fn inject_supabase_storage(
    State(s): State<Shared>,
    req: Request,
    next: Next,
) -> Response {
    Counters::bump(&s.counters.storage_requests);
    inject(&s, Family::SupabaseStorage, req, next).await
}

pub(crate) async fn inject_gcs(State(s): State<Shared>, req: Request, next: Next) -> Response {
    Counters::bump(&s.counters.storage_requests);
    inject(&s, Family::Gcs, req, next).await
}

pub(crate) async fn inject_provider(State(s): State<Shared>, req: Request, next: Next) -> Response {
    Counters::bump(&s.counters.storage_requests);
    inject(&s, Family::Provider, req, next).await
}

/// The CORS answers Kong's cors plugin gives auth and REST (functions answer their own).
pub(crate) async fn cors(req: Request, next: Next) -> Response {
    let preflight = req.method() == Method::OPTIONS;
    let requested = req
        .headers()
        .get(header::ACCESS_CONTROL_REQUEST_HEADERS)
        .cloned();
    let origin = req.headers().get(header::ORIGIN).cloned();
    let mut resp = if preflight {
        let mut r = Response::new(Body::empty());
        let h = r.headers_mut();
        h.insert(
            header::ACCESS_CONTROL_ALLOW_METHODS,
            HeaderValue::from_static("GET,HEAD,PUT,PATCH,POST,DELETE,OPTIONS,TRACE,CONNECT"),
        );
        h.insert(
            header::ACCESS_CONTROL_ALLOW_HEADERS,
            requested.unwrap_or_else(|| {
                HeaderValue::from_static("authorization,apikey,content-type,x-client-info,prefer,range,range-unit,accept-profile,content-profile,x-supabase-api-version")
            }),
        );
        h.insert(
            header::ACCESS_CONTROL_MAX_AGE,
            HeaderValue::from_static("3600"),
        );
        r
    } else {
        next.run(req).await
    };
    let h = resp.headers_mut();
    h.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        origin.unwrap_or_else(|| HeaderValue::from_static("*")),
    );
    h.insert(
        header::ACCESS_CONTROL_ALLOW_CREDENTIALS,
        HeaderValue::from_static("true"),
    );
    h.insert(
        header::ACCESS_CONTROL_EXPOSE_HEADERS,
        HeaderValue::from_static("Content-Range, Range-Unit, Content-Location, Preference-Applied, X-Supabase-Api-Version, x-sb-error-code, Retry-After"),
    );
    h.append(header::VARY, HeaderValue::from_static("Origin"));
    resp
}

/// Kong's answer for a path no service owns.
pub(crate) async fn no_route() -> Response {
    (
        StatusCode::NOT_FOUND,
        axum::Json(json!({ "message": "no Route matched with those values" })),
    )
        .into_response()
}
