// A sales manager's tools: overriding unmet exit criteria with a note (a rep
// is not offered that), and on the deal list: filters, sort, the column
// chooser, a saved view, "load more", and reassigning deals in bulk.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { PASSWORD, createOpportunity, login, openBrowser, startServer, teamWithManager } from './lib.mjs';

let server, team, manager, repA, repB;
before(async () => {
  server = await startServer({ pg: false });
  ({ team, manager, reps: [repA, repB] } = await teamWithManager(server, '华东 East', [{ email: 'zhang.min@test.local', name: '张敏' }, { email: 'chen.jing@test.local', name: '陈静' }]));
});
after(async () => { await server?.stop(); });

test('a manager overrides exit criteria with a note; a rep cannot', async () => {
  const a = await server.login(repA.email, PASSWORD);
  const deal = await createOpportunity(a, { name: 'Override me', amount: 100000 });

  const rep = await openBrowser();
  try {
    await login(rep.page, server, repA.email, PASSWORD);
    await rep.page.goto(`${server.url}/opportunities/${deal.id}`);
    await rep.page.locator('.stage-step', { hasText: 'Qualified' }).click();
    const dialog = rep.page.locator('dialog[open]');
    await dialog.getByRole('heading', { name: 'Before Qualified' }).waitFor();
    assert.equal(await dialog.locator('details.override').count(), 0, 'no override for a rep');
  } finally {
    await rep.close();
  }

  const browser = await openBrowser();
  const { page } = browser;
  try {
    await login(page, server, manager.email, PASSWORD);
    await page.goto(`${server.url}/board`);
    const card = page.locator(`.deal-card[data-id="${deal.id}"]`);
    await card.locator('.deal-menu').click();
    await page.getByRole('menuitem', { name: 'Qualified' }).click();
    const dialog = page.locator('dialog[open]');
    await dialog.locator('summary', { hasText: 'Move it anyway' }).click();
    await dialog.locator('button:has-text("Override and move")').click();
    await dialog.locator('.field:has([data-field=note]) .field-error').waitFor();   // the note is required
    await dialog.locator('[data-field=note]').fill('客户口头确认需求，书面材料下周补');
    await dialog.locator('button:has-text("Override and move")').click();
    await dialog.waitFor({ state: 'detached' });
    await page.locator(`section.column[data-stage="Qualified"] .deal-card[data-id="${deal.id}"]:not(.pending)`).waitFor();

    await card.locator('.deal-name').click();
    await page.locator('.override-note', { hasText: '客户口头确认需求，书面材料下周补' }).waitFor();
    const h = (await server.admin.get(`/api/v1/opportunities/${deal.id}/history`)).body.items;
    assert.equal(h.at(-1).override_note, '客户口头确认需求，书面材料下周补');
    assert.deepEqual(h.at(-1).missing.map((m) => m.name), ['Need identified']);
    assert.deepEqual(browser.errors, []);
  } finally {
    await browser.close();
  }
});

test('the deal list: filter, sort, columns, saved view, load more, bulk reassign', async () => {
  const a = await server.login(repA.email, PASSWORD);
  const b = await server.login(repB.email, PASSWORD);
  for (let i = 1; i <= 55; i++) await createOpportunity(a, { name: `A deal ${String(i).padStart(2, '0')}`, amount: i * 100000, close_date: `2030-01-${String(1 + (i % 28)).padStart(2, '0')}` });
  await createOpportunity(b, { name: 'B deal 01', amount: 999900 });

  const browser = await openBrowser({ viewport: { width: 1440, height: 900 } });
  const { page } = browser;
  try {
    await login(page, server, manager.email, PASSWORD);
    await page.click('nav >> text=Opportunities');
    const rows = page.locator('tbody tr');
    await rows.nth(49).waitFor();
    assert.equal(await rows.count(), 50, 'a page of 50');
    await page.click('button:has-text("Load more")');
    await rows.nth(55).waitFor();
    assert.equal(await page.locator('button:has-text("Load more")').count(), 0, 'all 56 are shown');

    // filter by owner, sort by amount (largest first)
    await page.locator('select[name=owner_id]').selectOption({ label: '张敏' });
    await page.waitForFunction(() => document.querySelectorAll('tbody tr').length === 50);
    await page.click('th button:has-text("Amount")');
    await page.click('th button:has-text("Amount")');
    await page.waitForFunction(() => document.querySelector('tbody tr a')?.textContent === 'A deal 55');
    assert.equal(await page.getAttribute('th:has(button:has-text("Amount"))', 'aria-sort'), 'descending');

    // a column more, then save the view and get it back after a reload
    await page.click('summary:has-text("Columns")');
    await page.getByLabel('Probability').check();
    await page.locator('thead th', { hasText: 'Probability' }).waitFor();
    await page.click('button:has-text("Save view")');
    await page.fill('input[aria-label="Name of the view"]', '张敏的大单');
    await page.press('input[aria-label="Name of the view"]', 'Enter');
    await page.reload();
    await page.locator('.views select').selectOption({ label: 'Default view' });
    await page.waitForFunction(() => !document.querySelector('thead')?.textContent.includes('Probability'));
    await page.locator('.views select').selectOption({ label: '张敏的大单' });
    await page.locator('thead th', { hasText: 'Probability' }).waitFor();
    await page.waitForFunction(() => document.querySelector('tbody tr a')?.textContent === 'A deal 55');

    // reassign the two largest to 陈静
    await page.getByLabel('Select A deal 55').check();
    await page.getByLabel('Select A deal 54').check();
    await page.locator('.bulk').getByText('2 selected').waitFor();
    await page.locator('.bulk select').selectOption({ label: '陈静' });
    await page.click('.bulk button:has-text("Reassign")');
    await page.locator('.bulk .alert', { hasText: '2 deals reassigned.' }).waitFor();
    const mine = (await server.admin.get(`/api/v1/opportunities?owner_id=${repB.id}&sort=name`)).body.items.map((o) => o.name);
    assert.deepEqual(mine, ['A deal 54', 'A deal 55', 'B deal 01']);
    assert.deepEqual(browser.errors, []);
  } finally {
    await browser.close();
  }
});
