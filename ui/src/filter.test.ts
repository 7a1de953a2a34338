import { describe, expect, it } from 'vitest';
import type { Filter } from './generated/api';
import { categoryLabel, emptyFilter, filterChips, filterKey, isFilterEmpty, withoutChip } from './filter';

describe('filter chips', () => {
  const names = (id: number): string => ({ 1: 'Brukskonto', 3: 'Visa Reise' })[id] ?? `Account ${id}`;

  it('has one chip per restriction, and removing one removes only it', () => {
    const f = {
      ...emptyFilter(),
      from: '2026-03-01',
      to: '2026-03-31',
      accounts: [1, 3],
      direction: 'debit' as const,
      categories: ['groceries', 'uncategorised'],
      vendors: ['Kiwi'],
      search: 'rema',
      min: '100',
      max: null,
    };
    const chips = filterChips(f, 'custom', names);
    expect(chips.map((c) => [c.key, c.label])).toEqual([
      ['range', '1 Mar 2026 – 31 Mar 2026'],
      ['account:1', 'Brukskonto'],
      ['account:3', 'Visa Reise'],
      ['direction', 'Money out'],
      ['category:groceries', 'Groceries'],
      ['category:uncategorised', 'Uncategorised'],
      ['vendor:Kiwi', 'Kiwi'],
      ['search', '“rema”'],
      ['amount', '≥ 100'],
    ]);
    expect(withoutChip(f, 'account:1').accounts).toEqual([3]);
    expect(withoutChip(f, 'category:uncategorised').categories).toEqual(['groceries']);
    expect(withoutChip(f, 'range')).toMatchObject({ from: null, to: null, search: 'rema' });
    expect(withoutChip(f, 'amount')).toMatchObject({ min: null, max: null });
    let g: Filter = f;
    for (const c of chips) g = withoutChip(g, c.key);
    expect(isFilterEmpty(g)).toBe(true);
  });

  it('names presets and open ranges', () => {
    expect(filterChips({ ...emptyFilter(), from: '2026-11-01', to: '2026-11-30' }, 'this-month', names)[0]?.label).toBe(
      'This month',
    );
    expect(filterChips({ ...emptyFilter(), from: '2026-03-14', to: '2026-03-14' }, 'custom', names)[0]?.label).toBe(
      '14 Mar 2026',
    );
    expect(filterChips({ ...emptyFilter(), to: '2026-03-14' }, 'custom', names)[0]?.label).toBe('Until 14 Mar 2026');
    expect(filterChips({ ...emptyFilter(), min: '5', max: '10' }, 'all', names)[0]?.label).toBe('5 – 10');
  });

  it('vendor names with a colon survive the chip key', () => {
    const f = { ...emptyFilter(), vendors: ['Café: Oslo', 'Kiwi'] };
    expect(withoutChip(f, 'vendor:Café: Oslo').vendors).toEqual(['Kiwi']);
  });
});

describe('filterKey', () => {
  it('ignores list order', () => {
    const a = { ...emptyFilter(), accounts: [3, 1], categories: ['b', 'a'] };
    const b = { ...emptyFilter(), accounts: [1, 3], categories: ['a', 'b'] };
    expect(filterKey(a)).toBe(filterKey(b));
    expect(filterKey(a)).not.toBe(filterKey(emptyFilter()));
  });
});

describe('categoryLabel', () => {
  it('capitalises known categories and names the missing one', () => {
    expect(categoryLabel('groceries')).toBe('Groceries');
    expect(categoryLabel(null)).toBe('Uncategorised');
    expect(categoryLabel('uncategorised')).toBe('Uncategorised');
    expect(categoryLabel('something-new')).toBe('something-new');
  });
});
