// The waveform's pure logic (issue 6): batches of peaks merged per segment, reduced to one
// column per device pixel for the scrubber's canvas, and silences placed on the timeline. The
// peaks themselves are computed in Rust (crates/core waveform) — never from audio here.
// Unit-tested in tests/unit/waveform.test.ts.

import type { SegmentInfo } from './bindings/SegmentInfo';
import type { Silence } from './bindings/Silence';
import type { WaveformEvent } from './bindings/WaveformEvent';
import type { WaveformProblem } from './bindings/WaveformProblem';

export type { Silence, WaveformEvent, WaveformProblem };

/** One segment's waveform as received so far. */
export interface SegmentWave {
  /** 0–255 per bucket, bucket `i` covering `i × bucketSeconds` … of the segment. */
  peaks: number[];
  bucketSeconds: number;
  done: boolean;
  silences: Silence[];
  cached: boolean;
  error: WaveformProblem | null;
}

export function emptyWave(bucketSeconds: number): SegmentWave {
  return { peaks: [], bucketSeconds, done: false, silences: [], cached: false, error: null };
}

/** Writes `event`'s batch into `wave` at its first bucket (in place) and takes its final fields. */
export function mergeBatch(wave: SegmentWave, event: WaveformEvent): void {
  const { firstBucket, peaks } = event;
  // A gap (never expected: batches come in order) reads as silence rather than shifting the rest.
  while (wave.peaks.length < firstBucket) wave.peaks.push(0);
  for (let i = 0; i < peaks.length; i += 1) wave.peaks[firstBucket + i] = peaks[i] ?? 0;
  wave.bucketSeconds = event.bucketSeconds;
  if (event.done) {
    wave.done = true;
    wave.silences = event.silences;
    wave.error = event.error;
  }
  if (event.cached) wave.cached = true;
}

/**
 * The loudest peak in each of `width` columns spanning the call (`duration` seconds), each
 * segment placed where the player says it starts. A bucket wider than a column fills every
 * column it covers, so a short call on a wide bar has no gaps. Columns with no data are 0.
 */
export function columnPeaks(
  waves: readonly (SegmentWave | undefined)[],
  segments: readonly SegmentInfo[],
  duration: number,
  width: number,
): Uint8Array {
  const columns = new Uint8Array(Math.max(0, Math.floor(width)));
  if (!(duration > 0) || columns.length === 0) return columns;
  const perSecond = columns.length / duration;
  waves.forEach((wave, index) => {
    const segment = segments[index];
    if (!wave || !segment || !(wave.bucketSeconds > 0)) return;
    const segmentEnd = segment.start + Math.max(0, segment.duration);
    for (let k = 0; k < wave.peaks.length; k += 1) {
      const t0 = segment.start + k * wave.bucketSeconds;
      // Past the segment's length as the player has it: drawn no further.
      if (t0 >= segmentEnd && segment.duration > 0) break;
      const t1 = t0 + wave.bucketSeconds;
      const from = Math.floor(t0 * perSecond);
      const to = Math.min(columns.length - 1, Math.max(from, Math.ceil(t1 * perSecond) - 1));
      const peak = wave.peaks[k] ?? 0;
      for (let c = Math.max(0, from); c <= to; c += 1) {
        if (peak > (columns[c] ?? 0)) columns[c] = peak;
      }
    }
  });
  return columns;
}

/** A silence on the scrubber, in % of it. */
export interface SilenceMark {
  segment: number;
  left: number;
  width: number;
  /** Timeline seconds, for the tooltip. */
  start: number;
  end: number;
}

export function silenceMarks(
  waves: readonly (SegmentWave | undefined)[],
  segments: readonly SegmentInfo[],
  duration: number,
): SilenceMark[] {
  if (!(duration > 0)) return [];
  const marks: SilenceMark[] = [];
  waves.forEach((wave, index) => {
    const segment = segments[index];
    if (!wave || !segment) return;
    for (const s of wave.silences) {
      const start = segment.start + s.start;
      const end = Math.min(segment.start + s.end, duration);
      if (!(end > start)) continue;
      const left = (start / duration) * 100;
      marks.push({ segment: index, left, width: (end / duration) * 100 - left, start, end });
    }
  });
  return marks;
}

export interface WaveColors {
  played: string;
  rest: string;
}

/**
 * Draws `columns` as mirrored bars on a canvas of `height` device pixels, scaled so the loudest
 * column fills it; columns left of `playedColumns` in `colors.played`, the rest in `colors.rest`.
 */
export function drawColumns(
  ctx: CanvasRenderingContext2D,
  columns: Uint8Array,
  height: number,
  playedColumns: number,
  colors: WaveColors,
): void {
  ctx.clearRect(0, 0, columns.length, height);
  let loudest = 0;
  for (const c of columns) if (c > loudest) loudest = c;
  if (loudest === 0) return;
  const middle = height / 2;
  const drawRange = (from: number, to: number, color: string): void => {
    ctx.fillStyle = color;
    for (let x = from; x < to; x += 1) {
      const value = columns[x] ?? 0;
      if (value === 0) continue;
      // At least one device pixel for any sound, so quiet speech still shows.
      const half = Math.max(0.5, ((value / loudest) * (height - 2)) / 2);
      ctx.fillRect(x, middle - half, 1, half * 2);
    }
  };
  const split = Math.max(0, Math.min(columns.length, Math.round(playedColumns)));
  drawRange(0, split, colors.played);
  drawRange(split, columns.length, colors.rest);
}
