// A call's recordings in the real window: both endpoints asked, the segments on one timeline,
// an endpoint's failure inline — compared with what the backend's fixtures document.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { byId, withShots } from '../support/app.mjs';
import { saveScreenShot, saveWebviewShot } from '../support/driver.mjs';
import { FIXTURES } from '../support/fixtures.mjs';
import { openCall } from '../support/list.mjs';
import { signedInApp } from '../support/signed-in.mjs';

/** The segments shown: `[{ label, index }]`, once the recordings have loaded. */
async function shownSegments(browser) {
  const section = await byId(browser, 'recordings');
  await section.waitForDisplayed({ timeout: 30000 });
  await browser.waitUntil(
    async () => (await browser.$$('[data-testid="segment"]')).length > 0 || (await byId(browser, 'recordings-combined')).isExisting(),
    { timeout: 30000, timeoutMsg: 'the recordings never loaded' },
  );
  return browser.execute(() =>
    [...document.querySelectorAll('[data-testid="segment"]')].map((el) => ({
      label: el.getAttribute('data-label'),
      index: Number(el.getAttribute('data-index')),
      text: el.textContent ?? '',
    })),
  );
}

const endpointState = async (browser, id) => {
  const el = await byId(browser, id);
  await el.waitForExist({ timeout: 30000 });
  return { state: await el.getAttribute('data-state'), code: await el.getAttribute('data-code'), text: await el.getText() };
};

describe('recordings in the call detail', { timeout: 300000 }, () => {
  let app;
  let backend;
  let browser;

  before(async () => {
    app = await signedInApp('recordings');
    ({ backend, browser } = app);
  });

  after(() => app?.close(browser));

  test('three segments from endpoint B on one timeline, with the pending ones marked', async () => {
    await withShots(browser, 'recordings-multi', async () => {
      await openCall(browser, FIXTURES.multiSegmentPending);
      const segments = await shownSegments(browser);
      const labels = segments.map((s) => s.label);
      // B's three segments in its order (main first); A's Ultravox copy joins as another main.
      for (const label of ['main', 'transfer_conference', 'reconnect_to_agent']) {
        assert.ok(labels.includes(label), `segment ${label} shown: ${labels.join(', ')}`);
      }
      assert.equal(labels[0], 'main');
      const pending = segments.filter((s) => /provider copy/i.test(s.text));
      assert.equal(pending.length, 2, 'the two pending_sync segments say they are a provider copy');
      assert.equal((await endpointState(browser, 'endpoint-b')).state, 'ok');
      await saveWebviewShot(browser, 'e2e-recordings-multi');
      await browser.keys(['Escape']);
    });
  });

  test('endpoint A failing is shown inline while B\'s segment is there to play', async () => {
    await withShots(browser, 'recordings-a-failed', async () => {
      await openCall(browser, FIXTURES.segmentsOnly);
      const segments = await shownSegments(browser);
      assert.deepEqual(segments.map((s) => s.label), ['main']);
      const a = await endpointState(browser, 'endpoint-a');
      assert.equal(a.state, 'failed');
      assert.ok(a.code, 'the failure has a code');
      assert.ok(a.text.length > 10, `endpoint A's message is shown: ${a.text}`);
      assert.equal((await endpointState(browser, 'endpoint-b')).state, 'ok');
      assert.equal(await (await byId(browser, 'recordings-combined')).isExisting(), false);
      await saveWebviewShot(browser, 'e2e-recordings');
      await saveScreenShot('e2e-recordings-screen');
      await browser.keys(['Escape']);
    });
  });

  test('both endpoints failing gives one combined message', async () => {
    await withShots(browser, 'recordings-both-failed', async () => {
      await openCall(browser, FIXTURES.missingRecording);
      await shownSegments(browser);
      const combined = await byId(browser, 'recordings-combined');
      await combined.waitForDisplayed({ timeout: 30000 });
      assert.ok((await combined.getText()).length > 10);
      assert.equal((await endpointState(browser, 'endpoint-a')).state, 'failed');
      assert.equal((await endpointState(browser, 'endpoint-b')).state, 'failed');
      await browser.keys(['Escape']);
    });
  });
});
