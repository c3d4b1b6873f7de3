-- The little of Supabase that supabase/migrations/20261207000000_callrec_reviews.sql relies on,
-- for a throwaway PostgreSQL cluster (scripts/test-postgres): the API roles, `auth.uid()` as
-- Supabase defines it, Supabase's default privileges on `public`, and an agency's `users` table.
\set ON_ERROR_STOP on

-- PostgREST switches to one of these per request; the service role bypasses row level security.
create role anon nologin noinherit;
create role authenticated nologin noinherit;
create role service_role nologin noinherit bypassrls;

-- The signed-in user: the JWT's `sub`, from the legacy per-claim setting or from the claims
-- object PostgREST sets (`request.jwt.claims`), null when there is none.
create schema auth;
grant usage on schema auth to anon, authenticated, service_role;

create function auth.uid()
returns uuid
language sql
stable
as $$
  select coalesce(
    nullif(current_setting('request.jwt.claim.sub', true), ''),
    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub')
  )::uuid
$$;

grant execute on function auth.uid() to anon, authenticated, service_role;

-- Supabase grants everything on new objects in `public` to the API roles; the migration must
-- take back what they should not have.
grant usage on schema public to anon, authenticated, service_role;
alter default privileges in schema public grant all on tables to anon, authenticated, service_role;
alter default privileges in schema public grant all on sequences to anon, authenticated, service_role;
alter default privileges in schema public grant all on functions to anon, authenticated, service_role;

-- The agency's users. Reviewers read it only through public.callrec_agency() (security definer).
create table public.users (
  id uuid primary key,
  agency_id uuid
);
revoke all on public.users from public, anon, authenticated;
grant all on public.users to service_role;
