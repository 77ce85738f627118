// analytics.test.mjs: pipeline analytics against a hand-worked example.
//
// Thirty-one deals with known histories are made through the API (deals,
// line items, activities, quotas) and their stage histories are then written
// directly with known timestamps ("direct stage moves"), because a stage move
// through the API happens now and analytics look back. Every expected number
// below is worked out by hand in the comments, for the team and per rep.
// Then: a chosen rep (owner_id: every figure is theirs but the team's named in
// scope.team_figures, and each equals the deals listed behind it), visibility
// (a rep sees their own figures and the team's totals only; scope.partial),
// bad input, quotas, and exactness after writes against the SQL truth
// (several server processes on one PostgreSQL database as well). A second,
// small company on its own server covers deals without a lead source, a second
// pipeline, a team-mate without deals and quotas that reach beyond the period.
// Runs on SQLite, or on PostgreSQL when CYLINDER_TEST_PG_URL is set.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, expectProblem, defaultPipeline, sql } from './lib.mjs';
import { conforms } from './doc.mjs';

// ---- the calendar of the example ----
// P is the previous calendar quarter [P0, P1); every event happens at 12:00
// UTC on day P0 + k, so every duration is a whole number of days.
const DAY = 86400000;
const now = new Date();
const qStart = (y, m) => Date.UTC(y, m - (m % 3), 1) / DAY;            // day number of a quarter's first day
const P1 = qStart(now.getUTCFullYear(), now.getUTCMonth());
const P0 = qStart(new Date((P1 - 1) * DAY).getUTCFullYear(), new Date((P1 - 1) * DAY).getUTCMonth());
const at = (k) => (P0 + k) * DAY + 12 * 3600000;                         // ms of day P0+k at noon
const date = (day) => new Date(day * DAY).toISOString().slice(0, 10);
const FROM = date(P0), TO = date(P1 - 1);
const PERIOD = `from=${FROM}&to=${TO}`;
// the ISO week W0 holding day P0+21 (inside P), and its Monday
const monday = (day) => day - ((new Date(day * DAY).getUTCDay() + 6) % 7);
const W0 = monday(P0 + 21);
function isoWeek(mon) {
  const thu = new Date((mon + 3) * DAY);
  const jan1 = Date.UTC(thu.getUTCFullYear(), 0, 1) / DAY;
  return `${thu.getUTCFullYear()}-W${String(Math.floor((mon + 3 - jan1) / 7) + 1).padStart(2, '0')}`;
}

// ---- SQL beside the server, for direct stage moves and the SQL truth ----
const rows = (srv, text) => sql(srv.db, text).split('\n').filter(Boolean).map((l) => l.split('|'));

// Make the deals of plan (name -> [owner, amount, currency, source, history, close day]; a stage in
// the history is a name in the default pipeline or a stage record of another) through the API, let
// more() add to them (line items etc.; into `into`, by name), then write each deal's stage history,
// stage and dates directly ("direct stage moves"). Give it a server that has not answered an
// analytics request yet: the snapshot would not see rows changed behind the application's back.
async function makeDeals(s, plan, more = async () => {}, into = {}) {
  const named = (await defaultPipeline(s.admin)).stages;
  const stageOf = (x) => (typeof x === 'string' ? named[x] : x);
  for (const [name, [owner, amount, currency, source, hist, close]] of Object.entries(plan)) {
    const first = stageOf(hist[0][0]);
    const body = { name, owner_id: owner.id, amount, currency, pipeline_id: first.pipeline_id, stage_id: first.id,
                   ...(source ? { source } : {}), ...(close ? { close_date: date(close) } : {}) };
    const r = await s.admin.post('/api/v1/opportunities', body);
    assert.equal(r.status, 201, r.text);
    into[name] = r.body;
  }
  await more();
  const stmts = [];
  for (const [name, [, amount, currency, , hist]] of Object.entries(plan)) {
    const id = into[name].id;
    const last = hist[hist.length - 1];
    const st = stageOf(last[0]);
    const closed = st.kind === 'open' ? 'NULL' : at(last[1]);
    stmts.push(`DELETE FROM stage_history WHERE opportunity_id = ${id}`);
    hist.forEach(([stage, k, close], i) => stmts.push(
      `INSERT INTO stage_history (opportunity_id, from_stage_id, to_stage_id, changed_at, changed_by, amount, currency, close_date, probability) ` +
      `VALUES (${id}, ${i ? stageOf(hist[i - 1][0]).id : 'NULL'}, ${stageOf(stage).id}, ${at(k)}, ${s.admin.me.id}, ${amount}, '${currency}', ` +
      `${close ? `'${date(close)}'` : 'NULL'}, ${stageOf(stage).probability})`));
    stmts.push(`UPDATE opportunities SET stage_id = ${st.id}, created_at = ${at(hist[0][1])}, stage_entered_at = ${at(last[1])}, ` +
      `closed_at = ${closed}, lost_reason = ${st.kind === 'lost' ? "'price'" : 'NULL'} WHERE id = ${id}`);
  }
  sql(s.db, stmts.join(';\n') + ';');
  return into;
}

let srv, admin, P, S, T1, T2, mgr, rep, repB, repC;
const u = {};       // users
const deal = {};    // name -> record
const prod = {};

// get a report; on success check it against the fragment
async function report(client, name, query = '') {
  const r = await client.get(`/api/v1/analytics/${name}?${PERIOD}${query ? '&' + query : ''}`);
  assert.equal(r.status, 200, r.text);
  conforms(r, `/api/v1/analytics/${name}`);
  return r.body;
}
const rate = (x) => [x.numerator, x.denominator, x.rate];
const repRow = (body, user) => body.reps.find((x) => x.user_id === user.id);
const byStage = (list, st) => list.find((x) => (x.stage_id ?? x.from_stage_id) === st.id);

before(async () => {
  srv = await startServer();
  admin = srv.admin;
  P = await defaultPipeline(admin);
  S = P.stages;
  // Team T1: manager M, reps A and B. Team T2: manager M2, reps C and D.
  u.M = await srv.addUser({ email: 'an-m@test.local', name: 'M Manager', role: 'manager' });
  u.M2 = await srv.addUser({ email: 'an-m2@test.local', name: 'M2 Manager', role: 'manager' });
  T1 = (await admin.post('/api/v1/teams', { name: 'T1', manager_id: u.M.id })).body;
  T2 = (await admin.post('/api/v1/teams', { name: 'T2', manager_id: u.M2.id })).body;
  u.A = await srv.addUser({ email: 'an-a@test.local', name: 'A Rep', role: 'rep', team_id: T1.id });
  u.B = await srv.addUser({ email: 'an-b@test.local', name: 'B Rep', role: 'rep', team_id: T1.id });
  u.C = await srv.addUser({ email: 'an-c@test.local', name: 'C Rep', role: 'rep', team_id: T2.id });
  u.D = await srv.addUser({ email: 'an-d@test.local', name: 'D Rep', role: 'rep', team_id: T2.id });
  mgr = await srv.login(u.M.email, u.M.password);
  rep = await srv.login(u.A.email, u.A.password);
  repB = await srv.login(u.B.email, u.B.password);
  repC = await srv.login(u.C.email, u.C.password);
  for (const [k, price] of [['X', 100000], ['Y', 100000]])
    prod[k] = (await admin.post('/api/v1/products', { name: `Product ${k}`, sku: `AN-${k}`, list_price: price, currency: 'CNY' })).body;

  // The deals. history: [stage, day k] oldest first; the last entry is the current stage.
  //   A1 A 100000 web      L@1 Q@5 D@10 Won@20                 product X (line item)
  //   A2 A  50000 web      L@2 Q@6 Lost@12
  //   A3 A 200000 event    L@3 D@8 P@15 (open)                  close_date P0+60 (in P)
  //   A4 A  30000 -        L@4 (open), forecast category commit, close_date P0+100 (after P)
  //   A5 A  40000 web      L@-10 D@-5 Lost@40                  the Demo row's close_date P0+200
  //   B1 B 300000 event    L@1 Q@3 D@7 P@9 N@11 Won@31         products X 200000 + Y 100000
  //   B2 B  10000 web      L@2 Lost@4
  //   B3 B  80000 USD web  L@5 Q@10 (open)                      close_date P0+50
  //   B4 B  60000 referral L@-30 Q@-20 Won@2                    product Y; the Qualified row's close_date P0+2
  //   C1 C 500000 event    L@1 Won@10
  //   C2 C  20000 web      L@2 (open)
  //   D01..D20 D 1000 cold L@-60 Lost@-40
  const plan = {
    A1: [u.A, 100000, 'CNY', 'web', [['Lead', 1], ['Qualified', 5], ['Demo', 10], ['Won', 20]]],
    A2: [u.A, 50000, 'CNY', 'web', [['Lead', 2], ['Qualified', 6], ['Lost', 12]]],
    A3: [u.A, 200000, 'CNY', 'event', [['Lead', 3], ['Demo', 8], ['Proposal', 15]], P0 + 60],
    A4: [u.A, 30000, 'CNY', null, [['Lead', 4]], P0 + 100],
    A5: [u.A, 40000, 'CNY', 'web', [['Lead', -10], ['Demo', -5, P0 + 200], ['Lost', 40]]],
    B1: [u.B, 300000, 'CNY', 'event', [['Lead', 1], ['Qualified', 3], ['Demo', 7], ['Proposal', 9], ['Negotiation', 11], ['Won', 31]]],
    B2: [u.B, 10000, 'CNY', 'web', [['Lead', 2], ['Lost', 4]]],
    B3: [u.B, 80000, 'USD', 'web', [['Lead', 5], ['Qualified', 10]], P0 + 50],
    B4: [u.B, 60000, 'CNY', 'referral', [['Lead', -30], ['Qualified', -20, P0 + 2], ['Won', 2]]],
    C1: [u.C, 500000, 'CNY', 'event', [['Lead', 1], ['Won', 10]]],
    C2: [u.C, 20000, 'CNY', 'web', [['Lead', 2]]],
  };
  for (let i = 1; i <= 20; i++) plan[`D${String(i).padStart(2, '0')}`] = [u.D, 1000, 'CNY', 'cold', [['Lead', -60], ['Lost', -40]]];
  await makeDeals(srv, plan, async () => {
    await admin.patch(`/api/v1/opportunities/${deal.A4.id}`, { forecast_category: 'commit' });
    const item = async (d, p, price) => assert.equal((await admin.post(`/api/v1/opportunities/${d.id}/line-items`, { product_id: p.id, quantity: 1, unit_price: price })).status, 201);
    await item(deal.A1, prod.X, 100000);
    await item(deal.B1, prod.X, 200000);
    await item(deal.B1, prod.Y, 100000);
    await item(deal.B4, prod.Y, 60000);
  }, deal);

  // Quotas: T1 1,000,000 and A 400,000 for P (CNY); B none.
  assert.equal((await admin.post('/api/v1/quotas', { team_id: T1.id, period_start: FROM, period_end: TO, amount: 1000000, currency: 'CNY' })).status, 201);
  const qa = await mgr.post('/api/v1/quotas', { user_id: u.A.id, period_start: FROM, period_end: TO, amount: 400000, currency: 'CNY' });
  assert.equal(qa.status, 201, qa.text);

  // Activities. Accounts X1, X2 owned by the admin (shared with nobody: the figures go by the activity's owner).
  const X1 = (await admin.post('/api/v1/accounts', { name: 'Account X1' })).body;
  const X2 = (await admin.post('/api/v1/accounts', { name: 'Account X2' })).body;
  const act = (owner, kind, day, hour, account, extra = {}) =>
    admin.post('/api/v1/activities', { kind, subject: `${kind} ${day}`, owner_id: owner.id, account_id: account.id,
                                      done_at: new Date(day * DAY + hour * 3600000).toISOString(), ...extra });
  const made = [];
  // A: 4 calls in each of the 8 weeks before W0 (Wednesdays), 1 call in W0, 2 meetings with X1 in W0 (Mon, Tue)
  for (let w = 1; w <= 8; w++) for (let i = 0; i < 4; i++) made.push(act(u.A, 'call', W0 - 7 * w + 2, 9 + i, X1));
  made.push(act(u.A, 'call', W0 + 1, 10, X1));
  made.push(act(u.A, 'meeting', W0, 10, X1));
  made.push(act(u.A, 'meeting', W0 + 1, 15, X1));
  // B in W0: 2 calls, 3 emails, a meeting with X1 on Wednesday (a follow-up: A met X1 first) and one with X2 (a first)
  made.push(act(u.B, 'call', W0 + 2, 9, X2), act(u.B, 'call', W0 + 3, 9, X2));
  for (let i = 0; i < 3; i++) made.push(act(u.B, 'email', W0 + 4, 9 + i, X2));
  made.push(act(u.B, 'meeting', W0 + 2, 14, X1), act(u.B, 'meeting', W0 + 3, 14, X2));
  // not counted: a task, a call not yet held, a deleted call
  made.push(act(u.B, 'task', W0 + 2, 9, X2), act(u.B, 'call', W0 + 2, 9, X2, { done_at: null }));
  const res = await Promise.all(made);
  for (const r of res) assert.equal(r.status, 201, r.text);
  const gone = await act(u.B, 'call', W0 + 2, 11, X2);
  assert.equal((await admin.del(`/api/v1/activities/${gone.body.id}`)).status, 204);
});
after(async () => { await srv?.stop(); });

test('conversion and win rate, for the team and each rep, with the stage-to-stage steps', async () => {
  const r = await report(mgr, 'conversion');   // the manager of T1: the team is A and B
  assert.deepEqual(r.period, { from: FROM, to: TO });
  assert.equal(r.currency, 'CNY');             // 9 of T1's deals are in CNY, 1 in USD
  // cohort: created in P: A1 A2 A3 A4 B1 B2 B3 = 7 (A5, B4 were created before P); won by now: A1, B1
  assert.deepEqual(rate(r.team.conversion), [2, 7, 0.2857]);
  assert.equal(r.team.created_won_amount, 400000);
  // closed in P: won A1 B1 B4, lost A2 A5 B2 -> 3 of 6
  assert.deepEqual(rate(r.team.win_rate), [3, 6, 0.5]);
  // reached, by the highest stage entered (won passes all): A1 won, A2 Q, A3 P (skipped Q counts), A4 L, B1 won, B2 L, B3 Q
  //   Lead 7, Qualified 5, Demo 3 (A1 A3 B1), Proposal 3 (A1 A3 B1), Negotiation 2 (A1 B1), won 2
  const steps = r.team.stages[0].steps;
  assert.deepEqual(steps.map((s) => [s.from, s.to, s.numerator, s.denominator, s.rate]), [
    ['Lead', 'Qualified', 5, 7, 0.7143], ['Qualified', 'Demo', 3, 5, 0.6], ['Demo', 'Proposal', 3, 3, 1],
    ['Proposal', 'Negotiation', 2, 3, 0.6667], ['Negotiation', 'Won', 2, 2, 1]]);
  assert.deepEqual(r.reps.map((x) => x.name), ['A Rep', 'B Rep']);
  const a = repRow(r, u.A), b = repRow(r, u.B);
  // A: cohort A1..A4, won A1: 1/4, 100 x (1/4 - 2/7) = -3.5714 pp; closed A1 won, A2 A5 lost: 1/3, 100 x (1/3 - 1/2) = -16.67 pp
  assert.deepEqual([...rate(a.conversion), a.conversion.diff_pp], [1, 4, 0.25, -3.57]);
  assert.deepEqual([...rate(a.win_rate), a.win_rate.diff_pp], [1, 3, 0.3333, -16.67]);
  // A reached: L4 Q3 D2 P2 N1 won1 -> 3/4 (+3.57: 100 x (3/4 - 5/7) = 3.5714), 2/3 (+6.67), 2/2 (0), 1/2 (-16.67), 1/1 (0)
  assert.deepEqual(a.stages[0].steps.map((s) => [s.numerator, s.denominator, s.rate, s.diff_pp]),
    [[3, 4, 0.75, 3.57], [2, 3, 0.6667, 6.67], [2, 2, 1, 0], [1, 2, 0.5, -16.67], [1, 1, 1, 0]]);
  // B: cohort B1 B2 B3, won B1: 1/3 (+4.76); closed B1 B4 won, B2 lost: 2/3 (+16.67)
  assert.deepEqual([...rate(b.conversion), b.conversion.diff_pp], [1, 3, 0.3333, 4.76]);
  assert.deepEqual([...rate(b.win_rate), b.win_rate.diff_pp], [2, 3, 0.6667, 16.67]);
  // B reached: L3 Q2 D1 P1 N1 won1 -> 2/3 (-4.76), 1/2 (-10), 1/1 (0), 1/1 (+33.33), 1/1 (0)
  assert.deepEqual(b.stages[0].steps.map((s) => [s.numerator, s.denominator, s.diff_pp]),
    [[2, 3, -4.76], [1, 2, -10], [1, 1, 0], [1, 1, 33.33], [1, 1, 0]]);
  assert.match(r.definitions.stage_conversion, /skipped stage counts as passed/);

  // the admin sees everyone: cohort + C1 C2 = 9, won + C1 = 3; closed + C1 won = 4 of 7 (the D deals closed before P)
  const all = await report(admin, 'conversion');
  assert.deepEqual(rate(all.team.conversion), [3, 9, 0.3333]);
  assert.deepEqual(rate(all.team.win_rate), [4, 7, 0.5714]);
  assert.deepEqual(all.reps.map((x) => x.name), ['A Rep', 'B Rep', 'C Rep', 'D Rep']);
});

test('every number lists the deals behind it', async () => {
  const ids = (r) => r.body.items.map((x) => x.name).sort();
  const list = async (client, q) => {
    const r = await client.get(`/api/v1/analytics/deals?${PERIOD}&${q}`);
    assert.equal(r.status, 200, r.text);
    conforms(r, '/api/v1/analytics/deals');
    return r;
  };
  assert.deepEqual(ids(await list(mgr, 'metric=created')), ['A1', 'A2', 'A3', 'A4', 'B1', 'B2', 'B3']);
  assert.deepEqual(ids(await list(mgr, 'metric=created_won')), ['A1', 'B1']);
  assert.deepEqual(ids(await list(mgr, 'metric=won')), ['A1', 'B1', 'B4']);
  assert.deepEqual(ids(await list(mgr, 'metric=lost')), ['A2', 'A5', 'B2']);
  assert.deepEqual(ids(await list(mgr, `metric=reached&stage_id=${S.Proposal.id}`)), ['A1', 'A3', 'B1']);
  assert.deepEqual(ids(await list(mgr, `metric=reached&stage_id=${S.Qualified.id}&owner_id=${u.A.id}`)), ['A1', 'A2', 'A3']);
  const won = await list(mgr, 'metric=won&limit=2');
  assert.equal(won.body.count, 3);
  assert.equal(won.body.amount, 460000);
  assert.equal(won.body.items.length, 2);
  const rest = await list(mgr, `metric=won&limit=2&after=${won.body.next}`);
  assert.deepEqual([...won.body.items, ...rest.body.items].map((x) => x.name).sort(), ['A1', 'B1', 'B4']);
  assert.equal(rest.body.next, null);
  const b1 = won.body.items.concat(rest.body.items).find((x) => x.name === 'B1');
  assert.equal(b1.days_to_close, 30);
  assert.deepEqual(ids(await list(mgr, `metric=won&product_id=${prod.Y.id}`)), ['B1', 'B4']);
  assert.deepEqual(ids(await list(mgr, 'metric=closed&source=web')), ['A1', 'A2', 'A5', 'B2']);
});

test('the deals behind a number go out as CSV and XLSX, the same rows, for whoever may list them', async () => {
  const csv = await fetch(`${srv.url}/api/v1/analytics/deals/export.csv?${PERIOD}&metric=won`, { headers: { Cookie: mgr.cookie } });
  assert.equal(csv.status, 200);
  assert.match(csv.headers.get('content-type'), /^text\/csv/);
  assert.equal(csv.headers.get('content-disposition'), 'attachment; filename="deals.csv"');
  const lines = (await csv.text()).replace(/^\uFEFF/, '').trim().split('\r\n').map((l) => l.split(',').map((c) => c.replace(/^"|"$/g, '')));
  const head = lines[0];
  assert.deepEqual(head.slice(0, 7), ['id', 'name', 'owner_name', 'stage', 'outcome', 'amount', 'currency']);
  const col = (row, k) => row[head.indexOf(k)];
  const rows = lines.slice(1).sort((a, b) => col(a, 'name').localeCompare(col(b, 'name')));
  // the same three deals and amounts (minor units, as in the API) as the list, which sums them to 460000
  assert.deepEqual(rows.map((r) => [col(r, 'name'), col(r, 'outcome'), Number(col(r, 'amount')), col(r, 'days_to_close')]),
    [['A1', 'won', 100000, '19'], ['B1', 'won', 300000, '30'], ['B4', 'won', 60000, '32']]);
  // a forecast list carries each deal's probability and expected amount, without float noise
  const fc = await (await fetch(`${srv.url}/api/v1/analytics/deals/export.csv?${PERIOD}&metric=forecast`, { headers: { Cookie: mgr.cookie } })).text();
  assert.doesNotMatch(fc, /\d\.\d{6,}/, 'rates print as the API gives them');
  const list = (await mgr.get(`/api/v1/analytics/deals?${PERIOD}&metric=forecast&limit=200`)).body;
  assert.equal(fc.trim().split('\r\n').length - 1, list.count);
  const xlsx = await fetch(`${srv.url}/api/v1/analytics/deals/export.xlsx?${PERIOD}&metric=won&owner_id=${u.A.id}`, { headers: { Cookie: mgr.cookie } });
  assert.equal(xlsx.status, 200);
  assert.equal(xlsx.headers.get('content-type'), 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
  assert.equal(Buffer.from(await xlsx.arrayBuffer()).subarray(0, 4).toString('latin1'), 'PK\x03\x04');
  // as the list: a rep cannot export a team-mate's deals; bad parameters and paging are refused
  expectProblem(await rep.get(`/api/v1/analytics/deals/export.csv?${PERIOD}&metric=won&owner_id=${u.B.id}`), 403);
  expectProblem(await mgr.get(`/api/v1/analytics/deals/export.csv?${PERIOD}&metric=nope`), 400);
  expectProblem(await mgr.get(`/api/v1/analytics/deals/export.xlsx?${PERIOD}&metric=won&limit=2`), 400);
  expectProblem(await srv.anon().get(`/api/v1/analytics/deals/export.csv?${PERIOD}&metric=won`), 401);
});

test('the funnel: open deals per stage now, amounts in the chosen currency only', async () => {
  const r = await report(mgr, 'funnel');
  // open in T1: A4 Lead 30000, B3 Qualified (USD: counted, no amount), A3 Proposal 200000
  const st = r.pipelines[0].stages;
  assert.deepEqual(st.map((x) => [x.name, x.count, x.amount, x.count_in_currency]), [
    ['Lead', 1, 30000, 1], ['Qualified', 1, 0, 0], ['Demo', 0, 0, 0], ['Proposal', 1, 200000, 1], ['Negotiation', 0, 0, 0]]);
  assert.equal(r.pipelines[0].open_count, 3);
  assert.equal(r.pipelines[0].open_amount, 230000);
  const usd = await report(mgr, 'funnel', 'currency=USD');
  assert.deepEqual(usd.pipelines[0].stages.map((x) => x.amount), [0, 80000, 0, 0, 0]);
});

test('the forecast: default probabilities below 20 closed deals, shrinkage per rep, categories, quota', async () => {
  const r = await report(mgr, 'forecast');
  // The window (365 days to today) holds T1's closed deals A1 A2 A5 B1 B2 B4: 6 < 20, so every stage
  // uses its default probability: Lead 0.1, Qualified 0.2, Demo 0.4, Proposal 0.6, Negotiation 0.8.
  //   team sample: Lead 3 of 6 (all), Qualified 3 of 5 (not B2), Demo 3 of 4 (not A2), Proposal 3 of 3, Negotiation 3 of 3
  assert.equal(r.window.days, 365);
  assert.equal(r.window.min_sample, 20);
  assert.equal(r.window.shrinkage.k, 10);
  const lead = byStage(r.team.stages, S.Lead), prop = byStage(r.team.stages, S.Proposal);
  assert.deepEqual([...rate(lead.sample), lead.source, lead.probability], [3, 6, 0.5, 'default', 0.1]);
  assert.deepEqual([...rate(prop.sample), prop.source, prop.probability], [3, 3, 1, 'default', 0.6]);
  // A's sample: A1 won (every stage), A2 lost (Lead, Qualified), A5 lost (Lead .. Demo):
  //   Lead 1 of 3, Proposal 1 of 1.  p_A(Proposal) = (1 + 10 x 0.6) / (1 + 10) = 7/11; p_A(Lead) = (1 + 10 x 0.1) / (3 + 10) = 2/13
  // A3: 200000 x 7/11 = 127272.73 -> 127273; A4: 30000 x 2/13 = 4615.38 -> 4615; B3 is in USD: no amount
  assert.equal(r.team.expected, 127273 + 4615);
  assert.equal(r.team.open_count, 3);
  assert.equal(r.team.open_amount, 230000);
  assert.deepEqual(r.team.in_period, { expected: 127273, count: 2, amount: 200000 });   // A3 and B3 close in P, A4 after
  assert.deepEqual(r.team.categories.map((c) => [c.category, c.count, c.amount, c.in_period_count, c.in_period_amount]), [
    ['commit', 1, 30000, 0, 0], ['best_case', 0, 0, 0, 0], ['pipeline', 2, 200000, 2, 200000], ['omitted', 0, 0, 0, 0]]);
  const a = repRow(r, u.A);
  assert.equal(a.expected, 131888);
  const aProp = byStage(a.stages, S.Proposal), aLead = byStage(a.stages, S.Lead);
  assert.deepEqual([...rate(aProp.sample), aProp.team_probability, aProp.probability], [1, 1, 1, 0.6, 0.6364]);
  assert.deepEqual([...rate(aLead.sample), aLead.probability], [1, 3, 0.3333, 0.1538]);
  assert.equal(repRow(r, u.B).expected, 0);
  // won in P (CNY): A1 100000 + B1 300000 + B4 60000. No team parameter: the quota is the members' sum (A's 400000)
  assert.equal(r.team.won_in_period, 460000);
  assert.deepEqual([r.team.quota.amount, r.team.quota.basis, ...rate(r.team.quota.attainment)], [400000, 'sum of members', 460000, 400000, 1.15]);
  assert.deepEqual([a.quota.amount, ...rate(a.quota.attainment)], [400000, 100000, 400000, 0.25]);
  assert.equal(repRow(r, u.B).quota.amount, null);
  // with the team named, its own quota
  const t = await report(mgr, 'forecast', `team=${T1.id}`);
  assert.deepEqual([t.team.quota.amount, t.team.quota.basis, t.team.quota.attainment.rate], [1000000, 'team', 0.46]);

  // The admin's team is everyone: Lead's sample adds C1 (won) and D01..D20 (lost): 27 >= 20 closed, 4 won,
  // so Lead uses history: 4/27 = 0.1481; the other stages stay below 20 (Qualified: 6) and use defaults.
  //   A4: p_A(Lead) = (1 + 10 x 4/27) / (3 + 10) = 67/351 -> 30000 x 67/351 = 5726.50 -> 5726 (below half: 5726.495)
  //   C2: C's Lead sample 1 of 1: (1 + 10 x 4/27) / 11 = 67/297 -> 20000 x 67/297 = 4511.78 -> 4512
  const all = await report(admin, 'forecast');
  const allLead = byStage(all.team.stages, S.Lead);
  assert.deepEqual([...rate(allLead.sample), allLead.source, allLead.probability], [4, 27, 0.1481, 'history', 0.1481]);
  assert.equal(byStage(all.team.stages, S.Qualified).source, 'default');
  assert.equal(all.team.expected, 127273 + 5726 + 4512);
  const list = await mgr.get(`/api/v1/analytics/deals?${PERIOD}&metric=forecast`);
  assert.deepEqual([list.body.count, list.body.expected], [3, 131888]);
  assert.deepEqual(list.body.items.map((x) => [x.name, x.probability, x.expected]), [['A3', 0.6364, 127273], ['A4', 0.1538, 4615], ['B3', 0.3333, null]]);
  // B3: B's Qualified sample B1 and B4, both won: (2 + 10 x 0.2) / (2 + 10) = 1/3; it is in USD, so no expected amount
  const inp = await mgr.get(`/api/v1/analytics/deals?${PERIOD}&metric=forecast_in_period`);
  assert.deepEqual([inp.body.count, inp.body.expected], [2, 127273]);
  const sample = await mgr.get(`/api/v1/analytics/deals?${PERIOD}&metric=rate_sample&stage_id=${S.Demo.id}`);
  assert.deepEqual(sample.body.items.map((x) => x.name).sort(), ['A1', 'A5', 'B1', 'B4']);
  const commit = await mgr.get(`/api/v1/analytics/deals?${PERIOD}&metric=forecast&category=commit`);
  assert.deepEqual(commit.body.items.map((x) => x.name), ['A4']);
});

test('calibration: what the forecast said at the start of P, against what those deals won in P', async () => {
  const r = await report(mgr, 'calibration', 'periods=1&unit=quarter');
  // At P0 00:00 two of T1's deals were open: A5 in Demo (40000) and B4 in Qualified (60000). No T1 deal
  // had closed in the year before, so defaults: 0.4 and 0.2, and the reps' rates equal the team's
  // (no closed deals of their own): 16000 + 12000 = 28000. In P, B4 was won (60000), A5 lost.
  // in_period keeps B4 only: A5's close date then (its Demo row) was P0+200.
  assert.equal(r.periods.length, 1);
  const p = r.periods[0];
  assert.deepEqual([p.from, p.to, p.deals, p.won_deals, p.forecast, p.actual, p.error], [FROM, TO, 2, 1, 28000, 60000, 32000]);
  assert.deepEqual(rate(p.accuracy), [60000, 28000, 2.1429]);
  assert.deepEqual([p.in_period.deals, p.in_period.forecast, p.in_period.actual], [1, 12000, 60000]);
  const list = await mgr.get(`/api/v1/analytics/deals?${PERIOD}&metric=calibration&period_start=${FROM}&unit=quarter`);
  assert.equal(list.status, 200, list.text);
  assert.deepEqual(list.body.items.map((x) => [x.name, x.stage_then_id, x.amount_then, x.probability, x.expected, x.won_in_period]),
    [['A5', S.Demo.id, 40000, 0.4, 16000, false], ['B4', S.Qualified.id, 60000, 0.2, 12000, true]]);
  // four quarters: the earlier three hold no T1 deal open at their start but D's? D is not in T1: zeros
  const four = await report(mgr, 'calibration', 'periods=4');
  assert.deepEqual(four.periods.map((x) => x.deals), [0, 0, 0, 2]);
});

test('sales cycle of won deals: team, reps, products; velocity both ways; breakdowns; the reps list', async () => {
  // won in P: A1 19 days (1 -> 20), B1 30 days (1 -> 31), B4 32 days (-30 -> 2): 81 / 3 = 27
  const c = await report(mgr, 'cycle');
  assert.deepEqual([c.team.cycle.count, c.team.cycle.total_days, c.team.cycle.average_days], [3, 81, 27]);
  assert.deepEqual([repRow(c, u.A).cycle.average_days, repRow(c, u.B).cycle.average_days], [19, 31]);
  // per product: X on A1 and B1 (19, 30): 24.5; Y on B1 and B4 (30, 32): 31
  assert.deepEqual(c.products.map((x) => [x.name, x.cycle.count, x.cycle.average_days]), [['Product X', 2, 24.5], ['Product Y', 2, 31]]);

  const v = await report(mgr, 'velocity');
  // forecast based: weighted pipeline 131888 / 27 days = 4884.74 -> 4885 a day
  assert.deepEqual([v.forecast_based.weighted_pipeline, v.forecast_based.cycle.average_days, v.forecast_based.per_day], [131888, 27, 4885]);
  // classic: 2 open CNY deals x 3/6 x average won 460000/3 = 153333 (rounded) / 27 days = 5679
  assert.deepEqual([v.classic.open_deals, ...rate(v.classic.win_rate), v.classic.average_won_amount, v.classic.per_day], [2, 3, 6, 0.5, 153333, 5679]);

  // closed in P by source: web A1 won, A2 A5 B2 lost; event B1 won; referral B4 won
  const s = await report(mgr, 'breakdown', 'by=source');
  const src = Object.fromEntries(s.items.map((x) => [x.source, [x.won, x.lost, x.win_rate.rate, x.won_amount, x.cycle.average_days]]));
  assert.deepEqual(src, { web: [1, 3, 0.25, 100000, 19], event: [1, 0, 1, 300000, 30], referral: [1, 0, 1, 60000, 32] });
  const pr = await report(mgr, 'breakdown', 'by=product');
  assert.deepEqual(pr.items.map((x) => [x.name, x.won, x.lost, x.won_amount, x.cycle.average_days]), [['Product X', 2, 0, 400000, 24.5], ['Product Y', 2, 0, 360000, 31]]);

  // reps: A closed A1 (19 d) won, A2 (10 d), A5 (50 d) lost: 79/3 = 26.33; B closed B1 (30), B2 (2), B4 (32): 64/3 = 21.33
  const reps = await report(mgr, 'reps');
  assert.deepEqual(reps.items.map((x) => [x.name, x.won, x.lost, x.win_rate.rate, x.won_amount, x.average_days_to_close]),
    [['A Rep', 1, 2, 0.3333, 100000, 26.33], ['B Rep', 2, 1, 0.6667, 360000, 21.33]]);
});

test('activity per ISO week: first meetings, follow-ups and the early-warning rule', async () => {
  const r = await report(mgr, 'activity');
  const label = isoWeek(W0);
  const team = r.team.weeks.find((w) => w.week === label);
  // W0: calls A1 + B2 = 3, emails B 3, meetings A 2 + B 2 = 4; firsts: A with X1 (Monday), B with X2 -> 2 of 4, 2 follow-ups
  assert.deepEqual([team.calls, team.emails, team.meetings, team.first_meetings, team.follow_up_meetings, ...rate(team.first_to_follow_up)],
    [3, 3, 4, 2, 2, 2, 2, 1]);
  assert.deepEqual(team.median, { calls: 1.5, emails: 1.5, meetings: 2 });
  const a = repRow(r, u.A).weeks.find((w) => w.week === label), b = repRow(r, u.B).weeks.find((w) => w.week === label);
  assert.deepEqual([a.calls, a.emails, a.meetings, a.first_meetings, a.follow_up_meetings], [1, 0, 2, 1, 1]);
  assert.deepEqual([b.calls, b.emails, b.meetings, b.first_meetings, b.follow_up_meetings], [2, 3, 2, 1, 1]);
  // A's calls: 1 against an 8-week average of 32/8 = 4: below half (2) -> own_average; the team median 1.5, half 0.75: not below.
  // A's emails: 0; own average 0 (no warning from it); team median (A 0, B 3) 1.5, half 0.75: below -> team_median.
  assert.equal(a.complete, true);
  assert.deepEqual(a.warnings, [
    { metric: 'calls', value: 1, own_average: 4, team_median: 1.5, below: ['own_average'] },
    { metric: 'emails', value: 0, own_average: 0, team_median: 1.5, below: ['team_median'] }]);
  assert.deepEqual(b.warnings, []);
  assert.match(r.definitions.warning, /below half of the rep's own average over the 8 weeks/);
  const firsts = await mgr.get(`/api/v1/analytics/deals?${PERIOD}&metric=activities&week=${label}&kind=first_meeting`);
  assert.equal(firsts.status, 200, firsts.text);
  assert.deepEqual(firsts.body.items.map((x) => x.owner_id).sort(), [u.A.id, u.B.id].sort());
});

test('a rep sees their own figures and the team totals for comparison, never the team-mates\' deals', async () => {
  const r = await report(rep, 'conversion');
  assert.deepEqual(rate(r.team.conversion), [2, 7, 0.2857]);          // the same team figures as the manager's
  assert.deepEqual(r.reps.map((x) => x.name), ['A Rep']);               // but only A's own row
  assert.equal(r.scope.partial, true);
  const list = await rep.get(`/api/v1/analytics/deals?${PERIOD}&metric=won`);
  assert.deepEqual(list.body.items.map((x) => x.name), ['A1']);           // B1 and B4 are counted in the team figure, not listed
  expectProblem(await rep.get(`/api/v1/analytics/conversion?${PERIOD}&owner_id=${u.B.id}`), 403);
  expectProblem(await rep.get(`/api/v1/analytics/deals?${PERIOD}&metric=won&owner_id=${u.B.id}`), 403);
  expectProblem(await repC.get(`/api/v1/analytics/forecast?${PERIOD}&team=${T1.id}`), 403);
  expectProblem(await mgr.get(`/api/v1/analytics/reps?${PERIOD}&owner_id=${u.C.id}`), 403);
  expectProblem(await mgr.get(`/api/v1/analytics/reps?${PERIOD}&team=${T2.id}`), 403);
  // B's view of the team is the same; C's team is T2 (C and D)
  assert.deepEqual(rate((await report(repB, 'conversion')).team.conversion), [2, 7, 0.2857]);
  const c = await report(repC, 'conversion');
  assert.deepEqual(rate(c.team.conversion), [1, 2, 0.5]);               // C1 (won), C2; D's deals were created before P
  // a manager may look at one rep; the team is then the rep's team
  const one = await report(mgr, 'reps', `owner_id=${u.B.id}`);
  assert.deepEqual(one.items.map((x) => x.name), ['B Rep']);
  // ops sees everything, like the admin
  const ops = await srv.addUser({ email: 'an-ops@test.local', name: 'Ops', role: 'ops' });
  const opsc = await srv.login(ops.email, ops.password);
  assert.deepEqual(rate((await report(opsc, 'conversion')).team.conversion), [3, 9, 0.3333]);
});

test('bad input is a problem with a reason per field, never a crash', async () => {
  const bad = async (p, status, fields) => expectProblem(await mgr.get(p), status, { fields });
  await bad('/api/v1/analytics/conversion?from=2026-02-30', 400, ['from']);
  await bad('/api/v1/analytics/conversion?from=2026-05-01&to=2026-04-01', 400, ['from']);
  await bad('/api/v1/analytics/conversion?from=2001-01-01&to=2026-04-01', 400, ['to']);
  await bad('/api/v1/analytics/conversion?colour=red&pipeline_id=x', 400, ['colour', 'pipeline_id']);
  await bad('/api/v1/analytics/conversion?from=2026-01-01&from=2026-02-01', 400, ['from']);
  await bad('/api/v1/analytics/conversion?limit=5', 400, ['limit']);
  await bad('/api/v1/analytics/forecast?window_days=0&currency=yen', 400, ['window_days', 'currency']);
  await bad('/api/v1/analytics/calibration?periods=25&unit=year', 400, ['periods', 'unit']);
  await bad('/api/v1/analytics/breakdown?by=colour', 400, ['by']);
  await bad('/api/v1/analytics/activity?window_days=30', 400, ['window_days']);
  await bad('/api/v1/analytics/deals', 400, ['metric']);
  await bad('/api/v1/analytics/deals?metric=everything', 400, ['metric']);
  await bad('/api/v1/analytics/deals?metric=reached', 400, ['stage_id']);
  await bad('/api/v1/analytics/deals?metric=calibration&period_start=2026-01-15', 400, ['period_start']);
  await bad('/api/v1/analytics/deals?metric=activities&week=2026-W60', 400, ['week']);
  await bad('/api/v1/analytics/deals?metric=won&limit=500&after=abc', 400, ['limit', 'after']);
  await bad('/api/v1/analytics/conversion?team=99999999', 422, ['team']);
  await bad('/api/v1/analytics/conversion?owner_id=99999999', 422, ['owner_id']);
  await bad('/api/v1/analytics/conversion?pipeline_id=99999999', 422, ['pipeline_id']);
  await bad(`/api/v1/analytics/deals?metric=open&stage_id=99999999`, 422, ['stage_id']);
  expectProblem(await mgr.get('/api/v1/analytics/everything'), 404);
  expectProblem(await srv.anon().get('/api/v1/analytics/conversion'), 401);
  const weird = await mgr.get('/api/v1/analytics/conversion?%FF%FE=%00&from=' + encodeURIComponent('2026-01-01\u0000'));
  assert.equal(weird.status, 400, weird.text);
  conforms(weird, '/api/v1/analytics/conversion');
  assert.equal((await mgr.get(`/api/v1/analytics/conversion?${PERIOD}`)).status, 200, 'the server is still up');
});

test('quotas: set by admins and managers for their people, read by whoever sees those figures', async () => {
  const q = (client, body) => client.post('/api/v1/quotas', body);
  const base = { period_start: FROM, period_end: TO, amount: 5000, currency: 'CNY' };
  expectProblem(await q(rep, { ...base, user_id: u.A.id }), 403);                 // a rep does not set quotas
  expectProblem(await q(mgr, { ...base, user_id: u.C.id }), 403);                 // nor a manager outside their team
  expectProblem(await q(mgr, { ...base, user_id: u.M.id }), 403);                 // nor their own
  expectProblem(await q(mgr, { ...base, team_id: T2.id }), 403);
  expectProblem(await q(admin, { ...base, user_id: u.A.id, team_id: T1.id }), 422, { field: 'team_id' });
  expectProblem(await q(admin, { ...base }), 422, { field: 'user_id' });
  expectProblem(await q(admin, { ...base, user_id: u.A.id, period_end: date(P0 - 1) }), 422, { field: 'period_end' });
  expectProblem(await q(admin, { ...base, user_id: u.A.id, currency: 'cny', amount: -1, colour: 1 }), 422, { fields: ['currency', 'amount', 'colour'] });
  expectProblem(await q(admin, { ...base, user_id: 99999999 }), 422, { field: 'user_id' });
  const made = await q(mgr, { ...base, user_id: u.B.id });
  assert.equal(made.status, 201, made.text);
  conforms(made, '/api/v1/quotas', 'post');
  assert.equal(made.headers.get('location'), `/api/v1/quotas/${made.body.id}`);
  assert.equal((await repB.get(`/api/v1/quotas/${made.body.id}`)).status, 200);       // B sees their own
  expectProblem(await rep.get(`/api/v1/quotas/${made.body.id}`), 404);               // A does not see B's
  const mine = await rep.get('/api/v1/quotas');
  assert.deepEqual(mine.body.items.map((x) => [x.user_id, x.team_id]).sort(), [[null, T1.id], [u.A.id, null]].sort());   // A's own and T1's
  const stale = await mgr.patch(`/api/v1/quotas/${made.body.id}`, { amount: 6000 }, { headers: { 'If-Match': '"7"' } });
  expectProblem(stale, 412);
  const upd = await mgr.patch(`/api/v1/quotas/${made.body.id}`, { amount: 6000 }, { headers: { 'If-Match': '"1"' } });
  assert.equal(upd.status, 200, upd.text);
  assert.equal(upd.body.amount, 6000);
  expectProblem(await mgr.patch(`/api/v1/quotas/${made.body.id}`, { user_id: u.C.id }), 403);
  const audit = sql(srv.db, `SELECT field || ':' || COALESCE(old_value, '') || '>' || COALESCE(new_value, '') FROM audit_log WHERE entity = 'quotas' AND record_id = ${made.body.id} AND action = 'update'`);
  assert.equal(audit, 'amount:5000>6000');
  const listed = await mgr.get(`/api/v1/quotas?user_id=${u.B.id}&from=${FROM}`);
  assert.deepEqual(listed.body.items.map((x) => x.amount), [6000]);
  expectProblem(await mgr.get('/api/v1/quotas?colour=red'), 400, { field: 'colour' });
  assert.equal((await mgr.del(`/api/v1/quotas/${made.body.id}`)).status, 204);
  expectProblem(await mgr.get(`/api/v1/quotas/${made.body.id}`), 404);
});

// ---- a chosen rep: every figure is theirs, and equals the deals listed behind it ----

// The deals (or activities) behind a figure, every page's worth (limit 200 covers this example).
async function listed(client, query) {
  const r = await client.get(`/api/v1/analytics/deals?${PERIOD}&limit=200&${query}`);
  assert.equal(r.status, 200, r.text);
  conforms(r, '/api/v1/analytics/deals');
  assert.equal(r.body.next, null);
  return r.body;
}
const sum = (xs, f) => xs.reduce((n, x) => n + f(x), 0);

// Every report's figures for `who` (a rep: their figures; null: the team's) against /analytics/deals with the
// same parameters: the count and amount of each figure are those of the deals listed behind it. For a caller
// who may list every deal counted (scope.partial false), this is the product's promise.
async function figuresAgree(client, who) {
  const o = who ? `owner_id=${who.id}` : '';
  const q = (extra) => [o, extra].filter(Boolean).join('&');
  const deals = (extra) => listed(client, q(extra));
  const subject = (body) => (who ? repRow(body, who) : body.team);
  const msg = (what) => `${what} (${who ? who.name : 'team'})`;

  const fun = await report(client, 'funnel', o);
  for (const p of fun.pipelines) {
    for (const s of p.stages) {
      const l = await deals(`metric=open&stage_id=${s.stage_id}`);
      assert.deepEqual([l.count, l.amount], [s.count, s.amount], msg(`funnel ${s.name}`));
      assert.equal(l.items.filter((x) => x.currency === fun.currency).length, s.count_in_currency, msg(`funnel ${s.name} in currency`));
    }
    const l = await deals(`metric=open&pipeline_id=${p.pipeline_id}`);
    assert.deepEqual([l.count, l.amount], [p.open_count, p.open_amount], msg('funnel pipeline'));
  }

  const conv = subject(await report(client, 'conversion', o));
  const count = async (extra) => (await deals(extra)).count;
  assert.deepEqual([await count('metric=created_won'), await count('metric=created')], [conv.conversion.numerator, conv.conversion.denominator], msg('conversion'));
  assert.equal((await deals('metric=created_won')).amount, conv.created_won_amount, msg('created_won_amount'));
  assert.deepEqual([await count('metric=won'), await count('metric=closed'), await count('metric=lost')],
    [conv.win_rate.numerator, conv.win_rate.denominator, conv.lost], msg('win rate'));
  for (const p of conv.stages) {
    for (const [i, step] of p.steps.entries()) {
      assert.equal(await count(`metric=reached&stage_id=${step.from_stage_id}`), step.denominator, msg(`reached ${step.from}`));
      assert.equal(await count(i + 1 < p.steps.length ? `metric=reached&stage_id=${step.to_stage_id}` : `metric=created_won&pipeline_id=${p.pipeline_id}`),
        step.numerator, msg(`${step.from} -> ${step.to}`));
    }
  }

  const fc = subject(await report(client, 'forecast', o));
  const all = await deals('metric=forecast'), inp = await deals('metric=forecast_in_period');
  assert.deepEqual([all.count, all.amount, all.expected], [fc.open_count, fc.open_amount, fc.expected], msg('forecast'));
  assert.deepEqual([inp.count, inp.amount, inp.expected], [fc.in_period.count, fc.in_period.amount, fc.in_period.expected], msg('forecast in period'));
  assert.equal((await deals('metric=won')).amount, fc.won_in_period, msg('won in period'));
  for (const c of fc.categories) {
    const l = await deals(`metric=open&category=${c.category}`);
    assert.deepEqual([l.count, l.amount], [c.count, c.amount], msg(`category ${c.category}`));
  }
  for (const s of fc.stages) {
    const l = await deals(`metric=forecast&stage_id=${s.stage_id}`);
    assert.deepEqual([l.count, l.amount, l.expected], [s.open_count, s.open_amount, s.expected], msg(`forecast ${s.name}`));
    const sample = await deals(`metric=rate_sample&stage_id=${s.stage_id}`);
    assert.deepEqual([sample.items.filter((x) => x.outcome === 'won').length, sample.count], [s.sample.numerator, s.sample.denominator], msg(`sample ${s.name}`));
  }

  const cal = (await report(client, 'calibration', q('periods=1&unit=quarter'))).periods[0];
  const cl = await deals(`metric=calibration&period_start=${cal.from}&unit=quarter`);
  assert.deepEqual([cl.count, cl.expected], [cal.deals, cal.forecast], msg('calibration'));
  assert.deepEqual([cl.items.filter((x) => x.won_in_period).length, sum(cl.items, (x) => (x.currency === fun.currency ? x.won_amount : 0))],
    [cal.won_deals, cal.actual], msg('calibration won'));

  const cyc = await report(client, 'cycle', o);
  const won = await deals('metric=won');
  const cycle = subject(cyc).cycle;
  assert.deepEqual([won.count, Math.round(sum(won.items, (x) => x.days_to_close) * 1e4) / 1e4], [cycle.count, cycle.total_days], msg('cycle'));
  for (const p of cyc.products) assert.equal(await count(`metric=won&product_id=${p.product_id}`), p.cycle.count, msg(`cycle ${p.name}`));

  const v = await report(client, 'velocity', o);
  assert.equal(v.forecast_based.weighted_pipeline, all.expected, msg('velocity weighted pipeline'));
  assert.deepEqual([v.forecast_based.cycle.count, v.classic.cycle.count], [cycle.count, cycle.count], msg('velocity cycle'));
  assert.deepEqual([v.classic.win_rate.numerator, v.classic.win_rate.denominator], [won.count, await count('metric=closed')], msg('velocity win rate'));
  const wonHere = won.items.filter((x) => x.currency === v.currency);
  assert.equal(v.classic.won_deals_in_currency, wonHere.length, msg('velocity won in currency'));
  assert.equal(v.classic.average_won_amount, wonHere.length ? Math.round(won.amount / wonHere.length) : 0, msg('velocity average won'));
  assert.equal(v.classic.open_deals, (await deals('metric=open')).items.filter((x) => x.currency === v.currency).length, msg('velocity open'));

  for (const by of ['source', 'product']) {
    const b = await report(client, 'breakdown', q(`by=${by}`));
    for (const it of b.items) {
      const f = new URLSearchParams(Object.entries(it.deals_filter).map(([k, x]) => [k, String(x)])).toString();
      const w = await deals(`metric=won&${f}`), l = await deals(`metric=lost&${f}`);
      assert.deepEqual([w.count, w.amount, l.count], [it.won, it.won_amount, it.lost], msg(`breakdown ${f}`));
    }
  }

  const act = await report(client, 'activity', o);
  for (const w of act.team.weeks.filter((x) => x.calls + x.emails + x.meetings)) {
    for (const [kind, key] of [['call', 'calls'], ['email', 'emails'], ['meeting', 'meetings'], ['first_meeting', 'first_meetings']])
      assert.equal(await count(`metric=activities&week=${w.week}&kind=${kind}`), w[key], msg(`activity ${w.week} ${kind}`));
  }

  const reps = await report(client, 'reps', o);
  for (const r of reps.items) {
    const w = await listed(client, `metric=won&owner_id=${r.id}`);
    assert.deepEqual([w.count, w.amount, (await listed(client, `metric=lost&owner_id=${r.id}`)).count], [r.won, r.won_amount, r.lost], msg(`reps ${r.name}`));
  }
}

test('a chosen rep: funnel, velocity, breakdowns, product cycle, calibration and team weeks are theirs', async () => {
  const a = `owner_id=${u.A.id}`, b = `owner_id=${u.B.id}`;
  // funnel: A's open deals A4 (Lead 30000) and A3 (Proposal 200000); B's only open deal is B3, in USD
  const fa = await report(mgr, 'funnel', a);
  assert.deepEqual(fa.pipelines[0].stages.map((x) => [x.name, x.count, x.amount, x.count_in_currency]), [
    ['Lead', 1, 30000, 1], ['Qualified', 0, 0, 0], ['Demo', 0, 0, 0], ['Proposal', 1, 200000, 1], ['Negotiation', 0, 0, 0]]);
  assert.deepEqual([fa.pipelines[0].open_count, fa.pipelines[0].open_amount], [2, 230000]);
  assert.deepEqual([fa.scope.partial, fa.scope.team_figures, fa.currency], [false, [], 'CNY']);   // the currency is still the team's
  const fb = await report(mgr, 'funnel', b);
  assert.deepEqual(fb.pipelines[0].stages.map((x) => [x.count, x.amount, x.count_in_currency]), [[0, 0, 0], [1, 0, 0], [0, 0, 0], [0, 0, 0], [0, 0, 0]]);

  // velocity of A: weighted pipeline 127273 + 4615 = 131888 over A's one won deal, A1, 19 days: 6941.47 -> 6941 a day;
  // classic: 2 open CNY deals x 1/3 (A1 won; A2, A5 lost) x 100000 / 19 days = 200000 / 57 = 3508.77 -> 3509
  const va = await report(mgr, 'velocity', a);
  assert.deepEqual([va.forecast_based.weighted_pipeline, va.forecast_based.cycle.count, va.forecast_based.cycle.average_days, va.forecast_based.per_day],
    [131888, 1, 19, 6941]);
  assert.deepEqual([va.classic.open_deals, ...rate(va.classic.win_rate), va.classic.average_won_amount, va.classic.per_day], [2, 1, 3, 0.3333, 100000, 3509]);
  // B: nothing open in CNY, so 0 a day both ways; won B1 (30 d) and B4 (32 d): 31 days, 360000 / 2 = 180000 on average
  const vb = await report(mgr, 'velocity', b);
  assert.deepEqual([vb.forecast_based.weighted_pipeline, vb.forecast_based.cycle.average_days, vb.forecast_based.per_day], [0, 31, 0]);
  assert.deepEqual([vb.classic.open_deals, ...rate(vb.classic.win_rate), vb.classic.average_won_amount, vb.classic.per_day], [0, 2, 3, 0.6667, 180000, 0]);

  // breakdowns: A closed A1 (won, web, X), A2 and A5 (lost, web); B closed B1 (won, event, X+Y), B2 (lost, web), B4 (won, referral, Y)
  const row = (x) => [x.source ?? x.name, x.won, x.lost, x.win_rate.rate, x.won_amount, x.cycle.average_days];
  assert.deepEqual((await report(mgr, 'breakdown', `by=source&${a}`)).items.map(row), [['web', 1, 2, 0.3333, 100000, 19]]);
  assert.deepEqual((await report(mgr, 'breakdown', `by=source&${b}`)).items.map(row).sort(),
    [['event', 1, 0, 1, 300000, 30], ['referral', 1, 0, 1, 60000, 32], ['web', 0, 1, 0, 0, null]]);
  assert.deepEqual((await report(mgr, 'breakdown', `by=product&${a}`)).items.map(row), [['Product X', 1, 0, 1, 100000, 19]]);
  assert.deepEqual((await report(mgr, 'breakdown', `by=product&${b}`)).items.map(row), [['Product X', 1, 0, 1, 300000, 30], ['Product Y', 2, 0, 1, 360000, 31]]);

  // cycle: the products are A's (X on A1, 19 days); the team's cycle stays the team's, to compare A's 19 days with
  const ca = await report(mgr, 'cycle', a);
  assert.deepEqual(ca.products.map((x) => [x.name, x.cycle.count, x.cycle.average_days]), [['Product X', 1, 19]]);
  assert.deepEqual([ca.team.cycle.count, ca.team.cycle.average_days, repRow(ca, u.A).cycle.average_days], [3, 27, 19]);
  assert.deepEqual(ca.scope.team_figures, ['team']);

  // calibration: at P0 A5 was open in Demo (40000 x 0.4 = 16000), lost in P; B4 in Qualified (60000 x 0.2 = 12000), won in P
  const cp = (r) => [r.periods[0].deals, r.periods[0].won_deals, r.periods[0].forecast, r.periods[0].actual, r.periods[0].in_period.deals];
  assert.deepEqual(cp(await report(mgr, 'calibration', `periods=1&unit=quarter&${a}`)), [1, 0, 16000, 0, 0]);
  assert.deepEqual(cp(await report(mgr, 'calibration', `periods=1&unit=quarter&${b}`)), [1, 1, 12000, 60000, 1]);

  // activity in W0: the weeks count A's own (1 call, 2 meetings, one of them a first); the median stays the team's
  const act = await report(mgr, 'activity', a);
  const w = act.team.weeks.find((x) => x.week === isoWeek(W0));
  assert.deepEqual([w.calls, w.emails, w.meetings, w.first_meetings, w.follow_up_meetings], [1, 0, 2, 1, 1]);
  assert.deepEqual(w.median, { calls: 1.5, emails: 1.5, meetings: 2 });
  assert.deepEqual(act.scope.team_figures, ['team.weeks[].median', 'reps[].weeks[].warnings[].team_median']);
  assert.deepEqual(repRow(act, u.A).weeks.find((x) => x.week === isoWeek(W0)).warnings.map((x) => [x.metric, x.team_median]), [['calls', 1.5], ['emails', 1.5]]);

  // conversion and forecast keep the team beside the rep
  const cv = await report(mgr, 'conversion', a);
  assert.deepEqual([rate(cv.team.conversion), cv.reps.map((x) => x.name), cv.scope.team_figures], [[2, 7, 0.2857], ['A Rep'], ['team']]);
  // the team compared with is A's team, named in the answer, and its won deals are listed with team= that id,
  // also for an admin, who sees every team
  assert.equal(cv.scope.team_id, T1.id);
  const cvAdmin = await report(admin, 'conversion', a);
  assert.equal(cvAdmin.scope.team_id, T1.id);
  assert.equal((await listed(admin, `metric=won&team=${cvAdmin.scope.team_id}`)).items.length, cvAdmin.team.won);
  assert.equal((await report(admin, 'conversion')).scope.team_id, null, 'no team and no rep: everyone in view');
  const fc = await report(mgr, 'forecast', a);
  assert.deepEqual([fc.team.expected, repRow(fc, u.A).expected, fc.scope.team_figures], [131888, 131888, ['team', 'reps[].stages[].team_probability']]);
});

test('every figure equals the count and amount of the deals listed behind it, for the team and for a chosen rep', async () => {
  await figuresAgree(mgr, null);
  await figuresAgree(mgr, u.A);
  await figuresAgree(mgr, u.B);
  await figuresAgree(rep, u.A);      // a rep choosing themselves
  await figuresAgree(admin, u.C);
  await figuresAgree(admin, null);
});

test('scope.partial: only when a deal counted in a figure is not the caller\'s to list', async () => {
  const partial = async (client, name, query = '') => (await report(client, name, query)).scope.partial;
  const a = `owner_id=${u.A.id}`;
  // a manager may list every deal of the team: never partial, whichever rep is chosen
  for (const name of ['conversion', 'funnel', 'forecast', 'calibration', 'cycle', 'velocity', 'breakdown', 'activity', 'reps'])
    assert.deepEqual([name, await partial(mgr, name, `owner_id=${u.B.id}`), await partial(mgr, name), await partial(admin, name)], [name, false, false, false]);
  // rep A on their own figures: the funnel, velocity, breakdown, calibration and the list are all theirs ...
  for (const name of ['funnel', 'calibration', 'velocity', 'breakdown', 'reps']) assert.equal(await partial(rep, name, a), false, name);
  assert.equal((await listed(rep, `metric=won&${a}`)).scope.partial, false);
  // ... while the team figures beside them count B's deals and activities, which A may not list
  for (const name of ['conversion', 'forecast', 'cycle', 'activity']) assert.equal(await partial(rep, name, a), true, name);
  // without owner_id a rep's figures are the team's
  for (const name of ['funnel', 'velocity', 'breakdown']) assert.equal(await partial(rep, name), true, name);
  const open = await listed(rep, 'metric=open');
  assert.deepEqual([open.scope.partial, open.items.map((x) => x.name).sort()], [true, ['A3', 'A4']]);   // B3 counts in the team's funnel
  assert.equal((await listed(rep, `metric=activities&week=${isoWeek(W0)}`)).scope.partial, true);
  // C's team-mate D closed all his deals before P: none of them counts in C's team's conversion, so it is whole;
  // they do count in the forecast's sample (the year before today)
  assert.equal(await partial(repC, 'conversion'), false);
  assert.equal(await partial(repC, 'forecast'), true);
  assert.equal((await listed(repC, 'metric=lost')).scope.partial, false);
  assert.equal((await listed(repC, `metric=rate_sample&stage_id=${S.Lead.id}`)).scope.partial, true);
});

// ---- a second company: deals without a source, a team-mate without deals, quotas across the period ----
describe('no-source deals, partial scope and pro-rated quotas', () => {
  let s2, boss, e, h;
  const v = {};
  const d2 = {};
  // T3: manager M3, reps E, F, G (G has no deals). T4: reps H and I (I has no deals). Pipeline Renewals:
  // Due (open, position 1), Renewed (won), Dropped (lost).
  //   E1 E 70000 no source (NULL) L@1 Won@11 (10 days)      E2 E 30000 source '' L@2 Lost@5
  //   E3 E 20000 web              L@3 Won@23 (20 days)      F1 F 50000 no source L@4 Won@34 (30 days)
  //   F2 F 10000 web              L@5 (open)                H1 H  5000 web       L@6 (open)
  //   R1 E 40000 renewal          Due@7 Renewed@45 (38 days, in the Renewals pipeline)
  before(async () => {
    s2 = await startServer();
    const a = s2.admin;
    v.M3 = await s2.addUser({ email: 'm3@test.local', name: 'M3 Manager', role: 'manager' });
    v.T3 = (await a.post('/api/v1/teams', { name: 'T3', manager_id: v.M3.id })).body;
    v.T4 = (await a.post('/api/v1/teams', { name: 'T4' })).body;
    for (const [k, team] of [['E', v.T3], ['F', v.T3], ['G', v.T3], ['H', v.T4], ['I', v.T4]])
      v[k] = await s2.addUser({ email: `${k.toLowerCase()}3@test.local`, name: `${k} Rep`, role: 'rep', team_id: team.id });
    boss = await s2.login(v.M3.email, v.M3.password);
    const pl = (await a.post('/api/v1/pipelines', { name: 'Renewals' })).body;
    const stage = async (name, position, probability, kind) => (await a.post('/api/v1/stages', { pipeline_id: pl.id, name, position, probability, kind })).body;
    const due = await stage('Due', 1, 5000, 'open'), renewed = await stage('Renewed', 2, 10000, 'won');
    await stage('Dropped', 3, 0, 'lost');
    e = await s2.login(v.E.email, v.E.password);
    h = await s2.login(v.H.email, v.H.password);
    await makeDeals(s2, {
      E1: [v.E, 70000, 'CNY', null, [['Lead', 1], ['Won', 11]]],
      E2: [v.E, 30000, 'CNY', null, [['Lead', 2], ['Lost', 5]]],
      E3: [v.E, 20000, 'CNY', 'web', [['Lead', 3], ['Won', 23]]],
      F1: [v.F, 50000, 'CNY', null, [['Lead', 4], ['Won', 34]]],
      F2: [v.F, 10000, 'CNY', 'web', [['Lead', 5]]],
      H1: [v.H, 5000, 'CNY', 'web', [['Lead', 6]]],
      R1: [v.E, 40000, 'CNY', 'renewal', [[due, 7], [renewed, 45]]],
    }, async () => {}, d2);
    sql(s2.db, `UPDATE opportunities SET source = '' WHERE id = ${d2.E2.id}`);   // an empty source is no source, as NULL is
  });
  after(async () => { await s2?.stop(); });

  test('deals without a lead source: the breakdown row says how to list them, and no_source=true lists them', async () => {
    const b = await report(boss, 'breakdown', 'by=source');
    // none: E1 (10 d) and F1 (30 d) won, E2 lost: 2 of 3, 120000 won, 20 days; web: E3 won (20 d); renewal: R1 (38 d)
    assert.deepEqual(b.items.map((x) => [x.source, x.deals_filter, x.won, x.lost, x.win_rate.rate, x.won_amount, x.cycle.average_days]), [
      [null, { no_source: true }, 2, 1, 0.6667, 120000, 20], ['web', { source: 'web' }, 1, 0, 1, 20000, 20],
      ['renewal', { source: 'renewal' }, 1, 0, 1, 40000, 38]]);
    const names = (r) => r.items.map((x) => x.name).sort();
    const won = await s2.admin.get(`/api/v1/analytics/deals?${PERIOD}&metric=won&no_source=true`);
    assert.equal(won.status, 200, won.text);
    conforms(won, '/api/v1/analytics/deals');
    assert.deepEqual([names(won.body), won.body.count, won.body.amount], [['E1', 'F1'], 2, 120000]);
    assert.deepEqual(won.body.items.map((x) => x.source), [null, null]);
    const closed = (await boss.get(`/api/v1/analytics/deals?${PERIOD}&metric=closed&no_source=true`)).body;
    assert.deepEqual(names(closed), ['E1', 'E2', 'F1']);
    // "null" is a source name like any other: no deal has it. An empty source is refused, not taken for "none"
    // (clients drop empty parameters, which would list every deal).
    assert.equal((await boss.get(`/api/v1/analytics/deals?${PERIOD}&metric=closed&source=null`)).body.count, 0);
    expectProblem(await boss.get(`/api/v1/analytics/deals?${PERIOD}&metric=closed&source=`), 400, { field: 'source' });
    expectProblem(await boss.get(`/api/v1/analytics/deals?${PERIOD}&metric=closed&no_source=false`), 400, { field: 'no_source' });
    expectProblem(await boss.get(`/api/v1/analytics/deals?${PERIOD}&metric=closed&no_source=true&source=web`), 400, { field: 'no_source' });
    expectProblem(await boss.get(`/api/v1/analytics/breakdown?${PERIOD}&no_source=true`), 400, { field: 'no_source' });
    // one rep: E's deals with no source, E1 won and E2 lost
    const one = await report(boss, 'breakdown', `by=source&owner_id=${v.E.id}`);
    assert.deepEqual(one.items.map((x) => [x.source, x.won, x.lost, x.won_amount, x.cycle.average_days]),
      [[null, 1, 1, 70000, 10], ['web', 1, 0, 20000, 20], ['renewal', 1, 0, 40000, 38]]);
    assert.deepEqual(names((await boss.get(`/api/v1/analytics/deals?${PERIOD}&metric=closed&no_source=true&owner_id=${v.E.id}`)).body), ['E1', 'E2']);
  });

  test('with two pipelines, every figure still equals the deals listed behind it', async () => {
    // R1 reached every stage by position, but only its own pipeline's: the Lead sample of the default
    // pipeline holds E1 E2 E3 F1, not R1
    const fc = await report(boss, 'forecast');
    const lead = fc.team.stages.find((x) => x.name === 'Lead'), due = fc.team.stages.find((x) => x.name === 'Due');
    assert.deepEqual([rate(lead.sample), rate(due.sample)], [[3, 4, 0.75], [1, 1, 1]]);
    await figuresAgree(boss, null);
    await figuresAgree(boss, v.E);
    await figuresAgree(e, v.E);
  });

  test('partial follows the deals counted: a team-mate without deals does not make a figure partial', async () => {
    const p = async (client, name, query = '') => (await report(client, name, query)).scope.partial;
    assert.equal(await p(e, 'funnel'), true);                        // F2 is F's
    assert.equal(await p(e, 'funnel', `owner_id=${v.E.id}`), false);
    assert.equal(await p(e, 'breakdown', `owner_id=${v.E.id}`), false);
    assert.equal(await p(e, 'cycle', `owner_id=${v.E.id}`), true);   // the team's cycle counts F1
    const list = (await e.get(`/api/v1/analytics/deals?${PERIOD}&metric=won`)).body;
    assert.deepEqual([list.count, list.scope.partial], [3, true]);   // E1, E3, R1 listed; F1 counted in the team's figure
    // H's team is H and I; I owns nothing, so H may list every deal the team figures count
    for (const name of ['conversion', 'funnel', 'forecast', 'velocity', 'breakdown', 'cycle', 'activity']) assert.equal(await p(h, name), false, name);
    assert.equal((await boss.get(`/api/v1/analytics/funnel?owner_id=${v.E.id}`)).body.scope.partial, false);
  });

  test('quotas that reach beyond the period count pro rata by days, rounded half away from zero to the minor unit', async () => {
    const a = s2.admin;
    const quota = async (who, from, to, amount, currency = 'CNY') => {
      const r = await a.post('/api/v1/quotas', { ...who, period_start: date(P0 + from), period_end: date(P0 + to), amount, currency });
      assert.equal(r.status, 201, r.text);
    };
    const E = { user_id: v.E.id }, F = { user_id: v.F.id };
    await quota(E, 0, 19, 100001);                // 20 days
    await quota(E, 30, 89, 60000);                // 60 days
    await quota(E, 15, 24, 7000);                 // 10 days
    await quota(E, 40, 49, 5000);                 // 10 days
    await quota(E, 0, 39, 9999, 'USD');
    await quota(E, 38, 40, 100);                  // 3 days
    await quota(E, 39, 40, 1);                    // 2 days
    await quota(F, 9, 10, 3);                     // 2 days
    await quota(F, -100, 9, 1000);                // 110 days
    await quota({ team_id: v.T3.id }, -20, 79, 1000000);   // 100 days
    // The period P0+10 .. P0+39 (30 days):
    //   E: 100001 x 10/20 = 50000.5 -> 50001; 60000 x 10/60 = 10000; 7000 whole; 5000 starts after it: 0; USD: not
    //      counted; 100 x 2/3 = 66.67 -> 67; 1 x 1/2 = 0.5 -> 1. Together 67069.
    //   F: 3 x 1/2 = 1.5 -> 2; 1000 ends the day before: 0. Together 2.
    //   T3: 1000000 x 30/100 = 300000.
    // Won in it: E1 (P0+11) 70000, E3 (P0+23) 20000, F1 (P0+34) 50000.
    const period = `from=${date(P0 + 10)}&to=${date(P0 + 39)}`;
    const get = async (query) => {
      const r = await boss.get(`/api/v1/analytics/forecast?${period}&${query}`);
      assert.equal(r.status, 200, r.text);
      conforms(r, '/api/v1/analytics/forecast');
      return r.body;
    };
    const t = await get(`team=${v.T3.id}`);
    assert.deepEqual([t.team.quota.amount, t.team.quota.basis, ...rate(t.team.quota.attainment)], [300000, 'team', 140000, 300000, 0.4667]);
    const q = (r, user) => [repRow(r, user).quota.amount, ...(repRow(r, user).quota.attainment ? rate(repRow(r, user).quota.attainment) : [])];
    assert.deepEqual(q(t, v.E), [67069, 90000, 67069, 1.3419]);
    assert.deepEqual(q(t, v.F), [2, 50000, 2, 25000]);
    assert.deepEqual(q(t, v.G), [null]);
    const members = await get('');
    assert.deepEqual([members.team.quota.amount, members.team.quota.basis], [67071, 'sum of members']);
    // the whole quarter P holds E's CNY quotas whole (172102) and F's first (3) plus 1000 x 10/110 = 90.9 -> 91 of
    // the second; T3's 1000000 x 80/100 = 800000
    const whole = (await report(boss, 'forecast', `team=${v.T3.id}`));
    assert.deepEqual([whole.team.quota.amount, repRow(whole, v.E).quota.amount, repRow(whole, v.F).quota.amount], [800000, 172102, 94]);
    assert.match(whole.definitions.quota, /rounded half away from zero to the minor unit/);
  });
});

// ---- exactness after writes, against SQL ----

// The SQL truth of the figures the writes below touch, for the whole company in the current quarter.
function truth(s, from, to) {
  const lo = Date.parse(from), hi = Date.parse(to) + DAY;
  const kind = `(SELECT kind FROM stages WHERE id = o.stage_id)`;
  const one = (q) => sql(s.db, q).split('|').map(Number);
  const [created, createdWon] = one(`SELECT COUNT(*), COALESCE(SUM(CASE WHEN ${kind} = 'won' THEN 1 ELSE 0 END), 0) FROM opportunities o ` +
    `WHERE o.deleted_at IS NULL AND o.created_at >= ${lo} AND o.created_at < ${hi}`);
  const [won, lost, wonAmount, wonMs] = one(`SELECT COALESCE(SUM(CASE WHEN ${kind} = 'won' THEN 1 ELSE 0 END), 0), ` +
    `COALESCE(SUM(CASE WHEN ${kind} = 'lost' THEN 1 ELSE 0 END), 0), COALESCE(SUM(CASE WHEN ${kind} = 'won' AND currency = 'CNY' THEN amount ELSE 0 END), 0), ` +
    `COALESCE(SUM(CASE WHEN ${kind} = 'won' THEN closed_at - created_at ELSE 0 END), 0) FROM opportunities o ` +
    `WHERE o.deleted_at IS NULL AND ${kind} <> 'open' AND o.closed_at >= ${lo} AND o.closed_at < ${hi}`);
  const funnel = rows(s, `SELECT o.stage_id, COUNT(*), SUM(CASE WHEN o.currency = 'CNY' THEN o.amount ELSE 0 END) FROM opportunities o ` +
    `WHERE o.deleted_at IS NULL AND ${kind} = 'open' GROUP BY o.stage_id ORDER BY o.stage_id`).map((r) => r.map(Number));
  // reached: the highest position among the open stages a cohort deal entered, every stage once it entered a won one (even if reopened)
  const reached = rows(s, `SELECT st.id, COUNT(*) FROM stages st JOIN (SELECT o.id, CASE WHEN ${kind} = 'won' THEN 1000000 ELSE ` +
    `(SELECT MAX(CASE WHEN hs.kind = 'won' THEN 1000000 WHEN hs.kind = 'open' THEN hs.position END) FROM stage_history h ` +
    `JOIN stages hs ON hs.id = h.to_stage_id WHERE h.opportunity_id = o.id) END AS mp ` +
    `FROM opportunities o WHERE o.deleted_at IS NULL AND o.created_at >= ${lo} AND o.created_at < ${hi}) c ON c.mp >= st.position ` +
    `WHERE st.kind = 'open' GROUP BY st.id ORDER BY st.id`).map((r) => r.map(Number));
  const products = rows(s, `SELECT li.product_id, COUNT(DISTINCT o.id) FROM opportunities o JOIN line_items li ON li.opportunity_id = o.id ` +
    `WHERE o.deleted_at IS NULL AND ${kind} = 'won' AND o.closed_at >= ${lo} AND o.closed_at < ${hi} GROUP BY li.product_id ORDER BY li.product_id`).map((r) => r.map(Number));
  const [calls] = one(`SELECT COUNT(*) FROM activities WHERE deleted_at IS NULL AND kind = 'call' AND done_at >= ${lo} AND done_at < ${hi}`);
  return { created, createdWon, won, lost, wonAmount, wonDays: Math.round(wonMs / DAY * 1e4) / 1e4, funnel, reached, products, calls };
}

async function observed(client, from, to) {
  const q = `from=${from}&to=${to}`;
  const conv = (await client.get(`/api/v1/analytics/conversion?${q}`)).body;
  const fun = (await client.get(`/api/v1/analytics/funnel?${q}&currency=CNY`)).body;
  const cyc = (await client.get(`/api/v1/analytics/cycle?${q}&currency=CNY`)).body;
  const act = (await client.get(`/api/v1/analytics/activity?${q}`)).body;
  const won = (await client.get(`/api/v1/analytics/deals?${q}&metric=won&currency=CNY`)).body;
  const steps = conv.team.stages[0].steps;
  return {
    created: conv.team.conversion.denominator, createdWon: conv.team.conversion.numerator,
    won: conv.team.win_rate.numerator, lost: conv.team.win_rate.denominator - conv.team.win_rate.numerator,
    wonAmount: won.amount,
    wonDays: cyc.team.cycle.total_days,   /* 4 places */
    funnel: fun.pipelines[0].stages.filter((x) => x.count).map((x) => [x.stage_id, x.count, x.amount]),
    reached: [[steps[0].from_stage_id, steps[0].denominator], ...steps.slice(0, -1).map((x) => [x.to_stage_id, x.numerator])].filter((x) => x[1]),
    products: cyc.products.map((x) => [x.product_id, x.cycle.count]),
    calls: act.team.weeks.reduce((n, w) => n + w.calls, 0),
  };
}

function sameAsTruth(got, want) { assert.deepEqual(got, want); }

test('figures stay exact after writes: moves, amounts, new deals, deletes, line items, activities', async () => {
  const s = await startServer();
  try {
    const a = s.admin;
    const PP = await defaultPipeline(a);
    const from = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - (now.getUTCMonth() % 3), 1)).toISOString().slice(0, 10);
    const to = date(qStart(now.getUTCFullYear(), now.getUTCMonth() + 3) - 1);
    const px = (await a.post('/api/v1/products', { name: 'Exact X', sku: 'EX-X', list_price: 700, currency: 'CNY' })).body;
    const acc = (await a.post('/api/v1/accounts', { name: 'Exact account' })).body;
    const mk = async (i) => (await a.post('/api/v1/opportunities', { name: `E${i}`, amount: 1000 * (i + 1), currency: i % 7 ? 'CNY' : 'USD', source: i % 2 ? 'web' : 'event' })).body;
    const ds = [];
    for (let i = 0; i < 30; i++) ds.push(await mk(i));
    const move = (d, st) => a.post(`/api/v1/opportunities/${d.id}/stage`, { stage_id: PP.stages[st].id, override: true, note: 'test',
                                                                           ...(st === 'Lost' ? { lost_reason: 'price' } : {}) });
    for (const [i, st] of [[0, 'Qualified'], [1, 'Demo'], [2, 'Won'], [3, 'Lost'], [4, 'Proposal'], [5, 'Won']]) assert.equal((await move(ds[i], st)).status, 200);
    await a.post('/api/v1/activities', { kind: 'call', subject: 'c1', account_id: acc.id, done_at: new Date().toISOString() });
    sameAsTruth(await observed(a, from, to), truth(s, from, to));   // the first call builds the snapshot

    // now change things behind it
    for (const [i, st] of [[0, 'Demo'], [1, 'Won'], [4, 'Lost'], [6, 'Negotiation'], [7, 'Won'], [5, 'Qualified']]) assert.equal((await move(ds[i], st)).status, 200);
    assert.equal((await a.patch(`/api/v1/opportunities/${ds[8].id}`, { amount: 123456 })).status, 200);
    assert.equal((await a.del(`/api/v1/opportunities/${ds[9].id}`)).status, 204);
    assert.equal((await a.del(`/api/v1/opportunities/${ds[2].id}`)).status, 204);       // a won deal goes
    assert.equal((await a.post(`/api/v1/opportunities/${ds[7].id}/line-items`, { product_id: px.id, quantity: 2, unit_price: 700 })).status, 201);
    const fresh = await mk(40);
    assert.equal((await move(fresh, 'Won')).status, 200);
    await a.post('/api/v1/activities', { kind: 'call', subject: 'c2', account_id: acc.id, done_at: new Date().toISOString() });
    const c3 = (await a.post('/api/v1/activities', { kind: 'call', subject: 'c3', account_id: acc.id, done_at: new Date().toISOString() })).body;
    assert.equal((await a.del(`/api/v1/activities/${c3.id}`)).status, 204);
    const got = await observed(a, from, to), want = truth(s, from, to);
    sameAsTruth(got, want);
    assert.equal(want.won, 3);                       // 1, 7 and the new one (2 was deleted; 5 went back to Qualified)
    assert.equal(want.calls, 2);
    assert.deepEqual(want.products, [[px.id, 1]]);

    // a second process on the same PostgreSQL database catches up by its own delta
    if (s.pg) {
      const s2 = await startServer({ db: s.db });
      try {
        const a2 = a.at(s2.url);
        sameAsTruth(await observed(a2, from, to), truth(s, from, to));
        assert.equal((await move(ds[10], 'Won')).status, 200);                // written through process 1 ...
        assert.equal((await a.patch(`/api/v1/opportunities/${ds[11].id}`, { amount: 5 })).status, 200);
        sameAsTruth(await observed(a2, from, to), truth(s, from, to));         // ... and read exactly through process 2
        assert.equal((await a2.del(`/api/v1/opportunities/${ds[10].id}`)).status, 204);
        sameAsTruth(await observed(a, from, to), truth(s, from, to));
      } finally { await s2.stop(); }
    }
  } finally { await s.stop(); }
});
