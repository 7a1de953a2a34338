// Calendar arithmetic for the filter's date presets. Pure and time-zone free: dates are
// `YYYY-MM-DD` strings. (A chart region carries its own days, computed by the backend.)

export interface DateRange {
  from: string | null;
  to: string | null;
}

export type RangePreset =
  | 'this-month'
  | 'last-month'
  | 'last-3-months'
  | 'this-year'
  | 'last-12-months'
  | 'all'
  | 'custom';

/** The presets offered in the filter bar, in menu order (`custom` is not a preset of its own). */
export const PRESETS: ReadonlyArray<{ id: Exclude<RangePreset, 'custom'>; label: string }> = [
  { id: 'this-month', label: 'This month' },
  { id: 'last-month', label: 'Last month' },
  { id: 'last-3-months', label: 'Last 3 months' },
  { id: 'this-year', label: 'This year' },
  { id: 'last-12-months', label: 'Last 12 months' },
  { id: 'all', label: 'All time' },
];

export function presetLabel(preset: RangePreset): string {
  return PRESETS.find((p) => p.id === preset)?.label ?? 'Custom';
}

export function isPreset(value: string): value is RangePreset {
  return value === 'custom' || PRESETS.some((p) => p.id === value);
}

const pad2 = (n: number): string => String(n).padStart(2, '0');

export function isoDate(year: number, month: number, day: number): string {
  return `${String(year).padStart(4, '0')}-${pad2(month)}-${pad2(day)}`;
}

/** Today in the computer's own time zone, as `YYYY-MM-DD`. */
export function localToday(now: Date = new Date()): string {
  return isoDate(now.getFullYear(), now.getMonth() + 1, now.getDate());
}

export function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

export function daysInMonth(year: number, month: number): number {
  return [31, isLeapYear(year) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1] ?? 30;
}

/** Parses a real calendar date `YYYY-MM-DD`; null for anything else (incl. 2026-02-30). */
export function parseIsoDate(value: string): { year: number; month: number; day: number } | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!m) return null;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  return { year, month, day };
}

export function isIsoDate(value: string): boolean {
  return parseIsoDate(value) !== null;
}

/** A whole calendar month; `month` may run past 1–12 (it is normalised). */
export function monthRange(year: number, month: number): DateRange {
  const index = year * 12 + (month - 1);
  const y = Math.floor(index / 12);
  const m = index - y * 12 + 1;
  return { from: isoDate(y, m, 1), to: isoDate(y, m, daysInMonth(y, m)) };
}

/** `count` whole months ending with (and including) the month of `year`/`month`. */
function monthsEndingWith(year: number, month: number, count: number): DateRange {
  return { from: monthRange(year, month - (count - 1)).from, to: monthRange(year, month).to };
}

/**
 * The date range of a preset, given today. Presets are whole calendar months or years, so
 * they line up with the monthly chart bars: on 2026-11-21 "This month" is 2026-11-01 to
 * 2026-11-30 and "Last 3 months" is 2026-09-01 to 2026-11-30. "All time" and "Custom" have no
 * range of their own (both ends null).
 */
export function presetRange(preset: RangePreset, today: string): DateRange {
  const t = parseIsoDate(today);
  if (!t) return { from: null, to: null };
  switch (preset) {
    case 'this-month':
      return monthRange(t.year, t.month);
    case 'last-month':
      return monthRange(t.year, t.month - 1);
    case 'last-3-months':
      return monthsEndingWith(t.year, t.month, 3);
    case 'this-year':
      return { from: isoDate(t.year, 1, 1), to: isoDate(t.year, 12, 31) };
    case 'last-12-months':
      return monthsEndingWith(t.year, t.month, 12);
    case 'all':
    case 'custom':
      return { from: null, to: null };
  }
}

