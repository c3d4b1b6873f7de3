// The player bar's state (issue 6): what the Rust player says on the `watch_player` channel, and
// the controls the UI sends. Speed, volume and channel mode change here at once (so repeated
// `]` presses step from the new speed) and are then confirmed by the player's `state` event.

import { ChannelWatch, commands, toCommandError, type Unlisten } from '../ipc';
import { mark } from '../marks';
import type { ChannelMode, PlayerControl, PlayerEvent, PlayState, SegmentInfo } from '../player';

export interface PlayerApi {
  playCall(callId: string, from: number | null): Promise<unknown>;
  playerControl(control: PlayerControl): Promise<unknown>;
  watchPlayer(handler: (event: PlayerEvent) => void): Promise<Unlisten>;
}

import type { Latency } from '../bindings/Latency';

export class PlayerStore {
  /** The call asked to play; null until one is. The bar shows from then on. */
  callId: string | null = $state(null);
  /** What is shown for the call (e.g. its date), for the bar's label. */
  title = $state('');
  loading = $state(false);
  duration = $state(0);
  segments: SegmentInfo[] = $state.raw([]);
  position = $state(0);
  segment = $state(-1);
  state: PlayState = $state('idle');
  speed = $state(1);
  volume = $state(1);
  channelMode: ChannelMode = $state('both');
  /** The last `error` event, or a failed command. */
  error: { code: string; message: string } | null = $state(null);
  /** A drag on the scrubber: the thumb follows the pointer, not the position events. */
  scrubbing: number | null = $state(null);
  /** The agent's response latencies measured for a call (the turns panel), marked on its scrubber. */
  latencies: { callId: string; marks: Latency[] } | null = $state.raw(null);

  readonly #api: PlayerApi;
  /** Where the call asked to play starts, until it is loaded (the previous call's position
   *  events until then are not its audio). */
  #loading: number | null = null;
  /** Where the loaded call starts, until its first audio is handed to the output. */
  #awaitingAudio: number | null = null;
  // Not rendered: who is told when a call ends (the review queue).
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  readonly #endedHandlers = new Set<(callId: string | null) => void>();
  /** Who waits for the call asked for to be heard (or to fail): see `audible`. */
  #audibleWaiters: (() => void)[] = [];
  readonly #events = new ChannelWatch<PlayerEvent>('watch_player', (handler) => this.#api.watchPlayer(handler));

  constructor(api?: PlayerApi) {
    this.#api = api ?? {
      playCall: commands.playCall,
      playerControl: commands.playerControl,
      watchPlayer: commands.watchPlayer,
    };
  }

  get playing(): boolean {
    return this.state === 'playing';
  }

  /** Subscribes to the player's events (once). */
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

  /** Calls `handler` with the call's id each time the player says a call ended; returns a stop. */
  onEnded(handler: (callId: string | null) => void): () => void {
    this.#endedHandlers.add(handler);
    return () => {
      this.#endedHandlers.delete(handler);
    };
  }

  apply(event: PlayerEvent): void {
    switch (event.type) {
      case 'loaded':
        mark('callrec:loaded');
        this.duration = event.duration;
        this.segments = event.segments;
        this.loading = false;
        if (this.#loading !== null) {
          // The call just asked for, at its start.
          this.position = 0;
          this.segment = event.segments.length > 0 ? 0 : -1;
          this.#awaitingAudio = this.#loading;
          this.#loading = null;
        } else {
          // The same call laid out again (its exact lengths found while it plays): the place
          // and the wait for its first audio stay.
          this.segment = Math.min(this.segment, event.segments.length - 1);
        }
        break;
      case 'position':
        this.position = event.position;
        this.segment = event.segment;
        if (this.#awaitingAudio !== null && this.state === 'playing' && event.position > this.#awaitingAudio) {
          this.#awaitingAudio = null;
          mark('callrec:first-audio');
          this.#settleAudible();
        }
        break;
      case 'state':
        this.state = event.state;
        this.speed = event.speed;
        this.volume = event.volume;
        this.channelMode = event.channelMode;
        if (event.state === 'playing') this.error = null;
        break;
      case 'ended':
        this.state = 'ended';
        for (const handler of this.#endedHandlers) handler(this.callId);
        break;
      case 'error':
        this.error = { code: event.code, message: event.message };
        this.loading = false;
        this.#settleAudible();
        break;
    }
  }

  /**
   * Resolves once the call last asked for is heard, fails, or gives way to another; at once when
   * nothing is awaited. The workspace renders the call's pane after it: under the isolation
   * pattern a command leaves the page a few tasks after `invoke`, and a render queued first
   * holds it, and the first audio's events, behind it.
   */
  audible(): Promise<void> {
    if (this.#loading === null && this.#awaitingAudio === null) return Promise.resolve();
    return new Promise((resolve) => this.#audibleWaiters.push(resolve));
  }

  #settleAudible(): void {
    for (const resolve of this.#audibleWaiters.splice(0)) resolve();
  }

  async play(callId: string, title: string, from: number | null = null): Promise<void> {
    // Awaited only the first time: once subscribed, the command is on its way in this task.
    if (!this.#events.subscribed) await this.start();
    this.#settleAudible();
    this.callId = callId;
    this.title = title;
    this.error = null;
    this.loading = true;
    this.#loading = from ?? 0;
    this.#awaitingAudio = null;
    mark('callrec:play');
    try {
      await this.#api.playCall(callId, from);
      mark('callrec:play-answered');
    } catch (err) {
      const e = toCommandError('play_call', err);
      this.error = { code: e.code, message: e.message };
      this.#settleAudible();
    } finally {
      this.loading = false;
    }
  }

  /** `seconds` into `callId`: a seek when it is the call loaded, else the call plays from there. */
  async playAt(callId: string, title: string, seconds: number): Promise<void> {
    if (this.callId === callId) await this.send({ type: 'seek', seconds });
    else await this.play(callId, title, seconds);
  }

  async send(control: PlayerControl): Promise<void> {
    if (control.type === 'speed') this.speed = control.value;
    if (control.type === 'volume') this.volume = control.value;
    if (control.type === 'channelMode') this.channelMode = control.mode;
    try {
      await this.#api.playerControl(control);
    } catch (err) {
      const e = toCommandError('player_control', err);
      this.error = { code: e.code, message: e.message };
    }
  }
}
