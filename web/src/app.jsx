// app.jsx: the session gate, the language, and which page a URL shows.
// The board, home and login pages come with the first load; the others are
// fetched when first visited.
import { useEffect, useState } from 'preact/hooks';
import { Layout } from './components/Layout.jsx';
import { NotFound, Spinner } from './components/Status.jsx';
import { detectLocale, loadLocale } from './i18n/index.js';
import Board from './pages/Board.jsx';
import Home from './pages/Home.jsx';
import Login, { chosenLocale } from './pages/Login.jsx';
import { match, navigate, useRoute } from './router.js';
import { lastLocale, session } from './session.js';
import { useObservable } from './store.js';

function lazyPage(load) {
  let Page = null, loading = null;
  return function LazyPage(props) {
    const [, setReady] = useState(false);
    if (Page) return <Page {...props} />;
    loading ||= load().then((m) => { Page = m.default; });
    loading.then(() => setReady(true));
    return <Spinner />;
  };
}

const ROUTES = [
  ['/', Home],
  ['/board', Board],
  ['/opportunities', lazyPage(() => import('./pages/Opportunities.jsx'))],
  ['/opportunities/:id', lazyPage(() => import('./pages/Opportunity.jsx'))],
  ['/accounts', lazyPage(() => import('./pages/Accounts.jsx'))],
  ['/accounts/:id', lazyPage(() => import('./pages/Account.jsx'))],
  ['/contacts', lazyPage(() => import('./pages/Contacts.jsx'))],
  ['/contacts/:id', lazyPage(() => import('./pages/Contact.jsx'))],
  ['/tasks', lazyPage(() => import('./pages/Tasks.jsx'))],
  ['/leads', lazyPage(() => import('./pages/Leads.jsx'))],
  ['/leads/:id', lazyPage(() => import('./pages/Lead.jsx'))],
  ['/analytics', lazyPage(() => import('./pages/Analytics.jsx'))],
  ['/compliance', lazyPage(() => import('./pages/Compliance.jsx'))],
  ['/import', lazyPage(() => import('./pages/Import.jsx'))],
  ['/import/:id', lazyPage(() => import('./pages/Import.jsx'))],
  ['/settings', lazyPage(() => import('./pages/Settings.jsx'))],
  ['/admin/tokens', lazyPage(() => import('./pages/admin/Tokens.jsx'))],
  ['/admin/users', lazyPage(() => import('./pages/admin/Users.jsx'))],
  ['/admin/teams', lazyPage(() => import('./pages/admin/Teams.jsx'))],
  ['/admin/pipelines', lazyPage(() => import('./pages/admin/Pipelines.jsx'))],
  ['/admin/products', lazyPage(() => import('./pages/admin/Products.jsx'))],
  ['/admin/lead-forms', lazyPage(() => import('./pages/admin/LeadForms.jsx'))],
  ['/admin/assignment-rules', lazyPage(() => import('./pages/admin/AssignmentRules.jsx'))],
];

function page(path, user) {
  for (const [pattern, Page] of ROUTES) {
    const params = match(pattern, path);
    if (params) return <Page key={path} user={user} {...params} />;
  }
  return <NotFound />;
}

export function App() {
  const user = useObservable(session);
  const { path } = useRoute();
  // while the session is checked, load the language most likely needed, so both arrive together
  const loginLocale = chosenLocale.get() || detectLocale(navigator.languages);
  const wanted = user ? user.locale : user === undefined ? lastLocale() || loginLocale : loginLocale;
  const [locale, setLocale] = useState(null);

  useEffect(() => {
    let live = true;
    loadLocale(wanted).then((l) => live && setLocale(l));
    return () => { live = false; };
  }, [wanted]);

  useEffect(() => {
    if (user && path === '/login') navigate(new URLSearchParams(location.search).get('next') || '/', { replace: true });
  }, [user, path]);

  if (user === undefined || !locale || locale !== wanted) return null;
  if (!user) return <Login key={locale} />;
  return <Layout key={locale} user={user}>{page(path, user)}</Layout>;
}
