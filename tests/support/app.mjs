// What the end-to-end tests and benchmarks do with the real app window: its environment
// against the local backend, signing in, and waiting for what the UI shows.

import { saveScreenShot, saveWebviewShot } from './driver.mjs';

export const byId = (browser, id) => browser.$(`[data-testid="${id}"]`);

/** The same variables `callrec demo` gives the app it starts. */
export function appEnv(backend, dataDir) {
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
export const normal = (url) => new URL(url.trim()).href;

/** Waits until the status card has finished a probe (state is not "checking"). */
export async function settledStatus(browser, { not } = {}) {
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
export async function withShots(browser, name, body) {
  try {
    await body();
  } catch (error) {
    await saveWebviewShot(browser, `e2e-failed-${name}`).catch(() => {});
    await saveScreenShot(`e2e-failed-${name}-screen`).catch(() => {});
    throw error;
  }
}

/** Waits until the signed-in header shows `email` (the DOM text of a displayed element). */
export async function waitForAccount(browser, email) {
  const account = await byId(browser, 'account-email');
  await account.waitForDisplayed({ timeout: 30000 });
  await browser.waitUntil(async () => (await account.getProperty('textContent'))?.trim() === email, {
    timeout: 30000,
    timeoutMsg: `the header never showed ${email}`,
  });
}

/** Types into a field after clearing it (setValue clears first). */
export async function fill(browser, id, value) {
  const field = await byId(browser, id);
  await field.waitForDisplayed();
  await field.setValue(value);
}

/** Submits the sign-in form and waits until it is no longer busy. */
export async function submitSignIn(browser, password) {
  await fill(browser, 'signin-password', password);
  const submit = await byId(browser, 'signin-submit');
  await submit.waitForClickable();
  await submit.click();
}

/**
 * Scrolls the element with test id `id` to the top of the nearest ancestor that scrolls (the
 * call's pane, say), leaving the window where it is; `toTop` scrolls that pane back to its top.
 */
export async function scrollInPane(browser, id, { toTop = false } = {}) {
  await browser.execute(
    (testId, top) => {
      const el = document.querySelector(`[data-testid="${testId}"]`);
      let box = el?.parentElement ?? null;
      while (box && !(box.scrollHeight > box.clientHeight && /(auto|scroll)/.test(getComputedStyle(box).overflowY))) {
        box = box.parentElement;
      }
      if (!el || !box) return;
      box.scrollTop = top ? 0 : box.scrollTop + el.getBoundingClientRect().top - box.getBoundingClientRect().top;
    },
    id,
    toTop,
  );
  await browser.pause(300);
}
