// Status: what a page shows while loading, when empty, and when a request failed.
import { t } from '../i18n/index.js';

export const Spinner = ({ label }) => (
  <div class="status" role="status" aria-live="polite"><span class="spinner" aria-hidden="true" />{label || t('common.loading')}</div>
);

export const Empty = ({ children }) => <div class="empty">{children}</div>;

const BY_STATUS = { 0: 'error.network', 401: 'error.session', 403: 'error.forbidden', 404: 'error.notFound', 412: 'error.stale', 429: 'error.rateLimited' };

/** What to tell the user about a failed request: a translated sentence for the
 * generic cases, the server's own explanation for the specific ones. */
export function errorText(error) {
  const key = BY_STATUS[error.status] || (error.status >= 500 ? 'error.server' : null);
  return key ? t(key) : error.message;
}

export function ErrorNote({ error }) {
  if (!error) return null;
  return <div class="alert alert-error" role="alert">{errorText(error)}</div>;
}

export const NotFound = () => (
  <div class="notfound">
    <h1>{t('notFound.title')}</h1>
    <p>{t('notFound.text')}</p>
  </div>
);

/** The page's body for a resource: spinner, not-found, error, or children(data). */
export function Loaded({ res, children }) {
  if (res.error?.status === 404) return <NotFound />;
  if (res.error) return <ErrorNote error={res.error} />;
  if (res.data === undefined) return <Spinner />;
  return children(res.data);
}
