// leads.test.mjs: lead intake and assignment. The organisation:
//
//   East  (manager ME): reps E1, E2, E3        South (manager MS): reps S1, S2
//   North: reps N1, N2, N3 (away/capacity)     West: reps W1, W2, W3 (balanced load)
//   Para:  reps P1..P5 (50 at once, round robin)  Bal: reps B1..B5 (50 at once, balanced)
//   ops user OPS
//
// Assignment rules are global, so every test gives its leads a region of its
// own ("Rule Land", "Skip Land", ...) and only its own rules match them.
// Every expected owner below is worked out by hand in the comments.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, expectProblem, fieldNames, ROOT, defaultPipeline, sql } from './lib.mjs';
import { conforms, conformsTo } from './doc.mjs';

const PG = !!process.env.CYLINDER_TEST_PG_URL;
let srv, admin, P;
const U = {};   // users by short name
const C = {};   // logged-in clients by short name
const T = {};   // teams

async function ok(res, status = 201) {
  assert.equal(res.status, status, res.text);
  return res.body;
}

async function team(name, manager) {
  const t = await ok(await admin.post('/api/v1/teams', { name, manager_id: manager ? manager.id : null }));
  if (manager) await ok(await admin.patch(`/api/v1/users/${manager.id}`, { team_id: t.id }), 200);
  return t;
}

async function reps(prefix, n, t) {
  for (let i = 1; i <= n; i++) {
    const k = `${prefix}${i}`;
    U[k] = await srv.addUser({ email: `${k.toLowerCase()}@leads.test`, name: `Rep ${k}`, role: 'rep', team_id: t.id });
  }
}

const lead = (client, body) => client.post('/api/v1/leads', body);
const owners = (leads) => leads.map((l) => l.owner_id);
const log = async (id, client = admin) => (await ok(await client.get(`/api/v1/leads/${id}/assignments`), 200)).items;
const rule = async (body, client = admin) => ok(await client.post('/api/v1/assignment-rules', body));

before(async () => {
  srv = await startServer();
  admin = srv.admin;
  P = await defaultPipeline(admin);
  U.ME = await srv.addUser({ email: 'me@leads.test', name: 'Manager East', role: 'manager' });
  U.MS = await srv.addUser({ email: 'ms@leads.test', name: 'Manager South', role: 'manager' });
  T.east = await team('East', U.ME);
  T.south = await team('South', U.MS);
  T.north = await team('North');
  T.west = await team('West');
  T.para = await team('Para');
  T.bal = await team('Bal');
  await reps('E', 3, T.east);
  await reps('S', 2, T.south);
  await reps('N', 3, T.north);
  await reps('W', 3, T.west);
  await reps('P', 5, T.para);
  await reps('B', 5, T.bal);
  U.OPS = await srv.addUser({ email: 'ops@leads.test', name: 'Ops', role: 'ops' });
  for (const k of ['ME', 'MS', 'E1', 'E2', 'S1', 'OPS']) C[k] = await srv.login(U[k].email, U[k].password);
});
after(async () => { await srv?.stop(); });

test('a web form takes leads without a login; honeypot, switched-off and unknown forms', async () => {
  expectProblem(await C.E1.post('/api/v1/lead-forms', { name: 'Rep form' }), 403);
  const form = await ok(await C.OPS.post('/api/v1/lead-forms', { name: 'Website contact form', default_source: 'website' }));
  assert.match(form.token, /^[A-Za-z0-9_-]{32}$/, 'a random token, shown in the form record');
  assert.equal(form.submit_path, `/api/v1/forms/${form.token}/submit`);
  assert.equal(form.active, true);
  const other = await ok(await admin.post('/api/v1/lead-forms', { name: 'Trade show' }));
  assert.notEqual(other.token, form.token);
  expectProblem(await admin.patch(`/api/v1/lead-forms/${form.id}`, { token: 'mine' }), 422, { field: 'token' });
  const anon = srv.anon();
  const url = `/api/v1/forms/${form.token}/submit`;

  // JSON, as a script on the company's site posts it
  const r1 = await anon.post(url, { name: 'Form Person', email: 'form.person@example.net', company: 'Form Co', website: '' });
  assert.equal(r1.status, 201, r1.text);
  assert.deepEqual(r1.body, { received: true });
  assert.equal(r1.headers.get('access-control-allow-origin'), '*');
  conforms(r1, '/api/v1/forms/{token}/submit', 'post');
  // urlencoded, as a plain HTML form posts it (UTF-8, + for spaces, an empty optional field)
  const r2 = await anon.post(url, 'name=%E7%8E%8B+%E8%8A%B3&email=wang.fang%40example.cn&phone=&website=&source=expo',
    { headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
  assert.equal(r2.status, 201, r2.text);
  // the honeypot: a filled "website" answers exactly like success and keeps nothing
  const r3 = await anon.post(url, { name: 'Bot', email: 'bot@spam.example', website: 'http://spam.example' });
  assert.equal(r3.status, 201);
  assert.equal(r3.text, r1.text);
  const r4 = await anon.post(url, 'name=Bot2&email=bot2%40spam.example&website=x', { headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
  assert.equal(r4.status, 201);

  const got = (await ok(await admin.get(`/api/v1/leads?form_id=${form.id}&sort=id`), 200)).items;
  assert.deepEqual(got.map((l) => [l.name, l.email, l.phone, l.source, l.intake]), [
    ['Form Person', 'form.person@example.net', null, 'website', 'form'],   // the form's default source
    ['王 芳', 'wang.fang@example.cn', null, 'expo', 'form'],               // a source the form gives wins; empty fields are absent
  ]);
  assert.equal((await ok(await admin.get('/api/v1/leads?q=spam.example'), 200)).items.length, 0, 'nothing of the bots was kept');
  const audit = (await ok(await admin.get(`/api/v1/leads/${got[0].id}/audit`), 200)).items;
  assert.ok(audit.some((a) => a.action === 'create' && a.field === 'name' && a.actor_id === null), 'created by nobody in particular');

  // validation still applies, with field reasons
  const bad = await anon.post(url, { name: 'No Contact' });
  expectProblem(bad, 422, { fields: ['email', 'phone'] });
  assert.equal(bad.headers.get('access-control-allow-origin'), '*');
  expectProblem(await anon.post(url, { name: 'X', email: 'x@example.com', shoe_size: '42' }), 422, { field: 'shoe_size' });
  expectProblem(await anon.post(url, { name: 'X', email: 'x@example.com', status: 'converted' }), 422, { field: 'status' });
  expectProblem(await anon.post(url, { name: 'X', email: 'x@example.com', owner_id: U.E1.id }), 422, { field: 'owner_id' });
  // unknown and switched-off forms are not found
  const unknown = await anon.post('/api/v1/forms/not-a-token/submit', { name: 'X', email: 'x@example.com' });
  expectProblem(unknown, 404);
  conforms(unknown, '/api/v1/forms/{token}/submit', 'post');
  expectProblem(await anon.post(`/api/v1/forms/${'a'.repeat(300)}/submit`, { name: 'X', email: 'x@example.com' }), 404);
  await ok(await admin.patch(`/api/v1/lead-forms/${form.id}`, { active: false }), 200);
  expectProblem(await anon.post(url, { name: 'Late', email: 'late@example.com' }), 404);
  // the browser's preflight for a script on another site
  const pre = await anon.request('OPTIONS', url);
  assert.equal(pre.status, 204);
  assert.equal(pre.headers.get('access-control-allow-origin'), '*');
  assert.match(pre.headers.get('access-control-allow-methods'), /POST/);
  assert.match(pre.headers.get('access-control-allow-headers'), /Content-Type/i);
});

test('form bodies that are not well-formed are refused with a reason', async () => {
  const form = await ok(await admin.post('/api/v1/lead-forms', { name: 'Bad bodies' }));
  const url = `/api/v1/forms/${form.token}/submit`;
  const anon = srv.anon();
  const enc = { headers: { 'Content-Type': 'application/x-www-form-urlencoded' } };
  expectProblem(await anon.post(url, 'name=%zz&email=a%40b.co', enc), 400);
  expectProblem(await anon.post(url, 'name=%E7%8E', enc), 400);                     // cut-off escape
  expectProblem(await anon.post(url, 'name=%FF%FE&email=a%40b.co', enc), 400);      // not UTF-8
  expectProblem(await anon.post(url, 'name=a%00b&email=a%40b.co', enc), 400);       // NUL
  const twice = await anon.post(url, 'name=A&name=B&email=a%40b.co', enc);
  expectProblem(twice, 400, { field: 'name' });
  expectProblem(await anon.post(url, 'name=' + 'x'.repeat(70 * 1024), enc), 413);
  expectProblem(await anon.post(url, Array.from({ length: 70 }, (_, i) => `f${i}=1`).join('&'), enc), 400);
  expectProblem(await anon.post(url, '{"name":', { headers: { 'Content-Type': 'application/json' } }), 400);
  expectProblem(await anon.post(url, 'hello', { headers: { 'Content-Type': 'text/plain' } }), 400);
  assert.equal((await ok(await admin.get(`/api/v1/leads?form_id=${form.id}`), 200)).items.length, 0);
});

test('form submissions are limited to 20 per client address in 10 minutes, counted in the database', async () => {
  // a server of its own, so that no other test's submissions count
  const s = await startServer();
  try {
    const form = await ok(await s.admin.post('/api/v1/lead-forms', { name: 'Limited' }));
    const url = `/api/v1/forms/${form.token}/submit`;
    const anon = s.anon();
    for (let i = 0; i < 19; i++) assert.equal((await anon.post(url, { name: `L${i}`, email: `l${i}@rate.example` })).status, 201);
    // the honeypot and bad tokens count too: a bot does not get more tries by failing
    assert.equal((await anon.post('/api/v1/forms/wrong/submit', { name: 'x', email: 'x@rate.example' })).status, 404);
    const over = await anon.post(url, { name: 'L20', email: 'l20@rate.example' });
    expectProblem(over, 429);
    assert.equal(over.headers.get('retry-after'), '600');
    conforms(over, '/api/v1/forms/{token}/submit', 'post');
    expectProblem(await anon.post('/api/v1/forms/wrong/submit', { name: 'x', email: 'x@rate.example' }), 429);
    assert.equal((await ok(await s.admin.get(`/api/v1/leads?form_id=${form.id}&limit=200`), 200)).items.length, 19);
    // a second server process on the same database shares the count
    const s2 = await startServer({ db: s.db });
    try {
      expectProblem(await s2.anon().post(url, { name: 'L21', email: 'l21@rate.example' }), 429);
    } finally { await s2.stop(); }
    // logged-in intake is not limited
    await ok(await s.admin.post('/api/v1/leads', { name: 'By API', email: 'api@rate.example' }));
  } finally { await s.stop(); }
});

test('duplicates by email, phone and company go to the owner of what they match', async () => {
  // existing customers: a contact of E2, and two accounts of S1 and S2
  const contact = await ok(await admin.post('/api/v1/contacts', { name: 'Li Wei', email: 'li.wei@example.com', phone: '+86 138-0013-8000', owner_id: U.E2.id }));
  const rs = await ok(await admin.post('/api/v1/accounts', { name: '上海锐思科技有限公司', owner_id: U.S1.id }));
  const acme = await ok(await admin.post('/api/v1/accounts', { name: 'ＡＣＭＥ Co., Ltd.', owner_id: U.S2.id }));
  // a rule that would send "Dedup Land" to South: duplicates never reach it
  await rule({ name: 'Dedup Land to South', regions: 'Dedup Land', team_id: T.south.id });

  const base = { region: 'Dedup Land' };
  const byEmail = await ok(await lead(admin, { ...base, name: 'Wei Li', email: 'ＬＩ.WEI@Example.COM' }));   // full-width letters, other case
  const byPhone = await ok(await lead(admin, { ...base, name: 'Mr Li', phone: '＋86 (138) 0013 8000' }));  // full-width plus, other spacing
  const byCn = await ok(await lead(admin, { ...base, name: '张三', email: 'zhang@rs.example', company: '上海锐思科技' }));
  const byLatin = await ok(await lead(admin, { ...base, name: 'Ann', email: 'ann@acme.example', company: 'Acme' }));
  const notDup = await ok(await lead(admin, { ...base, name: 'Bob', email: 'bob@acmerobotics.example', company: 'Acme Robotics' }));

  assert.deepEqual([byEmail, byPhone, byCn, byLatin].map((l) => [l.status, l.owner_id, l.duplicate_entity, l.duplicate_id, l.duplicate_on]), [
    ['duplicate', U.E2.id, 'contacts', contact.id, 'email'],
    ['duplicate', U.E2.id, 'contacts', contact.id, 'phone'],
    ['duplicate', U.S1.id, 'accounts', rs.id, 'company'],
    ['duplicate', U.S2.id, 'accounts', acme.id, 'company'],
  ]);
  // "Acme Robotics" is another company: the rule sends it to South (round robin starts with S1)
  assert.deepEqual([notDup.status, notDup.owner_id, notDup.duplicate_entity], ['assigned', U.S1.id, null]);

  const l = await log(byEmail.id);
  assert.equal(l.length, 1);
  assert.equal(l[0].method, 'duplicate');
  assert.equal(l[0].user_id, U.E2.id);
  assert.equal(l[0].rule_id, null);
  assert.match(l[0].reason, new RegExp(`same email as contact ${contact.id} \\(Li Wei\\), owned by Rep E2`));

  // a lead that repeats another lead goes to that lead's owner, even when given to someone else
  const first = await ok(await lead(admin, { ...base, name: 'Zhao', email: 'zhao@example.org', owner_id: U.E3.id }));
  assert.deepEqual([first.status, first.owner_id], ['assigned', U.E3.id]);
  assert.equal((await log(first.id))[0].method, 'manual');
  const again = await ok(await lead(admin, { ...base, name: 'Zhao again', email: 'Zhao@EXAMPLE.org', owner_id: U.S2.id }));
  assert.deepEqual([again.status, again.owner_id, again.duplicate_entity, again.duplicate_id], ['duplicate', U.E3.id, 'leads', first.id]);
  // the contact's keys follow its changes
  await ok(await admin.patch(`/api/v1/contacts/${contact.id}`, { email: 'wei.li@other.example' }), 200);
  const after = await ok(await lead(admin, { ...base, name: 'Wei again', email: 'Wei.Li@Other.Example' }));
  assert.deepEqual([after.owner_id, after.duplicate_entity, after.duplicate_on], [U.E2.id, 'contacts', 'email']);
  const gone = await ok(await lead(admin, { ...base, name: 'Old address', email: 'li.wei@example.com', company: 'Nobody Ltd' }));
  assert.equal(gone.duplicate_entity, 'leads', 'the old address now only matches the first lead');
  assert.equal(gone.duplicate_id, byEmail.id);
  conforms(await admin.get(`/api/v1/leads/${byEmail.id}/assignments`), '/api/v1/leads/{id}/assignments', 'get');
});

test('rows written without keys (bulk loads, old data) are keyed at startup and before an intake', async () => {
  // what a bulk load leaves behind: rows with no comparison keys
  const now = Date.now();
  sql(srv.db, `INSERT INTO contacts (name, email, phone, owner_id, created_at, updated_at) VALUES ('Raw Contact', 'RAW.Contact@Bulk.Example', '021-5555 0101', ${U.S2.id}, ${now}, ${now})`);
  sql(srv.db, `INSERT INTO accounts (name, owner_id, created_at, updated_at) VALUES ('北京批量导入有限公司', ${U.E1.id}, ${now}, ${now})`);
  // the next intake keys them first, so they count as matches at once
  const a = await ok(await lead(admin, { name: 'Raw', email: 'raw.contact@bulk.example', region: 'Nowhere' }));
  assert.deepEqual([a.owner_id, a.duplicate_entity], [U.S2.id, 'contacts']);
  const b = await ok(await lead(admin, { name: 'Raw 2', phone: '(021) 5555-0101', region: 'Nowhere' }));
  assert.deepEqual([b.owner_id, b.duplicate_on], [U.S2.id, 'phone']);
  const c = await ok(await lead(admin, { name: 'Raw 3', email: 'x@bj.example', company: '北京批量导入', region: 'Nowhere' }));
  assert.deepEqual([c.owner_id, c.duplicate_entity], [U.E1.id, 'accounts']);
  // and a server starting on the database keys what it finds
  sql(srv.db, `INSERT INTO accounts (name, owner_id, created_at, updated_at) VALUES ('Startup Keyed GmbH', ${U.E1.id}, ${now}, ${now})`);
  const s2 = await startServer({ db: srv.db });
  try {
    assert.equal(sql(srv.db, "SELECT company_key FROM accounts WHERE name = 'Startup Keyed GmbH'"), 'startupkeyed');
    assert.equal(sql(srv.db, "SELECT COUNT(*) FROM contacts WHERE email_key IS NULL"), '0');
  } finally { await s2.stop(); }
});

test('rules match region, industry and company size; first match wins; round robin goes in turn', async () => {
  expectProblem(await C.E1.post('/api/v1/assignment-rules', { name: 'mine', regions: 'x', user_id: U.E1.id }), 403);
  // ops manages rules too
  const bySize = await rule({ name: 'Big companies to S1', position: 10, regions: 'Rule Land', company_sizes: '1001-5000, 5000+', user_id: U.S1.id }, C.OPS);
  const byInd = await rule({ name: 'Software to East', position: 20, regions: 'Rule Land', industries: 'Software，软件', team_id: T.east.id, method: 'round_robin' });
  const byRegion = await rule({ name: 'Rule Land to South', position: 30, regions: 'rule land', team_id: T.south.id, method: 'balanced' });
  assert.equal(byInd.team_name, 'East');
  assert.equal(bySize.user_name, 'Rep S1');
  assert.equal(byRegion.method, 'balanced');
  const listed = (await ok(await C.E1.get('/api/v1/assignment-rules?limit=200'), 200)).items.filter((r) => /Rule Land|Big|Software/.test(r.name));
  assert.deepEqual(listed.map((r) => r.id), [bySize.id, byInd.id, byRegion.id], 'listed by position');

  const L = (extra) => lead(admin, { name: 'Rule lead', email: `r${Math.random()}@rules.example`, region: 'Rule Land', ...extra });
  // big and software: the size rule comes first
  const big = await ok(await L({ industry: 'Software', company_size: '5000+' }));
  assert.deepEqual([big.owner_id, big.status], [U.S1.id, 'assigned']);
  const bigLog = (await log(big.id))[0];
  assert.deepEqual([bigLog.rule_id, bigLog.method, bigLog.user_id], [bySize.id, 'direct', U.S1.id]);
  // software (either language): East in turn E1, E2, E3, E1
  const sw = [];
  for (const ind of ['Software', '软件', 'ＳＯＦＴＷＡＲＥ', 'software']) sw.push(await ok(await L({ industry: ind, company_size: '51-200' })));
  assert.deepEqual(owners(sw), [U.E1.id, U.E2.id, U.E3.id, U.E1.id]);
  assert.deepEqual((await Promise.all(sw.map((l) => log(l.id)))).map((x) => [x.length, x[0].method, x[0].rule_id]),
    Array(4).fill([1, 'round_robin', byInd.id]));
  // the rest of Rule Land (full-width spelling too): South by balanced load. S1 has more open leads than S2.
  const load = async (u) => (await ok(await admin.get(`/api/v1/leads?owner_id=${u.id}&limit=200`), 200)).items
    .filter((l) => ['new', 'assigned', 'duplicate'].includes(l.status)).length;
  const [s1, s2] = [await load(U.S1), await load(U.S2)];
  const retail = await ok(await L({ region: 'ＲＵＬＥ ＬＡＮＤ', industry: 'Retail' }));
  assert.equal(retail.owner_id, s1 <= s2 ? U.S1.id : U.S2.id, `loads S1 ${s1}, S2 ${s2}`);
  // no rule for this region: the lead waits, unassigned, for an admin; reps and managers do not see it
  const lost = await ok(await lead(C.E1, { name: 'Nobody’s', email: 'nobody@rules.example', region: 'Atlantis' }));
  assert.deepEqual([lost.status, lost.owner_id], ['new', null]);
  const ll = (await log(lost.id))[0];
  assert.deepEqual([ll.method, ll.user_id, ll.rule_id], ['none', null, null]);
  assert.match(ll.reason, /no assignment rule matched/);
  expectProblem(await C.E1.get(`/api/v1/leads/${lost.id}`), 404);
  expectProblem(await C.ME.get(`/api/v1/leads/${lost.id}`), 404);
  assert.equal((await ok(await admin.get('/api/v1/leads?owner_id=null&region=Atlantis'), 200)).items.length, 1);
  // moving a rule first changes who wins
  await ok(await admin.patch(`/api/v1/assignment-rules/${byRegion.id}`, { position: 5 }), 200);
  const now = await ok(await L({ industry: 'Software', company_size: '5000+' }));
  assert.equal((await log(now.id))[0].rule_id, byRegion.id);
  // a switched-off rule is passed over
  await ok(await admin.patch(`/api/v1/assignment-rules/${byRegion.id}`, { active: false }), 200);
  const off = await ok(await L({ industry: 'Software', company_size: '5000+' }));
  assert.equal((await log(off.id))[0].rule_id, bySize.id);
  conforms(await admin.get(`/api/v1/assignment-rules/${byInd.id}`), '/api/v1/assignment-rules/{id}', 'get');
});

test('reps who are away or at capacity are passed over, and the log says who and why', async () => {
  const r = await rule({ name: 'Skip Land to North', regions: 'Skip Land', team_id: T.north.id });
  await ok(await admin.patch(`/api/v1/users/${U.N2.id}`, { away: true }), 200);
  const n3 = await ok(await admin.patch(`/api/v1/users/${U.N3.id}`, { capacity: 1 }), 200);
  assert.deepEqual([n3.away, n3.capacity], [false, 1]);
  expectProblem(await admin.patch(`/api/v1/users/${U.N3.id}`, { capacity: -1 }), 422, { field: 'capacity' });
  const L = () => lead(admin, { name: 'Skip lead', email: `s${Math.random()}@skip.example`, region: 'Skip Land' });
  // N1 first; then N2 is away, N3 has room for one; then N3 is full: N1 twice
  const got = [];
  for (let i = 0; i < 4; i++) got.push(await ok(await L()));
  assert.deepEqual(owners(got), [U.N1.id, U.N3.id, U.N1.id, U.N1.id]);
  const logs = await Promise.all(got.map((l) => log(l.id)));
  assert.deepEqual(logs[0][0].skipped.map((s) => [s.user_id, s.why]), [[U.N2.id, 'away']]);
  assert.deepEqual(logs[2][0].skipped.map((s) => [s.user_id, s.why]),
    [[U.N2.id, 'away'], [U.N3.id, 'at capacity (1 open leads and deals, capacity 1)']]);
  assert.equal(logs[2][0].skipped[0].rule_id, r.id);
  // everyone away: the rule yields nobody, the lead waits, the log says so
  await ok(await admin.patch(`/api/v1/users/${U.N1.id}`, { away: true }), 200);
  const none = await ok(await L());
  assert.deepEqual([none.owner_id, none.status], [null, 'new']);
  const nl = (await log(none.id))[0];
  assert.equal(nl.method, 'none');
  assert.match(nl.reason, /no rule that matched had anyone available/);
  assert.deepEqual(nl.skipped.map((s) => s.why), ['away', 'away', 'at capacity (1 open leads and deals, capacity 1)',
    'matched, but nobody it assigns to is available']);
  // a later rule catches what the first could not place
  const fallback = await rule({ name: 'Skip Land fallback', regions: 'Skip Land', user_id: U.E3.id });
  const fb = await ok(await L());
  assert.equal(fb.owner_id, U.E3.id);
  assert.deepEqual((await log(fb.id)).map((x) => [x.rule_id, x.method, x.skipped.length]), [[fallback.id, 'direct', 4]]);
  // back from holiday: the rotation goes on after N1 (N2 next)
  await ok(await admin.patch(`/api/v1/users/${U.N1.id}`, { away: false }), 200);
  await ok(await admin.patch(`/api/v1/users/${U.N2.id}`, { away: false }), 200);
  assert.equal((await ok(await L())).owner_id, U.N2.id);
});

test('balanced load counts open leads and open deals, not closed ones', async () => {
  // W1 has 2 open deals and 1 lost one; W2 has 1 open lead; W3 nothing
  for (const name of ['W1 deal a', 'W1 deal b', 'W1 lost']) await ok(await admin.post('/api/v1/opportunities', { name, owner_id: U.W1.id }));
  const lostDeal = (await ok(await admin.get('/api/v1/opportunities?q=W1%20lost'), 200)).items[0];
  await ok(await admin.post(`/api/v1/opportunities/${lostDeal.id}/stage`, { stage_id: P.stages.Lost.id, lost_reason: 'no budget' }), 200);
  await ok(await lead(admin, { name: 'W2 own', email: 'w2own@balance.example', owner_id: U.W2.id, region: 'Elsewhere' }));
  await rule({ name: 'Balance Land to West', regions: 'Balance Land', team_id: T.west.id, method: 'balanced' });
  // loads W1 2, W2 1, W3 0; the fewest wins, ties to the lowest id:
  //   W3 (0) -> W1 2, W2 1, W3 1;  W2 (tie 1, lower id) -> 2,2,1;  W3 -> 2,2,2;  W1 -> 3,2,2;  W2 -> 3,3,2;  W3 -> 3,3,3
  const got = [];
  for (let i = 0; i < 6; i++) got.push(await ok(await lead(admin, { name: `Bal ${i}`, email: `b${i}@balance.example`, region: 'Balance Land' })));
  assert.deepEqual(owners(got), [U.W3.id, U.W2.id, U.W3.id, U.W1.id, U.W2.id, U.W3.id]);
  const first = (await log(got[0].id))[0];
  assert.equal(first.method, 'balanced');
  assert.match(first.reason, /Rep W3 had the fewest open leads and deals \(0\)/);
  // a disqualified lead no longer counts: W3 drops to 2 and gets the next one
  await ok(await admin.patch(`/api/v1/leads/${got[5].id}`, { status: 'disqualified', disqualified_reason: 'student' }), 200);
  assert.equal((await ok(await lead(admin, { name: 'Bal 6', email: 'b6@balance.example', region: 'Balance Land' }))).owner_id, U.W3.id);
});

async function fiftyAtOnce(region, teamReps, clients) {
  const reqs = [];
  for (let i = 0; i < 50; i++) {
    const c = clients[i % clients.length];
    reqs.push(lead(c, { name: `Rush ${i}`, email: `rush${i}@${region.replace(/ /g, '')}.example`, region }));
  }
  const res = await Promise.all(reqs);
  assert.deepEqual(res.filter((r) => r.status !== 201).map((r) => r.text), []);
  const ids = new Set(res.map((r) => r.body.id));
  assert.equal(ids.size, 50);
  const counts = {};
  for (const u of teamReps) counts[u.id] = 0;
  for (const r of res) counts[r.body.owner_id]++;
  // exactly one log row per lead, naming the owner it got
  const logs = await Promise.all(res.map((r) => log(r.body.id)));
  assert.ok(logs.every((l, i) => l.length === 1 && l[0].user_id === res[i].body.owner_id), 'one assignment each');
  // and the database agrees with the answers
  for (const u of teamReps) {
    const mine = (await ok(await admin.get(`/api/v1/leads?owner_id=${u.id}&region=${encodeURIComponent(region)}&limit=200`), 200)).items;
    assert.equal(mine.length, counts[u.id]);
  }
  return Object.values(counts);
}

test('50 leads at once: each assigned exactly once; round robin differs by at most one, balanced ends level', async () => {
  const Preps = [1, 2, 3, 4, 5].map((i) => U[`P${i}`]);
  const Breps = [1, 2, 3, 4, 5].map((i) => U[`B${i}`]);
  await rule({ name: 'Rush Land round robin', regions: 'Rush Land', team_id: T.para.id });
  await rule({ name: 'Calm Land balanced', regions: 'Calm Land', team_id: T.bal.id, method: 'balanced' });
  const rr = await fiftyAtOnce('Rush Land', Preps, [admin, C.ME, C.MS]);
  assert.ok(Math.max(...rr) - Math.min(...rr) <= 1, `round robin counts ${rr}`);
  assert.deepEqual(rr, [10, 10, 10, 10, 10]);
  const bal = await fiftyAtOnce('Calm Land', Breps, [admin, C.ME]);
  assert.deepEqual(bal, [10, 10, 10, 10, 10], `balanced counts ${bal}`);
});

test('50 leads at once through two server processes on one PostgreSQL', async (t) => {
  if (!PG) return t.skip('needs CYLINDER_TEST_PG_URL');
  const s2 = await startServer({ db: srv.db });
  try {
    const T2 = await ok(await admin.post('/api/v1/teams', { name: 'Two procs' }));
    const reps2 = [];
    for (let i = 1; i <= 4; i++) reps2.push(await srv.addUser({ email: `tp${i}@leads.test`, name: `Rep TP${i}`, role: 'rep', team_id: T2.id }));
    await rule({ name: 'Twin Land', regions: 'Twin Land', team_id: T2.id });
    const rr = await fiftyAtOnce('Twin Land', reps2, [admin, admin.at(s2.url)]);
    assert.ok(Math.max(...rr) - Math.min(...rr) <= 1, `round robin counts across processes ${rr}`);
    assert.deepEqual([...rr].sort(), [12, 12, 13, 13]);
    const T3 = await ok(await admin.post('/api/v1/teams', { name: 'Two procs balanced' }));
    const reps3 = [];
    for (let i = 1; i <= 5; i++) reps3.push(await srv.addUser({ email: `tb${i}@leads.test`, name: `Rep TB${i}`, role: 'rep', team_id: T3.id }));
    await rule({ name: 'Twin Calm', regions: 'Twin Calm', team_id: T3.id, method: 'balanced' });
    assert.deepEqual(await fiftyAtOnce('Twin Calm', reps3, [admin.at(s2.url), admin]), [10, 10, 10, 10, 10]);
  } finally { await s2.stop(); }
});

// An import of leads, through the browser's API and the command line.
const CSV = { 'Content-Type': 'text/csv' };
async function importLeads(client, file, options = {}) {
  const up = await client.post('/api/v1/imports?entity=leads&filename=leads.csv', file, { headers: CSV });
  assert.equal(up.status, 201, up.text);
  const run = await client.post(`/api/v1/imports/${up.body.id}/run`, { options });
  assert.equal(run.status, 202, run.text);
  for (let i = 0; i < 400; i++) {
    const r = await ok(await client.get(`/api/v1/imports/${up.body.id}`), 200);
    if (r.status === 'done' || r.status === 'failed') return { job: up.body, done: r };
    await new Promise((res) => setTimeout(res, 50));
  }
  assert.fail('the import did not finish');
}
const leadsIn = async (region) => (await ok(await admin.get(`/api/v1/leads?region=${encodeURIComponent(region)}&limit=200&sort=id`), 200)).items;

test('a CSV of leads goes through the duplicate check and the rules row by row, all or nothing', async () => {
  T.imp = await team('Imp');
  await reps('I', 3, T.imp);
  const r = await rule({ name: 'Import Land to Imp', regions: 'Import Land', team_id: T.imp.id, method: 'round_robin' });
  // someone S1 already works with
  const known = await ok(await lead(admin, { name: 'Known Person', email: 'known@imp.example', region: 'Elsewhere', owner_id: U.S1.id }));
  assert.equal(known.owner_id, U.S1.id);
  // Chinese headers, as a spreadsheet exported from China writes them
  const file = '姓名,公司,邮箱,电话,地区,来源\n' +
    '张伟,杭州引川信息科技有限公司,zhang@imp.example,,Import Land,展会\n' +      // row 2: first in turn -> I1
    'Li Na,Importwell Ltd.,li@imp.example,,Import Land,Web\n' +                  // row 3: -> I2
    'Known again,,KNOWN@imp.example,,Import Land,\n' +                     // row 4: S1's lead by email -> S1, duplicate
    '张伟 (2),,zhang@imp.example,,Import Land,展会\n' +                    // row 5: the lead of row 2 -> I1, duplicate
    'Wang,,,+86 138 0000 1111,Import Land,\n' +                           // row 6: next in turn -> I3
    'Nobody,,no@imp.example,,Atlantis Import,\n';                         // row 7: no rule matches -> waits
  const { job, done } = await importLeads(admin, file);
  assert.deepEqual([job.mapping.name, job.mapping.company, job.mapping.email, job.mapping.phone, job.mapping.region, job.mapping.source],
    ['姓名', '公司', '邮箱', '电话', '地区', '来源']);
  assert.equal(done.status, 'done', JSON.stringify(done));
  assert.equal(done.rows_imported, 6);
  const o = done.outcome;
  assert.deepEqual([o.assigned, o.duplicate, o.unassigned], [3, 2, 1]);
  assert.deepEqual(Object.fromEntries(o.by_owner.map((x) => [x.owner, x.leads])), { 'Rep I1': 2, 'Rep I2': 1, 'Rep I3': 1, 'Rep S1': 1 });
  const got = await leadsIn('Import Land');
  assert.deepEqual(got.map((l) => [l.name, l.owner_id, l.status, l.intake]), [
    ['张伟', U.I1.id, 'assigned', 'import'], ['Li Na', U.I2.id, 'assigned', 'import'],
    ['Known again', U.S1.id, 'duplicate', 'import'], ['张伟 (2)', U.I1.id, 'duplicate', 'import'], ['Wang', U.I3.id, 'assigned', 'import']]);
  assert.deepEqual([got[2].duplicate_entity, got[2].duplicate_id, got[2].duplicate_on], ['leads', known.id, 'email']);
  assert.deepEqual([got[3].duplicate_id, got[3].duplicate_on], [got[0].id, 'email'], 'a row matches an earlier row of the same file');
  assert.equal(got[0].source, '展会');
  const l0 = (await log(got[0].id))[0];
  assert.deepEqual([l0.rule_id, l0.method, l0.user_id], [r.id, 'round_robin', U.I1.id]);
  assert.match((await log(got[3].id))[0].reason, /same email as lead \d+ \(张伟\), owned by Rep I1/);
  const waiting = await leadsIn('Atlantis Import');
  assert.deepEqual(waiting.map((l) => [l.status, l.owner_id]), [['new', null]]);
  const audit = (await ok(await admin.get(`/api/v1/leads/${got[1].id}/audit`), 200)).items;
  assert.ok(audit.some((a) => a.new === `import #${job.id}: leads.csv, row 3`), JSON.stringify(audit));
  // the rotation goes on after the import: I1 is next
  const after = await ok(await lead(admin, { name: 'After import', email: 'after@imp.example', region: 'Import Land' }));
  assert.equal(after.owner_id, U.I1.id);

  // a bad row stops the whole file: nothing is written, and the problems say where
  const before = (await leadsIn('Import Bad')).length;
  const bad = 'name,email,phone,region\nGood One,good1@imp.example,,Import Bad\nNo Way To Reach,,,Import Bad\nShort,,12,Import Bad\n';
  const stop = await importLeads(admin, bad);
  assert.deepEqual(stop.job.problems.map((p) => [p.row, p.column, p.problem]),
    [[3, 'email', 'an email address or a phone number is required'], [4, 'phone', 'must have at least 6 digits']], 'shown before anything is written');
  assert.equal(stop.done.status, 'failed');
  assert.match(stop.done.error, /row 3 has problems, so nothing was written/);
  assert.equal((await leadsIn('Import Bad')).length, before, 'nothing written');
  // ... or the good rows go in and the bad ones are reported
  const skip = await importLeads(admin, bad, { mode: 'skip' });
  assert.deepEqual([skip.done.status, skip.done.rows_imported, skip.done.rows_bad], ['done', 1, 2]);
  assert.deepEqual((await leadsIn('Import Bad')).map((l) => l.name), ['Good One']);

  // a rep imports too: the rules still decide, and an owner column gives by hand only to whom they may
  const mine = await importLeads(C.E1, 'name,email,region,owner\nFrom E1,e1lead@imp.example,Import Land,\nTo E2,e2lead@imp.example,Elsewhere,Rep E2\n');
  assert.deepEqual(mine.done.problems.map((p) => [p.row, p.column]), [[3, 'owner']], 'a rep cannot give leads to a colleague');
  assert.equal(mine.done.status, 'failed');

  // the command line: the same intake, and what became of each lead printed
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leads-'));
  const f = path.join(dir, 'leads.csv');
  fs.writeFileSync(f, 'Name,Email,Region\nCli One,cli1@imp.example,Import Land\nCli Two,cli2@imp.example,Import Land\n');
  const cli = spawnSync(path.resolve(ROOT, process.env.CYLINDER_BIN || 'build/cylinder'), ['import', 'leads', f, '--db', srv.db, '--as', 'me@leads.test'],
    { encoding: 'utf8', env: { ...process.env, CYLINDER_ACCESS_LOG: '0' } });
  assert.equal(cli.status, 0, cli.stderr + cli.stdout);
  assert.match(cli.stdout, /2 imported/);
  assert.match(cli.stdout, /leads: 2 assigned, 0 duplicates given to the existing owner, 0 waiting for an admin/);
  // after row 1 of the API file's rotation (I1, I2, I3) and the lead after it (I1): I2, then I3
  assert.match(cli.stdout, /Rep I2: 1\n {2}Rep I3: 1/);
  fs.rmSync(dir, { recursive: true });
});

test('a long lead import shows how many leads it has written while it writes', async () => {
  const n = 4000;
  const rows = Array.from({ length: n }, (_, i) => `Progress ${i},progress${i}@bulk.example,Progress Land`);
  const up = await admin.post('/api/v1/imports?entity=leads&filename=many.csv', `name,email,region\n${rows.join('\n')}\n`, { headers: CSV });
  assert.equal(up.status, 201, up.text);
  assert.equal((await admin.post(`/api/v1/imports/${up.body.id}/run`, {})).status, 202);
  const seen = [];
  for (let i = 0; i < 2000; i++) {
    const j = await ok(await admin.get(`/api/v1/imports/${up.body.id}`), 200);
    seen.push([j.phase, j.rows_done]);
    if (j.status === 'done' || j.status === 'failed') { assert.equal(j.status, 'done', j.error); break; }
    await new Promise((res) => setTimeout(res, 10));
  }
  const written = seen.filter(([phase, done]) => phase === 'writing' && done > 0).map(([, done]) => done);
  assert.ok(written.length > 0, `the count was seen while writing: ${JSON.stringify(seen.slice(-20))}`);
  for (let i = 0; i < written.length; i++) {
    assert.ok(written[i] % 100 === 0 && written[i] <= n, `${written[i]}: counted in hundreds, up to the total`);
    if (i) assert.ok(written[i] >= written[i - 1], 'never backwards');
  }
  assert.equal((await leadsIn('Progress Land')).length, 200, 'the first page of them is there');
});

test('converting a lead makes account, contact and opportunity once, owned by the lead\'s owner', async () => {
  const l = await ok(await lead(C.E1, { name: 'Chen Jing', email: 'chen.jing@convert.example', phone: '+86 21 6888 0001', title: 'CTO',
    company: 'Convert Co', industry: 'Software', region: 'Convert Land', company_size: '51-200', source: 'referral', owner_id: U.E1.id }));
  assert.equal(l.owner_id, U.E1.id);
  const conv = await C.ME.post(`/api/v1/leads/${l.id}/convert`, { opportunity: { name: 'Convert Co platform', amount: 1200000, close_date: '2026-12-31' } });
  assert.equal(conv.status, 201, conv.text);
  // the lead part against this change's schema; the account, contact and deal are their own resources' business
  conformsTo(conv.body.lead, 'Lead');
  assert.deepEqual(Object.keys(conv.body).sort(), ['account', 'contact', 'created', 'lead', 'opportunity']);
  const { lead: done, account, contact, opportunity, created } = conv.body;
  assert.deepEqual(created, { account: true, contact: true });
  assert.deepEqual([account.name, account.owner_id, account.industry, account.region, account.size], ['Convert Co', U.E1.id, 'Software', 'Convert Land', '51-200']);
  assert.deepEqual([contact.name, contact.email, contact.phone, contact.title, contact.account_id, contact.owner_id],
    ['Chen Jing', 'chen.jing@convert.example', '+86 21 6888 0001', 'CTO', account.id, U.E1.id]);
  assert.deepEqual([opportunity.name, opportunity.owner_id, opportunity.account_id, opportunity.contact_id, opportunity.amount, opportunity.close_date,
    opportunity.source, opportunity.stage_id], ['Convert Co platform', U.E1.id, account.id, contact.id, 1200000, '2026-12-31', 'referral', P.stages.Lead.id]);
  assert.equal(conv.headers.get('location'), `/api/v1/opportunities/${opportunity.id}`);
  assert.deepEqual([done.status, done.account_id, done.contact_id, done.opportunity_id], ['converted', account.id, contact.id, opportunity.id]);
  assert.ok(done.converted_at);
  // the owner sees all of it
  for (const [seg, id] of [['accounts', account.id], ['contacts', contact.id], ['opportunities', opportunity.id]])
    assert.equal((await C.E1.get(`/api/v1/${seg}/${id}`)).status, 200);
  // converting twice is refused, and nothing more is made
  const twice = await C.E1.post(`/api/v1/leads/${l.id}/convert`, { opportunity: { name: 'Again' } });
  expectProblem(twice, 409);
  conforms(twice, '/api/v1/leads/{id}/convert', 'post');
  assert.equal((await ok(await admin.get('/api/v1/accounts?q=Convert%20Co'), 200)).items.length, 1);
  assert.equal((await ok(await admin.get(`/api/v1/opportunities?account_id=${account.id}`), 200)).items.length, 1);
  // a converted lead stays converted
  expectProblem(await C.E1.patch(`/api/v1/leads/${l.id}`, { status: 'assigned' }), 422, { field: 'status' });
  const audit = (await ok(await admin.get(`/api/v1/leads/${l.id}/audit`), 200)).items;
  assert.ok(audit.some((a) => a.field === 'opportunity_id' && a.new === String(opportunity.id) && a.actor_id === U.ME.id));

  // the same company again: a duplicate for E1, and converting links the account that exists
  const l2 = await ok(await lead(C.S1, { name: 'Wu Lei', email: 'wu.lei@convert.example', company: 'CONVERT CO., LTD.', region: 'Convert Land' }));
  assert.deepEqual([l2.owner_id, l2.duplicate_entity, l2.duplicate_id], [U.E1.id, 'accounts', account.id]);
  expectProblem(await C.S1.post(`/api/v1/leads/${l2.id}/convert`, {}), 404, {});   // S1 handed it in but does not own it
  const c2 = await ok(await C.E1.post(`/api/v1/leads/${l2.id}/convert`, {}));
  assert.deepEqual(c2.created, { account: false, contact: true });
  assert.equal(c2.account.id, account.id);
  assert.equal(c2.opportunity.name, 'CONVERT CO., LTD.', 'named after the company when no name is given');
  // and a contact that exists (same email) is linked, not copied
  const l3 = await ok(await lead(admin, { name: 'Chen J.', email: 'CHEN.JING@convert.example', region: 'Convert Land' }));
  const c3 = await ok(await C.E1.post(`/api/v1/leads/${l3.id}/convert`, { account_id: account.id, opportunity: { name: 'Upsell' } }));
  assert.deepEqual([c3.created.contact, c3.contact.id, c3.account.id], [false, contact.id, account.id]);
});

test('a conversion that fails writes nothing', async () => {
  const l = await ok(await lead(admin, { name: 'Half Way', email: 'half@half.example', company: 'Half Co', owner_id: U.E2.id, region: 'Convert Land' }));
  const before = { accounts: (await admin.get('/api/v1/accounts?q=Half%20Co')).body.items.length, contacts: (await admin.get('/api/v1/contacts?q=Half%20Way')).body.items.length };
  const bad = await C.E2.post(`/api/v1/leads/${l.id}/convert`, { opportunity: { name: 'Half deal', amount: -5, close_date: '2026-02-30' } });
  expectProblem(bad, 422, { fields: ['opportunity.amount', 'opportunity.close_date'] });
  conforms(bad, '/api/v1/leads/{id}/convert', 'post');
  assert.equal((await admin.get('/api/v1/accounts?q=Half%20Co')).body.items.length, before.accounts);
  assert.equal((await admin.get('/api/v1/contacts?q=Half%20Way')).body.items.length, before.contacts);
  const still = await ok(await admin.get(`/api/v1/leads/${l.id}`), 200);
  assert.deepEqual([still.status, still.account_id, still.version], ['assigned', null, l.version]);
  expectProblem(await C.E2.post(`/api/v1/leads/${l.id}/convert`, { opportunity: { name: 'x', owner_id: U.E1.id } }), 422, { field: 'opportunity.owner_id' });
  expectProblem(await C.E2.post(`/api/v1/leads/${l.id}/convert`, { opportunity: 'big' }), 422, { field: 'opportunity' });
  expectProblem(await C.E2.post(`/api/v1/leads/${l.id}/convert`, { deal: {} }), 422, { field: 'deal' });
  const foreign = await ok(await admin.post('/api/v1/accounts', { name: 'Not yours', owner_id: U.S1.id }));
  expectProblem(await C.E2.post(`/api/v1/leads/${l.id}/convert`, { account_id: foreign.id }), 422, { field: 'account_id' });
  expectProblem(await C.E2.post(`/api/v1/leads/${l.id}/convert`, { contact_id: 'seven' }), 422, { field: 'contact_id' });
  expectProblem(await C.E2.post(`/api/v1/leads/${l.id}/convert`, '[]'), 400);
  expectProblem(await C.OPS.post(`/api/v1/leads/${l.id}/convert`, {}), 403);
  // disqualified and unassigned leads are not converted
  await ok(await C.E2.patch(`/api/v1/leads/${l.id}`, { status: 'disqualified' }), 200);
  expectProblem(await C.E2.post(`/api/v1/leads/${l.id}/convert`, {}), 422, { field: 'status' });
  const orphan = await ok(await lead(admin, { name: 'Orphan', email: 'orphan@half.example', region: 'Atlantis' }));
  expectProblem(await admin.post(`/api/v1/leads/${orphan.id}/convert`, {}), 422, { field: 'owner_id' });
  assert.equal((await admin.get('/api/v1/accounts?q=Half%20Co')).body.items.length, before.accounts);
});

test('a rep sees only their own leads, a manager their team\'s, through every route', async () => {
  const mark = `Mk${process.pid}`;
  const eLead = await ok(await lead(admin, { name: `${mark} East lead`, email: 'east.only@vis.example', owner_id: U.E1.id, region: 'Vis' }));
  const sLead = await ok(await lead(admin, { name: 'South lead', email: 'south.only@vis.example', owner_id: U.S1.id, region: 'Vis' }));
  const missing = 99999999;
  for (const who of ['S1', 'MS']) {
    const c = C[who];
    for (const [method, p, body] of [
      ['GET', '/api/v1/leads/{}'], ['PATCH', '/api/v1/leads/{}', { notes: 'mine now' }], ['DELETE', '/api/v1/leads/{}'],
      ['GET', '/api/v1/leads/{}/audit'], ['GET', '/api/v1/leads/{}/assignments'], ['POST', '/api/v1/leads/{}/convert', {}],
      ['GET', '/api/v1/leads/{}/shares'], ['POST', '/api/v1/leads/{}/shares', { user_id: U.S1.id }]]) {
      const foreign = await c.request(method, p.replace('{}', eLead.id), { body });
      const none = await c.request(method, p.replace('{}', missing), { body });
      expectProblem(foreign, 404);
      assert.equal(foreign.text.replaceAll(String(eLead.id), 'ID'), none.text.replaceAll(String(missing), 'ID'), `${who} ${method} ${p}`);
    }
    for (const q of ['', `?q=${mark}`, '?region=Vis', `?owner_id=${U.E1.id}`]) {
      const list = await ok(await c.get(`/api/v1/leads${q}`), 200);
      assert.ok(!list.items.some((l) => l.id === eLead.id), `${who} list ${q}`);
    }
    const csv = await c.get('/api/v1/leads/export.csv');
    assert.equal(csv.status, 200);
    assert.ok(!csv.text.includes(mark), `${who} export`);
  }
  assert.ok((await ok(await C.S1.get('/api/v1/leads?region=Vis'), 200)).items.some((l) => l.id === sLead.id), 'S1 sees their own');
  assert.equal((await C.ME.get(`/api/v1/leads/${eLead.id}`)).status, 200, 'the East manager sees East');
  expectProblem(await C.ME.get(`/api/v1/leads/${sLead.id}`), 404);
  assert.equal((await C.OPS.get(`/api/v1/leads/${sLead.id}`)).status, 200, 'ops reads everything');
  expectProblem(await C.OPS.post('/api/v1/leads', { name: 'Ops lead', email: 'ops@vis.example' }), 403);
  expectProblem(await C.OPS.patch(`/api/v1/leads/${sLead.id}`, { notes: 'x' }), 403);
  // the lead is still untouched
  assert.equal((await ok(await admin.get(`/api/v1/leads/${eLead.id}`), 200)).version, 1);
  // a rep cannot hand a lead to another team, a manager reassigns within theirs, and that is logged
  expectProblem(await C.E1.patch(`/api/v1/leads/${eLead.id}`, { owner_id: U.S1.id }), 422, { field: 'owner_id' });
  expectProblem(await lead(C.E1, { name: 'Give away', email: 'give@vis.example', owner_id: U.S1.id }), 422, { field: 'owner_id' });
  const moved = await ok(await C.ME.patch(`/api/v1/leads/${eLead.id}`, { owner_id: U.E2.id }), 200);
  assert.equal(moved.owner_id, U.E2.id);
  const hist = await log(eLead.id, C.ME);
  assert.deepEqual(hist.map((h) => [h.method, h.user_id, h.actor_id]), [['manual', U.E1.id, admin.me.id], ['manual', U.E2.id, U.ME.id]]);
  assert.equal(hist[1].reason, 'given by hand to Rep E2');
  expectProblem(await C.E1.get(`/api/v1/leads/${eLead.id}`), 404, {});
});

test('status rules: disqualify and reopen, but converted and duplicate are not typed in', async () => {
  const l = await ok(await lead(admin, { name: 'Status', email: 'status@status.example', owner_id: U.E1.id }));
  const dq = await ok(await C.E1.patch(`/api/v1/leads/${l.id}`, { status: 'disqualified', disqualified_reason: 'no budget this year' }), 200);
  assert.equal(dq.status, 'disqualified');
  const re = await ok(await C.E1.patch(`/api/v1/leads/${l.id}`, { status: 'new' }), 200);
  assert.equal(re.status, 'assigned', 'a lead with an owner is assigned');
  expectProblem(await C.E1.patch(`/api/v1/leads/${l.id}`, { status: 'converted' }), 422, { field: 'status' });
  expectProblem(await C.E1.patch(`/api/v1/leads/${l.id}`, { status: 'duplicate' }), 422, { field: 'status' });
  expectProblem(await C.E1.patch(`/api/v1/leads/${l.id}`, { status: 'won' }), 422, { field: 'status' });
  expectProblem(await C.E1.patch(`/api/v1/leads/${l.id}`, { email: null, phone: null }), 422, { field: 'email' });
  const un = await ok(await admin.patch(`/api/v1/leads/${l.id}`, { owner_id: null }), 200);
  assert.deepEqual([un.status, un.owner_id, un.assigned_at], ['new', null, null]);
  assert.equal((await log(l.id)).at(-1).reason, 'unassigned by hand');
});

test('bad lead and rule input: problem+json with field reasons, nothing written', async () => {
  const count = async () => (await admin.get('/api/v1/leads?limit=1&q=badinput')).body.items.length;
  const n = await count();
  expectProblem(await lead(admin, {}), 422, { fields: ['name', 'email', 'phone'] });
  expectProblem(await lead(admin, { name: 'badinput', email: 'not-an-email' }), 422, { field: 'email' });
  expectProblem(await lead(admin, { name: 'badinput', phone: '12-34' }), 422, { field: 'phone' });
  expectProblem(await lead(admin, { name: 'badinput'.repeat(40), email: 'a@b.co' }), 422, { field: 'name' });
  expectProblem(await lead(admin, { name: 'badinput', email: 'a@b.co', company_size: 7 }), 422, { field: 'company_size' });
  expectProblem(await lead(admin, { name: 'badinput', email: 'a@b.co', status: 'assigned' }), 422, { field: 'status' });
  expectProblem(await lead(admin, { name: 'badinput', email: 'a@b.co', intake: 'form' }), 422, { field: 'intake' });
  expectProblem(await lead(admin, { name: 'badinput', email: 'a@b.co', owner_id: 99999 }), 422, { field: 'owner_id' });
  expectProblem(await lead(admin, '{"name":"badinput",'), 400);
  expectProblem(await lead(admin, '[1,2]'), 400);
  expectProblem(await srv.anon().post('/api/v1/leads', { name: 'badinput', email: 'a@b.co' }), 401);
  assert.equal(await count(), n);
  expectProblem(await admin.get('/api/v1/leads?shoe=1'), 400, { field: 'shoe' });
  expectProblem(await admin.get('/api/v1/leads/abc/assignments'), 404);
  // rules
  expectProblem(await admin.post('/api/v1/assignment-rules', { name: 'both', team_id: T.east.id, user_id: U.E1.id }), 422, { field: 'user_id' });
  expectProblem(await admin.post('/api/v1/assignment-rules', { name: 'neither', regions: 'x' }), 422, { field: 'team_id' });
  expectProblem(await admin.post('/api/v1/assignment-rules', { name: 'how', team_id: T.east.id, method: 'lottery' }), 422, { field: 'method' });
  expectProblem(await admin.post('/api/v1/assignment-rules', { name: 'ghost', team_id: 99999 }), 422, { field: 'team_id' });
  expectProblem(await admin.post('/api/v1/assignment-rules', { name: 'far', team_id: T.east.id, position: 1e9 }), 422, { field: 'position' });
  const r = await rule({ name: 'patched', regions: 'Patch Land', team_id: T.east.id });
  expectProblem(await admin.patch(`/api/v1/assignment-rules/${r.id}`, { user_id: U.E1.id }), 422, { field: 'user_id' });
  const switched = await ok(await admin.patch(`/api/v1/assignment-rules/${r.id}`, { user_id: U.E1.id, team_id: null }), 200);
  assert.deepEqual([switched.user_id, switched.team_id], [U.E1.id, null]);
  assert.ok(r.position > 0, 'a rule made without a position goes last');
  await ok(await admin.del(`/api/v1/assignment-rules/${r.id}`), 204);
  assert.ok(fieldNames(await admin.post('/api/v1/lead-forms', {})).includes('name'));
});

test('the API document describes the lead records (shared ones such as users and activities are checked by openapi.test.mjs)', async () => {
  const made = await admin.post('/api/v1/leads', { name: 'Doc', email: 'doc@doc.example', region: 'Doc Land' });
  conforms(made, '/api/v1/leads', 'post');
  conforms(await admin.get('/api/v1/leads?limit=5'), '/api/v1/leads', 'get');
  conforms(await admin.get(`/api/v1/leads/${made.body.id}`), '/api/v1/leads/{id}', 'get');
  conforms(await admin.post('/api/v1/leads', { name: 'Doc' }), '/api/v1/leads', 'post');
  conforms(await admin.get('/api/v1/lead-forms'), '/api/v1/lead-forms', 'get');
  conforms(await admin.get('/api/v1/assignment-rules'), '/api/v1/assignment-rules', 'get');
});
