// What the test-only mock puts on `window` (tests/browser/mock-entry.ts).
import type { MockControl, MockScenario } from '../../src/dev/mock-ipc';

declare global {
  interface Window {
    __CALLREC_SCENARIO__?: MockScenario;
    __CALLREC_MOCK__?: MockControl;
  }
}

export {};
