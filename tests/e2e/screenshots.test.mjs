// The main pages with the demo company's data, opened as a sales manager and
// an admin, on a 1280 px screen and a 390 px phone. Each page must render
// without errors; the PNGs go to $CYLINDER_SCREENSHOTS_DIR (docs/screenshots
// when run by `npm run screenshots` in web/), or to a temporary folder.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { login, openBrowser, startDemoServer } from './lib.mjs';

const PASSWORD = 'demo-password-1';
const MANAGER = 'wang.fang@cylinder.local';
const ADMIN = 'admin@cylinder.local';
const OUT = process.env.CYLINDER_SCREENSHOTS_DIR || fs.mkdtempSync(path.join(os.tmpdir(), 'cyl-shots-'));

let server;
before(async () => {
  fs.mkdirSync(OUT, { recursive: true });
  server = await startDemoServer(PASSWORD);
});
after(async () => {
  await server?.stop();
  if (!process.env.CYLINDER_SCREENSHOTS_DIR) fs.rmSync(OUT, { recursive: true, force: true });
});

/** Wait until the page has no request in flight and nothing is loading, then save it. */
async function shoot(page, name, ready) {
  await page.locator(ready).first().waitFor();
  await page.waitForLoadState('networkidle');
  assert.equal(await page.locator('.status[role=status]').count(), 0, `${name}: still loading`);
  await page.screenshot({ path: path.join(OUT, name) });
}

/** A deal of the manager's team in Proposal with products, contacts and activity, for the deal page. */
async function showcaseDeal(client) {
  const stages = (await client.get('/api/v1/stages?sort=position&limit=200')).body.items;
  const proposal = stages.find((s) => s.name === 'Proposal');
  const deals = (await client.get(`/api/v1/opportunities?stage_id=${proposal.id}&sort=-amount&limit=50`)).body.items;
  for (const d of deals) {
    const acts = (await client.get(`/api/v1/activities?opportunity_id=${d.id}&limit=3`)).body.items;
    if (d.amount_from_items && d.contact_id && acts.length >= 3) return d;
  }
  return deals[0];
}

test('main pages as a sales manager', async () => {
  const client = await server.login(MANAGER, PASSWORD);
  const deal = await showcaseDeal(client);
  const browser = await openBrowser({ viewport: { width: 1280, height: 860 } });
  const { page } = browser;
  try {
    await login(page, server, MANAGER, PASSWORD);
    await shoot(page, 'home.png', '.home-grid .chart canvas');
    assert.match(await page.locator('h1').textContent(), /王芳/);

    await page.click('nav >> text=Pipeline');
    await shoot(page, 'board.png', '.deal-card');
    const columns = await page.locator('section.column').count();
    assert.equal(columns, 7, 'a column per stage');

    await page.goto(`${server.url}/opportunities/${deal.id}`);
    await shoot(page, 'opportunity.png', '.table-lines tbody tr');
    await page.goto(`${server.url}/accounts/${deal.account_id}`);
    await shoot(page, 'account.png', '.tl-item');
    assert.deepEqual(browser.errors, []);
  } finally {
    await browser.close();
  }
});

test('the board on a phone', async () => {
  const browser = await openBrowser({ viewport: { width: 390, height: 844 } });
  const { page } = browser;
  try {
    await login(page, server, MANAGER, PASSWORD);
    await page.goto(`${server.url}/board`);
    await shoot(page, 'board-phone.png', '.deal-card');
    const scroll = await page.locator('.board').evaluate((b) => ({ sw: b.scrollWidth, cw: b.clientWidth }));
    assert.ok(scroll.sw > scroll.cw, 'the board scrolls sideways');
    assert.equal(await page.evaluate(() => document.documentElement.scrollWidth <= innerWidth), true, 'the page itself does not');
    assert.deepEqual(browser.errors, []);
  } finally {
    await browser.close();
  }
});

test('admin: users and roles', async () => {
  const browser = await openBrowser({ viewport: { width: 1280, height: 860 } });
  const { page } = browser;
  try {
    await login(page, server, ADMIN, PASSWORD);
    await page.click('nav >> text=Users & roles');
    await shoot(page, 'admin.png', 'tbody tr');
    assert.ok(await page.locator('tbody tr').count() >= 19, 'every demo user is listed');
    assert.deepEqual(browser.errors, []);
  } finally {
    await browser.close();
  }
});
