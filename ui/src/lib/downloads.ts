// The downloads panel's pure logic: bytes, rates, ETAs and percentages as text, the total, and
// which controls an item offers in its state. Unit-tested in tests/unit/downloads.test.ts.

import type { DownloadAction } from './bindings/DownloadAction';
import type { DownloadRecord } from './bindings/DownloadRecord';
import type { DownloadState } from './bindings/DownloadState';
import type { ItemProgress } from './bindings/ItemProgress';
import type { LibraryUsage } from './bindings/LibraryUsage';
import type { Progress } from './bindings/Progress';

export type { DownloadAction, DownloadRecord, DownloadState, ItemProgress, LibraryUsage, Progress };

const UNITS = ['B', 'kB', 'MB', 'GB', 'TB'] as const;

/** Decimal units, as file managers show them: "41.2 MB", "812 kB", "0 B". */
export function formatBytes(bytes: number | null | undefined): string {
  if (typeof bytes !== 'number' || !Number.isFinite(bytes) || bytes < 0) return '—';
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < UNITS.length - 1) {
    value /= 1000;
    unit += 1;
  }
  if (unit === 0) return `${Math.round(value)} B`;
  // One decimal below 100 (41.2 MB), none above (812 kB): three significant digits at most.
  const text = value < 100 ? value.toFixed(1) : Math.round(value).toString();
  return `${text} ${UNITS[unit]}`;
}

/** "2.4 MB/s"; "—" when not moving. */
export function formatRate(bytesPerSecond: number | null | undefined): string {
  if (typeof bytesPerSecond !== 'number' || !Number.isFinite(bytesPerSecond) || bytesPerSecond <= 0) return '—';
  return `${formatBytes(bytesPerSecond)}/s`;
}

/** "12 s left", "3 min 5 s left", "1 h 2 min left"; "" when unknown. */
export function formatEta(seconds: number | null | undefined): string {
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0) return '';
  const s = Math.ceil(seconds);
  if (s < 60) return `${s} s left`;
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (h > 0) return `${h} h ${m} min left`;
  const rest = s % 60;
  return rest === 0 ? `${m} min left` : `${m} min ${rest} s left`;
}

/** 0–100, or null when the total is unknown (an indeterminate bar). */
export function percent(bytes: number, total: number | null | undefined): number | null {
  if (typeof total !== 'number' || !Number.isFinite(total) || total <= 0) return null;
  return Math.max(0, Math.min(100, (bytes / total) * 100));
}

/** "12.1 MB of 40.0 MB", or "12.1 MB" while the length is unknown. */
export function formatAmount(bytes: number, total: number | null | undefined): string {
  return typeof total === 'number' && total > 0
    ? `${formatBytes(bytes)} of ${formatBytes(total)}`
    : formatBytes(bytes);
}

/** "3 calls, 41.2 MB on disk"; "Nothing downloaded yet" for an empty library. */
export function formatUsage(usage: LibraryUsage | null): string {
  if (!usage) return '';
  if (usage.files === 0) return 'Nothing downloaded yet';
  return `${usage.calls} ${usage.calls === 1 ? 'call' : 'calls'}, ${formatBytes(usage.bytes)} on disk`;
}

/** The shell counts the cache's limit in MB of 1024 × 1024 bytes. */
export const CACHE_MB = 1_000_000;

/** The cache limits the shell accepts, in MB: 64 MB to 1 TB (the default is 2000). */
export const CACHE_LIMIT_RANGE = { min: 64, max: 1_000_000 } as const;

/** The limit field's step, in MB. */
export const CACHE_LIMIT_STEP = 64;

/** The cache's limit in whole MB; null without the usage. */
export function cacheLimitMb(usage: LibraryUsage | null): number | null {
  return usage ? Math.round(usage.cacheLimitBytes / CACHE_MB) : null;
}

/** "Played calls kept for offline: 120 MB of 2.0 GB". */
export function formatCacheUsage(usage: LibraryUsage | null): string {
  const amount = usage ? `${formatBytes(usage.cacheBytes)} of ${formatBytes(usage.cacheLimitBytes)}` : 'unknown';
  return `Played calls kept for offline: ${amount}`;
}

/** What to do about a refused cache limit, by the error's code (never its message); null: nothing known. */
export function cacheLimitHint(code: string): string | null {
  return code === 'invalid_cache_limit' ? 'Choose between 64 MB and 1 TB' : null;
}

export const STATE_LABELS: Record<DownloadState, string> = {
  queued: 'Queued',
  running: 'Downloading',
  paused: 'Paused',
  failed: 'Failed',
  done: 'Done',
};

/** The state for people; an unknown one as it is. */
export function stateLabel(state: string): string {
  return (STATE_LABELS as Record<string, string>)[state] ?? state;
}

/** The controls an item in this state offers, in the order they are shown. */
export function actionsFor(state: string): DownloadAction[] {
  switch (state) {
    case 'queued':
    case 'running':
      return ['pause', 'cancel'];
    case 'paused':
      return ['resume', 'cancel'];
    case 'failed':
      return ['retry', 'cancel'];
    default:
      return [];
  }
}

/** A stable key for an item: the call and the segment's index. */
export function itemKey(item: { callId: string; index: number }): string {
  return `${item.callId}#${item.index}`;
}

/** A queued record (the answer to `download_call`) as progress, before the first message. */
export function recordToProgress(r: DownloadRecord): ItemProgress {
  return {
    callId: r.callId,
    index: r.index,
    recordingId: r.segmentId,
    label: r.label,
    state: r.state,
    bytes: r.bytes,
    total: r.total,
    rate: 0,
    etaSeconds: null,
    errorCode: r.errorCode,
    errorMessage: r.errorMessage,
  };
}

/**
 * Merges items into the known ones by key: a progress message replaces what it names and keeps
 * the rest (a message may list only the active items), in first-seen order.
 */
export function mergeItems(known: readonly ItemProgress[], incoming: readonly ItemProgress[]): ItemProgress[] {
  const byKey = new Map(known.map((i) => [itemKey(i), i] as const));
  for (const item of incoming) byKey.set(itemKey(item), item);
  return [...byKey.values()];
}

/** True while an item still has work to do (the total counts these). */
export function isActive(state: string): boolean {
  return state === 'queued' || state === 'running' || state === 'paused';
}

/** "Download all" asks first above this many calls. */
export const BULK_CONFIRM_OVER = 50;

/** Whether "Download all" of `count` calls asks first (an unknown count asks too). */
export function bulkNeedsConfirm(count: number | null): boolean {
  return count === null || count > BULK_CONFIRM_OVER;
}

/** The button's text: "Download all 12", or without a number while the count is unknown. */
export function downloadAllLabel(count: number | null): string {
  return count === null ? 'Download all' : `Download all ${count.toLocaleString('en-US')}`;
}
