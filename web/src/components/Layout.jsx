// Layout: the left navigation, the top bar (search, user menu) and the page.
import { useEffect, useState } from 'preact/hooks';
import { LOCALES, currentLocale, t } from '../i18n/index.js';
import { Link, navigate, useRoute } from '../router.js';
import { canConfigure, canImport, isAdmin, isManagerish, logout, updateMe } from '../session.js';
import { Icon } from './Icon.jsx';
import { Menu } from './Menu.jsx';
import { SearchBox } from './SearchBox.jsx';

function navItems(user) {
  const main = [
    { href: '/', icon: 'home', label: t('nav.home') },
    { href: '/board', icon: 'board', label: t('nav.board') },
    { href: '/opportunities', icon: 'deals', label: t('nav.opportunities') },
    { href: '/leads', icon: 'leads', label: t('nav.leads') },
    { href: '/accounts', icon: 'accounts', label: t('nav.accounts') },
    { href: '/contacts', icon: 'contacts', label: t('nav.contacts') },
    { href: '/tasks', icon: 'tasks', label: t('nav.tasks') },
    ...(user.role === 'csm' ? [] : [{ href: '/analytics', icon: 'analytics', label: t('nav.analytics') }]),
    ...(isManagerish(user) ? [{ href: '/compliance', icon: 'compliance', label: t('nav.compliance') }] : []),
  ];
  const admin = [
    { href: '/settings', label: t('nav.profile') },
    { href: '/admin/tokens', label: t('nav.tokens') },
    ...(canImport(user) ? [{ href: '/import', label: t('nav.import') }] : []),
    ...(isAdmin(user) ? [{ href: '/admin/users', label: t('nav.users') }, { href: '/admin/teams', label: t('nav.teams') }] : []),
    ...(canConfigure(user) ? [
      { href: '/admin/pipelines', label: t('nav.pipelines') }, { href: '/admin/products', label: t('nav.products') },
      { href: '/admin/lead-forms', label: t('nav.leadForms') }, { href: '/admin/assignment-rules', label: t('nav.assignmentRules') },
    ] : []),
  ];
  return { main, admin };
}

const isCurrent = (href, path) => (href === '/' ? path === '/' : path === href || path.startsWith(href + '/'));

function UserMenu({ user, onLocale }) {
  const items = [
    { label: t('nav.profile'), onSelect: () => navigate('/settings') },
    { separator: true, label: t('user.language') },
    ...LOCALES.map((l) => ({ label: l.name, checked: currentLocale() === l.code, onSelect: () => onLocale(l.code) })),
    { separator: true, label: '' },
    { label: t('user.logout'), onSelect: () => logout().then(() => navigate('/login')) },
  ];
  return (
    <Menu align="right" buttonClass="user-button" buttonLabel={t('user.menu', { name: user.name })} items={items}
      label={<><span class="avatar" aria-hidden="true">{[...user.name][0]}</span><span class="user-name">{user.name}</span></>} />
  );
}

export function Layout({ user, children }) {
  const { path } = useRoute();
  const [navOpen, setNavOpen] = useState(false);
  const { main, admin } = navItems(user);
  useEffect(() => setNavOpen(false), [path]);
  useEffect(() => {
    if (!navOpen) return;
    const esc = (e) => { if (e.key === 'Escape') setNavOpen(false); };
    addEventListener('keydown', esc);
    return () => removeEventListener('keydown', esc);
  }, [navOpen]);

  const changeLocale = (code) => updateMe({ locale: code });
  const link = (it) => (
    <li key={it.href}>
      <Link href={it.href} class={'nav-link' + (isCurrent(it.href, path) ? ' current' : '')}
        aria-current={isCurrent(it.href, path) ? 'page' : undefined}>
        {it.icon && <Icon name={it.icon} />}<span>{it.label}</span>
      </Link>
    </li>
  );

  return (
    <div class={'shell' + (navOpen ? ' nav-open' : '')}>
      <a class="skip" href="#main">{t('nav.skip')}</a>
      <nav class="sidebar" aria-label={t('nav.label')}>
        <Link href="/" class="brand"><span class="brand-mark" aria-hidden="true" />Cylinder</Link>
        <ul class="nav">{main.map(link)}</ul>
        <div class="nav-heading">{t('nav.settings')}</div>
        <ul class="nav nav-small">{admin.map(link)}</ul>
      </nav>
      <div class="nav-scrim" onClick={() => setNavOpen(false)} />
      <header class="topbar">
        <button type="button" class="btn-icon nav-toggle" aria-label={t('nav.open')} aria-expanded={navOpen ? 'true' : 'false'}
          onClick={() => setNavOpen(!navOpen)}>
          <Icon name="menu" />
        </button>
        <SearchBox />
        <div class="topbar-end"><UserMenu user={user} onLocale={changeLocale} /></div>
      </header>
      <main id="main" class="main" tabIndex={-1}>{children}</main>
    </div>
  );
}
