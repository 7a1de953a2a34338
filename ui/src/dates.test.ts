import { describe, expect, it } from 'vitest';
import { isoWeekRange, isoWeeksInYear, keyToRange, localToday, monthRange, presetRange } from './dates';

describe('presetRange', () => {
  // Pinned: presets are whole calendar months / years, ending with the current one.
  const today = '2026-11-21';
  it.each([
    ['this-month', '2026-11-01', '2026-11-30'],
    ['last-month', '2026-10-01', '2026-10-31'],
    ['last-3-months', '2026-09-01', '2026-11-30'],
    ['this-year', '2026-01-01', '2026-12-31'],
    ['last-12-months', '2025-12-01', '2026-11-30'],
  ] as const)('%s on %s', (preset, from, to) => {
    expect(presetRange(preset, today)).toEqual({ from, to });
  });

  it('all time and custom have no range of their own', () => {
    expect(presetRange('all', today)).toEqual({ from: null, to: null });
    expect(presetRange('custom', today)).toEqual({ from: null, to: null });
  });

  it('crosses year boundaries', () => {
    expect(presetRange('last-month', '2026-01-15')).toEqual({ from: '2025-12-01', to: '2025-12-31' });
    expect(presetRange('last-3-months', '2026-02-03')).toEqual({ from: '2025-12-01', to: '2026-02-28' });
    expect(presetRange('last-12-months', '2024-02-29')).toEqual({ from: '2023-03-01', to: '2024-02-29' });
  });

  it('ignores a malformed today', () => {
    expect(presetRange('this-month', 'yesterday')).toEqual({ from: null, to: null });
  });
});

describe('keyToRange', () => {
  it('turns a month key into that month', () => {
    expect(keyToRange('period', '2026-03')).toEqual({ from: '2026-03-01', to: '2026-03-31' });
    expect(keyToRange('date', '2026-04')).toEqual({ from: '2026-04-01', to: '2026-04-30' });
  });

  it('knows leap-year Februaries', () => {
    expect(keyToRange('period', '2024-02')).toEqual({ from: '2024-02-01', to: '2024-02-29' });
    expect(keyToRange('period', '2026-02')).toEqual({ from: '2026-02-01', to: '2026-02-28' });
    expect(keyToRange('period', '2000-02')).toEqual({ from: '2000-02-01', to: '2000-02-29' });
    expect(keyToRange('period', '2100-02')).toEqual({ from: '2100-02-01', to: '2100-02-28' });
  });

  it('turns an ISO week key into Monday to Sunday', () => {
    // 2026-01-01 is a Thursday, so week 1 starts on Monday 29 December 2025.
    expect(keyToRange('period', '2026-W01')).toEqual({ from: '2025-12-29', to: '2026-01-04' });
    expect(keyToRange('period', '2026-W12')).toEqual({ from: '2026-03-16', to: '2026-03-22' });
    expect(keyToRange('period', '2026-W53')).toEqual({ from: '2026-12-28', to: '2027-01-03' });
    // 2021-01-01 is a Friday: it belongs to 2020-W53, and 2021-W01 starts on 4 January.
    expect(keyToRange('period', '2021-W01')).toEqual({ from: '2021-01-04', to: '2021-01-10' });
    expect(keyToRange('period', '2020-W53')).toEqual({ from: '2020-12-28', to: '2021-01-03' });
  });

  it('rejects weeks a year does not have', () => {
    expect(isoWeeksInYear(2026)).toBe(53);
    expect(isoWeeksInYear(2025)).toBe(52);
    expect(keyToRange('period', '2025-W53')).toBeNull();
    expect(keyToRange('period', '2026-W00')).toBeNull();
    expect(isoWeekRange(2026, 54)).toBeNull();
  });

  it('turns date keys into a day, a month or a year', () => {
    expect(keyToRange('date', '2026-03-14')).toEqual({ from: '2026-03-14', to: '2026-03-14' });
    expect(keyToRange('date', '2026-03')).toEqual({ from: '2026-03-01', to: '2026-03-31' });
    expect(keyToRange('date', '2026')).toEqual({ from: '2026-01-01', to: '2026-12-31' });
  });

  it('is null for other targets and malformed keys', () => {
    expect(keyToRange('category', '2026-03')).toBeNull();
    expect(keyToRange('vendor', 'Kiwi')).toBeNull();
    expect(keyToRange('date', '2026-02-30')).toBeNull();
    expect(keyToRange('period', '2026-13')).toBeNull();
    expect(keyToRange('period', '2026-03-14')).toBeNull();
    expect(keyToRange('date', '2026-W12')).toBeNull();
  });
});

describe('monthRange', () => {
  it('normalises months outside 1–12', () => {
    expect(monthRange(2026, 0)).toEqual({ from: '2025-12-01', to: '2025-12-31' });
    expect(monthRange(2026, 14)).toEqual({ from: '2027-02-01', to: '2027-02-28' });
    expect(monthRange(2026, -10)).toEqual({ from: '2025-02-01', to: '2025-02-28' });
  });
});

describe('localToday', () => {
  it('uses the local calendar date', () => {
    expect(localToday(new Date(2026, 10, 21, 23, 59))).toBe('2026-11-21');
    expect(localToday(new Date(2026, 0, 1, 0, 0))).toBe('2026-01-01');
  });
});
