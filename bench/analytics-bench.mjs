// analytics-bench.mjs: the timings of bench/analytics. For each analytics
// report: the server's answer over HTTP (median of warm runs, keep-alive), and
// the same figure computed by plain SQL in the sqlite3 shell and in psql on
// the same data. Prints a Markdown table with the ratios, the server's memory,
// and writes the table to build/bench/analytics-results.md.
//
//   node bench/analytics-bench.mjs --sqlite URL DB PID [--pg URL DBURL PID] --runs R --email E --password P
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';

const args = process.argv.slice(2);
const opt = { runs: 15 };
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  if (a === '--sqlite') opt.sqlite = { url: args[++i], db: args[++i], pid: args[++i] };
  else if (a === '--pg') opt.pg = { url: args[++i], db: args[++i], pid: args[++i] };
  else if (a === '--runs') opt.runs = Number(args[++i]);
  else if (a === '--email') opt.email = args[++i];
  else if (a === '--password') opt.password = args[++i];
  else if (a === '--out') opt.out = args[++i];
}

// ---- the period: the last full calendar quarter; calibration: the four before this one ----
const DAY = 86400000, WEEK = 7 * DAY;
const now = new Date();
const q0 = Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - (now.getUTCMonth() % 3), 1);
const qAdd = (ms, n) => { const d = new Date(ms); return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 3 * n, 1); };
const LO = qAdd(q0, -1), HI = q0;
const iso = (ms) => new Date(ms).toISOString().slice(0, 10);
const QUERY = `from=${iso(LO)}&to=${iso(HI - DAY)}`;
const TODAY_END = (Math.floor(now.getTime() / DAY) + 1) * DAY, WIN_LO = TODAY_END - 365 * DAY;
const T = [0, 1, 2, 3, 4].map((i) => qAdd(q0, i - 4));                      // calibration instants and the last end
const monday = (ms) => { const d = Math.floor(ms / DAY); return (d - ((new Date(d * DAY).getUTCDay() + 6) % 7)) * DAY; };
const M0 = monday(LO) - 8 * WEEK, M1 = monday(HI - DAY) + WEEK;

// ---- the same figures in plain SQL (the common subset: SQLite and PostgreSQL) ----
const won = `CASE WHEN s.kind = 'won' THEN 1 ELSE 0 END`, lost = `CASE WHEN s.kind = 'lost' THEN 1 ELSE 0 END`;
const maxpos = (id) => `(SELECT MAX(CASE WHEN hs.kind = 'won' THEN 1000000 WHEN hs.kind = 'open' THEN hs.position END) ` +
  `FROM stage_history h JOIN stages hs ON hs.id = h.to_stage_id WHERE h.opportunity_id = ${id})`;
const live = `o.deleted_at IS NULL`;
const closedIn = `${live} AND s.kind <> 'open' AND o.closed_at >= ${LO} AND o.closed_at < ${HI}`;
const forecastSql = (select, group) => `WITH closed AS (SELECT o.owner_id, ${won} AS won, CASE WHEN s.kind = 'won' THEN 1000000 ELSE ${maxpos('o.id')} END AS mp
    FROM opportunities o JOIN stages s ON s.id = o.stage_id WHERE ${live} AND s.kind <> 'open' AND o.closed_at >= ${WIN_LO} AND o.closed_at < ${TODAY_END}),
  rep AS (SELECT c.owner_id, st.id AS stage_id, SUM(c.won) AS w, COUNT(*) AS n FROM closed c JOIN stages st ON st.kind = 'open' AND c.mp >= st.position GROUP BY c.owner_id, st.id),
  team AS (SELECT stage_id, SUM(w) AS w, SUM(n) AS n FROM rep GROUP BY stage_id),
  pt AS (SELECT st.id AS stage_id, CASE WHEN COALESCE(t.n, 0) >= 20 THEN t.w * 1.0 / t.n ELSE st.probability / 10000.0 END AS p
    FROM stages st LEFT JOIN team t ON t.stage_id = st.id WHERE st.kind = 'open')
  SELECT ${select}, SUM(ROUND(o.amount * (COALESCE(r.w, 0) + 10 * pt.p) / (COALESCE(r.n, 0) + 10))) FROM opportunities o
    JOIN stages s ON s.id = o.stage_id JOIN pt ON pt.stage_id = o.stage_id LEFT JOIN rep r ON r.owner_id = o.owner_id AND r.stage_id = o.stage_id
    WHERE ${live} AND s.kind = 'open' AND o.currency = 'CNY'${group ? ' GROUP BY ' + group : ''};`;
const cycleSql = (by) => `SELECT ${by ? by + ', ' : ''}COUNT(*), SUM(o.closed_at - o.created_at) FROM opportunities o JOIN stages s ON s.id = o.stage_id ` +
  `WHERE ${closedIn} AND s.kind = 'won'${by ? ' GROUP BY ' + by : ''};`;
const SQL = {
  conversion: [
    `WITH c AS (SELECT o.owner_id, s.kind, CASE WHEN s.kind = 'won' THEN 1000000 ELSE ${maxpos('o.id')} END AS mp FROM opportunities o
       JOIN stages s ON s.id = o.stage_id WHERE ${live} AND o.created_at >= ${LO} AND o.created_at < ${HI})
     SELECT owner_id, COUNT(*), SUM(CASE WHEN kind = 'won' THEN 1 ELSE 0 END), ${[1, 2, 3, 4, 5].map((p) => `SUM(CASE WHEN mp >= ${p} THEN 1 ELSE 0 END)`).join(', ')}
     FROM c GROUP BY owner_id;`,
    `SELECT o.owner_id, SUM(${won}), SUM(${lost}) FROM opportunities o JOIN stages s ON s.id = o.stage_id WHERE ${closedIn} GROUP BY o.owner_id;`],
  funnel: [`SELECT o.stage_id, COUNT(*), SUM(CASE WHEN o.currency = 'CNY' THEN o.amount ELSE 0 END) FROM opportunities o
     JOIN stages s ON s.id = o.stage_id WHERE ${live} AND s.kind = 'open' GROUP BY o.stage_id;`],
  forecast: [forecastSql('o.owner_id, o.stage_id', 'o.owner_id, o.stage_id')],
  calibration: [`WITH t(i, at, nxt) AS (VALUES ${T.slice(0, 4).map((t, i) => `(${i}, ${t}, ${T[i + 1]})`).join(', ')}),
    hist AS (SELECT t.i, t.at, t.nxt, h.opportunity_id AS id, h.to_stage_id AS stage, h.amount, h.changed_at, s.kind,
        ROW_NUMBER() OVER (PARTITION BY t.i, h.opportunity_id ORDER BY h.changed_at DESC, h.id DESC) AS rn,
        MAX(CASE WHEN s.kind = 'won' THEN 1000000 WHEN s.kind = 'open' THEN s.position END) OVER (PARTITION BY t.i, h.opportunity_id) AS mp
      FROM t JOIN stage_history h ON h.changed_at < t.at JOIN stages s ON s.id = h.to_stage_id),
    cur AS (SELECT * FROM hist WHERE rn = 1),
    closed AS (SELECT c.i, o.owner_id, CASE WHEN c.kind = 'won' THEN 1 ELSE 0 END AS won, c.mp FROM cur c JOIN opportunities o ON o.id = c.id
      WHERE ${live} AND c.kind <> 'open' AND c.changed_at >= c.at - ${365 * DAY}),
    rep AS (SELECT c.i, c.owner_id, st.id AS stage_id, SUM(c.won) AS w, COUNT(*) AS n FROM closed c JOIN stages st ON st.kind = 'open' AND c.mp >= st.position
      GROUP BY c.i, c.owner_id, st.id),
    team AS (SELECT i, stage_id, SUM(w) AS w, SUM(n) AS n FROM rep GROUP BY i, stage_id),
    pt AS (SELECT t.i, st.id AS stage_id, CASE WHEN COALESCE(tm.n, 0) >= 20 THEN tm.w * 1.0 / tm.n ELSE st.probability / 10000.0 END AS p
      FROM t CROSS JOIN stages st LEFT JOIN team tm ON tm.i = t.i AND tm.stage_id = st.id WHERE st.kind = 'open'),
    openat AS (SELECT c.i, c.at, c.nxt, c.id, o.owner_id, c.stage, c.amount FROM cur c JOIN opportunities o ON o.id = c.id
      WHERE ${live} AND c.kind = 'open' AND o.currency = 'CNY')
    SELECT oa.i, COUNT(*), SUM(ROUND(oa.amount * (COALESCE(r.w, 0) + 10 * pt.p) / (COALESCE(r.n, 0) + 10))),
      SUM(COALESCE((SELECT h.amount FROM stage_history h JOIN stages ws ON ws.id = h.to_stage_id WHERE h.opportunity_id = oa.id
        AND ws.kind = 'won' AND h.changed_at >= oa.at AND h.changed_at < oa.nxt ORDER BY h.changed_at LIMIT 1), 0))
    FROM openat oa JOIN pt ON pt.i = oa.i AND pt.stage_id = oa.stage LEFT JOIN rep r ON r.i = oa.i AND r.owner_id = oa.owner_id AND r.stage_id = oa.stage
    GROUP BY oa.i;`],
  cycle: [cycleSql('o.owner_id'), cycleSql('p.product_id').replace('JOIN stages s ON s.id = o.stage_id',
    'JOIN stages s ON s.id = o.stage_id JOIN (SELECT DISTINCT opportunity_id, product_id FROM line_items) p ON p.opportunity_id = o.id')],
  velocity: [forecastSql('COUNT(*)', null), cycleSql(null),
    `SELECT SUM(${won}), SUM(${lost}), SUM(CASE WHEN s.kind = 'won' AND o.currency = 'CNY' THEN o.amount ELSE 0 END) FROM opportunities o
       JOIN stages s ON s.id = o.stage_id WHERE ${closedIn};`],
  breakdown: [`SELECT o.source, SUM(${won}), SUM(${lost}), SUM(CASE WHEN s.kind = 'won' AND o.currency = 'CNY' THEN o.amount ELSE 0 END),
     SUM(CASE WHEN s.kind = 'won' THEN o.closed_at - o.created_at ELSE 0 END) FROM opportunities o JOIN stages s ON s.id = o.stage_id
     WHERE ${closedIn} GROUP BY o.source;`],
  activity: [`WITH f AS (SELECT id, ROW_NUMBER() OVER (PARTITION BY CASE WHEN account_id IS NOT NULL THEN account_id
        WHEN opportunity_id IS NOT NULL THEN 1099511627776 + opportunity_id ELSE 2199023255552 + contact_id END ORDER BY done_at, id) AS rn
      FROM activities WHERE deleted_at IS NULL AND kind = 'meeting' AND done_at IS NOT NULL)
    SELECT a.owner_id, (a.done_at - ${M0}) / ${WEEK} AS wk, SUM(CASE WHEN a.kind = 'call' THEN 1 ELSE 0 END),
      SUM(CASE WHEN a.kind = 'email' THEN 1 ELSE 0 END), SUM(CASE WHEN a.kind = 'meeting' THEN 1 ELSE 0 END), SUM(CASE WHEN f.rn = 1 THEN 1 ELSE 0 END)
    FROM activities a LEFT JOIN f ON f.id = a.id WHERE a.deleted_at IS NULL AND a.kind IN ('call', 'email', 'meeting')
      AND a.done_at >= ${M0} AND a.done_at < ${M1} GROUP BY a.owner_id, (a.done_at - ${M0}) / ${WEEK};`],
  reps: [`SELECT o.owner_id, SUM(${won}), SUM(${lost}), SUM(CASE WHEN s.kind = 'won' AND o.currency = 'CNY' THEN o.amount ELSE 0 END),
     SUM(o.closed_at - o.created_at) FROM opportunities o JOIN stages s ON s.id = o.stage_id WHERE ${closedIn} GROUP BY o.owner_id;`],
  'deals?metric=won': [
    `SELECT COUNT(*), SUM(CASE WHEN o.currency = 'CNY' THEN o.amount ELSE 0 END) FROM opportunities o JOIN stages s ON s.id = o.stage_id WHERE ${closedIn} AND s.kind = 'won';`,
    `SELECT o.id, o.name, o.owner_id, o.amount, o.currency, o.created_at, o.closed_at FROM opportunities o JOIN stages s ON s.id = o.stage_id
       WHERE ${closedIn} AND s.kind = 'won' ORDER BY o.id LIMIT 50;`],
};
const REPORTS = Object.keys(SQL);

// ---- measuring ----
const median = (v) => { const s = [...v].sort((a, b) => a - b); return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };
const rss = (pid) => { const m = /VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8')); return m ? Math.round(Number(m[1]) / 1024) : null; };

async function login(base) {
  const r = await fetch(base + '/api/v1/session', { method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email: opt.email, password: opt.password }) });
  if (r.status !== 201) throw new Error(`login at ${base}: ${r.status} ${await r.text()}`);
  return /cyl_session=([^;]*)/.exec(r.headers.getSetCookie().join(';'))[1];
}

async function timeHttp(base, cookie, report) {
  const url = `${base}/api/v1/analytics/${report}${report.includes('?') ? '&' : '?'}${QUERY}`;
  const one = async () => {
    const t = performance.now();
    const r = await fetch(url, { headers: { Cookie: `cyl_session=${cookie}` } });
    const body = await r.text();
    if (r.status !== 200) throw new Error(`${report}: ${r.status} ${body.slice(0, 300)}`);
    return performance.now() - t;
  };
  for (let i = 0; i < 2; i++) await one();
  const times = [];
  for (let i = 0; i < opt.runs; i++) times.push(await one());
  return median(times);
}

// A statement list runs once to warm the caches, then R times in one shell (R = 1 when the warm-up took
// over 5 s); per run, the sum of its statements' times.
const SQL_RUNS = Math.max(3, Math.round(opt.runs / 3));
function runSql(kind, db, stmts, reps) {
  const per = stmts.length;
  let script, cmd, argv, re;
  if (kind === 'sqlite') {
    script = '.timer on\n.output /dev/null\n' + Array(reps).fill(stmts.join('\n')).join('\n') + '\n';
    cmd = 'sqlite3'; argv = ['-bail', db]; re = /Run Time: real ([0-9.]+)/g;
  } else {
    script = '\\timing on\n\\o /dev/null\n' + Array(reps).fill(stmts.join('\n')).join('\n') + '\n';
    cmd = 'psql'; argv = ['-X', '-q', '-v', 'ON_ERROR_STOP=1', db]; re = /Time: ([0-9.]+) ms/g;
  }
  const r = spawnSync(cmd, argv, { input: script, encoding: 'utf8', maxBuffer: 1 << 26, timeout: 60 * 60 * 1000 });
  if (r.status !== 0) throw new Error(`${cmd}: ${r.stderr}`);
  const t = [...(r.stdout + r.stderr).matchAll(re)].map((m) => Number(m[1]) * (kind === 'sqlite' ? 1000 : 1));
  if (t.length !== per * reps) throw new Error(`${cmd}: expected ${per * reps} timings, got ${t.length}`);
  const runs = [];
  for (let i = 0; i < reps; i++) runs.push(t.slice(i * per, (i + 1) * per).reduce((a, b) => a + b, 0));
  return runs;
}
function timeSql(kind, db, stmts) {
  const [warm] = runSql(kind, db, stmts, 1);
  return median(runSql(kind, db, stmts, warm > 5000 ? 1 : SQL_RUNS));
}

const fmt = (ms) => (ms == null ? '-' : ms < 10 ? ms.toFixed(1) : String(Math.round(ms)));
const ratio = (a, b) => (a == null || b == null ? '-' : `${(a / b).toFixed(a / b < 10 ? 1 : 0)}x`);

async function serverSide(side) {
  if (!side) return null;
  const cookie = await login(side.url);
  const out = { rssIdle: rss(side.pid) };
  const t = performance.now();
  await timeHttp(side.url, cookie, 'funnel').catch((e) => { throw e; });
  out.firstMs = performance.now() - t;             // includes building the snapshot
  out.rssBuilt = rss(side.pid);
  out.ms = {};
  for (const r of REPORTS) out.ms[r] = await timeHttp(side.url, cookie, r);
  out.rssAfter = rss(side.pid);
  return out;
}

const lite = await serverSide(opt.sqlite);
const pgs = await serverSide(opt.pg);
const sqlLite = {}, sqlPg = {};
for (const r of REPORTS) {
  sqlLite[r] = timeSql('sqlite', opt.sqlite.db, SQL[r]);
  if (opt.pg) sqlPg[r] = timeSql('pg', opt.pg.db, SQL[r]);
  process.stderr.write(`bench/analytics: ${r}: server ${fmt(lite.ms[r])} ms, sqlite3 ${fmt(sqlLite[r])} ms${opt.pg ? `, psql ${fmt(sqlPg[r])} ms` : ''}\n`);
}

const lines = [];
lines.push(`Period ${iso(LO)} .. ${iso(HI - DAY)}; forecast window 365 days; calibration 4 quarters; median of ${opt.runs} warm HTTP requests ` +
  `(${SQL_RUNS} warm runs for plain SQL), as an admin over every deal. Ratios: plain SQL time / server time (above 1x: the server is faster).`, '');
lines.push('| report | server on SQLite (ms) | sqlite3 shell (ms) | sqlite3 / server | ' + (opt.pg ? 'server on PostgreSQL (ms) | psql (ms) | psql / server on PG | psql / server on SQLite |' : ''));
lines.push('| --- | ---: | ---: | ---: | ' + (opt.pg ? '---: | ---: | ---: | ---: |' : ''));
for (const r of REPORTS)
  lines.push(`| ${r} | ${fmt(lite.ms[r])} | ${fmt(sqlLite[r])} | ${ratio(sqlLite[r], lite.ms[r])} | ` +
    (opt.pg ? `${fmt(pgs.ms[r])} | ${fmt(sqlPg[r])} | ${ratio(sqlPg[r], pgs.ms[r])} | ${ratio(sqlPg[r], lite.ms[r])} |` : ''));
lines.push('', `Server memory (RSS): SQLite ${lite.rssIdle} MB idle after start, ${lite.rssBuilt} MB with the snapshot built ` +
  `(first request ${(lite.firstMs / 1000).toFixed(1)} s), ${lite.rssAfter} MB after the runs` +
  (pgs ? `; PostgreSQL ${pgs.rssIdle} MB idle, ${pgs.rssBuilt} MB built (first request ${(pgs.firstMs / 1000).toFixed(1)} s), ${pgs.rssAfter} MB after.` : '.'));
const text = lines.join('\n') + '\n';
process.stdout.write(text);
if (opt.out) fs.writeFileSync(opt.out, text);
