// Contact: a person at a customer, their deals and activities.
import * as api from '../api.js';
import { ActivityPanel } from '../components/Activity.jsx';
import { Editable } from '../components/Editable.jsx';
import { AuditTrail } from '../components/History.jsx';
import { Empty, Loaded } from '../components/Status.jsx';
import { useResource } from '../hooks.js';
import { formatMoney, t } from '../i18n/index.js';
import { ENUMS } from '../model.js';
import { useRecord } from '../record.js';
import { Link } from '../router.js';
import { canEditDeals } from '../session.js';

function Page({ c, rec, user }) {
  const canEdit = canEditDeals(user);
  const save = rec.save;
  const deals = useResource(() => api.get('/opportunities', { contact_id: c.id, limit: 50 }), [c.id]);
  const roles = ENUMS.buying_role.map((v) => ({ value: v, label: t(`enum.buying_role.${v}`) }));
  const context = { contact_id: c.id, ...(c.account_id ? { account_id: c.account_id } : {}) };
  return (
    <div class="page page-record">
      <div class="crumbs">
        <Link href="/contacts">{t('nav.contacts')}</Link>
        {c.account_id && <> / <Link href={`/accounts/${c.account_id}`}>{c.account_name}</Link></>}
      </div>
      <div class="record-head">
        <div>
          <h1>{c.name}</h1>
          <div class="facts">
            {c.title && <span>{c.title}</span>}
            {c.buying_role && <span class="badge">{t(`enum.buying_role.${c.buying_role}`)}</span>}
            {c.email && <a href={`mailto:${c.email}`}>{c.email}</a>}
            {c.phone && <a href={`tel:${c.phone}`}>{c.phone}</a>}
          </div>
        </div>
      </div>
      <div class="record-grid">
        <div class="record-main">
          <section class="card" aria-labelledby="c-deals">
            <h2 id="c-deals" class="card-title">{t('contact.opportunities')}</h2>
            <Loaded res={deals}>{(d) => (d.items.length ? (
              <ul class="people">
                {d.items.map((o) => (
                  <li key={o.id}>
                    <Link href={`/opportunities/${o.id}`}>{o.name}</Link>
                    <div class="muted">{o.stage_name} · {formatMoney(o.amount, o.currency)}</div>
                  </li>
                ))}
              </ul>
            ) : <Empty>{t('contact.noOpportunities')}</Empty>)}</Loaded>
          </section>
          <ActivityPanel context={context} params={{ contact_id: c.id }} />
          <details class="card card-details">
            <summary><h2 class="card-title">{t('audit.title')}</h2></summary>
            <AuditTrail entity="contacts" id={c.id} version={c.version} />
          </details>
        </div>
        <aside class="record-side">
          <section class="card" aria-labelledby="c-details">
            <h2 id="c-details" class="card-title">{t('contact.details')}</h2>
            <div class="fields fields-stack">
              <Editable label={t('field.name')} field="name" value={c.name} readOnly={!canEdit} onSave={(v) => save({ name: v })} />
              <Editable label={t('field.jobTitle')} field="title" value={c.title} readOnly={!canEdit} onSave={(v) => save({ title: v })} />
              <Editable label={t('field.buyingRole')} field="buying_role" kind="select" value={c.buying_role} options={roles}
                readOnly={!canEdit} onSave={(v) => save({ buying_role: v })} />
              <Editable label={t('field.email')} field="email" kind="email" value={c.email} readOnly={!canEdit} onSave={(v) => save({ email: v })} />
              <Editable label={t('field.phone')} field="phone" value={c.phone} readOnly={!canEdit} onSave={(v) => save({ phone: v })} />
              <Editable label={t('field.account')} field="account_id" kind="picker" entity="accounts" value={c.account_id}
                display={c.account_name} readOnly={!canEdit} onSave={(v) => save({ account_id: v })} />
            </div>
          </section>
        </aside>
      </div>
    </div>
  );
}

export default function Contact({ id, user }) {
  const rec = useRecord('contacts', id);
  return <Loaded res={rec}>{(c) => <Page c={c} rec={rec} user={user} />}</Loaded>;
}
