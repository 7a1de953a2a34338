//! Finqware API v1 (providers.md §C): PSD2 middleware for Romanian (and Croatian) banks.
//!
//! Login: `POST /sessions` → `POST /sessions/{id}/steps` (`sca`, with our callback as
//! `psu_redirect_link`) → the bank's consent page in the system browser → the browser comes back
//! with `?temp_token=…` → `POST /tokens` (with the client secret, server side) → a consent
//! (`credentials_id` + `access_token`, sealed in the vault) that ends at `consent_exp`.
//!
//! Sync: `/accounts/get`, `/balances/get`, `/transactions/get`, every call a JSON `POST` with the
//! credentials in the body. Rows are keyed on `utx_id` (stable across consents; `id` and the
//! account ids change with every consent, so accounts are keyed on their IBAN). Amounts are
//! positive decimal strings signed by `credit_debit_indicator`, read exactly.
//!
//! ## Assumptions where the documentation is silent
//!
//! * `/transactions/get` is not paginated (a bare array): one call with only `account_id` returns
//!   everything Finqware's cache holds, which is the whole history Coffer can ever get (the cache
//!   keeps `cache_max_data_retention`, 120 days by default). A first sync therefore makes one call
//!   per account and has no fixed lookback.
//! * A row's calendar day is the bank's: `booking_date_time` (a UTC instant) in Europe/Bucharest,
//!   or Europe/Zagreb for Croatian skills (`_hr_`).
//! * `timestamp` is when a row entered the cache. A row posted late (dated days back) gets a new
//!   `timestamp`, so a later sync asks twice per account: rows booked since the cursor minus the
//!   engine's overlap, and rows inserted since then (`timestamp_gte`). A pending row keeps its
//!   `utx_id` when it books (its amount and date may change), so the stored row is updated in
//!   place; a cancelled pending row disappears and the engine expires it.
//! * The booked balance: `InterimBooked` where the bank serves it; else `Expected` minus the
//!   account's pending rows (ISO 20022's Expected is booked plus pending items); else
//!   `ClosingBooked` (the end of the previous day, so it can lag today's rows). `Expected` is
//!   shown as the available balance.
//! * `external_api_too_many_requests` and `external_api_connection_error` (HTTP 400 by the
//!   envelope) and any 5xx are transient: reads are retried a few times with growing delays,
//!   then the account reports the failure and keeps what it stored. Login calls that spend a
//!   nonce or a temp token are never repeated.

mod api;
mod bank;
mod categories;
mod rows;
mod skills;

use std::collections::HashMap;
use std::sync::Mutex;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use coffer_core::model::{ProviderAccount, ProviderTransaction};
use coffer_core::sync::{History, Need, Provider, ProviderError, TransactionBatch};
use serde::{Deserialize, Serialize};

pub use api::{Consent, FinqwareApi, Session, Tokens};
pub use bank::{FinqwareBank, FINQWARE};
pub use skills::{skills, Skill};

pub const PROVIDER_ID: &str = "finqware";
pub const LABEL: &str = "Finqware";
pub const DEFAULT_API_URL: &str = "https://api.finqware.com/v1";

/// Non-secret per-connection settings (stored as JSON on the connection row).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct FinqwareConfig {
    pub client_id: String,
    /// `<bank>_<country>_aisp[_sbx]_#<version>`.
    pub skill: String,
    /// Coffer's pseudonymous user id at Finqware, fixed per connection (renewals keep it).
    pub tenant_user_id: String,
    pub consent_exp: Option<DateTime<Utc>>,
    pub max_data_retention: Option<DateTime<Utc>>,
}

#[derive(Debug, thiserror::Error)]
pub enum FinqwareError {
    #[error("the bank consent given through Finqware has expired; log in again to renew it")]
    ConsentExpired,
    #[error("the bank consent given through Finqware was revoked or is inactive; log in again")]
    ConsentInactive,
    #[error(
        "Finqware no longer accepts this consent's credentials ({code}); log in again to give a \
         new consent"
    )]
    ConsentRefused { code: String },
    #[error("Finqware refused the app's keys ({code}): check the client id, client secret and client app key")]
    TenantKeys { code: String },
    #[error("the bank behind Finqware is rate limiting ({code}); try again later")]
    TooManyRequests { code: String },
    /// `code` is Finqware's error code, empty when the answer carried none (bare `{message}`).
    #[error("Finqware answered HTTP {status}{}: {message}", named(.code))]
    Api {
        status: u16,
        code: String,
        message: String,
    },
    #[error("Finqware sent a response Coffer cannot read: {detail}")]
    Malformed { detail: String },
    #[error("cannot reach Finqware: {detail}")]
    Unreachable { detail: String },
}

fn named(code: &str) -> String {
    if code.is_empty() {
        String::new()
    } else {
        format!(" {code}")
    }
}

impl From<FinqwareError> for ProviderError {
    fn from(e: FinqwareError) -> ProviderError {
        let provider = PROVIDER_ID;
        match e {
            FinqwareError::ConsentExpired
            | FinqwareError::ConsentInactive
            | FinqwareError::ConsentRefused { .. } => ProviderError::Reauth {
                provider,
                reason: e.to_string(),
            },
            FinqwareError::TooManyRequests { .. } => ProviderError::RateLimited {
                provider,
                // Finqware sends no Retry-After; a minute is a polite guess.
                retry_after_secs: 60,
            },
            FinqwareError::Api {
                status,
                code,
                message,
            } => ProviderError::Http {
                provider,
                status,
                message: if code.is_empty() {
                    message
                } else {
                    format!("{code}: {message}")
                },
            },
            FinqwareError::Malformed { detail } => ProviderError::Malformed { provider, detail },
            other @ (FinqwareError::TenantKeys { .. } | FinqwareError::Unreachable { .. }) => {
                ProviderError::Other {
                    provider,
                    message: other.to_string(),
                }
            }
        }
    }
}

/// The bank's calendar for a skill: Croatian skills date rows in Zagreb, the others in
/// Bucharest.
pub fn zone_of(skill: &str) -> Tz {
    if skill.contains("_hr_") {
        chrono_tz::Europe::Zagreb
    } else {
        chrono_tz::Europe::Bucharest
    }
}

/// Midnight starting `day` in `zone`, as a UTC instant (the earliest instant of the day, so a
/// day beginning in a daylight-saving gap still starts).
fn start_of(zone: Tz, day: NaiveDate) -> DateTime<Utc> {
    let midnight = day.and_hms_opt(0, 0, 0).unwrap_or_default();
    match zone.from_local_datetime(&midnight) {
        chrono::LocalResult::Single(t) | chrono::LocalResult::Ambiguous(t, _) => {
            t.with_timezone(&Utc)
        }
        // No European zone skips midnight, but a missing local midnight falls back an hour.
        chrono::LocalResult::None => zone
            .from_local_datetime(&(midnight + chrono::Duration::hours(1)))
            .earliest()
            .map_or_else(|| midnight.and_utc(), |t| t.with_timezone(&Utc)),
    }
}

/// One consent, as a sync provider.
pub struct Finqware {
    api: FinqwareApi,
    consent: Consent,
    zone: Tz,
    now: DateTime<Utc>,
    /// IBAN (Coffer's account id) → Finqware's account id under this consent, from `accounts`.
    ids: Mutex<HashMap<String, String>>,
}

impl Finqware {
    pub fn new(api: FinqwareApi, consent: Consent, skill: &str, now: DateTime<Utc>) -> Finqware {
        Finqware {
            api,
            consent,
            zone: zone_of(skill),
            now,
            ids: Mutex::new(HashMap::new()),
        }
    }

    fn today(&self) -> NaiveDate {
        self.now.with_timezone(&self.zone).date_naive()
    }

    fn finqware_id(&self, account: &ProviderAccount) -> Result<String, ProviderError> {
        let ids = self.ids.lock().map_err(|_| ProviderError::Other {
            provider: PROVIDER_ID,
            message: "an earlier failure left the account list unusable".into(),
        })?;
        ids.get(&account.provider_account_id)
            .cloned()
            .ok_or_else(|| ProviderError::Other {
                provider: PROVIDER_ID,
                message: format!(
                    "account {} was not in Finqware's account list",
                    account.provider_account_id
                ),
            })
    }

    async fn rows(
        &self,
        finqware_id: &str,
        account: &str,
        filter: serde_json::Value,
    ) -> Result<Vec<ProviderTransaction>, ProviderError> {
        let wires = self.api.transactions(&self.consent, filter).await?;
        Ok(rows::transactions(&wires, finqware_id, account, self.zone)?)
    }
}

#[async_trait]
impl Provider for Finqware {
    fn id(&self) -> &'static str {
        PROVIDER_ID
    }

    async fn accounts(&self) -> Result<Vec<ProviderAccount>, ProviderError> {
        let accounts = self.api.accounts(&self.consent).await?;
        let balances = self.api.balances(&self.consent).await?;
        // Expected minus pending is the booked balance only where no InterimBooked is served.
        let pending = if rows::needs_pending_total(&accounts, &balances) {
            self.api
                .transactions(&self.consent, serde_json::json!({ "status": "pending" }))
                .await?
        } else {
            Vec::new()
        };
        let read = rows::accounts(&accounts, &balances, &pending, self.now)?;
        let mut ids = self.ids.lock().map_err(|_| ProviderError::Other {
            provider: PROVIDER_ID,
            message: "an earlier failure left the account list unusable".into(),
        })?;
        ids.clear();
        let mut out = Vec::with_capacity(read.len());
        for (finqware_id, account) in read {
            ids.insert(account.provider_account_id.clone(), finqware_id);
            out.push(account);
        }
        Ok(out)
    }

    /// A first sync (or one whose history is incomplete) reads everything the cache holds for
    /// the account in one call. A later one reads rows booked from `need.since` on and rows
    /// inserted into the cache from then on (late postings dated earlier).
    async fn transactions(
        &self,
        account: &ProviderAccount,
        need: &Need,
    ) -> Result<TransactionBatch, ProviderError> {
        let finqware_id = self.finqware_id(account)?;
        let key = account.provider_account_id.as_str();
        let today = self.today();
        let (from, transactions) = match (need.since, need.history) {
            (Some(since), History::Complete) => {
                let since = since.min(today);
                let instant = api::instant(start_of(self.zone, since));
                let booked = self
                    .rows(
                        &finqware_id,
                        key,
                        serde_json::json!({
                            "account_id": finqware_id,
                            "booking_date_gte": instant,
                        }),
                    )
                    .await?;
                let inserted = self
                    .rows(
                        &finqware_id,
                        key,
                        serde_json::json!({
                            "account_id": finqware_id,
                            "timestamp_gte": instant,
                        }),
                    )
                    .await?;
                // Both answers overlap; one row per utx_id.
                let mut seen = std::collections::HashSet::new();
                let merged: Vec<ProviderTransaction> = booked
                    .into_iter()
                    .chain(inserted)
                    .filter(|t| seen.insert(t.dedup_key.clone()))
                    .collect();
                (since, merged)
            }
            _ => {
                let all = self
                    .rows(
                        &finqware_id,
                        key,
                        serde_json::json!({ "account_id": finqware_id }),
                    )
                    .await?;
                let oldest = all.iter().map(|t| t.booking_date).min().unwrap_or(today);
                (oldest.min(today), all)
            }
        };
        // Not `removes_missing`: the cache drops rows as they age past its retention, and that
        // is not a deletion at the bank. Only pending rows that vanished are expired.
        Ok(TransactionBatch::complete(Some(from), today, transactions))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn consent_failures_ask_for_a_new_login() {
        let e: ProviderError = FinqwareError::ConsentExpired.into();
        assert!(matches!(e, ProviderError::Reauth { .. }), "{e:?}");
        assert_eq!(
            e.to_string(),
            "finqware needs you to log in again: the bank consent given through Finqware has \
             expired; log in again to renew it"
        );
        let e: ProviderError = FinqwareError::TooManyRequests {
            code: "external_api_too_many_requests".into(),
        }
        .into();
        assert!(matches!(e, ProviderError::RateLimited { .. }), "{e:?}");
        let e: ProviderError = FinqwareError::Api {
            status: 500,
            code: "internal_server_error".into(),
            message: "POST /accounts/get: boom".into(),
        }
        .into();
        assert_eq!(
            e.to_string(),
            "finqware answered HTTP 500: internal_server_error: POST /accounts/get: boom"
        );
    }

    #[test]
    fn days_start_at_the_banks_midnight() {
        let day = NaiveDate::from_ymd_opt(2026, 3, 29).unwrap();
        assert_eq!(
            start_of(chrono_tz::Europe::Bucharest, day).to_rfc3339(),
            "2026-03-28T22:00:00+00:00"
        );
        let day = NaiveDate::from_ymd_opt(2026, 6, 15).unwrap();
        assert_eq!(
            start_of(zone_of("erste_hr_aisp_sbx_#1.0"), day).to_rfc3339(),
            "2026-06-14T22:00:00+00:00"
        );
        assert_eq!(
            start_of(zone_of("bt_ro_aisp_sbx_#2.0"), day).to_rfc3339(),
            "2026-06-14T21:00:00+00:00"
        );
    }
}
