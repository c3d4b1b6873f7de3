//! Recordings from both endpoints against the real local backend over loopback: every
//! documented status mapped to its own code and message, the merge, one endpoint down, both
//! down; hostile answers from canned servers; the two parsers fuzzed with proptest.

mod common;

use callrec_backend::fixtures::{self as fx, call};
use callrec_backend::{BackendArgs, Faults};
use callrec_core::config::parse_base_url;
use callrec_core::recordings::{
    Credential, Endpoint, EndpointOutcome, EndpointSettings, ExpirySource, Recordings,
    RecordingsError, endpoint_a, endpoint_b,
};
use callrec_core::secret::Secret;
use callrec_core::session::SessionManager;
use callrec_core::{ErrorCode, ErrorKind};
use common::*;
use proptest::prelude::*;

fn recordings(session: &SessionManager) -> Recordings {
    Recordings::new(
        session.clone(),
        callrec_core::http::client().unwrap(),
        EndpointSettings::from_project(session.project()),
    )
}

fn with_settings(session: &SessionManager, settings: EndpointSettings) -> Recordings {
    Recordings::new(
        session.clone(),
        callrec_core::http::client().unwrap(),
        settings,
    )
}

fn failed(outcome: &EndpointOutcome) -> (&str, &str) {
    match outcome {
        EndpointOutcome::Failed { code, message } => (code, message),
        other => panic!("expected a failure, got {other:?}"),
    }
}

fn ok_count(outcome: &EndpointOutcome) -> u32 {
    match outcome {
        EndpointOutcome::Ok { segments, .. } => *segments,
        other => panic!("expected ok, got {other:?}"),
    }
}

fn id(name: &str) -> &'static str {
    call(name).unwrap().call_id
}

#[tokio::test]
async fn multi_segment_call_merges_b_in_order_with_a_as_ultravox_main() {
    let backend = backend(BackendArgs::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let session = signed_in_as(&backend, fx::USER_REVIEWER_EMAIL, dir.path()).await;
    let resolved = recordings(&session)
        .resolve(fx::MULTI_SEGMENT)
        .await
        .unwrap();
    let rec = &resolved.recording;
    let shown: Vec<_> = rec
        .segments
        .iter()
        .map(|s| format!("{}:{}", s.label, s.source.as_deref().unwrap_or("-")))
        .collect();
    // B's main is signalwire's recording, not Ultravox's: A's joins it as a second main.
    assert_eq!(
        shown,
        [
            "main:signalwire",
            "main:ultravox",
            "transfer_conference:livekit",
            "reconnect_to_agent:unknown"
        ]
    );
    assert_eq!(ok_count(&rec.call_recording), 1);
    assert_eq!(ok_count(&rec.signed_recording_url), 3);
    assert!(rec.combined.is_none() && resolved.failure.is_none());
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    for segment in &resolved.segments {
        // Default backend URLs live 300 s, and each store says so in its own way.
        let left = segment.expires_at - now;
        assert!(
            (250..=305).contains(&left),
            "{} expires in {left}",
            segment.id
        );
        let expected = match segment.endpoint {
            Endpoint::CallRecording => ExpirySource::SignedQuery,
            Endpoint::SignedRecordingUrl => ExpirySource::TokenExp,
        };
        assert_eq!(segment.expiry, expected, "{}", segment.id);
    }
    assert_eq!(rec.segments[0].duration_seconds, Some(20.0));
    assert_eq!(rec.segments[1].duration_seconds, None);
    assert_eq!(rec.segments[1].endpoint, Endpoint::CallRecording);
    assert_eq!(rec.segments[2].endpoint, Endpoint::SignedRecordingUrl);
    // Both mains are one leg, the B copy first; the other labels are their own legs.
    assert_eq!(rec.legs.len(), 3, "{:?}", rec.legs);
    assert_eq!(rec.legs[0].copies.len(), 2);
    assert_eq!(rec.legs[0].copies[0].recording_id, rec.segments[0].id);
    // The shown form has no URL, no signature, no token.
    let json = serde_json::to_string(rec).unwrap();
    for leak in ["://", "token=", "X-Goog-", "Signature=", "Expires="] {
        assert!(!json.contains(leak), "{leak} in {json}");
    }
    assert!(
        json.contains("\"callRecording\":{\"state\":\"ok\""),
        "{json}"
    );
}

#[tokio::test]
async fn pending_sync_segments_are_provider_copies_that_may_expire() {
    let backend = backend(BackendArgs::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let session = signed_in_as(&backend, fx::USER_REVIEWER_EMAIL, dir.path()).await;
    let resolved = recordings(&session)
        .resolve(fx::MULTI_SEGMENT_PENDING)
        .await
        .unwrap();
    let pending: Vec<_> = resolved
        .recording
        .segments
        .iter()
        .filter(|s| s.status.as_deref() == Some("pending_sync"))
        .collect();
    assert_eq!(pending.len(), 2);
    for segment in pending {
        assert_eq!(segment.note.as_deref(), Some("provider copy, may expire"));
        assert_eq!(segment.expiry, ExpirySource::ExpiresParam);
    }
    let synced = &resolved.recording.segments[0];
    assert_eq!(synced.status.as_deref(), Some("synced"));
    assert_eq!(synced.note, None);
}

#[tokio::test]
async fn a_and_b_map_every_documented_status_against_the_backend() {
    let backend = backend(BackendArgs::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let reviewer = signed_in_as(&backend, fx::USER_REVIEWER_EMAIL, dir.path()).await;
    let base = reviewer.project().functions_url.clone();
    let http = callrec_core::http::client().unwrap();

    // 400 missing call_id: both endpoints, sent raw (resolve refuses an empty id itself).
    let a = endpoint_a::fetch(&reviewer, &base, "").await.unwrap_err();
    assert!(
        matches!(
            a,
            RecordingsError::MissingCallId {
                endpoint: Endpoint::CallRecording,
                ..
            }
        ),
        "{a:?}"
    );
    assert_eq!((a.code(), a.kind()), ("missing_call_id", ErrorKind::Usage));
    let b = endpoint_b::fetch(&reviewer, &http, &base, &Credential::UserJwt, "")
        .await
        .unwrap_err();
    assert_eq!(b.code(), "missing_call_id");
    assert!(b.to_string().starts_with("get-signed-recording-url"), "{b}");
    let refused = recordings(&reviewer).resolve("  ").await.unwrap_err();
    assert_eq!(refused.code(), "invalid_call_id");

    // 404 call not found (another agency's call): both.
    let resolved = recordings(&reviewer)
        .resolve(fx::OTHER_AGENCY)
        .await
        .unwrap();
    assert_eq!(
        failed(&resolved.recording.call_recording).0,
        "call_not_found"
    );
    assert_eq!(
        failed(&resolved.recording.signed_recording_url).0,
        "call_not_found"
    );
    let failure = resolved.failure.unwrap();
    assert_eq!(
        (failure.code(), failure.kind()),
        ("call_not_found", ErrorKind::NotFound)
    );

    // 404 has_recording = false.
    let resolved = recordings(&reviewer)
        .resolve(fx::NO_RECORDING)
        .await
        .unwrap();
    let (code, message) = failed(&resolved.recording.call_recording);
    assert_eq!(code, "no_recording");
    assert!(message.contains("has no recording"), "{message}");
    assert_eq!(
        failed(&resolved.recording.signed_recording_url).0,
        "no_recording"
    );

    // 404 Ultravox has none (and B has nothing stored): one combined not-found message.
    let resolved = recordings(&reviewer)
        .resolve(fx::MISSING_RECORDING)
        .await
        .unwrap();
    let (code, message) = failed(&resolved.recording.call_recording);
    assert_eq!(code, "ultravox_recording_unavailable");
    assert!(message.contains("Ultravox has no recording"), "{message}");
    let combined = resolved.recording.combined.clone().unwrap();
    assert!(
        combined.contains("get-call-recording") && combined.contains("get-signed-recording-url"),
        "{combined}"
    );
    let failure = resolved.failure.unwrap();
    assert_eq!(
        (failure.code(), failure.kind()),
        ("no_recording", ErrorKind::NotFound)
    );
    assert_eq!(
        resolved.recording.combined_code.as_deref(),
        Some("no_recording")
    );

    // 404 from Ultravox while B has the segment: B plays, A's failure is shown inline.
    let resolved = recordings(&reviewer)
        .resolve(fx::SEGMENTS_ONLY)
        .await
        .unwrap();
    assert_eq!(
        failed(&resolved.recording.call_recording).0,
        "ultravox_recording_unavailable"
    );
    assert_eq!(resolved.segments.len(), 1);
    assert!(resolved.failure.is_none());

    // 400 agency without an Ultravox key: A fails in its own words, B still plays.
    let juniper = signed_in_as(&backend, fx::USER_JUNIPER_EMAIL, dir.path()).await;
    let resolved = recordings(&juniper)
        .resolve(fx::KEYLESS_AGENCY)
        .await
        .unwrap();
    let (code, message) = failed(&resolved.recording.call_recording);
    assert_eq!(code, "ultravox_key_missing");
    assert!(message.contains("no Ultravox API key"), "{message}");
    assert_eq!(ok_count(&resolved.recording.signed_recording_url), 1);
    assert_eq!(resolved.segments.len(), 1);
    assert_eq!(resolved.segments[0].endpoint, Endpoint::SignedRecordingUrl);

    // 403 user without an agency (B hides the call instead: not found).
    let loner = signed_in_as(&backend, fx::USER_NO_AGENCY_EMAIL, dir.path()).await;
    let resolved = recordings(&loner).resolve(fx::WAV_PCM16).await.unwrap();
    let (code, message) = failed(&resolved.recording.call_recording);
    assert_eq!(code, "no_agency");
    assert!(message.contains("not linked to an agency"), "{message}");
    assert_eq!(
        failed(&resolved.recording.signed_recording_url).0,
        "call_not_found"
    );

    // B with an API key the server does not know: 401 unauthorized, its own code.
    let mut settings = EndpointSettings::from_project(reviewer.project());
    settings.credential = Credential::ApiKey(Secret::new("not-a-key".into()));
    let resolved = with_settings(&reviewer, settings)
        .resolve(fx::WAV_PCM16)
        .await
        .unwrap();
    let (code, message) = failed(&resolved.recording.signed_recording_url);
    assert_eq!(code, "api_key_refused");
    assert!(message.contains("API key"), "{message}");
    assert_eq!(ok_count(&resolved.recording.call_recording), 1);

    // 500 from both (the functions' worker errors): both down, one combined message.
    backend
        .set_faults(Faults {
            error_rate: 1.0,
            ..Faults::default()
        })
        .unwrap();
    let resolved = recordings(&reviewer).resolve(fx::WAV_PCM16).await.unwrap();
    assert_eq!(failed(&resolved.recording.call_recording).0, "server_error");
    let (code, message) = failed(&resolved.recording.signed_recording_url);
    assert_eq!(code, "server_error");
    assert!(message.contains("(500)"), "{message}");
    let failure = resolved.failure.unwrap();
    assert_eq!(
        (failure.code(), failure.kind()),
        ("server_error", ErrorKind::Network)
    );
    assert!(
        resolved
            .recording
            .combined
            .unwrap()
            .starts_with("No recording could be loaded.")
    );
}

#[tokio::test]
async fn a_revoked_session_refreshes_once_then_asks_to_sign_in() {
    let backend = backend(BackendArgs::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let session = signed_in_as(&backend, fx::USER_REVIEWER_EMAIL, dir.path()).await;
    // The session ends on the server (signed out elsewhere): the JWT still verifies, but
    // getUser() fails, the refresh is refused, and the reviewer is told to sign in.
    let token = session.access_token().await.unwrap();
    let status = reqwest::Client::new()
        .post(format!(
            "{}/auth/v1/logout?scope=global",
            backend.base_url()
        ))
        .header("apikey", backend.anon_key())
        .bearer_auth(token.expose())
        .send()
        .await
        .unwrap()
        .status();
    assert!(status.is_success(), "{status}");
    let a = endpoint_a::fetch(&session, &session.project().functions_url, fx::WAV_PCM16)
        .await
        .unwrap_err();
    assert_eq!(a.kind(), ErrorKind::Auth, "{a:?}");
    assert!(
        matches!(
            a,
            RecordingsError::Session {
                endpoint: Endpoint::CallRecording,
                ..
            }
        ),
        "{a:?}"
    );
}

#[tokio::test]
async fn a_401_is_retried_once_after_a_refresh_then_is_a_sign_in_error() {
    let backend = backend(BackendArgs::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let session = signed_in_as(&backend, fx::USER_REVIEWER_EMAIL, dir.path()).await;
    let (functions, hits) = counting_server(http_response(
        "401 Unauthorized",
        "application/json",
        &[],
        r#"{"code":401,"message":"Invalid JWT"}"#,
    ))
    .await;
    let base = parse_base_url("t", &functions).unwrap();
    let error = endpoint_a::fetch(&session, &base, fx::WAV_PCM16)
        .await
        .unwrap_err();
    assert_eq!(error.code(), "sign_in_required");
    assert!(error.to_string().contains("Sign in again"), "{error}");
    assert!(error.to_string().contains("Invalid JWT"), "{error}");
    assert_eq!(hits.load(std::sync::atomic::Ordering::SeqCst), 2);
}

#[tokio::test]
async fn one_endpoint_down_or_off_still_plays_the_other() {
    let backend = backend(BackendArgs::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let session = signed_in_as(&backend, fx::USER_REVIEWER_EMAIL, dir.path()).await;

    // B behind a gateway that fails with an HTML page.
    let broken = canned_server(http_response(
        "502 Bad Gateway",
        "text/html",
        &[],
        "<html><body><h1>502 Bad Gateway</h1></body></html>",
    ))
    .await;
    let mut settings = EndpointSettings::from_project(session.project());
    settings.signed_url = Some(parse_base_url("t", &broken).unwrap());
    let resolved = with_settings(&session, settings)
        .resolve(fx::WAV_PCM16)
        .await
        .unwrap();
    assert_eq!(resolved.segments.len(), 1);
    assert_eq!(resolved.segments[0].source.as_deref(), Some("ultravox"));
    let (code, message) = failed(&resolved.recording.signed_recording_url);
    assert_eq!(code, "server_error");
    assert!(
        message.contains("(502)") && !message.contains("<html"),
        "{message}"
    );

    // B unreachable (nothing listens): a network error of its own.
    let mut settings = EndpointSettings::from_project(session.project());
    settings.signed_url = Some(parse_base_url("t", "http://127.0.0.1:9").unwrap());
    let resolved = with_settings(&session, settings)
        .resolve(fx::WAV_PCM16)
        .await
        .unwrap();
    assert_eq!(
        failed(&resolved.recording.signed_recording_url).0,
        "unreachable"
    );
    assert_eq!(resolved.segments.len(), 1);

    // A turned off: only B asked, A shown as disabled.
    let mut settings = EndpointSettings::from_project(session.project());
    settings.call_recording = None;
    let resolved = with_settings(&session, settings)
        .resolve(fx::MULTI_SEGMENT)
        .await
        .unwrap();
    assert_eq!(resolved.recording.call_recording, EndpointOutcome::Disabled);
    assert_eq!(resolved.segments.len(), 3);
    assert!(
        resolved
            .segments
            .iter()
            .all(|s| s.endpoint == Endpoint::SignedRecordingUrl)
    );

    // Both off: a combined message, usage kind.
    let settings = EndpointSettings {
        call_recording: None,
        signed_url: None,
        credential: Credential::UserJwt,
    };
    let resolved = with_settings(&session, settings)
        .resolve(fx::MULTI_SEGMENT)
        .await
        .unwrap();
    let failure = resolved.failure.unwrap();
    assert_eq!(
        (failure.code(), failure.kind()),
        ("endpoint_disabled", ErrorKind::Usage)
    );
}

#[tokio::test]
async fn ultravox_direct_and_b_fallback_url() {
    let backend = backend(BackendArgs::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let session = signed_in_as(&backend, fx::USER_REVIEWER_EMAIL, dir.path()).await;
    // Ultravox answered 200: A returns Ultravox's own URL, which no signature dates.
    let resolved = recordings(&session)
        .resolve(id("ultravox_direct"))
        .await
        .unwrap();
    let a = resolved.by_slot("a:main:0").unwrap();
    assert_eq!(a.expiry, ExpirySource::Assumed);

    // B with only `recording_url` (no recordings array) still gives a main segment.
    let body = format!(
        r#"{{"call_id":"c","recording_url":"{}/storage/v1/object/public/recordings/x.mp3","recordings":[]}}"#,
        backend.base_url()
    );
    let server = canned_server(http_response("200 OK", "application/json", &[], &body)).await;
    let mut settings = EndpointSettings::from_project(session.project());
    settings.signed_url = Some(parse_base_url("t", &server).unwrap());
    settings.call_recording = None;
    let resolved = with_settings(&session, settings)
        .resolve(fx::WAV_PCM16)
        .await
        .unwrap();
    assert_eq!(resolved.segments.len(), 1);
    assert_eq!(resolved.segments[0].label, "main");
    assert_eq!(resolved.segments[0].slot, "b:main:0");
}

#[tokio::test]
async fn hostile_answers_are_refused_with_clear_errors() {
    let backend = backend(BackendArgs::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let session = signed_in_as(&backend, fx::USER_REVIEWER_EMAIL, dir.path()).await;
    let huge = "x".repeat(1024 * 1024);
    let cases: Vec<(String, &str, &str)> = vec![
        (
            r#"{"recording_url":"file:///etc/passwd"}"#.into(),
            "unsafe_url",
            "file: scheme",
        ),
        (
            r#"{"recording_url":"javascript:alert(1)"}"#.into(),
            "unsafe_url",
            "javascript: scheme",
        ),
        (
            r#"{"recording_url":"data:audio/wav;base64,AAAA"}"#.into(),
            "unsafe_url",
            "data: scheme",
        ),
        (
            r#"{"recording_url":"http://evil.example/a.wav"}"#.into(),
            "unsafe_url",
            "plain http",
        ),
        (
            format!(r#"{{"recording_url":"https://s.test/{huge}"}}"#),
            "unsafe_url",
            "bytes long",
        ),
        (
            r#"{"recording_url":["https://s.test/a"]}"#.into(),
            "bad_response",
            "not a string",
        ),
        ("<html>hello</html>".into(), "bad_response", "not JSON"),
        ("".into(), "bad_response", "empty"),
    ];
    for (body, code, words) in cases {
        let server = canned_server(http_response("200 OK", "application/json", &[], &body)).await;
        let base = parse_base_url("t", &server).unwrap();
        let error = endpoint_a::fetch(&session, &base, fx::WAV_PCM16)
            .await
            .unwrap_err();
        assert_eq!(error.code(), code, "{error}");
        let text = error.to_string();
        assert!(text.contains(words), "{text}");
        assert!(
            text.len() < 600,
            "the message carries the hostile value: {} bytes",
            text.len()
        );
    }

    // B: the hostile segments are left out with a note, the good one kept; a huge label is
    // cut, a path-like label is only text.
    let body = format!(
        r#"{{"recordings":[
            {{"url":"file:///etc/passwd","label":"main"}},
            {{"url":"https://s.test/ok.wav","label":"../../x","source":{{"nested":true}},"duration_seconds":"NaN"}},
            {{"url":"https://s.test/big.wav","label":"{huge}"}},
            {{"url":42}},
            "just a string"
        ]}}"#
    );
    let server = canned_server(http_response("200 OK", "application/json", &[], &body)).await;
    let mut settings = EndpointSettings::from_project(session.project());
    settings.signed_url = Some(parse_base_url("t", &server).unwrap());
    settings.call_recording = None;
    let resolved = with_settings(&session, settings)
        .resolve(fx::WAV_PCM16)
        .await
        .unwrap();
    let labels: Vec<_> = resolved
        .segments
        .iter()
        .map(|s| s.label.chars().count())
        .collect();
    assert_eq!(resolved.segments.len(), 2, "{labels:?}");
    assert!(resolved.by_slot("b:../../x:0").is_some());
    assert!(labels.iter().all(|&n| n <= 101), "{labels:?}");
    let EndpointOutcome::Ok { notes, .. } = &resolved.recording.signed_recording_url else {
        panic!("{:?}", resolved.recording.signed_recording_url);
    };
    let notes = notes.join("\n");
    for words in [
        "recording 1 was left out",
        "file: scheme",
        "recording 4 was left out",
        "recording 5 was left out",
        "source was an object",
    ] {
        assert!(notes.contains(words), "{words} not in {notes}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_endpoints_are_asked_at_once() {
    let backend = backend(BackendArgs::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let session = signed_in_as(&backend, fx::USER_REVIEWER_EMAIL, dir.path()).await;
    backend
        .set_faults(Faults {
            latency_ms: 600,
            ..Faults::default()
        })
        .unwrap();
    // Another agency's call: each endpoint answers 404 after one delayed request (A never
    // reaches Ultravox), so one after the other would take at least 1.2 s.
    let started = std::time::Instant::now();
    let resolved = recordings(&session)
        .resolve(fx::OTHER_AGENCY)
        .await
        .unwrap();
    let elapsed = started.elapsed();
    assert!(resolved.failure.is_some());
    assert!(
        elapsed < std::time::Duration::from_millis(1100),
        "both endpoints took {elapsed:?}: not concurrent"
    );
    assert!(
        elapsed >= std::time::Duration::from_millis(600),
        "{elapsed:?}"
    );
}

#[test]
fn endpoint_b_api_key_lives_in_the_os_keyring_not_in_a_file() {
    let Some(keyring) = secret_service_or_skip("endpoint_b_api_key_lives_in_the_os_keyring") else {
        return;
    };
    use callrec_core::recordings::settings;
    use callrec_core::session::TokenStore;
    use callrec_core::session::profiles::EndpointPrefs;
    let dir = tempfile::tempdir().unwrap();
    // A project of its own, so the entry cannot collide with another test's.
    let host = format!("https://h1-{}.supabase.test", std::process::id());
    let project = project(&host, "anon");
    let key = format!("mp_live_{}", std::process::id());
    let prefs = EndpointPrefs {
        signed_url_use_api_key: true,
        ..EndpointPrefs::default()
    };
    settings::save(
        &project,
        dir.path(),
        keyring.as_ref(),
        prefs,
        Some(Secret::new(key.clone())),
    )
    .unwrap();
    let loaded = EndpointSettings::load(&project, dir.path(), keyring.as_ref()).unwrap();
    assert!(matches!(&loaded.credential, Credential::ApiKey(k) if *k.expose() == key));
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap_or_default();
        assert!(!text.contains(&key), "{text}");
    }
    // Back to the user's JWT: the key leaves the keyring.
    settings::save(
        &project,
        dir.path(),
        keyring.as_ref(),
        EndpointPrefs::default(),
        None,
    )
    .unwrap();
    assert!(
        keyring
            .load(&settings::api_key_account(&project))
            .unwrap()
            .is_none()
    );
    let loaded = EndpointSettings::load(&project, dir.path(), keyring.as_ref()).unwrap();
    assert!(matches!(loaded.credential, Credential::UserJwt));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn parsers_never_panic_on_arbitrary_bytes(status in 100u16..600, body in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let _ = endpoint_a::parse(status, &body, "u");
        let _ = endpoint_b::parse(status, &body, "u", false);
        let _ = endpoint_b::parse(status, &body, "u", true);
    }

    #[test]
    fn parsers_never_panic_on_arbitrary_json(status in prop_oneof![Just(200u16), Just(400), Just(401), Just(404), Just(500), 100u16..600], value in json_value()) {
        let body = serde_json::to_vec(&value).unwrap();
        let a = endpoint_a::parse(status, &body, "u");
        let b = endpoint_b::parse(status, &body, "u", false);
        // Whatever is accepted is fetchable, and errors say something.
        for segment in a.iter().flatten().chain(b.iter().flat_map(|answer| answer.segments.iter())) {
            prop_assert!(callrec_core::http::is_allowed_remote(&segment.url));
        }
        if let Err(error) = &a { prop_assert!(!error.to_string().is_empty()); }
        if let Err(error) = &b { prop_assert!(!error.to_string().is_empty()); }
    }

    #[test]
    fn b_answers_shaped_like_the_contract_never_panic(items in proptest::collection::vec(segment_value(), 0..8), fallback in proptest::option::of(url_like())) {
        let mut object = serde_json::Map::new();
        object.insert("recordings".into(), serde_json::Value::Array(items));
        if let Some(url) = fallback { object.insert("recording_url".into(), url.into()); }
        let body = serde_json::to_vec(&serde_json::Value::Object(object)).unwrap();
        if let Ok(answer) = endpoint_b::parse(200, &body, "u", false) {
            prop_assert!(!answer.segments.is_empty());
            prop_assert!(answer.segments.iter().all(|s| callrec_core::http::is_allowed_remote(&s.url)));
            // Every take lands in exactly one leg of the plan, whatever the labels and times.
            let takes: Vec<_> = answer.segments.iter().map(|s| callrec_core::timeline::Take {
                id: s.id.clone(),
                label: s.label.clone(),
                from_a: false,
                status: s.status.clone(),
                created_at: s.created_at.clone(),
                duration: s.duration_seconds,
                local: false,
            }).collect();
            let plan = callrec_core::timeline::plan(&takes, None);
            let mut seen: Vec<_> = plan.legs.iter().flat_map(|leg| leg.copies.iter().map(|c| c.take)).collect();
            seen.sort_unstable();
            prop_assert_eq!(seen, (0..takes.len()).collect::<Vec<_>>());
        }
    }
}

fn json_value() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        any::<f64>().prop_map(|f| serde_json::Number::from_f64(f)
            .map_or(serde_json::Value::Null, serde_json::Value::Number)),
        ".{0,40}".prop_map(serde_json::Value::from),
        url_like().prop_map(serde_json::Value::from),
    ];
    leaf.prop_recursive(4, 64, 8, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(serde_json::Value::Array),
            proptest::collection::vec((key(), inner), 0..6)
                .prop_map(|pairs| { serde_json::Value::Object(pairs.into_iter().collect()) }),
        ]
    })
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("recording_url".to_owned()),
        Just("recordings".to_owned()),
        Just("url".to_owned()),
        Just("label".to_owned()),
        Just("error".to_owned()),
        Just("code".to_owned()),
        Just("message".to_owned()),
        Just("duration_seconds".to_owned()),
        "[a-z_]{1,12}",
    ]
}

fn url_like() -> impl Strategy<Value = String> {
    prop_oneof![
        "https://[a-z]{1,8}\\.test/[a-z0-9./_-]{0,30}(\\?[a-z=&]{0,20})?",
        Just("file:///etc/passwd".to_owned()),
        Just("javascript:alert(1)".to_owned()),
        Just("data:audio/wav;base64,AAAA".to_owned()),
        Just("http://127.0.0.1:1/a.wav".to_owned()),
        "[a-z]{0,6}:[^ ]{0,30}",
    ]
}

fn segment_value() -> impl Strategy<Value = serde_json::Value> {
    (
        proptest::option::of(url_like()),
        proptest::option::of(".{0,20}"),
        proptest::option::of(prop_oneof![
            any::<f64>().prop_map(|f| f.to_string()),
            "[0-9]{1,4}".prop_map(String::from)
        ]),
        proptest::option::of(json_value()),
    )
        .prop_map(|(url, label, duration, extra)| {
            let mut object = serde_json::Map::new();
            if let Some(url) = url {
                object.insert("url".into(), url.into());
            }
            if let Some(label) = label {
                object.insert("label".into(), label.into());
            }
            if let Some(d) = duration {
                object.insert(
                    "duration_seconds".into(),
                    d.parse::<f64>()
                        .ok()
                        .and_then(serde_json::Number::from_f64)
                        .map_or(serde_json::Value::String(d), serde_json::Value::Number),
                );
            }
            if let Some(extra) = extra {
                object.insert("source".into(), extra);
            }
            serde_json::Value::Object(object)
        })
}
