// The scripted shell's `list_calls`: a deterministic synthetic dataset (row i is always the same
// call, generated on demand, so 100,000 calls cost nothing until asked for), with the filters,
// sorts and keyset paging applied here as the shell would. Dev and tests only (see mock-ipc.ts).

import type { CallPage } from '../lib/bindings/CallPage';
import type { CallQuery } from '../lib/bindings/CallQuery';
import type { CallRow } from '../lib/bindings/CallRow';
import type { CallSchema } from '../lib/bindings/CallSchema';
import type { Column } from '../lib/bindings/Column';
import type { OpenedCall } from '../lib/bindings/OpenedCall';
import type { Cursor } from '../lib/bindings/Cursor';
import type { ReviewStatus } from '../lib/bindings/ReviewStatus';

/** This reviewer's status and score of each call (mock-reviews.ts): the rows' columns and the
 * `review` filter; `version` changes with them. */
export interface ReviewLookup {
  version: number;
  of(callId: string): { status: ReviewStatus; score: number | null };
}

export interface CallsScenario {
  /** How many synthetic calls the project has. */
  count?: number;
  /**
   * Rows sent as they are, any shape (odd schemas), instead of the synthetic ones. Paged, but not
   * filtered.
   */
  rows?: unknown[];
  /** Where the pages say they come from; `remote` when absent. */
  source?: 'remote' | 'offline';
  /** Rejections of successive `list_calls` calls (the shell's raw error); null or past the end: answer. */
  errors?: unknown[];
  /** Extra delay of successive `list_calls` calls, in ms. */
  delays?: number[];
  /** Later pages start this many rows early, as when new calls arrive at the top while paging. */
  overlap?: number;
  /** `skipped` on every page (rows the shell could not show). */
  skipped?: number;
  /** The table the pages say they were read with; the full one when absent. */
  schema?: CallSchema;
  /** Synthetic calls carry a transcript (JSON turns with times, or the magpipe table's inline
   * `Agent: … Caller: …` text), a summary and a sentiment; none when absent. */
  transcripts?: 'json' | 'speakers';
}

const column = (name: string, kind: Column['kind'], field: Column['field'] = null): Column => ({ name, kind, field });
const CERTAIN: Column[] = [
  column('agency_id', 'uuid'),
  column('created_at', 'time'),
  column('has_recording', 'boolean'),
  column('id', 'uuid'),
  column('ultravox_call_id', 'text'),
];
const ALL_SORTS: CallSchema['offers']['sorts'] = ['dateDesc', 'dateAsc', 'durationDesc', 'durationAsc'];

/** The table the synthetic calls come from (the backend's `full` shape). */
export const FULL_SCHEMA: CallSchema = {
  columns: [
    ...CERTAIN,
    column('agent_name', 'text', 'agent'),
    column('direction', 'text', 'direction'),
    column('duration_seconds', 'number', 'duration'),
    column('ended_at', 'time', 'ended'),
    column('from_number', 'text', 'from'),
    column('started_at', 'time', 'started'),
    column('status', 'text', 'status'),
    column('to_number', 'text', 'to'),
  ],
  learned: true,
  offers: {
    sorts: ALL_SORTS,
    filters: ['direction', 'status'],
    search: ['from_number', 'to_number', 'agent_name', 'status', 'direction'],
  },
};

/** The backend's `minimal` shape: the certain columns and `duration`. */
export const MINIMAL_SCHEMA: CallSchema = {
  columns: [...CERTAIN, column('duration', 'number', 'duration')],
  learned: true,
  offers: { sorts: ALL_SORTS, filters: [], search: [] },
};

const BASE_MS = Date.parse('2026-11-20T18:00:00Z');
/** Seconds between consecutive synthetic calls: 100,000 calls span about 112 days. */
const STEP_S = 97;
const STATUSES = ['completed', 'completed', 'missed', 'voicemail', 'failed'] as const;
const AGENTS = ['Ana Lima', 'Ben Okafor', 'Chloé Martin', 'Dev Patel', 'Eva Novak', 'Farid Haddad'] as const;

/** The synthetic call number `i` (0 = newest). */
export function syntheticCall(i: number): CallRow {
  const createdMs = BASE_MS - i * STEP_S * 1000;
  const duration = i % 53 === 7 ? null : 15 + ((i * 7919) % 1800);
  const hasRecording = i % 4 !== 3;
  return {
    id: `c0000000-0000-4000-8000-${i.toString(16).padStart(12, '0')}`,
    agencyId: 'a9f1c2d4-0000-4000-8000-000000000001',
    hasRecording,
    downloaded: hasRecording && i % 10 === 0,
    worstLatency: null,
    reviewStatus: 'unreviewed',
    score: null,
    createdAt: new Date(createdMs).toISOString(),
    ultravoxCallId: `uv-${String(i).padStart(6, '0')}`,
    startedAt: new Date(createdMs).toISOString(),
    endedAt: duration === null ? null : new Date(createdMs + duration * 1000).toISOString(),
    durationSeconds: duration,
    direction: i % 3 === 0 ? 'outbound' : 'inbound',
    fromNumber: `+1555${String(i).padStart(7, '0')}`,
    toNumber: `+1444${String((i * 31) % 10_000_000).padStart(7, '0')}`,
    status: STATUSES[i % STATUSES.length] ?? 'completed',
    agentName: AGENTS[i % AGENTS.length] ?? null,
    transcript: null,
    summary: null,
    sentiment: null,
    extra: {},
    invalid: [],
  };
}

/** Synthetic call `i` with the scenario's transcript, summary and sentiment (when it asks). */
function call(scenario: CallsScenario | undefined, i: number): CallRow {
  const row = syntheticCall(i);
  const kind = scenario?.transcripts;
  if (!kind) return row;
  const agent = row.agentName ?? 'the assistant';
  const transcript =
    kind === 'json'
      ? JSON.stringify([
          { role: 'agent', text: `Thanks for calling, this is ${agent}.`, start: 0.5 },
          { role: 'user', text: `Hi, I am calling about my order ${String(i)}.`, start: 4 },
          { role: 'agent', text: 'Let me check that order for you.', start: 12.5 },
          { role: 'user', text: 'Thank you, it was a refund.', start: 20 },
        ])
      : `Agent: Thanks for calling, this is ${agent}. Caller: Hi, I am calling from ${row.fromNumber ?? ''} about my appointment.`;
  return {
    ...row,
    transcript,
    summary: `Caller asked about order ${String(i)}; resolved.`,
    sentiment: ['positive', 'neutral', 'negative'][i % 3] ?? null,
  };
}

/** Rejects as the shell does: with its serialized `{ code, message }`, not an Error. */
function rejectWith(code: string, message: string): never {
  // eslint-disable-next-line @typescript-eslint/only-throw-error
  throw { code, message };
}

function dayOrTime(value: string | null, fallback: number): number {
  if (value === null || value === '') return fallback;
  const ms = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : value);
  if (Number.isNaN(ms)) rejectWith('invalid_query', `not a date: ${value}`);
  return ms;
}

function matches(
  row: CallRow,
  q: CallQuery,
  since: number,
  until: number,
  search: string,
  reviews: ReviewLookup | undefined,
): boolean {
  if (q.review !== null && (reviews?.of(row.id).status ?? 'unreviewed') !== q.review) return false;
  const created = Date.parse(row.createdAt ?? '');
  if (created < since || created >= until) return false;
  if (q.hasRecording !== null && row.hasRecording !== q.hasRecording) return false;
  if (q.downloaded !== null && row.downloaded !== q.downloaded) return false;
  if (q.direction !== null && row.direction !== q.direction) return false;
  if (q.status !== null && row.status !== q.status) return false;
  if (search !== '') {
    const haystack = [row.id, row.fromNumber, row.toNumber, row.agentName, row.ultravoxCallId]
      .join('\n')
      .toLowerCase();
    if (!haystack.includes(search)) return false;
  }
  return true;
}

interface Ordered {
  order: Int32Array;
  /** Position in `order` of synthetic call i, -1 when filtered out. */
  position: Int32Array;
}

const cache = new Map<string, Ordered>();

/** The synthetic calls matching `q`, in its sort order (cached per query). */
function ordered(count: number, q: CallQuery, reviews: ReviewLookup | undefined): Ordered {
  const key = JSON.stringify([
    count,
    q.sort,
    q.since,
    q.until,
    q.hasRecording,
    q.downloaded,
    q.direction,
    q.status,
    q.search,
    q.review,
    q.review === null ? 0 : (reviews?.version ?? 0),
  ]);
  const hit = cache.get(key);
  if (hit) return hit;
  const unfiltered =
    q.since === null && q.until === null && q.hasRecording === null &&
    q.downloaded === null &&
    q.direction === null &&
    q.status === null &&
    q.review === null;
  if (unfiltered && (q.search ?? '').trim() === '' && (q.sort === 'dateDesc' || q.sort === 'dateAsc')) {
    // Every call in date order: no need to generate 100,000 rows to know it (keeps the mock's
    // own cost out of the first page's timing).
    const order = new Int32Array(count);
    const position = new Int32Array(count);
    for (let p = 0; p < count; p += 1) {
      const i = q.sort === 'dateDesc' ? p : count - 1 - p;
      order[p] = i;
      position[i] = p;
    }
    const result = { order, position };
    cache.set(key, result);
    return result;
  }
  const since = dayOrTime(q.since, -Infinity);
  const until = dayOrTime(q.until, Infinity);
  const search = (q.search ?? '').trim().toLowerCase();
  const picked: number[] = [];
  const durations = new Map<number, number | null>();
  for (let i = 0; i < count; i += 1) {
    const row = syntheticCall(i);
    if (!matches(row, q, since, until, search, reviews)) continue;
    picked.push(i);
    if (q.sort === 'durationAsc' || q.sort === 'durationDesc') durations.set(i, row.durationSeconds);
  }
  if (q.sort === 'dateAsc') picked.reverse();
  if (q.sort === 'durationAsc' || q.sort === 'durationDesc') {
    const dir = q.sort === 'durationAsc' ? 1 : -1;
    picked.sort((a, b) => {
      const da = durations.get(a) ?? null;
      const db = durations.get(b) ?? null;
      // No duration sorts last either way; ties newest first.
      if (da === null || db === null) return da === db ? a - b : da === null ? 1 : -1;
      return da === db ? a - b : (da - db) * dir;
    });
  }
  const order = Int32Array.from(picked);
  const position = new Int32Array(count).fill(-1);
  order.forEach((i, pos) => {
    position[i] = pos;
  });
  const result = { order, position };
  if (cache.size > 32) cache.clear();
  cache.set(key, result);
  return result;
}

function cursorOf(row: CallRow, sort: CallQuery['sort']): Cursor {
  return { sort, createdAt: row.createdAt ?? '', id: row.id, durationSeconds: row.durationSeconds };
}

function limitOf(q: CallQuery): number {
  return q.limit <= 0 ? 50 : Math.min(q.limit, 1000);
}

/** A row with this reviewer's status and score, as the library sets them. */
function reviewed(row: CallRow, reviews: ReviewLookup | undefined): CallRow {
  if (!reviews) return row;
  const { status, score } = reviews.of(row.id);
  return { ...row, reviewStatus: status, score };
}

/** `list_calls` as the shell answers it. */
export function listCalls(scenario: CallsScenario | undefined, args: unknown, reviews?: ReviewLookup): CallPage {
  const { query, cursor } = (args ?? {}) as { query?: CallQuery; cursor?: Cursor | null };
  if (!query) rejectWith('invalid_query', 'mock: list_calls without a query');
  const source = scenario?.source ?? 'remote';
  const skipped = scenario?.skipped ?? 0;
  const limit = limitOf(query);
  const overlap = cursor ? (scenario?.overlap ?? 0) : 0;

  if (scenario?.rows) {
    const rows = scenario.rows as CallRow[];
    const after = cursor ? rows.findIndex((r) => (r as { id?: unknown }).id === cursor.id) + 1 : 0;
    const start = Math.max(0, after - overlap);
    const page = rows.slice(start, start + limit);
    const last = page.at(-1);
    const more = start + limit < rows.length && last !== undefined;
    return {
      rows: page,
      next: more ? cursorOf(last, query.sort) : null,
      total: cursor ? null : rows.length,
      skipped,
      source,
      schema: scenario.schema ?? FULL_SCHEMA,
    };
  }

  const { order, position } = ordered(scenario?.count ?? 0, query, reviews);
  let start = 0;
  if (cursor) {
    const i = parseInt(cursor.id.slice(-12), 16);
    const pos = Number.isInteger(i) ? (position[i] ?? -1) : -1;
    if (pos < 0) rejectWith('invalid_query', `mock: unknown cursor ${cursor.id}`);
    start = Math.max(0, pos + 1 - overlap);
  }
  const end = Math.min(order.length, start + limit);
  const rows: CallRow[] = [];
  for (let p = start; p < end; p += 1) rows.push(reviewed(call(scenario, order[p] ?? 0), reviews));
  const last = rows.at(-1);
  return {
    rows,
    next: end < order.length && last ? cursorOf(last, query.sort) : null,
    total: cursor ? null : order.length,
    skipped,
    source,
    schema: scenario?.schema ?? FULL_SCHEMA,
  };
}

/** `open_call` as the shell answers it: the call read by its id, or `call_not_found`. */
export function openCall(scenario: CallsScenario | undefined, args: unknown, reviews?: ReviewLookup): OpenedCall {
  const id = (args as { callId?: unknown } | null)?.callId;
  if (typeof id !== 'string') rejectWith('invalid_query', 'mock: open_call without a callId');
  const schema = scenario?.schema ?? FULL_SCHEMA;
  const source = scenario?.source ?? 'remote';
  if (scenario?.rows) {
    const row = (scenario.rows as CallRow[]).find((r) => (r as { id?: unknown }).id === id);
    if (row) return { row, source, schema };
  } else {
    const i = parseInt(id.slice(-12), 16);
    if (id.startsWith('c0000000-') && Number.isInteger(i) && i < (scenario?.count ?? 0)) {
      return { row: reviewed(call(scenario, i), reviews), source, schema };
    }
  }
  rejectWith('call_not_found', `no call ${id} in this project`);
}
