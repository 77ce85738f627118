// StageMove: moving a deal to another stage, shared by the board and the deal
// page. A move the server refuses for unmet exit criteria opens a checklist of
// what is missing (tick and retry; managers and admins may override with a
// note); moving to a lost stage first asks for the reason.
import { useState } from 'preact/hooks';
import * as api from '../api.js';
import { t } from '../i18n/index.js';
import { canOverride } from '../session.js';
import { toggled } from '../util.js';
import { Dialog } from './Dialog.jsx';
import { Form, TextField, useForm } from './Form.jsx';
import { ErrorNote } from './Status.jsx';

const postMove = (opp, body) => api.post(`/opportunities/${opp.id}/stage`, body);

function LostDialog({ opp, stage, onClose, onMoved }) {
  const form = useForm({ lost_reason: '' });
  const submit = async (v) => onMoved(await postMove(opp, { stage_id: stage.id, lost_reason: v.lost_reason.trim() }));
  return (
    <Dialog title={t('move.lostTitle', { name: opp.name })} onClose={onClose}>
      <Form form={form} onSubmit={submit}>
        <p>{t('move.lostText', { stage: stage.name })}</p>
        <TextField form={form} name="lost_reason" label={t('move.lostReason')} required multiline autoFocus />
        <div class="form-actions">
          <button type="submit" class="btn btn-danger" disabled={form.busy}>{t('move.markLost')}</button>
          <button type="button" class="btn" onClick={onClose}>{t('common.cancel')}</button>
        </div>
      </Form>
    </Dialog>
  );
}

function CriteriaDialog({ opp, stage, missing, user, onClose, onMoved, onTicked }) {
  const [ticked, setTicked] = useState(() => new Set());
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const form = useForm({ note: '' });
  const allTicked = missing.every((m) => ticked.has(m.id));

  const tick = async (m, on) => {
    setError(null);
    try {
      await (on ? api.put(`/opportunities/${opp.id}/criteria/${m.id}`) : api.del(`/opportunities/${opp.id}/criteria/${m.id}`));
      setTicked((s) => toggled(s, m.id, on));
      onTicked(opp);
    } catch (err) { setError(err); }
  };
  const retry = async () => {
    setBusy(true);
    setError(null);
    try { onMoved(await postMove(opp, { stage_id: stage.id })); } catch (err) { setError(err); } finally { setBusy(false); }
  };
  const override = (v) => postMove(opp, { stage_id: stage.id, override: true, note: v.note.trim() }).then(onMoved);

  return (
    <Dialog title={t('move.criteriaTitle', { stage: stage.name })} onClose={onClose}>
      <p>{t('move.criteriaText', { name: opp.name })}</p>
      <ul class="checklist" aria-label={t('move.missing')}>
        {missing.map((m) => (
          <li key={m.id}>
            <label>
              <input type="checkbox" checked={ticked.has(m.id)} onChange={(e) => tick(m, e.currentTarget.checked)} />
              <span>{m.name}</span> <span class="muted">· {m.stage}</span>
            </label>
          </li>
        ))}
      </ul>
      <ErrorNote error={error} />
      <div class="form-actions">
        <button type="button" class="btn btn-primary" disabled={!allTicked || busy} onClick={retry}>{t('move.retry', { stage: stage.name })}</button>
        <button type="button" class="btn" onClick={onClose}>{t('common.cancel')}</button>
      </div>
      {canOverride(user) && (
        <details class="override">
          <summary>{t('move.override')}</summary>
          <Form form={form} onSubmit={override}>
            <TextField form={form} name="note" label={t('move.overrideNote')} required multiline />
            <div class="form-actions">
              <button type="submit" class="btn btn-danger" disabled={form.busy}>{t('move.overrideButton')}</button>
            </div>
          </Form>
        </details>
      )}
    </Dialog>
  );
}

/**
 * {move(opp, stage) -> Promise<opp|null>, dialog, error}
 * onMoved(opp, stage): the server accepted; onRefused(opp): it did not (yet), undo any optimistic move;
 * onTicked(opp): exit criteria were ticked or unticked in the dialog.
 */
export function useStageMove({ user, onMoved, onRefused, onTicked }) {
  const [open, setOpen] = useState(null);   // {kind: 'lost'|'criteria', opp, stage, missing}
  const [error, setError] = useState(null);

  const done = (opp, stage) => { setOpen(null); onMoved(opp, stage); };

  async function move(opp, stage) {
    setError(null);
    if (stage.kind === 'lost') { setOpen({ kind: 'lost', opp, stage }); return; }
    try {
      onMoved(await postMove(opp, { stage_id: stage.id }), stage);
    } catch (err) {
      onRefused(opp);
      if (err.status === 422 && Array.isArray(err.problem.missing)) setOpen({ kind: 'criteria', opp, stage, missing: err.problem.missing });
      else setError(err);
    }
  }

  let dialog = null;
  if (open?.kind === 'lost')
    dialog = <LostDialog opp={open.opp} stage={open.stage} onClose={() => setOpen(null)} onMoved={(o) => done(o, open.stage)} />;
  else if (open?.kind === 'criteria')
    dialog = <CriteriaDialog opp={open.opp} stage={open.stage} missing={open.missing} user={user}
      onClose={() => setOpen(null)} onMoved={(o) => done(o, open.stage)} onTicked={onTicked} />;
  return { move, dialog, error, clearError: () => setError(null) };
}
