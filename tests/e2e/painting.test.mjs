// How WebKit paints the real app's page (src-tauri/src/painting.rs): on a machine without a GPU
// render node, Callrec's web process paints with Skia on the CPU; where there is one, WebKit's
// default stays; a user's own setting always wins. Read from the environment the web process
// started with, as WebKit reads it. Runs under scripts/e2e (Xvfb, private D-Bus session).

import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, test } from 'node:test';

import { appBin } from '../support/paths.mjs';
import { removeOnExit, spawnGroup, stopGroup } from '../support/proc.mjs';
import { environOf, nameOf, tree } from '../support/procfs.mjs';

const CPU_PAINTING = 'WEBKIT_SKIA_ENABLE_CPU_RENDERING';

/** Whether this machine has a GPU that GL can render with, as the app decides it. */
function hasRenderNode() {
  try {
    return readdirSync('/dev/dri').some((name) => name.startsWith('renderD'));
  } catch {
    return false;
  }
}

/** Starts the app with `value` for CPU_PAINTING (undefined: unset); what its web process got. */
async function webProcessPainting(value) {
  const dir = removeOnExit(await mkdtemp(join(tmpdir(), 'callrec-test-painting-')));
  const env = { ...process.env, CALLREC_DATA_DIR: join(dir, 'data'), XDG_CONFIG_HOME: join(dir, 'config') };
  delete env[CPU_PAINTING];
  if (value !== undefined) env[CPU_PAINTING] = value;
  const app = spawnGroup(appBin, [], { env, name: 'callrec-app' });
  try {
    const deadline = Date.now() + 30000;
    for (;;) {
      const web = tree(app.pid).find((pid) => nameOf(pid)?.startsWith('WebKitWebProces'));
      if (web !== undefined) return environOf(web).get(CPU_PAINTING);
      assert.equal(app.exitCode, null, `the app exited before its web process started:\n${app.output().stderr}`);
      assert.ok(Date.now() < deadline, 'no web process within 30 s');
      await sleep(100);
    }
  } finally {
    await stopGroup(app);
  }
}

describe('how WebKit paints the page', { timeout: 120000 }, () => {
  test('on the CPU without a GPU render node, WebKit’s default with one', async () => {
    const painting = await webProcessPainting(undefined);
    if (hasRenderNode()) assert.equal(painting, undefined, 'a GPU: WebKit decides');
    else assert.equal(painting, '1', 'no GPU: Skia paints on the CPU');
  });

  test('the user’s own setting reaches the web process unchanged', async () => {
    assert.equal(await webProcessPainting('0'), '0');
    assert.equal(await webProcessPainting('1'), '1');
  });
});
