// Calendar arithmetic for the filter: date presets and the keys a chart region carries. Pure
// and time-zone free: dates are `YYYY-MM-DD` strings and arithmetic is done on UTC days.

import type { HitTarget } from './generated/api';

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

const DAY_MS = 86_400_000;

function utcDays(year: number, month: number, day: number): number {
  return Date.UTC(year, month - 1, day) / DAY_MS;
}

function fromUtcDays(days: number): string {
  const d = new Date(days * DAY_MS);
  return isoDate(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate());
}

/** ISO-8601 weeks in a year: 53 when it starts on a Thursday (or a Wednesday in a leap year). */
export function isoWeeksInYear(year: number): number {
  const jan1 = new Date(Date.UTC(year, 0, 1)).getUTCDay(); // 0 = Sunday
  return jan1 === 4 || (jan1 === 3 && isLeapYear(year)) ? 53 : 52;
}

/** Monday to Sunday of ISO week `week` of ISO year `year` (week 1 holds January 4th). */
export function isoWeekRange(year: number, week: number): DateRange | null {
  if (!Number.isInteger(week) || week < 1 || week > isoWeeksInYear(year)) return null;
  const jan4 = utcDays(year, 1, 4);
  const weekday = (new Date(jan4 * DAY_MS).getUTCDay() + 6) % 7; // 0 = Monday
  const monday = jan4 - weekday + (week - 1) * 7;
  return { from: fromUtcDays(monday), to: fromUtcDays(monday + 6) };
}

/**
 * The date range a chart key stands for:
 * - `period`: "2026-03" (that month) or "2026-W12" (that ISO week, Monday–Sunday);
 * - `date`: "2026-03-14" (that day), "2026-03" (that month) or "2026" (that year).
 * Null when the key is not a date key (category and vendor keys) or is malformed.
 */
export function keyToRange(target: HitTarget, key: string): DateRange | null {
  if (target !== 'period' && target !== 'date') return null;
  const week = /^(\d{4})-W(\d{2})$/.exec(key);
  if (week && target === 'period') return isoWeekRange(Number(week[1]), Number(week[2]));
  const month = /^(\d{4})-(\d{2})$/.exec(key);
  if (month) {
    const m = Number(month[2]);
    return m >= 1 && m <= 12 ? monthRange(Number(month[1]), m) : null;
  }
  if (target === 'date') {
    if (isIsoDate(key)) return { from: key, to: key };
    if (/^\d{4}$/.test(key)) return { from: `${key}-01-01`, to: `${key}-12-31` };
  }
  return null;
}
