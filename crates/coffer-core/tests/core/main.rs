//! Integration tests for coffer-core: the store, the sync engine and CSV export, driven through
//! their public API against real SQLite files.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod export;
mod filter_oracle;
mod props;
mod store;
mod sync;
mod transfer;

use std::sync::Mutex;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use coffer_core::model::{AccountKind, ProviderAccount, ProviderTransaction, TransactionStatus};
use coffer_core::sync::{Provider, ProviderError, TransactionBatch};
use coffer_core::{Currency, Money};

/// The filtered rows, as every front end sees them.
pub fn shown(
    store: &coffer_core::Store,
    filter: &coffer_core::Filter,
) -> Vec<coffer_core::views::TransactionView> {
    let snap = coffer_core::snapshot::Snapshot::load(store).unwrap();
    let sel = snap.select_rows(filter).unwrap();
    snap.rows(&sel)
}

pub fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

pub fn at(y: i32, m: u32, d: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, 12, 0, 0).unwrap()
}

pub fn account(id: &str, currency: Currency, balance: i64) -> ProviderAccount {
    ProviderAccount {
        provider_account_id: id.to_string(),
        name: format!("Account {id}"),
        number: Some(format!("1503.42.{id}")),
        iban: Some(format!("NO93 1503 42{id}")),
        kind: AccountKind::Current,
        balance: Money::new(balance, currency),
        available: Some(Money::new(balance - 100, currency)),
        balance_at: at(2026, 11, 21),
        opening: Some((date(2024, 11, 21), Money::new(1_000, currency))),
    }
}

pub fn tx(key: &str, day: NaiveDate, minor: i64, description: &str) -> ProviderTransaction {
    ProviderTransaction {
        dedup_key: key.to_string(),
        provider_id: Some(format!("p-{key}")),
        booking_date: day,
        value_date: Some(day),
        amount: Money::new(minor, Currency::NOK),
        status: TransactionStatus::Booked,
        description: description.to_string(),
        counterparty: None,
        provider_category: None,
    }
}

/// A provider whose answers the test scripts; an account listed in `broken` fails to fetch.
#[derive(Default)]
pub struct Scripted {
    pub accounts: Vec<ProviderAccount>,
    pub transactions: Vec<(String, Vec<ProviderTransaction>)>,
    pub broken: Vec<String>,
    pub since_seen: Mutex<Vec<Option<NaiveDate>>>,
}

#[async_trait]
impl Provider for Scripted {
    fn id(&self) -> &'static str {
        "scripted"
    }

    async fn accounts(&self) -> Result<Vec<ProviderAccount>, ProviderError> {
        Ok(self.accounts.clone())
    }

    async fn transactions(
        &self,
        account: &ProviderAccount,
        need: &coffer_core::sync::Need,
    ) -> Result<TransactionBatch, ProviderError> {
        let since = need.since;
        self.since_seen.lock().unwrap().push(since);
        if self.broken.contains(&account.provider_account_id) {
            return Err(ProviderError::Malformed {
                provider: "scripted",
                detail: "field 'amount' is missing in transaction 7".into(),
            });
        }
        let rows = self
            .transactions
            .iter()
            .find(|(id, _)| *id == account.provider_account_id)
            .map(|(_, rows)| rows.clone())
            .unwrap_or_default();
        Ok(TransactionBatch::complete(
            since.or(Some(date(2024, 11, 21))),
            date(2026, 11, 21),
            rows,
        ))
    }
}
