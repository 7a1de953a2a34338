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
available: string | null, balance_at: string, transaction_count: number, };
export type CurrencyTotal = { currency: string, balance: string, accounts: number, };
export type AccountsOverview = { accounts: Array<AccountView>, totals: Array<CurrencyTotal>, };
export type TransactionView = { id: number, account_id: number, account_name: string, booking_date: string, value_date: string | null, 
/**
 * Signed: negative is money out.
 */
amount: string, currency: string, direction: Direction, status: TransactionStatus, 
/**
 * The bank's text exactly as received.
 */
description: string, counterparty: string | null, vendor: string | null, category: string | null, provider: string, };
export type TransactionList = { rows: Array<TransactionView>, total: number, };
export type Filter = { from: string | null, to: string | null, accounts: Array<number>, direction: Direction | null, categories: Array<string>, vendors: Array<string>, search: string | null, min: string | null, max: string | null, };
export type ConnectionView = { id: number, provider: string, label: string, status: ConnectionStatus, last_sync_at: string | null, 
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
errors: Array<string>, };
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
currency: string | null, };
export type HitTarget = "period" | "category" | "vendor" | "date";
export type ChartRegion = { x: number, y: number, width: number, height: number, target: HitTarget, key: string, };
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
 * The rules that produced this vendor, e.g. `known:uber` or `user:3`.
 */
rules: Array<string>, 
/**
 * Normalised names shown as this vendor (renames and merges).
 */
aliases: Array<string>, };
export type LoginKind = "oauth_loopback" | "connect_page" | "none";
export type FieldChoice = { value: string, label: string, };
export type CredentialField = { key: string, label: string, 
/**
 * Where to find the value.
 */
help: string, 
/**
 * Shown as a password field; stored only sealed in the vault.
 */
secret: boolean, required: boolean, default_value: string | null, choices: Array<FieldChoice>, };
export type ProviderInfo = { id: string, name: string, summary: string, login: LoginKind, fields: Array<CredentialField>, 
/**
 * The redirect URI to register with the provider, with `{port}` for the chosen port.
 */
redirect_uri_template: string | null, };
export type CallbackKind = "loopback" | "deep_link";
export type LoginRequest = { provider: string, 
/**
 * Form values by [`CredentialField::key`]. On "Log in again" empty fields keep the saved
 * values.
 */
fields: { [key in string]: string }, 
/**
 * Set for "Log in again": the connection is renewed in place.
 */
connection: number | null, callback: CallbackKind, };
export type LoginStarted = { login_id: number, provider: string, 
/**
 * Where the provider will send the browser back (loopback) — what must be registered.
 */
redirect_uri: string, };
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
export type Setting = { key: string, value: string, default_value: string, description: string, };
export type RefreshAtBank = { 
/**
 * When the provider allows the next refresh (RFC 3339).
 */
next_refresh_possible_at: string, };
export type FinsifyService = { id: number, name: string, country_code: string, kind: string, logo_url: string, };
