import { describe, expect, it, vi } from 'vitest';
import type { NewNote } from '../../src/lib/ipc';
import type { CallReviews, Review, ReviewStatus, Scorecard, SyncStatus } from '../../src/lib/reviews';
import { ReviewsStore, type ReviewsApi } from '../../src/lib/stores/reviews.svelte';

const card: Scorecard = {
  checks: [
    { id: 'greet', label: 'Greeted', weight: 1 },
    { id: 'verify', label: 'Verified', weight: 2 },
  ],
};

function reviews(callId: string, mine: Partial<Review> = {}): CallReviews {
  return {
    callId,
    mine: {
      callId,
      reviewerId: 'me',
      reviewerEmail: null,
      status: 'unreviewed',
      checks: {},
      score: null,
      editedAt: '2026-12-07T10:00:00Z',
      mine: true,
      ...mine,
    },
    others: [],
    notes: [],
    scorecard: card,
    sync: { state: 'localOnly', migration: 'm.sql', pending: 0 },
  };
}

/** Resolves or rejects by hand, to look at in-between states. */
function deferred<T>() {
  let resolve: (value: T) => void = () => undefined;
  let reject: (err: unknown) => void = () => undefined;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** The shell's answers, each a mock the test can look at; `over` replaces some. */
function api(over: Partial<ReviewsApi> = {}) {
  const fns = {
    callReviews: vi.fn((callId: string) => Promise.resolve(reviews(callId))),
    setReviewStatus: vi.fn((callId: string, status: ReviewStatus) => Promise.resolve(reviews(callId, { status }))),
    answerCheck: vi.fn((callId: string) => Promise.resolve(reviews(callId))),
    addNote: vi.fn((note: NewNote) => Promise.resolve(reviews(note.callId))),
    deleteNote: vi.fn((callId: string) => Promise.resolve(reviews(callId))),
    syncReviews: vi.fn(() => Promise.resolve<SyncStatus>({ state: 'offline', pending: 2 })),
  };
  const used: ReviewsApi = { ...fns, ...over };
  return { api: used, fns };
}

/** A rejection as the shell sends it: `{ code, message }`, not an Error. */
function refuse(code: string, message: string): Promise<never> {
  // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
  return Promise.reject({ code, message });
}

describe('ReviewsStore', () => {
  it("loads the open call's reviews and drops an answer for a call no longer open", async () => {
    const first = deferred<CallReviews>();
    const callReviews = vi.fn((callId: string) => (callId === 'c1' ? first.promise : Promise.resolve(reviews(callId))));
    const store = new ReviewsStore({ api: api({ callReviews }).api });
    const loading = store.load('c1');
    expect(store.loading).toBe(true);
    await store.load('c2');
    first.resolve(reviews('c1'));
    await loading;
    expect(store.callId).toBe('c2');
    expect(store.reviews?.callId).toBe('c2');
    expect(store.notesOf('c1')).toEqual([]);
    await store.load(null);
    expect(store.reviews).toBeNull();
  });

  it('shows a status and an answer at once, scored as Rust does, then takes the shell’s answer', async () => {
    const answered = deferred<CallReviews>();
    const answerCheck = vi.fn(() => answered.promise);
    const onchange = vi.fn();
    const store = new ReviewsStore({ api: api({ answerCheck }).api, onchange });
    await store.load('c1');
    const done = store.answer('verify', 'pass', '  ');
    expect(store.reviews?.mine.checks).toEqual({ verify: { result: 'pass' } });
    expect(store.reviews?.mine.score).toBe(100);
    expect(store.saving).toBe(1);
    await Promise.resolve();
    expect(answerCheck).toHaveBeenCalledWith('c1', 'verify', 'pass', null);
    expect(onchange).toHaveBeenCalledTimes(1);
    expect(onchange).toHaveBeenLastCalledWith('c1', expect.objectContaining({ score: null }));
    answered.resolve(reviews('c1', { checks: { verify: { result: 'pass' } }, score: 100, status: 'in_review' }));
    expect(await done).toBe(true);
    expect(store.reviews?.mine.status).toBe('in_review');
    expect(store.saving).toBe(0);
    expect(onchange).toHaveBeenLastCalledWith('c1', expect.objectContaining({ score: 100 }));
  });

  it('sends changes one at a time, in order', async () => {
    const order: string[] = [];
    const gate = deferred<undefined>();
    const setReviewStatus = vi.fn(async (callId: string, status: ReviewStatus) => {
      order.push(`start ${status}`);
      if (status === 'in_review') await gate.promise;
      order.push(`end ${status}`);
      return reviews(callId, { status });
    });
    const store = new ReviewsStore({ api: api({ setReviewStatus }).api });
    await store.load('c1');
    const a = store.setStatus('in_review');
    const b = store.setStatus('reviewed');
    expect(store.reviews?.mine.status).toBe('reviewed');
    await Promise.resolve();
    gate.resolve(undefined);
    await Promise.all([a, b]);
    expect(order).toEqual(['start in_review', 'end in_review', 'start reviewed', 'end reviewed']);
    expect(store.reviews?.mine.status).toBe('reviewed');
  });

  it('says why a change was refused and shows what the shell has', async () => {
    const callReviews = vi.fn((callId: string) => Promise.resolve(reviews(callId)));
    const addNote = vi.fn(() => refuse('note_too_long', 'at most 10000 characters'));
    const setReviewStatus = vi.fn(() => refuse('reviews_unavailable', 'disk full'));
    const store = new ReviewsStore({ api: api({ callReviews, addNote, setReviewStatus }).api });
    await store.load('c1');
    expect(await store.addNote('note', 1000, null, 'x')).toBe(false);
    expect(store.changeError).toMatchObject({ command: 'add_note', code: 'note_too_long' });
    expect(await store.setStatus('flagged')).toBe(false);
    expect(store.changeError?.code).toBe('reviews_unavailable');
    expect(store.reviews?.mine.status).toBe('unreviewed');
    expect(callReviews).toHaveBeenCalledTimes(3);
  });

  it('adds a bookmark without text and announces it; deletes by id', async () => {
    const { api: a, fns } = api();
    const { addNote, deleteNote } = fns;
    const store = new ReviewsStore({ api: a });
    await store.load('c1');
    await store.addNote('bookmark', 83_000, null, 'ignored');
    expect(addNote).toHaveBeenCalledWith({ callId: 'c1', kind: 'bookmark', atMs: 83_000, endMs: null, body: '' });
    expect(store.announcement).toBe('Bookmark added at 1:23');
    await store.deleteNote('n1');
    expect(deleteNote).toHaveBeenCalledWith('c1', 'n1');
  });

  it('does nothing without an open call', async () => {
    const { api: a, fns } = api();
    const store = new ReviewsStore({ api: a });
    expect(await store.setStatus('reviewed')).toBe(false);
    expect(await store.addNote('bookmark', 0, null, '')).toBe(false);
    expect(fns.setReviewStatus).not.toHaveBeenCalled();
  });

  it('syncs, shows where it stands, and reads the call again', async () => {
    const { api: a, fns } = api();
    const store = new ReviewsStore({ api: a });
    await store.load('c1');
    const syncing = store.sync();
    expect(store.syncing).toBe(true);
    await syncing;
    expect(fns.syncReviews).toHaveBeenCalledTimes(1);
    expect(fns.callReviews).toHaveBeenCalledTimes(2);
    expect(store.syncing).toBe(false);

    const failing = new ReviewsStore({ api: api({ syncReviews: () => refuse('unreachable', 'no route') }).api });
    await failing.sync();
    expect(failing.syncError?.code).toBe('unreachable');
  });
});
