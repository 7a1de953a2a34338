//! Finqware as the registry sees it: the connect form with its skill picker, the consent login
//! (session → `sca` step → the bank's page → `?temp_token=` → `/tokens`), consent expiry and
//! revocation on disconnect.

use chrono_tz::Tz;
use coffer_core::category::Category;
use coffer_core::sync::{Provider, ProviderError};
use coffer_login::{
    CallbackResult, Endpoints, HostedLogin, HostedResult, HostedStart, LoginError, LoginInput,
    LoginOutcome, LoginPlan, Secrets,
};
use rand::RngCore;
use serde_json::Value;

use super::skills::{bank_of, skills, well_formed};
use super::{
    Consent, Finqware, FinqwareApi, FinqwareConfig, FinqwareError, DEFAULT_API_URL, LABEL,
    PROVIDER_ID,
};
use crate::bank::{
    Bank, BankInfo, Capabilities, Choice, Connected, Field, FieldKind, SettingKind, SettingSpec,
};

/// Finqware's entry in the registry.
pub struct FinqwareBank;

pub static FINQWARE: FinqwareBank = FinqwareBank;

static INFO: BankInfo = BankInfo {
    id: PROVIDER_ID,
    name: LABEL,
    summary: "Romanian banks (and Erste Croatia) through Finqware's PSD2 consent: you approve \
              access on your bank's own page.",
    countries: &["RO", "HR"],
    logo_svg: include_str!("logo.svg"),
    developer_portal: Some("https://docs.finqware.com"),
    welcome_offer: None,
};

static SETTINGS: [SettingSpec; 1] = [SettingSpec {
    key: "api_url",
    default_value: DEFAULT_API_URL,
    description: "Finqware API base URL, including /v1",
    kind: SettingKind::Endpoint,
}];

/// Vault kinds: the tenant's two keys (form fields) and the consent's pair (from `/tokens`).
const CLIENT_SECRET: &str = "client_secret";
const CLIENT_APP_KEY: &str = "client_app_key";
const ACCESS_TOKEN: &str = "access_token";
const CREDENTIALS_ID: &str = "credentials_id";

fn login_error(e: FinqwareError) -> LoginError {
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

fn reauth(reason: impl Into<String>) -> ProviderError {
    ProviderError::Reauth {
        provider: PROVIDER_ID,
        reason: reason.into(),
    }
}

fn config_of(value: &Value) -> Result<FinqwareConfig, ProviderError> {
    serde_json::from_value(value.clone()).map_err(|e| {
        reauth(format!(
            "the saved Finqware settings cannot be read ({e}); log in again"
        ))
    })
}

/// The API client, the consent and the skill of a connected consent.
fn open_consent(connected: &Connected) -> Result<(FinqwareApi, Consent, String), ProviderError> {
    let config = config_of(&connected.config)?;
    let secret = |kind: &str| {
        connected
            .secrets
            .get(kind)
            .cloned()
            .ok_or_else(|| reauth(format!("the {kind} is not saved; log in again")))
    };
    let api_url = connected
        .endpoints
        .get(PROVIDER_ID, "api_url")
        .map_err(provider_error)?
        .clone();
    let api = FinqwareApi::new(
        connected.http.clone(),
        api_url,
        config.client_id,
        secret(CLIENT_SECRET)?,
    );
    let consent = Consent {
        credentials_id: secret(CREDENTIALS_ID)?,
        access_token: secret(ACCESS_TOKEN)?,
        tenant_user_id: config.tenant_user_id,
    };
    Ok((api, consent, config.skill))
}

#[async_trait::async_trait]
impl Bank for FinqwareBank {
    fn about(&self) -> &'static BankInfo {
        &INFO
    }

    fn form(&self) -> Vec<Field> {
        vec![
            Field::text(
                "client_id",
                "Client id",
                "From your tenant app in the Finqware developer portal.",
            ),
            Field::secret(
                "client_secret",
                "Client secret",
                "From the same tenant app (the server-side secret).",
                CLIENT_SECRET,
            ),
            Field::secret(
                "client_app_key",
                "Client app key",
                "From the same tenant app (starts a consent session).",
                CLIENT_APP_KEY,
            ),
            Field::text(
                "skill",
                "Bank",
                "Pick your bank's Finqware skill, e.g. bt_ro_aisp_sbx_#2.0.",
            )
            .with_kind(FieldKind::Catalogue),
        ]
    }

    fn settings(&self) -> &'static [SettingSpec] {
        &SETTINGS
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            refresh_at_bank: false,
            reconnect: true,
            consent_expiry: true,
            revoke_at_bank: true,
        }
    }

    fn login(&self) -> LoginPlan {
        LoginPlan::HostedPage(&FINQWARE_LOGIN)
    }

    /// Romanian banks date rows on Bucharest's day; the sync runs up to it (Zagreb, for the
    /// Croatian skill, is an hour behind, so its newest day is always included).
    fn calendar(&self) -> Tz {
        chrono_tz::Europe::Bucharest
    }

    fn category(&self, raw: &str) -> Option<Category> {
        super::categories::map(raw)
    }

    fn open(&self, connected: Connected) -> Result<Box<dyn Provider>, ProviderError> {
        let now = connected.now;
        let (api, consent, skill) = open_consent(&connected)?;
        Ok(Box::new(Finqware::new(api, consent, &skill, now)))
    }

    async fn catalogue(
        &self,
        field: &str,
        query: Option<&str>,
        _endpoints: &Endpoints,
        _http: &reqwest::Client,
    ) -> Result<Vec<Choice>, ProviderError> {
        if field != "skill" {
            return Err(ProviderError::Other {
                provider: PROVIDER_ID,
                message: format!("the field '{field}' has no catalogue"),
            });
        }
        Ok(skills(query)
            .into_iter()
            .map(|s| Choice {
                value: s.name.to_string(),
                label: s.bank.to_string(),
                detail: Some(format!("{} · {}", s.country, s.name)),
                logo_url: None,
            })
            .collect())
    }

    async fn revoke(&self, connected: &Connected) -> Result<(), ProviderError> {
        let (api, consent, _) = open_consent(connected)?;
        Ok(api.delete_consent(&consent).await?)
    }
}

/// Finqware's half of the hosted login.
pub struct FinqwareLogin;

static FINQWARE_LOGIN: FinqwareLogin = FinqwareLogin;

impl FinqwareLogin {
    fn api(&self, input: &LoginInput, client_id: &str) -> Result<FinqwareApi, LoginError> {
        let client_secret = input
            .secrets
            .get(CLIENT_SECRET)
            .cloned()
            .ok_or_else(|| settings_error("Finqware needs your client secret"))?;
        Ok(FinqwareApi::new(
            input.http.clone(),
            input.endpoints.get(PROVIDER_ID, "api_url")?.clone(),
            client_id.to_string(),
            client_secret,
        ))
    }
}

/// A pseudonymous user id for Finqware (it stores no data identifying the owner either).
fn new_tenant_user_id() -> String {
    let mut bytes = [0u8; 12];
    rand::rng().fill_bytes(&mut bytes);
    format!(
        "coffer-{}",
        bytes.iter().map(|b| format!("{b:02x}")).collect::<String>()
    )
}

#[async_trait::async_trait]
impl HostedLogin for FinqwareLogin {
    fn result(&self) -> HostedResult {
        HostedResult::QueryParam("temp_token")
    }

    /// The temp token is single use, lives minutes and is worthless without the client secret
    /// (Finqware calls it safe for client apps), so a `coffer://` link may carry it.
    fn callback_carries_secret(&self) -> bool {
        false
    }

    async fn start(
        &self,
        input: &LoginInput,
        callback_url: &str,
    ) -> Result<HostedStart, LoginError> {
        let saved = input
            .renewing
            .as_ref()
            .and_then(|r| serde_json::from_value::<FinqwareConfig>(r.config.clone()).ok());
        let client_id = input
            .text("client_id")
            .map(str::to_string)
            .or_else(|| saved.as_ref().map(|c| c.client_id.clone()))
            .ok_or_else(|| settings_error("Finqware needs your client id"))?;
        // A renewal keeps the bank: a different skill would be a different connection.
        let skill = saved
            .as_ref()
            .map(|c| c.skill.clone())
            .or_else(|| input.text("skill").map(str::to_string))
            .ok_or_else(|| settings_error("choose the bank (Finqware skill) to connect"))?;
        if !well_formed(&skill) {
            return Err(settings_error(format!(
                "'{skill}' is not a Finqware account-information skill (expected \
                 <bank>_<country>_aisp[_sbx]_#<version>, e.g. bt_ro_aisp_sbx_#2.0)"
            )));
        }
        let client_app_key = input
            .secrets
            .get(CLIENT_APP_KEY)
            .cloned()
            .ok_or_else(|| settings_error("Finqware needs your client app key"))?;
        let tenant_user_id = saved
            .as_ref()
            .map(|c| c.tenant_user_id.clone())
            .unwrap_or_else(new_tenant_user_id);
        let api = self.api(input, &client_id)?;
        let session = api
            .create_session(&client_app_key, &skill, &tenant_user_id)
            .await
            .map_err(login_error)?;
        let browser_url = api
            .sca_step(&session, &skill, callback_url)
            .await
            .map_err(login_error)?;
        let config = FinqwareConfig {
            client_id,
            skill,
            tenant_user_id,
            consent_exp: None,
            max_data_retention: None,
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
        let CallbackResult::QueryValue(temp_token) = result else {
            return Err(LoginError::NotForThisLogin {
                reason: "it carries no Finqware temp_token".into(),
            });
        };
        let mut config: FinqwareConfig = serde_json::from_value(state)
            .map_err(|e| settings_error(format!("cannot read the login in progress: {e}")))?;
        let tokens = self
            .api(input, &config.client_id)?
            .exchange(&temp_token)
            .await
            .map_err(login_error)?;
        config.consent_exp = tokens.consent_exp;
        config.max_data_retention = tokens.max_data_retention;
        let label = match &input.renewing {
            Some(r) => r.label.clone(),
            None => match bank_of(&config.skill) {
                Some(bank) => format!("{bank} via Finqware"),
                None => format!("{} via Finqware", config.skill),
            },
        };
        let mut secrets = Secrets::default();
        secrets.insert(ACCESS_TOKEN, tokens.access_token);
        secrets.insert(CREDENTIALS_ID, tokens.credentials_id);
        Ok(LoginOutcome {
            config: serde_json::to_value(&config)
                .map_err(|e| settings_error(format!("cannot encode the settings: {e}")))?,
            secrets,
            consent_expires_at: config.consent_exp,
            label,
        })
    }
}
