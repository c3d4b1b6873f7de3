// Playing a call through the real window (issue 6): the Rust player plays the call's segments
// (streamed from the backend) to ALSA's file plugin; the position moves, a click on
// the scrubber seeks there, `]` changes the speed, and the speed is the one the app starts at
// after a restart. The captured sound is checked too. The capture device is not paced, so the
// call plays through in a moment; the seek is checked once playback has ended.

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';

import { byId, waitForAccount, withShots } from '../support/app.mjs';
import { alsaCapture, toneOf } from '../support/audio.mjs';
import { openApp, saveScreenShot, saveWebviewShot } from '../support/driver.mjs';
import { FIXTURES } from '../support/fixtures.mjs';
import { openCall } from '../support/list.mjs';
import { signedInApp } from '../support/signed-in.mjs';

/** `m:ss` or `h:mm:ss` as seconds. */
const seconds = (text) => text.trim().split(':').reduce((total, part) => total * 60 + Number(part), 0);

describe('playing a call in the real window', { timeout: 300000 }, () => {
  let app;
  let backend;
  let driver;
  let browser;
  let capture;

  before(async () => {
    app = await signedInApp('player', async (dir) => {
      const alsa = await alsaCapture(dir);
      capture = alsa.capture;
      return alsa.env;
    });
    ({ backend, driver, browser } = app);
  });

  after(() => app?.close(browser));

  test('the position moves, the scrubber seeks, and ] speeds up', async () => {
    await withShots(browser, 'player-play', async () => {
      await openCall(browser, FIXTURES.MULTI_SEGMENT);
      const play = await byId(browser, 'play-call');
      await play.waitForClickable({ timeout: 30000 });
      await play.click();
      const bar = await byId(browser, 'player-bar');
      await bar.waitForDisplayed({ timeout: 30000 });
      // A mark per segment on the scrubber (B's three and A's Ultravox copy), once loaded.
      await browser.waitUntil(async () => (await browser.$$('[data-testid="player-segment-mark"]').length) >= 3, {
        timeout: 30000,
        timeoutMsg: 'the segments never showed on the scrubber',
      });
      const time = await byId(browser, 'player-time');
      await browser.waitUntil(async () => seconds(await time.getText()) > 0, {
        timeout: 30000,
        timeoutMsg: 'the position never moved',
      });
      await browser.waitUntil(async () => (await bar.getAttribute('data-state')) === 'ended', {
        timeout: 60000,
        timeoutMsg: 'the call never finished playing',
      });
      const total = seconds(await (await byId(browser, 'player-total')).getText());
      assert.ok(total > 10, `the timeline's length is known (${total} s)`);
      assert.equal(await (await byId(browser, 'player-error')).isExisting(), false, 'no player error');

      // A click at 3/4 of the scrubber's width seeks to 3/4 of the call.
      const scrubber = await byId(browser, 'player-scrubber');
      const { width } = await scrubber.getSize();
      await scrubber.click({ x: Math.round(width / 4) });
      await browser.waitUntil(async () => Math.abs(seconds(await time.getText()) - total * 0.75) <= 2, {
        timeout: 10000,
        timeoutMsg: `the scrubber did not seek to ${(total * 0.75).toFixed(0)} s`,
      });
      assert.equal(await bar.getAttribute('data-state'), 'paused', 'a seek after the end waits at the new place');
      await saveWebviewShot(browser, 'e2e-player');
      await saveScreenShot('e2e-player-screen');

      // `]` steps the speed up; the player confirms it.
      // Shortcuts are the page's, not a focused field's or button's.
      await browser.execute(() => /** @type {HTMLElement | null} */ (document.activeElement)?.blur());
      await browser.keys([']']);
      const speed = await byId(browser, 'player-speed');
      await browser.waitUntil(async () => (await speed.getValue()) === '1.25', {
        timeout: 10000,
        timeoutMsg: 'the speed did not change to 1.25×',
      });
    });
  });

  test('after a restart, calls play at the last speed chosen', async () => {
    await withShots(browser, 'player-restart', async () => {
      await browser.deleteSession();
      browser = await openApp(driver);
      await waitForAccount(browser, backend.demo_email);
      await openCall(browser, FIXTURES.WAV_PCM16);
      const play = await byId(browser, 'play-call');
      await play.waitForClickable({ timeout: 30000 });
      await play.click();
      await (await byId(browser, 'player-bar')).waitForDisplayed({ timeout: 30000 });
      const speed = await byId(browser, 'player-speed');
      await browser.waitUntil(async () => (await speed.getValue()) === '1.25', {
        timeout: 20000,
        timeoutMsg: 'the remembered speed was not used',
      });
      const bar = await byId(browser, 'player-bar');
      await browser.waitUntil(async () => (await bar.getAttribute('data-state')) === 'ended', {
        timeout: 60000,
        timeoutMsg: 'the call never finished playing',
      });
    });
    // The app closes (and ALSA finishes the file) when the session ends.
    await browser.deleteSession();
    browser = undefined;
    for (let i = 0; i < 50 && !existsSync(capture); i++) await new Promise((r) => setTimeout(r, 100));
    const tone = toneOf(await readFile(capture));
    assert.ok(tone.loudSeconds > 5, `sound was played: ${tone.loudSeconds.toFixed(1)} s of it`);
  });
});
