// i18n: message catalogs (one JSON file per language, loaded on demand) and
// every number, money and date format, all through Intl in the user's locale.
//
// A message is a string with {placeholders}, or, where a language has plural
// forms, an object keyed by Intl.PluralRules categories ({one, other}).

export const LOCALES = [
  { code: 'zh-CN', name: '简体中文' },
  { code: 'zh-TW', name: '繁體中文' },
  { code: 'en', name: 'English' },
  { code: 'hu', name: 'Magyar' },
];
const CODES = new Set(LOCALES.map((l) => l.code));
const catalogs = import.meta.glob('./*.json', { import: 'default' });

let locale = 'en';
let messages = {};
const formatters = new Map();

/** The locale a browser asks for, mapped onto ours (zh-HK and zh-Hant read Traditional). */
export function detectLocale(languages = []) {
  for (const raw of languages) {
    const l = String(raw).toLowerCase();
    if (/^zh-(tw|hk|mo)|^zh-hant/.test(l)) return 'zh-TW';
    if (l.startsWith('zh')) return 'zh-CN';
    if (l.startsWith('hu')) return 'hu';
    if (l.startsWith('en')) return 'en';
  }
  return 'en';
}

// Minor-unit digits per currency come from the server (ISO 4217), which stores
// amounts as integer minor units; CLDR's display digits differ for some (HUF).
let digits = new Map();
let currenciesLoaded = null;
function loadCurrencies() {
  currenciesLoaded ||= fetch('/api/v1/currencies')
    .then((r) => (r.ok ? r.json() : { items: [] }))
    .then((body) => { digits = new Map(body.items.map((c) => [c.code, c.digits])); })
    .catch(() => { currenciesLoaded = null; });
  return currenciesLoaded;
}

export async function loadLocale(code) {
  const next = CODES.has(code) ? code : 'en';
  [messages] = await Promise.all([catalogs[`./${next}.json`](), loadCurrencies()]);
  locale = next;
  formatters.clear();
  document.documentElement.lang = next;
  return next;
}

export const currentLocale = () => locale;

/** The message for `key`, with {name} placeholders filled from `params`. */
export function t(key, params) {
  let msg = messages[key];
  if (msg === undefined) return key;
  if (typeof msg === 'object') msg = msg[plural(params?.count ?? 0)] ?? msg.other;
  if (!params) return msg;
  return msg.replace(/\{(\w+)\}/g, (m, name) => (name in params ? String(params[name]) : m));
}

/** Like t(), but the placeholders may be elements (a number that is a button):
 * the message as an array of text and the given values, for JSX to render. */
export function tParts(key, params = {}) {
  let msg = messages[key];
  if (msg === undefined) return [key];
  if (typeof msg === 'object') msg = msg[plural(params.count ?? 0)] ?? msg.other;
  const out = [];
  let last = 0;
  for (const m of msg.matchAll(/\{(\w+)\}/g)) {
    if (m.index > last) out.push(msg.slice(last, m.index));
    out.push(m[1] in params ? params[m[1]] : m[0]);
    last = m.index + m[0].length;
  }
  if (last < msg.length) out.push(msg.slice(last));
  return out;
}

function cached(kind, options, make) {
  const k = kind + JSON.stringify(options);
  let f = formatters.get(k);
  if (!f) formatters.set(k, (f = make()));
  return f;
}

const plural = (n) => cached('plural', {}, () => new Intl.PluralRules(locale)).select(n);

// ---- numbers and money ----

export const formatNumber = (n, opts = {}) =>
  cached('num', opts, () => new Intl.NumberFormat(locale, opts)).format(n);

/** Minor-unit digits of a currency: the server's ISO 4217 table, else what Intl knows. */
function minorDigits(currency) {
  if (digits.has(currency)) return digits.get(currency);
  return cached('digits', { currency }, () =>
    new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits);
}

/** Money in minor units as text: "¥36,000" (fractions shown only when there are some; `whole` rounds
 * to major units, for estimates such as a forecast, where cents are noise). */
export function formatMoney(amount, currency, { compact = false, whole = false } = {}) {
  if (amount === null || amount === undefined || !currency) return '';
  const d = minorDigits(currency);
  const scale = 10 ** d;
  const opts = compact
    ? { style: 'currency', currency, notation: 'compact', maximumFractionDigits: 1 }
    : whole ? { style: 'currency', currency, minimumFractionDigits: 0, maximumFractionDigits: 0 }
      : { style: 'currency', currency, minimumFractionDigits: amount % scale ? d : 0, maximumFractionDigits: d };
  return cached('money', opts, () => new Intl.NumberFormat(locale, opts)).format(amount / scale);
}

function separators() {
  return cached('sep', {}, () => {
    const parts = new Intl.NumberFormat(locale).formatToParts(12345.6);
    return {
      group: parts.find((p) => p.type === 'group')?.value || ',',
      decimal: parts.find((p) => p.type === 'decimal')?.value || '.',
    };
  });
}

/** Parse a typed decimal ("12,345.6" in en, "12 345,6" in hu) into an integer count of
 * 1/10^digits, without floating point. NaN if it is not a number or has too many decimals. */
function parseDecimal(text, digits) {
  const { group, decimal } = separators();
  let s = String(text).trim().replace(/[\s\u00a0\u202f]/g, '');
  if (group !== decimal) s = s.split(group).join('');
  if (decimal !== '.') s = s.replace(decimal, '.');
  else s = s.replace(/,/g, '');
  const m = /^(\d+)(?:\.(\d*))?$/.exec(s);
  if (!m || (m[2] || '').length > digits) return NaN;
  const n = Number(m[1] + (m[2] || '').padEnd(digits, '0'));
  return Number.isSafeInteger(n) ? n : NaN;
}

/** An integer count of 1/10^digits as editable text in the user's locale (no grouping). */
function decimalText(n, digits) {
  if (n === null || n === undefined || n === '') return '';
  const s = String(Math.abs(n)).padStart(digits + 1, '0');
  const whole = digits ? s.slice(0, -digits) : s;
  const frac = digits ? s.slice(-digits).replace(/0+$/, '') : '';
  return (n < 0 ? '-' : '') + whole + (frac ? separators().decimal + frac : '');
}

export const parseMoney = (text, currency) => parseDecimal(text, minorDigits(currency));
export const moneyText = (amount, currency) => decimalText(amount, minorDigits(currency));

/** Basis points as a percentage: 1250 -> "12.5%". */
export const formatBp = (bp) => formatNumber((bp || 0) / 10000, { style: 'percent', maximumFractionDigits: 2 });
/** A rate from 0 to 1 as a percentage: 0.375 -> "37.5%". */
export const formatRate = (rate, digits = 1) =>
  rate === null || rate === undefined ? '—' : formatNumber(rate, { style: 'percent', maximumFractionDigits: digits });
/** A difference in percentage points with its sign: "+5.1", "−2.8", "0". */
export const formatSigned = (n, digits = 1) => formatNumber(n, { signDisplay: 'exceptZero', maximumFractionDigits: digits });
/** Typed percent ("12.5") -> basis points (1250). */
export const parsePercent = (text) => parseDecimal(text, 2);
export const percentText = (bp) => decimalText(bp, 2);

// ---- dates ----

/** "YYYY-MM-DD" as a local date (no time-zone shift), or a Date for an RFC 3339 time. */
function toDate(value) {
  if (value instanceof Date) return value;
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  return m ? new Date(+m[1], +m[2] - 1, +m[3]) : new Date(value);
}

export const formatDate = (value, opts = { dateStyle: 'medium' }) =>
  value ? cached('date', opts, () => new Intl.DateTimeFormat(locale, opts)).format(toDate(value)) : '';

export const formatDateTime = (value) => formatDate(value, { dateStyle: 'medium', timeStyle: 'short' });

/** "Dec 7", with the year only when it is not this year: for dense places like board cards. */
export function formatShortDate(value) {
  if (!value) return '';
  const sameYear = toDate(value).getFullYear() === new Date().getFullYear();
  return formatDate(value, sameYear ? { month: 'short', day: 'numeric' } : { year: 'numeric', month: 'short', day: 'numeric' });
}

/** "3 days ago", "tomorrow", "in 2 hours" */
export function formatRelative(value, now = Date.now()) {
  if (!value) return '';
  const diff = toDate(value).getTime() - now;
  const rtf = cached('rel', {}, () => new Intl.RelativeTimeFormat(locale, { numeric: 'auto' }));
  const abs = Math.abs(diff);
  if (abs < 3600e3) return rtf.format(Math.round(diff / 60e3), 'minute');
  if (abs < 86400e3) return rtf.format(Math.round(diff / 3600e3), 'hour');
  if (abs < 30 * 86400e3) return rtf.format(Math.round(diff / 86400e3), 'day');
  return formatDate(value);
}

/** Today (or today + days) as YYYY-MM-DD in the browser's time zone. */
export function isoDate(days = 0, from = new Date()) {
  const d = new Date(from.getFullYear(), from.getMonth(), from.getDate() + days);
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

// ---- server validation reasons ----

// The server explains each rejected field in English; the common reasons have
// translations, anything else is shown as the server said it.
const REASONS = [
  [/^(is required|must not be empty)/, 'error.required'],
  [/^is not an email address/, 'error.email'],
  [/^must be a real date/, 'error.date'],
  [/^must be at most (\d+) characters/, 'error.tooLong', 'max'],
  [/^must be a whole number/, 'error.number'],
  [/^must not be negative/, 'error.negative'],
  [/^is too large/, 'error.tooLarge'],
  [/^must be between 0 and 10000/, 'error.percent'],
  [/^must be at least 1/, 'error.atLeastOne'],
  [/^no \w+ with id \d+ that you can see/, 'error.notVisible'],
  [/^you cannot give records to this user/, 'error.ownerNotAllowed'],
  [/^is not your current password/, 'error.wrongPassword'],
];

export function reasonText(reason) {
  for (const [re, key, param] of REASONS) {
    const m = re.exec(reason || '');
    if (m) return t(key, param ? { [param]: m[1] } : undefined);
  }
  return reason;
}
