//! Finsify Hub API v2 (providers.md §B): an aggregator for Vietnamese and South-East Asian
//! banks. Coffer creates a customer, opens Finsify's hosted connect page, receives the login's
//! secret on its callback (`…/<nonce>/<url-encoded JSON>`), then reads accounts and
//! transactions with that secret.
//!
//! Transactions carry a stable `original_id`, which is the dedup key. Amounts are signed decimal
//! strings and are read exactly.

mod api;
mod bank;
mod catalogue;
mod categories;
mod rows;

use async_trait::async_trait;
use chrono::{DateTime, Days, NaiveDate, Utc};
use coffer_core::model::ProviderAccount;
use coffer_core::sync::{Provider, ProviderError, TransactionBatch};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};

pub use api::FinsifyApi;
pub use bank::{FinsifyBank, FINSIFY};
pub use catalogue::{services, Service};

pub const PROVIDER_ID: &str = "finsify";
pub const LABEL: &str = "Finsify";
pub const DEFAULT_API_URL: &str = "https://api.finsify.com/v2";
pub const DEFAULT_CATALOGUE_URL: &str = "https://assets.finsify.com/service.json";
/// Loopback callbacks: `http://127.0.0.1:<port>/callback/finsify/<nonce>/<json>`. Never a
/// deep link: the JSON carries the login's long-lived secret.
pub const LOOPBACK_PREFIX: &str = "/callback/finsify";

/// How far back a first sync reaches when the engine has no cursor yet.
const FIRST_SYNC_DAYS: u64 = 365;

/// Non-secret per-connection settings (stored as JSON on the connection row).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct FinsifyConfig {
    pub client_id: String,
    pub customer_id: String,
    pub service_id: i64,
    pub service_name: String,
    pub login_id: Option<i64>,
}

#[derive(Debug, thiserror::Error)]
pub enum FinsifyError {
    #[error(
        "Finsify already has a customer with this identifier (it hands out a customer id only \
         once); use a new identifier"
    )]
    CustomerExists,
    #[error(
        "Finsify refreshed this bank login recently; the next refresh is possible at \
         {next_refresh_possible_at}"
    )]
    RefreshTooSoon {
        next_refresh_possible_at: DateTime<Utc>,
    },
    #[error("the bank refused Finsify's login ({status}); reconnect it")]
    LoginNeedsReconnect { status: String },
    /// `error` is Finsify's error name, empty when the answer carried none.
    #[error("Finsify answered HTTP {status}{}: {message}", named(.error))]
    Api {
        status: u16,
        error: String,
        message: String,
    },
    #[error("Finsify sent a response Coffer cannot read: {detail}")]
    Malformed { detail: String },
    #[error("cannot reach Finsify: {detail}")]
    Unreachable { detail: String },
}

/// What the user should do about a login the bank refuses, by webhook status.
fn reconnect_reason(status: &str) -> String {
    match status {
        "login_wrong_credentials" => {
            "the bank says the password is wrong: reconnect with the new password".to_string()
        }
        "login_password_expired" => {
            "the bank password has expired: change it at the bank, then reconnect".to_string()
        }
        "login_account_locked" => {
            "the bank has locked the online banking user: unlock it at the bank, then reconnect"
                .to_string()
        }
        other => format!("the bank login needs attention ({other}): reconnect"),
    }
}

impl From<FinsifyError> for ProviderError {
    fn from(e: FinsifyError) -> ProviderError {
        let provider = PROVIDER_ID;
        match e {
            FinsifyError::LoginNeedsReconnect { status } => ProviderError::Reauth {
                provider,
                reason: reconnect_reason(&status),
            },
            FinsifyError::Api { error, .. } if error == "LoginNotFound" => ProviderError::Reauth {
                provider,
                reason: "Finsify no longer knows this bank login (it was deleted): connect the \
                         bank again"
                    .to_string(),
            },
            FinsifyError::Api {
                status,
                error,
                message,
            } => ProviderError::Http {
                provider,
                status,
                message: format!("{}{message}", named_prefix(&error)),
            },
            FinsifyError::Malformed { detail } => ProviderError::Malformed { provider, detail },
            FinsifyError::RefreshTooSoon {
                next_refresh_possible_at,
            } => ProviderError::RateLimited {
                provider,
                retry_after_secs: u64::try_from(
                    (next_refresh_possible_at - Utc::now()).num_seconds(),
                )
                .unwrap_or(0),
            },
            other @ (FinsifyError::CustomerExists | FinsifyError::Unreachable { .. }) => {
                ProviderError::Other {
                    provider,
                    message: other.to_string(),
                }
            }
        }
    }
}

/// One linked Finsify login, as of one calendar day.
pub struct Finsify {
    api: FinsifyApi,
    login_secret: SecretString,
    today: NaiveDate,
}

impl Finsify {
    pub fn new(api: FinsifyApi, login_secret: SecretString, today: NaiveDate) -> Finsify {
        Finsify {
            api,
            login_secret,
            today,
        }
    }
}

#[async_trait]
impl Provider for Finsify {
    fn id(&self) -> &'static str {
        PROVIDER_ID
    }

    async fn accounts(&self) -> Result<Vec<ProviderAccount>, ProviderError> {
        Ok(self.api.accounts(&self.login_secret).await?)
    }

    async fn transactions(
        &self,
        account: &ProviderAccount,
        since: Option<NaiveDate>,
    ) -> Result<TransactionBatch, ProviderError> {
        let from = since
            .or_else(|| self.today.checked_sub_days(Days::new(FIRST_SYNC_DAYS)))
            .unwrap_or(self.today)
            .min(self.today);
        let transactions = self
            .api
            .transactions(
                &self.login_secret,
                &account.provider_account_id,
                from,
                self.today,
            )
            .await?;
        Ok(TransactionBatch {
            from: Some(from),
            through: self.today,
            transactions,
        })
    }
}

/// " ErrorName" for messages, or nothing when Finsify sent no error name.
fn named(error: &str) -> String {
    if error.is_empty() {
        String::new()
    } else {
        format!(" {error}")
    }
}

fn named_prefix(error: &str) -> String {
    if error.is_empty() {
        String::new()
    } else {
        format!("{error}: ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn login_failures_become_reauth_with_a_reason_the_user_can_act_on() {
        let e: ProviderError = FinsifyError::LoginNeedsReconnect {
            status: "login_wrong_credentials".into(),
        }
        .into();
        assert_eq!(
            e.to_string(),
            "finsify needs you to log in again: the bank says the password is wrong: reconnect \
             with the new password"
        );
        let e: ProviderError = FinsifyError::Api {
            status: 404,
            error: "LoginNotFound".into(),
            message: "no login has this login secret".into(),
        }
        .into();
        assert!(matches!(e, ProviderError::Reauth { .. }), "{e:?}");
    }

    #[test]
    fn other_failures_keep_their_kind() {
        let e: ProviderError = FinsifyError::Malformed { detail: "x".into() }.into();
        assert!(matches!(e, ProviderError::Malformed { .. }));
        let e: ProviderError = FinsifyError::Api {
            status: 503,
            error: "ServerMaintenance".into(),
            message: "GET /account: down".into(),
        }
        .into();
        assert_eq!(
            e.to_string(),
            "finsify answered HTTP 503: ServerMaintenance: GET /account: down"
        );
        let e: ProviderError = FinsifyError::RefreshTooSoon {
            next_refresh_possible_at: Utc::now() + chrono::Duration::seconds(300),
        }
        .into();
        match e {
            ProviderError::RateLimited {
                retry_after_secs, ..
            } => assert!((290..=300).contains(&retry_after_secs)),
            other => panic!("unexpected {other:?}"),
        }
    }
}
