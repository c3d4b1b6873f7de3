// The typed IPC layer: the only module in the UI that talks to the Tauri shell.
//
// Every command rejects with a `CommandError` carrying a stable `code`, so screens branch on
// codes, never on message text. Payload types come from the Rust types (ts-rs, in ./bindings).

import { Channel, invoke } from '@tauri-apps/api/core';
import { listen } from '@tauri-apps/api/event';
import type { AppInfo } from './bindings/AppInfo';
import type { CallAnalysis } from './bindings/CallAnalysis';
import type { CallReviews } from './bindings/CallReviews';
import type { CheckResult } from './bindings/CheckResult';
import type { BulkQueued } from './bindings/BulkQueued';
import type { OpenCall } from './bindings/OpenCall';
import type { CallPage } from './bindings/CallPage';
import type { OpenedCall } from './bindings/OpenedCall';
import type { CallQuery } from './bindings/CallQuery';
import type { Cursor } from './bindings/Cursor';
import type { DownloadAction } from './bindings/DownloadAction';
import type { DownloadRecord } from './bindings/DownloadRecord';
import type { IpcError } from './bindings/IpcError';
import type { KeyringInfo } from './bindings/KeyringInfo';
import type { LibraryUsage } from './bindings/LibraryUsage';
import type { NoteKind } from './bindings/NoteKind';
import type { PlayerEvent } from './bindings/PlayerEvent';
import type { WaveformEvent } from './bindings/WaveformEvent';
import type { PlayerPreferences } from './bindings/PlayerPreferences';
import type { Progress } from './bindings/Progress';
import type { ProjectStatus } from './bindings/ProjectStatus';
import type { Recording } from './bindings/Recording';
import type { ReviewStatus } from './bindings/ReviewStatus';
import type { SessionNotice } from './bindings/SessionNotice';
import type { SessionState } from './bindings/SessionState';
import type { SessionUser } from './bindings/SessionUser';
import type { SyncStatus } from './bindings/SyncStatus';
import type { PlayerControl } from './player';

export type { AppInfo, IpcError, KeyringInfo, ProjectStatus, SessionNotice, SessionState, SessionUser };

/** `signedOut`, `signedIn` or `offline` (signed in, from the saved session, project not reached). */
export type SessionStatus = SessionState['status'];

/**
 * `sign_in`'s arguments. `supabaseUrl` and `anonKey` are left out to keep the configured ones.
 * The password goes straight to the shell: nothing in the UI keeps it.
 */
export interface SignInArgs {
  supabaseUrl?: string;
  anonKey?: string;
  email: string;
  password: string;
}

/**
 * Codes the UI itself assigns when a rejection did not come from a command as an `IpcError`.
 * Command codes (`not_configured`, `unreachable`, ...) are defined by the Rust side.
 */
export const ClientCode = {
  /** No Tauri IPC in this page: the UI is open in a plain browser, not in the app. */
  IpcUnavailable: 'ipc_unavailable',
  /** The IPC layer itself refused the call (unknown command, bad arguments, not permitted). */
  Ipc: 'ipc',
  /** The rejection was neither an `IpcError` nor a message: nothing we can explain. */
  Unknown: 'unknown',
} as const;

/** A failed command: `code` is stable and meant for branching, `message` is for people. */
export class CommandError extends Error {
  override readonly name = 'CommandError';
  readonly code: string;
  readonly command: string;

  constructor(command: string, code: string, message: string) {
    super(message);
    this.code = code;
    this.command = command;
  }
}

/** True for a well-formed `IpcError`: `{ code: string, message: string }` with a non-empty code. */
export function isIpcError(value: unknown): value is IpcError {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as { code?: unknown; message?: unknown };
  return typeof v.code === 'string' && v.code !== '' && typeof v.message === 'string';
}

const MAX_DETAIL = 300;

function clip(text: string): string {
  return text.length > MAX_DETAIL ? `${text.slice(0, MAX_DETAIL)}…` : text;
}

/** Maps whatever a rejected `invoke` produced to a `CommandError`. Never throws. */
export function toCommandError(command: string, raw: unknown): CommandError {
  if (raw instanceof CommandError) return raw;
  if (isIpcError(raw)) {
    return new CommandError(command, raw.code, raw.message || raw.code);
  }
  // An object with a code but no usable message still keeps its code.
  if (typeof raw === 'object' && raw !== null) {
    const { code } = raw as { code?: unknown };
    if (typeof code === 'string' && code !== '') {
      return new CommandError(command, code, `${command} failed (${code})`);
    }
  }
  // Tauri's own rejections (unknown command, invalid arguments, not allowed) are plain strings.
  if (typeof raw === 'string') {
    const text = raw.trim();
    return new CommandError(command, ClientCode.Ipc, text === '' ? `${command} failed` : clip(text));
  }
  if (raw instanceof Error) {
    return new CommandError(command, ClientCode.Ipc, clip(raw.message || `${command} failed`));
  }
  return new CommandError(command, ClientCode.Unknown, `${command} failed with an unexpected error`);
}

function hasTauriIpc(): boolean {
  const w = globalThis as { __TAURI_INTERNALS__?: { invoke?: unknown } };
  return typeof w.__TAURI_INTERNALS__?.invoke === 'function';
}

/** Invokes a command and maps any rejection to a `CommandError`. */
export async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  if (!hasTauriIpc()) {
    throw new CommandError(
      command,
      ClientCode.IpcUnavailable,
      'The Callrec shell is not available: this page is not running inside the app.',
    );
  }
  try {
    return await invoke<T>(command, args);
  } catch (raw) {
    throw toCommandError(command, raw);
  }
}

/** The shell's commands, one typed function each. */
export const commands = {
  appInfo: (): Promise<AppInfo> => call<AppInfo>('app_info'),
  probeProject: (): Promise<ProjectStatus> => call<ProjectStatus>('probe_project'),
  sessionState: (): Promise<SessionState> => call<SessionState>('session_state'),
  signIn: (args: SignInArgs): Promise<SessionState> => call<SessionState>('sign_in', { ...args }),
  signOut: (): Promise<SessionState> => call<SessionState>('sign_out'),
  /** One page of calls: `cursor` null for the first (which carries the total), else the last page's `next`. */
  /** The `callrec://call/<id>` link the app was started with, once (then null). */
  takeOpenCall: (): Promise<OpenCall | null> => call<OpenCall | null>('take_open_call'),
  listCalls: (query: CallQuery, cursor: Cursor | null): Promise<CallPage> =>
    call<CallPage>('list_calls', { query, cursor }),
  /** One call by its id (deep links, the call pane); from the library offline. */
  openCall: (callId: string): Promise<OpenedCall> => call<OpenedCall>('open_call', { callId }),
  /** Both recording endpoints' answers for a call, merged (issue 5). Segments carry no URL. */
  callRecordings: (callId: string): Promise<Recording> => call<Recording>('call_recordings', { callId }),
  /** Queues every segment of a call for download; answers the queued records. */
  downloadCall: (callId: string): Promise<DownloadRecord[]> => call<DownloadRecord[]>('download_call', { callId }),
  /** Queues one segment of a call (its index on the timeline); one already downloaded is answered as done. */
  downloadSegment: (callId: string, recordingId: string): Promise<DownloadRecord> =>
    call<DownloadRecord>('download_segment', { callId, recordingId }),
  /** Queues every call of the list's filter that has a recording (at most `limit`, 1000 when null). */
  downloadMatching: (query: CallQuery, limit: number | null = null): Promise<BulkQueued> =>
    call<BulkQueued>('download_matching', { query, limit }),
  /** How many calls of the list's filter have a recording; null when the shell has no count. */
  countMatching: (query: CallQuery): Promise<number | null> => call<number | null>('count_matching', { query }),
  controlDownload: (callId: string, index: number, action: DownloadAction): Promise<null> =>
    call<null>('control_download', { callId, index, action }),
  /** Calls `handler` with every `Progress` message; resolves once subscribed, with a stop function. */
  watchDownloads: (handler: (progress: Progress) => void): Promise<Unlisten> =>
    subscribe('watch_downloads', 'onProgress', handler),
  libraryUsage: (): Promise<LibraryUsage> => call<LibraryUsage>('library_usage'),
  /** Sets the played recordings' cache limit (MB) and evicts down to it; answers the usage. */
  setCacheLimit: (megabytes: number): Promise<LibraryUsage> =>
    call<LibraryUsage>('set_cache_limit', { megabytes }),
  /** Deletes a call's downloaded files; answers how many were removed. */
  removeCallFiles: (callId: string): Promise<number> => call<number>('remove_call_files', { callId }),
  /** Asks for a folder (OS dialog) and copies the call's files there; null when the dialog was cancelled. */
  exportCallFiles: (callId: string): Promise<string[] | null> =>
    call<string[] | null>('export_call_files', { callId }),
  showCallFiles: (callId: string): Promise<null> => call<null>('show_call_files', { callId }),
  /** Loads a call's segments as one timeline (local files first) and plays from `from` seconds. */
  playCall: (callId: string, from: number | null = null): Promise<null> => call<null>('play_call', { callId, from }),
  /** Who is silent when: each channel's speech, the silences, the agent's latency per turn. */
  analyzeCall: (callId: string): Promise<CallAnalysis> => call<CallAnalysis>('analyze_call', { callId }),
  /** Puts `callrec://call/<id>?t=<at>` on the clipboard (written by the shell); returns it. */
  copyMomentLink: (callId: string, at: number): Promise<string> => call<string>('copy_moment_link', { callId, at }),
  playerControl: (control: PlayerControl): Promise<null> => call<null>('player_control', { control }),
  /** Calls `handler` with every `PlayerEvent`; resolves once subscribed, with a stop function. */
  watchPlayer: (handler: (event: PlayerEvent) => void): Promise<Unlisten> =>
    subscribe('watch_player', 'onEvent', handler),
  /** Calls `handler` with every `WaveformEvent` (the played call's peaks so far first). */
  watchWaveform: (handler: (event: WaveformEvent) => void): Promise<Unlisten> =>
    subscribe('watch_waveform', 'onEvent', handler),
  /** The remembered speed and output device, and the devices there are now. */
  playerPreferences: (): Promise<PlayerPreferences> => call<PlayerPreferences>('player_preferences'),
  /** Plays on `name` from now on (null: the system default) and remembers it. */
  setOutputDevice: (name: string | null): Promise<null> => call<null>('set_output_device', { name }),
  /** The call's reviews: this reviewer's, the others' (last sync), every note, the scorecard, the sync. */
  callReviews: (callId: string): Promise<CallReviews> => call<CallReviews>('call_reviews', { callId }),
  setReviewStatus: (callId: string, status: ReviewStatus): Promise<CallReviews> =>
    call<CallReviews>('set_review_status', { callId, status }),
  /** Answers one check of the scorecard; `result` null clears the answer (and its comment). */
  answerCheck: (callId: string, checkId: string, result: CheckResult | null, comment: string | null): Promise<CallReviews> =>
    call<CallReviews>('answer_check', { callId, checkId, result, comment }),
  /** A note or bookmark at `atMs` on the call's clock (a span to `endMs`); a bookmark's body is empty. */
  addNote: (note: NewNote): Promise<CallReviews> => call<CallReviews>('add_note', { ...note }),
  /** Deletes one of this reviewer's notes (a tombstone, shared as such). */
  deleteNote: (callId: string, noteId: string): Promise<CallReviews> =>
    call<CallReviews>('delete_note', { callId, noteId }),
  /** Pushes the outbox and pulls the others' reviews now; answers where the sync stands. */
  syncReviews: (): Promise<SyncStatus> => call<SyncStatus>('sync_reviews'),
  /** Asks where to save (OS dialog) and writes every review there; the path, or null when cancelled. */
  exportReviews: (): Promise<string | null> => call<string | null>('export_reviews'),
};

/** `add_note`'s arguments. */
export interface NewNote {
  callId: string;
  kind: NoteKind;
  /** Milliseconds on the call's clock. */
  atMs: number;
  /** The end of a span (≥ `atMs`); null for a moment. */
  endMs: number | null;
  /** The note's text; empty for a bookmark. */
  body: string;
}

/**
 * Opens a Tauri channel for a `watch_*` command: the shell keeps sending on it until the UI
 * drops it. Stopping drops our handler, so later messages go nowhere.
 */
// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- ties the channel's messages to the handler
async function subscribe<T>(command: string, argName: string, handler: (message: T) => void): Promise<Unlisten> {
  // `new Channel` needs the IPC (it registers a callback): check first, as `call` does.
  if (!hasTauriIpc()) {
    throw new CommandError(
      command,
      ClientCode.IpcUnavailable,
      'The Callrec shell is not available: this page is not running inside the app.',
    );
  }
  let stopped = false;
  const channel = new Channel<T>((message) => {
    if (!stopped) handler(message);
  });
  await call<null>(command, { [argName]: channel });
  return () => {
    if (stopped) return;
    stopped = true;
    channel.onmessage = () => undefined;
  };
}

export type Commands = typeof commands;

/** Events the shell emits, by name. */
export const EventName = {
  /** The session changed on its own (e.g. the refresh token was revoked). Payload: `SessionState`. */
  SessionChanged: 'session-changed',
  /** A deep link asks to open a call. Payload: `{ callId: string }`. */
  OpenCall: 'open-call',
  /** A background sync of the reviews ended. Payload: `SyncStatus` (not relied on). */
  ReviewsSynced: 'reviews-synced',
} as const;

/** True for a payload shaped like `SessionState` (events are not type-checked on the way in). */
export function isSessionState(value: unknown): value is SessionState {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Partial<Record<keyof SessionState, unknown>>;
  return (
    (v.status === 'signedOut' || v.status === 'signedIn' || v.status === 'offline') &&
    typeof v.keyring === 'object' &&
    v.keyring !== null
  );
}

/** Stops listening; safe to call more than once. */
export type Unlisten = () => void;

/**
 * A channel subscription a store holds: `start` subscribes once (later calls share the first);
 * a failed subscription is reported to `onError` and may be tried again; `stop` unsubscribes.
 */
export class ChannelWatch<T> {
  readonly #command: string;
  readonly #subscribe: (handler: (message: T) => void) => Promise<Unlisten>;
  #stop: Unlisten | null = null;
  #starting: Promise<void> | null = null;

  constructor(command: string, subscribe: (handler: (message: T) => void) => Promise<Unlisten>) {
    this.#command = command;
    this.#subscribe = subscribe;
  }

  /** True once the subscription is in place (until `stop`). */
  get subscribed(): boolean {
    return this.#stop !== null;
  }

  start(handler: (message: T) => void, onError: (error: CommandError) => void): Promise<void> {
    this.#starting ??= (async () => {
      try {
        this.#stop = await this.#subscribe(handler);
      } catch (err) {
        onError(toCommandError(this.#command, err));
        this.#starting = null;
      }
    })();
    return this.#starting;
  }

  stop(): void {
    this.#stop?.();
    this.#stop = null;
    this.#starting = null;
  }
}

/**
 * Calls `handler` with every `session-changed` payload. Outside the app there are no events:
 * resolves with a no-op. Payloads that are not a `SessionState` are dropped.
 */
/** Calls `handler` after each background sync of the reviews (the shell's `AutoSync`). */
export async function onReviewsSynced(handler: () => void): Promise<Unlisten> {
  if (!hasTauriIpc()) return () => undefined;
  return listen<unknown>(EventName.ReviewsSynced, () => {
    handler();
  });
}

export async function onSessionChanged(handler: (state: SessionState) => void): Promise<Unlisten> {
  if (!hasTauriIpc()) return () => undefined;
  let stopped = false;
  const unlisten = await listen<unknown>(EventName.SessionChanged, (event) => {
    if (!stopped && isSessionState(event.payload)) handler(event.payload);
  });
  return () => {
    if (stopped) return;
    stopped = true;
    unlisten();
  };
}

/** The event source the session store listens to (a fake one in unit tests). */
export interface SessionEvents {
  onSessionChanged: typeof onSessionChanged;
}

/** The id in an `open-call` payload, or null when the payload is not `{ callId: non-empty string }`. */
export function openCallId(payload: unknown): string | null {
  if (typeof payload !== 'object' || payload === null) return null;
  const { callId } = payload as { callId?: unknown };
  return typeof callId === 'string' && callId.trim() !== '' ? callId.trim() : null;
}

/** The moment an `open-call` payload names (`callrec://call/<id>?t=83.5`), if a sane one. */
export function openCallAt(payload: unknown): number | null {
  if (typeof payload !== 'object' || payload === null) return null;
  const { at } = payload as { at?: unknown };
  return typeof at === 'number' && Number.isFinite(at) && at >= 0 ? at : null;
}

/**
 * Calls `handler` with the call id of every `open-call` event (deep links). Outside the app:
 * a no-op. Malformed payloads are dropped.
 */
export async function onOpenCall(handler: (callId: string, at: number | null) => void): Promise<Unlisten> {
  if (!hasTauriIpc()) return () => undefined;
  let stopped = false;
  const unlisten = await listen<unknown>(EventName.OpenCall, (event) => {
    const id = openCallId(event.payload);
    if (!stopped && id !== null) handler(id, openCallAt(event.payload));
  });
  return () => {
    if (stopped) return;
    stopped = true;
    unlisten();
  };
}
