//! Shared helpers: a backend per test, a client that never follows redirects, logins, and
//! tokens minted with the project's secret.
#![allow(dead_code)]

use callrec_backend::{BackendArgs, RunningBackend, start};
use reqwest::{Client, RequestBuilder, StatusCode};
use serde_json::{Value, json};

pub use callrec_backend::fixtures;

pub struct Ctx {
    pub backend: RunningBackend,
    pub http: Client,
}

pub async fn start_with(args: BackendArgs) -> Ctx {
    let backend = start(args).await.expect("backend starts");
    let http = Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    Ctx { backend, http }
}

/// A small world: 60 Northwind calls (fixtures included).
pub async fn small() -> Ctx {
    start_with(BackendArgs {
        calls: 60,
        ..Default::default()
    })
    .await
}

pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

impl Ctx {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.backend.base_url())
    }

    pub fn anon(&self) -> &str {
        self.backend.anon_key()
    }

    /// A request with the anon key as `apikey` (as supabase-js sends it).
    pub fn req(&self, method: reqwest::Method, path: &str) -> RequestBuilder {
        self.http
            .request(method, self.url(path))
            .header("apikey", self.anon())
    }

    pub fn get(&self, path: &str) -> RequestBuilder {
        self.req(reqwest::Method::GET, path)
    }

    pub fn post(&self, path: &str) -> RequestBuilder {
        self.req(reqwest::Method::POST, path)
    }

    pub async fn password_grant(&self, email: &str, password: &str) -> reqwest::Response {
        self.post("/auth/v1/token?grant_type=password")
            .json(&json!({ "email": email, "password": password }))
            .send()
            .await
            .expect("token request")
    }

    /// Signs in and returns GoTrue's token response.
    pub async fn login(&self, email: &str) -> Value {
        let r = self.password_grant(email, fixtures::DEMO_PASSWORD).await;
        assert_eq!(r.status(), StatusCode::OK, "login of {email}");
        r.json().await.expect("token json")
    }

    pub async fn token(&self, email: &str) -> String {
        self.login(email).await["access_token"]
            .as_str()
            .expect("access_token")
            .to_string()
    }

    pub async fn reviewer(&self) -> String {
        self.token(fixtures::USER_REVIEWER_EMAIL).await
    }

    pub async fn refresh(&self, refresh_token: &str) -> reqwest::Response {
        self.post("/auth/v1/token?grant_type=refresh_token")
            .json(&json!({ "refresh_token": refresh_token }))
            .send()
            .await
            .expect("refresh request")
    }

    /// A JWT signed with the project's secret, with whatever claims a test needs.
    pub fn mint(&self, claims: Value) -> String {
        jwt(&claims, self.backend.jwt_secret())
    }

    /// The admin API needs the service key twice.
    pub fn admin(&self, method: reqwest::Method, path: &str) -> RequestBuilder {
        let k = self.backend.service_role_key();
        self.http
            .request(method, self.url(path))
            .header("apikey", k)
            .bearer_auth(k)
    }

    /// REST as a given bearer.
    pub fn rest(&self, query: &str, bearer: &str) -> RequestBuilder {
        self.get(&format!("/rest/v1/calls{query}"))
            .bearer_auth(bearer)
    }

    /// Endpoint A for a call.
    pub async fn endpoint_a(&self, token: &str, call_id: &str) -> (StatusCode, Value) {
        let r = self
            .get(&format!(
                "/functions/v1/get-call-recording?call_id={call_id}"
            ))
            .bearer_auth(token)
            .send()
            .await
            .expect("endpoint A");
        let s = r.status();
        (s, r.json().await.unwrap_or(Value::Null))
    }

    /// Endpoint B for a call.
    pub async fn endpoint_b(&self, token: &str, call_id: &str) -> (StatusCode, Value) {
        let r = self
            .post("/functions/v1/get-signed-recording-url")
            .bearer_auth(token)
            .json(&json!({ "call_id": call_id }))
            .send()
            .await
            .expect("endpoint B");
        let s = r.status();
        (s, r.json().await.unwrap_or(Value::Null))
    }
}

/// HS256 JWT, written out so tests do not depend on the backend's own signing code.
pub fn jwt(claims: &Value, secret: &str) -> String {
    use base64::Engine;
    use hmac::{Hmac, Mac};
    let b64 = |b: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b);
    let header = b64(br#"{"alg":"HS256","typ":"JWT"}"#);
    let payload = b64(claims.to_string().as_bytes());
    let signing_input = format!("{header}.{payload}");
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).expect("hmac key");
    mac.update(signing_input.as_bytes());
    format!("{signing_input}.{}", b64(&mac.finalize().into_bytes()))
}

/// Whether `token` carries a valid HS256 signature by `secret`.
pub fn verify_hs256(token: &str, secret: &str) -> bool {
    use base64::Engine;
    use hmac::{Hmac, Mac};
    let Some((input, sig)) = token.rsplit_once('.') else {
        return false;
    };
    let Ok(sig) = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(sig) else {
        return false;
    };
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).expect("hmac key");
    mac.update(input.as_bytes());
    mac.verify_slice(&sig).is_ok()
}

/// The claims of a JWT, without verifying it.
pub fn claims(token: &str) -> Value {
    use base64::Engine;
    let payload = token.split('.').nth(1).expect("payload");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .expect("base64");
    serde_json::from_slice(&bytes).expect("claims json")
}

/// Every row the bearer can see (service role or a user with ≤ 1000 rows).
pub async fn all_rows(ctx: &Ctx, bearer: &str) -> Vec<Value> {
    let r = ctx
        .rest("?select=*&order=created_at.desc,id.desc", bearer)
        .send()
        .await
        .expect("rest");
    assert_eq!(r.status(), StatusCode::OK);
    r.json().await.expect("rows")
}
