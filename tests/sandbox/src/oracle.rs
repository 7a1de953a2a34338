//! The oracle contract: every sandbox tells tests, in one shape, what the bank holds. End-to-end
//! tests compare what Coffer shows (its CSV export, the numbers in the window) with these rows
//! and balances, never with Coffer's own API.
//!
//! Each sandbox serves them at `GET /_sandbox/oracle/ledger` and `GET /_sandbox/oracle/accounts`
//! (and from Rust through its handle), as JSON arrays of [`OracleRow`] and [`OracleAccount`].

use serde::{Deserialize, Serialize};

/// One transaction as the bank holds it now, in the terms a faithful client shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OracleRow {
    /// The account, as the bank's own API identifies it (account key, id or IBAN).
    pub account: String,
    /// The account's display name as the bank's API names it.
    pub account_name: String,
    /// The bank's calendar day of the transaction (`YYYY-MM-DD`), in the bank's own time zone.
    pub date: chrono::NaiveDate,
    /// Signed exact decimal text, negative = money out, with the currency's decimals
    /// (`"-59.90"`, `"-61299.00"`).
    pub amount: String,
    pub currency: String,
    /// The text a faithful client shows as the description (each sandbox documents its rule).
    pub description: String,
    /// `booked` or `pending`.
    pub status: String,
    /// The bank's stable identity of the row where it has one (`utx_id`, `original_id`,
    /// `acEntrySrNo`), else `None`.
    pub stable_id: Option<String>,
    /// For one half of a move between two of the customer's own accounts: a key both halves
    /// share (the bank's reference), so a test can count the transfers a client must pair and
    /// check it paired the right rows. `None` for every other row, and in sandboxes whose
    /// ledgers do not say.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub own_transfer: Option<String>,
}

/// One account as the bank holds it now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OracleAccount {
    pub account: String,
    pub name: String,
    pub currency: String,
    /// The booked balance, signed exact decimal text.
    pub balance: String,
    /// The available / expected balance where the bank reports one.
    pub available: Option<String>,
}

/// One request a sandbox received, for `GET /_sandbox/requests`. Secrets in headers and bodies
/// are kept as sent: the log is how tests prove where a token did (or did not) go.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordedRequest {
    /// Position in the log, from 1.
    pub seq: u64,
    /// The sandbox clock when it arrived.
    pub at: chrono::DateTime<chrono::Utc>,
    pub method: String,
    /// Path and query exactly as received (still percent-encoded).
    pub target: String,
    /// Every header, lower-cased names, in arrival order.
    pub headers: Vec<(String, String)>,
    /// The body as text (lossy UTF-8), cut at 64 KiB.
    pub body: String,
    pub status: u16,
}
