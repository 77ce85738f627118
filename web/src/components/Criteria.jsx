// Criteria: a deal's exit-criteria checklist, every stage of its pipeline
// (criteria can be met in any order), the current stage first and marked.
import { useState } from 'preact/hooks';
import * as api from '../api.js';
import { formatDateTime, t } from '../i18n/index.js';
import { ErrorNote } from './Status.jsx';

export function Criteria({ opp, items, canEdit, onChange }) {
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(null);
  const toggle = async (c, on) => {
    setError(null);
    setBusy(c.id);
    try {
      const path = `/opportunities/${opp.id}/criteria/${c.id}`;
      // both answer with the whole checklist
      onChange((on ? await api.put(path) : await api.del(path)).items);
    } catch (err) { setError(err); } finally { setBusy(null); }
  };

  const groups = [];
  for (const c of items) {
    let g = groups.find((x) => x.stage_id === c.stage_id);
    if (!g) groups.push((g = { stage_id: c.stage_id, stage: c.stage, items: [] }));
    g.items.push(c);
  }
  groups.sort((a, b) => (b.stage_id === opp.stage_id) - (a.stage_id === opp.stage_id));

  if (!items.length) return <p class="muted">{t('criteria.none')}</p>;
  return (
    <div class="criteria">
      <ErrorNote error={error} />
      {groups.map((g) => {
        const met = g.items.filter((c) => c.met).length;
        const current = g.stage_id === opp.stage_id;
        return (
          <fieldset key={g.stage_id} class={'criteria-group' + (current ? ' current' : '')}>
            <legend>
              {g.stage}{current && <span class="badge">{t('criteria.current')}</span>}
              <span class="muted"> · {met}/{g.items.length}</span>
            </legend>
            <ul class="checklist">
              {g.items.map((c) => (
                <li key={c.id}>
                  <label title={c.met_at ? t('criteria.metAt', { date: formatDateTime(c.met_at) }) : undefined}>
                    <input type="checkbox" checked={c.met} disabled={!canEdit || busy === c.id}
                      onChange={(e) => toggle(c, e.currentTarget.checked)} />
                    <span>{c.name}</span>
                    {!c.required && <span class="muted"> ({t('criteria.optional')})</span>}
                  </label>
                </li>
              ))}
            </ul>
          </fieldset>
        );
      })}
    </div>
  );
}
