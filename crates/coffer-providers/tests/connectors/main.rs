//! The connectors against the provider sandboxes, through the real HTTP client and the real
//! login flows. Every test pins time: the sandboxes run on a fixed [`SandboxClock`] and the sync
//! engine is handed the same instant, so nothing depends on the day or the hour of the run.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod fibank;
mod finqware;
mod finsify;
mod sparebank1;

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use chrono::{DateTime, NaiveDate, Utc};
use coffer_core::money::{Currency, Money};
use coffer_core::store::Store;
use coffer_login::{BankMemory, LoginError};
use coffer_sandbox::OracleRow;

/// A fixed instant: mid-June, far from a daylight-saving change, a weekday.
pub fn start() -> DateTime<Utc> {
    "2026-06-15T10:00:00Z".parse().unwrap()
}

pub fn day(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
}

/// A bank's memory kept in the test (the app keeps it in the settings table).
#[derive(Default)]
pub struct Memory(Mutex<HashMap<String, String>>);

impl BankMemory for Memory {
    fn recall(&self, key: &str) -> Result<Option<String>, LoginError> {
        Ok(self.0.lock().unwrap().get(key).cloned())
    }

    fn remember(&self, key: &str, value: &str) -> Result<(), LoginError> {
        self.0
            .lock()
            .unwrap()
            .insert(key.to_string(), value.to_string());
        Ok(())
    }
}

/// One row as the user sees it: day, amount in minor units, text, status.
pub type Seen = (NaiveDate, i64, String, String);

/// Every stored row per account (by the bank's account id), sorted.
pub fn stored(store: &Mutex<Store>) -> BTreeMap<String, Vec<Seen>> {
    let store = store.lock().unwrap();
    let mut out = BTreeMap::new();
    for account in store.accounts().unwrap() {
        let mut rows: Vec<Seen> = store
            .account_transactions(account.id)
            .unwrap()
            .into_iter()
            .map(|t| {
                (
                    t.booking_date,
                    t.amount.minor,
                    t.description,
                    t.status.as_str().to_string(),
                )
            })
            .collect();
        rows.sort();
        out.insert(account.provider_account_id, rows);
    }
    out
}

/// The sandbox's own ledger in the same shape, from `from` on (older rows may have left the
/// bank's lookback while Coffer, rightly, keeps them).
pub fn oracle(rows: Vec<OracleRow>, from: NaiveDate) -> BTreeMap<String, Vec<Seen>> {
    let mut out: BTreeMap<String, Vec<Seen>> = BTreeMap::new();
    for r in rows.into_iter().filter(|r| r.date >= from) {
        let currency: Currency = r.currency.parse().unwrap();
        let minor = Money::parse(&r.amount, currency).unwrap().minor;
        out.entry(r.account)
            .or_default()
            .push((r.date, minor, r.description, r.status));
    }
    for rows in out.values_mut() {
        rows.sort();
    }
    out
}

/// `stored` limited to rows from `from` on, for comparing with [`oracle`].
pub fn stored_from(
    all: BTreeMap<String, Vec<Seen>>,
    from: NaiveDate,
) -> BTreeMap<String, Vec<Seen>> {
    all.into_iter()
        .map(|(k, rows)| (k, rows.into_iter().filter(|r| r.0 >= from).collect()))
        .filter(|(_, rows): &(String, Vec<Seen>)| !rows.is_empty())
        .collect()
}

/// A readable difference: rows missing from Coffer and rows Coffer has that the bank does not.
pub fn difference(got: &BTreeMap<String, Vec<Seen>>, want: &BTreeMap<String, Vec<Seen>>) -> String {
    let mut out = String::new();
    let keys: std::collections::BTreeSet<&String> = got.keys().chain(want.keys()).collect();
    for key in keys {
        let mut g = got.get(key).cloned().unwrap_or_default();
        let mut w = want.get(key).cloned().unwrap_or_default();
        let mut missing = Vec::new();
        for row in w.drain(..) {
            match g.iter().position(|x| *x == row) {
                Some(i) => {
                    g.remove(i);
                }
                None => missing.push(row),
            }
        }
        if !missing.is_empty() || !g.is_empty() {
            out.push_str(&format!(
                "{key}: {} missing (first {:?}), {} extra (first {:?})\n",
                missing.len(),
                missing.first(),
                g.len(),
                g.first()
            ));
        }
    }
    out
}
