//! Redirects back from the bank, as untrusted input.
//!
//! A callback arrives either as a request to the loopback listener or as a `coffer://` deep link
//! handed over by the OS. Both are parsed into a [`Callback`] and checked against the
//! [`Expected`] shape of one pending login: the right path, the right `state` (OAuth) or nonce
//! (aggregators that append their result to the path), a well-formed result.

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use subtle::ConstantTimeEq;
use url::Url;

use crate::{tidy, LoginError};

/// The parts of a redirect a login needs; `path` is percent-encoded as received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Callback {
    pub path: String,
    pub query: Vec<(String, String)>,
    pub fragment: Vec<(String, String)>,
}

impl Callback {
    /// Parses a deep link such as `coffer://hubbank-hub/<nonce>/<json>` or
    /// `coffer://oauth/oauthbank?code=…&state=…`. The host becomes the first path segment, so
    /// deep links and loopback requests are checked the same way.
    pub fn from_deep_link(link: &str, scheme: &str) -> Result<Callback, LoginError> {
        let malformed = |detail: String| LoginError::MalformedCallback {
            provider: "the deep link".into(),
            detail,
        };
        if link.len() > 8192 {
            return Err(malformed("it is longer than 8 KiB".into()));
        }
        let url = Url::parse(link).map_err(|e| malformed(format!("not a URL ({e})")))?;
        if url.scheme() != scheme {
            return Err(malformed(format!(
                "the scheme is '{}', not '{scheme}'",
                tidy(url.scheme())
            )));
        }
        let host = url.host_str().unwrap_or_default();
        let path = format!("/{host}{}", url.path());
        Ok(Callback {
            path: path.replace("//", "/"),
            query: url.query_pairs().into_owned().collect(),
            fragment: url
                .fragment()
                .map(|f| {
                    url::form_urlencoded::parse(f.as_bytes())
                        .into_owned()
                        .collect()
                })
                .unwrap_or_default(),
        })
    }

    /// A request line's target (`/callback/x?code=…`) as the loopback listener received it.
    pub fn from_request_target(path: &str, query: Option<&str>) -> Callback {
        Callback {
            path: path.to_string(),
            query: query
                .map(|q| {
                    url::form_urlencoded::parse(q.as_bytes())
                        .into_owned()
                        .collect()
                })
                .unwrap_or_default(),
            fragment: Vec::new(),
        }
    }

    /// A parameter from the query, or from the fragment (implicit-style redirects put it there).
    fn param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .chain(self.fragment.iter())
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// What a successful redirect hands over.
#[derive(Debug)]
pub enum CallbackResult {
    /// OAuth: the code to exchange (with the PKCE verifier) for tokens.
    AuthorizationCode(SecretString),
    /// Aggregator hubs (an aggregator's hosted page): the login created at the provider and its secret.
    LinkedLogin { login_id: i64, secret: SecretString },
    /// A value handed back in the query (a single-use `temp_token`, as a PSD2 middleware returns).
    QueryValue(SecretString),
}

/// How one pending login recognises its redirect.
#[derive(Debug)]
pub enum Expected {
    /// `…<path>?code=…&state=…`, where `state` is this login's single-use random value.
    OAuth {
        provider: String,
        paths: Vec<String>,
        state: SecretString,
    },
    /// `…<prefix>/<nonce>/<url-encoded JSON>`: the provider appends its JSON result as one more
    /// path segment to the callback URL Coffer gave it.
    LinkedLogin {
        provider: String,
        prefixes: Vec<String>,
        nonce: SecretString,
    },
    /// `…<prefix>/<nonce>?<param>=…` (or `?error=…`): the provider hands its result back as a
    /// query parameter of the callback URL Coffer gave it.
    QueryValue {
        provider: String,
        prefixes: Vec<String>,
        nonce: SecretString,
        param: &'static str,
    },
}

/// The outcome of checking a callback against one pending login.
#[derive(Debug)]
pub enum Verdict {
    /// Not this login's redirect (wrong path, state or nonce); the login keeps waiting.
    NotMine(LoginError),
    /// This login's redirect, but unusable; refused, and the login keeps waiting so the user can
    /// retry in the browser or cancel.
    Refused(LoginError),
    /// This login's redirect: the login ends with this result.
    Finished(Result<CallbackResult, LoginError>),
}

impl Expected {
    pub fn provider(&self) -> &str {
        match self {
            Expected::OAuth { provider, .. }
            | Expected::LinkedLogin { provider, .. }
            | Expected::QueryValue { provider, .. } => provider,
        }
    }

    pub fn check(&self, callback: &Callback) -> Verdict {
        match self {
            Expected::OAuth {
                provider,
                paths,
                state,
            } => check_oauth(provider, paths, state, callback),
            Expected::LinkedLogin {
                provider,
                prefixes,
                nonce,
            } => check_linked(provider, prefixes, nonce, callback),
            Expected::QueryValue {
                provider,
                prefixes,
                nonce,
                param,
            } => check_query_value(provider, prefixes, nonce, param, callback),
        }
    }
}

fn equal_secret(a: &str, b: &SecretString) -> bool {
    a.as_bytes().ct_eq(b.expose_secret().as_bytes()).into()
}

fn check_oauth(provider: &str, paths: &[String], state: &SecretString, cb: &Callback) -> Verdict {
    if !paths.contains(&cb.path) {
        return Verdict::NotMine(LoginError::NotForThisLogin {
            reason: "it arrived on a path this login does not use".into(),
        });
    }
    match cb.param("state") {
        None => {
            return Verdict::NotMine(LoginError::NotForThisLogin {
                reason: "it has no state parameter".into(),
            })
        }
        Some(s) if !equal_secret(s, state) => {
            return Verdict::NotMine(LoginError::NotForThisLogin {
                reason: "its state does not match the login in progress".into(),
            })
        }
        Some(_) => {}
    }
    if let Some(error) = cb.param("error") {
        return Verdict::Finished(Err(LoginError::Denied {
            provider: provider.to_string(),
            error: tidy(error),
            description: cb.param("error_description").map(tidy),
        }));
    }
    match cb.param("code") {
        Some(code) if !code.is_empty() && code.len() <= 4096 => Verdict::Finished(Ok(
            CallbackResult::AuthorizationCode(SecretString::from(code.to_string())),
        )),
        _ => Verdict::Refused(LoginError::MissingCode {
            provider: provider.to_string(),
        }),
    }
}

#[derive(Deserialize)]
struct LinkedPayload {
    status: String,
    #[serde(default)]
    login_id: Option<i64>,
    #[serde(default)]
    secret: Option<String>,
}

/// The path after one of `prefixes` and its `/`, or why the callback is not this login's.
fn after_prefix<'a>(prefixes: &[String], cb: &'a Callback) -> Result<&'a str, Verdict> {
    prefixes
        .iter()
        .find_map(|p| cb.path.strip_prefix(p.as_str())?.strip_prefix('/'))
        .ok_or_else(|| {
            Verdict::NotMine(LoginError::NotForThisLogin {
                reason: "it arrived on a path this login does not use".into(),
            })
        })
}

fn check_query_value(
    provider: &str,
    prefixes: &[String],
    nonce: &SecretString,
    param: &str,
    cb: &Callback,
) -> Verdict {
    let rest = match after_prefix(prefixes, cb) {
        Ok(rest) => rest,
        Err(verdict) => return verdict,
    };
    if !equal_secret(rest.trim_end_matches('/'), nonce) {
        return Verdict::NotMine(LoginError::NotForThisLogin {
            reason: "its login reference does not match the login in progress".into(),
        });
    }
    if let Some(error) = cb.param("error") {
        return Verdict::Finished(Err(LoginError::Denied {
            provider: provider.to_string(),
            error: tidy(error),
            description: cb.param("error_description").map(tidy),
        }));
    }
    match cb.param(param) {
        Some(value) if !value.is_empty() && value.len() <= 4096 => Verdict::Finished(Ok(
            CallbackResult::QueryValue(SecretString::from(value.to_string())),
        )),
        _ => Verdict::Refused(LoginError::MalformedCallback {
            provider: provider.to_string(),
            detail: format!("it carries no {param}"),
        }),
    }
}

fn check_linked(
    provider: &str,
    prefixes: &[String],
    nonce: &SecretString,
    cb: &Callback,
) -> Verdict {
    let rest = match after_prefix(prefixes, cb) {
        Ok(rest) => rest,
        Err(verdict) => return verdict,
    };
    let Some((given_nonce, payload)) = rest.split_once('/') else {
        return Verdict::NotMine(LoginError::NotForThisLogin {
            reason: "it carries no login reference".into(),
        });
    };
    if !equal_secret(given_nonce, nonce) {
        return Verdict::NotMine(LoginError::NotForThisLogin {
            reason: "its login reference does not match the login in progress".into(),
        });
    }
    let malformed = |detail: String| {
        Verdict::Refused(LoginError::MalformedCallback {
            provider: provider.to_string(),
            detail,
        })
    };
    let decoded = match percent_decode(payload) {
        Some(text) => text,
        None => return malformed("the result appended to the link is not valid UTF-8".into()),
    };
    let parsed: LinkedPayload = match serde_json::from_str(&decoded) {
        Ok(p) => p,
        Err(e) => {
            // serde's message names the line/column and what it expected, never the value.
            return malformed(format!(
                "the JSON appended to the link cannot be read: {}",
                tidy(&e.to_string())
            ));
        }
    };
    if parsed.status != "success" {
        return Verdict::Finished(Err(LoginError::Denied {
            provider: provider.to_string(),
            error: tidy(&parsed.status),
            description: None,
        }));
    }
    match (parsed.login_id, parsed.secret) {
        (Some(login_id), Some(secret)) if !secret.is_empty() => {
            Verdict::Finished(Ok(CallbackResult::LinkedLogin {
                login_id,
                secret: SecretString::from(secret),
            }))
        }
        (None, _) => malformed("the result has no login_id".into()),
        _ => malformed("the result has no secret".into()),
    }
}

fn percent_decode(text: &str) -> Option<String> {
    percent_encoding::percent_decode_str(text)
        .decode_utf8()
        .ok()
        .map(|t| t.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn oauth() -> Expected {
        Expected::OAuth {
            provider: "oauthbank".into(),
            paths: vec!["/callback/oauthbank".into(), "/oauth/oauthbank".into()],
            state: SecretString::from("s3cret-state".to_string()),
        }
    }

    fn linked() -> Expected {
        Expected::LinkedLogin {
            provider: "hubbank".into(),
            prefixes: vec!["/hubbank-hub".into(), "/callback/hubbank".into()],
            nonce: SecretString::from("n0nce".to_string()),
        }
    }

    #[test]
    fn oauth_redirect_with_matching_state_yields_the_code() {
        let cb = Callback::from_request_target(
            "/callback/oauthbank",
            Some("code=abc&state=s3cret-state"),
        );
        match oauth().check(&cb) {
            Verdict::Finished(Ok(CallbackResult::AuthorizationCode(c))) => {
                assert_eq!(c.expose_secret(), "abc")
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn wrong_state_wrong_path_and_missing_code_are_refused_without_finishing() {
        let wrong_state =
            Callback::from_request_target("/callback/oauthbank", Some("code=abc&state=other"));
        assert!(matches!(oauth().check(&wrong_state), Verdict::NotMine(_)));
        let wrong_path =
            Callback::from_request_target("/callback/hubbank", Some("code=abc&state=s3cret-state"));
        assert!(matches!(oauth().check(&wrong_path), Verdict::NotMine(_)));
        let no_code =
            Callback::from_request_target("/callback/oauthbank", Some("state=s3cret-state"));
        assert!(matches!(
            oauth().check(&no_code),
            Verdict::Refused(LoginError::MissingCode { .. })
        ));
    }

    #[test]
    fn access_denied_ends_the_login_with_the_banks_reason() {
        let cb = Callback::from_request_target(
            "/callback/oauthbank",
            Some("error=access_denied&error_description=User+cancelled&state=s3cret-state"),
        );
        match oauth().check(&cb) {
            Verdict::Finished(Err(e)) => {
                assert_eq!(
                    e.to_string(),
                    "oauthbank refused the login: access_denied (User cancelled)"
                )
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn deep_link_with_appended_json_yields_the_login() {
        let cb = Callback::from_deep_link(
            "coffer://hubbank-hub/n0nce/%7B%22status%22%3A%22success%22%2C%22login_id%22%3A23456%2C%22secret%22%3A%2278cea84c%22%7D",
            "coffer",
        )
        .unwrap();
        match linked().check(&cb) {
            Verdict::Finished(Ok(CallbackResult::LinkedLogin { login_id, secret })) => {
                assert_eq!(login_id, 23456);
                assert_eq!(secret.expose_secret(), "78cea84c");
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn deep_link_with_broken_json_is_refused_precisely() {
        let cb =
            Callback::from_deep_link("coffer://hubbank-hub/n0nce/%7B%22status%22%3A", "coffer")
                .unwrap();
        match linked().check(&cb) {
            Verdict::Refused(e) => assert!(
                e.to_string()
                    .starts_with("the redirect from hubbank is malformed: the JSON appended"),
                "{e}"
            ),
            other => panic!("unexpected {other:?}"),
        }
        let wrong_nonce =
            Callback::from_deep_link("coffer://hubbank-hub/other/%7B%7D", "coffer").unwrap();
        assert!(matches!(linked().check(&wrong_nonce), Verdict::NotMine(_)));
    }

    fn query_value() -> Expected {
        Expected::QueryValue {
            provider: "querybank".into(),
            prefixes: vec!["/callback/querybank".into()],
            nonce: SecretString::from("n0nce".to_string()),
            param: "temp_token",
        }
    }

    #[test]
    fn a_query_value_needs_the_nonce_and_the_parameter() {
        let ok = Callback::from_deep_link(
            "coffer://callback/querybank/n0nce?temp_token=MDAxabc",
            "coffer",
        )
        .unwrap();
        match query_value().check(&ok) {
            Verdict::Finished(Ok(CallbackResult::QueryValue(t))) => {
                assert_eq!(t.expose_secret(), "MDAxabc")
            }
            other => panic!("unexpected {other:?}"),
        }
        let loopback =
            Callback::from_request_target("/callback/querybank/n0nce", Some("temp_token=t"));
        assert!(matches!(
            query_value().check(&loopback),
            Verdict::Finished(Ok(_))
        ));
        let wrong_nonce =
            Callback::from_request_target("/callback/querybank/other", Some("temp_token=t"));
        assert!(matches!(
            query_value().check(&wrong_nonce),
            Verdict::NotMine(_)
        ));
        let missing = Callback::from_request_target("/callback/querybank/n0nce", None);
        assert!(matches!(
            query_value().check(&missing),
            Verdict::Refused(LoginError::MalformedCallback { .. })
        ));
        let denied =
            Callback::from_request_target("/callback/querybank/n0nce", Some("error=access_denied"));
        match query_value().check(&denied) {
            Verdict::Finished(Err(e)) => {
                assert_eq!(e.to_string(), "querybank refused the login: access_denied")
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn foreign_schemes_and_junk_are_not_deep_links() {
        assert!(
            Callback::from_deep_link("https://evil.example/hubbank-hub/n0nce/x", "coffer").is_err()
        );
        assert!(Callback::from_deep_link("not a url", "coffer").is_err());
        assert!(
            Callback::from_deep_link(&format!("coffer://x/{}", "a".repeat(9000)), "coffer")
                .is_err()
        );
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod props;
