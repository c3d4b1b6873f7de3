// What the call's analysis (`analyze_call`) says, put the way a reviewer reads it.
import type { CallAnalysis } from './bindings/CallAnalysis';
import type { Latency } from './bindings/Latency';
import type { Span } from './bindings/Span';

/** A latency above this is flagged: a caller waiting two seconds notices. */
export const SLOW_SECONDS = 2;

/** "0.84 s", or "—" when there is none. */
export function seconds(value: number | null | undefined): string {
  return typeof value === 'number' && Number.isFinite(value) ? `${value.toFixed(2)} s` : '—';
}

/** "1:05.3" on the call's clock. */
export function clock(at: number): string {
  const tenths = Math.max(0, Math.round(at * 10));
  const minutes = Math.floor(tenths / 600);
  const secs = Math.floor(tenths / 10) % 60;
  return `${minutes}:${String(secs).padStart(2, '0')}.${tenths % 10}`;
}

export function speechSeconds(spans: readonly Span[]): number {
  return spans.reduce((total, s) => total + Math.max(0, s.end - s.start), 0);
}

export interface TurnRow {
  index: number;
  latency: Latency;
  slow: boolean;
  worst: boolean;
}

/** Each customer → agent turn, the worst and the slow ones marked. */
export function turns(analysis: CallAnalysis): TurnRow[] {
  const worst = analysis.worstLatency;
  return analysis.latencies.map((latency, index) => ({
    index: index + 1,
    latency,
    slow: latency.seconds >= SLOW_SECONDS,
    worst: worst !== null && latency.agentStart === worst.agentStart,
  }));
}

/** Where to play a turn from: a little before the customer's last word, to hear the wait. */
export function playFrom(latency: Latency): number {
  return Math.max(0, latency.customerEnd - 1.5);
}

/** One line for the panel's head. */
export function summary(analysis: CallAnalysis): string {
  if (!analysis.stereo) {
    return `One mix (mono): ${analysis.silences.length} pauses, ${speechSeconds(analysis.agent).toFixed(0)} s of speech`;
  }
  if (analysis.latencies.length === 0) return 'No turn from the customer to the agent';
  return `Agent response: median ${seconds(analysis.medianLatency)}, worst ${seconds(analysis.worstLatency?.seconds)} over ${String(analysis.latencies.length)} turns`;
}
