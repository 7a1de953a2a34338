//! The sync engine: provider → store, one connection at a time.
//!
//! Per account it fetches from a little before the stored cursor and upserts the batch together
//! with the new cursor in one SQLite transaction. A failing account is reported and skipped; the
//! others still sync and nothing already stored is touched.

use std::sync::Mutex;

use async_trait::async_trait;
use chrono::{DateTime, Days, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::model::{
    Connection, ConnectionId, ConnectionStatus, ProviderAccount, ProviderTransaction,
};
use crate::store::{Store, StoreError, SyncRunRecord};

/// Re-fetch this many days before the cursor, so late-booked and pending→booked rows are seen.
pub const OVERLAP_DAYS: u64 = 10;

#[derive(Debug, thiserror::Error)]
pub enum ProviderError {
    #[error("{provider} answered HTTP {status}: {message}")]
    Http {
        provider: &'static str,
        status: u16,
        message: String,
    },
    #[error("{provider} sent a response Coffer cannot read: {detail}")]
    Malformed {
        provider: &'static str,
        detail: String,
    },
    #[error("{provider} needs you to log in again: {reason}")]
    Reauth {
        provider: &'static str,
        reason: String,
    },
    #[error("{provider} is rate limiting; try again in {retry_after_secs} s")]
    RateLimited {
        provider: &'static str,
        retry_after_secs: u64,
    },
    #[error("{provider}: {message}")]
    Other {
        provider: &'static str,
        message: String,
    },
}

/// What a provider fetched for one account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransactionBatch {
    /// First date the batch fully covers; pending rows from then on that are absent have expired.
    pub from: Option<NaiveDate>,
    /// Last date the batch covers (usually today).
    pub through: NaiveDate,
    pub transactions: Vec<ProviderTransaction>,
}

/// A bank or aggregator, read-only. Implementations live in `coffer-providers`.
#[async_trait]
pub trait Provider: Send + Sync {
    /// Stable provider id stored with the connection, e.g. `"demo"`.
    fn id(&self) -> &'static str;

    async fn accounts(&self) -> Result<Vec<ProviderAccount>, ProviderError>;

    /// Transactions of one account from `since` (inclusive; `None` = all history on offer).
    async fn transactions(
        &self,
        account: &ProviderAccount,
        since: Option<NaiveDate>,
    ) -> Result<TransactionBatch, ProviderError>;
}

/// Progress, as the UI progress bar and the CLI progress bar consume it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SyncEvent {
    Started {
        connection_id: ConnectionId,
        label: String,
    },
    Accounts {
        connection_id: ConnectionId,
        total: u32,
    },
    Account {
        connection_id: ConnectionId,
        account_name: String,
        index: u32,
        total: u32,
        fetched: u32,
    },
    Finished {
        summary: SyncSummary,
    },
    Failed {
        connection_id: ConnectionId,
        message: String,
    },
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct SyncSummary {
    pub connection_id: ConnectionId,
    pub provider: String,
    pub label: String,
    pub accounts: u32,
    pub fetched: u32,
    pub inserted: u32,
    pub updated: u32,
    pub unchanged: u32,
    /// Pending rows that the provider dropped (cancelled authorisations).
    pub expired: u32,
    /// One line per account or step that failed, naming what was wrong.
    pub errors: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the store lock was poisoned by an earlier crash in another thread")]
    Poisoned,
}

fn lock(store: &Mutex<Store>) -> Result<std::sync::MutexGuard<'_, Store>, SyncError> {
    store.lock().map_err(|_| SyncError::Poisoned)
}

/// Syncs one connection. Provider failures end up in the summary (and on the connection row);
/// only a failing store is an `Err`, because then nothing can be recorded at all.
pub async fn sync_connection(
    store: &Mutex<Store>,
    connection: &Connection,
    provider: &dyn Provider,
    now: impl Fn() -> DateTime<Utc>,
    progress: &mut (dyn FnMut(SyncEvent) + Send),
) -> Result<SyncSummary, SyncError> {
    let run = lock(store)?.start_sync_run(connection.id, now())?;
    progress(SyncEvent::Started {
        connection_id: connection.id,
        label: connection.label.clone(),
    });
    let mut summary = SyncSummary {
        connection_id: connection.id,
        provider: connection.provider.clone(),
        label: connection.label.clone(),
        ..SyncSummary::default()
    };

    let mut needs_reauth = false;
    match provider.accounts().await {
        Err(e) => {
            needs_reauth = matches!(e, ProviderError::Reauth { .. });
            let message = e.to_string();
            progress(SyncEvent::Failed {
                connection_id: connection.id,
                message: message.clone(),
            });
            summary.errors.push(message);
        }
        Ok(accounts) => {
            let total = u32::try_from(accounts.len()).unwrap_or(u32::MAX);
            summary.accounts = total;
            progress(SyncEvent::Accounts {
                connection_id: connection.id,
                total,
            });
            for (index, account) in (1u32..).zip(accounts.iter()) {
                match sync_account(store, connection, provider, account, &now).await {
                    Ok((fetched, counts)) => {
                        summary.fetched += fetched;
                        summary.inserted += counts.inserted as u32;
                        summary.updated += counts.updated as u32;
                        summary.unchanged += counts.unchanged as u32;
                        summary.expired += counts.expired as u32;
                        progress(SyncEvent::Account {
                            connection_id: connection.id,
                            account_name: account.name.clone(),
                            index,
                            total,
                            fetched: summary.fetched,
                        });
                    }
                    Err(AccountFailure::Store(e)) => return Err(e.into()),
                    Err(AccountFailure::Provider(message)) => {
                        let message = format!("{}: {message}", account.name);
                        summary.errors.push(message.clone());
                        progress(SyncEvent::Failed {
                            connection_id: connection.id,
                            message,
                        });
                    }
                    Err(AccountFailure::Reauth(message)) => {
                        // The login is dead for every account; asking again would only spend
                        // the provider's rate limit.
                        needs_reauth = true;
                        progress(SyncEvent::Failed {
                            connection_id: connection.id,
                            message: message.clone(),
                        });
                        summary.errors.push(message);
                        break;
                    }
                }
            }
        }
    }

    let finished = now();
    {
        let mut store = lock(store)?;
        let error = (!summary.errors.is_empty()).then(|| summary.errors.join("; "));
        let status = needs_reauth.then_some(ConnectionStatus::NeedsReauth);
        store.set_connection_synced(connection.id, finished, error.as_deref(), status)?;
        store.finish_sync_run(
            run,
            &SyncRunRecord {
                finished_at: Some(finished),
                fetched: summary.fetched.into(),
                inserted: summary.inserted.into(),
                updated: summary.updated.into(),
                unchanged: summary.unchanged.into(),
                expired: summary.expired.into(),
                errors: summary.errors.clone(),
            },
        )?;
    }
    progress(SyncEvent::Finished {
        summary: summary.clone(),
    });
    Ok(summary)
}

enum AccountFailure {
    Store(StoreError),
    Provider(String),
    Reauth(String),
}

async fn sync_account(
    store: &Mutex<Store>,
    connection: &Connection,
    provider: &dyn Provider,
    account: &ProviderAccount,
    now: &impl Fn() -> DateTime<Utc>,
) -> Result<(u32, crate::store::UpsertCounts), AccountFailure> {
    let currency = account.balance.currency;
    if account.available.is_some_and(|a| a.currency != currency)
        || account.opening.is_some_and(|(_, m)| m.currency != currency)
    {
        return Err(AccountFailure::Provider(format!(
            "the provider reported balances in mixed currencies for account {}",
            account.provider_account_id
        )));
    }
    let (account_id, cursor) = {
        let mut s = store
            .lock()
            .map_err(|_| AccountFailure::Provider("store lock poisoned".into()))?;
        let id = s
            .upsert_account(connection.id, account)
            .map_err(AccountFailure::Store)?;
        let cursor = s.sync_cursor(id).map_err(AccountFailure::Store)?;
        (id, cursor)
    };
    let since = cursor.and_then(|c| c.checked_sub_days(Days::new(OVERLAP_DAYS)));
    let batch = provider
        .transactions(account, since)
        .await
        .map_err(|e| match e {
            ProviderError::Reauth { .. } => AccountFailure::Reauth(e.to_string()),
            other => AccountFailure::Provider(other.to_string()),
        })?;
    if let Some(bad) = batch
        .transactions
        .iter()
        .find(|t| t.amount.currency != currency)
    {
        return Err(AccountFailure::Provider(format!(
            "transaction {} is in {} but the account is in {currency}",
            bad.dedup_key, bad.amount.currency
        )));
    }
    let mut keys = std::collections::HashSet::with_capacity(batch.transactions.len());
    if let Some(twice) = batch
        .transactions
        .iter()
        .find(|t| !keys.insert(t.dedup_key.as_str()))
    {
        return Err(AccountFailure::Provider(format!(
            "the provider sent transaction '{}' twice in one answer",
            twice.dedup_key
        )));
    }
    let fetched = u32::try_from(batch.transactions.len()).unwrap_or(u32::MAX);
    let counts = store
        .lock()
        .map_err(|_| AccountFailure::Provider("store lock poisoned".into()))?
        .upsert_transactions(
            account_id,
            &batch.transactions,
            batch.from,
            batch.through,
            now(),
        )
        .map_err(AccountFailure::Store)?;
    Ok((fetched, counts))
}
