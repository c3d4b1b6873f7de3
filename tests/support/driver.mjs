// tauri-driver (which starts WebKitWebDriver, which starts the app) and a webdriverio session
// on it. tauri-driver hands its own environment down to the app, so the app's configuration
// (CALLREC_*) is set on the tauri-driver process.

import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { remote } from 'webdriverio';

import { appBin, artifactsDir, nativeDriverBin, repoRoot, tauriDriverBin } from './paths.mjs';
import { freePorts, spawnGroup, stopGroup, waitForPort } from './proc.mjs';

const run = promisify(execFile);

/**
 * Starts tauri-driver on $TAURI_DRIVER_PORT / $TAURI_DRIVER_NATIVE_PORT, or on free ports.
 * @param {{ env: NodeJS.ProcessEnv }} options the environment for tauri-driver and the app
 */
export async function startTauriDriver({ env }) {
  const bin = tauriDriverBin();
  if (!existsSync(bin)) {
    throw new Error(`tauri-driver is not at ${bin}: \`cargo install tauri-driver --version ^2 --locked\` or set TAURI_DRIVER_BIN`);
  }
  const [pickedPort, pickedNative] = await freePorts(2);
  const port = Number(process.env.TAURI_DRIVER_PORT) || pickedPort;
  const nativePort = Number(process.env.TAURI_DRIVER_NATIVE_PORT) || pickedNative;
  const child = spawnGroup(
    bin,
    ['--port', String(port), '--native-port', String(nativePort), '--native-driver', nativeDriverBin()],
    { env, cwd: repoRoot, name: 'tauri-driver' },
  );
  try {
    // tauri-driver listens at once; WebKitWebDriver a moment later. Sessions need both.
    await waitForPort(port, { child, timeoutMs: 30000 });
    await waitForPort(nativePort, { child, timeoutMs: 30000 });
  } catch (error) {
    await stopGroup(child);
    throw error;
  }
  return {
    port,
    nativePort,
    child,
    /** tauri-driver kills WebKitWebDriver on SIGTERM; the group kill catches the rest. */
    stop: () => stopGroup(child, { signals: ['SIGTERM'], graceMs: 5000 }),
  };
}

/** A WebDriver session that launches the app. One kept-alive connection (webdriverio). */
export async function openApp(driver, { application = appBin } = {}) {
  if (!existsSync(application)) {
    throw new Error(`the app is not at ${application}: run \`cargo build -p callrec-app\` or set CALLREC_APP_BIN`);
  }
  return remote({
    hostname: '127.0.0.1',
    port: driver.port,
    logLevel: process.env.CALLREC_TEST_VERBOSE ? 'info' : 'error',
    // Launching the app (WebKit, first paint) can take a while on a busy 2-core runner.
    connectionRetryTimeout: 120000,
    // A retried new-session request would start a second app.
    connectionRetryCount: 0,
    waitforTimeout: 20000,
    waitforInterval: 100,
    capabilities: {
      'tauri:options': { application },
      // Plain WebDriver: tauri-driver proxies HTTP only, no BiDi WebSocket.
      'wdio:enforceWebDriverClassic': true,
    },
  });
}

/** The webview's own screenshot, saved as tests/artifacts/<name>.png. */
export async function saveWebviewShot(browser, name) {
  await mkdir(artifactsDir, { recursive: true });
  const file = join(artifactsDir, `${name}.png`);
  await browser.saveScreenshot(file);
  return file;
}

/** The whole X screen (the real window, as the display shows it), via ImageMagick. */
export async function saveScreenShot(name) {
  if (!process.env.DISPLAY) return null;
  await mkdir(artifactsDir, { recursive: true });
  const file = join(artifactsDir, `${name}.png`);
  await run('import', ['-window', 'root', file], { timeout: 20000 });
  return file;
}
