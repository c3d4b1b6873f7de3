// The call list in the real window (tauri-driver + WebKitWebDriver under Xvfb), against the
// local backend: what it shows is compared with what the REST API itself answers.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { byId, withShots } from '../support/app.mjs';
import { saveScreenShot, saveWebviewShot } from '../support/driver.mjs';
import { setFilter, shownTotal, visibleRows, waitForTotal } from '../support/list.mjs';
import { accessToken, countCalls, newestCalls } from '../support/rest.mjs';
import { signedInApp } from '../support/signed-in.mjs';

describe('the call list in the real window', { timeout: 300000 }, () => {
  let app;
  let backend;
  let browser;
  let token;

  before(async () => {
    app = await signedInApp('list');
    ({ backend, browser } = app);
    token = await accessToken(backend);
  });

  after(() => app?.close(browser));

  test('shows the newest calls first and the total the server counts', async () => {
    await withShots(browser, 'list', async () => {
      const expected = await countCalls(backend, token);
      await waitForTotal(browser, expected);
      const newest = await newestCalls(backend, token, 5);
      const rows = await visibleRows(browser);
      assert.ok(rows.length >= 5, `rows in the DOM: ${rows.length}`);
      assert.deepEqual(
        rows.slice(0, 5).map((r) => r.id),
        newest.map((c) => c.id),
        'the first rows are the newest calls, in order',
      );
      for (const [i, call] of newest.entries()) {
        assert.equal(rows[i].recording, call.has_recording === true, `recording badge of ${call.id}`);
      }
      assert.equal(await (await byId(browser, 'offline-marker')).isExisting(), false);
      await saveWebviewShot(browser, 'e2e-calls');
      await saveScreenShot('e2e-calls-screen');
    });
  });

  test('"has recording" narrows the list to the calls the server counts', async () => {
    await withShots(browser, 'list-has-recording', async () => {
      const expected = await countCalls(backend, token, { has_recording: 'eq.true' });
      await setFilter(browser, 'filter-has-recording', 'true');
      await waitForTotal(browser, expected);
      const rows = await visibleRows(browser);
      assert.ok(rows.length > 0);
      assert.ok(rows.every((r) => r.recording), 'every row shown has a recording');
    });
  });

  test('search finds a call by its agent and by its id', async () => {
    await withShots(browser, 'list-search', async () => {
      const [call] = await newestCalls(backend, token, 1);
      await setFilter(browser, 'filter-has-recording', call.has_recording ? 'true' : 'false');
      const agent = call.agent_name;
      assert.ok(agent, 'the seeded call has an agent');
      await setFilter(browser, 'filter-search', agent);
      const expected = await countCalls(backend, token, {
        has_recording: `eq.${call.has_recording}`,
        // Quoted, as PostgREST's grammar wants a value with spaces or reserved characters.
        or: `(from_number.ilike."*${agent}*",to_number.ilike."*${agent}*",agent_name.ilike."*${agent}*")`,
      });
      await waitForTotal(browser, expected);
      const rows = await visibleRows(browser);
      assert.ok(rows.some((r) => r.id === call.id), 'the call is among the results');
      assert.ok(rows.every((r) => r.text.includes(agent)), `every row shows ${agent}`);

      await setFilter(browser, 'filter-search', call.id);
      await waitForTotal(browser, 1);
      assert.deepEqual((await visibleRows(browser)).map((r) => r.id), [call.id]);
      await saveWebviewShot(browser, 'e2e-calls-filtered');
    });
  });

  test('the keyboard moves through the list and Enter opens a call', async () => {
    await withShots(browser, 'list-keyboard', async () => {
      await setFilter(browser, 'filter-search', '');
      await setFilter(browser, 'filter-has-recording', '');
      await waitForTotal(browser, await countCalls(backend, token));
      const rows = await visibleRows(browser);
      // `/` focuses the search; Escape leaves it for the list.
      await (await byId(browser, 'call-list')).click();
      await browser.keys(['/']);
      assert.equal(await browser.execute(() => document.activeElement?.getAttribute('data-testid')), 'filter-search');
      await browser.keys(['Escape']);
      await (await byId(browser, 'call-list')).click();
      await browser.keys(['Home']);
      await browser.keys(['ArrowDown', 'ArrowDown']);
      await browser.keys(['Enter']);
      const detail = await byId(browser, 'call-detail');
      await detail.waitForDisplayed({ timeout: 10000 });
      const opened = await detail.getAttribute('data-id');
      assert.ok(
        [rows[1].id, rows[2].id].includes(opened),
        `Enter opened ${opened}, the selected row (${rows[1].id} or ${rows[2].id})`,
      );
      await saveWebviewShot(browser, 'e2e-call-detail');
      await browser.keys(['Escape']);
      await (await byId(browser, 'call-list')).waitForDisplayed({ timeout: 10000 });
      assert.ok((await shownTotal(browser)) > 0);
    });
  });
});
