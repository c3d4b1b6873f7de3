// Benchmark: the reviewer's workspace in the real window (tauri-driver under Xvfb, the demo
// backend). Run it with `scripts/e2e --bench` (which provides the display, D-Bus and keyring).
// Prints:
//   - cold start to a usable list: the app's process start (from /proc) to its first page of
//     rows rendered, with the session restored from the keyring (a relaunch after sign-in); its
//     part before the page loads, beside the minimal Tauri app's process start to page
//   - sign-in to first row
//   - Enter on a call to its first audio, streamed (never played before) and downloaded
//   - the next call's first audio in a review queue (Alt+↓)
//   - idle memory (PSS, /proc/<pid>/smaps_rollup) of the app and its WebKit processes, beside a
//     minimal Tauri app (tests/bench/minimal-tauri) launched and measured the same way (each the
//     median of CALLREC_BENCH_IDLE_LAUNCHES launches, 3 by default, the apps taking turns), and
//     again painting as Callrec's web process does when Callrec chose otherwise than WebKit's
//     default (no GPU: src-tauri/src/painting.rs)
// "First audio" is the UI's `callrec:first-audio` mark: the player's first position event past
// the start while playing, i.e. audio handed to the output. Key presses are marked by a
// capturing listener in the page, so WebDriver's round trips are not counted. The demo backend
// makes each recording's audio on its first request; the measured calls' files are made first
// (`warmRecordings`), so "streamed" times Callrec fetching them, as from real storage.
// CALLREC_BENCH_TRACE=1 also prints each key's marks (play sent, answered, loaded, first audio)
// and each cold start's (page, boot, signed in, query, answered, rows rendered).

import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { appEnv, byId, submitSignIn, waitForAccount } from '../support/app.mjs';
import { alsaCapture } from '../support/audio.mjs';
import { startBackend } from '../support/backend.mjs';
import { openApp, startTauriDriver } from '../support/driver.mjs';
import { setFilter, visibleRows } from '../support/list.mjs';
import { appBin, repoRoot } from '../support/paths.mjs';
import { removeOnExit } from '../support/proc.mjs';
import { environOf, newestOf, pss, startedAtMs, webProcessOf } from '../support/procfs.mjs';
import { accessToken } from '../support/rest.mjs';

const ROUNDS = Number(process.env.CALLREC_BENCH_ROUNDS || 5);
/** How long an app is left alone before its memory is read. */
const IDLE_MS = Number(process.env.CALLREC_BENCH_IDLE_MS || 8000);
/** How many times each app is launched for its idle memory. */
const IDLE_LAUNCHES = Number(process.env.CALLREC_BENCH_IDLE_LAUNCHES || 3);
const run = promisify(execFile);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const stats = (values) => {
  if (values.length === 0) return 'no samples';
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return `p50 ${at(0.5).toFixed(0)} ms, max ${sorted[sorted.length - 1].toFixed(0)} ms (n=${values.length})`;
};

// ---- memory ------------------------------------------------------------------------------

/** WebKit's switch for Skia's CPU painting; Callrec sets it on a machine without a GPU. */
const CPU_PAINTING = 'WEBKIT_SKIA_ENABLE_CPU_RENDERING';

/** The launch with the median total of `launches` (null for none), and the range of totals. */
function medianLaunch(launches) {
  if (launches.length === 0) return null;
  const sorted = [...launches].sort((a, b) => a.total - b.total);
  return { ...sorted[Math.floor(sorted.length / 2)], range: [sorted[0].total, sorted[sorted.length - 1].total] };
}

const describePss = ({ total, parts, range, painting }) =>
  `${total.toFixed(0)} MiB (${parts.map((p) => `${p.name} ${p.mib.toFixed(0)}`).join(', ')}; ` +
  `median of ${IDLE_LAUNCHES} launches, ${range.map((t) => t.toFixed(0)).join('–')}) ` +
  `[${CPU_PAINTING}=${painting ?? '(unset)'}]`;

/** This process's environment with CPU_PAINTING as `value` (null: unset). */
function paintingAs(value) {
  const env = { ...process.env };
  if (value === null) delete env[CPU_PAINTING];
  else env[CPU_PAINTING] = value;
  return env;
}

/** How a tree's web process paints: the value of CPU_PAINTING it started with, or null. */
function paintingOf(pid) {
  const web = webProcessOf(pid);
  return web === undefined ? null : (environOf(web).get(CPU_PAINTING) ?? null);
}

/** Launches `bin` directly on the display, leaves it idle, reads its memory, stops it. */
async function idleMemory(bin, env) {
  const child = spawn(bin, [], { env, stdio: 'ignore', detached: true });
  try {
    await sleep(IDLE_MS);
    if (child.exitCode !== null) throw new Error(`${bin} exited with ${child.exitCode}`);
    return { ...pss(child.pid), painting: paintingOf(child.pid) };
  } finally {
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      // Already gone.
    }
    await sleep(1000);
  }
}

/** Ends `browser`'s app and starts `application` afresh through WebDriver; the new session. */
async function relaunch(driver, browser, application) {
  await browser.deleteSession().catch(() => {});
  await sleep(1500);
  return openApp(driver, { application });
}

/** Builds the minimal Tauri app (its own workspace) into Callrec's target directory; its path. */
async function buildMinimal(profile) {
  const minimalDir = join(repoRoot, 'tests', 'bench', 'minimal-tauri');
  const targetDir = join(repoRoot, 'target');
  await run('cargo', ['build', '--quiet', ...(profile === 'release' ? ['--release'] : []), '--manifest-path', join(minimalDir, 'Cargo.toml')], {
    env: { ...process.env, CARGO_TARGET_DIR: targetDir },
    maxBuffer: 1 << 26,
  });
  return join(targetDir, profile, 'minimal-tauri');
}

// ---- the demo backend ----------------------------------------------------------------------

/**
 * Has the demo backend render the recordings of `callIds` before they are measured. It makes
 * each file's audio on its first request (hundreds of ms for a long call), which real storage
 * does not do: unwarmed, "streamed" would time the backend's synthesis, not Callrec's
 * streaming. Both endpoints' URLs are asked, as the app asks both; the app still fetches every
 * byte it plays itself.
 */
async function warmRecordings(backend, callIds) {
  const token = await accessToken(backend);
  const headers = { apikey: backend.anon_key, authorization: `Bearer ${token}` };
  const functions = backend.functions_url.replace(/\/?$/, '/');
  const urls = [];
  for (const id of callIds) {
    const a = await fetch(`${functions}get-call-recording?call_id=${encodeURIComponent(id)}`, { headers });
    if (a.ok) urls.push((await a.json()).recording_url);
    const b = await fetch(`${functions}get-signed-recording-url`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({ call_id: id }),
    });
    if (b.ok) {
      const body = await b.json();
      urls.push(body.recording_url, ...(body.recordings ?? []).map((r) => r.url));
    }
  }
  for (const url of new Set(urls.filter((u) => typeof u === 'string'))) {
    const response = await fetch(url, { headers: { range: 'bytes=0-0' } }).catch(() => null);
    await response?.arrayBuffer();
  }
}

// ---- the page's marks ----------------------------------------------------------------------

/** Marks `bench:key` at each key press the page receives (before the app's handlers). */
const markKeys = (browser) =>
  browser.execute(() => {
    if (window.__benchKeys) return;
    window.__benchKeys = true;
    // Modifiers alone (Alt of Alt+↓, its release) are not the press that asks for something.
    document.addEventListener(
      'keydown',
      (e) => {
        if (!['Alt', 'Control', 'Shift', 'Meta'].includes(e.key)) performance.mark('bench:key');
      },
      { capture: true },
    );
  });

const clearAllMarks = (browser) => browser.execute(() => performance.clearMarks());

/** Milliseconds from the last `bench:key` to the first `callrec:first-audio` after it. */
async function keyToFirstAudio(browser, timeout = 30000) {
  let result = null;
  const seen = () =>
    browser.execute(() => ({
      marks: performance.getEntriesByType('mark').map((m) => `${m.name}@${m.startTime.toFixed(0)}`),
      time: document.querySelector('[data-testid="player-time"]')?.textContent ?? null,
      error: document.querySelector('[data-testid="player-error"]')?.textContent ?? null,
    }));
  await browser.waitUntil(
    async () => {
      result = await browser.execute(() => {
        const keys = performance.getEntriesByName('bench:key');
        const key = keys[keys.length - 1];
        const audio = key && performance.getEntriesByName('callrec:first-audio').find((m) => m.startTime >= key.startTime);
        return audio ? audio.startTime - key.startTime : null;
      });
      return result !== null;
    },
    { timeout, interval: 20 },
  ).catch(async () => {
    throw new Error(`no first audio after the key press: ${JSON.stringify(await seen())}`);
  });
  // CALLREC_BENCH_TRACE=1: where the time went, by the page's marks after the key.
  if (process.env.CALLREC_BENCH_TRACE) {
    const trace = await browser.execute(() => {
      const key = performance.getEntriesByName('bench:key').at(-1);
      return performance
        .getEntriesByType('mark')
        .filter((m) => m.startTime >= key.startTime && m.name.startsWith('callrec:'))
        .map((m) => `${m.name.slice('callrec:'.length)} +${(m.startTime - key.startTime).toFixed(0)}`)
        .join(', ');
    });
    console.log(`  trace: ${trace}`);
  }
  return result;
}

const focusList = (browser) => browser.execute(() => document.querySelector('[data-testid="call-list"]')?.focus());

/** Selects row `index` of the list from the first with ↓ (Home first), then Enter. */
async function enterOnRow(browser, index) {
  await focusList(browser);
  await browser.keys(['Home']);
  for (let i = 0; i < index; i++) await browser.keys(['ArrowDown']);
  await clearAllMarks(browser);
  await browser.keys(['Enter']);
  return keyToFirstAudio(browser);
}

// ---- the run -------------------------------------------------------------------------------

async function main() {
  const backend = await startBackend();
  const dataDir = removeOnExit(await mkdtemp(join(tmpdir(), 'callrec-bench-workspace-')));
  // The app plays into a file through ALSA (there is no sound card here), as the e2e tests do.
  const env = { ...appEnv(backend, join(dataDir, 'data')), ...(await alsaCapture(dataDir)).env };
  const driver = await startTauriDriver({ env });
  let browser;
  const profile = appBin.includes('/release/') ? 'release' : 'debug';
  console.log(`app: ${appBin} (${profile} build)`);
  try {
    browser = await openApp(driver);
    await (await byId(browser, 'signin-form')).waitForDisplayed({ timeout: 60000 });
    await submitSignIn(browser, backend.demo_password);
    await waitForAccount(browser, backend.demo_email);
    await (await byId(browser, 'call-row')).waitForExist({ timeout: 60000 });
    const firstRow = await browser.execute(() => {
      const signedIn = performance.getEntriesByName('callrec:signed-in')[0];
      const rendered = performance.getEntriesByName('callrec:rows-rendered')[0];
      return signedIn && rendered ? rendered.startTime - signedIn.startTime : null;
    });
    console.log(`sign-in → first row: ${firstRow === null ? 'no marks' : `${firstRow.toFixed(0)} ms`} (target ≤ 300 ms)`);

    // Enter on calls never played: each streams from the backend.
    await markKeys(browser);
    const rows = await visibleRows(browser);
    const playable = rows.map((r, i) => ({ ...r, i })).filter((r) => r.recording);
    await warmRecordings(backend, playable.slice(0, ROUNDS).map((r) => r.id));
    const streamed = [];
    for (const row of playable.slice(0, ROUNDS)) streamed.push(await enterOnRow(browser, row.i));
    console.log(`Enter → first audio, streamed: ${stats(streamed)} (target ≤ 150 ms)`);

    // Downloaded: `d` on calls not played yet; once the library has them (the list's
    // "Downloaded" filter answers from it), back to the whole list and Enter on each.
    const downloaded = [];
    // Short calls (the list's length under 3 min), so no download still runs when the idle
    // memory is read.
    const short = (row) => {
      const length = row.text.match(/\b(\d+):(\d\d)\b/);
      return length !== null && Number(length[1]) < 3;
    };
    const picked = playable.slice(ROUNDS).filter(short).slice(0, Math.min(ROUNDS, 3));
    for (const row of picked) {
      await focusList(browser);
      await browser.keys(['Home']);
      for (let i = 0; i < row.i; i++) await browser.keys(['ArrowDown']);
      await browser.keys(['d']);
    }
    // Those done within two minutes are measured (a long fixture may still be downloading).
    let done = [];
    const deadline = Date.now() + 120000;
    while (done.length < picked.length && Date.now() < deadline) {
      await setFilter(browser, 'filter-downloaded', 'true');
      await sleep(2000);
      const ids = (await visibleRows(browser)).map((r) => r.id);
      done = picked.filter((row) => ids.includes(row.id));
    }
    await setFilter(browser, 'filter-downloaded', '');
    await browser.waitUntil(async () => (await visibleRows(browser))[picked[0].i]?.id === picked[0].id, {
      timeout: 30000,
      timeoutMsg: 'the whole list did not come back',
    });
    for (const row of done) downloaded.push(await enterOnRow(browser, row.i));
    console.log(`Enter → first audio, downloaded: ${stats(downloaded)} (target ≤ 150 ms)`);

    // A review queue of the calls with a recording: Alt+↓ to each next call.
    await setFilter(browser, 'filter-has-recording', 'true');
    await sleep(1500);
    await warmRecordings(backend, (await visibleRows(browser)).slice(0, ROUNDS + 2).map((r) => r.id));
    await browser.execute(() => document.querySelector('[data-testid="queue-review"]')?.click());
    await (await byId(browser, 'queue-progress')).waitForDisplayed({ timeout: 30000 });
    await sleep(1000);
    const queued = [];
    const toPlay = [];
    for (let n = 0; n < ROUNDS; n++) {
      await clearAllMarks(browser);
      await browser.keys(['Alt', 'ArrowDown']);
      await browser.keys(['Alt']);
      queued.push(await keyToFirstAudio(browser));
      toPlay.push(
        await browser.execute(() => {
          const key = performance.getEntriesByName('bench:key').at(-1);
          const play = performance.getEntriesByName('callrec:play').at(-1);
          return key && play ? play.startTime - key.startTime : -1;
        }),
      );
    }
    console.log(`next call in a queue (Alt+↓) → first audio: ${stats(queued)} (target ≤ 100 ms)`);
    console.log(`  of which the key to the play command: ${stats(toPlay)}`);
    await (await byId(browser, 'queue-stop')).click();

    // Cold start: the app relaunched (WebDriver session) with the session in the keyring.
    const cold = [];
    const coldPage = [];
    for (let n = 0; n < Math.min(ROUNDS, 3); n++) {
      browser = await relaunch(driver, browser, appBin);
      await (await byId(browser, 'call-row')).waitForExist({ timeout: 60000 });
      const started = startedAtMs(newestOf(appBin));
      // The page's origin, then each of its marks, as epoch ms.
      const marks = await browser.execute(() => [
        ['page', performance.timeOrigin],
        ...performance
          .getEntriesByType('mark')
          .filter((m) => m.name.startsWith('callrec:'))
          .map((m) => [m.name.slice('callrec:'.length), performance.timeOrigin + m.startTime]),
      ]);
      const at = (name) => marks.find(([n]) => n === name)?.[1] ?? NaN;
      cold.push(at('rows-rendered') - started);
      coldPage.push(at('page') - started);
      // CALLREC_BENCH_TRACE=1: from the process's start to the page's origin, then each mark.
      if (process.env.CALLREC_BENCH_TRACE) {
        console.log(`  trace: ${marks.map(([name, at]) => `${name} +${(at - started).toFixed(0)}`).join(', ')}`);
      }
    }
    console.log(`cold start (process start → first page of rows, session restored): ${stats(cold)} (target ≤ 1000 ms)`);
    console.log(`  of which process start → page: ${stats(coldPage)}`);

    // What Tauri and WebKitGTK take on their own to show a page, measured the same way: the
    // part of Callrec's cold start no page or core change can win.
    const minimalBin = await buildMinimal(profile);
    const minimalPage = [];
    for (let n = 0; n < Math.min(ROUNDS, 3); n++) {
      browser = await relaunch(driver, browser, minimalBin);
      const origin = await browser.execute(() => performance.timeOrigin);
      minimalPage.push(origin - startedAtMs(newestOf(minimalBin)));
    }
    console.log(`  the minimal Tauri app, process start → page: ${stats(minimalPage)}`);
    await browser.deleteSession().catch(() => {});
    browser = null;
    await driver.stop();

    // Idle memory: each app launched directly on the display, left alone, then measured; the
    // apps take turns, and each figure is the median launch (one launch varies by ~5 %).
    // Callrec chooses how WebKit paints (src-tauri/src/painting.rs); the minimal app takes
    // WebKit's default. Painted the same way, the difference is Callrec's page and core alone.
    const runs = { minimal: [], callrec: [], alike: [] };
    for (let n = 0; n < IDLE_LAUNCHES; n++) {
      runs.minimal.push(await idleMemory(minimalBin, process.env));
      const callrec = await idleMemory(appBin, env);
      runs.callrec.push(callrec);
      if (callrec.painting !== runs.minimal[0].painting) {
        runs.alike.push(await idleMemory(minimalBin, paintingAs(callrec.painting)));
      }
    }
    const [minimal, callrec, alike] = [runs.minimal, runs.callrec, runs.alike].map(medianLaunch);
    console.log(`idle PSS, minimal Tauri app: ${describePss(minimal)}`);
    console.log(`idle PSS, Callrec (signed in, list shown): ${describePss(callrec)}`);
    console.log(`  ratio ${(callrec.total / minimal.total).toFixed(2)}× (target ≤ 1.2×)`);
    if (alike) {
      console.log(`idle PSS, minimal Tauri app painting as Callrec does: ${describePss(alike)}`);
      console.log(`  ratio ${(callrec.total / alike.total).toFixed(2)}× (Callrec's page and core alone)`);
    }
  } finally {
    await browser?.deleteSession().catch(() => {});
    await driver.stop().catch(() => {});
    await backend.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
