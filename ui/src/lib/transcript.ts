// The transcript beside the player (issue 15): the `calls` row's `transcript` string read into
// turns — JSON turns (`[{ role, text, start? }]`, or that array as a JSON string), speaker
// prefixes (`Agent:` / `Caller:` / `User:` / `Assistant:`, one per line or inline one after
// another), or plain text — and the search inside it. The text comes from the agency's table:
// anything may be in it, so everything is capped. Pure; unit-tested in tests/unit/transcript.test.ts.

/** Who speaks, for the turn's colour; `label` says it as the transcript does. */
export type Role = 'agent' | 'caller' | 'other';

export interface Turn {
  role: Role;
  /** "Agent", "Caller", "User", …; null for text without a speaker. */
  label: string | null;
  text: string;
  /** Timeline seconds where the turn starts, when the transcript says. */
  start: number | null;
}

export interface Transcript {
  /** `json` turns, `speakers` prefixes, or plain `text`. */
  kind: 'json' | 'speakers' | 'text';
  turns: Turn[];
  /** Turns or text were cut (see the caps below). */
  truncated: boolean;
}

/** At most this many turns are shown … */
export const MAX_TURNS = 2000;
/** … each at most this long … */
export const MAX_TURN_CHARS = 4000;
/** … and longer input is not parsed whole (JSON past it is read as text, cut here). */
export const MAX_INPUT_CHARS = 1_000_000;

const AGENT_ROLES = ['agent', 'assistant', 'bot', 'ai', 'system'];
const CALLER_ROLES = ['caller', 'user', 'customer', 'human', 'client'];

/** A speaker's role from what a transcript calls it (`MESSAGE_ROLE_USER` too). */
export function roleOf(name: string): Role {
  const n = name.toLowerCase();
  const words = n.split(/[^a-z]+/).filter((w) => w !== '');
  if (words.some((w) => AGENT_ROLES.includes(w))) return 'agent';
  if (words.some((w) => CALLER_ROLES.includes(w))) return 'caller';
  return 'other';
}

/** What a JSON turn's speaker shows as: its role's name, else the role as written. */
function jsonLabel(name: string, role: Role): string {
  if (role === 'agent') return 'Agent';
  if (role === 'caller') return 'Caller';
  const trimmed = name.trim().slice(0, 40);
  return trimmed === '' ? 'Speaker' : trimmed.charAt(0).toUpperCase() + trimmed.slice(1);
}

/** Seconds from a number, a numeric string, or `m:ss` / `h:mm:ss(.s)`; null when none. */
export function secondsOf(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value : null;
  if (typeof value !== 'string') return null;
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text);
  const m = /^(?:(\d+):)?(\d{1,2}):(\d{2}(?:\.\d+)?)$/.exec(text);
  if (!m) return null;
  return Number(m[1] ?? 0) * 3600 + Number(m[2]) * 60 + Number(m[3]);
}

const TEXT_KEYS = ['text', 'content', 'message', 'utterance', 'transcript'] as const;
const ROLE_KEYS = ['role', 'speaker', 'name', 'from'] as const;
const TIME_KEYS = ['start', 'startSeconds', 'start_seconds', 'startTime', 'start_time', 'time', 'timestamp', 'offset'] as const;

function cap(text: string): { text: string; cut: boolean } {
  return text.length > MAX_TURN_CHARS ? { text: `${text.slice(0, MAX_TURN_CHARS)}…`, cut: true } : { text, cut: false };
}

/** The turns of a parsed JSON value, or null when it is not a list of turns. */
function jsonTurns(value: unknown): Transcript | null {
  let list = value;
  if (typeof list === 'object' && list !== null && !Array.isArray(list)) {
    const o = list as Record<string, unknown>;
    list = o.turns ?? o.messages ?? o.transcript;
  }
  if (!Array.isArray(list)) return null;
  const turns: Turn[] = [];
  let truncated = false;
  for (const item of list as unknown[]) {
    if (turns.length >= MAX_TURNS) {
      truncated = true;
      break;
    }
    if (typeof item !== 'object' || item === null) continue;
    const o = item as Record<string, unknown>;
    const text = TEXT_KEYS.map((k) => o[k]).find((v): v is string => typeof v === 'string');
    if (text === undefined || text.trim() === '') continue;
    const name = ROLE_KEYS.map((k) => o[k]).find((v): v is string => typeof v === 'string') ?? '';
    const role = roleOf(name);
    let start: number | null = null;
    for (const k of TIME_KEYS) {
      start = secondsOf(o[k]);
      if (start !== null) break;
    }
    const capped = cap(text.trim());
    truncated ||= capped.cut;
    turns.push({ role, label: jsonLabel(name, role), text: capped.text, start });
  }
  // An array of something else (numbers, empty objects) is not a transcript: show it as text.
  return turns.length > 0 ? { kind: 'json', turns, truncated } : null;
}

/** JSON turns, or that array as a JSON string; null for anything else (malformed included). */
function fromJson(raw: string): Transcript | null {
  const text = raw.trim();
  if (!/^[[{"]/.test(text) || text.length > MAX_INPUT_CHARS) return null;
  try {
    let value: unknown = JSON.parse(text);
    // A JSON array stored as a JSON string: decoded once more, no further.
    if (typeof value === 'string') value = JSON.parse(value);
    return jsonTurns(value);
  } catch {
    return null;
  }
}

// A speaker prefix at the start of the text or after white space (so "re:Agent:" is not one).
const SPEAKER = /(^|\s)(agent|caller|user|assistant|customer)\s*:/gi;

/** Turns from speaker prefixes; null when the text has none. */
function fromSpeakers(text: string): Transcript | null {
  const found: { at: number; body: number; label: string }[] = [];
  for (const m of text.matchAll(SPEAKER)) {
    // One past the cap is enough to end the last turn shown and to know there were more.
    if (found.length > MAX_TURNS) break;
    const lead = m[1] ?? '';
    const name = m[2] ?? '';
    const label = name.charAt(0).toUpperCase() + name.slice(1).toLowerCase();
    found.push({ at: m.index + lead.length, body: m.index + m[0].length, label });
  }
  if (found.length === 0) return null;
  const turns: Turn[] = [];
  let truncated = false;
  const lead = text.slice(0, found[0]?.at ?? 0).trim();
  if (lead !== '') {
    const capped = cap(lead);
    truncated ||= capped.cut;
    turns.push({ role: 'other', label: null, text: capped.text, start: null });
  }
  for (let i = 0; i < found.length; i += 1) {
    if (turns.length >= MAX_TURNS) {
      truncated = true;
      break;
    }
    const here = found[i];
    if (!here) continue;
    const body = text.slice(here.body, found[i + 1]?.at ?? text.length).trim();
    const capped = cap(body);
    truncated ||= capped.cut;
    turns.push({ role: roleOf(here.label), label: here.label, text: capped.text, start: null });
  }
  return { kind: 'speakers', turns, truncated };
}

/** Plain text: one turn per paragraph (blank-line separated), no speaker. */
function fromText(text: string): Transcript {
  const turns: Turn[] = [];
  let truncated = false;
  for (const para of text.split(/\n\s*\n/)) {
    const body = para.trim();
    if (body === '') continue;
    if (turns.length >= MAX_TURNS) {
      truncated = true;
      break;
    }
    const capped = cap(body);
    truncated ||= capped.cut;
    turns.push({ role: 'other', label: null, text: capped.text, start: null });
  }
  return { kind: 'text', turns, truncated };
}

/** The transcript's turns; null when there is no transcript (absent, not a string, blank). */
export function parseTranscript(raw: unknown): Transcript | null {
  if (typeof raw !== 'string' || raw.trim() === '') return null;
  const json = fromJson(raw);
  if (json) return json;
  const cut = raw.length > MAX_INPUT_CHARS;
  const text = cut ? raw.slice(0, MAX_INPUT_CHARS) : raw;
  const parsed = fromSpeakers(text) ?? fromText(text);
  return cut ? { ...parsed, truncated: true } : parsed;
}

/** One match of the search: in turn `turn`, characters `start`…`end` of its text. */
export interface Match {
  turn: number;
  start: number;
  end: number;
}

/** At most this many matches are counted and highlighted (a one-letter search of a long call). */
export const MAX_MATCHES = 1000;

/** Every case-insensitive occurrence of `query` (trimmed) in the turns' text, in order. */
export function findMatches(turns: readonly Turn[], query: string): Match[] {
  const q = query.trim().toLowerCase();
  if (q === '') return [];
  const matches: Match[] = [];
  turns.forEach((turn, index) => {
    const text = turn.text.toLowerCase();
    let at = text.indexOf(q);
    while (at >= 0 && matches.length < MAX_MATCHES) {
      matches.push({ turn: index, start: at, end: at + q.length });
      at = text.indexOf(q, at + q.length);
    }
  });
  return matches;
}

/** A turn's text cut into plain runs and matches (`match` = its index in all the matches). */
export interface Piece {
  text: string;
  match: number | null;
}

export function pieces(text: string, turn: number, matches: readonly Match[]): Piece[] {
  const out: Piece[] = [];
  let at = 0;
  matches.forEach((m, index) => {
    if (m.turn !== turn) return;
    if (m.start > at) out.push({ text: text.slice(at, m.start), match: null });
    out.push({ text: text.slice(m.start, m.end), match: index });
    at = m.end;
  });
  if (at < text.length) out.push({ text: text.slice(at), match: null });
  return out;
}
