//! The `/v1` wire: routing, the error envelope, body rules, tenant and consent checks, and the
//! session, token, consent and catalogue endpoints. The data endpoints live in [`super::data`].

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{middleware, Json, Router};
use chrono::{DateTime, Utc};
use serde_json::{json, Map, Value};

use super::catalogue::{self, Bank, BANKS};
use super::state::{
    is_uuid, iso_z, looks_like_macaroon, macaroon, uuid_v4, Authorization, Consent, FaultSite,
    Inner, Session, Shared, TempToken,
};
use super::{control, data, sca, FinqwareFault};

pub(crate) type App = Arc<Shared>;

pub(crate) fn router(shared: App) -> Router {
    Router::new()
        .route("/v1/sessions", post(create_session))
        .route("/v1/sessions/{id}/steps", post(submit_step))
        .route("/v1/tokens", post(exchange_token))
        .route("/v1/accounts/get", post(data::accounts))
        .route("/v1/balances/get", post(data::balances))
        .route("/v1/transactions/get", post(data::transactions))
        .route("/v1/consents/get", post(get_consent))
        .route("/v1/consents/delete", post(delete_consent))
        .route("/v1/catalogs/get", post(catalogue))
        .route("/v1/tpp/redirect", get(sca::tpp_redirect))
        .route(
            "/bank/{slug}/oauth/authorize",
            get(sca::page).post(sca::decide),
        )
        .merge(control::routes())
        .fallback(not_found)
        .method_not_allowed_fallback(not_found)
        .layer(middleware::from_fn_with_state(
            Arc::clone(&shared),
            control::record,
        ))
        .with_state(shared)
}

// ---------------------------------------------------------------------------------------------
// Envelopes

/// A failure on the wire.
#[derive(Debug)]
pub(crate) enum ApiError {
    /// `{id, type, http, code, message}` with HTTP status = `http`.
    Envelope {
        status: StatusCode,
        kind: &'static str,
        code: &'static str,
        message: String,
    },
    /// The documented bare `{"message": …}` 400.
    Bare(String),
    /// A gateway's HTML error page.
    Html(u16),
}

impl ApiError {
    fn envelope(
        status: StatusCode,
        kind: &'static str,
        code: &'static str,
        message: impl Into<String>,
    ) -> Self {
        ApiError::Envelope {
            status,
            kind,
            code,
            message: message.into(),
        }
    }
}

/// 400 `invalid_request`.
pub(crate) fn invalid(code: &'static str, message: impl Into<String>) -> ApiError {
    ApiError::envelope(StatusCode::BAD_REQUEST, "invalid_request", code, message)
}

/// 404 `invalid_request`.
pub(crate) fn missing_resource(code: &'static str, message: impl Into<String>) -> ApiError {
    ApiError::envelope(StatusCode::NOT_FOUND, "invalid_request", code, message)
}

/// 401 `unauthorized`.
pub(crate) fn unauthorized(code: &'static str, message: impl Into<String>) -> ApiError {
    ApiError::envelope(StatusCode::UNAUTHORIZED, "unauthorized", code, message)
}

/// 400 `external_api_error`.
fn external(code: &'static str, message: impl Into<String>) -> ApiError {
    ApiError::envelope(StatusCode::BAD_REQUEST, "external_api_error", code, message)
}

fn internal(message: impl Into<String>) -> ApiError {
    ApiError::envelope(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal_server_error",
        "internal_server_error",
        message,
    )
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match self {
            ApiError::Envelope {
                status,
                kind,
                code,
                message,
            } => {
                let body = json!({
                    "id": uuid_v4(),
                    "type": kind,
                    "http": status.as_u16(),
                    "code": code,
                    "message": message,
                });
                (status, Json(body)).into_response()
            }
            ApiError::Bare(message) => {
                (StatusCode::BAD_REQUEST, Json(json!({ "message": message }))).into_response()
            }
            ApiError::Html(status) => {
                let status = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY);
                let title = format!(
                    "{} {}",
                    status.as_u16(),
                    status.canonical_reason().unwrap_or("Error")
                );
                let page = format!(
                    "<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n\
<center><h1>{title}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
                );
                (
                    status,
                    [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
                    page,
                )
                    .into_response()
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Request checks

/// Counts the call and fires any "whole server" fault.
pub(crate) fn begin(app: &App) -> Result<(), ApiError> {
    let mut inner = app.lock();
    inner.stats.api_calls += 1;
    match inner.take_fault(FaultSite::AnyCall) {
        Some(FinqwareFault::ServerError { .. }) => Err(internal(
            "The server encountered an unexpected condition; try again later.",
        )),
        Some(FinqwareFault::HtmlErrorPage { status, .. }) => Err(ApiError::Html(status)),
        _ => Ok(()),
    }
}

/// The call reaches the bank: fires any upstream fault.
pub(crate) fn reach_bank(inner: &mut Inner, bank: &Bank) -> Result<(), ApiError> {
    match inner.take_fault(FaultSite::Bank) {
        Some(FinqwareFault::RateLimit { .. }) => Err(external(
            "external_api_too_many_requests",
            format!(
                "{} refused the request: too many requests for this consent.",
                bank.servicer
            ),
        )),
        Some(FinqwareFault::ConnectionError { .. }) => Err(external(
            "external_api_connection_error",
            format!("Could not connect to {}.", bank.servicer),
        )),
        _ => Ok(()),
    }
}

/// A JSON object body, checked against the endpoint's documented fields.
pub(crate) struct Fields(Map<String, Value>);

impl Fields {
    /// An optional string field: `null` counts as absent; other non-strings and empty strings
    /// are refused.
    pub(crate) fn text(&self, name: &str) -> Result<Option<&str>, ApiError> {
        match self.0.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) if !s.is_empty() => Ok(Some(s)),
            Some(Value::String(_)) => Err(invalid(
                "invalid_field",
                format!("Field '{name}' must not be empty."),
            )),
            Some(_) => Err(invalid(
                "invalid_field",
                format!("Field '{name}' must be a string."),
            )),
        }
    }

    /// A required string field (presence was checked by [`fields`]).
    pub(crate) fn required(&self, name: &str) -> Result<&str, ApiError> {
        self.text(name)?
            .ok_or_else(|| invalid("missing_fields", format!("Missing fields: {name}.")))
    }

    pub(crate) fn get(&self, name: &str) -> Option<&Value> {
        self.0.get(name).filter(|v| !v.is_null())
    }
}

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|media| media.trim().eq_ignore_ascii_case("application/json"))
}

/// Parses the body: `application/json`, an object, no undocumented field, every required one.
pub(crate) fn fields(
    headers: &HeaderMap,
    body: &Bytes,
    allowed: &[&str],
    required: &[&str],
) -> Result<Fields, ApiError> {
    if !is_json(headers) {
        return Err(invalid(
            "invalid_headers",
            "Content-Type must be application/json.",
        ));
    }
    let map = match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => map,
        Ok(_) => return Err(invalid("invalid_body", "The body must be a JSON object.")),
        Err(e) => {
            return Err(invalid(
                "invalid_body",
                format!("The body is not valid JSON: {e}"),
            ))
        }
    };
    let absent: Vec<&str> = required
        .iter()
        .copied()
        .filter(|name| map.get(*name).is_none_or(Value::is_null))
        .collect();
    if !absent.is_empty() {
        return Err(invalid(
            "missing_fields",
            format!("Missing fields: {}.", absent.join(", ")),
        ));
    }
    let unknown: Vec<&str> = map
        .keys()
        .map(String::as_str)
        .filter(|key| !allowed.contains(key))
        .collect();
    if !unknown.is_empty() {
        return Err(invalid(
            "unknown_fields",
            format!("Unknown fields: {}.", unknown.join(", ")),
        ));
    }
    Ok(Fields(map))
}

pub(crate) fn check_client(app: &App, fields: &Fields) -> Result<(), ApiError> {
    let client_id = fields.required("client_id")?;
    if client_id != app.config.client_id {
        return Err(invalid(
            "invalid_client_id",
            format!("Unknown client_id '{client_id}'."),
        ));
    }
    Ok(())
}

/// `client_id` and `client_secret`.
pub(crate) fn check_tenant(app: &App, fields: &Fields) -> Result<(), ApiError> {
    check_client(app, fields)?;
    if fields.required("client_secret")? != app.config.client_secret {
        return Err(unauthorized(
            "invalid_client_secret",
            "The client_secret does not match the client_id.",
        ));
    }
    Ok(())
}

/// A skill the sandbox knows and the tenant registered.
fn registered_bank(app: &App, skill: &str) -> Result<&'static Bank, ApiError> {
    let bank = catalogue::find(skill)
        .ok_or_else(|| invalid("invalid_skill_name", format!("Unknown skill '{skill}'.")))?;
    if !app.config.skills.iter().any(|s| s == skill) {
        return Err(unauthorized(
            "unauthorized_tenant",
            format!("This tenant app is not registered for skill '{skill}'."),
        ));
    }
    Ok(bank)
}

/// What a checked `credentials_id` + `access_token` pair opens.
pub(crate) struct Granted {
    pub credentials_id: String,
    pub bank: &'static Bank,
    /// When the consent's cache was filled (rows' `timestamp` never precede it).
    pub cached: DateTime<Utc>,
    /// The cache was purged (`max_data_retention` passed).
    pub purged: bool,
}

/// Checks the consent fields. `for_data`: also its status and the `tenant_user_id`.
pub(crate) fn grant(
    inner: &Inner,
    fields: &Fields,
    now: DateTime<Utc>,
    for_data: bool,
) -> Result<Granted, ApiError> {
    let credentials_id = fields.required("credentials_id")?;
    if !is_uuid(credentials_id) {
        return Err(unauthorized(
            "invalid_uuid",
            format!("credentials_id '{credentials_id}' is not a UUID."),
        ));
    }
    let consent: &Consent = inner.consents.get(credentials_id).ok_or_else(|| {
        invalid(
            "invalid_credentials_id",
            format!("No credentials with id '{credentials_id}'."),
        )
    })?;
    let access_token = fields.required("access_token")?;
    if !looks_like_macaroon(access_token) {
        return Err(invalid(
            "invalid_access_token",
            "The access_token is malformed.",
        ));
    }
    if access_token != consent.access_token {
        return Err(unauthorized(
            "invalid_access_token",
            "The access_token does not authorize these credentials.",
        ));
    }
    if for_data {
        match consent.status(now) {
            "DELETED" => {
                return Err(unauthorized(
                    "inactive_credentials",
                    "These credentials were deleted; start a new session.",
                ))
            }
            "EXPIRED" => {
                return Err(unauthorized(
                    "expired_credentials",
                    format!(
                        "The consent expired at {}; start a new session.",
                        iso_z(consent.consent_exp)
                    ),
                ))
            }
            _ => {}
        }
        let tenant_user_id = fields.required("tenant_user_id")?;
        if consent
            .tenant_user_id
            .as_deref()
            .is_some_and(|owner| owner != tenant_user_id)
        {
            return Err(unauthorized(
                "invalid_credentials_id",
                "These credentials belong to another tenant_user_id.",
            ));
        }
    }
    Ok(Granted {
        credentials_id: consent.credentials_id.clone(),
        bank: consent.bank,
        cached: consent.cached,
        purged: now >= consent.max_data_retention,
    })
}

// ---------------------------------------------------------------------------------------------
// Sessions and steps

fn nonce_for(session_id: &str, expires: DateTime<Utc>) -> String {
    macaroon(
        "nonce",
        &[
            format!("session_id = {session_id}"),
            format!("time < {}", iso_z(expires)),
        ],
    )
}

async fn create_session(
    State(app): State<App>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    begin(&app)?;
    let fields = fields(
        &headers,
        &body,
        &["tenant_user_id", "client_id", "client_app_key", "skill"],
        &["client_id", "client_app_key", "skill"],
    )?;
    check_client(&app, &fields)?;
    if fields.required("client_app_key")? != app.config.client_app_key {
        return Err(unauthorized(
            "invalid_client_app_key",
            "The client_app_key does not match the client_id.",
        ));
    }
    let bank = registered_bank(&app, fields.required("skill")?)?;
    let tenant_user_id = fields.text("tenant_user_id")?.map(str::to_owned);
    let now = app.now();
    let expires = now + Shared::duration(app.config.nonce_ttl);
    let session_id = uuid_v4();
    let nonce = nonce_for(&session_id, expires);
    let mut inner = app.lock();
    inner.sessions.insert(
        session_id.clone(),
        Session {
            bank,
            tenant_user_id,
            nonce: Some(nonce.clone()),
            nonce_expires: expires,
            step_id: None,
        },
    );
    inner.stats.sessions_created += 1;
    Ok(Json(json!({
        "nonce": nonce,
        "session_id": session_id,
        "status": "SESSION_CREATED",
    }))
    .into_response())
}

/// An absolute URL usable in a `Location` header (any scheme: `coffer://…` is fine).
fn redirect_link(data: &Map<String, Value>) -> Result<String, ApiError> {
    let extra: Vec<&str> = data
        .keys()
        .map(String::as_str)
        .filter(|k| *k != "psu_redirect_link")
        .collect();
    if !extra.is_empty() {
        return Err(ApiError::Bare(format!(
            "Unexpected data for step sca: {}",
            extra.join(", ")
        )));
    }
    let link = match data.get("psu_redirect_link") {
        Some(Value::String(link)) => link,
        Some(_) => {
            return Err(ApiError::Bare(
                "data.psu_redirect_link must be a string".to_owned(),
            ))
        }
        None => {
            return Err(ApiError::Bare(
                "data.psu_redirect_link is required for step sca".to_owned(),
            ))
        }
    };
    // `Url::parse` needs a scheme, so relative links fail; spaces and non-ASCII would not
    // survive a `Location` header.
    let usable = url::Url::parse(link).is_ok() && link.bytes().all(|b| b.is_ascii_graphic());
    if usable {
        Ok(link.clone())
    } else {
        Err(ApiError::Bare(format!(
            "data.psu_redirect_link '{link}' is not an absolute URL"
        )))
    }
}

pub(crate) fn issue_temp_token(
    app: &App,
    inner: &mut Inner,
    bank: &'static Bank,
    session_id: &str,
    tenant_user_id: Option<String>,
    now: DateTime<Utc>,
) -> String {
    let expires = now + Shared::duration(app.config.temp_token_ttl);
    let token = macaroon(
        "temp_token",
        &[
            format!("session_id = {session_id}"),
            format!("time < {}", iso_z(expires)),
        ],
    );
    inner.temp_tokens.insert(
        token.clone(),
        TempToken {
            bank,
            tenant_user_id,
            approved: now,
            expires,
            spent: false,
        },
    );
    token
}

async fn submit_step(
    State(app): State<App>,
    Path(session_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    begin(&app)?;
    let fields = fields(
        &headers,
        &body,
        &["client_id", "nonce", "skill", "step", "data"],
        &["client_id", "nonce", "skill", "step", "data"],
    )?;
    check_client(&app, &fields)?;
    let skill = fields.required("skill")?;
    let nonce = fields.required("nonce")?;
    let step = fields.required("step")?;
    let Some(Value::Object(data)) = fields.get("data") else {
        return Err(invalid("invalid_field", "Field 'data' must be an object."));
    };
    let now = app.now();
    let mut inner = app.lock();
    let session = inner.sessions.get(&session_id).ok_or_else(|| {
        missing_resource(
            "invalid_session_id",
            format!("No session with id '{session_id}'."),
        )
    })?;
    if skill != session.bank.skill {
        return Err(invalid(
            "invalid_skill_name",
            format!("Skill '{skill}' is not this session's skill."),
        ));
    }
    if session.nonce.as_deref() != Some(nonce) || now >= session.nonce_expires {
        return Err(ApiError::Bare("Invalid or expired nonce".to_owned()));
    }
    if session.step_id.is_some() {
        return Err(invalid(
            "invalid_step",
            "This AISP session has no further steps.",
        ));
    }
    let (bank, tenant_user_id) = (session.bank, session.tenant_user_id.clone());
    let step_id = uuid_v4();
    match step {
        "sca" => {
            let link = redirect_link(data)?;
            reach_bank(&mut inner, bank)?;
            let expires = now + Shared::duration(app.config.nonce_ttl);
            let next_nonce = nonce_for(&session_id, expires);
            if let Some(session) = inner.sessions.get_mut(&session_id) {
                session.nonce = Some(next_nonce.clone());
                session.nonce_expires = expires;
                session.step_id = Some(step_id.clone());
            }
            let state = uuid_v4();
            inner.authorizations.insert(
                state.clone(),
                Authorization {
                    session_id: session_id.clone(),
                    bank,
                    psu_redirect_link: link,
                    expires,
                    decided: false,
                    code: None,
                    redirected: false,
                },
            );
            inner.stats.steps += 1;
            let url = sca::consent_url(&app.origin, bank, &state);
            Ok(Json(json!({
                "step_id": step_id,
                "nonce": next_nonce,
                "status": "SESSION_IN_PROGRESS",
                "data": {
                    "method": "GET",
                    "url": url,
                    "headers": { "Content-Type": "application/x-www-form-urlencoded" },
                },
            }))
            .into_response())
        }
        "sca_implicit" if app.config.allow_sca_implicit => {
            if !data.is_empty() {
                return Err(ApiError::Bare("Step sca_implicit takes no data".to_owned()));
            }
            reach_bank(&mut inner, bank)?;
            if let Some(session) = inner.sessions.get_mut(&session_id) {
                session.nonce = None;
                session.step_id = Some(step_id.clone());
            }
            let temp_token =
                issue_temp_token(&app, &mut inner, bank, &session_id, tenant_user_id, now);
            inner.stats.steps += 1;
            inner.stats.approvals += 1;
            Ok(Json(json!({
                "step_id": step_id,
                "status": "SESSION_COMPLETED",
                "temp_token": temp_token,
                "data": {},
            }))
            .into_response())
        }
        other => Err(invalid(
            "invalid_step",
            format!("Step '{other}' does not exist for skill '{skill}'."),
        )),
    }
}

// ---------------------------------------------------------------------------------------------
// Tokens and consents

async fn exchange_token(
    State(app): State<App>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    begin(&app)?;
    let fields = fields(
        &headers,
        &body,
        &["client_id", "client_secret", "temp_token"],
        &["client_id", "client_secret", "temp_token"],
    )?;
    check_tenant(&app, &fields)?;
    let temp = fields.required("temp_token")?;
    let now = app.now();
    let mut inner = app.lock();
    let token = inner
        .temp_tokens
        .get_mut(temp)
        .filter(|t| !t.spent && now < t.expires)
        .ok_or_else(|| {
            unauthorized(
                "invalid_temp_token",
                "The temp_token is unknown, expired or already exchanged.",
            )
        })?;
    token.spent = true;
    let (bank, tenant_user_id, approved) =
        (token.bank, token.tenant_user_id.clone(), token.approved);
    let credentials_id = uuid_v4();
    let access_token = macaroon(
        "access_token",
        &[format!("credentials_id = {credentials_id}")],
    );
    let consent_exp = now + Shared::duration(app.config.consent_duration);
    let max_data_retention = now + Shared::duration(app.config.cache_max_data_retention);
    inner.consents.insert(
        credentials_id.clone(),
        Consent {
            credentials_id: credentials_id.clone(),
            access_token: access_token.clone(),
            bank,
            tenant_user_id,
            created: approved,
            cached: now,
            last_update: now,
            consent_exp,
            max_data_retention,
            deleted: false,
        },
    );
    inner.consent_order.push(credentials_id.clone());
    inner.stats.tokens_exchanged += 1;
    Ok(Json(json!({
        "credentials_id": credentials_id,
        "access_token": access_token,
        "consent_exp": iso_z(consent_exp),
        "max_data_retention": iso_z(max_data_retention),
    }))
    .into_response())
}

const CONSENT_FIELDS: [&str; 4] = [
    "client_id",
    "client_secret",
    "credentials_id",
    "access_token",
];

async fn get_consent(
    State(app): State<App>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    begin(&app)?;
    let fields = fields(&headers, &body, &CONSENT_FIELDS, &CONSENT_FIELDS)?;
    check_tenant(&app, &fields)?;
    let now = app.now();
    let inner = app.lock();
    let granted = grant(&inner, &fields, now, false)?;
    let Some(consent) = inner.consents.get(&granted.credentials_id) else {
        return Err(internal("The consent vanished."));
    };
    Ok(Json(json!({
        "op_type": "read",
        "code": "credentials_info",
        "http": 200,
        "message": "Consent info retrieved",
        "result": {
            "credentials_id": consent.credentials_id,
            "originator": {
                "country": consent.bank.country,
                "servicer": consent.bank.servicer,
                "skill": consent.bank.skill,
            },
            "status": consent.status(now),
            "tenant_app_info": {
                "client_id": app.config.client_id,
                "name": app.config.tenant_name,
            },
            "utc_created": iso_z(consent.created),
            "utc_last_update": iso_z(consent.last_update),
            "consent_exp": iso_z(consent.consent_exp),
            "max_data_retention": iso_z(consent.max_data_retention),
        },
    }))
    .into_response())
}

async fn delete_consent(
    State(app): State<App>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    begin(&app)?;
    let mut allowed = CONSENT_FIELDS.to_vec();
    allowed.push("pcd_data_retention");
    let fields = fields(&headers, &body, &allowed, &CONSENT_FIELDS)?;
    check_tenant(&app, &fields)?;
    let retention_minutes = match fields.get("pcd_data_retention") {
        None => None,
        Some(value) => Some(value.as_u64().ok_or_else(|| {
            invalid(
                "invalid_pcd_data_retention",
                "pcd_data_retention must be a non-negative integer (minutes).",
            )
        })?),
    };
    let now = app.now();
    let mut inner = app.lock();
    let granted = grant(&inner, &fields, now, false)?;
    let Some(consent) = inner.consents.get_mut(&granted.credentials_id) else {
        return Err(internal("The consent vanished."));
    };
    if !consent.deleted {
        consent.deleted = true;
        consent.last_update = now;
    }
    if let Some(minutes) = retention_minutes {
        let minutes = i64::try_from(minutes).unwrap_or(i64::MAX / 120);
        consent.max_data_retention = now + chrono::Duration::minutes(minutes.min(1 << 30));
        consent.last_update = now;
    }
    Ok(Json(json!({
        "code": "credentials_deleted",
        "http": 200,
        "message": "Consent deleted",
        "op_type": "delete",
        "result": {
            "client_id": app.config.client_id,
            "credentials_id": consent.credentials_id,
            "status": "DELETED",
            "utc_last_update": iso_z(consent.last_update),
            "max_data_retention": iso_z(consent.max_data_retention),
        },
    }))
    .into_response())
}

// ---------------------------------------------------------------------------------------------
// Catalogue and fallbacks

fn minutes(d: std::time::Duration) -> u64 {
    d.as_secs() / 60
}

async fn catalogue(
    State(app): State<App>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    begin(&app)?;
    let fields = fields(
        &headers,
        &body,
        &["client_id", "client_app_key", "client_secret", "filter"],
        &["client_id"],
    )?;
    check_client(&app, &fields)?;
    match (
        fields.text("client_app_key")?,
        fields.text("client_secret")?,
    ) {
        (None, None) => {
            return Err(invalid(
                "missing_fields",
                "Missing fields: client_app_key (or client_secret).",
            ))
        }
        (Some(key), _) if key != app.config.client_app_key => {
            return Err(unauthorized(
                "invalid_client_app_key",
                "The client_app_key does not match the client_id.",
            ))
        }
        (_, Some(secret)) if secret != app.config.client_secret => {
            return Err(unauthorized(
                "invalid_client_secret",
                "The client_secret does not match the client_id.",
            ))
        }
        _ => {}
    }
    let mut wanted: Vec<(&str, String)> = Vec::new();
    match fields.get("filter") {
        None => {}
        Some(Value::Object(filter)) => {
            for (key, value) in filter {
                if !["country", "country_code", "type"].contains(&key.as_str()) {
                    return Err(invalid(
                        "unknown_fields",
                        format!("Unknown filter element: {key}."),
                    ));
                }
                match value {
                    Value::Null => {}
                    Value::String(s) => wanted.push((key.as_str(), s.clone())),
                    _ => {
                        return Err(invalid(
                            "invalid_field",
                            format!("Filter element '{key}' must be a string."),
                        ))
                    }
                }
            }
        }
        Some(_) => {
            return Err(invalid(
                "invalid_field",
                "Field 'filter' must be an object.",
            ))
        }
    }
    let settings = json!({
        "consent_duration": minutes(app.config.consent_duration),
        "cache_max_data_retention": minutes(app.config.cache_max_data_retention),
    });
    let skills: Vec<Value> = BANKS
        .iter()
        .filter(|b| app.config.skills.iter().any(|s| s == b.skill))
        .filter(|b| {
            wanted.iter().all(|(key, value)| match *key {
                "country" => b.country == value,
                "country_code" => b.country_code == value,
                _ => value == "aisp",
            })
        })
        .map(|b| {
            json!({
                "skill": b.skill,
                "name": b.servicer,
                "type": "aisp",
                "environment": "sandbox",
                "version": b.version(),
                "servicer_id": b.servicer_id(),
                "servicer": b.servicer,
                "country": b.country,
                "country_code": b.country_code,
                "bic": b.bic,
                "steps": ["sca"],
                "settings": settings,
            })
        })
        .collect();
    Ok(Json(Value::Array(skills)).into_response())
}

async fn not_found(State(app): State<App>, uri: Uri) -> ApiError {
    if uri.path().starts_with("/v1/") || uri.path() == "/v1" {
        app.lock().stats.api_calls += 1;
    }
    missing_resource("not_found", format!("Nothing at {}.", uri.path()))
}
