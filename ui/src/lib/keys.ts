// Every keyboard shortcut of the workspace, defined once: the key handlers ask `actionFor` what a
// key press means, and the help overlay (`?`) lists `KEYMAP`. Pure; unit-tested in
// tests/unit/keys.test.ts.

/** What a shortcut does; the workspace, the call list and the player bar act on these. */
export type Action =
  | 'togglePlay'
  | 'back5'
  | 'forward5'
  | 'back15'
  | 'forward15'
  | 'back10'
  | 'forward10'
  | 'slower'
  | 'faster'
  | 'volumeUp'
  | 'volumeDown'
  | 'nextLeg'
  | 'prevLeg'
  | 'nextCall'
  | 'prevCall'
  | 'search'
  | 'closeCall'
  | 'bookmark'
  | 'focusReview'
  | 'help'
  | 'rowDown'
  | 'rowUp'
  | 'pageDown'
  | 'pageUp'
  | 'firstRow'
  | 'lastRow'
  | 'openRow'
  | 'downloadRow'
  | 'playerVolumeUp'
  | 'playerVolumeDown';

/**
 * Where a shortcut applies: anywhere but a text field (`global`), with focus in the call list
 * (`list`), or with focus in the player bar (`player`).
 */
export type Scope = 'global' | 'list' | 'player';

/**
 * One key combination. `key` is `KeyboardEvent.key` (a letter in lower case). Shift counts only
 * for named keys (arrows): for a character, the character itself already says it (`?`, `N`).
 */
export interface Chord {
  key: string;
  alt?: boolean;
  shift?: boolean;
}

export interface Binding {
  action: Action;
  scope: Scope;
  chords: readonly Chord[];
  /** What the help says it does. */
  description: string;
}

export const KEYMAP: readonly Binding[] = [
  { action: 'togglePlay', scope: 'global', chords: [{ key: ' ' }, { key: 'k' }], description: 'Play / pause (the open call, else the selected one)' },
  { action: 'back10', scope: 'global', chords: [{ key: 'j' }], description: 'Back 10 s' },
  { action: 'forward10', scope: 'global', chords: [{ key: 'l' }], description: 'Forward 10 s' },
  { action: 'back5', scope: 'global', chords: [{ key: 'ArrowLeft' }], description: 'Back 5 s' },
  { action: 'forward5', scope: 'global', chords: [{ key: 'ArrowRight' }], description: 'Forward 5 s' },
  { action: 'back15', scope: 'global', chords: [{ key: 'ArrowLeft', shift: true }], description: 'Back 15 s' },
  { action: 'forward15', scope: 'global', chords: [{ key: 'ArrowRight', shift: true }], description: 'Forward 15 s' },
  { action: 'slower', scope: 'global', chords: [{ key: '[' }], description: 'Slower' },
  { action: 'faster', scope: 'global', chords: [{ key: ']' }], description: 'Faster' },
  { action: 'volumeDown', scope: 'global', chords: [{ key: '-' }], description: 'Volume down' },
  { action: 'volumeUp', scope: 'global', chords: [{ key: '+' }, { key: '=' }], description: 'Volume up' },
  { action: 'nextLeg', scope: 'global', chords: [{ key: 'n' }], description: 'Next leg' },
  { action: 'prevLeg', scope: 'global', chords: [{ key: 'p' }], description: 'Previous leg' },
  {
    action: 'nextCall',
    scope: 'global',
    chords: [{ key: 'ArrowDown', alt: true }],
    description: 'Next call — in the review queue when one is on, else in the list: open and play it',
  },
  {
    action: 'prevCall',
    scope: 'global',
    chords: [{ key: 'ArrowUp', alt: true }],
    description: 'Previous call — in the review queue when one is on, else in the list: open and play it',
  },
  { action: 'search', scope: 'global', chords: [{ key: '/' }], description: 'Search the calls' },
  { action: 'closeCall', scope: 'global', chords: [{ key: 'Escape' }], description: 'Close the call, back to the list' },
  {
    action: 'bookmark',
    scope: 'global',
    chords: [{ key: 'm' }],
    description: 'Bookmark this moment of the open call (while it plays)',
  },
  { action: 'focusReview', scope: 'global', chords: [{ key: 'r' }], description: "The open call's review: its status" },
  { action: 'help', scope: 'global', chords: [{ key: '?' }], description: 'Show or hide this help' },
  { action: 'rowDown', scope: 'list', chords: [{ key: 'ArrowDown' }], description: 'Next row' },
  { action: 'rowUp', scope: 'list', chords: [{ key: 'ArrowUp' }], description: 'Previous row' },
  { action: 'pageDown', scope: 'list', chords: [{ key: 'PageDown' }], description: 'A page down' },
  { action: 'pageUp', scope: 'list', chords: [{ key: 'PageUp' }], description: 'A page up' },
  { action: 'firstRow', scope: 'list', chords: [{ key: 'Home' }], description: 'First row' },
  { action: 'lastRow', scope: 'list', chords: [{ key: 'End' }], description: 'Last loaded row' },
  { action: 'openRow', scope: 'list', chords: [{ key: 'Enter' }], description: 'Open the selected call and play it' },
  { action: 'downloadRow', scope: 'list', chords: [{ key: 'd' }], description: 'Download the selected call' },
  { action: 'playerVolumeUp', scope: 'player', chords: [{ key: 'ArrowUp' }], description: 'Volume up' },
  { action: 'playerVolumeDown', scope: 'player', chords: [{ key: 'ArrowDown' }], description: 'Volume down' },
];

export const SCOPE_TITLES: Record<Scope, string> = {
  global: 'Anywhere (not while typing in a field)',
  list: 'In the call list',
  player: 'In the player bar',
};

/** The parts of a keyboard event a shortcut looks at (a KeyboardEvent has them all). */
export interface KeyPress {
  key: string;
  shiftKey: boolean;
  altKey: boolean;
  ctrlKey: boolean;
  metaKey: boolean;
}

function matches(chord: Chord, press: KeyPress): boolean {
  const single = press.key.length === 1;
  const key = single ? press.key.toLowerCase() : press.key;
  if (key !== chord.key) return false;
  if (press.altKey !== (chord.alt ?? false)) return false;
  return single || press.shiftKey === (chord.shift ?? false);
}

/**
 * The action of a key press in a scope, or null when it is none (the page keeps the key). Ctrl
 * and Meta combinations are left to the system and the webview (copy, reload, …).
 */
export function actionFor(press: KeyPress, scope: Scope): Action | null {
  if (press.ctrlKey || press.metaKey) return null;
  for (const binding of KEYMAP) {
    if (binding.scope === scope && binding.chords.some((c) => matches(c, press))) return binding.action;
  }
  return null;
}

const KEY_NAMES: Record<string, string> = {
  ' ': 'Space',
  ArrowLeft: '←',
  ArrowRight: '→',
  ArrowUp: '↑',
  ArrowDown: '↓',
  Escape: 'Esc',
  PageUp: 'Page Up',
  PageDown: 'Page Down',
};

/** A chord as the help shows it: "Space", "Shift+←", "Alt+↓", "K". */
export function chordLabel(chord: Chord): string {
  const name = KEY_NAMES[chord.key] ?? (chord.key.length === 1 ? chord.key.toUpperCase() : chord.key);
  return `${chord.alt ? 'Alt+' : ''}${chord.shift ? 'Shift+' : ''}${name}`;
}

/** The help's sections: each scope's bindings, in the keymap's order. */
export function helpSections(): { scope: Scope; title: string; bindings: Binding[] }[] {
  return (['global', 'list', 'player'] as const).map((scope) => ({
    scope,
    title: SCOPE_TITLES[scope],
    bindings: KEYMAP.filter((b) => b.scope === scope),
  }));
}

/** True when a key press belongs to a text field (or a select) and must not be a shortcut. */
export function isTextTarget(target: EventTarget | null): boolean {
  if (typeof HTMLElement === 'undefined' || !(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  if (target.tagName === 'TEXTAREA' || target.tagName === 'SELECT') return true;
  if (target.tagName !== 'INPUT') return false;
  // Range inputs (the volume slider) and buttons are not text: shortcuts still apply.
  const type = (target as HTMLInputElement).type;
  return !['range', 'checkbox', 'radio', 'button', 'submit', 'reset'].includes(type);
}
