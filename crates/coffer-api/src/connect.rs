//! Connecting banks, for every bank the registry lists: the catalogue for the connect form,
//! logins (carried out by `coffer-login`'s runner), the vault that keeps their secrets,
//! per-connection sessions, settings, disconnecting, and the bank's extra abilities.
//!
//! A login is two calls, so a front end can show a waiting state with Cancel in between:
//! [`Coffer::begin_login`] validates the form against the bank's descriptor, prepares the
//! redirect and opens the system browser; [`Coffer::finish_login`] waits for the redirect, lets
//! the bank trade it for secrets and saves them sealed, together with the connection and the
//! endpoints it logged in with, in one transaction. Nothing is stored before the login
//! succeeded. Nothing here names a bank.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use chrono::{DateTime, Utc};
use coffer_core::model::{Connection, ConnectionId, ConnectionStatus};
use coffer_core::secrets::{SecretsError, VaultRow, SECRET_TABLE};
use coffer_core::Store;
use coffer_login::oauth::TokenSet;
use coffer_login::pending::Delivery;
use coffer_login::{
    BankMemory, Endpoints, LoginError, LoginInput, LoginPlan, OAuthSession, Renewing, Return,
    Runner, Secrets, Started, TokenSink, OAUTH_TOKENS,
};
use coffer_providers::bank::{Bank, Connected, FieldKind, SettingKind};
use coffer_providers::registry;
use coffer_vault::{KeySource, SecretSlot, Vault, VaultHeader};
use secrecy::{ExposeSecret, SecretString};
use url::Url;

use crate::views::{
    CatalogueEntry, ConnectionView, LoginRequest, LoginStarted, ProviderInfo, RefreshAtBank,
    Setting, SettingChoice, VaultStatus,
};
use crate::{ApiError, Coffer, ErrorCode};

/// The URL scheme Coffer registers with the OS for redirects back from the browser.
pub const DEEP_LINK_SCHEME: &str = "coffer";

/// The longest value a form field may carry; bank ids, secrets and ports are all far shorter.
const MAX_FIELD_BYTES: usize = 4096;

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
        let commands = match std::env::var_os("COFFER_BROWSER") {
            Some(program) if !program.is_empty() => {
                let mut command = std::process::Command::new(program);
                command.arg(url);
                vec![command]
            }
            _ => open::commands(url),
        };
        let mut last = std::io::Error::other("no way to open a browser on this system");
        for mut command in commands {
            // The browser (and xdg-open) must not inherit the vault passphrase.
            command
                .env_remove(coffer_vault::PASSPHRASE_ENV)
                .stdin(std::process::Stdio::null())
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null());
            match command.spawn() {
                Ok(mut child) => {
                    // Reap it when it exits, so a long-running app collects no zombies.
                    std::thread::spawn(move || child.wait());
                    return Ok(());
                }
                Err(e) => last = e,
            }
        }
        Err(failed(last))
    }
}

/// What `begin_login` hands the adapter: the view, and the URL for the browser (the CLI prints
/// it with `--no-browser`; `None` when the login needs no browser).
#[derive(Debug)]
pub struct LoginTicket {
    pub started: LoginStarted,
    pub browser_url: Option<SecretString>,
}

/// A login between `begin_login` and `finish_login`.
pub(crate) struct InProgress {
    bank: &'static dyn Bank,
    input: LoginInput,
    connection: Option<ConnectionId>,
    /// `None` for a bank without a login (built in).
    started: Option<Started>,
    begun: Instant,
}

#[derive(Default)]
pub(crate) struct LoginState {
    pub(crate) in_progress: Mutex<HashMap<u64, InProgress>>,
    pub(crate) sessions: Mutex<HashMap<ConnectionId, Arc<OAuthSession>>>,
    pub(crate) vault: Mutex<Option<Arc<Vault>>>,
}

fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::new(ErrorCode::InvalidInput, message)
}

fn slot(connection: ConnectionId, kind: &str) -> SecretSlot<'_> {
    SecretSlot {
        table: SECRET_TABLE,
        row: connection,
        kind,
    }
}

/// The bank behind a provider id, or a message naming the ones there are.
pub(crate) fn bank(id: &str) -> Result<&'static dyn Bank, ApiError> {
    registry::find(id).ok_or_else(|| {
        let known: Vec<&str> = registry::banks().iter().map(|b| b.id()).collect();
        ApiError::new(
            ErrorCode::NotFound,
            format!(
                "unknown bank '{}'; known: {}",
                crate::tidy(id),
                known.join(", ")
            ),
        )
    })
}

/// A setting URL: https, or plain http only to this machine (the sandboxes); tokens never cross
/// a network in clear.
pub(crate) fn parse_url(key: &str, value: &str) -> Result<Url, ApiError> {
    let url = Url::parse(value)
        .map_err(|e| invalid(format!("the setting {key} is not a valid URL ({e})")))?;
    let loopback = matches!(url.host_str(), Some("127.0.0.1" | "localhost" | "[::1]"));
    match url.scheme() {
        "https" => Ok(url),
        "http" if loopback => Ok(url),
        _ => Err(invalid(format!(
            "the setting {key} must be an https:// URL (http:// only for 127.0.0.1)"
        ))),
    }
}

/// Every setting Coffer knows: each bank's, under `<bank id>.<key>`.
pub(crate) fn setting_specs() -> Vec<(String, &'static coffer_providers::bank::SettingSpec)> {
    let app = crate::schedule::APP_SETTINGS
        .iter()
        .map(|s| (format!("{}.{}", crate::schedule::APP_PREFIX, s.key), s));
    app.chain(registry::banks().iter().flat_map(|b| {
        b.settings()
            .iter()
            .map(move |s| (format!("{}.{}", b.id(), s.key), s))
    }))
    .collect()
}

/// The values a setting offers as a list (the locale); empty for free-form settings.
fn setting_choices(spec: &coffer_providers::bank::SettingSpec) -> Vec<SettingChoice> {
    match spec.kind {
        SettingKind::Locale => crate::schedule::LOCALES
            .iter()
            .map(|(value, label)| SettingChoice {
                value: (*value).into(),
                label: (*label).into(),
            })
            .collect(),
        _ => Vec::new(),
    }
}

fn check_setting(
    key: &str,
    spec: &coffer_providers::bank::SettingSpec,
    value: &str,
) -> Result<(), ApiError> {
    match spec.kind {
        SettingKind::Endpoint | SettingKind::PublicUrl => parse_url(key, value).map(drop),
        SettingKind::Days | SettingKind::Count => value.parse::<u32>().map(drop).map_err(|_| {
            invalid(format!(
                "the setting {key} is a whole number (0 for no limit), not '{}'",
                crate::tidy(value)
            ))
        }),
        SettingKind::Locale => {
            if crate::schedule::LOCALES
                .iter()
                .any(|(tag, _)| *tag == value)
            {
                Ok(())
            } else {
                let tags: Vec<&str> = crate::schedule::LOCALES
                    .iter()
                    .map(|(tag, _)| *tag)
                    .filter(|t| !t.is_empty())
                    .collect();
                Err(invalid(format!(
                    "the setting {key} is a language and region Coffer formats numbers and \
                     dates for, not '{}'; choose one of {}, or leave it empty for the system's",
                    crate::tidy(value),
                    tags.join(", ")
                )))
            }
        }
    }
}

struct VaultTokens {
    store: Arc<Mutex<Store>>,
    vault: Arc<Vault>,
    connection: ConnectionId,
    /// This session's name in the refresh lock (another Coffer on the profile has its own).
    owner: String,
    clock: crate::Clock,
    /// Room on disk for a rotated pair the database cannot take (a full disk).
    reserve: crate::reserve::TokenReserve,
}

impl VaultTokens {
    /// The pair saved now: the one kept in the reserve if there is one (it is only ever written
    /// when the database refused a newer pair), else the database's.
    fn stored(&self) -> Result<Option<TokenSet>, LoginError> {
        let failed = |detail: String| LoginError::Storage { detail };
        let slot = slot(self.connection, OAUTH_TOKENS);
        if let Some(kept) = self.reserve.get().map_err(|e| failed(e.to_string()))? {
            // One that does not open (sealed under a key since replaced) is not this login's.
            if let Ok(text) = self.vault.open_secret(&kept, &slot) {
                return Ok(Some(TokenSet::from_sealed(text.expose_secret())?));
            }
        }
        let envelope = self
            .store
            .lock()
            .map_err(|_| failed("store lock poisoned".into()))?
            .secret(self.connection, OAUTH_TOKENS)
            .map_err(|e| failed(e.to_string()))?;
        let Some(envelope) = envelope else {
            return Ok(None);
        };
        let text = self
            .vault
            .open_secret(&envelope, &slot)
            .map_err(|e| failed(e.to_string()))?;
        Ok(Some(TokenSet::from_sealed(text.expose_secret())?))
    }
}

/// How long a refresh may hold the lock before another process overrules it (a refresh is one
/// token request with a 60 s timeout).
const REFRESH_LOCK_SECS: i64 = 90;

#[async_trait::async_trait]
impl TokenSink for VaultTokens {
    async fn lock_for_refresh(&self) -> Result<Option<TokenSet>, LoginError> {
        let failed = |detail: String| LoginError::Storage { detail };
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(100);
        loop {
            let now = self.clock.now();
            let taken = self
                .store
                .lock()
                .map_err(|_| failed("store lock poisoned".into()))?
                .try_lock_refresh(
                    self.connection,
                    &self.owner,
                    now,
                    now + chrono::Duration::seconds(REFRESH_LOCK_SECS),
                )
                .map_err(|e| failed(e.to_string()))?;
            if taken {
                break;
            }
            if std::time::Instant::now() > deadline {
                return Err(failed(
                    "another Coffer process has been renewing this bank's login for too long"
                        .into(),
                ));
            }
            // Another process is mid-refresh (a second at most): wait for it, then read what
            // it saved. This blocks only this connection's sync.
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        // The refresh token is about to be spent: first make sure the new pair will have
        // somewhere to go even if the disk fills up meanwhile.
        if let Err(e) = self.reserve.ensure() {
            self.unlock_refresh();
            return Err(failed(format!(
                "the disk is full: there is no room to keep a renewed login ({e}), so it was \
                 not renewed; free some space and retry"
            )));
        }
        self.stored()
    }

    fn unlock_refresh(&self) {
        if let Ok(mut store) = self.store.lock() {
            let _ = store.unlock_refresh(self.connection, &self.owner);
        }
    }

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
        if let Err(e) = store.put_secret(self.connection, OAUTH_TOKENS, &sealed, Utc::now()) {
            // The bank has retired the previous refresh token: keep the new pair in the room
            // made before the refresh, for the next process to store.
            return Err(match self.reserve.put(&sealed) {
                Ok(()) => failed(format!(
                    "{e}; the renewed login is kept in {} and stored at the next sync",
                    self.reserve.path().display()
                )),
                Err(kept) => failed(format!("{e}; the renewed login could not be kept ({kept})")),
            });
        }
        // Saved: a pair left in the reserve is now older than the database's and must not be
        // read again (until it is emptied, no token is handed out).
        self.reserve.clear().map_err(|e| {
            failed(format!(
                "cannot empty {}: {e}",
                self.reserve.path().display()
            ))
        })?;
        store
            .set_consent_expiry(self.connection, tokens.consent_expires_at)
            .map_err(|e| failed(e.to_string()))
    }
}

/// A bank's memory across logins, kept in the settings table under `<bank id>.<key>`.
struct SettingsMemory {
    store: Arc<Mutex<Store>>,
    bank: &'static str,
}

impl BankMemory for SettingsMemory {
    fn recall(&self, key: &str) -> Result<Option<String>, LoginError> {
        let store = self.store.lock().map_err(|_| LoginError::Storage {
            detail: "store lock poisoned".into(),
        })?;
        store
            .setting(&format!("{}.{key}", self.bank))
            .map_err(|e| LoginError::Storage {
                detail: e.to_string(),
            })
    }

    fn remember(&self, key: &str, value: &str) -> Result<(), LoginError> {
        let mut store = self.store.lock().map_err(|_| LoginError::Storage {
            detail: "store lock poisoned".into(),
        })?;
        store
            .set_setting(&format!("{}.{key}", self.bank), Some(value))
            .map_err(|e| LoginError::Storage {
                detail: e.to_string(),
            })
    }
}

fn endpoints_json(endpoints: &Endpoints) -> String {
    let map: BTreeMap<&str, &str> = endpoints.iter().map(|(k, v)| (k, v.as_str())).collect();
    serde_json::to_string(&map).unwrap_or_else(|_| "{}".into())
}

fn endpoints_from_json(text: &str) -> Result<Endpoints, ApiError> {
    let map: BTreeMap<String, String> = serde_json::from_str(text).map_err(|e| {
        ApiError::new(
            ErrorCode::StoreCorrupt,
            format!("a connection's saved endpoints cannot be read ({e})"),
        )
    })?;
    let mut urls = BTreeMap::new();
    for (key, value) in map {
        let url = parse_url(&key, &value)?;
        urls.insert(key, url);
    }
    Ok(Endpoints::new(urls))
}

impl Coffer {
    // ---- settings -------------------------------------------------------------------------

    fn setting_value(&self, key: &str) -> Result<String, ApiError> {
        let default = setting_specs()
            .into_iter()
            .find(|(k, _)| k == key)
            .map(|(_, s)| s.default_value.to_string())
            .ok_or_else(|| invalid(format!("unknown setting '{}'", crate::tidy(key))))?;
        Ok(self.with_store(|s| Ok(s.setting(key)?))?.unwrap_or(default))
    }

    /// The endpoints a new login of `bank` would bind: its URL settings as they are now.
    pub(crate) fn current_endpoints(&self, bank: &dyn Bank) -> Result<Endpoints, ApiError> {
        let mut urls = BTreeMap::new();
        for spec in bank.settings() {
            if matches!(spec.kind, SettingKind::Endpoint | SettingKind::PublicUrl) {
                let key = format!("{}.{}", bank.id(), spec.key);
                urls.insert(
                    spec.key.to_string(),
                    parse_url(&key, &self.setting_value(&key)?)?,
                );
            }
        }
        Ok(Endpoints::new(urls))
    }

    /// The endpoints a connection logged in with. A connection made before endpoints were
    /// stored is bound, once, to the settings of this moment.
    fn connection_endpoints(
        &self,
        connection: &Connection,
        bank: &dyn Bank,
    ) -> Result<Endpoints, ApiError> {
        if let Some(text) = self.with_store(|s| Ok(s.connection_endpoints(connection.id)?))? {
            return endpoints_from_json(&text);
        }
        let endpoints = self.current_endpoints(bank)?;
        let text = endpoints_json(&endpoints);
        self.with_store(|s| Ok(s.bind_connection_endpoints(connection.id, &text)?))?;
        Ok(endpoints)
    }

    pub async fn settings(&self) -> Result<Vec<Setting>, ApiError> {
        let stored: HashMap<String, String> = self
            .with_store(|s| Ok(s.settings()?))?
            .into_iter()
            .collect();
        Ok(setting_specs()
            .into_iter()
            .map(|(key, spec)| Setting {
                value: stored
                    .get(&key)
                    .cloned()
                    .unwrap_or_else(|| spec.default_value.into()),
                key,
                default_value: spec.default_value.into(),
                description: spec.description.into(),
                choices: setting_choices(spec),
            })
            .collect())
    }

    /// Sets a setting; `None` (or the default value) goes back to the default. A bank's URL
    /// settings apply to new logins only: connected banks keep the endpoints they logged in
    /// with.
    pub async fn set_setting(&self, key: &str, value: Option<&str>) -> Result<Setting, ApiError> {
        let specs = setting_specs();
        let Some((_, spec)) = specs.iter().find(|(k, _)| k == key) else {
            let known: Vec<&str> = specs.iter().map(|(k, _)| k.as_str()).collect();
            return Err(invalid(format!(
                "unknown setting '{}'; known settings: {}",
                crate::tidy(key),
                known.join(", ")
            )));
        };
        let value = value
            .map(str::trim)
            .filter(|v| !v.is_empty() && *v != spec.default_value);
        if let Some(v) = value {
            check_setting(key, spec, v)?;
        }
        self.with_store(|s| Ok(s.set_setting(key, value)?))?;
        Ok(Setting {
            key: key.into(),
            value: value.unwrap_or(spec.default_value).into(),
            default_value: spec.default_value.into(),
            description: spec.description.into(),
            choices: setting_choices(spec),
        })
    }

    // ---- vault ----------------------------------------------------------------------------

    /// Unlocks the vault, creating it on first use. Only real bank connections need it, so the
    /// built-in bank works on machines without a keychain.
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

    /// Every secret a connection holds, opened.
    fn open_secrets(&self, vault: &Vault, connection: ConnectionId) -> Result<Secrets, ApiError> {
        let kinds = self.with_store(|s| Ok(s.secret_kinds(connection)?))?;
        let mut secrets = Secrets::default();
        for kind in kinds {
            let Some(envelope) = self.with_store(|s| Ok(s.secret(connection, &kind)?))? else {
                continue;
            };
            let value = vault.open_secret(&envelope, &slot(connection, &kind))?;
            secrets.insert(kind, value);
        }
        Ok(secrets)
    }

    // ---- the catalogue --------------------------------------------------------------------

    /// The banks Coffer can connect, and what each needs from the user.
    pub async fn providers(&self) -> Result<Vec<ProviderInfo>, ApiError> {
        Ok(registry::banks()
            .iter()
            .map(|b| ProviderInfo::from_bank(*b))
            .collect())
    }

    /// Entries of a bank's catalogue field (an aggregator's banks, a middleware's skills…), optionally
    /// searched.
    pub async fn bank_catalogue(
        &self,
        provider: &str,
        field: &str,
        query: Option<&str>,
    ) -> Result<Vec<CatalogueEntry>, ApiError> {
        let bank = bank(provider)?;
        let declared = bank
            .form()
            .into_iter()
            .any(|f| f.key == field && f.kind == FieldKind::Catalogue);
        if !declared {
            return Err(invalid(format!(
                "{} has no catalogue field '{}'",
                bank.about().name,
                crate::tidy(field)
            )));
        }
        let endpoints = self.current_endpoints(bank)?;
        let query = query.map(|q| q.chars().take(200).collect::<String>());
        Ok(bank
            .catalogue(field, query.as_deref(), &endpoints, &self.http)
            .await?
            .into_iter()
            .map(CatalogueEntry::from)
            .collect())
    }

    // ---- login ----------------------------------------------------------------------------

    /// The form's values checked against the bank's descriptor and merged with what a renewed
    /// connection kept: plain values by field key, sealed ones by vault kind.
    fn form_values(
        &self,
        bank: &'static dyn Bank,
        request: &LoginRequest,
        renewing: Option<&Renewing>,
    ) -> Result<(BTreeMap<String, String>, Secrets), ApiError> {
        let form = bank.form();
        let name = bank.about().name;
        if let Some(unknown) = request
            .fields
            .keys()
            .find(|k| !form.iter().any(|f| f.key == k.as_str()))
        {
            return Err(invalid(format!(
                "{name} has no field '{}'",
                crate::tidy(unknown)
            )));
        }
        let mut plain = BTreeMap::new();
        let mut secrets = Secrets::default();
        for field in &form {
            let given = request
                .fields
                .get(field.key)
                .map(|v| v.trim())
                .filter(|v| !v.is_empty());
            if given.is_some_and(|v| v.len() > MAX_FIELD_BYTES) {
                return Err(invalid(format!(
                    "the {} is longer than {MAX_FIELD_BYTES} bytes",
                    field.label
                )));
            }
            if let Some(kind) = field.sealed_as() {
                let value = match given {
                    Some(v) => Some(SecretString::from(v.to_string())),
                    None => renewing.and_then(|r| r.secrets.get(kind).cloned()),
                };
                match value {
                    Some(v) => secrets.insert(kind, v),
                    None if field.required => {
                        return Err(invalid(format!("{name} needs the {}", field.label)))
                    }
                    None => {}
                }
                continue;
            }
            let kept = renewing.and_then(|r| match r.config.get(field.key) {
                Some(serde_json::Value::String(s)) if !s.is_empty() => Some(s.clone()),
                Some(serde_json::Value::Number(n)) => Some(n.to_string()),
                _ => None,
            });
            let value = given
                .map(str::to_string)
                .or(kept)
                .or_else(|| field.default_value.map(str::to_string));
            let Some(value) = value else {
                if field.required {
                    return Err(invalid(format!("{name} needs the {}", field.label)));
                }
                continue;
            };
            match &field.kind {
                FieldKind::Port => {
                    value.parse::<u16>().map_err(|_| {
                        invalid(format!(
                            "the {} must be a number from 1 to 65535, not '{}'",
                            field.label.to_lowercase(),
                            crate::tidy(&value)
                        ))
                    })?;
                }
                FieldKind::Choice(choices) if !choices.iter().any(|c| c.value == value) => {
                    return Err(invalid(format!(
                        "'{}' is not a {} {}; choose one of {}",
                        crate::tidy(&value),
                        name,
                        field.label.to_lowercase(),
                        choices
                            .iter()
                            .map(|c| c.value.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    )))
                }
                _ => {}
            }
            plain.insert(field.key.to_string(), value);
        }
        Ok((plain, secrets))
    }

    /// Drops logins nobody finished in time, and any other login for the same connection (a
    /// window that reloaded), so their listeners free their ports.
    fn drop_stale_logins(&self, provider: &str, connection: Option<ConnectionId>) {
        let stale: Vec<u64> = match self.login.in_progress.lock() {
            Ok(map) => map
                .iter()
                .filter(|(_, p)| {
                    p.begun.elapsed() > self.login_timeout
                        || (p.bank.id() == provider && p.connection == connection)
                })
                .map(|(id, _)| *id)
                .collect(),
            Err(_) => return,
        };
        for id in stale {
            self.drop_login(id);
        }
    }

    fn drop_login(&self, id: u64) {
        let dropped = self
            .login
            .in_progress
            .lock()
            .ok()
            .and_then(|mut m| m.remove(&id));
        if let Some(p) = dropped {
            if let Some(started) = &p.started {
                self.runner().cancel(started.id);
            }
        }
    }

    fn runner(&self) -> Runner {
        Runner {
            logins: Arc::clone(&self.logins),
            scheme: DEEP_LINK_SCHEME,
            timeout: self.login_timeout,
        }
    }

    /// Validates the form, prepares the redirect and opens the browser (when `open_browser`).
    pub async fn begin_login(
        &self,
        request: &LoginRequest,
        open_browser: bool,
    ) -> Result<LoginTicket, ApiError> {
        let bank = bank(&request.provider)?;
        let existing = match request.connection {
            Some(id) => {
                let conn = self.with_store(|s| Ok(s.connection(id)?))?;
                if conn.provider != request.provider {
                    return Err(invalid(format!(
                        "connection {id} is a {} connection, not {}",
                        conn.provider,
                        crate::tidy(&request.provider)
                    )));
                }
                Some(conn)
            }
            None => None,
        };
        self.drop_stale_logins(bank.id(), request.connection);
        let plan = bank.login();
        let needs_vault = !matches!(plan, LoginPlan::None);
        // A missing keychain must stop the login before the user goes through the bank.
        let vault = if needs_vault {
            Some(self.vault()?)
        } else {
            None
        };
        let renewing = match (&existing, &vault) {
            (Some(conn), Some(vault)) => {
                let config = self.with_store(|s| Ok(s.connection_config(conn.id)?))?;
                Some(Renewing {
                    connection: conn.id,
                    label: conn.label.clone(),
                    config: serde_json::from_str(&config).unwrap_or(serde_json::Value::Null),
                    secrets: self.open_secrets(vault, conn.id).unwrap_or_default(),
                })
            }
            _ => None,
        };
        let (form, secrets) = self.form_values(bank, request, renewing.as_ref())?;
        // Renewing keeps the endpoints the connection was made with: its saved secrets never
        // go to a host a changed setting names.
        let endpoints = match &existing {
            Some(conn) => self.connection_endpoints(conn, bank)?,
            None => self.current_endpoints(bank)?,
        };
        let input = LoginInput {
            provider: bank.id(),
            form,
            secrets,
            renewing,
            endpoints,
            http: self.http.clone(),
            memory: Arc::new(SettingsMemory {
                store: Arc::clone(&self.store),
                bank: bank.id(),
            }),
            now: self.clock.now(),
        };
        let wanted = match request.callback {
            crate::views::CallbackKind::Loopback => Return::Loopback,
            crate::views::CallbackKind::DeepLink => Return::DeepLink,
        };
        let (login_id, started, browser_url, redirect_uri) = match plan {
            LoginPlan::None => (self.logins.allocate_id(), None, None, String::new()),
            plan => {
                let mut started = self.runner().begin(plan, &input, wanted).await?;
                let browser_url = started.browser_url.take();
                let redirect_uri = started.redirect_uri.clone().unwrap_or_default();
                (started.id, Some(started), browser_url, redirect_uri)
            }
        };
        let view = LoginStarted {
            login_id,
            provider: bank.id().into(),
            redirect_uri,
            opens_browser: browser_url.is_some(),
        };
        self.login
            .in_progress
            .lock()
            .map_err(|_| ApiError::internal("login lock poisoned"))?
            .insert(
                login_id,
                InProgress {
                    bank,
                    input,
                    connection: request.connection,
                    started,
                    begun: Instant::now(),
                },
            );
        if open_browser {
            if let Some(url) = &browser_url {
                if let Err(e) = self.browser.open(url.expose_secret()) {
                    self.cancel_login(login_id).await?;
                    return Err(e);
                }
            }
        }
        Ok(LoginTicket {
            started: view,
            browser_url,
        })
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
            bank,
            input,
            connection,
            started,
            ..
        } = progress;
        let now = self.clock.now();
        let Some(started) = started else {
            return self.add_builtin(bank, now).await;
        };
        let outcome = self.runner().finish(started, &input).await?;
        let vault = self.vault()?;
        let mut secrets: Vec<(String, SecretString)> = input
            .secrets
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect();
        secrets.extend(
            outcome
                .secrets
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone())),
        );
        let seal = |id: ConnectionId| -> Result<Vec<(String, Vec<u8>)>, coffer_vault::VaultError> {
            secrets
                .iter()
                .map(|(kind, value)| Ok((kind.clone(), vault.seal_secret(value, &slot(id, kind))?)))
                .collect()
        };
        let config = serde_json::to_string(&outcome.config)
            .map_err(|e| ApiError::internal(format!("cannot encode the settings: {e}")))?;
        let endpoints = endpoints_json(&input.endpoints);
        let consent = outcome.consent_expires_at;
        let saved = self.with_store(|s| {
            let result = match connection {
                Some(id) => s.renew_connection(id, &config, &endpoints, consent, now, seal),
                None => s.add_connection_with_secrets(
                    bank.id(),
                    &outcome.label,
                    &config,
                    &endpoints,
                    consent,
                    now,
                    seal,
                ),
            };
            result.map_err(|e| match e {
                SecretsError::Store(e) => e.into(),
                SecretsError::Seal(e) => e.into(),
            })
        })?;
        if let Ok(mut sessions) = self.login.sessions.lock() {
            sessions.remove(&saved.id);
        }
        // A pair kept from before this login is older than it and must never be read again.
        crate::reserve::TokenReserve::new(&self.data_dir, saved.id).remove();
        self.announce(crate::AppEvent::LoginFinished {
            connection: saved.id,
        });
        self.connection_view(saved.id).await
    }

    /// A built-in bank: connecting it creates the connection; connecting it twice returns the
    /// existing one.
    async fn add_builtin(
        &self,
        bank: &'static dyn Bank,
        now: DateTime<Utc>,
    ) -> Result<ConnectionView, ApiError> {
        let id = self.with_store(|s| {
            let existing = s
                .connections()?
                .into_iter()
                .find(|c| c.provider == bank.id() && c.status != ConnectionStatus::Disabled);
            match existing {
                Some(c) => Ok(c.id),
                None => Ok(s.add_connection(bank.id(), bank.about().name, now)?.id),
            }
        })?;
        self.connection_view(id).await
    }

    /// Connects the built-in bank (the one with a welcome offer), for the welcome screen's offer
    /// and the desktop's `--explore`.
    pub async fn connect_builtin(&self) -> Result<ConnectionView, ApiError> {
        let bank = registry::banks()
            .iter()
            .copied()
            .find(|b| matches!(b.login(), LoginPlan::None) && b.about().welcome_offer.is_some())
            .ok_or_else(|| ApiError::new(ErrorCode::NotFound, "this build has no built-in bank"))?;
        self.add_builtin(bank, self.clock.now()).await
    }

    /// Cancels a login that is starting or waiting; cancelling one that already ended is fine.
    pub async fn cancel_login(&self, login_id: u64) -> Result<(), ApiError> {
        self.drop_login(login_id);
        self.runner().cancel(login_id);
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

    /// A connection with its secrets opened and its endpoints, ready for its bank.
    fn connected(
        &self,
        connection: &Connection,
    ) -> Result<(&'static dyn Bank, Connected), ApiError> {
        let bank = bank(&connection.provider).map_err(|_| {
            ApiError::new(
                ErrorCode::NotFound,
                format!(
                    "connection {} uses the bank '{}', which this build does not know",
                    connection.id,
                    crate::tidy(&connection.provider)
                ),
            )
        })?;
        let now = self.clock.now();
        let today = now.with_timezone(&bank.calendar()).date_naive();
        let config_text = self.with_store(|s| Ok(s.connection_config(connection.id)?))?;
        let config: serde_json::Value = serde_json::from_str(&config_text).map_err(|e| {
            ApiError::new(
                ErrorCode::NeedsReauth,
                format!(
                    "the saved {} settings cannot be read ({e}); log in again",
                    bank.about().name
                ),
            )
        })?;
        let plan = bank.login();
        let (secrets, endpoints, session) = match plan {
            LoginPlan::None => (Secrets::default(), Endpoints::default(), None),
            plan => {
                let vault = self.vault()?;
                let secrets = self.open_secrets(&vault, connection.id)?;
                if secrets.is_empty() {
                    return Err(ApiError::new(
                        ErrorCode::NeedsReauth,
                        format!(
                            "connection {} has no saved login; log in again",
                            connection.id
                        ),
                    ));
                }
                let endpoints = self.connection_endpoints(connection, bank)?;
                let session = match plan {
                    LoginPlan::OAuthLoopback(oauth) => Some(self.oauth_session(
                        connection.id,
                        oauth,
                        &config,
                        &secrets,
                        &endpoints,
                        vault,
                    )?),
                    _ => None,
                };
                (secrets, endpoints, session)
            }
        };
        let mut settings = BTreeMap::new();
        for spec in bank.settings() {
            if !matches!(spec.kind, SettingKind::Endpoint | SettingKind::PublicUrl) {
                let key = format!("{}.{}", bank.id(), spec.key);
                settings.insert(spec.key.to_string(), self.setting_value(&key)?);
            }
        }
        Ok((
            bank,
            Connected {
                connection: connection.id,
                config,
                secrets,
                endpoints,
                http: self.http.clone(),
                today,
                now,
                session,
                memory: Arc::new(SettingsMemory {
                    store: Arc::clone(&self.store),
                    bank: bank.id(),
                }),
                settings,
            },
        ))
    }

    /// The connection's token session, shared by every use so refreshes are single-flight.
    fn oauth_session(
        &self,
        connection: ConnectionId,
        oauth: &'static dyn coffer_login::OAuthLogin,
        config: &serde_json::Value,
        secrets: &Secrets,
        endpoints: &Endpoints,
        vault: Arc<Vault>,
    ) -> Result<Arc<OAuthSession>, ApiError> {
        if let Some(s) = self
            .login
            .sessions
            .lock()
            .ok()
            .and_then(|m| m.get(&connection).cloned())
        {
            return Ok(s);
        }
        let tokens = secrets.get(OAUTH_TOKENS).ok_or_else(|| {
            ApiError::new(
                ErrorCode::NeedsReauth,
                format!("connection {connection} has no saved tokens; log in again"),
            )
        })?;
        let tokens = TokenSet::from_sealed(tokens.expose_secret())?;
        let client = oauth.client(config, secrets, endpoints)?;
        let clock = self.clock;
        let sink = VaultTokens {
            store: Arc::clone(&self.store),
            vault,
            connection,
            owner: {
                let mut id = [0u8; 12];
                rand::RngCore::fill_bytes(&mut rand::rng(), &mut id);
                id.iter().map(|b| format!("{b:02x}")).collect()
            },
            clock,
            reserve: crate::reserve::TokenReserve::new(&self.data_dir, connection),
        };
        // A pair an earlier process could not store (a full disk) is newer than the database's:
        // use it, and store it now if there is room again.
        let tokens = match sink.stored() {
            Ok(Some(kept))
                if kept.access_token.expose_secret() != tokens.access_token.expose_secret() =>
            {
                if let Err(e) = sink.save(&kept) {
                    tracing::warn!("a renewed login is still kept in the reserve: {e}");
                }
                kept
            }
            _ => tokens,
        };
        let session = Arc::new(OAuthSession::with_clock(
            client,
            self.http.clone(),
            tokens,
            Arc::new(sink),
            Arc::new(move || clock.now()),
        ));
        if let Ok(mut sessions) = self.login.sessions.lock() {
            sessions.insert(connection, Arc::clone(&session));
        }
        Ok(session)
    }

    /// The provider behind a connection, with its secrets opened.
    pub(crate) fn bank_provider(
        &self,
        connection: &Connection,
    ) -> Result<Box<dyn coffer_core::sync::Provider>, ApiError> {
        let (bank, connected) = self.connected(connection)?;
        Ok(bank.open(connected)?)
    }

    /// "Refresh at bank": asks the bank (or aggregator) to fetch fresh data now.
    pub async fn refresh_at_bank(
        &self,
        connection: ConnectionId,
    ) -> Result<RefreshAtBank, ApiError> {
        let conn = self.with_store(|s| Ok(s.connection(connection)?))?;
        let bank = bank(&conn.provider)?;
        if !bank.capabilities().refresh_at_bank {
            return Err(invalid(format!(
                "{} connections have no refresh at the bank; use Sync now",
                bank.about().name
            )));
        }
        let (bank, connected) = self.connected(&conn)?;
        let next = bank.refresh_at_bank(&connected).await?;
        Ok(RefreshAtBank {
            next_refresh_possible_at: next.to_rfc3339(),
        })
    }

    /// Disconnects a bank: its secrets are deleted (and the login revoked at the bank where it
    /// can be); its history is kept as a disconnected connection or deleted with it.
    pub async fn disconnect(
        &self,
        connection: ConnectionId,
        keep_history: bool,
    ) -> Result<(), ApiError> {
        let conn = self.with_store(|s| Ok(s.connection(connection)?))?;
        if let Ok(bank) = bank(&conn.provider) {
            if bank.capabilities().revoke_at_bank {
                // Best effort: the local secrets go even if the bank cannot be reached.
                if let Ok((bank, connected)) = self.connected(&conn) {
                    if let Err(e) = bank.revoke(&connected).await {
                        tracing::warn!(
                            provider = bank.id(),
                            "the bank did not confirm revoking the login: {e}"
                        );
                    }
                }
            }
        }
        if let Ok(mut sessions) = self.login.sessions.lock() {
            sessions.remove(&connection);
        }
        self.write_store(|s| Ok(s.disconnect(connection, keep_history)?))?;
        crate::reserve::TokenReserve::new(&self.data_dir, connection).remove();
        Ok(())
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
    use crate::model::ConnectionStatus;
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
    use crate::model::ConnectionStatus;

    fn view(status: ConnectionStatus, consent: Option<&str>) -> ConnectionView {
        ConnectionView {
            id: 1,
            provider: "bank".into(),
            provider_name: "Bank".into(),
            label: "Bank".into(),
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
        assert!(parse_url("k", "https://api.bank.example").is_ok());
        assert!(parse_url("k", "http://127.0.0.1:7001").is_ok());
        let err = parse_url("k", "http://api.bank.example").unwrap_err();
        assert!(
            err.message.contains("must be an https:// URL"),
            "{}",
            err.message
        );
        assert!(parse_url("k", "file:///etc/passwd").is_err());
        assert!(parse_url("k", "not a url").is_err());
    }
}
