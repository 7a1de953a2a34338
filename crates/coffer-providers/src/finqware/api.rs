//! The Finqware v1 calls: every one a JSON `POST` with the tenant's keys (and the consent's)
//! in the body, answered with a bare JSON object or array, or the error envelope
//! `{id, type, http, code, message}` (some endpoints: a bare `{message}`).

use std::sync::atomic::{AtomicBool, Ordering};

use chrono::{DateTime, SecondsFormat, Utc};
use reqwest::header::{ACCEPT, CONTENT_TYPE};
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{json, Value};

use super::rows::{AccountWire, BalanceWire, TransactionWire};
use super::FinqwareError;
use crate::wire::{host_of, join_path, json_problem, server_backoff, tidy, transport_problem};

/// A UTC instant as Finqware's filters take it (`2019-05-11T00:00:00Z`).
pub(crate) fn instant(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// The tenant app's keys and the API it talks to.
pub struct FinqwareApi {
    http: reqwest::Client,
    api_url: url::Url,
    client_id: String,
    client_secret: SecretString,
    /// Set when Finqware let an answer run past the timeout or sent one past the size cap: it
    /// is not asked again by this client (one sync), so a stalling hub costs one timeout, not
    /// one per call and retry.
    gave_up: AtomicBool,
}

impl std::fmt::Debug for FinqwareApi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FinqwareApi")
            .field("api_url", &self.api_url.as_str())
            .field("client_id", &self.client_id)
            .finish_non_exhaustive()
    }
}

/// One consent: what every data call names.
#[derive(Clone)]
pub struct Consent {
    pub credentials_id: SecretString,
    pub access_token: SecretString,
    pub tenant_user_id: String,
}

/// What `/tokens` hands out for a temp token.
pub struct Tokens {
    pub credentials_id: SecretString,
    pub access_token: SecretString,
    pub consent_exp: Option<DateTime<Utc>>,
    pub max_data_retention: Option<DateTime<Utc>>,
}

/// A session in progress.
pub struct Session {
    pub session_id: String,
    pub nonce: SecretString,
}

#[derive(Deserialize, Default)]
struct Envelope {
    #[serde(default, rename = "type")]
    kind: Option<String>,
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    message: Option<String>,
}

/// Whether a request may be sent again after a transient failure: reads may; a step spends its
/// nonce and `/tokens` its temp token, so they are not.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Repeat {
    Yes,
    No,
}

impl FinqwareApi {
    pub fn new(
        http: reqwest::Client,
        api_url: url::Url,
        client_id: String,
        client_secret: SecretString,
    ) -> FinqwareApi {
        FinqwareApi {
            http,
            api_url,
            client_id,
            client_secret,
            gave_up: AtomicBool::new(false),
        }
    }

    /// `POST /sessions`: a session for `skill`, authorised by the client app key. Repeating it
    /// only leaves an unused session behind.
    pub async fn create_session(
        &self,
        client_app_key: &SecretString,
        skill: &str,
        tenant_user_id: &str,
    ) -> Result<Session, FinqwareError> {
        #[derive(Deserialize)]
        struct Created {
            #[serde(default)]
            session_id: Option<String>,
            #[serde(default)]
            nonce: Option<String>,
        }
        let body = json!({
            "tenant_user_id": tenant_user_id,
            "client_id": self.client_id,
            "client_app_key": client_app_key.expose_secret(),
            "skill": skill,
        });
        let created: Created = self.call("sessions", body, Repeat::Yes).await?;
        match (created.session_id, created.nonce) {
            (Some(session_id), Some(nonce)) if !session_id.is_empty() && !nonce.is_empty() => {
                Ok(Session {
                    session_id,
                    nonce: SecretString::from(nonce),
                })
            }
            _ => Err(malformed(
                "the answer to POST /sessions has no `session_id` or `nonce`",
            )),
        }
    }

    /// `POST /sessions/{id}/steps` with the `sca` step: the bank's consent page, which sends the
    /// browser back to `redirect` with `?temp_token=…`.
    pub async fn sca_step(
        &self,
        session: &Session,
        skill: &str,
        redirect: &str,
    ) -> Result<SecretString, FinqwareError> {
        #[derive(Deserialize)]
        struct Step {
            #[serde(default)]
            data: Option<StepData>,
        }
        #[derive(Deserialize)]
        struct StepData {
            #[serde(default)]
            url: Option<String>,
        }
        let path = format!("sessions/{}/steps", session.session_id);
        let body = json!({
            "client_id": self.client_id,
            "nonce": session.nonce.expose_secret(),
            "skill": skill,
            "step": "sca",
            "data": { "psu_redirect_link": redirect },
        });
        let step: Step = self.call(&path, body, Repeat::No).await?;
        let Some(link) = step.data.and_then(|d| d.url) else {
            return Err(malformed(
                "the answer to the sca step has no `data.url` (the bank's consent page)",
            ));
        };
        // The page address may carry one-time values: checked, never quoted.
        let usable = url::Url::parse(&link)
            .is_ok_and(|u| matches!(u.scheme(), "https" | "http") && u.host_str().is_some());
        if !usable {
            return Err(malformed(
                "the consent page in the answer to the sca step is not a web address",
            ));
        }
        Ok(SecretString::from(link))
    }

    /// `POST /tokens`: trades the temp token (single use) for the consent.
    pub async fn exchange(&self, temp_token: &SecretString) -> Result<Tokens, FinqwareError> {
        #[derive(Deserialize)]
        struct Answer {
            #[serde(default)]
            credentials_id: Option<String>,
            #[serde(default)]
            access_token: Option<String>,
            #[serde(default)]
            consent_exp: Option<String>,
            #[serde(default)]
            max_data_retention: Option<String>,
        }
        let body = json!({
            "client_id": self.client_id,
            "client_secret": self.client_secret.expose_secret(),
            "temp_token": temp_token.expose_secret(),
        });
        let answer: Answer = self.call("tokens", body, Repeat::No).await?;
        let (Some(credentials_id), Some(access_token)) = (
            answer.credentials_id.filter(|c| !c.is_empty()),
            answer.access_token.filter(|a| !a.is_empty()),
        ) else {
            return Err(malformed(
                "the answer to POST /tokens has no `credentials_id` or `access_token`",
            ));
        };
        let when = |field: &str, text: Option<String>| match text {
            None => Ok(None),
            Some(t) => super::rows::parse_instant(&t).map(Some).ok_or_else(|| {
                malformed(format!(
                    "the `{field}` in the answer to POST /tokens is not an ISO 8601 time"
                ))
            }),
        };
        Ok(Tokens {
            credentials_id: SecretString::from(credentials_id),
            access_token: SecretString::from(access_token),
            consent_exp: when("consent_exp", answer.consent_exp)?,
            max_data_retention: when("max_data_retention", answer.max_data_retention)?,
        })
    }

    fn data_body(&self, consent: &Consent, filter: Option<Value>) -> Value {
        let mut body = json!({
            "client_id": self.client_id,
            "client_secret": self.client_secret.expose_secret(),
            "credentials_id": consent.credentials_id.expose_secret(),
            "access_token": consent.access_token.expose_secret(),
            "tenant_user_id": consent.tenant_user_id,
        });
        if let (Some(filter), Some(map)) = (filter, body.as_object_mut()) {
            map.insert("filter".into(), filter);
        }
        body
    }

    /// `POST /accounts/get`.
    pub async fn accounts(&self, consent: &Consent) -> Result<Vec<AccountWire>, FinqwareError> {
        let body = self.data_body(consent, None);
        self.list("accounts/get", "account", body).await
    }

    /// `POST /balances/get` for every account of the consent.
    pub async fn balances(&self, consent: &Consent) -> Result<Vec<BalanceWire>, FinqwareError> {
        let body = self.data_body(consent, None);
        self.list("balances/get", "balance", body).await
    }

    /// `POST /transactions/get` with `filter`.
    pub async fn transactions(
        &self,
        consent: &Consent,
        filter: Value,
    ) -> Result<Vec<TransactionWire>, FinqwareError> {
        let body = self.data_body(consent, Some(filter));
        self.list("transactions/get", "transaction", body).await
    }

    /// `POST /consents/delete`: revokes the consent (idempotent at Finqware).
    pub async fn delete_consent(&self, consent: &Consent) -> Result<(), FinqwareError> {
        let body = json!({
            "client_id": self.client_id,
            "client_secret": self.client_secret.expose_secret(),
            "credentials_id": consent.credentials_id.expose_secret(),
            "access_token": consent.access_token.expose_secret(),
        });
        let _: Value = self.call("consents/delete", body, Repeat::Yes).await?;
        Ok(())
    }

    /// A bare JSON array of `what`s, each read on its own so a bad one is named by position.
    async fn list<T: DeserializeOwned>(
        &self,
        path: &str,
        what: &str,
        body: Value,
    ) -> Result<Vec<T>, FinqwareError> {
        let items: Vec<Box<serde_json::value::RawValue>> =
            self.call(path, body, Repeat::Yes).await?;
        items
            .iter()
            .enumerate()
            .map(|(i, raw)| {
                serde_json::from_str(raw.get()).map_err(|e| {
                    malformed(format!(
                        "{what} {} in the answer to POST /{path} cannot be read: {}",
                        i + 1,
                        json_problem(&e)
                    ))
                })
            })
            .collect()
    }

    /// Sends one call and reads a success as `T`; transient failures of repeatable calls are
    /// retried with growing delays (bounded), then reported.
    async fn call<T: DeserializeOwned>(
        &self,
        path: &str,
        body: Value,
        repeat: Repeat,
    ) -> Result<T, FinqwareError> {
        let name = format!("POST /{}", endpoint_name(path));
        let url = join_path(&self.api_url, path).ok_or_else(|| FinqwareError::Unreachable {
            detail: format!("the API URL {} cannot take a path", host_of(&self.api_url)),
        })?;
        if self.gave_up.load(Ordering::Relaxed) {
            return Err(FinqwareError::Unreachable {
                detail: format!(
                    "{name}: Finqware did not answer in time, or sent too much, earlier in this \
                     sync; it is asked again at the next sync"
                ),
            });
        }
        let text = body.to_string();
        let mut backoff = server_backoff();
        loop {
            let outcome = self.once(&url, &name, &text).await;
            // A stalled or oversized answer is not asked for again (see `gave_up`).
            let transient = !self.gave_up.load(Ordering::Relaxed)
                && match &outcome {
                    Err(
                        FinqwareError::Unreachable { .. } | FinqwareError::TooManyRequests { .. },
                    ) => true,
                    Err(FinqwareError::Api { status, code, .. }) => {
                        *status >= 500 || code == "external_api_connection_error"
                    }
                    _ => false,
                };
            if transient && repeat == Repeat::Yes {
                if let Some(delay) = backoff.next() {
                    tracing::warn!(call = %name, "Finqware failed transiently; retrying");
                    tokio::time::sleep(delay).await;
                    continue;
                }
            }
            let body = outcome?;
            return serde_json::from_str(&body).map_err(|e| {
                malformed(format!(
                    "the answer to {name} cannot be read: {}",
                    json_problem(&e)
                ))
            });
        }
    }

    /// One request; the body of a success, or the failure classified.
    async fn once(&self, url: &url::Url, name: &str, body: &str) -> Result<String, FinqwareError> {
        let response = self
            .http
            .post(url.clone())
            .header(CONTENT_TYPE, "application/json")
            .header(ACCEPT, "application/json")
            .body(body.to_string())
            .send()
            .await
            .map_err(|e| {
                if e.is_timeout() {
                    self.gave_up.store(true, Ordering::Relaxed);
                }
                FinqwareError::Unreachable {
                    detail: format!(
                        "{name} at {}: {}",
                        host_of(&self.api_url),
                        transport_problem(&e)
                    ),
                }
            })?;
        let status = response.status().as_u16();
        let is_html = response
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.to_ascii_lowercase().starts_with("text/html"));
        let text = coffer_login::http::read_text_capped(response, coffer_login::http::MAX_BODY)
            .await
            .map_err(|e| {
                if e.is_cap_or_timeout() {
                    self.gave_up.store(true, Ordering::Relaxed);
                }
                FinqwareError::Unreachable {
                    detail: format!(
                        "the answer to {name} (HTTP {status}) could not be read: {}",
                        crate::wire::body_problem(&e)
                    ),
                }
            })?;
        if is_html || text.trim_start().starts_with('<') {
            // A gateway's error page, not Finqware's JSON. Its text is not shown: it is
            // whatever the gateway wrote.
            let message = format!("{name}: a web page came back instead of JSON");
            return Err(if (200..300).contains(&status) {
                malformed(message)
            } else {
                FinqwareError::Api {
                    status,
                    code: String::new(),
                    message,
                }
            });
        }
        if (200..300).contains(&status) {
            return Ok(text);
        }
        Err(self.failure(name, status, &text))
    }

    /// A non-2xx answer, classified by the envelope's `code`. The message is kept (tidied, with
    /// the keys cut out) because it names the field at fault.
    fn failure(&self, name: &str, status: u16, body: &str) -> FinqwareError {
        let envelope: Envelope = serde_json::from_str(body).unwrap_or_default();
        let code = envelope.code.as_deref().map(tidy).unwrap_or_default();
        let kind = envelope.kind.as_deref().map(tidy).unwrap_or_default();
        match code.as_str() {
            "expired_credentials" => return FinqwareError::ConsentExpired,
            "inactive_credentials" => return FinqwareError::ConsentInactive,
            "external_api_too_many_requests" => return FinqwareError::TooManyRequests { code },
            _ => {}
        }
        if status == 401 {
            return match code.as_str() {
                "invalid_access_token" | "invalid_credentials_id" | "invalid_uuid" => {
                    FinqwareError::ConsentRefused { code }
                }
                "invalid_temp_token" => FinqwareError::Api {
                    status,
                    code,
                    message: format!(
                        "{name}: the bank's one-time answer has expired or was already used; \
                         start the login again"
                    ),
                },
                _ => FinqwareError::TenantKeys {
                    code: if code.is_empty() { kind } else { code },
                },
            };
        }
        if matches!(
            code.as_str(),
            "invalid_client_id" | "invalid_client_secret" | "invalid_client_app_key"
        ) {
            return FinqwareError::TenantKeys { code };
        }
        let message = match envelope.message.as_deref() {
            Some(m) => redact(m, &[self.client_secret.expose_secret()]),
            None => "the answer carried no error details".to_string(),
        };
        FinqwareError::Api {
            status,
            code,
            message: format!("{name}: {message}"),
        }
    }
}

/// The endpoint's documented name: a session's steps are `/sessions/{id}/steps` (the session id
/// is not repeated in messages).
fn endpoint_name(path: &str) -> String {
    match path.strip_prefix("sessions/") {
        Some(rest) if rest.ends_with("/steps") => "sessions/{id}/steps".to_string(),
        _ => path.to_string(),
    }
}

fn malformed(detail: impl Into<String>) -> FinqwareError {
    FinqwareError::Malformed {
        detail: detail.into(),
    }
}

/// Provider text with the given secrets and anything shaped like a macaroon token (`MDAx…`)
/// cut out, then tidied.
fn redact(text: &str, secrets: &[&str]) -> String {
    let mut out = text.to_string();
    for secret in secrets.iter().filter(|s| s.len() >= 4) {
        out = out.replace(secret, "[redacted]");
    }
    let words: Vec<String> = out
        .split(' ')
        .map(|w| {
            if w.contains("MDAx") && w.len() > 16 {
                "[redacted]".to_string()
            } else {
                w.to_string()
            }
        })
        .collect();
    tidy(&words.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filter_instants_are_whole_seconds_in_utc() {
        let at: DateTime<Utc> = "2026-06-14T21:00:00.250Z".parse().unwrap();
        assert_eq!(instant(at), "2026-06-14T21:00:00Z");
    }

    #[test]
    fn redaction_cuts_keys_and_tokens() {
        assert_eq!(
            redact(
                "bad key hunter22 and MDAxNmxvY2F0aW9uIGZpbnF3YXJl",
                &["hunter22"]
            ),
            "bad key [redacted] and [redacted]"
        );
        assert_eq!(endpoint_name("sessions/abc/steps"), "sessions/{id}/steps");
        assert_eq!(endpoint_name("accounts/get"), "accounts/get");
    }
}
