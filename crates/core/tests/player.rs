//! The player through the real ALSA output, routed to a file by ALSA's `file` plugin, and
//! the captured audio checked: tones in segment order, channel mute, seek, speed.
//!
//! Each playback runs in a child process (this test binary again, running the ignored
//! `child_scenario` test): ALSA reads its configuration once per process, and each capture
//! needs its own. The `file` plugin is not paced in real time, so the checks are on what was
//! captured (content and its length), never on wall-clock time.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command as Process;
use std::sync::Arc;
use std::time::{Duration, Instant};

use callrec_backend::audio::{AudioFormat, AudioSpec, Damage, render_to_file};
use callrec_backend::fixtures as fx;
use callrec_backend::{BackendArgs, Faults, RunningBackend};
use callrec_core::ErrorCode;
use callrec_core::player::RangeSource;
use callrec_core::player::{
    ChannelMode, Command, Event, Media, Player, PlayerError, PlayerOptions, StreamedMedia,
    TimelineReader, TimelineSegment, export_wav, timeline_info,
};
use callrec_core::recordings::{EndpointSettings, Recordings, Segment};
use callrec_core::remote::{FixedUrl, ReaderOptions, RemoteReader};

const SCENARIO_ENV: &str = "CALLREC_TEST_PLAYER_SCENARIO";
/// A scenario file named with this prefix is played as a streamed recording.
const REMOTE_PREFIX: &str = "remote:";
/// Below this level (about -50 dBFS) a 10 ms window counts as silence.
const SILENCE_RMS: f32 = 0.003;
const WINDOW_SECS: f64 = 0.01;

// ---------------------------------------------------------------------------------------
// Fixtures

fn render(dir: &Path, name: &str, format: AudioFormat, secs: u64, tone: f32) -> PathBuf {
    render_spec(
        dir,
        name,
        AudioSpec {
            format,
            duration_ms: secs * 1000,
            tone_hz: tone,
            right_tone_hz: None,
            seed: 7,
            damage: Damage::None,
        },
    )
}

fn render_spec(dir: &Path, name: &str, spec: AudioSpec) -> PathBuf {
    // No extension: the player must detect the format from the content.
    let path = dir.join(name);
    render_to_file(&spec, &path).expect("render fixture audio");
    path
}

/// The `multi_segment` fixture call's three segments (440/660/880 Hz, 20/15/10 s).
fn multi_segment(dir: &Path) -> Vec<TimelineSegment> {
    let call = callrec_backend::fixtures::call("multi_segment").expect("fixture call");
    call.segments
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let path = render_spec(
                dir,
                &format!("segment{i}"),
                AudioSpec {
                    format: s.format,
                    duration_ms: s.duration_ms,
                    tone_hz: s.tone_hz,
                    right_tone_hz: s.right_tone_hz,
                    seed: 11 + i as u64,
                    damage: s.damage,
                },
            );
            TimelineSegment::new(s.label.to_owned(), Media::File(path))
        })
        .collect()
}

fn file_segment(label: &str, path: &Path) -> TimelineSegment {
    TimelineSegment::new(label.to_owned(), Media::File(path.to_owned()))
}

// ---------------------------------------------------------------------------------------
// Audio analysis

struct Audio {
    rate: u32,
    /// Per channel.
    channels: Vec<Vec<f32>>,
}

impl Audio {
    fn secs(&self) -> f64 {
        self.channels[0].len() as f64 / f64::from(self.rate)
    }

    fn mono(&self) -> Vec<f32> {
        let n = self.channels[0].len();
        (0..n)
            .map(|i| self.channels.iter().map(|c| c[i]).sum::<f32>() / self.channels.len() as f32)
            .collect()
    }
}

/// Reads a 16-bit PCM WAV, tolerating the sizes an unfinished capture header may claim.
fn read_wav(path: &Path) -> Audio {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    assert!(bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WAVE");
    let mut at = 12;
    let (mut channels, mut rate, mut bits) = (0usize, 0u32, 0u16);
    while at + 8 <= bytes.len() {
        let id = &bytes[at..at + 4];
        let len = u32::from_le_bytes(bytes[at + 4..at + 8].try_into().unwrap()) as usize;
        let body = at + 8;
        if id == b"fmt " {
            channels = u16::from_le_bytes([bytes[body + 2], bytes[body + 3]]) as usize;
            rate = u32::from_le_bytes(bytes[body + 4..body + 8].try_into().unwrap());
            bits = u16::from_le_bytes([bytes[body + 14], bytes[body + 15]]);
        } else if id == b"data" {
            assert_eq!(bits, 16, "capture is 16-bit");
            let end = body.saturating_add(len).min(bytes.len());
            let data = &bytes[body..end - (end - body) % (2 * channels)];
            let mut out = vec![Vec::with_capacity(data.len() / 2 / channels); channels];
            for (i, s) in data.chunks_exact(2).enumerate() {
                out[i % channels].push(f32::from(i16::from_le_bytes([s[0], s[1]])) / 32768.0);
            }
            return Audio {
                rate,
                channels: out,
            };
        }
        at = body + len + (len & 1);
    }
    panic!("{}: no data chunk", path.display());
}

/// Whether each 10 ms window is sound (not silence).
fn activity(samples: &[f32], rate: u32) -> Vec<bool> {
    let window = (f64::from(rate) * WINDOW_SECS) as usize;
    samples
        .chunks(window)
        .map(|w| (w.iter().map(|s| s * s).sum::<f32>() / w.len() as f32).sqrt() > SILENCE_RMS)
        .collect()
}

/// Seconds from the first sound to the last.
fn sounding_span(samples: &[f32], rate: u32) -> (f64, f64) {
    let active = activity(samples, rate);
    let first = active.iter().position(|a| *a).expect("some sound") as f64 * WINDOW_SECS;
    let last = (active.iter().rposition(|a| *a).expect("some sound") + 1) as f64 * WINDOW_SECS;
    (first, last)
}

/// Frequency of a tone by its zero crossings (interpolated between samples).
fn frequency(samples: &[f32], rate: u32) -> Option<f64> {
    let mut crossings = Vec::new();
    for i in 1..samples.len() {
        let (a, b) = (samples[i - 1], samples[i]);
        if a <= 0.0 && b > 0.0 {
            crossings.push((i - 1) as f64 + f64::from(-a / (b - a)));
        }
    }
    if crossings.len() < 3 {
        return None;
    }
    let span = crossings.last()? - crossings.first()?;
    Some((crossings.len() - 1) as f64 * f64::from(rate) / span)
}

/// The tones heard, in order, as (Hz, seconds heard): 100 ms windows that are sound all
/// through, grouped into runs of the same tone (within 3 %).
fn tone_runs(samples: &[f32], rate: u32) -> Vec<(f64, f64)> {
    let window = (f64::from(rate) * 0.1) as usize;
    let mut runs: Vec<(f64, f64)> = Vec::new();
    for w in samples.chunks_exact(window) {
        if activity(w, rate).iter().any(|a| !a) {
            continue;
        }
        let Some(hz) = frequency(w, rate) else {
            continue;
        };
        match runs.last_mut() {
            Some((tone, secs)) if (hz / *tone - 1.0).abs() < 0.03 => *secs += 0.1,
            _ => runs.push((hz, 0.1)),
        }
    }
    // Stray windows (a syllable's edge) do not make a run.
    runs.retain(|(_, secs)| *secs >= 0.5);
    runs.dedup_by(|b, a| {
        let same = (b.0 / a.0 - 1.0).abs() < 0.03;
        if same {
            a.1 += b.1;
        }
        same
    });
    runs
}

fn median_frequency(samples: &[f32], rate: u32) -> f64 {
    let runs = tone_runs(samples, rate);
    assert_eq!(runs.len(), 1, "one tone expected, heard {runs:?}");
    runs[0].0
}

fn assert_near(actual: f64, expected: f64, tolerance: f64, what: &str) {
    assert!(
        (actual - expected).abs() <= tolerance,
        "{what}: {actual:.4}, expected {expected:.4} ± {tolerance}"
    );
}

// ---------------------------------------------------------------------------------------
// Playing through ALSA in a child process

#[derive(Default)]
struct Scenario {
    files: Vec<PathBuf>,
    seek: Option<f64>,
    speed: Option<f64>,
    channel: Option<&'static str>,
    /// More commands before `Play`, `;`-separated: `next`, `prev`, `volume=X`, `seekby=X`.
    commands: Option<&'static str>,
    /// ALSA configuration replacing the capture one (for the no-device case).
    alsa_conf: Option<String>,
}

struct Capture {
    audio: Option<Audio>,
    events: Vec<serde_json::Value>,
}

impl Capture {
    fn audio(&self) -> &Audio {
        self.audio.as_ref().expect("a capture file")
    }

    fn errors(&self) -> Vec<String> {
        self.events
            .iter()
            .filter(|e| e["type"] == "error")
            .map(|e| e["code"].as_str().unwrap_or_default().to_owned())
            .collect()
    }

    fn ended(&self) -> bool {
        self.events.iter().any(|e| e["type"] == "ended")
    }
}

fn play(dir: &Path, scenario: Scenario) -> Capture {
    let capture = dir.join("capture.wav");
    let _ = std::fs::remove_file(&capture);
    let conf = dir.join("asound.conf");
    let text = scenario.alsa_conf.clone().unwrap_or_else(|| {
        format!(
            "pcm.!default {{ type plug; slave {{ pcm \"capfile\"; format S16_LE; rate 48000; channels 2 }} }}\n\
             pcm.capfile {{ type file; slave.pcm \"null\"; file \"{}\"; format \"wav\" }}\n",
            capture.display()
        )
    });
    std::fs::write(&conf, text).unwrap();
    let events = dir.join("events.json");
    let files: Vec<String> = scenario
        .files
        .iter()
        .map(|f| f.display().to_string())
        .collect();
    let output = Process::new(std::env::current_exe().unwrap())
        .args(["--exact", "child_scenario", "--ignored", "--nocapture"])
        .env(SCENARIO_ENV, "1")
        .env(
            "ALSA_CONFIG_PATH",
            format!("/usr/share/alsa/alsa.conf:{}", conf.display()),
        )
        .env("CALLREC_TEST_FILES", files.join("\n"))
        .env("CALLREC_TEST_EVENTS", &events)
        .env(
            "CALLREC_TEST_SEEK",
            scenario.seek.map(|s| s.to_string()).unwrap_or_default(),
        )
        .env(
            "CALLREC_TEST_SPEED",
            scenario.speed.map(|s| s.to_string()).unwrap_or_default(),
        )
        .env("CALLREC_TEST_CHANNEL", scenario.channel.unwrap_or_default())
        .env(
            "CALLREC_TEST_COMMANDS",
            scenario.commands.unwrap_or_default(),
        )
        .output()
        .expect("run the child scenario");
    assert!(
        output.status.success(),
        "child failed: {}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let events: Vec<serde_json::Value> =
        serde_json::from_slice(&std::fs::read(&events).expect("events written")).unwrap();
    Capture {
        audio: capture.exists().then(|| read_wav(&capture)),
        events,
    }
}

/// Run by `play` in a child process; does nothing on its own.
#[test]
#[ignore = "run by the ALSA capture tests in a child process"]
fn child_scenario() {
    if std::env::var_os(SCENARIO_ENV).is_none() {
        return;
    }
    let var = |name: &str| std::env::var(name).unwrap_or_default();
    let timeline: Vec<TimelineSegment> = var("CALLREC_TEST_FILES")
        .lines()
        .enumerate()
        .map(|(i, f)| match f.strip_prefix(REMOTE_PREFIX) {
            // The file read as a streamed one (see `FileSource`).
            Some(f) => TimelineSegment::new(
                format!("segment{i}"),
                Media::Remote(Arc::new(FileSource::open(Path::new(f)))),
            ),
            None => file_segment(&format!("segment{i}"), Path::new(f)),
        })
        .collect();
    let player = Player::spawn(PlayerOptions::default());
    let events = player.subscribe();
    player.send(Command::Load(timeline)).unwrap();
    if let Ok(speed) = var("CALLREC_TEST_SPEED").parse() {
        player.send(Command::Speed(speed)).unwrap();
    }
    if let Ok(seek) = var("CALLREC_TEST_SEEK").parse() {
        player.send(Command::Seek(seek)).unwrap();
    }
    match var("CALLREC_TEST_CHANNEL").as_str() {
        "agent" => player
            .send(Command::ChannelMode(ChannelMode::AgentOnly))
            .unwrap(),
        "customer" => player
            .send(Command::ChannelMode(ChannelMode::CustomerOnly))
            .unwrap(),
        _ => {}
    }
    for command in var("CALLREC_TEST_COMMANDS")
        .split(';')
        .filter(|c| !c.is_empty())
    {
        let (name, value) = command.split_once('=').unwrap_or((command, ""));
        let command = match name {
            "next" => Command::NextSegment,
            "prev" => Command::PrevSegment,
            "volume" => Command::Volume(value.parse().unwrap()),
            "seekby" => Command::SeekBy(value.parse().unwrap()),
            "device" => Command::OutputDevice(Some(value.to_owned())),
            other => panic!("unknown test command {other}"),
        };
        player.send(command).unwrap();
    }
    player.send(Command::Play).unwrap();
    let mut seen = vec![serde_json::json!({
        "type": "devices",
        "names": callrec_core::player::output_devices(),
    })];
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut device_error = false;
    while Instant::now() < deadline {
        let Ok(event) = events.recv_timeout(Duration::from_secs(5)) else {
            break;
        };
        let done = matches!(event, Event::Ended);
        device_error |= matches!(&event, Event::Error { code, .. } if code == "no_output_device");
        seen.push(serde_json::to_value(&event).unwrap());
        if done {
            break;
        }
        if device_error {
            // Still usable without a device: a seek is answered with a position.
            player.send(Command::Seek(1.0)).unwrap();
            while let Ok(event) = events.recv_timeout(Duration::from_secs(2)) {
                seen.push(serde_json::to_value(&event).unwrap());
            }
            break;
        }
    }
    // What the output has taken is still in rodio's and ALSA's buffers for a moment.
    std::thread::sleep(Duration::from_millis(500));
    drop(player);
    std::fs::write(
        var("CALLREC_TEST_EVENTS"),
        serde_json::to_vec(&seen).unwrap(),
    )
    .unwrap();
}

#[test]
fn segments_play_in_order_as_one_timeline() {
    let dir = tempfile::tempdir().unwrap();
    let timeline = multi_segment(dir.path());
    let files = timeline
        .iter()
        .map(|s| match s.media() {
            Media::File(p) => p.clone(),
            Media::Remote(_) => unreachable!(),
        })
        .collect();
    let capture = play(
        dir.path(),
        Scenario {
            files,
            ..Scenario::default()
        },
    );
    assert!(
        capture.errors().is_empty(),
        "errors: {:?}",
        capture.errors()
    );
    assert!(capture.ended(), "no Ended event: {:?}", capture.events);

    let loaded = capture
        .events
        .iter()
        .find(|e| e["type"] == "loaded")
        .expect("Loaded");
    assert_near(
        loaded["duration"].as_f64().unwrap(),
        45.0,
        0.01,
        "timeline duration",
    );
    let starts: Vec<f64> = loaded["segments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["start"].as_f64().unwrap())
        .collect();
    assert_eq!(starts.len(), 3);
    assert_near(starts[1], 20.0, 0.01, "second segment start");
    assert_near(starts[2], 35.0, 0.01, "third segment start");

    // Positions are media time, only move forward, and walk through the three segments.
    let positions: Vec<(f64, u64)> = capture
        .events
        .iter()
        .filter(|e| e["type"] == "position")
        .map(|e| {
            (
                e["position"].as_f64().unwrap(),
                e["segment"].as_u64().unwrap(),
            )
        })
        .collect();
    assert!(
        positions.windows(2).all(|w| w[1].0 >= w[0].0),
        "{positions:?}"
    );
    assert_near(positions.last().unwrap().0, 45.0, 0.1, "final position");

    let audio = capture.audio();
    let mono = audio.mono();
    let runs = tone_runs(&mono, audio.rate);
    let tones: Vec<f64> = runs.iter().map(|r| r.0).collect();
    assert_eq!(tones.len(), 3, "three tones expected, heard {runs:?}");
    for (heard, expected) in tones.iter().zip([440.0, 660.0, 880.0]) {
        assert_near(*heard, expected, expected * 0.01, "segment tone");
    }
    // All 45 s were played, no more, no less (the leading idle silence aside).
    let reference = dir.path().join("reference.wav");
    export_wav(&timeline, 1.0, &reference).unwrap();
    let reference = read_wav(&reference);
    let (r0, r1) = sounding_span(&reference.mono(), reference.rate);
    let (c0, c1) = sounding_span(&mono, audio.rate);
    assert_near(c1 - c0, r1 - r0, 0.03, "seconds of sound captured");
}

#[test]
fn channel_mode_silences_the_muted_channel() {
    let dir = tempfile::tempdir().unwrap();
    let stereo = render_spec(
        dir.path(),
        "stereo",
        AudioSpec {
            format: AudioFormat::WavStereo,
            duration_ms: 8_000,
            tone_hz: 440.0,
            right_tone_hz: Some(330.0),
            seed: 3,
            damage: Damage::None,
        },
    );
    for (mode, silent, heard, tone) in [("agent", 1, 0, 440.0), ("customer", 0, 1, 330.0)] {
        let capture = play(
            dir.path(),
            Scenario {
                files: vec![stereo.clone()],
                channel: Some(mode),
                ..Scenario::default()
            },
        );
        assert!(capture.ended() && capture.errors().is_empty());
        let audio = capture.audio();
        let peak = audio.channels[silent]
            .iter()
            .fold(0.0f32, |m, s| m.max(s.abs()));
        assert_eq!(peak, 0.0, "{mode} only: the other channel must be silent");
        let hz = median_frequency(&audio.channels[heard], audio.rate);
        assert_near(hz, tone, tone * 0.01, "the kept channel's tone");
    }
}

#[test]
fn seek_lands_where_asked() {
    let dir = tempfile::tempdir().unwrap();
    let timeline = multi_segment(dir.path());
    let reference_path = dir.path().join("reference.wav");
    export_wav(&timeline, 1.0, &reference_path).unwrap();
    let reference = read_wav(&reference_path);
    let rmono = reference.mono();
    // A point inside a phrase of the second segment (sound for 300 ms on), so a seek that
    // lands early or late changes how much sound follows.
    let active = activity(&rmono, reference.rate);
    let from = (27.0 / WINDOW_SECS) as usize;
    let window = (from..active.len())
        .find(|&i| active[i..i + 30].iter().all(|a| *a))
        .unwrap();
    let target = window as f64 * WINDOW_SECS + 0.005;
    let expected_sound = sounding_span(&rmono, reference.rate).1 - target;

    let files = timeline
        .iter()
        .map(|s| match s.media() {
            Media::File(p) => p.clone(),
            Media::Remote(_) => unreachable!(),
        })
        .collect();
    let capture = play(
        dir.path(),
        Scenario {
            files,
            seek: Some(target),
            ..Scenario::default()
        },
    );
    assert!(capture.ended() && capture.errors().is_empty());
    let audio = capture.audio();
    let mono = audio.mono();
    let runs = tone_runs(&mono, audio.rate);
    assert_near(runs[0].0, 660.0, 6.6, "first tone after the seek");
    assert_eq!(runs.len(), 2, "660 Hz then 880 Hz: {runs:?}");
    let (c0, c1) = sounding_span(&mono, audio.rate);
    assert_near(
        c1 - c0,
        expected_sound,
        0.03,
        "seconds of sound after the seek",
    );
    let first_position = capture
        .events
        .iter()
        .filter(|e| e["type"] == "position")
        .map(|e| e["position"].as_f64().unwrap())
        .find(|p| *p > 0.0)
        .unwrap();
    assert_near(
        first_position,
        target,
        0.001,
        "position reported after the seek",
    );
}

#[test]
fn segment_jumps_and_volume_apply() {
    let dir = tempfile::tempdir().unwrap();
    let timeline = multi_segment(dir.path());
    let files = timeline
        .iter()
        .map(|s| match s.media() {
            Media::File(p) => p.clone(),
            Media::Remote(_) => unreachable!(),
        })
        .collect();
    // 0 → 20 (next) → 35 (next) → 20 (prev, within 3 s of 35) → 25 (+5 s); at half volume.
    let capture = play(
        dir.path(),
        Scenario {
            files,
            commands: Some("next;next;prev;seekby=5;volume=0.5"),
            ..Scenario::default()
        },
    );
    assert!(
        capture.ended() && capture.errors().is_empty(),
        "{:?}",
        capture.events
    );
    let positions: Vec<f64> = capture
        .events
        .iter()
        .filter(|e| e["type"] == "position")
        .filter_map(|e| e["position"].as_f64())
        .collect();
    for expected in [20.0, 35.0, 25.0] {
        assert!(
            positions.iter().any(|p| (p - expected).abs() < 1e-6),
            "no position {expected} in {positions:?}"
        );
    }
    let audio = capture.audio();
    let mono = audio.mono();
    let tones: Vec<f64> = tone_runs(&mono, audio.rate).iter().map(|r| r.0).collect();
    assert_eq!(tones.len(), 2, "660 Hz then 880 Hz: {tones:?}");
    assert_near(tones[0], 660.0, 6.6, "tone after the jumps");
    let reference_path = dir.path().join("reference.wav");
    export_wav(&timeline, 1.0, &reference_path).unwrap();
    let reference = read_wav(&reference_path);
    let from = (25.0 * f64::from(reference.rate)) as usize;
    let peak = |s: &[f32]| s.iter().fold(0.0f32, |m, x| m.max(x.abs()));
    let ratio = peak(&mono) / peak(&reference.mono()[from..]);
    assert_near(f64::from(ratio), 0.5, 0.02, "level at volume 0.5");
}

#[test]
fn double_speed_halves_the_duration_and_keeps_the_pitch() {
    let dir = tempfile::tempdir().unwrap();
    let tone = render(dir.path(), "tone", AudioFormat::WavPcm16, 12, 440.0);
    let capture = play(
        dir.path(),
        Scenario {
            files: vec![tone.clone()],
            speed: Some(2.0),
            ..Scenario::default()
        },
    );
    assert!(
        capture.ended() && capture.errors().is_empty(),
        "{:?}",
        capture.events
    );
    let audio = capture.audio();
    let mono = audio.mono();
    let reference_path = dir.path().join("reference.wav");
    export_wav(&[file_segment("main", &tone)], 1.0, &reference_path).unwrap();
    let reference = read_wav(&reference_path);
    let (r0, r1) = sounding_span(&reference.mono(), reference.rate);
    let (c0, c1) = sounding_span(&mono, audio.rate);
    let ratio = (c1 - c0) / (r1 - r0);
    assert_near(ratio, 0.5, 0.01, "captured/original duration at 2×");
    let hz = median_frequency(&mono, audio.rate);
    assert_near(hz, 440.0, 440.0 * 0.02, "pitch at 2×");
}

#[test]
fn damaged_segment_plays_what_decodes_then_reports() {
    let dir = tempfile::tempdir().unwrap();
    let truncated = render_spec(
        dir.path(),
        "truncated",
        AudioSpec {
            format: AudioFormat::WavPcm16,
            duration_ms: 10_000,
            tone_hz: 440.0,
            right_tone_hz: None,
            seed: 5,
            damage: Damage::Truncated,
        },
    );
    let next = render(dir.path(), "next", AudioFormat::WavPcm16, 4, 660.0);
    let capture = play(
        dir.path(),
        Scenario {
            files: vec![truncated, next],
            ..Scenario::default()
        },
    );
    assert_eq!(capture.errors(), ["audio_truncated"]);
    assert!(
        capture.ended(),
        "playback goes on after the damaged segment"
    );
    // The error comes once the damaged segment's audio has played, not at load.
    let error_at = capture
        .events
        .iter()
        .position(|e| e["type"] == "error")
        .unwrap();
    let played_before = capture.events[..error_at]
        .iter()
        .filter(|e| e["type"] == "position")
        .filter_map(|e| e["position"].as_f64())
        .fold(0.0, f64::max);
    assert!(played_before > 5.0, "error reported at {played_before} s");
    let audio = capture.audio();
    let tones: Vec<f64> = tone_runs(&audio.mono(), audio.rate)
        .iter()
        .map(|r| r.0)
        .collect();
    assert_eq!(tones.len(), 2, "{tones:?}");
    assert_near(tones[0], 440.0, 4.4, "the damaged segment's tone");
    assert_near(tones[1], 660.0, 6.6, "the next segment's tone");
}

#[test]
fn no_output_device_is_an_error_event_and_the_player_stays_usable() {
    let dir = tempfile::tempdir().unwrap();
    let tone = render(dir.path(), "tone", AudioFormat::WavPcm16, 2, 440.0);
    let capture = play(
        dir.path(),
        Scenario {
            files: vec![tone],
            alsa_conf: Some(
                "pcm.!default { type hw; card 63 }\nctl.!default { type hw; card 63 }\n".into(),
            ),
            ..Scenario::default()
        },
    );
    assert!(
        capture.errors().iter().any(|c| c == "no_output_device"),
        "{:?}",
        capture.events
    );
    assert!(capture.events.iter().any(|e| e["type"] == "loaded"));
    let last = capture.events.last().unwrap();
    assert_eq!(last["type"], "position", "{:?}", capture.events);
    assert_near(
        last["position"].as_f64().unwrap(),
        1.0,
        1e-6,
        "position after a seek",
    );
}

/// The device chosen in settings is the one played on: a second capture device is listed
/// by the player, and once chosen (before `Play`) the audio lands in its file, not the
/// default's.
#[test]
fn the_chosen_output_device_is_the_one_played_on() {
    let dir = tempfile::tempdir().unwrap();
    let tone = render(dir.path(), "tone", AudioFormat::WavPcm16, 2, 440.0);
    let default_capture = dir.path().join("capture.wav");
    let chosen_capture = dir.path().join("chosen.wav");
    let conf = format!(
        "pcm.!default {{ type plug; slave {{ pcm \"capfile\"; format S16_LE; rate 48000; channels 2 }} }}\n\
         pcm.capfile {{ type file; slave.pcm \"null\"; file \"{}\"; format \"wav\" }}\n\
         pcm.callrec_headset {{ type plug; slave {{ pcm \"headsetfile\"; format S16_LE; rate 48000; channels 2 }}\n\
           hint {{ show on; description \"Callrec test headset\" }} }}\n\
         pcm.headsetfile {{ type file; slave.pcm \"null\"; file \"{}\"; format \"wav\" }}\n",
        default_capture.display(),
        chosen_capture.display()
    );
    let capture = play(
        dir.path(),
        Scenario {
            files: vec![tone],
            commands: Some("device=Callrec test headset"),
            alsa_conf: Some(conf),
            ..Scenario::default()
        },
    );
    let names = &capture.events[0]["names"];
    assert!(
        names
            .as_array()
            .is_some_and(|n| n.iter().any(|n| n == "Callrec test headset")),
        "the device is listed: {names}"
    );
    assert!(capture.ended(), "{:?}", capture.events);
    assert!(capture.errors().is_empty(), "{:?}", capture.errors());
    let chosen = read_wav(&chosen_capture);
    assert_near(
        median_frequency(&chosen.channels[0], chosen.rate),
        440.0,
        440.0 * 0.02,
        "the tone on the chosen device",
    );
    let default_sound = default_capture
        .exists()
        .then(|| read_wav(&default_capture))
        .map_or(0, |a| {
            a.channels[0].iter().filter(|s| s.abs() > 0.01).count()
        });
    assert_eq!(default_sound, 0, "nothing played on the default device");
}

// ---------------------------------------------------------------------------------------
// Without a device: formats, export, errors

#[test]
fn every_format_decodes_whole_at_its_tone_detected_by_content() {
    let dir = tempfile::tempdir().unwrap();
    for format in [
        AudioFormat::WavPcm16,
        AudioFormat::WavMulaw,
        AudioFormat::Mp3Cbr,
        AudioFormat::Mp3Vbr,
        AudioFormat::Mp3VbrNoXing,
        AudioFormat::OggOpus,
    ] {
        let name = format!("{format:?}");
        let path = render(dir.path(), &name, format, 20, 440.0);
        let timeline = [file_segment("main", &path)];
        let info = timeline_info(&timeline).unwrap();
        // Includes the VBR MP3 without a Xing header, whose header's length is only a guess
        // (minutes off on an hour) and is measured instead. Without a LAME tag nothing says
        // how much encoder delay and padding there is, so its length is the frames' (≤ 2
        // frames, 72 ms, over).
        let slack = if format == AudioFormat::Mp3VbrNoXing {
            0.1
        } else {
            0.05
        };
        assert_near(info[0].duration, 20.0, slack, &format!("{name} duration"));
        let out = dir.path().join(format!("{name}.wav"));
        let summary = export_wav(&timeline, 1.0, &out).unwrap();
        assert!(
            summary.problems.is_empty(),
            "{name}: {:?}",
            summary.problems
        );
        // Every frame the timeline promised is played, no more.
        assert_near(
            summary.seconds,
            info[0].duration,
            0.01,
            &format!("{name} decoded length"),
        );
        let audio = read_wav(&out);
        let hz = median_frequency(&audio.mono(), audio.rate);
        assert_near(hz, 440.0, 4.4, &format!("{name} tone"));
    }
}

#[test]
fn export_writes_the_timeline_at_the_chosen_speed() {
    let dir = tempfile::tempdir().unwrap();
    let timeline = multi_segment(dir.path());
    let out = dir.path().join("call.wav");
    let summary = export_wav(&timeline, 1.0, &out).unwrap();
    assert_eq!(summary.sample_rate, 16_000);
    assert_near(summary.seconds, 45.0, 0.01, "exported length");
    let audio = read_wav(&out);
    assert_near(audio.secs(), 45.0, 0.01, "WAV length");
    let tones: Vec<f64> = tone_runs(&audio.mono(), audio.rate)
        .iter()
        .map(|r| r.0)
        .collect();
    assert_eq!(tones.len(), 3, "{tones:?}");

    let fast = dir.path().join("fast.wav");
    let summary = export_wav(&timeline, 1.5, &fast).unwrap();
    assert_near(summary.seconds, 30.0, 0.05, "exported length at 1.5×");
    let audio = read_wav(&fast);
    let tones: Vec<f64> = tone_runs(&audio.mono(), audio.rate)
        .iter()
        .map(|r| r.0)
        .collect();
    for (heard, expected) in tones.iter().zip([440.0, 660.0, 880.0]) {
        assert_near(*heard, expected, expected * 0.02, "tone at 1.5×");
    }
}

#[test]
fn bad_input_is_a_specific_error() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing");
    let error = timeline_info(&[file_segment("main", &missing)]).unwrap_err();
    assert_eq!(error.code(), "media_not_found");

    let text = dir.path().join("notes");
    std::fs::write(
        &text,
        "this is not audio at all, just some text\n".repeat(100),
    )
    .unwrap();
    let error = timeline_info(&[file_segment("main", &text)]).unwrap_err();
    assert_eq!(error.code(), "unsupported_format", "{error}");

    let error = timeline_info(&[]).unwrap_err();
    assert_eq!(error.code(), "empty_timeline");

    // A remote recording whose bytes cannot be had (after the reader's own retries).
    #[derive(Debug)]
    struct Unreachable;
    impl RangeSource for Unreachable {
        fn total_len(&self) -> Option<u64> {
            None
        }
        fn read_at(&self, _: u64, _: &mut [u8]) -> std::io::Result<usize> {
            Err(std::io::Error::other("connection refused"))
        }
    }
    let remote = TimelineSegment::new("main", Media::Remote(Arc::new(Unreachable)));
    let error = timeline_info(&[remote]).unwrap_err();
    assert_eq!(error.code(), "media_fetch_failed", "{error}");
    assert_eq!(error.kind(), callrec_core::ErrorKind::Network);

    let tone = render(dir.path(), "tone", AudioFormat::WavPcm16, 1, 440.0);
    let error = export_wav(
        &[file_segment("main", &tone)],
        4.0,
        &dir.path().join("x.wav"),
    )
    .unwrap_err();
    assert!(matches!(error, PlayerError::InvalidSpeed(_)));
    assert_eq!(error.code(), "invalid_speed");
}

/// Left channel of everything `reader` gives from where it is, up to `max_frames`.
fn pull_left(reader: &mut TimelineReader, max_frames: usize) -> (Option<f64>, Vec<f32>) {
    let mut first_start = None;
    let mut left = Vec::new();
    while left.len() < max_frames {
        let Some(block) = reader.next_block() else {
            break;
        };
        let block = block.unwrap();
        first_start.get_or_insert(block.start);
        left.extend(block.samples.iter().step_by(2));
    }
    (first_start, left)
}

/// How far (seconds) the audio after a seek to `target` is from where the whole decode has
/// it: the lag minimising the difference over 4000 frames, searched within ±100 ms.
fn seek_error(full: &[f32], after: &[f32], target: f64, rate: u32) -> f64 {
    let at = (target * f64::from(rate)).round() as isize;
    let span = 4000.min(after.len());
    let reach = (f64::from(rate) * 0.1) as isize;
    let (best, _) = (-reach..=reach)
        .map(|lag| {
            let cost: f32 = (0..span)
                .map(|i| {
                    let j = (at + lag + i as isize).clamp(0, full.len() as isize - 1) as usize;
                    (full[j] - after[i]).powi(2)
                })
                .sum();
            (lag, cost)
        })
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .unwrap();
    best as f64 / f64::from(rate)
}

/// A point after `from` s inside a phrase (sound for 300 ms on), where a misplaced seek shows.
fn inside_a_phrase(left: &[f32], rate: u32, from: f64) -> f64 {
    let active = activity(left, rate);
    let start = (from / WINDOW_SECS) as usize;
    let window = (start..active.len() - 30)
        .find(|&i| active[i..i + 30].iter().all(|a| *a))
        .expect("a phrase");
    window as f64 * WINDOW_SECS + 0.0123
}

#[test]
fn seek_is_sample_accurate_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    for format in [
        AudioFormat::WavPcm16,
        AudioFormat::WavMulaw,
        AudioFormat::Mp3Cbr,
        AudioFormat::Mp3Vbr,
        AudioFormat::Mp3VbrNoXing,
        AudioFormat::OggOpus,
    ] {
        let name = format!("{format:?}");
        let path = render(dir.path(), &name, format, 30, 440.0);
        let timeline = [file_segment("main", &path)];
        let mut reader = TimelineReader::open(&timeline, 1.0, None).unwrap();
        let rate = reader.rate();
        let (_, full) = pull_left(&mut reader, usize::MAX);
        let target = inside_a_phrase(&full, rate, 17.0);
        reader.seek(target).unwrap();
        let (reported, after) = pull_left(&mut reader, 4000);
        let error = seek_error(&full, &after, target, rate);
        eprintln!(
            "{name}: seek to {target:.4} s lands {:+.2} ms off",
            error * 1e3
        );
        // PCM and CBR MP3 land on the sample. symphonia's VBR MP3 seek positions by the
        // Xing table of contents and lands a few ms off; the bound there is 50 ms.
        let bound = match format {
            AudioFormat::Mp3Vbr | AudioFormat::Mp3VbrNoXing | AudioFormat::OggOpus => 0.05,
            _ => 0.001,
        };
        assert!(
            error.abs() <= bound,
            "{name}: seek off by {:.2} ms",
            error * 1e3
        );
        assert_near(
            reported.unwrap(),
            target,
            0.001,
            &format!("{name} reported start"),
        );
    }
}

// ---------------------------------------------------------------------------------------
// Streaming from the backend over loopback

async fn resolve(backend: &RunningBackend, dir: &Path, call: &str) -> Vec<Segment> {
    let session = common::signed_in_as(backend, fx::USER_REVIEWER_EMAIL, dir).await;
    let recordings = Recordings::new(
        session.clone(),
        callrec_core::http::client().unwrap(),
        EndpointSettings::from_project(session.project()),
    );
    let resolved = recordings.resolve(call).await.unwrap();
    // Endpoint B's segments (A's single recording duplicates `main`).
    resolved
        .segments
        .into_iter()
        .filter(|s| s.id.starts_with("b:"))
        .collect()
}

fn streamed(segment: &Segment) -> Arc<StreamedMedia> {
    let reader = RemoteReader::new(
        callrec_core::http::client().unwrap(),
        Arc::new(FixedUrl(segment.url.clone())),
        ReaderOptions {
            min_delay: Duration::from_millis(20),
            max_delay: Duration::from_millis(200),
            max_retries: 10,
            ..ReaderOptions::default()
        },
    );
    Arc::new(StreamedMedia::new(reader, tokio::runtime::Handle::current()).unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_remote_timeline_streams_whole_through_dropped_connections() {
    let backend = common::backend(BackendArgs::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let segments = resolve(&backend, dir.path(), fx::MULTI_SEGMENT).await;
    assert_eq!(segments.len(), 3);
    // Every response is cut after 50 KB: each block read is resumed by the remote reader.
    backend
        .set_faults(Faults {
            drop_after: Some(50_000),
            ..Faults::default()
        })
        .unwrap();
    let media: Vec<Arc<StreamedMedia>> = segments.iter().map(streamed).collect();
    let timeline: Vec<TimelineSegment> = segments
        .iter()
        .zip(&media)
        .map(|(s, m)| TimelineSegment::new(s.label.clone(), Media::Remote(m.clone())))
        .collect();
    let out = dir.path().join("remote.wav");
    let out_for_thread = out.clone();
    let summary = tokio::task::spawn_blocking(move || export_wav(&timeline, 1.0, &out_for_thread))
        .await
        .unwrap()
        .unwrap();
    assert!(summary.problems.is_empty(), "{:?}", summary.problems);
    assert_near(summary.seconds, 45.0, 0.01, "streamed timeline length");
    let audio = read_wav(&out);
    let tones: Vec<f64> = tone_runs(&audio.mono(), audio.rate)
        .iter()
        .map(|r| r.0)
        .collect();
    assert_eq!(tones.len(), 3, "{tones:?}");
    for (heard, expected) in tones.iter().zip([440.0, 660.0, 880.0]) {
        assert_near(*heard, expected, expected * 0.01, "streamed segment tone");
    }
    for m in &media {
        // Each file fetched once (plus at most the tail block symphonia's probe reads).
        let len = m.total_len().unwrap();
        assert!(
            m.fetched_bytes() >= len && m.fetched_bytes() <= len + 64 * 1024,
            "{m:?}: {} of {len}",
            m.fetched_bytes()
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn seeking_a_remote_mp3_fetches_only_around_the_target() {
    let backend = common::backend(BackendArgs::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let segments = resolve(&backend, dir.path(), fx::LONG_MP3_CBR).await;
    let media = streamed(&segments[0]);
    let timeline = vec![TimelineSegment::new(
        segments[0].label.clone(),
        Media::Remote(media.clone()),
    )];
    // The same file local, for where an exact seek lands.
    let local = dir.path().join("long");
    let bytes = reqwest::get(segments[0].url.expose().clone())
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    std::fs::write(&local, &bytes).unwrap();
    let (opened_bytes, seek_bytes, duration, landed, tone, error) =
        tokio::task::spawn_blocking(move || {
            let mut reader = TimelineReader::open(&timeline, 1.0, None).unwrap();
            let opened = media.fetched_bytes();
            reader.seek(45.0 * 60.0).unwrap();
            let (start, left) = pull_left(&mut reader, 32_000);
            let rate = reader.rate();
            let mut exact =
                TimelineReader::open(&[file_segment("main", &local)], 1.0, None).unwrap();
            exact.seek(2700.0 - 0.2).unwrap();
            let (_, around) = pull_left(&mut exact, 32_000);
            (
                opened,
                media.fetched_bytes() - opened,
                reader.duration(),
                start.unwrap(),
                tone_runs(&left, rate).first().map(|r| r.0),
                seek_error(&around, &left, 0.2, rate),
            )
        })
        .await
        .unwrap();
    assert_near(duration, 3600.0, 0.1, "duration from the Info tag");
    assert!(
        opened_bytes <= 256 * 1024,
        "opening fetched {opened_bytes} bytes"
    );
    assert!(
        seek_bytes <= 1024 * 1024,
        "the seek fetched {seek_bytes} bytes"
    );
    assert_near(landed, 2700.0, 0.001, "where the seek says it landed");
    eprintln!(
        "remote CBR MP3 seek to 45:00: {seek_bytes} bytes, {:+.1} ms off",
        error * 1e3
    );
    assert!(
        error.abs() <= 0.05,
        "the coarse seek is {:.1} ms off",
        error * 1e3
    );
    assert_near(
        tone.expect("a tone after the seek"),
        440.0,
        4.4,
        "tone after the seek",
    );
}

/// A remote source whose uncached reads (the MP3 frame scan's) wait until `open`: the
/// test decides when the frame index can be finished.
#[derive(Debug)]
struct Gated {
    inner: Arc<StreamedMedia>,
    open: std::sync::Mutex<bool>,
    opened: std::sync::Condvar,
}

impl Gated {
    fn open(&self) {
        *self.open.lock().unwrap() = true;
        self.opened.notify_all();
    }
}

impl RangeSource for Gated {
    fn total_len(&self) -> Option<u64> {
        self.inner.total_len()
    }
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> std::io::Result<usize> {
        self.inner.read_at(offset, buf)
    }
    fn read_uncached(&self, offset: u64, buf: &mut [u8]) -> std::io::Result<usize> {
        let mut open = self.open.lock().unwrap();
        while !*open {
            open = self.opened.wait(open).unwrap();
        }
        drop(open);
        self.inner.read_uncached(offset, buf)
    }
}

/// The 60-minute VBR MP3 without a Xing header, streamed: before its frame index is built
/// a seek to 45:00 is coarse (frame timestamps from the bit rate: seconds off, checked by
/// the pattern of phrases and pauses, ±10 s) and fetches little; once the background scan
/// has walked the file its length is the local frame count and a seek lands on the sample.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_remote_vbr_mp3_without_xing_is_exact_once_its_frames_are_indexed() {
    let backend = common::backend(BackendArgs::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let segments = resolve(&backend, dir.path(), fx::LONG_MP3_VBR_NO_XING).await;
    let media = streamed(&segments[0]);
    let gated = Arc::new(Gated {
        inner: media.clone(),
        open: std::sync::Mutex::new(false),
        opened: std::sync::Condvar::new(),
    });
    let timeline = vec![TimelineSegment::new(
        segments[0].label.clone(),
        Media::Remote(gated.clone()),
    )];
    let local = dir.path().join("long");
    let bytes = reqwest::get(segments[0].url.expose().clone())
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    std::fs::write(&local, &bytes).unwrap();
    let target = 2700.0;
    let report = tokio::task::spawn_blocking(move || {
        let mut reader = TimelineReader::open(&timeline, 1.0, None).unwrap();
        reader.index_streamed_mp3();
        let estimated = reader.duration();
        let rate = reader.rate();
        let mut exact = TimelineReader::open(&[file_segment("main", &local)], 1.0, None).unwrap();
        let exact_duration = exact.duration();

        // Before the index: coarse.
        let opened = media.fetched_bytes();
        reader.seek(target).unwrap();
        let (_, after) = pull_left(&mut reader, rate as usize * 10);
        let coarse_bytes = media.fetched_bytes() - opened;
        exact.seek(target - 10.0).unwrap();
        let (_, around) = pull_left(&mut exact, rate as usize * 30);
        let (a, b) = (activity(&around, rate), activity(&after, rate));
        let best = (0..=2000usize)
            .max_by_key(|&lag| {
                b.iter()
                    .zip(&a[lag.min(a.len())..])
                    .filter(|(x, y)| x == y)
                    .count()
            })
            .unwrap();
        let coarse_offset = best as f64 * WINDOW_SECS - 10.0;

        // The scan may go on: the index, then the same seek again.
        gated.open();
        assert!(reader.wait_for_lengths(Duration::from_secs(120)));
        let indexed = reader.duration();
        let before = media.fetched_bytes();
        reader.seek(target).unwrap();
        let (landed, left) = pull_left(&mut reader, 32_000);
        let exact_bytes = media.fetched_bytes() - before;
        exact.seek(target - 0.2).unwrap();
        let (_, around) = pull_left(&mut exact, 32_000);
        let error = seek_error(&around, &left, 0.2, rate);
        (
            estimated,
            exact_duration,
            coarse_bytes,
            coarse_offset,
            indexed,
            media.fetched_bytes(),
            exact_bytes,
            landed.unwrap(),
            error,
        )
    })
    .await
    .unwrap();
    let (
        estimated,
        exact_duration,
        coarse_bytes,
        coarse_offset,
        indexed,
        fetched,
        exact_bytes,
        landed,
        error,
    ) = report;
    eprintln!(
        "remote VBR MP3 without Xing: estimated {estimated:.1} s, indexed {indexed:.3} s, \
         local {exact_duration:.3} s; coarse seek to 45:00 {coarse_bytes} bytes, \
         {coarse_offset:+.2} s off; fetched in all {fetched} bytes; indexed seek {exact_bytes} \
         bytes, {:+.2} ms off",
        error * 1e3
    );
    assert_near(exact_duration, 3600.0, 0.1, "local length, frames counted");
    assert_near(
        estimated,
        3600.0,
        3600.0 * 0.03,
        "streamed length, estimated",
    );
    assert!(
        coarse_bytes <= 1024 * 1024,
        "the coarse seek fetched {coarse_bytes} bytes"
    );
    assert!(
        coarse_offset.abs() <= 10.0,
        "the coarse seek landed {coarse_offset:+.2} s off"
    );
    assert_near(
        indexed,
        exact_duration,
        0.1,
        "streamed length, frames indexed",
    );
    let file_len = bytes.len() as u64;
    // The scan walked the whole file, and the probe, the seeks and the scan together fetched
    // each byte once: they read one store.
    assert!(
        fetched >= file_len - 64 * 1024 && fetched <= file_len,
        "fetched {fetched} of {file_len} bytes"
    );
    assert!(
        exact_bytes <= 1024 * 1024,
        "the indexed seek fetched {exact_bytes} bytes"
    );
    assert_near(
        landed,
        target,
        0.001,
        "where the indexed seek says it landed",
    );
    assert!(
        error.abs() <= 0.005,
        "the indexed seek is {:.2} ms off",
        error * 1e3
    );
}

/// A local file as a remote source (no Xing-VBR file is served by the backend's fixtures):
/// the pipeline treats it as streamed, so it seeks the streamed way.
#[derive(Debug)]
struct FileSource(std::fs::File, u64);

impl FileSource {
    fn open(path: &Path) -> Self {
        let file = std::fs::File::open(path).unwrap();
        let len = file.metadata().unwrap().len();
        Self(file, len)
    }
}

impl RangeSource for FileSource {
    fn total_len(&self) -> Option<u64> {
        Some(self.1)
    }
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> std::io::Result<usize> {
        std::os::unix::fs::FileExt::read_at(&self.0, buf, offset)
    }
}

/// A streamed Xing VBR MP3: its length is exact from the header, but a seek by byte range
/// lands where the mean bit rate puts it (measured, not bounded: typically 100+ ms off), so
/// it is indexed too; then seeks land on the sample. Measured against an exact local seek.
#[test]
fn a_streamed_xing_vbr_mp3_seeks_exactly_once_indexed() {
    let dir = tempfile::tempdir().unwrap();
    let path = render(dir.path(), "vbr", AudioFormat::Mp3Vbr, 20 * 60, 440.0);
    let remote = TimelineSegment::new("main", Media::Remote(Arc::new(FileSource::open(&path))));
    let mut reader = TimelineReader::open(&[remote], 1.0, None).unwrap();
    let mut exact = TimelineReader::open(&[file_segment("main", &path)], 1.0, None).unwrap();
    assert_near(
        reader.duration(),
        exact.duration(),
        0.001,
        "length from the Xing tag",
    );
    let rate = reader.rate();
    reader.seek(900.0).unwrap();
    let (_, left) = pull_left(&mut reader, 32_000);
    exact.seek(900.0 - 0.2).unwrap();
    let (_, around) = pull_left(&mut exact, 32_000);
    eprintln!(
        "streamed Xing VBR MP3, seek by range to 900 s: {:+.2} ms off (search ±100 ms)",
        seek_error(&around, &left, 0.2, rate) * 1e3
    );
    reader.index_streamed_mp3();
    assert!(reader.wait_for_lengths(Duration::from_secs(60)));
    assert_near(reader.duration(), exact.duration(), 0.001, "length kept");
    for target in [0.5, 300.0, 900.0, 1100.0] {
        reader.seek(target).unwrap();
        let (landed, left) = pull_left(&mut reader, 32_000);
        exact.seek(target - 0.2).unwrap();
        let (_, around) = pull_left(&mut exact, 32_000);
        let error = seek_error(&around, &left, 0.2, rate);
        eprintln!(
            "streamed Xing VBR MP3, indexed seek to {target} s: {:+.2} ms off",
            error * 1e3
        );
        assert_near(
            landed.unwrap(),
            target,
            0.001,
            "where the seek says it landed",
        );
        assert!(
            error.abs() <= 0.005,
            "the seek to {target} s is {:.2} ms off",
            error * 1e3
        );
    }
}

/// The player announces the timeline again once a streamed VBR MP3 without Xing has been
/// walked: the first `Loaded` has its estimated length, the next the frame count, and the
/// segment after it moves to match.
#[test]
fn the_player_announces_the_true_length_of_a_streamed_mp3_without_xing() {
    let dir = tempfile::tempdir().unwrap();
    let mp3 = render(dir.path(), "vbr", AudioFormat::Mp3VbrNoXing, 60, 440.0);
    let wav = render(dir.path(), "wav", AudioFormat::WavPcm16, 2, 660.0);
    let exact = TimelineReader::open(&[file_segment("main", &mp3)], 1.0, None)
        .unwrap()
        .duration();
    let capture = play(
        dir.path(),
        Scenario {
            files: vec![
                PathBuf::from(format!("{REMOTE_PREFIX}{}", mp3.display())),
                wav.clone(),
            ],
            ..Scenario::default()
        },
    );
    let loaded: Vec<&serde_json::Value> = capture
        .events
        .iter()
        .filter(|e| e["type"] == "loaded")
        .collect();
    assert_eq!(loaded.len(), 2, "{loaded:?}");
    let first = loaded[0]["segments"][0]["duration"].as_f64().unwrap();
    let last = loaded[1];
    let segment = |i: usize, field: &str| last["segments"][i][field].as_f64().unwrap();
    eprintln!(
        "announced {first:.3} s, then {:.3} s (local {exact:.3} s)",
        segment(0, "duration")
    );
    assert!(
        (first - exact).abs() > 0.01,
        "the estimate was already exact"
    );
    assert_near(segment(0, "duration"), exact, 0.001, "announced length");
    assert_near(segment(1, "start"), exact, 0.001, "next segment's start");
    assert_near(
        last["duration"].as_f64().unwrap(),
        exact + 2.0,
        0.001,
        "timeline length",
    );
    assert!(capture.errors().is_empty(), "{:?}", capture.errors());
    assert!(capture.ended());
}
