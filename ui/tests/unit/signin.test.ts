import { describe, expect, it } from 'vitest';
import { ClientCode, CommandError, type AppInfo } from '../../src/lib/ipc';
import {
  anonKeyRequired,
  buildSignInRequest,
  describeSignInError,
  FormCode,
  initialEmail,
  parseHttpStatus,
  parseRetryAfter,
  projectHost,
  SignInCode,
  urlChanged,
  type SignInErrorView,
} from '../../src/lib/signin';

const URL = 'https://abc.supabase.co';

const fail = (code: string, message = `server said ${code}`) => new CommandError('sign_in', code, message);

const text = (view: SignInErrorView): string =>
  [view.title, ...view.hint.map((part) => ('code' in part ? part.code : part.text))].join(' ');

describe('describeSignInError', () => {
  // Every code the shell sends, where its message goes, and words a reviewer can act on.
  const table: [code: string, field: SignInErrorView['field'], wording: RegExp][] = [
    [SignInCode.InvalidCredentials, 'password', /^Wrong email or password\..*Check both/],
    [SignInCode.EmailNotConfirmed, 'email', /confirm your email from the message Supabase sent, then sign in/i],
    [SignInCode.RateLimited, 'form', /^Too many sign-in attempts\./],
    [SignInCode.Unreachable, 'url', /^Cannot reach the server\..*Check the URL and the network connection/],
    [SignInCode.ServerError, 'form', /^The project’s server failed/],
    [SignInCode.NotSupabase, 'url', /^This URL is not a Supabase project\./],
    [SignInCode.MalformedResponse, 'form', /^The project’s answer could not be read\./],
    [SignInCode.ConfigInvalidUrl, 'url', /https:\/\/.*http:\/\/ is allowed only for localhost/],
    [SignInCode.ConfigMissingAnonKey, 'anonKey', /^The anon key is missing\./],
    [SignInCode.KeyringUnavailable, 'form', /only in the OS keyring, never in a file/],
    [SignInCode.KeyRejected, 'anonKey', /^The project refused this anon key\./],
    [SignInCode.AuthRejected, 'form', /^The project refused the sign-in\./],
    [SignInCode.KeyringError, 'form', /^Callrec could not save your session in the OS keyring\./],
    [SignInCode.NotConfigured, 'url', /^No Supabase project is configured\..*and its anon key/],
    [FormCode.MissingUrl, 'url', /^Enter your project URL\./],
    [FormCode.MissingAnonKey, 'anonKey', /^The anon key is missing\./],
    [FormCode.MissingEmail, 'email', /^Enter your email address\.$/],
    [FormCode.MissingPassword, 'password', /^Enter your password\.$/],
    [ClientCode.IpcUnavailable, 'form', /^Not running inside Callrec\./],
    [ClientCode.Ipc, 'form', /^Sign-in failed\./],
    [ClientCode.Unknown, 'form', /^Sign-in failed\./],
    ['brand_new_code', 'form', /^Sign-in failed\. Something unexpected went wrong/],
  ];

  it.each(table)('%s → %s', (code, field, wording) => {
    const view = describeSignInError(fail(code), { url: URL });
    expect(view.code).toBe(code);
    expect(view.field).toBe(field);
    expect(text(view)).toMatch(wording);
  });

  it('gives every shell code its own title', () => {
    const codes = Object.values(SignInCode);
    const titles = new Set(codes.map((code) => describeSignInError(fail(code)).title));
    expect(titles.size).toBe(codes.length);
    // And none of them is the generic one.
    expect(titles.has(describeSignInError(fail('brand_new_code')).title)).toBe(false);
  });

  it('says what to do for every shell code', () => {
    for (const code of Object.values(SignInCode)) {
      expect(describeSignInError(fail(code)).hint.length, code).toBeGreaterThan(0);
    }
  });

  it('never shows the message as the title, only as detail', () => {
    const view = describeSignInError(fail(SignInCode.Unreachable, 'tcp connect error: Connection refused'), { url: URL });
    expect(view.title).not.toContain('refused');
    expect(view.detail).toBe('tcp connect error: Connection refused');
  });

  it('leaves out details that add nothing', () => {
    expect(describeSignInError(fail(SignInCode.InvalidCredentials, 'Invalid login credentials')).detail).toBeNull();
    expect(describeSignInError(fail(SignInCode.EmailNotConfirmed, 'Email not confirmed')).detail).toBeNull();
    expect(describeSignInError(fail(FormCode.MissingAnonKey, FormCode.MissingAnonKey)).detail).toBeNull();
    expect(describeSignInError(fail(SignInCode.ConfigMissingAnonKey, 'no anon key')).detail).toBe('no anon key');
  });

  it('unreachable and not_supabase name the project host', () => {
    expect(text(describeSignInError(fail(SignInCode.Unreachable), { url: `${URL}/` }))).toContain('No answer from abc.supabase.co.');
    expect(text(describeSignInError(fail(SignInCode.NotSupabase), { url: URL }))).toContain('The server at abc.supabase.co');
    expect(text(describeSignInError(fail(SignInCode.Unreachable)))).toContain('No answer from the project URL.');
  });

  it('server_error puts the HTTP status in the title when the message has one, and keeps the message', () => {
    const view = describeSignInError(fail(SignInCode.ServerError, 'POST /auth/v1/token answered HTTP 502 (text/html)'));
    expect(view.title).toBe('The project’s server failed (HTTP 502).');
    expect(view.detail).toBe('POST /auth/v1/token answered HTTP 502 (text/html)');
    expect(describeSignInError(fail(SignInCode.ServerError, 'bad gateway')).title).toBe('The project’s server failed.');
  });

  it('rate_limited shows the wait, then says the reviewer can try again', () => {
    const err = fail(SignInCode.RateLimited, 'Too many sign-in attempts; try again in 37 s');
    const waiting = describeSignInError(err, { waiting: true });
    expect(text(waiting)).toMatch(/wait 37 s before trying again/);
    expect(waiting.detail).toBeNull();
    expect(text(describeSignInError(err))).toMatch(/wait 37 s/);
    expect(text(describeSignInError(err, { waiting: false }))).toMatch(/You can try again now\./);
  });

  it('rate_limited without a readable wait says to wait and keeps the message', () => {
    const view = describeSignInError(fail(SignInCode.RateLimited, 'slow down'));
    expect(text(view)).toMatch(/Wait a minute before trying again\./);
    expect(view.detail).toBe('slow down');
  });

  it('an unknown code keeps its message, or at least its code, as detail', () => {
    expect(describeSignInError(fail('quota', 'too many')).detail).toBe('too many');
    expect(describeSignInError(fail('quota', '')).detail).toBe('quota');
  });

  it('outside the app, points at dev:mock', () => {
    expect(describeSignInError(fail(ClientCode.IpcUnavailable)).hint).toContainEqual({ code: 'npm run dev:mock' });
  });
});

describe('parseRetryAfter', () => {
  it.each([
    ['Too many sign-in attempts; try again in 37 s', 37],
    ['try again in 37s', 37],
    ['Try again in 5 seconds.', 5],
    ['try again in 1 second', 1],
    ['retry in 12 sec', 12],
    ['try again in 2 min', 120],
    ['try again in 1 minute', 60],
    ['try again in 2.5 s', 3],
    ['try again in 2,5 s', 3],
    ['TRY AGAIN IN 9 S', 9],
  ])('%s → %i', (message, seconds) => {
    expect(parseRetryAfter(message)).toBe(seconds);
  });

  it.each([
    ['no number', 'Too many sign-in attempts'],
    ['a number without a unit', 'try again in 37'],
    ['a unit that is not time', 'try again in 37 sessions'],
    ['no "in"', 'wait 37 s'],
    ['zero', 'try again in 0 s'],
    ['a negative wait', 'try again in -5 s'],
    ['more than a day', 'try again in 90000 s'],
    ['absurdly long digits', 'try again in 99999999999999999999 s'],
    ['empty', ''],
  ])('null for %s', (_name, message) => {
    expect(parseRetryAfter(message)).toBeNull();
  });

  it('null for anything but a string', () => {
    expect(parseRetryAfter(undefined)).toBeNull();
    expect(parseRetryAfter(37)).toBeNull();
    expect(parseRetryAfter({ message: 'in 3 s' })).toBeNull();
  });
});

describe('parseHttpStatus', () => {
  it.each([
    ['answered HTTP 502 Bad Gateway', 502],
    ['status: 503', 503],
    ['server answered 500 with text/html', 500],
    ['http 404', 404],
  ])('%s → %i', (message, status) => {
    expect(parseHttpStatus(message)).toBe(status);
  });

  it('ignores numbers that are not a status', () => {
    expect(parseHttpStatus('port 5432 refused')).toBeNull();
    expect(parseHttpStatus('took 200 ms')).toBeNull();
    expect(parseHttpStatus('')).toBeNull();
  });
});

describe('buildSignInRequest', () => {
  const form = { url: URL, anonKey: '', email: 'ana@agency.example', password: 'pw' };

  it('sends only the email and password when the project is the configured one', () => {
    expect(buildSignInRequest(form, URL)).toEqual({ ok: true, args: { email: 'ana@agency.example', password: 'pw' } });
    expect(buildSignInRequest({ ...form, url: `${URL}/` }, URL)).toEqual({
      ok: true,
      args: { email: 'ana@agency.example', password: 'pw' },
    });
    expect(buildSignInRequest({ ...form, url: '' }, URL)).toMatchObject({ ok: true });
  });

  it('sends a changed URL with its anon key', () => {
    const request = buildSignInRequest({ ...form, url: ' https://xyz.supabase.co ', anonKey: ' key ' }, URL);
    expect(request).toEqual({
      ok: true,
      args: { email: 'ana@agency.example', password: 'pw', supabaseUrl: 'https://xyz.supabase.co', anonKey: 'key' },
    });
  });

  it('sends a new anon key for the same project', () => {
    expect(buildSignInRequest({ ...form, anonKey: 'new' }, URL)).toEqual({
      ok: true,
      args: { email: 'ana@agency.example', password: 'pw', anonKey: 'new' },
    });
  });

  it('trims the email but sends the password exactly as typed', () => {
    expect(buildSignInRequest({ ...form, email: '  ana@agency.example ', password: ' p w ' }, URL)).toEqual({
      ok: true,
      args: { email: 'ana@agency.example', password: ' p w ' },
    });
  });

  it.each([
    ['no URL and none configured', { url: ' ' }, null, FormCode.MissingUrl, 'url'],
    ['no anon key and no project configured', { url: URL }, null, FormCode.MissingAnonKey, 'anonKey'],
    ['no anon key for another project', { url: 'https://xyz.supabase.co' }, URL, FormCode.MissingAnonKey, 'anonKey'],
    ['no email', { email: '  ' }, URL, FormCode.MissingEmail, 'email'],
    ['no password', { password: '' }, URL, FormCode.MissingPassword, 'password'],
    ['nothing at all', { url: '', email: '', password: '' }, null, FormCode.MissingUrl, 'url'],
  ] as const)('%s → %s', (_name, over, configured, code, field) => {
    expect(buildSignInRequest({ ...form, ...over }, configured)).toEqual({ ok: false, code, field });
  });

  it('a password of spaces is still a password', () => {
    expect(buildSignInRequest({ ...form, password: '   ' }, URL)).toMatchObject({ ok: true });
  });
});

describe('urlChanged and anonKeyRequired', () => {
  it('compares without a trailing slash or case', () => {
    expect(urlChanged('https://ABC.supabase.co/', URL)).toBe(false);
    expect(urlChanged('', URL)).toBe(false);
    expect(urlChanged('https://xyz.supabase.co', URL)).toBe(true);
    expect(urlChanged(URL, null)).toBe(true);
  });

  it('requires the key when nothing is configured or the project changed', () => {
    expect(anonKeyRequired('', null)).toBe(true);
    expect(anonKeyRequired(URL, URL)).toBe(false);
    expect(anonKeyRequired('', URL)).toBe(false);
    expect(anonKeyRequired('https://xyz.supabase.co', URL)).toBe(true);
  });
});

describe('initialEmail', () => {
  const info: AppInfo = {
    version: '0.1.0',
    demo: false,
    supabaseUrl: URL,
    functionsUrl: null,
    demoEmail: null,
    dataDir: '/tmp',
  };
  const demo: AppInfo = { ...info, demo: true, demoEmail: 'demo@callrec.example' };

  it('prefers the last email used on this project', () => {
    expect(initialEmail(info, { url: `${URL}/`, email: 'last@x.example' })).toBe('last@x.example');
    expect(initialEmail(demo, { url: URL, email: 'last@x.example' })).toBe('last@x.example');
  });

  it('then the demo user in demo mode', () => {
    expect(initialEmail(demo, null)).toBe('demo@callrec.example');
    expect(initialEmail(demo, { url: 'https://other.example', email: 'last@x.example' })).toBe('demo@callrec.example');
  });

  it('then the last email anywhere, else nothing', () => {
    expect(initialEmail(info, { url: 'https://other.example', email: 'last@x.example' })).toBe('last@x.example');
    expect(initialEmail(info, null)).toBe('');
    expect(initialEmail(null, null)).toBe('');
    expect(initialEmail({ ...demo, demoEmail: null }, null)).toBe('');
  });
});

describe('projectHost', () => {
  it('is the host of the URL, or the text when it is not one', () => {
    expect(projectHost('https://abc.supabase.co/')).toBe('abc.supabase.co');
    expect(projectHost('http://127.0.0.1:54321')).toBe('127.0.0.1:54321');
    expect(projectHost('not a url')).toBe('not a url');
    expect(projectHost('  ')).toBeNull();
    expect(projectHost(null)).toBeNull();
    expect(projectHost(undefined)).toBeNull();
  });
});
