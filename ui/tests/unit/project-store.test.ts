import { describe, expect, it } from 'vitest';
import { CommandError, type AppInfo, type ProjectStatus } from '../../src/lib/ipc';
import { ProjectStore, type ProjectApi } from '../../src/lib/stores/project.svelte';

const info: AppInfo = {
  version: '0.1.0',
  demo: false,
  supabaseUrl: 'https://abc.supabase.co',
  functionsUrl: null,
  demoEmail: null,
  dataDir: '/tmp/callrec',
};
const status: ProjectStatus = { authService: 'GoTrue', authVersion: 'v2.1.0', restReachable: true, latencyMs: 5 };

function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

function fakeApi(probes: (() => Promise<ProjectStatus>)[], appInfo: () => Promise<AppInfo> = () => Promise.resolve(info)) {
  let n = 0;
  const api: ProjectApi & { probeCalls: () => number } = {
    appInfo,
    probeProject: () => {
      const next = probes[Math.min(n, probes.length - 1)];
      n += 1;
      if (!next) throw new Error('no probe scripted');
      return next();
    },
    probeCalls: () => n,
  };
  return api;
}

describe('ProjectStore', () => {
  it('loads app info', async () => {
    const store = new ProjectStore(fakeApi([() => Promise.resolve(status)]));
    expect(store.info.kind).toBe('loading');
    await store.loadInfo();
    expect(store.info).toEqual({ kind: 'ready', info });
    expect(store.url).toBe('https://abc.supabase.co');
  });

  it('keeps an app_info failure as a CommandError', async () => {
    const store = new ProjectStore(
      fakeApi([() => Promise.resolve(status)], () => Promise.reject(new CommandError('app_info', 'x', 'broken'))),
    );
    await store.loadInfo();
    expect(store.info.kind).toBe('failed');
    expect(store.url).toBeNull();
  });

  it('probes, then probes again on retry', async () => {
    const api = fakeApi([
      () => Promise.reject(new CommandError('probe_project', 'unreachable', 'refused')),
      () => Promise.resolve(status),
    ]);
    const store = new ProjectStore(api);
    expect(store.checkedAt).toBeNull();
    await store.probeNow();
    expect(store.probe).toMatchObject({ kind: 'failed', error: { code: 'unreachable' } });
    expect(store.checkedAt).not.toBeNull();
    await store.probeNow();
    expect(store.probe).toEqual({ kind: 'connected', status });
    expect(api.probeCalls()).toBe(2);
  });

  it('maps a raw rejection to a CommandError', async () => {
    const store = new ProjectStore(fakeApi([() => Promise.reject(new Error('raw'))]));
    await store.probeNow();
    expect(store.probe.kind === 'failed' && store.probe.error).toBeInstanceOf(CommandError);
  });

  it('joins a probe already running instead of starting another', async () => {
    const pending = deferred<ProjectStatus>();
    const api = fakeApi([() => pending.promise]);
    const store = new ProjectStore(api);
    const first = store.probeNow();
    const second = store.probeNow();
    expect(store.busy).toBe(true);
    expect(api.probeCalls()).toBe(1);
    pending.resolve(status);
    await Promise.all([first, second]);
    expect(store.busy).toBe(false);
    expect(store.probe.kind).toBe('connected');
  });
});
