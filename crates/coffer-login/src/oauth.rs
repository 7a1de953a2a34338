//! The OAuth 2 authorization code grant with PKCE, on the `oauth2` crate.

use chrono::{DateTime, Duration, Utc};
use oauth2::basic::{BasicErrorResponse, BasicTokenType};
use oauth2::{
    AuthType, AuthUrl, AuthorizationCode, Client, ClientId, ClientSecret, CsrfToken,
    EndpointNotSet, EndpointSet, ExtraTokenFields, HttpClientError, PkceCodeChallenge,
    PkceCodeVerifier, RedirectUrl, RefreshToken, RequestTokenError, Scope, StandardErrorResponse,
    StandardRevocableToken, StandardTokenResponse, TokenResponse, TokenUrl,
};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use url::Url;
use zeroize::Zeroizing;

use crate::callback::Expected;
use crate::{tidy, LoginError};

/// How the client proves itself at the token endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientAuth {
    /// `client_secret_basic`: HTTP Basic.
    Basic,
    /// `client_secret_post`: `client_id`/`client_secret` in the form body.
    Form,
}

/// One authorization server and the client registered with it.
#[derive(Debug, Clone)]
pub struct OAuthProvider {
    /// Provider id, used in messages.
    pub provider: String,
    pub authorize_url: Url,
    pub token_url: Url,
    pub client_id: String,
    pub client_secret: Option<SecretString>,
    pub client_auth: ClientAuth,
    /// Provider-specific authorize parameters, e.g. SpareBank 1's `finInst`.
    pub extra_params: Vec<(String, String)>,
    pub scopes: Vec<String>,
}

/// Lifetimes some servers add to the token response (SpareBank 1 does).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ConsentFields {
    #[serde(default)]
    pub refresh_token_expires_in: Option<i64>,
    #[serde(default)]
    pub refresh_token_absolute_expires_in: Option<i64>,
}

impl ExtraTokenFields for ConsentFields {}

type TokenResponseBody = StandardTokenResponse<ConsentFields, BasicTokenType>;
type ConfiguredClient = Client<
    BasicErrorResponse,
    TokenResponseBody,
    oauth2::basic::BasicTokenIntrospectionResponse,
    StandardRevocableToken,
    oauth2::basic::BasicRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointSet,
>;

/// A connection's tokens. Kept only in memory and, sealed, in the vault.
#[derive(Debug, Clone)]
pub struct TokenSet {
    pub access_token: SecretString,
    pub refresh_token: Option<SecretString>,
    pub expires_at: Option<DateTime<Utc>>,
    /// When the refresh token dies if it is not used (idle expiry).
    pub refresh_expires_at: Option<DateTime<Utc>>,
    /// When the consent ends however often it is refreshed; shown to the user.
    pub consent_expires_at: Option<DateTime<Utc>>,
}

#[derive(Serialize, Deserialize)]
struct StoredTokens {
    access_token: String,
    refresh_token: Option<String>,
    expires_at: Option<DateTime<Utc>>,
    refresh_expires_at: Option<DateTime<Utc>>,
    consent_expires_at: Option<DateTime<Utc>>,
}

impl Drop for StoredTokens {
    fn drop(&mut self) {
        use zeroize::Zeroize;
        self.access_token.zeroize();
        if let Some(r) = self.refresh_token.as_mut() {
            r.zeroize();
        }
    }
}

impl TokenSet {
    /// The plaintext that gets sealed into the vault: access and refresh token in one record, so
    /// a rotated pair is always saved (and lost) together.
    pub fn to_sealable(&self) -> Zeroizing<String> {
        let stored = StoredTokens {
            access_token: self.access_token.expose_secret().to_string(),
            refresh_token: self
                .refresh_token
                .as_ref()
                .map(|r| r.expose_secret().to_string()),
            expires_at: self.expires_at,
            refresh_expires_at: self.refresh_expires_at,
            consent_expires_at: self.consent_expires_at,
        };
        Zeroizing::new(serde_json::to_string(&stored).unwrap_or_default())
    }

    pub fn from_sealed(text: &str) -> Result<TokenSet, LoginError> {
        let stored: StoredTokens = serde_json::from_str(text).map_err(|e| LoginError::Storage {
            detail: format!("the stored tokens cannot be read ({e})"),
        })?;
        Ok(TokenSet {
            access_token: SecretString::from(stored.access_token.clone()),
            refresh_token: stored.refresh_token.clone().map(SecretString::from),
            expires_at: stored.expires_at,
            refresh_expires_at: stored.refresh_expires_at,
            consent_expires_at: stored.consent_expires_at,
        })
    }

    /// True when the access token is past, or within `leeway` of, its expiry.
    pub fn access_expired(&self, now: DateTime<Utc>, leeway: Duration) -> bool {
        self.expires_at.is_some_and(|at| at - leeway <= now)
    }
}

/// A login started in the browser: the URL to open and what the redirect must look like.
#[derive(Debug)]
pub struct Authorization {
    /// Holds `state` and the PKCE challenge; for the browser only, never for logs or the UI.
    pub url: Url,
    pub expected: Expected,
    pub verifier: PkceCodeVerifier,
    pub redirect_uri: String,
}

impl OAuthProvider {
    fn client(&self, redirect_uri: Option<&str>) -> Result<ConfiguredClient, LoginError> {
        let bad = |what: &str, e: url::ParseError| LoginError::Settings {
            detail: format!("the {what} of {} is not a valid URL ({e})", self.provider),
        };
        let mut client = Client::new(ClientId::new(self.client_id.clone()))
            .set_auth_uri(
                AuthUrl::new(self.authorize_url.to_string())
                    .map_err(|e| bad("authorize URL", e))?,
            )
            .set_token_uri(
                TokenUrl::new(self.token_url.to_string()).map_err(|e| bad("token URL", e))?,
            )
            .set_auth_type(match self.client_auth {
                ClientAuth::Basic => AuthType::BasicAuth,
                ClientAuth::Form => AuthType::RequestBody,
            });
        if let Some(secret) = &self.client_secret {
            client =
                client.set_client_secret(ClientSecret::new(secret.expose_secret().to_string()));
        }
        if let Some(uri) = redirect_uri {
            client = client.set_redirect_uri(
                RedirectUrl::new(uri.to_string()).map_err(|e| bad("redirect URI", e))?,
            );
        }
        Ok(client)
    }

    /// Builds the authorize URL with PKCE S256 (32 random bytes) and a 32-byte random `state`.
    /// `callback_paths` are the paths (loopback or deep link) the redirect may arrive on.
    pub fn authorize(
        &self,
        redirect_uri: &str,
        callback_paths: Vec<String>,
    ) -> Result<Authorization, LoginError> {
        let client = self.client(Some(redirect_uri))?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256_len(32);
        let mut request = client
            .authorize_url(|| CsrfToken::new_random_len(32))
            .set_pkce_challenge(challenge);
        for (name, value) in &self.extra_params {
            request = request.add_extra_param(name.clone(), value.clone());
        }
        for scope in &self.scopes {
            request = request.add_scope(Scope::new(scope.clone()));
        }
        let (url, state) = request.url();
        Ok(Authorization {
            url,
            expected: Expected::OAuth {
                provider: self.provider.clone(),
                paths: callback_paths,
                state: SecretString::from(state.secret().clone()),
            },
            verifier,
            redirect_uri: redirect_uri.to_string(),
        })
    }

    /// Exchanges the code once. Never retried: a code is single-use and a failed exchange burns it.
    pub async fn exchange_code(
        &self,
        http: &reqwest::Client,
        code: &SecretString,
        verifier: PkceCodeVerifier,
        redirect_uri: &str,
        now: DateTime<Utc>,
    ) -> Result<TokenSet, LoginError> {
        let client = self.client(Some(redirect_uri))?;
        let capped = capped_client(http);
        let response = client
            .exchange_code(AuthorizationCode::new(code.expose_secret().to_string()))
            .set_pkce_verifier(verifier)
            .request_async(&capped)
            .await
            .map_err(|e| self.token_error(e))?;
        Ok(token_set(&response, None, now))
    }

    /// Trades the refresh token for new tokens; a rotated refresh token replaces the old one.
    pub async fn refresh(
        &self,
        http: &reqwest::Client,
        current: &TokenSet,
        now: DateTime<Utc>,
    ) -> Result<TokenSet, LoginError> {
        let Some(refresh) = current.refresh_token.as_ref() else {
            return Err(LoginError::InvalidGrant {
                provider: self.provider.clone(),
            });
        };
        let client = self.client(None)?;
        let capped = capped_client(http);
        let response = client
            .exchange_refresh_token(&RefreshToken::new(refresh.expose_secret().to_string()))
            .request_async(&capped)
            .await
            .map_err(|e| self.token_error(e))?;
        Ok(token_set(&response, Some(current), now))
    }

    fn token_error(
        &self,
        e: RequestTokenError<HttpClientError<reqwest::Error>, BasicErrorResponse>,
    ) -> LoginError {
        let provider = self.provider.clone();
        let host = self
            .token_url
            .host_str()
            .map(|h| match self.token_url.port() {
                Some(p) => format!("{h}:{p}"),
                None => h.to_string(),
            })
            .unwrap_or_default();
        match e {
            RequestTokenError::ServerResponse(body) => server_error(provider, &body),
            RequestTokenError::Request(inner) => LoginError::TokenEndpointUnreachable {
                provider,
                host,
                detail: describe_request_error(&inner),
            },
            RequestTokenError::Parse(_, body) => {
                let text = String::from_utf8_lossy(&body);
                let what = if text.trim_start().starts_with('<') {
                    "an HTML page".to_string()
                } else {
                    "a body that is not a token response".to_string()
                };
                LoginError::TokenEndpointNotJson {
                    provider,
                    host,
                    what,
                }
            }
            RequestTokenError::Other(message) => {
                if message.contains("Content-Type") {
                    let what = if message.contains("text/html") {
                        "an HTML page"
                    } else {
                        "a non-JSON response"
                    };
                    LoginError::TokenEndpointNotJson {
                        provider,
                        host,
                        what: what.into(),
                    }
                } else {
                    LoginError::TokenEndpoint {
                        provider,
                        error: tidy(&message),
                        description: None,
                    }
                }
            }
        }
    }
}

/// The token endpoint through the shared client, reading at most
/// [`crate::http::MAX_TOKEN_BODY`] of its answer: a token response is a few kilobytes, and an
/// endless or huge one is refused rather than held in memory.
type TokenCall = std::pin::Pin<
    Box<
        dyn std::future::Future<
                Output = Result<oauth2::HttpResponse, HttpClientError<reqwest::Error>>,
            > + Send,
    >,
>;

fn capped_client(http: &reqwest::Client) -> impl Fn(oauth2::HttpRequest) -> TokenCall {
    let http = http.clone();
    move |request: oauth2::HttpRequest| {
        let http = http.clone();
        Box::pin(async move {
            let request: reqwest::Request = request.try_into().map_err(Box::new)?;
            let response = http.execute(request).await.map_err(Box::new)?;
            let mut builder = oauth2::http::Response::builder()
                .status(response.status())
                .version(response.version());
            for (name, value) in response.headers() {
                builder = builder.header(name, value);
            }
            let body = crate::http::read_capped(response, crate::http::MAX_TOKEN_BODY)
                .await
                .map_err(|e| match e {
                    crate::http::BodyError::Transport(t) => HttpClientError::Reqwest(Box::new(t)),
                    other => HttpClientError::Other(other.to_string()),
                })?;
            builder.body(body).map_err(HttpClientError::Http)
        })
    }
}

fn server_error(
    provider: String,
    body: &StandardErrorResponse<oauth2::basic::BasicErrorResponseType>,
) -> LoginError {
    use oauth2::basic::BasicErrorResponseType as T;
    let description = body.error_description().map(|d| tidy(d));
    match body.error() {
        T::InvalidGrant => LoginError::InvalidGrant { provider },
        T::InvalidClient | T::UnauthorizedClient => LoginError::InvalidClient { provider },
        other => LoginError::TokenEndpoint {
            provider,
            error: tidy(other.as_ref()),
            description,
        },
    }
}

fn describe_request_error(e: &HttpClientError<reqwest::Error>) -> String {
    match e {
        HttpClientError::Reqwest(inner) => {
            let inner: &reqwest::Error = inner;
            if inner.is_timeout() {
                "it did not answer in time".into()
            } else if inner.is_connect() {
                "the connection was refused or the host is unknown".into()
            } else {
                // reqwest's Display names the URL without query; the token request has no query.
                tidy(&inner.to_string())
            }
        }
        HttpClientError::Http(inner) => tidy(&inner.to_string()),
        HttpClientError::Io(inner) => tidy(&inner.to_string()),
        HttpClientError::Other(message) => tidy(message),
        _ => "the request failed".into(),
    }
}

/// The longest lifetime taken from a token response: a year.
const MAX_LIFETIME_SECS: i64 = 366 * 24 * 3600;

fn token_set(
    response: &TokenResponseBody,
    previous: Option<&TokenSet>,
    now: DateTime<Utc>,
) -> TokenSet {
    // Lifetimes come from the bank: a negative one is none, and none is longer than a year
    // (an absurd `expires_in` must not overflow a date and lose a freshly rotated pair).
    let clamp = |secs: i64| secs.clamp(0, MAX_LIFETIME_SECS);
    let seconds = |s: i64| now.checked_add_signed(Duration::seconds(clamp(s)));
    let extra = response.extra_fields();
    let expires_at = response
        .expires_in()
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .and_then(seconds);
    TokenSet {
        access_token: SecretString::from(response.access_token().secret().clone()),
        refresh_token: response
            .refresh_token()
            .map(|r| SecretString::from(r.secret().clone()))
            .or_else(|| previous.and_then(|p| p.refresh_token.clone())),
        expires_at,
        refresh_expires_at: extra
            .refresh_token_expires_in
            .and_then(seconds)
            .or_else(|| previous.and_then(|p| p.refresh_expires_at)),
        // The absolute limit counts from the original consent, so a refresh keeps the old date.
        consent_expires_at: previous
            .and_then(|p| p.consent_expires_at)
            .or_else(|| extra.refresh_token_absolute_expires_in.and_then(seconds)),
    }
}
