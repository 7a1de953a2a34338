//! One GET against the API, with everything the bank expects around it: the bearer token and the
//! versioned media type, one token refresh after a 401, `Retry-After` on 429, and a few spaced
//! retries on 5xx.

use std::sync::Arc;
use std::time::Duration;

use coffer_core::sync::ProviderError;
use coffer_login::{LoginError, OAuthSession};
use reqwest::header::{HeaderMap, ACCEPT, RETRY_AFTER};
use reqwest::StatusCode;
use secrecy::ExposeSecret;
use serde::Deserialize;

use super::plan::CallBudget;
use super::PROVIDER_ID;
use crate::wire::{host_of, join_path, server_backoff, tidy, transport_problem};

/// The only media type the transactions resources speak; accounts accept it too.
const MEDIA_V1: &str = "application/vnd.sparebank1.v1+json; charset=utf-8";

/// 429s answered by waiting before the sync gives up on the call.
const RATE_LIMIT_RETRIES: u32 = 3;
/// A `Retry-After` longer than this is not waited out inside a sync; the user can sync later.
const RETRY_AFTER_WAIT_SECS: u64 = 10;
/// Longer `Retry-After`s than this are read as this (an hour is the budget's window).
const RETRY_AFTER_CAP_SECS: u64 = 3600;
/// The wait when a 429 does not say how long.
const RETRY_AFTER_DEFAULT_SECS: u64 = 5;

pub(super) struct Api {
    base: url::Url,
    http: reqwest::Client,
    session: Arc<OAuthSession>,
    budget: CallBudget,
}

impl Api {
    pub(super) fn new(
        base: url::Url,
        http: reqwest::Client,
        session: Arc<OAuthSession>,
        budget: CallBudget,
    ) -> Api {
        Api {
            base,
            http,
            session,
            budget,
        }
    }

    /// GETs `path` under the API URL and returns the body of a 2xx answer.
    pub(super) async fn get(
        &self,
        path: &str,
        query: &[(&str, String)],
    ) -> Result<String, ProviderError> {
        let url = join_path(&self.base, path).ok_or_else(|| ProviderError::Other {
            provider: PROVIDER_ID,
            message: format!("the API URL {} cannot take a path", host_of(&self.base)),
        })?;
        let mut token = self.session.access_token().await.map_err(reauth)?;
        let mut refreshed = false;
        let mut rate_limited = 0u32;
        let mut backoff = server_backoff();
        loop {
            // Every call the bank sees counts, retries included; past the hourly budget the
            // call is not made at all.
            self.budget.take()?;
            let sent = self
                .http
                .get(url.clone())
                .query(query)
                .bearer_auth(token.expose_secret())
                .header(ACCEPT, MEDIA_V1)
                .send()
                .await;
            let response = match sent {
                Ok(r) => r,
                // A call that ran past the timeout is not asked again: a stalling bank would
                // cost a timeout (60 s) per attempt.
                Err(e) if e.is_timeout() => {
                    return Err(ProviderError::Other {
                        provider: PROVIDER_ID,
                        message: format!(
                            "cannot reach {} for /{path}: {}",
                            host_of(&self.base),
                            transport_problem(&e)
                        ),
                    })
                }
                Err(e) => match backoff.next() {
                    Some(delay) => {
                        tracing::warn!(path, problem = %transport_problem(&e), "SpareBank 1 did not answer; retrying");
                        tokio::time::sleep(delay).await;
                        continue;
                    }
                    None => {
                        return Err(ProviderError::Other {
                            provider: PROVIDER_ID,
                            message: format!(
                                "cannot reach {} for /{path}: {}",
                                host_of(&self.base),
                                transport_problem(&e)
                            ),
                        })
                    }
                },
            };
            let status = response.status();
            if status == StatusCode::UNAUTHORIZED {
                if refreshed {
                    return Err(ProviderError::Reauth {
                        provider: PROVIDER_ID,
                        reason: format!(
                            "the bank refused a freshly renewed access token for /{path} (HTTP 401)"
                        ),
                    });
                }
                // The session refreshes once for all concurrent callers; a dead refresh token
                // surfaces here as InvalidGrant.
                token = self
                    .session
                    .after_unauthorized(&token)
                    .await
                    .map_err(reauth)?;
                refreshed = true;
                continue;
            }
            if status == StatusCode::TOO_MANY_REQUESTS {
                let wait = retry_after(response.headers());
                // A long wait is not sat out inside a sync: the caller stops and says when.
                if rate_limited >= RATE_LIMIT_RETRIES || wait > RETRY_AFTER_WAIT_SECS {
                    return Err(ProviderError::RateLimited {
                        provider: PROVIDER_ID,
                        retry_after_secs: wait,
                    });
                }
                rate_limited += 1;
                tracing::info!(path, wait, "SpareBank 1 is rate limiting; waiting as asked");
                tokio::time::sleep(Duration::from_secs(wait)).await;
                continue;
            }
            if status.is_server_error() {
                if let Some(delay) = backoff.next() {
                    tracing::warn!(
                        path,
                        status = status.as_u16(),
                        "SpareBank 1 failed; retrying"
                    );
                    tokio::time::sleep(delay).await;
                    continue;
                }
            }
            let body = coffer_login::http::read_text_capped(response, coffer_login::http::MAX_BODY)
                .await
                .map_err(|e| ProviderError::Other {
                    provider: PROVIDER_ID,
                    message: format!(
                        "the answer to /{path} (HTTP {}) could not be read: {}",
                        status.as_u16(),
                        crate::wire::body_problem(&e)
                    ),
                })?;
            if status.is_success() {
                return Ok(body);
            }
            return Err(ProviderError::Http {
                provider: PROVIDER_ID,
                status: status.as_u16(),
                message: format!("/{path}: {}", error_message(&body)),
            });
        }
    }
}

/// Seconds to wait as the 429 asks, capped; the HTTP-date form is not worth honouring exactly.
fn retry_after(headers: &HeaderMap) -> u64 {
    headers
        .get(RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .unwrap_or(RETRY_AFTER_DEFAULT_SECS)
        .min(RETRY_AFTER_CAP_SECS)
}

fn reauth(e: LoginError) -> ProviderError {
    // A login that could not be saved (a full disk) is not a lost login: the session keeps the
    // renewed pair (and a reserve on disk holds it for the next process), so asking the user to
    // log in again would be wrong; the message says what to free.
    if let LoginError::Storage { .. } = e {
        return ProviderError::Other {
            provider: PROVIDER_ID,
            message: e.to_string(),
        };
    }
    let reason = match e {
        LoginError::InvalidGrant { .. } => {
            "the saved login has expired or was revoked (invalid_grant); log in with BankID again"
                .to_string()
        }
        other => format!("renewing the access token failed: {other}"),
    };
    ProviderError::Reauth {
        provider: PROVIDER_ID,
        reason,
    }
}

#[derive(Deserialize)]
struct ErrorEnvelope {
    #[serde(default)]
    errors: Vec<ErrorItem>,
}

/// Error items are objects on failures and bare codes in the partial-failure list of a 200.
#[derive(Deserialize)]
#[serde(untagged)]
enum ErrorItem {
    Code(String),
    Full {
        #[serde(default)]
        code: Option<String>,
        #[serde(default)]
        message: Option<String>,
    },
}

/// The codes and messages of the `{errors:[{code,message,…}]}` envelope; never the raw body
/// (a 401 or a proxy page is plain text or HTML).
fn error_message(body: &str) -> String {
    let parsed = serde_json::from_str::<ErrorEnvelope>(body)
        .ok()
        .map(|env| {
            env.errors
                .iter()
                .map(|e| match e {
                    ErrorItem::Code(c) => tidy(c),
                    ErrorItem::Full { code, message } => match (code, message) {
                        (Some(c), Some(m)) => format!("{} ({})", tidy(c), tidy(m)),
                        (Some(c), None) => tidy(c),
                        (None, Some(m)) => tidy(m),
                        (None, None) => String::new(),
                    },
                })
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
                .join("; ")
        })
        .filter(|s| !s.is_empty());
    parsed.unwrap_or_else(|| "the answer carried no error details".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn retry_after_is_read_capped_and_defaulted() {
        let mut h = HeaderMap::new();
        assert_eq!(retry_after(&h), 5);
        h.insert(RETRY_AFTER, HeaderValue::from_static("1"));
        assert_eq!(retry_after(&h), 1);
        h.insert(RETRY_AFTER, HeaderValue::from_static("86400"));
        assert_eq!(retry_after(&h), 3600);
        h.insert(
            RETRY_AFTER,
            HeaderValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT"),
        );
        assert_eq!(retry_after(&h), 5);
    }

    #[test]
    fn error_envelope_is_summarised_without_the_body() {
        let body = r#"{"errors":[{"code":"INVALID_ACCOUNT_KEY","message":"Unknown accountKey.","traceId":"abc"}]}"#;
        assert_eq!(
            error_message(body),
            "INVALID_ACCOUNT_KEY (Unknown accountKey.)"
        );
        assert_eq!(
            error_message("Unauthorized"),
            "the answer carried no error details"
        );
        assert_eq!(
            error_message("<html>proxy error</html>"),
            "the answer carried no error details"
        );
    }
}
