//! `callrec analyze CALL_ID`: who is silent when — each channel's speech, the silences, and
//! the agent's response latency at each turn (median and worst), from the call's audio
//! (downloaded files first, else streamed).

use clap::Args;

use callrec_core::analysis::{CallAnalysis, Span};
use callrec_core::config::Settings;

use crate::exit::CliError;
use crate::output::Output;

#[derive(Args, Debug)]
pub struct AnalyzeArgs {
    /// The call's id (the internal one, as `callrec calls` lists it).
    call_id: String,
}

pub async fn run(output: &Output, flags: Settings, args: AnalyzeArgs) -> Result<(), CliError> {
    let app = super::session::signed_in(flags).await?;
    let analysis = app.analyze_call(&args.call_id).await?;
    output.result(&analysis, || table(&analysis));
    Ok(())
}

fn clock(seconds: f64) -> String {
    let tenths = (seconds * 10.0).round() as u64;
    format!("{}:{:02}.{}", tenths / 600, (tenths / 10) % 60, tenths % 10)
}

fn spans(name: &str, spans: &[Span]) -> String {
    let total: f64 = spans.iter().map(Span::secs).sum();
    format!("{name}: {} spans, {total:.1} s of speech\n", spans.len())
}

fn table(a: &CallAnalysis) -> String {
    let mut text = format!(
        "{:.1} s analysed, {}\n",
        a.duration,
        if a.stereo {
            "stereo (agent left, customer right)"
        } else {
            "mono (one mix: pauses, no latencies)"
        }
    );
    if a.stereo {
        text.push_str(&spans("agent", &a.agent));
        text.push_str(&spans("customer", &a.customer));
    } else {
        text.push_str(&spans("speech", &a.agent));
    }
    let silent: f64 = a.silences.iter().map(Span::secs).sum();
    text.push_str(&format!("silences: {} ({silent:.1} s)\n", a.silences.len()));
    if a.stereo {
        text.push_str("TURN  CUSTOMER ENDS  AGENT STARTS  LATENCY\n");
        for (i, l) in a.latencies.iter().enumerate() {
            text.push_str(&format!(
                "{:>4}  {:>13}  {:>12}  {:>6.2} s\n",
                i + 1,
                clock(l.customer_end),
                clock(l.agent_start),
                l.seconds
            ));
        }
        match (a.median_latency, a.worst_latency) {
            (Some(median), Some(worst)) => text.push_str(&format!(
                "median {median:.2} s, worst {:.2} s at {}",
                worst.seconds,
                clock(worst.agent_start)
            )),
            _ => text.push_str("no turn from the customer to the agent"),
        }
    }
    text.trim_end().to_owned()
}
