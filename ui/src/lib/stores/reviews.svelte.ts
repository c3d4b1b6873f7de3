// The open call's reviews (docs/reviews.md): this reviewer's status, scorecard answers and notes,
// the other reviewers' reviews and notes, the scorecard and where the sync stands. Kept by the
// workspace, so the call pane, the player bar's marks and the `M` key share one copy.
//
// Changes go to the shell one at a time, in the order they were made; each answers the call's
// reviews as they now are. A status or an answer shows at once (the score recomputed as Rust
// does); when the shell refuses a change, the call's reviews are read again.

import { commands, toCommandError, type CommandError, type NewNote } from '../ipc';
import {
  formatAt,
  score,
  withAnswer,
  type CallReviews,
  type CheckResult,
  type NoteKind,
  type Review,
  type ReviewStatus,
  type SyncStatus,
} from '../reviews';

export interface ReviewsApi {
  callReviews(callId: string): Promise<CallReviews>;
  setReviewStatus(callId: string, status: ReviewStatus): Promise<CallReviews>;
  answerCheck(callId: string, checkId: string, result: CheckResult | null, comment: string | null): Promise<CallReviews>;
  addNote(note: NewNote): Promise<CallReviews>;
  deleteNote(callId: string, noteId: string): Promise<CallReviews>;
  syncReviews(): Promise<SyncStatus>;
}

export interface ReviewsOptions {
  api?: ReviewsApi;
  /** This reviewer's review of a call, as the shell last answered it (read or changed): the
   * list's row shows its status and score. */
  onchange?: (callId: string, mine: Review) => void;
}

export class ReviewsStore {
  /** The call whose reviews are shown; null when no call is open. */
  callId: string | null = $state(null);
  reviews: CallReviews | null = $state.raw(null);
  loading = $state(false);
  /** Reading the call's reviews failed. */
  error: CommandError | null = $state(null);
  /** The last change was refused (cleared by the next one). */
  changeError: CommandError | null = $state(null);
  /** Changes sent and not answered yet. */
  saving = $state(0);
  syncing = $state(false);
  syncError: CommandError | null = $state(null);
  /** What the last change did, for the panel's live region ("Bookmark added at 1:23"). */
  announcement = $state('');
  /** The panel is unfolded (for every call, until folded). */
  open = $state(true);

  readonly #api: ReviewsApi;
  readonly #onchange: ((callId: string, mine: Review) => void) | undefined;
  #seq = 0;
  /** The changes in flight, one after another. */
  #chain: Promise<unknown> = Promise.resolve();

  constructor(options: ReviewsOptions = {}) {
    this.#api = options.api ?? {
      callReviews: commands.callReviews,
      setReviewStatus: commands.setReviewStatus,
      answerCheck: commands.answerCheck,
      addNote: commands.addNote,
      deleteNote: commands.deleteNote,
      syncReviews: commands.syncReviews,
    };
    this.#onchange = options.onchange;
  }

  /** The reviews of `callId` (null: none open). An answer for a call no longer open is dropped. */
  async load(callId: string | null): Promise<void> {
    this.#seq += 1;
    const seq = this.#seq;
    if (callId !== this.callId) {
      this.callId = callId;
      this.reviews = null;
      this.changeError = null;
      this.announcement = '';
    }
    this.error = null;
    if (callId === null) {
      this.loading = false;
      return;
    }
    this.loading = true;
    try {
      const reviews = await this.#api.callReviews(callId);
      if (seq === this.#seq) this.reviews = reviews;
      // The list's row may be older than this (another computer's change, come with a sync).
      this.#onchange?.(callId, reviews.mine);
    } catch (err) {
      if (seq === this.#seq) this.error = toCommandError('call_reviews', err);
    } finally {
      if (seq === this.#seq) this.loading = false;
    }
  }

  /** The notes of `callId` when they are the ones loaded (the player bar's marks). */
  notesOf(callId: string | null): CallReviews['notes'] {
    return callId !== null && this.reviews?.callId === callId ? this.reviews.notes : [];
  }

  setStatus(status: ReviewStatus): Promise<boolean> {
    const callId = this.callId;
    if (callId === null) return Promise.resolve(false);
    this.#show((r) => ({ ...r, mine: { ...r.mine, status } }));
    return this.#change('set_review_status', callId, () => this.#api.setReviewStatus(callId, status));
  }

  /** Answers a check (null clears it); the comment goes with the answer. */
  answer(checkId: string, result: CheckResult | null, comment: string | null): Promise<boolean> {
    const callId = this.callId;
    if (callId === null) return Promise.resolve(false);
    const text = comment !== null && comment.trim() !== '' ? comment : null;
    this.#show((r) => {
      const checks = withAnswer(r.mine.checks, checkId, result === null ? null : text === null ? { result } : { result, comment: text });
      return { ...r, mine: { ...r.mine, checks, score: score(r.scorecard, checks) } };
    });
    return this.#change('answer_check', callId, () => this.#api.answerCheck(callId, checkId, result, text));
  }

  addNote(kind: NoteKind, atMs: number, endMs: number | null, body: string): Promise<boolean> {
    const callId = this.callId;
    if (callId === null) return Promise.resolve(false);
    const text = kind === 'bookmark' ? '' : body;
    const what = `${kind === 'bookmark' ? 'Bookmark' : 'Note'} added at ${formatAt(atMs)}`;
    return this.#change('add_note', callId, () => this.#api.addNote({ callId, kind, atMs, endMs, body: text }), what);
  }

  deleteNote(noteId: string): Promise<boolean> {
    const callId = this.callId;
    if (callId === null) return Promise.resolve(false);
    const note = this.reviews?.notes.find((n) => n.id === noteId);
    const what = note ? `${note.kind === 'bookmark' ? 'Bookmark' : 'Note'} at ${formatAt(note.atMs)} deleted` : 'Deleted';
    return this.#change('delete_note', callId, () => this.#api.deleteNote(callId, noteId), what);
  }

  /** Shares the changes waiting and brings the others' now; the sync line shows how it went. */
  async sync(): Promise<void> {
    if (this.syncing) return;
    this.syncing = true;
    this.syncError = null;
    try {
      const sync = await this.#api.syncReviews();
      if (this.reviews) this.reviews = { ...this.reviews, sync };
      // The others' reviews and notes may have come with it.
      if (this.callId !== null) await this.load(this.callId);
    } catch (err) {
      this.syncError = toCommandError('sync_reviews', err);
    } finally {
      this.syncing = false;
    }
  }

  /** Shows a change before the shell answers (only for the call it was made on). */
  #show(change: (reviews: CallReviews) => CallReviews): void {
    if (this.reviews) this.reviews = change(this.reviews);
  }

  #change(command: string, callId: string, run: () => Promise<CallReviews>, done = ''): Promise<boolean> {
    this.saving += 1;
    this.changeError = null;
    const result = this.#chain.then(async () => {
      try {
        const reviews = await run();
        if (this.callId === callId) {
          this.reviews = reviews;
          if (done !== '') this.announcement = done;
        }
        this.#onchange?.(callId, reviews.mine);
        return true;
      } catch (err) {
        if (this.callId === callId) {
          this.changeError = toCommandError(command, err);
          // What the shell has, not what was shown before it refused.
          await this.load(callId);
        }
        return false;
      } finally {
        this.saving -= 1;
      }
    });
    this.#chain = result;
    return result;
  }
}
