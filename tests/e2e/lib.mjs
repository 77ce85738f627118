// lib.mjs: what the browser tests share. A server comes from the API tests'
// harness (a fresh database per test file, nothing built here); the browser is
// Debian's Chromium driven by playwright-core, with a fresh profile each time.
//
// Exports
//   startServer (re-exported), ADMIN_EMAIL, ADMIN_PASSWORD, PASSWORD
//   startDemoServer(password) -> server on a database seeded with the demo company
//   openBrowser({viewport, locale}) -> {page, context, errors, close()}
//       errors: uncaught page errors seen so far (tests assert it stays empty)
//   withServerAndBrowser() -> {server, browser}: for a test file that needs one server
//       (fresh SQLite database) and one browser; both are there once the file's
//       `before` hook has run, and closed after its tests
//   login(page, server, email, password) -> resolves when the app shell is shown
//   api(server, client) helpers: createProduct, createAccount, createOpportunity
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import { chromium } from 'playwright-core';
import { ROOT, startServer } from '../api/lib.mjs';

export { ADMIN_EMAIL, ADMIN_PASSWORD, PASSWORD, startServer } from '../api/lib.mjs';

const BIN = path.resolve(ROOT, process.env.CYLINDER_BIN || 'build/cylinder');
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync'];

/** A server on its own SQLite file seeded with the demo company (logins in src/seed/seed.c). */
export async function startDemoServer(password) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cyl-e2e-'));
  const db = path.join(dir, 'demo.db');
  const r = spawnSync(BIN, ['seed', '--db', db, '--demo', '--password', password], {
    encoding: 'utf8', env: { ...process.env, CYLINDER_ACCESS_LOG: '0' },
  });
  if (r.status !== 0) throw new Error(`cylinder seed failed (${r.status}): ${r.stderr || r.error}`);
  const server = await startServer({ db, pg: false });
  const stop = server.stop;
  server.stop = async () => { await stop(); fs.rmSync(dir, { recursive: true, force: true }); };
  return server;
}

export async function openBrowser({ viewport = { width: 1280, height: 800 }, locale = 'en-US' } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cyl-chromium-'));
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: CHROMIUM_ARGS,
    viewport,
    locale,
    timezoneId: 'Asia/Shanghai',
  });
  const page = context.pages()[0] || await context.newPage();
  page.setDefaultTimeout(10000);
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  return {
    page, context, errors,
    async close() {
      await context.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Registers the file's before/after hooks that start a server and open a browser, and close
 * them again. Call it at the top level of a test file; read the fields inside its tests. */
export function withServerAndBrowser() {
  const env = { server: null, browser: null };
  before(async () => {
    env.server = await startServer({ pg: false });
    env.browser = await openBrowser();
  });
  after(async () => {
    await env.browser?.close();
    await env.server?.stop();
  });
  return env;
}

export async function login(page, server, email, password) {
  await page.goto(server.url + '/login');
  await page.fill('input[name=email]', email);
  await page.fill('input[name=password]', password);
  await page.click('button[type=submit]');
  await page.waitForSelector('.topbar');
}

/** The team most tests need: `name`, managed by 王芳 (wang.fang@test.local),
 * with the given reps ({email, name}) in it. Returns { team, manager, reps }. */
export async function teamWithManager(server, name, reps) {
  const team = (await server.admin.post('/api/v1/teams', { name })).body;
  const manager = await server.addUser({ email: 'wang.fang@test.local', name: '王芳', role: 'manager', team_id: team.id });
  await server.admin.patch(`/api/v1/teams/${team.id}`, { manager_id: manager.id });
  const made = [];
  for (const r of reps) made.push(await server.addUser({ ...r, role: 'rep', team_id: team.id }));
  return { team, manager, reps: made };
}

/** The API side of a test's setup, through a logged-in client of the API harness. */
export async function createProduct(client, { name, sku, list_price, currency = 'CNY' }) {
  const r = await client.post('/api/v1/products', { name, sku, list_price, currency });
  assert.equal(r.status, 201, r.text);
  return r.body;
}

export async function createAccount(client, body) {
  const r = await client.post('/api/v1/accounts', body);
  assert.equal(r.status, 201, r.text);
  return r.body;
}

export async function createOpportunity(client, body) {
  const r = await client.post('/api/v1/opportunities', body);
  assert.equal(r.status, 201, r.text);
  return r.body;
}

/** The field container (label, input, reason) of the input named `field` inside `scope`. */
export const fieldBox = (scope, field) => scope.locator(`.field:has([data-field="${field}"])`);
