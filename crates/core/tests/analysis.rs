//! Who is silent when, checked against audio whose turns are known: the backend's stereo call
//! (agent left, customer right) has exact digital silence between words and phrases, so the
//! truth is read from the samples themselves (non-zero = someone speaks) and the analysis —
//! which works on levels, as it must for real recordings — is held to it within 50 ms.

use std::path::Path;

use callrec_backend::audio::{AudioFormat, AudioSpec, Damage, render_to_file};
use callrec_core::analysis::{self, CallAnalysis, MIN_PAUSE_SECS, Span};
use callrec_core::player::{Media, TimelineSegment};

const TOLERANCE: f64 = 0.05;

/// Speech spans of one channel from the exact zeros of the file (the script's silences).
fn truth_of_channel(samples: &[i16], channel: usize, channels: usize, rate: f64) -> Vec<Span> {
    let mut spans: Vec<Span> = Vec::new();
    for (i, frame) in samples.chunks_exact(channels).enumerate() {
        if frame[channel] == 0 {
            continue;
        }
        let t = i as f64 / rate;
        match spans.last_mut() {
            Some(last) if t - last.end < MIN_PAUSE_SECS => last.end = t + 1.0 / rate,
            _ => spans.push(Span {
                start: t,
                end: t + 1.0 / rate,
            }),
        }
    }
    spans
}

/// (agent, customer) speech as the file holds it.
pub fn truth(path: &Path) -> (Vec<Span>, Vec<Span>) {
    let mut reader = hound::WavReader::open(path).unwrap();
    let spec = reader.spec();
    let samples: Vec<i16> = reader.samples::<i16>().map(Result::unwrap).collect();
    let channels = usize::from(spec.channels);
    let rate = f64::from(spec.sample_rate);
    (
        truth_of_channel(&samples, 0, channels, rate),
        truth_of_channel(&samples, channels - 1, channels, rate),
    )
}

/// The turns from the customer to the agent in the truth: the agent's first speech after the
/// customer's, with the agent silent in between.
fn true_latencies(agent: &[Span], customer: &[Span]) -> Vec<(f64, f64)> {
    let mut out = Vec::new();
    let mut previous = f64::NEG_INFINITY;
    for span in agent {
        if let Some(end) = customer
            .iter()
            .filter(|c| c.end > previous && c.end <= span.start)
            .map(|c| c.end)
            .reduce(f64::max)
        {
            out.push((end, span.start));
        }
        previous = span.end;
    }
    out
}

fn assert_spans_match(what: &str, found: &[Span], truth: &[Span]) {
    assert_eq!(found.len(), truth.len(), "{what}: {found:?} vs {truth:?}");
    for (f, t) in found.iter().zip(truth) {
        assert!(
            (f.start - t.start).abs() <= TOLERANCE && (f.end - t.end).abs() <= TOLERANCE,
            "{what}: found {f:?}, truth {t:?}"
        );
    }
}

pub fn assert_matches_truth(analysis: &CallAnalysis, path: &Path) {
    let (agent, customer) = truth(path);
    assert!(analysis.stereo);
    assert_spans_match("agent", &analysis.agent, &agent);
    assert_spans_match("customer", &analysis.customer, &customer);
    let expected = true_latencies(&agent, &customer);
    assert!(expected.len() >= 4, "the fixture has turns: {expected:?}");
    assert_eq!(
        analysis.latencies.len(),
        expected.len(),
        "{:?}",
        analysis.latencies
    );
    for (found, (customer_end, agent_start)) in analysis.latencies.iter().zip(&expected) {
        assert!(
            (found.customer_end - customer_end).abs() <= TOLERANCE
                && (found.agent_start - agent_start).abs() <= TOLERANCE,
            "found {found:?}, truth {customer_end}–{agent_start}"
        );
    }
    let mut seconds: Vec<f64> = expected.iter().map(|(end, start)| start - end).collect();
    seconds.sort_by(f64::total_cmp);
    let worst = *seconds.last().unwrap();
    assert!(
        (analysis.worst_latency.unwrap().seconds - worst).abs() <= TOLERANCE,
        "{:?} vs {worst}",
        analysis.worst_latency
    );
    let mid = seconds.len() / 2;
    let median = if seconds.len().is_multiple_of(2) {
        (seconds[mid - 1] + seconds[mid]) / 2.0
    } else {
        seconds[mid]
    };
    assert!((analysis.median_latency.unwrap() - median).abs() <= TOLERANCE);
}

fn render(dir: &Path, format: AudioFormat, secs: u64) -> std::path::PathBuf {
    let path = dir.join(format!("{format:?}.wav"));
    render_to_file(
        &AudioSpec {
            format,
            duration_ms: secs * 1000,
            tone_hz: 440.0,
            right_tone_hz: Some(330.0),
            seed: 42,
            damage: Damage::None,
        },
        &path,
    )
    .unwrap();
    path
}

#[test]
fn a_stereo_call_s_speech_and_latencies_match_its_known_turns() {
    let dir = tempfile::tempdir().unwrap();
    let path = render(dir.path(), AudioFormat::WavStereo, 60);
    let timeline = vec![TimelineSegment::new("main", Media::File(path.clone()))];
    let analysis = analysis::analyze(&timeline).unwrap();
    assert!(
        (analysis.duration - 60.0).abs() < 0.1,
        "{}",
        analysis.duration
    );
    assert_matches_truth(&analysis, &path);
    // Every silence lies where neither party speaks.
    for quiet in &analysis.silences {
        for span in analysis.agent.iter().chain(&analysis.customer) {
            assert!(
                span.end <= quiet.start + TOLERANCE || span.start >= quiet.end - TOLERANCE,
                "{quiet:?} overlaps {span:?}"
            );
        }
    }
}

#[test]
fn a_mono_call_has_pauses_and_no_latencies() {
    let dir = tempfile::tempdir().unwrap();
    let path = render(dir.path(), AudioFormat::WavPcm16, 30);
    let timeline = vec![TimelineSegment::new("main", Media::File(path.clone()))];
    let analysis = analysis::analyze(&timeline).unwrap();
    assert!(!analysis.stereo);
    assert!(analysis.latencies.is_empty() && analysis.median_latency.is_none());
    let (speech, _) = truth(&path);
    assert_spans_match("speech", &analysis.agent, &speech);
    assert_eq!(analysis.silences.len(), speech.len() - 1);
}
