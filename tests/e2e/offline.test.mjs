// Offline through the real window: one segment of a call downloads alone; a call downloaded
// while online plays after the backend is gone and the app has been restarted (session restored
// from the keyring, list from the library, audio from the verified local file). The app's audio goes to ALSA's `file` plugin,
// and the captured sound is checked for the segment's 440 Hz tone.

import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';

import { byId, waitForAccount, withShots } from '../support/app.mjs';
import { openApp, saveScreenShot, saveWebviewShot } from '../support/driver.mjs';
import { FIXTURES } from '../support/fixtures.mjs';
import { openCall } from '../support/list.mjs';
import { signedInApp } from '../support/signed-in.mjs';
import { alsaCapture, toneOf } from '../support/audio.mjs';

describe('offline: a downloaded call plays with the backend gone', { timeout: 300000 }, () => {
  let app;
  let backend;
  let driver;
  let browser;
  let capture;

  before(async () => {
    app = await signedInApp('offline', async (dir) => {
      const alsa = await alsaCapture(dir);
      capture = alsa.capture;
      return alsa.env;
    });
    ({ backend, driver, browser } = app);
  });

  after(() => app?.close(browser));

  test('downloads a call while online', async () => {
    await withShots(browser, 'offline-download', async () => {
      await openCall(browser, FIXTURES.segmentsOnly);
      const download = await byId(browser, 'download-call');
      await download.waitForClickable({ timeout: 30000 });
      await download.click();
      // Downloaded: the detail offers the local files.
      await (await byId(browser, 'files-show')).waitForExist({ timeout: 60000 });
      await saveWebviewShot(browser, 'e2e-offline-downloaded');
      await browser.keys(['Escape']);
    });
  });

  test('downloads one segment of a call, leaving the others', async () => {
    await withShots(browser, 'offline-segment', async () => {
      await openCall(browser, FIXTURES.MULTI_SEGMENT);
      await (await byId(browser, 'segment')).waitForExist({ timeout: 30000 });
      const rows = await browser.$$('[data-testid="segment"]');
      // B's three segments and A's Ultravox copy of main.
      assert.ok(rows.length >= 3, `${rows.length} segments`);
      await browser.waitUntil(async () => (await browser.$$('[data-testid="segment-download-one"]')).length === rows.length, {
        timeout: 30000,
        timeoutMsg: 'each segment offers its own download',
      });
      const transfer = rows.length - 2;
      assert.equal(await rows[transfer].getAttribute('data-label'), 'transfer_conference');
      await (await rows[transfer].$('[data-testid="segment-download-one"]')).click();
      const state = await rows[transfer].$('[data-testid="segment-download"]');
      await browser.waitUntil(async () => (await state.getAttribute('data-state')) === 'done', {
        timeout: 60000,
        timeoutMsg: 'the segment was not downloaded',
      });
      assert.equal(await (await rows[0].$('[data-testid="segment-download"]')).isExisting(), false, 'segment 0 not queued');
      assert.equal((await browser.$$('[data-testid="segment-download-one"]')).length, rows.length - 1);
      const files = await byId(browser, 'call-files');
      await files.waitForExist({ timeout: 10000 });
      assert.equal(await files.getAttribute('data-whole'), 'false', 'the call is not shown as wholly on disk');
      await browser.keys(['Escape']);
    });
  });

  test('with the backend stopped and the app restarted, the call is listed and plays', async () => {
    await withShots(browser, 'offline-play', async () => {
      await backend.stop();
      await browser.deleteSession();
      browser = await openApp(driver);
      await waitForAccount(browser, backend.demo_email);
      await (await byId(browser, 'offline-marker')).waitForExist({ timeout: 30000 });
      await openCall(browser, FIXTURES.segmentsOnly);
      const play = await byId(browser, 'play-call');
      await play.waitForClickable({ timeout: 30000 });
      await play.click();
      const bar = await byId(browser, 'player-bar');
      await bar.waitForDisplayed({ timeout: 30000 });
      // The capture device is not paced: the 35 s segment plays through at once. Waiting for
      // its end (not only for the position to move) is what makes the capture hold all of it:
      // a session that ended early left 4.8 s in one CI run.
      const time = await byId(browser, 'player-time');
      await browser.waitUntil(async () => !/^0:00/.test((await time.getText()).trim()), {
        timeout: 30000,
        timeoutMsg: 'the position never moved',
      });
      await browser.waitUntil(async () => (await bar.getAttribute('data-state')) === 'ended', {
        timeout: 60000,
        timeoutMsg: 'the call never finished playing',
      });
      assert.equal(await (await byId(browser, 'player-error')).isExisting(), false, 'no player error');
      await saveWebviewShot(browser, 'e2e-offline-playing');
      await saveScreenShot('e2e-offline-playing-screen');
    });
    // The app closes (and ALSA finishes the file) when the session ends.
    await browser.deleteSession();
    browser = undefined;
    for (let i = 0; i < 50 && !existsSync(capture); i++) await new Promise((r) => setTimeout(r, 100));
    const tone = toneOf(await readFile(capture));
    assert.ok(tone.loudSeconds > 5, `sound was played: ${tone.loudSeconds.toFixed(1)} s of it`);
    assert.ok(Math.abs(tone.hz - 440) < 440 * 0.03, `the segment's 440 Hz tone came out (${tone.hz.toFixed(0)} Hz)`);
  });
});
