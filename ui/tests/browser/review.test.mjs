// @ts-check
// Issue 15's review tools in headless Chromium: the transcript beside the player (turns, search,
// a timed turn seeks), skip silence (seeks past the waveform's silence, shows the time saved) and
// the review queue (advances on `ended`, "2 of 3", survives a reload). Screenshots:
// ../tests/artifacts/ui-transcript.png, ui-skip-silence.png and ui-queue.png.

/** @import { Page } from 'playwright-core' */
/** @import { PlayerEvent } from '../../src/lib/bindings/PlayerEvent' */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { callId, callsScenario } from './fixtures.mjs';
import { screenshot, textOf as text } from './harness.mjs';
import { argsOf, suite, waitCount } from './media.mjs';

const { open } = suite();

/**
 * @param {Page} page
 * @param {PlayerEvent} event
 */
async function playerEvent(page, event) {
  const sent = await page.evaluate((e) => window.__CALLREC_MOCK__?.playerEvent(e) ?? false, event);
  assert.equal(sent, true, 'the UI subscribed to watch_player');
}

/** @param {Page} page */
const controls = async (page) =>
  (await argsOf(page, 'player_control')).map((a) => /** @type {{ type: string, seconds?: number }} */ (a.control));

/**
 * Plays the selected (first) call with Enter and waits for it to play.
 * @param {Page} page
 */
async function playFirst(page) {
  await page.getByTestId('call-row').first().waitFor();
  await waitCount(page, 'watch_player', 1);
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.querySelector('[data-testid="player-bar"]')?.getAttribute('data-state') === 'playing');
}

describe('the transcript beside the player', () => {
  it('shows the turns, finds a word, and a timed turn seeks there', async () => {
    const { page } = await open(callsScenario({ count: 10, transcripts: 'json' }));
    await playFirst(page);
    const panel = page.getByTestId('call-transcript');
    await panel.waitFor();
    assert.deepEqual(
      await page.getByTestId('transcript-turn').evaluateAll((els) => els.map((e) => [e.getAttribute('data-role'), e.textContent.replace(/\s+/g, ' ').trim()])),
      [
        ['agent', '0:00 Agent: Thanks for calling, this is Ana Lima.'],
        ['caller', '0:04 Caller: Hi, I am calling about my order 0.'],
        ['agent', '0:12 Agent: Let me check that order for you.'],
        ['caller', '0:20 Caller: Thank you, it was a refund.'],
      ],
    );
    assert.equal(await text(page, 'call-sentiment'), 'Sentiment: positive');
    assert.match(await text(page, 'call-summary'), /Caller asked about order 0; resolved\./);

    await page.getByTestId('transcript-search').fill('ORDER');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="transcript-match"]').length === 2);
    assert.equal(await text(page, 'transcript-matches'), '2 matches');
    await page.getByTestId('transcript-search').press('Enter');
    await page.getByTestId('transcript-search').press('Enter');
    assert.equal(await text(page, 'transcript-matches'), '2 of 2');
    assert.equal(await page.locator('mark.current').textContent(), 'order');
    assert.equal(
      await page.locator('mark.current').evaluate((m) => m.closest('li')?.textContent.includes('Let me check')),
      true,
      'the second match is the current one',
    );
    // Typing in the search is not a shortcut: nothing was sent to the player.
    assert.deepEqual(await controls(page), []);
    await screenshot(page, 'transcript');

    await page.getByTestId('transcript-seek').nth(2).click();
    await waitCount(page, 'player_control', 1);
    assert.deepEqual(await controls(page), [{ type: 'seek', seconds: 12.5 }]);

    // Another call's turn: that call plays from there.
    await page.locator(`[data-testid="call-row"][data-id="${callId(1)}"]`).dblclick();
    await page.locator(`[data-testid="call-detail"][data-id="${callId(1)}"]`).waitFor();
    await page.getByTestId('transcript-seek').nth(1).click();
    await waitCount(page, 'play_call', 2);
    assert.deepEqual((await argsOf(page, 'play_call'))[1], { callId: callId(1), from: 4 });
  });

  it('splits the inline speaker text of the magpipe table, and shows no panel without a transcript', async () => {
    const { page } = await open(callsScenario({ count: 10, transcripts: 'speakers' }));
    await playFirst(page);
    await page.getByTestId('call-transcript').waitFor();
    assert.deepEqual(
      await page.getByTestId('transcript-turn').evaluateAll((els) => els.map((e) => e.getAttribute('data-role'))),
      ['agent', 'caller'],
    );
    assert.match(await text(page, 'call-transcript'), /Agent: .*Caller: /s);
    assert.equal(await page.getByTestId('transcript-seek').count(), 0, 'no times, no seek buttons');

    const plain = await open(callsScenario({ count: 10 }));
    await playFirst(plain.page);
    await plain.page.getByTestId('call-detail').waitFor();
    assert.equal(await plain.page.getByTestId('call-transcript').count(), 0);
    assert.equal(await plain.page.getByTestId('call-summary').count(), 0);
  });
});

describe('skip silence', () => {
  it('seeks past a silence the waveform marks, shows the time saved, and is remembered', async () => {
    const { page } = await open(callsScenario({ count: 10 }));
    await playFirst(page);
    // The mock's waveform marks 10–14 s of the first leg silent.
    await page.getByTestId('player-silence').first().waitFor({ state: 'attached' });
    const toggle = page.getByTestId('player-skip-silence');
    assert.equal(await toggle.getAttribute('aria-pressed'), 'false', 'off by default');
    await playerEvent(page, { type: 'position', position: 10.2, segment: 0 });
    await page.waitForFunction(() => document.querySelector('[data-testid="player-time"]')?.textContent === '0:10');
    assert.deepEqual(await controls(page), [], 'off: no seek');

    await playerEvent(page, { type: 'position', position: 9.5, segment: 0 });
    await page.waitForFunction(() => document.querySelector('[data-testid="player-time"]')?.textContent === '0:09');
    await toggle.click();
    assert.equal(await toggle.getAttribute('aria-pressed'), 'true');
    await playerEvent(page, { type: 'position', position: 10.2, segment: 0 });
    await waitCount(page, 'player_control', 1);
    assert.deepEqual(await controls(page), [{ type: 'seek', seconds: 13.75 }]);
    await page.getByTestId('player-skip-saved').waitFor();
    assert.equal(await text(page, 'player-skip-saved'), '−0:03 skipped');
    await screenshot(page, 'skip-silence');

    // A minimum length longer than the 4 s silence: it plays.
    await page.getByTestId('settings-toggle').click();
    assert.equal(await page.getByTestId('settings-skip-silence').isChecked(), true);
    await page.getByTestId('settings-silence-min').fill('5');
    await page.getByTestId('settings-silence-min').press('Tab');
    await page.getByTestId('settings-close').click();
    await playerEvent(page, { type: 'position', position: 5, segment: 0 });
    await playerEvent(page, { type: 'position', position: 10.5, segment: 0 });
    await page.waitForFunction(() => document.querySelector('[data-testid="player-time"]')?.textContent === '0:10');
    assert.equal((await controls(page)).length, 1, 'a 4 s silence is shorter than the minimum: played');

    await page.reload();
    await playFirst(page);
    assert.equal(await page.getByTestId('player-skip-silence').getAttribute('aria-pressed'), 'true', 'still on after a restart');
  });
});

describe('the review queue', () => {
  it('plays the filter’s calls one after another, shows "2 of 3", and survives a reload', async () => {
    const { page } = await open(callsScenario({ count: 3 }));
    await page.getByTestId('call-row').first().waitFor();
    await waitCount(page, 'watch_player', 1);
    assert.equal(await text(page, 'queue-review'), 'Review these 3');
    await page.getByTestId('queue-review').click();
    await page.getByTestId('queue-progress').waitFor();
    assert.equal(await text(page, 'queue-progress'), '1 of 3');
    assert.equal(await text(page, 'queue-description'), 'All calls, newest first');
    await waitCount(page, 'play_call', 1);
    assert.deepEqual((await argsOf(page, 'play_call'))[0], { callId: callId(0), from: null });

    await playerEvent(page, { type: 'ended' });
    await waitCount(page, 'play_call', 2);
    assert.deepEqual((await argsOf(page, 'play_call'))[1], { callId: callId(1), from: null });
    assert.equal(await text(page, 'queue-progress'), '2 of 3');
    await page.locator(`[data-testid="call-detail"][data-id="${callId(1)}"]`).waitFor();
    await screenshot(page, 'queue');

    await page.reload();
    await page.getByTestId('queue-progress').waitFor();
    assert.equal(await text(page, 'queue-progress'), '2 of 3', 'the queue survived the reload');
    await page.locator(`[data-testid="call-detail"][data-id="${callId(1)}"]`).waitFor();
    assert.equal(await page.evaluate(() => window.__CALLREC_MOCK__?.count('play_call')), 0, 'restored, not playing');

    // Alt+↓ is the queue's next call; after the last one ends, the queue is done.
    await page.getByTestId('call-list').focus();
    await page.keyboard.press('Alt+ArrowDown');
    await waitCount(page, 'play_call', 1);
    assert.deepEqual((await argsOf(page, 'play_call'))[0], { callId: callId(2), from: null });
    assert.equal(await text(page, 'queue-progress'), '3 of 3');
    await page.waitForFunction(() => document.querySelector('[data-testid="player-bar"]')?.getAttribute('data-state') === 'playing');
    await playerEvent(page, { type: 'ended' });
    await page.getByTestId('queue-finished').waitFor();
    assert.equal(await page.evaluate(() => window.__CALLREC_MOCK__?.count('play_call')), 1, 'nothing after the last call');

    await page.getByTestId('queue-stop').click();
    await page.getByTestId('queue-review').waitFor();
    await page.reload();
    await page.getByTestId('queue-review').waitFor();
    assert.equal(await page.getByTestId('queue-progress').count(), 0, 'a stopped queue is forgotten');
  });

  it('reviews a random sample, pausing between calls as set', async () => {
    const { page } = await open(callsScenario({ count: 50 }), {
      localStorage: { 'callrec.review': JSON.stringify({ queuePauseSeconds: 1 }) },
    });
    await page.getByTestId('call-row').first().waitFor();
    await waitCount(page, 'watch_player', 1);
    await page.getByTestId('filter-direction').selectOption('inbound');
    await page.waitForFunction(() => document.querySelector('[data-testid="queue-review"]')?.textContent.trim() === 'Review these 33');
    await page.getByTestId('queue-sample-size').fill('5');
    await page.getByTestId('queue-sample-size').press('Tab');
    await page.getByTestId('queue-review-sample').click();
    await page.getByTestId('queue-progress').waitFor();
    assert.equal(await text(page, 'queue-progress'), '1 of 5');
    assert.equal(await text(page, 'queue-description'), 'inbound, newest first (random 5)');
    await waitCount(page, 'play_call', 1);
    await playerEvent(page, { type: 'ended' });
    await page.getByTestId('queue-waiting').waitFor();
    assert.equal(await text(page, 'queue-waiting'), 'Next call in 1 s');
    await waitCount(page, 'play_call', 2);
    assert.equal(await text(page, 'queue-progress'), '2 of 5');
    const played = (await argsOf(page, 'play_call')).map((a) => a.callId);
    assert.equal(new Set(played).size, 2, 'two different calls');
  });
});
