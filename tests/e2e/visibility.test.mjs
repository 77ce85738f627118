// A rep sees their own team's deals and nothing of another team's: not on the
// board, not in search, not by typing the deal's URL (the page says not found).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PASSWORD, createAccount, createOpportunity, login, withServerAndBrowser } from './lib.mjs';

const env = withServerAndBrowser();

test("a rep cannot see another team's opportunity", async () => {
  const { server, browser } = env;
  const { page } = browser;
  const team = async (name) => (await server.admin.post('/api/v1/teams', { name })).body;
  const east = await team('华东 East'), south = await team('华南 South');
  const mine = await server.addUser({ email: 'east.rep@test.local', name: '张敏', role: 'rep', team_id: east.id });
  const other = await server.addUser({ email: 'south.rep@test.local', name: '黄磊', role: 'rep', team_id: south.id });
  const mineClient = await server.login(mine.email, PASSWORD);
  const otherClient = await server.login(other.email, PASSWORD);
  const myAcc = await createAccount(mineClient, { name: '杭州启明科技有限公司' });
  const theirAcc = await createAccount(otherClient, { name: '深圳鼎盛物流有限公司' });
  const myDeal = await createOpportunity(mineClient, { name: '启明 - 数字化工厂项目', account_id: myAcc.id, amount: 5000000 });
  const theirDeal = await createOpportunity(otherClient, { name: '鼎盛 - 仓储可视化项目', account_id: theirAcc.id, amount: 7000000 });

  await login(page, server, mine.email, PASSWORD);

  // board: mine is there, theirs is not, and the totals count only mine
  await page.click('nav >> text=Pipeline');
  await page.locator(`.deal-card[data-id="${myDeal.id}"]`).waitFor();
  assert.equal(await page.locator(`.deal-card[data-id="${theirDeal.id}"]`).count(), 0);
  assert.equal(await page.locator('.deal-card', { hasText: '鼎盛' }).count(), 0);
  assert.match(await page.locator('.page-sub').textContent(), /^1 open deal/);

  // search: by a word of each deal
  const search = page.getByRole('combobox', { name: 'Search accounts, contacts and deals' });
  await search.fill('启明');
  await page.locator('.search-item', { hasText: '启明 - 数字化工厂项目' }).waitFor();
  await search.fill('鼎盛');
  await page.locator('.search-empty', { hasText: 'Nothing found for “鼎盛”.' }).waitFor();
  assert.equal(await page.locator('.search-item').count(), 0);
  await search.press('Escape');

  // the URL of their deal and of their account
  await page.goto(`${server.url}/opportunities/${theirDeal.id}`);
  await page.getByRole('heading', { level: 1, name: 'Not found' }).waitFor();
  assert.equal(await page.locator('body').textContent().then((s) => s.includes('鼎盛')), false);
  await page.goto(`${server.url}/accounts/${theirAcc.id}`);
  await page.getByRole('heading', { level: 1, name: 'Not found' }).waitFor();

  // while their own deal opens fine
  await page.goto(`${server.url}/opportunities/${myDeal.id}`);
  await page.getByRole('heading', { level: 1, name: '启明 - 数字化工厂项目' }).waitFor();
  assert.deepEqual(browser.errors, []);
});
