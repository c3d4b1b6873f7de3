import { describe, expect, it } from 'vitest';
import {
  actionsFor,
  CACHE_LIMIT_RANGE,
  cacheLimitMb,
  cacheLimitHint,
  formatCacheUsage,
  formatAmount,
  formatBytes,
  formatEta,
  formatRate,
  formatUsage,
  mergeItems,
  percent,
  stateLabel,
  type LibraryUsage,
} from '../../src/lib/downloads';
import { item } from './download-fixtures';

describe('formatting', () => {
  it('shows bytes in decimal units with three significant digits', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(999)).toBe('999 B');
    expect(formatBytes(1000)).toBe('1.0 kB');
    expect(formatBytes(812_400)).toBe('812 kB');
    expect(formatBytes(41_234_567)).toBe('41.2 MB');
    expect(formatBytes(1_500_000_000)).toBe('1.5 GB');
    expect(formatBytes(-1)).toBe('—');
    expect(formatBytes(Number.NaN)).toBe('—');
  });

  it('shows a rate, or a dash when not moving', () => {
    expect(formatRate(2_400_000)).toBe('2.4 MB/s');
    expect(formatRate(0)).toBe('—');
    expect(formatRate(null)).toBe('—');
  });

  it('shows the time left in seconds, minutes and hours', () => {
    expect(formatEta(0.2)).toBe('1 s left');
    expect(formatEta(59)).toBe('59 s left');
    expect(formatEta(60)).toBe('1 min left');
    expect(formatEta(185)).toBe('3 min 5 s left');
    expect(formatEta(3720)).toBe('1 h 2 min left');
    expect(formatEta(null)).toBe('');
    expect(formatEta(Number.POSITIVE_INFINITY)).toBe('');
  });

  it('computes a clamped percentage, null for an unknown total', () => {
    expect(percent(25, 100)).toBe(25);
    expect(percent(150, 100)).toBe(100);
    expect(percent(10, null)).toBeNull();
    expect(percent(10, 0)).toBeNull();
  });

  it('shows the amount, with the total when known', () => {
    expect(formatAmount(12_100_000, 40_000_000)).toBe('12.1 MB of 40.0 MB');
    expect(formatAmount(12_100_000, null)).toBe('12.1 MB');
  });

  it('shows the library usage', () => {
    const usage = (u: Pick<LibraryUsage, 'bytes' | 'files' | 'calls'>): LibraryUsage => ({
      ...u,
      cacheBytes: 0,
      cacheLimitBytes: 0,
    });
    expect(formatUsage(usage({ bytes: 41_200_000, files: 7, calls: 3 }))).toBe('3 calls, 41.2 MB on disk');
    expect(formatUsage(usage({ bytes: 1000, files: 1, calls: 1 }))).toBe('1 call, 1.0 kB on disk');
    expect(formatUsage(usage({ bytes: 0, files: 0, calls: 0 }))).toBe('Nothing downloaded yet');
  });
});

describe('the recordings cache', () => {
  const MB = 1_000_000;
  const usage = (cacheBytes: number, cacheLimitBytes: number): LibraryUsage => ({
    bytes: 0,
    files: 0,
    calls: 0,
    cacheBytes,
    cacheLimitBytes,
  });

  it('says how much of the limit the played calls take', () => {
    expect(formatCacheUsage(usage(120_000_000, 2000 * MB))).toBe('Played calls kept for offline: 120 MB of 2.0 GB');
    expect(formatCacheUsage(usage(0, 64 * MB))).toBe('Played calls kept for offline: 0 B of 64.0 MB');
    expect(formatCacheUsage(null)).toBe('Played calls kept for offline: unknown');
  });

  it('gives the limit in whole MB of 1,000,000 bytes, as the shell counts it', () => {
    expect(cacheLimitMb(usage(0, 2000 * MB))).toBe(2000);
    expect(cacheLimitMb(usage(0, CACHE_LIMIT_RANGE.max * MB))).toBe(1_000_000);
    expect(cacheLimitMb(null)).toBeNull();
  });

  it('explains a refused limit by its code only', () => {
    expect(cacheLimitHint('invalid_cache_limit')).toBe('Choose between 64 MB and 1 TB');
    expect(cacheLimitHint('preferences_write_failed')).toBeNull();
  });
});

describe('items', () => {
  it('offers the controls that fit the state', () => {
    expect(actionsFor('running')).toEqual(['pause', 'cancel']);
    expect(actionsFor('queued')).toEqual(['pause', 'cancel']);
    expect(actionsFor('paused')).toEqual(['resume', 'cancel']);
    expect(actionsFor('failed')).toEqual(['retry', 'cancel']);
    expect(actionsFor('done')).toEqual([]);
    expect(actionsFor('weird')).toEqual([]);
    expect(stateLabel('weird')).toBe('weird');
    expect(stateLabel('running')).toBe('Downloading');
  });

  it('merges a message into the known items by call and index, keeping order and the rest', () => {
    const known = [item('a', 0), item('a', 1), item('b', 0)];
    const merged = mergeItems(known, [item('a', 1, { bytes: 500, state: 'done' }), item('c', 0)]);
    expect(merged.map((i) => `${i.callId}${i.index}`)).toEqual(['a0', 'a1', 'b0', 'c0']);
    expect(merged[1]?.bytes).toBe(500);
    expect(merged[1]?.state).toBe('done');
  });
});
