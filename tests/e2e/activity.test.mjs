// Logging activity from a record: a call in two clicks, a task with a due
// date that then shows on My tasks, is completed there, and can be undone.
// Then logging out.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PASSWORD, createAccount, createOpportunity, login, withServerAndBrowser } from './lib.mjs';

const env = withServerAndBrowser();

test('log a call and complete a task', async () => {
  const { server, browser } = env;
  const { page } = browser;
  const rep = await server.addUser({ email: 'rep@test.local', name: 'Wang Lei', role: 'rep' });
  const client = await server.login(rep.email, PASSWORD);
  const acc = await createAccount(client, { name: 'Bright Foods 明亮食品' });
  const opp = await createOpportunity(client, { name: 'Bright Foods pilot', account_id: acc.id });
  await login(page, server, rep.email, PASSWORD);
  await page.goto(`${server.url}/opportunities/${opp.id}`);
  const panel = page.locator('section:has(#activity-h)');

  // a call: click "Call", click "Save"
  await panel.locator('button[data-kind=call]').click();
  assert.equal(await panel.locator('[data-field=subject]').inputValue(), 'Call', 'the subject is filled in');
  await panel.locator('button[type=submit]').click();
  await panel.locator('.tl-item.tl-call', { hasText: 'Call' }).waitFor();

  // a task due tomorrow, with a subject of its own
  await panel.locator('button[data-kind=task]').click();
  await panel.locator('[data-field=subject]').fill('Send the revised quote 报价');
  await panel.locator('button[type=submit]').click();
  const task = panel.locator('.tl-item.tl-task', { hasText: 'Send the revised quote 报价' });
  await task.waitFor();

  let acts = (await client.get(`/api/v1/activities?opportunity_id=${opp.id}&sort=-id`)).body.items;
  assert.deepEqual(acts.map((a) => [a.kind, a.subject, !!a.done_at]),
    [['task', 'Send the revised quote 报价', false], ['call', 'Call', true]]);
  assert.equal(acts[0].account_id, acc.id, 'filed under the account too');
  const due = new Date(acts[0].due_at);
  assert.ok(due > new Date() && due - Date.now() < 2.1 * 86400e3, `due tomorrow, got ${acts[0].due_at}`);

  // My tasks: complete it, then undo
  await page.click('nav >> text=My tasks');
  const item = page.locator('.tl-item', { hasText: 'Send the revised quote 报价' });
  await item.waitFor();
  await item.getByRole('checkbox').check();
  await page.locator('.tl-item.done', { hasText: 'Send the revised quote 报价' }).waitFor();
  acts = (await client.get(`/api/v1/activities?opportunity_id=${opp.id}&kind=task`)).body.items;
  assert.ok(acts[0].done_at, 'done_at is set');
  await item.getByRole('checkbox').uncheck();
  await page.locator('.tl-item:not(.done)', { hasText: 'Send the revised quote 报价' }).waitFor();
  acts = (await client.get(`/api/v1/activities?opportunity_id=${opp.id}&kind=task`)).body.items;
  assert.equal(acts[0].done_at, null, 'undo opens it again');

  // done for good: it leaves the open list and shows under Done
  await item.getByRole('checkbox').check();
  await page.locator('.tl-item.done', { hasText: 'Send the revised quote 报价' }).waitFor();
  await page.reload();
  await page.locator('.empty', { hasText: 'No open tasks.' }).waitFor();
  await page.click('button:has-text("Done")');
  await page.locator('.tl-item.done', { hasText: 'Send the revised quote 报价' }).waitFor();

  // log out: the session ends, and the app asks for a login again
  await page.click('.user-button');
  await page.getByRole('menuitem', { name: 'Log out' }).click();
  await page.waitForURL(/\/login$/);
  await page.locator('button[type=submit]', { hasText: 'Log in' }).waitFor();
  await page.goto(`${server.url}/tasks`);
  await page.locator('button[type=submit]', { hasText: 'Log in' }).waitFor();
  assert.deepEqual(browser.errors, []);
});
