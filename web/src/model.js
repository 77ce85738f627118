// model.js: the fixed value lists of the API (see src/crm/entities.c), whose
// labels live in the catalogs as "enum.<list>.<value>".
export const ENUMS = {
  role: ['admin', 'manager', 'rep', 'csm', 'ops'],
  buying_role: ['decision_maker', 'economic_buyer', 'champion', 'influencer', 'user', 'blocker'],
  stage_kind: ['open', 'won', 'lost'],
  activity_kind: ['call', 'email', 'meeting', 'task', 'note'],
  audit_action: ['create', 'update', 'delete', 'share', 'unshare'],
  lead_status: ['new', 'assigned', 'duplicate', 'converted', 'disqualified'],
  lead_intake: ['form', 'api', 'import'],
  duplicate_on: ['email', 'phone', 'company'],
  assignment_method: ['round_robin', 'balanced'],
  assignment_log: ['duplicate', 'direct', 'round_robin', 'balanced', 'manual', 'none'],
  forecast_category: ['commit', 'best_case', 'pipeline', 'omitted'],
  forecast_source: ['history', 'default'],
  import_entity: ['accounts', 'contacts', 'opportunities', 'products', 'activities', 'leads', 'users', 'teams'],
  import_status: ['ready', 'running', 'done', 'failed'],
  // every import target of every entity (src/io/targets.c)
  import_target: [
    'account', 'active', 'amount', 'body', 'buying_role', 'category', 'close_date', 'closed', 'company', 'company_size',
    'contact', 'created', 'currency', 'done_at', 'due_at', 'email', 'industry', 'kind', 'list_price', 'locale', 'lost_reason', 'manager',
    'name', 'notes', 'opportunity', 'outcome', 'owner', 'parent', 'phone', 'pipeline', 'product', 'quantity', 'region', 'role',
    'size', 'sku', 'source', 'stage', 'subject', 'team', 'title', 'unit_cost', 'website',
  ],
  activity_metric: ['calls', 'emails', 'meetings'],
};

/** The currencies the server accepts, most used first. */
export const CURRENCIES = [
  'CNY', 'USD', 'EUR', 'HKD', 'TWD', 'HUF', 'JPY', 'GBP', 'SGD', 'KRW', 'AUD', 'CAD', 'CHF', 'INR', 'MOP',
  'MYR', 'THB', 'VND', 'IDR', 'PHP', 'NZD', 'SEK', 'NOK', 'DKK', 'PLN', 'CZK', 'RON', 'AED', 'SAR', 'BRL',
  'MXN', 'ZAR', 'RUB', 'TRY',
];
export const DEFAULT_CURRENCY = 'CNY';

/** Whole days since an RFC 3339 time. */
export const daysSince = (ts, now = Date.now()) => (ts ? Math.max(0, Math.floor((now - Date.parse(ts)) / 86400e3)) : 0);

/** A line's total in minor units: quantity x unit price less the discount, rounded half up
 * (the server's rule, in BigInt so large figures stay exact). */
export function lineTotal(quantity, unitPrice, discountBp = 0) {
  const num = BigInt(quantity) * BigInt(unitPrice) * BigInt(10000 - discountBp);
  return Number((num + 5000n) / 10000n);
}
