//! The Finsify Hub v2 calls: `Client-Id` and `Service-secret` on every request (a backend never
//! sends the mobile `App-secret`), `Login-secret` on login-scoped ones, JSON bodies, the
//! `{data, version}` and `{error, message, extra}` envelopes.

use chrono::{DateTime, NaiveDate, Utc};
use coffer_core::model::{ProviderAccount, ProviderTransaction};
use reqwest::header::{HeaderValue, ACCEPT, CONTENT_TYPE};
use reqwest::Method;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde_json::value::RawValue;

use super::{rows, FinsifyError};
use crate::wire::{host_of, join_path, json_problem, server_backoff, tidy, transport_problem};

pub struct FinsifyApi {
    http: reqwest::Client,
    api_url: url::Url,
    client_id: String,
    service_secret: SecretString,
    /// Set when the hub let an answer run past the timeout or sent one past the size cap: it
    /// is not asked again by this client (one sync), so a stalling hub costs one timeout, not
    /// one per account and retry.
    gave_up: std::sync::atomic::AtomicBool,
}

impl std::fmt::Debug for FinsifyApi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FinsifyApi")
            .field("api_url", &self.api_url.as_str())
            .field("client_id", &self.client_id)
            .finish_non_exhaustive()
    }
}

/// One request as the helper sends it.
struct Call<'a> {
    method: Method,
    path: &'a str,
    login_secret: Option<&'a SecretString>,
    query: &'a [(&'a str, String)],
    body: Option<serde_json::Value>,
}

impl Call<'_> {
    fn name(&self) -> String {
        format!("{} /{}", self.method, self.path)
    }

    /// Only reads are repeated after a 5xx or a dropped connection: a second POST /customer or
    /// PUT /login/refresh could act twice.
    fn repeatable(&self) -> bool {
        self.method == Method::GET
    }
}

#[derive(Deserialize)]
struct DataEnvelope {
    #[serde(default)]
    data: Option<Box<RawValue>>,
}

#[derive(Deserialize)]
struct ErrorEnvelope {
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    extra: Option<Box<RawValue>>,
}

#[derive(Deserialize, Default)]
struct ErrorExtra {
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    next_refresh_possible_at: Option<String>,
}

impl FinsifyApi {
    pub fn new(
        http: reqwest::Client,
        api_url: url::Url,
        client_id: String,
        service_secret: SecretString,
    ) -> FinsifyApi {
        FinsifyApi {
            http,
            api_url,
            client_id,
            service_secret,
            gave_up: std::sync::atomic::AtomicBool::new(false),
        }
    }

    /// POST /customer. Finsify returns a customer id only once; `CustomerExists` lets the caller
    /// pick a fresh identifier.
    pub async fn create_customer(&self, identifier: &str) -> Result<String, FinsifyError> {
        #[derive(Deserialize)]
        struct Customer {
            #[serde(default)]
            customer_id: Option<String>,
        }
        let call = Call {
            method: Method::POST,
            path: "customer",
            login_secret: None,
            query: &[],
            body: Some(serde_json::json!({ "identifier": identifier })),
        };
        let data = self.send(&call).await?;
        let customer: Customer = parse_data(&call, &data)?;
        customer
            .customer_id
            .filter(|c| !c.trim().is_empty())
            .ok_or_else(|| FinsifyError::Malformed {
                detail: format!("the answer to {} has no `customer_id`", call.name()),
            })
    }

    /// POST /token: the hosted connect page for `service_id` (single use, 30 minutes).
    pub async fn connect_url(
        &self,
        customer_id: &str,
        service_id: i64,
        callback_url: &str,
    ) -> Result<SecretString, FinsifyError> {
        let call = Call {
            method: Method::POST,
            path: "token",
            login_secret: None,
            query: &[],
            body: Some(serde_json::json!({
                "customer_id": customer_id,
                "service_id": service_id,
                "callback_url": callback_url,
            })),
        };
        self.connect_page(&call).await
    }

    /// POST /token/reconnect: the connect page again for an existing login (changed password,
    /// expired login).
    pub async fn reconnect_url(
        &self,
        login_secret: &SecretString,
        callback_url: &str,
    ) -> Result<SecretString, FinsifyError> {
        let call = Call {
            method: Method::POST,
            path: "token/reconnect",
            login_secret: Some(login_secret),
            query: &[],
            body: Some(serde_json::json!({ "callback_url": callback_url })),
        };
        self.connect_page(&call).await
    }

    async fn connect_page(&self, call: &Call<'_>) -> Result<SecretString, FinsifyError> {
        #[derive(Deserialize)]
        struct Token {
            #[serde(default)]
            connect_url: Option<String>,
        }
        let data = self.send(call).await?;
        let token: Token = parse_data(call, &data)?;
        let Some(link) = token.connect_url else {
            return Err(FinsifyError::Malformed {
                detail: format!("the answer to {} has no `connect_url`", call.name()),
            });
        };
        // The link is a single-use credential: checked, never quoted.
        let usable = url::Url::parse(&link)
            .is_ok_and(|u| matches!(u.scheme(), "https" | "http") && u.host_str().is_some());
        if !usable {
            return Err(FinsifyError::Malformed {
                detail: format!(
                    "the `connect_url` in the answer to {} is not a web address",
                    call.name()
                ),
            });
        }
        Ok(SecretString::from(link))
    }

    /// PUT /login/refresh: asks Finsify to scrape the bank again; answers when the next refresh
    /// is allowed. Too early gives [`FinsifyError::RefreshTooSoon`].
    pub async fn refresh_login(
        &self,
        login_secret: &SecretString,
    ) -> Result<DateTime<Utc>, FinsifyError> {
        #[derive(Deserialize)]
        struct Refreshed {
            #[serde(default)]
            refreshed: Option<bool>,
            #[serde(default)]
            next_refresh_possible_at: Option<String>,
        }
        let call = Call {
            method: Method::PUT,
            path: "login/refresh",
            login_secret: Some(login_secret),
            query: &[],
            body: None,
        };
        let data = self.send(&call).await?;
        let answer: Refreshed = parse_data(&call, &data)?;
        if answer.refreshed != Some(true) {
            return Err(FinsifyError::Malformed {
                detail: format!("the answer to {} does not confirm `refreshed`", call.name()),
            });
        }
        let Some(next) = answer.next_refresh_possible_at else {
            return Err(FinsifyError::Malformed {
                detail: format!(
                    "the answer to {} has no `next_refresh_possible_at`",
                    call.name()
                ),
            });
        };
        parse_instant(&next).ok_or_else(|| FinsifyError::Malformed {
            detail: format!(
                "the `next_refresh_possible_at` in the answer to {} is not an ISO 8601 time",
                call.name()
            ),
        })
    }

    /// PUT /login/deactivate: stops Finsify's automatic scraping of this login.
    pub async fn deactivate(&self, login_secret: &SecretString) -> Result<(), FinsifyError> {
        #[derive(Deserialize)]
        struct Deactivated {
            #[serde(default, rename = "deActivate")]
            de_activate: Option<bool>,
        }
        let call = Call {
            method: Method::PUT,
            path: "login/deactivate",
            login_secret: Some(login_secret),
            query: &[],
            body: None,
        };
        let data = self.send(&call).await?;
        let answer: Deactivated = parse_data(&call, &data)?;
        if answer.de_activate == Some(true) {
            Ok(())
        } else {
            Err(FinsifyError::Malformed {
                detail: format!(
                    "the answer to {} does not confirm `deActivate`",
                    call.name()
                ),
            })
        }
    }

    /// GET /account.
    pub async fn accounts(
        &self,
        login_secret: &SecretString,
    ) -> Result<Vec<ProviderAccount>, FinsifyError> {
        let call = Call {
            method: Method::GET,
            path: "account",
            login_secret: Some(login_secret),
            query: &[],
            body: None,
        };
        let data = self.send(&call).await?;
        rows::accounts(&data, Utc::now())
    }

    /// GET /transaction for one account, both bounds inclusive.
    pub async fn transactions(
        &self,
        login_secret: &SecretString,
        account_id: &str,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<ProviderTransaction>, FinsifyError> {
        // The documentation's parameter table says `end_date`, its examples `to_date`.
        let query = [
            ("account_id", account_id.to_string()),
            ("from_date", from.format("%Y-%m-%d").to_string()),
            ("to_date", to.format("%Y-%m-%d").to_string()),
        ];
        let call = Call {
            method: Method::GET,
            path: "transaction",
            login_secret: Some(login_secret),
            query: &query,
            body: None,
        };
        let data = self.send(&call).await?;
        rows::transactions(&data, account_id)
    }

    /// Sends `call` and returns the `data` of a success; reads are retried after 5xx.
    async fn send(&self, call: &Call<'_>) -> Result<Box<RawValue>, FinsifyError> {
        let url = join_path(&self.api_url, call.path).ok_or_else(|| FinsifyError::Unreachable {
            detail: format!("the API URL {} cannot take a path", host_of(&self.api_url)),
        })?;
        if self.gave_up.load(std::sync::atomic::Ordering::Relaxed) {
            return Err(FinsifyError::Unreachable {
                detail: format!(
                    "{}: the hub did not answer in time, or sent too much, earlier in this \
                     sync; it is asked again at the next sync",
                    call.name()
                ),
            });
        }
        let mut backoff = server_backoff();
        loop {
            let response = match self.request(&url, call)?.send().await {
                Ok(r) => r,
                // Not retried: a hub that stalls would cost a timeout per attempt.
                Err(e) if e.is_timeout() => {
                    self.gave_up
                        .store(true, std::sync::atomic::Ordering::Relaxed);
                    return Err(FinsifyError::Unreachable {
                        detail: format!(
                            "{} at {}: {}",
                            call.name(),
                            host_of(&self.api_url),
                            transport_problem(&e)
                        ),
                    });
                }
                Err(e) => match backoff.next().filter(|_| call.repeatable()) {
                    Some(delay) => {
                        tokio::time::sleep(delay).await;
                        continue;
                    }
                    None => {
                        return Err(FinsifyError::Unreachable {
                            detail: format!(
                                "{} at {}: {}",
                                call.name(),
                                host_of(&self.api_url),
                                transport_problem(&e)
                            ),
                        })
                    }
                },
            };
            let status = response.status();
            if status.is_server_error() && call.repeatable() {
                if let Some(delay) = backoff.next() {
                    tracing::warn!(call = %call.name(), status = status.as_u16(), "Finsify failed; retrying");
                    tokio::time::sleep(delay).await;
                    continue;
                }
            }
            let body = coffer_login::http::read_text_capped(response, coffer_login::http::MAX_BODY)
                .await
                .inspect_err(|e| {
                    if e.is_cap_or_timeout() {
                        self.gave_up
                            .store(true, std::sync::atomic::Ordering::Relaxed);
                    }
                })
                .map_err(|e| FinsifyError::Unreachable {
                    detail: format!(
                        "the answer to {} (HTTP {}) could not be read: {}",
                        call.name(),
                        status.as_u16(),
                        crate::wire::body_problem(&e)
                    ),
                })?;
            if status.is_success() {
                let envelope: DataEnvelope =
                    serde_json::from_str(&body).map_err(|e| FinsifyError::Malformed {
                        detail: format!(
                            "the answer to {} cannot be read: {}",
                            call.name(),
                            crate::wire::json_body_problem(&body, &e)
                        ),
                    })?;
                return envelope.data.ok_or_else(|| FinsifyError::Malformed {
                    detail: format!("the answer to {} has no `data`", call.name()),
                });
            }
            return Err(self.failure(call, status.as_u16(), &body));
        }
    }

    fn request(
        &self,
        url: &url::Url,
        call: &Call<'_>,
    ) -> Result<reqwest::RequestBuilder, FinsifyError> {
        let secret = |value: &SecretString, name: &str| {
            let mut v = HeaderValue::from_str(value.expose_secret()).map_err(|_| {
                FinsifyError::Unreachable {
                    detail: format!("the {name} holds characters an HTTP header cannot carry"),
                }
            })?;
            v.set_sensitive(true);
            Ok::<_, FinsifyError>(v)
        };
        let mut request = self
            .http
            .request(call.method.clone(), url.clone())
            .header("Client-Id", self.client_id.as_str())
            .header(
                "Service-secret",
                secret(&self.service_secret, "service secret")?,
            )
            .header(ACCEPT, "application/json");
        if let Some(login) = call.login_secret {
            request = request.header("Login-secret", secret(login, "login secret")?);
        }
        if !call.query.is_empty() {
            request = request.query(call.query);
        }
        if let Some(body) = &call.body {
            request = request
                .header(CONTENT_TYPE, "application/json")
                .body(body.to_string());
        }
        Ok(request)
    }

    /// A non-2xx answer, classified. The server's message is kept (tidied) because it names the
    /// field or id at fault, but secrets it may quote are cut out first.
    fn failure(&self, call: &Call<'_>, status: u16, body: &str) -> FinsifyError {
        let Ok(envelope) = serde_json::from_str::<ErrorEnvelope>(body) else {
            return FinsifyError::Api {
                status,
                error: String::new(),
                message: format!("{}: the answer carried no error details", call.name()),
            };
        };
        let error = envelope.error.as_deref().map(tidy).unwrap_or_default();
        let extra: ErrorExtra = envelope
            .extra
            .as_deref()
            .and_then(|raw| serde_json::from_str(raw.get()).ok())
            .unwrap_or_default();
        if error == "CustomerExists" {
            return FinsifyError::CustomerExists;
        }
        if let Some(at) = extra
            .next_refresh_possible_at
            .as_deref()
            .and_then(parse_instant)
        {
            return FinsifyError::RefreshTooSoon {
                next_refresh_possible_at: at,
            };
        }
        let login_status = extra
            .status
            .as_deref()
            .map(tidy)
            .filter(|s| s.starts_with("login_"));
        if let Some(status) = login_status {
            return FinsifyError::LoginNeedsReconnect { status };
        }
        if error == "LoginInvalid" {
            return FinsifyError::LoginNeedsReconnect {
                status: "login_invalid".to_string(),
            };
        }
        let message = if error == "LoginNotFound" {
            // Finsify quotes the refused login secret in this message.
            "no login has this login secret".to_string()
        } else {
            let mut secrets: Vec<&str> = vec![self.service_secret.expose_secret()];
            if let Some(login) = call.login_secret {
                secrets.push(login.expose_secret());
            }
            redact(envelope.message.as_deref().unwrap_or(""), &secrets)
        };
        FinsifyError::Api {
            status,
            error,
            message: format!("{}: {message}", call.name()),
        }
    }
}

fn parse_data<T: serde::de::DeserializeOwned>(
    call: &Call<'_>,
    data: &RawValue,
) -> Result<T, FinsifyError> {
    serde_json::from_str(data.get()).map_err(|e| FinsifyError::Malformed {
        detail: format!(
            "the `data` of the answer to {} cannot be read: {}",
            call.name(),
            json_problem(&e)
        ),
    })
}

fn parse_instant(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text.trim())
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// Provider text with the given secrets and anything shaped like a UUID (Finsify's login
/// secrets, connect tokens and customer ids all are) cut out, then tidied.
fn redact(text: &str, secrets: &[&str]) -> String {
    let mut out = text.to_string();
    for secret in secrets.iter().filter(|s| s.len() >= 4) {
        out = out.replace(secret, "[redacted]");
    }
    let chars: Vec<char> = out.chars().collect();
    let mut kept = String::with_capacity(out.len());
    let mut i = 0;
    while i < chars.len() {
        if chars.len() - i >= 36 && is_uuid(&chars[i..i + 36]) {
            kept.push_str("[redacted]");
            i += 36;
        } else {
            kept.push(chars[i]);
            i += 1;
        }
    }
    tidy(&kept)
}

fn is_uuid(chars: &[char]) -> bool {
    chars.iter().enumerate().all(|(i, c)| match i {
        8 | 13 | 18 | 23 => *c == '-',
        _ => c.is_ascii_hexdigit(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redaction_cuts_secrets_and_uuids() {
        let text = "Cannot find Login with login secret: '78cea84c-1f2e-4d5b-9a0c-0123456789ab'.";
        assert_eq!(
            redact(text, &[]),
            "Cannot find Login with login secret: '[redacted]'."
        );
        assert_eq!(
            redact("bad secret hunter2 here", &["hunter2"]),
            "bad secret [redacted] here"
        );
        assert_eq!(
            redact("Customer \"x\" is exists", &[]),
            "Customer \"x\" is exists"
        );
    }

    #[test]
    fn instants_are_read_as_finsify_writes_them() {
        let at = parse_instant("2017-03-27T10:05:00.000Z").unwrap();
        assert_eq!(at.to_rfc3339(), "2017-03-27T10:05:00+00:00");
        assert!(parse_instant("tomorrow").is_none());
    }
}
