// The list's "Downloaded" mark follows the download queue: a call whose download finishes (or
// whose files are removed) changes its row at once, without the list being read again.
import { describe, expect, it, vi } from 'vitest';
import type { CallPage } from '../../src/lib/calls';
import type { DownloadRecord } from '../../src/lib/downloads';
import { CallListStore, type CallsApi } from '../../src/lib/stores/calls.svelte';
import { DownloadsStore } from '../../src/lib/stores/downloads.svelte';
import { FULL_SCHEMA } from '../../src/dev/mock-calls';
import { row } from './call-fixtures';
import { downloadsApi, item, progress } from './download-fixtures';

/** A list of calls a, b and c (a already downloaded), and a queue it follows, as the workspace does. */
async function setUp(over: Parameters<typeof downloadsApi>[0] = {}) {
  const page: CallPage = {
    rows: [row('a', { downloaded: true }), row('b'), row('c')],
    next: null,
    total: 3,
    skipped: 0,
    source: 'remote',
    schema: FULL_SCHEMA,
  };
  const listCalls = vi.fn(() => Promise.resolve(page));
  const api: CallsApi = { listCalls, openCall: () => Promise.reject(new Error('not used')) };
  const calls = new CallListStore({ api, marks: false });
  await calls.load();
  const shell = downloadsApi(over);
  const downloads = new DownloadsStore(shell.api);
  await downloads.start();
  const stop = calls.followDownloads(downloads);
  return { calls, downloads, send: shell.send, listCalls, stop };
}

const downloaded = (calls: CallListStore) => Object.fromEntries(calls.rows.map((r) => [r.id, r.downloaded]));

describe('the call list follows the download queue', () => {
  it('marks a row downloaded when its last item finishes, leaving the other rows as they were', async () => {
    const { calls, downloads, send, listCalls } = await setUp();
    const [a, , c] = calls.rows;
    await downloads.download('b');
    send(progress([item('b', 0), item('b', 1, { state: 'queued' })]));
    send(progress([item('b', 0, { state: 'done' })]));
    expect(downloaded(calls), 'one of two items done: not on disk yet').toEqual({ a: true, b: false, c: false });

    send(progress([item('b', 1, { state: 'done' })]));
    // Without the list following the queue, b stayed false until the list was read again.
    expect(downloaded(calls)).toEqual({ a: true, b: true, c: false });
    expect(calls.rows[0]).toBe(a);
    expect(calls.rows[2]).toBe(c);
    expect(listCalls, 'the list is not read again').toHaveBeenCalledTimes(1);
  });

  it('marks a call whose download was answered as done already', async () => {
    const record = (index: number): DownloadRecord => ({
      callId: 'c',
      index,
      segmentId: `b:main:${String(index)}`,
      label: 'main',
      state: 'done',
      bytes: 10,
      total: 10,
      errorCode: null,
      errorMessage: null,
      attempts: 1,
      createdAt: 0,
      updatedAt: 0,
    });
    const { calls, downloads } = await setUp({ downloadCall: vi.fn(() => Promise.resolve([record(0), record(1)])) });
    await downloads.download('c');
    expect(downloaded(calls)).toEqual({ a: true, b: false, c: true });
  });

  it('does not mark a call of which only some segments were downloaded', async () => {
    const { calls, downloads, send } = await setUp();
    await downloads.downloadSegment('b', 'b:main:1');
    send(progress([item('b', 1, { state: 'done' })]));
    expect(downloaded(calls)).toEqual({ a: true, b: false, c: false });
  });

  it('drops the mark of a call whose files were removed', async () => {
    const { calls, downloads } = await setUp();
    await downloads.remove('a');
    expect(downloaded(calls)).toEqual({ a: false, b: false, c: false });
  });

  it('changes nothing once it stops following, nor for a call not in the list', async () => {
    const { calls, downloads, send, stop } = await setUp();
    const before = calls.rows;
    await downloads.download('zzz');
    send(progress([item('zzz', 0, { state: 'done' })]));
    expect(downloads.localState.zzz).toBe(true);
    expect(calls.rows).toBe(before);

    stop();
    await downloads.download('c');
    send(progress([item('c', 0, { state: 'done' })]));
    expect(downloads.localState.c).toBe(true);
    expect(calls.rows).toBe(before);
  });
});

describe('CallListStore.patchDownloaded', () => {
  it('replaces only the changed row, and nothing when the row already says so', async () => {
    const { calls } = await setUp();
    const before = calls.rows;
    calls.patchDownloaded('a', true);
    calls.patchDownloaded('zzz', true);
    expect(calls.rows, 'no change: the same array').toBe(before);
    calls.patchDownloaded('c', true);
    expect(calls.rows).not.toBe(before);
    expect(calls.rows[2]).toMatchObject({ id: 'c', downloaded: true, reviewStatus: 'unreviewed' });
    expect(calls.rows.slice(0, 2)).toEqual(before.slice(0, 2));
    expect(calls.rows[0]).toBe(before[0]);
    expect(calls.rows[1]).toBe(before[1]);
  });
});
