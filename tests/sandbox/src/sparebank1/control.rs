//! `/_sandbox/*`: the control surface for standalone use (no auth; loopback only).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;

use super::oauth::{first, parse_pairs};
use super::{Shared, Sparebank1Fault, Sparebank1Sandbox};

pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/_sandbox", get(describe))
        .route("/_sandbox/", get(describe))
        .route("/_sandbox/faults", post(inject).delete(clear))
        .route("/_sandbox/book-pending", post(book_pending))
        .route("/_sandbox/rotate-ids", post(rotate_ids))
        .route("/_sandbox/redirect-uris", post(register_redirect_uri))
        .route("/_sandbox/transactions", post(add_transaction))
        .route("/_sandbox/ledger", get(ledger))
        .route("/_sandbox/accounts", get(accounts))
        .route("/_sandbox/stats", get(stats))
        .route("/_sandbox/secrets", get(secrets))
        .route("/_sandbox/approve", post(approve))
}

fn handle(shared: Arc<Shared>) -> Sparebank1Sandbox {
    Sparebank1Sandbox { shared }
}

fn json_ok<T: serde::Serialize>(value: &T) -> Response {
    match serde_json::to_string_pretty(value) {
        Ok(body) => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/json")],
            body,
        )
            .into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    }
}

fn bad(message: String) -> Response {
    (
        StatusCode::BAD_REQUEST,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        message,
    )
        .into_response()
}

fn parse_json<T: serde::de::DeserializeOwned>(body: &Bytes) -> Result<T, Box<Response>> {
    serde_json::from_slice(body).map_err(|e| Box::new(bad(format!("bad JSON: {e}\n"))))
}

async fn describe(State(shared): State<Arc<Shared>>) -> Response {
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        handle(shared).describe(),
    )
        .into_response()
}

/// Body: one fault (`{"kind":"rate_limit","requests":2,"retry_after_secs":30}`) or an array.
async fn inject(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(Sparebank1Fault),
        Many(Vec<Sparebank1Fault>),
    }
    let faults = match parse_json::<OneOrMany>(&body) {
        Ok(OneOrMany::One(f)) => vec![f],
        Ok(OneOrMany::Many(fs)) => fs,
        Err(r) => return *r,
    };
    let sb = handle(shared);
    for f in faults {
        sb.inject(f);
    }
    StatusCode::NO_CONTENT.into_response()
}

async fn clear(State(shared): State<Arc<Shared>>) -> Response {
    handle(shared).clear_faults();
    StatusCode::NO_CONTENT.into_response()
}

async fn book_pending(State(shared): State<Arc<Shared>>) -> Response {
    handle(shared).book_pending();
    StatusCode::NO_CONTENT.into_response()
}

async fn rotate_ids(State(shared): State<Arc<Shared>>) -> Response {
    handle(shared).rotate_ids();
    StatusCode::NO_CONTENT.into_response()
}

async fn register_redirect_uri(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    #[derive(Deserialize)]
    struct Body {
        uri: String,
    }
    match parse_json::<Body>(&body) {
        Ok(b) => {
            handle(shared).register_redirect_uri(&b.uri);
            StatusCode::NO_CONTENT.into_response()
        }
        Err(r) => *r,
    }
}

async fn add_transaction(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    #[derive(Deserialize)]
    struct Body {
        account_key: String,
        date: chrono::NaiveDate,
        amount: String,
        description: String,
        #[serde(default)]
        pending: bool,
    }
    let b = match parse_json::<Body>(&body) {
        Ok(b) => b,
        Err(r) => return *r,
    };
    let result =
        shared
            .lock()
            .add_transaction(&b.account_key, b.date, &b.amount, &b.description, b.pending);
    match result {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => bad(format!("{e}\n")),
    }
}

async fn ledger(State(shared): State<Arc<Shared>>) -> Response {
    json_ok(&handle(shared).ledger())
}

async fn accounts(State(shared): State<Arc<Shared>>) -> Response {
    json_ok(&handle(shared).accounts())
}

async fn stats(State(shared): State<Arc<Shared>>) -> Response {
    json_ok(&handle(shared).stats())
}

async fn secrets(State(shared): State<Arc<Shared>>) -> Response {
    json_ok(&handle(shared).issued_secrets())
}

/// `POST /_sandbox/approve?authorize_url=…&approve=true|false`: answers the BankID page as a
/// browser would and returns the redirect target as text.
async fn approve(RawQuery(query): RawQuery) -> Response {
    let p = parse_pairs(query.as_deref().unwrap_or(""));
    let Some(url) = first(&p, "authorize_url") else {
        return bad("authorize_url is required\n".to_owned());
    };
    // Only ever talk to loopback: this endpoint must not become a way to reach other hosts.
    let loopback = url::Url::parse(url)
        .ok()
        .is_some_and(|u| matches!(u.host_str(), Some("127.0.0.1" | "localhost" | "[::1]")));
    if !loopback {
        return bad("authorize_url must be an http://127.0.0.1 URL\n".to_owned());
    }
    let yes = !matches!(first(&p, "approve"), Some("false" | "0" | "no"));
    match super::approve_in_browser(url, yes).await {
        Ok(location) => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            format!("{location}\n"),
        )
            .into_response(),
        Err(e) => (StatusCode::BAD_GATEWAY, format!("{e}\n")).into_response(),
    }
}
