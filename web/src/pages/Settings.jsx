// Settings: my name, my language and my password.
import { useState } from 'preact/hooks';
import * as api from '../api.js';
import { Form, SelectField, TextField, useForm } from '../components/Form.jsx';
import { LOCALES, t } from '../i18n/index.js';
import { updateMe } from '../session.js';

function Profile({ user }) {
  const form = useForm({ name: user.name, locale: user.locale });
  const [saved, setSaved] = useState(false);
  const submit = async (v) => {
    setSaved(false);
    await updateMe({ name: v.name.trim(), locale: v.locale });
    setSaved(true);
  };
  return (
    <section class="card" aria-labelledby="profile-h">
      <h2 id="profile-h" class="card-title">{t('settings.profile')}</h2>
      <Form form={form} onSubmit={submit}>
        <p class="muted">{user.email} · {t(`enum.role.${user.role}`)}</p>
        <TextField form={form} name="name" label={t('field.name')} required />
        <SelectField form={form} name="locale" label={t('user.language')} options={LOCALES.map((l) => ({ value: l.code, label: l.name }))} />
        <div class="form-actions">
          <button type="submit" class="btn btn-primary" disabled={form.busy}>{t('common.save')}</button>
          {saved && <span class="ok" role="status">{t('common.saved')}</span>}
        </div>
      </Form>
    </section>
  );
}

function Password() {
  const form = useForm({ current: '', new: '' });
  const [saved, setSaved] = useState(false);
  const submit = async (v) => {
    setSaved(false);
    await api.post('/me/password', { current: v.current, new: v.new });
    form.setValues({ current: '', new: '' });
    setSaved(true);
  };
  return (
    <section class="card" aria-labelledby="pw-h">
      <h2 id="pw-h" class="card-title">{t('settings.password')}</h2>
      <Form form={form} onSubmit={submit}>
        <TextField form={form} name="current" type="password" label={t('settings.currentPassword')} autocomplete="current-password" required />
        <TextField form={form} name="new" type="password" label={t('settings.newPassword')} autocomplete="new-password" required />
        <div class="form-actions">
          <button type="submit" class="btn btn-primary" disabled={form.busy}>{t('settings.changePassword')}</button>
          {saved && <span class="ok" role="status">{t('settings.passwordChanged')}</span>}
        </div>
      </Form>
    </section>
  );
}

export default function Settings({ user }) {
  return (
    <div class="page page-narrow">
      <div class="page-head"><h1>{t('nav.profile')}</h1></div>
      <Profile user={user} />
      <Password />
    </div>
  );
}
