// `#transactions-view`: the filter's totals, then every row it selects in a virtualised table
// with sortable columns, in-place re-categorising and CSV export of exactly the filter.

import type { Api } from '../api';
import type { AccountView, Category, TransactionView } from '../generated/api';
import { el, icon } from '../dom';
import { downloadBlob } from '../download';
import { hideError, showError } from '../error-banner';
import { categoryLabel } from '../filter';
import { accountNumberLabel, formatCount, kindLabel, plural } from '../format';
import type { Change, Store } from '../state';
import { toast } from '../toast';
import { renderTotals } from './dashboard';
import { VirtualTable, type CategoryChange } from './virtual-table';

export class TransactionsView {
  readonly element: HTMLElement;
  readonly table: VirtualTable;
  readonly #api: Api;
  readonly #store: Store;
  readonly #title: HTMLElement;
  readonly #subtitle: HTMLElement;
  readonly #count: HTMLElement;
  readonly #totals: HTMLElement;
  readonly #export: HTMLButtonElement;
  #accounts: AccountView[] = [];
  #connections = new Map<number, string>();
  #active = false;
  #totalsDirty = true;
  #totalsGeneration = 0;

  constructor(api: Api, store: Store) {
    this.#api = api;
    this.#store = store;
    this.table = new VirtualTable(api);
    this.table.onSort = (sort, descending) => store.update({ sort, descending });
    this.table.onCategory = (change) => void this.#recategorise(change);
    this.table.onError = (error) => showError(error, 'filter');
    this.table.onUnpair = (transaction) => void this.#unpair(transaction);

    this.#title = el('h1', { id: 'transactions-title', class: 'content-title', text: 'All accounts' });
    this.#subtitle = el('p', { class: 'content-subtitle' });
    this.#count = el('span', { id: 'transaction-count', class: 'transaction-count', attrs: { 'aria-live': 'polite' } });
    this.#export = el(
      'button',
      { id: 'export-csv', class: 'button secondary small', attrs: { type: 'button' } },
      icon('download'),
      el('span', { text: 'Export CSV' }),
    );
    this.#export.addEventListener('click', () => void this.#exportCsv());
    this.#totals = el('div', {
      id: 'transactions-totals',
      class: 'totals compact',
      attrs: { 'aria-label': 'Totals for the filter (booked transactions; pending excluded)' },
    });

    this.element = el(
      'section',
      {
        id: 'transactions-view',
        class: 'view-panel transactions-view',
        attrs: { role: 'tabpanel', 'aria-labelledby': 'tab-transactions', tabindex: -1 },
      },
      this.#totals,
      el(
        'section',
        { class: 'card transactions-card', attrs: { 'aria-labelledby': 'transactions-title' } },
        el(
          'div',
          { class: 'card-header' },
          el('div', { class: 'card-heading' }, this.#title, this.#subtitle),
          el('div', { class: 'card-actions' }, this.#count, this.#export),
        ),
        this.table.scroller,
      ),
    );
    store.subscribe((change) => this.#onChange(change));
  }

  setCategories(categories: Category[]): void {
    this.table.setCategories(categories);
  }

  setAccounts(accounts: AccountView[], connections: Map<number, string>): void {
    this.#accounts = accounts;
    this.#connections = connections;
    this.#renderHeading();
  }

  activate(): void {
    this.#active = true;
    this.table.render();
    if (this.#totalsDirty) void this.#loadTotals();
  }

  deactivate(): void {
    this.#active = false;
  }

  /** Loads the rows for the current filter and sort (kept current even while another tab is open). */
  async reload(): Promise<void> {
    const s = this.#store.state;
    this.table.emptyText = s.filter.accounts.length === 1 && this.#isOnlyAccountFilter()
      ? 'No transactions in this account yet.'
      : 'No transactions match the filter.';
    const total = await this.table.show({ filter: s.filter, sort: s.sort, descending: s.descending });
    if (total === null) return;
    this.#count.textContent = plural(total, 'transaction', 'transactions');
    this.#count.dataset['total'] = String(total);
    this.#renderHeading();
    hideError('filter');
  }

  #isOnlyAccountFilter(): boolean {
    const f = this.#store.filter;
    return !f.from && !f.to && !f.direction && !f.search && !f.min && !f.max && f.categories.length === 0 && f.vendors.length === 0;
  }

  #onChange(change: Change): void {
    const sortChanged = change.state.sort !== change.previous.sort || change.state.descending !== change.previous.descending;
    if (change.filterChanged || sortChanged) void this.reload();
    if (change.filterChanged) {
      this.#totalsDirty = true;
      if (this.#active) void this.#loadTotals();
    }
  }

  async #loadTotals(): Promise<void> {
    const generation = ++this.#totalsGeneration;
    this.#totalsDirty = false;
    this.#totals.setAttribute('aria-busy', 'true');
    try {
      const reports = await this.#api.reportFlows(this.#store.filter, 'month');
      if (generation !== this.#totalsGeneration) return;
      renderTotals(this.#totals, reports, 'total-card');
    } catch (error) {
      if (generation === this.#totalsGeneration) showError(error, 'filter');
    } finally {
      if (generation === this.#totalsGeneration) this.#totals.setAttribute('aria-busy', 'false');
    }
  }

  #renderHeading(): void {
    const ids = this.#store.filter.accounts;
    const one = ids.length === 1 ? this.#accounts.find((a) => a.id === ids[0]) : undefined;
    if (one) {
      this.#title.textContent = one.name;
      this.#subtitle.textContent = [
        kindLabel(one.kind),
        accountNumberLabel(one.number, one.iban),
        this.#connections.get(one.connection_id) ?? one.provider,
      ]
        .filter((s) => s !== '')
        .join(' · ');
    } else if (ids.length > 1) {
      this.#title.textContent = `${formatCount(ids.length)} accounts`;
      this.#subtitle.textContent = ids
        .map((id) => this.#accounts.find((a) => a.id === id)?.name ?? `Account ${id}`)
        .join(', ');
    } else {
      this.#title.textContent = 'All accounts';
      this.#subtitle.textContent = 'Every transaction the filter selects, across your connected banks';
    }
  }

  async #recategorise(change: CategoryChange): Promise<void> {
    const t = change.transaction;
    try {
      const others = await this.#api.setCategory(t.id, change.category);
      const what = change.category ? categoryLabel(change.category) : 'Uncategorised';
      toast(
        others > 0 && t.vendor
          ? `Also updated ${plural(others, 'other transaction', 'other transactions')} from ${t.vendor}`
          : `Category set to ${what}`,
      );
      this.#store.invalidate();
    } catch (error) {
      change.revert();
      showError(error);
    }
  }

  async #unpair(t: TransactionView): Promise<void> {
    try {
      toast(await unpairTransfer(this.#api, t));
      this.#store.invalidate();
    } catch (error) {
      showError(error);
    }
  }

  async #exportCsv(): Promise<void> {
    if (this.#export.disabled) return;
    this.#export.disabled = true;
    this.#export.classList.add('busy');
    try {
      const result = await this.#api.exportCsv(this.#store.filter);
      if (result.kind === 'downloaded') {
        downloadBlob(result.blob, 'coffer-transactions.csv');
        toast(`Exported ${plural(this.table.total, 'transaction', 'transactions')} to coffer-transactions.csv`);
      } else if (result.kind === 'saved') {
        toast(`Exported ${plural(result.rows, 'transaction', 'transactions')} to ${result.path}`);
      }
    } catch (error) {
      showError(error);
    } finally {
      this.#export.disabled = false;
      this.#export.classList.remove('busy');
    }
  }
}

/**
 * Unpairs the transfer `t` is half of; answers the confirmation to show. Both rows count as
 * money in and out again, and a later sync does not pair them again.
 */
export async function unpairTransfer(api: Api, t: TransactionView): Promise<string> {
  const other = t.transfer;
  if (!other) return 'This transaction is not paired as a transfer';
  await api.unpairTransfer(t.id);
  return `Unpaired from ${other.partner_account_name}; both now count as money in and out`;
}
