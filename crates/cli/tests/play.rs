//! `callrec play` and `callrec export` as processes against the backend: `play` goes to the
//! real ALSA output, routed to a file, and the captured sound is checked segment by segment
//! (each of the fixture's segments has its own tone); `export` writes the whole timeline at
//! the chosen speed, the pitch kept.

use std::path::Path;
use std::process::Stdio;

use callrec_backend::BackendArgs;
use callrec_backend::fixtures as fx;
use serde_json::Value;

mod common;

const BIN: &str = env!("CARGO_BIN_EXE_callrec");
const TONES: [f64; 3] = [
    fx::TONE_MAIN_HZ as f64,
    fx::TONE_TRANSFER_HZ as f64,
    fx::TONE_RECONNECT_HZ as f64,
];

/// The left channel of a 16-bit PCM WAV and its rate. Tolerant of the sizes a capture that
/// was still being written may claim: everything after the `data` tag is taken.
fn read_wav(path: &Path) -> (Vec<f32>, u32) {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let at = |i: usize| u32::from_le_bytes(bytes[i..i + 4].try_into().unwrap());
    assert_eq!(&bytes[..4], b"RIFF", "{} is not a WAV file", path.display());
    let rate = at(24);
    let channels = usize::from(u16::from_le_bytes([bytes[22], bytes[23]]));
    let data = bytes
        .windows(4)
        .position(|w| w == b"data")
        .expect("a data chunk")
        + 8;
    let left = bytes[data..]
        .chunks_exact(2 * channels)
        .map(|frame| f32::from(i16::from_le_bytes([frame[0], frame[1]])) / 32768.0)
        .collect();
    (left, rate)
}

/// The fixture tones heard, in order, as (tone, seconds of it): 50 ms windows with sound are
/// matched to the nearest of [`TONES`] by their zero crossings; runs shorter than 0.3 s (a
/// burst's fade) are dropped. Also each run's measured frequency (the median of its windows).
fn tone_runs(samples: &[f32], rate: u32) -> Vec<(f64, f64, f64)> {
    let window = (rate / 20) as usize;
    let mut runs: Vec<(f64, Vec<f64>)> = Vec::new();
    for chunk in samples.chunks_exact(window) {
        let rms = (chunk.iter().map(|s| s * s).sum::<f32>() / chunk.len() as f32).sqrt();
        if rms < 0.02 {
            continue;
        }
        let crossings: Vec<usize> = (1..chunk.len())
            .filter(|&i| (chunk[i - 1] < 0.0) != (chunk[i] < 0.0))
            .collect();
        let (Some(first), Some(last)) = (crossings.first(), crossings.last()) else {
            continue;
        };
        if crossings.len() < 3 {
            continue;
        }
        let hz = (crossings.len() - 1) as f64 / 2.0 / ((last - first) as f64 / f64::from(rate));
        let tone = TONES
            .iter()
            .copied()
            .min_by(|a, b| (a - hz).abs().total_cmp(&(b - hz).abs()))
            .unwrap();
        match runs.last_mut() {
            Some((t, windows)) if *t == tone => windows.push(hz),
            _ => runs.push((tone, vec![hz])),
        }
    }
    runs.into_iter()
        .filter(|(_, windows)| windows.len() >= 6)
        .map(|(tone, mut windows)| {
            windows.sort_by(f64::total_cmp);
            let median = windows[windows.len() / 2];
            (tone, windows.len() as f64 / 20.0, median)
        })
        // Neighbouring runs of one tone (split by a short glitch) are one segment.
        .fold(Vec::new(), |mut merged: Vec<(f64, f64, f64)>, run| {
            match merged.last_mut() {
                Some(last) if last.0 == run.0 => last.1 += run.1,
                _ => merged.push(run),
            }
            merged
        })
}

#[tokio::test(flavor = "multi_thread")]
async fn play_goes_to_the_device_from_the_segment_asked_and_export_keeps_the_pitch() {
    if !common::keyctl_or_skip(
        "play_goes_to_the_device_from_the_segment_asked_and_export_keeps_the_pitch",
    ) {
        return;
    }
    let backend = callrec_backend::start(BackendArgs {
        calls: 5,
        ..BackendArgs::default()
    })
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let capture = dir.path().join("capture.wav");
    let alsa = dir.path().join("asound.conf");
    std::fs::write(
        &alsa,
        format!(
            "pcm.!default {{ type plug; slave {{ pcm \"capfile\"; format S16_LE; rate 48000; channels 2 }} }}\n\
             pcm.capfile {{ type file; slave.pcm \"null\"; file \"{}\"; format \"wav\" }}\n",
            capture.display()
        ),
    )
    .unwrap();
    let user = backend.demo_user().clone();
    let script = r#"printf '%s\n' "$PW" | "$CALLREC" login --email "$EMAIL" --password-stdin >/dev/null || exit 9
"$CALLREC" --json play "$MULTI" --segment transfer_conference > "$OUT/play.json" 2> "$OUT/play.err" || exit 10
"$CALLREC" --json export "$MULTI" --out "$OUT/normal.wav" > "$OUT/normal.json" || exit 11
"$CALLREC" --json export "$MULTI" --out "$OUT/double.wav" --speed 2 > "$OUT/double.json" || exit 12
"$CALLREC" --json play "$MULTI" --segment no_such_label > "$OUT/nolabel.json" 2>/dev/null
echo $? > "$OUT/nolabel.code"
"$CALLREC" --json export "$MULTI" --out "$OUT/bad.wav" --speed 4 > "$OUT/badspeed.json" 2>/dev/null
echo $? > "$OUT/badspeed.code"
"#;
    let mut command = common::in_keyring_session(script);
    command
        .env("CALLREC_DATA_DIR", dir.path().join("data"))
        .env("CALLREC_SUPABASE_URL", backend.base_url())
        .env("CALLREC_SUPABASE_ANON_KEY", backend.anon_key())
        .env(
            "ALSA_CONFIG_PATH",
            format!("/usr/share/alsa/alsa.conf:{}", alsa.display()),
        )
        .env("CALLREC", BIN)
        .env("OUT", dir.path())
        .env("PW", &user.password)
        .env("EMAIL", &user.email)
        .env("MULTI", fx::MULTI_SEGMENT)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let output = tokio::task::spawn_blocking(move || command.output().unwrap())
        .await
        .unwrap();
    let read = |name: &str| std::fs::read_to_string(dir.path().join(name)).unwrap_or_default();
    assert!(
        output.status.success(),
        "exit {:?}\n{}\n{}\nplay: {}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr),
        read("play.err"),
    );

    // Played from transfer_conference: its tone, then reconnect_to_agent's; never main's.
    let played: Value = serde_json::from_str(&read("play.json")).unwrap();
    assert_eq!(played["ended"], true, "{played}");
    let (left, rate) = read_wav(&capture);
    let heard = tone_runs(&left, rate);
    let order: Vec<f64> = heard.iter().map(|r| r.0).collect();
    assert_eq!(
        order,
        [TONES[1], TONES[2]],
        "tones heard on the device: {heard:?}"
    );

    // The export: every segment in order, main's (B's and A's Ultravox copy) first.
    let normal: Value = serde_json::from_str(&read("normal.json")).unwrap();
    let double: Value = serde_json::from_str(&read("double.json")).unwrap();
    let (normal_secs, double_secs) = (
        normal["seconds"].as_f64().unwrap(),
        double["seconds"].as_f64().unwrap(),
    );
    assert!(normal_secs > 40.0, "{normal}");
    assert!(
        (double_secs - normal_secs / 2.0).abs() < 0.5,
        "at 2× the timeline takes half as long: {double_secs} s vs {normal_secs} s"
    );
    for (name, speed) in [("normal.wav", 1.0), ("double.wav", 2.0)] {
        let (left, rate) = read_wav(&dir.path().join(name));
        let runs = tone_runs(&left, rate);
        let order: Vec<f64> = runs.iter().map(|r| r.0).collect();
        assert_eq!(order, TONES, "{name}: {runs:?}");
        for (tone, _, measured) in &runs {
            assert!(
                (measured - tone).abs() <= tone * 0.02,
                "{name} at {speed}×: {tone} Hz came out at {measured:.1} Hz"
            );
        }
    }

    // Bad requests: a specific error each, as the one JSON document, and a failing exit code.
    let no_label: Value = serde_json::from_str(&read("nolabel.json")).unwrap();
    assert_eq!(no_label["error"]["code"], "segment_not_found", "{no_label}");
    assert!(
        no_label["error"]["message"]
            .as_str()
            .unwrap()
            .contains("transfer_conference"),
        "the message lists the labels there are: {no_label}"
    );
    assert_ne!(read("nolabel.code").trim(), "0");
    let bad_speed: Value = serde_json::from_str(&read("badspeed.json")).unwrap();
    assert_eq!(bad_speed["error"]["code"], "invalid_speed", "{bad_speed}");
    assert_ne!(read("badspeed.code").trim(), "0");
    assert!(
        !dir.path().join("bad.wav").exists(),
        "no file for a refused export"
    );
}
