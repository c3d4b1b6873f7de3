import { emit } from '@tauri-apps/api/event';
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  call,
  ClientCode,
  CommandError,
  commands,
  isIpcError,
  isSessionState,
  onOpenCall,
  onSessionChanged,
  openCallAt,
  openCallId,
  toCommandError,
  type SessionState,
} from '../../src/lib/ipc';

// mockIPC and invoke work on `window`; in Node the global object stands in for it.
beforeAll(() => {
  (globalThis as { window?: unknown }).window = globalThis;
});

afterEach(() => {
  clearMocks();
  delete (globalThis as { __TAURI_INTERNALS__?: unknown }).__TAURI_INTERNALS__;
});

describe('isIpcError', () => {
  it('accepts { code, message }', () => {
    expect(isIpcError({ code: 'unreachable', message: 'no route' })).toBe(true);
    expect(isIpcError({ code: 'x', message: '', extra: 1 })).toBe(true);
  });

  it.each([
    ['null', null],
    ['undefined', undefined],
    ['a string', 'unreachable'],
    ['a number', 42],
    ['an array', ['code', 'message']],
    ['no code', { message: 'm' }],
    ['an empty code', { code: '', message: 'm' }],
    ['a numeric code', { code: 500, message: 'm' }],
    ['no message', { code: 'x' }],
  ])('rejects %s', (_name, value) => {
    expect(isIpcError(value)).toBe(false);
  });
});

describe('toCommandError', () => {
  it('keeps the code and message of an IpcError', () => {
    const err = toCommandError('probe_project', { code: 'not_supabase', message: 'no GoTrue at /auth/v1' });
    expect(err).toBeInstanceOf(CommandError);
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe('CommandError');
    expect(err.code).toBe('not_supabase');
    expect(err.message).toBe('no GoTrue at /auth/v1');
    expect(err.command).toBe('probe_project');
  });

  it('falls back to the code when an IpcError has an empty message', () => {
    expect(toCommandError('app_info', { code: 'server_error', message: '' }).message).toBe('server_error');
  });

  it('keeps a code even when the message is missing', () => {
    const err = toCommandError('probe_project', { code: 'unreachable' });
    expect(err.code).toBe('unreachable');
    expect(err.message).toBe('probe_project failed (unreachable)');
  });

  it('maps a plain string (Tauri’s own rejections) to code "ipc"', () => {
    const err = toCommandError('probe_project', '  command probe_project not found ');
    expect(err.code).toBe(ClientCode.Ipc);
    expect(err.message).toBe('command probe_project not found');
  });

  it('gives an empty string a readable message', () => {
    expect(toCommandError('app_info', '').message).toBe('app_info failed');
  });

  it('clips very long strings', () => {
    const err = toCommandError('app_info', 'x'.repeat(5000));
    expect(err.message.length).toBeLessThanOrEqual(301);
    expect(err.message.endsWith('…')).toBe(true);
  });

  it('maps a thrown Error to code "ipc" with its message', () => {
    const err = toCommandError('app_info', new TypeError('boom'));
    expect(err.code).toBe(ClientCode.Ipc);
    expect(err.message).toBe('boom');
  });

  it.each([
    ['null', null],
    ['undefined', undefined],
    ['a number', 42],
    ['a boolean', false],
    ['an empty object', {}],
    ['an array', [1, 2]],
    ['a numeric code', { code: 503, message: 'x' }],
    ['an empty code', { code: '', message: 'x' }],
  ])('maps garbage (%s) to code "unknown"', (_name, value) => {
    const err = toCommandError('probe_project', value);
    expect(err).toBeInstanceOf(CommandError);
    expect(err.code).toBe(ClientCode.Unknown);
    expect(err.message).toBe('probe_project failed with an unexpected error');
  });

  it('passes a CommandError through unchanged', () => {
    const original = new CommandError('app_info', 'x', 'y');
    expect(toCommandError('probe_project', original)).toBe(original);
  });
});

describe('call', () => {
  it('resolves with the command’s value and passes the arguments', async () => {
    const seen: unknown[] = [];
    mockIPC((cmd, args) => {
      seen.push([cmd, args]);
      return { ok: true };
    });
    await expect(call('some_command', { id: 7 })).resolves.toEqual({ ok: true });
    expect(seen).toEqual([['some_command', { id: 7 }]]);
  });

  it('rejects with a CommandError built from an IpcError', async () => {
    mockIPC(() => {
      // What Tauri does with a command's Err(IpcError): the serialized object is the rejection.
      // eslint-disable-next-line @typescript-eslint/only-throw-error
      throw { code: 'unreachable', message: 'connection refused' };
    });
    const err = await call('probe_project').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CommandError);
    expect(err).toMatchObject({ code: 'unreachable', message: 'connection refused', command: 'probe_project' });
  });

  it('rejects with code "ipc" for an Error or a string rejection', async () => {
    mockIPC(() => Promise.reject(new Error('not allowed')));
    await expect(call('app_info')).rejects.toMatchObject({ code: ClientCode.Ipc, message: 'not allowed' });
    mockIPC(() => {
      // eslint-disable-next-line @typescript-eslint/only-throw-error
      throw 'invalid args `id` for command `x`';
    });
    await expect(call('app_info')).rejects.toMatchObject({
      code: ClientCode.Ipc,
      message: 'invalid args `id` for command `x`',
    });
  });

  it('rejects with code "unknown" for garbage', async () => {
    mockIPC(() => {
      // eslint-disable-next-line @typescript-eslint/only-throw-error
      throw 12345;
    });
    await expect(call('app_info')).rejects.toMatchObject({ code: ClientCode.Unknown });
  });

  it('rejects with code "ipc_unavailable" outside the app', async () => {
    await expect(call('app_info')).rejects.toMatchObject({ code: ClientCode.IpcUnavailable });
  });
});

describe('commands', () => {
  it('invoke the shell’s command names', async () => {
    const names: string[] = [];
    mockIPC((cmd) => {
      names.push(cmd);
      return cmd === 'app_info' ? { version: '0.1.0' } : { latencyMs: 1 };
    });
    await commands.appInfo();
    await commands.probeProject();
    expect(names).toEqual(['app_info', 'probe_project']);
  });

  it('invoke the session commands, with sign_in’s arguments as given', async () => {
    const seen: unknown[] = [];
    mockIPC((cmd, args) => {
      seen.push([cmd, args]);
      return signedOut;
    });
    await commands.sessionState();
    await commands.signIn({ email: 'a@b.example', password: 'pw' });
    await commands.signIn({ supabaseUrl: 'https://x.supabase.co', anonKey: 'k', email: 'a@b.example', password: 'pw' });
    await commands.signOut();
    expect(seen).toEqual([
      ['session_state', {}],
      ['sign_in', { email: 'a@b.example', password: 'pw' }],
      ['sign_in', { supabaseUrl: 'https://x.supabase.co', anonKey: 'k', email: 'a@b.example', password: 'pw' }],
      ['sign_out', {}],
    ]);
  });

  it('sign_in rejects with the shell’s code', async () => {
    mockIPC(() => {
      // eslint-disable-next-line @typescript-eslint/only-throw-error
      throw { code: 'rate_limited', message: 'Too many sign-in attempts; try again in 37 s' };
    });
    await expect(commands.signIn({ email: 'a@b.example', password: 'pw' })).rejects.toMatchObject({
      code: 'rate_limited',
      command: 'sign_in',
    });
  });
});

const signedOut: SessionState = {
  status: 'signedOut',
  user: null,
  notice: { code: 'session_revoked', message: 'revoked' },
  keyring: { backend: 'secret_service', persistent: true, warning: null },
};

describe('isSessionState', () => {
  it('accepts each status', () => {
    expect(isSessionState(signedOut)).toBe(true);
    expect(isSessionState({ ...signedOut, status: 'signedIn', user: { id: '1', email: 'a@b' } })).toBe(true);
    expect(isSessionState({ ...signedOut, status: 'offline' })).toBe(true);
  });

  it.each([
    ['null', null],
    ['a string', 'signedOut'],
    ['an unknown status', { ...signedOut, status: 'expired' }],
    ['no keyring', { status: 'signedOut', user: null, notice: null }],
  ])('rejects %s', (_name, value) => {
    expect(isSessionState(value)).toBe(false);
  });
});

describe('onSessionChanged', () => {
  it('delivers session-changed payloads until unlistened, dropping anything else', async () => {
    mockIPC(() => undefined, { shouldMockEvents: true });
    const got: SessionState[] = [];
    const unlisten = await onSessionChanged((state) => got.push(state));
    await emit('session-changed', signedOut);
    await emit('session-changed', { status: 'nonsense' });
    await emit('other-event', signedOut);
    expect(got).toEqual([signedOut]);
    unlisten();
    unlisten();
    await emit('session-changed', signedOut);
    expect(got).toHaveLength(1);
  });

  it('is a no-op outside the app', async () => {
    const unlisten = await onSessionChanged(() => undefined);
    expect(() => {
      unlisten();
    }).not.toThrow();
  });
});

describe('open-call', () => {
  it('reads the call id from { callId }, and nothing else', () => {
    expect(openCallId({ callId: ' abc ' })).toBe('abc');
    expect(openCallId({ callId: '' })).toBeNull();
    expect(openCallId({ callId: 42 })).toBeNull();
    expect(openCallId({ id: 'abc' })).toBeNull();
    expect(openCallId('abc')).toBeNull();
    expect(openCallId(null)).toBeNull();
    expect(openCallAt({ callId: 'abc', at: 83.5 })).toBe(83.5);
    expect(openCallAt({ callId: 'abc', at: null })).toBeNull();
    expect(openCallAt({ callId: 'abc', at: -1 })).toBeNull();
    expect(openCallAt({ callId: 'abc', at: '83' })).toBeNull();
    expect(openCallAt({ callId: 'abc' })).toBeNull();
  });

  it('delivers open-call ids until unlistened, dropping malformed payloads', async () => {
    mockIPC(() => undefined, { shouldMockEvents: true });
    const got: string[] = [];
    const unlisten = await onOpenCall((id) => got.push(id));
    await emit('open-call', { callId: 'c1' });
    await emit('open-call', { call_id: 'c2' });
    await emit('session-changed', { callId: 'c3' });
    expect(got).toEqual(['c1']);
    unlisten();
    await emit('open-call', { callId: 'c4' });
    expect(got).toEqual(['c1']);
  });
});

describe('listCalls', () => {
  it('sends the query and the cursor as list_calls arguments', async () => {
    const seen: { cmd: string; args: unknown }[] = [];
    mockIPC((cmd, args) => {
      seen.push({ cmd, args });
      return { rows: [], next: null, total: 0, skipped: 0, source: 'remote' };
    });
    const query = {
      sort: 'dateDesc' as const,
      since: null,
      until: null,
      hasRecording: true,
      direction: null,
      status: null,
      search: 'x',
      limit: 200,
      downloaded: null,
      review: null,
    };
    const page = await commands.listCalls(query, null);
    expect(page.total).toBe(0);
    expect(seen).toEqual([{ cmd: 'list_calls', args: { query, cursor: null } }]);
  });
});

describe('channels (watch_player, watch_downloads)', () => {
  it('passes a Channel, delivers its messages in order, and stops delivering once stopped', async () => {
    let channelId = -1;
    mockIPC((cmd, args) => {
      expect(cmd).toBe('watch_player');
      const channel = (args as { onEvent: { id: number; toJSON(): string } }).onEvent;
      channelId = channel.id;
      // What the shell gets on the wire.
      expect(channel.toJSON()).toBe(`__CHANNEL__:${String(channel.id)}`);
      return null;
    });
    const seen: unknown[] = [];
    const stop = await commands.watchPlayer((event) => seen.push(event));
    const run = (data: unknown): void => {
      (globalThis as unknown as { __TAURI_INTERNALS__: { runCallback(id: number, d: unknown): void } }).__TAURI_INTERNALS__.runCallback(
        channelId,
        data,
      );
    };
    // Out of order on the wire: the Channel reorders by index.
    run({ index: 1, message: { type: 'ended' } });
    run({ index: 0, message: { type: 'position', position: 1, segment: 0 } });
    expect(seen).toEqual([{ type: 'position', position: 1, segment: 0 }, { type: 'ended' }]);
    stop();
    run({ index: 2, message: { type: 'ended' } });
    expect(seen).toHaveLength(2);
  });

  it('rejects with a CommandError when the subscription fails, or outside the app', async () => {
    await expect(commands.watchDownloads(() => undefined)).rejects.toMatchObject({
      code: ClientCode.IpcUnavailable,
      command: 'watch_downloads',
    });
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
    mockIPC(() => Promise.reject({ code: 'library_unavailable', message: 'no data dir' }));
    await expect(commands.watchDownloads(() => undefined)).rejects.toMatchObject({
      code: 'library_unavailable',
      message: 'no data dir',
    });
  });

  it('sends the documented arguments', async () => {
    const sent: [string, unknown][] = [];
    mockIPC((cmd, args) => {
      sent.push([cmd, args]);
      return null;
    });
    await commands.playCall('c1');
    await commands.playCall('c1', 12.5);
    await commands.playerControl({ type: 'seekBy', seconds: -15 });
    await commands.controlDownload('c1', 2, 'retry');
    await commands.exportCallFiles('c1');
    await commands.callRecordings('c1');
    expect(sent).toEqual([
      ['play_call', { callId: 'c1', from: null }],
      ['play_call', { callId: 'c1', from: 12.5 }],
      ['player_control', { control: { type: 'seekBy', seconds: -15 } }],
      ['control_download', { callId: 'c1', index: 2, action: 'retry' }],
      ['export_call_files', { callId: 'c1' }],
      ['call_recordings', { callId: 'c1' }],
    ]);
  });
});

describe('the review commands', () => {
  it('send the documented arguments', async () => {
    const sent: [string, unknown][] = [];
    mockIPC((cmd, args) => {
      sent.push([cmd, args]);
      return null;
    });
    await commands.callReviews('c1');
    await commands.setReviewStatus('c1', 'flagged');
    await commands.answerCheck('c1', 'greet', 'pass', null);
    await commands.answerCheck('c1', 'greet', null, null);
    await commands.addNote({ callId: 'c1', kind: 'note', atMs: 83_000, endMs: 90_500, body: 'hold music' });
    await commands.addNote({ callId: 'c1', kind: 'bookmark', atMs: 5_000, endMs: null, body: '' });
    await commands.deleteNote('c1', 'n1');
    await commands.syncReviews();
    await commands.exportReviews();
    expect(sent).toEqual([
      ['call_reviews', { callId: 'c1' }],
      ['set_review_status', { callId: 'c1', status: 'flagged' }],
      ['answer_check', { callId: 'c1', checkId: 'greet', result: 'pass', comment: null }],
      ['answer_check', { callId: 'c1', checkId: 'greet', result: null, comment: null }],
      ['add_note', { callId: 'c1', kind: 'note', atMs: 83_000, endMs: 90_500, body: 'hold music' }],
      ['add_note', { callId: 'c1', kind: 'bookmark', atMs: 5_000, endMs: null, body: '' }],
      ['delete_note', { callId: 'c1', noteId: 'n1' }],
      ['sync_reviews', {}],
      ['export_reviews', {}],
    ]);
  });

  it('reject with the shell’s code', async () => {
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
    mockIPC(() => Promise.reject({ code: 'note_too_long', message: 'a note is at most 10000 characters' }));
    await expect(commands.addNote({ callId: 'c1', kind: 'note', atMs: 0, endMs: null, body: 'x' })).rejects.toMatchObject({
      command: 'add_note',
      code: 'note_too_long',
    });
  });
});
