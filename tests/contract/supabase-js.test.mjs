// The official client (@supabase/supabase-js) against the local backend: what works against a
// hosted Supabase project must work the same here. Needs only target/debug/callrec (or
// CALLREC_BIN).

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { createClient, FunctionsHttpError } from '@supabase/supabase-js';
import ws from 'ws';

import { startBackend } from '../support/backend.mjs';
import { AGENCIES, COLLEAGUE_EMAIL, FIXTURES, HARBOR_EMAIL, UNCONFIRMED_EMAIL } from '../support/fixtures.mjs';

const newClient = (backend) =>
  createClient(backend.supabase_url, backend.anon_key, {
    // No storage and no background refresh timer: the tests refresh explicitly.
    auth: { persistSession: false, autoRefreshToken: false },
    realtime: { transport: ws },
  });

/** A client signed in as `email` (every demo user has the demo password). */
async function signedIn(backend, email) {
  const client = newClient(backend);
  const { data, error } = await client.auth.signInWithPassword({ email, password: backend.demo_password });
  assert.equal(error, null, `${email} signs in`);
  return { client, userId: data.user.id };
}

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

  describe('reviews tables', () => {
    const onConflict = 'agency_id,call_id,reviewer_id';
    /** Signed in: the demo reviewer, a colleague at Northwind, a reviewer at Harbor. */
    let reviewer;
    let colleague;
    let harbor;
    let reviewId;
    const noteIds = [crypto.randomUUID(), crypto.randomUUID()];
    const review = (status, editedAt) => ({
      agency_id: AGENCIES.NORTHWIND,
      call_id: FIXTURES.WAV_PCM16,
      status,
      checks: { greeting: { result: 'pass' }, identity: { result: 'fail', comment: 'no date of birth' } },
      score: 66.67,
      edited_at: editedAt,
    });
    const note = (id, body) => ({
      id,
      agency_id: AGENCIES.NORTHWIND,
      call_id: FIXTURES.WAV_PCM16,
      kind: 'note',
      at_ms: 1500,
      end_ms: null,
      body,
      created_at: '2026-12-07T09:00:00.000Z',
    });

    before(async () => {
      reviewer = await signedIn(backend, backend.demo_email);
      colleague = await signedIn(backend, COLLEAGUE_EMAIL);
      harbor = await signedIn(backend, HARBOR_EMAIL);
    });

    test('the agency scorecard is readable and not writable', async () => {
      const { data, error } = await reviewer.client.from('callrec_scorecards').select('*');
      assert.equal(error, null);
      assert.equal(data.length, 1);
      assert.equal(data[0].agency_id, AGENCIES.NORTHWIND);
      assert.ok(data[0].checks.length >= 4, 'seeded checks');
      for (const check of data[0].checks) {
        assert.equal(typeof check.id, 'string');
        assert.equal(typeof check.label, 'string');
        assert.equal(typeof check.weight, 'number');
      }
      const { error: writeError, status } = await reviewer.client
        .from('callrec_scorecards')
        .update({ checks: [] })
        .eq('agency_id', AGENCIES.NORTHWIND);
      assert.equal(writeError.code, '42501');
      assert.equal(status, 403);
    });

    test('upsert of a review meets one row on its natural key; an older edit loses', async () => {
      const first = await reviewer.client
        .from('callrec_reviews')
        .upsert(review('in_review', '2026-12-07T10:00:00.000Z'), { onConflict })
        .select()
        .single();
      assert.equal(first.error, null);
      assert.equal(first.status, 201);
      assert.equal(first.data.reviewer_id, reviewer.userId, 'reviewer_id defaults to auth.uid()');
      assert.equal(first.data.score, 66.67);
      assert.equal(first.data.checks.identity.comment, 'no date of birth');
      reviewId = first.data.id;

      const second = await reviewer.client
        .from('callrec_reviews')
        .upsert(review('reviewed', '2026-12-07T11:00:00.000Z'), { onConflict })
        .select()
        .single();
      assert.equal(second.error, null);
      assert.equal(second.status, 200, 'updated, not inserted');
      assert.equal(second.data.id, reviewId);
      assert.equal(second.data.status, 'reviewed');
      assert.ok(Date.parse(second.data.updated_at) >= Date.parse(first.data.updated_at));

      const stale = await reviewer.client
        .from('callrec_reviews')
        .upsert(review('flagged', '2026-12-06T23:00:00.000Z'), { onConflict })
        .select()
        .single();
      assert.equal(stale.error, null);
      assert.deepEqual(stale.data, second.data, 'the stored row comes back unchanged');
    });

    test('update().eq() changes the reviewer’s own review only', async () => {
      const mine = await reviewer.client
        .from('callrec_reviews')
        .update({ status: 'flagged', edited_at: '2026-12-07T12:00:00.000Z' })
        .eq('id', reviewId)
        .select();
      assert.equal(mine.error, null);
      assert.equal(mine.data.length, 1);
      assert.equal(mine.data[0].status, 'flagged');

      const theirs = await colleague.client
        .from('callrec_reviews')
        .update({ status: 'unreviewed', edited_at: '2026-12-08T00:00:00.000Z' })
        .eq('id', reviewId)
        .select();
      assert.equal(theirs.error, null);
      assert.deepEqual(theirs.data, [], 'another reviewer’s review matches nothing');
      const { data } = await colleague.client.from('callrec_reviews').select('status').eq('id', reviewId);
      assert.deepEqual(data, [{ status: 'flagged' }], 'but the colleague reads it');
    });

    test('notes: upsert on id, a duplicate insert is 23505, a delete is refused', async () => {
      const pushed = await reviewer.client
        .from('callrec_notes')
        .upsert([note(noteIds[0], 'Greeting was rushed'), note(noteIds[1], 'Good recovery')], { onConflict: 'id' })
        .select();
      assert.equal(pushed.error, null);
      assert.equal(pushed.status, 201);
      assert.deepEqual(pushed.data.map((n) => n.id), noteIds);

      const again = await reviewer.client
        .from('callrec_notes')
        .upsert(note(noteIds[0], 'Greeting was rushed'), { onConflict: 'id' })
        .select();
      assert.equal(again.error, null, 'a re-push of the same note is accepted');

      const duplicate = await reviewer.client.from('callrec_notes').insert(note(noteIds[0], 'Greeting was rushed'));
      assert.equal(duplicate.error.code, '23505');
      assert.equal(duplicate.status, 409);

      const edited = await reviewer.client
        .from('callrec_notes')
        .upsert(note(noteIds[0], 'Rewritten'), { onConflict: 'id' });
      assert.equal(edited.error.code, '23514', 'notes are append-only');

      const tombstone = await reviewer.client
        .from('callrec_notes')
        .update({ deleted_at: '2026-12-07T13:00:00.000Z' })
        .eq('id', noteIds[1])
        .select()
        .single();
      assert.equal(tombstone.error, null);
      assert.equal(Date.parse(tombstone.data.deleted_at), Date.parse('2026-12-07T13:00:00.000Z'));

      const deleted = await reviewer.client.from('callrec_notes').delete().eq('id', noteIds[0]);
      assert.equal(deleted.error.code, '42501');
      assert.equal(deleted.status, 403);
    });

    test('a pull pages by updated_at then id', async () => {
      const all = await reviewer.client
        .from('callrec_notes')
        .select('*')
        .eq('agency_id', AGENCIES.NORTHWIND)
        .order('updated_at', { ascending: true })
        .order('id', { ascending: true });
      assert.equal(all.error, null);
      assert.equal(all.data.length, 2);
      const [cursor, next] = all.data;

      const after = await reviewer.client
        .from('callrec_notes')
        .select('*')
        .eq('agency_id', AGENCIES.NORTHWIND)
        .gt('updated_at', cursor.updated_at)
        .order('updated_at')
        .order('id');
      assert.equal(after.error, null);
      assert.deepEqual(after.data, [next]);

      const keyset = await reviewer.client
        .from('callrec_notes')
        .select('*')
        .eq('agency_id', AGENCIES.NORTHWIND)
        .or(`updated_at.gt.${cursor.updated_at},and(updated_at.eq.${cursor.updated_at},id.gt.${cursor.id})`)
        .order('updated_at')
        .order('id')
        .limit(500);
      assert.equal(keyset.error, null);
      assert.deepEqual(keyset.data, [next]);
    });

    test('another agency’s reviewer sees none of it', async () => {
      for (const table of ['callrec_reviews', 'callrec_notes']) {
        const { data, error } = await harbor.client.from(table).select('*');
        assert.equal(error, null);
        assert.deepEqual(data, [], table);
      }
      const { data } = await harbor.client.from('callrec_scorecards').select('agency_id');
      assert.deepEqual(data, [{ agency_id: AGENCIES.HARBOR }]);
      const intrusion = await harbor.client
        .from('callrec_reviews')
        .upsert(review('flagged', '2026-12-09T00:00:00.000Z'), { onConflict });
      assert.equal(intrusion.error.code, '42501', 'no writes into another agency');
      assert.equal(intrusion.status, 403);
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
