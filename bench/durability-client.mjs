// durability-client.mjs: the HTTP side of bench/durability (Node 20, global fetch).
//
//   node bench/durability-client.mjs create URL TOKEN CLIENTS OUT
//     CLIENTS concurrent loops POST /api/v1/opportunities, each deal with a
//     unique name; every 201 is appended to OUT as "id<TAB>name" the moment it
//     arrives. Runs until SIGTERM, then waits for the requests in flight and
//     prints {"attempted","answered_201","other_status","failed"} as JSON.
//     Once the server is gone the loops retry slowly, so a kill -9 costs
//     nothing but failed attempts.
//   node bench/durability-client.mjs verify URL TOKEN IN
//     GET every deal of IN through the (restarted) server and check its name.
//     Prints {"checked","found","missing","wrong_name","examples"}; exit 1 on a loss.
import { appendFileSync, readFileSync } from 'node:fs';

const [mode, url, token, arg, file] = process.argv.slice(2);
const auth = { Authorization: `Bearer ${token}` };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function create(clients, out) {
  let stopping = false;
  const n = { attempted: 0, answered_201: 0, other_status: 0, failed: 0 };
  process.on('SIGTERM', () => { stopping = true; });
  process.on('SIGINT', () => { stopping = true; });
  const tag = `${process.pid}-${Date.now()}`;
  async function loop(w) {
    for (let seq = 0; !stopping; seq++) {
      const name = `durability ${tag} ${w}-${seq}`;
      n.attempted++;
      try {
        const res = await fetch(`${url}/api/v1/opportunities`, {
          method: 'POST',
          headers: { ...auth, 'Content-Type': 'application/json' },
          body: JSON.stringify({ name, amount: 100 * (seq + 1), close_date: '2027-01-31' }),
        });
        const text = await res.text();
        if (res.status === 201) {
          const id = JSON.parse(text).id;
          appendFileSync(out, `${id}\t${name}\n`);
          n.answered_201++;
        } else {
          n.other_status++;
          await sleep(10);
        }
      } catch {
        n.failed++;          // refused or cut off: the server is down
        await sleep(20);
      }
    }
  }
  await Promise.all(Array.from({ length: clients }, (_, w) => loop(w)));
  console.log(JSON.stringify(n));
}

async function verify(input) {
  const rows = readFileSync(input, 'utf8').split('\n').filter(Boolean).map((l) => l.split('\t'));
  const r = { checked: 0, found: 0, missing: 0, wrong_name: 0, examples: [] };
  let next = 0;
  async function worker() {
    while (next < rows.length) {
      const [id, name] = rows[next++];
      r.checked++;
      let res, body;
      for (let attempt = 0; ; attempt++) {
        try {
          res = await fetch(`${url}/api/v1/opportunities/${id}`, { headers: auth });
          body = await res.text();
          break;
        } catch (e) {
          if (attempt === 5) throw e;
          await sleep(100);
        }
      }
      if (res.status === 404) {
        r.missing++;
        if (r.examples.length < 10) r.examples.push(`deal ${id} (${name}) answered 201 but is gone`);
      } else if (res.status !== 200) {
        throw new Error(`GET /api/v1/opportunities/${id}: ${res.status} ${body}`);
      } else if (JSON.parse(body).name !== name) {
        r.wrong_name++;  // the id was given again to another deal: the first one was lost
        if (r.examples.length < 10) r.examples.push(`deal ${id} should be "${name}", is "${JSON.parse(body).name}"`);
      } else r.found++;
    }
  }
  await Promise.all(Array.from({ length: 16 }, worker));
  console.log(JSON.stringify(r));
  process.exit(r.missing || r.wrong_name || r.found !== rows.length ? 1 : 0);
}

if (mode === 'create') await create(Number(arg), file);
else if (mode === 'verify') await verify(arg);
else {
  console.error('usage: durability-client.mjs create URL TOKEN CLIENTS OUT | verify URL TOKEN IN');
  process.exit(2);
}
