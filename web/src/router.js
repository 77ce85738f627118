// router.js: client-side routing on the history API. The server answers
// index.html for any app path, so every URL here can be loaded directly.
import { h } from 'preact';
import { observable, useObservable } from './store.js';

const here = () => ({ path: location.pathname, query: new URLSearchParams(location.search) });
export const route = observable(here());

addEventListener('popstate', () => route.set(here()));

export function navigate(url, { replace = false } = {}) {
  if (url === location.pathname + location.search) return;
  history[replace ? 'replaceState' : 'pushState'](null, '', url);
  route.set(here());
  if (!replace) scrollTo(0, 0);
}

/** Replace the query string of the current page (filters that belong in the URL). */
export function setQuery(params) {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') u.set(k, v);
  const s = u.toString();
  navigate(location.pathname + (s ? '?' + s : ''), { replace: true });
}

export const useRoute = () => useObservable(route);

/** Match "/opportunities/123" against "/opportunities/:id" -> {id: "123"} or null. */
export function match(pattern, path) {
  const p = pattern.split('/'), s = (path.replace(/\/+$/, '') || '/').split('/');
  if (p.length !== s.length) return null;
  const params = {};
  for (let i = 0; i < p.length; i++) {
    if (p[i].startsWith(':')) params[p[i].slice(1)] = decodeURIComponent(s[i]);
    else if (p[i] !== s[i]) return null;
  }
  return params;
}

/** An <a> that navigates inside the app (a modified click still opens a new tab). */
export function Link({ href, onClick, ...rest }) {
  const click = (e) => {
    onClick?.(e);
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(href);
  };
  return h('a', { href, onClick: click, ...rest });
}
