// RecordTable: a searchable, sortable list of records with "load more"
// (cursor paging), used by the account and contact lists.
import { useState } from 'preact/hooks';
import * as api from '../api.js';
import { useDebounced, usePaged } from '../hooks.js';
import { t } from '../i18n/index.js';
import { Empty, ErrorNote } from './Status.jsx';

/** Header cell that sorts by its field: click once ascending, again descending. */
export function SortHeader({ col, sort, onSort }) {
  if (!col.sort) return <th scope="col" class={col.num ? 'num' : ''}>{col.label}</th>;
  const dir = sort === col.sort ? 'ascending' : sort === '-' + col.sort ? 'descending' : 'none';
  const next = dir === 'ascending' ? '-' + col.sort : col.sort;
  return (
    <th scope="col" class={col.num ? 'num' : ''} aria-sort={dir}>
      <button type="button" class="sort" onClick={() => onSort(next)}>
        {col.label}<span class="sort-mark" aria-hidden="true">{dir === 'ascending' ? ' ▲' : dir === 'descending' ? ' ▼' : ''}</span>
      </button>
    </th>
  );
}

export function LoadMore({ list }) {
  if (!list.next) return null;
  return (
    <div class="load-more">
      <button type="button" class="btn" disabled={list.loading} onClick={list.more}>{t('common.loadMore')}</button>
    </div>
  );
}

/** columns: [{key, label, render(row), sort?, num?}]; tools({q, sort}) renders the toolbar's buttons
 * (an export with the list's current search and sort). */
export function RecordTable({ entity, columns, defaultSort, searchLabel, params = {}, tools }) {
  const [text, setText] = useState('');
  const [sort, setSort] = useState(defaultSort);
  const q = useDebounced(text.trim(), 250);
  const list = usePaged((after) => api.get('/' + entity, { ...params, q: q || undefined, sort, limit: 50, after }), [entity, q, sort]);
  return (
    <div class="record-table">
      <div class="toolbar">
        <input type="search" class="toolbar-search" aria-label={searchLabel} placeholder={searchLabel} value={text}
          onInput={(e) => setText(e.currentTarget.value)} />
        {tools && <div class="head-actions">{tools({ ...params, q: q || undefined, sort })}</div>}
      </div>
      <ErrorNote error={list.error} />
      <div class="table-wrap">
        <table class="table">
          <thead><tr>{columns.map((c) => <SortHeader key={c.key} col={c} sort={sort} onSort={setSort} />)}</tr></thead>
          <tbody>
            {list.items.map((row) => (
              <tr key={row.id}>{columns.map((c) => <td key={c.key} class={c.num ? 'num' : ''}>{c.render(row)}</td>)}</tr>
            ))}
          </tbody>
        </table>
      </div>
      {!list.loading && !list.items.length && <Empty>{t('common.noResults')}</Empty>}
      <LoadMore list={list} />
    </div>
  );
}
