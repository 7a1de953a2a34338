//! Login plans: the small, closed set of ways a bank lets a user log in.
//!
//! A bank picks one [`LoginPlan`] and supplies only what differs between banks — its URLs, how
//! to read its callback, how to trade the result for secrets. Everything that must be the same
//! for every bank (the loopback listener, PKCE and `state`, per-login nonces, deep links, the
//! timeout, cancelling) lives in [`crate::run`], which carries a plan out.

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use secrecy::SecretString;
use url::Url;

use crate::callback::CallbackResult;
use crate::oauth::OAuthProvider;
use crate::LoginError;

/// Secrets by vault kind (`client_secret`, `oauth_tokens`, …), opened or about to be sealed.
#[derive(Debug, Clone, Default)]
pub struct Secrets(BTreeMap<String, SecretString>);

impl Secrets {
    pub fn insert(&mut self, kind: impl Into<String>, value: SecretString) {
        self.0.insert(kind.into(), value);
    }

    pub fn get(&self, kind: &str) -> Option<&SecretString> {
        self.0.get(kind)
    }

    /// The secret of `kind`, or an error that says the connection must log in again.
    pub fn require(&self, provider: &str, kind: &str) -> Result<&SecretString, LoginError> {
        self.get(kind).ok_or_else(|| LoginError::Settings {
            detail: format!("{provider} has no saved {kind}; log in again"),
        })
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &SecretString)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl FromIterator<(String, SecretString)> for Secrets {
    fn from_iter<T: IntoIterator<Item = (String, SecretString)>>(iter: T) -> Self {
        Secrets(iter.into_iter().collect())
    }
}

/// The base URLs a connection talks to, by the bank's setting name (`api_url`, `auth_url`).
///
/// A connection's endpoints are fixed when it logs in and stored with it: a setting changed
/// later affects new logins only, so no token or secret is ever sent to a host the login was
/// not made with.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Endpoints(BTreeMap<String, Url>);

impl Endpoints {
    pub fn new(urls: BTreeMap<String, Url>) -> Endpoints {
        Endpoints(urls)
    }

    /// The URL of `name`, or a settings error naming it.
    pub fn get(&self, provider: &str, name: &str) -> Result<&Url, LoginError> {
        self.0.get(name).ok_or_else(|| LoginError::Settings {
            detail: format!("{provider} has no {name} setting"),
        })
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &Url)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// A little key-value memory a bank keeps across logins on this profile (an aggregator's customer id,
/// which it hands out only once). Keys are scoped to the bank by the caller.
pub trait BankMemory: Send + Sync {
    fn recall(&self, key: &str) -> Result<Option<String>, LoginError>;
    fn remember(&self, key: &str, value: &str) -> Result<(), LoginError>;
}

/// A connection being renewed in place ("Log in again", "Renew").
#[derive(Debug, Clone)]
pub struct Renewing {
    pub connection: i64,
    pub label: String,
    /// What the connection keeps (the bank's own JSON).
    pub config: serde_json::Value,
    /// Every secret it holds, opened.
    pub secrets: Secrets,
}

/// Everything a bank may read while logging in.
#[derive(Clone)]
pub struct LoginInput {
    pub provider: &'static str,
    /// Plain form values by field key: what the user typed, else (when renewing) what the
    /// connection kept.
    pub form: BTreeMap<String, String>,
    /// Sealed form values by vault kind, from the form or (when renewing) from the vault.
    pub secrets: Secrets,
    pub renewing: Option<Renewing>,
    pub endpoints: Endpoints,
    pub http: reqwest::Client,
    pub memory: Arc<dyn BankMemory>,
    pub now: DateTime<Utc>,
}

impl std::fmt::Debug for LoginInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginInput")
            .field("provider", &self.provider)
            .field("form", &self.form)
            .field("renewing", &self.renewing.as_ref().map(|r| r.connection))
            .finish_non_exhaustive()
    }
}

impl LoginInput {
    /// A plain form value, trimmed; empty counts as absent.
    pub fn text(&self, key: &str) -> Option<&str> {
        self.form
            .get(key)
            .map(|v| v.trim())
            .filter(|v| !v.is_empty())
    }
}

/// What a finished login hands over to be saved, sealed, with its connection.
#[derive(Debug)]
pub struct LoginOutcome {
    /// What the connection keeps in the clear (the bank's own JSON: client id, bank choice…).
    pub config: serde_json::Value,
    /// Secrets beyond the form's sealed fields (tokens, login secrets), by vault kind.
    pub secrets: Secrets,
    pub consent_expires_at: Option<DateTime<Utc>>,
    /// The connection's name in the app (kept as it was when renewing).
    pub label: String,
}

/// How a bank logs a user in.
#[derive(Clone, Copy)]
pub enum LoginPlan {
    /// Nothing to log in to: connecting creates the connection (a built-in bank).
    None,
    /// OAuth 2 authorization code with PKCE in the system browser, back to a loopback listener.
    OAuthLoopback(&'static dyn OAuthLogin),
    /// A page hosted by the bank or aggregator that sends the browser back with a result.
    HostedPage(&'static dyn HostedLogin),
    /// The user's own username and password, verified by logging in from Coffer.
    Credentials(&'static dyn CredentialsLogin),
}

impl std::fmt::Debug for LoginPlan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            LoginPlan::None => "None",
            LoginPlan::OAuthLoopback(_) => "OAuthLoopback",
            LoginPlan::HostedPage(_) => "HostedPage",
            LoginPlan::Credentials(_) => "Credentials",
        })
    }
}

/// What an OAuth bank supplies.
pub trait OAuthLogin: Send + Sync {
    /// The port of the redirect URI registered with the bank (0: any, for test servers).
    fn redirect_port(&self, input: &LoginInput) -> Result<u16, LoginError>;
    /// Checks the form and returns what the connection keeps; `bound_port` is the port the
    /// listener got (the registered one, or an ephemeral one for 0).
    fn config(&self, input: &LoginInput, bound_port: u16) -> Result<serde_json::Value, LoginError>;
    /// The authorization server and client, from a kept config and its secrets.
    fn client(
        &self,
        config: &serde_json::Value,
        secrets: &Secrets,
        endpoints: &Endpoints,
    ) -> Result<OAuthProvider, LoginError>;
    /// The connection's name in the app.
    fn label(&self, config: &serde_json::Value) -> String;
}

/// How a hosted page hands its result back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostedResult {
    /// JSON appended as one more path segment after the login's nonce (an aggregator's hosted page).
    JsonPathSegment,
    /// A query parameter, e.g. `?temp_token=…`, or `?error=…` (a PSD2 middleware).
    QueryParam(&'static str),
}

/// What starting a hosted login gives back.
#[derive(Debug)]
pub struct HostedStart {
    /// The page to open in the browser; may carry one-time values, so never shown in the UI.
    pub browser_url: SecretString,
    /// Anything the bank needs again in [`HostedLogin::finish`] (its own JSON).
    pub state: serde_json::Value,
}

/// What a bank with a hosted login page supplies.
#[async_trait]
pub trait HostedLogin: Send + Sync {
    fn result(&self) -> HostedResult;
    /// True when the callback itself carries a long-lived secret (an aggregator's login secret). Such
    /// a callback only ever comes back through the loopback listener: a `coffer://` link is the
    /// command line of another process, readable by every local user.
    fn callback_carries_secret(&self) -> bool;
    /// Prepares the page; the bank must send the browser back to `callback_url`.
    async fn start(
        &self,
        input: &LoginInput,
        callback_url: &str,
    ) -> Result<HostedStart, LoginError>;
    /// Trades the callback's result for what the connection keeps.
    async fn finish(
        &self,
        input: &LoginInput,
        state: serde_json::Value,
        result: CallbackResult,
    ) -> Result<LoginOutcome, LoginError>;
}

/// What a bank that takes the user's own credentials supplies.
#[async_trait]
pub trait CredentialsLogin: Send + Sync {
    /// What is stored and why, shown before anything is saved; the user must confirm it.
    fn warning(&self) -> &'static str;
    /// Logs in with the form's credentials (so a wrong password is caught now) and says what
    /// the connection keeps.
    async fn verify(&self, input: &LoginInput) -> Result<LoginOutcome, LoginError>;
}
