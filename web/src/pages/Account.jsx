// Account: a customer company with its contacts, deals, activities, and its
// place in a group (parent and child accounts).
import { useState } from 'preact/hooks';
import * as api from '../api.js';
import { ActivityPanel } from '../components/Activity.jsx';
import { Editable } from '../components/Editable.jsx';
import { AuditTrail } from '../components/History.jsx';
import { NewAccount, NewContact, NewOpportunity } from '../components/NewRecord.jsx';
import { useUserOptions } from '../components/Pickers.jsx';
import { Empty, Loaded } from '../components/Status.jsx';
import { useResource } from '../hooks.js';
import { formatDate, formatMoney, t } from '../i18n/index.js';
import { useRecord } from '../record.js';
import { Link, navigate } from '../router.js';
import { canEditDeals } from '../session.js';

function Related({ title, id, action, res, render, empty }) {
  return (
    <section class="card" aria-labelledby={id}>
      <div class="card-head">
        <h2 id={id} class="card-title">{title}</h2>
        {action}
      </div>
      <Loaded res={res}>{(d) => (d.items.length ? render(d.items) : <Empty>{empty}</Empty>)}</Loaded>
    </section>
  );
}

function Page({ acc, rec, user }) {
  const users = useUserOptions();
  const canEdit = canEditDeals(user);
  const save = rec.save;
  const [dialog, setDialog] = useState(null);
  const contacts = useResource(() => api.get('/contacts', { account_id: acc.id, limit: 100, sort: 'name' }), [acc.id]);
  const deals = useResource(() => api.get('/opportunities', { account_id: acc.id, limit: 100, sort: '-close_date' }), [acc.id]);
  const children = useResource(() => api.get('/accounts', { parent_id: acc.id, limit: 100, sort: 'name' }), [acc.id]);
  const addButton = (kind, label) => canEdit && (
    <button type="button" class="btn btn-small" onClick={() => setDialog(kind)}>{label}</button>
  );

  return (
    <div class="page page-record">
      <div class="crumbs">
        <Link href="/accounts">{t('nav.accounts')}</Link>
        {acc.parent_id && <> / <Link href={`/accounts/${acc.parent_id}`}>{acc.parent_name}</Link></>}
      </div>
      <div class="record-head">
        <div>
          <h1>{acc.name}</h1>
          <div class="facts">
            {acc.industry && <span>{acc.industry}</span>}
            {acc.region && <span>{acc.region}</span>}
            <span>{acc.owner_name}</span>
          </div>
        </div>
      </div>
      <div class="record-grid">
        <div class="record-main">
          <Related title={t('account.opportunities')} id="acc-deals" res={deals} empty={t('account.noOpportunities')}
            action={addButton('opp', t('opportunity.new'))}
            render={(items) => (
              <div class="table-wrap">
                <table class="table">
                  <thead><tr><th scope="col">{t('field.name')}</th><th scope="col">{t('field.stage')}</th>
                    <th scope="col" class="num">{t('field.amount')}</th><th scope="col">{t('field.closeDate')}</th><th scope="col">{t('field.owner')}</th></tr></thead>
                  <tbody>
                    {items.map((o) => (
                      <tr key={o.id}>
                        <td><Link href={`/opportunities/${o.id}`}>{o.name}</Link></td>
                        <td><span class={'badge badge-' + o.stage_kind}>{o.stage_name}</span></td>
                        <td class="num">{formatMoney(o.amount, o.currency)}</td>
                        <td class="nowrap">{formatDate(o.close_date)}</td>
                        <td>{o.owner_name}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )} />
          <ActivityPanel context={{ account_id: acc.id }} params={{ account_id: acc.id }} />
          <details class="card card-details">
            <summary><h2 class="card-title">{t('audit.title')}</h2></summary>
            <AuditTrail entity="accounts" id={acc.id} version={acc.version} />
          </details>
        </div>
        <aside class="record-side">
          <section class="card" aria-labelledby="acc-details">
            <h2 id="acc-details" class="card-title">{t('account.details')}</h2>
            <div class="fields fields-stack">
              <Editable label={t('field.name')} field="name" value={acc.name} readOnly={!canEdit} onSave={(v) => save({ name: v })} />
              <Editable label={t('field.industry')} field="industry" value={acc.industry} readOnly={!canEdit} onSave={(v) => save({ industry: v })} />
              <Editable label={t('field.region')} field="region" value={acc.region} readOnly={!canEdit} onSave={(v) => save({ region: v })} />
              <Editable label={t('field.size')} field="size" value={acc.size} readOnly={!canEdit} onSave={(v) => save({ size: v })} />
              <Editable label={t('field.website')} field="website" value={acc.website} readOnly={!canEdit} onSave={(v) => save({ website: v })} />
              <Editable label={t('field.owner')} field="owner_id" kind="select" value={acc.owner_id} options={users} required
                readOnly={!canEdit} onSave={(v) => save({ owner_id: v })} />
              <Editable label={t('field.parentAccount')} field="parent_id" kind="picker" entity="accounts" value={acc.parent_id}
                display={acc.parent_name} readOnly={!canEdit} onSave={(v) => save({ parent_id: v })} />
            </div>
          </section>
          <Related title={t('account.contacts')} id="acc-contacts" res={contacts} empty={t('account.noContacts')}
            action={addButton('contact', t('contact.new'))}
            render={(items) => (
              <ul class="people">
                {items.map((c) => (
                  <li key={c.id}>
                    <Link href={`/contacts/${c.id}`}>{c.name}</Link>
                    <div class="muted">{[c.title, c.buying_role && t(`enum.buying_role.${c.buying_role}`)].filter(Boolean).join(' · ')}</div>
                  </li>
                ))}
              </ul>
            )} />
          <Related title={t('account.children')} id="acc-children" res={children} empty={t('account.noChildren')}
            action={addButton('child', t('account.newChild'))}
            render={(items) => (
              <ul class="people">{items.map((a) => <li key={a.id}><Link href={`/accounts/${a.id}`}>{a.name}</Link></li>)}</ul>
            )} />
        </aside>
      </div>
      {dialog === 'opp' && <NewOpportunity user={user} account={acc} onClose={() => setDialog(null)}
        onCreated={(o) => navigate(`/opportunities/${o.id}`)} />}
      {dialog === 'contact' && <NewContact user={user} account={acc} onClose={() => setDialog(null)}
        onCreated={() => { setDialog(null); contacts.reload(); }} />}
      {dialog === 'child' && <NewAccount user={user} parent={acc} onClose={() => setDialog(null)}
        onCreated={() => { setDialog(null); children.reload(); }} />}
    </div>
  );
}

export default function Account({ id, user }) {
  const rec = useRecord('accounts', id);
  return <Loaded res={rec}>{(acc) => <Page acc={acc} rec={rec} user={user} />}</Loaded>;
}
