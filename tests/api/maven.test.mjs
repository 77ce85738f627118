// maven.test.mjs: the importer on real data. scripts/load-maven-crm loads the
// Maven Analytics sample CRM (../shared/datasets/maven-crm: 35 agents, 85
// accounts, 7 products, 8,800 deals with M/D/YYYY dates, "GTXPro" for the
// product list's "GTX Pro", a misspelt sector) into a fresh database, and the
// figures a sales manager would look at are checked through the API against
// figures computed here, independently, from the CSV files themselves: each
// deal as it was in the file, win rate and won amount per agent, and the
// average days from engagement to close.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { startServer, ROOT, ADMIN_EMAIL } from './lib.mjs';
import { listAll } from './lists.mjs';

const DATA = path.resolve(ROOT, '..', 'shared', 'datasets', 'maven-crm');
const DAY = 86400000;
const have = fs.existsSync(path.join(DATA, 'sales_pipeline.csv'));
let srv, admin, load;

// RFC 4180, small: quoted fields with doubled quotes, CRLF or LF.
function parseCsv(text) {
  const rows = [];
  let row = [], field = '', quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') { field += '"'; i++; } else if (ch === '"') quoted = false; else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') { row.push(field); field = ''; }
    else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(field); rows.push(row); row = []; field = '';
    } else field += ch;
  }
  if (field || row.length) { row.push(field); rows.push(row); }
  const [head, ...body] = rows.filter((r) => r.length > 1 || r[0]);
  return body.map((r) => Object.fromEntries(head.map((h, k) => [h, r[k] ?? ''])));
}
const read = (f) => parseCsv(fs.readFileSync(path.join(DATA, f), 'utf8'));

// M/D/YYYY as a UTC day number
function day(mdy) {
  const [m, d, y] = mdy.split('/').map(Number);
  return Date.UTC(y, m - 1, d) / DAY;
}


const loader = () => spawnSync(path.join(ROOT, 'scripts', 'load-maven-crm'), ['--db', srv.db, '--as', ADMIN_EMAIL, '--data', DATA],
  { encoding: 'utf8', env: { ...process.env, CYLINDER_ACCESS_LOG: '0' } });

before(async () => {
  if (!have) return;
  srv = await startServer();
  admin = srv.admin;
  load = loader();
});
after(async () => { await srv?.stop(); });

test('load-maven-crm loads every record and says what it did with the quirks', { skip: !have && 'no dataset' }, async () => {
  assert.equal(load.status, 0, load.stdout + load.stderr);
  assert.match(load.stdout, /opportunities from .*: 8800 rows, 8800 imported, 0 with problems/);
  assert.match(load.stdout, /product: 'GTXPro' read as 'GTX Pro' in 1480 rows/);
  assert.match(load.stdout, /industry: 'technolgy' read as 'technology' in 12 rows/);
  assert.match(load.stdout, /not read: year_established, revenue/);
  const teams = read('sales_teams.csv'), accounts = read('accounts.csv'), products = read('products.csv');
  const users = await listAll(admin, '/api/v1/users');
  const agents = users.filter((u) => u.role === 'rep'), managers = users.filter((u) => u.role === 'manager');
  assert.deepEqual(agents.map((u) => u.name).sort(), teams.map((t) => t.sales_agent).sort());
  assert.deepEqual(managers.map((u) => u.name).sort(), [...new Set(teams.map((t) => t.manager))].sort());
  // each agent is in their manager's team, which is managed by the manager and sits under the office
  const teamRows = await listAll(admin, '/api/v1/teams');
  const byId = Object.fromEntries(teamRows.map((t) => [t.id, t]));
  for (const t of teams) {
    const a = agents.find((u) => u.name === t.sales_agent);
    const team = byId[a.team_id];
    assert.equal(team.manager_name, t.manager, t.sales_agent);
    assert.equal(byId[team.parent_id].name, t.regional_office, t.sales_agent);
  }
  const acc = await listAll(admin, '/api/v1/accounts');
  assert.equal(acc.length, 85);
  const byName = Object.fromEntries(acc.map((a) => [a.name, a]));
  for (const a of accounts) {
    const got = byName[a.account];
    assert.equal(got.industry, a.sector === 'technolgy' ? 'technology' : a.sector, a.account);
    assert.equal(got.region, a.office_location);
    assert.equal(got.size, a.employees);
    assert.equal(got.parent_name, a.subsidiary_of || null, a.account);
  }
  const prods = await listAll(admin, '/api/v1/products');
  assert.deepEqual(prods.map((p) => [p.name, p.list_price, p.currency]).sort(),
    products.map((p) => [p.product, Number(p.sales_price) * 100, 'USD']).sort());
  // a second run is refused before it writes anything
  const again = loader();
  assert.equal(again.status, 1);
  assert.match(again.stderr, /already has the maven-crm teams.*nothing was imported/);
  assert.equal((await listAll(admin, '/api/v1/teams')).length, teamRows.length);
});

test('every deal is in as it was in the file: owner, account, stage, dates, amount, product', { skip: !have && 'no dataset' }, async () => {
  const pipeline = read('sales_pipeline.csv'), products = read('products.csv');
  const price = Object.fromEntries(products.map((p) => [p.product, Number(p.sales_price) * 100]));
  const deals = Object.fromEntries((await listAll(admin, '/api/v1/opportunities')).map((d) => [d.name, d]));
  assert.equal(Object.keys(deals).length, pipeline.length);
  const stage = { Prospecting: 'Lead', Engaging: 'Qualified', Won: 'Won', Lost: 'Lost' };
  const today = Math.floor(Date.now() / DAY);
  for (const p of pipeline) {
    const d = deals[p.opportunity_id];
    const what = `${p.opportunity_id}: ${JSON.stringify(d)}`;
    assert.equal(d.owner_name, p.sales_agent, what);
    assert.equal(d.account_name, p.account || null, what);
    assert.equal(d.stage_name, stage[p.deal_stage], what);
    assert.equal(d.currency, 'USD');
    const created = Math.floor(Date.parse(d.created_at) / DAY);
    assert.ok(p.engage_date ? created === day(p.engage_date) : Math.abs(created - today) <= 1, what);
    if (p.close_date) {
      assert.equal(Math.floor(Date.parse(d.closed_at) / DAY), day(p.close_date), what);
      assert.equal(Date.parse(d.close_date + 'T00:00:00Z') / DAY, day(p.close_date), what);
      assert.equal(d.amount, Number(p.close_value) * 100, what);
    } else {
      assert.equal(d.closed_at, null, what);
      assert.equal(d.amount, price[p.product === 'GTXPro' ? 'GTX Pro' : p.product], `an open deal is worth its product's list price: ${what}`);
    }
  }
  // one deal in full: its history and its line item
  const w = pipeline.find((p) => p.product === 'GTXPro' && p.deal_stage === 'Won');
  const id = deals[w.opportunity_id].id;
  const hist = (await admin.get(`/api/v1/opportunities/${id}/history`)).body.items;
  assert.deepEqual(hist.map((h) => [h.from_stage, h.to_stage, Math.floor(Date.parse(h.changed_at) / DAY)]),
    [[null, 'Lead', day(w.engage_date)], ['Lead', 'Won', day(w.close_date)]]);
  const items = (await admin.get(`/api/v1/opportunities/${id}/line-items`)).body.items;
  assert.deepEqual(items.map((i) => [i.product_name, i.quantity, i.total]), [['GTX Pro', 1, Number(w.close_value) * 100]]);
});

test('win rate, won amount per agent and days to close match the CSV', { skip: !have && 'no dataset' }, async () => {
  // from the file
  const want = {};
  let closedDays = 0, closed = 0, wonDays = 0, won = 0;
  for (const p of read('sales_pipeline.csv')) {
    const a = (want[p.sales_agent] ??= { won: 0, lost: 0, amount: 0, days: 0 });
    if (p.deal_stage === 'Won') { a.won++; a.amount += Number(p.close_value) * 100; }
    if (p.deal_stage === 'Lost') a.lost++;
    if (p.deal_stage === 'Won' || p.deal_stage === 'Lost') {
      const days = day(p.close_date) - day(p.engage_date);
      a.days += days; closedDays += days; closed++;
      if (p.deal_stage === 'Won') { wonDays += days; won++; }
    }
  }
  assert.equal(Object.keys(want).length, 30, 'agents with deals in the file');   // five agents have none
  // through the API's lists: the won and the lost deals, agent by agent
  const users = Object.fromEntries((await listAll(admin, '/api/v1/users?role=rep')).map((u) => [u.name, u.id]));
  const P = (await admin.get('/api/v1/stages?limit=200')).body.items;
  const wonStage = P.find((s) => s.name === 'Won').id, lostStage = P.find((s) => s.name === 'Lost').id;
  let apiClosedDays = 0, apiClosed = 0, apiWonDays = 0;
  for (const [agent, w] of Object.entries(want)) {
    const wonDeals = await listAll(admin, `/api/v1/opportunities?owner_id=${users[agent]}&stage_id=${wonStage}`);
    const lostDeals = await listAll(admin, `/api/v1/opportunities?owner_id=${users[agent]}&stage_id=${lostStage}`);
    const rate = wonDeals.length / (wonDeals.length + lostDeals.length);
    assert.equal(rate, w.won / (w.won + w.lost), `${agent}: win rate`);
    assert.equal(wonDeals.reduce((s, d) => s + d.amount, 0), w.amount, `${agent}: won amount in cents`);
    for (const d of [...wonDeals, ...lostDeals]) {
      const days = (Date.parse(d.closed_at) - Date.parse(d.created_at)) / DAY;
      assert.ok(Number.isInteger(days), 'dates become noon UTC, so days between them are whole');
      apiClosedDays += days; apiClosed++;
      if (d.stage_id === wonStage) apiWonDays += days;
    }
  }
  assert.equal(apiClosed, closed);
  assert.equal(apiClosedDays / apiClosed, closedDays / closed, 'average days from engagement to close');
  assert.equal(apiWonDays / won, wonDays / won, 'average days to win');
  // the figures as the analytics report them, when that report is there
  const reps = await admin.get('/api/v1/analytics/reps?from=2016-01-01&to=2017-12-31&currency=USD');
  if (reps.status === 404) return;
  assert.equal(reps.status, 200, reps.text);
  for (const [agent, w] of Object.entries(want)) {
    const row = reps.body.items.find((r) => r.name === agent);
    assert.ok(row, `${agent} in the reps report`);
    assert.deepEqual([row.won, row.lost, row.won_amount], [w.won, w.lost, w.amount], agent);
    assert.deepEqual([row.win_rate.numerator, row.win_rate.denominator], [w.won, w.won + w.lost], agent);
    assert.ok(Math.abs(row.win_rate.rate - w.won / (w.won + w.lost)) < 0.00005 + 1e-12, `${agent}: ${row.win_rate.rate}`);
    assert.ok(Math.abs(row.average_days_to_close - w.days / (w.won + w.lost)) < 0.005 + 1e-12, `${agent}: ${row.average_days_to_close}`);
  }
});
