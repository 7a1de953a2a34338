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
//!
//! Behaviour the documentation leaves open is marked **[inference]** on the item that implements
//! it. The list, in one place:
//!
//! * [inference] A missing `Client-Id`, both secrets, neither secret, or a wrong secret value →
//!   400 `CredentialInvalid`; a `Client-Id` the sandbox does not know → 404 `ClientNotFound`.
//! * [inference] A missing `Login-secret` on a login-scoped call → 400 `BadRequest` with
//!   `extra.header`.
//! * [inference] A body that is present but not JSON, or sent with a `Content-Type` other than
//!   `application/json`, → 400 `ContentInputInvalid`. A JSON body without a `Content-Type` header
//!   is accepted. Bodiless `GET`/`PUT` calls are fine. Missing or mistyped fields → 400
//!   `DataInvalid` with `extra.field`.
//! * [inference] A token is spent by the first form submission on its page, whether the user
//!   connects or cancels. An unknown token → 404 HTML page; an expired or spent one → 400 HTML
//!   page naming `TokenExpire`; neither redirects.
//! * [inference] Cancel redirects to the callback with
//!   `{"status":"cancelled","login_id":null,"secret":null}`.
//! * [inference] If `callback_url` already ends in `/`, the JSON segment is appended without
//!   another slash.
//! * [inference] A login whose status is a failure (`login_wrong_credentials`,
//!   `login_password_expired`, `login_account_locked`) answers data calls and refresh with
//!   400 `LoginInvalid`, `extra: {"login_id", "status"}`. Reconnect, activate, deactivate and
//!   delete still work. A completed reconnect sets the status back to `active`.
//! * [inference] A deactivated login still serves `/account` and `/transaction`, but
//!   `/login/refresh` answers 400 `BadRequest` with `extra: {"login_id", "active": false}`.
//! * [inference] A refresh before `next_refresh_possible_at` → 400 `BadRequest` with
//!   `extra: {"login_id", "next_refresh_possible_at"}`. A fresh login may be refreshed at once.
//! * [inference] `GET /transaction` requires `account_id` (else 400 `DataInvalid`); `end_date` is
//!   a synonym of `to_date` (if both are sent, `to_date` wins); all bounds are inclusive; no
//!   bounds means the whole history; `timestamp` (epoch ms) keeps rows dated on or after that
//!   instant's calendar day in Asia/Ho_Chi_Minh and combines with the date bounds. Rows come
//!   newest first.
//! * [inference] `DELETE /login {customer_id}` needs the login's own customer (else 404
//!   `CustomerNotFound`) and answers `{"data":{"id":…,"deleted":true},"version":"v2"}`; the
//!   secret dies at once.
//! * [inference] `activate`/`deactivate` answer without `version`, as the documentation's
//!   examples do; every other success carries `"version":"v2"`.
//! * [inference] Unknown paths → 404 `NotFound`; a known path with the wrong method → 405
//!   `BadRequest`.
//! * [inference] Every service's sandbox login holds two VND accounts (current + credit card),
//!   whatever the service's country.
//! * [inference] `service.json`'s `last_update` is midnight (Asia/Ho_Chi_Minh) of the configured
//!   `today`; `media_path` keeps the real asset host. Techcombank is service 8 (the id used by the
//!   documentation's examples, whose sample rows are `techcombank-…`) and Vietcombank is 10; the
//!   other ids come from the 2024 catalogue capture.

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
    /// Last day of every seeded ledger.
    pub today: chrono::NaiveDate,
    /// Seed for the generated ledgers and numeric ids.
    pub seed: u64,
}

impl Default for FinsifyConfig {
    fn default() -> Self {
        Self {
            client_id: "sandbox-client-id".to_owned(),
            service_secret: "sandbox-service-secret".to_owned(),
            app_secret: "sandbox-app-secret".to_owned(),
            connect_ttl: Duration::from_secs(30 * 60),
            refresh_throttle: Duration::from_secs(5 * 60),
            today: chrono::Utc::now()
                .with_timezone(&chrono_tz::Asia::Ho_Chi_Minh)
                .date_naive(),
            seed: 20_170_327,
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
    pub category: String,
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
    /// The next "Connect" on a hosted page still links the login, but the callback carries a
    /// truncated JSON segment.
    CallbackBrokenJson,
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
        let (shared, mut stop) = Shared::new(config, origin);
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
                tracing::error!("finsify sandbox stopped with an error: {e}");
            }
        });
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

    /// Books a new transaction; the account balance moves by `amount`.
    ///
    /// # Panics
    /// If `amount` is not a decimal string with at most two decimals, or the login does not own
    /// the account.
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
        self.shared.stop.send_replace(true);
    }
}
