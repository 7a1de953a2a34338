// @vitest-environment jsdom
import { describe, expect, it } from 'vitest';
import { Store } from '../state';
import { applyRegion } from './chart-card';

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
