// The session as the UI knows it: what the shell says (`session_state`, `sign_in`, `sign_out` and
// the `session-changed` event), the last failed attempt, and a rate limit's countdown.
//
// The webview never sees a token, and the password only passes through `submit` to the shell:
// nothing here keeps it. The one thing remembered across launches is the last email signed in
// with (and the project it was for), in localStorage.

import { mark } from '../marks';
import {
  commands,
  CommandError,
  onSessionChanged,
  toCommandError,
  type Commands,
  type SessionEvents,
  type SessionState,
  type SessionStatus,
  type SessionUser,
  type Unlisten,
} from '../ipc';
import { buildSignInRequest, parseRetryAfter, SignInCode, type LastSignIn, type SignInForm } from '../signin';

export type SessionApi = Pick<Commands, 'sessionState' | 'signIn' | 'signOut'>;

/** Where the last email is remembered (localStorage in the app). */
export type KeyValueStore = Pick<Storage, 'getItem' | 'setItem'>;

/** The localStorage key of the last sign-in: `{ url, email }`, never anything else. */
export const LAST_SIGN_IN_KEY = 'callrec.lastSignIn';

export interface SessionStoreOptions {
  api?: SessionApi;
  events?: SessionEvents;
  /** null: remember nothing. Defaults to localStorage when there is one. */
  storage?: KeyValueStore | null;
}

function defaultStorage(): KeyValueStore | null {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage;
  } catch {
    // Storage can be switched off; the app works without it.
    return null;
  }
}

function readLastSignIn(storage: KeyValueStore | null): LastSignIn | null {
  try {
    const raw = storage?.getItem(LAST_SIGN_IN_KEY);
    if (!raw) return null;
    const value = JSON.parse(raw) as { url?: unknown; email?: unknown } | null;
    if (typeof value !== 'object' || value === null || typeof value.email !== 'string' || value.email === '') {
      return null;
    }
    return { url: typeof value.url === 'string' ? value.url : null, email: value.email };
  } catch {
    return null;
  }
}

export class SessionStore {
  /** What the shell last said; null until `session_state` answers. */
  state: SessionState | null = $state(null);
  /** `session_state` failed: the UI shows the sign-in form, with this error above it. */
  loadError: CommandError | null = $state(null);
  /** Listening to `session-changed` failed: the session still works, events are missed. */
  listenError: CommandError | null = $state(null);
  signingIn = $state(false);
  signingOut = $state(false);
  /** The last failed attempt (a `sign_in` rejection or a missing field); null after a new one starts. */
  error: CommandError | null = $state(null);
  /** The project URL that attempt was for, named in messages. */
  errorUrl: string | null = $state(null);
  signOutError: CommandError | null = $state(null);
  /** Seconds before a rate-limited sign-in may be tried again; 0 when there is no wait. */
  waitSeconds = $state(0);
  /** The last email signed in with, for the form to prefill. */
  lastSignIn: LastSignIn | null = $state(null);
  /** The email of the user just signed out (by Sign out or by the shell), in memory only. */
  previousEmail: string | null = $state(null);

  readonly #api: SessionApi;
  readonly #events: SessionEvents;
  readonly #storage: KeyValueStore | null;
  /** Bumped by every state applied, so a late `session_state` answer cannot undo a newer one. */
  #version = 0;
  #unlisten: Unlisten | null = null;
  #disposed = false;
  #retryAt = 0;
  #timer: ReturnType<typeof setInterval> | null = null;

  constructor(options: SessionStoreOptions = {}) {
    this.#api = options.api ?? commands;
    this.#events = options.events ?? { onSessionChanged };
    this.#storage = options.storage === undefined ? defaultStorage() : options.storage;
    this.lastSignIn = readLastSignIn(this.#storage);
  }

  /**
   * `unknown` until the shell answers. A failed `session_state` counts as signed out: the form
   * is the one place to go from there.
   */
  get status(): SessionStatus | 'unknown' {
    if (this.state) return this.state.status;
    return this.loadError ? 'signedOut' : 'unknown';
  }

  /** Signed in, online or from the saved session while offline. */
  get signedIn(): boolean {
    return this.status === 'signedIn' || this.status === 'offline';
  }

  get user(): SessionUser | null {
    return this.signedIn ? (this.state?.user ?? null) : null;
  }

  /** The keyring's warning (e.g. the keyutils fallback), shown once signed in. */
  get keyringWarning(): string | null {
    const warning = this.state?.keyring.warning?.trim();
    return warning === undefined || warning === '' ? null : warning;
  }

  /** Asks the shell for the session it restored from the OS keyring at startup. */
  async load(): Promise<void> {
    const version = this.#version;
    try {
      const state = await this.#api.sessionState();
      // A `session-changed` event or a sign-in that arrived meanwhile is newer: keep it.
      if (this.#version === version) this.#apply(state);
    } catch (err) {
      if (this.#version === version) this.loadError = toCommandError('session_state', err);
    }
  }

  /** Follows `session-changed`. Call once; `dispose` stops it. */
  async listen(): Promise<void> {
    try {
      const unlisten = await this.#events.onSessionChanged((state) => {
        this.#apply(state);
      });
      if (this.#disposed) unlisten();
      else this.#unlisten = unlisten;
    } catch (err) {
      this.listenError = toCommandError('listen', err);
    }
  }

  dispose(): void {
    this.#disposed = true;
    this.#unlisten?.();
    this.#unlisten = null;
    this.#stopCountdown();
  }

  /**
   * Signs in with what the form holds; true when signed in. The URL and anon key are sent only to
   * change them (see `buildSignInRequest`). Ignored while an attempt or a rate limit's wait runs.
   */
  async submit(form: SignInForm, configuredUrl: string | null): Promise<boolean> {
    if (this.signingIn || this.waitSeconds > 0) return false;
    const request = buildSignInRequest(form, configuredUrl);
    this.error = null;
    if (!request.ok) {
      this.errorUrl = configuredUrl;
      this.error = new CommandError('sign_in', request.code, request.code);
      return false;
    }
    const url = request.args.supabaseUrl ?? configuredUrl;
    this.errorUrl = url;
    this.signingIn = true;
    try {
      const state = await this.#api.signIn(request.args);
      this.#apply(state);
      if (state.status === 'signedOut') {
        this.error = new CommandError('sign_in', 'not_signed_in', 'sign_in answered, but the session is signed out');
        return false;
      }
      this.#remember({ url, email: request.args.email });
      return true;
    } catch (err) {
      const error = toCommandError('sign_in', err);
      this.error = error;
      if (error.code === SignInCode.RateLimited) {
        const seconds = parseRetryAfter(error.message);
        if (seconds !== null) this.#startCountdown(seconds);
      }
      return false;
    } finally {
      this.signingIn = false;
    }
  }

  async signOut(): Promise<void> {
    if (this.signingOut) return;
    this.signingOut = true;
    this.signOutError = null;
    try {
      this.#apply(await this.#api.signOut());
    } catch (err) {
      this.signOutError = toCommandError('sign_out', err);
    } finally {
      this.signingOut = false;
    }
  }

  #apply(state: SessionState): void {
    this.#version += 1;
    const before = this.user;
    // For the benchmark (tests/bench/calls.mjs): signed in → first page of calls rendered.
    if (before === null && state.status !== 'signedOut') mark('callrec:signed-in');
    if (before && state.status === 'signedOut') this.previousEmail = before.email;
    this.state = state;
    this.loadError = null;
    if (state.status !== 'signedOut') {
      // Signed in: what went wrong before no longer applies.
      this.error = null;
      this.signOutError = null;
      this.#stopCountdown();
    }
  }

  #remember(last: LastSignIn): void {
    this.lastSignIn = last;
    try {
      this.#storage?.setItem(LAST_SIGN_IN_KEY, JSON.stringify({ url: last.url, email: last.email }));
    } catch {
      // Full or switched off: only the prefill is lost.
    }
  }

  #startCountdown(seconds: number): void {
    this.#stopCountdown();
    this.#retryAt = Date.now() + seconds * 1000;
    this.waitSeconds = seconds;
    this.#timer = setInterval(() => {
      this.#tick();
    }, 250);
  }

  #tick(): void {
    const left = Math.ceil((this.#retryAt - Date.now()) / 1000);
    if (left <= 0) this.#stopCountdown();
    else if (left !== this.waitSeconds) this.waitSeconds = left;
  }

  #stopCountdown(): void {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
    this.waitSeconds = 0;
  }
}
