// openapi.test.mjs: docs/openapi.json against the real server.
//
// The document is compiled into the binary and served at
// GET /api/v1/openapi.json; this file checks that what is served is the file,
// then drives every documented operation with real requests (successes and the
// documented failures) and validates each answer against the schema the
// document gives for that path, method, status and media type. A status the
// document does not list for the operation, an undocumented content type, a
// missing documented header or a body that does not match fails the test with
// the operation's name. Bodies the server accepted are checked against the
// documented request schema too, so the request schemas cannot be stricter
// than the server. At the end, every path+method of the document must have
// been exercised, and every documented problem response seen; and every route
// registered in src/api/*.c and every entity of src/crm/entities.c must be in
// the document. So the document cannot drift from the server either way.
// Runs on SQLite, or on PostgreSQL when CYLINDER_TEST_PG_URL is set (lib.mjs).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { startServer, Client, ROOT, ADMIN_EMAIL, ADMIN_PASSWORD, PASSWORD, uniq, defaultPipeline } from './lib.mjs';

const DOC_PATH = path.join(ROOT, 'docs', 'openapi.json');
const DOC_TEXT = fs.readFileSync(DOC_PATH, 'utf8');
const doc = JSON.parse(DOC_TEXT);
const DOC_ID = 'https://cylinder.invalid/openapi.json';
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

// The whole document is one schema resource: '#/components/schemas/...' refs
// resolve inside it. Its non-schema top-level members are declared as an
// (unchecked) vocabulary so strict mode still catches typos inside schemas.
const ajv = new Ajv2020({ strict: true, allErrors: true, allowUnionTypes: true });
addFormats(ajv);
ajv.addVocabulary(['openapi', 'info', 'jsonSchemaDialect', 'servers', 'paths', 'webhooks', 'components', 'security', 'tags', 'externalDocs']);
ajv.addSchema({ ...doc, $id: DOC_ID });

const esc = (s) => s.replace(/~/g, '~0').replace(/\//g, '~1');
const pointerOf = (...parts) => '/' + parts.map(esc).join('/');

function at(pointer) {
  let v = doc;
  for (const raw of pointer.split('/').slice(1)) {
    const k = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (v === undefined || v === null) return undefined;
    v = v[k];
  }
  return v;
}

// Follow $ref (responses, headers, parameters) to the object and its pointer.
function resolve(obj, pointer) {
  const hops = [];
  while (obj && obj.$ref) {
    assert.ok(obj.$ref.startsWith('#/'), `only local refs are used: ${obj.$ref}`);
    pointer = obj.$ref.slice(1);
    hops.push(pointer);
    obj = at(pointer);
    assert.ok(obj !== undefined, `unresolved $ref ${hops.at(-1)}`);
  }
  return { obj, pointer, via: hops };
}

function validator(pointer) {
  const v = ajv.getSchema(DOC_ID + '#' + pointer);
  assert.ok(v, `no schema at ${pointer}`);
  return v;
}

const describeErrors = (errors) => ajv.errorsText(errors, { separator: '\n  ', dataVar: 'body' });

// ---- coverage bookkeeping ----
const exercised = new Map();          // "GET /api/v1/x" -> Set of statuses seen
const componentsSeen = new Set();     // names of components/responses validated

function operation(method, template) {
  const op = doc.paths[template]?.[method.toLowerCase()];
  assert.ok(op, `the document has no ${method} ${template}; the test calls it`);
  return op;
}

// One real request, checked against the document. `expect` is the status the
// scenario needs; the document must list it as well.
async function call(client, method, template, { params = {}, query, body, headers, expect } = {}) {
  const op = operation(method, template);
  let url = template.replace(/\{(\w+)\}/g, (_, k) => {
    assert.ok(k in params, `${op.operationId}: no value for {${k}}`);
    return encodeURIComponent(String(params[k]));
  });
  if (query) url += '?' + new URLSearchParams(query).toString();
  const name = `${op.operationId} (${method} ${url})`;
  const res = await client.request(method, url, { body, headers });
  const key = `${method} ${template}`;
  if (!exercised.has(key)) exercised.set(key, new Set());
  exercised.get(key).add(res.status);
  const excerpt = res.text.length > 600 ? res.text.slice(0, 600) + '...' : res.text;

  assert.ok(res.status < 500, `${name} answered ${res.status}: ${excerpt}`);
  const code = String(res.status);
  const listed = op.responses[code] ? code : op.responses[`${code[0]}XX`] ? `${code[0]}XX` : null;
  assert.ok(listed, `${name} answered ${res.status}, which the document does not list for this operation ` +
    `(it lists ${Object.keys(op.responses).join(', ')}): ${excerpt}`);
  if (expect !== undefined) assert.equal(res.status, expect, `${name}: expected ${expect}, got ${res.status}: ${excerpt}`);

  const { obj: response, pointer, via } = resolve(op.responses[listed], pointerOf('paths', template, method.toLowerCase(), 'responses', listed));
  for (const p of via) if (p.startsWith('/components/responses/')) componentsSeen.add(p.split('/').pop());

  const mediaType = (res.headers.get('content-type') || '').split(';')[0].trim().toLowerCase();
  if (!response.content) {
    assert.equal(res.text, '', `${name}: the document gives ${listed} no body, but the server sent one: ${excerpt}`);
  } else {
    assert.ok(response.content[mediaType], `${name}: Content-Type '${mediaType}' is not documented for ${listed} ` +
      `(documented: ${Object.keys(response.content).join(', ')})`);
    const validate = validator(`${pointer}/content/${esc(mediaType)}/schema`);
    assert.ok(validate(res.body), `${name}: the ${res.status} body does not match the document:\n  ` +
      `${describeErrors(validate.errors)}\n${excerpt}`);
  }
  for (const [h, ref] of Object.entries(response.headers || {})) {
    const { obj: spec, pointer: hp } = resolve(ref, `${pointer}/headers/${esc(h)}`);
    const value = h.toLowerCase() === 'set-cookie' ? res.headers.getSetCookie()[0] : res.headers.get(h);
    if (spec.required) assert.ok(value != null, `${name}: the document says ${listed} has a ${h} header; the server sent none`);
    if (value != null && spec.schema) {
      const validate = validator(`${hp}/schema`);
      assert.ok(validate(value), `${name}: header ${h}: ${JSON.stringify(value)} does not match the document: ${describeErrors(validate.errors)}`);
    }
  }
  // A body the server accepted must be one the document accepts.
  if (res.status < 300 && body !== undefined && typeof body === 'object') {
    assert.ok(op.requestBody, `${name}: the server accepted a body, but the document describes none`);
    const validate = validator(pointerOf('paths', template, method.toLowerCase(), 'requestBody', 'content', 'application/json', 'schema'));
    assert.ok(validate(body), `${name}: the server accepted this body but the document's request schema refuses it:\n  ` +
      `${describeErrors(validate.errors)}\n${JSON.stringify(body)}`);
  }
  return res;
}

// The document's request schema must refuse what the server refused as invalid.
function docRefuses(method, template, body) {
  const validate = validator(pointerOf('paths', template, method.toLowerCase(), 'requestBody', 'content', 'application/json', 'schema'));
  assert.equal(validate(body), false, `${method} ${template}: the server refuses ${JSON.stringify(body)}, but the document's request schema accepts it`);
}

const etagOf = (res) => res.headers.get('etag');
const csvLine = (names) => names.split(',').map((n) => `"${n}"`).join(',') + '\r\n';   // libcsv quotes every field
const BIG = JSON.stringify({ name: 'x'.repeat(1100 * 1024) });   // over the 1 MiB body limit

// ---- shared state, filled as the scenario runs ----
let srv, admin, anon;
const users = {};     // rep, rep2, victim: user records (+password); clients alongside
const cli = {};
const ids = {};

before(async () => {
  srv = await startServer();
  admin = srv.admin;
  anon = srv.anon();
});
after(async () => { await srv?.stop(); });

test('the document is well-formed OpenAPI 3.1 with resolvable references', () => {
  assert.equal(doc.openapi, '3.1.0');
  assert.ok(doc.info?.title && doc.info?.version);
  const opIds = new Set();
  const walk = (v, p) => {
    if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${p}/${i}`));
    else if (v && typeof v === 'object') {
      if (typeof v.$ref === 'string') assert.ok(v.$ref.startsWith('#/') && at(v.$ref.slice(1)) !== undefined, `${p}: unresolved $ref ${v.$ref}`);
      for (const [k, x] of Object.entries(v)) walk(x, `${p}/${esc(k)}`);
    }
  };
  walk(doc, '');
  for (const [template, item] of Object.entries(doc.paths)) {
    const declared = new Set((item.parameters || []).map((p) => resolve(p).obj).filter((p) => p.in === 'path').map((p) => p.name));
    for (const m of Object.keys(item).filter((k) => METHODS.includes(k))) {
      const op = item[m];
      assert.ok(op.operationId && !opIds.has(op.operationId), `${m} ${template}: missing or duplicate operationId ${op.operationId}`);
      opIds.add(op.operationId);
      const names = new Set([...declared, ...(op.parameters || []).map((p) => resolve(p).obj).filter((p) => p.in === 'path').map((p) => p.name)]);
      for (const [, n] of template.matchAll(/\{(\w+)\}/g)) assert.ok(names.has(n), `${m} ${template}: path parameter {${n}} is not declared`);
      assert.ok(Object.keys(op.responses).some((c) => /^2/.test(c)), `${m} ${template}: no success response`);
      for (const [c, r] of Object.entries(op.responses)) {
        const { obj } = resolve(r);
        for (const [mt] of Object.entries(obj.content || {}))
          if (/^[45]/.test(c)) assert.equal(mt, 'application/problem+json', `${m} ${template} ${c}: errors are problem+json`);
      }
    }
  }
  // every component schema compiles under strict mode
  for (const k of Object.keys(doc.components.schemas)) validator(pointerOf('components', 'schemas', k));
  // the document is tidy: 2-space indentation, one trailing newline
  assert.ok(DOC_TEXT.startsWith('{\n  "openapi"') && DOC_TEXT.endsWith('}\n'), 'docs/openapi.json is indented with 2 spaces and ends with a newline');
});

// The other direction: a route added to the server must be added to the
// document. Routes come from the http_route() calls of src/api/*.c, entities
// from src/crm/entities.c; "{}" in a route matches any one segment.
test('every route and entity the server source registers is documented', () => {
  const apiDir = path.join(ROOT, 'src', 'api');
  const routes = [];
  for (const f of fs.readdirSync(apiDir).filter((x) => x.endsWith('.c'))) {
    const text = fs.readFileSync(path.join(apiDir, f), 'utf8');
    for (const [, methods, pattern] of text.matchAll(/http_route(?:_slow)?\(\s*([A-Z_ |]+),\s*"([^"]+)"/g))
      for (const m of methods.split('|').map((x) => x.trim().replace(/^HTTP_/, '')))
        routes.push({ file: f, method: m.toLowerCase(), pattern });
  }
  assert.ok(routes.length >= 20, `found only ${routes.length} http_route() calls in src/api: has the registration changed?`);
  const documented = Object.entries(doc.paths).flatMap(([t, item]) =>
    Object.keys(item).filter((k) => METHODS.includes(k)).map((m) => ({ method: m, segs: t.split('/') })));
  const matches = (pattern, segs) => {
    const ps = pattern.split('/');
    return ps.length === segs.length && ps.every((p, i) => p === '{}' ? true : p === segs[i]);
  };
  const undocumented = routes.filter((r) => !documented.some((d) => d.method === r.method && matches(r.pattern, d.segs)));
  assert.deepEqual(undocumented.map((r) => `${r.method.toUpperCase()} ${r.pattern} (${r.file})`), [],
    'routes the server registers that docs/openapi.json does not describe');

  const entities = [...fs.readFileSync(path.join(ROOT, 'src', 'crm', 'entities.c'), 'utf8')
    .matchAll(/const record_def def_\w+ = \{\s*"(\w+)"/g)].map((m) => m[1].replace(/_/g, '-'));
  assert.ok(entities.length >= 11, `found only ${entities.length} record_def tables in src/crm/entities.c`);
  const missing = [];
  for (const seg of entities) {
    const b = `/api/v1/${seg}`;
    for (const [p, ms] of [[b, ['get', 'post']], [`${b}/{id}`, ['get', 'patch', 'delete']], [`${b}/{id}/audit`, ['get']], [`${b}/export.csv`, ['get']]])
      for (const m of ms) if (!doc.paths[p]?.[m]) missing.push(`${m.toUpperCase()} ${p}`);
  }
  assert.deepEqual(missing, [], 'entities of src/crm/entities.c whose generic routes docs/openapi.json does not describe');
});

test('GET /api/v1/openapi.json serves docs/openapi.json byte for byte', async () => {
  const r = await call(anon, 'GET', '/api/v1/openapi.json', { expect: 200 });
  if (r.text !== DOC_TEXT) {
    let i = 0;
    while (i < r.text.length && r.text[i] === DOC_TEXT[i]) i++;
    assert.fail(`the served document differs from docs/openapi.json from character ${i} ` +
      `(served ${r.text.length} characters, file ${DOC_TEXT.length}): rebuild the server with make`);
  }
});

test('system probes and metrics', async () => {
  await call(anon, 'GET', '/healthz', { expect: 200 });
  await call(anon, 'GET', '/readyz', { expect: 200 });
  const m = await call(anon, 'GET', '/metrics', { expect: 200 });
  assert.match(m.text, /cylinder_http_requests_total/);
  const cur = await call(anon, 'GET', '/api/v1/currencies', { expect: 200 });
  const digits = Object.fromEntries(cur.body.items.map((c) => [c.code, c.digits]));
  assert.deepEqual([digits.CNY, digits.HUF, digits.JPY], [2, 2, 0], 'ISO 4217 minor units, not display digits');
});

test('session: log in, who am I, CSRF, log out, bad input', async () => {
  const c = srv.anon();
  const r = await call(c, 'POST', '/api/v1/session', { body: { email: ADMIN_EMAIL, password: ADMIN_PASSWORD }, expect: 201 });
  assert.equal(r.body.email, ADMIN_EMAIL);
  const me = await call(c, 'GET', '/api/v1/session', { expect: 200 });
  assert.equal(me.body.csrf_token, r.body.csrf_token);
  await call(anon, 'GET', '/api/v1/session', { expect: 401 });
  await call(Client.bearer(srv.url, 'cyl_not-a-real-token'), 'GET', '/api/v1/session', { expect: 401 });
  // the only failed login before the rate-limit test at the end (the limit counts per address too)
  await call(srv.anon(), 'POST', '/api/v1/session', { body: { email: ADMIN_EMAIL, password: 'wrong-password' }, expect: 401 });
  const missing = await call(srv.anon(), 'POST', '/api/v1/session', { body: { email: ADMIN_EMAIL }, expect: 422 });
  assert.ok(missing.body.errors.some((e) => e.field === 'password'));
  await call(srv.anon(), 'POST', '/api/v1/session', { body: '{"email":', expect: 400 });
  await call(srv.anon(), 'POST', '/api/v1/session', { body: BIG, expect: 413 });
  await call(c, 'DELETE', '/api/v1/session', { headers: { 'X-CSRF-Token': 'not-the-token' }, expect: 403 });
  await call(c, 'DELETE', '/api/v1/session', { expect: 204 });
  const gone = await call(new Client(srv.url, { cookie: `cyl_session=${r.headers.getSetCookie()[0].split(';')[0].split('=')[1]}` }),
    'GET', '/api/v1/session', { expect: 401 });
  assert.equal(gone.body.type, '/problems/unauthorized');
});

test('users: create, list, read, change, audit, passwords, deactivate, export', async () => {
  for (const k of ['rep', 'rep2', 'victim']) {
    const body = { email: `${uniq(k)}@test.local`, name: `OpenAPI ${k}`, role: 'rep', locale: 'en', password: PASSWORD };
    const r = await call(admin, 'POST', '/api/v1/users', { body, expect: 201 });
    users[k] = { ...r.body, password: PASSWORD };
    cli[k] = await srv.login(body.email, PASSWORD);
  }
  const dup = await call(admin, 'POST', '/api/v1/users', { body: { email: users.rep.email, name: 'Again', role: 'rep' }, expect: 409 });
  assert.equal(dup.body.type, '/problems/conflict');
  await call(cli.rep, 'POST', '/api/v1/users', { body: { email: `${uniq('no')}@test.local`, name: 'No', role: 'rep' }, expect: 403 });
  const unknown = { email: `${uniq('u')}@test.local`, name: 'U', role: 'rep', shoe_size: 42 };
  await call(admin, 'POST', '/api/v1/users', { body: unknown, expect: 422 });
  docRefuses('POST', '/api/v1/users', unknown);

  const page1 = await call(admin, 'GET', '/api/v1/users', { query: { role: 'rep', active: 'true', q: 'openapi', sort: '-name', limit: 2 }, expect: 200 });
  assert.equal(page1.body.items.length, 2);
  assert.equal(typeof page1.body.next, 'string');
  const page2 = await call(admin, 'GET', '/api/v1/users', { query: { role: 'rep', active: 'true', q: 'openapi', sort: '-name', limit: 2, after: page1.body.next }, expect: 200 });
  assert.equal(page2.body.next, null);
  await call(admin, 'GET', '/api/v1/users', { query: { team_id: 'null', email: users.rep.email }, expect: 200 });
  const cap = await call(admin, 'PATCH', '/api/v1/users/{id}', { params: { id: users.rep2.id }, body: { away: false, capacity: 40 }, expect: 200 });
  assert.deepEqual([cap.body.away, cap.body.capacity], [false, 40]);
  await call(admin, 'PATCH', '/api/v1/users/{id}', { params: { id: users.rep2.id }, body: { capacity: -1 }, expect: 422 });
  const busy = await call(admin, 'GET', '/api/v1/users', { query: { away: 'false', capacity_min: 40, capacity_max: 40, q: 'openapi' }, expect: 200 });
  assert.deepEqual(busy.body.items.map((u) => u.id), [users.rep2.id]);
  const bad = await call(admin, 'GET', '/api/v1/users', { query: { shoe_size: '42' }, expect: 400 });
  assert.ok(bad.body.errors.some((e) => e.field === 'shoe_size'));
  await call(admin, 'GET', '/api/v1/users', { query: { limit: '0' }, expect: 400 });
  await call(anon, 'GET', '/api/v1/users', { expect: 401 });

  const got = await call(admin, 'GET', '/api/v1/users/{id}', { params: { id: users.rep.id }, expect: 200 });
  await call(admin, 'GET', '/api/v1/users/{id}', { params: { id: 99999999 }, expect: 404 });
  await call(admin, 'GET', '/api/v1/users/{id}', { params: { id: 'abc' }, expect: 404 });
  await call(admin, 'PATCH', '/api/v1/users/{id}', { params: { id: users.rep.id }, headers: { 'If-Match': etagOf(got) }, body: { name: 'OpenAPI rep (renamed)' }, expect: 200 });
  const stale = await call(admin, 'PATCH', '/api/v1/users/{id}', { params: { id: users.rep.id }, headers: { 'If-Match': etagOf(got) }, body: { name: 'Lost update' }, expect: 412 });
  assert.equal(stale.body.type, '/problems/precondition-failed');
  await call(admin, 'PATCH', '/api/v1/users/{id}', { params: { id: users.rep.id }, headers: { 'If-Match': 'W/"abc"' }, body: { name: 'Not an ETag' }, expect: 412 });
  await call(admin, 'PATCH', '/api/v1/users/{id}', { params: { id: users.rep.id }, headers: { 'If-Match': '*' }, body: { name: 'OpenAPI rep (any version)' }, expect: 200 });
  await call(admin, 'PATCH', '/api/v1/users/{id}', { params: { id: users.rep.id }, body: { role: 'pilot' }, expect: 422 });
  await call(cli.rep, 'PATCH', '/api/v1/users/{id}', { params: { id: users.rep.id }, body: { role: 'admin' }, expect: 403 });
  await call(admin, 'PATCH', '/api/v1/users/{id}', { params: { id: users.rep.id }, body: BIG, expect: 413 });
  await call(admin, 'PATCH', '/api/v1/users/{id}', { params: { id: users.rep.id }, body: '[1]', expect: 400 });
  await call(admin, 'PATCH', '/api/v1/users/{id}', { params: { id: 99999999 }, body: { name: 'Nobody' }, expect: 404 });
  await call(admin, 'PATCH', '/api/v1/users/{id}', { params: { id: users.rep2.id }, body: { email: users.rep.email }, expect: 409 });

  const audit = await call(admin, 'GET', '/api/v1/users/{id}/audit', { params: { id: users.rep.id }, expect: 200 });
  assert.ok(audit.body.items.some((a) => a.action === 'update' && a.field === 'name'));
  await call(admin, 'GET', '/api/v1/users/{id}/audit', { params: { id: 99999999 }, expect: 404 });

  await call(admin, 'POST', '/api/v1/users/{id}/password', { params: { id: users.victim.id }, body: { password: 'another-password-1' }, expect: 204 });
  await call(admin, 'POST', '/api/v1/users/{id}/password', { params: { id: users.victim.id }, body: { password: 'short' }, expect: 422 });
  await call(cli.rep, 'POST', '/api/v1/users/{id}/password', { params: { id: users.rep2.id }, body: { password: 'another-password-1' }, expect: 403 });
  await call(admin, 'POST', '/api/v1/users/{id}/password', { params: { id: 'x' }, body: { password: 'another-password-1' }, expect: 404 });
  await call(admin, 'POST', '/api/v1/users/{id}/password', { params: { id: users.victim.id }, body: 'nope', expect: 400 });
  await call(admin, 'POST', '/api/v1/users/{id}/password', { params: { id: users.victim.id }, body: BIG, expect: 413 });

  const csv = await call(admin, 'GET', '/api/v1/users/export.csv', { query: { role: 'rep', sort: 'email' }, expect: 200 });
  assert.ok(csv.text.startsWith(csvLine('id,created_at,updated_at,email,name,role,team_id,locale,active,away,capacity')), csv.text.slice(0, 120));
  // fetch's text() drops a byte order mark, so look at the bytes
  const raw = await fetch(srv.url + '/api/v1/users/export.csv', { headers: { Cookie: admin.cookie } });
  assert.deepEqual([...new Uint8Array(await raw.arrayBuffer()).slice(0, 3)], [0xef, 0xbb, 0xbf], 'the CSV starts with a UTF-8 byte order mark');
  assert.ok(!csv.text.includes('password'), 'no password hashes in an export');
  await call(admin, 'GET', '/api/v1/users/export.csv', { query: { limit: '10' }, expect: 400 });
  await call(anon, 'GET', '/api/v1/users/export.csv', { expect: 401 });

  // deactivation: not oneself; If-Match honoured; sessions end at once
  const v = await call(admin, 'GET', '/api/v1/users/{id}', { params: { id: users.victim.id }, expect: 200 });
  await call(admin, 'DELETE', '/api/v1/users/{id}', { params: { id: users.victim.id }, headers: { 'If-Match': '"1"' }, expect: 412 });
  await call(cli.rep, 'DELETE', '/api/v1/users/{id}', { params: { id: users.victim.id }, expect: 403 });
  await call(admin, 'DELETE', '/api/v1/users/{id}', { params: { id: admin.me.id }, expect: 409 });
  await call(admin, 'DELETE', '/api/v1/users/{id}', { params: { id: 99999999 }, expect: 404 });
  await call(admin, 'DELETE', '/api/v1/users/{id}', { params: { id: users.victim.id }, headers: { 'If-Match': etagOf(v) }, expect: 204 });
  await call(cli.victim, 'GET', '/api/v1/session', { expect: 401 });
});

test('the caller: own profile, own password, API tokens', async () => {
  const me = await call(cli.rep, 'PATCH', '/api/v1/me', { body: { name: 'OpenAPI rep', locale: 'zh-CN' }, expect: 200 });
  assert.equal(me.body.locale, 'zh-CN');
  const refused = await call(cli.rep, 'PATCH', '/api/v1/me', { body: { role: 'admin' }, expect: 422 });
  assert.ok(refused.body.errors.some((e) => e.field === 'role'));
  docRefuses('PATCH', '/api/v1/me', { role: 'admin' });
  await call(cli.rep, 'PATCH', '/api/v1/me', { body: 'not json', expect: 400 });
  await call(cli.rep, 'PATCH', '/api/v1/me', { body: { name: 'x' }, headers: { 'X-CSRF-Token': 'forged' }, expect: 403 });
  await call(cli.rep, 'PATCH', '/api/v1/me', { body: BIG, expect: 413 });
  await call(anon, 'PATCH', '/api/v1/me', { body: { name: 'x' }, expect: 401 });

  const wrong = await call(cli.rep2, 'POST', '/api/v1/me/password', { body: { current: 'not-my-password', new: 'a-new-password-1' }, expect: 422 });
  assert.ok(wrong.body.errors.some((e) => e.field === 'current'));
  const short = await call(cli.rep2, 'POST', '/api/v1/me/password', { body: { current: PASSWORD, new: 'short' }, expect: 422 });
  assert.ok(short.body.errors.some((e) => e.field === 'new'));
  await call(cli.rep2, 'POST', '/api/v1/me/password', { body: { current: PASSWORD, new: 'a-new-password-1' }, expect: 204 });
  users.rep2.password = 'a-new-password-1';
  await call(cli.rep2, 'POST', '/api/v1/me/password', { body: '{', expect: 400 });
  await call(cli.rep2, 'POST', '/api/v1/me/password', { body: BIG, expect: 413 });
  await call(cli.rep2, 'POST', '/api/v1/me/password', { body: { current: 'x', new: 'y' }, headers: { 'X-CSRF-Token': 'forged' }, expect: 403 });

  const made = await call(cli.rep, 'POST', '/api/v1/tokens', { body: { name: 'openapi script' }, expect: 201 });
  const bearer = Client.bearer(srv.url, made.body.token);
  const who = await call(bearer, 'GET', '/api/v1/session', { expect: 200 });
  assert.equal(who.body.id, users.rep.id);
  assert.equal(who.body.csrf_token, null, 'no CSRF token for a bearer caller');
  const list = await call(cli.rep, 'GET', '/api/v1/tokens', { expect: 200 });
  assert.ok(list.body.items.some((t) => t.id === made.body.id && made.body.token.startsWith(t.prefix)));
  await call(cli.rep, 'POST', '/api/v1/tokens', { body: { name: '' }, expect: 422 });
  await call(cli.rep, 'POST', '/api/v1/tokens', { body: 'x', expect: 400 });
  await call(cli.rep, 'POST', '/api/v1/tokens', { body: BIG, expect: 413 });
  await call(cli.rep, 'POST', '/api/v1/tokens', { body: { name: 'csrf' }, headers: { 'X-CSRF-Token': 'forged' }, expect: 403 });
  await call(anon, 'GET', '/api/v1/tokens', { expect: 401 });
  await call(cli.rep2, 'DELETE', '/api/v1/tokens/{id}', { params: { id: made.body.id }, expect: 404 });   // not theirs
  await call(cli.rep, 'DELETE', '/api/v1/tokens/{id}', { params: { id: made.body.id }, headers: { 'X-CSRF-Token': 'forged' }, expect: 403 });
  await call(bearer, 'DELETE', '/api/v1/tokens/{id}', { params: { id: made.body.id }, expect: 204 });    // a token may revoke itself
  await call(cli.rep, 'DELETE', '/api/v1/tokens/{id}', { params: { id: made.body.id }, expect: 404 });
  await call(bearer, 'DELETE', '/api/v1/tokens/{id}', { params: { id: made.body.id }, expect: 401 });
  // a bearer caller needs no CSRF token for unsafe methods
  const t2 = await call(admin, 'POST', '/api/v1/tokens', { body: { name: 'admin script' }, expect: 201 });
  cli.adminBearer = Client.bearer(srv.url, t2.body.token);
});

// The CRUD routes every entity shares. `make` returns a create body; `change`
// a patch; `filters` a list query that should find the record.
async function crud(seg, { make, change, filters, client = admin, csvHeader }) {
  const base = `/api/v1/${seg}`;
  const created = await call(client, 'POST', base, { body: make(), expect: 201 });
  assert.equal(created.headers.get('location'), `${base}/${created.body.id}`);
  const id = created.body.id;
  const list = await call(client, 'GET', base, { query: { ...filters(created.body), limit: 200 }, expect: 200 });
  assert.ok(list.body.items.some((x) => x.id === id), `${seg}: the list with ${JSON.stringify(filters(created.body))} finds the new record`);
  const got = await call(client, 'GET', `${base}/{id}`, { params: { id }, expect: 200 });
  assert.equal(etagOf(got), `"${got.body.version}"`);
  const changed = await call(client, 'PATCH', `${base}/{id}`, { params: { id }, headers: { 'If-Match': etagOf(got) }, body: change(created.body), expect: 200 });
  assert.equal(changed.body.version, got.body.version + 1);
  await call(client, 'PATCH', `${base}/{id}`, { params: { id }, body: { ...change(created.body), version: got.body.version }, expect: 412 });
  await call(client, 'PATCH', `${base}/{id}`, { params: { id }, body: { created_at: '2020-01-01T00:00:00Z' }, expect: 422 });
  const audit = await call(client, 'GET', `${base}/{id}/audit`, { params: { id }, expect: 200 });
  assert.ok(audit.body.items.some((a) => a.action === 'create'));
  const csv = await call(client, 'GET', `${base}/export.csv`, { query: filters(created.body), expect: 200 });
  if (csvHeader) assert.ok(csv.text.startsWith(csvLine(csvHeader)), `${seg} CSV header: ${csv.text.slice(0, 200)}`);
  await call(client, 'GET', base, { query: { sort: 'no_such_field' }, expect: 400 });
  await call(anon, 'GET', `${base}/{id}`, { params: { id }, expect: 401 });
  await call(client, 'GET', `${base}/{id}`, { params: { id: 99999999 }, expect: 404 });
  const unknown = { ...make(), no_such_field: 1 };
  await call(client, 'POST', base, { body: unknown, expect: 422 });
  docRefuses('POST', base, unknown);
  await call(client, 'POST', base, { body: '{"a":1,"a":2}', expect: 400 });
  return changed.body;
}

async function deletes(seg, body, client = admin) {
  const base = `/api/v1/${seg}`;
  const r = await call(client, 'POST', base, { body, expect: 201 });
  await call(client, 'DELETE', `${base}/{id}`, { params: { id: r.body.id }, headers: { 'If-Match': '"999"' }, expect: 412 });
  await call(client, 'DELETE', `${base}/{id}`, { params: { id: r.body.id }, headers: { 'If-Match': etagOf(r) }, expect: 204 });
  await call(client, 'GET', `${base}/{id}`, { params: { id: r.body.id }, expect: 404 });
  await call(client, 'DELETE', `${base}/{id}`, { params: { id: r.body.id }, expect: 404 });
  return r.body;
}

test('teams', async () => {
  const parent = await crud('teams', {
    make: () => ({ name: uniq('Team'), manager_id: admin.me.id }),
    change: () => ({ name: uniq('Team renamed') }),
    filters: (t) => ({ manager_id: t.manager_id, parent_id: 'null', q: t.name.slice(0, 8), sort: '-name' }),
    csvHeader: 'id,created_at,updated_at,name,parent_id,manager_id',
  });
  const child = await call(admin, 'POST', '/api/v1/teams', { body: { name: uniq('Sub team'), parent_id: parent.id }, expect: 201 });
  ids.team = child.body.id;
  const loop = await call(admin, 'PATCH', '/api/v1/teams/{id}', { params: { id: parent.id }, body: { parent_id: child.body.id }, expect: 422 });
  assert.ok(loop.body.errors.some((e) => e.field === 'parent_id'));
  await call(cli.rep, 'POST', '/api/v1/teams', { body: { name: 'Not mine to make' }, expect: 403 });
  await call(cli.rep, 'DELETE', '/api/v1/teams/{id}', { params: { id: child.body.id }, expect: 403 });
  await deletes('teams', { name: uniq('Short-lived team') });
  await call(admin, 'PATCH', '/api/v1/users/{id}', { params: { id: users.rep.id }, body: { team_id: ids.team }, expect: 200 });
});

test('accounts, with shares', async () => {
  const acc = await crud('accounts', {
    make: () => ({ name: uniq('Acme'), industry: 'Manufacturing', region: 'East', size: '200-500', website: 'https://acme.example', owner_id: users.rep.id }),
    change: () => ({ region: 'North', parent_id: null }),
    filters: (a) => ({ industry: a.industry, owner_id: a.owner_id, team: ids.team, q: 'acme', sort: 'name' }),
    csvHeader: 'id,created_at,updated_at,name,industry,region,size,website,owner_id,parent_id',
  });
  ids.account = acc.id;
  const child = await call(cli.rep, 'POST', '/api/v1/accounts', { body: { name: uniq('Acme Shanghai'), parent_id: acc.id }, expect: 201 });
  assert.equal(child.body.owner_id, users.rep.id, 'owner defaults to the caller');
  assert.equal(child.body.parent_name, acc.name);
  await call(cli.rep, 'POST', '/api/v1/accounts', { body: { name: 'Forged' }, headers: { 'X-CSRF-Token': 'forged' }, expect: 403 });
  await call(cli.rep, 'POST', '/api/v1/accounts', { body: BIG, expect: 413 });
  await call(cli.rep, 'POST', '/api/v1/accounts', { body: { name: '' }, expect: 422 });
  await call(cli.rep, 'PATCH', '/api/v1/accounts/{id}', { params: { id: acc.id }, body: { owner_id: admin.me.id }, expect: 422 });

  // rep2 cannot see rep's account until it is shared
  await call(cli.rep2, 'GET', '/api/v1/accounts/{id}', { params: { id: acc.id }, expect: 404 });
  await call(cli.rep2, 'GET', '/api/v1/accounts/{id}/audit', { params: { id: acc.id }, expect: 404 });
  const none = await call(cli.rep, 'GET', '/api/v1/accounts/{id}/shares', { params: { id: acc.id }, expect: 200 });
  assert.deepEqual(none.body.items, []);
  const shared = await call(cli.rep, 'POST', '/api/v1/accounts/{id}/shares', { params: { id: acc.id }, body: { user_id: users.rep2.id }, expect: 200 });
  assert.deepEqual(shared.body.items.map((s) => s.user_id), [users.rep2.id]);
  await call(cli.rep2, 'GET', '/api/v1/accounts/{id}', { params: { id: acc.id }, expect: 200 });
  await call(cli.rep, 'POST', '/api/v1/accounts/{id}/shares', { params: { id: acc.id }, body: { user_id: 'rep2' }, expect: 422 });
  docRefuses('POST', '/api/v1/accounts/{id}/shares', { user_id: 'rep2' });
  await call(cli.rep, 'POST', '/api/v1/accounts/{id}/shares', { params: { id: acc.id }, body: { user_id: users.victim.id }, expect: 422 });
  await call(cli.rep, 'POST', '/api/v1/accounts/{id}/shares', { params: { id: acc.id }, body: '[]', expect: 400 });
  await call(cli.rep, 'POST', '/api/v1/accounts/{id}/shares', { params: { id: acc.id }, body: BIG, expect: 413 });
  await call(cli.rep2, 'POST', '/api/v1/accounts/{id}/shares', { params: { id: child.body.id }, body: { user_id: users.rep2.id }, expect: 404 });
  await call(cli.rep, 'POST', '/api/v1/accounts/{id}/shares', { params: { id: acc.id }, body: { user_id: users.rep2.id }, headers: { 'X-CSRF-Token': 'forged' }, expect: 403 });
  await call(anon, 'GET', '/api/v1/accounts/{id}/shares', { params: { id: acc.id }, expect: 401 });
  await call(cli.rep2, 'GET', '/api/v1/accounts/{id}/shares', { params: { id: child.body.id }, expect: 404 });
  await call(cli.rep, 'DELETE', '/api/v1/accounts/{id}/shares/{user_id}', { params: { id: acc.id, user_id: users.victim.id }, expect: 422 });
  await call(cli.rep, 'DELETE', '/api/v1/accounts/{id}/shares/{user_id}', { params: { id: acc.id, user_id: users.rep2.id }, headers: { 'X-CSRF-Token': 'forged' }, expect: 403 });
  await call(cli.rep2, 'DELETE', '/api/v1/accounts/{id}/shares/{user_id}', { params: { id: child.body.id, user_id: users.rep2.id }, expect: 404 });
  await call(cli.rep, 'DELETE', '/api/v1/accounts/{id}/shares/{user_id}', { params: { id: acc.id, user_id: users.rep2.id }, expect: 204 });
  await call(cli.rep2, 'GET', '/api/v1/accounts/{id}', { params: { id: acc.id }, expect: 404 });
  const trail = await call(cli.rep, 'GET', '/api/v1/accounts/{id}/audit', { params: { id: acc.id }, expect: 200 });
  assert.ok(trail.body.items.some((a) => a.action === 'share') && trail.body.items.some((a) => a.action === 'unshare'));
  await deletes('accounts', { name: uniq('Gone Ltd') }, cli.rep);
  await call(cli.rep2, 'DELETE', '/api/v1/accounts/{id}', { params: { id: acc.id }, expect: 404 });
});

test('contacts', async () => {
  const c = await crud('contacts', {
    make: () => ({ name: uniq('Li Wei'), title: 'CFO', buying_role: 'economic_buyer', email: 'li.wei@acme.example', phone: '+86 21 5555 0100', account_id: ids.account }),
    change: () => ({ buying_role: 'decision_maker', phone: null }),
    filters: (x) => ({ account_id: x.account_id, buying_role: x.buying_role, team: ids.team, q: 'li wei' }),
    client: cli.rep,
    csvHeader: 'id,created_at,updated_at,name,title,buying_role,email,phone,account_id,owner_id',
  });
  ids.contact = c.id;
  await call(cli.rep, 'POST', '/api/v1/contacts', { body: { name: 'Bad mail', email: 'not an address' }, expect: 422 });
  await deletes('contacts', { name: uniq('Temp contact') }, cli.rep);
});

test('products', async () => {
  const p = await crud('products', {
    make: () => ({ name: uniq('Cylinder Pro'), sku: uniq('SKU'), list_price: 120000, unit_cost: 40000, currency: 'CNY', category: 'Licences', active: true }),
    change: () => ({ unit_cost: null, category: 'Subscriptions' }),
    filters: (x) => ({ currency: 'CNY', list_price_min: 100000, list_price_max: 120000, active: 'true', category: x.category, sort: '-list_price' }),
    csvHeader: 'id,created_at,updated_at,name,sku,list_price,unit_cost,currency,category,active',
  });
  ids.product = p.id;
  const usd = await call(admin, 'POST', '/api/v1/products', { body: { name: uniq('Support'), sku: uniq('SUP'), list_price: 5000, currency: 'USD' }, expect: 201 });
  ids.usdProduct = usd.body.id;
  const dup = await call(admin, 'POST', '/api/v1/products', { body: { name: 'Copy', sku: p.sku, list_price: 1, currency: 'CNY' }, expect: 409 });
  assert.equal(dup.body.status, 409);
  await call(admin, 'PATCH', '/api/v1/products/{id}', { params: { id: usd.body.id }, body: { sku: p.sku }, expect: 409 });
  await call(cli.rep, 'POST', '/api/v1/products', { body: { name: 'Mine', sku: uniq('R'), list_price: 1, currency: 'CNY' }, expect: 403 });
  await call(admin, 'POST', '/api/v1/products', { body: { name: 'Floaty', sku: uniq('F'), list_price: 9.99, currency: 'CNY' }, expect: 422 });
  await call(admin, 'POST', '/api/v1/products', { body: { name: 'Doubloons', sku: uniq('D'), list_price: 1, currency: 'XDB' }, expect: 422 });
  await deletes('products', { name: uniq('Retired'), sku: uniq('OLD'), list_price: 1, currency: 'EUR' });
});

test('pipelines, stages and exit criteria', async () => {
  const pl = await crud('pipelines', {
    make: () => ({ name: uniq('Renewals') }),
    change: () => ({ name: uniq('Renewals FY') }),
    filters: () => ({ is_default: 'false', sort: 'name' }),
    csvHeader: 'id,created_at,updated_at,name,is_default',
  });
  ids.pipeline = pl.id;
  const st = await crud('stages', {
    make: () => ({ pipeline_id: pl.id, name: 'Open', position: 1, probability: 5000, kind: 'open' }),
    change: () => ({ probability: 6000 }),
    filters: () => ({ pipeline_id: pl.id, kind: 'open', sort: 'position' }),
    csvHeader: 'id,created_at,updated_at,pipeline_id,name,position,probability,kind',
  });
  ids.renewalOpen = st.id;
  const won = await call(admin, 'POST', '/api/v1/stages', { body: { pipeline_id: pl.id, name: 'Renewed', position: 2, probability: 10000, kind: 'won' }, expect: 201 });
  ids.renewalWon = won.body.id;
  await call(admin, 'PATCH', '/api/v1/stages/{id}', { params: { id: st.id }, body: { pipeline_id: pl.id }, expect: 422 });   // create-only
  await call(admin, 'POST', '/api/v1/stages', { body: { pipeline_id: pl.id, name: 'Too likely', position: 3, probability: 10001, kind: 'open' }, expect: 422 });
  await call(cli.rep, 'POST', '/api/v1/stages', { body: { pipeline_id: pl.id, name: 'Mine', position: 3, probability: 1, kind: 'open' }, expect: 403 });
  await deletes('stages', { pipeline_id: pl.id, name: 'Temp', position: 9, probability: 0, kind: 'lost' });

  const crit = await crud('stage-criteria', {
    make: () => ({ stage_id: st.id, name: 'Contract reviewed', required: true, position: 1 }),
    change: () => ({ name: 'Contract reviewed by legal' }),
    filters: () => ({ stage_id: st.id, sort: '-position' }),
    csvHeader: 'id,created_at,updated_at,stage_id,name,required,position',
  });
  ids.renewalCriterion = crit.id;
  await deletes('stage-criteria', { stage_id: st.id, name: 'Temp criterion' });
  await deletes('pipelines', { name: uniq('Short-lived pipeline') });
});

test('opportunities: CRUD, stage moves, criteria, history, line items, shares, board, search', async () => {
  const dp = await defaultPipeline(admin);
  const lead = dp.stages.Lead, qualified = dp.stages.Qualified, won = dp.stages.Won, lost = dp.stages.Lost;
  const opp = await crud('opportunities', {
    make: () => ({ name: uniq('Acme rollout'), account_id: ids.account, contact_id: ids.contact, amount: 1500000, currency: 'CNY', close_date: '2026-12-31', source: 'web' }),
    change: () => ({ close_date: '2027-01-15', source: null, forecast_category: 'best_case' }),
    filters: (o) => ({ account_id: o.account_id, stage_id: lead.id, forecast_category: o.forecast_category, amount_min: 1000000, amount_max: 2000000, close_date_from: '2026-12-01',
      close_date_to: '2026-12-31', closed_at: 'null', currency: 'CNY', team: ids.team, q: 'acme', sort: '-amount' }),
    client: cli.rep,
    csvHeader: 'id,created_at,updated_at,name,account_id,contact_id,owner_id,pipeline_id,stage_id,amount,amount_from_items,currency,close_date,source,lost_reason,stage_entered_at,closed_at,forecast_category',
  });
  assert.equal(opp.stage_id, lead.id, 'a new deal starts in the first open stage of the default pipeline');
  assert.equal(opp.forecast_category, 'best_case');
  await call(cli.rep, 'PATCH', '/api/v1/opportunities/{id}', { params: { id: opp.id }, body: { forecast_category: 'certain' }, expect: 422 });
  const O = '/api/v1/opportunities/{id}';
  await call(cli.rep, 'PATCH', O, { params: { id: opp.id }, body: { stage_id: qualified.id }, expect: 422 });
  await call(cli.rep, 'POST', '/api/v1/opportunities', { body: { name: 'Starts won', stage_id: won.id }, expect: 422 });

  // stage move: refused with the unmet criteria, then allowed once they are ticked
  const refused = await call(cli.rep, 'POST', `${O}/stage`, { params: { id: opp.id }, body: { stage_id: qualified.id }, expect: 422 });
  assert.deepEqual(refused.body.missing.map((m) => m.name), ['Need identified']);
  const checklist = await call(cli.rep, 'GET', `${O}/criteria`, { params: { id: opp.id }, expect: 200 });
  const need = checklist.body.items.find((c) => c.name === 'Need identified');
  assert.equal(need.met, false);
  const CR = `${O}/criteria/{criterion_id}`;
  let ticked = await call(cli.rep, 'PUT', CR, { params: { id: opp.id, criterion_id: need.id }, expect: 200 });
  assert.equal(ticked.body.items.find((c) => c.id === need.id).met, true);
  ticked = await call(cli.rep, 'DELETE', CR, { params: { id: opp.id, criterion_id: need.id }, expect: 200 });
  assert.equal(ticked.body.items.find((c) => c.id === need.id).met, false);
  await call(cli.rep, 'PUT', CR, { params: { id: opp.id, criterion_id: need.id }, expect: 200 });
  await call(cli.rep, 'PUT', CR, { params: { id: opp.id, criterion_id: ids.renewalCriterion }, expect: 404 });   // another pipeline's
  await call(cli.rep, 'PUT', CR, { params: { id: opp.id, criterion_id: need.id }, headers: { 'X-CSRF-Token': 'forged' }, expect: 403 });
  await call(cli.rep, 'DELETE', CR, { params: { id: opp.id, criterion_id: need.id }, headers: { 'X-CSRF-Token': 'forged' }, expect: 403 });
  await call(cli.rep2, 'DELETE', CR, { params: { id: opp.id, criterion_id: need.id }, expect: 404 });
  await call(anon, 'GET', `${O}/criteria`, { params: { id: opp.id }, expect: 401 });
  await call(cli.rep2, 'GET', `${O}/criteria`, { params: { id: opp.id }, expect: 404 });

  const cur = await call(cli.rep, 'GET', O, { params: { id: opp.id }, expect: 200 });
  await call(cli.rep, 'POST', `${O}/stage`, { params: { id: opp.id }, body: { stage_id: qualified.id, version: cur.body.version - 1 }, expect: 412 });
  await call(cli.rep, 'POST', `${O}/stage`, { params: { id: opp.id }, body: { stage_id: qualified.id, shove: true }, expect: 422 });
  docRefuses('POST', `${O}/stage`, { stage_id: qualified.id, shove: true });
  await call(cli.rep, 'POST', `${O}/stage`, { params: { id: opp.id }, body: 'stage please', expect: 400 });
  await call(cli.rep, 'POST', `${O}/stage`, { params: { id: opp.id }, body: BIG, expect: 413 });
  await call(cli.rep, 'POST', `${O}/stage`, { params: { id: opp.id }, body: { stage_id: won.id, override: true, note: 'rep tries' }, expect: 403 });
  await call(cli.rep2, 'POST', `${O}/stage`, { params: { id: opp.id }, body: { stage_id: qualified.id }, expect: 404 });
  const moved = await call(cli.rep, 'POST', `${O}/stage`, { params: { id: opp.id }, body: { stage_id: qualified.id, version: cur.body.version }, expect: 200 });
  assert.equal(moved.body.stage_name, 'Qualified');

  // line items: through the deal and through the generic collection
  const LI = `${O}/line-items`;
  const item = await call(cli.rep, 'POST', LI, { params: { id: opp.id }, body: { product_id: ids.product, quantity: 2, discount_bp: 1000 }, expect: 201 });
  assert.equal(item.body.unit_price, 120000, 'the unit price defaults to the list price');
  assert.equal(item.body.total, 216000);
  await call(cli.rep, 'POST', LI, { params: { id: opp.id }, body: { product_id: ids.usdProduct, quantity: 1 }, expect: 422 });   // other currency, no price
  await call(cli.rep, 'POST', LI, { params: { id: opp.id }, body: { product_id: ids.product, quantity: 1, opportunity_id: opp.id + 1 }, expect: 422 });
  await call(cli.rep, 'POST', LI, { params: { id: opp.id }, body: '"x"', expect: 400 });
  await call(cli.rep, 'POST', LI, { params: { id: opp.id }, body: BIG, expect: 413 });
  await call(cli.rep, 'POST', LI, { params: { id: 'abc' }, body: { product_id: ids.product, quantity: 1 }, expect: 404 });
  await call(cli.rep2, 'POST', LI, { params: { id: opp.id }, body: { product_id: ids.product, quantity: 1 }, expect: 404 });   // a deal rep2 cannot see
  await call(cli.rep, 'POST', LI, { params: { id: opp.id }, body: { product_id: ids.product, quantity: 1 }, headers: { 'X-CSRF-Token': 'forged' }, expect: 403 });
  const items = await call(cli.rep, 'GET', LI, { params: { id: opp.id }, expect: 200 });
  assert.equal(items.body.items.length, 1);
  await call(cli.rep2, 'GET', LI, { params: { id: opp.id }, expect: 404 });
  await call(anon, 'GET', LI, { params: { id: opp.id }, expect: 401 });
  const withItems = await call(cli.rep, 'GET', O, { params: { id: opp.id }, expect: 200 });
  assert.equal(withItems.body.amount, 216000);
  assert.equal(withItems.body.amount_from_items, true);
  await call(cli.rep, 'PATCH', O, { params: { id: opp.id }, body: { amount: 1 }, expect: 422 });
  await crud('line-items', {
    make: () => ({ opportunity_id: opp.id, product_id: ids.product, quantity: 1, unit_price: 100000 }),
    change: () => ({ quantity: 3, discount_bp: 500 }),
    filters: () => ({ opportunity_id: opp.id, product_id: ids.product, sort: '-id' }),
    client: cli.rep,
    csvHeader: 'id,created_at,updated_at,opportunity_id,product_id,quantity,unit_price,discount_bp,total',
  });
  await deletes('line-items', { opportunity_id: opp.id, product_id: ids.product, quantity: 5 }, cli.rep);

  // shares of a deal
  const S = `${O}/shares`;
  await call(cli.rep, 'POST', S, { params: { id: opp.id }, body: { user_id: users.rep2.id }, expect: 200 });
  const sh = await call(cli.rep2, 'GET', S, { params: { id: opp.id }, expect: 200 });
  assert.deepEqual(sh.body.items.map((s) => s.user_id), [users.rep2.id]);
  await call(cli.rep, 'DELETE', `${S}/{user_id}`, { params: { id: opp.id, user_id: users.rep2.id }, expect: 204 });

  // an admin overrides unmet criteria to win the deal; history keeps who, when, what was missing
  const refusedWin = await call(admin, 'POST', `${O}/stage`, { params: { id: opp.id }, body: { stage_id: won.id }, expect: 422 });
  assert.ok(refusedWin.body.missing.length >= 1);
  await call(admin, 'POST', `${O}/stage`, { params: { id: opp.id }, body: { stage_id: won.id, override: true }, expect: 422 });   // needs a note
  const win = await call(admin, 'POST', `${O}/stage`, { params: { id: opp.id }, body: { stage_id: won.id, override: true, note: 'signed early' }, expect: 200 });
  assert.equal(win.body.stage_kind, 'won');
  assert.equal(typeof win.body.closed_at, 'string');
  const hist = await call(cli.rep, 'GET', `${O}/history`, { params: { id: opp.id }, expect: 200 });
  assert.deepEqual(hist.body.items.map((h) => h.to_stage), ['Lead', 'Qualified', 'Won']);
  assert.equal(hist.body.items[0].from_stage_id, null);
  assert.equal(hist.body.items[2].override_note, 'signed early');
  assert.ok(Array.isArray(hist.body.items[2].missing));
  await call(cli.rep2, 'GET', `${O}/history`, { params: { id: opp.id }, expect: 404 });
  await call(anon, 'GET', `${O}/history`, { params: { id: opp.id }, expect: 401 });
  const trail = await call(cli.rep, 'GET', `${O}/audit`, { params: { id: opp.id }, expect: 200 });
  assert.ok(trail.body.items.some((a) => a.field === 'stage_id'));

  // a lost deal needs a reason
  const second = await call(cli.rep, 'POST', '/api/v1/opportunities', { body: { name: uniq('Second deal'), account_id: ids.account }, expect: 201 });
  await call(cli.rep, 'POST', `${O}/stage`, { params: { id: second.body.id }, body: { stage_id: lost.id }, expect: 422 });
  const gone = await call(cli.rep, 'POST', `${O}/stage`, { params: { id: second.body.id }, body: { stage_id: lost.id, lost_reason: 'Budget cut' }, expect: 200 });
  assert.equal(gone.body.lost_reason, 'Budget cut');

  // a deal in the renewals pipeline keeps its stage and pipeline from being deleted
  const renewal = await call(cli.rep, 'POST', '/api/v1/opportunities', { body: { name: uniq('Renewal'), pipeline_id: ids.pipeline, currency: 'USD', amount: 50000 }, expect: 201 });
  assert.equal(renewal.body.stage_id, ids.renewalOpen);
  ids.renewal = renewal.body.id;
  await call(admin, 'DELETE', '/api/v1/stages/{id}', { params: { id: ids.renewalOpen }, expect: 409 });
  await call(admin, 'DELETE', '/api/v1/pipelines/{id}', { params: { id: ids.pipeline }, expect: 409 });
  await call(cli.rep, 'DELETE', '/api/v1/pipelines/{id}', { params: { id: ids.pipeline }, expect: 403 });
  ids.opportunity = opp.id;
  ids.second = second.body.id;
  await deletes('opportunities', { name: uniq('Mistake') }, cli.rep);
  await call(cli.rep2, 'DELETE', O, { params: { id: opp.id }, expect: 404 });
});

test('activities', async () => {
  const a = await crud('activities', {
    make: () => ({ kind: 'task', subject: uniq('Send proposal'), body: 'Pricing for 200 seats.\nTwo options.', due_at: '2026-12-01T09:00:00+08:00', opportunity_id: ids.renewal }),
    change: () => ({ outcome: 'Sent', body: null }),
    filters: () => ({ kind: 'task', due_at_from: '2026-12-01', due_at_to: '2026-12-01T23:59:59Z', done_at: 'null', opportunity_id: ids.renewal, team: ids.team, q: 'proposal', sort: 'due_at' }),
    client: cli.rep,
    csvHeader: 'id,created_at,updated_at,kind,subject,body,due_at,done_at,outcome,opportunity_id,account_id,contact_id,owner_id,stage_action_id',
  });
  assert.equal(a.due_at, '2026-12-01T01:00:00.000Z', 'times are stored and shown in UTC');
  const orphan = await call(cli.rep, 'POST', '/api/v1/activities', { body: { kind: 'note', subject: 'About nothing' }, expect: 422 });
  assert.ok(orphan.body.errors.some((e) => e.field === 'opportunity_id'));
  await call(cli.rep, 'POST', '/api/v1/activities', { body: { kind: 'note', subject: 'When?', contact_id: ids.contact, due_at: 'tomorrow' }, expect: 422 });
  await deletes('activities', { kind: 'call', subject: uniq('Call back'), contact_id: ids.contact }, cli.rep);
});

test('board and search', async () => {
  const board = await call(cli.rep, 'GET', '/api/v1/board', { expect: 200 });
  assert.ok(board.body.pipeline.is_default);
  const renewals = await call(cli.rep, 'GET', '/api/v1/board', { query: { pipeline_id: ids.pipeline, closed_days: 7, owner_id: users.rep.id, q: 'renewal' }, expect: 200 });
  const card = renewals.body.stages.flatMap((s) => s.cards).find((c) => c.id === ids.renewal);
  assert.ok(card, 'the renewal deal is on its board');
  assert.match(card.next_step, /^Send proposal/, 'the card shows the open task');
  await call(cli.rep, 'GET', '/api/v1/board', { query: { limit: 5 }, expect: 400 });
  await call(cli.rep, 'GET', '/api/v1/board', { query: { closed_days: -1 }, expect: 400 });
  await call(cli.rep, 'GET', '/api/v1/board', { query: { pipeline_id: 99999999 }, expect: 404 });
  await call(anon, 'GET', '/api/v1/board', { expect: 401 });

  const found = await call(cli.rep, 'GET', '/api/v1/search', { query: { q: 'acme' }, expect: 200 });
  assert.ok(found.body.accounts.length >= 1 && found.body.contacts.length >= 1 && found.body.opportunities.length >= 1);
  await call(cli.adminBearer, 'GET', '/api/v1/search', { query: { q: 'li wei' }, expect: 200 });
  await call(cli.rep, 'GET', '/api/v1/search', { expect: 400 });
  await call(anon, 'GET', '/api/v1/search', { query: { q: 'acme' }, expect: 401 });
});

test('leads: CRUD, intake errors, shares, assignment log, conversion', async () => {
  const L = '/api/v1/leads/{id}';
  const lead = await crud('leads', {
    make: () => ({ name: uniq('OpenAPI lead'), email: `${uniq('lead')}@leads-openapi.example`, company: uniq('Lead Co'), region: 'OpenAPI Land', owner_id: users.rep.id }),
    change: () => ({ notes: 'Met at the fair', industry: 'Software', company_size: '51-200' }),
    filters: (l) => ({ owner_id: l.owner_id, status: 'assigned', region: 'OpenAPI Land', intake: 'api', q: l.name, sort: '-id' }),
    csvHeader: 'id,created_at,updated_at,name,company,email,phone,title,source,notes,region,industry,company_size,status,disqualified_reason,' +
      'owner_id,intake,form_id,duplicate_entity,duplicate_id,duplicate_on,assigned_at,converted_at,account_id,contact_id,opportunity_id',
  });
  assert.deepEqual([lead.status, lead.intake, lead.owner_id], ['assigned', 'api', users.rep.id]);
  const missing = await call(admin, 'POST', '/api/v1/leads', { body: { name: 'No way to reach' }, expect: 422 });
  assert.ok(missing.body.errors.some((e) => e.field === 'email'));
  await call(admin, 'POST', '/api/v1/leads', { body: { name: 'Typed status', email: 'typed@leads-openapi.example', status: 'converted' }, expect: 422 });
  await call(admin, 'POST', '/api/v1/leads', { body: BIG, expect: 413 });
  await call(cli.rep, 'POST', '/api/v1/leads', { body: { name: 'Forged', email: 'forged@leads-openapi.example' }, headers: { 'X-CSRF-Token': 'forged' }, expect: 403 });
  await call(anon, 'POST', '/api/v1/leads', { body: { name: 'Anon', email: 'anon@leads-openapi.example' }, expect: 401 });
  await call(cli.rep, 'PATCH', L, { params: { id: lead.id }, body: { status: 'converted' }, expect: 422 });
  await call(cli.rep, 'PATCH', L, { params: { id: lead.id }, body: { notes: 'x' }, headers: { 'X-CSRF-Token': 'forged' }, expect: 403 });
  await call(cli.rep, 'PATCH', L, { params: { id: lead.id }, body: BIG, expect: 413 });
  await call(cli.rep, 'PATCH', L, { params: { id: lead.id }, body: '[1]', expect: 400 });
  await call(cli.rep2, 'PATCH', L, { params: { id: lead.id }, body: { notes: 'not mine' }, expect: 404 });
  await call(cli.rep2, 'GET', `${L}/audit`, { params: { id: lead.id }, expect: 404 });
  await call(anon, 'GET', `${L}/audit`, { params: { id: lead.id }, expect: 401 });
  await call(anon, 'GET', '/api/v1/leads', { expect: 401 });
  await call(admin, 'GET', '/api/v1/leads/export.csv', { query: { limit: 5 }, expect: 400 });
  await call(anon, 'GET', '/api/v1/leads/export.csv', { expect: 401 });
  await call(cli.rep, 'DELETE', L, { params: { id: lead.id }, headers: { 'X-CSRF-Token': 'forged' }, expect: 403 });
  await call(anon, 'DELETE', L, { params: { id: lead.id }, expect: 401 });
  await deletes('leads', { name: uniq('Short-lived lead'), email: `${uniq('gone')}@leads-openapi.example`, owner_id: users.rep.id });

  // the assignment log
  const log = await call(cli.rep, 'GET', `${L}/assignments`, { params: { id: lead.id }, expect: 200 });
  assert.equal(log.body.items[0].method, 'manual');
  await call(cli.rep2, 'GET', `${L}/assignments`, { params: { id: lead.id }, expect: 404 });
  await call(anon, 'GET', `${L}/assignments`, { params: { id: lead.id }, expect: 401 });

  // shares of a lead
  const S = `${L}/shares`;
  const none = await call(cli.rep, 'GET', S, { params: { id: lead.id }, expect: 200 });
  assert.deepEqual(none.body.items, []);
  await call(cli.rep, 'POST', S, { params: { id: lead.id }, body: { user_id: users.rep2.id }, expect: 200 });
  await call(cli.rep2, 'GET', L, { params: { id: lead.id }, expect: 200 });
  await call(cli.rep, 'POST', S, { params: { id: lead.id }, body: { user_id: 'rep2' }, expect: 422 });
  docRefuses('POST', S, { user_id: 'rep2' });
  await call(cli.rep, 'POST', S, { params: { id: lead.id }, body: '[]', expect: 400 });
  await call(cli.rep, 'POST', S, { params: { id: lead.id }, body: BIG, expect: 413 });
  await call(cli.rep, 'POST', S, { params: { id: lead.id }, body: { user_id: users.rep2.id }, headers: { 'X-CSRF-Token': 'forged' }, expect: 403 });
  await call(cli.rep, 'POST', S, { params: { id: 99999999 }, body: { user_id: users.rep2.id }, expect: 404 });
  await call(anon, 'GET', S, { params: { id: lead.id }, expect: 401 });
  await call(cli.rep, 'GET', S, { params: { id: 99999999 }, expect: 404 });
  const U = `${S}/{user_id}`;
  await call(cli.rep, 'DELETE', U, { params: { id: lead.id, user_id: users.victim.id }, expect: 422 });
  await call(cli.rep, 'DELETE', U, { params: { id: lead.id, user_id: users.rep2.id }, headers: { 'X-CSRF-Token': 'forged' }, expect: 403 });
  await call(cli.rep, 'DELETE', U, { params: { id: 99999999, user_id: users.rep2.id }, expect: 404 });
  await call(anon, 'DELETE', U, { params: { id: lead.id, user_id: users.rep2.id }, expect: 401 });
  await call(cli.rep, 'DELETE', U, { params: { id: lead.id, user_id: users.rep2.id }, expect: 204 });
  await call(cli.rep2, 'GET', L, { params: { id: lead.id }, expect: 404 });

  // conversion: account, contact and deal in one go, once
  const C = `${L}/convert`;
  await call(cli.rep, 'POST', C, { params: { id: lead.id }, body: { deal: {} }, expect: 422 });
  docRefuses('POST', C, { deal: {} });
  await call(cli.rep, 'POST', C, { params: { id: lead.id }, body: '[]', expect: 400 });
  await call(cli.rep, 'POST', C, { params: { id: lead.id }, body: BIG, expect: 413 });
  await call(cli.rep, 'POST', C, { params: { id: lead.id }, body: {}, headers: { 'X-CSRF-Token': 'forged' }, expect: 403 });
  await call(cli.rep2, 'POST', C, { params: { id: lead.id }, body: {}, expect: 404 });
  await call(anon, 'POST', C, { params: { id: lead.id }, body: {}, expect: 401 });
  const conv = await call(cli.rep, 'POST', C, { params: { id: lead.id }, body: { opportunity: { name: uniq('From a lead'), amount: 300000, close_date: '2027-03-31' } }, expect: 201 });
  assert.equal(conv.headers.get('location'), `/api/v1/opportunities/${conv.body.opportunity.id}`);
  assert.equal(conv.body.lead.status, 'converted');
  await call(cli.rep, 'POST', C, { params: { id: lead.id }, body: {}, expect: 409 });
});

test('lead forms and the public submit address', async () => {
  const form = await crud('lead-forms', {
    make: () => ({ name: uniq('Website form'), default_source: 'website' }),
    change: () => ({ default_source: 'expo' }),
    filters: (f) => ({ active: 'true', q: f.name, sort: 'name' }),
    csvHeader: 'id,created_at,updated_at,name,active,default_source,token',
  });
  assert.equal(form.submit_path, `/api/v1/forms/${form.token}/submit`);
  await call(admin, 'PATCH', '/api/v1/lead-forms/{id}', { params: { id: form.id }, body: { token: 'mine' }, expect: 422 });
  await call(cli.rep, 'POST', '/api/v1/lead-forms', { body: { name: 'Rep form' }, expect: 403 });
  await call(cli.rep, 'PATCH', '/api/v1/lead-forms/{id}', { params: { id: form.id }, body: { name: 'Rep form' }, expect: 403 });
  await call(cli.rep, 'DELETE', '/api/v1/lead-forms/{id}', { params: { id: form.id }, expect: 403 });
  await deletes('lead-forms', { name: uniq('Short-lived form') });

  const F = '/api/v1/forms/{token}/submit';
  const web = srv.anon();
  const form_ = { 'Content-Type': 'application/x-www-form-urlencoded' };
  const ok1 = await call(web, 'POST', F, { params: { token: form.token }, body: { name: 'Form Person', email: `${uniq('form')}@forms-openapi.example`, website: '' }, expect: 201 });
  assert.deepEqual(ok1.body, { received: true });
  assert.equal(ok1.headers.get('access-control-allow-origin'), '*');
  await call(web, 'POST', F, { params: { token: form.token }, body: `name=Wang+Fang&email=${uniq('wang')}%40forms-openapi.example`, headers: form_, expect: 201 });
  await call(web, 'POST', F, { params: { token: form.token }, body: { name: 'No contact' }, expect: 422 });
  await call(web, 'POST', F, { params: { token: form.token }, body: '{"name":', headers: { 'Content-Type': 'application/json' }, expect: 400 });
  await call(web, 'POST', F, { params: { token: form.token }, body: 'name=' + 'x'.repeat(70 * 1024), headers: form_, expect: 413 });
  await call(web, 'POST', F, { params: { token: 'not-a-token' }, body: { name: 'X', email: 'x@forms-openapi.example' }, expect: 404 });
  const pre = await call(web, 'OPTIONS', F, { params: { token: form.token }, expect: 204 });
  assert.match(pre.headers.get('access-control-allow-methods'), /POST/);
  // 20 submissions per client address in 10 minutes (bad ones count too); this server's last form post
  let last;
  for (let i = 0; i < 25; i++) {
    last = await call(web, 'POST', F, { params: { token: form.token }, body: { name: `Flood ${i}`, email: `flood${i}@forms-openapi.example` } });
    if (last.status === 429) break;
    assert.equal(last.status, 201, last.text);
  }
  assert.equal(last.status, 429);
  assert.equal(last.headers.get('retry-after'), '600');
});

test('assignment rules', async () => {
  const rule = await crud('assignment-rules', {
    make: () => ({ name: uniq('OpenAPI rule'), regions: 'OpenAPI Rule Land, Elsewhere', industries: 'Software', team_id: ids.team, method: 'balanced' }),
    change: () => ({ position: 7, company_sizes: '51-200' }),
    filters: (r) => ({ team_id: r.team_id, active: 'true', q: r.name, sort: 'position' }),
    csvHeader: 'id,created_at,updated_at,name,position,active,regions,industries,company_sizes,team_id,user_id,method',
  });
  assert.equal(rule.method, 'balanced');
  const both = await call(admin, 'POST', '/api/v1/assignment-rules', { body: { name: 'Both', team_id: ids.team, user_id: users.rep.id }, expect: 422 });
  assert.ok(both.body.errors.some((e) => e.field === 'user_id'));
  await call(admin, 'POST', '/api/v1/assignment-rules', { body: { name: 'How', team_id: ids.team, method: 'lottery' }, expect: 422 });
  await call(cli.rep, 'POST', '/api/v1/assignment-rules', { body: { name: 'Mine', user_id: users.rep.id }, expect: 403 });
  await call(admin, 'PATCH', '/api/v1/assignment-rules/{id}', { params: { id: rule.id }, body: { user_id: users.rep.id }, expect: 422 });
  await deletes('assignment-rules', { name: uniq('Short-lived rule'), regions: 'Nowhere Land', user_id: users.rep.id });
});

test('stage actions (playbooks) and compliance', async () => {
  const act = await crud('stage-actions', {
    make: () => ({ stage_id: ids.renewalWon, name: 'Send the thank-you note', due_days: 2, position: 1 }),
    change: () => ({ required: false, due_days: 3 }),
    filters: (a) => ({ stage_id: a.stage_id, required: String(a.required), sort: 'position' }),
    csvHeader: 'id,created_at,updated_at,stage_id,name,due_days,required,position',
  });
  assert.equal(act.stage_name, 'Renewed');
  await call(admin, 'PATCH', '/api/v1/stage-actions/{id}', { params: { id: act.id }, body: { stage_id: ids.renewalOpen }, expect: 422 });   // create-only
  await call(admin, 'POST', '/api/v1/stage-actions', { body: { stage_id: ids.renewalWon, name: 'Far away', due_days: 99999 }, expect: 422 });
  await call(cli.rep, 'POST', '/api/v1/stage-actions', { body: { stage_id: ids.renewalWon, name: 'Mine' }, expect: 403 });
  await deletes('stage-actions', { stage_id: ids.renewalWon, name: 'Temporary action' });
  // the tasks a playbook makes are found by their action
  await call(cli.rep, 'GET', '/api/v1/activities', { query: { stage_action_id: act.id }, expect: 200 });

  const comp = await call(cli.rep, 'GET', '/api/v1/compliance', { query: { stale_days: 30 }, expect: 200 });
  assert.equal(comp.body.stale_days, 30);
  await call(cli.rep, 'GET', '/api/v1/compliance', { query: { stale_days: 0 }, expect: 400 });
  await call(cli.rep, 'GET', '/api/v1/compliance', { query: { colour: 'red' }, expect: 400 });
  await call(anon, 'GET', '/api/v1/compliance', { expect: 401 });
});

test('imports: upload, check, change, run, report, forget', async () => {
  const I = '/api/v1/imports/{id}';
  const CSV = { 'Content-Type': 'text/csv' };
  const name = uniq('Imported Ltd');
  const up = await call(admin, 'POST', '/api/v1/imports', { query: { entity: 'accounts', filename: 'accounts.csv' }, body: `name,industry,region\n${name},Retail,East\n,Retail,West\n`, headers: CSV, expect: 201 });
  assert.equal(up.headers.get('location'), `/api/v1/imports/${up.body.id}`);
  assert.equal(up.body.status, 'ready');
  const id = up.body.id;
  await call(admin, 'POST', '/api/v1/imports', { body: 'name\nx\n', headers: CSV, expect: 400 });   // no entity
  await call(cli.rep, 'POST', '/api/v1/imports', { query: { entity: 'products' }, body: 'name,sku,price\nX,X,1\n', headers: CSV, expect: 403 });
  await call(anon, 'POST', '/api/v1/imports', { query: { entity: 'accounts' }, body: 'name\nx\n', headers: CSV, expect: 401 });
  await call(admin, 'POST', '/api/v1/imports', { query: { entity: 'accounts' }, body: 'name\n' + 'x'.repeat(17 * 1024 * 1024), headers: CSV, expect: 413 });
  // a workbook that is not one: an old .xls (an OLE file)
  const xls = Buffer.alloc(1024);
  Buffer.from('d0cf11e0a1b11ae1', 'hex').copy(xls);
  await call(admin, 'POST', '/api/v1/imports', { query: { entity: 'accounts' }, body: xls, headers: { 'Content-Type': 'application/vnd.ms-excel' }, expect: 422 });

  const list = await call(admin, 'GET', '/api/v1/imports', { expect: 200 });
  assert.ok(list.body.items.some((j) => j.id === id));
  await call(anon, 'GET', '/api/v1/imports', { expect: 401 });
  await call(admin, 'GET', I, { params: { id }, expect: 200 });
  await call(cli.rep2, 'GET', I, { params: { id }, expect: 404 });   // private to its owner
  await call(anon, 'GET', I, { params: { id }, expect: 401 });

  const changed = await call(admin, 'PATCH', I, { params: { id }, body: { options: { mode: 'skip' } }, expect: 200 });
  assert.equal(changed.body.rows_bad, 1, 'a row without a name');
  await call(admin, 'PATCH', I, { params: { id }, body: { speed: 'fast' }, expect: 422 });
  docRefuses('PATCH', I, { speed: 'fast' });
  await call(admin, 'PATCH', I, { params: { id }, body: '[1]', expect: 400 });
  await call(admin, 'PATCH', I, { params: { id }, body: BIG, expect: 413 });
  await call(admin, 'PATCH', I, { params: { id }, body: { options: { mode: 'stop' } }, headers: { 'X-CSRF-Token': 'forged' }, expect: 403 });
  await call(cli.rep2, 'PATCH', I, { params: { id }, body: { options: { mode: 'stop' } }, expect: 404 });
  await call(anon, 'PATCH', I, { params: { id }, body: { options: { mode: 'stop' } }, expect: 401 });

  const R = `${I}/run`;
  await call(admin, 'POST', R, { params: { id }, body: '[1]', expect: 400 });
  await call(admin, 'POST', R, { params: { id }, body: BIG, expect: 413 });
  await call(admin, 'POST', R, { params: { id }, body: {}, headers: { 'X-CSRF-Token': 'forged' }, expect: 403 });
  await call(cli.rep2, 'POST', R, { params: { id }, body: {}, expect: 404 });
  await call(anon, 'POST', R, { params: { id }, body: {}, expect: 401 });
  await call(admin, 'POST', R, { params: { id }, body: { options: { mode: 'maybe' } }, expect: 422 });
  const started = await call(admin, 'POST', R, { params: { id }, body: { options: { mode: 'skip' } }, expect: 202 });
  assert.equal(started.headers.get('location'), `/api/v1/imports/${id}`);
  let job = started.body;
  for (let i = 0; i < 400 && !['done', 'failed'].includes(job.status); i++) {
    await new Promise((ok) => setTimeout(ok, 50));
    job = (await call(admin, 'GET', I, { params: { id }, expect: 200 })).body;
  }
  assert.equal(job.status, 'done', JSON.stringify(job));
  assert.equal(job.rows_imported, 1);
  await call(admin, 'POST', R, { params: { id }, body: {}, expect: 409 });
  await call(admin, 'PATCH', I, { params: { id }, body: { options: { mode: 'stop' } }, expect: 409 });
  const noSku = await call(admin, 'POST', '/api/v1/imports', { query: { entity: 'products' }, body: 'product,price\nX,5\n', headers: CSV, expect: 201 });
  const unmapped = await call(admin, 'POST', R, { params: { id: noSku.body.id }, expect: 422 });
  assert.ok(unmapped.body.errors.some((e) => e.field === 'sku'));

  const rep = await call(admin, 'GET', `${I}/report.csv`, { params: { id }, expect: 200 });
  assert.ok(rep.text.startsWith('"row","column","problem","name","industry","region"\r\n"3",'), rep.text.slice(0, 100));
  await call(cli.rep2, 'GET', `${I}/report.csv`, { params: { id }, expect: 404 });
  await call(anon, 'GET', `${I}/report.csv`, { params: { id }, expect: 401 });

  await call(admin, 'DELETE', I, { params: { id }, headers: { 'X-CSRF-Token': 'forged' }, expect: 403 });
  await call(cli.rep2, 'DELETE', I, { params: { id }, expect: 404 });
  await call(anon, 'DELETE', I, { params: { id }, expect: 401 });
  await call(admin, 'DELETE', I, { params: { id }, expect: 204 });
  await call(admin, 'DELETE', I, { params: { id: noSku.body.id }, expect: 204 });
  await call(admin, 'GET', I, { params: { id }, expect: 404 });
});

test('every list as an Excel workbook', async () => {
  const segs = Object.keys(doc.paths).map((t) => t.match(/^\/api\/v1\/([a-z-]+)\/export\.xlsx$/)?.[1]).filter(Boolean);
  assert.equal(segs.length, 15);
  for (const seg of segs) {
    const t = `/api/v1/${seg}/export.xlsx`;
    const raw = await fetch(srv.url + t, { headers: { Cookie: admin.cookie } });
    assert.equal(raw.status, 200, seg);
    assert.deepEqual([...new Uint8Array(await raw.arrayBuffer()).slice(0, 2)], [0x50, 0x4b], `${seg}: a workbook is a zip file`);
    const r = await call(admin, 'GET', t, { expect: 200 });
    assert.equal(r.headers.get('content-disposition'), `attachment; filename="${seg}.xlsx"`);
    await call(admin, 'GET', t, { query: { limit: 10 }, expect: 400 });
    await call(anon, 'GET', t, { expect: 401 });
  }
  await call(admin, 'GET', '/api/v1/opportunities/export.xlsx', { query: { forecast_category: 'best_case', sort: '-amount' }, expect: 200 });
});

test('analytics reports', async () => {
  const to = new Date().toISOString().slice(0, 10);
  const from = new Date(Date.now() - 60 * 86400000).toISOString().slice(0, 10);
  for (const name of ['conversion', 'funnel', 'forecast', 'calibration', 'cycle', 'velocity', 'breakdown', 'activity', 'reps', 'deals']) {
    const t = `/api/v1/analytics/${name}`;
    const extra = name === 'deals' ? { metric: 'won' } : {};
    await call(admin, 'GET', t, { query: { from, to, ...extra }, expect: 200 });
    await call(cli.rep, 'GET', t, { query: { ...extra }, expect: 200 });
    await call(admin, 'GET', t, { query: { colour: 'red', ...extra }, expect: 400 });
    await call(anon, 'GET', t, { query: extra, expect: 401 });
    await call(cli.rep, 'GET', t, { query: { owner_id: users.rep2.id, ...extra }, expect: 403 });
    await call(admin, 'GET', t, { query: { owner_id: 99999999, ...extra }, expect: 422 });
  }
  await call(admin, 'GET', '/api/v1/analytics/deals', { expect: 400 });   // metric is required
  for (const t of ['/api/v1/analytics/deals/export.csv', '/api/v1/analytics/deals/export.xlsx']) {
    await call(admin, 'GET', t, { query: { from, to, metric: 'won' }, expect: 200 });
    await call(admin, 'GET', t, { query: { metric: 'won', limit: 10 }, expect: 400 });
    await call(anon, 'GET', t, { query: { metric: 'won' }, expect: 401 });
    await call(cli.rep, 'GET', t, { query: { metric: 'won', owner_id: users.rep2.id }, expect: 403 });
    await call(admin, 'GET', t, { query: { metric: 'won', owner_id: 99999999 }, expect: 422 });
  }
});

test('quotas', async () => {
  const Q = '/api/v1/quotas/{id}';
  const base = { period_start: '2026-01-01', period_end: '2026-03-31', amount: 100000, currency: 'CNY' };
  const made = await call(admin, 'POST', '/api/v1/quotas', { body: { ...base, user_id: users.rep.id }, expect: 201 });
  assert.equal(made.headers.get('location'), `/api/v1/quotas/${made.body.id}`);
  assert.equal(etagOf(made), `"${made.body.version}"`);
  const id = made.body.id;
  await call(admin, 'POST', '/api/v1/quotas', { body: { ...base }, expect: 422 });   // neither user nor team
  docRefuses('POST', '/api/v1/quotas', { ...base, user_id: users.rep.id, colour: 1 });
  await call(admin, 'POST', '/api/v1/quotas', { body: '[1]', expect: 400 });
  await call(admin, 'POST', '/api/v1/quotas', { body: BIG, expect: 413 });
  await call(cli.rep, 'POST', '/api/v1/quotas', { body: { ...base, user_id: users.rep.id }, expect: 403 });
  await call(anon, 'POST', '/api/v1/quotas', { body: { ...base, user_id: users.rep.id }, expect: 401 });

  const mine = await call(cli.rep, 'GET', '/api/v1/quotas', { query: { user_id: users.rep.id, from: '2026-01-01', to: '2026-12-31', limit: 10 }, expect: 200 });
  assert.deepEqual(mine.body.items.map((q) => q.id), [id]);
  await call(admin, 'GET', '/api/v1/quotas', { query: { colour: 'red' }, expect: 400 });
  await call(anon, 'GET', '/api/v1/quotas', { expect: 401 });

  const got = await call(cli.rep, 'GET', Q, { params: { id }, expect: 200 });
  await call(cli.rep2, 'GET', Q, { params: { id }, expect: 404 });
  await call(anon, 'GET', Q, { params: { id }, expect: 401 });
  await call(admin, 'PATCH', Q, { params: { id }, body: { amount: 1 }, headers: { 'If-Match': '"99"' }, expect: 412 });
  const upd = await call(admin, 'PATCH', Q, { params: { id }, body: { amount: 120000 }, headers: { 'If-Match': etagOf(got) }, expect: 200 });
  assert.equal(upd.body.amount, 120000);
  await call(admin, 'PATCH', Q, { params: { id }, body: { amount: -1 }, expect: 422 });
  await call(admin, 'PATCH', Q, { params: { id }, body: '[1]', expect: 400 });
  await call(admin, 'PATCH', Q, { params: { id }, body: BIG, expect: 413 });
  await call(cli.rep, 'PATCH', Q, { params: { id }, body: { amount: 1 }, expect: 403 });
  await call(admin, 'PATCH', Q, { params: { id: 99999999 }, body: { amount: 1 }, expect: 404 });
  await call(anon, 'PATCH', Q, { params: { id }, body: { amount: 1 }, expect: 401 });
  await call(cli.rep, 'DELETE', Q, { params: { id }, expect: 403 });
  await call(admin, 'DELETE', Q, { params: { id }, headers: { 'If-Match': '"99"' }, expect: 412 });
  await call(anon, 'DELETE', Q, { params: { id }, expect: 401 });
  await call(admin, 'DELETE', Q, { params: { id }, expect: 204 });
  await call(admin, 'DELETE', Q, { params: { id }, expect: 404 });
});

test('login rate limit: 429 after repeated failures', async () => {
  // runs last on this server: the limit also counts per client address
  const email = `${uniq('nobody')}@test.local`;
  let last;
  for (let i = 0; i < 8; i++) {
    last = await call(srv.anon(), 'POST', '/api/v1/session', { body: { email, password: 'guess-number-' + i } });
    assert.ok([401, 429].includes(last.status), `login attempt ${i + 1}: ${last.status}`);
    if (last.status === 429) break;
  }
  assert.equal(last.status, 429, 'repeated failed logins end in 429');
  assert.equal(last.body.type, '/problems/rate-limited');
});

test('coverage: every documented operation and problem response was exercised', () => {
  const missing = [];
  for (const [template, item] of Object.entries(doc.paths))
    for (const m of Object.keys(item).filter((k) => METHODS.includes(k)))
      if (!exercised.has(`${m.toUpperCase()} ${template}`)) missing.push(`${m.toUpperCase()} ${template} (${item[m].operationId})`);
  assert.deepEqual(missing, [], `operations of docs/openapi.json no request exercised:\n  ${missing.join('\n  ')}`);
  const expected = Object.keys(doc.components.responses).filter((k) => k !== 'ServerError');
  const unseen = expected.filter((k) => !componentsSeen.has(k));
  assert.deepEqual(unseen, [], `documented responses never validated against a real answer: ${unseen.join(', ')}`);
});
