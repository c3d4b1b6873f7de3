import { afterEach, describe, expect, it, vi } from 'vitest';
import { FIRST_PAGE_SIZE, NEXT_PAGE_SIZE, type CallPage, type CallQuery, type Cursor } from '../../src/lib/calls';
import { CommandError } from '../../src/lib/ipc';
import { CallListStore, type CallsApi } from '../../src/lib/stores/calls.svelte';
import { row } from './call-fixtures';
import { FULL_SCHEMA } from '../../src/dev/mock-calls';

interface Request {
  query: CallQuery;
  cursor: Cursor | null;
  resolve: (page: CallPage) => void;
  reject: (err: unknown) => void;
}

/** An API whose every answer the test gives by hand, in any order. */
function manualApi() {
  const requests: Request[] = [];
  const opened: string[] = [];
  const api: CallsApi = {
    listCalls: (query, cursor) =>
      new Promise<CallPage>((resolve, reject) => {
        requests.push({ query, cursor, resolve, reject });
      }),
    openCall: (callId) => {
      opened.push(callId);
      if (callId === 'zzz') return Promise.resolve({ row: row('zzz'), source: 'remote', schema: FULL_SCHEMA });
      if (callId === 'down') return Promise.reject(new Error('offline and not in the library'));
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
      return Promise.reject({ code: 'call_not_found', message: `no call ${callId}` });
    },
  };
  return { api, requests, opened };
}

function page(ids: string[], over: Partial<CallPage> = {}): CallPage {
  const last = ids.at(-1);
  return {
    rows: ids.map((id) => row(id)),
    next: last ? { sort: 'dateDesc', createdAt: '2026-11-20T10:00:00Z', id: last, durationSeconds: 61 } : null,
    total: 100,
    skipped: 0,
    source: 'remote',
    schema: FULL_SCHEMA,
    ...over,
  };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

function at<T>(list: T[], i: number): T {
  const item = list[i];
  if (item === undefined) throw new Error(`no item ${i}`);
  return item;
}

afterEach(() => {
  vi.useRealTimers();
});

describe('CallListStore', () => {
  it('loads the first page: rows, total, source, selection', async () => {
    const { api, requests } = manualApi();
    const store = new CallListStore({ api, marks: false });
    const loading = store.load();
    expect(store.status).toBe('loading');
    expect(at(requests, 0).cursor).toBeNull();
    expect(at(requests, 0).query.limit).toBe(FIRST_PAGE_SIZE);
    at(requests, 0).resolve(page(['a', 'b'], { source: 'offline', total: 12_345, skipped: 2 }));
    await loading;
    expect(store.status).toBe('ready');
    expect(store.rows.map((r) => r.id)).toEqual(['a', 'b']);
    expect(store.total).toBe(12_345);
    expect(store.source).toBe('offline');
    expect(store.skipped).toBe(2);
    expect(store.selected).toBe(0);
    expect(store.hasMore).toBe(true);
  });

  it('pages with the last cursor and the same query, one request at a time, without duplicates', async () => {
    const { api, requests } = manualApi();
    const store = new CallListStore({ api, marks: false });
    store.update({ status: 'missed' });
    at(requests, 0).resolve(page(['a', 'b']));
    await settle();
    const more = store.loadMore();
    void store.loadMore();
    expect(requests).toHaveLength(2);
    const second = at(requests, 1);
    expect(second.cursor?.id).toBe('b');
    expect(second.query).toEqual({ ...at(requests, 0).query, limit: NEXT_PAGE_SIZE });
    second.resolve(page(['b', 'c'], { total: null }));
    await more;
    expect(store.rows.map((r) => r.id)).toEqual(['a', 'b', 'c']);
    expect(store.total).toBe(100);
    // The last page: no cursor, no more requests.
    void store.loadMore();
    at(requests, 2).resolve(page(['d'], { next: null, total: null }));
    await settle();
    expect(store.hasMore).toBe(false);
    await store.loadMore();
    expect(requests).toHaveLength(3);
  });

  it('never lets a slow answer to an older query overwrite a newer one', async () => {
    const { api, requests } = manualApi();
    const store = new CallListStore({ api, marks: false });
    void store.load();
    store.update({ direction: 'outbound' });
    expect(requests).toHaveLength(2);
    at(requests, 1).resolve(page(['new'], { total: 1 }));
    await settle();
    at(requests, 0).resolve(page(['old1', 'old2'], { total: 2 }));
    await settle();
    expect(store.rows.map((r) => r.id)).toEqual(['new']);
    expect(store.total).toBe(1);
    // An older query's failure is dropped too.
    store.update({ direction: 'inbound' });
    store.update({ direction: '' });
    at(requests, 3).resolve(page(['all']));
    at(requests, 2).reject(new CommandError('list_calls', 'server_error', 'late'));
    await settle();
    expect(store.status).toBe('ready');
    expect(store.rows.map((r) => r.id)).toEqual(['all']);
  });

  it('drops a page that arrives after the query changed', async () => {
    const { api, requests } = manualApi();
    const store = new CallListStore({ api, marks: false });
    void store.load();
    at(requests, 0).resolve(page(['a']));
    await settle();
    void store.loadMore();
    store.update({ sort: 'durationDesc' });
    at(requests, 2).resolve(page(['z'], { next: null }));
    at(requests, 1).resolve(page(['b']));
    await settle();
    expect(store.rows.map((r) => r.id)).toEqual(['z']);
    expect(store.loadingMore).toBe(false);
  });

  it('shows a first-page error with its code, and a retry loads again', async () => {
    const { api, requests } = manualApi();
    const store = new CallListStore({ api, marks: false });
    void store.load();
    at(requests, 0).reject({ code: 'server_error', message: 'relation "calls" does not exist' });
    await settle();
    expect(store.status).toBe('error');
    expect(store.error?.code).toBe('server_error');
    expect(store.error?.message).toBe('relation "calls" does not exist');
    void store.load();
    at(requests, 1).resolve(page(['a']));
    await settle();
    expect(store.status).toBe('ready');
    expect(store.error).toBeNull();
  });

  it('keeps the rows when a later page fails, and retries only when asked', async () => {
    const { api, requests } = manualApi();
    const store = new CallListStore({ api, marks: false });
    void store.load();
    at(requests, 0).resolve(page(['a']));
    await settle();
    void store.loadMore();
    at(requests, 1).reject({ code: 'unreachable', message: 'connection refused' });
    await settle();
    expect(store.moreError?.code).toBe('unreachable');
    expect(store.rows).toHaveLength(1);
    await store.loadMore();
    expect(requests).toHaveLength(2);
    void store.retryMore();
    at(requests, 2).resolve(page(['b'], { next: null }));
    await settle();
    expect(store.rows.map((r) => r.id)).toEqual(['a', 'b']);
  });

  it('stops paging when the shell answers the same cursor again', async () => {
    const { api, requests } = manualApi();
    const store = new CallListStore({ api, marks: false });
    void store.load();
    at(requests, 0).resolve(page(['a']));
    await settle();
    void store.loadMore();
    at(requests, 1).resolve(page(['a']));
    await settle();
    expect(store.hasMore).toBe(false);
  });

  it('debounces the search and asks once typing pauses', async () => {
    vi.useFakeTimers();
    const { api, requests } = manualApi();
    const store = new CallListStore({ api, marks: false, debounceMs: 200 });
    store.setSearch('+1');
    store.setSearch('+15');
    vi.advanceTimersByTime(199);
    expect(requests).toHaveLength(0);
    expect(store.searchText).toBe('+15');
    vi.advanceTimersByTime(1);
    expect(requests).toHaveLength(1);
    expect(at(requests, 0).query.search).toBe('+15');
    // Enter applies at once; the same query again asks nothing.
    store.setSearch('ana');
    store.flushSearch();
    expect(requests).toHaveLength(2);
    store.update({ search: ' ana ' });
    expect(requests).toHaveLength(2);
    await Promise.resolve();
  });

  it('clears the filters but keeps the sort', () => {
    const { api, requests } = manualApi();
    const store = new CallListStore({ api, marks: false });
    store.update({ sort: 'durationAsc', status: 'missed', since: '2026-11-01' });
    store.setSearch('x');
    store.clearFilters();
    expect(store.searchText).toBe('');
    const last = at(requests, requests.length - 1).query;
    expect(last).toMatchObject({ sort: 'durationAsc', status: null, since: null, search: null });
  });

  it('keeps the selection inside the rows', async () => {
    const { api, requests } = manualApi();
    const store = new CallListStore({ api, marks: false });
    void store.load();
    at(requests, 0).resolve(page(['a', 'b', 'c']));
    await settle();
    store.select(10);
    expect(store.selected).toBe(2);
    store.select(-4);
    expect(store.selected).toBe(0);
    expect(store.selectedRow?.id).toBe('a');
  });

  it('finds a deep-linked call among the rows, else opens it by id (never through the search)', async () => {
    const { api, requests, opened } = manualApi();
    const store = new CallListStore({ api, marks: false });
    void store.load();
    at(requests, 0).resolve(page(['a']));
    await settle();
    expect(await store.findCall('uv-a')).toMatchObject({ id: 'a' });
    expect(opened).toEqual([]);
    expect(await store.findCall('zzz')).toMatchObject({ id: 'zzz' });
    expect(await store.findCall('nope')).toBeNull();
    expect(opened).toEqual(['zzz', 'nope']);
    await expect(store.findCall('down')).rejects.toThrow();
    expect(requests.length).toBe(1);
  });

  it("shows a reviewed call's new status and score in its row without asking again", async () => {
    const { api, requests } = manualApi();
    const store = new CallListStore({ api, marks: false });
    void store.load();
    at(requests, 0).resolve(page(['a', 'b']));
    await settle();
    const before = store.rows;
    store.patchReview('b', 'flagged', 50);
    expect(store.rows[1]).toMatchObject({ id: 'b', reviewStatus: 'flagged', score: 50 });
    expect(store.rows[0]).toBe(before[0]);
    const patched = store.rows;
    store.patchReview('b', 'flagged', 50);
    store.patchReview('zzz', 'reviewed', null);
    expect(store.rows).toBe(patched);
    expect(requests.length).toBe(1);
  });
});

describe('CallListStore: "Download all N"', () => {
  it('asks how many calls of the query have a recording, and drops an answer for an old query', async () => {
    const { api, requests } = manualApi();
    const counts: { query: CallQuery; resolve: (n: number | null) => void }[] = [];
    api.countMatching = (query) =>
      new Promise<number | null>((resolve) => {
        counts.push({ query, resolve });
      });
    const store = new CallListStore({ api, marks: false, debounceMs: 0 });
    const first = store.load();
    at(requests, 0).resolve(page(['a', 'b'], { total: 80 }));
    await first;
    expect(store.recordedTotal).toBeNull();
    expect(at(counts, 0).query).toEqual(store.query);

    store.update({ direction: 'inbound' });
    at(requests, 1).resolve(page(['c'], { total: 9 }));
    await settle();
    at(counts, 0).resolve(61); // the old query's count arrives late
    at(counts, 1).resolve(7);
    await settle();
    expect(store.recordedTotal).toBe(7);
    expect(at(counts, 1).query.direction).toBe('inbound');
  });

  it('knows the count without asking when the filter decides it', async () => {
    const { api, requests } = manualApi();
    const countMatching = vi.fn(() => Promise.resolve(5));
    api.countMatching = countMatching;
    const store = new CallListStore({ api, marks: false });
    store.update({ hasRecording: 'true' });
    at(requests, 0).resolve(page(['a'], { total: 42 }));
    await settle();
    expect(store.recordedTotal).toBe(42);
    store.update({ hasRecording: 'false' });
    at(requests, 1).resolve(page(['b'], { total: 3 }));
    await settle();
    expect(store.recordedTotal).toBe(0);
    store.update({ hasRecording: '', downloaded: 'true' });
    at(requests, 2).resolve(page(['c'], { total: null }));
    await settle();
    expect(store.recordedTotal).toBe(0);
    expect(countMatching).not.toHaveBeenCalled();
  });
});
