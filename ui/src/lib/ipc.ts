// The typed IPC layer: the only module in the UI that talks to the Tauri shell.
//
// Every command rejects with a `CommandError` carrying a stable `code`, so screens branch on
// codes, never on message text. Payload types come from the Rust types (ts-rs, in ./bindings).

import { invoke } from '@tauri-apps/api/core';
import { listen } from '@tauri-apps/api/event';
import type { AppInfo } from './bindings/AppInfo';
import type { IpcError } from './bindings/IpcError';
import type { KeyringInfo } from './bindings/KeyringInfo';
import type { ProjectStatus } from './bindings/ProjectStatus';
import type { SessionNotice } from './bindings/SessionNotice';
import type { SessionState } from './bindings/SessionState';
import type { SessionUser } from './bindings/SessionUser';

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
};

export type Commands = typeof commands;

/** Events the shell emits, by name. */
export const EventName = {
  /** The session changed on its own (e.g. the refresh token was revoked). Payload: `SessionState`. */
  SessionChanged: 'session-changed',
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
 * Calls `handler` with every `session-changed` payload. Outside the app there are no events:
 * resolves with a no-op. Payloads that are not a `SessionState` are dropped.
 */
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
