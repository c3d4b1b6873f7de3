// The settings dialog's state (issue 6): the output device the player uses and the speed it
// starts at, both kept by the shell in the data dir. The device list comes from the system
// each time the dialog opens (a headset may have been plugged in since).

import { commands, toCommandError } from '../ipc';
import type { PlayerPreferences } from '../bindings/PlayerPreferences';

export interface SettingsApi {
  playerPreferences(): Promise<PlayerPreferences>;
  setOutputDevice(name: string | null): Promise<unknown>;
}

/** One choice in the device menu; `value` null is the system default. */
export interface DeviceChoice {
  value: string | null;
  label: string;
}

/**
 * The menu: the system default first, then the devices there are, then the saved device when
 * it is not connected now (so the reviewer sees what was chosen, and why it is not used).
 */
export function deviceChoices(preferences: PlayerPreferences | null): DeviceChoice[] {
  const choices: DeviceChoice[] = [{ value: null, label: 'System default' }];
  if (!preferences) return choices;
  for (const name of preferences.devices) {
    if (choices.some((c) => c.value === name)) continue;
    choices.push({ value: name, label: name });
  }
  const saved = preferences.outputDevice;
  if (saved !== null && !choices.some((c) => c.value === saved)) {
    choices.push({ value: saved, label: `${saved} (not connected: the default plays)` });
  }
  return choices;
}

export class SettingsStore {
  preferences: PlayerPreferences | null = $state.raw(null);
  loading = $state(false);
  saving = $state(false);
  error: { code: string; message: string } | null = $state(null);

  readonly #api: SettingsApi;

  constructor(api?: SettingsApi) {
    this.#api = api ?? {
      playerPreferences: commands.playerPreferences,
      setOutputDevice: commands.setOutputDevice,
    };
  }

  get choices(): DeviceChoice[] {
    return deviceChoices(this.preferences);
  }

  async load(): Promise<void> {
    this.loading = true;
    this.error = null;
    try {
      this.preferences = await this.#api.playerPreferences();
    } catch (err) {
      const e = toCommandError('player_preferences', err);
      this.error = { code: e.code, message: e.message };
    } finally {
      this.loading = false;
    }
  }

  /** Switches the output; the menu shows the new choice only once the shell took it. */
  async chooseDevice(name: string | null): Promise<void> {
    if (!this.preferences || this.preferences.outputDevice === name) return;
    this.saving = true;
    this.error = null;
    try {
      await this.#api.setOutputDevice(name);
      this.preferences = { ...this.preferences, outputDevice: name };
    } catch (err) {
      const e = toCommandError('set_output_device', err);
      this.error = { code: e.code, message: e.message };
    } finally {
      this.saving = false;
    }
  }
}
