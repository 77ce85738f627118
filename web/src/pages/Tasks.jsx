// Tasks: my open tasks (overdue first, by due date) and the ones I have done;
// ticking a task marks it done, unticking opens it again.
import { useState } from 'preact/hooks';
import * as api from '../api.js';
import { ActivityItem } from '../components/Activity.jsx';
import { LoadMore } from '../components/RecordTable.jsx';
import { Empty, ErrorNote } from '../components/Status.jsx';
import { usePaged } from '../hooks.js';
import { t } from '../i18n/index.js';
import { useLookup } from '../lookups.js';

export default function Tasks({ user }) {
  const [done, setDone] = useState(false);
  const users = useLookup('users');
  const list = usePaged((after) => api.get('/activities', {
    owner_id: user.id, kind: 'task', ...(done ? { done_at_from: '1970-01-01', sort: '-done_at' } : { done_at: 'null', sort: 'due_at' }),
    limit: 50, after,
  }), [done, user.id]);
  // a ticked task stays in the list (struck through) until the list is reloaded, so a slip can be undone
  const replace = (a) => list.setItems((items) => items.map((x) => (x.id === a.id ? a : x)));
  return (
    <div class="page">
      <div class="page-head">
        <h1>{t('nav.tasks')}</h1>
        <div class="segmented" role="group" aria-label={t('tasks.show')}>
          <button type="button" aria-pressed={!done ? 'true' : 'false'} onClick={() => setDone(false)}>{t('tasks.open')}</button>
          <button type="button" aria-pressed={done ? 'true' : 'false'} onClick={() => setDone(true)}>{t('tasks.done')}</button>
        </div>
      </div>
      <ErrorNote error={list.error} />
      <section class="card">
        {!list.loading && !list.items.length && <Empty>{done ? t('tasks.noneDone') : t('tasks.none')}</Empty>}
        <ul class="tl tasks">
          {list.items.map((a) => <ActivityItem key={a.id} a={a} users={users} onChange={replace} withRecord />)}
        </ul>
        <LoadMore list={list} />
      </section>
    </div>
  );
}
