//! # Finsify Hub API v2 sandbox
//!
//! A local stand-in for `https://api.finsify.com/v2` (and for the catalogue at
//! `https://assets.finsify.com/service.json`), following `providers.md` §B:
//!
//! * every `/v2/*` API call carries `Client-Id` and exactly one of `Service-secret` /
//!   `App-secret`; login-scoped calls add `Login-secret`;
//! * success bodies are `{"data": …, "version": "v2"}`, failures
//!   `{"error": "<Name>", "message": "…", "extra": {…}}` with the documented status per name;
//! * money is a signed decimal string with two decimals (`"-61299.00"`), dates are `YYYY-MM-DD`;
//! * the connect dance: `POST /customer` → `POST /token` → hosted page at `connect_url` →
//!   302 to `callback_url` with the JSON result appended as one percent-encoded path segment;
//! * maintenance: `PUT /login/refresh` (throttled), `PUT /login/activate`,
//!   `PUT /login/deactivate` (answers `deActivate`), `POST /token/reconnect`, `DELETE /login`.
//!
//! Internally money is kept in integer minor units (hundredths); no floating point anywhere.
//! Time is the [`SandboxClock`] in [`FinsifyConfig::clock`]: connect-token expiry, the refresh
//! throttle, "today" (Asia/Ho_Chi_Minh) and the catalogue's `last_update` read it. The control
//! contract of the crate docs is served under `/_sandbox/`.
//!
//! Behaviour the documentation leaves open is listed here, each time the harsher plausible
//! reading:
//!
//! Credentials and bodies:
//! * [inference] A missing `Client-Id`, both secrets, neither secret, or a wrong secret value →
//!   400 `CredentialInvalid`; a `Client-Id` the sandbox does not know → 404 `ClientNotFound`.
//! * [inference] A missing `Login-secret` on a login-scoped call → 400 `BadRequest` with
//!   `extra.header`.
//! * [inference] A body that is present but not JSON, or sent with a `Content-Type` other than
//!   `application/json`, → 400 `ContentInputInvalid`. A JSON body without a `Content-Type` header
//!   is accepted. Bodiless `GET`/`PUT` calls are fine. Missing or mistyped fields → 400
//!   `DataInvalid` with `extra.field`.
//!
//! Connecting:
//! * [inference] A token is spent by the first form submission on its page, whether the user
//!   connects or cancels. An unknown token → 404 HTML page; an expired (30 minutes by the
//!   sandbox clock) or spent one → 400 HTML page naming `TokenExpire`; neither redirects.
//! * [inference] Cancel redirects to the callback with
//!   `{"status":"cancelled","login_id":null,"secret":null}`.
//! * [inference] If `callback_url` already ends in `/`, the JSON segment is appended without
//!   another slash.
//!
//! Logins:
//! * [inference] A login whose status is a failure (`login_wrong_credentials`,
//!   `login_password_expired`, `login_account_locked`) answers data calls and refresh with
//!   400 `LoginInvalid`, `extra: {"login_id", "status"}`. Reconnect, activate, deactivate and
//!   delete still work. A completed reconnect sets the status back to `active`.
//! * [inference] A deactivated login still serves `/account` and `/transaction`, but
//!   `/login/refresh` answers 400 `BadRequest` with `extra: {"login_id", "active": false}`.
//! * [inference] A refresh before `next_refresh_possible_at` (5 minutes after the last one, by
//!   the sandbox clock) → 400 `BadRequest` with `extra: {"login_id", "next_refresh_possible_at"}`.
//!   A fresh login may be refreshed at once.
//! * [inference] `DELETE /login {customer_id}` needs the login's own customer (else 404
//!   `CustomerNotFound`) and answers `{"data":{"id":…,"deleted":true},"version":"v2"}`; the
//!   secret dies at once.
//! * [inference] `activate`/`deactivate` answer without `version`, as the documentation's
//!   examples do; every other success carries `"version":"v2"`.
//!
//! What a login holds:
//! * [inference] Every service's login holds two VND accounts (current + credit card),
//!   whatever the service's country, with **three years and a month** (1126 days) of rows up to
//!   the day it was linked, rows throughout.
//! * [inference] The scraper also sees the bank's pending card authorisations, as ordinary rows
//!   (`GD THE CHO XU LY …`): one to three days later each is replaced by the posted row, with a
//!   *new* `original_id` and `id`, dated the posting day, with the statement text; one Grab
//!   fare in five posts with the tip added, and about one authorisation in thirty is released
//!   and vanishes. The wire has no status field, so nothing tells a client which rows are
//!   authorisations.
//! * [inference] Interbank transfers (`NAPAS CK tu …`) are sometimes posted late: dated two to
//!   four days before the day the scraper first sees them.
//! * [inference] Finsify categorises a row the day after it first scraped it: until then its
//!   `category` is `uncategorized`.
//! * [inference] An account's `balance` is its opening amount plus every row held now,
//!   authorisations included.
//!
//! `GET /transaction`:
//! * [inference] `account_id` is required (else 400 `DataInvalid`). `end_date` is a synonym of
//!   `to_date` (if both are sent, `to_date` wins). All bounds are inclusive. Rows come newest
//!   first, the whole range in one array (no paging, no row cap).
//! * [inference] A date parameter that is present must be exactly `YYYY-MM-DD` (empty counts as
//!   malformed) → else 400 `DataInvalid` with `extra.field`.
//! * [inference] `to_date` after today in Asia/Ho_Chi_Minh → 400 `DataInvalid`; without one the
//!   range ends today.
//! * [inference] `from_date` after `to_date` → 400 `DataInvalid`.
//! * [inference] **At most 731 days per request** (two years, inclusive;
//!   [`FinsifyConfig::max_span_days`]): a longer range → 400 `DataInvalid` with
//!   `extra: {"field", "max_days": 731}`. The documentation's own example asks for 426 days, so
//!   the limit must be longer than that; a scraping aggregator that pages through a bank's web
//!   statements has one, and two years is the harsh end of plausible.
//! * [inference] Without `from_date` (and without `timestamp`) the range is the longest allowed
//!   one, ending on `to_date`: a client that omits `from_date` to mean "everything" silently
//!   gets two of the three years.
//! * [inference] `timestamp` (epoch ms, Money Lover's undocumented incremental fetch) keeps rows
//!   dated on or after that instant's calendar day in Asia/Ho_Chi_Minh: a lower bound like
//!   `from_date` (with both, the later wins), under the same span rule. It filters by row date,
//!   so it misses rows posted late.
//!
//! Catalogue and the rest:
//! * [inference] `service.json`'s `last_update` is midnight (Asia/Ho_Chi_Minh) of the sandbox
//!   clock's today; `media_path` keeps the real asset host. Techcombank is service 8 (the id used
//!   by the documentation's examples, whose sample rows are `techcombank-…`) and Vietcombank is
//!   10; the other ids come from the 2024 catalogue capture.
//! * In the delayed-catalogue mode ([`FinsifyConfig::delay_catalogue`],
//!   [`FinsifySandbox::set_catalogue_delayed`]) `service.json` answers are held until released
//!   (`POST /_sandbox/catalogue/release`, [`FinsifySandbox::release_catalogue`]): a UI test can
//!   exercise its slow path without timing.
//! * [inference] Unknown paths → 404 `NotFound`; a known path with the wrong method → 405
//!   `BadRequest`.
//! * [inference] Moving the clock alone ages what exists (tokens expire, throttles lift,
//!   categories arrive, "today" moves); only `POST /_sandbox/advance` (or
//!   [`FinsifySandbox::advance`]) makes every live login's bank *live* days: new rows, posted
//!   and released authorisations, late rows.
//!
//! The oracle (`/_sandbox/oracle/*`) lists the accounts and rows of every login that is not
//! deleted: `account` is the Finsify account id as decimal text, `description` the wire
//! `description`, `stable_id` the `original_id`, and `status` always `booked` (what a faithful
//! client can show, since the wire has no status).

mod api;
mod browser;
mod catalogue;
mod connect;
mod control;
mod ledger;
mod money;
mod state;

#[cfg(test)]
mod tests;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};

pub use browser::{approve_in_browser, BrowseError};

use crate::clock::SandboxClock;
use crate::contract::{ContractBank, Server};
use crate::oracle::{OracleAccount, OracleRow, RecordedRequest};
use state::Shared;

/// Settings of one sandbox instance.
#[derive(Debug, Clone)]
pub struct FinsifyConfig {
    /// Value expected in the `Client-Id` header.
    pub client_id: String,
    /// Value expected in `Service-secret` (web/backend callers).
    pub service_secret: String,
    /// Value expected in `App-secret` (mobile callers).
    pub app_secret: String,
    /// Lifetime of an unused connect token (single use). Finsify documents 30 minutes.
    pub connect_ttl: Duration,
    /// Minimum gap between two refreshes of one login (`next_refresh_possible_at`).
    pub refresh_throttle: Duration,
    /// The sandbox's time. A login's seeded history ends on its Asia/Ho_Chi_Minh day at linking.
    pub clock: SandboxClock,
    /// Seed for the generated ledgers and numeric ids.
    pub seed: u64,
    /// The longest `/transaction` range one request may ask for, in days, both ends included;
    /// `None` = no limit (and no lower bound means the whole history).
    pub max_span_days: Option<u32>,
    /// Hold `service.json` answers until released.
    pub delay_catalogue: bool,
}

impl Default for FinsifyConfig {
    fn default() -> Self {
        Self {
            client_id: "sandbox-client-id".to_owned(),
            service_secret: "sandbox-service-secret".to_owned(),
            app_secret: "sandbox-app-secret".to_owned(),
            connect_ttl: Duration::from_secs(30 * 60),
            refresh_throttle: Duration::from_secs(5 * 60),
            clock: SandboxClock::system(),
            seed: 20_170_327,
            max_span_days: Some(731),
            delay_catalogue: false,
        }
    }
}

/// One transaction as the bank holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FinsifyLedgerRow {
    pub login_id: i64,
    pub account_id: i64,
    pub original_id: String,
    pub date: chrono::NaiveDate,
    /// Exact signed decimal string with two decimals, e.g. `"-61299.00"`.
    pub amount: String,
    pub currency: String,
    pub description: String,
    /// The category Finsify assigns (the wire shows `uncategorized` on the first day).
    pub category: String,
    /// A card authorisation: it will be replaced by a posted row or vanish.
    pub pending: bool,
    /// The Asia/Ho_Chi_Minh day the scraper first had the row (after `date` for a late row).
    pub seen_on: chrono::NaiveDate,
}

/// One Finsify login (a connected bank login of a customer).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginRow {
    pub id: i64,
    pub customer_id: String,
    pub service_id: i64,
    /// The current `Login-secret`.
    pub secret: String,
    /// Auto-sync flag toggled by `/login/activate` and `/login/deactivate`.
    pub active: bool,
    /// `active`, one of the `login_*` failure statuses, or `deleted` after `DELETE /login`.
    pub status: String,
}

/// Counters of what clients did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FinsifyStats {
    /// Successful `POST /customer`.
    pub customers_created: u64,
    /// Successful `POST /token` (reconnect tokens are counted in `reconnects`).
    pub tokens_created: u64,
    /// Successful `POST /token/reconnect`.
    pub reconnects: u64,
    /// Successful `PUT /login/refresh`.
    pub refreshes: u64,
    /// Successful `PUT /login/deactivate`.
    pub deactivations: u64,
    /// Every request under `/v2/` except the hosted connect page, whatever its outcome.
    pub api_calls: u64,
}

/// A switchable misbehaviour. Serialised with a `kind` tag for the HTTP control surface, e.g.
/// `{"kind":"server_error","requests":2}` or `{"kind":"callback_broken_json"}`.
///
/// Faults stay queued in injection order; a request consumes the first queued fault that applies
/// to it, and a fault with `requests: N` is gone after N uses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FinsifyFault {
    /// The next N successful data calls (`GET /account`, `GET /transaction`) answer 200 with
    /// the JSON cut off half way.
    MalformedJson { requests: u32 },
    /// The next N `GET /transaction` calls that return at least one row omit `field` from the
    /// first row.
    MissingField { field: String, requests: u32 },
    /// The next N `GET /transaction` calls that return at least one row send the first row's
    /// amount as a JSON number with nine decimals (`-61299.000000001`).
    FloatAmount { requests: u32 },
    /// The next N API calls (any `/v2` endpoint except the hosted connect page, checked before
    /// the credentials) answer 500 `InternalError`.
    ServerError { requests: u32 },
    /// The next N API calls (as for `ServerError`) answer 503 `ServerMaintenance`.
    Maintenance { requests: u32 },
    /// The next `requests` "Connect"s on a hosted page still link the login, but the callback
    /// carries a truncated JSON segment. `requests` defaults to 1.
    CallbackBrokenJson {
        #[serde(default = "one")]
        requests: u32,
    },
    /// Hostile (opt-in; `hostile.rs` says why each is the harsher choice): the next N
    /// `GET /transaction` calls are answered only after `secs` seconds of real time.
    Stall { requests: u32, secs: u64 },
    /// Hostile: the next N `GET /transaction` calls answer 200 with their valid JSON padded
    /// with whitespace to `bytes` bytes, announced in `Content-Length`.
    HugeBody { requests: u32, bytes: u64 },
    /// Hostile: the next N `GET /transaction` calls answer 200 with a chunked body that opens
    /// `{"data":[` and then sends whitespace for ever.
    EndlessBody { requests: u32 },
    /// Hostile: the next N `GET /transaction` calls answer 200 with a gateway's HTML error page
    /// (`text/html`).
    HtmlInOk { requests: u32 },
    /// Hostile: the next N `GET /transaction` calls with rows date their first row
    /// `+10000-01-01` (ISO 8601's expanded year, which the hub's `YYYY-MM-DD` does not forbid
    /// in so many words).
    FarFutureDate { requests: u32 },
    /// Hostile: the next N `GET /transaction` calls with rows give their first row the amount
    /// `92233720368547758.07` (minor units just below `i64::MAX`).
    HugeAmount { requests: u32 },
}

fn one() -> u32 {
    1
}

/// Login statuses accepted by [`FinsifySandbox::set_login_status`].
pub const LOGIN_STATUSES: [&str; 4] = [
    "active",
    "login_wrong_credentials",
    "login_password_expired",
    "login_account_locked",
];

/// Handle on a running sandbox. Cloning is cheap; dropping every handle leaves the server
/// running (call [`FinsifySandbox::shutdown`] to stop it).
#[derive(Clone)]
pub struct FinsifySandbox {
    shared: Arc<Shared>,
    addr: SocketAddr,
}

impl FinsifySandbox {
    /// Binds 127.0.0.1:`port` (0 = any free port) and serves on a spawned tokio task.
    pub async fn start(config: FinsifyConfig, port: u16) -> std::io::Result<FinsifySandbox> {
        let listener = crate::bind_loopback(port).await?;
        let addr = listener.local_addr()?;
        let origin = format!("http://{addr}");
        let shared = Arc::new(Shared::new(config, origin));
        let router = api::router(Arc::clone(&shared));
        let server = Server::spawn(listener, router, "finsify");
        // Only ever set here, right after the Arc was made.
        let _ = shared.server.set(server);
        Ok(FinsifySandbox { shared, addr })
    }

    /// API base including the version, e.g. `http://127.0.0.1:41234/v2`.
    pub fn base_url(&self) -> String {
        format!("http://{}/v2", self.addr)
    }

    /// Stand-in for `https://assets.finsify.com/service.json`.
    pub fn service_catalogue_url(&self) -> String {
        format!("http://{}/service.json", self.addr)
    }

    /// Human-readable instructions for standalone use.
    pub fn describe(&self) -> String {
        control::describe(&self.shared, &format!("http://{}", self.addr))
    }

    /// Queues a fault (see [`FinsifyFault`]).
    pub fn inject(&self, fault: FinsifyFault) {
        self.shared.lock().faults.push(fault);
    }

    /// Drops every queued fault.
    pub fn clear_faults(&self) {
        self.shared.lock().faults.clear();
    }

    /// The sandbox's clock (a clone: moving it moves the sandbox's time).
    pub fn clock(&self) -> SandboxClock {
        self.shared.config.clock.clone()
    }

    /// The Asia/Ho_Chi_Minh calendar day of the sandbox clock.
    pub fn today(&self) -> chrono::NaiveDate {
        self.shared.today()
    }

    /// Every live login's bank lives `days` more days; the clock moves forward by as many days.
    /// Each new day brings new rows; authorisations post (some with another amount) or are
    /// released; now and then a row is posted late, dated inside days already past.
    pub fn advance(&self, days: u32) {
        self.shared.advance_days(days);
    }

    /// What the bank holds now, in the oracle's terms (see the module docs).
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

    /// Switches the delayed-catalogue mode. Switching it off also releases every held answer.
    pub fn set_catalogue_delayed(&self, delayed: bool) {
        self.shared.catalogue.delayed.send_replace(delayed);
        if !delayed {
            self.release_catalogue();
        }
    }

    /// Lets every `service.json` answer held so far go out. Later requests are held again
    /// while the mode is on.
    pub fn release_catalogue(&self) {
        self.shared.catalogue.releases.send_modify(|r| *r += 1);
    }

    /// How many `service.json` requests are being held now.
    pub fn catalogue_waiting(&self) -> usize {
        *self.shared.catalogue.waiting.borrow()
    }

    /// Resolves once at least `n` `service.json` requests are being held: a test knows the
    /// client asked without waiting on a timer.
    pub async fn catalogue_requests_held(&self, n: usize) {
        let mut waiting = self.shared.catalogue.waiting.subscribe();
        let _ = waiting.wait_for(|held| *held >= n).await;
    }

    /// Sets a login's status as the bank side would (what the `login_*` webhooks announce).
    ///
    /// # Panics
    /// If `status` is not one of [`LOGIN_STATUSES`] or the login does not exist: this is a test
    /// helper, and a typo there should fail loudly.
    pub fn set_login_status(&self, login_id: i64, status: &str) {
        if let Err(e) = self.shared.lock().set_login_status(login_id, status) {
            panic!("FinsifySandbox::set_login_status: {e}");
        }
    }

    /// Every transaction the bank holds, for every login (deleted ones included), oldest first.
    pub fn ledger(&self) -> Vec<FinsifyLedgerRow> {
        self.shared.lock().ledger()
    }

    /// Posts a new transaction, seen today; the account balance moves by `amount`.
    ///
    /// # Panics
    /// If `amount` is not a decimal string with at most two decimals, the login does not own
    /// the account, or `category` is not one of the category slugs.
    pub fn add_transaction(
        &self,
        login_id: i64,
        account_id: i64,
        date: chrono::NaiveDate,
        amount: &str,
        description: &str,
        category: &str,
    ) {
        let added = self.shared.lock().add_transaction(
            login_id,
            account_id,
            date,
            amount,
            description,
            category,
        );
        if let Err(e) = added {
            panic!("FinsifySandbox::add_transaction: {e}");
        }
    }

    /// Every login ever created, by id.
    pub fn logins(&self) -> Vec<LoginRow> {
        self.shared.lock().login_rows()
    }

    /// Counters so far.
    pub fn stats(&self) -> FinsifyStats {
        self.shared.lock().stats
    }

    /// Every login secret and connect token id ever issued, in issue order.
    pub fn issued_secrets(&self) -> Vec<String> {
        self.shared.lock().issued.clone()
    }

    /// Stops accepting connections; open ones finish their current request.
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
