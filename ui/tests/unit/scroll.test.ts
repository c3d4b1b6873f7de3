import { describe, expect, it } from 'vitest';
import { nearestScrollTop } from '../../src/lib/scroll';

// A viewport 100 high, scrolled to 200: it shows [200, 300).
describe('scrolling inside a pane', () => {
  it('stays put when the span already shows', () => {
    expect(nearestScrollTop(200, 300, 200, 100)).toBe(200);
    expect(nearestScrollTop(250, 260, 200, 100)).toBe(200);
  });

  it('moves as little as possible: the span at the top when above, at the bottom when below', () => {
    expect(nearestScrollTop(150, 170, 200, 100)).toBe(150);
    expect(nearestScrollTop(180, 220, 200, 100)).toBe(180);
    expect(nearestScrollTop(320, 340, 200, 100)).toBe(240);
    expect(nearestScrollTop(290, 310, 200, 100)).toBe(210);
  });

  it('shows the start of a span taller than the viewport', () => {
    expect(nearestScrollTop(400, 600, 200, 100)).toBe(400);
    expect(nearestScrollTop(100, 350, 200, 100)).toBe(100);
  });

  it('rounds outwards to whole pixels, so no edge is cut by a fraction', () => {
    expect(nearestScrollTop(150.6, 170, 200, 100)).toBe(150);
    expect(nearestScrollTop(320, 340.2, 200, 100)).toBe(241);
  });

  it('never asks for a negative scrollTop', () => {
    expect(nearestScrollTop(-5, 10, 20, 100)).toBe(0);
  });
});
