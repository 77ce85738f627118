// Import: records from a CSV file or an Excel workbook, checked before anything is written.
// /import: choose what the rows are and upload the file (the file itself is
// the request body). /import/{id}: the suggested mapping (editable column by
// column), the first rows, every row's problems with the near misses the
// server found (accept one, or all), stop-at-first-error or skip-bad-rows,
// then the run with its progress (polled), the summary and the report of the
// bad rows.
import { useEffect, useRef, useState } from 'preact/hooks';
import * as api from '../api.js';
import { Empty, ErrorNote, Loaded, Spinner, errorText } from '../components/Status.jsx';
import { useResource } from '../hooks.js';
import { formatDateTime, formatNumber, t } from '../i18n/index.js';
import { CURRENCIES, ENUMS } from '../model.js';
import { Link, navigate, useRoute } from '../router.js';
import { importEntities } from '../session.js';

const LIST_PAGE = {
  accounts: '/accounts', contacts: '/contacts', opportunities: '/opportunities', activities: '/tasks', leads: '/leads',
  products: '/admin/products', users: '/admin/users', teams: '/admin/teams',
};
const ENCODINGS = ['utf-8', 'gb18030', 'big5', 'utf-16', 'windows-1252', 'iso-8859-2'];

const entityLabel = (e) => (ENUMS.import_entity.includes(e) ? t(`enum.import_entity.${e}`) : e);
const targetLabel = (n) => (ENUMS.import_target.includes(n) ? t(`enum.import_target.${n}`) : n);

function StatusBadge({ status }) {
  const cls = { ready: 'badge-open', running: 'badge-open', done: 'badge-won', failed: 'badge-lost' }[status] || '';
  return <span class={`badge ${cls}`}>{ENUMS.import_status.includes(status) ? t(`enum.import_status.${status}`) : status}</span>;
}

// ---- step 1: the file ----

function Recent() {
  const res = useResource(() => api.get('/imports'), []);
  return (
    <section class="card" aria-labelledby="recent-h">
      <h2 id="recent-h" class="card-title">{t('import.recent')}</h2>
      <Loaded res={res}>{(d) => (d.items.length ? (
        <div class="table-wrap">
          <table class="table table-compact">
            <thead><tr>
              <th scope="col">{t('import.file')}</th><th scope="col">{t('import.entity')}</th><th scope="col">{t('import.status')}</th>
              <th scope="col" class="num">{t('import.rows')}</th><th scope="col" class="num">{t('import.imported')}</th>
              <th scope="col" class="num">{t('import.bad')}</th><th scope="col">{t('import.when')}</th>
            </tr></thead>
            <tbody>
              {d.items.map((j) => (
                <tr key={j.id}>
                  <th scope="row"><Link href={`/import/${j.id}`}>{j.filename}</Link></th>
                  <td>{entityLabel(j.entity)}</td>
                  <td><StatusBadge status={j.status} /></td>
                  <td class="num">{formatNumber(j.rows_total)}</td>
                  <td class="num">{formatNumber(j.rows_imported)}</td>
                  <td class="num">{formatNumber(j.rows_bad)}</td>
                  <td class="nowrap">{formatDateTime(j.created_at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : <Empty>{t('import.noRecent')}</Empty>)}</Loaded>
    </section>
  );
}

function Start({ user }) {
  const { query } = useRoute();
  const entities = importEntities(user);
  const wanted = query.get('entity');
  const [entity, setEntity] = useState(entities.includes(wanted) ? wanted : entities[0]);
  const [encoding, setEncoding] = useState('');
  const [file, setFile] = useState(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const input = useRef(null);

  const submit = async (e) => {
    e.preventDefault();
    if (!file) { setError(new api.ApiError(400, { detail: t('import.chooseFileFirst') })); input.current?.focus(); return; }
    setBusy(true);
    setError(null);
    try {
      // the server tells a workbook from CSV by its content; the type only has to be one it takes
      const job = await api.upload(`/imports${api.qs({ entity, filename: file.name, encoding })}`, file, file.type || 'application/octet-stream');
      navigate(`/import/${job.id}`);
    } catch (err) { setError(err); setBusy(false); }
  };
  return (
    <div class="page page-narrow page-wide-ish">
      <div class="page-head">
        <div>
          <h1>{t('import.title')}</h1>
          <p class="page-sub">{t('import.intro')}</p>
        </div>
      </div>
      <section class="card" aria-labelledby="upload-h">
        <h2 id="upload-h" class="card-title">{t('import.step1')}</h2>
        <form class="form" noValidate onSubmit={submit}>
          {error && <div class="alert alert-error" role="alert">{errorText(error)}</div>}
          <div class="form-grid">
            <div class="field">
              <label for="imp-entity">{t('import.entity')}</label>
              <select id="imp-entity" name="entity" value={entity} onChange={(e) => setEntity(e.currentTarget.value)}>
                {entities.map((x) => <option key={x} value={x}>{entityLabel(x)}</option>)}
              </select>
            </div>
            <div class="field">
              <label for="imp-enc">{t('import.encoding')}</label>
              <select id="imp-enc" value={encoding} onChange={(e) => setEncoding(e.currentTarget.value)}>
                <option value="">{t('import.encodingAuto')}</option>
                {ENCODINGS.map((x) => <option key={x} value={x}>{x}</option>)}
              </select>
            </div>
            <div class="field span-2">
              <label for="imp-file">{t('import.file')}</label>
              <input ref={input} id="imp-file" name="file" type="file"
                accept=".xlsx,.csv,.txt,.tsv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet,text/csv,text/plain"
                onChange={(e) => setFile(e.currentTarget.files[0] || null)} />
              <p class="field-hint">{t('import.fileHint')}</p>
            </div>
          </div>
          <div class="form-actions">
            <button type="submit" class="btn btn-primary" disabled={busy}>{busy ? t('import.uploading') : t('import.upload')}</button>
          </div>
        </form>
      </section>
      <Recent />
    </div>
  );
}

// ---- step 2: the preview ----

function Mapping({ job, onPatch, busy }) {
  const targetOf = (col) => Object.keys(job.mapping).find((tg) => job.mapping[tg] === col) || '';
  const required = job.targets.filter((x) => x.required && !job.mapping[x.name]);
  const change = (col, next) => {
    const prev = targetOf(col);
    const mapping = {};
    if (prev) mapping[prev] = null;
    if (next) mapping[next] = col;
    onPatch({ mapping });
  };
  return (
    <section class="card" aria-labelledby="map-h">
      <h2 id="map-h" class="card-title">{t('import.mapping')}</h2>
      <p class="muted card-hint">{t('import.mappingHint')}</p>
      {(job.mapping_errors.length > 0 || required.length > 0) && (
        <div class="alert alert-error" role="alert">
          {t('import.requiredMissing', { targets: [...new Set([...required.map((x) => x.name), ...job.mapping_errors.map((m) => m.field)])].map(targetLabel).join(', ') })}
        </div>
      )}
      <div class="table-wrap">
        <table class="table table-compact mapping" data-testid="mapping">
          <thead><tr>
            <th scope="col">{t('import.column')}</th><th scope="col">{t('import.firstValues')}</th><th scope="col">{t('import.importAs')}</th>
          </tr></thead>
          <tbody>
            {job.columns.map((col, ci) => {
              const current = targetOf(col);
              return (
                <tr key={col} data-column={col} class={current ? '' : 'unmapped'}>
                  <th scope="row" class="nowrap">{col}</th>
                  <td class="sample-values">{job.sample.slice(0, 3).map((r) => r[ci]).filter((v) => v !== null && v !== '').join(' · ') || <span class="muted">—</span>}</td>
                  <td>
                    <select aria-label={t('import.importAsFor', { column: col })} value={current} disabled={busy}
                      onChange={(e) => change(col, e.currentTarget.value)}>
                      <option value="">{t('import.skipColumn')}</option>
                      {job.targets.map((tg) => {
                        const other = job.mapping[tg.name] && job.mapping[tg.name] !== col ? job.mapping[tg.name] : null;
                        return (
                          <option key={tg.name} value={tg.name}>
                            {targetLabel(tg.name)}{tg.required ? ' *' : ''}{other ? ` (${t('import.nowFrom', { column: other })})` : ''}
                          </option>
                        );
                      })}
                    </select>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </section>
  );
}

function NearMisses({ job, onPatch, busy }) {
  const values = job.options.values || {};
  const suggested = job.changes.filter((c) => c.how === 'suggested');
  const used = job.changes.filter((c) => c.how !== 'suggested');
  if (!job.changes.length && !job.options.accept_suggestions) return null;
  const accept = (c) => onPatch({ options: { values: { ...values, [c.target]: { ...(values[c.target] || {}), [c.value]: c.read_as } } } });
  const undo = (c) => {
    const mine = { ...(values[c.target] || {}) };
    delete mine[c.value];
    const next = { ...values, [c.target]: mine };
    if (!Object.keys(mine).length) delete next[c.target];
    onPatch({ options: { values: Object.keys(next).length ? next : null } });
  };
  return (
    <section class="card" aria-labelledby="near-h">
      <h2 id="near-h" class="card-title">{t('import.nearMisses')}</h2>
      <p class="muted card-hint">{t('import.nearMissesHint')}</p>
      <label class="check">
        <input type="checkbox" checked={!!job.options.accept_suggestions} disabled={busy}
          onChange={(e) => onPatch({ options: { accept_suggestions: e.currentTarget.checked } })} />
        {t('import.acceptAll')}
      </label>
      {suggested.length > 0 && (
        <ul class="near-list" data-testid="suggestions">
          {suggested.map((c, i) => (
            <li key={i}>
              <span class="near-text">
                {t('import.nearMiss', { value: c.value, column: c.column, read_as: c.read_as })}
                <span class="muted"> · {t('import.rowsCount', { count: c.rows })}</span>
              </span>
              <button type="button" class="btn btn-small" disabled={busy} onClick={() => accept(c)}>
                {t('import.useSuggestion', { read_as: c.read_as })}
              </button>
            </li>
          ))}
        </ul>
      )}
      {used.length > 0 && (
        <ul class="near-list">
          {used.map((c, i) => (
            <li key={i} class="near-used">
              <span class="near-text">
                <span class="ok" aria-hidden="true">✓ </span>
                {t('import.readAs', { value: c.value, column: c.column, read_as: c.read_as })}
                <span class="muted"> · {t('import.rowsCount', { count: c.rows })}</span>
              </span>
              {c.how === 'value map' && values[c.target]?.[c.value] !== undefined && (
                <button type="button" class="btn btn-small btn-quiet" disabled={busy} onClick={() => undo(c)}>{t('import.undo')}</button>
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function Problems({ job }) {
  return (
    <section class="card" aria-labelledby="prob-h">
      <div class="card-head">
        <h2 id="prob-h" class="card-title">{t('import.problems')}</h2>
        {job.report && <a class="card-link" href={job.report} download>{t('import.downloadReport')}</a>}
      </div>
      {job.rows_bad === 0 ? (
        <p class="ok" data-testid="no-problems">{t('import.allGood', { count: job.rows_total })}</p>
      ) : (
        <>
          <p data-testid="bad-rows">{t('import.badRows', { count: job.rows_bad, total: formatNumber(job.rows_total) })}</p>
          <div class="table-wrap">
            <table class="table table-compact" data-testid="problems">
              <thead><tr>
                <th scope="col" class="num">{t('import.row')}</th><th scope="col">{t('import.column')}</th>
                <th scope="col">{t('import.value')}</th><th scope="col">{t('import.problem')}</th>
              </tr></thead>
              <tbody>
                {job.problems.map((p, i) => (
                  <tr key={i} data-row={p.row}>
                    <td class="num">{p.row}</td>
                    <td class="nowrap">{p.column}</td>
                    <td>{p.value === null ? <span class="muted">{t('import.empty')}</span> : <code>{p.value}</code>}</td>
                    <td>{problemText(p.problem)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {job.problems.length < job.rows_bad && <p class="muted small">{t('import.moreInReport')}</p>}
        </>
      )}
    </section>
  );
}

/** The server's problem, in the user's language where it is a common one; near-miss hints kept. */
function problemText(p) {
  const near = /\(did you mean '(.*)'\?\)/.exec(p);
  const hint = near ? ' ' + t('import.didYouMean', { name: near[1] }) : '';
  if (/^is required/.test(p)) return t('error.required');
  if (/^matches no /.test(p)) return t('import.matchesNothing') + hint;
  if (/^must be a real date/.test(p)) return t('error.date');
  if (/^is not a date such as/.test(p)) return t('import.notADate');
  if (/^is not a real date in \S+ order/.test(p)) return t('import.wrongDateOrder');
  if (/^is not a real calendar date/.test(p)) return t('import.notARealDate');
  if (/^must be a whole number|^is not a number/.test(p)) return t('error.number');
  if (/^is not an email address/.test(p)) return t('error.email');
  return p;
}

function Sample({ job }) {
  const bad = new Set(job.problems.map((p) => p.row));
  return (
    <section class="card" aria-labelledby="sample-h">
      <h2 id="sample-h" class="card-title">{t('import.firstRows')}</h2>
      <div class="table-wrap">
        <table class="table table-compact sample" data-testid="sample">
          <thead><tr><th scope="col" class="num">{t('import.row')}</th>{job.columns.map((c) => <th scope="col" key={c}>{c}</th>)}</tr></thead>
          <tbody>
            {job.sample.map((r, i) => (
              <tr key={i} class={bad.has(i + 2) ? 'bad-row' : ''}>
                <td class="num">{i + 2}{bad.has(i + 2) && <span class="warn-mark" title={t('import.rowHasProblems')}> ⚠</span>}</td>
                {r.map((v, j) => <td key={j}>{v ?? ''}</td>)}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

function Options({ job, onPatch, onRun, busy }) {
  const o = job.options;
  const hasCurrency = job.targets.some((x) => x.name === 'currency');
  const hasDates = job.targets.some((x) => x.type === 'date' || x.type === 'date-time');
  const good = Math.max(0, job.rows_total - job.rows_bad);
  const blocked = job.mapping_errors.length > 0 || job.targets.some((x) => x.required && !job.mapping[x.name]);
  return (
    <section class="card" aria-labelledby="opt-h">
      <h2 id="opt-h" class="card-title">{t('import.options')}</h2>
      <fieldset class="fieldset">
        <legend>{t('import.badRowsDo')}</legend>
        <label class="check check-wrap">
          <input type="radio" name="mode" value="stop" checked={o.mode !== 'skip'} disabled={busy} onChange={() => onPatch({ options: { mode: 'stop' } })} />
          <span><strong>{t('import.modeStop')}</strong><br /><span class="muted">{t('import.modeStopHint')}</span></span>
        </label>
        <label class="check check-wrap">
          <input type="radio" name="mode" value="skip" checked={o.mode === 'skip'} disabled={busy} onChange={() => onPatch({ options: { mode: 'skip' } })} />
          <span><strong>{t('import.modeSkip')}</strong><br /><span class="muted">{t('import.modeSkipHint')}</span></span>
        </label>
      </fieldset>
      <div class="inline-form">
        {hasDates && (
          <label class="filter">
            <span>{t('import.dateOrder')}</span>
            <select value={o.date_order} disabled={busy} onChange={(e) => onPatch({ options: { date_order: e.currentTarget.value } })}>
              <option value="mdy">{t('import.mdy')}</option>
              <option value="dmy">{t('import.dmy')}</option>
            </select>
          </label>
        )}
        {hasCurrency && (
          <label class="filter">
            <span>{t('import.defaultCurrency')}</span>
            <select value={o.currency || ''} disabled={busy} onChange={(e) => onPatch({ options: { currency: e.currentTarget.value || null } })}>
              <option value="">{t('import.serverCurrency')}</option>
              {CURRENCIES.map((c) => <option key={c} value={c}>{c}</option>)}
            </select>
          </label>
        )}
      </div>
      <div class="form-actions run-actions">
        <button type="button" class="btn btn-primary" disabled={busy || blocked || (o.mode === 'skip' && !good)} onClick={onRun}>
          {o.mode === 'skip' && job.rows_bad
            ? t('import.runSkip', { count: good })
            : t('import.run', { count: job.rows_total })}
        </button>
        {o.mode !== 'skip' && job.rows_bad > 0 && <span class="muted">{t('import.stopWillFail')}</span>}
      </div>
    </section>
  );
}

// ---- step 3: the run ----

function Progress({ job }) {
  const writing = job.phase === 'writing';
  // while writing, rows_done counts the rows written where the server can tell (leads, one by one); else it stays 0
  const toWrite = Math.max(1, job.rows_total - job.rows_bad);
  const counting = writing && job.rows_done > 0;
  let text = t('import.checking', { done: formatNumber(job.rows_done), total: formatNumber(job.rows_total) });
  if (writing) text = counting ? t('import.writingCount', { done: formatNumber(job.rows_done), total: formatNumber(toWrite) }) : t('import.writing');
  return (
    <section class="card" aria-labelledby="run-h" aria-live="polite">
      <h2 id="run-h" class="card-title">{t('import.running')}</h2>
      <progress class="progress" max={writing ? (counting ? toWrite : undefined) : Math.max(1, job.rows_total)}
        value={writing ? (counting ? job.rows_done : undefined) : job.rows_done} aria-label={t('import.progress')} />
      <p class="muted">{text}</p>
    </section>
  );
}

/** What the duplicate check and the assignment rules made of imported leads. */
function LeadOutcome({ outcome }) {
  const owners = [...outcome.by_owner].sort((a, b) => b.leads - a.leads || a.owner.localeCompare(b.owner));
  return (
    <div data-testid="lead-outcome">
      <div class="kpis">
        <div class="kpi"><span class="kpi-label">{t('import.leadsAssigned')}</span><span class="kpi-value">{formatNumber(outcome.assigned)}</span></div>
        <div class="kpi"><span class="kpi-label">{t('import.leadsDuplicate')}</span><span class="kpi-value">{formatNumber(outcome.duplicate)}</span></div>
        <div class="kpi"><span class="kpi-label">{t('import.leadsUnassigned')}</span><span class={'kpi-value' + (outcome.unassigned ? ' bad' : '')}>{formatNumber(outcome.unassigned)}</span></div>
      </div>
      {owners.length > 0 && (
        <table class="table" aria-label={t('import.leadsByOwner')}>
          <thead><tr><th>{t('import.leadsByOwner')}</th><th class="num">{t('nav.leads')}</th></tr></thead>
          <tbody>{owners.map((o) => <tr key={o.owner}><td>{o.owner}</td><td class="num">{formatNumber(o.leads)}</td></tr>)}</tbody>
        </table>
      )}
    </div>
  );
}

function Summary({ job }) {
  return (
    <section class="card summary" aria-labelledby="sum-h" data-testid="import-summary">
      <h2 id="sum-h" class="card-title">{t('import.finished')}</h2>
      <div class="kpis">
        <div class="kpi"><span class="kpi-label">{t('import.imported')}</span><span class="kpi-value ok" data-testid="rows-imported">{formatNumber(job.rows_imported)}</span></div>
        <div class="kpi"><span class="kpi-label">{t('import.skipped')}</span><span class={'kpi-value' + (job.rows_bad ? ' bad' : '')} data-testid="rows-skipped">{formatNumber(job.rows_bad)}</span></div>
        <div class="kpi"><span class="kpi-label">{t('import.rows')}</span><span class="kpi-value">{formatNumber(job.rows_total)}</span></div>
      </div>
      <p>{t('import.doneText', { count: job.rows_imported, entity: entityLabel(job.entity) })}</p>
      {job.outcome && <LeadOutcome outcome={job.outcome} />}
      <div class="form-actions">
        {LIST_PAGE[job.entity] && <Link class="btn btn-primary" href={LIST_PAGE[job.entity]}>{t('import.openList', { entity: entityLabel(job.entity) })}</Link>}
        {job.report && <a class="btn" href={job.report} download data-testid="report-link">{t('import.downloadReport')}</a>}
        <Link class="btn btn-quiet" href="/import">{t('import.another')}</Link>
      </div>
    </section>
  );
}

function Job({ id }) {
  const res = useResource(() => api.get(`/imports/${id}`), [id]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const job = res.data;

  // while it runs, follow it
  useEffect(() => {
    if (job?.status !== 'running') return;
    const timer = setTimeout(() => api.get(`/imports/${id}`).then((j) => res.setData(j), setError), 400);
    return () => clearTimeout(timer);
  }, [job]);

  const patch = async (changes) => {
    setBusy(true);
    setError(null);
    // a chosen option shows as chosen at once, not only when the rows have been checked again
    const before = job;
    if (changes.options) res.setData({ ...job, options: { ...job.options, ...changes.options } });
    try { res.setData(await api.request('PATCH', `/imports/${id}`, { body: changes })); } catch (err) { res.setData(before); setError(err); }
    setBusy(false);
  };
  const run = async () => {
    setBusy(true);
    setError(null);
    try { res.setData(await api.post(`/imports/${id}/run`, { options: { mode: job.options.mode } })); } catch (err) { setError(err); }
    setBusy(false);
  };

  return (
    <div class="page page-import">
      <div class="crumbs"><Link href="/import">{t('import.title')}</Link></div>
      <Loaded res={res}>{(j) => (
        <>
          <div class="page-head">
            <div>
              <h1>{j.filename}</h1>
              <p class="page-sub">
                <span>{entityLabel(j.entity)}</span>
                <span>{t('import.rowsCount', { count: j.rows_total })}</span>
                <span>{j.encoding === 'xlsx' ? t('import.readXlsx') : t('import.readIn', { encoding: j.encoding })}</span>
                <StatusBadge status={j.status} />
              </p>
            </div>
          </div>
          <ErrorNote error={error} />
          {j.status === 'failed' && j.error && <div class="alert alert-error" role="alert">{t('import.failed', { error: j.error })}</div>}
          {j.status === 'running' && <Progress job={j} />}
          {j.status === 'done' && <Summary job={j} />}
          {(j.status === 'ready' || j.status === 'failed') && (
            <div class="import-grid" aria-busy={busy ? 'true' : 'false'}>
              <div class="import-main">
                <Mapping job={j} onPatch={patch} busy={busy} />
                <Problems job={j} />
                <Sample job={j} />
              </div>
              <div class="import-side">
                <Options job={j} onPatch={patch} onRun={run} busy={busy} />
                <NearMisses job={j} onPatch={patch} busy={busy} />
              </div>
            </div>
          )}
          {busy && <Spinner label={t('import.checkingAgain')} />}
        </>
      )}</Loaded>
    </div>
  );
}

export default function Import({ id, user }) {
  return id ? <Job id={id} user={user} /> : <Start user={user} />;
}
