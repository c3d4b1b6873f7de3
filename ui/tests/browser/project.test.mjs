// @ts-check
// The project's configuration and status card in headless Chromium, against the production build
// (ui/dist) with the Tauri shell scripted by mockIPC. Signed in, they are in Settings → "About /
// connection" (most tests here start signed in, and open it); on the sign-in screen, under
// "Connection details". Screenshots go to ../tests/artifacts/ui-*.png.

/** @import { MockScenario } from '../../src/dev/mock-ipc' */
/** @import { AppPage, Harness, OpenOptions } from './harness.mjs' */

import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import {
  CONNECTED,
  demoInfo,
  info,
  ipcError,
  scenario as baseScenario,
  signedIn,
  signedOut,
  status,
} from './fixtures.mjs';
import { luminance, mockCount, openApp, screenshot, startHarness, textOf as text } from './harness.mjs';

/**
 * Signed in unless the test says otherwise: the home shows the project in full.
 * @param {Partial<MockScenario>} [over]
 * @returns {MockScenario}
 */
const scenario = (over = {}) => baseScenario({ session: { ok: signedIn() }, ...over });

/** @type {Harness} */
let h;
/** @type {Harness | undefined} */
let started;
/** @type {AppPage[]} */
let opened = [];

/**
 * Opens the app; signed in, also Settings on its "About / connection" tab, where the project is.
 * @param {MockScenario | null} s
 * @param {OpenOptions} [options]
 */
async function open(s, options) {
  const app = await openApp(h, s, options);
  opened.push(app);
  const session = s?.session;
  if (session && 'ok' in session && session.ok.status === 'signedIn') {
    const { page } = app;
    await page.getByTestId('home-screen').waitFor();
    await page.getByTestId('settings-toggle').click();
    await page.getByTestId('settings-tab-about').click();
    await page.getByTestId('settings-panel-about').waitFor();
  }
  return app;
}

/** @param {import('playwright-core').Page} page @param {string} state */
async function waitForState(page, state) {
  await page.locator(`[data-testid="status-card"][data-state="${state}"]`).waitFor();
}

before(async () => {
  started = await startHarness();
  h = started;
});

after(async () => {
  await started?.close();
});

// Every page must load without errors, CSP violations or requests leaving the local server.
afterEach(async () => {
  const pages = opened;
  opened = [];
  for (const { page, problems, external } of pages) {
    await page.close();
    assert.deepEqual(problems, [], 'console errors, page errors or CSP violations');
    assert.deepEqual(external, [], 'requests to anything but the local server');
  }
});

describe('connected project', () => {
  it('shows the app title and version, the project URL and the connected status line', async () => {
    const { page } = await open(scenario());
    await waitForState(page, 'connected');
    assert.equal(await text(page, 'app-title'), 'Callrec');
    assert.equal(await text(page, 'app-version'), 'v0.1.0');
    assert.equal(await text(page, 'project-url'), info.supabaseUrl);
    assert.equal(await text(page, 'functions-url'), info.functionsUrl);
    assert.equal(await text(page, 'data-dir'), info.dataDir);
    assert.equal(await text(page, 'status-text'), CONNECTED);
    assert.equal(await page.getByTestId('demo-badge').count(), 0, 'no Demo badge outside demo mode');
    assert.equal(await page.getByTestId('demo-email').count(), 0);
    assert.equal(await page.title(), 'Callrec');
    await screenshot(page, 'connected-light');
  });

  it('shows the Demo badge and the demo user in demo mode', async () => {
    const { page } = await open(scenario({ appInfo: { ok: demoInfo } }));
    await waitForState(page, 'connected');
    assert.equal(await text(page, 'demo-badge'), 'Demo');
    assert.equal(await text(page, 'demo-email'), 'reviewer@demo.callrec.example');
    assert.equal(await text(page, 'project-url'), 'http://127.0.0.1:54321');
    await screenshot(page, 'demo');
  });

  it('says when REST is not reachable', async () => {
    const { page } = await open(scenario({ probe: [{ ok: { ...status, restReachable: false, latencyMs: 87.4 } }] }));
    await waitForState(page, 'connected');
    assert.equal(await text(page, 'status-text'), 'Connected — GoTrue v2.170.0 · REST not reachable · 87 ms');
    assert.match(await text(page, 'status-hint'), /REST API did not answer/);
  });

  it('says "Not configured" when the shell has no URL, on the sign-in screen, opened by itself', async () => {
    const { page } = await open(
      scenario({
        appInfo: { ok: { ...info, supabaseUrl: null, functionsUrl: null } },
        probe: [ipcError('not_configured')],
        session: { ok: signedOut() },
      }),
    );
    await page.getByTestId('signin-form').waitFor();
    // A failed probe is the likely reason sign-in will not work: the details open themselves.
    await waitForState(page, 'failed');
    assert.equal(await page.getByTestId('connection-details').getAttribute('open'), '');
    assert.equal(await text(page, 'project-url'), 'Not configured');
    assert.equal(await text(page, 'connection-summary'), 'No Supabase project is configured');
  });
});

describe('each error code renders its own message', () => {
  /** @type {{ name: string, reply: { err: unknown }, code: string, title: string, hint: RegExp, detail: boolean }[]} */
  const cases = [
    {
      name: 'not_configured',
      reply: ipcError('not_configured', 'CALLREC_SUPABASE_URL is not set'),
      code: 'not_configured',
      title: 'No Supabase project is configured',
      hint: /^Set CALLREC_SUPABASE_URL and CALLREC_SUPABASE_ANON_KEY and restart Callrec, or run callrec demo/,
      detail: false,
    },
    {
      name: 'unreachable',
      reply: ipcError('unreachable', 'tcp connect error: Connection refused (os error 111)'),
      code: 'unreachable',
      title: 'Cannot reach the project',
      hint: /^No answer from https:\/\/abcdefghijklmnop\.supabase\.co\. Check the network/,
      detail: true,
    },
    {
      name: 'not_supabase',
      reply: ipcError('not_supabase', '/auth/v1/health answered 404'),
      code: 'not_supabase',
      title: 'This is not a Supabase project',
      hint: /not as Supabase Auth does\. Check CALLREC_SUPABASE_URL\.$/,
      detail: true,
    },
    {
      name: 'server_error',
      reply: ipcError('server_error', '/auth/v1/health answered 503'),
      code: 'server_error',
      title: 'The project reported a server error',
      hint: /usually temporary/,
      detail: true,
    },
    {
      name: 'plain-string',
      reply: { err: 'command probe_project not found' },
      code: 'ipc',
      title: 'Could not check the project',
      hint: /Something unexpected went wrong/,
      detail: true,
    },
    {
      name: 'garbage',
      reply: { err: { status: 500 } },
      code: 'unknown',
      title: 'Could not check the project',
      hint: /Something unexpected went wrong/,
      detail: true,
    },
  ];

  for (const c of cases) {
    it(`${c.name} → "${c.title}"`, async () => {
      const { page } = await open(scenario({ probe: [c.reply] }));
      await waitForState(page, 'failed');
      const card = page.getByTestId('status-card');
      assert.equal(await card.getAttribute('data-code'), c.code);
      assert.equal(await text(page, 'status-text'), c.title);
      assert.match(await text(page, 'status-hint'), c.hint);
      assert.equal(await page.getByTestId('status-detail').count(), c.detail ? 1 : 0);
      if (c.detail && typeof c.reply.err === 'object' && c.reply.err !== null && 'message' in c.reply.err) {
        assert.match(await text(page, 'status-detail'), new RegExp(`\\(${c.code}\\): `));
      }
      assert.equal(await text(page, 'retry'), 'Retry');
      // The page is still fine otherwise: the configuration is shown.
      assert.equal(await text(page, 'project-url'), info.supabaseUrl);
      await screenshot(page, `error-${c.name}`);
    });
  }
});

describe('retry', () => {
  it('calls probe_project again and shows the new answer', async () => {
    const { page } = await open(scenario({ probe: [ipcError('unreachable'), { ok: status }] }));
    await waitForState(page, 'failed');
    assert.equal(await mockCount(page, 'probe_project'), 1);
    assert.equal(await mockCount(page, 'app_info'), 1);

    await page.getByTestId('retry').click();
    await waitForState(page, 'connected');
    assert.equal(await mockCount(page, 'probe_project'), 2);
    assert.equal(await text(page, 'status-text'), CONNECTED);
    assert.equal(await text(page, 'retry'), 'Check again');
    assert.match(await text(page, 'checked-at'), /^Checked at \d\d:\d\d:\d\d$/);
  });

  it('works from the keyboard, shows the check in progress, and ignores clicks meanwhile', async () => {
    const { page } = await open(scenario({ probe: [{ ok: status }, ipcError('server_error')] }));
    await waitForState(page, 'connected');
    await page.evaluate(() => window.__CALLREC_MOCK__?.hold());

    await page.getByTestId('retry').focus();
    await page.keyboard.press('Enter');
    await waitForState(page, 'checking');
    const card = page.getByTestId('status-card');
    assert.equal(await card.getAttribute('aria-busy'), 'true');
    assert.equal(await page.getByTestId('retry').getAttribute('aria-disabled'), 'true');
    assert.equal(await text(page, 'retry'), 'Checking…');
    assert.equal(await text(page, 'status-text'), 'Checking the project…');
    await screenshot(page, 'checking');

    // aria-disabled, not disabled: Playwright would wait for "enabled", so force the click.
    await page.getByTestId('retry').click({ force: true });
    assert.equal(await mockCount(page, 'probe_project'), 2, 'a click while checking starts no second probe');

    await page.evaluate(() => window.__CALLREC_MOCK__?.release());
    await waitForState(page, 'failed');
    assert.equal(await card.getAttribute('data-code'), 'server_error');
    assert.equal(await card.getAttribute('aria-busy'), 'false');
    const focused = await page.evaluate(() => document.activeElement?.getAttribute('data-testid'));
    assert.equal(focused, 'retry', 'focus stays on the button');
  });
});

describe('themes', () => {
  /** @param {import('playwright-core').Page} page */
  const colours = (page) =>
    page.evaluate(() => {
      const body = getComputedStyle(document.body);
      const card = getComputedStyle(document.querySelector('[data-testid="status-card"]') ?? document.body);
      return { bg: body.backgroundColor, fg: body.color, card: card.backgroundColor };
    });

  it('is light when the OS is light', async () => {
    const { page } = await open(scenario(), { colorScheme: 'light' });
    await waitForState(page, 'connected');
    const c = await colours(page);
    assert.ok(luminance(c.bg) > 0.8, `light background, got ${c.bg}`);
    assert.ok(luminance(c.fg) < 0.1, `dark text, got ${c.fg}`);
  });

  it('is dark when the OS is dark', async () => {
    const { page } = await open(scenario({ appInfo: { ok: demoInfo } }), { colorScheme: 'dark' });
    await waitForState(page, 'connected');
    const c = await colours(page);
    assert.ok(luminance(c.bg) < 0.05, `dark background, got ${c.bg}`);
    assert.ok(luminance(c.card) < 0.05, `dark card, got ${c.card}`);
    assert.ok(luminance(c.fg) > 0.6, `light text, got ${c.fg}`);
    await screenshot(page, 'connected-dark');
  });

  it('shows errors readably in dark mode', async () => {
    const { page } = await open(scenario({ probe: [ipcError('not_configured')] }), { colorScheme: 'dark' });
    await waitForState(page, 'failed');
    const fg = await page.getByTestId('status-text').evaluate((el) => getComputedStyle(el).color);
    assert.ok(luminance(fg) > 0.2, `error text stands out on the dark card, got ${fg}`);
    await screenshot(page, 'error-dark');
  });
});

describe('accessibility', () => {
  it('announces the status politely, names its controls and shows a focus ring', async () => {
    const { page } = await open(scenario());
    await waitForState(page, 'connected');
    const live = page.locator('[role="status"]');
    assert.equal(await live.getAttribute('aria-live'), 'polite');
    assert.match((await live.textContent()) ?? '', /Connected — GoTrue/);
    assert.equal(await page.getByRole('heading', { name: 'Settings' }).count(), 1);
    assert.equal(await page.getByRole('button', { name: 'Check again' }).count(), 1);
    assert.equal(await page.getByRole('region', { name: 'Connection' }).count(), 1);
    assert.equal(await page.getByRole('tab', { name: 'About / connection' }).getAttribute('aria-selected'), 'true');

    // From the tab, Tab reaches the Connection button, with a visible focus ring.
    /** @returns {Promise<{ id: string | null, style: string, width: number } | null>} */
    const focused = () =>
      page.evaluate(() => {
        const el = document.activeElement;
        if (!el || el === document.body) return null;
        const s = getComputedStyle(el);
        return { id: el.getAttribute('data-testid'), style: s.outlineStyle, width: parseFloat(s.outlineWidth) };
      });
    let ring = await focused();
    assert.equal(ring?.id, 'settings-tab-about', 'the tab clicked has the focus');
    for (let i = 0; i < 10 && ring?.id !== 'retry'; i += 1) {
      await page.keyboard.press('Tab');
      ring = await focused();
    }
    assert.equal(ring?.id, 'retry', 'Tab reaches the Connection button');
    assert.notEqual(ring.style, 'none');
    assert.ok(ring.width >= 2, `outline at least 2px, got ${ring.width}`);
  });
});

describe('failures around the probe', () => {
  it('shows an app_info failure and still probes', async () => {
    const { page } = await open(scenario({ appInfo: ipcError('internal', 'config file unreadable') }));
    await waitForState(page, 'connected');
    assert.match(await text(page, 'app-info-error'), /config file unreadable/);
    assert.equal(await page.getByTestId('app-version').count(), 0);
    assert.equal(await text(page, 'app-title'), 'Callrec');
  });

  it('outside the app (no Tauri IPC) says so instead of crashing', async () => {
    const { page } = await open(null);
    // No session can be read: the sign-in screen says so, with the details open.
    await page.getByTestId('signin-form').waitFor();
    assert.equal(await page.getByTestId('session-error').getAttribute('data-code'), 'ipc_unavailable');
    await waitForState(page, 'failed');
    assert.equal(await page.getByTestId('status-card').getAttribute('data-code'), 'ipc_unavailable');
    assert.equal(await text(page, 'status-text'), 'Not running inside Callrec');
    assert.equal(await page.getByTestId('app-info-error').count(), 1);
  });
});
