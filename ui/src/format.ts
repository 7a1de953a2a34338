// Display formatting in the user's locale: the OS's (`navigator.language`) unless the locale
// setting (`app.locale`) names one. Money is formatted from its decimal string only: the
// locale's separators come from `Intl.NumberFormat`, the digits from the string, so amounts are
// never turned into JS numbers and stay exact beyond 2^53.

import type { AccountKind } from './generated/api';

const DECIMAL = /^([+-]?)(\d+)(?:\.(\d+))?$/;

/** What the locale writes around a number's digits. */
interface NumberStyle {
  group: string;
  decimal: string;
  minus: string;
}

let active = systemLocale();
let numberStyleCache: NumberStyle | null = null;
const currencyCache = new Map<string, { text: string; gap: string }>();

/** The OS's locale as the webview reports it; en-GB when it reports none Intl knows. */
export function systemLocale(): string {
  const tag = typeof navigator !== 'undefined' ? navigator.language : '';
  return isKnownLocale(tag) ? tag : 'en-GB';
}

function isKnownLocale(tag: string | null | undefined): tag is string {
  if (!tag) return false;
  try {
    return Intl.NumberFormat.supportedLocalesOf([tag]).length > 0;
  } catch {
    return false;
  }
}

/** Uses `tag` (the locale setting) from now on; empty or unknown: the OS's locale. */
export function setLocale(tag: string | null | undefined): void {
  active = isKnownLocale(tag) ? tag : systemLocale();
  numberStyleCache = null;
  currencyCache.clear();
  monthFormat = null;
  dayFormat = null;
}

/** The locale amounts and dates are written in now (BCP 47, e.g. "nb-NO"). */
export function currentLocale(): string {
  return active;
}

function numberStyle(): NumberStyle {
  if (numberStyleCache) return numberStyleCache;
  const parts = new Intl.NumberFormat(active, { useGrouping: true }).formatToParts(-1234567.5);
  const find = (type: string, fallback: string): string => parts.find((p) => p.type === type)?.value ?? fallback;
  numberStyleCache = { group: find('group', ','), decimal: find('decimal', '.'), minus: find('minusSign', '-') };
  return numberStyleCache;
}

/**
 * The currency as this locale writes it after a number: its symbol where the locale writes
 * one there ("kr" for NOK and "€" for EUR under nb-NO), else the ISO code ("NOK" under en-GB,
 * where Intl would put a symbol or code in front). The number always comes first, so amounts
 * line up in columns whatever the currency.
 */
function currencyAfter(currency: string): { text: string; gap: string } {
  const cached = currencyCache.get(currency);
  if (cached) return cached;
  let found = { text: currency, gap: ' ' };
  try {
    const parts = new Intl.NumberFormat(active, { style: 'currency', currency }).formatToParts(1);
    const at = parts.findIndex((p) => p.type === 'currency');
    const integer = parts.findIndex((p) => p.type === 'integer');
    const symbol = parts[at]?.value;
    if (symbol && at > integer) {
      const between = parts.slice(integer + 1, at).find((p) => p.type === 'literal')?.value ?? '';
      found = { text: symbol, gap: between };
    }
  } catch {
    // Not a currency Intl knows: the code, as given.
  }
  currencyCache.set(currency, found);
  return found;
}

/** Joins a string of digits in groups of three with `group`. */
function groupDigits(digits: string, group: string): string {
  let out = '';
  for (let i = 0; i < digits.length; i++) {
    if (i > 0 && (digits.length - i) % 3 === 0) out += group;
    out += digits[i];
  }
  return out;
}

/**
 * Formats an exact decimal string for display in the current locale, then the currency as the
 * locale writes it after a number. The fraction is kept exactly as given (the backend already
 * pads it to the currency's minor units).
 *
 *   en-GB: formatAmount("-61299.00", "NOK") === "-61,299.00 NOK"
 *   nb-NO: formatAmount("-61299.00", "NOK") === "−61 299,00 kr" (no-break space, U+2212)
 *
 * A string that is not a plain decimal is shown as it is rather than guessed at.
 */
export function formatAmount(amount: string, currency: string): string {
  const c = currencyAfter(currency);
  return `${formatDecimal(amount)}${c.gap}${c.text}`;
}

/** The currency text and the gap before it, for views that put it in its own element. */
export function currencyLabel(currency: string): { text: string; gap: string } {
  return currencyAfter(currency);
}

/** The number part of {@link formatAmount}, without the currency. */
export function formatDecimal(amount: string): string {
  const trimmed = amount.trim();
  const m = DECIMAL.exec(trimmed);
  if (!m) return trimmed;
  const style = numberStyle();
  const sign = m[1] === '-' ? style.minus : '';
  const integer = (m[2] ?? '0').replace(/^0+(?=\d)/, '');
  const fraction = m[3];
  return sign + groupDigits(integer, style.group) + (fraction !== undefined ? `${style.decimal}${fraction}` : '');
}

/** True when the decimal string is below zero (a "-0.00" is not). */
export function isNegative(amount: string): boolean {
  const m = DECIMAL.exec(amount.trim());
  if (!m || m[1] !== '-') return false;
  return /[1-9]/.test((m[2] ?? '') + (m[3] ?? ''));
}

/** Formats a whole count with the locale's thousands: 1234 → "1,234" (en-GB), "1 234" (nb-NO). */
export function formatCount(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const whole = Math.trunc(n);
  const sign = whole < 0 ? numberStyle().minus : '';
  return sign + groupDigits(String(Math.abs(whole)), numberStyle().group);
}

/** "1 transaction", "1,234 transactions". */
export function plural(n: number, one: string, many: string): string {
  return `${formatCount(n)} ${n === 1 ? one : many}`;
}

const KIND_LABELS: Record<AccountKind, string> = {
  current: 'Current account',
  savings: 'Savings',
  credit_card: 'Credit card',
  loan: 'Loan',
  other: 'Other',
};

export function kindLabel(kind: AccountKind): string {
  return KIND_LABELS[kind] ?? 'Other';
}

let monthFormat: Intl.DateTimeFormat | null = null;
let dayFormat: Intl.DateTimeFormat | null = null;

/** A calendar day in the locale: "27 Mar 2026" (en-GB), "27. mars 2026"-style (nb-NO). */
function dayText(year: number, month: number, day: number): string {
  dayFormat ??= new Intl.DateTimeFormat(active, { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' });
  const at = new Date(Date.UTC(2000, month - 1, day));
  at.setUTCFullYear(year);
  return dayFormat.format(at);
}

/**
 * "2026-03-27" → "27 Mar 2026" (en-GB), "27. mar. 2026" (nb-NO). Also accepts an RFC 3339
 * timestamp and uses its date part as written (no time-zone conversion). Anything else is
 * returned unchanged.
 */
export function formatDate(iso: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:$|[T ])/.exec(iso);
  if (!m) return iso;
  const month = Number(m[2]);
  const day = Number(m[3]);
  if (month < 1 || month > 12 || day < 1 || day > 31) return iso;
  return dayText(Number(m[1]), month, day);
}

/** "2026-03" → "Mar 2026" (en-GB), "mar. 2026" (nb-NO); the month axis and tooltips use it. */
export function formatMonth(key: string): string {
  const m = /^(\d{4})-(\d{2})$/.exec(key);
  if (!m) return key;
  const month = Number(m[2]);
  if (month < 1 || month > 12) return key;
  monthFormat ??= new Intl.DateTimeFormat(active, { month: 'short', year: 'numeric', timeZone: 'UTC' });
  const at = new Date(Date.UTC(2000, month - 1, 1));
  at.setUTCFullYear(Number(m[1]));
  return monthFormat.format(at);
}

/**
 * How long ago an RFC 3339 timestamp was, relative to `now`: "just now", "5 min ago",
 * "3 h ago", "yesterday", "4 days ago", then the date ("27 Mar 2026").
 */
export function formatRelativeTime(timestamp: string, now: Date = new Date()): string {
  const at = Date.parse(timestamp);
  if (Number.isNaN(at)) return timestamp;
  const seconds = Math.round((now.getTime() - at) / 1000);
  if (seconds < 60) return 'just now';
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours} h ago`;
  const days = Math.floor(hours / 24);
  if (days === 1) return 'yesterday';
  if (days < 7) return `${days} days ago`;
  return formatDate(timestamp);
}

/** The number to show for an account: its own number, else its IBAN, else nothing. */
export function accountNumberLabel(number: string | null, iban: string | null): string {
  return (number ?? iban ?? '').trim();
}

/**
 * An RFC 3339 timestamp as a local date and time, "27 Mar 2026, 14:05" (the clock of this
 * computer). Anything unparseable is returned unchanged.
 */
export function formatDateTime(timestamp: string): string {
  const at = Date.parse(timestamp);
  if (Number.isNaN(at)) return timestamp;
  const d = new Date(at);
  const hh = String(d.getHours()).padStart(2, '0');
  const mm = String(d.getMinutes()).padStart(2, '0');
  return `${dayText(d.getFullYear(), d.getMonth() + 1, d.getDate())}, ${hh}:${mm}`;
}
