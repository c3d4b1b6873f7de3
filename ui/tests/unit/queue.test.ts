import { afterEach, describe, expect, it, vi } from 'vitest';
import { describeFilters, DEFAULT_FILTERS, type CallPage, type CallQuery, type Cursor } from '../../src/lib/calls';
import { PlayerStore, type PlayerApi } from '../../src/lib/stores/player.svelte';
import { collectIds, MAX_QUEUE, parseQueue, QUEUE_KEY, QueueStore, sampleOf } from '../../src/lib/stores/queue.svelte';
import type { KeyValueStorage } from '../../src/lib/storage';
import { row } from './call-fixtures';

const QUERY: CallQuery = {
  sort: 'dateDesc',
  since: null,
  until: null,
  hasRecording: null,
  direction: null,
  status: null,
  search: null,
  limit: 100,
  downloaded: null,
  review: null,
};

/** `list_calls` over calls c0…c(n-1), `pageSize` rows a page at most. */
function pagedApi(n: number, pageSize = 1000) {
  const listCalls = vi.fn((query: CallQuery, cursor: Cursor | null): Promise<CallPage> => {
    const start = cursor ? Number(cursor.id.slice(1)) + 1 : 0;
    const end = Math.min(n, start + Math.min(query.limit, pageSize));
    const rows = Array.from({ length: end - start }, (_, i) => row(`c${String(start + i)}`));
    const last = rows.at(-1);
    return Promise.resolve({
      rows,
      next: end < n && last ? { sort: query.sort, createdAt: '', id: last.id, durationSeconds: null } : null,
      total: cursor ? null : n,
      skipped: 0,
      source: 'remote',
      schema: { columns: [], learned: true, offers: { sorts: [], filters: [], search: [] } },
    });
  });
  return { listCalls };
}

function memory(): KeyValueStorage & { data: Map<string, string> } {
  const data = new Map<string, string>();
  return {
    data,
    getItem: (k) => data.get(k) ?? null,
    setItem: (k, v) => void data.set(k, v),
    removeItem: (k) => void data.delete(k),
  };
}

function queue(n = 3, storage = memory()) {
  const played: string[] = [];
  const store = new QueueStore({ api: pagedApi(n), storage, play: (id) => played.push(id) });
  return { store, played, storage };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('collectIds', () => {
  it('pages through the filter, de-duplicating, up to the bound', async () => {
    const api = pagedApi(2500, 1000);
    expect(await collectIds(api, QUERY, MAX_QUEUE)).toHaveLength(MAX_QUEUE);
    expect(api.listCalls).toHaveBeenCalledTimes(1);
    const all = await collectIds(api, QUERY, 5000);
    expect(all).toHaveLength(2500);
    expect(new Set(all).size).toBe(2500);
    expect(api.listCalls.mock.calls.at(-1)?.[0].limit).toBe(1000);
  });

  it('stops on a cursor that does not move', async () => {
    const listCalls = vi.fn(() =>
      Promise.resolve({
        rows: [row('same')],
        next: { sort: 'dateDesc' as const, createdAt: '', id: 'same', durationSeconds: null },
        total: null,
        skipped: 0,
        source: 'remote' as const,
        schema: { columns: [], learned: true, offers: { sorts: [], filters: [], search: [] } },
      }),
    );
    expect(await collectIds({ listCalls }, QUERY, 100)).toEqual(['same']);
    expect(listCalls).toHaveBeenCalledTimes(2);
  });
});

describe('sampleOf', () => {
  it('picks n without repeats, in the list’s order, whatever the random numbers', () => {
    const items = Array.from({ length: 50 }, (_, i) => i);
    for (const random of [() => 0, () => 0.999999, Math.random]) {
      const picked = sampleOf(items, 10, random);
      expect(picked).toHaveLength(10);
      expect(new Set(picked).size).toBe(10);
      expect([...picked].sort((a, b) => a - b)).toEqual(picked);
    }
    expect(sampleOf(items, 10, () => 0)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(sampleOf(items, 80)).toHaveLength(50);
    expect(sampleOf(items, -2)).toEqual([]);
  });
});

describe('parseQueue', () => {
  it('reads a kept queue, clamping the position and dropping bad ids', () => {
    expect(parseQueue(JSON.stringify({ ids: ['a', 'a', 3, '', 'b'], position: 9, description: 'x', finished: true }))).toEqual({
      ids: ['a', 'b'],
      position: 1,
      description: 'x',
      finished: true,
    });
    for (const bad of [null, '{', '[]', '{"ids": []}', '{"ids": "a"}', 'null']) expect(parseQueue(bad)).toBeNull();
  });
});

describe('QueueStore', () => {
  it('builds from the filter, plays the first call, and advances when it ends', async () => {
    const { store, played } = queue(3);
    await store.build(QUERY, 'All calls, newest first');
    expect(store.ids).toEqual(['c0', 'c1', 'c2']);
    expect(store.progress).toBe('1 of 3');
    expect(played).toEqual(['c0']);
    store.ended('c1', 0); // not the current call: ignored
    expect(store.position).toBe(0);
    store.ended('c0', 0);
    expect(store.progress).toBe('2 of 3');
    expect(played).toEqual(['c0', 'c1']);
  });

  it('finishes after the last call, and stops', async () => {
    const { store, played, storage } = queue(2);
    await store.build(QUERY, 'All calls');
    store.ended('c0', 0);
    store.ended('c1', 0);
    expect(store.finished).toBe(true);
    expect(store.progress).toBe('2 of 2');
    expect(played).toEqual(['c0', 'c1']);
    expect(store.next()).toBe(false);
    store.stop();
    expect(store.active).toBe(false);
    expect(storage.data.has(QUEUE_KEY)).toBe(false);
  });

  it('waits the pause between calls, and Next does not wait', async () => {
    vi.useFakeTimers();
    const { store, played } = queue(3);
    await store.build(QUERY, 'All calls');
    store.ended('c0', 2);
    expect(store.waiting).toBe(2);
    vi.advanceTimersByTime(1000);
    expect(store.waiting).toBe(1);
    expect(played).toEqual(['c0']);
    vi.advanceTimersByTime(1000);
    expect(played).toEqual(['c0', 'c1']);
    expect(store.waiting).toBeNull();
    store.ended('c1', 5);
    store.next();
    expect(store.waiting).toBeNull();
    vi.advanceTimersByTime(10_000);
    expect(played).toEqual(['c0', 'c1', 'c2']);
  });

  it('moves back and forth, and is restored as it was', async () => {
    const { store, storage } = queue(3);
    await store.build(QUERY, 'inbound, newest first');
    expect(store.previous()).toBe(false);
    store.next();
    store.next();
    store.previous();
    const restored = new QueueStore({ api: pagedApi(3), storage, play: () => undefined });
    expect(restored.restore()).toBe('c1');
    expect(restored.progress).toBe('2 of 3');
    expect(restored.description).toBe('inbound, newest first');
    expect(new QueueStore({ storage: memory(), play: () => undefined }).restore()).toBeNull();
  });

  it('samples without repeats, and says so', async () => {
    const { store } = queue(40);
    await store.build(QUERY, 'All calls', 10);
    expect(store.ids).toHaveLength(10);
    expect(new Set(store.ids).size).toBe(10);
    expect(store.description).toBe('All calls (random 10)');
  });

  it('reports an empty filter and a failed fetch by code, keeping the queue there was', async () => {
    const { store } = queue(0);
    await store.build(QUERY, 'none');
    expect(store.error?.code).toBe('queue_empty');
    expect(store.active).toBe(false);
    const failing = new QueueStore({
      api: { listCalls: () => Promise.reject(new Error('boom')) },
      storage: memory(),
      play: () => undefined,
    });
    await failing.build(QUERY, 'x');
    expect(failing.error?.code).toBe('ipc');
    expect(failing.building).toBe(false);
  });
});

describe('PlayerStore.onEnded', () => {
  it('tells each handler which call ended, until stopped', async () => {
    const api: PlayerApi = {
      playCall: () => Promise.resolve(null),
      playerControl: () => Promise.resolve(null),
      watchPlayer: () => Promise.resolve(() => undefined),
    };
    const player = new PlayerStore(api);
    await player.play('c7', 'Call 7');
    const ended: (string | null)[] = [];
    const stop = player.onEnded((id) => ended.push(id));
    player.apply({ type: 'ended' });
    stop();
    player.apply({ type: 'ended' });
    expect(ended).toEqual(['c7']);
  });
});

describe('describeFilters', () => {
  it('says the filter in words', () => {
    expect(describeFilters({ ...DEFAULT_FILTERS })).toBe('All calls, newest first');
    expect(
      describeFilters({
        ...DEFAULT_FILTERS,
        direction: 'inbound',
        status: 'completed',
        search: ' smith ',
        since: '2026-11-01',
        until: '2026-11-2',
        hasRecording: 'true',
        sort: 'durationDesc',
      }),
    ).toBe('inbound, completed, “smith”, from 2026-11-01, with a recording, longest first');
    expect(describeFilters({ ...DEFAULT_FILTERS, review: 'unreviewed' })).toBe('not reviewed yet, newest first');
    expect(describeFilters({ ...DEFAULT_FILTERS, review: 'flagged', status: 'missed' })).toBe('missed, flagged, newest first');
  });
});
