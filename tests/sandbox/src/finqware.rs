//! # Finqware API v1 sandbox
//!
//! A local stand-in for the Finqware PSD2 middleware at `https://api.finqware.com/v1`,
//! following `providers.md` §C and the Finqware documentation it cites:
//!
//! * every call is a `POST` with a JSON body that carries the credentials (no `Authorization`
//!   header): `/sessions` → `/sessions/{id}/steps` (`sca`: a bank consent page; `sca_implicit`:
//!   a `temp_token` at once) → the browser comes back to `psu_redirect_link?temp_token=…` →
//!   `/tokens` → `/accounts/get`, `/balances/get`, `/transactions/get` → `/consents/get`,
//!   `/consents/delete`;
//! * failures use the envelope `{id, type, http, code, message}` with the HTTP status equal to
//!   `http`; steps and transaction filters may answer a bare `{"message": …}` 400 as the
//!   documentation admits;
//! * data answers are bare JSON arrays, never paginated; amounts are positive decimal strings
//!   with `credit_debit_indicator`; instants are ISO UTC (`…Z`) except some balance timestamps;
//! * `utx_id` is stable across consents while `id` (and the account ids) change with every
//!   consent; `timestamp` is when a row entered the consent's cache;
//! * nonces last 30 minutes, temp tokens 10 minutes and one use, consents 90 days and the cache
//!   keeps data 120 days, all by the [`SandboxClock`].
//!
//! The banks behind the five sandbox skills of `providers.md` each hold a deterministic history
//! (two years by default, from [`FinqwareConfig::seed`] and the clock's reading at start) in
//! RON and EUR (EUR only in Croatia), with Romanian texts in both comma-below (ș ț) and legacy
//! cedilla (ş ţ) spellings, bookings dated on the bank's own calendar day (Europe/Bucharest;
//! Europe/Zagreb for Croatia) at instants whose UTC date differs, rows in the skipped and the
//! doubled hour of both daylight-saving days, pending rows that book (often with another
//! amount and text) or are cancelled, and late postings. Internally money is integer minor
//! units; no floating point anywhere.
//!
//! Faults are switched from Rust ([`FinqwareSandbox::inject`]) or over HTTP
//! (`POST /_sandbox/faults`); the whole control contract of [`crate`] is served under
//! `/_sandbox/`; see [`FinqwareSandbox::describe`].
//!
//! ## Assumptions
//!
//! Behaviour the documentation leaves open, choosing the harsher plausible reading:
//!
//! * [inference] Bodies must be sent as `Content-Type: application/json` (else 400
//!   `invalid_request`/`invalid_headers`); a body that is not a JSON object → 400
//!   `invalid_body`; absent or `null` required fields → 400 `missing_fields`; fields an
//!   endpoint does not document → 400 `unknown_fields` (so `tenant_user_id` on `/consents/*` or
//!   `filter` on `/accounts/get` is refused); a field of the wrong JSON type or an empty
//!   required string → 400 `invalid_field`. `null` for an optional field counts as absent.
//! * [inference] `tenant_user_id` is optional on `/sessions` (the 2019 quick start omits it,
//!   today's page marks it required) but required on the three data calls, as documented. When
//!   the session named one, data calls must repeat it (else 401 `invalid_credentials_id`).
//! * [inference] Error codes: an unknown `client_id` → 400 `invalid_request`/`invalid_client_id`
//!   (the documentation's own example); a wrong `client_secret` → 401 `invalid_client_secret`;
//!   a wrong `client_app_key` → 401 `invalid_client_app_key`; a `credentials_id` that is not a
//!   UUID → 401 `invalid_uuid`, an unknown one → 400 `invalid_credentials_id`; an
//!   `access_token` that is not a Finqware token → 400 `invalid_access_token`, one that belongs
//!   to other credentials → 401 `invalid_access_token`; an unknown session → 404
//!   `invalid_session_id`; an unknown skill → 400 `invalid_skill_name`; a known skill the
//!   tenant did not register ([`FinqwareConfig::skills`]) → 401 `unauthorized_tenant`; an
//!   unknown, expired or spent `temp_token` → 401 `invalid_temp_token`.
//! * [inference] A step whose `nonce` is wrong, expired (30 min) or already used answers a bare
//!   `{"message": …}` 400 (there is no documented code for nonces); so does an `sca` step
//!   without a usable `data.psu_redirect_link` (an absolute URL, any scheme) or with other keys
//!   in `data`, and an `sca_implicit` step whose `data` is not `{}`. A step name other than
//!   `sca`/`sca_implicit`, or a second step in an AISP session, → 400 `invalid_step`. The step's
//!   `skill` must be the session's (else 400 `invalid_skill_name`).
//! * [inference] The `sca` answer is `{step_id, nonce, status: "SESSION_IN_PROGRESS", data:
//!   {method: "GET", url, headers: {"Content-Type": "application/x-www-form-urlencoded"}}}`;
//!   `url` is the bank's consent page, valid as long as the step's nonce (30 min). The page
//!   redirects to Finqware's `GET /v1/tpp/redirect?code=…&state=…` (an unknown or spent
//!   `state`/`code` there → 400 `tpp_redirect_error`), which redirects (302) to
//!   `psu_redirect_link` with `temp_token=…` appended to the query it already has (before any
//!   `#fragment`). Deny gives `error=access_denied&error_description=…` instead.
//! * [inference] `sca_implicit` (an older sandbox variant, on by default,
//!   [`FinqwareConfig::allow_sca_implicit`]) answers `{step_id, status: "SESSION_COMPLETED",
//!   temp_token, data: {}}` without a nonce.
//! * [inference] `consent_exp` = token exchange + `consent_duration` (90 d); `max_data_retention`
//!   = token exchange + `cache_max_data_retention` (120 d), or, after `/consents/delete` with
//!   `pcd_data_retention: N`, deletion + N minutes (a negative or non-integer N → 400
//!   `invalid_pcd_data_retention`). After `max_data_retention` a still usable consent's data
//!   calls answer empty arrays (the cache was purged).
//! * [inference] The cache keeps no row whose `booking_date_time` is more than
//!   `cache_max_data_retention` before now: the bank's deeper history is never served, and as
//!   days pass the oldest rows drop out of every answer. A client must not read that as
//!   deletions. The oracle still lists them (it is the bank, not the cache).
//! * [inference] Consent expiry is exact (no two-hourly job lag): from `consent_exp` on, data
//!   calls → 401 `expired_credentials` and `/consents/get` says `EXPIRED`. A deleted consent →
//!   401 `inactive_credentials`. `/consents/get` and `/consents/delete` keep working for both;
//!   deleting an expired consent makes it `DELETED`.
//! * [inference] Every consent of a skill sees the same bank user (the sandbox PSU): the same
//!   IBANs and `utx_id`s; but the account `id`s, transaction `id`s and balance `id`s are new
//!   for every consent, and every row's `timestamp` is at least the consent's token exchange.
//!   Use the IBAN (`account_schemes`) for accounts and `utx_id` for rows.
//! * [inference] A pending row keeps its `utx_id` when it books, but its amount (rides,
//!   restaurants, foreign subscriptions), `info` text and `booking_date_time` (authorisation →
//!   posting) change, while its `timestamp` stays the first insertion (the documentation says
//!   "inserted"): `timestamp_gte` alone never sees a booking. A cancelled pending row just
//!   disappears. Pending rows have `"balance": null`.
//! * [inference] `balance` is the running balance after the row in the bank's posting order (a
//!   late posting carries the balance of when it was posted, not of its booking date); it is
//!   signed (`"-1234.56"`) when overdrawn, since the row's indicator is about the amount.
//! * [inference] Raiffeisen sends decimals without trailing zeros (`"45"`, `"4.5"`); the others
//!   always two decimals. `exchange_rate` is `null` or, for some EUR rows, a decimal string.
//!   `details` is `null` except on ING card rows and a third of BT card rows.
//! * [inference] Balance types per bank: BT ClosingBooked, InterimBooked, Expected; Raiffeisen
//!   ClosingBooked, InterimAvailable (credit limit included on the card), Expected; the others
//!   ClosingBooked and Expected. ClosingBooked is the end of the bank's previous day
//!   (`native_date`, no `native_timestamp`); the others carry `native_timestamp` = now, and
//!   ING's Expected a `native_date` too. BT and Raiffeisen balance `timestamp`s lack the `Z`
//!   (`2020-01-29T07:31:51.000000`). `/accounts/get` embeds the Expected balance.
//! * [inference] Transaction filters: unknown keys, values of the wrong type, a `status` other
//!   than `booked`/`pending`, a `credit_debit_indicator` other than `debit`/`credit`, an
//!   `account_id` that is not a UUID, an amount that is not a decimal (number or string) and an
//!   instant that is not RFC 3339 with an offset all answer a bare `{"message": …}` 400.
//!   Amount comparators compare the positive `amount` exactly; `*_eq` on instants means the
//!   same second; bounds combine with AND. `category`, `merchant` and `location` match
//!   `details` exactly (rows without `details` never match); `tag` is accepted and matches
//!   nothing. An `account_id` of another consent matches nothing. Balance filters
//!   (`account_id`, `type`, `currency`) refuse other keys with `unknown_fields`.
//! * [inference] Rows come in cache order (by `timestamp`, then account, newest booking first),
//!   which no client should rely on.
//! * [inference] The Catalogs API (not retrieved): `POST /v1/catalogs/get` with `client_id` and
//!   either `client_app_key` (client apps) or `client_secret`, optional `filter: {country,
//!   country_code, type}`, answers a bare array of the tenant's registered skills:
//!   `{skill, name, type: "aisp", environment: "sandbox", version, servicer_id, servicer,
//!   country, country_code, bic, steps: ["sca"], settings: {consent_duration,
//!   cache_max_data_retention}}` (minutes).
//! * [inference] Faults: `external_api_error` answers (rate limit, connection error) carry
//!   HTTP 400 as the envelope documents, without `Retry-After`, and hit steps and data calls
//!   after their checks; `internal_server_error` is `{type: "internal_server_error", http:
//!   500, code: "internal_server_error"}`. Faults never hit the consent page or the redirect.
//! * [inference] Unknown paths and wrong methods → 404 `invalid_request`/`not_found`.
//! * [inference] The bank's calendar: a row's day is the calendar day of `booking_date_time`
//!   in Europe/Bucharest (Europe/Zagreb for Erste Croatia); card payments book one to three
//!   days after the purchase, often in a night batch between 00:05 and 02:50 local time (the
//!   UTC date is the day before). Evening rows (up to 23:59 local) keep their UTC date.
//! * [inference] A row's `timestamp` is the instant it appeared at the bank (Finqware ingests at
//!   once), or the consent's token exchange if it appeared before: after an advance, new and
//!   late rows carry instants inside the days just lived, never later than now.
//! * [inference] The request-signing variant `/v1s` is not emulated (404 `not_found`); an
//!   `Authorization` header on `/v1` is ignored (and visible in the request log).
//!
//! ## Oracle
//!
//! `/_sandbox/oracle/ledger` lists every row every bank holds now, its whole history (the cache
//! serves only the retention window of it): `account` is the IBAN, `account_name` the account's
//! `name`, else its `nickname`, else the IBAN; `date` the bank's calendar day of
//! `booking_date_time`; `amount` signed with two decimals; `description` the `info` text exactly
//! as sent (diacritics as the bank spells them); `stable_id` the `utx_id`. Pending rows are
//! listed with their pending amount; cancelled ones are gone. `/_sandbox/oracle/accounts` gives
//! the booked balance (InterimBooked where served; ClosingBooked plus today's bookings) and the
//! Expected balance as `available`. Both take `?skill=…`.

mod api;
mod browser;
mod catalogue;
mod control;
mod data;
mod history;
mod ledger;
mod money;
mod sca;
mod state;

#[cfg(test)]
mod tests;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::clock::SandboxClock;
use crate::oracle::{OracleAccount, OracleRow, RecordedRequest};

pub use browser::{approve_in_browser, BrowseError};
pub use catalogue::SKILLS;
pub use ledger::Changes;

use state::Shared;

/// Settings of one sandbox instance. [`Default`] gives the documented defaults.
#[derive(Debug, Clone)]
pub struct FinqwareConfig {
    /// The tenant app's `client_id`.
    pub client_id: String,
    /// The tenant app's `client_secret` (server side).
    pub client_secret: String,
    /// The tenant app's `client_app_key` (may live in a client app).
    pub client_app_key: String,
    /// `tenant_app_info.name` in `/consents/get`.
    pub tenant_name: String,
    /// The skills the tenant registered; others are refused with `unauthorized_tenant`.
    pub skills: Vec<String>,
    /// Lifetime of a session or step nonce (30 min).
    pub nonce_ttl: Duration,
    /// Lifetime of a temp token (single use).
    pub temp_token_ttl: Duration,
    /// `consent_duration` of the tenant-skill settings (90 days).
    pub consent_duration: Duration,
    /// `cache_max_data_retention` of the tenant-skill settings (120 days).
    pub cache_max_data_retention: Duration,
    /// Days of bank history before the clock's reading at start.
    pub history_days: u32,
    /// Whether the headless `sca_implicit` step is offered.
    pub allow_sca_implicit: bool,
    /// Seed of every bank's history.
    pub seed: u64,
    /// All time in the sandbox.
    pub clock: SandboxClock,
}

impl Default for FinqwareConfig {
    fn default() -> Self {
        Self {
            client_id: "sandbox-client-id".to_owned(),
            client_secret: "sandbox-client-secret".to_owned(),
            client_app_key: "sandbox-client-app-key".to_owned(),
            tenant_name: "coffer-sandbox".to_owned(),
            skills: SKILLS.iter().map(|s| (*s).to_owned()).collect(),
            nonce_ttl: Duration::from_secs(30 * 60),
            temp_token_ttl: Duration::from_secs(10 * 60),
            consent_duration: Duration::from_secs(129_600 * 60),
            cache_max_data_retention: Duration::from_secs(172_800 * 60),
            history_days: 730,
            allow_sca_implicit: true,
            seed: 20_190_531,
            clock: SandboxClock::system(),
        }
    }
}

/// A switchable misbehaviour. Serialised with a `kind` tag for the HTTP control surface, e.g.
/// `{"kind":"rate_limit","requests":2}` or `{"kind":"expire_consents"}`.
///
/// Faults stay queued in injection order; a request consumes the first queued fault that applies
/// to it, and a fault with `requests: N` is gone after N uses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FinqwareFault {
    /// The next N steps or data calls that pass their checks answer 400 `external_api_error` /
    /// `external_api_too_many_requests`.
    RateLimit { requests: u32 },
    /// As `RateLimit`, with `external_api_connection_error`.
    ConnectionError { requests: u32 },
    /// The next N `/v1` calls (before any check) answer 500 `internal_server_error`.
    ServerError { requests: u32 },
    /// The next N `/v1` calls (before any check) answer a `text/html` error page from the
    /// gateway, with HTTP `status` (502 unless given; 200 gives HTML where JSON was due).
    HtmlErrorPage {
        requests: u32,
        #[serde(default = "bad_gateway")]
        status: u16,
    },
    /// The next N successful data calls answer 200 with the JSON cut off half way.
    MalformedJson { requests: u32 },
    /// The next N `/transactions/get` answers with rows lack `field` in their first row;
    /// `data.amount` style paths reach inside `data`.
    MissingField { field: String, requests: u32 },
    /// The next N `/transactions/get` answers with rows send the first row's amount with a
    /// binary-float tail (`"4.27"` → `"4.2700000000000005"`).
    FloatAmount { requests: u32 },
    /// At once: every active consent expires now (`consent_exp` = now), so data calls answer
    /// 401 `expired_credentials`. Not queued.
    ExpireConsents,
    /// Hostile (opt-in; `hostile.rs` says why each is the harsher choice): the next N
    /// `/transactions/get` calls are answered only after `secs` seconds of real time.
    Stall { requests: u32, secs: u64 },
    /// Hostile: the next N `/transactions/get` calls answer 200 with their valid JSON padded
    /// with whitespace to `bytes` bytes, announced in `Content-Length`.
    HugeBody { requests: u32, bytes: u64 },
    /// Hostile: the next N `/transactions/get` calls answer 200 with a chunked body that opens
    /// `[` and then sends whitespace for ever.
    EndlessBody { requests: u32 },
    /// Hostile: the next N `/transactions/get` answers with rows put `booking_date_time`
    /// `+10000-01-01T00:00:00Z` (ISO 8601's expanded year) on their first row.
    FarFutureDate { requests: u32 },
    /// Hostile: the next N `/transactions/get` answers with rows give their first row the
    /// amount `92233720368547758.07` (minor units just below `i64::MAX`).
    HugeAmount { requests: u32 },
}

fn bad_gateway() -> u16 {
    502
}

/// Counters of what clients did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FinqwareStats {
    /// Every request under `/v1/` except the browser redirect, whatever its outcome.
    pub api_calls: u64,
    pub sessions_created: u64,
    /// Accepted steps (`sca` and `sca_implicit`).
    pub steps: u64,
    /// Consent pages shown.
    pub consent_pages: u64,
    pub approvals: u64,
    pub denials: u64,
    /// Successful `/tokens` exchanges (= consents created).
    pub tokens_exchanged: u64,
    /// Successful `/accounts/get`, `/balances/get` and `/transactions/get`.
    pub data_calls: u64,
    /// Fault uses.
    pub faults_fired: u64,
}

/// One consent (credentials) as the sandbox holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsentRow {
    pub credentials_id: String,
    pub access_token: String,
    pub skill: String,
    pub tenant_user_id: Option<String>,
    /// `ACTIVE`, `EXPIRED` or `DELETED` now.
    pub status: String,
    pub created: DateTime<Utc>,
    pub consent_exp: DateTime<Utc>,
    pub max_data_retention: DateTime<Utc>,
}

/// What `/_sandbox/advance` (and [`FinqwareSandbox::advance_days`]) did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdvanceSummary {
    pub days: u32,
    /// The clock after the move.
    pub now: DateTime<Utc>,
    /// What changed at all banks together.
    pub changes: Changes,
}

/// Handle on a running sandbox. Cloning is cheap; dropping every handle leaves the server
/// running (call [`FinqwareSandbox::shutdown`] to stop it).
#[derive(Clone)]
pub struct FinqwareSandbox {
    shared: Arc<Shared>,
    addr: SocketAddr,
}

impl std::fmt::Debug for FinqwareSandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FinqwareSandbox")
            .field("base_url", &self.base_url())
            .finish()
    }
}

impl FinqwareSandbox {
    /// Binds 127.0.0.1:`port` (0 = any free port) and serves on a spawned tokio task.
    pub async fn start(config: FinqwareConfig, port: u16) -> std::io::Result<FinqwareSandbox> {
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
                tracing::error!("finqware sandbox stopped with an error: {e}");
            }
        });
        Ok(FinqwareSandbox { shared, addr })
    }

    /// API base including the version, e.g. `http://127.0.0.1:41234/v1` (stands in for
    /// `https://api.finqware.com/v1`).
    pub fn base_url(&self) -> String {
        format!("http://{}/v1", self.addr)
    }

    /// `http://127.0.0.1:PORT`: the control surface lives under `/_sandbox/` here.
    pub fn origin(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Human-readable instructions for standalone use.
    pub fn describe(&self) -> String {
        control::describe(&self.shared)
    }

    /// The sandbox's clock (clones move together).
    pub fn clock(&self) -> SandboxClock {
        self.shared.config.clock.clone()
    }

    /// The bank lives `days` more days: the clock moves by `days` × 24 h, and every bank's new
    /// rows, bookings, cancellations and late postings of those days appear.
    pub fn advance_days(&self, days: u32) -> AdvanceSummary {
        control::advance(&self.shared, days)
    }

    /// Queues a fault (or applies [`FinqwareFault::ExpireConsents`] at once).
    pub fn inject(&self, fault: FinqwareFault) {
        let now = self.shared.now();
        self.shared.lock().inject(fault, now);
    }

    /// Drops every queued fault.
    pub fn clear_faults(&self) {
        self.shared.lock().faults.clear();
    }

    /// The queued faults.
    pub fn faults(&self) -> Vec<FinqwareFault> {
        self.shared.lock().faults.clone()
    }

    /// Every row every bank holds now (all skills, the whole history: the cache serves only the
    /// last `cache_max_data_retention` of it, see [`FinqwareSandbox::retention_start`]).
    pub fn oracle_ledger(&self) -> Vec<OracleRow> {
        let now = self.shared.now();
        self.shared.lock().oracle_rows(&self.shared, None, now)
    }

    /// Every account at every bank now. `account` is the IBAN.
    pub fn oracle_accounts(&self) -> Vec<OracleAccount> {
        let now = self.shared.now();
        self.shared.lock().oracle_accounts(&self.shared, None, now)
    }

    /// The oldest `booking_date_time` the cache serves now.
    pub fn retention_start(&self) -> DateTime<Utc> {
        self.shared.window_start(self.shared.now())
    }

    /// Every request received so far outside `/_sandbox/`, in order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.lock().requests.clone()
    }

    /// Empties the request log.
    pub fn clear_requests(&self) {
        self.shared.lock().requests.clear();
    }

    /// Counters so far.
    pub fn stats(&self) -> FinqwareStats {
        self.shared.lock().stats
    }

    /// Every consent ever created, in creation order.
    pub fn consents(&self) -> Vec<ConsentRow> {
        let now = self.shared.now();
        self.shared.lock().consent_rows(now)
    }

    /// Stops accepting connections; open ones finish their current request.
    pub fn shutdown(&self) {
        self.shared.stop.send_replace(true);
    }
}
