// History: a deal's stage history (with days in each stage) and any record's
// audit trail (who changed which field, from what, to what).
import * as api from '../api.js';
import { useResource } from '../hooks.js';
import { formatDateTime, formatMoney, formatNumber, t } from '../i18n/index.js';
import { useLookup } from '../lookups.js';
import { ENUMS } from '../model.js';
import { Loaded } from './Status.jsx';

export function StageHistory({ oppId, version }) {
  const res = useResource(() => api.get(`/opportunities/${oppId}/history`), [oppId, version]);
  return (
    <Loaded res={res}>{(d) => (
      <div class="table-wrap">
        <table class="table table-compact">
          <thead><tr>
            <th scope="col">{t('field.stage')}</th><th scope="col">{t('history.entered')}</th><th scope="col">{t('history.by')}</th>
            <th scope="col" class="num">{t('history.days')}</th><th scope="col" class="num">{t('field.amount')}</th>
          </tr></thead>
          <tbody>
            {[...d.items].reverse().map((h) => (
              <tr key={h.id}>
                <th scope="row">
                  {h.to_stage}
                  {h.override_note && <div class="override-note">{t('history.override', { note: h.override_note })}</div>}
                </th>
                <td>{formatDateTime(h.changed_at)}</td>
                <td>{h.changed_by_name || '—'}</td>
                <td class="num">{formatNumber(h.days_in_stage, { maximumFractionDigits: 1 })}</td>
                <td class="num">{formatMoney(h.amount, h.currency)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    )}</Loaded>
  );
}

const LABELS = {
  name: 'field.name', account_id: 'field.account', contact_id: 'field.primaryContact', owner_id: 'field.owner',
  stage_id: 'field.stage', amount: 'field.amount', currency: 'field.currency', close_date: 'field.closeDate',
  source: 'field.source', lost_reason: 'field.lostReason', pipeline_id: 'field.pipeline', industry: 'field.industry',
  region: 'field.region', size: 'field.size', website: 'field.website', parent_id: 'field.parentAccount', title: 'field.jobTitle',
  email: 'field.email', phone: 'field.phone', buying_role: 'field.buyingRole',
  company: 'field.company', company_size: 'field.size', notes: 'activity.notes', status: 'leads.status',
  disqualified_reason: 'leads.disqualifyReason', forecast_category: 'field.forecastCategory',
};

/** A field name of the audit log in the user's language ("criterion:12" names the criterion). */
function fieldName(field, criteria) {
  if (!field) return '';
  if (field.startsWith('criterion:')) {
    const c = criteria.find((x) => String(x.id) === field.slice(10));
    return t('audit.criterion', { name: c ? c.name : field.slice(10) });
  }
  return LABELS[field] ? t(LABELS[field]) : field;
}

function valueText(field, v, ctx) {
  if (v === null || v === undefined) return '—';
  if (field === 'owner_id') return ctx.users.find((u) => String(u.id) === v)?.name ?? v;
  if (field === 'stage_id') return ctx.stages.find((s) => String(s.id) === v)?.name ?? v;
  if (field === 'amount' && ctx.currency && /^\d+$/.test(v)) return formatMoney(Number(v), ctx.currency);
  if (field?.startsWith('criterion:')) return v === 'true' ? t('audit.met') : t('audit.unmet');
  if (field === 'status' && ENUMS.lead_status.includes(v)) return t(`enum.lead_status.${v}`);
  if (field === 'forecast_category' && ENUMS.forecast_category.includes(v)) return t(`enum.forecast_category.${v}`);
  return v;
}

/** entity: "opportunities" | "accounts" | "contacts" | "leads"; currency formats amounts; criteria names them. */
export function AuditTrail({ entity, id, version, currency, criteria = [] }) {
  const res = useResource(() => api.get(`/${entity}/${id}/audit`), [entity, id, version]);
  const users = useLookup('users');
  const stages = useLookup('stages');
  const ctx = { users, stages, currency };
  return (
    <Loaded res={res}>{(d) => (
      <div class="table-wrap">
        <table class="table table-compact">
          <thead><tr>
            <th scope="col">{t('audit.when')}</th><th scope="col">{t('audit.who')}</th><th scope="col">{t('audit.field')}</th>
            <th scope="col">{t('audit.from')}</th><th scope="col">{t('audit.to')}</th>
          </tr></thead>
          <tbody>
            {[...d.items].reverse().map((a) => (
              <tr key={a.id}>
                <td class="nowrap">{formatDateTime(a.at)}</td>
                <td>{a.actor || '—'}</td>
                <td>{a.field ? fieldName(a.field, criteria) : t(`enum.audit_action.${a.action}`)}</td>
                <td class="audit-old">{valueText(a.field, a.old, ctx)}</td>
                <td>{valueText(a.field, a.new, ctx)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    )}</Loaded>
  );
}
