// What the test-only mock puts on `window` (tests/browser/mock-entry.ts), and axe-core once
// a11y.test.mjs has injected it.
import type { AxeResults, ElementContext, RunOptions } from 'axe-core';
import type { MockControl, MockScenario } from '../../src/dev/mock-ipc';

declare global {
  interface Window {
    __CALLREC_SCENARIO__?: MockScenario;
    __CALLREC_MOCK__?: MockControl;
    axe?: { run(context: ElementContext, options: RunOptions): Promise<AxeResults> };
  }
}

export {};
