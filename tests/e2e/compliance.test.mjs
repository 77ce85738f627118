// Playbooks and compliance: an admin gives the Lead stage a required action
// in Admin > Pipelines (beside its exit criteria); a rep's new deal gets it as
// a task, which the deal page marks as the playbook's; the deal moves on with
// the task undone; the manager's compliance page counts it for the rep, and
// the number lists the deal with the action it missed.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ADMIN_EMAIL, ADMIN_PASSWORD, PASSWORD, createOpportunity, login, openBrowser, startServer, teamWithManager } from './lib.mjs';
import { defaultPipeline } from '../api/lib.mjs';

let server, manager, repA, repB;
before(async () => {
  server = await startServer({ pg: false });
  ({ manager, reps: [repA, repB] } = await teamWithManager(server, '华东 East', [{ email: 'zhang.min@test.local', name: '张敏' }, { email: 'chen.jing@test.local', name: '陈静' }]));
});
after(async () => { await server?.stop(); });

test('a deal that moved past a stage without its required action shows up in compliance', async () => {
  const { stages } = await defaultPipeline(server.admin);
  const admin = await openBrowser();
  try {
    const { page } = admin;
    await login(page, server, ADMIN_EMAIL, ADMIN_PASSWORD);
    await page.click('nav >> text=Pipelines & stages');
    const lead = page.locator('tbody tr', { has: page.getByRole('button', { name: 'Delete stage Lead' }) });
    await lead.getByRole('button', { name: '0 actions' }).click();
    const form = page.locator('.actions-admin form');
    await form.locator('[data-field=name]').fill('Discovery call');
    await form.locator('[data-field=due_days]').fill('3');
    await form.locator('button[type=submit]').click();
    await page.getByRole('button', { name: 'Delete the action Discovery call' }).waitFor();
    await lead.getByRole('button', { name: '1 action' }).waitFor();
    // the exit criteria are right beside it
    const shown = await page.$$eval('.stage-rules section', (secs) => secs.map((sec) => [
      sec.querySelector('h3').textContent, [...sec.querySelectorAll('li input[type=text]')].map((i) => i.value)]));
    assert.deepEqual(shown, [['Exit criteria', ['Need identified']], ['Playbook', ['Discovery call', '3']]]);
    const actions = (await server.admin.get(`/api/v1/stage-actions?stage_id=${stages.Lead.id}`)).body.items;
    assert.deepEqual(actions.map((x) => [x.name, x.due_days, x.required]), [['Discovery call', 3, true]]);
    assert.deepEqual(admin.errors, []);
  } finally {
    await admin.close();
  }

  // 张敏's new deal gets the action as a task; 陈静 does hers
  const a = await server.login(repA.email, PASSWORD);
  const b = await server.login(repB.email, PASSWORD);
  const missed = await createOpportunity(a, { name: '星河电子 扩容', amount: 500000 });
  const kept = await createOpportunity(b, { name: 'Acme rollout', amount: 700000 });
  const taskOf = async (client, deal) => (await client.get(`/api/v1/activities?opportunity_id=${deal.id}&kind=task`)).body.items.find((x) => x.stage_action_id);
  const keptTask = await taskOf(b, kept);
  assert.equal((await b.patch(`/api/v1/activities/${keptTask.id}`, { done_at: new Date().toISOString() })).status, 200);

  const rep = await openBrowser();
  try {
    const { page } = rep;
    await login(page, server, repA.email, PASSWORD);
    await page.goto(`${server.url}/opportunities/${missed.id}`);
    const playbook = page.locator('section:has(#opp-playbook)');
    await playbook.locator('.tl-item', { hasText: 'Discovery call' }).waitFor();
    assert.match(await playbook.textContent(), /Playbook · Lead/);
    assert.match(await page.locator('.timeline .tl-item', { hasText: 'Discovery call' }).textContent(), /Playbook · Lead/);
    assert.deepEqual(rep.errors, []);
  } finally {
    await rep.close();
  }

  // both deals move on to Qualified (the manager overrides the exit criteria)
  const boss = await server.login(manager.email, PASSWORD);
  for (const d of [missed, kept]) {
    const r = await boss.post(`/api/v1/opportunities/${d.id}/stage`, { stage_id: stages.Qualified.id, override: true, note: 'e2e' });
    assert.equal(r.status, 200, r.text);
  }

  const browser = await openBrowser();
  try {
    const { page } = browser;
    await login(page, server, manager.email, PASSWORD);
    await page.click('nav >> text=Compliance');
    const rowA = page.locator('tr[data-rep="张敏"]');
    await rowA.waitFor();
    assert.equal(await rowA.locator('td[data-kind=missing_actions]').textContent(), '1');
    assert.equal(await page.locator('tr[data-rep="陈静"] td[data-kind=missing_actions]').textContent(), '0');
    await rowA.locator('td[data-kind=missing_actions] button').click();
    const dialog = page.locator('dialog[open]');
    await dialog.getByRole('heading', { name: /Past a stage without its required actions · 张敏/ }).waitFor();
    const item = dialog.locator('.deal-list > li');
    assert.equal(await item.count(), 1);
    assert.match(await item.textContent(), /星河电子 扩容 · Qualified.*Discovery call \(from Lead\)/);
    await item.locator('a', { hasText: '星河电子 扩容' }).click();
    await page.waitForURL(new RegExp(`/opportunities/${missed.id}$`));
    assert.deepEqual(browser.errors, []);
  } finally {
    await browser.close();
  }
});
