// util.js: small helpers with no better home.

/** A copy of the set, with `id` in it (on) or not. For selection state in hooks. */
export function toggled(set, id, on) {
  const next = new Set(set);
  if (on) next.add(id);
  else next.delete(id);
  return next;
}
