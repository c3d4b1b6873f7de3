// The local Supabase-compatible backend, started through the CLI:
//   callrec --json backend --port 0 [...]
// prints one JSON document (pretty-printed) on stdout, then serves until SIGINT/SIGTERM.

import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { cliBin, repoRoot } from './paths.mjs';
import { removeOnExit, spawnGroup, stopGroup } from './proc.mjs';

/** Seeded calls of the demo agency; the demo reviewer sees exactly this many. */
export const DEFAULT_CALLS = 120;

/**
 * Starts the backend and resolves with its connection document plus `stop()`.
 * The backend keeps its data in a fresh temporary directory, removed by `stop()`.
 *
 * @param {{ calls?: number, args?: string[], timeoutMs?: number }} [options]
 */
export async function startBackend({ calls = DEFAULT_CALLS, args = [], timeoutMs = 60000 } = {}) {
  if (!existsSync(cliBin)) {
    throw new Error(`the callrec CLI is not at ${cliBin}: run \`cargo build -p callrec-cli\` or set CALLREC_BIN`);
  }
  const dataDir = removeOnExit(await mkdtemp(join(tmpdir(), 'callrec-test-backend-')));
  const child = spawnGroup(
    cliBin,
    ['--json', 'backend', '--port', '0', '--calls', String(calls), '--data-dir', dataDir, ...args],
    { cwd: repoRoot, env: { ...process.env, CALLREC_LOG: process.env.CALLREC_LOG || 'warn' }, name: 'backend' },
  );

  let info;
  try {
    info = await readDocument(child, timeoutMs);
  } catch (error) {
    await stopGroup(child);
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
  if (info.error) {
    await stopGroup(child);
    await rm(dataDir, { recursive: true, force: true });
    throw new Error(`the backend refused to start: ${JSON.stringify(info.error)}`);
  }
  for (const key of ['supabase_url', 'anon_key', 'functions_url', 'demo_email', 'demo_password']) {
    if (typeof info[key] !== 'string' || info[key] === '') {
      await stopGroup(child);
      await rm(dataDir, { recursive: true, force: true });
      throw new Error(`the backend's JSON has no ${key}: ${JSON.stringify(info)}`);
    }
  }

  let stopped = false;
  return {
    ...info,
    calls,
    dataDir,
    pid: child.pid,
    child,
    /** True while the backend process runs. */
    get running() {
      return child.exitCode === null && child.signalCode === null;
    },
    /** SIGINT (its Ctrl-C shutdown), then SIGTERM, then SIGKILL; removes its data. */
    async stop() {
      if (stopped) return;
      stopped = true;
      await stopGroup(child, { signals: ['SIGINT', 'SIGTERM'], graceMs: 5000 });
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Reads stdout until it holds one whole JSON document. */
async function readDocument(child, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  let text = '';
  const onData = (chunk) => {
    text += chunk;
  };
  child.stdout.on('data', onData);
  try {
    for (;;) {
      const trimmed = text.trim();
      if (trimmed.startsWith('{') && trimmed.endsWith('}')) {
        try {
          return JSON.parse(trimmed);
        } catch {
          // Not complete yet.
        }
      }
      if (child.exitCode !== null || child.signalCode !== null) {
        const { stderr } = child.output();
        throw new Error(
          `the backend exited (${child.exitCode ?? child.signalCode}) before printing its JSON\nstdout: ${text}\nstderr: ${stderr}`,
        );
      }
      if (Date.now() > deadline) {
        throw new Error(`the backend printed no JSON within ${timeoutMs} ms\nstdout: ${text}\nstderr: ${child.output().stderr}`);
      }
      await sleep(25);
    }
  } finally {
    child.stdout.off('data', onData);
  }
}
