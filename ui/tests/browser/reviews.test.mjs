// @ts-check
// Reviews the agency shares, in headless Chromium against the scripted shell (src/dev/
// mock-reviews.ts): the status and the scorecard with the keyboard alone, notes at the playing
// moment (a span too) in the panel and on the scrubber, a mark seeks, `M` bookmarks, a delete,
// the list's Review and Score columns and its review filter (the queue takes it), the sync line,
// a refused note, the export, and the panel at 1024×640. Screenshots:
// ../tests/artifacts/ui-review-panel.png, ui-review-marks.png, ui-review-1024-dark.png,
// ui-review-list.png.

/** @import { Page } from 'playwright-core' */
/** @import { PlayerEvent } from '../../src/lib/bindings/PlayerEvent' */
/** @import { Review } from '../../src/lib/bindings/Review' */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { callId, callsScenario } from './fixtures.mjs';
import { screenshot, textOf as text } from './harness.mjs';
import { argsOf, suite, waitCount } from './media.mjs';

const { open } = suite();
const MIGRATION = 'supabase/migrations/20261207000000_callrec_reviews.sql';

/**
 * @param {Page} page
 * @param {PlayerEvent} event
 */
async function playerEvent(page, event) {
  const sent = await page.evaluate((e) => window.__CALLREC_MOCK__?.playerEvent(e) ?? false, event);
  assert.equal(sent, true, 'the UI subscribed to watch_player');
}

/**
 * Plays the selected (first) call with Enter; waits for it to play and for its review.
 * @param {Page} page
 */
async function playFirst(page) {
  await page.getByTestId('call-row').first().waitFor();
  await waitCount(page, 'watch_player', 1);
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.querySelector('[data-testid="player-bar"]')?.getAttribute('data-state') === 'playing');
  await page.locator('[data-testid="call-review"][data-state="ready"]').waitFor();
}

/**
 * The player says it is at `seconds` (of the first leg), and the bar shows it.
 * @param {Page} page
 * @param {number} seconds
 */
async function at(page, seconds) {
  await playerEvent(page, { type: 'position', position: seconds, segment: 0 });
  const shown = `${Math.floor(seconds / 60)}:${String(Math.floor(seconds % 60)).padStart(2, '0')}`;
  await page.waitForFunction((t) => document.querySelector('[data-testid="player-time"]')?.textContent === t, shown);
}

/**
 * Clicks a radio's label, as a reviewer does (the radio itself is visually hidden).
 * @param {Page} page
 * @param {string} testid
 */
const choose = (page, testid) => page.locator(`label:has([data-testid="${testid}"])`).click();

/** @param {Page} page */
const focusedTestId = (page) => page.evaluate(() => document.activeElement?.getAttribute('data-testid') ?? null);

/** @param {Page} page */
const controls = async (page) =>
  (await argsOf(page, 'player_control')).map((a) => /** @type {{ type: string, seconds?: number }} */ (a.control));

/**
 * Another reviewer's review of a call, as the last sync brought it.
 * @param {string} id
 * @returns {Review}
 */
const othersReview = (id) => ({
  callId: id,
  reviewerId: 'b2c4e6f8-0000-4000-8000-000000000002',
  reviewerEmail: 'ben@agency.example',
  status: 'flagged',
  checks: { greet: { result: 'pass' }, verify: { result: 'fail' } },
  score: 33.33,
  editedAt: '2026-12-06T16:20:00Z',
  mine: false,
});

describe('the review panel', () => {
  it('sets the status and answers the scorecard with the keyboard alone, and shows the score', async () => {
    const { page } = await open(callsScenario({ count: 10 }));
    await playFirst(page);
    const id = callId(0);
    assert.deepEqual(await argsOf(page, 'call_reviews'), [{ callId: id }]);
    assert.equal(await text(page, 'review-score'), 'Not scored');

    // R: the status, from anywhere (here the list); ←/→ move and choose, as radios do.
    await page.getByTestId('call-list').focus();
    await page.keyboard.press('r');
    assert.equal(await focusedTestId(page), 'review-status-unreviewed');
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    await waitCount(page, 'set_review_status', 2);
    assert.deepEqual(await argsOf(page, 'set_review_status'), [
      { callId: id, status: 'in_review' },
      { callId: id, status: 'reviewed' },
    ]);
    assert.equal(await page.getByTestId('review-status-reviewed').isChecked(), true);
    assert.deepEqual(await controls(page), [], 'the arrows were the radios’, not the player’s');

    // Tab into the first check: Space passes it; the comment, then the next check.
    await page.keyboard.press('Tab');
    assert.equal(await focusedTestId(page), 'review-check-pass');
    await page.keyboard.press(' ');
    await page.locator('[data-testid="review-check"][data-check="greet"][data-result="pass"]').waitFor();
    assert.equal(await text(page, 'review-score'), 'Score 100 %');
    await page.keyboard.press('Tab');
    assert.equal(await focusedTestId(page), 'review-check-comment');
    await page.keyboard.press('Tab');
    assert.equal(await focusedTestId(page), 'review-check-clear');
    await page.keyboard.press('Tab');
    // The second check (weight 2): → from Pass chooses Fail.
    assert.equal(await focusedTestId(page), 'review-check-pass');
    await page.keyboard.press('ArrowRight');
    await page.locator('[data-testid="review-check"][data-check="verify"][data-result="fail"]').waitFor();
    assert.equal(await text(page, 'review-score'), 'Score 33 %');
    await page.keyboard.press('Tab');
    await page.keyboard.type('Never asked for the date of birth');
    await page.keyboard.press('Tab');
    await waitCount(page, 'answer_check', 3);
    assert.deepEqual(await argsOf(page, 'answer_check'), [
      { callId: id, checkId: 'greet', result: 'pass', comment: null },
      { callId: id, checkId: 'verify', result: 'fail', comment: null },
      { callId: id, checkId: 'verify', result: 'fail', comment: 'Never asked for the date of birth' },
    ]);
    // N/A is left out of the score; Clear takes an answer back.
    const verify = page.locator('[data-testid="review-check"][data-check="verify"]');
    await verify.getByTestId('review-check-na').focus();
    await page.keyboard.press(' ');
    await page.locator('[data-testid="review-check"][data-check="verify"][data-result="na"]').waitFor();
    assert.equal(await text(page, 'review-score'), 'Score 100 %');
    await page.locator('[data-testid="review-check"][data-check="greet"]').getByTestId('review-check-clear').press('Enter');
    await page.locator('[data-testid="review-check"][data-check="greet"][data-result=""]').waitFor();
    assert.equal(await text(page, 'review-score'), 'Not scored');
    assert.deepEqual((await argsOf(page, 'answer_check')).at(-1), { callId: id, checkId: 'greet', result: null, comment: null });

    // The list's row shows the status at once.
    const row = page.locator(`[data-testid="call-row"][data-id="${id}"]`);
    assert.equal(((await row.getByTestId('cell-review-status').textContent()) ?? '').trim(), 'Reviewed');
    assert.match(await text(page, 'review-summary'), /^Reviewed Not scored/);
  });

  it('adds notes at the playing moment and over a span, marks them on the scrubber, seeks from a mark, bookmarks with M and deletes', async () => {
    const { page } = await open(callsScenario({ count: 10 }));
    await playFirst(page);
    const id = callId(0);
    assert.equal(await page.getByTestId('review-notes-empty').count(), 1);

    await at(page, 83.4);
    assert.equal(await text(page, 'review-note-when'), 'at 1:23');
    await page.getByTestId('review-note-body').fill('Asked for a manager');
    await page.getByTestId('review-note-add').click();
    await page.getByTestId('review-note').first().waitFor();
    assert.deepEqual(await argsOf(page, 'add_note'), [
      { callId: id, kind: 'note', atMs: 83_400, endMs: null, body: 'Asked for a manager' },
    ]);
    assert.equal(await page.getByTestId('review-note-body').inputValue(), '', 'the form is emptied');

    // A span: "Mark start" at 0:45, the note typed at 0:50 (its moment: when typing began).
    await at(page, 45);
    await page.getByTestId('review-mark-start').click();
    assert.equal(await page.getByTestId('review-mark-start').getAttribute('aria-pressed'), 'true');
    await at(page, 50.25);
    assert.equal(await text(page, 'review-note-when'), 'from 0:45 to 0:50');
    await page.getByTestId('review-note-body').focus();
    await page.keyboard.type('Hold music, nothing said');
    await at(page, 58);
    assert.equal(await text(page, 'review-note-when'), 'from 0:45 to 0:50', 'pinned to when typing began');
    await page.keyboard.press('Control+Enter');
    await waitCount(page, 'add_note', 2);
    assert.deepEqual((await argsOf(page, 'add_note'))[1], {
      callId: id,
      kind: 'note',
      atMs: 45_000,
      endMs: 50_250,
      body: 'Hold music, nothing said',
    });
    // Typing M in the note is text, not a bookmark.
    await page.getByTestId('review-note-body').focus();
    await page.keyboard.type('m');
    assert.equal(await page.getByTestId('review-note-body').inputValue(), 'm');
    await page.getByTestId('review-note-body').fill('');

    // M anywhere else: a bookmark at the moment playing.
    await at(page, 30);
    await page.getByTestId('call-list').focus();
    await page.keyboard.press('m');
    await waitCount(page, 'add_note', 3);
    assert.deepEqual((await argsOf(page, 'add_note'))[2], { callId: id, kind: 'bookmark', atMs: 30_000, endMs: null, body: '' });
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="review-note"]').length === 3);
    assert.equal(await text(page, 'review-announce'), 'Bookmark added at 0:30');

    // The list by time: the bookmark, the span, the note.
    assert.deepEqual(
      await page.getByTestId('review-note').evaluateAll((els) =>
        els.map((e) => [e.getAttribute('data-kind'), e.querySelector('[data-testid="review-note-seek"]')?.textContent.trim()]),
      ),
      [
        ['bookmark', '0:30'],
        ['note', '0:45–0:50'],
        ['note', '1:23'],
      ],
    );
    // On the scrubber: one mark each, labelled, in the same order; the span as a band.
    const marks = page.getByTestId('player-note-mark');
    assert.equal(await marks.count(), 3);
    assert.deepEqual(await marks.evaluateAll((els) => els.map((e) => e.getAttribute('aria-label'))), [
      'Bookmark at 0:30',
      'Note from 0:45 to 0:50: Hold music, nothing said',
      'Note at 1:23: Asked for a manager',
    ]);
    assert.equal(await page.locator('[data-testid="player-note-mark"].span').count(), 1);
    await page.getByTestId('review-notes').scrollIntoViewIfNeeded();
    await screenshot(page, 'review-panel');
    await page.getByTestId('player-bar').scrollIntoViewIfNeeded();
    await screenshot(page, 'review-marks');

    // A mark seeks there; ←/→ move between the marks, Enter seeks to the one chosen.
    await marks.nth(2).click();
    await waitCount(page, 'player_control', 1);
    assert.deepEqual(await controls(page), [{ type: 'seek', seconds: 83.4 }]);
    await page.keyboard.press('ArrowLeft');
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('aria-label')), 'Note from 0:45 to 0:50: Hold music, nothing said');
    await page.keyboard.press('Enter');
    await waitCount(page, 'player_control', 2);
    assert.deepEqual((await controls(page))[1], { type: 'seek', seconds: 45 }, 'the arrows moved between marks, not the player');
    // A note's time in the panel seeks too.
    await page.getByTestId('review-note-seek').first().click();
    await waitCount(page, 'player_control', 3);
    assert.deepEqual((await controls(page))[2], { type: 'seek', seconds: 30 });

    // Delete one's own note: gone from the list and the scrubber.
    const noteId = await page.getByTestId('review-note').nth(1).getAttribute('data-id');
    await page.getByTestId('review-note').nth(1).getByTestId('review-note-delete').click();
    await waitCount(page, 'delete_note', 1);
    assert.deepEqual(await argsOf(page, 'delete_note'), [{ callId: id, noteId }]);
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="player-note-mark"]').length === 2);
    assert.equal(await page.getByTestId('review-note').count(), 2);

    // A bookmark at the call's very start: its mark stays whole inside the lane (not half
    // outside, where a click could miss it), and a click on it seeks there.
    await at(page, 0);
    await page.getByTestId('call-list').focus();
    await page.keyboard.press('m');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="player-note-mark"]').length === 3);
    const outside = await page.getByTestId('player-notes').evaluate((lane) => {
      const box = lane.getBoundingClientRect();
      return [...lane.querySelectorAll('[data-testid="player-note-mark"]')]
        .map((m) => m.getBoundingClientRect())
        .filter((r) => r.left < box.left - 0.5 || r.right > box.right + 0.5)
        .map((r) => `${r.left}–${r.right} outside ${box.left}–${box.right}`);
    });
    assert.deepEqual(outside, []);
    await page.locator('[data-testid="player-note-mark"][data-at="0"]').click();
    await waitCount(page, 'player_control', 4);
    assert.deepEqual((await controls(page))[3], { type: 'seek', seconds: 0 });
  });

  it("shows the other reviewers' reviews and notes, keeps theirs undeletable, and says why a note was refused", async () => {
    const id = callId(0);
    const { page } = await open(
      callsScenario(
        { count: 10 },
        {
          reviews: {
            calls: {
              [id]: {
                others: [othersReview(id)],
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
            },
            errors: { add_note: { code: 'note_too_long', message: 'a note is at most 10000 characters' } },
          },
        },
      ),
    );
    await playFirst(page);
    assert.equal(await text(page, 'review-other'), 'ben@agency.example Flagged Score 33 %');
    const theirs = page.getByTestId('review-note');
    assert.match((await theirs.textContent()) ?? '', /0:12–0:21\s*Long hold without saying why\s*ben@agency\.example/);
    assert.equal(await theirs.getByTestId('review-note-delete').count(), 0, "another reviewer's note cannot be deleted");
    await page.getByTestId('player-note-mark').waitFor();

    await page.getByTestId('review-note-body').fill('Too long, says the shell');
    await page.getByTestId('review-note-add').click();
    const error = page.getByTestId('review-change-error');
    await error.waitFor();
    assert.equal(await error.getAttribute('data-code'), 'note_too_long');
    assert.match(await text(page, 'review-change-error'), /at most 10,000 characters/);
    assert.equal(await page.getByTestId('review-note-body').inputValue(), 'Too long, says the shell', 'the text is kept');
  });

  it('says why the review could not be read, and reads it again', async () => {
    const { page } = await open(
      callsScenario({ count: 5 }, { reviews: { errors: { call_reviews: { code: 'reviews_unavailable', message: 'database is locked' } } } }),
    );
    await page.getByTestId('call-row').first().waitFor();
    await page.keyboard.press('Enter');
    const error = page.getByTestId('review-error');
    await error.waitFor();
    assert.equal(await error.getAttribute('data-code'), 'reviews_unavailable');
    assert.match(await text(page, 'review-error'), /Reviews cannot be kept on this computer right now.*database is locked/);
    assert.equal(await page.getByTestId('call-review').getAttribute('data-state'), 'error');
    await page.evaluate(() => {
      const mock = window.__CALLREC_MOCK__;
      if (mock) mock.scenario.reviews = {};
    });
    await page.getByTestId('review-retry').click();
    await page.locator('[data-testid="call-review"][data-state="ready"]').waitFor();
    assert.equal(await text(page, 'review-score'), 'Not scored');
  });

  it('says reviews stay on this computer until the migration is applied, and syncs on demand', async () => {
    const { page } = await open(callsScenario({ count: 10 }));
    await playFirst(page);
    const sync = page.getByTestId('review-sync');
    assert.equal(await sync.getAttribute('data-state'), 'localOnly');
    assert.equal(
      await text(page, 'review-sync-text'),
      `Reviews stay on this computer — apply ${MIGRATION} to the agency's project to share them`,
    );
    assert.equal(await page.locator('[data-testid="review-sync-text"] code').textContent(), MIGRATION);

    await choose(page, 'review-status-flagged');
    await waitCount(page, 'set_review_status', 1);
    await page.getByTestId('review-sync-now').click();
    await waitCount(page, 'sync_reviews', 1);
    await page.waitForFunction(() =>
      (document.querySelector('[data-testid="review-sync-text"]')?.textContent ?? '').trim().endsWith('(1 change waiting)'),
    );

    // The agency's project has the tables now: shared.
    await page.evaluate(() => {
      const mock = window.__CALLREC_MOCK__;
      if (mock) mock.scenario.reviews = { sync: { ok: { state: 'shared', at: '2026-12-07T14:05:00Z', pending: 0 } } };
    });
    await page.getByTestId('review-sync-now').click();
    await page.locator('[data-testid="review-sync"][data-state="shared"]').waitFor();
    assert.match(await text(page, 'review-sync-text'), /^Shared with the agency — last sync 07 Dec, 14:05, 1 change waiting$/);

    await page.evaluate(() => {
      const mock = window.__CALLREC_MOCK__;
      if (mock) mock.scenario.reviews = { sync: { ok: { state: 'refused', pending: 0, refused: 2, reason: 'new row violates row-level security policy' } } };
    });
    await page.getByTestId('review-sync-now').click();
    await page.locator('[data-testid="review-sync"][data-state="refused"]').waitFor();
    assert.match(await text(page, 'review-sync-text'), /^The project refused 2 changes: new row violates row-level security policy/);

    await page.evaluate(() => {
      const mock = window.__CALLREC_MOCK__;
      if (mock) mock.scenario.reviews = { sync: { err: { code: 'unreachable', message: 'connection refused' } } };
    });
    await page.getByTestId('review-sync-now').click();
    await page.getByTestId('review-sync-error').waitFor();
    assert.equal(await page.getByTestId('review-sync-error').getAttribute('data-code'), 'unreachable');
  });

  it('folds, and fits the call pane at 1024×640 (dark)', async () => {
    const id = callId(0);
    const { page } = await open(
      callsScenario({ count: 10, transcripts: 'json' }, { reviews: { calls: { [id]: { others: [othersReview(id)] } } } }),
      { colorScheme: 'dark' },
    );
    await page.setViewportSize({ width: 1024, height: 640 });
    await playFirst(page);
    await at(page, 20);
    await choose(page, 'review-status-in_review');
    await page.keyboard.press('m');
    await page.getByTestId('player-note-mark').waitFor();
    await page.getByTestId('call-review').scrollIntoViewIfNeeded();
    const overflow = await page.evaluate(() => {
      const pane = document.querySelector('[data-testid="call-pane"]');
      const review = document.querySelector('[data-testid="call-review"]');
      return {
        page: document.documentElement.scrollWidth - window.innerWidth,
        pane: pane ? pane.scrollWidth - pane.clientWidth : -1,
        review: review ? review.scrollWidth - review.clientWidth : -1,
      };
    });
    assert.deepEqual(overflow, { page: 0, pane: 0, review: 0 }, 'nothing wider than its box');
    await screenshot(page, 'review-1024-dark');

    const toggle = page.getByTestId('review-toggle');
    assert.equal(await toggle.getAttribute('aria-expanded'), 'true');
    await toggle.click();
    assert.equal(await toggle.getAttribute('aria-expanded'), 'false');
    assert.equal(await page.getByTestId('review-status').count(), 0);
    assert.match(await text(page, 'review-summary'), /^In review Not scored · 1 note$/);
    // R opens it again, on the status.
    await page.getByTestId('call-list').focus();
    await page.keyboard.press('r');
    await page.getByTestId('review-status').waitFor();
    assert.equal(await focusedTestId(page), 'review-status-in_review');
  });
});

describe('reviews in the list', () => {
  it('shows Review and Score columns once a row has one, and filters by status (the queue takes it)', async () => {
    const plain = await open(callsScenario({ count: 5 }));
    await plain.page.getByTestId('call-row').first().waitFor();
    assert.equal(await plain.page.getByTestId('cell-review-status').count(), 0, 'no column of dashes');

    const { page } = await open(
      callsScenario(
        { count: 20 },
        {
          reviews: {
            calls: {
              [callId(1)]: { mine: { status: 'reviewed', checks: { greet: { result: 'pass' }, verify: { result: 'fail' } } } },
              [callId(3)]: { mine: { status: 'flagged' } },
            },
          },
        },
      ),
    );
    await page.getByTestId('call-row').first().waitFor();
    await waitCount(page, 'watch_player', 1);
    /** @param {number} i */
    const cells = async (i) => {
      const row = page.locator(`[data-testid="call-row"][data-id="${callId(i)}"]`);
      return [
        ((await row.getByTestId('cell-review-status').textContent()) ?? '').trim(),
        ((await row.getByTestId('cell-score').textContent()) ?? '').trim(),
      ];
    };
    assert.deepEqual(await cells(0), ['—', '—']);
    assert.deepEqual(await cells(1), ['Reviewed', '33 %']);
    assert.deepEqual(await cells(3), ['Flagged', '—']);
    await page.getByTestId('call-list').evaluate((el) => {
      el.scrollLeft = el.scrollWidth;
    });
    await screenshot(page, 'review-list');

    await page.getByTestId('filter-review').selectOption('unreviewed');
    await page.waitForFunction(() => document.querySelector('[data-testid="call-total"]')?.textContent === '18 calls');
    const last = /** @type {{ query: { review?: unknown } }} */ ((await argsOf(page, 'list_calls')).at(-1));
    assert.equal(last.query.review, 'unreviewed');
    assert.equal(await page.locator(`[data-testid="call-row"][data-id="${callId(1)}"]`).count(), 0);

    // "Review these" takes the filter: the queue's pages ask for the same review status.
    assert.equal(await text(page, 'queue-review'), 'Review these 18');
    const before = await page.evaluate(() => window.__CALLREC_MOCK__?.count('list_calls') ?? 0);
    await page.getByTestId('queue-review').click();
    await page.getByTestId('queue-progress').waitFor();
    assert.equal(await text(page, 'queue-progress'), '1 of 18');
    assert.equal(await text(page, 'queue-description'), 'not reviewed yet, newest first');
    const queued = (await argsOf(page, 'list_calls')).slice(before);
    assert.ok(queued.length > 0);
    assert.ok(queued.every((a) => /** @type {{ review?: unknown }} */ (a.query).review === 'unreviewed'));

    await page.getByTestId('filter-review').selectOption('flagged');
    await page.waitForFunction(() => document.querySelector('[data-testid="call-total"]')?.textContent === '1 call');
    assert.deepEqual(await cells(3), ['Flagged', '—']);
  });
});

describe('the export', () => {
  it('writes every review to the file the reviewer picks, and says where', async () => {
    const { page } = await open(callsScenario({ count: 3 }));
    await page.getByTestId('call-row').first().waitFor();
    await page.getByTestId('settings-toggle').click();
    await page.getByTestId('settings-tab-reviews').click();
    await page.getByTestId('settings-export-reviews').click();
    await page.locator('[data-testid="settings-export-result"][data-state="saved"]').waitFor();
    assert.equal(await text(page, 'settings-export-result'), 'Saved to /home/reviewer/Documents/callrec-reviews-2026-12-07.csv');
    assert.deepEqual(await argsOf(page, 'export_reviews'), [{}]);

    await page.evaluate(() => {
      const mock = window.__CALLREC_MOCK__;
      if (mock) mock.scenario.reviews = { exported: null };
    });
    await page.getByTestId('settings-export-reviews').click();
    await page.locator('[data-testid="settings-export-result"][data-state="cancelled"]').waitFor();

    await page.evaluate(() => {
      const mock = window.__CALLREC_MOCK__;
      if (mock) mock.scenario.reviews = { errors: { export_reviews: { code: 'reviews_unavailable', message: 'the library is locked' } } };
    });
    await page.getByTestId('settings-export-reviews').click();
    await page.getByTestId('settings-export-error').waitFor();
    assert.equal(await page.getByTestId('settings-export-error').getAttribute('data-code'), 'reviews_unavailable');
  });
});
