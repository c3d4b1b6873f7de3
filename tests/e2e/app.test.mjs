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
import { openApp, saveScreenShot, saveWebviewShot, startTauriDriver } from '../support/driver.mjs';
import { removeOnExit } from '../support/proc.mjs';

const byId = (browser, id) => browser.$(`[data-testid="${id}"]`);

/** The same variables `callrec demo` gives the app it starts. */
function appEnv(backend, dataDir) {
  const env = {
    ...process.env,
    CALLREC_SUPABASE_URL: backend.supabase_url,
    CALLREC_SUPABASE_ANON_KEY: backend.anon_key,
    CALLREC_DATA_DIR: dataDir,
    CALLREC_DEMO: '1',
    CALLREC_DEMO_EMAIL: backend.demo_email,
  };
  // Overrides inherited from the caller would point the app elsewhere.
  delete env.CALLREC_FUNCTIONS_URL;
  delete env.CALLREC_SIGNED_URL_FUNCTIONS_URL;
  delete env.CALLREC_SIGNED_URL_API_KEY;
  return env;
}

/** A URL in one spelling ("http://h:p" and "http://h:p/" are the same base). */
const normal = (url) => new URL(url.trim()).href;

/** Waits until the status card has finished a probe (state is not "checking"). */
async function settledStatus(browser, { not } = {}) {
  const card = await byId(browser, 'status-card');
  await card.waitForExist({ timeout: 30000 });
  await browser.waitUntil(
    async () => {
      const state = await card.getAttribute('data-state');
      return state !== null && state !== 'checking' && state !== not;
    },
    { timeout: 30000, interval: 100, timeoutMsg: `the status card stayed "checking"${not ? ` or "${not}"` : ''} for 30 s` },
  );
  return {
    state: await card.getAttribute('data-state'),
    code: await card.getAttribute('data-code'),
    text: await (await byId(browser, 'status-text')).getText(),
  };
}

/** Runs `body`; on failure saves both screenshots as e2e-failed-<name>. */
async function withShots(browser, name, body) {
  try {
    await body();
  } catch (error) {
    await saveWebviewShot(browser, `e2e-failed-${name}`).catch(() => {});
    await saveScreenShot(`e2e-failed-${name}-screen`).catch(() => {});
    throw error;
  }
}

describe('Callrec app against the local backend', { timeout: 240000 }, () => {
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

  test('shows the demo project, connected to the live backend', async () => {
    await withShots(browser, 'connected', async () => {
      const title = await byId(browser, 'app-title');
      await title.waitForDisplayed();
      assert.equal(await title.getText(), 'Callrec');
      assert.equal(await browser.getTitle(), 'Callrec');

      // The configuration the app got through tauri-driver's environment.
      const url = await byId(browser, 'project-url');
      await url.waitForDisplayed();
      assert.equal(normal(await url.getText()), normal(backend.supabase_url));
      assert.equal(normal(await (await byId(browser, 'functions-url')).getText()), normal(backend.functions_url));
      assert.equal(await (await byId(browser, 'demo-email')).getText(), backend.demo_email);
      assert.equal(await (await byId(browser, 'data-dir')).getText(), appDataDir);
      const badge = await byId(browser, 'demo-badge');
      assert.ok(await badge.isDisplayed(), 'the Demo badge shows');
      assert.equal(await badge.getText(), 'Demo');

      const status = await settledStatus(browser);
      assert.equal(status.state, 'connected', `status: ${JSON.stringify(status)}`);
      const match = /^Connected — (\S+) (\S+) · REST reachable · (\d+) ms$/.exec(status.text);
      if (!match) {
        const hint = await (await byId(browser, 'status-hint')).getText().catch(() => '');
        assert.fail(`the status card says "${status.text}"${hint ? ` (${hint})` : ''}; expected "Connected — GoTrue <version> · REST reachable · <n> ms"`);
      }
      assert.equal(match[1], 'GoTrue');
      assert.equal(match[1], health.name ?? 'GoTrue');
      assert.equal(match[2], health.version, 'the GoTrue version the backend reports');

      await saveWebviewShot(browser, 'e2e-connected');
      await saveScreenShot('e2e-connected-screen');
    });
  });

  test('says the project is unreachable after the backend stops and Retry is pressed', async () => {
    await withShots(browser, 'unreachable', async () => {
      await backend.stop();
      assert.equal(backend.running, false, 'the backend process ended');

      const retry = await byId(browser, 'retry');
      await retry.waitForClickable();
      await retry.click();

      const status = await settledStatus(browser, { not: 'connected' });
      assert.equal(status.state, 'failed', `status: ${JSON.stringify(status)}`);
      assert.equal(status.code, 'unreachable');
      assert.equal(status.text, 'Cannot reach the project');
      const hint = await (await byId(browser, 'status-hint')).getText();
      const { host } = new URL(backend.supabase_url);
      assert.ok(hint.includes(host), `the hint names ${host}: ${hint}`);
      assert.equal(await retry.getText(), 'Retry');

      await saveWebviewShot(browser, 'e2e-unreachable');
      await saveScreenShot('e2e-unreachable-screen');
    });
  });
});
