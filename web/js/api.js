// The REST API: one place that sends credentials (the session cookie),
// the JSON content type and turns an error answer into its words.

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

async function request(method, path, body) {
  const init = { method, credentials: 'same-origin', headers: { Accept: 'application/json' } };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch (e) {
    throw new ApiError(0, e.message || String(e));
  }
  const text = await response.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch { /* not JSON: use the text */ }
  if (!response.ok) {
    const words = (json && (json.msg || json.error || json.message)) || text || response.statusText;
    throw new ApiError(response.status, `${response.status} ${words}`);
  }
  return json;
}

export const api = {
  get: (path) => request('GET', path),
  post: (path, body = {}) => request('POST', path, body),
  del: (path) => request('DELETE', path),
};

// The session: a token in the address bar (printed by `tmon up` at start) is
// exchanged once for a session cookie and removed from the address bar. A
// server without login (POST /api/login answers 404) is used as it is.
export async function initSession() {
  const url = new URL(location.href);
  const token = url.searchParams.get('token');
  if (token) {
    url.searchParams.delete('token');
    history.replaceState(null, '', url.pathname + url.search + url.hash);
    try {
      await api.post('/api/login', { token });
    } catch (e) {
      if (e.status !== 404) return { authenticated: false, role: null, error: e.message };
    }
  }
  try {
    const session = await api.get('/api/session');
    return session && session.data ? session.data : session;
  } catch (e) {
    if (e.status === 404) return { authenticated: false, role: null, authRequired: false };
    return { authenticated: false, role: null, error: e.message };
  }
}
