// Admin · Users: who can log in, their role, team and language; new users
// get a password here, and a user can be deactivated (their sessions end).
// Away and capacity steer lead assignment: the rules pass over a rep who is
// away or whose open leads and deals have reached their capacity.
import { useState } from 'preact/hooks';
import * as api from '../../api.js';
import { CellInput } from '../../components/CellInput.jsx';
import { Dialog } from '../../components/Dialog.jsx';
import { ExportButtons, ImportButton } from '../../components/Export.jsx';
import { Form, FormActions, SelectField, TextField, useForm } from '../../components/Form.jsx';
import { useTeamOptions } from '../../components/Pickers.jsx';
import { LoadMore } from '../../components/RecordTable.jsx';
import { ErrorNote, errorText } from '../../components/Status.jsx';
import { usePaged } from '../../hooks.js';
import { LOCALES, reasonText, t } from '../../i18n/index.js';
import { invalidate } from '../../lookups.js';
import { ENUMS } from '../../model.js';

const roleOptions = () => ENUMS.role.map((r) => ({ value: r, label: t(`enum.role.${r}`) }));
const localeOptions = LOCALES.map((l) => ({ value: l.code, label: l.name }));

function NewUser({ onClose, onCreated }) {
  const teams = useTeamOptions();
  const form = useForm({ email: '', name: '', role: 'rep', team_id: null, locale: 'zh-CN', password: '' });
  const submit = async (v) => {
    const body = { ...v, email: v.email.trim(), name: v.name.trim() };
    if (body.team_id === null) delete body.team_id;
    onCreated(await api.post('/users', body));
  };
  return (
    <Dialog title={t('users.new')} onClose={onClose}>
      <Form form={form} onSubmit={submit} class="form form-grid">
        <TextField form={form} name="email" type="email" label={t('field.email')} required autoFocus />
        <TextField form={form} name="name" label={t('field.name')} required />
        <SelectField form={form} name="role" label={t('field.role')} options={roleOptions()} />
        <SelectField form={form} name="team_id" label={t('field.team')} options={teams} numeric empty={t('common.none')} />
        <SelectField form={form} name="locale" label={t('user.language')} options={localeOptions} />
        <TextField form={form} name="password" type="password" label={t('users.password')} autocomplete="new-password" required />
        <FormActions form={form} onClose={onClose} />
      </Form>
    </Dialog>
  );
}

function SetPassword({ user, onClose }) {
  const form = useForm({ password: '' });
  const submit = async (v) => { await api.post(`/users/${user.id}/password`, { password: v.password }); onClose(); };
  return (
    <Dialog title={t('users.setPasswordFor', { name: user.name })} onClose={onClose}>
      <Form form={form} onSubmit={submit}>
        <TextField form={form} name="password" type="password" label={t('settings.newPassword')} autocomplete="new-password" required autoFocus />
        <div class="form-actions">
          <button type="submit" class="btn btn-primary" disabled={form.busy}>{t('common.save')}</button>
          <button type="button" class="btn" onClick={onClose}>{t('common.cancel')}</button>
        </div>
      </Form>
    </Dialog>
  );
}

function UserRow({ u, me, teams, onChange }) {
  const [error, setError] = useState(null);
  /** true when saved; a refusal is shown in the row */
  const patch = async (changes) => {
    setError(null);
    try { onChange(await api.patch(`/users/${u.id}`, changes, u.version)); invalidate('users'); return true; } catch (err) {
      setError(reasonText(err.fieldErrors[Object.keys(changes)[0]]) || errorText(err));
      return false;
    }
  };
  const deactivate = async () => {
    setError(null);
    try { await api.del(`/users/${u.id}`); onChange({ ...u, active: false, version: u.version + 1 }); invalidate('users'); } catch (err) { setError(errorText(err)); }
  };
  const [pw, setPw] = useState(false);
  return (
    <tr class={u.active === false ? 'inactive' : ''}>
      <th scope="row">{u.name}<div class="muted">{u.email}</div>{error && <p class="field-error">{error}</p>}</th>
      <td>
        <select aria-label={t('users.roleOf', { name: u.name })} value={u.role} onChange={(e) => patch({ role: e.currentTarget.value })}>
          {roleOptions().map((o) => <option key={o.value} value={o.value}>{o.label}</option>)}
        </select>
      </td>
      <td>
        <select aria-label={t('users.teamOf', { name: u.name })} value={u.team_id ?? ''}
          onChange={(e) => patch({ team_id: e.currentTarget.value ? Number(e.currentTarget.value) : null })}>
          <option value="">{t('common.none')}</option>
          {teams.map((o) => <option key={o.value} value={o.value}>{o.label}</option>)}
        </select>
      </td>
      <td>{LOCALES.find((l) => l.code === u.locale)?.name}</td>
      <td>
        <span class="check">
          <input type="checkbox" checked={!!u.away} aria-label={t('users.awayOf', { name: u.name })}
            onChange={(e) => patch({ away: e.currentTarget.checked })} />
          {u.away && <span class="badge badge-away" aria-hidden="true">{t('users.away')}</span>}
        </span>
      </td>
      <td>
        <CellInput key={`cap${u.version}`} value={u.capacity === null || u.capacity === undefined ? '' : String(u.capacity)}
          inputMode="numeric" class="input-days" placeholder={t('users.noLimit')} label={t('users.capacityOf', { name: u.name })}
          onSave={(v) => {
            const n = v === '' ? null : /^\d+$/.test(v) ? Number(v) : v;
            return patch({ capacity: n }).then((ok) => { if (!ok) throw new Error('refused'); });
          }} />
      </td>
      <td>{u.active === false ? <span class="badge badge-lost">{t('users.inactive')}</span> : <span class="badge badge-won">{t('users.active')}</span>}</td>
      <td class="row-actions">
        <button type="button" class="btn btn-small btn-quiet" onClick={() => setPw(true)}>{t('users.setPassword')}</button>
        {u.id === me.id ? null : u.active !== false
          ? <button type="button" class="btn btn-small btn-quiet" onClick={deactivate}>{t('users.deactivate')}</button>
          : <button type="button" class="btn btn-small btn-quiet" onClick={() => patch({ active: true })}>{t('users.reactivate')}</button>}
        {pw && <SetPassword user={u} onClose={() => setPw(false)} />}
      </td>
    </tr>
  );
}

export default function Users({ user }) {
  const teams = useTeamOptions();
  const [creating, setCreating] = useState(false);
  const list = usePaged((after) => api.get('/users', { sort: 'name', limit: 100, after }), []);
  const replace = (u) => list.setItems((items) => items.map((x) => (x.id === u.id ? u : x)));
  return (
    <div class="page">
      <div class="page-head">
        <h1>{t('nav.users')}</h1>
        <div class="head-actions">
          <ExportButtons entity="users" params={{ sort: 'name' }} />
          <ImportButton entity="users" />
          <button type="button" class="btn btn-primary" onClick={() => setCreating(true)}>{t('users.new')}</button>
        </div>
      </div>
      <ErrorNote error={list.error} />
      <div class="table-wrap">
        <table class="table users-table">
          <thead><tr>
            <th scope="col">{t('field.name')}</th><th scope="col">{t('field.role')}</th><th scope="col">{t('field.team')}</th>
            <th scope="col">{t('user.language')}</th>
            <th scope="col" title={t('users.awayTitle')}>{t('users.away')}</th>
            <th scope="col" title={t('users.capacityTitle')}>{t('users.capacity')}</th>
            <th scope="col">{t('users.status')}</th><th scope="col"><span class="sr-only">{t('common.actions')}</span></th>
          </tr></thead>
          <tbody>{list.items.map((u) => <UserRow key={u.id} u={u} me={user} teams={teams} onChange={replace} />)}</tbody>
        </table>
      </div>
      <LoadMore list={list} />
      {creating && <NewUser onClose={() => setCreating(false)}
        onCreated={(u) => { setCreating(false); invalidate('users'); list.setItems((items) => [u, ...items]); }} />}
    </div>
  );
}
