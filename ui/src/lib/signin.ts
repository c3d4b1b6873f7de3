// What the sign-in form says for every way signing in can fail, and the small pure helpers the
// form needs (the request it sends, the wait a rate limit asks for). Pure: unit-tested.

import { ClientCode, type AppInfo, type CommandError, type SignInArgs } from './ipc';
import type { HintPart } from './status';

/** Error codes `sign_in` rejects with (defined by the Rust side). */
export const SignInCode = {
  InvalidCredentials: 'invalid_credentials',
  EmailNotConfirmed: 'email_not_confirmed',
  RateLimited: 'rate_limited',
  Unreachable: 'unreachable',
  ServerError: 'server_error',
  NotSupabase: 'not_supabase',
  MalformedResponse: 'malformed_response',
  ConfigInvalidUrl: 'config_invalid_url',
  ConfigMissingAnonKey: 'config_missing_anon_key',
  KeyringUnavailable: 'keyring_unavailable',
  // Also possible, beyond the ones the form was designed around:
  /** The server refused the anon key (HTTP 401/403 on the key itself). */
  KeyRejected: 'key_rejected',
  /** Any other refusal GoTrue names (`user_banned`, `validation_failed`, …). */
  AuthRejected: 'auth_rejected',
  /** The keyring is there but saving to it failed. */
  KeyringError: 'keyring_error',
  /** No project configured and none given. */
  NotConfigured: 'not_configured',
} as const;

/** Codes the form assigns itself when something is missing: nothing is sent then. */
export const FormCode = {
  MissingUrl: 'missing_url',
  MissingAnonKey: 'missing_anon_key',
  MissingEmail: 'missing_email',
  MissingPassword: 'missing_password',
} as const;

export type SignInField = 'url' | 'anonKey' | 'email' | 'password';

/** What the reviewer typed. The password is only ever passed through, never kept. */
export interface SignInForm {
  url: string;
  anonKey: string;
  email: string;
  password: string;
}

export interface SignInErrorView {
  code: string;
  /** Where the message shows: beside one field, or as an alert over the whole form. */
  field: SignInField | 'form';
  /** What happened, one sentence. */
  title: string;
  /** What to do about it; may name URLs or commands as code. */
  hint: HintPart[];
  /** The shell's own message, shown small for support; null when it adds nothing. */
  detail: string | null;
}

export interface DescribeOptions {
  /** The project URL the attempt went to, named in messages when known. */
  url?: string | null;
  /** A rate limit's countdown is still running (false once it has run out). */
  waiting?: boolean;
}

const t = (text: string): HintPart => ({ text });
const c = (code: string): HintPart => ({ code });

const PROJECT_URL_EXAMPLE = 'https://<project-ref>.supabase.co';
const MAX_WAIT_SECONDS = 24 * 60 * 60;

/**
 * The wait a rate-limit message asks for, in whole seconds: "try again in 37 s" → 37. Also reads
 * "37s", "37 seconds", "2 min". Null when there is no such phrase or the number makes no sense.
 */
export function parseRetryAfter(message: unknown): number | null {
  if (typeof message !== 'string') return null;
  const m = /\bin\s+(\d{1,7}(?:[.,]\d+)?)\s*(seconds?|secs?|s|minutes?|mins?|m)\b/i.exec(message);
  if (!m?.[1] || !m[2]) return null;
  const value = Number(m[1].replace(',', '.'));
  const unit = m[2].toLowerCase().startsWith('m') ? 60 : 1;
  const seconds = Math.ceil(value * unit);
  if (!Number.isFinite(seconds) || seconds <= 0 || seconds > MAX_WAIT_SECONDS) return null;
  return seconds;
}

/** The HTTP status a server-error message mentions ("… answered 502 …"), if any. */
export function parseHttpStatus(message: string): number | null {
  const m = /\b(?:HTTP|status)\s*:?\s*([1-5]\d\d)\b/i.exec(message) ?? /\b(5\d\d)\b/.exec(message);
  return m?.[1] ? Number(m[1]) : null;
}

/** "abc.supabase.co" for "https://abc.supabase.co/": what the UI calls the project. */
export function projectHost(url: string | null | undefined): string | null {
  const text = url?.trim() ?? '';
  if (text === '') return null;
  try {
    return new URL(text).host || text;
  } catch {
    return text;
  }
}

/** A URL in the one spelling used to compare them (no trailing slash, lower case). */
function normalUrl(url: string): string {
  return url.trim().replace(/\/+$/, '').toLowerCase();
}

/**
 * True when the URL typed is a project other than the configured one: the shell has no anon key
 * for it then, so the form asks for one.
 */
export function urlChanged(typed: string, configuredUrl: string | null): boolean {
  const url = typed.trim();
  if (url === '') return false;
  return configuredUrl === null || normalUrl(url) !== normalUrl(configuredUrl);
}

/** The anon key must be typed when no project is configured or the URL names another one. */
export function anonKeyRequired(typedUrl: string, configuredUrl: string | null): boolean {
  return configuredUrl === null || urlChanged(typedUrl, configuredUrl);
}

export type SignInRequest = { ok: true; args: SignInArgs } | { ok: false; code: string; field: SignInField };

/**
 * The `sign_in` arguments for what was typed, or the first missing field. The URL is sent only
 * when it differs from the configured one and the anon key only when typed, so the shell keeps
 * its saved ones otherwise. The email is trimmed; the password is sent exactly as typed.
 */
export function buildSignInRequest(form: SignInForm, configuredUrl: string | null): SignInRequest {
  const url = form.url.trim();
  const anonKey = form.anonKey.trim();
  const email = form.email.trim();
  if (url === '' && configuredUrl === null) return { ok: false, code: FormCode.MissingUrl, field: 'url' };
  if (anonKey === '' && anonKeyRequired(url, configuredUrl)) {
    return { ok: false, code: FormCode.MissingAnonKey, field: 'anonKey' };
  }
  if (email === '') return { ok: false, code: FormCode.MissingEmail, field: 'email' };
  if (form.password === '') return { ok: false, code: FormCode.MissingPassword, field: 'password' };
  const args: SignInArgs = { email, password: form.password };
  if (urlChanged(url, configuredUrl)) args.supabaseUrl = url;
  if (anonKey !== '') args.anonKey = anonKey;
  return { ok: true, args };
}

/** The last email signed in with, and the project it was for. Never anything else. */
export interface LastSignIn {
  url: string | null;
  email: string;
}

/**
 * The email to prefill: the last one used on this project; else the demo user in demo mode; else
 * the last one used anywhere.
 */
export function initialEmail(info: AppInfo | null, last: LastSignIn | null): string {
  const url = info?.supabaseUrl ?? null;
  if (last && url !== null && last.url !== null && normalUrl(last.url) === normalUrl(url)) return last.email;
  if (info?.demo && info.demoEmail) return info.demoEmail;
  return last?.email ?? '';
}

/** What the form shows for a failed attempt. `error.code` decides; the message is only detail. */
export function describeSignInError(error: CommandError, options: DescribeOptions = {}): SignInErrorView {
  const host = projectHost(options.url);
  const where = host ?? 'the project URL';
  const detail = error.message.trim() === '' || error.message === error.code ? null : error.message;
  const base = { code: error.code, detail };
  switch (error.code) {
    case SignInCode.InvalidCredentials:
      return {
        ...base,
        field: 'password',
        title: 'Wrong email or password.',
        hint: [t('Check both and sign in again. Passwords are case-sensitive.')],
        detail: null,
      };
    case SignInCode.EmailNotConfirmed:
      return {
        ...base,
        field: 'email',
        title: 'This email address is not confirmed yet.',
        hint: [t('Confirm your email from the message Supabase sent, then sign in.')],
        detail: null,
      };
    case SignInCode.RateLimited: {
      const seconds = parseRetryAfter(error.message);
      if (seconds === null) {
        return {
          ...base,
          field: 'form',
          title: 'Too many sign-in attempts.',
          hint: [t('Wait a minute before trying again.')],
        };
      }
      return {
        ...base,
        field: 'form',
        title: 'Too many sign-in attempts.',
        hint: [
          t(
            options.waiting === false
              ? 'You can try again now.'
              : `The project asks you to wait ${seconds} s before trying again; Sign in comes back when the time is up.`,
          ),
        ],
        // The wait is in the hint already.
        detail: null,
      };
    }
    case SignInCode.Unreachable:
      return {
        ...base,
        field: 'url',
        title: 'Cannot reach the server.',
        hint: [t(`No answer from ${where}. Check the URL and the network connection, then try again.`)],
      };
    case SignInCode.ServerError: {
      const status = parseHttpStatus(error.message);
      return {
        ...base,
        field: 'form',
        title: `The project’s server failed${status === null ? '' : ` (HTTP ${status})`}.`,
        hint: [
          t(
            'It answered with an error instead of signing you in. This is usually temporary: try again in a moment. ' +
              'If it keeps failing, check the project in the Supabase dashboard.',
          ),
        ],
      };
    }
    case SignInCode.NotSupabase:
      return {
        ...base,
        field: 'url',
        title: 'This URL is not a Supabase project.',
        hint: [
          t(`The server at ${where} answered, but not as Supabase does. Use the project URL from the Supabase dashboard (Project Settings → API), like `),
          c(PROJECT_URL_EXAMPLE),
          t('.'),
        ],
      };
    case SignInCode.MalformedResponse:
      return {
        ...base,
        field: 'form',
        title: 'The project’s answer could not be read.',
        hint: [
          t(
            'The server answered, but not with a sign-in Callrec understands. Check that the URL points straight at the ' +
              'Supabase project, not at a proxy or a web page, then try again.',
          ),
        ],
      };
    case SignInCode.ConfigInvalidUrl:
      return {
        ...base,
        field: 'url',
        title: 'This is not a valid project URL.',
        hint: [
          t('Use an https:// address, like '),
          c(PROJECT_URL_EXAMPLE),
          t('; plain http:// is allowed only for localhost.'),
        ],
      };
    case SignInCode.ConfigMissingAnonKey:
    case FormCode.MissingAnonKey:
      return {
        ...base,
        field: 'anonKey',
        title: 'The anon key is missing.',
        hint: [t('Paste the project’s anon (public) key from the Supabase dashboard, Project Settings → API.')],
        detail: error.code === FormCode.MissingAnonKey ? null : detail,
      };
    case SignInCode.KeyringUnavailable:
      return {
        ...base,
        field: 'form',
        title: 'The OS keyring is not available.',
        hint: [
          t(
            'Callrec keeps your session only in the OS keyring, never in a file, so it cannot sign you in without one. ' +
              'Unlock or start your keyring (for example GNOME Keyring or KWallet), then try again.',
          ),
        ],
      };
    case SignInCode.KeyRejected:
      return {
        ...base,
        field: 'anonKey',
        title: 'The project refused this anon key.',
        hint: [
          t(
            'Paste the project’s anon (public) key from the Supabase dashboard, Project Settings → API; ' +
              'leave the field empty to keep the saved one.',
          ),
        ],
      };
    case SignInCode.AuthRejected:
      return {
        ...base,
        field: 'form',
        title: 'The project refused the sign-in.',
        hint: [t('The details below say why. If the account itself is refused, ask the project’s administrator.')],
      };
    case SignInCode.KeyringError:
      return {
        ...base,
        field: 'form',
        title: 'Callrec could not save your session in the OS keyring.',
        hint: [
          t(
            'Callrec keeps your session only in the OS keyring, never in a file. Check that the keyring is unlocked, ' +
              'then try again.',
          ),
        ],
      };
    case SignInCode.NotConfigured:
      return {
        ...base,
        field: 'url',
        title: 'No Supabase project is configured.',
        hint: [
          t('Enter the project URL, like '),
          c(PROJECT_URL_EXAMPLE),
          t(', and its anon key, both from the Supabase dashboard (Project Settings → API).'),
        ],
        detail: null,
      };
    case FormCode.MissingUrl:
      return {
        ...base,
        field: 'url',
        title: 'Enter your project URL.',
        hint: [t('Like '), c(PROJECT_URL_EXAMPLE), t(', from the Supabase dashboard (Project Settings → API).')],
        detail: null,
      };
    case FormCode.MissingEmail:
      return { ...base, field: 'email', title: 'Enter your email address.', hint: [], detail: null };
    case FormCode.MissingPassword:
      return { ...base, field: 'password', title: 'Enter your password.', hint: [], detail: null };
    case ClientCode.IpcUnavailable:
      return {
        ...base,
        field: 'form',
        title: 'Not running inside Callrec.',
        hint: [
          t('This page is open in a plain browser, with no app behind it. Start the app, or run '),
          c('npm run dev:mock'),
          t(' to work on the UI with a mocked shell.'),
        ],
      };
    default:
      return {
        ...base,
        field: 'form',
        title: 'Sign-in failed.',
        hint: [t('Something unexpected went wrong. Try again; if it keeps failing, the details below help support.')],
        detail: detail ?? error.code,
      };
  }
}
