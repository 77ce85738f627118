// NewRecord: the dialogs that create an account, a contact or an opportunity.
// Each sends only what was filled in and lets the server fill the defaults
// (owner = me, default pipeline, first open stage, CNY).
import { useEffect, useState } from 'preact/hooks';
import * as api from '../api.js';
import { parseMoney, t } from '../i18n/index.js';
import { useLookup } from '../lookups.js';
import { CURRENCIES, DEFAULT_CURRENCY, ENUMS } from '../model.js';
import { Dialog } from './Dialog.jsx';
import { Form, FormActions, SelectField, TextField, fieldError, filled, useForm } from './Form.jsx';
import { PickerField, useUserOptions } from './Pickers.jsx';

export function NewAccount({ user, parent, onClose, onCreated }) {
  const users = useUserOptions();
  const form = useForm({ name: '', industry: '', region: '', size: '', website: '', owner_id: user.id, parent_id: parent?.id ?? null });
  const submit = async (v) => onCreated(await api.post('/accounts', filled(v)));
  return (
    <Dialog title={t('account.new')} onClose={onClose}>
      <Form form={form} onSubmit={submit} class="form form-grid">
        <TextField form={form} name="name" label={t('field.name')} required autoFocus className="span-2" />
        <TextField form={form} name="industry" label={t('field.industry')} />
        <TextField form={form} name="region" label={t('field.region')} />
        <TextField form={form} name="size" label={t('field.size')} />
        <TextField form={form} name="website" label={t('field.website')} inputMode="url" />
        <SelectField form={form} name="owner_id" label={t('field.owner')} options={users} numeric required />
        <PickerField form={form} name="parent_id" entity="accounts" label={t('field.parentAccount')} labelOf={parent?.name} />
        <FormActions form={form} onClose={onClose} />
      </Form>
    </Dialog>
  );
}

export function NewContact({ user, account, onClose, onCreated }) {
  const form = useForm({ name: '', title: '', email: '', phone: '', buying_role: null, account_id: account?.id ?? null, owner_id: user.id });
  const submit = async (v) => onCreated(await api.post('/contacts', filled(v)));
  return (
    <Dialog title={t('contact.new')} onClose={onClose}>
      <Form form={form} onSubmit={submit} class="form form-grid">
        <TextField form={form} name="name" label={t('field.name')} required autoFocus />
        <TextField form={form} name="title" label={t('field.jobTitle')} />
        <TextField form={form} name="email" type="email" label={t('field.email')} />
        <TextField form={form} name="phone" type="tel" label={t('field.phone')} />
        <SelectField form={form} name="buying_role" label={t('field.buyingRole')} options={ENUMS.buying_role.map((v) => ({ value: v, label: t(`enum.buying_role.${v}`) }))} empty={t('common.none')} />
        <PickerField form={form} name="account_id" entity="accounts" label={t('field.account')} labelOf={account?.name} />
        <FormActions form={form} onClose={onClose} />
      </Form>
    </Dialog>
  );
}

export function NewOpportunity({ user, account, onClose, onCreated }) {
  const users = useUserOptions();
  const pipelines = useLookup('pipelines');
  const [contacts, setContacts] = useState([]);
  const form = useForm({
    name: '', account_id: account?.id ?? null, contact_id: null, owner_id: user.id, pipeline_id: null,
    close_date: '', currency: DEFAULT_CURRENCY, amount: '', source: '',
  });
  const accountId = form.values.account_id;
  useEffect(() => {
    setContacts([]);
    if (!accountId) return;
    api.get('/contacts', { account_id: accountId, limit: 200, sort: 'name' }).then((p) => setContacts(p.items), () => {});
  }, [accountId]);

  const submit = async (v) => {
    const body = filled({ ...v, amount: null });
    if (v.amount.trim()) {
      const amount = parseMoney(v.amount, v.currency);
      if (Number.isNaN(amount)) throw fieldError('amount', t('error.number'));
      body.amount = amount;
    }
    onCreated(await api.post('/opportunities', body));
  };
  return (
    <Dialog title={t('opportunity.new')} onClose={onClose} wide>
      <Form form={form} onSubmit={submit} class="form form-grid">
        <TextField form={form} name="name" label={t('field.opportunityName')} required autoFocus className="span-2" />
        <PickerField form={form} name="account_id" entity="accounts" label={t('field.account')} labelOf={account?.name}
          onPick={() => form.set('contact_id', null)} />
        <SelectField form={form} name="contact_id" label={t('field.primaryContact')} numeric empty={t('common.none')}
          options={contacts.map((c) => ({ value: c.id, label: c.title ? `${c.name} · ${c.title}` : c.name }))} />
        <SelectField form={form} name="owner_id" label={t('field.owner')} options={users} numeric required />
        <TextField form={form} name="close_date" type="date" label={t('field.closeDate')} />
        {pipelines.length > 1 && (
          <SelectField form={form} name="pipeline_id" label={t('field.pipeline')} numeric empty={t('opportunity.defaultPipeline')}
            options={pipelines.map((p) => ({ value: p.id, label: p.name }))} />
        )}
        <SelectField form={form} name="currency" label={t('field.currency')} options={CURRENCIES.map((c) => ({ value: c, label: c }))} />
        <TextField form={form} name="amount" label={t('field.amount')} inputMode="decimal" hint={t('opportunity.amountHint')} />
        <TextField form={form} name="source" label={t('field.source')} />
        <FormActions form={form} onClose={onClose} />
      </Form>
    </Dialog>
  );
}
