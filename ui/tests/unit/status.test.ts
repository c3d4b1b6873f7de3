import { describe, expect, it } from 'vitest';
import { ClientCode, CommandError, type ProjectStatus } from '../../src/lib/ipc';
import { connectedLine, describeProbe, formatLatency, ProbeCode, type StatusView } from '../../src/lib/status';

const status: ProjectStatus = { authService: 'GoTrue', authVersion: 'v2.170.0', restReachable: true, latencyMs: 42 };

const failed = (code: string, message = `server said ${code}`) =>
  ({ kind: 'failed', error: new CommandError('probe_project', code, message) }) as const;

const hintText = (view: StatusView): string =>
  view.hint.map((part) => ('code' in part ? part.code : part.text)).join('');

describe('connected', () => {
  it('reads "Connected — GoTrue <version> · REST reachable · <latency> ms"', () => {
    expect(connectedLine(status)).toBe('Connected — GoTrue v2.170.0 · REST reachable · 42 ms');
    const view = describeProbe({ kind: 'connected', status });
    expect(view).toMatchObject({ tone: 'ok', code: null, detail: null, hint: [] });
    expect(view.title).toBe('Connected — GoTrue v2.170.0 · REST reachable · 42 ms');
  });

  it('rounds the latency and survives nonsense', () => {
    expect(formatLatency(41.6)).toBe('42 ms');
    expect(formatLatency(0)).toBe('0 ms');
    expect(formatLatency(Number.NaN)).toBe('? ms');
    expect(formatLatency(-3)).toBe('? ms');
  });

  it('warns when REST is not reachable', () => {
    const view = describeProbe({ kind: 'connected', status: { ...status, restReachable: false } });
    expect(view.tone).toBe('warn');
    expect(view.title).toBe('Connected — GoTrue v2.170.0 · REST not reachable · 42 ms');
    expect(hintText(view)).toMatch(/REST API did not answer/);
  });

  it('names GoTrue when the service name is empty, and omits an empty version', () => {
    expect(connectedLine({ ...status, authService: ' ', authVersion: '' })).toBe(
      'Connected — GoTrue · REST reachable · 42 ms',
    );
  });
});

describe('checking', () => {
  it('is pending, with no code', () => {
    expect(describeProbe({ kind: 'checking' })).toMatchObject({ tone: 'pending', code: null, title: 'Checking the project…' });
  });
});

describe('errors', () => {
  const url = 'https://abc.supabase.co';

  it('gives every known code its own title', () => {
    const codes = [...Object.values(ProbeCode), ClientCode.IpcUnavailable, 'something_new'];
    const titles = codes.map((code) => describeProbe(failed(code), url).title);
    expect(new Set(titles).size).toBe(codes.length);
    for (const code of codes) {
      const view = describeProbe(failed(code), url);
      expect(view.tone).toBe('error');
      expect(view.code).toBe(code);
      expect(view.hint.length).toBeGreaterThan(0);
    }
  });

  it('not_configured says how to configure, naming both variables and the demo', () => {
    const view = describeProbe(failed(ProbeCode.NotConfigured), null);
    expect(view.title).toBe('No Supabase project is configured');
    expect(view.hint).toContainEqual({ code: 'CALLREC_SUPABASE_URL' });
    expect(view.hint).toContainEqual({ code: 'CALLREC_SUPABASE_ANON_KEY' });
    expect(hintText(view)).toMatch(/run callrec demo/);
    expect(view.detail).toBeNull();
  });

  it('unreachable names the URL when known', () => {
    expect(describeProbe(failed(ProbeCode.Unreachable), url).title).toBe('Cannot reach the project');
    expect(hintText(describeProbe(failed(ProbeCode.Unreachable), url))).toContain(url);
    expect(hintText(describeProbe(failed(ProbeCode.Unreachable), null))).toContain('the project URL');
  });

  it('not_supabase points at CALLREC_SUPABASE_URL', () => {
    const view = describeProbe(failed(ProbeCode.NotSupabase), url);
    expect(view.title).toBe('This is not a Supabase project');
    expect(view.hint).toContainEqual({ code: 'CALLREC_SUPABASE_URL' });
  });

  it('server_error says it is usually temporary', () => {
    const view = describeProbe(failed(ProbeCode.ServerError), url);
    expect(view.title).toBe('The project reported a server error');
    expect(hintText(view)).toMatch(/temporary/);
  });

  it('keeps the shell’s message as detail, never as the title', () => {
    const view = describeProbe(failed(ProbeCode.Unreachable, 'tcp connect error: Connection refused'), url);
    expect(view.detail).toBe('tcp connect error: Connection refused');
    expect(view.title).not.toContain('refused');
  });

  it('an unknown code gets a generic title and keeps the message', () => {
    const view = describeProbe(failed('quota_exceeded', 'too many'), url);
    expect(view.title).toBe('Could not check the project');
    expect(view.detail).toBe('too many');
  });

  it('outside the app, points at dev:mock', () => {
    expect(hintText(describeProbe(failed(ClientCode.IpcUnavailable), null))).toContain('npm run dev:mock');
  });
});
