// Home: what needs doing today (tasks due and overdue), the open pipeline by
// stage, and recent activity; a manager can switch between their own and
// their team's.
import { useMemo, useState } from 'preact/hooks';
import * as api from '../api.js';
import { ActivityItem, endOfDay } from '../components/Activity.jsx';
import { Funnel } from '../components/Chart.jsx';
import { Empty, Loaded } from '../components/Status.jsx';
import { useResource } from '../hooks.js';
import { formatBp, formatDate, formatMoney, formatNumber, isoDate, t } from '../i18n/index.js';
import { useLookup } from '../lookups.js';
import { Link } from '../router.js';

/** Put a changed activity in place of the old one in a loaded list. */
const replaceIn = (res) => (a) => res.setData((d) => ({ ...d, items: d.items.map((x) => (x.id === a.id ? a : x)) }));

function Tasks({ scope, users }) {
  const res = useResource(() => api.get('/activities', {
    ...scope, kind: 'task', done_at: 'null', due_at_to: endOfDay(isoDate()), sort: 'due_at', limit: 50,
  }), [JSON.stringify(scope)]);
  const replace = replaceIn(res);
  return (
    <section class="card" aria-labelledby="home-tasks">
      <div class="card-head">
        <h2 id="home-tasks" class="card-title">{t('home.tasks')}</h2>
        <Link href="/tasks" class="card-link">{t('home.allTasks')}</Link>
      </div>
      <Loaded res={res}>{(d) => (d.items.length ? (
        <ul class="tl">{d.items.map((a) => <ActivityItem key={a.id} a={a} users={users} onChange={replace} withRecord />)}</ul>
      ) : <Empty>{t('home.noTasks')}</Empty>)}</Loaded>
    </section>
  );
}

function Pipeline({ scope }) {
  const res = useResource(() => api.get('/board', { ...scope, closed_days: 0 }), [JSON.stringify(scope)]);
  const stages = res.data ? res.data.stages.filter((s) => s.kind === 'open') : [];
  const rows = useMemo(() => stages.map((s) => ({
    name: s.name, value: s.count, label: formatNumber(s.count),
  })), [res.data]);
  return (
    <section class="card" aria-labelledby="home-pipe">
      <div class="card-head">
        <h2 id="home-pipe" class="card-title">{t('home.pipeline')}</h2>
        <Link href={'/board' + api.qs(scope)} class="card-link">{t('home.openBoard')}</Link>
      </div>
      <Loaded res={res}>{() => (
        <div class="pipe">
          <table class="table table-compact">
            <thead><tr><th scope="col">{t('field.stage')}</th><th scope="col" class="num">{t('home.deals')}</th>
              <th scope="col" class="num">{t('field.amount')}</th><th scope="col" class="num">{t('field.probability')}</th></tr></thead>
            <tbody>
              {stages.map((s) => (
                <tr key={s.id}>
                  <th scope="row">{s.name}</th>
                  <td class="num">{formatNumber(s.count)}</td>
                  <td class="num">{s.totals.length ? s.totals.map((x) => <div key={x.currency}>{formatMoney(x.amount, x.currency)}</div>) : '—'}</td>
                  <td class="num">{formatBp(s.probability)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {stages.some((s) => s.count) && <Funnel rows={rows} label={t('home.funnelLabel')} valueLabel={t('home.deals')} />}
        </div>
      )}</Loaded>
    </section>
  );
}

function Recent({ scope, users }) {
  const res = useResource(() => api.get('/activities', {
    ...scope, done_at_from: isoDate(-14), sort: '-done_at', limit: 12,
  }), [JSON.stringify(scope)]);
  return (
    <section class="card" aria-labelledby="home-recent">
      <h2 id="home-recent" class="card-title">{t('home.recent')}</h2>
      <Loaded res={res}>{(d) => (d.items.length ? (
        <ul class="tl">{d.items.map((a) => <ActivityItem key={a.id} a={a} users={users} onChange={replaceIn(res)} withRecord />)}</ul>
      ) : <Empty>{t('home.noRecent')}</Empty>)}</Loaded>
    </section>
  );
}

/** Whose work the page can show: a manager's team, or everyone for roles that see all. */
function scopes(user) {
  const mine = { key: 'mine', label: t('home.mine'), params: { owner_id: user.id } };
  if (user.role === 'manager' && user.team_id) return [mine, { key: 'team', label: t('home.team'), params: { team: user.team_id } }];
  if (user.role === 'admin' || user.role === 'ops') return [mine, { key: 'all', label: t('home.everyone'), params: {} }];
  return [mine];
}

export default function Home({ user }) {
  const users = useLookup('users');
  const choices = scopes(user);
  const [which, setWhich] = useState(choices.at(-1).key);
  const scope = choices.find((c) => c.key === which).params;
  return (
    <div class="page">
      <div class="page-head">
        <div>
          <h1>{t('home.greeting', { name: user.name })}</h1>
          <p class="page-sub">{t('home.today', { date: formatDate(new Date(), { dateStyle: 'full' }) })}</p>
        </div>
        {choices.length > 1 && (
          <div class="segmented" role="group" aria-label={t('home.scope')}>
            {choices.map((c) => (
              <button key={c.key} type="button" aria-pressed={which === c.key ? 'true' : 'false'} onClick={() => setWhich(c.key)}>{c.label}</button>
            ))}
          </div>
        )}
      </div>
      <div class="home-grid">
        <div class="home-col"><Tasks scope={scope} users={users} /></div>
        <div class="home-col">
          <Pipeline scope={scope} />
          <Recent scope={scope} users={users} />
        </div>
      </div>
    </div>
  );
}
