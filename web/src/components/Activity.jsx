// Activity: logging a call, email, meeting, note or task from any record in
// two clicks (pick the kind, save), and the record's timeline.
import { useState } from 'preact/hooks';
import * as api from '../api.js';
import { usePaged } from '../hooks.js';
import { formatDate, formatDateTime, formatRelative, isoDate, t } from '../i18n/index.js';
import { useLookup } from '../lookups.js';
import { ENUMS } from '../model.js';
import { Link } from '../router.js';
import { Form, TextField, fieldError, useForm } from './Form.jsx';
import { Empty, ErrorNote } from './Status.jsx';

const KIND_ICON = { call: '☎', email: '✉', meeting: '◷', note: '✎', task: '✓' };

/** A date input's YYYY-MM-DD as the end of that day in the browser's zone, in UTC:
 * a task due "today" is overdue only once today is over. */
export const endOfDay = (date) => {
  const [y, m, d] = date.split('-').map(Number);
  return new Date(y, m - 1, d, 23, 59, 0).toISOString();
};

function LogForm({ kind, context, onDone, onCancel }) {
  const form = useForm({ subject: t(`enum.activity_kind.${kind}`), body: '', due_at: kind === 'task' ? isoDate(1) : '' });
  const save = async (v) => {
    const body = { kind, subject: v.subject.trim(), body: v.body.trim() || null, ...context };
    if (kind === 'task') {
      if (!/^\d{4}-\d{2}-\d{2}$/.test(v.due_at)) throw fieldError('due_at', t('error.date'));
      body.due_at = endOfDay(v.due_at);
    } else body.done_at = new Date().toISOString();
    onDone(await api.post('/activities', body));
  };
  return (
    <Form form={form} onSubmit={save} class="form log-form">
      <TextField form={form} name="subject" label={t('activity.subject')} required autoFocus />
      {kind === 'task' && <TextField form={form} name="due_at" type="date" label={t('activity.due')} required />}
      <TextField form={form} name="body" label={t('activity.notes')} multiline />
      <div class="form-actions">
        <button type="submit" class="btn btn-primary" disabled={form.busy}>{t('common.save')}</button>
        <button type="button" class="btn" onClick={onCancel}>{t('common.cancel')}</button>
      </div>
    </Form>
  );
}

/** context: {opportunity_id} | {account_id} | {contact_id} (with related ids if known) */
function QuickLog({ context, onLogged }) {
  const [kind, setKind] = useState(null);
  return (
    <div class="quicklog">
      <div class="quicklog-kinds" role="group" aria-label={t('activity.log')}>
        {ENUMS.activity_kind.map((k) => (
          <button key={k} type="button" class={'chip' + (kind === k ? ' chip-on' : '')} aria-pressed={kind === k ? 'true' : 'false'}
            data-kind={k} onClick={() => setKind(kind === k ? null : k)}>
            <span aria-hidden="true">{KIND_ICON[k]}</span> {t(`enum.activity_kind.${k}`)}
          </button>
        ))}
      </div>
      {kind && (
        <LogForm key={kind} kind={kind} context={context} onCancel={() => setKind(null)}
          onDone={(a) => { setKind(null); onLogged?.(a); }} />
      )}
    </div>
  );
}

/** Mark a task done now, or open again. */
const setTaskDone = (a, done) =>
  api.patch(`/activities/${a.id}`, { done_at: done ? new Date().toISOString() : null }, a.version);

/** The record an activity is about, as a link target (for lists that mix records). */
function relatedRecord(a) {
  if (a.opportunity_id) return { href: `/opportunities/${a.opportunity_id}`, label: t('activity.openDeal') };
  if (a.account_id) return { href: `/accounts/${a.account_id}`, label: t('activity.openAccount') };
  if (a.contact_id) return { href: `/contacts/${a.contact_id}`, label: t('activity.openContact') };
  return null;
}

/** Marks a task that a stage's playbook made (with the action's stage). */
function PlaybookBadge({ actionId }) {
  const action = useLookup('stageActions').find((x) => x.id === actionId);
  return (
    <span class="badge badge-playbook" title={t('playbook.badgeTitle')}>
      {action ? t('playbook.badgeStage', { stage: action.stage_name }) : t('playbook.badge')}
    </span>
  );
}

/** One activity. A task's checkbox marks it done or open again; `withRecord` links what it is about. */
export function ActivityItem({ a, users, onChange, withRecord }) {
  const isTask = a.kind === 'task';
  const owner = users.find((u) => u.id === a.owner_id)?.name;
  const overdue = isTask && !a.done_at && a.due_at && Date.parse(a.due_at) < Date.now();
  const rec = withRecord && relatedRecord(a);
  const [error, setError] = useState(null);
  const toggle = async (e) => {
    try { onChange(await setTaskDone(a, e.currentTarget.checked)); setError(null); } catch (err) { setError(err); }
  };
  return (
    <li class={'tl-item tl-' + a.kind + (isTask && a.done_at ? ' done' : '')}>
      {isTask
        ? <span class="tl-icon"><input type="checkbox" checked={!!a.done_at} onChange={toggle} aria-labelledby={`act-${a.id}`} /></span>
        : <span class="tl-icon" aria-hidden="true">{KIND_ICON[a.kind]}</span>}
      <div class="tl-main">
        <div class="tl-head">
          <span class="tl-subject" id={`act-${a.id}`}>{a.subject}</span>
          <span class="tl-kind">
            {a.stage_action_id && <PlaybookBadge actionId={a.stage_action_id} />}
            {t(`enum.activity_kind.${a.kind}`)}
          </span>
        </div>
        {a.body && <p class="tl-body">{a.body}</p>}
        <div class="tl-meta">
          {owner && <span>{owner}</span>}
          {isTask && a.due_at && !a.done_at && (
            <span class={overdue ? 'overdue' : ''}>{t('activity.dueOn', { date: formatDate(a.due_at) })}{overdue ? ' · ' + t('common.overdue') : ''}</span>
          )}
          {!isTask && a.due_at && !a.done_at && <span>{t('activity.scheduled', { date: formatDateTime(a.due_at) })}</span>}
          {a.done_at && (
            <time dateTime={a.done_at} title={formatDateTime(a.done_at)}>
              {isTask ? t('activity.doneWhen', { when: formatRelative(a.done_at) }) : formatRelative(a.done_at)}
            </time>
          )}
          {rec && <Link href={rec.href}>{rec.label}</Link>}
        </div>
        <ErrorNote error={error} />
      </div>
    </li>
  );
}

/** A deal's tasks from its stages' playbooks, open ones first; ticking one marks it done. */
export function PlaybookTasks({ oppId, version }) {
  const users = useLookup('users');
  const list = usePaged(() => api.get('/activities', { opportunity_id: oppId, kind: 'task', sort: 'due_at', limit: 200 }), [oppId, version]);
  const replace = (a) => list.setItems((items) => items.map((x) => (x.id === a.id ? a : x)));
  const tasks = list.items.filter((a) => a.stage_action_id).sort((a, b) => !!a.done_at - !!b.done_at);
  return (
    <section class="card" aria-labelledby="opp-playbook">
      <h2 id="opp-playbook" class="card-title">{t('playbook.title')}</h2>
      <ErrorNote error={list.error} />
      {!list.loading && !tasks.length && <p class="muted">{t('playbook.none')}</p>}
      <ul class="tl tl-compact">{tasks.map((a) => <ActivityItem key={a.id} a={a} users={users} onChange={replace} />)}</ul>
    </section>
  );
}

/** The activities of a record, newest first. `version` changes reload it. */
function Timeline({ params, version }) {
  const users = useLookup('users');
  const list = usePaged((after) => api.get('/activities', { ...params, sort: '-id', limit: 20, after }), [JSON.stringify(params), version]);
  const replace = (a) => list.setItems((items) => items.map((x) => (x.id === a.id ? a : x)));
  return (
    <div class="timeline">
      <ErrorNote error={list.error} />
      {!list.loading && !list.items.length && <Empty>{t('activity.none')}</Empty>}
      <ul class="tl">
        {list.items.map((a) => <ActivityItem key={a.id} a={a} users={users} onChange={replace} />)}
      </ul>
      {list.next && <button type="button" class="btn btn-quiet" onClick={list.more}>{t('common.loadMore')}</button>}
    </div>
  );
}

/** Logging and the timeline together, as every record page shows them. */
export function ActivityPanel({ context, params }) {
  const [version, setVersion] = useState(0);
  return (
    <section class="card" aria-labelledby="activity-h">
      <h2 id="activity-h" class="card-title">{t('activity.title')}</h2>
      <QuickLog context={context} onLogged={() => setVersion((v) => v + 1)} />
      <Timeline params={params} version={version} />
    </section>
  );
}
