//! Everything the sandbox remembers: the one e-banking user, login sessions, access tokens,
//! the books, queued faults, counters and the request log.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

use chrono::{DateTime, Utc};
use tokio::sync::watch;

use super::json::{decimal_text, parse_decimal};
use super::ledger::{Entry, Ledger, Row};
use super::time::{sofia_day, start_of, wire};
use super::{
    AdvanceReport, FibankAccount, FibankConfig, FibankEntry, FibankError, FibankFault, FibankStats,
    FibankUser, NewEntry,
};
use crate::clock::SandboxClock;
use crate::oracle::RecordedRequest;

/// State shared by the server task and every handle.
pub(crate) struct Shared {
    pub config: FibankConfig,
    pub clock: SandboxClock,
    /// `http://127.0.0.1:PORT`.
    pub origin: String,
    pub stop: watch::Sender<bool>,
    inner: Mutex<Inner>,
}

impl Shared {
    pub(crate) fn new(config: FibankConfig, origin: String) -> (Self, watch::Receiver<bool>) {
        let (stop, stopped) = watch::channel(false);
        let clock = config.clock.clone();
        let ledger = Ledger::new(
            config.seed,
            clock.now(),
            config.history_days,
            config.card_account,
        );
        let user = User {
            username: config.username.clone(),
            password: config.password.clone(),
            failed_attempts: 0,
            locked: false,
            customer_id: 1_040_000 + i64::try_from(config.seed % 10_000).unwrap_or(0),
        };
        let inner = Inner {
            ledger,
            user,
            sessions: HashMap::new(),
            tokens: HashMap::new(),
            faults: Vec::new(),
            stats: FibankStats::default(),
            requests: Vec::new(),
            next_request: 1,
            issued_tokens: Vec::new(),
        };
        (
            Self {
                config,
                clock,
                origin,
                stop,
                inner: Mutex::new(inner),
            },
            stopped,
        )
    }

    /// The state lock. A panic while holding it cannot leave anything half-updated that
    /// matters to a test sandbox, so poisoning is ignored.
    pub(crate) fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The lock, with the books brought up to the clock's now.
    pub(crate) fn books(&self) -> MutexGuard<'_, Inner> {
        let now = self.clock.now();
        let mut inner = self.lock();
        inner.ledger.catch_up(now);
        inner
    }
}

// ---------------------------------------------------------------------------------------------
// Operations shared by the handle and the control routes

impl Shared {
    /// The bank lives `days` more days: the clock moves, each new day's rows are booked, and
    /// each new day also books one late row dated 1–3 days before the old "today".
    pub(crate) fn advance(&self, days: u32) -> AdvanceReport {
        let mut inner = self.lock();
        let before = self.clock.now();
        inner.ledger.catch_up(before);
        self.clock.advance(chrono::Duration::days(i64::from(days)));
        let now = self.clock.now();
        let booked = inner.ledger.entries.len();
        inner.ledger.catch_up(now);
        let new_rows = inner.ledger.entries.len() - booked;
        let mut late_rows = 0;
        let today = sofia_day(before);
        for offset in 1..=days {
            let day = today + chrono::Duration::days(i64::from(offset));
            if inner.ledger.add_late(day, before).is_some() {
                late_rows += 1;
            }
        }
        AdvanceReport {
            now,
            new_rows,
            late_rows,
        }
    }

    pub(crate) fn entries(&self) -> Vec<FibankEntry> {
        let inner = self.books();
        inner
            .ledger
            .entries
            .iter()
            .filter_map(|e| entry_view(&inner.ledger, e))
            .collect()
    }

    pub(crate) fn add_entry(&self, new: NewEntry) -> Result<FibankEntry, FibankError> {
        let mut inner = self.books();
        let now = self.clock.now();
        let ledger = &inner.ledger;
        let account = ledger
            .account_by_iban(&new.iban)
            .ok_or_else(|| FibankError::UnknownIban(new.iban.clone()))?;
        let opened = ledger
            .accounts
            .get(account)
            .filter(|a| a.has_statement())
            .map(|a| a.opened)
            .ok_or_else(|| FibankError::NoStatement(new.iban.clone()))?;
        let signed = parse_decimal(&new.amount)
            .filter(|minor| *minor != 0)
            .ok_or_else(|| FibankError::BadAmount(new.amount.clone()))?;
        let at = new.date_time.with_timezone(&Utc);
        if at > now {
            return Err(FibankError::InTheFuture(wire(at)));
        }
        if at < start_of(opened) {
            return Err(FibankError::BeforeHistory(wire(at)));
        }
        let debit = signed < 0;
        let row = Row {
            account,
            at,
            value_date: new.value_date.unwrap_or_else(|| sofia_day(at)),
            minor: signed.abs(),
            debit,
            reference: new.reference.unwrap_or_default(),
            trname: new.trname,
            trn_type: if debit { "TRO" } else { "TRI" }.to_owned(),
            trn_code: "MAN".to_owned(),
            contragent: None,
            ben_order_party: None,
            trn_account: None,
            rem: [new.rem_i, None, None],
            is_ebank_oper: false,
            is_payment: debit,
        };
        let entry = inner.ledger.add(row);
        entry_view(&inner.ledger, &entry).ok_or(FibankError::UnknownIban(new.iban))
    }

    pub(crate) fn accounts_of(&self, inner: &Inner) -> Vec<FibankAccount> {
        let ledger = &inner.ledger;
        ledger
            .accounts
            .iter()
            .enumerate()
            .map(|(index, a)| FibankAccount {
                iban: a.iban.clone(),
                name: a.ac_desc.to_owned(),
                description: a.description.to_owned(),
                currency: a.ccy.to_owned(),
                category: a.category.to_owned(),
                has_statement: a.has_statement(),
                history_from: a.opened,
                balance: decimal_text(ledger.balance(index)),
                available: decimal_text(ledger.available(index)),
                blocked: decimal_text(a.blocked_minor),
            })
            .collect()
    }

    pub(crate) fn user(&self) -> FibankUser {
        let inner = self.lock();
        FibankUser {
            username: inner.user.username.clone(),
            customer_id: inner.user.customer_id,
            locked: inner.user.locked,
            failed_attempts: inner.user.failed_attempts,
        }
    }

    /// Locks or unlocks the user; unlocking also forgets earlier wrong passwords.
    pub(crate) fn set_locked(&self, locked: bool) {
        let mut inner = self.lock();
        inner.user.locked = locked;
        if !locked {
            inner.user.failed_attempts = 0;
        }
    }

    pub(crate) fn set_password(&self, password: &str) -> Result<(), FibankError> {
        if password.is_empty() {
            return Err(FibankError::EmptyPassword);
        }
        self.lock().user.password = password.to_owned();
        Ok(())
    }
}

fn entry_view(ledger: &Ledger, entry: &Entry) -> Option<FibankEntry> {
    let account = ledger.accounts.get(entry.row.account)?;
    Some(FibankEntry {
        sr_no: entry.sr_no,
        iban: account.iban.clone(),
        currency: account.ccy.to_owned(),
        at: entry.row.at,
        date_time: wire(entry.row.at),
        value_date: entry.row.value_date,
        amount: decimal_text(entry.row.signed()),
        dtkt: if entry.row.debit { "DT" } else { "KT" }.to_owned(),
        reference: entry.row.reference.clone(),
        trn_type: entry.row.trn_type.clone(),
        trname: entry.row.trname.clone(),
        rem_i: entry.row.rem[0].clone(),
        description: entry.row.description(),
        late: entry.late,
    })
}

/// The one e-banking user of this sandbox.
pub(crate) struct User {
    pub username: String,
    pub password: String,
    /// Consecutive wrong passwords since the last good login or unlock.
    pub failed_attempts: u32,
    pub locked: bool,
    pub customer_id: i64,
}

/// The OAuth2 authorize request a session remembers while its user logs in.
#[derive(Debug, Clone)]
pub(crate) struct SavedAuthorize {
    /// The query string as received, replayed in the post-login redirect.
    pub query: String,
    pub redirect_uri: String,
    pub state: String,
    pub scope: String,
}

/// A server-side session of the auth server (`JSESSIONID`), shared with the e-bank.
pub(crate) struct Session {
    pub csrf: String,
    pub last_seen: DateTime<Utc>,
    pub saved: Option<SavedAuthorize>,
    /// `(cookie value, userName)` from `fnGetCertsForLogin`.
    pub cert: Option<(String, String)>,
    /// Set once the user logged in.
    pub user: Option<String>,
}

pub(crate) struct Token {
    /// The session id the token was issued in; API calls must carry that `JSESSIONID`.
    pub session: String,
    pub expires: DateTime<Utc>,
}

pub(crate) struct Inner {
    pub ledger: Ledger,
    pub user: User,
    pub sessions: HashMap<String, Session>,
    pub tokens: HashMap<String, Token>,
    pub faults: Vec<FibankFault>,
    pub stats: FibankStats,
    pub requests: Vec<RecordedRequest>,
    next_request: u64,
    pub issued_tokens: Vec<String>,
}

/// Where a fault can strike.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum FaultSite {
    /// An `/EBank/api/v1` call that passed authentication and the header rules.
    ApiCall,
    /// A `GetCustBal` call with an `Iban`, after [`FaultSite::ApiCall`].
    Statement,
    /// A JSON success body about to be sent.
    JsonBody,
    /// The login page answered by `oauth/authorize`.
    LoginPage,
    /// The implicit-grant redirect that carries the token.
    TokenRedirect,
    /// A statement with at least one entry: its running balance.
    RunningBalance,
    /// A statement with at least one entry: its first entry's amount.
    AmountRow,
    /// A `GetCustBal` call with an `Iban`, before anything else (the hostile faults).
    StatementCall,
    /// A statement with at least one entry: its first entry's date (hostile).
    FarDateRow,
    /// A statement with at least one entry: its first entry's amount (hostile).
    HugeAmountRow,
}

fn applies(fault: &FibankFault, site: FaultSite) -> bool {
    match fault {
        FibankFault::ServerError { .. } => site == FaultSite::ApiCall,
        FibankFault::StatementError { .. } => site == FaultSite::Statement,
        FibankFault::MalformedJson { .. } => site == FaultSite::JsonBody,
        FibankFault::LoginPageWithoutCsrf { .. } => site == FaultSite::LoginPage,
        FibankFault::RedirectWithoutToken { .. } => site == FaultSite::TokenRedirect,
        FibankFault::BrokenRunningBalance { .. } => site == FaultSite::RunningBalance,
        FibankFault::AmountMismatch { .. } => site == FaultSite::AmountRow,
        FibankFault::ExpireTokens => false,
        FibankFault::Stall { .. }
        | FibankFault::HugeBody { .. }
        | FibankFault::EndlessBody { .. }
        | FibankFault::HtmlInOk { .. } => site == FaultSite::StatementCall,
        FibankFault::FarFutureDate { .. } => site == FaultSite::FarDateRow,
        FibankFault::HugeAmount { .. } => site == FaultSite::HugeAmountRow,
    }
}

fn budget(fault: &mut FibankFault) -> Option<&mut u32> {
    match fault {
        FibankFault::ServerError { requests }
        | FibankFault::StatementError { requests }
        | FibankFault::MalformedJson { requests }
        | FibankFault::LoginPageWithoutCsrf { requests }
        | FibankFault::RedirectWithoutToken { requests }
        | FibankFault::BrokenRunningBalance { requests }
        | FibankFault::AmountMismatch { requests }
        | FibankFault::Stall { requests, .. }
        | FibankFault::HugeBody { requests, .. }
        | FibankFault::EndlessBody { requests }
        | FibankFault::HtmlInOk { requests }
        | FibankFault::FarFutureDate { requests }
        | FibankFault::HugeAmount { requests } => Some(requests),
        FibankFault::ExpireTokens => None,
    }
}

impl Inner {
    /// Queues a fault; `ExpireTokens` acts at once instead.
    pub(crate) fn inject(&mut self, fault: FibankFault, now: DateTime<Utc>) {
        match fault {
            FibankFault::ExpireTokens => {
                for token in self.tokens.values_mut() {
                    token.expires = token.expires.min(now);
                }
            }
            mut other => {
                // A fault with no budget is inert; do not let it sit in the queue.
                if budget(&mut other).is_some_and(|left| *left > 0) {
                    self.faults.push(other);
                }
            }
        }
    }

    /// Takes one use of the first queued fault that applies to `site`.
    /// Takes one use of the first hostile fault queued for a statement call, and returns it.
    pub(crate) fn take_hostile(&mut self) -> Option<FibankFault> {
        let index = self
            .faults
            .iter()
            .position(|f| applies(f, FaultSite::StatementCall))?;
        let taken = self.faults.get(index).cloned();
        self.take_fault(FaultSite::StatementCall);
        taken
    }

    pub(crate) fn take_fault(&mut self, site: FaultSite) -> bool {
        let Some(index) = self.faults.iter().position(|f| applies(f, site)) else {
            return false;
        };
        let exhausted = match self.faults.get_mut(index).and_then(budget) {
            Some(left) => {
                *left = left.saturating_sub(1);
                *left == 0
            }
            None => true,
        };
        if exhausted {
            self.faults.remove(index);
        }
        true
    }

    pub(crate) fn record(&mut self, mut request: RecordedRequest) {
        request.seq = self.next_request;
        self.next_request += 1;
        self.requests.push(request);
    }
}

/// Random bytes as uppercase hex (Tomcat's session id style).
pub(crate) fn session_id() -> String {
    let bytes: [u8; 16] = rand::random();
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

/// A random (v4) UUID in canonical text form (Spring's CSRF tokens and access tokens).
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
