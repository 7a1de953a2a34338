//! What crosses to the front ends: plain, serialisable read models, exported to TypeScript.
//! They live at the boundary; the banks' descriptors, the store and the snapshot are converted
//! into them here.

use std::collections::BTreeMap;

use coffer_core::model::ConnectionId;
use coffer_login::LoginPlan;
use coffer_providers::bank::{Bank, Choice, FieldKind};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::mirror::wire_struct;
use crate::model::{
    AccountId, AccountKind, ConnectionStatus, Direction, TransactionId, TransactionStatus,
};

/// How a bank logs a user in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum LoginKind {
    /// OAuth in the system browser, back to a loopback listener.
    OauthLoopback,
    /// A page hosted by the bank or an aggregator, back through the loopback listener or a
    /// `coffer://` link.
    HostedPage,
    /// The user's own username and password, sealed in the vault.
    Credentials,
    /// No login (a built-in bank).
    None,
}

/// What kind of input a form field is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum FieldInput {
    Text,
    Secret,
    Port,
    Choice,
    /// Searched in the bank's catalogue with `bank_catalogue`.
    Catalogue,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct FieldChoice {
    pub value: String,
    pub label: String,
    pub detail: Option<String>,
}

/// One input of a bank's connect form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct CredentialField {
    pub key: String,
    pub label: String,
    /// Where to find the value.
    pub help: String,
    pub input: FieldInput,
    /// Stored only sealed in the vault (masked inputs always are).
    pub secret: bool,
    pub required: bool,
    pub default_value: Option<String>,
    pub choices: Vec<FieldChoice>,
}

/// What a bank can do beyond syncing; the Connections card shows a button for each.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Capabilities {
    pub refresh_at_bank: bool,
    pub reconnect: bool,
    pub consent_expiry: bool,
    pub revoke_at_bank: bool,
}

/// A bank Coffer can connect, for the connect dialog.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ProviderInfo {
    pub id: String,
    pub name: String,
    pub summary: String,
    /// ISO 3166 alpha-2 codes of the countries served.
    pub countries: Vec<String>,
    /// A small square SVG mark.
    pub logo_svg: String,
    pub developer_portal: Option<String>,
    /// For built-in banks: the welcome screen's offer.
    pub welcome_offer: Option<String>,
    pub login: LoginKind,
    pub fields: Vec<CredentialField>,
    pub capabilities: Capabilities,
    /// The redirect URI to register with the bank, with `{port}` for the chosen port.
    pub redirect_uri_template: Option<String>,
    /// For credentials logins: what is stored and why; the user confirms it before connecting.
    pub storage_warning: Option<String>,
}

impl ProviderInfo {
    pub fn from_bank(bank: &dyn Bank) -> ProviderInfo {
        let about = bank.about();
        let plan = bank.login();
        let caps = bank.capabilities();
        ProviderInfo {
            id: about.id.into(),
            name: about.name.into(),
            summary: about.summary.into(),
            countries: about.countries.iter().map(|c| (*c).into()).collect(),
            logo_svg: about.logo_svg.into(),
            developer_portal: about.developer_portal.map(Into::into),
            welcome_offer: about.welcome_offer.map(Into::into),
            login: match plan {
                LoginPlan::None => LoginKind::None,
                LoginPlan::OAuthLoopback(_) => LoginKind::OauthLoopback,
                LoginPlan::HostedPage(_) => LoginKind::HostedPage,
                LoginPlan::Credentials(_) => LoginKind::Credentials,
            },
            fields: bank
                .form()
                .into_iter()
                .map(|f| CredentialField {
                    key: f.key.into(),
                    label: f.label.into(),
                    help: f.help.into(),
                    secret: f.sealed_as().is_some(),
                    required: f.required,
                    default_value: f.default_value.map(Into::into),
                    choices: match &f.kind {
                        FieldKind::Choice(choices) => choices
                            .iter()
                            .map(|c| FieldChoice {
                                value: c.value.clone(),
                                label: c.label.clone(),
                                detail: c.detail.clone(),
                            })
                            .collect(),
                        _ => Vec::new(),
                    },
                    input: match f.kind {
                        FieldKind::Text => FieldInput::Text,
                        FieldKind::Secret => FieldInput::Secret,
                        FieldKind::Port => FieldInput::Port,
                        FieldKind::Choice(_) => FieldInput::Choice,
                        FieldKind::Catalogue => FieldInput::Catalogue,
                    },
                })
                .collect(),
            capabilities: Capabilities {
                refresh_at_bank: caps.refresh_at_bank,
                reconnect: caps.reconnect,
                consent_expiry: caps.consent_expiry,
                revoke_at_bank: caps.revoke_at_bank,
            },
            redirect_uri_template: matches!(plan, LoginPlan::OAuthLoopback(_)).then(|| {
                format!(
                    "http://127.0.0.1:{{port}}{}",
                    coffer_login::run::callback_path(about.id)
                )
            }),
            storage_warning: match plan {
                LoginPlan::Credentials(c) => Some(c.warning().into()),
                _ => None,
            },
        }
    }
}

/// How the bank's redirect comes back to Coffer.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum CallbackKind {
    /// A listener on 127.0.0.1 (always for OAuth and for results that carry a secret).
    #[default]
    Loopback,
    /// `coffer://…`, handed over by the OS to the running desktop app.
    DeepLink,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct LoginRequest {
    pub provider: String,
    /// Form values by [`CredentialField::key`]. When renewing, empty fields keep the saved
    /// values.
    pub fields: BTreeMap<String, String>,
    /// Set for "Log in again" / "Renew": the connection is renewed in place.
    pub connection: Option<ConnectionId>,
    /// The front end's preferred way back; the bank may insist on the loopback listener.
    pub callback: CallbackKind,
}

/// A login waiting for the user. Holds no secret: the URL opened in the browser never goes
/// back to the UI.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct LoginStarted {
    pub login_id: u64,
    pub provider: String,
    /// Where the bank will send the browser back (what must be registered), if anywhere.
    pub redirect_uri: String,
    /// False when the login completes without a browser (credentials, built-in banks).
    pub opens_browser: bool,
}

/// Whether saved logins can be opened; shown in the Connections view.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct VaultStatus {
    /// `ready`, `not_created` (no bank connected yet), `unavailable` (no keychain), or
    /// `key_lost` (the key the saved logins were sealed with is gone).
    pub state: String,
    /// `keychain` or `passphrase`.
    pub key_source: String,
    pub message: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Setting {
    pub key: String,
    pub value: String,
    pub default_value: String,
    pub description: String,
    /// For a setting chosen from a list (the locale): the values offered; empty otherwise.
    pub choices: Vec<SettingChoice>,
}

/// Amount bounds read by the one parser, as plain decimal text (`1000.5`); `None`: no bound.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct AmountBounds {
    pub min: Option<String>,
    pub max: Option<String>,
}

/// One value a list setting offers, with what the settings screen shows for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct SettingChoice {
    pub value: String,
    pub label: String,
}

/// One entry of a bank's catalogue (a bank behind an aggregator, a PSD2 skill).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct CatalogueEntry {
    /// What the form field takes.
    pub value: String,
    pub label: String,
    pub detail: Option<String>,
    pub logo_url: Option<String>,
}

impl From<Choice> for CatalogueEntry {
    fn from(c: Choice) -> Self {
        CatalogueEntry {
            value: c.value,
            label: c.label,
            detail: c.detail,
            logo_url: c.logo_url,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct RefreshAtBank {
    /// When the bank allows the next refresh (RFC 3339).
    pub next_refresh_possible_at: String,
}

/// A file the desktop's native save dialog led to (`rows` is 0 for charts).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct SavedFile {
    pub path: String,
    pub rows: u64,
}

/// What "Check database" found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct DatabaseCheck {
    pub ok: bool,
    /// SQLite's integrity check: `["ok"]` when sound.
    pub integrity: Vec<String>,
    pub foreign_key_problems: i64,
    /// Accounts whose opening balance and booked rows do not add up to their balance.
    pub balance_problems: Vec<String>,
}

/// A backup written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Backup {
    pub path: String,
    pub bytes: u64,
}

/// Something a bank needs from the user, told once as a desktop notification and shown in the
/// Connections view.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Notice {
    pub connection_id: i64,
    pub kind: NoticeKind,
    /// One line, e.g. "SpareBank 1 needs you to log in again".
    pub title: String,
    /// The bank's reason or what to do.
    pub body: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum NoticeKind {
    /// The saved login stopped working: log in again.
    NeedsLogin,
    /// The bank consent ends within a week: renew it.
    ConsentExpiring,
    /// The last sync failed after its retries.
    SyncFailed,
}

impl NoticeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            NoticeKind::NeedsLogin => "needs_login",
            NoticeKind::ConsentExpiring => "consent_expiring",
            NoticeKind::SyncFailed => "sync_failed",
        }
    }
}

// The ledger as the front ends read it: accounts, transactions, connections. Amounts are exact
// decimal text.

wire_struct! {
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
    pub struct AccountView from coffer_core::views::AccountView {
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
}

wire_struct! {
    /// The sum of account balances in one currency; currencies are never added together.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
    pub struct CurrencyTotal from coffer_core::views::CurrencyTotal {
        pub currency: String,
        pub balance: String,
        pub accounts: i64,
    }
}

wire_struct! {
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
    pub struct AccountsOverview from coffer_core::views::AccountsOverview {
        pub accounts: Vec<AccountView>,
        pub totals: Vec<CurrencyTotal>,
    }
}

wire_struct! {
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
    pub struct TransactionView from coffer_core::views::TransactionView {
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
}

wire_struct! {
    /// The other half of a paired transfer, and why the two were paired.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
    pub struct TransferView from coffer_core::views::TransferView {
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
}

wire_struct! {
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
    pub struct TransactionList from coffer_core::views::TransactionList {
        pub rows: Vec<TransactionView>,
        pub total: i64,
    }
}

wire_struct! {
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
    pub struct ConnectionView from coffer_core::views::ConnectionView {
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
}

wire_struct! {
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
    pub struct AppStatus from coffer_core::views::AppStatus {
        pub connections: Vec<ConnectionView>,
        pub accounts: i64,
        pub transactions: i64,
    }
}
