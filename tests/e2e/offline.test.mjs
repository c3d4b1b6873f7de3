// Offline through the real window: a call downloaded while online plays after the backend is
// gone and the app has been restarted (session restored from the keyring, list from the
// library, audio from the verified local file). The app's audio goes to ALSA's `file` plugin,
// and the captured sound is checked for the segment's 440 Hz tone.

import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { appEnv, byId, submitSignIn, waitForAccount, withShots } from '../support/app.mjs';
import { startBackend } from '../support/backend.mjs';
import { openApp, saveScreenShot, saveWebviewShot, startTauriDriver } from '../support/driver.mjs';
import { FIXTURES } from '../support/fixtures.mjs';
import { openCall } from '../support/list.mjs';
import { removeOnExit } from '../support/proc.mjs';

/**
 * The tone in a 16-bit WAV's left channel: the median frequency (by zero crossings) of the
 * 50 ms windows where sound is playing, so fades and pauses between the fixture's tone bursts
 * do not count. Also how many seconds of sound there were.
 */
function toneOf(wav) {
  const data = wav.indexOf(Buffer.from('data'));
  assert.ok(data > 0, 'the capture is a WAV file');
  const rate = wav.readUInt32LE(24);
  const channels = wav.readUInt16LE(22);
  const frames = Math.floor((wav.length - data - 8) / (2 * channels));
  const window = Math.floor(rate / 20);
  const found = [];
  for (let start = 0; start + window <= frames; start += window) {
    let crossings = 0;
    let first = -1;
    let last = -1;
    let energy = 0;
    let previous = 0;
    for (let i = start; i < start + window; i++) {
      const sample = wav.readInt16LE(data + 8 + i * 2 * channels);
      energy += sample * sample;
      if (i > start && ((previous < 0 && sample >= 0) || (previous >= 0 && sample < 0))) {
        crossings++;
        if (first < 0) first = i;
        last = i;
      }
      previous = sample;
    }
    // Half a period between neighbouring crossings: measured from the first to the last.
    if (Math.sqrt(energy / window) > 1000 && crossings > 2) found.push((crossings - 1) / 2 / ((last - first) / rate));
  }
  found.sort((a, b) => a - b);
  return { hz: found[Math.floor(found.length / 2)] ?? 0, loudSeconds: found.length / 20 };
}

describe('offline: a downloaded call plays with the backend gone', { timeout: 300000 }, () => {
  let backend;
  let driver;
  let browser;
  let dir;
  let capture;

  before(async () => {
    backend = await startBackend();
    dir = removeOnExit(await mkdtemp(join(tmpdir(), 'callrec-test-offline-')));
    capture = join(dir, 'capture.wav');
    const alsa = join(dir, 'asound.conf');
    await writeFile(
      alsa,
      `pcm.!default { type plug; slave { pcm "capfile"; format S16_LE; rate 48000; channels 2 } }\n` +
        `pcm.capfile { type file; slave.pcm "null"; file "${capture}"; format "wav" }\n`,
    );
    const env = { ...appEnv(backend, join(dir, 'data')), ALSA_CONFIG_PATH: `/usr/share/alsa/alsa.conf:${alsa}` };
    driver = await startTauriDriver({ env });
    browser = await openApp(driver);
    await (await byId(browser, 'signin-form')).waitForDisplayed({ timeout: 30000 });
    await submitSignIn(browser, backend.demo_password);
    await waitForAccount(browser, backend.demo_email);
  });

  after(async () => {
    await browser?.deleteSession().catch(() => {});
    await driver?.stop();
    await backend?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('downloads a call while online', async () => {
    await withShots(browser, 'offline-download', async () => {
      await openCall(browser, FIXTURES.segmentsOnly);
      const download = await byId(browser, 'download-call');
      await download.waitForClickable({ timeout: 30000 });
      await download.click();
      // Downloaded: the detail offers the local files.
      await (await byId(browser, 'files-show')).waitForExist({ timeout: 60000 });
      await saveWebviewShot(browser, 'e2e-offline-downloaded');
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
      await (await byId(browser, 'player-bar')).waitForDisplayed({ timeout: 30000 });
      // The capture device is not paced: the 35 s segment plays through at once.
      const time = await byId(browser, 'player-time');
      await browser.waitUntil(async () => !/^0:00/.test((await time.getText()).trim()), {
        timeout: 30000,
        timeoutMsg: 'the position never moved',
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
