// session.js: who is logged in. The cookie is HttpOnly; what the app keeps is
// the user record and the CSRF token the server returns with it.
import * as api from './api.js';
import { observable } from './store.js';

/** undefined while checking, null when logged out, else the user. */
export const session = observable(undefined);

const LOCALE_KEY = 'cylinder.userLocale';
/** The language of whoever last logged in on this browser: the best guess while the session is checked. */
export const lastLocale = () => localStorage.getItem(LOCALE_KEY);

function accept(me) {
  api.setCsrfToken(me.csrf_token);
  localStorage.setItem(LOCALE_KEY, me.locale);
  const user = { ...me };
  delete user.csrf_token;
  session.set(user);
  return user;
}

/** Ask the server who the cookie belongs to; any failure shows the login page. */
export async function restore() {
  try {
    return accept(await api.get('/session'));
  } catch {
    session.set(null);
    return null;
  }
}

export const login = async (email, password) => accept(await api.post('/session', { email, password }));

export async function logout() {
  try { await api.del('/session'); } finally {
    api.setCsrfToken(null);
    session.set(null);
  }
}

/** PATCH /me and keep the session's copy in step (name, locale). */
export async function updateMe(changes) {
  const rec = await api.request('PATCH', '/me', { body: changes });
  localStorage.setItem(LOCALE_KEY, rec.locale);
  session.set({ ...session.get(), name: rec.name, locale: rec.locale });
  return rec;
}

api.setUnauthorizedHandler(() => session.set(null));

// ---- what a role may do (the server decides; these only shape the UI) ----
export const isAdmin = (u) => u?.role === 'admin';
export const canConfigure = (u) => u?.role === 'admin' || u?.role === 'ops';
export const canOverride = (u) => u?.role === 'admin' || u?.role === 'manager';
export const canReassign = (u) => u?.role === 'admin' || u?.role === 'manager';
export const canEditDeals = (u) => !!u && u.role !== 'ops';
/** Managers, admins and sales ops: the team-wide views (compliance, every rep's analytics). */
export const isManagerish = (u) => u?.role === 'admin' || u?.role === 'manager' || u?.role === 'ops';
/** The entities a role may import (the server decides; this shapes the choice): records for those who
 * create records, products for configuration, users and teams for the admin. */
export const importEntities = (u) => [
  ...(canEditDeals(u) ? ['accounts', 'contacts', 'opportunities', 'activities'] : []),
  ...(canCreateLeads(u) ? ['leads'] : []),
  ...(canConfigure(u) ? ['products'] : []), ...(isAdmin(u) ? ['users', 'teams'] : []),
];
export const canImport = (u) => importEntities(u).length > 0;
/** Ops cannot create leads; everyone else can. */
export const canCreateLeads = (u) => !!u && u.role !== 'ops';
