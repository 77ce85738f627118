// multiprocess.test.mjs: several `cylinder serve` processes on one PostgreSQL
// database, as behind a load balancer. Sessions live in the database, so a
// login on one process works on the other. Runs only with CYLINDER_TEST_PG_URL.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, expectProblem } from './lib.mjs';

const PG = !!process.env.CYLINDER_TEST_PG_URL;
let s1, s2;
before(async () => {
  if (!PG) return;
  s1 = await startServer({ pg: true });
  s2 = await startServer({ db: s1.db });
});
after(async () => {
  await s2?.stop();
  await s1?.stop();
});

test('a session opened on one process works on the other, and logout ends it on both', async (t) => {
  if (!PG) return t.skip('needs CYLINDER_TEST_PG_URL');
  assert.notEqual(s1.url, s2.url);
  const u = await s1.addUser({ email: 'mp@test.local', name: 'Multi Process', role: 'rep' });
  const c1 = await s1.login(u.email, u.password);
  const c2 = c1.at(s2.url);
  const me = await c2.get('/api/v1/session');
  assert.equal(me.status, 200, me.text);
  assert.equal(me.body.email, u.email);
  assert.equal(me.body.csrf_token, c1.csrf, 'the CSRF token is the same on both');
  const made = await c2.post('/api/v1/accounts', { name: 'Made on process 2' });
  assert.equal(made.status, 201, 'the CSRF token of process 1 is accepted by process 2: ' + made.text);
  expectProblem(await c2.post('/api/v1/accounts', { name: 'x' }, { headers: { 'X-CSRF-Token': 'wrong' } }), 403);
  // tokens too
  const tok = await c1.token('mp');
  assert.equal((await tok.client.at(s2.url).get('/api/v1/session')).status, 200);
  assert.equal((await c1.del('/api/v1/session')).status, 204);
  expectProblem(await c2.get('/api/v1/session'), 401);
  assert.equal((await c2.at(s1.url).get('/api/v1/session')).status, 401);
});

test('what one process writes the other reads at once, versions included', async (t) => {
  if (!PG) return t.skip('needs CYLINDER_TEST_PG_URL');
  const a1 = s1.admin;
  const a2 = a1.at(s2.url);
  const acc = await a1.post('/api/v1/accounts', { name: '上海锐思科技有限公司' });
  assert.equal(acc.status, 201);
  const read = await a2.get(`/api/v1/accounts/${acc.body.id}`);
  assert.equal(read.status, 200);
  assert.deepEqual(read.body, acc.body);
  const p = await a2.patch(`/api/v1/accounts/${acc.body.id}`, { industry: 'Software' }, { headers: { 'If-Match': '"1"' } });
  assert.equal(p.status, 200);
  const stale = await a1.patch(`/api/v1/accounts/${acc.body.id}`, { industry: 'Hardware' }, { headers: { 'If-Match': '"1"' } });
  expectProblem(stale, 412);
  assert.equal((await a1.get(`/api/v1/accounts/${acc.body.id}`)).body.industry, 'Software');
  const s = await a1.get('/api/v1/search?q=' + encodeURIComponent('锐思'));
  assert.deepEqual(s.body.accounts.map((x) => x.id), [acc.body.id]);
});

test('concurrent creates on both processes all succeed with distinct ids', async (t) => {
  if (!PG) return t.skip('needs CYLINDER_TEST_PG_URL');
  const a1 = s1.admin;
  const a2 = a1.at(s2.url);
  const N = 25;
  const reqs = [];
  for (let i = 0; i < N; i++) {
    reqs.push(a1.post('/api/v1/opportunities', { name: `MP deal 1-${i}`, amount: i }));
    reqs.push(a2.post('/api/v1/opportunities', { name: `MP deal 2-${i}`, amount: i }));
  }
  const res = await Promise.all(reqs);
  assert.deepEqual(res.filter((r) => r.status !== 201).map((r) => r.text), []);
  const ids = new Set(res.map((r) => r.body.id));
  assert.equal(ids.size, 2 * N);
  for (const c of [a1, a2]) {
    const list = await c.get('/api/v1/opportunities?q=MP%20deal&limit=200');
    assert.equal(list.body.items.length, 2 * N, 'each process lists every deal');
  }
  // every create wrote its first stage-history row
  const h = await a2.get(`/api/v1/opportunities/${res[0].body.id}/history`);
  assert.equal(h.body.items.length, 1);
  // and concurrent updates of one record from both processes: exactly one wins
  const target = res[1].body;
  const race = await Promise.all([
    ...Array.from({ length: 10 }, (_, i) => a1.patch(`/api/v1/opportunities/${target.id}`, { amount: 100 + i }, { headers: { 'If-Match': '"1"' } })),
    ...Array.from({ length: 10 }, (_, i) => a2.patch(`/api/v1/opportunities/${target.id}`, { amount: 200 + i }, { headers: { 'If-Match': '"1"' } })),
  ]);
  const st = race.map((r) => r.status);
  assert.equal(st.filter((x) => x === 200).length, 1, st.join(','));
  assert.equal(st.filter((x) => x === 412).length, 19, st.join(','));
});
