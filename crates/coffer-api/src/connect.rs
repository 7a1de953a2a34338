//! Connecting banks: the provider catalogue, logins in the system browser, the vault that keeps
//! their secrets, per-connection sessions, settings, disconnecting.
//!
//! A login is two calls, so a front end can show a waiting state with Cancel in between:
//! [`Coffer::begin_login`] validates the form, prepares the redirect (loopback listener or
//! `coffer://` deep link) and opens the system browser; [`Coffer::finish_login`] waits for the
//! redirect, trades it for the provider's secrets and saves them sealed, together with the
//! connection, in one transaction. Nothing is stored before the login succeeded.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use coffer_core::model::{Connection, ConnectionId, ConnectionStatus};
use coffer_core::secrets::{SecretsError, VaultRow, SECRET_TABLE};
use coffer_core::views::ConnectionView;
use coffer_core::Store;
use coffer_login::oauth::TokenSet;
use coffer_login::pending::Delivery;
use coffer_login::{
    CallbackResult, LoginError, LoopbackListener, OAuthProvider, OAuthSession, PendingLogin,
    PkceCodeVerifier, TokenSink,
};
use coffer_providers::{finsify, sparebank1};
use coffer_vault::{KeySource, SecretSlot, Vault, VaultHeader};
use rand::RngCore;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use url::Url;

use crate::{ApiError, Coffer, ErrorCode};

/// The URL scheme Coffer registers with the OS for redirects back from the browser.
pub const DEEP_LINK_SCHEME: &str = "coffer";

/// Secret kinds, as bound into each envelope's associated data.
const CLIENT_SECRET: &str = "client_secret";
const OAUTH_TOKENS: &str = "oauth_tokens";
const LOGIN_SECRET: &str = "login_secret";

/// Settings a user (or the README's sandbox section) may change, with their defaults.
pub const SETTINGS: &[(&str, &str, &str)] = &[
    (
        "sparebank1.api_url",
        sparebank1::DEFAULT_API_URL,
        "SpareBank 1 API base URL",
    ),
    (
        "sparebank1.auth_url",
        sparebank1::DEFAULT_AUTH_URL,
        "SpareBank 1 OAuth base URL (…/oauth/authorize, …/oauth/token)",
    ),
    (
        "finsify.api_url",
        finsify::DEFAULT_API_URL,
        "Finsify API base URL, including /v2",
    ),
    (
        "finsify.catalogue_url",
        finsify::DEFAULT_CATALOGUE_URL,
        "Finsify service catalogue (service.json)",
    ),
];

/// Opens URLs in the user's browser. Never a webview: bank login pages must not run inside
/// Coffer (RFC 8252 §8.12).
pub trait Browser: Send + Sync {
    fn open(&self, url: &str) -> Result<(), ApiError>;
}

/// The system browser; `COFFER_BROWSER` names another program to run with the URL (scripts,
/// end-to-end tests, the sandbox's scripted "user").
#[derive(Debug, Default)]
pub struct SystemBrowser;

impl Browser for SystemBrowser {
    fn open(&self, url: &str) -> Result<(), ApiError> {
        let failed = |e: std::io::Error| {
            ApiError::new(
                ErrorCode::Login,
                format!("cannot open the system browser: {e}"),
            )
        };
        match std::env::var_os("COFFER_BROWSER") {
            Some(program) if !program.is_empty() => {
                let mut child = std::process::Command::new(program)
                    .arg(url)
                    .stdin(std::process::Stdio::null())
                    .spawn()
                    .map_err(failed)?;
                // Reap it when it exits, so a long-running app collects no zombies.
                std::thread::spawn(move || child.wait());
                Ok(())
            }
            _ => open::that_detached(url).map_err(failed),
        }
    }
}

// ---- catalogue ----------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum LoginKind {
    /// OAuth in the system browser, back to a loopback listener.
    OauthLoopback,
    /// An aggregator's connect page, back through a `coffer://` deep link (or loopback).
    ConnectPage,
    /// No login (the Demo Bank).
    None,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct FieldChoice {
    pub value: String,
    pub label: String,
}

/// One input of the connect form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct CredentialField {
    pub key: String,
    pub label: String,
    /// Where to find the value.
    pub help: String,
    /// Shown as a password field; stored only sealed in the vault.
    pub secret: bool,
    pub required: bool,
    pub default_value: Option<String>,
    pub choices: Vec<FieldChoice>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ProviderInfo {
    pub id: String,
    pub name: String,
    pub summary: String,
    pub login: LoginKind,
    pub fields: Vec<CredentialField>,
    /// The redirect URI to register with the provider, with `{port}` for the chosen port.
    pub redirect_uri_template: Option<String>,
}

fn field(key: &str, label: &str, help: &str, secret: bool, required: bool) -> CredentialField {
    CredentialField {
        key: key.into(),
        label: label.into(),
        help: help.into(),
        secret,
        required,
        default_value: None,
        choices: Vec::new(),
    }
}

/// The banks Coffer can connect, and what each needs from the user.
pub fn provider_catalogue() -> Vec<ProviderInfo> {
    let mut fin_inst = field(
        "fin_inst",
        "Bank",
        "Which SpareBank 1 bank you use; leave empty to choose on the login page.",
        false,
        false,
    );
    fin_inst.choices = sparebank1::BANKS
        .iter()
        .map(|(id, name)| FieldChoice {
            value: (*id).into(),
            label: (*name).into(),
        })
        .collect();
    let mut port = field(
        "redirect_port",
        "Redirect port",
        "The port in the redirect URI you registered for your client.",
        false,
        true,
    );
    port.default_value = Some(sparebank1::DEFAULT_REDIRECT_PORT.to_string());
    vec![
        ProviderInfo {
            id: sparebank1::PROVIDER_ID.into(),
            name: sparebank1::LABEL.into(),
            summary: "Norwegian savings banks. Log in with BankID in your browser.".into(),
            login: LoginKind::OauthLoopback,
            fields: vec![
                field(
                    "client_id",
                    "Client ID",
                    "Create a personal client at developer.sparebank1.no (Personlig klient) \
                     and copy its client ID.",
                    false,
                    true,
                ),
                field(
                    "client_secret",
                    "Client secret",
                    "Shown next to the client ID in the developer portal.",
                    true,
                    true,
                ),
                fin_inst,
                port,
            ],
            redirect_uri_template: Some(format!(
                "http://127.0.0.1:{{port}}{}",
                sparebank1::CALLBACK_PATH
            )),
        },
        ProviderInfo {
            id: finsify::PROVIDER_ID.into(),
            name: finsify::LABEL.into(),
            summary: "Banks and wallets in Vietnam and South-East Asia through Finsify Hub.".into(),
            login: LoginKind::ConnectPage,
            fields: vec![
                field(
                    "client_id",
                    "Client-Id",
                    "From your Finsify developer dashboard.",
                    false,
                    true,
                ),
                field(
                    "service_secret",
                    "Service-secret",
                    "From the same dashboard (the backend secret, not the App-secret).",
                    true,
                    true,
                ),
                field(
                    "service_id",
                    "Bank",
                    "Pick your bank from Finsify's catalogue.",
                    false,
                    true,
                ),
            ],
            redirect_uri_template: None,
        },
    ]
}

// ---- login requests -----------------------------------------------------------------------

/// How the provider's redirect comes back to Coffer.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum CallbackKind {
    /// A listener on 127.0.0.1 (always for OAuth; the CLI's choice for aggregators).
    #[default]
    Loopback,
    /// `coffer://…`, handed over by the OS to the running desktop app.
    DeepLink,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct LoginRequest {
    pub provider: String,
    /// Form values by [`CredentialField::key`]. On "Log in again" empty fields keep the saved
    /// values.
    pub fields: BTreeMap<String, String>,
    /// Set for "Log in again": the connection is renewed in place.
    pub connection: Option<ConnectionId>,
    pub callback: CallbackKind,
}

/// A login waiting for the browser. Holds no secret: the URL opened in the browser never goes
/// back to the UI.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct LoginStarted {
    pub login_id: u64,
    pub provider: String,
    /// Where the provider will send the browser back (loopback) — what must be registered.
    pub redirect_uri: String,
}

/// What `begin_login` hands the adapter: the view, and the URL for the browser (the CLI prints
/// it with `--no-browser`).
#[derive(Debug)]
pub struct LoginTicket {
    pub started: LoginStarted,
    pub browser_url: SecretString,
}

/// The secrets a finished login hands over, by kind, before sealing.
type SealedSecrets = Vec<(&'static str, SecretString)>;

enum Plan {
    OAuth {
        oauth: Box<OAuthProvider>,
        verifier: PkceCodeVerifier,
        redirect_uri: String,
        config: String,
        client_secret: SecretString,
    },
    Linked {
        config: finsify::FinsifyConfig,
        service_secret: SecretString,
    },
}

pub(crate) struct InProgress {
    provider: String,
    label: String,
    connection: Option<ConnectionId>,
    pending: PendingLogin,
    listener: Option<LoopbackListener>,
    plan: Plan,
}

#[derive(Default)]
pub(crate) struct LoginState {
    pub(crate) in_progress: Mutex<HashMap<u64, InProgress>>,
    pub(crate) sessions: Mutex<HashMap<ConnectionId, Arc<OAuthSession>>>,
    pub(crate) vault: Mutex<Option<Arc<Vault>>>,
}

/// Whether saved logins can be opened; shown in the Connections view.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct VaultStatus {
    /// `ready`, `not_created` (no bank connected yet), `unavailable` (no keychain), or
    /// `key_lost` (the key the saved logins were sealed with is gone).
    pub state: String,
    /// `keychain` or `passphrase`.
    pub key_source: String,
    pub message: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Setting {
    pub key: String,
    pub value: String,
    pub default_value: String,
    pub description: String,
}

/// A bank in Finsify's catalogue, for the connect form's search box.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct FinsifyService {
    pub id: i64,
    pub name: String,
    pub country_code: String,
    pub kind: String,
    pub logo_url: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct RefreshAtBank {
    /// When the provider allows the next refresh (RFC 3339).
    pub next_refresh_possible_at: String,
}

/// A form value, trimmed; empty counts as not given.
fn form_value(request: &LoginRequest, key: &str) -> Option<String> {
    request
        .fields
        .get(key)
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::new(ErrorCode::InvalidInput, message)
}

fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut buf);
    buf.iter().map(|b| format!("{b:02x}")).collect()
}

fn slot(connection: ConnectionId, kind: &str) -> SecretSlot<'_> {
    SecretSlot {
        table: SECRET_TABLE,
        row: connection,
        kind,
    }
}

fn parse_url(key: &str, value: &str) -> Result<Url, ApiError> {
    let url = Url::parse(value)
        .map_err(|e| invalid(format!("the setting {key} is not a valid URL ({e})")))?;
    let loopback = matches!(url.host_str(), Some("127.0.0.1" | "localhost" | "[::1]"));
    match url.scheme() {
        "https" => Ok(url),
        // Plain HTTP only to this machine (the sandboxes); tokens never cross a network in clear.
        "http" if loopback => Ok(url),
        _ => Err(invalid(format!(
            "the setting {key} must be an https:// URL (http:// only for 127.0.0.1)"
        ))),
    }
}

struct VaultTokens {
    store: Arc<Mutex<Store>>,
    vault: Arc<Vault>,
    connection: ConnectionId,
}

impl TokenSink for VaultTokens {
    fn save(&self, tokens: &TokenSet) -> Result<(), LoginError> {
        let failed = |detail: String| LoginError::Storage { detail };
        let sealed = self
            .vault
            .seal(
                tokens.to_sealable().as_bytes(),
                &slot(self.connection, OAUTH_TOKENS),
            )
            .map_err(|e| failed(e.to_string()))?;
        let mut store = self
            .store
            .lock()
            .map_err(|_| failed("store lock poisoned".into()))?;
        store
            .put_secret(self.connection, OAUTH_TOKENS, &sealed, Utc::now())
            .map_err(|e| failed(e.to_string()))?;
        store
            .set_consent_expiry(self.connection, tokens.consent_expires_at)
            .map_err(|e| failed(e.to_string()))
    }
}

impl Coffer {
    // ---- settings -------------------------------------------------------------------------

    fn setting_value(&self, key: &str) -> Result<String, ApiError> {
        let default = SETTINGS
            .iter()
            .find(|(k, _, _)| *k == key)
            .map(|(_, d, _)| (*d).to_string())
            .ok_or_else(|| invalid(format!("unknown setting '{key}'")))?;
        Ok(self.with_store(|s| Ok(s.setting(key)?))?.unwrap_or(default))
    }

    fn setting_url(&self, key: &str) -> Result<Url, ApiError> {
        parse_url(key, &self.setting_value(key)?)
    }

    pub async fn settings(&self) -> Result<Vec<Setting>, ApiError> {
        let stored: HashMap<String, String> = self
            .with_store(|s| Ok(s.settings()?))?
            .into_iter()
            .collect();
        Ok(SETTINGS
            .iter()
            .map(|(key, default, description)| Setting {
                key: (*key).into(),
                value: stored
                    .get(*key)
                    .cloned()
                    .unwrap_or_else(|| (*default).into()),
                default_value: (*default).into(),
                description: (*description).into(),
            })
            .collect())
    }

    /// Sets a setting; `None` (or the default value) goes back to the default.
    pub async fn set_setting(&self, key: &str, value: Option<&str>) -> Result<Setting, ApiError> {
        let Some((_, default, description)) = SETTINGS.iter().find(|(k, _, _)| *k == key) else {
            let known: Vec<&str> = SETTINGS.iter().map(|(k, _, _)| *k).collect();
            return Err(invalid(format!(
                "unknown setting '{key}'; known settings: {}",
                known.join(", ")
            )));
        };
        let value = value
            .map(str::trim)
            .filter(|v| !v.is_empty() && v != default);
        if let Some(v) = value {
            parse_url(key, v)?;
        }
        self.with_store(|s| Ok(s.set_setting(key, value)?))?;
        Ok(Setting {
            key: key.into(),
            value: value.unwrap_or(default).into(),
            default_value: (*default).into(),
            description: (*description).into(),
        })
    }

    // ---- vault ----------------------------------------------------------------------------

    /// Unlocks the vault, creating it on first use. Only real bank connections need it, so the
    /// Demo Bank works on machines without a keychain.
    pub(crate) fn vault(&self) -> Result<Arc<Vault>, ApiError> {
        let mut cached = self
            .login
            .vault
            .lock()
            .map_err(|_| ApiError::internal("vault lock poisoned"))?;
        if let Some(v) = cached.as_ref() {
            return Ok(Arc::clone(v));
        }
        let row = self.with_store(|s| Ok(s.vault_row()?))?;
        let vault = match row {
            Some(row) => {
                let header = VaultHeader {
                    profile: row.profile,
                    key_source: row.key_source.parse().map_err(|_| {
                        ApiError::new(
                            ErrorCode::StoreCorrupt,
                            format!(
                                "the vault header names an unknown key source '{}'",
                                row.key_source
                            ),
                        )
                    })?,
                    salt: row.salt,
                    canary: row.canary,
                };
                if header.key_source != self.key_source.kind() {
                    return Err(ApiError::new(
                        ErrorCode::VaultKeyLost,
                        format!(
                            "saved logins were sealed with a key from the {}, but Coffer is now \
                             using the {}; {}",
                            header.key_source.as_str(),
                            self.key_source.kind().as_str(),
                            match header.key_source {
                                coffer_vault::KeySourceKind::Passphrase =>
                                    "set COFFER_PASSPHRASE again",
                                coffer_vault::KeySourceKind::Keychain => "unset COFFER_PASSPHRASE",
                            }
                        ),
                    ));
                }
                Vault::unlock(&self.key_source, &header)?
            }
            None => self.create_vault()?,
        };
        let vault = Arc::new(vault);
        *cached = Some(Arc::clone(&vault));
        Ok(vault)
    }

    /// Makes a new key (stored in the keychain, or derived from the passphrase) and saves its
    /// header; any previous vault's secrets are dropped with it.
    fn create_vault(&self) -> Result<Vault, ApiError> {
        let (vault, header) = Vault::create(&self.key_source)?;
        let now = self.clock.now();
        self.with_store(|s| {
            Ok(s.replace_vault(
                &VaultRow {
                    profile: header.profile,
                    key_source: header.key_source.as_str().into(),
                    salt: header.salt,
                    canary: header.canary,
                },
                now,
            )?)
        })?;
        Ok(vault)
    }

    /// The start-up check: can saved logins be opened (or created)? For the keychain this runs
    /// its write/read/delete self-test.
    pub async fn vault_status(&self) -> Result<VaultStatus, ApiError> {
        let key_source = self.key_source.kind().as_str().to_string();
        let exists = self.with_store(|s| Ok(s.vault_row()?))?.is_some();
        if let KeySource::Keychain(keychain) = &self.key_source {
            if let Err(e) = keychain.self_test() {
                return Ok(VaultStatus {
                    state: "unavailable".into(),
                    key_source,
                    message: Some(e.to_string()),
                });
            }
        }
        if !exists {
            return Ok(VaultStatus {
                state: "not_created".into(),
                key_source,
                message: None,
            });
        }
        Ok(match self.vault() {
            Ok(_) => VaultStatus {
                state: "ready".into(),
                key_source,
                message: None,
            },
            Err(e) => VaultStatus {
                state: if e.code == ErrorCode::VaultKeyLost {
                    "key_lost".into()
                } else {
                    "unavailable".into()
                },
                key_source,
                message: Some(e.message),
            },
        })
    }

    /// After a lost key: a new vault; every saved login is dropped and its connection asks for
    /// a new login. History stays.
    pub async fn reset_vault(&self) -> Result<VaultStatus, ApiError> {
        let old_profile = self.with_store(|s| Ok(s.vault_row()?))?.map(|r| r.profile);
        let vault = self.create_vault()?;
        // The old key opens nothing any more; leave no orphan entry in the keychain.
        if let (KeySource::Keychain(keychain), Some(profile)) = (&self.key_source, old_profile) {
            if let Err(e) = keychain.delete_key(&profile) {
                tracing::warn!("cannot delete the old vault key from the keychain: {e}");
            }
        }
        if let Ok(mut sessions) = self.login.sessions.lock() {
            sessions.clear();
        }
        if let Ok(mut cached) = self.login.vault.lock() {
            *cached = Some(Arc::new(vault));
        }
        self.vault_status().await
    }

    fn open_secret(
        &self,
        vault: &Vault,
        connection: ConnectionId,
        kind: &str,
    ) -> Result<SecretString, ApiError> {
        let envelope = self
            .with_store(|s| Ok(s.secret(connection, kind)?))?
            .ok_or_else(|| {
                ApiError::new(
                    ErrorCode::NeedsReauth,
                    format!("connection {connection} has no saved {kind}; log in again"),
                )
            })?;
        Ok(vault.open_secret(&envelope, &slot(connection, kind))?)
    }

    // ---- login ----------------------------------------------------------------------------

    /// A connection's saved settings, for "Log in again"; unreadable ones are simply not reused.
    fn saved_config<T: serde::de::DeserializeOwned>(
        &self,
        existing: Option<&Connection>,
    ) -> Result<Option<T>, ApiError> {
        let Some(c) = existing else {
            return Ok(None);
        };
        let text = self.with_store(|s| Ok(s.connection_config(c.id)?))?;
        Ok(serde_json::from_str(&text).ok())
    }

    pub async fn providers(&self) -> Result<Vec<ProviderInfo>, ApiError> {
        Ok(provider_catalogue())
    }

    /// Finsify's service catalogue, optionally searched by name or country.
    pub async fn finsify_services(
        &self,
        query: Option<&str>,
    ) -> Result<Vec<FinsifyService>, ApiError> {
        let url = self.setting_url("finsify.catalogue_url")?;
        Ok(finsify::services(&self.http, &url, query)
            .await?
            .into_iter()
            .map(|s| FinsifyService {
                id: s.id,
                name: s.name,
                country_code: s.country_code,
                kind: s.kind,
                logo_url: s.logo_url,
            })
            .collect())
    }

    /// Validates the form, prepares the redirect and opens the browser (when `open_browser`).
    pub async fn begin_login(
        &self,
        request: &LoginRequest,
        open_browser: bool,
    ) -> Result<LoginTicket, ApiError> {
        let existing = match request.connection {
            Some(id) => {
                let conn = self.with_store(|s| Ok(s.connection(id)?))?;
                if conn.provider != request.provider {
                    return Err(invalid(format!(
                        "connection {id} is a {} connection, not {}",
                        conn.provider, request.provider
                    )));
                }
                Some(conn)
            }
            None => None,
        };
        // A missing keychain must stop the login before the user goes through the bank.
        let vault = self.vault()?;
        let (ticket, progress) = match request.provider.as_str() {
            sparebank1::PROVIDER_ID => self.begin_sparebank1(request, existing.as_ref(), &vault)?,
            finsify::PROVIDER_ID => {
                self.begin_finsify(request, existing.as_ref(), &vault)
                    .await?
            }
            "demo" => {
                return Err(invalid(
                    "the Demo Bank needs no login; connect it with connect_demo",
                ))
            }
            other => {
                return Err(invalid(format!(
                    "unknown provider '{other}'; known: sparebank1, finsify, demo"
                )))
            }
        };
        self.login
            .in_progress
            .lock()
            .map_err(|_| ApiError::internal("login lock poisoned"))?
            .insert(ticket.started.login_id, progress);
        if open_browser {
            if let Err(e) = self.browser.open(ticket.browser_url.expose_secret()) {
                self.cancel_login(ticket.started.login_id).await?;
                return Err(e);
            }
        }
        Ok(ticket)
    }

    fn begin_sparebank1(
        &self,
        request: &LoginRequest,
        existing: Option<&Connection>,
        vault: &Vault,
    ) -> Result<(LoginTicket, InProgress), ApiError> {
        let saved: Option<sparebank1::Sparebank1Config> = self.saved_config(existing)?;
        let given = |key: &str| form_value(request, key);
        let client_id = given("client_id")
            .or_else(|| saved.as_ref().map(|c| c.client_id.clone()))
            .ok_or_else(|| invalid("SpareBank 1 needs the client ID of your personal client"))?;
        let client_secret = match (given("client_secret"), existing) {
            (Some(s), _) => SecretString::from(s),
            (None, Some(c)) => self.open_secret(vault, c.id, CLIENT_SECRET)?,
            (None, None) => {
                return Err(invalid(
                    "SpareBank 1 needs the client secret of your personal client",
                ))
            }
        };
        let fin_inst = match given("fin_inst") {
            Some(f) if sparebank1::BANKS.iter().any(|(id, _)| *id == f) => Some(f),
            Some(f) => {
                return Err(invalid(format!(
                    "'{f}' is not a SpareBank 1 bank; choose one of {}",
                    sparebank1::BANKS
                        .iter()
                        .map(|(id, _)| *id)
                        .collect::<Vec<_>>()
                        .join(", ")
                )))
            }
            None => saved.as_ref().and_then(|c| c.fin_inst.clone()),
        };
        let redirect_port = match given("redirect_port") {
            Some(p) => p.parse::<u16>().map_err(|_| {
                invalid(format!(
                    "the redirect port must be a number from 1 to 65535, not '{p}'"
                ))
            })?,
            None => saved
                .as_ref()
                .map(|c| c.redirect_port)
                .unwrap_or(sparebank1::DEFAULT_REDIRECT_PORT),
        };
        let auth_url = self.setting_url("sparebank1.auth_url")?;
        let listener = LoopbackListener::bind(redirect_port)?;
        let config = sparebank1::Sparebank1Config {
            client_id,
            fin_inst,
            // An ephemeral port (0) is only for test servers that accept any port.
            redirect_port: if redirect_port == 0 {
                listener.port()
            } else {
                redirect_port
            },
        };
        let oauth = sparebank1::oauth_provider(&auth_url, &config, client_secret.clone())
            .map_err(|e| invalid(e.to_string()))?;
        let redirect_uri = listener.redirect_uri(sparebank1::CALLBACK_PATH);
        let authorization = oauth.authorize(
            &redirect_uri,
            vec![
                sparebank1::CALLBACK_PATH.to_string(),
                format!("/oauth/{}", sparebank1::PROVIDER_ID),
            ],
        )?;
        let pending = self.logins.register(authorization.expected);
        let config_text = serde_json::to_string(&config)
            .map_err(|e| ApiError::internal(format!("cannot encode the settings: {e}")))?;
        let started = LoginStarted {
            login_id: pending.id,
            provider: sparebank1::PROVIDER_ID.into(),
            redirect_uri: redirect_uri.clone(),
        };
        Ok((
            LoginTicket {
                started,
                browser_url: SecretString::from(authorization.url.to_string()),
            },
            InProgress {
                provider: sparebank1::PROVIDER_ID.into(),
                label: existing
                    .map(|c| c.label.clone())
                    .unwrap_or_else(|| sparebank1::LABEL.into()),
                connection: existing.map(|c| c.id),
                pending,
                listener: Some(listener),
                plan: Plan::OAuth {
                    oauth: Box::new(oauth),
                    verifier: authorization.verifier,
                    redirect_uri,
                    config: config_text,
                    client_secret,
                },
            },
        ))
    }

    async fn begin_finsify(
        &self,
        request: &LoginRequest,
        existing: Option<&Connection>,
        vault: &Vault,
    ) -> Result<(LoginTicket, InProgress), ApiError> {
        let saved: Option<finsify::FinsifyConfig> = self.saved_config(existing)?;
        let given = |key: &str| form_value(request, key);
        let client_id = given("client_id")
            .or_else(|| saved.as_ref().map(|c| c.client_id.clone()))
            .ok_or_else(|| invalid("Finsify needs your Client-Id"))?;
        let service_secret = match (given("service_secret"), existing) {
            (Some(s), _) => SecretString::from(s),
            (None, Some(c)) => self.open_secret(vault, c.id, CLIENT_SECRET)?,
            (None, None) => return Err(invalid("Finsify needs your Service-secret")),
        };
        let api_url = self.setting_url("finsify.api_url")?;
        let api = finsify::FinsifyApi::new(
            self.http.clone(),
            api_url,
            client_id.clone(),
            service_secret.clone(),
        );
        let nonce = random_hex(32);
        let (listener, callback_url) = match request.callback {
            CallbackKind::Loopback => {
                let listener = LoopbackListener::bind(0)?;
                let url = listener.redirect_uri(&format!("{}/{nonce}", finsify::LOOPBACK_PREFIX));
                (Some(listener), url)
            }
            CallbackKind::DeepLink => (
                None,
                format!("{DEEP_LINK_SCHEME}:/{}/{nonce}", finsify::DEEP_LINK_PREFIX),
            ),
        };
        let (config, connect_url) = match (existing, saved) {
            (Some(conn), Some(saved)) => {
                // Reconnect keeps the login (and so the accounts) at Finsify.
                let login_secret = self.open_secret(vault, conn.id, LOGIN_SECRET)?;
                let url = api.reconnect_url(&login_secret, &callback_url).await?;
                (saved, url)
            }
            _ => {
                let service_id: i64 = given("service_id")
                    .ok_or_else(|| invalid("choose the bank to connect through Finsify"))?
                    .parse()
                    .map_err(|_| invalid("the Finsify service id must be a number"))?;
                let services = finsify::services(
                    &self.http,
                    &self.setting_url("finsify.catalogue_url")?,
                    None,
                )
                .await?;
                let service_name = services
                    .iter()
                    .find(|s| s.id == service_id)
                    .map(|s| s.name.clone())
                    .ok_or_else(|| {
                        invalid(format!("Finsify's catalogue has no service {service_id}"))
                    })?;
                let customer_id = self.finsify_customer(&api, &client_id).await?;
                let url = api
                    .connect_url(&customer_id, service_id, &callback_url)
                    .await?;
                (
                    finsify::FinsifyConfig {
                        client_id,
                        customer_id,
                        service_id,
                        service_name,
                        login_id: None,
                    },
                    url,
                )
            }
        };
        let pending = self.logins.register(coffer_login::Expected::LinkedLogin {
            provider: finsify::PROVIDER_ID.into(),
            prefixes: vec![
                finsify::DEEP_LINK_PREFIX.into(),
                finsify::LOOPBACK_PREFIX.into(),
            ],
            nonce: SecretString::from(nonce),
        });
        let started = LoginStarted {
            login_id: pending.id,
            provider: finsify::PROVIDER_ID.into(),
            redirect_uri: match &listener {
                Some(l) => l.redirect_uri(finsify::LOOPBACK_PREFIX),
                None => format!("{DEEP_LINK_SCHEME}:/{}", finsify::DEEP_LINK_PREFIX),
            },
        };
        let label = existing
            .map(|c| c.label.clone())
            .unwrap_or_else(|| format!("{} via Finsify", config.service_name));
        Ok((
            LoginTicket {
                started,
                browser_url: connect_url,
            },
            InProgress {
                provider: finsify::PROVIDER_ID.into(),
                label,
                connection: existing.map(|c| c.id),
                pending,
                listener,
                plan: Plan::Linked {
                    config,
                    service_secret,
                },
            },
        ))
    }

    /// Finsify returns a customer id only when it is created, so it is kept in the settings
    /// table. If the identifier exists but its id was lost, a fresh identifier is registered.
    async fn finsify_customer(
        &self,
        api: &finsify::FinsifyApi,
        client_id: &str,
    ) -> Result<String, ApiError> {
        let key = format!("finsify.customer.{client_id}");
        if let Some(id) = self.with_store(|s| Ok(s.setting(&key)?))? {
            return Ok(id);
        }
        for _ in 0..3 {
            let identifier = format!("coffer-{}", random_hex(12));
            match api.create_customer(&identifier).await {
                Ok(id) => {
                    self.with_store(|s| Ok(s.set_setting(&key, Some(&id))?))?;
                    return Ok(id);
                }
                Err(finsify::FinsifyError::CustomerExists) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(ApiError::new(
            ErrorCode::Provider,
            "Finsify refused three fresh customer identifiers as already existing",
        ))
    }

    /// Waits for the login's redirect and saves the connection. Renewing keeps the connection
    /// id, its accounts and its history.
    pub async fn finish_login(&self, login_id: u64) -> Result<ConnectionView, ApiError> {
        let progress = self
            .login
            .in_progress
            .lock()
            .map_err(|_| ApiError::internal("login lock poisoned"))?
            .remove(&login_id)
            .ok_or_else(|| {
                ApiError::new(
                    ErrorCode::NotFound,
                    format!("no login {login_id} is in progress"),
                )
            })?;
        let InProgress {
            provider,
            label,
            connection,
            pending,
            listener,
            plan,
        } = progress;
        let redirect_uri = match &plan {
            Plan::OAuth { redirect_uri, .. } => Some(redirect_uri.clone()),
            Plan::Linked { .. } => None,
        };
        let result = pending
            .wait(listener, coffer_login::LOGIN_TIMEOUT)
            .await
            .map_err(|e| match (e, redirect_uri) {
                // The usual cause: the bank sent the browser to another address (a different
                // port or path than registered), so nothing ever reached this listener.
                (e @ LoginError::TimedOut { .. }, Some(uri)) => ApiError::new(
                    ErrorCode::Login,
                    format!(
                        "{e}. If the bank's page reported a redirect URI problem, register \
                         exactly {uri} for your client"
                    ),
                ),
                (e, _) => e.into(),
            })?;
        let vault = self.vault()?;
        let now = self.clock.now();
        let (config, consent, secrets): (String, Option<DateTime<Utc>>, SealedSecrets) =
            match (plan, result) {
                (
                    Plan::OAuth {
                        oauth,
                        verifier,
                        redirect_uri,
                        config,
                        client_secret,
                    },
                    CallbackResult::AuthorizationCode(code),
                ) => {
                    let tokens = oauth
                        .exchange_code(&self.http, &code, verifier, &redirect_uri, now)
                        .await?;
                    let consent = tokens.consent_expires_at;
                    let sealed_tokens = SecretString::from(tokens.to_sealable().to_string());
                    (
                        config,
                        consent,
                        vec![
                            (CLIENT_SECRET, client_secret),
                            (OAUTH_TOKENS, sealed_tokens),
                        ],
                    )
                }
                (
                    Plan::Linked {
                        mut config,
                        service_secret,
                    },
                    CallbackResult::LinkedLogin { login_id, secret },
                ) => {
                    config.login_id = Some(login_id);
                    let text = serde_json::to_string(&config).map_err(|e| {
                        ApiError::internal(format!("cannot encode the settings: {e}"))
                    })?;
                    (
                        text,
                        None,
                        vec![(CLIENT_SECRET, service_secret), (LOGIN_SECRET, secret)],
                    )
                }
                _ => {
                    return Err(ApiError::new(
                        ErrorCode::Login,
                        "the provider answered with a different kind of login than was started",
                    ))
                }
            };
        let seal = |id: ConnectionId| -> Result<Vec<(String, Vec<u8>)>, coffer_vault::VaultError> {
            secrets
                .iter()
                .map(|(kind, value)| {
                    Ok((
                        (*kind).to_string(),
                        vault.seal_secret(value, &slot(id, kind))?,
                    ))
                })
                .collect()
        };
        let saved = self.with_store(|s| {
            let result = match connection {
                Some(id) => s.renew_connection(id, &config, consent, now, seal),
                None => {
                    s.add_connection_with_secrets(&provider, &label, &config, consent, now, seal)
                }
            };
            result.map_err(|e| match e {
                SecretsError::Store(e) => e.into(),
                SecretsError::Seal(e) => e.into(),
            })
        })?;
        if let Ok(mut sessions) = self.login.sessions.lock() {
            sessions.remove(&saved.id);
        }
        self.connection_view(saved.id).await
    }

    /// Cancels a login that is starting or waiting; cancelling one that already ended is fine.
    pub async fn cancel_login(&self, login_id: u64) -> Result<(), ApiError> {
        let dropped = self
            .login
            .in_progress
            .lock()
            .map_err(|_| ApiError::internal("login lock poisoned"))?
            .remove(&login_id);
        drop(dropped);
        self.logins.cancel(login_id);
        Ok(())
    }

    /// A `coffer://` URL the OS handed to the app (at start or while running).
    pub async fn deliver_deep_link(&self, link: &str) -> Result<(), ApiError> {
        match self.logins.deliver_deep_link(link, DEEP_LINK_SCHEME) {
            Delivery::Finished(_) => Ok(()),
            Delivery::Refused(e) => Err(ApiError::new(ErrorCode::Login, e.to_string())),
        }
    }

    pub(crate) async fn connection_view(
        &self,
        id: ConnectionId,
    ) -> Result<ConnectionView, ApiError> {
        self.connections()
            .await?
            .into_iter()
            .find(|c| c.id == id)
            .ok_or_else(|| ApiError::new(ErrorCode::NotFound, format!("no connection {id}")))
    }

    // ---- connected banks ------------------------------------------------------------------

    /// The provider behind a connection, with its secrets opened.
    pub(crate) fn bank_provider(
        &self,
        connection: &Connection,
    ) -> Result<Box<dyn coffer_core::sync::Provider>, ApiError> {
        // "Today" is the bank's calendar day, not UTC's: near midnight they differ, and asking
        // only up to UTC's date would leave the bank's newest day unfetched.
        let now = self.clock.now();
        match connection.provider.as_str() {
            sparebank1::PROVIDER_ID => {
                let today = now.with_timezone(&chrono_tz::Europe::Oslo).date_naive();
                let session = self.sparebank1_session(connection)?;
                Ok(Box::new(sparebank1::Sparebank1::new(
                    self.setting_url("sparebank1.api_url")?,
                    self.http.clone(),
                    session,
                    today,
                )))
            }
            finsify::PROVIDER_ID => {
                // Finsify's banks span UTC+7 to UTC+8 and more; the furthest-ahead calendar day
                // anywhere (UTC+14) never cuts off a bank's today, and a later bound is harmless.
                let today = (now + chrono::Duration::hours(14)).date_naive();
                let (api, login_secret) = self.finsify_api(connection)?;
                Ok(Box::new(finsify::Finsify::new(api, login_secret, today)))
            }
            other => Err(ApiError::new(
                ErrorCode::NotFound,
                format!(
                    "connection {} uses the provider '{other}', which this build does not know",
                    connection.id
                ),
            )),
        }
    }

    fn sparebank1_session(&self, connection: &Connection) -> Result<Arc<OAuthSession>, ApiError> {
        if let Some(s) = self
            .login
            .sessions
            .lock()
            .ok()
            .and_then(|m| m.get(&connection.id).cloned())
        {
            return Ok(s);
        }
        let vault = self.vault()?;
        let config: sparebank1::Sparebank1Config =
            serde_json::from_str(&self.with_store(|s| Ok(s.connection_config(connection.id)?))?)
                .map_err(|e| {
                    ApiError::new(
                        ErrorCode::NeedsReauth,
                        format!(
                            "the saved SpareBank 1 settings cannot be read ({e}); log in again"
                        ),
                    )
                })?;
        let client_secret = self.open_secret(&vault, connection.id, CLIENT_SECRET)?;
        let tokens = TokenSet::from_sealed(
            self.open_secret(&vault, connection.id, OAUTH_TOKENS)?
                .expose_secret(),
        )?;
        let oauth = sparebank1::oauth_provider(
            &self.setting_url("sparebank1.auth_url")?,
            &config,
            client_secret,
        )
        .map_err(|e| invalid(e.to_string()))?;
        let session = Arc::new(OAuthSession::new(
            oauth,
            self.http.clone(),
            tokens,
            Arc::new(VaultTokens {
                store: Arc::clone(&self.store),
                vault,
                connection: connection.id,
            }),
        ));
        if let Ok(mut sessions) = self.login.sessions.lock() {
            sessions.insert(connection.id, Arc::clone(&session));
        }
        Ok(session)
    }

    fn finsify_api(
        &self,
        connection: &Connection,
    ) -> Result<(finsify::FinsifyApi, SecretString), ApiError> {
        let vault = self.vault()?;
        let config: finsify::FinsifyConfig =
            serde_json::from_str(&self.with_store(|s| Ok(s.connection_config(connection.id)?))?)
                .map_err(|e| {
                    ApiError::new(
                        ErrorCode::NeedsReauth,
                        format!("the saved Finsify settings cannot be read ({e}); reconnect"),
                    )
                })?;
        let service_secret = self.open_secret(&vault, connection.id, CLIENT_SECRET)?;
        let login_secret = self.open_secret(&vault, connection.id, LOGIN_SECRET)?;
        Ok((
            finsify::FinsifyApi::new(
                self.http.clone(),
                self.setting_url("finsify.api_url")?,
                config.client_id,
                service_secret,
            ),
            login_secret,
        ))
    }

    /// Finsify's "Refresh at bank": asks the aggregator to fetch fresh data from the bank.
    pub async fn refresh_at_bank(
        &self,
        connection: ConnectionId,
    ) -> Result<RefreshAtBank, ApiError> {
        let conn = self.with_store(|s| Ok(s.connection(connection)?))?;
        if conn.provider != finsify::PROVIDER_ID {
            return Err(invalid(format!(
                "{} connections have no refresh at the bank; use Sync now",
                conn.provider
            )));
        }
        let (api, login_secret) = self.finsify_api(&conn)?;
        match api.refresh_login(&login_secret).await {
            Ok(next) => Ok(RefreshAtBank {
                next_refresh_possible_at: next.to_rfc3339(),
            }),
            Err(finsify::FinsifyError::RefreshTooSoon {
                next_refresh_possible_at,
            }) => Err(invalid(format!(
                "Finsify allows the next refresh at {}",
                next_refresh_possible_at.to_rfc3339()
            ))),
            Err(e) => Err(e.into()),
        }
    }

    /// Disconnects a bank: its secrets are deleted (and the aggregator login deactivated); its
    /// history is kept as a disconnected connection or deleted with it.
    pub async fn disconnect(
        &self,
        connection: ConnectionId,
        keep_history: bool,
    ) -> Result<(), ApiError> {
        let conn = self.with_store(|s| Ok(s.connection(connection)?))?;
        if conn.provider == finsify::PROVIDER_ID {
            // Best effort: the local secrets go even if the provider cannot be reached.
            if let Ok((api, login_secret)) = self.finsify_api(&conn) {
                if let Err(e) = api.deactivate(&login_secret).await {
                    tracing::warn!("Finsify did not confirm the deactivation: {e}");
                }
            }
        }
        if let Ok(mut sessions) = self.login.sessions.lock() {
            sessions.remove(&connection);
        }
        self.write_store(|s| Ok(s.disconnect(connection, keep_history)?))
    }

    /// Marks a connection that cannot even start a sync (secrets missing or unreadable).
    pub(crate) fn record_unusable(&self, connection: ConnectionId, error: &ApiError) {
        let status = if matches!(error.code, ErrorCode::NeedsReauth | ErrorCode::VaultKeyLost) {
            ConnectionStatus::NeedsReauth
        } else {
            ConnectionStatus::Error
        };
        let _ = self.with_store(|s| {
            Ok(s.set_connection_status(connection, status, Some(&error.message))?)
        });
    }
}

/// Seven days before the consent ends, an active connection shows as expiring.
pub(crate) fn with_expiry(mut view: ConnectionView, now: DateTime<Utc>) -> ConnectionView {
    if view.status == ConnectionStatus::Active {
        if let Some(at) = view
            .consent_expires_at
            .as_deref()
            .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        {
            if at.with_timezone(&Utc) - now <= chrono::Duration::days(7) {
                view.status = ConnectionStatus::Expiring;
            }
        }
    }
    view
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(status: ConnectionStatus, consent: Option<&str>) -> ConnectionView {
        ConnectionView {
            id: 1,
            provider: "sparebank1".into(),
            label: "SpareBank 1".into(),
            status,
            last_sync_at: None,
            consent_expires_at: consent.map(str::to_string),
            last_error: None,
            accounts: 3,
        }
    }

    #[test]
    fn an_active_connection_shows_expiring_from_seven_days_before_the_consent_ends() {
        let now = DateTime::parse_from_rfc3339("2026-11-21T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let in_days = |d: i64| (now + chrono::Duration::days(d)).to_rfc3339();
        let status = |v: ConnectionView| with_expiry(v, now).status;
        assert_eq!(
            status(view(ConnectionStatus::Active, Some(&in_days(8)))),
            ConnectionStatus::Active
        );
        assert_eq!(
            status(view(ConnectionStatus::Active, Some(&in_days(7)))),
            ConnectionStatus::Expiring
        );
        assert_eq!(
            status(view(ConnectionStatus::Active, Some(&in_days(-1)))),
            ConnectionStatus::Expiring
        );
        // A connection that already needs attention keeps saying why.
        assert_eq!(
            status(view(ConnectionStatus::NeedsReauth, Some(&in_days(1)))),
            ConnectionStatus::NeedsReauth
        );
        assert_eq!(
            status(view(ConnectionStatus::Active, None)),
            ConnectionStatus::Active
        );
    }

    #[test]
    fn settings_urls_must_be_https_or_loopback_http() {
        assert!(parse_url("k", "https://api.sparebank1.no").is_ok());
        assert!(parse_url("k", "http://127.0.0.1:7001").is_ok());
        let err = parse_url("k", "http://api.sparebank1.no").unwrap_err();
        assert!(
            err.message.contains("must be an https:// URL"),
            "{}",
            err.message
        );
        assert!(parse_url("k", "file:///etc/passwd").is_err());
        assert!(parse_url("k", "not a url").is_err());
    }
}
