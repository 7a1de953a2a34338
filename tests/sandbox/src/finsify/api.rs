//! The `/v2` wire: routing, header rules, envelopes and the data endpoints.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put};
use axum::{Json, Router};
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use serde_json::{json, Map, Value};

use super::catalogue;
use super::connect;
use super::control;
use super::money::{float_noise, format_minor};
use super::state::{uuid_v4, FaultSite, Inner, Login, Shared, Token, ZONE};
use super::FinsifyFault;

pub(crate) type App = Arc<Shared>;

pub(crate) fn router(shared: App) -> Router {
    Router::new()
        .route("/v2/customer", post(create_customer))
        .route("/v2/token", post(create_token))
        .route("/v2/token/reconnect", post(reconnect_token))
        .route("/v2/account", get(accounts))
        .route("/v2/transaction", get(transactions))
        .route("/v2/login/refresh", put(refresh))
        .route("/v2/login/activate", put(activate))
        .route("/v2/login/deactivate", put(deactivate))
        .route("/v2/login", delete(delete_login))
        .route(
            "/v2/connect/term/{id}",
            get(connect::page).post(connect::submit),
        )
        .route("/service.json", get(service_catalogue))
        .merge(control::routes())
        .merge(crate::contract::routes::<Shared>())
        .fallback(not_found)
        .method_not_allowed_fallback(wrong_method)
        .layer(axum::middleware::from_fn_with_state(
            shared.log.clone(),
            crate::contract::record,
        ))
        .with_state(shared)
}

// ---------------------------------------------------------------------------------------------
// Envelopes

/// A failure on the wire: `{"error": name, "message": …, "extra": {…}}`.
#[derive(Debug)]
pub(crate) struct ApiError {
    status: StatusCode,
    name: &'static str,
    message: String,
    extra: Value,
}

impl ApiError {
    fn new(status: StatusCode, name: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            name,
            message: message.into(),
            extra: json!({}),
        }
    }

    fn with(mut self, extra: Value) -> Self {
        self.extra = extra;
        self
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = json!({ "error": self.name, "message": self.message, "extra": self.extra });
        (self.status, Json(body)).into_response()
    }
}

fn bad_request(message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "BadRequest", message)
}

fn credential_invalid(message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "CredentialInvalid", message)
}

fn content_input_invalid(message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "ContentInputInvalid", message)
}

fn data_invalid(field: &str, message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "DataInvalid", message).with(json!({ "field": field }))
}

fn login_not_found(secret: &str) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "LoginNotFound",
        format!("No login has the login secret '{secret}'."),
    )
    .with(json!({ "loginSecret": secret }))
}

/// [inference] The documentation has no error for a login the bank refuses; the sandbox answers
/// 400 `LoginInvalid` and names the webhook status in `extra.status`.
fn login_invalid(login: &Login) -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        "LoginInvalid",
        format!(
            "Login {} cannot reach its bank ({}); reconnect it with POST /token/reconnect.",
            login.id, login.status
        ),
    )
    .with(json!({ "login_id": login.id, "status": login.status }))
}

fn ok(data: Value) -> Response {
    Json(json!({ "data": data, "version": "v2" })).into_response()
}

/// activate/deactivate: the documentation's examples carry no `version`.
fn ok_unversioned(data: Value) -> Response {
    Json(json!({ "data": data })).into_response()
}

pub(crate) fn iso_millis(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

// ---------------------------------------------------------------------------------------------
// Request checks

fn header_value<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    // A header that is not visible ASCII is present but cannot match anything.
    headers.get(name).map(|v| v.to_str().unwrap_or("\u{fffd}"))
}

/// Counts the call, fires any "whole server" fault, then checks the client credentials.
fn begin(app: &App, headers: &HeaderMap) -> Result<(), ApiError> {
    {
        let mut inner = app.lock();
        inner.stats.api_calls += 1;
        match inner.take_fault(FaultSite::AnyCall) {
            Some(FinsifyFault::ServerError { .. }) => {
                return Err(ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "InternalError",
                    "The server crashed while handling the request; try again.",
                ));
            }
            Some(FinsifyFault::Maintenance { .. }) => {
                return Err(ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "ServerMaintenance",
                    "Finsify Hub is down for maintenance; try again later.",
                ));
            }
            _ => {}
        }
    }
    authenticate(app, headers)
}

/// `Client-Id` plus exactly one of `Service-secret` / `App-secret`.
fn authenticate(app: &App, headers: &HeaderMap) -> Result<(), ApiError> {
    let config = &app.config;
    let Some(client_id) = header_value(headers, "client-id") else {
        return Err(credential_invalid("The Client-Id header is missing.")
            .with(json!({ "header": "Client-Id" })));
    };
    let service = header_value(headers, "service-secret");
    let mobile = header_value(headers, "app-secret");
    let matches = match (service, mobile) {
        (Some(_), Some(_)) => {
            return Err(credential_invalid(
                "Send Service-secret or App-secret, not both in one request.",
            )
            .with(json!({ "headers": ["Service-secret", "App-secret"] })));
        }
        (None, None) => {
            return Err(credential_invalid(
                "A Service-secret (web) or App-secret (mobile) header is required.",
            )
            .with(json!({ "headers": ["Service-secret", "App-secret"] })));
        }
        (Some(secret), None) => secret == config.service_secret,
        (None, Some(secret)) => secret == config.app_secret,
    };
    if client_id != config.client_id {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "ClientNotFound",
            format!("There is no client with id '{client_id}'."),
        )
        .with(json!({ "clientId": client_id })));
    }
    if !matches {
        let header = if service.is_some() {
            "Service-secret"
        } else {
            "App-secret"
        };
        return Err(
            credential_invalid(format!("The {header} does not belong to this client."))
                .with(json!({ "header": header })),
        );
    }
    Ok(())
}

fn check_content_type(headers: &HeaderMap) -> Result<(), ApiError> {
    let Some(value) = header_value(headers, "content-type") else {
        return Ok(());
    };
    let media = value.split(';').next().unwrap_or("").trim();
    if media.eq_ignore_ascii_case("application/json") {
        Ok(())
    } else {
        Err(content_input_invalid(format!(
            "Only application/json bodies are accepted, not '{media}'."
        )))
    }
}

/// The JSON object body of a POST/DELETE.
fn json_object(headers: &HeaderMap, body: &Bytes) -> Result<Map<String, Value>, ApiError> {
    check_content_type(headers)?;
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(content_input_invalid("This endpoint needs a JSON body."));
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(data_invalid("", "The body must be a JSON object.")),
        Err(e) => Err(content_input_invalid(format!(
            "The body is not valid JSON: {e}"
        ))),
    }
}

/// Bodiless calls: nothing, or something that is at least JSON.
fn no_body(headers: &HeaderMap, body: &Bytes) -> Result<(), ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(());
    }
    check_content_type(headers)?;
    serde_json::from_slice::<Value>(body)
        .map(|_| ())
        .map_err(|e| content_input_invalid(format!("The body is not valid JSON: {e}")))
}

fn string_field(map: &Map<String, Value>, field: &str) -> Result<String, ApiError> {
    match map.get(field) {
        Some(Value::String(s)) if !s.trim().is_empty() => Ok(s.clone()),
        Some(_) => Err(data_invalid(
            field,
            format!("'{field}' must be a non-empty string."),
        )),
        None => Err(data_invalid(field, format!("'{field}' is required."))),
    }
}

fn int_field(map: &Map<String, Value>, field: &str) -> Result<i64, ApiError> {
    match map.get(field) {
        Some(value) => value
            .as_i64()
            .ok_or_else(|| data_invalid(field, format!("'{field}' must be an integer."))),
        None => Err(data_invalid(field, format!("'{field}' is required."))),
    }
}

/// An absolute URL usable verbatim in a `Location` header (any scheme: `coffer://…` is fine).
fn callback_field(map: &Map<String, Value>) -> Result<String, ApiError> {
    let url = string_field(map, "callback_url")?;
    let usable = url::Url::parse(&url).is_ok() && url.bytes().all(|b| b.is_ascii_graphic());
    if usable {
        Ok(url)
    } else {
        Err(data_invalid(
            "callback_url",
            "'callback_url' must be an absolute URL without spaces or non-ASCII characters.",
        ))
    }
}

/// [inference] The documentation does not say what a missing `Login-secret` gives.
fn login_secret(headers: &HeaderMap) -> Result<String, ApiError> {
    header_value(headers, "login-secret")
        .map(str::to_owned)
        .ok_or_else(|| {
            bad_request("The Login-secret header is required for this call.")
                .with(json!({ "header": "Login-secret" }))
        })
}

fn live_login<'a>(inner: &'a Inner, secret: &str) -> Result<&'a Login, ApiError> {
    inner
        .login_by_secret(secret)
        .ok_or_else(|| login_not_found(secret))
}

// ---------------------------------------------------------------------------------------------
// Customer and tokens

async fn create_customer(
    State(app): State<App>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    begin(&app, &headers)?;
    let map = json_object(&headers, &body)?;
    let identifier = string_field(&map, "identifier")?;
    let mut inner = app.lock();
    if inner.identifiers.contains_key(&identifier) {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "CustomerExists",
            format!("Customer \"{identifier}\" already exists."),
        )
        .with(json!({ "identifier": identifier })));
    }
    let customer_id = uuid_v4();
    inner
        .identifiers
        .insert(identifier.clone(), customer_id.clone());
    inner.customers.insert(customer_id.clone());
    inner.stats.customers_created += 1;
    Ok(ok(
        json!({ "customer_id": customer_id, "identifier": identifier }),
    ))
}

fn issue_token(
    app: &App,
    inner: &mut Inner,
    customer_id: String,
    service_id: i64,
    callback_url: String,
    reconnect: Option<i64>,
) -> Response {
    let id = uuid_v4();
    inner.issue(&id);
    inner.tokens.insert(
        id.clone(),
        Token {
            customer_id,
            service_id,
            callback_url,
            created: app.now(),
            spent: false,
            reconnect,
        },
    );
    let connect_url = format!("{}/connect/term/{id}", app.base());
    ok(json!({ "id": id, "connect_url": connect_url }))
}

async fn create_token(
    State(app): State<App>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    begin(&app, &headers)?;
    let map = json_object(&headers, &body)?;
    let customer_id = string_field(&map, "customer_id")?;
    let service_id = int_field(&map, "service_id")?;
    let callback_url = callback_field(&map)?;
    let mut inner = app.lock();
    if !inner.customers.contains(&customer_id) {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "CustomerNotFound",
            format!("There is no customer '{customer_id}'."),
        )
        .with(json!({ "customer_id": customer_id })));
    }
    if catalogue::find(service_id).is_none() {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "ServiceNotFound",
            format!("Service {service_id} is not offered."),
        )
        .with(json!({ "service_id": service_id })));
    }
    inner.stats.tokens_created += 1;
    Ok(issue_token(
        &app,
        &mut inner,
        customer_id,
        service_id,
        callback_url,
        None,
    ))
}

async fn reconnect_token(
    State(app): State<App>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    begin(&app, &headers)?;
    let secret = login_secret(&headers)?;
    let map = json_object(&headers, &body)?;
    let callback_url = callback_field(&map)?;
    let mut inner = app.lock();
    let login = live_login(&inner, &secret)?;
    let (customer_id, service_id, login_id) =
        (login.customer_id.clone(), login.service_id, login.id);
    inner.stats.reconnects += 1;
    Ok(issue_token(
        &app,
        &mut inner,
        customer_id,
        service_id,
        callback_url,
        Some(login_id),
    ))
}

// ---------------------------------------------------------------------------------------------
// Data

/// Serialises a success body and applies any queued payload fault.
fn render_data(inner: &mut Inner, mut body: Value, transaction_rows: bool) -> Response {
    let mut float_amount: Option<String> = None;
    if transaction_rows {
        let first = body
            .get_mut("data")
            .and_then(Value::as_array_mut)
            .and_then(|rows| rows.first_mut())
            .and_then(Value::as_object_mut);
        if let Some(first) = first {
            match inner.take_fault(FaultSite::TransactionRows) {
                Some(FinsifyFault::MissingField { field, .. }) => {
                    first.remove(&field);
                }
                Some(FinsifyFault::FloatAmount { .. }) => {
                    float_amount = first
                        .get("amount")
                        .and_then(Value::as_str)
                        .map(str::to_owned);
                }
                Some(FinsifyFault::FarFutureDate { .. }) => {
                    first.insert("date".into(), Value::from("+10000-01-01"));
                }
                Some(FinsifyFault::HugeAmount { .. }) => {
                    first.insert("amount".into(), Value::from(crate::hostile::NEAR_I64_MAX));
                }
                _ => {}
            }
        }
    }
    let mut text = body.to_string();
    if let Some(exact) = float_amount {
        // The first `"amount":"…"` key in the compact text is the first row's.
        let quoted = Value::String(exact.clone()).to_string();
        text = text.replacen(
            &format!("\"amount\":{quoted}"),
            &format!("\"amount\":{}", float_noise(&exact)),
            1,
        );
    }
    if let Some(FinsifyFault::MalformedJson { .. }) = inner.take_fault(FaultSite::DataCall) {
        let mut cut = text.len() / 2;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
    }
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json")],
        text,
    )
        .into_response()
}

async fn accounts(
    State(app): State<App>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    begin(&app, &headers)?;
    no_body(&headers, &body)?;
    let secret = login_secret(&headers)?;
    let mut inner = app.lock();
    let login = live_login(&inner, &secret)?;
    if login.failed() {
        return Err(login_invalid(login));
    }
    let login_id = login.id;
    let rows: Vec<Value> = inner
        .accounts
        .values()
        .filter(|a| a.login_id == login_id)
        .map(|a| {
            json!({
                "id": a.id,
                "original_id": a.original_id,
                "login_id": a.login_id,
                "name": a.name,
                "balance": format_minor(inner.balance(a.id)),
                "currency": a.currency,
                "type": a.kind.wire(),
            })
        })
        .collect();
    Ok(render_data(
        &mut inner,
        json!({ "data": rows, "version": "v2" }),
        false,
    ))
}

/// A `YYYY-MM-DD` query date; present but empty or malformed is refused.
fn parse_date(query: &HashMap<String, String>, field: &str) -> Result<Option<NaiveDate>, ApiError> {
    query
        .get(field)
        .map(|v| {
            NaiveDate::parse_from_str(v, "%Y-%m-%d")
                .ok()
                .filter(|_| v.len() == 10)
                .ok_or_else(|| {
                    data_invalid(
                        field,
                        format!("'{field}' must be a YYYY-MM-DD date, not '{v}'."),
                    )
                })
        })
        .transpose()
}

/// The category a row carries on the wire on `today`: Finsify categorises a row the day after
/// it first scraped it.
fn wire_category(row: &super::ledger::Row, today: NaiveDate) -> &'static str {
    if row.seen_on >= today {
        "uncategorized"
    } else {
        row.category
    }
}

/// The inclusive date range a `/transaction` call asks for, checked (see the module docs).
fn transaction_range(
    app: &App,
    params: &HashMap<String, String>,
) -> Result<(Option<NaiveDate>, NaiveDate), ApiError> {
    let today = app.today();
    let from = parse_date(params, "from_date")?;
    // The parameter table says `end_date`, the examples `to_date`: both work, `to_date` wins.
    let (to_field, to) = match parse_date(params, "to_date")? {
        Some(date) => ("to_date", Some(date)),
        None => ("end_date", parse_date(params, "end_date")?),
    };
    // Money Lover's undocumented incremental fetch.
    let since = match params.get("timestamp") {
        Some(ms) => {
            let instant = ms
                .parse::<i64>()
                .ok()
                .and_then(DateTime::from_timestamp_millis)
                .ok_or_else(|| {
                    data_invalid("timestamp", "'timestamp' must be epoch milliseconds.")
                })?;
            Some(instant.with_timezone(&ZONE).date_naive())
        }
        None => None,
    };
    let to = match to {
        Some(date) if date > today => {
            return Err(data_invalid(
                to_field,
                format!("'{to_field}' {date} is after today ({today}, Asia/Ho_Chi_Minh)."),
            ))
        }
        Some(date) => date,
        None => today,
    };
    let max_span = app.config.max_span_days.map(i64::from);
    let from = match (from, since) {
        (Some(f), Some(s)) => Some(f.max(s)),
        (Some(f), None) => Some(f),
        (None, Some(s)) => Some(s),
        // [inference] No lower bound: the longest span allowed, ending on `to`.
        (None, None) => max_span.map(|days| to - chrono::Duration::days(days - 1)),
    };
    let from_field = if params.contains_key("from_date") {
        "from_date"
    } else {
        "timestamp"
    };
    if let Some(from) = from {
        if from > to {
            return Err(data_invalid(
                from_field,
                format!("'{from_field}' {from} is after '{to_field}' {to}."),
            ));
        }
        if let Some(days) = max_span {
            let asked = (to - from).num_days() + 1;
            if asked > days {
                return Err(ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "DataInvalid",
                    format!(
                        "The range {from} to {to} spans {asked} days; at most {days} days per request."
                    ),
                )
                .with(json!({ "field": from_field, "max_days": days })));
            }
        }
    }
    Ok((from, to))
}

async fn transactions(
    State(app): State<App>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Result<Response, ApiError> {
    begin(&app, &headers)?;
    no_body(&headers, &body)?;
    let secret = login_secret(&headers)?;
    let mut params: HashMap<String, String> = HashMap::new();
    for (key, value) in url::form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
        params
            .entry(key.into_owned())
            .or_insert_with(|| value.into_owned());
    }
    // A hostile fault, taken before the rows are read; a stall holds no lock while it waits.
    let hostile = app.lock().take_fault(FaultSite::TransactionCall);
    if let Some(FinsifyFault::Stall { secs, .. }) = hostile {
        crate::hostile::stall(secs).await;
    }
    let account_id = params
        .get("account_id")
        .ok_or_else(|| data_invalid("account_id", "'account_id' is required."))?
        .parse::<i64>()
        .map_err(|_| data_invalid("account_id", "'account_id' must be an integer."))?;
    let (from, to) = transaction_range(&app, &params)?;
    let today = app.today();

    let mut inner = app.lock();
    let login = live_login(&inner, &secret)?;
    if login.failed() {
        return Err(login_invalid(login));
    }
    let login_id = login.id;
    let Some(account) = inner
        .accounts
        .get(&account_id)
        .filter(|a| a.login_id == login_id)
    else {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "AccountNotFound",
            format!("Account {account_id} does not belong to this login."),
        )
        .with(json!({ "account_id": account_id })));
    };
    let currency = account.currency.clone();
    let mut selected: Vec<&super::ledger::Row> = inner
        .rows_of(account_id)
        .filter(|t| from.is_none_or(|d| t.date >= d))
        .filter(|t| t.date <= to)
        .collect();
    selected.sort_by_key(|t| std::cmp::Reverse((t.date, t.id)));
    let rows: Vec<Value> = selected
        .iter()
        .map(|t| {
            json!({
                "id": t.id,
                "original_id": t.original_id,
                "date": t.date.format("%Y-%m-%d").to_string(),
                "amount": format_minor(t.amount_minor),
                "currency": currency,
                "description": t.description,
                "category": wire_category(t, today),
                "meta": t.meta,
            })
        })
        .collect();
    let body = json!({ "data": rows, "version": "v2" });
    Ok(match hostile {
        Some(FinsifyFault::HugeBody { bytes, .. }) => crate::hostile::flood_response(
            "application/json",
            crate::hostile::Flood::padded(&body.to_string(), bytes),
        ),
        Some(FinsifyFault::EndlessBody { .. }) => crate::hostile::flood_response(
            "application/json",
            crate::hostile::Flood::endless(b"{\"data\":["),
        ),
        Some(FinsifyFault::HtmlInOk { .. }) => crate::hostile::html_in_ok(),
        _ => render_data(&mut inner, body, true),
    })
}

// ---------------------------------------------------------------------------------------------
// Login maintenance

async fn refresh(
    State(app): State<App>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    begin(&app, &headers)?;
    no_body(&headers, &body)?;
    let secret = login_secret(&headers)?;
    let throttle = chrono::Duration::from_std(app.config.refresh_throttle)
        .unwrap_or_else(|_| chrono::Duration::days(365));
    let mut inner = app.lock();
    let login = live_login(&inner, &secret)?;
    if login.failed() {
        return Err(login_invalid(login));
    }
    if !login.active {
        // [inference] auto-sync is off, so the aggregator refuses to scrape.
        return Err(bad_request(format!(
            "Login {} is deactivated; activate it before refreshing.",
            login.id
        ))
        .with(json!({ "login_id": login.id, "active": false })));
    }
    let now = app.now();
    if let Some(last) = login.last_refresh {
        let next = last + throttle;
        if now < next {
            return Err(bad_request(format!(
                "Login {} was refreshed recently; the next refresh is possible at {}.",
                login.id,
                iso_millis(next)
            ))
            .with(json!({ "login_id": login.id, "next_refresh_possible_at": iso_millis(next) })));
        }
    }
    let login_id = login.id;
    if let Some(login) = inner.login_by_secret_mut(&secret) {
        login.last_refresh = Some(now);
    }
    inner.stats.refreshes += 1;
    Ok(ok(json!({
        "id": login_id,
        "refreshed": true,
        "last_refresh_at": iso_millis(now),
        "next_refresh_possible_at": iso_millis(now + throttle),
    })))
}

fn set_active(app: &App, headers: &HeaderMap, body: &Bytes, active: bool) -> Result<i64, ApiError> {
    begin(app, headers)?;
    no_body(headers, body)?;
    let secret = login_secret(headers)?;
    let mut inner = app.lock();
    let login = inner
        .login_by_secret_mut(&secret)
        .ok_or_else(|| login_not_found(&secret))?;
    login.active = active;
    let id = login.id;
    if !active {
        inner.stats.deactivations += 1;
    }
    Ok(id)
}

async fn activate(
    State(app): State<App>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let id = set_active(&app, &headers, &body, true)?;
    Ok(ok_unversioned(json!({ "id": id, "activate": true })))
}

async fn deactivate(
    State(app): State<App>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let id = set_active(&app, &headers, &body, false)?;
    Ok(ok_unversioned(json!({ "id": id, "deActivate": true })))
}

/// Undocumented; Money Lover sends `DELETE /login {customer_id}` with the login's secret.
async fn delete_login(
    State(app): State<App>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    begin(&app, &headers)?;
    let secret = login_secret(&headers)?;
    let map = json_object(&headers, &body)?;
    let customer_id = string_field(&map, "customer_id")?;
    let mut inner = app.lock();
    let login = live_login(&inner, &secret)?;
    if login.customer_id != customer_id {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "CustomerNotFound",
            format!("Customer '{customer_id}' does not own this login."),
        )
        .with(json!({ "customer_id": customer_id })));
    }
    let id = login.id;
    inner.delete_login(id);
    Ok(ok(json!({ "id": id, "deleted": true })))
}

// ---------------------------------------------------------------------------------------------
// Catalogue and fallbacks

async fn service_catalogue(State(app): State<App>) -> Response {
    hold_catalogue(&app).await;
    let midnight = app.today().and_time(chrono::NaiveTime::MIN);
    let last_update = ZONE.from_local_datetime(&midnight).single().map_or_else(
        || midnight.and_utc().timestamp() - 7 * 3600,
        |t| t.timestamp(),
    );
    Json(catalogue::document(last_update)).into_response()
}

/// In the delayed-catalogue mode, waits for the next release (no timer: only a release from the
/// control surface or the handle lets the answer out).
async fn hold_catalogue(app: &App) {
    let gate = &app.catalogue;
    if !*gate.delayed.borrow() {
        return;
    }
    let mut releases = gate.releases.subscribe();
    let seen = *releases.borrow_and_update();
    let _waiting = Waiting::count(&gate.waiting);
    // An error means the sender is gone, i.e. the sandbox is being dropped: answer anyway.
    let _ = releases.wait_for(|r| *r > seen).await;
}

/// Counts a held catalogue request for as long as it waits, even if its client goes away.
struct Waiting<'a>(&'a tokio::sync::watch::Sender<usize>);

impl<'a> Waiting<'a> {
    fn count(waiting: &'a tokio::sync::watch::Sender<usize>) -> Self {
        waiting.send_modify(|n| *n += 1);
        Self(waiting)
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.send_modify(|n| *n = n.saturating_sub(1));
    }
}

fn count_if_api(app: &App, uri: &Uri) {
    if uri.path() == "/v2" || uri.path().starts_with("/v2/") {
        app.lock().stats.api_calls += 1;
    }
}

async fn not_found(State(app): State<App>, uri: Uri) -> ApiError {
    count_if_api(&app, &uri);
    ApiError::new(
        StatusCode::NOT_FOUND,
        "NotFound",
        format!("There is nothing at {}.", uri.path()),
    )
    .with(json!({ "path": uri.path() }))
}

async fn wrong_method(State(app): State<App>, method: Method, uri: Uri) -> ApiError {
    count_if_api(&app, &uri);
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "BadRequest",
        format!("{method} is not allowed on {}.", uri.path()),
    )
    .with(json!({ "method": method.as_str(), "path": uri.path() }))
}
