//! What a bank *is* to Coffer: one [`Bank`] per bank module, listed once in [`crate::registry`].
//!
//! The API layer, the CLI, the HTTP server, the desktop shell and the UI read these descriptors:
//! the connect form, the CLI's `connect` flags, the settings list and the buttons on a
//! connection's card are all generated from them. None of those places names a bank.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use coffer_core::category::Category;
use coffer_core::sync::{Provider, ProviderError};
use coffer_login::{BankMemory, Endpoints, LoginPlan, OAuthSession, Secrets};

/// Who the bank is, for the connect dialog and the connection cards.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BankInfo {
    /// Stable id stored with every connection, e.g. `"examplebank"`; also the CLI's
    /// `coffer connect <id>` and the settings prefix (`<id>.api_url`).
    pub id: &'static str,
    pub name: &'static str,
    /// One sentence: which banks, how the login works.
    pub summary: &'static str,
    /// ISO 3166 alpha-2 codes of the countries served, e.g. `["NO"]`.
    pub countries: &'static [&'static str],
    /// A small square SVG mark, shown next to the name.
    pub logo_svg: &'static str,
    /// Where a user gets the developer credentials the form asks for, if any.
    pub developer_portal: Option<&'static str>,
    /// For built-in banks: the welcome screen's offer (the welcome screen's "Explore …" button).
    pub welcome_offer: Option<&'static str>,
}

/// What kind of input a form field is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldKind {
    Text,
    /// Shown masked; always sealed in the vault.
    Secret,
    /// A TCP port on 127.0.0.1 (1–65535; 0 for test servers that accept any port).
    Port,
    /// One of a fixed list.
    Choice(Vec<Choice>),
    /// One entry of a catalogue the bank serves, searched as the user types
    /// ([`Bank::catalogue`]).
    Catalogue,
}

/// One option of a choice or catalogue field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    pub value: String,
    pub label: String,
    /// A second line: country, kind, version…
    pub detail: Option<String>,
    pub logo_url: Option<String>,
}

/// One input of a bank's connect form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    /// The key the value travels under (`client_id`).
    pub key: &'static str,
    pub label: &'static str,
    /// Where to find the value.
    pub help: &'static str,
    pub kind: FieldKind,
    pub required: bool,
    pub default_value: Option<&'static str>,
    /// Sealed in the vault under this kind (never stored in the clear); `None` keeps the
    /// value in the connection's plain config. Secret fields are always sealed.
    pub vault_kind: Option<&'static str>,
    /// The CLI flag (`--bank`); by default the key with dashes (`--client-id`). Sealed fields
    /// have no flag: they are read from standard input or a prompt without echo.
    pub cli_flag: Option<&'static str>,
}

impl Field {
    pub fn text(key: &'static str, label: &'static str, help: &'static str) -> Field {
        Field {
            key,
            label,
            help,
            kind: FieldKind::Text,
            required: true,
            default_value: None,
            vault_kind: None,
            cli_flag: None,
        }
    }

    /// A masked field, sealed in the vault under `vault_kind`.
    pub fn secret(
        key: &'static str,
        label: &'static str,
        help: &'static str,
        vault_kind: &'static str,
    ) -> Field {
        Field {
            kind: FieldKind::Secret,
            vault_kind: Some(vault_kind),
            ..Field::text(key, label, help)
        }
    }

    pub fn optional(self) -> Field {
        Field {
            required: false,
            ..self
        }
    }

    pub fn with_kind(self, kind: FieldKind) -> Field {
        Field { kind, ..self }
    }

    pub fn with_default(self, value: &'static str) -> Field {
        Field {
            default_value: Some(value),
            ..self
        }
    }

    pub fn with_flag(self, flag: &'static str) -> Field {
        Field {
            cli_flag: Some(flag),
            ..self
        }
    }

    /// Sealed in the vault although shown in the clear (a username).
    pub fn sealed(self, vault_kind: &'static str) -> Field {
        Field {
            vault_kind: Some(vault_kind),
            ..self
        }
    }

    /// The vault kind when the value is sealed.
    pub fn sealed_as(&self) -> Option<&'static str> {
        self.vault_kind
    }

    pub fn flag(&self) -> String {
        self.cli_flag
            .map(str::to_string)
            .unwrap_or_else(|| self.key.replace('_', "-"))
    }
}

/// What a bank setting holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SettingKind {
    /// A base URL: https, or http only to 127.0.0.1 (sandboxes). An endpoint a connection is
    /// bound to at login.
    Endpoint,
    /// A base URL used only to read public data (a catalogue), never sent a secret.
    PublicUrl,
    /// A whole number of days (0 = no limit).
    Days,
    /// A whole number (0 = no limit).
    Count,
    /// A BCP 47 language tag from the app's list of locales, or empty for the system's.
    Locale,
}

/// One setting of a bank; the full key is `<bank id>.<key>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SettingSpec {
    pub key: &'static str,
    pub default_value: &'static str,
    pub description: &'static str,
    pub kind: SettingKind,
}

/// What a bank can do beyond syncing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Capabilities {
    /// Ask the bank (or aggregator) to fetch fresh data now.
    pub refresh_at_bank: bool,
    /// Log in again into the same connection, keeping its history.
    pub reconnect: bool,
    /// The login is a consent that ends on a known date; renew it before.
    pub consent_expiry: bool,
    /// Disconnecting also revokes the login at the bank.
    pub revoke_at_bank: bool,
}

/// A connected bank, ready to be opened for a sync or a maintenance call.
#[derive(Clone)]
pub struct Connected {
    pub connection: i64,
    /// What the connection keeps in the clear (the bank's own JSON).
    pub config: serde_json::Value,
    pub secrets: Secrets,
    /// The endpoints the connection was made with.
    pub endpoints: Endpoints,
    pub http: reqwest::Client,
    /// The bank's calendar day now, by [`Bank::calendar`].
    pub today: NaiveDate,
    pub now: DateTime<Utc>,
    /// For OAuth banks: the connection's token session (single-flight refresh).
    pub session: Option<Arc<OAuthSession>>,
    /// The bank's memory on this profile (an aggregator's customer ids, a rate-limited API's call log).
    pub memory: Arc<dyn BankMemory>,
    /// The bank's other settings (not endpoints) as they are now, by key.
    pub settings: std::collections::BTreeMap<String, String>,
}

impl Connected {
    /// A whole-number setting, or its default when unset or unreadable.
    pub fn number(&self, key: &str, default: u32) -> u32 {
        self.settings
            .get(key)
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(default)
    }
}

/// A bank Coffer can connect. Implementations live each in their own module.
#[async_trait]
pub trait Bank: Send + Sync + 'static {
    fn about(&self) -> &'static BankInfo;

    fn id(&self) -> &'static str {
        self.about().id
    }

    /// The connect form, in display order.
    fn form(&self) -> Vec<Field>;

    /// Settings (base URLs and others) with their defaults.
    fn settings(&self) -> &'static [SettingSpec];

    fn capabilities(&self) -> Capabilities;

    fn login(&self) -> LoginPlan;

    /// Whose calendar day a sync runs up to: near midnight UTC's date and the bank's differ, and
    /// asking only up to UTC's would leave the bank's newest day unfetched.
    fn calendar(&self) -> chrono_tz::Tz;

    /// The bank's own category mapped onto Coffer's; `None` for unknown or "uncategorised".
    fn category(&self, raw: &str) -> Option<Category>;

    /// The connection as a sync provider.
    fn open(&self, connected: Connected) -> Result<Box<dyn Provider>, ProviderError>;

    /// Entries of a [`FieldKind::Catalogue`] field matching `query` (all for `None`).
    async fn catalogue(
        &self,
        field: &str,
        query: Option<&str>,
        endpoints: &Endpoints,
        http: &reqwest::Client,
    ) -> Result<Vec<Choice>, ProviderError> {
        let _ = (query, endpoints, http);
        Err(ProviderError::Other {
            provider: self.id(),
            message: format!("the field '{field}' has no catalogue"),
        })
    }

    /// Asks the bank to fetch fresh data now; answers when the next refresh is allowed.
    async fn refresh_at_bank(&self, connected: &Connected) -> Result<DateTime<Utc>, ProviderError> {
        let _ = connected;
        Err(ProviderError::Other {
            provider: self.id(),
            message: "this bank has no refresh at the bank; use Sync now".into(),
        })
    }

    /// Revokes the login at the bank (best effort: the local secrets go anyway).
    async fn revoke(&self, connected: &Connected) -> Result<(), ProviderError> {
        let _ = connected;
        Ok(())
    }
}
