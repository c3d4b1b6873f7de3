import { describe, expect, it } from 'vitest';
import {
  clampShare,
  DEFAULT_SHARE,
  loadShare,
  MAX_SHARE,
  MIN_SHARE,
  saveShare,
  shareAt,
  shareForKey,
  SPLIT_KEY,
} from '../../src/lib/split';

function memory(initial: Record<string, string> = {}) {
  const data = new Map(Object.entries(initial));
  return {
    data,
    getItem: (k: string) => data.get(k) ?? null,
    setItem: (k: string, v: string) => {
      data.set(k, v);
    },
  };
}

describe('the split', () => {
  it('keeps the share within its limits', () => {
    expect(clampShare(0.05)).toBe(MIN_SHARE);
    expect(clampShare(0.95)).toBe(MAX_SHARE);
    expect(clampShare(0.4567)).toBe(0.457);
    expect(clampShare(Number.NaN)).toBe(DEFAULT_SHARE);
  });

  it('remembers the share, and reads the default from nothing or garbage', () => {
    const storage = memory();
    expect(loadShare(storage)).toBe(DEFAULT_SHARE);
    saveShare(storage, 0.37);
    expect(storage.data.get(SPLIT_KEY)).toBe('0.37');
    expect(loadShare(storage)).toBe(0.37);
    expect(loadShare(memory({ [SPLIT_KEY]: 'wide' }))).toBe(DEFAULT_SHARE);
    expect(loadShare(memory({ [SPLIT_KEY]: '2' }))).toBe(MAX_SHARE);
    expect(loadShare(null)).toBe(DEFAULT_SHARE);
  });

  it('survives a storage that throws', () => {
    const refusing = {
      getItem: () => {
        throw new Error('denied');
      },
      setItem: () => {
        throw new Error('denied');
      },
    };
    expect(loadShare(refusing)).toBe(DEFAULT_SHARE);
    expect(() => {
      saveShare(refusing, 0.3);
    }).not.toThrow();
  });

  it('moves with the keys on the separator', () => {
    expect(shareForKey(0.5, 'ArrowLeft', false)).toBe(0.48);
    expect(shareForKey(0.5, 'ArrowRight', true)).toBe(0.6);
    expect(shareForKey(0.79, 'ArrowRight', false)).toBe(MAX_SHARE);
    expect(shareForKey(0.5, 'Home', false)).toBe(MIN_SHARE);
    expect(shareForKey(0.5, 'End', false)).toBe(MAX_SHARE);
    expect(shareForKey(0.5, 'Enter', false)).toBeNull();
  });

  it('follows the pointer', () => {
    expect(shareAt(400, 100, 1000)).toBe(0.3);
    expect(shareAt(1200, 100, 1000)).toBe(MAX_SHARE);
    expect(shareAt(400, 100, 0)).toBe(DEFAULT_SHARE);
  });
});
