// Leads: everyone who may buy and is not a deal yet. Filters (status, owner,
// source, search) live in the URL, so a reload or a shared link shows the same
// list and the export takes the same filters. "New lead" goes through the same
// intake as the web form: the duplicate check, then the assignment rules.
import { useEffect, useState } from 'preact/hooks';
import * as api from '../api.js';
import { Dialog } from '../components/Dialog.jsx';
import { ExportButtons, ImportButton } from '../components/Export.jsx';
import { FilterForm, SelectFilter } from '../components/Filters.jsx';
import { Form, FormActions, SelectField, TextField, filled, useForm } from '../components/Form.jsx';
import { useUserOptions } from '../components/Pickers.jsx';
import { LoadMore, SortHeader } from '../components/RecordTable.jsx';
import { Empty, ErrorNote } from '../components/Status.jsx';
import { useDebounced, usePaged, useResource } from '../hooks.js';
import { formatDate, formatDateTime, t } from '../i18n/index.js';
import { ENUMS } from '../model.js';
import { Link, navigate, setQuery, useRoute } from '../router.js';
import { canCreateLeads, importEntities } from '../session.js';

const FILTERS = ['status', 'owner_id', 'source', 'q', 'sort'];

/** The badge of a lead's status; a duplicate says so plainly (it is the marker in lists). */
export const LeadStatus = ({ status }) => (
  <span class={`badge lead-${status}`}>{status === 'duplicate' && <span aria-hidden="true">⚠ </span>}{t(`enum.lead_status.${status}`)}</span>
);

export function NewLead({ onClose, onCreated }) {
  const users = useUserOptions();
  const form = useForm({
    name: '', company: '', email: '', phone: '', title: '', source: '', region: '', industry: '', company_size: '',
    notes: '', owner_id: null,
  });
  const submit = async (v) => onCreated(await api.post('/leads', filled(v)));
  return (
    <Dialog title={t('leads.new')} onClose={onClose} wide>
      <Form form={form} onSubmit={submit} class="form form-grid">
        <p class="muted span-2">{t('leads.newHint')}</p>
        <TextField form={form} name="name" label={t('field.name')} required autoFocus />
        <TextField form={form} name="company" label={t('field.company')} />
        <TextField form={form} name="email" type="email" label={t('field.email')} />
        <TextField form={form} name="phone" type="tel" label={t('field.phone')} />
        <TextField form={form} name="title" label={t('field.jobTitle')} />
        <TextField form={form} name="source" label={t('field.source')} />
        <TextField form={form} name="region" label={t('field.region')} />
        <TextField form={form} name="industry" label={t('field.industry')} />
        <TextField form={form} name="company_size" label={t('field.size')} placeholder="51-200" />
        <SelectField form={form} name="owner_id" label={t('field.owner')} options={users} numeric empty={t('leads.byRules')} />
        <TextField form={form} name="notes" label={t('activity.notes')} multiline className="span-2" />
        <FormActions form={form} onClose={onClose} />
      </Form>
    </Dialog>
  );
}

function FilterBar({ f, set, sources }) {
  const users = useUserOptions({ activeOnly: false });
  const [text, setText] = useState(f.q || '');
  const [source, setSource] = useState(f.source || '');
  const q = useDebounced(text.trim(), 250);
  const src = useDebounced(source.trim(), 400);
  useEffect(() => { if ((f.q || '') !== q) set('q', q); }, [q]);
  useEffect(() => { if ((f.source || '') !== src) set('source', src); }, [src]);
  const active = ['status', 'owner_id', 'source', 'q'].filter((k) => f[k]).length;
  return (
    <FilterForm active={active}>
      <label class="filter filter-grow">
        <span>{t('common.search')}</span>
        <input type="search" name="q" value={text} onInput={(e) => setText(e.currentTarget.value)} placeholder={t('leads.searchPlaceholder')} />
      </label>
      <SelectFilter name="status" label={t('leads.status')} value={f.status} onChange={set}
        options={ENUMS.lead_status.map((s) => ({ value: s, label: t(`enum.lead_status.${s}`) }))} />
      <SelectFilter name="owner_id" label={t('field.owner')} value={f.owner_id} onChange={set}
        options={[{ value: 'null', label: t('leads.unassigned') }, ...users]} />
      <label class="filter">
        <span>{t('field.source')}</span>
        <input type="text" name="source" list="lead-sources" value={source} onInput={(e) => setSource(e.currentTarget.value)}
          placeholder={t('common.all')} />
        <datalist id="lead-sources">{sources.map((s) => <option key={s} value={s} />)}</datalist>
      </label>
    </FilterForm>
  );
}

export default function Leads({ user }) {
  const { query } = useRoute();
  const f = Object.fromEntries(FILTERS.map((k) => [k, query.get(k) || '']));
  const sort = f.sort || '-id';
  const [creating, setCreating] = useState(false);
  const set = (k, v) => setQuery({ ...f, [k]: v });
  const params = { status: f.status, owner_id: f.owner_id, source: f.source, q: f.q };
  const list = usePaged((after) => api.get('/leads', { ...params, sort, limit: 50, after }), [JSON.stringify(params), sort]);
  const forms = useResource(() => api.get('/lead-forms', { limit: 200 }), []);
  const sources = [...new Set([...(forms.data?.items || []).map((x) => x.default_source), ...list.items.map((l) => l.source)].filter(Boolean))].sort();

  const columns = [
    { key: 'name', label: t('field.name'), sort: 'name', render: (l) => <Link href={`/leads/${l.id}`}>{l.name}</Link> },
    { key: 'company', label: t('field.company'), sort: 'company', render: (l) => l.company },
    { key: 'status', label: t('leads.status'), sort: 'status', render: (l) => <LeadStatus status={l.status} /> },
    { key: 'owner', label: t('field.owner'), sort: 'owner_id', render: (l) => l.owner_name || <span class="muted">{t('leads.unassigned')}</span> },
    { key: 'source', label: t('field.source'), render: (l) => l.source },
    { key: 'region', label: t('field.region'), sort: 'region', render: (l) => l.region },
    { key: 'created', label: t('leads.received'), sort: 'id', nowrap: true,
      render: (l) => <time dateTime={l.created_at} title={formatDateTime(l.created_at)}>{formatDate(l.created_at)}</time> },
  ];

  return (
    <div class="page">
      <div class="page-head">
        <h1>{t('nav.leads')}</h1>
        <div class="head-actions">
          <ExportButtons entity="leads" params={{ ...params, sort }} />
          {importEntities(user).includes('leads') && <ImportButton entity="leads" />}
          {canCreateLeads(user) && <button type="button" class="btn btn-primary" onClick={() => setCreating(true)}>{t('leads.new')}</button>}
        </div>
      </div>
      <FilterBar f={f} set={set} sources={sources} />
      <ErrorNote error={list.error} />
      <div class="table-wrap">
        <table class="table">
          <thead><tr>{columns.map((c) => <SortHeader key={c.key} col={c} sort={sort} onSort={(s) => set('sort', s)} />)}</tr></thead>
          <tbody>
            {list.items.map((l) => (
              <tr key={l.id} data-id={l.id}>
                {columns.map((c) => <td key={c.key} class={c.nowrap ? 'nowrap' : ''}>{c.render(l)}</td>)}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {!list.loading && !list.items.length && <Empty>{t('leads.none')}</Empty>}
      <LoadMore list={list} />
      {creating && <NewLead onClose={() => setCreating(false)} onCreated={(l) => navigate(`/leads/${l.id}`)} />}
    </div>
  );
}
