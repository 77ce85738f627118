// Admin · Pipelines: pipelines, their stages (order, probability, kind) and
// each stage's exit criteria.
import { useState } from 'preact/hooks';
import * as api from '../../api.js';
import { Dialog } from '../../components/Dialog.jsx';
import { CellInput } from '../../components/CellInput.jsx';
import { CheckField, Form, FormActions, SelectField, TextField, fieldError, useForm } from '../../components/Form.jsx';
import { ErrorNote, Spinner } from '../../components/Status.jsx';
import { useResource } from '../../hooks.js';
import { parsePercent, t } from '../../i18n/index.js';
import { invalidate } from '../../lookups.js';
import { ENUMS } from '../../model.js';

const kindOptions = () => ENUMS.stage_kind.map((k) => ({ value: k, label: t(`enum.stage_kind.${k}`) }));
const byPosition = (a, b) => a.position - b.position || a.id - b.id;

function NewPipeline({ onClose, onCreated }) {
  const form = useForm({ name: '', is_default: false });
  const submit = async (v) => onCreated(await api.post('/pipelines', { name: v.name.trim(), is_default: v.is_default }));
  return (
    <Dialog title={t('pipelines.new')} onClose={onClose}>
      <Form form={form} onSubmit={submit}>
        <TextField form={form} name="name" label={t('field.name')} required autoFocus />
        <CheckField form={form} name="is_default" label={t('pipelines.makeDefault')} />
        <FormActions form={form} onClose={onClose} />
      </Form>
    </Dialog>
  );
}

function CriteriaList({ stage, criteria, onChanged }) {
  const [error, setError] = useState(null);
  const form = useForm({ name: '', required: true });
  const mine = criteria.filter((c) => c.stage_id === stage.id).sort(byPosition);
  const run = (p) => p.then(onChanged, (err) => { setError(err); throw err; });
  const add = async (v) => {
    await api.post('/stage-criteria', { stage_id: stage.id, name: v.name.trim(), required: v.required, position: (mine.at(-1)?.position ?? 0) + 1 });
    form.setValues({ name: '', required: true });
    onChanged();
  };
  return (
    <div class="criteria-admin">
      <ErrorNote error={error} />
      <ul class="plain">
        {mine.map((c) => (
          <li key={c.id} class="criterion-row">
            <CellInput value={c.name} label={t('pipelines.criterionName')}
              onSave={(name) => run(api.patch(`/stage-criteria/${c.id}`, { name }, c.version))} />
            <label class="check">
              <input type="checkbox" checked={c.required}
                onChange={(e) => run(api.patch(`/stage-criteria/${c.id}`, { required: e.currentTarget.checked }, c.version)).catch(() => {})} />
              {t('pipelines.required')}
            </label>
            <button type="button" class="btn btn-small btn-quiet" aria-label={t('pipelines.deleteCriterion', { name: c.name })}
              onClick={() => run(api.del(`/stage-criteria/${c.id}`)).catch(() => {})}>{t('common.delete')}</button>
          </li>
        ))}
      </ul>
      <Form form={form} onSubmit={add} class="inline-form">
        <TextField form={form} name="name" label={t('pipelines.newCriterion')} />
        <CheckField form={form} name="required" label={t('pipelines.required')} />
        <button type="submit" class="btn btn-small" disabled={form.busy}>{t('common.add')}</button>
      </Form>
    </div>
  );
}

/** A stage's playbook: the actions that become tasks on a deal when it enters the stage. */
function ActionsList({ stage, actions, onChanged }) {
  const [error, setError] = useState(null);
  const form = useForm({ name: '', due_days: '2', required: true });
  const mine = actions.filter((a) => a.stage_id === stage.id).sort(byPosition);
  const run = (p) => p.then(onChanged, (err) => { setError(err); throw err; });
  const days = (text) => {
    const n = /^\s*\d+\s*$/.test(text) ? Number(text) : NaN;
    return Number.isSafeInteger(n) ? n : NaN;
  };
  const add = async (v) => {
    const due = v.due_days.trim() === '' ? 0 : days(v.due_days);
    if (Number.isNaN(due)) throw fieldError('due_days', t('error.number'));
    await api.post('/stage-actions', { stage_id: stage.id, name: v.name.trim(), due_days: due, required: v.required,
      position: Math.min(1000, (mine.at(-1)?.position ?? 0) + 1) });
    form.setValues({ name: '', due_days: '2', required: true });
    onChanged();
  };
  return (
    <div class="actions-admin">
      <ErrorNote error={error} />
      <ul class="plain">
        {mine.map((a) => (
          <li key={a.id} class="criterion-row">
            <CellInput key={`n${a.version}`} value={a.name} label={t('playbook.actionName')}
              onSave={(name) => run(api.patch(`/stage-actions/${a.id}`, { name }, a.version))} />
            <span class="due-days">
              <span>{t('playbook.dueIn')}</span>
              <CellInput key={`d${a.version}`} value={String(a.due_days)} inputMode="numeric" class="input-days"
                label={t('playbook.dueDaysOf', { name: a.name })}
                onSave={(v) => run(api.patch(`/stage-actions/${a.id}`, { due_days: Number.isNaN(days(v)) ? v : days(v) }, a.version))} />
              <span>{t('playbook.days', { count: a.due_days })}</span>
            </span>
            <label class="check">
              <input type="checkbox" checked={a.required}
                onChange={(e) => run(api.patch(`/stage-actions/${a.id}`, { required: e.currentTarget.checked }, a.version)).catch(() => {})} />
              {t('pipelines.required')}
            </label>
            <button type="button" class="btn btn-small btn-quiet" aria-label={t('playbook.deleteAction', { name: a.name })}
              onClick={() => run(api.del(`/stage-actions/${a.id}`)).catch(() => {})}>{t('common.delete')}</button>
          </li>
        ))}
      </ul>
      {!mine.length && <p class="muted">{t('playbook.noActions')}</p>}
      <Form form={form} onSubmit={add} class="inline-form">
        <TextField form={form} name="name" label={t('playbook.newAction')} />
        <TextField form={form} name="due_days" label={t('playbook.dueInDays')} inputMode="numeric" className="field-days" />
        <CheckField form={form} name="required" label={t('pipelines.required')} />
        <button type="submit" class="btn btn-small" disabled={form.busy}>{t('common.add')}</button>
      </Form>
    </div>
  );
}

function Stages({ pipeline }) {
  const res = useResource(() => Promise.all([
    api.getAll('/stages', { pipeline_id: pipeline.id, sort: 'position' }),
    api.getAll('/stage-criteria', { sort: 'position' }),
    api.getAll('/stage-actions', { sort: 'position' }),
  ]), [pipeline.id]);
  const [error, setError] = useState(null);
  const [open, setOpen] = useState(null);
  const form = useForm({ name: '', probability: '', kind: 'open' });
  if (!res.data) return res.error ? <ErrorNote error={res.error} /> : <Spinner />;
  const [stages, criteria, actions] = res.data;
  const sorted = [...stages].sort(byPosition);
  const changed = () => { invalidate('stages', 'stageActions'); return res.reload(); };
  const run = (p) => p.then(changed, (err) => { setError(err); throw err; });
  const patch = (s, changes) => run(api.patch(`/stages/${s.id}`, changes, s.version));
  const swap = async (a, b) => {
    setError(null);
    try {
      await api.patch(`/stages/${a.id}`, { position: b.position }, a.version);
      await api.patch(`/stages/${b.id}`, { position: a.position }, b.version);
    } catch (err) { setError(err); }
    changed();
  };
  const add = async (v) => {
    const probability = parsePercent(v.probability || '0');
    if (Number.isNaN(probability)) throw fieldError('probability', t('error.percent'));
    await api.post('/stages', { pipeline_id: pipeline.id, name: v.name.trim(), probability, kind: v.kind, position: (sorted.at(-1)?.position ?? 0) + 1 });
    form.setValues({ name: '', probability: '', kind: 'open' });
    changed();
  };

  return (
    <div>
      <ErrorNote error={error} />
      <div class="table-wrap">
        <table class="table">
          <thead><tr>
            <th scope="col">{t('pipelines.order')}</th><th scope="col">{t('field.name')}</th><th scope="col">{t('field.probability')}</th>
            <th scope="col">{t('pipelines.kind')}</th><th scope="col">{t('criteria.title')}</th><th scope="col">{t('playbook.title')}</th>
            <th scope="col"><span class="sr-only">{t('common.actions')}</span></th>
          </tr></thead>
          <tbody>
            {sorted.map((s, i) => [
              <tr key={s.id}>
                <td class="nowrap">
                  <button type="button" class="btn-icon" disabled={i === 0} aria-label={t('pipelines.moveUp', { name: s.name })}
                    onClick={() => swap(s, sorted[i - 1])}>↑</button>
                  <button type="button" class="btn-icon" disabled={i === sorted.length - 1} aria-label={t('pipelines.moveDown', { name: s.name })}
                    onClick={() => swap(s, sorted[i + 1])}>↓</button>
                </td>
                <td><CellInput key={s.version} value={s.name} label={t('field.name')} onSave={(name) => patch(s, { name })} /></td>
                <td>
                  <span class="pct">
                    <CellInput key={s.version} value={s.probability} percent label={t('field.probability')} onSave={(probability) => patch(s, { probability })} />
                    <span aria-hidden="true">%</span>
                  </span>
                </td>
                <td>
                  <select aria-label={t('pipelines.kind')} value={s.kind} onChange={(e) => patch(s, { kind: e.currentTarget.value }).catch(() => {})}>
                    {kindOptions().map((o) => <option key={o.value} value={o.value}>{o.label}</option>)}
                  </select>
                </td>
                <td>
                  <button type="button" class="btn btn-small btn-quiet" aria-expanded={open === s.id ? 'true' : 'false'}
                    onClick={() => setOpen(open === s.id ? null : s.id)}>
                    {t('pipelines.criteriaCount', { count: criteria.filter((c) => c.stage_id === s.id).length })}
                  </button>
                </td>
                <td>
                  <button type="button" class="btn btn-small btn-quiet" aria-expanded={open === s.id ? 'true' : 'false'}
                    onClick={() => setOpen(open === s.id ? null : s.id)}>
                    {t('playbook.actionsCount', { count: actions.filter((a) => a.stage_id === s.id).length })}
                  </button>
                </td>
                <td class="row-actions">
                  <button type="button" class="btn btn-small btn-quiet" aria-label={t('pipelines.deleteStage', { name: s.name })}
                    onClick={() => run(api.del(`/stages/${s.id}`)).catch(() => {})}>{t('common.delete')}</button>
                </td>
              </tr>,
              open === s.id && (
                <tr key={`${s.id}-c`} class="subrow">
                  <td colSpan={7}>
                    <div class="stage-rules">
                      <section aria-label={t('pipelines.criteriaOf', { name: s.name })}>
                        <h3 class="sub-title">{t('criteria.title')}</h3>
                        <p class="muted">{t('pipelines.criteriaHint')}</p>
                        <CriteriaList stage={s} criteria={criteria} onChanged={changed} />
                      </section>
                      <section aria-label={t('playbook.of', { name: s.name })}>
                        <h3 class="sub-title">{t('playbook.title')}</h3>
                        <p class="muted">{t('playbook.hint')}</p>
                        <ActionsList stage={s} actions={actions} onChanged={changed} />
                      </section>
                    </div>
                  </td>
                </tr>
              ),
            ])}
          </tbody>
        </table>
      </div>
      <Form form={form} onSubmit={add} class="form inline-form">
        <TextField form={form} name="name" label={t('pipelines.newStage')} required />
        <TextField form={form} name="probability" label={t('field.probability') + ' (%)'} inputMode="decimal" />
        <SelectField form={form} name="kind" label={t('pipelines.kind')} options={kindOptions()} />
        <button type="submit" class="btn" disabled={form.busy}>{t('pipelines.addStage')}</button>
      </Form>
    </div>
  );
}

export default function Pipelines() {
  const res = useResource(() => api.getAll('/pipelines', { sort: 'name' }), []);
  const [picked, setPicked] = useState(null);
  const [creating, setCreating] = useState(false);
  const [error, setError] = useState(null);
  const pipelines = res.data || [];
  const current = pipelines.find((p) => p.id === picked) || pipelines.find((p) => p.is_default) || pipelines[0];
  const changed = () => { invalidate('pipelines'); return res.reload(); };
  const act = (p) => { setError(null); return p.then(changed, setError); };

  return (
    <div class="page">
      <div class="page-head">
        <h1>{t('nav.pipelines')}</h1>
        <button type="button" class="btn btn-primary" onClick={() => setCreating(true)}>{t('pipelines.new')}</button>
      </div>
      <ErrorNote error={res.error || error} />
      <div class="tabs" role="tablist" aria-label={t('nav.pipelines')}>
        {pipelines.map((p) => (
          <button key={p.id} type="button" role="tab" aria-selected={p === current ? 'true' : 'false'} onClick={() => setPicked(p.id)}>
            {p.name}{p.is_default && <span class="badge">{t('pipelines.default')}</span>}
          </button>
        ))}
      </div>
      {current && (
        <section class="card" role="tabpanel" aria-label={current.name}>
          <div class="card-head">
            <label class="filter">
              <span>{t('field.name')}</span>
              <CellInput key={current.version} value={current.name} label={t('field.name')}
                onSave={(name) => act(api.patch(`/pipelines/${current.id}`, { name }, current.version))} />
            </label>
            <div class="head-actions">
              {!current.is_default && <button type="button" class="btn" onClick={() => act(api.patch(`/pipelines/${current.id}`, { is_default: true }, current.version))}>{t('pipelines.makeDefault')}</button>}
              <button type="button" class="btn btn-quiet" onClick={() => act(api.del(`/pipelines/${current.id}`)).then(() => setPicked(null))}>{t('common.delete')}</button>
            </div>
          </div>
          <Stages pipeline={current} />
        </section>
      )}
      {creating && <NewPipeline onClose={() => setCreating(false)} onCreated={(p) => { setCreating(false); setPicked(p.id); changed(); }} />}
    </div>
  );
}
