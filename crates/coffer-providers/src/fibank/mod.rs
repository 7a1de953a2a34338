//! Fibank (First Investment Bank, Bulgaria): the bank's own "My Fibank" e-banking API, reached
//! the way its web app reaches it (providers.md §D). Fibank offers apps no API, so the user's
//! e-banking username and password are the credential.
//!
//! - [`login`]: the stateful login (cookie jar, CSRF, certificate lookup, form post, the access
//!   token from a redirect's fragment).
//! - This module: every API call with the `EBank-*` headers, the customer id, accounts and
//!   balances, and the re-login when a token dies mid-sync.
//! - [`plan`]: statements in windows within the bank's 31-day limit, back through history and
//!   forward from the cursor.
//! - [`wire`]: the JSON, money from raw number text, Sofia calendar days.
//!
//! Every sync logs in from scratch (as the web app and the reference connector do): tokens live
//! minutes and have no refresh, so nothing but the password is worth keeping. That is why the
//! password stays sealed in the vault. A password the bank refused, or a blocked user, is
//! remembered (not the password, only the fact) and no later sync tries again until the user
//! logs in anew: three wrong passwords in a row block the user at the bank.

mod bank;
mod categories;
mod login;
mod plan;
mod wire;

use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use coffer_core::model::{AccountKind, ProviderAccount};
use coffer_core::money::{Currency, Money};
use coffer_core::sync::{Need, Provider, ProviderError, TransactionBatch};
use coffer_login::BankMemory;
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, COOKIE, REFERER};
use secrecy::ExposeSecret;
use url::Url;

pub use self::bank::{FibankBank, FIBANK};
pub use self::login::FibankCredentials;
use self::login::LoggedIn;
use self::wire::{AccountItem, CustBal, CustQuery};
use crate::wire::{join_path, server_backoff, tidy, transport_problem};

pub const PROVIDER_ID: &str = "fibank";
pub const LABEL: &str = "Fibank";
/// The host that serves both `/oauth2-server/…` and `/EBank/…`.
pub const DEFAULT_BASE_URL: &str = "https://my.fibank.bg";

/// Logins one sync may make: the first, and a few silent ones after a token died. More means
/// the bank keeps rejecting fresh tokens, and logging in again would not help.
const MAX_LOGINS: u32 = 4;
/// Any constant device id works (providers.md §D); this one names Coffer.
const DEVICE_ID: &str = "C0FFE0C0FFE0";
/// The SPA route the web app sends with its statement calls.
const EBANK_REFERER: &str = "%2Fizvlechenia%2Facc-stmt-offline";

/// Why talking to Fibank failed. Never carries the password, a token or a cookie.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FibankError {
    #[error("Fibank needs the e-banking username and password")]
    MissingCredentials,
    #[error("the Fibank base URL cannot take a path; check the setting fibank.base_url")]
    BadBaseUrl,
    #[error("cannot reach Fibank: {0}")]
    Unreachable(String),
    #[error(
        "Fibank's login page carried no CSRF token (_csrf), so Coffer cannot log in; the bank \
         may have changed its site"
    )]
    NoCsrf,
    #[error(
        "Fibank's login redirect carried no access token in its fragment; the bank may have \
         changed its site"
    )]
    NoToken,
    #[error("Fibank refused the username or password{}", said(.0))]
    Refused(String),
    #[error(
        "Fibank has blocked this e-banking user after repeated wrong passwords; unblock it with \
         Fibank (0700 12 777 or a branch), then log in again in Coffer"
    )]
    Locked,
    #[error(
        "Fibank refused the saved password at an earlier sync, so Coffer does not try it again \
         (repeated wrong passwords block the user); log in again with the current password"
    )]
    RefusedBefore,
    #[error("Fibank's login failed at {step} (HTTP {status}){said}")]
    LoginStep {
        step: String,
        status: u16,
        said: String,
    },
    #[error("Fibank's login went somewhere Coffer does not know: {0}")]
    UnexpectedPage(String),
    #[error("Fibank answered {what} with HTTP {status}{said}")]
    Api {
        what: String,
        status: u16,
        said: String,
    },
    #[error("Fibank answered {what} with a web page instead of data")]
    Html { what: String },
    #[error("Fibank's answer to {what} cannot be read: {detail}")]
    Malformed { what: String, detail: String },
    #[error("Fibank keeps rejecting fresh logins' tokens; try again later")]
    TokenRejected,
}

fn said(message: &str) -> String {
    if message.is_empty() {
        String::new()
    } else {
        format!(" (the bank says: {message})")
    }
}

impl FibankError {
    /// True when only the user can fix it by logging in again.
    fn needs_login(&self) -> bool {
        matches!(
            self,
            FibankError::Refused(_)
                | FibankError::Locked
                | FibankError::RefusedBefore
                | FibankError::MissingCredentials
        )
    }
}

impl From<FibankError> for ProviderError {
    fn from(e: FibankError) -> ProviderError {
        match &e {
            _ if e.needs_login() => ProviderError::Reauth {
                provider: PROVIDER_ID,
                reason: e.to_string(),
            },
            FibankError::Api { status, .. } => ProviderError::Http {
                provider: PROVIDER_ID,
                status: *status,
                message: e.to_string(),
            },
            FibankError::Malformed { .. } | FibankError::Html { .. } => ProviderError::Malformed {
                provider: PROVIDER_ID,
                detail: e.to_string(),
            },
            _ => ProviderError::Other {
                provider: PROVIDER_ID,
                message: e.to_string(),
            },
        }
    }
}

impl From<FibankError> for coffer_login::LoginError {
    fn from(e: FibankError) -> coffer_login::LoginError {
        coffer_login::LoginError::Provider {
            provider: PROVIDER_ID.to_string(),
            detail: e.to_string(),
        }
    }
}

/// How a connection is tuned.
#[derive(Clone, Default)]
pub struct FibankOptions {
    /// How far back a first sync reaches, in days (0: as far as the bank answers).
    pub max_lookback_days: u32,
    /// Where a refused password is remembered, under `refused.<connection>`; `None` (a login
    /// being verified) neither reads nor writes it.
    pub memory: Option<Arc<dyn BankMemory>>,
    pub connection: Option<i64>,
}

/// A logged-in session with its customer id.
#[derive(Clone)]
struct Session {
    login: LoggedIn,
    customer_id: String,
}

/// One Fibank connection, as a sync provider.
pub struct Fibank {
    base: Url,
    http: reqwest::Client,
    credentials: FibankCredentials,
    now: DateTime<Utc>,
    today: NaiveDate,
    options: FibankOptions,
    session: tokio::sync::Mutex<Option<Session>>,
    logins: AtomicU32,
    /// Set when the bank let an answer run past the timeout or sent one past the size cap: it
    /// is not asked again in this sync, so a stalling bank costs one timeout, not one per
    /// account, window and retry (minutes per sync with the real 60 s timeout).
    gave_up: AtomicBool,
}

/// The memory key of a connection's refused password.
pub fn refused_key(connection: i64) -> String {
    format!("refused.{connection}")
}

impl Fibank {
    pub fn new(
        base: Url,
        http: reqwest::Client,
        credentials: FibankCredentials,
        now: DateTime<Utc>,
        options: FibankOptions,
    ) -> Fibank {
        Fibank {
            base,
            http,
            credentials,
            now,
            today: now.with_timezone(&chrono_tz::Europe::Sofia).date_naive(),
            options,
            session: tokio::sync::Mutex::new(None),
            logins: AtomicU32::new(0),
            gave_up: AtomicBool::new(false),
        }
    }

    /// Logins this provider made so far.
    pub fn logins(&self) -> u32 {
        self.logins.load(Ordering::Relaxed)
    }

    fn refused_slot(&self) -> Option<(&Arc<dyn BankMemory>, String)> {
        match (&self.options.memory, self.options.connection) {
            (Some(m), Some(c)) => Some((m, refused_key(c))),
            _ => None,
        }
    }

    /// Logs in and reads the customer id: what "connect" checks before anything is saved.
    pub async fn verify(&self) -> Result<(), FibankError> {
        self.current_session().await.map(|_| ())
    }

    /// The live session, logging in when there is none.
    async fn current_session(&self) -> Result<Session, FibankError> {
        let mut slot = self.session.lock().await;
        if let Some(s) = slot.as_ref() {
            return Ok(s.clone());
        }
        if let Some((memory, key)) = self.refused_slot() {
            if memory
                .recall(&key)
                .ok()
                .flatten()
                .is_some_and(|v| !v.is_empty())
            {
                return Err(FibankError::RefusedBefore);
            }
        }
        if self.logins.fetch_add(1, Ordering::Relaxed) >= MAX_LOGINS {
            return Err(FibankError::TokenRejected);
        }
        let login = match login::log_in(&self.http, &self.base, &self.credentials, self.now).await {
            Ok(l) => l,
            Err(e) => {
                if matches!(e, FibankError::Refused(_) | FibankError::Locked) {
                    // Remembered before anything else can happen: the next sync must not try.
                    if let Some((memory, key)) = self.refused_slot() {
                        if let Err(err) = memory.remember(&key, "1") {
                            tracing::warn!("cannot remember Fibank's refusal: {err}");
                        }
                    }
                }
                return Err(e);
            }
        };
        let customer_id = self.customer_id(&login).await?;
        let session = Session { login, customer_id };
        *slot = Some(session.clone());
        Ok(session)
    }

    /// `getCustQuery` → `customer[0].ibCustomerId`, the `EBank-Cust-Id` of every later call;
    /// asked again with back-off after a 5xx or a page, like every other call.
    async fn customer_id(&self, login: &LoggedIn) -> Result<String, FibankError> {
        let mut backoff = server_backoff();
        loop {
            let problem = match self
                .send(login, None, "sywsquery/sywsquery/getCustQuery", &[])
                .await?
            {
                Reply::Json(text) => match read_customer(&text) {
                    Ok(id) => return Ok(id),
                    Err(detail) => FibankError::Malformed {
                        what: "the customer query".into(),
                        detail,
                    },
                },
                // A token refused straight after the login that issued it.
                Reply::Unauthorized => return Err(FibankError::TokenRejected),
                Reply::Failed(e) => e,
            };
            match backoff.next() {
                Some(delay) => tokio::time::sleep(delay).await,
                None => return Err(problem),
            }
        }
    }

    async fn forget_session(&self) {
        *self.session.lock().await = None;
    }

    /// One GET under `/EBank/api/v1/` with the web app's headers.
    async fn send(
        &self,
        login: &LoggedIn,
        customer: Option<&str>,
        path: &str,
        query: &[(&str, String)],
    ) -> Result<Reply, FibankError> {
        if self.gave_up.load(Ordering::Relaxed) {
            return Err(FibankError::Unreachable(
                "it did not answer in time, or sent too much, earlier in this sync; it is asked \
                 again at the next sync"
                    .into(),
            ));
        }
        let what = describe(path);
        let mut url = join_path(&self.base, &format!("EBank/api/v1/{path}"))
            .ok_or(FibankError::BadBaseUrl)?;
        if !query.is_empty() {
            // Form encoding writes the offset's `+` as `%2B`, which the bank reads as `+`.
            url.query_pairs_mut()
                .extend_pairs(query.iter().map(|(k, v)| (*k, v.as_str())));
        }
        let referer = join_path(&self.base, "EBank/izvlechenia/acc-stmt-offline")
            .map(|u| u.to_string())
            .unwrap_or_default();
        let mut request = self
            .http
            .get(url.clone())
            .header(
                AUTHORIZATION,
                format!("Bearer {}", login.token.expose_secret()),
            )
            .header(ACCEPT, "application/json, text/plain, */*")
            .header("Accept-Language", "bg")
            .header("EBank-App-Version", "1")
            .header("EBank-Client-Time", login::client_time(self.now))
            .header("EBank-Device-Id", DEVICE_ID)
            .header("EBank-Referer", EBANK_REFERER)
            .header("X-Requested-With", "XMLHttpRequest")
            .header(REFERER, referer);
        if let Some(customer) = customer {
            request = request.header("EBank-Cust-Id", customer);
        }
        if let Some(cookies) = login.jar.header_for(url.path()) {
            request = request.header(COOKIE, cookies);
        }
        let response = match request.send().await {
            Ok(r) => r,
            Err(e) if e.is_timeout() => {
                // Not retried: a bank that stalls would cost a timeout per attempt.
                self.gave_up.store(true, Ordering::Relaxed);
                return Err(FibankError::Unreachable(transport_problem(&e)));
            }
            Err(e) => {
                return Ok(Reply::Failed(FibankError::Unreachable(transport_problem(
                    &e,
                ))))
            }
        };
        let status = response.status();
        let html = response
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|t| t.contains("html"));
        let body = match coffer_login::http::read_text_capped(
            response,
            coffer_login::http::MAX_BODY,
        )
        .await
        {
            Ok(b) => b,
            Err(e) => {
                let problem = FibankError::Unreachable(crate::wire::body_problem(&e));
                if e.is_cap_or_timeout() {
                    // Not retried: asking again for an answer past the cap or the timeout
                    // only costs another 32 MiB or another timeout.
                    self.gave_up.store(true, Ordering::Relaxed);
                    return Err(problem);
                }
                return Ok(Reply::Failed(problem));
            }
        };
        let looks_html = html || body.trim_start().starts_with('<');
        if status == reqwest::StatusCode::UNAUTHORIZED {
            return Ok(Reply::Unauthorized);
        }
        if status.is_success() && !looks_html {
            return Ok(Reply::Json(body));
        }
        if status.is_success() {
            return Ok(Reply::Failed(FibankError::Html { what }));
        }
        let message = if looks_html {
            html_message(&body)
        } else {
            json_message(&body)
        };
        let error = FibankError::Api {
            what,
            status: status.as_u16(),
            said: message
                .map(|m| format!(": {}", tidy(&m)))
                .unwrap_or_default(),
        };
        if status.is_server_error() {
            Ok(Reply::Failed(error))
        } else {
            Err(error)
        }
    }

    /// A GET whose answer `parse` turns into `T`. A dead token gets one silent re-login;
    /// 5xx, HTML and unreadable answers are asked again with back-off, then reported.
    async fn call<T>(
        &self,
        path: &str,
        query: &[(&str, String)],
        parse: impl Fn(&str) -> Result<T, String>,
    ) -> Result<T, FibankError> {
        let mut backoff = server_backoff();
        let mut relogged = false;
        loop {
            let session = self.current_session().await?;
            let reply = self
                .send(&session.login, Some(&session.customer_id), path, query)
                .await?;
            let problem = match reply {
                Reply::Json(body) => match parse(&body) {
                    Ok(v) => return Ok(v),
                    Err(detail) => FibankError::Malformed {
                        what: describe(path),
                        detail,
                    },
                },
                Reply::Unauthorized if !relogged => {
                    // Tokens live minutes and have no refresh: log in again, once per call.
                    relogged = true;
                    self.forget_session().await;
                    continue;
                }
                Reply::Unauthorized => return Err(FibankError::TokenRejected),
                Reply::Failed(e) => {
                    if matches!(e, FibankError::Html { .. }) && !relogged {
                        // An expired web session is answered with a page; a fresh one helps.
                        relogged = true;
                        self.forget_session().await;
                    }
                    e
                }
            };
            match backoff.next() {
                Some(delay) => tokio::time::sleep(delay).await,
                None => return Err(problem),
            }
        }
    }

    /// Every account with its balances.
    async fn account_items(&self) -> Result<Vec<AccountItem>, FibankError> {
        let mut items = self
            .call(
                "sywspicklist/sywspicklist/getFilteredAccounts",
                &[],
                |body| {
                    serde_json::from_str::<Vec<AccountItem>>(body)
                        .map_err(|e| crate::wire::json_problem(&e))
                },
            )
            .await?;
        if items.iter().any(|i| i.acy_curr_balance.is_none()) {
            // The list may come without balances (providers.md §D leaves it open); the
            // balance query without an IBAN has them for every account.
            let query = [("StmtType", "T".to_string())];
            let all = self
                .call("sywsquery/sywsquery/GetCustBal", &query, |body| {
                    serde_json::from_str::<CustBal>(body).map_err(|e| crate::wire::json_problem(&e))
                })
                .await?;
            let all = all.acc.unwrap_or_default();
            for item in items.iter_mut() {
                if let Some(found) = all.iter().find(|a| a.iban() == item.iban()) {
                    item.acy_curr_balance = item
                        .acy_curr_balance
                        .take()
                        .or_else(|| found.acy_curr_balance.clone());
                    item.acy_avl_bal = item
                        .acy_avl_bal
                        .take()
                        .or_else(|| found.acy_avl_bal.clone());
                }
            }
        }
        Ok(items)
    }
}

fn read_customer(text: &str) -> Result<String, String> {
    serde_json::from_str::<CustQuery>(text)
        .map_err(|e| crate::wire::json_problem(&e))?
        .customer
        .into_iter()
        .find_map(|c| c.ib_customer_id)
        .map(|id| id.0)
        .filter(|id| !id.is_empty() && id.bytes().all(|b| b.is_ascii_alphanumeric()))
        .ok_or_else(|| "it names no customer (ibCustomerId)".to_string())
}

/// What one API call answered.
enum Reply {
    Json(String),
    Unauthorized,
    /// Worth asking again (5xx, a web page, a dropped connection).
    Failed(FibankError),
}

/// The call, in words for messages (no query: it carries the IBAN).
fn describe(path: &str) -> String {
    let name = path.rsplit('/').next().unwrap_or(path);
    match name {
        "getCustQuery" => "the customer query".into(),
        "getFilteredAccounts" => "the account list".into(),
        "GetCustBal" => "a statement".into(),
        other => other.to_string(),
    }
}

/// Tomcat's `<b>Message</b> …` line, else the page's title.
fn html_message(body: &str) -> Option<String> {
    let from_marker = |marker: &str, end: &str| {
        let at = body.find(marker)? + marker.len();
        let rest = &body[at..];
        let stop = rest.find(end)?;
        Some(rest[..stop].trim().to_string()).filter(|s| !s.is_empty())
    };
    from_marker("<b>Message</b>", "</p>").or_else(|| from_marker("<title>", "</title>"))
}

/// Spring's `message` or OAuth's `error_description`.
fn json_message(body: &str) -> Option<String> {
    let v: serde_json::Value = serde_json::from_str(body).ok()?;
    ["message", "error_description", "error"]
        .iter()
        .find_map(|k| v.get(k).and_then(|m| m.as_str()).map(str::to_string))
}

fn account_of(item: &AccountItem, now: DateTime<Utc>) -> Result<ProviderAccount, String> {
    let iban = item
        .iban()
        .ok_or_else(|| "an account has no IBAN (ibanAcNo)".to_string())?;
    let currency: Currency = item
        .ccy
        .as_deref()
        .unwrap_or_default()
        .trim()
        .parse()
        .map_err(|_| format!("account {iban} has no readable currency"))?;
    let money = |raw: Option<&wire::Raw>| -> Result<Option<Money>, String> {
        raw.map(|r| wire::minor(r, currency).map(|m| Money::new(m, currency)))
            .transpose()
            .map_err(|e| format!("account {iban}: {e}"))
    };
    let balance = money(item.acy_curr_balance.as_ref())?.unwrap_or(Money::zero(currency));
    let available = money(item.acy_avl_bal.as_ref())?;
    let name = [item.ac_desc.as_deref(), item.description.as_deref()]
        .into_iter()
        .flatten()
        .map(str::trim)
        .find(|n| !n.is_empty())
        .unwrap_or(&iban)
        .to_string();
    let kind = match item.category.as_deref().map(str::trim) {
        Some(c) if c.contains("CARD") => AccountKind::CreditCard,
        _ => AccountKind::Current,
    };
    Ok(ProviderAccount {
        provider_account_id: iban.clone(),
        name,
        number: Some(iban.clone()),
        iban: Some(iban),
        kind,
        balance,
        available,
        balance_at: now,
        opening: None,
    })
}

#[async_trait]
impl Provider for Fibank {
    fn id(&self) -> &'static str {
        PROVIDER_ID
    }

    async fn accounts(&self) -> Result<Vec<ProviderAccount>, ProviderError> {
        let items = self.account_items().await?;
        items
            .iter()
            .map(|i| account_of(i, self.now))
            .collect::<Result<Vec<_>, String>>()
            .map_err(|detail| {
                FibankError::Malformed {
                    what: "the account list".into(),
                    detail,
                }
                .into()
            })
    }

    async fn transactions(
        &self,
        account: &ProviderAccount,
        need: &Need,
    ) -> Result<TransactionBatch, ProviderError> {
        Ok(self.fetch(account, need).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_that_need_the_user_become_reauth() {
        let e: ProviderError = FibankError::Refused("Невалидно".into()).into();
        assert!(matches!(e, ProviderError::Reauth { .. }), "{e}");
        let e: ProviderError = FibankError::Locked.into();
        assert!(matches!(e, ProviderError::Reauth { .. }), "{e}");
        let e: ProviderError = FibankError::NoCsrf.into();
        assert!(matches!(e, ProviderError::Other { .. }), "{e}");
    }

    #[test]
    fn tomcat_pages_are_read_for_their_message() {
        let page = "<html><head><title>HTTP Status 500 – Internal Server Error</title></head>\
                    <body><p><b>Message</b> Периодът не може да бъде по-дълъг от 31 дни.</p>";
        assert_eq!(
            html_message(page).as_deref(),
            Some("Периодът не може да бъде по-дълъг от 31 дни.")
        );
        assert_eq!(
            json_message(r#"{"error":"invalid_token","error_description":"expired"}"#).as_deref(),
            Some("expired")
        );
    }
}
