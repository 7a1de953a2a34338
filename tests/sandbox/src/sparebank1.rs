//! # SpareBank 1 personal-client Open API, emulated
//!
//! One loopback server stands in for both `api-auth.sparebank1.no` (`/oauth/*`) and
//! `api.sparebank1.no` (`/personal/*`, `/common/*`). It follows `providers.md` §A:
//!
//! * OAuth 2 authorization code with a BankID step (an HTML page with "Log in"/"Cancel"),
//!   optional PKCE (S256), `finInst`, exact redirect-URI matching, single-use short-lived codes,
//!   client authentication by HTTP Basic or form body, and rotating refresh tokens.
//! * The versioned vendor media type in `Accept` (406 otherwise), `Bearer` tokens (401 with a
//!   plain-text `Unauthorized` otherwise), the `errors` envelope, 429 with `Retry-After`.
//! * Accounts and transactions with the real field names: amounts as JSON numbers, dates as
//!   epoch milliseconds of Oslo midnight, `id`s that change every session, `nonUniqueId`s that
//!   may be all zeros, PENDING rows that come back BOOKED with different data.
//! * Three years of history: a current account with heavy card use (a 400-day window holds
//!   more rows than one answer may carry), a BSU account and a credit card, lived day by day
//!   (the ledger module tells how).
//!
//! Time is the [`SandboxClock`] in [`Sparebank1Config::clock`]: token lifetimes, the call
//! budget, "today" (Oslo), the RECENT/HISTORIC split and merchant enrichment all read it, so
//! tests move it instead of sleeping. The control contract of the crate docs is served under
//! `/_sandbox/`; faults are switched from Rust ([`Sparebank1Sandbox::inject`]) or over HTTP
//! (`POST /_sandbox/faults`); see [`Sparebank1Sandbox::describe`].
//!
//! ## Where providers.md is silent: the assumptions, each the harsher plausible one
//!
//! Rows per answer (the API has no paging):
//! * [inference] Without `rowLimit` an answer carries at most **1000** rows
//!   ([`Sparebank1Config::default_row_limit`]).
//! * [inference] `rowLimit` above **1000** ([`Sparebank1Config::max_row_limit`]) is lowered to
//!   1000 *silently*: a client learns that an answer was cut only by comparing its row count
//!   with a `rowLimit` of at most 1000 that it sent itself. `rowLimit` that is not a positive
//!   integer → 400.
//! * [inference] The cap applies to the whole answer, across every `accountKey` of the request:
//!   rows are ordered newest first (booking date, then the order the bank received them) and
//!   the oldest are dropped, even in the middle of a day. Nothing in the answer says it was cut.
//!
//! Dates and range (all refusals are 400 `INVALID_REQUEST_PARAMETER` in the error envelope):
//! * [inference] `fromDate`/`toDate` must be exactly `yyyy-MM-dd`.
//! * [inference] Without `toDate` the answer ends on the Oslo today; a `toDate` after the Oslo
//!   today is refused (a client in a time zone ahead of Oslo must not ask for "its" today).
//! * [inference] Without `fromDate` the answer starts 29 days before `toDate` (a 30-day window,
//!   as wide as RECENT), never before the lookback edge: a client that omits `fromDate` to mean
//!   "everything" gets one month.
//! * [inference] The bank serves **36 months** of history
//!   ([`Sparebank1Config::lookback_months`]): the earliest day served is the same calendar day
//!   36 months before the Oslo today. An explicit `fromDate` before it is refused (the message
//!   names the earliest date). As days pass, the oldest rows fall off the edge; they are no
//!   longer served and leave the oracle too.
//! * [inference] `fromDate` after `toDate` is refused.
//!
//! Sources and partial failures:
//! * [inference] RECENT is the bank's not-yet-archived store: every PENDING row, and BOOKED rows
//!   the bank has held for fewer than 30 days (counted from the day the row first appeared,
//!   which for a late row is after its date). HISTORIC holds the older booked rows. A row's
//!   `source` moves from RECENT to HISTORIC as it ages.
//! * [inference] RECENT rows carry no `remoteAccountNumber`/`remoteAccountName` (providers.md:
//!   "RECENT rows can lack remoteAccountNumber"); they appear once the row is archived.
//! * [inference] `errors: ["RECENT_TRANSACTIONS_FAILED"]` (HTTP 200): the RECENT store did not
//!   answer, so every RECENT row (pending rows and the last 30 days' booked rows) is missing
//!   from the answer; HISTORIC rows are there. Only requests that consult RECENT
//!   (`source` RECENT or ALL) can get it.
//! * [inference] `errors: ["CREDIT_ACCOUNTS_FAILED"]` (HTTP 200): every credit-card row is
//!   missing from a transaction answer, and the credit card is missing from the account list.
//!   Only requests that involve a credit card can get it.
//! * Only these two documented codes are ever sent.
//!
//! What changes between sessions and over time (the composite key `accountKey`, `date`,
//! `amount`, `description`, `nonUniqueId` of a BOOKED row never changes):
//! * [inference] A session is one access token: every code exchange *and every refresh* starts
//!   a new one. Per session: `id`, `detailsUrl` (it embeds the id; the details endpoint only
//!   knows ids of its own session), `classificationInput.id`,
//!   `creditCardIdentifiers.partitionKey` (which also differs between RECENT and HISTORIC).
//! * [inference] Merchant enrichment arrives 2 days after a booked row appears: until then
//!   `merchant` is null and `cleanedDescription` is the mechanical cleaning of the raw text
//!   ("Rema 1000 Grunerlokka"), afterwards the merchant's name ("Rema 1000 Grünerløkka").
//! * [inference] Card purchases (and Vipps payments) arrive PENDING and settle 1–3 days later
//!   as a *new* BOOKED row: new `id`, dated the settlement day, booked description, a real
//!   `nonUniqueId`. Pay-at-pump fuel (hold 1500.00) and hotel holds (2500.00) book the real
//!   bill; about 3% of purchases are cancelled and vanish. Salary, giro and transfers book at
//!   once.
//! * [inference] Rows from offline terminals (ferry crossings) arrive 2–5 days after their
//!   date, inside days a client has already synced.
//!
//! Call budget:
//! * [inference] **60 API calls per client per rolling hour** by the sandbox clock
//!   ([`Sparebank1Config::call_budget`]); the next call gets 429 `TOO_MANY_REQUESTS` with
//!   `Retry-After` = whole seconds until the oldest counted call leaves the window. Every
//!   authenticated call under `/personal/` counts, whatever its answer (400 and 406 too);
//!   refused calls, unauthenticated calls, `/common/helloworld` and `/oauth/token` do not.
//!
//! Sandbox time:
//! * [inference] Moving the clock alone ages what exists (tokens expire, rows turn HISTORIC,
//!   enrichment arrives, the lookback edge moves); only `POST /_sandbox/advance` (or
//!   [`Sparebank1Sandbox::advance`]) makes the bank *live* days: new rows, settlements, late
//!   rows.
//!
//! The oracle (`/_sandbox/oracle/*`): `account` is the `accountKey`, `description` is the wire
//! `description` (the raw bank text, stable once booked; never `cleanedDescription`, which
//! changes with enrichment), `stable_id` is always `None` (the bank has no stable row id), and
//! only rows inside the lookback window are listed.

mod api;
mod browser;
mod control;
mod json;
mod ledger;
mod oauth;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

pub use browser::{approve_in_browser, BrowseError};

use crate::clock::SandboxClock;
use crate::contract::{ContractBank, RequestLog, Server};
use crate::oracle::{OracleAccount, OracleRow, RecordedRequest};

/// A budget of API calls per client over a rolling window of sandbox time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallBudget {
    pub calls: u32,
    pub window: Duration,
}

/// How the sandbox behaves. [`Default`] gives the documented (or inferred) values.
#[derive(Debug, Clone)]
pub struct Sparebank1Config {
    /// The one registered client.
    pub client_id: String,
    pub client_secret: String,
    /// Redirect URIs registered for the client; `redirect_uri` must equal one of them exactly.
    pub redirect_uris: Vec<String>,
    pub access_token_ttl: Duration,
    pub code_ttl: Duration,
    /// Idle lifetime of a refresh token (each refresh issues a new one with a fresh idle window).
    pub refresh_token_ttl: Duration,
    /// When true, `/oauth/authorize` without `code_challenge` is refused. Either way, a code
    /// issued for a request that carried a challenge needs the matching `code_verifier`.
    pub require_pkce: bool,
    /// The sandbox's time. The seeded ledger ends on its Oslo today at start.
    pub clock: SandboxClock,
    pub seed: u64,
    /// Rows in an answer to a request without `rowLimit`.
    pub default_row_limit: u32,
    /// The largest `rowLimit` honoured; larger values are lowered to it without notice.
    pub max_row_limit: u32,
    /// How many months of history the bank serves (the earliest `fromDate` accepted is the same
    /// calendar day this many months before the Oslo today).
    pub lookback_months: u32,
    /// API calls allowed per client over a rolling window; `None` = unlimited.
    pub call_budget: Option<CallBudget>,
}

impl Default for Sparebank1Config {
    fn default() -> Self {
        Self {
            client_id: "sandbox-client".to_owned(),
            client_secret: "sandbox-secret".to_owned(),
            redirect_uris: vec!["http://127.0.0.1:8321/callback/sparebank1".to_owned()],
            access_token_ttl: Duration::from_secs(600),
            code_ttl: Duration::from_secs(120),
            refresh_token_ttl: Duration::from_secs(30 * 24 * 3600),
            require_pkce: false,
            clock: SandboxClock::system(),
            seed: 1,
            default_row_limit: 1000,
            max_row_limit: 1000,
            lookback_months: 36,
            call_budget: Some(CallBudget {
                calls: 60,
                window: Duration::from_secs(3600),
            }),
        }
    }
}

/// The partial failures the bank documents, as they appear in `errors`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Sparebank1PartialError {
    /// The RECENT source failed: pending rows and the last 30 days' booked rows are missing.
    RecentTransactionsFailed,
    /// The credit-card backend failed: credit-card rows (and the card account) are missing.
    CreditAccountsFailed,
}

impl Sparebank1PartialError {
    /// The code on the wire.
    pub fn code(self) -> &'static str {
        match self {
            Sparebank1PartialError::RecentTransactionsFailed => "RECENT_TRANSACTIONS_FAILED",
            Sparebank1PartialError::CreditAccountsFailed => "CREDIT_ACCOUNTS_FAILED",
        }
    }
}

/// A switchable misbehaviour. Serialised with a `kind` tag, e.g.
/// `{"kind":"rate_limit","requests":2,"retry_after_secs":30}` or `{"kind":"expire_access_tokens"}`.
///
/// Faults with `requests` are budgets: each request they apply to uses one. The two token
/// faults are one-off events, not budgets: they act when injected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Sparebank1Fault {
    /// The next `requests` API calls get 429 with `Retry-After: retry_after_secs`.
    RateLimit {
        requests: u32,
        retry_after_secs: u64,
    },
    /// The next `requests` API calls get 500 with the error envelope.
    ServerError { requests: u32 },
    /// The next `requests` transaction calls get 200 with a truncated JSON body.
    MalformedJson { requests: u32 },
    /// The next `requests` transaction calls lack `field` in their first row.
    MissingField { field: String, requests: u32 },
    /// The next `requests` transaction calls carry one amount with a binary-float tail.
    FloatAmount { requests: u32 },
    /// Every access token issued so far stops working (401).
    ExpireAccessTokens,
    /// Every refresh token issued so far dies (`invalid_grant`).
    RevokeRefreshTokens,
    /// The next `requests` calls the failure applies to answer 200 with `errors: [error]` and
    /// without the rows (or the card account) the failed part holds; see the module docs.
    PartialFailure {
        error: Sparebank1PartialError,
        requests: u32,
    },
    /// The next `requests` token requests get a 200 `text/html` page instead of JSON.
    TokenEndpointHtml { requests: u32 },
    /// Hostile: the next `requests` token answers (code or refresh grants) give every token
    /// a lifetime of 10^13 seconds.
    AbsurdTokenLifetime { requests: u32 },
    /// Hostile: the next `requests` transaction calls are answered only after `secs` seconds
    /// (a bank that stalls; real time, since the client's timeout is real time).
    Stall { requests: u32, secs: u64 },
    /// Hostile: the next `requests` transaction calls answer 200 with a valid JSON body of
    /// `bytes` bytes (the rows followed by whitespace), its length announced in
    /// `Content-Length`.
    HugeBody { requests: u32, bytes: u64 },
    /// Hostile: the next `requests` transaction calls answer 200 with a chunked body that never
    /// ends (`{"transactions":[` and whitespace, for ever, as fast as the client reads).
    EndlessBody { requests: u32 },
    /// Hostile: the next `requests` transaction calls date their first row 10000-01-01 (the
    /// epoch-ms number is accepted by the bank's format).
    FarFutureDate { requests: u32 },
    /// Hostile: the next `requests` transaction calls give their first row an amount near
    /// `i64::MAX` minor units (92233720368547758.07).
    HugeAmount { requests: u32 },
    /// The next `requests` token answers carry an access and a refresh token of `chars`
    /// characters each (real banks issue JWTs of several kilobytes). The token-rotation
    /// disk-full test uses it so that saving the rotated pair needs more room than taking the
    /// refresh lock did.
    LongTokens { requests: u32, chars: usize },
}

/// Counters, for tests.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Sparebank1Stats {
    /// Every `GET /oauth/authorize`.
    pub authorize_requests: u64,
    /// Authorization codes handed out (approved logins).
    pub codes_issued: u64,
    /// Every `POST /oauth/token`, by `grant_type` (as sent; `""` when missing).
    pub token_requests: BTreeMap<String, u64>,
    /// Successful refresh-token grants.
    pub refreshes: u64,
    /// Every request under `/personal/` and `/common/`.
    pub api_calls: u64,
    /// Responses with status 429 (the call budget's and the `rate_limit` fault's).
    pub rate_limited: u64,
    /// 429s from the call budget alone.
    pub budget_refusals: u64,
    /// The call budget: calls allowed per window (`None` = unlimited).
    pub budget_calls: Option<u32>,
    /// The call budget's window in seconds.
    pub budget_window_secs: Option<u64>,
    /// Calls counted in the current window, per client id.
    pub budget_used: BTreeMap<String, u32>,
    /// How the last successfully authenticated token request authenticated the client:
    /// `"basic"` or `"form"`.
    pub last_client_auth: Option<String>,
}

/// One row as the bank holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LedgerRow {
    pub account_key: String,
    pub account_number: String,
    /// The Oslo calendar day.
    pub date: chrono::NaiveDate,
    /// Exact decimal text with two decimals, e.g. `"-59.90"`.
    pub amount: String,
    pub currency: String,
    pub description: String,
    pub booked: bool,
    /// The Oslo day the bank first showed the row (after `date` for a late row).
    pub arrived: chrono::NaiveDate,
}

/// One account as the bank holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AccountRow {
    pub key: String,
    pub account_number: String,
    pub name: String,
    pub currency: String,
    /// Opening amount + every booked row, two decimals.
    pub balance: String,
    /// `balance` + pending rows (+ the credit limit for the credit card), two decimals.
    pub available_balance: String,
    /// The wire `type`: `CURRENT`, `BSU` or `CREDITCARD`.
    pub kind: String,
}

/// Handle to a running sandbox. Cheap to clone; dropping it leaves the server running
/// (call [`Sparebank1Sandbox::shutdown`] to stop it).
#[derive(Clone)]
pub struct Sparebank1Sandbox {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for Sparebank1Sandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sparebank1Sandbox")
            .field("base_url", &self.base_url())
            .finish()
    }
}

impl Sparebank1Sandbox {
    /// Binds 127.0.0.1:`port` (0 = any free port) and serves on a spawned tokio task.
    pub async fn start(config: Sparebank1Config, port: u16) -> std::io::Result<Sparebank1Sandbox> {
        let listener = crate::bind_loopback(port).await?;
        let port = listener.local_addr()?.port();
        let shared = Arc::new(Shared::new(config, port));
        let app = router(shared.clone());
        let server = Server::spawn(listener, app, "sparebank1");
        // Only ever set here, right after the Arc was made.
        let _ = shared.server.set(server);
        tracing::info!("sparebank1 sandbox on http://127.0.0.1:{port}");
        Ok(Sparebank1Sandbox { shared })
    }

    /// `http://127.0.0.1:PORT`; `/oauth/*`, `/personal/*` and `/common/*` all live here.
    pub fn base_url(&self) -> String {
        self.shared.base_url()
    }

    /// Human-readable instructions for standalone use.
    pub fn describe(&self) -> String {
        control::describe(&self.shared)
    }

    /// Registers one more exact redirect URI for the client.
    pub fn register_redirect_uri(&self, uri: &str) {
        let mut st = self.shared.lock();
        if !st.redirect_uris.iter().any(|u| u == uri) {
            st.redirect_uris.push(uri.to_owned());
        }
    }

    pub fn inject(&self, fault: Sparebank1Fault) {
        self.shared.lock().inject(fault);
    }

    pub fn clear_faults(&self) {
        self.shared.lock().faults = Faults::default();
    }

    /// The sandbox's clock (a clone: moving it moves the sandbox's time).
    pub fn clock(&self) -> SandboxClock {
        self.shared.config.clock.clone()
    }

    /// The Oslo calendar day of the sandbox clock.
    pub fn today(&self) -> NaiveDate {
        self.shared.today()
    }

    /// The earliest day the bank serves now (the lookback edge).
    pub fn earliest_date(&self) -> NaiveDate {
        self.shared.earliest()
    }

    /// The bank lives `days` more days; the clock moves forward by as many days. Each new day
    /// brings new rows; pending rows settle (some with another amount, some cancelled); a few
    /// rows arrive late, dated inside days already past.
    pub fn advance(&self, days: u32) {
        self.shared.advance_days(days);
    }

    /// Every row the bank holds now, pending and booked (also any older than the lookback
    /// edge), ordered by account then date.
    pub fn ledger(&self) -> Vec<LedgerRow> {
        self.shared.lock().ledger_rows()
    }

    pub fn accounts(&self) -> Vec<AccountRow> {
        self.shared.lock().account_rows()
    }

    /// What the bank serves now, in the oracle's terms (see the module docs).
    pub fn oracle_ledger(&self) -> Vec<OracleRow> {
        self.shared.oracle_ledger()
    }

    pub fn oracle_accounts(&self) -> Vec<OracleAccount> {
        self.shared.oracle_accounts()
    }

    /// Every request received outside `/_sandbox`, oldest first.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.log.snapshot()
    }

    pub fn clear_requests(&self) {
        self.shared.log.clear();
    }

    /// Every PENDING row settles now, as the bank would settle it: most come back BOOKED with
    /// different data (booked texts, a booking date up to three days later but never after
    /// today, a new id, a real nonUniqueId; fuel and hotel holds with the real bill), and the
    /// ones destined to be cancelled vanish. Balances follow.
    pub fn book_pending(&self) {
        self.shared.lock().ledger.settle_all_pending();
    }

    /// Adds a row. `account_key` may also be the account number; `amount` is decimal text with
    /// at most two decimals (`"-59.90"`). The row arrives on the ledger's today, so a row dated
    /// earlier is a late row. A pending row settles two days later.
    ///
    /// # Panics
    /// On an unknown account or an unparsable amount: this is a test helper and a typo there
    /// must not pass silently.
    pub fn add_transaction(
        &self,
        account_key: &str,
        date: chrono::NaiveDate,
        amount: &str,
        description: &str,
        pending: bool,
    ) {
        let result =
            self.shared
                .lock()
                .add_transaction(account_key, date, amount, description, pending);
        if let Err(e) = result {
            panic!("Sparebank1Sandbox::add_transaction: {e}");
        }
    }

    /// Starts a new "session" for every client: every transaction `id` (and every other
    /// session-bound field) changes, for tokens already issued too.
    pub fn rotate_ids(&self) {
        self.shared.lock().id_generation += 1;
    }

    pub fn stats(&self) -> Sparebank1Stats {
        self.shared.stats()
    }

    /// Every authorization code, access token and refresh token ever issued.
    pub fn issued_secrets(&self) -> Vec<String> {
        self.shared.lock().issued.clone()
    }

    /// Stops the server (open connections finish their current request).
    pub fn shutdown(&self) {
        if let Some(server) = self.shared.server.get() {
            server.shutdown();
        }
    }

    /// Resolves once the server has stopped and its port is closed.
    pub async fn stopped(&self) {
        if let Some(server) = self.shared.server.get() {
            server.stopped().await;
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Shared state

pub(crate) struct Shared {
    pub(crate) config: Sparebank1Config,
    pub(crate) port: u16,
    server: OnceLock<Server>,
    log: RequestLog,
    state: Mutex<State>,
}

impl Shared {
    fn new(config: Sparebank1Config, port: u16) -> Self {
        let today = config.clock.today_in(ledger::OSLO);
        let ledger = ledger::Ledger::seeded(config.seed, today, config.lookback_months);
        let state = State {
            redirect_uris: config.redirect_uris.clone(),
            ledger,
            faults: Faults::default(),
            login_requests: HashMap::new(),
            codes: HashMap::new(),
            access_tokens: HashMap::new(),
            refresh_tokens: HashMap::new(),
            issued: Vec::new(),
            stats: Sparebank1Stats::default(),
            budget: HashMap::new(),
            id_generation: 0,
            next_session: 1,
        };
        Self {
            log: RequestLog::new(config.clock.clone()),
            config,
            port,
            server: OnceLock::new(),
            state: Mutex::new(state),
        }
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub(crate) fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub(crate) fn now(&self) -> DateTime<Utc> {
        self.config.clock.now()
    }

    /// The Oslo calendar day of the sandbox clock.
    pub(crate) fn today(&self) -> NaiveDate {
        self.config.clock.today_in(ledger::OSLO)
    }

    /// The earliest day served now.
    pub(crate) fn earliest(&self) -> NaiveDate {
        ledger::lookback_edge(self.today(), self.config.lookback_months)
    }

    fn stats(&self) -> Sparebank1Stats {
        let now = self.now();
        let mut st = self.lock();
        let mut stats = st.stats.clone();
        if let Some(budget) = self.config.call_budget {
            stats.budget_calls = Some(budget.calls);
            stats.budget_window_secs = Some(budget.window.as_secs());
            let window = crate::contract::chrono_duration(budget.window);
            for (client, calls) in &mut st.budget {
                while calls.front().is_some_and(|&at| at + window <= now) {
                    calls.pop_front();
                }
                stats.budget_used.insert(
                    client.clone(),
                    u32::try_from(calls.len()).unwrap_or(u32::MAX),
                );
            }
        }
        stats
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
        self.lock().ledger.live_until(today);
    }

    fn oracle_ledger(&self) -> Vec<OracleRow> {
        let earliest = self.earliest();
        let st = self.lock();
        let l = &st.ledger;
        // A move between two of the customer's accounts names the other one's number
        // (`remoteAccountNumber`); both halves get the same key: day, from, to, size.
        let own: std::collections::HashSet<&str> =
            l.accounts.iter().map(|a| a.number.as_str()).collect();
        let own_transfer = |t: &ledger::Txn, a: &ledger::Account| {
            let remote = t.remote_account_number.as_deref()?;
            if !own.contains(remote) || !t.booked {
                return None;
            }
            let (from, to) = if t.amount < 0 {
                (a.number.as_str(), remote)
            } else {
                (remote, a.number.as_str())
            };
            Some(format!("{} {from}>{to} {}", t.date, t.amount.abs()))
        };
        let mut rows: Vec<(usize, NaiveDate, u64, OracleRow)> = l
            .txns
            .iter()
            .filter(|t| t.date >= earliest)
            .filter_map(|t| {
                let a = l.accounts.get(t.account)?;
                Some((
                    t.account,
                    t.date,
                    t.serial,
                    OracleRow {
                        account: a.key.clone(),
                        account_name: a.name.clone(),
                        date: t.date,
                        amount: json::ore_text(t.amount),
                        currency: "NOK".to_owned(),
                        description: t.description.clone(),
                        status: if t.booked { "booked" } else { "pending" }.to_owned(),
                        stable_id: None,
                        own_transfer: own_transfer(t, a),
                    },
                ))
            })
            .collect();
        rows.sort_by_key(|r| (r.0, r.1, r.2));
        rows.into_iter().map(|r| r.3).collect()
    }

    fn oracle_accounts(&self) -> Vec<OracleAccount> {
        let st = self.lock();
        let l = &st.ledger;
        l.accounts
            .iter()
            .enumerate()
            .map(|(i, a)| OracleAccount {
                account: a.key.clone(),
                name: a.name.clone(),
                currency: "NOK".to_owned(),
                balance: json::ore_text(l.balance(i)),
                available: Some(json::ore_text(l.available(i))),
            })
            .collect()
    }
}

/// A BankID page shown but not yet answered.
#[derive(Debug, Clone)]
pub(crate) struct LoginRequest {
    pub redirect_uri: String,
    pub state: String,
    pub scope: String,
    pub code_challenge: Option<String>,
    pub created: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub(crate) struct CodeGrant {
    pub client_id: String,
    pub redirect_uri: String,
    pub scope: String,
    pub code_challenge: Option<String>,
    pub expires: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub(crate) struct AccessGrant {
    pub client_id: String,
    pub session: u64,
    pub expires: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub(crate) struct RefreshGrant {
    pub client_id: String,
    pub scope: String,
    pub idle_expires: DateTime<Utc>,
    pub absolute_expires: DateTime<Utc>,
}

/// Remaining fault budgets.
#[derive(Debug, Clone, Default)]
pub(crate) struct Faults {
    pub rate_limit: u32,
    pub retry_after_secs: u64,
    pub server_error: u32,
    pub malformed_json: u32,
    pub missing_field: Option<(String, u32)>,
    pub float_amount: u32,
    pub partial_failure: Option<(Sparebank1PartialError, u32)>,
    pub token_html: u32,
    pub stall: Option<(u32, u64)>,
    pub absurd_token_lifetime: u32,
    pub huge_body: Option<(u32, u64)>,
    pub endless_body: u32,
    pub far_future_date: u32,
    pub huge_amount: u32,
    pub long_tokens: Option<(u32, usize)>,
}

/// Takes one unit from a budget; true if there was one.
pub(crate) fn take(budget: &mut u32) -> bool {
    if *budget > 0 {
        *budget -= 1;
        true
    } else {
        false
    }
}

pub(crate) struct State {
    pub redirect_uris: Vec<String>,
    pub ledger: ledger::Ledger,
    pub faults: Faults,
    pub login_requests: HashMap<String, LoginRequest>,
    pub codes: HashMap<String, CodeGrant>,
    pub access_tokens: HashMap<String, AccessGrant>,
    pub refresh_tokens: HashMap<String, RefreshGrant>,
    pub issued: Vec<String>,
    pub stats: Sparebank1Stats,
    /// Per client id: when each call of the current budget window was made, oldest first.
    pub budget: HashMap<String, VecDeque<DateTime<Utc>>>,
    /// Bumped by `rotate_ids`; part of every session-bound value.
    pub id_generation: u64,
    /// Every access token starts a new session (and so new ids).
    pub next_session: u64,
}

impl State {
    fn inject(&mut self, fault: Sparebank1Fault) {
        let f = &mut self.faults;
        match fault {
            Sparebank1Fault::RateLimit {
                requests,
                retry_after_secs,
            } => {
                f.rate_limit = requests;
                f.retry_after_secs = retry_after_secs;
            }
            Sparebank1Fault::ServerError { requests } => f.server_error = requests,
            Sparebank1Fault::MalformedJson { requests } => f.malformed_json = requests,
            Sparebank1Fault::MissingField { field, requests } => {
                f.missing_field = Some((field, requests));
            }
            Sparebank1Fault::FloatAmount { requests } => f.float_amount = requests,
            Sparebank1Fault::ExpireAccessTokens => self.access_tokens.clear(),
            Sparebank1Fault::RevokeRefreshTokens => self.refresh_tokens.clear(),
            Sparebank1Fault::PartialFailure { error, requests } => {
                f.partial_failure = Some((error, requests));
            }
            Sparebank1Fault::TokenEndpointHtml { requests } => f.token_html = requests,
            Sparebank1Fault::HugeBody { requests, bytes } => f.huge_body = Some((requests, bytes)),
            Sparebank1Fault::EndlessBody { requests } => f.endless_body = requests,
            Sparebank1Fault::Stall { requests, secs } => f.stall = Some((requests, secs)),
            Sparebank1Fault::AbsurdTokenLifetime { requests } => {
                f.absurd_token_lifetime = requests;
            }
            Sparebank1Fault::FarFutureDate { requests } => f.far_future_date = requests,
            Sparebank1Fault::HugeAmount { requests } => f.huge_amount = requests,
            Sparebank1Fault::LongTokens { requests, chars } => {
                f.long_tokens = Some((requests, chars));
            }
        }
    }

    /// Takes one use of the partial failure if it is `error`.
    pub(crate) fn take_partial(&mut self, error: Sparebank1PartialError) -> bool {
        let taken = match self.faults.partial_failure.as_mut() {
            Some((e, n)) if *e == error => take(n),
            _ => false,
        };
        if matches!(self.faults.partial_failure, Some((_, 0))) {
            self.faults.partial_failure = None;
        }
        taken
    }

    /// A new session number for a new access token.
    pub(crate) fn new_session(&mut self) -> u64 {
        let session = self.next_session;
        self.next_session += 1;
        session
    }

    fn ledger_rows(&self) -> Vec<LedgerRow> {
        let l = &self.ledger;
        let mut rows: Vec<(usize, chrono::NaiveDate, u64, LedgerRow)> = l
            .txns
            .iter()
            .filter_map(|t| {
                let a = l.accounts.get(t.account)?;
                Some((
                    t.account,
                    t.date,
                    t.serial,
                    LedgerRow {
                        account_key: a.key.clone(),
                        account_number: a.number.clone(),
                        date: t.date,
                        amount: json::ore_text(t.amount),
                        currency: "NOK".to_owned(),
                        description: t.description.clone(),
                        booked: t.booked,
                        arrived: t.arrived,
                    },
                ))
            })
            .collect();
        rows.sort_by_key(|r| (r.0, r.1, r.2));
        rows.into_iter().map(|r| r.3).collect()
    }

    fn account_rows(&self) -> Vec<AccountRow> {
        let l = &self.ledger;
        l.accounts
            .iter()
            .enumerate()
            .map(|(i, a)| AccountRow {
                key: a.key.clone(),
                account_number: a.number.clone(),
                name: a.name.clone(),
                currency: "NOK".to_owned(),
                balance: json::ore_text(l.balance(i)),
                available_balance: json::ore_text(l.available(i)),
                kind: a.kind.wire_type().to_owned(),
            })
            .collect()
    }

    fn add_transaction(
        &mut self,
        account_key: &str,
        date: chrono::NaiveDate,
        amount: &str,
        description: &str,
        pending: bool,
    ) -> Result<(), String> {
        let account = self
            .ledger
            .account_index(account_key)
            .ok_or_else(|| format!("unknown account {account_key:?}"))?;
        let ore = json::parse_ore(amount)
            .ok_or_else(|| format!("amount {amount:?} is not decimal text with ≤ 2 decimals"))?;
        self.ledger.add(account, date, ore, description, pending);
        Ok(())
    }
}

/// 32 random bytes as 64 hex characters: codes, tokens.
pub(crate) fn random_secret() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn router(shared: Arc<Shared>) -> axum::Router {
    use axum::routing::{get, post};
    let log = shared.log.clone();
    axum::Router::new()
        .route("/oauth/authorize", get(oauth::authorize))
        .route("/oauth/authorize/approve", post(oauth::approve))
        .route("/oauth/token", post(oauth::token))
        .route("/oauth/logout", get(oauth::logout))
        .route("/personal/banking/accounts", get(api::accounts))
        .route(
            "/personal/banking/accounts/default",
            get(api::default_account),
        )
        .route("/personal/banking/accounts/{key}", get(api::account))
        .route("/personal/banking/transactions", get(api::transactions))
        .route(
            "/personal/banking/transactions/classified",
            get(api::classified),
        )
        .route(
            "/personal/banking/transactions/{id}/details",
            get(api::details),
        )
        .route("/common/helloworld", get(api::helloworld))
        .merge(control::routes())
        .merge(crate::contract::routes::<Shared>())
        .fallback(api::not_found)
        .method_not_allowed_fallback(api::method_not_allowed)
        .layer(axum::middleware::from_fn_with_state(
            log,
            crate::contract::record,
        ))
        .with_state(shared)
}
