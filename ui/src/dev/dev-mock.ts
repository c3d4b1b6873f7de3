// `npm run dev:mock`: the UI in a plain browser with a scripted shell.
// Pick the probe's answer with ?probe=<code> (not_configured, unreachable, not_supabase,
// server_error, garbage) and ?demo=0 for a non-demo project.

import { installMockIpc, sampleInfo, sampleStatus, type MockControl } from './mock-ipc';

export function installDevMock(): MockControl {
  const params = new URLSearchParams(window.location.search);
  const code = params.get('probe');
  const demo = params.get('demo') !== '0';
  const info = demo
    ? sampleInfo
    : { ...sampleInfo, demo: false, demoEmail: null, supabaseUrl: 'https://abcdefghijklmnop.supabase.co' };
  const probe =
    code === null || code === 'ok'
      ? { ok: sampleStatus }
      : code === 'garbage'
        ? { err: 42 }
        : { err: { code, message: `mock: probe_project failed with ${code}` } };
  const control = installMockIpc({ appInfo: { ok: info }, probe: [probe], delayMs: 400 });
  (window as unknown as { __CALLREC_MOCK__: MockControl }).__CALLREC_MOCK__ = control;
  return control;
}
