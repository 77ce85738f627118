// Accounts: the list of customer companies.
import { useState } from 'preact/hooks';
import { NewAccount } from '../components/NewRecord.jsx';
import { ExportButtons, ImportButton } from '../components/Export.jsx';
import { RecordTable } from '../components/RecordTable.jsx';
import { t } from '../i18n/index.js';
import { Link, navigate } from '../router.js';
import { canEditDeals, importEntities } from '../session.js';

export default function Accounts({ user }) {
  const [creating, setCreating] = useState(false);
  const columns = [
    { key: 'name', label: t('field.name'), sort: 'name', render: (a) => <Link href={`/accounts/${a.id}`}>{a.name}</Link> },
    { key: 'industry', label: t('field.industry'), sort: 'industry', render: (a) => a.industry },
    { key: 'region', label: t('field.region'), sort: 'region', render: (a) => a.region },
    { key: 'parent', label: t('field.parentAccount'), render: (a) => a.parent_name },
    { key: 'owner', label: t('field.owner'), render: (a) => a.owner_name },
  ];
  return (
    <div class="page">
      <div class="page-head">
        <h1>{t('nav.accounts')}</h1>
        <div class="head-actions">
          {importEntities(user).includes('accounts') && <ImportButton entity="accounts" />}
          {canEditDeals(user) && <button type="button" class="btn btn-primary" onClick={() => setCreating(true)}>{t('account.new')}</button>}
        </div>
      </div>
      <RecordTable entity="accounts" columns={columns} defaultSort="name" searchLabel={t('account.search')}
        tools={(params) => <ExportButtons entity="accounts" params={params} />} />
      {creating && <NewAccount user={user} onClose={() => setCreating(false)} onCreated={(a) => navigate(`/accounts/${a.id}`)} />}
    </div>
  );
}
