// Compliance: how closely each rep follows the playbook, for the manager.
// Per rep: open deals past a stage whose required actions were not done,
// open deals without a next step (no open task), and open deals with no
// activity for N days. Every number opens the deals behind it.
import { useState } from 'preact/hooks';
import * as api from '../api.js';
import { Dialog } from '../components/Dialog.jsx';
import { Loaded } from '../components/Status.jsx';
import { useDebounced, useResource } from '../hooks.js';
import { formatDateTime, formatNumber, formatRelative, t } from '../i18n/index.js';
import { useLookup } from '../lookups.js';
import { Link, setQuery, useRoute } from '../router.js';

const KINDS = [
  { key: 'missing_actions', label: () => t('compliance.missingActions'), hint: () => t('compliance.missingActionsHint') },
  { key: 'no_next_step', label: () => t('compliance.noNextStep'), hint: () => t('compliance.noNextStepHint') },
  { key: 'stale', label: () => t('compliance.stale'), hint: null },
];

function DealsList({ kind, deals }) {
  return (
    <ul class="deal-list">
      {deals.map((d) => (
        <li key={d.id}>
          <Link href={`/opportunities/${d.id}`}>{d.name}</Link>
          <span class="muted"> · {d.stage}</span>
          {kind === 'missing_actions' && (
            <ul class="missing">
              {d.missing.map((m) => (
                <li key={m.task_id}>{t('compliance.missingItem', { action: m.action, stage: m.stage })}</li>
              ))}
            </ul>
          )}
          {kind === 'stale' && (
            <div class="muted small">
              {d.last_activity_at
                ? <time dateTime={d.last_activity_at} title={formatDateTime(d.last_activity_at)}>{t('compliance.lastActivity', { when: formatRelative(d.last_activity_at) })}</time>
                : t('compliance.noActivity')}
            </div>
          )}
        </li>
      ))}
    </ul>
  );
}

/** A figure as a button that lists its deals (nothing to list: plain text). */
function Figure({ n, onOpen, label }) {
  if (!n) return <span class="figure zero">{formatNumber(0)}</span>;
  return <button type="button" class="num-link figure bad" onClick={onOpen} aria-label={label}>{formatNumber(n)}</button>;
}

export default function Compliance() {
  const { query } = useRoute();
  const [days, setDays] = useState(query.get('stale_days') || '14');
  const staleDays = useDebounced(/^\d+$/.test(days) && +days >= 1 ? days : '14', 400);
  const res = useResource(() => api.get('/compliance', { stale_days: staleDays }), [staleDays]);
  const teams = useLookup('teams');
  const [open, setOpen] = useState(null);   // {rep, kind}
  const change = (v) => { setDays(v); if (/^\d+$/.test(v)) setQuery({ stale_days: v === '14' ? '' : v }); };

  return (
    <div class="page">
      <div class="page-head">
        <div>
          <h1>{t('nav.compliance')}</h1>
          <p class="page-sub">{t('compliance.intro')}</p>
        </div>
        <label class="filter">
          <span>{t('compliance.staleDays')}</span>
          <input type="number" min="1" max="3650" inputMode="numeric" class="input-days" value={days}
            onInput={(e) => change(e.currentTarget.value)} />
        </label>
      </div>
      <Loaded res={res}>{(d) => (
        <>
          <div class="kpis">
            <div class="kpi"><span class="kpi-label">{t('compliance.openDeals')}</span><span class="kpi-value">{formatNumber(d.totals.open_deals)}</span></div>
            {KINDS.map((k) => (
              <div class="kpi" key={k.key}>
                <span class="kpi-label">{k.key === 'stale' ? t('compliance.staleN', { count: d.stale_days }) : k.label()}</span>
                <span class={'kpi-value' + (d.totals[k.key] ? ' bad' : '')}>{formatNumber(d.totals[k.key])}</span>
              </div>
            ))}
          </div>
          {d.truncated && <div class="alert">{t('compliance.truncated')}</div>}
          <div class="table-wrap">
            <table class="table compliance">
              <thead><tr>
                <th scope="col">{t('compliance.rep')}</th>
                <th scope="col">{t('field.team')}</th>
                <th scope="col" class="num">{t('compliance.openDeals')}</th>
                {KINDS.map((k) => (
                  <th scope="col" class="num" key={k.key} title={k.hint?.()}>
                    {k.key === 'stale' ? t('compliance.staleN', { count: d.stale_days }) : k.label()}
                  </th>
                ))}
              </tr></thead>
              <tbody>
                {d.reps.map((r) => (
                  <tr key={r.user_id} data-rep={r.name}>
                    <th scope="row">{r.name}</th>
                    <td>{teams.find((x) => x.id === r.team_id)?.name || '—'}</td>
                    <td class="num">{formatNumber(r.open_deals)}</td>
                    {KINDS.map((k) => (
                      <td class="num" key={k.key} data-kind={k.key}>
                        <Figure n={r[k.key].count} onOpen={() => setOpen({ rep: r, kind: k })}
                          label={t('compliance.showDeals', { what: k.label(), name: r.name, count: r[k.key].count })} />
                      </td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {!d.reps.length && <p class="empty">{t('compliance.none')}</p>}
          <p class="muted small">{t('compliance.asOf', { when: formatDateTime(d.as_of) })}</p>
        </>
      )}</Loaded>
      {open && (
        <Dialog title={`${open.kind.key === 'stale' ? t('compliance.staleN', { count: res.data.stale_days }) : open.kind.label()} · ${open.rep.name}`}
          onClose={() => setOpen(null)} wide>
          <p class="muted">{open.kind.hint ? open.kind.hint() : t('compliance.staleHint', { count: res.data.stale_days })}</p>
          <DealsList kind={open.kind.key} deals={open.rep[open.kind.key].deals} />
        </Dialog>
      )}
    </div>
  );
}
