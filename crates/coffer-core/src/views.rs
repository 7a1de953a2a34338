//! Read models of the ledger (accounts, transactions, connections) with amounts as exact decimal
//! text, built by the store and the snapshot. They are not the wire format: `coffer-api` owns the
//! serialisable twins the front ends see and converts these into them field by field.

use crate::model::{
    AccountId, AccountKind, ConnectionId, ConnectionStatus, Direction, TransactionId,
    TransactionStatus,
};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountView {
    pub id: AccountId,
    pub connection_id: ConnectionId,
    pub provider: String,
    pub name: String,
    pub number: Option<String>,
    pub iban: Option<String>,
    pub currency: String,
    pub kind: AccountKind,
    /// Booked balance, e.g. `"-61299.00"`.
    pub balance: String,
    /// Balance after pending transactions, where the provider reports one.
    pub available: Option<String>,
    pub balance_at: String,
    pub transaction_count: i64,
    /// The connection it came with, for grouping accounts by bank ("SpareBank 1").
    pub connection_label: String,
    /// The bank's own name for it; `name` is the user's when `renamed`.
    pub bank_name: String,
    pub renamed: bool,
    /// Left out of totals, reports, charts and exports unless a filter names it.
    pub hidden: bool,
}

/// The sum of account balances in one currency; currencies are never added together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CurrencyTotal {
    pub currency: String,
    pub balance: String,
    pub accounts: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountsOverview {
    pub accounts: Vec<AccountView>,
    pub totals: Vec<CurrencyTotal>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransactionView {
    pub id: TransactionId,
    pub account_id: AccountId,
    pub account_name: String,
    pub booking_date: String,
    pub value_date: Option<String>,
    /// Signed: negative is money out.
    pub amount: String,
    pub currency: String,
    pub direction: Direction,
    pub status: TransactionStatus,
    /// The bank's text exactly as received.
    pub description: String,
    pub counterparty: Option<String>,
    pub vendor: Option<String>,
    pub category: Option<String>,
    pub provider: String,
    /// The other side when this row is one half of a transfer between the user's accounts.
    pub transfer: Option<TransferView>,
}

/// The other half of a paired transfer, and why the two were paired.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransferView {
    pub partner_id: TransactionId,
    pub partner_account_id: AccountId,
    pub partner_account_name: String,
    /// Signed, like [`TransactionView::amount`].
    pub partner_amount: String,
    pub partner_currency: String,
    pub partner_date: String,
    /// e.g. "same amount, 1 day apart, account number in the text", or "paired by you".
    pub reason: String,
    /// The user paired these two by hand.
    pub by_user: bool,
    /// One sentence: "paired with −10,000.00 NOK on Sparekonto, 2 Dec 2026: same amount, …".
    pub explanation: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransactionList {
    pub rows: Vec<TransactionView>,
    pub total: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectionView {
    pub id: ConnectionId,
    pub provider: String,
    /// The bank's display name (filled in at the API boundary from the bank registry).
    pub provider_name: String,
    pub label: String,
    pub status: ConnectionStatus,
    pub last_sync_at: Option<String>,
    /// When the bank consent ends and the user must log in again (RFC 3339), if known.
    pub consent_expires_at: Option<String>,
    pub last_error: Option<String>,
    pub accounts: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppStatus {
    pub connections: Vec<ConnectionView>,
    pub accounts: i64,
    pub transactions: i64,
}
