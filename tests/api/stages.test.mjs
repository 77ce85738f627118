// stages.test.mjs: the default pipeline, stage moves with exit criteria,
// overrides, won/lost, reopening, the stage history and the audit trail.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, expectProblem, defaultPipeline, uniq } from './lib.mjs';

let srv, admin, P;
let team, manager, rep, mgr, repc;
before(async () => {
  srv = await startServer();
  admin = srv.admin;
  P = await defaultPipeline(admin);
  manager = await srv.addUser({ email: 'stage-mgr@test.local', name: 'Stage Manager', role: 'manager' });
  team = (await admin.post('/api/v1/teams', { name: 'Stage team', manager_id: manager.id })).body;
  rep = await srv.addUser({ email: 'stage-rep@test.local', name: 'Stage Rep', role: 'rep', team_id: team.id });
  assert.equal((await admin.patch(`/api/v1/users/${manager.id}`, { team_id: team.id })).status, 200);
  mgr = await srv.login(manager.email, manager.password);
  repc = await srv.login(rep.email, rep.password);
});
after(async () => { await srv?.stop(); });

const crit = (name) => P.criteria.find((c) => c.name === name);
const move = (client, id, body) => client.post(`/api/v1/opportunities/${id}/stage`, body);
const tick = (client, id, name) => client.put(`/api/v1/opportunities/${id}/criteria/${crit(name).id}`);
async function newDeal(client = admin, extra = {}) {
  const r = await client.post('/api/v1/opportunities', { name: uniq('Stage deal'), ...extra });
  assert.equal(r.status, 201, r.text);
  return r.body;
}

test('the default pipeline has Lead, Qualified, Demo, Proposal, Negotiation, Won and Lost in order', async () => {
  assert.equal(P.pipeline.name, 'Sales');
  assert.deepEqual(P.stageList.map((s) => s.name), ['Lead', 'Qualified', 'Demo', 'Proposal', 'Negotiation', 'Won', 'Lost']);
  assert.deepEqual(P.stageList.map((s) => s.kind), ['open', 'open', 'open', 'open', 'open', 'won', 'lost']);
  const probs = P.stageList.map((s) => s.probability);
  assert.deepEqual(probs.slice(0, 6), [...probs.slice(0, 6)].sort((a, b) => a - b), 'probability rises towards Won');
  assert.equal(P.stages.Won.probability, 10000);
  assert.equal(P.stages.Lost.probability, 0);
  const d = await newDeal();
  assert.equal(d.stage_id, P.stages.Lead.id, 'a new deal starts in the first stage');
  assert.equal(d.pipeline_id, P.pipeline.id);
  assert.equal(d.stage_name, 'Lead');
  assert.equal(d.closed_at, null);
});

test('a move past unmet exit criteria is 422 and lists what is missing; ticking them lets it through', async () => {
  const d = await newDeal();
  const r = await move(admin, d.id, { stage_id: P.stages.Qualified.id });
  expectProblem(r, 422, { field: 'stage_id' });
  assert.deepEqual(r.body.missing.map((m) => [m.stage, m.name]), [['Lead', 'Need identified']]);
  const far = await move(admin, d.id, { stage_id: P.stages.Demo.id });
  expectProblem(far, 422);
  assert.deepEqual(far.body.missing.map((m) => m.name), ['Need identified', 'Budget confirmed', 'Decision maker identified']);
  assert.equal((await admin.get(`/api/v1/opportunities/${d.id}`)).body.stage_id, P.stages.Lead.id, 'the refused move changed nothing');

  const t = await tick(admin, d.id, 'Need identified');
  assert.equal(t.status, 200, t.text);
  const row = t.body.items.find((x) => x.name === 'Need identified');
  assert.equal(row.met, true);
  assert.equal(row.met_by, admin.me.id);
  assert.ok(!t.body.items.find((x) => x.name === 'Budget confirmed').met);
  const ok = await move(admin, d.id, { stage_id: P.stages.Qualified.id });
  assert.equal(ok.status, 200, ok.text);
  assert.equal(ok.body.stage_id, P.stages.Qualified.id);
  assert.equal(ok.body.stage_name, 'Qualified');
  assert.equal(ok.body.probability, P.stages.Qualified.probability);

  // unticking makes the criterion count again for the next move
  assert.equal((await admin.del(`/api/v1/opportunities/${d.id}/criteria/${crit('Need identified').id}`)).status, 200);
  await tick(admin, d.id, 'Budget confirmed');
  await tick(admin, d.id, 'Decision maker identified');
  const back = await move(admin, d.id, { stage_id: P.stages.Demo.id });
  expectProblem(back, 422);
  assert.deepEqual(back.body.missing.map((m) => m.name), ['Need identified']);
});

test('criteria can be met in any order: a later stage first, then an earlier one, then a jump', async () => {
  const d = await newDeal();
  for (const n of ['Demo held', 'Budget confirmed', 'Decision maker identified']) assert.equal((await tick(admin, d.id, n)).status, 200);
  const r = await move(admin, d.id, { stage_id: P.stages.Proposal.id });
  expectProblem(r, 422);
  assert.deepEqual(r.body.missing.map((m) => m.name), ['Need identified'], 'only what is still unmet is listed');
  await tick(admin, d.id, 'Need identified');
  // ticking twice is harmless
  assert.equal((await tick(admin, d.id, 'Need identified')).status, 200);
  const ok = await move(admin, d.id, { stage_id: P.stages.Proposal.id });
  assert.equal(ok.status, 200, ok.text);
  assert.equal(ok.body.stage_name, 'Proposal');
  // Won needs every open stage's criteria
  const won = await move(admin, d.id, { stage_id: P.stages.Won.id });
  expectProblem(won, 422);
  assert.deepEqual(won.body.missing.map((m) => m.name), ['Proposal sent', 'Terms agreed']);
  await tick(admin, d.id, 'Terms agreed');
  await tick(admin, d.id, 'Proposal sent');
  const w = await move(admin, d.id, { stage_id: P.stages.Won.id });
  assert.equal(w.status, 200, w.text);
  assert.equal(w.body.stage_kind, 'won');
  assert.ok(w.body.closed_at, 'a won deal is closed');
});

test('moving backwards needs no criteria', async () => {
  const d = await newDeal();
  await tick(admin, d.id, 'Need identified');
  assert.equal((await move(admin, d.id, { stage_id: P.stages.Qualified.id })).status, 200);
  await admin.del(`/api/v1/opportunities/${d.id}/criteria/${crit('Need identified').id}`);
  const back = await move(admin, d.id, { stage_id: P.stages.Lead.id });
  assert.equal(back.status, 200, back.text);
  expectProblem(await move(admin, d.id, { stage_id: P.stages.Lead.id }), 422, { field: 'stage_id' });
});

test("a stage of another pipeline is refused with 422 on stage_id, and so is its criterion", async () => {
  const pl = await admin.post('/api/v1/pipelines', { name: uniq('Renewals') });
  assert.equal(pl.status, 201, pl.text);
  const st = await admin.post('/api/v1/stages', { pipeline_id: pl.body.id, name: 'Renewal due', position: 1, probability: 5000, kind: 'open' });
  assert.equal(st.status, 201, st.text);
  const c = await admin.post('/api/v1/stage-criteria', { stage_id: st.body.id, name: 'Customer contacted' });
  assert.equal(c.status, 201, c.text);
  const d = await newDeal();
  expectProblem(await move(admin, d.id, { stage_id: st.body.id }), 422, { field: 'stage_id' });
  expectProblem(await move(admin, d.id, { stage_id: 987654 }), 422, { field: 'stage_id' });
  expectProblem(await admin.put(`/api/v1/opportunities/${d.id}/criteria/${c.body.id}`), 404);
  const list = await admin.get(`/api/v1/opportunities/${d.id}/criteria`);
  assert.ok(!list.body.items.some((x) => x.id === c.body.id), "another pipeline's criteria are not on the checklist");
  // creating a deal with the stage of another pipeline is refused too
  const bad = await admin.post('/api/v1/opportunities', { name: 'x', pipeline_id: P.pipeline.id, stage_id: st.body.id });
  expectProblem(bad, 422, { field: 'stage_id' });
  // and the default pipeline is still the default
  assert.equal((await defaultPipeline(admin)).pipeline.id, P.pipeline.id);
  assert.equal((await admin.get(`/api/v1/opportunities/${d.id}`)).body.stage_id, P.stages.Lead.id);
});

test('Lost needs a reason; it closes the deal; reopening clears closed_at and the reason', async () => {
  const d = await newDeal();
  const noReason = await move(admin, d.id, { stage_id: P.stages.Lost.id });
  expectProblem(noReason, 422, { field: 'lost_reason' });
  expectProblem(await move(admin, d.id, { stage_id: P.stages.Lost.id, lost_reason: '' }), 422, { field: 'lost_reason' });
  const lost = await move(admin, d.id, { stage_id: P.stages.Lost.id, lost_reason: 'Chose a competitor on price' });
  assert.equal(lost.status, 200, lost.text);
  assert.equal(lost.body.stage_kind, 'lost');
  assert.equal(lost.body.lost_reason, 'Chose a competitor on price');
  assert.ok(lost.body.closed_at);
  assert.ok(Math.abs(Date.parse(lost.body.closed_at) - Date.now()) < 60000, 'closed now');
  assert.equal(lost.body.probability, 0);
  const closed = await admin.get(`/api/v1/opportunities?closed_at_from=2000-01-01&q=${encodeURIComponent(d.name)}`);
  assert.deepEqual(closed.body.items.map((x) => x.id), [d.id]);

  const reopened = await move(admin, d.id, { stage_id: P.stages.Lead.id });
  assert.equal(reopened.status, 200, reopened.text);
  assert.equal(reopened.body.closed_at, null);
  assert.equal(reopened.body.lost_reason, null);
  assert.equal(reopened.body.stage_kind, 'open');
  const open = await admin.get(`/api/v1/opportunities?closed_at=null&q=${encodeURIComponent(d.name)}`);
  assert.deepEqual(open.body.items.map((x) => x.id), [d.id]);
  // lost_reason is set only by the stage move
  expectProblem(await admin.patch(`/api/v1/opportunities/${d.id}`, { lost_reason: 'x' }), 422, { field: 'lost_reason' });
  expectProblem(await admin.patch(`/api/v1/opportunities/${d.id}`, { stage_id: P.stages.Won.id }), 422, { field: 'stage_id' });
});

test('the history has every change with the amount, probability and stages of that moment', async () => {
  const d = await newDeal(admin, { amount: 5000, close_date: '2026-05-31' });
  await tick(admin, d.id, 'Need identified');
  assert.equal((await admin.patch(`/api/v1/opportunities/${d.id}`, { amount: 7000 })).status, 200);
  assert.equal((await move(admin, d.id, { stage_id: P.stages.Qualified.id })).status, 200);
  await tick(admin, d.id, 'Budget confirmed');
  await tick(admin, d.id, 'Decision maker identified');
  assert.equal((await admin.patch(`/api/v1/opportunities/${d.id}`, { amount: 9000, close_date: '2026-06-30' })).status, 200);
  assert.equal((await move(admin, d.id, { stage_id: P.stages.Demo.id })).status, 200);
  assert.equal((await move(admin, d.id, { stage_id: P.stages.Lost.id, lost_reason: 'No budget' })).status, 200);
  assert.equal((await admin.patch(`/api/v1/opportunities/${d.id}`, { amount: 1 })).status, 200);

  const h = await admin.get(`/api/v1/opportunities/${d.id}/history`);
  assert.equal(h.status, 200, h.text);
  const rows = h.body.items.map((x) => ({ from: x.from_stage, to: x.to_stage, amount: x.amount, probability: x.probability, close_date: x.close_date }));
  assert.deepEqual(rows, [
    { from: null, to: 'Lead', amount: 5000, probability: 1000, close_date: '2026-05-31' },
    { from: 'Lead', to: 'Qualified', amount: 7000, probability: 2000, close_date: '2026-05-31' },
    { from: 'Qualified', to: 'Demo', amount: 9000, probability: 4000, close_date: '2026-06-30' },
    { from: 'Demo', to: 'Lost', amount: 9000, probability: 0, close_date: '2026-06-30' },
  ]);
  for (const x of h.body.items) {
    assert.equal(x.changed_by, admin.me.id);
    assert.equal(x.currency, 'CNY');
    assert.equal(x.override_note, null);
    assert.ok(x.days_in_stage >= 0 && x.days_in_stage < 1);
  }
  assert.deepEqual(h.body.items.map((x) => x.to_stage_id), [P.stages.Lead.id, P.stages.Qualified.id, P.stages.Demo.id, P.stages.Lost.id]);
});

test("a rep's override is 403; a manager's override needs a note and is recorded with what was missing", async () => {
  const d = await newDeal(repc);
  assert.equal(d.owner_id, rep.id);
  const plain = await move(repc, d.id, { stage_id: P.stages.Demo.id });
  expectProblem(plain, 422);
  const repOverride = await move(repc, d.id, { stage_id: P.stages.Demo.id, override: true, note: 'trust me' });
  expectProblem(repOverride, 403);
  assert.equal((await repc.get(`/api/v1/opportunities/${d.id}`)).body.stage_name, 'Lead');

  const noNote = await move(mgr, d.id, { stage_id: P.stages.Demo.id, override: true });
  expectProblem(noNote, 422, { field: 'note' });
  await tick(repc, d.id, 'Budget confirmed');
  const ok = await move(mgr, d.id, { stage_id: P.stages.Demo.id, override: true, note: 'Verbal budget from the CFO' });
  assert.equal(ok.status, 200, ok.text);
  assert.equal(ok.body.stage_name, 'Demo');
  const h = (await repc.get(`/api/v1/opportunities/${d.id}/history`)).body.items;
  const last = h[h.length - 1];
  assert.equal(last.to_stage, 'Demo');
  assert.equal(last.changed_by, manager.id);
  assert.equal(last.changed_by_name, 'Stage Manager');
  assert.equal(last.override_note, 'Verbal budget from the CFO');
  assert.deepEqual(last.missing.map((m) => m.name).sort(), ['Decision maker identified', 'Need identified']);
  // an override with nothing missing is simply a move, with no override recorded
  await tick(repc, d.id, 'Demo held');
  await tick(repc, d.id, 'Need identified');
  await tick(repc, d.id, 'Decision maker identified');
  assert.equal((await move(mgr, d.id, { stage_id: P.stages.Proposal.id, override: true, note: 'n/a' })).status, 200);
  const h2 = (await repc.get(`/api/v1/opportunities/${d.id}/history`)).body.items;
  assert.equal(h2[h2.length - 1].override_note, null);
  assert.equal(h2[h2.length - 1].missing, null);
});

test('stage moves are refused for bad input and stale versions', async () => {
  const d = await newDeal();
  expectProblem(await move(admin, d.id, {}), 422, { field: 'stage_id' });
  expectProblem(await move(admin, d.id, { stage_id: 'Lost' }), 422, { field: 'stage_id' });
  expectProblem(await move(admin, d.id, { stage_id: P.stages.Lost.id, lost_reason: 'x', colour: 'red' }), 422, { field: 'colour' });
  expectProblem(await move(admin, d.id, { stage_id: P.stages.Lost.id, lost_reason: 'x', override: 'yes' }), 422, { field: 'override' });
  expectProblem(await move(admin, d.id, { stage_id: P.stages.Lost.id, lost_reason: 'x', version: d.version + 1 }), 412);
  const ok = await move(admin, d.id, { stage_id: P.stages.Lost.id, lost_reason: 'x', version: d.version });
  assert.equal(ok.status, 200, ok.text);
  assert.equal(ok.body.version, d.version + 1);
  expectProblem(await move(admin, 999999, { stage_id: P.stages.Lost.id, lost_reason: 'x' }), 404);
});

test('the audit trail has create, update and stage rows with old and new values', async () => {
  const d = await newDeal(admin, { amount: 1200 });
  await admin.patch(`/api/v1/opportunities/${d.id}`, { amount: 3400, source: 'Trade fair' });
  await tick(admin, d.id, 'Need identified');
  await move(admin, d.id, { stage_id: P.stages.Qualified.id });
  await move(admin, d.id, { stage_id: P.stages.Lost.id, lost_reason: 'Timing' });
  const a = await admin.get(`/api/v1/opportunities/${d.id}/audit`);
  assert.equal(a.status, 200, a.text);
  const rows = a.body.items;
  const created = rows.filter((r) => r.action === 'create');
  assert.deepEqual(Object.fromEntries(created.map((r) => [r.field, r.new])).name, d.name);
  assert.equal(created.find((r) => r.field === 'amount').new, '1200');
  assert.ok(created.every((r) => r.old === null));
  const upd = rows.filter((r) => r.action === 'update').map((r) => [r.field, r.old, r.new]);
  assert.deepEqual(upd, [
    ['amount', '1200', '3400'],
    ['source', null, 'Trade fair'],
    [`criterion:${crit('Need identified').id}`, 'false', 'true'],
    ['stage_id', String(P.stages.Lead.id), String(P.stages.Qualified.id)],
    ['stage_id', String(P.stages.Qualified.id), String(P.stages.Lost.id)],
    ['lost_reason', null, 'Timing'],
  ]);
  for (const r of rows) {
    assert.equal(r.actor_id, admin.me.id);
    assert.equal(r.actor, 'Admin');
    assert.ok(!Number.isNaN(Date.parse(r.at)));
  }
  const ids = rows.map((r) => r.id);
  assert.deepEqual(ids, [...ids].sort((x, y) => x - y), 'oldest first');
  // deleting is audited too, and the trail of a deleted deal is gone from the API
  assert.equal((await admin.del(`/api/v1/opportunities/${d.id}`)).status, 204);
  expectProblem(await admin.get(`/api/v1/opportunities/${d.id}/audit`), 404);
});
