import { afterEach, describe, expect, it, vi } from 'vitest';
import { CommandError, type KeyringInfo, type SessionEvents, type SessionState, type SignInArgs } from '../../src/lib/ipc';
import { LAST_SIGN_IN_KEY, SessionStore, type KeyValueStore, type SessionApi } from '../../src/lib/stores/session.svelte';

const URL = 'https://abc.supabase.co';
const EMAIL = 'ana@agency.example';
const PASSWORD = 'correct horse battery staple';
const keyring: KeyringInfo = { backend: 'secret_service', persistent: true, warning: null };

const signedOut = (notice: SessionState['notice'] = null): SessionState => ({
  status: 'signedOut',
  user: null,
  notice,
  keyring,
});
const signedIn = (email = EMAIL, over: Partial<SessionState> = {}): SessionState => ({
  status: 'signedIn',
  user: { id: 'u1', email },
  notice: null,
  keyring,
  ...over,
});
const REVOKED = { code: 'session_revoked', message: 'You were signed out because your session was revoked.' };

function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

type Reply<T> = () => Promise<T>;

/** A scripted shell: each command answers with the next reply in its list (the last repeats). */
function fakeApi(script: { sessionState?: Reply<SessionState>[]; signIn?: Reply<SessionState>[]; signOut?: Reply<SessionState>[] }) {
  const calls: { cmd: string; args?: SignInArgs }[] = [];
  const next = <T>(cmd: string, replies: Reply<T>[] | undefined, fallback: Reply<T>): Promise<T> => {
    const n = calls.filter((c) => c.cmd === cmd).length - 1;
    const reply = replies?.[Math.min(n, replies.length - 1)] ?? fallback;
    return reply();
  };
  const api: SessionApi = {
    sessionState: () => {
      calls.push({ cmd: 'session_state' });
      return next('session_state', script.sessionState, () => Promise.resolve(signedOut()));
    },
    signIn: (args) => {
      calls.push({ cmd: 'sign_in', args });
      return next('sign_in', script.signIn, () => Promise.resolve(signedIn(args.email)));
    },
    signOut: () => {
      calls.push({ cmd: 'sign_out' });
      return next('sign_out', script.signOut, () => Promise.resolve(signedOut()));
    },
  };
  return { api, calls, count: (cmd: string) => calls.filter((c) => c.cmd === cmd).length };
}

/** An event source the test fires by hand. */
function fakeEvents() {
  const handlers = new Set<(state: SessionState) => void>();
  let unlistened = 0;
  const events: SessionEvents = {
    onSessionChanged: (handler) => {
      handlers.add(handler);
      return Promise.resolve(() => {
        unlistened += 1;
        handlers.delete(handler);
      });
    },
  };
  return {
    events,
    fire: (state: SessionState) => {
      for (const h of handlers) h(state);
    },
    listeners: () => handlers.size,
    unlistened: () => unlistened,
  };
}

function memoryStorage(initial: Record<string, string> = {}) {
  const data = new Map(Object.entries(initial));
  const storage: KeyValueStore & { dump: () => string } = {
    getItem: (key) => data.get(key) ?? null,
    setItem: (key, value) => {
      data.set(key, value);
    },
    dump: () => [...data].map(([k, v]) => `${k}=${v}`).join('\n'),
  };
  return storage;
}

const reject = (code: string, message = `mock ${code}`): Reply<SessionState> => () =>
  Promise.reject(new CommandError('sign_in', code, message));

const form = (over: Partial<{ url: string; anonKey: string; email: string; password: string }> = {}) => ({
  url: URL,
  anonKey: '',
  email: EMAIL,
  password: PASSWORD,
  ...over,
});

function makeStore(script: Parameters<typeof fakeApi>[0] = {}, storage = memoryStorage()) {
  const shell = fakeApi(script);
  const bus = fakeEvents();
  const store = new SessionStore({ api: shell.api, events: bus.events, storage });
  return { store, shell, bus, storage };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('launch', () => {
  it('is unknown until session_state answers', async () => {
    const pending = deferred<SessionState>();
    const { store } = makeStore({ sessionState: [() => pending.promise] });
    const loading = store.load();
    expect(store.status).toBe('unknown');
    expect(store.signedIn).toBe(false);
    pending.resolve(signedOut());
    await loading;
    expect(store.status).toBe('signedOut');
  });

  it.each([
    ['signedOut', signedOut(), false],
    ['signedIn', signedIn(), true],
    ['offline', signedIn(EMAIL, { status: 'offline' }), true],
  ] as const)('restores %s', async (status, state, isIn) => {
    const { store } = makeStore({ sessionState: [() => Promise.resolve(state)] });
    await store.load();
    expect(store.status).toBe(status);
    expect(store.signedIn).toBe(isIn);
    expect(store.user?.email ?? null).toBe(isIn ? EMAIL : null);
  });

  it('a failed session_state counts as signed out, with the error kept', async () => {
    const { store } = makeStore({
      sessionState: [() => Promise.reject(new CommandError('session_state', 'ipc_unavailable', 'no shell'))],
    });
    await store.load();
    expect(store.status).toBe('signedOut');
    expect(store.loadError?.code).toBe('ipc_unavailable');
  });

  it('maps a raw rejection to a CommandError', async () => {
    const { store } = makeStore({
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
      sessionState: [() => Promise.reject('command session_state not found')],
    });
    await store.load();
    expect(store.loadError).toBeInstanceOf(CommandError);
    expect(store.loadError?.code).toBe('ipc');
  });

  it('a session-changed event that arrives before the answer wins over it', async () => {
    const pending = deferred<SessionState>();
    const { store, bus } = makeStore({ sessionState: [() => pending.promise] });
    await store.listen();
    const loading = store.load();
    bus.fire(signedOut(REVOKED));
    pending.resolve(signedIn());
    await loading;
    expect(store.status).toBe('signedOut');
    expect(store.state?.notice).toEqual(REVOKED);
  });

  it('shows the keyring warning only when there is one', async () => {
    const warning = 'kept in the kernel keyring until you log out';
    const { store } = makeStore({
      sessionState: [() => Promise.resolve(signedIn(EMAIL, { keyring: { backend: 'keyutils', persistent: false, warning } }))],
    });
    expect(store.keyringWarning).toBeNull();
    await store.load();
    expect(store.keyringWarning).toBe(warning);
    const blank = makeStore({
      sessionState: [() => Promise.resolve(signedIn(EMAIL, { keyring: { ...keyring, warning: '  ' } }))],
    });
    await blank.store.load();
    expect(blank.store.keyringWarning).toBeNull();
  });
});

describe('session-changed', () => {
  it('signs out on an event, keeping the notice and the email of the user signed out', async () => {
    const { store, bus } = makeStore({ sessionState: [() => Promise.resolve(signedIn())] });
    await store.listen();
    await store.load();
    expect(store.signedIn).toBe(true);
    expect(store.previousEmail).toBeNull();

    bus.fire(signedOut(REVOKED));
    expect(store.status).toBe('signedOut');
    expect(store.signedIn).toBe(false);
    expect(store.user).toBeNull();
    expect(store.state?.notice).toEqual(REVOKED);
    expect(store.previousEmail).toBe(EMAIL);
  });

  it('follows events both ways', async () => {
    const { store, bus } = makeStore();
    await store.listen();
    await store.load();
    bus.fire(signedIn('other@x.example'));
    expect(store.user?.email).toBe('other@x.example');
    bus.fire(signedIn('other@x.example', { status: 'offline' }));
    expect(store.status).toBe('offline');
  });

  it('stops listening on dispose, also when dispose comes first', async () => {
    const { store, bus } = makeStore();
    await store.listen();
    expect(bus.listeners()).toBe(1);
    store.dispose();
    expect(bus.unlistened()).toBe(1);
    expect(bus.listeners()).toBe(0);
    store.dispose();
    expect(bus.unlistened()).toBe(1);

    const early = makeStore();
    const listening = early.store.listen();
    early.store.dispose();
    await listening;
    expect(early.bus.listeners()).toBe(0);
  });

  it('keeps working when listening fails', async () => {
    const store = new SessionStore({
      api: fakeApi({}).api,
      events: { onSessionChanged: () => Promise.reject(new Error('event.listen not allowed')) },
      storage: null,
    });
    await store.listen();
    expect(store.listenError?.message).toBe('event.listen not allowed');
    await store.load();
    expect(store.status).toBe('signedOut');
  });
});

describe('submit', () => {
  it('signs in, remembers the email and its project, never the password', async () => {
    const { store, shell, storage } = makeStore();
    await store.load();
    expect(await store.submit(form(), URL)).toBe(true);
    expect(shell.calls.at(-1)).toEqual({ cmd: 'sign_in', args: { email: EMAIL, password: PASSWORD } });
    expect(store.status).toBe('signedIn');
    expect(store.error).toBeNull();
    expect(JSON.parse(storage.getItem(LAST_SIGN_IN_KEY) ?? 'null')).toEqual({ url: URL, email: EMAIL });
    expect(store.lastSignIn).toEqual({ url: URL, email: EMAIL });
    expect(storage.dump()).not.toContain(PASSWORD);
  });

  it('remembers the new project when the URL changed', async () => {
    const { store, shell, storage } = makeStore();
    await store.submit(form({ url: 'https://xyz.supabase.co', anonKey: 'k' }), URL);
    expect(shell.calls.at(-1)?.args).toEqual({
      email: EMAIL,
      password: PASSWORD,
      supabaseUrl: 'https://xyz.supabase.co',
      anonKey: 'k',
    });
    expect(JSON.parse(storage.getItem(LAST_SIGN_IN_KEY) ?? 'null')).toEqual({ url: 'https://xyz.supabase.co', email: EMAIL });
  });

  it('reads the remembered email at start, and survives junk in storage', () => {
    const good = memoryStorage({ [LAST_SIGN_IN_KEY]: JSON.stringify({ url: URL, email: EMAIL }) });
    expect(new SessionStore({ api: fakeApi({}).api, events: fakeEvents().events, storage: good }).lastSignIn).toEqual({
      url: URL,
      email: EMAIL,
    });
    for (const junk of ['{', 'null', '42', '{"email":""}', '{"url":"x"}', '[]']) {
      const storage = memoryStorage({ [LAST_SIGN_IN_KEY]: junk });
      expect(new SessionStore({ api: fakeApi({}).api, events: fakeEvents().events, storage }).lastSignIn).toBeNull();
    }
    const throwing: KeyValueStore = {
      getItem: () => {
        throw new Error('SecurityError');
      },
      setItem: () => {
        throw new Error('QuotaExceededError');
      },
    };
    const store = new SessionStore({ api: fakeApi({}).api, events: fakeEvents().events, storage: throwing });
    expect(store.lastSignIn).toBeNull();
    return expect(store.submit(form(), URL)).resolves.toBe(true);
  });

  it('keeps a failure as a CommandError, and the next attempt clears it', async () => {
    const { store } = makeStore({ signIn: [reject('invalid_credentials'), () => Promise.resolve(signedIn())] });
    expect(await store.submit(form(), URL)).toBe(false);
    expect(store.error).toBeInstanceOf(CommandError);
    expect(store.error?.code).toBe('invalid_credentials');
    expect(store.errorUrl).toBe(URL);
    expect(store.signingIn).toBe(false);
    expect(store.status).toBe('unknown');
    expect(await store.submit(form(), URL)).toBe(true);
    expect(store.error).toBeNull();
  });

  it('sends nothing while a field is missing', async () => {
    const { store, shell } = makeStore();
    expect(await store.submit(form({ password: '' }), URL)).toBe(false);
    expect(store.error?.code).toBe('missing_password');
    expect(await store.submit(form({ url: '' }), null)).toBe(false);
    expect(store.error?.code).toBe('missing_url');
    expect(shell.count('sign_in')).toBe(0);
  });

  it('runs one attempt at a time', async () => {
    const pending = deferred<SessionState>();
    const { store, shell } = makeStore({ signIn: [() => pending.promise] });
    const first = store.submit(form(), URL);
    expect(store.signingIn).toBe(true);
    expect(await store.submit(form(), URL)).toBe(false);
    expect(shell.count('sign_in')).toBe(1);
    pending.resolve(signedIn());
    expect(await first).toBe(true);
    expect(store.signingIn).toBe(false);
  });

  it('treats a signed-out answer as a failure', async () => {
    const { store } = makeStore({ signIn: [() => Promise.resolve(signedOut())] });
    expect(await store.submit(form(), URL)).toBe(false);
    expect(store.error?.code).toBe('not_signed_in');
    expect(store.lastSignIn).toBeNull();
  });
});

describe('rate limit countdown', () => {
  it('counts the wait down each second and blocks attempts until it ends', async () => {
    vi.useFakeTimers();
    const { store, shell } = makeStore({
      signIn: [reject('rate_limited', 'Too many sign-in attempts; try again in 3 s'), () => Promise.resolve(signedIn())],
    });
    expect(await store.submit(form(), URL)).toBe(false);
    expect(store.waitSeconds).toBe(3);

    await vi.advanceTimersByTimeAsync(1000);
    expect(store.waitSeconds).toBe(2);
    expect(await store.submit(form(), URL)).toBe(false);
    expect(shell.count('sign_in')).toBe(1);
    expect(store.error?.code).toBe('rate_limited');

    await vi.advanceTimersByTimeAsync(1000);
    expect(store.waitSeconds).toBe(1);
    await vi.advanceTimersByTimeAsync(1000);
    expect(store.waitSeconds).toBe(0);
    expect(vi.getTimerCount()).toBe(0);

    expect(await store.submit(form(), URL)).toBe(true);
    expect(shell.count('sign_in')).toBe(2);
  });

  it('does not count without a readable wait', async () => {
    vi.useFakeTimers();
    const { store } = makeStore({ signIn: [reject('rate_limited', 'rate limit exceeded')] });
    await store.submit(form(), URL);
    expect(store.error?.code).toBe('rate_limited');
    expect(store.waitSeconds).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('stops when the session signs in meanwhile, and on dispose', async () => {
    vi.useFakeTimers();
    const { store, bus } = makeStore({ signIn: [reject('rate_limited', 'try again in 30 s')] });
    await store.listen();
    await store.submit(form(), URL);
    expect(store.waitSeconds).toBe(30);
    bus.fire(signedIn());
    expect(store.waitSeconds).toBe(0);
    expect(store.error).toBeNull();
    expect(vi.getTimerCount()).toBe(0);

    const other = makeStore({ signIn: [reject('rate_limited', 'try again in 30 s')] });
    await other.store.submit(form(), URL);
    other.store.dispose();
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('signOut', () => {
  it('signs out and remembers who it was', async () => {
    const { store, shell } = makeStore({ sessionState: [() => Promise.resolve(signedIn())] });
    await store.load();
    await store.signOut();
    expect(shell.count('sign_out')).toBe(1);
    expect(store.status).toBe('signedOut');
    expect(store.previousEmail).toBe(EMAIL);
    expect(store.signingOut).toBe(false);
  });

  it('stays signed in when sign_out fails, with the error', async () => {
    const { store } = makeStore({
      sessionState: [() => Promise.resolve(signedIn())],
      signOut: [() => Promise.reject(new CommandError('sign_out', 'keyring_unavailable', 'locked'))],
    });
    await store.load();
    await store.signOut();
    expect(store.status).toBe('signedIn');
    expect(store.signOutError?.code).toBe('keyring_unavailable');
  });

  it('ignores a second click while signing out', async () => {
    const pending = deferred<SessionState>();
    const { store, shell } = makeStore({ signOut: [() => pending.promise] });
    const first = store.signOut();
    expect(store.signingOut).toBe(true);
    await store.signOut();
    expect(shell.count('sign_out')).toBe(1);
    pending.resolve(signedOut());
    await first;
  });
});
