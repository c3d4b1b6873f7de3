import { describe, expect, it } from 'vitest';

import { clock, playFrom, seconds, speechSeconds, summary, turns } from '../../src/lib/analysis';
import { DEFAULT_ANALYSIS } from '../../src/dev/mock-media';

describe('the call analysis, as the reviewer reads it', () => {
  it('marks the worst turn and the slow ones', () => {
    const rows = turns(DEFAULT_ANALYSIS);
    expect(rows.map((r) => r.index)).toEqual([1, 2, 3]);
    expect(rows.map((r) => r.worst)).toEqual([false, true, false]);
    expect(rows.map((r) => r.slow)).toEqual([false, true, false]);
  });

  it('sums speech and formats times', () => {
    expect(speechSeconds(DEFAULT_ANALYSIS.customer)).toBeCloseTo(9.5);
    expect(clock(65.34)).toBe('1:05.3');
    expect(clock(-2)).toBe('0:00.0');
    expect(seconds(0.8449)).toBe('0.84 s');
    expect(seconds(null)).toBe('—');
    expect(playFrom({ customerEnd: 1, agentStart: 2, seconds: 1 })).toBe(0);
    expect(playFrom({ customerEnd: 15, agentStart: 17.4, seconds: 2.4 })).toBe(13.5);
  });

  it('says what it found: latencies on a stereo call, pauses on a mono one', () => {
    expect(summary(DEFAULT_ANALYSIS)).toBe('Agent response: median 0.90 s, worst 2.40 s over 3 turns');
    expect(summary({ ...DEFAULT_ANALYSIS, latencies: [], medianLatency: null, worstLatency: null })).toBe(
      'No turn from the customer to the agent',
    );
    expect(summary({ ...DEFAULT_ANALYSIS, stereo: false, customer: [], latencies: [] })).toBe(
      'One mix (mono): 6 pauses, 15 s of speech',
    );
  });
});
