// @ts-check
// Shared set-up for the Chromium tests: a static server for ui/dist on a free loopback port, a
// headless Debian Chromium with a fresh profile, and the scripted Tauri shell injected into each
// page before the app boots.

/** @import { Page } from 'playwright-core' */
/** @import { MockScenario } from '../../src/dev/mock-ipc' */

import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { build } from 'vite';

export const uiDir = fileURLToPath(new URL('../../', import.meta.url));
export const distDir = path.join(uiDir, 'dist');
export const artifactsDir = path.resolve(uiDir, '..', 'tests', 'artifacts');

const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * As strict as the app's own CSP should be: any inline script or style, or anything fetched from
 * elsewhere, shows up as a console error and fails the test.
 */
export const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** @type {Record<string, string>} */
const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

/** Serves ui/dist on 127.0.0.1 on a port the OS picks. */
export async function serveDist() {
  if (!existsSync(path.join(distDir, 'index.html'))) {
    throw new Error(`no build in ${distDir}: run \`npm run build\` first`);
  }
  const server = http.createServer((req, res) => {
    const pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
    const file = path.join(distDir, path.normalize(pathname.endsWith('/') ? `${pathname}index.html` : pathname));
    if (!file.startsWith(distDir)) {
      res.writeHead(403);
      res.end();
      return;
    }
    readFile(file).then(
      (body) => {
        res.writeHead(200, {
          'content-type': MIME[path.extname(file)] ?? 'application/octet-stream',
          'content-security-policy': CSP,
          'cache-control': 'no-store',
        });
        res.end(body);
      },
      () => {
        res.writeHead(404);
        res.end();
      },
    );
  });
  await new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      resolve(undefined);
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('server has no port');
  return {
    origin: `http://127.0.0.1:${address.port}`,
    /** @returns {Promise<void>} */
    close: () =>
      new Promise((resolve) => {
        server.close(() => {
          resolve();
        });
      }),
  };
}

/** Bundles tests/browser/mock-entry.ts (mockIPC + the scripted shell) into one IIFE string. */
export async function buildMockScript() {
  const result = await build({
    configFile: false,
    root: uiDir,
    logLevel: 'silent',
    build: {
      write: false,
      minify: false,
      lib: {
        entry: path.join(uiDir, 'tests/browser/mock-entry.ts'),
        formats: ['iife'],
        name: 'CallrecMockIpc',
        fileName: 'mock-ipc',
      },
    },
  });
  const outputs = Array.isArray(result) ? result : [result];
  for (const out of outputs) {
    if (!('output' in out)) continue;
    for (const item of out.output) {
      if (item.type === 'chunk') return item.code;
    }
  }
  throw new Error('mock bundle: no chunk produced');
}

/** A headless Chromium with a fresh, throw-away profile. */
export async function launchChromium() {
  const userDataDir = await mkdtemp(path.join(os.tmpdir(), 'callrec-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: chromiumPath,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1100, height: 700 },
    locale: 'en-GB',
    timezoneId: 'UTC',
  });
  return {
    context,
    close: async () => {
      await context.close();
      await rm(userDataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Everything a test needs: server, browser and the mock script, set up once per test file.
 */
export async function startHarness() {
  await mkdir(artifactsDir, { recursive: true });
  const parts = await Promise.allSettled([serveDist(), buildMockScript(), launchChromium()]);
  const [serverPart, mockPart, browserPart] = parts;
  if (serverPart.status === 'rejected' || mockPart.status === 'rejected' || browserPart.status === 'rejected') {
    // Close what did start, or the open server keeps the test process alive.
    if (serverPart.status === 'fulfilled') await serverPart.value.close();
    if (browserPart.status === 'fulfilled') await browserPart.value.close();
    /** @type {unknown[]} */
    const failed = [];
    for (const p of parts) if (p.status === 'rejected') failed.push(p.reason);
    throw new AggregateError(failed, `browser test set-up failed: ${failed.map(String).join('; ')}`);
  }
  const server = serverPart.value;
  const mockScript = mockPart.value;
  const browser = browserPart.value;
  return {
    server,
    mockScript,
    context: browser.context,
    close: async () => {
      await browser.close();
      await server.close();
    },
  };
}

/** @typedef {Awaited<ReturnType<typeof startHarness>>} Harness */

/**
 * @typedef {object} AppPage
 * @property {Page} page
 * @property {string[]} problems console errors and warnings, page errors, CSP violations
 * @property {string[]} external requests to anything but the local server (all blocked)
 */

/**
 * @typedef {object} OpenOptions
 * @property {'light' | 'dark'} [colorScheme]
 * @property {Record<string, string>} [localStorage] entries in place before the app boots
 * @property {(page: Page) => Promise<unknown>} [beforeLoad] e.g. to install Playwright's fake clock
 */

/**
 * Opens the app in a new page. With a scenario, the scripted shell is injected before the app's
 * scripts run; with `null`, the page has no Tauri IPC at all, like a plain browser.
 * @param {Harness} h
 * @param {MockScenario | null} scenario
 * @param {OpenOptions} [options]
 * @returns {Promise<AppPage>}
 */
export async function openApp(h, scenario, options = {}) {
  const page = await h.context.newPage();
  page.setDefaultTimeout(5000);
  await page.emulateMedia({ colorScheme: options.colorScheme ?? 'light', reducedMotion: 'reduce' });

  /** @type {string[]} */
  const problems = [];
  /** @type {string[]} */
  const external = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error' || msg.type() === 'warning') problems.push(`console.${msg.type()}: ${msg.text()}`);
  });
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  await page.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith(`${h.server.origin}/`)) return route.continue();
    external.push(url);
    return route.abort('blockedbyclient');
  });

  if (scenario) {
    await page.addInitScript({ content: `window.__CALLREC_SCENARIO__ = ${JSON.stringify(scenario)};` });
    await page.addInitScript({ content: h.mockScript });
  }
  // The profile lives as long as the test file: every page starts with empty storage, plus the
  // entries asked for. Once per page: a reload keeps what the app stored (what it remembers).
  await page.addInitScript((entries) => {
    if (window.name === 'callrec-test-page') return;
    window.name = 'callrec-test-page';
    localStorage.clear();
    sessionStorage.clear();
    for (const [key, value] of Object.entries(entries)) localStorage.setItem(key, value);
  }, options.localStorage ?? {});
  if (options.beforeLoad) await options.beforeLoad(page);
  await page.goto(`${h.server.origin}/`);
  return { page, problems, external };
}

/**
 * How many times the scripted shell has received `cmd`.
 * @param {Page} page
 * @param {string} cmd
 */
export async function mockCount(page, cmd) {
  return page.evaluate((c) => window.__CALLREC_MOCK__?.count(c) ?? -1, cmd);
}

/**
 * The text of the element with this test id, whitespace collapsed.
 * @param {Page} page
 * @param {string} testid
 */
export async function textOf(page, testid) {
  return ((await page.getByTestId(testid).textContent()) ?? '').replace(/\s+/g, ' ').trim();
}

/**
 * Saves a screenshot to tests/artifacts/ui-<name>.png. The page never scrolls (a screen taller
 * than the window scrolls inside `main`), so a full-page shot is only the window: for the whole
 * screen, the window grows to its height for the shot, then is put back.
 * @param {Page} page
 * @param {string} name
 */
export async function screenshot(page, name) {
  const size = page.viewportSize();
  const hidden = await page.evaluate(() => {
    const main = document.querySelector('main');
    return main ? Math.ceil(main.scrollHeight - main.clientHeight) : 0;
  });
  if (size && hidden > 0) await page.setViewportSize({ width: size.width, height: size.height + hidden });
  await page.screenshot({ path: path.join(artifactsDir, `ui-${name}.png`), fullPage: true, animations: 'disabled' });
  if (size && hidden > 0) await page.setViewportSize(size);
}

/**
 * Relative luminance (0 dark … 1 light) of a CSS `rgb()`/`rgba()` colour.
 * @param {string} css
 */
export function luminance(css) {
  const m = /rgba?\((\d+),\s*(\d+),\s*(\d+)/.exec(css);
  if (!m) throw new Error(`not an rgb() colour: ${css}`);
  const [r, g, b] = [m[1], m[2], m[3]].map((v) => {
    const c = Number(v) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * (r ?? 0) + 0.7152 * (g ?? 0) + 0.0722 * (b ?? 0);
}
