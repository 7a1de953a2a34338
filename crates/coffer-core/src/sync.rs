//! The sync engine: provider → store, one connection at a time.
//!
//! Per account it asks the provider for what the account still needs — from a little before
//! the stored cursor up to today, and any history older than what is stored that the first
//! sync could not fetch yet — and writes the account, its balance, its rows, its cursor and
//! how much history is still missing in one SQLite transaction. A failing account is reported
//! and skipped; the others still sync and nothing already stored is touched.

use std::sync::Mutex;

use async_trait::async_trait;
use chrono::{DateTime, Days, NaiveDate, Utc};

use crate::model::{
    Connection, ConnectionId, ConnectionStatus, ProviderAccount, ProviderTransaction,
};
use crate::store::{Store, StoreError, SyncRunRecord};

/// Re-fetch this many days before the cursor, so late-booked and pending→booked rows are seen.
pub const OVERLAP_DAYS: u64 = 10;

/// What a bank may send and Coffer will store. Anything outside is refused at the door with
/// a message naming the field and the account, so one absurd row can never break a view, wrap
/// a total or fill the disk.
pub mod bounds {
    use chrono::NaiveDate;

    /// Dates a bank transaction can plausibly carry.
    pub fn date_ok(d: NaiveDate) -> bool {
        NaiveDate::from_ymd_opt(1900, 1, 1).is_some_and(|lo| d >= lo)
            && NaiveDate::from_ymd_opt(2200, 12, 31).is_some_and(|hi| d <= hi)
    }

    /// ±10^15 minor units: ten trillion in a two-decimal currency, far beyond any account,
    /// and small enough that no realistic number of rows can overflow a total.
    pub const MAX_MINOR: i64 = 1_000_000_000_000_000;
    /// The longest text of a row (description, counterparty, category), in bytes.
    pub const MAX_TEXT: usize = 4096;
    /// The most rows one account may deliver in one sync.
    pub const MAX_ROWS: usize = 2_000_000;

    /// Refuses an account whose balances (current, available, opening) are beyond
    /// [`MAX_MINOR`], naming the balance and the account.
    pub fn check_balances(account: &crate::model::ProviderAccount) -> Result<(), String> {
        let balances = [Some(account.balance), account.available]
            .into_iter()
            .flatten()
            .chain(account.opening.map(|(_, m)| m));
        if let Some(m) = balances.into_iter().find(|m| m.minor.abs() > MAX_MINOR) {
            return Err(format!(
                "the bank reported a balance of {} minor units for account {}, beyond what \
                 Coffer accepts (±10^15); nothing was stored",
                m.minor, account.provider_account_id
            ));
        }
        Ok(())
    }

    /// Refuses rows holding anything beyond these bounds, naming the row and the field (the
    /// rows' part of the engine's check, shared with the providers' property tests).
    pub fn check_transactions(
        transactions: &[crate::model::ProviderTransaction],
    ) -> Result<(), String> {
        for (i, t) in transactions.iter().enumerate() {
            let row = i + 1;
            if !date_ok(t.booking_date) {
                return Err(format!(
                    "transaction {row} has the booking date {}, outside 1900–2200",
                    t.booking_date
                ));
            }
            if let Some(d) = t.value_date.filter(|d| !date_ok(*d)) {
                return Err(format!(
                    "transaction {row} has the value date {d}, outside 1900–2200"
                ));
            }
            if t.amount.minor.abs() > MAX_MINOR {
                return Err(format!(
                    "transaction {row} has an amount of {} minor units, beyond ±10^15",
                    t.amount.minor
                ));
            }
            for (field, text) in [
                ("description", Some(t.description.as_str())),
                ("counterparty", t.counterparty.as_deref()),
                ("category", t.provider_category.as_deref()),
                ("id", Some(t.dedup_key.as_str())),
            ] {
                if text.is_some_and(|x| x.len() > MAX_TEXT) {
                    return Err(format!(
                        "transaction {row} has a {field} longer than {} bytes",
                        MAX_TEXT
                    ));
                }
            }
        }
        Ok(())
    }
}

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

/// How much of an account's history is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum History {
    /// Never fetched: the first sync takes everything the bank offers, newest first.
    Unfetched,
    /// Everything from this day on is stored; older history is still to be fetched (a first
    /// sync cut short, e.g. by the bank's call budget). The next sync continues here.
    Before(NaiveDate),
    /// Everything the bank offers is stored.
    Complete,
}

/// What one account needs from a sync.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Need {
    /// The first day to fetch again up to today (`None` on a first sync): a little before the
    /// stored cursor, so late-booked and pending→booked rows are seen.
    pub since: Option<NaiveDate>,
    pub history: History,
}

impl Need {
    /// A first sync: everything.
    pub const FIRST: Need = Need {
        since: None,
        history: History::Unfetched,
    };
}

/// What a provider fetched for one account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransactionBatch {
    /// First date of the newest stretch the batch covers without a gap up to `through`; pending
    /// rows from then on that are absent have expired.
    pub from: Option<NaiveDate>,
    /// Last date the batch covers (usually today).
    pub through: NaiveDate,
    pub transactions: Vec<ProviderTransaction>,
    /// How much history is stored once this batch is: `Complete`, or `Before(day)` when older
    /// history must still be fetched by a later sync.
    pub history: History,
    /// Something the user should know that is not a failure ("older history continues at the
    /// next sync: the bank's call budget is spent").
    pub note: Option<String>,
    /// The provider's ids are stable and its answer for `from..=through` is complete: a stored
    /// row in that range it no longer reports was removed at the bank (an aggregator replacing
    /// a card authorisation by the posted row) and goes here too. Without it only pending rows
    /// expire that way.
    pub removes_missing: bool,
}

impl TransactionBatch {
    /// A batch covering `from..=through` with the whole history the bank offers.
    pub fn complete(
        from: Option<NaiveDate>,
        through: NaiveDate,
        transactions: Vec<ProviderTransaction>,
    ) -> TransactionBatch {
        TransactionBatch {
            from,
            through,
            transactions,
            history: History::Complete,
            note: None,
            removes_missing: false,
        }
    }
}

/// A bank or aggregator, read-only. Implementations live in `coffer-providers`.
#[async_trait]
pub trait Provider: Send + Sync {
    /// Stable provider id stored with the connection, e.g. `"examplebank"`.
    fn id(&self) -> &'static str;

    async fn accounts(&self) -> Result<Vec<ProviderAccount>, ProviderError>;

    /// Told once per sync, after `accounts`, what every account needs, so a provider that
    /// serves several accounts per call (and has a call budget) can plan its calls.
    async fn prepare(&self, needs: &[(ProviderAccount, Need)]) -> Result<(), ProviderError> {
        let _ = needs;
        Ok(())
    }

    /// Failures that belong to no single account (an account list the bank sent only in
    /// part), reported with the sync; asked once, after every account.
    async fn problems(&self) -> Vec<String> {
        Vec::new()
    }

    /// What one account needs: `need.since` up to today, and older history unless
    /// `need.history` is `Complete`.
    async fn transactions(
        &self,
        account: &ProviderAccount,
        need: &Need,
    ) -> Result<TransactionBatch, ProviderError>;
}

/// Progress, as the UI progress bar and the CLI progress bar consume it.
#[derive(Debug, Clone, PartialEq, Eq)]
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

#[derive(Debug, Clone, Default, PartialEq, Eq)]
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
    /// Things to know that are not failures (a long first sync continuing next time).
    pub notes: Vec<String>,
    /// The connection was being synced already, so this sync did nothing.
    pub skipped: bool,
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
    let Some(run) = lock(store)?.try_start_sync_run(connection.id, now())? else {
        // Another sync of this connection runs (in this process or another on the profile):
        // two at once would spend the bank's budget twice and race for its rows.
        let message = format!(
            "{} is being synced already (by this or another Coffer window or command); this \
             sync was skipped",
            connection.label
        );
        progress(SyncEvent::Failed {
            connection_id: connection.id,
            message: message.clone(),
        });
        return Ok(SyncSummary {
            connection_id: connection.id,
            provider: connection.provider.clone(),
            label: connection.label.clone(),
            skipped: true,
            errors: vec![message],
            ..SyncSummary::default()
        });
    };
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

    let outcome = fetch_connection(store, connection, provider, &now, progress, &mut summary).await;
    let needs_reauth = match &outcome {
        Ok(needs_reauth) => *needs_reauth,
        Err(e) => {
            // The run is closed whatever happened, so the connection is not left "busy".
            summary.errors.push(format!("the sync stopped: {e}"));
            false
        }
    };
    let finished = now();
    {
        let mut store = lock(store)?;
        if let Err(e) = outcome {
            let _ = store.finish_sync_run(
                run,
                &SyncRunRecord {
                    finished_at: Some(finished),
                    errors: summary.errors.clone(),
                    ..SyncRunRecord::default()
                },
            );
            return Err(e);
        }
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
        // New rows may complete a transfer with rows of this or another bank. A failure here
        // leaves the rows synced and the pairs as they were; the next sync tries again.
        if let Err(e) = store.detect_transfers(finished) {
            tracing::warn!(error = %e, "pairing transfers failed");
        }
    }
    progress(SyncEvent::Finished {
        summary: summary.clone(),
    });
    Ok(summary)
}

/// Lists the accounts and syncs each; says whether the login turned out dead. Only a failing
/// store is an `Err`.
async fn fetch_connection(
    store: &Mutex<Store>,
    connection: &Connection,
    provider: &dyn Provider,
    now: &impl Fn() -> DateTime<Utc>,
    progress: &mut (dyn FnMut(SyncEvent) + Send),
    summary: &mut SyncSummary,
) -> Result<bool, SyncError> {
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
            let mut needs = Vec::with_capacity(accounts.len());
            for account in &accounts {
                let state =
                    lock(store)?.account_state(connection.id, &account.provider_account_id)?;
                needs.push((account.clone(), need_of(state)));
            }
            let prepared = provider.prepare(&needs).await;
            for (index, (account, need)) in (1u32..).zip(needs.iter()) {
                let result = match &prepared {
                    Err(e) => Err(AccountFailure::from_provider(e)),
                    Ok(()) => sync_account(store, connection, provider, account, need, now).await,
                };
                match result {
                    Ok((fetched, counts, note)) => {
                        summary.fetched += fetched;
                        summary.inserted += counts.inserted as u32;
                        summary.updated += counts.updated as u32;
                        summary.unchanged += counts.unchanged as u32;
                        summary.expired += counts.expired as u32;
                        if let Some(note) = note {
                            summary.notes.push(format!("{}: {note}", account.name));
                        }
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

    for problem in provider.problems().await {
        progress(SyncEvent::Failed {
            connection_id: connection.id,
            message: problem.clone(),
        });
        summary.errors.push(problem);
    }
    Ok(needs_reauth)
}

enum AccountFailure {
    Store(StoreError),
    Provider(String),
    Reauth(String),
}

impl AccountFailure {
    fn from_provider(e: &ProviderError) -> AccountFailure {
        match e {
            ProviderError::Reauth { .. } => AccountFailure::Reauth(e.to_string()),
            other => AccountFailure::Provider(other.to_string()),
        }
    }
}

/// Refuses a batch holding anything beyond [`bounds`], naming the row and the field.
fn check_bounds(batch: &TransactionBatch) -> Result<(), String> {
    if batch.transactions.len() > bounds::MAX_ROWS {
        return Err(format!(
            "the bank sent {} rows for one account, more than Coffer accepts at once ({})",
            batch.transactions.len(),
            bounds::MAX_ROWS
        ));
    }
    if !bounds::date_ok(batch.through) {
        return Err(format!(
            "the sync ran up to {}, outside 1900–2200",
            batch.through
        ));
    }
    bounds::check_transactions(&batch.transactions)
}

/// What an account needs, from what the store holds.
fn need_of(state: Option<crate::store::AccountState>) -> Need {
    match state {
        None => Need::FIRST,
        Some(s) => match s.synced_through {
            None => Need::FIRST,
            Some(cursor) => Need {
                since: Some(
                    cursor
                        .checked_sub_days(Days::new(OVERLAP_DAYS))
                        .unwrap_or(cursor),
                ),
                history: match s.history_before {
                    Some(d) => History::Before(d),
                    None => History::Complete,
                },
            },
        },
    }
}

async fn sync_account(
    store: &Mutex<Store>,
    connection: &Connection,
    provider: &dyn Provider,
    account: &ProviderAccount,
    need: &Need,
    now: &impl Fn() -> DateTime<Utc>,
) -> Result<(u32, crate::store::UpsertCounts, Option<String>), AccountFailure> {
    let currency = account.balance.currency;
    if account.available.is_some_and(|a| a.currency != currency)
        || account.opening.is_some_and(|(_, m)| m.currency != currency)
    {
        return Err(AccountFailure::Provider(format!(
            "the provider reported balances in mixed currencies for account {}",
            account.provider_account_id
        )));
    }
    bounds::check_balances(account).map_err(AccountFailure::Provider)?;
    let batch = provider
        .transactions(account, need)
        .await
        .map_err(|e| AccountFailure::from_provider(&e))?;
    check_bounds(&batch).map_err(|why| {
        AccountFailure::Provider(format!("{why}; nothing was stored for this account"))
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
    let (_, counts) = store
        .lock()
        .map_err(|_| AccountFailure::Provider("store lock poisoned".into()))?
        .commit_account(connection.id, account, &batch, now())
        .map_err(AccountFailure::Store)?;
    Ok((fetched, counts, batch.note.clone()))
}
