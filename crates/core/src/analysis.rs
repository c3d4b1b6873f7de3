//! Who is silent when: each channel's speech and the agent's response latency at each turn.
//!
//! A call's timeline is decoded once (the player's pipeline at 1×, no output) into 10 ms
//! windows of each channel's RMS. A window is speech when it is within [`RANGE_DB`] of the
//! channel's loudest window (and above [`FLOOR_DBFS`]); speech windows closer than
//! [`MIN_PAUSE_SECS`] join into one span (words of a phrase), spans shorter than
//! [`MIN_SPEECH_SECS`] are dropped (clicks).
//!
//! Stereo recordings carry one party per channel: left is the agent, right the customer (the
//! convention of the agency's recordings and of the demo backend). A **response latency** is
//! measured where the customer's speech ends and the agent's next begins, with the agent
//! silent in between: from the customer's last word to the agent's first. A mono recording
//! (both channels the same) has no parties to tell apart: its pauses between speech are given.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::player::{PlayerError, TimelineReader, TimelineSegment};
use crate::{ErrorCode, ErrorKind};

/// Window length (seconds).
pub const WINDOW_SECS: f64 = 0.01;
/// A window this far below the channel's loudest still counts as speech.
pub const RANGE_DB: f64 = 45.0;
/// Nothing quieter than this is speech, however quiet the channel.
pub const FLOOR_DBFS: f64 = -60.0;
/// Shorter gaps are inside speech (between words).
pub const MIN_PAUSE_SECS: f64 = 0.3;
/// Shorter bursts are not speech.
pub const MIN_SPEECH_SECS: f64 = 0.08;
/// The longest call analysed (windows are kept in memory: 8 bytes per 10 ms).
pub const MAX_SECS: f64 = 12.0 * 3600.0;

#[derive(Debug, thiserror::Error)]
pub enum AnalysisError {
    #[error(transparent)]
    Audio(#[from] PlayerError),
    #[error("the call is longer than {} h: not analysed", MAX_SECS / 3600.0)]
    TooLong,
}

impl ErrorCode for AnalysisError {
    fn code(&self) -> &'static str {
        match self {
            Self::Audio(error) => error.code(),
            Self::TooLong => "call_too_long",
        }
    }

    fn kind(&self) -> ErrorKind {
        match self {
            Self::Audio(error) => error.kind(),
            Self::TooLong => ErrorKind::Usage,
        }
    }
}

/// Seconds on the call's timeline.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Span {
    pub start: f64,
    pub end: f64,
}

impl Span {
    pub fn secs(&self) -> f64 {
        self.end - self.start
    }
}

/// One turn from the customer to the agent.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Latency {
    /// The customer's last word ends here…
    pub customer_end: f64,
    /// …and the agent's first begins here.
    pub agent_start: f64,
    pub seconds: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct CallAnalysis {
    /// Seconds analysed.
    pub duration: f64,
    /// Two parties on two channels; false: one mix (no latencies, pauses instead).
    pub stereo: bool,
    /// Stereo: the agent's speech (left); mono: all speech.
    pub agent: Vec<Span>,
    /// Stereo: the customer's speech (right); mono: empty.
    pub customer: Vec<Span>,
    /// Nobody speaking for at least [`MIN_PAUSE_SECS`], between the first and the last word.
    pub silences: Vec<Span>,
    /// Each customer → agent turn, in time order.
    pub latencies: Vec<Latency>,
    pub median_latency: Option<f64>,
    pub worst_latency: Option<Latency>,
}

/// Decodes `timeline` and finds who speaks when.
pub fn analyze(timeline: &[TimelineSegment]) -> Result<CallAnalysis, AnalysisError> {
    let mut reader = TimelineReader::open(timeline, 1.0, None)?;
    if reader.duration() > MAX_SECS {
        return Err(AnalysisError::TooLong);
    }
    let rate = f64::from(reader.rate());
    let mut windows = Windows::default();
    while let Some(block) = reader.next_block() {
        // A leg that could not be read whole: what was read is analysed.
        let Ok(block) = block else { continue };
        windows.add(block.start, &block.samples, rate);
    }
    Ok(windows.analysis())
}

/// Sums of squares per window and channel.
#[derive(Default)]
struct Windows {
    left: Vec<f64>,
    right: Vec<f64>,
    counts: Vec<u32>,
    /// Σ|L − R| and Σ(|L| + |R|): the channels are one mix when the first is tiny.
    difference: f64,
    magnitude: f64,
}

impl Windows {
    fn add(&mut self, start: f64, samples: &[f32], rate: f64) {
        if !start.is_finite() || !(0.0..=MAX_SECS).contains(&start) {
            return;
        }
        for (i, frame) in samples.chunks_exact(2).enumerate() {
            let t = start + i as f64 / rate;
            let index = (t / WINDOW_SECS) as usize;
            if index as f64 * WINDOW_SECS > MAX_SECS {
                break;
            }
            if self.counts.len() <= index {
                self.left.resize(index + 1, 0.0);
                self.right.resize(index + 1, 0.0);
                self.counts.resize(index + 1, 0);
            }
            let (l, r) = (f64::from(frame[0]), f64::from(frame[1]));
            if !l.is_finite() || !r.is_finite() {
                continue;
            }
            self.left[index] += l * l;
            self.right[index] += r * r;
            self.counts[index] += 1;
            self.difference += (l - r).abs();
            self.magnitude += l.abs() + r.abs();
        }
    }

    fn rms(sums: &[f64], counts: &[u32]) -> Vec<f64> {
        sums.iter()
            .zip(counts)
            .map(|(sum, n)| {
                if *n == 0 {
                    0.0
                } else {
                    (sum / f64::from(*n)).sqrt()
                }
            })
            .collect()
    }

    fn analysis(self) -> CallAnalysis {
        let duration = ms(self.counts.len() as f64 * WINDOW_SECS);
        let stereo = self.magnitude > 0.0 && self.difference / self.magnitude > 1e-3;
        let left = speech(&Self::rms(&self.left, &self.counts));
        let (agent, customer) = if stereo {
            (left, speech(&Self::rms(&self.right, &self.counts)))
        } else {
            (left, Vec::new())
        };
        let silences = silences(&agent, &customer);
        let latencies = if stereo {
            latencies(&agent, &customer)
        } else {
            Vec::new()
        };
        let median_latency = median(latencies.iter().map(|l| l.seconds).collect()).map(ms);
        let worst_latency = latencies
            .iter()
            .copied()
            .max_by(|a, b| a.seconds.total_cmp(&b.seconds));
        CallAnalysis {
            duration,
            stereo,
            agent,
            customer,
            silences,
            latencies,
            median_latency,
            worst_latency,
        }
    }
}

/// Milliseconds are as precise as 10 ms windows allow; no float noise in what is printed.
fn ms(seconds: f64) -> f64 {
    (seconds * 1000.0).round() / 1000.0
}

/// One channel's speech spans from its windows' RMS.
fn speech(rms: &[f64]) -> Vec<Span> {
    let loudest = rms.iter().copied().fold(0.0f64, f64::max);
    if loudest <= 0.0 {
        return Vec::new();
    }
    let threshold = (loudest * 10f64.powf(-RANGE_DB / 20.0)).max(10f64.powf(FLOOR_DBFS / 20.0));
    let mut spans: Vec<Span> = Vec::new();
    for (i, level) in rms.iter().enumerate() {
        if *level < threshold {
            continue;
        }
        let (start, end) = (ms(i as f64 * WINDOW_SECS), ms((i + 1) as f64 * WINDOW_SECS));
        match spans.last_mut() {
            Some(last) if start - last.end < MIN_PAUSE_SECS => last.end = end,
            _ => spans.push(Span { start, end }),
        }
    }
    spans.retain(|span| span.secs() >= MIN_SPEECH_SECS);
    spans
}

/// Where neither party speaks, between the first word and the last.
fn silences(agent: &[Span], customer: &[Span]) -> Vec<Span> {
    let mut all: Vec<Span> = agent.iter().chain(customer).copied().collect();
    all.sort_by(|a, b| a.start.total_cmp(&b.start));
    let mut out = Vec::new();
    let mut end = match all.first() {
        Some(first) => first.end,
        None => return out,
    };
    for span in &all[1..] {
        if span.start - end >= MIN_PAUSE_SECS {
            out.push(Span {
                start: end,
                end: span.start,
            });
        }
        end = end.max(span.end);
    }
    out
}

/// Each agent span that follows customer speech with the agent silent in between.
fn latencies(agent: &[Span], customer: &[Span]) -> Vec<Latency> {
    let mut out = Vec::new();
    let mut previous_agent_end = f64::NEG_INFINITY;
    for span in agent {
        // The customer's last speech that ended after the agent's previous span and before
        // this one starts (overlapping talk is not a turn handed over).
        let last_customer = customer
            .iter()
            .filter(|c| c.end > previous_agent_end && c.end <= span.start)
            .map(|c| c.end)
            .fold(None, |last: Option<f64>, end| {
                Some(last.map_or(end, |l| l.max(end)))
            });
        if let Some(customer_end) = last_customer {
            out.push(Latency {
                customer_end,
                agent_start: span.start,
                seconds: ms(span.start - customer_end),
            });
        }
        previous_agent_end = span.end;
    }
    out
}

fn median(mut values: Vec<f64>) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    Some(if values.len().is_multiple_of(2) {
        (values[mid - 1] + values[mid]) / 2.0
    } else {
        values[mid]
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span(start: f64, end: f64) -> Span {
        Span { start, end }
    }

    #[test]
    fn words_join_into_phrases_and_clicks_are_dropped() {
        // 10 ms windows: speech 0–0.5 s, a 0.1 s word gap, speech to 1.0 s, a 0.05 s click
        // at 2 s.
        let mut rms = vec![0.0; 300];
        for (i, level) in rms.iter_mut().enumerate() {
            if (i < 50) || (60..100).contains(&i) || (200..205).contains(&i) {
                *level = 0.5;
            }
        }
        let spans = speech(&rms);
        assert_eq!(spans.len(), 1, "{spans:?}");
        assert!((spans[0].start - 0.0).abs() < 1e-9 && (spans[0].end - 1.0).abs() < 1e-9);
    }

    #[test]
    fn a_latency_is_from_the_customer_s_last_word_to_the_agent_s_first() {
        let agent = [
            span(0.0, 2.0),
            span(5.5, 7.0),
            span(7.5, 8.0),
            span(12.0, 13.0),
        ];
        let customer = [span(2.5, 5.0), span(9.0, 10.0), span(10.5, 11.0)];
        let found = latencies(&agent, &customer);
        let seconds: Vec<f64> = found.iter().map(|l| l.seconds).collect();
        // 5.0 → 5.5, then the agent goes on (no turn), then 11.0 → 12.0.
        assert_eq!(seconds.len(), 2, "{found:?}");
        assert!((seconds[0] - 0.5).abs() < 1e-9 && (seconds[1] - 1.0).abs() < 1e-9);
        assert_eq!(median(seconds), Some(0.75));
        let quiet = silences(&agent, &customer);
        assert_eq!(quiet.first(), Some(&span(2.0, 2.5)));
        assert!(quiet.contains(&span(11.0, 12.0)), "{quiet:?}");
    }

    #[test]
    fn an_agent_who_interrupts_is_not_a_turn_handed_over() {
        let agent = [span(0.0, 1.0), span(2.0, 3.0)];
        let customer = [span(1.5, 4.0)];
        assert!(latencies(&agent, &customer).is_empty());
    }
}
