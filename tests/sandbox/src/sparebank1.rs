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
//!
//! Faults are switched from Rust ([`Sparebank1Sandbox::inject`]) or over HTTP
//! (`POST /_sandbox/faults`); see [`Sparebank1Sandbox::describe`].

mod api;
mod browser;
mod control;
mod json;
mod ledger;
mod oauth;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

pub use browser::{approve_in_browser, BrowseError};

/// How the sandbox behaves. [`Default`] gives the documented defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
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
    /// The Oslo calendar day the seeded ledger ends on.
    pub today: chrono::NaiveDate,
    pub seed: u64,
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
            today: ledger::oslo_today(),
            seed: 1,
        }
    }
}

/// A switchable misbehaviour. Serialised with a `kind` tag, e.g.
/// `{"kind":"rate_limit","requests":2,"retry_after_secs":30}` or `{"kind":"expire_access_tokens"}`.
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
    /// The next `requests` transaction calls answer 200 with `errors: [error]` and without the
    /// rows of the failed source (`RECENT_TRANSACTIONS_FAILED` drops RECENT rows,
    /// `HISTORIC_TRANSACTIONS_FAILED` HISTORIC rows, `CREDIT_ACCOUNTS_FAILED` credit-card rows).
    PartialFailure { error: String, requests: u32 },
    /// The next `requests` token requests get a 200 `text/html` page instead of JSON.
    TokenEndpointHtml { requests: u32 },
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
    /// Responses with status 429.
    pub rate_limited: u64,
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
        let (stop_tx, mut stop_rx) = tokio::sync::watch::channel(false);
        let shared = Arc::new(Shared::new(config, port, stop_tx));
        let app = router(shared.clone());
        tokio::spawn(async move {
            let stop = async move {
                loop {
                    if *stop_rx.borrow_and_update() {
                        break;
                    }
                    if stop_rx.changed().await.is_err() {
                        // The sender lives as long as the shared state; never stop by accident.
                        std::future::pending::<()>().await;
                    }
                }
            };
            if let Err(e) = axum::serve(listener, app)
                .with_graceful_shutdown(stop)
                .await
            {
                tracing::error!("sparebank1 sandbox stopped: {e}");
            }
        });
        tracing::info!("sparebank1 sandbox on http://127.0.0.1:{port}");
        Ok(Sparebank1Sandbox { shared })
    }

    /// `http://127.0.0.1:PORT`; `/oauth/*`, `/personal/*` and `/common/*` all live here.
    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.shared.port)
    }

    /// Human-readable instructions for standalone use.
    pub fn describe(&self) -> String {
        let base = self.base_url();
        let st = self.shared.lock();
        let c = &self.shared.config;
        let mut out = String::new();
        out.push_str(&format!(
            "SpareBank 1 sandbox (personal-client Open API) at {base}\n\
             \n\
             OAuth (stands in for https://api-auth.sparebank1.no):\n\
             \x20 authorize: {base}/oauth/authorize?client_id=..&redirect_uri=..&state=..&response_type=code[&finInst=fid-..][&code_challenge=..&code_challenge_method=S256]\n\
             \x20 token:     POST {base}/oauth/token (form; client auth by HTTP Basic or client_id/client_secret in the form)\n\
             \x20 client_id:     {}\n\
             \x20 client_secret: {}\n\
             \x20 registered redirect URIs (exact match):\n",
            c.client_id, c.client_secret
        ));
        for uri in &st.redirect_uris {
            out.push_str(&format!("    {uri}\n"));
        }
        out.push_str(&format!(
            "\x20 access token {} s, code {} s, refresh token {} s idle; PKCE {}\n\
             \n\
             API (stands in for https://api.sparebank1.no), Accept: application/vnd.sparebank1.v1+json; charset=utf-8\n\
             \x20 GET {base}/personal/banking/accounts   (…/default, …/{{accountKey}})\n\
             \x20 GET {base}/personal/banking/transactions?accountKey=..&accountKey=..&fromDate=yyyy-MM-dd&toDate=..&rowLimit=..&source=RECENT|HISTORIC|ALL\n\
             \x20 GET {base}/personal/banking/transactions/classified (same parameters)\n\
             \x20 GET {base}/common/helloworld\n\
             \n\
             Ledger: ends {} (Oslo), seed {}. Accounts:\n",
            c.access_token_ttl.as_secs(),
            c.code_ttl.as_secs(),
            c.refresh_token_ttl.as_secs(),
            if c.require_pkce { "required" } else { "optional" },
            st.ledger.today,
            st.ledger.seed,
        ));
        for (i, a) in st.ledger.accounts.iter().enumerate() {
            out.push_str(&format!(
                "  {:<11} {:<13} key {}  balance {}\n",
                a.name,
                a.number,
                a.key,
                json::ore_text(st.ledger.balance(i))
            ));
        }
        out.push_str(&format!(
            "\n\
             Sandbox controls (no auth):\n\
             \x20 POST   {base}/_sandbox/faults        JSON fault, e.g. {{\"kind\":\"rate_limit\",\"requests\":2,\"retry_after_secs\":30}}\n\
             \x20        kinds: rate_limit{{requests,retry_after_secs}}, server_error{{requests}}, malformed_json{{requests}},\n\
             \x20               missing_field{{field,requests}}, float_amount{{requests}}, expire_access_tokens,\n\
             \x20               revoke_refresh_tokens, partial_failure{{error,requests}}, token_endpoint_html{{requests}}\n\
             \x20 DELETE {base}/_sandbox/faults        clear all faults\n\
             \x20 POST   {base}/_sandbox/book-pending  every PENDING row comes back BOOKED\n\
             \x20 POST   {base}/_sandbox/rotate-ids    new session: every transaction id changes\n\
             \x20 POST   {base}/_sandbox/redirect-uris {{\"uri\":\"http://127.0.0.1:PORT/callback\"}}\n\
             \x20 POST   {base}/_sandbox/transactions  {{\"account_key\":..,\"date\":\"yyyy-mm-dd\",\"amount\":\"-59.90\",\"description\":..,\"pending\":false}}\n\
             \x20 GET    {base}/_sandbox/ledger | /_sandbox/accounts | /_sandbox/stats\n\
             \x20 POST   {base}/_sandbox/approve?authorize_url=<url-encoded>&approve=true  log in without a browser\n"
        ));
        out
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

    /// Every row the bank holds now, pending and booked, ordered by account then date.
    pub fn ledger(&self) -> Vec<LedgerRow> {
        self.shared.lock().ledger_rows()
    }

    pub fn accounts(&self) -> Vec<AccountRow> {
        self.shared.lock().account_rows()
    }

    /// Every PENDING row comes back BOOKED with different data (booked texts, a booking date up
    /// to two days later but never after `today`, a new id, a real nonUniqueId). Balances follow.
    pub fn book_pending(&self) {
        self.shared.lock().ledger.book_pending();
    }

    /// Adds a row. `account_key` may also be the account number; `amount` is decimal text with
    /// at most two decimals (`"-59.90"`).
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

    /// Starts a new "session" for every client: every transaction `id` changes.
    pub fn rotate_ids(&self) {
        self.shared.lock().id_generation += 1;
    }

    pub fn stats(&self) -> Sparebank1Stats {
        self.shared.lock().stats.clone()
    }

    /// Every authorization code, access token and refresh token ever issued.
    pub fn issued_secrets(&self) -> Vec<String> {
        self.shared.lock().issued.clone()
    }

    /// Stops the server (open connections finish their current request).
    pub fn shutdown(&self) {
        let _ = self.shared.stop.send(true);
    }
}

// ---------------------------------------------------------------------------------------------
// Shared state

pub(crate) struct Shared {
    pub(crate) config: Sparebank1Config,
    pub(crate) port: u16,
    stop: tokio::sync::watch::Sender<bool>,
    state: Mutex<State>,
}

impl Shared {
    fn new(config: Sparebank1Config, port: u16, stop: tokio::sync::watch::Sender<bool>) -> Self {
        let ledger = ledger::Ledger::seeded(config.seed, config.today);
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
            id_generation: 0,
            next_session: 1,
        };
        Self {
            config,
            port,
            stop,
            state: Mutex::new(state),
        }
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// A BankID page shown but not yet answered.
#[derive(Debug, Clone)]
pub(crate) struct LoginRequest {
    pub redirect_uri: String,
    pub state: String,
    pub scope: String,
    pub code_challenge: Option<String>,
    pub created: Instant,
}

#[derive(Debug, Clone)]
pub(crate) struct CodeGrant {
    pub client_id: String,
    pub redirect_uri: String,
    pub scope: String,
    pub code_challenge: Option<String>,
    pub expires: Instant,
}

#[derive(Debug, Clone)]
pub(crate) struct AccessGrant {
    pub session: u64,
    pub expires: Instant,
}

#[derive(Debug, Clone)]
pub(crate) struct RefreshGrant {
    pub client_id: String,
    pub session: u64,
    pub scope: String,
    pub idle_expires: Instant,
    pub absolute_expires: Instant,
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
    pub partial_failure: Option<(String, u32)>,
    pub token_html: u32,
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
    /// Bumped by `rotate_ids`; part of every wire id.
    pub id_generation: u64,
    /// Each authorization-code exchange starts a new session (and so new ids).
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
        }
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
        .route("/common/helloworld", get(api::helloworld))
        .merge(control::routes())
        .fallback(api::not_found)
        .method_not_allowed_fallback(api::method_not_allowed)
        .with_state(shared)
}
