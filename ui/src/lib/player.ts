// The player bar's pure logic: time as text, where a click on the scrubber seeks to, the segment
// marks, speed and volume steps, and the shortcuts' actions as player controls. The player itself
// is in Rust (crates/core player); the UI only sends controls and shows its events.
// Unit-tested in tests/unit/player.test.ts.

import type { ChannelMode } from './bindings/ChannelMode';
import type { Action } from './keys';
import type { PlayerControl } from './bindings/PlayerControl';
import type { PlayerEvent } from './bindings/PlayerEvent';
import type { PlayState } from './bindings/PlayState';
import type { SegmentInfo } from './bindings/SegmentInfo';

export type { ChannelMode, PlayerControl, PlayerEvent, PlayState, SegmentInfo };

/** The player's limits (crates/core player MIN_SPEED, MAX_SPEED, MAX_VOLUME). */
export const MIN_SPEED = 0.5;
export const MAX_SPEED = 3;
export const MAX_VOLUME = 1.5;
export const SPEEDS: readonly number[] = [0.5, 0.75, 1, 1.25, 1.5, 1.75, 2, 2.5, 3];
export const VOLUME_STEP = 0.1;

export const CHANNEL_MODES: readonly { value: ChannelMode; label: string }[] = [
  { value: 'both', label: 'Both' },
  { value: 'agentOnly', label: 'Agent (L)' },
  { value: 'customerOnly', label: 'Customer (R)' },
];

/** `m:ss` or `h:mm:ss`; whole seconds, rounded down so the time never runs ahead of the audio. */
export function formatTime(seconds: number | null | undefined): string {
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0) return '0:00';
  const s = Math.floor(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${rest}` : `${m}:${rest}`;
}

export function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}

/**
 * The timeline seconds under a pointer at `clientX` on a scrubber spanning `left`…`left + width`:
 * clamped to the call, rounded to milliseconds.
 */
export function seekFromPointer(clientX: number, left: number, width: number, duration: number): number {
  if (!(width > 0) || !(duration > 0) || !Number.isFinite(clientX)) return 0;
  const fraction = clamp((clientX - left) / width, 0, 1);
  return Math.round(fraction * duration * 1000) / 1000;
}

/** % of the scrubber at `seconds`. */
export function positionPercent(seconds: number, duration: number): number {
  if (!(duration > 0) || !Number.isFinite(seconds)) return 0;
  return clamp((seconds / duration) * 100, 0, 100);
}

/** A segment's mark on the scrubber: where it starts, in %, and its label. */
export interface SegmentMark {
  index: number;
  label: string;
  /** % of the scrubber. */
  left: number;
  width: number;
}

/** The segments' places on the scrubber, from the player's `loaded` event. */
export function segmentMarks(segments: readonly SegmentInfo[], duration: number): SegmentMark[] {
  return segments.map((s, index) => {
    const left = positionPercent(s.start, duration);
    const end = positionPercent(s.start + Math.max(0, s.duration), duration);
    return { index, label: s.label, left, width: Math.max(0, end - left) };
  });
}

/** The segment the position falls in (its start ≤ position), or -1 before any. */
export function segmentAt(segments: readonly SegmentInfo[], position: number): number {
  let found = -1;
  for (let i = 0; i < segments.length; i += 1) {
    const s = segments[i];
    if (s && s.start <= position + 1e-6) found = i;
  }
  return found;
}

/** The next speed step above (`up`) or below the current speed, within 0.5–3.0. */
export function stepSpeed(current: number, up: boolean): number {
  if (up) return SPEEDS.find((s) => s > current + 1e-6) ?? MAX_SPEED;
  return [...SPEEDS].reverse().find((s) => s < current - 1e-6) ?? MIN_SPEED;
}

/** Volume ± one step, within 0–150 %, rounded to whole percent. */
export function stepVolume(current: number, up: boolean): number {
  const next = clamp(current + (up ? VOLUME_STEP : -VOLUME_STEP), 0, MAX_VOLUME);
  return Math.round(next * 100) / 100;
}

/** "1.25×" */
export function formatSpeed(speed: number): string {
  return `${Number(speed.toFixed(2))}×`;
}

/** "120 %" */
export function formatVolume(volume: number): string {
  return `${Math.round(volume * 100)} %`;
}

/** The player's state a shortcut's control depends on. */
export interface ControlContext {
  speed: number;
  volume: number;
}

/**
 * The player control a shortcut's action sends (lib/keys.ts says which key is which action), or
 * null for an action that is not the player's.
 */
export function controlFor(action: Action, ctx: ControlContext): PlayerControl | null {
  switch (action) {
    case 'togglePlay':
      return { type: 'toggle' };
    case 'back5':
      return { type: 'seekBy', seconds: -5 };
    case 'forward5':
      return { type: 'seekBy', seconds: 5 };
    case 'back10':
      return { type: 'seekBy', seconds: -10 };
    case 'forward10':
      return { type: 'seekBy', seconds: 10 };
    case 'back15':
      return { type: 'seekBy', seconds: -15 };
    case 'forward15':
      return { type: 'seekBy', seconds: 15 };
    case 'slower':
      return { type: 'speed', value: stepSpeed(ctx.speed, false) };
    case 'faster':
      return { type: 'speed', value: stepSpeed(ctx.speed, true) };
    case 'volumeUp':
    case 'playerVolumeUp':
      return { type: 'volume', value: stepVolume(ctx.volume, true) };
    case 'volumeDown':
    case 'playerVolumeDown':
      return { type: 'volume', value: stepVolume(ctx.volume, false) };
    case 'nextLeg':
      return { type: 'nextSegment' };
    case 'prevLeg':
      return { type: 'prevSegment' };
    default:
      return null;
  }
}
