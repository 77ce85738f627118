// crud.test.mjs: the life of every business record through the API (create,
// read, update with versions, delete), lists with cursors, sorting, filters and
// text search, and line items that keep an opportunity's amount.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, expectProblem, uniq } from './lib.mjs';

let srv, admin;
before(async () => {
  srv = await startServer();
  admin = srv.admin;
});
after(async () => { await srv?.stop(); });

async function create(client, seg, body) {
  const r = await client.post(`/api/v1/${seg}`, body);
  assert.equal(r.status, 201, `create ${seg}: ${r.text}`);
  return r.body;
}

// Everything a user of each record type does: create, read, change, delete.
const lifecycles = {
  accounts: { make: () => ({ name: uniq('Account'), industry: 'Manufacturing' }), change: { industry: 'Retail' } },
  contacts: { make: async () => ({ name: uniq('Contact'), email: 'li.wei@example.cn', account_id: (await create(admin, 'accounts', { name: uniq('Acc') })).id }), change: { title: 'CTO' } },
  products: { make: () => ({ name: uniq('Product'), sku: uniq('SKU'), list_price: 9900, currency: 'CNY' }), change: { list_price: 12900 } },
  opportunities: { make: () => ({ name: uniq('Deal'), amount: 500000, close_date: '2026-06-30' }), change: { close_date: '2026-07-31' } },
  activities: { make: async () => ({ kind: 'call', subject: uniq('Call'), account_id: (await create(admin, 'accounts', { name: uniq('Acc') })).id }), change: { outcome: 'left a voicemail' } },
  teams: { make: () => ({ name: uniq('Team') }), change: { name: uniq('Renamed team') } },
  users: { make: () => ({ email: `${uniq('crud')}@test.local`, name: 'Crud User', role: 'rep' }), change: { name: 'Renamed User' } },
};

for (const [seg, spec] of Object.entries(lifecycles)) {
  test(`${seg}: create 201 with Location and ETag, get, patch bumps the version, delete`, async () => {
    const input = await spec.make();
    const r = await admin.post(`/api/v1/${seg}`, input);
    assert.equal(r.status, 201, r.text);
    const rec = r.body;
    assert.ok(Number.isInteger(rec.id) && rec.id > 0);
    assert.equal(r.headers.get('location'), `/api/v1/${seg}/${rec.id}`);
    assert.equal(r.headers.get('etag'), '"1"');
    assert.equal(rec.version, 1);
    for (const [k, v] of Object.entries(input)) assert.deepEqual(rec[k], v, `${k} is stored as given`);
    assert.ok(!('password_hash' in rec));

    const got = await admin.get(r.headers.get('location'));
    assert.equal(got.status, 200);
    assert.equal(got.headers.get('etag'), '"1"');
    assert.deepEqual(got.body, rec, 'GET returns what the create returned');

    const p = await admin.patch(`/api/v1/${seg}/${rec.id}`, spec.change, { headers: { 'If-Match': '"1"' } });
    assert.equal(p.status, 200, p.text);
    assert.equal(p.body.version, 2);
    assert.equal(p.headers.get('etag'), '"2"');
    for (const [k, v] of Object.entries(spec.change)) assert.deepEqual(p.body[k], v);
    for (const k of Object.keys(input)) if (!(k in spec.change)) assert.deepEqual(p.body[k], input[k], `${k} untouched by the patch`);
    const again = await admin.get(`/api/v1/${seg}/${rec.id}`);
    assert.deepEqual(again.body, p.body, 'the change is stored');
    // a stale version is refused
    expectProblem(await admin.patch(`/api/v1/${seg}/${rec.id}`, spec.change, { headers: { 'If-Match': '"1"' } }), 412);
    // a patch that changes nothing does not bump the version
    const same = await admin.patch(`/api/v1/${seg}/${rec.id}`, spec.change);
    assert.equal(same.body.version, 2);

    const d = await admin.del(`/api/v1/${seg}/${rec.id}`);
    assert.equal(d.status, 204, d.text);
    if (seg === 'users') {
      // users are deactivated, not removed: their name stays on their old records
      const u = await admin.get(`/api/v1/users/${rec.id}`);
      assert.equal(u.status, 200);
      assert.equal(u.body.active, false);
      return;
    }
    expectProblem(await admin.get(`/api/v1/${seg}/${rec.id}`), 404);
    expectProblem(await admin.patch(`/api/v1/${seg}/${rec.id}`, spec.change), 404);
    expectProblem(await admin.del(`/api/v1/${seg}/${rec.id}`), 404);
    const list = await admin.get(`/api/v1/${seg}?limit=200`);
    assert.ok(!list.body.items.some((x) => x.id === rec.id), 'a deleted record is not listed');
  });
}

test('ids that are not positive integers are 404', async () => {
  for (const id of ['0', '-1', 'abc', '1.5', '99999999999']) expectProblem(await admin.get('/api/v1/accounts/' + id), 404);
});

async function pages(client, basePath, limit) {
  const out = [];
  let next = null;
  const sizes = [];
  for (let i = 0; i < 20; i++) {
    const sep = basePath.includes('?') ? '&' : '?';
    const r = await client.get(`${basePath}${sep}limit=${limit}${next ? '&after=' + encodeURIComponent(next) : ''}`);
    assert.equal(r.status, 200, r.text);
    sizes.push(r.body.items.length);
    out.push(...r.body.items);
    next = r.body.next;
    if (next === null) return { items: out, sizes };
    assert.equal(typeof next, 'string');
  }
  assert.fail('pagination did not end');
}

test('cursor pagination: 7 records at limit=3 come as 3, 3, 1 without duplicates, sorted by name both ways', async () => {
  const tag = uniq('pg');
  const names = ['G', 'C', 'A', 'F', 'B', 'E', 'D'].map((x) => `${tag} ${x}`);
  for (const name of names) await create(admin, 'accounts', { name });
  const asc = await pages(admin, `/api/v1/accounts?q=${encodeURIComponent(tag)}&sort=name`, 3);
  assert.deepEqual(asc.sizes, [3, 3, 1]);
  assert.deepEqual(asc.items.map((x) => x.name), [...names].sort());
  assert.equal(new Set(asc.items.map((x) => x.id)).size, 7);
  const desc = await pages(admin, `/api/v1/accounts?q=${encodeURIComponent(tag)}&sort=-name`, 3);
  assert.deepEqual(desc.sizes, [3, 3, 1]);
  assert.deepEqual(desc.items.map((x) => x.name), [...names].sort().reverse());
  // exactly one page: next is null
  const one = await admin.get(`/api/v1/accounts?q=${encodeURIComponent(tag)}&limit=7`);
  assert.equal(one.body.items.length, 7);
  assert.equal(one.body.next, null);
});

test('pagination over equal sort values neither skips nor repeats records', async () => {
  const tag = uniq('tie');
  const ids = [];
  for (let i = 0; i < 7; i++) ids.push((await create(admin, 'accounts', { name: `${tag} same name` })).id);
  for (const sort of ['name', '-name']) {
    const r = await pages(admin, `/api/v1/accounts?q=${encodeURIComponent(tag)}&sort=${sort}`, 3);
    assert.deepEqual(r.sizes, [3, 3, 1]);
    assert.deepEqual(r.items.map((x) => x.id).sort((a, b) => a - b), ids);
  }
});

test('pagination by number and by date, with missing dates, and the default newest-first order', async () => {
  const tag = uniq('num');
  const specs = [[300, '2026-03-01'], [100, null], [300, '2026-01-01'], [200, '2026-02-01'], [100, '2026-01-01'], [500, null]];
  const made = [];
  for (const [amount, close_date] of specs) {
    made.push(await create(admin, 'opportunities', { name: `${tag} ${amount}`, amount, ...(close_date ? { close_date } : {}) }));
  }
  const byAmount = await pages(admin, `/api/v1/opportunities?q=${encodeURIComponent(tag)}&sort=-amount`, 2);
  assert.deepEqual(byAmount.sizes, [2, 2, 2]);
  assert.deepEqual(byAmount.items.map((x) => x.amount), [500, 300, 300, 200, 100, 100]);
  assert.equal(new Set(byAmount.items.map((x) => x.id)).size, 6);
  const byDate = await pages(admin, `/api/v1/opportunities?q=${encodeURIComponent(tag)}&sort=close_date`, 4);
  assert.deepEqual(byDate.sizes, [4, 2]);
  assert.deepEqual(byDate.items.map((x) => x.close_date), [null, null, '2026-01-01', '2026-01-01', '2026-02-01', '2026-03-01']);
  assert.equal(new Set(byDate.items.map((x) => x.id)).size, 6);
  const newest = await pages(admin, `/api/v1/opportunities?q=${encodeURIComponent(tag)}`, 4);
  assert.deepEqual(newest.items.map((x) => x.id), made.map((x) => x.id).reverse());
});

test('list filters: owner_id, stage_id, close_date_from/to, amount_min/max, team', async () => {
  const tag = uniq('flt');
  const parent = await create(admin, 'teams', { name: `${tag} parent` });
  const child = await create(admin, 'teams', { name: `${tag} child`, parent_id: parent.id });
  const u1 = await srv.addUser({ email: `${tag}-1@test.local`, name: 'Filter One', role: 'rep', team_id: parent.id });
  const u2 = await srv.addUser({ email: `${tag}-2@test.local`, name: 'Filter Two', role: 'rep', team_id: child.id });
  const stages = (await admin.get('/api/v1/stages?limit=200')).body.items;
  const lead = stages.find((s) => s.name === 'Lead');
  const demo = stages.find((s) => s.name === 'Demo');
  const mk = (n, extra) => create(admin, 'opportunities', { name: `${tag} ${n}`, ...extra });
  const o1 = await mk('o1', { owner_id: u1.id, stage_id: lead.id, close_date: '2026-01-31', amount: 1000 });
  const o2 = await mk('o2', { owner_id: u2.id, stage_id: demo.id, close_date: '2026-02-01', amount: 5000 });
  const o3 = await mk('o3', { owner_id: u2.id, stage_id: lead.id, close_date: '2026-03-15', amount: 9000 });
  const o4 = await mk('o4', { stage_id: demo.id, close_date: '2026-03-16', amount: 9001 });
  const q = async (filter) => {
    const r = await admin.get(`/api/v1/opportunities?q=${encodeURIComponent(tag)}&sort=name&${filter}`);
    assert.equal(r.status, 200, r.text);
    return r.body.items.map((x) => x.name.slice(tag.length + 1));
  };
  assert.deepEqual(await q(''), ['o1', 'o2', 'o3', 'o4']);
  assert.deepEqual(await q(`owner_id=${u2.id}`), ['o2', 'o3']);
  assert.deepEqual(await q(`stage_id=${demo.id}`), ['o2', 'o4']);
  assert.deepEqual(await q(`stage_id=${lead.id}&owner_id=${u2.id}`), ['o3']);
  assert.deepEqual(await q('close_date_from=2026-02-01&close_date_to=2026-03-15'), ['o2', 'o3'], 'date ranges include both ends');
  assert.deepEqual(await q('close_date_to=2026-01-31'), ['o1']);
  assert.deepEqual(await q('amount_min=5000&amount_max=9000'), ['o2', 'o3'], 'money ranges include both ends');
  assert.deepEqual(await q('amount_min=9001'), ['o4']);
  assert.deepEqual(await q(`team=${parent.id}`), ['o1', 'o2', 'o3'], 'a team includes its sub-teams');
  assert.deepEqual(await q(`team=${child.id}`), ['o2', 'o3']);
  // the same filters work on accounts
  const a1 = await create(admin, 'accounts', { name: `${tag} acc1`, owner_id: u1.id });
  await create(admin, 'accounts', { name: `${tag} acc2`, owner_id: u2.id });
  const accs = await admin.get(`/api/v1/accounts?q=${encodeURIComponent(tag)}&owner_id=${u1.id}`);
  assert.deepEqual(accs.body.items.map((x) => x.id), [a1.id]);
  void o1; void o2; void o3; void o4;
});

test('text search finds Chinese names by part of the name and Latin names regardless of case', async () => {
  const acc = await create(admin, 'accounts', { name: '上海锐思科技有限公司', region: '华东' });
  const other = await create(admin, 'accounts', { name: '北京远航物流有限公司' });
  const latin = await create(admin, 'accounts', { name: 'Acme Widgets GmbH' });
  const contact = await create(admin, 'contacts', { name: '王锐思', account_id: acc.id });
  const deal = await create(admin, 'opportunities', { name: '锐思 ERP 二期', account_id: acc.id });

  const r = await admin.get('/api/v1/accounts?q=' + encodeURIComponent('锐思'));
  assert.equal(r.status, 200);
  assert.deepEqual(r.body.items.map((x) => x.id), [acc.id]);
  const both = await admin.get('/api/v1/accounts?q=' + encodeURIComponent('有限公司') + '&sort=name');
  assert.deepEqual(both.body.items.map((x) => x.id).sort(), [acc.id, other.id].sort());
  for (const q of ['acme', 'ACME WIDGETS', 'wIdGeTs gmbh']) {
    const l = await admin.get('/api/v1/accounts?q=' + encodeURIComponent(q));
    assert.deepEqual(l.body.items.map((x) => x.id), [latin.id], `q=${q}`);
  }
  const none = await admin.get('/api/v1/accounts?q=' + encodeURIComponent('锐思X'));
  assert.deepEqual(none.body.items, []);

  const s = await admin.get('/api/v1/search?q=' + encodeURIComponent('锐思'));
  assert.equal(s.status, 200, s.text);
  assert.deepEqual(s.body.accounts.map((x) => x.id), [acc.id]);
  assert.deepEqual(s.body.contacts.map((x) => x.id), [contact.id]);
  assert.deepEqual(s.body.opportunities.map((x) => x.id), [deal.id]);
  const s2 = await admin.get('/api/v1/search?q=acme');
  assert.deepEqual(s2.body.accounts.map((x) => x.id), [latin.id]);
  assert.deepEqual(s2.body.opportunities, []);
  expectProblem(await admin.get('/api/v1/search'), 400);
  expectProblem(await admin.get('/api/v1/search?q='), 400);
});

test('search treats % and _ literally', async () => {
  const tag = uniq('lit');
  const pct = await create(admin, 'accounts', { name: `${tag} Growth 100% Ltd` });
  await create(admin, 'accounts', { name: `${tag} Growth 1000 Ltd` });
  const under = await create(admin, 'accounts', { name: `${tag} a_b` });
  await create(admin, 'accounts', { name: `${tag} axb` });
  const p = await admin.get(`/api/v1/accounts?q=${encodeURIComponent('100%')}`);
  assert.deepEqual(p.body.items.map((x) => x.id), [pct.id]);
  const u = await admin.get(`/api/v1/accounts?q=${encodeURIComponent(tag + ' a_b')}`);
  assert.deepEqual(u.body.items.map((x) => x.id), [under.id]);
});

test('line items: the amount is the sum of rounded totals, and follows every change to the items', async () => {
  const p1 = await create(admin, 'products', { name: 'Licence', sku: uniq('LIC'), list_price: 12345, currency: 'CNY' });
  const p2 = await create(admin, 'products', { name: 'Support', sku: uniq('SUP'), list_price: 5000, currency: 'CNY' });
  const opp = await create(admin, 'opportunities', { name: uniq('Items deal'), amount: 777 });
  assert.equal(opp.amount, 777);
  assert.equal(opp.amount_from_items, false);
  const base = `/api/v1/opportunities/${opp.id}/line-items`;

  // 3 x 123.45 at 10% off = 333.315 -> 33331.5 minor units -> rounds half up to 33332
  const i1 = await admin.post(base, { product_id: p1.id, quantity: 3, discount_bp: 1000 });
  assert.equal(i1.status, 201, i1.text);
  assert.equal(i1.body.unit_price, 12345, 'the unit price defaults to the list price');
  assert.equal(i1.body.total, 33332);
  // 1 x 9.99 at 33.33% off = 6.660333 -> 666.0333 minor units -> 666
  const i2 = await admin.post(base, { product_id: p2.id, quantity: 1, unit_price: 999, discount_bp: 3333 });
  assert.equal(i2.status, 201, i2.text);
  assert.equal(i2.body.total, 666);
  let o = (await admin.get(`/api/v1/opportunities/${opp.id}`)).body;
  assert.equal(o.amount, 33332 + 666);
  assert.equal(o.amount_from_items, true);

  const list = await admin.get(base);
  assert.equal(list.status, 200);
  assert.deepEqual(list.body.items.map((x) => [x.product_name, x.total]), [['Licence', 33332], ['Support', 666]]);

  // 2 x 12345 at 10% off = 22221 exactly
  const pi = await admin.patch(`/api/v1/line-items/${i1.body.id}`, { quantity: 2 });
  assert.equal(pi.status, 200, pi.text);
  assert.equal(pi.body.total, 22221);
  o = (await admin.get(`/api/v1/opportunities/${opp.id}`)).body;
  assert.equal(o.amount, 22221 + 666);

  // typing an amount over the items is refused
  const typed = await admin.patch(`/api/v1/opportunities/${opp.id}`, { amount: 1 });
  expectProblem(typed, 422, { field: 'amount' });
  assert.equal((await admin.get(`/api/v1/opportunities/${opp.id}`)).body.amount, 22887);
  // other fields of such an opportunity can still change
  const ok = await admin.patch(`/api/v1/opportunities/${opp.id}`, { close_date: '2026-12-31' });
  assert.equal(ok.status, 200, ok.text);

  const d = await admin.del(`/api/v1/line-items/${i2.body.id}`);
  assert.equal(d.status, 204);
  o = (await admin.get(`/api/v1/opportunities/${opp.id}`)).body;
  assert.equal(o.amount, 22221);
  expectProblem(await admin.get(`/api/v1/line-items/${i2.body.id}`), 404);

  // the audit trail explains every amount change
  const audit = (await admin.get(`/api/v1/opportunities/${opp.id}/audit`)).body.items
    .filter((x) => x.field === 'amount' && x.action === 'update').map((x) => [x.old, x.new]);
  assert.deepEqual(audit, [['777', '33332'], ['33332', '33998'], ['33998', '22887'], ['22887', '22221']]);

  // with the last item gone, the amount can be typed again
  assert.equal((await admin.del(`/api/v1/line-items/${i1.body.id}`)).status, 204);
  o = (await admin.get(`/api/v1/opportunities/${opp.id}`)).body;
  assert.equal(o.amount_from_items, false);
  const typedAgain = await admin.patch(`/api/v1/opportunities/${opp.id}`, { amount: 1000 });
  assert.equal(typedAgain.status, 200, typedAgain.text);
  assert.equal(typedAgain.body.amount, 1000);
});

test('a line item of a product priced in another currency needs an explicit unit price', async () => {
  const usd = await create(admin, 'products', { name: 'USD thing', sku: uniq('USD'), list_price: 100, currency: 'USD' });
  const opp = await create(admin, 'opportunities', { name: uniq('CNY deal'), currency: 'CNY' });
  const r = await admin.post(`/api/v1/opportunities/${opp.id}/line-items`, { product_id: usd.id, quantity: 1 });
  expectProblem(r, 422, { field: 'unit_price' });
  const ok = await admin.post(`/api/v1/opportunities/${opp.id}/line-items`, { product_id: usd.id, quantity: 1, unit_price: 700 });
  assert.equal(ok.status, 201, ok.text);
  assert.equal(ok.body.total, 700);
});
