// The main pages with the demo company's data, opened as a sales manager and
// an admin, on a 1280 px screen and a 390 px phone. Each page must render
// without errors; the PNGs go to $CYLINDER_SCREENSHOTS_DIR (docs/screenshots
// when run by `npm run screenshots` in web/), or to a temporary folder.
// The demo company has no leads, so a web form, rules and a few submissions
// are made for the leads page (after the other pages are taken).
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

/** Leads for the demo company: a web form, rules by region, and submissions through the form. */
async function demoLeads() {
  const admin = await server.login(ADMIN, PASSWORD);
  const teams = (await admin.get('/api/v1/teams')).body.items;
  const team = (name) => teams.find((x) => x.name.includes(name)).id;
  const form = (await admin.post('/api/v1/lead-forms', { name: '官网咨询 Website', default_source: 'website' })).body;
  await admin.post('/api/v1/assignment-rules', { name: '华东 East China', regions: '华东, East, 上海, 江苏, 浙江', team_id: team('East'), method: 'round_robin' });
  await admin.post('/api/v1/assignment-rules', { name: '华南 South China', regions: '华南, South, 广东, 深圳', team_id: team('South'), method: 'balanced' });
  await admin.post('/api/v1/assignment-rules', { name: 'International', regions: 'EU, US, APAC', team_id: team('International'), method: 'round_robin' });
  const submit = (fields) => fetch(`${server.url}${form.submit_path}`, { method: 'POST', body: new URLSearchParams(fields) });
  const people = [
    { name: '周婷', company: '上海云启智能科技有限公司', email: 'zhou.ting@yunqi-ai.cn', region: '上海', industry: 'Software', company_size: '51-200', title: 'CTO' },
    { name: '孙浩', company: '杭州银湖物流有限公司', phone: '0571-8765 4321', region: '浙江', industry: 'Logistics', company_size: '201-500' },
    { name: '吴佳', company: '苏州金桥科技有限公司', email: 'wu.jia@jinqiao-tech.cn', region: '江苏', industry: 'Software' },
    { name: '郑凯', company: '南京恒远医疗器械有限公司', email: 'zheng.kai@hengyuan-med.cn', region: '江苏', industry: 'Medical', company_size: '501-1000', source: 'trade show' },
    { name: '冯雪', company: '宁波海盛电子有限公司', email: 'feng.xue@haisheng.cn', region: '浙江', industry: 'Electronics', company_size: '51-200' },
    { name: '林峰', company: '无锡博达新材料有限公司', phone: '13861234567', region: '江苏', industry: 'Materials', source: 'referral' },
    { name: '何静', company: '上海瑞丰食品有限公司', email: 'he.jing@ruifeng-food.cn', region: '上海', industry: 'Food and beverage', company_size: '1000+' },
    { name: 'Zhou Ting', email: 'ZHOU.TING@yunqi-ai.cn', region: 'East' },
    { name: '钱伟', company: '合肥安泰物流有限公司', email: 'qian.wei@antai.cn', region: 'East', industry: 'Logistics', source: 'partner' },
  ];
  for (const p of people) assert.equal((await submit(p)).status, 201);
  // one converted, one disqualified, as a week of work leaves them
  const leads = (await admin.get('/api/v1/leads?sort=id&limit=50')).body.items;
  const byName = (n) => leads.find((l) => l.name === n);
  await admin.post(`/api/v1/leads/${byName('郑凯').id}/convert`, { opportunity: { amount: 68000000, close_date: '2027-03-31' } });
  await admin.patch(`/api/v1/leads/${byName('林峰').id}`, { status: 'disqualified', disqualified_reason: '学生项目，无采购预算' });
}

const IMPORT_CSV = [
  '客户名称,行业,地区,负责人,网站,创建日期',
  '上海云启智能科技有限公司,Software,East China,刘洋,www.yunqi-ai.cn,2026-03-02',
  '杭州银湖物流有限公司,Logistcs,East China,陈静,,2026-04-15',
  ',Retail,East China,杨帆,,2026-05-20',
  '宁波海盛电子有限公司,Electronics,East China,张敏,haisheng.cn,2026-13-01',
  '无锡博达新材料有限公司,Materials,East China,张敏,,2026-06-30',
  '南京恒远医疗器械有限公司,Medical,East China,刘洋,,2026-07-08',
].join('\r\n') + '\r\n';

test('analytics, leads and import as a sales manager', async () => {
  await demoLeads();
  const browser = await openBrowser({ viewport: { width: 1280, height: 860 } });
  const { page } = browser;
  try {
    await login(page, server, MANAGER, PASSWORD);
    await page.click('nav >> text=Analytics');
    await shoot(page, 'analytics.png', '[data-testid=stage-matrix] tbody tr');
    assert.ok(await page.locator('[data-testid=stage-matrix] tbody tr').count() >= 5, 'the team and its four reps');

    await page.click('nav >> text=Leads');
    await shoot(page, 'leads.png', 'tbody tr');
    assert.ok(await page.locator('tbody tr').count() >= 8);

    await page.goto(`${server.url}/import?entity=accounts`);
    await page.setInputFiles('#imp-file', { name: '华东客户.csv', mimeType: 'text/csv', buffer: Buffer.from(IMPORT_CSV, 'utf8') });
    await page.click('button:has-text("Upload and check")');
    await page.locator('[data-testid=problems]').waitFor();
    await page.mouse.move(0, 0);
    await shoot(page, 'import.png', '[data-testid=sample] tbody tr');
    assert.deepEqual(browser.errors, []);
  } finally {
    await browser.close();
  }
});

test('the new pages fit a phone', async () => {
  const browser = await openBrowser({ viewport: { width: 390, height: 844 } });
  const { page } = browser;
  try {
    await login(page, server, MANAGER, PASSWORD);
    for (const url of ['/analytics', '/analytics?tab=forecast', '/analytics?tab=cycle', '/analytics?tab=sources', '/analytics?tab=activity',
      '/leads', '/compliance', '/import']) {
      await page.goto(server.url + url);
      await page.locator('main h1').first().waitFor();
      await page.waitForLoadState('networkidle');
      assert.equal(await page.evaluate(() => document.documentElement.scrollWidth <= innerWidth), true, `${url} does not scroll sideways`);
    }
    assert.deepEqual(browser.errors, []);
  } finally {
    await browser.close();
  }
});
