// @ts-check
// Shared shell answers for the Chromium tests: the same shapes the Rust side sends (bindings).

/** @import { MockScenario } from '../../src/dev/mock-ipc' */
/** @import { AppInfo } from '../../src/lib/bindings/AppInfo' */
/** @import { KeyringInfo } from '../../src/lib/bindings/KeyringInfo' */
/** @import { ProjectStatus } from '../../src/lib/bindings/ProjectStatus' */
/** @import { SessionState } from '../../src/lib/bindings/SessionState' */
/** @import { CallSchema } from '../../src/lib/bindings/CallSchema' */
/** @import { Column } from '../../src/lib/bindings/Column' */

/** @type {AppInfo} */
export const info = {
  version: '0.1.0',
  demo: false,
  supabaseUrl: 'https://abcdefghijklmnop.supabase.co',
  functionsUrl: 'https://abcdefghijklmnop.supabase.co/functions/v1',
  demoEmail: null,
  dataDir: '/home/reviewer/.local/share/callrec',
};

/** @type {AppInfo} */
export const demoInfo = {
  ...info,
  demo: true,
  supabaseUrl: 'http://127.0.0.1:54321',
  functionsUrl: 'http://127.0.0.1:54321/functions/v1',
  demoEmail: 'reviewer@demo.callrec.example',
};

/** @type {ProjectStatus} */
export const status = { authService: 'GoTrue', authVersion: 'v2.170.0', restReachable: true, latencyMs: 42 };
export const CONNECTED = 'Connected — GoTrue v2.170.0 · REST reachable · 42 ms';

export const EMAIL = 'ana@agency.example';

/** @type {KeyringInfo} */
export const keyring = { backend: 'secret_service', persistent: true, warning: null };

/** @type {KeyringInfo} */
export const keyutils = {
  backend: 'keyutils',
  persistent: false,
  warning: 'No Secret Service keyring was found: your session is kept in the kernel keyring until you log out.',
};

/**
 * @param {SessionState['notice']} [notice]
 * @returns {SessionState}
 */
export const signedOut = (notice = null) => ({ status: 'signedOut', user: null, notice, keyring });

/**
 * @param {string} [email]
 * @param {Partial<SessionState>} [over]
 * @returns {SessionState}
 */
export const signedIn = (email = EMAIL, over = {}) => ({
  status: 'signedIn',
  user: { id: '7d5c3a9e-2f41-4c1b-9a61-0f3e8b2d4c10', email },
  notice: null,
  keyring,
  ...over,
});

/**
 * A scenario: the project answers, the session is as given (signed out by default).
 * @param {Partial<MockScenario>} [over]
 * @returns {MockScenario}
 */
export const scenario = (over = {}) => ({
  appInfo: { ok: info },
  probe: [{ ok: status }],
  session: { ok: signedOut() },
  ...over,
});

/** @param {string} code @param {string} [message] */
export const ipcError = (code, message = `mock ${code}`) => ({ err: { code, message } });

/**
 * Signed in, with `list_calls` serving these calls (see src/dev/mock-calls.ts).
 * @param {NonNullable<MockScenario['calls']>} calls
 * @param {Partial<MockScenario>} [over]
 * @returns {MockScenario}
 */
export const callsScenario = (calls, over = {}) => scenario({ session: { ok: signedIn() }, calls, ...over });

/** The id of synthetic call `i` (mock-calls.ts `syntheticCall`). */
export const callId = (/** @type {number} */ i) => `c0000000-0000-4000-8000-${i.toString(16).padStart(12, '0')}`;

/**
 * A column of a learned `calls` table.
 * @param {string} name @param {Column['kind']} kind @param {Column['field']} [field]
 * @returns {Column}
 */
const column = (name, kind, field = null) => ({ name, kind, field });

/** @type {CallSchema['offers']['sorts']} */
const ALL_SORTS = ['dateDesc', 'dateAsc', 'durationDesc', 'durationAsc'];

/** The full table plus an agency's own columns (`campaign`, `score`, `tags`). @type {CallSchema} */
export const oddSchema = {
  columns: [
    column('agency_id', 'uuid'),
    column('agent_name', 'text', 'agent'),
    column('campaign', 'text'),
    column('created_at', 'time'),
    column('direction', 'text', 'direction'),
    column('duration_seconds', 'number', 'duration'),
    column('ended_at', 'time', 'ended'),
    column('from_number', 'text', 'from'),
    column('has_recording', 'boolean'),
    column('id', 'uuid'),
    column('score', 'number'),
    column('started_at', 'time', 'started'),
    column('status', 'text', 'status'),
    column('tags', 'other'),
    column('to_number', 'text', 'to'),
    column('ultravox_call_id', 'text'),
  ],
  learned: true,
  offers: {
    sorts: ALL_SORTS,
    filters: ['direction', 'status'],
    search: ['from_number', 'to_number', 'agent_name', 'status', 'direction', 'campaign'],
  },
};

/** The backend's `minimal` table: the certain columns and `duration`. @type {CallSchema} */
export const minimalSchema = {
  columns: [
    column('agency_id', 'uuid'),
    column('created_at', 'time'),
    column('duration', 'number', 'duration'),
    column('has_recording', 'boolean'),
    column('id', 'uuid'),
    column('ultravox_call_id', 'text'),
  ],
  learned: true,
  offers: { sorts: ALL_SORTS, filters: [], search: [] },
};
