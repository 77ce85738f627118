// permissions.test.mjs: who sees and changes which record. The organisation:
//
//   Sales (director D)
//   ├── Team A (manager MA): reps RA1, RA2, csm CA
//   └── Team B (manager MB): rep RB
//   ops user OPS (no team)
//
// A rep sees what they own plus what is shared with them; a manager sees the
// team subtree; ops reads all and changes only configuration. A record the
// caller may not see must look exactly like one that does not exist, through
// every route: the routes are read from src/api/*.c so that new ones are
// covered without editing this file.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startServer, expectProblem, defaultPipeline, ROOT } from './lib.mjs';

let srv, admin, P;
const U = {};    // user records by short name
const C = {};    // clients by short name
const R = {};    // records by owner short name: {acc, opp, contact, activity, item}
const MARK = `Zq${process.pid}x`; // appears in the names of RB's records only
let product;

async function ok(res, status = 201) {
  assert.equal(res.status, status, res.text);
  return res.body;
}

before(async () => {
  srv = await startServer();
  admin = srv.admin;
  P = await defaultPipeline(admin);
  U.D = await srv.addUser({ email: 'd@test.local', name: 'Director D', role: 'manager' });
  U.MA = await srv.addUser({ email: 'ma@test.local', name: 'Manager MA', role: 'manager' });
  U.MB = await srv.addUser({ email: 'mb@test.local', name: 'Manager MB', role: 'manager' });
  const top = await ok(await admin.post('/api/v1/teams', { name: 'Sales', manager_id: U.D.id }));
  const ta = await ok(await admin.post('/api/v1/teams', { name: 'Team A', parent_id: top.id, manager_id: U.MA.id }));
  const tb = await ok(await admin.post('/api/v1/teams', { name: 'Team B', parent_id: top.id, manager_id: U.MB.id }));
  for (const [k, t] of [['D', top], ['MA', ta], ['MB', tb]]) await ok(await admin.patch(`/api/v1/users/${U[k].id}`, { team_id: t.id }), 200);
  U.RA1 = await srv.addUser({ email: 'ra1@test.local', name: 'Rep RA1', role: 'rep', team_id: ta.id });
  U.RA2 = await srv.addUser({ email: 'ra2@test.local', name: 'Rep RA2', role: 'rep', team_id: ta.id });
  U.CA = await srv.addUser({ email: 'ca@test.local', name: 'CSM CA', role: 'csm', team_id: ta.id });
  U.RB = await srv.addUser({ email: 'rb@test.local', name: 'Rep RB', role: 'rep', team_id: tb.id });
  U.OPS = await srv.addUser({ email: 'ops@test.local', name: 'Ops', role: 'ops' });
  U.teams = { top, ta, tb };
  for (const k of ['D', 'MA', 'MB', 'RA1', 'RA2', 'CA', 'RB', 'OPS']) C[k] = await srv.login(U[k].email, U[k].password);
  product = await ok(await admin.post('/api/v1/products', { name: 'Seat', sku: 'SEAT-1', list_price: 1000, currency: 'CNY' }));
  for (const k of ['RA1', 'RA2', 'CA', 'RB', 'MA', 'MB']) {
    const c = C[k];
    const tag = k === 'RB' ? `${MARK} ` : '';
    const acc = await ok(await c.post('/api/v1/accounts', { name: `${tag}Account of ${k}` }));
    const opp = await ok(await c.post('/api/v1/opportunities', { name: `${tag}Deal of ${k}`, account_id: acc.id, amount: 1000 }));
    const contact = await ok(await c.post('/api/v1/contacts', { name: `${tag}Contact of ${k}`, account_id: acc.id }));
    const activity = await ok(await c.post('/api/v1/activities', { kind: 'task', subject: `${tag}Call ${k}`, opportunity_id: opp.id }));
    const item = await ok(await c.post(`/api/v1/opportunities/${opp.id}/line-items`, { product_id: product.id, quantity: 2 }));
    R[k] = { acc, opp, contact, activity, item };
  }
});
after(async () => { await srv?.stop(); });

async function ids(client, p) {
  const r = await client.get(p + (p.includes('?') ? '&' : '?') + 'limit=200');
  assert.equal(r.status, 200, r.text);
  return r.body.items.map((x) => x.id);
}
const oppsOf = (...ks) => ks.map((k) => R[k].opp.id);
const sorted = (a) => [...a].sort((x, y) => x - y);

test('a rep lists only their own records', async () => {
  assert.deepEqual(sorted(await ids(C.RA1, '/api/v1/opportunities')), oppsOf('RA1'));
  assert.deepEqual(await ids(C.RA1, '/api/v1/accounts'), [R.RA1.acc.id]);
  assert.deepEqual(await ids(C.RA1, '/api/v1/contacts'), [R.RA1.contact.id]);
  assert.deepEqual(await ids(C.RA1, '/api/v1/activities'), [R.RA1.activity.id]);
  assert.deepEqual(await ids(C.RA1, '/api/v1/line-items'), [R.RA1.item.id]);
  assert.deepEqual(await ids(C.RA1, `/api/v1/opportunities?team=${U.teams.tb.id}`), [], 'a team filter does not widen the scope');
  assert.deepEqual(await ids(C.RA1, `/api/v1/opportunities?owner_id=${U.RB.id}`), []);
});

// What a rep might send to each route; the answer for a record they may not see
// must not differ from the answer for one that does not exist.
function bodyFor(method, pattern) {
  if (method === 'GET' || method === 'DELETE' || method === 'PUT') return undefined;
  if (pattern.endsWith('/stage')) return { stage_id: P.stages.Lost.id, lost_reason: 'hijacked' };
  if (pattern.endsWith('/line-items')) return { product_id: product.id, quantity: 5 };
  if (pattern.endsWith('/shares')) return { user_id: U.RA1.id };
  return { name: 'hijacked' };
}

function apiRoutes() {
  const out = [];
  const dir = path.join(ROOT, 'src', 'api');
  for (const f of fs.readdirSync(dir).filter((x) => x.endsWith('.c'))) {
    const src = fs.readFileSync(path.join(dir, f), 'utf8');
    for (const m of src.matchAll(/http_route\(([A-Z_ |]+),\s*"([^"]+)"/g)) {
      const methods = m[1].split('|').map((x) => x.trim().replace('HTTP_', ''));
      out.push({ methods, pattern: m[2], file: f });
    }
  }
  return out;
}

// Routes that take the id of an opportunity (or of any record type, with {} for the type).
function opportunityRoutes(oppId, otherId) {
  const out = [];
  for (const r of apiRoutes()) {
    let p = r.pattern;
    if (p.startsWith('/api/v1/{}/{}')) p = p.replace('{}', 'opportunities');
    if (!p.startsWith('/api/v1/opportunities/{}')) continue;
    for (const method of r.methods) {
      const build = (id) => p.replace('{}', String(id)).replace('{}', String(otherId));
      out.push({ method, pattern: r.pattern, path: build(oppId), missingPath: build(9999999), body: bodyFor(method, p) });
    }
  }
  return out;
}

test('another team\'s opportunity looks like a missing one through every route that takes its id', async () => {
  const target = R.RB.opp;
  const critId = P.criteria[0].id;
  const routes = opportunityRoutes(target.id, critId).concat(
    // the share of a specific user, and the line item's and activity's own routes
    opportunityRoutes(target.id, U.RB.id).filter((x) => x.pattern.endsWith('/shares/{}')),
  );
  assert.ok(routes.length >= 12, `found ${routes.length} routes in src/api`);
  const seen = new Set();
  for (const rt of routes) {
    const key = rt.method + ' ' + rt.path;
    if (seen.has(key)) continue;
    seen.add(key);
    for (const who of ['RA1', 'CA', 'MA']) {
      const foreign = await C[who].request(rt.method, rt.path, { body: rt.body });
      const missing = await C[who].request(rt.method, rt.missingPath, { body: rt.body });
      assert.ok(foreign.status >= 400 && foreign.status < 500, `${who} ${key}: ${foreign.status} ${foreign.text}`);
      assert.equal(foreign.status, missing.status, `${who} ${key} answers like a missing record: ${foreign.text} vs ${missing.text}`);
      const norm = (t) => t.replaceAll(String(target.id), 'ID').replaceAll('9999999', 'ID');
      assert.equal(norm(foreign.text), norm(missing.text), `${who} ${key}: same message as for a missing record`);
      if (rt.method === 'GET' || rt.body !== undefined || rt.method === 'DELETE' || rt.method === 'PUT')
        assert.equal(foreign.status, 404, `${who} ${key} is 404: ${foreign.text}`);
    }
  }
  // nothing changed on RB's deal
  const still = await C.RB.get(`/api/v1/opportunities/${target.id}`);
  assert.equal(still.status, 200);
  assert.equal(still.body.version, (await admin.get(`/api/v1/opportunities/${target.id}`)).body.version);
  assert.equal(still.body.name, target.name);
  assert.equal(still.body.stage_id, P.stages.Lead.id);
  assert.equal(still.body.amount, 2000, 'no line item was added');
  assert.deepEqual((await C.RB.get(`/api/v1/opportunities/${target.id}/shares`)).body.items, []);
  assert.equal((await C.RB.get(`/api/v1/opportunities/${target.id}/history`)).body.items.length, 1);
  assert.ok((await C.RB.get(`/api/v1/opportunities/${target.id}/criteria`)).body.items.every((x) => !x.met));
});

test("another team's account, contact, activity and line item look missing too", async () => {
  const recs = [['accounts', R.RB.acc], ['contacts', R.RB.contact], ['activities', R.RB.activity], ['line-items', R.RB.item]];
  for (const [seg, rec] of recs) {
    for (const who of ['RA1', 'MA']) {
      expectProblem(await C[who].get(`/api/v1/${seg}/${rec.id}`), 404);
      expectProblem(await C[who].patch(`/api/v1/${seg}/${rec.id}`, seg === 'line-items' ? { quantity: 9 } : { name: 'x' }), 404);
      expectProblem(await C[who].del(`/api/v1/${seg}/${rec.id}`), 404);
      expectProblem(await C[who].get(`/api/v1/${seg}/${rec.id}/audit`), 404);
    }
  }
  expectProblem(await C.RA1.get(`/api/v1/accounts/${R.RB.acc.id}/shares`), 404);
  expectProblem(await C.RA1.post(`/api/v1/accounts/${R.RB.acc.id}/shares`, { user_id: U.RA1.id }), 404);
  assert.equal((await C.RB.get(`/api/v1/line-items/${R.RB.item.id}`)).body.quantity, 2);
  assert.equal((await C.RB.get(`/api/v1/accounts/${R.RB.acc.id}`)).body.version, 1);
});

test('no list, search, board or export shows another team\'s records', async () => {
  const routes = apiRoutes().filter((r) => r.methods.includes('GET') && r.pattern.startsWith('/api/v1/'));
  const entities = ['accounts', 'contacts', 'opportunities', 'activities', 'line-items'];
  let checked = 0;
  for (const r of routes) {
    const params = (r.pattern.match(/\{\}/g) || []).length;
    let paths;
    if (params === 0) paths = [r.pattern];
    else if (params === 1 && r.pattern.startsWith('/api/v1/{}')) paths = entities.map((e) => r.pattern.replace('{}', e));
    else continue;
    for (const p of paths) {
      if (p === '/api/v1/openapi.json') continue;
      for (const query of ['', `?q=${encodeURIComponent(MARK)}`, `?pipeline_id=${P.pipeline.id}`]) {
        for (const who of ['RA1', 'CA', 'MA']) {
          const res = await C[who].get(p + query);
          if (res.status === 200) checked++;
          assert.ok(!res.text.includes(MARK), `${who} GET ${p}${query} shows RB's records: ${res.text.slice(0, 300)}`);
          assert.ok(!res.text.includes('Deal of RB') && !res.text.includes('Account of RB'), `${who} GET ${p}${query}`);
        }
      }
    }
  }
  assert.ok(checked >= 20, `only ${checked} list answers were 200`);
  // and the director does see them in the same places
  const patterns = new Set(routes.map((r) => r.pattern));
  if (patterns.has('/api/v1/{}/export.csv')) {
    const csv = await C.D.get('/api/v1/opportunities/export.csv');
    assert.equal(csv.status, 200, csv.text);
    assert.ok(csv.text.includes(`${MARK} Deal of RB`), 'the director\'s export has the deal');
    assert.ok(csv.text.includes('Deal of RA1'));
    const mine = await C.RA1.get('/api/v1/opportunities/export.csv');
    assert.ok(mine.text.includes('Deal of RA1'), 'a rep exports their own deals');
  }
  if (patterns.has('/api/v1/board')) {
    const board = await C.D.get(`/api/v1/board?pipeline_id=${P.pipeline.id}`);
    assert.equal(board.status, 200, board.text);
    assert.ok(board.text.includes(MARK), "the director's board has the deal");
  }
  const s = await C.D.get(`/api/v1/search?q=${encodeURIComponent(MARK)}`);
  assert.deepEqual(s.body.opportunities.map((x) => x.id), [R.RB.opp.id]);
  assert.deepEqual(s.body.accounts.map((x) => x.id), [R.RB.acc.id]);
  assert.deepEqual(s.body.contacts.map((x) => x.id), [R.RB.contact.id]);
});

test('a rep cannot point their records at records they cannot see; the answer is the same as for a missing one', async () => {
  const cases = [
    ['/api/v1/opportunities', 'account_id', { name: 'x' }, R.RB.acc.id],
    ['/api/v1/opportunities', 'contact_id', { name: 'x' }, R.RB.contact.id],
    ['/api/v1/contacts', 'account_id', { name: 'x' }, R.RB.acc.id],
    ['/api/v1/activities', 'opportunity_id', { kind: 'note', subject: 'x' }, R.RB.opp.id],
    ['/api/v1/accounts', 'parent_id', { name: 'x' }, R.RB.acc.id],
    ['/api/v1/line-items', 'opportunity_id', { product_id: product.id, quantity: 1 }, R.RB.opp.id],
  ];
  for (const [p, field, base, foreignId] of cases) {
    const foreign = await C.RA1.post(p, { ...base, [field]: foreignId });
    const missing = await C.RA1.post(p, { ...base, [field]: 9999999 });
    expectProblem(foreign, 422, { field });
    expectProblem(missing, 422, { field });
    const reasons = (r) => JSON.stringify(r.body.errors).replace(/\d+/g, 'N');
    assert.equal(reasons(foreign), reasons(missing), `${p} ${field}`);
  }
  const moved = await C.RA1.patch(`/api/v1/activities/${R.RA1.activity.id}`, { opportunity_id: R.RB.opp.id });
  expectProblem(moved, 422, { field: 'opportunity_id' });
  assert.deepEqual(await ids(C.RA1, '/api/v1/opportunities'), oppsOf('RA1'));
});

test('sharing: the rep sees a shared deal, and loses it when it is unshared', async () => {
  const opp = R.RB.opp;
  expectProblem(await C.RA1.get(`/api/v1/opportunities/${opp.id}`), 404);
  const sh = await C.RB.post(`/api/v1/opportunities/${opp.id}/shares`, { user_id: U.RA1.id });
  assert.equal(sh.status, 200, sh.text);
  assert.deepEqual(sh.body.items.map((x) => x.user_id), [U.RA1.id]);
  assert.equal((await C.RA1.get(`/api/v1/opportunities/${opp.id}`)).status, 200);
  assert.ok((await ids(C.RA1, '/api/v1/opportunities')).includes(opp.id));
  const s = await C.RA1.get(`/api/v1/search?q=${encodeURIComponent(MARK)}`);
  assert.deepEqual(s.body.opportunities.map((x) => x.id), [opp.id]);
  assert.deepEqual(s.body.accounts, [], 'sharing a deal does not share its account');
  assert.equal((await C.RA1.get(`/api/v1/opportunities/${opp.id}/history`)).status, 200);
  // they can log their work on it, even though the account is not shared
  const note = await C.RA1.post('/api/v1/activities', { kind: 'note', subject: 'Helped with the demo', opportunity_id: opp.id });
  assert.equal(note.status, 201, note.text);
  assert.ok((await ids(C.RB, '/api/v1/activities')).includes(note.body.id), 'the owner sees the note on their deal');
  // RA2 is in RA1's team but the share is personal
  expectProblem(await C.RA2.get(`/api/v1/opportunities/${opp.id}`), 404);

  const un = await C.RB.del(`/api/v1/opportunities/${opp.id}/shares/${U.RA1.id}`);
  assert.equal(un.status, 204, un.text);
  expectProblem(await C.RA1.get(`/api/v1/opportunities/${opp.id}`), 404);
  assert.ok(!(await ids(C.RA1, '/api/v1/opportunities')).includes(opp.id));
  const audit = (await C.RB.get(`/api/v1/opportunities/${opp.id}/audit`)).body.items.filter((x) => x.field === 'user_id');
  assert.deepEqual(audit.map((x) => [x.action, x.old, x.new]), [['share', null, String(U.RA1.id)], ['unshare', String(U.RA1.id), null]]);
  expectProblem(await C.RB.post(`/api/v1/opportunities/${opp.id}/shares`, { user_id: 9999999 }), 422, { field: 'user_id' });
});

test('a share lets the rep work on the deal but not take it over', async () => {
  const opp = R.RB.opp;
  assert.equal((await C.RB.post(`/api/v1/opportunities/${opp.id}/shares`, { user_id: U.RA1.id })).status, 200);
  try {
    const steal = await C.RA1.patch(`/api/v1/opportunities/${opp.id}`, { owner_id: U.RA1.id });
    expectProblem(steal, 422, { field: 'owner_id' });
    const still = await C.RB.get(`/api/v1/opportunities/${opp.id}`);
    assert.equal(still.status, 200, 'the owner still sees their deal');
    assert.equal(still.body.owner_id, U.RB.id);
    assert.ok((await ids(C.MB, '/api/v1/opportunities')).includes(opp.id), "and so does the owner's manager");
  } finally {
    await C.RB.del(`/api/v1/opportunities/${opp.id}/shares/${U.RA1.id}`);
  }
});

test('a manager sees the whole team but not the other team', async () => {
  const got = sorted(await ids(C.MA, '/api/v1/opportunities'));
  assert.deepEqual(got, sorted(oppsOf('RA1', 'RA2', 'CA', 'MA')));
  expectProblem(await C.MA.get(`/api/v1/opportunities/${R.RB.opp.id}`), 404);
  assert.deepEqual(sorted(await ids(C.MB, '/api/v1/opportunities')), sorted(oppsOf('RB', 'MB')));
  // and can work on the team's deals
  const p = await C.MA.patch(`/api/v1/opportunities/${R.RA2.opp.id}`, { close_date: '2026-09-30' });
  assert.equal(p.status, 200, p.text);
  const re = await C.MA.patch(`/api/v1/accounts/${R.RA2.acc.id}`, { owner_id: U.RA1.id });
  assert.equal(re.status, 200, 'a manager can hand a record to another rep of the team: ' + re.text);
  expectProblem(await C.MA.patch(`/api/v1/accounts/${R.RA2.acc.id}`, { owner_id: U.RB.id }), 422, { field: 'owner_id' });
  assert.equal((await C.MA.patch(`/api/v1/accounts/${R.RA2.acc.id}`, { owner_id: U.RA2.id })).status, 200);
});

test('the director sees everything in both teams', async () => {
  assert.deepEqual(sorted(await ids(C.D, '/api/v1/opportunities')), sorted(oppsOf('RA1', 'RA2', 'CA', 'RB', 'MA', 'MB')));
  for (const k of ['RA1', 'RB']) {
    assert.equal((await C.D.get(`/api/v1/opportunities/${R[k].opp.id}/history`)).status, 200);
    assert.equal((await C.D.get(`/api/v1/contacts/${R[k].contact.id}`)).status, 200);
  }
});

test('ops reads everything, cannot create or change deals, and manages products', async () => {
  assert.deepEqual(sorted(await ids(C.OPS, '/api/v1/opportunities')), sorted(oppsOf('RA1', 'RA2', 'CA', 'RB', 'MA', 'MB')));
  expectProblem(await C.OPS.post('/api/v1/opportunities', { name: 'ops deal' }), 403);
  expectProblem(await C.OPS.patch(`/api/v1/opportunities/${R.RB.opp.id}`, { name: 'ops edit' }), 403);
  expectProblem(await C.OPS.post(`/api/v1/opportunities/${R.RB.opp.id}/stage`, { stage_id: P.stages.Lost.id, lost_reason: 'x' }), 403);
  expectProblem(await C.OPS.post('/api/v1/accounts', { name: 'ops account' }), 403);
  const prod = await C.OPS.post('/api/v1/products', { name: 'Ops product', sku: 'OPS-1', list_price: 100, currency: 'CNY' });
  assert.equal(prod.status, 201, prod.text);
  assert.equal((await C.OPS.patch(`/api/v1/products/${prod.body.id}`, { list_price: 200 })).status, 200);
  assert.equal((await admin.get(`/api/v1/opportunities/${R.RB.opp.id}`)).body.name, R.RB.opp.name);
  expectProblem(await C.OPS.post('/api/v1/users', { email: 'x@test.local', name: 'x', role: 'admin' }), 403);
});

test('reps and csms cannot manage products or users, nor give records to another team', async () => {
  for (const who of ['RA1', 'CA']) {
    expectProblem(await C[who].post('/api/v1/products', { name: 'Rep product', sku: 'REP-' + who, list_price: 1, currency: 'CNY' }), 403);
    expectProblem(await C[who].patch(`/api/v1/products/${product.id}`, { list_price: 1 }), 403);
    expectProblem(await C[who].post('/api/v1/users', { email: `${who}x@test.local`, name: 'x', role: 'admin' }), 403);
    expectProblem(await C[who].patch(`/api/v1/users/${U[who].id}`, { role: 'admin' }), 403);
    expectProblem(await C[who].post('/api/v1/teams', { name: 'Rogue team' }), 403);
    expectProblem(await C[who].post('/api/v1/opportunities', { name: 'gift', owner_id: U.RB.id }), 422, { field: 'owner_id' });
    expectProblem(await C[who].patch(`/api/v1/opportunities/${R[who].opp.id}`, { owner_id: U.RB.id }), 422, { field: 'owner_id' });
    expectProblem(await C[who].patch(`/api/v1/opportunities/${R[who].opp.id}`, { owner_id: U.RA2.id }), 422, { field: 'owner_id' });
  }
  assert.equal((await admin.get('/api/v1/products/' + product.id)).body.list_price, 1000);
  assert.equal((await admin.get(`/api/v1/users/${U.RA1.id}`)).body.role, 'rep');
  assert.equal((await C.RA1.get(`/api/v1/opportunities/${R.RA1.opp.id}`)).body.owner_id, U.RA1.id);
});

test('a csm is scoped like a rep', async () => {
  assert.deepEqual(await ids(C.CA, '/api/v1/opportunities'), oppsOf('CA'));
  expectProblem(await C.CA.get(`/api/v1/opportunities/${R.RA1.opp.id}`), 404);
  expectProblem(await C.CA.post(`/api/v1/opportunities/${R.CA.opp.id}/stage`,
    { stage_id: P.stages.Demo.id, override: true, note: 'csm override' }), 403);
  assert.equal((await C.CA.patch(`/api/v1/opportunities/${R.CA.opp.id}`, { source: 'Renewal' })).status, 200);
});
