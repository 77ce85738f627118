// Analytics: the manager's dashboards (a rep sees their own, beside the team).
// A period (this quarter, last quarter, this year, custom) and pipeline, team
// and rep filters, kept in the URL; five tabs: conversion (with each rep's
// difference from the team, what a manager coaches from), forecast (with the
// source of every stage's rate, the categories, quota and calibration), cycle
// and velocity, sources and products, and activity with early warnings.
// Every number is a button that lists the deals behind it
// (GET /analytics/deals with the same filters), and every rate shows its
// numerator and denominator ("12 of 40").
import { createContext } from 'preact';
import { useContext, useEffect, useMemo, useState } from 'preact/hooks';
import * as api from '../api.js';
import { Bars, Funnel } from '../components/Chart.jsx';
import { Dialog } from '../components/Dialog.jsx';
import { ExportButtons } from '../components/Export.jsx';
import { FilterForm, SelectFilter } from '../components/Filters.jsx';
import { Empty, ErrorNote, Loaded, Spinner } from '../components/Status.jsx';
import { useResource } from '../hooks.js';
import {
  formatDate, formatDateTime, formatMoney, formatNumber, formatRate, formatSigned, isoDate, t, tParts,
} from '../i18n/index.js';
import { useLookup } from '../lookups.js';
import { CURRENCIES, ENUMS } from '../model.js';
import { Link, setQuery, useRoute } from '../router.js';
import { isManagerish } from '../session.js';

const TABS = ['conversion', 'forecast', 'cycle', 'sources', 'activity'];
const TAB_LABEL = {
  conversion: 'analytics.tab.conversion', forecast: 'analytics.tab.forecast', cycle: 'analytics.tab.cycle',
  sources: 'analytics.tab.sources', activity: 'analytics.tab.activity',
};
const PERIODS = ['this_quarter', 'last_quarter', 'this_year', 'custom'];
const PERIOD_LABEL = {
  this_quarter: 'analytics.period.thisQuarter', last_quarter: 'analytics.period.lastQuarter',
  this_year: 'analytics.period.thisYear', custom: 'analytics.period.custom',
};

// ---- the period ----

/** [from, to] (YYYY-MM-DD, both included) of a named period around `today`. */
export function periodRange(kind, today = new Date()) {
  const y = today.getFullYear(), q = Math.floor(today.getMonth() / 3);
  const day = (yy, m, d) => isoDate(0, new Date(yy, m, d));
  if (kind === 'last_quarter') return [day(y, q * 3 - 3, 1), day(y, q * 3, 0)];
  if (kind === 'this_year') return [day(y, 0, 1), day(y, 11, 31)];
  return [day(y, q * 3, 1), day(y, q * 3 + 3, 0)];
}

const validDate = (s) => /^\d{4}-\d{2}-\d{2}$/.test(s || '');

// ---- drilling into a number ----

/** drill({title, params}) opens the list of the deals behind a number. */
const Drill = createContext(() => {});
/** The chosen rep's name, for the titles of cards that count only their deals. */
const Subject = createContext(null);

/** A number that lists its deals when clicked; `spec` is {params, title}; without one it is text. */
function Num({ children, spec, label }) {
  const drill = useContext(Drill);
  if (!spec) return <span class="num-text">{children}</span>;
  return (
    <button type="button" class="num-link" onClick={() => drill(spec)} aria-label={label ? `${label}: ${children}` : undefined}
      title={t('analytics.showDeals')}>
      {children}
    </button>
  );
}

/** "+5.1 pp" in green, "−2.8 pp" in red: a rep against the team. */
function Diff({ pp }) {
  if (pp === null || pp === undefined) return null;
  const dir = pp > 0 ? 'up' : pp < 0 ? 'down' : 'same';
  return (
    <span class={`diff diff-${dir}`} title={t('analytics.diffTitle')}>
      <span aria-hidden="true">{dir === 'up' ? '▲' : dir === 'down' ? '▼' : '='} </span>
      {t('analytics.pp', { value: formatSigned(pp) })}
      <span class="sr-only"> {dir === 'up' ? t('analytics.aboveTeam') : dir === 'down' ? t('analytics.belowTeam') : t('analytics.sameAsTeam')}</span>
    </span>
  );
}

/** A rate with its counts: "37.5%  30 of 80", both counts clickable; `fmt` formats the counts (money). */
function Rate({ r, num, den, diff, fmt = formatNumber, compact }) {
  if (!r) return <span class="muted">—</span>;
  return (
    <span class={'rate' + (compact ? ' rate-compact' : '')}>
      <span class="rate-pct">{formatRate(r.rate)}</span>
      <span class="rate-frac">
        {tParts('analytics.nOfM', {
          n: <Num spec={num}>{fmt(r.numerator)}</Num>,
          m: <Num spec={den}>{fmt(r.denominator)}</Num>,
        })}
      </span>
      {diff && <Diff pp={r.diff_pp} />}
    </span>
  );
}

const days = (d) => (d?.average_days === null || d?.average_days === undefined ? '—' : t('analytics.days', { count: formatNumber(d.average_days, { maximumFractionDigits: 1 }) }));

function DealsDialog({ spec, base, onClose }) {
  const params = { ...base, ...spec.params };
  const stages = useLookup('stages');
  const [state, setState] = useState({ items: [], next: null, head: null, loading: true, error: null });
  const load = (after) => {
    setState((s) => ({ ...s, loading: true }));
    api.get('/analytics/deals', { ...params, limit: 50, after }).then(
      (page) => setState((s) => ({ items: after ? [...s.items, ...page.items] : page.items, next: page.next, head: after ? s.head : page, loading: false, error: null })),
      (error) => setState((s) => ({ ...s, loading: false, error })),
    );
  };
  useEffect(() => { load(undefined); }, [JSON.stringify(params)]);
  const { items, head } = state;
  const activities = params.metric === 'activities';
  const has = (k) => items.some((d) => d[k] !== undefined && d[k] !== null);
  const cur = head?.currency;
  return (
    <Dialog title={spec.title} onClose={onClose} wide>
      <ErrorNote error={state.error} />
      {head && (
        <p class="drill-sum" data-testid="drill-count">
          {activities ? t('analytics.activitiesCount', { count: head.count }) : t('analytics.dealsCount', { count: head.count })}
          {!activities && head.amount !== undefined && <> · {formatMoney(head.amount, cur)}</>}
          {head.expected !== null && head.expected !== undefined && <> · {t('analytics.expectedAmount', { amount: formatMoney(head.expected, cur) })}</>}
        </p>
      )}
      {head?.scope?.partial && <p class="muted small">{t('analytics.partialNote')}</p>}
      {items.length > 0 && <div class="drill-export"><ExportButtons entity="analytics/deals" params={params} /></div>}
      {head && !items.length && <Empty>{t('analytics.noDeals')}</Empty>}
      {items.length > 0 && (activities ? (
        <div class="table-wrap">
          <table class="table table-compact">
            <thead><tr>
              <th scope="col">{t('analytics.kind')}</th><th scope="col">{t('field.owner')}</th>
              <th scope="col">{t('analytics.held')}</th><th scope="col">{t('analytics.week')}</th>
            </tr></thead>
            <tbody>
              {items.map((a) => (
                <tr key={a.id}>
                  <td>{t(`enum.activity_kind.${a.kind}`)}{a.first_meeting && <span class="badge">{t('analytics.firstMeeting')}</span>}</td>
                  <td>{a.owner_name}</td>
                  <td class="nowrap">{formatDateTime(a.done_at)}</td>
                  <td class="nowrap">{a.week}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : (
        <div class="table-wrap">
          <table class="table table-compact drill-table">
            <thead><tr>
              <th scope="col">{t('field.opportunityName')}</th><th scope="col">{t('field.owner')}</th>
              <th scope="col">{t('field.stage')}</th><th scope="col" class="num">{t('field.amount')}</th>
              <th scope="col">{t('analytics.closeOrClosed')}</th>
              {has('probability') && <th scope="col" class="num">{t('analytics.rateUsed')}</th>}
              {has('expected') && <th scope="col" class="num">{t('analytics.expected')}</th>}
              {has('days_to_close') && <th scope="col" class="num">{t('analytics.daysToClose')}</th>}
              {has('stage_then_id') && <th scope="col">{t('analytics.stageThen')}</th>}
              {has('won_amount') && <th scope="col" class="num">{t('analytics.wonInPeriod')}</th>}
            </tr></thead>
            <tbody>
              {items.map((d) => (
                <tr key={d.id}>
                  <td><Link href={`/opportunities/${d.id}`}>{d.name}</Link></td>
                  <td>{d.owner_name}</td>
                  <td><span class={'badge badge-' + d.outcome}>{d.stage}</span></td>
                  <td class="num">{formatMoney(d.amount, d.currency)}</td>
                  <td class="nowrap">{d.closed_at ? formatDate(d.closed_at) : formatDate(d.close_date)}</td>
                  {has('probability') && <td class="num">{d.probability !== undefined ? formatRate(d.probability) : ''}</td>}
                  {has('expected') && <td class="num">{d.expected !== null && d.expected !== undefined ? formatMoney(d.expected, d.currency) : ''}</td>}
                  {has('days_to_close') && <td class="num">{d.days_to_close !== undefined ? formatNumber(d.days_to_close, { maximumFractionDigits: 1 }) : ''}</td>}
                  {has('stage_then_id') && <td>{stages.find((s) => s.id === d.stage_then_id)?.name || ''}</td>}
                  {has('won_amount') && <td class="num">{d.won_in_period ? formatMoney(d.won_amount, d.currency) : '—'}</td>}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ))}
      {state.loading && <Spinner />}
      {state.next && !state.loading && (
        <div class="load-more"><button type="button" class="btn" onClick={() => load(state.next)}>{t('common.loadMore')}</button></div>
      )}
    </Dialog>
  );
}

// ---- shared pieces ----

function Kpi({ label, children, sub, testid }) {
  return (
    <div class="kpi" data-testid={testid}>
      <span class="kpi-label">{label}</span>
      <span class="kpi-value">{children}</span>
      {sub && <span class="kpi-sub">{sub}</span>}
    </div>
  );
}

/** A card; `rep`: its figures count only the chosen rep's deals, so the title names the rep. */
function Section({ id, title, hint, children, action, rep }) {
  const subject = useContext(Subject);
  return (
    <section class="card" aria-labelledby={id}>
      <div class="card-head">
        <h2 id={id} class="card-title">{title}{rep && subject ? ` · ${subject}` : ''}</h2>
        {action}
      </div>
      {hint && <p class="muted card-hint">{hint}</p>}
      {children}
    </section>
  );
}

/** "Team" or the rep's name, for drill titles. */
const whose = (rep) => (rep ? rep.name : t('analytics.team'));
/** A drill's owner: the rep's deals, or the team's whatever the page's rep filter: the team the
 * answer compared with (scope.team_id: the rep's team when a rep is chosen; null for everyone in view).
 * A drill that names no owner follows the page's rep filter, as the figure does (see scope.team_figures). */
const repParams = (rep, d) => (rep ? { owner_id: rep.user_id ?? rep.id } : { owner_id: undefined, team: d.scope.team_id ?? undefined });

// ---- conversion ----

function ConversionTab({ scope }) {
  const conv = useResource(() => api.get('/analytics/conversion', scope.params), [scope.key]);
  const funnel = useResource(() => api.get('/analytics/funnel', scope.params), [scope.key]);
  return (
    <>
      <Loaded res={conv}>{(d) => <Conversion d={d} single={!!scope.params.owner_id} />}</Loaded>
      <Loaded res={funnel}>{(d) => <FunnelCard d={d} />}</Loaded>
    </>
  );
}

function Conversion({ d, single }) {
  const rep = single ? d.reps[0] : null;
  const subject = rep || d.team;
  const w = whose(rep);
  const spec = (metric, title, extra = {}) => ({ title: `${title} · ${w}`, params: { metric, ...repParams(rep, d), ...extra } });
  const teamLine = (r) => rep && (
    <span>{t('analytics.teamIs', { rate: formatRate(r.rate) })} · {t('analytics.nOfMText', { n: formatNumber(r.numerator), m: formatNumber(r.denominator) })}</span>
  );
  return (
    <>
      <div class="kpis">
        <Kpi label={t('analytics.winRate')} testid="kpi-win-rate" sub={teamLine(d.team.win_rate)}>
          <Rate r={subject.win_rate} diff={!!rep} num={spec('won', t('analytics.drill.won'))} den={spec('closed', t('analytics.drill.closed'))} />
        </Kpi>
        <Kpi label={t('analytics.conversion')} testid="kpi-conversion" sub={rep ? teamLine(d.team.conversion) : t('analytics.conversionHint')}>
          <Rate r={subject.conversion} diff={!!rep} num={spec('created_won', t('analytics.drill.createdWon'))}
            den={spec('created', t('analytics.drill.created'))} />
        </Kpi>
        <Kpi label={t('analytics.wonLost')} testid="kpi-won-lost">
          <span class="wonlost">
            {tParts('analytics.wonAndLost', {
              won: <Num spec={spec('won', t('analytics.drill.won'))}>{formatNumber(subject.won)}</Num>,
              lost: <Num spec={spec('lost', t('analytics.drill.lost'))}>{formatNumber(subject.lost)}</Num>,
            })}
          </span>
        </Kpi>
        <Kpi label={t('analytics.createdWonAmount')} testid="kpi-created-won-amount">
          <Num spec={spec('created_won', t('analytics.drill.createdWon'))}>{formatMoney(subject.created_won_amount, d.currency)}</Num>
        </Kpi>
      </div>
      {d.team.stages.map((p) => <StageMatrix key={p.pipeline_id} d={d} pipeline={p} single={single} />)}
    </>
  );
}

/** Stage-to-stage conversion: the team's row, then each rep's with the difference from the team. */
function StageMatrix({ d, pipeline, single }) {
  const reps = d.reps;
  const steps = pipeline.steps;
  const stepsOf = (row) => row.stages.find((x) => x.pipeline_id === pipeline.pipeline_id)?.steps || [];
  const cell = (row, step, i, rep) => {
    const s = stepsOf(row)[i];
    if (!s) return <td key={i} class="num muted">—</td>;
    const label = `${step.from} → ${step.to}`;
    const extra = { ...repParams(rep, d), pipeline_id: pipeline.pipeline_id };
    return (
      <td key={i} class="num">
        <Rate r={s} diff={!!rep} compact
          num={{ title: `${label} · ${t('analytics.drill.reached', { stage: step.to })} · ${whose(rep)}`, params: { metric: 'reached', stage_id: step.to_stage_id, ...extra } }}
          den={{ title: `${label} · ${t('analytics.drill.reached', { stage: step.from })} · ${whose(rep)}`, params: { metric: 'reached', stage_id: step.from_stage_id, ...extra } }} />
      </td>
    );
  };
  const rowOf = (row, rep) => (
    <tr key={rep ? rep.user_id : 'team'} class={rep ? '' : 'team-row'} data-row={rep ? rep.name : 'team'}>
      <th scope="row">{rep ? rep.name : t('analytics.team')}</th>
      <td class="num">
        <Rate r={row.win_rate} diff={!!rep} compact
          num={{ title: `${t('analytics.drill.won')} · ${whose(rep)}`, params: { metric: 'won', ...repParams(rep, d) } }}
          den={{ title: `${t('analytics.drill.closed')} · ${whose(rep)}`, params: { metric: 'closed', ...repParams(rep, d) } }} />
      </td>
      {steps.map((step, i) => cell(row, step, i, rep))}
    </tr>
  );
  return (
    <Section id={`conv-${pipeline.pipeline_id}`} title={t('analytics.stageConversion', { pipeline: pipeline.pipeline })}
      hint={single ? t('analytics.stageConversionRepHint') : t('analytics.stageConversionHint')}>
      <div class="table-wrap">
        <table class="table matrix" data-testid="stage-matrix">
          <thead><tr>
            <th scope="col">{t('analytics.rep')}</th>
            <th scope="col" class="num">{t('analytics.winRate')}</th>
            {steps.map((s, i) => <th scope="col" class="num" key={i}>{s.from} → {s.to}</th>)}
          </tr></thead>
          <tbody>
            {rowOf(d.team, null)}
            {reps.map((r) => rowOf(r, r))}
          </tbody>
        </table>
      </div>
      {!single && !reps.length && <p class="muted">{t('analytics.noReps')}</p>}
      <p class="legend"><span class="diff diff-up">▲</span> {t('analytics.legendUp')} <span class="diff diff-down">▼</span> {t('analytics.legendDown')}</p>
    </Section>
  );
}

function FunnelCard({ d }) {
  const drill = useContext(Drill);
  return d.pipelines.map((p) => {
    const rows = p.stages.map((s) => ({ name: s.name, value: s.count, label: formatNumber(s.count) }));
    const open = (s) => ({ title: `${t('analytics.drill.open')} · ${s.name}`, params: { metric: 'open', stage_id: s.stage_id } });
    return (
      <Section key={p.pipeline_id} id={`funnel-${p.pipeline_id}`} title={t('analytics.funnel', { pipeline: p.pipeline })} rep hint={t('analytics.funnelHint')}>
        <div class="split">
          <table class="table table-compact">
            <thead><tr><th scope="col">{t('field.stage')}</th><th scope="col" class="num">{t('home.deals')}</th>
              <th scope="col" class="num">{t('analytics.amountIn', { currency: d.currency })}</th></tr></thead>
            <tbody>
              {p.stages.map((s) => (
                <tr key={s.stage_id}>
                  <th scope="row">{s.name}</th>
                  <td class="num"><Num spec={open(s)}>{formatNumber(s.count)}</Num></td>
                  <td class="num"><Num spec={open(s)}>{formatMoney(s.amount, d.currency)}</Num></td>
                </tr>
              ))}
            </tbody>
            <tfoot><tr>
              <th scope="row">{t('lineItems.sum')}</th>
              <td class="num"><Num spec={{ title: t('analytics.drill.open'), params: { metric: 'open', pipeline_id: p.pipeline_id } }}>{formatNumber(p.open_count)}</Num></td>
              <td class="num">{formatMoney(p.open_amount, d.currency)}</td>
            </tr></tfoot>
          </table>
          {p.open_count > 0 && <Funnel rows={rows} label={t('home.funnelLabel')} valueLabel={t('home.deals')}
            onClick={(i) => drill(open(p.stages[i]))} />}
        </div>
      </Section>
    );
  });
}

// ---- forecast ----

function ForecastTab({ scope }) {
  const [unit, setUnit] = useState('quarter');
  const fc = useResource(() => api.get('/analytics/forecast', scope.params), [scope.key]);
  const cal = useResource(() => api.get('/analytics/calibration', { ...scope.params, unit }), [scope.key, unit]);
  return (
    <>
      <Loaded res={fc}>{(d) => <Forecast d={d} single={!!scope.params.owner_id} />}</Loaded>
      <Section id="calibration" title={t('analytics.calibration')} rep hint={t('analytics.calibrationHint')}
        action={(
          <div class="segmented" role="group" aria-label={t('analytics.calibrationUnit')}>
            {['quarter', 'month'].map((u) => (
              <button key={u} type="button" aria-pressed={unit === u ? 'true' : 'false'} onClick={() => setUnit(u)}>
                {u === 'quarter' ? t('analytics.quarters') : t('analytics.months')}
              </button>
            ))}
          </div>
        )}>
        <Loaded res={cal}>{(d) => <Calibration d={d} />}</Loaded>
      </Section>
    </>
  );
}

function Forecast({ d, single }) {
  const rep = single ? d.reps[0] : null;
  const subject = rep || d.team;
  const cur = d.currency;
  const money = (n) => formatMoney(n, cur, { whole: true });
  const base = repParams(rep, d);
  const w = whose(rep);
  const quota = subject.quota;
  return (
    <>
      <div class="kpis">
        <Kpi label={t('analytics.forecastPeriod')} testid="kpi-forecast" sub={t('analytics.forecastPeriodSub', { count: subject.in_period.count })}>
          <Num spec={{ title: `${t('analytics.drill.forecastInPeriod')} · ${w}`, params: { metric: 'forecast_in_period', ...base } }}>{money(subject.in_period.expected)}</Num>
        </Kpi>
        <Kpi label={t('analytics.forecastAll')} sub={t('analytics.forecastAllSub', { count: subject.open_count, amount: money(subject.open_amount) })}>
          <Num spec={{ title: `${t('analytics.drill.forecast')} · ${w}`, params: { metric: 'forecast', ...base } }}>{money(subject.expected)}</Num>
        </Kpi>
        <Kpi label={t('analytics.wonInPeriod')}>
          <Num spec={{ title: `${t('analytics.drill.won')} · ${w}`, params: { metric: 'won', ...base } }}>{money(subject.won_in_period)}</Num>
        </Kpi>
        <Kpi label={t('analytics.quota')} testid="kpi-quota"
          sub={quota.amount !== null ? t(QUOTA_BASIS[quota.basis] || 'analytics.quotaBasis.none') : t('analytics.noQuota')}>
          {quota.amount !== null ? (
            <span class="quota">
              <span>{money(quota.amount)}</span>
              {quota.attainment && <Rate r={quota.attainment} fmt={money}
                num={{ title: `${t('analytics.drill.won')} · ${w}`, params: { metric: 'won', ...base } }} />}
            </span>
          ) : '—'}
        </Kpi>
      </div>

      <Section id="fc-categories" title={t('analytics.categories')} hint={t('analytics.categoriesHint')}>
        <div class="tiles" data-testid="categories">
          {subject.categories.map((c) => {
            const spec = { title: `${t(`enum.forecast_category.${c.category}`)} · ${w}`, params: { metric: 'open', category: c.category, ...base } };
            return (
              <div class={`tile cat-${c.category}`} key={c.category} data-category={c.category}>
                <span class="tile-label">{t(`enum.forecast_category.${c.category}`)}</span>
                <span class="tile-value"><Num spec={spec}>{money(c.amount)}</Num></span>
                <span class="tile-sub">
                  {tParts('analytics.dealsN', { n: <Num spec={spec}>{formatNumber(c.count)}</Num>, count: c.count })}
                  {' · '}{t('analytics.inPeriodShort', { amount: money(c.in_period_amount), count: c.in_period_count })}
                </span>
              </div>
            );
          })}
        </div>
      </Section>
      <Section id="fc-stages" title={t('analytics.forecastByStage')} hint={t('analytics.forecastByStageHint', { days: d.window.days, min: d.window.min_sample })}>
        <div class="table-wrap">
          <table class="table table-compact" data-testid="forecast-stages">
            <thead><tr>
              <th scope="col">{t('field.stage')}</th><th scope="col" class="num">{t('analytics.open')}</th>
              <th scope="col" class="num">{t('analytics.openAmount')}</th>
              <th scope="col" class="num">{t('analytics.rateToWon')}</th><th scope="col">{t('analytics.rateSource')}</th>
              <th scope="col" class="num">{t('analytics.expected')}</th>
            </tr></thead>
            <tbody>
              {subject.stages.map((s) => {
                const source = s.source || (rep ? null : 'default');
                return (
                  <tr key={s.stage_id} data-stage={s.name}>
                    <th scope="row">{s.name}</th>
                    <td class="num">
                      <Num spec={{ title: `${t('analytics.drill.open')} · ${s.name} · ${w}`, params: { metric: 'open', stage_id: s.stage_id, ...base } }}>{formatNumber(s.open_count)}</Num>
                    </td>
                    <td class="num">
                      <Num spec={{ title: `${t('analytics.drill.open')} · ${s.name} · ${w}`, params: { metric: 'open', stage_id: s.stage_id, ...base } }}>{money(s.open_amount)}</Num>
                    </td>
                    <td class="num">{formatRate(s.probability)}</td>
                    <td class="nowrap">
                      {source && <span class={`badge source-${source}`}>{t(`enum.forecast_source.${source}`)}</span>}
                      {rep && <span class="badge source-rep" title={t('analytics.shrunkTitle', { k: d.window.shrinkage.k })}>{t('analytics.shrunk')}</span>}
                      {' '}
                      <span class="muted small">
                        {source === 'default'
                          ? t('analytics.defaultRate', { rate: formatRate(s.default_probability) })
                          : tParts('analytics.sample', {
                            n: <Num spec={{ title: `${t('analytics.drill.sample', { stage: s.name })} · ${w}`, params: { metric: 'rate_sample', stage_id: s.stage_id, ...base } }}>{formatNumber(s.sample.numerator)}</Num>,
                            m: formatNumber(s.sample.denominator),
                          })}
                      </span>
                    </td>
                    <td class="num">
                      <Num spec={{ title: `${t('analytics.drill.forecast')} · ${s.name} · ${w}`, params: { metric: 'forecast', stage_id: s.stage_id, ...base } }}>{money(s.expected)}</Num>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      </Section>

      {!single && d.reps.length > 0 && (
        <Section id="fc-reps" title={t('analytics.forecastByRep')}>
          <div class="table-wrap">
            <table class="table table-compact">
              <thead><tr>
                <th scope="col">{t('analytics.rep')}</th><th scope="col" class="num">{t('analytics.openAmount')}</th>
                <th scope="col" class="num">{t('analytics.forecastAll')}</th><th scope="col" class="num">{t('analytics.forecastPeriod')}</th>
                <th scope="col" class="num">{t('analytics.wonInPeriod')}</th><th scope="col" class="num">{t('analytics.quota')}</th>
                <th scope="col" class="num">{t('analytics.attainment')}</th>
              </tr></thead>
              <tbody>
                {d.reps.map((r) => {
                  const p = { owner_id: r.user_id };
                  return (
                    <tr key={r.user_id}>
                      <th scope="row">{r.name}</th>
                      <td class="num"><Num spec={{ title: `${t('analytics.drill.open')} · ${r.name}`, params: { metric: 'open', ...p } }}>{money(r.open_amount)}</Num></td>
                      <td class="num"><Num spec={{ title: `${t('analytics.drill.forecast')} · ${r.name}`, params: { metric: 'forecast', ...p } }}>{money(r.expected)}</Num></td>
                      <td class="num"><Num spec={{ title: `${t('analytics.drill.forecastInPeriod')} · ${r.name}`, params: { metric: 'forecast_in_period', ...p } }}>{money(r.in_period.expected)}</Num></td>
                      <td class="num"><Num spec={{ title: `${t('analytics.drill.won')} · ${r.name}`, params: { metric: 'won', ...p } }}>{money(r.won_in_period)}</Num></td>
                      <td class="num">{r.quota.amount !== null ? money(r.quota.amount) : '—'}</td>
                      <td class="num">{r.quota.attainment ? formatRate(r.quota.attainment.rate) : '—'}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        </Section>
      )}
    </>
  );
}
const QUOTA_BASIS = {
  team: 'analytics.quotaBasis.team', 'sum of members': 'analytics.quotaBasis.members', user: 'analytics.quotaBasis.user',
  none: 'analytics.quotaBasis.none',
};

/** "Q3 2026" or "Sep 2026" for a calibration period. */
function periodLabel(p, unit) {
  if (unit !== 'quarter') return formatDate(p.from, { month: 'short', year: 'numeric' });
  const [y, m] = p.from.split('-').map(Number);
  return t('analytics.quarterLabel', { year: y, q: Math.floor((m - 1) / 3) + 1 });
}

function Calibration({ d }) {
  const drill = useContext(Drill);
  const cur = d.currency;
  const money = (n) => formatMoney(n, cur, { whole: true });
  const label = (p) => periodLabel(p, d.unit);
  const spec = (p) => ({ title: `${t('analytics.drill.calibration')} · ${label(p)}`, params: { metric: 'calibration', period_start: p.from } });
  const chart = useMemo(() => ({
    categories: d.periods.map(label),
    axisLabel: (v) => formatMoney(v, cur, { compact: true }),
    series: [
      { name: t('analytics.forecastAtStart'), values: d.periods.map((p) => p.forecast), labels: d.periods.map((p) => money(p.forecast)), color: '#a5b4fc' },
      { name: t('analytics.actualWon'), values: d.periods.map((p) => p.actual), labels: d.periods.map((p) => money(p.actual)), color: '#4f46e5' },
    ],
  }), [d]);
  if (!d.periods.length) return <Empty>{t('analytics.noPeriods')}</Empty>;
  return (
    <>
      <Bars data={chart} label={t('analytics.calibrationChart')} onClick={(i) => drill(spec(d.periods[i]))} />
      <div class="table-wrap">
        <table class="table table-compact" data-testid="calibration">
          <thead><tr>
            <th scope="col">{t('analytics.periodCol')}</th><th scope="col" class="num">{t('analytics.dealsAtStart')}</th>
            <th scope="col" class="num">{t('analytics.forecastAtStart')}</th><th scope="col" class="num">{t('analytics.actualWon')}</th>
            <th scope="col" class="num">{t('analytics.wonDeals')}</th><th scope="col" class="num">{t('analytics.accuracy')}</th>
          </tr></thead>
          <tbody>
            {d.periods.map((p) => (
              <tr key={p.from}>
                <th scope="row" class="nowrap" title={`${formatDate(p.from)} – ${formatDate(p.to)}`}>{label(p)}</th>
                <td class="num"><Num spec={spec(p)}>{formatNumber(p.deals)}</Num></td>
                <td class="num"><Num spec={spec(p)}>{money(p.forecast)}</Num></td>
                <td class="num"><Num spec={spec(p)}>{money(p.actual)}</Num></td>
                <td class="num"><Num spec={spec(p)}>{formatNumber(p.won_deals)}</Num></td>
                <td class="num">{formatRate(p.accuracy.rate)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

// ---- cycle and velocity ----

function CycleTab({ scope }) {
  const cyc = useResource(() => api.get('/analytics/cycle', scope.params), [scope.key]);
  const vel = useResource(() => api.get('/analytics/velocity', scope.params), [scope.key]);
  const single = !!scope.params.owner_id;
  const both = { ...cyc, data: cyc.data && vel.data ? [cyc.data, vel.data] : undefined, error: cyc.error || vel.error };
  return (
    <Loaded res={both}>{([c, v]) => {
      const rep = single ? c.reps[0] : null;
      const cycle = rep ? rep.cycle : c.team.cycle;
      return (
      <>
        <div class="kpis">
          <Kpi label={t('analytics.avgCycle')} testid="kpi-cycle"
            sub={tParts('analytics.overWon', { n: <Num spec={{ title: `${t('analytics.drill.won')} · ${whose(rep)}`, params: { metric: 'won', ...repParams(rep, c) } }}>{formatNumber(cycle?.count ?? 0)}</Num> })}>
            {days(cycle)}
          </Kpi>
          <Kpi label={t('analytics.velocityForecast')} testid="kpi-velocity-forecast">{t('analytics.perDay', { amount: formatMoney(v.forecast_based.per_day, v.currency, { whole: true }) })}</Kpi>
          <Kpi label={t('analytics.velocityClassic')} testid="kpi-velocity-classic">{t('analytics.perDay', { amount: formatMoney(v.classic.per_day, v.currency, { whole: true }) })}</Kpi>
        </div>
        <Velocity d={v} />
        <Cycle d={c} />
      </>
      );
    }}</Loaded>
  );
}

function CycleTable({ title, rows, nameOf, specOf, testid }) {
  const max = Math.max(1, ...rows.map((r) => r.cycle.average_days || 0));
  return (
    <div class="table-wrap">
      <table class="table table-compact" data-testid={testid}>
        <thead><tr>
          <th scope="col">{title}</th><th scope="col" class="num">{t('analytics.wonDeals')}</th>
          <th scope="col" class="num">{t('analytics.avgCycle')}</th><th scope="col" class="bar-col"><span class="sr-only">{t('analytics.avgCycle')}</span></th>
        </tr></thead>
        <tbody>
          {rows.map((r, i) => (
            <tr key={i}>
              <th scope="row">{nameOf(r)}</th>
              <td class="num"><Num spec={specOf(r)}>{formatNumber(r.cycle.count)}</Num></td>
              <td class="num"><Num spec={specOf(r)}>{days(r.cycle)}</Num></td>
              <td class="bar-col"><meter min="0" max={max} value={r.cycle.average_days || 0} aria-hidden="true" /></td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Cycle({ d }) {
  const won = (title, extra) => ({ title: `${t('analytics.drill.won')} · ${title}`, params: { metric: 'won', ...extra } });
  return (
    <>
      <div class="grid-2">
        <Section id="cycle-reps" title={t('analytics.cycleByRep')} hint={t('analytics.cycleHint')}>
          {d.reps.length ? <CycleTable title={t('analytics.rep')} rows={d.reps} nameOf={(r) => r.name} testid="cycle-reps"
            specOf={(r) => won(r.name, { owner_id: r.user_id })} /> : <Empty>{t('analytics.noWon')}</Empty>}
        </Section>
        <Section id="cycle-products" title={t('analytics.cycleByProduct')} rep hint={t('analytics.cycleProductHint')}>
          {d.products.length ? <CycleTable title={t('lineItems.product')} rows={d.products} nameOf={(r) => r.name} testid="cycle-products"
            specOf={(r) => won(r.name, { product_id: r.product_id })} /> : <Empty>{t('analytics.noWon')}</Empty>}
        </Section>
      </div>
    </>
  );
}

function Velocity({ d }) {
  const cur = d.currency;
  const money = (n) => formatMoney(n, cur, { whole: true });
  const f = d.forecast_based, c = d.classic;
  const won = { title: t('analytics.drill.won'), params: { metric: 'won' } };
  return (
    <Section id="velocity" title={t('analytics.velocity')} rep hint={t('analytics.velocityHint')}>
      <div class="grid-2 velocity">
        <div class="velocity-card" data-testid="velocity-forecast">
          <h3 class="sub-title">{t('analytics.velocityForecast')}</h3>
          <p class="muted small">{t('analytics.velocityForecastHow')}</p>
          <div class="formula">
            <span class="term"><Num spec={{ title: t('analytics.drill.forecast'), params: { metric: 'forecast' } }}>{money(f.weighted_pipeline)}</Num><small>{t('analytics.weightedPipeline')}</small></span>
            <span class="op" aria-hidden="true">÷</span>
            <span class="term"><Num spec={won}>{days(f.cycle)}</Num><small>{t('analytics.avgCycle')}</small></span>
            <span class="op" aria-hidden="true">=</span>
            <span class="term result">{t('analytics.perDay', { amount: money(f.per_day) })}</span>
          </div>
        </div>
        <div class="velocity-card" data-testid="velocity-classic">
          <h3 class="sub-title">{t('analytics.velocityClassic')}</h3>
          <p class="muted small">{t('analytics.velocityClassicHow')}</p>
          <div class="formula">
            <span class="term"><Num spec={{ title: t('analytics.drill.open'), params: { metric: 'open' } }}>{formatNumber(c.open_deals)}</Num><small>{t('analytics.openDeals')}</small></span>
            <span class="op" aria-hidden="true">×</span>
            <span class="term"><Rate r={c.win_rate} compact num={won} den={{ title: t('analytics.drill.closed'), params: { metric: 'closed' } }} /><small>{t('analytics.winRate')}</small></span>
            <span class="op" aria-hidden="true">×</span>
            <span class="term"><Num spec={won}>{money(c.average_won_amount)}</Num><small>{t('analytics.avgWon')}</small></span>
            <span class="op" aria-hidden="true">÷</span>
            <span class="term"><Num spec={won}>{days(c.cycle)}</Num><small>{t('analytics.avgCycle')}</small></span>
            <span class="op" aria-hidden="true">=</span>
            <span class="term result">{t('analytics.perDay', { amount: money(c.per_day) })}</span>
          </div>
        </div>
      </div>
    </Section>
  );
}

// ---- sources and products ----

function SourcesTab({ scope }) {
  const src = useResource(() => api.get('/analytics/breakdown', { ...scope.params, by: 'source' }), [scope.key]);
  const prod = useResource(() => api.get('/analytics/breakdown', { ...scope.params, by: 'product' }), [scope.key]);
  return (
    <div class="grid-2">
      <Section id="by-source" title={t('analytics.bySource')} rep hint={t('analytics.bySourceHint')}>
        <Loaded res={src}>{(d) => <Breakdown d={d} testid="by-source" nameOf={(r) => r.source ?? t('analytics.noSource')} />}</Loaded>
      </Section>
      <Section id="by-product" title={t('analytics.byProduct')} rep hint={t('analytics.byProductHint')}>
        <Loaded res={prod}>{(d) => <Breakdown d={d} testid="by-product" nameOf={(r) => r.name} />}</Loaded>
      </Section>
    </div>
  );
}

/** A row's deals: the server says which parameters list them (deals_filter; source= empty for no source). */
function Breakdown({ d, nameOf, testid }) {
  if (!d.items.length) return <Empty>{t('analytics.noClosed')}</Empty>;
  const items = [...d.items].sort((a, b) => b.won + b.lost - (a.won + a.lost));
  const spec = (r, metric, title) => ({ title: `${title} · ${nameOf(r)}`, params: { metric, ...r.deals_filter } });
  return (
    <div class="table-wrap">
      <table class="table table-compact" data-testid={testid}>
        <thead><tr>
          <th scope="col">{testid === 'by-source' ? t('field.source') : t('lineItems.product')}</th>
          <th scope="col" class="num">{t('analytics.winRate')}</th>
          <th scope="col" class="num">{t('analytics.wonAmount')}</th>
          <th scope="col" class="num">{t('analytics.avgCycle')}</th>
        </tr></thead>
        <tbody>
          {items.map((r, i) => (
            <tr key={i}>
              <th scope="row">{nameOf(r)}</th>
              <td class="num"><Rate r={r.win_rate} compact num={spec(r, 'won', t('analytics.drill.won'))} den={spec(r, 'closed', t('analytics.drill.closed'))} /></td>
              <td class="num"><Num spec={spec(r, 'won', t('analytics.drill.won'))}>{formatMoney(r.won_amount, d.currency)}</Num></td>
              <td class="num"><Num spec={spec(r, 'won', t('analytics.drill.won'))}>{days(r.cycle)}</Num></td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

// ---- activity ----

const KIND_OF = { calls: 'call', emails: 'email', meetings: 'meeting' };

function ActivityTab({ scope }) {
  const res = useResource(() => api.get('/analytics/activity', scope.params), [scope.key]);
  const [metric, setMetric] = useState('calls');
  return (
    <Section id="activity" title={t('analytics.activity')} hint={t('analytics.activityHint')}
      action={(
        <div class="segmented" role="group" aria-label={t('analytics.activityMetric')}>
          {ENUMS.activity_metric.map((m) => (
            <button key={m} type="button" aria-pressed={metric === m ? 'true' : 'false'} onClick={() => setMetric(m)}>
              {t(`enum.activity_metric.${m}`)}
            </button>
          ))}
        </div>
      )}>
      <Loaded res={res}>{(d) => <ActivityTable d={d} metric={metric} />}</Loaded>
    </Section>
  );
}

function warningText(w) {
  return w.below.map((b) => (b === 'own_average'
    ? t('analytics.warnOwn', { value: formatNumber(w.value), avg: formatNumber(w.own_average, { maximumFractionDigits: 1 }) })
    : t('analytics.warnTeam', { value: formatNumber(w.value), median: formatNumber(w.team_median, { maximumFractionDigits: 1 }) }))).join(' ');
}

function ActivityTable({ d, metric }) {
  const today = isoDate();
  const weeks = d.team.weeks.filter((w) => w.from <= today);   // weeks still to come have nothing to show
  if (!weeks.length) return <Empty>{t('analytics.noActivity')}</Empty>;
  const kind = KIND_OF[metric];
  const weekLabel = (w) => formatDate(w.from, { month: 'numeric', day: 'numeric' });
  const flagged = d.reps.reduce((n, r) => n + r.weeks.filter((w) => w.warnings.some((x) => x.metric === metric)).length, 0);
  return (
    <>
      <p class="muted small">{flagged
        ? t('analytics.warningsCount', { count: flagged, metric: t(`enum.activity_metric.${metric}`) })
        : t('analytics.noWarnings')}</p>
      <div class="table-wrap">
        <table class="table table-compact heat" data-testid="activity">
          <thead><tr>
            <th scope="col">{t('analytics.rep')}</th>
            {weeks.map((w) => <th scope="col" class="num" key={w.week} title={w.week}>{t('analytics.weekOf', { date: weekLabel(w) })}</th>)}
          </tr></thead>
          <tbody>
            {d.reps.map((r) => {
              const byWeek = new Map(r.weeks.map((w) => [w.week, w]));
              return (
                <tr key={r.user_id} data-rep={r.name}>
                  <th scope="row">{r.name}</th>
                  {weeks.map((tw) => {
                    const w = byWeek.get(tw.week);
                    if (!w) return <td key={tw.week} class="num muted">—</td>;
                    const warn = w.warnings.find((x) => x.metric === metric);
                    const spec = { title: `${t(`enum.activity_metric.${metric}`)} · ${r.name} · ${tw.week}`, params: { metric: 'activities', kind, week: tw.week, owner_id: r.user_id } };
                    return (
                      <td key={tw.week} class={'num' + (warn ? ' warn' : '') + (w.complete ? '' : ' running')} title={warn ? warningText(warn) : undefined}>
                        {w[metric] ? <Num spec={spec}>{formatNumber(w[metric])}</Num> : <span class="num-text">{formatNumber(0)}</span>}
                        {warn && <span class="warn-mark" aria-hidden="true">⚠</span>}
                        {warn && <span class="sr-only">{warningText(warn)}</span>}
                        {metric === 'meetings' && w.first_meetings > 0 && (
                          <div class="small muted">
                            <Num spec={{ ...spec, params: { ...spec.params, kind: 'first_meeting' }, title: `${t('analytics.firstMeetings')} · ${r.name} · ${tw.week}` }}>
                              {t('analytics.firstN', { count: w.first_meetings })}
                            </Num>
                          </div>
                        )}
                      </td>
                    );
                  })}
                </tr>
              );
            })}
            <tr class="team-row">
              <th scope="row">{t('analytics.teamMedian')}</th>
              {weeks.map((w) => <td key={w.week} class="num">{formatNumber(w.median[metric], { maximumFractionDigits: 1 })}</td>)}
            </tr>
            {d.filters.owner_id === null && (   /* with one rep chosen, team.weeks counts that rep: their row above */
              <tr class="team-row">
                <th scope="row">{t('analytics.teamTotal')}</th>
                {weeks.map((w) => (
                  <td key={w.week} class="num">
                    <Num spec={{ title: `${t(`enum.activity_metric.${metric}`)} · ${t('analytics.team')} · ${w.week}`, params: { metric: 'activities', kind, week: w.week } }}>{formatNumber(w[metric])}</Num>
                  </td>
                ))}
              </tr>
            )}
          </tbody>
        </table>
      </div>
      <p class="legend"><span class="warn-mark" aria-hidden="true">⚠</span> {t('analytics.warnLegend')}</p>
    </>
  );
}

// ---- the page ----

/** The teams a manager may pick: their own and the ones below it (admins and ops: all). */
function teamChoices(user, teams) {
  if (user.role === 'admin' || user.role === 'ops') return teams;
  const roots = teams.filter((x) => x.id === user.team_id || x.manager_id === user.id).map((x) => x.id);
  const seen = new Set(roots);
  for (let grew = true; grew;) {
    grew = false;
    for (const x of teams) if (x.parent_id && seen.has(x.parent_id) && !seen.has(x.id)) { seen.add(x.id); grew = true; }
  }
  return teams.filter((x) => seen.has(x.id));
}

function Filters({ f, set, user, pipelines, teams, users }) {
  const managerish = isManagerish(user);
  const myTeams = teamChoices(user, teams);
  const teamIds = new Set(f.team ? teamChoices({ role: 'manager', team_id: Number(f.team) }, teams).map((x) => x.id) : myTeams.map((x) => x.id));
  const reps = users.filter((u) => (u.role === 'rep' || u.role === 'manager') && (user.role === 'admin' || user.role === 'ops' ? !f.team || teamIds.has(u.team_id) : teamIds.has(u.team_id)));
  return (
    <FilterForm active={['pipeline_id', 'team', 'owner_id', 'currency'].filter((k) => f[k]).length}>
      <div class="filter">
        <span id="period-label">{t('analytics.period')}</span>
        <div class="segmented" role="group" aria-labelledby="period-label">
          {PERIODS.map((p) => (
            <button key={p} type="button" aria-pressed={f.period === p ? 'true' : 'false'} onClick={() => set({ period: p })}>{t(PERIOD_LABEL[p])}</button>
          ))}
        </div>
      </div>
      {f.period === 'custom' && (
        <div class="filter filter-range" role="group" aria-label={t('analytics.period.custom')}>
          <span>{t('analytics.customRange')}</span>
          <div class="range">
            <input type="date" aria-label={t('filter.from')} value={f.from} onChange={(e) => set({ from: e.currentTarget.value })} />
            <span aria-hidden="true">–</span>
            <input type="date" aria-label={t('filter.to')} value={f.to} onChange={(e) => set({ to: e.currentTarget.value })} />
          </div>
        </div>
      )}
      {pipelines.length > 1 && (
        <SelectFilter name="pipeline_id" label={t('field.pipeline')} value={f.pipeline_id} onChange={(k, v) => set({ [k]: v })}
          options={pipelines.map((p) => ({ value: p.id, label: p.name }))} />
      )}
      {managerish && (
        <SelectFilter name="team" label={t('field.team')} value={f.team} onChange={(k, v) => set({ team: v, owner_id: '' })}
          all={user.role === 'manager' ? t('analytics.myTeam') : t('analytics.everyone')}
          options={myTeams.map((x) => ({ value: x.id, label: x.name }))} />
      )}
      {managerish && (
        <SelectFilter name="owner_id" label={t('analytics.rep')} value={f.owner_id} onChange={(k, v) => set({ [k]: v })}
          all={t('analytics.allReps')} options={reps.map((u) => ({ value: u.id, label: u.name }))} />
      )}
      <SelectFilter name="currency" label={t('field.currency')} value={f.currency} onChange={(k, v) => set({ [k]: v })}
        all={t('analytics.autoCurrency')} options={CURRENCIES.map((c) => ({ value: c, label: c }))} />
    </FilterForm>
  );
}

export default function Analytics({ user }) {
  const { query } = useRoute();
  const managerish = isManagerish(user);
  const pipelines = useLookup('pipelines');
  const teams = useLookup('teams');
  const users = useLookup('users');
  const [drill, setDrill] = useState(null);

  const q = (k) => query.get(k) || '';
  const period = PERIODS.includes(q('period')) ? q('period') : 'this_quarter';
  const [defFrom, defTo] = periodRange(period === 'custom' ? 'this_quarter' : period);
  const f = {
    period, tab: TABS.includes(q('tab')) ? q('tab') : 'conversion',
    from: period === 'custom' && validDate(q('from')) ? q('from') : defFrom,
    to: period === 'custom' && validDate(q('to')) ? q('to') : defTo,
    pipeline_id: q('pipeline_id'), team: managerish ? q('team') : '', owner_id: managerish ? q('owner_id') : '', currency: q('currency'),
  };
  const set = (changes) => {
    const next = { ...f, ...changes };
    if (changes.period && changes.period !== 'custom') { next.from = ''; next.to = ''; }
    if (changes.period === 'custom') { next.from = f.from; next.to = f.to; }
    setQuery({ ...next, period: next.period === 'this_quarter' ? '' : next.period, tab: next.tab === 'conversion' ? '' : next.tab });
  };
  // a rep's page is their own figures beside the team's
  const params = {
    from: f.from, to: f.to, pipeline_id: f.pipeline_id, team: f.team, currency: f.currency,
    owner_id: managerish ? f.owner_id : user.id,
  };
  const scope = { params, key: JSON.stringify(params) };
  const TabPage = { conversion: ConversionTab, forecast: ForecastTab, cycle: CycleTab, sources: SourcesTab, activity: ActivityTab }[f.tab];
  const base = { from: params.from, to: params.to, pipeline_id: params.pipeline_id, team: params.team, currency: params.currency, owner_id: params.owner_id };
  const repName = params.owner_id && users.find((u) => String(u.id) === String(params.owner_id))?.name;

  return (
    <Drill.Provider value={setDrill}>
      <Subject.Provider value={repName || null}>
      <div class="page page-analytics">
        <div class="page-head">
          <div>
            <h1>{managerish ? t('analytics.title') : t('analytics.myTitle')}</h1>
            <p class="page-sub">
              <span>{t('analytics.range', { from: formatDate(f.from), to: formatDate(f.to) })}</span>
              {repName && managerish && <span>{t('analytics.comparing', { name: repName })}</span>}
            </p>
          </div>
        </div>
        <Filters f={f} set={set} user={user} pipelines={pipelines} teams={teams} users={users} />
        <div class="tabs" role="tablist" aria-label={t('analytics.title')}>
          {TABS.map((tab) => (
            <button key={tab} type="button" role="tab" id={`tab-${tab}`} aria-selected={f.tab === tab ? 'true' : 'false'}
              aria-controls="analytics-panel" onClick={() => set({ tab })}>{t(TAB_LABEL[tab])}</button>
          ))}
        </div>
        <div id="analytics-panel" role="tabpanel" aria-labelledby={`tab-${f.tab}`}>
          <TabPage key={f.tab} scope={scope} />
        </div>
        {drill && <DealsDialog spec={drill} base={base} onClose={() => setDrill(null)} />}
      </div>
      </Subject.Provider>
    </Drill.Provider>
  );
}

