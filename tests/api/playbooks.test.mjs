// playbooks.test.mjs: stage actions become tasks when a deal enters a stage,
// and the compliance view counts, per rep, the deals behind each figure.
//
// The default pipeline (Lead, Qualified, Demo, ...) gets this playbook:
//   Lead:      A1 "Call the buyer" (due 1 day, required), A2 "Send the intro deck" (due 3 days, optional)
//   Qualified: A3 "Confirm budget in writing" (due 2 days, required)
// People: team Play (R1, R2), team Comp (manager MC; C1, C2), team Other (R3, C3), ops OPS.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, expectProblem, defaultPipeline, sql } from './lib.mjs';
import { conforms } from './doc.mjs';

const DAY = 86400000;
let srv, admin, P;
const U = {}, C = {}, A = {};

async function ok(res, status = 201) {
  assert.equal(res.status, status, res.text);
  return res.body;
}

const tasksOf = async (deal, client = admin) =>
  (await ok(await client.get(`/api/v1/activities?opportunity_id=${deal.id}&sort=id&limit=200`), 200)).items;
const move = (client, deal, stage, extra = {}) => client.post(`/api/v1/opportunities/${deal.id}/stage`, { stage_id: P.stages[stage].id, ...extra });
const tick = (client, deal, name) => client.put(`/api/v1/opportunities/${deal.id}/criteria/${P.criteria.find((c) => c.name === name).id}`);
const done = (client, task) => client.patch(`/api/v1/activities/${task.id}`, { done_at: new Date().toISOString() });
const byAction = (tasks, a) => tasks.find((t) => t.stage_action_id === a.id);
// a time the server wrote, in ms, checked to lie in [lo + offset, hi + offset]
function within(ts, lo, hi, offset, what) {
  const ms = Date.parse(ts);
  assert.ok(ms >= lo + offset && ms <= hi + offset, `${what}: ${ts} should be ${offset / DAY} days after the stage entry`);
}

before(async () => {
  srv = await startServer();
  admin = srv.admin;
  P = await defaultPipeline(admin);
  U.MC = await srv.addUser({ email: 'mc@play.test', name: 'Comp Manager', role: 'manager' });
  const play = await ok(await admin.post('/api/v1/teams', { name: 'Play' }));
  const comp = await ok(await admin.post('/api/v1/teams', { name: 'Comp', manager_id: U.MC.id }));
  const other = await ok(await admin.post('/api/v1/teams', { name: 'Other' }));
  await ok(await admin.patch(`/api/v1/users/${U.MC.id}`, { team_id: comp.id }), 200);
  for (const [k, t] of [['R1', play], ['R2', play], ['C1', comp], ['C2', comp], ['R3', other], ['C3', other]])
    U[k] = await srv.addUser({ email: `${k.toLowerCase()}@play.test`, name: `Comp Rep ${k}`, role: 'rep', team_id: t.id });
  U.OPS = await srv.addUser({ email: 'ops@play.test', name: 'Ops', role: 'ops' });
  for (const k of ['MC', 'R1', 'R2', 'R3', 'C1', 'C2', 'C3', 'OPS']) C[k] = await srv.login(U[k].email, U[k].password);
  A.A1 = await ok(await admin.post('/api/v1/stage-actions', { stage_id: P.stages.Lead.id, name: 'Call the buyer', due_days: 1, position: 1 }));
  A.A2 = await ok(await C.OPS.post('/api/v1/stage-actions', { stage_id: P.stages.Lead.id, name: 'Send the intro deck', due_days: 3, required: false, position: 2 }));
  A.A3 = await ok(await admin.post('/api/v1/stage-actions', { stage_id: P.stages.Qualified.id, name: 'Confirm budget in writing', due_days: 2 }));
});
after(async () => { await srv?.stop(); });

test('stage actions: admin and ops manage them, everyone reads them, bad input is refused', async () => {
  assert.deepEqual([A.A1.required, A.A1.due_days, A.A1.stage_name], [true, 1, 'Lead']);
  assert.deepEqual([A.A2.required, A.A3.position, A.A3.required], [false, 0, true], 'defaults: position 0, required');
  const list = await ok(await C.R1.get(`/api/v1/stage-actions?stage_id=${P.stages.Lead.id}`), 200);
  assert.deepEqual(list.items.map((a) => a.name), ['Call the buyer', 'Send the intro deck'], 'by position');
  conforms(await C.R1.get('/api/v1/stage-actions'), '/api/v1/stage-actions', 'get');
  expectProblem(await C.R1.post('/api/v1/stage-actions', { stage_id: P.stages.Lead.id, name: 'Mine' }), 403);
  expectProblem(await C.R1.patch(`/api/v1/stage-actions/${A.A1.id}`, { due_days: 9 }), 403);
  const bad = [
    [{ name: 'No stage' }, 'stage_id'], [{ stage_id: P.stages.Lead.id }, 'name'],
    [{ stage_id: 99999, name: 'Ghost stage' }, 'stage_id'], [{ stage_id: P.stages.Lead.id, name: 'Past', due_days: -1 }, 'due_days'],
    [{ stage_id: P.stages.Lead.id, name: 'Far', due_days: 3651 }, 'due_days'], [{ stage_id: P.stages.Lead.id, name: 'x', required: 'yes' }, 'required'],
    [{ stage_id: P.stages.Lead.id, name: 'x', owner_id: 1 }, 'owner_id']];
  for (const [body, field] of bad) {
    const r = await admin.post('/api/v1/stage-actions', body);
    expectProblem(r, 422, { field });
    conforms(r, '/api/v1/stage-actions', 'post');
  }
  expectProblem(await admin.patch(`/api/v1/stage-actions/${A.A1.id}`, { stage_id: P.stages.Demo.id }), 422, { field: 'stage_id' });
  const tmp = await ok(await C.OPS.post('/api/v1/stage-actions', { stage_id: P.stages.Demo.id, name: 'Temporary' }));
  await ok(await C.OPS.del(`/api/v1/stage-actions/${tmp.id}`), 204);
  expectProblem(await admin.get(`/api/v1/stage-actions/${tmp.id}`), 404);
});

test('entering a stage creates its actions as tasks on the deal, owned by the deal owner, with due dates', async () => {
  const acc = await ok(await C.R1.post('/api/v1/accounts', { name: 'Playbook Account' }));
  const t0 = Date.now();
  const deal = await ok(await C.R1.post('/api/v1/opportunities', { name: 'Playbook deal', account_id: acc.id }));
  const t1 = Date.now();
  let tasks = await tasksOf(deal);
  assert.deepEqual(tasks.map((t) => [t.kind, t.subject, t.stage_action_id, t.owner_id, t.opportunity_id, t.account_id, t.done_at]), [
    ['task', 'Call the buyer', A.A1.id, U.R1.id, deal.id, acc.id, null],
    ['task', 'Send the intro deck', A.A2.id, U.R1.id, deal.id, acc.id, null]]);
  within(tasks[0].due_at, t0, t1, 1 * DAY, 'Call the buyer');
  within(tasks[1].due_at, t0, t1, 3 * DAY, 'Send the intro deck');
  assert.deepEqual((await ok(await admin.get(`/api/v1/activities?stage_action_id=${A.A1.id}&opportunity_id=${deal.id}`), 200)).items.map((t) => t.id), [tasks[0].id]);

  // a refused move (exit criteria unmet) makes no tasks: same transaction
  expectProblem(await move(C.R1, deal, 'Qualified'), 422);
  assert.equal((await tasksOf(deal)).length, 2);

  // R3 of another team works on the deal through a share and moves it: the task is still R1's
  await ok(await C.R1.post(`/api/v1/opportunities/${deal.id}/shares`, { user_id: U.R3.id }), 200);
  await ok(await tick(C.R3, deal, 'Need identified'), 200);
  const m0 = Date.now();
  await ok(await move(C.R3, deal, 'Qualified'), 200);
  const m1 = Date.now();
  tasks = await tasksOf(deal);
  assert.equal(tasks.length, 3);
  const a3 = byAction(tasks, A.A3);
  assert.deepEqual([a3.subject, a3.owner_id, a3.account_id], ['Confirm budget in writing', U.R1.id, acc.id]);
  within(a3.due_at, m0, m1, 2 * DAY, 'Confirm budget in writing');
  const audit = (await ok(await admin.get(`/api/v1/activities/${a3.id}/audit`), 200)).items;
  assert.ok(audit.some((x) => x.action === 'create' && x.field === 'stage_action_id' && x.new === String(A.A3.id) && x.actor_id === U.R3.id),
    'the task is in the audit log, made by whoever moved the deal');

  // back to Lead and on again: the deal keeps the tasks it has, no second copies
  await ok(await move(C.R1, deal, 'Lead'), 200);
  await ok(await move(C.R1, deal, 'Qualified'), 200);
  assert.equal((await tasksOf(deal)).length, 3);

  // the board card shows the current stage's tasks done of total
  await ok(await done(C.R1, a3), 200);
  const board = await ok(await C.R1.get('/api/v1/board'), 200);
  const card = board.stages.find((s) => s.name === 'Qualified').cards.find((c) => c.id === deal.id);
  assert.deepEqual([card.actions_done, card.actions_total], [1, 1]);
  await ok(await move(C.R1, deal, 'Lead'), 200);
  const card2 = (await ok(await C.R1.get('/api/v1/board'), 200)).stages.find((s) => s.name === 'Lead').cards.find((c) => c.id === deal.id);
  assert.deepEqual([card2.actions_done, card2.actions_total], [0, 2]);

  // a stage with no actions makes no tasks; a deleted task comes back on the next entry
  const plain = await ok(await admin.post('/api/v1/opportunities', { name: 'Plain deal', owner_id: U.R2.id, stage_id: P.stages.Demo.id }));
  assert.equal((await tasksOf(plain)).length, 0, 'Demo has no actions');
  await ok(await move(admin, plain, 'Lead'), 200);
  const t = await tasksOf(plain);
  assert.deepEqual(t.map((x) => [x.subject, x.owner_id]), [['Call the buyer', U.R2.id], ['Send the intro deck', U.R2.id]]);
  await ok(await admin.del(`/api/v1/activities/${t[0].id}`), 204);
  await ok(await move(admin, plain, 'Demo', { override: true, note: 'test' }), 200);
  await ok(await move(admin, plain, 'Lead'), 200);
  assert.deepEqual((await tasksOf(plain)).map((x) => x.subject), ['Send the intro deck', 'Call the buyer']);
});

test('compliance: per rep, the deals past a stage with its required actions undone, without a next step, without activity', async () => {
  const D = {};
  const newDeal = async (owner, name) => ok(await admin.post('/api/v1/opportunities', { name, owner_id: U[owner].id }));
  const toQualified = async (deal) => { await ok(await tick(admin, deal, 'Need identified'), 200); await ok(await move(admin, deal, 'Qualified'), 200); };

  // D1 (C1): to Qualified with "Call the buyer" undone                  -> missing_actions
  D.D1 = await newDeal('C1', 'Compliance D1');
  await toQualified(D.D1);
  // D2 (C1): every task done, then to Qualified and its task done too    -> no_next_step
  D.D2 = await newDeal('C1', 'Compliance D2');
  for (const t of await tasksOf(D.D2)) await ok(await done(admin, t), 200);
  await toQualified(D.D2);
  await ok(await done(admin, byAction(await tasksOf(D.D2), A.A3)), 200);
  // D3 (C1): in Lead, nothing touched for 30 days                         -> stale
  D.D3 = await newDeal('C1', 'Compliance D3');
  const old = Date.now() - 30 * DAY;
  sql(srv.db, `UPDATE opportunities SET created_at = ${old} WHERE id = ${D.D3.id}`);
  sql(srv.db, `UPDATE activities SET created_at = ${old} WHERE opportunity_id = ${D.D3.id}`);
  // D4 (C2): "Call the buyer" deleted undone, then to Qualified           -> missing_actions (deleting is not doing)
  D.D4 = await newDeal('C2', 'Compliance D4');
  await ok(await admin.del(`/api/v1/activities/${byAction(await tasksOf(D.D4), A.A1).id}`), 204);
  await toQualified(D.D4);
  // D5 (C2): lost with its tasks undone                                    -> not open, not counted
  D.D5 = await newDeal('C2', 'Compliance D5');
  await ok(await move(admin, D.D5, 'Lost', { lost_reason: 'went elsewhere' }), 200);
  // D7 (C2): required done, optional "Send the intro deck" undone         -> compliant (optional), next step A3 open
  D.D7 = await newDeal('C2', 'Compliance D7');
  await ok(await done(admin, byAction(await tasksOf(D.D7), A.A1)), 200);
  await toQualified(D.D7);
  // D6 (C3, another team): to Qualified with "Call the buyer" undone      -> missing_actions, not in MC's view
  D.D6 = await newDeal('C3', 'Compliance D6');
  await toQualified(D.D6);

  const a1 = async (deal) => byAction(await tasksOf(deal), A.A1);
  const d1a1 = await a1(D.D1);
  const d4a1 = (await ok(await admin.get(`/api/v1/activities?opportunity_id=${D.D4.id}&stage_action_id=${A.A1.id}`), 200)).items;
  assert.equal(d4a1.length, 0, 'the deleted task is gone from lists');
  const d4task = Number(sql(srv.db, `SELECT id FROM activities WHERE opportunity_id = ${D.D4.id} AND stage_action_id = ${A.A1.id}`));

  const res = await C.MC.get('/api/v1/compliance?stale_days=14');
  assert.equal(res.status, 200, res.text);
  conforms(res, '/api/v1/compliance', 'get');
  const view = res.body;
  assert.equal(view.stale_days, 14);
  // MC manages C1 and C2; MC owns no open deal and is no rep, so has no row
  assert.deepEqual(view.reps.map((r) => r.user_id), [U.C1.id, U.C2.id]);
  const [c1, c2] = view.reps;
  const ids = (f) => f.deals.map((d) => d.id);
  assert.equal(c1.open_deals, 3);
  assert.deepEqual([c1.missing_actions.count, ids(c1.missing_actions)], [1, [D.D1.id]]);
  assert.deepEqual(c1.missing_actions.deals[0], { id: D.D1.id, name: 'Compliance D1', stage: 'Qualified',
    missing: [{ action_id: A.A1.id, action: 'Call the buyer', stage: 'Lead', task_id: d1a1.id }] });
  assert.deepEqual([c1.no_next_step.count, ids(c1.no_next_step)], [1, [D.D2.id]]);
  assert.deepEqual([c1.stale.count, ids(c1.stale)], [1, [D.D3.id]]);
  assert.equal(Date.parse(c1.stale.deals[0].last_activity_at), old, 'the latest activity is what made it stale');
  assert.equal(c2.open_deals, 2, 'D4 and D7; the lost D5 does not count');
  assert.deepEqual(ids(c2.missing_actions), [D.D4.id]);
  assert.equal(c2.missing_actions.deals[0].missing[0].task_id, d4task);
  assert.deepEqual([c2.no_next_step.count, c2.stale.count], [0, 0]);
  assert.deepEqual(view.totals, { open_deals: 5, missing_actions: 2, no_next_step: 1, stale: 1 });

  // a longer window: D3 is not stale any more
  const wide = await ok(await C.MC.get('/api/v1/compliance?stale_days=60'), 200);
  assert.equal(wide.totals.stale, 0);
  // finishing the task clears the figure
  await ok(await done(admin, d1a1), 200);
  const after = (await ok(await C.MC.get('/api/v1/compliance'), 200)).reps.find((r) => r.user_id === U.C1.id);
  assert.equal(after.missing_actions.count, 0);
  assert.equal((await ok(await C.MC.get('/api/v1/compliance'), 200)).stale_days, 14, 'default 14 days');

  // a rep sees their own row only; admin sees other teams too
  const own = await ok(await C.C2.get('/api/v1/compliance'), 200);
  assert.deepEqual(own.reps.map((r) => r.user_id), [U.C2.id]);
  const all = await ok(await admin.get('/api/v1/compliance'), 200);
  const c3 = all.reps.find((r) => r.user_id === U.C3.id);
  assert.deepEqual(ids(c3.missing_actions), [D.D6.id]);
  assert.ok(!JSON.stringify(view).includes('Compliance D6'), "another team's deal is not in the manager's view");
  assert.ok((await ok(await C.OPS.get('/api/v1/compliance'), 200)).reps.some((r) => r.user_id === U.C3.id), 'ops sees everyone');

  for (const q of ['stale_days=0', 'stale_days=abc', 'stale_days=3651', 'stale_days=', 'team=1']) {
    const r = await C.MC.get(`/api/v1/compliance?${q}`);
    expectProblem(r, 400);
    conforms(r, '/api/v1/compliance', 'get');
  }
  expectProblem(await srv.anon().get('/api/v1/compliance'), 401);
});
