// Admin · Teams: the team tree and who manages each team (a manager sees the
// deals of their team and every team under it).
import { useState } from 'preact/hooks';
import * as api from '../../api.js';
import { Dialog } from '../../components/Dialog.jsx';
import { Form, FormActions, SelectField, TextField, useForm } from '../../components/Form.jsx';
import { useUserOptions } from '../../components/Pickers.jsx';
import { ErrorNote, errorText } from '../../components/Status.jsx';
import { useResource } from '../../hooks.js';
import { t } from '../../i18n/index.js';
import { invalidate } from '../../lookups.js';

function NewTeam({ teams, onClose, onCreated }) {
  const users = useUserOptions();
  const form = useForm({ name: '', parent_id: null, manager_id: null });
  const submit = async (v) => {
    const body = { name: v.name.trim() };
    if (v.parent_id) body.parent_id = v.parent_id;
    if (v.manager_id) body.manager_id = v.manager_id;
    onCreated(await api.post('/teams', body));
  };
  return (
    <Dialog title={t('teams.new')} onClose={onClose}>
      <Form form={form} onSubmit={submit}>
        <TextField form={form} name="name" label={t('field.name')} required autoFocus />
        <SelectField form={form} name="parent_id" label={t('teams.parent')} numeric empty={t('common.none')}
          options={teams.map((tm) => ({ value: tm.id, label: tm.name }))} />
        <SelectField form={form} name="manager_id" label={t('teams.manager')} numeric empty={t('common.none')} options={users} />
        <FormActions form={form} onClose={onClose} />
      </Form>
    </Dialog>
  );
}

/** Teams in tree order with their depth, so the table reads like the org chart. */
function tree(teams) {
  const out = [];
  const walk = (parent, depth) => {
    for (const tm of teams.filter((x) => (x.parent_id ?? null) === parent)) { out.push({ tm, depth }); walk(tm.id, depth + 1); }
  };
  walk(null, 0);
  for (const tm of teams) if (!out.some((r) => r.tm === tm)) out.push({ tm, depth: 0 });   // parent not visible
  return out;
}

function TeamRow({ tm, depth, teams, users, onChange, onDelete }) {
  const [error, setError] = useState(null);
  const [name, setName] = useState(tm.name);
  const patch = async (changes) => {
    setError(null);
    try { onChange(await api.patch(`/teams/${tm.id}`, changes, tm.version)); } catch (err) {
      setError(err.fieldErrors[Object.keys(changes)[0]] || errorText(err));
    }
  };
  const ref = (v) => (v ? Number(v) : null);
  return (
    <tr>
      <th scope="row" class={'depth-' + Math.min(depth, 4)}>
        <input type="text" aria-label={t('field.name')} value={name} onInput={(e) => setName(e.currentTarget.value)}
          onChange={(e) => e.currentTarget.value.trim() !== tm.name && patch({ name: e.currentTarget.value.trim() })} />
        {error && <p class="field-error">{error}</p>}
      </th>
      <td>
        <select aria-label={t('teams.parentOf', { name: tm.name })} value={tm.parent_id ?? ''} onChange={(e) => patch({ parent_id: ref(e.currentTarget.value) })}>
          <option value="">{t('common.none')}</option>
          {teams.filter((x) => x.id !== tm.id).map((x) => <option key={x.id} value={x.id}>{x.name}</option>)}
        </select>
      </td>
      <td>
        <select aria-label={t('teams.managerOf', { name: tm.name })} value={tm.manager_id ?? ''} onChange={(e) => patch({ manager_id: ref(e.currentTarget.value) })}>
          <option value="">{t('common.none')}</option>
          {users.map((u) => <option key={u.value} value={u.value}>{u.label}</option>)}
        </select>
      </td>
      <td class="row-actions">
        <button type="button" class="btn btn-small btn-quiet" onClick={() => onDelete(tm).catch((err) => setError(errorText(err)))}>{t('common.delete')}</button>
      </td>
    </tr>
  );
}

export default function Teams() {
  const users = useUserOptions();
  const res = useResource(() => api.getAll('/teams', { sort: 'name' }), []);
  const [creating, setCreating] = useState(false);
  const teams = res.data || [];
  const changed = (list) => { res.setData(list); invalidate('teams'); };
  const remove = async (tm) => { await api.del(`/teams/${tm.id}`); changed(teams.filter((x) => x.id !== tm.id)); };
  return (
    <div class="page">
      <div class="page-head">
        <h1>{t('nav.teams')}</h1>
        <button type="button" class="btn btn-primary" onClick={() => setCreating(true)}>{t('teams.new')}</button>
      </div>
      <ErrorNote error={res.error} />
      <div class="table-wrap">
        <table class="table">
          <thead><tr>
            <th scope="col">{t('field.name')}</th><th scope="col">{t('teams.parent')}</th><th scope="col">{t('teams.manager')}</th>
            <th scope="col"><span class="sr-only">{t('common.actions')}</span></th>
          </tr></thead>
          <tbody>
            {tree(teams).map(({ tm, depth }) => (
              <TeamRow key={tm.id} tm={tm} depth={depth} teams={teams} users={users} onDelete={remove}
                onChange={(x) => changed(teams.map((y) => (y.id === x.id ? x : y)))} />
            ))}
          </tbody>
        </table>
      </div>
      {creating && <NewTeam teams={teams} onClose={() => setCreating(false)}
        onCreated={(tm) => { setCreating(false); changed([...teams, tm]); }} />}
    </div>
  );
}
