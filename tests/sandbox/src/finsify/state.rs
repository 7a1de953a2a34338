//! Everything the sandbox remembers: customers, connect tokens, logins, their accounts and
//! ledgers, queued faults, counters, the request log and the catalogue gate.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Mutex, MutexGuard, OnceLock};

use chrono::{DateTime, NaiveDate, Utc};
use tokio::sync::watch;

use super::ledger::{AccountKind, Ids, LoginLedger, Row};
use super::money::{format_minor, parse_decimal};
use super::{
    FinsifyConfig, FinsifyFault, FinsifyLedgerRow, FinsifyStats, LoginRow, LOGIN_STATUSES,
};
use crate::clock::SandboxClock;
use crate::contract::{ContractBank, RequestLog, Server};
use crate::oracle::{OracleAccount, OracleRow};

/// Finsify's calendar: "today" for range checks, `timestamp` and seeding.
pub(crate) const ZONE: chrono_tz::Tz = chrono_tz::Asia::Ho_Chi_Minh;

/// Holds `service.json` answers until released (the delayed-catalogue mode).
pub(crate) struct CatalogueGate {
    /// Whether new requests are held.
    pub delayed: watch::Sender<bool>,
    /// Bumped by every release; a held request waits for a value above the one it saw.
    pub releases: watch::Sender<u64>,
    /// How many requests are being held right now.
    pub waiting: watch::Sender<usize>,
}

/// State shared by the server task and every handle.
pub(crate) struct Shared {
    pub config: FinsifyConfig,
    /// `http://127.0.0.1:PORT`.
    pub origin: String,
    pub server: OnceLock<Server>,
    pub log: RequestLog,
    pub catalogue: CatalogueGate,
    inner: Mutex<Inner>,
}

impl Shared {
    pub(crate) fn new(config: FinsifyConfig, origin: String) -> Self {
        let inner = Inner::new(config.seed);
        let catalogue = CatalogueGate {
            delayed: watch::Sender::new(config.delay_catalogue),
            releases: watch::Sender::new(0),
            waiting: watch::Sender::new(0),
        };
        Self {
            log: RequestLog::new(config.clock.clone()),
            config,
            origin,
            server: OnceLock::new(),
            catalogue,
            inner: Mutex::new(inner),
        }
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

    pub(crate) fn now(&self) -> DateTime<Utc> {
        self.config.clock.now()
    }

    /// The calendar day in Ho Chi Minh City.
    pub(crate) fn today(&self) -> NaiveDate {
        self.config.clock.today_in(ZONE)
    }
}

impl ContractBank for Shared {
    fn clock(&self) -> &SandboxClock {
        &self.config.clock
    }

    fn request_log(&self) -> &RequestLog {
        &self.log
    }

    fn advance_days(&self, days: u32) {
        self.config
            .clock
            .advance(chrono::Duration::days(i64::from(days)));
        let today = self.today();
        self.lock().live_until(today);
    }

    fn oracle_ledger(&self) -> Vec<OracleRow> {
        let inner = self.lock();
        let mut rows: Vec<(i64, NaiveDate, i64, OracleRow)> = Vec::new();
        for account in inner.accounts.values() {
            if inner
                .logins
                .get(&account.login_id)
                .is_none_or(|l| l.deleted)
            {
                continue;
            }
            for row in inner.rows_of(account.id) {
                rows.push((
                    account.id,
                    row.date,
                    row.id,
                    OracleRow {
                        account: account.id.to_string(),
                        account_name: account.name.clone(),
                        date: row.date,
                        amount: format_minor(row.amount_minor),
                        currency: account.currency.clone(),
                        description: row.description.clone(),
                        // The wire has no status: a faithful client shows every row as booked.
                        status: "booked".to_owned(),
                        stable_id: Some(row.original_id.clone()),
                        // The card bill: out of the payment account, into the card account,
                        // the same day and amount (the ledger writes both texts).
                        own_transfer: (row.description.starts_with("TT THE TIN DUNG ")
                            || row.description.starts_with("THANH TOAN THE TU TK "))
                        .then(|| format!("card bill {} {}", row.date, row.amount_minor.abs())),
                    },
                ));
            }
        }
        rows.sort_by_key(|r| (r.0, r.1, r.2));
        rows.into_iter().map(|r| r.3).collect()
    }

    fn oracle_accounts(&self) -> Vec<OracleAccount> {
        let inner = self.lock();
        inner
            .accounts
            .values()
            .filter(|a| inner.logins.get(&a.login_id).is_some_and(|l| !l.deleted))
            .map(|a| OracleAccount {
                account: a.id.to_string(),
                name: a.name.clone(),
                currency: a.currency.clone(),
                balance: format_minor(inner.balance(a.id)),
                available: None,
            })
            .collect()
    }
}

pub(crate) struct Token {
    pub customer_id: String,
    pub service_id: i64,
    pub callback_url: String,
    pub created: DateTime<Utc>,
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
    /// Index into the login ledger's accounts.
    pub index: usize,
    pub original_id: String,
    pub name: String,
    pub kind: AccountKind,
    pub currency: String,
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
    /// login id → what its bank holds.
    pub ledgers: BTreeMap<i64, LoginLedger>,
    pub faults: Vec<FinsifyFault>,
    pub stats: FinsifyStats,
    pub issued: Vec<String>,
    next_login: i64,
    next_account: i64,
    ids: Ids,
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
    /// Any `GET /transaction` that passed its checks, before the rows are read.
    TransactionCall,
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
        FinsifyFault::CallbackBrokenJson { .. } => site == FaultSite::Approval,
        FinsifyFault::Stall { .. }
        | FinsifyFault::HugeBody { .. }
        | FinsifyFault::EndlessBody { .. }
        | FinsifyFault::HtmlInOk { .. } => site == FaultSite::TransactionCall,
        FinsifyFault::FarFutureDate { .. } | FinsifyFault::HugeAmount { .. } => {
            site == FaultSite::TransactionRows
        }
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
            ledgers: BTreeMap::new(),
            faults: Vec::new(),
            stats: FinsifyStats::default(),
            issued: Vec::new(),
            next_login: 23_000 + shift,
            next_account: 14_000 + shift * 10,
            ids: Ids(4_116_000 + shift * 1000),
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
                | FinsifyFault::Maintenance { requests }
                | FinsifyFault::CallbackBrokenJson { requests }
                | FinsifyFault::Stall { requests, .. }
                | FinsifyFault::HugeBody { requests, .. }
                | FinsifyFault::EndlessBody { requests }
                | FinsifyFault::HtmlInOk { requests }
                | FinsifyFault::FarFutureDate { requests }
                | FinsifyFault::HugeAmount { requests },
            ) => {
                *requests = requests.saturating_sub(1);
                *requests == 0
            }
            None => true,
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
            | FinsifyFault::Maintenance { requests: 0 }
            | FinsifyFault::CallbackBrokenJson { requests: 0 }
            | FinsifyFault::Stall { requests: 0, .. }
            | FinsifyFault::HugeBody { requests: 0, .. }
            | FinsifyFault::EndlessBody { requests: 0 }
            | FinsifyFault::HtmlInOk { requests: 0 }
            | FinsifyFault::FarFutureDate { requests: 0 }
            | FinsifyFault::HugeAmount { requests: 0 } => None,
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

    /// Creates a login for `service_id`, linked on `today`, with its seeded accounts and
    /// history.
    pub(crate) fn create_login(
        &mut self,
        config: &FinsifyConfig,
        today: NaiveDate,
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

        let seeded = LoginLedger::seeded(config.seed, ordinal, slug, today, &mut self.ids);
        for (index, account) in seeded.accounts.iter().enumerate() {
            let account_id = self.next_account;
            self.next_account += 1;
            self.accounts.insert(
                account_id,
                Account {
                    id: account_id,
                    login_id: id,
                    index,
                    original_id: account.original_id.clone(),
                    name: account.name.clone(),
                    kind: account.kind,
                    currency: "VND".to_owned(),
                },
            );
        }
        self.ledgers.insert(id, seeded);
        (id, secret)
    }

    /// Every live login's bank lives up to `today`.
    pub(crate) fn live_until(&mut self, today: NaiveDate) {
        let live: Vec<i64> = self
            .logins
            .values()
            .filter(|l| !l.deleted)
            .map(|l| l.id)
            .collect();
        for login_id in live {
            if let Some(ledger) = self.ledgers.get_mut(&login_id) {
                ledger.live_until(today, &mut self.ids);
            }
        }
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

    /// The rows of one account, oldest first.
    pub(crate) fn rows_of(&self, account_id: i64) -> impl Iterator<Item = &Row> {
        let account = self.accounts.get(&account_id);
        let ledger = account.and_then(|a| self.ledgers.get(&a.login_id));
        let index = account.map(|a| a.index);
        ledger
            .into_iter()
            .flat_map(|l| l.rows.iter())
            .filter(move |r| Some(r.account) == index)
    }

    pub(crate) fn balance(&self, account_id: i64) -> i64 {
        self.accounts
            .get(&account_id)
            .and_then(|a| Some(self.ledgers.get(&a.login_id)?.balance(a.index)))
            .unwrap_or(0)
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

    #[allow(clippy::too_many_arguments)]
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
        let index = account.index;
        let currency = account.currency.clone();
        let category: &'static str = CATEGORIES
            .iter()
            .find(|c| **c == category)
            .copied()
            .ok_or_else(|| format!("unknown category {category:?}"))?;
        self.added_rows += 1;
        let material = format!(
            "added/{login_id}/{account_id}/{}/{date}/{amount_minor}/{description}",
            self.added_rows
        );
        let ledger = self
            .ledgers
            .get_mut(&login_id)
            .ok_or_else(|| format!("no ledger for login {login_id}"))?;
        let row = ledger.add(
            &mut self.ids,
            index,
            date,
            amount_minor,
            description.to_owned(),
            category,
            &material,
        );
        Ok(ledger_row(login_id, account_id, &currency, &row))
    }

    /// Every row of every login, oldest first.
    pub(crate) fn ledger(&self) -> Vec<FinsifyLedgerRow> {
        let mut rows: Vec<FinsifyLedgerRow> = Vec::new();
        let mut order: Vec<(NaiveDate, i64)> = Vec::new();
        for account in self.accounts.values() {
            for row in self.rows_of(account.id) {
                order.push((row.date, row.id));
                rows.push(ledger_row(
                    account.login_id,
                    account.id,
                    &account.currency,
                    row,
                ));
            }
        }
        let mut paired: Vec<_> = order.into_iter().zip(rows).collect();
        paired.sort_by_key(|(key, _)| *key);
        paired.into_iter().map(|(_, row)| row).collect()
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

/// The category slugs the sandbox hands out (providers.md §B).
pub(crate) const CATEGORIES: [&str; 19] = [
    "uncategorized",
    "incoming_transfer",
    "auto_and_transport",
    "bills_and_utilities",
    "business_services",
    "education",
    "entertainment",
    "fees_and_charges",
    "food_and_dining",
    "gifts_and_donations",
    "health_and_fitness",
    "home",
    "income",
    "investments",
    "personal_care",
    "pets",
    "shopping",
    "taxes",
    "travel",
];

fn ledger_row(login_id: i64, account_id: i64, currency: &str, t: &Row) -> FinsifyLedgerRow {
    FinsifyLedgerRow {
        login_id,
        account_id,
        original_id: t.original_id.clone(),
        date: t.date,
        amount: format_minor(t.amount_minor),
        currency: currency.to_owned(),
        description: t.description.clone(),
        category: t.category.to_owned(),
        pending: t.settlement.is_some(),
        seen_on: t.seen_on,
    }
}
