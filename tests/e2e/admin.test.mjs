// The admin pages: a team with its manager, a new stage with its probability
// and an exit criterion, a product, and an API token whose secret is shown
// once and which then works.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ADMIN_EMAIL, ADMIN_PASSWORD, login, withServerAndBrowser } from './lib.mjs';

const env = withServerAndBrowser();

test('teams, stages and criteria, products, API tokens', async () => {
  const { server, browser } = env;
  const { page } = browser;
  const manager = await server.addUser({ email: 'li.wei@test.local', name: '李伟', role: 'manager' });
  await login(page, server, ADMIN_EMAIL, ADMIN_PASSWORD);

  // a team and its manager
  await page.click('nav >> text=Teams');
  await page.click('button:has-text("New team")');
  let dialog = page.locator('dialog[open]');
  await dialog.locator('[data-field=name]').fill('华南 South China');
  await dialog.locator('[data-field=manager_id]').selectOption({ label: '李伟' });
  await dialog.locator('button[type=submit]').click();
  await dialog.waitFor({ state: 'detached' });
  const teams = (await server.admin.get('/api/v1/teams')).body.items;
  assert.equal(teams.find((x) => x.name === '华南 South China').manager_id, manager.id);

  // a stage between Negotiation and Won, at 90 %, with a required criterion
  await page.click('nav >> text=Pipelines & stages');
  const form = page.locator('form.inline-form', { has: page.locator('button:has-text("Add stage")') });
  await form.locator('[data-field=name]').fill('Contract');
  await form.locator('[data-field=probability]').fill('90');
  await form.locator('button:has-text("Add stage")').click();
  const row = page.locator('tbody tr', { has: page.getByRole('button', { name: 'Delete stage Contract' }) });
  await row.waitFor();
  await row.getByRole('button', { name: 'Move Contract up' }).click();
  await row.getByRole('button', { name: 'Move Contract up' }).click();
  await page.waitForFunction(() => [...document.querySelectorAll('tbody tr td:nth-child(2) input')].map((i) => i.value).join() === 'Lead,Qualified,Demo,Proposal,Negotiation,Contract,Won,Lost');
  await row.getByRole('button', { name: '0 criteria' }).click();
  const crit = page.locator('.criteria-admin form');
  await crit.locator('[data-field=name]').fill('Legal review done');
  await crit.locator('button[type=submit]').click();
  await page.getByRole('button', { name: 'Delete Legal review done' }).waitFor();
  const stages = (await server.admin.get('/api/v1/stages?sort=position')).body.items;
  const contract = stages.find((s) => s.name === 'Contract');
  assert.equal(contract.probability, 9000);
  assert.ok(stages.find((s) => s.name === 'Negotiation').position < contract.position && contract.position < stages.find((s) => s.name === 'Won').position);
  const criteria = (await server.admin.get(`/api/v1/stage-criteria?stage_id=${contract.id}`)).body.items;
  assert.deepEqual(criteria.map((c) => [c.name, c.required]), [['Legal review done', true]]);

  // a product
  await page.click('nav >> text=Products');
  await page.click('button:has-text("New product")');
  dialog = page.locator('dialog[open]');
  await dialog.locator('[data-field=name]').fill('数据平台 企业版');
  await dialog.locator('[data-field=sku]').fill('DP-ENT');
  await dialog.locator('[data-field=list_price]').fill('240,000');
  await dialog.locator('button[type=submit]').click();
  await page.locator('tbody tr', { hasText: 'DP-ENT' }).locator('td', { hasText: 'CN¥240,000' }).waitFor();

  // an API token: shown once, and it works
  await page.click('nav >> text=API tokens');
  await page.fill('[data-field=name]', 'ERP sync');
  await page.click('button:has-text("Create token")');
  const secret = await page.locator('[data-testid=token-secret]').textContent();
  const me = await fetch(server.url + '/api/v1/session', { headers: { Authorization: `Bearer ${secret}` } });
  assert.equal(me.status, 200);
  await page.click('button:has-text("I have saved it")');
  await page.locator('tbody th', { hasText: 'ERP sync' }).waitFor();
  assert.equal(await page.locator('body').textContent().then((s) => s.includes(secret)), false, 'the secret is not shown again');
  await page.getByRole('button', { name: 'Revoke ERP sync' }).click();
  await page.locator('.empty', { hasText: 'You have no API tokens.' }).waitFor();
  const after = await fetch(server.url + '/api/v1/session', { headers: { Authorization: `Bearer ${secret}` } });
  assert.equal(after.status, 401);
  assert.deepEqual(browser.errors, []);
});
