// Import from the accounts list: a small CSV with a near miss and a bad row.
// The preview (before anything is written) shows the suggested mapping, the
// first rows and each row's problem; the near miss is accepted; the import
// runs in skip mode with its progress followed; the summary links the report
// of the bad row, and the good rows are in the list. The list's exports take
// its current search.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { PASSWORD, login, openBrowser, startServer, teamWithManager } from './lib.mjs';

let server, manager, rep, repB;
before(async () => {
  server = await startServer({ pg: false });
  ({ manager, reps: [rep, repB] } = await teamWithManager(server, 'East', [{ email: 'zhang.min@test.local', name: '张敏' }, { email: 'sarah.johnson@test.local', name: 'Sarah Johnson' }]));
});
after(async () => { await server?.stop(); });

const CSV = [
  '客户名称,Industry,Region,Owner',
  '星河电子有限公司,Electronics,华东,张敏',
  ',Retail,South,张敏',                       // row 3: no name
  'Blue Harbor Retail,Retail,South,Sarah Jonson',   // row 4: a near miss of Sarah Johnson
  'Nordlicht Energie GmbH,Energy,Germany,王芳',
].join('\r\n') + '\r\n';

test('import a CSV with a bad row: preview, accept a near miss, skip the bad row, see the rows in the list', async () => {
  const browser = await openBrowser({ viewport: { width: 1280, height: 900 } });
  const { page } = browser;
  try {
    await login(page, server, manager.email, PASSWORD);
    await page.click('nav >> text=Accounts');
    await page.click('.page-head a:has-text("Import")');
    await page.waitForURL(/\/import\?entity=accounts$/);
    assert.equal(await page.locator('#imp-entity').inputValue(), 'accounts');
    await page.setInputFiles('#imp-file', { name: 'accounts.csv', mimeType: 'text/csv', buffer: Buffer.from(CSV, 'utf8') });
    await page.click('button:has-text("Upload and check")');
    await page.waitForURL(/\/import\/\d+$/);
    const jobId = Number(page.url().split('/').pop());

    // the suggested mapping, per column (the Chinese header is read as the name)
    const mapping = page.locator('[data-testid=mapping]');
    await mapping.waitFor();
    assert.equal(await mapping.locator('tr[data-column="客户名称"] select').inputValue(), 'name');
    assert.equal(await mapping.locator('tr[data-column="Owner"] select').inputValue(), 'owner');

    // the first rows, and each row's problem, before anything is written
    assert.equal(await page.locator('[data-testid=sample] tbody tr').count(), 4);
    await page.locator('[data-testid=bad-rows]', { hasText: '2 of 4 rows have problems.' }).waitFor();
    const problems = page.locator('[data-testid=problems] tbody tr');
    assert.deepEqual(await problems.evaluateAll((rows) => rows.map((r) => r.dataset.row)), ['3', '4']);
    assert.match(await problems.nth(0).textContent(), /客户名称.*Required\./);
    assert.match(await problems.nth(1).textContent(), /Owner.*Sarah Jonson.*did you mean “Sarah Johnson”/);
    assert.equal((await server.admin.get('/api/v1/accounts')).body.items.length, 0, 'nothing is written by the preview');

    // accept the near miss: the rows are checked again, one problem is left
    const suggestion = page.locator('[data-testid=suggestions] li', { hasText: 'Sarah Jonson' });
    await suggestion.locator('button:has-text("Use “Sarah Johnson”")').click();
    await page.locator('[data-testid=bad-rows]', { hasText: '1 of 4 rows has problems.' }).waitFor();
    assert.equal(await problems.count(), 1);

    // skip the bad row and run; the progress is followed until the summary. The choice is saved on
    // the server before the page shows it: the run button then offers the 3 good rows.
    const skip = page.getByLabel(/Skip bad rows/);
    await skip.click();
    const runGood = page.locator('button:has-text("Import 3 good rows")');
    await runGood.waitFor();
    assert.equal(await skip.isChecked(), true);
    await runGood.click();
    const summary = page.locator('[data-testid=import-summary]');
    await summary.waitFor();
    assert.equal(await summary.locator('[data-testid=rows-imported]').textContent(), '3');
    assert.equal(await summary.locator('[data-testid=rows-skipped]').textContent(), '1');
    const href = await summary.locator('[data-testid=report-link]').getAttribute('href');
    assert.equal(href, `/api/v1/imports/${jobId}/report.csv`);
    const report = await page.request.get(server.url + href);
    assert.equal(report.status(), 200);
    const text = await report.text();
    assert.match(text, /"3","客户名称",".*required/);
    assert.doesNotMatch(text, /Blue Harbor/);

    // the good rows are in the list
    await summary.locator('a:has-text("Open Accounts")').click();
    await page.waitForURL(/\/accounts$/);
    for (const name of ['星河电子有限公司', 'Blue Harbor Retail', 'Nordlicht Energie GmbH']) await page.locator('tbody a', { hasText: name }).waitFor();
    assert.equal(await page.locator('tbody tr').count(), 3);
    const accounts = (await server.admin.get('/api/v1/accounts?sort=name')).body.items;
    assert.equal(accounts.find((a) => a.name === 'Blue Harbor Retail').owner_id, repB.id, 'the accepted suggestion was used');
    assert.equal(accounts.find((a) => a.name === '星河电子有限公司').owner_id, rep.id);

    // the exports take the list's search
    await page.fill('input[type=search].toolbar-search', 'Blue');
    await page.waitForFunction(() => document.querySelectorAll('tbody tr').length === 1);
    const csvHref = await page.locator('a:has-text("Export CSV")').getAttribute('href');
    assert.match(csvHref, /^\/api\/v1\/accounts\/export\.csv\?.*q=Blue/);
    const csv = await (await page.request.get(server.url + csvHref)).text();
    assert.match(csv, /Blue Harbor Retail/);
    assert.doesNotMatch(csv, /Nordlicht/);
    const xlsxHref = await page.locator('a:has-text("Export XLSX")').getAttribute('href');
    const xlsx = await page.request.get(server.url + xlsxHref);
    assert.equal(xlsx.status(), 200);
    assert.match(xlsx.headers()['content-type'], /spreadsheetml/);
    assert.deepEqual(browser.errors, []);
  } finally {
    await browser.close();
  }
});
