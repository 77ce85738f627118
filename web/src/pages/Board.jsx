// Board: the pipeline as columns of deal cards. Drag a card to another column,
// or use its "Move to" menu from the keyboard. Filters live in the URL.
import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import * as api from '../api.js';
import { Column, DRAG_TYPE } from '../components/BoardColumn.jsx';
import { NewOpportunity } from '../components/NewRecord.jsx';
import { DealFilters, FilterForm, SelectFilter } from '../components/Filters.jsx';
import { ErrorNote, Spinner } from '../components/Status.jsx';
import { useStageMove } from '../components/StageMove.jsx';
import { useResource } from '../hooks.js';
import { formatMoney, formatNumber, t } from '../i18n/index.js';
import { useLookup } from '../lookups.js';
import { navigate, setQuery, useRoute } from '../router.js';

const FILTERS = ['pipeline_id', 'owner_id', 'team', 'close_date_from', 'close_date_to', 'amount_min', 'amount_max'];

/** The board's filters as they are in a URL's query string. */
const queryOf = (params) => Object.fromEntries(FILTERS.map((k) => [k, params.get(k) || '']));

/** The board as the server sends it, each card told which stage it is in. */
async function loadBoard(query) {
  const board = await api.get('/board', query);
  for (const s of board.stages) for (const c of s.cards) c.stage_id = s.id;
  return board;
}

// A first load of /board asks for the board at once, alongside the session,
// rather than after the app has started (see main.jsx); the page takes it over.
let early = null;
export function prefetchBoard() {
  const query = queryOf(new URLSearchParams(location.search));
  const promise = loadBoard(query);
  promise.catch(() => {});
  early = { key: JSON.stringify(query), promise };
}
function boardFor(query) {
  const key = JSON.stringify(query);
  const hit = early && early.key === key ? early.promise : null;
  early = null;
  return hit || loadBoard(query);
}

/** Take a card out of its column, or put one in at the top, keeping count and totals right. */
function withoutCard(col, id) {
  const card = col.cards.find((c) => c.id === id);
  if (!card) return [col, null];
  const totals = col.totals.map((x) => (x.currency === card.currency ? { ...x, amount: x.amount - card.amount } : x))
    .filter((x) => x.amount !== 0 || x.currency !== card.currency);
  return [{ ...col, cards: col.cards.filter((c) => c !== card), count: col.count - 1, totals }, card];
}
function withCard(col, card) {
  const has = col.totals.some((x) => x.currency === card.currency);
  const totals = has ? col.totals.map((x) => (x.currency === card.currency ? { ...x, amount: x.amount + card.amount } : x))
    : [...col.totals, { currency: card.currency, amount: card.amount }];
  return { ...col, cards: [card, ...col.cards], count: col.count + 1, totals };
}

function Filters({ query, onChange, pipelines }) {
  const set = (k, v) => onChange({ ...query, [k]: v });
  const active = FILTERS.filter((k) => k !== 'pipeline_id' && query[k]).length;
  return (
    <FilterForm active={active}>
      {pipelines.length > 1 && (
        <SelectFilter name="pipeline_id" label={t('field.pipeline')} value={query.pipeline_id} onChange={set} all={null}
          options={pipelines.map((p) => ({ value: p.id, label: p.name }))} />
      )}
      <DealFilters values={query} onChange={set} />
      {active > 0 && (
        <button type="button" class="btn btn-quiet" onClick={() => onChange({ pipeline_id: query.pipeline_id })}>{t('filter.clear')}</button>
      )}
    </FilterForm>
  );
}

export default function Board({ user }) {
  const route = useRoute();
  const query = useMemo(() => queryOf(route.query), [route.query]);
  const pipelines = useLookup('pipelines');
  const res = useResource(() => boardFor(query), [JSON.stringify(query)]);
  const [creating, setCreating] = useState(false);
  const dragged = useRef(null);
  const origin = useRef(new Map());   // card id -> {card, stageId} before an optimistic move
  const board = res.data;

  // User Timing mark for bench/board-load.mjs: effects run after the browser has painted
  useEffect(() => {
    if (board && !performance.getEntriesByName('board-cards-rendered').length) performance.mark('board-cards-rendered');
  }, [board]);

  const place = useCallback((id, stageId, changes) => res.setData((d) => {
    let card = null;
    const stages = d.stages.map((col) => {
      if (card) return col;
      const [rest, found] = withoutCard(col, id);
      card = found;
      return found ? rest : col;
    });
    if (!card) return d;
    const moved = { ...card, ...changes, stage_id: stageId };
    return { ...d, stages: stages.map((col) => (col.id === stageId ? withCard(col, moved) : col)) };
  }), []);

  const refreshCriteria = (id, stageId) =>
    api.get(`/opportunities/${id}/criteria`).then((r) => {
      const met = r.items.filter((c) => c.stage_id === stageId && c.required && c.met).length;
      res.setData((d) => ({ ...d, stages: d.stages.map((col) => (col.id !== stageId ? col
        : { ...col, cards: col.cards.map((c) => (c.id === id ? { ...c, criteria_met: met } : c)) })) }));
    }, () => {});

  const mover = useStageMove({
    user,
    onMoved: (opp, stage) => {
      origin.current.delete(opp.id);
      place(opp.id, stage.id, { pending: false, version: opp.version, stage_entered_at: opp.stage_entered_at, amount: opp.amount, criteria_met: 0 });
      refreshCriteria(opp.id, stage.id);
    },
    onRefused: (opp) => {
      const o = origin.current.get(opp.id);
      origin.current.delete(opp.id);
      if (o) place(opp.id, o.stageId, { ...o.card, pending: false });
    },
    onTicked: (opp) => refreshCriteria(opp.id, opp.stage_id),
  });
  const moveRef = useRef(mover.move);
  moveRef.current = mover.move;

  // stable callbacks and choices, so the memoized columns and cards skip re-rendering
  const onMove = useCallback((card, stage) => {
    if (card.stage_id === stage.id) return;
    if (stage.kind !== 'lost') {
      origin.current.set(card.id, { card, stageId: card.stage_id });
      place(card.id, stage.id, { pending: true, stage_entered_at: new Date().toISOString(), criteria_met: 0 });
    }
    moveRef.current(card, stage);
  }, [place]);
  const onDragStart = useCallback((e, card) => {
    dragged.current = card;
    e.dataTransfer.effectAllowed = 'move';
    e.dataTransfer.setData(DRAG_TYPE, String(card.id));
    e.dataTransfer.setData('text/plain', card.name);
  }, []);
  const onDrop = useCallback((stage) => {
    const card = dragged.current;
    dragged.current = null;
    if (card) onMove(card, stage);
  }, [onMove]);

  const stageKey = board ? board.stages.map((s) => `${s.id}:${s.name}:${s.kind}`).join('|') : '';
  const choices = useMemo(() => (board ? board.stages.map(({ id, name, kind }) => ({ id, name, kind })) : []), [stageKey]);

  const open = board ? board.stages.filter((s) => s.kind === 'open') : [];
  const openCount = open.reduce((n, s) => n + s.count, 0);
  const openTotals = {};
  for (const s of open) for (const x of s.totals) openTotals[x.currency] = (openTotals[x.currency] || 0) + x.amount;

  return (
    <div class="page page-board">
      <div class="page-head">
        <div>
          <h1>{t('board.title')}</h1>
          {board && (
            <p class="page-sub">
              {t('board.summary', { count: formatNumber(openCount) })}
              {Object.entries(openTotals).map(([c, a]) => <span key={c} class="sum">{formatMoney(a, c)}</span>)}
            </p>
          )}
        </div>
        <button type="button" class="btn btn-primary" onClick={() => setCreating(true)}>{t('opportunity.new')}</button>
      </div>
      <Filters query={query} pipelines={pipelines} onChange={(q) => setQuery(q)} />
      <ErrorNote error={res.error || mover.error} />
      {board?.truncated && <div class="alert">{t('board.truncated')}</div>}
      {!board && !res.error && <Spinner />}
      {board && (
        <div class="board" data-ready="true" aria-describedby="board-help">
          <p id="board-help" class="sr-only">{t('board.help')}</p>
          {board.stages.map((s) => (
            <Column key={s.id} stage={s} choices={choices} onMove={onMove} onDragStart={onDragStart} onDrop={onDrop}
              closedDays={board.closed_days} />
          ))}
        </div>
      )}
      {mover.dialog}
      {creating && (
        <NewOpportunity user={user} onClose={() => setCreating(false)} onCreated={(o) => navigate(`/opportunities/${o.id}`)} />
      )}
    </div>
  );
}
