// Filter helpers with no DOM: labels, and the chips that describe an active filter. Typed
// amounts are read by the backend's one parser (the `check_amounts` operation), never here.

import type { Category, Direction, Filter, Transfers } from './generated/api';
import { presetLabel, type RangePreset } from './dates';
import { formatDate, formatDecimal } from './format';
import { emptyFilter } from './api';

/** The filter value for rows without a category; the backend accepts it in `categories`. */
export const UNCATEGORISED = 'uncategorised';

export { emptyFilter };

const CATEGORY_LABELS: Record<Category, string> = {
  groceries: 'Groceries',
  restaurants: 'Restaurants',
  transport: 'Transport',
  housing: 'Housing',
  utilities: 'Utilities',
  subscriptions: 'Subscriptions',
  shopping: 'Shopping',
  travel: 'Travel',
  health: 'Health',
  fees: 'Fees',
  income: 'Income',
  transfers: 'Transfers',
  other: 'Other',
};

/** "groceries" → "Groceries"; "uncategorised" → "Uncategorised"; unknown keys as given. */
export function categoryLabel(category: string | null): string {
  if (category === null || category === UNCATEGORISED) return 'Uncategorised';
  return (CATEGORY_LABELS as Record<string, string>)[category] ?? category;
}

export function directionLabel(direction: Direction): string {
  return direction === 'debit' ? 'Money out' : 'Money in';
}

/** "1 Mar 2026 – 31 Mar 2026", "From 1 Mar 2026", "Until 31 Mar 2026". */
export function rangeLabel(preset: RangePreset, from: string | null, to: string | null): string {
  if (preset !== 'custom' && preset !== 'all') return presetLabel(preset);
  if (from && to) return from === to ? formatDate(from) : `${formatDate(from)} – ${formatDate(to)}`;
  if (from) return `From ${formatDate(from)}`;
  if (to) return `Until ${formatDate(to)}`;
  return 'All time';
}

export interface FilterChip {
  /** Stable key, also used as `data-chip` in the DOM. */
  key: string;
  /** What kind of restriction, for the remove button's label ("Remove Category: Groceries"). */
  kind: string;
  label: string;
}

/**
 * What a filter's `transfers` field does, in words. Without it totals leave paired transfers
 * between the user's own accounts out and the table shows them, marked.
 */
export function transfersLabel(mode: Transfers): string {
  switch (mode) {
    case 'include':
      return 'Counted in totals';
    case 'exclude':
      return 'Hidden';
    case 'only':
      return 'Only transfers';
  }
}

/** One chip per active restriction, in filter-bar order. */
export function filterChips(
  filter: Filter,
  preset: RangePreset,
  accountName: (id: number) => string,
): FilterChip[] {
  const chips: FilterChip[] = [];
  if (filter.from !== null || filter.to !== null) {
    chips.push({ key: 'range', kind: 'Dates', label: rangeLabel(preset, filter.from, filter.to) });
  }
  for (const id of filter.accounts) chips.push({ key: `account:${id}`, kind: 'Account', label: accountName(id) });
  if (filter.direction) chips.push({ key: 'direction', kind: 'Direction', label: directionLabel(filter.direction) });
  for (const c of filter.categories) chips.push({ key: `category:${c}`, kind: 'Category', label: categoryLabel(c) });
  for (const v of filter.vendors) chips.push({ key: `vendor:${v}`, kind: 'Vendor', label: v });
  if (filter.search) chips.push({ key: 'search', kind: 'Search', label: `“${filter.search}”` });
  if (filter.min !== null && filter.max !== null) {
    chips.push({ key: 'amount', kind: 'Amount', label: `${formatDecimal(filter.min)} – ${formatDecimal(filter.max)}` });
  } else if (filter.min !== null) {
    chips.push({ key: 'amount', kind: 'Amount', label: `≥ ${formatDecimal(filter.min)}` });
  } else if (filter.max !== null) {
    chips.push({ key: 'amount', kind: 'Amount', label: `≤ ${formatDecimal(filter.max)}` });
  }
  if (filter.transfers) chips.push({ key: 'transfers', kind: 'Transfers', label: transfersLabel(filter.transfers) });
  return chips;
}

/** The filter without the restriction a chip stands for. */
export function withoutChip(filter: Filter, key: string): Filter {
  const f: Filter = { ...filter };
  const [kind, ...rest] = key.split(':');
  const value = rest.join(':');
  switch (kind) {
    case 'range':
      f.from = null;
      f.to = null;
      break;
    case 'account':
      f.accounts = f.accounts.filter((id) => String(id) !== value);
      break;
    case 'direction':
      f.direction = null;
      break;
    case 'category':
      f.categories = f.categories.filter((c) => c !== value);
      break;
    case 'vendor':
      f.vendors = f.vendors.filter((v) => v !== value);
      break;
    case 'search':
      f.search = null;
      break;
    case 'amount':
      f.min = null;
      f.max = null;
      break;
    case 'transfers':
      f.transfers = null;
      break;
  }
  return f;
}

/** Canonical text of a filter, to tell whether two filters select the same rows. */
export function filterKey(filter: Filter): string {
  return JSON.stringify([
    filter.from,
    filter.to,
    [...filter.accounts].sort((a, b) => a - b),
    filter.direction,
    [...filter.categories].sort(),
    [...filter.vendors].sort(),
    filter.search,
    filter.min,
    filter.max,
    filter.transfers ?? null,
  ]);
}

export function isFilterEmpty(filter: Filter): boolean {
  return filterKey(filter) === filterKey(emptyFilter());
}
