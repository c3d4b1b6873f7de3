-- Who may read and write Callrec's shared reviews, and the rules the triggers and constraints
-- keep (docs/reviews.md), checked against supabase/migrations/20261207000000_callrec_reviews.sql
-- on a stand-in for Supabase (supabase-stand-in.sql). Run by scripts/test-postgres with
-- `psql -At`: every check prints one `ok - <what>` line; the first failure stops the run with
-- `not ok - <what>: <why>`.
--
-- People: agency 1 has reviewers A1 and A2, agency 2 has B1; "stranger" is signed in but has no
-- row in public.users. A reviewer is signed in, as PostgREST does it, with
-- `set local role authenticated; set local request.jwt.claims = '{"sub": "<id>"}'` inside a
-- transaction.
\set ON_ERROR_STOP on
\set VERBOSITY terse

\set A1 '{"sub": "0b000000-0000-4000-8000-0000000000a1", "role": "authenticated"}'
\set A2 '{"sub": "0b000000-0000-4000-8000-0000000000a2", "role": "authenticated"}'
\set B1 '{"sub": "0b000000-0000-4000-8000-0000000000b1", "role": "authenticated"}'
\set stranger '{"sub": "0b000000-0000-4000-8000-0000000000ff", "role": "authenticated"}'

-- Helpers ---------------------------------------------------------------------------------------
-- They run with the caller's rights, so a statement given to them runs as the signed-in role.

create schema test;
grant usage on schema test to anon, authenticated, service_role;

create function test.id(name text)
returns uuid
language sql
immutable
as $$
  select case name
    when 'agency 1' then '0a000000-0000-4000-8000-000000000001'
    when 'agency 2' then '0a000000-0000-4000-8000-000000000002'
    when 'A1' then '0b000000-0000-4000-8000-0000000000a1'
    when 'A2' then '0b000000-0000-4000-8000-0000000000a2'
    when 'B1' then '0b000000-0000-4000-8000-0000000000b1'
    when 'stranger' then '0b000000-0000-4000-8000-0000000000ff'
    when 'note 1' then '0c000000-0000-4000-8000-000000000001'
    when 'bookmark 1' then '0c000000-0000-4000-8000-000000000002'
    when 'note 2' then '0c000000-0000-4000-8000-000000000003'
  end::uuid
$$;

create function test.ok(cond boolean, what text)
returns text
language plpgsql
as $$
begin
  if cond is not true then
    raise exception 'not ok - %', what;
  end if;
  return 'ok - ' || what;
end
$$;

create function test.is(got anyelement, want anyelement, what text)
returns text
language plpgsql
as $$
begin
  if got is distinct from want then
    raise exception 'not ok - %: got %, want %', what, coalesce(got::text, 'null'), coalesce(want::text, 'null');
  end if;
  return 'ok - ' || what;
end
$$;

-- `stmt` must fail with SQLSTATE `state` (42501: refused by a grant or a policy; 23514: a check).
create function test.throws(stmt text, state text, what text)
returns text
language plpgsql
as $$
begin
  begin
    execute stmt;
  exception when others then
    if sqlstate = state then
      return 'ok - ' || what;
    end if;
    raise exception 'not ok - %: want SQLSTATE %, got % (%)', what, state, sqlstate, sqlerrm;
  end;
  raise exception 'not ok - %: want SQLSTATE %, but it succeeded', what, state;
end
$$;

-- `stmt` must succeed and touch `want` rows.
create function test.rows(stmt text, want int, what text)
returns text
language plpgsql
as $$
declare
  got int;
begin
  execute stmt;
  get diagnostics got = row_count;
  if got <> want then
    raise exception 'not ok - %: % rows, want %', what, got, want;
  end if;
  return 'ok - ' || what;
end
$$;

-- Seed: the agencies' users (superuser) and scorecards (service role) ---------------------------

insert into public.users (id, agency_id) values
  (test.id('A1'), test.id('agency 1')),
  (test.id('A2'), test.id('agency 1')),
  (test.id('B1'), test.id('agency 2'));

begin;
set local role service_role;
insert into public.callrec_scorecards (agency_id, checks, updated_at) values
  (test.id('agency 1'), '[{"id": "greet", "label": "Greets the caller", "weight": 1}]', '2000-01-01Z'),
  (test.id('agency 2'), '[{"id": "close", "label": "Closes the call", "weight": 2}]', '2000-01-01Z');
select test.ok(count(*) = 2 and bool_and(updated_at > '2001-01-01Z'),
  'the service role writes scorecards; their updated_at is the server''s clock')
from public.callrec_scorecards;
select test.throws($$update public.callrec_scorecards set checks = '{}'$$, '23514',
  'a scorecard''s checks must be an array');
commit;

-- Scorecards and users: read by the agency, written by nobody else ------------------------------

begin;
set local role authenticated;
set local request.jwt.claims = :'A1';
select test.is((select array_agg(agency_id) from public.callrec_scorecards), array[test.id('agency 1')],
  'A1 reads their agency''s scorecard only');
select test.throws($$insert into public.callrec_scorecards (agency_id) values (test.id('agency 1') )$$, '42501',
  'a reviewer cannot insert a scorecard');
select test.throws($$update public.callrec_scorecards set checks = '[]'$$, '42501',
  'a reviewer cannot update a scorecard');
select test.throws($$delete from public.callrec_scorecards$$, '42501',
  'a reviewer cannot delete a scorecard');
select test.throws($$select * from public.users$$, '42501',
  'a reviewer cannot read public.users directly');
rollback;

begin;
set local role authenticated;
set local request.jwt.claims = :'B1';
select test.is((select array_agg(agency_id) from public.callrec_scorecards), array[test.id('agency 2')],
  'B1 reads their agency''s scorecard only');
rollback;

-- A1 writes a review and notes ----------------------------------------------------------------

begin;
set local role authenticated;
set local request.jwt.claims = :'A1';
-- reviewer_id from the default (auth.uid()); updated_at as sent is overwritten by the trigger.
insert into public.callrec_reviews (agency_id, call_id, status, checks, score, edited_at, updated_at)
values (test.id('agency 1'), 'call-1', 'in_review', '{"greet": {"result": "pass"}}', 50,
  '2026-12-07 10:00Z', '2000-01-01Z');
select test.ok((select reviewer_id = test.id('A1') and updated_at > '2001-01-01Z'
    from public.callrec_reviews where call_id = 'call-1'),
  'A1 inserts a review: reviewer_id defaults to auth.uid(), updated_at is the server''s clock');
insert into public.callrec_notes (id, agency_id, call_id, kind, at_ms, end_ms, body, created_at, updated_at)
values
  (test.id('note 1'), test.id('agency 1'), 'call-1', 'note', 1500, 4000, 'Greets the caller by name',
    '2026-12-07 09:59Z', '2000-01-01Z'),
  (test.id('bookmark 1'), test.id('agency 1'), 'call-1', 'bookmark', 60000, null, '',
    '2026-12-07 09:58Z', '2000-01-01Z');
select test.ok((select count(*) = 2 and bool_and(reviewer_id = test.id('A1'))
      and bool_and(updated_at > '2001-01-01Z')
      and min(created_at) = '2026-12-07 09:58Z' and max(created_at) = '2026-12-07 09:59Z'
    from public.callrec_notes),
  'A1 inserts a note and a bookmark: created_at kept as sent, updated_at the server''s clock');
commit;

-- Colleagues read, other agencies and strangers do not ------------------------------------------

begin;
set local role authenticated;
set local request.jwt.claims = :'A2';
select test.is((select count(*)::int from public.callrec_reviews where reviewer_id = test.id('A1')), 1,
  'A2 reads A1''s review');
select test.is((select count(*)::int from public.callrec_notes where reviewer_id = test.id('A1')), 2,
  'A2 reads A1''s notes');
rollback;

begin;
set local role authenticated;
set local request.jwt.claims = :'B1';
select test.is((select count(*)::int from public.callrec_reviews), 0,
  'B1 (another agency) reads no reviews, without an error');
select test.is((select count(*)::int from public.callrec_notes), 0,
  'B1 (another agency) reads no notes, without an error');
select test.rows($$insert into public.callrec_reviews (agency_id, call_id, status)
    values (test.id('agency 2'), 'call-1', 'in_review')$$, 1,
  'B1 inserts a review of their agency''s call-1');
commit;

begin;
set local role authenticated;
set local request.jwt.claims = :'A1';
select test.is((select count(*)::int from public.callrec_reviews), 1,
  'A1 does not read B1''s review');
rollback;

begin;
set local role authenticated;
set local request.jwt.claims = :'stranger';
select test.is((select count(*)::int from public.callrec_reviews) + (select count(*)::int from public.callrec_notes)
    + (select count(*)::int from public.callrec_scorecards), 0,
  'a signed-in user without a row in users reads nothing');
select test.throws($$insert into public.callrec_reviews (agency_id, call_id) values (test.id('agency 1'), 'call-1')$$,
  '42501', 'a signed-in user without a row in users cannot insert a review');
rollback;

begin;
set local role authenticated;
select test.is((select count(*)::int from public.callrec_reviews), 0,
  'authenticated without a JWT subject reads nothing');
rollback;

begin;
set local role authenticated;
-- The legacy per-claim setting, which auth.uid() reads first.
set local request.jwt.claim.sub = '0b000000-0000-4000-8000-0000000000a2';
select test.is((select count(*)::int from public.callrec_reviews), 1,
  'auth.uid() also reads request.jwt.claim.sub');
rollback;

begin;
set local role anon;
select test.throws($$select * from public.callrec_reviews$$, '42501', 'anon cannot read reviews');
select test.throws($$select * from public.callrec_notes$$, '42501', 'anon cannot read notes');
select test.throws($$select * from public.callrec_scorecards$$, '42501', 'anon cannot read scorecards');
select test.throws($$insert into public.callrec_reviews (agency_id, call_id, reviewer_id)
    values (test.id('agency 1'), 'call-9', test.id('A1'))$$, '42501', 'anon cannot insert a review');
select test.throws($$insert into public.callrec_notes (id, agency_id, call_id, reviewer_id, at_ms)
    values (gen_random_uuid(), test.id('agency 1'), 'call-9', test.id('A1'), 0)$$, '42501',
  'anon cannot insert a note');
select test.throws($$select public.callrec_agency()$$, '42501', 'anon cannot call callrec_agency()');
rollback;

-- Only one's own rows, in one's own agency ------------------------------------------------------

begin;
set local role authenticated;
set local request.jwt.claims = :'A2';
select test.rows($$update public.callrec_reviews set status = 'flagged', edited_at = '2030-01-01Z'$$, 0,
  'A2 cannot update A1''s review (0 rows)');
select test.rows($$update public.callrec_notes set deleted_at = now()$$, 0,
  'A2 cannot tombstone A1''s notes (0 rows)');
select test.throws($$insert into public.callrec_reviews (agency_id, call_id, reviewer_id)
    values (test.id('agency 1'), 'call-2', test.id('A1'))$$, '42501',
  'A2 cannot insert a review as A1');
select test.throws($$insert into public.callrec_reviews (agency_id, call_id)
    values (test.id('agency 2'), 'call-2')$$, '42501',
  'A2 cannot insert a review into agency 2');
select test.throws($$insert into public.callrec_notes (id, agency_id, call_id, reviewer_id, at_ms)
    values (gen_random_uuid(), test.id('agency 1'), 'call-2', test.id('A1'), 0)$$, '42501',
  'A2 cannot insert a note as A1');
select test.throws($$insert into public.callrec_notes (id, agency_id, call_id, at_ms)
    values (gen_random_uuid(), test.id('agency 2'), 'call-2', 0)$$, '42501',
  'A2 cannot insert a note into agency 2');
-- A note upserted over A1's note id meets A1's row, which A2 may not update.
select test.throws($$insert into public.callrec_notes (id, agency_id, call_id, at_ms, body)
    values (test.id('note 1'), test.id('agency 1'), 'call-1', 0, 'mine now')
    on conflict (id) do update set body = excluded.body$$, '42501',
  'A2 cannot take over A1''s note by upserting its id');
select test.rows($$insert into public.callrec_reviews (agency_id, call_id, status, edited_at)
    values (test.id('agency 1'), 'call-1', 'reviewed', '2026-12-07 10:30Z')$$, 1,
  'A2 inserts their own review of the same call');
commit;

begin;
set local role authenticated;
set local request.jwt.claims = :'A1';
select test.throws($$delete from public.callrec_reviews where reviewer_id = auth.uid()$$, '42501',
  'A1 cannot delete their own review');
select test.throws($$delete from public.callrec_notes where reviewer_id = auth.uid()$$, '42501',
  'A1 cannot delete their own notes');
select test.throws($$truncate public.callrec_notes$$, '42501', 'a reviewer cannot truncate notes');
select test.throws($$update public.callrec_reviews set call_id = 'call-2' where reviewer_id = auth.uid()$$,
  '23514', 'a review cannot move to another call');
select test.throws($$update public.callrec_reviews set agency_id = test.id('agency 2') where reviewer_id = auth.uid()$$,
  '23514', 'a review cannot move to another agency');
rollback;

-- A review: last writer wins by edited_at -------------------------------------------------------
-- The upsert PostgREST makes for a push (on_conflict=agency_id,call_id,reviewer_id). `stored` is
-- the row before it: every part of one statement sees the same snapshot.

begin;
set local role authenticated;
set local request.jwt.claims = :'A1';
with stored as (
  select * from public.callrec_reviews where call_id = 'call-1' and reviewer_id = auth.uid()
), pushed as (
  insert into public.callrec_reviews (agency_id, call_id, status, checks, score, edited_at)
  values (test.id('agency 1'), 'call-1', 'flagged', '{}', 0, '2026-12-07 09:00Z')
  on conflict (agency_id, call_id, reviewer_id) do update
  set status = excluded.status, checks = excluded.checks, score = excluded.score,
    edited_at = excluded.edited_at
  returning *
)
select test.ok((select row(p.*)::text = row(s.*)::text from pushed p, stored s),
  'an upsert with an older edited_at returns the stored row, unchanged (updated_at included)');
select test.ok((select status = 'in_review' and score = 50 and edited_at = '2026-12-07 10:00Z'
    from public.callrec_reviews where call_id = 'call-1' and reviewer_id = auth.uid()),
  'the older upsert left the row as it was');
with stored as (
  select * from public.callrec_reviews where call_id = 'call-1' and reviewer_id = auth.uid()
), pushed as (
  insert into public.callrec_reviews (agency_id, call_id, status, checks, score, edited_at)
  values (test.id('agency 1'), 'call-1', 'reviewed', '{"greet": {"result": "fail", "comment": "no name"}}', 0,
    '2026-12-07 11:00Z')
  on conflict (agency_id, call_id, reviewer_id) do update
  set status = excluded.status, checks = excluded.checks, score = excluded.score,
    edited_at = excluded.edited_at
  returning *
)
select test.ok((select p.id = s.id and p.status = 'reviewed' and p.score = 0
      and p.edited_at = '2026-12-07 11:00Z' and p.updated_at > s.updated_at
    from pushed p, stored s),
  'an upsert with a newer edited_at wins and moves updated_at on');
commit;

-- Notes: append-only, tombstoned by their author, never restored --------------------------------

begin;
set local role authenticated;
set local request.jwt.claims = :'A1';
select test.throws($$update public.callrec_notes set body = 'edited' where id = test.id('note 1')$$, '23514',
  'a note''s body cannot be changed');
select test.throws($$update public.callrec_notes set at_ms = 0 where id = test.id('note 1')$$, '23514',
  'a note''s time cannot be changed');
select test.throws($$update public.callrec_notes set kind = 'bookmark' where id = test.id('note 1')$$, '23514',
  'a note''s kind cannot be changed');
with stored as (
  select * from public.callrec_notes where id = test.id('note 1')
), tombstoned as (
  update public.callrec_notes set deleted_at = '2026-12-07 12:00Z' where id = test.id('note 1') returning *
)
select test.ok((select t.deleted_at = '2026-12-07 12:00Z' and t.updated_at > s.updated_at
    from tombstoned t, stored s),
  'A1 tombstones their note; updated_at moves on');
-- The upsert PostgREST makes for a push (on_conflict=id) sets every column sent.
select test.rows($$insert into public.callrec_notes (id, agency_id, call_id, kind, at_ms, end_ms, body,
      created_at, deleted_at)
    values (test.id('note 1'), test.id('agency 1'), 'call-1', 'note', 1500, 4000, 'Greets the caller by name',
      '2026-12-07 09:59Z', '2026-12-07 12:00Z')
    on conflict (id) do update set agency_id = excluded.agency_id, call_id = excluded.call_id,
      kind = excluded.kind, at_ms = excluded.at_ms, end_ms = excluded.end_ms, body = excluded.body,
      created_at = excluded.created_at, deleted_at = excluded.deleted_at$$, 1,
  'a re-push of the unchanged, tombstoned note is accepted');
update public.callrec_notes set deleted_at = '2026-12-08 08:00Z' where id = test.id('note 1');
select test.is((select deleted_at from public.callrec_notes where id = test.id('note 1')),
  '2026-12-07 12:00Z'::timestamptz, 'a second tombstone keeps the first one''s time');
select test.throws($$update public.callrec_notes set deleted_at = null where id = test.id('note 1')$$, '23514',
  'a tombstone cannot be cleared');
select test.throws($$insert into public.callrec_notes (id, agency_id, call_id, kind, at_ms, end_ms, body,
      created_at, deleted_at)
    values (test.id('note 1'), test.id('agency 1'), 'call-1', 'note', 1500, 4000, 'Greets the caller by name',
      '2026-12-07 09:59Z', null)
    on conflict (id) do update set deleted_at = excluded.deleted_at$$, '23514',
  'a re-push without the tombstone cannot clear it');
commit;

begin;
set local role authenticated;
set local request.jwt.claims = :'A2';
select test.ok((select deleted_at is not null from public.callrec_notes where id = test.id('note 1')),
  'A2 reads the tombstone of A1''s note');
rollback;

-- Constraints ---------------------------------------------------------------------------------

begin;
set local role authenticated;
set local request.jwt.claims = :'A1';
select test.throws($$insert into public.callrec_reviews (agency_id, call_id, status)
    values (test.id('agency 1'), 'call-3', 'done')$$, '23514', 'a review''s status must be one of the four');
select test.throws($$insert into public.callrec_reviews (agency_id, call_id, score)
    values (test.id('agency 1'), 'call-3', 100.01)$$, '23514', 'a review''s score is at most 100');
select test.throws($$insert into public.callrec_reviews (agency_id, call_id, score)
    values (test.id('agency 1'), 'call-3', -1)$$, '23514', 'a review''s score is at least 0');
select test.throws($$insert into public.callrec_reviews (agency_id, call_id, checks)
    values (test.id('agency 1'), 'call-3', '[]')$$, '23514', 'a review''s checks must be an object');
select test.throws($$insert into public.callrec_notes (id, agency_id, call_id, kind, at_ms)
    values (gen_random_uuid(), test.id('agency 1'), 'call-3', 'comment', 0)$$, '23514',
  'a note''s kind is note or bookmark');
select test.throws($$insert into public.callrec_notes (id, agency_id, call_id, at_ms)
    values (gen_random_uuid(), test.id('agency 1'), 'call-3', -1)$$, '23514', 'a note''s at_ms is not negative');
select test.throws($$insert into public.callrec_notes (id, agency_id, call_id, at_ms, end_ms)
    values (gen_random_uuid(), test.id('agency 1'), 'call-3', 5000, 4999)$$, '23514',
  'a note''s end_ms is not before its at_ms');
select test.throws($$insert into public.callrec_notes (id, agency_id, call_id, at_ms, body)
    values (gen_random_uuid(), test.id('agency 1'), 'call-3', 0, repeat('x', 10001))$$, '23514',
  'a note''s body is at most 10,000 characters');
select test.rows($$insert into public.callrec_notes (id, agency_id, call_id, at_ms, end_ms, body)
    values (test.id('note 2'), test.id('agency 1'), 'call-3', 5000, 5000, repeat('é', 10000))$$, 1,
  'a 10,000-character body (20,000 bytes) and an empty span are accepted');
rollback;

-- The service role (the agency's admin) bypasses row level security ------------------------------

begin;
set local role service_role;
select test.is((select count(*)::int from public.callrec_reviews), 3,
  'the service role reads every agency''s reviews');
rollback;
