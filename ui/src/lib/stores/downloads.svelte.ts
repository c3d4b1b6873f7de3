// The download queue as the UI sees it (issue 7): every item's progress from the shell's
// `watch_downloads` channel, the totals, the library's size on disk, and the reviewer's actions.

import {
  isActive,
  itemKey,
  mergeItems,
  recordToProgress,
  type DownloadAction,
  type DownloadRecord,
  type ItemProgress,
  type LibraryUsage,
  type Progress,
} from '../downloads';
import type { BulkQueued } from '../bindings/BulkQueued';
import type { CallQuery } from '../bindings/CallQuery';
import { commands, toCommandError, type CommandError, type Unlisten } from '../ipc';

export interface DownloadsApi {
  downloadCall(callId: string): Promise<DownloadRecord[]>;
  downloadSegment(callId: string, recordingId: string): Promise<DownloadRecord>;
  downloadMatching(query: CallQuery, limit: number | null): Promise<BulkQueued>;
  controlDownload(callId: string, index: number, action: DownloadAction): Promise<unknown>;
  watchDownloads(handler: (progress: Progress) => void): Promise<Unlisten>;
  libraryUsage(): Promise<LibraryUsage>;
  setCacheLimit(megabytes: number): Promise<LibraryUsage>;
  removeCallFiles(callId: string): Promise<number>;
  exportCallFiles(callId: string): Promise<string[] | null>;
  showCallFiles(callId: string): Promise<unknown>;
}

/** The outcome of the last file action, shown next to the buttons. */
export interface FilesNotice {
  callId: string;
  tone: 'ok' | 'error';
  text: string;
  code?: string;
}

export class DownloadsStore {
  items: ItemProgress[] = $state.raw([]);
  /** Sums over the unfinished items, from the last message. */
  bytes = $state(0);
  total: number | null = $state(null);
  rate = $state(0);
  etaSeconds: number | null = $state(null);
  usage: LibraryUsage | null = $state(null);
  /** Why the last cache limit was refused (Settings shows it by its code). */
  cacheError: CommandError | null = $state(null);
  /** A cache limit is being set. */
  cacheSaving = $state(false);
  /** The last failure of a queue action (download, control, watch). */
  error: CommandError | null = $state(null);
  notice: FilesNotice | null = $state(null);
  /** What the last "Download all" queued, shown in the panel until the next one. */
  bulk: BulkQueued | null = $state(null);
  /** The panel is open (the header's button, or a bulk download just queued). */
  panelOpen = $state(false);
  /** Calls whose every item finished in this session, or that were removed (false). */
  localState: Record<string, boolean> = $state({});

  readonly #api: DownloadsApi;
  /**
   * Calls of which only some segments were asked for: their items finishing says nothing of
   * the whole call (the list's own `downloaded` answers that on its next page).
   */
  // Never rendered: a plain set on purpose.
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  readonly #partial = new Set<string>();
  #stop: Unlisten | null = null;
  /** Counts the usage reads (and limits set): a read's answer is kept only if nothing came since. */
  #usageRequest = 0;
  #starting: Promise<void> | null = null;
  // Not rendered: who is told when a call is found on disk or removed (the call list).
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  readonly #localHandlers = new Set<(callId: string, onDisk: boolean) => void>();

  constructor(api?: DownloadsApi) {
    this.#api = api ?? {
      downloadCall: commands.downloadCall,
      downloadSegment: commands.downloadSegment,
      downloadMatching: commands.downloadMatching,
      controlDownload: commands.controlDownload,
      watchDownloads: commands.watchDownloads,
      libraryUsage: commands.libraryUsage,
      setCacheLimit: commands.setCacheLimit,
      removeCallFiles: commands.removeCallFiles,
      exportCallFiles: commands.exportCallFiles,
      showCallFiles: commands.showCallFiles,
    };
  }

  /** Items still queued, running or paused. */
  get active(): ItemProgress[] {
    return this.items.filter((i) => isActive(i.state));
  }

  itemsFor(callId: string): ItemProgress[] {
    return this.items.filter((i) => i.callId === callId);
  }

  /** Subscribes to progress (once) and reads the library's size. */
  start(): Promise<void> {
    this.#starting ??= (async () => {
      try {
        this.#stop = await this.#api.watchDownloads((p) => {
          this.apply(p);
        });
      } catch (err) {
        this.error = toCommandError('watch_downloads', err);
        this.#starting = null;
      }
      await this.refreshUsage();
    })();
    return this.#starting;
  }

  dispose(): void {
    this.#stop?.();
    this.#stop = null;
    this.#starting = null;
  }

  /**
   * Calls `handler` each time `localState` learns of a call (all its items done: true; its files
   * removed: false), so the call list can mark its row without reading the list again. Returns
   * the unsubscribe.
   */
  onLocalState(handler: (callId: string, onDisk: boolean) => void): () => void {
    this.#localHandlers.add(handler);
    return () => {
      this.#localHandlers.delete(handler);
    };
  }

  /** One message from the channel. */
  apply(progress: Progress): void {
    // Local to this call, never rendered: plain collections on purpose.
    // eslint-disable-next-line svelte/prefer-svelte-reactivity
    const before = new Map(this.items.map((i) => [itemKey(i), i.state] as const));
    this.items = mergeItems(this.items, Array.isArray(progress.items) ? progress.items : []);
    this.bytes = progress.bytes;
    this.total = progress.total;
    this.rate = progress.rate;
    this.etaSeconds = progress.etaSeconds;
    // A call whose last item just finished: it is on disk now.
    // eslint-disable-next-line svelte/prefer-svelte-reactivity
    const finished = new Set<string>();
    for (const item of progress.items) {
      if (item.state === 'done' && before.get(itemKey(item)) !== 'done') finished.add(item.callId);
    }
    let grew = false;
    for (const callId of finished) {
      if (!this.#partial.has(callId) && this.itemsFor(callId).every((i) => i.state === 'done')) {
        this.#setLocal(callId, true);
        grew = true;
      }
    }
    if (grew) void this.refreshUsage();
  }

  async download(callId: string): Promise<void> {
    this.error = null;
    try {
      const records = await this.#api.downloadCall(callId);
      this.#partial.delete(callId);
      this.items = mergeItems(this.items, records.map(recordToProgress));
      if (records.length > 0 && records.every((r) => r.state === 'done')) this.#setLocal(callId, true);
    } catch (err) {
      this.error = toCommandError('download_call', err);
    }
  }

  /** Queues one recording of a call (the rest of the call is left as it is). */
  async downloadSegment(callId: string, recordingId: string): Promise<void> {
    this.error = null;
    try {
      const record = await this.#api.downloadSegment(callId, recordingId);
      if (this.localState[callId] !== true) this.#partial.add(callId);
      this.items = mergeItems(this.items, [recordToProgress(record)]);
    } catch (err) {
      this.error = toCommandError('download_segment', err);
    }
  }

  /**
   * Queues every call of the list's filter that has a recording, then opens the panel, where
   * the items arrive through the progress channel. False when the shell refused.
   */
  async downloadMatching(query: CallQuery, limit: number | null = null): Promise<boolean> {
    this.error = null;
    try {
      this.bulk = await this.#api.downloadMatching(query, limit);
      this.panelOpen = true;
      return true;
    } catch (err) {
      this.error = toCommandError('download_matching', err);
      return false;
    }
  }

  async control(callId: string, index: number, action: DownloadAction): Promise<void> {
    this.error = null;
    try {
      await this.#api.controlDownload(callId, index, action);
    } catch (err) {
      this.error = toCommandError('control_download', err);
    }
  }

  async refreshUsage(): Promise<void> {
    const request = ++this.#usageRequest;
    let usage: LibraryUsage | null;
    try {
      usage = await this.#api.libraryUsage();
    } catch {
      // The size is a nicety: the panel says "size unknown" rather than an error.
      usage = null;
    }
    if (request === this.#usageRequest) this.usage = usage;
  }

  /**
   * Sets the played recordings' cache limit (whole MB; the shell evicts down to it) and keeps
   * the usage it answers. False when refused: `cacheError` says why.
   */
  async setCacheLimit(megabytes: number): Promise<boolean> {
    // A usage read still under way predates the new limit: its answer is dropped.
    this.#usageRequest += 1;
    this.cacheError = null;
    this.cacheSaving = true;
    try {
      this.usage = await this.#api.setCacheLimit(Math.round(megabytes));
      return true;
    } catch (err) {
      this.cacheError = toCommandError('set_cache_limit', err);
      return false;
    } finally {
      this.cacheSaving = false;
    }
  }

  async remove(callId: string): Promise<void> {
    try {
      const n = await this.#api.removeCallFiles(callId);
      this.#setLocal(callId, false);
      this.items = this.items.filter((i) => i.callId !== callId);
      this.notice = { callId, tone: 'ok', text: n === 1 ? 'Removed 1 file.' : `Removed ${n} files.` };
      await this.refreshUsage();
    } catch (err) {
      const e = toCommandError('remove_call_files', err);
      this.notice = { callId, tone: 'error', text: `Could not remove the files: ${e.message}`, code: e.code };
    }
  }

  /** The one place `localState` changes, so every listener hears of each change. */
  #setLocal(callId: string, onDisk: boolean): void {
    this.localState = { ...this.localState, [callId]: onDisk };
    for (const handler of this.#localHandlers) handler(callId, onDisk);
  }

  async exportFiles(callId: string): Promise<void> {
    try {
      const written = await this.#api.exportCallFiles(callId);
      // null: the reviewer closed the folder dialog; nothing to say.
      if (written === null) {
        this.notice = null;
        return;
      }
      this.notice = {
        callId,
        tone: 'ok',
        text: written.length === 1 ? `Exported ${written[0] ?? ''}` : `Exported ${written.length} files.`,
      };
    } catch (err) {
      const e = toCommandError('export_call_files', err);
      this.notice = { callId, tone: 'error', text: `Could not export: ${e.message}`, code: e.code };
    }
  }

  async show(callId: string): Promise<void> {
    try {
      await this.#api.showCallFiles(callId);
    } catch (err) {
      const e = toCommandError('show_call_files', err);
      this.notice = { callId, tone: 'error', text: `Could not show the files: ${e.message}`, code: e.code };
    }
  }
}
