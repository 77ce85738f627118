// system.test.mjs: probes, metrics, security headers and the answers for
// routes and methods that do not exist.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import zlib from 'node:zlib';
import { startServer, expectProblem } from './lib.mjs';

let srv;
before(async () => { srv = await startServer(); });
after(async () => { await srv?.stop(); });

const get = (p, init) => fetch(srv.url + p, init);

test('/healthz and /readyz answer 200 JSON without credentials', async () => {
  const h = await get('/healthz');
  assert.equal(h.status, 200);
  assert.match(h.headers.get('content-type'), /application\/json/);
  assert.deepEqual(await h.json(), { status: 'ok' });
  const r = await get('/readyz');
  assert.equal(r.status, 200);
  assert.deepEqual(await r.json(), { status: 'ready' });
});

function parseMetrics(text) {
  const samples = new Map();
  const types = new Map();
  for (const line of text.split('\n')) {
    if (!line) continue;
    const t = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (t) { types.set(t[1], t[2]); continue; }
    if (line.startsWith('#')) { assert.match(line, /^# HELP \S+ .+/, line); continue; }
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$/.exec(line);
    assert.ok(m, `not a Prometheus sample line: ${JSON.stringify(line)}`);
    const v = Number(m[3]);
    assert.ok(!Number.isNaN(v), line);
    samples.set(m[1] + (m[2] || ''), v);
  }
  return { samples, types };
}

async function metrics() {
  const r = await get('/metrics');
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /^text\/plain/);
  const text = await r.text();
  assert.ok(text.endsWith('\n'), 'the exposition ends with a newline');
  return parseMetrics(text);
}

test('/metrics is Prometheus text: the request counter counts, the histogram is cumulative', async () => {
  const before = await metrics();
  assert.equal(before.types.get('cylinder_http_requests_total'), 'counter');
  assert.equal(before.types.get('cylinder_http_request_duration_seconds'), 'histogram');
  assert.equal(before.types.get('cylinder_db_seconds_total'), 'counter');
  const ok0 = before.samples.get('cylinder_http_requests_total{code="2xx"}');
  const nf0 = before.samples.get('cylinder_http_requests_total{code="4xx"}');
  assert.ok(Number.isInteger(ok0));
  for (let i = 0; i < 5; i++) assert.equal((await get('/healthz')).status, 200);
  for (let i = 0; i < 3; i++) assert.equal((await get('/api/v1/no-such-thing')).status, 404);
  const after = await metrics();
  // 5 probes plus the first /metrics itself, which is counted once it is answered
  assert.equal(after.samples.get('cylinder_http_requests_total{code="2xx"}') - ok0, 6);
  assert.equal(after.samples.get('cylinder_http_requests_total{code="4xx"}') - nf0, 3);

  const buckets = [...after.samples].filter(([k]) => k.startsWith('cylinder_http_request_duration_seconds_bucket'))
    .map(([k, v]) => [k.match(/le="([^"]+)"/)[1], v]);
  assert.ok(buckets.length >= 5, 'several buckets');
  assert.equal(buckets[buckets.length - 1][0], '+Inf', 'the last bucket is +Inf');
  for (let i = 1; i < buckets.length; i++) {
    assert.ok(buckets[i][1] >= buckets[i - 1][1], `bucket le=${buckets[i][0]} >= le=${buckets[i - 1][0]}`);
    if (buckets[i][0] !== '+Inf') assert.ok(Number(buckets[i][0]) > Number(buckets[i - 1][0]), 'bounds ascend');
  }
  const count = after.samples.get('cylinder_http_request_duration_seconds_count');
  assert.equal(buckets[buckets.length - 1][1], count, '+Inf equals _count');
  const total = ['1xx', '2xx', '3xx', '4xx', '5xx'].reduce((s, c) => s + (after.samples.get(`cylinder_http_requests_total{code="${c}"}`) || 0), 0);
  assert.equal(count, total, 'every request is in the histogram');
  assert.ok(after.samples.get('cylinder_http_request_duration_seconds_sum') > 0);
  assert.ok(count > before.samples.get('cylinder_http_request_duration_seconds_count'));
});

test('cylinder_db_seconds_total is present and grows with database work', async () => {
  const a = (await metrics()).samples.get('cylinder_db_seconds_total');
  assert.ok(a !== undefined && a >= 0);
  for (let i = 0; i < 5; i++) {
    assert.equal((await get('/readyz')).status, 200);
    assert.equal((await srv.admin.get('/api/v1/accounts')).status, 200);
  }
  const b = (await metrics()).samples.get('cylinder_db_seconds_total');
  assert.ok(b > a, `db time grew: ${a} -> ${b}`);
});

function checkSecurityHeaders(res, what) {
  const csp = res.headers.get('content-security-policy');
  assert.ok(csp, `${what}: has a Content-Security-Policy`);
  const dirs = Object.fromEntries(csp.split(';').map((d) => d.trim()).filter(Boolean).map((d) => {
    const [name, ...vals] = d.split(/\s+/);
    return [name.toLowerCase(), vals];
  }));
  const script = dirs['script-src'] || dirs['default-src'];
  assert.ok(script, `${what}: scripts are restricted`);
  assert.ok(!script.includes("'unsafe-inline'"), `${what}: no inline scripts`);
  assert.ok(!script.includes("'unsafe-eval'"), `${what}: no eval`);
  assert.ok(!script.includes('*'), `${what}: no scripts from anywhere`);
  assert.ok(dirs['frame-ancestors'], `${what}: frame-ancestors is set`);
  assert.ok(["'none'", "'self'"].includes(dirs['frame-ancestors'][0]), `${what}: framing limited`);
  assert.ok(dirs['object-src']?.includes("'none'") || dirs['default-src']?.includes("'none'"), `${what}: no plugins`);
  assert.equal(res.headers.get('x-content-type-options'), 'nosniff', `${what}: nosniff`);
  assert.ok(res.headers.get('referrer-policy'), `${what}: a referrer policy`);
}

test('security headers on API answers, errors and the app', async () => {
  const api = await srv.admin.get('/api/v1/session');
  checkSecurityHeaders(api, 'API JSON');
  assert.match(api.headers.get('cache-control') || '', /no-store/, 'personal API data is not cached');
  checkSecurityHeaders(await srv.anon().get('/api/v1/accounts'), '401');
  checkSecurityHeaders(await get('/api/v1/nope'), '404');
  checkSecurityHeaders(await get('/healthz'), 'probe');
  const app = await get('/');
  checkSecurityHeaders(app, 'the app');
  if (app.status === 200) assert.match(app.headers.get('content-type'), /text\/html/);
  const deep = await get('/opportunities/12');
  checkSecurityHeaders(deep, 'an app route');
});

// The raw bytes and headers, without fetch's own decompression.
function raw(p, headers = {}) {
  return new Promise((ok, fail) => {
    http.get(srv.url + p, { headers }, (res) => {
      const parts = [];
      res.on('data', (d) => parts.push(d));
      res.on('end', () => ok({ status: res.statusCode, headers: res.headers, body: Buffer.concat(parts) }));
    }).on('error', fail);
  });
}

test('the app\'s files go gzipped to browsers that take gzip, unchanged to others', async (t) => {
  const page = await raw('/');
  if (page.status !== 200) return t.skip('no browser app in this build');
  assert.equal(page.headers['content-encoding'], undefined);
  assert.equal(page.headers.vary, 'Accept-Encoding');
  const scripts = [...page.body.toString('utf8').matchAll(/\/assets\/[^"]+\.(?:js|css)/g)].map((m) => m[0]);
  assert.ok(scripts.length > 0, 'the page loads its scripts');
  for (const p of scripts) {
    const plain = await raw(p);
    assert.equal(plain.status, 200);
    assert.equal(plain.headers['content-encoding'], undefined, p);
    const gz = await raw(p, { 'Accept-Encoding': 'gzip, deflate, br' });
    assert.equal(gz.headers['content-encoding'], 'gzip', p);
    assert.equal(gz.headers.vary, 'Accept-Encoding');
    assert.equal(gz.headers['cache-control'], 'public, max-age=31536000, immutable');
    assert.ok(zlib.gunzipSync(gz.body).equals(plain.body), `${p}: the same bytes once unzipped`);
    if (plain.body.length > 10000) assert.ok(gz.body.length < plain.body.length / 2, `${p}: ${gz.body.length} of ${plain.body.length} bytes`);
    for (const refuse of ['gzip;q=0', 'identity', 'br']) assert.equal((await raw(p, { 'Accept-Encoding': refuse })).headers['content-encoding'], undefined, refuse);
    assert.equal((await raw(p, { 'Accept-Encoding': '*;q=0.5' })).headers['content-encoding'], 'gzip');
  }
});

test('unknown API routes are 404 problem+json, never the app page', async () => {
  for (const p of ['/api/v1/nonexistent', '/api/v1/nonexistent/1', '/api/v2/accounts', '/api/v1/accounts/1/nonexistent',
    '/api/v1/accounts/1/audit/extra', '/api/v1/stage_criteria', '/api/', '/api/v1/accounts/1/shares/2/3']) {
    const r = await srv.admin.get(p);
    expectProblem(r, 404);
    assert.ok(!/<html/i.test(r.text), p);
  }
  expectProblem(await srv.anon().get('/api/v1/nonexistent'), 404);
});

test('a method a route does not have is 405 problem+json with an Allow header', async () => {
  const cases = [
    ['PUT', '/api/v1/accounts', ['GET', 'POST']],
    ['DELETE', '/api/v1/accounts', ['GET', 'POST']],
    ['PUT', '/api/v1/accounts/1', ['GET', 'PATCH', 'DELETE']],
    ['POST', '/api/v1/accounts/1', ['GET', 'PATCH', 'DELETE']],
    ['DELETE', '/healthz', ['GET']],
    ['POST', '/metrics', ['GET']],
    ['GET', '/api/v1/opportunities/1/stage', ['POST']],
    ['PATCH', '/api/v1/session', ['GET', 'POST', 'DELETE']],
  ];
  for (const [method, p, allowed] of cases) {
    const r = await srv.admin.request(method, p, { body: method === 'GET' ? undefined : {} });
    expectProblem(r, 405);
    const allow = (r.headers.get('allow') || '').split(',').map((x) => x.trim()).filter(Boolean);
    for (const m of allowed) assert.ok(allow.includes(m), `${method} ${p}: Allow lists ${m} (got ${r.headers.get('allow')})`);
    assert.ok(!allow.includes(method), `${method} ${p}: Allow does not list ${method}`);
  }
  const odd = await fetch(srv.url + '/api/v1/accounts', { method: 'PROPFIND' });
  assert.equal(odd.status, 405);
  // the refused requests did nothing
  assert.deepEqual((await srv.admin.get('/api/v1/accounts')).body.items, []);
});
