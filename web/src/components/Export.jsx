// Export and Import: the list pages' file buttons. An export is a plain link
// to the list's export URL with the list's current filters and sort, so the
// browser downloads the file itself (with the session cookie); an import
// starts on the Import page with the list's record type chosen.
import { url } from '../api.js';
import { t } from '../i18n/index.js';
import { Link } from '../router.js';
import { Icon } from './Icon.jsx';

/** entity: the API's list ("accounts", or "analytics/deals" for the deals behind a figure);
 * params: the list's filters, q and sort. */
export function ExportButtons({ entity, params }) {
  return (
    <div class="btn-group" role="group" aria-label={t('export.label')}>
      <a class="btn" href={url(`/${entity}/export.csv`, params)} download title={t('export.csvTitle')}>{t('export.csv')}</a>
      <a class="btn" href={url(`/${entity}/export.xlsx`, params)} download title={t('export.xlsxTitle')}>{t('export.xlsx')}</a>
    </div>
  );
}

export function ImportButton({ entity }) {
  return (
    <Link class="btn" href={`/import?entity=${entity}`}><Icon name="import" />{t('import.button')}</Link>
  );
}
