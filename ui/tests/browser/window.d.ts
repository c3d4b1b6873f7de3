// What the test-only mock puts on `window` (tests/browser/mock-entry.ts), axe-core once
// a11y.test.mjs has injected it, and what a test's page script records there.
import type { AxeResults, ElementContext, RunOptions } from 'axe-core';
import type { MockControl, MockScenario } from '../../src/dev/mock-ipc';

declare global {
  interface Window {
    __CALLREC_SCENARIO__?: MockScenario;
    __CALLREC_MOCK__?: MockControl;
    axe?: { run(context: ElementContext, options: RunOptions): Promise<AxeResults> };
    /** workspace.test.mjs: each change of the open call's pane, and the first audio before it. */
    __paneSeen?: { id: string | null; at: number; heard: number | null }[];
    /** workspace.test.mjs: the first time the workspace is in the page, and its rows then. */
    __workspaceSeen?: { at: number; rows: number };
  }
}

export {};
