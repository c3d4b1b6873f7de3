// Answers straight from the backend's REST API (password grant + PostgREST), to compare what
// the app shows with what the server holds — independent of the app's own code.

/** Signs in by GoTrue's password grant; resolves with the access token. */
export async function accessToken(backend) {
  const response = await fetch(new URL('auth/v1/token?grant_type=password', base(backend)), {
    method: 'POST',
    headers: { apikey: backend.anon_key, 'content-type': 'application/json' },
    body: JSON.stringify({ email: backend.demo_email, password: backend.demo_password }),
  });
  if (!response.ok) throw new Error(`password grant: ${response.status} ${await response.text()}`);
  return (await response.json()).access_token;
}

/** The exact count of the demo reviewer's calls matching PostgREST `filters` ({column: 'eq.x'}). */
export async function countCalls(backend, token, filters = {}) {
  const url = new URL('rest/v1/calls', base(backend));
  url.searchParams.set('select', 'id');
  url.searchParams.set('limit', '1');
  for (const [column, condition] of Object.entries(filters)) url.searchParams.set(column, condition);
  const response = await fetch(url, {
    headers: { apikey: backend.anon_key, authorization: `Bearer ${token}`, prefer: 'count=exact' },
  });
  if (!response.ok) throw new Error(`count: ${response.status} ${await response.text()}`);
  const range = response.headers.get('content-range') ?? '';
  const total = Number(range.split('/')[1]);
  if (!Number.isFinite(total)) throw new Error(`no total in Content-Range: ${range}`);
  return total;
}

/** The newest calls, as PostgREST returns them. */
export async function newestCalls(backend, token, limit = 5) {
  const url = new URL('rest/v1/calls', base(backend));
  url.searchParams.set('select', '*');
  url.searchParams.set('order', 'created_at.desc,id.desc');
  url.searchParams.set('limit', String(limit));
  const response = await fetch(url, { headers: { apikey: backend.anon_key, authorization: `Bearer ${token}` } });
  if (!response.ok) throw new Error(`calls: ${response.status} ${await response.text()}`);
  return response.json();
}

const base = (backend) => new URL(backend.supabase_url.endsWith('/') ? backend.supabase_url : `${backend.supabase_url}/`);
