// `#transactions-view`: the filter's totals, then every row it selects in a virtualised table
// with sortable columns, in-place re-categorising and CSV export of exactly the filter.

import { emptyFilter, type Api } from '../api';
import type { AccountView, Category, TransactionView } from '../generated/api';
import { el, icon } from '../dom';
import { downloadBlob } from '../download';
import { hideError, showError } from '../error-banner';
import { categoryLabel } from '../filter';
import { parseIsoDate } from '../dates';
import { accountNumberLabel, formatAmount, formatCount, formatDate, kindLabel, plural } from '../format';
import type { Change, Store } from '../state';
import { toast } from '../toast';
import { renderTotals } from './dashboard';
import { choose } from './modal';
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
    this.table.onPair = (transaction) => void this.#pair(transaction);

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

  /** "Pair…": the user picks the other half from the plausible rows, and the two are paired. */
  async #pair(t: TransactionView): Promise<void> {
    try {
      const candidates = await transferCandidates(this.#api, t, this.#accounts);
      if (candidates.length === 0) {
        toast(`Nothing on your other accounts within ${PAIR_WINDOW_DAYS} days goes the other way`);
        return;
      }
      const partner = await choose({
        title: 'Pair as transfer',
        message: `Which transaction is the other half of ${formatAmount(t.amount, t.currency)} on ${t.account_name}, ${formatDate(t.booking_date)}?`,
        detail:
          'Money moved between your own accounts is neither money in nor money out, so totals and charts leave both halves out. Your choice is kept across syncs.',
        choices: candidates.map((c) => ({ value: c, label: candidateLabel(c, t), testId: `pair-candidate-${c.id}` })),
        testId: 'pair-dialog',
      });
      if (!partner) return;
      toast(await pairTransfer(this.#api, t, partner));
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

/** How many days either side of a row its other half is looked for. */
export const PAIR_WINDOW_DAYS = 7;

/** `iso` moved by `days` calendar days. */
function shiftDay(iso: string, days: number): string {
  const d = parseIsoDate(iso);
  if (!d) return iso;
  return new Date(Date.UTC(d.year, d.month - 1, d.day + days)).toISOString().slice(0, 10);
}

function daysApart(a: string, b: string): number {
  const x = parseIsoDate(a);
  const y = parseIsoDate(b);
  if (!x || !y) return Number.MAX_SAFE_INTEGER;
  return Math.abs(Date.UTC(x.year, x.month - 1, x.day) - Date.UTC(y.year, y.month - 1, y.day)) / 86_400_000;
}

/** The size of an amount as text ("-10000.00" → "10000.00"): compared as text, never as a number. */
function size(amount: string): string {
  return amount.trim().replace(/^[-+]/, '');
}

/**
 * The rows that could be the other half of a transfer `t` is one half of: booked, going the
 * other way, on another of the user's accounts, within {@link PAIR_WINDOW_DAYS} days, and not
 * already in a pair the user made. Best first: the same amount in the same currency, then a
 * row not yet paired, then the closest in date.
 */
export async function transferCandidates(
  api: Api,
  t: TransactionView,
  accounts: AccountView[],
  limit = 8,
): Promise<TransactionView[]> {
  const others = accounts.filter((a) => a.id !== t.account_id).map((a) => a.id);
  if (others.length === 0 || t.status !== 'booked' || t.transfer) return [];
  const list = await api.transactions({
    ...emptyFilter(),
    from: shiftDay(t.booking_date, -PAIR_WINDOW_DAYS),
    to: shiftDay(t.booking_date, PAIR_WINDOW_DAYS),
    accounts: others,
    direction: t.direction === 'debit' ? 'credit' : 'debit',
    transfers: 'include',
  });
  const rank = (r: TransactionView): number[] => [
    r.currency === t.currency && size(r.amount) === size(t.amount) ? 0 : 1,
    r.transfer ? 1 : 0,
    daysApart(r.booking_date, t.booking_date),
    r.id,
  ];
  const before = (a: number[], b: number[]): number => {
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return (a[i] ?? 0) - (b[i] ?? 0);
    return 0;
  };
  return list.rows
    .filter((r) => r.status === 'booked' && r.account_id !== t.account_id && r.direction !== t.direction && !r.transfer?.by_user)
    .map((r) => ({ r, key: rank(r) }))
    .sort((a, b) => before(a.key, b.key))
    .slice(0, limit)
    .map(({ r }) => r);
}

/** One answer in the "Pair as transfer" dialog: what the row is, and what pairing it would undo. */
export function candidateLabel(c: TransactionView, t: TransactionView): string {
  const days = daysApart(c.booking_date, t.booking_date);
  const when = days === 0 ? 'same day' : days === 1 ? '1 day apart' : `${days} days apart`;
  const parts = [formatAmount(c.amount, c.currency), c.account_name, formatDate(c.booking_date), when, c.description];
  if (c.transfer) parts.push(`now paired with ${c.transfer.partner_account_name}`);
  return parts.join(' · ');
}

/**
 * Pairs `t` and `partner` by hand; answers the confirmation to show. Both leave money in and
 * out, and a later sync keeps the pair.
 */
export async function pairTransfer(api: Api, t: TransactionView, partner: TransactionView): Promise<string> {
  await api.pairTransfers(t.id, partner.id);
  return `Paired with ${formatAmount(partner.amount, partner.currency)} on ${partner.account_name} (paired by you); both now leave money in and out`;
}
