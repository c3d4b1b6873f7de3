// The setup most end-to-end suites share: a fresh backend, the real app on it under
// tauri-driver with its own data dir, signed in as the demo reviewer.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { appEnv, byId, submitSignIn, waitForAccount } from './app.mjs';
import { startBackend } from './backend.mjs';
import { openApp, startTauriDriver } from './driver.mjs';
import { removeOnExit } from './proc.mjs';

/**
 * Starts everything and signs in. `extraEnv(dir)` adds the app's variables that need the
 * suite's temporary dir (an ALSA capture, say); the app's data lives in `<dir>/data`.
 * `close(browser)` ends the given WebDriver session (the suite may have opened a new one since),
 * then the driver, the backend and the dir.
 * `backendArgs` go to `callrec backend` (e.g. a short token lifetime).
 * @param {string} name
 * @param {(dir: string) => Promise<Record<string, string>>} [extraEnv]
 * @param {{ backendArgs?: string[] }} [options]
 */
export async function signedInApp(name, extraEnv = async () => ({}), { backendArgs = [] } = {}) {
  const backend = await startBackend({ args: backendArgs });
  const dir = removeOnExit(await mkdtemp(join(tmpdir(), `callrec-test-${name}-`)));
  let driver;
  const close = async (browser) => {
    await browser?.deleteSession().catch(() => {});
    await driver?.stop();
    await backend.stop();
    await rm(dir, { recursive: true, force: true });
  };
  let browser;
  try {
    driver = await startTauriDriver({ env: { ...appEnv(backend, join(dir, 'data')), ...(await extraEnv(dir)) } });
    browser = await openApp(driver);
    await (await byId(browser, 'signin-form')).waitForDisplayed({ timeout: 30000 });
    await submitSignIn(browser, backend.demo_password);
    await waitForAccount(browser, backend.demo_email);
  } catch (error) {
    await close(browser);
    throw error;
  }
  return { backend, driver, browser, dir, close };
}
