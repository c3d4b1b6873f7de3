// The isolation application's hook (ui/isolation/index.js), run as Tauri runs it: a script
// that sets `window.__TAURI_ISOLATION_HOOK__`, given each IPC message before it is encrypted.
import { beforeAll, describe, expect, it } from 'vitest';
import source from '../../isolation/index.js?raw';

type Hook = (payload: { cmd: string; callback: number; error: number; payload: unknown }) => unknown;

let hook: Hook;

beforeAll(() => {
  const fakeWindow: { __TAURI_ISOLATION_HOOK__?: Hook } = {};
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  const run = new Function('window', source) as (window: object) => void;
  run(fakeWindow);
  if (!fakeWindow.__TAURI_ISOLATION_HOOK__) throw new Error('the script set no hook');
  hook = fakeWindow.__TAURI_ISOLATION_HOOK__;
});

const message = (cmd: string, payload: unknown) => ({ cmd, callback: 1, error: 2, payload });

describe('the isolation hook', () => {
  it("passes Callrec's commands through unchanged", () => {
    for (const m of [
      message('export_call_files', { callId: 'c1' }),
      message('list_calls', { query: { search: 'folder', sort: 'date_desc' }, cursor: null }),
      message('player_control', { control: { type: 'seek', seconds: 3 } }),
    ]) {
      expect(hook(m)).toBe(m);
    }
  });

  it('refuses a path, at any depth, from the webview', () => {
    expect(() => hook(message('export_call_files', { callId: 'c1', folder: '/etc' }))).toThrow(/refused/);
    expect(() => hook(message('play_call', { callId: 'c1', options: { nested: { path: '/x' } } }))).toThrow(/refused/);
  });

  it("leaves Tauri's own plugin commands to their own checks", () => {
    const m = message('plugin:event|listen', { event: 'open-call', handler: 3, target: { kind: 'Any' } });
    expect(hook(m)).toBe(m);
  });
});
