// BoardColumn: one stage of the pipeline board and its deal cards.
// A column renders its first cards at once and the rest as they scroll into
// view, so a board of thousands of deals opens fast. Cards are memoized: only
// the cards that change re-render.
import { useEffect, useRef, useState } from 'preact/hooks';
import { formatBp, formatMoney, formatNumber, formatShortDate, isoDate, t } from '../i18n/index.js';
import { memo } from '../memo.js';
import { daysSince } from '../model.js';
import { Link, navigate } from '../router.js';
import { Menu } from './Menu.jsx';

const FIRST = 16, STEP = 40;   // cards rendered at first, and per scroll step
/** The drag data type of a deal card (other drags, like text, are ignored by columns). */
export const DRAG_TYPE = 'application/x-cylinder-deal';

const Card = memo(function Card({ card, criteriaTotal, choices, onMove, onDragStart, today, isOpen }) {
  const days = daysSince(card.stage_entered_at);
  const late = isOpen && card.close_date && card.close_date < today;
  const items = choices.filter((s) => s.id !== card.stage_id).map((s) => ({ label: s.name, onSelect: () => onMove(card, s) }));
  // a click anywhere on the card opens the deal, as its title link does (the keyboard's way in)
  const open = (e) => { if (!e.target.closest('a, button, [role=menu]')) navigate(`/opportunities/${card.id}`); };
  return (
    <li class="card-slot">
      <article class={'deal-card' + (card.pending ? ' pending' : '')} draggable={card.pending ? 'false' : 'true'} data-id={card.id}
        aria-labelledby={`deal-${card.id}`} onDragStart={(e) => onDragStart(e, card)} onClick={open}>
        <div class="deal-top">
          <Link href={`/opportunities/${card.id}`} id={`deal-${card.id}`} class="deal-name" draggable={false}>{card.name}</Link>
          <Menu buttonClass="btn-icon deal-menu" label="⋯" buttonLabel={t('board.moveTo', { name: card.name })}
            title={t('board.moveToShort')} align="right" items={[{ separator: true, label: t('board.moveToShort') }, ...items]} />
        </div>
        {card.account_name && <div class="deal-account">{card.account_name}</div>}
        <div class="deal-row">
          <span class="deal-amount">{formatMoney(card.amount, card.currency)}</span>
          {card.close_date && (
            <span class={'deal-close' + (late ? ' overdue' : '')} title={t('board.closeDate')}>
              {formatShortDate(card.close_date)}
            </span>
          )}
        </div>
        <div class="deal-row deal-meta">
          <span class="deal-owner"><span class="avatar avatar-s" aria-hidden="true">{[...(card.owner_name || '?')][0]}</span>{card.owner_name}</span>
          <span title={t('board.daysInStageTitle')}>{t('board.days', { count: days })}</span>
          {criteriaTotal > 0 && (
            <span class={'deal-criteria' + (card.criteria_met >= criteriaTotal ? ' met' : '')} title={t('board.criteriaTitle')}>
              ✓ {card.criteria_met}/{criteriaTotal}
            </span>
          )}
        </div>
        {card.next_step && (
          <div class={'deal-next' + (card.next_step_overdue ? ' overdue' : '')}>
            <span aria-hidden="true">→ </span>{card.next_step}
            {card.next_step_overdue && <span class="sr-only"> ({t('common.overdue')})</span>}
            {card.next_step_due && <span class="muted"> · {formatShortDate(card.next_step_due)}</span>}
          </div>
        )}
      </article>
    </li>
  );
});

function Totals({ totals }) {
  if (!totals.length) return <span class="col-total">{formatMoney(0, 'CNY')}</span>;
  return totals.map((x) => <span key={x.currency} class="col-total">{formatMoney(x.amount, x.currency)}</span>);
}

export const Column = memo(function Column({ stage, choices, onMove, onDragStart, onDrop, closedDays }) {
  const [limit, setLimit] = useState(FIRST);
  const [over, setOver] = useState(false);
  const sentinel = useRef(null), scroller = useRef(null);
  const cards = stage.cards;
  const today = isoDate();

  useEffect(() => {
    if (!sentinel.current) return;
    const io = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting)) setLimit((l) => l + STEP);
    }, { root: scroller.current, rootMargin: '600px' });
    io.observe(sentinel.current);
    return () => io.disconnect();
  }, [limit, cards.length]);

  const dragOver = (e) => {
    if (!e.dataTransfer.types.includes(DRAG_TYPE)) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = 'move';
    if (!over) setOver(true);
  };
  const leave = (e) => { if (!e.currentTarget.contains(e.relatedTarget)) setOver(false); };
  const drop = (e) => {
    e.preventDefault();
    setOver(false);
    onDrop(stage);
  };

  const headId = `col-${stage.id}`;
  return (
    <section class={`column column-${stage.kind}` + (over ? ' drop-over' : '')} aria-labelledby={headId} data-stage={stage.name}
      onDragOver={dragOver} onDragLeave={leave} onDrop={drop}>
      <header class="column-head">
        <div class="column-title">
          <h2 id={headId}>{stage.name}</h2>
          <span class="count" aria-label={t('board.count', { count: stage.count })}>{formatNumber(stage.count)}</span>
        </div>
        <div class="column-sub">
          <Totals totals={stage.totals} />
          <span class="muted">{stage.kind === 'open' ? formatBp(stage.probability) : t('board.lastDays', { count: closedDays })}</span>
        </div>
      </header>
      <ol class="column-cards" ref={scroller}>
        {cards.slice(0, limit).map((c) => (
          <Card key={c.id} card={c} criteriaTotal={stage.criteria_total} choices={choices} onMove={onMove}
            onDragStart={onDragStart} today={today} isOpen={stage.kind === 'open'} />
        ))}
        {limit < cards.length && <li ref={sentinel} class="column-more" aria-hidden="true" />}
        {!cards.length && <li class="column-empty">{t('board.empty')}</li>}
      </ol>
    </section>
  );
});
