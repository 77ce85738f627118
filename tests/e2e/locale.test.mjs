// Languages: a user switches to Simplified Chinese; the board and forms are
// translated and money is in the zh-CN format, and the choice is kept on the
// user. Before login, the browser's language picks the catalog.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ADMIN_EMAIL, ADMIN_PASSWORD, createAccount, createOpportunity, login, openBrowser, startServer } from './lib.mjs';

let server;
before(async () => { server = await startServer({ pg: false }); });
after(async () => { await server?.stop(); });

test('switch to 简体中文: board, forms and amounts in Chinese', async () => {
  const browser = await openBrowser();
  const { page } = browser;
  try {
    const acc = await createAccount(server.admin, { name: '星河电子有限公司' });
    const opp = await createOpportunity(server.admin, { name: '星河电子 - 二期扩容', account_id: acc.id, amount: 123456789, currency: 'CNY' });
    await login(page, server, ADMIN_EMAIL, ADMIN_PASSWORD);
    await page.click('nav >> text=Pipeline');
    const card = page.locator(`.deal-card[data-id="${opp.id}"]`);
    assert.equal(await card.locator('.deal-amount').textContent(), 'CN¥1,234,567.89');

    await page.click('.user-button');
    await page.getByRole('menuitemradio', { name: '简体中文' }).click();
    await page.locator('h1', { hasText: '销售管道' }).waitFor();
    assert.equal(await page.getAttribute('html', 'lang'), 'zh-CN');

    // board
    const expected = await page.evaluate(() => new Intl.NumberFormat('zh-CN', { style: 'currency', currency: 'CNY' }).format(1234567.89));
    assert.match(expected, /^(¥|CN¥)1,234,567\.89$/);
    assert.equal(await card.locator('.deal-amount').textContent(), expected);
    assert.match(await page.locator('section.column[data-stage="Lead"] .col-total').textContent(), /^(¥|CN¥)1,234,568$|^(¥|CN¥)1,234,567\.89$/);
    assert.match(await page.locator('.page-sub').textContent(), /1 个进行中的商机/);
    assert.deepEqual(await page.locator('nav.sidebar .nav-link span').allTextContents(),
      ['首页', '销售管道', '商机', '线索', '客户', '联系人', '我的任务', '销售分析', '合规检查',
        '个人资料', 'API 令牌', '导入数据', '用户与角色', '团队', '管道与阶段', '产品', '线索表单', '分配规则']);
    assert.equal(await page.locator('.filters label.filter > span').first().textContent(), '负责人');

    // a form
    await page.click('button:has-text("新建商机")');
    const dialog = page.locator('dialog[open]');
    await dialog.getByRole('heading', { name: '新建商机' }).waitFor();
    assert.equal(await dialog.locator('label', { hasText: '商机名称' }).count(), 1);
    await dialog.locator('button[type=submit]').click();
    assert.equal(await dialog.locator('.field:has([data-field=name]) .field-error').textContent(), '必填。');
    await dialog.locator('button:has-text("取消")').click();

    // the deal page: money and dates in Chinese
    await card.locator('.deal-name').click();
    await page.locator('[data-testid=opp-amount]', { hasText: expected }).waitFor();
    assert.match(await page.locator('.card-title', { hasText: '退出条件' }).textContent(), /退出条件/);

    // kept on the user, so it survives a reload and a new login
    const me = await server.admin.get('/api/v1/session');
    const user = await server.admin.get(`/api/v1/users/${me.body.id}`);
    assert.equal(user.body.locale, 'zh-CN');
    await page.reload();
    await page.locator('h1', { hasText: '星河电子 - 二期扩容' }).waitFor();
    assert.equal(await page.locator('nav.sidebar .nav-link.current span').textContent(), '商机');
    assert.deepEqual(browser.errors, []);
  } finally {
    await browser.close();
  }
});

test('before login the browser language chooses the catalog', async () => {
  for (const [locale, heading, button] of [['zh-CN', '登录工作台', '登录'], ['zh-HK', '登入工作區', '登入'], ['hu-HU', 'Bejelentkezés a munkaterületre', 'Bejelentkezés']]) {
    const browser = await openBrowser({ locale });
    try {
      await browser.page.goto(server.url + '/board');
      await browser.page.locator('h1', { hasText: heading }).waitFor();
      assert.equal(await browser.page.textContent('button[type=submit]'), button);
    } finally {
      await browser.close();
    }
  }
});
