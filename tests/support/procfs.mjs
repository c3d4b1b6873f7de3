// What Linux's /proc says about the app's processes: their start, their tree, their memory and
// their environment. Shared by the benchmarks and the end-to-end tests.

import { readdirSync, readFileSync } from 'node:fs';

const CLOCK_TICKS = 100;
const bootEpochMs = () => Number(readFileSync('/proc/stat', 'utf8').match(/^btime (\d+)$/m)[1]) * 1000;

/** `/proc/<pid>/stat` fields after the command name (which may hold spaces). */
function statFields(pid) {
  const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return text.slice(text.lastIndexOf(')') + 2).split(' ');
}

/** When a process started, as epoch milliseconds (10 ms resolution). */
export const startedAtMs = (pid) => bootEpochMs() + (Number(statFields(pid)[19]) / CLOCK_TICKS) * 1000;

/** Every live process: its pid, parent and executable as started. */
export function processes() {
  const all = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const exe = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0')[0];
      all.push({ pid: Number(name), ppid: Number(statFields(name)[1]), exe });
    } catch {
      // Gone meanwhile.
    }
  }
  return all;
}

/** The newest live process running `bin`. */
export function newestOf(bin) {
  const found = processes().filter((p) => p.exe === bin);
  if (found.length === 0) throw new Error(`no process runs ${bin}`);
  return found.sort((a, b) => startedAtMs(b.pid) - startedAtMs(a.pid))[0].pid;
}

/** `pid` and all its descendants. */
export function tree(pid) {
  const all = processes();
  const out = [pid];
  for (let i = 0; i < out.length; i++) out.push(...all.filter((p) => p.ppid === out[i]).map((p) => p.pid));
  return out;
}

/** A process's short name (`comm`: at most 15 characters), or null once it is gone. */
export function nameOf(pid) {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return null;
  }
}

/** The WebKit web process under `pid` (the app's), or undefined while there is none. */
export const webProcessOf = (pid) => tree(pid).find((p) => nameOf(p)?.startsWith('WebKitWebProces'));

/** A process's environment as it was started. */
export function environOf(pid) {
  const entries = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').filter(Boolean);
  return new Map(entries.map((entry) => [entry.slice(0, entry.indexOf('=')), entry.slice(entry.indexOf('=') + 1)]));
}

/** PSS (MiB) of a process tree, by process name. */
export function pss(pid) {
  const parts = [];
  for (const p of tree(pid)) {
    try {
      const kb = Number(readFileSync(`/proc/${p}/smaps_rollup`, 'utf8').match(/^Pss:\s+(\d+) kB$/m)[1]);
      const name = nameOf(p);
      if (name !== null) parts.push({ name, mib: kb / 1024 });
    } catch {
      // Gone meanwhile.
    }
  }
  return { total: parts.reduce((sum, p) => sum + p.mib, 0), parts };
}
