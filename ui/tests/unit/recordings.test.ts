import { describe, expect, it } from 'vitest';
import { endpointName, failureHint, knownDuration, segmentNote, shown, timelineParts } from '../../src/lib/recordings';
import type { SegmentView } from '../../src/lib/bindings/SegmentView';

const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);
/** Floating-point shares, compared to 1e-9. */
const close = (actual: number[], expected: number[]): void => {
  expect(actual).toHaveLength(expected.length);
  actual.forEach((a, i) => {
    expect(a).toBeCloseTo(expected[i] ?? Number.NaN, 9);
  });
};

function seg(durationSeconds: number | null, over: Partial<SegmentView> = {}): SegmentView {
  return {
    id: 'x',
    label: 'main',
    durationSeconds,
    source: null,
    status: null,
    createdAt: null,
    endpoint: 'signedRecordingUrl',
    expiresAt: 0,
    expiry: 'assumed',
    note: null,
    ...over,
  };
}

describe('timelineParts', () => {
  it('gives each segment its share of the total, back to back', () => {
    const parts = timelineParts([60, 30, 90]);
    close(
      parts.map((p) => p.share),
      [100 / 3, 100 / 6, 50],
    );
    close(
      parts.map((p) => p.start),
      [0, 100 / 3, 50],
    );
    expect(parts.every((p) => p.known)).toBe(true);
  });

  it('splits evenly when no duration is known', () => {
    const parts = timelineParts([null, undefined, 0]);
    close(
      parts.map((p) => p.share),
      [100 / 3, 100 / 3, 100 / 3],
    );
    expect(parts.map((p) => p.known)).toEqual([false, false, false]);
  });

  it('counts an unknown duration as the mean known one, and the bar stays 100 %', () => {
    const parts = timelineParts([100, null, 50, Number.NaN]);
    // Unknowns weigh 75 each: 100 + 75 + 50 + 75 = 300.
    expect(parts[0]?.share).toBeCloseTo(100 / 3);
    expect(parts[1]?.share).toBeCloseTo(25);
    expect(parts[1]?.known).toBe(false);
    expect(parts[3]?.known).toBe(false);
    expect(sum(parts.map((p) => p.share))).toBeCloseTo(100);
  });

  it('keeps a tiny segment visible (at least 2 %) without overflowing the bar', () => {
    const parts = timelineParts([3600, 1]);
    expect(parts[1]?.share).toBe(2);
    expect(parts[0]?.share).toBeCloseTo(98);
    expect(parts[1]?.start).toBeCloseTo(98);
    expect(sum(parts.map((p) => p.share))).toBeCloseTo(100);
  });

  it('is empty for no segments', () => {
    expect(timelineParts([])).toEqual([]);
  });
});

describe('knownDuration', () => {
  it('sums the usable durations, null when none', () => {
    expect(knownDuration([seg(60), seg(null), seg(30.5)])).toBe(90.5);
    expect(knownDuration([seg(null), seg(-3)])).toBeNull();
  });
});

describe('failure words', () => {
  it('has a hint of its own for each documented code', () => {
    const codes = [
      'sign_in_required',
      'ultravox_key_missing',
      'no_agency',
      'call_not_found',
      'no_recording',
      'ultravox_recording_unavailable',
      'endpoint_not_deployed',
      'server_error',
      'bad_response',
      'unsafe_url',
      'api_key_refused',
    ];
    const hints = codes.map(failureHint);
    expect(hints.every((h) => typeof h === 'string' && h.length > 10)).toBe(true);
    expect(new Set(hints).size).toBe(codes.length);
    expect(failureHint('sign_in_required')).toMatch(/sign in again/);
    expect(failureHint('ultravox_key_missing')).toMatch(/agency admin/);
  });

  it('says nothing extra for an unknown code', () => {
    expect(failureHint('brand_new_code')).toBeNull();
    expect(failureHint(null)).toBeNull();
  });

  it('names the endpoints, and shows unknown values as they are', () => {
    expect(endpointName('callRecording')).toMatch(/\(A\)/);
    expect(endpointName('signedRecordingUrl')).toMatch(/\(B\)/);
    expect(endpointName('endpointC')).toBe('endpointC');
    expect(shown('mystery_label')).toBe('mystery_label');
    expect(shown('  ')).toBe('—');
    expect(shown(null)).toBe('—');
  });

  it('notes a pending_sync segment as the provider copy, the shell note first', () => {
    expect(segmentNote({ note: null, status: 'pending_sync' })).toBe('provider copy, may expire');
    expect(segmentNote({ note: 'custom', status: 'pending_sync' })).toBe('custom');
    expect(segmentNote({ note: null, status: 'completed' })).toBeNull();
  });
});
