// The review queue (issue 15): "Review these" (or a random sample of them) on the list's filter
// makes a list of call ids, fetched through `list_calls`' paging and bounded; the calls then play
// one after another, the next one when the player says a call ended (after the pause the
// reviewer chose, none by default). The ids, the position and the filter's description are kept
// in localStorage (`callrec.queue`), so the queue survives a restart.

import type { CallPage, CallQuery, Cursor } from '../calls';
import { commands, toCommandError, type CommandError } from '../ipc';
import { browserStorage, store, type KeyValueStorage } from '../storage';

export const QUEUE_KEY = 'callrec.queue';
/** A queue holds at most this many calls (a day's review is far fewer). */
export const MAX_QUEUE = 500;
const MAX_DESCRIPTION = 200;

export interface QueueSnapshot {
  ids: string[];
  /** Index of the current call in `ids`. */
  position: number;
  /** What the queue was made from, e.g. "inbound, completed (sample of 10)". */
  description: string;
  /** The last call ended: the queue is done, and stays until stopped. */
  finished: boolean;
}

/** `n` of `items` picked at random, none twice, in their order in `items`. */
export function sampleOf<T>(items: readonly T[], n: number, random: () => number = Math.random): T[] {
  const count = Math.max(0, Math.min(items.length, Math.floor(n)));
  // A partial Fisher–Yates over the indexes: each pick is uniform among those not taken.
  const indexes = items.map((_, i) => i);
  for (let i = 0; i < count; i += 1) {
    const j = i + Math.floor(random() * (indexes.length - i));
    const a = indexes[i] ?? 0;
    indexes[i] = indexes[j] ?? 0;
    indexes[j] = a;
  }
  return indexes
    .slice(0, count)
    .sort((a, b) => a - b)
    .map((i) => items[i] as T);
}

/** A stored queue, or null when there is none or it is unreadable; ids de-duplicated and capped. */
export function parseQueue(raw: string | null): QueueSnapshot | null {
  if (raw === null) return null;
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch {
    return null;
  }
  if (typeof v !== 'object' || v === null) return null;
  const o = v as Record<string, unknown>;
  if (!Array.isArray(o.ids)) return null;
  const strings = (o.ids as unknown[]).slice(0, MAX_QUEUE * 4).filter((id): id is string => typeof id === 'string' && id !== '');
  const ids = strings.filter((id, i) => strings.indexOf(id) === i).slice(0, MAX_QUEUE);
  if (ids.length === 0) return null;
  const position = typeof o.position === 'number' && Number.isInteger(o.position) ? o.position : 0;
  return {
    ids,
    position: Math.max(0, Math.min(ids.length - 1, position)),
    description: typeof o.description === 'string' ? o.description.slice(0, MAX_DESCRIPTION) : '',
    finished: o.finished === true,
  };
}

export interface QueueApi {
  listCalls(query: CallQuery, cursor: Cursor | null): Promise<CallPage>;
}

/** The ids of the query's calls, in its order, page after page, at most `max`. */
export async function collectIds(api: QueueApi, query: CallQuery, max: number): Promise<string[]> {
  // eslint-disable-next-line svelte/prefer-svelte-reactivity -- local, never rendered
  const seen = new Set<string>();
  let cursor: Cursor | null = null;
  // Bounded even if the shell kept answering with new cursors and no rows.
  for (let pages = 0; pages < 50 && seen.size < max; pages += 1) {
    const page: CallPage = await api.listCalls({ ...query, limit: Math.min(1000, max) }, cursor);
    for (const row of page.rows) {
      if (seen.size >= max) break;
      seen.add(row.id);
    }
    if (page.next === null || JSON.stringify(page.next) === JSON.stringify(cursor)) break;
    cursor = page.next;
  }
  return [...seen];
}

export interface QueueOptions {
  api?: QueueApi;
  storage?: KeyValueStorage | null;
  /** Opens and plays a call of the queue (the workspace). */
  play: (callId: string) => void;
}

export class QueueStore {
  ids: string[] = $state.raw([]);
  position = $state(0);
  description = $state('');
  finished = $state(false);
  /** Fetching the filter's ids. */
  building = $state(false);
  /** Fetching failed, or the filter had no calls (`queue_empty`). */
  error: CommandError | null = $state(null);
  /** Seconds left of the pause before the next call; null when not pausing. */
  waiting: number | null = $state(null);

  readonly #api: QueueApi;
  readonly #storage: KeyValueStorage | null;
  readonly #play: (callId: string) => void;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #seq = 0;

  constructor(options: QueueOptions) {
    this.#api = options.api ?? { listCalls: commands.listCalls };
    this.#storage = options.storage === undefined ? browserStorage() : options.storage;
    this.#play = options.play;
  }

  get active(): boolean {
    return this.ids.length > 0;
  }

  get current(): string | null {
    return this.ids[this.position] ?? null;
  }

  /** "12 of 40". */
  get progress(): string {
    return `${String(this.position + 1)} of ${String(this.ids.length)}`;
  }

  /** The queue kept from last time; its current call's id (not played), or null. */
  restore(): string | null {
    const snapshot = parseQueue(this.#storage?.getItem(QUEUE_KEY) ?? null);
    if (!snapshot) return null;
    this.ids = snapshot.ids;
    this.position = snapshot.position;
    this.description = snapshot.description;
    this.finished = snapshot.finished;
    return this.current;
  }

  /**
   * A queue of the query's calls (at most MAX_QUEUE of them), or of `sample` of those picked at
   * random; its first call plays. A newer build or a stop while fetching wins.
   */
  async build(query: CallQuery, description: string, sample: number | null = null): Promise<void> {
    this.#seq += 1;
    const seq = this.#seq;
    this.building = true;
    this.error = null;
    let ids: string[];
    try {
      ids = await collectIds(this.#api, query, MAX_QUEUE);
    } catch (err) {
      if (seq === this.#seq) {
        this.error = toCommandError('list_calls', err);
        this.building = false;
      }
      return;
    }
    if (seq !== this.#seq) return;
    this.building = false;
    if (sample !== null) ids = sampleOf(ids, sample);
    if (ids.length === 0) {
      this.error = toCommandError('list_calls', { code: 'queue_empty', message: 'No calls match this filter.' });
      return;
    }
    this.#cancelWait();
    this.ids = ids;
    this.position = 0;
    this.finished = false;
    const suffix = sample !== null ? ` (random ${String(ids.length)})` : '';
    this.description = `${description}${suffix}`.slice(0, MAX_DESCRIPTION);
    this.#save();
    this.#play(ids[0] ?? '');
  }

  /** The next call plays; after the last one, the queue is finished. False when none is next. */
  next(): boolean {
    this.#cancelWait();
    if (!this.active) return false;
    if (this.position >= this.ids.length - 1) {
      this.finished = true;
      this.#save();
      return false;
    }
    this.position += 1;
    this.finished = false;
    this.#save();
    this.#play(this.current ?? '');
    return true;
  }

  /** The previous call plays. False at the first. */
  previous(): boolean {
    this.#cancelWait();
    if (!this.active || this.position === 0) return false;
    this.position -= 1;
    this.finished = false;
    this.#save();
    this.#play(this.current ?? '');
    return true;
  }

  /** The player says `callId` ended: the next call plays, after `pauseSeconds` when set. */
  ended(callId: string | null, pauseSeconds: number): void {
    if (!this.active || this.finished || callId !== this.current || this.waiting !== null) return;
    if (this.position >= this.ids.length - 1 || !(pauseSeconds > 0)) {
      this.next();
      return;
    }
    this.waiting = Math.ceil(pauseSeconds);
    const tick = (): void => {
      this.waiting = (this.waiting ?? 1) - 1;
      if (this.waiting <= 0) this.next();
      else this.#timer = setTimeout(tick, 1000);
    };
    this.#timer = setTimeout(tick, 1000);
  }

  /** Ends the queue and forgets it. */
  stop(): void {
    this.#seq += 1;
    this.#cancelWait();
    this.building = false;
    this.error = null;
    this.ids = [];
    this.position = 0;
    this.description = '';
    this.finished = false;
    store(this.#storage, QUEUE_KEY, null);
  }

  dispose(): void {
    this.#cancelWait();
  }

  #cancelWait(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    this.waiting = null;
  }

  #save(): void {
    const snapshot: QueueSnapshot = {
      ids: this.ids,
      position: this.position,
      description: this.description,
      finished: this.finished,
    };
    store(this.#storage, QUEUE_KEY, JSON.stringify(snapshot));
  }
}
