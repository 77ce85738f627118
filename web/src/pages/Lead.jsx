// Lead: one lead. Its fields edit in place; a duplicate says what it matched
// (with a link); the assignment log says who got it and why (and who was
// passed over); "Convert" makes or links the account and the contact and
// creates the opportunity in one go, then opens the new deal.
import { useState } from 'preact/hooks';
import * as api from '../api.js';
import { Dialog } from '../components/Dialog.jsx';
import { Editable } from '../components/Editable.jsx';
import { Form, SelectField, TextField, fieldError, useForm } from '../components/Form.jsx';
import { AuditTrail } from '../components/History.jsx';
import { PickerField, useUserOptions } from '../components/Pickers.jsx';
import { ErrorNote, Loaded } from '../components/Status.jsx';
import { useResource } from '../hooks.js';
import { formatDate, formatDateTime, parseMoney, t, tParts } from '../i18n/index.js';
import { useLookup } from '../lookups.js';
import { CURRENCIES, DEFAULT_CURRENCY } from '../model.js';
import { useRecord } from '../record.js';
import { Link, navigate } from '../router.js';
import { canEditDeals } from '../session.js';
import { LeadStatus } from './Leads.jsx';

const RECORD_PATH = { leads: '/leads/', contacts: '/contacts/', accounts: '/accounts/' };
const MATCH_TEXT = { leads: 'leads.sameAsLead', contacts: 'leads.sameAsContact', accounts: 'leads.sameAsAccount' };

/** "Possible duplicate: same email as the contact Li Ming", linked to it. */
function DuplicateNote({ lead }) {
  const entity = lead.duplicate_entity, id = lead.duplicate_id;
  const res = useResource(() => api.get(`/${entity}/${id}`), [entity, id]);
  const name = res.data?.name || (res.loading ? '…' : `#${id}`);
  const on = t(`enum.duplicate_on.${lead.duplicate_on || 'email'}`);
  const link = res.error ? <span>{name}</span> : <Link href={RECORD_PATH[entity] + id}>{name}</Link>;
  return (
    <div class="alert alert-dup" role="note" data-testid="duplicate-note">
      <strong>{t('leads.duplicateTitle')}</strong>{' '}
      {tParts(MATCH_TEXT[entity] || 'leads.sameAsLead', { on, name: link })}
      {res.data?.owner_name && <span class="muted"> · {t('leads.ownedBy', { name: res.data.owner_name })}</span>}
    </div>
  );
}

function ConvertedNote({ lead }) {
  return (
    <div class="alert alert-ok" role="note">
      <strong>{t('leads.convertedOn', { date: formatDate(lead.converted_at) })}</strong>
      <span class="converted-links">
        {lead.opportunity_id && <Link href={`/opportunities/${lead.opportunity_id}`}>{t('activity.openDeal')}</Link>}
        {lead.account_id && <Link href={`/accounts/${lead.account_id}`}>{t('activity.openAccount')}</Link>}
        {lead.contact_id && <Link href={`/contacts/${lead.contact_id}`}>{t('activity.openContact')}</Link>}
      </span>
    </div>
  );
}

/** A server reason for passing someone over, in the user's language where it is one of the known ones. */
function skipWhy(why) {
  if (why === 'away') return t('leads.skipAway');
  if (/^at capacity/.test(why)) return t('leads.skipCapacity');
  if (/^matched, but/.test(why)) return t('leads.skipNobody');
  return why;
}

function LogEntry({ a, rules }) {
  const rule = a.rule_name || '';
  const user = a.user_name || '';
  const text = {
    duplicate: t('leads.log.duplicate', { user }),
    direct: t('leads.log.direct', { rule, user }),
    round_robin: t('leads.log.roundRobin', { rule, user }),
    balanced: t('leads.log.balanced', { rule, user }),
    manual: a.user_id ? t('leads.log.manual', { user }) : t('leads.log.unassigned'),
    none: t('leads.log.none'),
  }[a.method] || a.reason;
  return (
    <li class="log-item">
      <div class="log-head">
        <span class="badge">{t(`enum.assignment_log.${a.method}`)}</span>
        <time class="muted" dateTime={a.at}>{formatDateTime(a.at)}</time>
      </div>
      <p class="log-text" title={a.reason}>{text}</p>
      {a.skipped.length > 0 && (
        <ul class="log-skipped" aria-label={t('leads.passedOver')}>
          {a.skipped.map((s, i) => (
            <li key={i}>
              {s.name || t('leads.ruleNamed', { name: rules.find((r) => r.id === s.rule_id)?.name || `#${s.rule_id}` })}
              {': '}{skipWhy(s.why)}
            </li>
          ))}
        </ul>
      )}
      <div class="muted log-actor">{a.actor_name ? t('leads.byActor', { name: a.actor_name }) : t('leads.byForm')}</div>
    </li>
  );
}

function AssignmentLog({ lead }) {
  const res = useResource(() => api.get(`/leads/${lead.id}/assignments`), [lead.id, lead.owner_id, lead.version]);
  const rules = useResource(() => api.getAll('/assignment-rules'), []);
  return (
    <Loaded res={res}>{(d) => (d.items.length
      ? <ol class="log" reversed>{[...d.items].reverse().map((a) => <LogEntry key={a.id} a={a} rules={rules.data || []} />)}</ol>
      : <p class="muted">{t('leads.noLog')}</p>)}</Loaded>
  );
}

/** The form's name of a field of the new deal: the server names its errors "opportunity.<field>". */
const opp = (field) => 'opportunity.' + field;

function ConvertDialog({ lead, onClose }) {
  const pipelines = useLookup('pipelines');
  const form = useForm({
    account_mode: 'auto', account_id: null, contact_mode: 'auto', contact_id: null,
    [opp('name')]: '', [opp('pipeline_id')]: null, [opp('currency')]: DEFAULT_CURRENCY,
    [opp('amount')]: '', [opp('close_date')]: '', [opp('source')]: lead.source || '',
  });
  const v = form.values;
  const submit = async (values) => {
    const opportunity = {};
    for (const k of ['name', 'close_date', 'source']) if (values[opp(k)].trim()) opportunity[k] = values[opp(k)].trim();
    if (values[opp('pipeline_id')]) opportunity.pipeline_id = values[opp('pipeline_id')];
    opportunity.currency = values[opp('currency')];
    if (values[opp('amount')].trim()) {
      const amount = parseMoney(values[opp('amount')], opportunity.currency);
      if (Number.isNaN(amount)) throw fieldError(opp('amount'), t('error.number'));
      opportunity.amount = amount;
    }
    const body = { opportunity };
    if (values.account_mode === 'link') {
      if (!values.account_id) throw fieldError('account_id', t('error.required'));
      body.account_id = values.account_id;
    }
    if (values.contact_mode === 'link') {
      if (!values.contact_id) throw fieldError('contact_id', t('error.required'));
      body.contact_id = values.contact_id;
    }
    const done = await api.post(`/leads/${lead.id}/convert`, body);
    navigate(`/opportunities/${done.opportunity.id}`);
  };
  const radio = (name, value, label) => (
    <label class="check">
      <input type="radio" name={name} value={value} checked={v[name] === value} onChange={() => form.set(name, value)} />
      {label}
    </label>
  );
  return (
    <Dialog title={t('leads.convertTitle', { name: lead.name })} onClose={onClose} wide>
      <Form form={form} onSubmit={submit} class="form">
        <fieldset class="fieldset">
          <legend>{t('field.account')}</legend>
          {radio('account_mode', 'auto', lead.company ? t('leads.accountAuto', { company: lead.company }) : t('leads.accountNone'))}
          {radio('account_mode', 'link', t('leads.accountLink'))}
          {v.account_mode === 'link' && (
            <PickerField form={form} name="account_id" entity="accounts" label={t('leads.chooseAccount')} />
          )}
        </fieldset>
        <fieldset class="fieldset">
          <legend>{t('field.contact')}</legend>
          {radio('contact_mode', 'auto', t('leads.contactAuto', { name: lead.name }))}
          {radio('contact_mode', 'link', t('leads.contactLink'))}
          {v.contact_mode === 'link' && (
            <PickerField form={form} name="contact_id" entity="contacts" label={t('leads.chooseContact')}
              params={v.account_mode === 'link' && v.account_id ? { account_id: v.account_id } : undefined} />
          )}
        </fieldset>
        <fieldset class="fieldset form-grid">
          <legend>{t('opportunity.new')}</legend>
          <TextField form={form} name={opp('name')} label={t('field.opportunityName')} className="span-2"
            placeholder={lead.company || lead.name} />
          {pipelines.length > 1 && (
            <SelectField form={form} name={opp('pipeline_id')} label={t('field.pipeline')} numeric empty={t('opportunity.defaultPipeline')}
              options={pipelines.map((p) => ({ value: p.id, label: p.name }))} />
          )}
          <TextField form={form} name={opp('amount')} label={t('field.amount')} inputMode="decimal" />
          <SelectField form={form} name={opp('currency')} label={t('field.currency')} options={CURRENCIES.map((c) => ({ value: c, label: c }))} />
          <TextField form={form} name={opp('close_date')} type="date" label={t('field.closeDate')} />
          <TextField form={form} name={opp('source')} label={t('field.source')} />
        </fieldset>
        <p class="muted">{t('leads.convertOwner', { name: lead.owner_name || '—' })}</p>
        <div class="form-actions">
          <button type="submit" class="btn btn-primary" disabled={form.busy}>{t('leads.convertButton')}</button>
          <button type="button" class="btn" onClick={onClose}>{t('common.cancel')}</button>
        </div>
      </Form>
    </Dialog>
  );
}

function DisqualifyDialog({ lead, save, onClose }) {
  const form = useForm({ disqualified_reason: '' });
  const submit = async (v) => {
    await save({ status: 'disqualified', disqualified_reason: v.disqualified_reason.trim() || null });
    onClose();
  };
  return (
    <Dialog title={t('leads.disqualifyTitle', { name: lead.name })} onClose={onClose}>
      <Form form={form} onSubmit={submit}>
        <TextField form={form} name="disqualified_reason" label={t('leads.disqualifyReason')} multiline autoFocus />
        <div class="form-actions">
          <button type="submit" class="btn btn-danger" disabled={form.busy}>{t('leads.disqualify')}</button>
          <button type="button" class="btn" onClick={onClose}>{t('common.cancel')}</button>
        </div>
      </Form>
    </Dialog>
  );
}

function Page({ lead, rec, user }) {
  const users = useUserOptions();
  const [dialog, setDialog] = useState(null);
  const [error, setError] = useState(null);
  const save = rec.save;
  const closed = lead.status === 'converted';
  const canEdit = canEditDeals(user) && !closed;
  const field = (name, label, kind) => (
    <Editable label={label} field={name} kind={kind} value={lead[name]} readOnly={!canEdit} onSave={(v) => save({ [name]: v })} />
  );
  const reopen = async () => {
    setError(null);
    try { await save({ status: lead.owner_id ? 'assigned' : 'new', disqualified_reason: null }); } catch (err) { setError(err); }
  };
  const canConvert = canEdit && lead.owner_id && lead.status !== 'disqualified';

  return (
    <div class="page page-record">
      <div class="crumbs"><Link href="/leads">{t('nav.leads')}</Link></div>
      <div class="record-head">
        <div>
          <h1>{lead.name}</h1>
          <div class="facts">
            <LeadStatus status={lead.status} />
            {lead.company && <span>{lead.company}</span>}
            <span>{lead.owner_name || t('leads.unassigned')}</span>
            <span class="muted">{t('leads.receivedVia', { date: formatDate(lead.created_at), intake: t(`enum.lead_intake.${lead.intake}`) })}</span>
          </div>
        </div>
        {canEdit && (
          <div class="head-actions">
            {lead.status === 'disqualified'
              ? <button type="button" class="btn" onClick={reopen}>{t('leads.reopen')}</button>
              : <button type="button" class="btn" onClick={() => setDialog('disqualify')}>{t('leads.disqualify')}</button>}
            <button type="button" class="btn btn-primary" disabled={!canConvert} onClick={() => setDialog('convert')}
              title={canConvert ? undefined : t('leads.convertNeedsOwner')}>{t('leads.convert')}</button>
          </div>
        )}
      </div>
      <ErrorNote error={error} />
      {lead.duplicate_id && <DuplicateNote lead={lead} />}
      {closed && <ConvertedNote lead={lead} />}
      {lead.status === 'disqualified' && (
        <div class="alert">{lead.disqualified_reason ? t('leads.disqualifiedBecause', { reason: lead.disqualified_reason }) : t('enum.lead_status.disqualified')}</div>
      )}

      <div class="record-grid">
        <div class="record-main">
          <section class="card" aria-labelledby="lead-details">
            <h2 id="lead-details" class="card-title">{t('leads.details')}</h2>
            <div class="fields">
              {field('name', t('field.name'))}
              {field('company', t('field.company'))}
              {field('email', t('field.email'), 'email')}
              {field('phone', t('field.phone'))}
              {field('title', t('field.jobTitle'))}
              {field('source', t('field.source'))}
              {field('region', t('field.region'))}
              {field('industry', t('field.industry'))}
              {field('company_size', t('field.size'))}
            </div>
            {field('notes', t('activity.notes'), 'textarea')}
          </section>
          <details class="card card-details">
            <summary><h2 class="card-title">{t('audit.title')}</h2></summary>
            <AuditTrail entity="leads" id={lead.id} version={lead.version} />
          </details>
        </div>
        <aside class="record-side">
          <section class="card" aria-labelledby="lead-assign">
            <h2 id="lead-assign" class="card-title">{t('leads.assignment')}</h2>
            <Editable label={t('field.owner')} field="owner_id" kind="select" value={lead.owner_id} options={users}
              display={lead.owner_name || undefined} readOnly={!canEdit} onSave={(v) => save({ owner_id: v })} />
            {lead.assigned_at && <p class="muted">{t('leads.assignedAt', { date: formatDateTime(lead.assigned_at) })}</p>}
            <h3 class="sub-title">{t('leads.log')}</h3>
            <AssignmentLog lead={lead} />
          </section>
        </aside>
      </div>
      {dialog === 'convert' && <ConvertDialog lead={lead} onClose={() => setDialog(null)} />}
      {dialog === 'disqualify' && <DisqualifyDialog lead={lead} save={save} onClose={() => setDialog(null)} />}
    </div>
  );
}

export default function Lead({ id, user }) {
  const rec = useRecord('leads', id);
  return <Loaded res={rec}>{(lead) => <Page lead={lead} rec={rec} user={user} />}</Loaded>;
}
