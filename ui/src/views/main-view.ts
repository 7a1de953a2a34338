// The main window: header with the view tabs and sync, the balances/accounts sidebar, the
// shared filter bar and the views (Dashboard, Transactions, Vendors & categories, Connections).

import type { Api, ConnectionView } from '../api';
import type { AppStatus, SyncEvent } from '../generated/api';
import { appMark } from '../brand';
import { clear, el, icon, type IconName } from '../dom';
import { localToday } from '../dates';
import { showError } from '../error-banner';
import { toast } from '../toast';
import { currentLocale, formatRelativeTime } from '../format';
import { decodeHash, encodeHash, Store, VIEWS, type View } from '../state';
import { ProgressView } from '../sync-progress';
import { runSync } from '../sync';
import { Dashboard } from './dashboard';
import { FilterBar } from './filter-bar';
import { ConnectionsView } from './connections-view';
import { ManageView } from './manage-view';
import { Sidebar } from './sidebar';
import { TransactionsView } from './transactions-view';

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

const TABS: Array<{ view: View; label: string; icon: IconName; panel: string }> = [
  { view: 'dashboard', label: 'Dashboard', icon: 'chart', panel: 'dashboard' },
  { view: 'transactions', label: 'Transactions', icon: 'list', panel: 'transactions-view' },
  { view: 'manage', label: 'Vendors & categories', icon: 'tag', panel: 'manage-view' },
  { view: 'connections', label: 'Connections', icon: 'bank', panel: 'connections-view' },
];

/** How many connections want the user's attention (re-login, an error, consent running out). */
export function needsAttention(status: AppStatus): number {
  return status.connections.filter((c) => c.status === 'needs_reauth' || c.status === 'error' || c.status === 'expiring')
    .length;
}

export interface MainViewOptions {
  /** Everything was removed (no connection, no account left): back to the first-run screen. */
  onEmpty?: () => void;
}

interface Panel {
  element: HTMLElement;
  activate(): void;
  deactivate(): void;
}

export class MainView {
  readonly element: HTMLElement;
  readonly store: Store;
  readonly #api: Api;
  readonly #sidebar: Sidebar;
  readonly #filterBar: FilterBar;
  readonly #dashboard: Dashboard;
  readonly #transactions: TransactionsView;
  readonly #manage: ManageView;
  readonly #connectionsView: ConnectionsView;
  readonly #attention: HTMLElement;
  readonly #onEmpty: (() => void) | undefined;
  readonly #panels: Record<View, Panel>;
  readonly #tabs = new Map<View, HTMLButtonElement>();
  readonly #syncButton: HTMLButtonElement;
  readonly #lastSync: HTMLElement;
  readonly #progressSlot: HTMLElement;
  #lastSyncAt: string | null = null;
  /** The progress bar of a sync the app started on its own, while one runs. */
  #background: ProgressView | null = null;
  #backgroundDone: number | undefined;
  #connections = new Map<number, string>();
  #shown: View | null = null;
  #clock: number | undefined;
  readonly #onHashChange = (): void => {
    const next = decodeHash(window.location.hash, localToday());
    if (encodeHash(next) !== encodeHash(this.store.state)) this.store.update(next);
  };

  constructor(api: Api, options: MainViewOptions = {}) {
    this.#api = api;
    this.#onEmpty = options.onEmpty;
    this.store = new Store(decodeHash(window.location.hash, localToday()));
    // First subscriber: the URL, the sidebar and the visible view follow the state before the
    // views react to it (a view that is being hidden does not start loading).
    this.store.subscribe((change) => {
      const hash = `#${encodeHash(change.state)}`;
      if (window.location.hash !== hash && !(hash === '#' && window.location.hash === '')) {
        window.history.replaceState(null, '', hash === '#' ? window.location.pathname + window.location.search : hash);
      }
      this.#sidebar.showSelection(change.state.filter.accounts);
      if (change.state.view !== change.previous.view) this.#showView(change.state.view);
      if (change.dataChanged) void this.#refreshVendors();
    });
    this.#sidebar = new Sidebar(
      (account) => this.store.setFilter({ accounts: account ? [account.id] : [] }),
      async (account, name) => {
        try {
          const shown = await api.renameAccount(account.id, name === '' ? null : name);
          toast(name === '' ? `Back to the bank's name: ${shown}` : `Renamed to ${shown}`);
        } catch (error) {
          showError(error);
        }
        await this.dataChanged();
      },
      async (account, hidden) => {
        try {
          await api.hideAccount(account.id, hidden);
          toast(hidden ? `${account.name} is hidden from totals and charts` : `${account.name} is shown again`);
        } catch (error) {
          showError(error);
        }
        await this.dataChanged();
      },
    );
    this.#filterBar = new FilterBar(this.store, (min, max) => api.checkAmounts(min, max, currentLocale()));
    this.#dashboard = new Dashboard(api, this.store);
    this.#transactions = new TransactionsView(api, this.store);
    this.#manage = new ManageView(api, this.store, (vendor) =>
      this.store.update({ view: 'transactions', filter: { ...this.store.filter, vendors: [vendor] } }),
    );
    this.#connectionsView = new ConnectionsView({
      api,
      onDataChanged: () => this.dataChanged(),
      onShow: () => this.store.update({ view: 'connections' }),
    });
    this.#panels = {
      dashboard: this.#dashboard,
      transactions: this.#transactions,
      manage: this.#manage,
      connections: this.#connectionsView,
    };

    this.#syncButton = el(
      'button',
      { id: 'sync-now', class: 'button secondary', attrs: { type: 'button' } },
      icon('sync'),
      el('span', { text: 'Sync now' }),
    );
    this.#syncButton.addEventListener('click', () => void this.sync());
    this.#lastSync = el('span', { id: 'last-sync', class: 'last-sync', text: 'Never synced' });

    this.#attention = el('span', { class: 'tab-count', attrs: { hidden: true, 'data-testid': 'connections-attention' } });
    const tablist = el('nav', { class: 'tabs', attrs: { role: 'tablist', 'aria-label': 'Views' } });
    for (const t of TABS) {
      const tab = el(
        'button',
        {
          id: `tab-${t.view}`,
          class: 'tab',
          attrs: {
            type: 'button',
            role: 'tab',
            'aria-controls': t.panel,
            'aria-selected': 'false',
            tabindex: -1,
            'data-testid': `nav-${t.view}`,
          },
          data: { view: t.view },
        },
        icon(t.icon),
        el('span', { text: t.label }),
        t.view === 'connections' && this.#attention,
      );
      tab.addEventListener('click', () => this.store.update({ view: t.view }));
      this.#tabs.set(t.view, tab);
      tablist.appendChild(tab);
    }
    tablist.addEventListener('keydown', (e) => this.#onTabKey(e));

    const header = el(
      'header',
      { class: 'topbar' },
      el('div', { class: 'brand' }, appMark('brand-mark'), el('span', { class: 'brand-name', text: 'Coffer' })),
      tablist,
      el('div', { class: 'topbar-actions' }, this.#lastSync, this.#syncButton),
    );

    this.#progressSlot = el('div', { class: 'progress-slot' });
    for (const p of Object.values(this.#panels)) p.element.hidden = true;
    const content = el(
      'main',
      { class: 'content' },
      this.#progressSlot,
      this.#filterBar.element,
      el(
        'div',
        { class: 'views' },
        this.#dashboard.element,
        this.#transactions.element,
        this.#manage.element,
        this.#connectionsView.element,
      ),
    );

    this.element = el(
      'div',
      { id: 'main-view', class: 'main-view' },
      header,
      el('div', { class: 'workspace' }, this.#sidebar.element, content),
    );

    window.addEventListener('hashchange', this.#onHashChange);
  }

  /** Sync status, balances, accounts, categories and vendors: small, loaded before showing. */
  async loadOverview(): Promise<void> {
    await Promise.all([this.refreshStatus(), this.refreshAccounts(), this.#loadCategories(), this.#refreshVendors()]);
    this.#sidebar.showSelection(this.store.filter.accounts);
    if (this.#clock === undefined) {
      this.#clock = window.setInterval(() => this.#renderLastSync(), 30_000);
    }
  }

  /** Once mounted: shows the view from the URL and loads what it needs. */
  async start(): Promise<void> {
    this.#showView(this.store.state.view);
    await this.#transactions.reload();
  }

  dispose(): void {
    if (this.#clock !== undefined) window.clearInterval(this.#clock);
    this.#clock = undefined;
    window.removeEventListener('hashchange', this.#onHashChange);
  }

  get connectionsView(): ConnectionsView {
    return this.#connectionsView;
  }

  /** Shows the Connections view and syncs a connection that was just logged in to. */
  async connected(connection: ConnectionView): Promise<void> {
    this.store.update({ view: 'connections' });
    await this.#connectionsView.connected(connection);
  }

  /** The stored data changed behind the views' backs (a per-bank sync, a disconnect). */
  async dataChanged(): Promise<void> {
    if (this.store.state.view === 'connections') void this.#connectionsView.reload();
    const status = await this.refreshStatus();
    if (status && status.accounts === 0 && status.connections.length === 0 && this.#onEmpty) {
      this.#onEmpty();
      return;
    }
    await this.refreshAccounts();
    this.store.invalidate();
  }

  async refreshStatus(): Promise<AppStatus | null> {
    try {
      const status = await this.#api.appStatus();
      this.#lastSyncAt = lastSyncAt(status);
      this.#connections = new Map(status.connections.map((c) => [c.id, c.label]));
      this.#renderLastSync();
      this.#renderAttention(needsAttention(status));
      this.#transactions.setAccounts(this.#sidebar.accounts, this.#connections);
      return status;
    } catch (error) {
      showError(error);
      return null;
    }
  }

  #renderAttention(count: number): void {
    const text = `${count === 1 ? '1 connection needs' : `${count} connections need`} attention`;
    this.#attention.hidden = count === 0;
    this.#attention.title = text;
    clear(this.#attention);
    this.#attention.append(
      el('span', { attrs: { 'aria-hidden': 'true' }, text: String(count) }),
      el('span', { class: 'sr-only', text: `, ${text}` }),
    );
  }

  async refreshAccounts(): Promise<void> {
    try {
      const overview = await this.#api.accounts();
      this.#sidebar.render(overview);
      this.#sidebar.showSelection(this.store.filter.accounts);
      this.#filterBar.setAccounts(overview.accounts);
      this.#transactions.setAccounts(overview.accounts, this.#connections);
    } catch (error) {
      showError(error);
    }
  }

  async #loadCategories(): Promise<void> {
    try {
      const categories = await this.#api.categories();
      this.#filterBar.setCategories(categories);
      this.#transactions.setCategories(categories);
      this.#manage.setCategories(categories);
    } catch (error) {
      showError(error);
    }
  }

  async #refreshVendors(): Promise<void> {
    try {
      const vendors = await this.#api.vendors();
      this.#filterBar.setVendors(vendors.map((v) => v.name));
      this.#manage.setVendors(vendors);
    } catch (error) {
      showError(error);
    }
  }

  /**
   * A progress event of a sync the app started on its own: the same bar as "Sync now", gone a
   * few seconds after the last connection finished. A sync the user started shows its own.
   */
  backgroundEvent(event: SyncEvent): void {
    if (this.#syncButton.disabled) return;
    if (!this.#background) {
      this.#background = new ProgressView();
      this.#background.element.dataset['testid'] = 'background-sync';
      this.#progressSlot.appendChild(this.#background.element);
    }
    this.#background.apply(event);
    window.clearTimeout(this.#backgroundDone);
    if (event.kind === 'finished' || event.kind === 'failed') {
      this.#backgroundDone = window.setTimeout(() => {
        this.#background?.element.remove();
        this.#background = null;
      }, 4000);
    }
  }

  /** "Sync now": progress in place, then everything reloads. */
  async sync(): Promise<void> {
    if (this.#syncButton.disabled) return;
    this.#syncButton.disabled = true;
    this.#syncButton.classList.add('busy');
    const progress = new ProgressView();
    this.#progressSlot.appendChild(progress.element);
    try {
      await runSync(this.#api, progress);
      await Promise.all([this.refreshStatus(), this.refreshAccounts()]);
      this.store.invalidate();
      if (this.store.state.view === 'connections') void this.#connectionsView.reload();
    } catch (error) {
      showError(error);
    } finally {
      progress.element.remove();
      this.#syncButton.disabled = false;
      this.#syncButton.classList.remove('busy');
    }
  }

  #showView(view: View): void {
    if (this.#shown === view) return;
    if (this.#shown) this.#panels[this.#shown].deactivate();
    for (const v of VIEWS) {
      const on = v === view;
      this.#panels[v].element.hidden = !on;
      const tab = this.#tabs.get(v);
      tab?.setAttribute('aria-selected', on ? 'true' : 'false');
      if (tab) tab.tabIndex = on ? 0 : -1;
      tab?.classList.toggle('selected', on);
    }
    this.element.dataset['view'] = view;
    this.#shown = view;
    this.#panels[view].activate();
  }

  #onTabKey(event: KeyboardEvent): void {
    const order = TABS.map((t) => t.view);
    const current = order.indexOf(this.store.state.view);
    let next = current;
    if (event.key === 'ArrowRight') next = (current + 1) % order.length;
    else if (event.key === 'ArrowLeft') next = (current + order.length - 1) % order.length;
    else if (event.key === 'Home') next = 0;
    else if (event.key === 'End') next = order.length - 1;
    else return;
    event.preventDefault();
    const view = order[next]!;
    this.store.update({ view });
    this.#tabs.get(view)?.focus();
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
