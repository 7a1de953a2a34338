//! SpareBank 1's personal-client Open API (providers.md §A): OAuth 2 with BankID, accounts, and
//! classified transactions.
//!
//! The API allows about 60 calls an hour per client, so a sync spends two: one for the account
//! list and one `transactions/classified` call for every account at once. Transaction ids change
//! between sessions, so rows are recognised by content (see [`rows`]).

mod api;
mod bank;
mod categories;
mod plan;
mod rows;

use std::collections::HashMap;
use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use coffer_core::model::{AccountKind, ProviderAccount};
use coffer_core::money::Currency;
use coffer_core::sync::{Need, Provider, ProviderError, TransactionBatch};
use coffer_login::{ClientAuth, OAuthProvider, OAuthSession};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

use self::api::Api;
pub use self::bank::{Sparebank1Bank, SPAREBANK1};

pub const PROVIDER_ID: &str = "sparebank1";
pub const LABEL: &str = "SpareBank 1";
pub const DEFAULT_API_URL: &str = "https://api.sparebank1.no";
pub const DEFAULT_AUTH_URL: &str = "https://api-auth.sparebank1.no";
pub const CALLBACK_PATH: &str = "/callback/sparebank1";
pub const DEFAULT_REDIRECT_PORT: u16 = 8321;

/// (finInst id, display name) of the banks the developer portal lists.
pub const BANKS: &[(&str, &str)] = &[
    ("fid-gudbrandsdal", "SpareBank 1 Gudbrandsdal"),
    ("fid-hallingdal-valdres", "SpareBank 1 Hallingdal Valdres"),
    ("fid-helgeland", "SpareBank 1 Helgeland"),
    ("fid-lom-skjaak", "SpareBank 1 Lom og Skjåk"),
    ("fid-nord-norge", "SpareBank 1 Nord-Norge"),
    ("fid-nordmore", "SpareBank 1 Nordmøre"),
    ("fid-ringerike-hadeland", "SpareBank 1 Ringerike Hadeland"),
    ("fid-smn", "SpareBank 1 SMN"),
    ("fid-sogn-fjordane", "SpareBank 1 Sogn og Fjordane"),
    ("fid-sor-norge", "SpareBank 1 Sør-Norge"),
    ("fid-ostfold-akershus", "SpareBank 1 Østfold Akershus"),
    ("fid-ostlandet", "SpareBank 1 Østlandet"),
];

/// Non-secret per-connection settings (stored as JSON on the connection row).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Sparebank1Config {
    pub client_id: String,
    pub fin_inst: Option<String>,
    pub redirect_port: u16,
}

impl Sparebank1Config {
    /// The redirect URI to register in the developer portal; it must match byte for byte.
    pub fn redirect_uri(&self) -> String {
        format!("http://127.0.0.1:{}{CALLBACK_PATH}", self.redirect_port)
    }
}

fn settings_error(message: String) -> ProviderError {
    ProviderError::Other {
        provider: PROVIDER_ID,
        message,
    }
}

/// The authorization server as Coffer's OAuth code sees it: `{auth_url}/oauth/authorize`,
/// `{auth_url}/oauth/token`, the client authenticated with HTTP Basic as in SpareBank 1's
/// official tutorial, and `finInst` (which skips the bank picker) when one is set.
pub fn oauth_provider(
    auth_url: &url::Url,
    config: &Sparebank1Config,
    client_secret: SecretString,
) -> Result<OAuthProvider, ProviderError> {
    let client_id = config.client_id.trim();
    if client_id.is_empty() {
        return Err(settings_error(
            "the client id is empty; copy it from the SpareBank 1 developer portal".into(),
        ));
    }
    if client_secret.expose_secret().trim().is_empty() {
        return Err(settings_error(
            "the client secret is empty; copy it from the SpareBank 1 developer portal".into(),
        ));
    }
    if !matches!(auth_url.scheme(), "http" | "https") {
        return Err(settings_error(format!(
            "the authorization URL must start with https:// (it starts with {}://)",
            auth_url.scheme()
        )));
    }
    let mut extra_params = Vec::new();
    if let Some(fin_inst) = config
        .fin_inst
        .as_deref()
        .map(str::trim)
        .filter(|f| !f.is_empty())
    {
        let plausible = fin_inst.starts_with("fid-")
            && fin_inst
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !plausible {
            return Err(settings_error(format!(
                "'{}' is not a SpareBank 1 bank id; they look like fid-ostlandet",
                crate::wire::tidy(fin_inst)
            )));
        }
        extra_params.push(("finInst".to_string(), fin_inst.to_string()));
    }
    let endpoint = |path: &str| {
        crate::wire::join_path(auth_url, path).ok_or_else(|| {
            settings_error(format!(
                "the authorization URL {} cannot take a path",
                crate::wire::host_of(auth_url)
            ))
        })
    };
    Ok(OAuthProvider {
        provider: PROVIDER_ID.to_string(),
        authorize_url: endpoint("oauth/authorize")?,
        token_url: endpoint("oauth/token")?,
        client_id: client_id.to_string(),
        client_secret: Some(client_secret),
        client_auth: ClientAuth::Basic,
        extra_params,
        scopes: Vec::new(),
    })
}

/// What `accounts()` taught the provider about an account, for reading its transactions.
#[derive(Debug, Clone)]
struct KnownAccount {
    /// How messages name the account: its number, else its name.
    label: String,
    number: Option<String>,
    currency: Currency,
    credit_card: bool,
}

/// One sync's state: the accounts listed and what `prepare` fetched for each.
#[derive(Default)]
struct SyncState {
    accounts: HashMap<String, KnownAccount>,
    prepared: HashMap<String, plan::Prepared>,
    /// Failures that belong to no single account (a partial account list).
    problems: Vec<String>,
}

/// One SpareBank 1 connection, as of one moment.
pub struct Sparebank1 {
    api: Api,
    today: NaiveDate,
    now: DateTime<Utc>,
    /// 0: walk back as far as the bank serves.
    max_lookback_days: u32,
    state: tokio::sync::Mutex<SyncState>,
    memory: Arc<dyn coffer_login::BankMemory>,
    /// Where the bounds of a lookback search in progress are kept.
    edge_key: String,
}

/// How the connector is tuned; the defaults suit the real bank.
#[derive(Clone)]
pub struct Sparebank1Options {
    /// Calls per hour with one client id (0: no limit); providers.md §A reports about 60.
    pub calls_per_hour: u32,
    /// How far back a first sync may reach, in days (0: as far as the bank serves).
    pub max_lookback_days: u32,
    /// Where the hourly call count is kept, shared by every process on the profile.
    pub memory: Arc<dyn coffer_login::BankMemory>,
    pub client_id: String,
}

impl Sparebank1 {
    pub fn new(
        api_url: url::Url,
        http: reqwest::Client,
        session: Arc<OAuthSession>,
        now: DateTime<Utc>,
        options: Sparebank1Options,
    ) -> Sparebank1 {
        let edge_key = format!("lookback_search.{}", options.client_id);
        let memory = Arc::clone(&options.memory);
        let budget = plan::CallBudget::new(
            options.memory,
            &options.client_id,
            options.calls_per_hour,
            now,
        );
        Sparebank1 {
            api: Api::new(api_url, http, session, budget),
            today: now.with_timezone(&chrono_tz::Europe::Oslo).date_naive(),
            now,
            max_lookback_days: options.max_lookback_days,
            state: tokio::sync::Mutex::new(SyncState::default()),
            memory,
            edge_key,
        }
    }
}

#[async_trait]
impl Provider for Sparebank1 {
    fn id(&self) -> &'static str {
        PROVIDER_ID
    }

    async fn accounts(&self) -> Result<Vec<ProviderAccount>, ProviderError> {
        let flags = [
            ("includeNokAccounts", "true".to_string()),
            ("includeCurrencyAccounts", "true".to_string()),
            ("includeBsuAccounts", "true".to_string()),
            ("includeCreditCardAccounts", "true".to_string()),
        ];
        // A 200 that says part of the list failed (`CREDIT_ACCOUNTS_FAILED`) is asked again a
        // few times; an account still missing is reported rather than silently skipped.
        let mut backoff = crate::wire::server_backoff();
        let (accounts, missing) = loop {
            let body = self.api.get("personal/banking/accounts", &flags).await?;
            let (accounts, partial) = rows::accounts_with_errors(&body, self.now)?;
            if partial.is_empty() {
                break (accounts, Vec::new());
            }
            match backoff.next() {
                Some(delay) => tokio::time::sleep(delay).await,
                None => break (accounts, partial),
            }
        };
        let mut state = self.state.lock().await;
        *state = SyncState::default();
        for code in missing {
            state.problems.push(format!(
                "the bank listed the accounts only in part ({code}); the missing ones were not \
                 synced, sync again later"
            ));
        }
        for a in &accounts {
            state
                .accounts
                .insert(a.provider_account_id.clone(), known(a));
        }
        Ok(accounts)
    }

    async fn prepare(&self, needs: &[(ProviderAccount, Need)]) -> Result<(), ProviderError> {
        let mut state = self.state.lock().await;
        for (a, _) in needs {
            state
                .accounts
                .entry(a.provider_account_id.clone())
                .or_insert_with(|| known(a));
        }
        let needs: Vec<(String, Need)> = needs
            .iter()
            .map(|(a, n)| (a.provider_account_id.clone(), *n))
            .collect();
        let accounts = state.accounts.clone();
        state.prepared = self.plan(&needs, &accounts).await;
        Ok(())
    }

    async fn transactions(
        &self,
        account: &ProviderAccount,
        need: &Need,
    ) -> Result<TransactionBatch, ProviderError> {
        let key = account.provider_account_id.clone();
        let prepared = self.state.lock().await.prepared.remove(&key);
        let prepared = match prepared {
            Some(p) => p,
            None => {
                // Asked without `prepare` (a caller syncing one account by hand).
                self.prepare(&[(account.clone(), *need)]).await?;
                self.state
                    .lock()
                    .await
                    .prepared
                    .remove(&key)
                    .ok_or_else(|| settings_error("no transactions were fetched".into()))?
            }
        };
        if let Some(e) = prepared.error {
            return Err(e);
        }
        Ok(TransactionBatch {
            from: prepared.from,
            through: self.today,
            transactions: rows::keyed(prepared.rows),
            history: prepared.history,
            note: prepared.note,
            removes_missing: false,
        })
    }

    async fn problems(&self) -> Vec<String> {
        std::mem::take(&mut self.state.lock().await.problems)
    }
}

fn known(account: &ProviderAccount) -> KnownAccount {
    KnownAccount {
        number: account.number.clone().filter(|n| !n.is_empty()),
        label: account
            .number
            .clone()
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| account.name.clone()),
        currency: account.balance.currency,
        credit_card: account.kind == AccountKind::CreditCard,
    }
}

/// The same failure again, for every account the failed fetch was meant to serve.
pub(super) fn replay(e: &ProviderError) -> ProviderError {
    match e {
        ProviderError::Http {
            provider,
            status,
            message,
        } => ProviderError::Http {
            provider,
            status: *status,
            message: message.clone(),
        },
        ProviderError::Malformed { provider, detail } => ProviderError::Malformed {
            provider,
            detail: detail.clone(),
        },
        ProviderError::Reauth { provider, reason } => ProviderError::Reauth {
            provider,
            reason: reason.clone(),
        },
        ProviderError::RateLimited {
            provider,
            retry_after_secs,
        } => ProviderError::RateLimited {
            provider,
            retry_after_secs: *retry_after_secs,
        },
        ProviderError::Other { provider, message } => ProviderError::Other {
            provider,
            message: message.clone(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(fin_inst: Option<&str>) -> Sparebank1Config {
        Sparebank1Config {
            client_id: "client".into(),
            fin_inst: fin_inst.map(str::to_string),
            redirect_port: DEFAULT_REDIRECT_PORT,
        }
    }

    #[test]
    fn oauth_endpoints_sit_under_the_auth_url() {
        let auth = url::Url::parse(DEFAULT_AUTH_URL).unwrap();
        let p = oauth_provider(
            &auth,
            &config(Some("fid-ostlandet")),
            "s".to_string().into(),
        )
        .unwrap();
        assert_eq!(
            p.authorize_url.as_str(),
            "https://api-auth.sparebank1.no/oauth/authorize"
        );
        assert_eq!(
            p.token_url.as_str(),
            "https://api-auth.sparebank1.no/oauth/token"
        );
        assert_eq!(p.client_auth, ClientAuth::Basic);
        assert_eq!(
            p.extra_params,
            vec![("finInst".to_string(), "fid-ostlandet".to_string())]
        );
        let p = oauth_provider(&auth, &config(None), "s".to_string().into()).unwrap();
        assert!(p.extra_params.is_empty());
    }

    #[test]
    fn bad_settings_are_named() {
        let auth = url::Url::parse(DEFAULT_AUTH_URL).unwrap();
        let err =
            oauth_provider(&auth, &config(Some("Østlandet")), "s".to_string().into()).unwrap_err();
        assert!(
            err.to_string().contains("not a SpareBank 1 bank id"),
            "{err}"
        );
        let mut c = config(None);
        c.client_id = " ".into();
        let err = oauth_provider(&auth, &c, "s".to_string().into()).unwrap_err();
        assert!(err.to_string().contains("client id is empty"), "{err}");
        let err = oauth_provider(&auth, &config(None), String::new().into()).unwrap_err();
        assert!(err.to_string().contains("client secret is empty"), "{err}");
    }

    #[test]
    fn the_twelve_banks_have_distinct_ids() {
        assert_eq!(BANKS.len(), 12);
        let mut ids: Vec<&str> = BANKS.iter().map(|(id, _)| *id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), 12);
        assert!(ids.iter().all(|id| id.starts_with("fid-")));
    }

    #[test]
    fn redirect_uri_is_the_registered_shape() {
        assert_eq!(
            config(None).redirect_uri(),
            "http://127.0.0.1:8321/callback/sparebank1"
        );
    }
}
