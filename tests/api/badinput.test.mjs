// badinput.test.mjs: what the server does with input that is broken, hostile
// or racing. Every bad request gets a 4xx problem that says what to fix, the
// server never answers 5xx, and nothing is half-written. Everything these tests
// try to create carries BAD in its name, so the last test can prove that none
// of it was stored.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, expectProblem, fieldNames, defaultPipeline, uniq } from './lib.mjs';

let srv, admin, P, rep1, rep2, rep2Account, product;
before(async () => {
  srv = await startServer();
  admin = srv.admin;
  P = await defaultPipeline(admin);
  const u1 = await srv.addUser({ email: 'bad-rep1@test.local', name: 'Rep One' });
  const u2 = await srv.addUser({ email: 'bad-rep2@test.local', name: 'Rep Two' });
  rep1 = await srv.login(u1.email, u1.password);
  rep2 = await srv.login(u2.email, u2.password);
  rep2Account = (await rep2.post('/api/v1/accounts', { name: 'Rep Two Account' })).body;
  product = (await admin.post('/api/v1/products', { name: 'Widget', sku: 'W-1', list_price: 1000, currency: 'CNY' })).body;
});
after(async () => { await srv?.stop(); });

const raw = (method, p, body, headers = {}) => admin.request(method, p, { body, headers });

test('malformed JSON is 400 problem+json that points at the error', async () => {
  for (const body of ['{"name":', '{"name": "BAD",}', "{'name': 'BAD'}", '{"name": "BAD"} trailing', '', '{"name": "BAD" "x": 1}']) {
    const r = await raw('POST', '/api/v1/accounts', body);
    const p = expectProblem(r, 400);
    assert.match(p.detail, /JSON/i, `the detail says what is wrong with ${JSON.stringify(body)}`);
  }
  const deep = await raw('POST', '/api/v1/accounts', '['.repeat(200000));
  expectProblem(deep, 400);
});

test('a body that is not a JSON object is 400', async () => {
  for (const body of ['[{"name": "BAD"}]', '"BAD"', '42', 'null', 'true']) {
    expectProblem(await raw('POST', '/api/v1/accounts', body), 400);
    expectProblem(await raw('PATCH', `/api/v1/accounts/${rep2Account.id}`, body), 400);
  }
  expectProblem(await raw('POST', '/api/v1/accounts', '{"name": "BAD1", "name": "BAD2"}'), 400);
  expectProblem(await raw('POST', '/api/v1/accounts', '{"name": "BAD"}', { 'Content-Type': 'text/plain' }), 400);
  expectProblem(await raw('POST', '/api/v1/accounts', 'name=BAD', { 'Content-Type': 'application/x-www-form-urlencoded' }), 400);
});

test('wrong types are 422 with every wrong field listed', async () => {
  const r = await admin.post('/api/v1/accounts', { name: 123, industry: true, owner_id: 'me', parent_id: 1.5, website: ['x'] });
  expectProblem(r, 422, { fields: ['name', 'industry', 'owner_id', 'parent_id', 'website'] });
  for (const e of r.body.errors) assert.ok(e.reason.length > 3, 'each field says why');
  const o = await admin.post('/api/v1/opportunities', { name: 'BAD opp', amount: '1000', close_date: 20260101, currency: 'EURO', account_id: 0 });
  expectProblem(o, 422, { fields: ['amount', 'close_date', 'currency', 'account_id'] });
  const big = await admin.post('/api/v1/opportunities', { name: 'BAD opp', amount: 1e30 });
  expectProblem(big, 422, { field: 'amount' });
  const huge = await raw('POST', '/api/v1/opportunities', '{"name": "BAD opp", "amount": 99999999999999999999999}');
  assert.ok([400, 422].includes(huge.status), huge.text);
  expectProblem(await admin.post('/api/v1/opportunities', { name: 'BAD opp', amount: -5 }), 422, { field: 'amount' });
});

test('unknown and server-set fields are 422, each one named', async () => {
  const r = await admin.post('/api/v1/accounts', { name: 'BAD unknown', colour: 'red', id: 5, created_at: '2020-01-01T00:00:00Z' });
  expectProblem(r, 422, { fields: ['colour', 'id', 'created_at'] });
  assert.ok(!fieldNames(r).includes('name'));
  const ro = await admin.post('/api/v1/opportunities', { name: 'BAD ro', amount_from_items: true, closed_at: '2026-01-01T00:00:00Z', lost_reason: 'x' });
  expectProblem(ro, 422, { fields: ['amount_from_items', 'closed_at', 'lost_reason'] });
  const hidden = await admin.post('/api/v1/users', { email: 'bad-hidden@test.local', name: 'BAD', role: 'rep', password_hash: 'x' });
  expectProblem(hidden, 422, { field: 'password_hash' });
});

test('missing required fields are 422 with every one listed', async () => {
  expectProblem(await admin.post('/api/v1/products', {}), 422, { fields: ['name', 'sku', 'list_price', 'currency'] });
  expectProblem(await admin.post('/api/v1/stages', {}), 422, { fields: ['pipeline_id', 'name', 'position', 'probability', 'kind'] });
  expectProblem(await admin.post('/api/v1/activities', { account_id: rep2Account.id }), 422, { fields: ['kind', 'subject'] });
  expectProblem(await admin.post('/api/v1/contacts', {}), 422, { field: 'name' });
  expectProblem(await admin.post('/api/v1/accounts', { name: '' }), 422, { field: 'name' });
  expectProblem(await admin.post('/api/v1/accounts', { name: null }), 422, { field: 'name' });
  // a missing field and a bad reference come back together
  const both = await admin.post('/api/v1/opportunities', { account_id: 9999999 });
  expectProblem(both, 422, { fields: ['name', 'account_id'] });
  // a required field cannot be cleared by a patch
  expectProblem(await admin.patch(`/api/v1/accounts/${rep2Account.id}`, { name: null }), 422, { field: 'name' });
});

test('a body over 1 MiB is 413, with or without Content-Length', async () => {
  const big = JSON.stringify({ name: 'BAD ' + 'x'.repeat(1.5 * 1024 * 1024) });
  const r = await raw('POST', '/api/v1/accounts', big);
  expectProblem(r, 413);
  const chunks = [Buffer.from('{"name": "BAD '), Buffer.alloc(1.5 * 1024 * 1024, 'y'), Buffer.from('"}')];
  const stream = new ReadableStream({ pull(ctl) { const c = chunks.shift(); if (c) ctl.enqueue(c); else ctl.close(); } });
  const res = await fetch(srv.url + '/api/v1/accounts', {
    method: 'POST', body: stream, duplex: 'half',
    headers: { 'Content-Type': 'application/json', Cookie: admin.cookie, 'X-CSRF-Token': admin.csrf },
  });
  assert.equal(res.status, 413, 'chunked upload');
  await res.text();
  // just under the limit is read (and refused for the long name, not for the size)
  const under = await admin.post('/api/v1/accounts', { name: 'BAD ' + 'x'.repeat(900 * 1024) });
  expectProblem(under, 422, { field: 'name' });
});

test('length limits count characters, not bytes', async () => {
  expectProblem(await admin.post('/api/v1/accounts', { name: 'BAD' + 'x'.repeat(10000) }), 422, { field: 'name' });
  expectProblem(await admin.post('/api/v1/accounts', { name: 'BAD' + 'x'.repeat(198) }), 422, { field: 'name' });
  const ok200 = await admin.post('/api/v1/accounts', { name: 'x'.repeat(200) });
  assert.equal(ok200.status, 201, ok200.text);
  const cjk = await admin.post('/api/v1/accounts', { name: '锐'.repeat(200) });
  assert.equal(cjk.status, 201, '200 Chinese characters fit a 200-character name: ' + cjk.text);
  assert.equal(cjk.body.name, '锐'.repeat(200));
  expectProblem(await admin.post('/api/v1/accounts', { name: '锐'.repeat(201) }), 422, { field: 'name' });
  const emoji = await admin.post('/api/v1/accounts', { name: 'Café 🚀 上海' });
  assert.equal(emoji.status, 201);
  assert.equal((await admin.get(`/api/v1/accounts/${emoji.body.id}`)).body.name, 'Café 🚀 上海', 'text round-trips exactly');
  expectProblem(await admin.post('/api/v1/accounts', { name: 'BAD\u0007bell' }), 422, { field: 'name' });
  const nul = await admin.post('/api/v1/accounts', { name: 'BAD\u0000nul' });
  assert.ok([400, 422].includes(nul.status), nul.text);
});

test('invalid UTF-8 in the body is 400', async () => {
  const pre = Buffer.from('{"name": "BAD ');
  const post = Buffer.from('"}');
  for (const bad of [[0xff, 0xfe], [0xc3, 0x28], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xe4, 0xb8]]) {
    const body = Buffer.concat([pre, Buffer.from(bad), post]);
    expectProblem(await raw('POST', '/api/v1/accounts', new Uint8Array(body)), 400);
  }
  expectProblem(await raw('POST', '/api/v1/accounts', '{"name": "BAD \\ud800"}'), 400);
});

test('invalid UTF-8 in the query string is refused with 400', async () => {
  for (const q of ['q=%FF', 'q=%C3%28', 'name%FF=1', 'industry=%ED%A0%80']) {
    const r = await admin.get('/api/v1/accounts?' + q);
    expectProblem(r, 400);
  }
  expectProblem(await admin.get('/api/v1/search?q=%FF%FE'), 400);
  const path = await admin.get('/api/v1/accounts/%FF');
  assert.equal(path.status, 404);
});

test('impossible dates and times are 422', async () => {
  for (const d of ['2026-02-30', '2026-02-29', '2026-13-01', '2026-00-10', '26-01-01', '2026/01/01', '2026-1-1', '2026-01-01T00:00:00Z']) {
    expectProblem(await admin.post('/api/v1/opportunities', { name: 'BAD date', close_date: d }), 422, { field: 'close_date' });
  }
  const leap = await admin.post('/api/v1/opportunities', { name: 'Leap day deal', close_date: '2028-02-29' });
  assert.equal(leap.status, 201, leap.text);
  for (const t of ['2026-02-30T10:00:00Z', '2026-01-01T25:00:00Z', '2026-01-01 10:00', 'tomorrow']) {
    expectProblem(await admin.post('/api/v1/activities', { kind: 'task', subject: 'BAD due', due_at: t, account_id: rep2Account.id }), 422, { field: 'due_at' });
  }
  expectProblem(await admin.get('/api/v1/opportunities?close_date_from=2026-02-30'), 400);
});

test('line items: negative, zero and fractional quantities, unknown products and overflowing totals are 422, and write nothing', async () => {
  const opp = (await admin.post('/api/v1/opportunities', { name: 'Line item target', amount: 4242 })).body;
  const before = await admin.get(`/api/v1/opportunities/${opp.id}`);
  const auditBefore = (await admin.get(`/api/v1/opportunities/${opp.id}/audit`)).body.items.length;
  const base = `/api/v1/opportunities/${opp.id}/line-items`;
  expectProblem(await admin.post(base, { product_id: product.id, quantity: -1 }), 422, { field: 'quantity' });
  expectProblem(await admin.post(base, { product_id: product.id, quantity: 0 }), 422, { field: 'quantity' });
  expectProblem(await admin.post(base, { product_id: product.id, quantity: 1.5 }), 422, { field: 'quantity' });
  expectProblem(await admin.post(base, { product_id: product.id, quantity: '3' }), 422, { field: 'quantity' });
  expectProblem(await admin.post(base, { product_id: product.id, quantity: 1, discount_bp: 10001 }), 422, { field: 'discount_bp' });
  expectProblem(await admin.post(base, { product_id: product.id, quantity: 1, unit_price: -1 }), 422, { field: 'unit_price' });
  expectProblem(await admin.post(base, { product_id: 9999999, quantity: 1, unit_price: 5 }), 422, { field: 'product_id' });
  expectProblem(await admin.post(base, { product_id: product.id, quantity: 1000000000, unit_price: 1000000000000000 }), 422, { field: 'quantity' });
  expectProblem(await admin.post(base, { product_id: product.id, quantity: 1, opportunity_id: opp.id + 1 }), 422, { field: 'opportunity_id' });
  expectProblem(await admin.post(base, { quantity: 1 }), 422, { field: 'product_id' });
  const after = await admin.get(`/api/v1/opportunities/${opp.id}`);
  assert.deepEqual(after.body, before.body, 'the opportunity is untouched: same amount, version and flags');
  assert.deepEqual((await admin.get(base)).body.items, []);
  assert.equal((await admin.get(`/api/v1/opportunities/${opp.id}/audit`)).body.items.length, auditBefore);
  // and a good one still works afterwards
  const good = await admin.post(base, { product_id: product.id, quantity: 2 });
  assert.equal(good.status, 201, good.text);
  assert.equal((await admin.get(`/api/v1/opportunities/${opp.id}`)).body.amount, 2000);
});

test('references to missing records, and to records the caller may not see, get the same 422', async () => {
  const missing = await rep1.post('/api/v1/opportunities', { name: 'BAD ref', account_id: 9999999 });
  expectProblem(missing, 422, { field: 'account_id' });
  const foreign = await rep1.post('/api/v1/opportunities', { name: 'BAD ref', account_id: rep2Account.id });
  expectProblem(foreign, 422, { field: 'account_id' });
  const msg = (r) => r.body.errors.find((e) => e.field === 'account_id').reason.replaceAll(/\d+/g, 'N');
  assert.equal(msg(foreign), msg(missing));
  assert.equal(foreign.body.detail, missing.body.detail);
  expectProblem(await admin.post('/api/v1/contacts', { name: 'BAD contact', account_id: 9999999 }), 422, { field: 'account_id' });
  expectProblem(await admin.post('/api/v1/opportunities', { name: 'BAD owner', owner_id: 9999999 }), 422, { field: 'owner_id' });
  expectProblem(await admin.post('/api/v1/opportunities', { name: 'BAD stage', stage_id: 9999999 }), 422, { field: 'stage_id' });
});

test('two PATCHes with the same If-Match version: one 200, one 412', async () => {
  const acc = (await admin.post('/api/v1/accounts', { name: 'Race target' })).body;
  const [a, b] = await Promise.all([
    admin.patch(`/api/v1/accounts/${acc.id}`, { industry: 'Alpha' }, { headers: { 'If-Match': '"1"' } }),
    admin.patch(`/api/v1/accounts/${acc.id}`, { industry: 'Beta' }, { headers: { 'If-Match': '"1"' } }),
  ]);
  assert.deepEqual([a.status, b.status].sort(), [200, 412], `${a.text} / ${b.text}`);
  const winner = a.status === 200 ? a : b;
  const loser = a.status === 200 ? b : a;
  expectProblem(loser, 412);
  const now = (await admin.get(`/api/v1/accounts/${acc.id}`)).body;
  assert.equal(now.industry, winner.body.industry, 'the stored value is the winner\'s');
  assert.equal(now.version, 2);
  // the same with the version in the body
  const c = await admin.patch(`/api/v1/accounts/${acc.id}`, { industry: 'Gamma', version: 1 });
  expectProblem(c, 412);
  const d = await admin.patch(`/api/v1/accounts/${acc.id}`, { industry: 'Gamma', version: 2 });
  assert.equal(d.status, 200);
  expectProblem(await admin.del(`/api/v1/accounts/${acc.id}`, undefined, { headers: { 'If-Match': '"2"' } }), 412);
  assert.equal((await admin.get(`/api/v1/accounts/${acc.id}`)).status, 200, 'a stale delete deletes nothing');
});

test('an If-Match that is not one of our ETags never matches', async () => {
  const acc = (await admin.post('/api/v1/accounts', { name: 'Etag target' })).body;
  for (const h of ['"abc"', '"0"', 'garbage', '"-1"']) {
    const r = await admin.patch(`/api/v1/accounts/${acc.id}`, { industry: 'Changed ' + h }, { headers: { 'If-Match': h } });
    expectProblem(r, 412);
  }
  assert.equal((await admin.get(`/api/v1/accounts/${acc.id}`)).body.version, 1);
  assert.equal((await admin.patch(`/api/v1/accounts/${acc.id}`, { industry: 'Weak' }, { headers: { 'If-Match': 'W/"1"' } })).status, 200);
  assert.equal((await admin.patch(`/api/v1/accounts/${acc.id}`, { industry: 'Any' }, { headers: { 'If-Match': '*' } })).status, 200);
});

test('50 parallel PATCHes with the same version: exactly one wins, the rest are 412, one audit row', async () => {
  const opp = (await admin.post('/api/v1/opportunities', { name: 'Stampede', amount: 100 })).body;
  const results = await Promise.all(Array.from({ length: 50 }, (_, i) =>
    admin.patch(`/api/v1/opportunities/${opp.id}`, { amount: 1000 + i }, { headers: { 'If-Match': `"${opp.version}"` } })));
  const statuses = results.map((r) => r.status);
  assert.equal(statuses.filter((s) => s === 200).length, 1, `statuses: ${statuses.join(',')}`);
  assert.equal(statuses.filter((s) => s === 412).length, 49, `statuses: ${statuses.join(',')}`);
  const winner = results.find((r) => r.status === 200).body;
  const now = (await admin.get(`/api/v1/opportunities/${opp.id}`)).body;
  assert.equal(now.amount, winner.amount);
  assert.equal(now.version, opp.version + 1);
  const audit = (await admin.get(`/api/v1/opportunities/${opp.id}/audit`)).body.items.filter((x) => x.action === 'update');
  assert.deepEqual(audit.map((x) => [x.field, x.old, x.new]), [['amount', '100', String(winner.amount)]]);
  // 50 parallel stage moves from the same version: one move, one history row
  const moves = await Promise.all(Array.from({ length: 20 }, () =>
    admin.post(`/api/v1/opportunities/${opp.id}/stage`, { stage_id: P.stages.Lost.id, lost_reason: 'race', version: now.version })));
  assert.equal(moves.filter((r) => r.status === 200).length, 1, moves.map((r) => r.status).join(','));
  assert.ok(moves.every((r) => r.status === 200 || r.status === 412 || r.status === 422), moves.map((r) => r.status).join(','));
  const hist = (await admin.get(`/api/v1/opportunities/${opp.id}/history`)).body.items;
  assert.equal(hist.length, 2);
});

test('a duplicate product SKU is 409 and the first product is untouched', async () => {
  const first = await admin.post('/api/v1/products', { name: 'Original', sku: 'DUP-1', list_price: 100, currency: 'CNY' });
  assert.equal(first.status, 201);
  const dup = await admin.post('/api/v1/products', { name: 'BAD copy', sku: 'DUP-1', list_price: 200, currency: 'CNY' });
  expectProblem(dup, 409);
  const other = await admin.post('/api/v1/products', { name: 'Other', sku: 'DUP-2', list_price: 100, currency: 'CNY' });
  expectProblem(await admin.patch(`/api/v1/products/${other.body.id}`, { sku: 'DUP-1' }), 409);
  const list = await admin.get('/api/v1/products?sku=DUP-1');
  assert.deepEqual(list.body.items.map((x) => [x.id, x.name, x.list_price]), [[first.body.id, 'Original', 100]]);
  assert.equal((await admin.get(`/api/v1/products/${other.body.id}`)).body.sku, 'DUP-2');
  expectProblem(await admin.post('/api/v1/users', { email: 'bad-rep1@test.local', name: 'BAD twin', role: 'rep' }), 409);
});

test('unknown filters and sorts, bad cursors and out-of-range limits are 400', async () => {
  for (const q of ['colour=red', 'owner=1', 'amount_between=1', 'name_from=a', 'close_date_min=2026-01-01', 'amount=abc',
    'owner_id=me', 'sort=colour', 'sort=website', 'sort=', 'limit=0', 'limit=1000', 'limit=-1', 'limit=abc', 'limit=',
    'after=!!!', 'after=YWJj', 'after=' + 'A'.repeat(2000)]) {
    const r = await admin.get('/api/v1/accounts?' + q);
    expectProblem(r, 400);
  }
  const ok = await admin.get('/api/v1/accounts?limit=200');
  assert.equal(ok.status, 200);
  // a cursor from one order does not fit another
  for (let i = 0; i < 3; i++) await admin.post('/api/v1/opportunities', { name: 'Cursor deal ' + i, amount: i });
  const page = await admin.get('/api/v1/opportunities?sort=name&limit=1');
  assert.ok(page.body.next);
  expectProblem(await admin.get(`/api/v1/opportunities?sort=-amount&limit=1&after=${encodeURIComponent(page.body.next)}`), 400);
});

test('failed deletes roll back: a stage or pipeline in use stays, with no audit row', async () => {
  const opp = (await admin.post('/api/v1/opportunities', { name: 'Keeps Lead busy' })).body;
  const auditBefore = (await admin.get(`/api/v1/stages/${P.stages.Lead.id}/audit`)).body.items.length;
  expectProblem(await admin.del(`/api/v1/stages/${P.stages.Lead.id}`), 409);
  const lead = await admin.get(`/api/v1/stages/${P.stages.Lead.id}`);
  assert.equal(lead.status, 200, 'the stage is still there');
  assert.equal(lead.body.version, P.stages.Lead.version);
  assert.equal((await admin.get(`/api/v1/stages/${P.stages.Lead.id}/audit`)).body.items.length, auditBefore);
  expectProblem(await admin.del(`/api/v1/pipelines/${P.pipeline.id}`), 409);
  assert.equal((await admin.get(`/api/v1/pipelines/${P.pipeline.id}`)).status, 200);
  assert.equal((await admin.get(`/api/v1/opportunities/${opp.id}`)).body.stage_name, 'Lead');
  expectProblem(await rep1.del(`/api/v1/stages/${P.stages.Lead.id}`), 403);
});

test('after all of that the server is healthy, answered no 5xx, and stored none of the bad records', async () => {
  assert.equal((await fetch(srv.url + '/healthz')).status, 200);
  assert.equal((await fetch(srv.url + '/readyz')).status, 200);
  const metrics = await (await fetch(srv.url + '/metrics')).text();
  const errors = /^cylinder_http_errors_total (\d+)/m.exec(metrics);
  assert.ok(errors, 'metrics have the error counter');
  assert.equal(Number(errors[1]), 0, 'no request was answered with a 5xx');
  for (const seg of ['accounts', 'contacts', 'opportunities', 'activities', 'products', 'users', 'stages']) {
    const r = await admin.get(`/api/v1/${seg}?limit=200`);
    assert.equal(r.status, 200);
    const bad = r.body.items.filter((x) => /BAD/.test(x.name ?? x.subject ?? ''));
    assert.deepEqual(bad, [], `no BAD ${seg} stored`);
  }
  const products = await admin.get('/api/v1/products?limit=200');
  assert.deepEqual(products.body.items.map((x) => x.sku).sort(), ['DUP-1', 'DUP-2', 'W-1']);
  assert.ok(!/ERROR|sanitizer|assert/i.test(srv.log()), 'no errors in the server log:\n' + srv.log());
  void uniq;
});
