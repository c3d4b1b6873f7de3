// `npm run dev:mock`: the UI in a plain browser with a scripted shell.
// Query string (see ui/README.md):
//   ?probe=<code>   the probe's answer (not_configured, unreachable, not_supabase, server_error, garbage)
//   ?demo=0         a non-demo project
//   ?session=<s>    what the shell restored: signedOut (default), signedIn, offline, revoked
//   ?keyring=keyutils   the keyutils fallback, with its warning
//   ?signin=<code>  the first sign-in fails with <code> (e.g. rate_limited), the next one succeeds
//   ?calls=<n>      how many synthetic calls the project has (default 100000); ?offline=1
//                   serves them marked offline; ?callsError=<code> fails the first list_calls
//   ?sync=<state>   where the reviews' sync stands: localOnly (default), shared, offline, refused,
//                   notYet
// In the console, `__CALLREC_MOCK__.emit('session-changed', state)` plays the shell's event.

import {
  installMockIpc,
  keyutilsKeyring,
  sampleInfo,
  sampleKeyring,
  sampleStatus,
  signedIn,
  signedOut,
  type MockControl,
  type MockReply,
} from './mock-ipc';
import type { SessionState } from '../lib/bindings/SessionState';
import { MIGRATION, type ReviewsScenario } from './mock-reviews';
import type { SyncStatus } from '../lib/bindings/SyncStatus';

const LOCAL_ONLY: SyncStatus = { state: 'localOnly', migration: MIGRATION, pending: 0 };
const SYNC_STATES: Partial<Record<string, SyncStatus>> = {
  localOnly: LOCAL_ONLY,
  shared: { state: 'shared', at: '2026-12-07T14:05:00Z', pending: 0 },
  offline: { state: 'offline', pending: 0 },
  refused: { state: 'refused', pending: 0, refused: 1, reason: 'new row violates row-level security policy for table "callrec_notes"' },
  notYet: { state: 'notYet', pending: 0 },
};

const demoCall = (i: number): string => `c0000000-0000-4000-8000-${i.toString(16).padStart(12, '0')}`;

/** A few calls already reviewed, one with another reviewer's review and notes. */
const DEMO_REVIEWS: ReviewsScenario = {
  calls: {
    [demoCall(0)]: {
      others: [
        {
          callId: demoCall(0),
          reviewerId: 'b2c4e6f8-0000-4000-8000-000000000002',
          reviewerEmail: 'ben@agency.example',
          status: 'flagged',
          checks: { greet: { result: 'pass' }, verify: { result: 'fail', comment: 'Never asked for the date of birth' } },
          score: 33.33,
          editedAt: '2026-12-06T16:20:00Z',
          mine: false,
        },
      ],
      notes: [
        {
          id: 'd0000000-0000-4000-8000-000000000001',
          callId: demoCall(0),
          reviewerId: 'b2c4e6f8-0000-4000-8000-000000000002',
          kind: 'note',
          atMs: 12_500,
          endMs: 21_000,
          body: 'Long hold without saying why',
          createdAt: '2026-12-06T16:18:00Z',
          mine: false,
          synced: true,
        },
      ],
    },
    [demoCall(1)]: { mine: { status: 'reviewed', checks: { greet: { result: 'pass' }, verify: { result: 'pass' } } } },
    [demoCall(2)]: { mine: { status: 'flagged', checks: { verify: { result: 'fail' } } } },
    [demoCall(4)]: { mine: { status: 'in_review' } },
  },
};

const SIGN_IN_MESSAGES: Record<string, string> = {
  invalid_credentials: 'wrong email or password (Invalid login credentials)',
  email_not_confirmed: 'this email address is not confirmed yet: open the confirmation link sent to it',
  rate_limited: 'too many sign-in attempts: try again in 37 s',
  unreachable: 'cannot reach https://abcdefghijklmnop.supabase.co/auth/v1/token: connection refused',
  server_error: 'the auth server failed (HTTP 502): <html><body>Bad Gateway</body></html>',
  not_supabase: 'https://abcdefghijklmnop.supabase.co does not look like a Supabase project (404 on /auth/v1)',
  malformed_response: "the auth server's answer to /token is not what GoTrue sends: no access_token",
  config_invalid_url: 'http:// is allowed only for localhost',
  config_missing_anon_key: 'no anon key for this project',
  key_rejected: 'the project refused the anon key (HTTP 401): Invalid API key',
  keyring_unavailable:
    'no OS keyring is available to keep the session (org.freedesktop.secrets was not provided by any .service files); Callrec never keeps it in a plain file',
};

export function installDevMock(): MockControl {
  const params = new URLSearchParams(window.location.search);
  const code = params.get('probe');
  const demo = params.get('demo') !== '0';
  const info = demo
    ? sampleInfo
    : { ...sampleInfo, demo: false, demoEmail: null, supabaseUrl: 'https://abcdefghijklmnop.supabase.co' };
  const probe =
    code === null || code === 'ok'
      ? { ok: sampleStatus }
      : code === 'garbage'
        ? { err: 42 }
        : { err: { code, message: `mock: probe_project failed with ${code}` } };

  const keyring = params.get('keyring') === 'keyutils' ? keyutilsKeyring : sampleKeyring;
  const email = info.demoEmail ?? 'reviewer@agency.example';
  const sessions: Record<string, SessionState> = {
    signedIn: signedIn(email, { keyring }),
    offline: signedIn(email, {
      status: 'offline',
      keyring,
      notice: { code: 'unreachable', message: 'cannot reach http://127.0.0.1:54321/auth/v1/user: connection refused' },
    }),
    revoked: {
      ...signedOut({ code: 'session_revoked', message: 'You were signed out because your session was revoked.' }),
      keyring,
    },
  };
  const session = sessions[params.get('session') ?? ''] ?? { ...signedOut(), keyring };

  const failWith = params.get('signin');
  const signIn: MockReply<SessionState>[] | undefined = failWith
    ? [
        { err: { code: failWith, message: SIGN_IN_MESSAGES[failWith] ?? `mock: sign_in failed with ${failWith}` } },
        { ok: signedIn(email, { keyring }) },
      ]
    : undefined;

  const callCount = Number(params.get('calls') ?? '100000');
  const callsError = params.get('callsError');
  const control = installMockIpc({
    calls: {
      count: Number.isFinite(callCount) ? callCount : 100_000,
      source: params.get('offline') === '1' ? 'offline' : 'remote',
      ...(callsError ? { errors: [{ code: callsError, message: `mock: list_calls failed with ${callsError}` }] } : {}),
    },
    appInfo: { ok: info },
    probe: [probe],
    session: { ok: session },
    reviews: { ...DEMO_REVIEWS, sync: { ok: SYNC_STATES[params.get('sync') ?? ''] ?? LOCAL_ONLY } },
    ...(signIn ? { signIn } : {}),
    delayMs: 400,
  });
  (window as unknown as { __CALLREC_MOCK__: MockControl }).__CALLREC_MOCK__ = control;
  return control;
}
