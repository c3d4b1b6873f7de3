// A scripted stand-in for the Tauri shell, built on `mockIPC` from @tauri-apps/api/mocks.
//
// Used by `npm run dev:mock` (see main.ts: only in a dev server started with --mode mock) and by
// the Chromium tests (tests/browser/mock-entry.ts, injected before the app boots). Never part of
// the production bundle: the browser tests check that.

import { emit } from '@tauri-apps/api/event';
import { mockIPC } from '@tauri-apps/api/mocks';
import type { AppInfo } from '../lib/bindings/AppInfo';
import type { KeyringInfo } from '../lib/bindings/KeyringInfo';
import type { ProjectStatus } from '../lib/bindings/ProjectStatus';
import type { SessionState } from '../lib/bindings/SessionState';

/** One scripted answer: a value, or the raw rejection the shell would send (any shape). */
export type MockReply<T> = { ok: T } | { err: unknown };

export interface MockScenario {
  appInfo: MockReply<AppInfo>;
  /** Answers to successive `probe_project` calls; the last one repeats. */
  probe: MockReply<ProjectStatus>[];
  /** `session_state`'s answer; signed out when absent. */
  session?: MockReply<SessionState>;
  /**
   * Answers to successive `sign_in` calls; the last one repeats. When absent, every sign-in
   * succeeds as the email given.
   */
  signIn?: MockReply<SessionState>[];
  /** `sign_out`'s answer; signed out (no notice) when absent. */
  signOut?: MockReply<SessionState>;
  /** Delay before every answer, in ms. */
  delayMs?: number;
}

export interface MockCall {
  cmd: string;
  args: unknown;
}

export interface MockControl {
  /** Mutable: a test may change what the next calls answer. */
  scenario: MockScenario;
  readonly calls: MockCall[];
  count(cmd: string): number;
  /** Holds every answer until `release()`, to look at in-between states. */
  hold(): void;
  release(): void;
  /** Emits an event to the app, as the shell does (e.g. `session-changed`). */
  emit(event: string, payload: unknown): Promise<void>;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function answer<T>(reply: MockReply<T> | undefined, cmd: string): T {
  if (reply === undefined) throw new Error(`mock: no answer scripted for ${cmd}`);
  if ('ok' in reply) return reply.ok;
  // Tauri rejects with the command's serialized error value as is: rethrow it unchanged.
  throw reply.err;
}

export function installMockIpc(scenario: MockScenario): MockControl {
  const calls: MockCall[] = [];
  let gate: { promise: Promise<void>; open: () => void } | null = null;

  const control: MockControl = {
    scenario,
    calls,
    count: (cmd) => calls.filter((c) => c.cmd === cmd).length,
    hold() {
      if (gate) return;
      let open = (): void => undefined;
      const promise = new Promise<void>((resolve) => {
        open = resolve;
      });
      gate = { promise, open };
    },
    release() {
      gate?.open();
      gate = null;
    },
    emit: (event, payload) => emit(event, payload),
  };

  const handle = async (cmd: string, args: unknown): Promise<unknown> => {
    calls.push({ cmd, args });
    const nth = control.count(cmd) - 1;
    const s = control.scenario;
    if (s.delayMs !== undefined && s.delayMs > 0) await sleep(s.delayMs);
    if (gate) await gate.promise;
    switch (cmd) {
      case 'app_info':
        return answer(s.appInfo, cmd);
      case 'probe_project':
        return answer(s.probe[Math.min(nth, s.probe.length - 1)], cmd);
      case 'session_state':
        return s.session ? answer(s.session, cmd) : signedOut();
      case 'sign_in':
        return s.signIn ? answer(s.signIn[Math.min(nth, s.signIn.length - 1)], cmd) : signedIn(emailOf(args));
      case 'sign_out':
        return s.signOut ? answer(s.signOut, cmd) : signedOut();
      default:
        // What Tauri itself answers for a command it does not know.
        // eslint-disable-next-line @typescript-eslint/only-throw-error
        throw `command ${cmd} not found`;
    }
  };
  // shouldMockEvents: `listen` and `emit` go to the mock's own event bus, not to `handle`.
  mockIPC(handle, { shouldMockEvents: true });

  return control;
}

function emailOf(args: unknown): string {
  const email = (args as { email?: unknown } | undefined)?.email;
  return typeof email === 'string' ? email : 'reviewer@example.com';
}

export const sampleKeyring: KeyringInfo = { backend: 'secret_service', persistent: true, warning: null };

/** The keyutils fallback: works, but the session does not survive a reboot. */
export const keyutilsKeyring: KeyringInfo = {
  backend: 'keyutils',
  persistent: false,
  warning:
    'No Secret Service keyring was found, so your session is kept in the kernel keyring and is lost when you log out or restart.',
};

export function signedOut(notice: SessionState['notice'] = null): SessionState {
  return { status: 'signedOut', user: null, notice, keyring: sampleKeyring };
}

export function signedIn(email: string, over: Partial<SessionState> = {}): SessionState {
  return {
    status: 'signedIn',
    user: { id: '7d5c3a9e-2f41-4c1b-9a61-0f3e8b2d4c10', email },
    notice: null,
    keyring: sampleKeyring,
    ...over,
  };
}

export const sampleInfo: AppInfo = {
  version: '0.1.0',
  demo: true,
  supabaseUrl: 'http://127.0.0.1:54321',
  functionsUrl: 'http://127.0.0.1:54321/functions/v1',
  demoEmail: 'reviewer@demo.callrec.example',
  dataDir: '/home/reviewer/.local/share/callrec',
};

export const sampleStatus: ProjectStatus = {
  authService: 'GoTrue',
  authVersion: 'v2.170.0',
  restReachable: true,
  latencyMs: 42,
};
