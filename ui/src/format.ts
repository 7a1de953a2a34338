// Display formatting. Everything here is deterministic and locale-independent, and money is
// formatted from its decimal string only: amounts are never turned into JS numbers.

import type { AccountKind } from './generated/api';

const DECIMAL = /^([+-]?)(\d+)(?:\.(\d+))?$/;

/** Inserts `,` every three digits from the right of a string of digits. */
function groupDigits(digits: string): string {
  let out = '';
  for (let i = 0; i < digits.length; i++) {
    if (i > 0 && (digits.length - i) % 3 === 0) out += ',';
    out += digits[i];
  }
  return out;
}

/**
 * Formats an exact decimal string for display: `,` thousands separator, `.` decimal point,
 * then a space and the ISO currency code. The fraction is kept exactly as given (the backend
 * already pads it to the currency's minor units).
 *
 *   formatAmount("-61299.00", "NOK") === "-61,299.00 NOK"
 *   formatAmount("1500", "JPY")      === "1,500 JPY"
 *
 * A string that is not a plain decimal is shown as it is rather than guessed at.
 */
export function formatAmount(amount: string, currency: string): string {
  return `${formatDecimal(amount)} ${currency}`;
}

/** The number part of {@link formatAmount}, without the currency code. */
export function formatDecimal(amount: string): string {
  const trimmed = amount.trim();
  const m = DECIMAL.exec(trimmed);
  if (!m) return trimmed;
  const sign = m[1] === '-' ? '-' : '';
  const integer = (m[2] ?? '0').replace(/^0+(?=\d)/, '');
  const fraction = m[3];
  return sign + groupDigits(integer) + (fraction !== undefined ? `.${fraction}` : '');
}

/** True when the decimal string is below zero (a "-0.00" is not). */
export function isNegative(amount: string): boolean {
  const m = DECIMAL.exec(amount.trim());
  if (!m || m[1] !== '-') return false;
  return /[1-9]/.test((m[2] ?? '') + (m[3] ?? ''));
}

/** Formats a whole count with `,` thousands: 1234 → "1,234". */
export function formatCount(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const whole = Math.trunc(n);
  const sign = whole < 0 ? '-' : '';
  return sign + groupDigits(String(Math.abs(whole)));
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

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * "2026-03-27" → "27 Mar 2026". Also accepts an RFC 3339 timestamp and uses its date part as
 * written (no time-zone conversion). Anything else is returned unchanged.
 */
export function formatDate(iso: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:$|[T ])/.exec(iso);
  if (!m) return iso;
  const month = Number(m[2]);
  const day = Number(m[3]);
  const name = MONTHS[month - 1];
  if (name === undefined || day < 1 || day > 31) return iso;
  return `${day} ${name} ${m[1]}`;
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
  const name = MONTHS[d.getMonth()] ?? '';
  const hh = String(d.getHours()).padStart(2, '0');
  const mm = String(d.getMinutes()).padStart(2, '0');
  return `${d.getDate()} ${name} ${d.getFullYear()}, ${hh}:${mm}`;
}
