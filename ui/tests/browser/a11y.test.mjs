// @ts-check
// Accessibility in headless Chromium: axe-core (the npm devDependency, injected into the page)
// finds no violation on the sign-in screen, the workspace with a call open and playing (its
// transcript searched; the review queue's bar without and with a queue), the call pane with its
// review panel open (status, answers, comments, notes and bookmarks in the panel and on the
// scrubber, another reviewer's review, a refused change, the list's review columns), the
// shortcuts overlay, Settings (every tab, skip silence, the queue's pause and a refused cache
// limit included), and the workspace's notices scrolling in their own box, in the light and
// the dark theme.

/** @import { Page } from 'playwright-core' */

import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import { callId, callsScenario, EMAIL, ipcError, keyutils, scenario, signedIn } from './fixtures.mjs';
import { suite, waitCount } from './media.mjs';

const { open } = suite();
const axeSource = await readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/**
 * axe's violations on the page as it is now, one line each (rule, impact, where).
 * @param {Page} page
 * @returns {Promise<string[]>}
 */
async function violations(page) {
  // Evaluated through DevTools, so the page's CSP (no inline scripts) does not apply to it.
  await page.evaluate(axeSource);
  return page.evaluate(async () => {
    if (!window.axe) throw new Error('axe-core did not load');
    const result = await window.axe.run(document, { resultTypes: ['violations'] });
    return result.violations.flatMap((v) =>
      v.nodes.map(
        (n) => `${v.id} (${v.impact ?? '?'}) at ${n.target.join(' ')}: ${(n.failureSummary ?? '').replace(/\s+/g, ' ')}`,
      ),
    );
  });
}

for (const scheme of /** @type {const} */ (['light', 'dark'])) {
  describe(`axe-core, ${scheme} theme`, () => {
    it('finds nothing on the sign-in screen', async () => {
      const { page } = await open(scenario(), { colorScheme: scheme });
      await page.getByTestId('signin-form').waitFor();
      await page.locator('[data-testid="status-card"]:not([data-state="checking"])').waitFor({ state: 'attached' });
      assert.deepEqual(await violations(page), []);
    });

    it('finds nothing on the workspace with a call playing, its transcript searched, a review queue on, nor in the shortcuts overlay', async () => {
      const { page } = await open(callsScenario({ count: 50, transcripts: 'json' }), { colorScheme: scheme });
      await page.getByTestId('call-row').first().waitFor();
      await page.keyboard.press('ArrowDown');
      await page.keyboard.press('Enter');
      await page.waitForFunction(() => document.querySelector('[data-testid="recordings"]')?.getAttribute('data-state') === 'ready');
      await page.waitForFunction(() => document.querySelector('[data-testid="player-bar"]')?.getAttribute('data-state') === 'playing');
      await page.locator('[data-testid="call-metadata"] summary').click();
      await page.getByTestId('transcript-search').fill('order');
      await page.getByTestId('transcript-search').press('Enter');
      await page.locator('mark.current').waitFor();
      assert.deepEqual(await violations(page), []);
      // The review queue's bar, with a queue on.
      await page.getByTestId('queue-review').click();
      await page.getByTestId('queue-progress').waitFor();
      assert.deepEqual(await violations(page), []);
      // Out of the search box: `?` typed there is text.
      await page.locator('#call-detail-heading').focus();
      await page.keyboard.press('?');
      await page.getByTestId('shortcut-help').waitFor({ state: 'visible' });
      assert.deepEqual(await violations(page), []);
    });

    it('finds nothing on the call pane with its review panel open: answers, notes, marks, others, an error', async () => {
      const id = callId(0);
      const { page } = await open(
        callsScenario(
          { count: 10, transcripts: 'json' },
          {
            reviews: {
              calls: {
                [id]: {
                  mine: { status: 'in_review', checks: { greet: { result: 'pass', comment: 'Warm greeting' }, verify: { result: 'fail' } } },
                  others: [
                    {
                      callId: id,
                      reviewerId: 'b2c4e6f8-0000-4000-8000-000000000002',
                      reviewerEmail: 'ben@agency.example',
                      status: 'flagged',
                      checks: {},
                      score: 50,
                      editedAt: '2026-12-06T16:20:00Z',
                      mine: false,
                    },
                  ],
                  notes: [
                    {
                      id: 'd0000000-0000-4000-8000-000000000001',
                      callId: id,
                      reviewerId: 'b2c4e6f8-0000-4000-8000-000000000002',
                      kind: 'note',
                      atMs: 12_500,
                      endMs: 21_000,
                      body: 'Long hold without saying why',
                      createdAt: '2026-12-06T16:18:00Z',
                      mine: false,
                      synced: true,
                    },
                  ],
                },
                [callId(2)]: { mine: { status: 'flagged' } },
              },
              errors: { delete_note: { code: 'reviews_unavailable', message: 'the library is locked' } },
            },
          },
        ),
        { colorScheme: scheme },
      );
      await page.getByTestId('call-row').first().waitFor();
      await waitCount(page, 'watch_player', 1);
      await page.keyboard.press('Enter');
      await page.waitForFunction(() => document.querySelector('[data-testid="player-bar"]')?.getAttribute('data-state') === 'playing');
      await page.locator('[data-testid="call-review"][data-state="ready"]').waitFor();
      // A bookmark (M) and a note of one's own, beside the other reviewer's span.
      await page.getByTestId('call-list').focus();
      await page.keyboard.press('m');
      await page.getByTestId('review-note-body').fill('Asked for a manager');
      await page.getByTestId('review-mark-start').click();
      await page.getByTestId('review-note-add').click();
      await page.waitForFunction(() => document.querySelectorAll('[data-testid="player-note-mark"]').length === 3);
      // A refused delete shows its error.
      await page.getByTestId('review-note-delete').first().click();
      await page.getByTestId('review-change-error').waitFor();
      // Focus on a status, a mark focused in the player bar later: both drawn.
      await page.keyboard.press('r');
      assert.deepEqual(await violations(page), []);
      await page.getByTestId('player-note-mark').first().focus();
      assert.deepEqual(await violations(page), []);
    });

    it('finds nothing in Settings, on any tab', async () => {
      const { page } = await open(callsScenario({ count: 5 }), { colorScheme: scheme });
      await page.getByTestId('call-row').first().waitFor();
      await page.getByTestId('settings-toggle').click();
      await page.waitForFunction(() => !document.querySelector('[data-testid="settings-device"]')?.hasAttribute('disabled'));
      assert.deepEqual(await violations(page), []);
      // A refused cache limit: the field marked invalid, its error described.
      await page.getByTestId('settings-cache-limit').fill('10');
      await page.getByTestId('settings-cache-limit').press('Enter');
      await page.getByTestId('settings-cache-error').waitFor();
      assert.deepEqual(await violations(page), []);
      await page.getByTestId('settings-tab-about').click();
      await page.locator('[data-testid="status-card"][data-state="connected"]').waitFor();
      assert.deepEqual(await violations(page), []);
      await page.getByTestId('settings-tab-reviews').click();
      await page.getByTestId('settings-export-reviews').click();
      await page.locator('[data-testid="settings-export-result"][data-state="saved"]').waitFor();
      assert.deepEqual(await violations(page), []);
    });

    it('finds nothing on the workspace whose notices scroll in their own box', async () => {
      const { page } = await open(
        callsScenario(
          { count: 50 },
          {
            session: { ok: signedIn(EMAIL, { status: 'offline', notice: { code: 'unreachable', message: 'connection refused' }, keyring: keyutils }) },
            probe: [ipcError('unreachable')],
            signOut: ipcError('keyring_failed'),
          },
        ),
        { colorScheme: scheme },
      );
      await page.setViewportSize({ width: 1024, height: 640 });
      await page.getByTestId('call-row').first().waitFor();
      await page.evaluate(() => window.__CALLREC_MOCK__?.emit('open-call', { callId: 'no-such-call' }));
      await page.getByTestId('signout').click();
      await page.getByTestId('signout-error').waitFor();
      await page.getByTestId('open-call-error').waitFor();
      await page.locator('[data-testid="notices"][tabindex="0"]').waitFor();
      assert.deepEqual(await violations(page), []);
    });
  });
}
