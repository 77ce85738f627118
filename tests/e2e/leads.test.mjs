// Leads end to end: an admin makes a web form and two assignment rules
// (reordering them from the keyboard) and marks a rep away; a lead posted to
// the public form URL by a web site (no login) is assigned by round robin,
// passing over the rep who is away, and the assignment log says so; a second
// submission with the same email is marked as a duplicate with a link to what
// it matched; the rep converts the first lead, which creates the account, the
// contact and the deal and opens the deal. A rep's "New lead" form goes through
// the same intake.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ADMIN_EMAIL, ADMIN_PASSWORD, PASSWORD, login, openBrowser, startServer, teamWithManager } from './lib.mjs';

let server, team, manager, repA, repB, repC;
before(async () => {
  server = await startServer({ pg: false });
  ({ team, manager, reps: [repA, repB] } = await teamWithManager(server, '华东 East', [{ email: 'zhang.min@test.local', name: '张敏' }, { email: 'chen.jing@test.local', name: '陈静' }]));
  repC = await server.addUser({ email: 'liu.yang@test.local', name: '刘洋', role: 'rep' });
});
after(async () => { await server?.stop(); });

/** What a web site's form does: a urlencoded POST to the submit URL, no cookie, no CSRF token. */
async function submitForm(url, fields) {
  const r = await fetch(url, { method: 'POST', body: new URLSearchParams(fields) });
  assert.equal(r.status, 201, await r.text());
  assert.equal(r.headers.get('access-control-allow-origin'), '*');
}

test('a web-form lead is assigned by the rules, flagged when it comes again, and converts to a deal', async () => {
  const admin = await openBrowser();
  let submitUrl;
  try {
    const { page } = admin;
    await login(page, server, ADMIN_EMAIL, ADMIN_PASSWORD);

    // a lead form: its submit URL and the HTML snippet for the web site
    await page.click('nav >> text=Lead forms');
    const create = page.locator('form.inline-form');
    await create.locator('[data-field=name]').fill('官网咨询 Website');
    await create.locator('[data-field=default_source]').fill('website');
    await create.locator('button[type=submit]').click();
    submitUrl = (await page.locator('[data-testid=submit-url]').textContent()).trim();
    assert.match(submitUrl, new RegExp(`^${server.url}/api/v1/forms/[A-Za-z0-9_-]+/submit$`));
    await page.click('summary:has-text("HTML for your web site")');
    const snippet = await page.locator('[data-testid=form-snippet]').textContent();
    assert.ok(snippet.includes(`action="${submitUrl}"`), 'the snippet posts to the submit URL');
    assert.match(snippet, /name="website"/, 'with the honeypot field');

    // two rules: East to the team by round robin, everything else to 刘洋; the catch-all is moved
    // above and back below with the keyboard's up/down buttons
    await page.click('nav >> text=Assignment rules');
    const shownRules = () => page.$$eval('li.rule input.rule-name', (els) => els.map((e) => e.value));
    const addRule = async (name, regions, target) => {
      const form = page.locator('section:has(#new-rule-h) form');
      await form.locator('[data-field=name]').fill(name);
      if (regions) await form.locator('[data-field=regions]').fill(regions);
      await form.locator('[data-field=target]').selectOption({ label: target });
      await form.locator('button[type=submit]').click();
      await page.waitForFunction((n) => [...document.querySelectorAll('li.rule input.rule-name')].some((e) => e.value === n), name);
    };
    await addRule('East China', 'East, 华东', '华东 East');
    await addRule('Everyone else', '', '刘洋');
    const positions = async () => (await server.admin.get('/api/v1/assignment-rules?sort=position')).body.items.map((r) => r.name);
    assert.deepEqual(await positions(), ['East China', 'Everyone else']);
    assert.deepEqual(await shownRules(), ['East China', 'Everyone else']);
    await page.getByRole('button', { name: 'Move Everyone else up' }).click();
    await page.waitForFunction(() => document.querySelector('li.rule input.rule-name')?.value === 'Everyone else');
    await page.waitForFunction(() => !document.querySelector('ol.rules.busy'));
    assert.deepEqual(await positions(), ['Everyone else', 'East China']);
    await page.getByRole('button', { name: 'Move Everyone else down' }).click();
    await page.waitForFunction(() => document.querySelector('li.rule input.rule-name')?.value === 'East China');
    await page.waitForFunction(() => !document.querySelector('ol.rules.busy'));
    assert.deepEqual(await positions(), ['East China', 'Everyone else']);

    // 张敏 is away this week
    await page.click('nav >> text=Users & roles');
    await page.getByLabel('张敏 is away').check();
    for (let i = 0; i < 20 && !(await server.admin.get(`/api/v1/users/${repA.id}`)).body.away; i++) await page.waitForTimeout(100);
    assert.equal((await server.admin.get(`/api/v1/users/${repA.id}`)).body.away, true);
    assert.deepEqual(admin.errors, []);
  } finally {
    await admin.close();
  }

  // a web site posts two leads (the second with the first one's email, written differently)
  await submitForm(submitUrl, { name: '李明', company: '星河电子有限公司', email: 'li.ming@xinghe.example', region: '华东', title: '采购经理', website: '' });
  await submitForm(submitUrl, { name: 'Li Ming', email: 'LI.MING@xinghe.example', website: '' });
  const leads = (await server.admin.get('/api/v1/leads?sort=id')).body.items;
  assert.deepEqual(leads.map((l) => [l.name, l.status, l.owner_id]), [['李明', 'assigned', repB.id], ['Li Ming', 'duplicate', repB.id]]);

  const rep = await openBrowser();
  try {
    const { page } = rep;
    await login(page, server, repB.email, PASSWORD);
    await page.click('nav >> text=Leads');
    const row = page.locator('tbody tr', { hasText: '李明' });
    await row.waitFor();
    assert.match(await row.textContent(), /星河电子有限公司.*Assigned.*陈静.*website/);
    const dupRow = page.locator('tbody tr', { hasText: 'Li Ming' });
    assert.match(await dupRow.textContent(), /Duplicate/);

    // the duplicate links to what it matched
    await dupRow.locator('a').click();
    const note = page.locator('[data-testid=duplicate-note]');
    await note.locator('a', { hasText: '李明' }).waitFor();
    assert.match(await note.textContent(), /Possible duplicate: same email as the lead 李明/);
    await note.locator('a', { hasText: '李明' }).click();
    await page.getByRole('heading', { level: 1, name: '李明' }).waitFor();

    // the assignment log: round robin in the East rule, 张敏 passed over as away
    const log = page.locator('.log-item').first();
    await log.waitFor();
    assert.match(await log.textContent(), /Round robin/);
    assert.match(await log.textContent(), /Rule “East China” \(round robin\): 陈静 was next in turn\./);
    assert.match(await log.textContent(), /张敏: away/);
    assert.match(await log.textContent(), /by the web form/);

    // a field edited in place
    await page.locator('button.editable-value[data-field=phone]').click();
    await page.locator('input[data-field=phone]').fill('021-5555 0101');
    await page.keyboard.press('Enter');
    await page.locator('button.editable-value[data-field=phone]', { hasText: '021-5555 0101' }).waitFor();

    // convert: account from the company, contact from the person, the deal with an amount
    await page.click('button:has-text("Convert")');
    const dialog = page.locator('dialog[open]');
    await dialog.getByRole('heading', { name: 'Convert 李明' }).waitFor();
    assert.match(await dialog.textContent(), /Find or create the account “星河电子有限公司”/);
    await dialog.locator('[data-field="opportunity.amount"]').fill('abc');
    await dialog.locator('button[type=submit]').click();
    await dialog.locator('.field-error').first().waitFor();   // the amount is refused where it was typed
    await dialog.locator('[data-field="opportunity.amount"]').fill('86,000');
    await dialog.locator('[data-field="opportunity.close_date"]').fill('2030-03-31');
    await dialog.locator('button[type=submit]').click();
    await page.waitForURL(/\/opportunities\/\d+$/);
    const oppId = Number(page.url().split('/').pop());
    await page.getByRole('heading', { level: 1, name: '星河电子有限公司' }).waitFor();
    await page.locator('[data-testid=opp-amount]', { hasText: 'CN¥86,000' }).waitFor();

    const opp = (await server.admin.get(`/api/v1/opportunities/${oppId}`)).body;
    assert.equal(opp.owner_id, repB.id);
    assert.equal(opp.amount, 8600000);
    assert.equal(opp.source, 'website');
    assert.equal(opp.account_name, '星河电子有限公司');
    const lead = (await server.admin.get(`/api/v1/leads/${leads[0].id}`)).body;
    assert.equal(lead.status, 'converted');
    assert.equal(lead.opportunity_id, oppId);
    const contact = (await server.admin.get(`/api/v1/contacts/${lead.contact_id}`)).body;
    assert.equal(contact.name, '李明');
    assert.equal(contact.phone, '021-5555 0101');

    // the converted lead says what it became
    await page.goto(`${server.url}/leads/${lead.id}`);
    await page.locator('.alert-ok', { hasText: 'Converted' }).locator(`a[href="/opportunities/${oppId}"]`).waitFor();

    // "New lead" by hand: the same intake (the East rule, round robin goes on to the next rep)
    await page.click('nav >> text=Leads');
    await page.click('button:has-text("New lead")');
    const nl = page.locator('dialog[open]');
    await nl.locator('[data-field=name]').fill('王强');
    await nl.locator('button[type=submit]').click();
    await nl.locator('.alert-error, .field-error').first().waitFor();   // an email or a phone is required
    await nl.locator('[data-field=phone]').fill('13912345678');
    await nl.locator('[data-field=region]').fill('East');
    await nl.locator('button[type=submit]').click();
    await page.waitForURL(/\/leads\/\d+$/);
    await page.getByRole('heading', { level: 1, name: '王强' }).waitFor();
    await page.locator('.log-item').first().waitFor();
    assert.match(await page.locator('.log-item').first().textContent(), /Rule “East China”/);
    assert.deepEqual(rep.errors, []);
  } finally {
    await rep.close();
  }
});
