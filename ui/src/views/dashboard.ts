// `#dashboard`: money in / out / net per currency for the filter, and four charts whose bars
// and points narrow the filter when clicked.

import type { Api } from '../api';
import type { FlowReport } from '../generated/api';
import { clear, el } from '../dom';
import { hideError, showError } from '../error-banner';
import { formatAmount, formatCount, formatDecimal, isNegative } from '../format';
import type { Change, Store } from '../state';
import { ChartCard } from './chart-card';

/** One figure of a totals card; the currency is in the card's head, so only its title repeats it. */
function figure(className: string, label: string, amount: string, currency: string, tone = ''): HTMLElement {
  return el(
    'div',
    { class: `figure ${className}` },
    el('dt', { text: label }),
    el(
      'dd',
      { title: formatAmount(amount, currency) },
      el('span', {
        class: `figure-amount money ${tone}${isNegative(amount) ? ' negative' : ''}`.trim(),
        text: formatDecimal(amount),
      }),
    ),
  );
}

/** The per-currency totals cards; shared with the transactions view (different id). */
export function renderTotals(container: HTMLElement, reports: FlowReport[], cardClass: string): void {
  const fragment = document.createDocumentFragment();
  for (const r of reports) {
    const t = r.total;
    fragment.appendChild(
      el(
        'div',
        {
          class: cardClass,
          data: { currency: r.currency, credit: t.credit, debit: t.debit, net: t.net, count: t.count },
        },
        el(
          'div',
          { class: 'total-card-head' },
          el('span', { class: 'total-currency', text: r.currency }),
          el('span', { class: 'total-count', text: `${formatCount(t.count)} booked` }),
        ),
        el(
          'dl',
          { class: 'total-figures' },
          figure('figure-in', 'Money in', t.credit, r.currency, 'positive'),
          figure('figure-out', 'Money out', t.debit, r.currency),
          figure('figure-net', 'Net', t.net, r.currency),
        ),
      ),
    );
  }
  if (reports.length === 0) {
    fragment.appendChild(el('p', { class: 'totals-empty muted', text: 'No booked transactions match the filter.' }));
  }
  clear(container);
  container.appendChild(fragment);
}

export class Dashboard {
  readonly element: HTMLElement;
  readonly #api: Api;
  readonly #store: Store;
  readonly #totals: HTMLElement;
  readonly #charts: ChartCard[];
  #active = false;
  #dirty = true;
  #generation = 0;

  constructor(api: Api, store: Store) {
    this.#api = api;
    this.#store = store;
    this.#totals = el('div', { id: 'totals', class: 'totals', attrs: { 'aria-busy': 'true', 'aria-live': 'polite' } });
    this.#charts = [
      new ChartCard(api, store, { kind: 'debit_credit', id: 'chart-debit-credit', title: 'Money in and out', periodSwitch: true, wide: true }),
      new ChartCard(api, store, { kind: 'category', id: 'chart-category', title: 'Spending by category' }),
      new ChartCard(api, store, { kind: 'vendor', id: 'chart-vendor', title: 'Top vendors' }),
      new ChartCard(api, store, { kind: 'balance', id: 'chart-balance', title: 'Balance over time', wide: true }),
    ];

    this.element = el(
      'section',
      {
        id: 'dashboard',
        class: 'view-panel dashboard',
        attrs: { role: 'tabpanel', 'aria-labelledby': 'tab-dashboard', tabindex: -1 },
      },
      el(
        'div',
        { class: 'view-head' },
        el('h1', { class: 'view-title', text: 'Overview' }),
        el('p', { id: 'totals-caption', class: 'view-caption', text: 'Booked transactions; pending excluded' }),
      ),
      this.#totals,
      el('div', { class: 'chart-grid' }, ...this.#charts.map((c) => c.element)),
    );

    store.subscribe((change) => this.#onChange(change));
    window.matchMedia?.('(prefers-color-scheme: dark)').addEventListener('change', () => {
      if (this.#active) for (const c of this.#charts) void c.load();
      else this.#dirty = true;
    });
  }

  activate(): void {
    this.#active = true;
    if (this.#dirty) void this.reload();
  }

  deactivate(): void {
    this.#active = false;
    for (const c of this.#charts) c.closeMenus();
  }

  async reload(): Promise<void> {
    this.#dirty = false;
    await Promise.all([this.#loadTotals(), ...this.#charts.map((c) => c.load())]);
  }

  #onChange(change: Change): void {
    const periodOnly = !change.filterChanged && change.state.period !== change.previous.period;
    if (!change.filterChanged && !periodOnly) return;
    if (!this.#active) {
      this.#dirty = true;
      return;
    }
    if (periodOnly) {
      for (const c of this.#charts) if (c.kind === 'debit_credit') void c.load();
      return;
    }
    void this.reload();
  }

  async #loadTotals(): Promise<void> {
    const generation = ++this.#generation;
    this.#totals.setAttribute('aria-busy', 'true');
    try {
      const reports = await this.#api.reportFlows(this.#store.filter, 'month');
      if (generation !== this.#generation) return;
      renderTotals(this.#totals, reports, 'total-card');
      hideError('filter');
    } catch (error) {
      if (generation === this.#generation) showError(error, 'filter');
    } finally {
      if (generation === this.#generation) this.#totals.setAttribute('aria-busy', 'false');
    }
  }
}
