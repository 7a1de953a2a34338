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
export type ConnectionView = { id: number, provider: string, label: string, status: ConnectionStatus, last_sync_at: string | null, last_error: string | null, accounts: number, };
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
