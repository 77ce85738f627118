// Contacts: the people at customer companies.
import { useState } from 'preact/hooks';
import { NewContact } from '../components/NewRecord.jsx';
import { ExportButtons, ImportButton } from '../components/Export.jsx';
import { RecordTable } from '../components/RecordTable.jsx';
import { t } from '../i18n/index.js';
import { Link, navigate } from '../router.js';
import { canEditDeals, importEntities } from '../session.js';

export default function Contacts({ user }) {
  const [creating, setCreating] = useState(false);
  const columns = [
    { key: 'name', label: t('field.name'), sort: 'name', render: (c) => <Link href={`/contacts/${c.id}`}>{c.name}</Link> },
    { key: 'title', label: t('field.jobTitle'), render: (c) => c.title },
    { key: 'account', label: t('field.account'), render: (c) => c.account_id && <Link href={`/accounts/${c.account_id}`}>{c.account_name}</Link> },
    { key: 'role', label: t('field.buyingRole'), render: (c) => c.buying_role && t(`enum.buying_role.${c.buying_role}`) },
    { key: 'email', label: t('field.email'), render: (c) => c.email },
    { key: 'phone', label: t('field.phone'), render: (c) => c.phone },
  ];
  return (
    <div class="page">
      <div class="page-head">
        <h1>{t('nav.contacts')}</h1>
        <div class="head-actions">
          {importEntities(user).includes('contacts') && <ImportButton entity="contacts" />}
          {canEditDeals(user) && <button type="button" class="btn btn-primary" onClick={() => setCreating(true)}>{t('contact.new')}</button>}
        </div>
      </div>
      <RecordTable entity="contacts" columns={columns} defaultSort="name" searchLabel={t('contact.search')}
        tools={(params) => <ExportButtons entity="contacts" params={params} />} />
      {creating && <NewContact user={user} onClose={() => setCreating(false)} onCreated={(c) => navigate(`/contacts/${c.id}`)} />}
    </div>
  );
}
