//! Fibank as the registry sees it: the username-and-password form, the storage warning, the
//! login checked against the bank before anything is saved, settings, Sofia's calendar.

use async_trait::async_trait;
use chrono_tz::Tz;
use coffer_core::category::Category;
use coffer_core::sync::{Provider, ProviderError};
use coffer_login::{
    CredentialsLogin, Endpoints, LoginError, LoginInput, LoginOutcome, LoginPlan, Secrets,
};
use secrecy::ExposeSecret;

use super::{
    refused_key, Fibank, FibankCredentials, FibankOptions, DEFAULT_BASE_URL, LABEL, PROVIDER_ID,
};
use crate::bank::{Bank, BankInfo, Capabilities, Connected, Field, SettingKind, SettingSpec};

/// Fibank's entry in the registry.
pub struct FibankBank;

pub static FIBANK: FibankBank = FibankBank;

static INFO: BankInfo = BankInfo {
    id: PROVIDER_ID,
    name: "Fibank (First Investment Bank)",
    summary: "First Investment Bank, Bulgaria. Log in with your My Fibank e-banking username \
              and password.",
    countries: &["BG"],
    logo_svg: include_str!("logo.svg"),
    developer_portal: None,
    welcome_offer: None,
};

static SETTINGS: [SettingSpec; 2] = [
    SettingSpec {
        key: "base_url",
        default_value: DEFAULT_BASE_URL,
        description: "My Fibank address (serves both /oauth2-server/… and /EBank/…)",
        kind: SettingKind::Endpoint,
    },
    SettingSpec {
        key: "max_lookback_days",
        default_value: "0",
        description: "How far back a first sync reaches, in days (0 = as far as the bank answers)",
        kind: SettingKind::Days,
    },
];

/// Vault kinds of the two form values.
const USERNAME: &str = "username";
const PASSWORD: &str = "password";

const WARNING: &str = "Fibank has no API for apps, so Coffer logs in to My Fibank the way its \
    web page does. Your e-banking username and password will be stored in Coffer's vault, \
    sealed under the key in your system keychain, and used only to log in to Fibank at each \
    sync (its logins last minutes, so nothing shorter-lived would do). If Fibank refuses the \
    password, Coffer stops and asks you to log in again rather than retrying, so it never gets \
    your user blocked. Fibank may change its site at any time, which would stop syncing until \
    Coffer is updated.";

fn credentials(secrets: &Secrets, form_username: Option<&str>) -> Option<FibankCredentials> {
    let username = secrets
        .get(USERNAME)
        .map(|s| s.expose_secret().trim().to_string())
        .or_else(|| form_username.map(str::to_string))
        .filter(|u| !u.is_empty())?;
    let password = secrets
        .get(PASSWORD)
        .filter(|p| !p.expose_secret().is_empty())?
        .clone();
    Some(FibankCredentials { username, password })
}

fn base_url(endpoints: &Endpoints) -> Result<url::Url, LoginError> {
    endpoints.get(PROVIDER_ID, "base_url").cloned()
}

#[async_trait]
impl Bank for FibankBank {
    fn about(&self) -> &'static BankInfo {
        &INFO
    }

    fn form(&self) -> Vec<Field> {
        vec![
            Field::text(
                "username",
                "Username",
                "Your My Fibank e-banking username (the one you log in to my.fibank.bg with).",
            )
            .sealed(USERNAME),
            Field::secret(
                "password",
                "Password",
                "Your My Fibank e-banking password. Sealed in Coffer's vault; never shown again.",
                PASSWORD,
            ),
        ]
    }

    fn settings(&self) -> &'static [SettingSpec] {
        &SETTINGS
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            reconnect: true,
            ..Capabilities::default()
        }
    }

    fn login(&self) -> LoginPlan {
        LoginPlan::Credentials(&FIBANK_LOGIN)
    }

    fn calendar(&self) -> Tz {
        chrono_tz::Europe::Sofia
    }

    fn category(&self, raw: &str) -> Option<Category> {
        super::categories::map(raw)
    }

    fn open(&self, connected: Connected) -> Result<Box<dyn Provider>, ProviderError> {
        let credentials =
            credentials(&connected.secrets, None).ok_or_else(|| ProviderError::Reauth {
                provider: PROVIDER_ID,
                reason: "the connection has no saved username and password".into(),
            })?;
        let base = base_url(&connected.endpoints).map_err(|e| ProviderError::Other {
            provider: PROVIDER_ID,
            message: e.to_string(),
        })?;
        let options = FibankOptions {
            max_lookback_days: connected.number("max_lookback_days", 0),
            memory: Some(connected.memory.clone()),
            connection: Some(connected.connection),
        };
        Ok(Box::new(Fibank::new(
            base,
            connected.http,
            credentials,
            connected.now,
            options,
        )))
    }
}

/// Fibank's half of a credentials login.
pub struct FibankLogin;

static FIBANK_LOGIN: FibankLogin = FibankLogin;

#[async_trait]
impl CredentialsLogin for FibankLogin {
    fn warning(&self) -> &'static str {
        WARNING
    }

    async fn verify(&self, input: &LoginInput) -> Result<LoginOutcome, LoginError> {
        let credentials =
            credentials(&input.secrets, input.text("username")).ok_or(LoginError::Settings {
                detail: "Fibank needs your e-banking username and password".into(),
            })?;
        let base = base_url(&input.endpoints)?;
        // No refusal memory here: the user just typed the password, so one try is theirs.
        let fibank = Fibank::new(
            base,
            input.http.clone(),
            credentials,
            input.now,
            FibankOptions::default(),
        );
        fibank.verify().await?;
        if let Some(renewing) = &input.renewing {
            // The new password works: syncs may log in again.
            input
                .memory
                .remember(&refused_key(renewing.connection), "")?;
        }
        Ok(LoginOutcome {
            config: serde_json::json!({}),
            secrets: Secrets::default(),
            consent_expires_at: None,
            label: input
                .renewing
                .as_ref()
                .map_or_else(|| LABEL.to_string(), |r| r.label.clone()),
        })
    }
}
