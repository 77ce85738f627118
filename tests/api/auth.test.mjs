// auth.test.mjs: logging in and out, the session cookie and CSRF, login rate
// limiting, API tokens, deactivated users, and the caller's own profile.
//
// Failed logins are rate-limited per email AND per client IP (all tests come
// from 127.0.0.1), so the main server sees fewer than 5 failures in total and
// the rate-limit test gets a server of its own.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, expectProblem, fieldNames, Client, ADMIN_EMAIL, ADMIN_PASSWORD } from './lib.mjs';

let srv;
before(async () => { srv = await startServer(); });
after(async () => { await srv?.stop(); });

test('login with the right password: 201, the profile and a CSRF token', async () => {
  const c = srv.anon();
  const r = await c.post('/api/v1/session', { email: ADMIN_EMAIL, password: ADMIN_PASSWORD });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.body.email, ADMIN_EMAIL);
  assert.equal(r.body.role, 'admin');
  assert.equal(typeof r.body.csrf_token, 'string');
  assert.ok(r.body.csrf_token.length >= 32, 'CSRF token has at least 32 characters');
  assert.ok(c.cookie, 'a session cookie was set');
  const me = await c.get('/api/v1/session');
  assert.equal(me.status, 200);
  assert.equal(me.body.email, ADMIN_EMAIL);
  assert.equal(me.body.csrf_token, r.body.csrf_token, 'GET /session returns the same CSRF token');
});

test('the session cookie is HttpOnly and SameSite=Lax, and holds no password', async () => {
  const res = await fetch(srv.url + '/api/v1/session', {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email: ADMIN_EMAIL, password: ADMIN_PASSWORD }),
  });
  assert.equal(res.status, 201);
  const cookies = res.headers.getSetCookie();
  const sc = cookies.find((x) => x.startsWith('cyl_session='));
  assert.ok(sc, `a cyl_session cookie in ${JSON.stringify(cookies)}`);
  const attrs = sc.split(';').map((x) => x.trim().toLowerCase());
  assert.ok(attrs.includes('httponly'), sc);
  assert.ok(attrs.includes('samesite=lax'), sc);
  assert.ok(attrs.includes('path=/'), sc);
  assert.ok(!sc.includes(ADMIN_PASSWORD));
  const value = sc.split(';')[0].slice('cyl_session='.length);
  assert.ok(value.length >= 32, 'the session token is long enough not to be guessed');
});

test('wrong password and unknown email: 401 problem+json with the same message', async () => {
  const wrong = await srv.anon().post('/api/v1/session', { email: ADMIN_EMAIL, password: 'not-the-password' });
  expectProblem(wrong, 401);
  assert.equal(srv.anon().cookie, null);
  const unknown = await srv.anon().post('/api/v1/session', { email: 'nobody@test.local', password: 'whatever-123' });
  expectProblem(unknown, 401);
  assert.equal(unknown.body.detail, wrong.body.detail, 'an unknown email is not told apart from a wrong password');
  assert.ok(!wrong.headers.getSetCookie().some((x) => /cyl_session=[^;]+/.test(x)), 'no session cookie on failure');
});

test('login with a missing field is 422 naming the field', async () => {
  const r = await srv.anon().post('/api/v1/session', { email: ADMIN_EMAIL });
  expectProblem(r, 422, { field: 'password' });
});

test('no credentials: 401 problem+json on the API', async () => {
  const r = await srv.anon().get('/api/v1/accounts');
  expectProblem(r, 401);
  const bad = await srv.anon().get('/api/v1/accounts', { headers: { Cookie: 'cyl_session=forged-token-value' } });
  expectProblem(bad, 401);
  const badBearer = await Client.bearer(srv.url, 'cyl_forged').get('/api/v1/accounts');
  expectProblem(badBearer, 401);
});

test('an unsafe request with the cookie but without the right X-CSRF-Token is refused with 403 and changes nothing', async () => {
  const c = await srv.login(ADMIN_EMAIL, ADMIN_PASSWORD);
  const name = 'CSRF target ' + Date.now();
  const none = await c.post('/api/v1/accounts', { name }, { headers: { 'X-CSRF-Token': '' } });
  expectProblem(none, 403);
  // the client adds the header only when missing; send the request by hand without it
  const raw = await fetch(srv.url + '/api/v1/accounts', {
    method: 'POST', headers: { Cookie: c.cookie, 'Content-Type': 'application/json' }, body: JSON.stringify({ name }),
  });
  assert.equal(raw.status, 403);
  const wrong = await c.post('/api/v1/accounts', { name }, { headers: { 'X-CSRF-Token': c.csrf.slice(0, -1) + (c.csrf.endsWith('A') ? 'B' : 'A') } });
  expectProblem(wrong, 403);
  const other = await srv.login(ADMIN_EMAIL, ADMIN_PASSWORD);
  const foreign = await c.post('/api/v1/accounts', { name }, { headers: { 'X-CSRF-Token': other.csrf } });
  expectProblem(foreign, 403); // the CSRF token of another session does not work
  const list = await c.get('/api/v1/accounts?q=' + encodeURIComponent(name));
  assert.equal(list.body.items.length, 0, 'none of the refused requests created the account');
  expectProblem(await c.del('/api/v1/session', undefined, { headers: { 'X-CSRF-Token': 'nope' } }), 403);
  assert.equal((await c.get('/api/v1/session')).status, 200, 'a cross-site logout does not end the session');
  const ok = await c.post('/api/v1/accounts', { name });
  assert.equal(ok.status, 201, ok.text);
  // GET needs no CSRF token
  const get = await c.get('/api/v1/accounts/' + ok.body.id, { headers: { 'X-CSRF-Token': 'ignored' } });
  assert.equal(get.status, 200);
});

test('logout ends the session: the old cookie then gets 401', async () => {
  const c = await srv.login(ADMIN_EMAIL, ADMIN_PASSWORD);
  const oldCookie = c.cookie;
  const oldCsrf = c.csrf;
  const out = await c.del('/api/v1/session');
  assert.equal(out.status, 204);
  const sc = out.headers.getSetCookie().find((x) => x.startsWith('cyl_session='));
  assert.ok(sc && /max-age=0/i.test(sc), 'logout clears the cookie in the browser');
  const replay = new Client(srv.url, { cookie: oldCookie, csrf: oldCsrf });
  expectProblem(await replay.get('/api/v1/session'), 401);
  expectProblem(await replay.get('/api/v1/accounts'), 401);
  expectProblem(await replay.post('/api/v1/accounts', { name: 'after logout' }), 401);
  // other sessions of the same user live on
  assert.equal((await srv.admin.get('/api/v1/session')).status, 200);
});

test('API tokens: shown once, work as Bearer without CSRF, listed without the secret, revoked -> 401', async () => {
  const c = await srv.login(ADMIN_EMAIL, ADMIN_PASSWORD);
  const created = await c.post('/api/v1/tokens', { name: 'CI import' });
  assert.equal(created.status, 201, created.text);
  const secret = created.body.token;
  assert.equal(typeof secret, 'string');
  assert.ok(secret.length >= 40, 'the token carries enough randomness');
  assert.equal(created.body.name, 'CI import');

  const bearer = Client.bearer(srv.url, secret);
  const me = await bearer.get('/api/v1/session');
  assert.equal(me.status, 200);
  assert.equal(me.body.email, ADMIN_EMAIL);
  const made = await bearer.post('/api/v1/accounts', { name: 'Made with a token' });
  assert.equal(made.status, 201, 'a bearer request needs no CSRF token: ' + made.text);
  const lower = await srv.anon().get('/api/v1/accounts', { headers: { Authorization: 'bearer ' + secret } });
  assert.equal(lower.status, 200, 'the Bearer scheme is case-insensitive');

  const list = await c.get('/api/v1/tokens');
  assert.equal(list.status, 200);
  const row = list.body.items.find((t) => t.id === created.body.id);
  assert.ok(row, 'the token is listed');
  assert.equal(row.name, 'CI import');
  assert.ok(!('token' in row), 'the listing has no token field');
  assert.ok(!list.text.includes(secret), 'the secret is never shown again');
  assert.ok(secret.startsWith(row.prefix), 'the prefix helps to recognise the token');
  assert.ok(row.prefix.length < secret.length / 2);

  // a second token is independent
  const second = await c.token('second');
  assert.notEqual(second.token, secret);

  const rev = await c.del('/api/v1/tokens/' + created.body.id);
  assert.equal(rev.status, 204);
  expectProblem(await bearer.get('/api/v1/session'), 401);
  expectProblem(await bearer.post('/api/v1/accounts', { name: 'after revoke' }), 401);
  assert.equal((await second.client.get('/api/v1/session')).status, 200, 'revoking one token leaves the others');
  const again = await c.get('/api/v1/tokens');
  assert.ok(!again.body.items.some((t) => t.id === created.body.id), 'a revoked token is no longer listed');
  expectProblem(await c.del('/api/v1/tokens/' + created.body.id), 404);
});

test("a user cannot revoke someone else's token", async () => {
  const u = await srv.addUser({ email: 'tok-owner@test.local', name: 'Token Owner' });
  const other = await srv.addUser({ email: 'tok-thief@test.local', name: 'Token Thief' });
  const owner = await srv.login(u.email, u.password);
  const thief = await srv.login(other.email, other.password);
  const t = await owner.token('mine');
  expectProblem(await thief.del('/api/v1/tokens/' + t.id), 404);
  assert.equal((await t.client.get('/api/v1/session')).status, 200);
  const thiefList = await thief.get('/api/v1/tokens');
  assert.ok(!thiefList.body.items.some((x) => x.id === t.id), "other users' tokens are not listed");
});

test('a deactivated user loses their session and token at once, and cannot log in', async () => {
  const u = await srv.addUser({ email: 'leaver@test.local', name: 'Leaver', role: 'rep' });
  const c = await srv.login(u.email, u.password);
  const t = await c.token('leaver token');
  assert.equal((await c.get('/api/v1/accounts')).status, 200);
  assert.equal((await t.client.get('/api/v1/accounts')).status, 200);

  const d = await srv.admin.del('/api/v1/users/' + u.id);
  assert.equal(d.status, 204, d.text);
  expectProblem(await c.get('/api/v1/accounts'), 401);
  expectProblem(await c.post('/api/v1/accounts', { name: 'ghost' }), 401);
  expectProblem(await t.client.get('/api/v1/accounts'), 401);
  expectProblem(await srv.anon().post('/api/v1/session', { email: u.email, password: u.password }), 401);
  const rec = await srv.admin.get('/api/v1/users/' + u.id);
  assert.equal(rec.body.active, false, 'the user record stays, marked inactive');
  // an admin cannot lock themselves out
  expectProblem(await srv.admin.del('/api/v1/users/' + srv.admin.me.id), 409);
});

test('only an admin can deactivate users', async () => {
  const rep = await srv.addUser({ email: 'rep-deact@test.local', name: 'Rep' });
  const victim = await srv.addUser({ email: 'victim@test.local', name: 'Victim' });
  const c = await srv.login(rep.email, rep.password);
  expectProblem(await c.del('/api/v1/users/' + victim.id), 403);
  assert.equal((await srv.admin.get('/api/v1/users/' + victim.id)).body.active, true);
});

test('PATCH /api/v1/me changes the locale; an unknown locale is 422; other fields are refused', async () => {
  const u = await srv.addUser({ email: 'locale@test.local', name: 'Locale User' });
  const c = await srv.login(u.email, u.password);
  const r = await c.patch('/api/v1/me', { locale: 'zh-CN' });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.locale, 'zh-CN');
  assert.equal((await c.get('/api/v1/session')).body.locale, 'zh-CN', 'the session reflects the new locale');
  expectProblem(await c.patch('/api/v1/me', { locale: 'xx-YY' }), 422, { field: 'locale' });
  expectProblem(await c.patch('/api/v1/me', { locale: 42 }), 422, { field: 'locale' });
  assert.equal((await c.get('/api/v1/session')).body.locale, 'zh-CN', 'a refused change leaves the locale');
  // a rep cannot promote themselves through their own profile
  const esc = await c.patch('/api/v1/me', { role: 'admin', locale: 'en' });
  expectProblem(esc, 422, { field: 'role' });
  const after = await c.get('/api/v1/session');
  assert.equal(after.body.role, 'rep');
  assert.equal(after.body.locale, 'zh-CN');
  expectProblem(await c.patch('/api/v1/me', { email: 'new@test.local' }), 422, { field: 'email' });
  const name = await c.patch('/api/v1/me', { name: 'New Name' });
  assert.equal(name.status, 200);
  assert.equal(name.body.name, 'New Name');
});

test('POST /api/v1/me/password: a wrong current password is 422 on field current; the right one changes it', async () => {
  const u = await srv.addUser({ email: 'pw@test.local', name: 'Password User' });
  const c = await srv.login(u.email, u.password);
  const wrong = await c.post('/api/v1/me/password', { current: 'not-my-password', new: 'brand-new-pass-1' });
  expectProblem(wrong, 422, { field: 'current' });
  assert.ok(!fieldNames(wrong).includes('new'));
  const short = await c.post('/api/v1/me/password', { current: u.password, new: 'short' });
  expectProblem(short, 422, { field: 'new' });
  const ok = await c.post('/api/v1/me/password', { current: u.password, new: 'brand-new-pass-1' });
  assert.equal(ok.status, 204, ok.text);
  expectProblem(await srv.anon().post('/api/v1/session', { email: u.email, password: u.password }), 401);
  const again = await srv.login(u.email, 'brand-new-pass-1');
  assert.equal((await again.get('/api/v1/session')).status, 200);
});

test('after 5 wrong passwords the 6th attempt is 429 even with the right password', async () => {
  const s = await startServer();
  try {
    for (let i = 0; i < 5; i++) {
      const r = await s.anon().post('/api/v1/session', { email: ADMIN_EMAIL, password: 'guess-' + i });
      expectProblem(r, 401);
    }
    const sixth = await s.anon().post('/api/v1/session', { email: ADMIN_EMAIL, password: ADMIN_PASSWORD });
    expectProblem(sixth, 429);
    assert.ok(!sixth.headers.getSetCookie().some((x) => /cyl_session=[^;]+/.test(x)), 'no session while locked out');
    // a session opened before the lock-out keeps working
    assert.equal((await s.admin.get('/api/v1/session')).status, 200);
  } finally {
    await s.stop();
  }
});

test('only an admin sets passwords through /users/{id}/password; a user needs their current password', async () => {
  const u = await srv.addUser({ email: 'selfset@test.local', name: 'Self Setter' });
  const other = await srv.addUser({ email: 'selfset-other@test.local', name: 'Other' });
  const c = await srv.login(u.email, u.password);
  // someone holding only the session (not the password) must not be able to take the account over
  expectProblem(await c.post(`/api/v1/users/${u.id}/password`, { password: 'taken-over-123' }), 403);
  expectProblem(await c.post(`/api/v1/users/${other.id}/password`, { password: 'taken-over-123' }), 403);
  assert.equal((await srv.login(u.email, u.password).then((x) => x.get('/api/v1/session'))).status, 200,
    'the old password still works');
  const set = await srv.admin.post(`/api/v1/users/${other.id}/password`, { password: 'set-by-admin-1' });
  assert.equal(set.status, 204, set.text);
  assert.equal((await (await srv.login(other.email, 'set-by-admin-1')).get('/api/v1/session')).status, 200);
  expectProblem(await srv.admin.post(`/api/v1/users/${other.id}/password`, { password: 'short' }), 422, { field: 'password' });
});
