-- Callrec's shared call reviews (docs/reviews.md): scorecards, reviews and notes, per agency.
--
-- Applied once to an agency's Supabase project. Relies only on: schema `auth` with `auth.uid()`,
-- the roles `anon`, `authenticated` and `service_role`, and the agency's
-- `public.users (id uuid primary key, agency_id uuid)`.
--
-- Who may do what is enforced here, not in the app: row level security scopes every read to the
-- reviewer's agency and every write to the reviewer's own rows; triggers keep `updated_at` on the
-- server's clock (the pull cursor), make a review last-writer-wins by `edited_at`, and keep notes
-- append-only.

-- The signed-in reviewer's agency: the `agency_id` of their row in `public.users`, or null.
-- Security definer so that reviewers need no grant on `public.users` itself (it may hold more
-- than they should read); an empty search_path and qualified names so that nobody can shadow
-- `users` or `uid()` with objects of their own. Stable: evaluated once per statement when
-- policies call it as `(select public.callrec_agency())`.
create function public.callrec_agency()
returns uuid
language sql
stable
security definer
set search_path = ''
as $$
  select u.agency_id from public.users u where u.id = auth.uid()
$$;

revoke all on function public.callrec_agency() from public, anon;
grant execute on function public.callrec_agency() to authenticated, service_role;

-- Tables ------------------------------------------------------------------------------------------

-- An agency's scorecard: the checks a review scores. Written by the agency's admin (service role).
create table public.callrec_scorecards (
  agency_id uuid primary key,
  checks jsonb not null default '[]'::jsonb,
  updated_at timestamptz not null default now(),
  -- [{"id", "label", "weight"}]
  constraint callrec_scorecards_checks_array check (jsonb_typeof(checks) = 'array')
);

-- One reviewer's review of one call. `call_id` is text: agencies' `calls.id` differ in type.
create table public.callrec_reviews (
  id uuid primary key default gen_random_uuid(),
  agency_id uuid not null,
  call_id text not null,
  reviewer_id uuid not null default auth.uid(),
  status text not null default 'unreviewed',
  -- {"<check id>": {"result": "pass" | "fail" | "na", "comment": text?}}
  checks jsonb not null default '{}'::jsonb,
  -- null when nothing is scored
  score numeric(5, 2),
  -- the reviewer's clock, when the change was made: decides which of two writes wins
  edited_at timestamptz not null default now(),
  -- the server's clock, set by a trigger on every accepted write: the pull cursor
  updated_at timestamptz not null default now(),
  -- the natural key: two computers of one reviewer meet on one row (upsert on_conflict)
  constraint callrec_reviews_key unique (agency_id, call_id, reviewer_id),
  constraint callrec_reviews_status check (status in ('unreviewed', 'in_review', 'reviewed', 'flagged')),
  constraint callrec_reviews_checks_object check (jsonb_typeof(checks) = 'object'),
  constraint callrec_reviews_score check (score between 0 and 100)
);

-- A note or bookmark at a point (or span) of a call. `id` is made by the client, so a re-push
-- of the same note meets the same row (upsert on_conflict=id).
create table public.callrec_notes (
  id uuid primary key,
  agency_id uuid not null,
  call_id text not null,
  reviewer_id uuid not null default auth.uid(),
  kind text not null default 'note',
  at_ms bigint not null,
  end_ms bigint,
  body text not null default '',
  -- the reviewer's clock, when the note was written; kept as sent
  created_at timestamptz not null default now(),
  -- a tombstone: notes are never deleted, and a tombstone is never undone
  deleted_at timestamptz,
  -- the server's clock, set by a trigger on every write: the pull cursor
  updated_at timestamptz not null default now(),
  constraint callrec_notes_kind check (kind in ('note', 'bookmark')),
  constraint callrec_notes_at_ms check (at_ms >= 0),
  constraint callrec_notes_end_ms check (end_ms is null or end_ms >= at_ms),
  constraint callrec_notes_body_length check (char_length(body) <= 10000)
);

-- Pulls read `updated_at, id` in keyset order within the agency.
create index callrec_reviews_pull on public.callrec_reviews (agency_id, updated_at, id);
create index callrec_notes_pull on public.callrec_notes (agency_id, updated_at, id);
-- A call's notes. (A call's reviews use the unique key, which begins with agency_id, call_id.)
create index callrec_notes_call on public.callrec_notes (agency_id, call_id);

-- Triggers ----------------------------------------------------------------------------------------

-- Scorecards: updated_at is the server's clock. clock_timestamp(), not now(): now() is the start
-- of the transaction, and a pull cursor must not go backwards within a long one.
create function public.callrec_scorecards_stamp()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  new.updated_at := clock_timestamp();
  return new;
end
$$;

create trigger callrec_scorecards_stamp
before insert or update on public.callrec_scorecards
for each row execute function public.callrec_scorecards_stamp();

-- Reviews: last writer wins by edited_at. An update older than the stored row (a change made
-- offline yesterday reaching the server after this morning's) returns OLD: the row stays as it
-- was, updated_at included, and an upsert's RETURNING hands back the stored row, so the client
-- adopts it. Otherwise updated_at is stamped. The natural key never moves: a review belongs to
-- one call, one reviewer and one agency for good.
create function public.callrec_reviews_write()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if tg_op = 'UPDATE' then
    if new.agency_id is distinct from old.agency_id
      or new.call_id is distinct from old.call_id
      or new.reviewer_id is distinct from old.reviewer_id then
      raise exception 'callrec_reviews: agency_id, call_id and reviewer_id cannot change'
        using errcode = '23514';
    end if;
    if new.edited_at < old.edited_at then
      return old;
    end if;
  end if;
  new.updated_at := clock_timestamp();
  return new;
end
$$;

create trigger callrec_reviews_write
before insert or update on public.callrec_reviews
for each row execute function public.callrec_reviews_write();

-- Notes are append-only: text, times, kind and owner never change once written; the only change
-- is a tombstone, set once and never undone. A re-push of the same note (an upsert sends every
-- column) is accepted as it changes nothing; a second tombstone (say, from the reviewer's other
-- computer) keeps the first one's time. created_at is the reviewer's and kept as sent.
create function public.callrec_notes_write()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if tg_op = 'UPDATE' then
    if new.id is distinct from old.id
      or new.agency_id is distinct from old.agency_id
      or new.call_id is distinct from old.call_id
      or new.reviewer_id is distinct from old.reviewer_id
      or new.kind is distinct from old.kind
      or new.at_ms is distinct from old.at_ms
      or new.end_ms is distinct from old.end_ms
      or new.body is distinct from old.body
      or new.created_at is distinct from old.created_at then
      raise exception 'callrec_notes: a note cannot be edited, only deleted (deleted_at set)'
        using errcode = '23514';
    end if;
    if old.deleted_at is not null then
      if new.deleted_at is null then
        raise exception 'callrec_notes: a deleted note cannot be restored (deleted_at cannot be cleared)'
          using errcode = '23514';
      end if;
      new.deleted_at := old.deleted_at;
    end if;
  end if;
  new.updated_at := clock_timestamp();
  return new;
end
$$;

create trigger callrec_notes_write
before insert or update on public.callrec_notes
for each row execute function public.callrec_notes_write();

-- Row level security --------------------------------------------------------------------------

alter table public.callrec_scorecards enable row level security;
alter table public.callrec_reviews enable row level security;
alter table public.callrec_notes enable row level security;

-- Reviewers read their agency's rows: their colleagues' reviews and notes included.
-- `(select ...)` makes the planner evaluate each function once per statement, not per row.
create policy callrec_scorecards_read on public.callrec_scorecards
for select to authenticated
using (agency_id = (select public.callrec_agency()));

create policy callrec_reviews_read on public.callrec_reviews
for select to authenticated
using (agency_id = (select public.callrec_agency()));

create policy callrec_notes_read on public.callrec_notes
for select to authenticated
using (agency_id = (select public.callrec_agency()));

-- Reviewers write their own rows, in their own agency only.
create policy callrec_reviews_insert on public.callrec_reviews
for insert to authenticated
with check (reviewer_id = (select auth.uid()) and agency_id = (select public.callrec_agency()));

create policy callrec_reviews_update on public.callrec_reviews
for update to authenticated
using (reviewer_id = (select auth.uid()))
with check (reviewer_id = (select auth.uid()) and agency_id = (select public.callrec_agency()));

create policy callrec_notes_insert on public.callrec_notes
for insert to authenticated
with check (reviewer_id = (select auth.uid()) and agency_id = (select public.callrec_agency()));

create policy callrec_notes_update on public.callrec_notes
for update to authenticated
using (reviewer_id = (select auth.uid()))
with check (reviewer_id = (select auth.uid()) and agency_id = (select public.callrec_agency()));

-- No delete policy anywhere: a review is kept, a note is tombstoned. Scorecards have no insert
-- or update policy: only the service role (which bypasses row level security) writes them.

-- Grants ----------------------------------------------------------------------------------------

-- Supabase's default privileges grant everything on new tables in `public` to anon and
-- authenticated; take it all back, then grant only what the policies above govern. anon gets
-- nothing, and nobody but the service role may delete or truncate.
revoke all on public.callrec_scorecards, public.callrec_reviews, public.callrec_notes
  from public, anon, authenticated;
grant select, insert, update on public.callrec_reviews, public.callrec_notes to authenticated;
grant select on public.callrec_scorecards to authenticated;
grant all on public.callrec_scorecards, public.callrec_reviews, public.callrec_notes to service_role;
