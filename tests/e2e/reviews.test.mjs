// Reviews in the real window: the stereo call playing, the agency's scorecard brought by a sync
// and filled with the keyboard only (R, arrows, Tab, Space), a bookmark with M and a note at the
// playing moment, both marked on the scrubber (a click there seeks), then the list filtered by
// status. Screenshots go to tests/artifacts (docs/ keeps copies).

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { byId, scrollInPane, withShots } from '../support/app.mjs';
import { alsaCapture } from '../support/audio.mjs';
import { saveWebviewShot } from '../support/driver.mjs';
import { openCall, setFilter, visibleRows } from '../support/list.mjs';
import { signedInApp } from '../support/signed-in.mjs';

const WAV_STEREO = 'bc241ce6-1722-4b0b-855d-5ecec39b62fc';

/** The focused element's test id and, inside a scorecard check, that check's id. */
const focused = (browser) =>
  browser.execute(() => {
    const el = document.activeElement;
    return {
      id: el?.getAttribute('data-testid') ?? el?.closest('[data-testid]')?.getAttribute('data-testid') ?? null,
      check: el?.closest('[data-testid="review-check"]')?.getAttribute('data-check') ?? null,
    };
  });

async function tabTo(browser, wanted, what) {
  for (let presses = 0; ; presses++) {
    const now = await focused(browser);
    if (wanted(now)) return;
    assert.ok(presses < 30, `${what} not reached with Tab (at ${JSON.stringify(now)})`);
    await browser.keys(['Tab']);
  }
}

describe('reviews in the real window', { timeout: 300000 }, () => {
  let app;
  let browser;

  before(async () => {
    app = await signedInApp('reviews', async (dir) => (await alsaCapture(dir)).env);
    browser = app.browser;
  });

  after(async () => {
    await app?.close(browser);
  });

  test('a scorecard filled with the keyboard, a bookmark and a note on the scrubber', async () => {
    await withShots(browser, 'reviews-call', async () => {
      await openCall(browser, WAV_STEREO);
      await (await byId(browser, 'play-call')).waitForClickable({ timeout: 30000 });
      await (await byId(browser, 'play-call')).click();
      await (await byId(browser, 'player-bar')).waitForDisplayed({ timeout: 30000 });

      const panel = await byId(browser, 'call-review');
      await panel.waitForDisplayed({ timeout: 10000 });
      if ((await (await byId(browser, 'review-toggle')).getAttribute('aria-expanded')) !== 'true') {
        await (await byId(browser, 'review-toggle')).click();
      }
      // The agency's scorecard comes with the first sync.
      await (await byId(browser, 'review-sync-now')).click();
      await browser.waitUntil(async () => (await browser.$$('[data-testid="review-check"]')).length >= 3, {
        timeout: 20000,
        timeoutMsg: 'the scorecard never came',
      });
      const checks = await browser.execute(() =>
        [...document.querySelectorAll('[data-testid="review-check"]')].map((c) => c.getAttribute('data-check')),
      );

      // R: the status; → → →: Flagged.
      await browser.execute(() => document.activeElement?.blur());
      await browser.keys(['r']);
      await browser.waitUntil(async () => (await focused(browser)).id?.startsWith('review-status') ?? false, {
        timeout: 5000,
        timeoutMsg: 'R did not reach the status',
      });
      await browser.keys(['ArrowRight']);
      await browser.keys(['ArrowRight']);
      await browser.keys(['ArrowRight']);
      await browser.waitUntil(async () => (await byId(browser, 'review-status-flagged')).isSelected(), {
        timeout: 5000,
        timeoutMsg: 'the status is not Flagged',
      });

      // Tab to each check: Space passes the first, → fails the second.
      await tabTo(browser, (f) => f.check === checks[0] && f.id === 'review-check-pass', 'the first check');
      await browser.keys([' ']);
      await tabTo(browser, (f) => f.check === checks[1] && f.id === 'review-check-pass', 'the second check');
      await browser.keys(['ArrowRight']);
      const result = (check) =>
        browser.execute((id) => document.querySelector(`[data-testid="review-check"][data-check="${id}"]`)?.getAttribute('data-result'), check);
      await browser.waitUntil(async () => (await result(checks[0])) === 'pass' && (await result(checks[1])) === 'fail', {
        timeout: 5000,
        timeoutMsg: 'the answers were not kept',
      });
      await browser.waitUntil(async () => /\d+ ?%/.test(await (await byId(browser, 'review-score')).getText()), {
        timeout: 5000,
        timeoutMsg: 'no score shown',
      });

      // M: a bookmark at the moment the player is at; then a note with text 10 s later. The
      // player is paused first and moved with J/L, so the two marks sit apart wherever the
      // call had got to (a release build plays the 40 s call out on an unpaced test sink).
      await browser.execute(() => document.activeElement?.blur());
      const playerState = () => browser.execute(() => document.querySelector('[data-testid="player-bar"]')?.getAttribute('data-state'));
      if ((await playerState()) === 'playing') {
        await browser.keys(['k']);
        await browser.waitUntil(async () => (await playerState()) !== 'playing', { timeout: 5000, timeoutMsg: 'K did not pause' });
      }
      await browser.keys(['j']);
      await browser.keys(['j']);
      await browser.keys(['m']);
      await browser.waitUntil(async () => (await browser.$$('[data-testid="player-note-mark"]')).length === 1, {
        timeout: 5000,
        timeoutMsg: 'M left no mark on the scrubber',
      });
      await browser.keys(['l']);
      const body = await byId(browser, 'review-note-body');
      await body.setValue('Agent waits too long here');
      // Ctrl+Enter adds it (Enter alone is a new line).
      await browser.keys(['Control', 'Enter']);
      await browser.keys(['Control']);
      await browser.waitUntil(async () => (await browser.$$('[data-testid="player-note-mark"]')).length === 2, {
        timeout: 5000,
        timeoutMsg: 'the note left no mark on the scrubber',
      });
      assert.equal((await browser.$$('[data-testid="review-note"]')).length, 2);
      // Shared without a button: the background sync pushes them and the panel hears of it.
      await browser.waitUntil(
        async () =>
          browser.execute(() =>
            [...document.querySelectorAll('[data-testid="review-note"]')].every((n) => !/not shared yet/.test(n.textContent ?? '')),
          ),
        { timeout: 15000, timeoutMsg: 'the notes were never shared' },
      );
      // A click on the bookmark's mark seeks back to it.
      const bookmark = await browser.$('[data-testid="player-note-mark"][data-kind="bookmark"]');
      const at = Number(await bookmark.getAttribute('data-at')) / 1000;
      await bookmark.click();
      const seconds = async () => {
        const [m, s] = (await (await byId(browser, 'player-time')).getText()).trim().split(':').map(Number);
        return m * 60 + s;
      };
      await browser.waitUntil(async () => Math.abs((await seconds()) - at) <= 1.5, {
        timeout: 5000,
        timeoutMsg: `the player did not go back to the bookmark at ${at} s`,
      });
      // The player bar with its marks, then the review panel, each in view in the call's pane.
      await scrollInPane(browser, 'player-bar', { toTop: true });
      await saveWebviewShot(browser, 'e2e-reviews-marks');
      await scrollInPane(browser, 'call-review');
      await saveWebviewShot(browser, 'e2e-reviews');
    });
  });

  test('the list filtered by status', async () => {
    await withShots(browser, 'reviews-filter', async () => {
      // The whole list (the call was opened through a search for its id).
      await setFilter(browser, 'filter-search', '');
      await setFilter(browser, 'filter-review', 'flagged');
      await browser.waitUntil(
        async () => {
          const rows = await visibleRows(browser);
          return rows.length === 1 && rows[0].id === WAV_STEREO;
        },
        { timeout: 20000, timeoutMsg: 'the flagged filter does not show exactly the flagged call' },
      );
      const status = await browser.$('[data-testid="call-row"] [data-testid="cell-review-status"]');
      assert.equal(await status.getAttribute('data-status'), 'flagged');
      // Answered from this computer (only it knows the status), and said so, not as "offline".
      assert.equal(await (await byId(browser, 'offline-marker')).getAttribute('data-why'), 'filter');
      await saveWebviewShot(browser, 'e2e-reviews-filter');
      await setFilter(browser, 'filter-review', 'unreviewed');
      await browser.waitUntil(
        async () => {
          const rows = await visibleRows(browser);
          return rows.length > 0 && rows.every((r) => r.id !== WAV_STEREO);
        },
        { timeout: 20000, timeoutMsg: 'the flagged call is still among the not reviewed' },
      );
      await setFilter(browser, 'filter-review', '');
    });
  });
});
