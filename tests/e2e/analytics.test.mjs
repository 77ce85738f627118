// Analytics with a dataset small enough to check by hand, made through the
// API this quarter: 张敏 wins 2 deals and loses 1, 陈静 wins 1 and has 1 open.
//   team win rate 3 of 4 = 75%; 张敏 2 of 3 = 66.7% (−8.3 pp); 陈静 1 of 1 = 100% (+25 pp)
//   conversion (created -> won) 3 of 5 = 60%
// The manager sees the figures with their counts, opens the deals behind one,
// narrows to one rep, and sets a deal's forecast category on the deal page,
// which the forecast tab then counts; the rep sees their own page beside the
// team's; and the page renders in Simplified Chinese.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { PASSWORD, createOpportunity, login, openBrowser, startServer, teamWithManager } from './lib.mjs';
import { defaultPipeline } from '../api/lib.mjs';

let server, manager, repA, repB, openDeal;
before(async () => {
  server = await startServer({ pg: false });
  ({ manager, reps: [repA, repB] } = await teamWithManager(server, '华东 East', [{ email: 'zhang.min@test.local', name: '张敏' }, { email: 'chen.jing@test.local', name: '陈静' }]));

  const { stages } = await defaultPipeline(server.admin);
  const boss = await server.login(manager.email, PASSWORD);
  const a = await server.login(repA.email, PASSWORD);
  const b = await server.login(repB.email, PASSWORD);
  const won = async (client, name, amount) => {
    const d = await createOpportunity(client, { name, amount, source: 'referral' });
    const r = await boss.post(`/api/v1/opportunities/${d.id}/stage`, { stage_id: stages.Won.id, override: true, note: 'e2e: signed' });
    assert.equal(r.status, 200, r.text);
    return d;
  };
  const lost = async (client, name, amount) => {
    const d = await createOpportunity(client, { name, amount, source: 'website' });
    const r = await client.post(`/api/v1/opportunities/${d.id}/stage`, { stage_id: stages.Lost.id, lost_reason: 'price' });
    assert.equal(r.status, 200, r.text);
  };
  await won(a, 'A won one', 1000000);
  await won(a, 'A won two', 2000000);
  await lost(a, 'A lost one', 500000);
  await won(b, 'B won one', 3000000);
  openDeal = await createOpportunity(b, { name: 'B open one', amount: 4000000, close_date: '2099-12-31' });
});
after(async () => { await server?.stop(); });

/** The text of a stage-matrix row (the team's, or a rep's by name). */
const matrixRow = (page, who) => page.locator(`[data-testid=stage-matrix] tr[data-row="${who}"]`);

test('a manager reads the team and each rep against it, and opens the deals behind a number', async () => {
  const browser = await openBrowser({ viewport: { width: 1280, height: 900 } });
  const { page } = browser;
  try {
    await login(page, server, manager.email, PASSWORD);
    await page.click('nav >> text=Analytics');
    const win = page.locator('[data-testid=kpi-win-rate]');
    await win.locator('.rate-pct').waitFor();
    assert.equal(await win.locator('.rate-pct').textContent(), '75%');
    assert.equal(await win.locator('.rate-frac').textContent(), '3 of 4');
    const conv = page.locator('[data-testid=kpi-conversion]');
    assert.equal(await conv.locator('.rate-pct').textContent(), '60%');
    assert.equal(await conv.locator('.rate-frac').textContent(), '3 of 5');

    // each rep beside the team, with the difference in percentage points
    const team = await matrixRow(page, 'team').locator('td').first().textContent();
    assert.match(team, /75%3 of 4/);
    const a = matrixRow(page, '张敏').locator('td').first();
    assert.match(await a.textContent(), /66\.7%2 of 3/);
    assert.equal(await a.locator('.diff').getAttribute('class'), 'diff diff-down');
    assert.match(await a.locator('.diff').textContent(), /-8\.3 pp/);
    const b = matrixRow(page, '陈静').locator('td').first();
    assert.match(await b.textContent(), /100%1 of 1/);
    assert.equal(await b.locator('.diff').getAttribute('class'), 'diff diff-up');
    assert.match(await b.locator('.diff').textContent(), /\+25 pp/);

    // the deals behind 张敏's "2" (won)
    await a.locator('.rate-frac button').first().click();
    let dialog = page.locator('dialog[open]');
    await dialog.getByRole('heading', { name: 'Won deals · 张敏' }).waitFor();
    await dialog.locator('[data-testid=drill-count]', { hasText: '2 deals' }).waitFor();
    assert.deepEqual((await dialog.locator('tbody tr td:first-child a').allTextContents()).sort(), ['A won one', 'A won two']);
    await dialog.getByRole('button', { name: 'Close' }).click();

    // and the denominator of the team's win rate: the 4 closed deals
    await win.locator('.rate-frac button').nth(1).click();
    dialog = page.locator('dialog[open]');
    await dialog.locator('[data-testid=drill-count]', { hasText: '4 deals' }).waitFor();
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });

    // one rep: the figures are theirs, compared with the team
    await page.locator('select[name=owner_id]').selectOption({ label: '张敏' });
    await page.waitForFunction(() => document.querySelector('[data-testid=kpi-win-rate] .rate-frac')?.textContent === '2 of 3');
    assert.match(await win.textContent(), /66\.7%2 of 3▼ -8\.3 pp.*Team 75% · 3 of 4/);
    assert.match(page.url(), new RegExp(`owner_id=${repA.id}`), 'the filter is in the address');
    await page.locator('select[name=owner_id]').selectOption({ label: 'All reps' });

    // the forecast: below 20 closed deals a stage's rate is its default, and says so
    await page.click('[role=tab]:has-text("Forecast")');
    const lead = page.locator('[data-testid=forecast-stages] tr[data-stage="Lead"]');
    await lead.waitFor();
    assert.match(await lead.textContent(), /Default.*stage default 10%/);

    // the manager calls 陈静's open deal "commit" on the deal page; the forecast counts it there
    await page.goto(`${server.url}/opportunities/${openDeal.id}`);
    await page.locator('button.editable-value[data-field=forecast_category]', { hasText: 'Pipeline' }).click();
    await page.locator('select[data-field=forecast_category]').selectOption({ label: 'Commit' });
    await page.locator('button.editable-value[data-field=forecast_category]', { hasText: 'Commit' }).waitFor();
    assert.equal((await server.admin.get(`/api/v1/opportunities/${openDeal.id}`)).body.forecast_category, 'commit');
    await page.goto(`${server.url}/analytics?tab=forecast`);
    const commit = page.locator('[data-testid=categories] [data-category=commit]');
    await commit.waitFor();
    assert.match(await commit.textContent(), /Commit.*CN¥40,000.*1 deal/);
    await commit.locator('button').first().click();
    dialog = page.locator('dialog[open]');
    await dialog.locator('tbody a', { hasText: 'B open one' }).waitFor();
    assert.deepEqual(browser.errors, []);
  } finally {
    await browser.close();
  }
});

test('a rep sees their own page beside the team', async () => {
  const browser = await openBrowser();
  const { page } = browser;
  try {
    await login(page, server, repA.email, PASSWORD);
    await page.click('nav >> text=Analytics');
    await page.getByRole('heading', { level: 1, name: 'My analytics' }).waitFor();
    const win = page.locator('[data-testid=kpi-win-rate]');
    await win.locator('.rate-pct').waitFor();
    assert.match(await win.textContent(), /66\.7%2 of 3▼ -8\.3 pp.*Team 75% · 3 of 4/);
    assert.equal(await page.locator('select[name=owner_id]').count(), 0, 'no rep filter for a rep');
    assert.equal(await page.locator('nav >> text=Compliance').count(), 0, 'no compliance page in a rep’s menu');
    assert.deepEqual(browser.errors, []);
  } finally {
    await browser.close();
  }
});

test('the analytics page in Simplified Chinese', async () => {
  const boss = await server.login(manager.email, PASSWORD);
  assert.equal((await boss.request('PATCH', '/api/v1/me', { body: { locale: 'zh-CN' } })).status, 200);
  const browser = await openBrowser({ locale: 'zh-CN' });
  const { page } = browser;
  try {
    await login(page, server, manager.email, PASSWORD);
    await page.goto(`${server.url}/analytics`);
    await page.getByRole('heading', { level: 1, name: '销售分析' }).waitFor();
    assert.equal(await page.getAttribute('html', 'lang'), 'zh-CN');
    const win = page.locator('[data-testid=kpi-win-rate]');
    await win.locator('.rate-pct').waitFor();
    assert.equal(await win.locator('.kpi-label').textContent(), '赢单率');
    assert.equal(await win.locator('.rate-frac').textContent(), '3/4');
    assert.deepEqual(await page.locator('[role=tab]').allTextContents(), ['转化', '预测', '周期与速度', '来源与产品', '活动']);
    assert.deepEqual(await page.locator('.segmented[aria-labelledby=period-label] button').allTextContents(), ['本季度', '上季度', '今年', '自定义']);
    assert.match(await matrixRow(page, '张敏').locator('.diff').first().textContent(), /-8\.3 百分点/);
    const body = await page.locator('main').textContent();
    assert.doesNotMatch(body, /analytics\.|enum\./, 'no message key shows through');
    await page.click('[role=tab]:has-text("预测")');
    await page.locator('[data-testid=categories]').waitFor();
    assert.match(await page.locator('[data-testid=categories]').textContent(), /承诺.*乐观.*管道.*排除/);
    assert.match(await page.locator('[data-testid=categories] [data-category=commit]').textContent(), /¥40,000/);
    assert.deepEqual(browser.errors, []);
  } finally {
    await browser.close();
  }
});
