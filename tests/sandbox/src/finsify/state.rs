//! Everything the sandbox remembers: customers, connect tokens, logins, accounts, transactions,
//! queued faults and counters.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Mutex, MutexGuard};
use std::time::Instant;

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::Value;
use tokio::sync::watch;

use super::ledger::{self, AccountKind};
use super::money::{format_minor, parse_decimal};
use super::{
    FinsifyConfig, FinsifyFault, FinsifyLedgerRow, FinsifyStats, LoginRow, LOGIN_STATUSES,
};

/// State shared by the server task and every handle.
pub(crate) struct Shared {
    pub config: FinsifyConfig,
    /// `http://127.0.0.1:PORT`.
    pub origin: String,
    pub stop: watch::Sender<bool>,
    inner: Mutex<Inner>,
}

impl Shared {
    pub(crate) fn new(config: FinsifyConfig, origin: String) -> (Self, watch::Receiver<bool>) {
        let (stop, stopped) = watch::channel(false);
        let inner = Inner::new(config.seed);
        (
            Self {
                config,
                origin,
                stop,
                inner: Mutex::new(inner),
            },
            stopped,
        )
    }

    /// The state lock. A panic while holding it cannot leave the maps half-updated in a way that
    /// matters to a test sandbox, so poisoning is ignored.
    pub(crate) fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub(crate) fn base(&self) -> String {
        format!("{}/v2", self.origin)
    }
}

pub(crate) struct Token {
    pub customer_id: String,
    pub service_id: i64,
    pub callback_url: String,
    pub created: Instant,
    pub spent: bool,
    /// `Some(login)` for a `/token/reconnect` token.
    pub reconnect: Option<i64>,
}

pub(crate) struct Login {
    pub id: i64,
    pub customer_id: String,
    pub service_id: i64,
    pub secret: String,
    pub active: bool,
    pub status: String,
    pub deleted: bool,
    pub last_refresh: Option<DateTime<Utc>>,
}

impl Login {
    pub(crate) fn failed(&self) -> bool {
        self.status != "active"
    }
}

pub(crate) struct Account {
    pub id: i64,
    pub login_id: i64,
    pub original_id: String,
    pub name: String,
    pub kind: AccountKind,
    pub currency: String,
    pub opening_minor: i64,
}

pub(crate) struct Txn {
    pub id: i64,
    pub login_id: i64,
    pub account_id: i64,
    pub original_id: String,
    pub date: NaiveDate,
    pub amount_minor: i64,
    pub currency: String,
    pub description: String,
    pub category: String,
    pub meta: Option<Value>,
}

pub(crate) struct Inner {
    /// customer ids
    pub customers: HashSet<String>,
    /// identifier → customer_id
    pub identifiers: HashMap<String, String>,
    pub tokens: HashMap<String, Token>,
    pub logins: BTreeMap<i64, Login>,
    /// live secret → login id
    pub secrets: HashMap<String, i64>,
    pub accounts: BTreeMap<i64, Account>,
    /// Oldest first, then by id.
    pub txns: Vec<Txn>,
    pub faults: Vec<FinsifyFault>,
    pub stats: FinsifyStats,
    pub issued: Vec<String>,
    next_login: i64,
    next_account: i64,
    next_txn: i64,
    logins_created: u64,
    added_rows: u64,
}

/// Which requests a fault can hit.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum FaultSite {
    /// Any `/v2` API call, before anything else happens.
    AnyCall,
    /// A successful `GET /account` or `GET /transaction`.
    DataCall,
    /// A successful `GET /transaction` with at least one row.
    TransactionRows,
    /// A "Connect" on the hosted page.
    Approval,
}

fn applies(fault: &FinsifyFault, site: FaultSite) -> bool {
    match fault {
        FinsifyFault::ServerError { .. } | FinsifyFault::Maintenance { .. } => {
            site == FaultSite::AnyCall
        }
        FinsifyFault::MalformedJson { .. } => site == FaultSite::DataCall,
        FinsifyFault::MissingField { .. } | FinsifyFault::FloatAmount { .. } => {
            site == FaultSite::TransactionRows
        }
        FinsifyFault::CallbackBrokenJson => site == FaultSite::Approval,
    }
}

/// A random (v4) UUID in its canonical text form.
pub(crate) fn uuid_v4() -> String {
    let mut bytes: [u8; 16] = rand::random();
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

impl Inner {
    fn new(seed: u64) -> Self {
        // Numeric ids look like the documentation's (login 23456, account 14324, tx 4116357)
        // and shift with the seed so that tests cannot hard-code them by accident.
        let shift = i64::try_from(seed % 1000).unwrap_or(0);
        Self {
            customers: HashSet::new(),
            identifiers: HashMap::new(),
            tokens: HashMap::new(),
            logins: BTreeMap::new(),
            secrets: HashMap::new(),
            accounts: BTreeMap::new(),
            txns: Vec::new(),
            faults: Vec::new(),
            stats: FinsifyStats::default(),
            issued: Vec::new(),
            next_login: 23_000 + shift,
            next_account: 14_000 + shift * 10,
            next_txn: 4_116_000 + shift * 1000,
            logins_created: 0,
            added_rows: 0,
        }
    }

    /// Takes one use of the first queued fault that applies to `site`.
    pub(crate) fn take_fault(&mut self, site: FaultSite) -> Option<FinsifyFault> {
        let index = self.faults.iter().position(|f| applies(f, site))?;
        let taken = self.faults.get(index).cloned()?;
        let exhausted = match self.faults.get_mut(index) {
            Some(
                FinsifyFault::MalformedJson { requests }
                | FinsifyFault::MissingField { requests, .. }
                | FinsifyFault::FloatAmount { requests }
                | FinsifyFault::ServerError { requests }
                | FinsifyFault::Maintenance { requests },
            ) => {
                *requests = requests.saturating_sub(1);
                *requests == 0
            }
            Some(FinsifyFault::CallbackBrokenJson) | None => true,
        };
        if exhausted {
            self.faults.remove(index);
        }
        // A fault queued with `requests: 0` is inert.
        match taken {
            FinsifyFault::MalformedJson { requests: 0 }
            | FinsifyFault::MissingField { requests: 0, .. }
            | FinsifyFault::FloatAmount { requests: 0 }
            | FinsifyFault::ServerError { requests: 0 }
            | FinsifyFault::Maintenance { requests: 0 } => None,
            other => Some(other),
        }
    }

    pub(crate) fn issue(&mut self, secret: &str) {
        self.issued.push(secret.to_owned());
    }

    pub(crate) fn login_by_secret(&self, secret: &str) -> Option<&Login> {
        let id = self.secrets.get(secret)?;
        self.logins.get(id)
    }

    pub(crate) fn login_by_secret_mut(&mut self, secret: &str) -> Option<&mut Login> {
        let id = *self.secrets.get(secret)?;
        self.logins.get_mut(&id)
    }

    /// Creates a login for `service_id` with its seeded accounts and history.
    pub(crate) fn create_login(
        &mut self,
        config: &FinsifyConfig,
        customer_id: &str,
        service_id: i64,
        slug: &str,
    ) -> (i64, String) {
        let id = self.next_login;
        self.next_login += 1;
        let ordinal = self.logins_created;
        self.logins_created += 1;
        let secret = uuid_v4();
        self.issue(&secret);
        self.secrets.insert(secret.clone(), id);
        self.logins.insert(
            id,
            Login {
                id,
                customer_id: customer_id.to_owned(),
                service_id,
                secret: secret.clone(),
                active: true,
                status: "active".to_owned(),
                deleted: false,
                last_refresh: None,
            },
        );

        let seeded = ledger::generate(config.seed, ordinal, slug, config.today);
        let mut account_ids = Vec::new();
        for account in seeded.accounts {
            let account_id = self.next_account;
            self.next_account += 1;
            account_ids.push(account_id);
            self.accounts.insert(
                account_id,
                Account {
                    id: account_id,
                    login_id: id,
                    original_id: account.original_id,
                    name: account.name,
                    kind: account.kind,
                    currency: "VND".to_owned(),
                    opening_minor: account.opening_minor,
                },
            );
        }
        for row in seeded.rows {
            let Some(&account_id) = account_ids.get(row.account) else {
                continue;
            };
            let txn_id = self.next_txn;
            self.next_txn += 1;
            self.txns.push(Txn {
                id: txn_id,
                login_id: id,
                account_id,
                original_id: row.original_id,
                date: row.date,
                amount_minor: row.amount_minor,
                currency: "VND".to_owned(),
                description: row.description,
                category: row.category.to_owned(),
                meta: row.meta,
            });
        }
        self.txns.sort_by_key(|t| (t.date, t.id));
        (id, secret)
    }

    /// Gives a login a fresh secret (the old one stops working) and clears its failure status.
    pub(crate) fn renew_login(&mut self, login_id: i64) -> Option<String> {
        let secret = uuid_v4();
        let login = self.logins.get_mut(&login_id)?;
        if login.deleted {
            return None;
        }
        let old = std::mem::replace(&mut login.secret, secret.clone());
        login.status = "active".to_owned();
        self.secrets.remove(&old);
        self.secrets.insert(secret.clone(), login_id);
        self.issue(&secret);
        Some(secret)
    }

    pub(crate) fn delete_login(&mut self, login_id: i64) {
        if let Some(login) = self.logins.get_mut(&login_id) {
            login.deleted = true;
            login.active = false;
            login.status = "deleted".to_owned();
            let secret = login.secret.clone();
            self.secrets.remove(&secret);
        }
    }

    pub(crate) fn balance(&self, account_id: i64) -> i64 {
        let opening = self
            .accounts
            .get(&account_id)
            .map_or(0, |a| a.opening_minor);
        opening
            + self
                .txns
                .iter()
                .filter(|t| t.account_id == account_id)
                .map(|t| t.amount_minor)
                .sum::<i64>()
    }

    pub(crate) fn set_login_status(&mut self, login_id: i64, status: &str) -> Result<(), String> {
        if !LOGIN_STATUSES.contains(&status) {
            return Err(format!(
                "unknown status {status:?}; expected one of {LOGIN_STATUSES:?}"
            ));
        }
        let login = self
            .logins
            .get_mut(&login_id)
            .filter(|l| !l.deleted)
            .ok_or_else(|| format!("no live login {login_id}"))?;
        login.status = status.to_owned();
        Ok(())
    }

    pub(crate) fn add_transaction(
        &mut self,
        login_id: i64,
        account_id: i64,
        date: NaiveDate,
        amount: &str,
        description: &str,
        category: &str,
    ) -> Result<FinsifyLedgerRow, String> {
        let amount_minor = parse_decimal(amount).ok_or_else(|| {
            format!("amount {amount:?} is not a decimal with at most two decimals")
        })?;
        let account = self
            .accounts
            .get(&account_id)
            .filter(|a| a.login_id == login_id)
            .ok_or_else(|| format!("login {login_id} has no account {account_id}"))?;
        let currency = account.currency.clone();
        let slug = self
            .logins
            .get(&login_id)
            .and_then(|l| super::catalogue::find(l.service_id))
            .map_or("finsify", |s| s.slug);
        self.added_rows += 1;
        let original_id = ledger::original_id(
            slug,
            &format!(
                "added/{login_id}/{account_id}/{}/{date}/{amount_minor}/{description}",
                self.added_rows
            ),
        );
        let id = self.next_txn;
        self.next_txn += 1;
        let txn = Txn {
            id,
            login_id,
            account_id,
            original_id,
            date,
            amount_minor,
            currency,
            description: description.to_owned(),
            category: category.to_owned(),
            meta: None,
        };
        let row = ledger_row(&txn);
        self.txns.push(txn);
        self.txns.sort_by_key(|t| (t.date, t.id));
        Ok(row)
    }

    pub(crate) fn ledger(&self) -> Vec<FinsifyLedgerRow> {
        self.txns.iter().map(ledger_row).collect()
    }

    pub(crate) fn login_rows(&self) -> Vec<LoginRow> {
        self.logins
            .values()
            .map(|l| LoginRow {
                id: l.id,
                customer_id: l.customer_id.clone(),
                service_id: l.service_id,
                secret: l.secret.clone(),
                active: l.active,
                status: l.status.clone(),
            })
            .collect()
    }
}

fn ledger_row(t: &Txn) -> FinsifyLedgerRow {
    FinsifyLedgerRow {
        login_id: t.login_id,
        account_id: t.account_id,
        original_id: t.original_id.clone(),
        date: t.date,
        amount: format_minor(t.amount_minor),
        currency: t.currency.clone(),
        description: t.description.clone(),
        category: t.category.clone(),
    }
}
