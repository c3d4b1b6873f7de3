// The official client (@supabase/supabase-js) against the local backend: what works against a
// hosted Supabase project must work the same here. Needs only target/debug/callrec (or
// CALLREC_BIN).

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { createClient, FunctionsHttpError } from '@supabase/supabase-js';
import ws from 'ws';

import { startBackend } from '../support/backend.mjs';
import { FIXTURES, UNCONFIRMED_EMAIL } from '../support/fixtures.mjs';

const newClient = (backend) =>
  createClient(backend.supabase_url, backend.anon_key, {
    // No storage and no background refresh timer: the tests refresh explicitly.
    auth: { persistSession: false, autoRefreshToken: false },
    realtime: { transport: ws },
  });

describe('supabase-js against the local backend', { timeout: 120000 }, () => {
  let backend;
  /** Signed in as the demo reviewer (Northwind Care). */
  let supabase;

  before(async () => {
    backend = await startBackend();
    supabase = newClient(backend);
  });

  after(async () => {
    await backend?.stop();
  });

  describe('auth', () => {
    test('a wrong password fails with invalid_credentials', async () => {
      const { data, error } = await newClient(backend).auth.signInWithPassword({
        email: backend.demo_email,
        password: `${backend.demo_password}-wrong`,
      });
      assert.ok(error, 'an error');
      assert.equal(error.code, 'invalid_credentials');
      assert.equal(error.status, 400);
      assert.equal(error.name, 'AuthApiError');
      assert.equal(data.session, null);
    });

    test('an unconfirmed email fails with email_not_confirmed', async () => {
      const { error } = await newClient(backend).auth.signInWithPassword({
        email: UNCONFIRMED_EMAIL,
        password: backend.demo_password,
      });
      assert.ok(error, 'an error');
      assert.equal(error.code, 'email_not_confirmed');
    });

    test('the demo user signs in', async () => {
      const { data, error } = await supabase.auth.signInWithPassword({
        email: backend.demo_email,
        password: backend.demo_password,
      });
      assert.equal(error, null);
      assert.equal(data.user.email, backend.demo_email);
      assert.equal(data.session.token_type, 'bearer');
      assert.ok(data.session.access_token.split('.').length === 3, 'the access token is a JWT');
      assert.ok(data.session.refresh_token, 'a refresh token');
      assert.ok(data.session.expires_at > Date.now() / 1000, 'expires in the future');
      const { data: got, error: getError } = await supabase.auth.getUser();
      assert.equal(getError, null);
      assert.equal(got.user.id, data.user.id);
    });
  });

  describe('rest: calls', () => {
    let total;

    test('the first page: 25 rows and the exact total', async () => {
      const { data, error, count, status } = await supabase.from('calls').select('*', { count: 'exact' }).range(0, 24);
      assert.equal(error, null);
      assert.equal(status, 206);
      assert.equal(data.length, 25);
      assert.equal(count, backend.calls, 'the reviewer sees every call of the demo agency');
      total = count;
      for (const key of ['id', 'agency_id', 'has_recording', 'created_at', 'direction', 'from_number', 'to_number', 'status']) {
        assert.ok(key in data[0], `rows have ${key}`);
      }
      assert.equal(typeof data[0].has_recording, 'boolean');
      assert.ok(!Number.isNaN(Date.parse(data[0].created_at)), 'created_at is a timestamp');
      assert.equal(new Set(data.map((row) => row.agency_id)).size, 1, 'one agency only');
    });

    test('every page together holds exactly the counted rows', async () => {
      const ids = new Set();
      for (let from = 0; from < total; from += 50) {
        const { data, error } = await supabase.from('calls').select('id').order('id').range(from, from + 49);
        assert.equal(error, null);
        for (const row of data) ids.add(row.id);
      }
      assert.equal(ids.size, total);
      assert.ok(!ids.has(FIXTURES.OTHER_AGENCY), "another agency's call is not listed");
    });

    test('filters and order: has_recording, ilike, created_at descending', async () => {
      const { data, error, count } = await supabase
        .from('calls')
        .select('id, has_recording, agent_name, created_at', { count: 'exact' })
        .eq('has_recording', true)
        .ilike('agent_name', '%AVA%')
        .order('created_at', { ascending: false })
        .range(0, 999);
      assert.equal(error, null);
      assert.ok(data.length > 0, 'some rows match');
      assert.equal(count, data.length);
      assert.ok(count < total, 'the filter narrows the list');
      for (const row of data) {
        assert.equal(row.has_recording, true);
        assert.match(row.agent_name, /ava/i);
      }
      const times = data.map((row) => Date.parse(row.created_at));
      assert.deepEqual(times, [...times].sort((a, b) => b - a), 'newest first');
      assert.ok(data.some((row) => row.id === FIXTURES.WAV_PCM16), 'the WAV fixture call (agent "Ava (AI)") matches');
    });

    test('a range past the end fails with PGRST103', async () => {
      const { data, error, status } = await supabase
        .from('calls')
        .select('*', { count: 'exact' })
        .range(total + 100, total + 124);
      assert.ok(error, 'an error');
      assert.equal(error.code, 'PGRST103');
      assert.equal(status, 416);
      assert.equal(data, null);
    });
  });

  describe('edge functions', () => {
    /** Two calls with recordings, picked through supabase-js itself. */
    let withRecording;

    before(async () => {
      const { data, error } = await supabase
        .from('calls')
        .select('id, has_recording')
        .in('id', [FIXTURES.WAV_PCM16, FIXTURES.MULTI_SEGMENT, FIXTURES.NO_RECORDING]);
      assert.equal(error, null);
      const flags = Object.fromEntries(data.map((row) => [row.id, row.has_recording]));
      assert.deepEqual(flags, {
        [FIXTURES.WAV_PCM16]: true,
        [FIXTURES.MULTI_SEGMENT]: true,
        [FIXTURES.NO_RECORDING]: false,
      });
      withRecording = [FIXTURES.WAV_PCM16, FIXTURES.MULTI_SEGMENT];
    });

    test('get-call-recording (GET ?call_id=) returns a recording_url that serves audio', async () => {
      const { data, error } = await supabase.functions.invoke(`get-call-recording?call_id=${withRecording[0]}`, {
        method: 'GET',
      });
      assert.equal(error, null);
      assert.equal(typeof data.recording_url, 'string');
      const audio = await fetch(data.recording_url, { headers: { Range: 'bytes=0-11' } });
      assert.ok([200, 206].includes(audio.status), `the URL serves (HTTP ${audio.status})`);
      const head = Buffer.from(await audio.arrayBuffer());
      assert.equal(head.subarray(0, 4).toString('latin1'), 'RIFF', 'a WAV file');
    });

    test('get-call-recording for a call without a recording is a 404', async () => {
      const { data, error } = await supabase.functions.invoke(`get-call-recording?call_id=${FIXTURES.NO_RECORDING}`, {
        method: 'GET',
      });
      assert.equal(data, null);
      assert.ok(error instanceof FunctionsHttpError, `a FunctionsHttpError: ${error}`);
      assert.equal(error.context.status, 404);
      const body = await error.context.json();
      assert.equal(typeof body.error, 'string');
    });

    test('get-signed-recording-url (POST {call_id}) lists the labelled segments', async () => {
      const { data, error } = await supabase.functions.invoke('get-signed-recording-url', {
        body: { call_id: withRecording[1] },
      });
      assert.equal(error, null);
      assert.equal(data.call_id, withRecording[1]);
      assert.deepEqual(
        data.recordings.map((r) => r.label),
        ['main', 'transfer_conference', 'reconnect_to_agent'],
      );
      for (const r of data.recordings) {
        assert.equal(typeof r.url, 'string');
        assert.ok(r.duration_seconds > 0);
      }
      assert.equal(data.recording_url, data.recordings[0].url);
    });

    test('get-signed-recording-url for another agency’s call is not_found', async () => {
      const { error } = await supabase.functions.invoke('get-signed-recording-url', {
        body: { call_id: FIXTURES.OTHER_AGENCY },
      });
      assert.ok(error instanceof FunctionsHttpError, `a FunctionsHttpError: ${error}`);
      assert.equal(error.context.status, 404);
      const body = await error.context.json();
      assert.equal(body.error.code, 'not_found');
    });
  });

  describe('session lifecycle', () => {
    test('refreshSession rotates the tokens and the new session works', async () => {
      const { data: before } = await supabase.auth.getSession();
      assert.ok(before.session, 'signed in');
      const { data, error } = await supabase.auth.refreshSession();
      assert.equal(error, null);
      assert.ok(data.session, 'a new session');
      assert.notEqual(data.session.refresh_token, before.session.refresh_token, 'the refresh token rotates');
      assert.equal(data.user.email, backend.demo_email);
      const { data: rows, error: restError } = await supabase.from('calls').select('id').range(0, 0);
      assert.equal(restError, null);
      assert.equal(rows.length, 1);
    });

    test('signOut ends the session on the server', async () => {
      const { data: current } = await supabase.auth.getSession();
      const token = current.session.access_token;
      const { error } = await supabase.auth.signOut();
      assert.equal(error, null);
      const { data } = await supabase.auth.getSession();
      assert.equal(data.session, null, 'no local session');
      // get-call-recording checks the session (auth.getUser), not only the JWT.
      const response = await fetch(
        `${backend.functions_url.replace(/\/$/, '')}/get-call-recording?call_id=${FIXTURES.WAV_PCM16}`,
        { headers: { apikey: backend.anon_key, Authorization: `Bearer ${token}` } },
      );
      assert.equal(response.status, 401);
    });
  });
});
