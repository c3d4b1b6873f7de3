import { describe, expect, it } from 'vitest';
import {
  formatSaved,
  KEEP_SECONDS,
  NO_SKIP,
  skippableSilences,
  skipStep,
  type SkipInput,
  type Span,
} from '../../src/lib/skip-silence';
import {
  DEFAULT_REVIEW_SETTINGS,
  parseReviewSettings,
  REVIEW_SETTINGS_KEY,
  ReviewSettings,
} from '../../src/lib/stores/review-settings.svelte';
import type { KeyValueStorage } from '../../src/lib/storage';
import type { SegmentWave } from '../../src/lib/waveform';
import { leg } from './call-fixtures';

/** A segment's wave: 1 s buckets, loud (200) except where `quiet` says, with these silences. */
function wave(silences: Span[], quiet: Record<number, number> = {}, buckets = 60): SegmentWave {
  const peaks = Array.from({ length: buckets }, (_, i) => quiet[i] ?? 200);
  return { peaks, bucketSeconds: 1, done: true, silences, cached: false, error: null };
}

describe('skippableSilences', () => {
  const options = { thresholdDb: -40, minSeconds: 1.5 };

  it('places each segment’s silences on the timeline, in order, dropping short ones', () => {
    const waves = [wave([{ start: 10, end: 14 }, { start: 20, end: 21 }], { 10: 0, 11: 0, 12: 0, 13: 0, 20: 0 }), wave([{ start: 2, end: 5 }])];
    expect(skippableSilences(waves, [leg('main', 0, 60), leg('transfer', 90, 60)], options)).toEqual([
      { start: 10, end: 14 },
      { start: 92, end: 95 },
    ]);
  });

  it('cuts a silence at its segment’s end, and skips segments without a wave or a place', () => {
    const waves = [wave([{ start: 55, end: 70 }]), undefined, wave([{ start: 1, end: 9 }])];
    expect(skippableSilences(waves, [leg('main', 0, 60), leg('b', 60, 10)], options)).toEqual([{ start: 55, end: 60 }]);
  });

  it('checks a stricter threshold against the peaks; keeps a silence it cannot check', () => {
    // −40 dB of 200 is 2; a silence peaking at 1 is −46 dB, one at 0 is digital silence.
    const waves = [
      wave(
        [
          { start: 10, end: 14 },
          { start: 20, end: 24 },
          { start: 30, end: 34 },
        ],
        { 10: 1, 11: 1, 12: 1, 13: 1, 20: 0, 21: 0, 22: 0, 23: 0, 30: 2, 31: 0, 32: 0, 33: 0 },
      ),
      // Its peaks have not arrived: skipped as the shell reported it.
      { ...wave([{ start: 10, end: 14 }]), peaks: [200] },
    ];
    const segments = [leg('main', 0, 60), leg('b', 60, 60)];
    expect(skippableSilences(waves, segments, { thresholdDb: -47, minSeconds: 1 })).toEqual([
      { start: 20, end: 24 },
      { start: 70, end: 74 },
    ]);
    expect(skippableSilences(waves, segments, { thresholdDb: -45, minSeconds: 1 })).toEqual([
      { start: 10, end: 14 },
      { start: 20, end: 24 },
      { start: 70, end: 74 },
    ]);
    expect(skippableSilences(waves, segments, { thresholdDb: -40, minSeconds: 1 })).toHaveLength(4);
  });
});

describe('skipStep', () => {
  const spans = [{ start: 10, end: 14 }];
  const input = (over: Partial<SkipInput>): SkipInput => ({
    callId: 'c1',
    position: 0,
    playing: true,
    enabled: true,
    spans,
    ...over,
  });

  it('seeks past a silence as playback enters it, keeping a moment of it, and counts the time saved', () => {
    let r = skipStep(NO_SKIP, input({ position: 9.8 }));
    expect(r.seek).toBeNull();
    r = skipStep(r.state, input({ position: 10.1 }));
    expect(r.seek).toBe(14 - KEEP_SECONDS);
    expect(r.state.saved).toBeCloseTo(3.65);
    // Positions sent before the player took the seek do not seek again.
    r = skipStep(r.state, input({ position: 10.3 }));
    expect(r.seek).toBeNull();
    r = skipStep(r.state, input({ position: 13.76 }));
    expect(r.seek).toBeNull();
    expect(r.state.pending).toBeNull();
    expect(r.state.saved).toBeCloseTo(3.65);
  });

  it('skips the same silence again after the reviewer goes back before it', () => {
    let r = skipStep(NO_SKIP, input({ position: 10.1 }));
    r = skipStep(r.state, input({ position: 5 }));
    expect(r.state.pending).toBeNull();
    r = skipStep(r.state, input({ position: 10.5 }));
    expect(r.seek).toBe(14 - KEEP_SECONDS);
    expect(r.state.saved).toBeCloseTo(3.65 + 3.25);
  });

  it('does nothing when off, paused, near the silence’s end, or without a call', () => {
    expect(skipStep(NO_SKIP, input({ position: 10.1, enabled: false })).seek).toBeNull();
    expect(skipStep(NO_SKIP, input({ position: 10.1, playing: false })).seek).toBeNull();
    expect(skipStep(NO_SKIP, input({ position: 13.5 })).seek).toBeNull();
    expect(skipStep(NO_SKIP, input({ position: 10.1, callId: null })).seek).toBeNull();
  });

  it('starts from nothing saved on another call', () => {
    const first = skipStep(NO_SKIP, input({ position: 10.1 }));
    expect(first.state.saved).toBeGreaterThan(0);
    const other = skipStep(first.state, input({ callId: 'c2', position: 1 }));
    expect(other.state).toEqual({ callId: 'c2', saved: 0, pending: null });
  });

  it('says the time saved', () => {
    expect(formatSaved(42.9)).toBe('−0:42 skipped');
    expect(formatSaved(125)).toBe('−2:05 skipped');
    expect(formatSaved(-3)).toBe('−0:00 skipped');
  });
});

function memory(): KeyValueStorage & { data: Map<string, string> } {
  const data = new Map<string, string>();
  return {
    data,
    getItem: (k) => data.get(k) ?? null,
    setItem: (k, v) => void data.set(k, v),
    removeItem: (k) => void data.delete(k),
  };
}

describe('review settings', () => {
  it('reads defaults from nothing or garbage, and clamps what it reads', () => {
    expect(parseReviewSettings(null)).toEqual(DEFAULT_REVIEW_SETTINGS);
    expect(parseReviewSettings('{nope')).toEqual(DEFAULT_REVIEW_SETTINGS);
    expect(parseReviewSettings(JSON.stringify({ skipSilence: 'yes', silenceDb: -10, silenceMinSeconds: 0, queuePauseSeconds: 999 }))).toEqual({
      skipSilence: false,
      silenceDb: -40,
      silenceMinSeconds: 1,
      queuePauseSeconds: 30,
    });
  });

  it('keeps a change and reads it back', () => {
    const storage = memory();
    const settings = new ReviewSettings(storage);
    expect(settings.values.skipSilence).toBe(false);
    settings.update({ skipSilence: true, silenceDb: -50, queuePauseSeconds: 3 });
    expect(JSON.parse(storage.data.get(REVIEW_SETTINGS_KEY) ?? '{}')).toMatchObject({ skipSilence: true, silenceDb: -50 });
    expect(new ReviewSettings(storage).values).toEqual({ ...DEFAULT_REVIEW_SETTINGS, skipSilence: true, silenceDb: -50, queuePauseSeconds: 3 });
  });
});
