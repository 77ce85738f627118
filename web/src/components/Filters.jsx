// Filters: the deal filters the board and the deal list share (owner, team,
// close-date range, amount range). Values are the API's query parameters;
// amounts are typed in major units and kept in minor units.
import { useId, useState } from 'preact/hooks';
import { moneyText, parseMoney, t } from '../i18n/index.js';
import { DEFAULT_CURRENCY } from '../model.js';
import { useTeamOptions, useUserOptions } from './Pickers.jsx';

/** The filter bar: always shown on wide screens, behind a "Filters" button on phones. */
export function FilterForm({ active, children }) {
  const [open, setOpen] = useState(false);
  const id = useId();
  return (
    <>
      <button type="button" class="btn filters-toggle" aria-expanded={open ? 'true' : 'false'} aria-controls={id}
        onClick={() => setOpen(!open)}>
        {t('board.filters')}{active ? ` (${active})` : ''}
      </button>
      <form id={id} class={'filters' + (open ? ' open' : '')} aria-label={t('board.filters')} onSubmit={(e) => e.preventDefault()}>
        {children}
      </form>
    </>
  );
}

/** A labelled <select> filter; "" means no filter. */
export function SelectFilter({ name, label, value, options, onChange, all = t('common.all') }) {
  return (
    <label class="filter">
      <span>{label}</span>
      <select name={name} value={value || ''} onChange={(e) => onChange(name, e.currentTarget.value)}>
        {all && <option value="">{all}</option>}
        {options.map((o) => <option key={o.value} value={o.value}>{o.label}</option>)}
      </select>
    </label>
  );
}

function Range({ label, children }) {
  const id = useId();
  return (
    <div class="filter filter-range" role="group" aria-labelledby={id}>
      <span id={id}>{label}</span>
      <div class="range">{children}</div>
    </div>
  );
}

/** values: {owner_id, team, close_date_from, close_date_to, amount_min, amount_max}; onChange(name, value) */
export function DealFilters({ values, onChange }) {
  const users = useUserOptions();
  const teams = useTeamOptions();
  const cur = DEFAULT_CURRENCY;
  const date = (name, label) => (
    <input type="date" name={name} aria-label={label} value={values[name] || ''} onChange={(e) => onChange(name, e.currentTarget.value)} />
  );
  const money = (name, label) => (
    <input type="text" inputMode="decimal" name={name} aria-label={label} placeholder={label}
      value={moneyText(values[name] ? Number(values[name]) : null, cur)}
      onChange={(e) => {
        const raw = e.currentTarget.value.trim();
        const v = raw ? parseMoney(raw, cur) : '';
        if (!Number.isNaN(v)) onChange(name, v === '' ? '' : String(v));
      }} />
  );
  return (
    <>
      <SelectFilter name="owner_id" label={t('field.owner')} value={values.owner_id} options={users} onChange={onChange} />
      <SelectFilter name="team" label={t('field.team')} value={values.team} options={teams} onChange={onChange} />
      <Range label={t('field.closeDate')}>
        {date('close_date_from', t('filter.from'))}<span aria-hidden="true">–</span>{date('close_date_to', t('filter.to'))}
      </Range>
      <Range label={`${t('field.amount')} (${cur})`}>
        {money('amount_min', t('filter.min'))}<span aria-hidden="true">–</span>{money('amount_max', t('filter.max'))}
      </Range>
    </>
  );
}
