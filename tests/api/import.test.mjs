// import.test.mjs: CSV files and Excel workbooks into records and lists out
// as CSV and XLSX, through the browser's API (/api/v1/imports) and the command
// line (cylinder import / export), as a user would notice it: what a file in
// GB18030 with Chinese headers becomes, what a deal's history says after an
// import, what happens to a near-miss name, that a bad row stops everything
// or is left out and reported, who may import what, that an export holds
// exactly the rows of the list with its filters, that a workbook imports as
// the same data saved as CSV would, and that Cylinder's own XLSX export
// imports back.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { startServer, expectProblem, defaultPipeline, uniq, ROOT, ADMIN_EMAIL } from './lib.mjs';
import { listAll } from './lists.mjs';

const BIN = path.resolve(ROOT, process.env.CYLINDER_BIN || 'build/cylinder');
const CSV = { 'Content-Type': 'text/csv' };
const DAY = 86400000;
let srv, admin, P, team, mgr, rep, rep2, C = {};

before(async () => {
  srv = await startServer();
  admin = srv.admin;
  P = await defaultPipeline(admin);
  mgr = await srv.addUser({ email: 'imp.mgr@test.local', name: 'Import Manager', role: 'manager' });
  team = (await admin.post('/api/v1/teams', { name: uniq('Import team'), manager_id: mgr.id })).body;
  rep = await srv.addUser({ email: 'imp.rep@test.local', name: '王芳', role: 'rep', team_id: team.id });
  rep2 = await srv.addUser({ email: 'imp.rep2@test.local', name: 'Other Rep', role: 'rep' });
  C.mgr = await srv.login(mgr.email, mgr.password);
  C.rep = await srv.login(rep.email, rep.password);
  C.rep2 = await srv.login(rep2.email, rep2.password);
  for (const [name, sku, price] of [['GTX Pro', 'GTX-PRO', 482100], ['MG Special', 'MG-SPECIAL', 5500]])
    assert.equal((await admin.post('/api/v1/products', { name, sku, list_price: price, currency: 'USD' })).status, 201);
});
after(async () => { await srv?.stop(); });

async function upload(client, entity, body, { filename = 'file.csv', query = '', headers = CSV } = {}) {
  return client.post(`/api/v1/imports?entity=${entity}&filename=${encodeURIComponent(filename)}${query}`, body, { headers });
}

async function uploaded(client, entity, body, opts) {
  const r = await upload(client, entity, body, opts);
  assert.equal(r.status, 201, r.text);
  assert.equal(r.headers.get('location'), `/api/v1/imports/${r.body.id}`);
  return r.body;
}

async function finished(client, id) {
  for (let i = 0; i < 400; i++) {
    const r = await client.get(`/api/v1/imports/${id}`);
    assert.equal(r.status, 200, r.text);
    assert.ok(r.body.rows_done <= r.body.rows_total, 'progress never passes the total');
    if (r.body.status === 'done' || r.body.status === 'failed') return r.body;
    await new Promise((ok) => setTimeout(ok, 50));
  }
  assert.fail(`import ${id} did not finish`);
}

async function run(client, id, body) {
  const r = await client.post(`/api/v1/imports/${id}/run`, body);
  assert.equal(r.status, 202, r.text);
  assert.ok(['running', 'done', 'failed'].includes(r.body.status), r.text);   /* a small file may be done already */
  return finished(client, id);
}


// The body as sent, byte order mark included (fetch's text() drops it).
async function bytes(client, p) {
  const r = await fetch(srv.url + p, { headers: { Cookie: client.cookie } });
  return Buffer.from(await r.arrayBuffer()).toString('utf8');
}

function cli(args, input) {
  return spawnSync(BIN, args, { input, encoding: 'utf8', env: { ...process.env, CYLINDER_ACCESS_LOG: '0' } });
}

// The sheet of an XLSX file as XML: a zip's central directory, then its entry, inflated.
function sheetXml(buf) {
  let eocd = buf.length - 22;
  while (buf.readUInt32LE(eocd) !== 0x06054b50) eocd--;
  let at = buf.readUInt32LE(eocd + 16);
  for (let n = buf.readUInt16LE(eocd + 10); n > 0; n--) {
    const method = buf.readUInt16LE(at + 10), size = buf.readUInt32LE(at + 20), nameLen = buf.readUInt16LE(at + 28);
    const extra = buf.readUInt16LE(at + 30), comment = buf.readUInt16LE(at + 32), local = buf.readUInt32LE(at + 42);
    const name = buf.toString('utf8', at + 46, at + 46 + nameLen);
    if (name === 'xl/worksheets/sheet1.xml') {
      const start = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
      const data = buf.subarray(start, start + size);
      return (method === 8 ? zlib.inflateRawSync(data) : data).toString('utf8');
    }
    at += 46 + nameLen + extra + comment;
  }
  assert.fail('no sheet1 in the workbook');
}

// ---- workbooks, written here as Excel lays them out ----

// A zip of {name: text} (deflated, with the UTF-8 name flag, as Excel writes).
function zip(files) {
  const locals = [], centrals = [];
  let offset = 0;
  for (const [name, text] of Object.entries(files)) {
    const n = Buffer.from(name), raw = Buffer.from(text), data = zlib.deflateRawSync(raw), crc = zlib.crc32(raw);
    const head = Buffer.alloc(30), cen = Buffer.alloc(46);
    head.writeUInt32LE(0x04034b50, 0); head.writeUInt16LE(20, 4); head.writeUInt16LE(0x0800, 6); head.writeUInt16LE(8, 8);
    head.writeUInt16LE(0x4a00, 12); head.writeUInt32LE(crc, 14); head.writeUInt32LE(data.length, 18); head.writeUInt32LE(raw.length, 22);
    head.writeUInt16LE(n.length, 26);
    cen.writeUInt32LE(0x02014b50, 0); cen.writeUInt16LE(20, 4); cen.writeUInt16LE(20, 6); cen.writeUInt16LE(0x0800, 8); cen.writeUInt16LE(8, 10);
    cen.writeUInt16LE(0x4a00, 14); cen.writeUInt32LE(crc, 16); cen.writeUInt32LE(data.length, 20); cen.writeUInt32LE(raw.length, 24);
    cen.writeUInt16LE(n.length, 28); cen.writeUInt32LE(offset, 42);
    locals.push(head, n, data);
    centrals.push(cen, n);
    offset += 30 + n.length + data.length;
  }
  const cd = Buffer.concat(centrals), end = Buffer.alloc(22), count = Object.keys(files).length;
  end.writeUInt32LE(0x06054b50, 0); end.writeUInt16LE(count, 8); end.writeUInt16LE(count, 10);
  end.writeUInt32LE(cd.length, 12); end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

const XNS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"';
const REL = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships/';
const xmlText = (t) => String(t).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const serial = (date) => Date.parse(date + 'T00:00:00Z') / DAY + 25569;

// rows: arrays of cells; a row that is null is left out of the sheet. A cell:
// a string (shared), a number, null (left out), {n: 'number as Excel wrote it'},
// {date: 'YYYY-MM-DD'} (format 14), {cn: 'YYYY-MM-DD'} (yyyy"年"m"月"d"日"),
// {f: 'formula', v: its last value}. sheet: replaces the first sheet's XML.
function workbook(rows, { sheet } = {}) {
  const strings = [];
  const cells = rows.map((row, r) => row && `<row r="${r + 1}">${row.map((v, c) => {
    const ref = String.fromCharCode(65 + c) + (r + 1);
    if (v === null) return '';
    if (typeof v === 'string') {
      if (!strings.includes(v)) strings.push(v);
      return `<c r="${ref}" t="s"><v>${strings.indexOf(v)}</v></c>`;
    }
    if (typeof v === 'number') return `<c r="${ref}"><v>${v}</v></c>`;
    if (v.n) return `<c r="${ref}" s="3"><v>${v.n}</v></c>`;
    if (v.date) return `<c r="${ref}" s="1"><v>${serial(v.date)}</v></c>`;
    if (v.cn) return `<c r="${ref}" s="2"><v>${serial(v.cn)}</v></c>`;
    return `<c r="${ref}"><f>${xmlText(v.f)}</f><v>${v.v}</v></c>`;
  }).join('')}</row>`).filter(Boolean).join('');
  return zip({
    '[Content_Types].xml': '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">' +
      '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>' +
      '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>',
    '_rels/.rels': `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="${REL}officeDocument" Target="xl/workbook.xml"/></Relationships>`,
    'xl/workbook.xml': `<workbook ${XNS}><sheets><sheet name="商机" sheetId="1" r:id="rId1"/><sheet name="Notes" sheetId="2" r:id="rId2"/></sheets></workbook>`,
    'xl/_rels/workbook.xml.rels': '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' +
      `<Relationship Id="rId1" Type="${REL}worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="${REL}worksheet" Target="worksheets/sheet2.xml"/>` +
      `<Relationship Id="rId3" Type="${REL}styles" Target="styles.xml"/><Relationship Id="rId4" Type="${REL}sharedStrings" Target="sharedStrings.xml"/></Relationships>`,
    'xl/styles.xml': `<styleSheet ${XNS}><numFmts count="1"><numFmt numFmtId="176" formatCode="yyyy&quot;年&quot;m&quot;月&quot;d&quot;日&quot;"/></numFmts>` +
      '<cellXfs count="4"><xf numFmtId="0"/><xf numFmtId="14" applyNumberFormat="1"/><xf numFmtId="176" applyNumberFormat="1"/><xf numFmtId="4" applyNumberFormat="1"/></cellXfs></styleSheet>',
    'xl/sharedStrings.xml': `<sst ${XNS} count="${strings.length}" uniqueCount="${strings.length}">${strings.map((t) => `<si><t>${xmlText(t)}</t></si>`).join('')}</sst>`,
    'xl/worksheets/sheet1.xml': sheet ?? `<worksheet ${XNS}><dimension ref="A1"/><sheetData>${cells}</sheetData></worksheet>`,
    'xl/worksheets/sheet2.xml': `<worksheet ${XNS}><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>not imported</t></is></c></row></sheetData></worksheet>`,
  });
}
const XLSX = { 'Content-Type': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' };

test('a GB18030 file from Chinese Excel: detected, Chinese headers mapped, previewed, imported', async () => {
  // 公司名称,行业,地区,负责人 / 上海锐思科技有限公司,制造业,华东, / 北京星河贸易有限公司,零售,华北,  (CRLF)
  const gb = Buffer.from('b9abcbbec3fbb3c62cd0d0d2b52cb5d8c7f82cb8bad4f0c8cb0d0ac9cfbaa3c8f1cbbcbfc6bcbcd3d0cfdeb9abcbbe2cd6c6d4ecd2b52cbbaab6ab2c0d0ab1b1bea9d0c7bad3c3b3d2d7d3d0cfdeb9abcbbe2cc1e3cadb2cbbaab1b12c0d0a', 'hex');
  assert.equal(new TextDecoder('gb18030').decode(gb).split('\r\n')[0], '公司名称,行业,地区,负责人', 'the bytes are what the comment says');
  const job = await uploaded(admin, 'accounts', gb, { filename: '客户.csv' });
  assert.equal(job.encoding, 'gb18030');
  assert.equal(job.filename, '客户.csv');
  assert.equal(job.status, 'ready');
  assert.deepEqual(job.columns, ['公司名称', '行业', '地区', '负责人']);
  assert.deepEqual(job.sample[0], ['上海锐思科技有限公司', '制造业', '华东', null]);
  assert.equal(job.mapping.name, '公司名称');
  assert.equal(job.mapping.industry, '行业');
  assert.equal(job.mapping.region, '地区');
  assert.equal(job.mapping.owner, '负责人');
  assert.equal(job.rows_total, 2);
  assert.equal(job.rows_bad, 0);
  assert.deepEqual(job.problems, []);
  const before = await listAll(admin, '/api/v1/accounts?q=' + encodeURIComponent('有限公司'));
  const done = await run(admin, job.id);
  assert.equal(done.status, 'done', JSON.stringify(done));
  assert.equal(done.rows_imported, 2);
  assert.equal(done.rows_done, 2);
  const got = await listAll(admin, '/api/v1/accounts?q=' + encodeURIComponent('有限公司'));
  assert.equal(got.length - before.length, 2);
  const sh = got.find((a) => a.name === '上海锐思科技有限公司');
  assert.equal(sh.industry, '制造业');
  assert.equal(sh.owner_id, admin.me.id, 'an empty owner cell is the importing user, as in the API');
  const audit = await admin.get(`/api/v1/accounts/${sh.id}/audit`);
  assert.deepEqual(audit.body.items.map((a) => [a.action, a.new]), [['create', `import #${job.id}: 客户.csv, row 2`]]);
  // uploading the same file again: every row is a duplicate now
  const again = await uploaded(admin, 'accounts', gb);
  assert.equal(again.rows_bad, 2);
  assert.match(again.problems[0].problem, /already in use \(account \d+\)/);
  // the same companies with their legal forms written differently are duplicates too
  const loose = await uploaded(admin, 'accounts', '公司名称\n上海锐思科技\n');
  assert.equal(loose.rows_bad, 1);
});

test('deals with M/D/YYYY dates get a stage history that matches their dates; D/M order on request', async () => {
  const acc = (await C.mgr.post('/api/v1/accounts', { name: uniq('Cancity') })).body;
  const name = uniq('Deal');
  const file = `opportunity_id,sales_agent,product,account,deal_stage,engage_date,close_date,close_value\n` +
    `${name}-won,王芳,GTX Pro,${acc.name},Won,10/20/2016,3/1/2017,"1,054"\n` +
    `${name}-lost,imp.rep@test.local,MG Special,${acc.name},Lost,10/25/2016,3/11/2017,0\n` +
    `${name}-open,王芳,GTX Pro,,Demo,11/3/2016,,\n`;
  const job = await uploaded(C.mgr, 'opportunities', file, { filename: 'pipeline.csv' });
  assert.deepEqual(job.problems.map((p) => [p.row, p.column, p.problem]), [[4, 'product', 'is priced in USD: give the amount in CNY']],
    'the server\'s currency is CNY until the import says otherwise');
  const patched = await C.mgr.patch(`/api/v1/imports/${job.id}`, { options: { currency: 'USD' } });
  assert.equal(patched.status, 200, patched.text);
  assert.deepEqual(patched.body.problems, []);
  assert.equal(patched.body.options.currency, 'USD');
  assert.equal(patched.body.mapping.name, 'opportunity_id', 'a patch of options keeps the mapping');
  const done = await run(C.mgr, job.id);
  assert.equal(done.rows_imported, 3, JSON.stringify(done));
  const deals = Object.fromEntries((await listAll(C.mgr, `/api/v1/opportunities?q=${name}`)).map((d) => [d.name.slice(name.length + 1), d]));
  const noon = (d) => Date.parse(d + 'T12:00:00Z');
  const won = deals.won;
  assert.equal(won.stage_name, 'Won');
  assert.equal(won.owner_id, rep.id, 'owner given by name');
  assert.equal(won.account_id, acc.id);
  assert.equal(won.amount, 105400, 'whole dollars in cents');
  assert.equal(won.currency, 'USD');
  assert.equal(won.amount_from_items, true);
  assert.equal(won.close_date, '2017-03-01');
  assert.equal(Date.parse(won.created_at), noon('2016-10-20'));
  assert.equal(Date.parse(won.closed_at), noon('2017-03-01'));
  assert.equal((Date.parse(won.closed_at) - Date.parse(won.created_at)) / DAY, 132, 'days to close, 20 Oct 2016 to 1 Mar 2017');
  const hist = (await C.mgr.get(`/api/v1/opportunities/${won.id}/history`)).body.items;
  assert.deepEqual(hist.map((h) => [h.from_stage, h.to_stage, h.changed_at.slice(0, 10), h.amount]),
    [[null, 'Lead', '2016-10-20', 105400], ['Lead', 'Won', '2017-03-01', 105400]]);
  const items = (await C.mgr.get(`/api/v1/opportunities/${won.id}/line-items`)).body.items;
  assert.deepEqual(items.map((i) => [i.product_name, i.quantity, i.unit_price, i.total]), [['GTX Pro', 1, 105400, 105400]]);
  const lost = deals.lost;
  assert.equal(lost.stage_name, 'Lost');
  assert.equal(lost.owner_id, rep.id, 'owner given by email');
  assert.equal(lost.amount, 0);
  assert.equal(lost.closed_at.slice(0, 10), '2017-03-11');
  const open = deals.open;
  assert.equal(open.stage_name, 'Demo');
  assert.equal(open.closed_at, null);
  assert.equal(open.account_id, null, 'an open deal may have no account');
  assert.equal(open.amount, 482100, 'no amount: the product at its list price');
  const oh = (await C.mgr.get(`/api/v1/opportunities/${open.id}/history`)).body.items;
  assert.deepEqual(oh.map((h) => [h.from_stage, h.to_stage, h.changed_at.slice(0, 10)]), [[null, 'Demo', '2016-11-03']]);
  // the list filters see the imported dates
  const closedIn = await listAll(C.mgr, `/api/v1/opportunities?q=${name}&closed_at_from=2017-03-01&closed_at_to=2017-03-01`);
  assert.deepEqual(closedIn.map((d) => d.id), [won.id]);

  const dmy = await uploaded(C.mgr, 'opportunities', `name,created,stage\n${name}-dmy,13/1/2017,Lead\n`);
  assert.equal(dmy.rows_bad, 1);
  assert.match(dmy.problems[0].problem, /day\/month\/year/, 'the problem says which order would work');
  const fixed = await C.mgr.patch(`/api/v1/imports/${dmy.id}`, { options: { date_order: 'dmy' } });
  assert.equal(fixed.body.rows_bad, 0, fixed.text);
  assert.equal((await run(C.mgr, dmy.id)).rows_imported, 1);
  const d = (await listAll(C.mgr, `/api/v1/opportunities?q=${name}-dmy`))[0];
  assert.equal(d.created_at.slice(0, 10), '2017-01-13');
});

test('near misses: the closest name is suggested, and used only when asked', async () => {
  const name = uniq('Near');
  const file = `name,product,stage,amount\n${name}-1,GTXPro,Lead,10\n${name}-2,GTX Pro,Lead,10\n`;
  const job = await uploaded(admin, 'opportunities', file);
  assert.equal(job.rows_bad, 1);
  assert.deepEqual(job.problems.map((p) => [p.row, p.column, p.value]), [[2, 'product', 'GTXPro']]);
  assert.match(job.problems[0].problem, /did you mean 'GTX Pro'/);
  assert.deepEqual(job.changes, [{ target: 'product', column: 'product', value: 'GTXPro', read_as: 'GTX Pro', rows: 1, how: 'suggested' }]);
  // an explicit replacement
  const mapped = await admin.patch(`/api/v1/imports/${job.id}`, { options: { values: { product: { GTXPro: 'GTX Pro' } } } });
  assert.equal(mapped.body.rows_bad, 0, mapped.text);
  assert.equal(mapped.body.changes[0].how, 'value map');
  // or accepting every suggestion
  const accepted = await admin.patch(`/api/v1/imports/${job.id}`, { options: { values: null, accept_suggestions: true } });
  assert.equal(accepted.body.rows_bad, 0, accepted.text);
  assert.equal(accepted.body.changes[0].how, 'suggestion accepted');
  assert.equal((await run(admin, job.id)).rows_imported, 2);
  const deal = (await listAll(admin, `/api/v1/opportunities?q=${name}-1`))[0];
  const items = (await admin.get(`/api/v1/opportunities/${deal.id}/line-items`)).body.items;
  assert.equal(items[0].product_name, 'GTX Pro');
  // a category-like value close to a known one is reported, not refused
  const ind = await uploaded(admin, 'accounts', `name,sector\n${uniq('Acme')},technolgy\n`);
  assert.equal(ind.rows_bad, 0);
  assert.deepEqual(ind.changes.map((c) => [c.target, c.value, c.read_as, c.how]), [['industry', 'technolgy', 'technology', 'suggested']]);
});

test('stop at the first bad row: nothing is written; skip bad rows: the good ones go in and the report lists the rest', async () => {
  const name = uniq('Batch');
  const file = `名称,公司名称,阶段,金额\n${name}-a,,Lead,100\n${name}-b,,Nowhere,100\n${name}-c,,Lead,-5\n${name}-d,,Lead,"=1+2"\n`;
  const job = await uploaded(admin, 'opportunities', file, { filename: 'batch.csv' });
  assert.equal(job.rows_bad, 3);
  assert.deepEqual(job.problems.map((p) => [p.row, p.column]), [[3, '阶段'], [4, '金额'], [5, '金额']]);
  assert.match(job.problems[0].problem, /the stages are: Lead, Qualified/);
  const stopped = await run(admin, job.id);
  assert.equal(stopped.status, 'failed');
  assert.match(stopped.error, /row 3 has problems, so nothing was written/);
  assert.equal(stopped.rows_imported, 0);
  assert.deepEqual(await listAll(admin, `/api/v1/opportunities?q=${name}`), [], 'not one row of a stopped import is in');
  const report = await admin.get(`/api/v1/imports/${job.id}/report.csv`);
  assert.equal(report.status, 200);
  assert.match(report.headers.get('content-type'), /^text\/csv/);
  assert.match(report.headers.get('content-disposition'), /filename\*=UTF-8''batch-problems\.csv/);
  assert.ok((await bytes(admin, `/api/v1/imports/${job.id}/report.csv`)).startsWith('\uFEFF"row","column","problem","名称","公司名称","阶段","金额"\r\n'),
    'a BOM for Excel, then the header');
  assert.ok(report.text.includes(`"3","阶段","'Nowhere' matches no stage`), report.text);
  // the skip mode, chosen at run time
  const skipped = await run(admin, job.id, { options: { mode: 'skip' } });
  assert.equal(skipped.status, 'done', JSON.stringify(skipped));
  assert.equal(skipped.rows_imported, 1);
  assert.equal(skipped.rows_bad, 3);
  assert.deepEqual((await listAll(admin, `/api/v1/opportunities?q=${name}`)).map((d) => d.name), [`${name}-a`]);
  const rep3 = await admin.get(`/api/v1/imports/${job.id}/report.csv`);
  assert.equal(rep3.text.trim().split('\r\n').length, 4, 'the header and one line per problem');
  assert.ok(rep3.text.includes(`"'=1+2"`), 'a formula in the report is defused like in an export');
  // a done import cannot run twice
  expectProblem(await admin.post(`/api/v1/imports/${job.id}/run`), 409);
  expectProblem(await admin.patch(`/api/v1/imports/${job.id}`, { options: { mode: 'stop' } }), 409);
});

test('parents in the same file, contacts by Chinese headers, users and teams', async () => {
  const tag = uniq('Grp');
  const accounts = `account,subsidiary_of\n${tag} Child,${tag} Parent\n${tag} Parent,\n${tag} Loop A,${tag} Loop B\n${tag} Loop B,${tag} Loop A\n`;
  const job = await uploaded(admin, 'accounts', accounts);
  assert.deepEqual(job.problems.map((p) => p.row).sort(), [4, 5], JSON.stringify(job.problems));
  assert.match(job.problems[0].problem, /lead back to it/);
  const done = await run(admin, job.id, { options: { mode: 'skip' } });
  assert.equal(done.rows_imported, 2);
  const got = await listAll(admin, `/api/v1/accounts?q=${encodeURIComponent(tag)}`);
  const parent = got.find((a) => a.name.endsWith('Parent')), child = got.find((a) => a.name.endsWith('Child'));
  assert.equal(child.parent_id, parent.id, 'the parent is a row further down the file');

  const contacts = `联系人,电话,邮箱,公司名称,负责人\n李伟,138 0013 8000,li.wei@${tag}.cn,${tag} Parent,王芳\n`;
  const cj = await uploaded(admin, 'contacts', contacts);
  assert.deepEqual(cj.problems, []);
  assert.equal((await run(admin, cj.id)).rows_imported, 1);
  const c = (await listAll(admin, `/api/v1/contacts?q=li.wei@${tag}`))[0];
  assert.deepEqual([c.name, c.phone, c.account_id, c.owner_id], ['李伟', '138 0013 8000', parent.id, rep.id]);
  const dup = await uploaded(admin, 'contacts', contacts.replace('李伟', '李伟伟'));
  assert.match(dup.problems[0].problem, /already in use/, 'the same email is the same contact');

  // activities: under a deal given by name, filed under its account too; one without anything to belong to is a problem
  const deal = (await admin.post('/api/v1/opportunities', { name: `${tag} deal`, account_id: parent.id })).body;
  const aj = await uploaded(admin, 'activities', `类型,主题,商机,日期\n电话,Intro call,${tag} deal,2017-03-01 14:30\nmeeting,Nowhere,,\n`);
  assert.deepEqual(aj.problems.map((p) => [p.row, p.column]), [[3, '商机']]);
  assert.match(aj.problems[0].problem, /belongs to an opportunity, an account or a contact/);
  assert.equal((await run(admin, aj.id, { options: { mode: 'skip' } })).rows_imported, 1);
  const act = (await listAll(admin, `/api/v1/activities?opportunity_id=${deal.id}`))[0];
  assert.deepEqual([act.kind, act.subject, act.account_id, act.due_at], ['call', 'Intro call', parent.id, '2017-03-01T14:30:00.000Z']);

  const users = `email,name,role,team\n${tag}@test.local,${tag} Person,销售,${team.name}\n`;
  const uj = await uploaded(admin, 'users', users);
  assert.deepEqual(uj.problems, [], JSON.stringify(uj.problems));
  assert.equal((await run(admin, uj.id)).rows_imported, 1);
  const u = (await listAll(admin, `/api/v1/users?email=${tag}@test.local`))[0];
  assert.deepEqual([u.role, u.team_id, u.locale, u.active], ['rep', team.id, 'en', true]);
  const badRole = await uploaded(admin, 'users', `email,name,role\n${tag}2@test.local,X,manger\n`);
  assert.match(badRole.problems[0].problem, /must be one of: .*did you mean 'manager'/);
});

test('who may import what: the caller\'s permissions, as in the API', async () => {
  expectProblem(await upload(C.rep, 'products', 'name,sku,price\nX,X,1\n'), 403);
  expectProblem(await upload(C.rep, 'users', 'email,name\na@b.c,A\n'), 403);
  const name = uniq('RepAcc');
  const job = await uploaded(C.rep, 'accounts', `name,owner\n${name}-mine,王芳\n${name}-theirs,Other Rep\n`);
  assert.deepEqual(job.problems.map((p) => [p.row, p.column]), [[3, 'owner']]);
  assert.match(job.problems[0].problem, /cannot give records to/);
  const deals = await uploaded(C.rep, 'opportunities', `name,stage,close_date\n${name}-w,Won,2024-01-05\n${name}-l,Lead,\n`);
  assert.deepEqual(deals.problems.map((p) => [p.row, p.column]), [[2, 'stage']]);
  assert.match(deals.problems[0].problem, /only a manager or an admin/);
  // references are read in the caller's scope: another rep's account is not there
  const theirs = (await C.rep2.post('/api/v1/accounts', { name: uniq('Hidden') })).body;
  const ref = await uploaded(C.rep, 'contacts', `name,account\nX,${theirs.name}\n`);
  assert.match(ref.problems[0].problem, /matches no account that you can see/);
  // jobs are private to their owner; the admin sees all
  expectProblem(await C.rep2.get(`/api/v1/imports/${job.id}`), 404);
  expectProblem(await C.rep2.post(`/api/v1/imports/${job.id}/run`), 404);
  expectProblem(await C.rep2.get(`/api/v1/imports/${job.id}/report.csv`), 404);
  expectProblem(await C.rep2.del(`/api/v1/imports/${job.id}`), 404);
  assert.ok(!(await C.rep2.get('/api/v1/imports')).body.items.some((j) => j.id === job.id));
  assert.ok((await admin.get('/api/v1/imports')).body.items.some((j) => j.id === job.id));
  assert.equal((await C.rep.del(`/api/v1/imports/${job.id}`)).status, 204);
  expectProblem(await C.rep.get(`/api/v1/imports/${job.id}`), 404);
});

test('bad requests are problems with field reasons, and the server stays up', async () => {
  expectProblem(await admin.post('/api/v1/imports', 'a\n1\n', { headers: CSV }), 400, { field: 'entity' });
  expectProblem(await upload(admin, 'stages', 'name\nx\n'), 400, { field: 'entity' });
  expectProblem(await upload(admin, 'accounts', { name: 'x' }, { headers: {} }), 400, { field: 'Content-Type' });
  expectProblem(await upload(admin, 'accounts', ''), 400, { field: 'body' });
  expectProblem(await upload(admin, 'accounts', 'a\n', { query: '&encoding=../../etc' }), 400, { field: 'encoding' });
  const xlsx = await upload(admin, 'accounts', Buffer.from('PK\x03\x04 a workbook'));
  assert.match(expectProblem(xlsx, 422, { field: 'file' }).detail, /^The file is not a readable \.xlsx: the zip archive is damaged/);
  assert.match(expectProblem(await upload(admin, 'accounts', Buffer.from('name\n\xff\xfe\xff\n', 'latin1')), 400).detail, /neither UTF-8 nor GB18030/);
  expectProblem(await upload(admin, 'accounts', 'name\nx\n', { query: '&encoding=no-such-charset' }), 400);
  const job = await uploaded(admin, 'products', 'product,price\nX,5\n');
  assert.deepEqual(job.mapping_errors, [{ field: 'sku', reason: 'is required: map a column to it' }], 'an incomplete mapping is kept and named');
  expectProblem(await admin.post(`/api/v1/imports/${job.id}/run`), 422, { field: 'sku' });
  expectProblem(await admin.patch(`/api/v1/imports/${job.id}`, { mapping: { sku: 'no such column' } }), 422, { field: 'sku' });
  expectProblem(await admin.patch(`/api/v1/imports/${job.id}`, { mapping: { colour: 'product' } }), 422, { field: 'colour' });
  expectProblem(await admin.patch(`/api/v1/imports/${job.id}`, { options: { mode: 'maybe' } }), 422, { field: 'mode' });
  expectProblem(await admin.patch(`/api/v1/imports/${job.id}`, { options: { currency: 'XXX' } }), 422, { field: 'currency' });
  expectProblem(await admin.patch(`/api/v1/imports/${job.id}`, { options: { values: [1] } }), 422, { field: 'values' });
  expectProblem(await admin.patch(`/api/v1/imports/${job.id}`, { speed: 'fast' }), 422, { field: 'speed' });
  expectProblem(await admin.patch(`/api/v1/imports/${job.id}`, '[1]'), 400);
  expectProblem(await admin.get('/api/v1/imports/999999'), 404);
  expectProblem(await admin.get('/api/v1/imports/abc'), 404);
  const sku = await admin.patch(`/api/v1/imports/${job.id}`, { mapping: { sku: 'product' }, options: { currency: 'USD' } });
  assert.equal(sku.status, 200, sku.text);
  assert.deepEqual(sku.body.mapping_errors, []);
  // two runs at once: one wins
  const [a, b] = await Promise.all([admin.post(`/api/v1/imports/${job.id}/run`), admin.post(`/api/v1/imports/${job.id}/run`)]);
  assert.deepEqual([a.status, b.status].sort(), [202, 409]);
  assert.equal((await finished(admin, job.id)).rows_imported, 1);
  assert.equal((await admin.get('/healthz')).status, 200);
});

test('uploads: over 1 MiB is taken (the route has its own limit), over 16 MiB is 413', async () => {
  const tag = uniq('Big');
  const rows = [];
  for (let i = 0; i < 30000; i++) rows.push(`${tag} account number ${i},industry ${i % 7},region ${i % 5}`);
  const big = `name,industry,region\n${rows.join('\n')}\n`;
  assert.ok(big.length > 1.2 * 1024 * 1024);
  const job = await uploaded(admin, 'accounts', big);
  assert.equal(job.rows_total, 30000);
  assert.equal(job.rows_bad, 0);
  const done = await run(admin, job.id);
  assert.equal(done.rows_imported, 30000);
  assert.equal(done.rows_done, 30000);
  const huge = Buffer.alloc(17 * 1024 * 1024, 'a');
  const r = await upload(admin, 'accounts', huge);
  assert.match(expectProblem(r, 413).detail, /16 MiB/);
  expectProblem(await admin.post('/api/v1/accounts', { name: 'x'.repeat(1100 * 1024) }), 413, {});
});

test('exports: CSV and XLSX with the list\'s filters and sort, only what the caller may see', async () => {
  const tag = uniq('Exp');
  for (const [n, ind] of [['b', 'Retail'], ['a', 'Retail'], ['c', 'Energy']])
    assert.equal((await C.rep.post('/api/v1/accounts', { name: `${tag} ${n}`, industry: ind })).status, 201);
  assert.equal((await C.rep.post('/api/v1/accounts', { name: `=HYPERLINK("x") ${tag}`, industry: 'Retail' })).status, 201);
  assert.equal((await C.rep2.post('/api/v1/accounts', { name: `${tag} other rep`, industry: 'Retail' })).status, 201);
  const q = `q=${encodeURIComponent(tag)}&industry=Retail&sort=-name`;
  const csv = await C.rep.get(`/api/v1/accounts/export.csv?${q}`);
  assert.equal(csv.status, 200);
  assert.ok((await bytes(C.rep, `/api/v1/accounts/export.csv?${q}`)).startsWith('\uFEFF"id","created_at","updated_at","name"'), 'BOM and header');
  const names = csv.text.trim().split('\r\n').slice(1).map((l) => l.split('","')[3]);
  assert.equal(names.length, 3, 'filtered: the rep\'s retail accounts, not the other rep\'s');
  assert.deepEqual(names.filter((n) => n.startsWith(tag)), [`${tag} b`, `${tag} a`], 'sorted by name, descending');
  assert.ok(names.includes(`'=HYPERLINK(""x"") ${tag}`), 'a formula is defused with an apostrophe');
  const x = await fetch(`${srv.url}/api/v1/accounts/export.xlsx?${q}`, { headers: { Cookie: C.rep.cookie } });
  assert.equal(x.status, 200);
  assert.equal(x.headers.get('content-type'), 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
  assert.equal(x.headers.get('content-disposition'), 'attachment; filename="accounts.xlsx"');
  const xml = sheetXml(Buffer.from(await x.arrayBuffer()));
  const unxml = (t) => t.replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
  const cells = [...xml.matchAll(/<t[^>]*>([^<]*)<\/t>/g)].map((m) => unxml(m[1])).filter((t) => t.includes(tag));
  assert.deepEqual(cells.filter((n) => n.startsWith(tag)), [`${tag} b`, `${tag} a`], 'the same rows in the same order');
  assert.ok(cells.includes(`=HYPERLINK("x") ${tag}`), 'in a workbook text stays text, as typed');
  assert.equal(cells.length, 3);
  assert.ok(!xml.includes('other rep'));
  assert.ok(!/<f>/.test(xml), 'no formulas');
  assert.match(xml, /<c r="A2"[^>]*><v>\d+<\/v><\/c>/, 'ids are numbers');
  expectProblem(await C.rep.get('/api/v1/accounts/export.xlsx?limit=5'), 400);
  expectProblem(await C.rep.get('/api/v1/accounts/export.xlsx?colour=red'), 400, { field: 'colour' });
  expectProblem(await srv.anon().get('/api/v1/accounts/export.xlsx'), 401);
  expectProblem(await C.rep.get('/api/v1/nothing/export.xlsx'), 404);
});

test('an .xlsx imports as the same data saved as CSV would: preview, problems by the sheet\'s row, records', async () => {
  const acc = (await C.mgr.post('/api/v1/accounts', { name: uniq('Workbook Co') })).body;
  const name = uniq('XDeal');
  const rows = [
    ['名称', '公司名称', '负责人', '阶段', '币种', '金额', '产品', '创建日期', '成交日期'],
    [`${name}-won`, acc.name, '王芳', 'Won', 'USD', { n: '1054.0999999999999' }, 'GTX Pro', { cn: '2016-10-20' }, { date: '2017-03-01' }],
    null,   // row 3 is empty: the sheet leaves it out
    [`${name}-bad`, null, 'imp.rep@test.local', 'Nowhere', 'USD', 10, null, { cn: '2016-10-25' }, null],
    [`${name}-open`, null, '王芳', 'Demo', 'USD', { f: 'SUM(500,500)', v: 1000 }, 'GTX Pro', { date: '2016-11-03' }, null],
  ];
  const book = workbook(rows);
  const csv = '名称,公司名称,负责人,阶段,币种,金额,产品,创建日期,成交日期\r\n' +
    `${name}-won,${acc.name},王芳,Won,USD,1054.1,GTX Pro,2016-10-20,2017-03-01\r\n` +
    '\r\n' +
    `${name}-bad,,imp.rep@test.local,Nowhere,USD,10,,2016-10-25,\r\n` +
    `${name}-open,,王芳,Demo,USD,1000,GTX Pro,2016-11-03,\r\n`;
  const x = await uploaded(C.mgr, 'opportunities', book, { filename: '商机.xlsx', headers: XLSX });
  const c = await uploaded(C.mgr, 'opportunities', csv, { filename: '商机.csv' });
  assert.equal(x.encoding, 'xlsx');
  assert.equal(x.filename, '商机.xlsx');
  for (const k of ['columns', 'sample', 'mapping', 'problems', 'changes', 'unmapped', 'rows_total', 'rows_bad', 'mapping_errors'])
    assert.deepEqual(x[k], c[k], `${k}: the workbook reads as the CSV does`);
  assert.deepEqual(x.sample[0], [`${name}-won`, acc.name, '王芳', 'Won', 'USD', '1054.1', 'GTX Pro', '2016-10-20', '2017-03-01'],
    'dates in either format as ISO dates, the number without binary noise');
  assert.deepEqual(x.problems.map((p) => [p.row, p.column]), [[4, '阶段']], 'the problem names the row the sheet shows');
  // the same through a new check, and through a run
  const patched = await C.mgr.patch(`/api/v1/imports/${x.id}`, { options: { mode: 'skip' } });
  assert.deepEqual(patched.body.sample, c.sample, 'the kept sheet reads the same again');
  // the records are the same as the CSV's: import one, note them, delete them, import the other
  const keep = ['name', 'stage_name', 'owner_id', 'account_id', 'currency', 'amount', 'amount_from_items', 'close_date', 'created_at', 'closed_at'];
  const imported = async (job) => {
    const done = await run(C.mgr, job.id, { options: { mode: 'skip' } });
    assert.equal(done.status, 'done', JSON.stringify(done));
    assert.deepEqual([done.rows_imported, done.rows_bad], [2, 1], JSON.stringify(done.problems));
    const deals = await listAll(C.mgr, `/api/v1/opportunities?q=${name}&sort=name`);
    const items = await Promise.all(deals.map(async (d) => (await C.mgr.get(`/api/v1/opportunities/${d.id}/line-items`)).body.items
      .map((i) => [i.product_name, i.quantity, i.unit_price])));
    const got = deals.map((d, i) => ({ ...Object.fromEntries(keep.map((k) => [k, d[k]])), items: items[i] }));
    for (const d of deals) assert.equal((await C.mgr.del(`/api/v1/opportunities/${d.id}`)).status, 204);
    return { deals, got };
  };
  const fromXlsx = await imported(x);
  assert.ok((await C.mgr.get(`/api/v1/imports/${x.id}/report.csv`)).text.includes('"4","阶段","\'Nowhere\' matches no stage'));
  assert.deepEqual((await imported(c)).got, fromXlsx.got);
  const deals = fromXlsx.deals;
  const won = deals.find((d) => d.name === `${name}-won`);
  assert.deepEqual([won.amount, won.currency, won.close_date, won.created_at.slice(0, 10), won.account_id, won.owner_id],
    [105410, 'USD', '2017-03-01', '2016-10-20', acc.id, rep.id]);
  assert.equal(deals.find((d) => d.name === `${name}-open`).amount, 100000, 'a formula counts with its last value');

  // the command line reads workbooks too
  if (fs.existsSync(BIN)) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cyl-xlsx-'));
    try {
      const file = path.join(dir, 'deals.xlsx');
      fs.writeFileSync(file, book);
      const dry = cli(['import', 'opportunities', file, '--db', srv.db, '--as', mgr.email, '--dry-run', '--skip-bad-rows']);
      assert.match(dry.stdout, /opportunities from .*deals\.xlsx \(xlsx\): 3 rows, 2 would be imported, 1 with problems/, dry.stdout + dry.stderr);
      assert.match(dry.stderr, /row 4, 阶段: 'Nowhere' matches no stage/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
});

test('workbooks that cannot be read are refused with the reason, and say what to save instead', async () => {
  const good = workbook([['name'], ['x']]);
  const refused = async (body, why, headers = XLSX) => {
    const r = await upload(admin, 'accounts', body, { filename: 'bad.xlsx', headers });
    const p = expectProblem(r, 422, { field: 'file' });
    assert.match(p.detail, why);
    assert.match(p.errors[0].reason, why);
    return p;
  };
  await refused(good.subarray(0, good.length - 40), /is not a readable \.xlsx: the zip archive is damaged/);
  await refused(workbook([], { sheet: '<worksheet>\n<sheetData>\n<row><c></row>\n</sheetData></worksheet>' }),
    /is not a readable \.xlsx: xl\/worksheets\/sheet1\.xml is not well-formed XML \(line 3: mismatched tag\)/);
  await refused(workbook([null, [null, null]]), /has nothing on its first sheet \("商机"\): the list must be on the first sheet/);
  const ole = Buffer.alloc(2048);
  Buffer.from('d0cf11e0a1b11ae1', 'hex').copy(ole);
  await refused(ole, /is an Excel 97-2003 workbook \(\.xls\): open it in Excel or WPS and save it as \.xlsx/, { 'Content-Type': 'application/vnd.ms-excel' });
  Buffer.from('EncryptedPackage', 'utf16le').copy(ole, 1200);
  await refused(ole, /is protected with a password/, { 'Content-Type': 'application/octet-stream' });
  await refused(zip({ 'content.xml': '<office:document-content/>' }), /is a zip archive but not an Excel workbook/);
  // what is readable is taken whatever it is sent as
  for (const type of [XLSX['Content-Type'], 'application/octet-stream', 'text/csv'])
    assert.equal((await uploaded(admin, 'accounts', good, { headers: { 'Content-Type': type } })).encoding, 'xlsx');
  assert.equal((await admin.get('/healthz')).status, 200);
});

test('a workbook that Cylinder exported imports back', async () => {
  const tag = uniq('Round');
  const made = [];
  for (const [n, ind, reg] of [['b', 'Retail', '华东'], ['a', 'Energy', null]])
    made.push((await C.mgr.post('/api/v1/accounts', { name: `${tag} ${n}`, industry: ind, region: reg })).body);
  const q = `q=${encodeURIComponent(tag)}&sort=name`;
  const xr = await fetch(`${srv.url}/api/v1/accounts/export.xlsx?${q}`, { headers: { Cookie: C.mgr.cookie } });
  assert.equal(xr.status, 200);
  const book = Buffer.from(await xr.arrayBuffer());
  const csv = Buffer.from(await (await fetch(`${srv.url}/api/v1/accounts/export.csv?${q}`, { headers: { Cookie: C.mgr.cookie } })).arrayBuffer());
  for (const a of made) assert.equal((await C.mgr.del(`/api/v1/accounts/${a.id}`)).status, 204);
  const x = await uploaded(C.mgr, 'accounts', book, { filename: 'accounts.xlsx', headers: XLSX });
  const c = await uploaded(C.mgr, 'accounts', csv, { filename: 'accounts.csv' });
  assert.deepEqual(x.columns, c.columns, 'the same columns as the CSV export of the list');
  assert.deepEqual(x.mapping, c.mapping);
  assert.equal(x.rows_total, 2);
  assert.deepEqual(x.problems, [], JSON.stringify(x.problems));
  const at = (job, col) => job.sample.map((r) => r[job.columns.indexOf(col)]);
  for (const col of x.columns) {
    if (col.endsWith('_at')) {   // timestamps: an Excel date and time, to the second, in the workbook
      at(x, col).forEach((v, i) => assert.ok(Math.abs(Date.parse(v.replace(' ', 'T') + 'Z') - Date.parse(at(c, col)[i])) <= 1000, `${col}: ${v}`));
    } else assert.deepEqual(at(x, col), at(c, col), col);
  }
  assert.equal((await run(C.mgr, x.id)).rows_imported, 2);
  const back = await listAll(C.mgr, `/api/v1/accounts?${q}`);
  assert.deepEqual(back.map((a) => [a.name, a.industry, a.region, a.owner_id]),
    [[`${tag} a`, 'Energy', null, mgr.id], [`${tag} b`, 'Retail', '华东', mgr.id]]);
  assert.deepEqual(back.map((a) => a.created_at.slice(0, 10)), [made[1], made[0]].map((a) => a.created_at.slice(0, 10)));
});

test('the command line: import with a report of bad rows, dry runs, export with filters', { skip: !fs.existsSync(BIN) }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cyl-import-'));
  try {
    const tag = uniq('Cli');
    const file = path.join(dir, 'accounts.csv');
    fs.writeFileSync(file, `\uFEFFcompany,sector,owner\n${tag} One,technolgy,王芳\n${tag} Two,retail,nobody@nowhere\n`);
    const report = path.join(dir, 'report.csv');
    const dry = cli(['import', 'accounts', file, '--db', srv.db, '--as', ADMIN_EMAIL, '--dry-run', '--report', report]);
    assert.equal(dry.status, 1, dry.stdout + dry.stderr);
    assert.match(dry.stdout, /2 rows, 1 would be imported, 1 with problems/);
    assert.match(dry.stdout, /industry: 'technolgy' looks like 'technology'/);
    assert.match(dry.stderr, /row 3, owner: 'nobody@nowhere' matches no user/);
    assert.match(fs.readFileSync(report, 'utf8'), /"3","owner","'nobody@nowhere' matches no user/);
    assert.deepEqual(await listAll(admin, `/api/v1/accounts?q=${tag}`), [], 'a dry run writes nothing');
    const stop = cli(['import', 'accounts', file, '--db', srv.db, '--as', ADMIN_EMAIL]);
    assert.equal(stop.status, 1);
    assert.match(stop.stdout, /nothing written/);
    const go = cli(['import', 'accounts', file, '--db', srv.db, '--as', ADMIN_EMAIL, '--skip-bad-rows', '--accept-suggestions',
      '--map', 'owner=owner', '--map-value', 'sector:retail=Retail']);
    assert.equal(go.status, 0, go.stdout + go.stderr);
    assert.match(go.stdout, /1 imported, 1 with problems left out/);
    const got = await listAll(admin, `/api/v1/accounts?q=${tag}`);
    assert.deepEqual(got.map((a) => [a.name, a.industry, a.owner_id]), [[`${tag} One`, 'technology', rep.id]]);
    const bad = cli(['import', 'accounts', file, '--db', srv.db, '--map', 'nosuch=name']);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /no such column/);
    assert.equal(cli(['import', 'stages', file, '--db', srv.db]).status, 2);

    const out = path.join(dir, 'out.csv');
    const ex = cli(['export', 'accounts', '--db', srv.db, '--as', rep.email, '--out', out, `q=${tag}`, '--sort', 'name']);
    assert.equal(ex.status, 0, ex.stderr);
    const lines = fs.readFileSync(out, 'utf8').trim().split('\r\n');
    assert.equal(lines.length, 2);
    assert.ok(lines[1].includes(`${tag} One`));
    const xo = path.join(dir, 'out.xlsx');
    assert.equal(cli(['export', 'accounts', '--db', srv.db, '--out', xo, `q=${tag}`]).status, 0);
    assert.ok(sheetXml(fs.readFileSync(xo)).includes(`${tag} One`));
    const other = cli(['export', 'accounts', '--db', srv.db, '--as', rep2.email, '--out', out, `q=${tag}`]);
    assert.equal(other.status, 0);
    assert.equal(fs.readFileSync(out, 'utf8').trim().split('\r\n').length, 1, 'another rep exports only the header');
    assert.equal(cli(['export', 'accounts', '--db', srv.db, '--out', out, 'colour=red']).status, 1);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
