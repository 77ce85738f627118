// Opportunities: the deal list. Filters, sort, a column chooser and saved
// views (kept in this browser), cursor paging, and for managers and admins a
// bulk change of owner.
import { useEffect, useMemo, useState } from 'preact/hooks';
import * as api from '../api.js';
import { NewOpportunity } from '../components/NewRecord.jsx';
import { ExportButtons, ImportButton } from '../components/Export.jsx';
import { DealFilters, FilterForm, SelectFilter } from '../components/Filters.jsx';
import { useUserOptions } from '../components/Pickers.jsx';
import { LoadMore, SortHeader } from '../components/RecordTable.jsx';
import { Empty, ErrorNote, errorText } from '../components/Status.jsx';
import { useDebounced, usePaged } from '../hooks.js';
import { formatBp, formatDate, formatMoney, t } from '../i18n/index.js';
import { stagesOf, useLookup } from '../lookups.js';
import { ENUMS, daysSince } from '../model.js';
import { Link, navigate } from '../router.js';
import { canEditDeals, canReassign, importEntities } from '../session.js';
import { toggled } from '../util.js';

const VIEWS_KEY = 'cylinder.opportunityViews';
const LAST_KEY = 'cylinder.opportunityView';

const COLUMNS = () => [
  { key: 'name', label: t('field.opportunityName'), sort: 'name', always: true, render: (o) => <Link href={`/opportunities/${o.id}`}>{o.name}</Link> },
  { key: 'account', label: t('field.account'), render: (o) => o.account_id && <Link href={`/accounts/${o.account_id}`}>{o.account_name}</Link> },
  { key: 'stage', label: t('field.stage'), render: (o) => <span class={'badge badge-' + o.stage_kind}>{o.stage_name}</span> },
  { key: 'amount', label: t('field.amount'), sort: 'amount', num: true, render: (o) => formatMoney(o.amount, o.currency) },
  { key: 'close_date', label: t('field.closeDate'), sort: 'close_date', nowrap: true, render: (o) => formatDate(o.close_date) },
  { key: 'owner', label: t('field.owner'), sort: 'owner_id', render: (o) => o.owner_name },
  { key: 'probability', label: t('field.probability'), num: true, render: (o) => formatBp(o.probability) },
  { key: 'days', label: t('opportunities.daysInStage'), sort: 'stage_entered_at', num: true, render: (o) => daysSince(o.stage_entered_at) },
  { key: 'source', label: t('field.source'), render: (o) => o.source },
  { key: 'forecast_category', label: t('field.forecastCategory'), render: (o) => o.forecast_category && t(`enum.forecast_category.${o.forecast_category}`) },
  { key: 'closed_at', label: t('field.closedAt'), sort: 'closed_at', nowrap: true, render: (o) => formatDate(o.closed_at) },
];
const DEFAULT_VIEW = {
  filters: { status: 'open' }, sort: 'close_date',
  columns: ['name', 'account', 'stage', 'amount', 'close_date', 'owner'],
};

const readJson = (key, fallback) => { try { return JSON.parse(localStorage.getItem(key)) ?? fallback; } catch { return fallback; } };

/** The view's filters as API query parameters. */
function apiParams(f) {
  const p = {};
  for (const k of ['stage_id', 'owner_id', 'team', 'forecast_category', 'close_date_from', 'close_date_to', 'amount_min', 'amount_max']) if (f[k]) p[k] = f[k];
  if (f.status === 'open') p.closed_at = 'null';
  else if (f.status === 'closed') p.closed_at_from = '1970-01-01';
  return p;
}

function FilterBar({ view, setFilter, stages }) {
  const f = view.filters;
  const [text, setText] = useState(f.q || '');
  const q = useDebounced(text.trim(), 250);
  useEffect(() => { if ((f.q || '') !== q) setFilter('q', q); }, [q]);
  return (
    <FilterForm active={Object.entries(f).filter(([k, v]) => v && k !== 'status').length}>
      <label class="filter filter-grow">
        <span>{t('common.search')}</span>
        <input type="search" name="q" value={text} onInput={(e) => setText(e.currentTarget.value)} placeholder={t('opportunities.searchPlaceholder')} />
      </label>
      <SelectFilter name="status" label={t('opportunities.status')} value={f.status} onChange={setFilter}
        options={[{ value: 'open', label: t('opportunities.open') }, { value: 'closed', label: t('opportunities.closed') }]} />
      <SelectFilter name="stage_id" label={t('field.stage')} value={f.stage_id} onChange={setFilter}
        options={stages.map((s) => ({ value: s.id, label: s.name }))} />
      <SelectFilter name="forecast_category" label={t('field.forecastCategory')} value={f.forecast_category} onChange={setFilter}
        options={ENUMS.forecast_category.map((c) => ({ value: c, label: t(`enum.forecast_category.${c}`) }))} />
      <DealFilters values={f} onChange={setFilter} />
    </FilterForm>
  );
}

function ColumnChooser({ columns, shown, onChange }) {
  return (
    <details class="dropdown">
      <summary class="btn">{t('opportunities.columns')}</summary>
      <fieldset class="dropdown-panel">
        <legend class="sr-only">{t('opportunities.columns')}</legend>
        {columns.filter((c) => !c.always).map((c) => (
          <label key={c.key} class="check">
            <input type="checkbox" checked={shown.includes(c.key)}
              onChange={(e) => onChange(e.currentTarget.checked ? [...shown, c.key] : shown.filter((k) => k !== c.key))} />
            {c.label}
          </label>
        ))}
      </fieldset>
    </details>
  );
}

function Views({ view, setView }) {
  const [views, setViews] = useState(() => readJson(VIEWS_KEY, []));
  const [naming, setNaming] = useState(false);
  const [name, setName] = useState('');
  const store = (list) => { setViews(list); localStorage.setItem(VIEWS_KEY, JSON.stringify(list)); };
  const save = (e) => {
    e.preventDefault();
    const n = name.trim();
    if (!n) return;
    store([...views.filter((v) => v.name !== n), { ...view, name: n }]);
    setNaming(false);
    setName('');
  };
  const current = views.find((v) => v.name === view.name);
  return (
    <div class="views">
      <label class="filter">
        <span>{t('opportunities.view')}</span>
        <select value={current ? current.name : ''} onChange={(e) => {
          const v = views.find((x) => x.name === e.currentTarget.value);
          setView(v || DEFAULT_VIEW);
        }}>
          <option value="">{t('opportunities.defaultView')}</option>
          {views.map((v) => <option key={v.name} value={v.name}>{v.name}</option>)}
        </select>
      </label>
      {naming ? (
        <form class="inline-form" onSubmit={save}>
          <input type="text" aria-label={t('opportunities.viewName')} placeholder={t('opportunities.viewName')} value={name}
            autoFocus onInput={(e) => setName(e.currentTarget.value)} />
          <button type="submit" class="btn btn-primary">{t('common.save')}</button>
          <button type="button" class="btn" onClick={() => setNaming(false)}>{t('common.cancel')}</button>
        </form>
      ) : (
        <button type="button" class="btn" onClick={() => { setName(current?.name || ''); setNaming(true); }}>{t('opportunities.saveView')}</button>
      )}
      {current && (
        <button type="button" class="btn btn-quiet" onClick={() => { store(views.filter((v) => v !== current)); setView({ ...view, name: undefined }); }}>
          {t('opportunities.deleteView')}
        </button>
      )}
    </div>
  );
}

function BulkOwner({ selected, onDone }) {
  const users = useUserOptions();
  const [owner, setOwner] = useState('');
  const [busy, setBusy] = useState(false);
  const [report, setReport] = useState(null);
  const apply = async () => {
    setBusy(true);
    setReport(null);
    const failed = [], changed = [];
    for (const o of selected) {
      try { changed.push(await api.patch(`/opportunities/${o.id}`, { owner_id: Number(owner) }, o.version)); }
      catch (err) { failed.push({ o, why: err.fieldErrors.owner_id || errorText(err) }); }
    }
    setBusy(false);
    setReport({ ok: changed.length, failed });
    onDone(changed);
  };
  return (
    <div class="bulk" role="region" aria-label={t('opportunities.bulk')}>
      <span>{t('opportunities.selected', { count: selected.length })}</span>
      <label class="filter">
        <span>{t('opportunities.newOwner')}</span>
        <select value={owner} onChange={(e) => setOwner(e.currentTarget.value)}>
          <option value="">{t('opportunities.chooseOwner')}</option>
          {users.map((u) => <option key={u.value} value={u.value}>{u.label}</option>)}
        </select>
      </label>
      <button type="button" class="btn btn-primary" disabled={!owner || busy || !selected.length} onClick={apply}>
        {t('opportunities.reassign')}
      </button>
      {report && (
        <div class={'alert' + (report.failed.length ? ' alert-error' : ' alert-ok')} role="status">
          {t('opportunities.reassigned', { count: report.ok })}
          {report.failed.length > 0 && (
            <ul>{report.failed.map(({ o, why }) => <li key={o.id}>{o.name}: {why}</li>)}</ul>
          )}
        </div>
      )}
    </div>
  );
}

export default function Opportunities({ user }) {
  const [view, setViewState] = useState(() => readJson(LAST_KEY, DEFAULT_VIEW));
  const [selected, setSelected] = useState(() => new Set());
  const [creating, setCreating] = useState(false);
  const stages = useLookup('stages');
  const pipelines = useLookup('pipelines');
  const pipelineStages = useMemo(() => pipelines.flatMap((p) => stagesOf(stages, p.id)), [stages, pipelines]);

  const setView = (v) => { setViewState(v); localStorage.setItem(LAST_KEY, JSON.stringify(v)); setSelected(new Set()); };
  const setFilter = (k, v) => setView({ ...view, name: undefined, filters: { ...view.filters, [k]: v } });
  const params = apiParams(view.filters);
  const list = usePaged((after) => api.get('/opportunities', { ...params, q: view.filters.q || undefined, sort: view.sort, limit: 50, after }),
    [JSON.stringify(params), view.filters.q, view.sort]);

  const all = COLUMNS();
  const columns = all.filter((c) => c.always || view.columns.includes(c.key));
  const bulk = canReassign(user);
  const toggle = (id, on) => setSelected((s) => toggled(s, id, on));
  const allOn = list.items.length > 0 && list.items.every((o) => selected.has(o.id));
  const replace = (changed) => {
    const byId = new Map(changed.map((o) => [o.id, o]));
    list.setItems((items) => items.map((o) => byId.get(o.id) || o));
  };

  return (
    <div class="page">
      <div class="page-head">
        <h1>{t('nav.opportunities')}</h1>
        <div class="head-actions">
          <ExportButtons entity="opportunities" params={{ ...params, q: view.filters.q, sort: view.sort }} />
          {importEntities(user).includes('opportunities') && <ImportButton entity="opportunities" />}
          {canEditDeals(user) && <button type="button" class="btn btn-primary" onClick={() => setCreating(true)}>{t('opportunity.new')}</button>}
        </div>
      </div>
      <FilterBar view={view} setFilter={setFilter} stages={pipelineStages} />
      <div class="toolbar">
        <Views view={view} setView={setView} />
        <ColumnChooser columns={all} shown={view.columns} onChange={(cols) => setView({ ...view, name: undefined, columns: cols })} />
      </div>
      {bulk && selected.size > 0 && (
        <BulkOwner selected={list.items.filter((o) => selected.has(o.id))} onDone={replace} />
      )}
      <ErrorNote error={list.error} />
      <div class="table-wrap">
        <table class="table">
          <thead>
            <tr>
              {bulk && (
                <th scope="col" class="check-col">
                  <input type="checkbox" aria-label={t('opportunities.selectAll')} checked={allOn}
                    onChange={(e) => setSelected(e.currentTarget.checked ? new Set(list.items.map((o) => o.id)) : new Set())} />
                </th>
              )}
              {columns.map((c) => <SortHeader key={c.key} col={c} sort={view.sort} onSort={(s) => setView({ ...view, name: undefined, sort: s })} />)}
            </tr>
          </thead>
          <tbody>
            {list.items.map((o) => (
              <tr key={o.id} class={selected.has(o.id) ? 'selected' : ''}>
                {bulk && (
                  <td class="check-col">
                    <input type="checkbox" aria-label={t('opportunities.select', { name: o.name })} checked={selected.has(o.id)}
                      onChange={(e) => toggle(o.id, e.currentTarget.checked)} />
                  </td>
                )}
                {columns.map((c) => <td key={c.key} class={c.num ? 'num' : c.nowrap ? 'nowrap' : ''}>{c.render(o)}</td>)}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {!list.loading && !list.items.length && <Empty>{t('common.noResults')}</Empty>}
      <LoadMore list={list} />
      {creating && <NewOpportunity user={user} onClose={() => setCreating(false)} onCreated={(o) => navigate(`/opportunities/${o.id}`)} />}
    </div>
  );
}
