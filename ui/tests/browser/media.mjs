// @ts-check
// Shared pieces of the recordings, downloads and player tests: a suite's set-up (one browser per
// file, every page checked for console errors and outside requests), opening a call's detail,
// and reading what the scripted shell received.

/** @import { Page } from 'playwright-core' */
/** @import { MockScenario } from '../../src/dev/mock-ipc' */
/** @import { Recording } from '../../src/lib/bindings/Recording' */
/** @import { SegmentView } from '../../src/lib/bindings/SegmentView' */
/** @import { AppPage, Harness, OpenOptions } from './harness.mjs' */

import assert from 'node:assert/strict';
import { after, afterEach, before } from 'node:test';
import { callId, callsScenario } from './fixtures.mjs';
import { openApp, startHarness } from './harness.mjs';

/** Registers the suite's hooks; the returned `open` opens a page that is checked after each test. */
export function suite() {
  /** @type {Harness | undefined} */
  let h;
  /** @type {AppPage[]} */
  let opened = [];
  before(async () => {
    h = await startHarness();
  });
  after(async () => {
    await h?.close();
  });
  afterEach(async () => {
    const pages = opened;
    opened = [];
    for (const { page, problems, external } of pages) {
      await page.close();
      assert.deepEqual(problems, [], 'console errors, page errors or CSP violations');
      assert.deepEqual(external, [], 'requests to anything but the local server');
    }
  });
  /**
   * @param {MockScenario} s
   * @param {OpenOptions} [options]
   */
  async function open(s, options) {
    if (!h) throw new Error('harness not started');
    const app = await openApp(h, s, options);
    opened.push(app);
    return app;
  }
  return { open };
}

/**
 * Signed in with 50 synthetic calls and these media answers.
 * @param {MockScenario['media']} media
 * @returns {MockScenario}
 */
export const mediaScenario = (media = {}) => callsScenario({ count: 50 }, { media });

/**
 * Opens call `i`'s detail (double-click on its row) and waits for its recordings to settle.
 * @param {Page} page
 * @param {number} i
 */
export async function openDetail(page, i) {
  const id = callId(i);
  const row = page.locator(`[data-testid="call-row"][data-id="${id}"]`);
  // A row below the fold is scrolled to first: a double-click while the virtual list is still
  // moving could land on its neighbour, so the open call is checked and the click retried.
  for (let attempt = 0; ; attempt++) {
    await row.scrollIntoViewIfNeeded();
    await row.dblclick();
    await page.getByTestId('call-detail').waitFor();
    const opened = await page.getByTestId('call-detail').getAttribute('data-id');
    if (opened === id) break;
    if (attempt === 2) throw new Error(`call ${id} would not open (got ${String(opened)})`);
  }
  await page.waitForFunction(() => {
    const state = document.querySelector('[data-testid="recordings"]')?.getAttribute('data-state');
    return state === 'ready' || state === 'error';
  });
}

/**
 * The arguments of every `cmd` the shell received, in order (channels show as their id).
 * @param {Page} page
 * @param {string} cmd
 * @returns {Promise<Record<string, unknown>[]>}
 */
export const argsOf = (page, cmd) =>
  page.evaluate(
    (c) =>
      (window.__CALLREC_MOCK__?.calls ?? [])
        .filter((x) => x.cmd === c)
        .map((x) => {
          /** @type {unknown} */
          const plain = JSON.parse(JSON.stringify(x.args ?? null));
          return /** @type {Record<string, unknown>} */ (plain);
        }),
    cmd,
  );

/**
 * Waits until the shell has received `cmd` `n` times.
 * @param {Page} page
 * @param {string} cmd
 * @param {number} n
 */
export const waitCount = (page, cmd, n) =>
  page.waitForFunction(([c, k]) => (window.__CALLREC_MOCK__?.count(String(c)) ?? 0) >= Number(k), [cmd, n]);

/**
 * A segment as the shell sends it.
 * @param {string} label
 * @param {number | null} durationSeconds
 * @param {Partial<SegmentView>} [over]
 * @returns {SegmentView}
 */
export const segment = (label, durationSeconds, over = {}) => ({
  id: `b:${label}:0`,
  label,
  durationSeconds,
  source: 'twilio',
  status: 'completed',
  createdAt: '2026-11-20T18:00:00Z',
  endpoint: 'signedRecordingUrl',
  expiresAt: 1_900_000_000,
  expiry: 'signedQuery',
  note: null,
  ...over,
});

/**
 * A recording answer.
 * @param {Partial<Recording>} over
 * @returns {Recording}
 */
export const recording = (over) => {
  const segments = over.segments ?? [];
  return {
    callId: '',
    segments,
    // Unless a test says otherwise, each recording is its own leg.
    legs: segments.map((s) => ({
      label: s.label,
      start: null,
      durationSeconds: s.durationSeconds,
      gapBefore: null,
      copies: [{ recordingId: s.id, kind: /** @type {const} */ ('unknown') }],
    })),
    callRecording: { state: 'ok', segments: 0, notes: [] },
    signedRecordingUrl: { state: 'ok', segments: 0, notes: [] },
    combined: null,
    combinedCode: null,
    ...over,
  };
};
