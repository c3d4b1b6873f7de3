// What the project status card says, for every state of the probe. Pure: unit-tested.

import { ClientCode, type CommandError, type ProjectStatus } from './ipc';

/** The state of one `probe_project` round trip. */
export type ProbeState =
  | { kind: 'checking' }
  | { kind: 'connected'; status: ProjectStatus }
  | { kind: 'failed'; error: CommandError };

export type Tone = 'pending' | 'ok' | 'warn' | 'error';

/** A part of a hint: plain text, or a name to show as code (an environment variable, a command). */
export type HintPart = { text: string } | { code: string };

export interface StatusView {
  tone: Tone;
  /** One line, the headline of the card. */
  title: string;
  /** What it means and what to do, in plain words; may name variables as code. */
  hint: HintPart[];
  /** The raw message from the shell, shown small for support; absent when it adds nothing. */
  detail: string | null;
  /** The error code, if any (also exposed as `data-code` for tests). */
  code: string | null;
}

/** Known command error codes from `probe_project`. */
export const ProbeCode = {
  NotConfigured: 'not_configured',
  Unreachable: 'unreachable',
  NotSupabase: 'not_supabase',
  ServerError: 'server_error',
} as const;

export function formatLatency(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '? ms';
  return `${Math.round(ms)} ms`;
}

/** "Connected — GoTrue v2.170.0 · REST reachable · 42 ms" */
export function connectedLine(status: ProjectStatus): string {
  const service = status.authService.trim() || 'GoTrue';
  const version = status.authVersion.trim();
  const auth = version === '' ? service : `${service} ${version}`;
  const rest = status.restReachable ? 'REST reachable' : 'REST not reachable';
  return `Connected — ${auth} · ${rest} · ${formatLatency(status.latencyMs)}`;
}

const t = (text: string): HintPart => ({ text });
const c = (code: string): HintPart => ({ code });

/** `url` is the configured project URL, named in messages when known. */
export function describeProbe(state: ProbeState, url: string | null = null): StatusView {
  switch (state.kind) {
    case 'checking':
      return { tone: 'pending', title: 'Checking the project…', hint: [], detail: null, code: null };
    case 'connected': {
      const { status } = state;
      return {
        tone: status.restReachable ? 'ok' : 'warn',
        title: connectedLine(status),
        hint: status.restReachable
          ? []
          : [t('Sign-in works, but the REST API did not answer, so calls cannot be listed. Retry in a moment.')],
        detail: null,
        code: null,
      };
    }
    case 'failed':
      return describeError(state.error, url);
  }
}

function describeError(error: CommandError, url: string | null): StatusView {
  const where = url ?? 'the project URL';
  const base = { tone: 'error' as const, code: error.code, detail: error.message || null };
  switch (error.code) {
    case ProbeCode.NotConfigured:
      return {
        ...base,
        title: 'No Supabase project is configured',
        hint: [
          t('Set '),
          c('CALLREC_SUPABASE_URL'),
          t(' and '),
          c('CALLREC_SUPABASE_ANON_KEY'),
          t(' and restart Callrec, or run '),
          c('callrec demo'),
          t(', which starts a local demo project and opens Callrec on it.'),
        ],
        // The message would only repeat the title.
        detail: null,
      };
    case ProbeCode.Unreachable:
      return {
        ...base,
        title: 'Cannot reach the project',
        hint: [t(`No answer from ${where}. Check the network connection and the URL, then retry.`)],
      };
    case ProbeCode.NotSupabase:
      return {
        ...base,
        title: 'This is not a Supabase project',
        hint: [
          t(`The server at ${where} answered, but not as Supabase Auth does. Check `),
          c('CALLREC_SUPABASE_URL'),
          t('.'),
        ],
      };
    case ProbeCode.ServerError:
      return {
        ...base,
        title: 'The project reported a server error',
        hint: [t('Supabase answered with an error of its own. This is usually temporary: retry in a moment.')],
      };
    case ClientCode.IpcUnavailable:
      return {
        ...base,
        title: 'Not running inside Callrec',
        hint: [
          t('This page is open in a plain browser, with no app behind it. Start the app, or run '),
          c('npm run dev:mock'),
          t(' to work on the UI with a mocked shell.'),
        ],
      };
    default:
      return {
        ...base,
        title: 'Could not check the project',
        hint: [t('Something unexpected went wrong. Retry; if it keeps failing, the details below help support.')],
      };
  }
}
