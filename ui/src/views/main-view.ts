// The main window: header, balances/accounts sidebar, transactions.

import { emptyFilter, type Api } from '../api';
import type { AccountView, AppStatus, Filter } from '../generated/api';
import { appMark } from '../brand';
import { el, icon } from '../dom';
import { showError } from '../error-banner';
import { accountNumberLabel, formatCount, formatRelativeTime, kindLabel, plural } from '../format';
import { ProgressView } from '../sync-progress';
import { runSync } from '../sync';
import { Sidebar } from './sidebar';
import { TransactionsTable } from './transactions-table';

/** Latest `last_sync_at` over all connections. */
export function lastSyncAt(status: AppStatus): string | null {
  let best: string | null = null;
  let bestTime = -Infinity;
  for (const c of status.connections) {
    if (!c.last_sync_at) continue;
    const t = Date.parse(c.last_sync_at);
    if (!Number.isNaN(t) && t > bestTime) {
      bestTime = t;
      best = c.last_sync_at;
    }
  }
  return best;
}

export class MainView {
  readonly element: HTMLElement;
  readonly #api: Api;
  readonly #sidebar: Sidebar;
  readonly #table: TransactionsTable;
  readonly #syncButton: HTMLButtonElement;
  readonly #lastSync: HTMLElement;
  readonly #title: HTMLElement;
  readonly #subtitle: HTMLElement;
  readonly #count: HTMLElement;
  readonly #progressSlot: HTMLElement;
  readonly #scroller: HTMLElement;
  #lastSyncAt: string | null = null;
  /** Connection labels by id, for "Demo Bank" rather than a provider id. */
  #connections = new Map<number, string>();
  #request = 0;
  #clock: number | undefined;

  constructor(api: Api) {
    this.#api = api;
    this.#sidebar = new Sidebar((account) => void this.#onSelect(account));
    this.#table = new TransactionsTable();

    this.#syncButton = el(
      'button',
      { id: 'sync-now', class: 'button secondary', attrs: { type: 'button' } },
      icon('sync'),
      el('span', { text: 'Sync now' }),
    );
    this.#syncButton.addEventListener('click', () => void this.sync());
    this.#lastSync = el('span', { id: 'last-sync', class: 'last-sync', text: 'Never synced' });

    const header = el(
      'header',
      { class: 'topbar' },
      el(
        'div',
        { class: 'brand' },
        appMark('brand-mark'),
        el('span', { class: 'brand-name', text: 'Coffer' }),
      ),
      el('div', { class: 'topbar-actions' }, this.#lastSync, this.#syncButton),
    );

    this.#title = el('h1', { id: 'transactions-title', class: 'content-title', text: 'All accounts' });
    this.#subtitle = el('p', { class: 'content-subtitle' });
    this.#count = el('span', { id: 'transaction-count', class: 'transaction-count', attrs: { 'aria-live': 'polite' } });
    this.#progressSlot = el('div', { class: 'progress-slot' });
    this.#scroller = el('div', { class: 'table-scroll' }, this.#table.element);

    const content = el(
      'main',
      { class: 'content' },
      this.#progressSlot,
      el(
        'section',
        { class: 'card transactions-card', attrs: { 'aria-labelledby': 'transactions-title' } },
        el(
          'div',
          { class: 'card-header' },
          el('div', { class: 'card-heading' }, this.#title, this.#subtitle),
          this.#count,
        ),
        this.#scroller,
      ),
    );

    this.element = el(
      'div',
      { id: 'main-view', class: 'main-view' },
      header,
      el('div', { class: 'workspace' }, this.#sidebar.element, content),
    );
  }

  /** Loads everything; resolves once accounts and every transaction row are in place. */
  async load(): Promise<void> {
    await this.loadOverview();
    await this.loadTransactions();
  }

  /** Sync status, balances and accounts: small, so it can load before the view is shown. */
  async loadOverview(): Promise<void> {
    await Promise.all([this.refreshStatus(), this.refreshAccounts()]);
    if (this.#clock === undefined) {
      this.#clock = window.setInterval(() => this.#renderLastSync(), 30_000);
    }
  }

  dispose(): void {
    if (this.#clock !== undefined) window.clearInterval(this.#clock);
    this.#clock = undefined;
  }

  async refreshStatus(): Promise<void> {
    try {
      const status = await this.#api.appStatus();
      this.#lastSyncAt = lastSyncAt(status);
      this.#connections = new Map(status.connections.map((c) => [c.id, c.label]));
      this.#renderLastSync();
      this.#renderHeading();
    } catch (error) {
      showError(error);
    }
  }

  async refreshAccounts(): Promise<void> {
    try {
      const overview = await this.#api.accounts();
      this.#sidebar.render(overview);
      this.#renderHeading();
    } catch (error) {
      showError(error);
    }
  }

  async loadTransactions(): Promise<void> {
    const request = ++this.#request;
    const filter: Filter = emptyFilter();
    const selected = this.#sidebar.selected;
    if (selected) filter.accounts = [selected.id];
    this.#table.busy = true;
    try {
      const list = await this.#api.transactions(filter);
      if (request !== this.#request) return; // a newer selection won
      let count = plural(list.total, 'transaction', 'transactions');
      if (list.rows.length < list.total) count += ` (showing ${formatCount(list.rows.length)})`;
      this.#count.textContent = count;
      this.#count.dataset['total'] = String(list.total);
      const rendering = this.#table.render(
        list.rows,
        selected ? 'No transactions in this account yet.' : 'No transactions yet.',
      );
      this.#scroller.scrollTop = 0;
      await rendering;
    } catch (error) {
      if (request === this.#request) showError(error);
    } finally {
      if (request === this.#request) this.#table.busy = false;
    }
  }

  /** "Sync now": progress in place, then refresh everything. */
  async sync(): Promise<void> {
    if (this.#syncButton.disabled) return;
    this.#syncButton.disabled = true;
    this.#syncButton.classList.add('busy');
    const progress = new ProgressView();
    this.#progressSlot.appendChild(progress.element);
    try {
      await runSync(this.#api, progress);
      await this.load();
    } catch (error) {
      showError(error);
    } finally {
      progress.element.remove();
      this.#syncButton.disabled = false;
      this.#syncButton.classList.remove('busy');
    }
  }

  async #onSelect(_account: AccountView | null): Promise<void> {
    this.#renderHeading();
    await this.loadTransactions();
  }

  #renderHeading(): void {
    const a = this.#sidebar.selected;
    this.#title.textContent = a ? a.name : 'All accounts';
    this.#subtitle.textContent = a
      ? [kindLabel(a.kind), accountNumberLabel(a.number, a.iban), this.#connections.get(a.connection_id) ?? a.provider]
          .filter((s) => s !== '')
          .join(' · ')
      : 'Every transaction across your connected banks';
  }

  #renderLastSync(): void {
    const at = this.#lastSyncAt;
    if (!at) {
      this.#lastSync.textContent = 'Never synced';
      this.#lastSync.removeAttribute('title');
      delete this.#lastSync.dataset['timestamp'];
      return;
    }
    this.#lastSync.textContent = `Synced ${formatRelativeTime(at)}`;
    this.#lastSync.title = at;
    this.#lastSync.dataset['timestamp'] = at;
  }
}
