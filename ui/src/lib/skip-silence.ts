// Skip silence (issue 15): which of the silences the waveform reports are skipped, where the
// player is sent when playback enters one, and the time that saved. Pure; unit-tested in
// tests/unit/skip-silence.test.ts.
//
// The silences come from the shell (crates/core waveform: buckets at or below −40 dB under the
// segment's loudest, for at least 1 s). The UI never finds new ones; it only skips fewer:
// - the minimum length drops shorter silences;
// - a threshold below −40 dB is checked against the segment's peaks (8-bit, linear, so only
//   down to about −48 dB is there a difference between quiet and digital silence): a silence
//   whose loudest bucket is above the threshold is played. Without the peaks of a silence (not
//   received), it is skipped as reported. At −40 dB or above, every reported silence counts.

import type { SegmentInfo } from './bindings/SegmentInfo';
import type { SegmentWave } from './waveform';

/** The shell's own silence threshold (crates/core waveform SILENCE_DB). */
export const SHELL_SILENCE_DB = -40;
/** Of each silence this much is played before the speech after it, so turns do not run together. */
export const KEEP_SECONDS = 0.25;
/** A jump shorter than this is not worth a seek (and its audible glitch). */
export const MIN_JUMP_SECONDS = 0.5;

/** A silence to skip, in timeline seconds. */
export interface Span {
  start: number;
  end: number;
}

export interface SkipOptions {
  thresholdDb: number;
  minSeconds: number;
}

/** The loudest peak of a silence's buckets, or null when some of them have not arrived. */
function loudestIn(wave: SegmentWave, start: number, end: number): number | null {
  const first = Math.max(0, Math.floor(start / wave.bucketSeconds));
  const last = Math.ceil(end / wave.bucketSeconds) - 1;
  if (last >= wave.peaks.length) return null;
  let loudest = 0;
  for (let k = first; k <= last; k += 1) loudest = Math.max(loudest, wave.peaks[k] ?? 0);
  return loudest;
}

function quietEnough(wave: SegmentWave, start: number, end: number, thresholdDb: number): boolean {
  if (thresholdDb >= SHELL_SILENCE_DB || !(wave.bucketSeconds > 0)) return true;
  const level = loudestIn(wave, start, end);
  const reference = wave.peaks.reduce((m, p) => Math.max(m, p), 0);
  if (level === null || level === 0 || reference === 0) return true;
  return 20 * Math.log10(level / reference) <= thresholdDb;
}

/** The silences to skip on the call's timeline, in order. */
export function skippableSilences(
  waves: readonly (SegmentWave | undefined)[],
  segments: readonly SegmentInfo[],
  options: SkipOptions,
): Span[] {
  const spans: Span[] = [];
  waves.forEach((wave, index) => {
    const segment = segments[index];
    if (!wave || !segment) return;
    const segmentEnd = segment.start + Math.max(0, segment.duration);
    for (const s of wave.silences) {
      const start = segment.start + s.start;
      const end = segment.duration > 0 ? Math.min(segment.start + s.end, segmentEnd) : segment.start + s.end;
      if (end - start < options.minSeconds) continue;
      if (!quietEnough(wave, s.start, s.end, options.thresholdDb)) continue;
      spans.push({ start, end });
    }
  });
  return spans.sort((a, b) => a.start - b.start);
}

/** What skipping remembers while a call plays. */
export interface SkipState {
  callId: string | null;
  /** Seconds of the call skipped so far. */
  saved: number;
  /** A seek sent and not yet seen in the positions: the silence it skips and where it goes. */
  pending: { start: number; target: number } | null;
}

export const NO_SKIP: SkipState = { callId: null, saved: 0, pending: null };

export interface SkipInput {
  callId: string | null;
  position: number;
  playing: boolean;
  enabled: boolean;
  spans: readonly Span[];
}

/**
 * One position of the player: the state after it, and where to seek (null: nowhere). A new call
 * starts from nothing saved. After a seek, positions still inside that silence (sent before the
 * player took the seek) are ignored, until one is past it or before it (the reviewer went back).
 */
export function skipStep(state: SkipState, input: SkipInput): { state: SkipState; seek: number | null } {
  let next = input.callId === state.callId ? state : { callId: input.callId, saved: 0, pending: null };
  const { position } = input;
  if (next.pending) {
    const { start, target } = next.pending;
    if (position >= start && position < target - 0.05) return { state: next, seek: null };
    next = { ...next, pending: null };
  }
  if (!input.enabled || !input.playing || input.callId === null) return { state: next, seek: null };
  const span = input.spans.find((s) => position >= s.start && s.end - KEEP_SECONDS - position >= MIN_JUMP_SECONDS);
  if (!span) return { state: next, seek: null };
  const target = span.end - KEEP_SECONDS;
  return {
    state: { ...next, saved: next.saved + (target - position), pending: { start: span.start, target } },
    seek: target,
  };
}

/** "−0:42 skipped" (whole seconds, rounded down: never more than was saved). */
export function formatSaved(seconds: number): string {
  const whole = Math.max(0, Math.floor(seconds));
  const m = Math.floor(whole / 60);
  return `−${String(m)}:${String(whole % 60).padStart(2, '0')} skipped`;
}
