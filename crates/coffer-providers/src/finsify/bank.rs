//! Finsify as the registry sees it: the connect form with its bank catalogue, the hosted
//! connect page, refresh at the bank, deactivation on disconnect.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use coffer_core::category::Category;
use coffer_core::sync::{Provider, ProviderError};
use coffer_login::{
    CallbackResult, Endpoints, HostedLogin, HostedResult, HostedStart, LoginError, LoginInput,
    LoginOutcome, LoginPlan, Secrets,
};
use rand::RngCore;
use secrecy::SecretString;
use serde_json::Value;

use super::{
    services, Finsify, FinsifyApi, FinsifyConfig, FinsifyError, DEFAULT_API_URL,
    DEFAULT_CATALOGUE_URL, LABEL, PROVIDER_ID,
};
use crate::bank::{
    Bank, BankInfo, Capabilities, Choice, Connected, Field, FieldKind, SettingKind, SettingSpec,
};

/// Finsify's entry in the registry.
pub struct FinsifyBank;

pub static FINSIFY: FinsifyBank = FinsifyBank;

static INFO: BankInfo = BankInfo {
    id: PROVIDER_ID,
    name: LABEL,
    summary: "Banks and wallets in Vietnam and South-East Asia through Finsify Hub.",
    countries: &["VN", "ID", "MY", "HK", "TH", "PH", "SG"],
    logo_svg: include_str!("logo.svg"),
    developer_portal: Some("https://docs.finsify.com"),
    welcome_offer: None,
};

static SETTINGS: [SettingSpec; 3] = [
    SettingSpec {
        key: "api_url",
        default_value: DEFAULT_API_URL,
        description: "Finsify API base URL, including /v2",
        kind: SettingKind::Endpoint,
    },
    SettingSpec {
        key: "catalogue_url",
        default_value: DEFAULT_CATALOGUE_URL,
        description: "Finsify service catalogue (service.json)",
        kind: SettingKind::PublicUrl,
    },
    SettingSpec {
        key: "max_lookback_days",
        default_value: "0",
        description: "How far back a first sync reaches, in days (0 = as far as Finsify serves)",
        kind: SettingKind::Days,
    },
];

/// Vault kinds: the Service-secret (a client secret) and the login's own secret.
const CLIENT_SECRET: &str = "client_secret";
const LOGIN_SECRET: &str = "login_secret";

fn login_error(e: FinsifyError) -> LoginError {
    LoginError::Provider {
        provider: PROVIDER_ID.into(),
        detail: e.to_string(),
    }
}

fn settings_error(detail: impl Into<String>) -> LoginError {
    LoginError::Settings {
        detail: detail.into(),
    }
}

fn provider_error(e: LoginError) -> ProviderError {
    ProviderError::Other {
        provider: PROVIDER_ID,
        message: e.to_string(),
    }
}

fn config_of(value: &Value) -> Result<FinsifyConfig, ProviderError> {
    serde_json::from_value(value.clone()).map_err(|e| ProviderError::Reauth {
        provider: PROVIDER_ID,
        reason: format!("the saved Finsify settings cannot be read ({e}); reconnect"),
    })
}

/// The API client and the login secret of a connected login.
fn api_of(connected: &Connected) -> Result<(FinsifyApi, SecretString), ProviderError> {
    let config = config_of(&connected.config)?;
    let reauth = |reason: String| ProviderError::Reauth {
        provider: PROVIDER_ID,
        reason,
    };
    let service_secret = connected
        .secrets
        .get(CLIENT_SECRET)
        .cloned()
        .ok_or_else(|| reauth("the Service-secret is not saved; reconnect".into()))?;
    let login_secret = connected
        .secrets
        .get(LOGIN_SECRET)
        .cloned()
        .ok_or_else(|| reauth("the login secret is not saved; reconnect".into()))?;
    let api_url = connected
        .endpoints
        .get(PROVIDER_ID, "api_url")
        .map_err(provider_error)?
        .clone();
    Ok((
        FinsifyApi::new(
            connected.http.clone(),
            api_url,
            config.client_id,
            service_secret,
        ),
        login_secret,
    ))
}

#[async_trait::async_trait]
impl Bank for FinsifyBank {
    fn about(&self) -> &'static BankInfo {
        &INFO
    }

    fn form(&self) -> Vec<Field> {
        vec![
            Field::text(
                "client_id",
                "Client-Id",
                "From your Finsify developer dashboard.",
            ),
            Field::secret(
                "service_secret",
                "Service-secret",
                "From the same dashboard (the backend secret, not the App-secret).",
                CLIENT_SECRET,
            ),
            Field::text(
                "service_id",
                "Bank",
                "Pick your bank from Finsify's catalogue.",
            )
            .with_kind(FieldKind::Catalogue)
            .with_flag("service"),
        ]
    }

    fn settings(&self) -> &'static [SettingSpec] {
        &SETTINGS
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            refresh_at_bank: true,
            reconnect: true,
            consent_expiry: false,
            revoke_at_bank: true,
        }
    }

    fn login(&self) -> LoginPlan {
        LoginPlan::HostedPage(&FINSIFY_LOGIN)
    }

    /// Finsify is Vietnamese and refuses a `to_date` after its own today, so a sync runs up to
    /// Ho Chi Minh City's calendar day. A bank an hour ahead (UTC+8) may date a row
    /// "tomorrow" for an hour a day; the next sync's overlap takes it.
    fn calendar(&self) -> Tz {
        chrono_tz::Asia::Ho_Chi_Minh
    }

    fn category(&self, raw: &str) -> Option<Category> {
        super::categories::map(raw)
    }

    fn open(&self, connected: Connected) -> Result<Box<dyn Provider>, ProviderError> {
        let today = connected.today;
        let (api, login_secret) = api_of(&connected)?;
        Ok(Box::new(Finsify::new(
            api,
            login_secret,
            today,
            connected.number("max_lookback_days", 0),
        )))
    }

    async fn catalogue(
        &self,
        field: &str,
        query: Option<&str>,
        endpoints: &Endpoints,
        http: &reqwest::Client,
    ) -> Result<Vec<Choice>, ProviderError> {
        if field != "service_id" {
            return Err(ProviderError::Other {
                provider: PROVIDER_ID,
                message: format!("the field '{field}' has no catalogue"),
            });
        }
        let url = endpoints
            .get(PROVIDER_ID, "catalogue_url")
            .map_err(provider_error)?;
        Ok(services(http, url, query)
            .await?
            .into_iter()
            .map(|s| Choice {
                value: s.id.to_string(),
                detail: Some(format!("{} · {}", s.country_code, s.kind)),
                label: s.name,
                logo_url: Some(s.logo_url).filter(|u| !u.is_empty()),
            })
            .collect())
    }

    async fn refresh_at_bank(&self, connected: &Connected) -> Result<DateTime<Utc>, ProviderError> {
        let (api, login_secret) = api_of(connected)?;
        Ok(api.refresh_login(&login_secret).await?)
    }

    async fn revoke(&self, connected: &Connected) -> Result<(), ProviderError> {
        let (api, login_secret) = api_of(connected)?;
        Ok(api.deactivate(&login_secret).await?)
    }
}

/// Finsify's half of the hosted login: customer, connect token, the JSON result on the callback.
pub struct FinsifyLogin;

static FINSIFY_LOGIN: FinsifyLogin = FinsifyLogin;

impl FinsifyLogin {
    fn api(&self, input: &LoginInput, client_id: &str) -> Result<FinsifyApi, LoginError> {
        let service_secret = input
            .secrets
            .get(CLIENT_SECRET)
            .cloned()
            .ok_or_else(|| settings_error("Finsify needs your Service-secret"))?;
        Ok(FinsifyApi::new(
            input.http.clone(),
            input.endpoints.get(PROVIDER_ID, "api_url")?.clone(),
            client_id.to_string(),
            service_secret,
        ))
    }

    /// Finsify returns a customer id only when it is created, so it is remembered per Client-Id.
    /// If an identifier exists but its id was lost, a fresh identifier is registered.
    async fn customer(
        &self,
        input: &LoginInput,
        api: &FinsifyApi,
        client_id: &str,
    ) -> Result<String, LoginError> {
        let key = format!("customer.{client_id}");
        if let Some(id) = input.memory.recall(&key)? {
            return Ok(id);
        }
        for _ in 0..3 {
            let mut bytes = [0u8; 12];
            rand::rng().fill_bytes(&mut bytes);
            let identifier = format!(
                "coffer-{}",
                bytes.iter().map(|b| format!("{b:02x}")).collect::<String>()
            );
            match api.create_customer(&identifier).await {
                Ok(id) => {
                    input.memory.remember(&key, &id)?;
                    return Ok(id);
                }
                Err(FinsifyError::CustomerExists) => continue,
                Err(e) => return Err(login_error(e)),
            }
        }
        Err(LoginError::Provider {
            provider: PROVIDER_ID.into(),
            detail: "Finsify refused three fresh customer identifiers as already existing".into(),
        })
    }
}

#[async_trait::async_trait]
impl HostedLogin for FinsifyLogin {
    fn result(&self) -> HostedResult {
        HostedResult::JsonPathSegment
    }

    fn callback_carries_secret(&self) -> bool {
        true
    }

    async fn start(
        &self,
        input: &LoginInput,
        callback_url: &str,
    ) -> Result<HostedStart, LoginError> {
        let saved = input
            .renewing
            .as_ref()
            .and_then(|r| serde_json::from_value::<FinsifyConfig>(r.config.clone()).ok());
        let client_id = input
            .text("client_id")
            .map(str::to_string)
            .or_else(|| saved.as_ref().map(|c| c.client_id.clone()))
            .ok_or_else(|| settings_error("Finsify needs your Client-Id"))?;
        let api = self.api(input, &client_id)?;
        let renewing_login = input
            .renewing
            .as_ref()
            .and_then(|r| r.secrets.get(LOGIN_SECRET).cloned());
        let (config, browser_url) = match (saved, renewing_login) {
            (Some(saved), Some(login_secret)) => {
                // Reconnect keeps the login (and so the accounts) at Finsify.
                let url = api
                    .reconnect_url(&login_secret, callback_url)
                    .await
                    .map_err(login_error)?;
                (saved, url)
            }
            _ => {
                let service_id: i64 = input
                    .text("service_id")
                    .ok_or_else(|| settings_error("choose the bank to connect through Finsify"))?
                    .parse()
                    .map_err(|_| settings_error("the Finsify service id must be a number"))?;
                let catalogue = input.endpoints.get(PROVIDER_ID, "catalogue_url")?;
                let service_name = services(&input.http, catalogue, None)
                    .await
                    .map_err(login_error)?
                    .into_iter()
                    .find(|s| s.id == service_id)
                    .map(|s| s.name)
                    .ok_or_else(|| {
                        settings_error(format!("Finsify's catalogue has no service {service_id}"))
                    })?;
                let customer_id = self.customer(input, &api, &client_id).await?;
                let url = api
                    .connect_url(&customer_id, service_id, callback_url)
                    .await
                    .map_err(login_error)?;
                (
                    FinsifyConfig {
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
        let state = serde_json::to_value(&config)
            .map_err(|e| settings_error(format!("cannot encode the settings: {e}")))?;
        Ok(HostedStart { browser_url, state })
    }

    async fn finish(
        &self,
        input: &LoginInput,
        state: Value,
        result: CallbackResult,
    ) -> Result<LoginOutcome, LoginError> {
        let CallbackResult::LinkedLogin { login_id, secret } = result else {
            return Err(LoginError::NotForThisLogin {
                reason: "it carries no Finsify login".into(),
            });
        };
        let mut config: FinsifyConfig = serde_json::from_value(state)
            .map_err(|e| settings_error(format!("cannot read the login in progress: {e}")))?;
        config.login_id = Some(login_id);
        let label = match &input.renewing {
            Some(r) => r.label.clone(),
            None => format!("{} via Finsify", config.service_name),
        };
        let mut secrets = Secrets::default();
        secrets.insert(LOGIN_SECRET, secret);
        Ok(LoginOutcome {
            config: serde_json::to_value(&config)
                .map_err(|e| settings_error(format!("cannot encode the settings: {e}")))?,
            secrets,
            consent_expires_at: None,
            label,
        })
    }
}
