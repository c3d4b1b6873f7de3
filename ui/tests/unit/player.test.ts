import { describe, expect, it } from 'vitest';
import {
  formatSpeed,
  formatTime,
  formatVolume,
  positionPercent,
  seekFromPointer,
  segmentAt,
  segmentMarks,
  shortcutFor,
  stepSpeed,
  stepVolume,
  type KeyPress,
  type ShortcutContext,
} from '../../src/lib/player';
import { leg } from './call-fixtures';

const press = (key: string, over: Partial<KeyPress> = {}): KeyPress => ({
  key,
  shiftKey: false,
  altKey: false,
  ctrlKey: false,
  metaKey: false,
  ...over,
});
const ctx: ShortcutContext = { speed: 1, volume: 1, inPlayer: false };
const control = (key: string, over: Partial<KeyPress> = {}, c: Partial<ShortcutContext> = {}) => {
  const s = shortcutFor(press(key, over), { ...ctx, ...c });
  return s?.kind === 'control' ? s.control : s;
};

describe('formatTime', () => {
  it('shows m:ss and h:mm:ss, rounding down', () => {
    expect(formatTime(0)).toBe('0:00');
    expect(formatTime(59.99)).toBe('0:59');
    expect(formatTime(61)).toBe('1:01');
    expect(formatTime(3600 + 5 * 60 + 7)).toBe('1:05:07');
    expect(formatTime(-1)).toBe('0:00');
    expect(formatTime(Number.NaN)).toBe('0:00');
  });
});

describe('scrubber maths', () => {
  it('maps a click to seconds, clamped to the call', () => {
    // A 400 px scrubber starting at x=100, a 180 s call.
    expect(seekFromPointer(100, 100, 400, 180)).toBe(0);
    expect(seekFromPointer(300, 100, 400, 180)).toBe(90);
    expect(seekFromPointer(200, 100, 400, 180)).toBe(45);
    expect(seekFromPointer(50, 100, 400, 180)).toBe(0);
    expect(seekFromPointer(900, 100, 400, 180)).toBe(180);
    expect(seekFromPointer(123.4567, 100, 400, 180)).toBe(10.556);
    expect(seekFromPointer(300, 100, 0, 180)).toBe(0);
    expect(seekFromPointer(300, 100, 400, 0)).toBe(0);
  });

  it('places the position and the segment boundaries in %', () => {
    expect(positionPercent(45, 180)).toBe(25);
    expect(positionPercent(500, 180)).toBe(100);
    const marks = segmentMarks(
      [
        leg('main', 0, 60),
        leg('transfer', 60, 30),
        leg('voicemail', 90, 90),
      ],
      180,
    );
    expect(marks.map((m) => m.label)).toEqual(['main', 'transfer', 'voicemail']);
    const expected = [
      [0, 100 / 3],
      [100 / 3, 100 / 6],
      [50, 50],
    ];
    marks.forEach((m, i) => {
      expect(m.left).toBeCloseTo(expected[i]?.[0] ?? Number.NaN, 9);
      expect(m.width).toBeCloseTo(expected[i]?.[1] ?? Number.NaN, 9);
    });
  });

  it('finds the segment a position falls in', () => {
    const segs = [
      leg('a', 0, 60),
      leg('b', 60, 30),
    ];
    expect(segmentAt(segs, 0)).toBe(0);
    expect(segmentAt(segs, 59.9)).toBe(0);
    expect(segmentAt(segs, 60)).toBe(1);
    expect(segmentAt([], 3)).toBe(-1);
  });
});

describe('steps', () => {
  it('steps the speed through the presets within 0.5–3.0', () => {
    expect(stepSpeed(1, true)).toBe(1.25);
    expect(stepSpeed(1, false)).toBe(0.75);
    expect(stepSpeed(1.1, true)).toBe(1.25);
    expect(stepSpeed(1.1, false)).toBe(1);
    expect(stepSpeed(3, true)).toBe(3);
    expect(stepSpeed(0.5, false)).toBe(0.5);
    expect(formatSpeed(1.25)).toBe('1.25×');
    expect(formatSpeed(2)).toBe('2×');
  });

  it('steps the volume by 10 % within 0–150 %', () => {
    expect(stepVolume(1, true)).toBe(1.1);
    expect(stepVolume(0.05, false)).toBe(0);
    expect(stepVolume(1.45, true)).toBe(1.5);
    expect(stepVolume(0.7, true)).toBe(0.8);
    expect(formatVolume(1.5)).toBe('150 %');
  });
});

describe('shortcutFor', () => {
  it('maps the documented keys to controls', () => {
    expect(control(' ')).toEqual({ type: 'toggle' });
    expect(control('k')).toEqual({ type: 'toggle' });
    expect(control('K')).toEqual({ type: 'toggle' });
    expect(control('ArrowLeft')).toEqual({ type: 'seekBy', seconds: -5 });
    expect(control('ArrowRight')).toEqual({ type: 'seekBy', seconds: 5 });
    expect(control('ArrowLeft', { shiftKey: true })).toEqual({ type: 'seekBy', seconds: -15 });
    expect(control('ArrowRight', { shiftKey: true })).toEqual({ type: 'seekBy', seconds: 15 });
    expect(control('j')).toEqual({ type: 'seekBy', seconds: -10 });
    expect(control('l')).toEqual({ type: 'seekBy', seconds: 10 });
    expect(control('[', {}, { speed: 1.5 })).toEqual({ type: 'speed', value: 1.25 });
    expect(control(']', {}, { speed: 1.5 })).toEqual({ type: 'speed', value: 1.75 });
    expect(control('n')).toEqual({ type: 'nextSegment' });
    expect(control('N', { shiftKey: true })).toEqual({ type: 'nextSegment' });
    expect(control('p')).toEqual({ type: 'prevSegment' });
    expect(shortcutFor(press('?', { shiftKey: true }), ctx)).toEqual({ kind: 'help' });
  });

  it('leaves plain ↑/↓ to the list unless the player has focus; Alt+↑/↓ works anywhere', () => {
    expect(control('ArrowUp')).toBeNull();
    expect(control('ArrowDown')).toBeNull();
    expect(control('ArrowUp', { altKey: true }, { volume: 1 })).toEqual({ type: 'volume', value: 1.1 });
    expect(control('ArrowDown', { altKey: true }, { volume: 1 })).toEqual({ type: 'volume', value: 0.9 });
    expect(control('ArrowUp', {}, { inPlayer: true, volume: 1.5 })).toEqual({ type: 'volume', value: 1.5 });
  });

  it('leaves Ctrl/Meta combinations and other keys alone', () => {
    expect(control('k', { ctrlKey: true })).toBeNull();
    expect(control(' ', { metaKey: true })).toBeNull();
    expect(control('ArrowLeft', { altKey: true })).toBeNull();
    expect(control('x')).toBeNull();
    expect(control('Enter')).toBeNull();
    expect(control('d')).toBeNull();
  });
});
