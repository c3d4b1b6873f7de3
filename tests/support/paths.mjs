// Where things are. Paths default to the repository's debug build and can be overridden, so
// the same tests can run against an installed app (CALLREC_APP_BIN=/usr/bin/callrec-app).

import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const artifactsDir = join(repoRoot, 'tests', 'artifacts');

/** An absolute path: relative overrides are taken from the repository root. */
const fromRoot = (p) => resolve(repoRoot, p);

/** The `callrec` CLI (starts the local backend). */
export const cliBin = fromRoot(process.env.CALLREC_BIN || 'target/debug/callrec');

/** The desktop app that tauri-driver launches. */
export const appBin = fromRoot(process.env.CALLREC_APP_BIN || 'target/debug/callrec-app');

/** tauri-driver: $TAURI_DRIVER_BIN, else PATH, else cargo's bin dir. */
export function tauriDriverBin() {
  if (process.env.TAURI_DRIVER_BIN) return fromRoot(process.env.TAURI_DRIVER_BIN);
  for (const dir of (process.env.PATH || '').split(':').filter(Boolean)) {
    const candidate = join(dir, 'tauri-driver');
    if (existsSync(candidate)) return candidate;
  }
  const cargoHome = process.env.CARGO_HOME || join(homedir(), '.cargo');
  return join(cargoHome, 'bin', 'tauri-driver');
}

/** The native driver tauri-driver wraps (WebKitWebDriver on Linux). */
export function nativeDriverBin() {
  if (process.env.WEBKIT_WEBDRIVER_BIN) return process.env.WEBKIT_WEBDRIVER_BIN;
  for (const dir of (process.env.PATH || '').split(':').filter(Boolean)) {
    const candidate = join(dir, 'WebKitWebDriver');
    if (existsSync(candidate)) return candidate;
  }
  return '/usr/bin/WebKitWebDriver';
}
