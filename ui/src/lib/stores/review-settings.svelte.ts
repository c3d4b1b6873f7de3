// The reviewer's own settings for skip silence and the review queue (issue 15), kept in this
// webview's localStorage (`callrec.review`): the shell has no command for them, and they are
// the UI's behaviour, not the player's. Values read back are clamped, so a hand-edited or older
// entry can never drive the player out of range.

import { browserStorage, store, type KeyValueStorage } from '../storage';

export const REVIEW_SETTINGS_KEY = 'callrec.review';

export interface ReviewSettingsValues {
  /** Seek past the silences the waveform reports while a call plays. */
  skipSilence: boolean;
  /** Only silences whose peaks stay at or below this (dB below the segment's loudest moment). */
  silenceDb: number;
  /** Only silences at least this long, in seconds. */
  silenceMinSeconds: number;
  /** Seconds between one queued call's end and the next one's start; 0: none. */
  queuePauseSeconds: number;
}

/**
 * The shell reports silence at −40 dB below the loudest moment (crates/core waveform
 * SILENCE_DB) lasting at least 1 s (MIN_SILENCE_SECS): the UI can only be stricter.
 */
export const SILENCE_DB_RANGE = { min: -60, max: -40 } as const;
export const SILENCE_MIN_RANGE = { min: 1, max: 30 } as const;
export const QUEUE_PAUSE_RANGE = { min: 0, max: 30 } as const;

export const DEFAULT_REVIEW_SETTINGS: Readonly<ReviewSettingsValues> = Object.freeze({
  skipSilence: false,
  silenceDb: -40,
  silenceMinSeconds: 1.5,
  queuePauseSeconds: 0,
});

function clamp(value: unknown, range: { min: number; max: number }, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) ? Math.min(range.max, Math.max(range.min, value)) : fallback;
}

/** The settings in a stored entry: defaults for what is missing or unreadable, values clamped. */
export function parseReviewSettings(raw: string | null): ReviewSettingsValues {
  let v: Record<string, unknown> = {};
  try {
    const parsed: unknown = raw === null ? null : JSON.parse(raw);
    if (typeof parsed === 'object' && parsed !== null) v = parsed as Record<string, unknown>;
  } catch {
    // Unreadable: the defaults.
  }
  const d = DEFAULT_REVIEW_SETTINGS;
  return {
    skipSilence: typeof v.skipSilence === 'boolean' ? v.skipSilence : d.skipSilence,
    silenceDb: clamp(v.silenceDb, SILENCE_DB_RANGE, d.silenceDb),
    silenceMinSeconds: clamp(v.silenceMinSeconds, SILENCE_MIN_RANGE, d.silenceMinSeconds),
    queuePauseSeconds: clamp(v.queuePauseSeconds, QUEUE_PAUSE_RANGE, d.queuePauseSeconds),
  };
}

export class ReviewSettings {
  values: ReviewSettingsValues = $state({ ...DEFAULT_REVIEW_SETTINGS });
  readonly #storage: KeyValueStorage | null;

  constructor(storage: KeyValueStorage | null = browserStorage()) {
    this.#storage = storage;
    this.values = parseReviewSettings(storage?.getItem(REVIEW_SETTINGS_KEY) ?? null);
  }

  /** Changes some settings (clamped) and keeps them. */
  update(patch: Partial<ReviewSettingsValues>): void {
    this.values = parseReviewSettings(JSON.stringify({ ...this.values, ...patch }));
    store(this.#storage, REVIEW_SETTINGS_KEY, JSON.stringify(this.values));
  }
}
