// @ts-check
// The production bundle (ui/dist) carries no test code and references nothing remote.

import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { it } from 'node:test';
import { distDir } from './harness.mjs';

/** @param {string} dir @returns {Promise<string[]>} */
async function files(dir) {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
}

it('ui/dist has no mock or test code', async () => {
  for (const file of await files(distDir)) {
    const body = await readFile(file, 'utf8');
    for (const marker of ['installMockIpc', 'mockIPC', '__CALLREC_SCENARIO__', '__CALLREC_MOCK__', 'sampleStatus']) {
      assert.ok(!body.includes(marker), `${path.relative(distDir, file)} contains ${marker}`);
    }
  }
});

it('index.html loads only relative, local assets', async () => {
  const html = await readFile(path.join(distDir, 'index.html'), 'utf8');
  const refs = [...html.matchAll(/\b(?:src|href)="([^"]*)"/g)].map((m) => m[1] ?? '');
  assert.ok(refs.length >= 2, 'a script and a stylesheet');
  for (const ref of refs) assert.match(ref, /^\.\//, `relative path expected, got ${ref}`);
});

it('the stylesheets import no fonts or other remote resources', async () => {
  for (const file of (await files(distDir)).filter((f) => f.endsWith('.css'))) {
    const css = await readFile(file, 'utf8');
    assert.doesNotMatch(css, /@import|@font-face|url\(\s*['"]?(?:https?:)?\/\//, path.basename(file));
  }
});
