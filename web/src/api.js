// api.js: the one way the app talks to the server.
// JSON in and out, the CSRF header on unsafe methods, and problem+json errors
// turned into ApiError (with the per-field reasons the forms show).

let csrfToken = null;
let onUnauthorized = () => {};

export function setCsrfToken(token) { csrfToken = token; }
/** Called when a request answers 401 (the session ended); the app shows the login page. */
export function setUnauthorizedHandler(fn) { onUnauthorized = fn; }

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem || {};
    /** [{field, reason}] from the server's validation problem */
    this.errors = Array.isArray(problem?.errors) ? problem.errors : [];
  }
  /** {field: reason} (the first reason of each field) */
  get fieldErrors() {
    const out = {};
    for (const e of this.errors) if (e.field && !(e.field in out)) out[e.field] = e.reason;
    return out;
  }
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export async function request(method, path, { body, raw, headers = {}, signal } = {}) {
  const h = { Accept: 'application/json', ...headers };
  if (body !== undefined) h['Content-Type'] = 'application/json';
  if (UNSAFE.has(method) && csrfToken) h['X-CSRF-Token'] = csrfToken;
  let res;
  try {
    res = await fetch('/api/v1' + path, {
      method, headers: h, signal, credentials: 'same-origin',
      body: raw !== undefined ? raw : body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (err) {
    if (err.name === 'AbortError') throw err;
    throw new ApiError(0, { title: 'network', detail: err.message });
  }
  if (res.status === 204) return null;
  const type = res.headers.get('Content-Type') || '';
  const data = type.includes('json') ? await res.json().catch(() => null) : await res.text();
  if (!res.ok) {
    if (res.status === 401 && path !== '/session') onUnauthorized();
    throw new ApiError(res.status, typeof data === 'object' ? data : { detail: String(data || '') });
  }
  return data;
}

/** Query string from an object; empty values are left out. */
export function qs(params = {}) {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') u.set(k, String(v));
  const s = u.toString();
  return s ? '?' + s : '';
}

export const get = (path, params, opts) => request('GET', path + qs(params), opts);
export const post = (path, body, opts) => request('POST', path, { ...opts, body });
export const put = (path, body, opts) => request('PUT', path, { ...opts, body });
export const del = (path, opts) => request('DELETE', path, opts);

/** POST a file as the request body itself (imports take the CSV file as it is). */
export const upload = (path, file, type = 'text/csv') =>
  request('POST', path, { raw: file, headers: { 'Content-Type': type } });

/** The URL of an API resource (for links the browser follows itself: downloads). */
export const url = (path, params) => '/api/v1' + path + qs(params);

/** PATCH a record guarded by its version, so a stale page cannot overwrite someone else's change. */
export const patch = (path, body, version) =>
  request('PATCH', path, { body, headers: version ? { 'If-Match': `"${version}"` } : {} });

/** Every item of a list endpoint, following the cursor (for small reference lists). */
export async function getAll(path, params = {}) {
  const items = [];
  let after;
  for (let i = 0; i < 50; i++) {
    const page = await get(path, { ...params, limit: 200, after });
    items.push(...page.items);
    if (!page.next) break;
    after = page.next;
  }
  return items;
}
