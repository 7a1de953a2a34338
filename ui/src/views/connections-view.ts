// `#connections-view`: one card per bank connection with its status, last sync and consent,
// and what can be done with it (sync now, log in again, refresh at bank, disconnect); a
// banner when the vault of saved logins is unusable; and "Connect a bank".
//
// What a card offers comes from its bank's descriptor (`ProviderInfo.capabilities`), its name
// from the connection (`provider_name`): no bank is named here.

import {
  toApiError,
  type Api,
  type ConnectionStatus,
  type ConnectionView,
  type DatabaseCheck,
  type ProviderInfo,
  type VaultStatus,
} from '../api';
import { bankLogo } from '../bank-logo';
import { append, clear, el, icon, type IconName } from '../dom';
import { hideError, showError } from '../error-banner';
import { formatDate, formatDateTime, formatRelativeTime, plural } from '../format';
import { ProgressView } from '../sync-progress';
import { runConnectionSync } from '../sync';
import { toast } from '../toast';
import { isBuiltIn, openConnectDialog, type ConnectDialog } from './connect-dialog';
import { choose } from './modal';

// ---------------------------------------------------------------- pure helpers (unit-tested)

export type BadgeTone = 'ok' | 'busy' | 'warn' | 'danger' | 'muted';

export interface Badge {
  text: string;
  tone: BadgeTone;
}

/** The status badge of a connection: always a word, the colour only repeats it. */
export function statusBadge(status: ConnectionStatus, syncing = false): Badge {
  if (syncing) return { text: 'Syncing…', tone: 'busy' };
  switch (status) {
    case 'active':
      return { text: 'Active', tone: 'ok' };
    case 'expiring':
      return { text: 'Expiring', tone: 'warn' };
    case 'needs_reauth':
      return { text: 'Needs re-login', tone: 'danger' };
    case 'error':
      return { text: 'Error', tone: 'danger' };
    case 'disabled':
      return { text: 'Disconnected', tone: 'muted' };
    default:
      return { text: String(status), tone: 'muted' };
  }
}

/** The action buttons of a card, in order, by what the connection's bank can do. */
export type CardAction = 'sync-now' | 'log-in-again' | 'refresh-at-bank' | 'disconnect';

export function cardActions(c: ConnectionView, provider: ProviderInfo | undefined): CardAction[] {
  const caps = provider?.capabilities;
  const disabled = c.status === 'disabled';
  const actions: CardAction[] = [];
  if (!disabled) actions.push('sync-now');
  if (caps?.reconnect) actions.push('log-in-again');
  if (caps?.refresh_at_bank && !disabled) actions.push('refresh-at-bank');
  actions.push('disconnect');
  return actions;
}

/**
 * The second line under a card's label: the bank's name, unless the label already says it (a
 * card reading "Northbank / Northbank", or "Northbank West / Northbank", says nothing new).
 */
export function bankLine(c: ConnectionView): string | null {
  const name = c.provider_name.trim();
  return name === '' || c.label.toLocaleLowerCase().includes(name.toLocaleLowerCase()) ? null : name;
}

/** "A, B or C". */
function orList(items: string[]): string {
  return new Intl.ListFormat('en', { style: 'long', type: 'disjunction' }).format(items);
}

/**
 * The vault banner: shown when saved logins cannot be used. `unavailable` (no keychain, no
 * passphrase) says how to fix it; `key_lost` (the key that encrypted them is gone) offers to
 * start over. Null when all is well.
 */
export function renderVaultBanner(status: VaultStatus | null, onReset: () => void): HTMLElement | null {
  if (!status) return null;
  let title: string;
  let message: string;
  let tone: 'warn' | 'danger';
  let action: HTMLButtonElement | null = null;
  if (status.state === 'unavailable') {
    tone = 'warn';
    title = 'Coffer cannot save bank logins right now';
    message =
      status.message ??
      'No keychain is available. Start a Secret Service (such as GNOME Keyring or KWallet), or set the COFFER_PASSPHRASE environment variable, then restart Coffer.';
  } else if (status.state === 'key_lost') {
    tone = 'danger';
    title = 'Your saved bank logins can no longer be read';
    message =
      status.message ??
      'The key that protected them is gone. Reset the saved logins, then log in to each bank again. Your accounts and transactions are kept.';
    action = el(
      'button',
      { class: 'button danger small', attrs: { type: 'button', 'data-testid': 'vault-reset' } },
      el('span', { text: 'Reset saved logins' }),
    );
    action.addEventListener('click', onReset);
  } else {
    return null;
  }
  return el(
    'div',
    {
      class: `vault-banner tone-${tone}`,
      attrs: { role: 'status', 'data-testid': 'vault-banner' },
      data: { state: status.state },
    },
    icon(tone === 'danger' ? 'alert' : 'lock', 'icon vault-icon'),
    el(
      'div',
      { class: 'vault-text' },
      el('p', { class: 'vault-title', text: title }),
      el('p', { class: 'vault-message', text: message }),
    ),
    action,
  );
}

function badgeNode(badge: Badge, status: ConnectionStatus): HTMLElement {
  return el(
    'span',
    {
      class: `status-badge tone-${badge.tone}`,
      attrs: { 'data-testid': 'connection-status' },
      data: { status, tone: badge.tone },
    },
    el('span', { class: 'status-dot', attrs: { 'aria-hidden': 'true' } }),
    el('span', { class: 'status-text', text: badge.text }),
  );
}

function actionButton(action: string, label: string, iconName: IconName | null, tone = 'secondary'): HTMLButtonElement {
  return el(
    'button',
    { class: `button ${tone} small`, attrs: { type: 'button', 'data-testid': action }, data: { action } },
    iconName && icon(iconName),
    el('span', { text: label }),
  );
}

// ---------------------------------------------------------------- the view

export interface ConnectionsViewOptions {
  api: Api;
  /** Stored data changed (a sync, a disconnect): the other views reload. */
  onDataChanged?: () => void | Promise<void>;
  /** Brings this view to the front (e.g. after connecting from elsewhere). */
  onShow?: () => void;
  /** Quiet time before a bank catalogue search runs, ms (tests). */
  searchDelayMs?: number;
}

/** Remembers that the user chose to keep the sample data next to a real bank. */
const SAMPLE_OFFER_DECLINED = 'coffer.keep-sample-data';

export class ConnectionsView {
  readonly element: HTMLElement;
  readonly #api: Api;
  readonly #options: ConnectionsViewOptions;
  readonly #list: HTMLElement;
  readonly #vaultSlot: HTMLElement;
  readonly #caption: HTMLElement;
  #connections: ConnectionView[] = [];
  #providers: ProviderInfo[] | null = null;
  #vault: VaultStatus | null = null;
  readonly #syncing = new Map<number, ProgressView>();
  readonly #busy = new Set<string>();
  #loaded = false;
  #generation = 0;

  constructor(options: ConnectionsViewOptions) {
    this.#api = options.api;
    this.#options = options;
    const connect = el(
      'button',
      { class: 'button primary', attrs: { type: 'button', 'data-testid': 'connect-bank' } },
      icon('plus'),
      el('span', { text: 'Connect a bank' }),
    );
    connect.addEventListener('click', () => this.openConnect());
    const diagnostics = el(
      'button',
      { class: 'button secondary', attrs: { type: 'button', 'data-testid': 'copy-diagnostics' } },
      el('span', { text: 'Copy diagnostics' }),
    );
    diagnostics.addEventListener('click', () => void this.copyDiagnostics());
    const check = el(
      'button',
      { class: 'button secondary', attrs: { type: 'button', 'data-testid': 'check-database' } },
      el('span', { text: 'Check database' }),
    );
    check.addEventListener('click', () => void this.checkDatabase());
    this.#caption = el('p', { class: 'view-caption', text: 'Banks Coffer syncs from' });
    this.#vaultSlot = el('div', { class: 'vault-slot' });
    this.#list = el('div', {
      id: 'connection-list',
      class: 'connection-list',
      attrs: { 'aria-busy': 'true', 'aria-label': 'Connections', role: 'list' },
    });
    this.#list.addEventListener('click', (event) => this.#onAction(event));

    this.element = el(
      'section',
      {
        id: 'connections-view',
        class: 'view-panel connections-view',
        attrs: { role: 'tabpanel', 'aria-labelledby': 'tab-connections', tabindex: -1 },
      },
      el(
        'div',
        { class: 'view-head connections-head' },
        el('h1', { class: 'view-title', text: 'Connections' }),
        this.#caption,
        el('div', { class: 'view-head-actions' }, check, diagnostics, connect),
      ),
      this.#vaultSlot,
      this.#list,
    );
  }

  get connections(): ConnectionView[] {
    return this.#connections;
  }

  activate(): void {
    void this.reload();
  }

  deactivate(): void {}

  /** Loads the connections, the providers (once) and the vault's state, and shows them. */
  async reload(): Promise<void> {
    const generation = ++this.#generation;
    this.#list.setAttribute('aria-busy', 'true');
    const [connections, providers, vault] = await Promise.all([
      this.#api.connections().then(
        (c) => c,
        (error: unknown) => {
          showError(error, 'connections');
          return null;
        },
      ),
      this.#providers ?? this.#api.providers().catch(() => null),
      this.#api.vaultStatus().catch(() => null),
    ]);
    if (generation !== this.#generation) return;
    if (connections) {
      this.#connections = connections;
      this.#loaded = true;
      hideError('connections');
    }
    if (providers) this.#providers = providers;
    this.#vault = vault;
    this.#renderVault();
    this.#render();
    this.#list.setAttribute('aria-busy', 'false');
  }

  /**
   * "Copy diagnostics": versions, system, each bank's state and last errors (never a secret;
   * the backend builds it without opening the vault), on the clipboard to paste into a
   * message. Where the clipboard is refused, the text is shown to copy by hand.
   */
  async copyDiagnostics(): Promise<void> {
    let text: string;
    try {
      text = await this.#api.diagnostics();
    } catch (error) {
      showError(error);
      return;
    }
    try {
      await navigator.clipboard.writeText(text);
      toast('Diagnostics copied — nothing secret is in them; read them before you share them');
    } catch {
      await choose({
        title: 'Diagnostics',
        message: 'Copy this text; it holds no password, token or secret.',
        detail: text,
        choices: [],
        cancelLabel: 'Close',
        testId: 'diagnostics-text',
      });
    }
  }

  /**
   * "Check database" (`coffer check`): SQLite's integrity check, the foreign keys, and that
   * every balance equals its opening balance plus its rows. A sound database is a toast; any
   * problem is listed with what to do about it.
   */
  async checkDatabase(): Promise<void> {
    let check: DatabaseCheck;
    try {
      check = await this.#api.checkDatabase();
    } catch (error) {
      showError(error);
      return;
    }
    if (check.ok) {
      toast('Database checked: no problems found');
      return;
    }
    const problems = [
      ...check.integrity.filter((line) => line !== 'ok').map((line) => `Integrity: ${line}`),
      ...(check.foreign_key_problems > 0
        ? [`${check.foreign_key_problems} rows point at something that is not there`]
        : []),
      ...check.balance_problems,
    ];
    await choose({
      title: 'The database check found problems',
      message:
        'Restore a backup (coffer backup FILE makes one), or remove and reconnect the affected ' +
        'banks and sync again. Nothing was changed by the check.',
      detail: problems.join('\n'),
      choices: [],
      cancelLabel: 'Close',
      testId: 'database-check-problems',
    });
  }

  /** "Connect a bank". */
  openConnect(): ConnectDialog {
    return openConnectDialog({
      api: this.#api,
      connections: this.#connections,
      ...(this.#providers ? { providers: this.#providers } : {}),
      ...(this.#options.searchDelayMs !== undefined ? { searchDelayMs: this.#options.searchDelayMs } : {}),
      onConnected: (connection) => this.connected(connection),
      onClosed: () => void this.reload(),
    });
  }

  /** A login finished: show this view with the new connection and sync it right away. */
  async connected(connection: ConnectionView): Promise<void> {
    this.#options.onShow?.();
    const known = this.#connections.findIndex((c) => c.id === connection.id);
    if (known >= 0) this.#connections[known] = connection;
    else this.#connections = [...this.#connections, connection];
    this.#render();
    const sync = this.sync(connection.id, connection.label);
    // The new card shows the progress: bring it into view.
    const card = this.#list.querySelector<HTMLElement>(`[data-connection-id="${connection.id}"]`);
    card?.scrollIntoView?.({ block: 'nearest', behavior: 'smooth' });
    card?.focus({ preventScroll: true });
    await sync;
    if (known < 0) await this.offerToRemoveSampleData(connection);
  }

  /**
   * The first real bank is in: offer to remove the built-in bank's sample data, so invented
   * money never mixes with the user's own in totals and charts. Declining is remembered; the
   * sample data can be added back with “Connect a bank”.
   */
  async offerToRemoveSampleData(connection: ConnectionView): Promise<void> {
    const added = this.#providerOf(connection);
    if (!added || isBuiltIn(added)) return;
    if (localStorage.getItem(SAMPLE_OFFER_DECLINED) === 'yes') return;
    const samples = this.#connections.filter((c) => {
      const p = this.#providerOf(c);
      return c.id !== connection.id && c.status !== 'disabled' && p !== undefined && isBuiltIn(p);
    });
    for (const sample of samples) {
      const remove = await choose({
        title: `Remove ${sample.provider_name}'s sample data?`,
        message: `${connection.provider_name} is connected. ${sample.provider_name}'s accounts and transactions are invented; removing them keeps your totals and charts to your own money.`,
        detail: 'You can add the sample data back at any time with “Connect a bank”.',
        choices: [{ value: true, label: 'Remove sample data', tone: 'danger', testId: 'remove-sample-data' }],
        cancelLabel: 'Keep it',
        testId: 'sample-data-offer',
      });
      if (!remove) {
        localStorage.setItem(SAMPLE_OFFER_DECLINED, 'yes');
        return;
      }
      try {
        await this.#api.disconnect(sample.id, false);
        toast(`${sample.provider_name}'s sample data was removed`);
      } catch (error) {
        showError(error);
      }
    }
    if (samples.length > 0) {
      await this.reload();
      await this.#options.onDataChanged?.();
    }
  }

  /** "Sync now" for one connection, with a progress bar in its card; then everything reloads. */
  async sync(id: number, label?: string): Promise<void> {
    if (this.#syncing.has(id)) return;
    const name = label ?? this.#connections.find((c) => c.id === id)?.label ?? 'the bank';
    const progress = new ProgressView();
    progress.say(`Syncing ${name}…`);
    this.#syncing.set(id, progress);
    this.#render();
    try {
      const summaries = await runConnectionSync(this.#api, progress, id);
      const inserted = summaries.reduce((n, s) => n + s.inserted, 0);
      const failed = summaries.some((s) => s.errors.length > 0 && s.accounts === 0);
      if (!failed) toast(`${name} is up to date — ${plural(inserted, 'new transaction', 'new transactions')}`);
    } catch (error) {
      showError(error);
    } finally {
      this.#syncing.delete(id);
    }
    await this.reload();
    await this.#options.onDataChanged?.();
  }

  /** "Log in again": the connect dialog for this connection's provider, fields optional. */
  async renew(id: number): Promise<ConnectDialog | null> {
    const connection = this.#connections.find((c) => c.id === id);
    if (!connection) return null;
    if (!this.#providers) {
      try {
        this.#providers = await this.#api.providers();
      } catch (error) {
        showError(error);
        return null;
      }
    }
    const provider = this.#providers.find((p) => p.id === connection.provider);
    if (!provider) {
      showError({ code: 'unsupported', message: `Coffer cannot log in to ${connection.provider_name} from here.` });
      return null;
    }
    return openConnectDialog({
      api: this.#api,
      renew: { connection, provider },
      providers: this.#providers,
      ...(this.#options.searchDelayMs !== undefined ? { searchDelayMs: this.#options.searchDelayMs } : {}),
      onConnected: (c) => this.connected(c),
      onClosed: () => void this.reload(),
    });
  }

  /** Asks the bank (or its aggregator) to fetch fresh data now. */
  async refreshAtBank(id: number): Promise<void> {
    const connection = this.#connections.find((c) => c.id === id);
    const name = connection?.label ?? 'The bank';
    await this.#whileBusy(`refresh-at-bank:${id}`, async () => {
      try {
        const answer = await this.#api.refreshAtBank(id);
        toast(
          `Asked ${name} for fresh data — sync again in a few minutes. Next refresh possible ${formatDateTime(answer.next_refresh_possible_at)}.`,
        );
      } catch (error) {
        toast(`${name}: ${toApiError(error).message}`);
      }
    });
  }

  /** "Disconnect": asks whether to keep the history, then disconnects. */
  async disconnect(id: number): Promise<void> {
    const connection = this.#connections.find((c) => c.id === id);
    if (!connection) return;
    const already = connection.status === 'disabled';
    const revokes = this.#providerOf(connection)?.capabilities.revoke_at_bank === true;
    const answer = await choose<'keep' | 'delete'>({
      title: already ? `Remove ${connection.label}?` : `Disconnect ${connection.label}?`,
      message: already
        ? 'It is already disconnected. Deleting removes its accounts and transactions from Coffer.'
        : revokes
          ? 'Coffer stops syncing this bank, ends its access at the bank and forgets its saved login.'
          : 'Coffer stops syncing this bank and forgets its saved login.',
      ...(already
        ? {}
        : { detail: 'Keep its accounts and transactions to look back at them, or delete everything it brought in.' }),
      testId: 'disconnect-dialog',
      choices: [
        ...(already
          ? []
          : [{ value: 'keep' as const, label: 'Keep transactions', tone: 'primary' as const, testId: 'disconnect-keep', autofocus: true }]),
        { value: 'delete' as const, label: 'Delete everything', tone: 'danger' as const, testId: 'disconnect-delete' },
      ],
    });
    if (answer === null) return;
    const keep = answer === 'keep';
    await this.#whileBusy(`disconnect:${id}`, async () => {
      try {
        await this.#api.disconnect(id, keep);
        toast(keep ? `Disconnected ${connection.label}; its transactions are kept` : `Removed ${connection.label} and its transactions`);
      } catch (error) {
        showError(error);
      }
    });
    await this.reload();
    await this.#options.onDataChanged?.();
  }

  /** After the vault key was lost: drop all saved logins, after a confirmation. */
  async resetVault(): Promise<void> {
    const answer = await choose<true>({
      title: 'Reset saved logins?',
      message: 'Coffer deletes every saved bank login and starts over. Your accounts and transactions stay.',
      detail: 'Afterwards, use “Log in again” on each bank.',
      testId: 'vault-reset-dialog',
      choices: [{ value: true, label: 'Reset saved logins', tone: 'danger', testId: 'vault-reset-confirm' }],
    });
    if (answer !== true) return;
    try {
      this.#vault = await this.#api.resetVault();
      this.#renderVault();
      toast('Saved logins were reset. Log in again to each bank.');
    } catch (error) {
      showError(error);
    }
    await this.reload();
  }

  async #whileBusy(key: string, work: () => Promise<void>): Promise<void> {
    if (this.#busy.has(key)) return;
    this.#busy.add(key);
    this.#render();
    try {
      await work();
    } finally {
      this.#busy.delete(key);
      this.#render();
    }
  }

  #onAction(event: Event): void {
    const button = (event.target as Element | null)?.closest<HTMLButtonElement>('button[data-action]');
    const card = button?.closest<HTMLElement>('[data-connection-id]');
    if (!button || !card || button.disabled) return;
    const id = Number(card.dataset['connectionId']);
    switch (button.dataset['action']) {
      case 'sync-now':
        void this.sync(id);
        break;
      case 'log-in-again':
        void this.renew(id);
        break;
      case 'refresh-at-bank':
        void this.refreshAtBank(id);
        break;
      case 'disconnect':
        void this.disconnect(id);
        break;
    }
  }

  #renderVault(): void {
    clear(this.#vaultSlot);
    const banner = renderVaultBanner(this.#vault, () => void this.resetVault());
    if (banner) this.#vaultSlot.appendChild(banner);
  }

  #render(): void {
    // Keep the focus on the same button of the same card across re-renders.
    const focused = document.activeElement as HTMLElement | null;
    const focusCard = focused && this.#list.contains(focused) ? focused.closest<HTMLElement>('[data-connection-id]') : null;
    const focusKey = focusCard ? `${focusCard.dataset['connectionId']}:${focused?.dataset['action'] ?? ''}` : null;

    const n = this.#connections.length;
    this.#caption.textContent = this.#loaded ? (n === 0 ? 'No banks connected yet' : plural(n, 'connection', 'connections')) : 'Loading…';
    const fragment = document.createDocumentFragment();
    for (const c of this.#connections) fragment.appendChild(this.#card(c));
    if (n === 0 && this.#loaded) {
      fragment.appendChild(
        el(
          'div',
          { class: 'card connections-empty', attrs: { role: 'listitem' } },
          el('p', { class: 'card-title', text: 'No banks connected yet' }),
          el('p', { class: 'muted', text: this.#emptyHint() }),
        ),
      );
    }
    clear(this.#list);
    this.#list.appendChild(fragment);

    if (focusKey) {
      const [cardId, action] = focusKey.split(':');
      const card = this.#list.querySelector<HTMLElement>(`[data-connection-id="${cardId}"]`);
      const target = action ? card?.querySelector<HTMLElement>(`[data-action="${action}"]`) : null;
      if (target && !(target as HTMLButtonElement).disabled) target.focus();
      else card?.focus();
    }
  }

  #providerOf(c: ConnectionView): ProviderInfo | undefined {
    return this.#providers?.find((p) => p.id === c.provider);
  }

  /** What “Connect a bank” can add: the names of the banks the backend knows. */
  #emptyHint(): string {
    const names = (this.#providers ?? []).map((p) => p.name);
    return names.length > 0 ? `Use “Connect a bank” to add ${orList(names)}.` : 'Use “Connect a bank” to add one.';
  }

  #card(c: ConnectionView): HTMLElement {
    const progress = this.#syncing.get(c.id);
    const syncing = progress !== undefined;
    const badge = statusBadge(c.status, syncing);
    const provider = this.#providerOf(c);
    const disabled = c.status === 'disabled';

    const lastSync = el('dd', {
      class: 'connection-last-sync',
      text: c.last_sync_at ? formatRelativeTime(c.last_sync_at) : 'never',
      ...(c.last_sync_at ? { title: formatDateTime(c.last_sync_at) } : {}),
    });
    // The consent's end, for banks whose login is a consent with an end date (while expiring,
    // the notice below says it instead).
    const consent =
      provider?.capabilities.consent_expiry === true && c.consent_expires_at !== null && c.status !== 'expiring'
        ? c.consent_expires_at
        : null;
    const facts = el(
      'dl',
      { class: 'connection-facts' },
      el('div', {}, el('dt', { text: 'Accounts' }), el('dd', { class: 'connection-accounts', text: String(c.accounts) })),
      el('div', {}, el('dt', { text: 'Last sync' }), lastSync),
      consent !== null &&
        el(
          'div',
          { attrs: { 'data-testid': 'connection-consent' } },
          el('dt', { text: 'Consent' }),
          el('dd', { text: `until ${formatDate(consent)}`, title: formatDateTime(consent) }),
        ),
    );

    const actions = el('div', { class: 'connection-actions' });
    for (const action of cardActions(c, provider)) {
      switch (action) {
        case 'sync-now': {
          const sync = actionButton('sync-now', syncing ? 'Syncing…' : 'Sync now', 'sync');
          sync.disabled = syncing;
          sync.classList.toggle('busy', syncing);
          actions.appendChild(sync);
          break;
        }
        case 'log-in-again': {
          const tone = c.status === 'needs_reauth' || c.status === 'expiring' ? 'primary' : 'secondary';
          // A consent about to end is renewed (same login, new consent, all history kept).
          const renew = actionButton('log-in-again', c.status === 'expiring' ? 'Renew' : 'Log in again', null, tone);
          renew.disabled = syncing;
          actions.appendChild(renew);
          break;
        }
        case 'refresh-at-bank': {
          const refresh = actionButton('refresh-at-bank', 'Refresh at bank', null);
          const busy = this.#busy.has(`refresh-at-bank:${c.id}`);
          refresh.disabled = busy || syncing;
          refresh.classList.toggle('busy', busy);
          actions.appendChild(refresh);
          break;
        }
        case 'disconnect': {
          const remove = actionButton('disconnect', disabled ? 'Remove' : 'Disconnect', null, 'ghost danger-text');
          remove.disabled = syncing || this.#busy.has(`disconnect:${c.id}`);
          actions.appendChild(remove);
          break;
        }
      }
    }

    const bank = bankLine(c);
    const card = el(
      'article',
      {
        class: `card connection-card tone-${badge.tone}`,
        attrs: {
          role: 'listitem',
          tabindex: -1,
          'data-testid': 'connection-card',
          'data-connection-id': c.id,
          'aria-label': `${c.label}${bank ? ` (${bank})` : ''}: ${badge.text}`,
        },
        data: { status: c.status, provider: c.provider },
      },
      el(
        'header',
        { class: 'connection-head' },
        bankLogo(provider, 'connection-mark'),
        el(
          'div',
          { class: 'connection-titles' },
          el('h2', { class: 'connection-label', attrs: { 'data-testid': 'connection-label' }, text: c.label }),
          bank !== null && el('p', { class: 'connection-provider', attrs: { 'data-testid': 'connection-bank' }, text: bank }),
        ),
        badgeNode(badge, c.status),
      ),
      facts,
    );
    append(card, this.#notice(c), progress?.element, actions);
    return card;
  }

  /** What the status means for the user, with the provider's own reason where there is one. */
  #notice(c: ConnectionView): HTMLElement | null {
    const reason = c.last_error?.trim() || null;
    const note = (tone: string, text: string, detail: string | null = null): HTMLElement =>
      el(
        'div',
        { class: `connection-notice tone-${tone}`, attrs: { 'data-testid': 'connection-notice' } },
        el('p', { text }),
        detail !== null && el('p', { class: 'connection-reason', attrs: { 'data-testid': 'connection-error' }, text: detail }),
      );
    switch (c.status) {
      case 'expiring':
        return note(
          'warn',
          c.consent_expires_at
            ? `Consent ends ${formatDate(c.consent_expires_at)}. Renew it to keep syncing.`
            : 'Consent ends soon. Renew it to keep syncing.',
        );
      case 'needs_reauth':
        return note('danger', 'The bank needs you to log in again before Coffer can sync.', reason);
      case 'error':
        return note('danger', 'The last sync failed.', reason);
      case 'disabled':
        return note('muted', 'Disconnected. Coffer no longer syncs this bank; its past transactions are kept.');
      default:
        return null;
    }
  }
}
