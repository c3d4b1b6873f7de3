// The call list in the real window: reading rows, setting filters, timing what the UI marks.

import { byId } from './app.mjs';

/** The rows in the DOM now: `{ id, index, text, recording, downloaded }`. */
export async function visibleRows(browser) {
  return browser.execute(() =>
    [...document.querySelectorAll('[data-testid="call-row"]')].map((row) => ({
      id: row.getAttribute('data-id'),
      index: Number(row.getAttribute('data-index')),
      text: row.textContent ?? '',
      recording: row.querySelector('[data-testid="badge-recording"]') !== null,
      downloaded: row.querySelector('[data-testid="badge-downloaded"]') !== null,
    })),
  );
}

/** The number in the total ("12,345 calls" → 12345), or null while there is none. */
export async function shownTotal(browser) {
  const total = await byId(browser, 'call-total');
  if (!(await total.isExisting())) return null;
  const digits = (await total.getText()).replace(/[^\d]/g, '');
  return digits === '' ? null : Number(digits);
}

/** Waits until the total reads `expected` (the list has settled on the new query). */
export async function waitForTotal(browser, expected, timeout = 30000) {
  await browser.waitUntil(async () => (await shownTotal(browser)) === expected, {
    timeout,
    interval: 50,
    timeoutMsg: `the total never read ${expected} (it reads ${await shownTotal(browser)})`,
  });
}

/**
 * Sets a filter control by its test id, whatever its kind: a checkbox (`true`/`false`), a select
 * (an option's value) or a text/date input. Fires the events Svelte's bindings listen to.
 */
export async function setFilter(browser, id, value) {
  // The workspace shows with its first page (or 300 ms after asking for it), a moment after the
  // header says who is signed in: the control may not be there yet.
  await (await byId(browser, id)).waitForExist({ timeout: 30000 });
  const done = await browser.execute(
    (testId, wanted) => {
      const el = document.querySelector(`[data-testid="${testId}"]`);
      if (!el) return `no element [data-testid="${testId}"]`;
      if (el instanceof HTMLInputElement && el.type === 'checkbox') {
        el.checked = wanted === true || wanted === 'true';
      } else if (el instanceof HTMLSelectElement) {
        const option = [...el.options].find((o) => o.value === String(wanted));
        if (!option) return `no option ${wanted} in ${testId}: ${[...el.options].map((o) => o.value).join(', ')}`;
        el.value = option.value;
      } else if (el instanceof HTMLInputElement) {
        el.value = String(wanted);
      } else {
        return `${testId} is a ${el.tagName}, not a form control`;
      }
      el.dispatchEvent(new Event('input', { bubbles: true }));
      el.dispatchEvent(new Event('change', { bubbles: true }));
      return 'ok';
    },
    id,
    value,
  );
  if (done !== 'ok') throw new Error(done);
}

/** Clears the UI's performance marks, so the next query's can be read alone. */
export async function clearMarks(browser) {
  await browser.execute(() => {
    performance.clearMarks('callrec:query');
    performance.clearMarks('callrec:rows-rendered');
    performance.clearMarks('callrec:answered');
  });
}

/**
 * Waits for the first `callrec:rows-rendered` mark after the last `callrec:query` mark and
 * returns the time between them in ms (what a reviewer waits from a filter change to rows).
 */
export async function queryToRows(browser, timeout = 30000) {
  let elapsed = null;
  await browser.waitUntil(
    async () => {
      elapsed = await browser.execute(() => {
        const queries = performance.getEntriesByName('callrec:query');
        const query = queries[queries.length - 1];
        if (!query) return null;
        const rendered = performance.getEntriesByName('callrec:rows-rendered').find((m) => m.startTime >= query.startTime);
        return rendered ? rendered.startTime - query.startTime : null;
      });
      return elapsed !== null;
    },
    { timeout, interval: 20, timeoutMsg: 'no rows were rendered after the query' },
  );
  return elapsed;
}

/** Finds a call by its id with the search box and opens its detail (Enter on the only row). */
export async function openCall(browser, callId) {
  await setFilter(browser, 'filter-search', callId);
  await browser.waitUntil(
    async () => {
      const rows = await visibleRows(browser);
      return rows.length === 1 && rows[0].id === callId;
    },
    { timeout: 30000, timeoutMsg: `the search never showed call ${callId} alone` },
  );
  const row = await browser.$(`[data-testid="call-row"][data-id="${callId}"]`);
  await row.doubleClick();
  const detail = await byId(browser, 'call-detail');
  await detail.waitForDisplayed({ timeout: 10000 });
  return detail;
}
