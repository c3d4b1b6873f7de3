// @ts-check
// Issue 6 in headless Chromium: the player bar through the scripted shell — it appears once a
// call plays, follows position events from the emulated `watch_player` channel, seeks where the
// scrubber is clicked, sends the right control for every shortcut (not while typing), shows the
// help with `?` and the player's errors; the waveform drawn in the scrubber from the emulated
// `watch_waveform` channel, silences shaded. Screenshots: ../tests/artifacts/ui-player.png,
// ui-player-dark.png and ui-player-waveform.png.

/** @import { Page } from 'playwright-core' */
/** @import { PlayerEvent } from '../../src/lib/bindings/PlayerEvent' */
/** @import { OpenOptions } from './harness.mjs' */
/** @import { MediaScenario } from '../../src/dev/mock-media' */
/** @import { WaveformEvent } from '../../src/lib/bindings/WaveformEvent' */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { callId } from './fixtures.mjs';
import { luminance, screenshot, textOf as text } from './harness.mjs';
import { argsOf, mediaScenario, openDetail, suite, waitCount } from './media.mjs';

const { open } = suite();

/**
 * @param {Page} page
 * @param {PlayerEvent} event
 */
async function playerEvent(page, event) {
  const sent = await page.evaluate((e) => window.__CALLREC_MOCK__?.playerEvent(e) ?? false, event);
  assert.equal(sent, true, 'the UI subscribed to watch_player');
}

/** @typedef {{ type: string, seconds?: number, value?: number, mode?: string }} Control */

/**
 * The `player_control` controls received so far.
 * @param {Page} page
 * @returns {Promise<Control[]>}
 */
const controls = async (page) =>
  (await argsOf(page, 'player_control')).map((a) => /** @type {Control} */ (a.control));

/**
 * Opens call 6's detail, plays it, and waits for the bar with the mock's 3-minute timeline.
 * @param {OpenOptions} [options]
 * @param {MediaScenario} [media]
 */
async function playing(options, media) {
  const app = await open(mediaScenario(media), options);
  const { page } = app;
  await page.getByTestId('call-row').first().waitFor();
  await waitCount(page, 'watch_player', 1);
  await openDetail(page, 6);
  await page.getByTestId('play-call').click();
  await page.getByTestId('player-bar').waitFor();
  await page.waitForFunction(() => document.querySelector('[data-testid="player-total"]')?.textContent === '3:00');
  await page.waitForFunction(() => document.querySelector('[data-testid="player-bar"]')?.getAttribute('data-state') === 'playing');
  return app;
}

describe('the player bar', () => {
  it('appears when a call plays and follows position events', async () => {
    const { page } = await open(mediaScenario());
    await page.getByTestId('call-row').first().waitFor();
    assert.equal(await page.getByTestId('player-bar').count(), 0, 'no bar before anything plays');
    await waitCount(page, 'watch_player', 1);
    await openDetail(page, 6);
    await page.getByTestId('play-call').click();
    await page.getByTestId('player-bar').waitFor();
    assert.deepEqual(await argsOf(page, 'play_call'), [{ callId: callId(6), from: null }]);
    await page.waitForFunction(() => document.querySelector('[data-testid="player-total"]')?.textContent === '3:00');
    assert.deepEqual(
      await page.getByTestId('player-segment-mark').evaluateAll((els) => els.map((e) => e.getAttribute('data-label'))),
      ['main', 'transfer', 'voicemail'],
    );
    assert.equal(await page.getByTestId('player-toggle').getAttribute('aria-label'), 'Pause');

    await playerEvent(page, { type: 'position', position: 75.4, segment: 1 });
    await page.waitForFunction(() => document.querySelector('[data-testid="player-time"]')?.textContent === '1:15');
    assert.equal(await text(page, 'player-segment'), 'transfer');
    assert.equal(await page.getByTestId('player-scrubber').getAttribute('aria-valuenow'), '75');
    await playerEvent(page, { type: 'position', position: 100, segment: 2 });
    await page.waitForFunction(() => document.querySelector('[data-testid="player-time"]')?.textContent === '1:40');
    assert.equal(await text(page, 'player-segment'), 'voicemail');
    // The segment boundaries sit where the segments start: 0 %, 33 %, 50 % of the scrubber.
    const lefts = await page.getByTestId('player-segment-mark').evaluateAll((els) => {
      const track = els[0]?.parentElement?.getBoundingClientRect();
      return els.map((e) => (track ? (e.getBoundingClientRect().left - track.left) / track.width : -1));
    });
    assert.ok(Math.abs((lefts[1] ?? 0) - 1 / 3) < 0.01 && Math.abs((lefts[2] ?? 0) - 0.5) < 0.01, `marks at ${lefts.join(', ')}`);
    await screenshot(page, 'player');

    // The toggle and the Play button on the detail both toggle once a call is loaded.
    await page.getByTestId('player-toggle').click();
    await page.waitForFunction(() => document.querySelector('[data-testid="player-bar"]')?.getAttribute('data-state') === 'paused');
    assert.equal(await page.getByTestId('player-toggle').getAttribute('aria-label'), 'Play');
    assert.deepEqual(await controls(page), [{ type: 'toggle' }]);
  });

  it('seeks where the scrubber is clicked', async () => {
    const { page } = await playing();
    const box = await page.getByTestId('player-scrubber').locator('.track').boundingBox();
    assert.ok(box);
    // A quarter of the way along the track of a 180 s call: 45 s.
    await page.mouse.click(box.x + box.width * 0.25, box.y + box.height / 2);
    await waitCount(page, 'player_control', 1);
    const [seek] = await controls(page);
    assert.equal(seek?.type, 'seek');
    assert.ok(Math.abs((seek.seconds ?? -1) - 45) < 0.5, `seek to ≈45 s, got ${String(seek.seconds)}`);
    await page.waitForFunction(() => document.querySelector('[data-testid="player-time"]')?.textContent === '0:45');

    // A drag sends one seek, where it was released.
    await page.mouse.move(box.x + box.width * 0.1, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height / 2, { steps: 5 });
    assert.equal(await text(page, 'player-time'), '1:30', 'the thumb follows the drag');
    await page.mouse.move(box.x + box.width * 0.75, box.y + box.height / 2, { steps: 3 });
    await page.mouse.up();
    await waitCount(page, 'player_control', 2);
    const all = await controls(page);
    assert.equal(all.length, 2, 'one seek per click or drag');
    const released = all[1]?.seconds ?? -1;
    assert.ok(Math.abs(released - 135) < 0.5, `drag released at ≈135 s, got ${String(released)}`);
  });

  it('sends the right control for each shortcut, and opens the help with ?', async () => {
    const { page } = await playing();
    // Focus on the page, not on a button or field.
    await page.locator('#call-detail-heading').focus();
    /** @type {[string, Control][]} */
    const keys = [
      ['Space', { type: 'toggle' }],
      ['ArrowRight', { type: 'seekBy', seconds: 5 }],
      ['ArrowLeft', { type: 'seekBy', seconds: -5 }],
      ['Shift+ArrowRight', { type: 'seekBy', seconds: 15 }],
      ['Shift+ArrowLeft', { type: 'seekBy', seconds: -15 }],
      ['j', { type: 'seekBy', seconds: -10 }],
      ['k', { type: 'toggle' }],
      ['l', { type: 'seekBy', seconds: 10 }],
      [']', { type: 'speed', value: 1.25 }],
      [']', { type: 'speed', value: 1.5 }],
      ['[', { type: 'speed', value: 1.25 }],
      ['+', { type: 'volume', value: 1.1 }],
      ['-', { type: 'volume', value: 1 }],
      ['n', { type: 'nextSegment' }],
      ['p', { type: 'prevSegment' }],
    ];
    for (const [n, [key, expected]] of keys.entries()) {
      await page.keyboard.press(key);
      await waitCount(page, 'player_control', n + 1);
      assert.deepEqual((await controls(page))[n], expected, `${key} sends ${JSON.stringify(expected)}`);
    }
    // Plain ↑/↓ are the list's (or nobody's): no volume change outside the bar.
    await page.keyboard.press('ArrowUp');
    // …but with focus in the bar they are the volume.
    await page.getByTestId('player-scrubber').focus();
    await page.keyboard.press('ArrowUp');
    await waitCount(page, 'player_control', keys.length + 1);
    assert.deepEqual((await controls(page)).slice(keys.length), [{ type: 'volume', value: 1.1 }]);

    await page.keyboard.press('?');
    const help = page.getByTestId('shortcut-help');
    await help.waitFor({ state: 'visible' });
    const helpText = (await help.textContent()) ?? '';
    for (const words of ['Space', 'Shift+←', 'Alt+↓', 'Slower', 'Faster', 'Next leg', 'Previous leg', 'J', 'L']) {
      assert.ok(helpText.includes(words), `the help lists ${words}`);
    }
    await page.keyboard.press('Escape');
    await help.waitFor({ state: 'hidden' });
    assert.equal(await page.getByTestId('call-detail').count(), 1, 'Escape closed the help, not the detail');
    assert.equal((await controls(page)).length, keys.length + 1, 'no control while the help was open');
  });

  it('keeps the keys for text fields and buttons', async () => {
    const { page } = await playing();
    await page.getByTestId('call-detail-back').click();
    await page.getByTestId('filter-search').click();
    await page.keyboard.type('k j l ');
    await page.keyboard.press('ArrowLeft');
    assert.equal(await page.getByTestId('filter-search').inputValue(), 'k j l ');
    await page.getByTestId('player-help').focus();
    await page.keyboard.press('Space'); // the focused button's own action: the help
    await page.getByTestId('shortcut-help').waitFor({ state: 'visible' });
    await page.keyboard.press('Escape');
    assert.deepEqual(await controls(page), [], 'no control sent');
  });

  it('sends speed, volume and channel mode from the controls, and shows player errors', async () => {
    const { page } = await playing();
    await page.getByTestId('player-speed').selectOption('2');
    await page.getByTestId('player-channel').selectOption('customerOnly');
    await page.getByTestId('player-volume').fill('130');
    await waitCount(page, 'player_control', 3);
    assert.deepEqual(await controls(page), [
      { type: 'speed', value: 2 },
      { type: 'channelMode', mode: 'customerOnly' },
      { type: 'volume', value: 1.3 },
    ]);
    await page.waitForFunction(() => document.querySelector('[data-testid="player-volume"]')?.getAttribute('aria-valuetext') === '130 %');

    await playerEvent(page, { type: 'error', code: 'decode_failed', message: 'segment 2 is truncated after 1:12' });
    const error = page.getByTestId('player-error');
    await error.waitFor();
    assert.equal(await error.getAttribute('data-code'), 'decode_failed');
    assert.equal(await text(page, 'player-error'), 'segment 2 is truncated after 1:12');
    assert.equal(await page.getByTestId('player-error-hint').count(), 0, 'no hint for a code without one');
    // A hostile file's own codes come with what the reviewer can do about it.
    await playerEvent(page, { type: 'error', code: 'audio_corrupt', message: 'main failed inside the decoder (overflow)' });
    await page.waitForFunction(() => document.querySelector('[data-testid="player-error"]')?.getAttribute('data-code') === 'audio_corrupt');
    assert.match(await text(page, 'player-error-hint'), /damaged.*Try another copy/);
    await playerEvent(page, { type: 'ended' });
    await page.waitForFunction(() => document.querySelector('[data-testid="player-bar"]')?.getAttribute('data-state') === 'ended');
  });

  it('says why a call cannot play', async () => {
    const { page } = await open(
      mediaScenario({ playError: { code: 'no_output_device', message: 'no audio output device was found' } }),
    );
    await page.getByTestId('call-row').first().waitFor();
    await openDetail(page, 1);
    await page.getByTestId('play-call').click();
    const error = page.getByTestId('player-error');
    await error.waitFor();
    assert.equal(await error.getAttribute('data-code'), 'no_output_device');
    assert.equal(await page.getByTestId('call-detail').count(), 1, 'the app stays usable');
  });

  it('has a dark theme', async () => {
    const { page } = await playing({ colorScheme: 'dark' });
    await playerEvent(page, { type: 'position', position: 70, segment: 1 });
    await page.waitForFunction(() => document.querySelector('[data-testid="player-time"]')?.textContent === '1:10');
    const bg = await page.getByTestId('player-bar').evaluate((e) => getComputedStyle(e).backgroundColor);
    assert.ok(luminance(bg) < 0.1, `dark bar: ${bg}`);
    await page.getByTestId('downloads-toggle').click();
    await page.getByTestId('downloads-panel').waitFor();
    await screenshot(page, 'player-dark');
  });
});

/**
 * Painted pixels of the waveform canvas between two fractions of its width, and their mean colour.
 * @param {Page} page
 * @param {number} from
 * @param {number} to
 */
const painted = (page, from, to) =>
  page.getByTestId('player-waveform').evaluate(
    (el, { a, b }) => {
      const canvas = /** @type {HTMLCanvasElement} */ (el);
      // Read from a copy: reading the bar's own canvas back would make Chromium warn.
      const copy = document.createElement('canvas');
      copy.width = canvas.width;
      copy.height = canvas.height;
      const ctx = copy.getContext('2d', { willReadFrequently: true });
      const x0 = Math.floor(canvas.width * a);
      const w = Math.max(1, Math.floor(canvas.width * b) - x0);
      if (!ctx || canvas.height === 0 || canvas.width === 0) {
        return { count: 0, r: 0, g: 0, b: 0, width: canvas.width, css: el.clientWidth };
      }
      ctx.drawImage(canvas, 0, 0);
      const { data } = ctx.getImageData(x0, 0, w, canvas.height);
      let count = 0;
      const sum = [0, 0, 0];
      for (let i = 0; i < data.length; i += 4) {
        if ((data[i + 3] ?? 0) > 0) {
          count += 1;
          for (let c = 0; c < 3; c += 1) sum[c] = (sum[c] ?? 0) + (data[i + c] ?? 0);
        }
      }
      const mean = (c = 0) => (count ? c / count : 0);
      return { count, r: mean(sum[0]), g: mean(sum[1]), b: mean(sum[2]), width: canvas.width, css: el.clientWidth };
    },
    { a: from, b: to },
  );

/**
 * Waits until `check` holds (polled).
 * @param {() => Promise<boolean>} check
 * @param {string} what
 */
async function until(check, what) {
  for (let i = 0; i < 100; i += 1) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.fail(`timed out waiting until ${what}`);
}

/** @param {Page} page */
const waveformDone = (page) =>
  page.waitForFunction(() => document.querySelector('[data-testid="player-waveform"]')?.getAttribute('data-complete') === 'true');

describe('the waveform', () => {
  it('is drawn in the scrubber, played part in the accent colour, silences shaded', async () => {
    const { page } = await playing();
    await waveformDone(page);
    await waitCount(page, 'watch_waveform', 1);
    const whole = await painted(page, 0, 1);
    assert.equal(whole.width, whole.css * (await page.evaluate(() => window.devicePixelRatio)), 'one column per device pixel');
    assert.ok(whole.count > whole.width * 2, `the waveform is drawn (${String(whole.count)} pixels)`);

    // The mock's segments (60, 30, 90 s) each have a silence 10–14 s in: three marks.
    const silences = page.getByTestId('player-silence');
    assert.equal(await silences.count(), 3);
    const spans = await silences.evaluateAll((els) => {
      const track = els[0]?.parentElement?.getBoundingClientRect();
      return els.map((e) => {
        const r = e.getBoundingClientRect();
        return track ? [(r.left - track.left) / track.width, (r.right - track.left) / track.width] : [-1, -1];
      });
    });
    const expected = [
      [10, 14],
      [70, 74],
      [100, 104],
    ].map(([a = 0, b = 0]) => [a / 180, b / 180]);
    for (const [i, [a = 0, b = 0]] of expected.entries()) {
      const [left = -1, right = -1] = spans[i] ?? [];
      assert.ok(Math.abs(left - a) < 0.005 && Math.abs(right - b) < 0.005, `silence ${String(i)} at ${String(left)}–${String(right)}`);
    }
    // Nothing drawn inside a silence, sound right before it.
    assert.equal((await painted(page, 10.5 / 180, 13.5 / 180)).count, 0, 'the silence is empty');
    assert.ok((await painted(page, 5 / 180, 9.5 / 180)).count > 0);

    // Played (left of the position) in the accent colour, the rest muted.
    await playerEvent(page, { type: 'position', position: 90, segment: 2 });
    await page.waitForFunction(() => document.querySelector('[data-testid="player-time"]')?.textContent === '1:30');
    await page.waitForTimeout(50);
    const played = await painted(page, 0.15, 0.45);
    const rest = await painted(page, 0.6, 0.9);
    // The light theme's accent is blue (#2456c9), the muted text grey (#57606a).
    assert.ok(played.b - played.r > 80, `played part is the accent: ${JSON.stringify(played)}`);
    assert.ok(Math.abs(rest.b - rest.r) < 40, `the rest is muted: ${JSON.stringify(rest)}`);
    await screenshot(page, 'player-waveform');

    // The scrubber still seeks under the canvas.
    const box = await page.getByTestId('player-scrubber').locator('.track').boundingBox();
    assert.ok(box);
    await page.mouse.click(box.x + box.width * 0.25, box.y + box.height / 2);
    await waitCount(page, 'player_control', 1);
    const [seek] = await controls(page);
    assert.equal(seek?.type, 'seek');
    assert.ok(Math.abs((seek.seconds ?? -1) - 45) < 0.5, `seek to ≈45 s, got ${String(seek.seconds)}`);
  });

  it('grows batch by batch, is redrawn on resize, and starts empty for the next call', async () => {
    const { page } = await playing({}, { waveform: false });
    await waitCount(page, 'watch_waveform', 1);
    assert.equal((await painted(page, 0, 1)).count, 0, 'nothing before the first batch');
    /** @param {Partial<WaveformEvent>} over */
    const send = async (over) => {
      const event = {
        callId: callId(6),
        segment: 0,
        firstBucket: 0,
        peaks: [],
        bucketSeconds: 0.05,
        done: false,
        silences: [],
        cached: false,
        error: null,
        ...over,
      };
      assert.equal(await page.evaluate((e) => window.__CALLREC_MOCK__?.waveformEvent(e) ?? false, event), true);
    };
    // The first 30 s of segment 0 (of 180 s): the first sixth of the scrubber.
    await send({ peaks: Array.from({ length: 600 }, () => 200) });
    await until(async () => (await painted(page, 0.08, 0.09)).count > 0, 'the first batch is drawn');
    assert.equal((await painted(page, 0.2, 1)).count, 0, 'nothing past the first batch');
    await send({ firstBucket: 600, peaks: Array.from({ length: 600 }, () => 100), done: true });
    await until(async () => (await painted(page, 0.25, 0.26)).count > 0, 'the second batch is drawn');
    assert.equal((await painted(page, 0.34, 1)).count, 0, 'segments 1 and 2 have no batch yet');

    // A narrower window: the canvas follows, still one column per device pixel, still drawn.
    const before = (await painted(page, 0, 1)).width;
    await page.setViewportSize({ width: 900, height: 700 });
    await page.waitForFunction((w) => {
      const c = /** @type {HTMLCanvasElement | null} */ (document.querySelector('[data-testid="player-waveform"]'));
      return c !== null && c.width !== w && c.width === Math.round(c.clientWidth * window.devicePixelRatio);
    }, before);
    assert.ok((await painted(page, 0, 0.3)).count > 0, 'redrawn after the resize');

    // Another call: the old waveform goes.
    await page.getByTestId('call-detail-back').click();
    await openDetail(page, 7);
    await page.getByTestId('play-call').click();
    await waitCount(page, 'play_call', 2);
    await until(async () => (await painted(page, 0, 1)).count === 0, "the last call's waveform is gone");
  });
});

describe('settings', () => {
  it('lists the output devices, switches to the one chosen, and says what speed calls start at', async () => {
    const { page } = await open(
      mediaScenario({
        preferences: { speed: 1.75, outputDevice: 'Desk Speakers', devices: ['Built-in Audio', 'USB Headset'] },
      }),
    );
    await page.getByTestId('call-row').first().waitFor();
    await page.getByTestId('settings-toggle').click();
    const select = page.getByTestId('settings-device');
    await page.waitForFunction(() => !document.querySelector('[data-testid="settings-device"]')?.hasAttribute('disabled'));
    assert.deepEqual(await select.locator('option').allTextContents(), [
      'System default',
      'Built-in Audio',
      'USB Headset',
      'Desk Speakers (not connected: the default plays)',
    ]);
    assert.equal(await select.inputValue(), 'Desk Speakers');
    assert.match(await text(page, 'settings-speed'), /1\.75×/);
    await select.selectOption('USB Headset');
    await waitCount(page, 'set_output_device', 1);
    assert.deepEqual(await argsOf(page, 'set_output_device'), [{ name: 'USB Headset' }]);
    await select.selectOption('');
    await waitCount(page, 'set_output_device', 2);
    assert.deepEqual((await argsOf(page, 'set_output_device'))[1], { name: null });
    await page.getByTestId('settings-close').click();
    await page.waitForFunction(() => !document.querySelector('[data-testid="settings-dialog"]')?.hasAttribute('open'));
  });

  it('sets the recordings cache limit from the keyboard, and says why one is refused', async () => {
    const { page } = await open(mediaScenario());
    await page.getByTestId('call-row').first().waitFor();
    await page.getByTestId('settings-toggle').click();
    const usage = page.getByTestId('settings-cache-usage');
    const limit = page.getByTestId('settings-cache-limit');
    await page.waitForFunction(
      () => document.querySelector('[data-testid="settings-cache-usage"]')?.textContent.includes(' of ') ?? false,
    );
    assert.equal(await usage.textContent(), 'Played calls kept for offline: 120 MB of 2.0 GB');
    assert.equal(await limit.inputValue(), '2000');
    assert.match(await text(page, 'settings-cache'), /Least recently played first; downloaded calls are never removed\./);
    assert.equal(await page.getByRole('spinbutton', { name: 'Limit (MB)' }).getAttribute('data-testid'), 'settings-cache-limit');

    // From the queue's pause, Tab reaches the field; Enter sends what was typed.
    await page.getByTestId('settings-queue-pause').focus();
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-testid')), 'settings-cache-limit');
    await page.keyboard.press('ControlOrMeta+A');
    await page.keyboard.type('10');
    await page.keyboard.press('Enter');
    await page.getByTestId('settings-cache-error').waitFor();
    assert.equal(await page.getByTestId('settings-cache-error').getAttribute('data-code'), 'invalid_cache_limit');
    assert.equal(await text(page, 'settings-cache-error'), 'Choose between 64 MB and 1 TB');
    assert.equal(await limit.getAttribute('aria-invalid'), 'true');
    assert.equal(await limit.inputValue(), '10', 'what was typed stays, to be corrected');
    assert.equal(await usage.textContent(), 'Played calls kept for offline: 120 MB of 2.0 GB');

    // Another value, then Tab to "Set limit" and Space.
    await page.keyboard.press('ControlOrMeta+A');
    await page.keyboard.type('512');
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-testid')), 'settings-cache-set');
    await page.keyboard.press('Space');
    await page.waitForFunction(
      () => document.querySelector('[data-testid="settings-cache-usage"]')?.textContent === 'Played calls kept for offline: 120 MB of 512 MB',
    );
    assert.deepEqual(await argsOf(page, 'set_cache_limit'), [{ megabytes: 10 }, { megabytes: 512 }]);
    assert.equal(await page.getByTestId('settings-cache-error').count(), 0);
    assert.equal(await limit.getAttribute('aria-invalid'), null);
    assert.equal(await limit.inputValue(), '512');

    // Opened again: the usage is read afresh and keeps the new limit.
    await page.getByTestId('settings-close').click();
    await page.waitForFunction(() => !document.querySelector('[data-testid="settings-dialog"]')?.hasAttribute('open'));
    const reads = (await argsOf(page, 'library_usage')).length;
    await page.getByTestId('settings-toggle').click();
    await waitCount(page, 'library_usage', reads + 1);
    assert.equal(await page.getByTestId('settings-cache-limit').inputValue(), '512');
  });

  it('shows why a device could not be chosen', async () => {
    const { page } = await open(
      mediaScenario({ setDeviceError: { code: 'invalid_device', message: 'that output device name is not one the system gave' } }),
    );
    await page.getByTestId('call-row').first().waitFor();
    await page.getByTestId('settings-toggle').click();
    await page.waitForFunction(() => !document.querySelector('[data-testid="settings-device"]')?.hasAttribute('disabled'));
    await page.getByTestId('settings-device').selectOption('USB Headset');
    await page.getByTestId('settings-error').waitFor();
    assert.equal(await page.getByTestId('settings-error').getAttribute('data-code'), 'invalid_device');
    assert.equal(await page.getByTestId('settings-device').inputValue(), '');
  });
});
