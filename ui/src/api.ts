// Calls into the Rust backend. The commands are typed here once; how a call travels (Tauri IPC
// inside the desktop app, HTTP for `coffer serve`) is a Transport.

import { Channel, invoke } from '@tauri-apps/api/core';
import type {
  AccountsOverview,
  AccountTotal,
  ApiError,
  AppStatus,
  BalanceReport,
  Category,
  CategoryReport,
  CategoryRuleView,
  ChartRequest,
  ChartView,
  Filter,
  FlowReport,
  PeriodKind,
  RuleMatch,
  SyncEvent,
  SyncSummary,
  TransactionList,
  TransactionPage,
  TransactionQuery,
  VendorReport,
  VendorRuleView,
  VendorView,
} from './generated/api';
// The bank-connection types, in one place: the rest of the UI imports them from here.
import type {
  CallbackKind,
  ConnectionStatus,
  ConnectionView,
  CredentialField,
  FieldChoice,
  FinsifyService,
  LoginKind,
  LoginRequest,
  LoginStarted,
  ProviderInfo,
  RefreshAtBank,
  Setting,
  VaultStatus,
} from './generated/api';

export type {
  CallbackKind,
  ConnectionStatus,
  ConnectionView,
  CredentialField,
  FieldChoice,
  FinsifyService,
  LoginKind,
  LoginRequest,
  LoginStarted,
  ProviderInfo,
  RefreshAtBank,
  Setting,
  VaultStatus,
};

export type Command =
  | 'app_status'
  | 'connect_demo'
  | 'sync_all'
  | 'accounts'
  | 'transactions'
  | 'transaction_page'
  | 'report_flows'
  | 'report_categories'
  | 'report_vendors'
  | 'report_accounts'
  | 'report_balances'
  | 'chart'
  | 'vendors'
  | 'vendor_rules'
  | 'rename_vendor'
  | 'merge_vendors'
  | 'add_vendor_rule'
  | 'delete_vendor_rule'
  | 'categories'
  | 'category_rules'
  | 'add_category_rule'
  | 'delete_category_rule'
  | 'set_category'
  | 'export_csv'
  | 'export_csv_dialog'
  | 'save_chart_dialog'
  | 'connections'
  | 'providers'
  | 'finsify_services'
  | 'connect_begin'
  | 'connect_finish'
  | 'connect_cancel'
  | 'sync_connection'
  | 'disconnect'
  | 'refresh_at_bank'
  | 'settings'
  | 'set_setting'
  | 'vault_status'
  | 'reset_vault';

/** What the desktop's native save dialogs answer: the file written (`rows` is 0 for charts). */
export interface SavedFile {
  path: string;
  rows: number;
}

/** How an export ended. */
export type ExportResult =
  | { kind: 'saved'; path: string; rows: number }
  | { kind: 'downloaded'; blob: Blob }
  | { kind: 'cancelled' };

export type Args = Record<string, unknown>;

export interface Transport {
  /** `tauri` (native dialogs available) or `http` (downloads instead). */
  readonly name: string;
  /**
   * Runs a backend command. `onEvent`, when given, receives the command's progress events
   * if the transport can deliver them (it is passed to the backend as the `events` argument).
   * Rejects with an {@link ApiError}.
   */
  call<T>(command: Command, args?: Args, onEvent?: (event: SyncEvent) => void): Promise<T>;
  /** Runs a command whose answer is a file (HTTP only), e.g. `export_csv`. */
  callBlob?(command: Command, args?: Args): Promise<Blob>;
}

/** Turns whatever a failed call rejected with into an {@link ApiError}. */
export function toApiError(error: unknown, fallbackCode = 'internal'): ApiError {
  if (typeof error === 'object' && error !== null) {
    const { code, message } = error as { code?: unknown; message?: unknown };
    if (typeof message === 'string' && message !== '') {
      return { code: typeof code === 'string' ? code : fallbackCode, message };
    }
  }
  if (typeof error === 'string' && error !== '') return { code: fallbackCode, message: error };
  return { code: fallbackCode, message: 'Something went wrong.' };
}

export function isApiError(value: unknown): value is ApiError {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as ApiError).code === 'string' &&
    typeof (value as ApiError).message === 'string'
  );
}

/** Tauri IPC: `invoke`, with progress events on a `Channel`. */
export class TauriTransport implements Transport {
  readonly name = 'tauri';

  async call<T>(command: Command, args: Args = {}, onEvent?: (event: SyncEvent) => void): Promise<T> {
    const payload: Args = { ...args };
    if (onEvent) payload['events'] = new Channel<SyncEvent>(onEvent);
    try {
      return await invoke<T>(command, payload);
    } catch (error) {
      throw toApiError(error);
    }
  }
}

export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

export interface HttpTransportOptions {
  /** URL the `api/<command>` paths are resolved against, normally the page's own URL. */
  baseUrl: string;
  /** Bearer token; no `Authorization` header is sent without one. */
  token: string | null;
  fetch?: FetchLike;
}

/**
 * HTTP: `POST api/<command>` (relative to the page) with the arguments as a JSON body and a
 * bearer token. Progress events are not streamed; the call just resolves when done.
 */
export class HttpTransport implements Transport {
  readonly name = 'http';
  readonly #baseUrl: string;
  readonly #token: string | null;
  readonly #fetch: FetchLike;

  constructor(options: HttpTransportOptions) {
    this.#baseUrl = options.baseUrl;
    this.#token = options.token;
    this.#fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  }

  /** The URL a command is posted to. */
  urlFor(command: Command): string {
    return new URL(`./api/${command}`, this.#baseUrl).toString();
  }

  async #post(command: Command, args: Args, accept: string): Promise<Response> {
    const headers: Record<string, string> = {
      'Content-Type': 'application/json',
      Accept: accept,
    };
    if (this.#token) headers['Authorization'] = `Bearer ${this.#token}`;
    let response: Response;
    try {
      response = await this.#fetch(this.urlFor(command), {
        method: 'POST',
        headers,
        body: JSON.stringify(args),
        credentials: 'same-origin',
        cache: 'no-store',
      });
    } catch (error) {
      throw toApiError(error, 'network');
    }
    if (!response.ok) {
      const text = await response.text().catch(() => '');
      let body: unknown = undefined;
      try {
        body = text === '' ? undefined : JSON.parse(text);
      } catch {
        body = undefined;
      }
      if (isApiError(body)) throw { code: body.code, message: body.message } satisfies ApiError;
      throw {
        code: `http_${response.status}`,
        message: `The server answered ${response.status}${response.statusText ? ` ${response.statusText}` : ''}.`,
      } satisfies ApiError;
    }
    return response;
  }

  async call<T>(command: Command, args: Args = {}, _onEvent?: (event: SyncEvent) => void): Promise<T> {
    const response = await this.#post(command, args, 'application/json');
    let body: unknown = undefined;
    const text = await response.text().catch(() => '');
    if (text !== '') {
      try {
        body = JSON.parse(text);
      } catch {
        body = undefined;
      }
    }
    if (body === undefined) {
      throw { code: 'bad_response', message: 'The server sent an unreadable answer.' } satisfies ApiError;
    }
    return body as T;
  }

  async callBlob(command: Command, args: Args = {}): Promise<Blob> {
    const response = await this.#post(command, args, '*/*');
    try {
      return await response.blob();
    } catch (error) {
      throw toApiError(error, 'network');
    }
  }
}

/** The `?token=` of a page URL, if any. */
export function tokenFromUrl(url: string): string | null {
  try {
    const token = new URL(url).searchParams.get('token');
    return token === null || token === '' ? null : token;
  } catch {
    return null;
  }
}

/** Picks Tauri IPC inside the desktop app, HTTP otherwise. */
export function createTransport(win: Window = window): Transport {
  if ('__TAURI_INTERNALS__' in win) return new TauriTransport();
  const href = win.location.href;
  return new HttpTransport({ baseUrl: href, token: tokenFromUrl(href) });
}

export function emptyFilter(): Filter {
  return {
    from: null,
    to: null,
    accounts: [],
    direction: null,
    categories: [],
    vendors: [],
    search: null,
    min: null,
    max: null,
  };
}

export class Api {
  constructor(readonly transport: Transport) {}

  appStatus(): Promise<AppStatus> {
    return this.transport.call<AppStatus>('app_status');
  }

  connectDemo(): Promise<ConnectionView> {
    return this.transport.call<ConnectionView>('connect_demo');
  }

  /** Syncs every connection; `onEvent` gets progress when the transport can stream it. */
  syncAll(onEvent: (event: SyncEvent) => void): Promise<SyncSummary[]> {
    return this.transport.call<SyncSummary[]>('sync_all', {}, onEvent);
  }

  accounts(): Promise<AccountsOverview> {
    return this.transport.call<AccountsOverview>('accounts');
  }

  transactions(filter: Filter): Promise<TransactionList> {
    return this.transport.call<TransactionList>('transactions', { filter });
  }

  transactionPage(query: TransactionQuery): Promise<TransactionPage> {
    return this.transport.call<TransactionPage>('transaction_page', { query });
  }

  reportFlows(filter: Filter, period: PeriodKind): Promise<FlowReport[]> {
    return this.transport.call<FlowReport[]>('report_flows', { filter, period });
  }

  reportCategories(filter: Filter): Promise<CategoryReport[]> {
    return this.transport.call<CategoryReport[]>('report_categories', { filter });
  }

  reportVendors(filter: Filter, limit: number): Promise<VendorReport[]> {
    return this.transport.call<VendorReport[]>('report_vendors', { filter, limit });
  }

  reportAccounts(filter: Filter): Promise<AccountTotal[]> {
    return this.transport.call<AccountTotal[]>('report_accounts', { filter });
  }

  reportBalances(filter: Filter): Promise<BalanceReport[]> {
    return this.transport.call<BalanceReport[]>('report_balances', { filter });
  }

  chart(request: ChartRequest): Promise<ChartView> {
    return this.transport.call<ChartView>('chart', { request });
  }

  vendors(): Promise<VendorView[]> {
    return this.transport.call<VendorView[]>('vendors');
  }

  vendorRules(): Promise<VendorRuleView[]> {
    return this.transport.call<VendorRuleView[]>('vendor_rules');
  }

  /** Renames a vendor everywhere; resolves to the number of transactions changed. */
  renameVendor(from: string, to: string): Promise<number> {
    return this.transport.call<number>('rename_vendor', { from, to });
  }

  mergeVendors(names: string[], into: string): Promise<number> {
    return this.transport.call<number>('merge_vendors', { names, into });
  }

  /** Resolves to the new rule's id. */
  addVendorRule(pattern: string, isRegex: boolean, vendor: string): Promise<number> {
    return this.transport.call<number>('add_vendor_rule', { pattern, is_regex: isRegex, vendor });
  }

  deleteVendorRule(id: number): Promise<number> {
    return this.transport.call<number>('delete_vendor_rule', { id });
  }

  categories(): Promise<Category[]> {
    return this.transport.call<Category[]>('categories');
  }

  categoryRules(): Promise<CategoryRuleView[]> {
    return this.transport.call<CategoryRuleView[]>('category_rules');
  }

  addCategoryRule(matchKind: RuleMatch, pattern: string, category: Category): Promise<number> {
    return this.transport.call<number>('add_category_rule', { match_kind: matchKind, pattern, category });
  }

  deleteCategoryRule(id: number): Promise<number> {
    return this.transport.call<number>('delete_category_rule', { id });
  }

  /**
   * Re-categorises one transaction; resolves to how many OTHER transactions of the same vendor
   * followed (the backend learns a rule from it).
   */
  setCategory(transaction: number, category: Category | null): Promise<number> {
    return this.transport.call<number>('set_category', { transaction, category });
  }

  /** True when saving goes through the desktop's native dialog (else: a browser download). */
  get hasNativeDialogs(): boolean {
    return this.transport.name === 'tauri';
  }

  /** Exports exactly the rows `filter` selects as CSV: a native save dialog, or a download. */
  async exportCsv(filter: Filter): Promise<ExportResult> {
    if (this.hasNativeDialogs) {
      const saved = await this.transport.call<SavedFile | null>('export_csv_dialog', { filter });
      return saved ? { kind: 'saved', path: saved.path, rows: saved.rows } : { kind: 'cancelled' };
    }
    if (!this.transport.callBlob) {
      throw { code: 'unsupported', message: 'Export is not available here.' } satisfies ApiError;
    }
    return { kind: 'downloaded', blob: await this.transport.callBlob('export_csv', { filter }) };
  }

  /** Desktop only: saves a chart as SVG or PNG through the native dialog; null when cancelled. */
  saveChartDialog(request: ChartRequest, format: 'svg' | 'png'): Promise<SavedFile | null> {
    return this.transport.call<SavedFile | null>('save_chart_dialog', { request, format });
  }

  // ---------------------------------------------------------------- bank connections

  /** True inside the desktop app (Tauri IPC): deep links and native windows are available. */
  get isDesktop(): boolean {
    return this.transport.name === 'tauri';
  }

  connections(): Promise<ConnectionView[]> {
    return this.transport.call<ConnectionView[]>('connections');
  }

  providers(): Promise<ProviderInfo[]> {
    return this.transport.call<ProviderInfo[]>('providers');
  }

  /** Finsify's bank catalogue, narrowed by `query` (all of it for null). */
  finsifyServices(query: string | null): Promise<FinsifyService[]> {
    return this.transport.call<FinsifyService[]>('finsify_services', { query });
  }

  /**
   * Starts a bank login; the backend opens the system browser itself. Resolves once the
   * backend listens for the bank's redirect.
   */
  connectBegin(request: LoginRequest): Promise<LoginStarted> {
    return this.transport.call<LoginStarted>('connect_begin', { request });
  }

  /** Resolves when the bank redirected back (long-running); rejects with `cancelled`, `login`… */
  connectFinish(loginId: number): Promise<ConnectionView> {
    return this.transport.call<ConnectionView>('connect_finish', { login_id: loginId });
  }

  connectCancel(loginId: number): Promise<null> {
    return this.transport.call<null>('connect_cancel', { login_id: loginId });
  }

  /** Syncs one connection; `onEvent` gets progress when the transport can stream it. */
  syncConnection(connection: number, onEvent: (event: SyncEvent) => void): Promise<SyncSummary[]> {
    return this.transport.call<SyncSummary[]>('sync_connection', { connection }, onEvent);
  }

  /** Forgets a connection's login; `keepHistory` keeps its accounts and transactions. */
  disconnect(connection: number, keepHistory: boolean): Promise<null> {
    return this.transport.call<null>('disconnect', { connection, keep_history: keepHistory });
  }

  /** Finsify only: asks the bank for fresh data now. */
  refreshAtBank(connection: number): Promise<RefreshAtBank> {
    return this.transport.call<RefreshAtBank>('refresh_at_bank', { connection });
  }

  settings(): Promise<Setting[]> {
    return this.transport.call<Setting[]>('settings');
  }

  /** Sets a setting; `null` goes back to its default. */
  setSetting(key: string, value: string | null): Promise<Setting> {
    return this.transport.call<Setting>('set_setting', { key, value });
  }

  vaultStatus(): Promise<VaultStatus> {
    return this.transport.call<VaultStatus>('vault_status');
  }

  /** Drops every saved login (after the vault key was lost) and starts an empty vault. */
  resetVault(): Promise<VaultStatus> {
    return this.transport.call<VaultStatus>('reset_vault');
  }

  /**
   * How the bank should come back to Coffer: a `coffer://` deep link for connect-page logins
   * in the desktop app, else the loopback listener (always for OAuth loopback providers and
   * over HTTP, where no deep link can reach the page).
   */
  callbackFor(provider: ProviderInfo): CallbackKind {
    return provider.login === 'connect_page' && this.isDesktop ? 'deep_link' : 'loopback';
  }
}
