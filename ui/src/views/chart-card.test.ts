// @vitest-environment jsdom
import { describe, expect, it } from 'vitest';
import { Store } from '../state';
import { setLocale } from '../format';
import { applyRegion, regionTitle, regionTooltip } from './chart-card';

describe('a clicked chart region', () => {
  it('filters exactly the days the backend says it stands for', () => {
    const store = new Store();
    applyRegion(store, { target: 'period', key: '2026-W01', from: '2025-12-29', to: '2026-01-04' });
    expect(store.filter.from).toBe('2025-12-29');
    expect(store.filter.to).toBe('2026-01-04');
    expect(store.state.range).toBe('custom');
  });

  it('filters a category or a vendor by its key', () => {
    const store = new Store();
    applyRegion(store, { target: 'category', key: 'groceries', from: null, to: null });
    applyRegion(store, { target: 'vendor', key: 'Rema 1000', from: null, to: null });
    expect(store.filter.categories).toEqual(['groceries']);
    expect(store.filter.vendors).toEqual(['Rema 1000']);
  });

  it('changes nothing for a date region without days', () => {
    const store = new Store();
    const before = { ...store.filter };
    applyRegion(store, { target: 'date', key: 'garbled', from: null, to: null });
    expect(store.filter).toEqual(before);
  });
});

describe('a chart tooltip', () => {
  it('shows a month with its money in, out and count, in the locale', () => {
    setLocale('nb-NO');
    const region = { target: 'period', key: '2024-11', amount: null, credit: '12345.50', debit: '-9876.00', count: 42 } as const;
    expect(regionTooltip(region, 'NOK')).toEqual([
      'nov. 2024',
      'Money in: 12\u00a0345,50\u00a0kr',
      'Money out: \u22129\u00a0876,00\u00a0kr',
      '42 transactions',
    ]);
    setLocale('en-GB');
    expect(regionTooltip(region, 'NOK')).toEqual([
      'Nov 2024',
      'Money in: 12,345.50 NOK',
      'Money out: -9,876.00 NOK',
      '42 transactions',
    ]);
  });

  it('shows a category, a vendor and a day by what they are', () => {
    setLocale('en-GB');
    const category = { target: 'category', key: 'groceries', amount: '3456.70', credit: null, debit: null, count: 1 } as const;
    expect(regionTooltip(category, 'NOK')).toEqual(['Groceries', '3,456.70 NOK', '1 transaction']);
    const day = { target: 'date', key: '2026-12-04', amount: '-12.00', credit: null, debit: null, count: null } as const;
    expect(regionTooltip(day, 'EUR')).toEqual(['4 Dec 2026', 'Balance: -12.00 EUR']);
    expect(regionTitle('period', '2026-W12')).toBe('Week 12, 2026');
  });
});
