// The call list's pure logic: filters → `CallQuery`, merging pages, the visible window, and how
// a row's values are shown. No Svelte, no IPC: unit-tested in tests/unit/calls.test.ts.

import type { CallPage } from './bindings/CallPage';
import type { CallQuery } from './bindings/CallQuery';
import type { CallRow } from './bindings/CallRow';
import type { CallSchema } from './bindings/CallSchema';
import type { Cursor } from './bindings/Cursor';
import type { Field } from './bindings/Field';
import type { OpenedCall } from './bindings/OpenedCall';
import type { Sort } from './bindings/Sort';
import { reviewFilterWords, type ReviewFilter } from './reviews';

export type { CallPage, CallQuery, CallRow, CallSchema, Cursor, Field, OpenedCall, Sort };

/** Rows asked for on the first page: small, so the first rows show fast. */
export const FIRST_PAGE_SIZE = 100;
/** Rows asked for on every later page: the server's cap, so scrolling far needs few round trips. */
export const NEXT_PAGE_SIZE = 1000;
/** Start fetching the next page when the window gets this close to the last loaded row: fewer
 * rows than the first page holds beyond one screen, so a fresh query never drags a 1000-row
 * page behind it before anyone scrolls. */
export const PREFETCH_ROWS = 60;

/** The select's values: '' any, 'true' with a recording, 'false' without (as the query's boolean). */
export type RecordingFilter = '' | 'true' | 'false';

/** What the filter bar holds: strings as typed, '' meaning "any". */
export interface CallFilters {
  since: string;
  until: string;
  hasRecording: RecordingFilter;
  /** '' any, 'true' only calls on this computer, 'false' only those not. */
  downloaded: RecordingFilter;
  direction: string;
  status: string;
  /** '' any, else only calls this reviewer gave that status (`unreviewed`: not reviewed yet). */
  review: ReviewFilter;
  search: string;
  sort: Sort;
}

export const DEFAULT_FILTERS: Readonly<CallFilters> = Object.freeze({
  since: '',
  until: '',
  hasRecording: '',
  downloaded: '',
  direction: '',
  status: '',
  review: '',
  search: '',
  sort: 'dateDesc',
});

export const SORTS: readonly { value: Sort; label: string }[] = [
  { value: 'dateDesc', label: 'Newest first' },
  { value: 'dateAsc', label: 'Oldest first' },
  { value: 'durationDesc', label: 'Longest first' },
  { value: 'durationAsc', label: 'Shortest first' },
];

/** True when the filters show everything (the sort does not filter). */
export function isUnfiltered(f: CallFilters): boolean {
  return (
    f.since === '' &&
    f.until === '' &&
    f.hasRecording === '' &&
    f.downloaded === '' &&
    f.direction === '' &&
    f.status === '' &&
    f.review === '' &&
    f.search.trim() === ''
  );
}

/**
 * True when the filters ask for what only this computer knows (downloaded calls, or a status
 * this reviewer gave): such a page comes from the library even online, so it is not "offline".
 */
export function answeredHere(f: CallFilters): boolean {
  return f.downloaded === 'true' || (f.review !== '' && f.review !== 'unreviewed');
}

/**
 * The filters in words, for the review queue's label: "All calls, newest first", or e.g.
 * "inbound, completed, “smith”, from 2026-11-01 to 2026-11-20, with a recording, oldest first".
 */
export function describeFilters(f: CallFilters): string {
  const parts: string[] = [];
  if (f.direction !== '') parts.push(f.direction);
  if (f.status !== '') parts.push(f.status);
  const review = reviewFilterWords(f.review);
  if (review !== null) parts.push(review);
  const search = f.search.trim();
  if (search !== '') parts.push(`“${search.slice(0, 60)}”`);
  const since = isDay(f.since) ? f.since : null;
  const until = isDay(f.until) ? f.until : null;
  if (since && until) parts.push(`from ${since} to ${until}`);
  else if (since) parts.push(`from ${since}`);
  else if (until) parts.push(`until ${until}`);
  if (f.hasRecording !== '') parts.push(f.hasRecording === 'true' ? 'with a recording' : 'without a recording');
  if (f.downloaded !== '') parts.push(f.downloaded === 'true' ? 'downloaded' : 'not downloaded');
  const sort = (SORTS.find((s) => s.value === f.sort)?.label ?? '').toLowerCase();
  return [parts.length === 0 ? 'All calls' : parts.join(', '), sort].filter((p) => p !== '').join(', ');
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** A `YYYY-MM-DD` that is a real calendar day (an `<input type=date>` only yields those, but typed ones may not be). */
export function isDay(text: string): boolean {
  if (!DATE.test(text)) return false;
  const d = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().startsWith(text);
}

/** The day after `day` (`YYYY-MM-DD`). */
export function nextDay(day: string): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

/**
 * The query for these filters. "Until" is inclusive in the filter bar (people pick the last day
 * they want) but exclusive in `CallQuery`, hence the day after. A half-typed date is left out
 * rather than sent: the server would reject it as `invalid_query`.
 */
export function toQuery(f: CallFilters, limit: number): CallQuery {
  const search = f.search.trim();
  return {
    sort: f.sort,
    since: isDay(f.since) ? f.since : null,
    until: isDay(f.until) ? nextDay(f.until) : null,
    hasRecording: f.hasRecording === '' ? null : f.hasRecording === 'true',
    direction: f.direction === '' ? null : f.direction,
    status: f.status === '' ? null : f.status,
    search: search === '' ? null : search,
    limit,
    downloaded: f.downloaded === '' ? null : f.downloaded === 'true',
    review: f.review === '' ? null : f.review,
  };
}

/** Two filter sets that produce the same query (so no new request is needed). */
export function sameQuery(a: CallFilters, b: CallFilters): boolean {
  return JSON.stringify(toQuery(a, 0)) === JSON.stringify(toQuery(b, 0));
}

/**
 * Appends a page to the rows, dropping ids already shown (keyset pages can overlap when calls
 * arrive or change while paging). `seen` is updated in place; `rows` is not modified.
 */
export function appendPage(rows: readonly CallRow[], seen: Set<string>, page: readonly CallRow[]): CallRow[] {
  const fresh: CallRow[] = [];
  for (const row of page) {
    if (seen.has(row.id)) continue;
    seen.add(row.id);
    fresh.push(row);
  }
  return fresh.length === 0 ? (rows as CallRow[]) : rows.concat(fresh);
}

/** The rows to render: [start, end) with `overscan` rows either side of the viewport. */
export function visibleRange(
  scrollTop: number,
  viewportHeight: number,
  rowHeight: number,
  count: number,
  overscan = 10,
): { start: number; end: number } {
  if (count <= 0 || rowHeight <= 0) return { start: 0, end: 0 };
  const first = Math.floor(Math.max(0, scrollTop) / rowHeight);
  const shown = Math.ceil(Math.max(0, viewportHeight) / rowHeight) + 1;
  const start = Math.max(0, Math.min(first, count - 1) - overscan);
  const end = Math.min(count, first + shown + overscan);
  return { start, end };
}

/**
 * The scrollTop that brings row `index` into view, moving as little as possible; the current
 * one when it already is.
 */
export function scrollToRow(index: number, scrollTop: number, viewportHeight: number, rowHeight: number): number {
  const top = index * rowHeight;
  const bottom = top + rowHeight;
  if (top < scrollTop) return top;
  if (bottom > scrollTop + viewportHeight) return Math.max(0, bottom - viewportHeight);
  return scrollTop;
}

/** The sorts the project's table allows (all of them before its first page says). */
export function offeredSorts(schema: CallSchema | null): { value: Sort; label: string }[] {
  return schema ? SORTS.filter((s) => schema.offers.sorts.includes(s.value)) : [...SORTS];
}

/** Whether the table has what the Direction or Status filter needs. */
export function offersFilter(schema: CallSchema | null, filter: 'direction' | 'status'): boolean {
  return schema === null || schema.offers.filters.includes(filter);
}

/** A column of the list showing one field Callrec understands. */
export interface FieldColumn {
  field: Field;
  label: string;
  width: string;
  mono?: boolean;
  num?: boolean;
}

/** Every field the list can show, in order; only those the table has are shown. */
export const FIELD_COLUMNS: readonly FieldColumn[] = [
  { field: 'direction', label: 'Direction', width: '5.5rem' },
  { field: 'from', label: 'From', width: '8.5rem', mono: true },
  { field: 'to', label: 'To', width: '8.5rem', mono: true },
  { field: 'agent', label: 'Agent', width: 'minmax(7rem, 1fr)' },
  { field: 'duration', label: 'Duration', width: '6rem', num: true },
  { field: 'status', label: 'Status', width: '6.5rem' },
  { field: 'sentiment', label: 'Sentiment', width: '6.5rem' },
];

/** The column `field` is read from in this table; null when it has none. */
export function columnOf(schema: CallSchema | null, field: Field): string | null {
  return schema?.columns.find((c) => c.field === field)?.name ?? null;
}

/**
 * The field columns to show: those the table has (no column of dashes). Before the first page
 * says, the table Callrec assumes (everything but sentiment).
 */
export function shownColumns(schema: CallSchema | null): FieldColumn[] {
  if (schema === null) return FIELD_COLUMNS.filter((c) => c.field !== 'sentiment');
  return FIELD_COLUMNS.filter((c) => columnOf(schema, c.field) !== null);
}

function fieldValue(row: CallRow, field: Field): string | number | null {
  switch (field) {
    case 'duration':
      return row.durationSeconds;
    case 'from':
      return row.fromNumber;
    case 'to':
      return row.toNumber;
    case 'agent':
      return row.agentName;
    case 'status':
      return row.status;
    case 'direction':
      return row.direction;
    case 'started':
      return row.startedAt;
    case 'ended':
      return row.endedAt;
    case 'transcript':
      return row.transcript;
    case 'summary':
      return row.summary;
    case 'sentiment':
      return row.sentiment;
  }
}

/**
 * A field's cell: its value, or, when the column held a value of the wrong type, that value as
 * the server sent it (kept, shown raw, flagged `unreadable`).
 */
export function fieldCell(row: CallRow, schema: CallSchema | null, field: Field): { text: string; unreadable: boolean } {
  const value = fieldValue(row, field) as unknown;
  if (value !== null && value !== undefined) {
    return { text: field === 'duration' ? formatDuration(value as number) : text(value), unreadable: false };
  }
  const column = columnOf(schema, field);
  const invalid = Array.isArray(row.invalid) && column !== null && row.invalid.includes(column);
  if (!invalid) return { text: EMPTY, unreadable: false };
  const extra = row.extra as Record<string, unknown> | null | undefined;
  return { text: formatValue(extra?.[column], 60), unreadable: true };
}

/** Columns every agency's table has; shown in their own places, never as an extra column. */
export const CERTAIN_COLUMNS: readonly string[] = ['id', 'agency_id', 'has_recording', 'created_at', 'ultravox_call_id'];

/** The columns `CallRow` names; anything else in `extra` is an agency's own column. */
export const KNOWN_COLUMNS: ReadonlySet<string> = new Set([
  'id',
  'agency_id',
  'has_recording',
  'created_at',
  'ultravox_call_id',
  'started_at',
  'ended_at',
  'duration_seconds',
  'direction',
  'from_number',
  'to_number',
  'status',
  'agent_name',
  'downloaded',
]);

/** At most this many extra columns in the table (all of them are in the detail). */
export const MAX_EXTRA_COLUMNS = 4;

/**
 * The agency's own columns, discovered from a page: keys of `extra` that are not a known column's
 * unreadable raw value, in first-seen order.
 */
export function extraColumns(rows: readonly CallRow[], max = MAX_EXTRA_COLUMNS, schema: CallSchema | null = null): string[] {
  if (schema !== null) {
    // The table's own columns no field is read from (a mapped column's raw value is in its cell).
    return schema.columns
      .filter((c) => c.field === null && !CERTAIN_COLUMNS.includes(c.name))
      .map((c) => c.name)
      .slice(0, max);
  }
  const found: string[] = [];
  for (const row of rows) {
    const extra = row.extra as Record<string, unknown> | null | undefined;
    if (!extra || typeof extra !== 'object') continue;
    for (const key of Object.keys(extra)) {
      if (KNOWN_COLUMNS.has(key) || found.includes(key)) continue;
      found.push(key);
      if (found.length >= max) return found;
    }
  }
  return found;
}

export const EMPTY = '—';

/** Any value, as one line of text: "—" for nothing, JSON (clipped) for objects. */
export function formatValue(value: unknown, max = 120): string {
  if (value === null || value === undefined || value === '') return EMPTY;
  let text: string;
  if (typeof value === 'string') text = value;
  else if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') text = String(value);
  else {
    try {
      // undefined for a function or a symbol, whatever the type says.
      const json = JSON.stringify(value) as string | undefined;
      text = json ?? EMPTY;
    } catch {
      text = EMPTY;
    }
  }
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

const dateFormat = new Intl.DateTimeFormat('en-GB', {
  year: 'numeric',
  month: 'short',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
});

/** An RFC 3339 timestamp in the user's time zone; "—" for none or one that does not parse. */
export function formatDate(value: string | null | undefined): string {
  if (typeof value !== 'string' || value === '') return EMPTY;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? EMPTY : dateFormat.format(ms);
}

/** Seconds as `m:ss` or `h:mm:ss`; "—" for none or a nonsense value. */
export function formatDuration(seconds: number | null | undefined): string {
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0) return EMPTY;
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${rest}` : `${m}:${rest}`;
}

const countFormat = new Intl.NumberFormat('en-US');

/** "12,345 calls", "1 call". */
export function formatTotal(total: number): string {
  return `${countFormat.format(total)} ${total === 1 ? 'call' : 'calls'}`;
}

/** A text field of a row that may be missing, null or of the wrong type in odd schemas. */
export function text(value: unknown): string {
  return typeof value === 'string' && value !== '' ? value : EMPTY;
}

/** How the player bar names a call: its date and who called. */
export function callTitle(row: CallRow): string {
  return `${formatDate(row.createdAt)} · ${text(row.fromNumber)}`;
}

/** True only for a real `true` (a missing or unreadable flag is not a yes). */
export function flag(value: unknown): boolean {
  return value === true;
}

/** The statuses offered in the filter: common ones plus any seen in the rows, sorted. */
export function statusOptions(rows: readonly CallRow[], common: readonly string[] = COMMON_STATUSES): string[] {
  const set = new Set(common);
  for (const row of rows) {
    const s = row.status as unknown;
    if (typeof s === 'string' && s !== '') set.add(s);
  }
  return [...set].sort();
}

export const COMMON_STATUSES: readonly string[] = ['completed', 'failed', 'missed', 'voicemail'];
export const DIRECTIONS: readonly string[] = ['inbound', 'outbound'];
