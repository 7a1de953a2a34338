import { describe, expect, it, vi } from 'vitest';
import { emptyFilter } from './filter';
import { decodeHash, defaultState, encodeHash, Store, type UiState } from './state';

const today = '2026-11-21';

describe('URL hash', () => {
  it('is empty for the default state', () => {
    expect(encodeHash(defaultState())).toBe('');
    expect(decodeHash('', today)).toEqual(defaultState());
    expect(decodeHash('#', today)).toEqual(defaultState());
  });

  it('round-trips a full state', () => {
    const state: UiState = {
      view: 'transactions',
      range: 'custom',
      filter: {
        from: '2026-03-01',
        to: '2026-03-31',
        accounts: [1, 3],
        direction: 'debit',
        categories: ['groceries', 'uncategorised'],
        vendors: ['Rema 1000', 'Åpent Bakeri & Co', 'A=B?c#d'],
        search: 'rema 1000 & co',
        min: '100.50',
        max: '2000',
        transfers: 'include',
      },
      sort: 'amount',
      descending: false,
      period: 'week',
    };
    const hash = encodeHash(state);
    expect(hash).toContain('view=transactions');
    expect(hash).not.toContain('+'); // spaces are %20, so the hash reads the same everywhere
    expect(decodeHash(`#${hash}`, today)).toEqual(state);
    expect(encodeHash(decodeHash(hash, today))).toBe(hash);
  });

  it('keeps a preset by name and resolves it against today', () => {
    const state = decodeHash('#range=this-month&direction=credit', today);
    expect(state.range).toBe('this-month');
    expect(state.filter).toEqual({ ...emptyFilter(), from: '2026-11-01', to: '2026-11-30', direction: 'credit' });
    expect(encodeHash(state)).toBe('range=this-month&direction=credit');
    // A month later the same URL means the new month.
    expect(decodeHash('#range=this-month', '2026-12-02').filter.from).toBe('2026-12-01');
  });

  it('knows the Connections view', () => {
    const state = decodeHash('#view=connections', '2026-03-27');
    expect(state.view).toBe('connections');
    expect(encodeHash(state)).toBe('view=connections');
  });

  it('ignores what it does not understand', () => {
    const state = decodeHash(
      '#view=nope&from=2026-02-30&to=yesterday&account=x&account=-1&account=2&account=2&direction=sideways' +
        '&min=12,5&max=abc&sort=colour&order=up&period=decade&category=&bogus=1',
      today,
    );
    expect(state).toEqual({ ...defaultState(), filter: { ...emptyFilter(), accounts: [2] } });
  });

  it('takes a column default direction when only the sort is given', () => {
    expect(decodeHash('#sort=vendor', today)).toMatchObject({ sort: 'vendor', descending: false });
    expect(decodeHash('#sort=amount', today)).toMatchObject({ sort: 'amount', descending: true });
  });
});

describe('Store', () => {
  it('tells listeners whether the filter changed', () => {
    const store = new Store();
    const listener = vi.fn();
    store.subscribe(listener);
    store.update({ view: 'transactions' });
    expect(listener).toHaveBeenLastCalledWith(expect.objectContaining({ filterChanged: false, dataChanged: false }));
    store.setFilter({ search: 'rema' });
    expect(listener).toHaveBeenLastCalledWith(expect.objectContaining({ filterChanged: true }));
    expect(listener).toHaveBeenCalledTimes(2);
    store.setFilter({ search: 'rema' }); // no change, no call
    expect(listener).toHaveBeenCalledTimes(2);
    store.invalidate();
    expect(listener).toHaveBeenLastCalledWith(expect.objectContaining({ filterChanged: true, dataChanged: true }));
    expect(store.dataVersion).toBe(1);
  });

  it('makes typed or clicked dates a custom range and presets named ones', () => {
    const store = new Store();
    store.setRange('last-month', today);
    expect(store.state.range).toBe('last-month');
    expect(store.filter).toMatchObject({ from: '2026-10-01', to: '2026-10-31' });
    store.setFilter({ from: '2026-10-05' });
    expect(store.state.range).toBe('custom');
    store.setFilter({ from: null, to: null });
    expect(store.state.range).toBe('all');
    store.setRange('this-year', today);
    store.setFilter({ categories: ['groceries'] });
    expect(store.state.range).toBe('this-year');
  });
});
