// Any agency's `calls` table, in the real window: against the backend's `minimal` table (the
// certain columns and `duration`) and magpipe's shape (`caller_number`, `assistant_name`,
// `duration`, `transcript`, `call_summary`, `sentiment`, …), the list shows only columns it
// can fill — no column of dashes —, shows and sorts the call's length, and hands the transcript
// to the call's pane. Screenshots of both go to tests/artifacts (docs/ keeps copies).

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { byId, scrollInPane, withShots } from '../support/app.mjs';
import { saveWebviewShot } from '../support/driver.mjs';
import { visibleRows } from '../support/list.mjs';
import { signedInApp } from '../support/signed-in.mjs';

const EMPTY = '—';

/** The visible rows' text per field column (`data-field`), header order. */
async function columnsShown(browser) {
  return browser.execute(() => {
    const heads = [...document.querySelectorAll('[role="columnheader"]')];
    const fields = heads.map(
      (h) => h.getAttribute('data-field') ?? (h.querySelector('[data-testid="sort-duration"]') ? 'duration' : null),
    );
    const rows = [...document.querySelectorAll('[data-testid="call-row"]')];
    const out = {};
    for (const field of fields.filter(Boolean)) {
      out[field] = rows.map((row) => row.querySelector(`[data-field="${field}"]`)?.textContent?.trim() ?? '');
    }
    return { fields: fields.filter(Boolean), cells: out, headers: heads.map((h) => h.textContent.trim()) };
  });
}

/** "1:05" or "65 s" → seconds; null for a dash. */
function seconds(text) {
  if (text === EMPTY || text === '') return null;
  const parts = text.split(':').map(Number);
  if (parts.every((n) => Number.isFinite(n))) return parts.reduce((total, n) => total * 60 + n, 0);
  const plain = Number.parseFloat(text);
  return Number.isFinite(plain) ? plain : null;
}

for (const shape of ['minimal', 'magpipe']) {
  describe(`the ${shape} calls table`, { timeout: 180000 }, () => {
    let app;
    let browser;

    before(async () => {
      app = await signedInApp(`schema-${shape}`, undefined, { backendArgs: ['--schema', shape] });
      ({ browser } = app);
    });

    after(() => app?.close(browser));

    test('shows only columns it can fill, and the call length sorts', async () => {
      await withShots(browser, `schema-${shape}-list`, async () => {
        await browser.waitUntil(async () => (await visibleRows(browser)).length > 5, {
          timeout: 30000,
          timeoutMsg: 'the list never filled',
        });
        const { fields, cells, headers } = await columnsShown(browser);
        assert.ok(fields.includes('duration'), `a Duration column: ${headers.join(' | ')}`);
        for (const field of fields) {
          assert.ok(
            cells[field].some((text) => text !== EMPTY && text !== ''),
            `the ${field} column is all dashes: ${headers.join(' | ')}`,
          );
        }
        if (shape === 'minimal') {
          for (const absent of ['from', 'to', 'agent', 'status', 'direction']) {
            assert.ok(!fields.includes(absent), `no ${absent} column on a table without one`);
          }
        }

        const durations = async () => (await columnsShown(browser)).cells.duration.map(seconds).filter((v) => v !== null);
        const sorted = (values) =>
          values.length > 3 &&
          (values.every((v, i) => i === 0 || values[i - 1] <= v) || values.every((v, i) => i === 0 || values[i - 1] >= v));
        await (await byId(browser, 'sort-duration')).click();
        await browser.waitUntil(async () => sorted(await durations()), {
          timeout: 20000,
          timeoutMsg: 'the list never came back sorted by duration',
        });
        const first = await durations();
        // And the other way round.
        await (await byId(browser, 'sort-duration')).click();
        await browser.waitUntil(async () => { const now = await durations(); return sorted(now) && now[0] !== first[0]; }, {
          timeout: 20000,
          timeoutMsg: 'the list never reversed',
        });
      });
    });

    test(shape === 'magpipe' ? 'the transcript goes to the call pane' : 'a call opens with its length', async () => {
      await withShots(browser, `schema-${shape}-call`, async () => {
        const row = (await browser.$$('[data-testid="call-row"]'))[0];
        await row.doubleClick();
        const detail = await byId(browser, 'call-detail');
        await detail.waitForDisplayed({ timeout: 10000 });
        if (shape === 'magpipe') {
          const transcript = await byId(browser, 'call-transcript');
          await transcript.waitForDisplayed({ timeout: 10000 });
          assert.match(await transcript.getText(), /Agent: .*Caller: /s);
          // Search inside it: the matches are counted and marked.
          const turns = (await browser.$$('[data-testid="transcript-turn"]')).length;
          const said = await (await browser.$$('[data-testid="transcript-turn"]'))[0].getText();
          // A word of what was said, not the speaker's label.
          const word = (said.match(/[A-Za-z]{5,}/g) ?? []).find((w) => !/^(Agent|Caller|User)$/.test(w));
          assert.ok(turns > 1 && word, `${turns} turns, a word to search for`);
          await (await byId(browser, 'transcript-search')).setValue(word);
          await browser.waitUntil(async () => (await browser.$$('[data-testid="transcript-match"]')).length > 0, {
            timeout: 5000,
            timeoutMsg: `no match marked for "${word}"`,
          });
          assert.equal(await (await byId(browser, 'transcript-search')).getValue(), word);
          await scrollInPane(browser, 'call-transcript');
          await saveWebviewShot(browser, 'e2e-transcript');
        } else {
          assert.equal(await (await byId(browser, 'call-transcript')).isExisting(), false, 'no transcript column, no panel');
        }
        await saveWebviewShot(browser, `e2e-schema-${shape}`);
      });
    });
  });
}
