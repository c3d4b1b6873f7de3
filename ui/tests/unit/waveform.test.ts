import { describe, expect, it, vi } from 'vitest';
import type { SegmentInfo } from '../../src/lib/player';
import { WaveformStore, type WaveformApi } from '../../src/lib/stores/waveform.svelte';
import { columnPeaks, emptyWave, silenceMarks, type SegmentWave, type WaveformEvent } from '../../src/lib/waveform';
import { leg } from './call-fixtures';

function batch(over: Partial<WaveformEvent> = {}): WaveformEvent {
  return {
    callId: 'call-1',
    segment: 0,
    firstBucket: 0,
    peaks: [],
    bucketSeconds: 0.05,
    done: false,
    silences: [],
    cached: false,
    error: null,
    ...over,
  };
}

function api() {
  let handler: ((e: WaveformEvent) => void) | null = null;
  const watchWaveform = vi.fn((h: (e: WaveformEvent) => void) => {
    handler = h;
    return Promise.resolve(() => {
      handler = null;
    });
  });
  const send = (e: WaveformEvent): void => {
    if (!handler) throw new Error('not subscribed');
    handler(e);
  };
  return { api: { watchWaveform } satisfies WaveformApi, send, watchWaveform };
}

describe('WaveformStore', () => {
  it('merges the batches of each segment in order', async () => {
    const { api: waveApi, send, watchWaveform } = api();
    const store = new WaveformStore(waveApi);
    await store.start();
    await store.start();
    expect(watchWaveform).toHaveBeenCalledTimes(1);
    store.follow('call-1');
    send(batch({ peaks: [1, 2, 3] }));
    send(batch({ segment: 1, peaks: [9] }));
    send(batch({ firstBucket: 3, peaks: [4, 5] }));
    expect(store.segments[0]?.peaks).toEqual([1, 2, 3, 4, 5]);
    expect(store.segments[0]?.done).toBe(false);
    expect(store.complete).toBe(false);
    send(
      batch({
        firstBucket: 5,
        peaks: [6],
        done: true,
        silences: [{ start: 1, end: 2.5 }],
      }),
    );
    send(batch({ segment: 1, firstBucket: 1, peaks: [], done: true, error: { code: 'audio_truncated', message: 'ends early' } }));
    expect(store.segments[0]).toMatchObject({ peaks: [1, 2, 3, 4, 5, 6], done: true, silences: [{ start: 1, end: 2.5 }] });
    expect(store.segments[1]).toMatchObject({ peaks: [9], done: true, error: { code: 'audio_truncated' } });
    expect(store.complete).toBe(true);
  });

  it('starts empty for a new call and drops events of another call', async () => {
    const { api: waveApi, send } = api();
    const store = new WaveformStore(waveApi);
    await store.start();
    store.follow('call-1');
    send(batch({ peaks: [7, 7] }));
    store.follow('call-2');
    expect(store.segments).toEqual([]);
    // A late batch of the call before: not drawn on this one.
    send(batch({ callId: 'call-1', firstBucket: 2, peaks: [7] }));
    expect(store.segments).toEqual([]);
    send(batch({ callId: 'call-2', peaks: [3] }));
    expect(store.segments[0]?.peaks).toEqual([3]);
    // The same call again keeps what it has.
    store.follow('call-2');
    expect(store.segments[0]?.peaks).toEqual([3]);
  });

  it('takes a cached waveform whole, at once', async () => {
    const { api: waveApi, send } = api();
    const store = new WaveformStore(waveApi);
    await store.start();
    // Before the player said which call: the event says it.
    const peaks = Array.from({ length: 1200 }, (_, i) => i % 256);
    send(batch({ callId: 'call-9', peaks, done: true, cached: true, silences: [{ start: 3, end: 5 }] }));
    expect(store.callId).toBe('call-9');
    expect(store.segments[0]).toMatchObject({ peaks, done: true, cached: true });
    expect(store.complete).toBe(true);
  });

  it('keeps the failure to subscribe, and can try again', async () => {
    const watchWaveform = vi
      .fn<WaveformApi['watchWaveform']>()
      .mockRejectedValueOnce({ code: 'internal', message: 'no shell' })
      .mockResolvedValue(() => undefined);
    const store = new WaveformStore({ watchWaveform });
    await store.start();
    expect(store.error?.code).toBe('internal');
    await store.start();
    expect(watchWaveform).toHaveBeenCalledTimes(2);
  });
});

describe('waveform columns and silences', () => {
  const segments: SegmentInfo[] = [
    leg('main', 0, 1),
    leg('transfer', 1, 1),
  ];
  const wave = (peaks: number[], silences: SegmentWave['silences'] = []): SegmentWave => ({
    ...emptyWave(0.25),
    peaks,
    silences,
  });

  it('puts each segment where the player has it and keeps the loudest bucket per column', () => {
    // 2 s over 4 columns: each column is two 0.25 s buckets.
    const columns = columnPeaks([wave([10, 50, 0, 0]), wave([255, 1, 3, 2])], segments, 2, 4);
    expect(Array.from(columns)).toEqual([50, 0, 255, 3]);
    // A segment not started yet leaves its columns empty.
    expect(Array.from(columnPeaks([undefined, wave([255, 1, 3, 2])], segments, 2, 4))).toEqual([0, 0, 255, 3]);
  });

  it('stretches buckets over a wider canvas without gaps, and never past the segment', () => {
    const columns = columnPeaks([wave([10, 20, 30, 40, 99])], [leg('main', 0, 1)], 1, 8);
    expect(Array.from(columns)).toEqual([10, 10, 20, 20, 30, 30, 40, 40]);
    expect(columnPeaks([wave([1])], segments, 0, 8).every((c) => c === 0)).toBe(true);
    expect(columnPeaks([wave([1])], segments, 2, 0).length).toBe(0);
  });

  it('places silences on the timeline in % of the scrubber', () => {
    const marks = silenceMarks([wave([], [{ start: 0.5, end: 1 }]), wave([], [{ start: 0, end: 0.5 }])], segments, 2);
    expect(marks).toEqual([
      { segment: 0, left: 25, width: 25, start: 0.5, end: 1 },
      { segment: 1, left: 50, width: 25, start: 1, end: 1.5 },
    ]);
    expect(silenceMarks([wave([], [{ start: 0, end: 1 }])], segments, 0)).toEqual([]);
  });
});
