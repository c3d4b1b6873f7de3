// A scripted stand-in for the Tauri shell, built on `mockIPC` from @tauri-apps/api/mocks.
//
// Used by `npm run dev:mock` (see main.ts: only in a dev server started with --mode mock) and by
// the Chromium tests (tests/browser/mock-entry.ts, injected before the app boots). Never part of
// the production bundle: the browser tests check that.

import { emit } from '@tauri-apps/api/event';
import { mockIPC } from '@tauri-apps/api/mocks';
import type { AppInfo } from '../lib/bindings/AppInfo';
import type { BulkQueued } from '../lib/bindings/BulkQueued';
import type { CallQuery } from '../lib/bindings/CallQuery';
import type { Cursor } from '../lib/bindings/Cursor';
import type { KeyringInfo } from '../lib/bindings/KeyringInfo';
import type { ProjectStatus } from '../lib/bindings/ProjectStatus';
import type { SessionState } from '../lib/bindings/SessionState';
import { listCalls, openCall, type CallsScenario, type ReviewLookup } from './mock-calls';
import { MockMedia, type MediaScenario } from './mock-media';
import { MockReviews, type ReviewsScenario } from './mock-reviews';
import type { PlayerEvent } from '../lib/bindings/PlayerEvent';
import type { Progress } from '../lib/bindings/Progress';
import type { WaveformEvent } from '../lib/bindings/WaveformEvent';

export type { CallsScenario, MediaScenario, ReviewsScenario };

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
  /** The calls `list_calls` serves (see mock-calls.ts); an empty project when absent. */
  calls?: CallsScenario;
  /** Recordings, downloads and the player (see mock-media.ts); sensible defaults when absent. */
  media?: MediaScenario;
  /** Reviews, notes, the scorecard and the sync (see mock-reviews.ts); none yet, local only, when absent. */
  reviews?: ReviewsScenario;
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
  /** Sends a `Progress` message on the `watch_downloads` channel; false before the UI subscribed. */
  progress(message: Progress): boolean;
  /** Sends a player event on the `watch_player` channel; false before the UI subscribed. */
  playerEvent(event: PlayerEvent): boolean;
  /** Sends a waveform batch on the `watch_waveform` channel; false before the UI subscribed. */
  waveformEvent(event: WaveformEvent): boolean;
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
  const media = new MockMedia(() => control.scenario.media);
  const reviews = new MockReviews(() => control.scenario.reviews);

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
    progress(message) {
      if (!media.progress) return false;
      media.progress.send(message);
      return true;
    },
    playerEvent(event) {
      if (!media.playerEvents) return false;
      media.playerEvents.send(event);
      return true;
    },
    waveformEvent(event) {
      if (!media.waveformEvents) return false;
      media.waveformEvents.send(event);
      return true;
    },
  };

  const handle = async (cmd: string, args: unknown): Promise<unknown> => {
    calls.push({ cmd, args });
    const nth = control.count(cmd) - 1;
    const s = control.scenario;
    if (s.delayMs !== undefined && s.delayMs > 0) await sleep(s.delayMs);
    if (gate) await gate.promise;
    if (cmd === 'list_calls') {
      const extra = s.calls?.delays?.[nth] ?? 0;
      if (extra > 0) await sleep(extra);
      const failure = s.calls?.errors?.[nth];
      // Rethrown as scripted: the shell's raw error value.
      // eslint-disable-next-line @typescript-eslint/only-throw-error
      if (failure !== undefined && failure !== null) throw failure;
      return listCalls(s.calls, args, reviews);
    }
    if (cmd === 'open_call') return openCall(s.calls, args, reviews);
    if (cmd === 'count_matching') return countMatching(s.calls, args, reviews);
    if (cmd === 'download_matching') {
      // eslint-disable-next-line @typescript-eslint/only-throw-error
      if (s.media?.bulkError !== undefined) throw s.media.bulkError;
      return downloadMatching(s.calls, args, reviews);
    }
    const mediaAnswer = media.handle(cmd, args);
    if (mediaAnswer) return mediaAnswer.value;
    const reviewsAnswer = reviews.handle(cmd, args);
    if (reviewsAnswer) return reviewsAnswer.value;
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
      case 'take_open_call':
        // The app was not started by a link.
        return null;
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

/** The query of a bulk command, as the shell reads it: only calls with a recording. */
function recordedQuery(args: unknown, limit: number): CallQuery {
  const query = (args as { query?: CallQuery } | undefined)?.query;
  // eslint-disable-next-line @typescript-eslint/only-throw-error
  if (!query) throw { code: 'invalid_query', message: 'mock: no query' };
  return { ...query, hasRecording: true, downloaded: null, limit };
}

/** `count_matching`: the first page's total of the filter's calls with a recording. */
function countMatching(calls: CallsScenario | undefined, args: unknown, reviews: ReviewLookup): number | null {
  return listCalls(calls, { query: recordedQuery(args, 1), cursor: null }, reviews).total;
}

/** `download_matching`: pages the filter as the shell does; downloaded calls are skipped and
 * every other call queues two segments (mock-media's default records). */
function downloadMatching(calls: CallsScenario | undefined, args: unknown, reviews: ReviewLookup): BulkQueued {
  const asked = (args as { limit?: number | null } | undefined)?.limit;
  const limit = typeof asked === 'number' ? Math.max(1, asked) : 1000;
  const query = recordedQuery(args, 1000);
  const result: BulkQueued = { queuedCalls: 0, skipped: 0, segments: 0 };
  let cursor: Cursor | null = null;
  let seen = 0;
  do {
    const page = listCalls(calls, { query, cursor }, reviews);
    for (const row of page.rows) {
      if (seen >= limit) break;
      seen += 1;
      if (row.downloaded) {
        result.skipped += 1;
      } else {
        result.queuedCalls += 1;
        result.segments += 2;
      }
    }
    cursor = page.next;
  } while (cursor !== null && seen < limit);
  return result;
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
