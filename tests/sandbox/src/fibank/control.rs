//! `/_sandbox/…`: the control contract (clock, advance, oracle, request log, faults) plus the
//! bank's side of the user (lock, unlock, password) and of the books (entries), for
//! standalone use. No authentication: the listener is loopback only.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;

use super::api::App;
use super::state::Shared;
use super::{FibankFault, NewEntry};
use crate::clock::{ClockCommand, ClockReading};

pub(crate) fn routes() -> Router<App> {
    Router::new()
        .route("/_sandbox", get(help))
        .route("/_sandbox/clock", get(clock).post(set_clock))
        .route("/_sandbox/advance", post(advance))
        .route("/_sandbox/oracle/ledger", get(oracle_ledger))
        .route("/_sandbox/oracle/accounts", get(oracle_accounts))
        .route("/_sandbox/requests", get(requests).delete(clear_requests))
        .route(
            "/_sandbox/faults",
            get(list_faults).post(add_faults).delete(clear_faults),
        )
        .route("/_sandbox/user", get(user))
        .route("/_sandbox/lock", post(lock))
        .route("/_sandbox/unlock", post(unlock))
        .route("/_sandbox/password", post(password))
        .route("/_sandbox/entries", get(entries).post(add_entry))
        .route("/_sandbox/accounts", get(accounts))
        .route("/_sandbox/stats", get(stats))
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

fn minutes(duration: std::time::Duration) -> String {
    let secs = duration.as_secs();
    if secs >= 60 && secs.is_multiple_of(60) {
        format!("{} min", secs / 60)
    } else {
        format!("{secs} s")
    }
}

pub(crate) fn describe(shared: &Shared, origin: &str) -> String {
    let c = &shared.config;
    let limit = c
        .max_range_days
        .map_or_else(|| "off".to_owned(), |days| format!("{days} Sofia days"));
    let (customer, accounts) = {
        let inner = shared.books();
        let accounts: Vec<String> = shared
            .accounts_of(&inner)
            .into_iter()
            .map(|a| {
                format!(
                    "    {}  {}  {:<28} balance {:>10}  available {:>10}{}",
                    a.iban,
                    a.currency,
                    a.name,
                    a.balance,
                    a.available,
                    if a.has_statement {
                        ""
                    } else {
                        "  (no statement: GetCustBal answers acc: [])"
                    }
                )
            })
            .collect();
        (inner.user.customer_id, accounts)
    };
    let mut lines = vec![
        "Fibank \"My Fibank\" e-banking sandbox".to_owned(),
        format!("  auth server   {origin}/oauth2-server   (stands in for https://my.fibank.bg/oauth2-server)"),
        format!("  API base      {origin}/EBank/api/v1/   (stands in for https://my.fibank.bg/EBank/api/v1/)"),
        format!("  username      {}", c.username),
        format!("  password      {}", c.password),
        format!("  ibCustomerId  {customer}   (send as EBank-Cust-Id)"),
        format!(
            "  access token  {}; {} wrong passwords lock the user; sessions die after {} idle",
            minutes(c.token_ttl),
            c.lockout_after,
            minutes(c.session_idle)
        ),
        format!("  GetCustBal    at most {limit} per call (500 HTML beyond)"),
        format!(
            "  books         {} days of history, seed {}, clock now {}",
            c.history_days,
            c.seed,
            shared.clock.now().to_rfc3339()
        ),
        "  accounts:".to_owned(),
    ];
    lines.extend(accounts);
    lines.extend([
        String::new(),
        "Login dance (one cookie jar):".to_owned(),
        format!("  GET  {origin}/oauth2-server/login?client_id=E_BANK"),
        format!("  GET  {origin}/oauth2-server/oauth/authorize?response_type=token&client_id=E_BANK&redirect_uri=/EBank/&scope=E_BANK&state=<uuid>"),
        format!("  GET  {origin}/oauth2-server/api/v1/sywscertificate/fnGetCertsForLogin?client_id=E_BANK&userName=<user>"),
        format!("  POST {origin}/oauth2-server/login   username, password, system, client_id=E_BANK, lang=bg, time, _csrf, sig"),
        "       → 302 → 302 /EBank/#access_token=…&token_type=bearer&state=…&expires_in=…&scope=E_BANK".to_owned(),
        String::new(),
        "Control surface (no auth, loopback only):".to_owned(),
        format!("  GET|POST {origin}/_sandbox/clock            {{\"advance_secs\":900}} {{\"set\":\"2026-03-29T00:30:00Z\"}}"),
        format!("  POST     {origin}/_sandbox/advance          {{\"days\":3}}: new rows per day, plus late rows in past days"),
        format!("  GET      {origin}/_sandbox/oracle/ledger    (and /oracle/accounts)"),
        format!("  GET      {origin}/_sandbox/requests         (DELETE clears)"),
        format!("  POST     {origin}/_sandbox/faults           one fault or an array, e.g."),
        r#"           {"kind":"server_error","requests":2}  {"kind":"statement_error","requests":1}"#.to_owned(),
        r#"           {"kind":"malformed_json","requests":1}  {"kind":"login_page_without_csrf","requests":1}"#.to_owned(),
        r#"  hostile (opt-in): {"kind":"stall","requests":1,"secs":600}  {"kind":"huge_body","requests":1,"bytes":104857600}"#.to_owned(),
        r#"           {"kind":"endless_body","requests":1}  {"kind":"html_in_ok","requests":1}  {"kind":"far_future_date","requests":1}  {"kind":"huge_amount","requests":1}"#.to_owned(),
        r#"           {"kind":"redirect_without_token","requests":1}  {"kind":"expire_tokens"}"#.to_owned(),
        r#"           {"kind":"broken_running_balance","requests":1}  {"kind":"amount_mismatch","requests":1}"#.to_owned(),
        format!("  DELETE   {origin}/_sandbox/faults"),
        format!("  POST     {origin}/_sandbox/lock | /_sandbox/unlock | /_sandbox/password {{\"password\":\"…\"}}"),
        format!("  GET      {origin}/_sandbox/user | /_sandbox/accounts | /_sandbox/entries | /_sandbox/stats"),
        format!(r#"  POST     {origin}/_sandbox/entries   {{"iban":"…","date_time":"2026-01-05T14:03:11+02:00","amount":"-12.30","trname":"…","rem_i":"…"}}"#),
    ]);
    lines.join("\n")
}

async fn help(State(app): State<App>) -> String {
    describe(&app, &app.origin)
}

async fn clock(State(app): State<App>) -> Response {
    Json(ClockReading {
        now: app.clock.now(),
    })
    .into_response()
}

async fn set_clock(State(app): State<App>, body: Bytes) -> Response {
    match serde_json::from_slice::<ClockCommand>(&body) {
        Ok(command) => Json(ClockReading {
            now: app.clock.apply(&command),
        })
        .into_response(),
        Err(e) => refuse(format!(
            "expected {{\"set\"|\"advance_secs\"|\"advance_days\": …}}: {e}"
        )),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Advance {
    days: u32,
}

async fn advance(State(app): State<App>, body: Bytes) -> Response {
    match serde_json::from_slice::<Advance>(&body) {
        Ok(request) => Json(app.advance(request.days)).into_response(),
        Err(e) => refuse(format!("expected {{\"days\": N}}: {e}")),
    }
}

async fn oracle_ledger(State(app): State<App>) -> Response {
    Json(app.books().ledger.oracle_rows()).into_response()
}

async fn oracle_accounts(State(app): State<App>) -> Response {
    Json(app.books().ledger.oracle_accounts()).into_response()
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
    Many(Vec<FibankFault>),
    One(FibankFault),
}

async fn add_faults(State(app): State<App>, body: Bytes) -> Response {
    let faults = match serde_json::from_slice::<OneOrMany>(&body) {
        Ok(OneOrMany::Many(faults)) => faults,
        Ok(OneOrMany::One(fault)) => vec![fault],
        Err(e) => return refuse(format!("not a fault (see GET /_sandbox): {e}")),
    };
    let now = app.clock.now();
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

async fn user(State(app): State<App>) -> Response {
    Json(app.user()).into_response()
}

async fn lock(State(app): State<App>) -> Response {
    app.set_locked(true);
    done()
}

async fn unlock(State(app): State<App>) -> Response {
    app.set_locked(false);
    done()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Password {
    password: String,
}

async fn password(State(app): State<App>, body: Bytes) -> Response {
    let request = match serde_json::from_slice::<Password>(&body) {
        Ok(request) => request,
        Err(e) => return refuse(format!("expected {{\"password\": \"…\"}}: {e}")),
    };
    match app.set_password(&request.password) {
        Ok(()) => done(),
        Err(e) => refuse(e.to_string()),
    }
}

async fn entries(State(app): State<App>) -> Response {
    Json(app.entries()).into_response()
}

async fn add_entry(State(app): State<App>, body: Bytes) -> Response {
    let request = match serde_json::from_slice::<NewEntry>(&body) {
        Ok(request) => request,
        Err(e) => {
            return refuse(format!(
                "expected iban, date_time, amount, trname[, rem_i, reference, value_date]: {e}"
            ))
        }
    };
    match app.add_entry(request) {
        Ok(entry) => (StatusCode::CREATED, Json(entry)).into_response(),
        Err(e) => refuse(e.to_string()),
    }
}

async fn accounts(State(app): State<App>) -> Response {
    let inner = app.books();
    Json(app.accounts_of(&inner)).into_response()
}

async fn stats(State(app): State<App>) -> Response {
    Json(app.lock().stats).into_response()
}
