// A scripted stand-in for the Tauri shell, built on `mockIPC` from @tauri-apps/api/mocks.
//
// Used by `npm run dev:mock` (see main.ts: only in a dev server started with --mode mock) and by
// the Chromium tests (tests/browser/mock-entry.ts, injected before the app boots). Never part of
// the production bundle: the browser tests check that.

import { mockIPC } from '@tauri-apps/api/mocks';
import type { AppInfo } from '../lib/bindings/AppInfo';
import type { ProjectStatus } from '../lib/bindings/ProjectStatus';

/** One scripted answer: a value, or the raw rejection the shell would send (any shape). */
export type MockReply<T> = { ok: T } | { err: unknown };

export interface MockScenario {
  appInfo: MockReply<AppInfo>;
  /** Answers to successive `probe_project` calls; the last one repeats. */
  probe: MockReply<ProjectStatus>[];
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
  };

  mockIPC(async (cmd, args) => {
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
      default:
        // What Tauri itself answers for a command it does not know.
        // eslint-disable-next-line @typescript-eslint/only-throw-error
        throw `command ${cmd} not found`;
    }
  });

  return control;
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
