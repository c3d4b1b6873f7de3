import { describe, expect, it, vi } from 'vitest';
import type { CallQuery } from '../../src/lib/calls';
import { bulkNeedsConfirm, cacheLimitHint, downloadAllLabel, type LibraryUsage } from '../../src/lib/downloads';
import type { PlayerEvent } from '../../src/lib/player';
import { DownloadsStore, type DownloadsApi } from '../../src/lib/stores/downloads.svelte';
import { PlayerStore, type PlayerApi } from '../../src/lib/stores/player.svelte';
import { RecordingsStore } from '../../src/lib/stores/recordings.svelte';
import type { Recording } from '../../src/lib/recordings';
import { leg } from './call-fixtures';
import { downloadsApi, item, progress } from './download-fixtures';

describe('DownloadsStore', () => {
  it('subscribes once, applies progress, and marks a call local when all its items are done', async () => {
    const { api, send, watchDownloads, libraryUsage } = downloadsApi();
    const store = new DownloadsStore(api);
    await Promise.all([store.start(), store.start()]);
    expect(watchDownloads).toHaveBeenCalledTimes(1);
    expect(store.usage?.calls).toBe(1);

    send(progress([item('a', 0, { bytes: 5, total: 10 }), item('a', 1, { state: 'queued' })], { bytes: 5, rate: 3 }));
    expect(store.items).toHaveLength(2);
    expect(store.active).toHaveLength(2);
    expect(store.rate).toBe(3);

    send(progress([item('a', 0, { state: 'done' })]));
    expect(store.localState.a).toBeUndefined();
    send(progress([item('a', 1, { state: 'done' })]));
    expect(store.localState.a).toBe(true);
    expect(store.active).toHaveLength(0);
    await vi.waitFor(() => {
      expect(libraryUsage).toHaveBeenCalledTimes(2);
    });

    store.dispose();
    expect(() => {
      send(progress([]));
    }).toThrow('not subscribed');
  });

  it('keeps a failed subscription as an error and tries again on the next start', async () => {
    const watch = vi.fn(() => Promise.reject(new Error('boom')));
    const { api } = downloadsApi({ watchDownloads: watch });
    const store = new DownloadsStore(api);
    await store.start();
    expect(store.error?.command).toBe('watch_downloads');
    await store.start();
    expect(watch).toHaveBeenCalledTimes(2);
  });

  it('says nothing when the export dialog is cancelled, and why a removal failed', async () => {
    const { api } = downloadsApi({
      // The shell rejects with its plain `{ code, message }`, not an Error.
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
      removeCallFiles: vi.fn(() => Promise.reject({ code: 'library_busy', message: 'busy' })),
    });
    const store = new DownloadsStore(api);
    await store.exportFiles('a');
    expect(store.notice).toBeNull();
    await store.remove('a');
    expect(store.notice).toMatchObject({ callId: 'a', tone: 'error', code: 'library_busy' });
  });
});

describe('DownloadsStore.downloadSegment', () => {
  it('adds the one queued segment beside the call\'s other items, and keeps a refusal as the error', async () => {
    const { api, send, downloadSegment } = downloadsApi();
    const store = new DownloadsStore(api);
    await store.start();
    send(progress([item('a', 0, { state: 'running' })]));
    await store.downloadSegment('a', 'b:main:1');
    expect(downloadSegment).toHaveBeenCalledWith('a', 'b:main:1');
    expect(store.itemsFor('a').map((i) => [i.index, i.state])).toEqual([
      [0, 'running'],
      [1, 'queued'],
    ]);
    send(progress([item('a', 0, { state: 'done' }), item('a', 1, { state: 'done' })]));
    expect(store.localState.a, 'two segments done say nothing of a third').toBeUndefined();
    // The whole call asked for: its items all done means the call is on disk.
    await store.download('a');
    send(progress([item('a', 2, { state: 'queued' })]));
    expect(store.localState.a).toBeUndefined();
    send(progress([item('a', 2, { state: 'done' })]));
    expect(store.localState.a).toBe(true);

    const refused = downloadsApi({
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
      downloadSegment: vi.fn(() => Promise.reject({ code: 'no_segment', message: 'call a has no segment 9' })),
    });
    const other = new DownloadsStore(refused.api);
    await other.downloadSegment('a', 'b:main:9');
    expect(other.error).toMatchObject({ command: 'download_segment', code: 'no_segment' });
    expect(other.items).toHaveLength(0);
  });
});

describe('DownloadsStore.setCacheLimit', () => {
  const MB = 1_000_000;
  const usage = (cacheLimitBytes: number): LibraryUsage => ({
    bytes: 10,
    files: 1,
    calls: 1,
    cacheBytes: 120_000_000,
    cacheLimitBytes,
  });

  it('sends whole MB and replaces the usage with the answer', async () => {
    const setCacheLimit = vi.fn((megabytes: number) => Promise.resolve(usage(megabytes * MB)));
    const { api } = downloadsApi({ setCacheLimit });
    const store = new DownloadsStore(api);
    await store.start();
    expect(store.usage?.cacheLimitBytes).toBe(2000 * MB);

    const setting = store.setCacheLimit(512);
    expect(store.cacheSaving).toBe(true);
    await expect(setting).resolves.toBe(true);
    expect(setCacheLimit).toHaveBeenCalledWith(512);
    expect(store.usage).toEqual(usage(512 * MB));
    expect(store.cacheSaving).toBe(false);
    expect(store.cacheError).toBeNull();

    await store.setCacheLimit(100.4);
    expect(setCacheLimit).toHaveBeenLastCalledWith(100);
  });

  it('keeps a refusal as the coded error, leaves the usage, and clears it on the next success', async () => {
    const setCacheLimit = vi
      .fn<DownloadsApi['setCacheLimit']>()
      // The shell rejects with its plain `{ code, message }`, not an Error.
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
      .mockImplementationOnce(() => Promise.reject({ code: 'invalid_cache_limit', message: 'a cache of 10 MB is outside 64–1048576 MB' }))
      .mockImplementationOnce(() => Promise.resolve(usage(64 * MB)));
    const { api } = downloadsApi({ setCacheLimit });
    const store = new DownloadsStore(api);
    await store.start();
    const before = store.usage;

    await expect(store.setCacheLimit(10)).resolves.toBe(false);
    expect(store.cacheError).toMatchObject({ command: 'set_cache_limit', code: 'invalid_cache_limit' });
    expect(cacheLimitHint(store.cacheError?.code ?? '')).toBe('Choose between 64 MB and 1 TB');
    expect(store.usage).toBe(before);
    expect(store.cacheSaving).toBe(false);
    expect(store.error, 'not a queue error').toBeNull();

    await expect(store.setCacheLimit(64)).resolves.toBe(true);
    expect(store.cacheError).toBeNull();
    expect(store.usage?.cacheLimitBytes).toBe(64 * MB);
  });

  it('does not let a usage read sent before the new limit answer over it', async () => {
    let answer: (u: LibraryUsage) => void = () => undefined;
    const libraryUsage = vi.fn(
      () =>
        new Promise<LibraryUsage>((resolve) => {
          answer = resolve;
        }),
    );
    const { api } = downloadsApi({ libraryUsage, setCacheLimit: () => Promise.resolve(usage(256 * MB)) });
    const store = new DownloadsStore(api);
    const reading = store.refreshUsage();
    await store.setCacheLimit(256);
    answer(usage(2000 * MB));
    await reading;
    expect(store.usage?.cacheLimitBytes).toBe(256 * MB);
  });
});

describe('DownloadsStore.downloadMatching', () => {
  const query: CallQuery = {
    sort: 'dateDesc',
    since: '2026-11-01',
    until: null,
    hasRecording: null,
    direction: 'inbound',
    status: null,
    search: 'ava',
    limit: 100,
    downloaded: null,
    review: null,
  };

  it('sends the query as given, keeps what was queued and opens the panel', async () => {
    const downloadMatching = vi.fn(() => Promise.resolve({ queuedCalls: 3, skipped: 1, segments: 5 }));
    const { api } = downloadsApi({ downloadMatching });
    const store = new DownloadsStore(api);
    expect(store.panelOpen).toBe(false);
    await expect(store.downloadMatching(query)).resolves.toBe(true);
    expect(downloadMatching).toHaveBeenCalledWith(query, null);
    expect(store.bulk).toEqual({ queuedCalls: 3, skipped: 1, segments: 5 });
    expect(store.panelOpen).toBe(true);
  });

  it('keeps a refusal as the error and leaves the panel as it was', async () => {
    const { api } = downloadsApi({
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
      downloadMatching: vi.fn(() => Promise.reject({ code: 'not_signed_in', message: 'Sign in first' })),
    });
    const store = new DownloadsStore(api);
    await expect(store.downloadMatching(query, 10)).resolves.toBe(false);
    expect(store.error).toMatchObject({ command: 'download_matching', code: 'not_signed_in' });
    expect(store.panelOpen).toBe(false);
    expect(store.bulk).toBeNull();
  });
});

describe('bulk download helpers', () => {
  it('asks first above 50 calls or when the count is unknown', () => {
    expect(bulkNeedsConfirm(50)).toBe(false);
    expect(bulkNeedsConfirm(51)).toBe(true);
    expect(bulkNeedsConfirm(null)).toBe(true);
    expect(downloadAllLabel(1234)).toBe('Download all 1,234');
    expect(downloadAllLabel(null)).toBe('Download all');
  });
});

describe('PlayerStore', () => {
  function playerApi() {
    let handler: ((e: PlayerEvent) => void) | null = null;
    const playCall = vi.fn(() => Promise.resolve(null));
    const watchPlayer = vi.fn((h: (e: PlayerEvent) => void) => {
      handler = h;
      return Promise.resolve(() => undefined);
    });
    const api: PlayerApi = { playCall, playerControl: vi.fn(() => Promise.resolve(null)), watchPlayer };
    return { api, playCall, watchPlayer, emit: (e: PlayerEvent) => handler?.(e) };
  }

  it('follows the player events', async () => {
    const { api, playCall, emit } = playerApi();
    const store = new PlayerStore(api);
    await store.play('call-1', 'A call');
    expect(playCall).toHaveBeenCalledWith('call-1', null);
    emit({ type: 'loaded', duration: 180, segments: [leg('main', 0, 180)] });
    emit({ type: 'state', state: 'playing', speed: 1.5, volume: 0.8, channelMode: 'agentOnly' });
    emit({ type: 'position', position: 42.5, segment: 0 });
    expect(store).toMatchObject({ duration: 180, position: 42.5, segment: 0, speed: 1.5, volume: 0.8, playing: true });
    emit({ type: 'error', code: 'decode_failed', message: 'bad frame' });
    expect(store.error).toEqual({ code: 'decode_failed', message: 'bad frame' });
    emit({ type: 'ended' });
    expect(store.state).toBe('ended');
  });

  it('subscribes before the first play, and sends later plays in the same task', async () => {
    const { api, playCall, watchPlayer } = playerApi();
    const store = new PlayerStore(api);
    const first = store.play('call-1', 'A call');
    // The first play waits for the subscription, so no event of its call is missed.
    expect(playCall).not.toHaveBeenCalled();
    await first;
    expect(watchPlayer).toHaveBeenCalledTimes(1);
    // Later ones go out at once, in the task that asked.
    void store.play('call-2', 'Another call');
    expect(playCall).toHaveBeenLastCalledWith('call-2', null);
    expect(watchPlayer).toHaveBeenCalledTimes(1);
  });

  it('keeps the place and the wait for first audio when the playing call is laid out again', async () => {
    const { api, emit } = playerApi();
    const store = new PlayerStore(api);
    performance.clearMarks('callrec:first-audio');
    await store.play('call-1', 'A call');
    emit({ type: 'loaded', duration: 180, segments: [leg('main', 0, 180)] });
    emit({ type: 'state', state: 'playing', speed: 1, volume: 1, channelMode: 'both' });
    // The frame index finished before the first audio: exact lengths, the same call.
    emit({ type: 'loaded', duration: 179.5, segments: [leg('main', 0, 179.5)] });
    emit({ type: 'position', position: 0.2, segment: 0 });
    expect(performance.getEntriesByName('callrec:first-audio')).toHaveLength(1);
    emit({ type: 'position', position: 42, segment: 0 });
    emit({ type: 'loaded', duration: 179.4, segments: [leg('main', 0, 179.4)] });
    expect(store).toMatchObject({ duration: 179.4, position: 42, segment: 0 });
  });

  it('says when the call asked for is heard, fails, or gives way to another', async () => {
    const { api, emit } = playerApi();
    const store = new PlayerStore(api);
    /** Whether `audible()`, asked now, has resolved once pending callbacks ran. */
    const settled = (): (() => Promise<boolean>) => {
      let done = false;
      void store.audible().then(() => {
        done = true;
      });
      return async () => {
        await new Promise((resolve) => setTimeout(resolve, 0));
        return done;
      };
    };
    expect(await settled()()).toBe(true); // nothing asked for: nothing to wait for

    await store.play('call-1', 'A call');
    const heard = settled();
    emit({ type: 'loaded', duration: 180, segments: [leg('main', 0, 180)] });
    emit({ type: 'state', state: 'playing', speed: 1, volume: 1, channelMode: 'both' });
    emit({ type: 'position', position: 0, segment: 0 });
    expect(await heard()).toBe(false); // loaded and playing, but not moving yet
    emit({ type: 'position', position: 0.02, segment: 0 });
    expect(await heard()).toBe(true);
    expect(await settled()()).toBe(true); // heard: nothing left to wait for

    await store.play('call-2', 'Another call');
    const failed = settled();
    expect(await failed()).toBe(false);
    emit({ type: 'error', code: 'decode_failed', message: 'bad frame' });
    expect(await failed()).toBe(true);

    await store.play('call-3', 'A third call');
    const overtaken = settled();
    void store.play('call-4', 'A fourth call');
    expect(await overtaken()).toBe(true);
  });

  it('steps speed and volume from the value just sent, before the player confirms', async () => {
    const { api } = playerApi();
    const store = new PlayerStore(api);
    await store.send({ type: 'speed', value: 1.25 });
    expect(store.speed).toBe(1.25);
    await store.send({ type: 'volume', value: 1.3 });
    expect(store.volume).toBe(1.3);
  });

  it('shows a failed play as an error', async () => {
    const { api } = playerApi();
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
    api.playCall = vi.fn(() => Promise.reject({ code: 'no_output_device', message: 'no device' }));
    const store = new PlayerStore(api);
    await store.play('c', 't');
    expect(store.error).toEqual({ code: 'no_output_device', message: 'no device' });
    expect(store.loading).toBe(false);
  });
});

describe('RecordingsStore', () => {
  it('drops an answer to an older request', async () => {
    const answers: ((r: Recording) => void)[] = [];
    const store = new RecordingsStore({
      callRecordings: () =>
        new Promise<Recording>((resolve) => {
          answers.push(resolve);
        }),
    });
    const first = store.load('a');
    const second = store.load('a');
    const rec = (n: number): Recording => ({
      callId: 'a',
      segments: [],
      legs: [],
      callRecording: { state: 'ok', segments: n, notes: [] },
      signedRecordingUrl: { state: 'disabled' },
      combined: null,
      combinedCode: null,
    });
    answers[1]?.(rec(2));
    await second;
    answers[0]?.(rec(1));
    await first;
    expect(store.recording?.callRecording).toEqual({ state: 'ok', segments: 2, notes: [] });
    expect(store.status).toBe('ready');
  });
});
