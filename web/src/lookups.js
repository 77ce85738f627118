// lookups.js: the small reference lists many pages need (users, teams,
// pipelines, stages, products, stage actions), fetched once and shared until an admin page
// changes one of them.
import { useEffect, useState } from 'preact/hooks';
import { getAll } from './api.js';

const LOADERS = {
  users: () => getAll('/users', { sort: 'name' }),
  teams: () => getAll('/teams', { sort: 'name' }),
  pipelines: () => getAll('/pipelines', { sort: 'name' }),
  stages: () => getAll('/stages', { sort: 'position' }),
  products: () => getAll('/products', { sort: 'name' }),
  stageActions: () => getAll('/stage-actions', { sort: 'position' }),
};
const pending = new Map();

function lookup(name) {
  if (!pending.has(name)) {
    const p = LOADERS[name]();
    p.catch(() => pending.delete(name));
    pending.set(name, p);
  }
  return pending.get(name);
}

export function invalidate(...names) {
  for (const n of names.length ? names : Object.keys(LOADERS)) pending.delete(n);
}

/** The list, or [] until it has arrived. */
export function useLookup(name) {
  const [items, setItems] = useState([]);
  useEffect(() => {
    let live = true;
    lookup(name).then((v) => live && setItems(v), () => {});
    return () => { live = false; };
  }, [name]);
  return items;
}

/** Stages of one pipeline in board order. */
export const stagesOf = (stages, pipelineId) =>
  stages.filter((s) => s.pipeline_id === pipelineId).sort((a, b) => a.position - b.position || a.id - b.id);
