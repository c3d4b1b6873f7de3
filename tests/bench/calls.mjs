// Benchmark: the call list at 100,000 calls in the real window (tauri-driver under Xvfb).
// Run it with `scripts/e2e --bench` (which provides the display, D-Bus and keyring). Prints:
//   - signed in → first page rendered
//   - a filter change → its first row, online (PostgREST) and offline (the SQLite library)
// Times are the UI's own performance marks (`callrec:signed-in`, `callrec:query`,
// `callrec:rows-rendered`), so WebDriver's round trips are not counted.
// The DOM-row figure comes from the headless-Chromium test (ui/tests/browser/calls.test.mjs).

import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { appEnv, byId, submitSignIn, waitForAccount } from '../support/app.mjs';
import { startBackend } from '../support/backend.mjs';
import { openApp, startTauriDriver } from '../support/driver.mjs';
import { clearMarks, queryToRows, setFilter, shownTotal, waitForTotal } from '../support/list.mjs';
import { cliBin } from '../support/paths.mjs';
import { removeOnExit } from '../support/proc.mjs';

const CALLS = Number(process.env.CALLREC_BENCH_CALLS || 100000);
const ROUNDS = Number(process.env.CALLREC_BENCH_ROUNDS || 10);
const run = promisify(execFile);

const stats = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return `p50 ${at(0.5).toFixed(1)} ms, max ${sorted[sorted.length - 1].toFixed(1)} ms (n=${values.length})`;
};

/** Filter changes that each issue a new query: has-recording on/off, then a direction. */
const FILTERS = [
  ['filter-has-recording', 'true'],
  ['filter-has-recording', ''],
  ['filter-direction', 'inbound'],
  ['filter-direction', ''],
];

async function timeFilters(browser) {
  const times = [];
  const answered = [];
  for (let round = 0; round < ROUNDS; round++) {
    const [id, value] = FILTERS[round % FILTERS.length];
    await clearMarks(browser);
    await setFilter(browser, id, value);
    times.push(await queryToRows(browser));
    answered.push(
      await browser.execute(() => {
        const queries = performance.getEntriesByName('callrec:query');
        const query = queries[queries.length - 1];
        const answer = performance.getEntriesByName('callrec:answered').find((m) => m.startTime >= query.startTime);
        return answer ? answer.startTime - query.startTime : -1;
      }),
    );
  }
  times.answered = answered;
  return times;
}

async function main() {
  const seedStart = performance.now();
  const backend = await startBackend({ calls: CALLS, timeoutMs: 300000 });
  console.log(`backend seeded with ${CALLS} calls in ${((performance.now() - seedStart) / 1000).toFixed(1)} s`);
  const dataDir = removeOnExit(await mkdtemp(join(tmpdir(), 'callrec-bench-list-')));
  const env = appEnv(backend, dataDir);
  const driver = await startTauriDriver({ env });
  let browser;
  try {
    browser = await openApp(driver);
    await (await byId(browser, 'signin-form')).waitForDisplayed({ timeout: 60000 });
    await submitSignIn(browser, backend.demo_password);
    await waitForAccount(browser, backend.demo_email);
    await (await byId(browser, 'call-row')).waitForExist({ timeout: 60000 });
    const firstPage = await browser.execute(() => {
      const signedIn = performance.getEntriesByName('callrec:signed-in')[0];
      const rendered = performance.getEntriesByName('callrec:rows-rendered')[0];
      return signedIn && rendered ? rendered.startTime - signedIn.startTime : null;
    });
    const total = await shownTotal(browser);
    console.log(`calls visible to ${backend.demo_email}: ${total}`);
    console.log(`signed in → first page rendered: ${firstPage === null ? 'no marks' : `${firstPage.toFixed(1)} ms`} (target ≤ 300 ms)`);

    const remote = await timeFilters(browser);
    console.log(`filter change → first row, remote: ${stats(remote)} (target ≤ 100 ms)`);
    console.log(`  of which the command's answer (IPC and core): ${stats(remote.answered)}`);

    // Every call into the library, through the CLI on the app's data dir and keyring session,
    // then the network gone: the same filters answer from SQLite.
    const syncStart = performance.now();
    await run(cliBin, ['--json', 'calls', '--all'], { env, maxBuffer: 1 << 30 });
    console.log(`library filled with every call (callrec calls --all) in ${((performance.now() - syncStart) / 1000).toFixed(1)} s`);
    await backend.stop();
    await clearMarks(browser);
    await setFilter(browser, 'filter-has-recording', 'true');
    await queryToRows(browser);
    await (await byId(browser, 'offline-marker')).waitForExist({ timeout: 30000 });
    await setFilter(browser, 'filter-has-recording', '');
    await waitForTotal(browser, total);
    const offline = await timeFilters(browser);
    console.log(`filter change → first row, offline: ${stats(offline)} (target ≤ 50 ms)`);
    console.log(`  of which the command's answer (IPC and core): ${stats(offline.answered)}`);
  } finally {
    await browser?.deleteSession().catch(() => {});
    await driver.stop();
    await backend.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
