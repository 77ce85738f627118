// model.js: the fixed value lists of the API (see src/crm/entities.c), whose
// labels live in the catalogs as "enum.<list>.<value>".
export const ENUMS = {
  role: ['admin', 'manager', 'rep', 'csm', 'ops'],
  buying_role: ['decision_maker', 'economic_buyer', 'champion', 'influencer', 'user', 'blocker'],
  stage_kind: ['open', 'won', 'lost'],
  activity_kind: ['call', 'email', 'meeting', 'task', 'note'],
  audit_action: ['create', 'update', 'delete', 'share', 'unshare'],
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
