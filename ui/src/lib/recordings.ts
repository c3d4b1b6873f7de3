// The call detail's recordings: the segments' places on one timeline and the words shown for each
// endpoint's failure. No Svelte, no IPC: unit-tested in tests/unit/recordings.test.ts.

import type { Endpoint } from './bindings/Endpoint';
import type { EndpointOutcome } from './bindings/EndpointOutcome';
import type { Recording } from './bindings/Recording';
import type { SegmentView } from './bindings/SegmentView';

export type { Endpoint, EndpointOutcome, Recording, SegmentView };

/** A segment's place on the bar: where it starts and how wide it is, in % of the bar. */
export interface TimelinePart {
  index: number;
  /** % of the bar before this segment. */
  start: number;
  /** % of the bar this segment takes. */
  share: number;
  /** False when the server gave no duration: drawn with an even share of what is left. */
  known: boolean;
}

/**
 * Each segment's share of the bar. Segments without a (usable) duration get an equal part of
 * the room left by the known ones — or of the whole bar when none is known — so each stays
 * visible and clickable. A segment never takes less than `minShare` % (a 2 s clip in a 1 h call).
 */
export function timelineParts(durations: readonly (number | null | undefined)[], minShare = 2): TimelinePart[] {
  const n = durations.length;
  if (n === 0) return [];
  const usable = durations.map((d) => (typeof d === 'number' && Number.isFinite(d) && d > 0 ? d : null));
  const knownTotal = usable.reduce<number>((sum, d) => sum + (d ?? 0), 0);
  const unknown = usable.filter((d) => d === null).length;
  // Without any known duration, all are even; otherwise an unknown one counts as the mean known one.
  const meanKnown = unknown === n ? 1 : knownTotal / (n - unknown);
  const weights = usable.map((d) => d ?? meanKnown);
  const floor = Math.min(minShare, 100 / n);
  let shares = weights.map((w) => (w / weights.reduce((a, b) => a + b, 0)) * 100);
  // Lift tiny segments to the floor and take the room from the others in proportion.
  const small = shares.filter((s) => s < floor).length;
  if (small > 0) {
    const rest = shares.filter((s) => s >= floor).reduce((a, b) => a + b, 0);
    const room = 100 - small * floor;
    shares = shares.map((s) => (s < floor ? floor : (s / rest) * room));
  }
  let start = 0;
  return shares.map((share, index) => {
    const part = { index, start, share, known: usable[index] !== null };
    start += share;
    return part;
  });
}

/** The sum of the known durations, in seconds; null when none is known. */
export function knownDuration(segments: readonly { durationSeconds: number | null }[]): number | null {
  let total = 0;
  let any = false;
  for (const s of segments) {
    if (typeof s.durationSeconds === 'number' && Number.isFinite(s.durationSeconds) && s.durationSeconds > 0) {
      total += s.durationSeconds;
      any = true;
    }
  }
  return any ? total : null;
}

export const ENDPOINT_NAMES: Record<Endpoint, string> = {
  callRecording: 'Call recording (A)',
  signedRecordingUrl: 'Signed recording URL (B)',
};

/** The endpoint's name for people; an unknown value as it is. */
export function endpointName(endpoint: string): string {
  return (ENDPOINT_NAMES as Record<string, string>)[endpoint] ?? endpoint;
}

/**
 * What the reviewer can do about a failure, by its stable code (codes from crates/core
 * recordings `ErrorCode`). Null when there is nothing better to say than the message.
 */
const HINTS: Record<string, string> = {
  sign_in_required: 'Your session has expired: sign out and sign in again.',
  session_expired: 'Your session has expired: sign out and sign in again.',
  api_key_refused: 'The API key set for this endpoint was refused: update it in the endpoint settings.',
  ultravox_key_missing: 'Your agency has no Ultravox API key set up: ask the agency admin to add one.',
  no_agency: 'Your account is not linked to an agency: ask the agency admin to add you.',
  call_not_found: 'The project does not know this call: it may have been deleted. Refresh the list.',
  no_recording: 'No recording was saved for this call.',
  ultravox_recording_unavailable: 'Ultravox has no recording for this call (it may not be ready yet, or has expired).',
  not_found: 'The endpoint found nothing for this call.',
  endpoint_not_deployed: 'This endpoint is not deployed on the project: turn it off in the endpoint settings.',
  server_error: 'The endpoint failed on the server: try again in a moment.',
  bad_response: 'The endpoint sent an answer Callrec cannot read: try again, or report it to the project admin.',
  unsafe_url: 'The endpoint sent a link Callrec will not open, for safety.',
  missing_call_id: 'The request was incomplete: update Callrec, or report it.',
  bad_request: 'The endpoint refused the request: report it to the project admin.',
  endpoint_error: 'The endpoint answered with an error Callrec does not know.',
  unreachable: 'The project could not be reached: check the network connection and refresh.',
  timeout: 'The endpoint took too long to answer: refresh to try again.',
  endpoint_settings: 'The endpoint settings are not usable: check them in the settings.',
  response_too_large: 'The server sent far more than an answer can be: report it to the project admin.',
  // The audio itself (the player and the waveform).
  unsupported_audio: 'This file declares audio no recording has (a rate, channels or length out of bounds): it was not played. Try another copy.',
  audio_corrupt: 'This file is damaged: Callrec skipped it and carried on. Try another copy, or download it again.',
  audio_truncated: 'This file ends early: play another copy, or download it again.',
};

export function failureHint(code: string | null | undefined): string | null {
  if (typeof code !== 'string') return null;
  return HINTS[code] ?? null;
}

/** A value from the server (label, source, status) as it is, or "—" when missing. */
export function shown(value: string | null | undefined): string {
  return typeof value === 'string' && value.trim() !== '' ? value : '—';
}

/** The note for a segment: the shell's, else one for `pending_sync` (the provider's copy). */
export function segmentNote(segment: Pick<SegmentView, 'note' | 'status'>): string | null {
  if (typeof segment.note === 'string' && segment.note !== '') return segment.note;
  return segment.status === 'pending_sync' ? 'provider copy, may expire' : null;
}
