// The reviewer's workspace in the real window: a keyboard-only session from sign-in (no mouse:
// typed text, Enter, arrows, Alt+↓, `?`, Escape, Tab) to the third call of a review queue, then the stereo call with its response
// times measured and skip silence on. Screenshots go to tests/artifacts (docs/ keeps copies).

import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { appEnv, byId, waitForAccount, withShots } from '../support/app.mjs';
import { alsaCapture } from '../support/audio.mjs';
import { startBackend } from '../support/backend.mjs';
import { openApp, saveWebviewShot, startTauriDriver } from '../support/driver.mjs';
import { openCall, visibleRows } from '../support/list.mjs';
import { removeOnExit } from '../support/proc.mjs';

const WAV_STEREO = 'bc241ce6-1722-4b0b-855d-5ecec39b62fc';

/** Which element has the focus: its test id, or its nearest ancestor's. */
const focused = (browser) =>
  browser.execute(() => document.activeElement?.closest('[data-testid]')?.getAttribute('data-testid') ?? null);

describe('the workspace, keyboard first', { timeout: 300000 }, () => {
  let backend;
  let driver;
  let browser;
  let dir;

  before(async () => {
    backend = await startBackend();
    dir = removeOnExit(await mkdtemp(join(tmpdir(), 'callrec-test-workspace-')));
    const alsa = await alsaCapture(dir);
    driver = await startTauriDriver({ env: { ...appEnv(backend, join(dir, 'data')), ...alsa.env } });
    browser = await openApp(driver);
  });

  after(async () => {
    await browser?.deleteSession().catch(() => {});
    await driver?.stop();
    await backend?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('sign-in to the third call of a review queue without the mouse', async () => {
    await withShots(browser, 'workspace-keyboard', async () => {
      const password = await byId(browser, 'signin-password');
      await password.waitForDisplayed({ timeout: 30000 });
      // Typed into the field, submitted with Enter.
      await password.addValue(backend.demo_password);
      await browser.keys(['Enter']);
      await waitForAccount(browser, backend.demo_email);
      await browser.waitUntil(async () => (await visibleRows(browser)).length > 3, {
        timeout: 30000,
        timeoutMsg: 'the list never filled',
      });
      // The keyboard starts in the list.
      await browser.waitUntil(async () => (await focused(browser)) === 'call-list', {
        timeout: 10000,
        timeoutMsg: 'the focus is not in the list after sign-in',
      });
      const rows = await visibleRows(browser);
      await browser.keys(['ArrowDown']);
      await browser.keys(['ArrowDown']);
      await browser.keys(['Enter']);
      const detail = await byId(browser, 'call-detail');
      await detail.waitForDisplayed({ timeout: 10000 });
      assert.equal(await detail.getAttribute('data-id'), rows[2].id, 'the third call is open');
      await (await byId(browser, 'player-bar')).waitForDisplayed({ timeout: 30000 });
      assert.equal(await focused(browser), 'call-list', 'the keyboard stays on the list');

      // Alt+↓: the next call opens and plays.
      await browser.keys(['Alt', 'ArrowDown']);
      await browser.keys(['Alt']);
      await browser.waitUntil(async () => (await detail.getAttribute('data-id')) === rows[3].id, {
        timeout: 10000,
        timeoutMsg: 'Alt+↓ did not open the next call',
      });

      // `?` lists the shortcuts; Escape closes the list and the focus comes back.
      await browser.keys(['?']);
      const help = await byId(browser, 'shortcut-help');
      await help.waitForDisplayed({ timeout: 5000 });
      assert.ok((await browser.$$('[data-testid="shortcut-help"] tr[data-action]')).length >= 10);
      await browser.keys(['Escape']);
      await help.waitForDisplayed({ reverse: true, timeout: 5000 });

      // Tab to "Review these", Enter: the queue plays the list's calls from its first; Alt+↓
      // twice reaches its third.
      for (let presses = 0; (await focused(browser)) !== 'queue-review'; presses++) {
        assert.ok(presses < 25, `"Review these" not reached with Tab (at ${await focused(browser)})`);
        await browser.keys(['Tab']);
      }
      await browser.keys(['Enter']);
      const progress = await byId(browser, 'queue-progress');
      await progress.waitForDisplayed({ timeout: 30000 });
      await browser.waitUntil(async () => (await detail.getAttribute('data-id')) === rows[0].id, {
        timeout: 10000,
        timeoutMsg: "the queue did not open the list's first call",
      });
      for (const n of [1, 2]) {
        await browser.keys(['Alt', 'ArrowDown']);
        await browser.keys(['Alt']);
        await browser.waitUntil(async () => (await detail.getAttribute('data-id')) === rows[n].id, {
          timeout: 10000,
          timeoutMsg: `Alt+↓ did not reach the queue's call ${n + 1}`,
        });
      }
      assert.match(await progress.getText(), /^3 of \d+$/);
      await (await byId(browser, 'player-bar')).waitForDisplayed({ timeout: 30000 });
      await saveWebviewShot(browser, 'e2e-queue');
      // Leave no queue for the next test (nor for a later run in the same webview profile).
      await (await byId(browser, 'queue-stop')).click();
    });
  });

  test("the stereo call's response times, with skip silence on", async () => {
    await withShots(browser, 'workspace-turns', async () => {
      await openCall(browser, WAV_STEREO);
      await (await byId(browser, 'play-call')).waitForClickable({ timeout: 30000 });
      await (await byId(browser, 'play-call')).click();
      await (await byId(browser, 'player-bar')).waitForDisplayed({ timeout: 30000 });
      const skip = await byId(browser, 'player-skip-silence');
      // The setting is kept (localStorage) from an earlier run in the same webview profile.
      if ((await skip.getAttribute('aria-pressed')) !== 'true') await skip.click();
      await browser.waitUntil(async () => (await skip.getAttribute('aria-pressed')) === 'true', {
        timeout: 5000,
        timeoutMsg: 'skip silence did not turn on',
      });

      await (await byId(browser, 'turns-measure')).click();
      const panel = await byId(browser, 'call-turns');
      await browser.waitUntil(async () => (await panel.getAttribute('data-state')) === 'done', {
        timeout: 60000,
        timeoutMsg: 'the response times were never measured',
      });
      const turns = await browser.$$('[data-testid="turn"]');
      assert.ok(turns.length >= 3, `${turns.length} turns on the 40 s stereo call`);
      // Each wait is marked on the playing call's scrubber.
      assert.equal((await browser.$$('[data-testid="player-latency-mark"]')).length, turns.length);
      assert.match(await (await byId(browser, 'turns-summary')).getText(), /^Agent response: median \d\.\d\d s, worst \d\.\d\d s over \d+ turns$/);
      await saveWebviewShot(browser, 'e2e-workspace');
      // Skip silence on, the stereo call playing. (Its pauses, 0.4–1.2 s, are all shorter than
      // the default minimum of 1.5 s: which silences are skipped, and the time saved, are tested
      // in ui/tests/unit/skip-silence.test.ts and ui/tests/browser/review.test.mjs.)
      assert.equal(await skip.getAttribute('aria-pressed'), 'true');
      await saveWebviewShot(browser, 'e2e-skip-silence');
    });
  });
});
