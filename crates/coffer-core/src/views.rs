//! What the front ends see: plain, serialisable read models with amounts as exact decimal text.
//! These types cross the IPC/HTTP boundary and are exported to TypeScript.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::model::{
    AccountId, AccountKind, ConnectionId, ConnectionStatus, Direction, TransactionId,
    TransactionStatus,
};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct CurrencyTotal {
    pub currency: String,
    pub balance: String,
    pub accounts: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct AccountsOverview {
    pub accounts: Vec<AccountView>,
    pub totals: Vec<CurrencyTotal>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
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
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct TransactionList {
    pub rows: Vec<TransactionView>,
    pub total: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
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

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct AppStatus {
    pub connections: Vec<ConnectionView>,
    pub accounts: i64,
    pub transactions: i64,
}
