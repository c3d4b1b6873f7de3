// The scripted shell's recordings, downloads and player (issues 5, 7, 6). Channels are emulated
// as the real shell does it: the UI's `Channel` registered a callback through
// `__TAURI_INTERNALS__.transformCallback`; messages go to `runCallback(id, { index, message })`,
// with `index` counting up per channel (the Channel object reorders by it).
// Dev and tests only (see mock-ipc.ts).

import type { CallAnalysis } from '../lib/bindings/CallAnalysis';
import type { ChannelMode } from '../lib/bindings/ChannelMode';
import type { DownloadRecord } from '../lib/bindings/DownloadRecord';
import type { LibraryUsage } from '../lib/bindings/LibraryUsage';
import type { PlayerEvent } from '../lib/bindings/PlayerEvent';
import type { PlayerPreferences } from '../lib/bindings/PlayerPreferences';
import type { PlayState } from '../lib/bindings/PlayState';
import type { Progress } from '../lib/bindings/Progress';
import type { Recording } from '../lib/bindings/Recording';
import type { SegmentInfo } from '../lib/bindings/SegmentInfo';
import type { WaveformEvent } from '../lib/bindings/WaveformEvent';

/** A stereo call with three customer → agent turns (0.6 s, 2.4 s, 0.9 s). */
export const DEFAULT_ANALYSIS: CallAnalysis = {
  duration: 40,
  stereo: true,
  agent: [
    { start: 0.5, end: 4 },
    { start: 8.6, end: 12 },
    { start: 17.4, end: 21 },
    { start: 25.9, end: 30 },
  ],
  customer: [
    { start: 4.5, end: 8 },
    { start: 12.5, end: 15 },
    { start: 21.5, end: 25 },
  ],
  silences: [
    { start: 4, end: 4.5 },
    { start: 8, end: 8.6 },
    { start: 12, end: 12.5 },
    { start: 15, end: 17.4 },
    { start: 21, end: 21.5 },
    { start: 25, end: 25.9 },
  ],
  latencies: [
    { customerEnd: 8, agentStart: 8.6, seconds: 0.6 },
    { customerEnd: 15, agentStart: 17.4, seconds: 2.4 },
    { customerEnd: 25, agentStart: 25.9, seconds: 0.9 },
  ],
  medianLatency: 0.9,
  worstLatency: { customerEnd: 15, agentStart: 17.4, seconds: 2.4 },
};

const MB = 1_000_000;
/** The cache limits the shell accepts, in MB. */
const CACHE_MIN_MB = 64;
const CACHE_MAX_MB = 1_000_000;

/**
 * `library_usage`'s answer when the scenario has none: 3 calls on disk, 120 MB of played
 * recordings cached under the default limit of 2000 MB (the shell counts an MB as 1,000,000 bytes).
 */
export const DEFAULT_USAGE: LibraryUsage = {
  bytes: 41_200_000,
  files: 7,
  calls: 3,
  cacheBytes: 120_000_000,
  cacheLimitBytes: 2000 * MB,
};

export interface MediaScenario {
  /** `analyze_call`'s answer (a raw rejection as `{ err }`); [`DEFAULT_ANALYSIS`] when absent. */
  analysis?: { ok: CallAnalysis } | { err: unknown };
  /** `call_recordings` by call id (a raw rejection as `{ err }`); `recordings.default` for any other call. */
  recordings?: Record<string, { ok: Recording } | { err: unknown }>;
  /** `download_matching` fails with this raw rejection (else it answers from the calls). */
  bulkError?: unknown;
  /** `download_call`'s answer by call id; two queued segments when absent. */
  downloads?: Record<string, { ok: DownloadRecord[] } | { err: unknown }>;
  /** `library_usage`'s answer; [`DEFAULT_USAGE`] when absent. A limit set since replaces its `cacheLimitBytes`. */
  usage?: LibraryUsage;
  /** `set_cache_limit` fails with this raw rejection (else, as the shell, outside 64–1000000 MB). */
  cacheLimitError?: unknown;
  /** The timeline `play_call` loads; three segments (60 s, 30 s, 90 s) when absent. */
  timeline?: SegmentInfo[];
  /** `play_call` fails with this raw rejection. */
  playError?: unknown;
  /** True: a call loads and plays, but its audio never moves (a stream that stalls at once). */
  audioStalls?: boolean;
  /** `export_call_files`'s answer (null: the folder dialog was cancelled); one file when absent. */
  exported?: string[] | null;
  /** `remove_call_files` fails with this raw rejection. */
  removeError?: unknown;
  /** `player_preferences`' answer; speed 1, the default device and two devices when absent. */
  preferences?: PlayerPreferences;
  /** `set_output_device` fails with this raw rejection. */
  setDeviceError?: unknown;
  /** False: `play_call` sends no waveform (by default each segment's comes in two batches). */
  waveform?: boolean;
}

interface ChannelLike {
  id: number;
}

/** One emulated channel: sends in order, like the shell's `Channel::send`. */
class MockChannel<T> {
  readonly id: number;
  #index = 0;

  constructor(id: number) {
    this.id = id;
  }

  send(message: T): void {
    const internals = (window as unknown as { __TAURI_INTERNALS__: { runCallback(id: number, data: unknown): void } })
      .__TAURI_INTERNALS__;
    internals.runCallback(this.id, { index: this.#index, message });
    this.#index += 1;
  }
}

function channelOf<T>(args: unknown, name: string): MockChannel<T> {
  const value = (args as Record<string, unknown> | undefined)?.[name] as ChannelLike | undefined;
  if (typeof value?.id !== 'number') throw new Error(`mock: ${name} is not a Channel`);
  return new MockChannel<T>(value.id);
}

export const DEFAULT_TIMELINE: SegmentInfo[] = [
  {
    label: 'main',
    start: 0,
    duration: 60,
    gapBefore: null,
    copies: [
      { recordingId: 'b:main:0', kind: 'synced', failed: null },
      { recordingId: 'a:main:0', kind: 'provider', failed: null },
    ],
    playing: 0,
  },
  {
    label: 'transfer',
    start: 60,
    duration: 30,
    gapBefore: null,
    copies: [{ recordingId: 'b:transfer:1', kind: 'synced', failed: null }],
    playing: 0,
  },
  {
    label: 'voicemail',
    start: 90,
    duration: 90,
    gapBefore: 30,
    copies: [{ recordingId: 'b:voicemail:2', kind: 'provider', failed: null }],
    playing: 0,
  },
];

/** A recording with three segments from both endpoints (what most calls answer in the mock). */
export function sampleRecording(callId: string): Recording {
  return {
    callId,
    segments: [
      {
        id: 'b:main:0',
        label: 'main',
        durationSeconds: 60,
        source: 'twilio',
        status: 'completed',
        createdAt: '2026-11-20T18:00:00Z',
        endpoint: 'signedRecordingUrl',
        expiresAt: 1_900_000_000,
        expiry: 'signedQuery',
        note: null,
      },
      {
        id: 'b:transfer:1',
        label: 'transfer',
        durationSeconds: 30,
        source: 'twilio',
        status: 'completed',
        createdAt: '2026-11-20T18:01:00Z',
        endpoint: 'signedRecordingUrl',
        expiresAt: 1_900_000_000,
        expiry: 'signedQuery',
        note: null,
      },
      {
        id: 'b:voicemail:2',
        label: 'voicemail',
        durationSeconds: 90,
        source: 'ultravox',
        status: 'pending_sync',
        createdAt: '2026-11-20T18:02:00Z',
        endpoint: 'signedRecordingUrl',
        expiresAt: 1_900_000_000,
        expiry: 'assumed',
        note: 'provider copy, may expire',
      },
      {
        id: 'a:main:0',
        label: 'main',
        durationSeconds: null,
        source: 'ultravox',
        status: null,
        createdAt: null,
        endpoint: 'callRecording',
        expiresAt: 1_900_000_000,
        expiry: 'signedQuery',
        note: null,
      },
    ],
    legs: [
      {
        label: 'main',
        start: 0,
        durationSeconds: 60,
        gapBefore: null,
        copies: [
          { recordingId: 'b:main:0', kind: 'synced' },
          { recordingId: 'a:main:0', kind: 'provider' },
        ],
      },
      {
        label: 'transfer',
        start: 60,
        durationSeconds: 30,
        gapBefore: null,
        copies: [{ recordingId: 'b:transfer:1', kind: 'synced' }],
      },
      {
        label: 'voicemail',
        start: 120,
        durationSeconds: 90,
        gapBefore: 30,
        copies: [{ recordingId: 'b:voicemail:2', kind: 'provider' }],
      },
    ],
    callRecording: { state: 'ok', segments: 1, notes: [] },
    signedRecordingUrl: { state: 'ok', segments: 3, notes: [] },
    combined: null,
    combinedCode: null,
  };
}

function defaultRecords(callId: string): DownloadRecord[] {
  return ['main', 'transfer'].map((label, index) => ({
    callId,
    index,
    segmentId: `b:${label}:${index}`,
    label,
    state: 'queued',
    bytes: 0,
    total: null,
    errorCode: null,
    errorMessage: null,
    attempts: 0,
    createdAt: 1_763_700_000,
    updatedAt: 1_763_700_000,
  }));
}

const BUCKET_SECONDS = 0.05;
/** How far the first position after `play_call` is past its start: the audio is moving. */
const FIRST_AUDIO_SECONDS = 0.001;

/**
 * A synthetic waveform for a segment: speech-like bursts, and in every segment a silence of 4 s
 * from its 10th second (marked), so the scrubber has something to show in dev and tests.
 */
export function syntheticWaveform(
  callId: string,
  segment: number,
  duration: number,
): { peaks: number[]; events: WaveformEvent[] } {
  const buckets = Math.round(duration / BUCKET_SECONDS);
  const silence = { start: 10, end: 14 };
  const peaks = Array.from({ length: buckets }, (_, i) => {
    const t = i * BUCKET_SECONDS;
    if (t >= silence.start && t < silence.end) return 0;
    const envelope = Math.abs(Math.sin(t * 2.1 + segment)) * (0.55 + 0.45 * Math.abs(Math.sin(t * 0.37)));
    return Math.round(40 + 200 * envelope);
  });
  const half = Math.floor(buckets / 2);
  const base = { callId, segment, bucketSeconds: BUCKET_SECONDS, cached: false, error: null };
  return {
    peaks,
    events: [
      { ...base, firstBucket: 0, peaks: peaks.slice(0, half), done: false, silences: [] },
      {
        ...base,
        firstBucket: half,
        peaks: peaks.slice(half),
        done: true,
        silences: duration > silence.end ? [silence] : [],
      },
    ],
  };
}

/** The media part of the scripted shell: answers its commands and holds the channels. */
export class MockMedia {
  progress: MockChannel<Progress> | null = null;
  playerEvents: MockChannel<PlayerEvent> | null = null;
  waveformEvents: MockChannel<WaveformEvent> | null = null;
  #state: { state: PlayState; speed: number; volume: number; channelMode: ChannelMode } = {
    state: 'idle',
    speed: 1,
    volume: 1,
    channelMode: 'both',
  };
  #position = 0;
  #duration = 0;
  /** The cache limit `set_cache_limit` last accepted, in bytes. */
  #cacheLimitBytes: number | null = null;

  readonly #scenario: () => MediaScenario | undefined;

  constructor(scenario: () => MediaScenario | undefined) {
    this.#scenario = scenario;
  }

  /** The answer to `cmd`, or `undefined` when it is not a media command. */
  handle(cmd: string, args: unknown): { value: unknown } | undefined {
    const s = this.#scenario() ?? {};
    const a = (args ?? {}) as Record<string, unknown>;
    const callId = typeof a.callId === 'string' ? a.callId : '';
    switch (cmd) {
      case 'call_recordings': {
        const reply = s.recordings?.[callId] ?? s.recordings?.default;
        if (!reply) return { value: sampleRecording(callId) };
        if ('err' in reply) throw reply.err;
        return { value: { ...reply.ok, callId } };
      }
      case 'download_call': {
        const reply = s.downloads?.[callId];
        if (!reply) return { value: defaultRecords(callId) };
        if ('err' in reply) throw reply.err;
        return { value: reply.ok };
      }
      case 'download_segment': {
        const recordingId = typeof a.recordingId === 'string' ? a.recordingId : '';
        const records = defaultRecords(callId);
        const record = records.find((r) => r.segmentId === recordingId) ?? records[0];
        return { value: record ? { ...record, segmentId: recordingId } : null };
      }
      case 'control_download':
        return { value: null };
      case 'watch_downloads':
        this.progress = channelOf<Progress>(args, 'onProgress');
        return { value: null };
      case 'library_usage':
        return { value: this.#usage(s) };
      case 'set_cache_limit': {
        // eslint-disable-next-line @typescript-eslint/only-throw-error
        if (s.cacheLimitError !== undefined) throw s.cacheLimitError;
        const mb = a.megabytes;
        // As Tauri does for a `u64` argument that is not one.
        if (typeof mb !== 'number' || !Number.isInteger(mb) || mb < 0) {
          // eslint-disable-next-line @typescript-eslint/only-throw-error
          throw `invalid args \`megabytes\` for command \`set_cache_limit\`: ${String(mb)}`;
        }
        if (mb < CACHE_MIN_MB || mb > CACHE_MAX_MB) {
          // eslint-disable-next-line @typescript-eslint/only-throw-error
          throw { code: 'invalid_cache_limit', message: `a cache of ${String(mb)} MB is outside 64–1000000 MB` };
        }
        this.#cacheLimitBytes = mb * MB;
        return { value: this.#usage(s) };
      }
      case 'remove_call_files':
        // Rethrown as scripted: the shell's raw error value.
        // eslint-disable-next-line @typescript-eslint/only-throw-error
        if (s.removeError !== undefined) throw s.removeError;
        return { value: 2 };
      case 'export_call_files':
        return {
          value: s.exported !== undefined ? s.exported : ['/home/reviewer/Exports/2026-11-20_1800_+15550000000_main.mp3'],
        };
      case 'show_call_files':
        return { value: null };
      case 'analyze_call':
        if (s.analysis && 'err' in s.analysis) throw s.analysis.err;
        return { value: s.analysis?.ok ?? DEFAULT_ANALYSIS };
      case 'watch_player':
        this.playerEvents = channelOf<PlayerEvent>(args, 'onEvent');
        return { value: null };
      case 'watch_waveform':
        this.waveformEvents = channelOf<WaveformEvent>(args, 'onEvent');
        return { value: null };
      case 'play_call': {
        // eslint-disable-next-line @typescript-eslint/only-throw-error
        if (s.playError !== undefined) throw s.playError;
        const segments = s.timeline ?? DEFAULT_TIMELINE;
        this.#duration = segments.reduce((end, x) => Math.max(end, x.start + x.duration), 0);
        this.#position = typeof a.from === 'number' ? a.from : 0;
        // As the player does, after the command returned: loaded, playing, and its first audio
        // moving (a position just past where it starts).
        setTimeout(() => {
          this.playerEvents?.send({ type: 'loaded', duration: this.#duration, segments });
          this.#state.state = 'playing';
          this.#sendState();
          this.#sendPosition(segments, s.audioStalls === true ? 0 : FIRST_AUDIO_SECONDS);
        }, 0);
        if (s.waveform !== false) this.#sendWaveform(callId, segments);
        return { value: null };
      }
      case 'player_preferences':
        return {
          value: s.preferences ?? { speed: 1, outputDevice: null, devices: ['Built-in Audio', 'USB Headset'] },
        };
      case 'set_output_device':
        // eslint-disable-next-line @typescript-eslint/only-throw-error
        if (s.setDeviceError !== undefined) throw s.setDeviceError;
        return { value: null };
      case 'player_control': {
        this.#control((a.control ?? {}) as Record<string, unknown>, s.timeline ?? DEFAULT_TIMELINE);
        return { value: null };
      }
      default:
        return undefined;
    }
  }

  #usage(s: MediaScenario): LibraryUsage {
    const usage = s.usage ?? DEFAULT_USAGE;
    if (this.#cacheLimitBytes === null) return usage;
    // As the shell does, the cache is evicted down to its new limit.
    return {
      ...usage,
      cacheBytes: Math.min(usage.cacheBytes, this.#cacheLimitBytes),
      cacheLimitBytes: this.#cacheLimitBytes,
    };
  }

  /** Each segment's synthetic waveform in two batches, a moment apart (progressive, as the shell). */
  #sendWaveform(callId: string, segments: SegmentInfo[]): void {
    const events = segments.map((x, i) => syntheticWaveform(callId, i, x.duration).events);
    for (const [batch, delay] of [
      [0, 10],
      [1, 60],
    ] as const) {
      setTimeout(() => {
        for (const e of events) {
          const event = e[batch];
          if (event) this.waveformEvents?.send(event);
        }
      }, delay);
    }
  }

  #sendState(): void {
    this.playerEvents?.send({
      type: 'state',
      state: this.#state.state,
      speed: this.#state.speed,
      volume: this.#state.volume,
      channelMode: this.#state.channelMode,
    });
  }

  #sendPosition(segments: SegmentInfo[], ahead = 0): void {
    let segment = 0;
    segments.forEach((x, i) => {
      if (x.start <= this.#position) segment = i;
    });
    this.playerEvents?.send({ type: 'position', position: this.#position + ahead, segment });
  }

  /** A few controls act, so the bar in dev mode behaves; the tests read what was sent. */
  #control(c: Record<string, unknown>, segments: SegmentInfo[]): void {
    const seekTo = (t: number): void => {
      this.#position = Math.min(this.#duration, Math.max(0, t));
      setTimeout(() => {
        this.#sendPosition(segments);
      }, 0);
    };
    switch (c.type) {
      case 'toggle':
        this.#state.state = this.#state.state === 'playing' ? 'paused' : 'playing';
        break;
      case 'play':
        this.#state.state = 'playing';
        break;
      case 'pause':
        this.#state.state = 'paused';
        break;
      case 'seek':
        seekTo(Number(c.seconds));
        return;
      case 'seekBy':
        seekTo(this.#position + Number(c.seconds));
        return;
      case 'speed':
        this.#state.speed = Number(c.value);
        break;
      case 'volume':
        this.#state.volume = Number(c.value);
        break;
      case 'channelMode':
        this.#state.channelMode = c.mode as ChannelMode;
        break;
      default:
        return;
    }
    setTimeout(() => {
      this.#sendState();
    }, 0);
  }
}
