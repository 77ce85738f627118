// lib.mjs: the harness every HTTP test file uses. It starts a real `cylinder
// serve` on a fresh database (SQLite by default; PostgreSQL when
// CYLINDER_TEST_PG_URL is set) and gives tests small HTTP clients.
//
// Exports
//   startServer({pg, db, admin}) -> Promise<server>
//       pg:    true/false to force a backend; default: PostgreSQL iff
//              process.env.CYLINDER_TEST_PG_URL is set.
//       db:    reuse this database (SQLite path or postgresql:// URL) instead of
//              creating one; no admin user is added, and stop() leaves it alone.
//              Used to run several server processes on one database.
//       admin: false to skip logging the admin in (default true).
//     The binary is $CYLINDER_BIN or build/cylinder (relative to the repo
//     root); nothing is built here. The server gets CYLINDER_ACCESS_LOG=0.
//   server = {
//     url, db, pg (bool), port, log() (the server's stdout+stderr so far),
//     admin           a logged-in client for admin@test.local (ADMIN_PASSWORD)
//     stop()          kill the server, drop/remove its database (if it made it)
//     addUser({email, name, role, team_id, password}) -> user record with .password
//                     (created by the admin through POST /api/v1/users)
//     login(email, password) -> client   (throws unless the login answers 201)
//     anon()          a client with no credentials (for login attempts etc.)
//   }
//   Client (cookie session): get(path, {headers}), post/patch/put(path, body, {headers}),
//     del(path, body, {headers}), request(method, path, {body, headers}).
//     All return {status, headers, body, text}: body is parsed JSON when the
//     response is JSON (problem+json included), else the text. A body argument
//     that is a string, Buffer or Uint8Array is sent as-is; anything else is
//     JSON-encoded. The client keeps the session cookie and sends X-CSRF-Token
//     (the login response's csrf_token) on unsafe methods.
//     client.me: the login response; client.csrf, client.cookie.
//     client.token(name) -> {id, token, client}: creates an API token and a
//       bearer client for it (no cookie, no CSRF).
//     client.at(url) -> the same credentials against another server (multi-process).
//   Client.bearer(url, token) / new Client(url): build clients by hand.
//   ADMIN_EMAIL, ADMIN_PASSWORD, PASSWORD (default password of addUser)
//   expectProblem(res, status, {field, fields, type}): asserts a problem+json
//     answer with that status, and that `errors` names the field(s).
//   fieldNames(res) -> the field names in a problem's `errors`.
//   defaultPipeline(client) -> {pipeline, stages: {Lead: {...}, ...}, criteria: [...]}
//   uniq(prefix) -> a name unique within this process.
//   sql(db, text) -> the output of SQL run straight on a test database (psql
//     or sqlite3, rows one per line, columns separated by |): for what only a
//     bulk load or time can do. sqlite3 and psql come with scripts/bootstrap.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const ADMIN_EMAIL = 'admin@test.local';
export const ADMIN_PASSWORD = 'admin-password-1';
export const PASSWORD = 'password-1234';

const BIN = path.resolve(ROOT, process.env.CYLINDER_BIN || 'build/cylinder');
const live = new Set();   // servers to kill if the test process exits early
let serial = 0;
let uniqSerial = 0;

export function uniq(prefix = 'x') {
  return `${prefix}-${process.pid}-${++uniqSerial}`;
}

process.on('exit', () => {
  for (const s of live) s.killSync();
});
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.once(sig, () => {
    for (const s of live) s.killSync();
    process.exit(130);
  });
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function psql(url, ...commands) {
  const args = ['-X', '-q', '-v', 'ON_ERROR_STOP=1', url];
  for (const c of commands) args.push('-c', c);
  const r = spawnSync('psql', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`psql failed (${r.status}): ${r.stderr || r.error}`);
  return r.stdout;
}

function pgUrlWithDb(base, name) {
  const u = new URL(base);
  u.pathname = '/' + name;
  return u.toString();
}

function createPgDatabase() {
  const base = process.env.CYLINDER_TEST_PG_URL;
  if (!base) throw new Error('PostgreSQL requested but CYLINDER_TEST_PG_URL is not set');
  const name = `cyl_t_${process.pid}_${++serial}`;
  const maint = pgUrlWithDb(base, 'postgres');
  psql(maint, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`, `CREATE DATABASE ${name}`);
  return { url: pgUrlWithDb(base, name), drop: () => psql(maint, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

function runCli(args, input) {
  const r = spawnSync(BIN, args, { input, encoding: 'utf8', env: { ...process.env, CYLINDER_ACCESS_LOG: '0' } });
  if (r.error) throw new Error(`cannot run ${BIN}: ${r.error.message} (build it with make)`);
  if (r.status !== 0) throw new Error(`cylinder ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

export async function startServer(opts = {}) {
  if (!fs.existsSync(BIN)) throw new Error(`${BIN} does not exist; build it with make`);
  const usePg = opts.pg ?? !!process.env.CYLINDER_TEST_PG_URL;
  let db = opts.db;
  let cleanup = () => {};
  if (!db) {
    if (usePg) {
      const made = createPgDatabase();
      db = made.url;
      cleanup = made.drop;
    } else {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cyl-api-'));
      db = path.join(dir, 'cylinder.db');
      cleanup = () => fs.rmSync(dir, { recursive: true, force: true });
    }
    runCli(['user', 'add', '--db', db, '--email', ADMIN_EMAIL, '--name', 'Admin', '--role', 'admin'], ADMIN_PASSWORD + '\n');
  }
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(BIN, ['serve', '--db', db, '--listen', `127.0.0.1:${port}`], {
    env: { ...process.env, CYLINDER_ACCESS_LOG: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // unref: a test file that forgets stop() still exits (and the exit hook kills the server)
  child.unref();
  child.stdout.unref();
  child.stderr.unref();
  let output = '';
  child.stdout.on('data', (d) => { output += d; });
  child.stderr.on('data', (d) => { output += d; });
  let exited = null;
  const exitPromise = new Promise((resolve) => child.on('exit', (code, sig) => { exited = { code, sig }; resolve(); }));

  let stopped = false;
  const handle = {
    killSync() {
      if (exited === null) try { child.kill('SIGKILL'); } catch { /* already gone */ }
      if (!opts.db) try { cleanup(); } catch { /* best effort at exit */ }
    },
  };
  live.add(handle);

  const server = {
    url, db, port, pg: db.startsWith('postgres'),
    log: () => output,
    admin: null,
    async stop() {
      if (stopped) return;
      stopped = true;
      live.delete(handle);
      if (exited === null) {
        child.kill('SIGTERM');
        const t = setTimeout(() => child.kill('SIGKILL'), 3000);
        await exitPromise;
        clearTimeout(t);
      }
      if (!opts.db && !process.env.CYLINDER_TEST_KEEP_DB) cleanup();
    },
    anon: () => new Client(url),
    async login(email, password) {
      const c = new Client(url);
      const r = await c.post('/api/v1/session', { email, password });
      if (r.status !== 201) throw new Error(`login as ${email} answered ${r.status}: ${r.text}`);
      return c;
    },
    async addUser({ email, name, role = 'rep', team_id, password = PASSWORD } = {}) {
      const body = { email: email || `${uniq('user')}@test.local`, name: name || email || 'User', role, password };
      if (team_id !== undefined) body.team_id = team_id;
      const r = await server.admin.post('/api/v1/users', body);
      if (r.status !== 201) throw new Error(`creating user ${body.email} answered ${r.status}: ${r.text}`);
      return { ...r.body, password };
    },
  };

  const deadline = Date.now() + 15000;
  for (;;) {
    if (exited) throw new Error(`cylinder serve exited (${JSON.stringify(exited)}):\n${output}`);
    try {
      const r = await fetch(url + '/healthz');
      if (r.status === 200) { await r.arrayBuffer(); break; }
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) {
      await server.stop();
      throw new Error(`cylinder serve did not answer /healthz within 15 s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  if (opts.admin !== false && !opts.db) server.admin = await server.login(ADMIN_EMAIL, ADMIN_PASSWORD);
  return server;
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export class Client {
  constructor(base, { cookie = null, csrf = null, bearer = null } = {}) {
    this.base = base;
    this.cookie = cookie;   // "cyl_session=..."
    this.csrf = csrf;
    this.bearerToken = bearer;
    this.me = null;
  }

  static bearer(base, token) { return new Client(base, { bearer: token }); }

  at(base) {
    const c = new Client(base, { cookie: this.cookie, csrf: this.csrf, bearer: this.bearerToken });
    c.me = this.me;
    return c;
  }

  async request(method, p, { body, headers = {} } = {}) {
    const h = { ...headers };
    const has = (k) => Object.keys(h).some((x) => x.toLowerCase() === k.toLowerCase());
    if (this.bearerToken && !has('authorization')) h.Authorization = `Bearer ${this.bearerToken}`;
    if (this.cookie && !has('cookie')) h.Cookie = this.cookie;
    if (this.csrf && UNSAFE.has(method) && !has('x-csrf-token')) h['X-CSRF-Token'] = this.csrf;
    let payload;
    if (body !== undefined) {
      if (typeof body === 'string' || body instanceof Uint8Array) payload = body;
      else payload = JSON.stringify(body);
      if (!has('content-type')) h['Content-Type'] = 'application/json';
    }
    const res = await fetch(this.base + p, { method, headers: h, body: payload, redirect: 'manual' });
    const text = await res.text();
    const ct = res.headers.get('content-type') || '';
    let parsed = text;
    if (/json/.test(ct) && text) {
      try { parsed = JSON.parse(text); } catch { parsed = text; }
    }
    for (const sc of res.headers.getSetCookie()) {
      const m = /^cyl_session=([^;]*)/.exec(sc);
      if (m) this.cookie = m[1] ? `cyl_session=${m[1]}` : null;
    }
    if (method === 'POST' && p === '/api/v1/session' && res.status === 201 && parsed && parsed.csrf_token) {
      this.csrf = parsed.csrf_token;
      this.me = parsed;
    }
    return { status: res.status, headers: res.headers, body: parsed, text };
  }

  get(p, opts = {}) { return this.request('GET', p, opts); }
  post(p, body, opts = {}) { return this.request('POST', p, { ...opts, body }); }
  patch(p, body, opts = {}) { return this.request('PATCH', p, { ...opts, body }); }
  put(p, body, opts = {}) { return this.request('PUT', p, { ...opts, body }); }
  del(p, body, opts = {}) { return this.request('DELETE', p, { ...opts, body }); }

  async token(name = 'test token') {
    const r = await this.post('/api/v1/tokens', { name });
    if (r.status !== 201) throw new Error(`creating a token answered ${r.status}: ${r.text}`);
    return { id: r.body.id, token: r.body.token, client: Client.bearer(this.base, r.body.token) };
  }
}

export function fieldNames(res) {
  return Array.isArray(res.body?.errors) ? res.body.errors.map((e) => e.field) : [];
}

export function expectProblem(res, status, { field, fields, type } = {}) {
  const where = `${res.status} ${res.text.slice(0, 400)}`;
  assert.equal(res.status, status, `expected ${status}, got ${where}`);
  assert.match(res.headers.get('content-type') || '', /^application\/problem\+json/, `not problem+json: ${where}`);
  assert.equal(typeof res.body, 'object', `problem body is not JSON: ${where}`);
  assert.equal(res.body.status, status, `problem status field: ${where}`);
  assert.equal(typeof res.body.type, 'string');
  if (type) assert.equal(res.body.type, type);
  const names = fieldNames(res);
  for (const f of [...(field ? [field] : []), ...(fields || [])])
    assert.ok(names.includes(f), `errors should name ${f}; got ${JSON.stringify(res.body.errors)}`);
  return res.body;
}

export async function defaultPipeline(client) {
  const p = await client.get('/api/v1/pipelines?is_default=true');
  assert.equal(p.status, 200, p.text);
  assert.equal(p.body.items.length, 1, 'exactly one default pipeline');
  const pipeline = p.body.items[0];
  const s = await client.get(`/api/v1/stages?pipeline_id=${pipeline.id}&sort=position&limit=200`);
  assert.equal(s.status, 200, s.text);
  const stages = {};
  for (const st of s.body.items) stages[st.name] = st;
  const c = await client.get('/api/v1/stage-criteria?limit=200&sort=position');
  assert.equal(c.status, 200, c.text);
  const ids = new Set(s.body.items.map((x) => x.id));
  const criteria = c.body.items.filter((x) => ids.has(x.stage_id));
  return { pipeline, stages, stageList: s.body.items, criteria };
}

export function sql(db, text) {
  const r = db.startsWith('postgres')
    ? spawnSync('psql', ['-X', '-q', '-At', '-F', '|', '-v', 'ON_ERROR_STOP=1', db, '-c', text], { encoding: 'utf8' })
    : spawnSync('sqlite3', ['-bail', '-cmd', '.timeout 10000', db, text], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`SQL failed: ${r.stderr || r.error}\n${text}`);
  return r.stdout.trim();
}
