// Test-only entry, bundled on the fly by tests/browser/harness.mjs into an IIFE and injected
// with Playwright's addInitScript after a script that sets window.__CALLREC_SCENARIO__, so the
// scripted shell is in place before the app's own scripts run. Never part of ui/dist.

import { installMockIpc } from '../../src/dev/mock-ipc';

const scenario = window.__CALLREC_SCENARIO__;
if (scenario) {
  window.__CALLREC_MOCK__ = installMockIpc(scenario);
}
