//! `/_sandbox/…`: Finsify's own control routes (faults, login statuses, test rows, the delayed
//! catalogue, counters) beside the shared contract routes of [`crate::contract`]. No
//! authentication (the listener is loopback only); bodies and answers are plain JSON.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::NaiveDate;
use serde::Deserialize;
use serde_json::json;

use super::api::App;
use super::state::Shared;
use super::FinsifyFault;

pub(crate) fn routes() -> Router<App> {
    Router::new()
        .route("/_sandbox", get(help))
        .route(
            "/_sandbox/faults",
            get(list_faults).post(add_faults).delete(clear_faults),
        )
        .route("/_sandbox/login-status", post(login_status))
        .route("/_sandbox/ledger", get(ledger).post(add_row))
        .route("/_sandbox/logins", get(logins))
        .route("/_sandbox/stats", get(stats))
        .route("/_sandbox/issued-secrets", get(issued))
        .route("/_sandbox/catalogue", get(catalogue_state))
        .route("/_sandbox/catalogue/delay", post(catalogue_delay))
        .route("/_sandbox/catalogue/release", post(catalogue_release))
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

fn duration_text(duration: std::time::Duration) -> String {
    let secs = duration.as_secs();
    if secs >= 60 && secs.is_multiple_of(60) {
        format!("{} min", secs / 60)
    } else if secs > 0 {
        format!("{secs} s")
    } else {
        format!("{} ms", duration.as_millis())
    }
}

pub(crate) fn describe(shared: &Shared, origin: &str) -> String {
    let c = &shared.config;
    let (client, service, app) = (&c.client_id, &c.service_secret, &c.app_secret);
    let ttl = duration_text(c.connect_ttl);
    let throttle = duration_text(c.refresh_throttle);
    let today = shared.today();
    let seed = c.seed;
    let span = c.max_span_days.map_or_else(
        || "no limit".to_owned(),
        |d| format!("at most {d} days per request"),
    );
    let history = super::ledger::HISTORY_DAYS;
    let lines = [
        "Finsify Hub API v2 sandbox".to_owned(),
        format!("  API base           {origin}/v2"),
        format!("  service catalogue  {origin}/service.json (stands in for https://assets.finsify.com/service.json){}", if *shared.catalogue.delayed.borrow() { "; answers held until released" } else { "" }),
        format!("  Client-Id          {client}"),
        format!("  Service-secret     {service}   (web/backend; send exactly one of the two secrets)"),
        format!("  App-secret         {app}   (mobile)"),
        format!("  connect tokens     single use, valid {ttl}; the connect page accepts any username and password"),
        format!("  refresh throttle   {throttle}"),
        format!("  transactions       from_date..to_date (YYYY-MM-DD, to_date ≤ today {today} Asia/Ho_Chi_Minh), {span}"),
        format!("  seeded ledgers     {history} days ending on the day of linking, seed {seed}: each new login gets a VND current account and a VND credit card"),
        format!("  clock              {}", shared.now().to_rfc3339()),
        String::new(),
        "Control surface (no auth, loopback only):".to_owned(),
        format!(r#"  GET|POST {origin}/_sandbox/clock   {{"advance_secs":700}} | {{"advance_days":1}} | {{"set":"2025-03-31T05:00:00Z"}}"#),
        format!(r#"  POST   {origin}/_sandbox/advance   {{"days":3}}  every live login's bank lives 3 more days"#),
        format!("  GET    {origin}/_sandbox/oracle/ledger | /_sandbox/oracle/accounts   what the bank holds now"),
        format!("  GET|DELETE {origin}/_sandbox/requests   every request received"),
        format!("  GET    {origin}/_sandbox/ledger   (also /_sandbox/logins, /_sandbox/stats, /_sandbox/faults, /_sandbox/issued-secrets)"),
        format!("  POST   {origin}/_sandbox/faults   one fault or an array of them, e.g."),
        r#"           {"kind":"server_error","requests":2}   {"kind":"maintenance","requests":1}"#.to_owned(),
        r#"           {"kind":"malformed_json","requests":1}   {"kind":"float_amount","requests":1}"#.to_owned(),
        r#"           {"kind":"missing_field","field":"original_id","requests":1}   {"kind":"callback_broken_json","requests":1}"#.to_owned(),
        r#"  hostile (opt-in): {"kind":"stall","requests":1,"secs":600}  {"kind":"huge_body","requests":1,"bytes":104857600}"#.to_owned(),
        r#"           {"kind":"endless_body","requests":1}  {"kind":"html_in_ok","requests":1}  {"kind":"far_future_date","requests":1}  {"kind":"huge_amount","requests":1}"#.to_owned(),
        format!("  DELETE {origin}/_sandbox/faults"),
        format!(r#"  POST   {origin}/_sandbox/login-status   {{"login_id":<id>,"status":"login_wrong_credentials"}}"#),
        "           statuses: active, login_wrong_credentials, login_password_expired, login_account_locked".to_owned(),
        format!(r#"  POST   {origin}/_sandbox/ledger   {{"login_id":<id>,"account_id":<id>,"date":"{today}","amount":"-61299.00","#),
        r#"           "description":"GRAB*A-12345678","category":"auto_and_transport"}"#.to_owned(),
        format!(r#"  GET    {origin}/_sandbox/catalogue   {{"delayed":…,"waiting":…}}"#),
        format!(r#"  POST   {origin}/_sandbox/catalogue/delay   {{"delayed":true}}   hold service.json answers"#),
        format!("  POST   {origin}/_sandbox/catalogue/release   let every held answer go"),
        String::new(),
        "Try it:".to_owned(),
        format!("  curl -X POST {origin}/v2/customer -H 'Client-Id: {client}' -H 'Service-secret: {service}' \\"),
        r#"       -H 'Content-Type: application/json' -d '{"identifier":"me"}'"#.to_owned(),
    ];
    lines.join("\n")
}

async fn help(State(app): State<App>) -> String {
    describe(&app, &app.origin)
}

async fn list_faults(State(app): State<App>) -> Response {
    Json(app.lock().faults.clone()).into_response()
}

#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    Many(Vec<FinsifyFault>),
    One(FinsifyFault),
}

async fn add_faults(State(app): State<App>, body: Bytes) -> Response {
    let faults = match serde_json::from_slice::<OneOrMany>(&body) {
        Ok(OneOrMany::Many(faults)) => faults,
        Ok(OneOrMany::One(fault)) => vec![fault],
        Err(e) => return refuse(format!("not a fault (see GET /_sandbox): {e}")),
    };
    app.lock().faults.extend(faults);
    done()
}

async fn clear_faults(State(app): State<App>) -> Response {
    app.lock().faults.clear();
    done()
}

#[derive(Deserialize)]
struct LoginStatus {
    login_id: i64,
    status: String,
}

async fn login_status(State(app): State<App>, body: Bytes) -> Response {
    let request = match serde_json::from_slice::<LoginStatus>(&body) {
        Ok(request) => request,
        Err(e) => return refuse(format!("expected {{\"login_id\":…,\"status\":…}}: {e}")),
    };
    match app
        .lock()
        .set_login_status(request.login_id, &request.status)
    {
        Ok(()) => done(),
        Err(e) => refuse(e),
    }
}

async fn ledger(State(app): State<App>) -> Response {
    Json(app.lock().ledger()).into_response()
}

#[derive(Deserialize)]
struct NewRow {
    login_id: i64,
    account_id: i64,
    date: NaiveDate,
    amount: String,
    description: String,
    category: String,
}

async fn add_row(State(app): State<App>, body: Bytes) -> Response {
    let row = match serde_json::from_slice::<NewRow>(&body) {
        Ok(row) => row,
        Err(e) => {
            return refuse(format!(
                "expected login_id, account_id, date, amount, description, category: {e}"
            ))
        }
    };
    let added = app.lock().add_transaction(
        row.login_id,
        row.account_id,
        row.date,
        &row.amount,
        &row.description,
        &row.category,
    );
    match added {
        Ok(row) => (StatusCode::CREATED, Json(row)).into_response(),
        Err(e) => refuse(e),
    }
}

async fn logins(State(app): State<App>) -> Response {
    Json(app.lock().login_rows()).into_response()
}

async fn stats(State(app): State<App>) -> Response {
    Json(app.lock().stats).into_response()
}

async fn issued(State(app): State<App>) -> Response {
    Json(app.lock().issued.clone()).into_response()
}

fn catalogue_json(app: &App) -> Response {
    Json(json!({
        "delayed": *app.catalogue.delayed.borrow(),
        "waiting": *app.catalogue.waiting.borrow(),
    }))
    .into_response()
}

async fn catalogue_state(State(app): State<App>) -> Response {
    catalogue_json(&app)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CatalogueDelay {
    delayed: bool,
}

async fn catalogue_delay(State(app): State<App>, body: Bytes) -> Response {
    match serde_json::from_slice::<CatalogueDelay>(&body) {
        Ok(CatalogueDelay { delayed }) => {
            app.catalogue.delayed.send_replace(delayed);
            if !delayed {
                app.catalogue.releases.send_modify(|r| *r += 1);
            }
            catalogue_json(&app)
        }
        Err(e) => refuse(format!("expected {{\"delayed\": true|false}}: {e}")),
    }
}

async fn catalogue_release(State(app): State<App>) -> Response {
    app.catalogue.releases.send_modify(|r| *r += 1);
    catalogue_json(&app)
}
