//! Carrying out a [`LoginPlan`]: the part of every login that is the same for every bank.
//!
//! [`Runner::begin`] prepares the redirect (a listener on 127.0.0.1 or a `coffer://` link with a
//! per-login nonce), asks the bank for the page to open, and registers what the redirect must
//! look like; [`Runner::finish`] waits for it (or the timeout, or Cancel) and lets the bank trade
//! it for what the connection keeps. Nothing is saved here: the caller seals the outcome.

use std::sync::Arc;
use std::time::Duration;

use rand::RngCore;
use secrecy::SecretString;

use crate::callback::{CallbackResult, Expected};
use crate::loopback::LoopbackListener;
use crate::oauth::OAuthProvider;
use crate::pending::{LoginId, PendingLogin, PendingLogins};
use crate::plan::{
    CredentialsLogin, HostedLogin, HostedResult, LoginInput, LoginOutcome, LoginPlan, OAuthLogin,
    Secrets,
};
use crate::LoginError;

/// The vault kind under which OAuth tokens (access + refresh, one record) are sealed.
pub const OAUTH_TOKENS: &str = "oauth_tokens";

/// How the browser comes back to Coffer.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Return {
    /// A listener on 127.0.0.1 (always for OAuth and for results that carry a secret).
    #[default]
    Loopback,
    /// A `coffer://` link handed over by the OS to the running app.
    DeepLink,
}

/// A login waiting for the user. Holds no secret a front end may see: the browser URL stays
/// with the caller, which opens it.
pub struct Started {
    pub id: LoginId,
    /// Where the bank sends the browser back (what to register with it), if anywhere.
    pub redirect_uri: Option<String>,
    /// The page to open; `None` when the login happens without a browser (credentials).
    pub browser_url: Option<SecretString>,
    step: Step,
}

impl std::fmt::Debug for Started {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Started")
            .field("id", &self.id)
            .field("redirect_uri", &self.redirect_uri)
            .finish_non_exhaustive()
    }
}

enum Step {
    OAuth {
        oauth: &'static dyn OAuthLogin,
        pending: PendingLogin,
        listener: LoopbackListener,
        client: Box<OAuthProvider>,
        verifier: crate::PkceCodeVerifier,
        redirect_uri: String,
        config: serde_json::Value,
    },
    Hosted {
        hosted: &'static dyn HostedLogin,
        pending: PendingLogin,
        listener: Option<LoopbackListener>,
        state: serde_json::Value,
    },
    Credentials(&'static dyn CredentialsLogin),
}

/// Runs logins for one profile.
pub struct Runner {
    pub logins: Arc<PendingLogins>,
    /// The URL scheme the OS hands to Coffer (`coffer`).
    pub scheme: &'static str,
    pub timeout: Duration,
}

/// The path every redirect for `provider` arrives on: `/callback/<provider>` on the loopback
/// listener, `coffer://callback/<provider>` as a deep link.
pub fn callback_path(provider: &str) -> String {
    format!("/callback/{provider}")
}

fn nonce() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl Runner {
    /// Prepares the login. `wanted` is the front end's preferred way back; OAuth and results
    /// that carry a long-lived secret always use the loopback listener.
    pub async fn begin(
        &self,
        plan: LoginPlan,
        input: &LoginInput,
        wanted: Return,
    ) -> Result<Started, LoginError> {
        match plan {
            LoginPlan::None => Err(LoginError::Settings {
                detail: format!("{} needs no login", input.provider),
            }),
            LoginPlan::OAuthLoopback(oauth) => self.begin_oauth(oauth, input),
            LoginPlan::HostedPage(hosted) => self.begin_hosted(hosted, input, wanted).await,
            LoginPlan::Credentials(credentials) => Ok(Started {
                id: self.logins.allocate_id(),
                redirect_uri: None,
                browser_url: None,
                step: Step::Credentials(credentials),
            }),
        }
    }

    fn begin_oauth(
        &self,
        oauth: &'static dyn OAuthLogin,
        input: &LoginInput,
    ) -> Result<Started, LoginError> {
        let listener = LoopbackListener::bind(oauth.redirect_port(input)?)?;
        let config = oauth.config(input, listener.port())?;
        let client = oauth.client(&config, &input.secrets, &input.endpoints)?;
        let path = callback_path(input.provider);
        let redirect_uri = listener.redirect_uri(&path);
        let authorization = client.authorize(&redirect_uri, vec![path])?;
        let pending = self.logins.register(authorization.expected);
        Ok(Started {
            id: pending.id,
            redirect_uri: Some(redirect_uri.clone()),
            browser_url: Some(SecretString::from(authorization.url.to_string())),
            step: Step::OAuth {
                oauth,
                pending,
                listener,
                client: Box::new(client),
                verifier: authorization.verifier,
                redirect_uri,
                config,
            },
        })
    }

    async fn begin_hosted(
        &self,
        hosted: &'static dyn HostedLogin,
        input: &LoginInput,
        wanted: Return,
    ) -> Result<Started, LoginError> {
        let way_back = if hosted.callback_carries_secret() {
            Return::Loopback
        } else {
            wanted
        };
        let prefix = callback_path(input.provider);
        let nonce = nonce();
        let (listener, callback_url, shown) = match way_back {
            Return::Loopback => {
                let listener = LoopbackListener::bind(0)?;
                let url = listener.redirect_uri(&format!("{prefix}/{nonce}"));
                let shown = listener.redirect_uri(&prefix);
                (Some(listener), url, shown)
            }
            Return::DeepLink => (
                None,
                format!("{}:/{prefix}/{nonce}", self.scheme),
                format!("{}:/{prefix}", self.scheme),
            ),
        };
        let start = hosted.start(input, &callback_url).await?;
        let nonce = SecretString::from(nonce);
        let expected = match hosted.result() {
            HostedResult::JsonPathSegment => Expected::LinkedLogin {
                provider: input.provider.to_string(),
                prefixes: vec![prefix],
                nonce,
            },
            HostedResult::QueryParam(param) => Expected::QueryValue {
                provider: input.provider.to_string(),
                prefixes: vec![prefix],
                nonce,
                param,
            },
        };
        let pending = self.logins.register(expected);
        Ok(Started {
            id: pending.id,
            redirect_uri: Some(shown),
            browser_url: Some(start.browser_url),
            step: Step::Hosted {
                hosted,
                pending,
                listener,
                state: start.state,
            },
        })
    }

    /// Waits for the bank's answer and trades it for what the connection keeps.
    pub async fn finish(
        &self,
        started: Started,
        input: &LoginInput,
    ) -> Result<LoginOutcome, LoginError> {
        let minutes = self.timeout.as_secs().div_ceil(60);
        match started.step {
            Step::OAuth {
                oauth,
                pending,
                listener,
                client,
                verifier,
                redirect_uri,
                config,
            } => {
                let result =
                    pending
                        .wait(Some(listener), self.timeout)
                        .await
                        .map_err(|e| match e {
                            // The usual cause: the bank sent the browser to another address (a
                            // different port or path than registered), so nothing arrived here.
                            LoginError::TimedOut { .. } => LoginError::RedirectNeverArrived {
                                minutes,
                                redirect_uri: redirect_uri.clone(),
                            },
                            other => other,
                        })?;
                let CallbackResult::AuthorizationCode(code) = result else {
                    return Err(LoginError::NotForThisLogin {
                        reason: "it carries no authorization code".into(),
                    });
                };
                let tokens = client
                    .exchange_code(&input.http, &code, verifier, &redirect_uri, input.now)
                    .await?;
                let mut secrets = Secrets::default();
                secrets.insert(
                    OAUTH_TOKENS,
                    SecretString::from(tokens.to_sealable().as_str().to_string()),
                );
                Ok(LoginOutcome {
                    label: oauth.label(&config),
                    config,
                    secrets,
                    consent_expires_at: tokens.consent_expires_at,
                })
            }
            Step::Hosted {
                hosted,
                pending,
                listener,
                state,
            } => {
                let result = pending.wait(listener, self.timeout).await?;
                hosted.finish(input, state, result).await
            }
            Step::Credentials(credentials) => credentials.verify(input).await,
        }
    }

    /// Ends a login that is waiting; false when it had already ended.
    pub fn cancel(&self, id: LoginId) -> bool {
        self.logins.cancel(id)
    }
}
