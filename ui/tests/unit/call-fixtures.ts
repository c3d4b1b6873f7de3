// A well-formed call row for the unit tests; `over` makes it odd.
import type { CallRow } from '../../src/lib/calls';
import type { SegmentInfo } from '../../src/lib/bindings/SegmentInfo';

export function row(id: string, over: Partial<CallRow> = {}): CallRow {
  return {
    id,
    agencyId: 'a1',
    hasRecording: true,
    downloaded: false,
    worstLatency: null,
    reviewStatus: 'unreviewed',
    score: null,
    createdAt: '2026-11-20T10:00:00Z',
    ultravoxCallId: `uv-${id}`,
    startedAt: null,
    endedAt: null,
    durationSeconds: 61,
    direction: 'inbound',
    fromNumber: '+15550001',
    toNumber: '+14440001',
    status: 'completed',
    agentName: 'Ana',
    transcript: null,
    summary: null,
    sentiment: null,
    extra: {},
    invalid: [],
    ...over,
  };
}

/** A leg as the player's events show it: one copy, playing. */
export function leg(label: string, start: number, duration: number): SegmentInfo {
  return {
    label,
    start,
    duration,
    gapBefore: null,
    copies: [{ recordingId: `b:${label}:x`, kind: 'synced', failed: null }],
    playing: 0,
  };
}
