// The scripted shell's reviews (docs/reviews.md): this reviewer's status, scorecard answers and
// notes kept in memory per call, the score recomputed as Rust does (lib/reviews.ts `score`),
// notes listed by time, deletes removing them, every change counted as waiting to be shared.
// `list_calls` reads statuses and scores from here (the row's columns and the `review` filter).
// Dev and tests only (see mock-ipc.ts).

import type { CallReviews } from '../lib/bindings/CallReviews';
import type { CheckResult } from '../lib/bindings/CheckResult';
import type { Note } from '../lib/bindings/Note';
import type { Review } from '../lib/bindings/Review';
import type { ReviewStatus } from '../lib/bindings/ReviewStatus';
import type { Scorecard } from '../lib/bindings/Scorecard';
import type { SyncStatus } from '../lib/bindings/SyncStatus';
import { MAX_AT_MS, MAX_COMMENT_CHARS, MAX_NOTE_CHARS, parseStatus, score, withAnswer } from '../lib/reviews';

export const MIGRATION = 'supabase/migrations/20261207000000_callrec_reviews.sql';
/** The signed-in reviewer of the mock's sessions (mock-ipc.ts `signedIn`). */
export const MY_ID = '7d5c3a9e-2f41-4c1b-9a61-0f3e8b2d4c10';

/** The agency's scorecard when a scenario gives none. */
export const DEFAULT_SCORECARD: Scorecard = {
  checks: [
    { id: 'greet', label: 'Greeted the caller and gave their name', weight: 1 },
    { id: 'verify', label: "Verified the caller's identity", weight: 2 },
    { id: 'resolve', label: 'Resolved the request or said what happens next', weight: 2 },
    { id: 'close', label: 'Offered further help before closing', weight: 1 },
  ],
};

/** What a call starts with in a scenario. */
export interface CallReviewsSeed {
  /** This reviewer's review so far (the score is computed). */
  mine?: { status?: ReviewStatus; checks?: Review['checks'] };
  /** The other reviewers' reviews, as the last sync brought them. */
  others?: Review[];
  notes?: Note[];
}

export interface ReviewsScenario {
  /** The agency's checks; [`DEFAULT_SCORECARD`] when absent. */
  scorecard?: Scorecard;
  /** Reviews already there, by call id. */
  calls?: Record<string, CallReviewsSeed>;
  /**
   * `sync_reviews`' answer (a raw rejection as `{ err }`); its state is also every
   * `CallReviews.sync`. `localOnly` with the reviews migration when absent; `pending` is the
   * mock's own count of changes made when the scripted answer says 0.
   */
  sync?: { ok: SyncStatus } | { err: unknown };
  /** Rejections by command (`add_note`, `set_review_status`, …): the shell's raw error. */
  errors?: Record<string, unknown>;
  /** `export_reviews`' answer (null: the save dialog was cancelled); a path when absent. */
  exported?: string | null;
}

interface Kept {
  mine: Review;
  others: Review[];
  notes: Note[];
}

/** Rejects as the shell does: with its serialized `{ code, message }`, not an Error. */
function rejectWith(code: string, message: string): never {
  // eslint-disable-next-line @typescript-eslint/only-throw-error
  throw { code, message };
}

function text(a: Record<string, unknown>, key: string): string {
  const value = a[key];
  if (typeof value !== 'string' || value === '') rejectWith('invalid_args', `mock: ${key} is missing`);
  return value;
}

/** A whole number of milliseconds on a call's clock, else `bad_note_time`. */
function ms(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > MAX_AT_MS) {
    rejectWith('bad_note_time', `${name} must be a time on the call (0 to ${String(MAX_AT_MS)} ms)`);
  }
  return value;
}

export class MockReviews {
  readonly #scenario: () => ReviewsScenario | undefined;
  readonly #kept = new Map<string, Kept>();
  #pending = 0;
  #nextId = 1;
  /** Bumped on every change of a status or score: `list_calls`' cached filters start again. */
  version = 0;

  constructor(scenario: () => ReviewsScenario | undefined) {
    this.#scenario = scenario;
  }

  get #card(): Scorecard {
    return this.#scenario()?.scorecard ?? DEFAULT_SCORECARD;
  }

  /** This reviewer's status and score of a call, for `list_calls`' rows and filter. */
  of(callId: string): { status: ReviewStatus; score: number | null } {
    const kept = this.#kept.get(callId);
    if (kept) return { status: kept.mine.status, score: kept.mine.score };
    const seed = this.#scenario()?.calls?.[callId]?.mine;
    if (!seed) return { status: 'unreviewed', score: null };
    return { status: seed.status ?? 'unreviewed', score: score(this.#card, seed.checks ?? {}) };
  }

  /** The answer to `cmd`, or `undefined` when it is not a review command. */
  handle(cmd: string, args: unknown): { value: unknown } | undefined {
    const a = (args ?? {}) as Record<string, unknown>;
    switch (cmd) {
      case 'call_reviews':
      case 'set_review_status':
      case 'answer_check':
      case 'add_note':
      case 'delete_note':
      case 'sync_reviews':
      case 'export_reviews':
        break;
      default:
        return undefined;
    }
    const failure = this.#scenario()?.errors?.[cmd];
    // Rethrown as scripted: the shell's raw error value.
    // eslint-disable-next-line @typescript-eslint/only-throw-error
    if (failure !== undefined) throw failure;
    switch (cmd) {
      case 'call_reviews':
        return { value: this.#answer(text(a, 'callId')) };
      case 'set_review_status': {
        const kept = this.#get(text(a, 'callId'));
        const status = parseStatus(a.status);
        if (status === null) rejectWith('invalid_args', `mock: not a status: ${String(a.status)}`);
        kept.mine = { ...kept.mine, status, editedAt: new Date().toISOString() };
        return { value: this.#changed(kept) };
      }
      case 'answer_check': {
        const kept = this.#get(text(a, 'callId'));
        const checkId = text(a, 'checkId');
        if (!this.#card.checks.some((c) => c.id === checkId)) rejectWith('unknown_check', `no check ${checkId} on the scorecard`);
        const result = a.result as CheckResult | null;
        const comment = typeof a.comment === 'string' && a.comment.trim() !== '' ? a.comment : null;
        if (comment !== null && comment.length > MAX_COMMENT_CHARS) {
          rejectWith('note_too_long', `a comment is at most ${String(MAX_COMMENT_CHARS)} characters`);
        }
        const checks = withAnswer(kept.mine.checks, checkId, result === null ? null : comment === null ? { result } : { result, comment });
        kept.mine = { ...kept.mine, checks, score: score(this.#card, checks), editedAt: new Date().toISOString() };
        return { value: this.#changed(kept) };
      }
      case 'add_note': {
        const callId = text(a, 'callId');
        const kept = this.#get(callId);
        const kind = a.kind === 'bookmark' ? 'bookmark' : 'note';
        const atMs = ms(a.atMs, 'atMs');
        const endMs = a.endMs === null || a.endMs === undefined ? null : ms(a.endMs, 'endMs');
        if (endMs !== null && endMs < atMs) rejectWith('bad_note_time', 'a span cannot end before it starts');
        const body = typeof a.body === 'string' ? a.body : '';
        if (Array.from(body).length > MAX_NOTE_CHARS) rejectWith('note_too_long', `a note is at most ${String(MAX_NOTE_CHARS)} characters`);
        const id = `00000000-0000-4000-8000-${(this.#nextId++).toString(16).padStart(12, '0')}`;
        const note: Note = {
          id,
          callId,
          reviewerId: MY_ID,
          kind,
          atMs,
          endMs,
          body: kind === 'bookmark' ? '' : body,
          createdAt: new Date().toISOString(),
          mine: true,
          synced: false,
        };
        kept.notes = [...kept.notes, note];
        return { value: this.#changed(kept) };
      }
      case 'delete_note': {
        const kept = this.#get(text(a, 'callId'));
        const noteId = text(a, 'noteId');
        const note = kept.notes.find((n) => n.id === noteId);
        if (!note) rejectWith('note_not_found', `no note ${noteId} on this call`);
        if (!note.mine) rejectWith('not_yours', "another reviewer's note cannot be deleted");
        kept.notes = kept.notes.filter((n) => n.id !== noteId);
        return { value: this.#changed(kept) };
      }
      case 'sync_reviews':
        return { value: this.#sync() };
      default: {
        const exported = this.#scenario()?.exported;
        return { value: exported !== undefined ? exported : '/home/reviewer/Documents/callrec-reviews-2026-12-07.csv' };
      }
    }
  }

  #get(callId: string): Kept {
    const kept = this.#kept.get(callId);
    if (kept) return kept;
    const seed = this.#scenario()?.calls?.[callId];
    const checks = seed?.mine?.checks ?? {};
    const fresh: Kept = {
      mine: {
        callId,
        reviewerId: MY_ID,
        reviewerEmail: null,
        status: seed?.mine?.status ?? 'unreviewed',
        checks,
        score: score(this.#card, checks),
        editedAt: '2026-12-01T09:00:00Z',
        mine: true,
      },
      others: seed?.others ?? [],
      notes: seed?.notes ?? [],
    };
    this.#kept.set(callId, fresh);
    return fresh;
  }

  #changed(kept: Kept): CallReviews {
    this.#pending += 1;
    this.version += 1;
    return this.#answer(kept.mine.callId);
  }

  #sync(): SyncStatus {
    const scripted = this.#scenario()?.sync;
    if (scripted && 'err' in scripted) throw scripted.err;
    const status = scripted?.ok ?? { state: 'localOnly', migration: MIGRATION, pending: 0 };
    return { ...status, pending: status.pending > 0 ? status.pending : this.#pending };
  }

  #answer(callId: string): CallReviews {
    const kept = this.#get(callId);
    const scripted = this.#scenario()?.sync;
    const sync: SyncStatus =
      scripted && 'ok' in scripted
        ? { ...scripted.ok, pending: scripted.ok.pending > 0 ? scripted.ok.pending : this.#pending }
        : { state: 'localOnly', migration: MIGRATION, pending: this.#pending };
    return {
      callId,
      mine: kept.mine,
      others: kept.others,
      notes: [...kept.notes].sort((x, y) => x.atMs - y.atMs || (x.endMs ?? x.atMs) - (y.endMs ?? y.atMs)),
      scorecard: this.#card,
      sync,
    };
  }
}
