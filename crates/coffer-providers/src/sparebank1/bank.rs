//! SpareBank 1 as the registry sees it: the connect form, the OAuth login, settings, calendar.

use chrono_tz::Tz;
use coffer_core::category::Category;
use coffer_core::sync::{Provider, ProviderError};
use coffer_login::{
    Endpoints, LoginError, LoginInput, LoginPlan, OAuthLogin, OAuthProvider, Secrets,
};
use serde_json::Value;

use super::{
    oauth_provider, Sparebank1, Sparebank1Config, Sparebank1Options, BANKS, DEFAULT_API_URL,
    DEFAULT_AUTH_URL, DEFAULT_REDIRECT_PORT, LABEL, PROVIDER_ID,
};
use crate::bank::{
    Bank, BankInfo, Capabilities, Choice, Connected, Field, FieldKind, SettingKind, SettingSpec,
};

/// SpareBank 1's entry in the registry.
pub struct Sparebank1Bank;

pub static SPAREBANK1: Sparebank1Bank = Sparebank1Bank;

static INFO: BankInfo = BankInfo {
    id: PROVIDER_ID,
    name: LABEL,
    summary: "Norwegian savings banks. Log in with BankID in your browser.",
    countries: &["NO"],
    logo_svg: include_str!("logo.svg"),
    developer_portal: Some("https://developer.sparebank1.no"),
    welcome_offer: None,
};

static SETTINGS: [SettingSpec; 4] = [
    SettingSpec {
        key: "api_url",
        default_value: DEFAULT_API_URL,
        description: "SpareBank 1 API base URL",
        kind: SettingKind::Endpoint,
    },
    SettingSpec {
        key: "auth_url",
        default_value: DEFAULT_AUTH_URL,
        description: "SpareBank 1 OAuth base URL (…/oauth/authorize, …/oauth/token)",
        kind: SettingKind::Endpoint,
    },
    SettingSpec {
        key: "calls_per_hour",
        default_value: "60",
        description: "API calls per hour per client id (the bank's reported limit; 0 = none)",
        kind: SettingKind::Count,
    },
    SettingSpec {
        key: "max_lookback_days",
        default_value: "0",
        description: "How far back a first sync reaches, in days (0 = as far as the bank serves)",
        kind: SettingKind::Days,
    },
];

/// The vault kind of the client secret.
const CLIENT_SECRET: &str = "client_secret";

fn settings_error(detail: impl Into<String>) -> LoginError {
    LoginError::Settings {
        detail: detail.into(),
    }
}

#[async_trait::async_trait]
impl Bank for Sparebank1Bank {
    fn about(&self) -> &'static BankInfo {
        &INFO
    }

    fn form(&self) -> Vec<Field> {
        vec![
            Field::text(
                "client_id",
                "Client ID",
                "Create a personal client at developer.sparebank1.no (Personlig klient) and \
                 copy its client ID.",
            ),
            Field::secret(
                "client_secret",
                "Client secret",
                "Shown next to the client ID in the developer portal.",
                CLIENT_SECRET,
            ),
            Field::text(
                "fin_inst",
                "Bank",
                "Which SpareBank 1 bank you use; leave empty to choose on the login page.",
            )
            .optional()
            .with_flag("bank")
            .with_kind(FieldKind::Choice(
                BANKS
                    .iter()
                    .map(|(id, name)| Choice {
                        value: (*id).into(),
                        label: (*name).into(),
                        detail: None,
                        logo_url: None,
                    })
                    .collect(),
            )),
            Field::text(
                "redirect_port",
                "Redirect port",
                "The port in the redirect URI you registered for your client: \
                 http://127.0.0.1:<port>/callback/sparebank1.",
            )
            .with_kind(FieldKind::Port)
            .with_default(DEFAULT_REDIRECT_PORT_TEXT)
            .with_flag("port"),
        ]
    }

    fn settings(&self) -> &'static [SettingSpec] {
        &SETTINGS
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            reconnect: true,
            consent_expiry: true,
            ..Capabilities::default()
        }
    }

    fn login(&self) -> LoginPlan {
        LoginPlan::OAuthLoopback(&SPAREBANK1_LOGIN)
    }

    fn calendar(&self) -> Tz {
        chrono_tz::Europe::Oslo
    }

    fn category(&self, raw: &str) -> Option<Category> {
        super::categories::map(raw)
    }

    fn open(&self, connected: Connected) -> Result<Box<dyn Provider>, ProviderError> {
        let session = connected
            .session
            .clone()
            .ok_or_else(|| ProviderError::Reauth {
                provider: PROVIDER_ID,
                reason: "the connection has no saved login".into(),
            })?;
        let api_url = connected
            .endpoints
            .get(PROVIDER_ID, "api_url")
            .map_err(|e| ProviderError::Other {
                provider: PROVIDER_ID,
                message: e.to_string(),
            })?
            .clone();
        let client_id = connected
            .config
            .get("client_id")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let options = Sparebank1Options {
            calls_per_hour: connected.number("calls_per_hour", 60),
            max_lookback_days: connected.number("max_lookback_days", 0),
            memory: connected.memory.clone(),
            client_id,
        };
        Ok(Box::new(Sparebank1::new(
            api_url,
            connected.http,
            session,
            connected.now,
            options,
        )))
    }
}

const DEFAULT_REDIRECT_PORT_TEXT: &str = "8321";

/// SpareBank 1's half of the OAuth login.
pub struct Sparebank1Login;

static SPAREBANK1_LOGIN: Sparebank1Login = Sparebank1Login;

impl OAuthLogin for Sparebank1Login {
    fn redirect_port(&self, input: &LoginInput) -> Result<u16, LoginError> {
        match input.text("redirect_port") {
            Some(p) => p.parse::<u16>().map_err(|_| {
                settings_error(format!(
                    "the redirect port must be a number from 1 to 65535, not '{}'",
                    crate::wire::tidy(p)
                ))
            }),
            None => Ok(DEFAULT_REDIRECT_PORT),
        }
    }

    fn config(&self, input: &LoginInput, bound_port: u16) -> Result<Value, LoginError> {
        let client_id = input.text("client_id").ok_or_else(|| {
            settings_error("SpareBank 1 needs the client ID of your personal client")
        })?;
        let fin_inst = match input.text("fin_inst") {
            Some(f) if BANKS.iter().any(|(id, _)| *id == f) => Some(f.to_string()),
            Some(f) => {
                return Err(settings_error(format!(
                    "'{}' is not a SpareBank 1 bank; choose one of {}",
                    crate::wire::tidy(f),
                    BANKS
                        .iter()
                        .map(|(id, _)| *id)
                        .collect::<Vec<_>>()
                        .join(", ")
                )))
            }
            None => None,
        };
        let config = Sparebank1Config {
            client_id: client_id.to_string(),
            fin_inst,
            redirect_port: bound_port,
        };
        serde_json::to_value(&config)
            .map_err(|e| settings_error(format!("cannot encode the settings: {e}")))
    }

    fn client(
        &self,
        config: &Value,
        secrets: &Secrets,
        endpoints: &Endpoints,
    ) -> Result<OAuthProvider, LoginError> {
        let config: Sparebank1Config = serde_json::from_value(config.clone()).map_err(|e| {
            settings_error(format!(
                "the saved SpareBank 1 settings cannot be read ({e}); log in again"
            ))
        })?;
        let secret = secrets.get(CLIENT_SECRET).cloned().ok_or_else(|| {
            settings_error("SpareBank 1 needs the client secret of your personal client")
        })?;
        let auth_url = endpoints.get(PROVIDER_ID, "auth_url")?;
        oauth_provider(auth_url, &config, secret).map_err(|e| settings_error(e.to_string()))
    }

    /// The bank's own name when one was chosen, so two SpareBank 1 banks are told apart.
    fn label(&self, config: &Value) -> String {
        config
            .get("fin_inst")
            .and_then(Value::as_str)
            .and_then(|f| BANKS.iter().find(|(id, _)| *id == f))
            .map_or_else(|| LABEL.to_string(), |(_, name)| (*name).to_string())
    }
}
