// @ts-check
// The reviewer's workspace (issue 15) in headless Chromium: the list and the open call side by
// side, keyboard-first from sign-in on (without a single mouse action), the split remembered, the
// list filling the window, Space kept for text fields. Screenshots:
// ../tests/artifacts/ui-workspace-{light,dark}.png.

/** @import { Page } from 'playwright-core' */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { callId, callsScenario, EMAIL, scenario } from './fixtures.mjs';
import { screenshot, textOf as text } from './harness.mjs';
import { argsOf, suite, waitCount } from './media.mjs';

const { open } = suite();

/** @param {Page} page */
const focusedTestId = (page) => page.evaluate(() => document.activeElement?.getAttribute('data-testid') ?? null);

/** @param {Page} page */
const waitFocusOnList = (page) =>
  page.waitForFunction(() => document.activeElement?.getAttribute('data-testid') === 'call-list');

/** @param {Page} page @param {string} state */
const waitPlayer = (page, state) =>
  page.waitForFunction(
    (s) => document.querySelector('[data-testid="player-bar"]')?.getAttribute('data-state') === s,
    state,
  );

/** @param {Page} page */
const openId = (page) => page.getByTestId('call-detail').getAttribute('data-id');

/** @param {Page} page */
const controls = async (page) => (await argsOf(page, 'player_control')).map((a) => a.control);

describe('the workspace', () => {
  it('walks from sign-in to the next call with the keyboard alone', async () => {
    const { page } = await open(scenario({ calls: { count: 50 } }));
    await page.getByTestId('signin-form').waitFor();
    // The form puts focus in its first empty field: the email here.
    assert.equal(await focusedTestId(page), 'signin-email');
    await page.keyboard.type(EMAIL);
    await page.keyboard.press('Tab');
    assert.equal(await focusedTestId(page), 'signin-password');
    await page.keyboard.type('a password');
    await page.keyboard.press('Enter');

    await page.getByTestId('home-screen').waitFor();
    await page.getByTestId('call-row').first().waitFor();
    await waitFocusOnList(page);
    // The first row is selected; ↓ twice: the third call. Enter opens it beside the list and plays it.
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    await page.getByTestId('call-detail').waitFor();
    assert.equal(await openId(page), callId(2));
    await waitCount(page, 'play_call', 1);
    assert.deepEqual(await argsOf(page, 'play_call'), [{ callId: callId(2), from: null }]);
    await waitPlayer(page, 'playing');
    assert.equal(await page.getByTestId('call-list').count(), 1, 'the list stays beside the call');
    assert.equal(await focusedTestId(page), 'call-list', 'the keyboard stays on the list');

    // Space pauses (the list has the focus, not a button).
    await page.keyboard.press('Space');
    await waitPlayer(page, 'paused');
    assert.deepEqual(await controls(page), [{ type: 'toggle' }]);

    // Alt+↓: the next call, opened and playing.
    await page.keyboard.press('Alt+ArrowDown');
    await page.waitForFunction((id) => document.querySelector('[data-testid="call-detail"]')?.getAttribute('data-id') === id, callId(3));
    await waitCount(page, 'play_call', 2);
    assert.deepEqual((await argsOf(page, 'play_call'))[1], { callId: callId(3), from: null });
    await waitPlayer(page, 'playing');
    assert.equal(await page.locator('[data-testid="call-row"][aria-selected="true"]').getAttribute('data-id'), callId(3));
    await waitFocusOnList(page);
    // Alt+↑: back to the third call.
    await page.keyboard.press('Alt+ArrowUp');
    await page.waitForFunction((id) => document.querySelector('[data-testid="call-detail"]')?.getAttribute('data-id') === id, callId(2));
    await waitCount(page, 'play_call', 3);

    // `?` lists the shortcuts; Escape closes the list of them and the keyboard is where it was.
    await page.keyboard.press('?');
    const help = page.getByTestId('shortcut-help');
    await help.waitFor({ state: 'visible' });
    const rows = await help.locator('tr[data-action]').evaluateAll((trs) =>
      trs.map((tr) => {
        const [keys, what] = [...tr.querySelectorAll('td')].map((td) => td.innerText.replace(/\s+/g, ' ').trim());
        return `${tr.getAttribute('data-action') ?? ''}: ${keys ?? ''} — ${what ?? ''}`;
      }),
    );
    for (const expected of [
      /^togglePlay: Space or K — Play \/ pause/,
      /^back10: J — Back 10 s$/,
      /^forward10: L — Forward 10 s$/,
      /^slower: \[ — Slower$/,
      /^faster: \] — Faster$/,
      /^nextLeg: N — Next leg$/,
      /^prevLeg: P — Previous leg$/,
      /^nextCall: Alt\+↓ — Next call/,
      /^prevCall: Alt\+↑ — Previous call/,
      /^help: \? — /,
      /^rowDown: ↓ — Next row$/,
      /^openRow: Enter — Open the selected call and play it$/,
    ]) {
      assert.ok(rows.some((r) => expected.test(r)), `the help lists ${String(expected)}: ${rows.join(' | ')}`);
    }
    await page.keyboard.press('Escape');
    await help.waitFor({ state: 'hidden' });
    assert.equal(await focusedTestId(page), 'call-list', 'focus is back on the list');
    assert.equal(await page.getByTestId('call-detail').count(), 1, 'Escape closed the help only');

    // Escape closes the call; the keyboard is on the list.
    await page.keyboard.press('Escape');
    await page.getByTestId('call-detail').waitFor({ state: 'detached' });
    assert.equal(await focusedTestId(page), 'call-list');
  });

  it('shows the next call once it is heard, and without its audio a moment later', async () => {
    // Each change of the open call's pane, with the time of the last first audio then.
    const watchPane = () => {
      /** @type {NonNullable<Window['__paneSeen']>} */
      const seen = [];
      new MutationObserver(() => {
        const id = document.querySelector('[data-testid="call-detail"]')?.getAttribute('data-id') ?? null;
        if (seen.at(-1)?.id === id) return;
        const heard = performance.getEntriesByName('callrec:first-audio').at(-1)?.startTime ?? null;
        seen.push({ id, at: performance.now(), heard });
      }).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-id'] });
      window.__paneSeen = seen;
    };
    /** @param {Page} page */
    const paneSeen = (page) => page.evaluate(() => window.__paneSeen ?? []);

    for (const stalls of [false, true]) {
      const { page } = await open(callsScenario({ count: 5 }, { media: { audioStalls: stalls } }));
      await page.getByTestId('call-row').first().waitFor();
      await waitFocusOnList(page);
      await page.evaluate(watchPane);
      const asked = await page.evaluate(() => performance.now());
      await page.keyboard.press('Alt+ArrowDown');
      await page.locator(`[data-testid="call-detail"][data-id="${callId(1)}"]`).waitFor();
      const pane = (await paneSeen(page)).find((p) => p.id === callId(1));
      assert.ok(pane, 'the pane showed the next call');
      if (stalls) {
        // Never heard: the call shows anyway, after the pane's wait for its audio (250 ms).
        assert.equal(pane.heard, null);
        assert.ok(pane.at - asked >= 200, `shown ${String(pane.at - asked)} ms after the key, not at once`);
      } else {
        // Heard first: the pane's render did not hold the play command or the audio's events.
        assert.ok(pane.heard !== null && pane.heard >= asked && pane.heard <= pane.at, JSON.stringify({ asked, pane }));
      }
      assert.deepEqual(await argsOf(page, 'play_call'), [{ callId: callId(1), from: null }]);
      await waitFocusOnList(page);
    }
  });

  it('renders with its first page in one pass, and without it once the page is slow', async () => {
    // The first time the workspace is in the page: when, and with how many rows.
    const watchWorkspace = () => {
      new MutationObserver((_, observer) => {
        const workspace = document.querySelector('[data-testid="home-screen"]');
        if (!workspace) return;
        observer.disconnect();
        window.__workspaceSeen = { at: performance.now(), rows: workspace.querySelectorAll('[data-testid="call-row"]').length };
      }).observe(document, { subtree: true, childList: true });
    };
    for (const delay of [0, 2000]) {
      const { page } = await open(callsScenario({ count: 5, delays: [delay] }), {
        beforeLoad: (p) => p.addInitScript(watchWorkspace),
      });
      await page.getByTestId('home-screen').waitFor();
      const seen = await page.evaluate(() => window.__workspaceSeen);
      assert.ok(seen, 'the workspace was seen');
      if (delay === 0) {
        assert.equal(seen.rows, 5, 'the rows came with the workspace, not in a second render');
      } else {
        // The slow first page does not keep the workspace away: it shows, loading, meanwhile.
        assert.equal(seen.rows, 0);
        assert.ok(seen.at < delay, `the workspace showed at ${String(seen.at)} ms, before the slow page`);
      }
      await page.getByTestId('call-row').first().waitFor();
      await waitFocusOnList(page);
    }
  });

  it('plays the selected call with Space when none is open, and keeps Space for the search field', async () => {
    const { page } = await open(callsScenario({ count: 50 }));
    await page.getByTestId('call-row').first().waitFor();
    await waitFocusOnList(page);
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Space');
    await page.getByTestId('call-detail').waitFor();
    assert.equal(await openId(page), callId(1));
    assert.deepEqual(await argsOf(page, 'play_call'), [{ callId: callId(1), from: null }]);
    await waitPlayer(page, 'playing');
    await page.keyboard.press('/');
    assert.equal(await focusedTestId(page), 'filter-search');
    await page.keyboard.type('Ana Ben');
    assert.equal(await page.getByTestId('filter-search').inputValue(), 'Ana Ben', 'the space is typed');
    assert.deepEqual(await controls(page), [], 'no play/pause while typing');
    assert.equal(await page.getByTestId('player-bar').getAttribute('data-state'), 'playing');
  });

  it('remembers the split after a reload, and moves it from the keyboard', async () => {
    const { page } = await open(callsScenario({ count: 50 }));
    await page.getByTestId('call-row').first().waitFor();
    const width = () => page.getByTestId('call-list').evaluate((el) => el.getBoundingClientRect().width);
    const separator = page.getByTestId('split-separator');
    assert.equal(await separator.getAttribute('role'), 'separator');
    assert.equal(await separator.getAttribute('aria-valuenow'), '50');
    const before = await width();
    await separator.focus();
    await page.keyboard.press('Shift+ArrowLeft');
    await page.keyboard.press('ArrowLeft');
    await page.waitForFunction(() => document.querySelector('[data-testid="split-separator"]')?.getAttribute('aria-valuenow') === '38');
    // The grid is laid out after the value changes: wait for the narrower list.
    await page.waitForFunction(
      (w) => (document.querySelector('[data-testid="call-list"]')?.getBoundingClientRect().width ?? w) < w - 100,
      before,
      { timeout: 5000 },
    );
    const narrower = await width();
    assert.deepEqual(await controls(page), [], 'the arrows moved the split, not the player');

    await page.reload();
    await page.getByTestId('call-row').first().waitFor();
    await page.waitForFunction(() => document.querySelector('[data-testid="split-separator"]')?.getAttribute('aria-valuenow') === '38');
    // The layout settles after the first rows: the width is compared once it has.
    await page.waitForFunction(
      (w) => Math.abs((document.querySelector('[data-testid="call-list"]')?.getBoundingClientRect().width ?? 0) - w) <= 1,
      narrower,
      { timeout: 5000 },
    );

    // A drag moves it too, and is remembered.
    const box = await page.getByTestId('split-separator').boundingBox();
    assert.ok(box);
    const y = box.y + box.height / 2;
    await page.mouse.move(box.x + box.width / 2, y);
    await page.mouse.down();
    await page.mouse.move(box.x + 200, y, { steps: 4 });
    await page.mouse.up();
    await page.waitForFunction(
      (w) => (document.querySelector('[data-testid="call-list"]')?.getBoundingClientRect().width ?? 0) > w + 150,
      narrower,
      { timeout: 5000 },
    );
    assert.ok(Number(await page.evaluate(() => localStorage.getItem('callrec.split'))) > 0.38);
  });

  for (const [w, h, scheme] of /** @type {const} */ ([
    [1024, 640, 'dark'],
    [1200, 780, 'light'],
  ])) {
    it(`fills the window's height with the list at ${w}×${h}, the filters on one row (${scheme})`, async () => {
      const { page } = await open(callsScenario({ count: 500 }), { colorScheme: scheme });
      await page.setViewportSize({ width: w, height: h });
      await page.getByTestId('call-row').first().waitFor();
      await page.keyboard.press('Enter');
      await page.getByTestId('player-bar').waitFor();
      const m = await page.evaluate(() => {
        const list = document.querySelector('[data-testid="call-list"]')?.getBoundingClientRect();
        const filters = [...document.querySelectorAll('form[role="search"] input, form[role="search"] select')];
        return {
          inner: window.innerHeight,
          scroll: document.documentElement.scrollHeight,
          top: list?.top ?? 0,
          bottom: list?.bottom ?? 0,
          rows: new Set(filters.map((f) => Math.round(f.getBoundingClientRect().top))).size,
        };
      });
      assert.ok(m.scroll <= m.inner, `no page scroll: ${m.scroll} > ${m.inner}`);
      assert.ok(m.bottom >= m.inner - 24 && m.bottom <= m.inner, `the list reaches the bottom: ${m.bottom} of ${m.inner}`);
      assert.ok(m.bottom - m.top >= m.inner * 0.6, `the list is most of the height: ${m.bottom - m.top} of ${m.inner}`);
      assert.equal(m.rows, 1, 'the filters fit one row');
      // The player at the top of the call's pane, beside the list.
      const bar = await page.getByTestId('player-bar').boundingBox();
      const list = await page.getByTestId('call-list').boundingBox();
      assert.ok(bar && list && bar.x > list.x + list.width && bar.y < list.y + 80, 'the player tops the pane beside the list');
      assert.equal(await page.locator('[data-testid="call-metadata"]').getAttribute('open'), null, 'the details are folded');
      await screenshot(page, `workspace-${scheme}`);
    });
  }

  it('moves the project diagnostics to Settings → About / connection', async () => {
    const { page } = await open(callsScenario({ count: 5 }));
    await page.getByTestId('call-row').first().waitFor();
    assert.equal(await page.getByTestId('status-card').count(), 0, 'not on the workspace');
    await page.getByTestId('settings-toggle').click();
    const about = page.getByTestId('settings-tab-about');
    await page.getByTestId('settings-tab-audio').focus();
    await page.keyboard.press('ArrowRight');
    assert.equal(await about.getAttribute('aria-selected'), 'true');
    assert.equal(await focusedTestId(page), 'settings-tab-about');
    await page.locator('[data-testid="status-card"][data-state="connected"]').waitFor();
    assert.match(await text(page, 'project-url'), /supabase\.co/);
    await page.keyboard.press('Escape');
    await page.getByTestId('settings-dialog').waitFor({ state: 'hidden' });
    assert.equal(await page.getByTestId('call-row').count() > 0, true);
  });
});
