// The workspace's split between the call list and the open call: the list's share of the width,
// kept within limits that leave both panes usable, stepped from the keyboard, and remembered in
// localStorage across restarts. Pure apart from the storage it is given; unit-tested in
// tests/unit/split.test.ts.

export const SPLIT_KEY = 'callrec.split';
/** The list's share when nothing is remembered. */
export const DEFAULT_SHARE = 0.5;
export const MIN_SHARE = 0.2;
export const MAX_SHARE = 0.8;
/** Arrow keys on the separator move it by this share; Shift+arrow by BIG_STEP. */
export const STEP = 0.02;
export const BIG_STEP = 0.1;

/** Rounded to a tenth of a percent, within MIN_SHARE…MAX_SHARE. */
export function clampShare(share: number): number {
  if (!Number.isFinite(share)) return DEFAULT_SHARE;
  return Math.round(Math.min(MAX_SHARE, Math.max(MIN_SHARE, share)) * 1000) / 1000;
}

/** The remembered share, or the default when none (or something unreadable) is stored. */
export function loadShare(storage: Pick<Storage, 'getItem'> | null): number {
  try {
    const raw = storage?.getItem(SPLIT_KEY);
    const value = raw === null || raw === undefined ? NaN : Number(raw);
    return Number.isFinite(value) ? clampShare(value) : DEFAULT_SHARE;
  } catch {
    // Storage can be refused (a locked-down profile): the default then.
    return DEFAULT_SHARE;
  }
}

export function saveShare(storage: Pick<Storage, 'setItem'> | null, share: number): void {
  try {
    storage?.setItem(SPLIT_KEY, String(clampShare(share)));
  } catch {
    // Not remembered this time; the split still moves.
  }
}

/** The share a key on the separator moves to, or null when the key is not one it takes. */
export function shareForKey(share: number, key: string, shift: boolean): number | null {
  const step = shift ? BIG_STEP : STEP;
  switch (key) {
    case 'ArrowLeft':
      return clampShare(share - step);
    case 'ArrowRight':
      return clampShare(share + step);
    case 'Home':
      return MIN_SHARE;
    case 'End':
      return MAX_SHARE;
    default:
      return null;
  }
}

/** The share under a pointer at `clientX` over a container spanning `left`…`left + width`. */
export function shareAt(clientX: number, left: number, width: number): number {
  if (!(width > 0)) return DEFAULT_SHARE;
  return clampShare((clientX - left) / width);
}
