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
use chrono::{DateTime, Duration, NaiveDate, Utc};
use coffer_core::model::{ProviderAccount, ProviderTransaction};
use coffer_core::sync::{History, Need, Provider, ProviderError, TransactionBatch};
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

/// One step of the walk back through history; the API refuses spans over two years.
const WINDOW_DAYS: i64 = 365;
/// A stretch this long without a row ends the walk: the aggregator holds nothing older.
const EMPTY_STRETCH_DAYS: i64 = 730;

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
    /// 0: walk back as far as Finsify serves.
    max_lookback_days: u32,
}

impl Finsify {
    pub fn new(
        api: FinsifyApi,
        login_secret: SecretString,
        today: NaiveDate,
        max_lookback_days: u32,
    ) -> Finsify {
        Finsify {
            api,
            login_secret,
            today,
            max_lookback_days,
        }
    }

    /// Every row of `account_id` dated `from..=to`, in spans the API accepts.
    async fn range(
        &self,
        account_id: &str,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<ProviderTransaction>, FinsifyError> {
        let mut rows = Vec::new();
        let mut end = to;
        while end >= from {
            let start = (end - Duration::days(WINDOW_DAYS - 1)).max(from);
            rows.extend(
                self.api
                    .transactions(&self.login_secret, account_id, start, end)
                    .await?,
            );
            let Some(before) = start.pred_opt() else {
                break;
            };
            end = before;
        }
        Ok(rows)
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

    /// The recent days again, then — while history is missing — older history a year at a
    /// time, newest first, until a long stretch holds nothing or Finsify refuses older ranges.
    async fn transactions(
        &self,
        account: &ProviderAccount,
        need: &Need,
    ) -> Result<TransactionBatch, ProviderError> {
        let id = account.provider_account_id.as_str();
        let today = self.today;
        let mut transactions = Vec::new();
        if let Some(since) = need.since {
            transactions.extend(self.range(id, since.min(today), today).await?);
        }
        let upper = match need.history {
            History::Complete => None,
            History::Unfetched => Some(today),
            History::Before(d) => {
                let before = d.pred_opt().unwrap_or(d);
                Some(
                    need.since
                        .map_or(before, |s| before.min(s.pred_opt().unwrap_or(s))),
                )
            }
        };
        let limit = (self.max_lookback_days > 0)
            .then(|| today - Duration::days(i64::from(self.max_lookback_days)));
        let mut covered_from = need.since.unwrap_or(today);
        if let Some(mut end) = upper {
            let mut oldest_row = end;
            let mut windows = 0u32;
            loop {
                let mut start = end - Duration::days(WINDOW_DAYS - 1);
                if let Some(limit) = limit {
                    start = start.max(limit);
                }
                if start > end {
                    break;
                }
                match self
                    .api
                    .transactions(&self.login_secret, id, start, end)
                    .await
                {
                    Ok(rows) => {
                        if let Some(oldest) = rows.iter().map(|r| r.booking_date).min() {
                            oldest_row = oldest_row.min(oldest);
                        }
                        transactions.extend(rows);
                    }
                    // Older ranges refused once newer ones were served: history ends here.
                    Err(FinsifyError::Api { status: 400, .. }) if windows > 0 => break,
                    Err(e) => return Err(e.into()),
                }
                windows += 1;
                covered_from = covered_from.min(start);
                if (oldest_row - start).num_days() >= EMPTY_STRETCH_DAYS
                    || limit.is_some_and(|l| start <= l)
                {
                    break;
                }
                let Some(before) = start.pred_opt() else {
                    break;
                };
                end = before;
            }
        }
        // Finsify's original_ids are stable and an answer covers its range whole: a row the
        // hub no longer reports (an authorisation replaced by the posted row, or released)
        // is gone at the bank.
        Ok(TransactionBatch {
            removes_missing: true,
            ..TransactionBatch::complete(
                Some(need.since.unwrap_or(covered_from)),
                today,
                transactions,
            )
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
