// The Project screen's state: what the shell says about its configuration, and the live probe.
// A class with runes, so screens read plain properties and stay reactive.

import { commands, toCommandError, type AppInfo, type CommandError, type Commands } from '../ipc';
import type { ProbeState } from '../status';

export type InfoState =
  | { kind: 'loading' }
  | { kind: 'ready'; info: AppInfo }
  | { kind: 'failed'; error: CommandError };

export type ProjectApi = Pick<Commands, 'appInfo' | 'probeProject'>;

export class ProjectStore {
  info: InfoState = $state({ kind: 'loading' });
  probe: ProbeState = $state({ kind: 'checking' });
  /** When the last probe finished (epoch ms); null before the first answer. */
  checkedAt: number | null = $state(null);

  readonly #api: ProjectApi;
  #inFlight: Promise<void> | null = null;

  constructor(api: ProjectApi = commands) {
    this.#api = api;
  }

  /** The configured Supabase URL, once known. */
  get url(): string | null {
    return this.info.kind === 'ready' ? this.info.info.supabaseUrl : null;
  }

  /** True while a probe is running (reactive: derived from `probe`). */
  get busy(): boolean {
    return this.probe.kind === 'checking';
  }

  /** Reads `app_info`; a reload keeps showing the previous answer until the new one is in. */
  async loadInfo(): Promise<void> {
    if (this.info.kind !== 'ready') this.info = { kind: 'loading' };
    try {
      this.info = { kind: 'ready', info: await this.#api.appInfo() };
    } catch (err) {
      this.info = { kind: 'failed', error: toCommandError('app_info', err) };
    }
  }

  /** Reads the configuration again and probes: after a sign-in, which may have changed the project. */
  refresh(): Promise<void> {
    return Promise.all([this.loadInfo(), this.probeNow()]).then(() => undefined);
  }

  /** Probes the project; while a probe runs, further calls join it instead of starting another. */
  probeNow(): Promise<void> {
    if (this.#inFlight) return this.#inFlight;
    this.probe = { kind: 'checking' };
    const run = async (): Promise<void> => {
      try {
        this.probe = { kind: 'connected', status: await this.#api.probeProject() };
      } catch (err) {
        this.probe = { kind: 'failed', error: toCommandError('probe_project', err) };
      } finally {
        this.checkedAt = Date.now();
        this.#inFlight = null;
      }
    };
    this.#inFlight = run();
    return this.#inFlight;
  }
}
