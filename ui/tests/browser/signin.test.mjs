// @ts-check
// Signing in and out in headless Chromium, against the production build (ui/dist) with the Tauri
// shell scripted by mockIPC: the launch states, the form and every error it can show, the rate
// limit's countdown, the session-changed event, the offline and keyring banners. Screenshots go
// to ../tests/artifacts/ui-signin-*.png.

/** @import { Page } from 'playwright-core' */
/** @import { MockScenario } from '../../src/dev/mock-ipc' */
/** @import { AppPage, Harness, OpenOptions } from './harness.mjs' */

import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import {
  CONNECTED,
  demoInfo,
  EMAIL,
  info,
  ipcError,
  keyutils,
  scenario,
  signedIn,
  signedOut,
} from './fixtures.mjs';
import { luminance, mockCount, openApp, screenshot, startHarness, textOf as text } from './harness.mjs';

const PASSWORD = 'correct horse battery staple';
const HOST = 'abcdefghijklmnop.supabase.co';
const REVOKED = { code: 'session_revoked', message: 'You were signed out because your session was revoked.' };

/** @type {Harness} */
let h;
/** @type {Harness | undefined} */
let started;
/** @type {AppPage[]} */
let opened = [];

/**
 * @param {MockScenario | null} s
 * @param {OpenOptions} [options]
 */
async function open(s, options) {
  const app = await openApp(h, s, options);
  opened.push(app);
  return app;
}

/** @param {Page} page @param {string} testid */
const value = (page, testid) => page.getByTestId(testid).inputValue();

/** @param {Page} page */
const focusedTestId = (page) => page.evaluate(() => document.activeElement?.getAttribute('data-testid') ?? null);

/** @param {Page} page */
async function form(page) {
  await page.getByTestId('signin-form').waitFor();
}

/** @param {Page} page */
async function home(page) {
  await page.getByTestId('home-screen').waitFor();
}

/**
 * Types the password (and anything else given) and clicks Sign in.
 * @param {Page} page
 * @param {{ url?: string, anonKey?: string, email?: string, password?: string }} [fields]
 */
async function signIn(page, fields = {}) {
  if (fields.url !== undefined) await page.getByTestId('signin-url').fill(fields.url);
  if (fields.anonKey !== undefined) await page.getByTestId('signin-anon-key').fill(fields.anonKey);
  if (fields.email !== undefined) await page.getByTestId('signin-email').fill(fields.email);
  await page.getByTestId('signin-password').fill(fields.password ?? PASSWORD);
  await page.getByTestId('signin-submit').click();
}

/**
 * The arguments of every `sign_in` the shell received.
 * @param {Page} page
 */
const signInCalls = (page) =>
  page.evaluate(() => (window.__CALLREC_MOCK__?.calls ?? []).filter((c) => c.cmd === 'sign_in').map((c) => c.args));

/**
 * Everything in localStorage and sessionStorage, keys and values, as one string.
 * @param {Page} page
 */
const storageDump = (page) =>
  page.evaluate(() =>
    [localStorage, sessionStorage]
      .flatMap((store) => Object.keys(store).map((key) => `${key}=${store.getItem(key) ?? ''}`))
      .join('\n'),
  );

/**
 * Emits `session-changed` as the shell does.
 * @param {Page} page
 * @param {unknown} payload
 */
const emitSession = (page, payload) =>
  page.evaluate((p) => window.__CALLREC_MOCK__?.emit('session-changed', p), payload);

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

describe('launch', () => {
  it('shows a quiet loading state until the shell says the session, then the sign-in form', async () => {
    const { page } = await open(scenario(), {
      beforeLoad: (p) => p.addInitScript(() => window.__CALLREC_MOCK__?.hold()),
    });
    await page.getByTestId('session-loading').waitFor();
    assert.equal(await page.getByTestId('signin-form').count(), 0);
    assert.equal(await page.getByTestId('home-screen').count(), 0);
    assert.equal(await page.getByTestId('signout').count(), 0);
    await page.evaluate(() => window.__CALLREC_MOCK__?.release());
    await form(page);
    assert.equal(await page.getByTestId('session-loading').count(), 0);
    assert.equal(await mockCount(page, 'session_state'), 1);
  });

  it('prefills the URL but never the anon key, which is "Saved — leave empty to keep"', async () => {
    const { page } = await open(scenario());
    await form(page);
    assert.equal(await value(page, 'signin-url'), info.supabaseUrl);
    assert.equal(await value(page, 'signin-anon-key'), '');
    assert.equal(await page.getByTestId('signin-anon-key').getAttribute('placeholder'), 'Saved — leave empty to keep');
    assert.equal(await value(page, 'signin-email'), '');
    assert.equal(await value(page, 'signin-password'), '');
    assert.equal(await page.getByTestId('signin-password').getAttribute('type'), 'password');
    assert.equal(await focusedTestId(page), 'signin-email', 'focus starts in the first empty field');
    assert.equal(await text(page, 'signin-submit'), 'Sign in');
    assert.equal(await page.getByTestId('signin-error').count(), 0);
    assert.equal(await page.getByTestId('session-notice').count(), 0);
  });

  it('prefills the demo user in demo mode', async () => {
    const { page } = await open(scenario({ appInfo: { ok: demoInfo } }));
    await form(page);
    assert.equal(await value(page, 'signin-url'), 'http://127.0.0.1:54321');
    assert.equal(await value(page, 'signin-email'), 'reviewer@demo.callrec.example');
    assert.equal(await text(page, 'demo-badge'), 'Demo');
    assert.equal(await focusedTestId(page), 'signin-password');
  });

  it('prefills the last email used on this project, even in demo mode', async () => {
    const last = JSON.stringify({ url: 'http://127.0.0.1:54321/', email: 'lead@agency.example' });
    const { page } = await open(scenario({ appInfo: { ok: demoInfo } }), {
      localStorage: { 'callrec.lastSignIn': last },
    });
    await form(page);
    assert.equal(await value(page, 'signin-email'), 'lead@agency.example');
  });

  it('with no project configured, asks for the URL and the anon key', async () => {
    const { page } = await open(
      scenario({ appInfo: { ok: { ...info, supabaseUrl: null, functionsUrl: null } }, probe: [ipcError('not_configured')] }),
    );
    await form(page);
    assert.equal(await value(page, 'signin-url'), '');
    assert.equal(await page.getByTestId('signin-anon-key').getAttribute('placeholder'), 'Required');
    assert.equal(await page.getByTestId('signin-anon-key').getAttribute('aria-required'), 'true');
    assert.equal(await focusedTestId(page), 'signin-url');

    await signIn(page, { email: EMAIL });
    const error = page.getByTestId('signin-error');
    assert.equal(await error.getAttribute('data-code'), 'missing_url');
    assert.equal(await error.getAttribute('data-field'), 'url');
    assert.match(await text(page, 'signin-error'), /^Enter your project URL\. Like https:\/\/<project-ref>\.supabase\.co/);
    assert.equal(await focusedTestId(page), 'signin-url');
    assert.equal(await value(page, 'signin-password'), '', 'the password is emptied even when nothing was sent');

    await signIn(page, { url: 'https://qrstuvwxyzabcdef.supabase.co' });
    assert.equal(await error.getAttribute('data-code'), 'missing_anon_key');
    assert.equal(await error.getAttribute('data-field'), 'anonKey');
    assert.equal(await focusedTestId(page), 'signin-anon-key');
    assert.equal(await mockCount(page, 'sign_in'), 0, 'nothing is sent while a field is missing');

    await signIn(page, { anonKey: 'eyJhbGciOiJIUzI1NiJ9.anon.key' });
    await home(page);
    assert.deepEqual(await signInCalls(page), [
      {
        email: EMAIL,
        password: PASSWORD,
        supabaseUrl: 'https://qrstuvwxyzabcdef.supabase.co',
        anonKey: 'eyJhbGciOiJIUzI1NiJ9.anon.key',
      },
    ]);
  });
});

describe('signing in', () => {
  it('goes to the workspace, which shows the email; Settings shows the project and the status card', async () => {
    const { page } = await open(scenario());
    await form(page);
    await signIn(page, { email: `  ${EMAIL} ` });
    await home(page);
    assert.equal(await text(page, 'account-email'), EMAIL);
    assert.equal(await text(page, 'signout'), 'Sign out');
    assert.equal(await text(page, 'signed-in-as'), `Signed in to ${HOST} as ${EMAIL}`);
    assert.equal(await page.getByTestId('signin-form').count(), 0);
    await page.getByTestId('settings-toggle').click();
    await page.getByTestId('settings-tab-about').click();
    await page.locator('[data-testid="status-card"][data-state="connected"]').waitFor();
    assert.equal(await text(page, 'status-text'), CONNECTED);
    assert.equal(await text(page, 'project-url'), info.supabaseUrl);
    assert.equal(await page.getByTestId('offline-banner').count(), 0);
    assert.equal(await page.getByTestId('keyring-warning').count(), 0);
    // Only what was typed: the configured URL and the saved anon key are kept by the shell.
    assert.deepEqual(await signInCalls(page), [{ email: EMAIL, password: PASSWORD }]);
    // The project may have changed: the configuration is read again.
    assert.equal(await mockCount(page, 'app_info'), 2);

    const stored = await storageDump(page);
    assert.ok(!stored.includes(PASSWORD), 'the password is not in web storage');
    assert.match(stored, /callrec\.lastSignIn=.*ana@agency\.example/, 'the email is remembered');
    assert.deepEqual(
      JSON.parse(await page.evaluate(() => localStorage.getItem('callrec.lastSignIn') ?? 'null')),
      { url: info.supabaseUrl, email: EMAIL },
      'the email and its project, nothing else',
    );
    await screenshot(page, 'signin-home-light');
  });

  it('submits with Enter, shows the attempt in progress and ignores more submits meanwhile', async () => {
    const { page } = await open(scenario());
    await form(page);
    await page.getByTestId('signin-email').fill(EMAIL);
    await page.getByTestId('signin-password').fill(PASSWORD);
    await page.evaluate(() => window.__CALLREC_MOCK__?.hold());
    await page.getByTestId('signin-password').press('Enter');

    const submit = page.getByTestId('signin-submit');
    await page.locator('[data-testid="signin-submit"][aria-busy="true"]').waitFor();
    assert.equal(await text(page, 'signin-submit'), 'Signing in…');
    assert.ok(await submit.isDisabled());
    assert.equal(await page.getByTestId('signin-form').getAttribute('aria-busy'), 'true');
    assert.equal(await value(page, 'signin-password'), '', 'the field is emptied as soon as the form is sent');
    await screenshot(page, 'signin-busy');

    await page.getByTestId('signin-password').fill('typed again');
    await page.getByTestId('signin-password').press('Enter');
    await submit.click({ force: true });
    assert.equal(await mockCount(page, 'sign_in'), 1, 'one attempt at a time');

    await page.evaluate(() => window.__CALLREC_MOCK__?.release());
    await home(page);
    assert.equal(await text(page, 'account-email'), EMAIL);
  });

  it('sends a changed URL and a typed anon key, and then the key is required', async () => {
    const { page } = await open(scenario());
    await form(page);
    const key = page.getByTestId('signin-anon-key');
    await page.getByTestId('signin-url').fill('https://qrstuvwxyzabcdef.supabase.co/');
    assert.equal(await key.getAttribute('placeholder'), 'Required for a project other than the saved one');
    assert.equal(await key.getAttribute('aria-required'), 'true');
    await signIn(page, { email: EMAIL });
    assert.equal(await page.getByTestId('signin-error').getAttribute('data-code'), 'missing_anon_key');

    // The same project spelled with a trailing slash is not a change.
    await page.getByTestId('signin-url').fill(`${info.supabaseUrl ?? ''}/`);
    assert.equal(await key.getAttribute('placeholder'), 'Saved — leave empty to keep');

    await signIn(page, { url: 'https://qrstuvwxyzabcdef.supabase.co', anonKey: ' new-anon-key ' });
    await home(page);
    assert.deepEqual(await signInCalls(page), [
      { email: EMAIL, password: PASSWORD, supabaseUrl: 'https://qrstuvwxyzabcdef.supabase.co', anonKey: 'new-anon-key' },
    ]);
  });

  it('keeps the password nowhere: empty after a failed and a successful attempt, never in web storage', async () => {
    const { page } = await open(scenario({ signIn: [ipcError('invalid_credentials', 'Invalid login credentials'), { ok: signedIn() }] }));
    await form(page);
    await signIn(page, { email: EMAIL, password: 'wrong password 1' });
    await page.getByTestId('signin-error').waitFor();
    assert.equal(await value(page, 'signin-password'), '');
    assert.equal(await value(page, 'signin-email'), EMAIL, 'the email stays for the next try');

    await signIn(page, { password: PASSWORD });
    await home(page);
    await page.getByTestId('signout').click();
    await form(page);
    assert.equal(await value(page, 'signin-password'), '');
    assert.equal(await value(page, 'signin-email'), EMAIL, 'the email of the user just signed out');

    const stored = await storageDump(page);
    for (const secret of ['wrong password 1', PASSWORD]) {
      assert.ok(!stored.includes(secret), `"${secret}" is not in localStorage or sessionStorage`);
    }
    const inputs = await page.evaluate(() => [...document.querySelectorAll('input')].map((i) => i.value).join('\n'));
    assert.ok(!inputs.includes(PASSWORD), 'no field holds the password');
  });
});

describe('each error code renders its own message in the right place', () => {
  /**
   * @type {{ code: string, reply: { err: unknown }, field: string, text: RegExp, detail?: RegExp, focus: string }[]}
   */
  const cases = [
    {
      code: 'invalid_credentials',
      reply: ipcError('invalid_credentials', 'Invalid login credentials'),
      field: 'password',
      text: /^Wrong email or password\. Check both and sign in again\./,
      focus: 'signin-password',
    },
    {
      code: 'email_not_confirmed',
      reply: ipcError('email_not_confirmed', 'Email not confirmed'),
      field: 'email',
      text: /^This email address is not confirmed yet\. Confirm your email from the message Supabase sent, then sign in\.$/,
      focus: 'signin-email',
    },
    {
      code: 'rate_limited',
      reply: ipcError('rate_limited', 'too many sign-in attempts: try again in 37 s'),
      field: 'form',
      text: /^Too many sign-in attempts\. The project asks you to wait 37 s before trying again/,
      focus: 'signin-password',
    },
    {
      code: 'unreachable',
      reply: ipcError('unreachable', 'error sending request: tcp connect error: Connection refused (os error 111)'),
      field: 'url',
      text: new RegExp(`^Cannot reach the server\\. No answer from ${HOST}\\. Check the URL and the network connection`),
      detail: /Details \(unreachable\): error sending request/,
      focus: 'signin-url',
    },
    {
      code: 'server_error',
      reply: ipcError('server_error', 'the auth server failed (HTTP 502): <html><body>Bad Gateway</body></html>'),
      field: 'form',
      text: /^The project’s server failed \(HTTP 502\)\. .*usually temporary/,
      detail: /Details \(server_error\): the auth server failed \(HTTP 502\): <html>/,
      focus: 'signin-password',
    },
    {
      code: 'not_supabase',
      reply: ipcError('not_supabase', '/auth/v1/token answered 404'),
      field: 'url',
      text: /^This URL is not a Supabase project\. .*Project Settings → API/,
      focus: 'signin-url',
    },
    {
      code: 'malformed_response',
      reply: ipcError('malformed_response', 'the token response has no access_token'),
      field: 'form',
      text: /^The project’s answer could not be read\./,
      detail: /no access_token/,
      focus: 'signin-password',
    },
    {
      code: 'config_invalid_url',
      reply: ipcError('config_invalid_url', 'http:// is allowed only for loopback hosts'),
      field: 'url',
      text: /^This is not a valid project URL\. Use an https:\/\/ address.*plain http:\/\/ is allowed only for localhost\./,
      focus: 'signin-url',
    },
    {
      code: 'config_missing_anon_key',
      reply: ipcError('config_missing_anon_key', 'no anon key is configured'),
      field: 'anonKey',
      text: /^The anon key is missing\. Paste the project’s anon \(public\) key/,
      focus: 'signin-anon-key',
    },
    {
      code: 'key_rejected',
      reply: ipcError('key_rejected', 'the project refused the anon key (HTTP 401): Invalid API key'),
      field: 'anonKey',
      text: /^The project refused this anon key\./,
      detail: /Invalid API key/,
      focus: 'signin-anon-key',
    },
    {
      code: 'keyring_unavailable',
      reply: ipcError('keyring_unavailable', 'org.freedesktop.secrets was not provided by any .service files'),
      field: 'form',
      text: /^The OS keyring is not available\. Callrec keeps your session only in the OS keyring, never in a file/,
      detail: /org\.freedesktop\.secrets/,
      focus: 'signin-password',
    },
    {
      code: 'quota_exceeded',
      reply: ipcError('quota_exceeded', 'something new'),
      field: 'form',
      text: /^Sign-in failed\. Something unexpected went wrong/,
      detail: /Details \(quota_exceeded\): something new/,
      focus: 'signin-password',
    },
    {
      code: 'ipc',
      reply: { err: 'command sign_in not found' },
      field: 'form',
      text: /^Sign-in failed\./,
      detail: /command sign_in not found/,
      focus: 'signin-password',
    },
  ];

  for (const c of cases) {
    it(`${c.code} → ${c.field === 'form' ? 'a form alert' : `beside the ${c.field} field`}`, async () => {
      const { page } = await open(scenario({ signIn: [c.reply] }));
      await form(page);
      await signIn(page, { email: EMAIL });
      const error = page.getByTestId('signin-error');
      await error.waitFor();
      assert.equal(await page.getByTestId('signin-error').count(), 1, 'one message at a time');
      assert.equal(await error.getAttribute('data-code'), c.code);
      assert.equal(await error.getAttribute('data-field'), c.field);
      assert.equal(await error.getAttribute('role'), 'alert');
      assert.match(await text(page, 'signin-error'), c.text);
      if (c.detail) assert.match(await text(page, 'signin-error'), c.detail);

      // Where it shows: inside the field's block, or over the form above the button.
      const place = await error.evaluate((el) => el.parentElement?.getAttribute('data-field') ?? el.parentElement?.tagName);
      assert.equal(place, c.field === 'form' ? 'FORM' : c.field);
      if (c.field !== 'form') {
        const input = page.locator(`[data-field="${c.field}"] input`);
        assert.equal(await input.getAttribute('aria-invalid'), 'true');
        assert.match((await input.getAttribute('aria-describedby')) ?? '', /\bsignin-error\b/);
      }
      assert.equal(await focusedTestId(page), c.focus, 'focus goes where the fix is');
      assert.equal(await value(page, 'signin-password'), '');
      assert.equal(await page.getByTestId('signin-form').count(), 1, 'still on the form');
      await screenshot(page, `signin-error-${c.code}`);
    });
  }
});

describe('rate limit', () => {
  it('disables Sign in with a live countdown, then lets the reviewer try again', async () => {
    const { page } = await open(
      scenario({
        signIn: [ipcError('rate_limited', 'too many sign-in attempts: try again in 3 s'), { ok: signedIn() }],
      }),
      { beforeLoad: (p) => p.clock.install() },
    );
    await form(page);
    await signIn(page, { email: EMAIL });
    const submit = page.getByTestId('signin-submit');
    await page.locator('[data-testid="signin-error"][data-code="rate_limited"]').waitFor();
    assert.equal(await text(page, 'signin-submit'), 'Try again in 3 s');
    assert.ok(await submit.isDisabled(), 'disabled while the wait runs');
    await screenshot(page, 'signin-rate-limited');

    // Enter does not get around it either.
    await page.getByTestId('signin-password').fill(PASSWORD);
    await page.getByTestId('signin-password').press('Enter');
    assert.equal(await mockCount(page, 'sign_in'), 1);

    await page.clock.runFor(1000);
    assert.equal(await text(page, 'signin-submit'), 'Try again in 2 s');
    await page.clock.runFor(1000);
    assert.equal(await text(page, 'signin-submit'), 'Try again in 1 s');
    await page.clock.runFor(1000);
    assert.equal(await text(page, 'signin-submit'), 'Sign in');
    assert.ok(await submit.isEnabled());
    assert.match(await text(page, 'signin-error'), /You can try again now\./);

    await submit.click();
    await home(page);
    assert.equal(await mockCount(page, 'sign_in'), 2);
  });

  it('without a wait in the message, says to wait and leaves the button enabled', async () => {
    const { page } = await open(scenario({ signIn: [ipcError('rate_limited', 'too many sign-in attempts: wait a minute, then try again')] }));
    await form(page);
    await signIn(page, { email: EMAIL });
    await page.getByTestId('signin-error').waitFor();
    assert.match(await text(page, 'signin-error'), /^Too many sign-in attempts\. Wait a minute before trying again\./);
    assert.equal(await text(page, 'signin-submit'), 'Sign in');
    assert.ok(await page.getByTestId('signin-submit').isEnabled());
  });
});

describe('session changes', () => {
  it('signed out by the shell (revoked session): back to the form, with the notice', async () => {
    const { page } = await open(scenario({ session: { ok: signedIn() } }));
    await home(page);
    assert.equal(await text(page, 'account-email'), EMAIL);
    assert.equal(await page.getByTestId('signin-form').count(), 0);

    await emitSession(page, signedOut(REVOKED));
    await form(page);
    const notice = page.getByTestId('session-notice');
    assert.equal(await text(page, 'session-notice'), REVOKED.message);
    assert.equal(await notice.getAttribute('data-code'), REVOKED.code);
    assert.equal(await page.getByTestId('account-email').count(), 0);
    assert.equal(await page.getByTestId('signout').count(), 0);
    assert.equal(await value(page, 'signin-email'), EMAIL, 'the email of the user signed out');
    assert.equal(await focusedTestId(page), 'signin-password');
    await screenshot(page, 'signin-notice');

    // The notice stays while the reviewer signs in again; gone once signed in.
    await signIn(page);
    await home(page);
    assert.equal(await page.getByTestId('session-notice').count(), 0);
  });

  it('shows a notice the shell restored with at startup', async () => {
    const { page } = await open(scenario({ session: { ok: signedOut(REVOKED) } }));
    await form(page);
    assert.equal(await text(page, 'session-notice'), REVOKED.message);
  });

  it('ignores an event that is not a session', async () => {
    const { page } = await open(scenario({ session: { ok: signedIn() } }));
    await home(page);
    await emitSession(page, { status: 'gone' });
    await emitSession(page, 'signedOut');
    assert.equal(await page.getByTestId('home-screen').count(), 1);
    assert.equal(await text(page, 'account-email'), EMAIL);
  });

  it('follows an event that signs in (e.g. another window), and back to offline', async () => {
    const { page } = await open(scenario());
    await form(page);
    await emitSession(page, signedIn('other@agency.example'));
    await home(page);
    assert.equal(await text(page, 'account-email'), 'other@agency.example');
    await emitSession(page, signedIn('other@agency.example', { status: 'offline' }));
    await page.getByTestId('offline-banner').waitFor();
  });
});

describe('offline and keyring', () => {
  it('offline: the home, with a clear banner naming the saved session', async () => {
    const notice = { code: 'unreachable', message: 'cannot reach https://abcdefghijklmnop.supabase.co: connection refused' };
    const { page } = await open(
      scenario({ session: { ok: signedIn(EMAIL, { status: 'offline', notice }) }, probe: [ipcError('unreachable')] }),
    );
    await home(page);
    const banner = page.getByTestId('offline-banner');
    assert.match(await text(page, 'offline-banner'), /^Offline — showing your saved session \(ana@agency\.example\) /);
    assert.match(await text(page, 'offline-banner'), /Details \(unreachable\): cannot reach .*connection refused$/);
    assert.equal(await banner.getAttribute('role'), 'status');
    assert.equal(await banner.getAttribute('data-code'), 'unreachable');
    assert.equal(await text(page, 'account-email'), EMAIL);
    assert.equal(await page.getByTestId('signout').count(), 1);
    await screenshot(page, 'signin-offline');
    // The banner points at Settings → About / connection, where the failed probe shows.
    assert.match(await text(page, 'offline-banner'), /Settings → About \/ connection/);
    await page.getByTestId('settings-toggle').click();
    await page.getByTestId('settings-tab-about').click();
    await page.locator('[data-testid="status-card"][data-state="failed"]').waitFor();
  });

  it('shows the keyring warning once signed in, without blocking anything', async () => {
    const { page } = await open(scenario({ session: { ok: signedOut() } , signIn: [{ ok: signedIn(EMAIL, { keyring: keyutils }) }] }));
    await form(page);
    assert.equal(await page.getByTestId('keyring-warning').count(), 0, 'not on the sign-in screen');
    await signIn(page, { email: EMAIL });
    await home(page);
    const warning = page.getByTestId('keyring-warning');
    assert.equal(await text(page, 'keyring-warning'), keyutils.warning);
    assert.equal(await warning.getAttribute('data-code'), 'keyutils');
    assert.equal(await warning.getAttribute('role'), null, 'not an alert: it does not interrupt');
    assert.ok(await page.getByTestId('signout').isEnabled());
    assert.ok(await page.getByTestId('settings-toggle').isEnabled());
    await page.getByTestId('list-empty').waitFor();
    await screenshot(page, 'signin-keyring-warning');
  });

  it('no warning banner when the keyring gives none', async () => {
    const { page } = await open(scenario({ session: { ok: signedIn(EMAIL, { keyring: { ...keyutils, warning: ' ' } }) } }));
    await home(page);
    assert.equal(await page.getByTestId('keyring-warning').count(), 0);
  });
});

describe('signing out', () => {
  it('calls sign_out and returns to the form', async () => {
    const { page } = await open(scenario({ session: { ok: signedIn() } }));
    await home(page);
    await page.getByTestId('signout').click();
    await form(page);
    assert.equal(await mockCount(page, 'sign_out'), 1);
    assert.equal(await page.getByTestId('session-notice').count(), 0);
    assert.equal(await value(page, 'signin-password'), '');
    assert.equal(await value(page, 'signin-email'), EMAIL);
  });

  it('says so when signing out fails, and stays signed in', async () => {
    const { page } = await open(
      scenario({ session: { ok: signedIn() }, signOut: ipcError('keyring_unavailable', 'the keyring is locked') }),
    );
    await home(page);
    await page.getByTestId('signout').click();
    await page.getByTestId('signout-error').waitFor();
    assert.match(await text(page, 'signout-error'), /^Could not sign out\..*the keyring is locked/);
    assert.equal(await page.getByTestId('signout-error').getAttribute('data-code'), 'keyring_unavailable');
    assert.equal(await page.getByTestId('home-screen').count(), 1);
  });
});

describe('connection details on the sign-in screen', () => {
  it('are collapsed while the project answers, and open to the status card', async () => {
    const { page } = await open(scenario());
    await form(page);
    const details = page.getByTestId('connection-details');
    await page.getByTestId('connection-summary').getByText(CONNECTED).waitFor();
    assert.equal(await details.getAttribute('open'), null);
    assert.ok(!(await page.getByTestId('status-card').isVisible()));

    await page.getByText('Connection details').click();
    await page.locator('[data-testid="status-card"][data-state="connected"]').waitFor();
    assert.equal(await text(page, 'project-url'), info.supabaseUrl);
    await page.getByTestId('retry').click();
    await page.waitForFunction(() => (window.__CALLREC_MOCK__?.count('probe_project') ?? 0) === 2);
  });
});

describe('themes and accessibility', () => {
  /** @param {Page} page */
  const colours = (page) =>
    page.evaluate(() => {
      const form = getComputedStyle(document.querySelector('[data-testid="signin-form"]') ?? document.body);
      const input = getComputedStyle(document.querySelector('[data-testid="signin-email"]') ?? document.body);
      return { bg: getComputedStyle(document.body).backgroundColor, form: form.backgroundColor, input: input.color };
    });

  it('light', async () => {
    const { page } = await open(scenario({ appInfo: { ok: demoInfo } }), { colorScheme: 'light' });
    await form(page);
    await page.locator('[data-testid="status-card"][data-state="connected"]').waitFor({ state: 'attached' });
    const c = await colours(page);
    assert.ok(luminance(c.bg) > 0.8, `light background, got ${c.bg}`);
    assert.ok(luminance(c.form) > 0.8, `light form, got ${c.form}`);
    assert.ok(luminance(c.input) < 0.1, `dark text in fields, got ${c.input}`);
    await screenshot(page, 'signin-light');
  });

  it('dark, with an error readable', async () => {
    const { page } = await open(
      scenario({ appInfo: { ok: demoInfo }, signIn: [ipcError('invalid_credentials', 'Invalid login credentials')] }),
      { colorScheme: 'dark' },
    );
    await form(page);
    await page.locator('[data-testid="status-card"][data-state="connected"]').waitFor({ state: 'attached' });
    const c = await colours(page);
    assert.ok(luminance(c.bg) < 0.05, `dark background, got ${c.bg}`);
    assert.ok(luminance(c.form) < 0.05, `dark form, got ${c.form}`);
    assert.ok(luminance(c.input) > 0.6, `light text in fields, got ${c.input}`);
    await screenshot(page, 'signin-dark');

    await signIn(page);
    await page.getByTestId('signin-error').waitFor();
    const fg = await page.getByTestId('signin-error').evaluate((el) => getComputedStyle(el).color);
    assert.ok(luminance(fg) > 0.2, `the error stands out on the dark form, got ${fg}`);
    await screenshot(page, 'signin-error-dark');
  });

  it('the home in dark mode', async () => {
    const { page } = await open(scenario({ session: { ok: signedIn(EMAIL, { keyring: keyutils }) } }), {
      colorScheme: 'dark',
    });
    await home(page);
    // The workspace has settled: an empty project's list says so.
    await page.getByTestId('list-empty').waitFor();
    await screenshot(page, 'signin-home-dark');
  });

  it('labels every field and goes through the form in order with Tab', async () => {
    const { page } = await open(scenario());
    await form(page);
    /** @type {[string, string][]} */
    const labels = [
      ['Supabase URL', 'signin-url'],
      ['Anon key', 'signin-anon-key'],
      ['Email', 'signin-email'],
      ['Password', 'signin-password'],
    ];
    for (const [label, testid] of labels) {
      assert.equal(await page.getByLabel(label, { exact: true }).getAttribute('data-testid'), testid);
    }
    assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Sign in');
    assert.equal(await page.getByRole('button', { name: 'Sign in' }).count(), 1);

    await page.getByTestId('signin-url').focus();
    /** @type {(string | null)[]} */
    const order = [];
    for (let i = 0; i < 4; i += 1) {
      await page.keyboard.press('Tab');
      order.push(await focusedTestId(page));
    }
    assert.deepEqual(order, ['signin-anon-key', 'signin-email', 'signin-password', 'signin-submit']);
  });
});
