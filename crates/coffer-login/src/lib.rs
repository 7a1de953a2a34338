//! # coffer-login
//!
//! How Coffer logs in to a bank without ever seeing the user's bank password:
//!
//! - [`oauth`]: the authorization code grant with PKCE (S256) and a single-use `state`, built on
//!   the `oauth2` crate, plus token exchange and refresh.
//! - [`loopback`]: the one-shot redirect listener on 127.0.0.1 (RFC 8252 §7.3), bound without
//!   `SO_REUSEADDR` so no other process can share the port.
//! - [`callback`]: every redirect — loopback request or `coffer://` deep link — parsed as
//!   untrusted input and matched against what the pending login expects.
//! - [`pending`]: the logins in progress; a callback is delivered to at most one of them, once.
//! - [`session`]: the token lifecycle of a connected bank: refresh before expiry or after a 401,
//!   single-flight per connection, the rotated refresh token saved before the new access token
//!   is used.
//!
//! Nothing here knows about SQLite or the vault: saving tokens is the caller's [`TokenSink`].
//! Codes, verifiers and tokens are `SecretString`s and never appear in errors or logs.

pub mod callback;
pub mod http;
pub mod loopback;
pub mod oauth;
pub mod pending;
pub mod plan;
pub mod run;
pub mod session;

pub use callback::{Callback, CallbackResult, Expected};
pub use loopback::LoopbackListener;
pub use oauth::{Authorization, ClientAuth, OAuthProvider, TokenSet};
pub use oauth2::PkceCodeVerifier;
pub use pending::{LoginId, PendingLogin, PendingLogins};
pub use plan::{
    BankMemory, CredentialsLogin, Endpoints, HostedLogin, HostedResult, HostedStart, LoginInput,
    LoginOutcome, LoginPlan, OAuthLogin, Renewing, Secrets,
};
pub use run::{Return, Runner, Started, OAUTH_TOKENS};
pub use session::{OAuthSession, TokenSink};

/// How long a login waits for the browser before giving up.
pub const LOGIN_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10 * 60);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LoginError {
    #[error(
        "port {port} on 127.0.0.1 is already in use, so Coffer cannot receive the bank's \
         redirect there; close the program using it or register another port with the bank"
    )]
    PortTaken { port: u16 },
    #[error("cannot open the login listener on 127.0.0.1: {detail}")]
    Listener { detail: String },
    #[error("cannot reach {provider}'s token endpoint at {host}: {detail}")]
    TokenEndpointUnreachable {
        provider: String,
        host: String,
        detail: String,
    },
    #[error(
        "{provider}'s token endpoint at {host} answered with {what} instead of a JSON token \
         response; check the token URL in the settings"
    )]
    TokenEndpointNotJson {
        provider: String,
        host: String,
        what: String,
    },
    #[error("{provider} refused the login: {error}{}", description_suffix(.description))]
    Denied {
        provider: String,
        error: String,
        description: Option<String>,
    },
    #[error("{provider} no longer accepts Coffer's login (invalid_grant); log in again")]
    InvalidGrant { provider: String },
    #[error(
        "{provider} does not accept the client id and secret (invalid_client); check them in \
         the bank's developer portal"
    )]
    InvalidClient { provider: String },
    #[error("{provider}'s token endpoint answered {error}{}", description_suffix(.description))]
    TokenEndpoint {
        provider: String,
        error: String,
        description: Option<String>,
    },
    #[error("the redirect from {provider} carried no authorization code")]
    MissingCode { provider: String },
    #[error("the redirect does not belong to the login in progress: {reason}")]
    NotForThisLogin { reason: String },
    #[error("the redirect from {provider} is malformed: {detail}")]
    MalformedCallback { provider: String, detail: String },
    #[error("no login is waiting for this link (it was used already, cancelled or timed out)")]
    NoPendingLogin,
    #[error("the login timed out after {minutes} min without an answer from the browser")]
    TimedOut { minutes: u64 },
    #[error(
        "the login timed out after {minutes} min without an answer from the browser. If the \
         bank's page reported a redirect URI problem, register exactly {redirect_uri} for your \
         client"
    )]
    RedirectNeverArrived { minutes: u64, redirect_uri: String },
    #[error("the login was cancelled")]
    Cancelled,
    #[error("cannot save the new tokens, so they were not used: {detail}")]
    Storage { detail: String },
    #[error("invalid login settings: {detail}")]
    Settings { detail: String },
    /// The bank's API failed while setting the login up (its own words, no secrets).
    #[error("{detail}")]
    Provider { provider: String, detail: String },
}

fn description_suffix(description: &Option<String>) -> String {
    match description {
        Some(d) if !d.is_empty() => format!(" ({d})"),
        _ => String::new(),
    }
}

/// Keeps provider-supplied text short and printable before it goes into a message.
pub(crate) fn tidy(text: &str) -> String {
    let cleaned: String = text.chars().filter(|c| !c.is_control()).take(200).collect();
    cleaned.trim().to_string()
}
