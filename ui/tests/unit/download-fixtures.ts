// The download queue's fixtures for the unit tests: an item as the channel sends it, a scripted
// shell whose progress channel the test drives, and a progress message.
import { vi } from 'vitest';
import type { ItemProgress, Progress } from '../../src/lib/downloads';
import type { DownloadsApi } from '../../src/lib/stores/downloads.svelte';

export function item(callId: string, index: number, over: Partial<ItemProgress> = {}): ItemProgress {
  return {
    callId,
    index,
    recordingId: `b:main:${String(index)}`,
    label: 'main',
    state: 'running',
    bytes: 0,
    total: null,
    rate: 0,
    etaSeconds: null,
    errorCode: null,
    errorMessage: null,
    ...over,
  };
}

export function downloadsApi(over: Partial<DownloadsApi> = {}) {
  let handler: ((p: Progress) => void) | null = null;
  const watchDownloads = vi.fn((h: (p: Progress) => void) => {
    handler = h;
    return Promise.resolve(() => {
      handler = null;
    });
  });
  const libraryUsage = vi.fn<DownloadsApi['libraryUsage']>(() =>
    Promise.resolve({ bytes: 10, files: 1, calls: 1, cacheBytes: 0, cacheLimitBytes: 2_000_000_000 }),
  );
  const downloadSegment = vi.fn((callId: string, recordingId: string) =>
      Promise.resolve({
        callId,
        index: 1,
        segmentId: recordingId,
        label: 'transfer',
        state: 'queued' as const,
        bytes: 0,
        total: null,
        errorCode: null,
        errorMessage: null,
        attempts: 0,
        createdAt: 0,
        updatedAt: 0,
      }),
  );
  const api: DownloadsApi = {
    downloadCall: vi.fn(() => Promise.resolve([])),
    downloadSegment,
    downloadMatching: vi.fn(() => Promise.resolve({ queuedCalls: 0, skipped: 0, segments: 0 })),
    controlDownload: vi.fn(() => Promise.resolve(null)),
    watchDownloads,
    libraryUsage,
    setCacheLimit: vi.fn<DownloadsApi['setCacheLimit']>((megabytes) =>
      Promise.resolve({ bytes: 10, files: 1, calls: 1, cacheBytes: 0, cacheLimitBytes: megabytes * 1024 * 1024 }),
    ),
    removeCallFiles: vi.fn(() => Promise.resolve(1)),
    exportCallFiles: vi.fn(() => Promise.resolve(null)),
    showCallFiles: vi.fn(() => Promise.resolve(null)),
    ...over,
  };
  const send = (p: Progress): void => {
    if (!handler) throw new Error('not subscribed');
    handler(p);
  };
  return { api, send, watchDownloads, libraryUsage, downloadSegment };
}

export const progress = (items: ItemProgress[], over: Partial<Progress> = {}): Progress => ({
  items,
  bytes: 0,
  total: null,
  rate: 0,
  etaSeconds: null,
  ...over,
});
