// A deal from start to loss: create an account, a contact and an opportunity
// with two line items in the UI (the page shows their computed amount), drag
// it across two stages on the board (ticking the exit criteria the move asks
// for), then move it to Lost from the keyboard and give the reason asked for.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ADMIN_EMAIL, ADMIN_PASSWORD, createProduct, fieldBox, login, withServerAndBrowser } from './lib.mjs';

const env = withServerAndBrowser();

test('create, price, move through the board with exit criteria, and lose a deal', async () => {
  const { server, browser } = env;
  const { page } = browser;
  await createProduct(server.admin, { name: 'Data Platform', sku: 'E2E-DP', list_price: 100000 });      // CN¥1,000
  await createProduct(server.admin, { name: 'Onboarding', sku: 'E2E-ON', list_price: 50000 });          // CN¥500
  await login(page, server, ADMIN_EMAIL, ADMIN_PASSWORD);

  // account
  await page.click('nav >> text=Accounts');
  await page.click('button:has-text("New account")');
  const accDialog = page.locator('dialog[open]');
  await accDialog.locator('[data-field=name]').fill('Acme 机械 Ltd');
  await accDialog.locator('[data-field=industry]').fill('Manufacturing');
  await accDialog.locator('button[type=submit]').click();
  await page.waitForURL(/\/accounts\/\d+$/);
  await page.getByRole('heading', { level: 1, name: 'Acme 机械 Ltd' }).waitFor();

  // contact on the account
  await page.click('button:has-text("New contact")');
  const cDialog = page.locator('dialog[open]');
  await cDialog.locator('[data-field=name]').fill('李雷');
  await cDialog.locator('[data-field=email]').fill('li.lei@acme.example');
  await cDialog.locator('[data-field=buying_role]').selectOption('champion');
  await cDialog.locator('button[type=submit]').click();
  await page.locator('section:has(#acc-contacts) a', { hasText: '李雷' }).waitFor();

  // opportunity on the account, with the contact as primary
  await page.click('button:has-text("New opportunity")');
  const oDialog = page.locator('dialog[open]');
  await oDialog.locator('[data-field=name]').fill('Acme rollout');
  await oDialog.locator('[data-field=contact_id]').selectOption({ label: '李雷' });
  await oDialog.locator('[data-field=close_date]').fill('2030-06-30');
  await oDialog.locator('button[type=submit]').click();
  await page.waitForURL(/\/opportunities\/\d+$/);
  const oppId = Number(page.url().split('/').pop());
  await page.getByRole('heading', { level: 1, name: 'Acme rollout' }).waitFor();

  // two line items: 2 x 1,000 and 1 x 500 less 10% = 2,450
  const add = page.locator('tr.add-row');
  await add.locator('[data-field=product_id]').selectOption({ label: 'Data Platform (E2E-DP)' });
  assert.equal(await add.locator('[data-field=unit_price]').inputValue(), '1000', 'the list price is filled in');
  await add.locator('[data-field=quantity]').fill('2');
  await add.locator('button[type=submit]').click();
  await page.locator('.table-lines tbody tr:not(.add-row)', { hasText: 'Data Platform' }).waitFor();
  await add.locator('[data-field=product_id]').selectOption({ label: 'Onboarding (E2E-ON)' });
  await add.locator('[data-field=discount_bp]').fill('10');
  assert.equal(await add.locator('td').nth(4).textContent(), 'CN¥450', 'the line total is computed as you type');
  await add.locator('button[type=submit]').click();
  await page.locator('.table-lines tbody tr:not(.add-row)', { hasText: 'Onboarding' }).waitFor();
  await page.waitForFunction(() => document.querySelector('[data-testid=opp-amount]')?.textContent === 'CN¥2,450');
  assert.equal(await page.textContent('[data-testid=line-sum]'), 'CN¥2,450');
  assert.match(await page.textContent('section:has(#opp-contacts)'), /李雷/);

  // board: Lead -> Qualified needs "Need identified"
  await page.click('nav >> text=Pipeline');
  const card = page.locator(`.deal-card[data-id="${oppId}"]`);
  const column = (name) => page.locator(`section.column[data-stage="${name}"]`);
  await column('Lead').locator(`.deal-card[data-id="${oppId}"]`).waitFor();
  await card.dragTo(column('Qualified').locator('.column-cards'));
  let dialog = page.locator('dialog[open]');
  await dialog.getByRole('heading', { name: 'Before Qualified' }).waitFor();
  assert.deepEqual(await dialog.locator('.checklist label > span:first-of-type').allTextContents(), ['Need identified']);
  const retry = dialog.locator('button:has-text("Move to Qualified")');
  assert.equal(await retry.isDisabled(), true, 'the move waits until the criteria are ticked');
  assert.equal(await column('Lead').locator(`.deal-card[data-id="${oppId}"]`).count(), 1, 'a refused move leaves the card where it was');
  await dialog.getByLabel('Need identified').check();
  await retry.click();
  await dialog.waitFor({ state: 'detached' });
  await column('Qualified').locator(`.deal-card[data-id="${oppId}"]:not(.pending)`).waitFor();
  assert.match(await column('Qualified').locator('.column-head').textContent(), /CN¥2,450/, 'the column total includes the deal');

  // Qualified -> Demo needs two more
  await card.dragTo(column('Demo').locator('.column-cards'));
  dialog = page.locator('dialog[open]');
  await dialog.getByRole('heading', { name: 'Before Demo' }).waitFor();
  for (const name of ['Budget confirmed', 'Decision maker identified']) await dialog.getByLabel(name).check();
  await dialog.locator('button:has-text("Move to Demo")').click();
  await dialog.waitFor({ state: 'detached' });
  await column('Demo').locator(`.deal-card[data-id="${oppId}"]:not(.pending)`).waitFor();
  assert.match(await column('Demo').locator(`.deal-card[data-id="${oppId}"]`).textContent(), /CN¥2,450/);

  // Demo -> Lost, from the keyboard with the card's "Move to…" menu; it asks why, and the reason is required.
  // Each key is pressed once the user can see where it will go: the page has its focus back from the
  // closed dialog, the menu is open with its first choice focused, and each ArrowDown has moved the focus.
  await page.locator('main:focus').waitFor();
  await card.locator('.deal-menu').focus();
  await page.keyboard.press('Enter');
  const menu = card.locator('[role=menu]');
  const focused = (name) => menu.getByRole('menuitem', { name, exact: true }).and(page.locator(':focus'));
  const choices = ['Lead', 'Qualified', 'Proposal', 'Negotiation', 'Won', 'Lost'];
  await focused(choices[0]).waitFor();
  assert.deepEqual(await menu.getByRole('menuitem').allTextContents(), choices);
  for (const name of choices.slice(1)) {
    await page.keyboard.press('ArrowDown');
    await focused(name).waitFor();
  }
  await page.keyboard.press('Enter');
  dialog = page.locator('dialog[open]');
  await dialog.getByRole('heading', { name: 'Mark Acme rollout as lost' }).waitFor();
  await dialog.locator('button:has-text("Mark as lost")').click();
  await fieldBox(dialog, 'lost_reason').locator('.field-error').waitFor();
  assert.equal(await fieldBox(dialog, 'lost_reason').locator('.field-error').textContent(), 'Required.');
  await dialog.locator('[data-field=lost_reason]').fill('Chose a cheaper local vendor');
  await dialog.locator('button:has-text("Mark as lost")').click();
  await dialog.waitFor({ state: 'detached' });
  await column('Lost').locator(`.deal-card[data-id="${oppId}"]`).waitFor();
  assert.equal(await column('Demo').locator(`.deal-card[data-id="${oppId}"]`).count(), 0);

  const r = await server.admin.get(`/api/v1/opportunities/${oppId}`);
  assert.equal(r.body.stage_name, 'Lost');
  assert.equal(r.body.lost_reason, 'Chose a cheaper local vendor');
  assert.equal(r.body.amount, 245000);
  const h = await server.admin.get(`/api/v1/opportunities/${oppId}/history`);
  assert.deepEqual(h.body.items.map((x) => x.to_stage), ['Lead', 'Qualified', 'Demo', 'Lost']);

  // the deal page tells the story: lost reason and stage history
  await page.goto(`${server.url}/opportunities/${oppId}`);
  await page.locator('.alert', { hasText: 'Lost: Chose a cheaper local vendor' }).waitFor();
  const rows = page.locator('section:has(#opp-history) tbody tr');
  await rows.nth(3).waitFor();
  assert.deepEqual(await rows.locator('th').allTextContents(), ['Lost', 'Demo', 'Qualified', 'Lead'], 'newest first');
  assert.deepEqual(browser.errors, []);
});
