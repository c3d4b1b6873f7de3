// The webview's localStorage for what the UI itself remembers (review settings, the review
// queue), behind a small interface so the stores' unit tests can hand them a fake.

export interface KeyValueStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/** localStorage, or null where there is none (unit tests, or storage refused). */
export function browserStorage(): KeyValueStorage | null {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage;
  } catch {
    return null;
  }
}

/** Writes an entry; a full or refused storage only loses it after the app closes. */
export function store(storage: KeyValueStorage | null, key: string, value: string | null): void {
  try {
    if (value === null) storage?.removeItem(key);
    else storage?.setItem(key, value);
  } catch {
    // Kept in memory only.
  }
}
