//! # Fibank "My Fibank" e-banking sandbox
//!
//! A local stand-in for First Investment Bank's own e-banking backend at `https://my.fibank.bg`,
//! as the reverse-engineered connector saw it (`providers.md` §D). One loopback host serves both
//! the Spring-Security OAuth2 server (`/oauth2-server/…`) and the e-bank (`/EBank/…`):
//!
//! * the stateful login dance in one cookie jar: `GET /oauth2-server/login?client_id=E_BANK`
//!   (session cookie) → `GET /oauth2-server/oauth/authorize?response_type=token&client_id=E_BANK
//!   &redirect_uri=/EBank/&scope=E_BANK&state=<uuid>` (login page with
//!   `<meta name="_csrf" content="…" />`) → `GET /oauth2-server/api/v1/sywscertificate/
//!   fnGetCertsForLogin?client_id=E_BANK&userName=<u>` (another cookie) → `POST
//!   /oauth2-server/login` (form `username, password, system, client_id, lang, time, _csrf,
//!   sig`) → 302 to the remembered authorize request → 302 to
//!   `/EBank/#access_token=…&token_type=bearer&state=…&expires_in=…&scope=E_BANK` → the
//!   `/EBank/` page with `<meta name="EBank_publicToken" content="…"/>`;
//! * `GET /EBank/api/v1/sywsquery/sywsquery/getCustQuery`,
//!   `GET /EBank/api/v1/sywspicklist/sywspicklist/getFilteredAccounts` (a top-level array) and
//!   `GET /EBank/api/v1/sywsquery/sywsquery/GetCustBal` with and without `Iban`;
//! * statement rows with the real field names, positive JSON-float amounts, `dtkt`,
//!   `drAmount`/`crAmount`, running `acBal`, Sofia `dateTime`s with the day's offset, serial
//!   numbers beyond 2^31, shared references, and the synthetic `OP`/`DT`/`CT`/`CL` rows;
//! * the control contract of [`crate`] (clock, advance, oracle, request log, faults).
//!
//! Money is integer minor units throughout; JSON numbers are written digit by digit. All time
//! (token expiry, session idle, "today", every `dateTime`) reads the configured
//! [`SandboxClock`].
//!
//! ## The oracle's rules
//!
//! A row's `description` is `remI` when it is a string with non-blank text, else `trname`
//! (what the e-bank UI shows). `amount` is signed by `dtkt` (`DT` negative). `date` is the
//! Sofia calendar day of `dateTime` (not `valueDt`). `stable_id` is `acEntrySrNo`. Summary
//! rows are not transactions and are not in the oracle; neither is anything of the card
//! account, which has no statement. `account` is the IBAN, `account_name` is `acDesc`.
//! Account `balance` is `acyCurrBalance`, `available` is `acyAvlBal`.
//!
//! ## Assumptions where providers.md is silent
//!
//! Each is marked **[inference]**; where two behaviours were plausible, the harsher one was
//! chosen.
//!
//! Login:
//! * [inference] Cookies: `JSESSIONID` (32 hex digits, `Path=/`, so the e-bank sees it too)
//!   and `SYWSCERT` (from the certificate lookup, `Path=/oauth2-server`); both `HttpOnly`,
//!   not `Secure` (plain HTTP on loopback).
//! * [inference] The session must come from `GET /oauth2-server/login`; `authorize`, the
//!   certificate lookup and `POST /login` without a live `JSESSIONID` answer **403** with the
//!   HTML error page (`id="error-message"`). Sessions die after
//!   [`FibankConfig::session_idle`] without a request.
//! * [inference] `authorize` needs exactly `client_id=E_BANK`, `response_type=token`,
//!   `redirect_uri=/EBank/`, `scope=E_BANK` and a non-empty `state`; anything else → 400
//!   Spring "OAuth Error" HTML page, nothing is redirected.
//! * [inference] The login page carries `<meta name="_csrf_header" content="X-CSRF-TOKEN" />`
//!   on the line **before** `<meta name="_csrf" content="<uuid>" />`, and the token again as a
//!   hidden `_csrf` input. The token is bound to the session.
//! * [inference] `POST /login` checks, in order: session (403), `_csrf` (403 error page
//!   quoting Spring's "Invalid CSRF Token"), the `SYWSCERT` cookie from a lookup of the same
//!   `userName` in this session (403), `client_id=E_BANK` and a parsable `time` (400 error
//!   page; the offset is not checked against the season), lock (200 locked page), then the
//!   credentials. Username and password compare exactly.
//! * [inference] A wrong password (or unknown user) → 200 login page with
//!   `<div class="alert alert-danger" id="login-error">Невалидно потребителско име или
//!   парола.</div>` and the same CSRF token. [`FibankConfig::lockout_after`] (3) consecutive
//!   wrong passwords for the real user lock it: that attempt and every later one, even with the
//!   right password, get a 200 page whose `<h1>` is `Достъпът до Моята Fibank е блокиран`
//!   (`id="login-locked"`, no form, no `_csrf`). Only the control surface unlocks; there is no
//!   timed unlock. A good login resets the count.
//! * [inference] A good login changes the session id (Spring's session-fixation protection: a
//!   new `JSESSIONID` in the 302) and the CSRF token. Its `Location` is the absolute URL of
//!   the authorize request the session remembered; without one, `/oauth2-server/` (a welcome
//!   page, no token).
//! * [inference] The token redirect's `Location` is the `redirect_uri` exactly as registered,
//!   i.e. relative: `/EBank/#access_token=<uuid>&token_type=bearer&state=<state>
//!   &expires_in=<ttl−1>&scope=E_BANK` (Spring reports the seconds left, truncated, a moment
//!   after issuing). `authorize` in a logged-in session issues a fresh token at once.
//! * [inference] Access tokens live [`FibankConfig::token_ttl`] (15 min) by the sandbox clock
//!   and are bound to the session that got them. There is no refresh; a client logs in again.
//!
//! API rules, checked in this order on every `/EBank/api/v1/` call:
//! 1. [inference] No `Authorization: Bearer …` → 401
//!    `{"error":"unauthorized","error_description":"Full authentication is required to access
//!    this resource"}`; an unknown token → 401 `invalid_token` "Invalid access token: <t>"; an
//!    expired one → 401 `invalid_token` "Access token expired: <t>" (Spring OAuth2's texts),
//!    each with `WWW-Authenticate: Bearer realm="oauth2-resource", …`.
//! 2. [inference] No `JSESSIONID`, or not the session the token was issued in → 401
//!    `unauthorized` as above.
//! 3. [inference] `EBank-App-Version`, `EBank-Client-Time`, `EBank-Device-Id`, `EBank-Referer`,
//!    `X-Requested-With`, `Accept-Language` must be present and non-blank, else 400 Spring
//!    Boot JSON `{"timestamp","status":400,"error":"Bad Request","message":"Missing request
//!    header '<Name>' for method parameter of type String","path"}`. `X-Requested-With` must
//!    be exactly `XMLHttpRequest` and `EBank-Client-Time` must parse as
//!    `yyyy-MM-dd'T'HH:mm:ssZ` (or with a colon offset), else 400 "Invalid value '…' of
//!    request header '<Name>'". Any value of the others is accepted; the answers are in
//!    Bulgarian whatever `Accept-Language` says. `Accept`, `Referer`, `User-Agent` and
//!    `Sec-Fetch-*` are not checked.
//! 4. [inference] Every call but `getCustQuery` needs `EBank-Cust-Id` (400 as above when
//!    missing); another customer's id → 403 Spring JSON `"Access is denied"`. `getCustQuery`
//!    ignores the header.
//! 5. Faults ([`FibankFault::ServerError`]).
//!
//! Data:
//! * [inference] `ibCustomerId` is a JSON number. The `customer[0]` item also has `custNo`,
//!   `custName`, `custNameLat`, `custType`, `ibRoleId`, `isDefault`.
//! * [inference] `getFilteredAccounts` items carry `ibanAcNo`, `acNo`, `ccy`, `acDesc` (the
//!   product name, shown as the account's name), `description` (the customer's label, may be
//!   `""`), `category`, `ibRoleId`, `acyAvlBal`, `acyCurrBalance`, `blockedAmount`.
//! * [inference] The customer has a BGN current account (salary, rent, bills, card, ATM),
//!   a BGN savings account, a EUR current account opened a third of the way into the history
//!   (earlier windows: no rows, zero opening balance), and — unless
//!   [`FibankConfig::card_account`] is off — a credit-card account (`category` `CARD_ACC`)
//!   that is listed everywhere but whose `GetCustBal` with `Iban` answers `"acc": []`. Account
//!   `category` is `CACC` or `CARD_ACC`. Two accounts share the `acDesc`
//!   `Разплащателна сметка`.
//! * [inference] `GetCustBal` always needs `StmtType=T` (missing or another value → 400 Spring
//!   JSON); `isAccountFromPSD2` is optional, `false` or `true` (anything else → 400). Without
//!   `Iban` it lists every account with `"stmt": null` and `acyOpeningBal` = the balance at
//!   the start of today (Sofia); `FromDate`/`ToDate` are then ignored. With `Iban`:
//!   `isAccountFromPSD2=true` → `"acc": []`; an IBAN that is not the customer's → 200
//!   `{"acc": [], …}`; `FromDate` and `ToDate` are required (400 Spring JSON when missing or
//!   unreadable). Parameter names are case-sensitive.
//! * [inference] A window holds the entries with `FromDate <= dateTime <= ToDate`, compared as
//!   instants (so a client that sends `+0200` in summer shifts its window by an hour).
//!   `FromDate` after `ToDate` → 500 HTML. The limit counts Sofia calendar days inclusive:
//!   with 31, `2024-01-01T00:00:00+0200`…`2024-01-31T23:59:59+0200` is fine and anything
//!   reaching 1 February → 500 HTML (Tomcat's error page).
//! * [inference] `categoryBal` always lists `AVL_CARD_ACC`, `CURR_CACC`, `AVL_CACC`, in BGN (EUR
//!   converted at the 1.95583 peg, half away from zero); also on statement answers.
//! * [inference] Account objects: `acDesc, iban, acNo, ccy, acyAvlBal, acyOpeningBal,
//!   acyCurrBalance, blockedAmount, description, category, stmt`. `acyOpeningBal` is the
//!   balance just before `FromDate`; `acyCurrBalance` and `acyAvlBal` (balance + credit limit −
//!   `blockedAmount`) are as of now, whatever the window.
//! * [inference] `dtkt` is `"DT"` (debit) or `"KT"` (credit), Bulgarian Дт/Кт — the field's name
//!   is its two values. A client should also accept `D`/`C`/`K` and cross-check
//!   `drAmount`/`crAmount`.
//! * [inference] Every money field (`amount`, `drAmount`, `crAmount`, `acBal`, balances, `bal`)
//!   is a JSON number printed like Java's `Double.toString`: `12.3`, `1050.05`, `0.0`, and
//!   `1.23456789E7` from 10 000 000 up. `amount` is never negative; `acBal` and balances can be.
//! * [inference] Statement rows are ordered by `(dateTime, acEntrySrNo)`: `OP` first, then the
//!   entries, then `DT`, `CT`, `CL`. `acBal` runs in that order from the account's opening
//!   balance, so a late entry shifts the `acBal` of every later row (rows already fetched come
//!   back with other `acBal`s). Summary rows have `acEntrySrNo`, `reference`, `trnCode`,
//!   `contragent`, `benOrderParty`, `trnAccount` and `remI`–`remIii` all `null`; `OP`/`CL` have
//!   `amount` = |balance|, `acBal` = the balance, `dtkt` by its sign, `drAmount` =
//!   `crAmount` = 0; `DT`/`CT` carry the window's debit/credit totals in `amount` and in
//!   `drAmount`/`crAmount` (`dtkt` `DT` and `KT`), with `acBal` = the closing balance.
//!   `OP`'s `dateTime` is `FromDate`, the others' `ToDate` (in Sofia time). They are present
//!   even in an empty window.
//! * [inference] Entry fields: `acEntrySrNo, reference, trnType, trnCode, trname, dtkt,
//!   amount, drAmount, crAmount, acBal, dateTime, valueDt, contragent, benOrderParty,
//!   trnAccount, remI, remIi, remIii, isEbankOper, isPayment, loadAsNew`. `valueDt` is Sofia
//!   midnight of the value date (for some card rows the day before `dateTime`'s).
//!   `trnType` ∈ {`POS`, `ATM`, `TRO`, `TRI`, `BIL`, `FEE`, `INT`, `TAX`}, never a summary code;
//!   `trnCode` is a three-character code. `contragent`, `benOrderParty`, `trnAccount` are
//!   `null` where they make no sense (card, ATM, fees). `remI`–`remIii` are sometimes `""`,
//!   sometimes `null`. Flags are `"Y"`/`"N"`: `isEbankOper` for payments made in the e-bank,
//!   `isPayment` for outgoing payments, `loadAsNew` only on late rows (do not rely on it).
//! * [inference] `acEntrySrNo` is one global increasing sequence with gaps (other customers'
//!   entries), starting above 3 100 000 000; `reference` is FLEXCUBE-like (`9150POSP24183…`).
//!   Shared references: a transfer and its fee, an ATM withdrawal at another bank and its fee,
//!   interest and its tax, the two legs of an own-account transfer, and the identical twins
//!   (two metro tickets on the 14th of every month: same time, amount, text and reference).
//! * [inference] Rows are booked when the clock passes their `dateTime`: moving the clock
//!   (`/_sandbox/clock`) makes the day's rows appear; a clock moved back un-books nothing.
//!   `advance {"days":N}` also books one late card purchase per new day, dated 1–3 days before
//!   the old "today", with a new, larger `acEntrySrNo`.
//! * [inference] Statements hold booked entries only: no pending rows, nothing that books
//!   later with another amount or cancels. Card holds show only as `blockedAmount` (and in
//!   `acyAvlBal`). So an advance books new rows and late rows, nothing else.
//! * [inference] Times include late evening (monthly fees at 23:59:00), just after midnight
//!   (the previous UTC day), both sides of each DST switch, and the autumn hour that happens
//!   twice (two rows at 03:30, one `+0300`, one `+0200`).
//!
//! Errors and faults:
//! * [inference] 500s (the range limit, `FromDate` after `ToDate`, faults) are Tomcat's HTML
//!   error page (`text/html`), not JSON. Unknown `/EBank/api/v1/` paths → 404 Spring JSON;
//!   other unknown paths → 404 HTML.
//! * [inference] Faults queue in injection order; a request consumes the first queued fault
//!   that applies to it, and `requests: N` is spent after N uses.

mod api;
mod auth;
mod control;
mod json;
mod ledger;
mod state;
mod time;

#[cfg(test)]
mod tests;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::clock::SandboxClock;
use crate::oracle::{OracleAccount, OracleRow, RecordedRequest};
use state::Shared;

pub use auth::{LOCKED as LOCKED_PAGE_TITLE, WRONG_CREDENTIALS as WRONG_CREDENTIALS_MESSAGE};

/// Settings of one sandbox instance. [`Default`] gives the documented defaults.
#[derive(Debug, Clone)]
pub struct FibankConfig {
    /// The e-banking username (default `ivan.petrov`).
    pub username: String,
    /// Its password (default `Sofia-2024!`); changeable at run time.
    pub password: String,
    /// All of the sandbox's time. Default: the wall clock; tests pass a fixed one.
    pub clock: SandboxClock,
    /// Seed of the books (default 20_220_312, the connector's blog date).
    pub seed: u64,
    /// Sofia days of history before the clock's day at start (default 800, over two years).
    pub history_days: u32,
    /// Access-token lifetime (default 15 min).
    pub token_ttl: Duration,
    /// A login session dies after this long without a request (default 30 min).
    pub session_idle: Duration,
    /// Consecutive wrong passwords that lock the user (default 3; 0 never locks).
    pub lockout_after: u32,
    /// Longest `GetCustBal` window in Sofia calendar days, inclusive (default `Some(31)`);
    /// `None` lets one call cover the whole history, as in 2022.
    pub max_range_days: Option<u32>,
    /// Whether the customer also has a credit-card account (default true).
    pub card_account: bool,
}

impl Default for FibankConfig {
    fn default() -> Self {
        Self {
            username: "ivan.petrov".to_owned(),
            password: "Sofia-2024!".to_owned(),
            clock: SandboxClock::system(),
            seed: 20_220_312,
            history_days: 800,
            token_ttl: Duration::from_secs(15 * 60),
            session_idle: Duration::from_secs(30 * 60),
            lockout_after: 3,
            max_range_days: Some(31),
            card_account: true,
        }
    }
}

/// A switchable misbehaviour. Serialised with a `kind` tag for `POST /_sandbox/faults`, e.g.
/// `{"kind":"server_error","requests":2}` or `{"kind":"expire_tokens"}`.
///
/// Faults stay queued in injection order; a request consumes the first queued fault that
/// applies to it, and one with `requests: N` is gone after N uses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FibankFault {
    /// The next N API calls that pass authentication and the header rules answer 500 with the
    /// HTML error page.
    ServerError { requests: u32 },
    /// The next N `GetCustBal` calls with an `Iban` (and a valid window) answer 500 HTML: the
    /// sporadic failure the connector met.
    StatementError { requests: u32 },
    /// The next N JSON success bodies (any of the three endpoints) are cut in half; 200.
    MalformedJson { requests: u32 },
    /// The next N login pages from `oauth/authorize` carry no `_csrf` (neither meta nor input).
    LoginPageWithoutCsrf { requests: u32 },
    /// The next N token redirects carry the fragment without `access_token`.
    RedirectWithoutToken { requests: u32 },
    /// Every access token issued so far expires now (not queued).
    ExpireTokens,
    /// The next N statements with entries have the middle entry's `acBal` 10.00 too high, so
    /// the running balance does not add up there and on the next row.
    BrokenRunningBalance { requests: u32 },
    /// The next N statements with entries have the first entry's `amount` 1.00 higher than its
    /// `drAmount`/`crAmount` say.
    AmountMismatch { requests: u32 },
    /// Hostile (opt-in; `hostile.rs` says why each is the harsher choice): the next N
    /// `GetCustBal` calls with an `Iban` are answered only after `secs` seconds of real time.
    Stall { requests: u32, secs: u64 },
    /// Hostile: the next N statements answer 200 with their valid JSON padded with whitespace
    /// to `bytes` bytes, announced in `Content-Length`.
    HugeBody { requests: u32, bytes: u64 },
    /// Hostile: the next N statements answer 200 with a chunked body that opens `{"acc":[` and
    /// then sends whitespace for ever.
    EndlessBody { requests: u32 },
    /// Hostile: the next N statements answer 200 with a gateway's HTML error page
    /// (`text/html`), where the bank's own errors are Tomcat pages with 500.
    HtmlInOk { requests: u32 },
    /// Hostile: the next N statements with entries date their first entry (`dateTime` and
    /// `valueDt`) in year 10000, as Java's formatter writes it (`+10000-01-01T00:00:00+0200`).
    FarFutureDate { requests: u32 },
    /// Hostile: the next N statements with entries give their first entry an `amount` (and
    /// the matching `drAmount`/`crAmount`) of 92233720368547758.07, minor units just below
    /// `i64::MAX`.
    HugeAmount { requests: u32 },
}

/// Counters of what clients did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FibankStats {
    /// Login pages answered by `oauth/authorize`.
    pub login_pages: u64,
    /// Successful `fnGetCertsForLogin` calls.
    pub cert_lookups: u64,
    /// `POST /login` calls that got past the session, CSRF and certificate checks.
    pub login_attempts: u64,
    /// Of those, wrong username or password (locked attempts not included).
    pub failed_logins: u64,
    /// Times the user got locked by wrong passwords.
    pub lockouts: u64,
    /// Access tokens handed out.
    pub tokens_issued: u64,
    /// Every request under `/EBank/api/v1/`, whatever its outcome.
    pub api_calls: u64,
    /// `GetCustBal` answers that carried a statement.
    pub statements: u64,
}

/// One account as the bank holds it now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FibankAccount {
    pub iban: String,
    /// `acDesc`: the product name the e-bank shows.
    pub name: String,
    /// The customer's own label; may be empty.
    pub description: String,
    pub currency: String,
    /// `CACC` or `CARD_ACC`.
    pub category: String,
    /// False for the card account: `GetCustBal` with its IBAN answers `"acc": []`.
    pub has_statement: bool,
    /// First Sofia day that can hold entries.
    pub history_from: NaiveDate,
    /// `acyCurrBalance` as exact decimal text (`"1234.50"`).
    pub balance: String,
    /// `acyAvlBal`.
    pub available: String,
    /// `blockedAmount`.
    pub blocked: String,
}

/// One booked entry as the bank holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FibankEntry {
    /// `acEntrySrNo`.
    pub sr_no: i64,
    pub iban: String,
    pub currency: String,
    /// `dateTime` as an instant.
    pub at: DateTime<Utc>,
    /// `dateTime` as the wire shows it (`2022-02-19T14:03:11+0200`).
    pub date_time: String,
    pub value_date: NaiveDate,
    /// Signed by `dtkt`, exact decimal text (`"-12.30"`).
    pub amount: String,
    /// `DT` or `KT`.
    pub dtkt: String,
    pub reference: String,
    pub trn_type: String,
    pub trname: String,
    pub rem_i: Option<String>,
    /// What a faithful client shows (see the module's oracle rules).
    pub description: String,
    /// Booked late, into a day already past, by an advance.
    pub late: bool,
}

/// An entry a test books (`POST /_sandbox/entries`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewEntry {
    pub iban: String,
    /// Must not be after the clock's now nor before the account's history.
    pub date_time: DateTime<FixedOffset>,
    /// Signed decimal text with at most two decimals; negative = debit (`"-12.30"`).
    pub amount: String,
    pub trname: String,
    #[serde(default)]
    pub rem_i: Option<String>,
    /// Made up when absent.
    #[serde(default)]
    pub reference: Option<String>,
    /// Defaults to the Sofia day of `date_time`.
    #[serde(default)]
    pub value_date: Option<NaiveDate>,
}

/// What an advance did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdvanceReport {
    /// The clock after the move.
    pub now: DateTime<Utc>,
    /// Rows booked for the new days.
    pub new_rows: usize,
    /// Rows booked late, inside days already past.
    pub late_rows: usize,
}

/// The e-banking user's state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FibankUser {
    pub username: String,
    /// `ibCustomerId`, the `EBank-Cust-Id` value.
    pub customer_id: i64,
    pub locked: bool,
    /// Consecutive wrong passwords so far.
    pub failed_attempts: u32,
}

/// Why a control operation was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FibankError {
    #[error("no account with IBAN {0}")]
    UnknownIban(String),
    #[error("account {0} has no statement (the card account)")]
    NoStatement(String),
    #[error("amount {0:?} is not a non-zero decimal with at most two decimals")]
    BadAmount(String),
    #[error("{0} is after the sandbox clock's now")]
    InTheFuture(String),
    #[error("{0} is before the account's history begins")]
    BeforeHistory(String),
    #[error("the password must not be empty")]
    EmptyPassword,
}

/// Handle on a running sandbox. Cloning is cheap; dropping every handle leaves the server
/// running (call [`FibankSandbox::shutdown`] to stop it).
#[derive(Clone)]
pub struct FibankSandbox {
    shared: Arc<Shared>,
    addr: SocketAddr,
}

impl std::fmt::Debug for FibankSandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FibankSandbox")
            .field("base_url", &self.base_url())
            .finish()
    }
}

impl FibankSandbox {
    /// Binds 127.0.0.1:`port` (0 = any free port) and serves on a spawned tokio task.
    pub async fn start(config: FibankConfig, port: u16) -> std::io::Result<FibankSandbox> {
        let listener = crate::bind_loopback(port).await?;
        let addr = listener.local_addr()?;
        let (shared, mut stop) = Shared::new(config, format!("http://{addr}"));
        let shared = Arc::new(shared);
        let router = api::router(Arc::clone(&shared));
        tokio::spawn(async move {
            let stopped = async move {
                let _ = stop.wait_for(|stop| *stop).await;
            };
            if let Err(e) = axum::serve(listener, router)
                .with_graceful_shutdown(stopped)
                .await
            {
                tracing::error!("fibank sandbox stopped with an error: {e}");
            }
        });
        tracing::info!("fibank sandbox on http://{addr}");
        Ok(FibankSandbox { shared, addr })
    }

    /// `http://127.0.0.1:PORT`: the stand-in for `https://my.fibank.bg`, serving both
    /// `/oauth2-server/…` and `/EBank/…`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `http://127.0.0.1:PORT/oauth2-server`.
    pub fn auth_base_url(&self) -> String {
        format!("{}/oauth2-server", self.base_url())
    }

    /// `http://127.0.0.1:PORT/EBank/api/v1/`.
    pub fn api_base_url(&self) -> String {
        format!("{}/EBank/api/v1/", self.base_url())
    }

    /// Human-readable instructions for standalone use, test credentials included.
    pub fn describe(&self) -> String {
        control::describe(&self.shared, &self.base_url())
    }

    /// The test credentials as they are now: `(username, password)`.
    pub fn credentials(&self) -> (String, String) {
        let inner = self.shared.lock();
        (inner.user.username.clone(), inner.user.password.clone())
    }

    /// The sandbox's clock (shared: moving it moves the sandbox).
    pub fn clock(&self) -> SandboxClock {
        self.shared.clock.clone()
    }

    /// The bank lives `days` more days (see [`AdvanceReport`]).
    pub fn advance(&self, days: u32) -> AdvanceReport {
        self.shared.advance(days)
    }

    /// Every booked transaction in the oracle's terms, by account, then `dateTime`, then
    /// `acEntrySrNo`.
    pub fn oracle_ledger(&self) -> Vec<OracleRow> {
        self.shared.books().ledger.oracle_rows()
    }

    /// Every account in the oracle's terms.
    pub fn oracle_accounts(&self) -> Vec<OracleAccount> {
        self.shared.books().ledger.oracle_accounts()
    }

    /// Every request outside `/_sandbox/` so far, in completion order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.lock().requests.clone()
    }

    /// Forgets the request log.
    pub fn clear_requests(&self) {
        self.shared.lock().requests.clear();
    }

    /// Queues a fault (see [`FibankFault`]).
    pub fn inject(&self, fault: FibankFault) {
        let now = self.shared.clock.now();
        self.shared.lock().inject(fault, now);
    }

    /// Drops every queued fault.
    pub fn clear_faults(&self) {
        self.shared.lock().faults.clear();
    }

    /// The faults still queued, with their remaining budgets.
    pub fn faults(&self) -> Vec<FibankFault> {
        self.shared.lock().faults.clone()
    }

    pub fn user(&self) -> FibankUser {
        self.shared.user()
    }

    /// Locks the user as too many wrong passwords would.
    pub fn lock_user(&self) {
        self.shared.set_locked(true);
    }

    /// Unlocks the user and forgets earlier wrong passwords.
    pub fn unlock_user(&self) {
        self.shared.set_locked(false);
    }

    /// Changes the password (logins with the old one fail from now on).
    pub fn set_password(&self, password: &str) -> Result<(), FibankError> {
        self.shared.set_password(password)
    }

    /// Every account, as [`FibankAccount`].
    pub fn accounts(&self) -> Vec<FibankAccount> {
        let inner = self.shared.books();
        self.shared.accounts_of(&inner)
    }

    /// Every booked entry, in booking (`acEntrySrNo`) order.
    pub fn entries(&self) -> Vec<FibankEntry> {
        self.shared.entries()
    }

    /// Books one entry now (it gets the next `acEntrySrNo`, whatever its `dateTime`).
    pub fn add_entry(&self, entry: NewEntry) -> Result<FibankEntry, FibankError> {
        self.shared.add_entry(entry)
    }

    /// Counters so far.
    pub fn stats(&self) -> FibankStats {
        self.shared.lock().stats
    }

    /// Every access token issued so far, in issue order.
    pub fn issued_tokens(&self) -> Vec<String> {
        self.shared.lock().issued_tokens.clone()
    }

    /// Stops accepting connections; open ones finish their current request.
    pub fn shutdown(&self) {
        self.shared.stop.send_replace(true);
    }
}
