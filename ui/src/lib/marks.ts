// Performance marks the real-window benchmarks read (tests/bench/*.mjs): `callrec:boot`,
// `callrec:signed-in`, `callrec:query`, `callrec:answered`, `callrec:rows-rendered`,
// `callrec:play`, `callrec:play-answered`, `callrec:loaded`, `callrec:first-audio`.

/** Cheap, and absent in odd environments: a benchmark hook never breaks the app. */
export function mark(name: string): void {
  if (typeof performance !== 'undefined' && typeof performance.mark === 'function') performance.mark(name);
}
