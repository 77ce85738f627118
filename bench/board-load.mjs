// board-load.mjs: how long the pipeline board takes to show its cards on a
// first load with at least 2,000 open deals, over loopback in headless Chromium.
//
//   node bench/board-load.mjs [--runs N] [--open N]
//
// It seeds the demo company, adds benchmark deals until at least --open (2000)
// are open, starts `cylinder serve` ($CYLINDER_BIN or build/cylinder), logs in
// as the admin (who sees every deal), and loads /board in a fresh browser
// profile each run (cold cache). The figure is the app's User Timing mark
// "board-cards-rendered" (set in an effect, so after the cards were painted),
// measured from navigation start. A warm load (same profile, cached assets)
// is measured too. Nothing is asserted: it prints its figures. The server and
// the browser share the machine's cores, as they do on a laptop demo.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { ROOT, startServer } from '../tests/api/lib.mjs';

const { values: opt } = parseArgs({ options: { runs: { type: 'string', default: '5' }, open: { type: 'string', default: '2000' } } });
const RUNS = Number(opt.runs), WANT_OPEN = Number(opt.open);
const BIN = path.resolve(ROOT, process.env.CYLINDER_BIN || 'build/cylinder');
const PASSWORD = 'bench-password-1';
const ARGS = ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

function cli(...args) {
  const r = spawnSync(BIN, args, { encoding: 'utf8', env: { ...process.env, CYLINDER_ACCESS_LOG: '0' } });
  if (r.status !== 0) throw new Error(`cylinder ${args.join(' ')}: ${r.stderr || r.error}`);
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = (x) => `${x.toFixed(0)} ms`;

async function openCount(client) {
  const b = (await client.get('/api/v1/board?closed_days=0')).body;
  return b.stages.filter((s) => s.kind === 'open').reduce((n, s) => n + s.count, 0);
}

/** One page load of /board; the page must already have the session cookie. */
async function loadBoard(page, url) {
  await page.goto(url + '/board');
  await page.waitForFunction(() => performance.getEntriesByName('board-cards-rendered').length > 0, null, { timeout: 30000 });
  return page.evaluate(() => {
    const nav = performance.getEntriesByType('navigation')[0];
    const board = performance.getEntriesByType('resource').find((r) => r.name.includes('/api/v1/board'));
    const scripts = performance.getEntriesByType('resource').filter((r) => /\.(js|css)$/.test(r.name));
    return {
      rendered: performance.getEntriesByName('board-cards-rendered')[0].startTime,
      domContentLoaded: nav.domContentLoadedEventEnd,
      boardRequest: board ? board.responseEnd - board.requestStart : NaN,
      boardBytes: board ? board.encodedBodySize : NaN,
      assetBytes: scripts.reduce((n, r) => n + r.encodedBodySize, 0),
      cardsInDom: document.querySelectorAll('.deal-card').length,
    };
  });
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cyl-bench-'));
const db = path.join(dir, 'bench.db');
let server;
try {
  cli('seed', '--db', db, '--demo', '--password', PASSWORD);
  server = await startServer({ db, pg: false });
  const admin = await server.login('admin@cylinder.local', PASSWORD);
  let open = await openCount(admin);
  while (open < WANT_OPEN) {
    await server.stop();
    cli('seed', '--db', db, '--deals', String(Math.max(500, (WANT_OPEN - open) * 3)));
    server = await startServer({ db, pg: false });
    open = await openCount(await server.login('admin@cylinder.local', PASSWORD));
  }
  const client = await server.login('admin@cylinder.local', PASSWORD);
  const cookie = client.cookie.split('=');
  console.log(`board-load: ${open} open deals (admin sees all), ${RUNS} cold runs, Chromium headless, loopback`);

  const cold = [], warm = [];
  for (let i = 0; i < RUNS; i++) {
    const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'cyl-bench-chromium-'));
    const ctx = await chromium.launchPersistentContext(profile, {
      executablePath: process.env.CHROMIUM || '/usr/bin/chromium', headless: true, args: ARGS, viewport: { width: 1280, height: 800 },
    });
    try {
      await ctx.addCookies([{ name: cookie[0], value: cookie.slice(1).join('='), url: server.url }]);
      const page = ctx.pages()[0] || await ctx.newPage();
      await page.waitForTimeout(500);   // let the browser finish starting up: the page load is what is measured
      const c = await loadBoard(page, server.url);
      const w = await loadBoard(page, server.url);
      cold.push(c);
      warm.push(w);
      console.log(`  run ${i + 1}: cold ${ms(c.rendered)} (DOMContentLoaded ${ms(c.domContentLoaded)}, /board ${ms(c.boardRequest)}, `
        + `${(c.boardBytes / 1024).toFixed(0)} KiB JSON, ${(c.assetBytes / 1024).toFixed(0)} KiB JS+CSS, ${c.cardsInDom} cards in the DOM); warm ${ms(w.rendered)}`);
    } finally {
      await ctx.close();
      fs.rmSync(profile, { recursive: true, force: true });
    }
  }
  console.log(`board-load: median cold ${ms(median(cold.map((r) => r.rendered)))}, median warm ${ms(median(warm.map((r) => r.rendered)))}`
    + ` (navigation start -> cards rendered)`);
} finally {
  await server?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
}
