// Opportunity: one deal. Fields edit in place (PATCH with the version), the
// stage path moves it, and around it: line items, contacts, the exit-criteria
// checklist, activities, stage history and the audit trail.
import { useState } from 'preact/hooks';
import * as api from '../api.js';
import { ActivityPanel, PlaybookTasks } from '../components/Activity.jsx';
import { Criteria } from '../components/Criteria.jsx';
import { Editable } from '../components/Editable.jsx';
import { AuditTrail, StageHistory } from '../components/History.jsx';
import { LineItems } from '../components/LineItems.jsx';
import { useUserOptions } from '../components/Pickers.jsx';
import { ErrorNote, Loaded } from '../components/Status.jsx';
import { useStageMove } from '../components/StageMove.jsx';
import { useResource } from '../hooks.js';
import { formatBp, formatDate, formatMoney, t } from '../i18n/index.js';
import { stagesOf, useLookup } from '../lookups.js';
import { ENUMS, daysSince } from '../model.js';
import { useRecord } from '../record.js';
import { Link } from '../router.js';
import { canEditDeals } from '../session.js';

function StagePath({ opp, stages, onPick, disabled }) {
  return (
    <nav class="stage-path" aria-label={t('opportunity.stagePath')}>
      <ol>
        {stages.map((s) => {
          const current = s.id === opp.stage_id;
          const cls = `stage-step stage-${s.kind}` + (current ? ' current' : '') + (s.position < currentPos(opp, stages) && s.kind === 'open' ? ' passed' : '');
          return (
            <li key={s.id}>
              <button type="button" class={cls} aria-current={current ? 'step' : undefined} disabled={disabled || current}
                onClick={() => onPick(s)} title={current ? t('opportunity.currentStage') : t('opportunity.moveTo', { stage: s.name })}>
                {s.name}
              </button>
            </li>
          );
        })}
      </ol>
    </nav>
  );
}
const currentPos = (opp, stages) => stages.find((s) => s.id === opp.stage_id)?.position ?? 0;

function Contacts({ opp, canEdit, save }) {
  const res = useResource(() => (opp.account_id ? api.get('/contacts', { account_id: opp.account_id, limit: 100, sort: 'name' }) : { items: [] }), [opp.account_id]);
  const contacts = res.data?.items || [];
  const primary = contacts.find((c) => c.id === opp.contact_id);
  return (
    <section class="card" aria-labelledby="opp-contacts">
      <h2 id="opp-contacts" class="card-title">{t('opportunity.contacts')}</h2>
      <Editable label={t('field.primaryContact')} field="contact_id" kind="select" value={opp.contact_id}
        display={primary?.name} readOnly={!canEdit} onSave={(v) => save({ contact_id: v })}
        options={contacts.map((c) => ({ value: c.id, label: c.name }))} />
      {contacts.length > 0 && (
        <ul class="people">
          {contacts.map((c) => (
            <li key={c.id}>
              <Link href={`/contacts/${c.id}`}>{c.name}</Link>
              {c.id === opp.contact_id && <span class="badge">{t('opportunity.primary')}</span>}
              <div class="muted">{[c.title, c.buying_role && t(`enum.buying_role.${c.buying_role}`)].filter(Boolean).join(' · ')}</div>
            </li>
          ))}
        </ul>
      )}
      {opp.account_id && !contacts.length && !res.loading && <p class="muted">{t('opportunity.noContacts')}</p>}
    </section>
  );
}

function Page({ opp, rec, user }) {
  const allStages = useLookup('stages');
  const users = useUserOptions();
  const stages = stagesOf(allStages, opp.pipeline_id);
  const stage = stages.find((s) => s.id === opp.stage_id);
  const criteria = useResource(() => api.get(`/opportunities/${opp.id}/criteria`), [opp.id]);
  const [version, setVersion] = useState(0);   // bumps what depends on the deal's history
  const canEdit = canEditDeals(user);
  const save = rec.save;

  const mover = useStageMove({
    user,
    onMoved: (o) => { rec.setData(o); criteria.reload(); setVersion((v) => v + 1); },
    onRefused: () => {},
    onTicked: () => criteria.reload(),
  });
  const setCriteria = (items) => criteria.setData({ items });
  const reloadDeal = () => { rec.reload(); setVersion((v) => v + 1); };

  return (
    <div class="page page-record">
      <div class="crumbs">
        <Link href="/opportunities">{t('nav.opportunities')}</Link>
        {opp.account_id && <> / <Link href={`/accounts/${opp.account_id}`}>{opp.account_name}</Link></>}
      </div>
      <div class="record-head">
        <div>
          <h1>{opp.name}</h1>
          <div class="facts">
            <span class="fact-amount" data-testid="opp-amount">{formatMoney(opp.amount, opp.currency)}</span>
            {opp.close_date && <span>{t('opportunity.closes', { date: formatDate(opp.close_date) })}</span>}
            <span>{opp.owner_name}</span>
            {stage && <span class={'badge badge-' + stage.kind}>{stage.name} · {formatBp(stage.probability)}</span>}
            <span class="muted">{t('opportunity.inStage', { count: daysSince(opp.stage_entered_at) })}</span>
          </div>
        </div>
      </div>
      <StagePath opp={opp} stages={stages} disabled={!canEdit} onPick={(s) => mover.move(opp, s)} />
      <ErrorNote error={mover.error} />
      {opp.lost_reason && <div class="alert">{t('opportunity.lostBecause', { reason: opp.lost_reason })}</div>}

      <div class="record-grid">
        <div class="record-main">
          <section class="card" aria-labelledby="opp-details">
            <h2 id="opp-details" class="card-title">{t('opportunity.details')}</h2>
            <div class="fields">
              <Editable label={t('field.opportunityName')} field="name" value={opp.name} readOnly={!canEdit} onSave={(v) => save({ name: v })} />
              <Editable label={t('field.account')} field="account_id" kind="picker" entity="accounts" value={opp.account_id}
                display={opp.account_name} readOnly={!canEdit} onSave={(v) => save({ account_id: v, contact_id: null })} />
              <Editable label={t('field.owner')} field="owner_id" kind="select" value={opp.owner_id} options={users} required
                readOnly={!canEdit} onSave={(v) => save({ owner_id: v })} />
              <Editable label={t('field.closeDate')} field="close_date" kind="date" value={opp.close_date} readOnly={!canEdit}
                onSave={(v) => save({ close_date: v })} />
              <Editable label={t('field.amount')} field="amount" kind="money" currency={opp.currency} value={opp.amount}
                readOnly={!canEdit || opp.amount_from_items} hint={opp.amount_from_items ? t('opportunity.amountFromItems') : undefined}
                onSave={(v) => save({ amount: v ?? 0 })} />
              <Editable label={t('field.currency')} field="currency" value={opp.currency} readOnly />
              <Editable label={t('field.source')} field="source" value={opp.source} readOnly={!canEdit} onSave={(v) => save({ source: v })} />
              <Editable label={t('field.forecastCategory')} field="forecast_category" kind="select" value={opp.forecast_category} required
                options={ENUMS.forecast_category.map((c) => ({ value: c, label: t(`enum.forecast_category.${c}`) }))}
                readOnly={!canEdit || stage?.kind !== 'open'} hint={t('opportunity.forecastHint')}
                onSave={(v) => save({ forecast_category: v })} />
            </div>
          </section>

          <section class="card" aria-labelledby="opp-lines">
            <h2 id="opp-lines" class="card-title">{t('lineItems.title')}</h2>
            <LineItems opp={opp} canEdit={canEdit} onChanged={reloadDeal} />
          </section>

          <ActivityPanel context={{ opportunity_id: opp.id }} params={{ opportunity_id: opp.id }} />

          <section class="card" aria-labelledby="opp-history">
            <h2 id="opp-history" class="card-title">{t('history.title')}</h2>
            <StageHistory oppId={opp.id} version={version} />
          </section>

          <details class="card card-details">
            <summary><h2 class="card-title">{t('audit.title')}</h2></summary>
            <AuditTrail entity="opportunities" id={opp.id} version={opp.version} currency={opp.currency} criteria={criteria.data?.items} />
          </details>
        </div>

        <aside class="record-side">
          <section class="card" aria-labelledby="opp-criteria">
            <h2 id="opp-criteria" class="card-title">{t('criteria.title')}</h2>
            <Loaded res={criteria}>{(d) => <Criteria opp={opp} items={d.items} canEdit={canEdit} onChange={setCriteria} />}</Loaded>
          </section>
          <PlaybookTasks oppId={opp.id} version={version} />
          <Contacts opp={opp} canEdit={canEdit} save={save} />
        </aside>
      </div>
      {mover.dialog}
    </div>
  );
}

export default function Opportunity({ id, user }) {
  const rec = useRecord('opportunities', id);
  return <Loaded res={rec}>{(opp) => <Page opp={opp} rec={rec} user={user} />}</Loaded>;
}
