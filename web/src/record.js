// record.js: one business record on a page, read and saved with its version.
import * as api from './api.js';
import { useResource } from './hooks.js';
import { t } from './i18n/index.js';

/** {data, error, loading, reload, setData, save(changes)} for /api/v1/{entity}/{id}. */
export function useRecord(entity, id) {
  const res = useResource(() => api.get(`/${entity}/${id}`), [entity, id]);
  async function save(changes) {
    try {
      const rec = await api.patch(`/${entity}/${id}`, changes, res.data.version);
      res.setData(rec);
      return rec;
    } catch (err) {
      if (err.status !== 412) throw err;
      // someone else saved first: show their version and say so
      await res.reload();
      throw new api.ApiError(412, { detail: t('error.stale') });
    }
  }
  return { ...res, save };
}
