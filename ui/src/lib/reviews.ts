// Reviews of a call (docs/reviews.md): the words for statuses and answers, the score as Rust
// computes it, notes' times and labels, where a new note starts and ends, the sync line, and
// what to say for each error code. No Svelte, no IPC: unit-tested in tests/unit/reviews.test.ts.

import type { CallReviews } from './bindings/CallReviews';
import type { CheckAnswer } from './bindings/CheckAnswer';
import type { CheckResult } from './bindings/CheckResult';
import type { Note } from './bindings/Note';
import type { NoteKind } from './bindings/NoteKind';
import type { Review } from './bindings/Review';
import type { ReviewStatus } from './bindings/ReviewStatus';
import type { Scorecard } from './bindings/Scorecard';
import type { ScorecardCheck } from './bindings/ScorecardCheck';
import type { SyncStatus } from './bindings/SyncStatus';
import { formatTime, positionPercent } from './player';

export type { CallReviews, CheckAnswer, CheckResult, Note, NoteKind, Review, ReviewStatus, Scorecard, ScorecardCheck, SyncStatus };

/** Longest note text and check comment (characters), as the agency's tables enforce (model.rs). */
export const MAX_NOTE_CHARS = 10_000;
export const MAX_COMMENT_CHARS = 2_000;
/** A note's time on the call's clock: no call is longer than a day (model.rs `MAX_AT_MS`). */
export const MAX_AT_MS = 24 * 3600 * 1000;

export const STATUSES: readonly { value: ReviewStatus; label: string }[] = [
  { value: 'unreviewed', label: 'Unreviewed' },
  { value: 'in_review', label: 'In review' },
  { value: 'reviewed', label: 'Reviewed' },
  { value: 'flagged', label: 'Flagged' },
];

/** The list's review filter: '' all, else the status asked for. */
export type ReviewFilter = '' | ReviewStatus;

export const REVIEW_FILTERS: readonly { value: ReviewFilter; label: string }[] = [
  { value: '', label: 'All' },
  { value: 'unreviewed', label: 'Not reviewed yet' },
  { value: 'in_review', label: 'In review' },
  { value: 'reviewed', label: 'Reviewed' },
  { value: 'flagged', label: 'Flagged' },
];

export const RESULTS: readonly { value: CheckResult; label: string }[] = [
  { value: 'pass', label: 'Pass' },
  { value: 'fail', label: 'Fail' },
  { value: 'na', label: 'N/A' },
];

/** A status for people; an unknown value as it is. */
export function statusLabel(status: string): string {
  return STATUSES.find((s) => s.value === status)?.label ?? status;
}

/** A status's badge colour: in review is news, reviewed is fine, flagged needs a look. */
export function statusTone(status: string): 'neutral' | 'info' | 'ok' | 'error' {
  return status === 'in_review' ? 'info' : status === 'reviewed' ? 'ok' : status === 'flagged' ? 'error' : 'neutral';
}

/** A status the shell may send, or null for anything else. */
export function parseStatus(value: unknown): ReviewStatus | null {
  return STATUSES.find((s) => s.value === value)?.value ?? null;
}

/** How a status filter reads in the queue's description ("not reviewed yet"). */
export function reviewFilterWords(filter: ReviewFilter): string | null {
  if (filter === '') return null;
  return filter === 'unreviewed' ? 'not reviewed yet' : statusLabel(filter).toLowerCase();
}

/**
 * The score of a scorecard's answers, as crates/core reviews `score()` computes it: the weight
 * of passed checks over that of passed and failed ones, 0–100 to two decimals; null when nothing
 * is scored. N/A is left out; answers to checks no longer on the card and checks without a
 * positive, finite weight do not count.
 */
export function score(card: Scorecard, answers: Review['checks']): number | null {
  let passed = 0;
  let scored = 0;
  for (const check of card.checks) {
    const weight = check.weight;
    if (!Number.isFinite(weight) || weight <= 0) continue;
    const result = answers[check.id]?.result;
    if (result === 'pass') {
      passed += weight;
      scored += weight;
    } else if (result === 'fail') {
      scored += weight;
    }
  }
  return scored > 0 ? Math.round((passed / scored) * 10_000) / 100 : null;
}

/** The answers with `checkId` answered as `answer`, or without it when null. */
export function withAnswer(checks: Review['checks'], checkId: string, answer: CheckAnswer | null): Review['checks'] {
  const rest = Object.fromEntries(Object.entries(checks).filter(([id]) => id !== checkId));
  return answer === null ? rest : { ...rest, [checkId]: answer };
}

/** A score as a whole percentage, "75 %"; null for none or a value that is not one. */
export function percent(value: number | null | undefined): string | null {
  if (typeof value !== 'number' || !Number.isFinite(value)) return null;
  return `${String(Math.round(Math.min(100, Math.max(0, value))))} %`;
}

/** "Score 75 %", or "Not scored". */
export function scoreText(value: number | null | undefined): string {
  const shown = percent(value);
  return shown === null ? 'Not scored' : `Score ${shown}`;
}

/** Milliseconds on the call's clock as `m:ss` or `h:mm:ss`. */
export function formatAt(ms: number): string {
  return formatTime(ms / 1000);
}

/** A note's time: "1:23", or its span "1:23–1:45". */
export function formatSpan(atMs: number, endMs: number | null): string {
  return endMs === null || endMs <= atMs ? formatAt(atMs) : `${formatAt(atMs)}–${formatAt(endMs)}`;
}

/** Longest text of a note in a label (the mark's, the delete button's). */
const LABEL_TEXT = 80;

function clip(text: string, max: number): string {
  const one = text.replace(/\s+/g, ' ').trim();
  return one.length > max ? `${one.slice(0, max - 1)}…` : one;
}

/** What a note is called for people: "Note at 1:23: text", "Bookmark from 1:23 to 1:45". */
export function noteLabel(note: Pick<Note, 'kind' | 'atMs' | 'endMs' | 'body'>): string {
  const kind = note.kind === 'bookmark' ? 'Bookmark' : 'Note';
  const span = note.endMs !== null && note.endMs > note.atMs;
  const when = span ? `from ${formatAt(note.atMs)} to ${formatAt(note.endMs ?? note.atMs)}` : `at ${formatAt(note.atMs)}`;
  const text = clip(note.body, LABEL_TEXT);
  return text === '' ? `${kind} ${when}` : `${kind} ${when}: ${text}`;
}

/**
 * The name of the button that plays a note's moment: its time as shown first (what a voice
 * user says), then what it is: "Play 0:12–0:21 — Note: Long hold", "Play 0:30 — Bookmark".
 */
export function playLabel(note: Pick<Note, 'kind' | 'atMs' | 'endMs' | 'body'>): string {
  const text = clip(note.body, LABEL_TEXT);
  const kind = note.kind === 'bookmark' ? 'Bookmark' : 'Note';
  return `Play ${formatSpan(note.atMs, note.endMs)} — ${kind}${text === '' ? '' : `: ${text}`}`;
}

/** Notes by time on the call: by start, then end (moments first), then when they were written. */
export function sortNotes(notes: readonly Note[]): Note[] {
  return [...notes].sort(
    (a, b) =>
      a.atMs - b.atMs ||
      (a.endMs ?? a.atMs) - (b.endMs ?? b.atMs) ||
      a.createdAt.localeCompare(b.createdAt) ||
      a.id.localeCompare(b.id),
  );
}

/** A note's mark on the scrubber: where it starts and how wide its span is, in % of the call. */
export interface NoteMark {
  id: string;
  kind: NoteKind;
  atMs: number;
  left: number;
  /** The span's width in %; null for a moment. */
  width: number | null;
  mine: boolean;
  label: string;
}

/** The marks of the notes on a call of `duration` seconds, by time; none before the length is known. */
export function noteMarks(notes: readonly Note[], duration: number): NoteMark[] {
  if (!(duration > 0)) return [];
  return sortNotes(notes).map((n) => {
    const left = positionPercent(n.atMs / 1000, duration);
    const span = n.endMs !== null && n.endMs > n.atMs;
    return {
      id: n.id,
      kind: n.kind,
      atMs: n.atMs,
      left,
      width: span ? Math.max(0, positionPercent((n.endMs ?? n.atMs) / 1000, duration) - left) : null,
      mine: n.mine,
      label: noteLabel(n),
    };
  });
}

/** Seconds of the player as milliseconds on the call's clock, whole and within a day. */
export function toMs(seconds: number): number {
  if (!Number.isFinite(seconds) || seconds <= 0) return 0;
  return Math.min(MAX_AT_MS, Math.round(seconds * 1000));
}

/**
 * Where a new note goes: at `nowMs`, or, with a start marked, over the span between the mark
 * and `nowMs` (whichever comes first: the reviewer may have gone back). A span of no length is
 * a moment.
 */
export function noteSpan(markMs: number | null, nowMs: number): { atMs: number; endMs: number | null } {
  if (markMs === null || markMs === nowMs) return { atMs: nowMs, endMs: null };
  return { atMs: Math.min(markMs, nowMs), endMs: Math.max(markMs, nowMs) };
}

/** Where the reviews stand with the agency's project, as one line, and a tone for it. */
export interface SyncLine {
  tone: 'ok' | 'pending' | 'warn' | 'error';
  text: string;
  /** `localOnly`: the SQL file to apply to the agency's project (named in `text`). */
  migration: string | null;
}

function pendingText(pending: number): string {
  return pending === 1 ? '1 change waiting' : `${String(pending)} changes waiting`;
}

const timeFormat = new Intl.DateTimeFormat('en-GB', { day: '2-digit', month: 'short', hour: '2-digit', minute: '2-digit' });

/** An RFC 3339 time as "07 Dec, 14:05" in the reviewer's zone; the text as it is when it does not parse. */
export function formatSyncTime(at: string): string {
  const ms = Date.parse(at);
  return Number.isNaN(ms) ? at : timeFormat.format(ms);
}

export function syncLine(sync: SyncStatus): SyncLine {
  switch (sync.state) {
    case 'shared':
      return {
        tone: sync.pending > 0 ? 'pending' : 'ok',
        text: `Shared with the agency — last sync ${formatSyncTime(sync.at)}${sync.pending > 0 ? `, ${pendingText(sync.pending)}` : ''}`,
        migration: null,
      };
    case 'localOnly':
      return {
        tone: 'warn',
        text: `Reviews stay on this computer — apply ${sync.migration} to the agency's project to share them${sync.pending > 0 ? ` (${pendingText(sync.pending)})` : ''}`,
        migration: sync.migration,
      };
    case 'offline':
      return {
        tone: 'warn',
        text: `Offline — ${sync.pending > 0 ? `${pendingText(sync.pending)} to be shared` : 'nothing waiting to be shared'}`,
        migration: null,
      };
    case 'refused':
      return {
        tone: 'error',
        text: `The project refused ${sync.refused === 1 ? '1 change' : `${String(sync.refused)} changes`}: ${sync.reason}${sync.pending > 0 ? ` (${pendingText(sync.pending)})` : ''}`,
        migration: null,
      };
    case 'notYet':
      return {
        tone: 'pending',
        text: `Not shared yet${sync.pending > 0 ? ` — ${pendingText(sync.pending)}` : ''}`,
        migration: null,
      };
  }
}

/** What the reviewer can do about a failed review command, by its code (crates/core reviews). */
const HINTS: Record<string, string> = {
  note_too_long: `A note can be at most ${MAX_NOTE_CHARS.toLocaleString('en-US')} characters (and a comment ${MAX_COMMENT_CHARS.toLocaleString('en-US')}): shorten it.`,
  bad_note_time: 'That moment is not on the call: play the call and try again where it is.',
  unknown_check: 'The agency changed its scorecard: the check is gone. Open the call again to see the current one.',
  reviews_unavailable: 'Reviews cannot be kept on this computer right now: check the disk, then restart Callrec.',
};

export function reviewHint(code: string | null | undefined): string | null {
  if (typeof code !== 'string') return null;
  return HINTS[code] ?? null;
}

/** The list shows its review columns only when a row has something to show in them. */
export function hasReviewData(rows: readonly { reviewStatus?: unknown; score?: unknown }[]): boolean {
  return rows.some(
    (row) =>
      (typeof row.reviewStatus === 'string' && row.reviewStatus !== 'unreviewed') ||
      (typeof row.score === 'number' && Number.isFinite(row.score)),
  );
}

/** Who wrote a review or note, for people. */
export function reviewerName(review: Pick<Review, 'mine' | 'reviewerEmail'>): string {
  if (review.mine) return 'You';
  return review.reviewerEmail ?? 'Another reviewer';
}
