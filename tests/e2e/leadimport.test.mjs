// Import leads from the leads list: a spreadsheet with Chinese headers. The
// preview maps the columns; after the run the summary says how many leads the
// rules gave out, how many were duplicates that went to the existing owner,
// how many wait for an admin, and who got how many; the leads list shows them
// with their owners.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PASSWORD, login, teamWithManager, withServerAndBrowser } from './lib.mjs';

const env = withServerAndBrowser();

const CSV = [
  '姓名,公司,邮箱,手机,地区,来源',
  '王小明,杭州星河电子有限公司,wxm@xinghe.cn,,华东,展会',     // round robin: 张敏
  '陈静,苏州嘉禾食品有限公司,cj@jiahe.cn,139 0000 1111,华东,官网', // then 李雷
  '老客户,,OLD@customer.cn,,华东,',                                 // 李雷's lead by email: a duplicate, to 李雷
  '赵强,,zq@nowhere.cn,,西北,',                                      // no rule for 西北: waits for an admin
].join('\r\n') + '\r\n';

test('import leads: the rules and the duplicate check decide the owners, and the summary says who got what', async () => {
  const { server, browser } = env;
  const { page } = browser;
  const { manager, team, reps: [zhang, li] } = await teamWithManager(server, '华东销售', [
    { email: 'zhang.min@test.local', name: '张敏' }, { email: 'li.lei@test.local', name: '李雷' }]);
  const admin = server.admin;
  assert.equal((await admin.post('/api/v1/assignment-rules', { name: '华东', regions: '华东', team_id: team.id, method: 'round_robin' })).status, 201);
  assert.equal((await admin.post('/api/v1/leads', { name: '老客户', email: 'old@customer.cn', owner_id: li.id })).status, 201);

  await login(page, server, manager.email, PASSWORD);
  await page.click('nav >> text=Leads');
  await page.click('.page-head a:has-text("Import")');
  await page.waitForURL(/\/import\?entity=leads$/);
  await page.setInputFiles('#imp-file', { name: '线索.csv', mimeType: 'text/csv', buffer: Buffer.from(CSV, 'utf8') });
  await page.click('button:has-text("Upload and check")');
  await page.waitForURL(/\/import\/\d+$/);
  const mapping = page.locator('[data-testid=mapping]');
  await mapping.waitFor();
  for (const [column, target] of [['姓名', 'name'], ['公司', 'company'], ['邮箱', 'email'], ['手机', 'phone'], ['地区', 'region'], ['来源', 'source']])
    assert.equal(await mapping.locator(`tr[data-column="${column}"] select`).inputValue(), target, column);
  assert.equal(await page.locator('[data-testid=sample] tbody tr').count(), 4);
  assert.equal((await admin.get('/api/v1/leads?region=华东')).body.items.length, 0, 'nothing is written by the preview');

  await page.locator('button:has-text("Import 4")').click();
  const summary = page.locator('[data-testid=import-summary]');
  await summary.waitFor();
  assert.equal(await summary.locator('[data-testid=rows-imported]').textContent(), '4');
  const outcome = summary.locator('[data-testid=lead-outcome]');
  const kpis = await outcome.locator('.kpi').evaluateAll((ks) => ks.map((k) => [k.querySelector('.kpi-label').textContent, k.querySelector('.kpi-value').textContent]));
  assert.deepEqual(kpis, [['Assigned by the rules', '2'], ['Duplicates, given to the existing owner', '1'], ['Waiting for an admin', '1']]);
  const owners = await outcome.locator('tbody tr').evaluateAll((rs) => rs.map((r) => [...r.cells].map((c) => c.textContent)));
  assert.deepEqual(owners, [['李雷', '2'], ['张敏', '1']]);

  // the list: the manager sees the team's leads with their owners; the one no rule placed is not theirs to see
  await summary.locator('a:has-text("Open Leads")').click();
  await page.waitForURL(/\/leads$/);
  for (const [name, owner] of [['王小明', '张敏'], ['陈静', '李雷']])
    await page.locator('tbody tr', { hasText: name }).filter({ hasText: owner }).waitFor();
  assert.equal(await page.locator('tbody tr', { hasText: '赵强' }).count(), 0);
  const all = (await admin.get('/api/v1/leads?limit=200')).body.items;
  const by = Object.fromEntries(all.map((l) => [l.name, l]));
  assert.deepEqual([by['王小明'].owner_id, by['陈静'].owner_id, by['赵强'].owner_id], [zhang.id, li.id, null]);
  assert.deepEqual(all.filter((l) => l.name === '老客户').map((l) => [l.status, l.owner_id]).sort(), [['assigned', li.id], ['duplicate', li.id]]);
  assert.deepEqual(browser.errors, []);
});
