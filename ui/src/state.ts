// The UI's one piece of shared state: which view is open and the filter every view uses (plus
// the table's sort and the flow chart's period). It lives in the URL hash, so a reload keeps it.

import type { Direction, Filter, PeriodKind, TransactionQuery } from './generated/api';
import { isIsoDate, isPreset, presetRange, type RangePreset } from './dates';
import { emptyFilter, filterKey } from './filter';

export type View = 'dashboard' | 'transactions' | 'manage' | 'connections';
export const VIEWS: readonly View[] = ['dashboard', 'transactions', 'manage', 'connections'];

export type SortKey = TransactionQuery['sort'];
export const SORT_KEYS: readonly SortKey[] = [
  'date',
  'account',
  'description',
  'vendor',
  'category',
  'amount',
  'status',
];

export interface UiState {
  view: View;
  /** Which preset produced `filter.from`/`filter.to`; `custom` when typed or clicked. */
  range: RangePreset;
  filter: Filter;
  sort: SortKey;
  descending: boolean;
  period: PeriodKind;
}

export function defaultState(): UiState {
  return { view: 'dashboard', range: 'all', filter: emptyFilter(), sort: 'date', descending: true, period: 'month' };
}

/** The direction a column sorts in when first clicked: newest / largest first, names A–Z. */
export function defaultDescending(sort: SortKey): boolean {
  return sort === 'date' || sort === 'amount';
}

/**
 * The hash (without '#') for a state, e.g.
 * `view=transactions&range=last-month&direction=debit&search=rema`. Defaults are left out, a
 * preset is stored by name (so "This month" stays this month after a reload) and custom dates
 * as `from`/`to`; repeated keys carry lists.
 */
export function encodeHash(state: UiState): string {
  const p = new URLSearchParams();
  const f = state.filter;
  if (state.view !== 'dashboard') p.set('view', state.view);
  if (state.range !== 'all' && state.range !== 'custom') {
    p.set('range', state.range);
  } else {
    if (f.from) p.set('from', f.from);
    if (f.to) p.set('to', f.to);
  }
  for (const id of f.accounts) p.append('account', String(id));
  if (f.direction) p.set('direction', f.direction);
  for (const c of f.categories) p.append('category', c);
  for (const v of f.vendors) p.append('vendor', v);
  if (f.search) p.set('search', f.search);
  if (f.min !== null) p.set('min', f.min);
  if (f.max !== null) p.set('max', f.max);
  if (f.transfers) p.set('transfers', f.transfers);
  if (state.sort !== 'date' || !state.descending) {
    p.set('sort', state.sort);
    p.set('order', state.descending ? 'desc' : 'asc');
  }
  if (state.period !== 'month') p.set('period', state.period);
  return p.toString().replace(/\+/g, '%20');
}

const unique = <T>(values: T[]): T[] => [...new Set(values)];

/**
 * Reads a hash (with or without '#'). Anything unknown or malformed is ignored rather than
 * guessed at, so a hand-edited URL never produces a filter the backend rejects for its syntax.
 * `today` resolves a preset into dates.
 */
export function decodeHash(hash: string, today: string): UiState {
  const state = defaultState();
  const p = new URLSearchParams(hash.replace(/^#/, ''));
  const f = state.filter;

  const view = p.get('view');
  if (view && (VIEWS as readonly string[]).includes(view)) state.view = view as View;

  const range = p.get('range');
  if (range && isPreset(range) && range !== 'custom') {
    state.range = range;
    const r = presetRange(range, today);
    f.from = r.from;
    f.to = r.to;
  } else {
    const from = p.get('from');
    const to = p.get('to');
    f.from = from && isIsoDate(from) ? from : null;
    f.to = to && isIsoDate(to) ? to : null;
    state.range = f.from || f.to ? 'custom' : 'all';
  }

  f.accounts = unique(
    p
      .getAll('account')
      .filter((a) => /^\d+$/.test(a))
      .map(Number)
      .filter((n) => Number.isSafeInteger(n) && n > 0),
  );
  const direction = p.get('direction');
  if (direction === 'debit' || direction === 'credit') f.direction = direction as Direction;
  f.categories = unique(p.getAll('category').filter((c) => c !== ''));
  f.vendors = unique(p.getAll('vendor').filter((v) => v !== ''));
  const search = p.get('search');
  f.search = search && search.trim() !== '' ? search : null;
  // The address carries bounds as the backend answered them (plain decimals, "99.5"); typed
  // text is read by the backend's parser before it gets here, so anything else is dropped.
  for (const bound of ['min', 'max'] as const) {
    const raw = p.get(bound);
    f[bound] = raw !== null && /^\d{1,28}(\.\d{1,28})?$/.test(raw) ? raw : null;
  }

  const transfers = p.get('transfers');
  if (transfers === 'include' || transfers === 'exclude' || transfers === 'only') f.transfers = transfers;

  const sort = p.get('sort');
  if (sort && (SORT_KEYS as readonly string[]).includes(sort)) {
    state.sort = sort as SortKey;
    state.descending = defaultDescending(state.sort);
  }
  const order = p.get('order');
  if (order === 'asc') state.descending = false;
  if (order === 'desc') state.descending = true;

  if (p.get('period') === 'week') state.period = 'week';
  return state;
}

export interface Change {
  state: UiState;
  previous: UiState;
  /** The rows the filter selects may differ (filter changed or data changed). */
  filterChanged: boolean;
  /** The stored data changed (a sync, a rename, a rule); caches must go. */
  dataChanged: boolean;
}

export type Listener = (change: Change) => void;

/** Holds the state; every view subscribes and reacts to what changed. */
export class Store {
  #state: UiState;
  #dataVersion = 0;
  #listeners = new Set<Listener>();

  constructor(initial: UiState = defaultState()) {
    this.#state = initial;
  }

  get state(): UiState {
    return this.#state;
  }

  get filter(): Filter {
    return this.#state.filter;
  }

  /** Bumped whenever the stored data changes; part of every cache key. */
  get dataVersion(): number {
    return this.#dataVersion;
  }

  subscribe(listener: Listener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Replaces parts of the state; listeners hear about it only if something changed. */
  update(patch: Partial<UiState>): void {
    const previous = this.#state;
    const next: UiState = { ...previous, ...patch, filter: { ...(patch.filter ?? previous.filter) } };
    if (encodeHash(next) === encodeHash(previous) && next.range === previous.range) return;
    this.#state = next;
    this.#emit(previous, filterKey(previous.filter) !== filterKey(next.filter), false);
  }

  /** Changes the filter. Setting `from`/`to` without a `range` makes the range custom. */
  setFilter(patch: Partial<Filter>, range?: RangePreset): void {
    const filter = { ...this.#state.filter, ...patch };
    let r = range;
    if (r === undefined) {
      r = 'from' in patch || 'to' in patch ? (filter.from || filter.to ? 'custom' : 'all') : this.#state.range;
    }
    this.update({ filter, range: r });
  }

  /** Picks a date preset, resolved against `today`. */
  setRange(preset: RangePreset, today: string): void {
    if (preset === 'custom') {
      this.update({ range: this.#state.filter.from || this.#state.filter.to ? 'custom' : 'all' });
      return;
    }
    const r = presetRange(preset, today);
    this.update({ range: preset, filter: { ...this.#state.filter, from: r.from, to: r.to } });
  }

  /** The stored data changed: everyone reloads what they show. */
  invalidate(): void {
    this.#dataVersion++;
    this.#emit(this.#state, true, true);
  }

  #emit(previous: UiState, filterChanged: boolean, dataChanged: boolean): void {
    const change: Change = { state: this.#state, previous, filterChanged, dataChanged };
    for (const listener of [...this.#listeners]) listener(change);
  }
}
