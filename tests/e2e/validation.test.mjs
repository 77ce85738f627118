// The server's validation errors appear next to the field they are about:
// in a dialog form, in a product form, and in a field edited in place; and an
// edit of a record someone else changed meanwhile is refused and said so.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ADMIN_EMAIL, ADMIN_PASSWORD, createOpportunity, fieldBox, login, withServerAndBrowser } from './lib.mjs';

const env = withServerAndBrowser();

test('a validation error appears next to its field', async () => {
  const { server, browser } = env;
  const { page } = browser;
  await login(page, server, ADMIN_EMAIL, ADMIN_PASSWORD);

  // new user with an address that is not one
  await page.click('nav >> text=Users & roles');
  await page.click('button:has-text("New user")');
  const dialog = page.locator('dialog[open]');
  await dialog.locator('[data-field=email]').fill('zhang.min at example.com');
  await dialog.locator('[data-field=name]').fill('张敏');
  await dialog.locator('[data-field=password]').fill('a-good-password-1');
  await dialog.locator('button[type=submit]').click();
  const email = fieldBox(dialog, 'email');
  await email.locator('.field-error').waitFor();
  assert.equal(await email.locator('.field-error').textContent(), 'Enter an email address such as name@example.com.');
  assert.equal(await dialog.locator('[data-field=email]').getAttribute('aria-invalid'), 'true');
  const describedBy = await dialog.locator('[data-field=email]').getAttribute('aria-describedby');
  assert.equal(await page.locator(`[id="${describedBy}"]`).textContent(), 'Enter an email address such as name@example.com.');
  assert.equal(await fieldBox(dialog, 'name').locator('.field-error').count(), 0, 'only the wrong field is marked');
  // fixed, it goes through
  await dialog.locator('[data-field=email]').fill('zhang.min@example.com');
  await dialog.locator('button[type=submit]').click();
  await dialog.waitFor({ state: 'detached' });
  await page.locator('tbody th', { hasText: 'zhang.min@example.com' }).waitFor();

  // a product without its SKU, and with a price that is not a number
  await page.click('nav >> text=Products');
  await page.click('button:has-text("New product")');
  await dialog.locator('[data-field=name]').fill('Data Platform');
  await dialog.locator('[data-field=list_price]').fill('12 000 yuan');
  await dialog.locator('button[type=submit]').click();
  await fieldBox(dialog, 'list_price').locator('.field-error', { hasText: 'Enter a number.' }).waitFor();
  await dialog.locator('[data-field=list_price]').fill('12,000.50');
  await dialog.locator('button[type=submit]').click();
  await fieldBox(dialog, 'sku').locator('.field-error', { hasText: 'Required.' }).waitFor();
  assert.equal(await fieldBox(dialog, 'list_price').locator('.field-error').count(), 0);
  await dialog.locator('button:has-text("Cancel")').click();

  // a field edited in place on a deal: a name longer than the server takes
  const opp = await createOpportunity(server.admin, { name: 'Short name' });
  await page.goto(`${server.url}/opportunities/${opp.id}`);
  await page.click('button.editable-value[data-field=name]');
  await page.fill('input[data-field=name]', '长'.repeat(201));
  await page.press('input[data-field=name]', 'Enter');
  const box = page.locator('.editable:has([data-field=name])');
  await box.locator('.field-error', { hasText: 'At most 200 characters.' }).waitFor();
  assert.equal(await page.locator('input[data-field=name]').getAttribute('aria-invalid'), 'true');
  assert.equal((await server.admin.get(`/api/v1/opportunities/${opp.id}`)).body.name, 'Short name');
  await page.keyboard.press('Escape');

  // someone else saves first: the edit is refused (If-Match), said so, and their version shown
  const other = await server.admin.patch(`/api/v1/opportunities/${opp.id}`, { name: 'Renamed elsewhere' });
  assert.equal(other.status, 200, other.text);
  await page.click('button.editable-value[data-field=source]');
  await page.fill('input[data-field=source]', 'trade show');
  await page.press('input[data-field=source]', 'Enter');
  await page.locator('.editable:has([data-field=source]) .field-error', { hasText: 'Someone else changed this in the meantime.' }).waitFor();
  await page.getByRole('heading', { level: 1, name: 'Renamed elsewhere' }).waitFor();
  assert.equal((await server.admin.get(`/api/v1/opportunities/${opp.id}`)).body.source, null, 'the stale edit was not saved');
  assert.deepEqual(browser.errors, []);
});
