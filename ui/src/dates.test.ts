import { describe, expect, it } from 'vitest';
import { localToday, monthRange, presetRange } from './dates';

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
