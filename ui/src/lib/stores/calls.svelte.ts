// The call list's state: the filters, the rows loaded so far (page after page, de-duplicated by
// id), the total, where the rows came from, the selection, and the errors.
//
// Every query (first load, filter or sort change, retry) takes a new sequence number; an answer
// for an older one is dropped, so a slow response can never overwrite a newer query's rows.

import { tick } from 'svelte';
import { mark } from '../marks';
import type { CallSource } from '../bindings/CallSource';
import {
  appendPage,
  COMMON_STATUSES,
  DEFAULT_FILTERS,
  extraColumns,
  FIRST_PAGE_SIZE,
  NEXT_PAGE_SIZE,
  statusOptions,
  toQuery,
  sameQuery,
  type CallFilters,
  type CallPage,
  type CallQuery,
  type CallRow,
  type CallSchema,
  type Cursor,
  type OpenedCall,
} from '../calls';
import { commands, toCommandError, type CommandError } from '../ipc';

export interface CallsApi {
  listCalls(query: CallQuery, cursor: Cursor | null): Promise<CallPage>;
  /** How many calls of a query have a recording ("Download all N"); without it N is only known
   * when the filter itself asks for a recording. */
  countMatching?(query: CallQuery): Promise<number | null>;
  /** One call by its id (read by id, never searched for); `call_not_found` when there is none. */
  openCall(callId: string): Promise<OpenedCall>;
}

/** What the list follows of the download queue (`DownloadsStore.onLocalState`). */
export interface LocalStateSource {
  onLocalState(handler: (callId: string, onDisk: boolean) => void): () => void;
}

export type ListStatus = 'loading' | 'ready' | 'error';

export interface CallListOptions {
  api?: CallsApi;
  /** How long the search box waits for typing to pause before querying. */
  debounceMs?: number;
  /** Performance marks for the benchmark (`callrec:query`, `callrec:rows-rendered`). */
  marks?: boolean;
}

export const SEARCH_DEBOUNCE_MS = 200;

export class CallListStore {
  /** The filters in effect (the search box's text joins after the debounce). */
  filters: CallFilters = $state({ ...DEFAULT_FILTERS });
  /** What the search box shows, applied to `filters.search` after the debounce. */
  searchText = $state('');
  /** Loaded rows, in order. `raw`: 100,000 rows must not each become a proxy. */
  rows: CallRow[] = $state.raw([]);
  /** Calls matching the filters, from the first page; null when the shell did not say. */
  total: number | null = $state(null);
  /** Of those, the calls with a recording ("Download all N"); null while unknown. */
  recordedTotal: number | null = $state(null);
  source: CallSource | null = $state(null);
  /** Rows the shell could not show (no id), over all pages. */
  skipped = $state(0);
  status: ListStatus = $state('loading');
  /** The first page failed: the list shows this and a retry. */
  error: CommandError | null = $state(null);
  /** A later page failed: the rows stay, the end of the list offers a retry. */
  moreError: CommandError | null = $state(null);
  loadingMore = $state(false);
  hasMore = $state(false);
  /** The project's `calls` table as the last page showed it: what the list shows and offers;
   * null before the first page. */
  schema: CallSchema | null = $state.raw(null);
  /** The agency's own columns, from the first page. */
  columns: string[] = $state.raw([]);
  statuses: string[] = $state.raw([...COMMON_STATUSES]);
  /** Index of the selected row; -1 for none. */
  selected = $state(-1);
  /** Bumped when a new query's first page arrives: the list scrolls back to the top. */
  generation = $state(0);
  /** The list's scroll position, kept while the detail screen is open (not reactive). */
  scrollTop = 0;

  readonly #api: CallsApi;
  readonly #debounceMs: number;
  readonly #marks: boolean;
  #seq = 0;
  #query: CallQuery | null = null;
  #next: Cursor | null = null;
  // Never rendered, only for de-duplication: a plain Set on purpose.
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  #seen = new Set<string>();
  #timer: ReturnType<typeof setTimeout> | null = null;

  constructor(options: CallListOptions = {}) {
    this.#api = options.api ?? {
      listCalls: commands.listCalls,
      countMatching: commands.countMatching,
      openCall: commands.openCall,
    };
    this.#debounceMs = options.debounceMs ?? SEARCH_DEBOUNCE_MS;
    this.#marks = options.marks ?? true;
  }

  /** The query of the rows shown (what "Download all" sends); null before the first load. */
  get query(): CallQuery | null {
    return this.#query;
  }

  get selectedRow(): CallRow | null {
    return this.rows[this.selected] ?? null;
  }

  /** Loads the first page for the current filters (first load, retry, any change). */
  async load(): Promise<void> {
    this.#seq += 1;
    const seq = this.#seq;
    const query = toQuery(this.filters, FIRST_PAGE_SIZE);
    this.#query = query;
    this.#next = null;
    this.recordedTotal = null;
    this.status = 'loading';
    this.error = null;
    this.moreError = null;
    this.loadingMore = false;
    if (this.#marks) mark('callrec:query');
    let page: CallPage;
    try {
      page = await this.#api.listCalls(query, null);
      if (this.#marks) mark('callrec:answered');
    } catch (err) {
      if (seq !== this.#seq) return;
      this.error = toCommandError('list_calls', err);
      this.status = 'error';
      return;
    }
    if (seq !== this.#seq) return;
    // eslint-disable-next-line svelte/prefer-svelte-reactivity
    this.#seen = new Set();
    this.rows = appendPage([], this.#seen, page.rows);
    this.total = typeof page.total === 'number' ? page.total : null;
    this.source = page.source;
    this.skipped = page.skipped;
    this.#next = page.next;
    this.hasMore = page.next !== null;
    this.schema = page.schema;
    this.columns = extraColumns(this.rows, undefined, this.schema);
    this.statuses = statusOptions(this.rows, [...COMMON_STATUSES, ...(this.filters.status ? [this.filters.status] : [])]);
    this.selected = this.rows.length > 0 ? 0 : -1;
    this.scrollTop = 0;
    this.generation += 1;
    this.status = 'ready';
    void this.#countRecorded(seq, query);
    if (this.#marks && this.rows.length > 0) {
      // After Svelte has flushed the new rows into the DOM.
      void tick().then(() => {
        if (seq === this.#seq) mark('callrec:rows-rendered');
      });
    }
  }

  /** `recordedTotal` for this query: from the total when the filter decides it, else asked. */
  async #countRecorded(seq: number, query: CallQuery): Promise<void> {
    let count: number | null = null;
    if (query.downloaded === true) {
      count = 0; // every call shown is downloaded already: nothing to queue
    } else if (query.hasRecording === false) {
      count = 0;
    } else if (query.hasRecording === true && query.downloaded === null && this.total !== null) {
      count = this.total;
    } else if (this.#api.countMatching) {
      try {
        count = await this.#api.countMatching(query);
      } catch {
        // Only the button's number is missing: it still offers to download the filter.
        count = null;
      }
    }
    if (seq === this.#seq) this.recordedTotal = count;
  }

  /** Fetches the next page; at most one in flight, none after an error until `retryMore`. */
  async loadMore(): Promise<void> {
    const cursor = this.#next;
    const query = this.#query;
    if (this.status !== 'ready' || this.loadingMore || this.moreError || !cursor || !query) return;
    const seq = this.#seq;
    this.loadingMore = true;
    try {
      const page = await this.#api.listCalls({ ...query, limit: NEXT_PAGE_SIZE }, cursor);
      if (seq !== this.#seq) return;
      this.rows = appendPage(this.rows, this.#seen, page.rows);
      this.skipped += page.skipped;
      this.source = page.source;
      this.schema = page.schema;
      // The same cursor again would page forever: treat it as the end.
      const stuck = page.next !== null && JSON.stringify(page.next) === JSON.stringify(cursor);
      this.#next = stuck ? null : page.next;
      this.hasMore = this.#next !== null;
    } catch (err) {
      if (seq === this.#seq) this.moreError = toCommandError('list_calls', err);
    } finally {
      if (seq === this.#seq) this.loadingMore = false;
    }
  }

  retryMore(): Promise<void> {
    this.moreError = null;
    return this.loadMore();
  }

  /** Changes filters; queries again only when the query itself changes. */
  update(patch: Partial<CallFilters>): void {
    const next: CallFilters = { ...this.filters, ...patch };
    const changed = !sameQuery(next, this.filters);
    this.filters = next;
    if (changed) void this.load();
  }

  /** The search box's text; queried once typing pauses for the debounce. */
  setSearch(text: string): void {
    this.searchText = text;
    this.#clearTimer();
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.update({ search: text });
    }, this.#debounceMs);
  }

  /** Applies the search box now (Enter). */
  flushSearch(): void {
    if (this.#timer === null) return;
    this.#clearTimer();
    this.update({ search: this.searchText });
  }

  /** Back to all calls; the sort stays. */
  clearFilters(): void {
    this.#clearTimer();
    this.searchText = '';
    this.update({ ...DEFAULT_FILTERS, sort: this.filters.sort });
  }

  /**
   * This reviewer's status and score of a loaded call changed (the review panel): its row shows
   * them at once. The list is not asked again, so a call reviewed under a "Not reviewed yet"
   * filter stays where it is until the next query.
   */
  patchReview(callId: string, reviewStatus: CallRow['reviewStatus'], score: number | null): void {
    this.#patch(callId, { reviewStatus, score });
  }

  /**
   * A loaded call's files were all downloaded (or removed) on this computer: its row's
   * `downloaded`, the "Downloaded" badge, shows it at once. As with a review, the list is not
   * asked again, so the row stays under a "Not downloaded" filter until the next query.
   */
  patchDownloaded(callId: string, downloaded: boolean): void {
    this.#patch(callId, { downloaded });
  }

  /**
   * Keeps the rows' `downloaded` in step with the download queue (a finished download, a
   * removal), which only it hears of. Returns the unsubscribe.
   */
  followDownloads(downloads: LocalStateSource): () => void {
    return downloads.onLocalState((callId, onDisk) => {
      this.patchDownloaded(callId, onDisk);
    });
  }

  /** A new object for the one row that changes (rows are `raw`), none when nothing does. */
  #patch(callId: string, patch: Partial<CallRow>): void {
    const index = this.rows.findIndex((r) => r.id === callId);
    const row = this.rows[index];
    if (!row) return;
    const changed = (Object.keys(patch) as (keyof CallRow)[]).some((key) => row[key] !== patch[key]);
    if (!changed) return;
    const rows = this.rows.slice();
    rows[index] = { ...row, ...patch };
    this.rows = rows;
  }

  select(index: number): void {
    if (this.rows.length === 0) {
      this.selected = -1;
      return;
    }
    this.selected = Math.max(0, Math.min(this.rows.length - 1, index));
  }

  /**
   * The call with this id (or Ultravox call id), for a deep link: from the loaded rows, else read
   * by its id from the shell (from the library offline). Null when no call has it.
   */
  async findCall(id: string): Promise<CallRow | null> {
    const loaded = this.rows.find((r) => r.id === id || r.ultravoxCallId === id);
    if (loaded) return loaded;
    try {
      return (await this.#api.openCall(id)).row;
    } catch (err) {
      if (toCommandError('open_call', err).code === 'call_not_found') return null;
      throw err;
    }
  }

  dispose(): void {
    this.#clearTimer();
    // Answers still on their way are for a list no one shows.
    this.#seq += 1;
  }

  #clearTimer(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }
}
