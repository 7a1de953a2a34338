// Generated from the Rust types by `cargo test -p coffer-api` (bindings test).
// Do not edit: change the Rust type and run `UPDATE_BINDINGS=1 cargo test -p coffer-api`.

export type AccountKind = "current" | "savings" | "credit_card" | "loan" | "other";
export type Direction = "debit" | "credit";
export type TransactionStatus = "pending" | "booked";
export type ConnectionStatus = "active" | "needs_reauth" | "expiring" | "error" | "disabled";
export type AccountView = { id: number, connection_id: number, provider: string, name: string, number: string | null, iban: string | null, currency: string, kind: AccountKind, 
/**
 * Booked balance, e.g. `"-61299.00"`.
 */
balance: string, 
/**
 * Balance after pending transactions, where the provider reports one.
 */
available: string | null, balance_at: string, transaction_count: number, 
/**
 * The connection it came with, for grouping accounts by bank ("SpareBank 1").
 */
connection_label: string, 
/**
 * The bank's own name for it; `name` is the user's when `renamed`.
 */
bank_name: string, renamed: boolean, 
/**
 * Left out of totals, reports, charts and exports unless a filter names it.
 */
hidden: boolean, };
export type CurrencyTotal = { currency: string, balance: string, accounts: number, };
export type AccountsOverview = { accounts: Array<AccountView>, totals: Array<CurrencyTotal>, };
export type TransferView = { partner_id: number, partner_account_id: number, partner_account_name: string, 
/**
 * Signed, like [`TransactionView::amount`].
 */
partner_amount: string, partner_currency: string, partner_date: string, 
/**
 * e.g. "same amount, 1 day apart, account number in the text", or "paired by you".
 */
reason: string, 
/**
 * The user paired these two by hand.
 */
by_user: boolean, 
/**
 * One sentence: "paired with −10,000.00 NOK on Sparekonto, 2 Dec 2026: same amount, …".
 */
explanation: string, };
export type TransactionView = { id: number, account_id: number, account_name: string, booking_date: string, value_date: string | null, 
/**
 * Signed: negative is money out.
 */
amount: string, currency: string, direction: Direction, status: TransactionStatus, 
/**
 * The bank's text exactly as received.
 */
description: string, counterparty: string | null, vendor: string | null, category: string | null, provider: string, 
/**
 * The other side when this row is one half of a transfer between the user's accounts.
 */
transfer: TransferView | null, };
export type TransactionList = { rows: Array<TransactionView>, total: number, };
export type Transfers = "include" | "exclude" | "only";
export type Filter = { from: string | null, to: string | null, accounts: Array<number>, direction: Direction | null, categories: Array<string>, vendors: Array<string>, search: string | null, min: string | null, max: string | null, 
/**
 * Paired transfers between the user's own accounts (see `coffer_core::transfer`). `None`
 * means the view's default: reports and charts leave them out (moving money between
 * one's own accounts is neither income nor spending), the transaction list and the CSV
 * export show them, marked.
 */
transfers: Transfers | null, };
export type ConnectionView = { id: number, provider: string, 
/**
 * The bank's display name (filled in at the API boundary from the bank registry).
 */
provider_name: string, label: string, status: ConnectionStatus, last_sync_at: string | null, 
/**
 * When the bank consent ends and the user must log in again (RFC 3339), if known.
 */
consent_expires_at: string | null, last_error: string | null, accounts: number, };
export type AppStatus = { connections: Array<ConnectionView>, accounts: number, transactions: number, };
export type SyncSummary = { connection_id: number, provider: string, label: string, accounts: number, fetched: number, inserted: number, updated: number, unchanged: number, 
/**
 * Pending rows that the provider dropped (cancelled authorisations).
 */
expired: number, 
/**
 * One line per account or step that failed, naming what was wrong.
 */
errors: Array<string>, 
/**
 * Things to know that are not failures (a long first sync continuing next time).
 */
notes: Array<string>, 
/**
 * The connection was being synced already, so this sync did nothing.
 */
skipped: boolean, };
export type SyncEvent = { "kind": "started", connection_id: number, label: string, } | { "kind": "accounts", connection_id: number, total: number, } | { "kind": "account", connection_id: number, account_name: string, index: number, total: number, fetched: number, } | { "kind": "finished", summary: SyncSummary, } | { "kind": "failed", connection_id: number, message: string, };
export type ApiError = { code: string, message: string, };
export type Category = "groceries" | "restaurants" | "transport" | "housing" | "utilities" | "subscriptions" | "shopping" | "travel" | "health" | "fees" | "income" | "transfers" | "other";
export type CategorySource = "user" | "rule" | "provider" | "builtin";
export type TransactionQuery = { filter: Filter, sort: "date" | "account" | "description" | "vendor" | "category" | "amount" | "status", descending: boolean, offset: number, limit: number, };
export type TransactionPage = { rows: Array<TransactionView>, 
/**
 * Rows the filter selects in all.
 */
total: number, offset: number, };
export type Amounts = { 
/**
 * Money in, `>= 0`.
 */
credit: string, 
/**
 * Money out, `<= 0`.
 */
debit: string, 
/**
 * credit + debit.
 */
net: string, count: number, };
export type PeriodTotal = { 
/**
 * `2026-03` or `2026-W12`.
 */
key: string, label: string, 
/**
 * First and last day, to turn a clicked bar into a date filter.
 */
from: string, to: string, amounts: Amounts, };
export type FlowReport = { currency: string, periods: Array<PeriodTotal>, total: Amounts, };
export type CategoryTotal = { 
/**
 * `None`: uncategorised.
 */
category: Category | null, amounts: Amounts, };
export type CategoryReport = { currency: string, rows: Array<CategoryTotal>, total: Amounts, };
export type VendorTotal = { 
/**
 * `None`: rows without a recognisable vendor.
 */
vendor: string | null, amounts: Amounts, };
export type VendorReport = { currency: string, rows: Array<VendorTotal>, total: Amounts, };
export type AccountTotal = { account_id: number, account_name: string, currency: string, amounts: Amounts, };
export type BalancePoint = { date: string, balance: string, };
export type BalanceReport = { currency: string, points: Array<BalancePoint>, };
export type ChartKind = "debit_credit" | "category" | "vendor" | "balance";
export type PeriodKind = "month" | "week";
export type ChartTheme = "light" | "dark";
export type ChartRequest = { kind: ChartKind, filter: Filter, width: number, height: number, theme: ChartTheme, period: PeriodKind, 
/**
 * Which currency to draw when the filter spans several; default: the one with most rows.
 */
currency: string | null, 
/**
 * The UI's locale (BCP 47, e.g. "nb-NO"), for the month names on date axes; `None`:
 * English.
 */
locale: string | null, };
export type HitTarget = "period" | "category" | "vendor" | "date";
export type ChartRegion = { x: number, y: number, width: number, height: number, target: HitTarget, key: string, 
/**
 * For period and date regions: the first and last day it stands for (ISO dates), so a
 * click filters exactly that span without the front end decoding the key.
 */
from: string | null, to: string | null, 
/**
 * What a tooltip shows, exact: a bar's amount (a category's or vendor's spending, a
 * day's balance) as decimal text in the chart's currency; `None` where the region has
 * two (a period: see `credit`/`debit`) or none.
 */
amount: string | null, 
/**
 * A period's money in (`>= 0`) and out (`<= 0`), decimal text.
 */
credit: string | null, debit: string | null, 
/**
 * How many transactions the region stands for; `None` for balances (a balance is not a
 * sum of the selected rows).
 */
count: number | null, };
export type ChartView = { kind: ChartKind, currency: string | null, 
/**
 * Every currency the filter spans, for a switcher.
 */
currencies: Array<string>, svg: string, regions: Array<ChartRegion>, };
export type RuleMatch = "vendor" | "text";
export type CategoryRuleView = { id: number, match_kind: RuleMatch, pattern: string, category: Category, 
/**
 * Learned from re-categorising a transaction rather than written by hand.
 */
learned: boolean, };
export type VendorRuleView = { id: number, pattern: string, is_regex: boolean, vendor: string, };
export type VendorView = { name: string, transactions: number, 
/**
 * The rules that produced this vendor, in words, e.g. "Known merchant: Uber" or "Your rule
 * #3".
 */
rules: Array<string>, 
/**
 * Normalised names shown as this vendor (renames and merges).
 */
aliases: Array<string>, };
export type LoginKind = "oauth_loopback" | "hosted_page" | "credentials" | "none";
export type FieldInput = "text" | "secret" | "port" | "choice" | "catalogue";
export type FieldChoice = { value: string, label: string, detail: string | null, };
export type CredentialField = { key: string, label: string, 
/**
 * Where to find the value.
 */
help: string, input: FieldInput, 
/**
 * Stored only sealed in the vault (masked inputs always are).
 */
secret: boolean, required: boolean, default_value: string | null, choices: Array<FieldChoice>, };
export type Capabilities = { refresh_at_bank: boolean, reconnect: boolean, consent_expiry: boolean, revoke_at_bank: boolean, };
export type ProviderInfo = { id: string, name: string, summary: string, 
/**
 * ISO 3166 alpha-2 codes of the countries served.
 */
countries: Array<string>, 
/**
 * A small square SVG mark.
 */
logo_svg: string, developer_portal: string | null, 
/**
 * For built-in banks: the welcome screen's offer.
 */
welcome_offer: string | null, login: LoginKind, fields: Array<CredentialField>, capabilities: Capabilities, 
/**
 * The redirect URI to register with the bank, with `{port}` for the chosen port.
 */
redirect_uri_template: string | null, 
/**
 * For credentials logins: what is stored and why; the user confirms it before connecting.
 */
storage_warning: string | null, };
export type CallbackKind = "loopback" | "deep_link";
export type LoginRequest = { provider: string, 
/**
 * Form values by [`CredentialField::key`]. When renewing, empty fields keep the saved
 * values.
 */
fields: { [key in string]: string }, 
/**
 * Set for "Log in again" / "Renew": the connection is renewed in place.
 */
connection: number | null, 
/**
 * The front end's preferred way back; the bank may insist on the loopback listener.
 */
callback: CallbackKind, };
export type LoginStarted = { login_id: number, provider: string, 
/**
 * Where the bank will send the browser back (what must be registered), if anywhere.
 */
redirect_uri: string, 
/**
 * False when the login completes without a browser (credentials, built-in banks).
 */
opens_browser: boolean, };
export type VaultStatus = { 
/**
 * `ready`, `not_created` (no bank connected yet), `unavailable` (no keychain), or
 * `key_lost` (the key the saved logins were sealed with is gone).
 */
state: string, 
/**
 * `keychain` or `passphrase`.
 */
key_source: string, message: string | null, };
export type Setting = { key: string, value: string, default_value: string, description: string, 
/**
 * For a setting chosen from a list (the locale): the values offered; empty otherwise.
 */
choices: Array<SettingChoice>, };
export type SettingChoice = { value: string, label: string, };
export type AmountBounds = { min: string | null, max: string | null, };
export type RefreshAtBank = { 
/**
 * When the bank allows the next refresh (RFC 3339).
 */
next_refresh_possible_at: string, };
export type CatalogueEntry = { 
/**
 * What the form field takes.
 */
value: string, label: string, detail: string | null, logo_url: string | null, };
export type SavedFile = { path: string, rows: number, };
export type DatabaseCheck = { ok: boolean, 
/**
 * SQLite's integrity check: `["ok"]` when sound.
 */
integrity: Array<string>, foreign_key_problems: number, 
/**
 * Accounts whose opening balance and booked rows do not add up to their balance.
 */
balance_problems: Array<string>, };
export type Backup = { path: string, bytes: number, };
export type Notice = { connection_id: number, kind: NoticeKind, 
/**
 * One line, e.g. "SpareBank 1 needs you to log in again".
 */
title: string, 
/**
 * The bank's reason or what to do.
 */
body: string, };
export type NoticeKind = "needs_login" | "consent_expiring" | "sync_failed";

/** Who may call each operation (see crates/coffer-api/src/ops.rs). */
export const OPERATIONS = {
  app_status: 'read',
  connections: 'read',
  accounts: 'read',
  transactions: 'read',
  transaction_page: 'read',
  report_flows: 'read',
  report_categories: 'read',
  report_vendors: 'read',
  report_accounts: 'read',
  report_balances: 'read',
  chart: 'read',
  vendors: 'read',
  vendor_rules: 'read',
  categories: 'read',
  category_rules: 'read',
  providers: 'read',
  bank_catalogue: 'read',
  settings: 'read',
  check_amounts: 'read',
  vault_status: 'read',
  check_database: 'read',
  notices: 'read',
  diagnostics: 'read',
  sync_all: 'write',
  sync_connection: 'write',
  rename_vendor: 'write',
  rename_account: 'write',
  hide_account: 'write',
  merge_vendors: 'write',
  add_vendor_rule: 'write',
  delete_vendor_rule: 'write',
  add_category_rule: 'write',
  delete_category_rule: 'write',
  set_category: 'write',
  unpair_transfer: 'write',
  pair_transfers: 'write',
  connect_begin: 'write',
  connect_finish: 'write',
  connect_cancel: 'write',
  disconnect: 'write',
  refresh_at_bank: 'write',
  set_setting: 'admin',
  reset_vault: 'admin',
  backup: 'admin',
  export_csv_dialog: 'desktop',
  save_chart_dialog: 'desktop',
  export_csv: 'http',
} as const;

export type Operation = keyof typeof OPERATIONS;

/** How a call travels (Tauri IPC or HTTP); `onEvent` receives progress events. */
export interface Caller {
  call<T>(operation: Operation, args?: Record<string, unknown>, onEvent?: (event: SyncEvent) => void): Promise<T>;
}

/** One method per operation; arguments in the table's order. */
export class Client {
  constructor(readonly caller: Caller) {}

  appStatus(): Promise<AppStatus> {
    return this.caller.call<AppStatus>('app_status', {});
  }

  connections(): Promise<Array<ConnectionView>> {
    return this.caller.call<Array<ConnectionView>>('connections', {});
  }

  accounts(): Promise<AccountsOverview> {
    return this.caller.call<AccountsOverview>('accounts', {});
  }

  transactions(filter: Filter): Promise<TransactionList> {
    return this.caller.call<TransactionList>('transactions', { filter });
  }

  transactionPage(query: TransactionQuery): Promise<TransactionPage> {
    return this.caller.call<TransactionPage>('transaction_page', { query });
  }

  reportFlows(filter: Filter, period: PeriodKind): Promise<Array<FlowReport>> {
    return this.caller.call<Array<FlowReport>>('report_flows', { filter, period });
  }

  reportCategories(filter: Filter): Promise<Array<CategoryReport>> {
    return this.caller.call<Array<CategoryReport>>('report_categories', { filter });
  }

  reportVendors(filter: Filter, limit: number | null): Promise<Array<VendorReport>> {
    return this.caller.call<Array<VendorReport>>('report_vendors', { filter, limit });
  }

  reportAccounts(filter: Filter): Promise<Array<AccountTotal>> {
    return this.caller.call<Array<AccountTotal>>('report_accounts', { filter });
  }

  reportBalances(filter: Filter): Promise<Array<BalanceReport>> {
    return this.caller.call<Array<BalanceReport>>('report_balances', { filter });
  }

  chart(request: ChartRequest): Promise<ChartView> {
    return this.caller.call<ChartView>('chart', { request });
  }

  vendors(): Promise<Array<VendorView>> {
    return this.caller.call<Array<VendorView>>('vendors', {});
  }

  vendorRules(): Promise<Array<VendorRuleView>> {
    return this.caller.call<Array<VendorRuleView>>('vendor_rules', {});
  }

  categories(): Promise<Array<Category>> {
    return this.caller.call<Array<Category>>('categories', {});
  }

  categoryRules(): Promise<Array<CategoryRuleView>> {
    return this.caller.call<Array<CategoryRuleView>>('category_rules', {});
  }

  providers(): Promise<Array<ProviderInfo>> {
    return this.caller.call<Array<ProviderInfo>>('providers', {});
  }

  bankCatalogue(provider: string, field: string, query: string | null): Promise<Array<CatalogueEntry>> {
    return this.caller.call<Array<CatalogueEntry>>('bank_catalogue', { provider, field, query });
  }

  settings(): Promise<Array<Setting>> {
    return this.caller.call<Array<Setting>>('settings', {});
  }

  checkAmounts(min: string | null, max: string | null, locale: string | null): Promise<AmountBounds> {
    return this.caller.call<AmountBounds>('check_amounts', { min, max, locale });
  }

  vaultStatus(): Promise<VaultStatus> {
    return this.caller.call<VaultStatus>('vault_status', {});
  }

  checkDatabase(): Promise<DatabaseCheck> {
    return this.caller.call<DatabaseCheck>('check_database', {});
  }

  notices(): Promise<Array<Notice>> {
    return this.caller.call<Array<Notice>>('notices', {});
  }

  diagnostics(): Promise<string> {
    return this.caller.call<string>('diagnostics', {});
  }

  syncAll(onEvent?: (event: SyncEvent) => void): Promise<Array<SyncSummary>> {
    return this.caller.call<Array<SyncSummary>>('sync_all', {}, onEvent);
  }

  syncConnection(connection: number, onEvent?: (event: SyncEvent) => void): Promise<Array<SyncSummary>> {
    return this.caller.call<Array<SyncSummary>>('sync_connection', { connection }, onEvent);
  }

  renameVendor(from: string, to: string): Promise<number> {
    return this.caller.call<number>('rename_vendor', { from, to });
  }

  renameAccount(account: number, name: string | null): Promise<string> {
    return this.caller.call<string>('rename_account', { account, name });
  }

  hideAccount(account: number, hidden: boolean): Promise<null> {
    return this.caller.call<null>('hide_account', { account, hidden });
  }

  mergeVendors(names: Array<string>, into: string): Promise<number> {
    return this.caller.call<number>('merge_vendors', { names, into });
  }

  addVendorRule(pattern: string, isRegex: boolean, vendor: string): Promise<number> {
    return this.caller.call<number>('add_vendor_rule', { pattern, is_regex: isRegex, vendor });
  }

  deleteVendorRule(id: number): Promise<number> {
    return this.caller.call<number>('delete_vendor_rule', { id });
  }

  addCategoryRule(matchKind: RuleMatch, pattern: string, category: Category): Promise<number> {
    return this.caller.call<number>('add_category_rule', { match_kind: matchKind, pattern, category });
  }

  deleteCategoryRule(id: number): Promise<number> {
    return this.caller.call<number>('delete_category_rule', { id });
  }

  setCategory(transaction: number, category: Category | null): Promise<number> {
    return this.caller.call<number>('set_category', { transaction, category });
  }

  unpairTransfer(transaction: number): Promise<null> {
    return this.caller.call<null>('unpair_transfer', { transaction });
  }

  pairTransfers(first: number, second: number): Promise<null> {
    return this.caller.call<null>('pair_transfers', { first, second });
  }

  connectBegin(request: LoginRequest): Promise<LoginStarted> {
    return this.caller.call<LoginStarted>('connect_begin', { request });
  }

  connectFinish(loginId: number): Promise<ConnectionView> {
    return this.caller.call<ConnectionView>('connect_finish', { login_id: loginId });
  }

  connectCancel(loginId: number): Promise<null> {
    return this.caller.call<null>('connect_cancel', { login_id: loginId });
  }

  disconnect(connection: number, keepHistory: boolean): Promise<null> {
    return this.caller.call<null>('disconnect', { connection, keep_history: keepHistory });
  }

  refreshAtBank(connection: number): Promise<RefreshAtBank> {
    return this.caller.call<RefreshAtBank>('refresh_at_bank', { connection });
  }

  setSetting(key: string, value: string | null): Promise<Setting> {
    return this.caller.call<Setting>('set_setting', { key, value });
  }

  resetVault(): Promise<VaultStatus> {
    return this.caller.call<VaultStatus>('reset_vault', {});
  }

  backup(path: string): Promise<Backup> {
    return this.caller.call<Backup>('backup', { path });
  }
}
