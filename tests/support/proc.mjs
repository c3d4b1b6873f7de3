// Child processes the tests start, each in its own process group so that a process and
// everything it started (tauri-driver → WebKitWebDriver → the app → WebKit helpers) can be
// stopped together. Whatever is still running when this Node process exits is killed.

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { rmSync } from 'node:fs';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

const live = new Set();
const tempDirs = new Set();

/** Removes `dir` when this process exits, however it exits (unless SIGKILLed). */
export function removeOnExit(dir) {
  tempDirs.add(dir);
  return dir;
}

function removeTempDirs() {
  for (const dir of tempDirs) {
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // Best effort.
    }
  }
  tempDirs.clear();
}

function killGroupSync(child, signal) {
  try {
    process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}

process.on('exit', () => {
  for (const child of live) killGroupSync(child, 'SIGKILL');
  removeTempDirs();
});
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.once(signal, () => {
    // The 'exit' handler kills what is left and removes the temporary directories.
    process.exit(128 + (signal === 'SIGINT' ? 2 : signal === 'SIGTERM' ? 15 : 1));
  });
}

/**
 * Spawns `command` in a new process group. Output is kept (last 64 KiB of each stream) for
 * error messages; `child.output()` returns it.
 */
export function spawnGroup(command, args, { env, cwd, name = command } = {}) {
  const child = spawn(command, args, {
    env,
    cwd,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const keep = { stdout: '', stderr: '' };
  for (const stream of ['stdout', 'stderr']) {
    child[stream].setEncoding('utf8');
    child[stream].on('data', (chunk) => {
      keep[stream] = (keep[stream] + chunk).slice(-65536);
      if (process.env.CALLREC_TEST_VERBOSE) process.stderr.write(`[${name}] ${chunk}`);
    });
  }
  child.name = name;
  child.output = () => keep;
  child.exited = new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      live.delete(child);
      resolve({ code, signal });
    });
    child.once('error', (error) => {
      live.delete(child);
      resolve({ code: null, signal: null, error });
    });
  });
  live.add(child);
  return child;
}

/**
 * Stops a process group: `signals` in turn, each given `graceMs` to end the group leader,
 * then SIGKILL to whatever of the group is left.
 */
/** A timeout that does not keep the process alive once nothing else waits for it. */
const graceTimer = (ms) => sleep(ms, undefined, { ref: false });

export async function stopGroup(child, { signals = ['SIGTERM'], graceMs = 5000 } = {}) {
  if (!child || child.pid === undefined) return;
  const done = child.exitCode !== null || child.signalCode !== null;
  if (!done) {
    for (const signal of signals) {
      killGroupSync(child, signal);
      const ended = await Promise.race([child.exited.then(() => true), graceTimer(graceMs).then(() => false)]);
      if (ended) break;
    }
  }
  // The leader may be gone while members (e.g. an orphaned app) remain.
  killGroupSync(child, 'SIGKILL');
  await Promise.race([child.exited, graceTimer(graceMs)]);
  live.delete(child);
}

/** `n` distinct free TCP ports (the OS picks them), held open together while picked. */
export async function freePorts(n) {
  const servers = [];
  for (let i = 0; i < n; i += 1) {
    const server = net.createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    servers.push(server);
  }
  const ports = servers.map((s) => s.address().port);
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  return ports;
}

/** Polls `probe` until it returns a truthy value, which it resolves with; fails with `what`
 * (and the last value) after `timeoutMs`. */
export async function eventually(probe, what, timeoutMs = 15000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    last = await probe();
    if (last) return last;
    if (Date.now() > deadline) throw new Error(`${what} (last: ${JSON.stringify(last)})`);
    await sleep(100);
  }
}

/** Resolves once something accepts TCP connections on host:port. */
export async function waitForPort(port, { host = '127.0.0.1', timeoutMs = 30000, child } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child && (child.exitCode !== null || child.signalCode !== null)) {
      const { stdout, stderr } = child.output();
      throw new Error(`${child.name} exited (${child.exitCode ?? child.signalCode}) before listening on ${port}\n${stdout}${stderr}`);
    }
    const ok = await new Promise((resolve) => {
      const socket = net.connect({ host, port });
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on ${host}:${port} after ${timeoutMs} ms`);
    await sleep(100);
  }
}
