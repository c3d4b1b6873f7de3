// The played call's waveform (issue 6): batches from the shell's `watch_waveform` channel, merged
// per segment as they come, so the scrubber draws it while a streamed segment still arrives. The
// store follows the player's call: a new call starts empty; events of another call are dropped.

import { ChannelWatch, commands, type Unlisten } from '../ipc';
import { emptyWave, mergeBatch, type SegmentWave, type WaveformEvent } from '../waveform';

export interface WaveformApi {
  watchWaveform(handler: (event: WaveformEvent) => void): Promise<Unlisten>;
}

export class WaveformStore {
  /** The call whose waveform this is; null before any. */
  callId: string | null = $state(null);
  /** Per segment index (a segment not started yet is `undefined`); a new array on every change. */
  segments: (SegmentWave | undefined)[] = $state.raw([]);
  /** Subscribing failed (the waveform is an extra: the bar works without it). */
  error: { code: string; message: string } | null = $state(null);

  readonly #api: WaveformApi;
  readonly #events = new ChannelWatch<WaveformEvent>('watch_waveform', (handler) => this.#api.watchWaveform(handler));

  constructor(api?: WaveformApi) {
    this.#api = api ?? { watchWaveform: commands.watchWaveform };
  }

  /** Subscribes to the shell's waveform events (once). */
  start(): Promise<void> {
    return this.#events.start(
      (e) => {
        this.apply(e);
      },
      (e) => {
        this.error = { code: e.code, message: e.message };
      },
    );
  }

  dispose(): void {
    this.#events.stop();
  }

  /** The player's call: another one than before starts an empty waveform. */
  follow(callId: string | null): void {
    if (callId === this.callId) return;
    this.callId = callId;
    this.segments = [];
  }

  apply(event: WaveformEvent): void {
    // Before the player said which call plays, the first events say it.
    if (this.callId === null) this.follow(event.callId);
    if (event.callId !== this.callId) return;
    const segments = this.segments.slice();
    const wave = segments[event.segment] ?? emptyWave(event.bucketSeconds);
    mergeBatch(wave, event);
    segments[event.segment] = wave;
    this.segments = segments;
  }

  /** Every segment that has started is done. */
  get complete(): boolean {
    return this.segments.length > 0 && this.segments.every((s) => s?.done === true);
  }
}
