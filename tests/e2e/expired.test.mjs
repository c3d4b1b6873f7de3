// Offline is a state, not an error, whatever the token's age: signed in against a project whose
// access tokens live 3 s, the list seen; then, the token long expired, the network gone and the
// app restarted, the reviewer is still signed in and gets the calls seen before, marked
// offline, and opens one of them.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';

import { byId, waitForAccount, withShots } from '../support/app.mjs';
import { openApp, saveWebviewShot } from '../support/driver.mjs';
import { openCall, visibleRows } from '../support/list.mjs';
import { signedInApp } from '../support/signed-in.mjs';

describe('offline after the access token expired', { timeout: 180000 }, () => {
  let app;
  let backend;
  let driver;
  let browser;

  before(async () => {
    app = await signedInApp('expired', undefined, { backendArgs: ['--token-lifetime', '3'] });
    ({ backend, driver, browser } = app);
  });

  after(() => app?.close(browser));

  test('the list seen online is there offline, signed in, after the token expired', async () => {
    await withShots(browser, 'expired-offline', async () => {
      await browser.waitUntil(async () => (await visibleRows(browser)).length > 0, {
        timeout: 30000,
        timeoutMsg: 'the list never showed a call online',
      });
      const online = (await visibleRows(browser)).map((row) => row.id);

      // Well past the token's life, the project goes away and the app starts again.
      await sleep(4000);
      await backend.stop();
      await browser.deleteSession();
      browser = await openApp(driver);

      // Still signed in (not the sign-in form), the calls from the library, marked offline.
      await waitForAccount(browser, backend.demo_email);
      await (await byId(browser, 'offline-marker')).waitForExist({ timeout: 30000 });
      assert.equal(await (await byId(browser, 'signin-form')).isExisting(), false, 'not signed out');
      await browser.waitUntil(async () => (await visibleRows(browser)).length > 0, {
        timeout: 30000,
        timeoutMsg: 'no call offline',
      });
      const offline = (await visibleRows(browser)).map((row) => row.id);
      assert.deepEqual(offline.slice(0, 5), online.slice(0, 5), 'the same calls, in the same order');
      await saveWebviewShot(browser, 'e2e-expired-offline-list');

      // A call seen before opens from the library.
      const detail = await openCall(browser, online[0]);
      assert.equal(await detail.getAttribute('data-id'), online[0]);
    });
  });
});
