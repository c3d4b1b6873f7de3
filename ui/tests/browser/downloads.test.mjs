// @ts-check
// Issue 7 in headless Chromium: Download from the call detail and with `D` on the list, progress
// arriving on the emulated `watch_downloads` channel moving the bars, the item controls sending
// the right `control_download`, library usage, the file actions, and the Downloaded filter.
// Screenshot: ../tests/artifacts/ui-downloads.png.

/** @import { Page } from 'playwright-core' */
/** @import { ItemProgress } from '../../src/lib/bindings/ItemProgress' */
/** @import { Progress } from '../../src/lib/bindings/Progress' */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { callId, callsScenario } from './fixtures.mjs';
import { screenshot, textOf as text } from './harness.mjs';
import { argsOf, mediaScenario, openDetail, suite, waitCount } from './media.mjs';

const { open } = suite();

/**
 * @param {string} id
 * @param {number} index
 * @param {Partial<ItemProgress>} over
 * @returns {ItemProgress}
 */
const item = (id, index, over) => ({
  callId: id,
  index,
  recordingId: index === 0 ? 'b:main:0' : 'b:transfer:1',
  label: index === 0 ? 'main' : 'transfer',
  state: 'running',
  bytes: 0,
  total: null,
  rate: 0,
  etaSeconds: null,
  errorCode: null,
  errorMessage: null,
  ...over,
});

/**
 * Sends a progress message on the channel the UI subscribed with.
 * @param {Page} page
 * @param {Progress} message
 */
async function progress(page, message) {
  const sent = await page.evaluate((m) => window.__CALLREC_MOCK__?.progress(m) ?? false, message);
  assert.equal(sent, true, 'the UI subscribed to watch_downloads');
}

/**
 * Waits until the first item's bar is filled to `fraction` of its width (±3 %).
 * @param {Page} page
 * @param {number} fraction
 */
const waitFill = (page, fraction) =>
  page.waitForFunction((f) => {
    const bar = document.querySelector('[data-testid="download-item"] [data-testid="download-bar"]');
    const fill = bar?.firstElementChild;
    return bar && fill ? Math.abs(fill.getBoundingClientRect().width / bar.clientWidth - f) < 0.03 : false;
  }, fraction);

/**
 * The item rows in the panel.
 * @param {Page} page
 */
const items = (page) =>
  page.getByTestId('download-item').evaluateAll((els) =>
    els.map((e) => ({
      key: `${e.getAttribute('data-call-id')}#${e.getAttribute('data-index')}`,
      state: e.getAttribute('data-state'),
      percent: e.querySelector('[data-testid="download-bar"]')?.getAttribute('data-percent'),
      text: e.textContent.replace(/\s+/g, ' ').trim(),
    })),
  );

/**
 * The "Downloaded" badge in call `i`'s row of the list (none when the row has no mark).
 * @param {Page} page
 * @param {number} i
 */
const rowBadge = (page, i) => page.locator(`[data-testid="call-row"][data-id="${callId(i)}"] [data-testid="badge-downloaded"]`);

/**
 * The `downloaded` filter of the last `list_calls` query.
 * @param {Page} page
 */
async function lastDownloadedFilter(page) {
  const last = (await argsOf(page, 'list_calls')).at(-1);
  return /** @type {{ downloaded?: unknown } | undefined} */ (last?.query)?.downloaded;
}

describe('downloads', () => {
  it('downloads one segment from its row, leaving the others to download', async () => {
    const { page } = await open(mediaScenario());
    await page.getByTestId('call-row').first().waitFor();
    await waitCount(page, 'watch_downloads', 1);
    await openDetail(page, 4);
    const id = callId(4);
    const rows = page.getByTestId('segment');
    await rows.first().waitFor();
    const segments = await rows.count();
    assert.ok(segments >= 2, `the call has ${String(segments)} segments`);
    assert.equal(await page.getByTestId('segment-download-one').count(), segments, 'each segment offers its own download');

    const transfer = page.locator('[data-testid="segment"][data-label="transfer"]');
    await transfer.getByTestId('segment-download-one').click();
    await waitCount(page, 'download_segment', 1);
    assert.deepEqual(await argsOf(page, 'download_segment'), [{ callId: id, recordingId: 'b:transfer:1' }]);
    await transfer.getByTestId('segment-download').waitFor();
    assert.equal(await transfer.getByTestId('segment-download').getAttribute('data-state'), 'queued');
    assert.equal(await rows.nth(0).getByTestId('segment-download').count(), 0, 'the first segment is not queued');
    assert.equal(await page.getByTestId('segment-download-one').count(), segments - 1);
    assert.equal(await page.getByTestId('download-call').isEnabled(), true, 'the whole call can still be asked for');
    assert.equal(await page.getByTestId('call-files').count(), 0, 'nothing is on disk yet');
    await progress(page, {
      items: [item(id, 1, { state: 'done', bytes: 1_000, total: 1_000 })],
      bytes: 0,
      total: 0,
      rate: 0,
      etaSeconds: null,
    });
    await page.getByTestId('call-files').waitFor();
    assert.equal(await page.getByTestId('call-files').getAttribute('data-whole'), 'false');
    assert.match(await text(page, 'call-files'), /Some segments are saved/);
    assert.equal(await page.getByTestId('segment-download-one').count(), segments - 1, 'the call is still not wholly on disk');
  });

  it('queues a call from its detail; progress on the channel moves the bars; controls send the right action', async () => {
    const { page } = await open(mediaScenario());
    await page.getByTestId('call-row').first().waitFor();
    await waitCount(page, 'watch_downloads', 1);
    await openDetail(page, 4);
    const id = callId(4);

    await page.getByTestId('download-call').click();
    await waitCount(page, 'download_call', 1);
    assert.deepEqual(await argsOf(page, 'download_call'), [{ callId: id }]);
    await page.getByTestId('segment-download').first().waitFor();
    assert.equal(await page.getByTestId('segment-download').first().getAttribute('data-state'), 'queued');

    await page.getByTestId('downloads-toggle').click();
    await page.getByTestId('downloads-panel').waitFor();
    assert.equal(await page.getByTestId('download-item').count(), 2);
    assert.equal(await text(page, 'library-usage'), '3 calls, 41.2 MB on disk');
    assert.equal(await text(page, 'downloads-count'), '2');

    await progress(page, {
      items: [
        item(id, 0, { bytes: 1_000_000, total: 4_000_000, rate: 500_000, etaSeconds: 6 }),
        item(id, 1, { state: 'queued' }),
      ],
      bytes: 1_000_000,
      total: null,
      rate: 500_000,
      etaSeconds: null,
    });
    await page.waitForFunction(
      () => document.querySelector('[data-testid="download-item"] [data-testid="download-bar"]')?.getAttribute('data-percent') === '25.0',
    );
    await waitFill(page, 0.25);
    let rows = await items(page);
    const first = rows[0];
    assert.ok(first);
    assert.equal(first.state, 'running');
    assert.match(first.text, /1\.0 MB of 4\.0 MB/);
    assert.match(first.text, /500 kB\/s/);
    assert.match(first.text, /6 s left/);
    assert.match((await page.getByTestId('segment-download').first().textContent()) ?? '', /25 %/, 'the detail shows it too');

    await progress(page, {
      items: [item(id, 0, { bytes: 3_000_000, total: 4_000_000, rate: 1_000_000, etaSeconds: 1 })],
      bytes: 3_000_000,
      total: 5_000_000,
      rate: 1_000_000,
      etaSeconds: 2,
    });
    await page.waitForFunction(
      () => document.querySelector('[data-testid="download-item"] [data-testid="download-bar"]')?.getAttribute('data-percent') === '75.0',
    );
    await waitFill(page, 0.75);
    rows = await items(page);
    assert.equal(rows[1]?.state, 'queued', 'an item the message does not name is kept');
    assert.match(await text(page, 'downloads-total'), /3\.0 MB of 5\.0 MB/);
    assert.match(await text(page, 'downloads-total'), /2 s left/);
    await screenshot(page, 'downloads');

    // Pause the running item, cancel the queued one.
    await page.getByTestId('download-item').nth(0).getByTestId('download-pause').click();
    await page.getByTestId('download-item').nth(1).getByTestId('download-cancel').click();
    await waitCount(page, 'control_download', 2);
    assert.deepEqual(await argsOf(page, 'control_download'), [
      { callId: id, index: 0, action: 'pause' },
      { callId: id, index: 1, action: 'cancel' },
    ]);

    // Paused offers Resume; failed offers Retry, with its message.
    await progress(page, {
      items: [
        item(id, 0, { state: 'paused', bytes: 3_000_000, total: 4_000_000 }),
        item(id, 1, { state: 'failed', errorCode: 'no_space', errorMessage: 'not enough free space: 2.1 MB left' }),
      ],
      bytes: 3_000_000,
      total: null,
      rate: 0,
      etaSeconds: null,
    });
    await page.getByTestId('download-resume').waitFor();
    await page.getByTestId('download-resume').click();
    await page.getByTestId('download-retry').click();
    await waitCount(page, 'control_download', 4);
    assert.deepEqual((await argsOf(page, 'control_download')).slice(2), [
      { callId: id, index: 0, action: 'resume' },
      { callId: id, index: 1, action: 'retry' },
    ]);
    assert.match(await text(page, 'download-item-error'), /not enough free space/);

    // Both done: the call is on disk, the usage is read again, the file actions show.
    const usageCalls = (await argsOf(page, 'library_usage')).length;
    await progress(page, {
      items: [
        item(id, 0, { state: 'done', bytes: 4_000_000, total: 4_000_000 }),
        item(id, 1, { state: 'done', bytes: 1_000_000, total: 1_000_000 }),
      ],
      bytes: 0,
      total: 0,
      rate: 0,
      etaSeconds: null,
    });
    await page.getByTestId('call-files').waitFor();
    await waitCount(page, 'library_usage', usageCalls + 1);
    assert.equal(await page.getByTestId('download-pause').count(), 0);
    assert.equal(await page.getByTestId('call-detail').getByTestId('badge-downloaded').count(), 1);
    await rowBadge(page, 4).waitFor(); // the Download button's call, marked in the list too

    // Escape closes the panel, not the detail.
    await page.getByTestId('downloads-close').focus();
    await page.keyboard.press('Escape');
    assert.equal(await page.getByTestId('downloads-panel').count(), 0);
    assert.equal(await page.getByTestId('call-detail').count(), 1);
  });

  it('downloads the selected row with D', async () => {
    const { page } = await open(mediaScenario());
    await page.getByTestId('call-row').first().waitFor();
    await page.getByTestId('call-list').focus();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('d');
    await waitCount(page, 'download_call', 1);
    assert.deepEqual(await argsOf(page, 'download_call'), [{ callId: callId(2) }]);
  });

  it('marks the row Downloaded once the download started with D finishes, without reading the list again', async () => {
    const { page } = await open(mediaScenario());
    await page.getByTestId('call-row').first().waitFor();
    await waitCount(page, 'watch_downloads', 1);
    const lists = await page.evaluate(() => window.__CALLREC_MOCK__?.count('list_calls') ?? 0);
    await page.getByTestId('call-list').focus();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('d');
    await waitCount(page, 'download_call', 1);
    const id = callId(2); // a recording, not downloaded (mock-calls.ts)
    assert.deepEqual(await argsOf(page, 'download_call'), [{ callId: id }]);
    assert.equal(await rowBadge(page, 2).count(), 0, 'not downloaded yet');

    await progress(page, {
      items: [item(id, 0, { state: 'done', bytes: 1_000, total: 1_000 }), item(id, 1, { bytes: 10, total: 1_000 })],
      bytes: 10,
      total: 1_000,
      rate: 0,
      etaSeconds: null,
    });
    // A frame for the list to render what it was told, then still no badge: one item is left.
    await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
    assert.equal(await rowBadge(page, 2).count(), 0, 'half the call is not the call');

    await progress(page, {
      items: [item(id, 1, { state: 'done', bytes: 1_000, total: 1_000 })],
      bytes: 0,
      total: 0,
      rate: 0,
      etaSeconds: null,
    });
    await rowBadge(page, 2).waitFor();
    assert.equal(await rowBadge(page, 1).count(), 0, 'the row above is as it was');
    assert.equal(await rowBadge(page, 3).count(), 0, 'the row below is as it was');
    assert.equal(
      await page.evaluate(() => window.__CALLREC_MOCK__?.count('list_calls') ?? 0),
      lists,
      'the list was not read again',
    );
  });

  it('offers Show in folder, Export and Remove for a downloaded call', async () => {
    const { page } = await open(mediaScenario());
    await page.getByTestId('call-row').first().waitFor();
    await openDetail(page, 10); // i % 10 == 0 with a recording: downloaded in mock-calls.ts
    await page.getByTestId('call-files').waitFor();
    assert.equal(await rowBadge(page, 10).count(), 1, 'the list says so too');
    const id = callId(10);

    await page.getByTestId('files-show').click();
    await waitCount(page, 'show_call_files', 1);
    assert.deepEqual(await argsOf(page, 'show_call_files'), [{ callId: id }]);

    await page.getByTestId('files-export').click();
    await waitCount(page, 'export_call_files', 1);
    assert.deepEqual(await argsOf(page, 'export_call_files'), [{ callId: id }]);
    assert.match(await text(page, 'files-notice'), /Exported \/home\/reviewer\/Exports\/2026-11-20_1800_\+15550000000_main\.mp3/);

    await page.getByTestId('files-remove').click();
    await waitCount(page, 'remove_call_files', 1);
    assert.deepEqual(await argsOf(page, 'remove_call_files'), [{ callId: id }]);
    await page.getByTestId('call-files').waitFor({ state: 'detached' });
    assert.equal(await text(page, 'files-notice'), 'Removed 2 files.');
    assert.equal(await page.getByTestId('call-detail').getByTestId('badge-downloaded').count(), 0);
    // The list's row drops its mark too, without the list being read again.
    await rowBadge(page, 10).waitFor({ state: 'detached' });
  });

  it('an export whose folder dialog was cancelled says nothing; a failure says why', async () => {
    const { page } = await open(
      mediaScenario({
        exported: null,
        removeError: { code: 'library_busy', message: 'a download of this call is running' },
      }),
    );
    await page.getByTestId('call-row').first().waitFor();
    await openDetail(page, 20);
    await page.getByTestId('files-export').click();
    await waitCount(page, 'export_call_files', 1);
    assert.equal(await page.getByTestId('files-notice').count(), 0, 'a cancelled dialog says nothing');
    await page.getByTestId('files-remove').click();
    const notice = page.getByTestId('files-notice');
    await notice.waitFor();
    assert.equal(await notice.getAttribute('data-code'), 'library_busy');
    assert.match(await text(page, 'files-notice'), /a download of this call is running/);
  });

  it('"Download all N" sends the list\'s current query and opens the panel with what was queued', async () => {
    const { page } = await open(mediaScenario());
    await page.getByTestId('call-row').first().waitFor();
    await page.getByTestId('filter-direction').selectOption('inbound');
    // mock-calls.ts: inbound is i % 3 != 0, a recording i % 4 != 3, downloaded i % 10 == 0.
    const inbound = [...Array(50).keys()].filter((i) => i % 3 !== 0);
    const recorded = inbound.filter((i) => i % 4 !== 3);
    const downloaded = recorded.filter((i) => i % 10 === 0);
    const button = page.getByTestId('download-all');
    await page.waitForFunction(
      (n) => document.querySelector('[data-testid="download-all"]')?.textContent.trim() === `Download all ${n}`,
      recorded.length,
    );
    const lastList = /** @type {{ query: Record<string, unknown> }} */ ((await argsOf(page, 'list_calls')).at(-1));
    assert.equal(lastList.query.direction, 'inbound');
    assert.deepEqual((await argsOf(page, 'count_matching')).at(-1), { query: lastList.query });

    await button.click();
    await waitCount(page, 'download_matching', 1);
    assert.equal(await page.getByTestId('download-all-dialog').count(), 0, `${recorded.length} calls: no question`);
    assert.deepEqual(await argsOf(page, 'download_matching'), [{ query: lastList.query, limit: null }]);
    await page.getByTestId('downloads-panel').waitFor();
    const queued = recorded.length - downloaded.length;
    assert.equal(
      await text(page, 'downloads-bulk'),
      `Queued ${queued} calls (${2 * queued} segments); ${downloaded.length} already downloaded.`,
    );
  });

  it('"Download all" of a big filter asks first, in the page', async () => {
    const { page } = await open(callsScenario({ count: 200 }, { media: {} }));
    await page.getByTestId('call-row').first().waitFor();
    const recorded = [...Array(200).keys()].filter((i) => i % 4 !== 3).length;
    await page.waitForFunction(
      (n) => document.querySelector('[data-testid="download-all"]')?.textContent.trim() === `Download all ${n}`,
      recorded,
    );
    await page.getByTestId('download-all').click();
    const dialog = page.getByTestId('download-all-dialog');
    await dialog.waitFor();
    assert.match(await text(page, 'download-all-dialog'), new RegExp(`Download all ${recorded} calls`));
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-testid')), 'download-all-confirm');
    await page.getByTestId('download-all-cancel').click();
    await dialog.waitFor({ state: 'detached' });
    assert.equal(await page.getByTestId('downloads-panel').count(), 0);

    await page.getByTestId('download-all').click();
    await page.getByTestId('download-all-confirm').click();
    await waitCount(page, 'download_matching', 1);
    await dialog.waitFor({ state: 'detached' });
    const lastList = /** @type {{ query: unknown }} */ ((await argsOf(page, 'list_calls')).at(-1));
    assert.deepEqual(await argsOf(page, 'download_matching'), [{ query: lastList.query, limit: null }]);
    await page.getByTestId('downloads-panel').waitFor();
    await screenshot(page, 'download-all');
  });

  it('filters the list by Downloaded', async () => {
    const { page } = await open(mediaScenario());
    await page.getByTestId('call-row').first().waitFor();
    await page.getByTestId('filter-downloaded').selectOption('true');
    await page.waitForFunction(() =>
      [...document.querySelectorAll('[data-testid="call-row"]')].every((r) => r.querySelector('[data-testid="badge-downloaded"]')),
    );
    assert.equal(await lastDownloadedFilter(page), true);
    assert.equal(await text(page, 'call-total'), '5 calls'); // 0, 10, 20, 30, 40 (mock-calls.ts)
    await page.getByTestId('filter-downloaded').selectOption('false');
    await page.waitForFunction(() => document.querySelector('[data-testid="call-total"]')?.textContent.trim() === '45 calls');
    assert.equal(await lastDownloadedFilter(page), false);
  });
});
