import { describe, expect, it, vi } from 'vitest';
import type { PlayerPreferences } from '../../src/lib/bindings/PlayerPreferences';
import { deviceChoices, SettingsStore, type SettingsApi } from '../../src/lib/stores/settings.svelte';

const prefs = (over: Partial<PlayerPreferences> = {}): PlayerPreferences => ({
  speed: 1.5,
  outputDevice: null,
  devices: ['Built-in Audio', 'USB Headset'],
  ...over,
});

function api(over: Partial<SettingsApi> = {}) {
  const playerPreferences = vi.fn(() => Promise.resolve(prefs()));
  const setOutputDevice = vi.fn<SettingsApi['setOutputDevice']>(() => Promise.resolve(null));
  const a: SettingsApi = { playerPreferences, setOutputDevice, ...over };
  return { a, setOutputDevice };
}

describe('deviceChoices', () => {
  it('offers the system default first, then each device once', () => {
    expect(deviceChoices(prefs({ devices: ['A', 'B', 'A'] }))).toEqual([
      { value: null, label: 'System default' },
      { value: 'A', label: 'A' },
      { value: 'B', label: 'B' },
    ]);
  });

  it('keeps a saved device that is not connected, saying so', () => {
    const choices = deviceChoices(prefs({ outputDevice: 'Desk Speakers', devices: ['A'] }));
    expect(choices.map((c) => c.value)).toEqual([null, 'A', 'Desk Speakers']);
    expect(choices[2]?.label).toMatch(/not connected/);
  });

  it('has only the default before the preferences are known', () => {
    expect(deviceChoices(null)).toEqual([{ value: null, label: 'System default' }]);
  });
});

describe('SettingsStore', () => {
  it('loads the preferences and switches the device through the shell', async () => {
    const { a, setOutputDevice } = api();
    const store = new SettingsStore(a);
    await store.load();
    expect(store.preferences?.speed).toBe(1.5);
    await store.chooseDevice('USB Headset');
    expect(setOutputDevice).toHaveBeenCalledWith('USB Headset');
    expect(store.preferences?.outputDevice).toBe('USB Headset');
    // The same choice again sends nothing.
    await store.chooseDevice('USB Headset');
    expect(setOutputDevice).toHaveBeenCalledTimes(1);
    await store.chooseDevice(null);
    expect(setOutputDevice).toHaveBeenLastCalledWith(null);
    expect(store.preferences?.outputDevice).toBeNull();
  });

  it('keeps the old choice and shows the error when the shell refuses', async () => {
    const { a } = api({
      // The shell rejects with its IpcError value, not an Error.
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
      setOutputDevice: vi.fn(() => Promise.reject({ code: 'invalid_device', message: 'not a device name' })),
    });
    const store = new SettingsStore(a);
    await store.load();
    await store.chooseDevice('USB Headset');
    expect(store.preferences?.outputDevice).toBeNull();
    expect(store.error).toEqual({ code: 'invalid_device', message: 'not a device name' });
    expect(store.saving).toBe(false);
  });

  it('says why the preferences could not be read', async () => {
    const { a } = api({
      // Tauri's own rejection is a plain string.
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
      playerPreferences: vi.fn(() => Promise.reject('command player_preferences not found')),
    });
    const store = new SettingsStore(a);
    await store.load();
    expect(store.preferences).toBeNull();
    expect(store.error?.message).toMatch(/not found/);
    expect(store.loading).toBe(false);
  });
});
