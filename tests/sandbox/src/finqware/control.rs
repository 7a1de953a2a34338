//! `/_sandbox/…`: the control contract every sandbox keeps (clock, advance, oracle, request log,
//! faults) plus counters and consents, and the request recorder. No authentication (the
//! listener is loopback only); bodies and answers are plain JSON.

use std::collections::HashMap;

use axum::body::{Body, Bytes};
use axum::extract::{RawQuery, Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;

use super::api::App;
use super::catalogue::BANKS;
use super::state::{iso_z, Shared};
use super::{AdvanceSummary, FinqwareFault};
use crate::clock::{ClockCommand, ClockReading};
use crate::oracle::RecordedRequest;

pub(crate) fn routes() -> Router<App> {
    Router::new()
        .route("/_sandbox", get(help))
        .route("/_sandbox/clock", get(read_clock).post(set_clock))
        .route("/_sandbox/advance", post(advance_http))
        .route("/_sandbox/oracle/ledger", get(oracle_ledger))
        .route("/_sandbox/oracle/accounts", get(oracle_accounts))
        .route("/_sandbox/requests", get(requests).delete(clear_requests))
        .route(
            "/_sandbox/faults",
            get(list_faults).post(add_faults).delete(clear_faults),
        )
        .route("/_sandbox/stats", get(stats))
        .route("/_sandbox/consents", get(consents))
}

fn refuse(message: impl Into<String>) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Json(json!({ "ok": false, "error": message.into() })),
    )
        .into_response()
}

fn done() -> Response {
    Json(json!({ "ok": true })).into_response()
}

fn days_text(d: std::time::Duration) -> String {
    let minutes = d.as_secs() / 60;
    if minutes >= 1440 && minutes.is_multiple_of(1440) {
        format!("{} days ({minutes} min)", minutes / 1440)
    } else {
        format!("{minutes} min")
    }
}

pub(crate) fn describe(shared: &Shared) -> String {
    let c = &shared.config;
    let origin = &shared.origin;
    let mut lines = vec![
        "Finqware API v1 sandbox (stands in for https://api.finqware.com/v1)".to_owned(),
        format!("  API base            {origin}/v1   (every call: POST, Content-Type: application/json, credentials in the body)"),
        format!("  client_id           {}", c.client_id),
        format!("  client_secret       {}", c.client_secret),
        format!("  client_app_key      {}", c.client_app_key),
        format!("  tenant app name     {}", c.tenant_name),
        format!("  nonce lifetime      {}; temp_token {} (single use)", days_text(c.nonce_ttl), days_text(c.temp_token_ttl)),
        format!("  consent_duration    {}; cache_max_data_retention {}", days_text(c.consent_duration), days_text(c.cache_max_data_retention)),
        format!("  sca_implicit        {}", if c.allow_sca_implicit { "offered (headless: the step answers a temp_token)" } else { "refused" }),
        format!("  clock               {} (started {}); history {} days before the start, seed {}", iso_z(shared.now()), iso_z(shared.started), c.history_days, c.seed),
        "  skills (bank, calendar, accounts):".to_owned(),
    ];
    for bank in &BANKS {
        let registered = c.skills.iter().any(|s| s == bank.skill);
        let accounts: Vec<String> = bank
            .accounts
            .iter()
            .map(|a| format!("{} {}", a.currency, a.kind.account_type()))
            .collect();
        lines.push(format!(
            "    {:<24} {} ({}, {}){}: {}",
            bank.skill,
            bank.servicer,
            bank.country,
            bank.zone.name(),
            if registered { "" } else { " [not registered]" },
            accounts.join(", ")
        ));
    }
    lines.extend([
        String::new(),
        "Endpoints: /sessions, /sessions/{id}/steps (step sca | sca_implicit), /tokens, /accounts/get,".to_owned(),
        "  /balances/get, /transactions/get, /consents/get, /consents/delete, /catalogs/get (an assumed shape).".to_owned(),
        "  The sca step's data.url is the bank's consent page (Approve / Deny); it redirects via".to_owned(),
        format!("  {origin}/v1/tpp/redirect to psu_redirect_link?temp_token=… (or ?error=access_denied&error_description=…)."),
        String::new(),
        "Control surface (no auth, loopback only):".to_owned(),
        format!("  GET|POST {origin}/_sandbox/clock        {{\"advance_secs\":700}} | {{\"advance_days\":1}} | {{\"set\":\"2026-03-29T00:30:00Z\"}}"),
        format!("  POST     {origin}/_sandbox/advance      {{\"days\":1}}  the banks live N more days"),
        format!("  GET      {origin}/_sandbox/oracle/ledger   and /_sandbox/oracle/accounts   (?skill=… to narrow)"),
        format!("  GET      {origin}/_sandbox/requests     (DELETE to empty)   also /_sandbox/stats, /_sandbox/consents"),
        format!("  POST     {origin}/_sandbox/faults       one fault or an array, e.g."),
        r#"             {"kind":"rate_limit","requests":2}  {"kind":"connection_error","requests":1}"#.to_owned(),
        r#"             {"kind":"server_error","requests":1}  {"kind":"html_error_page","requests":1,"status":502}"#.to_owned(),
        r#"             {"kind":"malformed_json","requests":1}  {"kind":"float_amount","requests":1}"#.to_owned(),
        r#"             {"kind":"missing_field","field":"utx_id","requests":1}  {"kind":"expire_consents"}"#.to_owned(),
        r#"  hostile (opt-in): {"kind":"stall","requests":1,"secs":600}  {"kind":"huge_body","requests":1,"bytes":104857600}"#.to_owned(),
        r#"             {"kind":"endless_body","requests":1}  {"kind":"far_future_date","requests":1}  {"kind":"huge_amount","requests":1}"#.to_owned(),
        format!("  DELETE   {origin}/_sandbox/faults"),
        String::new(),
        "Try it:".to_owned(),
        format!("  curl -s {origin}/v1/sessions -H 'Content-Type: application/json' \\"),
        format!(
            r#"    -d '{{"client_id":"{}","client_app_key":"{}","skill":"bt_ro_aisp_sbx_#2.0","tenant_user_id":"me"}}'"#,
            c.client_id, c.client_app_key
        ),
    ]);
    lines.join("\n")
}

/// Moves the clock `days` × 24 h and reports what changed at the banks.
pub(crate) fn advance(shared: &Shared, days: u32) -> AdvanceSummary {
    let before = shared.now();
    shared
        .config
        .clock
        .advance(chrono::Duration::days(i64::from(days)));
    let after = shared.now();
    let changes = shared.lock().changes(shared, before, after);
    AdvanceSummary {
        days,
        now: after,
        changes,
    }
}

async fn help(State(app): State<App>) -> String {
    describe(&app)
}

async fn read_clock(State(app): State<App>) -> Json<ClockReading> {
    Json(ClockReading {
        now: app.config.clock.now(),
    })
}

async fn set_clock(State(app): State<App>, body: Bytes) -> Response {
    match serde_json::from_slice::<ClockCommand>(&body) {
        Ok(command) => Json(ClockReading {
            now: app.config.clock.apply(&command),
        })
        .into_response(),
        Err(e) => refuse(format!(
            "expected {{\"set\":…}}, {{\"advance_secs\":…}} or {{\"advance_days\":…}}: {e}"
        )),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AdvanceBody {
    days: u32,
}

async fn advance_http(State(app): State<App>, body: Bytes) -> Response {
    match serde_json::from_slice::<AdvanceBody>(&body) {
        Ok(request) => Json(advance(&app, request.days)).into_response(),
        Err(e) => refuse(format!("expected {{\"days\": N}} with N ≥ 0: {e}")),
    }
}

fn skill_param(query: Option<String>) -> Option<String> {
    let params: HashMap<String, String> =
        url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
            .into_owned()
            .collect();
    params.get("skill").cloned()
}

async fn oracle_ledger(State(app): State<App>, RawQuery(query): RawQuery) -> Response {
    let skill = skill_param(query);
    let now = app.now();
    Json(app.lock().oracle_rows(&app, skill.as_deref(), now)).into_response()
}

async fn oracle_accounts(State(app): State<App>, RawQuery(query): RawQuery) -> Response {
    let skill = skill_param(query);
    let now = app.now();
    Json(app.lock().oracle_accounts(&app, skill.as_deref(), now)).into_response()
}

async fn requests(State(app): State<App>) -> Response {
    Json(app.lock().requests.clone()).into_response()
}

async fn clear_requests(State(app): State<App>) -> Response {
    app.lock().requests.clear();
    done()
}

async fn list_faults(State(app): State<App>) -> Response {
    Json(app.lock().faults.clone()).into_response()
}

#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    Many(Vec<FinqwareFault>),
    One(FinqwareFault),
}

async fn add_faults(State(app): State<App>, body: Bytes) -> Response {
    let faults = match serde_json::from_slice::<OneOrMany>(&body) {
        Ok(OneOrMany::Many(faults)) => faults,
        Ok(OneOrMany::One(fault)) => vec![fault],
        Err(e) => return refuse(format!("not a fault (see GET /_sandbox): {e}")),
    };
    let now = app.now();
    let mut inner = app.lock();
    for fault in faults {
        inner.inject(fault, now);
    }
    done()
}

async fn clear_faults(State(app): State<App>) -> Response {
    app.lock().faults.clear();
    done()
}

async fn stats(State(app): State<App>) -> Response {
    Json(app.lock().stats).into_response()
}

async fn consents(State(app): State<App>) -> Response {
    let now = app.now();
    Json(app.lock().consent_rows(now)).into_response()
}

/// Bodies above this are refused before any handler sees them.
const BODY_LIMIT: usize = 16 * 1024 * 1024;
/// How much of a body the log keeps.
const LOGGED_BODY: usize = 64 * 1024;

/// Middleware: records every request outside `/_sandbox/` with the status it got.
pub(crate) async fn record(State(app): State<App>, request: Request, next: Next) -> Response {
    if request.uri().path().starts_with("/_sandbox") {
        return next.run(request).await;
    }
    let at = app.config.clock.now();
    let (parts, body) = request.into_parts();
    let bytes = match axum::body::to_bytes(body, BODY_LIMIT).await {
        Ok(bytes) => bytes,
        Err(_) => {
            return super::api::invalid("invalid_body", "The body is too large.").into_response()
        }
    };
    let method = parts.method.to_string();
    let target = parts
        .uri
        .path_and_query()
        .map_or_else(|| parts.uri.path().to_owned(), |pq| pq.as_str().to_owned());
    let headers: Vec<(String, String)> = parts
        .headers
        .iter()
        .map(|(name, value)| {
            (
                name.as_str().to_ascii_lowercase(),
                String::from_utf8_lossy(value.as_bytes()).into_owned(),
            )
        })
        .collect();
    let logged = String::from_utf8_lossy(
        bytes
            .get(..bytes.len().min(LOGGED_BODY))
            .unwrap_or_default(),
    )
    .into_owned();
    let response = next
        .run(Request::from_parts(parts, Body::from(bytes)))
        .await;
    let mut inner = app.lock();
    let seq = u64::try_from(inner.requests.len())
        .unwrap_or(u64::MAX)
        .saturating_add(1);
    inner.requests.push(RecordedRequest {
        seq,
        at,
        method,
        target,
        headers,
        body: logged,
        status: response.status().as_u16(),
    });
    response
}
