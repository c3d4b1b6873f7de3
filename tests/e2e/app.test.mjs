// The real Callrec app, driven through tauri-driver, against the local backend started by the
// CLI. Needs a display (scripts/e2e provides Xvfb and a D-Bus session), tauri-driver and
// WebKitWebDriver, target/debug/callrec and target/debug/callrec-app (or CALLREC_BIN /
// CALLREC_APP_BIN).

import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { startBackend } from '../support/backend.mjs';
import { appEnv, byId, normal, settledStatus, submitSignIn, waitForAccount, withShots } from '../support/app.mjs';
import { openApp, saveScreenShot, saveWebviewShot, startTauriDriver } from '../support/driver.mjs';
import { removeOnExit } from '../support/proc.mjs';

describe('Callrec app against the local backend', { timeout: 300000 }, () => {
  let backend;
  let driver;
  let browser;
  let appDataDir;
  let health;

  before(async () => {
    backend = await startBackend();
    const response = await fetch(new URL('auth/v1/health', normal(backend.supabase_url)), {
      headers: { apikey: backend.anon_key },
    });
    assert.equal(response.status, 200, 'the backend answers auth/v1/health');
    health = await response.json();
    appDataDir = removeOnExit(await mkdtemp(join(tmpdir(), 'callrec-test-app-')));
    driver = await startTauriDriver({ env: appEnv(backend, appDataDir) });
    try {
      browser = await openApp(driver);
    } catch (error) {
      await saveScreenShot('e2e-failed-start-screen').catch(() => {});
      const { stdout, stderr } = driver.child.output();
      error.message += `\n--- tauri-driver, WebKitWebDriver and app output ---\n${(stdout + stderr).slice(-4000)}`;
      throw error;
    }
  });

  after(async () => {
    // Ending the session closes the app; then tauri-driver (and WebKitWebDriver) go.
    await browser?.deleteSession().catch(() => {});
    await driver?.stop();
    await backend?.stop();
    if (appDataDir) await rm(appDataDir, { recursive: true, force: true });
  });

  test('opens on the sign-in screen, prefilled for the demo project', async () => {
    await withShots(browser, 'signin', async () => {
      const title = await byId(browser, 'app-title');
      await title.waitForDisplayed();
      assert.equal(await title.getText(), 'Callrec');
      assert.equal(await browser.getTitle(), 'Callrec');
      await (await byId(browser, 'signin-form')).waitForDisplayed({ timeout: 30000 });
      // The configuration the app got through tauri-driver's environment.
      assert.equal(normal(await (await byId(browser, 'signin-url')).getValue()), normal(backend.supabase_url));
      assert.equal(await (await byId(browser, 'signin-email')).getValue(), backend.demo_email);
      assert.equal(await (await byId(browser, 'signin-anon-key')).getValue(), '', 'the anon key never reaches the webview');
      const badge = await byId(browser, 'demo-badge');
      assert.ok(await badge.isDisplayed(), 'the Demo badge shows');
      await saveWebviewShot(browser, 'e2e-signin');
    });
  });

  test('a wrong password gets its own message and signs nobody in', async () => {
    await withShots(browser, 'wrong-password', async () => {
      await submitSignIn(browser, 'not-the-password');
      const error = await byId(browser, 'signin-error');
      await error.waitForDisplayed({ timeout: 30000 });
      assert.equal(await error.getAttribute('data-code'), 'invalid_credentials');
      assert.equal(await (await byId(browser, 'signin-password')).getValue(), '', 'the password field is cleared');
      await saveWebviewShot(browser, 'e2e-signin-wrong-password');
    });
  });

  test('signs in and shows the account, connected to the live backend', async () => {
    await withShots(browser, 'signed-in', async () => {
      await submitSignIn(browser, backend.demo_password);
      await waitForAccount(browser, backend.demo_email);

      // The project's diagnostics live in Settings → "About / connection".
      await (await byId(browser, 'settings-toggle')).click();
      await (await byId(browser, 'settings-tab-about')).click();
      const url = await byId(browser, 'project-url');
      await url.waitForDisplayed();
      assert.equal(normal(await url.getText()), normal(backend.supabase_url));
      assert.equal(normal(await (await byId(browser, 'functions-url')).getText()), normal(backend.functions_url));
      assert.equal(await (await byId(browser, 'data-dir')).getText(), appDataDir);

      const status = await settledStatus(browser);
      assert.equal(status.state, 'connected', `status: ${JSON.stringify(status)}`);
      const match = /^Connected — (\S+) (\S+) · REST reachable · (\d+) ms$/.exec(status.text);
      assert.ok(match, `the status card says "${status.text}"`);
      assert.equal(match[1], health.name ?? 'GoTrue');
      assert.equal(match[2], health.version, 'the GoTrue version the backend reports');

      await saveWebviewShot(browser, 'e2e-connected');
      await saveScreenShot('e2e-connected-screen');
      await browser.keys(['Escape']);
    });
  });

  test('a relaunched app restores the session from the OS keyring', async () => {
    await withShots(browser, 'restored', async () => {
      await browser.deleteSession();
      browser = await openApp(driver);
      await waitForAccount(browser, backend.demo_email);
      assert.equal(await (await byId(browser, 'signin-form')).isExisting(), false);
    });
  });

  test('signing out returns to the sign-in screen, and a relaunch stays signed out', async () => {
    await withShots(browser, 'signed-out', async () => {
      const signOut = await byId(browser, 'signout');
      await signOut.waitForClickable();
      await signOut.click();
      await (await byId(browser, 'signin-form')).waitForDisplayed({ timeout: 30000 });

      await browser.deleteSession();
      browser = await openApp(driver);
      await (await byId(browser, 'signin-form')).waitForDisplayed({ timeout: 30000 });
      assert.equal(await (await byId(browser, 'account-email')).isExisting(), false);
    });
  });

  test('says the project is unreachable after the backend stops', async () => {
    await withShots(browser, 'unreachable', async () => {
      await backend.stop();
      assert.equal(backend.running, false, 'the backend process ended');

      await submitSignIn(browser, backend.demo_password);
      const error = await byId(browser, 'signin-error');
      await error.waitForDisplayed({ timeout: 30000 });
      assert.equal(await error.getAttribute('data-code'), 'unreachable');
      const { host } = new URL(backend.supabase_url);
      const details = await byId(browser, 'connection-details');
      if ((await details.getAttribute('open')) === null) await (await byId(browser, 'connection-summary')).click();
      const retry = await byId(browser, 'retry');
      await retry.waitForClickable();
      await retry.click();
      const status = await settledStatus(browser, { not: 'connected' });
      assert.equal(status.code, 'unreachable');
      const hint = await (await byId(browser, 'status-hint')).getText();
      assert.ok(hint.includes(host), `the hint names ${host}: ${hint}`);

      await saveWebviewShot(browser, 'e2e-unreachable');
      await saveScreenShot('e2e-unreachable-screen');
    });
  });
});
