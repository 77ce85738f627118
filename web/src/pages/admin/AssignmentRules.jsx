// Admin · Assignment rules: who gets a new lead. Rules are tried top to
// bottom; the first whose conditions (region, industry, company size) all hold
// and that finds an available rep wins. Reorder by dragging a rule's handle
// or with its up/down buttons (the keyboard way); each change saves at once.
import { useState } from 'preact/hooks';
import * as api from '../../api.js';
import { CellInput } from '../../components/CellInput.jsx';
import { Form, SelectField, TextField, fieldError, useForm } from '../../components/Form.jsx';
import { useTeamOptions, useUserOptions } from '../../components/Pickers.jsx';
import { Empty, ErrorNote, Spinner } from '../../components/Status.jsx';
import { useResource } from '../../hooks.js';
import { t } from '../../i18n/index.js';
import { ENUMS } from '../../model.js';

const byPosition = (a, b) => a.position - b.position || a.id - b.id;
const methodOptions = () => ENUMS.assignment_method.map((m) => ({ value: m, label: t(`enum.assignment_method.${m}`) }));

/** "team:3" / "user:8" <-> {team_id, user_id} */
const targetValue = (r) => (r.user_id ? `user:${r.user_id}` : r.team_id ? `team:${r.team_id}` : '');
function targetFields(value) {
  const [kind, id] = value.split(':');
  return { team_id: kind === 'team' ? Number(id) : null, user_id: kind === 'user' ? Number(id) : null };
}

function TargetSelect({ value, onChange, label, teams, users, id, invalid }) {
  return (
    <select id={id} aria-label={label} value={value} onChange={(e) => onChange(e.currentTarget.value)} data-field="target"
      aria-invalid={invalid ? 'true' : undefined}>
      <option value="">{t('rules.chooseTarget')}</option>
      <optgroup label={t('rules.teams')}>
        {teams.map((o) => <option key={o.value} value={`team:${o.value}`}>{o.label}</option>)}
      </optgroup>
      <optgroup label={t('rules.reps')}>
        {users.map((o) => <option key={o.value} value={`user:${o.value}`}>{o.label}</option>)}
      </optgroup>
    </select>
  );
}

function Rule({ r, index, count, teams, users, onPatch, onDelete, onMove, drag }) {
  const patch = (changes) => onPatch(r, changes);
  const condition = (field, label, hint) => (
    <label class="filter">
      <span>{label}</span>
      <CellInput key={`${field}${r.version}`} value={r[field]} label={t('rules.conditionOf', { what: label, name: r.name })}
        placeholder={hint} onSave={(v) => patch({ [field]: v || null })} />
    </label>
  );
  return (
    <li class={'rule' + (r.active ? '' : ' inactive') + (drag.over === r.id ? ' drop-over' : '')} data-id={r.id}
      onDragOver={(e) => drag.overRule(e, r)} onDrop={(e) => drag.drop(e, r)} onDragLeave={() => drag.leave(r)}>
      <div class="rule-head">
        <span class="drag-handle" draggable="true" title={t('rules.dragHint')} aria-hidden="true"
          onDragStart={(e) => drag.start(e, r)} onDragEnd={drag.end}>⋮⋮</span>
        <span class="rule-pos" aria-label={t('rules.position', { n: index + 1 })}>{index + 1}</span>
        <CellInput key={`name${r.version}`} value={r.name} label={t('rules.nameOf', { n: index + 1 })} class="rule-name"
          onSave={(name) => patch({ name })} />
        <label class="check">
          <input type="checkbox" checked={r.active} onChange={(e) => patch({ active: e.currentTarget.checked }).catch(() => {})} />
          {t('rules.active')}
        </label>
        <span class="rule-order">
          <button type="button" class="btn-icon" disabled={index === 0} aria-label={t('pipelines.moveUp', { name: r.name })}
            onClick={() => onMove(index, index - 1)}>↑</button>
          <button type="button" class="btn-icon" disabled={index === count - 1} aria-label={t('pipelines.moveDown', { name: r.name })}
            onClick={() => onMove(index, index + 1)}>↓</button>
        </span>
        <button type="button" class="btn btn-small btn-quiet" aria-label={t('rules.deleteNamed', { name: r.name })}
          onClick={() => onDelete(r)}>{t('common.delete')}</button>
      </div>
      <div class="rule-body">
        <div class="rule-when">
          <span class="rule-label">{t('rules.when')}</span>
          {condition('regions', t('field.region'), t('rules.any'))}
          {condition('industries', t('field.industry'), t('rules.any'))}
          {condition('company_sizes', t('field.size'), t('rules.any'))}
        </div>
        <div class="rule-then">
          <span class="rule-label">{t('rules.then')}</span>
          <label class="filter">
            <span>{t('rules.assignTo')}</span>
            <TargetSelect value={targetValue(r)} label={t('rules.targetOf', { name: r.name })} teams={teams} users={users}
              onChange={(v) => v && patch(targetFields(v)).catch(() => {})} />
          </label>
          <label class="filter">
            <span>{t('rules.method')}</span>
            <select aria-label={t('rules.methodOf', { name: r.name })} value={r.method} disabled={!!r.user_id}
              onChange={(e) => patch({ method: e.currentTarget.value }).catch(() => {})}>
              {methodOptions().map((o) => <option key={o.value} value={o.value}>{o.label}</option>)}
            </select>
          </label>
        </div>
      </div>
    </li>
  );
}

function NewRule({ teams, users, onCreated }) {
  const form = useForm({ name: '', regions: '', industries: '', company_sizes: '', target: '', method: 'round_robin' });
  const submit = async (v) => {
    if (!v.target) throw fieldError('target', t('error.required'));
    const body = { name: v.name.trim(), method: v.method, ...targetFields(v.target) };
    for (const k of ['regions', 'industries', 'company_sizes']) if (v[k].trim()) body[k] = v[k].trim();
    await api.post('/assignment-rules', body);
    form.setValues({ name: '', regions: '', industries: '', company_sizes: '', target: '', method: 'round_robin' });
    onCreated();
  };
  return (
    <section class="card" aria-labelledby="new-rule-h">
      <h2 id="new-rule-h" class="card-title">{t('rules.new')}</h2>
      <Form form={form} onSubmit={submit} class="form form-grid form-grid-3">
        <TextField form={form} name="name" label={t('field.name')} required className="span-3" />
        <TextField form={form} name="regions" label={t('field.region')} placeholder={t('rules.any')} />
        <TextField form={form} name="industries" label={t('field.industry')} placeholder={t('rules.any')} />
        <TextField form={form} name="company_sizes" label={t('field.size')} placeholder={t('rules.any')} />
        <div class={'field' + (form.errors.target ? ' has-error' : '')}>
          <label for="new-rule-target">{t('rules.assignTo')}<span class="req" aria-hidden="true"> *</span></label>
          <TargetSelect id="new-rule-target" value={form.values.target} label={t('rules.assignTo')} teams={teams} users={users}
            invalid={!!form.errors.target} onChange={(v) => form.set('target', v)} />
          {form.errors.target && <p class="field-error">{form.errors.target}</p>}
        </div>
        <SelectField form={form} name="method" label={t('rules.method')} options={methodOptions()} />
        <div class="form-actions">
          <button type="submit" class="btn btn-primary" disabled={form.busy}>{t('rules.add')}</button>
        </div>
      </Form>
    </section>
  );
}

export default function AssignmentRules() {
  const res = useResource(() => api.getAll('/assignment-rules', { sort: 'position' }), []);
  const teams = useTeamOptions();
  const users = useUserOptions();
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const [dragging, setDragging] = useState(null);
  const [over, setOver] = useState(null);
  const rules = [...(res.data || [])].sort(byPosition);

  const onPatch = (r, changes) => {
    setError(null);
    return api.patch(`/assignment-rules/${r.id}`, changes, r.version).then(res.reload, (err) => { setError(err); res.reload(); throw err; });
  };
  const onDelete = (r) => {
    setError(null);
    api.del(`/assignment-rules/${r.id}`).then(res.reload, setError);
  };
  /** Move the rule at `from` to `to` and number them all 1..n again (only changed ones are saved). */
  const onMove = async (from, to) => {
    if (from === to || to < 0 || to >= rules.length) return;
    const order = [...rules];
    const [moved] = order.splice(from, 1);
    order.splice(to, 0, moved);
    setError(null);
    setBusy(true);
    res.setData(order.map((r, i) => ({ ...r, position: i + 1 })));   // show the new order at once
    try {
      for (const [i, r] of order.entries())
        if (r.position !== i + 1) await api.patch(`/assignment-rules/${r.id}`, { position: i + 1 }, r.version);
    } catch (err) { setError(err); }
    setBusy(false);
    res.reload();
  };
  const drag = {
    over,
    start(e, r) { e.dataTransfer.setData('text/plain', String(r.id)); e.dataTransfer.effectAllowed = 'move'; setDragging(r.id); },
    end() { setDragging(null); setOver(null); },
    overRule(e, r) { if (dragging === null) return; e.preventDefault(); e.dataTransfer.dropEffect = 'move'; if (over !== r.id) setOver(r.id); },
    leave(r) { if (over === r.id) setOver(null); },
    drop(e, r) {
      if (dragging === null) return;
      e.preventDefault();
      const from = rules.findIndex((x) => x.id === dragging), to = rules.findIndex((x) => x.id === r.id);
      setDragging(null);
      setOver(null);
      onMove(from, to);
    },
  };

  return (
    <div class="page page-narrow page-wide-ish">
      <div class="page-head">
        <div>
          <h1>{t('nav.assignmentRules')}</h1>
          <p class="page-sub">{t('rules.intro')}</p>
        </div>
      </div>
      <ErrorNote error={res.error || error} />
      {!res.data && !res.error && <Spinner />}
      {res.data && !rules.length && <Empty>{t('rules.none')}</Empty>}
      {rules.length > 0 && (
        <>
          <p class="muted">{t('rules.help')}</p>
          <ol class={'rules' + (busy ? ' busy' : '')} aria-label={t('rules.order')} aria-busy={busy ? 'true' : 'false'}>
            {rules.map((r, i) => (
              <Rule key={r.id} r={r} index={i} count={rules.length} teams={teams} users={users}
                onPatch={onPatch} onDelete={onDelete} onMove={onMove} drag={drag} />
            ))}
          </ol>
          <p class="muted">{t('rules.fallback')}</p>
        </>
      )}
      <NewRule teams={teams} users={users} onCreated={res.reload} />
    </div>
  );
}
