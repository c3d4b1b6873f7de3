// How WebKit renders the real app's page (src-tauri/src/painting.rs): on a machine without a
// GPU render node, Callrec's web process paints with Skia on the CPU and overflow boxes scroll
// on the page's thread; where there is one, WebKit's defaults stay; a user's own painting
// setting always wins. Painting is read from the environment the web process started with, as
// WebKit reads it; scrolling from the app's log, which reports the setting as WebKit reads it
// back from the webview. Runs under scripts/e2e (Xvfb, private D-Bus session).

import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';

import { appBin } from '../support/paths.mjs';
import { eventually, removeOnExit, spawnGroup, stopGroup } from '../support/proc.mjs';
import { environOf, webProcessOf } from '../support/procfs.mjs';

const CPU_PAINTING = 'WEBKIT_SKIA_ENABLE_CPU_RENDERING';

/** Whether this machine has a GPU that GL can render with, as the app decides it. */
function hasRenderNode() {
  try {
    return readdirSync('/dev/dri').some((name) => name.startsWith('renderD'));
  } catch {
    return false;
  }
}

/**
 * Starts the app with `value` for CPU_PAINTING (undefined: unset) and runs `check` with the
 * app's child process, its web process's painting and its log so far; stops the app after.
 */
async function withApp(value, check) {
  const dir = removeOnExit(await mkdtemp(join(tmpdir(), 'callrec-test-painting-')));
  const env = {
    ...process.env,
    CALLREC_DATA_DIR: join(dir, 'data'),
    XDG_CONFIG_HOME: join(dir, 'config'),
    CALLREC_LOG: 'warn,callrec_app=info',
  };
  delete env[CPU_PAINTING];
  if (value !== undefined) env[CPU_PAINTING] = value;
  const app = spawnGroup(appBin, [], { env, name: 'callrec-app' });
  try {
    const web = await eventually(
      () => {
        assert.equal(app.exitCode, null, `the app exited before its web process started:\n${app.output().stderr}`);
        return webProcessOf(app.pid);
      },
      'a web process within 30 s',
      30000,
    );
    // The log has colour codes; the fields are what matters.
    const log = () => app.output().stderr.replace(/\x1b\[[0-9;]*m/g, '');
    return await check({ painting: environOf(web).get(CPU_PAINTING), log });
  } finally {
    await stopGroup(app);
  }
}

describe('how WebKit renders the page', { timeout: 120000 }, () => {
  test('paints on the CPU without a GPU render node, WebKit’s default with one', async () => {
    const painting = await withApp(undefined, ({ painting }) => painting);
    if (hasRenderNode()) assert.equal(painting, undefined, 'a GPU: WebKit decides');
    else assert.equal(painting, '1', 'no GPU: Skia paints on the CPU');
  });

  test('the user’s own painting setting reaches the web process unchanged', async () => {
    assert.equal(await withApp('0', ({ painting }) => painting), '0');
    assert.equal(await withApp('1', ({ painting }) => painting), '1');
  });

  test('scrolls overflow boxes on the page’s thread without a GPU render node', { skip: hasRenderNode() && 'this machine has a GPU' }, async () => {
    const line = await withApp(undefined, ({ log }) =>
      eventually(() => log().match(/^.*async_overflow_scrolling=\w+.*$/m)?.[0], 'the log says how overflow boxes scroll', 30000),
    );
    assert.match(line, /async_overflow_scrolling=false/, line);
  });
});
