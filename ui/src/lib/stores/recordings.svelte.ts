// One call's recordings (issue 5): asked of the shell when the detail opens and on Refresh. An
// answer for an older request (a quick Refresh, another call) is dropped.

import type { Recording } from '../bindings/Recording';
import { commands, toCommandError, type CommandError } from '../ipc';

export interface RecordingsApi {
  callRecordings(callId: string): Promise<Recording>;
}

export type RecordingsStatus = 'idle' | 'loading' | 'ready' | 'error';

export class RecordingsStore {
  status: RecordingsStatus = $state('idle');
  recording: Recording | null = $state.raw(null);
  error: CommandError | null = $state(null);

  readonly #api: RecordingsApi;
  #seq = 0;

  constructor(api: RecordingsApi = { callRecordings: commands.callRecordings }) {
    this.#api = api;
  }

  /** Asks for the call's recordings; what is shown stays until the answer (a refresh does not blank). */
  async load(callId: string): Promise<void> {
    this.#seq += 1;
    const seq = this.#seq;
    this.status = 'loading';
    this.error = null;
    if (this.recording && this.recording.callId !== callId) this.recording = null;
    try {
      const recording = await this.#api.callRecordings(callId);
      if (seq !== this.#seq) return;
      this.recording = recording;
      this.status = 'ready';
    } catch (err) {
      if (seq !== this.#seq) return;
      this.error = toCommandError('call_recordings', err);
      this.status = 'error';
    }
  }
}
