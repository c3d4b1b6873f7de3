import { describe, expect, it } from 'vitest';
import {
  controlFor,
  formatSpeed,
  formatTime,
  formatVolume,
  positionPercent,
  seekFromPointer,
  segmentAt,
  segmentMarks,
  stepSpeed,
  stepVolume,
} from '../../src/lib/player';
import { leg } from './call-fixtures';

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

describe('controlFor', () => {
  const ctx = { speed: 1, volume: 1 };
  it('sends the control of each player action', () => {
    expect(controlFor('togglePlay', ctx)).toEqual({ type: 'toggle' });
    expect(controlFor('back5', ctx)).toEqual({ type: 'seekBy', seconds: -5 });
    expect(controlFor('forward5', ctx)).toEqual({ type: 'seekBy', seconds: 5 });
    expect(controlFor('back15', ctx)).toEqual({ type: 'seekBy', seconds: -15 });
    expect(controlFor('forward15', ctx)).toEqual({ type: 'seekBy', seconds: 15 });
    expect(controlFor('back10', ctx)).toEqual({ type: 'seekBy', seconds: -10 });
    expect(controlFor('forward10', ctx)).toEqual({ type: 'seekBy', seconds: 10 });
    expect(controlFor('nextLeg', ctx)).toEqual({ type: 'nextSegment' });
    expect(controlFor('prevLeg', ctx)).toEqual({ type: 'prevSegment' });
  });

  it('steps speed and volume from the current values, within the limits', () => {
    expect(controlFor('slower', { speed: 1.5, volume: 1 })).toEqual({ type: 'speed', value: 1.25 });
    expect(controlFor('faster', { speed: 1.5, volume: 1 })).toEqual({ type: 'speed', value: 1.75 });
    expect(controlFor('faster', { speed: 3, volume: 1 })).toEqual({ type: 'speed', value: 3 });
    expect(controlFor('volumeUp', { speed: 1, volume: 1 })).toEqual({ type: 'volume', value: 1.1 });
    expect(controlFor('volumeDown', { speed: 1, volume: 1 })).toEqual({ type: 'volume', value: 0.9 });
    expect(controlFor('playerVolumeUp', { speed: 1, volume: 1.5 })).toEqual({ type: 'volume', value: 1.5 });
  });

  it('has no control for the actions that are not the player\'s', () => {
    for (const action of ['nextCall', 'prevCall', 'help', 'search', 'closeCall', 'openRow', 'rowDown'] as const) {
      expect(controlFor(action, ctx)).toBeNull();
    }
  });
});
