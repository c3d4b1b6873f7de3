// @ts-check
// Accessibility in headless Chromium: axe-core (the npm devDependency, injected into the page)
// finds no violation on the sign-in screen, the workspace with a call open and playing (its
// transcript searched; the review queue's bar without and with a queue), the shortcuts overlay,
// and Settings (both tabs, skip silence and the queue's pause included), in the light and the
// dark theme.

/** @import { Page } from 'playwright-core' */

import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import { callsScenario, scenario } from './fixtures.mjs';
import { suite } from './media.mjs';

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

    it('finds nothing in Settings, on either tab', async () => {
      const { page } = await open(callsScenario({ count: 5 }), { colorScheme: scheme });
      await page.getByTestId('call-row').first().waitFor();
      await page.getByTestId('settings-toggle').click();
      await page.waitForFunction(() => !document.querySelector('[data-testid="settings-device"]')?.hasAttribute('disabled'));
      assert.deepEqual(await violations(page), []);
      await page.getByTestId('settings-tab-about').click();
      await page.locator('[data-testid="status-card"][data-state="connected"]').waitFor();
      assert.deepEqual(await violations(page), []);
    });
  });
}
